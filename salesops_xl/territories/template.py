"""``workbooks/territories.xlsx``: input sheets from the schema and the sample data, then a recalculation.

The same code always gives the same bytes (fixed sample seed, fixed run time).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sheets import SheetSpec
from ..templates import SAMPLE_RUN_AT, input_sheet
from ..templates import build_template as _build
from . import schema as S

README = [
    "This workbook aligns sales territories and routes leads with salesops-xl. Fill in the blue input tables;",
    "the green/grey sheets (Alignment, Territories, Before After, Territory Map, Lead Assignments, Lead Load,",
    "Round Robin, Run Log) are written by a recalculation and replaced every time: do not edit them.",
    "Everything else in the workbook (your own sheets, formulas, charts) is kept.",
    "",
    "Recalculate:  in Excel, the salesops-xl ribbon > Align territories / Route leads;  or from a terminal:",
    "    salesops-xl recalc territories.xlsx            (both halves)",
    "    salesops-xl territories align territories.xlsx (the alignment only)",
    "    salesops-xl territories leads territories.xlsx (lead routing only)",
    "",
    "Territory alignment (sheets Settings, Units, Reps, Locks, Adjacency, Regions, Distances):",
    "  TerritoryUnits  accounts or geographic units: location, Potential, Workload, CurrentOwner",
    "  TerritoryReps   reps: home base, Capacity (relative size of the territory)",
    "  UnitLocks       units that must go to a given rep;  UnitAdjacency  neighbouring units (contiguity)",
    "  AlignSettings   BalanceOn, Tolerance, DisruptionWeight (km), Centres, Contiguity, TimeLimit (s),",
    "                  MissingDistance;  Distances  road km / drive minutes instead of great-circle (optional)",
    "  The optimiser (HiGHS) balances every territory within the tolerance, keeps them compact and contiguous,",
    "  and moves as few units as the disruption weight asks, within TimeLimit seconds; the Run Log gives the",
    "  proven lower bound and gap ('optimal' only when HiGHS proved it).",
    "",
    "Lead routing (sheets Leads, Lead Reps, Routing, Out Of Office):",
    "  rule chain: account owner > named account > territory/segment rep > weighted round-robin pool >",
    "  fallback queue; daily capacities, out-of-office days, languages and skills decide who can take a lead.",
    "  Round Robin is the fairness state: written by each run and read back by the next one (empty here: the",
    "  sample's leads do not count). A lead in Lead Assignments keeps its rep; mark Leads[Reroute] to move it.",
    "",
    "Rules, with examples to recompute by hand: docs/territories.md in the salesops-xl repository.",
]


def _readme() -> SheetSpec:
    notes = [("A1", "salesops-xl territory workbook")] + [(f"A{i + 3}", line) for i, line in enumerate(README)]
    return SheetSpec(name="README", notes=tuple(notes), tab_color="C00000")


def _checks() -> SheetSpec:
    """A user-style sheet of native formulas over the output tables (kept by recalculations)."""
    rows = [
        ("A1", "Checks (native Excel formulas over the output tables; salesops-xl never rewrites this sheet)"),
        ("A3", "Units in Alignment minus units in TerritoryUnits (must be 0)"),
        ("A4", "Potential of R01 in the proposed alignment (SUMIFS)"),
        ("A5", "Its deviation from target"),
        ("A6", "Largest |potential deviation| over territories"),
        ("A7", "Units moved"),
        ("A8", "Leads in LeadAssignments minus leads in Leads (must be 0)"),
        ("A9", "Round-robin leads"),
        ("A10", "Leads in the fallback queue"),
    ]
    formulas = [
        ("B3", "ROWS(Alignment[UnitID])-ROWS(TerritoryUnits[UnitID])"),
        ("B4", 'SUMIFS(Alignment[Potential],Alignment[NewOwner],"R01")'),
        ("B5", 'B4/INDEX(TerritorySummary[PotentialTarget],MATCH("R01",TerritorySummary[RepID],0))-1'),
        ("B6", "MAX(MAX(TerritorySummary[PotentialDeviation]),-MIN(TerritorySummary[PotentialDeviation]))"),
        ("B7", 'COUNTIF(Alignment[Change],"Moved")'),
        ("B8", "ROWS(LeadAssignments[LeadID])-ROWS(Leads[LeadID])"),
        ("B9", 'COUNTIF(LeadAssignments[Rule],"Round-robin")'),
        ("B10", 'COUNTIF(LeadAssignments[Rule],"Fallback queue")'),
    ]
    return SheetSpec(name="Checks", notes=tuple(rows), formulas=tuple(formulas), tab_color="FFC000")


def input_sheets(tables: dict[str, pd.DataFrame]) -> list[SheetSpec]:
    """README, the input sheets holding whichever tables ``tables`` has, and Checks."""
    sheets = [_readme()]
    layout = [
        ("Settings", [(S.ALIGN_SETTINGS, "A1"), (S.LEAD_SETTINGS, "E1")], None),
        ("Units", [(S.UNITS, "A1")], "B2"),
        ("Reps", [(S.REPS, "A1")], "B2"),
        ("Locks", [(S.LOCKS, "A1")], "A2"),
        ("Adjacency", [(S.ADJACENCY, "A1")], "A2"),
        ("Regions", [(S.REGIONS, "A1")], "A2"),
        ("Distances", [(S.DISTANCES, "A1")], "A2"),
        ("Leads", [(S.LEADS, "A1")], "B2"),
        ("Lead Reps", [(S.LEAD_REPS, "A1")], "B2"),
        ("Routing", [(S.ACCOUNT_OWNERS, "A1"), (S.NAMED_ACCOUNTS, "D1"), (S.ROUTING_RULES, "G1")], None),
        ("Out Of Office", [(S.OUT_OF_OFFICE, "A1")], "A2"),
    ]
    for name, placed, freeze in layout:
        if any(sch.name in tables for sch, _ in placed):
            sheets.append(input_sheet(name, tables, placed, freeze))
    sheets.append(_checks())
    return sheets


def build_template(path: str | Path = "workbooks/territories.xlsx", tables: dict[str, pd.DataFrame] | None = None,
                   *, computed_at: str = SAMPLE_RUN_AT) -> Path:
    """Write the territory template (sample data unless ``tables`` is given) with computed outputs to ``path``.

    The sample's round-robin state is nobody's: the template ships it empty (the sample leads keep their reps,
    routed from an empty state), so a team's first run on its own leads starts every rep afresh.
    """
    from ..batch import run_workflow
    from ..xlsx.writer import write_sheets
    from .outputs import empty_state_sheet
    from .sample import sample_tables
    from .workflow import route_leads

    out = _build(path, input_sheets(sample_tables() if tables is None else tables), kind="territories",
                 computed_at=computed_at)
    write_sheets(out, out, [empty_state_sheet()])
    run_workflow(out, workflow=route_leads, computed_at=computed_at)  # nothing to route: the state stays empty
    return out
