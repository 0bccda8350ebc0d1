"""Output files (issue #13, items 3 and 4): simprof writes only regular files or new paths,
never an input, and refuses everything else with one line before doing the work; a write that
fails (full disk, unwritable place) is one line too, leaving neither a partial file nor a
temporary one. The CLI runs in-process: any exception other than a clean exit fails the test."""
from __future__ import annotations

import errno
import os
import socket
import stat
from pathlib import Path

import pytest

from simprof.cli import main
from simprof.core.errors import OutputError
from simprof.core.outputs import check_output, write_json_atomic

import _hostile as h


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    rc = main(list(argv))
    err = capsys.readouterr().err
    return rc, err


def one_error_line(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("simprof: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def model(tmp_path) -> Path:
    p = tmp_path / "fc.tflite"
    p.write_bytes(h.fc_model())
    return p


@pytest.fixture
def special(tmp_path) -> Path:
    """A private special file: a character device like /dev/full (c 1 7) where mknod is allowed,
    else a Unix socket. Never the machine's own /dev/full: a broken build would replace it."""
    path = tmp_path / "full"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    return path


def is_special(path: Path) -> bool:
    mode = os.lstat(path).st_mode
    return stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def test_device_node_is_refused_and_stays_a_device(capsys, model, special):
    rc, err = run_cli(capsys, "estimate", str(model), "--json", str(special))
    assert rc == 1 and "not a regular file" in one_error_line(err)
    assert is_special(special)


def test_fifo_symlink_and_proc_fd_are_refused(capsys, model, tmp_path):
    # (without the fix these are replaced by regular files; /proc/self/fd/1 cannot be renamed over)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = tmp_path / "real.json"
    target.write_text("keep")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    for out, why in ((fifo, "not a regular file"), (link, "symbolic link"), (Path("/proc/self/fd/1"), "symbolic link")):
        rc, err = run_cli(capsys, "estimate", str(model), "--json", str(out))
        assert rc == 1 and why in one_error_line(err), out
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink() and target.read_text() == "keep"


def test_output_naming_the_input_model_is_refused(capsys, model):
    before = model.read_bytes()
    rc, err = run_cli(capsys, "estimate", str(model), "--json", str(model))
    assert rc == 1 and "input" in one_error_line(err)
    assert model.read_bytes() == before


def test_folder_and_path_under_a_file_are_refused(capsys, model, tmp_path):
    for out in (tmp_path, model.parent / "fc.tflite" / "x.json"):
        rc, err = run_cli(capsys, "estimate", str(model), "--json", str(out))
        assert rc == 1, out
        one_error_line(err)
    rc, err = run_cli(capsys, "corpus", "preset", "kws_dscnn_int8", str(tmp_path))
    assert rc == 1 and "folder" in one_error_line(err)


def test_unwritable_place_is_one_line(capsys, model):
    # /proc refuses new files even to root (a read-only directory does not stop root)
    rc, err = run_cli(capsys, "estimate", str(model), "--json", "/proc/simprof-out.json")
    assert rc == 1
    one_error_line(err)


def test_full_disk_leaves_old_file_and_no_temporary(monkeypatch, tmp_path):
    out = tmp_path / "r.json"
    out.write_text("old")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("simprof.core.outputs.os.replace", full)
    with pytest.raises(OutputError, match="No space left"):
        write_json_atomic(out, {"a": 1})
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_measure_refuses_the_output_before_running_the_emulator(capsys, monkeypatch, tmp_path, special):
    elf = tmp_path / "app.elf"
    elf.write_bytes(b"\x7fELF" + bytes(60))

    def never(*a, **k):
        raise AssertionError("the emulation ran before the output path was checked")

    monkeypatch.setattr("simprof.flows.measure.measure_elf", never)
    monkeypatch.setattr("simprof.flows.measure.measure_model", never)
    rc, err = run_cli(capsys, "measure", "--elf", str(elf), "--platform", "stm32f4", "--json", str(special))
    assert rc == 1 and "regular file" in one_error_line(err) and is_special(special)
    rc, err = run_cli(capsys, "measure", str(h.EXAMPLE), "--platform", "stm32f4", "--json", str(tmp_path))
    assert rc == 1 and "folder" in one_error_line(err)


def test_report_checks_every_output_before_writing_any(capsys, tmp_path):
    results = tmp_path / "results.json"
    results.write_text('{"version": 1, "estimators": [], "summary": {}, "pairs": []}')
    rc, err = run_cli(capsys, "report", str(results), "--markdown", str(results / "summary.md"))
    assert rc == 1 and "not a folder" in one_error_line(err)
    assert not (tmp_path / "report.html").exists()
    rc, err = run_cli(capsys, "report", str(results), "--out", str(results))
    assert rc == 1 and "input" in one_error_line(err)


def test_check_output_accepts_regular_files_and_new_paths(tmp_path):
    existing = tmp_path / "a.json"
    existing.write_text("x")
    assert check_output(existing) == existing
    assert check_output(tmp_path / "new" / "deeper" / "b.json") == tmp_path / "new" / "deeper" / "b.json"


def test_check_refuses_its_outputs_before_evaluating_anything(capsys, monkeypatch, tmp_path, model):
    budgets = tmp_path / "simprof.yaml"
    budgets.write_text(f"entries:\n  - name: fc\n    models: {model.name}\n    platforms: stm32f4\n"
                       "    budget: {total: 64KiB}\n")

    def never(*a, **k):
        raise AssertionError("models were evaluated before the outputs were checked")

    monkeypatch.setattr("simprof.flows.check.flow.evaluate", never)
    rc, err = run_cli(capsys, "check", str(budgets), "--junit", str(budgets))
    assert rc == 1 and "input" in one_error_line(err)
    rc, err = run_cli(capsys, "check", str(budgets), "--sarif", str(tmp_path))
    assert rc == 1 and "folder" in one_error_line(err)


def test_read_only_folder_is_refused_before_the_work(capsys, monkeypatch, model, tmp_path):
    # root ignores permission bits, so the folder is made read-only the way the kernel would
    # answer a normal user: access(2) says no
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr("simprof.core.outputs.os.access",
                        lambda p, mode: False if Path(p) == ro else real_access(p, mode))
    rc, err = run_cli(capsys, "estimate", str(model), "--json", str(ro / "out.json"))
    assert rc == 1 and "not writable" in one_error_line(err) and list(ro.iterdir()) == []
