"""Tiny inline-SVG charts for the validation report (no plotting library): histograms, grouped bars
and line charts. Every function returns one `<svg>` element as a string; text is escaped."""
from __future__ import annotations

import math
from html import escape
from typing import Mapping, Sequence

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
W, H, L, R, T, B = 720, 240, 56, 150, 20, 36   # size and margins; the legend sits in the right margin


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step) + 2) if start + i * step <= hi + 1e-9]


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.2g}"


def _frame(title: str, xlab: str, ylab: str, inner: list[str], legend: Sequence[tuple[str, str]]) -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
             f'font-family="sans-serif" font-size="11" role="img"><title>{escape(title)}</title>',
             f'<text x="{W / 2}" y="13" text-anchor="middle" font-weight="bold">{escape(title)}</text>',
             f'<text x="{W / 2}" y="{H - 4}" text-anchor="middle">{escape(xlab)}</text>',
             f'<text x="12" y="{H / 2}" text-anchor="middle" transform="rotate(-90 12 {H / 2})">{escape(ylab)}</text>']
    parts += inner
    for i, (name, color) in enumerate(legend):
        y = T + 4 + 14 * i
        parts.append(f'<rect x="{W - R + 10}" y="{y - 8}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{W - R + 24}" y="{y + 1}">{escape(name[:22])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _axes(xs: Sequence[float], ys: Sequence[float], x0: float, x1: float, y0: float, y1: float):
    sx = lambda v: L + (v - x0) / ((x1 - x0) or 1) * (W - L - R)  # noqa: E731
    sy = lambda v: H - B - (v - y0) / ((y1 - y0) or 1) * (H - T - B)  # noqa: E731
    out = [f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="#333"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="#333"/>']
    for t in ys:
        out.append(f'<line x1="{L}" y1="{sy(t):.1f}" x2="{W - R}" y2="{sy(t):.1f}" stroke="#ddd"/>'
                   f'<text x="{L - 4}" y="{sy(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    for t in xs:
        out.append(f'<text x="{sx(t):.1f}" y="{H - B + 14}" text-anchor="middle">{_fmt(t)}</text>')
    return sx, sy, out


def histogram(series: Mapping[str, Sequence[float]], title: str, xlab: str, bins: int = 20) -> str:
    """Overlaid step histograms of several series on shared bins."""
    values = [v for s in series.values() for v in s]
    if not values:
        return _frame(title, xlab, "pairs", [f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">no data</text>'], [])
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)]
    counts = {n: [0] * bins for n in series}
    for n, s in series.items():
        for v in s:
            counts[n][min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    top = max(max(c) for c in counts.values()) or 1
    sx, sy, inner = _axes(_nice_ticks(lo, hi), _nice_ticks(0, top), lo, hi, 0, top)
    legend = []
    for k, (n, c) in enumerate(counts.items()):
        color = PALETTE[k % len(PALETTE)]
        pts = [f"{sx(edges[0]):.1f},{sy(0):.1f}"]
        for i, v in enumerate(c):
            pts += [f"{sx(edges[i]):.1f},{sy(v):.1f}", f"{sx(edges[i + 1]):.1f},{sy(v):.1f}"]
        pts.append(f"{sx(edges[-1]):.1f},{sy(0):.1f}")
        inner.append(f'<polyline fill="{color}" fill-opacity="0.15" stroke="{color}" stroke-width="1.5" '
                     f'points="{" ".join(pts)}"/>')
        legend.append((n, color))
    if lo < 0 < hi:
        inner.append(f'<line x1="{sx(0):.1f}" y1="{T}" x2="{sx(0):.1f}" y2="{H - B}" stroke="#000" stroke-dasharray="3,3"/>')
    return _frame(title, xlab, "pairs", inner, legend)


def grouped_bars(groups: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str, ylab: str) -> str:
    """One group of bars per label in `groups`, one bar per series; None bars are left out."""
    vals = [v for s in series.values() for v in s if v is not None]
    top = max(vals, default=0) or 1
    _, sy, inner = _axes([], _nice_ticks(0, top), 0, 1, 0, top)
    gw = (W - L - R) / max(len(groups), 1)
    bw = gw * 0.8 / max(len(series), 1)
    legend = []
    for k, (name, s) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        legend.append((name, color))
        for g, v in enumerate(s):
            if v is None:
                continue
            x = L + g * gw + gw * 0.1 + k * bw
            inner.append(f'<rect x="{x:.1f}" y="{sy(v):.1f}" width="{bw:.1f}" height="{sy(0) - sy(v):.1f}" '
                         f'fill="{color}"><title>{escape(name)} {escape(groups[g])}: {v:.2f}</title></rect>')
    for g, label in enumerate(groups):
        inner.append(f'<text x="{L + (g + 0.5) * gw:.1f}" y="{H - B + 14}" text-anchor="middle">{escape(label)}</text>')
    return _frame(title, "", ylab, inner, legend)


def lines(series: Mapping[str, Sequence[float | None]], title: str, xlab: str, ylab: str) -> str:
    """Line chart over the index (e.g. operator number); None points break the line."""
    n = max((len(s) for s in series.values()), default=0)
    vals = [v for s in series.values() for v in s if v is not None]
    top = max(vals, default=0) or 1
    sx, sy, inner = _axes(_nice_ticks(0, max(n - 1, 1)), _nice_ticks(0, top), 0, max(n - 1, 1), 0, top)
    legend = []
    for k, (name, s) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        legend.append((name, color))
        seg: list[str] = []
        for i, v in enumerate(list(s) + [None]):
            if v is None:
                if len(seg) > 1:
                    inner.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{" ".join(seg)}"/>')
                elif seg:
                    x, y = seg[0].split(",")
                    inner.append(f'<circle cx="{x}" cy="{y}" r="2" fill="{color}"/>')
                seg = []
            else:
                seg.append(f"{sx(i):.1f},{sy(v):.1f}")
    return _frame(title, xlab, ylab, inner, legend)


def strips(series: Mapping[str, Sequence[float]], title: str, xlab: str) -> str:
    """One row per series: every value as a dot, with a box from the 25th to the 75th percentile
    and a bar at the median. Reads well for a handful of estimators with very different spreads."""
    values = [v for s in series.values() for v in s]
    names = list(series)
    h = T + B + 26 * max(len(names), 1)
    lo, hi = (min(values), max(values)) if values else (-1.0, 1.0)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    sx = lambda v: L + 60 + (v - lo) / (hi - lo) * (W - L - 60 - R)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h}" width="{W}" height="{h}" '
             f'font-family="sans-serif" font-size="11" role="img"><title>{escape(title)}</title>',
             f'<text x="{W / 2}" y="13" text-anchor="middle" font-weight="bold">{escape(title)}</text>',
             f'<text x="{W / 2}" y="{h - 4}" text-anchor="middle">{escape(xlab)}</text>']
    for t in _nice_ticks(lo, hi):
        parts.append(f'<line x1="{sx(t):.1f}" y1="{T}" x2="{sx(t):.1f}" y2="{h - B}" stroke="{"#000" if t == 0 else "#ddd"}"/>'
                     f'<text x="{sx(t):.1f}" y="{h - B + 14}" text-anchor="middle">{_fmt(t)}</text>')
    for k, name in enumerate(names):
        y = T + 13 + 26 * k
        color = PALETTE[k % len(PALETTE)]
        vals = sorted(series[name])
        parts.append(f'<text x="{L + 52}" y="{y + 4}" text-anchor="end">{escape(name[:14])}</text>')
        if vals:
            q = lambda f: vals[min(len(vals) - 1, int(f * (len(vals) - 1) + 0.5))]  # noqa: E731
            parts.append(f'<rect x="{sx(q(0.25)):.1f}" y="{y - 8}" width="{max(sx(q(0.75)) - sx(q(0.25)), 1):.1f}" '
                         f'height="16" fill="{color}" fill-opacity="0.2" stroke="{color}"/>'
                         f'<line x1="{sx(q(0.5)):.1f}" y1="{y - 9}" x2="{sx(q(0.5)):.1f}" y2="{y + 9}" '
                         f'stroke="{color}" stroke-width="2.5"/>')
            for i, v in enumerate(vals):
                jitter = ((i * 7919) % 11 - 5) * 1.2
                parts.append(f'<circle cx="{sx(v):.1f}" cy="{y + jitter:.1f}" r="2" fill="{color}" fill-opacity="0.7"/>')
        parts.append(f'<text x="{W - R + 8}" y="{y + 4}">n={len(vals)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_pairs(labels: Sequence[str], estimated: Mapping[str, Sequence[float | None]],
                  measured: Mapping[str, Sequence[float | None]], title: str, ylab: str) -> str:
    """Per label (e.g. operator) two stacked bars side by side: the estimate (left, light) and the
    measurement (right, solid), each stacked by component in the order of the mappings; the same
    component has the same colour in both. A missing (None) part is drawn as 0."""
    n = len(labels)
    comps = list(dict.fromkeys([*estimated, *measured]))
    colors = {c: PALETTE[k % len(PALETTE)] for k, c in enumerate(comps)}

    def stacks(src: Mapping[str, Sequence[float | None]]) -> list[list[tuple[str, float]]]:
        return [[(c, float((src[c][i] if i < len(src[c]) else None) or 0)) for c in src] for i in range(n)]

    est, meas = stacks(estimated), stacks(measured)
    top = max([sum(v for _, v in s) for s in est + meas], default=0) or 1
    _, sy, inner = _axes([], _nice_ticks(0, top), 0, 1, 0, top)
    gw = (W - L - R) / max(n, 1)
    bw = max(gw * 0.4, 0.5)
    for i in range(n):
        for side, (stack, opacity, tag) in enumerate(((est[i], 0.45, "est."), (meas[i], 1.0, "meas."))):
            x = L + i * gw + gw * 0.1 + side * bw
            base = 0.0
            for c, v in stack:
                if v <= 0:
                    continue
                inner.append(f'<rect x="{x:.1f}" y="{sy(base + v):.1f}" width="{bw:.1f}" height="{sy(base) - sy(base + v):.1f}" '
                             f'fill="{colors[c]}" fill-opacity="{opacity}"><title>{escape(str(labels[i]))} {tag} '
                             f'{escape(c)}: {v:,.0f}</title></rect>')
                base += v
    step = max(1, n // 20)
    for i in range(0, n, step):
        inner.append(f'<text x="{L + (i + 0.5) * gw:.1f}" y="{H - B + 14}" text-anchor="middle">{escape(str(labels[i]))}</text>')
    legend = [(c, colors[c]) for c in comps] + [("light: estimate", "#ccc"), ("solid: measured", "#666")]
    return _frame(title, "operator (left bar: estimate, right bar: measurement)", ylab, inner, legend)
