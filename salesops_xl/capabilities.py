"""The registry of capabilities (commissions, quotas, territories, forecasts...).

Each capability is a subpackage ``salesops_xl.<name>`` with a module
``capability.py`` defining ``CAPABILITY``: its template, input tables, output
sheets, the workflow that recalculates its workbook, and optionally extra CLI
commands and cell functions. The CLI (``recalc``, ``schema``, ``template``),
the docs generator and the add-in discover them here, so adding a capability
never means editing a shared list.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import WorkbookError
from .tables import TableSchema
from .workflows import Workflow

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ScriptSpec:
    """A workflow an analyst runs from Excel (a ribbon button / an xlwings @script) or the CLI.

    ``run(source, *, computed_at=None, progress=None) -> WorkflowResult`` reads every input it
    needs through ``source`` first, computes, and returns the sheets to write (once).
    """

    id: str  # stable identifier, used as the ribbon button's tag, e.g. "commissions.recalc"
    label: str  # button label, e.g. "Recalculate payouts"
    run: Workflow
    icon: str = "CalculateNow"  # an Office built-in imageMso name for the ribbon
    description: str = ""


@dataclass(frozen=True)
class Capability:
    name: str  # e.g. "commissions"; also the default template file stem
    title: str  # e.g. "Commission workbook"
    input_tables: tuple[TableSchema, ...]
    output_sheets: tuple[str, ...]
    workflow: Workflow  # (source, *, computed_at=None, progress=None) -> WorkflowResult
    build_template: Callable[[Path], Path]  # writes the template with sample data to the given path
    doc: str = ""  # the docs page that states its rules, e.g. "docs/commissions.md"
    # extra click commands (or a function giving them: the CLI imports click, the engine never does)
    commands: Sequence[Any] | Callable[[], Sequence[Any]] = field(default_factory=tuple)
    order: int = 100  # position in listings
    scripts: Sequence[ScriptSpec] = field(default_factory=tuple)  # extra workflows for the ribbon
    sample: Callable[[], dict[str, pd.DataFrame]] | None = None  # the template's sample inputs (tests, fuzzing)
    # other sets of tables that identify the kind too (e.g. a territory workbook holding only the lead tables)
    also_detected_by: Sequence[Sequence[str]] = field(default_factory=tuple)

    def all_scripts(self) -> list[ScriptSpec]:
        """The recalculation of the workbook first, then the capability's other workflows."""
        main_id = f"{self.name}.recalc"
        main = next((s for s in self.scripts if s.id == main_id), None) or ScriptSpec(
            id=main_id, label=f"Recalculate ({self.name})", run=self.workflow,
            description=f"Recalculate the output sheets of the {self.title.lower()}")
        return [main] + [s for s in self.scripts if s.id != main_id]

    @property
    def template_name(self) -> str:
        return f"{self.name}.xlsx"

    def required_tables(self) -> list[str]:
        return [t.name for t in self.input_tables if t.required]


def all_capabilities() -> list[Capability]:
    """Every capability package found in salesops_xl, in their stated order."""
    import salesops_xl

    found = []
    for mod in pkgutil.iter_modules(salesops_xl.__path__):
        if not mod.ispkg:
            continue
        # look for capability.py without importing the package: the batch door's package (salesops_xl.batch)
        # imports what xlwings Lite (Pyodide) does not have, and the registry runs there
        inside = [os.path.join(p, mod.name) for p in salesops_xl.__path__]
        if not any(m.name == "capability" for m in pkgutil.iter_modules(inside)):
            continue
        found.append(importlib.import_module(f"salesops_xl.{mod.name}.capability").CAPABILITY)
    return sorted(found, key=lambda c: (c.order, c.name))


def all_scripts() -> list[ScriptSpec]:
    """Every script of every capability (ribbon buttons, `salesops-xl run SCRIPT`)."""
    return [s for c in all_capabilities() for s in c.all_scripts()]


def get(name: str) -> Capability:
    for c in all_capabilities():
        if c.name == name:
            return c
    raise WorkbookError(f"unknown workbook kind {name!r}; known: {', '.join(c.name for c in all_capabilities())}")


def _article(title: str) -> str:
    return f"an {title.lower()}" if title[:1].lower() in "aeiou" else f"a {title.lower()}"


