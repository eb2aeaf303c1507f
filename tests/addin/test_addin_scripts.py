"""The scripts (ribbon buttons, xlwings Lite scripts) run against the real template workbooks.

* through the workbook interface of the CLI (the file door: ``salesops-xl run SCRIPT_ID FILE``),
  including idempotence: a second run gives back the identical file;
* through the xlwings Book door, on a stand-in of xlwings' object model loaded from the same
  template (tests/addin/addin_xwmodel.py says what it models; the real remote engine is the opt-in
  test_addin_remote_engine.py), in its desktop and its xlwings Lite flavour: every table the script
  writes holds the same values as through the file door, with one range write per table, and no
  sheet the script does not own changes.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys

import pytest
from addin_xwmodel import Book, ErrorCell, Formula, SnapshotError
from click.testing import CliRunner
from addin_testlib import ROOT, table_rows

from salesops_xl.addin import scripts
from salesops_xl.addin.book import BookSource, write_book
from salesops_xl.capabilities import all_capabilities
from salesops_xl.cli import main
from salesops_xl.errors import InputError, WorkbookError
from salesops_xl.xlsx.reader import XlsxSource

CAPS = [c.name for c in all_capabilities()]
SCRIPT_IDS = [s.id for s in scripts.all_scripts()]
RECALCS = {f"{c}.recalc" for c in CAPS}
# every script in xlwings Lite's flavour (the stricter: a snapshot); the recalculations in the desktop one too
BOOK_RUNS = [(sid, "lite") for sid in SCRIPT_IDS] + [(sid, "desktop") for sid in SCRIPT_IDS if sid in RECALCS]
FIXED = "2026-06-30T12:00:00+00:00"
_FILE_RUNS: dict[str, tuple] = {}
_MODELS: dict = {}


def target_of(script_id: str, templates, tmp_path_factory) -> tuple:
    """(input file, output file, report) of the script run on the first template it applies to.

    A script applies to the workbook of its own capability first; one that works on another kind of
    workbook (e.g. a hand-off from quotas into a commission workbook) is tried on every template.
    """
    if script_id not in _FILE_RUNS:
        own = scripts.capability_of(script_id)
        order = ([own.name] if own else []) + [c for c in CAPS if not own or c != own.name]
        failures = []
        for cap in order:
            path = tmp_path_factory.mktemp("run") / templates[cap].name
            shutil.copyfile(templates[cap], path)
            try:
                rep = scripts.run_on_file(script_id, path, computed_at=FIXED)
            except (InputError, WorkbookError) as e:
                failures.append(f"{cap}: {str(e).splitlines()[0]}")
                continue
            _FILE_RUNS[script_id] = (templates[cap], path, rep)
            break
        else:
            # e.g. a hand-off between two kinds of workbook needs a workbook holding both: merge the templates
            for cap in order:
                merged = merged_workbook(cap, templates, tmp_path_factory.mktemp("merged"))
                path = tmp_path_factory.mktemp("run") / merged.name
                shutil.copyfile(merged, path)
                try:
                    rep = scripts.run_on_file(script_id, path, computed_at=FIXED)
                except (InputError, WorkbookError) as e:
                    failures.append(f"{cap} + the other templates' tables: {str(e).splitlines()[0]}")
                    continue
                _FILE_RUNS[script_id] = (merged, path, rep)
                break
            else:
                pytest.fail(f"script {script_id} runs on no template workbook: " + "; ".join(failures))
    return _FILE_RUNS[script_id]


def merged_workbook(cap: str, templates, folder):
    """The template of ``cap`` plus, on sheets of their own, the input tables of every other template."""
    import numpy as np

    from salesops_xl.sheets import Column, SheetSpec, TableBlock
    from salesops_xl.xlsx.writer import write_sheets

    path = folder / templates[cap].name
    with XlsxSource(templates[cap]) as own:
        taken = {t.lower() for t in own.table_names()}
        sheets_taken = {s.name for s in own.pkg.sheets}
    specs: dict[str, list] = {}
    sheet_of: dict[tuple[str, str], str] = {}
    for other in CAPS:
        if other == cap:
            continue
        schema_names = {t.name.lower() for c in all_capabilities() if c.name == other for t in c.input_tables}
        with XlsxSource(templates[other]) as src:
            for name in src.table_names():
                if name.lower() in taken or name.lower() not in schema_names:
                    continue
                raw = src.read(name)
                cols, data = [], {}
                for c in raw.columns:
                    values = [None if v == "" else v for v in raw.data[c]]
                    kinds = {type(v) for v in values if v is not None}
                    if kinds and kinds <= {dt.date, dt.datetime}:
                        kind, arr = "date", np.array([np.datetime64(v, "D") if v is not None else np.datetime64("NaT")
                                                      for v in values], dtype="datetime64[D]")
                    elif kinds and kinds <= {float, int}:
                        kind, arr = "number", np.array([np.nan if v is None else v for v in values], dtype=float)
                    else:
                        kind, arr = "text", np.array([None if v is None else str(v) for v in values], dtype=object)
                    cols.append(Column(c, kind))
                    data[c] = arr
                anchor = f"{chr(65 + raw.first_col)}{raw.header_row}"
                key = (other, raw.sheet)
                if key not in sheet_of:
                    sheet = raw.sheet if raw.sheet not in sheets_taken else f"{raw.sheet} ({other})"[:31]
                    sheet_of[key] = sheet
                    sheets_taken.add(sheet)
                specs.setdefault(sheet_of[key], []).append(TableBlock(name=name, columns=tuple(cols), data=data,
                                                                      anchor=anchor))
                taken.add(name.lower())
    write_sheets(templates[cap], path, [SheetSpec(name=n, tables=tuple(b)) for n, b in specs.items()])
    return path


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "salesops_xl.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def file_door(path, script_id):
    return scripts.run_on_file(script_id, path, computed_at=FIXED)


def written_tables(path, sheets) -> dict[str, list[tuple]]:
    with XlsxSource(path) as src:
        out = {}
        for name in src.table_names():
            raw = src.read(name)
            if raw.sheet in sheets:
                out[name] = (raw.sheet, raw.columns, table_rows(raw))
        return out


def model_state(book: Book, skip: set[str] = frozenset()) -> dict:
    """Everything of the sheets not in ``skip``: cells, formats, tables (to check they did not change)."""
    return {sh.name: (dict(sh.cells), dict(sh.formats), [(t.name, t.range.address) for t in sh.tables])
            for sh in book.sheets if sh.name not in skip}


# -- the file door: the CLI ------------------------------------------------------------------------------

@pytest.mark.parametrize("cap", CAPS)
def test_the_cli_runs_the_recalc_script_like_recalc_and_a_second_run_changes_nothing(cap, workbook_copy):
    wb, by_recalc = workbook_copy(cap, "a.xlsx"), workbook_copy(cap, "b.xlsx")
    first = run_cli("run", f"{cap}.recalc", wb)  # a real process, as a terminal runs it
    assert first.returncode == 0, first.stderr
    assert f"{wb}: " in first.stdout
    once = wb.read_bytes()
    runner = CliRunner()
    assert runner.invoke(main, ["recalc", str(by_recalc)]).exit_code == 0
    assert by_recalc.read_bytes() == once  # the script is the recalculation
    again = runner.invoke(main, ["run", f"{cap}.recalc", str(wb)])
    assert again.exit_code == 0, again.output
    assert wb.read_bytes() == once  # the Run Log keeps its time: identical bytes


def test_run_with_an_output_file_leaves_the_input_alone(workbook_copy, tmp_path):
    wb = workbook_copy(CAPS[0])
    before = wb.read_bytes()
    out = tmp_path / "out.xlsx"
    res = CliRunner().invoke(main, ["run", "addin.recalc", str(wb), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert wb.read_bytes() == before and out.exists()


def test_check_inputs_writes_nothing(workbook_copy):
    wb = workbook_copy(CAPS[0])
    before = wb.read_bytes()
    res = CliRunner().invoke(main, ["run", "addin.validate", str(wb)])
    assert res.exit_code == 0 and "are valid" in res.output
    assert wb.read_bytes() == before


def test_unknown_script_and_bad_files_exit_with_their_codes(workbook_copy, tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["run", "commissions.nope", str(workbook_copy(CAPS[0]))])
    assert res.exit_code == 2 and "unknown script 'commissions.nope'" in res.output
    res = runner.invoke(main, ["run", "addin.recalc", str(tmp_path / "missing.xlsx")])
    assert res.exit_code == 3 and "no such file" in res.output


def test_problems_in_the_inputs_are_listed_and_nothing_is_written(tmp_path):
    from salesops_xl.templates import table_block
    from salesops_xl.xlsx.writer import write_sheets
    from salesops_xl.sheets import SheetSpec
    import pandas as pd

    cap = all_capabilities()[0]
    # a workbook holding the capability's required tables, all empty: every table is reported
    specs = []
    for t in cap.input_tables:
        if t.required:
            block, _ = table_block(t, pd.DataFrame({f.name: [] for f in t.fields}))
            specs.append(SheetSpec(name=t.name[:31], tables=(block,)))
    wb = tmp_path / "empty.xlsx"
    write_sheets(None, wb, specs)
    before = wb.read_bytes()
    res = CliRunner().invoke(main, ["run", f"{cap.name}.recalc", str(wb)])
    assert res.exit_code == 1, res.output
    assert "nothing was written" in res.output and "is empty" in res.output
    assert wb.read_bytes() == before


# -- the Book door, on the stand-in of xlwings -------------------------------------------------------------

@pytest.mark.parametrize("script_id, flavour", BOOK_RUNS)
def test_the_book_door_writes_what_the_file_door_writes(script_id, flavour, templates, tmp_path_factory):
    source_file, path, rep = target_of(script_id, templates, tmp_path_factory)
    expected = written_tables(path, set(rep.sheets))
    if not rep.sheets:
        assert script_id == "addin.validate" or not rep.removed
        return
    assert expected, f"{script_id} wrote sheets without an Excel Table"
    if source_file not in _MODELS:
        _MODELS[source_file] = Book.from_xlsx(source_file)
    book = _MODELS[source_file].copy(flavour)
    untouched = model_state(book, skip=set(rep.sheets) | set(rep.removed))
    got = scripts.run_on_book(script_id, book, computed_at=FIXED)
    assert got.sheets == rep.sheets and got.headline == rep.headline
    book.settle()

    source = BookSource(book)
    for name, (sheet, columns, rows) in expected.items():
        raw = source.read(name)
        assert raw is not None, f"table {name} missing in the book"
        assert (raw.sheet, raw.columns) == (sheet, columns)
        assert table_rows(raw) == rows, f"table {name} differs between the doors"
    on_written = {t.name for s in rep.sheets for t in book.sheet(s).tables}
    assert on_written == set(expected)
    # every other sheet is exactly as it was (the stand-in raises if Lite's snapshot is read after a write)
    assert model_state(book, skip=set(rep.sheets) | set(rep.removed)) == untouched
    # one range write per table: the values of a table (header and rows) go in one call
    writes = {}
    for sheet, address, n in book.value_writes:
        writes.setdefault(sheet, []).append((address, n))
    for name, (sheet, columns, rows) in expected.items():
        t = book.sheet(sheet).tables[name]
        assert [a for a, _ in writes[sheet]].count(t.range.address) == 1


def test_text_that_looks_like_a_date_or_a_number_stays_text(book_model):
    """"2026-03" typed into a General cell becomes a date; the writer formats text columns "@" first."""
    book = book_model("commissions", "lite")
    scripts.run_on_book("commissions.recalc", book, computed_at=FIXED)
    book.settle()
    pay = BookSource(book).read("Payouts")
    periods = set(pay.data["Period"])
    assert periods and all(isinstance(p, str) for p in periods) and "2026-03" in periods


@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_a_second_run_in_excel_changes_nothing(flavour, book_model):
    book = book_model("commissions", flavour)
    scripts.run_on_book("commissions.recalc", book)
    book.settle()  # the next run works on the workbook as the first one left it
    first = model_state(book)
    scripts.run_on_book("commissions.recalc", book)
    assert model_state(book) == first


@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_recalc_in_excel_refreshes_the_rep_statement_button_wrote(flavour, book_model):
    book = book_model("commissions", flavour)
    scripts.run_on_book("commissions.statement", book, computed_at=FIXED)  # the sample's StatementRep
    book.settle()
    statement = BookSource(book).read("RepSummary")
    settings = book.sheet("Settings")
    for (r, c), v in list(settings.cells.items()):  # the analyst picks another rep in Settings
        if v == "StatementRep":
            settings.cells[(r, c + 1)] = "R003"
    book.settle()
    rep = scripts.run_on_book("commissions.recalc", book, computed_at=FIXED)
    book.settle()
    assert "Rep Statement" in rep.sheets and "Payouts" in rep.sheets
    source = BookSource(book)
    after = source.read("RepSummary")
    pay = source.read("PayoutSummary")
    r003 = [row for row in zip(pay.data["RepID"], pay.data["PayMonth"], pay.data["Total"]) if row[0] == "R003"]
    assert r003 and table_rows(after) != table_rows(statement)
    monthly = [(m, t) for m, t in zip(after.data["Pay month"], after.data["Total"]) if m != "Year total"]
    assert monthly == [(m, t) for _, m, t in r003]


def test_owned_sheets_are_kept_so_formulas_pointing_at_them_keep_working(book_model):
    book = book_model("commissions", "desktop")
    payouts = book.sheet("Payouts")
    table = payouts.tables["Payouts"]
    mine = book.sheets.add(name="My analysis", after=book.sheets[len(book.sheets) - 1])
    mine.range("A1").formula = "=SUM(Payouts[Payable])"
    mine.range("B2").value = 42.0
    book.settle()
    scripts.run_on_book("commissions.recalc", book)
    assert book.sheet("Payouts") is payouts and payouts.tables["Payouts"] is table  # same sheet, same table
    assert mine.cells[(1, 1)] == Formula("=SUM(Payouts[Payable])") and mine.cells[(2, 2)] == 42.0


def test_stale_owned_sheets_are_removed_and_new_ones_appended(book_model):
    book = book_model("commissions", "desktop")
    for name in ("Payouts", "Dashboard"):
        book.sheet(name).delete()
    book.sheets.add(name="Statement Lines 2", after=book.sheets[len(book.sheets) - 1])
    book.settle()
    rep = scripts.run_on_book("commissions.recalc", book)
    names = [s.name for s in book.sheets]
    assert "Statement Lines 2" not in names and rep.removed == ["Statement Lines 2"]
    assert names[-2:] == [n for n in rep.sheets if n in ("Payouts", "Dashboard")]  # appended in spec order


def test_a_table_name_taken_by_a_users_sheet_stops_the_run_before_any_write(book_model):
    book = book_model("commissions", "lite")
    for name in ("Payouts",):
        book.sheet(name).delete()
    mine = book.sheets.add(name="Mine", after=book.sheets[len(book.sheets) - 1])
    mine.range("A1:B2").value = [["Payouts", "x"], ["a", 1.0]]
    mine.tables.add(source=mine.range("A1:B2"), name="Payouts")
    book.settle()
    with pytest.raises(WorkbookError, match="sheet 'Mine' has an Excel Table named Payouts"):
        scripts.run_on_book("commissions.recalc", book)
    assert book.writes == 0


def test_lite_snapshot_rule_is_enforced_by_the_stand_in(book_model):
    book = book_model("commissions", "lite")
    book.sheet("README").range("Z1").value = "x"
    with pytest.raises(SnapshotError):
        BookSource(book).read("Deals")


def test_freeze_panes_tables_and_charts(book_model):
    lite = book_model("commissions", "lite")
    desk = book_model("commissions", "desktop")
    scripts.run_on_book("commissions.recalc", lite)
    scripts.run_on_book("commissions.recalc", desk)
    assert lite.sheet("Payouts").frozen == "A1:B1"  # SheetSpec freeze "C2": row 1 and columns A:B stay
    window = desk.sheet("Payouts").window  # desktop: the sheet's window is split, then frozen
    assert window.FreezePanes is True and (window.SplitRow, window.SplitColumn) == (1, 2)
    assert desk.sheets.active.name == "README"  # and the sheet the analyst was on is active again
    for book in (lite, desk):
        charts = list(book.sheet("Dashboard").charts)
        assert len(charts) == 2 and all(c.kw["anchor"] and c.kw["plot_by"] == "columns" for c in charts)
        assert all(c.x_values for c in charts)  # categories set apart from the value columns
    assert desk.sheet("Payouts").tab_color is not None


@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_error_cells_in_the_inputs_are_reported_not_read_as_blanks(flavour, book_model):
    book = book_model("commissions", flavour)
    deals = book.sheet("Deals")
    t = deals.tables["Deals"]
    header = [deals.cells.get((t.r1, c)) for c in range(t.c1, t.c2 + 1)]
    col = t.c1 + header.index("Amount")
    deals.cells[(t.r1 + 3, col)] = ErrorCell("#N/A")
    book.settle()
    rep = scripts.run_in_excel("commissions.recalc", book)
    assert rep is None and book.writes == 0
    title, text, mode = book.app.alerts[-1]
    assert mode == "critical" and "nothing was written" in text
    assert "column Amount" in text and "#N/A" in text and f"row {t.r1 + 3}" in text


@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_run_in_excel_reports_success_in_excel(flavour, book_model):
    book = book_model("commissions", flavour)
    rep = scripts.run_in_excel("commissions.recalc", book)
    assert rep is not None
    title, text, mode = book.app.alerts[-1]
    assert title == "salesops-xl: Recalculate payouts" and mode == "info"
    assert rep.headline[1:] in text
    if flavour == "desktop":
        assert book.app.status_bar.startswith("salesops-xl: Recalculate payouts: ")


def test_run_tag_runs_the_script_of_the_button_on_the_calling_book(book_model, monkeypatch):
    import xlwings as xw

    book = book_model("commissions", "desktop")
    monkeypatch.setattr(xw.Book, "caller", classmethod(lambda cls: book), raising=False)
    assert scripts.run_tag("addin.validate").headline.startswith("the inputs of this commission workbook are valid")
    assert scripts.run_tag("no.such") is None and "unknown script 'no.such'" in book.app.alerts[-1][1]


def test_every_script_resolves_and_belongs_to_one_capability_or_the_add_in():
    ids = [s.id for s in scripts.all_scripts()]
    assert len(ids) == len(set(ids))
    for s in scripts.all_scripts():
        assert scripts.resolve(s.id) == s
        assert scripts.SCRIPT_ID.match(s.id), s.id
        cap = scripts.capability_of(s.id)
        assert (cap is None) == s.id.startswith("addin.")
    with pytest.raises(WorkbookError, match="unknown script"):
        scripts.resolve("nothing.here")


def test_write_book_refuses_nothing_when_there_is_nothing_to_write(book_model):
    book = book_model("commissions", "lite")
    rep = write_book(book, [])
    assert rep.written == [] and book.writes == 0


def test_file_door_copies_only_on_request(workbook_copy, tmp_path):
    wb = workbook_copy(CAPS[0])
    rep = scripts.run_on_file("addin.validate", wb)
    assert rep.output is None and rep.sheets == []
    out = tmp_path / "copy.xlsx"
    rep = scripts.run_on_file("addin.validate", wb, out)
    assert rep.output == out and out.read_bytes() == wb.read_bytes()
