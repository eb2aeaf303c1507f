"""Scripts: the workflows an analyst runs from Excel (ribbon buttons, xlwings Lite scripts) or a terminal.

Every script is a :class:`~salesops_xl.capabilities.ScriptSpec` of the capability registry (each
capability's recalculation and its other workflows), plus two add-in scripts that work on any
kind of workbook: ``addin.recalc`` (recognise the kind from the tables, recalculate) and
``addin.validate`` (check the inputs, write nothing). A script reads every input first, computes
with the engine, and returns the sheets to write once; the same script runs on

* a workbook open in Excel: :func:`run_on_book` (desktop: the ribbon calls :func:`run_tag`;
  xlwings Lite: the ``@script`` functions of ``addin/lite/main.py`` call :func:`run_in_excel`);
* a file, without Excel: :func:`run_on_file` (``salesops-xl run SCRIPT_ID WORKBOOK``), through
  the batch door of ``salesops-xl recalc``.
"""
from __future__ import annotations

import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from ..capabilities import Capability, ScriptSpec, all_capabilities, detect
from ..errors import InputError, SalesopsError, WorkbookError
from ..workflows import Progress, WorkflowResult

#: What a script id may contain: it becomes a ribbon tag, a Python identifier and part of a RunPython call.
SCRIPT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")


def _recalc_any(source, *, computed_at: str | None = None, progress: Progress | None = None) -> WorkflowResult:
    cap = detect(source.table_names(), source.workbook)
    return cap.workflow(source, computed_at=computed_at, progress=progress)


def _validate_any(source, *, computed_at: str | None = None, progress: Progress | None = None) -> WorkflowResult:
    cap = detect(source.table_names(), source.workbook)
    res = cap.workflow(source, computed_at=computed_at, progress=progress)
    n = len(res.warnings)
    headline = f"the inputs of this {cap.title.lower()} are valid" + (f"; {n} warning{'s' if n != 1 else ''}" if n else "")
    return WorkflowResult(sheets=[], summary={"headline": headline, "kind": cap.name}, warnings=res.warnings)


#: Scripts of the add-in itself, for any kind of workbook (the ribbon's "Workbook" group).
ADDIN_SCRIPTS: tuple[ScriptSpec, ...] = (
    ScriptSpec(id="addin.recalc", label="Recalculate workbook", run=_recalc_any, icon="CalculateSheet",
               description="Recognise the kind of workbook from its Excel Tables and recalculate its result sheets"),
    ScriptSpec(id="addin.validate", label="Check inputs", run=_validate_any, icon="DataValidation",
               description="Check every input table and list each problem with its sheet, row and column; "
                           "write nothing"),
)

ADDIN_GROUP = ("addin", "Workbook")


_LOAD_FAILURES: dict[str, str] = {}


def capabilities() -> list[Capability]:
    """The registry's capabilities; if one cannot be imported, all the others.

    In Excel a capability that fails to load (e.g. it imports a package xlwings Lite does not have)
    must not take every other button away: its failure is kept (:func:`load_failures`) and named
    when one of its scripts is asked for.
    """
    try:
        caps = all_capabilities()
        _LOAD_FAILURES.clear()
        return caps
    except Exception:
        pass
    import importlib
    import importlib.util
    import pkgutil

    import salesops_xl

    found = []
    _LOAD_FAILURES.clear()
    for mod in pkgutil.iter_modules(salesops_xl.__path__):
        if not mod.ispkg:
            continue
        name = f"salesops_xl.{mod.name}.capability"
        try:
            if importlib.util.find_spec(name) is None:
                continue
            found.append(importlib.import_module(name).CAPABILITY)
        except Exception as e:
            _LOAD_FAILURES[mod.name] = f"{type(e).__name__}: {e}"
    return sorted(found, key=lambda c: (c.order, c.name))


def load_failures() -> dict[str, str]:
    """Capabilities the last :func:`capabilities` call could not load: name -> why."""
    return dict(_LOAD_FAILURES)


