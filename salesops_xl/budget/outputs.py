"""The sheets a budget run writes back: Budget, Budget Lines, Budget Months, Hiring, Budget Run Log."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..cellrefs import col_letters
from ..quotas.outputs import frame_block
from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec
from .engine import NM, BudgetResult, by_month, line_measures, rollup, with_variances

PLAN_C, ACT_C, FC_C, HIRE_C = "A5A5A5", "1F4E79", "2E75B6", "548235"
OUT_TAB = "1F4E79"

FIGURES = (
    Column("PlanYear", "money", description="Budget of the whole year."),
    Column("PlanToDate", "money", description="Budget of the closed months."),
    Column("ActualToDate", "money", description="Actuals of the closed months."),
    Column("VarianceToDate", "money", description="ActualToDate - PlanToDate (positive: spent above budget)."),
    Column("VarianceToDatePct", "percent", description="VarianceToDate / PlanToDate."),
    Column("ForecastRest", "money", description="Forecast of the open months: plan, or run rate (Rule)."),
    Column("YearEndForecast", "money", description="ActualToDate + ForecastRest."),
    Column("YearEndVariance", "money", description="YearEndForecast - PlanYear (positive: above budget)."),
    Column("YearEndVariancePct", "percent", description="YearEndVariance / PlanYear."),
)

LINE_COLUMNS = (Column("CostCentre", "text"), Column("CostCentreName", "text"), Column("Group", "text"),
                Column("Category", "text"), Column("Rule", "text", description="Re-forecast rule: Plan or RunRate.")
                ) + FIGURES

MONTH_COLUMNS = (
    Column("CostCentre", "text"), Column("Category", "text"), Column("Month", "text"),
    Column("Status", "text", description="Actual (a closed month) or Forecast (an open month)."),
    Column("Plan", "money"), Column("Actual", "money"),
    Column("Forecast", "money", description="The actual in a closed month; the plan or run rate in an open one."),
)

YEAR_COLUMNS = (
    Column("Month", "text"), Column("Status", "text"), Column("Plan", "money"), Column("Actual", "money"),
    Column("ActualOrForecast", "money", description="Actual of a closed month, forecast of an open one."),
    Column("Variance", "money", description="ActualOrForecast - Plan."),
    Column("CumPlan", "money"), Column("CumActualOrForecast", "money"),
    Column("BookingsPlan", "money", description="Bookings[Plan]."),
    Column("Bookings", "money", description="Bookings[Actual] of a closed month, Bookings[Forecast] of an open one."),
    Column("CostOfSalesPlanPct", "percent", description="Plan / BookingsPlan."),
    Column("CostOfSalesPct", "percent", description="ActualOrForecast / Bookings."),
)


def line_frame(r: BudgetResult) -> pd.DataFrame:
    inp = r.inputs
    m = with_variances(line_measures(r.plan, r.actual, r.forecast, r.closed))
    return pd.DataFrame({"CostCentre": inp.cc_ids[r.line_cc], "CostCentreName": inp.cc_names[r.line_cc],
                         "Group": inp.cc_groups[r.line_cc], "Category": r.line_cat, "Rule": r.line_rule, **m})


def month_frame(r: BudgetResult) -> pd.DataFrame:
    inp = r.inputs
    L = len(r.line_cc)
    mi = np.tile(np.arange(NM), L)
    labels = np.array([inp.calendar.month_label(i) for i in range(NM)], dtype=object)
    return pd.DataFrame({"CostCentre": np.repeat(inp.cc_ids[r.line_cc], NM),
                         "Category": np.repeat(r.line_cat, NM), "Month": labels[mi],
                         "Status": np.where(mi < r.closed, "Actual", "Forecast").astype(object),
                         "Plan": r.plan.ravel(), "Actual": np.where(mi < r.closed, r.actual.ravel(), 0),
                         "Forecast": r.forecast.ravel()})


def _budget_sheet(r: BudgetResult) -> SheetSpec:
    inp = r.inputs
    roll = rollup(r)
    t_roll = frame_block("BudgetSummary", (Column("Level", "text"), Column("Name", "text", width=30)) + FIGURES, roll,
                    anchor="A4")
    t_roll = type(t_roll)(name=t_roll.name, columns=t_roll.columns, data=t_roll.data, anchor=t_roll.anchor,
                          total_rows=(0,))
    start = 4 + len(roll) + 3
    year = by_month(r)
    t_year = frame_block("BudgetByMonth", YEAR_COLUMNS, year, anchor=f"A{start}")
    chart_col = col_letters(len(FIGURES) + 3)
    ser = lambda name, col, color: SeriesRef(name=name, table="BudgetByMonth", values=col,  # noqa: E731
                                             categories="Month", color=color)
    charts = (
        ChartSpec(kind="column", title="The year: plan against actuals (closed months) and forecast",
                  series=(ser("Plan", "Plan", PLAN_C), ser("Actual / forecast", "ActualOrForecast", FC_C)),
                  anchor=f"{chart_col}4", x_title="Month", y_title=inp.currency, width_cols=11, height_rows=18,
                  y_format="#,##0"),
        ChartSpec(kind="line", title="Cumulative spend: plan and year-end forecast",
                  series=(ser("Plan", "CumPlan", "ED7D31"), ser("Actual then forecast", "CumActualOrForecast", ACT_C)),
                  anchor=f"{chart_col}24", x_title="Month", y_title=inp.currency, width_cols=11, height_rows=18,
                  y_format="#,##0"),
    )
    cal = inp.calendar
    closed = (f"actuals through {cal.month_label(r.closed - 1)}" if r.closed else "no month closed yet")
    rr = f"RunRate = average actual of the last {inp.run_rate_months} closed months"
    tot_plan, tot_fc = year["Plan"].sum() / 100.0, year["ActualOrForecast"].sum() / 100.0
    b_plan = np.nansum(year["BookingsPlan"].to_numpy(dtype=float))
    b_used = np.nansum(year["Bookings"].to_numpy(dtype=float))
    cos = (f"; cost of sales {tot_plan / b_plan:.1%} of planned bookings, year-end {tot_fc / b_used:.1%} of "
           "actual + forecast bookings" if b_plan > 0 and b_used > 0 else "")
    notes = (("A1", f"Sales budget {cal.start.year} ({inp.currency}), {closed}"),
             ("A2", f"Year-end forecast = actuals to date + the rest of the year at plan, or at run rate for the "
                    f"RunRate categories ({rr}){cos}."))
    return SheetSpec(name="Budget", tables=(t_roll, t_year), charts=charts, notes=notes, tab_color="548235",
                     freeze="C5", print_rows="4:4", looks=(("A1", "title"), ("A2", "subtitle")))


def _lines_sheet(r: BudgetResult) -> SheetSpec:
    t = frame_block("BudgetLines", LINE_COLUMNS, line_frame(r))
    return SheetSpec(name="Budget Lines", tables=(t,), freeze="E2", tab_color=OUT_TAB)


def _months_sheet(r: BudgetResult) -> SheetSpec:
    t = frame_block("BudgetMonths", MONTH_COLUMNS, month_frame(r))
    return SheetSpec(name="Budget Months", tables=(t,), freeze="D2", tab_color=OUT_TAB)


def _hiring_sheet(r: BudgetResult) -> SheetSpec:
    inp = r.inputs
    req_cols = (Column("PersonID", "text"), Column("Name", "text", width=28), Column("CostCentre", "text"),
                Column("Status", "text"), Column("StartDate", "date", description="Needed start date."),
                Column("OpenDate", "date", description="StartDate - TimeToFillDays: when the requisition opens."),
                Column("TimeToFillDays", "int", description="Sum of the funnel's stage days + NoticeDays.")) + \
        tuple(Column(s, "int", description=f"Candidates needed at stage {s}.") for s in r.stage_names) + \
        (Column("RecruitingCost", "money", description="Sourcing + fee falling inside the budget year."),)
    t_req = frame_block("Requisitions", req_cols, r.reqs, anchor="A4")
    start = 4 + len(r.reqs) + 3
    hm_cols = (Column("Month", "text"), Column("Openings", "int", description="Requisitions opening."),
               Column("Starts", "int", description="New hires starting.")) + \
        tuple(Column(s, "int", description=f"Candidates entering stage {s}.") for s in r.stage_names) + \
        (Column("RecruitingCost", "money"),)
    t_hm = frame_block("HiringByMonth", hm_cols, r.hiring_months, anchor=f"A{start}")
    ser = lambda name, col, color: SeriesRef(name=name, table="HiringByMonth", values=col,  # noqa: E731
                                             categories="Month", color=color)
    chart = ChartSpec(kind="column", title="Requisitions opening and hires starting, by month",
                      series=(ser("Openings", "Openings", FC_C), ser("Starts", "Starts", HIRE_C)),
                      anchor=f"{col_letters(len(req_cols) + 1)}4", x_title="Month", y_title="People", width_cols=10,
                      height_rows=18, y_format="0")
    fun = inp.funnel
    stages = " -> ".join(f"{s} {c:.0%} in {int(d)} d" for s, c, d in zip(fun["Stage"], fun["Conversion"], fun["Days"]))
    notes = (("A1", "Hiring plan, back-scheduled from the needed start dates"),
             ("A2", f"Funnel: {stages or '(none: HiringFunnel is empty)'}; notice {inp.notice_days} days. "
                    f"Recruiting: {inp.cost_per_applicant:,.2f} per applicant, {inp.cost_per_hire:,.2f} per hire."))
    return SheetSpec(name="Hiring", tables=(t_req, t_hm), charts=(chart,), notes=notes, tab_color=HIRE_C,
                     print_rows="4:4", looks=(("A1", "title"), ("A2", "subtitle")))


def _run_log(r: BudgetResult) -> SheetSpec:
    inp = r.inputs
    m = line_measures(r.plan, r.actual, r.forecast, r.closed)
    items = [
        ("Computed at (UTC)", r.computed_at),
        ("Engine version", f"salesops-xl {r.engine_version}"),
        ("Input fingerprint (SHA-256)", inp.fingerprint),
        ("Budget year start", inp.calendar.start.isoformat()),
        ("Months closed", str(r.closed)),
        ("Default re-forecast rule", inp.default_rule),
        ("Run-rate months", str(inp.run_rate_months)),
        ("Budget lines", str(len(r.line_cc))),
        ("People", str(len(inp.people))),
        ("Requisitions", str(len(r.reqs))),
        ("Plan, year", f"{int(m['PlanYear'].sum()) / 100:,.2f} {inp.currency}"),
        ("Year-end forecast", f"{int(m['YearEndForecast'].sum()) / 100:,.2f} {inp.currency}"),
    ]
    log = pd.DataFrame({"Item": [i for i, _ in items], "Value": [v for _, v in items]}, dtype=object)
    t_log = frame_block("BudgetRunLog", (Column("Item", "text", width=30), Column("Value", "text", width=70)), log)
    warn = pd.DataFrame({"Warning": r.warnings or ["(none)"]}, dtype=object)
    t_warn = frame_block("BudgetRunWarnings", (Column("Warning", "text", width=110),), warn, anchor=f"A{len(log) + 4}")
    return SheetSpec(name="Budget Run Log", tables=(t_log, t_warn), tab_color="7F7F7F")


def budget_sheets(r: BudgetResult) -> list[SheetSpec]:
    """The output sheets of a budget run, in the order they appear in the workbook."""
    return [_budget_sheet(r), _lines_sheet(r), _months_sheet(r), _hiring_sheet(r), _run_log(r)]
