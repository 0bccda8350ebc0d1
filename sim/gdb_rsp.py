"""A small pure-Python GDB Remote Serial Protocol client, enough to drive QEMU's and Renode's gdb stubs.

QEMU 7.2 stub quirks handled here (DESIGN.md §5): packet size 0x1000, no binary `X` writes (hex
`M` only), no no-ack mode, `p` answers empty (registers are read all at once with `g`).

Renode 1.15 stub quirks (DESIGN.md §3b): it sends stop replies nobody asked for (`S05` when the
monitor's `start` runs; after a breakpoint hit `T05swbreak:;` and then another `S05` while it steps
off the breakpoint), and it announces `PacketSize=1024` meaning decimal. So stop replies (`S`/`T`)
are dropped while waiting for the answer to anything but `?`, `c`, `s`, pending ones are drained
before `c`/`s`/Ctrl-C, and a session may cap the packet size (`max_packet_size`).

Every blocking call has a timeout; a dead peer raises `GdbError` (an `EmulatorError`).
"""
from __future__ import annotations

import logging
import re
import socket
import time
from dataclasses import dataclass
from typing import Callable

from simprof.core.errors import EmulatorError, EmulatorTimeout

log = logging.getLogger(__name__)

SIGTRAP = 5
SIGINT = 2
# "Enn" per the protocol; Renode also sends "E9999" (any exception inside a command).
_ERROR_REPLY = re.compile(r"E[0-9a-fA-F]{2,4}")
TRANSIENT_RETRIES = 5
TRANSIENT_DELAY_S = 0.02


class GdbError(EmulatorError):
    """The gdb stub answered with an error or closed the connection."""


@dataclass(frozen=True)
class StopReply:
    """Why the target stopped: `kind` is 'signal' (T/S packet), 'exited' (W) or 'terminated' (X)."""
    kind: str
    code: int            # signal number, or exit status for 'exited'
    raw: str

    @property
    def is_breakpoint(self) -> bool:
        return self.kind == "signal" and self.code == SIGTRAP


def checksum(payload: bytes) -> bytes:
    return b"%02x" % (sum(payload) & 0xFF)


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#" + checksum(payload)


def escape_rle(data: bytes) -> bytes:
    """Undo run-length encoding (`x*n` repeats x n-29 more times) and `}` escapes in a reply."""
    if b"*" not in data and b"}" not in data:
        return data               # the common case (hex payloads): no per-byte Python loop
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        if c == 0x7D:                       # '}' escape: next byte xor 0x20
            out.append(data[i + 1] ^ 0x20)
            i += 2
        elif c == 0x2A and out:             # '*' run-length
            out.extend(out[-1:] * (data[i + 1] - 29))
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def parse_stop_reply(text: str) -> StopReply:
    if not text:
        raise GdbError("empty stop reply from the gdb stub", fix="check the QEMU console output")
    kind = text[0]
    if kind in "TS":
        return StopReply("signal", int(text[1:3], 16), text)
    if kind == "W":
        return StopReply("exited", int(text[1:3], 16), text)
    if kind == "X":
        return StopReply("terminated", int(text[1:3], 16), text)
    raise GdbError(f"unexpected stop reply {text[:40]!r} from the gdb stub", fix="report this as a bug")


