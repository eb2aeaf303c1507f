"""The input tables of the territory workbook (``workbooks/territories.xlsx``).

Two halves share the workbook: **territory alignment** (``TerritoryUnits``,
``TerritoryReps`` and their optional companions) and **lead allocation**
(``Leads``, ``LeadReps`` and theirs). A recalculation does whichever half the
workbook holds, or both. This module is the single source of the schema: the
template, the validation, ``salesops-xl schema`` and docs/schema.md come from it.
"""
from __future__ import annotations

from ..tables import Field, TableSchema

# -- territory alignment ----------------------------------------------------------------------------

ALIGN_SETTINGS = TableSchema(
    name="AlignSettings",
    sheet="Settings",
    description="Settings of the alignment, one per row (Setting, Value); a missing setting takes its default.",
    fields=(
        Field("Setting", "text", "BalanceOn, Tolerance, DisruptionWeight, Centres, Contiguity, TimeLimit or "
              "MissingDistance.",
              example="Tolerance"),
        Field("Value", "text", "Its value (see docs/territories.md).", blank=True, example="5%"),
        Field("Description", "text", "Free text for the reader.", required=False, blank=True),
    ),
    key=("Setting",),
    required=False,
    min_rows=0,
)

#: Setting name -> (default, description). Values are parsed in inputs.py.
ALIGN_SETTING_NAMES = {
    "BalanceOn": ("Potential", "Potential, Workload or Both: the measure(s) every territory must hold within "
                               "Tolerance of its target."),
    "Tolerance": ("5%", "Allowed deviation from the target, e.g. 5% (a fraction above 0 and below 1)."),
    "DisruptionWeight": ("0", "Kilometres: giving a unit to a rep other than its CurrentOwner costs as much "
                              "as placing it this much farther away (0 = disruption does not matter)."),
    "Centres": ("Home", "Home: distances are measured to each rep's home (reps without one get an optimised "
                        "centre). Optimised: every territory's centre is chosen among its units."),
    "Contiguity": ("Yes", "Yes: when UnitAdjacency lists neighbours, each territory must be one connected "
                          "piece. No: ignore adjacency."),
    "TimeLimit": ("5", "Seconds the optimiser may take (above 0): it returns the best alignment found by then "
                       "and its proven gap to the lower bound; 'optimal' only when HiGHS proved it."),
    "MissingDistance": ("Error", "When the Distances table has rows, what a pair without a row gets: Error (every "
                                 "pair the alignment uses must have a row) or GreatCircle (km from the "
                                 "coordinates; only if the table is in km)."),
}

UNITS = TableSchema(
    name="TerritoryUnits",
    sheet="Units",
    description="The accounts or geographic units to align, one per row.",
    fields=(
        Field("UnitID", "id", "Unique id of the account or unit (a ZIP code, a county, an account).",
              example="97201"),
        Field("Name", "text", "Name shown in the outputs.", required=False, blank=True, example="Portland"),
        Field("Latitude", "number", "Latitude in degrees; blank when Region gives the location.", blank=True,
              minimum=-90, maximum=90, example="45.5", required=False),
        Field("Longitude", "number", "Longitude in degrees; blank when Region gives the location.", blank=True,
              minimum=-180, maximum=180, example="-122.69", required=False),
        Field("Region", "text", "Region code used as the location when Latitude/Longitude are blank: a code of "
              "the Regions table, or a US state code (CO, US-CO).", required=False, blank=True, example="OR"),
        Field("Potential", "number", "Sales potential of the unit (any unit of measure; 0 or more).", minimum=0,
              example="250000"),
        Field("Workload", "number", "Work the unit takes (accounts, visits, hours; 0 or more). Also weighs the "
              "unit's distance in the compactness objective.", required=False, blank=True, default=1.0,
              minimum=0, example="12"),
        Field("CurrentOwner", "id", "RepID owning the unit today (TerritoryReps[RepID]); blank if unassigned.",
              blank=True, example="R01", required=False),
    ),
    key=("UnitID",),
)

