"""Plan-expression gaps of issue 15 (item 8), one hand-computed case each (docs/commissions.md).

Amounts are in currency units; the arithmetic is in the comment above each assertion.
"""
from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest

from salesops_xl.errors import InputError
from salesops_xl.commissions.inputs import load_inputs

from helpers import D, TEMPLATES, deal, measure, payable, payout, rep, run, tiers, workbook

NO_QUOTAS = {"RepID": [], "Measure": [], "Period": [], "Quota": []}


# -- a plan of flat rates needs no Quotas rows ---------------------------------------------------------

def test_flat_rate_plan_runs_with_an_empty_quotas_table():
    src = workbook(tier_rows=tiers("T", (0, None, 0.05)), quotas=NO_QUOTAS,
                   deals=[deal("D1", "A", 10_000, D(2026, 1, 10)), deal("D2", "A", 4_000, D(2026, 2, 3))])
    r = run(src)
    # one band at 5%, no quota: 10,000 x 5% = 500 in January, 4,000 x 5% = 200 in February
    assert payable(r, "A", "2026-01") == 500.00
    assert payable(r, "A", "2026-02") == 200.00
    assert payout(r, "A", "2026-01")["Quota"] == 0


def test_a_tiered_measure_with_an_empty_quotas_table_names_the_missing_quota():
    src = workbook(quotas=NO_QUOTAS, deals=[deal("D1", "A", 10_000, D(2026, 1, 10))])
    with pytest.raises(InputError) as e:
        run(src)
    assert "no quota for rep A, measure NB, period 2026-01" in str(e.value)
    assert "table Quotas is empty" not in str(e.value)


# -- an annual period type ---------------------------------------------------------------------------

def test_annual_measure_pays_on_the_years_attainment_at_year_end():
    src = workbook(measures=[measure(period="Year")],
                   quotas=[{"RepID": "A", "Measure": "NB", "Period": "2026", "Quota": 1_200_000}],
                   deals=[deal("D1", "A", 600_000, D(2026, 3, 10)), deal("D2", "A", 900_000, D(2026, 11, 20))])
    r = run(src)
    p = payout(r, "A", "2026")
    # year credit 600,000 + 900,000 = 1,500,000 on a quota of 1,200,000: 125%
    assert p["Attainment"] == pytest.approx(1.25)
    # marginal: 1,200,000 x 5% + 300,000 x 10% = 60,000 + 30,000 = 90,000, paid in the year's last month
    assert p["Payable"] / 100 == 90_000.00
    assert p["PayMonth"] == "2026-12"
    assert len(r.payouts[r.payouts.RepID == "A"]) == 1  # one period: the year
    s = r.summary.set_index("PayMonth") if "PayMonth" in r.summary else None
    if s is not None:
        assert s.loc["2026-12", "Commission"] / 100 == 90_000.00


def test_annual_payout_curve_uses_the_annual_target_and_a_fiscal_year_label():
    # plan year from July 2026; the label is the year the plan year starts in ("FY2026" accepted)
    src = workbook(measures=[measure(period="Year", rate_type="Multiple", method="Retroactive")],
                   tier_rows=tiers("T", (0, 1.0, 0.5), (1.0, None, 1.5)),
                   quotas=[{"RepID": "A", "Measure": "NB", "Period": "FY2026", "Quota": 1_000_000}],
                   deals=[deal("D1", "A", 1_100_000, D(2027, 2, 1))],
                   reps=[rep("A", ti=24_000)])
    src._tables["settings"].data["Value"] = [D(2026, 7, 1), None]
    r = run(src)
    p = payout(r, "A", "2026")
    # 110% reaches the 1.5x step: 1.5 x annual target 24,000 x weight 100% = 36,000, paid June 2027
    assert p["TargetIncentive"] == pytest.approx(24_000)
    assert p["Payable"] / 100 == 36_000.00
    assert p["PayMonth"] == "2027-06"


