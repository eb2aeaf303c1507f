"""Months and forecast periods: month indexes (months since year 0) and the fiscal quarters or years of a workbook.

A leaf module: the inputs, the history and the engine all count in these months.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np


def month_index(d) -> int:
    """A date -> months since year 0 (2026-11 -> 2026*12 + 10)."""
    return d.year * 12 + d.month - 1


def month_label(mi: int) -> str:
    return f"{mi // 12}-{mi % 12 + 1:02d}"


def month_start(mi: int) -> _dt.date:
    return _dt.date(mi // 12, mi % 12 + 1, 1)


def months_of(dates: np.ndarray) -> np.ndarray:
    """datetime64 dates -> month indices (int64); NaT -> a very negative number."""
    d = np.asarray(dates).astype("datetime64[M]")
    out = d.astype(np.int64) + 1970 * 12
    out[np.isnat(d)] = -(10 ** 9)
    return out


@dataclass(frozen=True)
class Calendar:
    """The forecast periods (fiscal quarters or years) of a workbook."""

    fy_start_month: int  # 1-12
    kind: str  # "Quarter" | "Year"

    def first_month(self, mi) -> np.ndarray:
        """Month index of the first month of the period holding month index ``mi``."""
        mi = np.asarray(mi, dtype=np.int64)
        fy = mi - ((mi % 12) - (self.fy_start_month - 1)) % 12
        return fy if self.kind == "Year" else fy + 3 * ((mi - fy) // 3)

    @property
    def length(self) -> int:
        return 12 if self.kind == "Year" else 3

    def label(self, first: int) -> str:
        fy_first = int(first - ((first % 12) - (self.fy_start_month - 1)) % 12)
        fy = month_start(fy_first).year
        return f"FY{fy}" if self.kind == "Year" else f"{fy}-Q{(first - fy_first) // 3 + 1}"

    def of_day(self, day: _dt.date) -> tuple[int, int, str]:
        """(first month, end month, label) of the period holding ``day``."""
        a = int(self.first_month(month_index(day)))
        return a, a + self.length, self.label(a)

    def dates(self, first: int) -> tuple[_dt.date, _dt.date]:
        return month_start(first), month_start(first + self.length) - _dt.timedelta(days=1)


def calendar_of(settings) -> Calendar:
    return Calendar(settings.fy_start_month, settings.gap_period)