REPS = TableSchema(
    name="TerritoryReps",
    sheet="Reps",
    description="The reps (territories) to align the units to, one per row.",
    fields=(
        Field("RepID", "id", "Unique id of the rep; one territory per rep.", example="R01"),
        Field("RepName", "text", "Name shown in the outputs.", blank=True, example="Ada Lovelace", required=False),
        Field("HomeLatitude", "number", "Latitude of the rep's home base; blank: see HomeRegion.", blank=True,
              minimum=-90, maximum=90, example="45.52", required=False),
        Field("HomeLongitude", "number", "Longitude of the rep's home base.", blank=True, minimum=-180,
              maximum=180, example="-122.68", required=False),
        Field("HomeRegion", "text", "Region code of the home base when its coordinates are blank; all blank: "
              "the territory gets an optimised centre.", required=False, blank=True, example="OR"),
        Field("Capacity", "number", "Relative size of the territory (1 = a full territory, 0.5 = half): "
              "targets are proportional to it.", blank=True, default=1.0, minimum=0, example="1", required=False),
    ),
    key=("RepID",),
)

LOCKS = TableSchema(
    name="UnitLocks",
    sheet="Locks",
    description="Units that must stay with (or go to) a given rep whatever the optimiser prefers.",
    fields=(
        Field("UnitID", "id", "The locked unit (TerritoryUnits[UnitID]).", example="97201"),
        Field("RepID", "id", "The rep it is locked to (TerritoryReps[RepID]).", example="R01"),
        Field("Reason", "text", "Free text.", required=False, blank=True, example="Strategic account"),
    ),
    required=False,
    min_rows=0,
)

ADJACENCY = TableSchema(
    name="UnitAdjacency",
    sheet="Adjacency",
    description="Pairs of neighbouring units (one row per pair, either order); with Contiguity Yes every "
                "territory must be one connected piece of this graph.",
    fields=(
        Field("UnitID", "id", "A unit (TerritoryUnits[UnitID]).", example="97201"),
        Field("NeighbourID", "id", "A unit that touches it.", example="97205"),
    ),
    required=False,
    min_rows=0,
)

REGIONS = TableSchema(
    name="Regions",
    sheet="Regions",
    description="Locations of region codes used in TerritoryUnits[Region] or TerritoryReps[HomeRegion].",
    fields=(
        Field("Region", "text", "The region code.", example="PDX-HQ"),
        Field("Latitude", "number", "Latitude in degrees.", minimum=-90, maximum=90, example="45.52"),
        Field("Longitude", "number", "Longitude in degrees.", minimum=-180, maximum=180, example="-122.68"),
    ),
    key=("Region",),
    required=False,
    min_rows=0,
)

DISTANCES = TableSchema(
    name="Distances",
    sheet="Distances",
    description="Distances as data: road km, drive minutes or any cost from a unit to a rep's home (RepID) or "
                "to another unit (ToUnitID), used instead of great-circle km wherever a row is given "
                "(docs/territories.md section 2).",
    fields=(
        Field("UnitID", "id", "The unit (TerritoryUnits[UnitID]).", example="97201"),
        Field("RepID", "id", "To this rep's home (TerritoryReps[RepID]); blank when ToUnitID is given.",
              blank=True, required=False, example="R01"),
        Field("ToUnitID", "id", "To this unit (TerritoryUnits[UnitID]), for centres that are units; blank when "
              "RepID is given. One direction is enough (it counts both ways unless the other is given too).",
              blank=True, required=False, example="97205"),
        Field("Distance", "number", "The distance, drive time or cost (0 or more; one unit of measure for the "
              "whole table).", minimum=0, example="23.5"),
    ),
    required=False,
    min_rows=0,
)

ALIGN_TABLES: tuple[TableSchema, ...] = (ALIGN_SETTINGS, UNITS, REPS, LOCKS, ADJACENCY, REGIONS, DISTANCES)

# -- lead allocation ---------------------------------------------------------------------------------

LEAD_SETTINGS = TableSchema(
    name="LeadSettings",
    sheet="Settings",
    description="Settings of lead routing, one per row (Setting, Value); a missing setting takes its default.",
    fields=(
        Field("Setting", "text", "FallbackQueue, DefaultPool or RoundRobinState.", example="FallbackQueue"),
        Field("Value", "text", "Its value.", blank=True, example="Unassigned"),
        Field("Description", "text", "Free text for the reader.", required=False, blank=True),
    ),
    key=("Setting",),
    required=False,
    min_rows=0,
)

