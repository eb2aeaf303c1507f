"""Statement files: one workbook per rep written into a folder, in parallel processes, and their PDFs.

The batch door's half of ``salesops-xl statements``: :mod:`salesops_xl.commissions.statements` lays out a rep's
statement (sheets, in memory); this module writes them to files and has LibreOffice render them to PDF.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..commissions.engine import CommissionResult
from ..commissions.statements import rep_rows, select_reps, statement_file_stem, statement_sheets
from ..errors import WorkbookError
from ..xlsx.writer import write_sheets
from .office import soffice


@dataclass
class StatementsReport:
    folder: Path
    workbooks: list[Path]
    pdfs: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _write_reps(result: CommissionResult, groups, reps, folder) -> list[str]:
    written = []
    for rep in reps:
        path = Path(folder) / f"{statement_file_stem(rep)}.xlsx"
        write_sheets(None, path, statement_sheets(result, rep, groups=groups))
        written.append(str(path))
    return written


_WORKER: dict = {}  # in a worker process: the run and its row groups, given once when the process starts


def _init_worker(result: CommissionResult) -> None:
    _WORKER["result"], _WORKER["groups"] = result, rep_rows(result)


def _write_in_worker(args) -> list[str]:
    reps, folder = args
    return _write_reps(_WORKER["result"], _WORKER["groups"], reps, folder)


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
        from concurrent.futures import ProcessPoolExecutor

        # the run goes to each worker once (its initializer), then small chunks of reps: progress as they finish
        size = max(10, -(-len(reps) // (jobs * 20)))
        chunks = [reps[i:i + size] for i in range(0, len(reps), size)]
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(result,)) as pool:
            for part in pool.map(_write_in_worker, [(c, str(folder)) for c in chunks]):
                paths += part
                say("statements", len(paths), len(reps))
    else:
        groups = rep_rows(result)
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
    import subprocess
    import tempfile
    import time
    from concurrent.futures import ThreadPoolExecutor, wait

    exe = soffice()
    if exe is None:
        raise WorkbookError("rendering PDFs needs LibreOffice (soffice): apt-get install libreoffice-calc")
    chunks = [workbooks[i:i + batch] for i in range(0, len(workbooks), batch)]
    targets = [folder / (p.stem + ".pdf") for p in workbooks]
    say = progress or (lambda done, total: None)
    started = time.time() - 1.0  # file times can lag the clock a little; a PDF older than this is a stale one

    def run(chunk):
        with tempfile.TemporaryDirectory(prefix="sxl-lo-") as prof:
            cmd = [exe, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless", "--norestore",
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
