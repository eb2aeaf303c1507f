"""Read side of an .xlsx/.xlsm package (the OPC zip), part by part.

:class:`Package` lists the zip entries, parses ``[Content_Types].xml``, the
package relationships, the workbook part (found through the
``officeDocument`` relationship, not hard-coded) and its relationships, and
gives the sheets (:class:`SheetInfo`) and Excel Tables (:class:`TableInfo`,
found through each sheet's relationships). Parts are read whole
(:meth:`Package.read`) or streamed (:meth:`Package.iter_decompressed`).

Only small XML parts are parsed here, with the hardened parser of
:mod:`.xmlutil`; worksheets are never parsed. Every problem is a
:class:`~salesops_xl.errors.WorkbookError`. Reads are thread-safe.
"""
from __future__ import annotations

import os
import posixpath
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from ..errors import WorkbookError
from . import xmlutil as X
from .zipraw import ZipEntry, ZipReader

CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_SHEET_KINDS = {
    X.REL_WORKSHEET: "worksheet",
    X.REL_CHARTSHEET: "chartsheet",
    X.REL_DIALOGSHEET: "dialogsheet",
    X.REL_MACROSHEET: "macrosheet",
}


_OPENDOCUMENT = [("spreadsheet", "an OpenDocument spreadsheet (.ods, as LibreOffice saves by default)"),
                 ("text", "an OpenDocument text document (.odt)"),
                 ("presentation", "an OpenDocument presentation (.odp)")]
_OTHER_OFFICE = [("wordprocessingml", "a Word document (.docx)"), ("presentationml", "a PowerPoint presentation (.pptx)"),
                 ("ms-word", "a Word document"), ("ms-powerpoint", "a PowerPoint presentation")]


def _looks_like(path: Path) -> str:
    """': it looks like a CSV text file' (or an HTML page, an Excel 2003 XML file...) from the file's start."""
    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError:
        return ""
    if not head:
        return ": it is empty"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return ("; it is an Excel 2003 XML spreadsheet: open it in Excel or LibreOffice and save it as "
                "Excel Workbook (.xlsx)")
    if text.startswith((b"<!doctype html", b"<html")) or b"<table" in text:
        return ("; it is a web page (HTML), as some systems export under an Excel name: open it in Excel or "
                "LibreOffice and save it as Excel Workbook (.xlsx)")
    if text.startswith(b"%pdf"):
        return "; it is a PDF document"
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if sample.isprintable() or all(ch.isprintable() or ch in "\r\n\t" for ch in sample):
        sep = "tab" if "\t" in sample else "comma" if "," in sample else "semicolon" if ";" in sample else None
        if sep:
            return (f"; it is a text file with {sep}-separated values (CSV): open it in Excel or LibreOffice, "
                    "make the input tables, and save it as Excel Workbook (.xlsx)")
        return "; it is a text file"
    return ""


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # as written in the .rels part
    external: bool
    part: str | None  # resolved zip part name (None for external targets)


@dataclass(frozen=True)
class SheetInfo:
    name: str
    sheet_id: int
    rel_id: str
    part: str  # e.g. "xl/worksheets/sheet3.xml"
    state: str  # "visible" | "hidden" | "veryHidden"
    kind: str  # "worksheet" | "chartsheet" | "dialogsheet" | "macrosheet"
    index: int  # position in the workbook (0-based), as used by localSheetId


@dataclass(frozen=True)
class TableInfo:
    name: str
    display_name: str
    id: int
    ref: str  # e.g. "A1:H100"
    sheet: str
    part: str  # e.g. "xl/tables/table2.xml"
    columns: tuple[str, ...]


@dataclass(frozen=True)
class DefinedName:
    name: str
    local_sheet_id: int | None
    text: str


def rels_part_of(part: str) -> str:
    """Name of the relationships part of ``part`` ('' is the package root)."""
    d, base = posixpath.split(part)
    return posixpath.join(d, "_rels", base + ".rels") if part else ROOT_RELS


