#!/usr/bin/env python3
"""How much slower is a measured run than a bare QEMU run of the same firmware?

Builds a firmware doing ~1 G guest instructions (an int8 multiply-accumulate loop over a buffer in
the arena, split into 10 "operators" with simprof_op_begin/end markers), runs it once bare
(qemu-system-arm -kernel, no debugger) and once through `measure_elf` (two paint runs, concurrent
by default), and prints the wall-clock ratio. Target: <= 1.5x. Prints, never asserts.

When `renode` is on PATH it also measures the bundled example model per operator (the CLI's
`simprof measure examples/kws_dscnn_int8.tflite`) under QEMU and under Renode, cold (start-up
included) and per measurement in a reused Renode process, and prints Renode's time as a multiple of
QEMU's; then the same at the command line: the wall time of `simprof measure MODEL --platform P
--emulator qemu|renode` from process start to exit, Python's start-up included, the two emulators
alternating (target: Renode <= 5x QEMU, docs/renode.md).

    .venv/bin/python bench/measure_overhead.py [--platform stm32f4] [--repeats N]
    .venv/bin/python bench/measure_overhead.py --renode-only [--platform nrf52840] [--rounds 5]
    .venv/bin/python bench/measure_overhead.py --cli-only [--platform nrf52840] [--rounds 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from pathlib import Path

from simprof.platforms import load
from simprof.sim.build import build_firmware, default_cache_dir
from simprof.sim.measure import measure_elf
from simprof.sim.qemu import run_bare

SOURCE = r"""
#include <stdint.h>
#include "simprof_board.h"

#define LEN 256u
volatile int32_t sink;

/* 8 instructions per element with gcc 12 -Os on Cortex-M4 (add, uxtb, 2 ldrsb, add, cmp, smlabb,
 * bne: see arm-none-eabi-objdump -d), so one outer repeat is ~2053 instructions. */
__attribute__((noinline)) static int32_t mac(const int8_t *a, const int8_t *b, uint32_t repeats)
{
    int32_t acc = 0;
    for (uint32_t r = 0; r < repeats; r++) {
        for (uint32_t i = 0; i < LEN; i++) {
            acc += (int32_t)a[i] * (int32_t)b[(i + r) & (LEN - 1u)];
        }
    }
    return acc;
}

int main(void)
{
    int8_t *a = (int8_t *)tensor_arena;
    int8_t *b = a + LEN;
    for (uint32_t i = 0; i < LEN; i++) {
        a[i] = (int8_t)(i * 7u);
        b[i] = (int8_t)(i * 13u + 1u);
    }
    int32_t acc = 0;
    for (uint32_t op = 0; op < 10u; op++) {
        simprof_op_begin(op);
        acc += mac(a, b, REPEATS / 10u);
        simprof_op_end(op);
    }
    sink = acc;
    return 0;
}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--platform", default="stm32f4")
    parser.add_argument("--repeats", type=int, default=487_000,
                        help="outer loop count (~2053 instructions each; default ~1 G instructions)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (median is reported)")
    parser.add_argument("--renode-only", action="store_true", help="only the Renode-vs-QEMU model ratios")
    parser.add_argument("--cli-only", action="store_true", help="only the Renode-vs-QEMU command-line ratio")
    args = parser.parse_args()
    if args.cli_only:
        cli_ratio(args.platform, args.rounds)
        return
    if args.renode_only:
        renode_ratio(args.platform, args.rounds)
        cli_ratio(args.platform, args.rounds)
        return

    platform = load(args.platform)
    src_dir = default_cache_dir() / "bench-src"
    src_dir.mkdir(parents=True, exist_ok=True)
    src = src_dir / "mac_loop.c"
    if not src.exists() or src.read_text() != SOURCE:
        src.write_text(SOURCE)
    fw = build_firmware(platform, [src], name="mac_loop", defines={"REPEATS": f"{args.repeats}u"})

    bare, measured, sequential, single = [], [], [], []
    for _ in range(args.rounds):
        status, _, seconds = run_bare(platform, fw.elf, timeout_s=120)
        assert status == 0, f"bare run failed with status {status}"
        bare.append(seconds)
        start = time.monotonic()
        m = measure_elf(fw.elf, platform, timeout_s=120)
        measured.append(time.monotonic() - start)
        start = time.monotonic()
        measure_elf(fw.elf, platform, timeout_s=120, parallel=False)
        sequential.append(time.monotonic() - start)
        start = time.monotonic()
        measure_elf(fw.elf, platform, timeout_s=120, patterns=(0xAA,))
        single.append(time.monotonic() - start)

    b, mp, ms = statistics.median(bare), statistics.median(measured), statistics.median(sequential)
    m1 = statistics.median(single)
    print(f"platform {platform.id} ({platform.qemu_machine}), ~{args.repeats * 2053 / 1e9:.2f} G instructions, "
          f"median of {args.rounds}")
    print(f"bare QEMU run                         {b:6.2f} s")
    print(f"measured, 2 paint runs concurrently   {mp:6.2f} s   ratio {mp / b:4.2f}x  (target <= 1.5x)")
    print(f"measured, 2 paint runs one by one     {ms:6.2f} s   ratio {ms / b:4.2f}x")
    print(f"one paint run (not exact: cost of one gdb-driven run) {m1:6.2f} s   ratio {m1 / b:4.2f}x")
    print(f"load average during the benchmark: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(the concurrent ratio needs two free cores)")
    print(f"marks: stack {m.stack_bytes} B, arena head {m.arena_head_bytes} B, "
          f"{len(m.operators)} operators")
    renode_ratio(args.platform, args.rounds)
    cli_ratio(args.platform, args.rounds)


EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kws_dscnn_int8.tflite"


def renode_ratio(platform_id: str, rounds: int) -> None:
    """Per-operator model measurement, Renode vs QEMU, each from the call to the result: cold
    (Renode's start-up included) and per measurement in a reused Renode process
    (`simprof.sim.renode.reuse()`, start-up paid once); the image is built and cached first."""
    from simprof.sim.renode import DESCRIPTIONS, renode_available, reuse
    from simprof.rt.runner import measure_model

    if not renode_available():
        print("renode not on PATH: Renode ratio skipped")
        return
    if platform_id not in DESCRIPTIONS:
        print(f"no Renode description for {platform_id}: Renode ratio skipped")
        return
    platform = load(platform_id)
    measure_model(EXAMPLE, platform)                          # build and cache the image
    times: dict[str, list[float]] = {"qemu": [], "renode": [], "reused": []}
    figures: dict[str, set] = {"qemu": set(), "renode": set(), "reused": set()}
    loads = []

    def timed(key: str) -> None:
        start = time.monotonic()
        m = measure_model(EXAMPLE, platform, emulator="qemu" if key == "qemu" else "renode")
        times[key].append(time.monotonic() - start)
        fields = {k: v for k, v in m.to_json().items() if k not in ("emulator", "wall_seconds")}
        figures[key].add(repr(sorted(fields.items())))

    for _ in range(rounds):
        timed("qemu")
        timed("renode")
        loads.append(os.getloadavg()[0])
    with reuse():
        timed("reused")                                        # pays the start-up
        times["reused"].clear()
        for _ in range(rounds):
            timed("reused")
            loads.append(os.getloadavg()[0])
    q, r, u = (statistics.median(times[k]) for k in ("qemu", "renode", "reused"))
    print(f"{EXAMPLE.name} per operator on {platform_id}, median of {rounds}:")
    print(f"QEMU                                  {q:6.2f} s")
    print(f"Renode, cold (start-up included)      {r:6.2f} s   ratio {r / q:4.1f}x  (target <= 5x)")
    print(f"Renode, per measurement when reused   {u:6.2f} s   ratio {u / q:4.1f}x")
    same = len(figures["qemu"]) == 1 and figures["qemu"] == figures["renode"] == figures["reused"]
    print(f"every result field identical to QEMU's (but emulator, wall_seconds): {same}; "
          f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores")



def cli_ratio(platform_id: str, rounds: int) -> None:
    """`simprof measure EXAMPLE --platform P --emulator E --json F` as a user types it: wall time
    from process start to exit (Python's start-up, imports, the model's checks, the emulator's
    start-up and the reference comparison included), QEMU and Renode alternating so that both
    see the same load; the JSON results must agree field by field."""
    from simprof.sim.renode import DESCRIPTIONS, renode_available

    if not renode_available() or platform_id not in DESCRIPTIONS:
        print("renode not on PATH or no Renode description: command-line ratio skipped")
        return
    exe = Path(sys.executable).with_name("simprof")
    times: dict[str, list[float]] = {"qemu": [], "renode": []}
    fields: dict[str, set] = {"qemu": set(), "renode": set()}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        def run(emulator: str) -> None:
            out = Path(tmp) / f"{emulator}.json"
            cmd = [str(exe), "measure", str(EXAMPLE), "--platform", platform_id, "--emulator", emulator,
                   "--json", str(out)]
            start = time.monotonic()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times[emulator].append(time.monotonic() - start)
            result = json.loads(out.read_text())
            fields[emulator].add(repr(sorted((k, v) for k, v in result.items()
                                             if k not in ("emulator", "wall_seconds"))))

        run("qemu")                                            # the image is built and cached
        times["qemu"].clear()
        for _ in range(rounds):
            run("qemu")
            run("renode")
            loads.append(os.getloadavg()[0])
    q, r = statistics.median(times["qemu"]), statistics.median(times["renode"])
    print(f"command line `simprof measure {EXAMPLE.name} --platform {platform_id}`, process start to exit, "
          f"median of {rounds}:")
    print(f"--emulator qemu                       {q:6.2f} s   (each: {', '.join(f'{t:.2f}' for t in times['qemu'])})")
    print(f"--emulator renode                     {r:6.2f} s   ratio {r / q:4.1f}x  (target <= 5x; each: "
          f"{', '.join(f'{t:.2f}' for t in times['renode'])})")
    same = len(fields["qemu"]) == 1 and fields["qemu"] == fields["renode"]
    print(f"every JSON field identical (but emulator, wall_seconds): {same}; "
          f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
