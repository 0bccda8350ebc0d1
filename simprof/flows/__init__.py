"""Flows: multi-step procedures built on the estimator, the model format and simprof-rt."""
