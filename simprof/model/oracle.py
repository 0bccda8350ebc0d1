"""The TFLM host-interpreter oracle: real TFLM (the `tflite-micro` wheel, x86-64, LP64 sizes) run on
the host, used to check the estimator byte for byte and the kernels bit for bit.

Every interpreter lives in a forked child process. The wheel can segfault when setup fails for a
too-small arena (DESIGN.md §7), and `print_allocations()` writes to the C-level fd 2, which only a
child can redirect without disturbing the caller's stderr.

Caveat (tflm-arena-facts.md §1): tail padding depends on where the arena ends. The wheel allocates
its arena with `new uint8_t[size]` (16-aligned on glibc), so only sizes that are multiples of 16
give reproducible tail figures. Every function here therefore rounds arena sizes up to 16.

Resource variables: for a model with VAR_HANDLE ops the Python wrapper (not TFLM's interpreter)
creates MicroResourceVariables on the arena right after the allocator objects: two 16-aligned
persistent buffers, the 16 B table object and 40 B per unique shared name (lp64), both recorded
as "Persistent buffer data"; each variable's buffer is allocated later by the first
ASSIGN_VARIABLE's Prepare (plus that op's 4 B OpData at Init). Measured by arena starvation.

API:
    allocations(model_bytes, arena_size=...) -> AllocationReport   (print_allocations(), parsed)
    try_arena(model_bytes, arena_size) -> Trial                      (one setup attempt)
    min_arena(model_bytes) -> int                                    (smallest working arena, /16)
    reference_outputs(model_bytes, inputs) -> list[np.ndarray]       (bit-exact TFLM outputs)
"""
from __future__ import annotations

import logging
import os
import pickle
import re
import select
import signal
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from simprof.core.errors import SimprofError

log = logging.getLogger(__name__)

ARENA_ALIGN = 16
# Large enough for every model of the test corpus; the figures do not depend on the arena size
# as long as it is a multiple of 16 and setup succeeds.
DEFAULT_ARENA = 4 * 1024 * 1024
TIMEOUT_S = 60.0
JOBS = 2  # CI has 2 cores

_TOTAL = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")
_CATEGORY = re.compile(
    r"'(?P<name>[^']+)' used (?P<used>\d+) bytes with alignment overhead "
    r"\(requested (?P<req>\d+) bytes for (?P<count>\d+) [^)]*\)"
)
_REQUEST = re.compile(r"Failed to allocate (tail|temp) memory\. Requested: (\d+), available (\d+)")


class OracleError(SimprofError):
    """The TFLM host interpreter failed in a way the caller did not ask to tolerate."""


@dataclass(frozen=True)
class Category:
    """One line of print_allocations(): U bytes used including padding, Q requested, C allocations."""

    name: str
    used: int
    requested: int
    count: int


@dataclass(frozen=True)
class AllocationReport:
    """print_allocations() after a successful setup, parsed."""

    arena_size: int
    total: int
    head: int
    tail: int
    categories: tuple[Category, ...]
    raw: str = field(repr=False, compare=False, default="")

    def category(self, name: str) -> Category | None:
        return next((c for c in self.categories if c.name == name), None)

    def as_dict(self) -> dict:
        return {
            "arena_size": self.arena_size,
            "total": self.total,
            "head": self.head,
            "tail": self.tail,
            "categories": {c.name: {"used": c.used, "requested": c.requested, "count": c.count}
                           for c in self.categories},
        }


@dataclass(frozen=True)
class Trial:
    """One attempt at setup with a given arena size, in a child process."""

    arena_size: int
    ok: bool
    crashed: bool  # killed by a signal (segfault) or timed out
    report: AllocationReport | None
    stderr: str

    def failed_request(self) -> tuple[str, int, int] | None:
        """(tail|temp, requested, available) of the first failing allocation TFLM logged."""
        m = _REQUEST.search(self.stderr)
        return (m.group(1), int(m.group(2)), int(m.group(3))) if m else None


def align16(n: int) -> int:
    return (n + ARENA_ALIGN - 1) // ARENA_ALIGN * ARENA_ALIGN


