"""Commission on margin: a plan measure whose PlanMeasures[CreditBase] is Margin credits Deals[Margin]
(the quoting workbook's QuoteApprovals[Margin] of the deal's quote) instead of Deals[Amount]."""
from __future__ import annotations

import pytest

from salesops_xl.errors import InputError
from salesops_xl.quotes.sample import sample_tables
from salesops_xl.quotes.workflow import price_quotes
from salesops_xl.source import MemorySource

from helpers import D, deal, measure, payable, payout, rep, run, workbook


def margin_measure(name: str = "GM", **kw) -> dict:
    return {**measure(name, **kw), "CreditBase": "Margin"}


def with_margin(d: dict, margin: float | None) -> dict:
    return {**d, "Margin": margin}


def test_a_margin_measure_credits_the_margin_and_an_amount_measure_the_amount():
    src = workbook(measures=[measure("NB", weight=0.5), margin_measure(weight=0.5)],
                   deals=[with_margin(deal("D1", "A", 50_000, D(2026, 1, 10)), 20_000),
                          with_margin(deal("D2", "A", 80_000, D(2026, 1, 20), measure="GM"), 30_000),
                          with_margin(deal("D3", "A", 10_000, D(2026, 1, 25), measure="GM", split=0.5), 4_000),
                          with_margin(deal("D3", "B", 10_000, D(2026, 1, 25), measure="GM", split=0.5), 4_000)],
                   reps=[rep("A"), rep("B")])
    r = run(src)
    # NB credits D1's amount: 50,000 (its margin is not used); GM credits margins: 30,000 + 4,000 x 50% = 32,000
    assert payout(r, "A", "2026-01", "NB")["Credit"] == pytest.approx(50_000)
    assert payout(r, "A", "2026-01", "GM")["Credit"] == pytest.approx(32_000)
    assert payout(r, "B", "2026-01", "GM")["Credit"] == pytest.approx(2_000)
    # each below 100% of its 100,000 quota, paid 5%: A 50,000 x 5% = 2,500 and 32,000 x 5% = 1,600; B 100
    assert payable(r, "A", "2026-01", "NB") == 2_500.00
    assert payable(r, "A", "2026-01", "GM") == 1_600.00
    assert payable(r, "B", "2026-01", "GM") == 100.00


def test_without_the_column_every_measure_credits_the_amount_as_before():
    src = workbook(deals=[deal("D1", "A", 50_000, D(2026, 1, 10))])
    assert payable(run(src), "A", "2026-01") == 2_500.00


def test_a_deal_of_a_margin_measure_without_a_margin_is_refused_with_its_row():
    src = workbook(measures=[margin_measure()],
                   deals=[with_margin(deal("D1", "A", 50_000, D(2026, 1, 10), measure="GM"), 1_000),
                          with_margin(deal("D2", "A", 60_000, D(2026, 1, 12), measure="GM"), None)])
    with pytest.raises(InputError) as e:
        run(src)
    assert ("sheet 'Deals', table Deals: row 3, column Margin, cell K3: measure GM credits margin "
            "(PlanMeasures[CreditBase] Margin) but this deal has none; expected the deal's margin in its "
            "Currency") in str(e.value)


def test_the_quote_margin_is_what_the_deal_credits():
    r = price_quotes(MemorySource(sample_tables()))
    q = r.quotes.set_index("DealID")
    usd = q[q.Currency == "USD"].iloc[0]
    margin = usd.Margin / 100.0
    src = workbook(measures=[margin_measure()],
                   deals=[with_margin(deal(usd.name, "A", usd.NetAmount / 100.0, D(2026, 1, 10), measure="GM"),
                                      margin)])
    assert payout(run(src), "A", "2026-01", "GM")["Credit"] == pytest.approx(margin)
