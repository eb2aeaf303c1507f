"""The sheets a commission run writes back: Payouts, Payout Summary, Statement Lines, Dashboard, Run Log."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from .columns import DRAW_COLUMNS, LINE_COLUMN_SPECS, PAYOUT_COLUMNS, SUMMARY_COLUMNS
from .engine import CommissionResult
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
    run = result.run
    sheets = [
        SheetSpec(name="Payouts", tables=(_block("Payouts", PAYOUT_COLUMNS, result.payouts),), freeze="C2",
                  tab_color="1F4E79"),
        SheetSpec(name="Payout Summary", tables=(_block("PayoutSummary", SUMMARY_COLUMNS, result.summary),),
                  freeze="C2", tab_color="1F4E79"),
        *_statement_line_sheets(result.lines),
        _dashboard(result),
        _run_log(result),
    ]
    if len(result.draws):
        sheets.insert(len(sheets) - 2, SheetSpec(name="Draws", tables=(_block("DrawBalances", DRAW_COLUMNS,
                                                                                    result.draws),),
                                                     freeze="C2", tab_color="1F4E79"))
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


#: Sheets a commission recalculation owns besides the main five (removed when a run no longer produces them).
OPTIONAL_SHEETS = ("Draws", "Paid History")


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
    curve_anchor = f"{_col(len(dist_cols) + 1)}4"
    t_curve = _block("PayoutCurves", curve_cols, curve, anchor=curve_anchor)
    chart_col = _col(len(dist_cols) + 1 + len(curve_cols) + 1)
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
                    f"{run.counts['Reps']} reps."))
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
    ] + [(k, str(v)) for k, v in run.counts.items()]
    log = pd.DataFrame({"Item": [i for i, _ in items], "Value": [v for _, v in items]})
    t_log = _block("RunLog", (Column("Item", "text", width=30), Column("Value", "text", width=70)), log)
    tot = run.totals
    tot_cols = (Column("Currency", "text"), Column("Commission", "money"), Column("Adjustments", "money"),
                Column("Total", "money"))
    start = len(log) + 3
    t_tot = _block("RunTotals", tot_cols, tot, anchor=f"A{start}")
    warn = pd.DataFrame({"Warning": run.warnings or ["(none)"]}, dtype=object)
    t_warn = _block("RunWarnings", (Column("Warning", "text", width=100),), warn,
                    anchor=f"A{start + max(len(tot), 1) + 3}")
    return SheetSpec(name="Run Log", tables=(t_log, t_tot, t_warn), tab_color="7F7F7F")


def _col(n: int) -> str:
    """1-based column number -> letters."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s
