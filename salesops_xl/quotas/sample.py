"""Realistic, reproducible sample data for the quota template (``workbooks/quotas.xlsx``).

The people are those of the commission template on a new-business plan (the
VP, 5 managers, 26 account executives; same ids, names, currencies and dates,
so the hand-off to ``workbooks/commissions.xlsx`` fits; an AE who moves to
account management mid-year ends his AE seat then), plus three open
requisitions. History is a year of monthly bookings per rep with a
seasonal pattern and the ramp of the 2025 hires; potential is account-based
for two teams and market-based for the others. The same seed always gives
the same tables.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from ..commissions.sample import PLAN_YEAR
from ..commissions.sample import sample_tables as commission_tables

D = _dt.date
SEASON = np.array([0.7, 0.8, 1.1, 0.8, 0.9, 1.2, 0.7, 0.8, 1.1, 0.9, 1.0, 1.5])
ACCOUNT_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Hooli",
                 "Vandelay", "Aperture", "Oscorp", "Soylent", "Gringotts", "Monarch", "Pied Piper", "Dunder",
                 "Massive", "Nakatomi", "Prestige", "Sterling", "Virtucon", "Zorg"]
ACCOUNT_SUFFIX = ["Corp", "Ltd", "GmbH", "Inc", "Group", "Holdings", "SA", "AG"]


def sample_tables(seed: int = 11) -> dict[str, pd.DataFrame]:
    """The input tables of workbooks/quotas.xlsx."""
    rng = np.random.default_rng(seed)
    com = commission_tables()["Roster"]
    # the people on a new-business plan: the VP, the managers, the account executives. The commission Roster
    # is effective-dated (a rep may have several rows): a seat ends when its last new-business row ends.
    nb = com[com.PlanID.isin(["VP", "MGR", "AE"])]
    people = nb.drop_duplicates("RepID", keep="first").reset_index(drop=True)
    ends = {}
    for rep_id, rows in nb.groupby("RepID", sort=False):  # a handful of rows
        to = rows["EffectiveTo"] if "EffectiveTo" in rows else pd.Series([None] * len(rows))
        ends[rep_id] = None if to.isna().any() else max(to)
    term = [t if t is not None and not pd.isna(t) else ends[r] for r, t in zip(people.RepID, people.TermDate)]
    roster = pd.DataFrame({
        "RepID": people.RepID, "RepName": people.RepName, "ManagerID": people.ManagerID, "Status": "Active",
        "HireDate": people.HireDate, "TermDate": term, "Currency": people.Currency,
        "Potential": np.nan, "Floor": np.nan, "Ceiling": np.nan,
    })
    reqs = pd.DataFrame({
        "RepID": ["REQ-01", "REQ-02", "REQ-03"],
        "RepName": ["Open req: AE, team Archer", "Open req: AE, team Okafor", "Open req: AE, team Chen"],
        "ManagerID": ["M01", "M03", "M05"], "Status": "Open",
        "HireDate": [D(PLAN_YEAR, 2, 1), D(PLAN_YEAR, 4, 1), D(PLAN_YEAR, 7, 1)], "TermDate": None,
        "Currency": ["USD", "EUR", "USD"], "Potential": np.nan, "Floor": np.nan, "Ceiling": np.nan,
    })
    roster = pd.concat([roster, reqs], ignore_index=True)
    reps = roster[roster.RepID.str.match(r"^(R|REQ)")].reset_index(drop=True)
    # -- potential: accounts for teams M01 and M02 (not their open seat), market potential for the rest
    acc_rows = []
    aid = 1000
    for r in reps.itertuples():
        if r.ManagerID in ("M01", "M02") and r.Status == "Active":
            for _ in range(int(rng.integers(6, 11))):
                aid += 1
                name = f"{ACCOUNT_WORDS[aid % len(ACCOUNT_WORDS)]} {ACCOUNT_SUFFIX[(aid * 7) % len(ACCOUNT_SUFFIX)]}"
                acc_rows.append((f"A-{aid}", r.RepID, float(np.round(rng.lognormal(np.log(420_000), 0.5), -3)),
                                 f"{name} ({aid})"))
        else:
            roster.loc[roster.RepID == r.RepID, "Potential"] = float(np.round(rng.lognormal(np.log(3_600_000), 0.25),
                                                                              -4))
    accounts = pd.DataFrame(acc_rows, columns=["AccountID", "RepID", "Potential", "AccountName"])
    # a scheduled move in mid-May (the hand-off prorates the account's quota share by days): the first account of
    # the last-but-one seat with accounts goes to the last one
    seats = list(dict.fromkeys(r[1] for r in acc_rows))
    first = next(a for a in acc_rows if a[1] == seats[-2])
    moves = pd.DataFrame({"AccountID": [first[0]], "FromRep": [seats[-2]], "ToRep": [seats[-1]],
                          "EffectiveDate": [pd.Timestamp("2026-05-16")], "Reason": ["Territory realignment"]})
    roster.loc[roster.RepID == "R028", "Floor"] = 450_000.0  # a small territory: the team guarantees a minimum
    roster.loc[roster.RepID == "R031", "Ceiling"] = 640_000.0  # the strongest history of team M01, capped
    # -- history: bookings per rep and month of the year before the plan year
    hstart = D(PLAN_YEAR - 1, 1, 1)
    curve = np.array([0.25, 0.5, 0.75])
    hrows = []
    for r in reps.itertuples():
        if r.Status != "Active":
            continue
        skill = rng.lognormal(0.0, 0.3)
        hire_m = (r.HireDate.year - hstart.year) * 12 + (r.HireDate.month - hstart.month)
        for m in range(12):
            if m < hire_m:
                continue
            k = m - hire_m
            ramp = curve[k] if k < len(curve) else 1.0
            amount = 560_000 / 12 * SEASON[m] / SEASON.mean() * skill * ramp * rng.gamma(8.0, 1 / 8.0)
            hrows.append((r.RepID, f"{PLAN_YEAR - 1}-{m + 1:02d}", float(np.round(amount, 0))))
    hrows.append(("R004", f"{PLAN_YEAR - 1}-05", -12_400.0))  # a credit note: rows of a month add up
    history = pd.DataFrame(hrows, columns=["RepID", "Month", "Amount"])
    plan = pd.DataFrame([{"PlanYearStart": D(PLAN_YEAR, 1, 1), "Target": 14_000_000.0, "Currency": "USD",
                          "Measure": "NewBusiness", "TeamMeasure": "TeamNB", "RoundingUnit": 1000.0,
                          "Phasing": "History",
                          "MinHistoryMonths": 3.0}])
    capacity = pd.DataFrame([{"Productivity": 600_000.0, "ExpectedAttainment": 0.85, "AttritionRate": 0.15,
                              "HiringLagMonths": 3, "ReqOpenDate": D(PLAN_YEAR, 1, 1), "MaxHiresPerMonth": 2}])
    rules = pd.DataFrame([
        ("Company", "Even", None, None, None, 1.00, "The VP of sales carries the company number"),
        ("V01", "Blend", 0.20, 0.50, 0.30, 1.10, "Teams: half history, 30% potential, 20% per ramped seat"),
        ("M01", "History", None, None, None, 1.15, "Mature team: last year's run rates"),
        ("M03", "Potential", None, None, None, 1.12, "New territories in EMEA: market potential"),
        ("M05", "Even", None, None, None, 1.10, "Same quota per ramped seat"),
    ], columns=["Node", "Method", "EvenWeight", "HistoryWeight", "PotentialWeight", "OverAssignment", "Note"])
    profile = pd.DataFrame({"Month": [f"{PLAN_YEAR}-{m:02d}" for m in range(1, 13)],
                            "Weight": (SEASON * 100).round(0)})
    ramp = pd.DataFrame({"Month": [1, 2, 3], "Pct": [0.25, 0.50, 0.75]})
    fx = pd.DataFrame({"Currency": ["EUR", "GBP"], "Rate": [0.92, 0.79]})
    return {"QuotaPlan": plan, "CapacityPlan": capacity, "QuotaRoster": roster, "AllocationRules": rules,
            "BookingsHistory": history, "AccountPotential": accounts, "AccountMoves": moves, "SeasonalProfile": profile, "RampCurve": ramp,
            "PlanFXRates": fx}
