"""Scheduled account moves (docs/quotas.md "Account moves", docs/commissions.md rule 3): the quota share and the
deals of a moved account follow it from its date, the quota prorated by days; worked by hand mid-quarter."""
from __future__ import annotations

import pandas as pd
import pytest

from helpers import D, deal, measure, rep, run, workbook
from salesops_xl.errors import InputError, ProblemCollector
from salesops_xl.quotas import schema as QS
from salesops_xl.quotas.moves import apply_moves
from salesops_xl.source import MemorySource
from salesops_xl.tables import read_table
from salesops_xl.periods import PlanCalendar

QUARTERS = [f"2026-Q{q}" for q in range(1, 5)]


def _tables(moves: list[dict]):
    src = MemorySource({"AccountMoves": moves,
                        "AccountPotential": [{"AccountID": "ACC1", "RepID": "A", "Potential": 300_000.0},
                                             {"AccountID": "ACC2", "RepID": "A", "Potential": 700_000.0},
                                             {"AccountID": "ACC3", "RepID": "B", "Potential": 500_000.0}]},
                       workbook="quotas.xlsx")
    problems = ProblemCollector()
    mv = read_table(src.read("AccountMoves"), QS.ACCOUNT_MOVES, problems)
    acc = read_table(src.read("AccountPotential"), QS.ACCOUNT_POTENTIAL, problems)
    problems.raise_if_any()
    return mv, acc


def _handoff_rows(moves: list[dict]):
    """The hand-off's quarterly rows, A 90,000 and B 60,000 a quarter, with the moves applied."""
    rows = pd.DataFrame({"RepID": ["A"] * 4 + ["B"] * 4, "Measure": "NB", "Period": QUARTERS * 2,
                         "Quota": [90_000.0] * 4 + [60_000.0] * 4})
    cal = PlanCalendar.create(D(2026, 1, 1))
    bounds = {pt: (*cal.period_starts_ends(pt), cal.period_labels(pt)) for pt in ("Month", "Quarter")}
    mv, acc = _tables(moves)
    return apply_moves(mv, acc, rows, "NB", {"A": "USD", "B": "USD"}, bounds, ProblemCollector())


MOVE = {"AccountID": "ACC1", "FromRep": "A", "ToRep": "B", "EffectiveDate": D(2026, 5, 16), "Reason": "realignment"}


def test_a_move_mid_quarter_prorates_the_quota_by_days_for_both_reps_and_credit_follows_it():
    rows, effects = _handoff_rows([MOVE])
    # ACC1 is 300,000 of A's 1,000,000 potential: its quota for a quarter is 90,000 x 0.3 = 27,000.
    # Q2 (1 April - 30 June) has 91 days; from 16 May inclusive: 16 days of May + 30 of June = 46.
    q = rows.set_index(["RepID", "Period", pd.to_datetime(rows["EffectiveFrom"]).dt.strftime("%Y-%m-%d").fillna("NaT")])["Quota"]
    assert q[("A", "2026-Q2", "NaT")] == 90_000 and q[("A", "2026-Q2", "2026-05-16")] == 63_000
    assert q[("B", "2026-Q2", "NaT")] == 60_000 and q[("B", "2026-Q2", "2026-05-16")] == 87_000
    # whole quarters after the move: the full 27,000 moves; Q1 is untouched
    assert q[("A", "2026-Q3", "NaT")] == 63_000 and q[("B", "2026-Q4", "NaT")] == 87_000
    assert q[("A", "2026-Q1", "NaT")] == 90_000 and len(rows) == 10
    e = effects.set_index(["RepID", "Period"])
    # the effect listed for both reps: 27,000 x 46 / 91 = 13,648.351... -> 13,648.35
    assert e.loc[("A", "2026-Q2"), ["AccountQuota", "DaysMoved", "DaysInPeriod", "QuotaEffect"]].tolist() == \
        [-27_000.0, 46, 91, -13_648.35]
    assert e.loc[("B", "2026-Q2"), "QuotaEffect"] == 13_648.35 and e.loc[("B", "2026-Q2"), "OtherRep"] == "A"
    assert e.loc[("A", "2026-Q3"), "QuotaEffect"] == -27_000.0 and len(effects) == 6

    # the commission engine on those rows: each row counts for its days (rule 2), credit follows the move (rule 3)
    quotas = [{"RepID": r.RepID, "Measure": "NB", "Period": r.Period, "Quota": r.Quota,
               "EffectiveFrom": None if pd.isna(r.EffectiveFrom) else r.EffectiveFrom.date()}
              for r in rows.itertuples()]
    deals = [dict(deal("D1", "A", 10_000, D(2026, 5, 10)), AccountID="ACC1"),  # before the move: A's
             dict(deal("D2", "A", 20_000, D(2026, 5, 20)), AccountID="ACC1"),  # after: B's
             dict(deal("D3", "A", 5_000, D(2026, 6, 1)), AccountID="ACC2")]    # another account: A's
    src = workbook(reps=[rep("A"), rep("B")], measures=[measure(period="Quarter")], quotas=quotas, deals=deals,
                   extra_tables={"AccountMoves": [MOVE]})
    res = run(src)
    p = res.payouts.set_index(["RepID", "Period"])
    # A: 90,000 x 45/91 + 63,000 x 46/91 = 44,505.49 + 31,846.15 = 76,351.65 (= 90,000 - 13,648.35)
    assert p.loc[("A", "2026-Q2"), "Quota"] == pytest.approx(76_351.65, abs=0.01)
    assert p.loc[("B", "2026-Q2"), "Quota"] == pytest.approx(73_648.35, abs=0.01)
    assert p.loc[("A", "2026-Q2"), "Credit"] == 15_000  # D1 + D3
    assert p.loc[("B", "2026-Q2"), "Credit"] == 20_000  # D2, moved with ACC1
    line = res.lines[(res.lines.DealID == "D2")]
    assert line.RepID.tolist() == ["B"] and line.Note.tolist() == ["account ACC1 moved from A"]


def test_a_move_must_start_from_the_accounts_holder():
    wrong = dict(MOVE, FromRep="B")
    with pytest.raises(InputError) as e:
        _handoff_rows([wrong])
    assert "account ACC1 is with A on that date" in str(e.value) and "FromRep" in str(e.value)


def test_two_moves_in_a_row_carry_the_same_account_quota():
    back = {"AccountID": "ACC1", "FromRep": "B", "ToRep": "A", "EffectiveDate": D(2026, 10, 1), "Reason": None}
    rows, effects = _handoff_rows([back, MOVE])  # any order in the table: applied by date
    q = rows[rows.EffectiveFrom.isna()].set_index(["RepID", "Period"])["Quota"]
    assert q[("A", "2026-Q3")] == 63_000 and q[("A", "2026-Q4")] == 90_000 and q[("B", "2026-Q4")] == 60_000
