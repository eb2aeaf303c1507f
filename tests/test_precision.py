"""The precision every workbook holds its numbers at (docs/schema.md, "Numbers in the workbook").

Money to the cent, every other number to 10 significant digits, both half away from zero: hand-worked values,
the pairs two numpy/pandas/scipy versions really computed for the shipped templates (written the same), and
properties over random doubles.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_xl.precision import SIGNIFICANT_DIGITS, round_written
from salesops_xl.xlsx.cellxml import format_floats


def written(x: float, kind: str = "number") -> float:
    return float(round_written(np.array([x]), kind)[0])


def test_hand_worked_numbers():
    assert SIGNIFICANT_DIGITS == 10
    assert written(2 / 3) == 0.6666666667  # 0.666666666666...: the 10th digit 6 rounds up on the 11th (6)
    assert written(-2 / 3) == -0.6666666667  # halves and the rest: symmetric about zero
    assert written(0.12345678912) == 0.1234567891  # 11th digit 2: down
    assert written(6314209.529609884) == 6314209.53  # 6314209.529|6...: up to 6314209.530
    assert written(123456789012.5) == 123456789000.0  # 12 digits: the last two go
    assert written(1.0000000005) == 1.000000001  # the double is 1.00000000050000000413...: the 11th digit 5, up
    assert written(1.00000000005) == 1.0  # 1.000000000|05: the 11th digit 0, down
    assert written(0.1 + 0.2) == 0.3  # 0.30000000000000004
    assert written(12345.0) == 12345.0 and written(9_999_999_999.0) == 9_999_999_999.0  # whole numbers exact
    assert written(1e-13 / 3) == 3.333333333e-14  # tiny and huge magnitudes keep 10 digits too
    assert written(1e300 / 3) == 3.333333333e299
    assert math.copysign(1.0, written(-0.0)) == 1.0  # -0.0 is written 0
    assert np.isnan(written(float("nan"))) and written(float("inf")) == float("inf")


def test_hand_worked_money():
    assert written(0.125, "money") == 0.13 and written(-0.125, "money") == -0.13  # half away from zero, as ROUND
    assert written(1567429.2421971706, "money") == 1567429.24
    assert written(0.1 + 0.2, "money") == 0.3
    assert written(2.675, "money") == 2.68  # 2.67499999999999982236431605997495353221893310546875: noise removed
    assert written(-0.004, "money") == 0.0 and math.copysign(1.0, written(-0.004, "money")) == 1.0
    assert written(1e20, "money") == 1e20  # beyond 2**53 cents there are no cents to round


@pytest.mark.parametrize("kind, a, b, shown", [
    # the same cell of a shipped template, computed under numpy 1.24 / pandas 2.0 / scipy 1.10 and under
    # numpy 2.4.6 / pandas 3.1.1 / scipy 1.17.1 (forecast error, quota share, territory distance, forecast):
    ("number", 2459.8161028754903, 2459.816102876189, "2459.816103"),
    ("percent", 0.3879674731324968, 0.3879674731324969, "0.3879674731"),
    ("number", 257.95854039274445, 257.95854039274434, "257.9585404"),
    ("number", 1.244677884559664, 1.2446778845596418, "1.244677885"),
    ("money", 6314209.529609884, 6314209.529609901, "6314209.53"),
    ("money", -57871.19094040015, -57871.19094041359, "-57871.19"),
])
def test_what_two_versions_computed_is_written_the_same(kind, a, b, shown):
    assert a != b
    assert format_floats(round_written(np.array([a, b]), kind)) == [shown, shown]


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=3000, deadline=None)
@given(finite)
def test_ten_significant_digits_of_the_nearest_decimal(x):
    y = written(x)
    if x == 0:
        assert y == 0
        return
    with localcontext() as ctx:
        ctx.prec = 2000  # exact arithmetic on doubles
        d = Decimal(x)  # the double's exact value
        e = d.adjusted()  # floor(log10|x|)
        want = d.scaleb(-e).quantize(Decimal("1.000000000"), rounding=ROUND_HALF_UP).scaleb(e)  # 10 digits
        if abs(x) >= 1e308:  # 10-digit rounding would overflow: kept
            assert y == x or y == float(want)
            return
        # the written double is the rounded decimal, or (a near-tie within a few ulps of x) its neighbour
        step = Decimal(1).scaleb(e - 9)
        assert y == float(want) or abs(Decimal(y) - d) <= step / 2 * (1 + Decimal("1e-12")), (x, y, want)
    assert float(f"{y:.9e}") == y  # at most 10 significant digits


@settings(max_examples=3000, deadline=None)
@given(st.floats(min_value=-1e13, max_value=1e13))
def test_money_is_the_money_rule(x):
    from salesops_xl.money import to_cents

    assert written(x, "money") == int(to_cents(np.array([x]))[0]) / 100


def test_vectorised_equals_one_by_one_and_keeps_blanks():
    rng = np.random.default_rng(7)
    a = rng.standard_normal(5000) * 10.0 ** rng.integers(-20, 40, 5000)
    a[::97] = np.nan
    a[1::89] = 0.0
    whole = round_written(a, "number")
    assert np.array_equal(whole, [written(x) for x in a], equal_nan=True)
    assert np.isnan(whole[::97]).all()
