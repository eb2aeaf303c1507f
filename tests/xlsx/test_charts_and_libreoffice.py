"""Charts, and what LibreOffice (an independent OOXML reader) makes of our files."""
from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from salesops_xl.sheets import ChartSpec, Column, SeriesRef, SheetSpec, TableBlock
from salesops_xl.xlsx import xmlutil as X
from salesops_xl.xlsx.writer import write_sheets
from xlsx_helpers import ALL_SHEETS_CSV, payout_data, payouts_spec

C = "{%s}" % X.NS_C

CHART_ORDER = {  # schema order of the children we write (CT_BarChart, CT_ScatterChart, CT_*Ser, axes)
    "barChart": ["barDir", "grouping", "varyColors", "ser", "gapWidth", "axId"],
    "lineChart": ["grouping", "varyColors", "ser", "marker", "axId"],
    "scatterChart": ["scatterStyle", "varyColors", "ser", "axId"],
    "ser": ["idx", "order", "tx", "spPr", "invertIfNegative", "marker", "cat", "val", "xVal", "yVal", "smooth"],
    "catAx": ["axId", "scaling", "delete", "axPos", "title", "numFmt", "majorTickMark", "minorTickMark",
              "tickLblPos", "crossAx", "crosses", "auto", "lblAlgn", "lblOffset", "noMultiLvlLbl"],
    "valAx": ["axId", "scaling", "delete", "axPos", "majorGridlines", "title", "numFmt", "majorTickMark",
              "minorTickMark", "tickLblPos", "crossAx", "crosses", "crossBetween"],
    "chart": ["title", "autoTitleDeleted", "plotArea", "legend", "plotVisOnly", "dispBlanksAs"],
    "chartSpace": ["date1904", "lang", "roundedCorners", "chart", "printSettings"],
}


def _check_order(el) -> None:
    local = el.tag.split("}")[-1]
    if local in CHART_ORDER:
        order = CHART_ORDER[local]
        seen = [c.tag.split("}")[-1] for c in el if c.tag.startswith(C)]
        idx = [order.index(t) for t in seen]
        assert idx == sorted(idx), (local, seen)
    for c in el:
        _check_order(c)


def chart_book(tmp_path: Path) -> Path:
    out = tmp_path / "charts.xlsx"
    spec = payouts_spec(12, name="Pay'outs", table="Payouts")
    n = 6
    trend = TableBlock("Trend", (Column("Month", "date"), Column("Sales", "money"), Column("Share", "percent")),
                       {"Month": np.arange("2025-01", "2025-07", dtype="datetime64[M]").astype("datetime64[D]"),
                        "Sales": np.arange(1, n + 1, dtype=np.int64) * 123_45,
                        "Share": np.linspace(0.1, 0.6, n)}, anchor="A1")
    trend_sheet = SheetSpec("Trend", tables=(trend,), charts=(
        ChartSpec("line", "Sales", (SeriesRef("Sales", "Trend", "Sales", "Month", "FF0000"),), anchor="E2",
                  y_format="#,##0"),
        ChartSpec("column", "Share", (SeriesRef("Share", "Trend", "Share", "Month"),
                                      SeriesRef("Sales", "Trend", "Sales", "Month", "00FF00")), anchor="E20",
                  width_cols=6, height_rows=10, y_format="0%")))
    write_sheets(None, out, [spec, trend_sheet])
    return out


