"""Sample inputs of the quoting template: a small software price book in three currencies, its discount
schedules, a four-level approval matrix and 40 quotes (deterministic: a fixed seed)."""
from __future__ import annotations

import numpy as np
import pandas as pd

PRODUCTS = [  # product, description, USD list, floor, cost, volume schedule
    ("ANL-STD", "Analytics Standard seat", 60.0, 42.0, 9.0, "SEATS"),
    ("ANL-PRO", "Analytics Pro seat", 120.0, 80.0, 18.0, "SEATS"),
    ("ANL-ENT", "Analytics Enterprise seat", 220.0, 150.0, 35.0, "SEATS"),
    ("API-1M", "API calls, block of 1 million", 400.0, 260.0, 120.0, "BLOCKS"),
    ("STO-1T", "Storage, 1 TB", 90.0, 70.0, 41.0, "BLOCKS"),
    ("SUP-PRM", "Premium support (per seat)", 25.0, 20.0, 11.0, None),
    ("ONB-PKG", "Onboarding package", 15000.0, 12000.0, 9500.0, None),
    ("TRN-DAY", "Training day", 2400.0, 2000.0, 1300.0, None),
]
CURRENCIES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}


def _round_price(x: float) -> float:
    """Local list prices are rounded to whole units (as price books are)."""
    return float(np.floor(x + 0.5))


def sample_tables(n_quotes: int = 40, seed: int = 18) -> dict[str, pd.DataFrame]:
    rows = []
    for ccy, rate in CURRENCIES.items():
        for prod, desc, lp, fl, cost, sched in PRODUCTS:
            rows.append({"Product": prod, "Currency": ccy, "ListPrice": _round_price(lp * rate),
                         "FloorPrice": _round_price(fl * rate), "UnitCost": round(cost * rate, 2),
                         "VolumeSchedule": sched, "Description": desc})
    price_book = pd.DataFrame(rows)
    tiers = pd.DataFrame({"Schedule": ["SEATS"] * 4 + ["BLOCKS"] * 3,
                          "MinQty": [1, 25, 100, 500, 1, 10, 50],
                          "Discount": [0.0, 0.05, 0.10, 0.15, 0.0, 0.08, 0.15]})
    terms = pd.DataFrame({"TermMonths": [12, 24, 36], "Discount": [0.0, 0.04, 0.08]})
    rules = pd.DataFrame([
        (1, "Sales Manager", "Discount", 0.10, "any discretionary discount above 10%"),
        (2, "Regional VP", "Discount", 0.20, ""),
        (4, "CFO", "Discount", 0.35, ""),
        (2, "Regional VP", "DealSize", 100_000.0, "net amount in USD"),
        (4, "CFO", "DealSize", 500_000.0, ""),
        (2, "Finance Business Partner", "Margin", 0.60, ""),
        (4, "CFO", "Margin", 0.35, ""),
        (2, "Legal", "NonStandardTerms", None, "payment, liability or termination terms off the standard"),
        (3, "Deal Desk Director", "BelowFloor", None, "a line priced below its floor"),
    ], columns=["Level", "Approver", "Rule", "Threshold", "Note"])
    rng = np.random.RandomState(seed)
    customers = ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Hooli",
                 "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Oscorp", "Pied Piper", "Dunder Mifflin"]
    odd_terms = ["Net 90 payment", "Uncapped liability", "Termination for convenience", "Price lock 3 years"]
    quotes, lines = [], []
    for k in range(n_quotes):
        qid = f"Q-{1001 + k}"
        ccy = ["USD", "USD", "USD", "EUR", "GBP"][rng.randint(5)]
        term = [12, 12, 24, 36, 18][rng.randint(5)]
        quotes.append({"QuoteID": qid, "Customer": customers[rng.randint(len(customers))], "Currency": ccy,
                       "TermMonths": term,
                       "NonStandardTerms": odd_terms[rng.randint(len(odd_terms))] if rng.rand() < 0.15 else None,
                       "Owner": f"R{rng.randint(1, 9):03d}", "DealID": f"D-{20001 + k}"})
        for p in rng.choice(len(PRODUCTS), size=rng.randint(1, 5), replace=False):
            prod = PRODUCTS[p][0]
            if prod in ("ONB-PKG", "TRN-DAY"):
                qty = int(rng.randint(1, 4))
            elif prod in ("API-1M", "STO-1T"):
                qty = int(rng.choice([2, 5, 10, 20, 60]))
            else:
                qty = int(rng.choice([10, 25, 40, 100, 150, 600]))
            disc = float(rng.choice([0.0, 0.0, 0.0, 0.05, 0.05, 0.10, 0.12, 0.15, 0.22, 0.30]))
            lines.append({"QuoteID": qid, "Product": prod, "Quantity": qty, "Discount": disc})
    return {
        "QuoteSettings": pd.DataFrame({"BaseCurrency": ["USD"]}),
        "QuoteFX": pd.DataFrame({"Currency": ["EUR", "GBP"], "Rate": [0.92, 0.79]}),
        "PriceBook": price_book, "VolumeTiers": tiers, "TermDiscounts": terms, "ApprovalRules": rules,
        "Quotes": pd.DataFrame(quotes), "QuoteLines": pd.DataFrame(lines),
    }
