"""Realistic, reproducible sample data for the commission template.

51 people: a VP, 5 regional managers and 45 reps on five plans; a year of
deals with splits, full and partial cancellations and three currencies;
mid-month hires, a leaver, a parental leave, a mid-year plan change and a
raise (effective-dated roster rows); manager and VP overrides on their teams'
credit; SPIFs, milestone bonuses, a recoverable and a non-recoverable draw;
and the first half-year locked as paid. The same seed always gives the same
tables, so the template is reproducible.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara", "Luis", "Maya",
         "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wes", "Xena", "Yusuf", "Zoe",
         "Amir", "Bea", "Carl", "Dina", "Emil", "Fay", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Milo", "Nora",
         "Omar", "Pia", "Raj", "Sofia", "Theo", "Uma", "Vik", "Wren", "Yara", "Zack", "Alma"]
LAST = ["Archer", "Baptiste", "Chen", "Diallo", "Eriksen", "Fontaine", "Garcia", "Haddad", "Ivanova", "Jensen",
        "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Schmidt", "Tanaka",
        "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zielinski"]

PLAN_YEAR = 2026
D = _dt.date

#: Stage 2 of the template: a deal paid in a locked month turns out cancelled (a prior-period adjustment).
LATE_CANCELLATION = {"DealID": None, "CancelDate": D(PLAN_YEAR, 6, 10), "CancelledPct": 1.0,
                     "Reason": "customer insolvency in June, reported after June was paid"}


def _plans() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    plans = pd.DataFrame({
        "PlanID": ["AE", "AM", "SDR", "MGR", "VP"],
        "PlanName": ["Account Executive", "Account Manager", "Sales Development Rep", "Sales Manager",
                     "VP Sales"],
        "Description": [
            "70% new business (monthly, YTD, marginal with accelerators), 30% renewals (quarterly, retroactive)",
            "60% renewals (quarterly YTD payout curve, 50% gate, 200% cap), 40% expansion (quarterly step curve)",
            "Pipeline generated: monthly payout curve, each month on its own, 50% gate, 200% cap",
            "20% own deals at a flat 4%; 80% team new business against the team quota (override)",
            "A 0.5% override on all new business below the VP (no quota)",
        ],
    })
    cols = ["PlanID", "Measure", "Weight", "PeriodType", "Basis", "Method", "RateType", "TierTable", "Threshold",
            "CapType", "CapValue", "ClawbackDays", "CreditSource", "SourceMeasure"]
    measures = pd.DataFrame([
        ("AE", "NewBusiness", 0.70, "Month", "YTD", "Marginal", "Commission", "AE-NB", None, "PctOfTarget", 3.0,
         180, "Own", None),
        ("AE", "Renewal", 0.30, "Quarter", "YTD", "Retroactive", "Commission", "AE-REN", None, None, None, 180,
         "Own", None),
        ("AM", "Renewal", 0.60, "Quarter", "YTD", "Marginal", "Multiple", "AM-CURVE", 0.5, "PctOfTarget", 2.0, 90,
         "Own", None),
        ("AM", "Expansion", 0.40, "Quarter", "Period", "Retroactive", "Multiple", "AM-STEP", None, None, None, 90,
         "Own", None),
        ("SDR", "Pipeline", 1.00, "Month", "Period", "Marginal", "Multiple", "SDR-CURVE", 0.5, "PctOfTarget", 2.0,
         None, "Own", None),
        ("MGR", "NewBusiness", 0.20, "Month", "YTD", "Marginal", "Commission", "FLAT-4", None, None, None, 180,
         "Own", None),
        ("MGR", "TeamNB", 0.80, "Month", "YTD", "Marginal", "Commission", "MGR-TEAM", None, None, None, 180,
         "Team", "NewBusiness"),
        ("VP", "OrgNB", 1.00, "Quarter", "YTD", "Marginal", "Commission", "VP-OVR", None, None, None, 180, "Team",
         "NewBusiness"),
    ], columns=cols)
    # managers' own deals pay on payment (pro rata as their invoices are paid: Invoices / Payments)
    measures["PayOn"] = np.where((measures.PlanID == "MGR") & (measures.Measure == "NewBusiness"), "Payment", np.array(None, dtype=object))
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
        ("FLAT-4", "Flat", 0.0, None, 0.04),
        ("MGR-TEAM", "Base", 0.0, 1.0, 0.010),
        ("MGR-TEAM", "Accelerator", 1.0, None, 0.015),
        ("VP-OVR", "Override", 0.0, None, 0.005),
    ], columns=["TierTable", "Tier", "From", "To", "Rate"])
    return plans, measures, tiers


def _roster() -> pd.DataFrame:
    names = [f"{FIRST[i]} {LAST[(i * 7) % len(LAST)]}" for i in range(51)]
    cols = ["RepID", "RepName", "ManagerID", "PlanID", "Currency", "HireDate", "TermDate", "TargetIncentive",
            "EffectiveFrom", "EffectiveTo"]
    rows: list[tuple[object, ...]] = [("V01", names[50], None, "VP", "USD", D(2021, 9, 1), None, 80000.0, None, None)]
    regions = [("M01", "USD"), ("M02", "USD"), ("M03", "EUR"), ("M04", "GBP"), ("M05", "USD")]
    for k, (mid, ccy) in enumerate(regions):
        rows.append((mid, names[k], "V01", "MGR", ccy, D(2022, 3 + k, 1), None, 40000.0, None, None))
    plan_cycle = ["AE"] * 5 + ["AM"] * 2 + ["SDR"] * 2
    for j in range(45):
        rid = f"R{j + 1:03d}"
        mid, ccy = regions[j % 5]
        plan = plan_cycle[j % 9]
        hire = D(2023 + (j % 3), 1 + (j % 12), 1)
        term = None
        if j == 7:
            hire = D(PLAN_YEAR, 3, 16)  # a mid-month hire
        if j == 16:
            hire = D(PLAN_YEAR, 6, 1)
        if j == 25:
            term = D(PLAN_YEAR, 8, 14)  # leaves mid-August
        ti = {"AE": 60000.0, "AM": 40000.0, "SDR": 24000.0}[plan] * (1.0 if ccy == "USD" else 0.9)
        name = names[5 + j]
        if j == 4:  # R005 moves from AE to AM on 1 July (plan change, new target)
            rows.append((rid, name, mid, "AE", ccy, hire, term, ti, None, D(PLAN_YEAR, 6, 30)))
            rows.append((rid, name, mid, "AM", ccy, hire, term, 45000.0, D(PLAN_YEAR, 7, 1), None))
        elif j == 9:  # R010 gets a raise on 16 April (same plan, target incentive prorated by days)
            rows.append((rid, name, mid, plan, ccy, hire, term, ti, None, D(PLAN_YEAR, 4, 15)))
            rows.append((rid, name, mid, plan, ccy, hire, term, ti * 1.2, D(PLAN_YEAR, 4, 16), None))
        else:
            rows.append((rid, name, mid, plan, ccy, hire, term, ti, None, None))
    roster = pd.DataFrame(rows, columns=cols)
    # addresses for e-mailed statements (example.com: reserved, never delivered); R045 has none, to show a skip
    roster["Email"] = [None if r == "R045" else n.lower().replace(" ", ".") + "@example.com"
                       for r, n in zip(roster["RepID"], roster["RepName"])]
    return roster


BASE_ANNUAL = {("AE", "NewBusiness"): 600000, ("AE", "Renewal"): 300000, ("AM", "Renewal"): 800000,
               ("AM", "Expansion"): 250000, ("SDR", "Pipeline"): 1200000, ("MGR", "NewBusiness"): 300000}
SEASON = np.array([0.7, 0.8, 1.1, 0.8, 0.9, 1.2, 0.7, 0.8, 1.1, 0.9, 1.0, 1.5])
SEASON = SEASON / SEASON.mean()


def _spans(roster: pd.DataFrame):
    """(row, first day, last day) of each roster row within the plan year."""
    y0, y1 = D(PLAN_YEAR, 1, 1), D(PLAN_YEAR, 12, 31)
    for r in roster.itertuples():
        a = max(y0, r.HireDate, r.EffectiveFrom or y0)
        b = min(y1, r.TermDate or y1, r.EffectiveTo or y1)
        if a <= b:
            yield r, a, b


def _quotas(roster: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    rows: list[tuple[str, str, str, float]] = []
    seen: set[tuple[str, str, int, int]] = set()
    nb_annual: dict[str, float] = {}
    for r, a, b in _spans(roster):
        scale = 0.9 if r.Currency != "USD" else 1.0
        for m in measures[measures.PlanID == r.PlanID].itertuples():
            if m.Measure in ("TeamNB", "OrgNB"):
                continue
            annual = BASE_ANNUAL[(r.PlanID, m.Measure)] * scale
            if m.Measure == "NewBusiness":
                nb_annual[r.RepID] = nb_annual.get(r.RepID, 0) + annual
            k = 1 if m.PeriodType == "Month" else 3
            for p in range(12 // k):
                first = D(PLAN_YEAR, p * k + 1, 1)
                last = D(PLAN_YEAR + (p * k + k) // 12, (p * k + k) % 12 + 1, 1) - _dt.timedelta(days=1)
                if last < a or first > b or (r.RepID, m.Measure, p, k) in seen:
                    continue
                seen.add((r.RepID, m.Measure, p, k))
                label = f"{PLAN_YEAR}-{p + 1:02d}" if k == 1 else f"{PLAN_YEAR}-Q{p + 1}"
                rows.append((r.RepID, m.Measure, label, round(annual / 12 * k * SEASON[p * k:p * k + k].mean(), -2)))
    # managers: a team quota of 90% of their reps' new-business quotas (under-assigned)
    team = roster[roster.PlanID.isin(["AE", "MGR"])].drop_duplicates("RepID")
    for mid in sorted(set(roster.loc[roster.PlanID == "MGR", "RepID"])):
        members = team[team.ManagerID == mid].RepID
        annual = 0.9 * sum(nb_annual.get(x, 0) for x in members)
        for p in range(12):
            rows.append((mid, "TeamNB", f"{PLAN_YEAR}-{p + 1:02d}", round(annual / 12 * SEASON[p], -2)))
    return pd.DataFrame(rows, columns=["RepID", "Measure", "Period", "Quota"])


def _deals(roster: pd.DataFrame, measures: pd.DataFrame, rng) -> pd.DataFrame:
    products = {"NewBusiness": ["Platform", "Analytics", "Payments"], "Renewal": ["Platform renewal",
                "Support renewal"], "Expansion": ["Seats", "Add-on"], "Pipeline": ["Qualified pipeline"]}
    ae = roster[roster.PlanID == "AE"]
    rows, did = [], 10000
    skill: dict[str, float] = {}
    for r, a, b in _spans(roster):
        skill.setdefault(r.RepID, rng.lognormal(0.0, 0.25))
        share = ((b - a).days + 1) / 365.0
        for m in measures[(measures.PlanID == r.PlanID) & (measures.CreditSource == "Own")].itertuples():
            if r.PlanID == "MGR":
                n_deals, avg = 6, 60000.0
            else:
                annual = BASE_ANNUAL[(r.PlanID, m.Measure)]
                n_deals = {"NewBusiness": 26, "Renewal": 20, "Expansion": 14, "Pipeline": 40}[m.Measure]
                avg = annual / n_deals * skill[r.RepID]
            n = int(round(n_deals * share))
            span = (b - a).days + 1
            for dd in np.sort(rng.integers(0, span, n)):
                close = a + _dt.timedelta(days=int(dd))
                did += 1
                amount = float(np.round(avg * rng.gamma(4.0, 0.25), -1))
                ccy = r.Currency if rng.random() > 0.15 else ("EUR" if r.Currency != "EUR" else "USD")
                status, cancel = "Booked", None
                if rng.random() < 0.035:
                    status = "Cancelled"
                    cancel = close + _dt.timedelta(days=int(rng.integers(10, 240)))
                    if cancel.year > PLAN_YEAR:
                        status, cancel = "Booked", None
                product = products[m.Measure][int(rng.integers(0, len(products[m.Measure])))]
                base = dict(DealID=f"D-{did}", CloseDate=close, Measure=m.Measure, Amount=amount, Currency=ccy,
                            Status=status, CancelDate=cancel, Product=product)
                partner = None
                if r.PlanID == "AE" and rng.random() < 0.12:
                    same = ae[(ae.RepID != r.RepID) & (ae.HireDate <= close)
                              & ae.TermDate.map(lambda t: t is None or t >= close)
                              & ae.EffectiveFrom.map(lambda t: t is None or t <= close)
                              & ae.EffectiveTo.map(lambda t: t is None or t >= close)]
                    if len(same):
                        partner = same.iloc[int(rng.integers(0, len(same)))]
                if partner is not None:
                    rows.append(dict(base, RepID=r.RepID, SplitPct=0.6))
                    rows.append(dict(base, RepID=partner.RepID, SplitPct=0.4))
                else:
                    rows.append(dict(base, RepID=r.RepID, SplitPct=1.0))
    return pd.DataFrame(rows)[["DealID", "RepID", "SplitPct", "CloseDate", "Measure", "Amount", "Currency",
                               "Status", "CancelDate", "Product"]]


def sample_tables(seed: int = 7) -> dict[str, pd.DataFrame]:
    """The input tables of workbooks/commissions.xlsx (stage 1: before the late cancellation)."""
    rng = np.random.default_rng(seed)
    settings = pd.DataFrame({
        "Setting": ["PlanYearStart", "AsOfDate", "LockedThrough", "DrawBalanceAtTermination", "StatementRep",
                    "EmailFrom", "CompanyName", "StatementContact"],
        "Value": [D(PLAN_YEAR, 1, 1), None, f"{PLAN_YEAR}-06", "Forgive", "R001", "Sales Ops <sales-ops@example.com>",
                  "Northwind Traders", "Sales Operations, salesops@northwind.example, ext. 4100"],
        "Description": ["First day of the plan year", "Blank: compute the whole plan year",
                        "January to June are paid: their numbers are kept; changes flow into July",
                        "A recoverable draw balance left at termination is written off",
                        "The rep whose statement the Rep statement button writes into this workbook",
                        "Sender of e-mailed statements (salesops-xl statements --send); SmtpHost etc. set the server",
                        "Printed at the top of every statement",
                        "Printed at the foot of every statement: where a rep asks"],
    })
    plans, measures, tiers = _plans()
    roster = _roster()
    quotas = _quotas(roster, measures)
    deals = _deals(roster, measures, rng)
    # partial cancellations: a downsell on a few booked, uncancelled deals
    booked = deals[(deals.Status == "Booked") & (deals.Measure == "NewBusiness")].drop_duplicates("DealID")
    pick = booked.iloc[[5, 40, 90, 150]]
    cancellations = pd.DataFrame({
        "DealID": pick.DealID.to_numpy(),
        "CancelDate": [c + _dt.timedelta(days=45) for c in pick.CloseDate],
        "CancelledPct": [0.25, 0.5, 0.3, 0.4],
        "Reason": ["downsell", "seats reduced", "scope cut", "downsell"],
    })
    leaves = pd.DataFrame({"RepID": ["R012"], "StartDate": [D(PLAN_YEAR, 7, 1)], "EndDate": [D(PLAN_YEAR, 8, 31)],
                           "Reason": ["parental leave"]})
    adjustments = pd.DataFrame([
        ("R001", f"{PLAN_YEAR}-03", 500.0, "Correction", "Missed split credit from February"),
        ("R010", f"{PLAN_YEAR}-06", 1000.0, "Bonus", "Discretionary: largest logo of H1"),
        ("R004", f"{PLAN_YEAR}-04", -250.0, "Correction", "Duplicate payment in March"),
        ("R020", f"{PLAN_YEAR}-09", 750.0, "Manual", "Referral fee"),
    ], columns=["RepID", "Period", "Amount", "Type", "Description"])
    spifs = pd.DataFrame([
        ("Q1-ANALYTICS", "Analytics launch", None, "NewBusiness", "Analytics", D(PLAN_YEAR, 1, 1),
         D(PLAN_YEAR, 3, 31), 20000.0, 500.0, None),
        ("PAYMENTS-PUSH", "Payments autumn push", "AE", None, "Payments", D(PLAN_YEAR, 9, 1),
         D(PLAN_YEAR, 10, 31), None, None, 0.01),
    ], columns=["SpifID", "Description", "PlanID", "Measure", "Product", "StartDate", "EndDate", "MinAmount",
                "AmountPerDeal", "PctOfCredit"])
    bonuses = pd.DataFrame([
        ("CLUB-100", "President's club: 100% of the annual new-business quota", "AE", "NewBusiness", 1.0, 2500.0,
         0.05),
        ("SDR-STAR", "120% of the annual pipeline quota", "SDR", "Pipeline", 1.2, 1000.0, None),
    ], columns=["BonusID", "Description", "PlanID", "Measure", "Milestone", "Amount", "PctOfTarget"])
    draws = pd.DataFrame([
        ("R008", f"{PLAN_YEAR}-04", f"{PLAN_YEAR}-06", 3000.0, "Recoverable", 0.5),
        ("R017", f"{PLAN_YEAR}-06", f"{PLAN_YEAR}-08", 1500.0, "NonRecoverable", None),
    ], columns=["RepID", "StartMonth", "EndMonth", "Amount", "Type", "RecoveryPct"])
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
    from ..accounting.sample import accounting_tables

    return {"Settings": settings, "Roster": roster, "Leaves": leaves, "Plans": plans, "PlanMeasures": measures,
            "Tiers": tiers, "Quotas": quotas, "Deals": deals, "Cancellations": cancellations,
            "Adjustments": adjustments, "Spifs": spifs, "Bonuses": bonuses, "Draws": draws, "FXRates": fx,
            **accounting_tables(deals), "Disputes": _disputes(deals), **_collections(deals, roster)}


def _collections(deals: pd.DataFrame, roster: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Invoices and payments of the managers' own deals (PlanMeasures[PayOn] Payment), and two manual holds.

    Each manager deal is invoiced in two halves (10 and 70 days after close); the first half is paid in two parts
    (60% at 30 days, 40% at 50 days), the second at 100 days: so a deal closed in November is still partly held at
    year end. The holds: an AE deal of February held until May (a credit check), and rep R020 held from November."""
    mgr = set(roster.RepID[roster.PlanID == "MGR"])
    d = deals[deals.RepID.isin(mgr) & (deals.Measure == "NewBusiness") & (deals.Status == "Booked")]
    d = d.drop_duplicates("DealID").reset_index(drop=True)
    inv, pay = [], []
    for k, r in enumerate(d.itertuples()):
        half = round(r.Amount / 2, 2)
        a, b = f"INV-{k + 1:03d}A", f"INV-{k + 1:03d}B"
        inv += [(a, r.DealID, r.CloseDate + _dt.timedelta(days=10), half),
                (b, r.DealID, r.CloseDate + _dt.timedelta(days=70), round(r.Amount - half, 2))]
        first = round(half * 0.6, 2)
        pay += [(f"PAY-{k + 1:03d}-1", a, r.CloseDate + _dt.timedelta(days=30), first),
                (f"PAY-{k + 1:03d}-2", a, r.CloseDate + _dt.timedelta(days=50), round(half - first, 2)),
                (f"PAY-{k + 1:03d}-3", b, r.CloseDate + _dt.timedelta(days=100), round(r.Amount - half, 2))]
    invoices = pd.DataFrame(inv, columns=["InvoiceID", "DealID", "InvoiceDate", "Amount"])
    invoices["Currency"] = d.set_index("DealID")["Currency"].reindex(invoices.DealID).to_numpy()
    payments = pd.DataFrame(pay, columns=["PaymentID", "InvoiceID", "PaymentDate", "Amount"])
    feb = deals[(deals.Status == "Booked") & (deals.Measure == "NewBusiness") & ~deals.RepID.isin(mgr)
                & deals.CloseDate.map(lambda c: c.month == 2)].drop_duplicates("DealID")
    holds = pd.DataFrame({
        "Scope": ["Deal", "Rep"], "ID": [feb.DealID.iloc[0], "R020"],
        "HoldFrom": [f"{PLAN_YEAR}-02", f"{PLAN_YEAR}-11"], "ReleasedIn": [f"{PLAN_YEAR}-05", None],
        "Reason": ["Customer credit check pending", "Expense audit in progress"],
        "By": ["Finance - J. Doe", "Finance - J. Doe"],
    })
    return {"Invoices": invoices, "Payments": payments, "Holds": holds}


