"""`simprof corpus`: write test and validation models without TensorFlow.

    simprof corpus generate OUT --count N --seed S [--families a,b] [--float-share F] [--check]
    simprof corpus preset NAME OUT.tflite        (e.g. kws_dscnn_int8, the README demo model)
    simprof corpus opmodels OUT                  (one small model per operator and type)
    simprof corpus families                      (list the generator's model families)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simprof.core.errors import UsageError

NAME = "corpus"
HELP = "generate .tflite models (families, presets, per-operator examples) without TensorFlow"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="corpus_command", metavar="ACTION")
    g = sub.add_parser("generate", help="a deterministic corpus of diverse models plus manifest.json")
    g.add_argument("out", type=Path, help="output folder")
    g.add_argument("--count", type=int, default=50, help="number of models (default 50)")
    g.add_argument("--seed", type=int, default=0, help="seed; same seed, same bytes (default 0)")
    g.add_argument("--families", default="", help="comma-separated subset of families (default: all)")
    g.add_argument("--float-share", type=float, default=0.2, help="share of float32 models (default 0.2)")
    g.add_argument("--check", action="store_true", help="run every model once in TFLM's host interpreter")
    g.add_argument("--no-calibrate", action="store_true",
                   help="int8 scales from statistics instead of the float twin's observed ranges (faster)")
    g.add_argument("--tensorflow", action="store_true",
                   help="build Keras models and convert them with TensorFlow (needs tensorflow-cpu)")
    p = sub.add_parser("preset", help="write one named model")
    p.add_argument("name", help="preset name (kws_dscnn_int8, ...)")
    p.add_argument("out", type=Path, help="output .tflite file")
    o = sub.add_parser("opmodels", help="write the per-operator example models")
    o.add_argument("out", type=Path, help="output folder")
    sub.add_parser("families", help="list model families and presets")


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "corpus_command", None)
    if action == "generate":
        return _generate(args)
    if action == "preset":
        from simprof.flows.corpus.generate import build_preset
        from simprof.core.outputs import check_output, write_bytes_atomic
        check_output(args.out, what="model file")
        write_bytes_atomic(args.out, build_preset(args.name))
        print(f"wrote {args.out}")
        return 0
    if action == "opmodels":
        from simprof.flows.corpus import opmodels
        from simprof.core.outputs import check_output_dir, write_bytes_atomic
        check_output_dir(args.out)
        for name, data in opmodels.all_models().items():
            write_bytes_atomic(args.out / f"{name}.tflite", data)
        print(f"wrote {len(opmodels.names())} models to {args.out}")
        return 0
    if action == "families":
        from simprof.flows.corpus.families import FAMILIES
        from simprof.flows.corpus.generate import PRESETS
        for fam in sorted(FAMILIES.values(), key=lambda f: f.name):
            print(f"{fam.name:16s} {fam.description}")
        print("presets: " + ", ".join(sorted(PRESETS)))
        return 0
    raise UsageError("missing action", fix="use: simprof corpus generate|preset|opmodels|families")


def _generate(args: argparse.Namespace) -> int:
    from simprof.core.outputs import check_output_dir
    check_output_dir(args.out)
    families = tuple(f.strip() for f in args.families.split(",") if f.strip())
    if args.tensorflow:
        from simprof.flows.corpus.keras import generate_keras
        manifest = generate_keras(args.out, args.count, args.seed, families)
        print(f"wrote {len(manifest['models'])} TensorFlow-converted models to {args.out}")
        return 0
    from rich.progress import Progress

    from simprof.flows.corpus.generate import GenerateOptions, generate
    options = GenerateOptions(out=args.out, count=args.count, seed=args.seed, families=families,
                              float_share=args.float_share, check=args.check, calibrate=not args.no_calibrate)
    with Progress(transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("generating", total=args.count)
        manifest = generate(options, lambda done, total, name: bar.update(task, completed=done, description=name))
    failed = [m["name"] for m in manifest["models"] if m.get("host_run", "ok") != "ok"]
    print(f"wrote {len(manifest['models'])} models and manifest.json to {args.out}")
    if failed:
        print(f"{len(failed)} models failed in the host interpreter: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
