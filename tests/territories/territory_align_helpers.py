"""Build alignment workbooks in memory for tests, and brute-force their optimum."""
from __future__ import annotations

import itertools

import numpy as np

from salesops_xl.errors import ProblemCollector
from salesops_xl.source import MemorySource
from salesops_xl.territories import optimiser as AL
from salesops_xl.territories.engine import compute_alignment
from salesops_xl.territories.inputs import load_alignment

#: One degree of longitude on the equator, in km: 6371 x pi / 180.
KM_PER_DEGREE = 6371.0 * np.pi / 180.0


def unit(uid: str, lon: float, lat: float = 0.0, potential: float = 10.0, workload: float | None = 1.0,
         owner: str | None = None, **kw) -> dict:
    return {"UnitID": uid, "Latitude": lat, "Longitude": lon, "Potential": potential, "Workload": workload,
            "CurrentOwner": owner, **kw}


def rep(rid: str, lon: float | None, lat: float | None = 0.0, capacity: float | None = 1.0, **kw) -> dict:
    return {"RepID": rid, "RepName": f"Rep {rid}", "HomeLatitude": None if lon is None else lat,
            "HomeLongitude": lon, "Capacity": capacity, **kw}


def workbook(units, reps, *, tolerance="0.05", balance="Potential", disruption="0", centres="Home",
             contiguity="Yes", locks=None, adjacency=None, regions=None, settings=None,
             distances=None) -> MemorySource:
    st = {"BalanceOn": balance, "Tolerance": tolerance, "DisruptionWeight": disruption, "Centres": centres,
          "Contiguity": contiguity}
    st.update(settings or {})
    tables = {"TerritoryUnits": units, "TerritoryReps": reps,
              "AlignSettings": [{"Setting": k, "Value": v} for k, v in st.items() if v is not None]}
    if locks is not None:
        tables["UnitLocks"] = [{"UnitID": u, "RepID": r} for u, r in locks] or {"UnitID": [], "RepID": []}
    if adjacency is not None:
        tables["UnitAdjacency"] = [{"UnitID": a, "NeighbourID": b} for a, b in adjacency]
    if distances is not None:
        tables["Distances"] = distances
    if regions is not None:
        tables["Regions"] = [{"Region": r, "Latitude": a, "Longitude": b} for r, a, b in regions]
    return MemorySource(tables, workbook="align.xlsx")


def inputs(src):
    problems = ProblemCollector()
    inp = load_alignment(src, problems)
    problems.raise_if_any()
    return inp


def run(src):
    return compute_alignment(inputs(src))


def owners(result) -> dict:
    return dict(zip(result.units["UnitID"], result.units["NewOwner"]))


def brute_force(problem: AL.AlignProblem) -> tuple[float, np.ndarray | None]:
    """The optimal cost over every assignment (homes as centres) meeting locks, balance and contiguity."""
    N, T = problem.n_units, problem.n_terr
    C = AL.cost_matrix(problem, problem.home_lat, problem.home_lon)
    tgt = AL.targets(problem)
    best, arg = np.inf, None
    for a in itertools.product(range(T), repeat=N):
        a = np.array(a)
        if ((problem.locked >= 0) & (a != problem.locked)).any():
            continue
        if (problem.capacity == 0).any() and np.isin(a, np.flatnonzero(problem.capacity == 0)).any():
            continue
        L = AL.loads_of(problem, a)
        if (np.abs(L - tgt) > problem.tolerance * tgt + 1e-9).any():
            continue
        if problem.edges is not None and not AL.contiguity(a, problem.edges, T).all():
            continue
        z = C[np.arange(N), a].sum()
        if z < best - 1e-9:
            best, arg = z, a
    return best, arg
