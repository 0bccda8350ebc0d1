"""What the measuring host needs from a firmware ELF: symbols, RAM sections, the vector table,
and whether the image fits a platform's core and memory. Read once with pyelftools into a frozen
`ElfInfo`; nothing else opens the file."""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from simprof.core.errors import ElfError
from simprof.platforms import CORE_ARCH, Platform

SHF_WRITE = 0x1
SHF_ALLOC = 0x2

# Tag_CPU_arch values of the Arm build attributes (ABI addenda) for M-profile cores.
_TAG_CPU_ARCH = {11: "v6-m", 12: "v6-m", 10: "v7-m", 13: "v7e-m", 16: "v8-m.base",
                 17: "v8-m.main", 21: "v8.1-m.main"}
# Which architectures a core executes (a core runs code built for itself or a subset).
_RUNS = {
    "v6-m": {"v6-m"},
    "v7-m": {"v6-m", "v7-m"},
    "v7e-m": {"v6-m", "v7-m", "v7e-m"},
    "v8-m.base": {"v6-m", "v8-m.base"},
    "v8-m.main": {"v6-m", "v7-m", "v7e-m", "v8-m.base", "v8-m.main"},
    "v8.1-m.main": {"v6-m", "v7-m", "v7e-m", "v8-m.base", "v8-m.main", "v8.1-m.main"},
}
_ARCH_CORES = {arch: [c for c, a in CORE_ARCH.items() if a == arch] for arch in _RUNS}


@dataclass(frozen=True)
class Symbol:
    name: str
    address: int
    size: int
    kind: str          # STT_FUNC, STT_OBJECT, STT_NOTYPE, ...


@dataclass(frozen=True)
class Section:
    name: str
    address: int
    size: int
    flags: int
    nobits: bool


@dataclass(frozen=True)
class LoadSegment:
    paddr: int
    vaddr: int
    filesz: int
    memsz: int


@dataclass(frozen=True)
class ElfInfo:
    path: Path
    symbols: dict[str, Symbol]
    functions: tuple[Symbol, ...]      # sorted by address, for symbolizing a PC
    sections: tuple[Section, ...]
    segments: tuple[LoadSegment, ...]
    cpu_arch: str | None               # from .ARM.attributes, e.g. "v7e-m"
    hard_float: bool                   # Tag_ABI_VFP_args says FP registers carry arguments
    entry: int

    def address(self, name: str) -> int | None:
        sym = self.symbols.get(name)
        return None if sym is None else sym.address

    def symbolize(self, address: int) -> str:
        """'name+0xoff' of the function containing `address` (Thumb bit ignored), or '??'."""
        address &= ~1
        starts = [f.address & ~1 for f in self.functions]
        i = bisect.bisect_right(starts, address) - 1
        while i >= 0:
            f = self.functions[i]
            start = f.address & ~1
            if start <= address < start + max(f.size, 2):
                off = address - start
                return f.name if off == 0 else f"{f.name}+0x{off:x}"
            if f.size:      # a sized function that does not contain it: stop looking further back
                break
            i -= 1
        return "??"

    def section_of(self, address: int) -> Section | None:
        for s in self.sections:
            if s.flags & SHF_ALLOC and s.address <= address < s.address + s.size:
                return s
        return None


