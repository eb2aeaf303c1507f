"""Sample data of ``workbooks/forecast.xlsx``: a sales team with four years of CRM history.

A VP, three regional managers and 18 account executives (one hired in June 2026). Opportunities
are created every month at a rate that grows about 12% a year, close after a cycle of two to four
months, are won about a quarter of the time (each rep has their own win rate), close more often in
the last weeks of a quarter and are bigger in the fourth quarter (so bookings are seasonal); close
dates slip; lost deals record the stage they were lost at. Quotas are set per fiscal quarter.
Everything is drawn from a seeded generator, so the workbook is the same on every build.
"""
from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

AS_OF = _dt.date(2026, 11, 20)
FIRST_MONTH = _dt.date(2022, 1, 1)

STAGES = [
    # Stage, Type, Order, Probability, ForecastCategory
    ("Prospecting", "Open", 1, 0.10, "Pipeline"),
    ("Qualification", "Open", 2, 0.20, "Pipeline"),
    ("Demo", "Open", 3, 0.40, "Best Case"),
    ("Proposal", "Open", 4, 0.60, "Best Case"),
    ("Negotiation", "Open", 5, 0.80, "Commit"),
    ("Closed Won", "Won", None, 1.00, "Closed"),
    ("Closed Lost", "Lost", None, 0.00, "Omitted"),
]
OPEN_STAGES = [s[0] for s in STAGES if s[1] == "Open"]

REGIONS = [("M1", "Maya Okafor", "North America", 7, 32000.0),
           ("M2", "Lars Eriksen", "EMEA", 6, 26000.0),
           ("M3", "Hana Tanaka", "APAC", 5, 22000.0)]
FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luca", "Mina",
         "Noah", "Olivia", "Priya", "Quentin", "Rosa"]
LAST = ["Archer", "Baptiste", "Chen", "Diallo", "Fontaine", "Garcia", "Haddad", "Ivanova", "Jensen", "Kowalski",
        "Larsen", "Moreau", "Nakamura", "Petrov", "Rossi", "Schmidt", "Varga", "Weber"]
ACCOUNTS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell",
            "Cyberdyne", "Wonka", "Pied Piper", "Gringotts", "Oscorp", "Aperture", "Massive Dynamic", "Nakatomi",
            "Duff", "Virtucon"]
SUFFIX = ["Corp", "Group", "Ltd", "GmbH", "SA", "KK", "Inc", "Holdings"]

SETTINGS = [
    ("AsOfDate", AS_OF, "The day of the CRM export; its month is the first month forecast"),
    ("FiscalYearStart", _dt.date(2026, 1, 1), "Fiscal year = calendar year"),
    ("GapPeriod", "Quarter", "Gap analysis and pipeline forecast for the fiscal quarter holding AsOfDate"),
    ("Horizon", 12, "Months forecast"),
    ("Method", "Combo", "Mean of ETS, Theta and DOTM; Best picks by backtest"),
    ("ConfidenceLevel", 0.8, "Prediction intervals at 80%"),
    ("LookbackMonths", 12, "Closed deals of the last 12 months teach rates, conversion and slippage"),
    ("ConversionPriorWeight", 10, "Stage conversion shrunk toward the stage probability by 10 pseudo-deals"),
    ("MinDeals", 5, "Reps with fewer closed deals use company rates"),
    ("ManagerQuota", "Team", "A manager's quota row is the team's number (Own: the manager's own, added to the team's)"),
    ("BacktestOrigins", 6, "Rolling origins of the backtest"),
    ("BacktestHorizon", 3, "Months forecast from each origin"),
]


def _month_index(d: _dt.date) -> int:
    return d.year * 12 + d.month - 1


