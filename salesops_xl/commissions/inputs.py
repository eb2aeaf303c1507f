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
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..dates import serial_to_date
from ..errors import ProblemCollector
from ..money import to_cents
from ..periods import PeriodType, PlanCalendar
from ..source import TableSource
from ..tables import FieldType, Table, TableSchema, input_frames, read_table, read_tables
from ..tables import fingerprint as tables_fingerprint
from . import schema as S
from .tiers import Method, TierTable, TierTableError

#: Disputes[Status] (docs/commissions.md, "Disputes")
DISPUTE_OPEN, DISPUTE_RESOLVED, DISPUTE_REJECTED = "Open", "Resolved", "Rejected"
#: Holds[ReleaseMonth] of a hold still in force (docs/commissions.md, "Holds and pay on collection")
NOT_RELEASED = 10**6

_CCY_RE = re.compile(r"^[A-Z]{3}$")

#: the PlanMeasures choices (docs/commissions.md, "Plans and measures")
Basis = Literal["YTD", "Period"]
RateType = Literal["Commission", "Multiple"]
CapType = Literal["None", "PctOfTarget", "Amount"]
CreditSource = Literal["Own", "Team"]
CreditBase = Literal["Amount", "Margin"]
PayOn = Literal["Booking", "Invoice", "Payment"]
DrawPolicy = Literal["Forgive", "Recover"]


@dataclass(frozen=True)
class RunSettings:
    """The Settings rows beyond the plan year (docs/commissions.md, "Settings"), typed."""

    locked_through: int | None = None  # month index of Settings[LockedThrough]
    draw_policy: DrawPolicy = "Forgive"  # Settings[DrawBalanceAtTermination]
    statement_rep: tuple[str, int] | None = None  # Settings[StatementRep] and its row in Settings
    company_name: str = ""  # Settings[CompanyName]: printed on statements
    statement_contact: str = ""  # Settings[StatementContact]: where a rep asks about the statement


@dataclass(frozen=True)
class MeasureDef:
    """One row of PlanMeasures, resolved."""

    index: int
    plan: str
    measure: str
    weight: float
    period_type: PeriodType
    basis: Basis
    method: Method
    rate_type: RateType
    tiers: TierTable
    threshold: float
    cap_type: CapType
    cap_value: float
    clawback_days: float  # NaN: no window (a cancellation always reverses)
    row: int  # data row index in PlanMeasures
    credit_source: CreditSource = "Own"  # Own | Team (roll-up of everyone below in the hierarchy)
    source_measure: str = ""  # Team: the deals' measure rolled up
    credit_base: CreditBase = "Amount"  # Amount | Margin: what a deal credits (Deals[Amount] or Deals[Margin])
    unit: str = ""  # blank: money; else the unit deals of the measure count in (no currency, no FX)
    cap_carry: bool = False  # Period basis: earnings above a period's cap are paid later within later caps
    pay_on: PayOn = "Booking"  # Booking | Invoice | Payment: when earned commission becomes payable (holds.py)

    @property
    def needs_quota(self) -> bool:
        """A flat commission rate (one band, no threshold) is paid without a quota; anything else needs one."""
        return not (self.rate_type == "Commission" and self.tiers.n == 1 and self.threshold == 0)


