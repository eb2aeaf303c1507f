"""Input tables from CSV and Parquet files (a file per table, a folder, a sources file), results to Parquet:
the same numbers to the cent as the workbook's own tables, errors naming the file, results all or nothing.
(SQL sources and results: tests/test_sources_sql.py.)"""
from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import sources_data as sd
from salesops_xl.batch import results as R
from salesops_xl.commissions.outputs import run_results
from salesops_xl.cli import main
from salesops_xl.errors import InputError, ResultsError, SourceError, UsageError, WorkbookError
from salesops_xl.sources import CompositeSource, table_specs


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every input table of the sample as CSV in csv/, as Parquet in parquet/ (Deals' Amount as a decimal)."""
    root = tmp_path_factory.mktemp("exported")
    (root / "csv").mkdir()
    (root / "parquet").mkdir()
    for name, frame in sd.input_frames().items():
        sd.write_csv(frame, root / "csv" / f"{name}.csv")
        sd.write_parquet(frame, root / "parquet" / f"{name}.parquet", decimals=("Amount",) if name == "Deals" else ())
    return root


def run_with(specs):
    """A commission run whose workbook lacks every table ``specs`` names: they can only come from there."""
    return sd.run_commissions(CompositeSource(sd.Without(specs), specs))


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_folder_of_files_gives_the_workbooks_numbers(exported, kind):
    folder = exported / kind
    specs = table_specs(tables_from=folder)
    assert len(specs) == len(sd.input_frames()) >= 15  # every input table comes from the folder
    assert set(specs) == set(sd.input_frames())  # named as the schema spells them
    sd.same_numbers(run_with(specs), sd.workbook_result())


def test_tables_named_one_by_one_and_a_sources_file_give_the_workbooks_numbers(exported, tmp_path):
    # --table over a sources file over a folder: Deals from Parquet (--table), Quotas and Roster from CSV
    # (sources file, paths relative to the file), the rest from the CSV folder
    src = tmp_path / "sources.toml"
    src.write_text(f'[tables]\nQuotas = "{exported}/csv/Quotas.csv"\nRoster = {{path = "roster.csv"}}\n'
                   'Deals = "nowhere.csv"\n', encoding="utf-8")
    shutil.copy(exported / "csv" / "Roster.csv", tmp_path / "roster.csv")
    specs = table_specs([f"Deals={exported}/parquet/Deals.parquet"], src, exported / "csv")
    assert specs["Deals"].kind == "parquet" and specs["Roster"].path == tmp_path.resolve() / "roster.csv"
    sd.same_numbers(run_with(specs), sd.workbook_result())


def test_the_cli_reads_tables_from_files_and_writes_results_to_parquet(exported, tmp_path):
    wb = tmp_path / "run.xlsx"
    shutil.copy(sd.SAMPLE, wb)
    out = tmp_path / "results"
    args = ["recalc", str(wb), "--table", f"Deals={exported}/parquet/Deals.parquet", "--tables-from",
            str(exported / "csv"), "--results", str(out), "-q"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    ref = sd.workbook_result()
    payouts = pq.read_table(out / "payouts.parquet")
    assert payouts.schema.field("Payable").type == pa.decimal128(18, 2)
    # exact to the cent: the decimals are the engine's cents / 100, row by row
    assert payouts.column("Payable").to_pylist() == [Decimal(int(c)).scaleb(-2) for c in ref.payouts["Payable"]]
    lines = pq.read_table(out / "statement_lines.parquet")
    summary = pq.read_table(out / "payout_summary.parquet")
    assert len(lines) == len(ref.lines) and len(summary) == len(ref.summary)
    assert sum(lines.column("Amount").to_pylist()) == sum(summary.column("Total").to_pylist())
    assert set(lines.column("RunKey").to_pylist()) == {"run.xlsx"}
    runs = pq.read_table(out / "runs.parquet").to_pylist()
    assert runs[0]["RunKey"] == "run.xlsx" and len(runs[0]["InputFingerprint"]) == 64
    # the workbook still gets its sheets (its Payouts table read back holds the run's payables)
    from salesops_xl.xlsx.reader import XlsxSource

    with XlsxSource(wb) as src:
        got = np.round(np.asarray(src.read("Payouts").data["Payable"], dtype=float) * 100).astype(np.int64)
    assert (got == ref.payouts["Payable"].to_numpy()).all()
    # a rerun replaces the files: same tables, nothing left over
    before = {p.name: pq.read_table(p) for p in out.iterdir()}
    first = wb.read_bytes()
    assert CliRunner().invoke(main, args).exit_code == 0
    assert wb.read_bytes() == first  # recalculating unchanged sources gives back the same workbook
    after = {p.name: pq.read_table(p) for p in out.iterdir()}
    assert sorted(after) == sorted(before) == ["payout_summary.parquet", "payouts.parquet", "runs.parquet",
                                                "statement_lines.parquet"]
    assert all(after[k].equals(before[k]) for k in after)


# ---------------------------------------------------------------------------------------------------------
# bad input: each a clear error naming the source


def problems_of(specs) -> str:
    with pytest.raises(InputError) as e:
        run_with(specs)
    return str(e.value)


def test_a_missing_or_unreadable_source_is_named(exported, tmp_path):
    with pytest.raises(SourceError, match=r"nope\.csv: no such file \(the source of table Deals\)"):
        run_with(table_specs(["Deals=" + str(tmp_path / "nope.csv")]))
    bad = tmp_path / "deals.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SourceError, match=r"deals\.parquet: cannot be read as a Parquet file"):
        run_with(table_specs([f"Deals={bad}"]))
    (tmp_path / "both").mkdir()
    shutil.copy(exported / "parquet" / "Deals.parquet", tmp_path / "both" / "deals.parquet")
    (tmp_path / "both" / "notes.csv").write_text("not,a,table\n")  # not named after an input table: left alone
    assert list(table_specs(tables_from=tmp_path / "both", tables=[f"Deals={bad}"])) == ["Deals"]
    shutil.copy(exported / "csv" / "Deals.csv", tmp_path / "both" / "deals.csv")
    with pytest.raises(SourceError, match=r"both deals\.csv and deals\.parquet name table Deals"):
        table_specs(tables_from=tmp_path / "both")
    with pytest.raises(UsageError, match=r"--table Deal=x\.csv: no input table is called Deal \(did you mean Deals"):
        table_specs(["Deal=x.csv"])
    # through the CLI: exit 3 (the file cannot be used), the source named, the workbook untouched
    wb = tmp_path / "run.xlsx"
    shutil.copy(sd.SAMPLE, wb)
    r = CliRunner().invoke(main, ["recalc", str(wb), "--table", "Deals=" + str(tmp_path / "nope.csv")])
    assert r.exit_code == 3 and "nope.csv: no such file" in r.output
    assert wb.read_bytes() == sd.SAMPLE.read_bytes()
    assert issubclass(SourceError, WorkbookError)


def test_csv_errors_name_the_file_its_line_and_column(exported, tmp_path):
    frame = sd.input_frames()["Deals"].astype(object)
    frame.loc[0, "Product"] = "two\nlines"  # a quoted value over two lines: the lines below count it
    frame.loc[2, "Amount"] = "1,200.50"
    frame.loc[3, "CloseDate"] = "03/01/2026"
    path = sd.write_csv(frame, tmp_path / "deals.csv")
    text = problems_of(table_specs([f"Deals={path}"]))
    # header line 1, row 0 on lines 2-3, row 2 on line 5, row 3 on line 6
    assert ('deals.csv, table Deals: line 5, column Amount: not a plain number (write it as 1234.56: no thousands '
            'separator or currency sign); found "1,200.50"; expected an amount (a number)') in text
    assert ('deals.csv, table Deals: line 6, column CloseDate: not a date written YYYY-MM-DD; found "03/01/2026"; '
            'expected a date (written YYYY-MM-DD, or a date column)') in text
    assert "cell" not in text and "sheet" not in text
    sd.write_csv(frame.drop(columns=["Amount"]), path)
    assert "deals.csv, table Deals: line 1: required column 'Amount' is missing" in \
        problems_of(table_specs([f"Deals={path}"]))


def test_checks_across_rows_count_lines_in_a_csv_and_row_indexes_in_parquet(tmp_path):
    """A deal's rows that disagree, a split that does not add up and a rep missing from the Roster are named by
    where the user finds them: a CSV's lines (the header is line 1), a Parquet file's row indexes (from 0)."""
    frame = sd.input_frames()["Deals"].copy()
    frame.loc[1, "DealID"] = frame.loc[0, "DealID"]  # rows 0 and 1 are now one deal at 100% + 100%
    frame.loc[4, "RepID"] = frame.loc[5, "RepID"] = "NOBODY"
    csv = problems_of(table_specs([f"Deals={sd.write_csv(frame, tmp_path / 'deals.csv')}"]))
    # rows 0, 1, 4, 5 on lines 2, 3, 6, 7
    assert "deals.csv, table Deals: line 2, column SplitPct: the splits of deal D-10001 total 200.0000% over its " \
           "lines 2 (100%), 3 (100%)" in csv
    assert "the same CloseDate as line 2" in csv
    assert "line 6, column RepID: unknown rep (also on lines 7: 2 lines in all)" in csv
    pq_text = problems_of(table_specs([f"Deals={sd.write_parquet(frame, tmp_path / 'deals.parquet')}"]))
    assert "over its row indexes 0 (100%), 1 (100%)" in pq_text
    assert "unknown rep (also on row indexes 5: 2 row indexes in all)" in pq_text
    assert "found 2026-03-24; expected the same CloseDate as line 2 (2026-01-21)" in csv  # dates as dates
    deals_lines = [line for line in (csv + pq_text).splitlines() if "table Deals:" in line]
    assert not [line for line in deals_lines if re.search(r"\brows? \d", line)]  # no numbered "row" left


def test_parquet_type_mismatch_and_values_name_the_file_and_row_index(tmp_path):
    frame = sd.input_frames()["Deals"].copy()
    as_text = frame.assign(Amount=frame["Amount"].map(repr).astype(object))
    path = sd.write_parquet(as_text, tmp_path / "deals.parquet")
    with pytest.raises(SourceError, match=r"deals\.parquet: column Amount is stored as string; table Deals needs "
                                          r"numbers \(an integer, floating-point or decimal column\)"):
        run_with(table_specs([f"Deals={path}"]))
    frame.loc[3, "SplitPct"] = -0.5
    sd.write_parquet(frame, path)
    assert ("deals.parquet, table Deals: row index 3, column SplitPct: negative; found -0.5"
            in problems_of(table_specs([f"Deals={path}"])))


# ---------------------------------------------------------------------------------------------------------
# results to Parquet: all or nothing


def test_parquet_results_are_all_or_nothing(tmp_path, monkeypatch):
    result = sd.workbook_result()
    out = tmp_path / "results"
    R.write_results(run_results(result), out, run_key="first.xlsx")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    real_write = R._write_table

    def fail_on_lines(pq_, table, path):  # the disk fills up on the third file
        if ".statement_lines." in Path(path).name:
            raise OSError(28, "No space left on device")
        real_write(pq_, table, path)

    monkeypatch.setattr(R, "_write_table", fail_on_lines)
    with pytest.raises(ResultsError, match="No space left on device.*no file there was changed"):
        R.write_results(run_results(result), out, run_key="second.xlsx")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temp file left, nothing replaced
    monkeypatch.setattr(R, "_write_table", real_write)

    import os as _os
    real_replace, calls = _os.replace, []

    def fail_third_rename(a, b):  # a rename onto its final name fails after two succeeded
        calls.append(b)
        if str(a).endswith(".parquet.tmp") and sum(str(x).endswith("statement_lines.parquet") for x in calls) == 1 \
                and str(b).endswith("statement_lines.parquet"):
            raise OSError(5, "Input/output error")
        return real_replace(a, b)

    monkeypatch.setattr(R.os, "replace", fail_third_rename)
    with pytest.raises(ResultsError, match="Input/output error"):
        R.write_results(run_results(result), out, run_key="second.xlsx")
    monkeypatch.setattr(R.os, "replace", real_replace)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_sources_files_and_specs_that_cannot_be_used_say_why(tmp_path):
    bad = tmp_path / "sources.toml"
    bad.write_text("[tables\nDeals = 'x.csv'\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"sources\.toml: not a valid sources file \(TOML\)"):
        table_specs(sources_file=bad)
    bad.write_text("[tables]\nDeals = { url = 'sqlite:///ops.db' }\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"sources\.toml: .*expected \{path = \"FILE\"\}"):
        table_specs(sources_file=bad)
    with pytest.raises(SourceError, match=r"nothing\.toml: no such sources file"):
        table_specs(sources_file=tmp_path / "nothing.toml")
    with pytest.raises(UsageError, match=r"name a table \(\?table=NAME\) or a query \(\?query=SELECT \.\.\.\), one"):
        table_specs(["Deals=sqlite:///ops.db?table=deals&query=SELECT 1"])
    with pytest.raises(UsageError, match=r"deals\.xlsx: a table source is a \.csv or \.parquet file or a database URL"):
        table_specs(["Deals=deals.xlsx"])
    (tmp_path / "deals.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"deals\.csv: the file is empty; expected a header line"):
        run_with(table_specs([f"Deals={tmp_path / 'deals.csv'}"]))


def test_a_plain_csv_is_read_by_pandas_parser_exactly_as_by_the_csv_module(exported, tmp_path):
    from salesops_xl import sources

    for name in ("Deals", "Roster", "Quotas"):
        path = exported / "csv" / f"{name}.csv"
        fast, slow = sources._csv_simple(path), sources._csv_records(path, path.name)
        if fast is None:  # a quoted value: only the csv module reads it
            assert b'"' in path.read_bytes()
            continue
        assert fast[0] == slow[0] and fast[1] == slow[1] and (fast[3] == slow[3]).all()
        for a, b in zip(fast[2], slow[2]):
            assert a.tolist() == b.tolist()
    # a short row is padded with empty fields; a longer one goes to the csv module, which names its line
    plain = tmp_path / "deals.csv"
    plain.write_text("DealID,RepID,Amount\nD1,R1,10\nD2,R2\n", encoding="utf-8")
    header, start, cols, lines = sources._csv_simple(plain)
    assert cols[2].tolist() == ["10", ""] and lines.tolist() == [2, 3]
    plain.write_text("DealID,RepID,Amount\nD1,R1,10\nD2,R2,5,oops\n", encoding="utf-8")
    assert sources._csv_simple(plain) is None
    with pytest.raises(SourceError, match=r"deals\.csv: line 3 has 4 values, the header \(line 1\) names 3 columns"):
        run_with(table_specs([f"Deals={plain}"]))
