"""Budget and hiring rules, hand-computed (docs/budget.md): each expected number has its arithmetic beside it."""
from __future__ import annotations

import numpy as np
import pytest

from budget_helpers import D, line, line_of, person, run, workbook
from salesops_xl.budget.engine import rollup, by_month
from salesops_xl.errors import InputError


def _te(actuals=(1100.0, 900.0, 1300.0), **plan_kw):
    lines = [line("CC1", "T&E", m, 1000.0) for m in range(1, 13)]
    acts = [line("CC1", "T&E", m + 1, a) for m, a in enumerate(actuals)]
    return workbook(lines=lines, actuals=acts, plan_kw={"ActualsThrough": D(2026, 3, 31), **plan_kw})


def _figures(r, cc="CC1", cat="T&E"):
    from salesops_xl.budget.outputs import line_frame

    return line_frame(r).iloc[line_of(r, cc, cat)]


def test_a_budget_lines_variance_and_year_end_forecast_at_plan():
    f = _figures(run(_te()))
    assert f.PlanYear == 12 * 1000_00  # 12 x 1,000.00
    assert f.PlanToDate == 3000_00  # Jan-Mar closed
    assert f.ActualToDate == 3300_00  # 1,100 + 900 + 1,300
    assert f.VarianceToDate == 300_00  # 3,300 - 3,000: spent above budget
    assert f.VarianceToDatePct == pytest.approx(0.10)  # 300 / 3,000
    assert f.ForecastRest == 9000_00  # Apr-Dec at plan: 9 x 1,000
    assert f.YearEndForecast == 12300_00  # actuals to date + plan for the rest
    assert f.YearEndVariance == 300_00  # 12,300 - 12,000
    assert f.YearEndVariancePct == pytest.approx(0.025)  # 300 / 12,000


def test_the_run_rate_rule_forecasts_the_rest_at_the_recent_average():
    f = _figures(run(_te(Reforecast="RunRate", RunRateMonths=2)))
    assert f.ForecastRest == 9 * 1100_00  # (900 + 1,300) / 2 = 1,100 a month for Apr-Dec
    assert f.YearEndForecast == 3300_00 + 9900_00  # 13,200
    assert f.YearEndVariancePct == pytest.approx(0.10)  # 1,200 / 12,000
    # the rule of a category wins over the plan's default; a run rate rounds to the cent, half away from zero
    src = workbook(lines=[line("CC1", "T&E", m, 1000.0) for m in range(1, 13)],
                   actuals=[line("CC1", "T&E", 1, 100.0), line("CC1", "T&E", 2, 100.0), line("CC1", "T&E", 3, 100.01)],
                   plan_kw={"ActualsThrough": D(2026, 3, 31)}, categories=[("T&E", "RunRate")])
    f = _figures(run(src))
    assert f.ForecastRest == 9 * 10000  # (100 + 100 + 100.01) / 3 = 100.0033 -> 100.00 a month


def test_no_month_closed_means_the_forecast_is_the_plan():
    r = run(workbook(lines=[line("CC1", "T&E", m, 250.0) for m in range(1, 13)]))
    f = _figures(r)
    assert f.YearEndForecast == f.PlanYear == 3000_00 and f.ActualToDate == 0
    assert np.isnan(f.VarianceToDatePct)  # nothing planned to date: no percentage


def test_salary_and_benefits_are_prorated_by_days_employed():
    # 120,000 a year = 10,000 a month; a start on 16 March works 16 of its 31 days
    r = run(workbook([person("P1", start=D(2026, 3, 16), benefits=0.24)]))
    sal = r.plan[line_of(r, "CC1", "Salaries")]
    ben = r.plan[line_of(r, "CC1", "Benefits")]
    assert sal[:2].tolist() == [0, 0]
    assert sal[2] == 516129  # 10,000 x 16/31 = 5,161.2903 -> 5,161.29
    assert sal[3] == 1_000_000
    assert ben[2] == 123871  # 5,161.29 x 24% = 1,238.7096 -> 1,238.71
    # a leaver on 30 June is paid through June only
    r = run(workbook([person("P2", end=D(2026, 6, 30))]))
    sal = r.plan[line_of(r, "CC1", "Salaries")]
    assert sal.sum() == 6 * 1_000_000 and sal[6] == 0


def test_variable_pay_follows_the_ramp_of_a_new_hire():
    # target incentive 60,000 = 5,000 a month; ramp 25/50/75% in tenure months 1-3, then 100%
    r = run(workbook([person("P1", start=D(2026, 3, 1), ti=60_000.0)]))
    var = r.plan[line_of(r, "CC1", "Variable comp")] / 100
    assert var[2:7].tolist() == [1250.0, 2500.0, 3750.0, 5000.0, 5000.0]


def test_an_expected_variable_cost_is_spread_over_the_months_employed_exactly():
    # 10,000.00 over a half year (leaves 30 June): 1,666.666... a month; largest remainder: 1,666.67 x 4 + 1,666.66 x 2
    r = run(workbook([person("P1", end=D(2026, 6, 30), ti=60_000.0, expected=10_000.0)]))
    var = r.plan[line_of(r, "CC1", "Variable comp")]
    assert var.sum() == 1_000_000 and var[6:].sum() == 0
    assert sorted(var[:6].tolist()) == [166666, 166666, 166667, 166667, 166667, 166667]


