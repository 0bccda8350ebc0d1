"""simprof-rt built for the host (x86-64, the tflite-micro wheel's LP64 sizes): fast tests,
parity with TFLM's host interpreter, fuzzing.

The same C sources as the firmware (firmware/runtime, firmware/kernels) plus firmware/host/main.c,
compiled with gcc and -fsanitize=address,undefined; cached by a hash of sources and flags.

    b = build_host()
    r = run_host(model_bytes, arena_size=65536)      # HostRun: status, head, tail, need, outputs...
    min_arena_host(model_bytes)                      # smallest working arena (bisection, /16)
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from simprof.core.errors import BuildError, SimprofError, ToolchainError, UsageError
from simprof.firmware import SOURCE_DIR
from simprof.rt.sources import KERNEL_SET_DEFINES, RUNTIME_DIRS, check_kernels, source_dirs

log = logging.getLogger(__name__)

RUNTIME_DIR = SOURCE_DIR / "runtime"
KERNELS_DIR = SOURCE_DIR / "kernels"
HOST_DIR = SOURCE_DIR / "host"
ARENA_ALIGN = 16
DEFAULT_ARENA = 4 * 1024 * 1024
SANITIZE = ("-fsanitize=address,undefined,float-cast-overflow", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")
CFLAGS = ("-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-DSRT_HAVE_CONTROL_OPS")
RECIPE = "2"

# srt_status values (srt_kernel.h)
STATUS_NAMES = {0: "ok", 1: "model", 2: "unsupported", 3: "arena", 4: "input", 5: "internal"}


class HostRuntimeError(SimprofError):
    """The host build of simprof-rt crashed or could not be run."""


@dataclass(frozen=True)
class HostBuild:
    exe: Path
    fuzz_exe: Path
    hash: str
    sanitize: bool
    check_exe: Path | None = None    # srt_check: load verdicts of many models (firmware/host/check.c)


@dataclass(frozen=True)
class HostRun:
    """One run of the host build: the runtime's report (report.h) and the output bytes."""

    status: int
    phase: int
    arena_size: int
    head: int
    tail: int
    temp_hwm: int
    need: int
    missing: int
    n_subgraphs: int
    n_tensors: int
    n_ops: int
    n_scratch: int
    n_planned: int
    message: str
    outputs: tuple[bytes, ...] = field(repr=False, default=())

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, str(self.status))

    @property
    def total(self) -> int:
        return self.head + self.tail


CMSIS_CORES = {"none": 0, "dsp": 1, "mve": 2}   # SRT_CMSIS_CORE (firmware/kernels_cmsis_nn/cmsis_nn.h)


def _kernel_dirs(kernels: str) -> list[Path]:
    """The kernel folders of a kernel set, as the Arm image takes them (simprof.rt.sources)."""
    return [d for d in source_dirs(kernels) if d.name not in RUNTIME_DIRS]


def _sources(kernels: str = "reference") -> list[Path]:
    return sorted(RUNTIME_DIR.glob("*.c")) + [p for d in _kernel_dirs(kernels) for p in sorted(d.glob("*.c"))]


def default_cache_dir() -> Path:
    base = os.environ.get("SIMPROF_CACHE_DIR") or str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "simprof")
    return Path(base) / "rt_host"


def build_host(*, sanitize: bool = True, cache_dir: Path | None = None, kernels: str = "reference",
               cmsis_core: str = "dsp") -> HostBuild:
    """Compile (or reuse) the host runtime and the fuzz driver, with a kernel set ("reference" or
    "cmsis-nn"; for the latter `cmsis_core` picks the CMSIS-NN code path: none, dsp, mve)."""
    cc = os.environ.get("SIMPROF_HOST_CC") or "gcc"
    if shutil.which(cc) is None:
        raise ToolchainError(f"host compiler {cc} not found", fix="install gcc or set SIMPROF_HOST_CC")
    check_kernels(kernels)
    if cmsis_core not in CMSIS_CORES:
        raise UsageError(f"unknown CMSIS-NN core class {cmsis_core!r}", fix=f"use one of {', '.join(CMSIS_CORES)}")
    dirs = _kernel_dirs(kernels)
    srcs = _sources(kernels)
    headers = sorted(RUNTIME_DIR.glob("*.h")) + [p for d in dirs for p in sorted(d.glob("*.h"))]
    flags = list(CFLAGS) + (list(SANITIZE) if sanitize else [])
    flags += [f"-D{d}" for d in KERNEL_SET_DEFINES[kernels]] + [f"-I{d}" for d in dirs if d != KERNELS_DIR]
    if KERNEL_SET_DEFINES[kernels]:   # the host has no __ARM_FEATURE_*: the core class is told
        flags.append(f"-DSRT_CMSIS_CORE={CMSIS_CORES[cmsis_core]}")
    h = hashlib.sha256(f"{RECIPE} {cc} {flags}".encode())
    for p in srcs + headers + [HOST_DIR / "main.c", HOST_DIR / "fuzz.c", HOST_DIR / "check.c"]:
        if p.exists():
            h.update(p.name.encode() + p.read_bytes())
    key = h.hexdigest()[:16]
    out = (cache_dir or default_cache_dir()) / key
    exe, fuzz, check = out / "srt_host", out / "srt_fuzz", out / "srt_check"
    if exe.exists() and fuzz.exists() and check.exists():
        return HostBuild(exe, fuzz, key, sanitize, check)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out))
    inc = [f"-I{RUNTIME_DIR}", f"-I{KERNELS_DIR}"]
    # compile the shared objects once, link twice
    objs = []
    for i, src in enumerate(srcs):
        obj = tmp / f"{i}_{src.stem}.o"
        _run([cc, *flags, *inc, "-c", str(src), "-o", str(obj)])
        objs.append(str(obj))
    for main, target in ((HOST_DIR / "main.c", exe), (HOST_DIR / "fuzz.c", fuzz), (HOST_DIR / "check.c", check)):
        part = tmp / target.name
        _run([cc, *flags, *inc, str(main), *objs, "-lm", "-o", str(part)])
        os.replace(part, target)
    shutil.rmtree(tmp, ignore_errors=True)
    log.info("built host runtime %s", out)
    return HostBuild(exe, fuzz, key, sanitize, check)


