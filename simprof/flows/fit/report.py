"""The fit report: terminal text, JSON (FitResult.to_json) and a self-contained HTML page with the
before/after per-operator arena timeline."""
from __future__ import annotations

from html import escape

from simprof.flows.validate.svg import lines

from .result import FitResult


def _acc(r: FitResult) -> str:
    a = r.accuracy
    parts = [f"top-1 agreement {a.top1_agreement:.3f}",
             "output SNR " + ("inf (bit-exact)" if a.snr_db is None else f"{a.snr_db:.1f} dB")]
    if a.labelled is not None:
        parts.insert(0, f"labelled accuracy {r.accuracy_before:.3f} -> {a.labelled:.3f}")
    return ", ".join(parts)


def text(r: FitResult) -> str:
    b = r.budget
    out = [f"{r.model} on {r.platform}: {b.kind} budget {b.bytes:,} B ({b.spec}), guided by {r.guidance}",
           f"  before: {r.figure_before:,} B   after: {r.figure_after:,} B   "
           f"({'fits' if r.fits_estimate else 'DOES NOT FIT'} by the estimate)"]
    for s in r.steps:
        kind = "lossless" if s.lossless else "lossy"
        out.append(f"  {s.name:16s} {kind:8s} {s.before_bytes:>10,} -> {s.after_bytes:>10,} B  "
                   f"(saved {s.saved_bytes:,} B)  {s.detail}")
    for layer in r.layers:
        out.append(f"    op {layer.operator:3d} {layer.opcode:16s} {layer.tensor:24s} "
                   f"{layer.channels:4d} -> {layer.channels - layer.removed:4d} channels")
    out.append(f"  accuracy on {r.data_source}: {_acc(r)}")
    if r.proof is not None:
        p = r.proof
        out.append(f"  measured under QEMU: min arena {p.arena_min_bytes:,} B (estimate {p.estimate_arena_min_bytes:,} B), "
                   f"RAM {p.total_bytes:,} B -> {'fits' if p.fits else 'DOES NOT FIT'}; outputs: simprof-rt == wheel "
                   f"{p.outputs_match_wheel}, == original {p.outputs_match_original}")
    out.append(f"  {r.seconds:.1f} s")
    return "\n".join(out) + "\n"


def html(r: FitResult) -> str:
    before = [v for _, v in r.timeline_before]
    after = [v for _, v in r.timeline_after]
    svg = lines({"before": before, "after": after, "budget": [r.budget.bytes] * len(before)}
                if r.budget.kind == "arena" else {"before": before, "after": after},
                f"{r.model}: arena per operator (activations + persistent tail)", "operator (run order)", "bytes")
    rows = "".join(f"<tr><td>{escape(s.name)}</td><td>{'lossless' if s.lossless else 'lossy'}</td>"
                   f"<td>{s.before_bytes:,}</td><td>{s.after_bytes:,}</td><td>{s.saved_bytes:,}</td>"
                   f"<td>{escape(s.detail)}</td></tr>" for s in r.steps)
    layers = "".join(f"<tr><td>{x.operator}</td><td>{escape(x.opcode)}</td><td>{escape(x.tensor)}</td>"
                     f"<td>{x.channels}</td><td>{x.channels - x.removed}</td></tr>" for x in r.layers)
    proof = "<p>not measured</p>"
    if r.proof is not None:
        p = r.proof
        proof = (f"<p>simprof-rt under QEMU on {escape(r.platform)}: smallest working arena "
                 f"<b>{p.arena_min_bytes:,} B</b> (estimate {p.estimate_arena_min_bytes:,} B); RAM {p.total_bytes:,} B; "
                 f"{'fits' if p.fits else '<b>does not fit</b>'} the budget. Outputs equal to the wheel's: "
                 f"{p.outputs_match_wheel}; equal to the original model's: {p.outputs_match_original}.</p>")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>simprof fit: {escape(r.model)}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:auto}}td,th{{padding:2px 8px;text-align:right}}
td:first-child,th:first-child{{text-align:left}}</style></head><body>
<h1>simprof fit: {escape(r.model)} on {escape(r.platform)}</h1>
<p>{escape(r.budget.kind)} budget {r.budget.bytes:,} B ({escape(r.budget.spec)}), guided by {escape(r.guidance)}:
{r.figure_before:,} B &rarr; {r.figure_after:,} B.</p>
{svg}
<h2>Steps</h2><table><tr><th>step</th><th></th><th>before</th><th>after</th><th>saved</th><th>detail</th></tr>{rows}</table>
<h2>Channels removed</h2><table><tr><th>op</th><th>type</th><th>tensor</th><th>before</th><th>after</th></tr>{layers}</table>
<h2>Accuracy</h2><p>on {escape(r.data_source)}: {escape(_acc(r))}</p>
<h2>Proof</h2>{proof}
</body></html>
"""
