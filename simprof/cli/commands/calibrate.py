"""`simprof calibrate`: derive a platform's stack and static-RAM constants from measurements and
write them, with provenance, where the estimator reads them (platforms/calibration/<id>.json).

    simprof calibrate --platform ID|all [--kernels reference] [--out DIR] [--static-only] [--allow-dirty]

Builds the platform's simprof-rt image, paints every corpus op-model on it under QEMU (per-operator
markers + a setup-only run) and records the painted figures beside the static-analysis bounds.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

SHARED = ("kernels",)
NAME = "calibrate"
HELP = "measure the stack per kernel path and static RAM of a platform's simprof-rt image for the estimator"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", required=True, help="platform id, or 'all'")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="directory for <platform>.json (default: platforms/calibration, read by the estimator)")
    parser.add_argument("--static-only", action="store_true",
                        help="no QEMU run: static-analysis bounds only (the estimator then uses those)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="calibrate from uncommitted firmware sources (provenance marked +dirty)")


def run(args: argparse.Namespace) -> int:
    from simprof.flows.calibrate import generate
    from simprof.platforms import ids

    platforms = list(ids()) if args.platform == "all" else [args.platform]
    out = Path(args.out) if args.out else None
    for pid in platforms:
        command = (f"simprof calibrate --platform {pid} --kernels {args.kernels}"
                   + (" --static-only" if args.static_only else "") + (" --allow-dirty" if args.allow_dirty else ""))
        path = generate(pid, args.kernels, out_dir=out, measure=not args.static_only,
                        allow_dirty=args.allow_dirty, command=command)
        print(path)
        sys.stdout.flush()
    return 0
