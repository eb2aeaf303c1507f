"""Append-only editing of ``xl/styles.xml``.

The cell formats our sheets need (one ``cellXfs`` entry per number format)
are looked up among the existing entries first and appended only when
missing; existing entries are never renumbered or modified (user sheets refer
to them by index), and the rest of the file is kept as it is: the new
entries are spliced in at positions found by a namespace-aware parse
(:mod:`.xmledit`), named with the prefix in scope where they go, so
namespaces, ``mc:Ignorable`` prefixes and extensions survive.
A second run with the same needs finds everything and leaves the file
byte-identical.
"""
from __future__ import annotations

import re

from ..errors import WorkbookError
from . import xmledit as xe
from . import xmlutil as X

BUILTIN_FORMATS = {
    "General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "0.00E+00": 11,
    "@": 49,
}

DEFAULT_STYLES = (
    X.XML_DECL
    + '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
    "</styleSheet>"
)

_APPLY = {"applyNumberFormat", "applyFont", "applyFill", "applyBorder", "applyAlignment", "applyProtection"}


def _decode(data: bytes) -> tuple[str, bool]:
    """Text of an XML part and whether it was UTF-8 (else it is re-encoded as UTF-8)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return re.sub(r'encoding\s*=\s*["\'][^"\']*["\']', 'encoding="UTF-8"', text, count=1), False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        raise WorkbookError("xl/styles.xml is not UTF-8 text") from None


class Styles:
    """Style needs of the sheets we write, resolved against a ``styles.xml``."""

    def __init__(self, data: bytes | None):
        self.created = data is None
        self.original = data
        text, utf8 = _decode(data) if data is not None else (DEFAULT_STYLES, True)
        self._reencoded = not utf8
        self.data = text.encode("utf-8")
        root = X.parse_xml(self.data, "xl/styles.xml")
        if root.tag != X.q(X.NS_MAIN, "styleSheet"):
            raise WorkbookError("xl/styles.xml is not a SpreadsheetML style sheet")
        self.numfmts: dict[str, int] = {}
        self.max_numfmt = 163
        nf = root.find(X.q(X.NS_MAIN, "numFmts"))
        self.n_numfmts = 0
        if nf is not None:
            for el in nf.findall(X.q(X.NS_MAIN, "numFmt")):
                self.n_numfmts += 1
                try:
                    fid = int(el.get("numFmtId", ""))
                except ValueError:
                    continue
                self.numfmts.setdefault(el.get("formatCode", ""), fid)
                self.max_numfmt = max(self.max_numfmt, fid)
        xfs = root.find(X.q(X.NS_MAIN, "cellXfs"))
        self.has_cellxfs = xfs is not None
        self.xfs: list[tuple[dict, bool]] = []
        if xfs is not None:
            for el in xfs.findall(X.q(X.NS_MAIN, "xf")):
                self.xfs.append((dict(el.attrib), len(el) > 0))
        self.has_style_xfs = root.find(X.q(X.NS_MAIN, "cellStyleXfs")) is not None
        self.new_numfmts: list[tuple[int, str]] = []
        self.new_xfs: list[str] = []
        self._cache: dict[str, int] = {}

    def numfmt_id(self, code: str) -> int:
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        if code in self.numfmts:
            return self.numfmts[code]
        self.max_numfmt += 1
        fid = self.max_numfmt
        self.numfmts[code] = fid
        self.new_numfmts.append((fid, code))
        return fid

    def xf_for_format(self, code: str) -> int:
        """Index in ``cellXfs`` of a plain cell format with number format ``code``."""
        got = self._cache.get(code)
        if got is not None:
            return got
        fid = self.numfmt_id(code)
        want = {"numFmtId": str(fid), "fontId": "0", "fillId": "0", "borderId": "0"}
        if self.has_style_xfs:
            want["xfId"] = "0"
        for i, (attrs, children) in enumerate(self.xfs):
            if children:
                continue
            norm = {k: v for k, v in attrs.items() if k not in _APPLY}
            for k in ("fontId", "fillId", "borderId", "numFmtId"):
                norm.setdefault(k, "0")
            if self.has_style_xfs:
                norm.setdefault("xfId", "0")
            if norm == want:
                self._cache[code] = i
                return i
        attrs = " ".join(f'{k}="{v}"' for k, v in want.items())
        apply = ' applyNumberFormat="1"' if fid else ""
        self.new_xfs.append(f"{attrs}{apply}")  # the attributes: the element is named where it is inserted
        self.xfs.append(({**want, "applyNumberFormat": "1"}, False))
        idx = len(self.xfs) - 1
        self._cache[code] = idx
        return idx

    # -- output
    @property
    def changed(self) -> bool:
        return self.created or self._reencoded or bool(self.new_xfs) or bool(self.new_numfmts)

    def result(self) -> bytes | None:
        """The new styles.xml, or None when the original can be kept byte for byte."""
        if not self.changed:
            return None
        data = self.data
        doc = xe.scan(data, "xl/styles.xml")
        root = doc.root
        edits: list = []
        if self.new_numfmts:
            count = self.n_numfmts + len(self.new_numfmts)
            nf = root.child(X.NS_MAIN, "numFmts")
            if nf is None:  # numFmts is the first child of styleSheet
                tag, decl = root.name_for(X.NS_MAIN, "numFmts")
                edits.append((root.head_end, root.head_end,
                              f'<{tag}{decl} count="{count}">{_numfmts(_child_tag(tag, "numFmt"), self.new_numfmts)}'
                              f"</{tag}>"))
            else:
                edits.append(xe.set_attr(data, nf, "count", str(count)))
                edits += xe.append_children(data, nf, _numfmts(nf.name_for(X.NS_MAIN, "numFmt"), self.new_numfmts))
        if self.new_xfs:
            xfs = root.child(X.NS_MAIN, "cellXfs")
            if xfs is None:
                raise WorkbookError("xl/styles.xml has no cellXfs list")
            tag, decl = xfs.name_for(X.NS_MAIN, "xf")
            edits.append(xe.set_attr(data, xfs, "count", str(len(self.xfs))))
            edits += xe.append_children(data, xfs, "".join(f"<{tag}{decl} {a}/>" for a in self.new_xfs))
        return xe.splice(data, edits)


def _child_tag(parent_tag: str, local: str) -> tuple[str, str]:
    """Name of a child of an element we create: same prefix (or the default namespace it uses/declares)."""
    return (parent_tag.rsplit(":", 1)[0] + ":" + local if ":" in parent_tag else local), ""


def _numfmts(name: tuple[str, str], fmts: list[tuple[int, str]]) -> str:
    tag, decl = name
    return "".join(f'<{tag}{decl} numFmtId="{i}" formatCode="{X.plain_attr(c)}"/>' for i, c in fmts)
