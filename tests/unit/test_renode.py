"""The Renode backend without Renode (it cannot be installed here): the monitor's telnet handshake and
command sequence against a fake monitor on a real TCP socket, the command line, the descriptions,
LoadELF hazards and the one-line error when `renode` is absent. ~0.3 s."""
from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import pytest

from simprof.core.errors import ElfError, EmulatorError, PlatformError, ToolchainError
from simprof.platforms import load
from simprof.sim import renode
from simprof.sim.elf import ElfInfo, LoadSegment


class FakeMonitor:
    """A Renode-like monitor on 127.0.0.1:<OS port>. Like Renode 1.15 it opens with telnet
    negotiation, consumes the first 9 bytes a client sends as telnet answers (whatever they are),
    echoes each line, prints the reply and a prompt that names the current machine."""

    def __init__(self, replies: dict[str, str] | None = None, *, silent_until_input: bool = False) -> None:
        self.replies = replies or {}
        self.silent_until_input = silent_until_input
        self.handshake = b""
        self.commands: list[str] = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            # IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD, IAC DO BINARY: then banner and prompt.
            banner = b"" if self.silent_until_input else b"Renode, version 1.15.3.0\r\n\x1b[33m(monitor) \x1b[0m"
            conn.sendall(bytes.fromhex("fffb01fffb03fffd00") + banner)
            data = b""
            while len(data) < 9:
                chunk = conn.recv(64)
                if not chunk:
                    return
                data += chunk
            self.handshake, rest = data[:9], data[9:]
            prompt = "monitor"
            buf = rest
            while True:
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    text = line.decode().rstrip("\r")
                    self.commands.append(text)
                    m = re.match(r'mach create "(.*)"', text)
                    if m:
                        prompt = m.group(1)
                    reply = self.replies.get(text.split(" @")[0], "")
                    out = text + "\r\n" + (reply + "\r\n" if reply else "") + f"({prompt}) "
                    conn.sendall(out.encode())
                try:
                    chunk = conn.recv(4096)
                except OSError:
                    return
                if not chunk:
                    return
                buf += chunk

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def stm32f4():
    return load("stm32f4")


def test_handshake_and_command_sequence_against_fake_monitor(stm32f4, tmp_path):
    elf = tmp_path / "fw.elf"
    elf.write_bytes(b"\x7fELF")
    fake = FakeMonitor()
    try:
        client = renode.MonitorClient.connect("127.0.0.1", fake.port, timeout_s=5)
        assert client.prompt == "monitor"
        script = renode.monitor_script(stm32f4, elf, 4321)
        for line in script:
            assert client.command(line) == ""
        assert client.command("start") == ""
        assert client.prompt == "simprof"
        client.close()
    finally:
        fake.close()
    assert fake.handshake == bytes.fromhex("fffb00fffd01fffd03")
    repl = (Path(renode.DESCRIPTION_DIR) / "stm32f4_discovery.repl").resolve()
    assert fake.commands == [
        'mach create "simprof"',
        "python \"simprof_machine('simprof', '%s', '%s')\"" % (repl, elf.resolve()),
        "python \"simprof_gdb('simprof', 4321)\"",
        "start",
    ]


def test_a_silent_monitor_is_nudged_for_its_prompt(monkeypatch):
    monkeypatch.setattr(renode, "PROMPT_NUDGE_S", 0.2)
    fake = FakeMonitor(silent_until_input=True)
    try:
        client = renode.MonitorClient.connect("127.0.0.1", fake.port, timeout_s=5)
        client.command('mach create "simprof"')
        client.close()
    finally:
        fake.close()
    assert fake.commands[0] == "" and fake.commands[-1] == 'mach create "simprof"'
    assert client.prompt == "simprof"


def test_without_the_handshake_renode_would_eat_the_first_command():
    # The fake models Renode: the first 9 bytes are taken as telnet answers. A client that skipped
    # the handshake loses 9 characters of its first command, which is why MonitorClient sends them.
    fake = FakeMonitor()
    try:
        sock = socket.create_connection(("127.0.0.1", fake.port), timeout=5)
        client = renode.MonitorClient(sock, timeout_s=5)
        client.read_until_prompt(5)
        client.command('mach create "simprof"')
        client.close()
    finally:
        fake.close()
    assert fake.handshake == b'mach crea'
    assert fake.commands == ['te "simprof"']


