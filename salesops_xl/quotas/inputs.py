"""Read and check the quota workbook's input tables.

:func:`load_inputs` reads every table through a
:class:`~salesops_xl.source.TableSource`, types it, checks the rules that
span tables (the hierarchy has no loops, every rule names a node, blend
weights total 100%, every seat that needs history or potential has it...)
and raises one :class:`~salesops_xl.errors.InputError` listing everything
wrong. Only a clean set of inputs reaches the engine. Rules: docs/quotas.md.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Problem, ProblemCollector
from ..periods import PlanCalendar
from ..source import TableSource
from ..tables import Table, fingerprint, index_of, input_frames, read_tables, take  # noqa: F401  (index_of re-exported)
from . import schema as S

# None as a 0-d object array: what np.where/np.append make of a bare None, in a form numpy's stubs accept
_NONE = np.array(None, dtype=object)

_CCY_RE = re.compile(r"^[A-Z]{3}$")
#: Month index standing for "no termination date".
NEVER = 10**6
METHODS = ("Even", "History", "Potential")


@dataclass(frozen=True)
class CapacityAssumptions:
    productivity: float  # annual bookings of a ramped rep at 100% attainment
    attainment: float
    attrition: float  # annual
    lag: int  # months from opening a requisition to the start
    req_open: _dt.date
    max_hires: int | None


@dataclass
class People:
    """The QuotaRoster as arrays; index ``n`` (one past the last row) is the Company node."""

    ids: np.ndarray  # object
    names: np.ndarray  # object
    manager: np.ndarray  # object (None at the top)
    status: np.ndarray  # object: Active / Open
    hire: np.ndarray  # datetime64[D]
    term: np.ndarray  # datetime64[D], NaT: employed
    hire_mi: np.ndarray  # int64: month of HireDate counted from the plan year's first month
    term_mi: np.ndarray  # int64: month of TermDate, NEVER when blank
    currency: np.ndarray  # object
    fx: np.ndarray  # float: units of the seat's currency per unit of plan currency
    floor: np.ndarray  # float, NaN: none
    ceiling: np.ndarray  # float, NaN: none
    parent: np.ndarray  # int64 (n+1,): index of the manager, n for the Company; parent[n] = -1
    depth: np.ndarray  # int64 (n+1,): 0 for the Company, 1 for the top of the roster
    n_children: np.ndarray  # int64 (n+1,)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def is_leaf(self) -> np.ndarray:
        return self.n_children[: self.n] == 0

    @property
    def dated(self) -> np.ndarray:
        """Rows whose employment dates can be checked against: a HireDate, and no TermDate before it.

        A row without them has its own problem already; checks of other tables against its dates
        (bookings outside employment...) would only repeat it, so they skip it.
        """
        return ~np.isnat(self.hire) & ~(~np.isnat(self.term) & (self.term < self.hire))


@dataclass
class Rules:
    """AllocationRules resolved: one rule per row, and the rule each node applies to its reports."""

    node: np.ndarray  # object: node name of each rule row
    method: np.ndarray  # object
    beta: np.ndarray  # (k, 3) float: weights of Even, History, Potential
    oa: np.ndarray  # (k,) float over-assignment
    row: np.ndarray  # (k,) data row index in AllocationRules
    own: np.ndarray  # (n+1,) int: the node's own rule, -1 if none
    effective: np.ndarray  # (n+1,) int: rule applied to split the node's target (own, or inherited)


@dataclass
class QuotaInputs:
    """Validated inputs of one quota and capacity run."""

    workbook: str
    tables: dict[str, Table]
    fingerprint: str
    calendar: PlanCalendar
    history_calendar: PlanCalendar
    target: float
    currency: str
    measure: str
    team_measure: str | None
    unit_cents: int
    phasing: str
    min_history_months: float
    capacity: CapacityAssumptions
    people: People
    rules: Rules
    ramp: np.ndarray  # ramp curve: productivity in tenure months 1..len (100% after)
    bookings: np.ndarray  # (n, 12) history-year bookings per seat and month
    history_rows: np.ndarray  # (n,) number of BookingsHistory rows per seat
    potential: np.ndarray  # (n,) float, NaN: none
    potential_source: np.ndarray  # (n,) object: "Roster", "Accounts" or None
    profile: np.ndarray | None  # (12,) weights of Phasing = Profile, in plan-month order, as typed
    need_history: np.ndarray  # (n+1,) bool: some rule above the node allocates by History
    need_potential: np.ndarray  # (n+1,) bool
    warnings: list[str] = field(default_factory=list)

    def frame(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame

    def table(self, name: str) -> Table:
        return self.tables[name]


def load_inputs(source: TableSource) -> QuotaInputs:
    """Read, type and cross-check every input table; raise InputError with all problems found."""
    from ..capabilities import check_kind

    check_kind("quotas", source.table_names(), source.workbook, "quota planning")
    problems = ProblemCollector()
    warnings: list[str] = []
    tables = read_tables(source, S.INPUT_TABLES, problems)
    fp = fingerprint(input_frames(tables))
    plan = _plan(tables.get("QuotaPlan"), problems, warnings)
    cap = _capacity(tables.get("CapacityPlan"), plan, problems)
    fx = _fx(tables.get("PlanFXRates"), problems)
    people = None
    if plan is not None and "QuotaRoster" in tables:
        people = _roster(tables["QuotaRoster"], plan, fx, problems, warnings)
    rules = None
    if people is not None and "AllocationRules" in tables:
        rules = _rules(tables["AllocationRules"], people, problems, warnings)
    ramp = read_ramp_curve(tables.get("RampCurve"), problems)
    profile = None
    if plan is not None:
        profile = _profile(tables.get("SeasonalProfile"), plan, problems, warnings)
    bookings = rows = potential = psource = need_h = need_p = None
    if people is not None and plan is not None:
        bookings, rows = _history(tables.get("BookingsHistory"), people, plan, problems, warnings)
        potential, psource = _potential(tables.get("AccountPotential"), tables["QuotaRoster"], people, problems,
                                        warnings)
        if rules is not None:
            need_h, need_p = _needs(people, rules)
            _check_needs(tables, people, plan, rules, need_h, need_p, rows, potential, problems)
    problems.raise_if_any()
    assert plan is not None and cap is not None and people is not None and rules is not None
    # set together above once plan, people and rules are there
    assert bookings is not None and rows is not None and potential is not None and psource is not None
    assert need_h is not None and need_p is not None
    return QuotaInputs(
        workbook=source.workbook, tables=tables, fingerprint=fp, calendar=plan["calendar"],
        history_calendar=plan["history_calendar"], target=plan["target"], currency=plan["currency"],
        measure=plan["measure"], team_measure=plan["team_measure"], unit_cents=plan["unit_cents"],
        phasing=plan["phasing"],
        min_history_months=plan["min_history"], capacity=cap, people=people, rules=rules, ramp=ramp,
        bookings=bookings, history_rows=rows, potential=potential, potential_source=psource, profile=profile,
        need_history=need_h, need_potential=need_p, warnings=warnings,
    )




# -- helpers ------------------------------------------------------------------------------------

def _dates(series: pd.Series) -> np.ndarray:
    return series.to_numpy().astype("datetime64[D]")


def _month_index(dates: np.ndarray, start: _dt.date) -> np.ndarray:
    d = np.asarray(dates).astype("datetime64[M]")
    out = (d - np.datetime64(start, "M")).astype(np.int64)
    return np.where(np.isnat(d), 0, out)


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def one_row(tbl: Table | None, problems: ProblemCollector) -> pd.Series | None:
    """The single row of a one-row settings table (QuotaPlan, BudgetPlan...): None when it has none; a second
    row is a problem."""
    if tbl is None or len(tbl.frame) == 0:
        return None
    if len(tbl.frame) > 1:
        problems.add(tbl.problem(1, tbl.schema.fields[0].name, f"table {tbl.schema.name} has {len(tbl.frame)} rows",
                                 show_value=False, expected="exactly one row"))
    return tbl.frame.iloc[0]


# -- QuotaPlan, CapacityPlan, FX ------------------------------------------------------------------

def _plan(tbl: Table | None, problems: ProblemCollector, warnings: list[str]) -> dict | None:
    row = one_row(tbl, problems)
    if row is None:
        return None
    assert tbl is not None  # one_row gives a row only from a table
    start = row["PlanYearStart"]
    target, unit = float(row["Target"]), float(row["RoundingUnit"])
    ccy = str(row["Currency"] or "").strip().upper()
    ok = True
    if pd.isna(start):
        ok = False  # read_table reported it
    if not _CCY_RE.match(ccy):
        problems.add(tbl.problem(0, "Currency", "not a currency code", value=row["Currency"],
                                 expected="a three-letter ISO code such as USD"))
        ok = False
    unit_cents = 0
    if not np.isnan(unit):
        unit_cents = int(round(unit * 100))
        if unit_cents < 1 or abs(unit * 100 - unit_cents) > 1e-6:
            problems.add(tbl.problem(0, "RoundingUnit", "not a whole number of cents", value=unit,
                                     expected="an amount such as 0.01, 1, 100 or 1000"))
            ok = False
    else:
        ok = False
    if np.isnan(target):
        ok = False
    if not ok:
        return None
    start_d = pd.Timestamp(start).date()
    cal = PlanCalendar.create(start_d)
    hstart = _dt.date(cal.start.year - 1, cal.start.month, 1)
    target_units = _round_units(target * 100 / unit_cents)
    if abs(target_units * unit_cents - target * 100) > 1e-6:
        warnings.append(f"QuotaPlan[Target] {_fmt(target)} is not a multiple of the rounding unit {_fmt(unit)}; "
                        f"{_fmt(target_units * unit_cents / 100)} is allocated")
    return {"calendar": cal, "history_calendar": PlanCalendar.create(hstart),
            "target": target_units * unit_cents / 100.0, "currency": ccy, "measure": str(row["Measure"]),
            "team_measure": None if "TeamMeasure" not in row or row["TeamMeasure"] is None else str(row["TeamMeasure"]),
            "unit_cents": unit_cents, "phasing": str(row["Phasing"]),
            "min_history": float(row["MinHistoryMonths"]), "row": row}


def _round_units(x: float) -> int:
    y = round(float(x), 6)
    return int(np.sign(y) * np.floor(abs(y) + 0.5))


def _capacity(tbl: Table | None, plan: dict | None, problems: ProblemCollector) -> CapacityAssumptions | None:
    row = one_row(tbl, problems)
    if row is None or plan is None:
        return None
    vals = [row["Productivity"], row["ExpectedAttainment"], row["AttritionRate"], row["HiringLagMonths"]]
    if any(np.isnan(float(v)) for v in vals):
        return None  # reported by read_table
    ro = row["ReqOpenDate"]
    req_open = plan["calendar"].start if pd.isna(ro) else pd.Timestamp(ro).date()
    mh = row["MaxHiresPerMonth"]
    return CapacityAssumptions(productivity=float(row["Productivity"]), attainment=float(row["ExpectedAttainment"]),
                               attrition=float(row["AttritionRate"]), lag=int(row["HiringLagMonths"]),
                               req_open=req_open, max_hires=None if np.isnan(mh) else int(mh))


def _fx(tbl: Table | None, problems: ProblemCollector) -> dict[str, float]:
    if tbl is None:
        return {}
    out = {}
    for i, (c, r) in enumerate(zip(tbl.frame["Currency"], tbl.frame["Rate"])):
        if c is None:
            continue
        code = str(c).strip().upper()
        if not _CCY_RE.match(code):
            problems.add(tbl.problem(i, "Currency", "not a currency code", value=c,
                                     expected="a three-letter ISO code such as EUR"))
            continue
        if not np.isnan(r):
            out[code] = float(r)
    return out


# -- the roster and its hierarchy -----------------------------------------------------------------

def _roster(tbl: Table, plan: dict, fx: dict[str, float], problems: ProblemCollector,
            warnings: list[str]) -> People | None:
    f = tbl.frame
    n = len(f)
    ids = f["RepID"].to_numpy(dtype=object)
    low = pd.Series(ids, dtype=object).str.lower().to_numpy(dtype=object)
    for i in np.flatnonzero(low == S.COMPANY.lower()):
        problems.add(tbl.problem(int(i), "RepID", f"{S.COMPANY!r} is the name of the top of the hierarchy",
                                 value=ids[i], expected="another RepID"))
    mgr = f["ManagerID"].to_numpy(dtype=object)
    pos = index_of(ids, mgr)
    has_mgr = ~pd.isna(mgr)
    for i in np.flatnonzero(has_mgr & (pos < 0)):
        problems.add(tbl.problem(int(i), "ManagerID", "unknown manager", value=mgr[i],
                                 expected="blank or a RepID listed in the QuotaRoster"))
    self_mgr = has_mgr & (pos == np.arange(n))
    for i in np.flatnonzero(self_mgr):
        problems.add(tbl.problem(int(i), "ManagerID", "a rep is their own manager", value=mgr[i],
                                 expected="another rep's RepID, or blank"))
    parent = np.full(n + 1, -1, dtype=np.intp)
    parent[:n] = np.where(has_mgr & (pos >= 0) & ~self_mgr, pos, n)
    depth = np.full(n + 1, -1, dtype=np.intp)
    depth[n] = 0
    while True:  # one pass per level of the hierarchy
        todo = depth[:n] < 0
        pdp = depth[parent[:n]]
        newly = todo & (pdp >= 0)
        if not newly.any():
            break
        depth[:n][newly] = pdp[newly] + 1
    if (depth[:n] < 0).any():
        _report_loops(tbl, parent, depth, problems)
        depth[:n][depth[:n] < 0] = 1  # keep going to find other problems; the run stops anyway
        parent[:n][depth[:n] == 1] = n
    n_children = np.bincount(parent[:n], minlength=n + 1).astype(np.int64)
    status = f["Status"].to_numpy(dtype=object)
    hire, term = _dates(f["HireDate"]), _dates(f["TermDate"])
    for i in np.flatnonzero(np.isnat(hire)):
        if status[i] == "Open":
            problems.add(tbl.problem(int(i), "HireDate", "an open requisition without a planned start date",
                                     show_value=False, expected="the date the seat is planned to start"))
        else:
            problems.add(tbl.problem(int(i), "HireDate", "a rep without a HireDate", show_value=False,
                                     expected="the first day of employment (a date)"))
    bad = ~np.isnat(hire) & ~np.isnat(term) & (term < hire)
    for i in np.flatnonzero(bad):
        problems.add(tbl.problem(int(i), "TermDate", "termination before hire", value=term[i].item(),
                                 expected=f"a date on or after the HireDate {hire[i].item()}"))
    start = plan["calendar"].start
    hire_mi = _month_index(hire, start)
    term_mi = np.where(np.isnat(term), NEVER, _month_index(term, start))
    # currencies and planning rates
    ccy_raw = f["Currency"].to_numpy(dtype=object) if "Currency" in f else np.full(n, None, dtype=object)
    codes, uniq = pd.factorize(ccy_raw, use_na_sentinel=True)
    conv, rate = {}, {}
    for k, u in enumerate(uniq):
        code = str(u).strip().upper()
        conv[k] = code
        if not _CCY_RE.match(code):
            rate[k] = np.nan
        elif code == plan["currency"]:
            rate[k] = 1.0
        else:
            rate[k] = fx.get(code, np.nan)
    cur_arr = np.array([conv[k] for k in range(len(uniq))] + [plan["currency"]], dtype=object)
    rate_arr = np.array([rate[k] for k in range(len(uniq))] + [1.0], dtype=np.float64)
    currency = cur_arr[codes]
    fxr = rate_arr[codes]
    for k, u in enumerate(uniq):
        if np.isnan(rate_arr[k]):
            rows = np.flatnonzero(codes == k)
            code = conv[k]
            if not _CCY_RE.match(code):
                for i in rows:
                    problems.add(tbl.problem(int(i), "Currency", "not a currency code", value=u,
                                             expected="blank, or a three-letter ISO code such as EUR"))
            else:
                for i in rows:
                    problems.add(tbl.problem(int(i), "Currency", f"no planning rate for {code}", value=u,
                                             expected=f"a PlanFXRates row for {code} (units of {code} per "
                                                      f"{plan['currency']})"))
    floor = f["Floor"].to_numpy(dtype=np.float64) if "Floor" in f else np.full(n, np.nan)
    ceiling = f["Ceiling"].to_numpy(dtype=np.float64) if "Ceiling" in f else np.full(n, np.nan)
    for i in np.flatnonzero(~np.isnan(floor) & ~np.isnan(ceiling) & (floor > ceiling)):
        problems.add(tbl.problem(int(i), "Ceiling", "a ceiling below the floor", value=float(ceiling[i]),
                                 expected=f"an amount of at least the Floor {_fmt(float(floor[i]))}"))
    return People(ids=ids, names=f["RepName"].to_numpy(dtype=object), manager=mgr, status=status, hire=hire,
                  term=term, hire_mi=hire_mi.astype(np.int64), term_mi=term_mi.astype(np.int64),
                  currency=currency, fx=fxr, floor=floor, ceiling=ceiling, parent=parent, depth=depth,
                  n_children=n_children)


def _report_loops(tbl: Table, parent: np.ndarray, depth: np.ndarray, problems: ProblemCollector) -> None:
    """Name each manager loop once (runs only when the roster has one)."""
    n = len(parent) - 1
    ids = tbl.frame["RepID"].to_numpy(dtype=object)
    reported: set[frozenset] = set()
    for start in np.flatnonzero(depth[:n] < 0):
        path: list[int] = []
        node = int(start)
        seen: dict[int, int] = {}
        while node < n and node not in seen and depth[node] < 0:
            seen[node] = len(path)
            path.append(node)
            node = int(parent[node])
        if node in seen:
            loop = path[seen[node]:]
            key = frozenset(loop)
            if key not in reported:
                reported.add(key)
                chain = " -> ".join(str(ids[j]) for j in loop + [node])
                problems.add(tbl.problem(int(node), "ManagerID", "manager loop in the roster", value=chain,
                                         expected="a hierarchy where following managers always ends at a row "
                                                  "with a blank ManagerID"))


# -- allocation rules ------------------------------------------------------------------------------

def _rules(tbl: Table, people: People, problems: ProblemCollector, warnings: list[str]) -> Rules | None:
    f = tbl.frame
    n = people.n
    k = len(f)
    node = f["Node"].to_numpy(dtype=object)
    is_company = np.array([x is not None and str(x).lower() == S.COMPANY.lower() for x in node], dtype=bool)
    pos = np.where(is_company, n, index_of(people.ids, node))
    for i in np.flatnonzero((pos < 0) & ~pd.isna(node)):
        problems.add(tbl.problem(int(i), "Node", "unknown node", value=node[i],
                                 expected=f"{S.COMPANY} or a RepID of the QuotaRoster that has reports"))
    if not is_company.any():
        problems.add(Problem(message=f"no rule for the {S.COMPANY}", show_value=False,
                             expected=f"a row with Node = {S.COMPANY}: how the target is split at the top",
                             workbook=tbl.raw.workbook, sheet=tbl.raw.sheet, table=tbl.raw.name))
    leaf_rule = (pos >= 0) & (pos < n)
    leaf_rule[leaf_rule] = people.n_children[pos[leaf_rule]] == 0
    for i in np.flatnonzero(leaf_rule):
        warnings.append(f"AllocationRules {tbl.raw.row_ref(int(i))}: {node[i]} has no direct reports, so its rule "
                        "is not used")
    method = f["Method"].to_numpy(dtype=object)
    wcols = ("EvenWeight", "HistoryWeight", "PotentialWeight")
    w = np.column_stack([f[c].to_numpy(dtype=np.float64) for c in wcols]) if k else np.zeros((0, 3))
    given = ~np.isnan(w)
    is_blend = method == "Blend"
    beta = np.where(is_blend[:, None], np.nan_to_num(w), 0.0)
    for j, m in enumerate(METHODS):
        beta[method == m, j] = 1.0
    tot = beta.sum(axis=1)
    for i in np.flatnonzero(is_blend & (np.abs(tot - 1.0) > 1e-6)):
        problems.add(tbl.problem(int(i), "HistoryWeight", f"the blend weights of {node[i]} total {tot[i]:.4%}",
                                 show_value=False, expected="EvenWeight + HistoryWeight + PotentialWeight = 100%"))
    single = ~is_blend & ~pd.isna(method) & given.any(axis=1)
    for i in np.flatnonzero(single):
        j = int(np.flatnonzero(given[i])[0])
        problems.add(tbl.problem(int(i), wcols[j], f"a blend weight on a rule whose Method is {method[i]}",
                                 value=float(w[i, j]), expected="Method Blend, or blank weights"))
    own = np.full(n + 1, -1, dtype=np.intp)
    ok = pos >= 0
    own[pos[ok]] = np.flatnonzero(ok)
    eff = own.copy()
    for d in range(1, int(people.depth.max()) + 1):
        sel = np.flatnonzero(people.depth[:n] == d)
        eff[sel] = np.where(own[sel] >= 0, own[sel], eff[people.parent[sel]])
    return Rules(node=node, method=method, beta=beta, oa=f["OverAssignment"].to_numpy(dtype=np.float64),
                 row=np.arange(k), own=own, effective=eff)


def _needs(people: People, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Which nodes' history / potential some ancestor's rule uses (so their seats need it)."""
    n = people.n
    need_h = np.zeros(n + 1, dtype=bool)
    need_p = np.zeros(n + 1, dtype=bool)
    eff = rules.effective
    uses = np.zeros((len(rules.oa) + 1, 3), dtype=bool)
    uses[:-1] = rules.beta > 0
    for d in range(1, int(people.depth.max()) + 1):
        sel = np.flatnonzero(people.depth[:n] == d)
        par = people.parent[sel]
        need_h[sel] = need_h[par] | uses[eff[par], 1]
        need_p[sel] = need_p[par] | uses[eff[par], 2]
    return need_h, need_p


