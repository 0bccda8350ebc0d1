"""Static stack analysis (GCC -fstack-usage/-fcallgraph-info=su, kernels resolved through the
registration table) against the stack painted in QEMU, per operator. The firmware dispatches three
"kernels" through `const srt_op` records as simprof-rt does, with every local byte written, so the
painted depth must equal the static deepest path exactly. ~2 s (one build, one two-pattern run)."""
from __future__ import annotations

import pytest

APP = r'''
#include <stdint.h>
#include <stdlib.h>
#include "simprof_markers.h"

typedef struct { const char *name; int (*eval)(int); } srt_op;

static int __attribute__((noinline)) leaf(int x, int n)
{
    volatile uint8_t b[96];
    for (int i = 0; i < 96; i++) b[i] = (uint8_t)(x + i + n);
    return b[x & 63];
}
static int __attribute__((noinline)) small_eval(int x)
{
    volatile uint8_t b[24];
    for (int i = 0; i < 24; i++) b[i] = (uint8_t)(x + i);
    return b[3];
}
static int __attribute__((noinline)) deep_eval(int x)
{
    volatile uint8_t b[200];
    for (int i = 0; i < 200; i++) b[i] = (uint8_t)(x * i);
    return leaf(b[7], x) + b[3];  /* not a tail call: leaf runs below this frame */
}
static int __attribute__((noinline)) mid_eval(int x)
{
    volatile uint8_t b[64];
    for (int i = 0; i < 64; i++) b[i] = (uint8_t)(x - i);
    return leaf(b[1], 2) + b[9];
}
const srt_op srt_op_small = { "SMALL", small_eval };
const srt_op srt_op_deep = { .name = "DEEP", .eval = deep_eval };
const srt_op srt_op_mid = { "MID", mid_eval };
static const srt_op *const ops[3] = { &srt_op_small, &srt_op_deep, &srt_op_mid };

int __attribute__((noinline)) run(int x)
{
    volatile uint8_t guard[16];
    guard[0] = (uint8_t)x;
    int acc = 0;
    for (uint32_t i = 0; i < 3; i++) {
        simprof_op_begin(i);
        acc += ops[i]->eval(x + (int)i + guard[0]);
        simprof_op_end(i);
    }
    return acc;
}

int main(void)
{
    volatile int sink = run(5);
    (void)sink;
    exit(0);
}
'''


@pytest.mark.qemu
def test_static_stack_equals_painted_stack_per_operator(tmp_path):
    from simprof.rt.stack_analysis import analyse
    from simprof.platforms import load
    from simprof.sim.build import build_firmware
    from simprof.sim.measure import measure_elf

    src = tmp_path / "app.c"
    src.write_text(APP)
    platform = load("stm32f4")
    fw = build_firmware(platform, [src], name="stack-vs-static", cache_dir=tmp_path / "cache")
    static = analyse(fw.stack_usage, fw.callgraph, [tmp_path], invoke_entry="run")["stack_bytes"]
    measured = measure_elf(fw.elf, platform)
    by_index = {o.index: o.stack_bytes for o in measured.operators}
    assert static == {"SMALL": by_index[0], "DEEP": by_index[1], "MID": by_index[2]}
    assert measured.stack_bytes == max(static.values())
