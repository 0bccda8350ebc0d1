"""`simprof report results.json`: re-render the HTML report of a validation run."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from simprof.core.errors import UsageError

NAME = "report"
HELP = "re-render report.html from a validation results.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, help="results.json written by simprof validate")
    parser.add_argument("--out", type=Path, help="HTML file (default: report.html beside results.json)")
    parser.add_argument("--timeline", action="append", default=[], metavar="MODEL",
                        help="model to draw per-operator timelines for (default: the worst three)")
    parser.add_argument("--markdown", type=Path, metavar="FILE",
                        help="also write the summary tables in Markdown (as in docs/accuracy.md)")


def run(args: argparse.Namespace) -> int:
    from simprof.core.outputs import write_text_atomic
    from simprof.flows.validate.report import render_html

    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {args.results}: {exc}", fix="pass the results.json of simprof validate") from None
    if not isinstance(results, dict) or "pairs" not in results or "summary" not in results:
        raise UsageError(f"{args.results} is not a simprof validate results file", fix="pass results.json")
    out = args.out or args.results.with_name("report.html")
    write_text_atomic(out, render_html(results, timeline_models=tuple(args.timeline)))
    print(f"wrote {out}")
    if args.markdown:
        from simprof.flows.validate.results import markdown_summary
        write_text_atomic(args.markdown, markdown_summary(results))
        print(f"wrote {args.markdown}")
    return 0
