"""Workbooks on the 1904 date system: every date salesops-xl writes shows as in a 1900 workbook.

A workbook made the way Excel makes one: ``<workbookPr date1904="1"/>`` and dates *entered* in it, so
their serial numbers count from 1904-01-01 (2026-01-21 is 44581 there, 46043 in a 1900 workbook). Each
template is saved by an openpyxl-based script twice, once as it is and once switched to 1904 with its
dates kept (openpyxl writes each date as the 1904 serial); the LibreOffice-saved pair is those two files
saved again by LibreOffice Calc (which writes ``date1904="true"``). Recalculating the 1900 and the 1904
file of a pair must give the same cells on screen: the same values where they are numbers or text, the
same dates where they are dates, read back by openpyxl, by python-calamine and by LibreOffice (CSV).
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import python_calamine as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import ROOT, TEMPLATES
from libreoffice import SOFFICE, profile
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from salesops_xl import batch, cells
from salesops_xl.errors import ProblemCollector, WorkbookError
from salesops_xl.sheets import Column, SheetSpec, TableBlock
from salesops_xl.tables import Field, TableSchema, read_table
from salesops_xl.xlsx.package import Package
from salesops_xl.xlsx.reader import XlsxSource
from salesops_xl.xlsx.writer import write_sheets

KINDS = ("commissions", "forecast", "quotas", "territories")
AT = "2026-02-01T09:30:00"  # one run time for both files of a pair: a run time is a date-time cell too


def save_with_openpyxl(kind: str, dest: Path, date1904: bool) -> Path:
    """The openpyxl-based script: open the template, (switch it to 1904 keeping its dates), save."""
    dest.write_bytes(_saved_by_openpyxl(kind, date1904))
    return dest


@functools.lru_cache(maxsize=None)
def _saved_by_openpyxl(kind: str, date1904: bool) -> bytes:
    """The file that script saves, made once per test process (openpyxl's load and save of the commissions
    sample take seconds, and the same script gives the same file)."""
    wb = openpyxl.load_workbook(TEMPLATES / f"{kind}.xlsx")
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def date1904_attr(path: Path) -> str | None:
    with zipfile.ZipFile(path) as z:
        m = re.search(rb"<workbookPr\b[^>]*\bdate1904=\"([^\"]*)\"", z.read("xl/workbook.xml"))
    return m.group(1).decode() if m else None


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    """kind -> (1900 file, 1904 file), saved by openpyxl and recalculated (made once per module)."""
    folder = tmp_path_factory.mktemp("date1904")
    made: dict[str, tuple[Path, Path]] = {}

    def get(kind: str) -> tuple[Path, Path]:
        if kind not in made:
            a = save_with_openpyxl(kind, folder / f"{kind}-1900.xlsx", False)
            b = save_with_openpyxl(kind, folder / f"{kind}-1904.xlsx", True)
            for p in (a, b):
                batch.recalc(p, computed_at=AT)
            made[kind] = (a, b)
        return made[kind]

    return get


def openpyxl_rows(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)  # the same values as a full load, in half the time
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    finally:
        wb.close()


def calamine_rows(path: Path) -> dict[str, list[list]]:
    wb = pc.CalamineWorkbook.from_path(str(path))
    return {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}


def assert_same_cells(a: dict, b: dict, reader: str) -> int:
    """Same sheets, same cells; returns how many date cells were compared (so a test can insist on some)."""
    assert a.keys() == b.keys()
    dates = 0
    for name in a:
        ra, rb = a[name], b[name]
        assert len(ra) == len(rb), (reader, name)
        for i, (x, y) in enumerate(zip(ra, rb)):
            assert list(x) == list(y), f"{reader}: sheet {name!r}, row {i + 1}: {x} != {y}"
            dates += sum(isinstance(v, (dt.date, dt.datetime)) for v in x)
    return dates


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_recalc_of_a_1904_workbook_shows_the_dates_of_a_1900_one(kind, pairs):
    a, b = pairs(kind)
    assert date1904_attr(a) is None and date1904_attr(b) == "1"  # the switch survived our write
    by_openpyxl = assert_same_cells(openpyxl_rows(a), openpyxl_rows(b), "openpyxl")
    by_calamine = assert_same_cells(calamine_rows(a), calamine_rows(b), "calamine")
    assert by_openpyxl > 0 and by_calamine > 0  # dates were compared, not only numbers


def test_the_1904_file_holds_1904_serials(pairs, tmp_path):
    """Not two files read the same by luck: the 1904 file read as if it were on 1900 shows every written date
    1,462 days early (its serials are those of the 1904 system)."""
    a, b = pairs("commissions")
    as_1900 = tmp_path / "as-1900.xlsx"
    with zipfile.ZipFile(b) as zin, zipfile.ZipFile(as_1900, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb'\sdate1904="[^"]*"', b"", data)
            zout.writestr(info, data)

    def close_dates(path):
        ws = openpyxl.load_workbook(path, read_only=True)["Statement Lines"]
        rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
        j = list(rows[0]).index("CloseDate")
        return [r[j] for r in rows[1:] if r[j] is not None]

    right, shifted = close_dates(a), close_dates(as_1900)
    assert right and len(right) == len(shifted)
    assert all(x - y == dt.timedelta(days=1462) for x, y in zip(right, shifted))


def test_charts_carry_the_workbooks_date_system(pairs):
    for path, want in zip(pairs("commissions"), ("0", "1")):
        with zipfile.ZipFile(path) as z:
            charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
            flags = {re.search(rb'<c:date1904 val="(\d)"/>', z.read(n)).group(1).decode() for n in charts}
        assert charts and flags == {want}, path


def test_recalculating_a_1904_workbook_twice_gives_the_same_file(pairs, tmp_path):
    _, b = pairs("quotas")
    again = tmp_path / "again.xlsx"
    shutil.copy(b, again)
    batch.recalc(again, computed_at=AT)
    assert again.read_bytes() == b.read_bytes()


def lo_csv(path: Path, sheet: str, sheet_index: int, outdir: Path, work: Path) -> list[list[str]]:
    """One sheet as LibreOffice shows it (formatted text), through a CSV conversion of that sheet."""
    fmt = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,{sheet_index}"
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [SOFFICE, f"-env:UserInstallation={profile(work / 'lo-profile')}", "--headless", "--norestore",
           "--convert-to", fmt, "--outdir", str(outdir), str(path)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    out = outdir / f"{path.stem}-{sheet}.csv"  # one sheet of several: LibreOffice names the file after it
    assert res.returncode == 0 and out.exists(), res.stdout + res.stderr
    return list(csv.reader(out.read_text(encoding="utf-8").splitlines()))


@pytest.mark.libreoffice
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["commissions", "quotas"])
def test_a_1904_workbook_saved_by_libreoffice(kind, tmp_path, libreoffice):
    """Saved by LibreOffice (date1904="true"), recalculated: the same cells as the LibreOffice-saved 1900 file,
    and LibreOffice itself shows the same text in every date column of the outputs."""
    src = [save_with_openpyxl(kind, tmp_path / f"{kind}-1900.xlsx", False),
           save_with_openpyxl(kind, tmp_path / f"{kind}-1904.xlsx", True)]
    a, b = libreoffice(src, "xlsx")
    assert date1904_attr(a) in (None, "false") and date1904_attr(b) == "true"
    for p in (a, b):
        batch.recalc(p, computed_at=AT)
    assert assert_same_cells(openpyxl_rows(a), openpyxl_rows(b), "openpyxl") > 0
    assert_same_cells(calamine_rows(a), calamine_rows(b), "calamine")
    names = openpyxl.load_workbook(a, read_only=True).sheetnames
    sheet = "Statement Lines" if kind == "commissions" else "Quota Run Log"
    k = names.index(sheet) + 1
    shown_a = lo_csv(a, sheet, k, tmp_path / "csv-a", tmp_path)
    shown_b = lo_csv(b, sheet, k, tmp_path / "csv-b", tmp_path)
    assert shown_a == shown_b
    assert any(re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", v) for row in shown_a for v in row)  # dates shown as dates


@pytest.mark.slow
def test_statements_cut_from_a_1904_workbook_show_the_right_dates(pairs, tmp_path):
    """A statement workbook is new, so on the 1900 system, and holds the dates the 1904 workbook holds."""
    a, b = pairs("commissions")
    outs = []
    for path, name in ((a, "s1900"), (b, "s1904")):
        out = tmp_path / name
        res = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "statements", str(path), "--out", str(out),
                              "--jobs", "1"], capture_output=True, text=True, cwd=ROOT, timeout=600)
        assert res.returncode == 0, res.stderr
        outs.append(out)
    files = sorted(p.name for p in outs[0].glob("*.xlsx"))
    assert files and files == sorted(p.name for p in outs[1].glob("*.xlsx"))
    dates = 0
    for f in files[:5]:
        x, y = outs[0] / f, outs[1] / f
        assert date1904_attr(y) is None  # a new workbook stays on 1900
        dates += assert_same_cells(openpyxl_rows(x), openpyxl_rows(y), "openpyxl")
        assert_same_cells(calamine_rows(x), calamine_rows(y), "calamine")
    assert dates > 0


# -- the writer: a date the 1904 system cannot hold ---------------------------------------------------------

def _new_1904_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.title = "Inputs"
    wb.create_sheet("Out")
    wb.save(path)
    return path


def _spec(values) -> SheetSpec:
    d = np.array(values, dtype="datetime64[s]")
    return SheetSpec("Out", tables=(TableBlock("Lines", (Column("CloseDate", "date"),), {"CloseDate": d}),))


def test_a_date_before_1904_in_a_1904_workbook_is_an_error_naming_it(tmp_path):
    src = _new_1904_workbook(tmp_path / "mac.xlsx")
    before = src.read_bytes()
    with pytest.raises(WorkbookError) as e:
        write_sheets(src, src, [_spec(["2026-01-21", "1903-12-31"])])
    msg = str(e.value)
    for part in ("sheet 'Out'", "table 'Lines'", "column 'CloseDate'", "row 3", "1903-12-31", "1904 date system",
                 "1904-01-01"):
        assert part in msg
    assert src.read_bytes() == before  # nothing written


def test_1904_serials_written_and_read_back(tmp_path):
    """2026-01-21 is 44581 in 1904 (46043 - 1462); a date-time keeps its time; 1904-01-02 is serial 1; dates no
    system can show stay text as in a 1900 workbook; a new workbook is on 1900."""
    src = _new_1904_workbook(tmp_path / "mac.xlsx")
    values = ["2026-01-21", "2026-03-05T13:30", "1904-01-02", "1850-06-01", "NaT"]
    write_sheets(src, src, [_spec(values)])
    with Package(src) as pkg:
        xml = pkg.read(pkg.sheet_part("Out")).decode()
    assert re.findall(r"<v>([^<]*)</v>", xml) == ["44581", "44624.5625", "1"]
    got = [c.value for c in openpyxl.load_workbook(src)["Out"]["A"]][1:]
    assert got == [dt.datetime(2026, 1, 21), dt.datetime(2026, 3, 5, 13, 30), dt.datetime(1904, 1, 2), "1850-06-01",
                   None]
    new = tmp_path / "new.xlsx"
    write_sheets(None, new, [_spec(values)])
    assert date1904_attr(new) is None
    assert [c.value for c in openpyxl.load_workbook(new)["Out"]["A"]][1:] == got


# -- the table reader: a bare serial in a date column counts in the workbook's system ------------------------

def test_a_serial_number_in_a_date_column_is_read_in_the_workbooks_system(tmp_path):
    from openpyxl.worksheet.table import Table

    for date1904, serial in ((False, 46043), (True, 44581)):  # both 2026-01-21 (46023 is 2026-01-01)
        wb = openpyxl.Workbook()
        if date1904:
            wb.epoch = CALENDAR_MAC_1904
        ws = wb.active
        ws.append(["DealID", "CloseDate", "Other"])
        ws.append(["D1", serial, dt.date(2026, 1, 21)])  # an unformatted number, and a date
        ws.add_table(Table(displayName="Deals", ref="A1:C2"))
        path = tmp_path / f"deals-{date1904}.xlsx"
        wb.save(path)
        schema = TableSchema("Deals", "Sheet", "", (Field("DealID", "id", ""), Field("CloseDate", "date", ""),
                                                   Field("Other", "date", "")))
        with XlsxSource(path) as src:
            raw = src.read("Deals")
            assert raw.date1904 is date1904
            problems = ProblemCollector()
            t = read_table(raw, schema, problems)
        assert not problems.problems
        assert list(t.frame["CloseDate"]) == list(t.frame["Other"]) == [np.datetime64("2026-01-21")]


# -- cell functions ----------------------------------------------------------------------------------------

@pytest.fixture
def date_system_1904():
    cells.set_date_system(1904)
    yield
    cells.set_date_system(None)


def test_a_cell_function_given_1904_serials_returns_the_right_period(date_system_1904):
    from salesops_xl.addin.functions import sxl_prorate, sxl_ramp

    # 2026-01-01 is serial 44561 in 1904 (46023 in 1900); hired 2026-01-01, ramp 25/50/75%: February is
    # tenure month 2 -> 50%; read as 1900 serials these would be 2021 dates.
    jan1, feb1, jan31, jan16 = 44561, 44592, 44591, 44576
    assert sxl_ramp(jan1, feb1) == 0.5
    assert sxl_ramp(dt.date(2026, 1, 1), dt.date(2026, 2, 1)) == 0.5  # dates handed over as dates: same answer
    # January 2026, active from the 16th: 16 of 31 days -> 3100 x 16 / 31 = 1600
    assert sxl_prorate(3100, jan1, jan31, jan16) == 1600.0
    # a 1904 serial before 1904-01-01 does not exist
    assert str(sxl_ramp(-1, feb1)).startswith("#NUM! hire_date (-1) is not an Excel date serial number of the 1904")


def test_the_cell_functions_read_1900_serials_unless_told(monkeypatch):
    from salesops_xl.addin.functions import sxl_ramp

    assert cells.date_system() == 1900
    assert sxl_ramp(46023, 46054) == 0.5  # 2026-01-01, 2026-02-01 in 1900
    monkeypatch.setenv(cells.DATE_SYSTEM_ENV, "1904")
    assert cells.date_system() == 1904
    assert sxl_ramp(46023 - 1462, 46054 - 1462) == 0.5
    with pytest.raises(ValueError):
        cells.set_date_system(1905)


def test_forecast_ets_on_a_monthly_1904_timeline(date_system_1904):
    """FORECAST.ETS on the first of each month: a monthly timeline in either system, the same forecast."""
    from salesops_xl.addin.functions import sxl_forecast_ets

    months = [np.datetime64(f"2024-{m:02d}-01") for m in range(1, 13)] + \
             [np.datetime64(f"2025-{m:02d}-01") for m in range(1, 13)]
    values = [[100.0 + 10 * k + (5 if k % 12 == 6 else 0)] for k in range(24)]
    s1904 = [[float((d - np.datetime64("1904-01-01")).astype(int))] for d in months]
    target = float((np.datetime64("2026-01-01") - np.datetime64("1904-01-01")).astype(int))
    by_1904 = sxl_forecast_ets(target, values, s1904)
    cells.set_date_system(1900)
    s1900 = [[x + 1462] for [x] in s1904]
    assert sxl_forecast_ets(target + 1462, values, s1900) == pytest.approx(by_1904, rel=1e-12)


# -- the Book door (desktop xlwings and xlwings Lite), on the model of tests/addin --------------------------

@pytest.mark.parametrize("flavour", ["desktop", "lite"])
def test_the_book_door_writes_the_dates_of_a_1900_workbook(flavour, tmp_path):
    sys.path.insert(0, str(ROOT / "tests" / "addin"))
    from addin_xwmodel import Book

    from salesops_xl.addin import scripts
    from salesops_xl.addin.book import BookSource

    a = save_with_openpyxl("commissions", tmp_path / "c-1900.xlsx", False)
    b = save_with_openpyxl("commissions", tmp_path / "c-1904.xlsx", True)
    shown = []
    for path, system in ((a, 1900), (b, 1904)):
        book = Book.from_xlsx(path, flavour)
        assert book.date1904 is (system == 1904)
        if flavour == "lite":  # xlwings Lite cannot tell the system: main.py says it
            cells.set_date_system(system)
        try:
            scripts.run_on_book("commissions.recalc", book)
        finally:
            cells.set_date_system(None)
        book.settle()
        lines = BookSource(book.copy("desktop")).read("StatementLines")  # the dates Excel shows
        shown.append([lines.data["CloseDate"][i] for i in range(lines.n_rows)])
    assert shown[0] == shown[1]
    assert any(isinstance(v, dt.datetime) and v.year == 2026 for v in shown[1])


def test_the_book_door_refuses_a_date_before_1904_before_writing(tmp_path):
    sys.path.insert(0, str(ROOT / "tests" / "addin"))
    from addin_xwmodel import Book

    from salesops_xl.addin.book import write_book

    book = Book.from_xlsx(_new_1904_workbook(tmp_path / "mac.xlsx"), "desktop")
    with pytest.raises(WorkbookError) as e:
        write_book(book, [_spec(["2026-01-21", "1903-12-31"])])
    for part in ("sheet 'Out'", "table 'Lines'", "column 'CloseDate'", "1903-12-31", "1904 date system"):
        assert part in str(e.value)
    assert book.writes == 0


# -- property: any date a workbook's system can hold comes back as itself ------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.datetimes(min_value=dt.datetime(1904, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
                min_size=1, max_size=30),
       st.booleans())
def test_dates_come_back_as_themselves_in_either_system(tmp_path_factory, values, date1904):
    folder = tmp_path_factory.mktemp("prop")
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    wb.active.title = "Out"
    src = folder / "w.xlsx"
    wb.save(src)
    secs = [v.replace(microsecond=0) for v in values]  # the writer keeps whole seconds
    write_sheets(src, src, [_spec([np.datetime64(v, "s") for v in secs])])
    got = [r[0] for r in pc.CalamineWorkbook.from_path(str(src)).get_sheet_by_name("Out").to_python()[1:]]
    # calamine gives a date for midnight, a datetime otherwise; 1904-01-01 00:00 is serial 0, which readers take
    # for the time 00:00 (a serial 0 is ambiguous to them): compare it as that
    want = [dt.time(0) if (date1904 and v == dt.datetime(1904, 1, 1)) else (v.date() if v.time() == dt.time(0) else v)
            for v in secs]
    assert got == want


# -- the quota handoff: two workbooks, each read and written in its own system ------------------------------

@pytest.mark.slow
def test_quota_handoff_between_workbooks_of_either_system(tmp_path):
    from salesops_xl.batch.handoff import write_handoff
    from salesops_xl.quotas.handoff import build_handoff

    shown = {}
    for qs, cs in ((1900, 1900), (1904, 1904), (1904, 1900), (1900, 1904)):
        q = save_with_openpyxl("quotas", tmp_path / f"q{qs}-{cs}.xlsx", qs == 1904)
        c = save_with_openpyxl("commissions", tmp_path / f"c{qs}-{cs}.xlsx", cs == 1904)
        write_handoff(build_handoff, q, c)
        assert date1904_attr(c) == ("1" if cs == 1904 else None)
        shown[(qs, cs)] = openpyxl_rows(c)
    base = shown.pop((1900, 1900))
    for key, rows in shown.items():
        assert assert_same_cells(base, rows, f"openpyxl {key}") > 0
