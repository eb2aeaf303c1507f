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

#: Cell looks of the documents we write, as cell formats (LibreOffice ignores Excel table styles, so a header that
#: must look like one in a PDF needs its own font, fill and border): (font, fill, border, alignment) XML.
_WHITE_BOLD = '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/></font>'
_BOLD = '<font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/></font>'
_TITLE = '<font><b/><sz val="16"/><color rgb="FF1F4E79"/><name val="Calibri"/><family val="2"/></font>'
_SUBTITLE = '<font><b/><sz val="12"/><color rgb="FF1F4E79"/><name val="Calibri"/><family val="2"/></font>'
_DARK = '<fill><patternFill patternType="solid"><fgColor rgb="FF1F4E79"/><bgColor indexed="64"/></patternFill></fill>'
_LIGHT = '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
_TOP = '<border><left/><right/><top style="thin"><color rgb="FF1F4E79"/></top><bottom/><diagonal/></border>'
_BOTTOM = '<border><left/><right/><top/><bottom style="thin"><color rgb="FF1F4E79"/></bottom><diagonal/></border>'
_WRAP = '<alignment vertical="top" wrapText="1"/>'
LOOKS: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "header": (_WHITE_BOLD, _DARK, None, _WRAP),  # table header row
    "title": (_TITLE, None, None, None),
    "subtitle": (_SUBTITLE, None, _BOTTOM, None),
    "label": (_BOLD, None, None, None),
    "total": (_BOLD, _LIGHT, _TOP, None),  # a totals / subtotal row
    "wrap": (None, None, None, _WRAP),  # long text in a narrow column
}


def _canon(el) -> tuple:
    """Comparable form of an element (tag, attributes, children), to find an entry written by an earlier run."""
    return (el.tag.split("}")[-1], tuple(sorted((k, v) for k, v in el.attrib.items() if k not in _APPLY)),
            tuple(_canon(c) for c in el))


def _named(markup: str, prefix: str, decl: str) -> str:
    """``markup`` (unprefixed SpreadsheetML) with every element named with ``prefix``; ``decl`` on the top one."""
    out = re.sub(r"<(/?)(\w)", lambda m: f"<{m.group(1)}{prefix}{m.group(2)}", markup)
    if decl:
        out = re.sub(r"^<([\w:]+)", lambda m: f"<{m.group(1)}{decl}", out, count=1)
    return out


class Styles:
    """Style needs of the sheets we write, resolved against a ``styles.xml``."""

    def __init__(self, data: bytes | None):
        self.created = data is None
        self.original = data
        text, utf8 = X.decode_part(data, "xl/styles.xml") if data is not None else (DEFAULT_STYLES, True)
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
        self.xf_canon = [_canon(el) for el in xfs.findall(X.q(X.NS_MAIN, "xf"))] if xfs is not None else []
        self.lists: dict[str, list[tuple]] = {}
        self.has_list: dict[str, bool] = {}
        for local in ("fonts", "fills", "borders"):
            list_el = root.find(X.q(X.NS_MAIN, local))
            self.lists[local] = [_canon(c) for c in list_el] if list_el is not None else []
            self.has_list[local] = list_el is not None
        self.new_items: dict[str, list[str]] = {"fonts": [], "fills": [], "borders": []}
        self.new_numfmts: list[tuple[int, str]] = []
        self.new_xfs: list[str | tuple[str, str]] = []  # attributes, or (attributes, child markup)
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
        markup = " ".join(f'{k}="{v}"' for k, v in want.items())
        apply = ' applyNumberFormat="1"' if fid else ""
        self.new_xfs.append(f"{markup}{apply}")  # the attributes: the element is named where it is inserted
        self.xfs.append(({**want, "applyNumberFormat": "1"}, False))
        self.xf_canon.append(("xf", tuple(sorted(want.items())), ()))
        idx = len(self.xfs) - 1
        self._cache[code] = idx
        return idx

    def _item_id(self, local: str, xml: str | None) -> int:
        if xml is None or not self.has_list[local]:  # a style sheet without that list: the look goes without it
            return 0
        canon = _canon(X.parse_xml(xml.encode(), "style"))
        have = self.lists[local]
        if canon in have:
            return have.index(canon)
        have.append(canon)
        self.new_items[local].append(xml)
        return len(have) - 1

    def xf_look(self, look: str, code: str = "General") -> int:
        """Index in ``cellXfs`` of a cell format with one of the :data:`LOOKS` and number format ``code``."""
        key = f"{look}\0{code}"
        got = self._cache.get(key)
        if got is not None:
            return got
        font, fill, border, align = LOOKS[look]
        attrs = {"numFmtId": str(self.numfmt_id(code)), "fontId": str(self._item_id("fonts", font)),
                 "fillId": str(self._item_id("fills", fill)), "borderId": str(self._item_id("borders", border))}
        if self.has_style_xfs:
            attrs["xfId"] = "0"
        canon = _canon(X.parse_xml(("<xf " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + ">"
                                    + (align or "") + "</xf>").encode(), "style"))
        if canon in self.xf_canon:
            idx = self.xf_canon.index(canon)
        else:
            apply = "".join(f' {a}="1"' for a, on in (("applyNumberFormat", attrs["numFmtId"] != "0"),
                                                       ("applyFont", font), ("applyFill", fill),
                                                       ("applyBorder", border), ("applyAlignment", align)) if on)
            text = " ".join(f'{k}="{v}"' for k, v in attrs.items()) + apply
            self.new_xfs.append((text, align) if align else text)
            self.xfs.append((attrs, bool(align)))
            self.xf_canon.append(canon)
            idx = len(self.xfs) - 1
        self._cache[key] = idx
        return idx

    # -- output
    @property
    def changed(self) -> bool:
        return (self.created or self._reencoded or bool(self.new_xfs) or bool(self.new_numfmts)
                or any(self.new_items.values()))

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
        for local, new in self.new_items.items():
            if not new:
                continue
            el = root.child(X.NS_MAIN, local)
            if el is None:
                raise WorkbookError(f"xl/styles.xml has no {local} list")
            tag, decl = el.name_for(X.NS_MAIN, local[:-1])
            prefix = tag[:-len(local[:-1])]
            edits.append(xe.set_attr(data, el, "count", str(len(self.lists[local]))))
            edits += xe.append_children(data, el, "".join(_named(x, prefix, decl) for x in new))
        if self.new_xfs:
            xfs = root.child(X.NS_MAIN, "cellXfs")
            if xfs is None:
                raise WorkbookError("xl/styles.xml has no cellXfs list")
            tag, decl = xfs.name_for(X.NS_MAIN, "xf")
            prefix = tag[:-2]
            items = []
            for a in self.new_xfs:
                if isinstance(a, tuple):
                    items.append(f"<{tag}{decl} {a[0]}>{_named(a[1], prefix, '')}</{tag}>")
                else:
                    items.append(f"<{tag}{decl} {a}/>")
            edits.append(xe.set_attr(data, xfs, "count", str(len(self.xfs))))
            edits += xe.append_children(data, xfs, "".join(items))
        return xe.splice(data, edits)


def _child_tag(parent_tag: str, local: str) -> tuple[str, str]:
    """Name of a child of an element we create: same prefix (or the default namespace it uses/declares)."""
    return (parent_tag.rsplit(":", 1)[0] + ":" + local if ":" in parent_tag else local), ""


def _numfmts(name: tuple[str, str], fmts: list[tuple[int, str]]) -> str:
    tag, decl = name
    return "".join(f'<{tag}{decl} numFmtId="{i}" formatCode="{X.plain_attr(c)}"/>' for i, c in fmts)
