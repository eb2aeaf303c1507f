"""Forecast calls rolled up the hierarchy, snapshots, pipeline movements and accuracy (docs/forecast.md,
"Forecast calls and roll-ups", "Snapshots", "Pipeline changes", "Forecast accuracy").

Hand-computed values with their arithmetic; hypothesis properties for the two invariants: a roll-up without
adjustments is the sum of its leaves, and the movements explain the whole change between two snapshots."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from salesops_xl.errors import InputError
from salesops_xl.forecast.cells import forecast_rollup
from salesops_xl.forecast.calls import counted_submissions, roll_up
from salesops_xl.forecast.fiscal import Calendar
from salesops_xl.forecast.history import MOVEMENT_NAMES, accuracy, calls_table, classify, snapshot
from salesops_xl.forecast.inputs import load_inputs

from forecast_helpers import AS_OF, D, settings, workbook


def sub(rep, amount, on, *, period="2026-Q4", category=None, note=None):
    return {"RepID": rep, "Period": period, "Category": category, "Amount": amount, "SubmittedOn": on, "Note": note}


SUBS = [
    sub("A", 50_000, D(2026, 11, 1)),
    sub("A", 48_000, D(2026, 11, 10), note="A6 firm"),  # later: counts
    sub("A", 99_999, D(2026, 11, 25)),  # after AsOfDate 2026-11-20: not yet
    sub("B", 20_000, D(2026, 11, 2)),
    sub("B", 21_000, D(2026, 11, 2)),  # same day, lower row: counts
    sub("A", 90_000, D(2026, 11, 10), category="Best Case"),
    sub("A", 70_000, D(2026, 11, 10), period="2026-Q3"),  # another period
]


def calls(subs):
    return calls_table(load_inputs(workbook(extra_tables={"ForecastSubmissions": subs}))).set_index("ID")


def test_roll_up_by_hand():
    # V -> M1 (R1, R2), M2 (R3, R4); R1 100, R2 none, R3 200, R4 50, M2's own number 300
    parent = np.array([-1, 0, 0, 1, 1, 2, 2])
    depth = np.array([0, 1, 1, 2, 2, 2, 2])
    sub_ = np.array([np.nan, np.nan, 300, 100, np.nan, 200, 50])
    ru = roll_up(parent, depth, sub_)
    n = ru.number[:, 0]
    assert n[3] == 100 and np.isnan(n[4])  # reps: their call
    assert n[1] == 100 and ru.missing[1, 0] == 1  # M1 = 100 + (R2 missing: 0)
    assert n[2] == 300 and ru.below[2, 0] == 250  # M2's number replaces 200 + 50
    assert n[0] == 400  # V = M1 100 + M2 300
    assert list(ru.source[:, 0]) == ["sum below", "sum below", "adjustment", "call", "none", "call", "call"]


def test_calls_sheet_by_hand():
    c = calls(SUBS)
    # A: the 2026-11-10 call counts (the 11-25 one is after AsOfDate); B: the lower of the two 11-02 rows
    assert c.loc["A", "CommitCall"] == 48_000 and c.loc["A", "Note"] == "A6 firm"
    assert c.loc["B", "CommitCall"] == 21_000
    assert np.isnan(c.loc["C", "CommitCall"]) and c.loc["C", "CommitSource"] == "none"
    # M has no number of its own: 48,000 + 21,000 (+ C missing, counted 0)
    assert c.loc["M", "CommitCall"] == 69_000 and c.loc["M", "MissingCalls"] == 1
    assert c.loc["M", "CommitSource"] == "sum below"
    assert c.loc["M", "BestCaseCall"] == 90_000  # only A called Best Case
    # pipeline of 2026-Q4 on 2026-11-20 (EXAMPLE_OPPS):
    # A: won A2 20,000; open A6 Commit 25,000, A5 Best Case 40,000 (A7 closes in Feb: out)
    assert c.loc["A", ["Closed", "CommitPipeline", "BestCasePipeline", "TotalPipeline"]].tolist() == \
        [20_000, 45_000, 85_000, 85_000]
    # weighted: 20,000 + 40,000 x 50% + 25,000 x 80% = 60,000
    assert c.loc["A", "Weighted"] == pytest.approx(60_000)
    # B: won B3 15,000; B4 overdue (Oct 31) is expected in November, category Commit; B5 Omitted is left out
    assert c.loc["B", ["Closed", "CommitPipeline", "TotalPipeline"]].tolist() == [15_000, 25_000, 25_000]
    # weighted keeps Omitted deals (the CRM's expected revenue, as StageWeightedForecast): B5 18,000 x 50%
    assert c.loc["B", "Weighted"] == pytest.approx(15_000 + 10_000 * 0.2 + 18_000 * 0.5)
    # M (the team): quota 60,000 + 30,000; closed 35,000; gap 55,000
    assert c.loc["M", "Quota"] == 90_000 and c.loc["M", "Gap"] == 55_000
    assert c.loc["M", "CommitCoverage"] == pytest.approx((70_000 - 35_000) / 55_000)
    assert c.loc["M", "BestCaseCoverage"] == pytest.approx((110_000 - 35_000) / 55_000)
    assert c.loc["M", "CallGap"] == 90_000 - 69_000
    assert list(c.index) == ["M", "A", "B", "C"]  # hierarchy order


def test_a_managers_number_replaces_the_sum_below():
    c = calls(SUBS + [sub("M", 60_000, D(2026, 11, 12), note="haircut on B4")])
    assert c.loc["M", "CommitCall"] == 60_000 and c.loc["M", "CommitSource"] == "adjustment"
    assert c.loc["M", "CommitSumBelow"] == 69_000 and c.loc["M", "CommitAdjustment"] == -9_000
    assert c.loc["M", "MissingCalls"] == 0


def test_counted_submissions_latest_then_lower_row():
    inp = load_inputs(workbook(extra_tables={"ForecastSubmissions": SUBS}))
    got = counted_submissions(inp.submissions, D(2026, 11, 30), "2026-Q4")
    amounts = {(r.Rep, r.Category): r.Amount for r in got.itertuples()}
    assert amounts == {(1, "Commit"): 99_999, (2, "Commit"): 21_000, (1, "Best Case"): 90_000}


def test_bad_submission_is_located():
    with pytest.raises(InputError) as e:
        load_inputs(workbook(extra_tables={"ForecastSubmissions": [sub("A", 1, D(2026, 11, 1), period="2026-11"),
                                                                   sub("ZZ", 1, D(2026, 11, 1))]}))
    text = str(e.value)
    assert "not a forecast period" in text and "2026-11" in text and "a fiscal quarter such as 2026-Q4" in text
    assert "unknown rep" in text and "ZZ" in text


# -- movements --------------------------------------------------------------------------------------------

def snap(day, rows):
    return pd.DataFrame([{"SnapshotDate": np.datetime64(day, "D"), "OppID": r[0], "RepID": "A", "Amount": r[1],
                          "CloseDate": np.datetime64(r[2], "D"), "Stage": r[5] if len(r) > 5 else "Propose",
                          "Status": r[3], "Category": r[4], "Probability": 0.5} for r in rows])


F_DAY, T_DAY = D(2026, 11, 13), D(2026, 11, 20)
F = snap(F_DAY, [
    ("R1", 5000, D(2026, 12, 5), "Open", "Pipeline"),
    ("W1", 7000, D(2026, 11, 30), "Open", "Commit"),
    ("L1", 3000, D(2026, 12, 10), "Open", "Best Case"),
    ("O1", 4000, D(2026, 11, 10), "Won", "Closed", "Won"),
    ("P1", 6000, D(2027, 1, 15), "Open", "Commit"),
    ("X1", 8000, D(2026, 12, 20), "Open", "Commit"),
    ("S1", 2000, D(2026, 12, 1), "Open", "Pipeline"),
    ("S2", 1000, D(2027, 2, 1), "Open", "Pipeline"),
    ("A1", 5000, D(2026, 12, 5), "Open", "Best Case"),
    ("C1", 2500, D(2026, 12, 5), "Open", "Pipeline"),
    ("G1", 1500, D(2026, 12, 2), "Open", "Pipeline", "Discover"),
    ("U1", 1000, D(2026, 12, 9), "Open", "Pipeline"),
])
T = snap(T_DAY, [
    ("N1", 10000, D(2026, 12, 1), "Open", "Commit"),
    ("W1", 7000, D(2026, 11, 18), "Won", "Closed", "Won"),
    ("L1", 3000, D(2026, 11, 19), "Lost", "Omitted", "Lost"),
    ("O1", 4000, D(2026, 12, 20), "Open", "Best Case"),
    ("P1", 6000, D(2026, 12, 15), "Open", "Commit"),
    ("X1", 8000, D(2027, 1, 10), "Open", "Commit"),
    ("S1", 2000, D(2026, 12, 28), "Open", "Pipeline"),
    ("S2", 1000, D(2027, 3, 1), "Open", "Pipeline"),
    ("A1", 6500, D(2026, 12, 5), "Open", "Best Case"),
    ("C1", 2500, D(2026, 12, 5), "Open", "Omitted"),
    ("G1", 1500, D(2026, 12, 2), "Open", "Pipeline"),
    ("U1", 1000, D(2026, 12, 9), "Open", "Pipeline"),
])


def test_movements_by_hand():
    mv = classify(F, T, F_DAY, T_DAY, Calendar(1, "Quarter"))
    got = dict(zip(mv.deals["OppID"], zip(mv.deals["Movement"], mv.deals["Change"])))
    assert got == {"N1": ("New", 10000), "R1": ("Removed", -5000), "W1": ("Closed won", -7000),
                   "L1": ("Closed lost", -3000), "O1": ("Reopened", 4000), "P1": ("Pulled in", 6000),
                   "X1": ("Pushed out", -8000), "S1": ("Slipped", 0), "S2": ("Slipped", 0),
                   "A1": ("Amount changed", 1500), "C1": ("Category changed", -2500), "G1": ("Other change", 0)}
    assert mv.period == "2026-Q4"
    # start: R1 5,000 + W1 7,000 + L1 3,000 + X1 8,000 + S1 2,000 + A1 5,000 + C1 2,500 + G1 1,500 + U1 1,000
    assert mv.start == 3_500_000  # cents
    # end: N1 10,000 + O1 4,000 + P1 6,000 + S1 2,000 + A1 6,500 + G1 1,500 + U1 1,000
    assert mv.end == 3_100_000
    s = mv.summary.set_index("Movement")
    assert s.loc["Unchanged", "Deals"] == 1 and s["Change"].iloc[1:-1].sum() == pytest.approx(-4000, abs=0)


day_st = st.integers(0, 120).map(lambda k: D(2026, 10, 1) + dt.timedelta(days=k))
deal_st = st.tuples(st.booleans(), st.booleans(), st.sampled_from(["Open", "Open", "Won", "Lost"]),
                    st.sampled_from(["Open", "Won", "Lost"]), st.integers(0, 500).map(lambda c: c * 100.0 + 0.01),
                    st.integers(0, 3).map(lambda c: c * 1250.0), day_st, day_st,
                    st.sampled_from(["Commit", "Pipeline", "Omitted"]), st.sampled_from(["Commit", "Best Case"]))


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(deal_st, min_size=0, max_size=20))
def test_movements_explain_the_whole_change(deals):
    f_rows, t_rows = [], []
    for i, (in_f, in_t, sf, stt, amt, bump, cf, ct, catf, catt) in enumerate(deals):
        if in_f:
            f_rows.append((f"O{i}", amt, cf, sf, catf))
        if in_t:
            t_rows.append((f"O{i}", amt + bump, ct, stt, catt))
    cols = ["SnapshotDate", "OppID", "RepID", "Amount", "CloseDate", "Stage", "Status", "Category", "Probability"]
    f = snap(F_DAY, f_rows) if f_rows else pd.DataFrame(columns=cols)
    t = snap(T_DAY, t_rows) if t_rows else pd.DataFrame(columns=cols)
    mv = classify(f, t, F_DAY, T_DAY, Calendar(1, "Quarter"))
    s = mv.summary
    # every deal of either snapshot is counted under exactly one movement
    union = {r[0] for r in f_rows} | {r[0] for r in t_rows}
    assert s["Deals"].iloc[1:-1].sum() == len(union)
    assert len(set(mv.deals["OppID"])) == len(mv.deals)
    # and the movements add up, to the cent, to the change of the period's open pipeline
    assert round(s["Change"].iloc[1:-1].sum() * 100) == mv.end - mv.start
    assert set(mv.deals["Movement"]) <= set(MOVEMENT_NAMES) - {"Unchanged"}


@st.composite
def trees(draw):
    n = draw(st.integers(1, 30))
    parent = [-1] + [draw(st.integers(-1, i - 1)) for i in range(1, n)]  # a manager comes before their reports
    calls = [draw(st.one_of(st.none(), st.integers(0, 10**7))) for _ in range(n)]
    return np.array(parent), calls


@hsettings(max_examples=80, deadline=None)
@given(trees())
def test_roll_up_without_adjustments_is_the_sum_of_its_leaves(tree):
    parent, calls_ = tree
    n = len(parent)
    depth = np.zeros(n, np.intp)
    for i in range(n):
        depth[i] = 0 if parent[i] < 0 else depth[parent[i]] + 1
    has_kids = np.zeros(n, bool)
    has_kids[parent[parent >= 0]] = True
    sub_ = np.array([np.nan if (c is None or has_kids[i]) else c for i, c in enumerate(calls_)], dtype=float)
    num = roll_up(parent, depth, sub_).number[:, 0]
    for i in range(n):  # the leaves below i (i itself when a leaf)
        leaves = [j for j in range(n) if not has_kids[j] and _below(parent, j, i)]
        vals = [sub_[j] for j in leaves if not np.isnan(sub_[j])]
        if vals:
            assert num[i] == sum(vals)
        else:
            assert np.isnan(num[i])


def _below(parent, j, i):
    while j >= 0:
        if j == i:
            return True
        j = parent[j]
    return False


def test_rollup_cell_function():
    ids = [["V"], ["M1"], ["M2"], ["R1"], ["R2"], ["R3"]]
    mgr = [[None], ["V"], ["V"], ["M1"], ["M1"], ["M2"]]
    assert forecast_rollup(ids, mgr, [[None], [None], [500], [100], [None], [200]]) == \
        [[600.0], [100.0], [500.0], [100.0], [None], [200.0]]  # V = M1 (R1 100) + M2's own 500
    assert forecast_rollup([["A"], ["B"]], [["B"], ["A"]], [[1], [2]]).startswith("#VALUE! the manager ids form a cycle")
    assert forecast_rollup([["A"], ["B"]], [[None], ["X"]], [[1], [2]]).startswith("#N/A manager 'X'")
    assert forecast_rollup([["A"]], [[None]], [["ten"]]).startswith("#VALUE! submitted (row 1) is text")


# -- snapshots and accuracy -----------------------------------------------------------------------------------

def test_snapshot_appends_and_replaces_the_same_day():
    inp = load_inputs(workbook(extra_tables={"ForecastSubmissions": SUBS}))
    ph, ch = snapshot(inp, AS_OF)
    # open deals (A5, A6, A7, B4, B5) and deals closed since 2026-10-01 (A2, B3); C1 (Sep 21) is older than
    # both the period's start and 35 days before 2026-11-20 (Oct 16)
    assert sorted(ph["OppID"]) == ["A2", "A5", "A6", "A7", "B3", "B4", "B5"]
    assert ch.set_index("RepID").loc["M", "CommitCall"] == 69_000
    inp.pipeline_history, inp.call_history = ph, ch
    ph2, ch2 = snapshot(inp, AS_OF)
    assert len(ph2) == len(ph) and len(ch2) == len(ch)  # the same day again: replaced, not doubled
    ph3, ch3 = snapshot(inp, D(2026, 11, 27))
    assert ch3["SnapshotDate"].nunique() == 2 and len(ph3) == 2 * len(ph)


def call_row(day, rep, call, **kw):
    base = {"SnapshotDate": day, "Period": kw.pop("period", "2026-Q3"), "RepID": rep, "Closed": 0.0, "Commit": 0.0,
            "BestCase": 0.0, "Pipeline": 0.0, "Weighted": 0.0, "CommitCall": call, "BestCaseCall": None}
    base.update(kw)
    return base


def test_accuracy_by_hand():
    hist = [call_row(D(2026, 5, 15), "M", 3_000, period="2026-Q2"),
            call_row(D(2026, 8, 14), "M", 12_000), call_row(D(2026, 8, 14), "A", 7_000),
            call_row(D(2026, 9, 25), "M", 18_000, Commit=16_000), call_row(D(2026, 9, 25), "A", 9_000)]
    src = workbook(settings_rows=settings(AccuracyPeriods=2), extra_tables={"CallHistory": hist})
    acc, note = accuracy(load_inputs(src))
    assert note is None and acc.periods == ["2026-Q2", "2026-Q3"]
    d = acc.detail[acc.detail["Measure"] == "Commit call"].set_index(["RepID", "Period"])
    # 2026-Q3 actuals (EXAMPLE_OPPS): A won A1 10,000 (Jul 1), C won C1 5,000 (Sep 21): team M 15,000
    assert d.loc[("M", "2026-Q3"), ["Forecast", "Actual", "Error"]].tolist() == [18_000, 15_000, 3_000]
    assert d.loc[("A", "2026-Q3"), "ErrorPct"] == pytest.approx(-0.1)  # (9,000 - 10,000) / 10,000
    assert np.isnan(d.loc[("M", "2026-Q2"), "ErrorPct"])  # nothing won in Q2
    s = acc.summary[acc.summary["Measure"] == "Commit call"].set_index("RepID")
    # M over both: forecast 3,000 + 18,000, actual 0 + 15,000, error 3,000 + 3,000
    assert s.loc["M", ["Periods", "Forecast", "Actual", "Error"]].tolist() == [2, 21_000, 15_000, 6_000]
    assert s.loc["M", "WAPE"] == pytest.approx(6_000 / 15_000) and s.loc["M", "Bias"] == pytest.approx(0.4)
    assert acc.company.set_index("Period").loc["2026-Q3", "Commit"] == 16_000  # the measure of the person at the top
    # AccuracyDay 45: the last snapshot on or before 2026-08-14 (Jul 1 + 44 days)
    src = workbook(settings_rows=settings(AccuracyPeriods=2, AccuracyDay=45), extra_tables={"CallHistory": hist})
    acc45, _ = accuracy(load_inputs(src))
    d45 = acc45.detail[acc45.detail["Measure"] == "Commit call"].set_index(["RepID", "Period"])
    assert d45.loc[("M", "2026-Q3"), "Forecast"] == 12_000


def test_calls_sheet_ties_out_with_the_pipeline_sheet():
    from forecast_helpers import row, run

    r = run(workbook(extra_tables={"ForecastSubmissions": SUBS}))
    c = r.calls.set_index("ID")
    for uid in ("M", "A", "B"):
        p = row(r.tables["pipeline"], uid)
        assert c.loc[uid, "Weighted"] == pytest.approx(p["StageWeightedForecast"])
        assert c.loc[uid, "CommitPipeline"] == pytest.approx(p["CommitForecast"])
        assert c.loc[uid, "BestCasePipeline"] == pytest.approx(p["BestCaseForecast"])
        assert c.loc[uid, "TotalPipeline"] == pytest.approx(p["PipelineForecast"])
        assert c.loc[uid, "Quota"] == pytest.approx(p["Quota"])