def test_monitor_error_text_raises_one_line(stm32f4, tmp_path):
    fake = FakeMonitor({"sysbus LoadELF": "Could not find file '/nowhere/fw.elf'"})
    try:
        client = renode.MonitorClient.connect("127.0.0.1", fake.port, timeout_s=5)
        with pytest.raises(EmulatorError) as info:
            client.command("sysbus LoadELF @/nowhere/fw.elf")
        client.close()
    finally:
        fake.close()
    assert "Could not find file '/nowhere/fw.elf'" in info.value.one_line()
    assert "\n" not in info.value.one_line()


@pytest.mark.parametrize("reply", ["There was an error executing command 'sysbus LoadELF @x.elf'",
                                   "Error E39: Could not find file", "No such command or device: sysbus.cpux",
                                   "Bad parameters for command machine StartGdbServer", "Fatal error: boom",
                                   "Property cpu does not provide a field named Foo"])
def test_monitor_error_texts_are_recognised(reply):
    assert renode._ERROR_LINE.search(reply)


def test_monitor_ordinary_output_is_not_an_error():
    assert not renode._ERROR_LINE.search("Renode, version 1.15.3.0 (Errors: none)")


def test_strip_telnet_removes_negotiation_and_keeps_escaped_ff():
    raw = bytes.fromhex("fffb01") + b"ab" + bytes.fromhex("fffa1801fff0") + b"c" + bytes.fromhex("ffff") + b"d"
    assert renode.strip_telnet(raw) == b"abc\xffd"


def test_command_line_is_headless_with_monitor_port():
    assert renode.renode_command("/opt/renode/renode", 40123) == [
        "/opt/renode/renode", "--disable-xwt", "--plain", "-P", "40123"]


def test_paths_with_spaces_are_refused(stm32f4, tmp_path):
    with pytest.raises(EmulatorError, match="white space"):
        renode.monitor_script(stm32f4, tmp_path / "my dir" / "fw.elf", 1234)


def test_platform_without_description_lists_the_valid_ones():
    # Renode 1.15 has no Cortex-M55 core model, so corstone300 has no description.
    with pytest.raises(PlatformError) as info:
        renode.description_for(load("corstone300"))
    line = info.value.one_line()
    assert "\n" not in line
    assert "use one of lm3s6965, nrf51, nrf52840, nrf5340, stm32f2, stm32f4, stm32f746 with --emulator renode" in line


