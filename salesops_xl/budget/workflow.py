"""The budget workflow: read the workbook's tables, compute, return the sheets to write (no files, no Excel)."""
from __future__ import annotations

from ..source import TableSource
from ..workflows import Progress, WorkflowResult, kept_run_time, previous_run
from .engine import BudgetResult, compute, line_measures
from .inputs import load_inputs
from .outputs import budget_sheets


def plan_budget(source: TableSource, *, computed_at: str | None = None) -> BudgetResult:
    """Validate the budget inputs and compute (no sheets)."""
    return compute(load_inputs(source), computed_at=computed_at)


def recalc_budget(source: TableSource, *, computed_at: str | None = None,
                  progress: Progress | None = None) -> WorkflowResult:
    """Validate the inputs, cost the headcount and hiring plan, re-forecast, and build the output sheets.

    An unchanged workbook keeps its last run's timestamp, so recalculating it twice gives the same bytes.
    """
    say = progress or (lambda stage: None)
    say("reading tables")
    prev = previous_run(source, "BudgetRunLog")
    inputs = load_inputs(source)
    computed_at = kept_run_time(prev, inputs.fingerprint, computed_at)
    say("computing")
    result = compute(inputs, computed_at=computed_at)
    say("building sheets")
    return WorkflowResult(sheets=budget_sheets(result), summary=summary(result), warnings=result.warnings,
                          result=result)


def summary(r: BudgetResult) -> dict:
    m = line_measures(r.plan, r.actual, r.forecast, r.closed)
    ccy = r.inputs.currency
    plan, ye = int(m["PlanYear"].sum()) / 100.0, int(m["YearEndForecast"].sum()) / 100.0
    n_cc = len(set(r.line_cc.tolist()))
    headline = f"{len(r.line_cc)} budget lines in {n_cc} cost centres, {len(r.reqs)} requisitions"
    amounts = (f"plan {ccy} {plan:,.2f}, year-end forecast {ccy} {ye:,.2f} (variance {ye - plan:+,.2f}, "
               f"{(ye - plan) / plan:+.1%})" if plan else f"year-end forecast {ccy} {ye:,.2f}")
    return {"headline": headline, "amounts": amounts, "plan": plan, "year_end": ye, "lines": len(r.line_cc),
            "requisitions": len(r.reqs)}