# -- ramp, profile -------------------------------------------------------------------------------

def read_ramp_curve(tbl: Table | None, problems: ProblemCollector) -> np.ndarray:
    """The RampCurve table as productivity by month of tenure (docs/quotas.md, \"Ramp\"), checked."""
    if tbl is None or len(tbl.frame) == 0:
        return np.array(S.DEFAULT_RAMP, dtype=np.float64)
    f = tbl.frame
    month, pct = f["Month"].to_numpy(dtype=np.float64), f["Pct"].to_numpy(dtype=np.float64)
    ok = ~np.isnan(month) & ~np.isnan(pct)
    if not ok.all():
        return np.array(S.DEFAULT_RAMP)
    order = np.argsort(month, kind="stable")
    m_sorted = month[order].astype(np.int64)
    expect = np.arange(1, len(month) + 1)
    if not np.array_equal(m_sorted, expect):
        missing = sorted(set(expect.tolist()) - set(m_sorted.tolist()))
        problems.add(tbl.problem(None, "Month", f"the ramp months are not 1, 2, 3... without gaps (missing "
                                 f"{', '.join(map(str, missing))})", show_value=False,
                                 expected="one row for each tenure month from 1 to the last ramping month"))
        return np.array(S.DEFAULT_RAMP)
    curve = pct[order]
    drops = np.flatnonzero(np.diff(curve) < -1e-12)
    for j in drops:
        i = int(order[j + 1])
        problems.add(tbl.problem(i, "Pct", "the ramp goes down", value=float(pct[i]),
                                 expected=f"at least the previous month's {curve[j]:.0%}"))
    return curve


