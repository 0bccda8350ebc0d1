"""Network exposure of a measurement (docs/reliability.md): every socket a running QEMU listens on
(its gdb stub and QMP) is bound to 127.0.0.1 at a port the OS chose, and QEMU has no other
listening socket. Read from the kernel's own tables (/proc/<pid>/fd, /proc/net/tcp{,6}). ~2 s."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from simprof.platforms import load
from simprof.sim.build import build_firmware
from simprof.sim.qemu import QemuSession

pytestmark = pytest.mark.qemu
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "firmware"
LISTEN = "0A"


def listening(pid: int) -> list[tuple[str, int]]:
    """(local address hex, port) of every TCP socket in LISTEN state that `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            local, state, inode = f[1], f[3], f[9]
            if inode in inodes and state == LISTEN:
                addr, port = local.split(":")
                out.append((addr, int(port, 16)))
    return out


def test_qemu_listens_on_loopback_only_at_os_chosen_ports():
    elf = build_firmware(load("stm32f4"), [FIXTURES / "known_usage.c"], name="known_usage").elf
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    with QemuSession(load("stm32f4"), elf) as s:
        socks = listening(s.pid)
    assert len(socks) == 2, socks                                      # gdb stub and QMP, nothing else
    assert all(addr == "0100007F" for addr, _ in socks), socks         # 127.0.0.1
    assert all(low <= port <= high for _, port in socks), socks        # the kernel's ephemeral range