class GdbClient:
    """One connection to a gdb stub. Thread-unsafe by design: one session, one driver."""

    PIPELINE = 8

    def __init__(self, sock: socket.socket, *, timeout_s: float = 10.0,
                 max_packet_size: int | None = None) -> None:
        self._sock = sock
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buf = bytearray()
        self.timeout_s = timeout_s
        self.packet_size = 0x1000
        self.max_packet_size = max_packet_size
        self.closed = False
        self.dropped_stop_replies = 0
        # Renode steps off the breakpoint it resumes from by itself; QEMU re-reports it.
        self.resume_steps_off_breakpoints = False
        # Error replies that mean "try again" on this stub (Renode: E9999).
        self.transient_errors: tuple[str, ...] = ()
        self.breakpoints: set[int] = set()
        self._regs: list[int] | None = None
        # Called before the target resumes or its memory is accessed through the stub (Renode:
        # memory writes queued for the monitor go first).
        self.before_use: Callable[[], None] | None = None

    @classmethod
    def connect(cls, host: str, port: int, *, timeout_s: float = 10.0,
                max_packet_size: int | None = None) -> "GdbClient":
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                sock = socket.create_connection((host, port), timeout=timeout_s)
                break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise EmulatorError(f"cannot connect to the gdb stub at {host}:{port}: {exc}",
                                        fix="check that QEMU started (see its console output)") from exc
                time.sleep(0.02)
        client = cls(sock, timeout_s=timeout_s, max_packet_size=max_packet_size)
        client._handshake()
        return client

    # -- framing --------------------------------------------------------------------------
    def _recv_some(self, deadline: float | None) -> None:
        remaining = None if deadline is None else max(0.001, deadline - time.monotonic())
        self._sock.settimeout(remaining)
        try:
            chunk = self._sock.recv(65536)
        except socket.timeout as exc:
            raise EmulatorTimeout("the gdb stub did not answer in time",
                                  fix="raise the timeout or check the QEMU console output") from exc
        except OSError as exc:
            raise GdbError(f"gdb stub connection failed: {exc}", fix="check the QEMU console output") from exc
        if not chunk:
            self.closed = True
            raise GdbError("the gdb stub closed the connection (QEMU exited)",
                           fix="check the QEMU console output")
        self._buf += chunk

    def _deadline(self, timeout_s: float | None) -> float | None:
        t = self.timeout_s if timeout_s is None else timeout_s
        return None if t is None else time.monotonic() + t

    def _send_packet(self, payload: bytes) -> None:
        data = frame(payload)
        for _ in range(5):
            try:
                self._sock.sendall(data)
            except OSError as exc:
                self.closed = True
                raise GdbError(f"gdb stub connection failed: {exc}", fix="check the QEMU console output") from exc
            ack = self._read_ack()
            if ack == b"+":
                return
        raise GdbError("the gdb stub rejected a packet five times", fix="report this as a bug")

    def _read_ack(self) -> bytes:
        deadline = self._deadline(None)
        while True:
            while self._buf:
                c = bytes(self._buf[:1])
                if c in (b"+", b"-"):
                    del self._buf[:1]
                    return c
                if c == b"$":        # a packet before the ack: the ack was lost; treat as ack
                    return b"+"
                del self._buf[:1]    # noise
            self._recv_some(deadline)

    def _take_packet(self) -> bytes | None:
        """The next complete, acknowledged packet already in the buffer, or None."""
        while True:
            start = self._buf.find(b"$")
            if start < 0:
                return None
            end = self._buf.find(b"#", start)
            if end < 0 or len(self._buf) < end + 3:
                return None
            payload = bytes(self._buf[start + 1:end])
            csum = bytes(self._buf[end + 1:end + 3])
            del self._buf[:end + 3]
            if checksum(payload) != csum.lower():
                self._sock.sendall(b"-")
                continue
            self._sock.sendall(b"+")
            return escape_rle(payload)

    def _is_stop(self, payload: bytes) -> bool:
        if payload[:1] in (b"S", b"T"):
            self.dropped_stop_replies += 1
            log.debug("dropped an unsolicited stop reply %r", payload[:40])
            return True
        return False

    def _read_packet(self, timeout_s: float | None = None, *, skip_stops: bool = True) -> bytes:
        """The next packet. With skip_stops, stop replies (S/T) are not answers to the request
        in flight but reports the stub sent unasked (Renode), and are dropped."""
        deadline = self._deadline(timeout_s)
        while True:
            payload = self._take_packet()
            if payload is not None:
                if skip_stops and self._is_stop(payload):
                    continue
                return payload
            self._recv_some(deadline)

    def _drain_stops(self) -> None:
        """Drop stop replies that arrived unasked, so the next `c`/`s`/Ctrl-C is answered by its own."""
        self._sock.settimeout(0.0)
        try:
            while True:
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                self._buf += chunk
        except (BlockingIOError, socket.timeout, InterruptedError):
            pass
        except OSError as exc:
            raise GdbError(f"gdb stub connection failed: {exc}", fix="check the emulator's console output") from exc
        kept = bytearray()
        while True:
            payload = self._take_packet()
            if payload is None:
                break
            if not self._is_stop(payload):      # not a stop reply: keep it for whoever reads next
                kept += frame(payload)
        self._buf[:0] = kept

    def _stop_reply(self, timeout_s: float | None) -> StopReply:
        return parse_stop_reply(self._read_packet(timeout_s, skip_stops=False).decode("ascii", errors="replace"))

    def request(self, payload: str | bytes, timeout_s: float | None = None) -> str:
        data = payload.encode() if isinstance(payload, str) else payload
        for attempt in range(TRANSIENT_RETRIES + 1):
            self._send_packet(data)
            reply = self._read_packet(timeout_s, skip_stops=data != b"?").decode("ascii", errors="replace")
            if reply not in self.transient_errors or attempt == TRANSIENT_RETRIES:
                break
            # Renode answers E9999 when a command threw inside it, seen for `g` and `Z0` right
            # after `start` or a stop under load; the same request a moment later succeeds.
            log.debug("gdb stub answered %s to %r; retrying", reply, data[:20])
            time.sleep(TRANSIENT_DELAY_S * (attempt + 1))
        if _ERROR_REPLY.fullmatch(reply):
            raise GdbError(f"gdb stub error {reply} for {data[:20]!r}", fix="check the address range")
        return reply

    def _handshake(self) -> None:
        reply = self.request("qSupported:swbreak+;hwbreak+")
        for feature in reply.split(";"):
            if feature.startswith("PacketSize="):
                # Hex per the protocol; Renode means its "1024" as decimal, so its session caps it.
                self.packet_size = int(feature.split("=", 1)[1], 16)
        if self.max_packet_size is not None:
            self.packet_size = min(self.packet_size, self.max_packet_size)
        self.request("?")

    # -- memory ---------------------------------------------------------------------------
    def _pipelined(self, payloads: list[bytes]) -> list[str]:
        """Send up to PIPELINE packets before reading their replies: QEMU answers them in order
        and (in system mode) does not wait for our acks, so the round trips overlap."""
        replies = []
        for i in range(0, len(payloads), self.PIPELINE):
            window = payloads[i:i + self.PIPELINE]
            try:
                self._sock.sendall(b"".join(frame(p) for p in window))
            except OSError as exc:
                self.closed = True
                raise GdbError(f"gdb stub connection failed: {exc}", fix="check the QEMU console output") from exc
            for _ in window:
                if self._read_ack() != b"+":
                    raise GdbError("the gdb stub rejected a packet", fix="report this as a bug")
                replies.append(self._read_packet().decode("ascii", errors="replace"))
        return replies

    def read_memory(self, address: int, length: int) -> bytes:
        if self.before_use is not None:
            self.before_use()
        chunk = max(16, (self.packet_size - 16) // 2)
        requests = [(a, min(chunk, address + length - a)) for a in range(address, address + length, chunk)]
        out = bytearray()
        for (a, n), reply in zip(requests, self._pipelined([b"m%x,%x" % r for r in requests])):
            data = b"" if reply.startswith("E") else bytes.fromhex(reply)
            if len(data) != n:
                raise GdbError(f"memory read at 0x{a:08x} failed ({reply[:8]!r})", fix="read only mapped memory")
            out += data
        return bytes(out)

    def write_memory(self, address: int, data: bytes) -> None:
        if self.before_use is not None:
            self.before_use()
        # Header "Maaaaaaaa,nnnn:" + 2 hex digits per byte + "#cs" must fit the stub's packet.
        chunk = (self.packet_size - 32) // 2
        view = memoryview(data)
        offsets = range(0, len(data), chunk)
        payloads = [b"M%x,%x:" % (address + o, len(view[o:o + chunk])) + view[o:o + chunk].hex().encode()
                    for o in offsets]
        self._check_writes(address, offsets, self._pipelined(payloads))

    def fill_memory(self, address: int, length: int, value: int) -> None:
        """Paint `length` bytes with one byte value."""
        if self.before_use is not None:
            self.before_use()
        chunk = (self.packet_size - 32) // 2
        hex_full = (b"%02x" % value) * chunk
        offsets = range(0, length, chunk)
        payloads = [b"M%x,%x:" % (address + o, min(chunk, length - o)) + hex_full[:2 * min(chunk, length - o)]
                    for o in offsets]
        self._check_writes(address, offsets, self._pipelined(payloads))

    @staticmethod
    def _check_writes(address: int, offsets, replies: list[str]) -> None:
        for offset, reply in zip(offsets, replies):
            if reply != "OK":
                raise GdbError(f"memory write at 0x{address + offset:08x} failed ({reply!r})",
                               fix="write only mapped memory")

    # -- registers ------------------------------------------------------------------------
    def read_registers(self) -> list[int]:
        """r0..r15 (r13 = SP, r14 = LR, r15 = PC), from one `g` packet."""
        if self._regs is None:      # registers only change when the target runs
            reply = self.request("g")
            try:
                raw = bytes.fromhex(reply[: 16 * 8])
            except ValueError:
                raise GdbError(f"the gdb stub answered {reply[:40]!r} to a register read",
                               fix="rerun; if it persists, report it with the emulator's log (simprof -v)") from None
            if len(raw) < 64:
                raise GdbError("short register packet from the gdb stub", fix="report this as a bug")
            self._regs = [int.from_bytes(raw[i * 4:(i + 1) * 4], "little") for i in range(16)]
        return list(self._regs)

    # -- execution ------------------------------------------------------------------------
    def set_breakpoint(self, address: int, kind: int = 2) -> None:
        reply = self.request(f"Z0,{address & ~1:x},{kind}")
        if reply != "OK":
            raise GdbError(f"cannot set a breakpoint at 0x{address:08x} ({reply!r})",
                           fix="use a code address of the firmware")
        self.breakpoints.add(address & ~1)

    def remove_breakpoint(self, address: int, kind: int = 2) -> None:
        self.request(f"z0,{address & ~1:x},{kind}")
        self.breakpoints.discard(address & ~1)

    def cont(self, timeout_s: float | None) -> StopReply:
        """Continue and wait for the stop reply. On timeout the target keeps running: the caller
        decides whether to interrupt or kill.

        QEMU re-reports a breakpoint at the PC it resumes from, so a stop on one of our
        breakpoints is stepped over first (remove, single-step, re-insert)."""
        if self.before_use is not None:
            self.before_use()
        if self.breakpoints and not self.resume_steps_off_breakpoints:
            pc = self.read_registers()[15] & ~1
            if pc in self.breakpoints:
                self.request(f"z0,{pc:x},2")
                self._regs = None
                self._drain_stops()
                self._send_packet(b"s")
                reply = self._stop_reply(timeout_s)
                self.request(f"Z0,{pc:x},2")
                if not reply.is_breakpoint:
                    return reply          # exited or died during the step
                if self.read_registers()[15] & ~1 in self.breakpoints:
                    return reply          # stepped straight onto another breakpoint
        self._regs = None
        self._drain_stops()
        self._send_packet(b"c")
        return self._stop_reply(timeout_s)

    def interrupt(self, timeout_s: float = 2.0) -> StopReply:
        self._regs = None
        self._drain_stops()
        self._sock.sendall(b"\x03")
        return self._stop_reply(timeout_s)

    def close(self) -> None:
        self.closed = True
        try:
            self._sock.close()
        except OSError:
            pass
