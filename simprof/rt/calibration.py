"""The measured half of a calibration: run calibration models (the corpus op-models, one per
operator and type, never the validation corpus) on the platform's simprof-rt image under QEMU and
derive the stack figures the estimator combines exactly as the measurement defines stack_bytes.

The measurement (sim/measure.py, docs/measurement.md) counts the stack from the top of the stack
region over the whole run, setup included. So, per calibration model, two painted runs:

* the normal run (setup + one inference) with the per-operator markers: the whole-run stack and,
  per top-level operator, the stack from the top of the region while it ran;
* a setup-only run (image flag NO_INVOKE): the stack of everything that is not an operator's eval
  (reset, main, parse, prepare, planning, the report), from the top of the region.

Derivation (`derive`), every figure a painted peak:

* `stack_by_kernel[key]`: max over the calibration operators with that kernel key (op type and the
  dtypes of its first input and output, see `stack.kernel_key`) of the per-operator stack;
* `setup_by_depth[d]`: min over models whose subgraphs nest d levels of the setup-only stack (the
  path every model of that depth takes; the op-specific parse/prepare paths come next);
* `setup_by_kernel[key]`: min over the models containing `key` of the setup-only stack: the tightest
  bound the observations allow for "setup of a model with this kernel" (exact when some model holds
  the kernel with nothing deeper);
* `control_flow_extra[key]`: a control-flow operator's painted stack minus the deepest measured
  kernel of the subgraph it ran (the CF eval's own frames on top of the nested dispatch);
* `invoke_floor`: a whole-run stack neither setup nor any operator explains (0 when none).

The estimate of a model is then max(setup, operators, floor) with setup = max(setup_by_depth[d],
setup_by_kernel of its kernels): each term is a measured peak of a path the model takes.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from simprof.core.errors import BuildError, SimprofError
from simprof.rt import protocol, runner
from simprof.rt.image import FirmwareImage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalibrationRun:
    """What two painted runs of one calibration model gave (bytes from the top of the stack)."""
    model: str
    depth: int                              # subgraph nesting depth of the model
    kernels: tuple[str, ...]                # kernel keys of every operator, all subgraphs
    top_ops: tuple[tuple[int, str], ...]    # (index, kernel key) of subgraph 0's operators
    cf_inner: dict = field(default_factory=dict)   # top-level CF index -> kernel keys it runs
    whole_stack: int = 0
    setup_stack: int = 0
    op_stacks: dict = field(default_factory=dict)  # top-level index -> painted stack
    static_bytes: int = 0


def derive(runs: list[CalibrationRun], static_from_elf: int) -> dict:
    """The measured block of a calibration file from the runs (pure: unit-tested on fixtures)."""
    if not runs:
        raise BuildError("no calibration model could be measured", fix="check `simprof measure` on an op-model")
    bad = sorted({r.static_bytes for r in runs if r.static_bytes != static_from_elf})
    if bad:
        raise BuildError(f"static RAM of the painted runs ({bad}) differs from the ELF's ({static_from_elf} B)",
                         fix="the measurement and the calibration must use the same image; rebuild it")
    stack: dict = {}
    for r in runs:
        for index, key in r.top_ops:
            if index in r.op_stacks:
                stack[key] = max(stack.get(key, 0), r.op_stacks[index])
    by_depth: dict = {}
    by_kernel: dict = {}
    for r in runs:
        by_depth[r.depth] = min(by_depth.get(r.depth, r.setup_stack), r.setup_stack)
        for key in set(r.kernels):
            by_kernel[key] = min(by_kernel.get(key, r.setup_stack), r.setup_stack)
    extra: dict = {}
    for r in runs:
        for index, inner in r.cf_inner.items():
            key = dict(r.top_ops)[index]
            if index not in r.op_stacks or not inner or any(k not in stack for k in inner):
                continue
            e = r.op_stacks[index] - max(stack[k] for k in inner)
            extra[key] = max(extra.get(key, e), e)
    floor = 0
    residual: dict = {}
    for r in runs:
        explained = max([r.setup_stack] + list(r.op_stacks.values()))
        if r.whole_stack != explained:
            residual[r.model] = r.whole_stack - explained
        if r.whole_stack > explained:
            floor = max(floor, r.whole_stack)
    return {
        "stack_by_kernel": dict(sorted(stack.items())),
        "setup_by_depth": {str(d): v for d, v in sorted(by_depth.items())},
        "setup_by_kernel": dict(sorted(by_kernel.items())),
        "control_flow_extra": dict(sorted(extra.items())),
        "invoke_floor": floor,
        "static_bytes": static_from_elf,
        "models": len(runs),
        # whole-run stack minus max(setup-only, operators), per calibration model where not 0
        "unexplained_whole_run": residual,
    }


def _run_of(name: str, data: bytes, img: FirmwareImage) -> CalibrationRun:
    from simprof.estimator.estimate import nesting_depth
    from simprof.estimator.lifetimes import CONTROL_FLOW
    from simprof.estimator.stack import kernel_key
    from simprof.model.reader import read_model

    g = read_model(data, name)
    kernels = tuple(kernel_key(sg, op) for sg in g.subgraphs for op in sg.operators)
    main = g.subgraphs[0]
    top = tuple((op.index, kernel_key(main, op)) for op in main.operators)
    cf_inner = {}
    for op in main.operators:
        inner = []
        for f in CONTROL_FLOW.get(op.opcode, ()):
            child = op.opt(f)
            if child is not None and 0 < child < len(g.subgraphs):
                inner += [kernel_key(g.subgraphs[child], o) for o in g.subgraphs[child].operators]
        if inner:
            cf_inner[op.index] = tuple(inner)
    full = runner.measure_model(data, img.platform, kernels=img.kernels, reference=False, per_operator=True,
                                graph=g)
    setup, report, _ = runner.paint_model(img, data, b"", flags=protocol.image_flag("NO_INVOKE"), per_operator=False)
    if not report.ok:
        raise BuildError(f"setup-only run of {name} failed: {report.message}", fix="see the message")
    return CalibrationRun(name, nesting_depth(g), kernels, top, cf_inner, full.stack_bytes, setup.stack_bytes,
                          {o.index: o.stack_bytes for o in full.operators}, full.static_bytes)


def measure_runs(img: FirmwareImage, models) -> tuple[list[CalibrationRun], dict]:
    """Paint every calibration model (name, bytes) on `img` (the platform's simprof-rt image).
    Returns the runs and {model: reason} for the ones the image could not run."""
    runs, skipped = [], {}
    for name, data in models:
        try:
            runs.append(_run_of(name, data, img))
        except SimprofError as exc:
            log.info("calibration model %s not measured: %s", name, exc.one_line())
            skipped[name] = exc.one_line()
    return runs, skipped
