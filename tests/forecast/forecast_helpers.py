"""Small forecast workbooks in memory, for tests that read like the rules they check (docs/forecast.md)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from salesops_xl.forecast.engine import ForecastRun, compute
from salesops_xl.forecast.inputs import load_inputs
from salesops_xl.source import MemorySource

D = dt.date
AS_OF = D(2026, 11, 20)
RUN_AT = "2026-11-20T18:00:00+00:00"

STAGES = [
    {"Stage": "Discover", "Type": "Open", "Order": 1, "Probability": 0.2, "ForecastCategory": "Pipeline"},
    {"Stage": "Propose", "Type": "Open", "Order": 2, "Probability": 0.5, "ForecastCategory": "Best Case"},
    {"Stage": "Commit", "Type": "Open", "Order": 3, "Probability": 0.8, "ForecastCategory": "Commit"},
    {"Stage": "Won", "Type": "Won", "Order": None, "Probability": 1.0, "ForecastCategory": "Closed"},
    {"Stage": "Lost", "Type": "Lost", "Order": None, "Probability": 0.0, "ForecastCategory": "Omitted"},
]

TEAM = [
    {"RepID": "M", "RepName": "Mona Manager", "ManagerID": None, "Region": "EMEA"},
    {"RepID": "A", "RepName": "Ann", "ManagerID": "M", "Region": "EMEA"},
    {"RepID": "B", "RepName": "Bob", "ManagerID": "M", "Region": "EMEA"},
    {"RepID": "C", "RepName": "Cy", "ManagerID": "M", "Region": "EMEA"},
]


def opp(oid: str, rep: str, amount: float, created: dt.date, close: dt.date, stage: str, *,
        category: str | None = None, prob: float | None = None, lost_at: str | None = None,
        original: dt.date | None = None, account: str | None = None) -> dict[str, Any]:
    return {"OppID": oid, "RepID": rep, "Account": account, "Amount": amount, "CreatedDate": created,
            "CloseDate": close, "Stage": stage, "ForecastCategory": category, "Probability": prob,
            "LostAtStage": lost_at, "OriginalCloseDate": original}


#: The worked example of docs/forecast.md, section 11.
EXAMPLE_OPPS = [
    opp("A0", "A", 50_000, D(2025, 3, 1), D(2025, 6, 1), "Won", original=D(2025, 6, 1)),  # before the lookback
    opp("A1", "A", 10_000, D(2026, 6, 1), D(2026, 7, 1), "Won", original=D(2026, 6, 15)),  # 30 days, +1 month
    opp("A2", "A", 20_000, D(2026, 8, 1), D(2026, 10, 10), "Won", original=D(2026, 10, 5)),  # 70 days, on time
    opp("A3", "A", 5_000, D(2026, 5, 1), D(2026, 6, 1), "Lost", lost_at="Discover"),
    opp("A4", "A", 8_000, D(2026, 3, 1), D(2026, 5, 1), "Lost", lost_at="Propose"),
    opp("B1", "B", 30_000, D(2026, 1, 10), D(2026, 3, 11), "Won", original=D(2026, 2, 15)),  # 60 days, +1
    opp("B2", "B", 12_000, D(2026, 2, 1), D(2026, 4, 1), "Lost"),  # stage lost at unknown
    opp("B3", "B", 15_000, D(2026, 9, 1), D(2026, 11, 5), "Won", original=D(2026, 11, 30)),  # 65 days, on time
    opp("C1", "C", 5_000, D(2026, 9, 1), D(2026, 9, 21), "Won"),  # 20 days, no original close date
    # open
    opp("A5", "A", 40_000, D(2026, 10, 1), D(2026, 12, 15), "Propose"),
    opp("A6", "A", 25_000, D(2026, 9, 15), D(2026, 11, 30), "Commit"),
    opp("A7", "A", 60_000, D(2026, 11, 1), D(2027, 2, 15), "Discover"),
    opp("B4", "B", 10_000, D(2026, 8, 1), D(2026, 10, 31), "Discover", category="Commit"),  # overdue
    opp("B5", "B", 18_000, D(2026, 10, 20), D(2026, 12, 20), "Propose", category="Omitted"),
]

EXAMPLE_QUOTAS = [
    {"RepID": "A", "Period": "2026-Q4", "Quota": 60_000},
    {"RepID": "B", "Period": "2026-10", "Quota": 10_000},
    {"RepID": "B", "Period": "2026-11", "Quota": 10_000},
    {"RepID": "B", "Period": "2026-12", "Quota": 10_000},
]


def settings(**over) -> list[dict]:
    base = {"AsOfDate": AS_OF, "FiscalYearStart": D(2026, 1, 1), "GapPeriod": "Quarter", "Horizon": 6,
            "Method": "Combo", "ConfidenceLevel": 0.8, "LookbackMonths": 12, "ConversionPriorWeight": 2,
            "MinDeals": 3, "BacktestOrigins": 2, "BacktestHorizon": 2}
    base.update(over)
    return [{"Setting": k, "Value": v} for k, v in base.items() if v is not None]


def workbook(*, opps=None, quotas=None, team=None, stages=None, settings_rows=None,
             extra_tables=None, drop=()) -> MemorySource:
    tables = {
        "ForecastSettings": settings_rows if settings_rows is not None else settings(),
        "SalesTeam": team if team is not None else TEAM,
        "PipelineStages": stages if stages is not None else STAGES,
        "Opportunities": opps if opps is not None else EXAMPLE_OPPS,
        "RepQuotas": quotas if quotas is not None else EXAMPLE_QUOTAS,
    }
    tables.update(extra_tables or {})
    for name in drop:
        tables.pop(name)
    return MemorySource(tables, workbook="test.xlsx",
                        sheets={"ForecastSettings": "Settings", "SalesTeam": "Team", "PipelineStages": "Stages",
                                "Opportunities": "Opportunities", "RepQuotas": "Quotas"})


def run(source: MemorySource | None = None) -> ForecastRun:
    return compute(load_inputs(source or workbook()), computed_at=RUN_AT)


def row(frame, unit_id: str) -> dict:
    r = frame[frame["ID"] == unit_id]
    assert len(r) >= 1, f"no row for {unit_id}"
    return r.iloc[-1].to_dict() if unit_id != "M" else r[r["Level"] == "Team"].iloc[0].to_dict()