def _run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"host build failed: {' '.join(cmd[-4:])}: {r.stderr.strip()[-800:]}",
                         fix="fix the C error shown")


def run_host(model: bytes | Path, *, arena_size: int = DEFAULT_ARENA, inputs: bytes | None = None,
             invoke: bool = True, recording: bool = True, build: HostBuild | None = None,
             timeout: float = 60.0) -> HostRun:
    """Run setup (and one inference) of `model` with an arena of `arena_size` bytes."""
    build = build or build_host()
    with tempfile.TemporaryDirectory(prefix="srt-host-") as d:
        mpath = Path(d) / "model.tflite"
        mpath.write_bytes(model.read_bytes() if isinstance(model, Path) else bytes(model))
        cmd = [str(build.exe), str(mpath), "--arena", str(arena_size), "--outputs", str(Path(d) / "out.bin")]
        if inputs is not None:
            (Path(d) / "in.bin").write_bytes(bytes(inputs))
            cmd += ["--input", str(Path(d) / "in.bin")]
        if not invoke:
            cmd.append("--no-invoke")
        if not recording:
            cmd.append("--plain")
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise HostRuntimeError(f"host runtime hung (> {timeout} s)", fix="report the model") from exc
        try:
            rep = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            raise HostRuntimeError(f"host runtime crashed (exit {r.returncode}): {r.stderr.strip()[-1500:]}",
                                   fix="a bug in simprof-rt: report the model") from exc
        outs: list[bytes] = []
        blob = (Path(d) / "out.bin").read_bytes() if (Path(d) / "out.bin").exists() else b""
        pos = 0
        for n in rep["out_len"]:
            outs.append(blob[pos:pos + n])
            pos += n
    keys = ("status", "phase", "arena_size", "head", "tail", "temp_hwm", "need", "missing", "n_subgraphs",
            "n_tensors", "n_ops", "n_scratch", "n_planned", "message")
    return HostRun(**{k: rep[k] for k in keys}, outputs=tuple(outs) if rep["status"] == 0 else ())


def _align16(n: int) -> int:
    return (n + ARENA_ALIGN - 1) // ARENA_ALIGN * ARENA_ALIGN


def min_arena_host(model: bytes | Path, *, recording: bool = True, build: HostBuild | None = None,
                   upper: int = DEFAULT_ARENA) -> int:
    """Smallest arena (aligned start, to the byte) with which setup succeeds, by bisection on the
    16-byte grid from the runtime's own accounting (`need`), then the 15 sizes below it."""
    from simprof.core.arena_search import to_the_byte

    build = build or build_host()
    data = model.read_bytes() if isinstance(model, Path) else bytes(model)
    first = run_host(data, arena_size=upper, invoke=False, recording=recording, build=build)
    if not first.ok:
        raise HostRuntimeError(f"setup fails even with {upper} B: {first.message}",
                               fix="pass a larger upper bound, or fix the model")
    hi = _align16(max(first.need, first.total))
    if not run_host(data, arena_size=hi, invoke=False, recording=recording, build=build).ok:
        lo = hi
        hi = upper
    else:
        lo = _align16(first.total) - ARENA_ALIGN  # the final head + tail must fit: below fails
    while hi - lo > ARENA_ALIGN:
        mid = lo + (hi - lo) // (2 * ARENA_ALIGN) * ARENA_ALIGN
        if run_host(data, arena_size=mid, invoke=False, recording=recording, build=build).ok:
            hi = mid
        else:
            lo = mid
    return to_the_byte(lambda n: run_host(data, arena_size=n, invoke=False, recording=recording, build=build).ok, hi)
