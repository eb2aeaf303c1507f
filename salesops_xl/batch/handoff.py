"""Hand-offs between workbooks: read one workbook, rewrite input sheets of another (the batch door's half).

``salesops-xl quotas handoff`` (quotas into the commission workbook's Quotas table) and ``salesops-xl budget
from-quotas`` / ``from-commissions`` (into the budget's Headcount and Actuals) each have a pure builder in their
capability, ``build(source, dest) -> WorkflowResult`` with the sheets to rewrite; :func:`write_handoff` opens
the two files, runs it, and writes the sheets into the destination under its lock, atomically.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..source import TableSource
from ..workflows import WorkflowResult
from ..xlsx.lock import workbook_lock
from ..xlsx.writer import write_sheets
from . import check_path, open_source, output_path


@dataclass
class HandoffReport:
    source: Path  # the workbook read (never written)
    dest: Path  # the workbook whose input sheets the hand-off rewrites
    output: Path | None  # where they were written; None: dry run
    seconds: float
    summary: dict
    warnings: list[str] = field(default_factory=list)


def write_handoff(build: Callable[[TableSource, TableSource], WorkflowResult], source_path: str | Path,
                  dest_path: str | Path, *, output: str | Path | None = None, dry_run: bool = False) -> HandoffReport:
    """Read SOURCE and DEST, ``build(source, dest)``, and write the sheets it returns into DEST.

    ``output`` (default: DEST itself) receives DEST with only those sheets replaced; the write is atomic and
    holds DEST's lock, as ``salesops-xl recalc`` does. ``dry_run`` checks everything and writes nothing.
    """
    t0 = time.perf_counter()
    dest = check_path(dest_path)
    out = output_path(dest, output)
    with workbook_lock(out):  # one writer per workbook
        with open_source(source_path) as src, open_source(dest) as dst:
            res = build(src, dst)
        if not dry_run:
            write_sheets(dest, out, res.sheets)
    return HandoffReport(source=Path(source_path), dest=dest, output=None if dry_run else out,
                         seconds=time.perf_counter() - t0, summary=res.summary, warnings=res.warnings)
