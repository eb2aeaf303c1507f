"""Read and check the budget workbook's input tables.

:func:`load_inputs` reads every table through a
:class:`~salesops_xl.source.TableSource`, types it, checks the rules that span
tables (every cost centre, role and month exists; actuals only in closed
months; pay known for every person) and raises one
:class:`~salesops_xl.errors.InputError` listing everything wrong, each problem
naming its sheet, table, row, column and value. Rules: docs/budget.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..money import to_cents
from ..periods import PlanCalendar
from ..quotas.inputs import one_row
from ..source import TableSource
from ..tables import Table, fingerprint, index_of, input_frames, read_tables, take
from . import schema as S

_CCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass
class Lines:
    """Amounts keyed by (cost centre, category, month) from one table, cents."""

    cc: np.ndarray  # (k,) intp cost centre index
    category: np.ndarray  # (k,) object
    month: np.ndarray  # (k,) intp plan month 0..11
    cents: np.ndarray  # (k,) int64


@dataclass
class BudgetInputs:
    workbook: str
    tables: dict[str, Table]
    fingerprint: str
    calendar: PlanCalendar
    closed: int  # months closed with actuals (0..12)
    currency: str
    default_rule: str
    run_rate_months: int
    notice_days: int
    cost_per_applicant: float
    cost_per_hire: float
    cc_ids: np.ndarray  # (c,) object
    cc_names: np.ndarray
    cc_groups: np.ndarray
    cc_nodes: np.ndarray  # QuotaNode or None
    people: pd.DataFrame  # Headcount with pay resolved: Salary, Benefits (rate), Target, Expected, cc (index)
    ramp: np.ndarray
    rules: dict[str, str | None]  # category -> Plan / RunRate (listed categories; None: the default rule)
    plan_lines: Lines
    actuals: Lines
    bookings: np.ndarray  # (3, 12) plan, actual, forecast bookings (NaN: not given)
    funnel: pd.DataFrame  # Stage, Conversion, Days (in order)
    fx: dict[str, float]
    hires_cc: str
    warnings: list[str] = field(default_factory=list)

    def rule(self, category: str) -> str:
        return self.rules.get(category) or self.default_rule


def load_inputs(source: TableSource) -> BudgetInputs:
    """Read, type and cross-check every input table; raise InputError with all problems found."""
    from ..capabilities import check_kind

    check_kind("budget", source.table_names(), source.workbook, "the budget")
    problems = ProblemCollector()
    warnings: list[str] = []
    tables = read_tables(source, S.INPUT_TABLES, problems)
    fp = fingerprint(input_frames(tables))
    plan = _plan(tables.get("BudgetPlan"), problems)
    cc = tables.get("CostCentres")
    ramp = _ramp(tables.get("RampCurve"), problems)
    funnel = _funnel(tables.get("HiringFunnel"))
    fx = {} if "BudgetFX" not in tables else dict(zip(tables["BudgetFX"].frame["Currency"].astype(str).str.upper(),
                                                      tables["BudgetFX"].frame["Rate"].astype(float)))
    rules: dict[str, str | None] = {}
    if "Categories" in tables:
        f = tables["Categories"].frame
        rules = {str(c): (None if r is None or pd.isna(r) else str(r)) for c, r in zip(f["Category"], f["Reforecast"])}
    people = plan_lines = actuals = bookings = None
    if plan is not None and cc is not None:
        ids = cc.frame["CostCentre"].to_numpy(dtype=object)
        if "Headcount" in tables:
            people = _people(tables["Headcount"], tables.get("Roles"), ids, plan, problems)
        plan_lines = _lines(tables.get("PlanLines"), ids, plan, problems, actual=False)
        actuals = _lines(tables.get("Actuals"), ids, plan, problems, actual=True)
        bookings = _bookings(tables.get("Bookings"), plan, problems)
        hcc = plan["hires_cc"]
        if hcc is not None and hcc not in set(ids.tolist()):
            problems.add(tables["BudgetPlan"].problem(0, "HiresCostCentre", "unknown cost centre", value=hcc,
                                                      expected="a CostCentres[CostCentre]"))
    problems.raise_if_any()
    assert plan is not None and cc is not None and people is not None
    assert plan_lines is not None and actuals is not None and bookings is not None  # set with plan and cc
    f = cc.frame
    ids = f["CostCentre"].to_numpy(dtype=object)
    groups = np.where(pd.isna(f["Group"].to_numpy(dtype=object)), ids, f["Group"].to_numpy(dtype=object))
    names = np.where(pd.isna(f["Name"].to_numpy(dtype=object)), ids, f["Name"].to_numpy(dtype=object))
    return BudgetInputs(
        workbook=source.workbook, tables=tables, fingerprint=fp, calendar=plan["calendar"], closed=plan["closed"],
        currency=plan["currency"], default_rule=plan["rule"], run_rate_months=plan["rr"],
        notice_days=plan["notice"], cost_per_applicant=plan["cpa"], cost_per_hire=plan["cph"], cc_ids=ids,
        cc_names=names.astype(object), cc_groups=groups.astype(object),
        cc_nodes=f["QuotaNode"].to_numpy(dtype=object) if "QuotaNode" in f else np.full(len(f), None, dtype=object),
        people=people, ramp=ramp, rules=rules, plan_lines=plan_lines, actuals=actuals, bookings=bookings,
        funnel=funnel, fx=fx, hires_cc=plan["hires_cc"] or (str(ids[0]) if len(ids) else ""), warnings=warnings)


def _plan(tbl: Table | None, problems: ProblemCollector) -> dict | None:
    row = one_row(tbl, problems)
    if row is None or pd.isna(row["PlanYearStart"]):
        return None
    assert tbl is not None  # one_row gives a row only from a table
    ccy = str(row["Currency"] or "").strip().upper()
    if not _CCY_RE.match(ccy):
        problems.add(tbl.problem(0, "Currency", "not a currency code", value=row["Currency"],
                                 expected="a three-letter ISO code such as USD"))
        return None
    cal = PlanCalendar.create(pd.Timestamp(row["PlanYearStart"]).date())
    closed = 0
    if not pd.isna(row["ActualsThrough"]):
        d = pd.Timestamp(row["ActualsThrough"]).date()
        mi = cal.month_of(d)
        if mi < -1 or mi > 11:
            problems.add(tbl.problem(0, "ActualsThrough", "a date outside the budget year", value=d,
                                     expected=f"a date from {cal.start.isoformat()} to {cal.end.isoformat()}, "
                                              "or blank"))
            return None
        closed = mi + 1
    hcc = row.get("HiresCostCentre")
    return {"calendar": cal, "closed": int(closed), "currency": ccy, "rule": str(row["Reforecast"]),
            "rr": int(row["RunRateMonths"]), "notice": int(row["NoticeDays"]), "cpa": float(row["CostPerApplicant"]),
            "cph": float(row["CostPerHire"]), "rate": float(row["BenefitsRate"]),
            "hires_cc": None if hcc is None or pd.isna(hcc) else str(hcc)}


def _ramp(tbl: Table | None, problems: ProblemCollector) -> np.ndarray:
    from ..quotas.inputs import read_ramp_curve as quota_ramp

    return quota_ramp(tbl, problems) if tbl is not None and len(tbl.frame) else np.array(S.DEFAULT_RAMP)


def _funnel(tbl: Table | None) -> pd.DataFrame:
    if tbl is None or len(tbl.frame) == 0:
        return pd.DataFrame({"Stage": pd.Series([], dtype=object), "Conversion": pd.Series([], dtype=float),
                             "Days": pd.Series([], dtype=float)})
    return tbl.frame[["Stage", "Conversion", "Days"]].reset_index(drop=True)


def _cc_index(tbl: Table, column: str, ids: np.ndarray, problems: ProblemCollector) -> np.ndarray:
    vals = tbl.frame[column].to_numpy(dtype=object)
    pos = index_of(ids, vals)
    for i in np.flatnonzero((pos < 0) & ~pd.isna(vals)):
        problems.add(tbl.problem(int(i), column, "unknown cost centre", value=vals[i],
                                 expected="a CostCentre listed in the CostCentres table"))
    return pos


def _months(tbl: Table, plan: dict, problems: ProblemCollector) -> np.ndarray:
    cal: PlanCalendar = plan["calendar"]
    raw = tbl.frame["Month"].to_numpy(dtype=object)
    codes, uniq = pd.factorize(raw, use_na_sentinel=True)
    m_of = np.full(len(uniq) + 1, -1, dtype=np.intp)
    bad: dict[int, str] = {}
    for k, u in enumerate(uniq):  # distinct months: a dozen
        p, why = cal.parse_period(u, "Month")
        if p is None:
            bad[k] = why
        else:
            m_of[k] = p
    month = m_of[codes]
    for i in (np.flatnonzero(np.isin(codes, list(bad))) if bad else ()):
        problems.add(tbl.problem(int(i), "Month", bad[int(codes[i])], value=raw[i],
                                 expected=f"a month of the budget year, {cal.month_label(0)} to {cal.month_label(11)} "
                                          "(a label or a date)"))
    return month


def _lines(tbl: Table | None, ids: np.ndarray, plan: dict, problems: ProblemCollector, *, actual: bool) -> Lines:
    if tbl is None or len(tbl.frame) == 0:
        z = np.zeros(0, dtype=np.intp)
        return Lines(cc=z, category=np.zeros(0, dtype=object), month=z, cents=np.zeros(0, dtype=np.int64))
    f = tbl.frame
    pos = _cc_index(tbl, "CostCentre", ids, problems)
    month = _months(tbl, plan, problems)
    amt = f["Amount"].to_numpy(dtype=np.float64)
    if actual:
        closed = plan["closed"]
        cal = plan["calendar"]
        for i in np.flatnonzero(month >= closed):
            through = "no month is closed (BudgetPlan[ActualsThrough] is blank)" if closed == 0 else \
                f"months are closed through {cal.month_label(closed - 1)} (BudgetPlan[ActualsThrough])"
            problems.add(tbl.problem(int(i), "Month", f"an actual in an open month: {through}",
                                     value=f["Month"].iloc[i],
                                     expected="actuals only in closed months; move ActualsThrough forward to close "
                                              "the month"))
    ok = (pos >= 0) & (month >= 0) & ~np.isnan(amt)
    cats = f["Category"].to_numpy(dtype=object)[ok].astype(str).astype(object)
    return Lines(cc=pos[ok].astype(np.intp), category=cats, month=month[ok].astype(np.intp), cents=to_cents(amt[ok]))


def _bookings(tbl: Table | None, plan: dict, problems: ProblemCollector) -> np.ndarray:
    out = np.full((3, 12), np.nan)
    if tbl is None or len(tbl.frame) == 0:
        return out
    month = _months(tbl, plan, problems)
    ok = month >= 0
    for k, col in enumerate(("Plan", "Actual", "Forecast")):
        out[k, month[ok]] = tbl.frame[col].to_numpy(dtype=np.float64)[ok]
    return out


def _people(tbl: Table, roles: Table | None, ids: np.ndarray, plan: dict, problems: ProblemCollector) -> pd.DataFrame:
    f = tbl.frame
    n = len(f)
    cc = _cc_index(tbl, "CostCentre", ids, problems)
    role = f["Role"].to_numpy(dtype=object) if "Role" in f else np.full(n, None, dtype=object)
    if roles is not None and len(roles.frame):
        rf = roles.frame
        rpos = index_of(rf["Role"].to_numpy(dtype=object), role)
        r_sal = take(rf["AnnualSalary"].to_numpy(dtype=np.float64), rpos, np.nan).astype(np.float64)
        r_ben = take(rf["BenefitsRate"].to_numpy(dtype=np.float64), rpos, np.nan).astype(np.float64)
        r_ti = take(rf["TargetIncentive"].to_numpy(dtype=np.float64), rpos, np.nan).astype(np.float64)
    else:
        rpos = np.full(n, -1, dtype=np.intp)
        r_sal = r_ben = r_ti = np.full(n, np.nan)

    def col(name):
        return f[name].to_numpy(dtype=np.float64) if name in f else np.full(n, np.nan)

    sal = np.where(np.isnan(col("AnnualSalary")), r_sal, col("AnnualSalary"))
    ben = np.where(np.isnan(col("BenefitsRate")), np.where(np.isnan(r_ben), plan["rate"],
                                                              r_ben), col("BenefitsRate"))
    ti = np.where(np.isnan(col("TargetIncentive")), np.where(np.isnan(r_ti), 0.0, r_ti), col("TargetIncentive"))
    for i in np.flatnonzero(np.isnan(sal)):
        if rpos[i] < 0 and not pd.isna(role[i]):
            problems.add(tbl.problem(int(i), "Role", "unknown role, and AnnualSalary is blank", value=role[i],
                                     expected="a Roles[Role], or the salary typed in AnnualSalary"))
        else:
            problems.add(tbl.problem(int(i), "AnnualSalary", "no salary: AnnualSalary and Role are blank",
                                     value=None, expected="an annual salary, or a Role listed in the Roles table"))
    start = f["StartDate"].to_numpy().astype("datetime64[D]")
    end = f["EndDate"].to_numpy().astype("datetime64[D]") if "EndDate" in f else np.full(n, "NaT", "datetime64[D]")
    for i in np.flatnonzero(~np.isnat(end) & ~np.isnat(start) & (end < start)):
        problems.add(tbl.problem(int(i), "EndDate", "ends before it starts", value=end[i].item(),
                                 expected=f"a date on or after the StartDate {start[i].item()}"))
    status = f["Status"].to_numpy(dtype=object) if "Status" in f else np.full(n, "Active", dtype=object)
    return pd.DataFrame({
        "PersonID": f["PersonID"].to_numpy(dtype=object), "Name": f["Name"].to_numpy(dtype=object),
        "CostCentre": f["CostCentre"].to_numpy(dtype=object), "cc": cc, "Role": role, "Status": status,
        "StartDate": start, "EndDate": end, "Salary": sal, "BenefitsRate": ben, "TargetIncentive": ti,
        "ExpectedVariable": col("ExpectedVariable"), "row": np.arange(n)})
