"""Hand-off: the planned quotas land in the commission workbook's Quotas table, and the commission recalc
accepts them (end to end through the CLI); bad pairings are refused with located errors."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import python_calamine as pc

from salesops_xl.commissions.sample import sample_tables as commission_tables
from salesops_xl.errors import InputError
from salesops_xl.quotas.handoff import build_handoff
from salesops_xl.quotas.sample import sample_tables
from salesops_xl.quotas.handoff import handoff_quotas
from salesops_xl.quotas.workflow import plan_quotas
from salesops_xl.source import MemorySource
from salesops_xl.xlsx.reader import XlsxSource

from quota_helpers import TEMPLATES

CLI = [sys.executable, "-m", "salesops_xl.cli"]


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    q, c = tmp_path / "quotas.xlsx", tmp_path / "commissions.xlsx"
    shutil.copy(TEMPLATES / "quotas.xlsx", q)
    shutil.copy(TEMPLATES / "commissions.xlsx", c)
    return q, c


def quota_rows(path: Path) -> pd.DataFrame:
    book = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    t = book.get_table_by_name("Quotas")
    return pd.DataFrame(t.to_python(), columns=t.columns)


def test_handoff_then_commission_recalc_end_to_end(pair):
    q, c = pair
    before = quota_rows(c)
    p = cli("quotas", "handoff", q, c)
    assert p.returncode == 0, p.stderr
    assert "NewBusiness / TeamNB quota rows for 30 people written to sheet 'Quotas'" in p.stdout
    assert "3 open seats not handed off" in p.stdout
    assert "no TeamNB quota written for V01" in p.stderr  # the VP's plan has no team-quota measure
    after = quota_rows(c)
    with XlsxSource(q) as src:
        plan = plan_quotas(src)
    ids = list(plan.inputs.people.ids)
    # a USD rep: the 12 monthly NewBusiness quotas are the plan's months
    r001 = after[(after.RepID == "R001") & (after.Measure == "NewBusiness")]
    assert r001.Period.tolist() == [f"2026-{m:02d}" for m in range(1, 13)]
    assert (np.round(r001.Quota.to_numpy() * 100) == plan.cents(plan.local_monthly[ids.index("R001")])).all()
    # an EUR rep gets EUR quotas (planning rate), a manager its team target on TeamNB
    r003 = after[(after.RepID == "R003") & (after.Measure == "NewBusiness")]
    assert round(r003.Quota.sum() * 100) == plan.cents(plan.local[ids.index("R003")])
    m03 = after[(after.RepID == "M03") & (after.Measure == "TeamNB")]
    assert round(m03.Quota.sum() * 100) == plan.cents(plan.local[ids.index("M03")])
    # the AE who moves to account management on July 1st: quotas January-June only
    assert after[(after.RepID == "R005") & (after.Measure == "NewBusiness")].Period.tolist() == \
        [f"2026-{m:02d}" for m in range(1, 7)]
    # other measures' rows are kept exactly; open seats are not written
    others = lambda f: f[~f.Measure.isin(["NewBusiness", "TeamNB"])].reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(others(before), others(after)[list(before.columns)])  # + EffectiveFrom
    # the sample's account move (A-1063, R037 -> R041 on 16 May): a second May row for both seats
    may = after[(after.Period == "2026-05") & after.RepID.isin(["R037", "R041"]) & (after.Measure == "NewBusiness")]
    assert sorted(map(str, may.EffectiveFrom)) == ["", "", "2026-05-16", "2026-05-16"]
    book = pc.CalamineWorkbook.from_path(str(c), load_tables=True)
    eff = book.get_table_by_name("AccountMoveEffects").to_python()
    assert [r[1] for r in eff[:2]] == ["R037", "R041"] and eff[0][6] == -eff[1][6]  # listed for both reps
    assert not after.RepID.str.startswith("REQ").any()
    # the commission workbook recalculates on them
    r = cli("recalc", c)
    assert r.returncode == 0, r.stderr
    assert "payout rows" in r.stdout


def test_handoff_replaces_only_the_quotas_sheet_and_is_idempotent(pair):
    q, c = pair
    with zipfile.ZipFile(c) as z:
        before = {i.filename: z.read(i.filename) for i in z.infolist()}
    assert cli("quotas", "handoff", q, c).returncode == 0
    once = c.read_bytes()
    with zipfile.ZipFile(c) as z:
        after = {i.filename: z.read(i.filename) for i in z.infolist()}
    from salesops_xl.xlsx.package import Package

    with Package(c) as pkg:
        sheet = pkg.sheet("Quotas").part
        owned = {sheet, sheet.replace("worksheets/", "worksheets/_rels/") + ".rels"} | {
            r.part for r in pkg.rels(sheet) if r.part}
    owned |= {"xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels",
              "docProps/app.xml"} | {k for k in before if k.startswith("xl/tables/")}
    changed = [k for k in before if k not in owned and after.get(k) != before[k]]
    assert not changed, changed
    assert cli("quotas", "handoff", q, c).returncode == 0
    assert c.read_bytes() == once  # the same plan handed off twice gives the same workbook


def test_dry_run_and_output_option(pair, tmp_path: Path):
    q, c = pair
    before = c.read_bytes()
    p = cli("quotas", "handoff", q, c, "--dry-run")
    assert p.returncode == 0 and p.stdout.startswith("dry run, nothing written:")
    out = tmp_path / "out.xlsx"
    assert cli("quotas", "handoff", q, c, "-o", out).returncode == 0
    assert c.read_bytes() == before and out.exists()


# -- refusals (in memory) -------------------------------------------------------------------------------------

def handoff(q: dict, c: dict | None = None, **kw):
    comm = MemorySource(c or commission_tables(), workbook="commissions.xlsx")
    return build_handoff(MemorySource(q, workbook="quotas.xlsx"), comm, **kw)


def problems(q: dict, c: dict | None = None, **kw) -> str:
    with pytest.raises(InputError) as e:
        handoff(q, c, **kw)
    return str(e.value)


def test_the_sample_plan_hands_off_in_memory():
    res = handoff(sample_tables())
    assert res.sheets[0].name == "Quotas" and res.summary["rows"] == 356


def test_a_rep_missing_from_the_commission_roster_or_paid_in_another_currency():
    q = sample_tables()
    ros = q["QuotaRoster"]
    # a copy of R003 (EUR, market potential) hired in the plan year (no history needed)
    ros.loc[len(ros)] = dict(ros.iloc[8], RepID="R999", HireDate=pd.Timestamp("2026-01-01").date())
    ros.loc[ros.RepID == "R001", "Currency"] = "EUR"
    q["PlanFXRates"].loc[0, "Rate"] = 0.92
    text = problems(q)
    i = int(np.flatnonzero(ros.RepID == "R999")[0]) + 2
    assert f"table QuotaRoster: row {i}, column RepID, cell A{i}: not in the commission workbook's Roster " \
           "(commissions.xlsx); found \"R999\"" in text
    assert "column Currency, cell G8: paid in USD in the commission Roster; found \"EUR\"" in text


def test_a_seat_on_a_plan_without_the_measure():
    text = problems(sample_tables(), measure="Pipeline")
    assert "the rep's commission plan (AE) has no measure Pipeline" in text


def test_unknown_measure_and_another_plan_year():
    text = problems(sample_tables(), measure="Bookings")
    assert "table PlanMeasures: column Measure: no plan of the commission workbook has a measure 'Bookings'" in text
    c = commission_tables()
    c["Settings"].loc[c["Settings"].Setting == "PlanYearStart", "Value"] = pd.Timestamp("2025-07-01").date()
    text = problems(sample_tables(), c)
    assert "table Settings: row 2, column Value, cell B2: the commission plan year starts in 2025-07, the quota " \
           "plan's in 2026-01" in text


def test_an_employed_period_without_a_quota_is_refused():
    q = sample_tables()
    ros = q["QuotaRoster"]
    ros.loc[ros.RepID == "R001", "TermDate"] = pd.Timestamp("2026-09-30").date()  # not in the commission roster
    text = problems(q)
    assert "no NewBusiness quota above 0 for 2026-10, in which the commission Roster has this person on a plan " \
           "with it; found \"R001\"" in text


def test_quarterly_measure_gets_sums_of_three_months():
    q = sample_tables()
    q["QuotaRoster"].loc[q["QuotaRoster"].RepID == "R005", "TermDate"] = None  # renewals all year (AE, then AM)
    res = handoff(q, measure="Renewal", team_measure="")
    new = res.result[res.result.Measure == "Renewal"]
    plan = plan_quotas(MemorySource(q))
    ids = list(plan.inputs.people.ids)
    r001 = new[new.RepID == "R001"]
    m = plan.cents(plan.local_monthly[ids.index("R001")])
    assert r001.Period.tolist() == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [round(x * 100) for x in r001.Quota] == [int(m[3 * k:3 * k + 3].sum()) for k in range(4)]


def test_the_quotas_table_must_be_alone_on_its_sheet():
    c = commission_tables()
    comm = MemorySource(c, workbook="commissions.xlsx", sheets={"Quotas": "Plans", "Plans": "Plans"})
    with pytest.raises(InputError) as e:
        build_handoff(MemorySource(sample_tables()), comm)
    assert "sheet 'Plans' also holds the table(s) Plans; the hand-off replaces the whole sheet" in str(e.value)


def test_the_script_workflow_on_a_combined_workbook():
    both = dict(commission_tables())
    both.update(sample_tables())
    res = handoff_quotas(MemorySource(both, workbook="combined.xlsx"))
    assert res.sheets[0].name == "Quotas" and res.summary["people"] == 30