def resolve_target(source_part: str, target: str) -> str:
    """Zip part name of a relationship target, relative to ``source_part``."""
    t = target.split("#", 1)[0]
    if t.startswith("/"):
        p = t[1:]
    else:
        base = posixpath.dirname(source_part)
        p = posixpath.join(base, t)
    p = posixpath.normpath(p)
    while p.startswith("../"):
        p = p[3:]
    return "" if p == "." else p


def relative_target(source_part: str, part: str) -> str:
    """Relative reference from ``source_part`` to ``part`` (as Excel writes them)."""
    return posixpath.relpath(part, posixpath.dirname(source_part) or ".")


def parse_rels(data: bytes, source_part: str, what: str) -> list[Relationship]:
    root = X.parse_xml(data, what)
    out = []
    for el in root:
        if el.tag != X.q(X.NS_PKG_REL, "Relationship"):
            continue
        rid = el.get("Id", "")
        typ = el.get("Type", "")
        target = el.get("Target", "")
        external = el.get("TargetMode", "Internal") == "External"
        out.append(Relationship(rid, typ, target, external, None if external else resolve_target(source_part, target)))
    return out


class ContentTypes:
    """Parsed ``[Content_Types].xml``: Default (by extension) and Override (by part)."""

    def __init__(self, defaults: list[tuple[str, str]], overrides: list[tuple[str, str]]):
        self.defaults = defaults  # [(extension lower-case, content type)] in file order
        self.overrides = overrides  # [("/xl/workbook.xml", content type)] in file order
        self._d = {e.lower(): ct for e, ct in defaults}
        self._o = {p.lower(): ct for p, ct in overrides}

    @classmethod
    def parse(cls, data: bytes) -> ContentTypes:
        root = X.parse_xml(data, CONTENT_TYPES)
        defaults, overrides = [], []
        for el in root:
            if el.tag == X.q(X.NS_CT, "Default"):
                defaults.append((el.get("Extension", ""), el.get("ContentType", "")))
            elif el.tag == X.q(X.NS_CT, "Override"):
                overrides.append((el.get("PartName", ""), el.get("ContentType", "")))
        return cls(defaults, overrides)

    def get(self, part: str) -> str | None:
        ct = self._o.get(("/" + part).lower())
        if ct is None:
            ext = posixpath.splitext(part)[1][1:].lower()
            ct = self._d.get(ext)
        return ct


