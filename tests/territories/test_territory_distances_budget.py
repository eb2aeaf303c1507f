"""Distances as data (issue 17 item 1) and the time budget with its proven gap (item 3).

The matrix instances below are hand-checked, with the optimum recomputed by brute force over every assignment; a
published instance given only as a matrix (OR-Library's assign100) is in test_territory_published_instance.py.
"""
from __future__ import annotations


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_xl.errors import InputError
from salesops_xl.territories import optimiser as AL
from salesops_xl.territories import workflow as WF
from salesops_xl.territories.engine import compute_alignment

from territory_align_helpers import KM_PER_DEGREE, brute_force, inputs, owners, rep, run, unit, workbook

NAN = np.nan


def matrix_problem(D, potential, tolerance, capacity=None, **kw) -> AL.AlignProblem:
    """A problem given only as a unit x rep cost matrix: no coordinates at all."""
    D = np.asarray(D, dtype=float)
    N, T = D.shape
    return AL.AlignProblem(
        lat=np.full(N, NAN), lon=np.full(N, NAN), weight=np.ones(N),
        measures=np.asarray(potential, dtype=float)[:, None], measure_names=("Potential",),
        current=np.full(N, -1), locked=np.full(N, -1),
        capacity=np.ones(T) if capacity is None else np.asarray(capacity, dtype=float),
        home_lat=np.full(T, NAN), home_lon=np.full(T, NAN), tolerance=tolerance, home_distance=D, **kw)


def test_a_matrix_only_instance_reaches_its_hand_checked_optimum():
    # 4 units, 2 reps, drive minutes (asymmetric to geography: no coordinates exist at all).
    #        A   B
    # u0    10  40
    # u1    20  25
    # u2    30  15
    # u3    50   5
    # potentials 30, 10, 10, 10, tolerance 10%: targets 30 each, allowed loads 27..33, so a territory holds
    # {u0} or {u1, u2, u3}. A={u0}: 10 + 25 + 15 + 5 = 55; A={u1,u2,u3}: 20 + 30 + 50 + 40 = 140. Optimum 55.
    D = [[10, 40], [20, 25], [30, 15], [50, 5]]
    sol = AL.solve(matrix_problem(D, [30, 10, 10, 10], 0.10))
    assert sol.assign.tolist() == [0, 1, 1, 1]
    assert sol.objective == pytest.approx(55.0, abs=1e-6)
    assert sol.status == "optimal" and sol.proven_optimal


def test_matrix_instances_match_brute_force():
    # 8 units x 3 reps, integer costs 1..99, lumpy potentials: brute force over 3^8 = 6,561 assignments
    rng = np.random.default_rng(17)
    for _ in range(3):
        D = rng.integers(1, 100, (8, 3)).astype(float)
        pot = rng.integers(1, 10, 8).astype(float)
        prob = matrix_problem(D, pot, 0.3)
        best, _ = brute_force(prob)
        sol = AL.solve(prob)
        if np.isfinite(best):
            # HiGHS proves optimality within its absolute gap (1e-6 in scaled units) and relative gap 1e-9
            assert sol.objective == pytest.approx(best, rel=1e-6, abs=1e-6)
            assert sol.status == "optimal"
            assert sol.lower_bound <= sol.objective + 1e-6


def test_unit_to_unit_matrix_drives_optimised_centres():
    # 4 units, 2 reps without homes (centres are units). Unit-to-unit costs (one direction given):
    # d(0,1)=1, d(2,3)=1, every other pair 50; BalanceOn None. Best: {0,1} and {2,3}, cost 1 + 1 = 2.
    N = 4
    M = np.full((N, N), 50.0)
    M[0, 1] = M[2, 3] = 1.0
    prob = AL.AlignProblem(
        lat=np.full(N, NAN), lon=np.full(N, NAN), weight=np.ones(N), measures=np.zeros((N, 0)), measure_names=(),
        current=np.full(N, -1), locked=np.full(N, -1), capacity=np.ones(2), home_lat=np.full(2, NAN),
        home_lon=np.full(2, NAN), unit_distance=np.triu(M, 1) + np.tril(np.full((N, N), NAN), 0))
    sol = AL.solve(prob)
    assert sol.objective == pytest.approx(2.0)
    assert sol.assign[0] == sol.assign[1] and sol.assign[2] == sol.assign[3] and sol.assign[0] != sol.assign[2]


