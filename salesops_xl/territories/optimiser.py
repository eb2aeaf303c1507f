"""Territory alignment: balanced, compact territories with little disruption.

The problem (docs/territories.md states it for users)
-----------------------------------------------------
Units ``u`` (accounts or geographic units) are assigned to territories ``t``
(one per rep). Giving ``u`` to ``t`` costs::

    c[u, t] = w[u] * (dist_km(u, centre[t]) + DisruptionWeight * [t != current owner of u])

where ``w`` is the unit's Workload. We minimise the total cost subject to

* every unit in exactly one territory; a locked unit in its rep's territory;
* balance: for each balanced measure ``m`` (Potential and/or Workload) and
  territory ``t``, ``(1 - tol) * target[m, t] <= load[m, t] <= (1 + tol) * target[m, t]``
  with ``target[m, t] = total[m] * capacity[t] / sum(capacity)``;
* contiguity (when adjacency is given): each territory is one connected piece
  of the adjacency graph (units with no neighbours listed are exempt).

Centres are the reps' homes, or (Optimised) a unit of the territory chosen to
minimise the territory's weighted distance; assignment and centres alternate.

How it is solved (all HiGHS through scipy, so it runs in Pyodide)
------------------------------------------------------------------
* **Time budget** (``solve(time_limit=...)``, default :data:`DEFAULT_TIME_LIMIT` s): every HiGHS call
  gets the time left as its limit, the other steps check it; the best alignment found is returned with the
  best bound proven, "optimal" only when HiGHS proved it (within its tolerances, :data:`MIP_REL_GAP`,
  :data:`HIGHS_MIP_ABS_GAP`).
* **Distances** are great-circle km unless given as data (``AlignProblem.home_distance`` /
  ``unit_distance``, the workbook's Distances table): :func:`centre_distance` states the rule.
* **Small problems** (free units x territories <= ``EXACT_MAX_VARS``): the whole
  assignment is a MIP (``scipy.optimize.milp``) given a share of the budget; if HiGHS has
  not proved it by then, the large pipeline below runs with the rest and the better is kept;
  contiguity is added as lazy cuts until every territory is connected.
* **Large problems**: (1) Lagrangian ascent on the balance constraints gives
  prices ``mu`` and a first lower bound; (2) the LP relaxation restricted to
  the "border" units (those whose two cheapest reduced costs are close) is
  solved with ``linprog(method="highs")``, the others being fixed at their
  cheapest territory; columns are added until the LP duals price every pair
  of the full problem non-negatively, so the LP bound is certified on all
  N x T pairs; (3) units split by the LP (and the border around them) are
  resolved by a small MIP; (4) vectorised local search (single-unit moves,
  one per territory per round) improves cost and repairs balance;
  (5) contiguity is repaired by moving enclaves to a neighbouring territory,
  then rebalancing with moves that keep every territory connected.
* The **lower bound** reported is the Lagrangian dual value at the LP duals
  (``sum_u min_t reduced cost - duals x bounds``), a valid bound of the
  integer problem, contiguity included, for the final centres; it equals the
  LP relaxation's optimum when the LP is solved to optimality.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

from .geo import haversine_km

#: Above this many (free unit, territory) variables, the large-problem pipeline is used.
EXACT_MAX_VARS = 6000
#: Node limit of the exact MIP (a deterministic limit besides the time budget).
EXACT_NODE_LIMIT = 20000
#: The default time budget of a solve, in seconds (AlignSettings[TimeLimit], ``--time-limit``).
DEFAULT_TIME_LIMIT = 5.0
#: Share of the remaining budget the exact MIP may use before the fast pipeline takes over.
EXACT_BUDGET_SHARE = 0.25
#: Above EXACT_MAX_VARS and up to this many variables (without contiguity), the fast pipeline runs first and the
#: exact MIP then gets what remains of the budget; the better alignment and the better bound are kept.
EXACT_AFTER_MAX_VARS = 20000
#: HiGHS's tolerances behind an "optimal" MIP status (scipy passes mip_rel_gap; the others are HiGHS defaults).
MIP_REL_GAP = 1e-9
HIGHS_MIP_ABS_GAP = 1e-6
HIGHS_MIP_FEASIBILITY_TOLERANCE = 1e-6
#: The rounding MIP of the large pipeline is tried when it has at most this many units, given at most this
#: share of the time left; when its alignment is further than ROUNDING_ACCEPT_GAP from the bound, rounding by
#: largest share and local search is tried as well and the better kept.
SUB_MIP_MAX_UNITS = 1000
ROUNDING_MIP_BUDGET_SHARE = 0.5
ROUNDING_ACCEPT_GAP = 0.005
#: The LP rounds of the large pipeline after the first usable one take at most this share of the time left after
#: the prices (rounding and the balance repair come after).
LP_BUDGET_SHARE = 0.8
#: Contiguity is enforced exactly (lazy cuts) up to this many variables; above, enclaves are repaired.
EXACT_CUTS_MAX_VARS = 600
EPS = 1e-9
#: The least time given to a HiGHS call once the budget is spent (HiGHS needs a positive limit); such a call
#: returns at once with what it has.
HIGHS_MIN_TIME = 1e-3


def _remaining(deadline: float) -> float:
    """Seconds left before ``deadline``, as the ``time_limit`` of a HiGHS call (at least HIGHS_MIN_TIME)."""
    return max(HIGHS_MIN_TIME, deadline - time.perf_counter())


class DistanceError(ValueError):
    """A distance the alignment needs has no value (no Distances row, and MissingDistance is Error)."""


@dataclass(frozen=True)
class PairDistances:
    """Unit-to-unit distances given as data: ``value[k]`` from unit ``a[k]`` to unit ``b[k]``.

    A pair given in one direction only counts for both; a unit's distance to itself is 0. Lookups are
    vectorised (sorted keys and ``searchsorted``), and memory grows with the rows given, not N x N.
    """

    n: int
    keys: np.ndarray  # sorted int64 keys a * n + b, both directions
    values: np.ndarray

    @classmethod
    def from_rows(cls, n: int, a, b, value) -> PairDistances:
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        v = np.asarray(value, dtype=np.float64)
        k_fwd, k_rev = a * n + b, b * n + a
        given = np.unique(k_fwd)
        rev_only = ~np.isin(k_rev, given)  # the reverse direction where it has no row of its own
        keys = np.concatenate([k_fwd, k_rev[rev_only]])
        vals = np.concatenate([v, v[rev_only]])
        keys, first = np.unique(keys, return_index=True)  # a pair given twice: its first row
        return cls(n=int(n), keys=keys, values=vals[first])

    @classmethod
    def from_matrix(cls, matrix) -> PairDistances:
        """From an (N, N) array; NaN = no value."""
        M = np.asarray(matrix, dtype=np.float64)
        a, b = np.nonzero(~np.isnan(M))
        return cls.from_rows(M.shape[0], a, b, M[a, b])

    def lookup(self, a, b) -> np.ndarray:
        """Distances from units ``a`` to units ``b`` (broadcast); NaN where none was given, 0 for a unit to itself."""
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
        key = a * self.n + b
        if not len(self.keys):
            out = np.full(key.shape, np.nan)
        else:
            pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
            out = np.where(self.keys[pos] == key, self.values[pos], np.nan)
        return np.where(a == b, 0.0, out)


@dataclass
class AlignProblem:
    """Numeric form of an alignment (indices instead of ids).

    Distances are great-circle km from ``lat``/``lon`` unless given as data: ``home_distance`` (N, T) from
    each unit to each rep's home, ``unit_distance`` between units (for centres that are units). Where data
    is given it is used instead of great-circle; where a needed pair has none, ``missing_distance`` says
    what happens: ``"error"`` (a :class:`DistanceError`) or ``"great-circle"`` (km from the coordinates).
    Without any distance data every distance is great-circle. A rep has a home when it has home
    coordinates or a column of ``home_distance`` with a value.
    """

    lat: np.ndarray  # (N,) unit latitudes
    lon: np.ndarray
    weight: np.ndarray  # (N,) compactness weight (Workload), >= 0
    measures: np.ndarray  # (N, m) balanced measures (m may be 0)
    measure_names: tuple[str, ...]
    current: np.ndarray  # (N,) current territory or -1
    locked: np.ndarray  # (N,) locked territory or -1
    capacity: np.ndarray  # (T,) >= 0, sum > 0
    home_lat: np.ndarray  # (T,) NaN: no home
    home_lon: np.ndarray
    tolerance: float = 0.05
    disruption_km: float = 0.0
    optimise_centres: bool = False  # True: every centre is optimised (homes only start the search)
    edges: np.ndarray | None = None  # (E, 2) unit index pairs; given = contiguity required
    max_centre_rounds: int = 8
    home_distance: np.ndarray | None = None  # (N, T) unit -> rep home as data, NaN: no value
    unit_distance: PairDistances | np.ndarray | None = None  # unit <-> unit as data ((N, N) array: NaN no value)
    missing_distance: str = "error"  # "error" or "great-circle": a needed pair without data

    def __post_init__(self):
        if isinstance(self.unit_distance, np.ndarray):
            self.unit_distance = PairDistances.from_matrix(self.unit_distance)
        if self.missing_distance not in ("error", "great-circle"):
            raise ValueError(f"missing_distance must be 'error' or 'great-circle', not {self.missing_distance!r}")
        if self.home_distance is not None:
            self.home_distance = np.asarray(self.home_distance, dtype=np.float64)
            if self.home_distance.shape != (len(self.lat), len(self.capacity)):
                raise ValueError(f"home_distance must be (units, territories) = {(len(self.lat), len(self.capacity))}"
                                 f", not {self.home_distance.shape}")

    @property
    def unit_pairs(self) -> PairDistances | None:
        """``unit_distance`` as __post_init__ left it: a matrix given is converted to PairDistances."""
        pairs = self.unit_distance
        assert not isinstance(pairs, np.ndarray)  # converted in __post_init__
        return pairs

    @property
    def has_distance_data(self) -> bool:
        return self.home_distance is not None or self.unit_distance is not None

    @property
    def has_home(self) -> np.ndarray:
        """(T,) the rep has a home: coordinates, or a value in its column of ``home_distance``."""
        h = ~np.isnan(np.asarray(self.home_lat, dtype=np.float64))
        if self.home_distance is not None:
            h = h | (~np.isnan(self.home_distance)).any(axis=0)
        return h

    @property
    def n_units(self) -> int:
        return len(self.lat)

    @property
    def n_terr(self) -> int:
        return len(self.capacity)


@dataclass
class AlignSolution:
    """The alignment found and how good it is."""

    assign: np.ndarray  # (N,) territory of each unit
    centre_lat: np.ndarray  # (T,)
    centre_lon: np.ndarray
    centre_unit: np.ndarray  # (T,) unit index used as centre, -1 = the rep's home (or none)
    objective: float  # sum of costs (km x workload)
    compactness: float  # sum of w * distance
    disruption: float  # DisruptionWeight * sum of w over moved units
    lower_bound: float | None  # certified lower bound of the objective for the final centres
    gap: float | None  # objective / lower_bound - 1
    method: str  # "exact MIP" or "LP + MIP rounding + local search"
    status: str  # short text: optimal / gap / balance not met...
    balance_met: bool
    contiguous: np.ndarray | None  # (T,) bool, None without adjacency
    centre_rounds: int
    seconds: float
    warnings: list[str] = field(default_factory=list)
    proven_optimal: bool = False  # HiGHS proved the MIP optimal (within MIP_REL_GAP / HIGHS_MIP_ABS_GAP)
    bound_source: str = ""  # "LP bound" or "HiGHS MIP bound": which proven bound ``lower_bound`` is
    time_limit: float = DEFAULT_TIME_LIMIT  # the budget, seconds
    hit_time_limit: bool = False  # the budget ran out before the search ended


# -- small helpers ----------------------------------------------------------------------------------

def targets(problem: AlignProblem) -> np.ndarray:
    """(m, T) target of every balanced measure per territory: total x capacity share."""
    cap = problem.capacity / problem.capacity.sum()
    return problem.measures.sum(axis=0)[:, None] * cap[None, :]


def _missing(problem: AlignProblem, d: np.ndarray, what: str) -> None:
    if not np.isnan(d).any():
        return
    n = int(np.isnan(d).sum())
    if problem.has_distance_data and problem.missing_distance == "error":
        raise DistanceError(f"{n} {what} distance(s) have no value (no Distances row, and MissingDistance is "
                            "Error): give them, or set MissingDistance to GreatCircle")
    raise DistanceError(f"{n} {what} distance(s) have neither a value as data nor coordinates to measure them")


def _great_circle(problem: AlignProblem, lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle km, or NaN everywhere when distance data is given and missing pairs are errors."""
    d = haversine_km(lat1, lon1, lat2, lon2)
    if problem.has_distance_data and problem.missing_distance == "error":
        return np.full(np.shape(d), np.nan)
    return d


