"""The batch door: workflows run on .xlsx/.xlsm files, without Excel.

Each function here is what one ``salesops-xl`` command does; the CLI only
parses arguments and prints. Writes are atomic and replace only the sheets
the workflow owns.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError, WorkbookError
from ..workflows import Progress, WorkflowResult
from ..xlsx.lock import workbook_lock

SUPPORTED = (".xlsx", ".xlsm")


@dataclass
class RecalcReport:
    """What ``recalc`` (or any workflow run on a file) did."""

    source: Path
    output: Path | None  # None: nothing was written (the workflow produced no sheets)
    seconds: float
    summary: dict
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # the sheets written
    removed: list[str] = field(default_factory=list)  # owned sheets of an earlier run that were deleted


def check_path(path: str | Path, *, must_exist: bool = True) -> Path:
    p = Path(path)
    if p.suffix.lower() in (".xls", ".xlsb", ".ods", ".csv"):
        raise WorkbookError(f"{p.name}: {p.suffix} files are not supported; save the workbook as .xlsx or .xlsm")
    if p.suffix.lower() not in SUPPORTED:
        raise WorkbookError(f"{p.name}: expected an .xlsx or .xlsm workbook")
    if must_exist and not p.exists():
        raise WorkbookError(f"{p}: no such file")
    if must_exist and p.is_dir():
        raise WorkbookError(f"{p}: is a folder, expected a workbook file")
    return p


def output_path(src: Path, output: str | Path | None) -> Path:
    """Where a command on ``src`` writes: ``output`` (checked, same extension) or ``src`` itself.

    The path is resolved through symbolic links: writing to a link writes its target (the temporary
    file is made beside the target and renamed onto it, keeping its mode), and the link stays a link.
    """
    if output is None:
        return Path(os.path.realpath(src))
    dest = Path(output)
    if dest.suffix.lower() != src.suffix.lower():  # a wrong request, whatever the workbook: a usage error
        raise UsageError(f"{dest.name}: the output must keep the input's extension ({src.suffix})")
    return Path(os.path.realpath(dest))


def open_source(path: str | Path):
    """An :class:`~salesops_xl.xlsx.reader.XlsxSource` on a checked path."""
    from ..xlsx.reader import XlsxSource

    return XlsxSource(check_path(path))


def run_workflow(path: str | Path, output: str | Path | None = None, *, workflow, progress: Progress | None = None,
                 computed_at: str | None = None, calculate: bool = False, tables=None,
                 results: str | Path | None = None) -> RecalcReport:
    """Run one workflow (a script) on a workbook file and write the sheets it returns, atomically.

    ``workflow(source, *, computed_at=None, progress=None) -> WorkflowResult`` reads the inputs through
    ``source``; only the sheets it returns are replaced (and the stale ones it names removed); every
    other part of the file is copied as is. One writer per workbook at a time (a lock file beside it).
    A workflow that returns no sheets writes nothing when ``output`` is the workbook itself.
    ``calculate``: read the inputs from a copy whose formulas LibreOffice calculated (see
    :mod:`salesops_xl.batch.office`); the outputs still go into the workbook itself.
    ``tables``: table name -> :class:`~salesops_xl.sources.TableSpec`, tables read from those sources instead
    of the workbook. ``results``: a folder or database URL that also gets the run's results
    (:mod:`salesops_xl.batch.results`), written before the workbook; a failure there writes neither.
    """
    from ..xlsx.writer import write_sheets

    t0 = time.perf_counter()
    src = check_path(path)
    dest = output_path(src, output)
    say = progress or (lambda stage: None)
    say("opening workbook")
    written = None
    with workbook_lock(dest), _inputs_of(src, calculate, say) as read_from:
        with _with_tables(open_source(read_from), tables) as source:
            t1 = time.perf_counter()
            res: WorkflowResult = workflow(source, computed_at=computed_at, progress=say)
            read_warnings = source.warnings()  # data left beside input tables that pay nobody
        t2 = time.perf_counter()
        if results is not None:
            say("writing results")
            _write_results(res, results, dest)
        if res.sheets or res.remove or dest != Path(os.path.realpath(src)):
            say("writing workbook")
            write_sheets(src, dest, res.sheets, remove=res.remove)
            written = dest
    t3 = time.perf_counter()
    say("done")
    return RecalcReport(source=src, output=written, seconds=t3 - t0, summary=res.summary,
                        warnings=read_warnings + res.warnings,
                        timings={"open": t1 - t0, "read+compute": t2 - t1, "write": t3 - t2},
                        sheets=[sh.name for sh in res.sheets], removed=list(res.remove))


def _with_tables(source, tables):
    """The workbook's source, with the tables ``tables`` names read from their own sources."""
    if not tables:
        return source
    from ..sources import CompositeSource

    return CompositeSource(source, tables)


