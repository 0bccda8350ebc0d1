"""The Renode backend end to end against a stand-in `renode` executable (CI cannot have Renode):
`_renode_stand_in.py` reproduces what a real Renode 1.15.3 was observed to do — the command line, the
telnet monitor, the monitor's Python helpers for memory, the gdb stub's unsolicited stop replies
(`S05` on `start`, `T05swbreak:;` then `S05` after each breakpoint, `S02` for Ctrl-C), its decimal
`PacketSize=1024`, no exit report, and the deletion of `$TMPDIR/renode-*` at start-up, CPU hooks at
the operator markers, `mach rem`, `machine Reset` and a gdb server taking a new client — and runs
the firmware under QEMU. `measure_elf(..., emulator="renode")` must find the bytes the firmware
writes by construction (per operator too, from the hooks' records), leave the user's TMPDIR alone
and leave no process or file behind, also when `reuse()` keeps a Renode for several measurements, when
the CLI starts Renode first (`early_start`), in a validate-style worker process
(`reuse_for_process`) and in the Robot library (one Renode per suite).
The same figures against the real Renode are in docs/renode.md. Needs gcc + QEMU (marked qemu);
~5 s."""
from __future__ import annotations

import os
import stat
import sys
import tempfile
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"

STAND_IN = Path(__file__).with_name("_renode_stand_in.py")


@pytest.fixture
def stand_in_renode(tmp_path, monkeypatch):
    exe = tmp_path / "bin" / "renode"
    exe.parent.mkdir()
    exe.write_text(f"#!{sys.executable}\n" + STAND_IN.read_text())
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    return exe


