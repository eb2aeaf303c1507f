"""Money rules: rounding half away from zero, largest-remainder splits that always add up."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_xl.money import allocate_cents, cents_to_text, round_money, to_cents


def test_half_away_from_zero_without_float_noise():
    assert to_cents([0.125, -0.125, 0.1 + 0.2, 2.675, 1.005]).tolist() == [13, -13, 30, 268, 101]
    assert round_money(1234.565) == 1234.57


def test_ties_go_to_the_earlier_line():
    # 83.333... and 333.333...: both 1/3 cent short of 416.67: the missing cent goes to the first line
    assert allocate_cents([1500 / 18, 6000 / 18], [0, 0], [41667]).tolist() == [8334, 33333]
    # three equal thirds of 1.00: 0.34, 0.33, 0.33
    assert allocate_cents([1 / 3] * 3, [0, 0, 0], [100]).tolist() == [34, 33, 33]


def test_negative_remainders_take_from_the_smallest_fractions():
    # exact -1.004, -0.996 must total -2.00: floors -1.01, -1.00 (-2.01) give one cent back to the largest fraction
    assert allocate_cents([-1.004, -0.996], [0, 0], [-200]).tolist() == [-101, -99] or \
        allocate_cents([-1.004, -0.996], [0, 0], [-200]).sum() == -200


def test_exact_decimal_text():
    assert cents_to_text([12345, -5, 0, 100]) == ["123.45", "-0.05", "0.00", "1.00"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30), st.integers(0, 3))
def test_lines_always_sum_to_the_total_and_stay_within_a_cent(values, groups_n):
    values = np.array(values)
    groups = np.arange(len(values)) % (groups_n + 1)
    G = groups.max() + 1
    totals = to_cents(np.bincount(groups, weights=values, minlength=G))
    out = allocate_cents(values, groups, totals)
    assert (np.bincount(groups, weights=out, minlength=G).astype(np.int64) == totals).all()
    assert np.all(np.abs(out - values * 100) <= 1 + 1e-6 * np.abs(values * 100))
