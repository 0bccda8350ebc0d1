"""Keywords that estimate or measure peak RAM and check it against budgets. Every figure comes from
`simprof.api`; these keywords only pick the figure, compare and word the failure."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from robotlibcore import keyword

from simprof import api

from ._common import describe, figure, is_measurement, keyword_errors, label_of
from .units import parse_amount, parse_size

log = logging.getLogger(__name__)


class RamKeywords:
    """The RAM keywords. Renode measurements of one library instance share one Renode process
    (`simprof.sim.renode.reuse()`: its start-up costs seconds); `release_emulators()` ends it, at
    the end of each suite (the library's listener) and when the library goes out of scope."""

    def __init__(self) -> None:
        self._renode: Any = None             # the open reuse() scope

    def _measure(self, target: Any, platform: str, emulator: str, **opts: Any):
        if emulator == "renode" and self._renode is None:
            from simprof.sim.renode import reuse

            scope = reuse()
            scope.__enter__()
            self._renode = scope
        return api.measure(target, platform, emulator=emulator, **opts)

    def release_emulators(self) -> None:
        """End the Renode process the measurements kept (nothing when there is none)."""
        scope, self._renode = self._renode, None
        if scope is not None:
            scope.__exit__(None, None, None)

    @keyword("Estimate Peak RAM")
    @keyword_errors
    def estimate_peak_ram(self, model: str, platform: str = "generic", runtime: str = "tflm",
                          abi: str = "arm-eabi", kernels: str = "reference"):
        """Estimates statically (no emulator) the RAM ``model`` (a .tflite file) needs on ``platform``.

        Returns the estimate; its figures are attributes: ``${e.arena_min_bytes}`` (the smallest
        arena that sets up: the size to give TFLM), ``${e.arena_bytes}`` (head + tail after setup),
        ``${e.stack_bytes}``, ``${e.static_bytes}``, ``${e.total_bytes}`` (``None`` when the
        platform has no stack/static calibration), ``${e.peak_operator}``, ``${e.operators}``.

        ``runtime`` is ``tflm`` (your TFLM application) or ``simprof-rt`` (simprof's runtime, what
        `Measure Peak RAM` runs for a model); ``abi`` ``arm-eabi`` (Cortex-M) or ``lp64`` (the x86-64
        tflite-micro wheel); ``kernels`` ``reference`` or ``cmsis-nn``.

        | ${e}= | Estimate Peak RAM | models/kws.tflite | stm32f4 |
        | Should Be True | ${e.arena_min_bytes} < 64 * 1024 |
        """
        result = api.estimate(model, platform, runtime=runtime, abi=abi, kernels=kernels)
        log.info("%s", describe(result, Path(model).name))
        return result

    @keyword("Measure Peak RAM")
    @keyword_errors
    def measure_peak_ram(self, target: str, platform: str, emulator: str = "qemu", timeout: float = 30.0,
                         stop: str | None = None, arena: str | None = None, arena_size: str | None = None,
                         stack_size: str | None = None, per_operator: bool = True, min_arena: bool = False):
        """Measures the RAM ``target`` really uses on ``platform``, under an emulator.

        ``target`` is a .tflite model (run on simprof's own runtime, simprof-rt) or a firmware ELF
        (your own TFLM application). Stack, arena, heap and static RAM are found by painting memory
        through the emulator's gdb stub, running to the stop symbol (``exit`` unless ``stop`` names
        another function) and reading back which bytes changed.

        Returns the measurement: ``${m.total_bytes}``, ``${m.stack_bytes}``, ``${m.arena_bytes}``,
        ``${m.arena_head_bytes}``, ``${m.arena_tail_bytes}``, ``${m.heap_bytes}``,
        ``${m.static_bytes}``, ``${m.operators}`` (per ``simprof_op_begin/end`` marker pair).

        ``emulator`` is ``qemu`` (default) or ``renode`` (needs ``renode`` on PATH; see
        docs/renode.md). ``timeout`` is the wall-clock seconds each run may take. ``arena``,
        ``arena_size`` and ``stack_size`` override the symbol conventions for firmware whose names
        differ (sizes accept ``16 KiB``). For a model, ``min_arena=True`` also finds the smallest
        arena with which the firmware sets up and runs (by bisecting the arena size, a few more
        runs): ``${m.arena_min_bytes}``, comparable with the estimate's.

        | ${m}= | Measure Peak RAM | build/app.elf | nrf52840 | stop=inference_done |
        | ${m}= | Measure Peak RAM | models/kws.tflite | stm32f4 | min_arena=True |
        """
        opts: dict[str, Any] = {"timeout_s": float(timeout), "per_operator": bool(per_operator)}
        if min_arena:
            opts["min_arena"] = True
        for name, value in (("stop", stop), ("arena", arena)):
            if value:
                opts[name] = value
        for name, value in (("arena_size", arena_size), ("stack_size", stack_size)):
            if value not in (None, ""):
                opts[name] = parse_size(value)
        result = self._measure(target, platform, emulator, **opts)
        log.info("%s", describe(result, Path(target).name))
        return result

    @keyword("Peak RAM Should Fit Platform")
    @keyword_errors
    def peak_ram_should_fit_platform(self, target: Any, platform: str, margin: str = "0%",
                                     budget: str | None = None, source: str = "estimate",
                                     reserve: str = "auto", runtime: str = "tflm", emulator: str = "qemu"):
        """Fails unless the peak RAM of ``target`` fits ``platform`` with ``margin`` to spare.

        ``target`` is a model or ELF path, or a result of `Estimate Peak RAM` / `Measure Peak RAM` /
        `Load Result JSON`. For a path, ``source`` says where the figure comes from: ``estimate``
        (static, default; for models) or ``measurement`` (runs the emulator ``emulator``).

        ``budget`` is the RAM available (default: all RAM of the platform's part); ``margin`` is the
        part of it that must stay free, as a percentage of the budget (``10%``) or in bytes
        (``4 KiB``). The check is: peak RAM <= budget - margin.

        Peak RAM of a measurement is static + stack + arena + heap. Of an estimate it is its total
        when the platform has stack/static calibration data; otherwise the setup minimum of the
        arena plus ``reserve``: ``auto`` (default) counts the stack and heap regions of the
        platform's description in their place, or give bytes your application needs besides the
        arena (``reserve=12 KiB``; ``0`` checks the arena alone).

        The failure message names the model, the platform, the budget and the figure with its parts:
        | kws.tflite does not fit nrf51: estimated peak RAM 35,296 B (...) > 14,745 B allowed (budget 16,384 B (RAM of nRF51822) - 10% margin) |

        | Peak RAM Should Fit Platform | models/kws.tflite | stm32f4 | margin=20% |
        | Peak RAM Should Fit Platform | ${measurement} | nrf52840 | budget=128 KiB |
        """
        plat = api.load_platform(platform)
        result, label = _result_for(target, plat.id, source, runtime, emulator, self._measure)
        value, parts = figure(result, plat, reserve)
        if budget in (None, ""):
            limit, budget_text = plat.ram.size, f"{plat.ram.size:,} B (RAM of {plat.part})"
        else:
            limit = parse_size(budget)
            budget_text = f"{limit:,} B"
        amount = parse_amount(margin)
        allowed = limit - amount.of(limit)
        kind = "measured" if is_measurement(result) else "estimated"
        verdict = (f"{label} on {plat.id}: {kind} peak RAM {value:,} B ({parts}); "
                   f"{allowed:,} B allowed (budget {budget_text} - {amount} margin)")
        if value > allowed:
            raise AssertionError(f"{label} does not fit {plat.id}: {kind} peak RAM {value:,} B ({parts}) > "
                                 f"{allowed:,} B allowed (budget {budget_text} - {amount} margin)")
        log.info("fits: %s; %s B to spare", verdict, f"{allowed - value:,}")
        return value

    @keyword
    @keyword_errors
    def estimate_should_match_measurement_within(self, estimate: Any, measurement: Any, tolerance: str,
                                                 fields: str = "arena_bytes"):
        """Fails when an estimate differs from a measurement by more than ``tolerance`` in any of
        ``fields`` (comma-separated JSON keys both results have: ``arena_bytes``,
        ``arena_head_bytes``, ``arena_tail_bytes``, ``stack_bytes``, ``static_bytes``,
        ``heap_bytes``, ``total_bytes``).

        ``tolerance`` is relative to the measured figure (``5%``) or absolute (``64 B``, ``0``).
        A field the estimate leaves unknown (no calibration) fails, naming the field.
        Both arguments are results (objects or loaded JSON). Returns the differences
        (estimate - measurement) by field.

        | ${e}= | Estimate Peak RAM | ${model} | stm32f4 | runtime=simprof-rt |
        | ${m}= | Measure Peak RAM | ${model} | stm32f4 |
        | Estimate Should Match Measurement Within | ${e} | ${m} | 2% | fields=arena_head_bytes,arena_tail_bytes |
        """
        est, meas = api.result_json(estimate), api.result_json(measurement)
        amount = parse_amount(tolerance)
        label = label_of(estimate, None)
        diffs: dict[str, int] = {}
        problems = []
        for name in [f.strip() for f in str(fields).split(",") if f.strip()]:
            if name not in est or name not in meas:
                raise AssertionError(f"field '{name}' is not in both results (estimate has "
                                     f"{', '.join(k for k in est if k.endswith('_bytes'))})")
            e, m = est[name], meas[name]
            if e is None or m is None:
                side = "estimate" if e is None else "measurement"
                problems.append(f"{name}: unknown in the {side}")
                continue
            diffs[name] = int(e) - int(m)
            allowed = amount.of(abs(int(m)))
            if abs(diffs[name]) > allowed:
                problems.append(f"{name}: estimated {int(e):,} B vs measured {int(m):,} B "
                                f"(off by {diffs[name]:+,} B, {amount} allows {allowed:,} B)")
            else:
                log.info("%s %s: estimated %s B, measured %s B (%+d B)", label, name, f"{int(e):,}",
                         f"{int(m):,}", diffs[name])
        if problems:
            raise AssertionError(f"{label} on {meas.get('platform', est.get('platform'))}: estimate does not match "
                                 f"the measurement within {amount}: " + "; ".join(problems))
        return diffs

    @keyword
    @keyword_errors
    def peak_operator_should_be(self, target: Any, expected: str, platform: str = "generic",
                                runtime: str = "tflm"):
        """Fails unless the operator with the highest estimated RAM is ``expected``: an operator
        index (``3``), ``subgraph:index`` (``0:3``) or an operator type (``CONV_2D``).

        ``target`` is a model path (estimated on ``platform`` with ``runtime``) or an estimate.
        The peak operator is the one whose arena head + tail + stack is highest (arena head alone
        when the stack is unknown). Returns the operator's estimate.

        | Peak Operator Should Be | models/kws.tflite | DEPTHWISE_CONV_2D |
        """
        result = target if not isinstance(target, (str, Path)) else api.estimate(target, platform, runtime=runtime)
        data = api.result_json(result)
        if "peak_operator" not in data:
            raise AssertionError("Peak Operator Should Be needs an estimate (measurements have no peak operator)")
        label = label_of(result, target)
        index = data["peak_operator"]
        if index is None:
            raise AssertionError(f"{label} has no operators")
        op = data["operators"][index]
        names = {str(op["index"]), f"{op['subgraph']}:{op['index']}", op["opcode"].upper()}
        if str(expected).strip().upper() not in names:
            raise AssertionError(f"{label}: peak operator is {op['subgraph']}:{op['index']} {op['opcode']} "
                                 f"({_op_figure(op)}), not {expected}")
        log.info("%s: peak operator %s:%s %s (%s)", label, op["subgraph"], op["index"], op["opcode"], _op_figure(op))
        return result.operators[index] if hasattr(result, "operators") else op

    @keyword
    @keyword_errors
    def arena_should_be_at_most(self, target: Any, limit: str, platform: str = "generic", runtime: str = "tflm"):
        """Fails when the tensor arena of ``target`` needs more than ``limit`` bytes (``48 KiB``).

        For a model path or an estimate, the figure is the smallest arena that sets up
        (``arena_min_bytes``, what to give TFLM as the arena size); for a measurement it is the
        smallest arena found by bisection when measured with ``min_arena=True``, else the painted
        head + tail (``arena_bytes``). Returns the figure.

        | Arena Should Be At Most | models/kws.tflite | 24 KiB |
        """
        result = target if not isinstance(target, (str, Path)) else api.estimate(target, platform, runtime=runtime)
        data = api.result_json(result)
        key = "arena_min_bytes" if data.get("arena_min_bytes") is not None else "arena_bytes"
        value, cap = int(data[key]), parse_size(limit)
        label = label_of(result, target)
        kind = "measured" if is_measurement(result) else "estimated"
        if value > cap:
            raise AssertionError(f"{label} on {data.get('platform')}: {kind} arena {value:,} B ({key}) "
                                 f"> limit {cap:,} B")
        log.info("%s: %s arena %s B <= %s B", label, kind, f"{value:,}", f"{cap:,}")
        return value


def _op_figure(op: dict) -> str:
    if op.get("total_bytes") is not None:
        return f"{op['total_bytes']:,} B in total"
    return f"arena head {op['arena_head_bytes']:,} B"


def _result_for(target: Any, platform: str, source: str, runtime: str, emulator: str, measure):
    if not isinstance(target, (str, Path)):
        return target, label_of(target, None)
    label = Path(target).name
    if source == "estimate":
        return api.estimate(target, platform, runtime=runtime), label
    if source == "measurement":
        return measure(target, platform, emulator), label
    raise AssertionError(f"source must be 'estimate' or 'measurement', not {source!r}")


__all__ = ["RamKeywords"]
