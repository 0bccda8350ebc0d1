"""`simprof calibrate --elf app.elf`: learn the stack and static RAM of the user's own TFLM
application, so that estimates of other models are exact for that firmware
(docs/your-firmware.md).

Two painted runs of the ELF under the emulator:
  1. to the first `simprof_op_begin`: the stack of everything before the first operator
     (start-up, interpreter construction, AllocateTensors) - the app's setup stack;
  2. to the stop symbol with per-operator marks: each operator's stack (its kernel path), the
     whole-run stack and the static RAM (.data + .bss + .noinit without the arena).
Without the markers (no simprof_tflm_profiler.h in the app) only the whole-run stack is known:
it is recorded as the setup stack and used for any model.

The result is a calibration file (estimator/stack.py format, "kind": "firmware") written to
--out or to the user's cache directory under a name; `simprof estimate --calibration NAME`
reads it back.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from simprof.core.errors import ModelFormatError, UsageError

log = logging.getLogger(__name__)

OP_BEGIN = "simprof_op_begin"


@dataclass(frozen=True)
class FirmwareCalibration:
    path: Path
    name: str
    static_bytes: int
    setup_stack_bytes: int
    whole_run_stack_bytes: int
    stack_by_kernel: dict
    per_operator: bool


def find_model_in_elf(elf: Path) -> bytes | None:
    """The .tflite flatbuffer linked into the ELF (identifier TFL3 at offset 4 of a 4-aligned
    start), with the rest of its section after it; None when there is none."""
    from elftools.elf.elffile import ELFFile

    from simprof.model.reader import read_model

    with open(elf, "rb") as fh:
        for sec in ELFFile(fh).iter_sections():
            if sec["sh_type"] != "SHT_PROGBITS" or not sec["sh_flags"] & 0x2:   # allocated data/code
                continue
            data = sec.data()
            at = data.find(b"TFL3")
            while at >= 4:
                start = at - 4
                if start % 4 == 0:
                    try:
                        read_model(data[start:])
                        return data[start:]
                    except Exception:  # noqa: BLE001 - a stray "TFL3" string: keep looking
                        pass
                at = data.find(b"TFL3", at + 1)
    return None


def _model_keys(graph) -> dict:
    """(subgraph, operator) -> kernel key, for every subgraph (control-flow operators run the others)."""
    from simprof.estimator.stack import kernel_key

    return {(sg.index, op.index): kernel_key(sg, op) for sg in graph.subgraphs for op in sg.operators}


def _control_flow_extra(graph, measured: dict, keys: dict) -> dict:
    """Kernel key of a control-flow operator -> its stack minus the deepest operator of the subgraphs
    it ran (what it adds itself), for the runs where its subgraph's operators were marked."""
    from simprof.estimator.lifetimes import CONTROL_FLOW

    extra: dict = {}
    for sg in graph.subgraphs:
        for op in sg.operators:
            if (sg.index, op.index) not in measured:
                continue
            subs = [op.opt(f) for f in CONTROL_FLOW.get(op.opcode, ())]
            inner = [measured[(s, o.index)] for s in subs if s is not None and 0 <= s < len(graph.subgraphs)
                     for o in graph.subgraphs[s].operators if (s, o.index) in measured]
            if inner:
                key = keys[(sg.index, op.index)]
                extra[key] = max(extra.get(key, 0), max(0, measured[(sg.index, op.index)] - max(inner)))
    return extra


