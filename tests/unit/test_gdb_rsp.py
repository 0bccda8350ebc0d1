"""The RSP client against a fake gdb stub (a thread speaking the protocol over a real socket):
framing, chunking to the stub's packet size, registers, breakpoint step-over, timeouts, and the
packet sequences a real Renode 1.15.3 stub sends (`renode=True`, DESIGN.md §3b): an unsolicited
`S05` when the monitor's `start` runs, `T05swbreak:;` followed by an extra `S05` after every
breakpoint hit, one `S05` for `s`, `S02` for Ctrl-C, and `PacketSize=1024` meant as decimal."""
from __future__ import annotations

import socket
import threading

import pytest

from simprof.core.errors import EmulatorTimeout
from simprof.sim.gdb_rsp import GdbClient, GdbError, checksum, escape_rle, frame, parse_stop_reply


class FakeStub(threading.Thread):
    """Memory at 0x1000..0x1000+size, 16 registers; `c` runs to the next breakpoint in `program`
    (a list of PCs the target passes through), like QEMU: a breakpoint at the resume PC re-reports."""

    def __init__(self, packet_size=0x40, size=0x400, program=(), silent_continue=False, renode=False):
        super().__init__(daemon=True)
        self.renode = renode
        self.flaky: dict[str, int] = {}     # request -> how many more times to answer E9999
        self.conn: socket.socket | None = None
        self.connected = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.packet_size = packet_size
        self.mem = bytearray(size)
        self.regs = [0] * 16
        self.breakpoints: set[int] = set()
        self.program = list(program)
        self.pos = 0
        self.silent_continue = silent_continue
        self.packets: list[str] = []

    def _stop_at(self, pc):
        self.regs[15] = pc
        return "T05swbreak:;" if self.renode else "T05thread:01;"

    def send_unsolicited(self, payload: str) -> None:
        """What Renode's stub does on the monitor's `start`: a stop reply nobody asked for."""
        self.connected.wait(2.0)
        self.conn.sendall(frame(payload.encode()))

    def handle(self, p: str) -> str | list[str] | None:
        self.packets.append(p)
        key = p[:2] if p[:2] in ("Z0", "z0") else p[:1]
        if self.flaky.get(key):
            self.flaky[key] -= 1
            return "E9999"      # Renode: an exception inside the command (seen under load)
        if p.startswith("qSupported"):
            if self.renode:     # Renode's literal text: decimal, although the protocol says hex
                return f"PacketSize={self.packet_size};qXfer:features:read+;swbreak+;hwbreak+;t32extensions+"
            return f"PacketSize={self.packet_size:x};swbreak+"
        if p == "?":
            return "S05"
        if p.startswith("m"):
            addr, n = (int(x, 16) for x in p[1:].split(","))
            assert len(p) + 4 <= self.packet_size
            return self.mem[addr - 0x1000:addr - 0x1000 + n].hex()
        if p.startswith("M"):
            assert len(p) + 4 <= self.packet_size, "packet longer than the stub's PacketSize"
            head, data = p[1:].split(":")
            addr, n = (int(x, 16) for x in head.split(","))
            self.mem[addr - 0x1000:addr - 0x1000 + n] = bytes.fromhex(data)
            return "OK"
        if p == "g":
            return "".join(r.to_bytes(4, "little").hex() for r in self.regs) + "00" * 104
        if p[:2] in ("Z0", "z0"):
            addr = int(p.split(",")[1], 16)
            (self.breakpoints.add if p[0] == "Z" else self.breakpoints.discard)(addr)
            return "OK"
        if p == "s":
            self.pos += 1
            if self.renode:     # a step ends with a plain S05
                self.regs[15] = self.program[self.pos]
                return "S05"
            return self._stop_at(self.program[self.pos]) if self.pos < len(self.program) else "W00"
        if p == "c":
            if self.silent_continue:
                return None
            for i in range(self.pos, len(self.program)):
                if self.program[i] in self.breakpoints:
                    if self.renode and i == self.pos:
                        continue    # Renode steps off the breakpoint it resumes from
                    self.pos = i
                    # Renode: the breakpoint's T05, then an S05 as it enters single-step mode
                    return [self._stop_at(self.program[i]), "S05"] if self.renode else self._stop_at(self.program[i])
            return None if self.renode else "W07"    # Renode never reports an exit
        return ""

    def run(self):
        conn, _ = self.listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # as QEMU with nodelay=on
        self.conn = conn
        self.connected.set()
        buf = b""
        while True:
            data = conn.recv(4096)
            if not data:
                return
            if b"\x03" in data:
                data = data.replace(b"\x03", b"")
                conn.sendall(frame(b"S02"))
            buf += data
            while b"#" in buf and len(buf) >= buf.index(b"#") + 3:
                start = buf.index(b"$")
                end = buf.index(b"#")
                payload = buf[start + 1:end]
                assert buf[end + 1:end + 3] == checksum(payload)
                buf = buf[end + 3:]
                conn.sendall(b"+")
                reply = self.handle(payload.decode())
                for r in [reply] if isinstance(reply, str) else reply or []:
                    conn.sendall(frame(r.encode()))
            buf = buf.replace(b"+", b"")


