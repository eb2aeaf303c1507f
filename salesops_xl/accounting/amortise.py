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
#: Schedule rows computed at a time: a block's temporaries stay small and are reused rather than allocated anew.
BLOCK_ROWS = 1 << 18


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
    first: np.ndarray  # intp per item: its first row (every item has at least one)

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

    How: every row's *closing* balance is computed directly, tranche by tranche, as ``C - A(k)`` with ``k`` the
    tranche's months amortised by the row's month (0 from its write-off on); the opening is the row before's
    closing, and the month's amortisation is what the balance lost that is neither capitalised nor written off.
    Rows are laid out item by item with ``np.repeat`` of per-item (intp) lengths. No loop runs per item or row:
    the first tranche of every item is computed over blocks of :data:`BLOCK_ROWS` rows (whole arrays, cut so
    their temporaries are reused), the other tranches (cancelled shares) rank by rank.
    """
    item = np.asarray(item, dtype=np.intp)
    cents = np.asarray(cents, dtype=np.int64)
    start = np.asarray(start, dtype=np.int64)
    months = np.asarray(months, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    cap_month = np.asarray(cap_month, dtype=np.int64)
    if item.shape[0] and np.any(item[1:] < item[:-1]):
        order = np.argsort(item, kind="stable")
        item, cents, start, months, end = item[order], cents[order], start[order], months[order], end[order]
    nt = item.shape[0]
    cap_t = cap_month[item]
    stop = start + months  # first month after the benefit period
    k_am = np.clip(np.minimum(end, stop) - start, 0, months)  # months amortised
    writes = end < stop
    w_month = np.maximum(end, cap_t)  # the month a cancelled tranche is written off
    last_t = np.where(writes, w_month, stop - 1)
    # tranches of one item follow each other: runs, a tranche's rank in its item, the item's last month
    new = np.ones(nt, dtype=bool)
    new[1:] = item[1:] != item[:-1]
    run_start = np.flatnonzero(new).astype(np.intp)
    rank = np.arange(nt, dtype=np.intp) - run_start[np.cumsum(new, dtype=np.intp) - 1]
    run_item = item[run_start]
    last = cap_month.copy()
    if nt:
        last[run_item] = np.maximum(cap_month[run_item], np.maximum.reduceat(last_t, run_start))
    length = (last - cap_month + 1).astype(np.intp)
    offset = np.zeros(n_items + 1, dtype=np.intp)
    np.cumsum(length, out=offset[1:])
    first = offset[:-1]
    n_rows = int(offset[-1])
    # the first tranche of every item (an item without one: a tranche of nothing), as per-item arrays
    t0 = np.full(n_items, -1, dtype=np.intp)
    t0[run_item] = run_start
    has = t0 >= 0
    t0c = np.where(has, t0, 0)
    c0 = np.where(has, cents[t0c] if nt else 0, 0)
    n0 = np.where(has, months[t0c] if nt else 1, 1)
    ka0 = np.where(has, k_am[t0c] if nt else 0, 0)
    first64 = first.astype(np.int64)
    base0 = first64 + np.where(has, start[t0c] if nt else cap_month, cap_month) - cap_month - 1
    row_item = np.empty(n_rows, dtype=np.intp)
    month = np.empty(n_rows, dtype=np.int64)
    closing = np.empty(n_rows, dtype=np.int64)
    # block by block of about BLOCK_ROWS rows (whole items): the temporaries stay small and are reused
    i0 = 0
    while i0 < n_items:
        i1 = min(max(int(np.searchsorted(offset, offset[i0] + BLOCK_ROWS, side="right")) - 1, i0 + 1), n_items)
        r0, r1 = int(offset[i0]), int(offset[i1])
        ln = length[i0:i1]
        row_item[r0:r1] = np.repeat(np.arange(i0, i1, dtype=np.intp), ln)
        k = np.arange(r0, r1, dtype=np.int64)
        np.subtract(k, np.repeat(first64[i0:i1] - cap_month[i0:i1], ln), out=month[r0:r1])
        # k = months of benefit by the row's month, clipped to [0, months amortised]; C - round(C k / N)
        k -= np.repeat(base0[i0:i1], ln)
        np.maximum(k, 0, out=k)
        np.minimum(k, np.repeat(ka0[i0:i1], ln), out=k)
        k *= np.repeat(2 * c0[i0:i1], ln)
        k += np.repeat(n0[i0:i1], ln)
        k //= np.repeat(2 * n0[i0:i1], ln)
        np.subtract(np.repeat(c0[i0:i1], ln), k, out=closing[r0:r1])
        i0 = i1
    # a cancelled tranche has nothing left from its write-off month on
    w_rows = offset[item] + (w_month - cap_t).astype(np.intp)  # row of each tranche's write-off
    wt = run_start[writes[run_start]]
    closing[_ranges(w_rows[wt], offset[item[wt] + 1] - w_rows[wt])] = 0
    # the other tranches (cancelled shares), rank by rank: a rank has one tranche per item at most
    for r in range(1, int(rank.max()) + 1 if nt else 0):
        t = np.flatnonzero(rank == r)
        it = item[t]
        ln = length[it]
        rows = _ranges(first[it], ln)
        k = rows.astype(np.int64) - np.repeat(first64[it] + start[t] - cap_t[t] - 1, ln)
        np.maximum(k, 0, out=k)
        np.minimum(k, np.repeat(k_am[t], ln), out=k)
        bal = np.repeat(cents[t], ln) - cumulative(np.repeat(cents[t], ln), k, np.repeat(months[t], ln))
        wt = t[writes[t]]
        bal[np.searchsorted(rows, _ranges(w_rows[wt], offset[item[wt] + 1] - w_rows[wt]))] = 0
        closing[rows] += bal
    # capitalisation: the whole item in its first row; write-offs: what each cancelled tranche has not amortised
    capitalised = np.zeros(n_rows, dtype=np.int64)
    cap_rows = first[run_item]
    if nt:
        capitalised[cap_rows] = np.add.reduceat(cents, run_start)
    written_off = np.zeros(n_rows, dtype=np.int64)
    w = np.flatnonzero(writes)
    at = np.zeros(0, dtype=np.intp)
    if w.shape[0]:
        left = cents[w] - cumulative(cents[w], k_am[w], months[w])
        at, inv = np.unique(w_rows[w], return_inverse=True)
        written_off[at] = np.bincount(inv.reshape(-1), weights=left, minlength=at.shape[0]).round().astype(np.int64)
    # opening = the row before's closing (0 on an item's first row); amortised = what the balance lost
    opening = np.empty(n_rows, dtype=np.int64)
    if n_rows:
        opening[1:] = closing[:-1]
        opening[first] = 0
    amortised = opening - closing
    amortised[cap_rows] += capitalised[cap_rows]
    amortised[at] -= written_off[at]
    return Schedule(item=row_item, month=month, opening=opening, capitalised=capitalised, amortised=amortised,
                    written_off=written_off, closing=closing, first=first)


def _ranges(first: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The concatenated ranges ``first[i], first[i] + 1, ... first[i] + length[i] - 1`` (intp)."""
    first = np.asarray(first, dtype=np.intp)
    length = np.asarray(length, dtype=np.intp)
    total = int(length.sum())
    before = np.cumsum(length) - length
    out = np.repeat(first - before, length)
    out += np.arange(total, dtype=np.intp)
    return out


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
