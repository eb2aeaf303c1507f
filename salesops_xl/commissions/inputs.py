"""Read and check the commission workbook's input tables.

:func:`load_inputs` reads every table through a
:class:`~salesops_xl.source.TableSource`, types it, checks the rules that span
tables (every rep's plan exists, tier tables are contiguous, splits total
100%, quotas exist for every active period...), and raises one
:class:`~salesops_xl.errors.InputError` listing everything wrong. Only a
clean set of inputs reaches the engine.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Problem, ProblemCollector
from ..periods import PlanCalendar
from ..source import TableSource
from ..tables import Table, index_of, read_table, serial_to_date, take
from . import schema as S
from .tiers import TierTable, TierTableError

_CCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class MeasureDef:
    """One row of PlanMeasures, resolved."""

    index: int
    plan: str
    measure: str
    weight: float
    period_type: str
    basis: str
    method: str
    rate_type: str
    tiers: TierTable
    threshold: float
    cap_type: str
    cap_value: float
    clawback_days: float  # NaN: no window (a cancellation always reverses)
    row: int  # data row index in PlanMeasures


@dataclass
class CommissionInputs:
    """Validated inputs of one commission run."""

    workbook: str
    calendar: PlanCalendar
    tables: dict[str, Table]
    measures: list[MeasureDef]
    fingerprint: str
    warnings: list[str] = field(default_factory=list)

    def frame(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame


def load_inputs(source: TableSource) -> CommissionInputs:
    """Read, type and cross-check every input table; raise InputError with all problems found."""
    problems = ProblemCollector()
    tables: dict[str, Table] = {}
    if hasattr(source, "prefetch"):
        source.prefetch([t.name for t in S.INPUT_TABLES])
    for sch in S.INPUT_TABLES:
        t = read_table(source.read(sch.name), sch, problems)
        if t is not None:
            tables[sch.name] = t
    calendar = _settings(tables.get("Settings"), problems)
    _normalise_currencies(tables, problems)
    tier_tables = _tier_tables(tables.get("Tiers"), problems)
    measures = _measures(tables, tier_tables, problems)
    _roster(tables, problems)
    if calendar is not None:
        _quotas(tables, measures, calendar, problems)
        _deals(tables, measures, calendar, problems)
        _adjustments(tables, calendar, problems)
        _fx(tables, calendar, problems)
    problems.raise_if_any()
    assert calendar is not None
    return CommissionInputs(
        workbook=source.workbook, calendar=calendar, tables=tables, measures=measures,
        fingerprint=fingerprint(tables),
    )


def fingerprint(tables: dict[str, Table]) -> str:
    """SHA-256 over the typed content of the input tables (names, columns and values, in order)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        frame = tables[name].frame[tables[name].schema.column_names]  # the typed inputs, not derived columns
        h.update(name.encode())
        h.update("\x1f".join(frame.columns).encode())
        if len(frame):
            h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


# -- settings ---------------------------------------------------------------------------------

def _setting_date(value, tbl: Table, i: int, problems: ProblemCollector, required: bool) -> _dt.date | None:
    if value is None or str(value).strip() == "":
        if required:
            problems.add(tbl.problem(i, "Value", "blank setting", expected="a date", show_value=False))
        return None
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return _dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return serial_to_date(np.array([float(text)]))[0].item()
    problems.add(tbl.problem(i, "Value", "not a date", value=value, expected="a date such as 2026-01-01"))
    return None


