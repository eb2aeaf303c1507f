"""Tier tables and the tier arithmetic, vectorised over numpy arrays.

A tier table is a list of bands ``[From, To)`` covering ``[0, infinity)``
without gaps or overlaps, each with a rate. Attainment exactly on a boundary
belongs to the band that *starts* there (reaching 100% exactly earns the band
starting at 100%). Attainment is compared with the boundaries after rounding
to 9 decimal places, so 0.1 + 0.2 = 0.3 lands where a person expects.

Two methods:

* **Marginal** ("cumulative"): each band pays its own rate on the part of the
  value that falls inside it. ``value(x) = sum(rate_b * clip(x - From_b, 0, To_b - From_b))``.
* **Retroactive** ("flat to tier"): the rate of the band reached applies to
  the whole value. ``value(x) = rate_k * x`` where ``From_k <= x < To_k``.

For a payout curve (rates are multiples of target incentive), Marginal rates
are slopes (multiple earned per 1.0 = 100% of attainment) and Retroactive
rates are the multiple paid once the band is reached.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Method = Literal["Marginal", "Retroactive"]

ROUND_DIGITS = 9


class TierTableError(ValueError):
    """A tier table is malformed; ``problems`` holds (row index, column, message, value, expected)."""

    def __init__(self, problems: list[tuple[int | None, str | None, str, object, str]]):
        self.problems = problems
        super().__init__("; ".join(p[2] for p in problems))


@dataclass(frozen=True, eq=False)
class TierTable:
    """Bands sorted by ``froms``; ``tos[-1]`` is infinity."""

    id: str
    names: tuple[str, ...]
    froms: np.ndarray
    tos: np.ndarray
    rates: np.ndarray

    @property
    def n(self) -> int:
        return len(self.froms)

    @property
    def cum_at_from(self) -> np.ndarray:
        """Marginal value accumulated below each band's start."""
        widths = np.minimum(self.tos, np.finfo(np.float64).max)[:-1] - self.froms[:-1]
        return np.concatenate(([0.0], np.cumsum(self.rates[:-1] * widths)))

    @classmethod
    def from_rows(cls, id: str, froms: Sequence[float], tos: Sequence[float | None], rates: Sequence[float],
                  names: Sequence[str | None] | None = None, rows: Sequence[int] | None = None) -> TierTable:
        """Build and check a tier table; raise :class:`TierTableError` listing every problem.

        ``tos`` may hold None/NaN for "up to the next From" (and must for the last band);
        ``rows`` are the caller's row indices, used to locate problems.
        """
        n = len(froms)
        rows = list(rows) if rows is not None else list(range(n))
        f = np.asarray(froms, dtype=np.float64)
        t = np.array([np.nan if v is None else v for v in tos], dtype=np.float64)
        r = np.asarray(rates, dtype=np.float64)
        probs: list[tuple[int | None, str | None, str, object, str]] = []
        if n == 0:
            raise TierTableError([(None, None, f"tier table {id!r} has no bands", None, "at least one band")])
        order = np.argsort(f, kind="stable")
        f, t, r = f[order], t[order], r[order]
        rows = [rows[i] for i in order]
        nm = [None] * n if names is None else [names[i] for i in order]
        if abs(f[0]) > 1e-12:
            probs.append((rows[0], "From", f"the first band of tier table {id!r} starts above 0", float(f[0]),
                          "the lowest band to start at 0 so every attainment is covered"))
        for i in range(n):
            last = i == n - 1
            if i + 1 < n and f[i + 1] == f[i]:
                probs.append((rows[i + 1], "From", f"two bands of tier table {id!r} start at the same value",
                              float(f[i]), "each band to start where the previous one ends"))
            if last:
                if not np.isnan(t[i]):
                    probs.append((rows[i], "To", f"the last band of tier table {id!r} has an end", float(t[i]),
                                  "a blank To on the last band (it runs on without limit)"))
                continue
            if np.isnan(t[i]):
                t[i] = f[i + 1]
            elif t[i] < f[i + 1] - 1e-12:
                probs.append((rows[i], "To", f"gap in tier table {id!r}: this band ends before the next starts "
                              f"at {f[i + 1]:g}", float(t[i]), f"To = {f[i + 1]:g} (the next band's From)"))
            elif t[i] > f[i + 1] + 1e-12:
                probs.append((rows[i], "To", f"overlap in tier table {id!r}: this band ends after the next starts "
                              f"at {f[i + 1]:g}", float(t[i]), f"To = {f[i + 1]:g} (the next band's From)"))
            if not np.isnan(t[i]) and t[i] <= f[i]:
                probs.append((rows[i], "To", f"a band of tier table {id!r} ends where it starts or before",
                              float(t[i]), f"To above From ({f[i]:g})"))
        if np.any(np.isnan(r)) or np.any(r < 0):
            for i in np.flatnonzero(np.isnan(r) | (r < 0)).tolist():
                probs.append((rows[i], "Rate", "rate missing or negative", float(r[i]), "a rate of 0 or more"))
        if probs:
            raise TierTableError(probs)
        t[-1] = np.inf
        names_t = tuple((str(x) if x not in (None, "") else f"T{i + 1}") for i, x in enumerate(nm))
        return cls(id=id, names=names_t, froms=f, tos=t, rates=r)

    # -- arithmetic -------------------------------------------------------------------------
    def band(self, x: np.ndarray) -> np.ndarray:
        """Index of the band containing ``x`` (values below 0 fall in the first band)."""
        xr = np.round(np.asarray(x, dtype=np.float64), ROUND_DIGITS)
        k = np.searchsorted(self.froms, xr, side="right") - 1
        return np.clip(k, 0, self.n - 1)

    def marginal(self, x: np.ndarray) -> np.ndarray:
        """Sum over bands of rate x the part of ``x`` inside the band; 0 for x <= 0."""
        x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
        k = self.band(x)
        return self.cum_at_from[k] + self.rates[k] * (x - self.froms[k])

    def retroactive(self, x: np.ndarray) -> np.ndarray:
        """Rate of the band reached, times ``x`` (0 for x <= 0)."""
        x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
        return self.rates[self.band(x)] * x

    def step(self, x: np.ndarray) -> np.ndarray:
        """Rate of the band reached (a step payout curve)."""
        return self.rates[self.band(np.maximum(np.asarray(x, dtype=np.float64), 0.0))]


