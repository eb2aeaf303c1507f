"""Cell functions of the territory workbook: Excel values in, Excel values out, never an exception.

* :func:`distance_km` - great-circle distance (the alignment's distance).
* :func:`territory_balance` - per territory: total, target, deviation (spills a table).
* :func:`max_deviation` - the largest |deviation| of territories from their targets.
* :func:`compactness` - workload-weighted mean distance of units to their rep's home.
* :func:`jain` - Jain's fairness index of loads against weights.
* :func:`route_lead` - the assignee, rule and detail of one lead (the lead-routing engine on one row).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..cells import CellError, as_matrix, cell_function, is_blank, number, numbers
from ..dates import EXCEL_ERRORS
from ..errors import InputError, ProblemCollector
from ..source import rows_to_raw
from .geo import haversine_km
from .leads import jain_index, load_leads, route


def _flat(value: Any) -> list:
    return [v for row in as_matrix(value) for v in row]


def _ids(value: Any, what: str) -> list:
    """A range of ids -> list of text (None for blanks); numbers as whole-number text."""
    out: list[str | None] = []
    for v in _flat(value):
        if is_blank(v):
            out.append(None)
        elif isinstance(v, bool):
            raise CellError(f"{what} holds TRUE/FALSE, expected ids")
        elif isinstance(v, (int, float, np.integer, np.floating)):
            x = float(v)
            out.append(str(int(x)) if x.is_integer() else repr(x))
        else:
            s = str(v).strip()
            if s in EXCEL_ERRORS:
                raise CellError(f"{what} holds an error ({s})", s)
            out.append(s)
    return out


def _column(value: Any, what: str, n: int, *, blank: float | None = None) -> np.ndarray:
    vals = _flat(value)
    if len(vals) != n:
        raise CellError(f"{what} must have as many cells as the owners range ({n}), not {len(vals)}")
    return np.array([number(v, f"{what} (cell {i + 1})", blank=blank) for i, v in enumerate(vals)], dtype=np.float64)


def _shape(result: np.ndarray, scalar: bool) -> Any:
    if scalar:
        return float(result.reshape(-1)[0])
    return result.tolist()


@cell_function
def distance_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in km (sphere of radius 6,371 km); ranges of the same shape spill."""
    arrays, scalar = [], True
    for v, what, lim in ((lat1, "lat1", 90), (lon1, "lon1", 180), (lat2, "lat2", 90), (lon2, "lon2", 180)):
        a, s = numbers(v, what)
        if np.any(np.abs(a) > lim):
            raise CellError(f"{what} must be between -{lim} and {lim}")
        arrays.append(a)
        scalar &= s
    shapes = {a.shape for a in arrays if a.size != 1}
    if len(shapes) > 1:
        raise CellError("the ranges must have the same size (or be single cells)")
    return _shape(np.round(haversine_km(*arrays), 9), scalar)


def _balance(owners, values, reps, capacities):
    own = _ids(owners, "owners")
    n = len(own)
    val = _column(values, "values", n)
    if reps is None or (not isinstance(reps, (list, tuple, np.ndarray)) and is_blank(reps)):
        names = list(dict.fromkeys(o for o in own if o is not None))
    else:
        names = [r for r in _ids(reps, "reps") if r is not None]
        if len(set(names)) != len(names):
            raise CellError("reps lists a rep twice")
    if not names:
        raise CellError("no territory: owners is empty")
    unknown = sorted({o for o in own if o is not None} - set(names))
    if unknown:
        raise CellError(f"owner {unknown[0]!r} is not in reps")
    if capacities is None or (not isinstance(capacities, (list, tuple, np.ndarray)) and is_blank(capacities)):
        cap = np.ones(len(names))
    else:
        cap = np.array([number(v, f"capacities (cell {i + 1})") for i, v in enumerate(_flat(capacities))])
        if len(cap) != len(names):
            raise CellError("capacities must have one cell per rep")
        if np.any(cap < 0) or cap.sum() <= 0:
            raise CellError("capacities must be 0 or more, and not all 0")
    index = {r: i for i, r in enumerate(names)}
    t = np.array([index.get(o, -1) if o is not None else -1 for o in own], dtype=np.intp)
    ok = t >= 0
    total = np.bincount(t[ok], weights=val[ok], minlength=len(names))
    target = val[ok].sum() * cap / cap.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.where(target > 0, total / np.where(target > 0, target, 1.0) - 1.0, np.nan)
    return names, total, target, dev


@cell_function
def territory_balance(owners: Any, values: Any, reps: Any = None, capacities: Any = None) -> Any:
    """Spills Territory, Total, Target, Deviation: Total = sum of values of the territory's units,
    Target = sum of all assigned values x capacity share (equal shares without capacities),
    Deviation = Total / Target - 1."""
    names, total, target, dev = _balance(owners, values, reps, capacities)
    rows: list[list[str | float]] = [["Territory", "Total", "Target", "Deviation"]]
    for r, a, b, d in zip(names, total, target, dev):
        rows.append([r, float(a), float(b), "#N/A" if np.isnan(d) else float(np.round(d, 12))])
    return rows


