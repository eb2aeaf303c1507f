"""Append-only editing of ``xl/styles.xml``.

The cell formats our sheets need (one ``cellXfs`` entry per number format)
are looked up among the existing entries first and appended only when
missing; existing entries are never renumbered or modified (user sheets refer
to them by index), and the rest of the file is kept as it is (the edit is
textual, so namespaces, ``mc:Ignorable`` prefixes and extensions survive).
A second run with the same needs finds everything and leaves the file
byte-identical.
"""
from __future__ import annotations

import re

from ..errors import WorkbookError
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
        self.text = text
        root = X.parse_xml(text.encode("utf-8"), "xl/styles.xml")
        m = re.search(r"<(?:([A-Za-z_][\w.\-]*):)?styleSheet\b", text)
        if not m or root.tag != X.q(X.NS_MAIN, "styleSheet"):
            raise WorkbookError("xl/styles.xml is not a SpreadsheetML style sheet")
        self.prefix = (m.group(1) + ":") if m.group(1) else ""
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
        self.new_xfs.append(f"<{self.prefix}xf {attrs}{apply}/>")
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
        text = self.text
        p = self.prefix
        if self.new_numfmts:
            items = "".join(f'<{p}numFmt numFmtId="{i}" formatCode="{X.plain_attr(c)}"/>' for i, c in self.new_numfmts)
            text = _append_children(text, p, "numFmts", items, self.n_numfmts + len(self.new_numfmts),
                                    create_after=f"<{p}styleSheet")
        if self.new_xfs:
            items = "".join(self.new_xfs)
            if not self.has_cellxfs:
                raise WorkbookError("xl/styles.xml has no cellXfs list")
            text = _append_children(text, p, "cellXfs", items, len(self.xfs), create_after=None)
        return text.encode("utf-8")


def _append_children(text: str, p: str, local: str, items: str, count: int, create_after: str | None) -> str:
    start_re = re.compile(r"<%s%s\b([^>]*?)(/?)>" % (re.escape(p), local))
    m = start_re.search(text)
    if m is None:
        if create_after is None:
            raise WorkbookError(f"xl/styles.xml has no {local} list")
        a = text.find(create_after)
        if a < 0:
            raise WorkbookError("xl/styles.xml: cannot find the style sheet element")
        end = text.find(">", a) + 1
        return text[:end] + f'<{p}{local} count="{count}">{items}</{p}{local}>' + text[end:]
    attrs = m.group(1)
    if re.search(r'\bcount\s*=\s*"[^"]*"', attrs):
        attrs = re.sub(r'\bcount\s*=\s*"[^"]*"', f'count="{count}"', attrs, count=1)
    elif re.search(r"\bcount\s*=\s*'[^']*'", attrs):
        attrs = re.sub(r"\bcount\s*=\s*'[^']*'", f'count="{count}"', attrs, count=1)
    else:
        attrs = f' count="{count}"' + attrs
    if m.group(2):  # self-closing <cellXfs count="0"/>
        return text[:m.start()] + f"<{p}{local}{attrs}>{items}</{p}{local}>" + text[m.end():]
    close = f"</{p}{local}>"
    c = text.find(close, m.end())
    if c < 0:
        raise WorkbookError(f"xl/styles.xml: unterminated {local} list")
    return text[:m.start()] + f"<{p}{local}{attrs}>" + text[m.end():c] + items + text[c:]