def centre_distance(problem: AlignProblem, clat: np.ndarray, clon: np.ndarray,
                    cunit: np.ndarray | None = None, units: np.ndarray | None = None) -> np.ndarray:
    """(n, T) distance of units (all, or ``units``) to every centre: a rep's home (``cunit`` -1) or a unit.

    Distance data wins wherever it has a value; elsewhere great-circle km or, with ``missing_distance``
    "error", a :class:`DistanceError`. Territories whose centre is not known yet (NaN, no unit) get NaN.
    """
    idx = np.arange(problem.n_units) if units is None else np.asarray(units)
    T = len(clat)
    cunit = np.full(T, -1, dtype=np.intp) if cunit is None else np.asarray(cunit)
    d = _great_circle(problem, problem.lat[idx][:, None], problem.lon[idx][:, None], clat[None, :], clon[None, :])
    home = cunit < 0
    if problem.home_distance is not None and home.any():
        H = problem.home_distance[idx][:, home]
        d[:, home] = np.where(np.isnan(H), d[:, home], H)
    pairs = problem.unit_pairs
    if (~home).any() and pairs is not None:
        U = pairs.lookup(idx[:, None], cunit[~home][None, :])
        d[:, ~home] = np.where(np.isnan(U), d[:, ~home], U)
    if (~home).any():
        d[:, ~home] = np.where(idx[:, None] == cunit[~home][None, :], 0.0, d[:, ~home])
    known = ~home | problem.has_home | ~np.isnan(clat)
    _missing(problem, d[:, known], "unit-to-centre")
    return d


def unit_distance(problem: AlignProblem, a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Distances from units ``a`` to units ``b`` (broadcast), by the same rule as :func:`centre_distance`."""
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    d = _great_circle(problem, problem.lat[a], problem.lon[a], problem.lat[b], problem.lon[b])
    pairs = problem.unit_pairs
    if pairs is not None:
        U = pairs.lookup(a, b)
        d = np.where(np.isnan(U), d, U)
    d = np.where(a == b, 0.0, d)
    _missing(problem, d, "unit-to-unit")
    return d


def cost_matrix(problem: AlignProblem, clat: np.ndarray, clon: np.ndarray,
                cunit: np.ndarray | None = None) -> np.ndarray:
    """c[u, t] = w[u] * (distance to centre t + DisruptionWeight * [t != current owner])."""
    d = centre_distance(problem, clat, clon, cunit)
    if problem.disruption_km:
        T = problem.n_terr
        has = problem.current >= 0
        moved = np.repeat(has[:, None], T, axis=1)  # a unit without an owner moves from no one
        moved[np.flatnonzero(has), problem.current[has]] = False
        d = d + problem.disruption_km * moved
    return problem.weight[:, None] * d


def loads_of(problem: AlignProblem, assign: np.ndarray) -> np.ndarray:
    """(m, T) load of each measure per territory (units with assign -1 are ignored)."""
    T = problem.n_terr
    ok = assign >= 0
    return np.stack([np.bincount(assign[ok], weights=problem.measures[ok, k], minlength=T)
                     for k in range(problem.measures.shape[1])]) if problem.measures.shape[1] else np.zeros((0, T))


def pieces(assign: np.ndarray, edges: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected pieces of every territory: (piece label per unit, mask of units that have neighbours)."""
    same = assign[edges[:, 0]] == assign[edges[:, 1]]
    e = edges[same]
    g = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, label = connected_components(g, directed=False)
    has_nb = np.zeros(n, dtype=bool)
    has_nb[edges.ravel()] = True
    return label, has_nb


def graph_components(edges: np.ndarray, n: int) -> np.ndarray:
    """Connected component of the whole adjacency graph of every unit (islands are their own)."""
    g = sp.coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1]


def contiguity(assign: np.ndarray, edges: np.ndarray, T: int, comp: np.ndarray | None = None) -> np.ndarray:
    """(T,) True where, in every component of the adjacency graph, the territory is at most one piece.

    Units without neighbours are exempt, and so is a territory's presence on separate islands (components
    of the graph with no edge between them): only what can be connected has to be.
    """
    n = len(assign)
    label, has_nb = pieces(assign, edges, n)
    if comp is None:
        comp = graph_components(edges, n)
    sel = has_nb & (assign >= 0)
    if not sel.any():
        return np.ones(T, dtype=bool)
    trip = np.unique(np.stack([assign[sel], comp[sel], label[sel]], axis=1), axis=0)
    pair, count = np.unique(trip[:, :2], axis=0, return_counts=True)
    ok = np.ones(T, dtype=bool)
    ok[pair[count > 1, 0]] = False
    return ok


def medoids(problem: AlignProblem, assign: np.ndarray, which: np.ndarray, clat: np.ndarray, clon: np.ndarray,
            cunit: np.ndarray, n_candidates: int = 40) -> None:
    """Move the centre of each territory in ``which`` to its weighted medoid (in place).

    The medoid is the unit of the territory minimising the workload-weighted sum
    of distances to its units (all units weigh 1 if their workloads are all 0);
    it is searched among the ``n_candidates`` units nearest the weighted mean
    position; ties go to the lowest unit index. Empty territories keep their centre.
    """
    order = np.argsort(assign, kind="stable")
    bounds = np.searchsorted(assign[order], np.arange(problem.n_terr + 1))
    for t in np.flatnonzero(which):
        idx = order[bounds[t]:bounds[t + 1]]
        if len(idx) == 0:
            continue
        w = problem.weight[idx]
        if w.sum() <= 0:
            w = np.ones(len(idx))
        if np.isnan(problem.lat[idx]).any() or np.isnan(problem.lon[idx]).any():
            cand = idx  # no coordinates to preselect by: every unit of the territory is a candidate
        else:
            mlat = np.average(problem.lat[idx], weights=w)
            mlon = np.average(problem.lon[idx], weights=w)
            near = np.argsort(haversine_km(problem.lat[idx], problem.lon[idx], mlat, mlon), kind="stable")
            cand = np.sort(idx[near[:n_candidates]])
        d = unit_distance(problem, cand[:, None], idx[None, :])
        score = d @ w
        best = cand[int(np.argmin(score))]
        clat[t], clon[t], cunit[t] = problem.lat[best], problem.lon[best], best


