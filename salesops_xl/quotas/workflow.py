"""The quota workflow: read a workbook's tables, compute, return the sheets to write.

Of the shape the add-in's generic script and the batch door run
(``(source, *, computed_at=None, progress=None) -> WorkflowResult``): it reads everything first and
touches neither files nor Excel.

* :func:`recalc_quotas` - "Recalculate quotas": the quota workbook's output sheets;
* :func:`plan_quotas` - the plan without sheets, which the hand-off to commissions
  (:func:`salesops_xl.quotas.handoff.handoff_quotas`) and the budget build on.
"""
from __future__ import annotations

from ..source import TableSource
from ..words import count
from ..workflows import Progress, WorkflowResult, kept_run_time, previous_run
from .engine import QuotaResult, compute
from .inputs import load_inputs
from .outputs import quota_sheets


def plan_quotas(source: TableSource, *, computed_at: str | None = None) -> QuotaResult:
    """Validate the quota inputs and compute the plan (no sheets): what the hand-off and scripts build on."""
    return compute(load_inputs(source), computed_at=computed_at)


def recalc_quotas(source: TableSource, *, computed_at: str | None = None,
                  progress: Progress | None = None) -> WorkflowResult:
    """Validate the quota inputs, allocate, phase, plan capacity, and build the output sheets.

    If the inputs and the engine version are those of the workbook's last run,
    the last run's timestamp is kept, so recalculating an unchanged workbook
    gives back the very same workbook.
    """
    say = progress or (lambda stage: None)
    say("reading tables")
    prev = previous_run(source, "QuotaRunLog")
    inputs = load_inputs(source)
    computed_at = kept_run_time(prev, inputs.fingerprint, computed_at)
    say("computing")
    result = compute(inputs, computed_at=computed_at)
    say("building sheets")
    sheets = quota_sheets(result)
    return WorkflowResult(sheets=sheets, summary=summary(result), warnings=result.warnings, result=result)


def summary(r: QuotaResult) -> dict:
    inp, ppl, a = r.inputs, r.inputs.people, r.alloc
    n = ppl.n
    leaf = ppl.is_leaf
    cur = inp.currency
    target = int(a.quota[n]) * inp.unit_cents / 100.0
    seats = float(a.quota[:n][leaf].sum()) * inp.unit_cents / 100.0
    cp = r.capacity
    hires = int(cp.hires_by_month.sum())
    gap = (cp.target_cents - cp.current_cents) / 100.0
    n_seats, n_mgr = int(leaf.sum()), int((ppl.n_children[:n] > 0).sum())
    headline = (f"{count(n_seats, 'seat')} "
                + (f"under {count(n_mgr, 'manager')}" if n_mgr else "reporting to the Company")
                + f", {count(hires, 'hire')} planned")
    amounts = (f"target {cur} {target:,.2f} allocated, seat quotas total {cur} {seats:,.2f} ({seats / target:.2%}); "
               f"gap to the current team's capacity {cur} {gap:,.2f}")
    return {"headline": headline, "amounts": amounts, "target": target, "seat_quotas": seats, "seats": int(leaf.sum()),
            "gap_current_team": gap, "planned_hires": hires,
            "uncovered": cp.residual_cents / 100.0}
