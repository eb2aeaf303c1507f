"""The ramp, measured (docs/quotas.md, "The ramp, measured"): new hires against tenured reps of the same months."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quota_helpers import D, booked, seat, workbook
from salesops_xl.errors import InputError
from salesops_xl.quotas.inputs import load_inputs
from salesops_xl.quotas.ramp import curve_text, measure_ramp, ramp_effect
from salesops_xl.xlsx.reader import XlsxSource

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "salesops_xl.cli"]

# A seasonal history year (2025): tenured reps book 10k in Jan-Feb, 20k in Mar-Apr, and so on.
SEASON = [10_000, 10_000, 20_000, 20_000] * 3


def _two_cohorts(n1=(2_500, 5_000, 15_000)):
    # T1 and T2 are tenured (hired 2020): 0.8x and 1.2x the season, so their mean is the season itself.
    history = booked("T1", [0.8 * b for b in SEASON]) + booked("T2", [1.2 * b for b in SEASON])
    # Cohort A: N1 starts 1 Jan 2025: 2.5k, 5k, 15k, 20k, then the season (25%, 50%, 75%, 100%...)
    history += booked("N1", list(n1) + SEASON[3:])
    # Cohort B: N2 starts 1 Mar 2025, when the season is high: 10k, 10k (50% of 20k), then 10k = 100% of May's 10k
    history += booked("N2", [10_000, 10_000] + SEASON[4:], first_month=3)
    seats = [seat("T1"), seat("T2"), seat("N1", hire=D(2025, 1, 1)), seat("N2", hire=D(2025, 3, 1))]
    return workbook(seats, history=history, ramp=[0.25, 0.5, 0.75])


def test_relative_productivity_by_tenure_month_keeps_seasonality_out():
    m = measure_ramp(load_inputs(_two_cohorts()))
    # tenure month 1: N1 2,500 / 10,000 = 25%; N2 10,000 / 20,000 (March) = 50%  -> mean 37.5%, 2 reps
    #   (against N2's own yearly average, 10,000 / 15,000 = 67%, March's season would look like ramp)
    # tenure month 2: N1 5,000 / 10,000 = 50%; N2 10,000 / 20,000 (April) = 50%  -> 50%
    # tenure month 3: N1 15,000 / 20,000 = 75%; N2 10,000 / 10,000 (May) = 100%  -> 87.5%
    # tenure month 4 on: both 100%
    assert m.reps.tolist() == [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1]  # N2 reaches tenure 10 in December
    assert m.relative[:4] == pytest.approx([0.375, 0.5, 0.875, 1.0])
    assert m.relative[4:] == pytest.approx([1.0] * 8)
    assert m.hires == 2
    # 95% interval of month 1: sd of (0.25, 0.5) = 0.17678; t(0.975, 1) = 12.7062; half = 12.7062 x 0.17678 / √2
    half = 12.7062047 * 0.1767767 / np.sqrt(2)
    assert (m.low[0], m.high[0]) == pytest.approx((0.375 - half, 0.375 + half), rel=1e-6)
    assert np.isnan(m.low[10])  # one rep: no interval
    # already non-decreasing, so the isotonic fit is the means; the curve ends before the first 100% month
    assert m.proposal.tolist() == [0.375, 0.5, 0.875]
    assert curve_text(m.proposal) == "1: 37.5%, 2: 50.0%, 3: 87.5%; 100% after"
    assert m.benchmark.tolist() == SEASON and m.tenured.tolist() == [2] * 12


def test_a_dip_is_pooled_by_the_isotonic_fit_weighted_by_reps():
    # N1's month 2 falls to 0: month 2 mean (0 + 0.5) / 2 = 0.25 < month 1's 0.375; pooled (weights 2 and 2):
    # (0.375 x 2 + 0.25 x 2) / 4 = 0.3125 for months 1 and 2
    m = measure_ramp(load_inputs(_two_cohorts(n1=(2_500, 0, 15_000))))
    assert m.fitted[:3] == pytest.approx([0.3125, 0.3125, 0.875])
    assert m.proposal.tolist() == [0.312, 0.312, 0.875]  # rounded to 0.1% (0.3125 -> 0.312: half to even)


def test_tenure_months_without_reps_are_said_and_the_curve_ends_at_the_last_measured_month():
    # only N2, hired in November 2025: tenure months 1 and 2 measured, nothing after
    history = booked("T1", SEASON) + booked("N2", [5_000, 10_000], first_month=11)
    src = workbook([seat("T1"), seat("N2", hire=D(2025, 11, 1))], history=history)
    m = measure_ramp(load_inputs(src))
    assert m.reps.tolist() == [1, 1] + [0] * 10
    assert m.proposal.tolist() == [0.25, 0.5]  # November 5,000 / 20,000 = 25%; December 10,000 / 20,000 = 50%
    assert any("up to tenure month 2 only" in w for w in m.warnings)


def test_no_new_hire_means_nothing_to_measure():
    src = workbook([seat("T1")], history=booked("T1", SEASON))
    m = measure_ramp(load_inputs(src))
    assert m.hires == 0 and len(m.proposal) == 0
    assert any("nothing to measure" in w for w in m.warnings)


def test_bookings_before_the_hire_date_are_an_input_error_naming_the_row():
    history = booked("T1", SEASON) + booked("N1", [1_000, 2_000], first_month=2)
    src = workbook([seat("T1"), seat("N1", hire=D(2025, 3, 1))], history=history)
    with pytest.raises(InputError) as e:
        load_inputs(src)
    text = str(e.value)
    assert "BookingsHistory" in text and "Month" in text and "before the HireDate 2025-03-01" in text


def test_the_effect_on_the_capacity_plan_is_computed_with_both_curves():
    inp = load_inputs(_two_cohorts())
    eff = ramp_effect(inp, np.array([0.375, 0.5, 0.875]), computed_at="2026-01-01T00:00:00+00:00").set_index("Item")
    assert list(eff.columns) == ["Assumed", "Measured", "Change"]
    assert eff.loc["Quota relief of ramping seats", "Change"] == pytest.approx(0.0)  # nobody ramps in 2026
    assert (eff["Measured"] - eff["Assumed"] - eff["Change"]).abs().max() < 1e-6


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 30_000, allow_nan=False), min_size=12, max_size=12),
       st.integers(1, 12))
def test_the_proposal_is_non_decreasing_and_within_0_and_100_percent(amounts, start):
    n = 13 - start
    history = booked("T1", SEASON) + booked("N1", amounts[:n], first_month=start)
    src = workbook([seat("T1"), seat("N1", hire=D(2025, start, 1))], history=history)
    m = measure_ramp(load_inputs(src))
    p = m.proposal
    assert np.all(np.diff(p) >= -1e-12) and np.all((p >= 0) & (p < 1.0))


def _tables(src) -> dict[str, dict[str, list]]:
    return {n: {c: list(v) for c, v in src.read(n).data.items()} for n in src.table_names()}


def test_the_command_writes_the_ramp_sheet_and_apply_changes_only_ramp_curve(tmp_path):
    wb = shutil.copy(ROOT / "workbooks" / "quotas.xlsx", tmp_path / "q.xlsx")
    with XlsxSource(wb) as src:
        before = _tables(src)
    p = subprocess.run(CLI + ["quotas", "ramp", str(wb)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "new hires" in p.stdout and "proposed 1:" in p.stdout
    with XlsxSource(wb) as src:
        assert "RampMeasured" in src.table_names()
        assert _tables(src)["RampCurve"] == before["RampCurve"]  # without --apply no input changes
    p = subprocess.run(CLI + ["quotas", "ramp", str(wb), "--apply"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    with XlsxSource(wb) as src:
        after = _tables(src)
    measured, log = after["RampMeasured"], after["RampCurveLog"]
    proposed = [float(v) for v in measured["Proposed"]]
    curve = [float(v) for v in after["RampCurve"]["Pct"]]
    assert curve == proposed[:len(curve)] and all(v == 1.0 for v in proposed[len(curve):])
    assert [int(v) for v in after["RampCurve"]["Month"]] == list(range(1, len(curve) + 1))
    for name in before:  # every other input table as it was
        if name not in ("RampCurve", "RampMeasured", "RampBenchmark", "RampEffect", "RampCurveLog"):
            assert after[name] == before[name], name
    assert log["Previous"] == ["1: 25.0%, 2: 50.0%, 3: 75.0%; 100% after"]  # the old curve is kept
