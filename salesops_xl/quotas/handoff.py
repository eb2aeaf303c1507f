"""Hand the planned quotas to the commission workbook's ``Quotas`` table.

:func:`build_handoff` reads a quota plan (any TableSource) and the commission
tables it needs (``Settings``, ``Roster``, ``PlanMeasures``, ``Quotas``) from
another source - or the same one - and returns the sheet holding the
commission ``Quotas`` table, rewritten: its rows for the measure and the
people planned here are replaced by the planned quotas (in each rep's
currency and the measure's period type), every other row is kept as it was.
The batch door (:func:`salesops_xl.batch.handoff.write_handoff`) does that on two .xlsx files and writes the commission
workbook atomically, replacing only that sheet. Rules: docs/quotas.md,
"Hand-off to the commission workbook".
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..dates import serial_to_date
from ..errors import Problem, ProblemCollector
from ..periods import PeriodType, PlanCalendar
from ..sheets import SheetSpec
from ..source import TableSource
from ..tables import Table, read_table
from ..words import count
from ..workflows import Progress, WorkflowResult
from .engine import NM
from .inputs import index_of
from .workflow import plan_quotas

# None as a 0-d object array: what np.where makes of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)

#: The period types a commission plan measures quotas by (the hand-off writes these).
_PERIOD_TYPES: tuple[PeriodType, ...] = ("Month", "Quarter")

_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


def _commission_tables(source: TableSource, problems: ProblemCollector) -> dict[str, Table]:
    from ..commissions import schema as CS

    out = {}
    for sch in (CS.SETTINGS, CS.ROSTER, CS.MEASURES, CS.QUOTAS):
        raw = source.read(sch.name)
        if raw is None:
            problems.add(Problem(message=f"the commission workbook has no Excel Table named {sch.name}",
                                 expected=f"the commission workbook's {sch.name} table (salesops-xl schema "
                                          "--kind commissions)", show_value=False, workbook=source.workbook,
                                 table=sch.name))
            continue
        t = read_table(raw, sch, problems)
        if t is not None:
            out[sch.name] = t
    return out


def _plan_year_start(settings: Table, problems: ProblemCollector):
    f = settings.frame
    for i, (k, v) in enumerate(zip(f["Setting"], f["Value"])):
        if k is None or str(k).strip().lower() != "planyearstart":
            continue
        text = "" if v is None else str(v).strip()
        m = _DATE.match(text)
        if m:
            import datetime as dt

            return dt.date(int(m[1]), int(m[2]), 1), i
        if re.fullmatch(r"\d+(\.\d+)?", text):
            d = serial_to_date(np.array([float(text)]), settings.raw.date1904)[0].item()
            return d.replace(day=1), i
        problems.add(settings.problem(i, "Value", "not a date", value=v, expected="a date such as 2026-01-01"))
        return None, i
    problems.add(settings.problem(None, "Setting", "setting PlanYearStart is missing", show_value=False,
                                  expected="a row with Setting = PlanYearStart"))
    return None, None


def _tables_on_sheet(source: TableSource, sheet: str) -> list[str]:
    """Names of the Excel Tables on ``sheet`` (cheaply for a file, by reading them otherwise)."""
    book = getattr(source, "book", None)
    names = source.table_names()
    out = []
    for name in names:
        if book is not None and hasattr(book, "get_table_by_name"):
            s = book.get_table_by_name(name).sheet
        else:
            raw = source.read(name)
            s = raw.sheet if raw is not None else None
        if s == sheet:
            out.append(name)
    return out


def _row_spans(rf: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last day each commission Roster row applies (effective dating within employment).

    A row applies from its EffectiveFrom (blank: the HireDate) to its EffectiveTo, else the day before the
    rep's next row starts, else the TermDate (blank: open-ended, NaT).
    """
    hire = rf["HireDate"].to_numpy().astype("datetime64[D]")
    term = rf["TermDate"].to_numpy().astype("datetime64[D]")
    nat = np.full(len(rf), np.datetime64("NaT"), dtype="datetime64[D]")
    ef = rf["EffectiveFrom"].to_numpy().astype("datetime64[D]") if "EffectiveFrom" in rf else nat
    et = rf["EffectiveTo"].to_numpy().astype("datetime64[D]") if "EffectiveTo" in rf else nat
    start = np.where(np.isnat(ef), hire, np.where(np.isnat(hire) | (ef > hire), ef, hire))
    codes = pd.factorize(rf["RepID"].to_numpy(dtype=object))[0]
    order = np.lexsort((start.astype(np.int64), codes))
    nxt = nat.copy()
    same = codes[order][1:] == codes[order][:-1]
    nxt[order[:-1][same]] = start[order[1:][same]] - np.timedelta64(1, "D")
    end = np.where(~np.isnat(et), et, np.where(~np.isnat(nxt), nxt, term))
    end = np.where(~np.isnat(term) & (np.isnat(end) | (end > term)), term, end)
    return start, end