def _settings(tbl: Table | None, problems: ProblemCollector) -> PlanCalendar | None:
    if tbl is None:
        return None
    f = tbl.frame
    found: dict[str, int] = {}
    lookup = {k.lower(): k for k in S.SETTING_NAMES}
    for i, name in enumerate(f["Setting"]):
        if name is None:
            continue
        key = lookup.get(str(name).lower())
        if key is None:
            problems.add(tbl.problem(i, "Setting", "unknown setting", value=name,
                                     expected="one of " + ", ".join(S.SETTING_NAMES)))
            continue
        found[key] = i
    for key, (required, _) in S.SETTING_NAMES.items():
        if required and key not in found:
            problems.add(tbl.problem(None, "Setting", f"setting {key} is missing", show_value=False,
                                     expected=f"a row with Setting = {key}"))
    start = as_of = None
    if "PlanYearStart" in found:
        i = found["PlanYearStart"]
        start = _setting_date(f["Value"].iloc[i], tbl, i, problems, True)
    if "AsOfDate" in found:
        i = found["AsOfDate"]
        as_of = _setting_date(f["Value"].iloc[i], tbl, i, problems, False)
    if start is None:
        return None
    cal = PlanCalendar.create(start, as_of)
    if as_of is not None and as_of < cal.start:
        problems.add(tbl.problem(found["AsOfDate"], "Value", "AsOfDate is before the plan year starts",
                                 value=as_of, expected=f"a date on or after {cal.start.isoformat()}"))
    return cal


def _normalise_currencies(tables: dict[str, Table], problems: ProblemCollector) -> None:
    for name, cols in (("Roster", ["Currency"]), ("Deals", ["Currency"]),
                       ("FXRates", ["FromCurrency", "ToCurrency"])):
        tbl = tables.get(name)
        if tbl is None:
            continue
        for c in cols:
            s = tbl.frame[c]
            codes, uniq = pd.factorize(s)
            up = np.array([None if u is None else str(u).upper() for u in uniq] + [None], dtype=object)
            bad = {k for k, u in enumerate(up[:-1]) if u is not None and not _CCY_RE.match(u)}
            for i in np.flatnonzero(np.isin(codes, list(bad))):
                problems.add(tbl.problem(int(i), c, "not a currency code", value=s.iloc[i],
                                         expected="a three-letter ISO code such as USD or EUR"))
            tbl.frame[c] = up[codes]


# -- tiers and measures -----------------------------------------------------------------------

def _tier_tables(tbl: Table | None, problems: ProblemCollector) -> dict[str, TierTable]:
    out: dict[str, TierTable] = {}
    if tbl is None:
        return out
    f = tbl.frame
    for tid, grp in f.groupby("TierTable", sort=False, dropna=True):
        if grp[["From", "Rate"]].isna().any().any():
            continue  # cell problems already reported
        try:
            out[str(tid)] = TierTable.from_rows(
                str(tid), grp["From"].tolist(), grp["To"].tolist(), grp["Rate"].tolist(),
                names=grp["Tier"].tolist(), rows=grp.index.tolist(),
            )
        except TierTableError as e:
            for row, col, msg, val, exp in e.problems:
                problems.add(tbl.problem(row, col, msg, value=val, expected=exp, show_value=val is not None))
    return out


