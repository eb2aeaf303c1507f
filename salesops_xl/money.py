"""Exact money: rounding to cents and splitting a total across lines.

The rules (stated in docs/commissions.md, "Money and rounding"):

* **Rounding rule** - an amount is rounded to whole cents *half away from
  zero* (as Excel's ROUND(x, 2)): 0.125 -> 0.13, -0.125 -> -0.13. Float noise
  below a millionth of a cent is removed first, so 0.1 + 0.2 rounds as 0.30.
* **Cumulative rounding** - a period's payable is the rounded cumulative
  earnings minus the rounded cumulative earnings of the previous period, so
  the payables of a year add up exactly to the rounded year total; no cent is
  created or lost by rounding period by period.
* **Line allocation** - a payable is split across its statement lines by the
  *largest remainder* method: every line gets its exact amount rounded down to
  the cent, and the cents still missing go one each to the lines with the
  largest fractional remainders (ties: the earlier line). The lines of a payable
  therefore always sum to it exactly.

All amounts in cents are ``int64`` numpy arrays.
"""
from __future__ import annotations

import numpy as np


def round_half_away(x) -> np.ndarray:
    """Round to whole numbers half away from zero (int64), after removing float noise below 1e-6."""
    return round_half_away_float(x).astype(np.int64)


def round_half_away_float(x) -> np.ndarray:
    """:func:`round_half_away` as float64, so NaN and infinities pass through (the xlsx writer's float money)."""
    y = np.round(np.asarray(x, dtype=np.float64), 6)
    return np.sign(y) * np.floor(np.abs(y) + 0.5)


def to_cents(amounts) -> np.ndarray:
    """Round currency amounts to int64 cents, half away from zero."""
    return round_half_away(np.asarray(amounts, dtype=np.float64) * 100.0)


def round_money(amount: float) -> float:
    """Scalar convenience: ``amount`` rounded to cents by the rounding rule, as a float."""
    return float(to_cents(np.array([amount]))[0]) / 100.0


def largest_remainder(values, groups, totals, blocked=None) -> np.ndarray:
    """Whole numbers per item that sum exactly to ``totals[g]`` over each group, as close to ``values`` as can be.

    Every item gets ``floor(value)``; the units still missing in its group go one each to the items with the
    largest fractional parts (ties: the lower index first). ``blocked`` items never receive an extra unit (an
    item at its ceiling). If more units are missing than items (the values do not add up to the total), they
    are spread evenly first; a negative remainder takes units from the smallest fractions.
    """
    v = np.round(np.asarray(values, dtype=np.float64), 6)
    groups = np.asarray(groups, dtype=np.intp)
    totals = np.asarray(totals, dtype=np.int64)
    n = v.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    base = np.floor(v)
    frac = np.round(v - base, 6)  # equal remainders compare equal (ties: lower index), whatever the magnitude
    base = base.astype(np.int64)
    if blocked is not None:
        frac = np.where(blocked, -1.0, frac)
    n_groups = totals.shape[0]
    counts = np.bincount(groups, minlength=n_groups)
    missing = totals - np.bincount(groups, weights=base, minlength=n_groups).round().astype(np.int64)
    if np.any((counts == 0) & (missing != 0)):
        raise ValueError("a non-zero total has no line to carry it")
    safe = np.maximum(counts, 1)
    q = np.floor_divide(missing, safe)
    r = missing - q * safe  # 0 <= r < count
    idx = np.arange(n)
    order = np.lexsort((idx, -frac, groups))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = idx - starts[groups[order]]
    return base + q[groups] + (rank < r[groups]).astype(np.int64)


def allocate_cents(values, groups, totals) -> np.ndarray:
    """Split integer ``totals[g]`` (cents) over the lines of each group, proportionally to ``values``.

    ``values`` are exact line amounts in currency units, ``groups`` the group index (0..G-1) of each line and
    ``totals`` the cents each group must sum to: :func:`largest_remainder` on the values in cents.
    Returns int64 cents per line with ``bincount(groups, result) == totals``.
    """
    return largest_remainder(np.asarray(values, dtype=np.float64) * 100.0, groups, totals)


def cents_to_text(cents) -> list[str]:
    """Exact decimal text of int64 cents: 12345 -> '123.45', -5 -> '-0.05'."""
    c = np.asarray(cents, dtype=np.int64)
    if c.size == 0:  # (np.char.zfill of an empty array fails on numpy 2)
        return []
    neg = c < 0
    a = np.abs(c)
    units = (a // 100).astype(str)
    frac = np.char.zfill((a % 100).astype(str), 2)
    out = np.char.add(np.char.add(units, "."), frac)
    return [("-" + s) if n else s for s, n in zip(out.tolist(), neg.tolist())]
