"""The precision at which every workbook holds its numbers: money to the cent, other numbers to 10 significant digits.

One rule for every door that writes cells (the xlsx writer of the batch door, the Book writer of the Excel
scripts) and every kind of workbook, stated in docs/schema.md ("Numbers in the workbook"). Computed floats
differ in their last bits between numpy, pandas and scipy versions (summation order, SIMD kernels, an
optimiser's steps); rounded to a precision a thousand times coarser than those differences and far finer than
any number format shows, they come out the same, so the same inputs give the same workbook on every supported
version. Pure numpy: it runs in xlwings Lite too.
"""
from __future__ import annotations

import numpy as np

from .money import round_half_away_float

#: Significant digits of every written number that is not money (see :func:`round_written`).
SIGNIFICANT_DIGITS = 10

# 10**k for k = -323..308 (the decimal exponent of a double): the largest entry <= |x| gives floor(log10|x|)
# exactly, which np.log10 does not promise (its SIMD kernels differ by an ulp between numpy versions)
_POW10_MIN = -323
_POW10 = np.array([float(f"1e{k}") for k in range(_POW10_MIN, 309)])
_MAX_CENTS = 2.0 ** 53 / 100
_EXACT10 = np.array([10.0 ** k for k in range(23)])  # 10**k is exact in a double up to k = 22


def round_written(a: np.ndarray, kind: str) -> np.ndarray:
    """The values of a float column as a workbook holds them: money to the cent, the rest to 10 significant digits.

    Both round half away from zero, as Excel's ROUND does. ``money`` follows
    the money rule of :func:`salesops_xl.money.round_half_away` (float noise
    below a millionth of a cent is removed first; beyond 2**53 cents a double
    holds no cents and the value is kept). Any other kind is rounded to
    :data:`SIGNIFICANT_DIGITS` significant digits: ``x * 10**s`` rounded to a
    whole number, divided by ``10**s``, with ``s = 9 - floor(log10|x|)``, which
    is the double nearest the rounded decimal. Whole numbers below 10**10,
    NaN and infinities come back unchanged, -0.0 becomes 0.0.

    Every step is an IEEE basic operation on the value alone (no log10, whose
    SIMD kernels differ by an ulp between numpy versions), so equal inputs
    give equal outputs everywhere. What differs between numpy, pandas and
    scipy versions is a computed value's last bits, up to about 3e-13
    relative in the shipped workbooks: a thousand times below the 1e-10 kept.
    """
    a = np.asarray(a, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        if kind == "money":
            return np.where(np.abs(a) < _MAX_CENTS, round_half_away_float(a * 100.0) / 100.0, a) + 0.0
        out = a + 0.0  # a copy, and -0.0 -> 0.0
        ok = np.isfinite(out) & (out != 0)
        if not ok.any():
            return out
        x = out[ok]
        e = np.searchsorted(_POW10, np.abs(x), side="right") - 1 + _POW10_MIN  # floor(log10|x|)
        s = SIGNIFICANT_DIGITS - 1 - e  # decimals kept; 10**|s| is exact for 1e-13 <= |x| < 1e32
        up = (s >= 0) & (s < len(_EXACT10))
        down = (s < 0) & (-s < len(_EXACT10))
        y = x.copy()
        p = _EXACT10[s[up]]
        y[up] = _half_away(x[up] * p) / p
        p = _EXACT10[-s[down]]
        y[down] = _half_away(x[down] / p) * p
        for i in np.flatnonzero(~(up | down)).tolist():  # beyond 1e32 or below 1e-13: rare; correctly rounded text
            r = float(f"%.{SIGNIFICANT_DIGITS - 1}e" % x[i])
            y[i] = r if r not in (np.inf, -np.inf) else x[i]  # next to the largest double: kept
        out[ok] = y
    return out


def _half_away(t: np.ndarray) -> np.ndarray:
    """Whole numbers, halves away from zero (|t| < 10**10 here, so |t| + 0.5 is exact)."""
    return np.sign(t) * np.floor(np.abs(t) + 0.5)