def _processes_running(exe: Path) -> list[int]:
    """PIDs whose command line names the stand-in (it is run as `python <exe> ...`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(exe).encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.fixture
def user_tmpdir(tmp_path, monkeypatch):
    """A TMPDIR holding another program's `renode-<dead pid>` directory, as a user's /tmp may."""
    tmp = tmp_path / "usertmp"
    (tmp / "renode-999999999").mkdir(parents=True)
    (tmp / "renode-999999999" / "keep.txt").write_text("not Renode's to delete")
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


@pytest.mark.qemu
@pytest.mark.parametrize("pid", ["stm32f4", "nrf52840"])
def test_measure_through_the_renode_backend(stand_in_renode, user_tmpdir, pid):
    from simprof import api
    from simprof.sim import renode

    elf = api.build_elf([FIXTURES / "known_usage.c"], pid, name="known_usage")
    m = api.measure(elf, pid, emulator="renode")
    # known_usage.c writes these by construction (its header).
    assert (m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes) == (3000, 1000, 600)
    assert [op.stack_bytes for op in m.operators] == [1536, 2048, 1024]
    assert m.emulator.startswith("Renode v1.15.3") and renode.DESCRIPTIONS[pid] in m.emulator
    assert "-M " not in m.emulator                   # not the QEMU machine
    assert m.exit_status == 0                        # r0 at `exit`: Renode never reports an exit
    # The stand-in deletes $TMPDIR/renode-* as Renode does: only a private TMPDIR keeps this.
    assert (user_tmpdir / "renode-999999999" / "keep.txt").exists()
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]   # nothing left
    assert _processes_running(stand_in_renode) == []


@pytest.mark.qemu
def test_renode_timeout_is_one_error_and_leaves_nothing(stand_in_renode, user_tmpdir):
    # A stop symbol the firmware never reaches (it exits, which Renode ignores): the run times out
    # (Ctrl-C is answered with S02), and Renode and its files are gone afterwards.
    from simprof import api
    from simprof.core.errors import EmulatorTimeout
    from simprof.sim.layout import SymbolConventions
    from simprof.platforms import load
    from simprof.sim.measure import measure_elf

    elf = api.build_elf([FIXTURES / "known_usage.c"], "stm32f4", name="known_usage")
    started = time.monotonic()
    with pytest.raises(EmulatorTimeout) as err:
        measure_elf(elf, load("stm32f4"), emulator="renode", timeout_s=1.0,
                    symbols=SymbolConventions(stop=("__errno",)))
    assert "did not reach '__errno' within 1 s" in err.value.message
    assert time.monotonic() - started < 60
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]
    assert _processes_running(stand_in_renode) == []


@pytest.mark.qemu
def test_stand_in_rejects_a_wrong_command_line(stand_in_renode, tmp_path):
    # Guards the stand-in itself: it must refuse what real Renode would not understand.
    import subprocess
    out = subprocess.run([str(stand_in_renode), "--plain", "-P", "1"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "unexpected arguments" in out.stdout


@pytest.mark.qemu
def test_reuse_runs_several_measurements_in_one_renode(stand_in_renode, user_tmpdir, monkeypatch):
    # Within renode.reuse(), measurements share one Renode process (machines removed between
    # them); a failed run ends its process and the next one starts a fresh one; nothing is left
    # when the scope ends.
    from simprof import api
    from simprof.core.errors import EmulatorTimeout
    from simprof.platforms import load
    from simprof.sim import renode
    from simprof.sim.layout import SymbolConventions
    from simprof.sim.measure import measure_elf

    starts, created = [], []
    real_start, real_add = renode.RenodeProcess.start, renode.RenodeProcess.machine_setup
    monkeypatch.setattr(renode.RenodeProcess, "start", lambda self: (starts.append(1), real_start(self))[1])
    monkeypatch.setattr(renode.RenodeProcess, "machine_setup",
                        lambda self, *a, **k: (created.append(1), real_add(self, *a, **k))[1])
    elf = api.build_elf([FIXTURES / "known_usage.c"], "stm32f4", name="known_usage")
    platform = load("stm32f4")
    with renode.reuse():
        figures = []
        for _ in range(3):
            m = measure_elf(elf, platform, emulator="renode")
            figures.append((m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes,
                            [op.stack_bytes for op in m.operators]))
        assert figures == [(3000, 1000, 600, [1536, 2048, 1024])] * 3
        assert len(starts) == 1
        assert len(created) == 2                  # the two machines are reset and run again
        other = api.build_elf([FIXTURES / "known_usage.c"], "nrf52840", name="known_usage")
        m = measure_elf(other, load("nrf52840"), emulator="renode")       # another ELF: new machines
        assert (m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes) == (3000, 1000, 600)
        assert (len(starts), len(created)) == (1, 4)       # and the idle stm32f4 ones are removed
        assert len(_processes_running(stand_in_renode)) == 1       # kept for the next measurement
        with pytest.raises(EmulatorTimeout):
            measure_elf(elf, platform, emulator="renode", timeout_s=1.0,
                        symbols=SymbolConventions(stop=("__errno",)))
        assert _processes_running(stand_in_renode) == []            # a failed run ends its Renode
        m = measure_elf(elf, platform, emulator="renode")
        assert (m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes) == (3000, 1000, 600)
        assert (len(starts), len(created)) == (2, 8)     # new machines for the timed-out run, then
                                                            # a new process with new machines
    assert _processes_running(stand_in_renode) == []
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]


@pytest.mark.qemu
def test_a_failure_inside_a_marker_hook_is_one_error(stand_in_renode, user_tmpdir, monkeypatch):
    # An exception inside Renode's hook (reported by simprof_events in <records>.err) must not
    # give per-operator figures from missing records: one error, and nothing left behind.
    from simprof import api
    from simprof.core.errors import EmulatorError
    from simprof.platforms import load
    from simprof.sim.measure import measure_elf

    monkeypatch.setenv("STAND_IN_HOOK_ERROR", "IndexError: index out of range: 0")
    elf = api.build_elf([FIXTURES / "known_usage.c"], "stm32f4", name="known_usage")
    with pytest.raises(EmulatorError) as err:
        measure_elf(elf, load("stm32f4"), emulator="renode")
    assert "operator-marker hook failed inside Renode: IndexError: index out of range: 0" in err.value.message
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]
    assert _processes_running(stand_in_renode) == []


def _count_calls(monkeypatch, cls, name: str) -> list:
    calls: list = []
    real = getattr(cls, name)

    def counted(self, *a, **k):
        calls.append(self)
        return real(self, *a, **k)

    monkeypatch.setattr(cls, name, counted)
    return calls


@pytest.mark.qemu
def test_cli_starts_renode_first_and_leaves_nothing(stand_in_renode, user_tmpdir, monkeypatch, capsys):
    # `simprof measure --emulator renode` starts Renode before its other work (early_start): the
    # measurement takes that process (one spawn, one monitor connection) and the figures are the
    # ones known_usage.c writes by construction; a process no measurement took (the run failed
    # before measuring) ends with the scope too.
    from simprof import api
    from simprof.cli import main
    from simprof.sim import renode, renode_launch

    elf = api.build_elf([FIXTURES / "known_usage.c"], "stm32f4", name="known_usage")
    launched = []
    real_launch = renode_launch.launch

    def counted_launch():
        launched.append(real_launch())
        return launched[-1]

    monkeypatch.setattr(renode_launch, "launch", counted_launch)
    monkeypatch.setattr(renode, "launch", counted_launch)
    starts = _count_calls(monkeypatch, renode.RenodeProcess, "start")
    out = user_tmpdir.parent / "m.json"
    assert main(["measure", "--elf", str(elf), "--platform", "stm32f4", "--emulator", "renode",
                 "--json", str(out)]) == 0
    import json
    m = json.loads(out.read_text())
    assert (m["stack_bytes"], m["arena_head_bytes"], m["arena_tail_bytes"]) == (3000, 1000, 600)
    assert len(launched) == 1 and len(starts) == 1 and starts[0]._proc is launched[0].proc
    assert _processes_running(stand_in_renode) == []
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]

    # Fails after the early start, before any measurement: that Renode is stopped as well.
    assert main(["measure", "--elf", str(elf) + ".missing", "--platform", "stm32f4", "--emulator", "renode"]) != 0
    assert len(launched) == 2 and launched[1].proc.poll() is not None and len(starts) == 1
    assert _processes_running(stand_in_renode) == []
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]
    # No description for the platform: no early start at all (the measurement says why).
    assert main(["measure", "--elf", str(elf), "--platform", "corstone300", "--emulator", "renode"]) != 0
    assert len(launched) == 2
    capsys.readouterr()


def _worker(elf: str, queue) -> None:       # runs in a forked process, as a validate pool worker
    from simprof.platforms import load
    from simprof.sim import renode
    from simprof.sim.measure import measure_elf

    renode.reuse_for_process()
    starts = []
    real = renode.RenodeProcess.start
    renode.RenodeProcess.start = lambda self: (starts.append(1), real(self))[1]
    figures = [measure_elf(Path(elf), load("stm32f4"), emulator="renode").stack_bytes for _ in range(2)]
    queue.put((figures, len(starts)))


@pytest.mark.qemu
def test_a_worker_process_keeps_one_renode_and_ends_it_when_it_exits(stand_in_renode, user_tmpdir):
    # `simprof validate`'s pool workers: reuse_for_process() keeps one Renode for every task of
    # the worker; a worker ends through multiprocessing (no atexit handlers), which must still
    # end that Renode and remove its private directory.
    import multiprocessing as mp

    from simprof import api

    elf = api.build_elf([FIXTURES / "known_usage.c"], "stm32f4", name="known_usage")
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(str(elf), queue))
    proc.start()
    figures, starts = queue.get(timeout=120)
    proc.join(60)
    assert proc.exitcode == 0
    assert figures == [3000, 3000] and starts == 1
    assert _processes_running(stand_in_renode) == []
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]


@pytest.mark.qemu
def test_robot_library_keeps_one_renode_per_suite(stand_in_renode, user_tmpdir, monkeypatch):
    # The Robot library's measure keywords share one Renode; the library's listener ends it at
    # the end of the suite.
    from simprof import api
    from simprof.robot import SimprofLibrary
    from simprof.sim import renode

    starts = _count_calls(monkeypatch, renode.RenodeProcess, "start")
    elf = api.build_elf([FIXTURES / "known_usage.c"], "stm32f4", name="known_usage")
    lib = SimprofLibrary()
    for _ in range(2):
        m = lib.run_keyword("Measure Peak RAM", [str(elf), "stm32f4"], {"emulator": "renode"})
        assert (m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes) == (3000, 1000, 600)
    assert len(starts) == 1 and len(_processes_running(stand_in_renode)) == 1
    lib.end_suite(None, None)
    assert _processes_running(stand_in_renode) == []
    assert sorted(p.name for p in user_tmpdir.iterdir()) == ["renode-999999999"]