class Package:
    """An open .xlsx/.xlsm package. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike, *, label: str | None = None):
        self.path = Path(path)
        self.label = label or self.path.name
        self._check_magic()
        self.zip = ZipReader(self.path, label=self.label)
        try:
            self._load()
        except BaseException:
            self.zip.close()
            raise
        self._rels_cache: dict[str, list[Relationship]] = {}
        self._rels_lock = threading.Lock()
        self._tables: list[TableInfo] | None = None

    # -- opening ---------------------------------------------------------
    def _check_magic(self) -> None:
        try:
            with open(self.path, "rb") as f:
                head = f.read(8)
        except FileNotFoundError:
            raise WorkbookError(f"{self.label}: file not found") from None
        except IsADirectoryError:
            raise WorkbookError(f"{self.label}: is a directory, not a workbook") from None
        except OSError as e:
            raise WorkbookError(f"{self.label}: cannot open the file: {e.strerror or e}") from None
        if head.startswith(_OLE_MAGIC):
            raise WorkbookError(f"{self.label}: the file is password-protected or legacy .xls (not an Open XML zip); "
                                "only .xlsx/.xlsm files are supported (save it as .xlsx without a password)")
        if not head.startswith(b"PK"):
            raise WorkbookError(f"{self.label}: not an .xlsx/.xlsm file (it is not a zip archive{_looks_like(self.path)})")

    def _load(self) -> None:
        z = self.zip
        self.names: list[str] = [e.name for e in z.entries]
        if z.get(CONTENT_TYPES) is None:
            odf = self._opendocument()
            if odf:
                raise WorkbookError(f"{self.label}: this is {odf}, renamed to {self.path.suffix}: salesops-xl reads "
                                    "Excel workbooks. Open it in LibreOffice and save it with File → Save As, type "
                                    "Excel 2007-365 (.xlsx)")
            raise WorkbookError(f"{self.label}: not an Office Open XML workbook (no [Content_Types].xml): the file is "
                                "a zip archive of something else. Save the workbook from Excel or LibreOffice as .xlsx")
        self.content_types = ContentTypes.parse(self.read(CONTENT_TYPES))
        if z.get(ROOT_RELS) is None:
            raise WorkbookError(f"{self.label}: not an Office Open XML workbook (no _rels/.rels)")
        self.root_rels = parse_rels(self.read(ROOT_RELS), "", ROOT_RELS)
        doc = [r for r in self.root_rels if r.type in (X.REL_OFFICE_DOCUMENT, X.REL_OFFICE_DOCUMENT_STRICT)
               and not r.external]
        if not doc:
            raise WorkbookError(f"{self.label}: not a workbook (the package has no main document)")
        assert doc[0].part is not None  # an internal relationship always resolves to a part
        wb = self._real_name(doc[0].part)
        ct = self.content_types.get(wb) or ""
        if wb.lower().endswith(".bin") or ct == X.CT_WORKBOOK_BINARY or "binary" in ct:
            raise WorkbookError(f"{self.label}: binary workbooks (.xlsb) are not supported; "
                                "only .xlsx/.xlsm files are (save it as .xlsx)")
        if ct and "spreadsheetml" not in ct and "ms-excel" not in ct:
            other = next((what for key, what in _OTHER_OFFICE if key in ct), None)
            if other:
                raise WorkbookError(f"{self.label}: this is {other}, not an Excel workbook (it was saved or renamed "
                                    f"as {self.path.suffix}). Give the Excel workbook (.xlsx) that holds the tables")
            raise WorkbookError(f"{self.label}: not an Excel workbook (main part is {ct})")
        if doc[0].type == X.REL_OFFICE_DOCUMENT_STRICT:
            raise WorkbookError(f"{self.label}: Strict Open XML workbooks are not supported; "
                                "save it as a regular .xlsx (Excel Workbook)")
        if z.get(wb) is None:
            raise WorkbookError(f"{self.label}: the workbook part {wb} is missing")
        self.workbook_part = wb
        self.workbook_rels = self._parse_rels_of(wb)
        self.workbook_xml = self.read(wb)
        root = X.parse_xml(self.workbook_xml, wb)
        by_id = {r.id: r for r in self.workbook_rels}
        sheets = []
        sheets_el = root.find(X.q(X.NS_MAIN, "sheets"))
        if sheets_el is None:
            raise WorkbookError(f"{self.label}: the workbook part lists no sheets")
        for i, el in enumerate(sheets_el.findall(X.q(X.NS_MAIN, "sheet"))):
            name = el.get("name", "")
            rid = el.get(X.q(X.NS_R, "id"), "")
            rel = by_id.get(rid)
            if rel is None or rel.part is None:
                raise WorkbookError(f"{self.label}: sheet {name!r} points to a missing relationship {rid!r}")
            try:
                sid = int(el.get("sheetId", "0"))
            except ValueError:
                raise WorkbookError(f"{self.label}: sheet {name!r} has a bad sheetId") from None
            sheets.append(SheetInfo(name, sid, rid, self._real_name(rel.part), el.get("state", "visible"),
                                    _SHEET_KINDS.get(rel.type, "worksheet"), i))
        self.sheets: list[SheetInfo] = sheets
        names = []
        dn_el = root.find(X.q(X.NS_MAIN, "definedNames"))
        if dn_el is not None:
            for el in dn_el.findall(X.q(X.NS_MAIN, "definedName")):
                lsid = el.get("localSheetId")
                names.append(DefinedName(el.get("name", ""), int(lsid) if lsid is not None and lsid.isdigit() else None,
                                         el.text or ""))
        self.defined_names: list[DefinedName] = names
        # the date system: <workbookPr date1904="1"/> (an xsd:boolean) makes serial 0 1904-01-01
        pr = root.find(X.q(X.NS_MAIN, "workbookPr"))
        self.date1904: bool = pr is not None and (pr.get("date1904") or "").strip().lower() in ("1", "true")

    def _opendocument(self) -> str | None:
        """'an OpenDocument spreadsheet (.ods)' when the zip is an OpenDocument file (its 'mimetype' entry)."""
        e = self.zip.get("mimetype")
        if e is None or e.file_size > 200:
            return None
        try:
            kind = self.zip.read(e).decode("ascii", "replace").strip()
        except WorkbookError:
            return None
        for key, what in _OPENDOCUMENT:
            if kind.startswith("application/vnd.oasis.opendocument." + key):
                return what
        return "an OpenDocument file" if "opendocument" in kind else None

    def _real_name(self, part: str) -> str:
        """Zip entry name of a part (exact, case-insensitive or percent-decoded match)."""
        if part in self.zip.by_name:
            return part
        e = self.zip.get(part)
        if e is None and "%" in part:
            e = self.zip.get(unquote(part))
        return e.name if e is not None else part

    # -- lifetime --------------------------------------------------------
    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- parts -----------------------------------------------------------
    def has(self, part: str) -> bool:
        return self.zip.get(part) is not None

    def entry(self, part: str) -> ZipEntry:
        e = self.zip.get(part)
        if e is None:
            raise WorkbookError(f"{self.label}: part {part} is missing")
        return e

    def read(self, part: str) -> bytes:
        """Decompressed content of a part (size, ratio and CRC checked)."""
        return self.zip.read(self.entry(part))

    def iter_decompressed(self, part: str, chunk: int = 1 << 20) -> Iterator[bytes]:
        """Stream the decompressed content of a part in pieces of at most ``chunk`` bytes."""
        return self.zip.iter_decompressed(self.entry(part), chunk)

    def content_type(self, part: str) -> str | None:
        return self.content_types.get(part)

    def _parse_rels_of(self, part: str) -> list[Relationship]:
        rp = rels_part_of(part)
        if self.zip.get(rp) is None:
            return []
        rels = parse_rels(self.read(rp), part, rp)
        return [Relationship(r.id, r.type, r.target, r.external, None if r.part is None else self._real_name(r.part))
                for r in rels]

    def rels(self, part: str) -> list[Relationship]:
        """Relationships of ``part`` (empty when it has none); cached."""
        with self._rels_lock:
            got = self._rels_cache.get(part)
        if got is None:
            got = self._parse_rels_of(part)
            with self._rels_lock:
                self._rels_cache[part] = got
        return got

    # -- sheets and tables -------------------------------------------------
    def sheet(self, name: str) -> SheetInfo | None:
        """The sheet called ``name`` (case-insensitive, as Excel compares names)."""
        key = name.casefold()
        for s in self.sheets:
            if s.name.casefold() == key:
                return s
        return None

    def sheet_part(self, name: str) -> str | None:
        s = self.sheet(name)
        return s.part if s is not None else None

    def tables_of(self, sheet: SheetInfo) -> list[TableInfo]:
        out: list[TableInfo] = []
        if sheet.kind != "worksheet":
            return out
        for r in self.rels(sheet.part):
            if r.type != X.REL_TABLE or r.part is None:
                continue
            if not self.has(r.part):
                raise WorkbookError(f"{self.label}: table part {r.part} of sheet {sheet.name!r} is missing")
            root = X.parse_xml(self.read(r.part), r.part)
            cols = root.find(X.q(X.NS_MAIN, "tableColumns"))
            names = tuple(c.get("name", "") for c in cols.findall(X.q(X.NS_MAIN, "tableColumn"))) if cols is not None else ()
            try:
                tid = int(root.get("id", "0"))
            except ValueError:
                tid = 0
            out.append(TableInfo(root.get("name", ""), root.get("displayName", root.get("name", "")), tid,
                                 root.get("ref", ""), sheet.name, r.part, names))
        return out

    @property
    def tables(self) -> list[TableInfo]:
        if self._tables is None:
            out = []
            for s in self.sheets:
                out.extend(self.tables_of(s))
            self._tables = out
        return self._tables

    def table(self, name: str) -> TableInfo | None:
        key = name.casefold()
        for t in self.tables:
            if t.display_name.casefold() == key or t.name.casefold() == key:
                return t
        return None
