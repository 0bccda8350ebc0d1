"""`simprof check`: RAM budgets and regressions of models on platforms, gated in CI without boards.

    from simprof.flows.check import check, CheckOptions
    report = check("simprof.yaml", CheckOptions(baseline=Path("baseline.json")))
    report.exit_code          # 0 within budget, 3 over budget or regressed

Steps (flow.py): budgets.py → evaluate.py → baseline.py → renderers (junit, sarif, markdown, gha).
"""
from simprof.core.sizes import Amount, parse_amount, parse_size

from .budgets import Budgets, BudgetsFileError, load_budgets
from .evaluate import Case
from .flow import CheckOptions, check
from .gate import Gate, gate
from .report import CheckReport, Finding

__all__ = ["check", "CheckOptions", "CheckReport", "Finding", "Case", "Budgets", "BudgetsFileError",
           "load_budgets", "gate", "Gate", "Amount", "parse_amount", "parse_size"]
