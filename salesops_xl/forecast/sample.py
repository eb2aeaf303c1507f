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
from typing import Any

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
    ("CompareFrom", None, "Blank: Pipeline Changes compares the two latest snapshots"),
    ("CompareTo", None, "Blank: the latest snapshot"),
    ("AccuracyPeriods", 4, "Forecast Accuracy over the last four closed quarters"),
    ("AccuracyDay", 45, "The calls measured: the last snapshot on or before day 45 of the quarter (mid-quarter)"),
]


def _month_index(d: _dt.date) -> int:
    return d.year * 12 + d.month - 1


def sample_tables(seed: int = 2026) -> dict[str, pd.DataFrame]:
    """The input tables of workbooks/forecast.xlsx (ForecastSubmissions included)."""
    tables, sim = _generate(seed)
    tables["ForecastSubmissions"] = _submissions(tables, sim, seed)
    return tables


def _generate(seed: int):
    rng = np.random.default_rng(seed)
    D64 = np.datetime64
    settings = pd.DataFrame({"Setting": [s[0] for s in SETTINGS],
                             "Value": [s[1].isoformat() if isinstance(s[1], _dt.date) else s[1] for s in SETTINGS],
                             "Description": [s[2] for s in SETTINGS]})
    stages = pd.DataFrame(STAGES, columns=["Stage", "Type", "Order", "Probability", "ForecastCategory"])

    # -- team ------------------------------------------------------------------------------------
    team: list[tuple[str, str, str | None, str | None]] = [("V01", "Sam Whitfield", None, None)]
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
    lost_stage = np.where(~won & closed, np.array(OPEN_STAGES, dtype=object)[lost_at], np.array(None, dtype=object))
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
                months_in = min(3, qm + 3 - max(qm, hire))  # months of the quarter on the team
                ramped = np.mean([min(1.0, (m - hire + 1) / 4.0) for m in range(max(qm, hire), qm + 3)]) \
                    if months_in else 0.0
                quota = per_month * growth * seasonal * 3 * ramped * 1.1
                qrows.append((rid, f"{fy}-Q{q + 1}", float(np.round(quota / 1000.0) * 1000.0)))
    quotas = pd.DataFrame(qrows, columns=["RepID", "Period", "Quota"])
    tables = {"ForecastSettings": settings, "SalesTeam": team_df, "PipelineStages": stages, "Opportunities": opp,
              "RepQuotas": quotas}
    sim = {"created": created[order], "original": original[order], "close_if_closed": close_if_closed[order],
           "won": won[order], "lost_at": lost_at[order], "n": n}
    return tables, sim


# -- the past: states of the CRM on earlier days, calls, snapshots ----------------------------------------

DEFAULT_CATEGORY = {s[0]: s[4] for s in STAGES}
STAGE_PROB = {s[0]: s[3] for s in STAGES}
NOTES = ("Globex renewal slips to next quarter", "haircut on two deals without a signed order form",
         "Stark expansion pulled in", "procurement delays at Initech", "upside from the Q4 budget flush",
         "legal review done on the Wayne deal", "confident in the commit list after deal reviews")


class _Past:
    """The CRM as it looked on an earlier day, derived from the export and the generator's hidden fates: deals
    not yet created are absent, deals closed later were open (stage by progress, the originally planned close
    date unless already past), some amounts were different before a mid-cycle change."""

    def __init__(self, tables, sim, seed: int):
        rng = np.random.default_rng(seed + 7)  # its own stream: the export above does not change
        self.opp = tables["Opportunities"]
        n = sim["n"]
        self.sim = sim
        self.late = rng.integers(5, 50, n).astype("timedelta64[D]")
        self.u_commit = rng.random(n)
        self.u_best = rng.random(n)
        cyc = np.maximum((sim["original"] - sim["created"]).astype(np.int64), 1)
        self.change_day = np.minimum(sim["created"] + (rng.random(n) * cyc).astype("timedelta64[D]"),
                                     np.datetime64(AS_OF))
        self.factor = np.where(rng.random(n) < 0.15, np.round(rng.uniform(0.75, 1.3, n), 2), 1.0)

    def state(self, day: _dt.date) -> pd.DataFrame:
        o, s = self.opp, self.sim
        D = np.datetime64(day)
        final_close = o["CloseDate"].to_numpy().astype("datetime64[D]")
        final_stage = o["Stage"].to_numpy(object)
        exists = s["created"] <= D
        closed = s["close_if_closed"] <= D
        prog = np.clip((D - s["created"]).astype(np.int64)
                       / np.maximum((s["original"] - s["created"]).astype(np.int64), 1), 0, 0.999)
        st = np.minimum((prog * len(OPEN_STAGES)).astype(np.int64), len(OPEN_STAGES) - 1)
        st = np.where(s["won"], np.maximum(st, 1), np.minimum(st, s["lost_at"]))
        stage = np.where(closed, np.where(s["won"], "Closed Won", "Closed Lost"),
                         np.array(OPEN_STAGES, dtype=object)[st]).astype(object)
        close = np.where(closed, s["close_if_closed"], np.where(s["original"] >= D, s["original"], D + self.late))
        same = stage == final_stage
        own = o["ForecastCategory"].to_numpy(object)
        cat = np.array([DEFAULT_CATEGORY[x] for x in stage], dtype=object)
        cat = np.where(same & pd.notna(own) & ~closed, own, cat)
        cat = np.where(closed, np.where(s["won"], "Closed", "Omitted"), cat)
        close = np.where(same & ~closed & (day == AS_OF), final_close, close)
        amount = o["Amount"].to_numpy(np.float64)
        amount = np.where(D < self.change_day, np.round(amount * self.factor / 100.0) * 100.0, amount)
        status = np.where(closed, np.where(s["won"], "Won", "Lost"), "Open").astype(object)
        out = pd.DataFrame({"OppID": o["OppID"].to_numpy(object), "RepID": o["RepID"].to_numpy(object),
                            "Amount": amount, "CloseDate": close.astype("datetime64[D]"), "Stage": stage,
                            "Status": status, "Category": cat,
                            "Probability": np.array([STAGE_PROB[x] for x in stage])})
        return out[exists].reset_index(drop=True)


