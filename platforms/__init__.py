"""Platform descriptions (one YAML per platform) and their loader.

A platform is a real part (core, FPU, float ABI, flash and RAM of the part) plus the QEMU machine
that hosts it. Platforms are data: every file is validated on load against the schema below and
unknown keys are errors, so a typo never silently falls back to a default.

    from simprof.platforms import load, all_platforms
    p = load("stm32f4"); p.ram.size  -> 131072
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simprof.core.errors import PlatformError

PLATFORM_DIR = Path(__file__).resolve().parent
# Extra folders with user platform files, separated by os.pathsep; searched before the built-ins.
PATH_ENV = "SIMPROF_PLATFORM_PATH"

# Cortex-M cores simprof knows, with their architecture (used to reject ELFs built for a bigger core).
CORE_ARCH = {
    "cortex-m0": "v6-m",
    "cortex-m0plus": "v6-m",
    "cortex-m3": "v7-m",
    "cortex-m4": "v7e-m",
    "cortex-m7": "v7e-m",
    "cortex-m23": "v8-m.base",
    "cortex-m33": "v8-m.main",
    "cortex-m55": "v8.1-m.main",
    "cortex-m85": "v8.1-m.main",
}
FLOAT_ABIS = ("soft", "softfp", "hard")


@dataclass(frozen=True)
class MemoryRegion:
    base: int
    size: int

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, address: int, length: int = 1) -> bool:
        return self.base <= address and address + length <= self.end


@dataclass(frozen=True)
class Platform:
    id: str
    part: str
    core: str
    fpu: str
    float_abi: str
    flash: MemoryRegion          # the part's flash (base and size)
    ram: MemoryRegion            # the part's RAM (base and size)
    qemu_machine: str
    link_flash: MemoryRegion     # where the image is linked on the host machine (part's size)
    link_ram: MemoryRegion
    cflags: tuple[str, ...]
    stack_size: int              # default stack region of simprof-built firmware
    heap_size: int               # default heap region of simprof-built firmware
    notes: str
    source: Path

    @property
    def arch(self) -> str:
        return CORE_ARCH[self.core]

    @property
    def has_fpu(self) -> bool:
        return self.float_abi != "soft"


# key -> (required, python type(s)); nested mappings are checked by their own tables.
_TOP_KEYS: dict[str, tuple[bool, type | tuple[type, ...]]] = {
    "id": (True, str),
    "part": (True, str),
    "core": (True, str),
    "fpu": (True, str),
    "float_abi": (True, str),
    "flash": (True, dict),
    "ram": (True, dict),
    "qemu": (True, dict),
    "cflags": (True, list),
    "stack_size": (True, int),
    "heap_size": (True, int),
    "notes": (False, str),
}
_REGION_KEYS = {"base": (True, int), "size": (True, int)}
_QEMU_KEYS = {"machine": (True, str), "flash_base": (False, int), "ram_base": (False, int)}


def _check_keys(where: str, data: dict, table: dict, path: Path) -> None:
    unknown = sorted(set(data) - set(table))
    if unknown:
        raise PlatformError(
            f"platform file {path}: unknown key(s) {', '.join(unknown)} in {where}",
            fix=f"use only {', '.join(table)} (see docs/platforms.md)",
        )
    for key, (required, typ) in table.items():
        if key not in data:
            if required:
                raise PlatformError(f"platform file {path}: missing key '{key}' in {where}",
                                    fix="add it (see docs/platforms.md)")
            continue
        value = data[key]
        # bool is an int subclass in Python; a size of `true` is a mistake, not 1.
        if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            want = typ.__name__ if isinstance(typ, type) else "/".join(t.__name__ for t in typ)
            raise PlatformError(
                f"platform file {path}: '{key}' in {where} is {type(value).__name__}, expected {want}",
                fix="correct the value (see docs/platforms.md)")


def _region(data: dict, where: str, path: Path) -> MemoryRegion:
    _check_keys(where, data, _REGION_KEYS, path)
    if data["size"] <= 0 or data["base"] < 0 or data["base"] + data["size"] > 1 << 32:
        raise PlatformError(f"platform file {path}: {where} region is outside the 32-bit address space",
                            fix="give a base >= 0 and a size > 0 that fit in 4 GiB")
    return MemoryRegion(data["base"], data["size"])


def parse(data: Any, path: Path) -> Platform:
    """Validate one platform mapping (already parsed from YAML) and build a `Platform`."""
    if not isinstance(data, dict):
        raise PlatformError(f"platform file {path} is not a YAML mapping",
                            fix="write key: value pairs (see docs/platforms.md)")
    _check_keys("the top level", data, _TOP_KEYS, path)
    if data["id"] != path.stem:
        raise PlatformError(f"platform file {path}: id '{data['id']}' differs from the file name",
                            fix=f"name the file {data['id']}.yaml or set id: {path.stem}")
    if data["core"] not in CORE_ARCH:
        raise PlatformError(f"platform file {path}: unknown core '{data['core']}'",
                            fix=f"use one of {', '.join(CORE_ARCH)}")
    if data["float_abi"] not in FLOAT_ABIS:
        raise PlatformError(f"platform file {path}: float_abi '{data['float_abi']}' is not valid",
                            fix=f"use one of {', '.join(FLOAT_ABIS)}")
    if not all(isinstance(f, str) for f in data["cflags"]):
        raise PlatformError(f"platform file {path}: cflags must be a list of strings",
                            fix="quote each flag")
    for key in ("stack_size", "heap_size"):
        if data[key] < 0 or data[key] % 8:
            raise PlatformError(f"platform file {path}: {key} must be a non-negative multiple of 8",
                                fix="round it to a multiple of 8 (AAPCS stack alignment)")
    flash = _region(data["flash"], "flash", path)
    ram = _region(data["ram"], "ram", path)
    qemu = data["qemu"]
    _check_keys("qemu", qemu, _QEMU_KEYS, path)
    link_flash = MemoryRegion(qemu.get("flash_base", flash.base), flash.size)
    link_ram = MemoryRegion(qemu.get("ram_base", ram.base), ram.size)
    if data["stack_size"] + data["heap_size"] >= ram.size:
        raise PlatformError(f"platform file {path}: stack_size + heap_size leave no RAM",
                            fix="make them smaller than the RAM size")
    return Platform(
        id=data["id"], part=data["part"], core=data["core"], fpu=data["fpu"],
        float_abi=data["float_abi"], flash=flash, ram=ram, qemu_machine=qemu["machine"],
        link_flash=link_flash, link_ram=link_ram, cflags=tuple(data["cflags"]),
        stack_size=data["stack_size"], heap_size=data["heap_size"],
        notes=" ".join(str(data.get("notes", "")).split()), source=path,
    )


def load_file(path: str | os.PathLike) -> Platform:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlatformError(f"cannot read platform file {path}: {exc.strerror}",
                            fix="check the path") from exc
    try:
        import yaml   # here, not at import: listing platform ids needs no YAML parser

        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PlatformError(f"platform file {path} is not valid YAML: {str(exc).splitlines()[0]}",
                            fix="fix the YAML syntax") from exc
    return parse(data, path)


def _search_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p]
    return extra + [PLATFORM_DIR]


def _files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in reversed(_search_dirs()):   # earlier folders override later ones
        for f in sorted(folder.glob("*.yaml")):
            found[f.stem] = f
    return found


def ids() -> list[str]:
    return sorted(_files())


def load(platform_id: str) -> Platform:
    """The platform with this id, validated. Unknown ids raise `PlatformError` listing the valid ones."""
    files = _files()
    if platform_id not in files:
        raise PlatformError(f"unknown platform '{platform_id}'",
                            fix=f"use one of {', '.join(sorted(files))} (`simprof platforms` lists them)")
    return load_file(files[platform_id])


def all_platforms() -> list[Platform]:
    return [load_file(path) for _, path in sorted(_files().items())]
