"""Helpers of the add-in tests (a module name of its own: conftest.py names clash between test folders)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def normalize(v):
    """A cell value as the file door (calamine) or the Book door gives it -> a comparable value."""
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date() if v.time() == dt.time(0) else v
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return round(float(v), 9)
    return v


def table_rows(raw) -> list[tuple]:
    cols = raw.columns
    return [tuple(normalize(raw.data[c][i]) for c in cols) for i in range(raw.n_rows)]