@dataclass
class CommissionInputs:
    """Validated inputs of one commission run."""

    workbook: str
    calendar: PlanCalendar
    tables: dict[str, Table]
    measures: list[MeasureDef]
    fingerprint: str
    warnings: list[str] = field(default_factory=list)
    locked_through: int | None = None  # month index of Settings[LockedThrough]
    draw_policy: DrawPolicy = "Forgive"  # Settings[DrawBalanceAtTermination]
    statement_rep: tuple[str, int] | None = None  # Settings[StatementRep] and its row in Settings
    company_name: str = ""  # Settings[CompanyName]: printed on statements
    statement_contact: str = ""  # Settings[StatementContact]: where a rep asks about the statement
    paid: dict[str, pd.DataFrame] = field(default_factory=dict)  # frozen records of locked months (read back)

    def frame(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame


def load_inputs(source: TableSource) -> CommissionInputs:
    """Read, type and cross-check every input table; raise InputError with all problems found."""
    from ..capabilities import check_kind

    check_kind("commissions", source.table_names(), source.workbook, "computing commissions")
    problems = ProblemCollector()
    tables = read_tables(source, S.INPUT_TABLES, problems)
    calendar, settings = _settings(tables.get("Settings"), problems)
    _normalise_currencies(tables, problems)
    tier_tables = _tier_tables(tables.get("Tiers"), problems)
    measures = _measures(tables, tier_tables, problems)
    _roster(tables, problems)
    if calendar is not None:
        _quotas(tables, measures, calendar, problems)
        _deals(tables, measures, calendar, problems)
        _account_moves(tables, problems)
        _adjustments(tables, calendar, problems)
        _fx(tables, calendar, problems)
        _leaves(tables, problems)
        _cancellations(tables, problems)
        check_disputes(tables, calendar, problems)
        check_holds(tables, calendar, problems)
    if calendar is not None:
        _incentives(tables, measures, calendar, problems)
    paid = _read_paid(source, problems)
    problems.raise_if_any()
    assert calendar is not None
    for t in tables.values():  # the typed frames are all that is used from here: free the raw cell objects
        t.raw.data = {c: () for c in t.raw.columns}
    return CommissionInputs(
        workbook=source.workbook, calendar=calendar, tables=tables, measures=measures,
        fingerprint=fingerprint(tables), paid=paid, locked_through=settings.locked_through,
        draw_policy=settings.draw_policy, statement_rep=settings.statement_rep, company_name=settings.company_name,
        statement_contact=settings.statement_contact,
    )


STATEMENT_ONLY_SETTINGS = ("statementrep", "companyname", "statementcontact")


def fingerprint(tables: dict[str, Table]) -> str:
    """SHA-256 over the typed content of the input tables (names, columns and values, in order).

    The Settings rows StatementRep, CompanyName and StatementContact only shape the statements, so they are
    left out: choosing a rep or rewording the contact does not make the payout run look new.
    """
    frames = input_frames(tables)
    if "Settings" in frames:
        st = frames["Settings"]
        frames["Settings"] = st[~st["Setting"].astype(str).str.lower().isin(STATEMENT_ONLY_SETTINGS)]
    return tables_fingerprint(frames)


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
        return serial_to_date(np.array([float(text)]), tbl.raw.date1904)[0].item()
    problems.add(tbl.problem(i, "Value", "not a date", value=value, expected="a date such as 2026-01-01"))
    return None


def _settings(tbl: Table | None, problems: ProblemCollector) -> tuple[PlanCalendar | None, RunSettings]:
    """The plan calendar (None when PlanYearStart cannot be read) and the other settings."""
    if tbl is None:
        return None, RunSettings()
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
        return None, RunSettings()
    cal = PlanCalendar.create(start, as_of)
    if as_of is not None and as_of < cal.start:
        problems.add(tbl.problem(found["AsOfDate"], "Value", "AsOfDate is before the plan year starts",
                                 value=as_of, expected=f"a date on or after {cal.start.isoformat()}"))
    extras: dict[str, Any] = {}
    if "LockedThrough" in found:
        i = found["LockedThrough"]
        v = f["Value"].iloc[i]
        if v is not None and str(v).strip():
            if re.fullmatch(r"\d+(\.\d+)?", str(v).strip()):  # a real date read as its serial number
                v = serial_to_date(np.array([float(str(v).strip())]), tbl.raw.date1904)[0].item()
            m, why = cal.parse_period(v, "Month")
            if m is None:
                problems.add(tbl.problem(i, "Value", f"LockedThrough is {why}", value=v,
                                         expected=cal.expected_label("Month")))
            else:
                extras["locked_through"] = m
    if "DrawBalanceAtTermination" in found:
        i = found["DrawBalanceAtTermination"]
        v = f["Value"].iloc[i]
        if v is not None and str(v).strip():
            choice = {"forgive": "Forgive", "recover": "Recover"}.get(str(v).strip().lower())
            if choice is None:
                problems.add(tbl.problem(i, "Value", "unknown policy", value=v, expected="Forgive or Recover"))
            else:
                extras["draw_policy"] = choice
    if "StatementRep" in found:
        i = found["StatementRep"]
        v = f["Value"].iloc[i]
        if v is not None and str(v).strip():
            extras["statement_rep"] = (str(v).strip(), i)
    for key, attr in (("CompanyName", "company_name"), ("StatementContact", "statement_contact")):
        v = f["Value"].iloc[found[key]] if key in found else None
        if v is not None and str(v).strip():
            extras[attr] = str(v).strip()
    return cal, RunSettings(**extras)


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
            for i in np.flatnonzero(np.isin(codes, list(bad))).tolist():
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
    source = f["CreditSource"] if "CreditSource" in f else pd.Series("Own", index=f.index)
    src_measure = f["SourceMeasure"] if "SourceMeasure" in f else pd.Series(None, index=f.index, dtype=object)
    units = f["Unit"] if "Unit" in f else pd.Series(None, index=f.index, dtype=object)
    carry = f["CapCarryForward"] if "CapCarryForward" in f else pd.Series("No", index=f.index, dtype=object)
    pay_on = f["PayOn"] if "PayOn" in f else pd.Series("Booking", index=f.index, dtype=object)
    own_measures = set(f["Measure"][source.to_numpy() != "Team"].dropna())
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
            clawback_days=float(claw.iloc[i]), row=i, credit_source=source.iloc[i] or "Own",
            source_measure=(src_measure.iloc[i] or r.Measure) if source.iloc[i] == "Team" else r.Measure,
            credit_base=(f["CreditBase"].iloc[i] if "CreditBase" in f else None) or "Amount",
            unit=str(units.iloc[i] or "").strip(), cap_carry=carry.iloc[i] == "Yes",
            pay_on=pay_on.iloc[i] or "Booking",
        ))
        m = out[-1]
        if m.pay_on != "Booking" and (m.credit_source == "Team" or m.unit):
            problems.add(tbl.problem(i, "PayOn", f"a {'Team' if m.credit_source == 'Team' else 'unit'} measure "
                                     "cannot wait for invoices or payments", value=m.pay_on,
                                     expected="Booking (or blank): only a measure credited with its own deals in "
                                              "money is paid on invoice or payment"))
        if m.credit_source == "Team" and m.source_measure not in own_measures:
            problems.add(tbl.problem(i, "SourceMeasure", "a Team measure must roll up a measure deals are "
                                     "credited to", value=m.source_measure,
                                     expected="one of " + ", ".join(sorted(own_measures))))
    _units(tbl, out, problems)
    # one Team measure per plan and rolled-up measure
    seen_team: dict[tuple[str, str], int] = {}
    for m in out:
        if m.credit_source == "Team":
            k = (m.plan, m.source_measure)
            if k in seen_team:
                problems.add(tbl.problem(m.row, "SourceMeasure", f"plan {m.plan!r} rolls up "
                                         f"{m.source_measure!r} twice", value=m.source_measure,
                                         expected="one Team measure per rolled-up measure in a plan"))
            seen_team[k] = m.row
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


def _units(tbl: Table, measures: list[MeasureDef], problems: ProblemCollector) -> None:
    """A measure name counts in one unit in every plan (deals name the measure, not the plan); a Team measure
    counts in the unit of the measure it rolls up."""
    first: dict[str, MeasureDef] = {}
    for m in measures:
        if m.credit_source == "Own":
            first.setdefault(m.measure, m)
    for m in measures:
        ref = first.get(m.source_measure if m.credit_source == "Team" else m.measure)
        if ref is None or ref.unit == m.unit:
            continue
        what = "money" if not ref.unit else repr(ref.unit)
        problems.add(tbl.problem(m.row, "Unit", f"measure {ref.measure} counts in {what} on "
                                 f"{tbl.raw.row_ref(ref.row)}", value=m.unit or None, show_value=bool(m.unit),
                                 expected=f"the same Unit ({ref.unit or 'blank'}) on every row of the measure "
                                          "and of Team measures rolling it up"))


def unit_measures(measures: list[MeasureDef]) -> set[str]:
    """Names of the measures that count in units rather than money."""
    return {m.measure for m in measures if m.unit}


# -- roster -----------------------------------------------------------------------------------

def _roster(tables: dict[str, Table], problems: ProblemCollector) -> None:
    tbl = tables.get("Roster")
    if tbl is None:
        return
    f = tbl.frame
    plans = tables.get("Plans")
    if plans is not None:
        known = set(plans.frame["PlanID"].dropna())
        for i in np.flatnonzero(~f["PlanID"].isin(known).to_numpy() & f["PlanID"].notna().to_numpy()).tolist():
            problems.add(tbl.problem(int(i), "PlanID", "unknown plan", value=f["PlanID"].iloc[i],
                                     expected="a PlanID listed in the Plans table"))
    reps = set(f["RepID"].dropna())
    mgr = f["ManagerID"]
    for i in np.flatnonzero(mgr.notna().to_numpy() & ~mgr.isin(reps).to_numpy()).tolist():
        problems.add(tbl.problem(int(i), "ManagerID", "unknown manager", value=mgr.iloc[i],
                                 expected="blank or a RepID listed in the Roster"))
    for i in np.flatnonzero((mgr == f["RepID"]).to_numpy()).tolist():
        problems.add(tbl.problem(int(i), "ManagerID", "a rep is their own manager", value=mgr.iloc[i],
                                 expected="another rep's RepID, or blank"))
    hire, term = f["HireDate"].to_numpy(), f["TermDate"].to_numpy()
    for i in np.flatnonzero(~np.isnat(term) & ~np.isnat(hire) & (term < hire)).tolist():
        problems.add(tbl.problem(int(i), "TermDate", "termination before hire", value=term[i].item(),
                                 expected=f"a date on or after the HireDate {hire[i].item()}"))
    _effective_rows(tbl, problems)
    _manager_loops(tbl, problems)


