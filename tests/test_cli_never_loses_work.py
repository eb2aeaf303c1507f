"""The command line never loses work and never hides a mistake (issue 13, item 4).

`template` never overwrites without --force; `statements --rep` with an unknown rep is an error that
names it and writes nothing; `diff` warns when a workbook's inputs changed after its last
recalculation; a usage error exits 2; `statements` shows progress on stderr (-q: none); no command
prints pay amounts without --amounts; counts take the right number ("1 statement").
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from salesops_xl import batch
from salesops_xl.commissions.diff import DiffReport, RepChange
from salesops_xl.words import count

from helpers import TEMPLATES

TEMPLATE = TEMPLATES / "commissions.xlsx"
CLI = [sys.executable, "-m", "salesops_xl.cli"]
#: an amount of money as the commands print it: 1,234.56 / +12.00 / USD 1,428,062
MONEY = re.compile(r"[+-]?\d[\d,]*\.\d\d\b|\b[A-Z]{3} [+-]?\d[\d,]*")


def money_in(text: str):
    """The first amount of money in a command's output (its run time, "(1.23 s)", is not money)."""
    return MONEY.search(re.sub(r"\(\d+\.\d+ s\)", "", text))


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, cwd=cwd)


def edit_deal_amount(path: Path, add: float) -> str:
    """Change one Deals row's Amount in the workbook, as an analyst would, without recalculating; its DealID."""
    from salesops_xl.commissions.sample import sample_tables
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    tables = sample_tables()
    deals = tables["Deals"]
    target = deals.index[(deals.RepID == "R002") & (deals.SplitPct == 1.0)
                         & deals.CloseDate.map(lambda c: c.month == 9)][0]
    deals.loc[target, "Amount"] += add
    write_sheets(path, path, [s for s in commission_input_sheets(tables) if s.name == "Deals"])
    return str(deals.loc[target, "DealID"])


# -- template --------------------------------------------------------------------------------------

def test_template_without_output_never_overwrites_the_workbook_there(tmp_path: Path):
    # before: `salesops-xl template quotas` silently replaced workbooks/quotas.xlsx (a user's sheets lost, exit 0)
    mine = tmp_path / "workbooks" / "quotas.xlsx"
    mine.parent.mkdir()
    mine.write_bytes(b"my own workbook, with my own sheets")
    for args in (["template", "quotas"], ["template"]):  # one kind, and every kind: nothing written at all
        r = cli(*args, cwd=tmp_path)
        assert r.returncode == 2, r.stderr
        assert "workbooks/quotas.xlsx exists; nothing was written" in r.stderr and "--force" in r.stderr
        assert mine.read_bytes() == b"my own workbook, with my own sheets"
        assert sorted(p.name for p in mine.parent.iterdir()) == ["quotas.xlsx"]


def test_template_with_force_overwrites(tmp_path: Path):
    mine = tmp_path / "workbooks" / "quotas.xlsx"
    mine.parent.mkdir()
    mine.write_bytes(b"old")
    r = cli("template", "quotas", "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert mine.read_bytes() == (TEMPLATES / "quotas.xlsx").read_bytes()
    assert r.stdout.strip() == "wrote workbooks/quotas.xlsx"


def test_template_to_an_existing_output_needs_force(tmp_path: Path):
    out = tmp_path / "mine.xlsx"
    out.write_bytes(b"mine")
    r = cli("template", "quotas", "-o", out)
    assert r.returncode == 2 and "mine.xlsx exists" in r.stderr
    assert out.read_bytes() == b"mine"


# -- usage errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["recalc", "{wb}", "--kind", "nonsense"],  # exited 3 before: an unknown kind was taken for a file problem
    ["validate", "{wb}", "--kind", "nonsense"],
    ["template", "nonsense"],
    ["schema", "--kind", "nonsense"],
    ["statements", "{wb}", "--out", "{tmp}/st", "--jobs", "0"],
    ["recalc", "{wb}", "-o", "{tmp}/out.xlsm"],  # exited 3: the request is wrong, not the file
    ["recalc", "{wb}", "-o", "{tmp}/out.csv"],
    ["template", "quotas", "-o", "{tmp}/out.csv"],  # before: an .xlsx package written under a .csv name
])
def test_a_usage_error_exits_2_and_names_the_choices(tmp_path: Path, args):
    wb = tmp_path / "c.xlsx"
    shutil.copy(TEMPLATE, wb)
    before = wb.read_bytes()
    r = cli(*[a.format(wb=wb, tmp=tmp_path) for a in args])
    assert r.returncode == 2, (r.returncode, r.stderr)
    if "nonsense" in args:
        assert "'nonsense' is not one of 'commissions', 'quotas', 'territories', 'forecast'" in r.stderr
    if "-o" in args:
        assert "the output must keep the input's extension (.xlsx)" in r.stderr or \
            "out.csv: a template is an .xlsx workbook" in r.stderr
    assert wb.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["c.xlsx"]