def _measures(tables: dict[str, Table], tiers: dict[str, TierTable], problems: ProblemCollector) -> list[MeasureDef]:
    tbl = tables.get("PlanMeasures")
    plans = tables.get("Plans")
    if tbl is None:
        return []
    f = tbl.frame
    plan_ids = set(plans.frame["PlanID"].dropna()) if plans is not None else set()
    tier_tbl = tables.get("Tiers")
    known_tiers = set(tier_tbl.frame["TierTable"].dropna()) if tier_tbl is not None else set()
    out: list[MeasureDef] = []
    claw = f["ClawbackDays"] if "ClawbackDays" in f else pd.Series(np.nan, index=f.index)
    for i, r in enumerate(f.itertuples(index=False)):
        ok = True
        if plans is not None and r.PlanID is not None and r.PlanID not in plan_ids:
            problems.add(tbl.problem(i, "PlanID", "unknown plan", value=r.PlanID,
                                     expected="a PlanID listed in the Plans table"))
            ok = False
        if r.TierTable is not None and r.TierTable not in known_tiers:
            problems.add(tbl.problem(i, "TierTable", "unknown tier table", value=r.TierTable,
                                     expected="a TierTable listed in the Tiers table"))
            ok = False
        if r.CapType in ("PctOfTarget", "Amount") and (r.CapValue is None or np.isnan(r.CapValue)):
            problems.add(tbl.problem(i, "CapValue", f"CapType {r.CapType} needs a CapValue", show_value=False,
                                     expected="a number of 0 or more"))
            ok = False
        if r.RateType == "Multiple" and r.Weight is not None and r.Weight == 0:
            problems.add(tbl.problem(i, "Weight", "a payout-curve measure with weight 0 can never pay",
                                     value=0.0, expected="a weight above 0%"))
        if not ok or any(v is None for v in (r.PlanID, r.Measure, r.PeriodType, r.Method, r.RateType, r.TierTable)) \
                or np.isnan(r.Weight) or r.TierTable not in tiers:
            continue
        out.append(MeasureDef(
            index=len(out), plan=r.PlanID, measure=r.Measure, weight=float(r.Weight), period_type=r.PeriodType,
            basis=r.Basis, method=r.Method, rate_type=r.RateType, tiers=tiers[r.TierTable],
            threshold=float(r.Threshold), cap_type=r.CapType,
            cap_value=float(r.CapValue) if r.CapValue is not None and not np.isnan(r.CapValue) else np.inf,
            clawback_days=float(claw.iloc[i]), row=i,
        ))
    # weights of a plan total 100%
    if len(f):
        sums = f.groupby("PlanID", dropna=True)["Weight"].sum(min_count=1)
        for plan, w in sums.items():
            if not np.isnan(w) and abs(w - 1.0) > 1e-6:
                i = int(f.index[f["PlanID"] == plan][0])
                problems.add(tbl.problem(i, "Weight", f"the weights of plan {plan!r} total {w:.4%}", show_value=False,
                                         expected="weights that total 100%"))
    if plans is not None:
        with_measures = set(f["PlanID"].dropna())
        for i, p in enumerate(plans.frame["PlanID"]):
            if p is not None and p not in with_measures:
                problems.add(plans.problem(i, "PlanID", "plan has no measures", value=p,
                                           expected="at least one row for it in PlanMeasures"))
    return out


# -- roster -----------------------------------------------------------------------------------

def _roster(tables: dict[str, Table], problems: ProblemCollector) -> None:
    tbl = tables.get("Roster")
    if tbl is None:
        return
    f = tbl.frame
    plans = tables.get("Plans")
    if plans is not None:
        known = set(plans.frame["PlanID"].dropna())
        for i in np.flatnonzero(~f["PlanID"].isin(known).to_numpy() & f["PlanID"].notna().to_numpy()):
            problems.add(tbl.problem(int(i), "PlanID", "unknown plan", value=f["PlanID"].iloc[i],
                                     expected="a PlanID listed in the Plans table"))
    reps = set(f["RepID"].dropna())
    mgr = f["ManagerID"]
    for i in np.flatnonzero(mgr.notna().to_numpy() & ~mgr.isin(reps).to_numpy()):
        problems.add(tbl.problem(int(i), "ManagerID", "unknown manager", value=mgr.iloc[i],
                                 expected="blank or a RepID listed in the Roster"))
    for i in np.flatnonzero((mgr == f["RepID"]).to_numpy()):
        problems.add(tbl.problem(int(i), "ManagerID", "a rep is their own manager", value=mgr.iloc[i],
                                 expected="another rep's RepID, or blank"))
    hire, term = f["HireDate"].to_numpy(), f["TermDate"].to_numpy()
    for i in np.flatnonzero(~np.isnat(term) & ~np.isnat(hire) & (term < hire)):
        problems.add(tbl.problem(int(i), "TermDate", "termination before hire", value=term[i].item(),
                                 expected=f"a date on or after the HireDate {hire[i].item()}"))
    _manager_loops(tbl, problems)