def _effective_rows(tbl: Table, problems: ProblemCollector) -> None:
    """Several rows of one rep: same person facts, non-overlapping EffectiveFrom..EffectiveTo spans."""
    f = tbl.frame
    n = len(f)
    if not n:
        return
    eff_from = (f["EffectiveFrom"] if "EffectiveFrom" in f else pd.Series([pd.NaT] * n)).to_numpy() \
        .astype("datetime64[D]")
    eff_to = (f["EffectiveTo"] if "EffectiveTo" in f else pd.Series([pd.NaT] * n)).to_numpy().astype("datetime64[D]")
    for i in np.flatnonzero(~np.isnat(eff_from) & ~np.isnat(eff_to) & (eff_to < eff_from)).tolist():
        problems.add(tbl.problem(int(i), "EffectiveTo", "ends before it starts", value=eff_to[i].item(),
                                 expected=f"a date on or after EffectiveFrom {eff_from[i].item()}"))
    codes, _ = pd.factorize(f["RepID"])
    multi = np.bincount(codes[codes >= 0], minlength=codes.max() + 1 if n else 0)[np.maximum(codes, 0)] > 1
    if not multi.any():
        return
    idx = np.flatnonzero(multi & (codes >= 0))
    first_of: dict[object, int] = {}
    for i in idx.tolist():
        first_of.setdefault(codes[i], i)
    for col in ("Currency", "HireDate", "TermDate"):
        vals = f[col].to_numpy()
        for i in idx.tolist():
            j = first_of[codes[i]]
            a, b = vals[i], vals[j]
            same = (a == b) or (pd.isna(a) and pd.isna(b))
            if not same:
                problems.add(tbl.problem(int(i), col, f"the rows of rep {f['RepID'].iloc[i]} disagree on {col}",
                                         value=_shown(a),
                                         expected=f"the same {col} on every row of a rep ("
                                                  f"{tbl.raw.row_ref(j)} has {_shown(b)})"))
    # spans: sorted by start (blank = hire), each must end before the next starts
    hire = f["HireDate"].to_numpy().astype("datetime64[D]")
    start = np.where(np.isnat(eff_from), hire, eff_from)
    order = idx[np.lexsort((start[idx].astype(np.int64), codes[idx]))]
    for a, b in zip(order[:-1], order[1:]):
        if codes[a] != codes[b]:
            continue
        if np.isnat(eff_from[b]) or (not np.isnat(eff_to[a]) and eff_to[a] >= start[b]) or start[a] == start[b]:
            problems.add(tbl.problem(int(b), "EffectiveFrom", f"overlapping effective dates for rep "
                                     f"{f['RepID'].iloc[b]}", value=None if np.isnat(eff_from[b]) else
                                     eff_from[b].item(), show_value=not np.isnat(eff_from[b]),
                                     expected=f"a start after {tbl.raw.row_ref(a)} ends (give each row of a "
                                              "rep its own EffectiveFrom; EffectiveTo is optional)"))


def _manager_loops(tbl: Table, problems: ProblemCollector) -> None:
    """Report every cycle in the graph rep -> manager (over all effective rows)."""
    f = tbl.frame
    edges: dict[str, list[str]] = {}
    row_of: dict[tuple[str, str], int] = {}
    for i, (rep, mgr) in enumerate(zip(f["RepID"], f["ManagerID"])):
        if rep is None or mgr is None or rep == mgr:
            continue
        edges.setdefault(rep, [])
        if mgr not in edges[rep]:
            edges[rep].append(mgr)
            row_of[(rep, mgr)] = i
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    reported: set[frozenset] = set()
    for root in list(edges):
        if state.get(root):
            continue
        stack = [(root, iter(edges.get(root, ())))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                loop = path[path.index(nxt):]
                key = frozenset(loop)
                if key not in reported:
                    reported.add(key)
                    problems.add(tbl.problem(row_of[(node, nxt)], "ManagerID", "manager loop in the roster",
                                             value=" -> ".join(loop + [nxt]),
                                             expected="a hierarchy where following managers always ends at a "
                                                      "rep with a blank ManagerID"))
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(edges.get(nxt, ()))))


# -- quotas, deals, adjustments, FX ------------------------------------------------------------

def _account_moves(tables: dict[str, Table], problems: ProblemCollector) -> None:
    """Credit follows a scheduled account move (docs/commissions.md, rule 3): a Deals row whose AccountID has a move
    with FromRep = the row's RepID and EffectiveDate on or before its CloseDate is credited to the account's holder
    on the CloseDate (the ToRep of its latest move by then). Deals[MovedFrom] keeps the rep the row named."""
    tbl, deals, roster = tables.get("AccountMoves"), tables.get("Deals"), tables.get("Roster")
    if tbl is None or not len(tbl.frame):
        return
    mf = tbl.frame
    if roster is not None:
        reps = set(roster.frame["RepID"].dropna())
        for col in ("FromRep", "ToRep"):
            for i in np.flatnonzero(~mf[col].isin(reps).to_numpy()).tolist():
                problems.add(tbl.problem(int(i), col, "not in the Roster", value=mf[col].iloc[i],
                                         expected="a RepID of the Roster"))
    if deals is None or "AccountID" not in deals.frame or not len(deals.frame):
        return
    d = deals.frame
    m = pd.DataFrame({"AccountID": mf["AccountID"].to_numpy(object), "FromRep": mf["FromRep"].to_numpy(object),
                      "ToRep": mf["ToRep"].to_numpy(object),
                      "Eff": mf["EffectiveDate"].to_numpy().astype("datetime64[ns]")}).dropna()
    rows = pd.DataFrame({"AccountID": d["AccountID"].to_numpy(object), "RepID": d["RepID"].to_numpy(object),
                         "Close": d["CloseDate"].to_numpy().astype("datetime64[ns]"), "_i": np.arange(len(d))})
    rows = rows[rows["AccountID"].notna() & rows["Close"].notna()]
    # a row of a rep who gave the account away on or before the close date ...
    gave = rows.merge(m, left_on=["AccountID", "RepID"], right_on=["AccountID", "FromRep"])
    gave = gave[gave["Eff"] <= gave["Close"]]
    hit = np.unique(gave["_i"].to_numpy())
    if not len(hit):
        return
    # ... goes to the holder on the close date: the ToRep of the account's latest move by then
    cand = rows.set_index("_i").loc[hit].reset_index().sort_values("Close", kind="stable")
    holder = pd.merge_asof(cand, m.sort_values("Eff", kind="stable")[["AccountID", "Eff", "ToRep"]],
                           left_on="Close", right_on="Eff", by="AccountID", direction="backward")
    idx = holder["_i"].to_numpy(np.int64)
    new_rep = holder["ToRep"].to_numpy(object)
    # a deal that already has a row for the new rep keeps its split as entered
    have = set(zip(d["DealID"].to_numpy(object), d["RepID"].to_numpy(object)))
    ok = np.array([(deal, r) not in have for deal, r in zip(d["DealID"].to_numpy(object)[idx], new_rep)], dtype=bool)
    moved_from = np.full(len(d), None, dtype=object)
    rep = d["RepID"].to_numpy(object).copy()
    moved_from[idx[ok]] = rep[idx[ok]]
    rep[idx[ok]] = new_rep[ok]
    d["RepID"] = rep
    d["MovedFrom"] = moved_from
    if (~ok).any():
        d.attrs["moves_kept"] = int((~ok).sum())


