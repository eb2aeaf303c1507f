"""Payout caps with carry-forward (issue 15 item 6, part): docs/commissions.md rule 7."""
from __future__ import annotations

import pytest

from helpers import D, deal, lines, measure, payable, payout, run, tiers, workbook


def _book(carry, deals):
    m = measure(basis="Period", cap_type="Amount", cap_value=1_000)
    m["CapCarryForward"] = carry
    return workbook(measures=[m], tier_rows=tiers("T", (0, None, 0.10)), quotas={"RepID": [], "Measure": [],
                                                                                  "Period": [], "Quota": []},
                    deals=deals)


def test_the_excess_over_a_periods_cap_is_paid_later_within_later_caps():
    r = run(_book("Yes", [deal("D1", "A", 25_000, D(2026, 1, 10)), deal("D2", "A", 5_000, D(2026, 2, 10))]))
    # uncapped: January 25,000 x 10% = 2,500, February 5,000 x 10% = 500; cap 1,000 a month
    # EarnedToDate = min(previous + 1,000, uncapped to date): Jan min(1,000, 2,500) = 1,000;
    # Feb min(2,000, 3,000) = 2,000; Mar min(3,000, 3,000) = 3,000; Apr 3,000
    assert [payable(r, "A", m) for m in ("2026-01", "2026-02", "2026-03", "2026-04")] == [1_000, 1_000, 1_000, 0]
    assert payout(r, "A", "2026-01")["CapApplied"] / 100 == 1_500.00  # held: 2,500 - 1,000
    assert payout(r, "A", "2026-03")["CapApplied"] == 0
    (tu,) = lines(r, "A", "2026-03").to_dict("records")
    assert tu["LineType"] == "True-up" and tu["Note"].startswith("cap carry-forward")


def test_without_carry_forward_the_excess_is_lost():
    r = run(_book(None, [deal("D1", "A", 25_000, D(2026, 1, 10)), deal("D2", "A", 5_000, D(2026, 2, 10))]))
    # January 1,000 (capped), February 500 (under the cap), nothing after
    assert [payable(r, "A", m) for m in ("2026-01", "2026-02", "2026-03")] == [1_000, 500, 0]
