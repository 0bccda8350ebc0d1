"""Platform files: the required platforms exist with the issue's figures, and bad files fail with
a one-line error naming the file and the fix."""
from __future__ import annotations

import textwrap

import pytest

from simprof.cli import main
from simprof.core.errors import PlatformError
from simprof.platforms import all_platforms, ids, load, load_file

KIB = 1024

# (id, core, float ABI, RAM, flash or None, QEMU machine) as the Foundation issue specifies them.
REQUIRED = [
    ("stm32f4", "cortex-m4", "hard", 128 * KIB, None, "netduinoplus2"),
    ("stm32f2", "cortex-m3", "soft", None, None, "netduino2"),
    ("nrf51", "cortex-m0", "soft", 16 * KIB, None, "microbit"),
    ("nrf52840", "cortex-m4", "hard", 256 * KIB, 1024 * KIB, "mps2-an386"),
    ("stm32f746", "cortex-m7", "hard", 320 * KIB, None, "mps2-an500"),
    ("lm3s6965", "cortex-m3", "soft", 64 * KIB, None, "lm3s6965evb"),
    ("corstone300", "cortex-m55", "hard", None, None, "mps3-an547"),
    ("nrf5340", "cortex-m33", "hard", None, None, "mps2-an505"),
]


@pytest.mark.parametrize("pid, core, abi, ram, flash, machine", REQUIRED)
def test_required_platforms(pid, core, abi, ram, flash, machine):
    p = load(pid)
    assert (p.core, p.float_abi, p.qemu_machine) == (core, abi, machine)
    if ram is not None:
        assert p.ram.size == ram
    if flash is not None:
        assert p.flash.size == flash
    # the compiler flags name the same core and float ABI as the description
    assert f"-mcpu={core}" in p.cflags and f"-mfloat-abi={abi}" in p.cflags


def test_all_platforms_load_and_are_consistent():
    platforms = all_platforms()
    assert [p.id for p in platforms] == ids()
    for p in platforms:
        assert p.link_flash.size == p.flash.size and p.link_ram.size == p.ram.size
        assert p.stack_size + p.heap_size < p.ram.size


GOOD = """\
id: {id}
part: Test part
core: cortex-m4
fpu: fpv4-sp-d16
float_abi: hard
flash: {{base: 0x08000000, size: 0x100000}}
ram: {{base: 0x20000000, size: 0x20000}}
qemu: {{machine: netduinoplus2}}
cflags: [-mcpu=cortex-m4]
stack_size: 4096
heap_size: 1024
"""


def _write(tmp_path, text, name="board"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_good_file_loads(tmp_path):
    p = load_file(_write(tmp_path, GOOD.format(id="board")))
    assert p.ram.base == 0x20000000 and p.ram.size == 0x20000 and p.link_ram == p.ram


@pytest.mark.parametrize("mutate, words", [
    (lambda t: t + "colour: red\n", ["unknown key", "colour"]),
    (lambda t: t.replace("qemu: {machine: netduinoplus2}", "qemu: {machine: x, speed: 3}"), ["unknown key", "speed"]),
    (lambda t: t.replace("core: cortex-m4\n", ""), ["missing key", "core"]),
    (lambda t: t.replace("stack_size: 4096", "stack_size: big"), ["stack_size", "expected int"]),
    (lambda t: t.replace("stack_size: 4096", "stack_size: true"), ["stack_size", "expected int"]),
    (lambda t: t.replace("core: cortex-m4", "core: cortex-a53"), ["unknown core", "cortex-a53"]),
    (lambda t: t.replace("float_abi: hard", "float_abi: hardest"), ["float_abi"]),
    (lambda t: t.replace("size: 0x20000", "size: 0"), ["ram", "address space"]),
    (lambda t: t.replace("stack_size: 4096", "stack_size: 4097"), ["multiple of 8"]),
    (lambda t: t.replace("id: board", "id: other"), ["differs from the file name"]),
    (lambda t: "id: [unclosed\n", ["not valid YAML"]),
    (lambda t: "- a list\n", ["not a YAML mapping"]),
])
def test_bad_files_fail_with_clear_errors(tmp_path, mutate, words):
    path = _write(tmp_path, mutate(GOOD.format(id="board")))
    with pytest.raises(PlatformError) as err:
        load_file(path)
    line = err.value.one_line()
    assert "\n" not in line and "fix:" in line and str(path) in line
    for w in words:
        assert w in line


def test_unknown_id_lists_valid_ones():
    with pytest.raises(PlatformError) as err:
        load("stm32f9000")
    assert "stm32f9000" in err.value.message and "stm32f4" in err.value.fix


def test_user_platform_path_adds_and_overrides(tmp_path, monkeypatch):
    _write(tmp_path, GOOD.format(id="myboard"), name="myboard")
    monkeypatch.setenv("SIMPROF_PLATFORM_PATH", str(tmp_path))
    assert "myboard" in ids() and load("myboard").part == "Test part"


def test_cli_lists_every_platform(capsys):
    assert main(["platforms"]) == 0
    out = capsys.readouterr().out
    for p in all_platforms():
        assert p.id in out and p.qemu_machine in out


def test_cli_platforms_json(tmp_path):
    import json
    out = tmp_path / "p.json"
    assert main(["platforms", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {d["id"] for d in data} == set(ids())
