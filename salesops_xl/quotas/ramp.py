"""The ramp, measured: how fast new hires really reached full productivity in the bookings history.

The rules (docs/quotas.md, "The ramp, measured") in short, over the 12 months of BookingsHistory:

1. A *seat* is a QuotaRoster row with Status Active and no reports (managers and open seats are left
   out). Its tenure month in a history month is the month count from its HireDate (the hire month is
   month 1), as everywhere in the workbook; it counts in the months it is employed.
2. The *tenured benchmark* of a calendar month is the mean bookings of the seats more than
   ``TENURED_AFTER`` (12) months into their tenure in that month. Comparing each new hire with reps of
   the same calendar month keeps seasonality out of the ramp.
3. A new hire's *relative productivity* in a month is its bookings divided by that month's benchmark;
   months without a tenured seat (or a benchmark of 0 or less) are left out.
4. Per tenure month 1-12: the number of new hires behind it, their mean relative productivity and a 95%
   interval for that mean (mean ± t(0.975, n-1) × sd / √n; none with a single rep).
5. The proposal is the isotonic (non-decreasing) fit of those means weighted by the reps behind them
   (scipy's ``isotonic_regression``), kept within 0-100%, rounded to 0.1%; it ends before the first
   tenure month where it reaches 100%, from where RampCurve means 100%. Tenure months after the last
   one with reps behind it are not proposed (the curve ends there).

:func:`measure_ramp` computes it; :func:`ramp_effect` recomputes the quota plan with the proposal to
show what it changes (hires needed, capacity, the quota relief of ramping seats).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .engine import HISTORY_MONTHS, NM, QuotaResult, compute, ramp_matrix
from .inputs import QuotaInputs

TENURED_AFTER = 12  # tenure months: a seat beyond this many months in the month is tenured
MEASURED_MONTHS = 12  # tenure months measured (a 12-month history can show no more)


@dataclass(frozen=True)
class RampMeasurement:
    """Relative productivity by tenure month (index 0 = tenure month 1) and the proposed curve."""

    reps: np.ndarray  # (12,) int: new hires behind each tenure month
    hires: int  # new hires measured (seats with at least one month counted)
    relative: np.ndarray  # (12,) float: mean relative productivity, NaN where no rep
    low: np.ndarray  # (12,) float: 95% interval, NaN where fewer than 2 reps
    high: np.ndarray
    fitted: np.ndarray  # (12,) float: isotonic fit within [0, 1], NaN where no rep
    benchmark: np.ndarray  # (12,) float: tenured mean bookings per history month, NaN where none
    tenured: np.ndarray  # (12,) int: tenured seats per history month
    proposal: np.ndarray  # the proposed RampCurve: Pct of tenure months 1..len (100% after)
    assumed: np.ndarray  # RampCurve as it is (100% after)
    warnings: tuple[str, ...] = ()


def _pct(curve: np.ndarray, k: int) -> float:
    return float(curve[k]) if k < len(curve) else 1.0


def measure_ramp(inp: QuotaInputs) -> RampMeasurement:
    """Measure the ramp of the history's new hires against tenured seats of the same months (rules above)."""
    from scipy import stats
    from scipy.optimize import isotonic_regression

    ppl = inp.people
    seat = ppl.is_leaf & (ppl.status == "Active") & ~np.isnat(ppl.hire)
    active, tenure, _ = ramp_matrix(ppl.hire_mi, ppl.term_mi, HISTORY_MONTHS, inp.ramp)
    active &= seat[:, None]
    book = inp.bookings
    ten = active & (tenure > TENURED_AFTER)
    n_ten = ten.sum(axis=0)
    bench = np.divide(np.where(ten, book, 0.0).sum(axis=0), n_ten, out=np.full(NM, np.nan), where=n_ten > 0)
    usable = np.isfinite(bench) & (bench > 0)
    new = active & (tenure >= 1) & (tenure <= MEASURED_MONTHS) & usable[None, :]
    rel = np.divide(book, bench[None, :], out=np.zeros_like(book), where=new)
    k = tenure[new] - 1  # tenure month index of each new-hire month
    r = rel[new]
    reps = np.bincount(k, minlength=MEASURED_MONTHS).astype(np.int64)
    s1 = np.bincount(k, weights=r, minlength=MEASURED_MONTHS)
    s2 = np.bincount(k, weights=r * r, minlength=MEASURED_MONTHS)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(reps > 0, s1 / np.maximum(reps, 1), np.nan)
        var = np.where(reps > 1, (s2 - reps * mean * mean) / np.maximum(reps - 1, 1), np.nan)
        half = stats.t.ppf(0.975, np.maximum(reps - 1, 1)) * np.sqrt(np.maximum(var, 0.0)) / np.sqrt(reps)
    half = np.where(reps > 1, half, np.nan)
    have = np.flatnonzero(reps > 0)
    fitted = np.full(MEASURED_MONTHS, np.nan)
    warnings = []
    if len(have):
        fit = isotonic_regression(mean[have], weights=reps[have].astype(float), increasing=True).x
        fitted[have] = np.clip(fit, 0.0, 1.0)
    last = int(have[-1]) + 1 if len(have) else 0
    missing = [m + 1 for m in range(last) if reps[m] == 0]
    if not len(have):
        warnings.append("no new hire has bookings in the history window next to tenured reps of the same month: "
                        "nothing to measure, RampCurve is left as it is")
    if missing:
        warnings.append("tenure month " + ", ".join(str(m) for m in missing) + (" has" if len(missing) == 1 else
                        " have") + " no rep behind it: the proposal takes the next measured month's value there")
    if last and last < MEASURED_MONTHS:
        warnings.append(f"the history shows new hires up to tenure month {last} only: the proposal ends there "
                        f"(RampCurve means 100% after its last row)")
    # the proposal: the fit up to the last measured month, gaps filled from the next measured month
    backwards: list[float] = []
    nxt = np.nan
    for m in range(last - 1, -1, -1):
        if reps[m] > 0:
            nxt = float(fitted[m])
        backwards.append(nxt)
    prop = np.round(np.array(backwards[::-1], dtype=float), 3)
    full = np.flatnonzero(prop >= 1.0)
    if len(full):
        prop = prop[:full[0]]
    assumed = np.asarray(inp.ramp, dtype=float)
    return RampMeasurement(reps=reps, hires=int(new.any(axis=1).sum()), relative=mean, low=mean - half, high=mean + half, fitted=fitted,
                           benchmark=bench, tenured=n_ten.astype(np.int64), proposal=prop, assumed=assumed,
                           warnings=tuple(warnings))


