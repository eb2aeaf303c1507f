"""The forecast-call roll-up as a cell function: Excel values in, Excel values out, never an exception.

``=SXL_FORECAST_ROLLUP(ids, manager_ids, submitted)`` spills, for each person, the number the roll-up
gives (docs/forecast.md, "Forecast calls and roll-ups"): a person's own submission when given (a
manager's replaces the sum of the reports'), else the sum of the direct reports' numbers; blank when
neither the person nor anyone below submitted. The same :func:`.calls.roll_up` computes the Forecast
Calls sheet.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..cells import CellError, is_blank, as_matrix, cell_function, number, text_value
from .calls import roll_up


def _column(value: Any, what: str) -> list:
    m = as_matrix(value)
    if len(m) == 1 and len(m[0]) > 1:  # a row is fine too
        return list(m[0])
    if any(len(r) != 1 for r in m):
        raise CellError(f"{what} must be a single column or row")
    return [r[0] for r in m]


def hierarchy(ids: list[str], managers: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """(parent, depth) of people given by id and manager id; CellError on an unknown manager or a cycle."""
    pos = {}
    for i, x in enumerate(ids):
        if x in pos:
            raise CellError(f"id {x!r} is listed twice (rows {pos[x] + 1} and {i + 1})")
        pos[x] = i
    parent = np.full(len(ids), -1, dtype=np.intp)
    for i, m in enumerate(managers):  # one lookup per person
        if m is None:
            continue
        if m not in pos:
            raise CellError(f"manager {m!r} of {ids[i]!r} is not one of the ids", "#N/A")
        parent[i] = pos[m]
    depth = np.zeros(len(ids), dtype=np.intp)
    top = parent.copy()
    for _ in range(len(ids) + 1):  # climb all people one level at a time
        up = top >= 0
        if not up.any():
            return parent, depth
        depth[up] += 1
        top[up] = parent[top[up]]
    raise CellError("the manager ids form a cycle (someone manages themselves through others)")


@cell_function
def forecast_rollup(ids: Any, manager_ids: Any, submitted: Any) -> Any:
    """Each person's rolled-up number: own submission, else the sum of the direct reports' numbers."""
    idv = [text_value(v, f"ids (row {i + 1})") for i, v in enumerate(_column(ids, "ids"))]
    mv = [None if is_blank(v) else text_value(v, f"manager_ids (row {i + 1})")
          for i, v in enumerate(_column(manager_ids, "manager_ids"))]
    sv = _column(submitted, "submitted")
    if not (len(idv) == len(mv) == len(sv)):
        raise CellError("ids, manager_ids and submitted must have the same number of cells")
    amt = np.array([np.nan if is_blank(v) else number(v, f"submitted (row {i + 1})") for i, v in enumerate(sv)],
                   dtype=np.float64)
    parent, depth = hierarchy(idv, mv)
    out = roll_up(parent, depth, amt[:, None]).number[:, 0]
    return [[None if np.isnan(x) else float(x)] for x in out]
