"""Everything a recalculating command does not own survives it byte for byte.

The workbook is a macro-enabled copy of a template carrying what users add:
a chart, an image, a pivot table, data validation, conditional formatting,
comments, defined names and VBA. Every recalculating command runs on it; then
every zip part that the command does not own is compared (decompressed and
raw), and LibreOffice must open the result.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image as XLImage
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from helpers import TEMPLATES

CLI = [sys.executable, "-m", "salesops_xl.cli"]

#: (template, command arguments after the workbook path is appended, sheets the command owns)
COMMANDS = [
    ("commissions.xlsx", ["recalc"], None),
    ("commissions.xlsx", ["whatif"], ("What-if",)),
    ("commissions.xlsx", ["run", "commissions.statement"], ("Rep Statement", "Rep Statement Lines",
                                                             "Rep Statement Draws")),
]

PIVOT_CACHE = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" refreshOnLoad="1" recordCount="0">\
<cacheSource type="worksheet"><worksheetSource ref="A3:B7" sheet="My analysis"/></cacheSource>\
<cacheFields count="2"><cacheField name="Key" numFmtId="0"><sharedItems containsSemiMixedTypes="0" \
containsString="0" containsNumber="1" containsInteger="1" minValue="0" maxValue="4" count="5"><n v="0"/><n v="1"/>\
<n v="2"/><n v="3"/><n v="4"/></sharedItems></cacheField><cacheField name="Square" numFmtId="0"><sharedItems \
containsSemiMixedTypes="0" containsString="0" containsNumber="1" containsInteger="1" minValue="0" maxValue="16"/>\
</cacheField></cacheFields></pivotCacheDefinition>"""

PIVOT_TABLE = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="UserPivot" \
cacheId="77" dataCaption="Values" updatedVersion="6" minRefreshableVersion="3" createdVersion="6" \
applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" \
applyAlignmentFormats="0" applyWidthHeightFormats="1"><location ref="H3:I9" firstHeaderRow="1" firstDataRow="1" \
firstDataCol="1"/><pivotFields count="2"><pivotField axis="axisRow" showAll="0"><items count="6"><item x="0"/>\
<item x="1"/><item x="2"/><item x="3"/><item x="4"/><item t="default"/></items></pivotField><pivotField \
dataField="1" showAll="0"/></pivotFields><rowFields count="1"><field x="0"/></rowFields><rowItems count="6"><i>\
<x/></i><i><x v="1"/></i><i><x v="2"/></i><i><x v="3"/></i><i><x v="4"/></i><i t="grand"><x/></i></rowItems>\
<colItems count="1"><i/></colItems><dataFields count="1"><dataField name="Sum of Square" fld="1" baseField="0" \
baseItem="0"/></dataFields></pivotTableDefinition>"""


def _png(path: Path) -> None:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x20\x60\xc0" * 8 for _ in range(8))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rich_workbook(template: Path, dest: Path) -> Path:
    """The template plus a user sheet with everything a user adds, saved as .xlsm with a VBA project."""
    book = openpyxl.load_workbook(template)
    ws = book.create_sheet("My analysis")
    ws["A1"] = "User notes"
    ws["A1"].comment = Comment("A comment a user wrote", "analyst")
    ws.append([])
    ws.append(["Key", "Square"])
    for i in range(5):
        ws.append([i, i * i])
    ws.conditional_formatting.add("B4:B8", CellIsRule(operator="greaterThan", formula=["5"],
                                                      fill=PatternFill("solid", start_color="FFC7CE")))
    dv = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("C4:C8")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=3, max_row=8), titles_from_data=True)
    ws.add_chart(chart, "K3")
    png = dest.with_suffix(".png")
    _png(png)
    ws.add_image(XLImage(str(png)), "K20")
    book.defined_names["UserSquares"] = DefinedName("UserSquares", attr_text="'My analysis'!$B$4:$B$8")
    tmp = dest.with_suffix(".tmp.xlsx")
    book.save(tmp)
    _add_pivot_and_vba(tmp, dest)
    tmp.unlink()
    return dest


