"""The self-contained HTML report of a validation run (inline SVG, inline CSS, no scripts, no
network). `render_html(results)` works from results.json alone, so `simprof report` re-renders it."""
from __future__ import annotations

from html import escape
from importlib import resources
from string import Template
from typing import Any, Mapping, Sequence

from . import svg
from .results import COMPONENTS, worst_cases

TIMELINE_KEYS = (("estimate", "total_bytes", "est. total"), ("estimate", "arena_head_bytes", "est. arena head"),
                 ("estimate", "stack_bytes", "est. stack"), ("measurement", "stack_bytes", "meas. stack"),
                 ("measurement", "arena_written_bytes", "meas. arena written"))


def _num(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:+.2f}"
    return f"{v:,}" if isinstance(v, int) else escape(str(v))


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_num(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary(results: Mapping[str, Any]) -> str:
    rows = []
    for name, s in results["summary"].items():
        comps = s.get("components", {})
        rows.append([name, s["pairs"], s["mean_abs_error_pct"], s["max_abs_error_pct"], s.get("mean_error_pct"),
                     *(comps.get(c, {}).get("mean_abs_error_pct") for c in ("arena", "stack", "static"))])
    return _table(["estimator", "pairs", "mean |error| %", "max |error| %", "mean error %",
                   "arena mean |err| %", "stack mean |err| %", "static mean |err| %"], rows)


def _timelines(results: Mapping[str, Any], chosen: Sequence[str]) -> str:
    pairs = [p for p in results["pairs"] if p.get("measurement") or p.get("estimates")]
    if chosen:
        picked = [p for p in pairs if p["model"] in chosen]
    else:  # the worst pairs of the fit estimator, one per model
        worst = worst_cases(results, results.get("fit_estimator", "simprof"), n=20)
        seen, picked = set(), []
        for w in worst:
            if w["model"] not in seen:
                seen.add(w["model"])
                picked += [p for p in pairs if p["model"] == w["model"] and p["platform"] == w["platform"]]
            if len(picked) >= 3:
                break
    out = []
    fit_name = results.get("fit_estimator", "simprof")
    for p in picked:
        series: dict[str, list] = {}
        for source, key, label in TIMELINE_KEYS:
            doc = (p.get("estimates") or {}).get(fit_name) if source == "estimate" else p.get("measurement")
            ops = (doc or {}).get("operators") or []
            vals = [o.get(key) for o in ops]
            if any(v is not None for v in vals):
                series[label] = vals
        if series:
            out.append(svg.lines(series, f"{p['model']} on {p['platform']}: per operator", "operator", "bytes"))
    return "".join(out) or "<p>No per-operator data in these results.</p>"


def render_html(results: Mapping[str, Any], timeline_models: Sequence[str] = ()) -> str:
    names = list(results["estimators"])
    dist = {n: [p["errors"][n]["total"]["error_pct"] for p in results["pairs"] if "total" in p["errors"].get(n, {})]
            for n in names}
    comps = ["arena", "stack", "static"]
    comp_series = {n: [results["summary"][n]["components"][c]["mean_abs_error_pct"] for c in comps] for n in names}
    fit_name = results.get("fit_estimator", "simprof")
    worst_rows = [[w["model"], w["platform"], w["estimated"], w["measured"], w["error_bytes"], w["error_pct"]]
                  for w in worst_cases(results, fit_name, 15)]
    status: dict[str, int] = {}
    for p in results["pairs"]:
        status[p["status"]] = status.get(p["status"], 0) + 1
    failures = [[p["model"], p["platform"], "; ".join(f"{k}: {v}" for k, v in p["run_errors"].items())]
                for p in results["pairs"] if p.get("run_errors")][:50]
    body = "".join([
        "<h2>Summary</h2>",
        f"<p>{len(results['pairs'])} (model, platform) pairs: "
        + ", ".join(f"{escape(k)} {v}" for k, v in sorted(status.items()))
        + f". Error = (estimated − measured) / measured of {escape(', '.join(COMPONENTS))}.</p>",
        _summary(results),
        "<h2>Error distribution (total peak RAM)</h2>",
        svg.strips(dist, "total peak RAM error per estimator (box: 25–75 %, bar: median)", "error %"),
        svg.histogram({fit_name: dist.get(fit_name, [])}, f"{fit_name}: error histogram", "error %"),
        "<h2>Error per component</h2>",
        svg.grouped_bars(comps, comp_series, "mean |error| per component", "%"),
        f"<h2>Worst cases ({escape(fit_name)})</h2>",
        _table(["model", "platform", "estimated B", "measured B", "error B", "error %"], worst_rows),
        "<h2>Per-operator timelines</h2>",
        _timelines(results, timeline_models),
        "<h2>Failures</h2>" + (_table(["model", "platform", "error"], failures) if failures else "<p>None.</p>"),
    ])
    template = Template(resources.files(__package__).joinpath("report.html").read_text(encoding="utf-8"))
    return template.substitute(title=escape(f"simprof validation: {results.get('models_dir', '')}"),
                               created=escape(str(results.get("created", ""))),
                               platforms=escape(", ".join(results.get("platforms", []))), body=body)
