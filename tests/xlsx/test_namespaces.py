"""Namespaces as XML defines them: the writer's edits of parts written by other programs (issue 25, item 1).

Every element or attribute the writer adds to ``workbook.xml`` / ``styles.xml``
must use a prefix declared where it goes, or declare it itself. The parts here
are written as other programs write them: Excel (default namespace, ``r:`` on
the root, ``mc:Ignorable`` and extension prefixes), the Open XML SDK (``x:``),
ElementTree (``ns0:``/``ns1:``), openpyxl with lxml (``xmlns:r`` on each
``<sheet>``), and declarations only on inner elements; plus traps (a prefix
``r`` bound to another namespace). After each write, every part must be
namespace-well-formed and the workbook must open in our reader, openpyxl and
python-calamine with the edits made.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from salesops_xl.errors import WorkbookError
from salesops_xl.sheets import Column, SheetSpec, TableBlock
from salesops_xl.xlsx import xmledit as xe
from salesops_xl.xlsx import xmlutil as X
from salesops_xl.xlsx.package import Package
from salesops_xl.xlsx.writer import write_sheets

M, R = X.NS_MAIN, X.NS_R
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X15AC = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"

TESTS = Path(__file__).resolve().parents[1]


def _sheet_xml(p: str = "") -> str:
    decl = f"xmlns:{p[:-1]}" if p else "xmlns"
    return f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {decl}="{M}"><{p}sheetData/></{p}worksheet>'


def _package(path: Path, workbook: str, styles: str | None = None, sheet_prefix: str = "") -> Path:
    """A two-sheet package ('Keep', 'Old') around the given workbook.xml (and styles.xml)."""
    rels = [f'<Relationship Id="rId1" Type="{X.REL_WORKSHEET}" Target="worksheets/sheet1.xml"/>',
            f'<Relationship Id="rId2" Type="{X.REL_WORKSHEET}" Target="worksheets/sheet2.xml"/>']
    ct = [f'<Override PartName="/xl/workbook.xml" ContentType="{X.CT_WORKBOOK}"/>',
          f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{X.CT_WORKSHEET}"/>',
          f'<Override PartName="/xl/worksheets/sheet2.xml" ContentType="{X.CT_WORKSHEET}"/>']
    if styles is not None:
        rels.append(f'<Relationship Id="rId3" Type="{X.REL_STYLES}" Target="styles.xml"/>')
        ct.append(f'<Override PartName="/xl/styles.xml" ContentType="{X.CT_STYLES}"/>')
    parts = {
        "[Content_Types].xml": f'<?xml version="1.0"?><Types xmlns="{X.NS_CT}">'
                               f'<Default Extension="rels" ContentType="{X.CT_RELS}"/>'
                               f'<Default Extension="xml" ContentType="application/xml"/>{"".join(ct)}</Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{X.NS_PKG_REL}"><Relationship Id="rId1" '
                       f'Type="{X.REL_OFFICE_DOCUMENT}" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{X.NS_PKG_REL}">'
                                      f'{"".join(rels)}</Relationships>',
        "xl/worksheets/sheet1.xml": _sheet_xml(sheet_prefix),
        "xl/worksheets/sheet2.xml": _sheet_xml(sheet_prefix),
    }
    if styles is not None:
        parts["xl/styles.xml"] = styles
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


# workbook.xml as each program writes it. {S} is where the two <sheet> entries go.
WORKBOOKS = {
    "excel-default-ns": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<workbook xmlns="{M}" xmlns:r="{R}" '
        f'xmlns:mc="{MC}" mc:Ignorable="x15 xr" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" '
        f'xmlns:xr="{XR}"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27425"/>'
        '<workbookPr defaultThemeVersion="166925"/>'
        f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x15"><x15ac:absPath url="C:\\Users\\a\\" '
        f'xmlns:x15ac="{X15AC}"/></mc:Choice></mc:AlternateContent>'
        '<xr:revisionPtr revIDLastSave="0" documentId="8_{1}" xr6:coauthVersionLast="47" '
        'xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/revision6"/>'
        '<bookViews><workbookView xWindow="-120" yWindow="-120" windowWidth="29040" windowHeight="15840" '
        'activeTab="1" firstSheet="1"/></bookViews>'
        '<sheets><sheet name="Keep" sheetId="1" r:id="rId1"/><sheet name="Old" sheetId="2" r:id="rId2"/></sheets>'
        '<definedNames><definedName name="K" localSheetId="0">Keep!$A$1</definedName>'
        '<definedName name="O" localSheetId="1">Old!$A$1</definedName></definedNames>'
        '<calcPr calcId="191029"/><extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
        'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main">'
        '<x15:workbookPr chartTrackingRefBase="1"/></ext></extLst></workbook>'),
    "sdk-x-prefix": (
        f'<?xml version="1.0" encoding="utf-8"?><x:workbook xmlns:r="{R}" xmlns:x="{M}">'
        '<x:bookViews><x:workbookView/></x:bookViews>'
        '<x:sheets><x:sheet name="Keep" sheetId="1" r:id="rId1"/><x:sheet name="Old" sheetId="2" r:id="rId2"/>'
        '</x:sheets></x:workbook>'),
    "etree-ns0": (
        f"<?xml version='1.0' encoding='UTF-8'?>\n<ns0:workbook xmlns:ns0=\"{M}\" xmlns:ns1=\"{R}\">"
        '<ns0:sheets><ns0:sheet name="Keep" sheetId="1" ns1:id="rId1" /><ns0:sheet name="Old" sheetId="2" '
        'ns1:id="rId2" /></ns0:sheets><ns0:definedNames><ns0:definedName name="O" localSheetId="1">Old!$A$1'
        '</ns0:definedName></ns0:definedNames><ns0:calcPr calcId="124519" fullCalcOnLoad="0"/></ns0:workbook>'),
    "openpyxl-lxml-r-on-each-sheet": (
        f'<workbook xmlns="{M}"><workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        f'<sheet xmlns:r="{R}" name="Keep" sheetId="1" state="visible" r:id="rId1"/>'
        f'<sheet xmlns:r="{R}" name="Old" sheetId="2" state="visible" r:id="rId2"/></sheets>'
        '<definedNames/><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'),
    "inner-declarations-only": (
        f'<?xml version="1.0"?><w:workbook xmlns:w="{M}"><w:bookViews><w:workbookView/></w:bookViews>'
        f'<sheets xmlns="{M}" xmlns:rel="{R}"><sheet name="Keep" sheetId="1" rel:id="rId1"/>'
        '<sheet name="Old" sheetId="2" rel:id="rId2"/></sheets></w:workbook>'),
    "r-bound-elsewhere": (  # the prefix r means something else here; the relationships namespace is 'o'
        f'<?xml version="1.0"?><workbook xmlns="{M}" xmlns:r="urn:not-relationships" xmlns:o="{R}" '
        'r:note="x"><sheets><sheet name="Keep" sheetId="1" o:id="rId1"/><sheet name="Old" sheetId="2" '
        'o:id="rId2"/></sheets></workbook>'),
    "default-ns-redeclared-inside": (  # <sheets> puts the main namespace under a prefix and the default elsewhere
        f'<?xml version="1.0"?><workbook xmlns="{M}"><bookViews><workbookView/></bookViews>'
        f'<ns0:sheets xmlns:ns0="{M}" xmlns="urn:other" xmlns:r="{R}"><ns0:sheet name="Keep" sheetId="1" '
        'r:id="rId1"/><ns0:sheet name="Old" sheetId="2" r:id="rId2"/></ns0:sheets></workbook>'),
}

STYLES = {
    "default": None,
    "excel": (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<styleSheet xmlns="{M}" '
              f'xmlns:mc="{MC}" mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
              '<fonts count="1" x14ac:knownFonts="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
              '<borders count="1"><border/></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              "<cellXfs count='1'><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs>"
              '</styleSheet>'),
    "x-prefix-numfmts": (f'<?xml version="1.0"?><x:styleSheet xmlns:x="{M}"><x:numFmts count="1">'
                         '<x:numFmt numFmtId="164" formatCode="0.0"/></x:numFmts>'
                         '<x:cellXfs count="1"><x:xf numFmtId="0"/></x:cellXfs></x:styleSheet>'),
    "inner-declarations": (f'<?xml version="1.0"?><s:styleSheet xmlns:s="{M}">'
                           f'<cellXfs xmlns="{M}" count="1"><xf numFmtId="0"/></cellXfs></s:styleSheet>'),
}


def _spec(name: str, table: str, formulas: bool = True) -> SheetSpec:
    data = {"Rep": np.array(["a", "b"], dtype=object), "Amount": np.array([150, 275], dtype=np.int64),
            "Paid": np.array(["2026-01-31", "2026-02-28"], dtype="datetime64[D]")}
    cols = (Column("Rep", "text"), Column("Amount", "money"), Column("Paid", "date"))
    return SheetSpec(name, tables=(TableBlock(table, cols, data, anchor="A3"),), freeze="A4",
                     formulas=(("E1", f"SUM({table}[Amount])"),) if formulas else ())


def _all_parts_well_formed(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            if n.endswith((".xml", ".rels")):
                X.check_xml(z.read(n), n)  # raises on an unbound prefix


def _open_everywhere(path: Path) -> list[str]:
    import openpyxl
    import python_calamine

    _all_parts_well_formed(path)
    with Package(path) as pkg:
        names = [s.name for s in pkg.sheets]
        assert [t.name for t in pkg.tables] == ["NewTable"]
    assert openpyxl.load_workbook(path).sheetnames == names
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == names
    rows = book.get_sheet_by_name("New").to_python(skip_empty_area=False)
    assert rows[2][:2] == ["Rep", "Amount"] and rows[3][:2] == ["a", 1.5]
    return names


@pytest.mark.parametrize("styles", sorted(STYLES))
@pytest.mark.parametrize("shape", sorted(WORKBOOKS))
def test_edits_use_prefixes_in_scope(tmp_path: Path, shape: str, styles: str):
    src = _package(tmp_path / "in.xlsx", WORKBOOKS[shape], STYLES[styles], sheet_prefix="x:" if shape == "sdk-x-prefix" else "")
    out = tmp_path / "out.xlsx"
    # append a sheet (new <sheet>, r:id), remove one (defined names, views), and set fullCalcOnLoad (formulas)
    write_sheets(src, out, [_spec("New", "NewTable")], remove=["Old"])
    assert _open_everywhere(out) == ["Keep", "New"]
    # replace in place and rename by case: the second run edits the parts we edited before
    write_sheets(out, out, [_spec("NEW", "NewTable")])
    with Package(out) as pkg:
        assert [s.name for s in pkg.sheets] == ["Keep", "NEW"]
    _all_parts_well_formed(out)
    # a second identical run leaves the file byte for byte
    before = out.read_bytes()
    write_sheets(out, out, [_spec("NEW", "NewTable")])
    assert out.read_bytes() == before


def test_excel_workbook_keeps_its_extensions_and_names(tmp_path: Path):
    src = _package(tmp_path / "in.xlsx", WORKBOOKS["excel-default-ns"], STYLES["excel"])
    out = tmp_path / "out.xlsx"
    write_sheets(src, out, [_spec("New", "NewTable")], remove=["Old"])
    wb = zipfile.ZipFile(out).read("xl/workbook.xml").decode()
    # untouched around the edits: compatibility prefixes, the absPath, the revision pointer, the extension list
    for kept in ('mc:Ignorable="x15 xr"', "<x15ac:absPath", "<xr:revisionPtr", "<x15:workbookPr",
                 '<definedName name="K" localSheetId="0">Keep!$A$1</definedName>'):
        assert kept in wb
    assert 'name="O"' not in wb  # scoped to the removed sheet
    assert '<sheet name="New" sheetId="3" r:id="rId' in wb  # the root's r: is in scope: used, not redeclared
    assert '<calcPr calcId="191029" fullCalcOnLoad="1"/>' in wb
    assert 'firstSheet="0"' in wb  # it was the removed sheet
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    assert 'mc:Ignorable="x14ac"' in styles and 'x14ac:knownFonts="1"' in styles
    assert '<numFmts count="' in styles and styles.index("<numFmts") < styles.index("<fonts")


@pytest.mark.parametrize("shape, expect", [
    ("sdk-x-prefix", '<x:sheet name="New" sheetId="3" r:id="rId'),
    ("etree-ns0", '<ns0:sheet name="New" sheetId="3" ns1:id="rId'),
    ("openpyxl-lxml-r-on-each-sheet", f'<sheet xmlns:r="{R}" name="New" sheetId="3" r:id="rId'),
    ("inner-declarations-only", '<sheet name="New" sheetId="3" rel:id="rId'),
    ("r-bound-elsewhere", '<sheet name="New" sheetId="3" o:id="rId'),
    ("default-ns-redeclared-inside", '<ns0:sheet name="New" sheetId="3" r:id="rId'),
])
def test_new_sheet_entry_is_named_where_it_goes(tmp_path: Path, shape: str, expect: str):
    src = _package(tmp_path / "in.xlsx", WORKBOOKS[shape])
    out = tmp_path / "out.xlsx"
    write_sheets(src, out, [_spec("New", "NewTable")])
    assert expect in zipfile.ZipFile(out).read("xl/workbook.xml").decode()


def test_styles_entries_are_named_where_they_go(tmp_path: Path):
    src = _package(tmp_path / "in.xlsx", WORKBOOKS["sdk-x-prefix"], STYLES["x-prefix-numfmts"], sheet_prefix="x:")
    out = tmp_path / "out.xlsx"
    write_sheets(src, out, [_spec("New", "NewTable")])
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    assert '<x:numFmts count="' in styles and '<x:numFmt numFmtId="165"' in styles
    assert '<x:xf numFmtId=' in styles.split("<x:cellXfs", 1)[1]
    src = _package(tmp_path / "in2.xlsx", WORKBOOKS["sdk-x-prefix"], STYLES["inner-declarations"], sheet_prefix="x:")
    write_sheets(src, out, [_spec("New", "NewTable")])
    styles = zipfile.ZipFile(out).read("xl/styles.xml").decode()
    assert '<s:numFmts count="' in styles  # numFmts goes under the root: its prefix is s:
    assert '<xf numFmtId=' in styles.split("<cellXfs", 1)[1]  # inside <cellXfs xmlns=main>
    _open_everywhere(out)


def test_scan_scopes_and_positions():
    data = (f'<a xmlns="{M}"><b xmlns:r="{R}" r:id="1" t=\'>\'/><c:d xmlns:c="{M}" x="1"  >t</c:d   >'
            '<!-- <e/> --></a>').encode()
    doc = xe.scan(data, "t")
    b, d = doc.root.children
    assert (b.ns, b.local, b.empty, b.scope["r"]) == (M, "b", True, R)
    assert data[b.start:b.end] == f'<b xmlns:r="{R}" r:id="1" t=\'>\'/>'.encode()
    assert data[d.start:d.end] == f'<c:d xmlns:c="{M}" x="1"  >t</c:d   >'.encode()
    assert data[d.close:d.end] == b"</c:d   >"
    assert doc.root.attr_name_for(R, "id") == ("r:id", f' xmlns:r="{R}"')  # r is declared on b only
    assert b.attr_name_for(R, "id") == ("r:id", "")
    assert d.name_for(M, "x") in (("x", ""), ("c:x", ""))
    assert [a.qname for a in b.attrs(data)] == ["xmlns:r", "r:id", "t"]
    assert b.attr(data, "t").value == ">"


@pytest.mark.parametrize("bad", [b'<a><b r:id="1"/></a>', b"<a><b></a>",
                                 b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'])
def test_scan_refuses_what_is_not_namespace_well_formed(bad: bytes):
    with pytest.raises(WorkbookError):
        xe.scan(bad, "part")


def test_headline_openpyxl_lxml_commission_workbook_recalcs_into_a_valid_file(tmp_path: Path):
    """The issue's case: input tables written by an openpyxl script with lxml, then `salesops-xl recalc`.

    openpyxl with lxml declares xmlns:r on each <sheet>; the writer used to find that declaration on a
    sibling and append <sheet r:id=...> with r unbound: a file nothing opens, in place of the user's.
    """
    sys.path.insert(0, str(TESTS))
    import foreign_tools as F

    book = F.write_with("openpyxl-lxml", F.template_inputs("commissions"), tmp_path / "inputs.xlsx", tmp_path)
    assert f'<sheet xmlns:r="{R}"' in zipfile.ZipFile(book).read("xl/workbook.xml").decode()
    for _ in range(2):  # the first run adds the output sheets, the second replaces them
        res = subprocess.run([sys.executable, "-m", "salesops_xl.cli", "recalc", "-q", str(book)],
                             capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        _all_parts_well_formed(book)
    import openpyxl

    names = openpyxl.load_workbook(book).sheetnames
    assert "Payouts" in names and "Deals" in names


def _decl(prefix: str, ns: str) -> str:
    return f' xmlns:{prefix}="{ns}"' if prefix else f' xmlns="{ns}"'


def _q(prefix: str, local: str) -> str:
    return f"{prefix}:{local}" if prefix else local


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(main_prefix=st.sampled_from(["", "x", "ns0", "main", "s"]),
       main_on=st.sampled_from(["root", "sheets"]),
       r_prefix=st.sampled_from(["r", "ns1", "rel", "o"]),
       r_on=st.sampled_from(["root", "sheets", "each sheet"]),
       trap=st.booleans())
def test_any_placement_of_declarations(tmp_path: Path, main_prefix: str, main_on: str, r_prefix: str, r_on: str,
                                       trap: bool):
    """Property: wherever the two namespaces are declared, under whatever prefixes (and with the prefix 'r'
    bound to something else at the root), the written workbook.xml is namespace-well-formed and reads back."""
    root_decls = ""
    if main_on == "root":
        root_decls += _decl(main_prefix, M)
    if r_on == "root":
        root_decls += _decl(r_prefix, R)
    if trap and r_prefix != "r" and main_prefix != "r":
        root_decls += ' xmlns:r="urn:a-trap"'
    # declared on <sheets> only: the root is in the main namespace under another prefix (w:)
    root_tag = _q(main_prefix, "workbook") if main_on == "root" else "w:workbook"
    if main_on == "sheets":
        root_decls += _decl("w", M)
    sheets_decls = (_decl(main_prefix, M) if main_on == "sheets" else "") + (_decl(r_prefix, R) if r_on == "sheets" else "")
    each = _decl(r_prefix, R) if r_on == "each sheet" else ""
    sheet = _q(main_prefix, "sheet")
    wb = (f'<?xml version="1.0"?><{root_tag}{root_decls}><{_q(main_prefix, "sheets")}{sheets_decls}>'
          f'<{sheet}{each} name="Keep" sheetId="1" {r_prefix}:id="rId1"/>'
          f'<{sheet}{each} name="Old" sheetId="2" {r_prefix}:id="rId2"/>'
          f'</{_q(main_prefix, "sheets")}></{root_tag}>')
    src = _package(tmp_path / f"p-{main_prefix}-{main_on}-{r_prefix}-{r_on}-{trap}.xlsx", wb)
    out = src.with_suffix(".out.xlsx")
    write_sheets(src, out, [_spec("New", "NewTable")], remove=["Old"])
    _all_parts_well_formed(out)
    with Package(out) as pkg:
        assert [s.name for s in pkg.sheets] == ["Keep", "New"]
        assert [t.name for t in pkg.tables] == ["NewTable"]
