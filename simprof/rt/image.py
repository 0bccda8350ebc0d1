"""simprof-rt firmware images: which sources make one, its identity, and the regions it offers.

One image per (platform, kernel set) runs every model: the model is written into its flash region
before the first instruction. The kernel set is the one parameter that selects sources
(simprof.rt.sources: `KERNEL_SETS`, `DEFAULT_KERNELS`).

    fw = firmware_for(load("stm32f4"), kernels="reference")     # cached build
    img = load_image(fw, platform)                               # its regions, read from the ELF once
    img.model_capacity, img.arena_capacity
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simprof.core.errors import EmulatorError, FirmwareError
from simprof.platforms import Platform
from simprof.rt.protocol import REPORT_SYMBOL, STOP_SYMBOL
from simprof.rt.sources import DEFAULT_KERNELS, KERNEL_SET_DEFINES, source_dirs, sources
from simprof.sim.build import FirmwareBuild, build_firmware
from simprof.sim.elf import ElfInfo, read_elf

def firmware_for(platform: Platform, kernels: str = DEFAULT_KERNELS, *, cache_dir: Path | None = None) -> FirmwareBuild:
    """The simprof-rt image of `platform` with `kernels` (built once, then from the build cache)."""
    dirs = source_dirs(kernels)
    return build_firmware(platform, sources(kernels), name="simprof-rt" if kernels == DEFAULT_KERNELS
                          else f"simprof-rt-{kernels}", include_dirs=dirs,
                          defines={"SRT_HAVE_CONTROL_OPS": None, **{d: None for d in KERNEL_SET_DEFINES[kernels]}},
                          cache_dir=cache_dir)


@dataclass(frozen=True)
class FirmwareRef:
    """A built image as the parent process built it (picklable: sent to validate's workers)."""
    platform_id: str
    kernels: str
    elf: str
    hash: str


@dataclass(frozen=True)
class FirmwareImage:
    """A simprof-rt image and the regions the host writes to or reads from (from its ELF)."""
    platform: Platform
    kernels: str
    elf: Path
    hash: str
    info: ElfInfo
    model_start: int
    model_capacity: int
    input_start: int
    input_capacity: int
    arena_start: int
    arena_capacity: int
    stop: int
    report: int

    @property
    def ref(self) -> FirmwareRef:
        return FirmwareRef(self.platform.id, self.kernels, str(self.elf), self.hash)


_SYMBOLS = ("__model_start", "__model_end", "__input_start", "__input_end", "tensor_arena", "__tensor_arena_end",
            STOP_SYMBOL, REPORT_SYMBOL)
_IMAGES: dict[tuple[str, str, str], FirmwareImage] = {}


def image_for(platform: Platform, kernels: str = DEFAULT_KERNELS, *, cache_dir: Path | None = None) -> FirmwareImage:
    """Build (cached) and load the image of `platform` with `kernels`."""
    fw = firmware_for(platform, kernels, cache_dir=cache_dir)
    return load_image(platform, kernels, fw.elf, fw.hash)


def load_image(platform: Platform, kernels: str, elf: Path | str, build_hash: str) -> FirmwareImage:
    """The regions of a built image, read from its ELF once per process."""
    key = (platform.id, kernels, build_hash)
    if key in _IMAGES:
        return _IMAGES[key]
    info = read_elf(elf)
    addr = {n: info.address(n) for n in _SYMBOLS}
    missing = [n for n, v in addr.items() if v is None]
    if missing:
        raise EmulatorError(f"{elf} is not a simprof-rt firmware (missing {', '.join(missing)})", fix="rebuild it")
    img = FirmwareImage(platform, kernels, Path(elf), build_hash, info,
                        addr["__model_start"], addr["__model_end"] - addr["__model_start"],
                        addr["__input_start"], addr["__input_end"] - addr["__input_start"],
                        addr["tensor_arena"], addr["__tensor_arena_end"] - addr["tensor_arena"],
                        addr[STOP_SYMBOL], addr[REPORT_SYMBOL])
    _IMAGES[key] = img
    return img


def image_from_ref(ref: FirmwareRef) -> FirmwareImage:
    """The image a parent built, in this process. A worker on another machine, which has no such
    file, builds the same sources here and refuses a different image."""
    from simprof.platforms import load

    platform = load(ref.platform_id)
    if Path(ref.elf).is_file():
        return load_image(platform, ref.kernels, ref.elf, ref.hash)
    img = image_for(platform, ref.kernels)
    if img.hash != ref.hash:
        raise FirmwareError(f"this worker's simprof-rt for {ref.platform_id} (build {img.hash[:12]}) differs "
                            f"from the one the run was started with ({ref.hash[:12]})",
                            fix="install the same simprof version on every dask worker")
    return img
