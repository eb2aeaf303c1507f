"""Build small commission workbooks in memory for tests that read like the rules they check."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from salesops_xl.commissions.engine import CommissionResult, compute
from salesops_xl.commissions.inputs import load_inputs
from salesops_xl.source import MemorySource

D = dt.date
YEAR = 2026
ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "workbooks"


def months(n: int = 12) -> list[str]:
    return [f"{YEAR}-{m:02d}" for m in range(1, n + 1)]


def deal(deal_id: str, rep: str, amount: float, close: dt.date, *, split: float = 1.0, measure: str = "NB",
         currency: str = "USD", cancel: dt.date | None = None, product: str | None = None) -> dict[str, Any]:
    return {"DealID": deal_id, "RepID": rep, "SplitPct": split, "CloseDate": close, "Measure": measure,
            "Amount": amount, "Currency": currency, "Status": "Cancelled" if cancel else "Booked",
            "CancelDate": cancel, "Product": product}


def measure(measure: str = "NB", *, plan: str = "P", weight: float = 1.0, period: str = "Month", basis: str = "YTD",
            method: str = "Marginal", rate_type: str = "Commission", tiers: str = "T", threshold: float | None = None,
            cap_type: str | None = None, cap_value: float | None = None, clawback: int | None = None) -> dict:
    return {"PlanID": plan, "Measure": measure, "Weight": weight, "PeriodType": period, "Basis": basis,
            "Method": method, "RateType": rate_type, "TierTable": tiers, "Threshold": threshold,
            "CapType": cap_type, "CapValue": cap_value, "ClawbackDays": clawback}


def tiers(table: str, *bands: tuple) -> list[dict]:
    """bands: (From, To, Rate) with To None for the last one."""
    return [{"TierTable": table, "Tier": f"T{i + 1}", "From": f, "To": t, "Rate": r}
            for i, (f, t, r) in enumerate(bands)]


def rep(rep_id: str, *, plan: str = "P", currency: str = "USD", ti: float = 12000.0, manager: str | None = None,
        hire: dt.date = D(2020, 1, 1), term: dt.date | None = None, name: str | None = None) -> dict:
    return {"RepID": rep_id, "RepName": name or f"Rep {rep_id}", "ManagerID": manager, "PlanID": plan,
            "Currency": currency, "HireDate": hire, "TermDate": term, "TargetIncentive": ti}


def workbook(*, reps=None, measures=None, tier_rows=None, quotas=None, deals=(), adjustments=(), fx=(),
             plans=None, as_of: dt.date | None = None, quota: float = 100_000.0, extra_tables=None) -> MemorySource:
    reps = reps if reps is not None else [rep("A")]
    measures = measures if measures is not None else [measure()]
    tier_rows = tier_rows if tier_rows is not None else tiers("T", (0, 1.0, 0.05), (1.0, None, 0.10))
    if quotas is None:
        quotas = []
        done = set()
        for r in reps:
            for m in measures:
                if m["PlanID"] != r["PlanID"] or (r["RepID"], m["Measure"]) in done:
                    continue
                done.add((r["RepID"], m["Measure"]))
                labels = months() if m["PeriodType"] == "Month" else [f"{YEAR}-Q{q}" for q in range(1, 5)]
                quotas += [{"RepID": r["RepID"], "Measure": m["Measure"], "Period": p, "Quota": quota}
                           for p in labels]
    plan_ids = sorted({m["PlanID"] for m in measures})
    tables = {
        "Settings": [{"Setting": "PlanYearStart", "Value": D(YEAR, 1, 1)},
                     {"Setting": "AsOfDate", "Value": as_of}],
        "Roster": reps,
        "Plans": plans if plans is not None else [{"PlanID": p, "PlanName": f"Plan {p}"} for p in plan_ids],
        "PlanMeasures": measures,
        "Tiers": tier_rows,
        "Quotas": quotas,
        "Deals": list(deals) or {c: [] for c in deal("x", "A", 1, D(YEAR, 1, 1))},
        "Adjustments": list(adjustments) or {"RepID": [], "Period": [], "Amount": [], "Type": [], "Description": []},
        "FXRates": list(fx) or {"Month": [], "FromCurrency": [], "ToCurrency": [], "Rate": []},
    }
    tables.update(extra_tables or {})
    return MemorySource(tables, workbook="test.xlsx")


def run(source: MemorySource) -> CommissionResult:
    return compute(load_inputs(source), computed_at="2026-01-01T00:00:00+00:00")


def payout(result: CommissionResult, rep_id: str, period: str, measure: str = "NB") -> dict:
    p = result.payouts
    row = p[(p.RepID == rep_id) & (p.Period == period) & (p.Measure == measure)]
    assert len(row) == 1, f"no single payout row for {rep_id} {period} {measure}"
    return row.iloc[0].to_dict()


def payable(result: CommissionResult, rep_id: str, period: str, measure: str = "NB") -> float:
    """Payable in currency units (the frames hold cents)."""
    return payout(result, rep_id, period, measure)["Payable"] / 100.0


def lines(result: CommissionResult, rep_id: str | None = None, period: str | None = None):
    f = result.lines
    if rep_id is not None:
        f = f[f.RepID == rep_id]
    if period is not None:
        f = f[f.Period == period]
    return f