def _call_days() -> list[_dt.date]:
    """Every second Friday from 2025-10-03 to AsOfDate (a snapshot each)."""
    d, out = _dt.date(2025, 10, 3), []
    while d < AS_OF:
        out.append(d)
        d += _dt.timedelta(days=14)
    return out + [AS_OF]


def _submissions(tables, sim, seed: int) -> pd.DataFrame:
    """Calls three times a quarter (weeks 2, 6 and 10): reps call their Commit deals with a personal bias, managers
    often adjust with a note; from 2025-Q4 to AsOfDate."""
    from ..source import MemorySource
    from .fiscal import Calendar
    from .history import person_totals
    from .inputs import load_inputs

    rng = np.random.default_rng(seed + 11)
    past = _Past(tables, sim, seed)
    inp = load_inputs(MemorySource(tables, workbook="forecast.xlsx"))
    team = inp.team
    ids = team["RepID"].to_numpy(object)
    is_mgr = np.zeros(len(team), bool)
    is_mgr[team["Parent"][team["Parent"] >= 0].to_numpy()] = True
    bias = np.round(rng.normal(0.0, 0.12, len(team)), 2)
    cal = Calendar(1, "Quarter")
    rows: list[tuple[Any, str, str, Any, _dt.date, str | None]] = []  # forecast calls: who, period, kind, number, day, note
    for first in range(_month_index(_dt.date(2025, 10, 1)), _month_index(AS_OF) + 1, 3):
        start = _dt.date(first // 12, first % 12 + 1, 1)
        for week in (2, 6, 10):
            day = start + _dt.timedelta(days=7 * week - 3)
            if day > AS_OF:
                continue
            label = cal.of_day(day)[2]
            tot = person_totals(past.state(day), team, day, cal)
            # a rep calls Commit deals plus a share of the rest, leaning by temperament
            commit = tot["Commit"].to_numpy() + 0.35 * (tot["BestCase"] - tot["Commit"]).to_numpy()
            call = np.round(commit * (1 + bias + rng.normal(0, 0.05, len(team))) / 1000.0) * 1000.0
            best = np.round(tot["BestCase"].to_numpy() * rng.uniform(0.85, 1.0, len(team)) / 1000.0) * 1000.0
            best = np.maximum(best, call)
            for i in np.flatnonzero(~is_mgr).tolist():
                rows.append((ids[i], label, "Commit", call[i], day, None))
                rows.append((ids[i], label, "Best Case", best[i], day, None))
            for i in np.flatnonzero(is_mgr).tolist():  # managers adjust their team's number half of the time
                if rng.random() < 0.5:
                    kids = (team["Parent"].to_numpy() == i)
                    below = call[kids].sum()  # their reports' calls (the VP: their managers' rows)
                    number = np.round(below * (1 + rng.normal(-0.03, 0.06)) / 1000.0) * 1000.0
                    rows.append((ids[i], label, "Commit", number, day + _dt.timedelta(days=1),
                                 NOTES[int(rng.integers(0, len(NOTES)))]))
    return pd.DataFrame(rows, columns=["RepID", "Period", "Category", "Amount", "SubmittedOn", "Note"]).assign(
        SubmittedOn=lambda f: pd.to_datetime(f["SubmittedOn"]))


def sample_history(seed: int = 2026) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PipelineHistory (weekly, the last three weeks) and CallHistory (every second Friday since 2025-10-03) of
    the sample, as ``salesops-xl forecast snapshot`` would have recorded them on those days."""
    from ..source import MemorySource
    from .fiscal import calendar_of
    from .history import append_snapshot, call_rows, pipeline_rows, snapshot
    from .inputs import load_inputs
    from .schema import CALL_HISTORY, PIPELINE_HISTORY

    tables, sim = _generate(seed)
    tables["ForecastSubmissions"] = _submissions(tables, sim, seed)
    past = _Past(tables, sim, seed)
    inp = load_inputs(MemorySource(tables, workbook="forecast.xlsx"))
    cal = calendar_of(inp.settings)
    pcols = [f.name for f in PIPELINE_HISTORY.fields]
    ccols = [f.name for f in CALL_HISTORY.fields]
    ph, ch = inp.pipeline_history, inp.call_history
    for day in sorted(set(_call_days()[:-1]) | {_dt.date(2026, 11, 6)}):
        state = past.state(day)
        ch = append_snapshot(ch, call_rows(inp, state, day)[ccols])
        if (AS_OF - day).days <= 14:  # the deal-level snapshots of the last two weeks (the file stays small)
            ph = append_snapshot(ph, pipeline_rows(state, day, cal)[pcols])
    inp.pipeline_history, inp.call_history = ph, ch
    return snapshot(inp, AS_OF)