def tiered_value(x: np.ndarray, table: TierTable, method: Method) -> np.ndarray:
    """Commission on values ``x`` whose bands are in the same units as ``x``."""
    return table.marginal(x) if method == "Marginal" else table.retroactive(x)


def payout_multiple(attainment: np.ndarray, table: TierTable, method: Method) -> np.ndarray:
    """Payout as a multiple of target incentive at ``attainment`` on a payout curve."""
    return table.marginal(attainment) if method == "Marginal" else table.step(attainment)


def earned(credit: np.ndarray, quota: np.ndarray | float, target: np.ndarray | float, table: TierTable, method: Method,
           rate_type: Literal["Commission", "Multiple"], threshold: np.ndarray | float = 0.0,
           cap: np.ndarray | float = np.inf) -> np.ndarray:
    """Earnings for credit against quota, vectorised (all arrays broadcast together).

    * attainment ``a = credit / quota``;
    * Commission: Marginal pays each band's rate on the credit inside the band
      (band limits are ``From x quota``); Retroactive pays the reached band's
      rate on all credit;
    * Multiple: ``target x`` the payout curve at ``a``;
    * nothing while ``a`` is below ``threshold``; at most ``cap``.
    """
    credit = np.asarray(credit, dtype=np.float64)
    quota = np.asarray(quota, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(quota > 0, credit / np.where(quota > 0, quota, 1.0), 0.0)
    if rate_type == "Commission":
        if method == "Marginal":
            # without a quota (a flat rate) the first band's rate applies to all credit
            e = np.where(quota > 0, quota * table.marginal(a), table.rates[0] * np.maximum(credit, 0.0))
        else:
            e = table.rates[table.band(a)] * np.maximum(credit, 0.0)
    else:
        e = np.asarray(target, dtype=np.float64) * payout_multiple(a, table, method)
    gate = np.round(a, ROUND_DIGITS) < np.round(np.asarray(threshold, dtype=np.float64), ROUND_DIGITS)
    e = np.where(gate, 0.0, e)
    return np.minimum(e, cap)