def _profile(tbl: Table | None, plan: dict, problems: ProblemCollector, warnings: list[str]) -> np.ndarray | None:
    used = plan["phasing"] == "Profile"
    if tbl is None or len(tbl.frame) == 0:
        if used:
            problems.add(Problem(message="Phasing is Profile but the SeasonalProfile table is missing or empty",
                                 show_value=False, table="SeasonalProfile",
                                 expected="a SeasonalProfile table with a Weight for each of the 12 months"))
        return None
    if not used:
        return None  # kept for when Phasing is switched to Profile
    f = tbl.frame
    cal: PlanCalendar = plan["calendar"]
    idx = np.full(len(f), -1, dtype=np.intp)
    for i, v in enumerate(f["Month"]):  # 12 rows
        if v is None:
            continue
        p, why = cal.parse_period(v, "Month")
        if p is None:
            problems.add(tbl.problem(i, "Month", why, value=v, expected=cal.expected_label("Month")))
        else:
            idx[i] = p
    ok = idx >= 0
    dup = pd.Series(idx[ok]).duplicated().to_numpy()
    for i in np.flatnonzero(ok)[dup]:
        problems.add(tbl.problem(int(i), "Month", "a second weight for the same month", value=f["Month"].iloc[i],
                                 expected="one row per month"))
    w = f["Weight"].to_numpy(dtype=np.float64)
    prof = np.zeros(12)
    np.add.at(prof, idx[ok], np.nan_to_num(w[ok]))
    missing = sorted(set(range(12)) - set(idx[ok].tolist()))
    if missing:
        problems.add(tbl.problem(None, "Month", "months without a weight: " + ", ".join(cal.month_label(m)
                                 for m in missing), show_value=False, expected="a row for each of the 12 months"))
        return None
    if prof.sum() <= 0:
        problems.add(tbl.problem(None, "Weight", "the weights total 0", show_value=False,
                                 expected="weights above 0 for at least one month"))
        return None
    return prof


