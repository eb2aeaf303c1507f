"""Build small quota workbooks in memory for tests that read like the rules they check (docs/quotas.md)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from salesops_xl.quotas.engine import QuotaResult, compute
from salesops_xl.quotas.inputs import load_inputs
from salesops_xl.source import MemorySource

D = dt.date
YEAR = 2026
RUN_AT = "2026-01-01T00:00:00+00:00"


def plan(*, target: float = 1_000_000.0, unit: float | None = 1.0, phasing: str = "Even", currency: str = "USD",
         measure: str = "NewBusiness", min_history: float | None = None, start: dt.date = D(YEAR, 1, 1)) -> dict:
    return {"PlanYearStart": start, "Target": target, "Currency": currency, "Measure": measure,
            "RoundingUnit": unit, "Phasing": phasing, "MinHistoryMonths": min_history}


def capacity(*, productivity: float = 600_000.0, attainment: float | None = 1.0, attrition: float | None = 0.0,
             lag: int = 0, req_open: dt.date | None = None, max_hires: int | None = None) -> dict:
    return {"Productivity": productivity, "ExpectedAttainment": attainment, "AttritionRate": attrition,
            "HiringLagMonths": lag, "ReqOpenDate": req_open, "MaxHiresPerMonth": max_hires}


def seat(rep_id: str, manager: str | None = None, *, status: str | None = None, hire: dt.date | None = D(2020, 1, 1),
         term: dt.date | None = None, currency: str | None = None, potential: float | None = None,
         floor: float | None = None, ceiling: float | None = None, name: str | None = None) -> dict:
    return {"RepID": rep_id, "RepName": name or f"Rep {rep_id}", "ManagerID": manager, "Status": status,
            "HireDate": hire, "TermDate": term, "Currency": currency, "Potential": potential, "Floor": floor,
            "Ceiling": ceiling}


def rule(node: str = "Company", method: str = "Even", *, even: float | None = None, history: float | None = None,
         potential: float | None = None, oa: float | None = None) -> dict:
    return {"Node": node, "Method": method, "EvenWeight": even, "HistoryWeight": history,
            "PotentialWeight": potential, "OverAssignment": oa}


def booked(rep_id: str, amounts, *, year: int = YEAR - 1, first_month: int = 1) -> list[dict]:
    """History rows: ``amounts`` for consecutive months from ``first_month`` of ``year``."""
    return [{"RepID": rep_id, "Month": f"{year}-{first_month + k:02d}", "Amount": float(a)}
            for k, a in enumerate(amounts)]


def flat(rep_id: str, annual: float) -> list[dict]:
    """A full history year booking ``annual`` evenly (annual / 12 a month)."""
    return booked(rep_id, [annual / 12.0] * 12)


def workbook(seats, rules=None, *, history=(), accounts=(), profile=None, ramp=None, fx=(), plan_kw=None,
             cap_kw=None, extra=None) -> MemorySource:
    rules = rules if rules is not None else [rule()]
    tables: dict[str, Any] = {
        "QuotaPlan": [plan(**(plan_kw or {}))],
        "CapacityPlan": [capacity(**(cap_kw or {}))],
        "QuotaRoster": list(seats),
        "AllocationRules": list(rules),
        "BookingsHistory": list(history) or {"RepID": [], "Month": [], "Amount": []},
        "AccountPotential": list(accounts) or {"AccountID": [], "RepID": [], "Potential": []},
        "SeasonalProfile": ([{"Month": f"{YEAR}-{m + 1:02d}", "Weight": w} for m, w in enumerate(profile)]
                            if profile is not None else {"Month": [], "Weight": []}),
        "RampCurve": ([{"Month": k + 1, "Pct": p} for k, p in enumerate(ramp)] if ramp is not None
                      else {"Month": [], "Pct": []}),
        "PlanFXRates": list(fx) or {"Currency": [], "Rate": []},
    }
    tables.update(extra or {})
    return MemorySource(tables, workbook="quotas-test.xlsx")


def run(src: MemorySource) -> QuotaResult:
    return compute(load_inputs(src), computed_at=RUN_AT)


def _idx(r: QuotaResult, rep_id: str) -> int:
    if rep_id == "Company":
        return r.inputs.people.n
    ids = list(r.inputs.people.ids)
    assert rep_id in ids, f"no {rep_id}"
    return ids.index(rep_id)


def quota(r: QuotaResult, rep_id: str) -> float:
    """Annual quota (plan currency units)."""
    return int(r.alloc.quota[_idx(r, rep_id)]) * r.unit_cents / 100.0


def months(r: QuotaResult, rep_id: str) -> list[float]:
    return (r.monthly[_idx(r, rep_id)] * r.unit_cents / 100.0).tolist()


def local(r: QuotaResult, rep_id: str) -> float:
    return int(r.local[_idx(r, rep_id)]) * r.unit_cents / 100.0


def below(r: QuotaResult, rep_id: str) -> float:
    return int(r.alloc.below[_idx(r, rep_id)]) * r.unit_cents / 100.0


def fte(r: QuotaResult, rep_id: str) -> float:
    return float(r.alloc.fte[_idx(r, rep_id)])


def run_rate(r: QuotaResult, rep_id: str) -> float:
    return float(r.run_rate[_idx(r, rep_id)])


def cap_row(r: QuotaResult, item: str) -> float:
    s = r.capacity.summary
    return float(s.loc[s.Item == item, "Value"].iloc[0])


def ramp_of(r: QuotaResult, rep_id: str) -> list[float]:
    return np.round(r.ramp[_idx(r, rep_id)], 12).tolist()


#: workbooks/ (not imported from conftest: several test folders have a conftest module)
from pathlib import Path  # noqa: E402

TEMPLATES = Path(__file__).resolve().parents[2] / "workbooks"