def _write_results(res: WorkflowResult, target, dest: Path) -> None:
    from .results import write_results

    if res.results is None:
        raise UsageError("--results: only a commission recalculation has results to write (payouts, payout "
                         "summary, statement lines)")
    write_results(res.results(), target, run_key=dest.name)


@contextlib.contextmanager
def _inputs_of(src: Path, calculate: bool, say):
    """The file to read the inputs from: the workbook, or its copy calculated by LibreOffice."""
    if not calculate:
        yield src
        return
    from .office import calculated_copy

    say("calculating formulas (LibreOffice)")
    with tempfile.TemporaryDirectory(prefix="sxl-calc-") as tmp:
        yield calculated_copy(src, Path(tmp))


def recalc(path: str | Path, output: str | Path | None = None, *, progress: Progress | None = None,
           computed_at: str | None = None, kind: str | None = None, calculate: bool = False, tables=None,
           results: str | Path | None = None, engine=None) -> RecalcReport:
    """Recalculate a workbook's outputs and write them into ``output`` (default: in place).

    The kind of workbook (commissions, quotas...) is recognised from its Excel
    Tables unless ``kind`` names it. Input tables are read, validated (an
    :class:`~salesops_xl.errors.InputError` lists every problem and nothing is
    written), computed, and the workflow's own sheets are replaced; every other
    part of the workbook is copied as is. ``calculate``: formulas without a saved value are calculated by
    LibreOffice first (their cells in the workbook itself are left as they are). ``tables`` (from
    :func:`salesops_xl.sources.table_specs`): input tables read from CSV, Parquet or SQL instead of the
    workbook; ``results``: a folder (Parquet) or database URL (SQL) that also gets the payouts, payout summary
    and statement lines (docs/sources.md). ``engine``: what computes the commissions instead of the
    single-process engine, e.g. :func:`salesops_xl.batch.scale.partitioned_engine` (``recalc --engine
    dask``; docs/scale.md).
    """
    name = Path(path).name

    def workflow(source, **kwargs):
        cap = _kind_of(source, kind, name)
        if engine is not None:
            if cap.name != "commissions":
                from ..errors import UsageError

                raise UsageError(f"{name}: --engine dask runs the commission engine; this is a {cap.name} "
                                 "workbook: leave out --engine")
            kwargs["engine"] = engine
        return cap.workflow(source, **kwargs)

    return run_workflow(path, output, workflow=workflow, progress=progress, computed_at=computed_at,
                        calculate=calculate, tables=tables, results=results)


def _kind_of(source, kind: str | None, name: str):
    """The capability ``kind`` names (refusing a workbook of another kind), or the one its tables show."""
    from .. import capabilities

    if kind is None:
        return capabilities.detect(source.table_names(), name)
    cap = capabilities.get(kind)
    capabilities.check_kind(kind, source.table_names(), name, f"--kind {kind}")
    return cap


def validate(path: str | Path, *, kind: str | None = None, tables=None) -> list[str]:
    """Check a workbook's inputs (and that they compute) without writing anything; return the warnings.
    ``tables``: as for :func:`recalc`."""
    with _with_tables(open_source(path), tables) as source:
        cap = _kind_of(source, kind, Path(path).name)
        warnings = cap.workflow(source).warnings
        return source.warnings() + warnings
