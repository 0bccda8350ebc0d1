"""Where validation tasks run: inline (jobs=0, for debugging), a local process pool (default), or a
dask.distributed cluster (a scheduler address). Each backend yields task results as they finish.

Interrupts (Ctrl-C): pool workers run in their own process groups and ignore SIGINT, so the parent
alone decides. On an interrupt or error the parent sends SIGTERM to each worker (its measurement
unwinds and closes its emulator), waits briefly, then SIGKILLs each worker's whole process group.
An emulator runs in a session of its own; one whose worker had to be SIGKILLed before stopping it is
reparented to the parent (Linux child subreaper while the pool runs) and killed and reaped there.
No QEMU outlives `simprof validate`.
"""
from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing as mp
import os
import signal
import time
from typing import Any, Iterator, Sequence

from simprof.core.errors import SimprofError, ToolchainError

from .tasks import Task, run_task

log = logging.getLogger(__name__)

GRACE_SECONDS = 5.0


def run_inline(tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    from simprof.sim.renode import reuse

    with reuse():                 # Renode measurements share one Renode process (ends with the run)
        for t in tasks:
            yield run_task(t)


def _worker_init(parent: int) -> None:  # pragma: no cover (runs in the workers)
    os.setpgrp()  # own group: a terminal's Ctrl-C reaches only the parent; killpg reaches our emulators
    # A parent killed outright (SIGKILL) cannot stop us: the kernel does (its emulators are tied
    # to this worker the same way, simprof.sim.process.popen_tied).
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum, frame):  # unwind context managers (emulator sessions) before exiting
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    # Renode measurements of this worker share one Renode process, task after task; it ends with
    # the worker (or with a failed run).
    from simprof.sim.renode import reuse_for_process

    reuse_for_process()


def _pool_task(task: Task) -> dict[str, Any]:  # pragma: no cover (runs in the workers)
    """run_task for pool workers: after SIGTERM has unwound the task (closing its emulator), exit
    at once instead of letting the pool hand this worker its next queued task."""
    try:
        return run_task(task)
    except KeyboardInterrupt:
        from simprof.sim.renode import stop_idle

        stop_idle()               # os._exit skips the worker's exit handlers
        os._exit(130)


def _stop_workers(procs: list) -> None:
    """SIGTERM each worker (its measurement unwinds and stops its emulator), then SIGKILL each
    worker's process group, which also holds anything the worker started and left behind. A
    second Ctrl-C while waiting skips to the SIGKILL."""
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    try:
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for p in procs:   # a worker's orphans are reparented only once it is really gone
            p.join(2.0)
        _kill_orphaned_emulators()


PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def _prctl(option: int, value: int) -> bool:
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _subreaper(on: bool) -> bool:
    """Linux: make this process the reaper of its orphaned descendants. An emulator runs in its own
    session (so a terminal's Ctrl-C does not hit it half-way); if its worker is SIGKILLed before it
    could stop it, the orphan is reparented here instead of to init, where `_kill_orphaned_emulators`
    finds it."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1 if on else 0)


def _kill_orphaned_emulators() -> None:
    """SIGKILL and reap the emulators reparented to this process (see `_subreaper`)."""
    me = str(os.getpid())
    proc = "/proc"
    if not os.path.isdir(proc):
        return
    for pid in filter(str.isdigit, os.listdir(proc)):
        try:
            with open(f"{proc}/{pid}/stat", "rb") as fh:
                ppid = fh.read().rsplit(b")", 1)[1].split()[1].decode()
            with open(f"{proc}/{pid}/cmdline", "rb") as fh:
                cmd = fh.read()
        except (OSError, IndexError):
            continue
        if ppid == me and (b"qemu-system" in cmd or b"renode" in cmd):
            try:
                os.kill(int(pid), signal.SIGKILL)
                os.waitpid(int(pid), 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            # expected after a second Ctrl-C cut the workers' grace period short: not news to the user
            log.info("killed emulator %s left behind by a stopped worker", pid)


def run_pool(tasks: Sequence[Task], jobs: int) -> Iterator[dict[str, Any]]:
    reaper = _subreaper(True)
    ex = cf.ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=mp.get_context("fork"),
                                initializer=_worker_init, initargs=(os.getpid(),))
    procs: dict[int, Any] = {}
    clean = False
    try:
        futures = [ex.submit(_pool_task, t) for t in tasks]
        procs.update(getattr(ex, "_processes", None) or {})  # CPython internals: the worker Process objects
        for fut in cf.as_completed(futures):
            procs.update(getattr(ex, "_processes", None) or {})
            try:
                result = fut.result()
            except cf.process.BrokenProcessPool as exc:
                raise SimprofError(f"a validation worker died: {exc}",
                                   fix="rerun: finished pairs are cached; run with --jobs 0 to see the crash") from exc
            except (TypeError, AttributeError, ImportError) as exc:  # typically an unpicklable callable
                raise SimprofError(f"a validation task could not run in a worker: {exc}",
                                   fix="pass module-level functions (or functools.partial of them)") from exc
            yield result
        clean = True
    finally:
        procs.update(getattr(ex, "_processes", None) or {})
        try:
            if clean:
                ex.shutdown(wait=True)
            else:
                ex.shutdown(wait=False, cancel_futures=True)
                _stop_workers(list(procs.values()))
        finally:
            if reaper:
                _subreaper(False)


def run_dask(tasks: Sequence[Task], address: str) -> Iterator[dict[str, Any]]:
    """On a dask.distributed scheduler. Tasks carry the model bytes (no shared file system needed).
    On interrupt the futures are cancelled; a task already running on a worker runs to its end
    (dask cannot interrupt it) and its emulator exits with it."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise ToolchainError("dask.distributed is not installed (needed for --scheduler)",
                             fix="pip install 'simprof[dask]', or drop --scheduler") from None
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise SimprofError(f"cannot reach the dask scheduler at {address}: {exc}",
                           fix="start one (dask scheduler) or check the address") from None
    futures = []
    try:
        futures = [client.submit(run_task, t, pure=False, key=f"simprof-validate-{t.index}-{os.getpid()}")
                   for t in tasks]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)
        client.close()