def _add_pivot_and_vba(src: Path, dest: Path) -> None:
    """Inject a pivot table (on 'My analysis') and a VBA project; make it macro-enabled."""
    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
        wb_rels = zin.read("xl/_rels/workbook.xml.rels").decode()
        wb = zin.read("xl/workbook.xml").decode()
        sheet_part = _sheet_part(zin, "My analysis")
        sheet_rels_name = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
            for n in names:
                data = zin.read(n)
                if n == "[Content_Types].xml":
                    t = data.decode().replace(
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                        "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                    t = t.replace("</Types>",
                                  '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                                  '<Override PartName="/xl/pivotCache/pivotCacheDefinition77.xml" ContentType='
                                  '"application/vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition'
                                  '+xml"/><Override PartName="/xl/pivotTables/pivotTable77.xml" ContentType="applic'
                                  'ation/vnd.openxmlformats-officedocument.spreadsheetml.pivotTable+xml"/></Types>')
                    data = t.encode()
                elif n == "xl/_rels/workbook.xml.rels":
                    data = wb_rels.replace("</Relationships>",
                                           '<Relationship Id="rIdPivot77" Type="http://schemas.openxmlformats.org/'
                                           'officeDocument/2006/relationships/pivotCacheDefinition" Target="pivotCache'
                                           '/pivotCacheDefinition77.xml"/><Relationship Id="rIdVba" Type="http://'
                                           'schemas.microsoft.com/office/2006/relationships/vbaProject" Target='
                                           '"vbaProject.bin"/></Relationships>').encode()
                elif n == "xl/workbook.xml":
                    piv = ('<pivotCaches><pivotCache cacheId="77" r:id="rIdPivot77" xmlns:r="http://schemas.'
                           'openxmlformats.org/officeDocument/2006/relationships"/></pivotCaches>')
                    data = (wb.replace("</workbook>", piv + "</workbook>") if "<calcPr" not in wb else
                            wb.replace("</workbook>", piv + "</workbook>")).encode()
                elif n == sheet_rels_name:
                    data = data.decode().replace("</Relationships>",
                                                 '<Relationship Id="rIdPT" Type="http://schemas.openxmlformats.org/'
                                                 'officeDocument/2006/relationships/pivotTable" Target="../pivotTables/'
                                                 'pivotTable77.xml"/></Relationships>').encode()
                zout.writestr(n, data)
            zout.writestr("xl/pivotCache/pivotCacheDefinition77.xml", PIVOT_CACHE)
            zout.writestr("xl/pivotTables/pivotTable77.xml", PIVOT_TABLE)
            zout.writestr("xl/pivotTables/_rels/pivotTable77.xml.rels",
                          '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
                          'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                          'openxmlformats.org/officeDocument/2006/relationships/pivotCacheDefinition" Target="../'
                          'pivotCache/pivotCacheDefinition77.xml"/></Relationships>')
            zout.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake VBA project " * 64)


def _sheet_part(z: zipfile.ZipFile, name: str) -> str:
    from salesops_xl.xlsx.package import Package  # noqa: F401  (same resolution rules, done by hand here)
    import re

    wb = z.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(name)}"[^>]*r:id="([^"]+)"', wb) or \
        re.search(rf'<sheet [^>]*r:id="([^"]+)"[^>]*name="{re.escape(name)}"', wb)
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else "xl/" + t


def raw_entries(path: Path) -> dict[str, tuple[bytes, bytes]]:
    """name -> (decompressed bytes, raw compressed bytes)."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset + 26)
            n, m = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
            f.seek(info.header_offset + 30 + n + m)
            out[info.filename] = (z.read(info.filename), f.read(info.compress_size))
    return out


def owned_parts(path: Path, sheets) -> set[str]:
    from salesops_xl.xlsx.package import Package, rels_part_of

    owned = set()
    with Package(path) as pkg:
        todo = [s.part for s in pkg.sheets if s.name in sheets]
        while todo:
            part = todo.pop()
            if part in owned:
                continue
            owned |= {part, rels_part_of(part)}
            todo += [r.part for r in pkg.rels(part) if r.part and not r.external]
    return owned


def _owned_sheets(template: str, explicit):
    if explicit is not None:
        return set(explicit)
    from salesops_xl.capabilities import all_capabilities
    from salesops_xl.commissions.outputs import continuation_sheet_names

    names = set(continuation_sheet_names())
    for cap in all_capabilities():
        if cap.template_name == template:
            names |= set(cap.output_sheets)
    return names


#: Workbook-level parts a command may rewrite (only to add or remove its own sheets and styles).
SHARED_PARTS = {"xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels",
                "docProps/app.xml"}


@pytest.mark.parametrize("template,args,owned", COMMANDS, ids=[f"{t}:{' '.join(a)}" for t, a, _ in COMMANDS])
def test_every_part_a_command_does_not_own_survives(tmp_path: Path, template, args, owned):
    wb = rich_workbook(TEMPLATES / template, tmp_path / (Path(template).stem + ".xlsm"))
    before = raw_entries(wb)
    snapshot = tmp_path / "before.xlsm"
    shutil.copy(wb, snapshot)
    r = subprocess.run(CLI + args + [str(wb)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    after = raw_entries(wb)
    sheets = _owned_sheets(template, owned)
    mine = owned_parts(snapshot, sheets) | owned_parts(wb, sheets) | SHARED_PARTS
    kept = [n for n in before if n not in mine]
    changed = [n for n in kept if after.get(n) != before[n]]
    assert not changed, f"{' '.join(args)} changed parts it does not own: {changed}"
    # the things users add are all among the kept parts
    for needle in ("xl/vbaProject.bin", "xl/pivotTables/pivotTable77.xml", "xl/charts/", "xl/media/",
                   "xl/comments", "xl/drawings/"):
        assert any(n.startswith(needle) for n in kept), needle
    with zipfile.ZipFile(wb) as z:
        ct = z.read("[Content_Types].xml").decode()
        assert "macroEnabled.main+xml" in ct
        assert 'name="UserSquares"' in z.read("xl/workbook.xml").decode()
    print(f"{' '.join(args)}: {len(kept)} parts compared, all unchanged")


@pytest.mark.libreoffice
def test_libreoffice_opens_the_recalculated_rich_workbook(tmp_path: Path, libreoffice):
    import python_calamine as pc

    wb = rich_workbook(TEMPLATES / "commissions.xlsx", tmp_path / "rich.xlsm")
    subprocess.run(CLI + ["recalc", str(wb)], check=True, capture_output=True)
    (out,) = libreoffice([wb], "xlsx")
    book = pc.CalamineWorkbook.from_path(str(out))
    assert "My analysis" in book.sheet_names and "Payout Summary" in book.sheet_names
    rows = book.get_sheet_by_name("My analysis").to_python()
    assert rows[2][:2] == ["Key", "Square"] and rows[7][:2] == [4.0, 16.0]