def read_elf(path: str | Path) -> ElfInfo:
    """The ELF's symbols, sections and attributes. Parsing takes ~0.2 s for a firmware image and
    one measurement asks several times, so results are cached per file version (path, mtime, size)."""
    path = Path(path)
    if not path.is_file():
        raise ElfError(f"ELF file {path} not found", fix="check the path given with --elf")
    st = path.stat()
    return _read_elf_cached(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _read_elf_cached(name: str, mtime_ns: int, size: int) -> ElfInfo:
    del mtime_ns, size  # part of the cache key only
    return _parse_elf(Path(name))


def _parse_elf(path: Path) -> ElfInfo:
    try:
        with path.open("rb") as fh:
            elf = ELFFile(fh)
            if elf["e_machine"] != "EM_ARM" or elf.elfclass != 32:
                raise ElfError(f"{path} is not a 32-bit Arm ELF ({elf['e_machine']}, {elf.elfclass}-bit)",
                               fix="build the firmware with arm-none-eabi-gcc for a Cortex-M core")
            symbols: dict[str, Symbol] = {}
            functions: list[Symbol] = []
            symtab = elf.get_section_by_name(".symtab")
            if symtab is None:
                raise ElfError(f"{path} has no symbol table",
                               fix="link without -s/--strip-all (simprof finds regions by symbol)")
            for s in symtab.iter_symbols():
                if not s.name or s["st_info"]["type"] in ("STT_FILE", "STT_SECTION"):
                    continue
                sym = Symbol(s.name, s["st_value"], s["st_size"], s["st_info"]["type"])
                # Global symbols win over local ones of the same name.
                if s.name not in symbols or s["st_info"]["bind"] != "STB_LOCAL":
                    symbols[s.name] = sym
                if sym.kind == "STT_FUNC":
                    functions.append(sym)
            sections = tuple(
                Section(sec.name, sec["sh_addr"], sec["sh_size"], sec["sh_flags"], sec["sh_type"] == "SHT_NOBITS")
                for sec in elf.iter_sections() if sec["sh_flags"] & SHF_ALLOC)
            segments = tuple(
                LoadSegment(seg["p_paddr"], seg["p_vaddr"], seg["p_filesz"], seg["p_memsz"])
                for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD")
            cpu_arch, hard_float = _attributes(elf)
            entry = elf["e_entry"]
    except ElfError:
        raise
    except (ELFError, OSError, ValueError, KeyError) as exc:
        raise ElfError(f"{path} is not a readable ELF file: {exc}",
                       fix="pass the linked firmware .elf, not a .bin/.hex") from exc
    return ElfInfo(path, symbols, tuple(sorted(functions, key=lambda f: f.address)), sections,
                   segments, cpu_arch, hard_float, entry)


def _attributes(elf: ELFFile) -> tuple[str | None, bool]:
    section = elf.get_section_by_name(".ARM.attributes")
    if section is None:
        return None, False
    arch, hard = None, False
    try:
        for sub in section.iter_subsections():
            for subsub in sub.iter_subsubsections():
                for attr in subsub.iter_attributes():
                    if attr.tag == "TAG_CPU_ARCH":
                        arch = _TAG_CPU_ARCH.get(attr.value, f"arch#{attr.value}")
                    elif attr.tag == "TAG_ABI_VFP_ARGS":
                        hard = attr.value == 1
    except (ELFError, AttributeError, KeyError, ValueError):
        return None, False
    return arch, hard


def check_fits(info: ElfInfo, platform: Platform) -> None:
    """Refuse an ELF that cannot run on the platform: built for a bigger core, hard-float on a core
    without FPU, or loading outside the platform's (linked) flash and RAM."""
    if info.cpu_arch is not None and info.cpu_arch not in _RUNS[platform.arch]:
        cores = ", ".join(_ARCH_CORES.get(info.cpu_arch, [info.cpu_arch]))
        raise ElfError(
            f"{info.path.name} is built for Arm {info.cpu_arch} ({cores}) but platform {platform.id} "
            f"is a {platform.core} ({platform.arch})",
            fix=f"rebuild with the platform's flags ({' '.join(platform.cflags)}) or pick a matching --platform")
    if info.hard_float and not platform.has_fpu:
        raise ElfError(f"{info.path.name} uses the hard-float ABI but platform {platform.id} has no FPU",
                       fix=f"rebuild with {' '.join(platform.cflags)} or pick a platform with an FPU")
    for seg in info.segments:
        if seg.filesz == 0:
            continue
        inside = (platform.link_flash.contains(seg.paddr, seg.filesz)
                  or platform.link_ram.contains(seg.paddr, seg.filesz))
        if not inside:
            raise ElfError(
                f"{info.path.name} loads 0x{seg.filesz:x} bytes at 0x{seg.paddr:08x}, outside platform "
                f"{platform.id}'s flash 0x{platform.link_flash.base:08x}+0x{platform.link_flash.size:x} "
                f"and RAM 0x{platform.link_ram.base:08x}+0x{platform.link_ram.size:x}",
                fix="link the firmware for these regions (docs/platforms.md) or pick a matching --platform")
