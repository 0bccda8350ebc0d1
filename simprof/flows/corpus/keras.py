"""Optional: the same families built as Keras models and converted by TensorFlow's TFLite converter
(full-integer int8 with a representative dataset), for comparing our writer with the real converter.

Needs `tensorflow-cpu` (the `tensorflow` extra); nothing else in simprof imports TensorFlow. Batch
size is fixed to 1, otherwise Keras adds SHAPE/STRIDED_SLICE/PACK ops (DESIGN.md §7).
Checked by hand with tensorflow-cpu 2.21 (8 models: all run in TFLM's host interpreter, and the
estimator matches the wheel's print_allocations() on the 7 of them that fit stm32f4, via
`simprof validate --measure host`);
the unit tests cover only the missing-TF error path, since TF is not a test dependency.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from simprof.core.errors import ToolchainError, UsageError
from simprof.core.outputs import write_bytes_atomic, write_json_atomic

from .families import FAMILIES
from .stats import model_stats

KERAS_FAMILIES = ("dscnn", "autoencoder", "unas_chain", "resnet8")


def _tf():
    try:
        import tensorflow as tf  # noqa: PLC0415 (optional heavy dependency)
    except ImportError:
        raise ToolchainError("TensorFlow is not installed (--tensorflow needs tensorflow-cpu)",
                             fix="pip install 'simprof[tensorflow]', or drop --tensorflow") from None
    return tf


def _keras_model(tf, family: str, p: dict[str, Any]):
    # He init with a small positive bias keeps random ReLU stacks alive, and a wide last layer gives
    # logits a real range: with near-constant logits the converter picks a softmax input scale so
    # small that TFLM aborts in Prepare (QuantizeMultiplierGreaterThanOne), seen with TF 2.21.
    import functools
    he = dict(kernel_initializer="he_normal", bias_initializer=tf.keras.initializers.Constant(0.01))
    base = tf.keras.layers
    L = type("Layers", (), {k: getattr(base, k) for k in dir(base) if not k.startswith("_")})
    for name in ("Conv2D", "DepthwiseConv2D", "Dense"):
        setattr(L, name, functools.partial(getattr(base, name), **(
            {"depthwise_initializer": "he_normal", "bias_initializer": he["bias_initializer"]}
            if name == "DepthwiseConv2D" else he)))
    logits = functools.partial(base.Dense, kernel_initializer=tf.keras.initializers.RandomNormal(stddev=1.0))
    if family == "autoencoder":
        x = inp = L.Input((p["input"],), batch_size=1)
        for units in [*p["hidden"], p["bottleneck"], *p["hidden"]]:
            x = L.Dense(units, activation="relu")(x)
        return tf.keras.Model(inp, L.Dense(p["input"])(x))
    x = inp = L.Input(tuple(p["input"]), batch_size=1)
    if family == "dscnn":
        x = L.Conv2D(p["filters"], (10, 4), 2, "same", activation="relu")(x)
        for _ in range(p["blocks"]):
            x = L.DepthwiseConv2D(3, 1, "same", activation="relu")(x)
            x = L.Conv2D(p["filters"], 1, activation="relu")(x)
        x = L.Flatten()(L.AveragePooling2D(x.shape[1:3])(x))
    elif family == "resnet8":
        x = L.Conv2D(p["base"], 3, 1, "same", activation="relu")(x)
        for stack in range(p["stacks"]):
            f, s = p["base"] * 2 ** stack, 1 if stack == 0 else 2
            y = L.Conv2D(f, 3, s, "same", activation="relu")(x)
            y = L.Conv2D(f, 3, 1, "same")(y)
            short = x if s == 1 and x.shape[-1] == f else L.Conv2D(f, 1, s)(x)
            x = L.ReLU()(L.Add()([short, y]))
        x = L.Flatten()(L.AveragePooling2D(x.shape[1:3])(x))
    else:  # unas_chain
        for layer in p["layers"]:
            if layer["op"] == "conv":
                x = L.Conv2D(layer["filters"], layer["kernel"], layer["stride"], "same", activation="relu")(x)
            elif layer["op"] == "dw":
                x = L.DepthwiseConv2D(layer["kernel"], layer["stride"], "same", activation="relu")(x)
            elif layer["op"] == "pool":
                pool = L.MaxPooling2D if layer["pool"] == "max" else L.AveragePooling2D
                x = pool(2, layer["stride"], "same")(x)
            else:
                y = L.Conv2D(layer["filters"], layer["kernel"], 1, "same", activation="relu")(x)
                x = L.ReLU()(L.Add()([x, L.Conv2D(x.shape[-1], layer["kernel"], 1, "same")(y)]))
        x = L.GlobalAveragePooling2D()(x)
    classes = p.get("classes", 10)
    return tf.keras.Model(inp, L.Softmax()(logits(classes)(x)))


def convert_int8(tf, model, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    shape = tuple(model.inputs[0].shape)

    def representative():
        for _ in range(16):
            yield [rng.uniform(-1, 1, shape).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


def generate_keras(out: Path, count: int, seed: int, families: tuple[str, ...] = ()) -> dict:
    tf = _tf()
    fams = list(families) or list(KERAS_FAMILIES)
    bad = [f for f in fams if f not in KERAS_FAMILIES]
    if bad:
        raise UsageError(f"no Keras builder for {', '.join(bad)}", fix=f"use some of {', '.join(KERAS_FAMILIES)}")
    entries = []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        fam = fams[i % len(fams)]
        params = FAMILIES[fam].sample(rng)
        tf.keras.utils.set_random_seed(seed * 100_003 + i)
        data = convert_int8(tf, _keras_model(tf, fam, params), seed + i)
        name = f"{i:04d}_{fam}_int8_tf"
        write_bytes_atomic(out / f"{name}.tflite", data)
        entries.append({"name": name, "file": f"{name}.tflite", "family": fam, "dtype": "int8", "params": params,
                        "converter": f"tensorflow {tf.__version__}", "sha256": hashlib.sha256(data).hexdigest(),
                        **model_stats(data).to_json()})
    manifest = {"version": 1, "generator": "simprof corpus generate --tensorflow", "seed": seed, "models": entries}
    write_json_atomic(out / "manifest.json", manifest)
    return manifest
