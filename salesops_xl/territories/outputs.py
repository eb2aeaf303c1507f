"""The sheets a territory run writes: Alignment, Territories, Before After, Territory Map (alignment);
Lead Assignments, Lead Load, Round Robin (leads); Run Log (both)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..cellrefs import col_letters
from ..sheets import ChartSpec, Column, PictureSpec, SeriesRef, SheetSpec, TableBlock
from .engine import AlignmentResult
from .leads import LeadResult

PALETTE = ("1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B", "E377C2", "7F7F7F", "BCBD22", "17BECF",
           "393B79", "637939", "8C6D31", "843C39", "7B4173", "3182BD", "E6550D", "31A354", "756BB1", "636363")

#: plain names of PALETTE's colours, for the map picture's legend (cells: the picture holds no text)
PALETTE_NAMES = ("blue", "orange", "green", "red", "purple", "brown", "pink", "grey", "olive", "cyan",
                 "navy", "dark olive", "ochre", "dark red", "plum", "sky blue", "dark orange", "dark green",
                 "lavender", "dark grey")

#: The map sheet draws one series per territory up to this many territories.
MAP_MAX_TERRITORIES = 60


def _block(name: str, columns, frame: pd.DataFrame, anchor: str = "A1") -> TableBlock:
    data = {}
    for c in columns:
        v = frame[c.name].to_numpy() if c.name in frame else np.full(len(frame), None, dtype=object)
        if c.kind == "text":
            v = np.array([None if (x is None or (isinstance(x, float) and np.isnan(x))) else str(x) for x in v],
                         dtype=object) if v.dtype != object else v
        elif c.kind in ("number", "percent", "rate"):
            v = v.astype(np.float64)
        elif c.kind == "int" and v.dtype.kind not in "iu":
            v = v.astype(np.float64)
        data[c.name] = v
    return TableBlock(name=name, columns=tuple(columns), data=data, anchor=anchor)




# -- alignment ------------------------------------------------------------------------------------------

ALIGNMENT_COLUMNS = (
    Column("UnitID", "text"), Column("Name", "text"),
    Column("Latitude", "number"), Column("Longitude", "number"),
    Column("Potential", "number"), Column("Workload", "number"),
    Column("CurrentOwner", "text", description="Owner today (blank: unassigned)."),
    Column("NewOwner", "text", description="Owner in the proposed alignment."),
    Column("Change", "text", description="Kept, Moved (to another rep) or New (was unassigned)."),
    Column("Locked", "text", description="Yes: held by UnitLocks."),
    Column("DistanceKm", "number", description="Great-circle distance to the new territory's centre."),
    Column("DistanceBeforeKm", "number", description="Distance to the current territory's centre."),
)

TERRITORY_COLUMNS = (
    Column("RepID", "text"), Column("RepName", "text"), Column("Capacity", "number"), Column("Units", "int"),
    Column("Potential", "number"), Column("PotentialTarget", "number"),
    Column("PotentialDeviation", "percent", description="Potential / PotentialTarget - 1."),
    Column("Workload", "number"), Column("WorkloadTarget", "number"),
    Column("WorkloadDeviation", "percent", description="Workload / WorkloadTarget - 1."),
    Column("WithinTolerance", "text", description="Yes when every balanced measure is within the tolerance."),
    Column("AvgDistanceKm", "number", description="Workload-weighted mean distance of its units to the centre."),
    Column("CentreLatitude", "number"), Column("CentreLongitude", "number"),
    Column("Centre", "text", description="Home (the rep's home base) or the UnitID chosen as centre."),
    Column("UnitsMovedIn", "int"), Column("PotentialMovedIn", "number"),
    Column("UnitsMovedOut", "int"), Column("PotentialMovedOut", "number"),
    Column("Contiguous", "text", description="Yes: one connected piece of UnitAdjacency (n/a: no adjacency)."),
)

COMPARISON_COLUMNS = (
    Column("RepID", "text"), Column("UnitsBefore", "int"), Column("UnitsAfter", "int"),
    Column("PotentialBefore", "number"), Column("PotentialAfter", "number"),
    Column("PotentialDevBefore", "percent"), Column("PotentialDevAfter", "percent"),
    Column("WorkloadBefore", "number"), Column("WorkloadAfter", "number"),
    Column("WorkloadDevBefore", "percent"), Column("WorkloadDevAfter", "percent"),
    Column("AvgDistanceBefore", "number"), Column("AvgDistanceAfter", "number"),
)

MOVED_COLUMNS = (Column("UnitID", "text"), Column("Name", "text"), Column("From", "text"), Column("To", "text"),
                 Column("Potential", "number"), Column("Workload", "number"))


def alignment_sheets(res: AlignmentResult) -> list[SheetSpec]:
    sol = res.solution
    s = res.inputs.settings
    head = (f"Balanced on {' and '.join(s.balance_on) or 'nothing'} within {s.tolerance:.1%}; disruption weight "
            f"{s.disruption_km:g} km; centres {s.centres.lower()}; {sol.method}: {sol.status}.")
    sheets = [
        SheetSpec(name="Alignment", tables=(_block("Alignment", ALIGNMENT_COLUMNS, res.units),), freeze="B2",
                  tab_color="1F4E79"),
        SheetSpec(name="Territories", tables=(_block("TerritorySummary", TERRITORY_COLUMNS, res.territories,
                                                     anchor="A3"),),
                  notes=(("A1", head),), freeze="B4", tab_color="1F4E79"),
        _before_after(res),
    ]
    if len(res.inputs.reps) <= MAP_MAX_TERRITORIES:
        sheets.append(_map(res))
    return sheets


def _metric_frame(res: AlignmentResult) -> pd.DataFrame:
    m = res.metrics.copy()
    pct = m["Kind"] == "percent"
    unit = np.where(pct, "%", np.where(m["Kind"] == "int", "count", ""))
    m.loc[pct, ["Before", "After"]] = m.loc[pct, ["Before", "After"]] * 100.0
    m["Unit"] = unit
    return m


def _before_after(res: AlignmentResult) -> SheetSpec:
    met = _metric_frame(res)
    t_met = _block("AlignmentMetrics", (Column("Metric", "text", width=58), Column("Before", "number"),
                                        Column("After", "number"), Column("Unit", "text")), met, anchor="A3")
    start = len(met) + 6
    t_cmp = _block("TerritoryComparison", COMPARISON_COLUMNS, res.comparison, anchor=f"A{start}")
    t_mv = _block("MovedUnits", MOVED_COLUMNS, res.moved, anchor=f"{col_letters(len(COMPARISON_COLUMNS) + 1)}{start}")
    chart_col = col_letters(5)
    charts = (
        ChartSpec(kind="column", title="Potential: deviation from target, before and after",
                  series=(SeriesRef("Before", "TerritoryComparison", "PotentialDevBefore", "RepID", "A6A6A6"),
                          SeriesRef("After", "TerritoryComparison", "PotentialDevAfter", "RepID", "1F77B4")),
                  anchor=f"{chart_col}2", x_title="Territory", y_title="Deviation", y_format="0%", width_cols=9,
                  height_rows=16),
        ChartSpec(kind="column", title="Workload: deviation from target, before and after",
                  series=(SeriesRef("Before", "TerritoryComparison", "WorkloadDevBefore", "RepID", "A6A6A6"),
                          SeriesRef("After", "TerritoryComparison", "WorkloadDevAfter", "RepID", "FF7F0E")),
                  anchor=f"{col_letters(15)}2", x_title="Territory", y_title="Deviation", y_format="0%", width_cols=9,
                  height_rows=16),
    )
    notes = (("A1", "Before (current owners) and after (proposed alignment)"),
             (f"A{start - 1}", "Per territory"),
             (f"{col_letters(len(COMPARISON_COLUMNS) + 1)}{start - 1}", "Units that change rep"))
    return SheetSpec(name="Before After", tables=(t_met, t_cmp, t_mv), charts=charts, notes=notes,
                     tab_color="548235")


BALANCE_COLUMNS = (
    Column("RepID", "text"),
    Column("PotentialNow", "percent", description="Potential of today's territory / its target."),
    Column("PotentialProposed", "percent", description="Potential of the proposed territory / its target."),
    Column("WorkloadNow", "percent"), Column("WorkloadProposed", "percent"),
    Column("Lower", "percent", description="1 - Tolerance: the lowest load allowed, as a share of the target."),
    Column("Upper", "percent", description="1 + Tolerance: the highest load allowed."),
)

LEGEND_COLUMNS = (Column("RepID", "text"), Column("RepName", "text"),
                  Column("Colour", "text", description="The territory's colour on the map and in the charts."),
                  Column("UnitsNow", "int"), Column("UnitsProposed", "int"))


def _balance(res: AlignmentResult) -> pd.DataFrame:
    c = res.comparison
    tol = res.inputs.settings.tolerance
    out = pd.DataFrame({"RepID": c["RepID"].to_numpy(object)})
    for m, short in (("Potential", "Potential"), ("Workload", "Workload")):
        out[f"{short}Now"] = 1.0 + c[f"{short}DevBefore"].to_numpy(np.float64)
        out[f"{short}Proposed"] = 1.0 + c[f"{short}DevAfter"].to_numpy(np.float64)
    out["Lower"] = 1.0 - tol
    out["Upper"] = 1.0 + tol
    return out


def _map_picture(res: AlignmentResult) -> tuple[PictureSpec | None, str | None]:
    """The map picture, or None and why not (a package of the batch door missing, e.g. in xlwings Lite)."""
    from . import mapdraw

    missing = mapdraw.available()
    if missing is not None:
        return None, (f"The map picture needs {missing} (installed with salesops-xl outside xlwings Lite): the "
                      "scatter chart below is the map here.")
    png, w, h = mapdraw.map_picture(res, palette=PALETTE)
    return PictureSpec(png=png, anchor="A4", width_px=w, height_px=h, name="Territory map",
                       description="Map of the current and proposed territories: units coloured by territory, "
                                   "homes as stars, units that change rep ringed."), None


def _map(res: AlignmentResult) -> SheetSpec:
    u = res.units
    reps = res.territories
    lon = u["Longitude"].to_numpy(np.float64)
    lat = u["Latitude"].to_numpy(np.float64)
    owner = u["NewOwner"].to_numpy(object)
    names = [str(x) for x in reps["RepID"]]
    pic, why_not = _map_picture(res)
    # the picture from row 4, its legend below it, the balance view, then the scatter chart's tables
    pic_rows = pic.rows_cols[0] + 1 if pic is not None else 0
    leg_row = 4 + pic_rows + 1
    bal_row = leg_row + len(names) + 6
    t_bal = _block("MapBalance", BALANCE_COLUMNS, _balance(res), anchor=f"A{bal_row}")
    top = bal_row + max(len(names) + 3, 24)
    cols = [Column("Longitude", "number")] + [Column(n, "number") for n in names]
    data = {"Longitude": lon}
    for n in names:
        data[n] = np.where(owner == n, lat, np.nan)
    pts = pd.DataFrame(data)
    t_pts = _block("MapPoints", tuple(cols), pts, anchor=f"A{top}")
    centres = pd.DataFrame({"RepID": reps["RepID"].to_numpy(object),
                            "Longitude": reps["CentreLongitude"].to_numpy(np.float64),
                            "Latitude": reps["CentreLatitude"].to_numpy(np.float64)})
    anchor_c = col_letters(len(cols) + 1)
    t_cen = _block("MapCentres", (Column("RepID", "text"), Column("Longitude", "number"),
                                  Column("Latitude", "number")), centres, anchor=f"{anchor_c}{top}")
    series = tuple(SeriesRef(n, "MapPoints", n, "Longitude", PALETTE[i % len(PALETTE)]) for i, n in enumerate(names))
    series += (SeriesRef("Centres", "MapCentres", "Latitude", "Longitude", "000000"),)
    chart = ChartSpec(kind="scatter", title="Units by territory (proposed alignment)", series=series,
                      anchor=f"{col_letters(len(cols) + 5)}{top}", x_title="Longitude", y_title="Latitude", width_cols=14,
                      height_rows=32)
    balance = ChartSpec(
        kind="line", title="Balance: load as a share of target, now and proposed, within the tolerance band",
        series=(SeriesRef("Potential now", "MapBalance", "PotentialNow", "RepID", "A6A6A6", "markers"),
                SeriesRef("Potential proposed", "MapBalance", "PotentialProposed", "RepID", "1F77B4", "markers"),
                SeriesRef("Workload now", "MapBalance", "WorkloadNow", "RepID", "F4B183", "markers"),
                SeriesRef("Workload proposed", "MapBalance", "WorkloadProposed", "RepID", "FF7F0E", "markers"),
                SeriesRef("Lower limit", "MapBalance", "Lower", "RepID", "C00000", "dash"),
                SeriesRef("Upper limit", "MapBalance", "Upper", "RepID", "C00000", "dash")),
        anchor=f"I{bal_row - 1}", x_title="Territory", y_title="Load / target", y_format="0%", width_cols=12,
        height_rows=22)
    legend = pd.DataFrame({"RepID": reps["RepID"].to_numpy(object),
                           "RepName": reps["RepName"].to_numpy(object) if "RepName" in reps else None,
                           "Colour": [PALETTE_NAMES[i % len(PALETTE_NAMES)] for i in range(len(names))],
                           "UnitsNow": res.comparison["UnitsBefore"].to_numpy(np.int64),
                           "UnitsProposed": res.comparison["UnitsAfter"].to_numpy(np.int64)})
    t_leg = _block("MapLegend", LEGEND_COLUMNS, legend, anchor=f"A{leg_row}")
    n_moved = int((u["Change"].to_numpy(object) == "Moved").sum())
    notes = [("A1", "Territory map: current alignment (left) and proposed alignment (right)"),
             ("A3", f"Left: today's owners.  Right: the proposal, {n_moved} units change rep (ringed in black)."),
             (f"A{leg_row - 1}", "Legend: dots are units in their territory's colour; stars are homes (centres); "
                                 "hollow grey dots are unassigned."),
             (f"A{leg_row + len(names) + 2}", "Outlines: US Census Bureau cartographic boundaries 2016 (1:500,000), shipped "
                                    "by the plotly-geo package."),
             (f"A{bal_row - 1}", "Balance: each territory's load as a share of its target; allowed between Lower "
                                 "and Upper (1 -/+ Tolerance)."),
             (f"A{top - 1}", "Each unit's latitude sits in the column of its new territory; the scatter chart draws "
                             "one colour per territory, centres in black.")]
    if why_not:
        notes = [n for n in notes if n[0] != "A3"] + [("A3", why_not)]
    looks = (("A1", "title"), ("A3", "subtitle"))
    return SheetSpec(name="Territory Map", tables=(t_leg, t_bal, t_pts, t_cen), charts=(balance, chart),
                     pictures=(pic,) if pic is not None else (), notes=tuple(notes), looks=looks,
                     tab_color="548235")


# -- leads ---------------------------------------------------------------------------------------------

ASSIGNMENT_COLUMNS = (
    Column("LeadID", "text"), Column("CreatedDate", "date"), Column("Company", "text"),
    Column("AssignedTo", "text", description="The rep, or the fallback queue."),
    Column("RepName", "text"),
    Column("Rule", "text", description="Account owner, Named account, Territory, Segment, Round-robin, "
                                       "Fallback queue, or Assigned (Leads[Assigned])."),
    Column("Origin", "text", description="Routed (by the rule chain, this run or an earlier one: kept since), "
                                         "Rerouted (routed again on request) or Assigned (Leads[Assigned])."),
    Column("Pool", "text", description="Round-robin pool tried (blank: none)."),
    Column("Detail", "text", width=70, description="What matched (with the RoutingRules row); rules that could "
                                                   "not fire first, with why."),
)

LOAD_COLUMNS = (
    Column("RepID", "text"), Column("RepName", "text"), Column("Pools", "text"), Column("Weight", "number"),
    Column("DailyCapacity", "int"), Column("Leads", "int"), Column("Share", "percent"),
    Column("AccountOwner", "int"), Column("NamedAccount", "int"), Column("TerritorySegment", "int"),
    Column("RoundRobin", "int"),
    Column("RoundRobinExpected", "number", description="Sum over the rep's pools of pool leads x target share."),
    Column("RoundRobinDeviation", "number", description="RoundRobin - RoundRobinExpected."),
    Column("BusiestDay", "int", description="Most leads received on one day."),
)

POOL_COLUMNS = (
    Column("Pool", "text"), Column("RepID", "text"), Column("Weight", "number"),
    Column("TargetShare", "percent", description="Weight / sum of the weights of the pool's active reps."),
    Column("Leads", "int", description="Round-robin leads of the pool in LeadAssignments (routed this run or "
                                       "kept)."),
    Column("Share", "percent"), Column("Deviation", "percent", description="Share - TargetShare."),
    Column("CumulativeLeads", "int", description="All runs so far (RoundRobinState)."),
    Column("CumulativeShare", "percent"), Column("CumulativeDeviation", "percent"),
)

FAIRNESS_COLUMNS = (
    Column("Pool", "text"), Column("Reps", "int"), Column("Leads", "int"),
    Column("MaxDeviation", "percent", description="Largest |Share - TargetShare| this run."),
    Column("JainIndex", "number", description="Jain's index of Leads / TargetShare: 1 = perfectly fair."),
    Column("CumulativeLeads", "int"), Column("CumulativeMaxDeviation", "percent"),
    Column("CumulativeJainIndex", "number"),
)

STATE_COLUMNS = (
    Column("Pool", "text"), Column("RepID", "text"), Column("Weight", "number"),
    Column("StartLeads", "int"), Column("StartDue", "number"), Column("Leads", "int"), Column("Due", "number"),
)


_STATE_NOTES = (("A1", "Written by salesops-xl and read back by the next lead run: do not edit. Delete this sheet "
                       "(or set LeadSettings RoundRobinState to Reset) to start every rep afresh."),)


def lead_sheets(res: LeadResult) -> list[SheetSpec]:
    a = _block("LeadAssignments", ASSIGNMENT_COLUMNS, res.assignments)
    rules = _block("RuleCounts", (Column("Rule", "text"), Column("Leads", "int")), res.rules, anchor="A3")
    fair = _block("FairnessSummary", FAIRNESS_COLUMNS, res.fairness, anchor="D3")
    n_top = max(len(res.rules), len(res.fairness)) + 6
    load = _block("LeadLoad", LOAD_COLUMNS, res.load, anchor=f"A{n_top}")
    pools = _block("PoolFairness", POOL_COLUMNS, res.pools, anchor=f"{col_letters(len(LOAD_COLUMNS) + 1)}{n_top}")
    chart = ChartSpec(kind="bar", title="Leads by rule", series=(SeriesRef("Leads", "RuleCounts", "Leads", "Rule",
                                                                           "1F77B4"),),
                      anchor="M2", width_cols=7, height_rows=max(10, n_top - 4), x_title="", y_title="Leads")
    origin = res.assignments["Origin"].value_counts()
    notes = (("A1", f"{int(res.rules['Leads'].sum()):,} leads ("
                    + ", ".join(f"{k} {int(origin.get(k, 0)):,}" for k in ("Routed", "Rerouted", "Assigned"))
                    + f"); round-robin state: {res.inputs.state_source}."),
             (f"A{n_top - 1}", "Per rep"), (f"{col_letters(len(LOAD_COLUMNS) + 1)}{n_top - 1}", "Per pool and rep"))
    state = _block("RoundRobinState", STATE_COLUMNS, res.state, anchor="A3")
    state_notes = _STATE_NOTES
    return [
        SheetSpec(name="Lead Assignments", tables=(a,), freeze="B2", tab_color="1F4E79"),
        SheetSpec(name="Lead Load", tables=(rules, fair, load, pools), charts=(chart,), notes=notes,
                  tab_color="548235"),
        SheetSpec(name="Round Robin", tables=(state,), notes=state_notes, tab_color="7F7F7F"),
    ]


def empty_state_sheet() -> SheetSpec:
    """The Round Robin sheet with an empty state (a template's: every rep starts afresh)."""
    empty = pd.DataFrame({c.name: pd.Series([], dtype=object if c.kind == "text" else np.float64)
                          for c in STATE_COLUMNS})
    return SheetSpec(name="Round Robin", tables=(_block("RoundRobinState", STATE_COLUMNS, empty, anchor="A3"),),
                     notes=_STATE_NOTES, tab_color="7F7F7F")


# -- run log -------------------------------------------------------------------------------------------

def run_log_sheet(items: list[tuple[str, str]], warnings: list[str]) -> SheetSpec:
    log = pd.DataFrame({"Item": [i for i, _ in items], "Value": [v for _, v in items]}, dtype=object)
    t_log = _block("RunLog", (Column("Item", "text", width=36), Column("Value", "text", width=80)), log)
    warn = pd.DataFrame({"Warning": warnings or ["(none)"]}, dtype=object)
    t_warn = _block("RunWarnings", (Column("Warning", "text", width=110),), warn, anchor=f"A{len(log) + 4}")
    return SheetSpec(name="Run Log", tables=(t_log, t_warn), tab_color="7F7F7F")
