"""Bad input: every problem is located (table, row, column, value) and explained; all are reported at once."""
from __future__ import annotations

import re

import pytest

from salesops_xl.errors import InputError

from helpers import D, deal, measure, rep, run, tiers, workbook


def problems(src) -> str:
    with pytest.raises(InputError) as e:
        run(src)
    return str(e.value)


def good_deals():
    return [deal("D1", "A", 10_000, D(2026, 1, 10))]


def test_missing_column_is_named_with_a_rename_hint():
    d = good_deals()
    for row in d:
        row["Close Date"] = row.pop("CloseDate")
    text = problems(workbook(deals=d))
    assert "required column 'CloseDate' is missing (found a column 'Close Date': rename it to 'CloseDate')" in text


def test_text_in_a_numeric_cell():
    d = good_deals()
    d[0]["Amount"] = "ten thousand"
    text = problems(workbook(deals=d))
    assert "table Deals: row 2, column Amount, cell F2: text in a numeric column; found \"ten thousand\"" in text


def test_number_stored_as_text_is_explained():
    d = good_deals()
    d[0]["Amount"] = "10000"
    assert "a number stored as text" in problems(workbook(deals=d))


def test_date_typed_as_text():
    d = good_deals()
    d[0]["CloseDate"] = "2026-01-10"
    text = problems(workbook(deals=d))
    assert "column CloseDate, cell D2: a date typed as text" in text


def test_duplicate_ids():
    d = [deal("D1", "A", 10_000, D(2026, 1, 10)), deal("D1", "A", 10_000, D(2026, 1, 10))]
    text = problems(workbook(deals=d))
    assert "table Deals: row 3, column DealID, cell A3: duplicate DealID + RepID; found \"D1 / A\"; expected each " \
           "DealID + RepID once (first seen on row 2)" in text


def test_two_roster_rows_of_a_rep_without_effective_dates_overlap():
    text = problems(workbook(reps=[rep("A"), rep("A")], deals=good_deals()))
    assert "table Roster: row 3, column EffectiveFrom: overlapping effective dates for rep A" in text


def test_unknown_rep_and_plan():
    text = problems(workbook(reps=[rep("A"), rep("B", plan="NOPE")], deals=[deal("D1", "Z", 5, D(2026, 1, 2))]))
    assert "table Roster: row 3, column PlanID, cell D3: unknown plan; found \"NOPE\"" in text
    assert "table Deals: row 2, column RepID, cell B2: unknown rep; found \"Z\"" in text


def test_overlapping_and_gapped_tiers():
    gap = tiers("T", (0, 0.9, 0.05), (1.0, None, 0.1))
    text = problems(workbook(tier_rows=gap, deals=good_deals()))
    assert "gap in tier table 'T'" in text and "table Tiers: row 2, column To" in text
    overlap = tiers("T", (0, 1.2, 0.05), (1.0, None, 0.1))
    assert "overlap in tier table 'T'" in problems(workbook(tier_rows=overlap, deals=good_deals()))
    closed = tiers("T", (0, 1.0, 0.05), (1.0, 2.0, 0.1))
    assert "the last band of tier table 'T' has an end" in problems(workbook(tier_rows=closed, deals=good_deals()))


def test_negative_quota():
    src = workbook(deals=good_deals(), quota=-5)
    text = problems(src)
    assert "column Quota, cell D2: negative; found -5; expected an amount (a number) greater than 0" in text


def test_empty_table():
    text = problems(workbook(deals=good_deals(), extra_tables={"Roster": {c: [] for c in rep("A")}}))
    assert "table Roster is empty" in text


def test_error_cells_are_reported_as_such():
    d = good_deals()
    d[0]["Amount"] = "#REF!"
    d[0]["CloseDate"] = "#N/A"
    text = problems(workbook(deals=d))
    assert "column Amount, cell F2: error value in the cell; found \"#REF!\"" in text
    assert "column CloseDate, cell D2: error value in the cell; found \"#N/A\"" in text


def test_several_problems_are_reported_together():
    d = [deal("D1", "A", "x", D(2026, 1, 10)), deal("D2", "Q", 5, "2026-01-01")]
    text = problems(workbook(reps=[rep("A", plan="NOPE")], deals=d))
    head = text.splitlines()[0]
    n = int(re.match(r"(\d+) problems", head).group(1))
    assert n >= 4 and "nothing was written" in head


def test_cancelled_deal_needs_a_cancel_date():
    d = good_deals()
    d[0]["Status"] = "Cancelled"
    assert "a cancelled deal without a cancellation date" in problems(workbook(deals=d))


def test_missing_quota_for_an_active_period():
    q = [{"RepID": "A", "Measure": "NB", "Period": f"2026-{m:02d}", "Quota": 1000.0} for m in range(1, 12)]
    assert "no quota for rep A, measure NB, period 2026-12" in problems(workbook(quotas=q, deals=good_deals()))


def test_rows_of_one_deal_must_agree():
    d = [deal("D1", "A", 10_000, D(2026, 1, 10), split=0.5), deal("D1", "B", 12_000, D(2026, 1, 10), split=0.5)]
    text = problems(workbook(reps=[rep("A"), rep("B")], deals=d))
    assert "the rows of deal D1 disagree on Amount" in text


def test_manager_loop():
    reps = [rep("A", manager="B"), rep("B", manager="C"), rep("C", manager="A")]
    assert "manager loop in the roster" in problems(workbook(reps=reps, deals=good_deals()))


def test_weights_must_total_100_percent():
    ms = [measure("NB", weight=0.7), measure("REN", weight=0.2)]
    assert "the weights of plan 'P' total 90.0000%" in problems(workbook(measures=ms, deals=good_deals()))


def test_missing_table():
    src = workbook(deals=good_deals())
    del src._tables["roster"]
    assert "the workbook has no Excel Table named Roster" in problems(src)
