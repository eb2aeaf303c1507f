"""The sheets a quota run writes back: Allocation, Rep Quotas, Quota Months, Seasonality, Capacity, Quota Run Log."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..cellrefs import col_letters
from ..sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from . import schema as S
from .engine import BOUND_CEILING, BOUND_FLOOR, NM, QuotaResult

# None as a 0-d object array: what np.where/np.append make of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)

PALETTE = ("1F77B4", "FF7F0E", "2CA02C", "D62728", "9467BD", "8C564B")
OUT_TAB = "1F4E79"


def frame_block(name: str, columns, frame: pd.DataFrame | dict, anchor: str = "A1") -> TableBlock:
    """A result frame (or dict of columns) as an output table of the quota and budget workbooks."""
    data = {}
    for c in columns:
        v = np.asarray(frame[c.name]) if c.name in frame else np.full(len(next(iter(frame.values()))), None,
                                                                      dtype=object)
        if c.kind == "text" and v.dtype != object:
            v = v.astype(object)
        data[c.name] = v
    return TableBlock(name=name, columns=tuple(columns), data=data, anchor=anchor)




def _text(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
    return out


def _join(parts: list[np.ndarray], n: int) -> np.ndarray:
    """Join per-row text fragments (None = nothing) with '; '."""
    out = pd.Series([""] * n, dtype=object)
    for p in parts:
        s = pd.Series(p, dtype=object)
        has = s.notna().to_numpy()
        sep = np.where((out != "").to_numpy() & has, "; ", "")
        out = out + pd.Series(sep, dtype=object) + s.fillna("")
    res = out.to_numpy(dtype=object, copy=True)  # writable: a view is read-only under copy-on-write
    res[res == ""] = None
    return res


# -- per-person facts -------------------------------------------------------------------------------------

def person_frame(r: QuotaResult) -> pd.DataFrame:
    """One row per node (Company first, then depth-first), with everything the Allocation sheet shows."""
    if r.person_frame_cache is None:
        r.person_frame_cache = _person_frame(r)
    return r.person_frame_cache


def _person_frame(r: QuotaResult) -> pd.DataFrame:
    inp, a, ppl = r.inputs, r.alloc, r.inputs.people
    n = ppl.n
    order = r.order
    cal = inp.calendar
    ids = np.append(ppl.ids, S.COMPANY).astype(object)
    names = np.append(ppl.names, f"{S.COMPANY} target").astype(object)
    mgr = np.append(np.where(pd.isna(ppl.manager), S.COMPANY, ppl.manager), _NONE).astype(object)
    leaf = np.append(ppl.is_leaf, False)
    status = np.append(ppl.status, _NONE)
    role = np.where(leaf, np.where(status == "Open", "Open seat", "Rep"), "Manager").astype(object)
    role[n] = S.COMPANY
    rules = inp.rules
    eff = rules.effective
    has_kids = ppl.n_children > 0
    method = np.where(has_kids & (eff >= 0), np.append(rules.method, _NONE)[eff], _NONE).astype(object)
    rule_from = np.where(has_kids & (eff >= 0), np.append(rules.node, _NONE)[eff], _NONE).astype(object)
    oa = np.where(has_kids, np.append(rules.oa, np.nan)[eff], np.nan)
    quota_c = r.cents(a.quota)
    below_c = np.where(has_kids, r.cents(a.below) / 100.0, np.nan)
    actual = np.divide(a.below, a.quota, out=np.full(n + 1, np.nan), where=has_kids & (a.quota != 0))
    share = np.vstack([a.share, np.full((1, 3), np.nan)])
    blended = np.append(a.blended, np.nan)
    rr = np.append(r.run_rate, np.nan)
    rsrc = np.append(r.run_source, _NONE).astype(object)
    pot = np.append(inp.potential, np.nan)
    psrc = np.append(inp.potential_source, _NONE).astype(object)
    floor = np.append(ppl.floor, np.nan)
    ceiling = np.append(ppl.ceiling, np.nan)
    bound = np.append(a.bound, 0)
    bound_t = np.where(bound == BOUND_FLOOR, "Floor", np.where(bound == BOUND_CEILING, "Ceiling", _NONE)).astype(object)
    ccy = np.append(ppl.currency, inp.currency).astype(object)
    local = r.cents(r.local) / 100.0
    # notes
    hire = np.append(ppl.hire, np.datetime64("NaT")).astype("datetime64[D]")
    term = np.append(ppl.term, np.datetime64("NaT")).astype("datetime64[D]")
    hire_mi = np.append(ppl.hire_mi, -10**6)
    term_mi = np.append(ppl.term_mi, 10**6)
    in_plan = (hire_mi <= 11) & (term_mi >= 0)
    hire_t = np.datetime_as_string(hire, unit="D").astype(object)
    term_t = np.datetime_as_string(term, unit="D").astype(object)
    is_open = role == "Open seat"
    ramp_len = len(inp.ramp)
    ramping0 = leaf & in_plan & (hire_mi < 0) & (hire_mi > -ramp_len)
    first_pct = np.append(r.ramp[:, 0], np.nan)
    parts = [
        np.where(is_open, "open requisition, planned start " + hire_t, _NONE),
        np.where(~is_open & leaf & (hire_mi >= 0) & (hire_mi <= 11), "starts " + hire_t, _NONE),
        np.where(ramping0, "still ramping: " + pd.Series(np.round(first_pct * 100)).fillna(0).astype(int)
                 .astype(str).to_numpy(dtype=object) + f"% in {cal.month_label(0)}", _NONE),
        np.where(in_plan & (term_mi >= 0) & (term_mi <= 11), "leaves " + term_t, _NONE),
        np.where(leaf & ~in_plan & (np.arange(n + 1) < n), "not employed in the plan year: quota 0", _NONE),
        np.where(has_kids & (a.fte <= 0) & (np.arange(n + 1) < n),
                 "no seat employed below in the plan year", _NONE),
    ]
    note = _join(parts, n + 1)
    lvl = ppl.depth.copy()
    frame = pd.DataFrame({
        "Level": lvl, "NodeID": ids, "Name": _text(names), "ManagerID": mgr, "Role": role, "Method": method,
        "RuleOf": rule_from, "FTE": a.fte, "RunRate": rr, "RunRateSource": rsrc, "Potential": pot,
        "PotentialSource": psrc, "EvenShare": share[:, 0], "HistoryShare": share[:, 1],
        "PotentialShare": share[:, 2], "Share": blended, "Floor": floor, "Ceiling": ceiling, "Bound": bound_t,
        "Quota": quota_c, "OverAssignment": oa, "AssignedBelow": below_c, "ActualOverAssignment": actual,
        "Currency": ccy, "LocalQuota": local, "Note": note,
    })
    return frame.iloc[order].reset_index(drop=True)


ALLOCATION_COLUMNS = (
    Column("Level", "int", description="0 the Company, 1 the top of the roster, 2 their reports..."),
    Column("NodeID", "text"),
    Column("Name", "text"),
    Column("ManagerID", "text", description="Who this node's quota comes from."),
    Column("Role", "text", description="Company, Manager (has reports), Rep or Open seat."),
    Column("Method", "text", description="How this node's target is split among its reports."),
    Column("RuleOf", "text", description="The AllocationRules row used (the node's own, or inherited)."),
    Column("FTE", "number", description="Capacity in full-year ramped seats: sum of seasonal index x ramp / 12."),
    Column("RunRate", "money", description="Annual run rate used by History: 12 x history bookings / "
                                           "full-productivity history months (or the team's average)."),
    Column("RunRateSource", "text"),
    Column("Potential", "money"),
    Column("PotentialSource", "text"),
    Column("EvenShare", "percent", description="Share of the parent's allocation by the even split (FTE)."),
    Column("HistoryShare", "percent", description="Share by History: FTE x RunRate."),
    Column("PotentialShare", "percent", description="Share by Potential: FTE x Potential."),
    Column("Share", "percent", description="The rule's blend of the three shares."),
    Column("Floor", "money"),
    Column("Ceiling", "money"),
    Column("Bound", "text", description="Floor or Ceiling when the quota sits at it."),
    Column("Quota", "money", description="Annual quota (seat) or target (manager, Company), plan currency."),
    Column("OverAssignment", "percent", description="The rule's over-assignment factor."),
    Column("AssignedBelow", "money", description="Sum of the reports' quotas = Quota x OverAssignment, rounded."),
    Column("ActualOverAssignment", "percent", description="AssignedBelow / Quota."),
    Column("Currency", "text"),
    Column("LocalQuota", "money", description="Quota in Currency at the planning rate."),
    Column("Note", "text"),
)

LEVEL_COLUMNS = (
    Column("Level", "text"),
    Column("Nodes", "int", description="Nodes at the upper level that have reports."),
    Column("Target", "money", description="Sum of their targets."),
    Column("AssignedBelow", "money", description="Sum of their reports' quotas."),
    Column("OverAssignment", "percent", description="AssignedBelow / Target."),
)


def level_frame(r: QuotaResult) -> pd.DataFrame:
    ppl, a = r.inputs.people, r.alloc
    n = ppl.n
    depth = ppl.depth
    has = ppl.n_children > 0
    maxd = int(depth[:n].max()) if n else 0
    rows = []
    for d in range(0, maxd):  # a handful of levels
        sel = has & (depth == d)
        t, b = int(a.quota[sel].sum()), int(a.below[sel].sum())
        rows.append((f"{d} -> {d + 1}", int(sel.sum()), t, b))
    leaves = np.flatnonzero(ppl.is_leaf)
    rows.append((f"{S.COMPANY} -> seats", len(leaves), int(a.quota[n]), int(a.quota[leaves].sum())))
    f = pd.DataFrame(rows, columns=["Level", "Nodes", "Target", "AssignedBelow"])
    f["OverAssignment"] = np.divide(f.AssignedBelow.to_numpy(float), f.Target.to_numpy(float),
                                    out=np.full(len(f), np.nan), where=f.Target.to_numpy() != 0)
    f["Target"] = r.cents(f.Target.to_numpy())
    f["AssignedBelow"] = r.cents(f.AssignedBelow.to_numpy())
    return f


def _allocation_sheet(r: QuotaResult) -> SheetSpec:
    lv = level_frame(r)
    t_lv = frame_block("OverAssignmentByLevel", LEVEL_COLUMNS, lv, anchor="A4")
    start = 4 + len(lv) + 3
    t_alloc = frame_block("Allocation", ALLOCATION_COLUMNS, person_frame(r), anchor=f"A{start}")
    inp = r.inputs
    notes = (("A1", f"Allocation of the {inp.currency} {inp.target:,.2f} target, {inp.calendar.start.year} plan year "
                    f"(rounded to {inp.unit_cents / 100:g} {inp.currency})"),
             ("A2", "Over-assignment at each level: the quotas below a node sum to its target x its factor, exactly "
                    "at the rounding unit. Rules: docs/quotas.md."))
    return SheetSpec(name="Allocation", tables=(t_lv, t_alloc), notes=notes, freeze=None, tab_color=OUT_TAB)


def _rep_quotas_sheet(r: QuotaResult) -> SheetSpec:
    inp = r.inputs
    pf = person_frame(r)
    order = r.order
    cal = inp.calendar
    months = cal.period_labels("Month")
    quarters = cal.period_labels("Quarter")
    mc = r.cents(r.monthly)[order]
    lc = r.cents(r.local_monthly)[order]
    data = {c: pf[c].to_numpy() for c in ("NodeID", "Name", "ManagerID", "Role", "Level")}
    data["Annual"] = r.cents(r.alloc.quota)[order]
    for j, m in enumerate(months):
        data[m] = mc[:, j]
    for q, lab in enumerate(quarters):
        data[lab] = mc[:, 3 * q:3 * q + 3].sum(axis=1)
    data["LocalCurrency"] = pf["Currency"].to_numpy()
    data["LocalAnnual"] = r.cents(r.local)[order]
    for q, lab in enumerate(quarters):
        data[f"Local {lab}"] = lc[:, 3 * q:3 * q + 3].sum(axis=1)
    cols = [Column("NodeID", "text"), Column("Name", "text"), Column("ManagerID", "text"), Column("Role", "text"),
            Column("Level", "int"), Column("Annual", "money", description="Annual quota, plan currency.")]
    cols += [Column(m, "money") for m in months] + [Column(q, "money") for q in quarters]
    cols += [Column("LocalCurrency", "text"), Column("LocalAnnual", "money")]
    cols += [Column(f"Local {q}", "money") for q in quarters]
    t = frame_block("RepQuotas", cols, data, anchor="A3")
    notes = (("A1", f"Quotas by month and quarter ({inp.currency}; Local columns in each person's currency). "
                    f"Phasing: {inp.phasing}. Months sum exactly to Annual."),)
    return SheetSpec(name="Rep Quotas", tables=(t,), notes=notes, freeze="C4", tab_color=OUT_TAB)


def month_lines(r: QuotaResult) -> pd.DataFrame:
    """Long table: seats in their employed months, managers and the Company in all 12."""
    inp, ppl = r.inputs, r.inputs.people
    order = r.order
    leaf = np.append(ppl.is_leaf, False)
    act = np.vstack([r.active, np.ones((1, NM), dtype=bool)])
    act = np.where(leaf[:, None], act, True)
    ten = np.vstack([r.tenure, np.zeros((1, NM), dtype=np.int64)])
    rmp = np.vstack([r.ramp, np.zeros((1, NM))])
    pf = person_frame(r)
    a_o = act[order]
    rows, cols = np.nonzero(a_o)
    who = order[rows]
    cal = inp.calendar
    labels = np.array(cal.period_labels("Month"), dtype=object)
    qlab = np.array(cal.period_labels("Quarter"), dtype=object)
    is_seat = leaf[who]
    ramp_len = len(inp.ramp)
    tenure = ten[who, cols]
    return pd.DataFrame({
        "NodeID": pf["NodeID"].to_numpy()[rows],
        "Role": pf["Role"].to_numpy()[rows],
        "Month": labels[cols],
        "Quarter": qlab[cols // 3],
        "TenureMonth": np.where(is_seat, tenure.astype(np.float64), np.nan),
        "Ramp": np.where(is_seat, rmp[who, cols], np.nan),
        "Ramping": np.where(is_seat & (tenure <= ramp_len), "Yes", _NONE).astype(object),
        "SeasonalIndex": r.season[cols],
        "Quota": r.cents(r.monthly[who, cols]),
        "Currency": pf["Currency"].to_numpy()[rows],
        "LocalQuota": r.cents(r.local_monthly[who, cols]),
    })


MONTH_COLUMNS = (
    Column("NodeID", "text"), Column("Role", "text"), Column("Month", "text"), Column("Quarter", "text"),
    Column("TenureMonth", "int", description="1 in the month of the HireDate, 2 the next..."),
    Column("Ramp", "percent", description="Share of full productivity from the ramp curve."),
    Column("Ramping", "text"),
    Column("SeasonalIndex", "number"),
    Column("Quota", "money", description="Plan currency."),
    Column("Currency", "text"),
    Column("LocalQuota", "money"),
)


def _months_sheet(r: QuotaResult) -> SheetSpec:
    t = frame_block("QuotaMonths", MONTH_COLUMNS, month_lines(r), anchor="A1")
    return SheetSpec(name="Quota Months", tables=(t,), freeze="B2", tab_color=OUT_TAB)


SEASON_COLUMNS = (
    Column("Month", "text"), Column("HistoryMonth", "text"),
    Column("HistoryBookings", "money", description="Bookings of the history month (Phasing History)."),
    Column("RampedRepMonths", "number", description="Sum of the ramp factors of the reps employed that month."),
    Column("BookingsPerRepMonth", "money", description="HistoryBookings / RampedRepMonths."),
    Column("Weight", "number", description="SeasonalProfile weight (Phasing Profile)."),
    Column("Index", "number", description="Seasonal index: the month's bookings per ramped rep-month (or weight) / "
                                          "their mean over the 12 months."),
    Column("Share", "percent", description="Index / 12: the month's share of a full-year quota."),
)


def _seasonality_sheet(r: QuotaResult) -> SheetSpec:
    inp = r.inputs
    t = frame_block("SeasonalIndex", SEASON_COLUMNS, r.season_table, anchor="A4")
    curve = np.append(inp.ramp, 1.0)
    ramp = pd.DataFrame({"TenureMonth": np.arange(1, len(curve) + 1).astype(np.int64), "Ramp": curve})
    t_ramp = frame_block("RampUsed", (Column("TenureMonth", "int"), Column("Ramp", "percent")), ramp,
                    anchor=f"{col_letters(len(SEASON_COLUMNS) + 1)}4")
    chart = ChartSpec(kind="column", title="Seasonal index by month (1 = an average month)",
                      series=(SeriesRef(name="Index", table="SeasonalIndex", values="Index", categories="Month",
                                        color=PALETTE[0]),),
                      anchor=f"{col_letters(len(SEASON_COLUMNS) + 4)}4", x_title="Month", y_title="Index", width_cols=9,
                      height_rows=16)
    src = {"History": f"history year {inp.history_calendar.month_label(0)} to {inp.history_calendar.month_label(11)}",
           "Profile": "the SeasonalProfile table", "Even": "none (every month the same)"}[inp.phasing]
    ramp_text = ", ".join(f"{p:.0%}" for p in inp.ramp)
    notes = (("A1", f"Seasonality: {inp.phasing} ({src})"),
             ("A2", f"Ramp of new hires by month of tenure: {ramp_text}, then 100%."))
    return SheetSpec(name="Seasonality", tables=(t, t_ramp), charts=(chart,), notes=notes, tab_color=OUT_TAB)


CAP_COLUMNS = (
    Column("Month", "text"),
    Column("SeasonalIndex", "number"),
    Column("Target", "money", description="The Company target phased by the seasonal index."),
    Column("CurrentTeam", "money", description="Expected bookings of the Active seats."),
    Column("OpenReqs", "money", description="Expected bookings of the Open seats."),
    Column("NewHires", "money", description="Expected bookings of the planned hires."),
    Column("Capacity", "money", description="CurrentTeam + OpenReqs + NewHires."),
    Column("Gap", "money", description="Target - Capacity (negative: capacity above target)."),
    Column("CumTarget", "money"),
    Column("CumCurrentTeam", "money"),
    Column("CumWithOpenReqs", "money"),
    Column("CumWithHires", "money"),
    Column("Headcount", "number", description="Expected reps employed (after attrition)."),
    Column("RampedHeadcount", "number", description="Expected reps x ramp."),
    Column("RampedNeeded", "number", description="Ramped reps needed to book the month's target."),
    Column("HiresStarting", "int"),
    Column("ReqsToOpen", "int", description="Requisitions to open this month (start = this month + lag)."),
    Column("ExpectedLeavers", "number"),
)

HIRE_COLUMNS = (
    Column("StartMonth", "text"), Column("StartDate", "date"), Column("Hires", "int"),
    Column("OpenReqBy", "date", description="Latest date to open the requisitions: start - hiring lag."),
    Column("BookingsPerHire", "money", description="Expected plan-year bookings of one hire starting then."),
    Column("Bookings", "money"),
)


def _capacity_sheet(r: QuotaResult) -> SheetSpec:
    cp = r.capacity
    inp = r.inputs
    t_sum = frame_block("CapacitySummary", (Column("Item", "text", width=30), Column("Amount", "money"),
                                       Column("Count", "number"), Column("Percent", "rate"),
                                       Column("Note", "text", width=58)), cp.summary, anchor="A4")
    t_hire = frame_block("HiringPlan", HIRE_COLUMNS, cp.hires, anchor="G4")
    start = 4 + len(cp.summary) + 3
    t_month = frame_block("CapacityByMonth", CAP_COLUMNS, cp.monthly, anchor=f"A{start}")
    chart_col = col_letters(len(CAP_COLUMNS) + 1)  # right of the monthly table
    line = lambda name, col, i: SeriesRef(name=name, table="CapacityByMonth", values=col, categories="Month",  # noqa
                                          color=PALETTE[i])
    charts = (
        ChartSpec(kind="line", title="Cumulative capacity against target",
                  series=(line("Target", "CumTarget", 3), line("Current team", "CumCurrentTeam", 0),
                          line("+ open requisitions", "CumWithOpenReqs", 1),
                          line("+ planned hires", "CumWithHires", 2)),
                  anchor=f"{chart_col}4", x_title="Month", y_title=inp.currency, width_cols=10, height_rows=18,
                  y_format="#,##0"),
        ChartSpec(kind="line", title="Monthly capacity against target",
                  series=(line("Target", "Target", 3), line("Current team", "CurrentTeam", 0),
                          line("Total capacity", "Capacity", 2)),
                  anchor=f"{chart_col}24", x_title="Month", y_title=inp.currency, width_cols=10, height_rows=18,
                  y_format="#,##0"),
    )
    ca = inp.capacity
    notes = (("A1", "Capacity and hiring plan"),
             ("A2", f"Productivity {ca.productivity:,.0f} {inp.currency} x attainment {ca.attainment:.0%}, attrition "
                    f"{ca.attrition:.0%} a year, hiring lag {ca.lag} months, requisitions from "
                    f"{ca.req_open.isoformat()}" + (f", at most {ca.max_hires} hires a month" if ca.max_hires else "")
                    + "."))
    return SheetSpec(name="Capacity", tables=(t_sum, t_hire, t_month), charts=charts, notes=notes,
                     tab_color="548235")


def run_log_items(r: QuotaResult) -> list[tuple[str, str]]:
    inp, ppl, a = r.inputs, r.inputs.people, r.alloc
    n = ppl.n
    leaf = ppl.is_leaf
    seats = int(leaf.sum())
    sum_seats = int(a.quota[:n][leaf].sum()) * inp.unit_cents
    target = int(a.quota[n]) * inp.unit_cents
    return [
        ("Computed at (UTC)", r.computed_at),
        ("Engine version", f"salesops-xl {r.engine_version}"),
        ("Input fingerprint (SHA-256)", inp.fingerprint),
        ("Plan year start", inp.calendar.start.isoformat()),
        ("Target", f"{target / 100:,.2f} {inp.currency}"),
        ("Rounding unit", f"{inp.unit_cents / 100:g} {inp.currency}"),
        ("Phasing", inp.phasing),
        ("Measure (hand-off)", inp.measure),
        ("Seats", str(seats)),
        ("Open seats", str(int((leaf & (ppl.status == "Open")).sum()))),
        ("Managers", str(int((ppl.n_children[:n] > 0).sum()))),
        ("Levels", str(int(ppl.depth[:n].max()) if n else 0)),
        ("Sum of seat quotas", f"{sum_seats / 100:,.2f} {inp.currency}"),
        ("Over-assignment, Company to seats", f"{sum_seats / target:.2%}" if target else ""),
        ("Planned hires", str(int(r.capacity.hires_by_month.sum()))),
    ]


def _run_log(r: QuotaResult) -> SheetSpec:
    items = run_log_items(r)
    log = pd.DataFrame({"Item": [i for i, _ in items], "Value": [v for _, v in items]}, dtype=object)
    t_log = frame_block("QuotaRunLog", (Column("Item", "text", width=34), Column("Value", "text", width=70)), log)
    warn = pd.DataFrame({"Warning": r.warnings or ["(none)"]}, dtype=object)
    t_warn = frame_block("QuotaRunWarnings", (Column("Warning", "text", width=110),), warn, anchor=f"A{len(log) + 4}")
    return SheetSpec(name="Quota Run Log", tables=(t_log, t_warn), tab_color="7F7F7F")


def quota_sheets(r: QuotaResult) -> list[SheetSpec]:
    """The output sheets of a quota run, in the order they appear in the workbook."""
    return [_allocation_sheet(r), _rep_quotas_sheet(r), _months_sheet(r), _seasonality_sheet(r), _capacity_sheet(r),
            _run_log(r)]
