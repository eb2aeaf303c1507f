"""The sheets a commission run writes back: Payouts, Payout Summary, Statement Lines, Dashboard, Run Log."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..cellrefs import col_letters
from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from ..workflows import ResultFrame, RunResults
from .columns import DRAW_COLUMNS, LINE_COLUMN_SPECS, PAYOUT_COLUMNS, SUMMARY_COLUMNS
from .engine import SUMMARY_COMPONENTS, CommissionResult
from .inputs import PAID_SHEET
from .locks import paid_history
from .tiers import earned


def _block(name: str, columns, frame: pd.DataFrame, anchor: str = "A1") -> TableBlock:
    data = {}
    for c in columns:
        v = frame[c.name].to_numpy() if c.name in frame else np.full(len(frame), None, dtype=object)
        if c.kind == "text" and v.dtype != object:
            v = v.astype(object)
        elif c.kind == "money" and v.dtype.kind == "f":
            v = np.round(v, 2)  # credit and quota are shown to the cent (their exact value stays in the engine)
        elif c.kind in ("percent", "rate", "multiple") and v.dtype.kind == "f":
            v = np.round(v, 6)  # ratios to 6 decimals (shown to 0.01%): shorter cells, nothing visible lost
        elif c.kind == "money" and v.dtype == object:
            v = pd.to_numeric(pd.Series(v), errors="coerce").to_numpy()
        data[c.name] = v
    return TableBlock(name=name, columns=tuple(columns), data=data, anchor=anchor)


def payout_curve_frame(result: CommissionResult, step: float = 0.05, top: float = 2.0) -> pd.DataFrame:
    """Payout relative to on-target (payout at 100% attainment = 100%) for each plan measure."""
    a = np.round(np.arange(0.0, top + step / 2, step), 6)
    out = {"Attainment": a}
    for m in result.inputs.measures:
        e = earned(a, 1.0, 1.0, m.tiers, m.method, m.rate_type, m.threshold)
        at_target = earned(np.array([1.0]), 1.0, 1.0, m.tiers, m.method, m.rate_type, m.threshold)[0]
        out[f"{m.plan} {m.measure}"] = e / at_target if at_target > 0 else np.full(len(a), np.nan)
    return pd.DataFrame(out)


def attainment_distribution(result: CommissionResult) -> pd.DataFrame:
    """Number of reps per band of YTD attainment in the last computed period, per measure."""
    p = result.payouts
    if not len(p):
        return pd.DataFrame({"Band": [], "Reps": []})
    last = p.groupby(["RepID", "Measure"], sort=False).tail(1)
    edges = np.round(np.arange(0.0, 2.01, 0.1), 6)
    labels = [f"{int(lo * 100)}-{int(hi * 100)}%" for lo, hi in zip(edges[:-1], edges[1:])] + ["200%+"]
    att = last["AttainmentYTD"].to_numpy()
    k = np.clip(np.searchsorted(edges, np.nan_to_num(att), side="right") - 1, 0, len(labels) - 1)
    out = {"Band": np.array(labels, dtype=object)}
    meas = pd.unique(last["Measure"])
    for m in meas:
        sel = last["Measure"].to_numpy() == m
        out[str(m)] = np.bincount(k[sel], minlength=len(labels)).astype(np.float64)
    return pd.DataFrame(out)


def commission_sheets(result: CommissionResult) -> list[SheetSpec]:
    """The output sheets of a commission run, in the order they appear in the workbook."""
    line_sheets = _statement_line_sheets(result.lines)
    sheets = [
        SheetSpec(name="Payouts", tables=(_block("Payouts", PAYOUT_COLUMNS, result.payouts),), freeze="C2",
                  tab_color="1F4E79"),
        _payout_summary(result),
        *line_sheets,
        _dashboard(result),
        _run_log(result),
        checks_sheet(result, [sh.tables[0].name for sh in line_sheets]),
    ]
    if len(result.draws):
        sheets.insert(len(sheets) - 3, SheetSpec(name="Draws", tables=(_block("DrawBalances", DRAW_COLUMNS,
                                                                                    result.draws),),
                                                     freeze="C2", tab_color="1F4E79"))
    disputes = _disputes_sheet(result)
    if disputes is not None:
        sheets.insert(len(sheets) - 3, disputes)
    held = _held_sheet(result)
    if held is not None:
        sheets.insert(len(sheets) - 3, held)
    history = paid_history(result, result.inputs.locked_through)
    if history:
        blocks, row = [], 1
        for name, cols in (("PaidSummary", SUMMARY_COLUMNS), ("PaidPayouts", PAYOUT_COLUMNS),
                           ("PaidDraws", DRAW_COLUMNS), ("PaidLines", LINE_COLUMN_SPECS)):
            frame = history[name]
            if name == "PaidDraws" and not len(frame):
                continue
            blocks.append(_block(name, cols, frame, anchor=f"A{row}"))
            row += max(len(frame), 1) + 3
        sheets.append(SheetSpec(name=PAID_SHEET, tables=tuple(blocks), tab_color="7F7F7F",
                                notes=()))
    return sheets


#: Status column of Payout Summary: is the month paid (locked by Settings[LockedThrough]) or still open.
STATUS_COLUMN = Column("Status", "text", description="Paid (locked): the month is locked by Settings[LockedThrough] "
                       "and its numbers are kept; Open: recomputed on every recalculation.")
PAID, OPEN = "Paid (locked)", "Open"

#: Totals of Payout Summary per currency (amounts of different currencies are never added together).
COMPONENT_LABELS = {"Commission": "Commission", "SPIFs": "SPIFs", "Bonuses": "Bonuses", "Adjustments": "Adjustments",
                    "PriorPeriodAdjustments": "Prior-period adjustments", "DrawTopUp": "Draw top-ups",
                    "DrawAdvance": "Draw advances", "DrawRecovery": "Draw recoveries", "Total": "Total"}


def locked_months(result: CommissionResult) -> set[str]:
    """Pay months locked (paid) by Settings[LockedThrough]."""
    lt = result.inputs.locked_through
    if lt is None:
        return set()
    return set(result.inputs.calendar.period_labels("Month")[:lt + 1])


def _payout_summary(result: CommissionResult) -> SheetSpec:
    """One row per rep and pay month with its Status (paid / open), then the totals per currency below."""
    summary = result.summary
    locked = locked_months(result)
    frame = summary.assign(Status=np.where(summary["PayMonth"].isin(locked), PAID, OPEN).astype(object))
    main = _block("PayoutSummary", SUMMARY_COLUMNS + (STATUS_COLUMN,), frame)
    tot = result.run.totals
    cols = ((Column("Currency", "text"), Column("Reps", "int"))
            + tuple(Column(COMPONENT_LABELS[c], "money") for c in SUMMARY_COMPONENTS + ("Total",)))
    tframe = tot.rename(columns=COMPONENT_LABELS)
    at = 1 + max(len(summary), 1) + 3
    totals = _block("PayoutSummaryTotals", cols, tframe, anchor=f"A{at}")
    totals = TableBlock(totals.name, totals.columns, totals.data, totals.anchor,
                        total_rows=tuple(range(len(tframe))))
    notes = ((f"A{at - 1}", "Totals per currency (every amount above, added up)"),)
    return SheetSpec(name="Payout Summary", tables=(main, totals), freeze="C2", tab_color="1F4E79", notes=notes,
                     looks=((f"A{at - 1}", "subtitle"),))


#: Sheets a commission recalculation owns besides the main five (removed when a run no longer produces them).
OPTIONAL_SHEETS = ("Draws", "Disputes Summary", "Held Commission", "Paid History")

DISPUTE_COLUMNS = (
    Column("DisputeID", "text"), Column("RepID", "text"), Column("DealID", "text"), Column("Period", "text"),
    Column("RaisedBy", "text"), Column("RaisedOn", "date"), Column("Reason", "text", width=36),
    Column("Status", "text", description="Open disputes first."), Column("Resolution", "text", width=36),
    Column("ResolvedOn", "date"), Column("Amount", "money", description="Paid as a Dispute adjustment line."),
    Column("PaidIn", "text", description="Pay month of the adjustment (blank: nothing paid, or not computed yet)."),
)


def _disputes_sheet(result: CommissionResult) -> SheetSpec | None:
    """Every dispute, open ones first, with where a resolved amount is paid; None without disputes."""
    from .disputes import summary_frame

    frame = summary_frame(result.inputs)
    if not len(frame):
        return None
    n_open = int((frame["Status"] == "Open").sum())
    note = f"{n_open} open dispute{'s' if n_open != 1 else ''} of {len(frame)}"
    return SheetSpec(name="Disputes Summary", tables=(_block("DisputeSummary", DISPUTE_COLUMNS, frame, "A3"),),
                     notes=(("A1", note),), looks=(("A1", "subtitle"),), freeze="C4", tab_color="1F4E79")


HELD_COLUMNS = (
    Column("RepID", "text"), Column("RepName", "text"), Column("Currency", "text"),
    Column("Kind", "text", description="Pay on payment / Pay on invoice (PlanMeasures[PayOn]), or Manual hold (deal) / "
           "Manual hold (rep) (Holds)."),
    Column("DealID", "text"), Column("Measure", "text", description="Blank for a manual hold (every measure)."),
    Column("Reason", "text", width=36), Column("By", "text"),
    Column("HeldSince", "text", description="First pay month something was held."),
    Column("ReleasedIn", "text", description="Pay month of the release (manual holds; blank: still held)."),
    Column("CollectedPct", "percent", description="Share of the deal invoiced or collected to date (at most 100%)."),
    Column("Earned", "money", description="Commission this row covers: earned on the deal for the measure (pay on "
           "collection), or withheld under the hold (manual)."),
    Column("PaidToDate", "money", description="Of Earned, what has been paid (released) to date."),
    Column("Held", "money", description="Earned - PaidToDate: still held at the end of the run."),
)


def _held_sheet(result: CommissionResult) -> SheetSpec | None:
    """Held commission per rep and deal (pay on collection) or per rep and hold; None when nothing was held."""
    frame = result.held
    if frame is None or not len(frame):
        return None
    parts = []
    for cur, g in frame.groupby("Currency", sort=True):
        parts.append(f"{cur} {int(g['Held'].sum()) / 100:,.2f}")
    note = (f"Held at the end of the run: {'; '.join(parts)} (Earned = PaidToDate + Held on every row; "
            "Payouts[HeldToDate] carries it per rep, measure and period)")
    main = _block("HeldCommission", HELD_COLUMNS, frame, "A3")
    tot = frame.groupby("Currency", sort=True)[["Earned", "PaidToDate", "Held"]].sum().reset_index()
    at = 3 + max(len(frame), 1) + 3
    totals = _block("HeldCommissionTotals", (Column("Currency", "text"), Column("Earned", "money"),
                                             Column("PaidToDate", "money"), Column("Held", "money")), tot, f"A{at}")
    totals = TableBlock(totals.name, totals.columns, totals.data, totals.anchor, total_rows=tuple(range(len(tot))))
    notes = (("A1", note), (f"A{at - 1}", "Totals per currency"))
    return SheetSpec(name="Held Commission", tables=(main, totals), notes=notes,
                     looks=tuple((c, "subtitle") for c, _ in notes), freeze="C4", tab_color="1F4E79")


PALETTE = ("1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B", "E377C2", "7F7F7F", "BCBD22", "17BECF")


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


#: Excel holds 1,048,576 rows; statement lines beyond this many go on continuation sheets.
LINES_PER_SHEET = 1_000_000
MAX_CONTINUATION_SHEETS = 20


def continuation_sheet_names() -> list[str]:
    """"Statement Lines 2", "Statement Lines 3"...: owned by recalc, removed when no longer needed."""
    return [f"Statement Lines {k}" for k in range(2, MAX_CONTINUATION_SHEETS + 1)]


def _statement_line_sheets(lines: pd.DataFrame, per_sheet: int | None = None) -> list[SheetSpec]:
    """Statement lines on one sheet, or split over "Statement Lines", "Statement Lines 2"... beyond Excel's rows."""
    per_sheet = per_sheet or LINES_PER_SHEET
    n = len(lines)
    chunks = max(1, -(-n // per_sheet))
    if chunks > MAX_CONTINUATION_SHEETS:
        from ..errors import ComputationError

        raise ComputationError(f"{n:,} statement lines need more than {MAX_CONTINUATION_SHEETS} sheets")
    out = []
    for k in range(chunks):
        part = lines.iloc[k * per_sheet:(k + 1) * per_sheet] if chunks > 1 else lines
        suffix = "" if k == 0 else f" {k + 1}"
        out.append(SheetSpec(name=f"Statement Lines{suffix}",
                             tables=(_block(f"StatementLines{suffix.strip()}", LINE_COLUMN_SPECS, part),),
                             freeze="B2", tab_color="1F4E79"))
    return out


def _dashboard(result: CommissionResult) -> SheetSpec:
    dist = attainment_distribution(result)
    curve = payout_curve_frame(result)
    dist_cols = (Column("Band", "text"),) + tuple(Column(c, "int") for c in dist.columns[1:])
    curve_cols = (Column("Attainment", "percent"),) + tuple(Column(c, "percent") for c in curve.columns[1:])
    t_dist = _block("AttainmentDistribution", dist_cols, dist, anchor="A4")
    curve_anchor = f"{col_letters(len(dist_cols))}4"
    t_curve = _block("PayoutCurves", curve_cols, curve, anchor=curve_anchor)
    chart_col = col_letters(len(dist_cols) + 1 + len(curve_cols))
    charts = (
        ChartSpec(kind="column", title="Attainment distribution (YTD, last period)",
                  series=tuple(SeriesRef(name=c, table="AttainmentDistribution", values=c, categories="Band",
                                         color=_color(i)) for i, c in enumerate(dist.columns[1:])),
                  anchor=f"{chart_col}4", x_title="YTD attainment", y_title="Reps", width_cols=10, height_rows=18),
        ChartSpec(kind="line", title="Payout curves (100% = payout at quota)",
                  series=tuple(SeriesRef(name=c, table="PayoutCurves", values=c, categories="Attainment",
                                         color=_color(i)) for i, c in enumerate(curve.columns[1:])),
                  anchor=f"{chart_col}24", x_title="Attainment", y_title="Payout vs on-target", width_cols=10,
                  height_rows=18, x_format="0%", y_format="0%"),
    )
    run = result.run
    as_of = run.as_of.isoformat() if run.as_of else "end of plan year"
    notes = (("A1", "Commission dashboard"),
             ("A2", f"Plan year from {run.plan_year_start.isoformat()}, computed through {as_of}; "
                    f"{run.counts['Reps']} reps."))  # people, not roster rows
    return SheetSpec(name="Dashboard", tables=(t_dist, t_curve), charts=charts, notes=notes, tab_color="548235")


def _run_log(result: CommissionResult) -> SheetSpec:
    run = result.run
    items = [
        ("Computed at (UTC)", run.computed_at),
        ("Engine version", f"salesops-xl {run.engine_version}"),
        ("Input fingerprint (SHA-256)", run.fingerprint),
        ("Plan year start", run.plan_year_start.isoformat()),
        ("As of", run.as_of.isoformat() if run.as_of else ""),
        ("Months computed", str(run.months_computed)),
        ("Locked (paid) months", _month_range(sorted(locked_months(result))) or "none"),
    ] + [(k, f"{v:,}") for k, v in run.counts.items()]
    items += [(f"Reps paid in {c}", f"{int(n):,}") for c, n in zip(run.totals["Currency"], run.totals["Reps"])]
    log = pd.DataFrame({"Item": [i for i, _ in items], "Value": [v for _, v in items]})
    t_log = _block("RunLog", (Column("Item", "text", width=30), Column("Value", "text", width=70)), log)
    # totals per currency, a column per currency: the components (rows) add up to Total (the last row)
    tot = run.totals
    currencies = [str(c) for c in tot["Currency"]]
    keys = SUMMARY_COMPONENTS + ("Total",)
    tframe = {"Component": np.array([COMPONENT_LABELS[k] for k in keys], dtype=object)}
    for i, cur in enumerate(currencies):
        tframe[cur] = np.array([int(tot[k].iloc[i]) for k in keys], dtype=np.int64)  # cents
    tot_cols = (Column("Component", "text"),) + tuple(Column(c, "money", width=16) for c in currencies)
    start = len(log) + 4
    t_tot = TableBlock("RunTotals", tot_cols, tframe, anchor=f"A{start}", total_rows=(len(keys) - 1,))
    tot = pd.DataFrame({"Component": tframe["Component"]})
    warn = pd.DataFrame({"Warning": run.warnings or ["(none)"]}, dtype=object)
    w_at = start + max(len(tot), 1) + 3
    t_warn = _block("RunWarnings", (Column("Warning", "text", width=30),), warn, anchor=f"A{w_at}")  # text runs on
    notes = ((f"A{start - 1}", "Totals per currency: the components add up to Total"),
             (f"A{w_at - 1}", "Warnings"))
    return SheetSpec(name="Run Log", tables=(t_log, t_tot, t_warn), tab_color="7F7F7F", notes=notes,
                     looks=tuple((c, "subtitle") for c, _ in notes))


def _month_range(months: list[str]) -> str:
    if not months:
        return ""
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"


def checks_sheet(result: CommissionResult, line_tables: list[str]) -> SheetSpec:
    """The tie-out checks: native formulas over the output tables, each with the value salesops-xl computed
    (cached, so a reader that does not compute shows it), a number format and a PASS/FAIL of its own."""
    run = result.run
    summary = result.summary
    lines_sum = "+".join(f"SUM({t}[Amount])" for t in line_tables) or "0"
    rows: list[tuple[str, str, float, str, float]] = []  # label, formula, value, expected formula, expected
    for r in run.totals.itertuples():
        cur = str(r.Currency)
        total = int(r.Total) / 100.0
        rows.append((f"Total payable in {cur}: Payout Summary against the Run Log", f'SUMIFS(PayoutSummary[Total],PayoutSummary[Currency],'
                     f'"{cur}")', total, f'INDEX(RunTotals[{cur}],MATCH("Total",RunTotals[Component],0))', total))
    comp = "+".join(f"SUM(PayoutSummary[{c}])" for c in SUMMARY_COMPONENTS)
    zero = [
        ("Statement lines minus Payout Summary", f"ROUND({lines_sum}-SUM(PayoutSummary[Total]),2)",
         (int(result.lines["Amount"].sum()) - int(summary["Total"].sum())) / 100.0),
        ("Payout Summary: components minus Total", f"ROUND({comp}-SUM(PayoutSummary[Total]),2)",
         (int(summary[list(SUMMARY_COMPONENTS)].to_numpy().sum()) - int(summary["Total"].sum())) / 100.0),
        ("Payouts: Payable minus (EarnedToDate - HeldToDate - PaidBefore)",
         "ROUND(SUM(Payouts[Payable])-SUM(Payouts[EarnedToDate])+SUM(Payouts[HeldToDate])+SUM(Payouts[PaidBefore]),2)",
         (int(result.payouts["Payable"].sum()) - int(result.payouts["EarnedToDate"].sum())
          + int(result.payouts["HeldToDate"].fillna(0).sum()) + int(result.payouts["PaidBefore"].sum())) / 100.0),
        ("Payouts: Commission minus Payable", "ROUND(SUM(PayoutSummary[Commission])-SUM(Payouts[Payable]),2)",
         (int(summary["Commission"].sum()) - int(result.payouts["Payable"].sum())) / 100.0),
    ]
    held = result.held
    if held is not None and len(held):
        zero.append(("Held Commission: Earned minus (PaidToDate + Held)",
                     "ROUND(SUM(HeldCommission[Earned])-SUM(HeldCommission[PaidToDate])-SUM(HeldCommission[Held]),2)",
                     (int(held["Earned"].sum()) - int(held["PaidToDate"].sum()) - int(held["Held"].sum())) / 100.0))
    for label, f, v in zero:
        rows.append((label + " (must be 0)", f, v, "0", 0.0))
    notes = [("A1", "Checks"),
             ("A2", f"Tie-out of the run computed at {run.computed_at} (UTC). Each value is a native formula over"),
             ("A3", "the output tables that Excel recomputes; the value stored with it was computed by salesops-xl."),
             ("A4", "Check"), ("B4", "Value"), ("C4", "Expected"), ("D4", "Result")]
    looks = [("A1", "title"), ("A4", "header"), ("B4", "header"), ("C4", "header"), ("D4", "header")]
    formulas, cached = [], {}
    for k, (label, f, v, ef, ev) in enumerate(rows):
        row = 5 + k
        notes.append((f"A{row}", label))
        formulas += [(f"B{row}", f), (f"C{row}", ef), (f"D{row}", f'IF(ABS(B{row}-C{row})<0.005,"PASS","FAIL")')]
        cached.update({f"B{row}": v, f"C{row}": ev, f"D{row}": "PASS" if abs(v - ev) < 0.005 else "FAIL"})
        looks += [(f"B{row}", "money"), (f"C{row}", "money")]
    end = 5 + len(rows)
    notes.append((f"A{end + 1}", "All checks"))
    formulas.append((f"D{end + 1}", f'IF(COUNTIF(D5:D{end - 1},"PASS")={len(rows)},"PASS","FAIL")'))
    cached[f"D{end + 1}"] = "PASS" if all(cached[f"D{5 + k}"] == "PASS" for k in range(len(rows))) else "FAIL"
    looks += [(f"A{end + 1}", "total"), (f"B{end + 1}", "total"), (f"C{end + 1}", "total"), (f"D{end + 1}", "total")]
    notes += [(f"B{end + 1}", ""), (f"C{end + 1}", "")]
    return SheetSpec(name="Checks", notes=tuple(notes), formulas=tuple(formulas), cached=cached, looks=tuple(looks),
                     col_widths=(("A", 78.0), ("B", 16.0), ("C", 16.0), ("D", 10.0)), tab_color="FFC000",
                     print_landscape=False, print_rows="4:4")




def run_results(result: CommissionResult) -> RunResults:
    """The payouts, payout summary (with its Status) and statement lines of a run, for ``recalc --results``
    (docs/sources.md): each table mirrors its sheet, money held as the engine's cents."""
    from .engine import MONEY_COLUMNS

    summary = result.summary
    locked = locked_months(result)
    summary = summary.assign(Status=np.where(summary["PayMonth"].isin(locked), PAID, OPEN).astype(object))
    cents = frozenset(MONEY_COLUMNS)
    run = result.run
    return RunResults(
        tables=[ResultFrame("payouts", PAYOUT_COLUMNS, result.payouts, cents),
                ResultFrame("payout_summary", SUMMARY_COLUMNS + (STATUS_COLUMN,), summary, cents),
                ResultFrame("statement_lines", LINE_COLUMN_SPECS, result.lines, cents)],
        run={"ComputedAt": str(run.computed_at), "InputFingerprint": str(run.fingerprint),
             "EngineVersion": f"salesops-xl {run.engine_version}"})
