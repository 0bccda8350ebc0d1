"""`simprof validate`: estimate and measure every (model, platform) pair that fits, cached and
resumable, on a local process pool or a dask.distributed cluster; results.json/csv + HTML report.

    from simprof.flows.validate import ValidateOptions, validate
    results = validate(ValidateOptions(models_dir, ("stm32f4",), estimators={"simprof": fn}, measure=fn2, out=out))

Estimators and the measurement are injected callables (model_path, platform_id) -> dict with the
common JSON keys; `simprof.flows.validate.adapters` has the defaults, `simprof.flows.validate.measure` the QEMU
measurement (simprof-rt image built once per platform, painted run, two-run minimum-arena check).
"""
from .runner import ModelRef, ValidateOptions, discover_models, validate  # noqa: F401
from .tasks import PlatformBudget, Task, fit_decision, run_task  # noqa: F401
