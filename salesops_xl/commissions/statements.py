"""Rep statements: one workbook (and optionally one PDF) per rep, holding only that rep's data.

A statement has a *Statement* sheet (who, plan, currency, the monthly
summary, attainment by period and a chart of it), a *Lines* sheet (every line
of the rep's pay: deals, reversals, true-ups, SPIFs, bonuses, adjustments,
draws, prior-period adjustments) and, when the rep has a draw, a *Draws*
sheet with the balance month by month.

Privacy: nothing of another rep goes in. Team (override) credit is shown per
period and measure without the names, ids or deals of the team members; the
manager's id is left out; document properties carry no names.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from ..tables import object_frame
from .columns import DRAW_COLUMNS, LINE_COLUMN_SPECS
from .engine import LINE_TEAM, LINE_TEAM_REVERSAL, SUMMARY_COMPONENTS, CommissionResult

STATEMENT_SUMMARY = (Column("PayMonth", "text"),) + tuple(Column(c, "money") for c in SUMMARY_COMPONENTS) + (
    Column("Total", "money"),)
ATTAINMENT_COLUMNS = (
    Column("Measure", "text"), Column("Period", "text"), Column("PayMonth", "text"), Column("Credit", "money"),
    Column("Quota", "money"), Column("Attainment", "percent"), Column("AttainmentYTD", "percent"),
    Column("Tier", "text"), Column("EarnedToDate", "money"), Column("Payable", "money"),
)
STATEMENT_LINE_COLUMNS = tuple(c for c in LINE_COLUMN_SPECS if c.name != "RepID")
DRAW_STATEMENT_COLUMNS = tuple(c for c in DRAW_COLUMNS if c.name not in ("RepID", "RepName"))


@dataclass
class StatementsReport:
    folder: Path
    workbooks: list[Path]
    pdfs: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("_") or "rep"


def _anonymise_team(lines: pd.DataFrame) -> pd.DataFrame:
    """Team lines rolled up per month, period, measure and kind, without the members' identities."""
    team = lines["LineType"].isin([LINE_TEAM, LINE_TEAM_REVERSAL])
    if not team.any():
        return lines
    t = lines[team]
    agg = t.groupby(["PayMonth", "Period", "Measure", "LineType"], sort=False).agg(
        Credit=("Credit", "sum"), Amount=("Amount", "sum"), AttainmentFrom=("AttainmentFrom", "min"),
        AttainmentTo=("AttainmentTo", "max"), Tier=("Tier", "first"), n=("Amount", "size")).reset_index()
    agg["Note"] = np.where(agg["LineType"] == LINE_TEAM, "credit of your team", "cancellations in your team")
    with np.errstate(divide="ignore", invalid="ignore"):
        agg["Rate"] = np.where(agg["Credit"] != 0, agg["Amount"] / agg["Credit"], np.nan)
    agg = agg.drop(columns="n")
    for c in lines.columns:
        if c not in agg:
            agg[c] = None if lines[c].dtype == object else (np.datetime64("NaT") if lines[c].dtype.kind == "M"
                                                            else np.nan)
    agg = agg[list(lines.columns)].astype({c: lines[c].dtype for c in ("Amount",)})
    rest = lines[~team]
    cols = {}
    for c in lines.columns:
        v = np.concatenate([rest[c].to_numpy(), agg[c].to_numpy().astype(rest[c].dtype)])
        if v.dtype == object:  # a blank is None under every pandas (pandas 3 fills a None column with NaN)
            v[pd.isna(v)] = None
        cols[c] = v
    out = object_frame(cols)
    order = np.lexsort((np.arange(len(out)), out["PayMonth"].to_numpy().astype(str)))
    return out.iloc[order].reset_index(drop=True)


#: Sheet names of a statement in its own workbook, and inside the commission workbook (the 'Rep statement' script).
STATEMENT_FILE_SHEETS = ("Statement", "Lines", "Draws")
IN_WORKBOOK_SHEETS = ("Rep Statement", "Rep Statement Lines", "Rep Statement Draws")
IN_WORKBOOK_TABLE_PREFIX = "Rep"  # its tables: RepSummary, RepLines...