def test_a_cancellation_within_the_year_takes_the_deal_out_of_an_annual_measure():
    src = workbook(measures=[measure(period="Year")],
                   quotas=[{"RepID": "A", "Measure": "NB", "Period": "2026", "Quota": 1_000_000}],
                   deals=[deal("D1", "A", 200_000, D(2026, 2, 1)),
                          deal("D2", "A", 100_000, D(2026, 3, 1), cancel=D(2026, 9, 1))])
    # the year is one period: a deal cancelled in it never counts: 200,000 x 5% = 10,000
    assert payable(run(src), "A", "2026") == 10_000.00


def test_a_month_label_for_an_annual_measure_is_refused_with_the_cell():
    src = workbook(measures=[measure(period="Year")],
                   quotas=[{"RepID": "A", "Measure": "NB", "Period": "2026-01", "Quota": 1_000_000}])
    with pytest.raises(InputError) as e:
        run(src)
    assert "column Period, cell C2: a month label for a yearly measure; found \"2026-01\"" in str(e.value)
    assert "'2026'" in str(e.value)


# -- target incentive per period -----------------------------------------------------------------------

@pytest.mark.parametrize("ti, per", [(12_000, None), (12_000, "Year"), (3_000, "Quarter"), (1_000, "Month")])
def test_target_incentive_given_per_year_quarter_or_month_is_the_same_plan(ti, per):
    r0 = rep("A", ti=ti)
    r0["TargetIncentivePer"] = per
    src = workbook(reps=[r0], measures=[measure(period="Quarter", rate_type="Multiple", method="Retroactive")],
                   tier_rows=tiers("T", (0, 1.0, 0.5), (1.0, None, 1.0)),
                   deals=[deal("D1", "A", 100_000, D(2026, 2, 10))])
    r = run(src)
    # annual 12,000 (= 3,000 x 4 = 1,000 x 12) x weight 100% / 4 quarters = 3,000 for Q1;
    # attainment 100,000 / 100,000 = 100% reaches the 1.0x step: 3,000
    assert payout(r, "A", "2026-Q1")["TargetIncentive"] == pytest.approx(3_000)
    assert payable(r, "A", "2026-Q1") == 3_000.00


def test_an_unknown_target_incentive_period_is_refused():
    r0 = rep("A")
    r0["TargetIncentivePer"] = "Week"
    with pytest.raises(InputError) as e:
        run(workbook(reps=[r0]))
    assert "column TargetIncentivePer" in str(e.value) and '"Week"' in str(e.value)


# -- Settings dates typed as real dates ----------------------------------------------------------------