def ramp_relief(r: QuotaResult) -> float:
    """Expected bookings not asked of ramping seats in the plan year: Σ u_m × (employed − ramp), in currency.

    u_m is a ramped rep's expected bookings in month m (Productivity × ExpectedAttainment × seasonal
    index / 12); the sum runs over seats (current and open) and months of the plan year.
    """
    inp = r.inputs
    ca = inp.capacity
    u = ca.productivity * ca.attainment * r.season / NM
    leaf = inp.people.is_leaf
    gap = (r.active.astype(float) - r.ramp)[leaf]
    return float((gap * u[None, :]).sum())


def ramp_effect(inp: QuotaInputs, proposal: np.ndarray, *, computed_at: str | None = None) -> pd.DataFrame:
    """The capacity plan's key figures with RampCurve as it is and with the proposal, and the change."""
    before = compute(inp, computed_at=computed_at)
    after = compute(replace(inp, ramp=np.asarray(proposal, dtype=float)), computed_at=computed_at)
    items = ["Current team capacity", "Open requisitions capacity", "New hires planned", "New hires capacity",
             "Gap left uncovered", "Coverage"]

    def figures(res: QuotaResult) -> list[float]:
        s = res.capacity.summary.set_index("Item")["Value"]
        return [float(s[i]) for i in items] + [ramp_relief(res)]

    a, b = figures(before), figures(after)
    names = items + ["Quota relief of ramping seats"]
    return pd.DataFrame({"Item": np.array(names, dtype=object), "Assumed": a, "Measured": b,
                         "Change": np.array(b) - np.array(a)})