def initial_centres(problem: AlignProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Starting centres: homes; else the medoid of the current territory; else spread-out units.

    Returns (lat, lon, unit or -1, movable mask).
    """
    T = problem.n_terr
    clat, clon = problem.home_lat.astype(np.float64).copy(), problem.home_lon.astype(np.float64).copy()
    cunit = np.full(T, -1, dtype=np.intp)
    has_home = problem.has_home
    movable = ~has_home | problem.optimise_centres
    # territories without a home start at the medoid of their current units
    start = problem.current.copy()
    need = movable & ~has_home
    if need.any():
        medoids(problem, start, need, clat, clon, cunit)
    # still none (no current units): farthest-point seeding from the centres we have
    placed = has_home | (cunit >= 0)
    missing = np.flatnonzero(~placed)
    if len(missing):
        if placed.any():
            dmin = centre_distance(problem, clat[placed], clon[placed], cunit[placed]).min(axis=1)
        else:
            w = problem.weight if problem.weight.sum() > 0 else np.ones(problem.n_units)
            if np.isnan(problem.lat).any() or np.isnan(problem.lon).any():
                first = 0  # no coordinates: the first unit listed
            else:
                mlat, mlon = np.average(problem.lat, weights=w), np.average(problem.lon, weights=w)
                first = int(np.argmin(haversine_km(problem.lat, problem.lon, mlat, mlon)))
            t = missing[0]
            clat[t], clon[t], cunit[t] = problem.lat[first], problem.lon[first], first
            missing = missing[1:]
            dmin = unit_distance(problem, np.arange(problem.n_units), first)
        for t in missing:  # a loop over territories, not units
            u = int(np.argmax(dmin))
            clat[t], clon[t], cunit[t] = problem.lat[u], problem.lon[u], u
            dmin = np.minimum(dmin, unit_distance(problem, np.arange(problem.n_units), u))
    return clat, clon, cunit, movable


# -- the assignment for fixed centres -----------------------------------------------------------------

class _Assignment:
    """The balanced assignment problem for one set of centres, in scaled form.

    Costs are divided by ``scale``; balance rows are those (measure, territory)
    with a positive target, written as fractions of the target.
    """

    def __init__(self, problem: AlignProblem, C: np.ndarray, deadline: float):
        self.p = problem
        self.deadline = deadline
        N, T = C.shape
        self.N, self.T = N, T
        self.active = problem.capacity > 0
        self.locked = problem.locked
        self.free = np.flatnonzero(problem.locked < 0)
        tgt = targets(problem)  # (m, T)
        self.tgt = tgt
        self.row_ok = (tgt > 0) & self.active[None, :]  # balance rows that exist
        tol = problem.tolerance
        lk = problem.locked >= 0
        fixed = loads_of(problem, np.where(lk, problem.locked, -1))
        self.fixed_loads = fixed
        with np.errstate(divide="ignore", invalid="ignore"):
            self.hi_n = np.where(self.row_ok, ((1 + tol) * tgt - fixed) / tgt, np.inf)
            self.lo_n = np.where(self.row_ok, ((1 - tol) * tgt - fixed) / tgt, -np.inf)
            self.inv_tgt = np.where(self.row_ok, 1.0 / tgt, 0.0)  # (m, T)
        Cf = C[self.free]
        Cf = np.where(self.active[None, :], Cf, np.inf)
        finite_min = Cf.min(axis=1) if len(self.free) and self.active.any() else np.zeros(0)
        pos = finite_min[np.isfinite(finite_min) & (finite_min > 0)]
        self.scale = float(pos.mean()) if len(pos) else 1.0
        self.C = C / self.scale
        self.Cf = Cf / self.scale
        self.A = problem.measures  # (N, m)
        self.locked_cost = float(self.C[np.flatnonzero(lk), problem.locked[lk]].sum()) if lk.any() else 0.0
        worst = np.where(np.isfinite(self.Cf), self.Cf, 0.0).max(axis=1) if len(self.free) else np.zeros(0)
        self.M = 10.0 * float(worst.sum()) + 10.0  # penalty per unit of normalised balance slack
        self.rows = np.argwhere(self.row_ok)  # (R, 2): (measure, territory)
        self.R = len(self.rows)
        self.last_mu: np.ndarray | None = None  # prices of the last _large run (a start for the next)
        self.exact_bound: float | None = None  # bound HiGHS proved for the last exact solve, if any

    # reduced costs and the Lagrangian bound -------------------------------------------------------
    def reduced(self, mu: np.ndarray) -> np.ndarray:
        """(F, T) reduced costs of the free units for prices ``mu`` (m, T)."""
        adj = self.A[self.free] @ (mu * self.inv_tgt) if self.A.shape[1] else 0.0
        return self.Cf + adj

    def dual_value(self, mu: np.ndarray, R: np.ndarray | None = None) -> float:
        """Lagrangian lower bound (scaled) at prices ``mu`` with |mu| <= M."""
        if R is None:
            R = self.reduced(mu)
        mu = np.where(self.row_ok, mu, 0.0)
        pos, neg = np.maximum(mu, 0.0), np.maximum(-mu, 0.0)
        hi = np.where(self.row_ok, self.hi_n, 0.0)
        lo = np.where(self.row_ok, self.lo_n, 0.0)
        return float(R.min(axis=1).sum() + self.locked_cost - (pos * hi).sum() + (neg * lo).sum()) \
            if R.shape[0] else float(self.locked_cost - (pos * hi).sum() + (neg * lo).sum())

    def ascent(self, iterations: int = 300, patience: int = 40, start: np.ndarray | None = None,
               deadline: float = np.inf) -> tuple[np.ndarray, float]:
        """Supergradient ascent (sign steps adapted per row) on the Lagrangian dual (from ``start``), until
        ``deadline`` at the latest."""
        m, T = self.tgt.shape
        mu = np.zeros((m, T)) if start is None else np.clip(np.where(self.row_ok, start, 0.0), -self.M, self.M)
        if self.R == 0 or len(self.free) == 0:
            return mu, self.dual_value(mu)
        Af = self.A[self.free]
        best_c = np.where(np.isfinite(self.Cf), self.Cf, np.nan)
        typical_cost = np.nanmedian(np.nanmin(best_c, axis=1)) if np.isfinite(best_c).any() else 1.0
        step = np.zeros((m, T))
        for k in range(m):
            frac = Af[:, k][:, None] * self.inv_tgt[k][None, :]
            med = np.median(frac[frac > 0]) if (frac > 0).any() else 1.0
            step[k] = (0.2 if start is None else 0.02) * max(typical_cost, 1e-6) / max(med, 1e-12)
        prev = np.zeros((m, T))
        best_mu, best_val, since = mu.copy(), -np.inf, 0
        for it in range(iterations):
            if it and time.perf_counter() > min(deadline, self.deadline):
                break  # the budget: every price vector gives a valid bound, the best so far is kept
            R = self.reduced(mu)
            val = self.dual_value(mu, R)
            if not np.isfinite(best_val) or val > best_val + 1e-12 * max(1.0, abs(best_val)):
                best_val, best_mu, since = val, mu.copy(), 0
            else:
                since += 1
                if since >= patience:
                    break
            choice = R.argmin(axis=1)
            load = np.stack([np.bincount(choice, weights=Af[:, k], minlength=T) for k in range(m)]) * self.inv_tgt
            over = load - self.hi_n
            under = load - self.lo_n
            g = np.where(mu > 0, over, np.where(mu < 0, under, np.where(over > 0, over, np.where(under < 0, under,
                                                                                                       0.0))))
            g = np.where(self.row_ok, g, 0.0)
            sgn = np.sign(g)
            step = np.where(sgn * prev < 0, step * 0.5, np.where(sgn * prev > 0, step * 1.2, step))
            new = mu + step * sgn
            new = np.where(((mu > 0) & (new < 0)) | ((mu < 0) & (new > 0)), 0.0, new)
            mu = np.clip(new, -self.M, self.M)
            prev = sgn
        return best_mu, best_val

    def smoothed_dual(self, eps_rel: float = 0.1, iterations: int = 100, start: np.ndarray | None = None,
                      deadline: float = np.inf) -> tuple[np.ndarray, float]:
        """Maximise the entropy-smoothed Lagrangian dual with L-BFGS-B (prices of several measures interact,
        where sign steps converge slowly). Returns (mu, exact dual value at mu)."""
        from scipy.optimize import minimize

        m, T = self.tgt.shape
        if self.R == 0 or len(self.free) == 0:
            mu = np.zeros((m, T))
            return mu, self.dual_value(mu)
        Af = self.A[self.free]
        frac = [Af[:, k][:, None] * self.inv_tgt[k][None, :] for k in range(m)]
        hi = np.where(self.row_ok, self.hi_n, 0.0)
        lo = np.where(self.row_ok, self.lo_n, 0.0)
        finite = np.where(np.isfinite(self.Cf), self.Cf, np.nan)
        typical = float(np.nanmedian(np.nanmin(finite, axis=1))) if np.isfinite(finite).any() else 1.0
        eps = eps_rel * max(typical, 1e-9)
        Cf = np.where(np.isfinite(self.Cf), self.Cf, 1e300)
        mask = self.row_ok.ravel()
        best_f = np.inf  # the best (lowest) negated dual value evaluated so far, and where
        best_z: np.ndarray | None = None

        class _OutOfTime(Exception):
            pass

        def negdual(z):
            nonlocal best_f, best_z
            if best_z is not None and time.perf_counter() > min(deadline, self.deadline):
                raise _OutOfTime  # the budget: the best prices evaluated so far are kept (any gives a bound)
            lu = np.zeros(m * T)
            ll = np.zeros(m * T)
            h = len(z) // 2
            lu[mask], ll[mask] = z[:h], z[h:]
            lu, ll = lu.reshape(m, T), ll.reshape(m, T)
            mu = lu - ll
            R = Cf + sum(frac[k] * mu[k][None, :] for k in range(m))
            rmin = R.min(axis=1, keepdims=True)
            E = np.exp(-(R - rmin) / eps)
            S = E.sum(axis=1, keepdims=True)
            val = float((rmin[:, 0] - eps * np.log(S[:, 0])).sum() - (lu * hi).sum() + (ll * lo).sum())
            E /= S
            load = np.stack([(E * frac[k]).sum(axis=0) for k in range(m)])
            grad = np.concatenate([(load - hi).ravel()[mask], (lo - load).ravel()[mask]])
            if -val < best_f:
                best_f, best_z = -val, z.copy()
            return -val, -grad

        h = int(mask.sum())
        z0 = np.zeros(2 * h)
        if start is not None:
            z0[:h] = np.clip(np.maximum(start.ravel()[mask], 0.0), 0.0, self.M)
            z0[h:] = np.clip(np.maximum(-start.ravel()[mask], 0.0), 0.0, self.M)
        try:
            zx = minimize(negdual, z0, jac=True, method="L-BFGS-B",
                          bounds=[(0.0, self.M)] * (2 * h), options={"maxiter": iterations}).x
        except _OutOfTime:
            assert best_z is not None  # raised only once a point was evaluated
            zx = best_z
        lu = np.zeros(m * T)
        ll = np.zeros(m * T)
        lu[mask], ll[mask] = zx[:h], zx[h:]
        mu = (lu - ll).reshape(m, T)
        return mu, self.dual_value(mu)

    # sparse models ------------------------------------------------------------------------------------
    def _matrices(self, units: np.ndarray, pu: np.ndarray, pt: np.ndarray, base_loads: np.ndarray, slack: bool):
        """Constraint matrices over variables x (pairs) [+ slacks up (R) and down (R)].

        ``units``: free-unit positions (into self.free) of the model; pairs (pu -> index into ``units``,
        pt -> territory). ``base_loads`` (m, T): loads of every unit not in the model (locked included).
        Returns c, E (assignment rows), B (balance rows, scaled), hi, lo.
        """
        nv = len(pu)
        gu = self.free[units[pu]]
        c = self.C[gu, pt]
        R = self.R
        row_index = np.full(self.tgt.shape, -1, dtype=np.intp)
        row_index[self.rows[:, 0], self.rows[:, 1]] = np.arange(R)
        rr, cc, vv = [], [], []
        for k in range(self.tgt.shape[0]):
            r = row_index[k, pt]
            ok = r >= 0
            rr.append(r[ok])
            cc.append(np.flatnonzero(ok))
            vv.append(self.A[gu[ok], k] * self.inv_tgt[k, pt[ok]])
        B = sp.csr_matrix((np.concatenate(vv) if vv else np.zeros(0),
                           (np.concatenate(rr) if rr else np.zeros(0, int), np.concatenate(cc) if cc else
                            np.zeros(0, int))), shape=(R, nv))
        E = sp.csr_matrix((np.ones(nv), (pu, np.arange(nv))), shape=(len(units), nv))
        tg = self.tgt[self.rows[:, 0], self.rows[:, 1]]
        tol = self.p.tolerance
        base = base_loads[self.rows[:, 0], self.rows[:, 1]]
        hi = ((1 + tol) * tg - base) / tg
        lo = ((1 - tol) * tg - base) / tg
        if slack:
            I = sp.identity(R, format="csr")  # noqa: E741  (the identity matrix)
            Z = sp.csr_matrix((R, R))
            B = sp.hstack([B, -I, Z]).tocsr(), sp.hstack([B, Z, I]).tocsr()
            E = sp.hstack([E, sp.csr_matrix((len(units), 2 * R))]).tocsr()
            c = np.concatenate([c, np.full(2 * R, self.M)])
        return c, E, B, hi, lo

    def solve_lp(self, units, pu, pt, base_loads, slack=True, deadline: float | None = None, limit: bool = True):
        """LP relaxation over the given pairs within the budget (``deadline``, else the solve's; ``limit`` False:
        none); returns (x, mu (m, T), objective, status, slack total). Status 1: HiGHS stopped at the time limit,
        x is None."""
        end = self.deadline if deadline is None else min(deadline, self.deadline)
        if limit and time.perf_counter() >= end:
            return None, None, None, 1, 0.0  # the budget is spent: no LP (HiGHS would not stop at once)
        c, E, B, hi, lo = self._matrices(units, pu, pt, base_loads, slack)
        if slack:
            Bu, Bl = B
            A_ub = sp.vstack([Bu, -Bl]).tocsr()
        else:
            A_ub = sp.vstack([B, -B]).tocsr()
        b_ub = np.concatenate([hi, -lo])
        res = linprog(c, A_ub=A_ub if self.R else None, b_ub=b_ub if self.R else None, A_eq=E,
                      b_eq=np.ones(len(units)), bounds=(0, None), method="highs-ipm",
                      options={"time_limit": _remaining(end)} if limit else {})
        if res.status != 0:
            return None, None, None, res.status, 0.0
        mu = np.zeros(self.tgt.shape)
        if self.R:
            lam = -np.asarray(res.ineqlin.marginals)
            mu[self.rows[:, 0], self.rows[:, 1]] = lam[:self.R] - lam[self.R:]
        sl = float(res.x[len(pu):].sum()) if slack else 0.0
        return res.x[:len(pu)], mu, float(res.fun), 0, sl

    def solve_mip(self, units, pu, pt, base_loads, *, slack: bool, rel_gap: float, node_limit: int,
                  cuts=None, mip_deadline: float | None = None):
        """Integer assignment over the given pairs; returns (chosen pair mask, slack total, status text)."""
        c, E, B, hi, lo = self._matrices(units, pu, pt, base_loads, slack)
        nv = len(pu)
        cons = [LinearConstraint(E, 1, 1)]
        if self.R:
            if slack:
                Bu, Bl = B
                cons += [LinearConstraint(Bu, -np.inf, hi), LinearConstraint(Bl, lo, np.inf)]
            else:
                cons += [LinearConstraint(B, lo, hi)]
        if cuts:
            rows, cols, vals, rhs = cuts
            K = sp.csr_matrix((vals, (rows, cols)), shape=(len(rhs), len(c)))
            cons.append(LinearConstraint(K, -np.inf, rhs))
        integrality = np.zeros(len(c))
        integrality[:nv] = 1
        ub = np.full(len(c), np.inf)
        ub[:nv] = 1
        deadline = self.deadline if mip_deadline is None else min(mip_deadline, self.deadline)
        res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(0, ub),
                   options={"mip_rel_gap": rel_gap, "node_limit": node_limit, "time_limit": _remaining(deadline)})
        bound = getattr(res, "mip_dual_bound", None)
        self.last_mip_bound = float(bound) if bound is not None and np.isfinite(bound) else None
        if res.x is None:
            return None, None, ("infeasible" if res.status == 2 else f"no solution ({res.message})")
        chosen = res.x[:nv] > 0.5
        sl = float(res.x[nv:].sum()) if slack else 0.0
        return chosen, sl, ("optimal" if res.status == 0 else "limit")


# -- large-problem pipeline ---------------------------------------------------------------------------

def _top_k(R: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k smallest entries of each row, cheapest first (ties: lower territory)."""
    k = min(k, R.shape[1])
    part = np.argpartition(R, k - 1, axis=1)[:, :k] if k < R.shape[1] else np.tile(np.arange(R.shape[1]),
                                                                                     (R.shape[0], 1))
    vals = np.take_along_axis(R, part, axis=1)
    o = np.lexsort((part, vals), axis=1)
    return np.take_along_axis(part, o, axis=1)


def _pairs_from_candidates(cand: np.ndarray, ok: np.ndarray | None = None):
    F, K = cand.shape
    pu = np.repeat(np.arange(F), K)
    pt = cand.ravel()
    if ok is not None:
        keep = ok.ravel()
        pu, pt = pu[keep], pt[keep]
    return pu, pt


def _large(asg: _Assignment, warnings: list[str], quick: bool = False,
           start: np.ndarray | None = None) -> tuple[np.ndarray, float, float]:
    """LP + rounding MIP for one set of centres. Returns (assignment of all units, lower bound, slack).

    ``quick``: the LP's largest shares only (no rounding MIP), for intermediate rounds of centre search.
    """
    F, T = len(asg.free), asg.T
    n_active = int(asg.active.sum())
    # the prices stop at the budget (not earlier: poor prices make the restricted LP infeasible, and widening it
    # costs more than the prices saved; seen with two balanced measures under load)
    if asg.A.shape[1] <= 1:
        mu0, lb0 = asg.ascent(start=start) if start is None else asg.ascent(iterations=100, start=start)
    else:
        mu0, lb0 = asg.smoothed_dual(start=start) if start is None else asg.smoothed_dual(iterations=50,
                                                                                              start=start)
    lb = lb0
    K = min(4, n_active)
    R0 = asg.reduced(mu0)
    cand = _top_k(R0, K)
    gap0 = _second_gap(R0, cand)
    assign_f = cand[:, 0].copy()  # free units outside the LP keep their cheapest territory
    n_border = min(F, max(2000, 20 * T, F // 5))
    border = np.zeros(F, dtype=bool)
    border[np.argsort(gap0, kind="stable")[:n_border]] = True
    x = mu = last = None
    usable = False  # an LP without slack has been solved
    now = time.perf_counter()
    lp_end = now + LP_BUDGET_SHARE * max(0.0, asg.deadline - now)  # rounding and the balance repair come after
    for _round in range(8):
        units = np.flatnonzero(border)
        pu, pt = _pairs_from_candidates(cand[units], np.isfinite(np.take_along_axis(asg.Cf[units], cand[units], 1)))
        base = asg.fixed_loads + _loads_free(asg, np.where(border, -1, assign_f))
        # the first LP without slack is what every later step starts from: it runs to the end whatever the
        # budget (without it, repairing the priced assignment's balance takes far longer, under load minutes)
        x, mu, val, status, slack = asg.solve_lp(units, pu, pt, base, deadline=lp_end, limit=usable)
        if x is None and last is not None and status == 1:
            x, mu, pu, pt, units = last  # the budget stopped a column-generation round: keep the last LP
            border = np.zeros(F, dtype=bool)
            border[units] = True
            break
        if x is None:
            if status != 1:  # 1: HiGHS stopped at the time budget, which the status line reports
                warnings.append(f"the LP relaxation could not be solved (HiGHS status {status}); using the "
                                "Lagrangian assignment")
            return _full_assignment(asg, assign_f), lb, np.inf
        last = (x, mu, pu, pt, units)
        usable = usable or slack <= 1e-9
        if slack > 1e-9 and n_border < F:
            # the units held fixed leave the LP no balanced choice: widen the border
            n_border = min(F, 2 * n_border)
            border[np.argsort(gap0, kind="stable")[:n_border]] = True
            continue
        R = asg.reduced(mu)
        lb = max(lb, asg.dual_value(mu, R))
        held = np.flatnonzero(~border)
        lp_total = val + float(asg.Cf[held, assign_f[held]].sum()) + asg.locked_cost
        if lb >= lp_total - 1e-4 * max(1.0, abs(lp_total)) or _round >= 4:
            break  # the duals price (almost) every pair of the full problem as the LP does
        if time.perf_counter() > lp_end:
            break  # the budget: the bound so far is valid (any prices give one), the LP's solution is used
        # column generation: units held fixed whose reduced cost is lower elsewhere join the LP, and
        # border units get their cheapest territory as a candidate
        best_t = R.argmin(axis=1)
        rmin = R[np.arange(F), best_t]
        X = sp.csr_matrix((x, (pu, pt)), shape=(len(units), T)).toarray()
        cur = assign_f.copy()
        cur[units] = X.argmax(axis=1)
        tol = 1e-9 * max(1.0, float(np.abs(rmin).mean()))
        viol = R[np.arange(F), cur] - rmin
        bad_fixed = ~border & (viol > tol)
        bad_border = border & ~(cand == best_t[:, None]).any(axis=1) & (viol > tol)
        if not bad_fixed.any() and not bad_border.any():
            break
        worst = np.flatnonzero(bad_fixed)
        worst = worst[np.argsort(-viol[worst], kind="stable")[:max(2000, F // 10)]]
        border[worst] = True
        assign_f[worst] = best_t[worst]
        if bad_border.any():
            cand = np.concatenate([cand, np.where(bad_border, best_t, cand[:, 0])[:, None]], axis=1)
    assert mu is not None  # every way out of the loop above has an LP solution and its prices
    asg.last_mu = mu
    # integral part of the LP solution
    units = np.flatnonzero(border)
    X = sp.csr_matrix((x, (pu, pt)), shape=(len(units), T)).toarray()
    split = X.max(axis=1) < 1 - 1e-6
    assign_f[units] = X.argmax(axis=1)
    split_units = units[split]
    # rounding MIP over the split units and the border around them (prices from the LP)
    R = asg.reduced(mu)
    order = _top_k(R, min(3, n_active))
    g = _second_gap(R, order)
    n_sub = min(F, max(300, 10 * len(split_units)))
    rounded = False
    # (with one balanced measure HiGHS closes this small MIP quickly; with several, its root alone can take
    # long, and local search does the rounding instead)
    use_mip = not quick and n_sub <= SUB_MIP_MAX_UNITS and asg.A.shape[1] <= 1
    for _attempt in range(1 if use_mip else 0):
        sub = np.zeros(F, dtype=bool)
        sub[split_units] = True
        sub[np.argsort(g, kind="stable")[:n_sub]] = True
        su = np.flatnonzero(sub)
        cands = order[su]
        # the territories sharing a split unit in the LP stay available to it
        extra = np.full((len(su), 1), -1)
        pos = np.searchsorted(units, su)
        in_units = (pos < len(units)) & (units[np.minimum(pos, len(units) - 1)] == su)
        if in_units.any():
            Xs = X[pos[in_units]].copy()
            Xs[np.arange(len(Xs)), cands[in_units, 0]] = 0
            second = Xs.argmax(axis=1)
            has = Xs.max(axis=1) > 1e-9
            extra[np.flatnonzero(in_units)[has], 0] = second[has]
        allc = np.concatenate([cands, extra], axis=1)
        allc = np.where(allc < 0, cands[:, :1], allc)
        allc = np.sort(allc, axis=1)
        dup = np.zeros_like(allc, dtype=bool)
        dup[:, 1:] = allc[:, 1:] == allc[:, :-1]
        ok = ~dup & np.isfinite(np.take_along_axis(asg.Cf[su], allc, 1))
        pu2, pt2 = _pairs_from_candidates(allc, ok)
        base = asg.fixed_loads + _loads_free(asg, np.where(sub, -1, assign_f))
        est = float(np.take_along_axis(asg.Cf[su], order[su, :1], 1).sum())
        # an absolute allowance of 0.2% of the bound, as a gap relative to this sub-problem
        rel = float(np.clip(0.002 * abs(lb) / max(est, 1e-9), 1e-4, 0.5))
        # at most half of the time left: stopped by the clock, HiGHS's incumbent can be poor (seen: 1.3% above
        # the bound under load, where rounding by largest share and local search gave 0.17%)
        now = time.perf_counter()
        chosen, _, _status = asg.solve_mip(su, pu2, pt2, base, slack=False, rel_gap=rel, node_limit=50,
                                           mip_deadline=now + ROUNDING_MIP_BUDGET_SHARE * max(0.0, asg.deadline
                                                                                                  - now))
        if chosen is not None:
            by_share = _full_assignment(asg, assign_f)
            assign_f[su[pu2[chosen]]] = pt2[chosen]
            rounded = True
            mip_assign = _full_assignment(asg, assign_f)
            obj = float(asg.C[np.arange(asg.N), mip_assign].sum())
            if obj > lb + ROUNDING_ACCEPT_GAP * abs(lb):
                # not within what was asked of it: also round by largest share and repair, keep the better
                alt = local_search(asg.p, asg.C, by_share, edges=None, deadline=asg.deadline)
                if _better(asg.p, asg.C, alt, mip_assign, None):
                    return alt, lb, 0.0
            return mip_assign, lb, 0.0
    # otherwise split units go to their largest share and local search repairs the balance
    return _full_assignment(asg, assign_f), lb, 0.0 if rounded else np.inf


def _second_gap(R: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Reduced-cost difference between each unit's second and first choice (inf with one choice)."""
    if order.shape[1] < 2:
        return np.full(R.shape[0], np.inf)
    return (np.take_along_axis(R, order[:, 1:2], 1) - np.take_along_axis(R, order[:, :1], 1)).ravel()


def _loads_free(asg: _Assignment, assign_f: np.ndarray) -> np.ndarray:
    """(m, T) loads of free units with a territory (-1 ignored)."""
    m = asg.A.shape[1]
    ok = assign_f >= 0
    u = asg.free[ok]
    return np.stack([np.bincount(assign_f[ok], weights=asg.A[u, k], minlength=asg.T) for k in range(m)]) \
        if m else np.zeros((0, asg.T))


def _full_assignment(asg: _Assignment, assign_f: np.ndarray) -> np.ndarray:
    out = asg.locked.copy()
    out[asg.free] = assign_f
    return out


# -- exact pipeline -----------------------------------------------------------------------------------

def _exact(asg: _Assignment, edges: np.ndarray | None, warnings: list[str], mip_deadline: float | None = None
           ) -> tuple[np.ndarray, float | None, float, str]:
    """Whole MIP, contiguity by lazy cuts. Returns (assignment, LP bound or None, slack, status).

    Status "optimal": HiGHS proved the last MIP optimal within its tolerances; "limit": it stopped at the
    time budget (``mip_deadline``) or the node limit with the best solution found; ``asg.exact_bound`` is
    then HiGHS's proven lower bound (scaled) of the model solved (with the contiguity cuts so far)."""
    F, T = len(asg.free), asg.T
    units = np.arange(F)
    ok = np.isfinite(asg.Cf)
    pu, pt = np.nonzero(ok)
    base = asg.fixed_loads
    lb = None
    x, mu, val, status, _ = asg.solve_lp(units, pu, pt, base, slack=False, deadline=mip_deadline)
    slack = False
    if x is None and status != 1:  # infeasible balance: the model with slacks (1: out of time, go on)
        slack = True
        x, mu, val, status, _ = asg.solve_lp(units, pu, pt, base, slack=True, deadline=mip_deadline)
    if mu is not None and not slack:
        lb = asg.dual_value(mu)
    cut_rows: list[np.ndarray] = []
    cut_cols: list[np.ndarray] = []
    cut_vals: list[np.ndarray] = []
    cut_rhs: list[float] = []
    var_of = np.full((F, T), -1, dtype=np.intp)
    var_of[pu, pt] = np.arange(len(pu))
    pos_of_unit = np.full(asg.N, -1, dtype=np.intp)
    pos_of_unit[asg.free] = np.arange(F)
    sl_total = 0.0
    text = "optimal"
    assign = None
    for _round in range(60):
        cuts = None
        if cut_rhs:
            cuts = (np.concatenate(cut_rows), np.concatenate(cut_cols), np.concatenate(cut_vals),
                    np.asarray(cut_rhs))
        chosen, sl, text = asg.solve_mip(units, pu, pt, base, slack=slack, rel_gap=MIP_REL_GAP,
                                         node_limit=EXACT_NODE_LIMIT, cuts=cuts, mip_deadline=mip_deadline)
        if chosen is None and not slack and text == "infeasible":
            slack = True
            chosen, sl, text = asg.solve_mip(units, pu, pt, base, slack=True, rel_gap=MIP_REL_GAP,
                                             node_limit=EXACT_NODE_LIMIT, cuts=cuts, mip_deadline=mip_deadline)
        asg.exact_bound = None if slack else asg.last_mip_bound
        if chosen is None:
            if time.perf_counter() < (asg.deadline if mip_deadline is None else mip_deadline) - 1e-3:
                warnings.append(f"the MIP could not be solved ({text})")
            text = "limit"
            break
        assign_f = np.empty(F, dtype=np.intp)
        assign_f[pu[chosen]] = pt[chosen]
        assign = _full_assignment(asg, assign_f)
        sl_total = sl
        if edges is None or len(edges) == 0:
            break
        new = _contiguity_cuts(assign, edges, asg, var_of, pos_of_unit, len(cut_rhs))
        if new is None:
            break
        r, cidx, v, rhs = new
        cut_rows.append(r)
        cut_cols.append(cidx)
        cut_vals.append(v)
        cut_rhs.extend(rhs)
        if time.perf_counter() > (asg.deadline if mip_deadline is None else mip_deadline):
            text = "limit"  # contiguity not proven: the cuts stopped at the time budget
            break
    if assign is None:
        assign = _full_assignment(asg, asg.Cf.argmin(axis=1) if F else np.zeros(0, dtype=np.intp))
    return assign, lb, sl_total, text


def _contiguity_cuts(assign, edges, asg: _Assignment, var_of, pos_of_unit, first_row):
    """Cuts for every piece S (without locked units) of a disconnected territory t::

        sum_{u in S} x[u,t] + x[v,t] - sum_{w in N(S)} x[w,t] <= |S|

    with v a unit of the largest other piece: S and v cannot both stay in t with
    no neighbour of S in t. Returns None when every territory is connected.
    """
    n = asg.N
    label, has_nb = pieces(assign, edges, n)
    comp = graph_components(edges, n)
    sel = has_nb & (assign >= 0)
    if not sel.any():
        return None
    lab_terr = np.full(label.max() + 1, -1, dtype=np.intp)
    lab_terr[label[sel]] = assign[sel]
    lab_comp = np.full(label.max() + 1, -1, dtype=np.intp)
    lab_comp[label[sel]] = comp[sel]
    size = np.bincount(label[sel], minlength=len(lab_terr))
    has_lock = np.zeros(len(lab_terr), dtype=bool)
    has_lock[label[sel & (asg.locked >= 0)]] = True
    valid = lab_terr >= 0
    group = lab_terr * (comp.max() + 1) + lab_comp  # (territory, graph component)
    per_group = np.bincount(group[valid], minlength=asg.T * (comp.max() + 1))
    bad_groups = np.flatnonzero(per_group > 1)
    if len(bad_groups) == 0:
        return None
    rows, cols, vals, rhs = [], [], [], []
    nbrs = sp.coo_matrix((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1],
                                                                                           edges[:, 0]])),
                         shape=(n, n)).tocsr()
    k = first_row
    for grp in bad_groups:  # a loop over disconnected territories and their pieces
        t = grp // (comp.max() + 1)
        labs = np.flatnonzero(valid & (group == grp))
        labs = labs[np.argsort(-size[labs], kind="stable")]
        for j, L in enumerate(labs):
            if has_lock[L]:
                continue
            other = labs[0] if j != 0 else labs[1]
            S = np.flatnonzero((label == L) & sel)
            v = int(np.flatnonzero((label == other) & sel)[0])
            nb = np.unique(nbrs[S].indices)
            nb = nb[label[nb] != L]
            terms_u = np.concatenate([S, [v], nb])
            coef = np.concatenate([np.ones(len(S) + 1), -np.ones(len(nb))])
            pos = pos_of_unit[terms_u]
            free = pos >= 0
            # locked units are constants: x = 1 if locked to t, else 0
            const = coef[~free] @ (asg.locked[terms_u[~free]] == t).astype(float)
            var = var_of[pos[free], t]
            keep = var >= 0
            rows.append(np.full(int(keep.sum()), k))
            cols.append(var[keep])
            vals.append(coef[free][keep])
            rhs.append(float(len(S)) - const)
            k += 1
    if not rhs:
        return None
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), rhs


# -- local search -------------------------------------------------------------------------------------

def _violation(loads: np.ndarray, lo: np.ndarray, hi: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """(m, T) violation of the balance bounds in fractions of the target."""
    return (np.maximum(loads - hi, 0.0) + np.maximum(lo - loads, 0.0)) * inv


def local_search(problem: AlignProblem, C: np.ndarray, assign: np.ndarray, *, edges: np.ndarray | None,
                 rounds: int = 400, deadline: float = np.inf) -> np.ndarray:
    """Single-unit moves, vectorised: each round, every territory takes part in at most one move.

    A move is accepted if it reduces the total balance violation (cheapest cost per unit of violation
    removed first), or, once the balance holds, keeps both territories within their bounds and lowers
    the cost. With adjacency, a unit may only move to a territory it touches (units without neighbours
    excepted), and a move that would split its territory is undone and not tried again for a while.
    """
    assign = assign.copy()
    N, T = C.shape
    active = problem.capacity > 0
    movable = (problem.locked < 0)
    tgt = targets(problem)
    tol = problem.tolerance
    ok_rows = (tgt > 0) & active[None, :]
    hi = np.where(ok_rows, (1 + tol) * tgt, np.inf)
    lo = np.where(ok_rows, (1 - tol) * tgt, -np.inf)
    inv = np.where(ok_rows, 1.0 / np.where(tgt > 0, tgt, 1.0), 0.0)
    A = problem.measures
    m = A.shape[1]
    Cm = np.where(active[None, :], C, np.inf)
    has_nb = None
    tabu = np.zeros((N, T), dtype=np.int64)  # round until which a move is not tried
    if edges is not None and len(edges):
        has_nb = np.zeros(N, dtype=bool)
        has_nb[edges.ravel()] = True
        comp = graph_components(edges, N)
    isolated = ~has_nb if has_nb is not None else None
    for rnd in range(rounds):
        L = loads_of(problem, assign)
        V = _violation(L, lo, hi, inv)
        if time.perf_counter() > deadline and V.sum() <= 1e-12:
            break  # the budget stops improvement, never the repair of the balance
        # the units that may move this round, and where to
        if has_nb is None:
            rows = np.flatnonzero(movable)
            allowed = np.ones((len(rows), T), dtype=bool)
        else:
            assert edges is not None and isolated is not None  # has_nb is set only with edges
            e0, e1 = edges[:, 0], edges[:, 1]
            cross = assign[e0] != assign[e1]
            cu = np.r_[e0[cross], e1[cross]]
            ct = np.r_[assign[e1[cross]], assign[e0[cross]]]
            rows = np.flatnonzero(movable & (isolated | np.isin(np.arange(N), cu)))
            pos = np.full(N, -1, dtype=np.intp)
            pos[rows] = np.arange(len(rows))
            allowed = np.zeros((len(rows), T), dtype=bool)
            keep = pos[cu] >= 0
            allowed[pos[cu[keep]], ct[keep]] = True
            allowed[pos[rows[isolated[rows]]]] = True
        if not len(rows):
            break
        ridx = np.arange(len(rows))
        s = assign[rows]
        Cr = Cm[rows]
        dcost = Cr - Cr[ridx, s][:, None]
        feasible = np.ones((len(rows), T), dtype=bool)
        dviol = np.zeros((len(rows), T))
        for k in range(m):
            a = A[rows, k]
            out_after = L[k, s] - a
            v_out = (np.maximum(out_after - hi[k, s], 0) + np.maximum(lo[k, s] - out_after, 0)) * inv[k, s]
            in_after = L[k][None, :] + a[:, None]
            v_in = (np.maximum(in_after - hi[k][None, :], 0) + np.maximum(lo[k][None, :] - in_after, 0)) * inv[k][
                None, :]
            dviol += (v_out - V[k, s])[:, None] + (v_in - V[k][None, :])
            feasible &= (v_out <= V[k, s] + 1e-12)[:, None] & (v_in <= V[k][None, :] + 1e-12)
        improve_bal = dviol < -1e-12
        improve_cost = (np.abs(dviol) <= 1e-12) & feasible & (dcost < -1e-9 * (np.abs(Cr[ridx, s]) + 1.0)[:, None])
        base = allowed & np.isfinite(dcost) & (tabu[rows] <= rnd)
        base[ridx, s] = False
        repair = (improve_bal & base).any()
        good = (improve_bal if repair else improve_cost) & base
        if not good.any():
            new = _swap_round(problem, Cm, assign, L, V, lo, hi, inv, movable=movable,
                              edges=edges if has_nb is not None else None,
                              comp=comp if has_nb is not None else None, repair=bool(V.sum() > 1e-12))
            if new is None:
                break
            assign = new
            continue
        # repairs: cheapest per unit of violation removed; improvements: largest saving
        key = np.where(good, dcost / np.maximum(-dviol, 1e-15) if repair else dcost, np.inf)
        bt = key.argmin(axis=1)
        bk = key[ridx, bt]
        cand = np.flatnonzero(np.isfinite(bk))
        o = cand[np.lexsort((rows[cand], bk[cand]))]
        src, dst = s[o], bt[o]
        units = rows[o]
        # each territory in at most one move (as source or destination), best moves first
        first_use = np.full(T, len(o), dtype=np.int64)
        np.minimum.at(first_use, src, np.arange(len(o)))
        np.minimum.at(first_use, dst, np.arange(len(o)))
        sel = np.flatnonzero((first_use[src] == np.arange(len(o))) & (first_use[dst] == np.arange(len(o))))
        if len(sel) == 0:
            break
        new = assign.copy()
        new[units[sel]] = dst[sel]
        if has_nb is not None:
            assert edges is not None  # has_nb is set only with edges
            broken = ~contiguity(new, edges, T, comp) & contiguity(assign, edges, T, comp)
            undo = broken[src[sel]]
            if undo.any():
                new[units[sel[undo]]] = src[sel[undo]]
                tabu[units[sel[undo]], dst[sel[undo]]] = rnd + 10
            if np.array_equal(new, assign):
                continue
        assign = new
    return assign


def _swap_round(problem: AlignProblem, Cm: np.ndarray, assign: np.ndarray, L, V, lo, hi, inv, *,
                movable: np.ndarray, edges, comp, repair: bool, k: int = 12, attempts: int = 8):
    """One round of pair swaps (u: s -> t with v: t -> s), each territory in at most one swap.

    Candidates for (s, t) are the ``k`` units of s cheapest to give to t (touching t with adjacency).
    In repair mode a swap must reduce the balance violation (cheapest per unit removed first); otherwise
    it must keep the balance and lower the cost. Returns the new assignment, or None if nothing applies.
    """
    N, T = Cm.shape
    A = problem.measures
    m = A.shape[1]
    idx = np.arange(N)
    s_of = assign
    dc = Cm - Cm[idx, s_of][:, None]
    allowed = movable[:, None] & np.isfinite(dc)
    allowed[idx, s_of] = False
    if edges is not None:
        touch = np.zeros((N, T), dtype=bool)
        touch[edges[:, 0], assign[edges[:, 1]]] = True
        touch[edges[:, 1], assign[edges[:, 0]]] = True
        allowed &= touch
    # each unit's few cheapest alternatives are enough to pair from
    dca = np.where(allowed, dc, np.inf)
    alt = min(8 if repair else 3, T)
    part = np.argpartition(dca, alt - 1, axis=1)[:, :alt] if alt < T else np.tile(np.arange(T), (N, 1))
    uu = np.repeat(idx, part.shape[1])
    tt = part.ravel()
    keep = np.isfinite(dca[uu, tt])
    uu, tt = uu[keep], tt[keep]
    if not len(uu):
        return None
    ss = s_of[uu]
    o = np.lexsort((uu, dc[uu, tt], tt, ss))
    uu, tt, ss = uu[o], tt[o], ss[o]
    grp = ss * T + tt
    start = np.r_[0, np.flatnonzero(np.diff(grp)) + 1]
    rank = np.arange(len(grp)) - np.repeat(start, np.diff(np.r_[start, len(grp)]))
    keep = rank < k
    uu, tt, ss, grp = uu[keep], tt[keep], ss[keep], grp[keep]
    # pair every candidate of (s, t) with every candidate of (t, s), s < t
    key_rev = tt * T + ss
    order_g = np.argsort(grp, kind="stable")
    g_sorted = grp[order_g]
    lo_i = np.searchsorted(g_sorted, key_rev, side="left")
    hi_i = np.searchsorted(g_sorted, key_rev, side="right")
    first = ss < tt
    cnt = np.where(first, hi_i - lo_i, 0)
    if cnt.sum() == 0:
        return None
    a_idx = np.repeat(np.arange(len(uu)), cnt)
    offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    b_idx = order_g[np.repeat(lo_i, cnt) + offs]
    u, v = uu[a_idx], uu[b_idx]
    s_, t_ = ss[a_idx], tt[a_idx]
    dcost = dc[u, t_] + dc[v, s_]
    dviol = np.zeros(len(u))
    feasible = np.ones(len(u), dtype=bool)
    for q in range(m):
        a = A[:, q]
        ls = L[q, s_] - a[u] + a[v]
        lt = L[q, t_] + a[u] - a[v]
        vs = (np.maximum(ls - hi[q, s_], 0) + np.maximum(lo[q, s_] - ls, 0)) * inv[q, s_]
        vt = (np.maximum(lt - hi[q, t_], 0) + np.maximum(lo[q, t_] - lt, 0)) * inv[q, t_]
        dviol += vs - V[q, s_] + vt - V[q, t_]
        feasible &= (vs <= V[q, s_] + 1e-12) & (vt <= V[q, t_] + 1e-12)
    if repair:
        good = dviol < -1e-12
        key = np.where(good, dcost / np.maximum(-dviol, 1e-15), np.inf)
    else:
        good = feasible & (np.abs(dviol) <= 1e-12) & (dcost < -1e-9 * (np.abs(Cm[u, s_]) + np.abs(Cm[v, t_]) + 1.0))
        key = np.where(good, dcost, np.inf)
    cand = np.flatnonzero(good)
    if not len(cand):
        return None
    cand = cand[np.lexsort((cand, key[cand]))]
    before = contiguity(assign, edges, T, comp) if edges is not None else None
    for _ in range(attempts):  # swaps that would split a territory are dropped and the next best tried
        if not len(cand):
            return None
        first_use = np.full(T, len(cand), dtype=np.int64)
        pos = np.arange(len(cand))
        np.minimum.at(first_use, s_[cand], pos)
        np.minimum.at(first_use, t_[cand], pos)
        chosen = (first_use[s_[cand]] == pos) & (first_use[t_[cand]] == pos)
        sel = cand[chosen]
        new = assign.copy()
        new[u[sel]] = t_[sel]
        new[v[sel]] = s_[sel]
        if edges is None:
            return new
        broken = ~contiguity(new, edges, T, comp) & before
        undo = broken[s_[sel]] | broken[t_[sel]]
        if not undo.all():
            new[u[sel[undo]]] = s_[sel[undo]]
            new[v[sel[undo]]] = t_[sel[undo]]
            return new
        drop = np.zeros(len(cand), dtype=bool)
        drop[np.flatnonzero(chosen)[undo]] = True
        cand = cand[~drop]
    return None


def balanced_voronoi(problem: AlignProblem, clat: np.ndarray, clon: np.ndarray, cunit: np.ndarray | None = None,
                     iterations: int = 400) -> np.ndarray:
    """Each unit to the centre nearest after an additive offset per territory (km), the offsets tuned so
    loads approach their targets. Such cells are nearly contiguous: a start for contiguous alignments."""
    T = problem.n_terr
    D = centre_distance(problem, clat, clon, cunit)
    if problem.disruption_km:
        has = problem.current >= 0
        moved = np.repeat(has[:, None], T, axis=1)
        moved[np.flatnonzero(has), problem.current[has]] = False
        D = D + problem.disruption_km * moved
    D = np.where((problem.capacity > 0)[None, :], D, np.inf)
    tgt = targets(problem)
    ok = tgt > 0
    lk = problem.locked >= 0
    nu = np.zeros(T)
    finite = D[np.isfinite(D)]
    step = np.full(T, 0.5 * float(np.median(finite)) if len(finite) else 1.0)
    prev = np.zeros(T)
    best, best_v = None, np.inf
    for _ in range(iterations):
        a = (D + nu[None, :]).argmin(axis=1)
        a[lk] = problem.locked[lk]
        if not ok.any():
            return a
        rel = np.where(ok, loads_of(problem, a) / np.where(ok, tgt, 1.0) - 1.0, 0.0)
        v = float(np.abs(rel).max())
        if v < best_v:
            best, best_v = a.copy(), v
        if v <= 0.5 * problem.tolerance:
            break
        sg = np.sign(rel.sum(axis=0))
        step = np.where(sg * prev < 0, step * 0.5, np.where(sg * prev > 0, step * 1.2, step))
        nu = nu + step * sg
        prev = sg
    assert best is not None  # the first round's deviation is finite, so it sets best
    return best


def _total_violation(problem: AlignProblem, assign: np.ndarray) -> float:
    tgt = targets(problem)
    ok = (tgt > 0) & (problem.capacity > 0)[None, :]
    L = loads_of(problem, assign)
    tol = problem.tolerance
    v = np.maximum(L - (1 + tol) * tgt, 0) + np.maximum((1 - tol) * tgt - L, 0)
    return float((v[ok] / tgt[ok]).sum())


def contiguous_alignment(problem: AlignProblem, C: np.ndarray, assign: np.ndarray, clat, clon, edges,
                         deadline: float, cunit: np.ndarray | None = None) -> np.ndarray:
    """From a balanced but possibly fragmented alignment to a contiguous one: repair its enclaves, and also
    repair a balanced Voronoi partition; continue from the one closer to balance (then cheaper) with
    contiguity-keeping local search."""
    starts = [repair_contiguity(problem, C, assign, edges),
              repair_contiguity(problem, C, balanced_voronoi(problem, clat, clon, cunit), edges)]
    key = [(_total_violation(problem, a), float(C[np.arange(len(a)), a].sum())) for a in starts]
    start = starts[int(min(range(len(starts)), key=lambda i: key[i]))]
    return local_search(problem, C, start, edges=edges, deadline=deadline)


def repair_contiguity(problem: AlignProblem, C: np.ndarray, assign: np.ndarray, edges: np.ndarray,
                      rounds: int = 30) -> np.ndarray:
    """Give every enclave (a piece of a territory other than its largest, without a locked unit) to the
    neighbouring territory where it costs least, until each territory is one piece (or rounds run out)."""
    assign = assign.copy()
    N, T = C.shape
    active = problem.capacity > 0
    Cm = np.where(active[None, :], C, np.inf)
    comp = graph_components(edges, N)
    for _ in range(rounds):
        label, has_nb = pieces(assign, edges, N)
        sel = has_nb
        L = label.max() + 1
        lab_terr = np.full(L, -1, dtype=np.intp)
        lab_terr[label[sel]] = assign[sel] * (comp.max() + 1) + comp[sel]  # (territory, graph component)
        pot = problem.measures[:, 0] if problem.measures.shape[1] else np.ones(N)
        size = np.bincount(label[sel], weights=pot[sel] + 1e-9, minlength=L)
        has_lock = np.zeros(L, dtype=bool)
        has_lock[label[sel & (problem.locked >= 0)]] = True
        # main piece of each territory: with a locked unit first, then the heaviest
        key = size + has_lock * (size.sum() + 1.0)
        main = np.full(T * (comp.max() + 1), -1, dtype=np.intp)
        valid = np.flatnonzero(lab_terr >= 0)
        o = valid[np.lexsort((valid, -key[valid]))]
        t_o = lab_terr[o]
        first = np.unique(t_o, return_index=True)[1]
        main[t_o[first]] = o[first]
        enclave = np.zeros(L, dtype=bool)
        enclave[valid] = main[lab_terr[valid]] != valid
        enclave &= ~has_lock
        if not enclave.any():
            break
        # candidate territories: those of neighbours outside the piece
        e0, e1 = edges[:, 0], edges[:, 1]
        a_u, a_v = np.r_[e0, e1], np.r_[e1, e0]
        cross = enclave[label[a_u]] & (assign[a_v] != assign[a_u])
        if not cross.any():
            break
        pl, tt = label[a_u[cross]], assign[a_v[cross]]
        pairs = np.unique(np.stack([pl, tt], axis=1), axis=0)
        members = np.flatnonzero(enclave[label] & sel)
        plist = np.unique(label[members])
        prow = np.searchsorted(plist, label[members])
        piece_cost = np.zeros((len(plist), T))
        np.add.at(piece_cost, prow, Cm[members])
        pc = piece_cost[np.searchsorted(plist, pairs[:, 0]), pairs[:, 1]]
        order = np.lexsort((pairs[:, 1], pc, pairs[:, 0]))
        pairs, pc = pairs[order], pc[order]
        firstp = np.unique(pairs[:, 0], return_index=True)[1]
        best = pairs[firstp]
        best = best[np.isfinite(pc[firstp])]
        dest = np.full(L, -1, dtype=np.intp)
        dest[best[:, 0]] = best[:, 1]
        mv = members[dest[label[members]] >= 0]
        if len(mv) == 0:
            break
        assign[mv] = dest[label[mv]]
    return assign


# -- driver -------------------------------------------------------------------------------------------

def _pct(x: float) -> str:
    """A share as a percentage with 3 significant digits (0.0571%), exactly 0% only when it is 0."""
    return "0%" if x == 0 else f"{x * 100:.3g}%"


def solve(problem: AlignProblem, *, time_limit: float = DEFAULT_TIME_LIMIT, force_large: bool = False) -> AlignSolution:
    """Align ``problem`` within ``time_limit`` seconds: alternate centres and assignments, return the best
    alignment found with its proven lower bound.

    Every HiGHS call (LP and MIP) gets the time that remains as its ``time_limit``, the dual ascents stop at
    the deadline, and local search stops there once the balance holds (the repair of the balance is never cut
    short). Small problems are first given to the exact MIP for :data:`EXACT_BUDGET_SHARE` of the remaining
    budget; if HiGHS has not proved its optimum by then, the fast pipeline runs with the rest. Mid-size ones
    (up to :data:`EXACT_AFTER_MAX_VARS` variables, no contiguity) run the fast pipeline first and the exact MIP
    with what remains. Either way the better alignment is kept, with the best bound either proved.
    """
    t0 = time.perf_counter()
    time_limit = float(time_limit)
    if not time_limit > 0:
        raise ValueError(f"time_limit must be a number of seconds above 0, not {time_limit!r}")
    deadline = t0 + time_limit
    warnings: list[str] = []
    N, T = problem.n_units, problem.n_terr
    edges = problem.edges if problem.edges is not None and len(problem.edges) else None
    clat, clon, cunit, movable = initial_centres(problem)
    rounds = 0
    if movable.any():
        # centre search: assignments (quick ones on large problems) and medoids alternate until the
        # centres stop changing; the final assignment is then solved in full for those centres
        seen: set[bytes] = set()
        mu_prev = None
        for rounds in range(1, max(1, problem.max_centre_rounds)):
            C = cost_matrix(problem, clat, clon, cunit)
            asg = _Assignment(problem, C, deadline)
            if int(np.isfinite(asg.Cf).sum()) <= EXACT_MAX_VARS and not force_large:
                now = time.perf_counter()
                assign = _exact(asg, None, warnings, mip_deadline=now + 0.25 * max(0.0, deadline - now))[0]
            else:
                assign = _large(asg, warnings, quick=True, start=mu_prev)[0]
                mu_prev = asg.last_mu
            nlat, nlon, nunit = clat.copy(), clon.copy(), cunit.copy()
            medoids(problem, assign, movable, nlat, nlon, nunit)
            key = nunit.tobytes()
            if np.array_equal(nunit, cunit) or key in seen or time.perf_counter() > deadline:
                break
            seen.add(key)
            clat, clon, cunit = nlat, nlon, nunit
        rounds += 1
    else:
        rounds = 1
    C = cost_matrix(problem, clat, clon, cunit)
    asg = _Assignment(problem, C, deadline)
    n_vars = int(np.isfinite(asg.Cf).sum())
    mip_lb = None
    proven = False
    if n_vars <= EXACT_MAX_VARS and not force_large:
        cuts = edges if (edges is not None and n_vars <= EXACT_CUTS_MAX_VARS) else None
        now = time.perf_counter()
        asg.exact_bound = None
        assign, lb, slack, text = _exact(asg, cuts, warnings, mip_deadline=now + EXACT_BUDGET_SHARE * max(
            0.0, deadline - now))
        mip_lb = asg.exact_bound
        method = "exact MIP"
        proven = text == "optimal"
        if edges is not None and not contiguity(assign, edges, T).all():
            assign = contiguous_alignment(problem, C, assign, clat, clon, edges, deadline, cunit)
            proven = False
        elif slack > 1e-9:
            assign = local_search(problem, C, assign, edges=edges, deadline=deadline)
        elif not proven:
            # HiGHS did not prove its optimum in its share of the budget: the fast pipeline with the rest,
            # and the better of the two alignments
            fast, lb2, _ = _large(asg, warnings)
            fast = local_search(problem, C, fast, edges=None, deadline=deadline)
            if edges is not None and not contiguity(fast, edges, T).all():
                fast = contiguous_alignment(problem, C, fast, clat, clon, edges, deadline, cunit)
            lb = lb2 if lb is None else max(lb, lb2)
            if _better(problem, C, fast, assign, edges):
                assign = fast
            method = "exact MIP (stopped unproven) + LP + local search"
    else:
        assign, lb, slack = _large(asg, warnings)
        method = "LP + MIP rounding + local search"
        assign = local_search(problem, C, assign, edges=None, deadline=deadline)
        if edges is not None and not contiguity(assign, edges, T).all():
            assign = contiguous_alignment(problem, C, assign, clat, clon, edges, deadline, cunit)
        fast_obj = float(asg.C[np.arange(N), assign].sum())
        closed = lb is not None and fast_obj <= lb + HIGHS_MIP_ABS_GAP + MIP_REL_GAP * abs(lb)
        if (edges is None and not force_large and n_vars <= EXACT_AFTER_MAX_VARS and not closed
                and time.perf_counter() < deadline):
            # a mid-size problem with budget left: the exact MIP with the rest of it
            asg.exact_bound = None
            exact, lb_e, slack_e, text = _exact(asg, None, warnings, mip_deadline=deadline)
            mip_lb = asg.exact_bound
            if lb_e is not None:
                lb = lb_e if lb is None else max(lb, lb_e)
            if slack_e <= 1e-9 and not _better(problem, C, assign, exact, None):
                assign, proven = exact, text == "optimal"
            method = "LP + MIP rounding + local search, then exact MIP"
    hit_budget = time.perf_counter() >= deadline
    obj = float(C[np.arange(N), assign].sum())
    contig = contiguity(assign, edges, T) if edges is not None else None
    bound_source = "LP bound"
    lb = None if lb is None else lb * asg.scale
    if mip_lb is not None and (contig is None or contig.all()):
        mip_lb *= asg.scale
        if lb is None or mip_lb > lb:
            lb, bound_source = mip_lb, "HiGHS MIP bound"
    d = centre_distance(problem, clat, clon, cunit)[np.arange(N), assign]
    compact = float((problem.weight * d).sum())
    moved = (problem.current >= 0) & (assign != problem.current)
    disruption = float(problem.disruption_km * problem.weight[moved].sum())
    L = loads_of(problem, assign)
    tgt = targets(problem)
    ok = (tgt > 0) & (problem.capacity > 0)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.where(ok, L / np.where(tgt > 0, tgt, 1.0) - 1.0, 0.0)
    balance_met = bool((np.abs(dev) <= problem.tolerance + 1e-9).all())
    gap = None
    if lb is not None and balance_met and lb > 0:
        gap = max(0.0, obj / lb - 1.0)
    elif lb is not None and balance_met and lb <= 0:
        gap = 0.0 if obj <= 1e-9 else None
    proven = proven and (contig is None or bool(contig.all()))
    if not balance_met:
        status = "balance tolerance not met"
    elif proven:
        status = "optimal"
    elif gap is not None:
        status = f"within {_pct(gap)} of the {bound_source}"
    else:
        status = "feasible"
    if hit_budget and balance_met and not proven:
        status += f" (time budget of {time_limit:g} s reached)"
    if contig is not None and not contig.all():
        warnings.append(f"{int((~contig).sum())} territor{'y is' if (~contig).sum() == 1 else 'ies are'} not one "
                        "connected piece (locked units or the balance tolerance leave no contiguous choice)")
    return AlignSolution(assign=assign, centre_lat=clat, centre_lon=clon, centre_unit=cunit, objective=obj,
                         compactness=compact, disruption=disruption, lower_bound=lb, gap=gap, method=method,
                         status=status, balance_met=balance_met, contiguous=contig, centre_rounds=rounds,
                         seconds=time.perf_counter() - t0, warnings=warnings, proven_optimal=proven,
                         bound_source=bound_source if lb is not None else "", time_limit=time_limit,
                         hit_time_limit=hit_budget)


def _better(problem: AlignProblem, C: np.ndarray, a: np.ndarray, b: np.ndarray, edges) -> bool:
    """Is alignment ``a`` better than ``b``: less balance violation, then more contiguous territories, then
    a lower cost?"""
    def key(x):
        cont = 0 if edges is None else -int(contiguity(x, edges, problem.n_terr).sum())
        return (round(_total_violation(problem, x), 12), cont, float(C[np.arange(len(x)), x].sum()))
    return key(a) < key(b)