# -- statements: unknown reps, progress, counts ------------------------------------------------------

@pytest.mark.parametrize("reps", [["NOBODY"], ["R008", "NOBODY", "M01"]])
def test_statements_for_an_unknown_rep_is_an_error_naming_it_and_writes_nothing(tmp_path: Path, reps):
    # before: exit 0, "wrote 0 statements" (alone) or the unknown rep silently dropped (among known ones)
    args = [a for r in reps for a in ("--rep", r)]
    r = cli("statements", TEMPLATE, "--out", tmp_path / "st", *args)
    assert r.returncode == 1, r.stderr
    assert 'no such rep: no statement to write; found "NOBODY"; expected a RepID of the Roster' in r.stderr
    assert "1 problem in the input; nothing was written" in r.stderr
    assert not (tmp_path / "st").exists()
    assert r.stdout == ""


def test_an_unknown_rep_that_differs_in_case_is_offered_its_spelling(sample_result):
    from salesops_xl.commissions.statements import select_reps
    from salesops_xl.errors import InputError

    with pytest.raises(InputError) as e:
        select_reps(sample_result, ["R008", "r008", "M01", "R0O8"])
    text = str(e.value)
    assert '"r008"; expected a RepID of the Roster (did you mean R008?)' in text
    assert '"R0O8"; expected a RepID of the Roster (did you mean R' in text  # a typo: the nearest ids
    assert len(e.value.problems) == 2
    assert select_reps(sample_result, ["M01", "R008"]) == [r for r in select_reps(sample_result)
                                                           if r in ("M01", "R008")]


def test_statements_progress_goes_to_stderr_and_quiet_silences_it(tmp_path: Path):
    r = cli("statements", TEMPLATE, "--out", tmp_path / "a", "--rep", "R008")
    assert r.returncode == 0, r.stderr
    assert "statements: 1/1" in r.stderr  # not a terminal: a line per stage (at the end, or every few seconds)
    assert re.fullmatch(r"wrote 1 statement to \S+ \(\d+\.\d s\)\n", r.stdout), r.stdout  # not "1 statements"
    q = cli("statements", TEMPLATE, "--out", tmp_path / "b", "--rep", "R008", "--rep", "M01", "-q")
    assert q.returncode == 0 and q.stdout == "" and "statements:" not in q.stderr
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["statement_M01.xlsx", "statement_R008.xlsx"]


def test_progress_is_reported_as_statements_are_written_in_parallel(tmp_path: Path, sample_result):
    from salesops_xl.batch.statements import write_statements

    seen: list[tuple[str, int, int]] = []
    rep = write_statements(sample_result, tmp_path, jobs=2, progress=lambda *a: seen.append(a))
    assert len(rep.workbooks) == 51
    done = [d for stage, d, t in seen if stage == "statements"]
    assert done[0] == 0 and done[-1] == 51 and done == sorted(done) and len(done) > 2  # in steps, not one jump
    assert {t for _, _, t in seen} == {51}


@pytest.mark.libreoffice
def test_pdf_progress_counts_the_pdfs_written(tmp_path: Path, sample_result, libreoffice):
    from salesops_xl.batch.statements import write_statements

    seen: list[tuple[str, int, int]] = []
    rep = write_statements(sample_result, tmp_path, reps=["R008", "M01"], pdf=True,
                           progress=lambda *a: seen.append(a))
    assert sorted(p.name for p in rep.pdfs) == ["statement_M01.pdf", "statement_R008.pdf"]
    pdf = [(d, t) for stage, d, t in seen if stage == "PDFs"]
    assert pdf[0] == (0, 2) and pdf[-1] == (2, 2)


# -- diff -------------------------------------------------------------------------------------------

def test_diff_warns_when_a_workbooks_inputs_changed_since_its_last_recalculation(tmp_path: Path):
    # before: "+0.00 because: Deals: D-10002 changed", silently comparing the old payouts
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    shutil.copy(TEMPLATE, old)
    shutil.copy(TEMPLATE, new)
    deal = edit_deal_amount(new, 10_000)
    r = cli("diff", old, new)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^warning: new\.xlsx: its inputs changed since its last recalculation", r.stderr, re.M)
    assert f"salesops-xl recalc {new}" in r.stderr
    assert "old.xlsx" not in r.stderr
    assert f"because: Deals: {deal} / R002 changed (Amount)" in r.stdout
    batch.recalc(new)
    r = cli("diff", old, new)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert "2026-09 Commission: up" in r.stdout


