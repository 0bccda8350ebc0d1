"""RenodeSession end to end against a stand-in `renode` executable (Renode itself cannot be installed
here). The stand-in accepts only the command line and monitor dialogue of DESIGN.md §3 (headless
flags, 9 telnet bytes, mach create / LoadPlatformDescription / LoadELF / StartGdbServer / start) and
serves the gdb port with QEMU, so `measure_elf(..., emulator="renode")` really runs the start-up
code, the ports, the process-group kill and the unchanged fill-and-read, and must find the bytes the
firmware writes by construction. What it cannot show: Renode's own behaviour (docs/renode.md).
Needs gcc + QEMU (marked qemu); ~2 s."""
from __future__ import annotations

import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"

STAND_IN = textwrap.dedent(r'''
    import os, re, socket, subprocess, sys
    # Exactly the command line simprof must use; anything else is an error, like a typo for Renode.
    if sys.argv[1:4] != ["--disable-xwt", "--plain", "-P"] or len(sys.argv) != 5:
        print("stand-in renode: unexpected arguments", sys.argv[1:], flush=True)
        sys.exit(2)
    port = int(sys.argv[4])
    machines = {"stm32f4_discovery.repl": "netduinoplus2", "nrf52840.repl": "mps2-an386"}
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    print(f"[INFO] Monitor available in telnet mode on port {port}", flush=True)
    conn, _ = listener.accept()
    conn.sendall(bytes.fromhex("fffb01fffb03fffd00") + b"(monitor) ")
    data = b""
    while len(data) < 9:
        data += conn.recv(64)
    if data[:9] != bytes.fromhex("fffb00fffd01fffd03"):
        print("stand-in renode: no telnet answers", flush=True)
        sys.exit(3)
    buf, prompt, repl, elf, qemu = data[9:], "monitor", None, None, None
    expected = ["mach create", "machine LoadPlatformDescription", "sysbus LoadELF", "machine StartGdbServer", "start"]
    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode().strip()
            reply = ""
            if not expected or not text.startswith(expected[0]):
                reply = f"There was an error executing command '{text}'"
            else:
                expected.pop(0)
                if text.startswith("mach create"):
                    prompt = re.match(r'mach create "(.*)"', text).group(1)
                elif text.startswith("machine LoadPlatformDescription @"):
                    repl = text.split("@", 1)[1]
                    if "CPU.CortexM" not in open(repl).read():
                        reply = "Error E00: not a Cortex-M description"
                elif text.startswith("sysbus LoadELF @"):
                    elf = text.split("@", 1)[1]
                elif text.startswith("machine StartGdbServer"):
                    _, _, gdb_port, autostart = text.split()
                    assert autostart == "false"
                    qemu = subprocess.Popen(
                        ["qemu-system-arm", "-M", machines[os.path.basename(repl)], "-nographic",
                         "-monitor", "none", "-serial", "null", "-semihosting-config",
                         "enable=on,target=native", "-kernel", elf, "-S", "-gdb", f"tcp:127.0.0.1:{gdb_port}"])
            conn.sendall((text + "\r\n" + (reply + "\r\n" if reply else "") + f"({prompt}) ").encode())
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
    if qemu:
        qemu.wait()
''')


@pytest.fixture
def stand_in_renode(tmp_path, monkeypatch):
    exe = tmp_path / "bin" / "renode"
    exe.parent.mkdir()
    exe.write_text(f"#!{sys.executable}\n" + STAND_IN)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    return exe


@pytest.mark.qemu
@pytest.mark.parametrize("pid", ["stm32f4", "nrf52840"])
def test_measure_through_the_renode_backend_start_up(stand_in_renode, pid):
    from simprof import api
    from simprof.sim import renode

    elf = api.build_elf([FIXTURES / "known_usage.c"], pid, name="known_usage")
    m = api.measure(elf, pid, emulator="renode")
    # known_usage.c writes these by construction (its header).
    assert (m.stack_bytes, m.arena_head_bytes, m.arena_tail_bytes) == (3000, 1000, 600)
    assert [op.stack_bytes for op in m.operators] == [1536, 2048, 1024]
    assert renode.renode_available()


@pytest.mark.qemu
def test_stand_in_rejects_a_wrong_command_line(stand_in_renode, tmp_path):
    # Guards the stand-in itself: it must refuse what real Renode would not understand.
    import subprocess
    out = subprocess.run([str(stand_in_renode), "--plain", "-P", "1"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "unexpected arguments" in out.stdout
