"""The amortisation kernel: straight-line schedules of capitalised commissions, in exact cents, vectorised.

An *item* is one capitalised commission (a rep's commission on a deal). It is split into *tranches*: one per
cancellation of part of the contract (its share of the item, written off in the cancellation's month) and one
for the part never cancelled. A tranche of ``C`` cents over ``N`` months starting in month ``S`` has amortised
``A(k) = round(C * k / N)`` cents after its ``k``-th month (rounded half away from zero, in integers), so month
``k`` amortises ``A(k) - A(k-1)`` and the ``N`` months add up to ``C`` exactly. A tranche cancelled in month
``X`` amortises its months before ``X`` and writes off what is left in ``X``.

Months are absolute month numbers: ``year * 12 + month - 1``. No Python loop runs per item or per month.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The end month of a tranche that is never cancelled.
NEVER = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Schedule:
    """One row per item and month from the item's capitalisation month to its last amortisation (or
    write-off) month; all money in int64 cents. ``opening + capitalised - amortised - written_off == closing``
    on every row, and each item's rows follow each other month by month."""

    item: np.ndarray  # intp: the item of the row
    month: np.ndarray  # int64: absolute month
    opening: np.ndarray
    capitalised: np.ndarray
    amortised: np.ndarray
    written_off: np.ndarray
    closing: np.ndarray

    def __len__(self) -> int:
        return int(self.item.shape[0])


def cumulative(cents: np.ndarray, k: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``round(cents * k / months)`` half away from zero, exactly, in int64 (``cents`` >= 0)."""
    return (2 * cents * k + months) // (2 * months)


def schedule(item, cents, cap_month, start, months, end, n_items: int) -> Schedule:
    """The month-by-month schedule of ``n_items`` items from their tranches.

    Per tranche: ``item`` (which item), ``cents`` (>= 0), ``start`` (first month amortised), ``months`` (N >= 1),
    ``end`` (the month it is written off, or :data:`NEVER`). Per item: ``cap_month`` (the month it is
    capitalised, at most every tranche's ``start``).
    """
    item = np.asarray(item, dtype=np.intp)
    cents = np.asarray(cents, dtype=np.int64)
    start = np.asarray(start, dtype=np.int64)
    months = np.asarray(months, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    cap_month = np.asarray(cap_month, dtype=np.int64)
    stop = start + months  # first month after the benefit period
    k_am = np.clip(np.minimum(end, stop) - start, 0, months)  # months amortised
    writes = end < stop
    last_t = np.where(writes, np.maximum(end, cap_month[item]), stop - 1)
    last = np.full(n_items, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, item, last_t)
    last = np.maximum(last, cap_month)
    length = (last - cap_month + 1).astype(np.intp)
    offset = np.zeros(n_items + 1, dtype=np.intp)
    np.cumsum(length, out=offset[1:])
    n_rows = int(offset[-1])
    # amortisation rows of every tranche
    k_am_p = k_am.astype(np.intp)
    tr = np.repeat(np.arange(item.shape[0], dtype=np.intp), k_am_p)
    first = np.zeros(item.shape[0], dtype=np.intp)
    np.cumsum(k_am_p[:-1], out=first[1:]) if item.shape[0] > 1 else None
    k = np.arange(tr.shape[0], dtype=np.int64) - first[tr] + 1
    cum = cumulative(cents[tr], k, months[tr])
    amount = cum.copy()
    amount[1:] -= np.where(k[1:] > 1, cum[:-1], 0)  # A(k) - A(k-1): one division per row, not two
    del cum
    it = item[tr]
    row = offset[it] + (start[tr] + k - 1 - cap_month[it]).astype(np.intp)
    del tr, k
    amortised = _sum_at(row, amount, n_rows)
    del row, amount, it
    # write-offs: what each cancelled tranche has not amortised, in its cancellation month
    w = np.flatnonzero(writes)
    left = cents[w] - cumulative(cents[w], k_am[w], months[w])
    wrow = offset[item[w]] + (np.maximum(end[w], cap_month[item[w]]) - cap_month[item[w]]).astype(np.intp)
    written_off = _sum_at(wrow, left, n_rows)
    # capitalisation: the whole item in its first row
    capitalised = np.zeros(n_rows, dtype=np.int64)
    per_item = np.bincount(item, weights=cents, minlength=n_items)
    capitalised[offset[:-1][length > 0]] = np.rint(per_item[length > 0]).astype(np.int64)
    row_item = np.repeat(np.arange(n_items, dtype=np.intp), length)
    month = cap_month[row_item] + (np.arange(n_rows, dtype=np.int64) - offset[:-1][row_item])
    closing = _cumsum_by_item(capitalised - amortised - written_off, offset, row_item)
    opening = closing - capitalised + amortised + written_off
    return Schedule(item=row_item, month=month, opening=opening, capitalised=capitalised, amortised=amortised,
                    written_off=written_off, closing=closing)


def _sum_at(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """int64 sums of ``values`` at ``rows`` (bincount in float64 is exact for cents below 2**53)."""
    return np.rint(np.bincount(rows, weights=values, minlength=n)).astype(np.int64)


def _cumsum_by_item(delta: np.ndarray, offset: np.ndarray, row_item: np.ndarray) -> np.ndarray:
    run = np.cumsum(delta)
    before = np.concatenate(([0], run))[offset[:-1]]  # running total before each item's first row
    return run - before[row_item]


def month_number(dates) -> np.ndarray:
    """Absolute month numbers (year * 12 + month - 1) of datetime64 dates."""
    m = np.asarray(dates, dtype="datetime64[M]").astype(np.int64)  # months since 1970-01
    return m + 1970 * 12


def month_labels(numbers) -> np.ndarray:
    """'2026-03' for absolute month numbers (object array; each distinct month formatted once)."""
    n = np.asarray(numbers, dtype=np.int64)
    uniq, inverse = np.unique(n, return_inverse=True)
    text = (uniq - 1970 * 12).astype("datetime64[M]").astype(str).astype(object)
    return text[inverse.reshape(-1)]


def month_end(numbers) -> np.ndarray:
    """The last day (datetime64[D]) of each absolute month."""
    n = np.asarray(numbers, dtype=np.int64)
    return (n - 1970 * 12 + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
