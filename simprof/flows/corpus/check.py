"""Run a model in TFLM's host interpreter (the `tflite-micro` wheel), isolated in a child process.

The wheel can crash the whole process (segfault) on a bad model or a too-small arena, so
`run_isolated` forks a child per model and reports a crash as a result instead of dying with it.
"""
from __future__ import annotations

import multiprocessing as mp
import traceback
from dataclasses import dataclass, field

import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from simprof.model.builder import NUMPY_DTYPES

__all__ = ["RunResult", "io_signature", "random_inputs", "default_arena_size", "run_model", "run_isolated", "call_isolated", "tensor_ranges"]

_TYPE_NAMES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_ITEMSIZE = {getattr(schema.TensorType, k.upper()): v.itemsize for k, v in NUMPY_DTYPES.items()}


@dataclass(frozen=True)
class RunResult:
    ok: bool
    outputs: list[list[np.ndarray]] = field(default_factory=list)   # [invoke][output index]
    inputs: list[list[np.ndarray]] = field(default_factory=list)    # [invoke][input index]
    error: str = ""
    exitcode: int = 0


def io_signature(data: bytes) -> tuple[list[tuple[tuple[int, ...], str]], list[tuple[tuple[int, ...], str]]]:
    """([(shape, dtype)] of subgraph 0's inputs, same for outputs), read from the flatbuffer."""
    m = schema.Model.GetRootAsModel(data, 0)
    sg = m.Subgraphs(0)

    def sig(idx: int) -> tuple[tuple[int, ...], str]:
        t = sg.Tensors(idx)
        return tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else (), _TYPE_NAMES[t.Type()].lower()

    return ([sig(sg.Inputs(i)) for i in range(sg.InputsLength())],
            [sig(sg.Outputs(i)) for i in range(sg.OutputsLength())])


def random_inputs(data: bytes, seed: int = 0) -> list[np.ndarray]:
    """Uniform over the full integer range, or [-2, 2) for floats."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, dtype in io_signature(data)[0]:
        dt = NUMPY_DTYPES[dtype]
        if np.issubdtype(dt, np.integer):
            info = np.iinfo(dt)
            arrays.append(rng.integers(info.min, info.max, shape, endpoint=True).astype(dt))
        else:
            arrays.append(rng.uniform(-2.0, 2.0, shape).astype(dt))
    return arrays


def default_arena_size(data: bytes) -> int:
    """A generous arena, a multiple of 16 (see DESIGN.md §7), for running rather than measuring:
    every non-constant tensor of every subgraph side by side, plus room for the persistent tail."""
    model = schema.Model.GetRootAsModel(data, 0)
    total, count = 0, 0
    for s in range(model.SubgraphsLength()):
        sg = model.Subgraphs(s)
        for i in range(sg.TensorsLength()):
            t = sg.Tensors(i)
            count += 1
            if model.Buffers(t.Buffer()).DataLength() == 0 and t.Type() in _ITEMSIZE:
                shape = t.ShapeAsNumpy() if t.ShapeLength() else np.array([1])
                total += int(np.prod(shape, dtype=np.int64)) * _ITEMSIZE[t.Type()] + 16
    return (total + 256 * count + 64 * 1024 + 15) // 16 * 16


def run_model(data: bytes, inputs: list[list[np.ndarray]] | None = None, arena_size: int | None = None,
              invokes: int = 2, seed: int = 0) -> RunResult:
    """Runs in this process: `invokes` inferences with the given or random inputs."""
    from tflite_micro.python.tflite_micro import runtime

    feeds = inputs if inputs is not None else [random_inputs(data, seed + k) for k in range(invokes)]
    n_out = len(io_signature(data)[1])
    interp = runtime.Interpreter.from_bytes(data, arena_size=arena_size or default_arena_size(data))
    outs = []
    for feed in feeds:
        for i, x in enumerate(feed):
            interp.set_input(x, i)
        interp.invoke()
        outs.append([np.array(interp.get_output(j)) for j in range(n_out)])
    return RunResult(True, outs, feeds)


def tensor_ranges(data: bytes, feeds: list[list[np.ndarray]], arena_size: int | None = None) -> dict[str, tuple[float, float]]:
    """Observed (min, max) of every float32 activation of subgraph 0 over `feeds` (runs in this
    process): the calibration data of post-training quantization."""
    from tflite_micro.python.tflite_micro import runtime

    model = schema.Model.GetRootAsModel(data, 0)
    sg = model.Subgraphs(0)
    wanted = {}
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        if t.Type() == schema.TensorType.FLOAT32 and model.Buffers(t.Buffer()).DataLength() == 0:
            wanted[i] = t.Name().decode()
    interp = runtime.Interpreter.from_bytes(data, arena_size=arena_size or default_arena_size(data),
                                            intrepreter_config=runtime.InterpreterConfig.kPreserveAllTensors)
    ranges: dict[str, tuple[float, float]] = {}
    for feed in feeds:
        for i, x in enumerate(feed):
            interp.set_input(x, i)
        interp.invoke()
        for i, name in wanted.items():
            v = np.asarray(interp.GetTensor(i, 0)["tensor_data"])
            lo, hi = float(v.min()), float(v.max())
            old = ranges.get(name, (lo, hi))
            ranges[name] = (min(lo, old[0]), max(hi, old[1]))
    return ranges


def _child(conn, fn, args) -> None:  # pragma: no cover (runs in the child)
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # report every failure: the parent only sees this pipe
        conn.send((False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"))
    finally:
        conn.close()


def call_isolated(fn, *args, timeout: float = 60.0) -> tuple[bool, object, int]:
    """fn(*args) in a forked child: (ok, result or error text, exit code). A crash or hang of the
    TFLM wheel becomes ok=False instead of killing the caller."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args), daemon=True)
    proc.start()
    child.close()
    try:
        reply = None
        if parent.poll(timeout):
            try:
                reply = parent.recv()
            except EOFError:
                reply = None
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
            return False, f"timed out after {timeout} s", -9
        if reply is None:
            return False, f"child exited with code {proc.exitcode}", proc.exitcode or 0
        return reply[0], reply[1], proc.exitcode or 0
    finally:
        parent.close()


def run_isolated(data: bytes, inputs: list[list[np.ndarray]] | None = None, arena_size: int | None = None,
                 invokes: int = 2, seed: int = 0, timeout: float = 60.0) -> RunResult:
    """`run_model` in a forked child; a crash or hang becomes RunResult(ok=False)."""
    ok, value, code = call_isolated(run_model, data, inputs, arena_size, invokes, seed, timeout=timeout)
    return value if ok else RunResult(False, error=str(value), exitcode=code)