def statement_sheets(result: CommissionResult, rep_id: str, *, groups=None, names=STATEMENT_FILE_SHEETS,
                     table_prefix: str = "") -> list[SheetSpec]:
    """The sheets of one rep's statement (``names``: the statement, lines and draws sheets)."""
    tp = table_prefix
    pick = (lambda frame, key: frame.iloc[groups[key].get(rep_id, [])] if groups is not None
            else frame[frame["RepID"] == rep_id])
    summary = pick(result.summary, "summary")
    rep_name = summary["RepName"].iloc[-1] if len(summary) else rep_id  # its own rows, not a dict of every rep
    payouts = pick(result.payouts, "payouts")
    lines = _anonymise_team(pick(result.lines, "lines"))
    draws = pick(result.draws, "draws") if len(result.draws) else result.draws
    run = result.run
    currency = summary["Currency"].iloc[0] if len(summary) else ""
    plans = ", ".join(pd.unique(summary["PlanID"].dropna())) if len(summary) else ""
    as_of = run.as_of.isoformat() if run.as_of else "end of plan year"
    notes = (
        ("A1", f"Commission statement: {rep_name} ({rep_id})"),
        ("A2", f"Plan {plans}; amounts in {currency}; plan year from {run.plan_year_start.isoformat()}, "
               f"computed through {as_of} on {run.computed_at[:10]}"),
        ("A3", f"Each line of the {names[1]} sheet says where every amount comes from; the rules are in the plan "
               "documentation (docs/commissions.md)."),
    )
    s_block = _block(f"{tp}Summary", STATEMENT_SUMMARY, summary, "A5")
    a_row = 5 + max(len(summary), 1) + 3
    a_block = _block(f"{tp}Attainment", ATTAINMENT_COLUMNS, payouts, f"A{a_row}")
    # chart data: YTD attainment by period, a column per measure
    piv = _attainment_by_period(payouts)
    charts, blocks = (), [s_block, a_block]
    if len(piv):
        c_cols = (Column("Period", "text"),) + tuple(Column(str(m), "percent") for m in piv.columns[1:])
        c_row = a_row + max(len(payouts), 1) + 3
        c_block = _block(f"{tp}AttainmentByPeriod", c_cols, piv, f"A{c_row}")
        blocks.append(c_block)
        charts = (ChartSpec(kind="line", title="Year-to-date attainment by period",
                            series=tuple(SeriesRef(name=str(m), table=f"{tp}AttainmentByPeriod", values=str(m),
                                                   categories="Period") for m in piv.columns[1:]),
                            anchor="L5", x_title="Period", y_title="Attainment (YTD)", y_format="0%",
                            width_cols=9, height_rows=16),)
    page = dict(print_landscape=True, print_fit_width=True)
    sheets = [SheetSpec(name=names[0], tables=tuple(blocks), charts=charts, notes=notes, tab_color="1F4E79",
                        **page),
              SheetSpec(name=names[1], tables=(_block(f"{tp}Lines", STATEMENT_LINE_COLUMNS, lines),), freeze="A2", **page)]
    if len(draws):
        sheets.append(SheetSpec(name=names[2], tables=(_block(f"{tp}DrawBalance", DRAW_STATEMENT_COLUMNS, draws),),
                                freeze="A2", **page))
    return sheets