def test_chart_parts(tmp_path: Path):
    out = chart_book(tmp_path)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        charts = sorted(n for n in names if n.startswith("xl/charts/chart"))
        assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml", "xl/charts/chart4.xml"]
        ct = z.read("[Content_Types].xml").decode()
        for c in charts:
            assert f'PartName="/{c}" ContentType="{X.CT_CHART}"' in ct
        assert f'ContentType="{X.CT_DRAWING}"' in ct
        rels1 = z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        assert "../drawings/drawing1.xml" in rels1 and "../tables/table1.xml" in rels1
        drels = z.read("xl/drawings/_rels/drawing1.xml.rels").decode()
        assert "../charts/chart1.xml" in drels and "../charts/chart2.xml" in drels
        drawing = X.parse_xml(z.read("xl/drawings/drawing1.xml"))
        anchors = drawing.findall("{%s}twoCellAnchor" % X.NS_XDR)
        assert len(anchors) == 2
        frm = anchors[0].find("{%s}from" % X.NS_XDR)
        to = anchors[0].find("{%s}to" % X.NS_XDR)
        assert frm.find("{%s}col" % X.NS_XDR).text == "7" and frm.find("{%s}row" % X.NS_XDR).text == "2"
        assert to.find("{%s}col" % X.NS_XDR).text == "15" and to.find("{%s}row" % X.NS_XDR).text == "18"

        bar = X.parse_xml(z.read("xl/charts/chart1.xml"))
        _check_order(bar)
        assert bar.find(f".//{C}barDir").get("val") == "bar"
        ser = bar.find(f".//{C}ser")
        assert ser.find(f"{C}cat/{C}strRef/{C}f").text == "'Pay''outs'!$A$4:$A$15"
        assert ser.find(f"{C}val/{C}numRef/{C}f").text == "'Pay''outs'!$C$4:$C$15"
        cache = ser.find(f"{C}val/{C}numRef/{C}numCache")
        data = payout_data(12)
        pts = {int(p.get("idx")): p.find(f"{C}v").text for p in cache.findall(f"{C}pt")}
        assert len(pts) == 12 and pts[0] == str(data["Amount"][0] // 100) + \
            ("." + f"{abs(data['Amount'][0]) % 100:02d}".rstrip("0") if data["Amount"][0] % 100 else "")
        assert ser.find(f"{C}spPr//{{{X.NS_A}}}srgbClr").get("val") == "1F77B4"
        assert bar.find(f".//{C}valAx/{C}numFmt").get("formatCode") == "#,##0"
        assert bar.find(f".//{C}legend/{C}legendPos").get("val") == "b"

        scatter = X.parse_xml(z.read("xl/charts/chart2.xml"))
        _check_order(scatter)
        assert scatter.find(f".//{C}scatterStyle").get("val") == "lineMarker"
        assert scatter.find(f".//{C}xVal/{C}numRef/{C}f").text == "'Pay''outs'!$C$4:$C$15"
        assert scatter.find(f".//{C}yVal/{C}numRef/{C}f").text == "'Pay''outs'!$D$4:$D$15"
        assert len(scatter.findall(f".//{C}valAx")) == 2

        line = X.parse_xml(z.read("xl/charts/chart3.xml"))
        _check_order(line)
        assert line.find(f".//{C}cat/{C}numRef/{C}f").text == "'Trend'!$A$2:$A$7"
        assert line.find(f".//{C}cat//{C}formatCode").text == "yyyy-mm-dd"
        col = X.parse_xml(z.read("xl/charts/chart4.xml"))
        _check_order(col)
        assert col.find(f".//{C}barDir").get("val") == "col"
        assert len(col.findall(f".//{C}ser")) == 2


@pytest.mark.libreoffice
def test_libreoffice_reads_our_values(tmp_path: Path, user_workbook: Path, soffice):
    out = tmp_path / "out.xlsx"
    write_sheets(user_workbook, out, [payouts_spec(30)])
    folder = soffice(out, ALL_SHEETS_CSV)
    with open(folder / "out-Payouts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    data = payout_data(30)
    assert rows[0][0] == "Payouts - computed"
    assert rows[2][:6] == ["Rep", "Region", "Amount", "Rate", "Deals", "Paid"]
    for i in range(30):
        r = rows[3 + i]
        assert r[0] == (data["Rep"][i] or "")
        assert r[1] == data["Region"][i]
        assert Decimal(r[2].replace(",", "")) * 100 == int(data["Amount"][i])  # exact cents
        assert int(r[4].replace(",", "")) == data["Deals"][i]
        assert r[5] == str(data["Paid"][i])
    # the user's sheet is still there, formula results included
    with open(folder / "out-Inputs.csv", newline="", encoding="utf-8") as f:
        inputs = list(csv.reader(f))
    assert inputs[0][:4] == ["Name", "Qty", "Price", "Total"] and float(inputs[3][3]) == 6.0  # =B4*C4


@pytest.mark.libreoffice
def test_libreoffice_renders_charts_to_pdf(tmp_path: Path, soffice):
    out = chart_book(tmp_path)
    folder = soffice(out, "pdf")
    pdf = folder / "charts.pdf"
    assert pdf.exists() and pdf.stat().st_size > 5000
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.libreoffice
def test_libreoffice_round_trip_to_xlsx(tmp_path: Path, soffice):
    """LibreOffice re-saves our workbook with the tables and values intact."""
    from python_calamine import CalamineWorkbook

    out = tmp_path / "ours.xlsx"
    write_sheets(None, out, [payouts_spec(15)])
    folder = soffice(out, "xlsx")
    again = folder / "ours.xlsx"
    book = CalamineWorkbook.from_path(str(again), load_tables=True)
    assert "Payouts" in book.table_names
    rows = book.get_sheet_by_name("Payouts").to_python()
    data = payout_data(15)
    assert [round(r[2] * 100) for r in rows[3:18]] == data["Amount"].tolist()
