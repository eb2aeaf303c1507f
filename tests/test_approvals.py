"""Approvals and sign-off of a payout run (docs/commissions.md, "Approvals and sign-off").

The workflow is run on in-memory workbooks whose Approvals and Run Log tables are carried from one run to the
next, as the workbook file carries them; one test goes through the CLI on a copy of the shipped sample.
"""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from salesops_xl.cli import main
from salesops_xl.commissions.approvals import SignOff
from salesops_xl.errors import InputError, UsageError
from salesops_xl.commissions.workflow import recalc_commissions

from helpers import D, TEMPLATES, deal, rep, workbook

T0 = "2026-02-01T09:00:00+00:00"


def _book(amount_b=20_000, locked=None, roles=None):
    extra = {}
    if roles is not None:
        extra["ApprovalRoles"] = roles
    src = workbook(reps=[rep("A"), rep("B")], extra_tables=extra,
                   deals=[deal("D1", "A", 10_000, D(2026, 1, 10)), deal("D2", "B", amount_b, D(2026, 1, 12))])
    if locked:
        s = src._tables["settings"]
        s.data["Setting"] = ["PlanYearStart", "AsOfDate", "LockedThrough"]
        s.data["Value"] = [D(2026, 1, 1), None, locked]
    return src


def _carry(src, res):
    """The next run's workbook: ``src`` plus the Run Log, Approvals and Paid History tables ``res`` wrote."""
    for sh in res.sheets:
        for b in sh.tables:
            if b.name in ("RunLog", "RunApprovals", "SignedTotals") or b.name.startswith("Paid"):
                from salesops_xl.source import _columns
                from salesops_xl.tables import RawTable

                data = {c.name: list(b.data[c.name]) for c in b.columns}
                cols, d = _columns(data)
                src._tables[b.name.lower()] = RawTable(name=b.name, columns=cols, data=d, sheet=sh.name,
                                                       workbook="test.xlsx", header_row=1, first_col=0)
    return src


def _log(res):
    sheet = next(sh for sh in res.sheets if sh.name == "Approvals")
    b = sheet.tables[0]
    return [dict(zip(b.data, row)) for row in zip(*b.data.values())]


def _signed(step="Approved", by="Ana", role="Finance", at="2026-02-02T10:00:00+00:00", **book):
    """A first recalculation, then the sign-off (each run reads a fresh copy of the workbook, as from the file)."""
    first = recalc_commissions(_book(**book), computed_at=T0)
    return recalc_commissions(_carry(_book(**book), first), sign_off=SignOff(step, by, role, at=at))


def test_a_workbook_without_sign_offs_has_no_approvals_sheet():
    res = recalc_commissions(_book(), computed_at=T0)
    assert "Approvals" not in {sh.name for sh in res.sheets}
    assert res.summary["status"] == "Draft"


def test_approve_records_who_role_when_and_the_numbers_signed():
    res = _signed()
    (row,) = _log(res)
    assert (row["Seq"], row["Status"], row["By"], row["Role"], row["At"]) == (
        "1", "Approved", "Ana", "Finance", "2026-02-02T10:00:00+00:00")
    assert len(row["ResultHash"]) == 64 and len(row["InputFingerprint"]) == 64
    signed = next(sh for sh in res.sheets if sh.name == "Approvals").tables[1]
    # A: 10,000 x 5% = 500; B: 20,000 x 5% = 1,000 (January)
    jan = {r: t for r, m, t in zip(signed.data["RepID"], signed.data["PayMonth"], signed.data["Total"])
           if m == "2026-01"}
    assert jan == {"A": 500.0, "B": 1_000.0}


def test_a_recalculation_with_the_same_numbers_keeps_the_status_and_adds_nothing():
    res = _signed()
    again = recalc_commissions(_carry(_book(), res))
    assert [r["Status"] for r in _log(again)] == ["Approved"]
    assert again.summary["status"] == "Approved" and not again.warnings


def test_a_recalculation_that_changes_approved_numbers_returns_the_run_to_draft_naming_the_reps():
    res = _signed()
    changed = _carry(_book(amount_b=30_000), res)  # B's deal grows: only B's numbers move
    after = recalc_commissions(changed, computed_at="2026-02-03T08:00:00+00:00")
    log = _log(after)
    assert [r["Status"] for r in log] == ["Approved", "Draft"]
    assert (log[1]["By"], log[1]["At"]) == ("salesops-xl recalc", "2026-02-03T08:00:00+00:00")
    assert log[1]["Note"] == "numbers of 1 rep changed since Approved: B"
    assert after.summary["changed_reps"] == ["B"]
    assert any("changed the numbers of 1 rep (B): it is Draft again" in w for w in after.warnings)
    # recalculating once more adds nothing: the run is already Draft
    assert [r["Status"] for r in _log(recalc_commissions(_carry(_book(amount_b=30_000), after)))] == [
        "Approved", "Draft"]