def _manager_loops(tbl: Table, problems: ProblemCollector) -> None:
    f = tbl.frame
    parent = dict(zip(f["RepID"], f["ManagerID"]))
    row_of = {r: i for i, r in enumerate(f["RepID"])}
    state: dict[str, int] = {}  # 1 = in progress, 2 = done
    reported: set[frozenset] = set()
    for start in parent:
        if start is None or state.get(start) == 2:
            continue
        path: list[str] = []
        node = start
        while node is not None and node in parent and state.get(node) != 2:
            if state.get(node) == 1:
                loop = path[path.index(node):]
                key = frozenset(loop)
                if key not in reported:
                    reported.add(key)
                    problems.add(tbl.problem(row_of[node], "ManagerID", "manager loop in the roster",
                                             value=" -> ".join(loop + [node]),
                                             expected="a hierarchy where following managers always ends at a "
                                                      "rep with a blank ManagerID"))
                break
            state[node] = 1
            path.append(node)
            node = parent[node]
        for p in path:
            state[p] = 2


# -- quotas, deals, adjustments, FX ------------------------------------------------------------

def _plan_measures(measures: list[MeasureDef]) -> dict[tuple[str, str], MeasureDef]:
    return {(m.plan, m.measure): m for m in measures}


def _quotas(tables: dict[str, Table], measures: list[MeasureDef], cal: PlanCalendar,
            problems: ProblemCollector) -> None:
    tbl, roster = tables.get("Quotas"), tables.get("Roster")
    if tbl is None or roster is None:
        return
    f = tbl.frame
    n = len(f)
    ros = roster.frame
    all_measures = {m.measure for m in measures}
    rep_pos = index_of(ros["RepID"], f["RepID"])
    plan_of_row = take(ros["PlanID"].to_numpy(), rep_pos)
    md_key = pd.MultiIndex.from_arrays([[m.plan for m in measures], [m.measure for m in measures]]) \
        if measures else None
    md_pos = md_key.get_indexer(pd.MultiIndex.from_arrays([plan_of_row, f["Measure"].to_numpy()])) \
        if (md_key is not None and n) else np.full(n, -1)
    present = f["RepID"].notna().to_numpy() & f["Measure"].notna().to_numpy() & f["Period"].notna().to_numpy()
    for i in np.flatnonzero(present & (rep_pos < 0)):
        problems.add(tbl.problem(int(i), "RepID", "unknown rep", value=f["RepID"].iloc[i],
                                 expected="a RepID listed in the Roster"))
    for i in np.flatnonzero(present & (rep_pos >= 0) & (md_pos < 0)):
        meas, plan = f["Measure"].iloc[i], plan_of_row[i]
        why = "the rep's plan has no such measure" if meas in all_measures else "unknown measure"
        problems.add(tbl.problem(int(i), "Measure", why, value=meas, expected=f"a measure of plan {plan!r}: " +
                                 ", ".join(sorted(x.measure for x in measures if x.plan == plan))))
    # parse each distinct (period text, period type) once
    ptype = np.array([m.period_type for m in measures] + [None], dtype=object)[np.where(md_pos >= 0, md_pos, -1)]
    ok = present & (md_pos >= 0)
    pidx = np.full(n, -1, dtype=np.int64)
    if ok.any():
        keys = pd.MultiIndex.from_arrays([f["Period"].to_numpy()[ok], ptype[ok]])
        codes, uniq = pd.factorize(keys)
        parsed = [cal.parse_period(per, pt) for per, pt in uniq]
        values = np.array([p if p is not None else -1 for p, _ in parsed], dtype=np.int64)
        rows = np.flatnonzero(ok)
        pidx[rows] = values[codes]
        for k in np.flatnonzero(values[codes] < 0):
            i = int(rows[k])
            _, why = parsed[codes[k]]
            problems.add(tbl.problem(i, "Period", why, value=f["Period"].iloc[i],
                                     expected=cal.expected_label(ptype[i])))
    f["PeriodIndex"] = pidx
    good = pidx >= 0
    dup = f[good].duplicated(["RepID", "Measure", "PeriodIndex"], keep="first")
    for i in dup.index[dup.to_numpy()]:
        problems.add(tbl.problem(int(i), "Period", "a second quota for the same rep, measure and period",
                                 value=f["Period"].iloc[i], expected="one quota per rep, measure and period"))
    # a quota is needed for each active period that is computed
    n_md = max(len(measures), 1)
    have = np.unique((rep_pos[good] * n_md + md_pos[good]) * 12 + pidx[good])
    hire = ros["HireDate"].to_numpy().astype("datetime64[D]")
    term = ros["TermDate"].to_numpy().astype("datetime64[D]")
    plans = ros["PlanID"].to_numpy()
    for m in measures:
        reps = np.flatnonzero(plans == m.plan)
        if not len(reps):
            continue
        act = cal.active(hire[reps], term[reps], m.period_type)[:, :cal.periods_computed(m.period_type)]
        r_i, p_i = np.nonzero(act)
        need = (reps[r_i] * n_md + m.index) * 12 + p_i
        missing = ~np.isin(need, have)
        for k in np.flatnonzero(missing):
            rep = ros["RepID"].iloc[reps[r_i[k]]]
            problems.add(Problem(
                message=f"no quota for rep {rep}, measure {m.measure}, period "
                        f"{cal.period_label(int(p_i[k]), m.period_type)}",
                expected="a row in Quotas for every period in which the rep is employed",
                show_value=False, workbook=tbl.raw.workbook, sheet=tbl.raw.sheet, table=tbl.raw.name,
            ))