def unknown_reps(tbl: Table, rows: np.ndarray, roster: Table | None, problems: ProblemCollector) -> None:
    """Report RepIDs of ``tbl`` not in the Roster: one problem per RepID, on its first row, naming its other rows.

    A rep missing from the Roster (renamed there, or its RepID cell left blank) is one cause, however many
    rows refer to it; when the Roster has rows with a blank RepID, the message points at them.
    """
    if not len(rows):
        return
    values = tbl.frame["RepID"].to_numpy(dtype=object)[rows]
    blank = []
    if roster is not None:
        blank = [roster.raw.excel_row(int(i)) for i in np.flatnonzero(roster.frame["RepID"].isna().to_numpy()).tolist()]
    hint = ""
    if blank:
        assert roster is not None  # blank rows were found in it
        hint = (f" (the Roster's {roster.raw.row_label} {blank[0]} has a blank RepID: is it this rep?)"
                if len(blank) == 1 else
                f" (the Roster's {roster.raw.rows_word()} {', '.join(map(str, blank[:5]))} have a blank RepID: "
                "is one of them this rep?)")
    for value, at in pd.Series(rows).groupby(values, sort=False).indices.items():
        mine = rows[at]
        more = ""
        if len(mine) > 1:
            shown = ", ".join(str(tbl.raw.excel_row(int(i))) for i in mine[1:11])
            more = (f" (also on {tbl.raw.rows_word()} {shown}{' ...' if len(mine) > 11 else ''}: {len(mine)} "
                    f"{tbl.raw.rows_word()} in all)")
        problems.add(tbl.problem(int(mine[0]), "RepID", "unknown rep" + more, value=value,
                                 expected="a RepID listed in the Roster" + hint))


