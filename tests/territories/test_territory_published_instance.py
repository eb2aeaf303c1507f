"""A published instance given only as a matrix reproduces its published optimum (issue 17 item 1).

OR-Library's linear assignment problem ``assign100`` (J.E. Beasley; tests/data/README.md gives the source, the
citation and why this instance): 100 jobs, 100 agents, an integer cost for every pair, published optimum **305**.

Expressed exactly as a territory alignment, with nothing fitted: every job is a unit and every agent a rep with
Capacity 1; each unit has Potential 1 and BalanceOn Potential, so every target is 100 x 1/100 = 1 and with any
Tolerance below 100% (here 50%) a territory's load, a whole number in [0.5, 1.5], is exactly 1: one unit per rep,
which is the assignment constraint. The cost of a unit with a rep is the matrix entry (Workload 1,
DisruptionWeight 0, no coordinates: a Distances row, or ``home_distance`` in the Python API).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from salesops_xl.territories import optimiser as AL

from territory_align_helpers import owners, rep, run, unit, workbook

DATA = Path(__file__).resolve().parents[1] / "data" / "orlib_assign100.txt"
PUBLISHED_OPTIMUM = 305  # OR-Library assigninfo (tests/data/README.md)
#: a guard so CI cannot hang; HiGHS proves this instance in about 0.3 s on an idle 2-core machine
BUDGET = 20.0


def read_orlib_assignment(path: Path) -> np.ndarray:
    """OR-Library's assignment format: n, then the n x n costs row by row (agent i, job j), any line breaks."""
    tokens = path.read_text().split()
    n = int(tokens[0])
    values = np.array(tokens[1:], dtype=float)
    assert len(values) == n * n, f"{path.name}: {len(values)} costs for n = {n}"
    return values.reshape(n, n)


def highs_tolerance(C: np.ndarray, optimum: float) -> float:
    """What HiGHS's "optimal" allows (docs/territories.md section 8): its absolute gap 1e-6 in the scaled units
    (costs divided by the mean cheapest cost of a unit) plus the relative gap we set, 1e-9."""
    scale = float(C.min(axis=1).mean())
    return AL.HIGHS_MIP_ABS_GAP * scale + AL.MIP_REL_GAP * abs(optimum)


@pytest.fixture(scope="module")
def costs() -> np.ndarray:
    return read_orlib_assignment(DATA)


def test_the_data_file_is_the_published_instance(costs):
    # 100 x 100 integer costs 1..100; an independent exact algorithm (Jonker-Volgenant, scipy) agrees with the
    # published optimum, so the file is the instance the optimum was published for
    assert costs.shape == (100, 100)
    assert costs.min() == 1 and costs.max() == 100 and np.array_equal(costs, np.round(costs))
    r, c = linear_sum_assignment(costs)
    assert costs[r, c].sum() == PUBLISHED_OPTIMUM


def test_python_api_matrix_only_reaches_the_published_optimum(costs):
    n = len(costs)
    # rows of the file are agents, columns jobs: units are jobs, so the unit x rep matrix is its transpose
    D = costs.T
    prob = AL.AlignProblem(
        lat=np.full(n, np.nan), lon=np.full(n, np.nan), weight=np.ones(n), measures=np.ones((n, 1)),
        measure_names=("Potential",), current=np.full(n, -1), locked=np.full(n, -1), capacity=np.ones(n),
        home_lat=np.full(n, np.nan), home_lon=np.full(n, np.nan), tolerance=0.5, home_distance=D)
    sol = AL.solve(prob, time_limit=BUDGET)
    tol = highs_tolerance(D, PUBLISHED_OPTIMUM)
    assert sol.balance_met and np.array_equal(np.sort(sol.assign), np.arange(n))  # one job per agent
    assert sol.objective == pytest.approx(PUBLISHED_OPTIMUM, rel=0, abs=tol)
    assert sol.proven_optimal and sol.status == "optimal"  # proven by HiGHS, not only matched
    assert sol.lower_bound <= PUBLISHED_OPTIMUM + tol  # a valid bound never exceeds the optimum
    assert sol.lower_bound >= PUBLISHED_OPTIMUM - tol
    assert not sol.hit_time_limit


def test_the_workbook_door_through_a_distances_table_reaches_the_published_optimum(costs):
    # the same instance as the workbook's tables: 10,000 Distances rows, MissingDistance Error (so every pair the
    # alignment can use has a row). Units need coordinates in a workbook: all at one point, so the distances can
    # come only from the table; reps have no home coordinates at all (their rows give them a home).
    n = len(costs)
    units = [unit(f"J{j + 1}", 0.0, potential=1.0) for j in range(n)]
    reps = [rep(f"A{i + 1}", None) for i in range(n)]
    rows = {"UnitID": [f"J{j + 1}" for i in range(n) for j in range(n)],
            "RepID": [f"A{i + 1}" for i in range(n) for j in range(n)],
            "ToUnitID": [None] * (n * n), "Distance": costs.ravel().tolist()}
    src = workbook(units, reps, tolerance="50%", contiguity="No", distances=rows,
                   settings={"TimeLimit": str(BUDGET), "MissingDistance": "Error"})
    res = run(src)
    sol = res.solution
    assert sol.objective == pytest.approx(PUBLISHED_OPTIMUM, rel=0, abs=highs_tolerance(costs.T, PUBLISHED_OPTIMUM))
    assert sol.status == "optimal"
    got = owners(res)
    assert sorted(got.values()) == sorted(f"A{i + 1}" for i in range(n))
    # the written distances are the table's figures and add up to the optimum
    assert res.units["DistanceKm"].sum() == PUBLISHED_OPTIMUM
    assert all(costs[int(a[1:]) - 1, int(u[1:]) - 1] == d
               for u, a, d in zip(res.units["UnitID"], res.units["NewOwner"], res.units["DistanceKm"]))