def script_groups(*, strict: bool = False) -> list[tuple[str, str, list[ScriptSpec]]]:
    """(group id, label, scripts): the add-in's own group, then one group per capability, in registry order.

    ``strict`` (the generators of the ribbon and of Lite's main.py): a capability that cannot be
    loaded is an error rather than a missing group.
    """
    caps = all_capabilities() if strict else capabilities()
    groups = [(ADDIN_GROUP[0], ADDIN_GROUP[1], list(ADDIN_SCRIPTS))]
    for cap in caps:
        groups.append((cap.name, cap.title, list(cap.all_scripts())))
    return groups


def all_scripts(*, strict: bool = False) -> list[ScriptSpec]:
    """Every script: the add-in's, then each capability's (ribbon buttons, Lite scripts, ``salesops-xl run``)."""
    return [s for _, _, scripts in script_groups(strict=strict) for s in scripts]


def resolve(script_id: str) -> ScriptSpec:
    """The script with this id (a ribbon button's tag); WorkbookError naming the known ids otherwise."""
    known = all_scripts()
    for s in known:
        if s.id == script_id:
            return s
    failed = load_failures()
    why = ("; not loaded: " + "; ".join(f"{k} ({v})" for k, v in failed.items())) if failed else ""
    raise WorkbookError(f"unknown script {script_id!r}; the scripts are: {', '.join(s.id for s in known)}{why}")


def capability_of(script_id: str) -> Capability | None:
    """The capability declaring this script (None for the add-in's own scripts)."""
    for cap in capabilities():
        if any(s.id == script_id for s in cap.all_scripts()):
            return cap
    return None


@dataclass
class ScriptReport:
    """What a script run did."""

    script: ScriptSpec
    workbook: str
    seconds: float
    summary: dict
    warnings: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # sheets written
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # formatting the runtime could not apply
    output: Path | None = None  # the file written (file door)

    @property
    def headline(self) -> str:
        """What the analyst is told in Excel: the headline and, in their own workbook, the amounts."""
        amounts = self.summary.get("amounts")
        return str(self.summary.get("headline", "done")) + (f"; {amounts}" if amounts else "")


# -- the two doors -------------------------------------------------------------------------------------

def run_on_book(script_id: str, book, *, computed_at: str | None = None,
                progress: Progress | None = None) -> ScriptReport:
    """Run a script on a workbook open in Excel (an xlwings ``Book``): read all, compute, write once.

    Raises :class:`~salesops_xl.errors.InputError` (every problem listed, nothing written) or
    :class:`~salesops_xl.errors.WorkbookError` like the batch door.
    """
    from .book import BookSource, write_book

    spec = resolve(script_id)
    t0 = time.perf_counter()
    say = progress or (lambda stage: None)
    say("reading tables")
    source = BookSource(book)
    res: WorkflowResult = spec.run(source, computed_at=computed_at, progress=say)
    say("writing workbook")
    rendered = write_book(book, res.sheets, res.remove) if (res.sheets or res.remove) else None
    say("done")
    return ScriptReport(script=spec, workbook=source.workbook, seconds=time.perf_counter() - t0,
                        summary=res.summary, warnings=list(res.warnings),
                        sheets=rendered.written if rendered else [], removed=rendered.removed if rendered else [],
                        skipped=rendered.skipped if rendered else [])


def run_on_file(script_id: str, path: str | Path, output: str | Path | None = None, *,
                computed_at: str | None = None, progress: Progress | None = None) -> ScriptReport:
    """Run a script on an .xlsx/.xlsm file without Excel (the batch door of ``salesops-xl recalc``).

    Writes ``output`` (default: in place) atomically, replacing only the sheets the script owns;
    a script that writes nothing (``addin.validate``) leaves the file untouched.
    """
    from ..batch import run_workflow

    spec = resolve(script_id)
    rep = run_workflow(path, output, workflow=spec.run, computed_at=computed_at, progress=progress)
    return ScriptReport(script=spec, workbook=rep.source.name, seconds=rep.seconds, summary=rep.summary,
                        warnings=list(rep.warnings), sheets=rep.sheets, removed=rep.removed, output=rep.output)


