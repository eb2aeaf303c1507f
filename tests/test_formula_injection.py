"""Text from inputs is written as text, never as a formula: in workbooks, statements and CSV exports."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from salesops_xl.safety import csv_safe, neutralise

CLI = [sys.executable, "-m", "salesops_xl.cli"]
NASTY = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(1,1)", "=cmd|' /C calc'!A0"]


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory) -> Path:
    from salesops_xl.commissions.sample import sample_tables
    from salesops_xl.commissions.template import commission_input_sheets
    from salesops_xl.xlsx.writer import write_sheets

    t = sample_tables()
    ros = t["Roster"]
    ros.loc[ros.RepID == "R001", "RepName"] = NASTY[0]
    deals = t["Deals"]
    deals.loc[deals.index[:5], "Product"] = NASTY
    t["Adjustments"].loc[0, "Description"] = NASTY[2]
    t["Spifs"].loc[0, "Description"] = NASTY[3]
    p = tmp_path_factory.mktemp("inject") / "poisoned.xlsx"
    write_sheets(None, p, commission_input_sheets(t))
    subprocess.run(CLI + ["recalc", "-q", str(p)], check=True)
    return p


def test_no_output_cell_is_a_formula(poisoned: Path):
    from salesops_xl.xlsx.package import Package

    outputs = ("Payouts", "Payout Summary", "Statement Lines", "Draws", "Dashboard", "Run Log", "Paid History")
    with Package(poisoned) as pkg:
        found = 0
        for s in pkg.sheets:
            if s.name not in outputs:
                continue
            xml = pkg.read(s.part).decode()
            assert "<f>" not in xml and "<f " not in xml, f"a formula on {s.name}"
            found += sum(xml.count(re.sub("&", "&amp;", x).replace('"', "&quot;")) for x in NASTY)
            found += sum(xml.count(x.replace("&", "&amp;")) for x in NASTY)
    assert found > 0  # the nasty texts are there, as text


def test_statements_keep_the_text_as_text(poisoned: Path, tmp_path: Path):
    subprocess.run(CLI + ["statements", str(poisoned), "--out", str(tmp_path), "--rep", "R001"], check=True)
    with zipfile.ZipFile(tmp_path / "statement_R001.xlsx") as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert all("<f>" not in x for x in sheets)
    assert any("HYPERLINK" in x for x in sheets)


@pytest.mark.libreoffice
def test_libreoffice_shows_the_literal_text(poisoned: Path, libreoffice):
    import python_calamine as pc

    (out,) = libreoffice([poisoned], "xlsx")
    book = pc.CalamineWorkbook.from_path(str(out), load_tables=True)
    t = book.get_table_by_name("PayoutSummary")
    names = {r[t.columns.index("RepName")] for r in t.to_python()}
    assert NASTY[0] in names  # not evaluated into a link or a number


def test_csv_exports_neutralise_formula_text(tmp_path: Path):
    import pandas as pd

    frame = pd.DataFrame({"RepName": NASTY + ["plain", "-"], "Amount": [1.0] * 7})
    out = tmp_path / "x.csv"
    csv_safe(frame).to_csv(out, index=False)
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@")), row
    assert neutralise("plain") == "plain" and neutralise(3.5) == 3.5 and neutralise("'=x") == "'=x"


def test_diff_csv_is_neutralised(poisoned: Path, tmp_path: Path):
    out = tmp_path / "d.csv"
    tmpl = Path(__file__).resolve().parent.parent / "workbooks" / "commissions.xlsx"
    r = subprocess.run(CLI + ["diff", str(tmpl), str(poisoned), "--csv", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "=HYPERLINK" not in re.sub(r"'=HYPERLINK", "", text)


@pytest.mark.parametrize("kind", ["commissions", "quotas", "territories", "forecast"])
def test_the_cli_prints_no_amounts_unless_asked(tmp_path: Path, kind):
    """Logs of scheduled runs carry no money: `recalc` and `run` print counts; the amounts only with --amounts."""
    import shutil

    from helpers import TEMPLATES

    wb = tmp_path / f"{kind}.xlsx"
    shutil.copy(TEMPLATES / f"{kind}.xlsx", wb)

    def said(*args) -> str:  # the headline, without the path and the seconds
        p = subprocess.run(CLI + list(args), capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return p.stdout.rsplit(" (", 1)[0].split(": ", 1)[1]

    full = said("recalc", "--amounts", str(wb))
    for plain in (said("recalc", str(wb)), said("run", f"{kind}.recalc", str(wb)).split(": ", 1)[1]):
        assert full.startswith(plain)
        extra = full[len(plain):]
        amounts = re.findall(r"\d{1,3}(?:,\d{3})+(?:\.\d\d)?", extra)  # 1,567,429 / 14,000,000.00
        assert all(a not in plain for a in amounts), f"{plain!r} shows an amount of {extra!r}"
        if kind != "territories":  # alignment and routing have no money totals
            assert amounts, f"--amounts printed no amount: {full!r}"