def _quotas(tables: dict[str, Table], measures: list[MeasureDef], cal: PlanCalendar,
            problems: ProblemCollector) -> None:
    """Row checks of Quotas; whether every active period has a quota is checked when prorating."""
    tbl, roster = tables.get("Quotas"), tables.get("Roster")
    if tbl is None or roster is None:
        return
    f = tbl.frame
    n = len(f)
    ros = roster.frame
    all_measures = {m.measure for m in measures}
    # the measures each rep has over the year (one rep may hold several plans), with their period type
    pm = pd.DataFrame({"PlanID": [m.plan for m in measures], "Measure": [m.measure for m in measures],
                       "PeriodType": [m.period_type for m in measures]})
    rm = ros[["RepID", "PlanID"]].drop_duplicates().merge(pm, on="PlanID")
    types = rm.groupby(["RepID", "Measure"])["PeriodType"].agg(lambda x: "/".join(sorted(set(x))))
    key = pd.MultiIndex.from_arrays([f["RepID"].to_numpy(), f["Measure"].to_numpy()])
    pos = types.index.get_indexer(key) if len(types) else np.full(n, -1)
    none = np.array(None, dtype=object)
    ptype = np.where(pos >= 0, types.to_numpy()[np.maximum(pos, 0)] if len(types) else none, none)
    known_rep = f["RepID"].isin(set(ros["RepID"].dropna())).to_numpy()
    present = f["RepID"].notna().to_numpy() & f["Measure"].notna().to_numpy() & f["Period"].notna().to_numpy()
    unknown_reps(tbl, np.flatnonzero(present & ~known_rep), roster, problems)
    # a rep whose Roster PlanID is blank or unknown has that problem already; which measures its plan has
    # cannot be told, so its quota rows are not each reported as "no such measure" (one problem, not ten)
    plans = tables["Plans"].frame["PlanID"] if "Plans" in tables else pd.Series([m.plan for m in measures])
    bad_plan = ros["PlanID"].isna() | ~ros["PlanID"].isin(set(plans.dropna()))
    planless = f["RepID"].isin(set(ros.loc[bad_plan, "RepID"].dropna())).to_numpy()
    for i in np.flatnonzero(present & known_rep & (pos < 0) & ~planless).tolist():
        meas, rep = f["Measure"].iloc[i], f["RepID"].iloc[i]
        why = "the rep's plan has no such measure" if meas in all_measures else "unknown measure"
        mine = sorted(rm.loc[rm["RepID"] == rep, "Measure"].unique())
        problems.add(tbl.problem(int(i), "Measure", why, value=meas,
                                 expected="a measure of the rep's plan: " + ", ".join(mine)))
    mixed = np.array([isinstance(t, str) and "/" in t for t in ptype], dtype=bool)
    for i in np.flatnonzero(present & mixed).tolist():
        problems.add(tbl.problem(int(i), "Measure", "the rep's plans measure this over different "
                                 f"periods ({ptype[i]})", value=f["Measure"].iloc[i],
                                 expected="one period type per measure for a rep"))
    ok = present & (pos >= 0) & ~mixed
    pidx = np.full(n, -1, dtype=np.int64)
    if ok.any():
        keys = pd.MultiIndex.from_arrays([f["Period"].to_numpy()[ok], ptype[ok]])
        codes, uniq = pd.factorize(keys)
        parsed = [cal.parse_period(per, pt) for per, pt in uniq]
        values = np.array([p if p is not None else -1 for p, _ in parsed], dtype=np.int64)
        rows = np.flatnonzero(ok)
        pidx[rows] = values[codes]
        for k in np.flatnonzero(values[codes] < 0).tolist():
            i = int(rows[k])
            problems.add(tbl.problem(i, "Period", parsed[codes[k]][1], value=f["Period"].iloc[i],
                                     expected=cal.expected_label(ptype[i])))
    f["PeriodIndex"] = pidx
    if "EffectiveFrom" in f:
        eff = f["EffectiveFrom"].to_numpy().astype("datetime64[D]")
        for i in np.flatnonzero((pidx >= 0) & ~np.isnat(eff)).tolist():
            first, last = cal.period_bounds(int(pidx[i]), ptype[i])
            if not (np.datetime64(first, "D") <= eff[i] <= np.datetime64(last, "D")):
                problems.add(tbl.problem(int(i), "EffectiveFrom", "a quota change outside its period",
                                         value=eff[i].item(), expected=f"a date from {first} to {last}"))
    cols = ["RepID", "Measure", "PeriodIndex"] + (["EffectiveFrom"] if "EffectiveFrom" in f else [])
    good = pidx >= 0
    dup = f[good].duplicated(cols, keep="first")
    for i in dup.index[dup.to_numpy()]:
        problems.add(tbl.problem(int(i), "Period", "a second quota for the same rep, measure and period",
                                 value=f["Period"].iloc[i], expected="one quota per rep, measure and period "
                                 "(a change within the period: a row with EffectiveFrom)"))


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
        unknown_reps(tbl, np.flatnonzero(~known), roster, problems)
    all_measures = {m.measure for m in measures}
    if measures:
        km = f["Measure"].isin(all_measures).to_numpy() | f["Measure"].isna().to_numpy()
        for i in np.flatnonzero(~km).tolist():
            problems.add(tbl.problem(int(i), "Measure", "unknown measure", value=f["Measure"].iloc[i],
                                     expected="one of " + ", ".join(sorted(all_measures))))
    on_margin = {m.source_measure for m in measures if m.credit_base == "Margin"}
    if on_margin and "Margin" in f:
        for i in np.flatnonzero(f["Measure"].isin(on_margin).to_numpy() & np.isnan(f["Margin"].to_numpy(float))).tolist():
            problems.add(tbl.problem(int(i), "Margin", f"measure {f['Measure'].iloc[i]} credits margin "
                                     "(PlanMeasures[CreditBase] Margin) but this deal has none", show_value=False,
                                     expected="the deal's margin in its Currency"))
    # a unit measure's deals have no currency (and no FX); every other deal needs one
    unit = f["Measure"].isin(unit_measures(measures)).to_numpy()
    ccy = f["Currency"].notna().to_numpy()
    for i in np.flatnonzero(unit & ccy).tolist():
        problems.add(tbl.problem(int(i), "Currency", f"a currency on a deal of the unit measure "
                                 f"{f['Measure'].iloc[i]} (its Amount is a quantity)", value=f["Currency"].iloc[i],
                                 expected="a blank Currency"))
    for i in np.flatnonzero(~unit & ~ccy & f["Measure"].notna().to_numpy()).tolist():
        problems.add(tbl.problem(int(i), "Currency", "blank", show_value=False,
                                 expected="the currency of Amount (ISO code such as USD); only deals of a unit "
                                          "measure (PlanMeasures[Unit]) have none"))
    f["IsUnit"] = unit
    status = f["Status"].to_numpy()
    cancel = f["CancelDate"].to_numpy()
    close = f["CloseDate"].to_numpy()
    cancelled = status == "Cancelled"
    for i in np.flatnonzero(cancelled & np.isnat(cancel)).tolist():
        problems.add(tbl.problem(int(i), "CancelDate", "a cancelled deal without a cancellation date",
                                 show_value=False, expected="the date the deal was cancelled"))
    for i in np.flatnonzero(~cancelled & ~np.isnat(cancel)).tolist():
        problems.add(tbl.problem(int(i), "CancelDate", "a CancelDate on a deal whose Status is not Cancelled",
                                 value=cancel[i].item(), expected="Status Cancelled, or a blank CancelDate"))
    for i in np.flatnonzero(cancelled & ~np.isnat(cancel) & ~np.isnat(close) & (cancel < close)).tolist():
        problems.add(tbl.problem(int(i), "CancelDate", "cancelled before it closed", value=cancel[i].item(),
                                 expected=f"a date on or after the CloseDate {close[i].item()}"))
    if n == 0:
        f["DealOrder"] = np.zeros(0, dtype=np.int64)
        return
    # rows of one deal agree on the deal's fields, and their splits total 100%
    codes, uniq = sorted_codes(f["DealID"].to_numpy())
    f["DealOrder"] = codes  # DealID's rank: the engine orders a period's deals by close date, then DealID
    ok = codes >= 0
    first_row = np.full(len(uniq), -1, dtype=np.int64)
    rows_ok = np.flatnonzero(ok)
    first_row[codes[rows_ok][::-1]] = rows_ok[::-1]  # the last write wins: the lowest row index
    ref = np.where(ok, first_row[np.where(ok, codes, 0)], np.arange(n))
    for col in ("CloseDate", "Measure", "Amount", "Currency", "Status", "CancelDate") + (("Margin",) if "Margin" in f
                                                                                   else ()):
        a = f[col].to_numpy()
        b = a[ref]
        if a.dtype.kind == "M":
            same = (a == b) | (np.isnat(a) & np.isnat(b))
        elif a.dtype.kind == "f":
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            same = a == b
        for i in np.flatnonzero(~same).tolist():
            shown, other = _shown(a[i]), _shown(b[i])
            problems.add(tbl.problem(int(i), col, f"the rows of deal {uniq[codes[i]]} disagree on {col}",
                                     value=shown, expected=f"the same {col} as {tbl.raw.row_ref(ref[i])} "
                                                           f"({other})"))
    split = f["SplitPct"].to_numpy()
    sums = np.bincount(codes[ok], weights=np.nan_to_num(split[ok]), minlength=len(uniq))
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
    if len(bad):
        # every row of the deal is named with its share: the fix may be on any of them
        in_bad = np.flatnonzero(ok & np.isin(codes, bad))
        rows_of = pd.Series(in_bad).groupby(codes[in_bad], sort=False).indices
        for k in bad:
            rows = in_bad[rows_of[k]]
            i = int(first_row[k])
            shares = [f"{tbl.raw.excel_row(int(r))} ({_pct(split[r])})" for r in rows[:SPLIT_ROWS_SHOWN]]
            more = f" and {len(rows) - SPLIT_ROWS_SHOWN} more" if len(rows) > SPLIT_ROWS_SHOWN else ""
            where = (f"{tbl.raw.row_label} {shares[0]}" if len(rows) == 1 else
                     f"{tbl.raw.rows_word()} {', '.join(shares)}{more}")
            problems.add(tbl.problem(i, "SplitPct", f"the splits of deal {uniq[k]} total {sums[k]:.4%} over its "
                                     f"{where}", show_value=False,
                                     expected="SplitPct over the deal's rows to total 100%"))