def _kind_word(c: Capability) -> str:
    """'a commission workbook' (the title without what follows in brackets)."""
    return _article(c.title.split(" (")[0])


def _closest(table_names: Sequence[str]) -> tuple[Capability | None, list[str]]:
    """The kind whose input tables the workbook holds the most of (at least two, or one required table of a kind
    that requires two or fewer), and its required tables that are missing."""
    have = {t.lower() for t in table_names}
    best, best_key, missing = None, None, []
    for c in all_capabilities():
        req = c.required_tables()
        names = [t.name.lower() for t in c.input_tables]
        n_all = sum(1 for t in names if t in have)
        n_req = sum(1 for t in req if t.lower() in have)
        if n_req == 0 or (n_all < 2 and len(req) > 2):
            continue
        key = (n_req / len(req), n_all)
        if best_key is None or key > best_key:
            best, best_key, missing = c, key, [t for t in req if t.lower() not in have]
    return best, missing


def _missing_text(c: Capability, missing: list[str], table_names: Sequence[str], workbook: str) -> str:
    import difflib

    lost = " and ".join(f"table {m}" for m in missing) if len(missing) < 3 else \
        "tables " + ", ".join(missing[:-1]) + " and " + missing[-1]
    verb = "is" if len(missing) == 1 else "are"
    near = []
    for m in missing:
        close = difflib.get_close_matches(m.lower(), [t.lower() for t in table_names], n=1, cutoff=0.75)
        if close:
            real = next(t for t in table_names if t.lower() == close[0])
            near.append(f"a table named {real} exists: if it holds the {m}, rename it to {m} (Table Design → "
                        "Table Name)")
    hint = "; ".join(near) + "; " if near else ""
    return (f"{workbook}: {lost} {verb} missing; this looks like {_kind_word(c)} (it has "
            f"{', '.join(t.name for t in c.input_tables if t.name.lower() in {x.lower() for x in table_names})}). "
            f"{hint}Add {'it as an Excel Table' if len(missing) == 1 else 'them as Excel Tables'} "
            f"(Insert → Table, then Table Design → Table Name); `salesops-xl schema {missing[0]}` lists the columns, "
            f"and `salesops-xl template {c.name} -o sample.xlsx` writes a complete example")


def detect(table_names: Sequence[str], workbook: str = "the workbook") -> Capability:
    """The capability whose required input tables the workbook holds (the most specific one)."""
    have = {t.lower() for t in table_names}
    best, best_score = None, 0
    for c in all_capabilities():
        for names in [c.required_tables(), *c.also_detected_by]:
            req = [t.lower() for t in names]
            if req and all(t in have for t in req) and len(req) > best_score:
                best, best_score = c, len(req)
    if best is None:
        close, missing = _closest(table_names)
        if close is not None:
            raise WorkbookError(_missing_text(close, missing, table_names, workbook))
        kinds = "; ".join(f"{c.name}: {', '.join(c.required_tables())}"
                          + "".join(f" (or {', '.join(alt)})" for alt in c.also_detected_by)
                          for c in all_capabilities())
        shown = sorted(table_names)
        listed = ", ".join(shown[:12]) + (f" and {len(shown) - 12} more" if len(shown) > 12 else "")
        raise WorkbookError(f"{workbook}: cannot tell which kind of salesops-xl workbook this is; its Excel "
                            f"Tables are {listed or 'none'}. Expected the tables of one of: {kinds}")
    return best


def check_kind(name: str, table_names: Sequence[str], workbook: str, doing: str = "") -> None:
    """Refuse a workbook of another kind than ``name`` (e.g. a territory workbook given to ``whatif``), naming
    its kind; a workbook of this kind that lacks tables passes (its loader lists what is missing)."""
    cap = get(name)
    have = {t.lower() for t in table_names}
    if any(all(t.lower() in have for t in names) for names in [cap.required_tables(), *cap.also_detected_by]):
        return
    try:
        other = detect(table_names, workbook)
    except WorkbookError:
        return
    if other.name != name:
        what = f"{doing} needs" if doing else "this needs"
        raise WorkbookError(f"{workbook} is {_kind_word(other)} (it has tables "
                            f"{', '.join(other.required_tables())}); {what} {_kind_word(cap)} (tables "
                            f"{', '.join(cap.required_tables())}). Check the file name, or use `salesops-xl "
                            f"recalc {workbook}`, which recognises the kind by itself")
