"""Flows: the steps simprof runs for a user's goal (check, measure, validate, ...), each a driver
that calls the layers below (estimator, sim, simprof-rt host) through `simprof.api`."""