def test_a_missing_pair_is_an_error_in_the_api():
    D = [[10, 40], [20, NAN]]
    with pytest.raises(AL.DistanceError, match="1 unit-to-centre distance"):
        AL.solve(matrix_problem(D, [1, 1], 0.5))


# -- the Distances table in the workbook -------------------------------------------------------------------

def _units():
    # equator, longitudes 0, 0.1, 0.2, 0.3; reps A at 0 and B at 0.3; potentials 10 each, tolerance 50%
    return [unit(f"u{i}", 0.1 * i) for i in range(4)]


def test_distances_table_overrides_great_circle_where_it_has_rows():
    reps = [rep("A", 0.0), rep("B", 0.3)]
    # great-circle: u1 is 11.119 km from A, 22.239 from B -> A. A road (row) says u1 to A is 500 (a river):
    # u1 goes to B. MissingDistance GreatCircle: every other pair keeps its km.
    src = workbook(_units(), reps, tolerance="0.5", settings={"MissingDistance": "GreatCircle"},
                  distances=[{"UnitID": "u1", "RepID": "A", "ToUnitID": None, "Distance": 500.0}])
    res = run(src)
    assert owners(res)["u1"] == "B"
    d = dict(zip(res.units["UnitID"], res.units["DistanceKm"]))
    assert d["u1"] == pytest.approx(2 * 0.1 * KM_PER_DEGREE)  # to B, great-circle (no row)
    # without the row u1 goes to A
    plain = run(workbook(_units(), reps, tolerance="0.5"))
    assert owners(plain)["u1"] == "A"


def test_a_full_distances_table_needs_no_fallback_and_its_values_are_reported():
    reps = [rep("A", 0.0), rep("B", 0.3)]
    rows = [{"UnitID": f"u{i}", "RepID": r, "ToUnitID": None, "Distance": float(v)}
            for i, (a, b) in enumerate([(5, 60), (70, 6), (8, 80), (90, 9)]) for r, v in (("A", a), ("B", b))]
    src = workbook(_units(), reps, tolerance="0.5",
                  distances=rows)
    res = run(src)
    # each unit to its cheaper rep: A={u0,u2} (5 + 8), B={u1,u3} (6 + 9): 28 minutes, loads 20/20
    assert owners(res) == {"u0": "A", "u1": "B", "u2": "A", "u3": "B"}
    assert res.solution.objective == pytest.approx(28.0)
    assert res.units["DistanceKm"].tolist() == [5.0, 6.0, 8.0, 9.0]
    items = dict(WF._align_items(res, "2026-12-07T00:00:00+00:00"))
    assert items["Alignment: distances"] == "Distances table (8 rows), every pair used has a row"


def test_a_missing_row_is_an_error_naming_the_pair():
    reps = [rep("A", 0.0), rep("B", 0.3)]
    src = workbook(_units(), reps, tolerance="0.5",
                  distances=[{"UnitID": "u1", "RepID": "A", "ToUnitID": None, "Distance": 500.0}])
    with pytest.raises(InputError) as e:
        inputs(src)
    text = str(e.value)
    assert "Distances" in text and "7 pair(s) the alignment needs have no row" in text and "u0 to A's home" in text
    assert "MissingDistance GreatCircle" in text


@pytest.mark.parametrize("row, message", [
    ({"UnitID": "zz", "RepID": "A", "ToUnitID": None, "Distance": 1.0}, "unknown unit"),
    ({"UnitID": "u0", "RepID": "Q", "ToUnitID": None, "Distance": 1.0}, "unknown rep"),
    ({"UnitID": "u0", "RepID": "A", "ToUnitID": "u1", "Distance": 1.0}, "exactly one destination"),
    ({"UnitID": "u0", "RepID": None, "ToUnitID": "u0", "Distance": 1.0}, "from a unit to itself"),
])
def test_bad_distance_rows(row, message):
    src = workbook(_units(), [rep("A", 0.0), rep("B", 0.3)], settings={"MissingDistance": "GreatCircle"},
                  distances=[row])
    with pytest.raises(InputError, match=message):
        inputs(src)