def build_handoff(quota_source: TableSource, commission_source: TableSource, *, measure: str | None = None,
                  team_measure: str | None = None, progress=None) -> WorkflowResult:
    """The commission Quotas sheet with the planned quotas; raises InputError listing every problem.

    Seats (people without reports) hand their quota to ``measure`` (default QuotaPlan[Measure]); managers hand
    their team target to ``team_measure`` (default QuotaPlan[TeamMeasure]; none: managers are not handed off).
    """
    from ..commissions import schema as CS
    from ..templates import table_block

    say = progress or (lambda stage: None)
    say("reading tables")
    plan = plan_quotas(quota_source, computed_at="")
    inp, ppl = plan.inputs, plan.inputs.people
    n = ppl.n
    measure = (measure or inp.measure or "").strip()
    team_measure = (team_measure if team_measure is not None else (inp.team_measure or "")).strip() or None
    say("computing")
    problems = ProblemCollector()
    ct = _commission_tables(commission_source, problems)
    problems.raise_if_any()
    roster_q = inp.table("QuotaRoster")
    settings, roster, measures, quotas = ct["Settings"], ct["Roster"], ct["PlanMeasures"], ct["Quotas"]
    start, srow = _plan_year_start(settings, problems)
    if start is not None and start != inp.calendar.start:
        problems.add(settings.problem(srow, "Value", f"the commission plan year starts in {start:%Y-%m}, the quota "
                                      f"plan's in {inp.calendar.start:%Y-%m}", value=settings.frame["Value"].iloc[srow],
                                      expected=f"the same plan year as QuotaPlan[PlanYearStart] "
                                               f"({inp.calendar.start.isoformat()})"))
    mf = measures.frame
    known_measures = set(mf["Measure"].dropna())
    for m in [measure] + ([team_measure] if team_measure else []):
        if m not in known_measures:
            problems.add(measures.problem(None, "Measure", f"no plan of the commission workbook has a measure "
                                          f"{m!r}", show_value=False,
                                          expected="one of " + ", ".join(sorted(known_measures))
                                          + " (QuotaPlan[Measure]/[TeamMeasure], or --measure/--team-measure)"))
    problems.raise_if_any()
    leaf = ppl.is_leaf
    is_open = ppl.status == "Open"
    handed = ~is_open & (leaf | (team_measure is not None))  # the people whose quotas go over
    rf = roster.frame.reset_index(drop=True)
    rpos = index_of(ppl.ids, rf["RepID"].to_numpy(dtype=object))
    rp = np.maximum(rpos, 0)
    mine = (rpos >= 0) & handed[rp]
    want = np.where(leaf[rp], measure, team_measure or "").astype(object)
    pairs = pd.MultiIndex.from_arrays([mf["PlanID"].to_numpy(dtype=object), mf["Measure"].to_numpy(dtype=object)])
    k = pairs.get_indexer(pd.MultiIndex.from_arrays([rf["PlanID"].to_numpy(dtype=object), want]))
    holds = mine & (k >= 0)
    ptype_row = np.where(holds, mf["PeriodType"].to_numpy(dtype=object)[np.maximum(k, 0)], None)
    in_roster = np.bincount(rp[rpos >= 0], minlength=n) > 0
    holds_any = np.bincount(rp[holds], minlength=n) > 0
    for i in np.flatnonzero(handed & ~in_roster):
        problems.add(roster_q.problem(int(i), "RepID", f"not in the commission workbook's Roster "
                                      f"({commission_source.workbook})", value=ppl.ids[i],
                                      expected="a RepID of the commission Roster, or Status Open for a seat not "
                                               "hired yet"))
    plans_of = rf.groupby("RepID")["PlanID"].agg(lambda x: ", ".join(sorted(set(map(str, x.dropna())))))
    for i in np.flatnonzero(handed & in_roster & ~holds_any & leaf):
        problems.add(roster_q.problem(int(i), "RepID", f"the rep's commission plan ({plans_of.get(ppl.ids[i], '')})"
                                      f" has no measure {measure}", value=ppl.ids[i],
                                      expected=f"a plan with {measure} in the commission workbook, or another measure "
                                               "(QuotaPlan[Measure] or --measure)"))
    warnings: list[str] = []
    skipped = handed & in_roster & ~holds_any & ~leaf
    if skipped.any():
        who = ppl.ids[skipped].tolist()
        warnings.append(f"no {team_measure} quota written for {', '.join(map(str, who[:5]))}"
                        f"{'...' if len(who) > 5 else ''}: their commission plan has no such measure")
    # currency of the rows that hold the measure
    ccy_row = rf["Currency"].astype(object).str.strip().str.upper().to_numpy(dtype=object)
    bad_ccy = holds & (ccy_row != ppl.currency[rp])
    for i in np.unique(rp[bad_ccy]):
        c = ccy_row[bad_ccy & (rp == i)][0]
        problems.add(roster_q.problem(int(i), "Currency", f"paid in {c} in the commission Roster",
                                      value=ppl.currency[i], expected=f"{c} (with a PlanFXRates rate), the currency "
                                      "the commission engine measures the quota in"))
    # one period type per person and measure
    pt = pd.DataFrame({"p": rp[holds], "t": ptype_row[holds]}).drop_duplicates()
    mixed = pt["p"][pt["p"].duplicated()].unique()
    for i in mixed:
        problems.add(roster_q.problem(int(i), "RepID", "the commission plans of this person measure the quota "
                                      "monthly in one row and quarterly in another", value=ppl.ids[i],
                                      expected="one period type per measure"))
    ptype = np.full(n, None, dtype=object)
    ptype[pt["p"].to_numpy(dtype=np.int64)] = pt["t"].to_numpy(dtype=object)
    # the periods each person holds the measure in, by the commission Roster's rows
    cal = PlanCalendar.create(inp.calendar.start)
    rstart, rend = _row_spans(rf)
    monthly = plan.cents(plan.local_monthly[:n])  # the person's currency, cents
    rows = []
    outside: set[str] = set()
    for pt_name in _PERIOD_TYPES:
        sel_rows = np.flatnonzero(holds & (ptype_row == pt_name))
        people = np.flatnonzero(ptype == pt_name)
        if not len(people):
            continue
        first, last = cal.period_starts_ends(pt_name)
        P = len(first)
        cover = (~np.isnat(rstart[sel_rows])[:, None] & (rstart[sel_rows][:, None] <= last[None, :])) & \
                (np.isnat(rend[sel_rows])[:, None] | (rend[sel_rows][:, None] >= first[None, :]))
        need = np.zeros((n, P), dtype=bool)
        np.logical_or.at(need, rp[sel_rows], cover)
        k = NM // P
        q = monthly.reshape(n, P, k).sum(axis=2)
        labels = np.array(cal.period_labels(pt_name), dtype=object)
        sub_need, sub_q = need[people], q[people]
        for r_, c_ in zip(*np.nonzero(sub_need & (sub_q <= 0))):
            seat = int(people[r_])
            meas = measure if leaf[seat] else team_measure
            problems.add(roster_q.problem(seat, "RepID", f"no {meas} quota above 0 for {labels[c_]}, in which the "
                                          "commission Roster has this person on a plan with it", value=ppl.ids[seat],
                                          expected="a quota above 0 in every such period (check the dates, ramp, "
                                                   "Potential and Ceiling)"))
        extra = ~sub_need & (sub_q > 0)
        outside.update(ppl.ids[people[np.any(extra, axis=1)]].tolist())
        r_idx, c_idx = np.nonzero(sub_need & (sub_q > 0))
        who = people[r_idx]
        rows.append(pd.DataFrame({"RepID": ppl.ids[who], "Measure": np.where(leaf[who], measure, _NONE if team_measure is None else team_measure),
                                  "Period": labels[c_idx], "Quota": sub_q[r_idx, c_idx] / 100.0,
                                  "_o": who * NM + c_idx}))
    problems.raise_if_any()
    if outside:
        who = sorted(outside)
        warnings.append(f"quotas of {', '.join(who[:5])}{'...' if len(who) > 5 else ''} in periods where their "
                        "commission plan does not have the measure were not written")
    say("building sheets")
    # the table keeps the columns it had (an optional column the user does not use is not added)
    cols = [c for c in CS.QUOTAS.column_names if c in quotas.raw.columns or CS.QUOTAS.field(c).required]
    new = pd.concat(rows, ignore_index=True).sort_values("_o", kind="stable").drop(columns="_o") if rows else \
        pd.DataFrame({c: [] for c in ("RepID", "Measure", "Period", "Quota")})
    # scheduled account moves: the account's quota share follows it from its date (moves.py)
    moves_tbl = inp.tables.get("AccountMoves")
    effects = None
    if moves_tbl is not None and len(moves_tbl.frame):
        from .moves import apply_moves

        bounds: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        for pt_name in _PERIOD_TYPES:
            f_, l_ = cal.period_starts_ends(pt_name)
            bounds[pt_name] = (f_, l_, cal.period_labels(pt_name))
        new, effects = apply_moves(moves_tbl, inp.tables.get("AccountPotential"), new.reset_index(drop=True),
                                   measure, dict(zip(ppl.ids.tolist(), ppl.currency.tolist())), bounds, problems)
        if new["EffectiveFrom"].notna().any() and "EffectiveFrom" not in cols:
            cols.append("EffectiveFrom")
    qf = quotas.frame[cols]
    written_people = handed & holds_any
    key_new = set(zip(ppl.ids[written_people & leaf].tolist(), [measure] * int((written_people & leaf).sum())))
    if team_measure:
        mgrs = ppl.ids[written_people & ~leaf].tolist()
        key_new |= set(zip(mgrs, [team_measure] * len(mgrs)))
    kq = pd.MultiIndex.from_arrays([qf["RepID"].to_numpy(dtype=object), qf["Measure"].to_numpy(dtype=object)])
    replace = kq.isin(list(key_new)) if key_new else np.zeros(len(qf), dtype=bool)
    kept = qf[~replace]
    for c in cols:
        if c not in new:
            new[c] = None
    table = pd.concat([kept, new[cols]], ignore_index=True)
    sheet = quotas.raw.sheet or "Quotas"
    others = [t for t in _tables_on_sheet(commission_source, sheet) if t.lower() != "quotas"]
    if others:
        problems.add(Problem(message=f"sheet {sheet!r} also holds the table(s) {', '.join(others)}; the hand-off "
                                     "replaces the whole sheet", show_value=False, workbook=commission_source.workbook,
                             sheet=sheet, table="Quotas",
                             expected="the Quotas table alone on its sheet (move the other tables)"))
        problems.raise_if_any()
    block, vals = table_block(CS.QUOTAS, table, "A1")
    spec = SheetSpec(name=sheet, tables=(block,), freeze="A2", validations=tuple(vals), tab_color="2F75B5")
    sheets = [spec]
    if effects is not None:
        # a workbook holding both halves already has AccountMoves (the quota input, which the commission engine
        # reads too): the sheet then lists the effects only
        there = commission_source.read("AccountMoves") if "accountmoves" in {
            t.lower() for t in commission_source.table_names()} else None
        with_moves = there is None or (there.sheet or "").lower() == MOVES_SHEET.lower()
        assert moves_tbl is not None  # effects come from its moves
        sheets.append(_moves_sheet(moves_tbl.frame, effects, with_moves))
    n_people = int(new["RepID"].nunique()) if len(new) else 0
    open_seats = int((is_open & leaf).sum())
    what = measure + (f" / {team_measure}" if team_measure else "")
    headline = (f"{count(len(new), what + ' quota row')} for {count(n_people, 'person', 'people')} written to "
                f"sheet {sheet!r} of "
                f"{commission_source.workbook} ({int(replace.sum()):,} replaced, {len(kept):,} other rows kept"
                + (f"; {open_seats} open seat{'s' if open_seats != 1 else ''} not handed off" if open_seats else "")
                + ")")
    summary = {"headline": headline, "rows": int(len(new)), "people": n_people, "replaced": int(replace.sum()),
               "kept": int(len(kept)), "open_seats": open_seats, "sheet": sheet, "measure": measure,
               "team_measure": team_measure}
    if effects is not None:
        assert moves_tbl is not None  # effects come from its moves
        summary["account_moves"] = int(len(moves_tbl.frame))
        summary["headline"] = (headline + f"; {count(len(moves_tbl.frame), 'account move')} applied "
                               "(sheet 'Account Moves')")
    return WorkflowResult(sheets=sheets, summary=summary, warnings=warnings, result=table)