def parse_allocations(text: str, arena_size: int = 0) -> AllocationReport:
    """Parse the text print_allocations() writes to stderr."""
    totals = {m.group(1): int(m.group(2)) for m in _TOTAL.finditer(text)}
    if set(totals) != {"total", "head", "tail"}:
        raise OracleError("print_allocations() output has no total/head/tail lines",
                          fix="check the tflite-micro wheel version (expected 0.dev20261023182759)")
    cats = tuple(Category(m["name"], int(m["used"]), int(m["req"]), int(m["count"]))
                 for m in _CATEGORY.finditer(text))
    return AllocationReport(arena_size, totals["total"], totals["head"], totals["tail"], cats, text)


# --------------------------------------------------------------------------------------------
# child-process machinery


def _load_runtime():
    from tflite_micro.python.tflite_micro import runtime
    return runtime


@dataclass
class _Child:
    pid: int
    rfd: int
    errfile: str
    started: float
    arena_size: int


def _spawn(job, arena_size: int) -> _Child:
    """Fork a child that redirects fd 2 to a file, runs `job()` and pickles its result to a pipe."""
    _load_runtime()  # import once in the parent so children do not pay for it
    fd, errfile = tempfile.mkstemp(prefix="simprof-oracle-", suffix=".err")
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(rfd)
            os.dup2(fd, 2)
            import faulthandler  # an expected segfault must not dump a traceback on the parent's stderr
            faulthandler.disable()
            try:
                payload = ("ok", job())
            except BaseException as exc:  # report, never raise out of a forked child
                payload = ("err", f"{type(exc).__name__}: {exc}")
            data = pickle.dumps(payload)
            view = memoryview(data)
            while view:
                view = view[os.write(wfd, view):]
        finally:
            os._exit(0)
    os.close(fd)
    os.close(wfd)
    return _Child(pid, rfd, errfile, time.monotonic(), arena_size)


