"""Static side of simprof: peak RAM of a .tflite model without running it.

`estimate(model, platform=..., runtime=..., abi=..., kernels=...) -> Estimate` (estimator/estimate.py).
"""
from .estimate import estimate  # noqa: F401
from simprof.core.results import Estimate, OpEstimate  # noqa: F401