LEAD_SETTING_NAMES = {
    "FallbackQueue": ("Unassigned", "Name of the queue that receives leads no rep can take."),
    "DefaultPool": ("", "Round-robin pool for leads no routing rule sends to a pool; blank: none (such leads "
                        "go to the fallback queue)."),
    "RoundRobinState": ("Continue", "Continue: start from the state the last run left in RoundRobinState. "
                                    "Reset: ignore it and start every rep afresh."),
    "KeepAssignments": ("Yes", "Yes: a lead with a row in the previous LeadAssignments keeps it (only new leads, "
                               "and leads marked Reroute, are routed). No: every run routes every lead again."),
}

LEADS = TableSchema(
    name="Leads",
    sheet="Leads",
    description="The leads, one per row: new ones are routed; one already in LeadAssignments keeps its rep "
                "(KeepAssignments). Required for lead routing.",
    fields=(
        Field("LeadID", "id", "Unique id of the lead.", example="L-100234"),
        Field("CreatedDate", "date", "Day the lead came in: decides availability and daily capacity.",
              example="2026-11-23"),
        Field("Company", "text", "Free text, shown in the outputs.", required=False, blank=True,
              example="Acme Corp"),
        Field("AccountID", "id", "Existing account the lead belongs to (AccountOwners[AccountID]); blank if "
              "none.", required=False, blank=True, example="A-2001"),
        Field("Domain", "text", "Company web domain or an e-mail address (the part after @ is used), matched "
              "with NamedAccounts.", required=False, blank=True, example="acme.com"),
        Field("Territory", "text", "Territory key of the lead (a state, a ZIP, a region...), matched with "
              "RoutingRules[Territory].", required=False, blank=True, example="OR"),
        Field("Segment", "text", "Segment of the lead (SMB, Mid-Market...), matched with RoutingRules[Segment].",
              required=False, blank=True, example="SMB"),
        Field("Language", "text", "Language the lead needs; blank: none.", required=False, blank=True,
              example="es"),
        Field("Skills", "text", "Skills the lead needs, separated by commas (all are needed); blank: none.",
              required=False, blank=True, example="Payments"),
        Field("Assigned", "text", "The rep (LeadReps[RepID]) or the fallback queue the lead is already assigned "
              "to, e.g. in the CRM: it keeps it and is not routed; blank: routed by the rules (or kept from the "
              "previous LeadAssignments).", required=False, blank=True, example="S03"),
        Field("Reroute", "choice", "Yes: route this lead again although it already has a rep, once (its row then "
              "says Rerouted and later runs keep it; `--reroute LEADID` moves it again).", choices=("Yes", "No"),
              required=False, blank=True, example="Yes"),
    ),
    key=("LeadID",),
    required=False,
    min_rows=0,
)

LEAD_REPS = TableSchema(
    name="LeadReps",
    sheet="Lead Reps",
    description="The reps who receive leads, one per row (their order breaks round-robin ties). Required for "
                "lead routing.",
    fields=(
        Field("RepID", "id", "Unique id of the rep.", example="S01"),
        Field("RepName", "text", "Name shown in the outputs.", blank=True, example="Grace Hopper", required=False),
        Field("Pools", "text", "Round-robin pools the rep belongs to, separated by commas; blank: none.",
              blank=True, example="Inbound West", required=False),
        Field("Weight", "number", "Round-robin weight: the rep's share of a pool's leads is Weight / sum of the "
              "pool's weights (0: receives no round-robin leads).", blank=True, default=1.0, minimum=0,
              example="1", required=False),
        Field("DailyCapacity", "int", "Most leads the rep takes per CreatedDate, all rules together; blank: no "
              "limit.", blank=True, minimum=0, example="25", required=False),
        Field("Languages", "text", "Languages the rep handles, separated by commas; blank: none in particular "
              "(only leads without a Language).", blank=True, example="en, es", required=False),
        Field("Skills", "text", "Skills the rep has, separated by commas.", blank=True, example="Payments", required=False),
        Field("Active", "choice", "No: the rep receives nothing.", choices=("Yes", "No"), blank=True,
              default="Yes", example="Yes", required=False),
    ),
    key=("RepID",),
    required=False,
    min_rows=0,
)