@cell_function
def max_deviation(owners: Any, values: Any, reps: Any = None, capacities: Any = None) -> Any:
    """Largest |Total / Target - 1| over the territories (those with a target above 0)."""
    _, _, _, dev = _balance(owners, values, reps, capacities)
    d = np.abs(dev[~np.isnan(dev)])
    if not len(d):
        raise CellError("no territory has a target above 0")
    return float(np.round(d.max(), 12))


@cell_function
def compactness(owners: Any, lat: Any, lon: Any, weights: Any, reps: Any, rep_lat: Any, rep_lon: Any) -> Any:
    """Workload-weighted mean distance (km) from each unit to its owner's home:
    sum(w x distance) / sum(w) over units with an owner (blank weights count 1)."""
    own = _ids(owners, "owners")
    n = len(own)
    la, lo_ = _column(lat, "lat", n), _column(lon, "lon", n)
    w = _column(weights, "weights", n, blank=1.0) if not (not isinstance(weights, (list, tuple, np.ndarray))
                                                          and is_blank(weights)) else np.ones(n)
    names = _ids(reps, "reps")
    rl = _column(rep_lat, "rep_lat", len(names))
    rn = _column(rep_lon, "rep_lon", len(names))
    index = {r: i for i, r in enumerate(names) if r is not None}
    t = np.array([index.get(o, -2) if o is not None else -1 for o in own], dtype=np.intp)
    if np.any(t == -2):
        bad = own[int(np.flatnonzero(t == -2)[0])]
        raise CellError(f"owner {bad!r} is not in reps")
    if np.any(w < 0):
        raise CellError("weights must be 0 or more")
    ok = t >= 0
    if not ok.any() or w[ok].sum() <= 0:
        raise CellError("no unit with an owner and a weight above 0")
    d = haversine_km(la[ok], lo_[ok], rl[t[ok]], rn[t[ok]])
    return float(np.round((w[ok] * d).sum() / w[ok].sum(), 9))


@cell_function
def jain(values: Any, weights: Any = None) -> Any:
    """Jain's fairness index of x = values / weights: (sum x)^2 / (n x sum x^2); 1 = perfectly fair."""
    v, _ = numbers(values, "values")
    v = v.reshape(-1)
    if weights is None or (not isinstance(weights, (list, tuple, np.ndarray)) and is_blank(weights)):
        w = np.ones(len(v))
    else:
        w, _ = numbers(weights, "weights")
        w = w.reshape(-1)
        if len(w) != len(v):
            raise CellError("values and weights must have the same size")
        if np.any(w <= 0):
            raise CellError("weights must be above 0")
    if np.any(v < 0):
        raise CellError("values must be 0 or more")
    j = jain_index(v / w)
    if np.isnan(j):
        raise CellError("every value is 0", "#DIV/0!")
    return float(np.round(j, 12))


class _RangeSource:
    """Tables given as ranges with a header row (how Excel hands them to a function)."""

    def __init__(self, tables: dict[str, Any]):
        self.workbook = "(cell function)"
        self._t = {}
        for name, value in tables.items():
            if value is None or (not isinstance(value, (list, tuple, np.ndarray)) and is_blank(value)):
                continue
            rows = [r for r in as_matrix(value) if not all(is_blank(v) for v in r)]
            if not rows:
                continue
            self._t[name.lower()] = rows_to_raw(name, rows, sheet=None, workbook=None)

    def read(self, name: str):
        return self._t.get(name.lower())

    def table_names(self) -> list[str]:
        return [t.name for t in self._t.values()]


@cell_function
def route_lead(lead: Any, reps: Any, owners: Any = None, named: Any = None, rules: Any = None, state: Any = None,
               out_of_office: Any = None, settings: Any = None) -> Any:
    """Route one lead: spills AssignedTo, Rule, Detail.

    ``lead`` is a header row (LeadID, CreatedDate, AccountID, Domain, Territory, Segment, Language, Skills;
    only LeadID and CreatedDate are required) over one row of values; the other arguments are whole tables
    with their header row (``LeadReps[#All]``, ``AccountOwners[#All]``, ``NamedAccounts[#All]``,
    ``RoutingRules[#All]``, ``RoundRobinState[#All]``, ``OutOfOffice[#All]``, ``LeadSettings[#All]``).
    Round-robin picks the rep whose next lead is due first in ``state``: what the next run would do
    with this lead alone.
    """
    lm = [r for r in as_matrix(lead) if not all(is_blank(v) for v in r)]
    if len(lm) != 2:
        raise CellError("lead must be a header row and one row of values")
    src = _RangeSource({"Leads": lm, "LeadReps": reps, "AccountOwners": owners, "NamedAccounts": named,
                        "RoutingRules": rules, "RoundRobinState": state, "OutOfOffice": out_of_office,
                        "LeadSettings": settings})
    problems = ProblemCollector()
    try:
        inp = load_leads(src, problems)
        problems.raise_if_any()
    except InputError as e:
        p = e.problems[0]
        where = f"{p.table}" + (f" row {p.row}" if p.row else "") + (f" {p.column}" if p.column else "")
        raise CellError(f"{where}: {p.message}")
    assert inp is not None  # load_leads gives None only after reporting a problem, raised just above
    res = route(inp)
    a = res.assignments.iloc[0]
    return [[a["AssignedTo"], a["Rule"], a["Detail"]]]
