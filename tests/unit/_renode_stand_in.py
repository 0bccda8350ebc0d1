"""A stand-in `renode` executable for tests that cannot have Renode (CI): it behaves as a real
Renode 1.15.3 was observed to behave (DESIGN.md §3b, docs/renode.md) and runs the firmware under
QEMU behind a gdb proxy that adds Renode's stub quirks.

Reproduced from real Renode 1.15.3 runs:
- command line `--disable-xwt --plain -P PORT` (anything else: exit 2, like a typo);
- on start-up, every `$TMPDIR/renode-*` directory not ending in a live PID is deleted;
- monitor: telnet negotiation first, the first 9 bytes a client sends are eaten, each line is
  echoed, errors are text, the prompt names the current machine;
- `python "..."` runs the helpers simprof loads (`execfile`, `simprof_bind/read/write/fill`);
- gdb stub: `PacketSize=1024` (decimal), an unsolicited `S05` to every client when the monitor's
  `start` runs, `T05swbreak:;` and then an extra `S05` after a breakpoint hit, `S05` for `s`,
  `S02` for Ctrl-C, and no exit report ever (semihosting exit is ignored);
- it never exits by itself;
- CPU hooks (`simprof_hooks`): stops at the operator markers are handled inside, invisible to the
  gdb client, and their records are written as simprof's helper writes them (`simprof_events`);
- `mach rem "<name>"` removes a machine; `mach set`, `machine Reset` and a new `sysbus LoadELF`
  make a machine run again, and its gdb server takes a new client (what `reuse()` relies on);
  `mach clear` is not understood (on Renode it only deselects the machine).
"""
import ast
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import threading

MACHINES = {"stm32f4_discovery.repl": "netduinoplus2", "nrf52840.repl": "mps2-an386"}


def checksum(payload: bytes) -> bytes:
    return b"%02x" % (sum(payload) & 0xFF)


def frame(payload: bytes) -> bytes:
    return b"$" + payload + b"#" + checksum(payload)


class Rsp:
    """Blocking RSP connection to QEMU's stub (one request, one reply)."""

    def __init__(self, port: int) -> None:
        import time
        for _ in range(200):
            try:
                self.sock = socket.create_connection(("127.0.0.1", port))
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                break
            except OSError:
                time.sleep(0.02)
        self.buf = b""
        self.lock = threading.Lock()

    def read_packet(self) -> bytes:
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start)
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                payload = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                self.sock.sendall(b"+")
                return payload
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk

    def send(self, payload: bytes) -> None:
        self.sock.sendall(frame(payload))

    def request(self, payload: bytes) -> bytes:
        self.send(payload)
        return self.read_packet()

    def read(self, address: int, n: int) -> bytes:
        out = b""
        with self.lock:
            for a in range(address, address + n, 2000):
                out += bytes.fromhex(self.request(b"m%x,%x" % (a, min(2000, address + n - a))).decode())
        return out

    def write(self, address: int, data: bytes) -> None:
        with self.lock:
            for o in range(0, len(data), 2000):
                part = data[o:o + 2000]
                assert self.request(b"M%x,%x:" % (address + o, len(part)) + part.hex().encode()) == b"OK"


