"""The tamper-evident audit trail (docs/commissions.md, "Audit trail")."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from salesops_xl.cli import main
from salesops_xl.commissions import audit
from salesops_xl.commissions.audit import AuditChainError
from salesops_xl.commissions.workflow import recalc_commissions

from helpers import D, TEMPLATES, deal, measure, rep, tiers, workbook


def _book(rate=0.05, amount=10_000):
    return workbook(reps=[rep("A")], tier_rows=tiers("T", (0, 1.0, rate), (1.0, None, 0.10)),
                    deals=[deal("D1", "A", amount, D(2026, 1, 10))])


def _carry(src, res):
    from salesops_xl.source import _columns
    from salesops_xl.tables import RawTable

    for sh in res.sheets:
        for b in sh.tables:
            if b.name in ("RunLog", "AuditLog", "AuditPlanRows"):
                cols, d = _columns({c.name: list(b.data[c.name]) for c in b.columns})
                src._tables[b.name.lower()] = RawTable(name=b.name, columns=cols, data=d, sheet=sh.name,
                                                       workbook="test.xlsx", header_row=1, first_col=0)
    return src


def _entries(res):
    b = next(sh for sh in res.sheets if sh.name == "Audit Log").tables[0]
    return [dict(zip(b.data, row)) for row in zip(*b.data.values())]


@pytest.fixture
def who(monkeypatch):
    monkeypatch.setenv(audit.USER_ENV, "Ana Ruiz")


def test_every_run_appends_a_hash_chained_entry_and_a_rerun_appends_none(who):
    one = recalc_commissions(_book(), computed_at="2026-02-01T09:00:00+00:00")
    (e1,) = _entries(one)
    assert (e1["Seq"], e1["At"], e1["User"], e1["PrevHash"]) == ("1", "2026-02-01T09:00:00+00:00", "Ana Ruiz",
                                                                 "0" * 64)
    assert e1["Totals"] == "USD 500.00"  # 10,000 x 5%
    assert e1["EngineVersion"].startswith("salesops-xl ") and len(e1["InputFingerprint"]) == 64
    # the hash: SHA-256 of the other fields joined by U+001F
    import hashlib
    text = "\x1f".join(e1[c] for c in ("Seq", "At", "User", "EngineVersion", "InputFingerprint", "Totals",
                                       "PlanChanges", "PrevHash"))
    assert e1["Hash"] == hashlib.sha256(text.encode()).hexdigest()
    same = recalc_commissions(_carry(_book(), one))
    assert len(_entries(same)) == 1  # same inputs and results: nothing appended
    two = recalc_commissions(_carry(_book(amount=20_000), same), computed_at="2026-02-02T09:00:00+00:00")
    e = _entries(two)
    assert [x["Seq"] for x in e] == ["1", "2"] and e[1]["PrevHash"] == e[0]["Hash"]
    assert e[1]["Totals"] == "USD 1,000.00" and e[1]["PlanChanges"] == "none"


def test_plan_changes_between_runs_are_listed_by_what_changed(who):
    one = recalc_commissions(_book(), computed_at="2026-02-01T09:00:00+00:00")
    two = recalc_commissions(_carry(_book(rate=0.06), one), computed_at="2026-02-02T09:00:00+00:00")
    assert _entries(two)[1]["PlanChanges"] == "Tiers T/0: Rate 0.05 -> 0.06"
    m = measure()
    m["Threshold"] = 0.5
    src = workbook(reps=[rep("A")], measures=[m], deals=[deal("D1", "A", 80_000, D(2026, 1, 10))])
    three = recalc_commissions(_carry(src, two), computed_at="2026-02-03T09:00:00+00:00")
    change = _entries(three)[2]["PlanChanges"]
    assert "PlanMeasures P/NB: Threshold 0 -> 0.5" in change and "Tiers T/0: Rate 0.06 -> 0.05" in change


@pytest.mark.parametrize("column, value, named, message", [
    ("Totals", "USD 1.00", "Hash", "audit entry 1 was edited: its content no longer matches its Hash"),
    ("PrevHash", "f" * 64, "PrevHash", "audit entry 2 does not follow entry 1"),
])
def test_an_edited_entry_is_named_and_the_run_refused(who, column, value, named, message):
    one = recalc_commissions(_book(), computed_at="2026-02-01T09:00:00+00:00")
    two = recalc_commissions(_carry(_book(amount=20_000), one), computed_at="2026-02-02T09:00:00+00:00")
    src = _carry(_book(amount=30_000), two)
    raw = src._tables["auditlog"]
    row = 0 if column == "Totals" else 1
    raw.data[column] = list(raw.data[column])
    raw.data[column][row] = value
    with pytest.raises(AuditChainError) as e:
        recalc_commissions(src)
    text = str(e.value)
    assert message in text and f"table AuditLog: row {row + 2}, column {named}" in text


def test_a_removed_entry_is_named(who):
    res = recalc_commissions(_book(), computed_at="2026-02-01T09:00:00+00:00")
    for k, amount in enumerate((20_000, 30_000)):
        res = recalc_commissions(_carry(_book(amount=amount), res), computed_at=f"2026-02-0{k + 2}T09:00:00+00:00")
    src = _carry(_book(amount=30_000), res)
    raw = src._tables["auditlog"]
    for c in raw.columns:
        raw.data[c] = [v for i, v in enumerate(raw.data[c]) if i != 1]  # entry 2 removed
    with pytest.raises(AuditChainError) as e:
        recalc_commissions(src)
    assert "entry 2 of the audit log was removed (or moved)" in str(e.value)
    assert "row 3, column Seq" in str(e.value) and 'found "3"' in str(e.value)


def test_cli_audit_verifies_the_shipped_sample_and_names_an_edit(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = tmp_path / "c.xlsx"
    shutil.copy(TEMPLATES / "commissions.xlsx", wb)
    runner = CliRunner()
    ok = runner.invoke(main, ["audit", str(wb)])
    assert ok.exit_code == 0, ok.output
    assert "audit log intact, 2 entries" in ok.output
    book = openpyxl.load_workbook(wb)
    book["Audit Log"]["G2"].value = "nothing changed"  # PlanChanges of entry 1
    book.save(wb)
    bad = runner.invoke(main, ["audit", str(wb)])
    assert bad.exit_code == 1
    assert "sheet 'Audit Log', table AuditLog: row 2, column Hash" in bad.output
    assert "audit entry 1 was edited" in bad.output


def _trail(n=4):
    import pandas as pd

    t = audit.AuditTrail(pd.DataFrame({c: [] for c in audit.COLUMNS}, dtype=object),
                         pd.DataFrame({c: [] for c in audit.PLAN_COLUMNS}, dtype=object), workbook="t.xlsx")
    plan = pd.DataFrame({"Table": ["Tiers"], "Key": ["T/0"], "Row": ["TierTable=T; Rate=0.05"]}, dtype=object)
    for k in range(n):
        t = audit.extend(t, at=f"2026-0{k + 1}-01T00:00:00+00:00", user="u", version="salesops-xl 1",
                         fingerprint=f"{k:064x}", totals=f"USD {k}.00", plan=plan)
    return t


def test_a_trail_built_by_extend_verifies():
    audit.verify(_trail())


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(entry=st.integers(0, 3), column=st.sampled_from(audit.COLUMNS), text=st.text(max_size=12))
def test_any_edit_of_any_field_of_any_entry_is_detected(entry, column, text):
    t = _trail()
    log = t.log.copy()
    if log.at[entry, column] == text:
        return
    log.at[entry, column] = text
    with pytest.raises(AuditChainError):
        audit.verify(audit.AuditTrail(log, t.plan_rows, workbook="t.xlsx"))


@settings(max_examples=20, deadline=None)
@given(entry=st.integers(0, 3))
def test_removing_any_entry_but_the_last_is_detected(entry):
    t = _trail()
    if entry == 3:  # the last entry's removal leaves a valid chain: `audit` compares it with the Run Log instead
        return
    log = t.log.drop(index=entry).reset_index(drop=True)
    with pytest.raises(AuditChainError):
        audit.verify(audit.AuditTrail(log, t.plan_rows, workbook="t.xlsx"))
