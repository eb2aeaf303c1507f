"""Realistic, reproducible sample data for the commission template.

50 people (5 managers, 45 reps) on four plans, a year of deals with splits,
cancellations and three currencies, mid-year hires and a termination. The
same seed always gives the same tables, so the template is reproducible.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara", "Luis", "Maya",
         "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wes", "Xena", "Yusuf", "Zoe",
         "Amir", "Bea", "Carl", "Dina", "Emil", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Milo", "Nora",
         "Omar", "Pia", "Raj", "Sofia", "Theo", "Uma", "Vik", "Wren", "Yara", "Zack"]
LAST = ["Archer", "Baptiste", "Chen", "Diallo", "Eriksen", "Fontaine", "Garcia", "Haddad", "Ivanova", "Jensen",
        "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Schmidt", "Tanaka",
        "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zielinski"]

PLAN_YEAR = 2026


def sample_tables(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The input tables of workbooks/commissions.xlsx."""
    rng = np.random.default_rng(seed)
    D = _dt.date
    settings = pd.DataFrame({
        "Setting": ["PlanYearStart", "AsOfDate"],
        "Value": [D(PLAN_YEAR, 1, 1), None],
        "Description": ["First day of the plan year", "Blank: compute the whole plan year"],
    })
    plans = pd.DataFrame({
        "PlanID": ["AE", "AM", "SDR", "MGR"],
        "PlanName": ["Account Executive", "Account Manager", "Sales Development Rep", "Sales Manager"],
        "Description": [
            "70% new business (monthly, YTD, marginal with accelerator), 30% renewals (quarterly, retroactive)",
            "60% renewals, 40% expansion; quarterly payout curves with threshold and cap",
            "Pipeline generated; monthly payout curve, each month on its own, 50% gate, 200% cap",
            "Team selling credit; monthly marginal commission",
        ],
    })
    measures = pd.DataFrame([
        # PlanID, Measure, Weight, PeriodType, Basis, Method, RateType, TierTable, Threshold, CapType, CapValue, Claw
        ("AE", "NewBusiness", 0.70, "Month", "YTD", "Marginal", "Commission", "AE-NB", None, "PctOfTarget", 3.0, 180),
        ("AE", "Renewal", 0.30, "Quarter", "YTD", "Retroactive", "Commission", "AE-REN", None, None, None, 180),
        ("AM", "Renewal", 0.60, "Quarter", "YTD", "Marginal", "Multiple", "AM-CURVE", 0.5, "PctOfTarget", 2.0, 90),
        ("AM", "Expansion", 0.40, "Quarter", "Period", "Retroactive", "Multiple", "AM-STEP", None, None, None, 90),
        ("SDR", "Pipeline", 1.00, "Month", "Period", "Marginal", "Multiple", "SDR-CURVE", 0.5, "PctOfTarget", 2.0,
         None),
        ("MGR", "NewBusiness", 1.00, "Month", "YTD", "Marginal", "Commission", "MGR-NB", None, None, None, 180),
    ], columns=["PlanID", "Measure", "Weight", "PeriodType", "Basis", "Method", "RateType", "TierTable",
                "Threshold", "CapType", "CapValue", "ClawbackDays"])
    tiers = pd.DataFrame([
        ("AE-NB", "Base", 0.0, 0.5, 0.06),
        ("AE-NB", "Target", 0.5, 1.0, 0.08),
        ("AE-NB", "Accelerator", 1.0, 1.5, 0.12),
        ("AE-NB", "Super", 1.5, None, 0.15),
        ("AE-REN", "Below", 0.0, 0.8, 0.02),
        ("AE-REN", "On target", 0.8, 1.1, 0.03),
        ("AE-REN", "Above", 1.1, None, 0.04),
        ("AM-CURVE", "Ramp", 0.0, 1.0, 1.0),
        ("AM-CURVE", "Accelerator", 1.0, 1.3, 2.0),
        ("AM-CURVE", "Decelerator", 1.3, None, 0.5),
        ("AM-STEP", "None", 0.0, 0.75, 0.0),
        ("AM-STEP", "Partial", 0.75, 1.0, 0.6),
        ("AM-STEP", "Full", 1.0, 1.25, 1.0),
        ("AM-STEP", "Stretch", 1.25, None, 1.4),
        ("SDR-CURVE", "Base", 0.0, 1.0, 1.0),
        ("SDR-CURVE", "Accelerator", 1.0, None, 1.5),
        ("MGR-NB", "Base", 0.0, 1.0, 0.01),
        ("MGR-NB", "Accelerator", 1.0, None, 0.02),
    ], columns=["TierTable", "Tier", "From", "To", "Rate"])

    # -- roster: 5 managers, 45 reps ------------------------------------------------------------
    names = [f"{FIRST[i]} {LAST[(i * 7) % len(LAST)]}" for i in range(50)]
    rows = []
    regions = [("M01", "USD"), ("M02", "USD"), ("M03", "EUR"), ("M04", "GBP"), ("M05", "USD")]
    for k, (mid, ccy) in enumerate(regions):
        rows.append((mid, names[k], None, "MGR", ccy, D(2022, 3 + k, 1), None, 40000.0))
    plan_cycle = ["AE"] * 5 + ["AM"] * 2 + ["SDR"] * 2
    for j in range(45):
        rid = f"R{j + 1:03d}"
        mid, ccy = regions[j % 5]
        plan = plan_cycle[j % 9]
        hire = D(2023 + (j % 3), 1 + (j % 12), 1)
        term = None
        if j == 7:
            hire = D(PLAN_YEAR, 3, 16)  # mid-month hire
        if j == 16:
            hire = D(PLAN_YEAR, 6, 1)
        if j == 25:
            term = D(PLAN_YEAR, 8, 31)  # leaves after August
        ti = {"AE": 60000.0, "AM": 40000.0, "SDR": 24000.0}[plan] * (1.0 if ccy == "USD" else 0.9)
        rows.append((rid, names[5 + j], mid, plan, ccy, hire, term, ti))
    roster = pd.DataFrame(rows, columns=["RepID", "RepName", "ManagerID", "PlanID", "Currency", "HireDate",
                                         "TermDate", "TargetIncentive"])

    # -- quotas ------------------------------------------------------------------------------------
    season = np.array([0.7, 0.8, 1.1, 0.8, 0.9, 1.2, 0.7, 0.8, 1.1, 0.9, 1.0, 1.5])
    season = season / season.mean()
    qrows = []
    plan_meas = measures.groupby("PlanID")
    base_annual = {("AE", "NewBusiness"): 600000, ("AE", "Renewal"): 300000, ("AM", "Renewal"): 800000,
                   ("AM", "Expansion"): 250000, ("SDR", "Pipeline"): 1200000, ("MGR", "NewBusiness"): 2400000}
    for r in roster.itertuples():
        scale = 0.9 if r.Currency != "USD" else 1.0
        for m in plan_meas.get_group(r.PlanID).itertuples():
            annual = base_annual[(r.PlanID, m.Measure)] * scale
            if m.PeriodType == "Month":
                for mo in range(12):
                    qrows.append((r.RepID, m.Measure, f"{PLAN_YEAR}-{mo + 1:02d}",
                                  round(annual / 12 * season[mo], -2)))
            else:
                for qi in range(4):
                    qrows.append((r.RepID, m.Measure, f"{PLAN_YEAR}-Q{qi + 1}",
                                  round(annual / 4 * season[qi * 3:qi * 3 + 3].mean(), -2)))
    quotas = pd.DataFrame(qrows, columns=["RepID", "Measure", "Period", "Quota"])

    # -- deals ---------------------------------------------------------------------------------------
    products = {"NewBusiness": ["Platform", "Analytics", "Payments"], "Renewal": ["Platform renewal",
                "Support renewal"], "Expansion": ["Seats", "Add-on"], "Pipeline": ["Qualified pipeline"]}
    drows = []
    did = 10000
    for r in roster.itertuples():
        skill = rng.lognormal(0.0, 0.25)
        for m in plan_meas.get_group(r.PlanID).itertuples():
            if r.PlanID == "MGR":
                n_deals, avg = 6, 60000.0
            else:
                annual = base_annual[(r.PlanID, m.Measure)]
                n_deals = {"NewBusiness": 26, "Renewal": 20, "Expansion": 14, "Pipeline": 40}[m.Measure]
                avg = annual / n_deals * skill
            days = np.sort(rng.integers(0, 365, n_deals))
            for dd in days:
                close = D(PLAN_YEAR, 1, 1) + _dt.timedelta(days=int(dd))
                if close < r.HireDate or (r.TermDate is not None and close > r.TermDate):
                    continue
                did += 1
                amount = float(np.round(avg * rng.gamma(4.0, 0.25), -1))
                ccy = r.Currency if rng.random() > 0.15 else ("EUR" if r.Currency != "EUR" else "USD")
                status, cancel = "Booked", None
                if rng.random() < 0.04:
                    status = "Cancelled"
                    cancel = close + _dt.timedelta(days=int(rng.integers(10, 240)))
                    if cancel.year > PLAN_YEAR:
                        status, cancel = "Booked", None
                product = products[m.Measure][int(rng.integers(0, len(products[m.Measure])))]
                base = dict(DealID=f"D-{did}", CloseDate=close, Measure=m.Measure, Amount=amount, Currency=ccy,
                            Status=status, CancelDate=cancel, Product=product)
                partner = None
                if r.PlanID == "AE" and rng.random() < 0.12:
                    same = roster[(roster.PlanID == "AE") & (roster.RepID != r.RepID)]
                    partner = same.iloc[int(rng.integers(0, len(same)))]
                    if partner.HireDate > close or (partner.TermDate is not None and close > partner.TermDate):
                        partner = None
                if partner is not None:
                    drows.append(dict(base, RepID=r.RepID, SplitPct=0.6))
                    drows.append(dict(base, RepID=partner.RepID, SplitPct=0.4))
                else:
                    drows.append(dict(base, RepID=r.RepID, SplitPct=1.0))
    deals = pd.DataFrame(drows)[["DealID", "RepID", "SplitPct", "CloseDate", "Measure", "Amount", "Currency",
                                 "Status", "CancelDate", "Product"]]

    adjustments = pd.DataFrame([
        ("R001", f"{PLAN_YEAR}-03", 500.0, "SPIF", "Q1 Analytics launch SPIF"),
        ("R010", f"{PLAN_YEAR}-06", 1000.0, "Bonus", "President's club qualifier"),
        ("R004", f"{PLAN_YEAR}-04", -250.0, "Correction", "Duplicate SPIF paid in March"),
        ("R020", f"{PLAN_YEAR}-09", 750.0, "SPIF", "Payments push"),
    ], columns=["RepID", "Period", "Amount", "Type", "Description"])

    fx_rows = []
    eur_usd = 1.08 + 0.02 * np.sin(np.arange(12) / 2.0)
    gbp_usd = 1.27 + 0.015 * np.cos(np.arange(12) / 2.0)
    for mo in range(12):
        label = f"{PLAN_YEAR}-{mo + 1:02d}"
        e, g = round(float(eur_usd[mo]), 4), round(float(gbp_usd[mo]), 4)
        fx_rows += [(label, "EUR", "USD", e), (label, "USD", "EUR", round(1 / e, 6)),
                    (label, "GBP", "USD", g), (label, "USD", "GBP", round(1 / g, 6)),
                    (label, "EUR", "GBP", round(e / g, 6)), (label, "GBP", "EUR", round(g / e, 6))]
    fx = pd.DataFrame(fx_rows, columns=["Month", "FromCurrency", "ToCurrency", "Rate"])
    return {"Settings": settings, "Roster": roster, "Plans": plans, "PlanMeasures": measures, "Tiers": tiers,
            "Quotas": quotas, "Deals": deals, "Adjustments": adjustments, "FXRates": fx}