# -- the time budget -------------------------------------------------------------------------------------

def _hard(n=3000, T=40, seed=2):
    # 3,000 units x 40 territories (120,000 variables: the fast pipeline), a tight 1% tolerance: the prices, the
    # LP and the rounding take about 1.8 s on an idle 2-core machine, far more than the budgets below
    rng = np.random.default_rng(seed)
    return AL.AlignProblem(
        lat=rng.uniform(40, 45, n), lon=rng.uniform(-110, -100, n), weight=rng.integers(1, 10, n).astype(float),
        measures=rng.lognormal(10, 0.7, n)[:, None], measure_names=("Potential",),
        current=rng.integers(-1, T, n), locked=np.full(n, -1), capacity=np.ones(T),
        home_lat=rng.uniform(40, 45, T), home_lon=rng.uniform(-110, -100, T), tolerance=0.01, disruption_km=10.0)


@pytest.fixture(scope="module")
def hard():
    return _hard()


def _check_budget_reached(sol, budget_text: str) -> None:
    assert sol.hit_time_limit and not sol.proven_optimal
    assert sol.balance_met  # the budget stops improvement, never the repair of the balance
    assert sol.lower_bound is not None and sol.lower_bound <= sol.objective
    assert sol.gap == pytest.approx(sol.objective / sol.lower_bound - 1.0, rel=1e-12)
    assert "optimal" not in sol.status
    assert sol.status == f"within {AL._pct(sol.gap)} of the {sol.bound_source} (time budget of {budget_text} s reached)"
    assert sol.bound_source in ("LP bound", "HiGHS MIP bound")
    # the Run Log's words for it: the gap exactly as proven, the bound it is measured against, the budget
    text = WF._optimality(sol)
    assert text == (f"not proven optimal: at most {sol.gap:.6%} above the best possible (objective - "
                    f"{sol.bound_source} = {sol.objective - sol.lower_bound:,.10g}); the time budget of "
                    f"{budget_text} s ran out")


def test_a_problem_that_hits_the_time_budget_reports_its_proven_gap_never_optimal(hard):
    # 0.1 s: well inside what the whole search takes even on an idle machine (0.48 s at 3,000 x 40 in CI, where a
    # budget of 0.5 s was not reached and the test failed), so the budget is reached on any machine
    sol = AL.solve(hard, time_limit=0.1)
    _check_budget_reached(sol, "0.1")
    # every HiGHS call gets the time left as its limit: what runs over is the balance repair (about 0.3 s idle);
    # the margin is wide for a loaded CI machine (two test workers on two cores)
    assert sol.seconds < 0.1 + 4.0


def test_a_budget_spent_before_the_lp_still_gives_a_balanced_alignment_and_a_valid_bound(hard):
    # 1 ms: the Lagrangian prices get one step; the first LP runs to its end anyway (docs section 8: without it the
    # balance repair takes far longer), nothing after it improves; the bound is valid and the balance holds
    sol = AL.solve(hard, time_limit=0.001)
    _check_budget_reached(sol, "0.001")
    assert sol.bound_source == "LP bound"


def test_a_mid_size_problem_gets_the_exact_mip_with_the_budget_left():
    # 150 units x 50 territories = 7,500 variables (above the exact range of 6,000): the fast pipeline first, then
    # HiGHS with what is left of the budget; a problem HiGHS closes quickly is then proven optimal
    rng = np.random.default_rng(5)
    N, T = 150, 50
    D = rng.integers(1, 100, (N, T)).astype(float)
    sol = AL.solve(matrix_problem(D, np.ones(N), 0.5, capacity=np.full(T, 1.0)), time_limit=20)
    assert sol.method == "LP + MIP rounding + local search, then exact MIP"
    assert sol.status == "optimal" and sol.proven_optimal
    assert sol.lower_bound <= sol.objective + 1e-6


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 50)), max_size=12))))
def test_pair_distances_follow_the_stated_rule(case):
    # a row counts for its direction, and for the reverse unless the reverse has its own row; the first row of a
    # pair given twice wins (the workbook reports a second row as an error); a unit to itself is 0
    n, rows = case
    P = AL.PairDistances.from_rows(n, [r[0] for r in rows], [r[1] for r in rows], [float(r[2]) for r in rows])
    expect = {}
    for a, b, v in rows:
        expect.setdefault((a, b), float(v))
    for a, b, v in rows:
        if (b, a) not in expect:
            expect[(b, a)] = expect[(a, b)]
    for a in range(n):
        for b in range(n):
            got = P.lookup(a, b)
            want = 0.0 if a == b else expect.get((a, b), NAN)
            assert (np.isnan(got) and np.isnan(want)) or got == want