def sample_tables(seed: int = 2026) -> dict[str, pd.DataFrame]:
    """The input tables of workbooks/forecast.xlsx."""
    rng = np.random.default_rng(seed)
    D64 = np.datetime64
    settings = pd.DataFrame({"Setting": [s[0] for s in SETTINGS],
                             "Value": [s[1].isoformat() if isinstance(s[1], _dt.date) else s[1] for s in SETTINGS],
                             "Description": [s[2] for s in SETTINGS]})
    stages = pd.DataFrame(STAGES, columns=["Stage", "Type", "Order", "Probability", "ForecastCategory"])

    # -- team ------------------------------------------------------------------------------------
    team = [("V01", "Sam Whitfield", None, None)]
    reps = []  # (RepID, region index, hire month index, win rate, deal median, opps per month)
    k = 0
    for r, (mid, mname, region, n_reps, median) in enumerate(REGIONS):
        team.append((mid, mname, "V01", region))
        for j in range(n_reps):
            rid = f"R{k + 1:02d}"
            team.append((rid, f"{FIRST[k]} {LAST[(k * 5) % len(LAST)]}", mid, region))
            hire = _month_index(FIRST_MONTH) + int(rng.integers(0, 8)) if k != 11 else _month_index(_dt.date(2026, 6, 1))
            reps.append((rid, r, hire, float(np.clip(rng.normal(0.27, 0.05), 0.15, 0.4)),
                         median * float(np.exp(rng.normal(0, 0.15))), float(rng.uniform(4.5, 7.5))))
            k += 1
    team_df = pd.DataFrame(team, columns=["RepID", "RepName", "ManagerID", "Region"])

    # -- opportunities: created per rep and month (vectorised over all rep-months) -------------------
    as_of_m = _month_index(AS_OF)
    rep_ids = np.array([r[0] for r in reps], dtype=object)
    rows_rep, rows_month = [], []
    for i, (_, _, hire, _, _, rate) in enumerate(reps):  # 18 reps
        months = np.arange(hire, as_of_m + 1)
        growth = 1.12 ** ((months - _month_index(FIRST_MONTH)) / 12.0)
        ramp = np.minimum(1.0, (months - hire + 1) / 4.0)
        season = np.array([0.8, 0.9, 1.1, 0.95, 1.0, 1.1, 0.8, 0.85, 1.1, 1.15, 1.1, 1.05])[months % 12]
        lam = rate * growth * ramp * season * np.where(months == as_of_m, AS_OF.day / 30.0, 1.0)
        counts = rng.poisson(lam)
        rows_rep.append(np.repeat(i, counts.sum()))
        rows_month.append(np.repeat(months, counts))
    rep_i = np.concatenate(rows_rep)
    created_m = np.concatenate(rows_month)
    n = len(rep_i)
    month_start = np.array([np.datetime64(f"{m // 12:04d}-{m % 12 + 1:02d}-01") for m in range(created_m.min(),
                                                                                               as_of_m + 2)])
    day = rng.integers(0, 28, n)
    created = month_start[created_m - created_m.min()] + day.astype("timedelta64[D]")
    created = np.minimum(created, D64(AS_OF))
    win_rate = np.array([r[3] for r in reps])[rep_i]
    median = np.array([r[4] for r in reps])[rep_i]
    amount = np.round(median * np.exp(rng.normal(0, 0.55, n)) / 100.0) * 100.0
    cycle = np.round(rng.gamma(4.0, 20.0, n)).astype(np.int64) + 20  # planned days to close
    original = created + cycle.astype("timedelta64[D]")
    # quarter-end push: a third of the deals planned within 6 weeks of a quarter end are planned for its last week
    om = original.astype("datetime64[M]")
    q_end = (om.astype(np.int64) // 3 * 3 + 3).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
    push = (rng.random(n) < 0.5) & ((q_end - original).astype(np.int64) < 42)
    original = np.where(push, q_end - rng.integers(0, 7, n).astype("timedelta64[D]"), original)
    original = np.maximum(original, created + np.timedelta64(7, "D"))
    slip_days = np.where(rng.random(n) < 0.55, rng.integers(0, 10, n),
                         np.where(rng.random(n) < 0.6, rng.integers(20, 45, n), rng.integers(45, 120, n)))
    slip_days = np.where(push & (rng.random(n) < 0.8), rng.integers(0, 4, n), slip_days)  # the quarter-end rush holds
    actual = original + slip_days.astype("timedelta64[D]")
    # Q4 deals are bigger (year-end budgets); January is quiet
    act_month = (actual.astype("datetime64[M]").astype(np.int64)) % 12
    amount = amount * np.select([act_month == 11, act_month >= 9, act_month <= 1], [1.45, 1.25, 0.75], 1.0)
    amount = np.round(amount / 100.0) * 100.0
    won = rng.random(n) < win_rate
    lost_at = rng.choice(len(OPEN_STAGES), n, p=[0.3, 0.3, 0.2, 0.12, 0.08])
    lost_early = actual - ((cycle * (1 - (lost_at + 1) / 6.0)).astype(np.int64)).astype("timedelta64[D]")
    close_if_closed = np.where(won, actual, np.maximum(lost_early, created + np.timedelta64(3, "D")))
    as_of = D64(AS_OF)
    closed = close_if_closed <= as_of
    # open deals: stage by progress through the planned cycle; close date = current expectation
    progress = np.clip((as_of - created).astype(np.int64) / np.maximum((original - created).astype(np.int64), 1),
                       0, 0.999)
    open_stage = np.minimum((progress * len(OPEN_STAGES)).astype(np.int64), len(OPEN_STAGES) - 1)
    open_stage = np.where(won, np.maximum(open_stage, 1), np.minimum(open_stage, lost_at))
    expected = np.where(original < as_of, as_of + rng.integers(5, 50, n).astype("timedelta64[D]"), original)
    stage = np.where(closed, np.where(won, "Closed Won", "Closed Lost"),
                     np.array(OPEN_STAGES, dtype=object)[open_stage]).astype(object)
    close = np.where(closed, close_if_closed, expected)
    # reps' own categories: some late-stage deals are committed, a few early ones are best case
    cat = np.full(n, None, dtype=object)
    is_open = ~closed
    cat[is_open & (open_stage == 3) & (rng.random(n) < 0.35)] = "Commit"
    cat[is_open & (open_stage == 1) & (rng.random(n) < 0.15)] = "Best Case"
    cat[is_open & (rng.random(n) < 0.03)] = "Omitted"
    lost_stage = np.where(~won & closed, np.array(OPEN_STAGES, dtype=object)[lost_at], None)
    lost_stage[(~won & closed) & (rng.random(n) < 0.06)] = None  # a few lost deals without the stage
    orig_known = rng.random(n) < 0.9
    acct = np.array([f"{ACCOUNTS[a]} {SUFFIX[s]}" for a, s in zip(rng.integers(0, len(ACCOUNTS), n),
                                                                  rng.integers(0, len(SUFFIX), n))], dtype=object)
    order = np.lexsort((rep_i, created))
    opp = pd.DataFrame({
        "OppID": [f"O-{10001 + i}" for i in range(n)],
        "RepID": rep_ids[rep_i[order]],
        "Account": acct[order],
        "Amount": amount[order],
        "CreatedDate": pd.to_datetime(created[order]),
        "CloseDate": pd.to_datetime(close[order]),
        "Stage": stage[order],
        "ForecastCategory": cat[order],
        "LostAtStage": lost_stage[order],
        "OriginalCloseDate": pd.to_datetime(np.where(orig_known, original, np.datetime64("NaT"))[order]),
    })
    # -- quotas: per fiscal quarter, from each rep's expected bookings with ~12% growth -------------
    qrows = []
    for i, (rid, _, hire, wr, med, rate) in enumerate(reps):
        per_month = rate * wr * med * float(np.exp(0.55 ** 2 / 2)) * 1.05
        for fy in (2025, 2026):
            for q in range(4):
                qm = fy * 12 + 3 * q
                if qm + 2 < hire:
                    continue
                growth = 1.12 ** ((qm + 1 - _month_index(FIRST_MONTH)) / 12.0)
                seasonal = (0.9, 1.0, 1.0, 1.2)[q]
                months = min(3, qm + 3 - max(qm, hire))
                ramped = np.mean([min(1.0, (m - hire + 1) / 4.0) for m in range(max(qm, hire), qm + 3)]) \
                    if months else 0.0
                quota = per_month * growth * seasonal * 3 * ramped * 1.1
                qrows.append((rid, f"{fy}-Q{q + 1}", float(np.round(quota / 1000.0) * 1000.0)))
    quotas = pd.DataFrame(qrows, columns=["RepID", "Period", "Quota"])
    return {"ForecastSettings": settings, "SalesTeam": team_df, "PipelineStages": stages, "Opportunities": opp,
            "RepQuotas": quotas}