# -- the Ramp sheet and the --apply hand-over to RampCurve ---------------------------------------

RAMP_SHEET = "Ramp"


def curve_text(curve) -> str:
    """A curve as one line of text for the log: '1: 25.0%, 2: 50.0%, 3: 75.0%; 100% after'."""
    if not len(curve):
        return "100% from the start"
    return ", ".join(f"{k + 1}: {100 * float(p):.1f}%" for k, p in enumerate(curve)) + "; 100% after"


def _read_log(source) -> list[tuple[str, str, str]]:
    raw = source.read("RampCurveLog")
    if raw is None or not {"AppliedAt", "Previous", "Applied"} <= set(raw.columns):
        return []
    def text(v) -> str:
        return "" if v is None else str(v)

    return [(text(at), text(prev), text(applied))
            for at, prev, applied in zip(raw.data["AppliedAt"], raw.data["Previous"], raw.data["Applied"])
            if at is not None and str(at).strip()]  # an empty log keeps one blank row


def _log_column(log: list[tuple[str, str, str]], k: int) -> np.ndarray:
    """Field k of every log entry, or one blank row for an empty log."""
    values: list[str | None] = [r[k] for r in log]
    return np.array(values or [None], dtype=object)


def ramp_sheet(inp: QuotaInputs, m: RampMeasurement, effect: pd.DataFrame, log: list[tuple[str, str, str]]):
    from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock

    months = np.arange(1, MEASURED_MONTHS + 1)
    prop = np.array([_pct(m.proposal, k) for k in range(MEASURED_MONTHS)])  # RampCurve means 100% after
    assumed = np.array([_pct(m.assumed, k) for k in range(MEASURED_MONTHS)])
    pct = lambda name: Column(name, "percent", width=12)  # noqa: E731
    measured = TableBlock("RampMeasured", (
        Column("TenureMonth", "int", width=30), Column("Reps", "int", width=12), pct("Relative"), pct("Low95"),
        pct("High95"), pct("Fitted"), pct("Proposed"), pct("Assumed")), {
        "TenureMonth": months, "Reps": m.reps, "Relative": np.round(m.relative, 6), "Low95": np.round(m.low, 6),
        "High95": np.round(m.high, 6), "Fitted": np.round(m.fitted, 6), "Proposed": prop, "Assumed": assumed},
        anchor="A5")
    hcal = inp.history_calendar
    bench = TableBlock("RampBenchmark", (Column("Month", "text", width=12), Column("TenuredSeats", "int", width=12),
                                         Column("TenuredMeanBookings", "money", width=12)), {
        "Month": np.array([hcal.month_label(i) for i in range(NM)], dtype=object), "TenuredSeats": m.tenured,
        "TenuredMeanBookings": np.round(m.benchmark, 2)}, anchor="F20")
    eff = TableBlock("RampEffect", (Column("Item", "text", width=30), Column("Assumed", "number", width=12),
                                    Column("Measured", "number", width=12), Column("Change", "number", width=12)), {
        "Item": effect["Item"].to_numpy(dtype=object), "Assumed": np.round(effect["Assumed"].to_numpy(), 4),
        "Measured": np.round(effect["Measured"].to_numpy(), 4), "Change": np.round(effect["Change"].to_numpy(), 4)},
        anchor="A20")
    logb = TableBlock("RampCurveLog", (Column("AppliedAt", "text", width=22), Column("Previous", "text", width=40),
                                       Column("Applied", "text", width=40)), {
        "AppliedAt": _log_column(log, 0), "Previous": _log_column(log, 1), "Applied": _log_column(log, 2)},
        anchor="J22")
    chart = ChartSpec(kind="line", title="New hires' bookings by month of tenure (tenured reps = 100%)",
                      series=(SeriesRef("Measured", "RampMeasured", "Relative", "TenureMonth", color="A5A5A5"),
                              SeriesRef("Proposed", "RampMeasured", "Proposed", "TenureMonth", color="1F4E79"),
                              SeriesRef("Assumed (RampCurve)", "RampMeasured", "Assumed", "TenureMonth",
                                        color="C00000")),
                      anchor="J5", x_title="Month of tenure", y_title="Share of a tenured rep's bookings",
                      y_format="0%", width_cols=2, height_rows=16)
    notes = (("A1", "The ramp, measured: bookings of new hires relative to tenured reps of the same months"),
             ("A2", f"Proposed RampCurve: {curve_text(m.proposal)}.  Assumed today: {curve_text(m.assumed)}."),
             ("A3", "salesops-xl quotas ramp WORKBOOK --apply copies the proposal into RampCurve (the only input "
                    "table it changes); the rules: docs/quotas.md, 'The ramp, measured'."))
    return SheetSpec(name=RAMP_SHEET, tables=(measured, bench, eff, logb), charts=(chart,), notes=notes,
                     freeze=None, tab_color="548235", print_landscape=True, print_fit_width=True)