ACCOUNT_OWNERS = TableSchema(
    name="AccountOwners",
    sheet="Routing",
    description="Owners of existing accounts: a lead of such an account goes to its owner (rule 1).",
    fields=(
        Field("AccountID", "id", "The account.", example="A-2001"),
        Field("RepID", "id", "Its owner (LeadReps[RepID]).", example="R01"),
    ),
    key=("AccountID",),
    required=False,
    min_rows=0,
)

NAMED_ACCOUNTS = TableSchema(
    name="NamedAccounts",
    sheet="Routing",
    description="Named accounts by web domain: a lead from such a domain goes to the named rep (rule 2).",
    fields=(
        Field("Domain", "text", "The company's web domain (acme.com).", example="acme.com"),
        Field("RepID", "id", "The named rep (LeadReps[RepID]).", example="R02"),
    ),
    key=("Domain",),
    required=False,
    min_rows=0,
)

ROUTING_RULES = TableSchema(
    name="RoutingRules",
    sheet="Routing",
    description="Territory and segment rules (rule 3) and the round-robin pool they lead to (rule 4). The most "
                "specific row matching a lead applies: Territory and Segment, then Territory only, then Segment "
                "only.",
    fields=(
        Field("Territory", "text", "Territory key matched with Leads[Territory]; blank: any territory.",
              blank=True, example="OR"),
        Field("Segment", "text", "Segment matched with Leads[Segment]; blank: any segment.", blank=True,
              example="Enterprise"),
        Field("RepID", "id", "Rep who owns the match (LeadReps[RepID]); blank: go straight to the pool.",
              blank=True, example="R03"),
        Field("Pool", "text", "Round-robin pool for the match when the rep is blank or cannot take the lead; "
              "blank: DefaultPool.", blank=True, example="Inbound West"),
    ),
    required=False,
    min_rows=0,
)

OUT_OF_OFFICE = TableSchema(
    name="OutOfOffice",
    sheet="Out Of Office",
    description="Days reps are away (both days included): they receive no leads created on those days.",
    fields=(
        Field("RepID", "id", "The rep (LeadReps[RepID]).", example="S03"),
        Field("FirstDay", "date", "First day away.", example="2026-11-24"),
        Field("LastDay", "date", "Last day away (on or after FirstDay).", example="2026-11-27"),
        Field("Note", "text", "Free text.", required=False, blank=True, example="Vacation"),
    ),
    required=False,
    min_rows=0,
)

RR_STATE = TableSchema(
    name="RoundRobinState",
    sheet="Round Robin",
    description="Written by salesops-xl on every lead run and read back by the next one (do not edit; delete "
                "the sheet, or set RoundRobinState to Reset, to start afresh).",
    fields=(
        Field("Pool", "text", "Round-robin pool.", example="Inbound West"),
        Field("RepID", "id", "A rep of the pool.", example="S01"),
        Field("Weight", "number", "The rep's weight in the run that wrote the row.", minimum=0, example="1"),
        Field("StartLeads", "int", "Round-robin leads of the pool the rep had received before that run.",
              minimum=0, example="120"),
        Field("StartDue", "number", "Virtual time the rep's next lead was due before that run; blank: new.",
              blank=True, minimum=0, example="0.5"),
        Field("Leads", "int", "Round-robin leads of the pool the rep has received, that run included.",
              minimum=0, example="131"),
        Field("Due", "number", "Virtual time the rep's next lead is due after that run (the pool's clock "
              "restarts at 0 on every run); blank: no state yet (a run that routed nothing).", blank=True,
              minimum=0, example="0.25"),
    ),
    key=("Pool", "RepID"),
    required=False,
    min_rows=0,
)

LEAD_TABLES: tuple[TableSchema, ...] = (LEAD_SETTINGS, LEADS, LEAD_REPS, ACCOUNT_OWNERS, NAMED_ACCOUNTS,
                                        ROUTING_RULES, OUT_OF_OFFICE, RR_STATE)

INPUT_TABLES: tuple[TableSchema, ...] = ALIGN_TABLES + LEAD_TABLES

ALIGN_SHEETS = ("Alignment", "Territories", "Before After", "Territory Map")
LEAD_SHEETS = ("Lead Assignments", "Lead Load", "Round Robin")

#: Sheets written by ``recalc``; a recalculation replaces them (those of the halves it runs) and nothing else.
OUTPUT_SHEETS = ALIGN_SHEETS + LEAD_SHEETS + ("Run Log",)