def calibrate_elf(elf: Path, platform_id: str, *, model: Path | None = None, name: str | None = None,
                  out_dir: Path | None = None, symbols=None, timeout_s: float = 30.0,
                  emulator: str = "qemu", command: str | None = None) -> FirmwareCalibration:
    from simprof.estimator.stack import SCHEMA_VERSION, user_calibration_dir
    from simprof.core.outputs import write_json_atomic
    from simprof.platforms import load
    from simprof.sim.elf import read_elf
    from simprof.sim.layout import SymbolConventions
    from simprof.sim.measure import measure_elf

    elf = Path(elf)
    if not elf.is_file():
        raise UsageError(f"firmware ELF {elf} does not exist", fix="check the path")
    platform = load(platform_id)
    symbols = symbols or SymbolConventions()
    if model is not None:
        try:
            model_bytes = Path(model).read_bytes()
        except OSError as exc:
            raise ModelFormatError(f"cannot read model {model}: {exc.strerror}", fix="check the path") from None
    else:
        model_bytes = find_model_in_elf(elf)
    has_markers = read_elf(elf).address(OP_BEGIN) is not None
    graph = None
    if has_markers and model_bytes is not None:
        from simprof.model.reader import read_model
        graph = read_model(model_bytes)
    # With the model, marks are mapped to (subgraph, operator) by their nesting (simprof.sim.opmarks);
    # marks that do not fit it raise there, naming both counts.
    full = measure_elf(elf, platform, symbols=symbols, timeout_s=timeout_s, per_operator=has_markers,
                       emulator=emulator, graph=graph)
    stack_by_kernel: dict = {}
    control_flow_extra: dict = {}
    if has_markers and full.operators:
        if graph is None:
            raise UsageError(f"{elf} has per-operator marks but no .tflite model could be found in it",
                             fix="pass --model with the model the application runs")
        setup = measure_elf(elf, platform, symbols=_stop_at(symbols, OP_BEGIN), timeout_s=timeout_s,
                            per_operator=False, check_exit=False, emulator=emulator).stack_bytes
        keys = _model_keys(graph)
        measured = {(op.subgraph, op.index): op.stack_bytes for op in full.operators}
        for where, stack in measured.items():
            stack_by_kernel[keys[where]] = max(stack_by_kernel.get(keys[where], 0), stack)
        control_flow_extra = _control_flow_extra(graph, measured, keys)
    else:
        setup = full.stack_bytes   # whole-run marks only
    name = name or elf.stem
    by_op: dict = {}
    for key, v in stack_by_kernel.items():
        by_op[key.split("/")[0]] = max(by_op.get(key.split("/")[0], 0), v)
    digest = hashlib.sha256(elf.read_bytes()).hexdigest()
    data = {
        "schema_version": SCHEMA_VERSION, "kind": "firmware", "name": name, "platform": platform_id,
        "runtime": "tflm", "kernels": "firmware",
        "provenance": {
            "command": command or f"simprof calibrate --elf {elf.name} --platform {platform_id}",
            "elf": str(elf.resolve()), "elf_sha256": digest, "emulator": emulator,
            "per_operator_marks": bool(stack_by_kernel),
            "model": str(model) if model else ("found in the ELF" if model_bytes else None),
            "generated": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "method": "painted under the emulator: stack to the first simprof_op_begin (setup), per "
                      "operator between simprof_op_begin/end, static RAM from the ELF",
        },
        "static_bytes": full.static_bytes,
        "stack_setup_bytes": setup,
        "stack_bytes": by_op if stack_by_kernel else {},
        "whole_run_stack_bytes": full.stack_bytes,
        "measured": {
            "firmware_hash": f"elf:{digest}",
            "stack_by_kernel": stack_by_kernel,
            "setup_by_depth": {"0": setup},
            "setup_by_kernel": {k: setup for k in stack_by_kernel},
            "control_flow_extra": control_flow_extra,
            # without marks the whole run is all we know: it bounds any model's run
            "invoke_floor": 0 if stack_by_kernel else full.stack_bytes,
            "static_bytes": full.static_bytes,
        },
    }
    path = Path(out_dir or user_calibration_dir()) / f"{name}.json"
    write_json_atomic(path, data)
    return FirmwareCalibration(path, name, full.static_bytes, setup, full.stack_bytes, stack_by_kernel,
                               bool(stack_by_kernel))


def _stop_at(symbols, name: str):
    from dataclasses import replace

    return replace(symbols, stop=(name,))
