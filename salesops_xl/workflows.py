"""Workflows: read a workbook's tables, compute, return the sheets to write.

A workflow knows nothing about files or Excel: it reads through a
:class:`~salesops_xl.source.TableSource` and returns
:class:`~salesops_xl.sheets.SheetSpec` s. The batch CLI runs it on an .xlsx
file; the add-in's scripts run the very same function on the open workbook.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import pandas as pd

from .sheets import Column, SheetSpec
from .source import TableSource

Progress = Callable[[str], None]
R = TypeVar("R")


@dataclass(frozen=True)
class ResultFrame:
    """A table of a run's results for a results folder or database (``recalc --results``, docs/sources.md)."""

    name: str  # the Parquet file / SQL table name, e.g. "payouts"
    columns: tuple[Column, ...]  # in order; ``kind`` types each one
    frame: pd.DataFrame
    cents: frozenset[str] = frozenset()  # money columns the frame holds as integer cents


@dataclass(frozen=True)
class RunResults:
    """What ``recalc --results`` writes: the result tables and the run's record (its "runs" row)."""

    tables: list[ResultFrame]
    run: dict[str, str]  # ComputedAt, InputFingerprint, EngineVersion


@dataclass
class WorkflowResult(Generic[R]):
    """What a workflow produced: the sheets to write and a short report.

    ``result`` is the capability's own result (a CommissionResult, a QuotaResult...), for callers that want the
    numbers rather than the sheets; ``remove`` the owned sheets of an earlier run that must go.
    """

    sheets: list[SheetSpec]
    summary: dict[str, Any]
    warnings: list[str]
    result: R | None = None
    remove: list[str] = field(default_factory=list)  # owned sheets of an earlier run that must go
    results: Callable[[], RunResults] | None = None  # its results as tables, for ``recalc --results`` (else none)


class Workflow(Protocol):
    """What the batch door, the CLI and the add-in's scripts run: read every input through ``source`` first,
    compute, and return the sheets to write (once). ``computed_at`` fixes the run's time (tests, templates);
    ``progress`` is told each stage ("reading tables", "computing", "building sheets")."""

    def __call__(self, source: TableSource, *, computed_at: str | None = None,
                 progress: Progress | None = None) -> WorkflowResult[Any]: ...


def previous_run(source: TableSource, table: str = "RunLog") -> dict[str, str]:
    """Item -> Value of the workbook's existing run log table (empty if none)."""
    raw = source.read(table)
    if raw is None or "Item" not in raw.columns or "Value" not in raw.columns:
        return {}
    return {str(k): "" if v is None else str(v) for k, v in zip(raw.data["Item"], raw.data["Value"])
            if k is not None}


def kept_run_time(prev: dict[str, str], fingerprint: str, computed_at: str | None) -> str | None:
    """The time to record for this run: ``computed_at`` if given, else the last run's when the inputs and
    the engine version are unchanged (so recalculating an unchanged workbook gives back the same bytes),
    else None (now)."""
    from . import __version__

    if computed_at is None and prev.get("Input fingerprint (SHA-256)") == fingerprint \
            and prev.get("Engine version") == f"salesops-xl {__version__}":
        return prev.get("Computed at (UTC)") or None
    return computed_at
