"""A problem that makes later checks meaningless suppresses them (issue 13, item 5).

One blank HireDate in the quota roster made every BookingsHistory row of that rep "bookings before the
HireDate None" (13 problems for one blank cell, on the sample workbook); a TermDate before the HireDate
did the same ("after the TermDate"). Each is now one problem, on the roster row, and the other checks
still run for every other rep.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from salesops_xl.errors import InputError

from quota_helpers import D, booked, flat, rule, run, seat, workbook

ROOT = Path(__file__).resolve().parents[2]


def problems(src) -> list[str]:
    with pytest.raises(InputError) as e:
        run(src)
    return [str(p) for p in e.value.problems]


def test_a_blank_hire_date_is_one_problem_not_one_per_booking():
    src = workbook([seat("A", hire=None), seat("B")], [rule(method="History")],
                   history=flat("A", 120_000) + flat("B", 120_000))
    assert problems(src) == [
        "quotas-test.xlsx, sheet 'QuotaRoster', table QuotaRoster: row 2, column HireDate, cell E2: a rep without "
        "a HireDate; expected the first day of employment (a date)"]


def test_a_termination_before_hire_is_one_problem_not_one_per_booking():
    src = workbook([seat("A", hire=D(2025, 3, 1), term=D(2024, 1, 1)), seat("B")],
                   history=booked("A", [10_000] * 10, first_month=3) + flat("B", 120_000))
    got = problems(src)
    assert len(got) == 1 and "row 2, column TermDate, cell F2: termination before hire" in got[0]


def test_bookings_outside_employment_are_still_reported_for_reps_with_dates():
    src = workbook([seat("A", hire=None), seat("B", hire=D(2025, 7, 1))],
                   history=booked("B", [5_000] * 12))
    got = problems(src)
    assert len(got) == 1 + 6  # A's blank HireDate; B's bookings in 2025-01..06, before B was hired
    assert sum("bookings of B in 2025-0" in p and "before the HireDate 2025-07-01" in p for p in got) == 6
    assert not any("HireDate None" in p for p in got)


def test_one_blank_hire_date_in_the_sample_workbook_is_one_problem(tmp_path: Path):
    import openpyxl

    wb = tmp_path / "quotas.xlsx"
    shutil.copy(ROOT / "workbooks" / "quotas.xlsx", wb)
    book = openpyxl.load_workbook(wb)  # as an analyst's tool saves it
    ws = book["Quota Roster"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "R005")
    ws.cell(row, header.index("HireDate") + 1).value = None
    book.save(wb)
    r = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "validate", str(wb)], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.startswith("1 problem in the input; nothing was written:\n"), r.stderr  # was 13 problems
    assert f"row {row}, column HireDate" in r.stderr