def test_a_requisition_opened_90_days_before_start_with_a_20_percent_funnel():
    # one stage: 20% of applicants become hires, the stage takes 60 days, notice 30 days: time to fill 90 days
    src = workbook([person("REQ1", status="Open", start=D(2026, 7, 1))], funnel=[("Applicants", 0.20, 60)],
                   plan_kw={"NoticeDays": 30, "CostPerApplicant": 40.0, "CostPerHire": 5000.0})
    r = run(src)
    req = r.reqs.iloc[0]
    assert req.TimeToFillDays == 90
    assert str(req.OpenDate)[:10] == "2026-04-02"  # 1 July - 90 days
    assert req.Applicants == 5  # ceil(1 / 20%)
    hm = r.hiring_months.set_index("Month")
    assert hm.loc["2026-04", "Openings"] == 1 and hm.loc["2026-04", "Applicants"] == 5
    assert hm.loc["2026-07", "Starts"] == 1
    rec = r.plan[line_of(r, "CC1", "Recruiting")]
    assert rec[3] == 20000  # 5 applicants x 40.00, in April (when they are sourced)
    assert rec[6] == 500000  # 5,000.00 per hire, in the start month
    assert req.RecruitingCost == 520000


def test_the_funnel_is_counted_back_from_the_hire():
    # offers ceil(1/0.8) = 2; interviews ceil(2/0.3) = 7 (6.67); screens ceil(7/0.4) = 18 (17.5);
    # applicants ceil(18/0.15) = 120; stages start 21, 10 and 21 days apart; time to fill 59 + 30 = 89 days
    src = workbook([person("R", status="Planned", start=D(2026, 6, 1))],
                   funnel=[("Applicants", 0.15, 21), ("Screen", 0.40, 10), ("Interview", 0.30, 21), ("Offer", 0.80, 7)],
                   plan_kw={"NoticeDays": 30})
    req = run(src).reqs.iloc[0]
    assert [req.Applicants, req.Screen, req.Interview, req.Offer] == [120, 18, 7, 2]
    assert str(req.OpenDate)[:10] == "2026-03-04"  # 1 June - 89 days


def test_cost_of_sales_is_a_share_of_bookings():
    bookings = [{"Month": "2026-01", "Plan": 100_000.0, "Actual": 80_000.0, "Forecast": None},
                {"Month": "2026-02", "Plan": 100_000.0, "Actual": None, "Forecast": 125_000.0}]
    src = workbook(lines=[line("CC1", "T&E", 1, 10_000.0), line("CC1", "T&E", 2, 10_000.0)],
                   actuals=[line("CC1", "T&E", 1, 12_000.0)], bookings=bookings,
                   plan_kw={"ActualsThrough": D(2026, 1, 31)})
    m = by_month(run(src)).set_index("Month")
    assert m.loc["2026-01", "CostOfSalesPlanPct"] == pytest.approx(0.10)  # 10,000 / 100,000
    assert m.loc["2026-01", "CostOfSalesPct"] == pytest.approx(0.15)  # actual 12,000 / actual bookings 80,000
    assert m.loc["2026-02", "CostOfSalesPct"] == pytest.approx(0.08)  # forecast 10,000 / forecast bookings 125,000


def test_rollups_of_the_small_case():
    src = workbook([person("A", cc="CC1"), person("B", cc="CC2")],
                   lines=[line("CC1", "T&E", 1, 100.0), line("CC2", "Programs", 2, 50.0)],
                   ccs=(("CC1", "One", "North"), ("CC2", "Two", "South")))
    roll = rollup(run(src)).set_index(["Level", "Name"])
    assert roll.loc[("Total", "All cost centres"), "PlanYear"] == 2 * 12_000_000 + 10000 + 5000
    assert roll.loc[("Group", "North"), "PlanYear"] == 12_000_000 + 10000
    assert roll.loc[("Category", "Programs"), "PlanYear"] == 5000


def test_an_actual_in_an_open_month_names_sheet_row_column_and_value():
    src = workbook(lines=[line("CC1", "T&E", 1, 1.0)], actuals=[line("CC1", "T&E", 5, 99.0)],
                   plan_kw={"ActualsThrough": D(2026, 3, 31)})
    with pytest.raises(InputError) as e:
        run(src)
    text = str(e.value)
    assert "sheet 'Actuals'" in text and "row 2" in text and "column Month" in text and '"2026-05"' in text
    assert "closed through 2026-03" in text


def test_unknown_cost_centre_and_missing_salary_are_located():
    p = person("P1", cc="CC9")
    p["AnnualSalary"] = None
    with pytest.raises(InputError) as e:
        run(workbook([p]))
    text = str(e.value)
    assert "table Headcount: row 2, column CostCentre" in text and '"CC9"' in text
    assert "column AnnualSalary" in text and "no salary" in text
