"""simprof: how much RAM a TFLite Micro model needs on a microcontroller, estimated and measured."""
__version__ = "0.1.0"

_API_NAMES = ("estimate", "measure", "fit")


def __getattr__(name: str):
    # `simprof.estimate` / `simprof.measure` come from simprof.api, imported on first use so that
    # `import simprof` stays light (no numpy, no estimator) for the CLI's start-up.
    if name in _API_NAMES:
        from simprof import api
        return getattr(api, name)
    raise AttributeError(f"module 'simprof' has no attribute {name!r}")