def test_run_log_gives_objective_and_bound_to_10_significant_digits():
    # the 4-unit example of docs section 3 (0.3 degrees = 33.358 km) run through the workflow items
    units = [unit("u0", 0.0, potential=30), unit("u1", 0.1), unit("u2", 0.2), unit("u3", 0.3)]
    res = run(workbook(units, [rep("A", 0.0), rep("B", 0.3)], tolerance="0.1", settings={"TimeLimit": "2"}))
    items = dict(WF._align_items(res, "2026-12-07T00:00:00+00:00"))
    assert res.solution.status == "optimal"
    assert items["Alignment: objective"] == "33.35847799"  # 0.3 x 6371 x pi / 180 = 33.358477990...
    assert items["Alignment: optimality"].startswith("proven optimal by HiGHS (within its tolerances")
    assert items["Alignment: time budget"] == "2 s, not reached"
    assert "TimeLimit 2 s" in items["Alignment: settings"]


def test_time_limit_setting_is_checked():
    src = workbook(_units(), [rep("A", 0.0), rep("B", 0.3)], settings={"TimeLimit": "0"})
    with pytest.raises(InputError, match="not a time limit"):
        inputs(src)


def test_compute_alignment_honours_an_explicit_budget():
    inp = inputs(workbook(_units(), [rep("A", 0.0), rep("B", 0.3)], tolerance="0.5"))
    res = compute_alignment(inp, time_limit=1.5)
    assert res.solution.time_limit == 1.5


# -- the batch door: a real workbook with a Distances sheet, and --time-limit ------------------------------

def test_cli_reads_the_distances_sheet_and_the_time_limit(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    import pandas as pd
    import python_calamine as pc

    from salesops_xl.territories.template import input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    units = pd.DataFrame([unit(f"u{i}", 0.1 * i) for i in range(4)])
    reps = pd.DataFrame([rep("A", 0.0), rep("B", 0.3)])
    settings = pd.DataFrame({"Setting": ["Tolerance", "TimeLimit"], "Value": ["0.5", "30"]})
    dist = pd.DataFrame({"UnitID": ["u0", "u0", "u1", "u1", "u2", "u2", "u3", "u3"],
                         "RepID": ["A", "B"] * 4, "ToUnitID": [None] * 8,
                         "Distance": [5.0, 60.0, 70.0, 6.0, 8.0, 80.0, 90.0, 9.0]})
    wb = tmp_path / "t.xlsx"
    write_sheets(None, wb, input_sheets({"AlignSettings": settings, "TerritoryUnits": units, "TerritoryReps": reps,
                                         "Distances": dist}))
    root = Path(__file__).resolve().parents[2]
    p = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "territories", "align", str(wb), "--time-limit", "2"],
                       capture_output=True, text=True, cwd=root)
    assert p.returncode == 0, p.stderr
    assert "optimal" in p.stdout
    book = pc.CalamineWorkbook.from_path(str(wb), load_tables=True)
    t = book.get_table_by_name("RunLog")
    log = dict((str(k), str(v)) for k, v in t.to_python())
    assert log["Alignment: objective"] == "28"  # 5 + 6 + 8 + 9 drive minutes (the table's unit)
    assert log["Alignment: time budget"] == "2 s, not reached"  # --time-limit wins over the sheet's 30
    assert log["Alignment: distances"] == "Distances table (8 rows), every pair used has a row"
    al = book.get_table_by_name("Alignment")
    head = [str(c) for c in al.columns]
    rows = [dict(zip(head, r)) for r in al.to_python()]
    assert [r["NewOwner"] for r in rows] == ["A", "B", "A", "B"]
    assert [float(r["DistanceKm"]) for r in rows] == [5.0, 6.0, 8.0, 9.0]
