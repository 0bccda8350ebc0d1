"""Cached firmware builds: board support + caller's C sources, compiled with the platform's flags
and linked with a linker script generated from the platform's memory sizes.

The cache key is a hash of everything that can change the image: sources and headers, flags,
defines, region sizes, the platform, the linker template and the compiler's version. A second
build of the same thing does no work (not even a compiler call once the version is known).

    fw = build_firmware(load("stm32f4"), [Path("app.c")], name="app")
    fw.elf, fw.map, fw.hash, fw.stack_usage (.su files), fw.callgraph (.ci files)
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Mapping, Sequence

from simprof.core.errors import BuildError, ToolchainError
from simprof.firmware import SOURCE_DIR

# Parent of firmware/: the repo root in a checkout, site-packages/simprof when installed.
SOURCE_ROOT = SOURCE_DIR.parent
from simprof.platforms import Platform

log = logging.getLogger(__name__)

BOARD_DIR = SOURCE_DIR / "board"
BOARD_SOURCES = tuple(BOARD_DIR / n for n in ("startup.c", "semihost.c", "syscalls.c", "simprof_markers.c"))
LINKER_TEMPLATE = BOARD_DIR / "link.ld.in"
CACHE_ENV = "SIMPROF_CACHE_DIR"
CC_ENV = "SIMPROF_CC"
# Bump when the build recipe changes in a way the hashed inputs do not show.
RECIPE_VERSION = "2"

COMMON_CFLAGS = (
    "-std=c11", "-Os", "-g", "-ffunction-sections", "-fdata-sections",
    "-Wall", "-Wextra", "-Werror", "-fstack-usage", "-fcallgraph-info=su",
)
LINK_FLAGS = (
    "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
    "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments",
    "-Wl,--undefined=tensor_arena",   # referenced, so the script's PROVIDE defines it in every image
)
DEFAULT_INPUT_SIZE = 8192


@dataclass(frozen=True)
class FirmwareBuild:
    name: str
    platform_id: str
    hash: str
    directory: Path
    elf: Path
    map: Path
    linker_script: Path
    stack_usage: tuple[Path, ...]     # one .su per compiled unit (gcc -fstack-usage)
    callgraph: tuple[Path, ...]       # one .ci per compiled unit (gcc -fcallgraph-info=su)
    stack_size: int
    heap_size: int
    arena_size: int | None            # None: the arena takes all RAM the other regions leave
    input_size: int
    cached: bool                      # True when this call found the build in the cache


def default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "simprof" / "firmware"


def compiler() -> str:
    cc = os.environ.get(CC_ENV) or "arm-none-eabi-gcc"
    path = shutil.which(cc)
    if path is None:
        raise ToolchainError(f"compiler {cc} not found",
                             fix="install gcc-arm-none-eabi and libnewlib-arm-none-eabi (scripts/setup.sh) "
                                 f"or set {CC_ENV}")
    return path


@functools.lru_cache(maxsize=8)
def _compiler_version(path: str, mtime_ns: int) -> str:
    del mtime_ns  # part of the cache key only: a reinstalled compiler is asked again
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolchainError(f"compiler {path} does not run: {exc}",
                             fix="reinstall gcc-arm-none-eabi") from exc
    return out.stdout.splitlines()[0] if out.stdout else path


def compiler_version(path: str) -> str:
    return _compiler_version(path, os.stat(path).st_mtime_ns)


def render_linker_script(platform: Platform, *, stack_size: int, heap_size: int,
                         arena_size: int | None, input_size: int) -> str:
    if arena_size is None:
        arena_body = ". = __StackLimit - __HeapLimit;  /* offset from the section start */"
    else:
        arena_body = f". += {arena_size};"
    return Template(LINKER_TEMPLATE.read_text()).substitute(
        platform=platform.id,
        flash_base=hex(platform.link_flash.base), flash_size=hex(platform.link_flash.size),
        ram_base=hex(platform.link_ram.base), ram_size=hex(platform.link_ram.size),
        stack_size=stack_size, heap_size=heap_size, input_size=input_size, arena_body=arena_body,
    )


def _headers(dirs: Sequence[Path]) -> list[Path]:
    found: set[Path] = set()
    for d in dirs:
        if d.is_dir():
            found.update(p.resolve() for p in d.rglob("*.h"))
    return sorted(found)


def _define_flags(defines: Mapping[str, object]) -> list[str]:
    return [f"-D{k}" if v is None else f"-D{k}={v}" for k, v in sorted(defines.items())]


def build_firmware(platform: Platform, sources: Sequence[Path], *,
                   include_dirs: Sequence[Path] = (), defines: Mapping[str, object] | None = None,
                   extra_cflags: Sequence[str] = (), name: str = "firmware",
                   stack_size: int | None = None, heap_size: int | None = None,
                   arena_size: int | None = None, input_size: int = DEFAULT_INPUT_SIZE,
                   cache_dir: Path | None = None) -> FirmwareBuild:
    """Compile board support + `sources` for `platform`, link, and cache the result by hash.

    `arena_size=None` lets the arena (`tensor_arena`) take all RAM left between the heap and the
    stack; a number fixes it (the link fails if it does not fit). Defaults for the stack and heap
    come from the platform.
    """
    sources = [Path(s).resolve() for s in sources]
    for src in sources:
        if not src.is_file():
            raise BuildError(f"source file {src} not found", fix="check the path")
    stack_size = platform.stack_size if stack_size is None else stack_size
    heap_size = platform.heap_size if heap_size is None else heap_size
    for label, value in (("stack_size", stack_size), ("heap_size", heap_size), ("input_size", input_size),
                         ("arena_size", arena_size or 0)):
        if value < 0 or value % 8:
            raise BuildError(f"{label}={value} is not a non-negative multiple of 8", fix="round it up to 8")
    cc = compiler()
    includes = [BOARD_DIR] + [Path(d).resolve() for d in include_dirs]
    # The region sizes are visible to C too (e.g. a runtime checking its arena at compile time).
    board_defines = {"SIMPROF_STACK_SIZE": stack_size, "SIMPROF_HEAP_SIZE": heap_size,
                     "SIMPROF_INPUT_SIZE": input_size}
    if arena_size is not None:
        board_defines["SIMPROF_ARENA_SIZE"] = arena_size
    cflags = (list(platform.cflags) + list(COMMON_CFLAGS) + _define_flags({**board_defines, **(defines or {})})
              + list(extra_cflags))
    script = render_linker_script(platform, stack_size=stack_size, heap_size=heap_size,
                                  arena_size=arena_size, input_size=input_size)
    all_sources = list(BOARD_SOURCES) + sources

    digest = hashlib.sha256()
    for part in (RECIPE_VERSION, name, platform.id, repr(platform.cflags), compiler_version(cc),
                 " ".join(cflags), " ".join(LINK_FLAGS), script, repr([_portable(i) for i in includes])):
        digest.update(part.encode() + b"\0")
    for path in all_sources + _headers(includes + sorted({s.parent for s in sources})):
        digest.update(_portable(path).encode() + b"\0" + path.read_bytes() + b"\0")
    key = digest.hexdigest()

    root = Path(cache_dir) if cache_dir else default_cache_dir()
    final = root / f"{name}-{platform.id}-{key[:16]}"
    if not (final / "firmware.elf").is_file():
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
        try:
            _compile_and_link(cc, cflags, includes, all_sources, script, work)
            try:
                os.rename(work, final)   # atomic: a concurrent identical build may have won
            except OSError:
                if not (final / "firmware.elf").is_file():
                    raise
                shutil.rmtree(work, ignore_errors=True)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        cached = False
        log.info("built %s for %s in %s", name, platform.id, final)
    else:
        cached = True
        log.debug("cache hit %s", final)
    return FirmwareBuild(
        name=name, platform_id=platform.id, hash=key, directory=final, elf=final / "firmware.elf",
        map=final / "firmware.map", linker_script=final / "link.ld",
        stack_usage=tuple(sorted(final.glob("*.su"))), callgraph=tuple(sorted(final.glob("*.ci"))),
        stack_size=stack_size, heap_size=heap_size, arena_size=arena_size, input_size=input_size,
        cached=cached,
    )


def _first_error(output: str) -> str:
    """The line that names the problem: gcc's first `error:`, else ld's first message."""
    lines = [re.sub(r"^\S*/ld(\.bfd)?: ", "ld: ", l.strip()) for l in output.splitlines() if l.strip()]
    for line in lines:
        if "error:" in line and not line.startswith("collect2"):
            return line
    for line in lines:
        if line.startswith("ld: ") and "is not within region" not in line:
            return line
    return lines[0] if lines else "no compiler output"


def _run(cmd: list[str], what: str, cwd: Path) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        output = (proc.stderr + proc.stdout).strip()
        raise BuildError(f"{what} failed: {_first_error(output)}",
                         fix="fix the reported error (the full compiler output is in the error's details)",
                         output=output, command=cmd)


def _portable(path: Path) -> str:
    """A path as the cache key sees it: relative to the tree that holds simprof's firmware when it
    lies inside it. The key is recorded in the calibration data, so a clone in another folder (CI)
    or an installed copy must compute the same key for the same sources."""
    try:
        return str(Path(path).resolve().relative_to(SOURCE_ROOT))
    except ValueError:
        return str(path)


def _compile_and_link(cc: str, cflags: list[str], includes: list[Path], sources: list[Path],
                      script: str, work: Path) -> None:
    # Same bytes wherever the tree lies: no absolute source path in debug info or __FILE__.
    cflags = [*cflags, f"-ffile-prefix-map={SOURCE_ROOT}=."]
    (work / "link.ld").write_text(script)
    inc = [f"-I{d}" for d in includes]
    objects = []
    jobs = []
    for i, src in enumerate(sources):
        obj = work / f"{i:03d}-{src.stem}.o"   # index: two sources may share a stem
        objects.append(obj)
        jobs.append(([cc, *cflags, *inc, "-c", str(src), "-o", str(obj)], f"compiling {src.name}"))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for future in [pool.submit(_run, cmd, what, work) for cmd, what in jobs]:
            future.result()
    link = [cc, *cflags, *LINK_FLAGS, "-T", str(work / "link.ld"), f"-Wl,-Map={work / 'firmware.map'}",
            "-o", str(work / "firmware.elf"), *map(str, objects), "-lm"]
    _run(link, "linking", work)