def test_diff_warns_when_the_changed_inputs_now_have_problems(tmp_path: Path):
    from salesops_xl.commissions.sample import sample_tables
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    new = tmp_path / "new.xlsx"
    shutil.copy(TEMPLATE, new)
    tables = sample_tables()
    deals = tables["Deals"]  # a deal no dispute refers to, so the one unknown rep is the one problem
    tables["Deals"].loc[deals.index[~deals["DealID"].isin(tables["Disputes"]["DealID"])][3], "RepID"] = "NOBODY"
    write_sheets(new, new, [s for s in commission_input_sheets(tables) if s.name == "Deals"])
    r = cli("diff", TEMPLATE, new)
    assert r.returncode == 0, r.stderr
    assert "warning: new.xlsx: its inputs changed since its last recalculation and now have 1 problem " \
           f"(salesops-xl validate {new})" in r.stderr


def test_diff_prints_no_pay_amounts_without_amounts(tmp_path: Path):
    old, new = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    shutil.copy(TEMPLATE, old)
    shutil.copy(TEMPLATE, new)
    edit_deal_amount(new, 10_000)
    batch.recalc(new)
    plain = cli("diff", old, new)
    assert plain.returncode == 0, plain.stderr
    assert "R002" in plain.stdout and "year total changed" in plain.stdout
    assert not money_in(plain.stdout), plain.stdout
    shown = cli("diff", old, new, "--amounts")
    assert re.search(r"^R002 .*: total [\d,.]+ -> [\d,.]+ \(\+[\d,.]+\)$", shown.stdout, re.M)
    assert "2026-09 Commission: +" in shown.stdout


def test_diff_for_an_unknown_rep_is_an_error_naming_it():
    # before: `diff --rep NOBODY` printed the header and nothing else, exit 0
    r = cli("diff", TEMPLATE, TEMPLATE, "--rep", "R008", "--rep", "NOBODY")
    assert r.returncode == 1, r.stderr
    assert 'no such rep in either workbook; found "NOBODY"' in r.stderr and r.stdout == ""
    assert cli("diff", TEMPLATE, TEMPLATE, "--rep", "R008").returncode == 0


def test_diff_counts_reps_in_the_right_number():
    one = RepChange(rep="R1", name="Ann", currency="USD", old_total=100, new_total=250,
                    months=[("2026-01", "Commission", 150)], causes=["Deals: D1 / R1 changed (Amount)"])
    report = DiffReport(old="a.xlsx", new="b.xlsx", changes=[one], plan_changes=[])
    assert report.text().splitlines() == [
        "a.xlsx -> b.xlsx: 1 rep with changes",  # was "1 reps with changes"
        "R1 Ann (USD): year total changed",
        "    2026-01 Commission: up",
        "    because: Deals: D1 / R1 changed (Amount)",
    ]
    assert report.text(amounts=True).splitlines()[1:3] == ["R1 Ann (USD): total 1.00 -> 2.50 (+1.50)",
                                                           "    2026-01 Commission: +1.50"]
    two = DiffReport(old="a.xlsx", new="b.xlsx", changes=[one, one], plan_changes=[])
    assert two.text().startswith("a.xlsx -> b.xlsx: 2 reps with changes")


# -- whatif -----------------------------------------------------------------------------------------

def test_whatif_prints_the_expected_cost_only_with_amounts(tmp_path: Path):
    wb = tmp_path / "w.xlsx"
    shutil.copy(TEMPLATE, wb)
    plain = cli("whatif", wb, "-o", tmp_path / "a.xlsx")
    assert plain.returncode == 0, plain.stderr
    assert "simulated 2,000 years of commission cost" in plain.stdout
    assert not money_in(plain.stdout), plain.stdout  # before: "expected cost EUR 413,559, GBP ..."
    shown = cli("whatif", wb, "-o", tmp_path / "b.xlsx", "--amounts")
    assert re.search(r"expected cost EUR [\d,]+, GBP [\d,]+, USD [\d,]+", shown.stdout), shown.stdout


def test_count_takes_the_number_of_its_noun():
    assert [count(n, "statement") for n in (0, 1, 2, 5000)] == ["0 statements", "1 statement", "2 statements",
                                                                 "5,000 statements"]
    assert count(1, "PDF") == "1 PDF" and count(3, "PDF") == "3 PDFs"
    assert count(1, "person", "people") == "1 person" and count(2, "person", "people") == "2 people"


@pytest.fixture(scope="module")
def sample_result():
    from salesops_xl.commissions.engine import compute
    from salesops_xl.commissions.inputs import load_inputs
    from salesops_xl.xlsx.reader import XlsxSource

    with XlsxSource(TEMPLATE) as src:
        return compute(load_inputs(src))
