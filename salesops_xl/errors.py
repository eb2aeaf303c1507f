"""The exceptions salesops-xl raises, and the :class:`Problem` record they carry.

Every problem with a user's input names where it is (workbook, sheet, table,
row, column, cell), what was found there and what was expected, so an analyst
can go straight to the cell and fix it. Validation collects all problems of a
run before raising, so one run reports them together.

Hierarchy::

    SalesopsError
    ├── WorkbookError      the file itself: not a workbook, unreadable, missing table
    │   ├── SourceError    a table source besides the workbook (CSV, Parquet, SQL) cannot be read
    │   └── ResultsError   results (Parquet, SQL) could not be written: none of them were
    ├── InputError         one or more Problems in the input tables
    ├── ComputationError   inputs were valid but a rule cannot be applied
    ├── InternalError      a bug of ours, caught before it did harm (a written workbook failed its
    │                      check): nothing was changed; carries a report to send us
    └── UsageError         the request itself: an output path of the wrong type, an unknown name
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class SalesopsError(Exception):
    """Base class of every error salesops-xl raises on purpose."""


class WorkbookError(SalesopsError):
    """The file cannot be used as a workbook (not a zip, .xls/.xlsb, encrypted, missing table...)."""


class SourceError(WorkbookError):
    """An input table's source other than the workbook (a CSV or Parquet file, a SQL table or query) cannot be
    used: missing, unreadable, a query that fails, a connection that drops, a column of the wrong stored type.
    The message names the source; nothing was written."""


class ResultsError(WorkbookError):
    """The results could not be written to their target (Parquet folder, SQL database); none of them were: the
    transaction was rolled back, or no file was replaced. The message names the target."""


class ComputationError(SalesopsError):
    """A rule cannot be applied to otherwise valid input."""


class InternalError(SalesopsError):
    """A bug in salesops-xl, caught before it could do harm: the workbook was NOT changed.

    Raised when a workbook we wrote fails the check it must pass before it
    replaces anything. ``report`` is a text for the maintainers (what failed,
    versions, the names of the parts; no cell values); ``workbook`` is the
    file that was to be written. The CLI saves the report beside it.
    """

    def __init__(self, message: str, *, report: str = "", workbook: str | None = None):
        self.report = report
        self.workbook = workbook
        super().__init__(message)

    def __reduce__(self):
        return (_internal_error, (str(self), self.report, self.workbook))


def _internal_error(message: str, report: str, workbook: str | None) -> InternalError:
    return InternalError(message, report=report, workbook=workbook)


class UsageError(SalesopsError):
    """The request is wrong whatever the workbook holds (the CLI's exit 2): e.g. ``-o out.csv`` for a workbook."""


def _show(value: Any) -> str:
    if value is None:
        return "a blank cell"
    if isinstance(value, str):
        if value == "":
            return "a blank cell"
        text = value if len(value) <= 60 else value[:57] + "..."
        return f'"{text}"' 
    if isinstance(value, float) and value.is_integer():
        return repr(int(value)) if abs(value) < 1e15 else repr(value)
    return repr(value) if not hasattr(value, "isoformat") else value.isoformat()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message: str  # what is wrong, in words a user can act on
    expected: str = ""  # what would have been accepted
    value: Any = None  # what was found (None: not applicable / blank)
    workbook: str | None = None
    sheet: str | None = None
    table: str | None = None
    row: int | None = None  # Excel row number on the sheet (1-based)
    column: str | None = None  # column header in the table
    cell: str | None = None  # A1 reference, when known
    show_value: bool = True
    #: how ``row`` is counted, as a user of the source counts: "row" (a sheet's row, a SQL result's ordinal),
    #: "line" (a CSV file's line, the header being line 1), "row index" (a Parquet file's 0-based row)
    row_label: str = "row"

    def location(self) -> str:
        parts = []
        if self.workbook:
            parts.append(self.workbook)
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.table:
            parts.append(f"table {self.table}")
        where = ", ".join(parts)
        cellbits = []
        if self.row is not None:
            cellbits.append(f"{self.row_label} {self.row}")
        if self.column:
            cellbits.append(f"column {self.column}")
        if self.cell:
            cellbits.append(f"cell {self.cell}")
        if cellbits:
            where = f"{where}: {', '.join(cellbits)}" if where else ", ".join(cellbits)
        return where

    def __str__(self) -> str:
        text = self.message
        if self.show_value:
            text += f"; found {_show(self.value)}"
        if self.expected:
            text += f"; expected {self.expected}"
        where = self.location()
        return f"{where}: {text}" if where else text


class InputError(SalesopsError):
    """The input tables hold one or more problems; nothing was written.

    ``problems`` lists every problem found (up to a cap per kind), table by table
    and in row order within a table; ``str(error)`` renders them one per line.
    """

    def __init__(self, problems: Iterable[Problem], *, omitted: int = 0):
        self.problems: list[Problem] = list(problems)
        self.omitted = omitted
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems) + self.omitted
        head = f"{n} problem{'s' if n != 1 else ''} in the input; nothing was written:"
        lines = [head] + [f"  - {p}" for p in self.problems]
        if self.omitted:
            lines.append(f"  ... and {self.omitted} more of the same kinds (fix these first)")
        return "\n".join(lines)

    def __reduce__(self):  # picklable despite the custom __init__
        return (self.__class__, (self.problems,), {"omitted": self.omitted})


class ProblemCollector:
    """Collects problems across tables; caps how many of each kind are listed."""

    def __init__(self, per_kind: int = 20):
        self.per_kind = per_kind
        self.problems: list[Problem] = []
        self.omitted = 0
        self._counts: dict[tuple, int] = {}

    def add(self, problem: Problem) -> None:
        key = (problem.table, problem.column, problem.message)
        n = self._counts.get(key, 0)
        self._counts[key] = n + 1
        if n < self.per_kind:
            self.problems.append(problem)
        else:
            self.omitted += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def sorted(self) -> list[Problem]:
        """The problems table by table (in the order the tables were first reported), row by row within a table
        (problems of a whole table first); problems of one row keep the order they were found in."""
        first: dict[str | None, int] = {}
        for p in self.problems:
            first.setdefault(p.table, len(first))
        return sorted(self.problems, key=lambda p: (first[p.table], -1 if p.row is None else p.row))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.sorted(), omitted=self.omitted)


def first_line(e: BaseException) -> str:
    """The first line of an exception's message (its class name if it has none): for one-line reports."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