def _collect(child: _Child, timeout: float) -> tuple[object | None, bool, str]:
    """Read the child's pickled result; return (payload, crashed, stderr)."""
    chunks = []
    deadline = child.started + timeout
    timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            os.kill(child.pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([child.rfd], [], [], remaining)
        if ready:
            chunk = os.read(child.rfd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(child.rfd)
    _, status = os.waitpid(child.pid, 0)
    with open(child.errfile, "r", errors="replace") as fh:
        stderr = fh.read()
    os.unlink(child.errfile)
    crashed = timed_out or os.WIFSIGNALED(status)
    payload = pickle.loads(b"".join(chunks)) if chunks and not crashed else None
    return payload, crashed, stderr


def _setup_job(model_bytes: bytes, arena_size: int):
    def job():
        runtime = _load_runtime()
        interp = runtime.Interpreter.from_bytes(model_bytes, arena_size=arena_size)  # runs setup
        os.write(2, b"\n@@SIMPROF-ALLOC-BEGIN@@\n")
        interp.print_allocations()
        os.write(2, b"\n@@SIMPROF-ALLOC-END@@\n")
        return True

    return job


def _trial_from(child: _Child, timeout: float) -> Trial:
    payload, crashed, stderr = _collect(child, timeout)
    ok = bool(payload) and payload[0] == "ok"
    report = None
    if ok and "@@SIMPROF-ALLOC-BEGIN@@" in stderr:
        text = stderr.split("@@SIMPROF-ALLOC-BEGIN@@", 1)[1].split("@@SIMPROF-ALLOC-END@@", 1)[0]
        report = parse_allocations(text, child.arena_size)
    if payload and payload[0] == "err":
        stderr += "\n" + str(payload[1])
    return Trial(child.arena_size, ok, crashed, report, stderr)


# --------------------------------------------------------------------------------------------
# public API


def try_arena(model_bytes: bytes, arena_size: int, timeout: float = TIMEOUT_S) -> Trial:
    """Run TFLM's setup with `arena_size` (rounded up to 16) in a child process."""
    size = align16(arena_size)
    return _trial_from(_spawn(_setup_job(bytes(model_bytes), size), size), timeout)


def _try_many(model_bytes: bytes, sizes: list[int], timeout: float) -> list[Trial]:
    """Run up to JOBS trials at once."""
    results: list[Trial] = []
    for i in range(0, len(sizes), JOBS):
        batch = [_spawn(_setup_job(model_bytes, s), s) for s in sizes[i:i + JOBS]]
        results += [_trial_from(c, timeout) for c in batch]
    return results


def allocations(model_bytes: bytes, arena_size: int = DEFAULT_ARENA,
                timeout: float = TIMEOUT_S) -> AllocationReport:
    """print_allocations() of TFLM's host interpreter after setup with `arena_size` bytes."""
    trial = try_arena(model_bytes, arena_size, timeout)
    if not trial.ok or trial.report is None:
        what = "crashed" if trial.crashed else "failed"
        last = trial.stderr.strip().splitlines()[-1:] or ["no message"]
        raise OracleError(f"TFLM setup {what} with a {trial.arena_size} B arena: {last[0]}",
                          fix="pass a larger arena_size, or check that TFLM supports every op")
    return trial.report


def min_arena(model_bytes: bytes, upper: int | None = None, timeout: float = TIMEOUT_S) -> int:
    """The smallest arena size (to the byte; the start is 16-aligned) with which TFLM's host
    setup succeeds: the smallest multiple of 16, then the 15 sizes below it (arena_search).

    The reported total (final head + tail) is a lower bound: that memory must fit once setup ends.
    It is usually the answer, so it is tried first; otherwise the gap is bracketed by doubling and
    then narrowed by k-section, JOBS trials at a time (k-section with 2 cores shrinks the interval
    3x per round instead of 2x)."""
    model_bytes = bytes(model_bytes)
    report = allocations(model_bytes, upper or DEFAULT_ARENA, timeout)
    lo = align16(report.total)  # the largest size known (or assumed) to fail, after the first trial
    first = try_arena(model_bytes, lo, timeout)
    if first.ok:
        return _below_grid(model_bytes, lo, timeout)
    # bracket: lo fails; find a working hi
    step = 256
    hi = None
    while hi is None:
        cands = [lo + step, lo + 2 * step]
        for t in _try_many(model_bytes, cands, timeout):
            if t.ok:
                hi = t.arena_size
                break
            lo = max(lo, t.arena_size)
        step *= 4
        if lo > (upper or DEFAULT_ARENA):
            raise OracleError("no working arena found below the upper bound",
                              fix="pass a larger `upper`")
    # invariant: lo fails, hi works; narrow in multiples of 16
    while hi - lo > ARENA_ALIGN:
        n = (hi - lo) // ARENA_ALIGN
        k = min(JOBS, n - 1)
        points = sorted({lo + ARENA_ALIGN * max(1, (n * (j + 1)) // (k + 1)) for j in range(k)})
        for t in _try_many(model_bytes, points, timeout):
            if t.ok:
                hi = min(hi, t.arena_size)
            else:
                lo = max(lo, t.arena_size)
        if lo >= hi:  # setup success is not monotonic in the arena size: say so loudly
            raise OracleError(f"arena {lo} failed while {hi} worked: success is not monotonic",
                              fix="report the model; bisection cannot be trusted for it")
    return _below_grid(model_bytes, hi, timeout)


def _below_grid(model_bytes: bytes, grid_min: int, timeout: float) -> int:
    from simprof.core.arena_search import byte_candidates, first_working

    trials = _try_many(model_bytes, byte_candidates(grid_min), timeout)
    return first_working(((t.arena_size, t.ok) for t in trials), grid_min)


def reference_outputs(model_bytes: bytes, inputs: list[np.ndarray],
                      arena_size: int = DEFAULT_ARENA, timeout: float = TIMEOUT_S) -> list[np.ndarray]:
    """Outputs of one inference with TFLM's host interpreter (reference kernels), bit exact."""
    model_bytes = bytes(model_bytes)
    size = align16(arena_size)
    arrays = [np.ascontiguousarray(a) for a in inputs]

    def job():
        runtime = _load_runtime()
        interp = runtime.Interpreter.from_bytes(model_bytes, arena_size=size)
        for i, a in enumerate(arrays):
            interp.set_input(a, i)
        interp.invoke()
        outs, i = [], 0
        while True:
            try:
                interp.get_output_details(i)
            except Exception:  # the wrapper raises past the last output
                break
            outs.append(np.array(interp.get_output(i), copy=True))
            i += 1
        return outs

    payload, crashed, stderr = _collect(_spawn(job, size), timeout)
    if crashed or not payload or payload[0] != "ok":
        detail = payload[1] if payload else "crashed"
        raise OracleError(f"TFLM host inference failed: {detail}; {stderr.strip()[-200:]}",
                          fix="check input count, shapes and dtypes against the model")
    return payload[1]
