"""Models for tests and validation, written without TensorFlow.

- `builder`: typed graph builder producing .tflite bytes (ModelBuilder, SubgraphBuilder, Quant).
- `layers`: Graph, layer helpers with realistic int8 quantization on top of the builder.
- `opmodels`: one small deterministic model per operator and type.
- `check`: run a model in TFLM's host interpreter, isolated in a child process.
"""