def _disputes(deals: pd.DataFrame) -> pd.DataFrame:
    """Three disputes: one open, one resolved with an amount (paid in August), one rejected."""
    one = deals[(deals.Status == "Booked") & (deals.CloseDate >= D(PLAN_YEAR, 7, 1))].drop_duplicates("DealID")
    a, b, c = one.iloc[0], one.iloc[3], one.iloc[6]
    return pd.DataFrame({
        "DisputeID": ["DSP-001", "DSP-002", "DSP-003"], "RepID": [a.RepID, b.RepID, c.RepID],
        "DealID": [a.DealID, b.DealID, None], "Period": [None, None, f"{PLAN_YEAR}-07"],
        "RaisedBy": ["Rep", "Rep", "Manager"], "RaisedOn": [D(PLAN_YEAR, 8, 3), D(PLAN_YEAR, 7, 28), D(PLAN_YEAR, 8, 5)],
        "Reason": ["Split should be 60/40, not 50/50", "Deal booked under the wrong measure",
                   "July SPIF missing"],
        "Status": ["Open", "Resolved", "Rejected"],
        "Resolution": [None, "Agreed: credit difference paid as an adjustment", "Deal below the SPIF minimum"],
        "ResolvedOn": [None, D(PLAN_YEAR, 8, 12), D(PLAN_YEAR, 8, 14)], "Amount": [None, 350.0, None],
    })


def late_cancellation(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Stage 2: a May deal of R001 was cancelled in June, but reported only after June was paid and locked:
    the recalculation keeps June's numbers and carries the reversal into July as a prior-period adjustment."""
    d = tables["Deals"]
    may = d[(d.RepID == "R001") & (d.Status == "Booked") & (d.Measure == "NewBusiness")
            & d.CloseDate.map(lambda c: c.month == 5) & ~d.DealID.isin(tables["Cancellations"].DealID)]
    row = dict(LATE_CANCELLATION, DealID=may.DealID.iloc[0])
    out = dict(tables)
    out["Cancellations"] = pd.concat([tables["Cancellations"], pd.DataFrame([row])], ignore_index=True)
    return out
