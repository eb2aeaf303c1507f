"""Where input tables come from: the protocol every door implements, and an in-memory source.

A door reads Excel Tables by name and hands them over as
:class:`~salesops_xl.tables.RawTable`. The batch CLI reads them from an .xlsx
file (:mod:`salesops_xl.xlsx.reader`), the add-in from the open workbook
through xlwings, tests from plain Python values with :class:`MemorySource`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from .tables import RawTable


@runtime_checkable
class TableSource(Protocol):
    """Anything that can hand over Excel Tables by name."""

    workbook: str  # name shown in error messages, e.g. "commissions.xlsx"

    def read(self, name: str) -> RawTable | None:
        """The table called ``name`` (case-insensitive), or None if the workbook has none."""
        ...

    def table_names(self) -> list[str]:
        ...


class MemorySource:
    """Tables given as DataFrames, dicts of columns or lists of row dicts (for tests and scripts)."""

    def __init__(self, tables: Mapping[str, Any], workbook: str = "<memory>",
                 sheets: Mapping[str, str] | None = None):
        self.workbook = workbook
        self._tables: dict[str, RawTable] = {}
        for i, (name, value) in enumerate(tables.items()):
            cols, data = _columns(value)
            self._tables[name.lower()] = RawTable(
                name=name, columns=cols, data=data, sheet=(sheets or {}).get(name, name), workbook=workbook,
                header_row=1, first_col=0,
            )

    def read(self, name: str) -> RawTable | None:
        return self._tables.get(name.lower())

    def table_names(self) -> list[str]:
        return [t.name for t in self._tables.values()]


def _columns(value: Any) -> tuple[list[str], dict[str, Sequence[Any] | np.ndarray]]:
    if isinstance(value, pd.DataFrame):
        cols = [str(c) for c in value.columns]
        data: dict[str, Sequence[Any] | np.ndarray] = {}
        for c, src in zip(cols, value.columns):
            s = value[src]
            if s.dtype.kind == "M":
                data[c] = [None if pd.isna(x) else x.date() for x in s]
            elif s.dtype.kind == "f":
                data[c] = [None if np.isnan(x) else float(x) for x in s.to_numpy()]
            else:
                data[c] = s.tolist()
        return cols, data
    if isinstance(value, Mapping):
        cols = [str(c) for c in value]
        return cols, {str(c): list(v) for c, v in value.items()}
    rows = list(value)
    cols = []
    for r in rows:
        for c in r:
            if c not in cols:
                cols.append(c)
    return cols, {c: [r.get(c) for r in rows] for c in cols}


def rows_to_raw(name: str, rows: Iterable[Sequence[Any]], *, sheet: str | None = None, workbook: str | None = None,
                header_row: int = 1, first_col: int = 0) -> RawTable:
    """A header row followed by data rows (as a spreadsheet range gives them) -> RawTable."""
    rows = [list(r) for r in rows]
    if not rows:
        return RawTable(name=name, columns=[], data={}, sheet=sheet, workbook=workbook)
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    body = rows[1:]
    data: dict[str, Sequence[Any] | np.ndarray] = {h: [r[j] if j < len(r) else None for r in body]
                                                   for j, h in enumerate(header)}
    return RawTable(name=name, columns=header, data=data, sheet=sheet, workbook=workbook,
                    header_row=header_row, first_col=first_col)
