"""Estimates with a firmware calibration (`simprof calibrate --elf`) whose model never ran some of
the estimated model's kernel paths: the operator takes the deepest figure of its op type, or, for
a type never run, the calibration's deepest operator; the whole-run stack stays known. The
calibration files are written here with figures chosen by construction. <1 s."""
from __future__ import annotations

import json

import pytest

from simprof.estimator import estimate
from simprof.flows.corpus import opmodels

# float_io_dscnn_block_int8 runs QUANTIZE, DEPTHWISE_CONV_2D, CONV_2D, MEAN, FULLY_CONNECTED,
# SOFTMAX and DEQUANTIZE; the calibration model below ran all but DEPTHWISE_CONV_2D.
MODEL = "float_io_dscnn_block_int8"
RAN = {"QUANTIZE/float32>int8": 500, "CONV_2D/int8": 900, "MEAN/int8": 400, "FULLY_CONNECTED/int8": 600,
       "SOFTMAX/int8": 700, "DEQUANTIZE/int8>float32": 300}
SETUP = 800


def _calibration(tmp_path, by_kernel: dict, invoke_floor: int = 0):
    by_op: dict = {}
    for key, v in by_kernel.items():
        by_op[key.split("/")[0]] = max(by_op.get(key.split("/")[0], 0), v)
    data = {
        "schema_version": 2, "kind": "firmware", "name": "app", "platform": "stm32f4", "runtime": "tflm",
        "kernels": "firmware", "provenance": {"command": "written by the test"},
        "static_bytes": 1000, "stack_setup_bytes": SETUP, "stack_bytes": by_op,
        "whole_run_stack_bytes": max([SETUP, invoke_floor] + list(by_kernel.values())),
        "measured": {"firmware_hash": "elf:test", "stack_by_kernel": by_kernel, "setup_by_depth": {"0": SETUP},
                     "setup_by_kernel": {k: SETUP for k in by_kernel}, "control_flow_extra": {},
                     "invoke_floor": invoke_floor, "static_bytes": 1000},
    }
    path = tmp_path / "app.json"
    path.write_text(json.dumps(data))
    return path


def _dw(e):
    [op] = [o for o in e.operators if o.opcode == "DEPTHWISE_CONV_2D"]
    return op


def test_op_type_never_run_takes_the_deepest_operator(tmp_path):
    e = estimate(opmodels.model(MODEL), "stm32f4", calibration=_calibration(tmp_path, RAN))
    assert _dw(e).stack_bytes == RAN["CONV_2D/int8"]
    assert e.stack_bytes == max([SETUP] + list(RAN.values()))
    assert e.total_bytes is not None and _dw(e).total_bytes is not None
    assert any("DEPTHWISE_CONV_2D not run by the calibration model 'app'; its deepest operator, 900 B "
               "(CONV_2D/int8), stands for it" in n for n in e.notes)


def test_other_kernel_path_of_a_type_run_takes_that_type(tmp_path):
    # the calibration model ran a float32 depthwise convolution, deeper than anything else
    ran = dict(RAN, **{"DEPTHWISE_CONV_2D/float32": 1100})
    e = estimate(opmodels.model(MODEL), "stm32f4", calibration=_calibration(tmp_path, ran))
    assert _dw(e).stack_bytes == 1100
    assert e.stack_bytes == 1100
    assert any("the deepest DEPTHWISE_CONV_2D it ran, 1,100 B, stands for it" in n for n in e.notes)


def test_without_marks_the_whole_run_stands_for_every_operator(tmp_path):
    e = estimate(opmodels.model(MODEL), "stm32f4", calibration=_calibration(tmp_path, {}, invoke_floor=1500))
    assert {o.stack_bytes for o in e.operators} == {1500}
    assert e.stack_bytes == 1500


@pytest.mark.parametrize("key", sorted(RAN))
def test_kernel_paths_it_ran_keep_their_figures(tmp_path, key):
    e = estimate(opmodels.model(MODEL), "stm32f4", calibration=_calibration(tmp_path, RAN))
    from simprof.estimator.stack import kernel_key
    from simprof.model.reader import read_model

    sg = read_model(opmodels.model(MODEL)).subgraphs[0]
    [index] = [op.index for op in sg.operators if kernel_key(sg, op) == key]
    assert e.operators[index].stack_bytes == RAN[key]


def test_a_control_flow_figure_does_not_stand_in_for_a_kernel(tmp_path):
    # a CALL_ONCE's figure holds the subgraph it ran: the deepest kernel stands in instead
    e = estimate(opmodels.model(MODEL), "stm32f4", calibration=_calibration(tmp_path, dict(RAN, CALL_ONCE=2400)))
    assert _dw(e).stack_bytes == RAN["CONV_2D/int8"]
