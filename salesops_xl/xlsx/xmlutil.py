"""Small XML helpers shared by the package reader and the writer.

* :func:`parse_xml` - a hardened parser: documents with a DTD (``<!DOCTYPE``)
  or entity declarations are refused (no entity expansion, no external
  resources, so no "billion laughs" / XXE), and the result is a plain
  :mod:`xml.etree.ElementTree` element with ``{namespace}local`` tags;
  :func:`check_xml` runs the same parser over bytes or streamed chunks and
  builds nothing (namespaces are processed, so an unbound prefix is an
  error), and :func:`hardened_parser` gives that parser to other callers.
* escaping for element text and attribute values, including the OOXML
  ``_xHHHH_`` escape for characters that XML 1.0 cannot hold.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from xml.parsers import expat

from ..errors import WorkbookError

# Namespaces used by the parts we read or write.
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"

REL_OFFICE_DOCUMENT = NS_R + "/officeDocument"
REL_OFFICE_DOCUMENT_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument"
REL_WORKSHEET = NS_R + "/worksheet"
REL_CHARTSHEET = NS_R + "/chartsheet"
REL_DIALOGSHEET = NS_R + "/dialogsheet"
REL_MACROSHEET = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"
REL_TABLE = NS_R + "/table"
REL_DRAWING = NS_R + "/drawing"
REL_CHART = NS_R + "/chart"
REL_IMAGE = NS_R + "/image"
REL_STYLES = NS_R + "/styles"
REL_THEME = NS_R + "/theme"
REL_CALC_CHAIN = NS_R + "/calcChain"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_EXTENDED = NS_R + "/extended-properties"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_THEME = "application/vnd.openxmlformats-officedocument.theme+xml"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_WORKBOOK_MACRO = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_WORKBOOK_BINARY = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_EXTENDED = "application/vnd.openxmlformats-officedocument.extended-properties+xml"

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def q(ns: str, local: str) -> str:
    """Clark-notation tag ``{ns}local``."""
    return "{%s}%s" % (ns, local)


def _refuse(*_args):
    raise _Refused()


class _Refused(Exception):
    pass


def hardened_parser(namespace_separator: str = "}") -> expat.XMLParserType:
    """An expat parser with namespace processing that refuses DTDs and entity declarations."""
    p = expat.ParserCreate(namespace_separator=namespace_separator)
    p.buffer_text = True
    p.ordered_attributes = False
    p.StartDoctypeDeclHandler = _refuse
    p.EntityDeclHandler = _refuse
    p.UnparsedEntityDeclHandler = _refuse
    p.ExternalEntityRefHandler = _refuse
    p.NotationDeclHandler = _refuse
    return p


def run_parser(p, data: bytes | Iterable[bytes], what: str) -> None:
    """Feed ``data`` (bytes, or chunks of them) to a parser from :func:`hardened_parser`.

    Raises :class:`WorkbookError` naming ``what`` for malformed XML (which,
    with namespace processing, includes a prefix used where it is not
    declared) or a DTD / entity declaration.
    """
    try:
        if isinstance(data, (bytes, bytearray, memoryview)):
            p.Parse(data, True)
        else:
            for chunk in data:
                p.Parse(chunk, False)
            p.Parse(b"", True)
    except _Refused:
        raise WorkbookError(f"{what}: XML with a DTD or entity declarations (<!DOCTYPE/<!ENTITY) is refused") from None
    except (expat.ExpatError, AssertionError, IndexError) as e:
        raise WorkbookError(f"{what}: malformed XML ({e})") from None


def check_xml(data: bytes | Iterable[bytes], what: str = "XML part") -> None:
    """Check that ``data`` (bytes or chunks) is namespace-well-formed XML without a DTD; build nothing.

    The parse runs in expat's C code with no Python callback per element, so
    it streams a worksheet of hundreds of megabytes at parser speed.
    """
    run_parser(hardened_parser(), data, what)


def parse_xml(data: bytes, what: str = "XML part") -> ET.Element:
    """Parse ``data`` into an Element; refuse DTDs and entity declarations.

    Raises :class:`WorkbookError` for malformed XML or any ``<!DOCTYPE`` /
    ``<!ENTITY`` (such documents never occur in files written by Excel, and are
    the vehicle of entity-expansion bombs and external-entity attacks).
    """
    builder = ET.TreeBuilder()
    p = hardened_parser()

    def fix(name: str) -> str:
        return "{" + name if "}" in name else name

    def start(tag, attrs):
        builder.start(fix(tag), {fix(k): v for k, v in attrs.items()})

    p.StartElementHandler = start
    p.EndElementHandler = lambda tag: builder.end(fix(tag))
    p.CharacterDataHandler = builder.data
    run_parser(p, data, what)
    try:
        return builder.close()
    except AssertionError as e:  # pragma: no cover - expat checked the nesting
        raise WorkbookError(f"{what}: malformed XML ({e})") from None


# --- escaping ---------------------------------------------------------------

# Characters XML 1.0 cannot hold (plus CR, which parsers would normalise to LF,
# and lone surrogates, which cannot be encoded): written as _xHHHH_.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A literal _xHHHH_ in the text must not be read back as an escape.
_LITERAL_ESC = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
_NEEDS_OOXML = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def ooxml_escape(s: str) -> str:
    """Apply the OOXML ``_xHHHH_`` escape (no XML escaping)."""
    if not _NEEDS_OOXML.search(s):
        return s
    s = _LITERAL_ESC.sub("_x005F_", s)
    return _ILLEGAL.sub(lambda m: "_x%04X_" % ord(m.group()), s)


def xml_text(s: str) -> str:
    """Escape element text (&, <, >) after the OOXML escape."""
    s = ooxml_escape(s)
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s


def xml_attr(s: str) -> str:
    """Escape an attribute value (quoted with ``"``); tabs/newlines as char refs."""
    s = ooxml_escape(s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    if "\t" in s or "\n" in s:
        s = s.replace("\t", "&#9;").replace("\n", "&#10;")
    return s


def plain_attr(s: str) -> str:
    """Escape an attribute value without the OOXML escape (for values that are
    not cell text, e.g. formulas and part names); illegal characters are refused."""
    if _ILLEGAL.search(s.replace("\r", "")):
        raise WorkbookError(f"value {s[:40]!r} holds characters that XML cannot store")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return s.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def needs_preserve(s: str) -> bool:
    """Whether a ``<t>`` needs ``xml:space="preserve"`` to keep its whitespace."""
    return bool(s) and (s[0] in " \t\n" or s[-1] in " \t\n" or "\n" in s or "\t" in s or "  " in s)


def decode_part(data: bytes, what: str) -> tuple[str, bool]:
    """Text of an XML part and whether it was UTF-8 as stored (a BOM or UTF-16 is re-encoded as UTF-8)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
        return re.sub(r'encoding\s*=\s*["\'][^"\']*["\']', 'encoding="UTF-8"', text, count=1), False
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        raise WorkbookError(f"{what} is not UTF-8 text") from None