def connect(stub: FakeStub, timeout_s=2.0) -> GdbClient:
    stub.start()
    return GdbClient.connect("127.0.0.1", stub.port, timeout_s=timeout_s)


def test_framing_and_rle():
    assert frame(b"OK") == b"$OK#9a"
    assert escape_rle(b"0* ") == b"0000"          # ' ' is 32: 3 more repeats
    assert escape_rle(b"a}\x5db") == b"a}b"        # '}' escape: 0x5d ^ 0x20 = '}'


def test_stop_replies():
    assert parse_stop_reply("T05thread:01;").is_breakpoint
    assert parse_stop_reply("W03").kind == "exited" and parse_stop_reply("W03").code == 3
    with pytest.raises(GdbError):
        parse_stop_reply("")


def test_memory_round_trip_is_chunked_to_packet_size():
    stub = FakeStub(packet_size=0x40)
    gdb = connect(stub)
    assert gdb.packet_size == 0x40
    data = bytes(range(256)) * 2
    gdb.write_memory(0x1000, data)
    assert gdb.read_memory(0x1000, len(data)) == data
    assert sum(p.startswith("M") for p in stub.packets) > 10      # split, each under PacketSize
    gdb.fill_memory(0x1100, 100, 0xAA)
    assert gdb.read_memory(0x10FF, 102) == b"\xff" + b"\xaa" * 100 + b"\x64"


def test_registers_and_breakpoint_step_over():
    stub = FakeStub(program=[0x100, 0x200, 0x300, 0x200, 0x400])
    gdb = connect(stub)
    stub.regs[0] = 42
    assert gdb.read_registers()[0] == 42
    gdb.set_breakpoint(0x201)                       # Thumb bit is dropped
    assert gdb.cont(1.0).is_breakpoint and gdb.read_registers()[15] == 0x200
    # resuming at the breakpoint must step over it, not re-report it
    assert gdb.cont(1.0).is_breakpoint and stub.pos == 3
    gdb.remove_breakpoint(0x200)
    reply = gdb.cont(1.0)
    assert reply.kind == "exited" and reply.code == 7


def test_continue_timeout_raises_emulator_timeout():
    stub = FakeStub(silent_continue=True)
    gdb = connect(stub)
    with pytest.raises(EmulatorTimeout):
        gdb.cont(0.2)


def test_closed_connection_is_a_gdb_error():
    stub = FakeStub()
    gdb = connect(stub)
    stub.listener.close()
    gdb._sock.shutdown(socket.SHUT_RDWR)
    with pytest.raises(GdbError):
        gdb.read_registers()


def test_unsolicited_stop_replies_of_renode_are_dropped():
    # The exact sequence a real Renode 1.15.3 stub sends; a client that takes one reply per
    # request reads "S05" as the register packet after the first breakpoint.
    stub = FakeStub(program=[0x100, 0x200, 0x300, 0x200, 0x400, 0x500], renode=True)
    gdb = connect(stub)
    stub.send_unsolicited("S05")                    # the monitor's `start`
    stub.regs[0] = 42
    assert gdb.read_registers()[0] == 42
    gdb.set_breakpoint(0x200)
    gdb.set_breakpoint(0x400)
    for pc in (0x200, 0x200, 0x400):
        assert gdb.cont(1.0).is_breakpoint
        assert gdb.read_registers()[15] == pc       # not the extra S05
        gdb.write_memory(0x1000, b"\x01\x02")       # any request after the hit stays in step
        assert gdb.read_memory(0x1000, 2) == b"\x01\x02"
    assert gdb.dropped_stop_replies >= 3
    assert gdb.interrupt(1.0).code == 2              # Ctrl-C: S02, not a stale S05


def test_stop_reply_pending_before_continue_is_drained():
    stub = FakeStub(program=[0x100, 0x200, 0x300], renode=True)
    gdb = connect(stub)
    gdb.set_breakpoint(0x300)
    stub.send_unsolicited("S05")                    # arrives while nothing waits for it
    import time
    time.sleep(0.05)
    assert gdb.cont(1.0).is_breakpoint and gdb.read_registers()[15] == 0x300


def test_renode_decimal_packet_size_is_capped():
    stub = FakeStub(packet_size=1024, renode=True)
    stub.start()
    gdb = GdbClient.connect("127.0.0.1", stub.port, timeout_s=2.0, max_packet_size=1024)
    assert gdb.packet_size == 1024                  # "1024" read as hex is 0x1024, capped
    gdb.fill_memory(0x1000, 0x400, 0xAA)
    assert gdb.read_memory(0x1000, 0x400) == b"\xaa" * 0x400


def test_renode_transient_e9999_is_retried_and_otherwise_one_error():
    stub = FakeStub(program=[0x100, 0x200], renode=True)
    gdb = connect(stub)
    stub.flaky = {"g": 2, "Z0": 1}
    gdb.transient_errors = ("E9999",)
    stub.regs[0] = 7
    assert gdb.read_registers()[0] == 7
    gdb.set_breakpoint(0x200)
    assert stub.packets.count("g") == 3
    gdb.transient_errors = ()
    gdb._regs = None
    stub.flaky = {"g": 1}
    with pytest.raises(GdbError, match="E9999"):      # a one-line error, not a ValueError
        gdb.read_registers()
