"""The `Fit Model To Budget` keyword: `simprof.api.fit` with a failure when the measured result
does not fit."""
from __future__ import annotations

import logging
from pathlib import Path

from robotlibcore import keyword

from simprof import api
from simprof.flows.fit.report import text

from ._common import keyword_errors

log = logging.getLogger(__name__)


class FitKeywords:

    @keyword("Fit Model To Budget")
    @keyword_errors
    def fit_model_to_budget(self, model: str, platform: str, arena_budget: str | None = None,
                            ram_budget: str | None = None, data: str | None = None,
                            min_accuracy: float | None = None, max_drop: float | None = None,
                            out: str | None = None, measure: bool = True):
        """Makes ``model`` (a .tflite file) fit a budget on ``platform``: operator order and offline
        memory plan first (lossless), then channel pruning under an accuracy floor; the result is
        measured on simprof-rt under QEMU.

        ``arena_budget`` or ``ram_budget``: ``96KiB``, ``75%``, ``0.75`` (of the current figure) or
        bytes; without either, the part's RAM. ``data``: an .npz with inputs ``x`` and optional
        labels ``y``. ``min_accuracy`` / ``max_drop``: the accuracy floor. ``out``: where to write
        the fitted model. Fails with one line when the budget cannot be reached or the measured
        model does not fit. Returns the result: ``${r.proof.arena_min_bytes}``,
        ``${r.accuracy.top1_agreement}``, ``${r.steps}``, ``${r.layers}``.

        | ${r}= | Fit Model To Budget | models/kws.tflite | stm32f4 | arena_budget=75% |
        | Should Be True | ${r.proof.fits} |
        """
        r = api.fit(model, platform, arena_budget=arena_budget, ram_budget=ram_budget, data=data,
                    min_accuracy=None if min_accuracy is None else float(min_accuracy),
                    max_drop=None if max_drop is None else float(max_drop), measure=measure)
        log.info("%s", text(r))
        if out:
            from simprof.core.outputs import write_bytes_atomic
            write_bytes_atomic(out, r.fitted)
        if r.proof is not None and not r.proof.fits:
            raise ValueError(f"{Path(model).name}: fitted model measured {r.proof.arena_min_bytes:,} B of arena, "
                             f"over the {r.budget.kind} budget of {r.budget.bytes:,} B")
        return r
