"""Commission accounting through the batch door: the sample workbook's accounting sheets, read back by other
tools (openpyxl, pandas), the exports from the command line, and bad input refused with nothing written."""
from __future__ import annotations

import csv
import functools
import hashlib
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from salesops_xl.accounting.schema import ACCOUNTING_SHEETS

from helpers import TEMPLATES

TEMPLATE = TEMPLATES / "commissions.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]


@functools.lru_cache(maxsize=2)
def _book(path: Path):
    return openpyxl.load_workbook(path, read_only=False, data_only=True)


def table(path: Path, name: str) -> pd.DataFrame:
    """An Excel Table read with openpyxl (not our reader), header row and data as they are in the file."""
    wb = _book(path)
    for ws in wb.worksheets:
        if name in ws.tables:
            rows = list(ws[ws.tables[name].ref])
            head = [c.value for c in rows[0]]
            return pd.DataFrame([[c.value for c in r] for r in rows[1:]], columns=head)
    raise KeyError(name)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    return TEMPLATE


def test_the_sample_workbook_holds_the_finance_tables_and_the_accounting_sheets(sample):
    names = openpyxl.load_workbook(sample, read_only=True).sheetnames
    assert {"Finance", "Deal Terms", *ACCOUNTING_SHEETS} <= set(names)
    roll = table(sample, "AssetRollforward")
    for cur, part in roll.groupby("Currency"):
        # every month balances, each opening is the closing before, and capitalised = amortised + written off
        # + closing, in cents
        c = {k: [round(Decimal(str(v)) * 100) for v in part[k]] for k in
             ("Opening", "Capitalised", "Amortised", "WrittenOff", "Closing")}
        for i in range(len(part)):
            assert c["Opening"][i] + c["Capitalised"][i] - c["Amortised"][i] - c["WrittenOff"][i] == c["Closing"][i]
            assert i == 0 or c["Opening"][i] == c["Closing"][i - 1]
        assert sum(c["Capitalised"]) == sum(c["Amortised"]) + sum(c["WrittenOff"]) + c["Closing"][-1]
        assert sum(c["WrittenOff"]) > 0  # the sample has cancelled capitalised deals
    reg = table(sample, "ContractCostRegister")
    assert {"Capitalised", "Expensed (policy)", "Expensed (practical expedient: 12 months or less)"} <= \
        set(reg["Treatment"])
    close = table(sample, "CloseReport")
    summary = table(sample, "PayoutSummary")
    paid = close.groupby("Currency")["Paid"].sum().round(2)
    assert paid.to_dict() == summary.groupby("Currency")["Total"].sum().round(2).to_dict()
    j = table(sample, "JournalEntries")
    by = j.groupby(["Month", "Currency"])[["Debit", "Credit"]].sum().round(2)
    assert (by["Debit"] == by["Credit"]).all() and j["Account"].notna().all()


def test_payroll_and_journal_exports_from_the_command_line_tie_to_payout_summary(sample, tmp_path):
    pay, gl = tmp_path / "pay.csv", tmp_path / "gl.csv"
    before = hashlib.sha256(sample.read_bytes()).hexdigest()
    r = subprocess.run(CLI + ["export", "payroll", str(sample), "--period", "2026-03", "-o", str(pay)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "ties to Payout Summary" in r.stdout and not re.search(r"\d\.\d\d", r.stdout)  # no amounts printed
    r = subprocess.run(CLI + ["export", "journal", str(sample), "--period", "2026-03", "-o", str(gl)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert hashlib.sha256(sample.read_bytes()).hexdigest() == before  # an export never changes the workbook
    summary = table(sample, "PayoutSummary")
    want = {c: round(Decimal(str(v)), 2) for c, v in
            summary[summary.PayMonth == "2026-03"].groupby("Currency")["Total"].sum().items()}
    with open(pay, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    got: dict[str, Decimal] = {}
    for row in rows:
        got[row["Currency"]] = got.get(row["Currency"], Decimal(0)) + Decimal(row["Amount"])
    assert got == want
    assert list(rows[0]) == ["Company", "Employee ID", "Employee Name", "Earning Code", "Currency", "Amount",
                             "Pay Date", "Period"]
    with open(gl, newline="", encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    clearing = {x["Currency"]: Decimal(x["Credit"]) for x in lines if x["AccountName"].startswith("Payroll")}
    assert clearing == want
    assert sum(Decimal(x["Debit"] or 0) for x in lines) == sum(Decimal(x["Credit"] or 0) for x in lines)


def test_two_any_plan_policies_for_one_measure_are_a_duplicate_not_a_crash(sample, tmp_path):
    # a blank PlanID means "any plan": two such rows for NewBusiness leave the policy ambiguous (found by the fuzzer)
    wb = tmp_path / "c.xlsx"
    shutil.copy(sample, wb)
    book = openpyxl.load_workbook(wb)
    ws = book["Finance"]
    blank = [row for row in ws[ws.tables["CapPolicy"].ref][1:] if row[0].value is None]
    blank[1][1].value = blank[0][1].value
    book.save(wb)
    before = wb.read_bytes()
    r = subprocess.run(CLI + ["recalc", str(wb)], capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert (f"sheet 'Finance', table CapPolicy: row {blank[1][0].row}, column PlanID" in r.stderr
            and f'duplicate PlanID + Measure; found "(blank) / {blank[0][1].value}"' in r.stderr), r.stderr
    assert f"first seen on row {blank[0][0].row}" in r.stderr
    assert wb.read_bytes() == before


def test_a_measure_without_a_policy_stops_recalc_and_the_journal_and_nothing_is_written(sample, tmp_path):
    wb = tmp_path / "c.xlsx"
    shutil.copy(sample, wb)
    book = openpyxl.load_workbook(wb)  # edited with openpyxl, as a user's script would (one load and save)
    ws = book["Finance"]
    for row in ws[ws.tables["CapPolicy"].ref]:
        if row[1].value == "Pipeline":
            row[1].value = "Pipelines"  # the SDR plan's Pipeline measure now has no policy
    book.save(wb)
    before = wb.read_bytes()
    r = subprocess.run(CLI + ["recalc", str(wb)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "sheet 'Plans', table PlanMeasures: row" in r.stderr and "column Measure" in r.stderr
    assert 'no CapPolicy row for the deal commission of plan SDR, measure Pipeline; found "Pipeline"' in r.stderr
    assert wb.read_bytes() == before
    out = tmp_path / "gl.csv"
    r = subprocess.run(CLI + ["export", "journal", str(wb), "--period", "2026-03", "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "no CapPolicy row for the deal commission of plan SDR" in r.stderr
    assert not out.exists() and wb.read_bytes() == before
