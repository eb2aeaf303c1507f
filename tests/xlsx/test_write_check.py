"""A written workbook is checked before it replaces anything (issue 25, item 2).

A deliberately broken writer (a malformed part, an unbound prefix, a dangling
relationship, a part without a content type, a duplicate table id) must be
caught after the temporary file is written and before the rename: the
original stays byte for byte, no temporary file is left, the error is an
InternalError whose message says the workbook was not changed, and the CLI
exits with the internal-error code and saves a report. Problems the source
already had (not ours) must not stop a write.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from salesops_xl.cli import main
from salesops_xl.console import EXIT_INTERNAL
from salesops_xl.errors import InternalError
from salesops_xl.xlsx import writer
from salesops_xl.xlsx.package import Package

from xlsx_helpers import payouts_spec


def _broken(monkeypatch, inject) -> None:
    """Make the writer's plan broken by ``inject(plan)`` after it is built."""
    build = writer._Plan.build

    def broken_build(self):
        build(self)
        inject(self)

    monkeypatch.setattr(writer._Plan, "build", broken_build)


def _malformed_workbook_part(plan):
    plan.replace[plan.wb] = lambda zw, name: zw.write_bytes(name, b'<workbook xmlns="x"><sheets></workbook>')


def _unbound_prefix(plan):  # what the writer used to do to files written by openpyxl with lxml
    data = plan.pkg.workbook_xml.replace(b"</sheets>", b'<sheet name="X" sheetId="99" q:id="rId99"/></sheets>')
    plan.replace[plan.wb] = lambda zw, name: zw.write_bytes(name, data)


def _dangling_relationship(plan):
    table = next(t for t in plan.pkg.tables if t.name == "UserTable")
    plan.deleted.add(table.part)  # the user's table part dropped while its sheet still points to it


def _no_content_type(plan):
    from salesops_xl.xlsx.package import CONTENT_TYPES

    ct = plan.pkg.read(CONTENT_TYPES).replace(b'Extension="xml"', b'Extension="xmlz"')
    data = b"".join(ct.split(b"<Override ")[:1]) + b"</Types>"  # no Override, no Default for .xml
    plan.replace.pop(CONTENT_TYPES, None)
    plan.replace[CONTENT_TYPES] = lambda zw, name: zw.write_bytes(name, data)


def _duplicate_table_id(plan):
    ours = plan.new_sheets[0].layout.tables[0]
    theirs = next(t for t in plan.pkg.tables if t.name == "UserTable")
    xml = writer.table_xml(ours).replace(f'id="{ours.id}"'.encode(), f'id="{theirs.id}"'.encode(), 1)
    plan.replace[ours.part] = lambda zw, name: zw.write_bytes(name, xml)


