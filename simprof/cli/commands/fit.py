"""`simprof fit`: make a model fit a RAM budget (docs/fit.md).

    simprof fit model.tflite --platform ID [--arena-budget N | --ram-budget N] [--data val.npz]
                [--min-accuracy A | --max-drop D] [--out fitted.tflite] [--json OUT] [--html OUT]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "fit"
SHARED = ("platform", "json")
HELP = ("make a .tflite model fit a RAM budget: operator order and offline memory plan (lossless), "
        "then channel pruning under an accuracy floor; the result is measured under QEMU")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help="the .tflite model")
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--arena-budget", metavar="N", help="bound on the smallest working arena: bytes, 96KiB, 75%% "
                   "or 0.75 of the current figure")
    g.add_argument("--ram-budget", metavar="N", help="bound on static + arena + stack (default: the part's RAM)")
    parser.add_argument("--data", type=Path, metavar="VAL.npz",
                        help="inputs `x` (or x0, x1...) and optional labels `y`; default: 32 seeded random inputs")
    a = parser.add_mutually_exclusive_group()
    a.add_argument("--min-accuracy", type=float, metavar="A", help="accuracy floor (labelled accuracy with labels, "
                   "else top-1 agreement with the original)")
    a.add_argument("--max-drop", type=float, metavar="D", help="largest accuracy drop allowed")
    parser.add_argument("--guidance", default="simprof", help="estimate that guides the fit: simprof (default), "
                        "unas, mcunet or tflm-host (for comparison; arena budgets only)")
    parser.add_argument("--keras", type=Path, metavar="MODEL.keras",
                        help="prune and fine-tune the Keras model instead (not implemented yet: exits with an error)")
    parser.add_argument("--out", type=Path, metavar="FITTED.tflite", help="write the fitted model")
    parser.add_argument("--html", type=Path, metavar="OUT", help="write the report as HTML")
    parser.add_argument("--no-measure", action="store_true", help="skip the QEMU proof")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs without --data")


def run(args: argparse.Namespace) -> int:
    from simprof.core.errors import BudgetExceeded, UsageError
    from simprof.flows.fit import fit
    from simprof.flows.fit.report import html, text
    from simprof.core.outputs import write_bytes_atomic, write_json_atomic, write_text_atomic

    if args.keras is not None:
        raise UsageError("--keras (prune and fine-tune the Keras model) is not implemented yet",
                         fix="fit the converted .tflite model instead")
    r = fit(args.model, args.platform, arena_budget=args.arena_budget, ram_budget=args.ram_budget,
            data=args.data, min_accuracy=args.min_accuracy, max_drop=args.max_drop, guidance=args.guidance,
            measure=not args.no_measure, seed=args.seed)
    if args.out:
        write_bytes_atomic(args.out, r.fitted)
    if args.json:
        write_json_atomic(args.json, r.to_json())
    if args.html:
        write_text_atomic(args.html, html(r))
    sys.stdout.write(text(r))
    if r.proof is not None and not r.proof.fits:
        raise BudgetExceeded(f"the fitted model measured {r.proof.arena_min_bytes:,} B of arena "
                             f"({r.proof.total_bytes:,} B RAM): over the {r.budget.kind} budget of {r.budget.bytes:,} B",
                             fix="fit with simprof guidance (the default), or lower the budget")
    return 0