#: The sheet of the commission workbook listing the moves and their quota effect for both reps (replaced by
#: every hand-off that has moves).
MOVES_SHEET = "Account Moves"


def _moves_sheet(moves: pd.DataFrame, effects: pd.DataFrame, with_moves: bool = True) -> SheetSpec:
    from ..sheets import Column, TableBlock

    m = moves.reset_index(drop=True)
    mcols = (Column("AccountID", "text"), Column("FromRep", "text"), Column("ToRep", "text"),
             Column("EffectiveDate", "date"), Column("Reason", "text"))
    mdata = {"AccountID": m["AccountID"].to_numpy(object), "FromRep": m["FromRep"].to_numpy(object),
             "ToRep": m["ToRep"].to_numpy(object), "EffectiveDate": m["EffectiveDate"].to_numpy("datetime64[ns]"),
             "Reason": (m["Reason"] if "Reason" in m else pd.Series([None] * len(m))).to_numpy(object)}
    ecols = (Column("AccountID", "text"), Column("RepID", "text"),
             Column("Role", "text", description="From: the rep giving the account; To: the rep receiving it."),
             Column("OtherRep", "text"), Column("EffectiveDate", "date"), Column("Period", "text"),
             Column("AccountQuota", "money", description="The account's quota for the whole period: the home "
                    "seat's quota x account potential / seat potential (negative for the giving rep)."),
             Column("DaysMoved", "int", description="Days of the period from the effective date inclusive."),
             Column("DaysInPeriod", "int"),
             Column("QuotaEffect", "money", description="AccountQuota x DaysMoved / DaysInPeriod, to the cent: "
                    "the change of the period's quota (before proration for leave or hiring)."))
    e = effects.reset_index(drop=True)
    edata = {c.name: (e[c.name].to_numpy("datetime64[ns]") if c.kind == "date" else
                      e[c.name].to_numpy(np.float64) if c.kind == "money" else
                      e[c.name].to_numpy(np.int64) if c.kind == "int" else e[c.name].to_numpy(object))
             for c in ecols}
    start = len(m) + 6 if with_moves else 3  # a blank row between the moves and the effects' title
    moves_block = (TableBlock("AccountMoves", mcols, mdata, anchor="A3"),) if with_moves else ()
    title = ("Scheduled account moves, as handed off from the quota workbook" if with_moves else
             "Scheduled account moves (table AccountMoves on sheet Accounts)")
    return SheetSpec(name=MOVES_SHEET, tables=moves_block + (TableBlock("AccountMoveEffects", ecols, edata,
                                                                        anchor=f"A{start}"),),
                     notes=(("A1", title),
                            (f"A{start - 1}", "Their quota effect, for both reps (docs/quotas.md, Account moves)")),
                     looks=(("A1", "title"), (f"A{start - 1}", "subtitle")), tab_color="2F75B5")


def handoff_quotas(source: TableSource, *, computed_at: str | None = None,
                   progress: Progress | None = None) -> WorkflowResult:
    """For a workbook holding both the quota and the commission tables: rewrite its commission Quotas sheet."""
    return build_handoff(source, source, progress=progress)