def _attainment_by_period(payouts: pd.DataFrame) -> pd.DataFrame:
    """One rep's YTD attainment by period, a column per measure (the statement's chart data).

    Rows sorted by Period, columns by Measure; per cell the last non-blank AttainmentYTD of that period
    and measure; periods and measures without any value left out. (What ``pivot_table(aggfunc="last")``
    gives, built directly: a statement has a few dozen payout rows and pandas' pivot cost more than
    writing the whole file.)
    """
    att = payouts["AttainmentYTD"].to_numpy(dtype=float) if len(payouts) else np.zeros(0)
    keep = ~np.isnan(att) & payouts["Period"].notna().to_numpy() & payouts["Measure"].notna().to_numpy()
    cells: dict[tuple, float] = {}
    for period, measure, a in zip(payouts["Period"].to_numpy()[keep], payouts["Measure"].to_numpy()[keep], att[keep]):
        cells[(period, measure)] = a  # the last one wins
    if not cells:
        return pd.DataFrame()
    periods = sorted({p for p, _ in cells})
    measures = sorted({m for _, m in cells})
    out = {"Period": np.array(periods, dtype=object)}
    for m in measures:
        out[str(m)] = np.array([cells.get((p, m), np.nan) for p in periods], dtype=float)
    return object_frame(out)


def _block(name: str, cols, frame: pd.DataFrame, anchor: str = "A1") -> TableBlock:
    from .outputs import _block as block

    return block(name, cols, frame, anchor)


def _groups(result: CommissionResult) -> dict[str, dict[str, np.ndarray]]:
    """Row positions of each rep in each output frame (one pass, not one filter per rep)."""
    out = {}
    for key, frame in (("summary", result.summary), ("payouts", result.payouts), ("lines", result.lines),
                       ("draws", result.draws)):
        out[key] = {k: v for k, v in frame.groupby("RepID", sort=False).indices.items()} if len(frame) else {}
    return out


def _write_reps(result: CommissionResult, groups, reps, folder) -> list[str]:
    from ..xlsx.writer import write_sheets

    written = []
    for rep in reps:
        path = Path(folder) / f"statement_{_safe(rep)}.xlsx"
        write_sheets(None, path, statement_sheets(result, rep, groups=groups))
        written.append(str(path))
    return written


_WORKER: dict = {}  # in a worker process: the run and its row groups, given once when the process starts


def _init_worker(result: CommissionResult) -> None:
    _WORKER["result"], _WORKER["groups"] = result, _groups(result)


def _write_in_worker(args) -> list[str]:
    reps, folder = args
    return _write_reps(_WORKER["result"], _WORKER["groups"], reps, folder)


def select_reps(result: CommissionResult, reps=None) -> list[str]:
    """The reps to write statements for: every rep of the run, or those of ``reps`` (in the run's order).

    A rep of ``reps`` the run does not hold is an :class:`~salesops_xl.errors.InputError` naming each
    one (with the closest RepIDs, for a typo), raised before anything is written: asking for a
    statement that cannot be made is never a silent zero.
    """
    import difflib

    from ..errors import InputError, Problem

    all_reps = [str(r) for r in pd.unique(result.summary["RepID"])]
    if reps is None:
        return all_reps
    wanted = [str(r) for r in reps]
    have = set(all_reps)
    unknown = [r for r in dict.fromkeys(wanted) if r not in have]
    if unknown:
        roster = set(result.inputs.frame("Roster")["RepID"].astype(str)) if "Roster" in result.inputs.tables \
            else set()
        problems = []
        for r in unknown:
            if r in roster:
                problems.append(Problem(
                    f"rep {r} has nothing computed in this run: no statement to write", show_value=False,
                    expected="a rep whose Roster rows cover the plan year", workbook=result.inputs.workbook,
                    table="Roster", column="RepID"))
                continue
            close = [x for x in all_reps if x.lower() == r.lower()] or \
                difflib.get_close_matches(r, all_reps, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(close)}?)" if close else f" ({len(all_reps):,} in this run)"
            problems.append(Problem("no such rep: no statement to write", value=r,
                                    expected=f"a RepID of the Roster{hint}", workbook=result.inputs.workbook,
                                    table="Roster", column="RepID"))
        raise InputError(problems)
    return [r for r in all_reps if r in set(wanted)]


