"""The builtin operators the `tflite-micro` wheel's interpreter registers, found by asking it.

The wheel's Python interpreter is built with an op resolver that is not exposed to Python, so each
builtin code of the schema is tried in turn: a one-operator model with that code is handed to the
interpreter in a forked child, and TFLM's "Didn't find op for builtin opcode" message (printed
before any kernel runs) tells an unregistered code from a registered one, whatever else then fails.
~2 s for the ~210 codes.

    python firmware/tools/wheel_ops.py        # prints the registered names, one a line
"""
from __future__ import annotations

import os

import flatbuffers

_NOT_FOUND = b"Didn't find op for builtin opcode"


def _one_op_model(schema, code: int) -> bytes:
    m = schema.ModelT()
    m.version = 3
    oc = schema.OperatorCodeT()
    oc.builtinCode = code
    oc.deprecatedBuiltinCode = min(code, 127)  # 127 = PLACEHOLDER_FOR_GREATER_OP_CODES
    oc.version = 1
    m.operatorCodes = [oc]
    sg = schema.SubGraphT()
    sg.tensors, sg.inputs, sg.outputs = [], [], []
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [], []
    sg.operators = [op]
    m.subgraphs = [sg]
    m.buffers = [schema.BufferT()]
    b = flatbuffers.Builder(1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def _child_output(model: bytes) -> bytes:
    """Everything the interpreter prints while loading `model`, from a forked child (it may crash)."""
    from tflite_micro.python.tflite_micro import runtime

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        try:
            os.close(r)
            os.dup2(w, 1)
            os.dup2(w, 2)
            import faulthandler  # a crash on a bogus model must not dump a traceback anywhere

            faulthandler.disable()
            try:
                runtime.Interpreter.from_bytes(model, arena_size=65536)
            except BaseException as exc:  # noqa: BLE001 - the message is the answer
                os.write(w, str(exc).encode(errors="replace"))
        finally:
            os._exit(0)
    os.close(w)
    out = b""
    while chunk := os.read(r, 65536):
        out += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return out


def registered_builtin_ops() -> list[str]:
    """Names of the builtin operators the wheel's interpreter resolves (CUSTOM excluded)."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    found = []
    for code in sorted(names):
        if names[code] == "CUSTOM":  # custom ops are looked up by name, not a builtin
            continue
        if _NOT_FOUND not in _child_output(_one_op_model(schema, code)):
            found.append(names[code])
    return found


if __name__ == "__main__":
    print("\n".join(registered_builtin_ops()))