def test_a_role_the_default_policy_does_not_allow_is_refused():
    first = recalc_commissions(_book(), computed_at=T0)
    with pytest.raises(InputError) as e:
        recalc_commissions(_carry(_book(), first), sign_off=SignOff("Approved", "Sam", "Sales"))
    assert "role 'Sales' may not record a run as Approved" in str(e.value)
    assert "one of Finance" in str(e.value)


def test_a_role_the_approval_roles_table_does_not_allow_is_refused_naming_its_row():
    roles = [{"Step": "Reviewed", "Role": "SalesOps"}, {"Step": "Approved", "Role": "Controller"}]
    first = recalc_commissions(_book(roles=roles), computed_at=T0)
    with pytest.raises(InputError) as e:
        recalc_commissions(_carry(_book(roles=roles), first), sign_off=SignOff("Approved", "Ana", "Finance"))
    text = str(e.value)
    assert "table ApprovalRoles: row 3, column Role, cell B3: role 'Finance' may not record a run as Approved" in text
    assert "expected a role listed for Approved: Controller" in text
    ok = recalc_commissions(_carry(_book(roles=roles), first), sign_off=SignOff("Approved", "Cy", "controller", at=T0))
    assert _log(ok)[0]["Role"] == "controller"


def test_steps_go_in_order():
    first = recalc_commissions(_book(), computed_at=T0)
    with pytest.raises(InputError) as e:
        recalc_commissions(_carry(_book(), first), sign_off=SignOff("Paid", "Pat", "Payroll"))
    assert "the run is Draft: it cannot be recorded as Paid" in str(e.value)
    res = _signed(step="Reviewed", by="Sol", role="SalesOps")
    res = recalc_commissions(_carry(_book(), res), sign_off=SignOff("Approved", "Ana", "Finance", at=T0))
    res = recalc_commissions(_carry(_book(), res), sign_off=SignOff("Paid", "Pat", "Payroll", at=T0))
    assert [r["Status"] for r in _log(res)] == ["Reviewed", "Approved", "Paid"]


def test_signing_inputs_changed_since_the_last_recalculation_is_refused():
    first = recalc_commissions(_book(), computed_at=T0)
    edited = _carry(_book(amount_b=25_000), first)
    with pytest.raises(UsageError, match="inputs changed since the last recalculation"):
        recalc_commissions(edited, sign_off=SignOff("Approved", "Ana", "Finance"))


def test_locking_a_month_needs_an_approved_run_of_its_numbers():
    res = _signed()  # January approved
    draft = recalc_commissions(_carry(_book(amount_b=30_000), res))  # numbers changed: Draft
    locking = _carry(_book(amount_b=30_000, locked="2026-01"), draft)
    with pytest.raises(InputError) as e:
        recalc_commissions(locking)
    text = str(e.value)
    assert "table Settings: row 4, column Value, cell B4: locking 2026-01 as paid needs an approved run; the run " \
           "is Draft" in text
    # approve the new numbers, then lock: accepted, and the lock is recorded
    approved = recalc_commissions(_carry(_book(amount_b=30_000), draft),
                                  sign_off=SignOff("Approved", "Ana", "Finance", at=T0))
    locked = recalc_commissions(_carry(_book(amount_b=30_000, locked="2026-01"), approved))
    assert "Paid History" in {sh.name for sh in locked.sheets}
    assert locked.summary["status"] == "Approved"


def test_locking_numbers_that_differ_from_the_approved_ones_is_refused_naming_the_reps():
    res = _signed()
    # the deal of B changes and January is locked in the same edit: B's January differs from what was approved
    with pytest.raises(InputError) as e:
        recalc_commissions(_carry(_book(amount_b=30_000, locked="2026-01"), res))
    assert "locking 2026-01 as paid: the numbers of B differ from the approved run" in str(e.value)


def test_cli_approve_then_recalc_leaves_the_workbook_byte_identical(tmp_path):
    wb = tmp_path / "c.xlsx"
    shutil.copy(TEMPLATES / "commissions.xlsx", wb)
    runner = CliRunner()
    bad = runner.invoke(main, ["approve", str(wb), "--as", "Sam", "--role", "sales"])
    assert bad.exit_code != 0 and "role 'sales' may not record a run as Approved" in bad.output
    assert wb.read_bytes() == (TEMPLATES / "commissions.xlsx").read_bytes()  # nothing written
    ok = runner.invoke(main, ["approve", str(wb), "--as", "Ana Ruiz", "--role", "finance"])
    assert ok.exit_code == 0, ok.output
    assert "run Approved by Ana Ruiz (finance)" in ok.output
    signed = wb.read_bytes()
    again = runner.invoke(main, ["recalc", str(wb)])
    assert again.exit_code == 0, again.output
    assert wb.read_bytes() == signed