# -- history and potential -------------------------------------------------------------------------

def _history(tbl: Table | None, people: People, plan: dict, problems: ProblemCollector,
             warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    n = people.n
    book: np.ndarray = np.zeros((n, 12))
    rows = np.zeros(n, dtype=np.intp)
    if tbl is None or len(tbl.frame) == 0:
        return book, rows
    f = tbl.frame
    hcal: PlanCalendar = plan["history_calendar"]
    pos = index_of(people.ids, f["RepID"].to_numpy(dtype=object))
    rep = f["RepID"].to_numpy(dtype=object)
    for i in np.flatnonzero((pos < 0) & ~pd.isna(rep)):
        problems.add(tbl.problem(int(i), "RepID", "unknown rep", value=rep[i],
                                 expected="a RepID listed in the QuotaRoster (keep leavers there with their "
                                          "TermDate so their history counts)"))
    codes, uniq = pd.factorize(f["Month"].to_numpy(dtype=object), use_na_sentinel=True)
    first, last = hcal.month_label(0), hcal.month_label(11)
    m_of = np.full(len(uniq) + 1, -1, dtype=np.intp)
    bad: dict[int, str] = {}
    for k, u in enumerate(uniq):  # distinct months: a dozen
        p, why = hcal.parse_period(u, "Month")
        if p is None:
            bad[k] = why.replace("plan year", "history year")
        else:
            m_of[k] = p
    month = m_of[codes]
    for i in (np.flatnonzero(np.isin(codes, list(bad))) if bad else ()):
        problems.add(tbl.problem(int(i), "Month", bad[int(codes[i])], value=f["Month"].iloc[i],
                                 expected=f"a month of the history year, {first} to {last} (a label or a date)"))
    amt = f["Amount"].to_numpy(dtype=np.float64)
    ok = (pos >= 0) & (month >= 0) & ~np.isnan(amt)
    # bookings only in months the seat was employed (history month m is plan month m - 12)
    hm = month - 12
    hire_mi = take(people.hire_mi, pos, 0).astype(np.int64)
    term_mi = take(people.term_mi, pos, 0).astype(np.int64)
    employed = (hm >= hire_mi) & (hm <= term_mi)
    outside = ok & ~employed & take(people.dated, pos, False)  # a rep without usable dates: one problem, on the roster
    for i in np.flatnonzero(outside):
        j = pos[i]
        when = (f"before the HireDate {people.hire[j].item()}" if hm[i] < people.hire_mi[j]
                else f"after the TermDate {people.term[j].item()}")
        problems.add(tbl.problem(int(i), "Month", f"bookings of {people.ids[j]} in {hcal.month_label(int(month[i]))}, "
                                 f"{when}", value=f["Month"].iloc[i],
                                 expected="bookings only in months the rep was employed (check RepID and dates)"))
    non_leaf = ok & (people.n_children[np.maximum(pos, 0)] > 0)
    if non_leaf.any():
        who = sorted(set(people.ids[pos[non_leaf]].tolist()))
        warnings.append(f"BookingsHistory rows of {', '.join(who[:5])}{'...' if len(who) > 5 else ''} are not used: "
                        "they have reports, and a team's history is the sum of its reps'")
    use = ok & employed & ~non_leaf
    book = np.bincount(pos[use] * 12 + month[use], weights=amt[use], minlength=n * 12).reshape(n, 12)
    rows = np.bincount(pos[ok], minlength=n).astype(np.int64)
    return book, rows


def _potential(tbl: Table | None, roster: Table, people: People, problems: ProblemCollector,
               warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    n = people.n
    f = roster.frame
    pr = f["Potential"].to_numpy(dtype=np.float64) if "Potential" in f else np.full(n, np.nan)
    acc: np.ndarray = np.zeros(n)
    has_acc = np.zeros(n, dtype=bool)
    if tbl is not None and len(tbl.frame):
        a = tbl.frame
        pos = index_of(people.ids, a["RepID"].to_numpy(dtype=object))
        rep = a["RepID"].to_numpy(dtype=object)
        for i in np.flatnonzero((pos < 0) & ~pd.isna(rep)):
            problems.add(tbl.problem(int(i), "RepID", "unknown rep", value=rep[i],
                                     expected="a RepID listed in the QuotaRoster"))
        ok = pos >= 0
        mgr = ok & (people.n_children[np.maximum(pos, 0)] > 0)
        for i in np.flatnonzero(mgr):
            problems.add(tbl.problem(int(i), "RepID", "an account assigned to a manager with reports", value=rep[i],
                                     expected="a seat without reports (a team's potential is the sum of its seats')"))
        pot = a["Potential"].to_numpy(dtype=np.float64)
        use = ok & ~mgr & ~np.isnan(pot)
        acc = np.bincount(pos[use], weights=pot[use], minlength=n)
        has_acc = np.bincount(pos[ok & ~mgr], minlength=n) > 0
    both = has_acc & ~np.isnan(pr)
    for i in np.flatnonzero(both):
        problems.add(roster.problem(int(i), "Potential", "potential given twice: here and in AccountPotential",
                                    value=float(pr[i]), expected="a blank Potential when the seat has accounts, "
                                                                 "or no AccountPotential rows for it"))
    leaf = people.is_leaf
    mgr_pot = ~leaf & ~np.isnan(pr)
    if mgr_pot.any():
        who = people.ids[mgr_pot].tolist()
        warnings.append(f"QuotaRoster[Potential] of {', '.join(map(str, who[:5]))}{'...' if len(who) > 5 else ''} "
                        "is not used: they have reports, and a team's potential is the sum of its seats'")
    potential = np.where(~np.isnan(pr), pr, np.where(has_acc, acc, np.nan))
    potential[~leaf] = np.nan
    source = np.where(~np.isnan(pr), "Roster", np.where(has_acc, "Accounts", _NONE)).astype(object)
    source[~leaf] = None
    return potential, source


def _check_needs(tables: dict[str, Table], people: People, plan: dict, rules: Rules, need_h: np.ndarray,
                 need_p: np.ndarray, rows: np.ndarray, potential: np.ndarray, problems: ProblemCollector) -> None:
    roster = tables["QuotaRoster"]
    n = people.n
    leaf = people.is_leaf
    active = people.status == "Active"
    # employed during the history year: plan months -12..-1
    in_hist = (people.hire_mi <= -1) & (people.term_mi >= -12) & people.dated
    in_plan = (people.hire_mi <= 11) & (people.term_mi >= 0) & people.dated
    hist_used = need_h[:n] | (plan["phasing"] == "History")
    missing = leaf & active & in_hist & hist_used & (rows == 0)
    hcal: PlanCalendar = plan["history_calendar"]
    span = f"{hcal.month_label(0)} to {hcal.month_label(11)}"
    why = {True: "a rule above it allocates by History", False: "Phasing is History"}
    for i in np.flatnonzero(missing):
        problems.add(roster.problem(int(i), "RepID", f"no BookingsHistory rows for this rep, employed during the "
                                    f"history year ({span}); {why[bool(need_h[i])]}", value=people.ids[i],
                                    expected="BookingsHistory rows for the rep (an Amount of 0 if nothing was booked)"))
    nopot = leaf & in_plan & need_p[:n] & np.isnan(potential)
    for i in np.flatnonzero(nopot):
        problems.add(roster.problem(int(i), "Potential", "no potential for this seat, and a rule above it allocates "
                                    "by Potential", show_value=False,
                                    expected="a Potential here, or AccountPotential rows for the seat"))