# -- inside Excel: feedback for the analyst --------------------------------------------------------------

MAX_LISTED = 12  # problems listed in a message box; the rest are counted


def problems_text(error: InputError, limit: int = MAX_LISTED) -> str:
    """An InputError as a message-box text: the first ``limit`` problems, then how many more."""
    total = len(error.problems) + error.omitted
    lines = [f"{total} problem{'s' if total != 1 else ''} in the input tables; nothing was written.", ""]
    for p in error.problems[:limit]:
        text = str(p)
        lines.append("- " + (text if len(text) <= 240 else text[:237] + "..."))
    rest = total - min(limit, len(error.problems))
    if rest > 0:
        lines.append(f"... and {rest} more. Fix these and run again (or run salesops-xl validate on the file "
                     "for the full list).")
    return "\n".join(lines)


def _alert(book, text: str, title: str, mode: str) -> None:
    print(f"{title}\n{text}")
    try:
        book.app.alert(text, title=title, buttons="ok", mode=mode)
    except Exception:  # no message box in this runtime: the printed text is what the analyst sees
        pass


def _status(book, text: str | bool) -> None:
    try:
        book.app.status_bar = text
    except Exception:  # xlwings Lite has no status bar
        pass


def run_in_excel(script_id: str, book, *, computed_at: str | None = None) -> ScriptReport | None:
    """Run a script from Excel with feedback in Excel; never raise for a user's mistake.

    Problems in the inputs (or a workbook salesops-xl cannot use) are shown in a message box,
    nothing is written; an unexpected error shows its type and message and prints the traceback
    (desktop: the console log; xlwings Lite: its output pane). On success the status bar (desktop)
    and a message box give the headline and the warnings.
    """
    try:
        spec = resolve(script_id)
    except WorkbookError as e:
        _alert(book, str(e), "salesops-xl", "critical")
        return None
    title = f"salesops-xl: {spec.label}"

    def say(stage: str) -> None:
        _status(book, f"salesops-xl: {spec.label}: {stage}...")

    try:
        report = run_on_book(script_id, book, computed_at=computed_at, progress=say)
    except InputError as e:
        _status(book, False)
        _alert(book, problems_text(e), title, "critical")
        return None
    except SalesopsError as e:
        _status(book, False)
        _alert(book, f"{e}\n\nNothing was written.", title, "critical")
        return None
    except Exception as e:  # a bug: say so plainly, keep the traceback for the report
        _status(book, False)
        traceback.print_exc(file=sys.stdout)
        _alert(book, f"Internal error ({type(e).__name__}): {e}\n\nPlease report it with the text printed in the "
                     "log. The workbook may be partly written: undo or close it without saving.", title, "critical")
        return None
    _status(book, f"salesops-xl: {spec.label}: {report.headline} ({report.seconds:.1f} s)")
    lines = [f"{report.headline[:1].upper()}{report.headline[1:]} ({report.seconds:.1f} s)."]
    if report.warnings:
        n = len(report.warnings)
        lines += ["", f"{n} warning{'s' if n != 1 else ''} (also in the Run Log sheet):"]
        lines += [f"- {w[:240]}" for w in report.warnings[:MAX_LISTED]]
        if n > MAX_LISTED:
            lines.append(f"... and {n - MAX_LISTED} more")
    if report.skipped:
        lines += ["", "Not applied in this Excel (values and tables are complete):"]
        lines += [f"- {s}" for s in report.skipped[:6]]
        if len(report.skipped) > 6:
            lines.append(f"... and {len(report.skipped) - 6} more")
    _alert(book, "\n".join(lines), title, "info")
    return report


def run_tag(tag: str) -> ScriptReport | None:
    """Desktop ribbon entry point: the VBA callback runs ``s.run_tag('<the button's tag>')``.

    The workbook is the one active when the button was clicked (``xw.Book.caller()``).
    """
    import xlwings as xw

    return run_in_excel(tag, xw.Book.caller())