def write_statements(result: CommissionResult, folder: str | Path, *, reps=None, jobs: int = 1,
                     pdf: bool = False, progress=None) -> StatementsReport:
    """Write one statement workbook per rep into ``folder`` (and PDFs rendered by LibreOffice if ``pdf``).

    ``reps``: only these RepIDs (see :func:`select_reps`: an unknown one is an error, nothing is
    written). ``progress(stage, done, total)`` is called as statements are written ("statements")
    and PDFs rendered ("PDFs").
    """
    import time

    say = progress or (lambda stage, done, total: None)
    reps = select_reps(result, reps)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    say("statements", 0, len(reps))
    paths: list[str] = []
    if jobs > 1 and len(reps) > 50:
        # imported here, not at module level: xlwings Lite (Pyodide) has no _multiprocessing, and its Rep
        # statement script imports this module
        from concurrent.futures import ProcessPoolExecutor

        # the run goes to each worker once (its initializer), then small chunks of reps: progress as they finish
        size = max(10, -(-len(reps) // (jobs * 20)))
        chunks = [reps[i:i + size] for i in range(0, len(reps), size)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(result,)) as pool:
            for part in pool.map(_write_in_worker, [(c, str(folder)) for c in chunks]):
                paths += part
                say("statements", len(paths), len(reps))
    else:
        groups = _groups(result)
        size = max(10, -(-len(reps) // 50))
        for i in range(0, len(reps), size):
            paths += _write_reps(result, groups, reps[i:i + size], str(folder))
            say("statements", len(paths), len(reps))
    report = StatementsReport(folder=folder, workbooks=sorted(Path(p) for p in paths))
    report.seconds["workbooks"] = time.perf_counter() - t0
    if pdf:
        t1 = time.perf_counter()
        report.pdfs = render_pdfs(report.workbooks, folder, jobs=jobs,
                                  progress=lambda done, total: say("PDFs", done, total))
        report.seconds["pdfs"] = time.perf_counter() - t1
    return report


def render_pdfs(workbooks: list[Path], folder: Path, *, jobs: int = 1, batch: int = 200,
                progress=None) -> list[Path]:
    """Render workbooks to PDF with LibreOffice headless (batched: one start-up per `batch` files).

    ``progress(done, total)`` is called about once a second with the PDFs written so far (LibreOffice
    converts a batch file by file; the count is of this run's PDFs in ``folder``). A PDF LibreOffice
    did not write is an error naming it.
    """
    import shutil
    import subprocess
    import tempfile
    import time
    from concurrent.futures import ThreadPoolExecutor, wait

    from ..errors import WorkbookError

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise WorkbookError("rendering PDFs needs LibreOffice (soffice): apt-get install libreoffice-calc")
    chunks = [workbooks[i:i + batch] for i in range(0, len(workbooks), batch)]
    targets = [folder / (p.stem + ".pdf") for p in workbooks]
    say = progress or (lambda done, total: None)
    started = time.time() - 1.0  # file times can lag the clock a little; a PDF older than this is a stale one

    def run(chunk):
        with tempfile.TemporaryDirectory(prefix="sxl-lo-") as prof:
            cmd = [soffice, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless", "--norestore",
                   "--convert-to", "pdf", "--outdir", str(folder)] + [str(p) for p in chunk]
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=60 + 30 * len(chunk))
            if res.returncode != 0:
                raise WorkbookError(f"LibreOffice could not render PDFs: {res.stderr.strip()[:300]}")

    def rendered() -> list[Path]:
        names = {t.name for t in targets}
        with os.scandir(folder) as it:
            fresh = {e.name for e in it if e.name in names and e.stat().st_mtime >= started}
        return [t for t in targets if t.name in fresh]

    say(0, len(targets))
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(chunks)))) as pool:
        futures = [pool.submit(run, c) for c in chunks]
        while wait(futures, timeout=1.0).not_done:
            say(len(rendered()), len(targets))
        for f in futures:
            f.result()  # LibreOffice's own failure first
    done = rendered()
    if len(done) != len(targets):
        missing = sorted(set(targets) - set(done))
        raise WorkbookError(f"LibreOffice wrote {len(done):,} of {len(targets):,} PDFs; missing: "
                            + ", ".join(p.name for p in missing[:5]) + (" ..." if len(missing) > 5 else ""))
    say(len(done), len(targets))
    return targets


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def has_rep_statement(source) -> bool:
    """Whether the workbook holds the Rep Statement sheets (written earlier by the 'Rep statement' script)."""
    summary = f"{IN_WORKBOOK_TABLE_PREFIX}Summary".lower()  # the table statement_sheets names so
    return any(str(n).lower() == summary for n in source.table_names())


