"""The CMSIS-NN buffer-size rules exist twice: in C in simprof-rt's kernel set
(firmware/kernels_cmsis_nn/buffer_sizes.c) and in Python in the estimator
(estimator/cmsis_nn_rules.py). Both are compiled/run here on 3,000 random convolution geometries
(padding, strides, dilation, grouped filters, one-row inputs, one input channel) for each core
class: they must agree everywhere, not only on the corpus shapes (conv, depthwise, fully connected,
average pool, transpose conv with both its buffers, SVDF and BATCH_MATMUL sums). ~2 s."""
from __future__ import annotations

import random
import shutil
import subprocess

import pytest

from simprof.estimator import cmsis_nn_rules as rules
from simprof.firmware import SOURCE_DIR

DRIVER = r"""#include <stdio.h>
#include "cmsis_nn.h"
int main(void) {
  cn_geom g;
  while (scanf("%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", &g.in_n, &g.in_h, &g.in_w, &g.in_c,
               &g.f_h, &g.f_w, &g.f_c, &g.out_h, &g.out_w, &g.out_c, &g.pad_h, &g.pad_w, &g.stride_h,
               &g.stride_w, &g.dil_h, &g.dil_w) == 16) {
    for (int core = 0; core < 3; ++core) {
      cn_geom d = g;
      d.f_c = g.out_c;
      cn_geom t = g;
      t.f_c = g.in_c;
      printf("%d %d %d %d %d %d %d %d ", cn_conv_s8_buffer(core, &g), cn_dw_s8_buffer(core, &d),
             cn_fc_s8_buffer(core, g.out_c), cn_avgpool_s8_buffer(core, g.in_c), cn_tconv_s8_buffer(core, &t),
             cn_tconv_s8_reverse_buffer(&t), cn_svdf_s8_buffer(core, g.out_c), cn_bmm_s8_buffer(core, g.out_c));
    }
    printf("\n");
  }
  return 0;
}
"""


def _geometries(count: int) -> list[tuple[int, ...]]:
    rnd = random.Random(11)
    out = []
    while len(out) < count:
        n, h, w = rnd.choice([1, 1, 2]), rnd.choice([1, 1, 3, 8]), rnd.randint(1, 12)
        c = rnd.choice([1, 2, 3, 4, 5, 8, 16, 17, 20])
        fh, fw = rnd.choice([1, 1, 3, 5]), rnd.choice([1, 2, 3, 5])
        fc = rnd.choice([c, c, max(1, c // 2)])
        oc, sh, sw = rnd.choice([c, 2 * c, 7]), rnd.choice([1, 2, 3]), rnd.choice([1, 2, 3, 4])
        dh, dw, same = rnd.choice([1, 1, 2]), rnd.choice([1, 1, 2]), rnd.choice([True, False])
        eh, ew = (fh - 1) * dh + 1, (fw - 1) * dw + 1
        oh, ow = ((h + sh - 1) // sh, (w + sw - 1) // sw) if same else ((h - eh + sh) // sh, (w - ew + sw) // sw)
        if oh > 0 and ow > 0:
            ph, pw = max((oh - 1) * sh + eh - h, 0) // 2, max((ow - 1) * sw + ew - w, 0) // 2
            out.append((n, h, w, c, fh, fw, fc, oh, ow, oc, ph, pw, sh, sw, dh, dw))
    return out


def _python(core: str, r: tuple[int, ...]) -> list[int]:
    g = rules._Geom.__new__(rules._Geom)
    (g.in_n, g.in_h, g.in_w, g.in_c, g.f_h, g.f_w, g.f_c, g.out_h, g.out_w, g.out_c,
     g.pad_h, g.pad_w, g.stride_h, g.stride_w, g.dil_h, g.dil_w) = r
    d = rules._Geom.__new__(rules._Geom)
    d.__dict__.update(g.__dict__)
    d.f_c = g.out_c
    t = rules._TconvGeom.__new__(rules._TconvGeom)
    t.__dict__.update(g.__dict__)
    t.f_c = g.in_c
    mve_sums = 4 * g.out_c if core == "mve" else 0   # arm_svdf_s8 / arm_fully_connected_s8 get_buffer_size
    return [rules.conv_s8_buffer(core, g), rules.dw_s8_buffer(core, d), 4 * g.out_c if core == "mve" else 0,
            4 * g.in_c if core == "dsp" else 0, rules.tconv_s8_buffer(core, t), rules.tconv_s8_reverse_buffer(t),
            mve_sums, mve_sums]


def test_c_and_python_rules_agree(tmp_path):
    cc = shutil.which("gcc")
    if cc is None:
        pytest.fail("no host C compiler (gcc): scripts/setup.sh installs it")
    (tmp_path / "driver.c").write_text(DRIVER)
    exe = tmp_path / "rules"
    subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{SOURCE_DIR / 'kernels_cmsis_nn'}",
                    f"-I{SOURCE_DIR / 'kernels'}", f"-I{SOURCE_DIR / 'runtime'}", str(tmp_path / "driver.c"),
                    str(SOURCE_DIR / "kernels_cmsis_nn" / "buffer_sizes.c"), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    geoms = _geometries(3000)
    out = subprocess.run([str(exe)], input="\n".join(" ".join(map(str, g)) for g in geoms) + "\n",
                         check=True, capture_output=True, text=True).stdout.splitlines()
    assert len(out) == len(geoms)
    for g, line in zip(geoms, out):
        c = list(map(int, line.split()))
        want = _python("none", g) + _python("dsp", g) + _python("mve", g)
        assert c == want, g