BROKEN = {
    "malformed part": (_malformed_workbook_part, "malformed XML"),
    "unbound prefix": (_unbound_prefix, "unbound prefix"),
    "dangling relationship": (_dangling_relationship, "which is not in the file"),
    "part without content type": (_no_content_type, "gives it no content type"),
    "duplicate table id": (_duplicate_table_id, "two table ids"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_writer_is_caught_and_the_original_kept(user_workbook: Path, monkeypatch, case: str):
    inject, expect = BROKEN[case]
    before = user_workbook.read_bytes()
    listing = sorted(p.name for p in user_workbook.parent.iterdir())
    _broken(monkeypatch, inject)
    with pytest.raises(InternalError) as ei:
        writer.write_sheets(user_workbook, user_workbook, [payouts_spec(30)])
    assert expect in str(ei.value)
    assert ei.value.workbook == str(user_workbook)
    assert "Problems found" in ei.value.report and expect in ei.value.report
    assert user_workbook.read_bytes() == before  # byte for byte
    assert sorted(p.name for p in user_workbook.parent.iterdir()) == listing  # no temporary file left


def test_broken_writer_to_another_file_writes_nothing(user_workbook: Path, tmp_path: Path, monkeypatch):
    _broken(monkeypatch, _malformed_workbook_part)
    out = tmp_path / "out.xlsx"
    with pytest.raises(InternalError):
        writer.write_sheets(user_workbook, out, [payouts_spec(5)])
    assert not out.exists()


def test_cli_says_not_changed_exits_internal_and_saves_a_report(tmp_path: Path, monkeypatch):
    import shutil

    book = tmp_path / "commissions.xlsx"
    shutil.copy(Path(__file__).resolve().parents[2] / "workbooks" / "commissions.xlsx", book)
    before = book.read_bytes()
    _broken(monkeypatch, _malformed_workbook_part)
    res = CliRunner().invoke(main, ["recalc", str(book)])
    assert res.exit_code == EXIT_INTERNAL, res.output
    assert "internal error" in res.output and "NOT changed" in res.output
    assert book.read_bytes() == before
    reports = list(tmp_path.glob("commissions.salesops-error-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in res.output.replace("\n", "")
    text = reports[0].read_text()
    assert "malformed XML" in text and "xl/workbook.xml" in text
    assert not list(tmp_path.glob("*.tmp"))


def _with_extra(src: Path, dest: Path, extra: dict[str, bytes], rels_edit=()) -> Path:
    edits = dict(rels_edit)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename in edits:
                data = edits[info.filename](data)
            zout.writestr(info.filename, data)
        for name, data in extra.items():
            zout.writestr(name, data)
    return dest


def _dangling(target: bytes):
    return lambda d: d.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                               b'officeDocument/2006/relationships/printerSettings" Target="' + target
                               + b'"/></Relationships>')


def test_problems_the_source_already_had_do_not_stop_a_write(user_workbook: Path, tmp_path: Path):
    """Dangling relationships (in a part we copy, and in the workbook's, which we rewrite) and a part with no
    content type: the source's own problems, which Excel tolerates, are not ours to refuse."""
    src = _with_extra(user_workbook, tmp_path / "odd.xlsx", {"customXml/item1.bin": b"\x00\x01"},
                      rels_edit=[("xl/worksheets/_rels/sheet1.xml.rels", _dangling(b"../printerSettings/p9.bin")),
                                 ("xl/_rels/workbook.xml.rels", _dangling(b"printerSettings/p8.bin"))])
    writer.write_sheets(src, src, [payouts_spec(10, name="Extra", table="Extra")])  # the workbook's rels are rewritten
    with Package(src) as pkg:
        assert [t.name for t in pkg.tables_of(pkg.sheet("Extra"))] == ["Extra"]
        assert b"p8.bin" in pkg.read("xl/_rels/workbook.xml.rels")


# -- the large-part check run beside the writer (xmlcheck) ------------------------------------------

def _spy_checked(monkeypatch) -> list:
    """Record the parts the helper processes reported well-formed, for every write."""
    seen: list = []
    checked = writer._Plan.checked_parts

    def spy(self):
        got = checked(self)
        seen.append(got)
        return got

    monkeypatch.setattr(writer._Plan, "checked_parts", spy)
    return seen


def test_large_parts_checked_beside_the_writer_give_the_same_file(user_workbook: Path, tmp_path: Path, monkeypatch):
    from salesops_xl.xlsx import xmlcheck

    if not xmlcheck.available():
        pytest.skip("no helper processes here")
    in_process = tmp_path / "in_process.xlsx"
    monkeypatch.setattr(xmlcheck, "PARALLEL_MIN_BYTES", 1 << 40)  # nothing is large: all parsed after the write
    writer.write_sheets(user_workbook, in_process, [payouts_spec(30)])
    seen = _spy_checked(monkeypatch)
    monkeypatch.setattr(xmlcheck, "PARALLEL_MIN_BYTES", 0)  # every streamed part goes to a helper
    beside = tmp_path / "beside.xlsx"
    writer.write_sheets(user_workbook, beside, [payouts_spec(30)])
    assert seen and any(n.startswith("xl/worksheets/") for n in seen[0])  # the helper did check the sheet
    assert beside.read_bytes() == in_process.read_bytes()


def test_a_malformed_large_part_is_still_caught(user_workbook: Path, monkeypatch):
    """The helper says 'malformed'; the part is then parsed in process, which reports it as always."""
    from salesops_xl.xlsx import sheetxml, xmlcheck

    monkeypatch.setattr(xmlcheck, "PARALLEL_MIN_BYTES", 0)
    seen = _spy_checked(monkeypatch)
    real = sheetxml.iter_sheet_data

    def broken(*args, **kwargs):
        yield from real(*args, **kwargs)
        yield "<row><c></row>"  # an element closed by the wrong end tag

    monkeypatch.setattr(sheetxml, "iter_sheet_data", broken)
    before = user_workbook.read_bytes()
    with pytest.raises(InternalError) as ei:
        writer.write_sheets(user_workbook, user_workbook, [payouts_spec(30)])
    assert "malformed XML" in str(ei.value)
    assert not any(n.startswith("xl/worksheets/") for s in seen for n in s)  # the helper did not vouch for it
    assert user_workbook.read_bytes() == before


def test_without_helper_processes_the_check_runs_in_process(user_workbook: Path, tmp_path: Path, monkeypatch):
    from salesops_xl.xlsx import xmlcheck

    monkeypatch.setattr(xmlcheck, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xmlcheck, "available", lambda: False)  # as in Pyodide
    seen = _spy_checked(monkeypatch)
    writer.write_sheets(user_workbook, tmp_path / "out.xlsx", [payouts_spec(30)])
    assert seen == [frozenset()]
