"""The experiments behind docs/fit.md, every fitted model measured on simprof-rt under QEMU.

    .venv/bin/python bench/fit_compare.py lossless --out build/fit   # lossless steps, branched families
    .venv/bin/python bench/fit_compare.py guidance --out build/fit   # the same loop, four guiding estimates
    .venv/bin/python bench/fit_compare.py tables --out build/fit     # markdown tables from the JSON lines

`lossless`: `corpus generate --count 100 --seed 1` over resnet8, branches, mobilenet_v2 and
planner_stress; for each model the operator-order search and the offline plan (no pruning); every
rewritten model is checked: TFLM's host interpreter accepts it and reports the planned head,
outputs bit-exact with the original (wheel and simprof-rt), measured minimum arena vs estimate.

`guidance`: 12 models (the first model of each corpus family, from `corpus generate --count 40
--seed 11`, with 3-90 KB of arena; the bundled example; the digits CNN in int8 and float32) x arena
budgets of 90/75/60/50 % of simprof's figure for the original x stm32f4 and nrf52840 x guidance by
simprof, µNAS, MCUNet and TFLM's host `arena_used_bytes`. No accuracy floor: each loop prunes
until its own estimate fits; the measurement says whether the model really does.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from simprof.model import oracle
from simprof.flows.corpus.families import build_model
from simprof.flows.corpus.generate import GenerateOptions, plan
from simprof.core.errors import SimprofError
from simprof.estimator import estimate
from simprof.model.reader import read_model
from simprof.flows.fit import _rewrite as rw
from simprof.flows.fit import fit
from simprof.flows.fit.digits import build as build_digits
from simprof.flows.fit.offline_plan import plan_offline
from simprof.flows.fit.order import search_order
from simprof.rt.runner import default_inputs, measure_model

ROOT = Path(__file__).resolve().parents[1]
BRANCHED = ("resnet8", "branches", "mobilenet_v2", "planner_stress")
PLATFORMS = ("stm32f4", "nrf52840")
BUDGETS = (0.9, 0.75, 0.6, 0.5)
GUIDES = ("simprof", "unas", "mcunet", "tflm-host")
LOSSLESS_PLATFORM = "nrf52840"
LOSSLESS_COUNT = 100


def _append(path: Path, row: dict) -> None:
    with path.open("a") as fh:
        fh.write(json.dumps(row, default=float) + "\n")


def lossless(out: Path) -> None:
    rows = out / "lossless.jsonl"
    rows.unlink(missing_ok=True)
    for p in plan(GenerateOptions(Path("unused"), LOSSLESS_COUNT, 1, families=BRANCHED)):
        data = build_model(p.family, p.params, p.dtype, p.seed)
        score = lambda g: estimate(g, LOSSLESS_PLATFORM, runtime="simprof-rt").arena_min_bytes  # noqa: E731
        g = read_model(data)
        before = score(g)
        row = {"model": p.name, "family": p.family, "dtype": p.dtype, "ops": len(g.main.operators),
               "before": before}
        if before > 200_000:
            _append(rows, {**row, "skipped": "arena above 200 KB: does not fit nrf52840's RAM with its stack"})
            continue
        o = search_order(g, score)
        new = rw.reorder(data, list(o.order)) if o.after_bytes < before else data
        pk = plan_offline(read_model(new), score)
        if pk.offsets:
            new = rw.set_offline_plan(new, list(pk.offsets))
        after = score(read_model(new))
        row.update(after=after, saved=before - after, order_saved=before - min(before, o.after_bytes),
                   plan_saved=pk.before_bytes - pk.after_bytes, order_method=o.method, plan_method=pk.method,
                   head_greedy=pk.head_greedy, head_packed=pk.head_packed, lower_bound=pk.lower_bound)
        if new != data:
            x = default_inputs(data)
            want = oracle.reference_outputs(data, x)
            got = oracle.reference_outputs(new, x)
            alloc = oracle.allocations(new)
            lp64 = estimate(new, runtime="tflm", abi="lp64")
            m = measure_model(new, LOSSLESS_PLATFORM, input=x, min_arena=True, per_operator=False)
            row.update(wheel_accepts=True, wheel_head=alloc.head, wheel_head_matches=alloc.head == lp64.arena_head_bytes,
                       wheel_bit_exact=all(np.array_equal(a, b) for a, b in zip(want, got)),
                       rt_bit_exact=[bytes(b) for b in m.output_bytes] == [np.ascontiguousarray(w).tobytes() for w in want],
                       measured=m.arena_min_bytes, measured_minus_estimate=m.arena_min_bytes - after)
        _append(rows, row)
        print(json.dumps(row, default=float), flush=True)


def guidance_models(out: Path) -> list[tuple[str, bytes, Path | None]]:
    picks = {}
    for p in plan(GenerateOptions(Path("unused"), 40, 11)):
        if p.family in picks:
            continue
        data = build_model(p.family, p.params, p.dtype, p.seed)
        a = estimate(data, "stm32f4", runtime="simprof-rt").arena_min_bytes
        if 3000 <= a <= 90_000:
            picks[p.family] = (p.name, data, None)
    models = [picks[f] for f in sorted(picks)]
    models.append(("kws_dscnn_int8 (example)", (ROOT / "examples" / "kws_dscnn_int8.tflite").read_bytes(), None))
    d = build_digits(out / "digits")
    models.append(("digits_cnn_int8", d.int8.read_bytes(), d.data))
    models.append(("digits_cnn_float32", d.float32.read_bytes(), d.data))
    return models


def guidance(out: Path) -> None:
    rows = out / "guidance.jsonl"
    rows.unlink(missing_ok=True)
    for name, data, npz in guidance_models(out):
        for plat in PLATFORMS:
            base = estimate(data, plat, runtime="simprof-rt").arena_min_bytes
            for frac in BUDGETS:
                budget = int(base * frac)
                for guide in GUIDES:
                    row = {"model": name, "platform": plat, "budget_share": frac, "budget": budget,
                           "original": base, "guidance": guide}
                    t0 = time.monotonic()
                    try:
                        r = fit(data, plat, arena_budget=budget, guidance=guide, data=npz)
                    except SimprofError as exc:
                        row.update(result="unreachable", message=exc.one_line(), best=exc.details.get("best"))
                    else:
                        a = r.accuracy
                        row.update(result="fitted", guide_after=r.figure_after, measured=r.proof.arena_min_bytes,
                                   estimate_simprof=r.proof.estimate_arena_min_bytes, fits=r.proof.fits,
                                   overshoot=max(0, r.proof.arena_min_bytes - budget), channels=r.channels_removed,
                                   agreement=a.top1_agreement, snr_db=a.snr_db, labelled=a.labelled,
                                   labelled_before=r.accuracy_before, bit_exact=a.bit_exact,
                                   steps={s.name: s.saved_bytes for s in r.steps})
                    row["seconds"] = round(time.monotonic() - t0, 2)
                    _append(rows, row)
                    print(json.dumps(row, default=float), flush=True)


def _pct(v: float) -> str:
    return f"{100 * v:.1f} %"


def tables(out: Path) -> None:
    lrows = [json.loads(s) for s in (out / "lossless.jsonl").read_text().splitlines()] if (out / "lossless.jsonl").exists() else []
    if lrows:
        done = [r for r in lrows if "skipped" not in r]
        saved = [r["saved"] for r in done]
        share = [r["saved"] / r["before"] for r in done]
        rewritten = [r for r in done if "measured" in r]
        print(f"Lossless: {len(done)} models ({len(lrows) - len(done)} skipped), {len(rewritten)} rewritten\n")
        print("| family | models | rewritten | saved B: min / median / mean / max | saved %: median / max |")
        print("|---|---|---|---|---|")
        for fam in BRANCHED + ("all",):
            rs = [r for r in done if fam in ("all", r["family"])]
            if not rs:
                continue
            s = [r["saved"] for r in rs]
            sh = [r["saved"] / r["before"] for r in rs]
            print(f"| {fam} | {len(rs)} | {sum('measured' in r for r in rs)} | {min(s):,} / {statistics.median(s):,.0f} / "
                  f"{statistics.mean(s):,.0f} / {max(s):,} | {_pct(statistics.median(sh))} / {_pct(max(sh))} |")
        print(f"\nby the order: {sum(r['order_saved'] > 0 for r in done)} models; by the offline plan: "
              f"{sum(r['plan_saved'] > 0 for r in done)} models")
        if rewritten:
            print(f"rewritten models: wheel accepts {sum(r['wheel_accepts'] for r in rewritten)}/{len(rewritten)}, "
                  f"wheel head = simprof lp64 head {sum(r['wheel_head_matches'] for r in rewritten)}/{len(rewritten)}, "
                  f"wheel bit-exact {sum(r['wheel_bit_exact'] for r in rewritten)}/{len(rewritten)}, "
                  f"simprof-rt bit-exact {sum(r['rt_bit_exact'] for r in rewritten)}/{len(rewritten)}, "
                  f"measured - estimate: {sorted({r['measured_minus_estimate'] for r in rewritten})} B")
        _ = saved, share
    gpath = out / "guidance.jsonl"
    if not gpath.exists():
        return
    grows = [json.loads(s) for s in gpath.read_text().splitlines()]
    print("\nGuidance: per guiding estimate, over every (model, platform, budget)\n")
    print("| guidance | runs | fitted | measured fits | overshoots (max B) | unreachable | channels removed (mean) | "
          "top-1 agreement (mean) | digits labelled accuracy (mean) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for g in GUIDES:
        rs = [r for r in grows if r["guidance"] == g]
        fitted = [r for r in rs if r["result"] == "fitted"]
        over = [r for r in fitted if not r["fits"]]
        lab = [r["labelled"] for r in fitted if r.get("labelled") is not None]
        print(f"| {g} | {len(rs)} | {len(fitted)} | {len(fitted) - len(over)} | {len(over)} "
              f"({max((r['overshoot'] for r in over), default=0):,}) | {len(rs) - len(fitted)} | "
              f"{statistics.mean([r['channels'] for r in fitted]) if fitted else 0:.1f} | "
              f"{statistics.mean([r['agreement'] for r in fitted]) if fitted else 0:.3f} | "
              f"{statistics.mean(lab) if lab else float('nan'):.3f} |")
    print("\nEvery run: measured minimum arena (✓ within the budget, ✗ over it), channels removed, accuracy "
          "(labelled accuracy for the digits models, else top-1 agreement with the original on 32 seeded inputs); "
          "– : the guide found the budget unreachable\n")
    print("| model | platform | budget | " + " | ".join(GUIDES) + " |")
    print("|---|---|---|" + "---|" * len(GUIDES))
    cells: dict = {}
    for r in grows:
        cells[(r["model"], r["platform"], r["budget_share"], r["guidance"])] = r
    keys = sorted({(r["model"], r["platform"], r["budget_share"]) for r in grows},
                  key=lambda k: (k[0], k[1], -k[2]))
    for m, plat, share in keys:
        row = []
        for g in GUIDES:
            r = cells.get((m, plat, share, g))
            if r is None:
                row.append("")
            elif r["result"] != "fitted":
                row.append("–")
            else:
                acc = r["labelled"] if r.get("labelled") is not None else r["agreement"]
                row.append(f"{r['measured']:,} {'✓' if r['fits'] else '✗'} · {r['channels']} ch · {acc:.2f}")
        budget = next(r["budget"] for r in grows if (r["model"], r["platform"], r["budget_share"]) == (m, plat, share))
        print(f"| {m} | {plat} | {int(share * 100)} % = {budget:,} | " + " | ".join(row) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=("lossless", "guidance", "tables"))
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "fit")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    {"lossless": lossless, "guidance": guidance, "tables": tables}[args.what](args.out)


if __name__ == "__main__":
    sys.exit(main())
