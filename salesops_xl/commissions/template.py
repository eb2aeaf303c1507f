"""The commission workbook's template: its input sheets, laid out from the schema, with the sample data.

``build_commission_template`` is what ``salesops-xl template commissions`` and ``python -m salesops_xl.templates``
run; ``commission_input_sheets`` lays out any set of commission tables the same way (tests build workbooks with it).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..accounting import schema as F
from ..cellrefs import col_letters
from ..sheets import SheetSpec
from ..templates import SAMPLE_RUN_AT, SAMPLE_RUN_AT_2, building, input_sheet, readme_sheet
from . import schema as S
from .audit import USER_ENV
from .sample import late_cancellation, sample_tables

COMMISSION_README = [
    "This workbook computes commissions with salesops-xl. Fill in the blue input tables; the green/grey sheets",
    "(Payouts, Payout Summary, Statement Lines, Dashboard, Run Log, Checks) are produced by a recalculation and replaced",
    "every time: do not edit them. Everything else in the workbook (your own sheets, formulas, charts) is kept.",
    "",
    "Recalculate:  in Excel, the salesops-xl ribbon > Recalculate payouts;  or from a terminal:",
    "    salesops-xl recalc commissions.xlsx",
    "Input tables (salesops-xl schema prints every column and rule):",
    "  Settings      PlanYearStart, AsOfDate, LockedThrough; CompanyName and StatementContact for the statements",
    "  Roster        reps, managers, plans, payout currency, hire/termination dates, annual target incentive",
    "  Plans / PlanMeasures   plans and their measures: weight, period, basis, method, rate type, tiers, cap",
    "  Tiers         bands [From, To) of attainment and their rates",
    "  Quotas        quota per rep, measure and period",
    "  Deals         one row per deal and credited rep (splits repeat the deal on several rows)",
    "  Adjustments   amounts added to / taken from a month's payout (SPIFs, bonuses, corrections)",
    "  FXRates       monthly exchange rates into the reps' payout currencies",
    "  Finance / Deal Terms   capitalisation policy, chart of accounts, payroll layout, contract terms:",
    "                the Contract Costs, Commission Register, Amortisation, Close and Journal sheets (docs/accounting.md)",
    "Rules (tiers, true-up, rounding...): docs/commissions.md in the salesops-xl repository.",
]


def commission_input_sheets(tables: dict[str, pd.DataFrame]) -> list[SheetSpec]:
    def sheet(name, schemas_anchors, freeze="A2"):
        return input_sheet(name, tables, schemas_anchors, freeze)

    plans_width = len(S.PLANS.fields)
    spif_w, bonus_w = len(S.SPIFS.fields), len(S.BONUSES.fields)
    return [
        readme_sheet("salesops-xl commission workbook", COMMISSION_README),
        sheet("Settings", [(S.SETTINGS, "A1")]),
        sheet("Roster", [(S.ROSTER, "A1")]),
        sheet("Leaves", [(S.LEAVES, "A1")]),
        sheet("Plans", [(S.PLANS, "A1"), (S.MEASURES, f"{col_letters(plans_width + 1)}1")], freeze=None),
        sheet("Tiers", [(S.TIERS, "A1")]),
        sheet("Quotas", [(S.QUOTAS, "A1")]),
        sheet("Deals", [(S.DEALS, "A1")]),
        sheet("Cancellations", [(S.CANCELLATIONS, "A1")]),
        sheet("Adjustments", [(S.ADJUSTMENTS, "A1")]),
        sheet("Incentives", [(S.SPIFS, "A1"), (S.BONUSES, f"{col_letters(spif_w + 1)}1"),
                             (S.DRAWS, f"{col_letters(spif_w + bonus_w + 2)}1")], freeze=None),
        sheet("FXRates", [(S.FX_RATES, "A1")]),
        *finance_input_sheets(tables, sheet),
    ] + ([sheet("Disputes", [(S.DISPUTES, "A1")])] if "Disputes" in tables else []) + (
        [sheet("Collections", [(S.INVOICES, "A1"), (S.PAYMENTS, f"{col_letters(len(S.INVOICES.fields) + 1)}1"),
                               (S.HOLDS, f"{col_letters(len(S.INVOICES.fields) + len(S.PAYMENTS.fields) + 2)}1")],
               freeze=None)] if "Invoices" in tables else [])


def finance_input_sheets(tables: dict[str, pd.DataFrame], sheet) -> list[SheetSpec]:
    """The finance tables of commission accounting and the exports (docs/accounting.md), side by side."""
    if "CapPolicy" not in tables:
        return []
    placed, col = [], 1
    for sch in (F.CAP_POLICY, F.JOURNAL_ACCOUNTS, F.PAYROLL_COLUMNS, F.EARNING_CODES):
        placed.append((sch, f"{col_letters(col - 1)}1"))
        col += len(sch.fields) + 1
    return [sheet("Finance", placed, freeze=None), sheet("Deal Terms", [(F.DEAL_TERMS, "A1")])]


def build_commission_template(path: str | Path = "workbooks/commissions.xlsx") -> Path:
    """Write the commission template with sample data and computed outputs to ``path``."""
    from ..batch import recalc
    from ..xlsx.writer import write_sheets

    with building(path) as tmp, _audit_user("Sample data (salesops-xl template)"):
        # stage 1: January-June locked as paid, first recorded on the Paid History sheet
        tables = sample_tables()
        write_sheets(None, tmp, commission_input_sheets(tables))
        recalc(tmp, computed_at=SAMPLE_RUN_AT)
        # stage 2: a June cancellation reported after June was paid flows into July as a prior-period adjustment
        later = late_cancellation(tables)
        write_sheets(tmp, tmp, [s for s in commission_input_sheets(later) if s.name == "Cancellations"])
        recalc(tmp, computed_at=SAMPLE_RUN_AT_2)
    return Path(path)


@contextmanager
def _audit_user(name: str):
    """The user the sample's Audit Log entries name: fixed, so the template is the same whoever builds it."""
    old = os.environ.get(USER_ENV)
    os.environ[USER_ENV] = name
    try:
        yield
    finally:
        if old is None:
            del os.environ[USER_ENV]
        else:
            os.environ[USER_ENV] = old
