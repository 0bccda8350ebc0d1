"""Catching Cortex-M faults from the host: breakpoints on the fault vectors, and a `HardFault`
error that names the faulting PC and the function it is in."""
from __future__ import annotations

from simprof.core.errors import EmulatorError, HardFault
from simprof.platforms import Platform
from simprof.sim.elf import ElfInfo
from simprof.sim.gdb_rsp import GdbClient

VTOR = 0xE000ED08
CFSR, HFSR, MMFAR, BFAR = 0xE000ED28, 0xE000ED2C, 0xE000ED34, 0xE000ED38
# Vector index -> name; these are the exceptions a healthy simprof run never takes.
FAULT_VECTORS = {2: "NMI", 3: "HardFault", 4: "MemManage", 5: "BusFault", 6: "UsageFault", 7: "SecureFault"}
_CFSR_BITS = {
    0: "IACCVIOL", 1: "DACCVIOL", 3: "MUNSTKERR", 4: "MSTKERR", 7: "MMARVALID",
    8: "IBUSERR", 9: "PRECISERR", 10: "IMPRECISERR", 11: "UNSTKERR", 12: "STKERR", 15: "BFARVALID",
    16: "UNDEFINSTR", 17: "INVSTATE", 18: "INVPC", 19: "NOCP", 20: "STKOF", 24: "UNALIGNED", 25: "DIVBYZERO",
}


def fault_vectors(gdb: GdbClient, info: ElfInfo, platform: Platform) -> dict[int, str]:
    """Handler address (Thumb bit cleared) -> exception name, from the live vector table."""
    try:
        base = int.from_bytes(gdb.read_memory(VTOR, 4), "little")
    except EmulatorError:
        base = 0                          # no VTOR (some ARMv6-M models): the table is at 0
    if base == 0 and not platform.link_flash.contains(0, 64):
        base = platform.link_flash.base   # VTOR reads 0 on machines that alias flash at 0
    try:
        table = gdb.read_memory(base, 8 * 4)
    except EmulatorError:
        table = gdb.read_memory(platform.link_flash.base, 8 * 4)
    out: dict[int, str] = {}
    for index, name in FAULT_VECTORS.items():
        handler = int.from_bytes(table[index * 4:index * 4 + 4], "little") & ~1
        if handler and handler not in out:
            out[handler] = name
        elif handler in out and name == "HardFault":
            out[handler] = "HardFault"   # a shared handler is named after the usual culprit
    return out


def _decode_cfsr(value: int) -> str:
    names = [n for bit, n in _CFSR_BITS.items() if value & (1 << bit)]
    return "|".join(names) if names else "none"


def fault_error(gdb: GdbClient, info: ElfInfo, regs: list[int], vector_name: str, console: str) -> HardFault:
    """Build the error for a stop at a fault handler: the exception frame gives the faulting PC."""
    exc_return = regs[14]
    uses_psp = bool(exc_return & 0x4)
    pc = lr = None
    if not uses_psp:
        try:
            frame = gdb.read_memory(regs[13], 32)
            words = [int.from_bytes(frame[i:i + 4], "little") for i in range(0, 32, 4)]
            lr, pc = words[5], words[6]
        except EmulatorError:
            pass
    status = ""
    if info.cpu_arch not in ("v6-m", "v8-m.base"):   # ARMv6-M has no fault status registers
        try:
            cfsr = int.from_bytes(gdb.read_memory(CFSR, 4), "little")
            hfsr = int.from_bytes(gdb.read_memory(HFSR, 4), "little")
            status = f", CFSR 0x{cfsr:08x} ({_decode_cfsr(cfsr)}), HFSR 0x{hfsr:08x}"
        except EmulatorError:
            pass
    if pc is None:
        where = "at an unknown PC (exception frame on the process stack)"
    else:
        where = f"at PC 0x{pc:08x} in {info.symbolize(pc)} (LR 0x{lr:08x} in {info.symbolize(lr)})"
    return HardFault(f"firmware hard-faulted ({vector_name}) {where}{status}",
                     fix=f"debug the faulting instruction: arm-none-eabi-addr2line -f -e {info.path} "
                         f"0x{(pc or 0):08x}",
                     pc=pc, lr=lr, vector=vector_name, console=console)