def test_every_platform_with_a_core_renode_models_has_a_description():
    from simprof.platforms import ids
    renode_cores = {"cortex-m0", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33"}   # Renode 1.15 tlib
    wanted = {pid for pid in ids() if load(pid).core in renode_cores}
    assert wanted == set(renode.DESCRIPTIONS)


def _repl_regions(text: str) -> dict[str, list[tuple[int, int]]]:
    regions = {}
    for m in re.finditer(r"^(\w+): Memory\.MappedMemory @ (.*)\n\s+size: (0x[0-9a-fA-F]+)", text, re.M):
        bases = [int(b, 16) for b in re.findall(r"sysbus (0x[0-9a-fA-F]+)", m.group(2))]
        regions[m.group(1)] = [(b, int(m.group(3), 16)) for b in bases]
    return regions


@pytest.mark.parametrize("pid", sorted(renode.DESCRIPTIONS))
def test_descriptions_hold_the_linked_memory_and_no_svd_download(pid):
    platform = load(pid)
    text = renode.description_for(platform).read_text()
    assert "ApplySVD" not in text.split("//")[0] and not re.search(r"^[^/]*ApplySVD", text, re.M)
    assert f'cpuType: "{platform.core}"' in text
    regions = _repl_regions(text)
    # Memory where simprof's image is linked (Renode reads the vectors at the lowest address
    # LoadELF wrote, so no alias at 0 is needed).
    assert (platform.link_flash.base, platform.link_flash.size) in regions["flash"]
    assert regions["sram"] == [(platform.link_ram.base, platform.link_ram.size)]


def _info(*segments: LoadSegment) -> ElfInfo:
    return ElfInfo(Path("app.elf"), {}, (), (), tuple(segments), "v7e-m", True, 0)


def test_loadelf_hazard_noload_image_over_code_is_an_error(stm32f4):
    # .data+.bss linked as one segment: its image at 0x08001000 (0x100 B) is followed by 0x1f00 B of
    # zero-fill, which runs over the next image (e.g. constants placed after .data) at 0x08002000.
    code = LoadSegment(0x08000000, 0x08000000, 0x1000, 0x1000)
    data = LoadSegment(0x08001000, 0x20000000, 0x100, 0x2000)
    rodata = LoadSegment(0x08002000, 0x08002000, 0x400, 0x400)
    with pytest.raises(ElfError, match="zero-fill 0x08001100-0x08003000 .* over the image at 0x08002000"):
        renode.loadelf_hazards(_info(code, data, rodata), stm32f4)


def test_loadelf_hazard_zero_fill_into_free_flash_is_a_note(stm32f4):
    code = LoadSegment(0x08000000, 0x08000000, 0x1000, 0x1000)
    data = LoadSegment(0x08001000, 0x20000000, 0x100, 0x900)
    notes = renode.loadelf_hazards(_info(code, data), stm32f4)
    assert notes == ["Renode's LoadELF zero-fills 2048 B of flash at 0x08001100 (a NOLOAD section with a load address)"]


def test_loadelf_no_hazard_when_noload_has_no_image(stm32f4):
    code = LoadSegment(0x08000000, 0x08000000, 0x1000, 0x1000)
    data = LoadSegment(0x08001000, 0x20000000, 0x100, 0x100)
    assert renode.loadelf_hazards(_info(code, data), stm32f4) == []


def test_absent_renode_fails_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(renode.RENODE_ENV, raising=False)
    with pytest.raises(ToolchainError) as info:
        renode.renode_binary()
    line = info.value.one_line()
    assert line.startswith("Renode not found: no 'renode' executable on PATH — fix: ")
    assert "\n" not in line
    from simprof import api
    with pytest.raises(ToolchainError) as again:       # before the ELF is even read
        api.measure(tmp_path / "missing.elf", "stm32f4", emulator="renode")
    assert again.value.one_line() == line


def test_unknown_backend_lists_the_valid_ones(tmp_path):
    from simprof import api
    with pytest.raises(EmulatorError) as info:
        api.measure(tmp_path / "missing.elf", "stm32f4", emulator="bochs")
    assert info.value.one_line() == "unknown emulator backend 'bochs' — fix: use one of qemu, renode"


def test_firmware_clock_charges_only_the_time_inside_continue():
    # Renode's stub and monitor make the host's work at an operator boundary slow; that time must
    # not count against the firmware's --timeout (it did: per-operator runs timed out on nrf52840).
    import time
    from simprof.core.errors import EmulatorTimeout
    from simprof.sim.measure import _RunClock

    clock = _RunClock(0.3)
    for _ in range(3):
        assert clock.run(lambda left: (time.sleep(0.05), left)[1]) > 0.1
        time.sleep(0.2)                     # host-side work between stops: not charged
    assert 0.1 < clock.left < 0.2
    clock.run(lambda left: time.sleep(0.2))
    with pytest.raises(EmulatorTimeout):
        clock.run(lambda left: left)


def test_a_failing_command_of_a_joined_line_is_named_with_renodes_reason():
    # Renode 1.15.3 runs "a; b; c" in order, stops at the first that fails and prints
    # "There was an error executing command '<it>'" with the reason on the next line.
    failing = "python \"simprof_machine('simprof0', '/d.repl', '/etc/hostname')\""
    fake = FakeMonitor({failing.split(" @")[0] + "; mach set \"x\"":
                        f"There was an error executing command '{failing}'\r\n"
                        "Error while loading ELF: Could not load ELF from path: /etc/hostname."})
    try:
        client = renode.MonitorClient.connect("127.0.0.1", fake.port, timeout_s=5)
        with pytest.raises(EmulatorError) as info:
            client.command(failing + '; mach set "x"')
        client.close()
    finally:
        fake.close()
    assert info.value.one_line().startswith(
        f"Renode monitor command '{failing}' failed: Error while loading ELF: Could not load ELF from path")