class Machine:
    def __init__(self, name: str) -> None:
        self.name = name
        self.repl = self.elf = None
        self.qemu = None
        self.rsp: Rsp | None = None
        self.client: socket.socket | None = None
        self.client_ready = threading.Event()
        self.breakpoints: set[int] = set()
        self.exited = False
        # CPU hooks at the operator markers (simprof_hooks): address -> kind (0 begin, 1 end)
        self.hooks: dict[int, int] = {}
        self.hook_state: list | None = None
        self.events: list[tuple] = []

    def start_gdb(self, port: int) -> None:
        self.load()
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(1)
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def load(self) -> None:
        """Start the core (QEMU, halted) with the ELF: StartGdbServer, or LoadELF after a reset."""
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        qport = listener.getsockname()[1]
        listener.close()
        self.qemu = subprocess.Popen(
            ["qemu-system-arm", "-M", MACHINES[os.path.basename(self.repl)], "-nographic", "-monitor", "none",
             "-serial", "null", "-semihosting-config", "enable=on,target=native", "-kernel", self.elf, "-S",
             "-gdb", f"tcp:127.0.0.1:{qport}"], stdin=subprocess.DEVNULL)
        self.rsp = Rsp(qport)
        self.exited = False

    def reset(self) -> None:
        """`machine Reset` after simprof_reset: hooks, breakpoints and memory gone (a new QEMU
        starts at the next LoadELF)."""
        self.kill()
        self.hooks, self.hook_state, self.events, self.breakpoints = {}, None, [], set()
        self.client, self.rsp = None, None
        self.client_ready.clear()

    def _accept(self, server: socket.socket) -> None:
        """Renode's gdb server takes a new client after the previous one left."""
        while True:
            conn, _ = server.accept()
            try:
                self._serve(conn)
            except (EOFError, OSError, AttributeError):
                pass

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client = conn
        self.client_ready.set()
        buf = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return
            buf += chunk
            while True:
                if buf[:1] in (b"+", b"-"):
                    buf = buf[1:]
                    continue
                if buf[:1] == b"\x03":          # Ctrl-C: QEMU's T02 becomes Renode's S02
                    buf = buf[1:]
                    with self.rsp.lock:
                        self.rsp.sock.sendall(b"\x03")
                        self.rsp.read_packet()
                    conn.sendall(frame(b"S02"))
                    continue
                start, end = buf.find(b"$"), buf.find(b"#")
                if start < 0 or end < 0 or len(buf) < end + 3:
                    break
                payload = buf[start + 1:end]
                buf = buf[end + 3:]
                conn.sendall(b"+")
                for reply in self._handle(payload, conn):
                    conn.sendall(frame(reply))

    def add_hooks(self, begin: int, end: int, bottom: int, arena: int, arena_size: int, paint: bytes) -> None:
        self.hooks = {begin: 0, end: 1}
        self.hook_state = [bottom, arena, arena_size, paint, {}]
        with self.rsp.lock:
            for address in self.hooks:
                self.rsp.request(b"Z0,%x,2" % address)

    def kill(self) -> None:
        if self.qemu is not None and self.qemu.poll() is None:
            self.qemu.kill()
            self.qemu.wait()
        if self.client is not None:
            self.client.close()

    def _hook(self, regs: bytes) -> None:
        """What simprof's hook does inside Renode at a marker (caller holds the rsp lock)."""
        bottom, arena, arena_size, paint, opened = self.hook_state
        index, sp, pc = (int.from_bytes(regs[o:o + 4], "little") for o in (0, 52, 60))
        kind = self.hooks[pc & ~1]
        if kind == 0:
            opened[index] = top = sp
        elif index in opened:
            top = opened.pop(index)
        else:
            self.events.append((kind, index, sp, b"", b""))
            return
        lock, self.rsp.lock = self.rsp.lock, threading.Lock()    # read/write take the lock
        try:
            stack = self.rsp.read(bottom, top - bottom) if top > bottom else b""
            snap = self.rsp.read(arena, arena_size) if arena_size > 0 else b""
            if kind == 0 and top > bottom:
                self.rsp.write(bottom, paint[:top - bottom])
        finally:
            self.rsp.lock = lock
        self.events.append((kind, index, sp, stack, snap))

    def _step_off_breakpoint(self) -> None:
        """Renode resumes from a breakpoint without re-reporting it (QEMU re-reports it)."""
        regs = bytes.fromhex(self.rsp.request(b"g").decode()[:128])
        pc = int.from_bytes(regs[60:64], "little") & ~1
        if pc in self.breakpoints:
            self.rsp.request(b"z0,%x,2" % pc)
            self.rsp.request(b"s")
            self.rsp.request(b"Z0,%x,2" % pc)

    def _run(self, p: bytes, conn: socket.socket) -> tuple[bytes, bool]:
        """Resume QEMU; wait for its stop reply while forwarding a Ctrl-C from the client."""
        rsp, interrupted = self.rsp, False
        rsp.send(p)
        while True:
            start = rsp.buf.find(b"$")
            end = rsp.buf.find(b"#", start)
            if start >= 0 and end >= 0 and len(rsp.buf) >= end + 3:
                reply = rsp.read_packet()
                if reply[:1] not in (b"W", b"X"):
                    return reply, interrupted
                # QEMU ended with the firmware's semihosting exit; under Renode that exit is
                # ignored and the core keeps running: nothing is reported until a Ctrl-C.
                self.exited = True
                while b"\x03" not in conn.recv(4096):
                    pass
                return b"T02", True
            ready, _, _ = select.select([rsp.sock, conn], [], [])
            if conn in ready:
                data = conn.recv(4096)
                if not data:
                    raise EOFError
                if b"\x03" in data:
                    rsp.sock.sendall(b"\x03")
                    interrupted = True
            if rsp.sock in ready:
                chunk = rsp.sock.recv(65536)
                if not chunk:
                    raise EOFError
                rsp.buf += chunk

    def _handle(self, p: bytes, conn: socket.socket) -> list[bytes]:
        if self.exited:
            # QEMU is gone, a Renode core would spin after the ignored exit: registers of a core
            # halted there (PC unknown here: 0), no memory, no further stops.
            return [b"00" * 4 * 17] if p == b"g" else [b"E01"] if p[:1] == b"m" else [b"OK"]
        if p.startswith(b"qSupported"):
            return [b"PacketSize=1024;qXfer:features:read+;swbreak+;hwbreak+;t32extensions+"]
        if p[:2] in (b"Z0", b"z0"):
            address = int(p.split(b",")[1], 16)
            (self.breakpoints.add if p[:1] == b"Z" else self.breakpoints.discard)(address)
        if p in (b"c", b"s"):
            with self.rsp.lock:
                if p == b"c":
                    self._step_off_breakpoint()
                reply, interrupted = self._run(p, conn)
                # Stops at hook addresses are Renode's hooks, invisible to the gdb client.
                while p == b"c" and not interrupted and reply[:1] == b"T" and self.hooks:
                    regs = bytes.fromhex(self.rsp.request(b"g").decode()[:128])
                    pc = int.from_bytes(regs[60:64], "little") & ~1
                    if pc not in self.hooks:
                        break
                    self._hook(regs)
                    self.rsp.request(b"z0,%x,2" % pc)
                    self.rsp.request(b"s")
                    self.rsp.request(b"Z0,%x,2" % pc)
                    reply, interrupted = self._run(p, conn)
            if interrupted:
                return [b"S02"]
            if p == b"s":
                return [b"S05"]
            return [b"T05swbreak:;", b"S05"]   # the hit, then its step off the breakpoint
        with self.rsp.lock:
            return [self.rsp.request(p)]