def _statement_rep(inputs) -> tuple[str | None, str, int | None]:
    """Settings[StatementRep] if it names a rep of the Roster, else None; and what was found, and its row."""
    roster = set(inputs.frame("Roster")["RepID"].tolist())
    value, row = inputs.statement_rep or (None, None)
    if value is not None and value in roster:
        return value, "", row
    return None, "blank" if value is None else "unknown rep", row


def in_workbook_statement(result: CommissionResult, rep: str) -> tuple[list[SheetSpec], list[str]]:
    """The Rep Statement sheets of ``rep``, and those of the set not produced (no draws): to remove."""
    sheets = statement_sheets(result, rep, names=IN_WORKBOOK_SHEETS, table_prefix=IN_WORKBOOK_TABLE_PREFIX)
    produced = {sh.name for sh in sheets}
    return sheets, [n for n in IN_WORKBOOK_SHEETS if n not in produced]


def refreshed_statement(source, inputs, result: CommissionResult) -> tuple[list[SheetSpec], list[str], list[str]]:
    """For ``recalc``: the Rep Statement sheets again, from this run, if the workbook holds them.

    Returns (sheets, sheets to remove, warnings). A workbook without them gets nothing; one whose
    StatementRep is now blank or unknown keeps its old statement, with a warning saying so.
    """
    if not has_rep_statement(source):
        return [], [], []
    rep, found, _row = _statement_rep(inputs)
    if rep is None:
        return [], [], [f"The Rep Statement sheets were not refreshed and still show an earlier run: "
                         f"Settings[StatementRep] is {found}. Set it to a RepID of the Roster and recalculate, "
                         f"or delete those sheets."]
    sheets, remove = in_workbook_statement(result, rep)
    return sheets, remove, []


def rep_statement_workflow(source, *, computed_at: str | None = None, progress=None):
    """The 'Rep statement' script: the statement of Settings[StatementRep] as sheets of the commission workbook.

    The same sheets as the rep's own statement file (``salesops-xl statements``), named Rep Statement,
    Rep Statement Lines and Rep Statement Draws, with their tables prefixed ``Rep``; computed by the
    same engine run as ``recalc``, so its numbers are the Payouts' numbers. ``recalc`` refreshes these
    sheets when the workbook holds them.
    """
    from ..errors import InputError
    from ..workflows import WorkflowResult
    from .engine import compute
    from .inputs import load_inputs

    say = progress or (lambda stage: None)
    say("reading tables")
    inputs = load_inputs(source)
    rep, found, row = _statement_rep(inputs)
    if rep is None:
        value = inputs.statement_rep[0] if inputs.statement_rep else None
        raise InputError([inputs.tables["Settings"].problem(
            row, "Value" if row is not None else "Setting", f"StatementRep is {found}", value=value,
            show_value=value is not None, expected="a row Setting = StatementRep whose Value is a RepID of the Roster")])
    say("computing")
    result = compute(inputs, computed_at=computed_at)
    say("building sheets")
    sheets, remove = in_workbook_statement(result, rep)
    name = dict(zip(result.summary["RepID"], result.summary["RepName"])).get(rep, rep)
    return WorkflowResult(sheets=sheets, summary={"headline": f"{name} ({rep})", "rep": rep},
                          warnings=result.run.warnings, result=result, remove=remove)
