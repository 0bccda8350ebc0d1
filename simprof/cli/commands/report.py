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
    from simprof.core.outputs import check_output, write_text_atomic
    from simprof.flows.validate.report import render_html

    out = args.out or args.results.with_name("report.html")
    check_output(out, inputs=[args.results], what="report")      # every output before writing any
    if args.markdown:
        check_output(args.markdown, inputs=[args.results, out], what="--markdown file")

    try:
        results = json.loads(args.results.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {args.results}: {exc}", fix="pass the results.json of simprof validate") from None
    from simprof.flows.validate.schema import check_results
    check_results(results, str(args.results))
    try:
        html = render_html(results, timeline_models=tuple(args.timeline))
        if args.markdown:
            from simprof.flows.validate.results import markdown_summary
            markdown = markdown_summary(results)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        # check_results covers the fields we know of; a file edited in ways it does not foresee
        # still gets one line
        raise UsageError(f"{args.results} has a missing or malformed field ({type(exc).__name__}: {exc})",
                         fix="pass the results.json written by simprof validate (or rerun validate)") from None
    write_text_atomic(out, html)
    print(f"wrote {out}")
    if args.markdown:
        write_text_atomic(args.markdown, markdown)
        print(f"wrote {args.markdown}")
    return 0
