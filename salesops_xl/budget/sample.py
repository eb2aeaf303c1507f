"""Realistic, reproducible sample data for the budget template (``workbooks/budget.xlsx``).

The people are those of the quota template, brought in by the same code as ``budget from-quotas``
(the VP, five managers and their account executives, three open requisitions and the capacity
plan's planned hires), plus the account managers and SDRs of the commission template. Six cost
centres (leadership and one per team) roll up to three groups. January to June are closed: their
actuals are the plan with the noise of a real ledger, an events overspend in March and a hire who
left in April; T&E runs above plan, which the RunRate rule carries into the forecast. Bookings are
the quota target phased by the sample's seasonality. The same seed always gives the same tables.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from ..commissions.sample import PLAN_YEAR
from . import schema as S

D = _dt.date
SEASON = np.array([0.7, 0.8, 1.1, 0.8, 0.9, 1.2, 0.7, 0.8, 1.1, 0.9, 1.0, 1.5])
CLOSED = 6


def sample_tables(seed: int = 18) -> dict[str, pd.DataFrame]:
    from ..commissions.sample import sample_tables as commission_tables
    from ..quotas.sample import sample_tables as quota_tables
    from ..quotas.workflow import plan_quotas
    from ..source import MemorySource
    from .handoff import headcount_from_quotas

    rng = np.random.default_rng(seed)
    cc = pd.DataFrame([
        ("CC-100", "Sales leadership", "Leadership", "V01"),
        ("CC-110", "NA East (Archer)", "North America", "M01"),
        ("CC-120", "NA West (Haddad)", "North America", "M02"),
        ("CC-130", "DACH and Benelux (Okafor)", "EMEA", "M03"),
        ("CC-140", "UK and Ireland (Varga)", "EMEA", "M04"),
        ("CC-150", "NA Central (Chen)", "North America", "M05"),
    ], columns=["CostCentre", "Name", "Group", "QuotaNode"])
    plan = pd.DataFrame([{"PlanYearStart": D(PLAN_YEAR, 1, 1), "ActualsThrough": D(PLAN_YEAR, CLOSED, 30),
                          "Currency": "USD", "Reforecast": "Plan", "RunRateMonths": 3, "BenefitsRate": 0.24,
                          "NoticeDays": 30, "CostPerApplicant": 45.0, "CostPerHire": 6500.0,
                          "HiresCostCentre": "CC-150"}])
    roles = pd.DataFrame([
        ("Sales leader", 240_000.0, 0.22, 160_000.0),
        ("Sales manager", 165_000.0, None, 90_000.0),
        ("Account executive", 98_000.0, None, 98_000.0),
        ("Account manager", 88_000.0, None, 52_000.0),
        ("SDR", 62_000.0, None, 26_000.0),
    ], columns=["Role", "AnnualSalary", "BenefitsRate", "TargetIncentive"])
    qres = plan_quotas(MemorySource(quota_tables()), computed_at="2026-01-01T00:00:00+00:00")
    hc = headcount_from_quotas(qres, cc["CostCentre"].to_numpy(dtype=object), cc["QuotaNode"].to_numpy(dtype=object),
                               "CC-150")
    # the account managers and SDRs of the commission roster, in their manager's cost centre
    com = commission_tables()["Roster"]
    other = com[com.PlanID.isin(["AM", "SDR"]) & ~com.RepID.isin(hc.PersonID)].drop_duplicates("RepID")
    team = dict(zip(cc.QuotaNode, cc.CostCentre))
    extra = pd.DataFrame({"PersonID": other.RepID.to_numpy(dtype=object), "Name": other.RepName.to_numpy(dtype=object),
                          "CostCentre": other.ManagerID.map(team).to_numpy(dtype=object),
                          "Role": np.where(other.PlanID == "AM", "Account manager", "SDR").astype(object),
                          "Status": "Active", "StartDate": pd.to_datetime(other.HireDate).to_numpy(),
                          "EndDate": pd.to_datetime(other.TermDate).to_numpy()})
    for c in ("AnnualSalary", "BenefitsRate", "TargetIncentive", "ExpectedVariable"):
        extra[c] = np.nan
    extra["Source"] = None
    hc = pd.concat([hc, extra], ignore_index=True)
    hc.loc[hc.PersonID == "R031", "AnnualSalary"] = 112_000.0  # a senior AE above the band
    hc.loc[hc.PersonID == "R013", "ExpectedVariable"] = 121_500.0  # the what-if's expected cost of a top rep
    ramp = pd.DataFrame({"Month": [1, 2, 3], "Pct": [0.25, 0.50, 0.75]})
    cats = pd.DataFrame([
        ("T&E", "RunRate", "Travel and entertainment: follows the recent run rate"),
        ("Programs", "Plan", "SPIFs, events and sales tools: committed, forecast at plan"),
        ("Recruiting", "Plan", "Sourcing per applicant and fees per hire (from the hiring plan)"),
    ], columns=["Category", "Reforecast", "Description"])
    months = [f"{PLAN_YEAR}-{m:02d}" for m in range(1, 13)]
    heads = hc.groupby("CostCentre").size()
    rows = []
    for c in cc.CostCentre:
        n = int(heads.get(c, 1))
        for m, lab in enumerate(months):
            rows.append((c, "T&E", lab, float(np.round(n * 1_150 * (1.3 if m in (0, 8) else 1.0), -1)),
                         "Kick-off" if m == 0 else None))
            if m % 3 == 0:
                rows.append((c, "Programs", lab, float(np.round(n * 2_400, -2)), "Quarterly SPIF"))
        rows.append((c, "Programs", f"{PLAN_YEAR}-03", 18_000.0 if c != "CC-100" else 45_000.0, "Spring events"))
        rows.append((c, "Programs", f"{PLAN_YEAR}-01", float(n * 1_800), "Sales tools (annual licences)"))
    lines = pd.DataFrame(rows, columns=["CostCentre", "Category", "Month", "Amount", "Note"])
    # actuals of the closed months: plan x noise, by cost centre and category (what the ledger shows)
    from ..source import MemorySource as MS
    from .engine import compute
    from .inputs import load_inputs

    funnel = pd.DataFrame([("Applicants", 0.15, 21), ("Screen", 0.40, 10), ("Interview", 0.30, 21),
                           ("Offer", 0.80, 7)], columns=["Stage", "Conversion", "Days"])
    base = {"BudgetPlan": plan, "CostCentres": cc, "Headcount": hc, "Roles": roles, "RampCurve": ramp,
            "Categories": cats, "PlanLines": lines,
            "HiringFunnel": funnel}
    empty = pd.DataFrame({"CostCentre": [], "Category": [], "Month": [], "Amount": []})
    r = compute(load_inputs(MS({**base, "Actuals": empty}, workbook="sample")), computed_at="2026-01-01T00:00:00+00:00")
    act_rows = []
    drift = {S.SALARIES: 0.004, S.BENEFITS: 0.02, S.VARIABLE: 0.12, S.RECRUITING: 0.25, "T&E": 0.09,
             "Programs": 0.06}
    bias = {"T&E": 1.12, S.VARIABLE: 1.04, S.RECRUITING: 0.9}
    for li in range(len(r.line_cc)):
        cat = str(r.line_cat[li])
        for m in range(CLOSED):
            p = r.plan[li, m] / 100.0
            if p == 0:
                continue
            a = p * bias.get(cat, 1.0) * rng.lognormal(0.0, drift.get(cat, 0.05))
            if cat == "Programs" and m == 2 and r.inputs.cc_ids[r.line_cc[li]] == "CC-100":
                a += 21_400.0  # the spring events ran over
            act_rows.append((str(r.inputs.cc_ids[r.line_cc[li]]), cat, months[m], float(np.round(a, 2)), "GL"))
    actuals = pd.DataFrame(act_rows, columns=["CostCentre", "Category", "Month", "Amount", "Source"])
    target = 14_000_000.0 * SEASON / SEASON.sum()
    book_plan = np.round(target, -3)
    book_act = np.where(np.arange(12) < CLOSED, np.round(target * rng.lognormal(-0.03, 0.08, 12), -2), np.nan)
    book_fc = np.where(np.arange(12) >= CLOSED, np.round(target * rng.lognormal(0.0, 0.05, 12), -3), np.nan)
    bookings = pd.DataFrame({"Month": months, "Plan": book_plan, "Actual": book_act, "Forecast": book_fc})
    fx = pd.DataFrame({"Currency": ["EUR", "GBP"], "Rate": [0.92, 0.79]})
    return {**base, "Actuals": actuals, "Bookings": bookings, "BudgetFX": fx}
