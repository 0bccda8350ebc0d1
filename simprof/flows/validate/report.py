"""The self-contained HTML report of a validation run (inline SVG, inline CSS, no scripts, no
network). `render_html(results)` works from results.json alone, so `simprof report` re-renders it."""
from __future__ import annotations

from html import escape
from importlib import resources
from string import Template
from typing import Any, Mapping, Sequence

from . import svg
from .results import COMPONENTS, not_fit_kind, summarize, worst_cases

# Components of the per-operator timeline: (label, estimate key per operator or whole-run key,
# measurement key per operator or whole-run key). Whole-run keys are prefixed with "run:".
TIMELINE = (("static", "run:static_bytes", "run:static_bytes"),
            ("arena tail", "arena_tail_bytes", "run:arena_tail_bytes"),
            ("arena head", "arena_head_bytes", "arena_written_bytes"),
            ("stack", "stack_bytes", "stack_bytes"))


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


def _by_platform(results: Mapping[str, Any], name: str) -> str:
    rows = []
    by = results.get("summary_by_platform")
    if by is None:   # results.json of an older run: derive it from the pairs
        by = {pid: summarize([p for p in results["pairs"] if p["platform"] == pid], [name])
              for pid in dict.fromkeys(p["platform"] for p in results["pairs"])}
    for pid, summ in by.items():
        s = summ.get(name) or {}
        comps = s.get("components", {})
        rows.append([pid, s.get("pairs"), s.get("mean_abs_error_pct"), s.get("max_abs_error_pct"),
                     *(comps.get(c, {}).get("max_abs_error_bytes") for c in ("total", "arena", "stack", "static"))])
    if not rows:
        return ""
    return f"<p>{escape(name)} per platform:</p>" + _table(
        ["platform", "pairs", "mean |error| %", "max |error| %", "max |error| B total", "arena", "stack", "static"], rows)


def _components(results: Mapping[str, Any], name: str) -> str:
    comps = results["summary"].get(name, {}).get("components", {})
    rows = [[c, v.get("compared"), v.get("exact"), v.get("mean_abs_error_bytes"), v.get("max_abs_error_bytes"),
             v.get("mean_abs_error_pct"), v.get("max_abs_error_pct")] for c, v in comps.items()]
    return _table(["component", "pairs", "exact (0 B)", "mean |error| B", "max |error| B", "mean |error| %",
                   "max |error| %"], rows)


def _timeline_picks(results: Mapping[str, Any], chosen: Sequence[str]) -> list[Mapping[str, Any]]:
    pairs = [p for p in results["pairs"] if p.get("measurement") or p.get("estimates")]
    if chosen:
        return [p for p in pairs if p["model"] in chosen]
    with_ops = [p for p in pairs if (p.get("operator_measurement") or {}).get("operators")]
    if with_ops:   # validate measured these per operator (the worst pairs, or the ones asked for)
        return with_ops
    worst = worst_cases(results, results.get("fit_estimator", "simprof"), n=20)
    seen, picked = set(), []
    for w in worst:
        if w["model"] not in seen:
            seen.add(w["model"])
            picked += [p for p in pairs if p["model"] == w["model"] and p["platform"] == w["platform"]]
        if len(picked) >= 3:
            break
    return picked


def _series(doc: Mapping[str, Any] | None, ops: Sequence[Mapping[str, Any]], key: str, n: int) -> list:
    if key.startswith("run:"):
        return [(doc or {}).get(key[4:])] * n
    by_index = {o.get("index", i): o for i, o in enumerate(ops)}
    return [by_index.get(i, {}).get(key) for i in range(n)]


def _timelines(results: Mapping[str, Any], chosen: Sequence[str]) -> str:
    out = []
    fit_name = results.get("fit_estimator", "simprof")
    for p in _timeline_picks(results, chosen):
        est = (p.get("estimates") or {}).get(fit_name) or {}
        meas = p.get("measurement") or {}
        est_ops = [o for o in est.get("operators") or [] if o.get("subgraph", 0) == 0]
        meas_ops = (p.get("operator_measurement") or {}).get("operators") or meas.get("operators") or []
        n = max(len(est_ops), max((o.get("index", 0) + 1 for o in meas_ops), default=0))
        if not n:
            continue
        labels = [f"{i}" for i in range(n)]
        e = {label: _series(est, est_ops, ek, n) for label, ek, _ in TIMELINE}
        m = {label: _series(meas, meas_ops, mk, n) for label, _, mk in TIMELINE}
        if not meas_ops:
            m = {k: [None] * n for k in m}
        ops = ", ".join(f"{i} {o.get('opcode', '?')}" for i, o in enumerate(est_ops[:40]))
        out.append(svg.stacked_pairs(labels, e, m, f"{p['model']} on {p['platform']}: RAM per operator", "bytes")
                   + "<p class=\"meta\">arena head: estimate = planned extent of the buffers live during the "
                   "operator; measurement = arena bytes the operator wrote (painted). Arena tail and static: whole "
                   f"run. Operators: {escape(ops)}{' …' if len(est_ops) > 40 else ''}"
                   + ("" if meas_ops else " — no per-operator measurement (run validate with --timeline this model)")
                   + "</p>")
    return "".join(out) or "<p>No per-operator data in these results.</p>"


def _not_measured(results: Mapping[str, Any]) -> str:
    """Pairs that do not fit: the part (by the fit estimator's total RAM / flash) or only the
    measuring firmware image; `checked`: a run with the image's whole arena failed for lack of it."""
    rows: dict[str, list] = {}
    for p in results["pairs"]:
        if p["status"] != "does-not-fit":
            continue
        r = rows.setdefault(p["platform"], [p["platform"], 0, 0, 0, ""])
        kind = not_fit_kind(p)
        r[1 if kind == "part" else 3] += 1
        if p["fit"].get("reason"):
            r[2] += 1
            if kind == "image" and not r[4]:
                r[4] = f"{p['model']}: {p['fit']['reason']}"
    if not rows:
        return "<p>None.</p>"
    return _table(["platform", "part too small (estimate)", "of all: checked by a run", "only the firmware image too small",
                   "example"], list(rows.values()))


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
        _by_platform(results, fit_name),
        "<h2>Error distribution (total peak RAM)</h2>",
        svg.strips(dist, "total peak RAM error per estimator (box: 25–75 %, bar: median)", "error %"),
        svg.histogram({fit_name: dist.get(fit_name, [])}, f"{fit_name}: error histogram", "error %"),
        "<h2>Error per component</h2>",
        svg.grouped_bars(comps, comp_series, "mean |error| per component", "%"),
        f"<p>{escape(fit_name)}, per component (arena: the minimum arena when the measurement verified one; "
        "arena head: the painted head block):</p>",
        _components(results, fit_name),
        f"<h2>Worst cases ({escape(fit_name)})</h2>",
        _table(["model", "platform", "estimated B", "measured B", "error B", "error %"], worst_rows),
        "<h2>Per-operator timelines</h2>",
        _timelines(results, timeline_models),
        "<h2>Not measured</h2>", _not_measured(results),
        "<h2>Failures</h2>" + (_table(["model", "platform", "error"], failures) if failures else "<p>None.</p>"),
    ])
    template = Template(resources.files(__package__).joinpath("report.html").read_text(encoding="utf-8"))
    return template.substitute(title=escape(f"simprof validation: {results.get('models_dir', '')}"),
                               created=escape(str(results.get("created", ""))),
                               platforms=escape(", ".join(results.get("platforms", []))), body=body)
