"""One plan, three doors, one number: a cell function, a script in Excel and the CLI agree.

The commission template's plans include measures paid as marginal commission on year-to-date
attainment, with no threshold and no cap. For each such measure and person, the year's earnings are

    EarnedToDate = SXL_COMMISSION(CreditYTD, <the measure's tier range>, "marginal", QuotaYTD)

(bands of attainment applied to CreditYTD / QuotaYTD, each at its own rate, times the quota, rounded
to the cent). The test computes that number with the cell function (the tier range passed as Excel
passes a range), and reads EarnedToDate from the Payouts table written by ``salesops-xl recalc``
(a subprocess, on the file) and by the ribbon script (the Book door, both runtimes' flavours).
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from addin_testlib import ROOT

from salesops_xl.addin import scripts
from salesops_xl.addin.book import BookSource
from salesops_xl.addin.functions import sxl_commission
from salesops_xl.xlsx.reader import XlsxSource


def frame(raw):
    return [dict(zip(raw.columns, (raw.data[c][i] for c in raw.columns))) for i in range(raw.n_rows)]


def blank(v):
    return v is None or v == ""


def final_earnings(payouts, measures):
    """(PlanID, Measure, RepID) -> (CreditYTD, QuotaYTD, EarnedToDate) at each measure's last period."""
    eligible = {(m["PlanID"], m["Measure"]): m["TierTable"] for m in measures
                if m["Method"] == "Marginal" and m["RateType"] == "Commission" and m["Basis"] == "YTD"
                and blank(m.get("Threshold")) and blank(m.get("CapType"))}
    last = {}
    for r in payouts:
        key = (r["PlanID"], r["Measure"])
        if key in eligible:
            last[key] = max(last.get(key, ""), r["Period"])
    return {(r["PlanID"], r["Measure"], r["RepID"]): (r["CreditYTD"], r["QuotaYTD"], r["EarnedToDate"], eligible[
        (r["PlanID"], r["Measure"])]) for r in payouts if (r["PlanID"], r["Measure"]) in eligible
            and r["Period"] == last[(r["PlanID"], r["Measure"])] and r["QuotaYTD"] and r["CapApplied"] == 0}


def test_a_cell_function_a_script_and_the_cli_give_the_same_number(workbook_copy, book_model):
    path = workbook_copy("commissions")
    cli = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "recalc", str(path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert cli.returncode == 0, cli.stderr
    with XlsxSource(path) as src:
        by_cli = final_earnings(frame(src.read("Payouts")), frame(src.read("PlanMeasures")))

    book = book_model("commissions", "lite")
    scripts.run_on_book("commissions.recalc", book)
    book.settle()
    source = BookSource(book)
    by_script = final_earnings(frame(source.read("Payouts")), frame(source.read("PlanMeasures")))
    tiers = frame(source.read("Tiers"))

    assert by_cli and by_cli.keys() == by_script.keys()
    for key, (credit, quota, earned, table) in by_cli.items():
        tier_range = [["Tier", "From", "To", "Rate"]] + [[t["Tier"], t["From"], t["To"], t["Rate"]]
                                                         for t in tiers if t["TierTable"] == table]
        by_cell = sxl_commission([[credit]], tier_range, "marginal", quota)
        assert by_cell == pytest.approx(earned, abs=1e-9), key
        assert by_script[key][2] == pytest.approx(earned, abs=1e-9), key
        if len(tier_range) == 2:  # a single band: the commission is simply the rate times the credit
            rate = tier_range[1][3]
            assert by_cell == pytest.approx(round(credit * rate + 1e-9, 2), abs=1e-9)
