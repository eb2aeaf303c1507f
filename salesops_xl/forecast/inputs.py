"""Read and check the forecast workbook's input tables.

:func:`load_inputs` reads every table through a :class:`~salesops_xl.source.TableSource`, types
it, checks the rules that span tables (owners and managers exist, the hierarchy has no loop,
stages are known, closed deals are not after AsOfDate, quota periods parse and do not overlap...)
and raises one :class:`~salesops_xl.errors.InputError` listing everything wrong.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..dates import SERIAL_RANGE, serial_to_date
from ..errors import ProblemCollector
from ..source import TableSource
from ..tables import Table, fingerprint, index_of, read_table, take
from . import schema as S
from .fiscal import calendar_of, month_index, month_label, month_start
from .models import METHODS

_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)
_YEAR_RE = re.compile(r"^\s*FY\s*(\d{4})\s*$", re.IGNORECASE)
_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


def add_months(d: _dt.date, k: int) -> _dt.date:
    """The same day k months later (or earlier), clamped to the end of the month."""
    mi = month_index(d) + k
    y, m = mi // 12, mi % 12 + 1
    last = (month_start(mi + 1) - _dt.timedelta(days=1)).day
    return _dt.date(y, m, min(d.day, last))


@dataclass
class Settings:
    as_of: _dt.date
    fy_start_month: int  # 1-12
    gap_period: str  # "Quarter" | "Year"
    horizon: int
    method: str  # one of METHODS or "Best"
    level: float
    lookback: int
    prior_weight: float
    min_deals: int
    bt_origins: int
    bt_horizon: int
    manager_quota: str = "Team"  # "Team" | "Own": what a manager's RepQuotas row is (docs/forecast.md, Quotas)
    compare_from: _dt.date | None = None  # Pipeline Changes: the snapshots compared (None = the two latest)
    compare_to: _dt.date | None = None
    accuracy_periods: int = 4
    accuracy_day: int = 0

    @property
    def as_of_month(self) -> int:
        return month_index(self.as_of)

    @property
    def fy_start(self) -> int:
        """Month index of the first month of the fiscal year holding AsOfDate."""
        mi = self.as_of_month
        return mi - ((mi % 12) - (self.fy_start_month - 1)) % 12

    @property
    def gap_months(self) -> tuple[int, int]:
        """[first, end) month indices of the gap period holding AsOfDate."""
        if self.gap_period == "Year":
            return self.fy_start, self.fy_start + 12
        q = (self.as_of_month - self.fy_start) // 3
        first = self.fy_start + 3 * q
        return first, first + 3

    @property
    def gap_label(self) -> str:
        fy = month_start(self.fy_start).year
        if self.gap_period == "Year":
            return f"FY{fy}"
        q = (self.gap_months[0] - self.fy_start) // 3 + 1
        return f"{fy}-Q{q}"

    @property
    def gap_dates(self) -> tuple[_dt.date, _dt.date]:
        """First and last day of the gap period."""
        a, b = self.gap_months
        return month_start(a), month_start(b) - _dt.timedelta(days=1)

    @property
    def lookback_start(self) -> _dt.date:
        """Closed deals count in the lookback when lookback_start < CloseDate <= AsOfDate."""
        return add_months(self.as_of, -self.lookback)


@dataclass
class ForecastInputs:
    """Validated inputs of one forecast run."""

    workbook: str
    settings: Settings
    tables: dict[str, Table]
    fingerprint: str
    team: pd.DataFrame  # RepID, RepName, ManagerID, Region, plus Parent (int, -1 at the top) and Depth
    stages: pd.DataFrame  # Stage, Type, Order, Probability, ForecastCategory
    opps: pd.DataFrame  # typed opportunities plus Rep (int), StageType, StageOrder, Category
    quota_months: pd.DataFrame  # Rep (int), Month (int), Quota (float): every quota spread over its months
    warnings: list[str] = field(default_factory=list)
    # Rep (int), Period (canonical label), Category, Amount, SubmittedOn, Note, Row (0-based table row)
    submissions: pd.DataFrame = field(default_factory=lambda: _no_submissions())
    pipeline_history: pd.DataFrame = field(default_factory=lambda: _empty(S.PIPELINE_HISTORY))
    call_history: pd.DataFrame = field(default_factory=lambda: _empty(S.CALL_HISTORY))

    @property
    def n_people(self) -> int:
        return len(self.team)


def load_inputs(source: TableSource) -> ForecastInputs:
    """Read, type and cross-check every input table; raise InputError with all problems found."""
    from ..capabilities import check_kind

    check_kind("forecast", source.table_names(), source.workbook, "the forecast")
    problems = ProblemCollector()
    tables: dict[str, Table] = {}
    for sch in S.INPUT_TABLES:
        t = read_table(source.read(sch.name), sch, problems)
        if t is not None:
            tables[sch.name] = t
    settings = _settings(tables.get("ForecastSettings"), problems)
    team = _team(tables.get("SalesTeam"), problems)
    stages = _stages(tables.get("PipelineStages"), problems)
    opps = _opps(tables.get("Opportunities"), team, stages, settings, problems)
    quotas = _quotas(tables.get("RepQuotas"), team, settings, problems)
    subs = _submissions(tables.get("ForecastSubmissions"), team, settings, problems)
    problems.raise_if_any()
    assert settings is not None and team is not None and stages is not None and opps is not None
    warnings = []
    if quotas is not None and settings is not None:
        warnings += _quota_warnings(team, quotas, opps, settings)
    return ForecastInputs(workbook=source.workbook, settings=settings, tables=tables,
                          fingerprint=fingerprint({name: t.frame for name, t in tables.items()}), team=team, stages=stages, opps=opps,
                          quota_months=quotas, warnings=warnings, submissions=subs,
                          pipeline_history=_history(tables, S.PIPELINE_HISTORY),
                          call_history=_history(tables, S.CALL_HISTORY))




# -- settings ---------------------------------------------------------------------------------------

def _parse_date(text: str, date1904: bool = False) -> _dt.date | None:
    m = _DATE_RE.match(text)
    if m:
        try:
            return _dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if re.fullmatch(r"\d+(\.\d+)?", text) and 367 <= float(text) < SERIAL_RANGE[date1904][1]:
        return serial_to_date(np.array([float(text)]), date1904)[0].item()
    return None


def _setting_value(name: str, kind: str, text: str | None, default, tbl: Table, i: int,
                   problems: ProblemCollector):
    if text is None or str(text).strip() == "":
        if default is None:
            problems.add(tbl.problem(i, "Value", f"setting {name} is blank", show_value=False,
                                     expected="a date such as 2026-11-20"))
        return default
    text = str(text).strip()
    if kind == "date":
        d = _parse_date(text, tbl.raw.date1904)
        if d is None:
            problems.add(tbl.problem(i, "Value", f"{name} is not a date", value=text,
                                     expected="a date such as 2026-11-20"))
        return d
    if kind == "month":
        d = _parse_date(text, tbl.raw.date1904)
        if d is not None:
            return d.month
        if re.fullmatch(r"\d{1,2}(\.0+)?", text) and 1 <= int(float(text)) <= 12:
            return int(float(text))
        names = [_dt.date(2000, k, 1).strftime("%B").lower() for k in range(1, 13)]
        if text.lower() in names or text.lower()[:3] in [n[:3] for n in names]:
            return [n[:3] for n in names].index(text.lower()[:3]) + 1
        problems.add(tbl.problem(i, "Value", f"{name} is not a month", value=text,
                                 expected="a date inside the first month of the fiscal year, a month number "
                                          "1-12 or a month name"))
        return default
    if kind.startswith("choice:"):
        choices = kind.split(":", 1)[1].split("|")
        for c in choices:
            if c.lower() == text.lower():
                return c
        problems.add(tbl.problem(i, "Value", f"{name} is not an allowed value", value=text,
                                 expected="one of " + ", ".join(choices)))
        return default
    if kind == "method":
        allowed = list(METHODS) + ["Best"]
        for c in allowed:
            if c.lower() == text.lower().replace(" ", ""):
                return c
        problems.add(tbl.problem(i, "Value", f"{name} is not a method", value=text,
                                 expected="one of " + ", ".join(allowed)))
        return default
    typ, lo, hi = kind.split(":")
    try:
        x = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    except ValueError:
        x = math.nan
    lo_f, hi_f = float(lo), float(hi)
    ok = math.isfinite(x) and lo_f <= x <= hi_f and (typ != "int" or x == math.floor(x))
    if not ok:
        what = {"int": "a whole number", "percent": "a percentage", "number": "a number"}[typ]
        rng = f"{float(lo):.0%} and {float(hi):.0%}" if typ == "percent" else f"{lo} and {hi}"
        problems.add(tbl.problem(i, "Value", f"{name} is out of range or not a number", value=text,
                                 expected=f"{what} between {rng}"))
        return default
    return int(x) if typ == "int" else x


def _settings(tbl: Table | None, problems: ProblemCollector) -> Settings | None:
    if tbl is None:
        return None
    f = tbl.frame
    found: dict[str, int] = {}
    lookup = {k.lower(): k for k in S.SETTING_SPECS}
    for i, name in enumerate(f["Setting"]):
        if name is None:
            continue
        key = lookup.get(str(name).strip().lower())
        if key is None:
            problems.add(tbl.problem(i, "Setting", "unknown setting", value=name,
                                     expected="one of " + ", ".join(S.SETTING_SPECS)))
            continue
        if key in found:
            problems.add(tbl.problem(i, "Setting", "setting given twice", value=name,
                                     expected=f"one row for {key} (first on {tbl.raw.row_ref(found[key])})"))
            continue
        found[key] = i
    values: dict[str, Any] = {}  # setting -> its value, typed by its kind in S.SETTING_SPECS (_setting_value)
    for key, (kind, default, _) in S.SETTING_SPECS.items():
        if key not in found:
            if default is None:
                problems.add(tbl.problem(None, "Setting", f"setting {key} is missing", show_value=False,
                                         expected=f"a row with Setting = {key}"))
            values[key] = default
            continue
        i = found[key]
        values[key] = _setting_value(key, kind, f["Value"].iloc[i], default, tbl, i, problems)
    if values["AsOfDate"] is None:
        return None
    return Settings(as_of=values["AsOfDate"], fy_start_month=int(values["FiscalYearStart"]),
                    gap_period=values["GapPeriod"], horizon=int(values["Horizon"]), method=values["Method"],
                    level=float(values["ConfidenceLevel"]), lookback=int(values["LookbackMonths"]),
                    prior_weight=float(values["ConversionPriorWeight"]), min_deals=int(values["MinDeals"]),
                    bt_origins=int(values["BacktestOrigins"]), bt_horizon=int(values["BacktestHorizon"]),
                    manager_quota=values["ManagerQuota"], compare_from=values["CompareFrom"] or None,
                    compare_to=values["CompareTo"] or None, accuracy_periods=int(values["AccuracyPeriods"]),
                    accuracy_day=int(values["AccuracyDay"]))


# -- team -------------------------------------------------------------------------------------------

def _team(tbl: Table | None, problems: ProblemCollector) -> pd.DataFrame | None:
    if tbl is None:
        return None
    f = tbl.frame.copy()
    if "Region" not in f:
        f["Region"] = None
    ids = f["RepID"].to_numpy()
    mgr = f["ManagerID"].to_numpy()
    valid_ids = pd.Series(ids).dropna()
    pos = pd.Series(valid_ids.index.to_numpy(), index=valid_ids.to_numpy())
    pos = pos[~pos.index.duplicated()]
    looked = pd.Series(mgr).map(pos)
    has = pd.notna(mgr)
    own = has & (mgr == ids)
    unknown = has & looked.isna().to_numpy() & ~own
    for i in np.flatnonzero(own).tolist():
        problems.add(tbl.problem(int(i), "ManagerID", "a rep is their own manager", value=mgr[i],
                                 expected="another rep's RepID, or blank"))
    for i in np.flatnonzero(unknown).tolist():
        problems.add(tbl.problem(int(i), "ManagerID", "unknown manager", value=mgr[i],
                                 expected="blank or a RepID listed in SalesTeam"))
    parent = np.where(has & ~own & ~unknown, looked.fillna(-1).to_numpy(), -1).astype(np.intp)
    # depth by pointer jumping; a person still not at the top after n jumps is in a loop
    n = len(f)
    node = np.arange(n)
    depth = np.zeros(n, dtype=np.intp)
    for _ in range(n + 1):
        up = node >= 0
        if not up.any():
            break
        nxt = np.where(up, parent[np.maximum(node, 0)], -1)
        depth += (nxt >= 0) & up
        node = nxt
    in_loop = node >= 0
    if in_loop.any():
        for i in np.flatnonzero(in_loop).tolist()[:5]:
            problems.add(tbl.problem(int(i), "ManagerID", "manager loop in the hierarchy", value=mgr[i],
                                     expected="a hierarchy where following managers always ends at a person with "
                                              "a blank ManagerID"))
        return None
    f["Parent"] = parent
    f["Depth"] = depth
    return f


# -- stages -----------------------------------------------------------------------------------------

def _stages(tbl: Table | None, problems: ProblemCollector) -> pd.DataFrame | None:
    if tbl is None:
        return None
    f = tbl.frame.copy()
    typ = f["Type"].to_numpy()
    won = np.flatnonzero(typ == "Won")
    lost = np.flatnonzero(typ == "Lost")
    if len(won) != 1:
        problems.add(tbl.problem(None if not len(won) else int(won[1]), "Type",
                                 f"{len(won)} stages of Type Won", show_value=False,
                                 expected="exactly one Won stage"))
    if not len(lost):
        problems.add(tbl.problem(None, "Type", "no stage of Type Lost", show_value=False,
                                 expected="at least one Lost stage"))
    is_open = typ == "Open"
    order = f["Order"].to_numpy(dtype=np.float64)
    for i in np.flatnonzero(is_open & np.isnan(order)).tolist():
        problems.add(tbl.problem(int(i), "Order", "an open stage without an Order", show_value=False,
                                 expected="its position in the process (1 = first)"))
    ok = is_open & ~np.isnan(order)
    seen: dict[float, int] = {}
    for i in np.flatnonzero(ok).tolist():
        if order[i] in seen:
            problems.add(tbl.problem(int(i), "Order", "two open stages with the same Order", value=order[i],
                                     expected=f"a different Order than {tbl.raw.row_ref(seen[order[i]])}"))
        else:
            seen[order[i]] = int(i)
    cat = f["ForecastCategory"].to_numpy()
    for i in np.flatnonzero(is_open & (cat == "Closed")).tolist():
        problems.add(tbl.problem(int(i), "ForecastCategory", "an open stage in category Closed", value="Closed",
                                 expected="Pipeline, Best Case, Commit or Omitted"))
    if not is_open.any():
        problems.add(tbl.problem(None, "Type", "no open stage", show_value=False,
                                 expected="at least one stage of Type Open"))
    return f


# -- opportunities ------------------------------------------------------------------------------------

def _opps(tbl: Table | None, team: pd.DataFrame | None, stages: pd.DataFrame | None, st: Settings | None,
          problems: ProblemCollector) -> pd.DataFrame | None:
    if tbl is None:
        return None
    f = tbl.frame.copy()
    for c in ("Account", "Probability", "LostAtStage", "OriginalCloseDate"):
        if c not in f:
            f[c] = np.full(len(f), np.nan) if c == "Probability" else (
                np.full(len(f), np.datetime64("NaT"), dtype="datetime64[D]") if c == "OriginalCloseDate"
                else np.full(len(f), None, dtype=object))
    if team is not None:
        # index_of: a duplicated RepID (reported by the table's key check) or an empty team must not crash here
        rep = index_of(team["RepID"], f["RepID"])
        bad = (rep < 0) & f["RepID"].notna().to_numpy()
        for i in np.flatnonzero(bad).tolist():
            problems.add(tbl.problem(int(i), "RepID", "unknown rep", value=f["RepID"].iloc[i],
                                     expected="a RepID listed in SalesTeam"))
        f["Rep"] = rep
    if stages is not None:
        kk = index_of(stages["Stage"], f["Stage"])
        bad = (kk < 0) & f["Stage"].notna().to_numpy()
        for i in np.flatnonzero(bad).tolist():
            problems.add(tbl.problem(int(i), "Stage", "unknown stage", value=f["Stage"].iloc[i],
                                     expected="a Stage listed in PipelineStages: " + ", ".join(map(str, stages["Stage"]))))
        stype = take(stages["Type"].to_numpy(), kk)
        f["StageType"] = stype
        f["StageOrder"] = take(stages["Order"].to_numpy(dtype=np.float64), kk, np.nan).astype(np.float64)
        stage_prob = take(stages["Probability"].to_numpy(dtype=np.float64), kk, np.nan).astype(np.float64)
        f["StageProbability"] = np.where(stype == "Won", 1.0, np.where(stype == "Lost", 0.0, stage_prob))
        stage_cat = take(stages["ForecastCategory"].to_numpy(), kk)
        own = f["ForecastCategory"].to_numpy()
        f["Category"] = np.where(stype == "Open", np.where(pd.isna(own), stage_cat, own),
                                 np.where(stype == "Won", "Closed", "Omitted"))
        # LostAtStage: an open stage, only on lost deals
        lost_at = f["LostAtStage"].to_numpy()
        open_order = dict(zip(stages["Stage"][stages["Type"] == "Open"],
                              stages["Order"][stages["Type"] == "Open"].astype(float)))
        has_la = pd.notna(lost_at)
        la_order = pd.Series(lost_at).map(open_order).to_numpy(dtype=np.float64)
        for i in np.flatnonzero(has_la & (stype != "Lost")).tolist():
            problems.add(tbl.problem(int(i), "LostAtStage", "LostAtStage on a deal that is not lost", value=lost_at[i],
                                     expected="blank (it only applies to lost deals)"))
        for i in np.flatnonzero(has_la & (stype == "Lost") & np.isnan(la_order)).tolist():
            problems.add(tbl.problem(int(i), "LostAtStage", "not an open stage", value=lost_at[i],
                                     expected="an open Stage of PipelineStages: " + ", ".join(map(str, open_order))))
        la_order = np.where(has_la & (stype == "Lost"), la_order, np.nan)
        f["LostOrder"] = la_order
    created = f["CreatedDate"].to_numpy().astype("datetime64[D]")
    close = f["CloseDate"].to_numpy().astype("datetime64[D]")
    for i in np.flatnonzero(~np.isnat(created) & ~np.isnat(close) & (close < created)).tolist():
        problems.add(tbl.problem(int(i), "CloseDate", "closes before it was created", value=close[i].item(),
                                 expected=f"a date on or after the CreatedDate {created[i].item()}"))
    if st is not None and "StageType" in f:
        asof = np.datetime64(st.as_of, "D")
        closed = np.isin(f["StageType"].to_numpy(), ["Won", "Lost"])
        for i in np.flatnonzero(closed & ~np.isnat(close) & (close > asof)).tolist():
            problems.add(tbl.problem(int(i), "CloseDate", "a closed deal closing after AsOfDate",
                                     value=close[i].item(),
                                     expected=f"a close date on or before AsOfDate {st.as_of} (or set AsOfDate to "
                                              f"the day of the export)"))
        for i in np.flatnonzero(~np.isnat(created) & (created > asof)).tolist():
            problems.add(tbl.problem(int(i), "CreatedDate", "created after AsOfDate", value=created[i].item(),
                                     expected=f"a date on or before AsOfDate {st.as_of}"))
    return f


# -- quotas -----------------------------------------------------------------------------------------

def parse_quota_period(value, fy_start_month: int) -> tuple[int, int] | str:
    """A quota period -> (first month index, number of months), or the reason it is not one."""
    if value is None:
        return "blank cell"
    text = str(value).strip()
    m = _DATE_RE.match(text)
    if m:
        try:
            d = _dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return "not a valid date"
        return month_index(d), 1
    m = _MONTH_RE.match(text)
    if m:
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            return "not a valid month"
        return y * 12 + mo - 1, 1
    m = _QUARTER_RE.match(text)
    if m:
        start = int(m[1]) * 12 + fy_start_month - 1
        return start + 3 * (int(m[2]) - 1), 3
    m = _YEAR_RE.match(text)
    if m:
        return int(m[1]) * 12 + fy_start_month - 1, 12
    return "not a period label"


def _quotas(tbl: Table | None, team: pd.DataFrame | None, st: Settings | None,
            problems: ProblemCollector) -> pd.DataFrame | None:
    if tbl is None or team is None or st is None:
        return None
    f = tbl.frame
    pos = index_of(team["RepID"], f["RepID"])
    rep = pd.Series(np.where(pos >= 0, pos, np.nan), index=f.index)
    for i in np.flatnonzero(rep.isna().to_numpy() & f["RepID"].notna().to_numpy()).tolist():
        problems.add(tbl.problem(int(i), "RepID", "unknown rep", value=f["RepID"].iloc[i],
                                 expected="a RepID listed in SalesTeam"))
    per = f["Period"].to_numpy()
    codes, labels = pd.factorize(per, use_na_sentinel=True)
    parsed = [parse_quota_period(lab, st.fy_start_month) for lab in labels]  # one parse per distinct label
    first_of = np.array([p[0] if isinstance(p, tuple) else -1 for p in parsed] + [-1], dtype=np.intp)
    len_of = np.array([p[1] if isinstance(p, tuple) else 0 for p in parsed] + [0], dtype=np.intp)
    for i in np.flatnonzero(codes >= 0).tolist():
        if isinstance(parsed[codes[i]], str) and pd.notna(rep.iloc[i]):
            problems.add(tbl.problem(int(i), "Period", parsed[codes[i]], value=per[i],
                                     expected="a month (2026-03), a fiscal quarter (2026-Q1), a fiscal year (FY2026) "
                                              "or a date inside a month"))
    q = f["Quota"].to_numpy(dtype=np.float64)
    k = len_of[codes]
    ok = (codes >= 0) & rep.notna().to_numpy() & np.isfinite(q) & (k > 0)
    src = np.repeat(np.flatnonzero(ok), k[ok])
    if not len(src):
        return pd.DataFrame({"Rep": np.zeros(0, np.int64), "Month": np.zeros(0, np.int64), "Quota": np.zeros(0)})
    offset = np.arange(len(src)) - np.repeat(np.cumsum(k[ok]) - k[ok], k[ok])
    qm = pd.DataFrame({"Rep": rep.to_numpy()[src].astype(np.intp), "Month": first_of[codes[src]] + offset,
                       "Quota": q[src] / k[src], "Row": src})
    dup = qm.duplicated(["Rep", "Month"], keep="first")
    if dup.any():
        first_row = qm[~dup].set_index(["Rep", "Month"])["Row"]
        reported = set()
        for _, r in qm[dup].iterrows():
            key = (int(r.Row), int(first_row[(r.Rep, r.Month)]))
            if key in reported:
                continue
            reported.add(key)
            problems.add(tbl.problem(int(r.Row), "Period", f"a second quota covering {month_label(int(r.Month))} "
                                     f"for rep {team['RepID'].iloc[int(r.Rep)]}", value=f["Period"].iloc[int(r.Row)],
                                     expected=f"periods that do not overlap {tbl.raw.row_ref(key[1])}"))
    return qm


def _quota_warnings(team: pd.DataFrame, qm: pd.DataFrame, opps: pd.DataFrame, st: Settings) -> list[str]:
    a, b = st.gap_months
    inside = qm[(qm.Month >= a) & (qm.Month < b)]
    months = inside.groupby("Rep")["Month"].nunique()
    out = []
    partial = [f"{team['RepID'].iloc[r]} ({k} of {b - a})" for r, k in months.items() if k < b - a]
    if partial:
        out.append(f"quota covers only part of {st.gap_label} for {', '.join(partial[:10])}"
                   + (" ..." if len(partial) > 10 else "") + "; the months covered count")
    sellers = set(opps["Rep"][opps["StageType"] == "Open"].unique()) | set(
        opps["Rep"][(opps["StageType"] == "Won")].unique())
    managers = set(team["Parent"][team["Parent"] >= 0].tolist())
    own = set(months.index) - (managers if st.manager_quota == "Team" else set())  # a team's number is nobody's own
    no_quota = sorted(team["RepID"].iloc[r] for r in sellers if r >= 0 and r not in own)
    if no_quota:
        out.append(f"no quota in {st.gap_label} for {', '.join(no_quota[:10])}" + (" ..." if len(no_quota) > 10 else "")
                   + "; their gap and coverage are left blank"
                   + ("; a manager's own deals count in the team's number (ManagerQuota Team)"
                      if st.manager_quota == "Team" and any(r in managers for r in sellers if r >= 0 and r not in own)
                      else ""))
    return out


# -- forecast submissions and history -----------------------------------------------------------------

def _no_submissions() -> pd.DataFrame:
    return pd.DataFrame({"Rep": np.zeros(0, np.intp), "Period": np.zeros(0, object), "Category": np.zeros(0, object),
                         "Amount": np.zeros(0), "SubmittedOn": np.zeros(0, "datetime64[D]"),
                         "Note": np.zeros(0, object), "Row": np.zeros(0, np.intp)})


def _empty(schema) -> pd.DataFrame:
    kinds = {"date": "datetime64[D]", "money": np.float64, "percent": np.float64}
    return pd.DataFrame({f.name: np.zeros(0, kinds.get(f.type, object)) for f in schema.fields})


def _history(tables: dict[str, Table], schema) -> pd.DataFrame:
    t = tables.get(schema.name)
    if t is None:
        return _empty(schema)
    f = t.frame.reset_index(drop=True).copy()
    f["SnapshotDate"] = f["SnapshotDate"].to_numpy().astype("datetime64[D]")
    return f


def _submissions(tbl: Table | None, team: pd.DataFrame | None, st: Settings | None,
                 problems: ProblemCollector) -> pd.DataFrame:
    """Typed submissions: the rep's position, the period as its canonical label (2026-Q4, FY2026)."""
    if tbl is None or team is None or st is None:
        return _no_submissions()
    cal = calendar_of(st)
    f = tbl.frame.reset_index(drop=True)
    rep = index_of(team["RepID"], f["RepID"])
    for i in np.flatnonzero((rep < 0) & f["RepID"].notna().to_numpy()).tolist():
        problems.add(tbl.problem(int(i), "RepID", "unknown rep", value=f["RepID"].iloc[i],
                                 expected="a RepID listed in SalesTeam"))
    labels = np.full(len(f), None, dtype=object)
    want = "a fiscal quarter such as 2026-Q4" if cal.kind == "Quarter" else "a fiscal year such as FY2026"
    for i, v in enumerate(f["Period"].to_numpy(object)):  # one parse per row of a short, hand-kept table
        p = parse_quota_period(v, st.fy_start_month)
        if isinstance(p, tuple) and p[1] == cal.length and int(cal.first_month(p[0])) == p[0]:
            labels[i] = cal.label(p[0])
        elif v is not None:
            problems.add(tbl.problem(i, "Period", "not a forecast period of this workbook", value=v,
                                     expected=f"{want} (GapPeriod is {st.gap_period})"))
    cat = f["Category"].to_numpy(object) if "Category" in f else np.full(len(f), None, dtype=object)
    note = f["Note"].to_numpy(object) if "Note" in f else np.full(len(f), None, dtype=object)
    ok = (rep >= 0) & pd.notna(labels)
    out = pd.DataFrame({"Rep": rep.astype(np.intp), "Period": labels,
                        "Category": np.where(pd.isna(cat), "Commit", cat).astype(object),
                        "Amount": f["Amount"].to_numpy(np.float64),
                        "SubmittedOn": f["SubmittedOn"].to_numpy().astype("datetime64[D]"),
                        "Note": note, "Row": np.arange(len(f), dtype=np.intp)})
    return out[ok].reset_index(drop=True)
