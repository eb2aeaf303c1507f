"""The batch door for the territory workflows: run one of them on an .xlsx/.xlsm file.

``salesops-xl recalc`` runs :func:`~salesops_xl.territories.workflow.recalc_territories` through the shared
:func:`salesops_xl.batch.recalc`; ``salesops-xl territories align`` / ``leads`` run the single-half workflows
through :func:`run_workflow`, which does the same (atomic write of the workflow's own sheets only).
"""
from __future__ import annotations

import time
from pathlib import Path

from ..batch import RecalcReport, check_path, open_source
from ..errors import WorkbookError


def run_workflow(workflow, path: str | Path, output: str | Path | None = None, *, progress=None,
                 computed_at: str | None = None) -> RecalcReport:
    """Run ``workflow`` on the workbook at ``path`` and write its sheets into ``output`` (default: in place)."""
    from ..xlsx.writer import write_sheets

    t0 = time.perf_counter()
    src = check_path(path)
    dest = check_path(output, must_exist=False) if output is not None else src
    if dest.suffix.lower() != src.suffix.lower():
        raise WorkbookError(f"{dest.name}: the output must keep the input's extension ({src.suffix})")
    say = progress or (lambda stage: None)
    say("opening workbook")
    with open_source(src) as source:
        t1 = time.perf_counter()
        res = workflow(source, computed_at=computed_at, progress=say)
    t2 = time.perf_counter()
    say("writing workbook")
    write_sheets(src, dest, res.sheets)
    t3 = time.perf_counter()
    say("done")
    return RecalcReport(source=src, output=dest, seconds=t3 - t0, summary=res.summary, warnings=res.warnings,
                        timings={"open": t1 - t0, "read+compute": t2 - t1, "write": t3 - t2})