def _deals(tables: dict[str, Table], measures: list[MeasureDef], cal: PlanCalendar,
           problems: ProblemCollector) -> None:
    tbl, roster = tables.get("Deals"), tables.get("Roster")
    if tbl is None:
        return
    f = tbl.frame
    n = len(f)
    if roster is not None:
        reps = roster.frame["RepID"]
        known = f["RepID"].isin(set(reps.dropna())).to_numpy() | f["RepID"].isna().to_numpy()
        for i in np.flatnonzero(~known):
            problems.add(tbl.problem(int(i), "RepID", "unknown rep", value=f["RepID"].iloc[i],
                                     expected="a RepID listed in the Roster"))
    all_measures = {m.measure for m in measures}
    if measures:
        km = f["Measure"].isin(all_measures).to_numpy() | f["Measure"].isna().to_numpy()
        for i in np.flatnonzero(~km):
            problems.add(tbl.problem(int(i), "Measure", "unknown measure", value=f["Measure"].iloc[i],
                                     expected="one of " + ", ".join(sorted(all_measures))))
    status = f["Status"].to_numpy()
    cancel = f["CancelDate"].to_numpy()
    close = f["CloseDate"].to_numpy()
    cancelled = status == "Cancelled"
    for i in np.flatnonzero(cancelled & np.isnat(cancel)):
        problems.add(tbl.problem(int(i), "CancelDate", "a cancelled deal without a cancellation date",
                                 show_value=False, expected="the date the deal was cancelled"))
    for i in np.flatnonzero(~cancelled & ~np.isnat(cancel)):
        problems.add(tbl.problem(int(i), "CancelDate", "a CancelDate on a deal whose Status is not Cancelled",
                                 value=cancel[i].item(), expected="Status Cancelled, or a blank CancelDate"))
    for i in np.flatnonzero(cancelled & ~np.isnat(cancel) & ~np.isnat(close) & (cancel < close)):
        problems.add(tbl.problem(int(i), "CancelDate", "cancelled before it closed", value=cancel[i].item(),
                                 expected=f"a date on or after the CloseDate {close[i].item()}"))
    if n == 0:
        f["DealOrder"] = np.zeros(0, dtype=np.int64)
        return
    # rows of one deal agree on the deal's fields, and their splits total 100%
    codes, uniq = pd.factorize(f["DealID"], sort=True)
    f["DealOrder"] = codes  # DealID's rank: the engine orders a period's deals by close date, then DealID
    ok = codes >= 0
    first_row = np.full(len(uniq), -1, dtype=np.int64)
    rows_ok = np.flatnonzero(ok)
    first_row[codes[rows_ok][::-1]] = rows_ok[::-1]  # the last write wins: the lowest row index
    ref = np.where(ok, first_row[np.where(ok, codes, 0)], np.arange(n))
    for col in ("CloseDate", "Measure", "Amount", "Currency", "Status", "CancelDate"):
        a = f[col].to_numpy()
        b = a[ref]
        if a.dtype.kind == "M":
            same = (a == b) | (np.isnat(a) & np.isnat(b))
        elif a.dtype.kind == "f":
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            same = a == b
        for i in np.flatnonzero(~same):
            shown = a[i].item() if hasattr(a[i], "item") else a[i]
            other = b[i].item() if hasattr(b[i], "item") else b[i]
            problems.add(tbl.problem(int(i), col, f"the rows of deal {uniq[codes[i]]} disagree on {col}",
                                     value=shown, expected=f"the same {col} as row {tbl.raw.excel_row(ref[i])} "
                                                           f"({other})"))
    split = f["SplitPct"].to_numpy()
    sums = np.bincount(codes[ok], weights=np.nan_to_num(split[ok]), minlength=len(uniq))
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
    if len(bad):
        for k in bad:
            i = int(first_row[k])
            problems.add(tbl.problem(i, "SplitPct", f"the splits of deal {uniq[k]} total {sums[k]:.4%}",
                                     show_value=False, expected="SplitPct over the deal's rows to total 100%"))