#: How many of a deal's rows a split problem lists (a deal has a handful; a pasted column may repeat one id).
SPLIT_ROWS_SHOWN = 20


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)``: codes that rank each distinct value (-1 for blanks), and the values.

    For text (DealIDs), the distinct values are sorted by numpy as fixed-width text, which compares in C
    where pandas compares Python objects: the same order (code point by code point, as Python's ``<``) in
    a fraction of the time for a million distinct IDs in no particular order. Anything else, or text numpy
    would not order as Python does (a trailing NUL, which fixed-width text drops) or would store wastefully
    (IDs over 64 characters), takes pandas' way.
    """
    codes, uniq = pd.factorize(values)
    u = np.asarray(uniq, dtype=object)
    k = len(u)
    if k < 2 or pd.api.types.infer_dtype(u, skipna=False) != "string":
        return pd.factorize(values, sort=True)
    lens = np.fromiter(map(len, u), dtype=np.int64, count=k)
    if lens.max() > 64 or "\x00" in "".join(u):
        return pd.factorize(values, sort=True)
    order = np.argsort(u.astype(str), kind="stable")
    rank = np.empty(k, dtype=np.intp)
    rank[order] = np.arange(k, dtype=np.intp)
    codes = np.asarray(codes, dtype=np.intp)
    return np.where(codes >= 0, rank[np.maximum(codes, 0)], -1).astype(np.intp), u[order]


def _pct(x: float) -> str:
    """A share as a percentage without trailing zeros: 0.3 -> "30%", 1/3 -> "33.3333%", blank -> "blank"."""
    if np.isnan(x):
        return "blank"
    return f"{x * 100:.4f}".rstrip("0").rstrip(".") + "%"


def _adjustments(tables: dict[str, Table], cal: PlanCalendar, problems: ProblemCollector) -> None:
    tbl, roster = tables.get("Adjustments"), tables.get("Roster")
    if tbl is None:
        return
    f = tbl.frame
    reps = set(roster.frame["RepID"].dropna()) if roster is not None else set()
    month = np.full(len(f), -1, dtype=np.int64)
    if roster is not None:
        unknown_reps(tbl, np.flatnonzero(f["RepID"].notna().to_numpy() & ~f["RepID"].isin(reps).to_numpy()), roster,
                     problems)
    for i, (rep, per) in enumerate(zip(f["RepID"], f["Period"])):
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


def _leaves(tables: dict[str, Table], problems: ProblemCollector) -> None:
    tbl, roster = tables.get("Leaves"), tables.get("Roster")
    if tbl is None or roster is None:
        return
    f = tbl.frame
    known = f["RepID"].isin(set(roster.frame["RepID"].dropna())).to_numpy() | f["RepID"].isna().to_numpy()
    unknown_reps(tbl, np.flatnonzero(~known), roster, problems)
    a, b = f["StartDate"].to_numpy(), f["EndDate"].to_numpy()
    for i in np.flatnonzero(~np.isnat(a) & ~np.isnat(b) & (b < a)).tolist():
        problems.add(tbl.problem(int(i), "EndDate", "a leave that ends before it starts", value=b[i].item(),
                                 expected=f"a date on or after {a[i].item()}"))


def _cancellations(tables: dict[str, Table], problems: ProblemCollector) -> None:
    tbl, deals = tables.get("Cancellations"), tables.get("Deals")
    if tbl is None or deals is None:
        return
    f, d = tbl.frame, deals.frame
    if not len(f):
        return
    first = d.drop_duplicates("DealID").set_index("DealID")
    known = f["DealID"].isin(first.index).to_numpy()
    for i in np.flatnonzero(~known & f["DealID"].notna().to_numpy()).tolist():
        problems.add(tbl.problem(int(i), "DealID", "a cancellation of an unknown deal", value=f["DealID"].iloc[i],
                                 expected="a DealID listed in the Deals table"))
    ok = known & ~np.isnat(f["CancelDate"].to_numpy())
    close = first["CloseDate"].reindex(f["DealID"]).to_numpy()
    for i in np.flatnonzero(ok & (f["CancelDate"].to_numpy() < close)).tolist():
        problems.add(tbl.problem(int(i), "CancelDate", "cancelled before the deal closed",
                                 value=f["CancelDate"].iloc[i].date(),
                                 expected=f"a date on or after the deal's CloseDate {close[i].astype('M8[D]')}"))
    status = first["Status"].reindex(f["DealID"]).to_numpy()
    for i in np.flatnonzero(known & (status == "Cancelled")).tolist():
        problems.add(tbl.problem(int(i), "DealID", "a partial cancellation of a deal already cancelled in full "
                                 "(Status Cancelled)", value=f["DealID"].iloc[i],
                                 expected="either Status Cancelled on the deal or rows here, not both"))
    tot = f[known].groupby("DealID")["CancelledPct"].sum()
    for deal, pct in tot[tot > 1 + 1e-9].items():
        i = int(np.flatnonzero(f["DealID"].to_numpy() == deal)[-1])
        problems.add(tbl.problem(i, "CancelledPct", f"the cancellations of deal {deal} total {pct:.2%}",
                                 show_value=False, expected="at most 100% of a deal cancelled"))


def _incentives(tables: dict[str, Table], measures: list[MeasureDef], cal: PlanCalendar,
                problems: ProblemCollector) -> None:
    """Spifs, Bonuses and Draws: references exist, amounts given, months parse, draws do not overlap."""
    plans = set(tables["Plans"].frame["PlanID"].dropna()) if "Plans" in tables else set()
    all_measures = {m.measure for m in measures}
    reps = set(tables["Roster"].frame["RepID"].dropna()) if "Roster" in tables else set()
    for name, amount_cols in (("Spifs", ("AmountPerDeal", "PctOfCredit")), ("Bonuses", ("Amount", "PctOfTarget"))):
        tbl = tables.get(name)
        if tbl is None:
            continue
        f = tbl.frame
        for i in range(len(f)):
            plan, meas = f["PlanID"].iloc[i], f["Measure"].iloc[i]
            if plan is not None and plan not in plans:
                problems.add(tbl.problem(i, "PlanID", "unknown plan", value=plan,
                                         expected="blank or a PlanID listed in the Plans table"))
            if meas is not None and meas not in all_measures:
                problems.add(tbl.problem(i, "Measure", "unknown measure", value=meas,
                                         expected="one of " + ", ".join(sorted(all_measures))))
            if all(np.isnan(f[c].iloc[i]) for c in amount_cols):
                problems.add(tbl.problem(i, amount_cols[0], "no amount", show_value=False,
                                         expected=f"{amount_cols[0]} or {amount_cols[1]}"))
        if name == "Spifs":
            a, b = f["StartDate"].to_numpy(), f["EndDate"].to_numpy()
            for i in np.flatnonzero(~np.isnat(a) & ~np.isnat(b) & (b < a)).tolist():
                problems.add(tbl.problem(int(i), "EndDate", "ends before it starts", value=b[i].item(),
                                         expected=f"a date on or after {a[i].item()}"))
    tbl = tables.get("Draws")
    if tbl is None:
        return
    f = tbl.frame
    start = np.full(len(f), -1, dtype=np.int64)
    end = np.full(len(f), -1, dtype=np.int64)
    if "Roster" in tables:
        unknown_reps(tbl, np.flatnonzero(f["RepID"].notna().to_numpy() & ~f["RepID"].isin(reps).to_numpy()),
                     tables["Roster"], problems)
    for i in range(len(f)):
        for col, out in (("StartMonth", start), ("EndMonth", end)):
            v = f[col].iloc[i]
            if v is None:
                continue
            m, why = cal.parse_period(v, "Month")
            if m is None:
                problems.add(tbl.problem(i, col, why, value=v, expected=cal.expected_label("Month")))
            else:
                out[i] = m
        if start[i] >= 0 and end[i] >= 0 and end[i] < start[i]:
            problems.add(tbl.problem(i, "EndMonth", "ends before it starts", value=f["EndMonth"].iloc[i],
                                     expected=f"a month from {f['StartMonth'].iloc[i]} on"))
    f["StartIndex"], f["EndIndex"] = start, end
    ok = (start >= 0) & (end >= start)
    for rep, grp in f[ok].groupby("RepID"):
        spans = sorted(zip(grp["StartIndex"], grp["EndIndex"], grp.index))
        for (a0, a1, _), (b0, _, j) in zip(spans[:-1], spans[1:]):
            if b0 <= a1:
                problems.add(tbl.problem(int(j), "StartMonth", f"two draws of rep {rep} cover the same month",
                                         value=f["StartMonth"].iloc[j], expected="one draw per rep and month"))



#: Owned tables holding the records of locked (paid) months; written by recalc, read back by the next one.
PAID_TABLES = {"PaidSummary": "SUMMARY_COLUMNS", "PaidPayouts": "PAYOUT_COLUMNS", "PaidLines": "LINE_COLUMN_SPECS",
               "PaidDraws": "DRAW_COLUMNS"}
PAID_SHEET = "Paid History"

#: Columns added to the records after workbooks with Paid History were made: absent there, read as blank.
ADDED_PAID_COLUMNS = frozenset({"Unit", "Variance", "VarianceYTD", "HeldToDate"})

_FIELD_TYPE: dict[str, FieldType] = {"text": "text", "money": "money", "percent": "number", "rate": "number", "number": "number",
               "multiple": "number", "int": "number", "date": "date"}


def paid_schema(name: str) -> TableSchema:
    from ..tables import Field, TableSchema
    from . import columns

    cols = getattr(columns, PAID_TABLES[name])
    return TableSchema(name=name, sheet=PAID_SHEET, description="Record of locked months (owned by recalc).",
                       fields=tuple(Field(c.name, _FIELD_TYPE[c.kind], c.description, blank=True,
                                          required=c.name not in ADDED_PAID_COLUMNS) for c in cols),
                       required=False, min_rows=0, money=False)  # ours: what lies beside it is not an input


def _read_paid(source: TableSource, problems: ProblemCollector) -> dict[str, pd.DataFrame]:
    """The frozen records of locked months, as written by an earlier run (money in cents)."""
    from ..money import to_cents

    out: dict[str, pd.DataFrame] = {}
    for name in PAID_TABLES:
        raw = source.read(name)
        if raw is None:
            continue
        sch = paid_schema(name)
        t = read_table(raw, sch, problems)
        if t is None:
            continue
        f = t.frame.copy()
        for fld in sch.fields:
            if fld.type == "money":
                v = f[fld.name].to_numpy(dtype=np.float64)
                f[fld.name] = np.where(np.isnan(v), 0, to_cents(np.nan_to_num(v)))
        out[name] = f
    return out


# -- disputes, invoices, payments and holds: row checks --------------------------------------------

def check_disputes(tables: dict[str, Table], cal: PlanCalendar, problems: ProblemCollector) -> None:
    """Row checks; adds PayMonthIndex (month of ResolvedOn for a paid resolution, else -1)."""
    tbl, roster, deals = tables.get("Disputes"), tables.get("Roster"), tables.get("Deals")
    if tbl is None:
        return
    f = tbl.frame
    n = len(f)
    f["PayMonthIndex"] = np.full(n, -1, dtype=np.int64)
    if not n:
        return
    if roster is not None:
        known = f["RepID"].isin(set(roster.frame["RepID"].dropna())).to_numpy() | f["RepID"].isna().to_numpy()
        unknown_reps(tbl, np.flatnonzero(~known), roster, problems)
    if deals is not None:
        d = deals.frame
        pairs = set(zip(d["DealID"], d["RepID"]))
        ids = set(d["DealID"].dropna())
        for i, (deal, rep) in enumerate(zip(f["DealID"], f["RepID"])):
            if deal is None:
                continue
            if deal not in ids:
                problems.add(tbl.problem(i, "DealID", "a dispute about an unknown deal", value=deal,
                                         expected="a DealID listed in the Deals table, or blank"))
            elif rep is not None and (deal, rep) not in pairs:
                problems.add(tbl.problem(i, "DealID", f"rep {rep} is not credited on this deal", value=deal,
                                         expected=f"a deal with a Deals row for rep {rep}"))
    status = f["Status"].to_numpy(dtype=object)
    amount = f["Amount"].to_numpy(dtype=np.float64)
    raised = f["RaisedOn"].to_numpy().astype("datetime64[D]")
    resolved = f["ResolvedOn"].to_numpy().astype("datetime64[D]")
    has_amount = ~np.isnan(amount) & (amount != 0)
    for i in np.flatnonzero((status != DISPUTE_RESOLVED) & has_amount).tolist():
        problems.add(tbl.problem(int(i), "Amount", f"an amount on a dispute that is {status[i]}",
                                 value=float(amount[i]), expected="Status Resolved, or a blank Amount"))
    for i in np.flatnonzero((status != DISPUTE_OPEN) & np.isnat(resolved)).tolist():
        problems.add(tbl.problem(int(i), "ResolvedOn", f"a {status[i]} dispute without the date it was settled",
                                 show_value=False, expected="the date it was resolved or rejected"))
    for i in np.flatnonzero((status == DISPUTE_OPEN) & ~np.isnat(resolved)).tolist():
        problems.add(tbl.problem(int(i), "ResolvedOn", "a ResolvedOn on an open dispute", value=resolved[i].item(),
                                 expected="Status Resolved or Rejected, or a blank ResolvedOn"))
    for i in np.flatnonzero(~np.isnat(resolved) & ~np.isnat(raised) & (resolved < raised)).tolist():
        problems.add(tbl.problem(int(i), "ResolvedOn", "resolved before it was raised", value=resolved[i].item(),
                                 expected=f"a date on or after RaisedOn {raised[i].item()}"))
    for i, per in enumerate(f["Period"]):
        if per is not None:
            p, why = cal.parse_period(per, "Month")
            if p is None:
                problems.add(tbl.problem(i, "Period", why, value=per, expected=cal.expected_label("Month")))
    pay = (status == DISPUTE_RESOLVED) & has_amount & ~np.isnat(resolved)
    month = cal.month_index(resolved)
    for i in np.flatnonzero(pay & ((month < 0) | (month >= 12))).tolist():
        problems.add(tbl.problem(int(i), "ResolvedOn", "a resolution paid outside the plan year",
                                 value=resolved[i].item(), expected=f"a date from {cal.start} to {cal.end}"))
    f["PayMonthIndex"] = np.where(pay & (month >= 0) & (month < 12), month, -1).astype(np.int64)


def _shown(x):
    """A typed cell as a message shows it: a date as 2026-01-21 (not 2026-01-21T00:00:00), numpy scalars as Python's."""
    if isinstance(x, np.datetime64):
        if np.isnat(x):
            return None
        day = x.astype("datetime64[D]")
        return day.item() if day == x else x.astype("datetime64[s]").item()
    return x.item() if hasattr(x, "item") else x


def check_holds(tables: dict[str, Table], cal: PlanCalendar, problems: ProblemCollector) -> None:
    """Row checks of Invoices, Payments and Holds; adds Holds[FromMonth] and Holds[ReleaseMonth] (month indexes)."""
    deals, roster = tables.get("Deals"), tables.get("Roster")
    inv, pay, holds = tables.get("Invoices"), tables.get("Payments"), tables.get("Holds")
    d = deals.frame if deals is not None else pd.DataFrame({"DealID": [], "Currency": []})
    if not any(t is not None and len(t.frame) for t in (inv, pay, holds)):
        d = d.iloc[:0]  # no rows to check against the deals: no pass over a million of them
    first = d.drop_duplicates("DealID").set_index("DealID")
    if inv is not None and len(inv.frame):
        f = inv.frame
        known = f["DealID"].isin(first.index).to_numpy()
        for i in np.flatnonzero(~known & f["DealID"].notna().to_numpy()).tolist():
            problems.add(inv.problem(int(i), "DealID", "an invoice for an unknown deal", value=f["DealID"].iloc[i],
                                     expected="a DealID listed in the Deals table"))
        if "Currency" in f:
            cur = f["Currency"].astype(object).where(f["Currency"].notna(), None)
            up = cur.map(lambda c: None if c is None else str(c).strip().upper())  # a handful of invoices' codes
            deal_cur = first["Currency"].reindex(f["DealID"]).to_numpy(dtype=object)
            bad = known & up.notna().to_numpy() & (up.to_numpy(dtype=object) != deal_cur)
            for i in np.flatnonzero(bad).tolist():
                problems.add(inv.problem(int(i), "Currency", f"an invoice in {up.iloc[i]} for a deal in "
                                         f"{deal_cur[i]}", value=f["Currency"].iloc[i],
                                         expected=f"the deal's currency {deal_cur[i]}, or blank"))
    if pay is not None and len(pay.frame):
        f = pay.frame
        inv_amount = (inv.frame.drop_duplicates("InvoiceID").set_index("InvoiceID")["Amount"]
                      if inv is not None else pd.Series(dtype=np.float64))
        known = f["InvoiceID"].isin(inv_amount.index).to_numpy()
        for i in np.flatnonzero(~known & f["InvoiceID"].notna().to_numpy()).tolist():
            problems.add(pay.problem(int(i), "InvoiceID", "a payment for an unknown invoice",
                                     value=f["InvoiceID"].iloc[i],
                                     expected="an InvoiceID listed in the Invoices table"))
        ok = known & f["Amount"].notna().to_numpy() & ~np.isnat(f["PaymentDate"].to_numpy())
        if ok.any():
            rows = np.flatnonzero(ok)
            k = pd.DataFrame({"i": rows, "inv": f["InvoiceID"].to_numpy(dtype=object)[rows],
                              "date": f["PaymentDate"].to_numpy()[rows],
                              "c": to_cents(f["Amount"].to_numpy(dtype=np.float64)[rows])})
            k = k.sort_values(["inv", "date", "i"], kind="mergesort")
            k["cum"] = k.groupby("inv", sort=False)["c"].cumsum()
            cap = to_cents(inv_amount.reindex(k["inv"]).to_numpy(dtype=np.float64))
            over = k[k["cum"].to_numpy() > cap].drop_duplicates("inv")  # the payment that first goes over
            cap_of = dict(zip(k["inv"], cap))
            for r in over.itertuples(index=False):
                problems.add(pay.problem(int(r.i), "Amount", f"with this payment, invoice {r.inv} is paid "
                                         f"{r.cum / 100:,.2f}: more than it was invoiced for",
                                         value=float(f["Amount"].iloc[r.i]),
                                         expected=f"payments of invoice {r.inv} totalling at most its Amount "
                                                  f"{cap_of[r.inv] / 100:,.2f}"))
    if holds is not None:
        _check_hold_rows(holds, set(first.index), roster, cal, problems)


def _check_hold_rows(tbl: Table, deal_ids: set, roster: Table | None, cal: PlanCalendar,
                     problems: ProblemCollector) -> None:
    f = tbl.frame
    n = len(f)
    start = np.full(n, -1, dtype=np.int64)
    end = np.full(n, NOT_RELEASED, dtype=np.int64)
    reps = set(roster.frame["RepID"].dropna()) if roster is not None else set()
    for i, (scope, ident, a, b) in enumerate(zip(f["Scope"], f["ID"], f["HoldFrom"], f["ReleasedIn"])):
        if scope == "Deal" and ident is not None and ident not in deal_ids:
            problems.add(tbl.problem(i, "ID", "a hold on an unknown deal", value=ident,
                                     expected="a DealID listed in the Deals table (Scope Deal)"))
        if scope == "Rep" and ident is not None and ident not in reps:
            problems.add(tbl.problem(i, "ID", "a hold on an unknown rep", value=ident,
                                     expected="a RepID listed in the Roster (Scope Rep)"))
        if a is not None:
            p, why = cal.parse_period(a, "Month")
            if p is None:
                problems.add(tbl.problem(i, "HoldFrom", why, value=a, expected=cal.expected_label("Month")))
            else:
                start[i] = p
        if b is not None:
            p, why = cal.parse_period(b, "Month")
            if p is None:
                problems.add(tbl.problem(i, "ReleasedIn", why, value=b,
                                         expected=cal.expected_label("Month") + ", or blank: still held"))
            else:
                end[i] = p
                if start[i] >= 0 and p < start[i]:
                    problems.add(tbl.problem(i, "ReleasedIn", "released before it was held", value=b,
                                             expected=f"a pay month on or after HoldFrom "
                                                      f"{cal.month_label(int(start[i]))}, or blank"))
    # two holds of one deal or rep may not cover the same month: which reason would its commission be held for?
    ok = (start >= 0) & f["ID"].notna().to_numpy() & f["Scope"].notna().to_numpy()
    seen: dict[tuple, list[int]] = {}
    for i in np.flatnonzero(ok).tolist():
        key = (f["Scope"].iloc[i], f["ID"].iloc[i])
        for j in seen.get(key, []):
            if start[i] < max(end[j], start[j]) and start[j] < max(end[i], start[i]):
                problems.add(tbl.problem(int(i), "HoldFrom", f"{key[0].lower()} {key[1]} is already held in "
                                         f"{cal.month_label(int(start[i]))} by the hold on "
                                         f"{tbl.raw.row_ref(j)}", value=f["HoldFrom"].iloc[i],
                                         expected="a hold starting after the earlier one is released"))
                break
        seen.setdefault(key, []).append(int(i))
    f["FromMonth"] = start
    f["ReleaseMonth"] = end


# -- the engine step ---------------------------------------------------------------------------------------