@pytest.mark.parametrize("start, locked", [
    ("2026-01-01", "2026-06"),  # text
    (dt.datetime(2026, 1, 1), dt.datetime(2026, 6, 30)),  # a date cell as openpyxl or xlwings gives it
    (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-06-15")),  # as pandas gives it
    (46023.0, 46203.0),  # a date cell read as its serial number: 46023 = 2026-01-01, + 180 days = 2026-06-30
])
def test_settings_dates_as_text_dates_or_serial_numbers(start, locked):
    src = workbook(deals=[deal("D1", "A", 10_000, D(2026, 1, 10))])
    s = src._tables["settings"]
    s.data["Setting"] = ["PlanYearStart", "AsOfDate", "LockedThrough"]
    s.data["Value"] = [start, None, locked]
    inp = load_inputs(src)
    assert inp.calendar.start == D(2026, 1, 1)
    assert inp.locked_through == 5  # June: month index 5 of the plan year


def test_settings_typed_as_real_dates_in_a_real_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from salesops_xl.batch import open_source

    path = tmp_path / "dates.xlsx"
    shutil.copy(TEMPLATES / "commissions.xlsx", path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for name, value, fmt in (("PlanYearStart", dt.datetime(2026, 1, 1), "yyyy-mm-dd"),
                             ("AsOfDate", dt.datetime(2026, 9, 30), "d mmm yyyy"),
                             ("LockedThrough", dt.datetime(2026, 6, 30), "mmm yyyy")):
        c = ws.cell(rows[name], 2)
        c.value, c.number_format = value, fmt
    wb.save(path)
    with open_source(path) as src:
        inp = load_inputs(src)
    assert (inp.calendar.start, inp.calendar.as_of, inp.locked_through) == (D(2026, 1, 1), D(2026, 9, 30), 5)


# -- unit (non-money) measures -------------------------------------------------------------------------

def _meetings(**kw) -> dict:
    m = measure("Meetings", basis="Period", **kw)
    m["Unit"] = "meetings"
    return m


def test_a_unit_measure_counts_quantities_without_a_currency_and_shows_variance_to_quota():
    # a EUR rep, deals without a currency and no FX table: quantities are never converted
    src = workbook(reps=[rep("A", currency="EUR")], measures=[_meetings()], quota=20,
                   tier_rows=tiers("T", (0, 1.0, 50), (1.0, None, 75)),
                   deals=[deal("M1", "A", 12, D(2026, 1, 10), measure="Meetings", currency=None),
                          deal("M2", "A", 30, D(2026, 2, 10), measure="Meetings", currency=None)])
    r = run(src)
    jan, feb = payout(r, "A", "2026-01", "Meetings"), payout(r, "A", "2026-02", "Meetings")
    assert (jan["Unit"], jan["Currency"]) == ("meetings", "EUR")
    # January: 12 meetings on a quota of 20: variance 12 - 20 = -8; paid 12 x 50 = 600
    assert jan["Variance"] == pytest.approx(-8)
    assert jan["Payable"] / 100 == 600.00
    # February: 30 meetings, variance 30 - 20 = +10, year to date 42 - 40 = +2;
    # paid 20 x 50 + 10 x 75 = 1,000 + 750 = 1,750
    assert feb["Variance"] == pytest.approx(10) and feb["VarianceYTD"] == pytest.approx(2)
    assert feb["Payable"] / 100 == 1_750.00


def test_a_money_measure_shows_its_variance_in_the_currency_and_a_blank_unit():
    r = run(workbook(deals=[deal("D1", "A", 130_000, D(2026, 1, 10))]))
    p = payout(r, "A", "2026-01")
    # 130,000 - 100,000 = +30,000
    assert p["Unit"] is None and p["Variance"] == pytest.approx(30_000)


def test_a_team_measure_rolls_up_a_unit_measure_in_units():
    team = _meetings(plan="M", rate_type="Commission", tiers="F")
    team.update(CreditSource="Team", SourceMeasure="Meetings", Measure="TeamMeetings")
    src = workbook(reps=[rep("A", manager="B"), rep("B", plan="M", currency="GBP")],
                   measures=[_meetings(), team],
                   tier_rows=tiers("T", (0, None, 50)) + tiers("F", (0, None, 10)),
                   quotas={"RepID": [], "Measure": [], "Period": [], "Quota": []},
                   deals=[deal("M1", "A", 12, D(2026, 1, 10), measure="Meetings", currency=None)])
    r = run(src)
    # the rep: 12 x 50 = 600; the manager (GBP, no FX rate needed): 12 team meetings x 10 = 120
    assert payable(r, "A", "2026-01", "Meetings") == 600.00
    assert payable(r, "B", "2026-01", "TeamMeetings") == 120.00


def test_currency_rules_of_unit_and_money_deals_name_the_cell():
    src = workbook(measures=[measure(weight=0.5), _meetings(weight=0.5)],
                   deals=[deal("M1", "A", 12, D(2026, 1, 10), measure="Meetings", currency="USD"),
                          deal("D1", "A", 1_000, D(2026, 1, 10), currency=None)])
    with pytest.raises(InputError) as e:
        run(src)
    text = str(e.value)
    assert ("row 2, column Currency, cell G2: a currency on a deal of the unit measure Meetings (its Amount is a "
            "quantity); found \"USD\"; expected a blank Currency") in text
    assert "row 3, column Currency, cell G3: blank; expected the currency of Amount" in text


def test_one_measure_counted_in_money_in_one_plan_and_units_in_another_is_refused():
    src = workbook(reps=[rep("A"), rep("B", plan="Q")], measures=[measure("Meetings"), _meetings(plan="Q")],
                   tier_rows=tiers("T", (0, None, 50)), quotas=NO_QUOTAS,
                   deals=[deal("M1", "A", 12, D(2026, 1, 10), measure="Meetings")])
    with pytest.raises(InputError) as e:
        run(src)
    assert "column Unit, cell" in str(e.value) and "measure Meetings counts in money on row 2" in str(e.value)