def _adjustments(tables: dict[str, Table], cal: PlanCalendar, problems: ProblemCollector) -> None:
    tbl, roster = tables.get("Adjustments"), tables.get("Roster")
    if tbl is None:
        return
    f = tbl.frame
    reps = set(roster.frame["RepID"].dropna()) if roster is not None else set()
    month = np.full(len(f), -1, dtype=np.int64)
    for i, (rep, per) in enumerate(zip(f["RepID"], f["Period"])):
        if roster is not None and rep is not None and rep not in reps:
            problems.add(tbl.problem(i, "RepID", "unknown rep", value=rep, expected="a RepID listed in the Roster"))
        if per is None:
            continue
        p, why = cal.parse_period(per, "Month")
        if p is None:
            problems.add(tbl.problem(i, "Period", why, value=per, expected=cal.expected_label("Month")))
        else:
            month[i] = p
    f["MonthIndex"] = month


def _fx(tables: dict[str, Table], cal: PlanCalendar, problems: ProblemCollector) -> None:
    tbl = tables.get("FXRates")
    if tbl is None:
        return
    f = tbl.frame
    month = np.full(len(f), -1, dtype=np.int64)
    for i, per in enumerate(f["Month"]):
        if per is None:
            continue
        p, why = cal.parse_period(per, "Month")
        if p is None:
            problems.add(tbl.problem(i, "Month", why, value=per, expected=cal.expected_label("Month")))
        else:
            month[i] = p
    f["MonthIndex"] = month
    dup = f[month >= 0].duplicated(["MonthIndex", "FromCurrency", "ToCurrency"])
    for i in dup.index[dup.to_numpy()]:
        problems.add(tbl.problem(int(i), "Month", "a second rate for the same month and currencies",
                                 value=f["Month"].iloc[i], expected="one rate per month, FromCurrency and ToCurrency"))