def split_commands(line: str) -> list[str]:
    """A monitor line holds commands separated by ";" outside double quotes (`python "a; b"` is
    one command)."""
    parts, quoted, start = [], False, 0
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            parts.append(line[start:i].strip())
            start = i + 1
    parts.append(line[start:].strip())
    return parts


def main() -> int:
    if sys.argv[1:] == ["--version"]:      # Renode 1.15.3 built from its sources prints this
        print("Renode v1.15.3.29877\n  build: 03756cb5-202612041635\n  build type: Release\n"
              "  runtime: Mono 4.0.30319.42000")
        return 0
    if sys.argv[1:4] != ["--disable-xwt", "--plain", "-P"] or len(sys.argv) != 5:
        print("stand-in renode: unexpected arguments", sys.argv[1:], flush=True)
        return 2
    tmp = os.environ.get("TMPDIR", "/tmp")
    for entry in os.listdir(tmp):
        if entry.startswith("renode-"):
            shutil.rmtree(os.path.join(tmp, entry), ignore_errors=True)
    port = int(sys.argv[4])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    print(f"[INFO] Monitor available in telnet mode on port {port}", flush=True)
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(bytes.fromhex("fffb01fffb03fffd00") + b"Renode, version 1.15.3.29877 (03756cb5-202612041635)\r\n(monitor) ")
    data = b""
    while len(data) < 9:
        data += conn.recv(64)
    buf, machines, current, helpers, workdir = data[9:], {}, None, False, "."
    fills: dict[str, bytes] = {}

    def read_to(m: Machine, address: int, count: int, path: str) -> None:
        with open(os.path.join(workdir, path), "wb") as f:
            f.write(m.rsp.read(address, count))

    def fill(m: Machine, address: int, count: int, path: str) -> None:
        data = fills.get(path, b"")
        if len(data) < count:                 # as simprof's helper: re-read a grown file
            data = fills[path] = open(os.path.join(workdir, path), "rb").read()
        m.rsp.write(address, data[:count])
    def run_one(text: str) -> str:
        """One monitor command; its error text ("" when it worked)."""
        nonlocal current, helpers, workdir
        out = ""
        m = current and machines[current]
        try:
            if not text:
                pass
            elif mm := re.fullmatch(r'mach create "(.*)"', text):
                current = mm.group(1)
                machines[current] = Machine(current)
            elif text.startswith("machine LoadPlatformDescription @") and m:
                m.repl = text.split("@", 1)[1]
                if "CPU.CortexM" not in open(m.repl).read():
                    out = "Error E00: not a Cortex-M description"
            elif text.startswith("sysbus LoadELF @") and m:
                m.elf = text.split("@", 1)[1]
                if m.rsp is None and m.qemu is not None:    # a reset machine: load it again
                    m.load()
            elif (mm := re.fullmatch(r'mach set "(.*)"', text)) and mm.group(1) in machines:
                current = mm.group(1)
            elif text == "machine Reset" and m:
                m.reset()
            elif (mm := re.fullmatch(r"machine StartGdbServer (\d+) false", text)) and m:
                m.start_gdb(int(mm.group(1)))
            elif re.fullmatch(r'emulation SetGlobalQuantum "[0-9.]+"', text):
                pass
            elif text == "pause":
                pass
            elif (mm := re.fullmatch(r'mach rem "(.*)"', text)) and mm.group(1) in machines:
                machines.pop(mm.group(1)).kill()
                current = None if current == mm.group(1) else current
            elif text == "start":
                for each in machines.values():
                    if each.client_ready.wait(5):
                        each.client.sendall(frame(b"S05"))    # unsolicited, as Renode's stub
            elif mm := re.fullmatch(r"""python "execfile\('(.*)'\)\"""", text):
                text_of = open(mm.group(1)).read()
                helpers = "def simprof_read" in text_of
                workdir = re.search(r"^simprof_dir = (.*)$", text_of, re.M)
                workdir = ast.literal_eval(workdir.group(1)) if workdir else "."
            elif (mm := re.fullmatch(r"""python "(simprof_\w+\(.*\))\"""", text)) and helpers:
                # one or more helper calls joined by "; " (simprof queues fills and writes)
                for call in mm.group(1).split("; "):
                    cm = re.fullmatch(r"simprof_(\w+)\((.*)\)", call)
                    op, args = cm.group(1), ast.literal_eval("(" + cm.group(2) + ",)")
                    if op in ("bind", "forget", "reset", "quantum"):
                        pass
                    elif op == "machine":              # LoadPlatformDescription + LoadELF
                        target = machines[args[0]]
                        target.repl, target.elf = args[1], args[2]
                        if "CPU.CortexM" not in open(target.repl).read():
                            raise ValueError("not a Cortex-M description")
                    elif op == "load":                 # LoadELF into a reset machine
                        target = machines[args[0]]
                        target.elf = args[1]
                        if target.rsp is None and target.qemu is not None:
                            target.load()
                    elif op == "gdb":                  # StartGdbServer <port> false
                        machines[args[0]].start_gdb(args[1])
                    elif op in ("read", "peek"):      # peek: an error where nothing is mapped
                        read_to(machines[args[0]], *args[1:])
                    elif op == "write":
                        machines[args[0]].rsp.write(args[1], open(os.path.join(workdir, args[2]), "rb").read())
                    elif op == "fill":
                        fill(machines[args[0]], *args[1:])
                    elif op == "hooks":
                        paint = open(os.path.join(workdir, args[6]), "rb").read()
                        machines[args[0]].add_hooks(*args[1:6], paint)
                        machines[args[0]].events_file = args[7]
                    elif op == "events" and os.environ.get("STAND_IN_HOOK_ERROR"):
                        # as simprof's helper reports an exception raised inside a hook
                        with open(os.path.join(workdir, machines[args[0]].events_file + ".err"), "w") as f:
                            f.write(os.environ["STAND_IN_HOOK_ERROR"])
                    elif op == "events":
                        with open(os.path.join(workdir, machines[args[0]].events_file), "wb") as f:
                            for kind, index, sp, stack, snap in machines[args[0]].events:
                                f.write(struct.pack("<5I", kind, index, sp, len(stack), len(snap)) + stack + snap)
                        machines[args[0]].events.clear()
                    elif op == "batch":
                        for address, count, path in args[1]:
                            read_to(machines[args[0]], address, count, path)
                        if args[2] is not None:
                            fill(machines[args[0]], *args[2])
                    else:
                        raise NameError(f"name 'simprof_{op}' is not defined")
            else:
                out = f"There was an error executing command '{text}'"
        except Exception as exc:                       # noqa: BLE001 - shown as Renode does
            out = f"There was an error executing command '{text}'\r\n{exc}"
        return out

    while True:
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            echo = line.decode().strip()
            out = ""
            for text in split_commands(echo):
                out = run_one(text)
                if out:                           # Renode stops at the first failing command
                    break
            conn.sendall((echo + "\r\n" + (out + "\r\n" if out else "") + f"({current or 'monitor'}) ").encode())
        chunk = conn.recv(4096)
        if not chunk:
            break
        buf += chunk
    # Renode keeps running after its monitor client leaves; simprof kills its process group.
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
