"""The plan calendar: months, quarters and the year of a plan year, their labels and parsing.

A plan year starts on the first day of the month of ``PlanYearStart`` and has
12 months and 4 quarters. Labels:

* a month is labelled by its calendar month, ``"2026-03"``;
* a quarter is labelled by the year in which the plan year starts and its
  number within the plan year, ``"2026-Q1"``. With a plan year starting in
  January these are the calendar quarters; with one starting in July,
  ``"2026-Q1"`` is July-September 2026;
* the plan year itself (an annual measure) is labelled by the year it starts
  in, ``"2026"`` (also accepted: ``"FY2026"``).

A period given in an input table may be its label (``"2026-03"``,
``"2026-Q1"``) or any date inside it.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Literal

import numpy as np

PeriodType = Literal["Month", "Quarter", "Year"]

PERIODS_PER_YEAR = {"Month": 12, "Quarter": 4, "Year": 1}
MONTHS_PER_PERIOD = {"Month": 1, "Quarter": 3, "Year": 12}
PERIOD_TYPES = tuple(PERIODS_PER_YEAR)

_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)
_YEAR_RE = re.compile(r"^\s*(?:FY\s*)?(\d{4})(?:\.0+)?\s*$", re.IGNORECASE)
_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")


@dataclass(frozen=True)
class PlanCalendar:
    """Months of one plan year, from ``start`` (a first-of-month date)."""

    start: _dt.date
    as_of: _dt.date | None = None  # periods starting after it are not computed

    @classmethod
    def create(cls, start: _dt.date, as_of: _dt.date | None = None) -> PlanCalendar:
        return cls(start=_dt.date(start.year, start.month, 1), as_of=as_of)

    @property
    def end(self) -> _dt.date:
        """Last day of the plan year."""
        y, m = self.start.year + 1, self.start.month
        return _dt.date(y, m, 1) - _dt.timedelta(days=1)

    @property
    def months_computed(self) -> int:
        """How many months (from the start) are computed: all 12, or through the month of ``as_of``."""
        if self.as_of is None:
            return 12
        mi = self.month_of(self.as_of)
        return int(min(12, max(0, mi + 1)))

    def periods_computed(self, ptype: PeriodType) -> int:
        """Periods that start on or before the as-of month."""
        m = self.months_computed
        k = MONTHS_PER_PERIOD[ptype]
        return int(-(-m // k))

    def month_of(self, d: _dt.date) -> int:
        return (d.year - self.start.year) * 12 + (d.month - self.start.month)

    def month_index(self, dates: np.ndarray) -> np.ndarray:
        """datetime64 dates -> month index from the plan start (may be <0 or >=12); NaT -> -10**6."""
        d = np.asarray(dates).astype("datetime64[M]")
        s = np.datetime64(self.start, "M")
        out = (d - s).astype(np.int64)
        out[np.isnat(d)] = -(10**6)
        return out

    def period_index(self, dates: np.ndarray, ptype: PeriodType) -> np.ndarray:
        return np.floor_divide(self.month_index(dates), MONTHS_PER_PERIOD[ptype])

    def month_start(self, mi: int) -> _dt.date:
        y, m = divmod(self.start.month - 1 + mi, 12)
        return _dt.date(self.start.year + y, m + 1, 1)

    def month_label(self, mi: int) -> str:
        d = self.month_start(mi)
        return f"{d.year}-{d.month:02d}"

    def period_label(self, p: int, ptype: PeriodType) -> str:
        if ptype == "Month":
            return self.month_label(p)
        if ptype == "Year":
            return f"{self.start.year}"
        return f"{self.start.year}-Q{p + 1}"

    def period_labels(self, ptype: PeriodType) -> list[str]:
        return [self.period_label(p, ptype) for p in range(PERIODS_PER_YEAR[ptype])]

    def pay_month(self, p: int, ptype: PeriodType) -> int:
        """Month index in which period ``p`` is paid: its last month."""
        k = MONTHS_PER_PERIOD[ptype]
        return p * k + k - 1

    def period_bounds(self, p: int, ptype: PeriodType) -> tuple[_dt.date, _dt.date]:
        k = MONTHS_PER_PERIOD[ptype]
        first = self.month_start(p * k)
        last = self.month_start(p * k + k) - _dt.timedelta(days=1)
        return first, last

    def parse_period(self, value, ptype: PeriodType) -> tuple[int | None, str]:
        """A period label or date -> (period index, "") or (None, reason)."""
        if value is None:
            return None, "blank cell"
        if isinstance(value, (_dt.date, _dt.datetime)):
            d = value if not isinstance(value, _dt.datetime) else value.date()
            return self._index_of_date(d, ptype)
        if isinstance(value, np.datetime64):
            return self._index_of_date(value.astype("datetime64[D]").item(), ptype)
        text = str(value)
        m = _DATE_RE.match(text)
        if m:
            try:
                d = _dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None, "not a valid date"
            return self._index_of_date(d, ptype)
        m = _YEAR_RE.match(text)
        if m:
            if ptype != "Year":
                return None, f"a year label for a {ptype.lower()}ly measure"
            if int(m[1]) != self.start.year:
                return None, "another plan year"
            return 0, ""
        m = _MONTH_RE.match(text)
        if m:
            y, mo = int(m[1]), int(m[2])
            if not 1 <= mo <= 12:
                return None, "not a valid month"
            mi = (y - self.start.year) * 12 + (mo - self.start.month)
            if not 0 <= mi < 12:
                return None, "a month outside the plan year"
            if ptype != "Month":
                return None, f"a month label for a {ptype.lower()}ly measure"
            return mi, ""
        m = _QUARTER_RE.match(text)
        if m:
            if ptype != "Quarter":
                return None, f"a quarter label for a {ptype.lower()}ly measure"
            if int(m[1]) != self.start.year:
                return None, "a quarter of another plan year"
            return int(m[2]) - 1, ""
        return None, "not a period label"

    def _index_of_date(self, d: _dt.date, ptype: PeriodType) -> tuple[int | None, str]:
        mi = self.month_of(d)
        if not 0 <= mi < 12:
            return None, "a date outside the plan year"
        return mi // MONTHS_PER_PERIOD[ptype], ""

    def expected_label(self, ptype: PeriodType) -> str:
        labels = self.period_labels(ptype)
        return f"a period label such as {labels[0]!r} (up to {labels[-1]!r}) or a date inside the period"

    def period_starts_ends(self, ptype: PeriodType) -> tuple[np.ndarray, np.ndarray]:
        """First and last day (datetime64[D]) of each period of the plan year."""
        b = [self.period_bounds(p, ptype) for p in range(PERIODS_PER_YEAR[ptype])]
        return (np.array([np.datetime64(f, "D") for f, _ in b]), np.array([np.datetime64(last, "D") for _, last in b]))

    def active(self, hire: np.ndarray, term: np.ndarray, ptype: PeriodType) -> np.ndarray:
        """(n, periods) bool: employment [hire, term] (NaT term: still employed) overlaps the period."""
        first, last = self.period_starts_ends(ptype)
        h = np.asarray(hire).astype("datetime64[D]")[:, None]
        t = np.asarray(term).astype("datetime64[D]")[:, None]
        return (np.isnat(h) | (h <= last[None, :])) & (np.isnat(t) | (t >= first[None, :]))