def _ramp_input_sheet(source, proposal: np.ndarray):
    """The sheet holding RampCurve, rewritten with the proposal; the other tables on it as they are."""
    from ..cellrefs import col_letters
    from ..errors import WorkbookError
    from ..sheets import SheetSpec
    from ..templates import table_block
    from . import schema as S

    raw = source.read("RampCurve")
    if raw is None:
        raise WorkbookError(f"{source.workbook}: there is no RampCurve table to apply the proposal to; add one "
                            "(salesops-xl schema --kind quotas shows its columns) or copy the Proposed column by hand")
    schemas = {s.name.lower(): s for s in S.INPUT_TABLES}
    blocks, vals = [], []
    for name in source.table_names():
        other = source.read(name) if name.lower() != "rampcurve" else raw
        if other is None or other.sheet != raw.sheet:
            continue
        sch = schemas.get(name.lower())
        if sch is None:
            raise WorkbookError(f"{source.workbook}: sheet {raw.sheet!r} holds table {name} besides RampCurve; "
                                "--apply rewrites that sheet, so move RampCurve to a sheet of its own first")
        anchor = f"{col_letters(other.first_col)}{other.header_row}"
        if sch.name == "RampCurve":
            frame = pd.DataFrame({"Month": np.arange(1, len(proposal) + 1), "Pct": np.asarray(proposal, float)})
        else:
            frame = pd.DataFrame({c: list(other.data[c]) for c in other.columns if c in sch.column_names})
        b, v = table_block(sch, frame, anchor)
        blocks.append(b)
        vals += v
    return SheetSpec(name=raw.sheet, tables=tuple(blocks), validations=tuple(vals), tab_color="2F75B5")


def ramp_workflow(source, *, apply: bool = False, computed_at: str | None = None, progress=None):
    """``salesops-xl quotas ramp``: the Ramp sheet; with ``apply``, RampCurve replaced by the proposal."""
    import datetime as _dt

    from ..workflows import WorkflowResult
    from .inputs import load_inputs

    say = progress or (lambda stage: None)
    say("reading tables")
    inp = load_inputs(source)
    say("computing")
    m = measure_ramp(inp)
    effect = ramp_effect(inp, m.proposal, computed_at=computed_at)
    log = _read_log(source)
    sheets = []
    applied = apply and bool(m.reps.any())
    if applied:
        at = computed_at or _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
        log = log + [(at, curve_text(m.assumed), curve_text(m.proposal))]
        sheets.append(_ramp_input_sheet(source, m.proposal))
    sheets.insert(0, ramp_sheet(inp, m, effect, log))
    warnings = list(m.warnings)
    if apply and not applied:
        warnings.append("nothing was measured, so RampCurve was not changed")
    hires = effect.set_index("Item")["Change"]["New hires planned"]
    headline = (f"ramp measured on {m.hires} new hires; proposed "
                f"{curve_text(m.proposal)}; new hires planned {hires:+.0f} with it"
                + ("; RampCurve replaced (the old curve is in RampCurveLog)" if applied else ""))
    return WorkflowResult(sheets=sheets, summary={"headline": headline}, warnings=warnings, result=m)
