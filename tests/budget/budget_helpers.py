"""Small budget workbooks in memory for the rule tests (one cost centre, a few people, chosen numbers)."""
from __future__ import annotations

import datetime as dt

from salesops_xl.budget.engine import BudgetResult, compute
from salesops_xl.budget.inputs import load_inputs
from salesops_xl.source import MemorySource

D = dt.date
YEAR = 2026


def plan(**kw) -> dict:
    row = {"PlanYearStart": D(YEAR, 1, 1), "ActualsThrough": None, "Currency": "USD", "Reforecast": "Plan",
           "RunRateMonths": 3, "BenefitsRate": 0.0, "NoticeDays": 0, "CostPerApplicant": 0.0, "CostPerHire": 0.0,
           "HiresCostCentre": None}
    row.update(kw)
    return row


def person(pid: str, *, cc: str = "CC1", salary: float = 120_000.0, start=D(2020, 1, 1), end=None,
           status: str = "Active", ti: float | None = None, benefits: float | None = None,
           expected: float | None = None) -> dict:
    return {"PersonID": pid, "Name": pid, "CostCentre": cc, "Role": None, "Status": status, "StartDate": start,
            "EndDate": end, "AnnualSalary": salary, "BenefitsRate": benefits, "TargetIncentive": ti,
            "ExpectedVariable": expected, "Source": None}


def line(cc: str, cat: str, month: int, amount: float) -> dict:
    return {"CostCentre": cc, "Category": cat, "Month": f"{YEAR}-{month:02d}", "Amount": amount}


def workbook(people=(), lines=(), actuals=(), *, plan_kw=None, ccs=(("CC1", "Team one", "G1"),), funnel=(),
             categories=(), bookings=(), ramp=None, fx=()) -> MemorySource:
    t = {
        "BudgetPlan": [plan(**(plan_kw or {}))],
        "CostCentres": [{"CostCentre": c, "Name": n, "Group": g, "QuotaNode": None} for c, n, g in ccs],
        "Headcount": list(people) or [{k: None for k in person("X")}],
        "PlanLines": list(lines) or [{"CostCentre": None, "Category": None, "Month": None, "Amount": None}],
        "Actuals": list(actuals) or [{"CostCentre": None, "Category": None, "Month": None, "Amount": None}],
    }
    if funnel:
        t["HiringFunnel"] = [{"Stage": s, "Conversion": c, "Days": d} for s, c, d in funnel]
    if categories:
        t["Categories"] = [{"Category": c, "Reforecast": r} for c, r in categories]
    if bookings:
        t["Bookings"] = list(bookings)
    if fx:
        t["BudgetFX"] = [{"Currency": c, "Rate": r} for c, r in fx]
    if ramp is not None:
        t["RampCurve"] = [{"Month": i + 1, "Pct": p} for i, p in enumerate(ramp)]
    return MemorySource(t, workbook="test.xlsx")


def run(src: MemorySource) -> BudgetResult:
    return compute(load_inputs(src), computed_at="2026-01-01T00:00:00+00:00")


def line_of(r: BudgetResult, cc: str, cat: str) -> int:
    for i, (c, k) in enumerate(zip(r.line_cc, r.line_cat)):
        if r.inputs.cc_ids[c] == cc and k == cat:
            return i
    raise KeyError((cc, cat))
