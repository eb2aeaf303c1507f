"""The quota template ``workbooks/quotas.xlsx``, generated reproducibly from code.

Input sheets from the schema and the sample data, a README and a Checks
sheet of native formulas, then a recalculation with a fixed time: the same
code always gives the same bytes (a test compares the committed file with a
fresh build).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sheets import SheetSpec
from ..templates import build_template, input_sheet
from . import schema as S

README = [
    "This workbook plans quotas and sales capacity with salesops-xl. Fill in the blue input tables; the other",
    "sheets (Allocation, Rep Quotas, Quota Months, Seasonality, Capacity, Quota Run Log) are produced by a",
    "recalculation and replaced every time: do not edit them. Everything else (your sheets, formulas) is kept.",
    "",
    "Recalculate:  in Excel, the salesops-xl ribbon > Recalculate quotas;  or from a terminal:",
    "    salesops-xl recalc quotas.xlsx",
    "Send the quotas to the commission workbook's Quotas table (rows of the other measures are kept):",
    "    salesops-xl quotas handoff quotas.xlsx commissions.xlsx [--measure NewBusiness]",
    "",
    "Input tables (salesops-xl schema --kind quotas prints every column and rule):",
    "  QuotaPlan        plan year, target, currency, measure, rounding unit, phasing (History / Profile / Even)",
    "  CapacityPlan     productivity of a ramped rep, expected attainment, attrition, hiring lag, hiring limits",
    "  QuotaRoster      reps, managers (ManagerID builds the hierarchy) and open requisitions (Status Open),",
    "                   with hire/termination dates, currency, potential, floor and ceiling",
    "  AllocationRules  per node: Even / History / Potential / Blend and the over-assignment factor;",
    "                   a node without a row uses its manager's rule (the Company row is required)",
    "  BookingsHistory  bookings per rep and month of the year before the plan year (rows add up)",
    "  AccountPotential account-based potential of the seats (when QuotaRoster[Potential] is blank)",
    "  AccountMoves     scheduled account moves: the hand-off moves the account's quota share from its date",
    "  SeasonalProfile  month weights for Phasing = Profile;  RampCurve  ramp of new hires (25/50/75% default)",
    "  PlanFXRates      planning rates for seats paid in another currency",
    "Rules (how every number is computed, with examples): docs/quotas.md in the salesops-xl repository.",
]


def _checks_sheet() -> SheetSpec:
    """Native formulas over the output tables (kept by recalculations; LibreOffice/Excel compute them)."""
    rows = [
        ("A1", "Checks (native Excel formulas over the output tables; salesops-xl never rewrites this sheet)"),
        ("A3", "Company target"),
        ("A4", "Quotas of level 1 (sum)"),
        ("A5", "Company over-assignment"),
        ("A6", "Seat quotas (Rep + Open seat)"),
        ("A7", "Seat months minus seat annual quotas (must be 0)"),
        ("A8", "Capacity: target minus capacity, whole year"),
        ("A9", "Planned hires"),
    ]
    formulas = [
        ("B3", "SUMIFS(Allocation[Quota],Allocation[Level],0)"),
        ("B4", "SUMIFS(Allocation[Quota],Allocation[Level],1)"),
        ("B5", "B4/B3"),
        ("B6", 'SUMIFS(Allocation[Quota],Allocation[Role],"Rep")+SUMIFS(Allocation[Quota],Allocation[Role],'
               '"Open seat")'),
        ("B7", 'ROUND(SUMIFS(QuotaMonths[Quota],QuotaMonths[Role],"Rep")+SUMIFS(QuotaMonths[Quota],'
               'QuotaMonths[Role],"Open seat")-B6,2)'),
        ("B8", "SUM(CapacityByMonth[Gap])"),
        ("B9", "SUM(HiringPlan[Hires])"),
    ]
    return SheetSpec(name="Checks", notes=tuple(rows), formulas=tuple(formulas), tab_color="FFC000")


def quota_input_sheets(tables: dict[str, pd.DataFrame]) -> list[SheetSpec]:
    """README, the input sheets (blue) and the Checks sheet."""

    def sheet(name, schemas_anchors, freeze="A2"):
        return input_sheet(name, tables, schemas_anchors, freeze)

    notes = (("A1", "salesops-xl quota and capacity workbook"),) + tuple(
        (f"A{i + 3}", line) for i, line in enumerate(README))
    return [
        SheetSpec(name="README", notes=notes, tab_color="C00000"),
        sheet("Plan", [(S.QUOTA_PLAN, "A1"), (S.CAPACITY_PLAN, "A5")], freeze=None),
        sheet("Quota Roster", [(S.QUOTA_ROSTER, "A1")]),
        sheet("Rules", [(S.ALLOCATION_RULES, "A1")]),
        sheet("Bookings History", [(S.BOOKINGS_HISTORY, "A1")]),
        sheet("Accounts", [(S.ACCOUNT_POTENTIAL, "A1"), (S.ACCOUNT_MOVES, "G1")]),
        sheet("Profiles", [(S.SEASONAL_PROFILE, "A1"), (S.RAMP_CURVE, "D1")], freeze=None),
        sheet("FX", [(S.PLAN_FX, "A1")]),
        _checks_sheet(),
    ]


def build_quota_template(path: str | Path = "workbooks/quotas.xlsx") -> Path:
    """Write the quota template with sample data and computed outputs to ``path``."""
    from .sample import sample_tables

    return build_template(path, quota_input_sheets(sample_tables()), kind="quotas")
