"""Page setup of the sheets we write: every sheet prints as a document.

For each sheet :func:`page_setup` decides

* the **orientation**: as the spec says, or landscape when the content is
  wider than 1.15 portrait pages (so a wide table is not shrunk to tiny type);
* **fit to width** (one page wide, as many pages tall as needed);
* the **print titles**: the rows and columns repeated on every page, by
  default the frozen ones (a table's header row and its ID columns), written
  as the sheet-scoped defined name ``_xlnm.Print_Titles``;
* the **print area** (``_xlnm.Print_Area``): every cell and chart we wrote (or the columns, or the cell
  range, the spec names);
* **manual page breaks** before a chart that an automatic break would cut.
  Pagination is estimated from the column widths and the default row height,
  with a wide margin either way (LibreOffice measures columns and rows itself: its scale came out
  up to 15% off the estimate, and wrapped headers make rows taller):
  a chart is left alone only if it lands on one page under both the low and
  the high estimate.

:func:`set_print_names` puts the defined names into ``workbook.xml``: it
finds the ``<definedNames>`` element and its children with a real XML parser
(expat, with byte positions), replaces the print names of the sheets we own
in place, appends new ones and leaves every other name, prefix and byte as
it was.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.parsers import expat

from ..cellrefs import col_index, col_letters, parse_cell, quote_sheet
from ..errors import WorkbookError
from . import xmlutil as X

# A4 in points; margins in inches as written in <pageMargins>
PAGE_W, PAGE_H = 595.3, 841.9
MARGIN_LR, MARGIN_TB, MARGIN_HF = 0.5, 0.6, 0.3
ROW_PT = 15.0
DEFAULT_COL_CHARS = 8.43
PRINT_TITLES, PRINT_AREA = "_xlnm.Print_Titles", "_xlnm.Print_Area"


def col_points(chars: float) -> float:
    """Width in points of a column ``chars`` characters wide (Calibri 11: 7 px a character, 5 px padding)."""
    return (chars * 7 + 5) * 0.75


@dataclass(frozen=True)
class PageSetup:
    landscape: bool
    fit_width: bool
    title_rows: tuple[int, int] | None  # 0-based, inclusive
    title_cols: tuple[int, int] | None
    area: tuple[int, int, int, int] | None  # r0, c0, r1, c1 (0-based, inclusive)
    row_breaks: tuple[int, ...]  # 0-based rows that start a new page

    def names(self, sheet: str) -> dict[str, str]:
        """The sheet's print defined names and their formulas."""
        q = quote_sheet(sheet)
        out = {}
        titles = []
        if self.title_cols:
            titles.append(f"{q}!${col_letters(self.title_cols[0])}:${col_letters(self.title_cols[1])}")
        if self.title_rows:
            titles.append(f"{q}!${self.title_rows[0] + 1}:${self.title_rows[1] + 1}")
        if titles:
            out[PRINT_TITLES] = ",".join(titles)
        if self.area:  # a cell range (whole columns would be shorter, but openpyxl cannot read them)
            r0, c0, r1, c1 = self.area
            out[PRINT_AREA] = f"{q}!${col_letters(c0)}${r0 + 1}:${col_letters(c1)}${r1 + 1}"
        return out

    def xml(self) -> str:
        """``<pageMargins>``, ``<pageSetup>``, ``<headerFooter>`` and ``<rowBreaks>`` of the worksheet."""
        fit = ' fitToWidth="1" fitToHeight="0"' if self.fit_width else ""
        orient = "landscape" if self.landscape else "portrait"
        parts = [f'<pageMargins left="{MARGIN_LR}" right="{MARGIN_LR}" top="{MARGIN_TB}" bottom="{MARGIN_TB}" '
                 f'header="{MARGIN_HF}" footer="{MARGIN_HF}"/>',
                 f'<pageSetup paperSize="9" orientation="{orient}"{fit}/>',
                 "<headerFooter><oddFooter>&amp;L&amp;A&amp;RPage &amp;P of &amp;N</oddFooter></headerFooter>"]
        if self.row_breaks:
            n = len(self.row_breaks)
            parts.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">'
                         + "".join(f'<brk id="{r}" max="16383" man="1"/>' for r in self.row_breaks)
                         + "</rowBreaks>")
        return "".join(parts)


def _span(text: str | None, kind: str, where: str) -> tuple[int, int] | None:
    """'1:6' (rows) or 'A:B' (columns) -> 0-based inclusive bounds; '' -> None."""
    if not text:
        return None
    a, _, b = text.replace("$", "").partition(":")
    b = b or a
    try:
        lo, hi = ((int(a) - 1, int(b) - 1) if kind == "rows" else (col_index(a.upper()), col_index(b.upper())))
    except (ValueError, WorkbookError):
        raise WorkbookError(f"{where}: print {kind} {text!r} is not a range like "
                            f"{'1:3' if kind == 'rows' else 'A:B'}") from None
    if lo < 0 or hi < lo:
        raise WorkbookError(f"{where}: print {kind} {text!r} is not a range")
    return lo, hi


def _cells(text: str, where: str) -> tuple[int, int, int, int]:
    """'A1:K4' -> 0-based inclusive (r0, c0, r1, c1)."""
    a, _, b = text.replace("$", "").partition(":")
    r0, c0 = parse_cell(a, f"{where}, print area")
    r1, c1 = parse_cell(b or a, f"{where}, print area")
    if r1 < r0 or c1 < c0:
        raise WorkbookError(f"{where}: print area {text!r} is not a range like A1:K4")
    return r0, c0, r1, c1


def page_setup(spec, blocks, widths: dict[int, float]) -> PageSetup:
    """The page setup of a laid-out sheet (``blocks``: its cell blocks; ``widths``: column widths in characters)."""
    where = f"sheet {spec.name!r}"
    # what is printed: every block, chart and picture
    boxes = [(b.r0, b.c0, b.r1 - 1, b.c0 + b.ncols - 1) for b in blocks]
    charts = []
    for ch in spec.charts:
        r, c = parse_cell(ch.anchor, f"{where}, chart anchor")
        h, w = max(1, int(ch.height_rows)), max(1, int(ch.width_cols))
        charts.append((r, r + h))
        boxes.append((r, c, r + h, c + w - 1))
    for pic in getattr(spec, "pictures", ()):
        r, c = parse_cell(pic.anchor, f"{where}, picture anchor")
        h, w = pic.rows_cols
        charts.append((r, r + h))  # kept whole on a page like a chart
        boxes.append((r, c, r + h, c + w - 1))
    area = None
    if boxes:
        area = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                max(b[3] for b in boxes))
        area = (0, 0, area[2], area[3])  # from A1: titles and notes above a table belong to the page
        chosen = getattr(spec, "print_area", None)
        if chosen and any(ch.isdigit() for ch in chosen):  # a cell range: exactly what the sheet prints
            area = _cells(chosen, where)
        elif chosen:
            only = _span(chosen, "columns", where)
            assert only is not None  # `chosen` is not empty
            area = (0, only[0], area[2], only[1])
    rows = _span(spec.print_rows, "rows", where)
    cols = _span(spec.print_cols, "columns", where)
    if spec.freeze and spec.print_rows is None and spec.print_cols is None:
        fr, fc = parse_cell(spec.freeze, f"{where}, freeze")
        rows = (0, fr - 1) if fr > 0 else None
        cols = (0, fc - 1) if fc > 0 else None
    content_w = sum(col_points(widths.get(c, DEFAULT_COL_CHARS)) for c in range(area[1], area[3] + 1)) if area else 0
    portrait_w = PAGE_W - 2 * 72 * MARGIN_LR
    landscape = spec.print_landscape
    if landscape is None:
        landscape = content_w > 1.15 * portrait_w
    fit = bool(spec.print_fit_width)
    breaks = _chart_breaks(charts, content_w, landscape, fit, rows) if charts and area else ()
    return PageSetup(landscape, fit, rows, cols, area, breaks)


def _chart_breaks(charts: list[tuple[int, int]], content_w: float, landscape: bool, fit: bool,
                  title_rows: tuple[int, int] | None) -> tuple[int, ...]:
    """Rows where a manual page break keeps a chart (rows [a, b)) whole."""
    w, h = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)
    body_w = w - 2 * 72 * MARGIN_LR
    body_h = h - 2 * 72 * MARGIN_TB - 24  # the footer
    scale = min(1.0, body_w / content_w) if fit and content_w > 0 else 1.0
    n_titles = (title_rows[1] - title_rows[0] + 1) if title_rows else 0
    per_page = body_h / (ROW_PT * scale)
    lo, hi = max(1, int(per_page * 0.7) - n_titles), max(1, int(per_page * 1.5) - n_titles)
    breaks: list[int] = []
    start = 0
    for a, b in sorted(charts):
        if b - a > lo:  # taller than a page: nothing helps, start it on a fresh page
            if a > start:
                breaks.append(a)
                start = a
            continue
        fits = True
        for n in (lo, hi):
            k = (a - start) // n
            if b > start + (k + 1) * n:
                fits = False
        if (a - start) // lo != (a - start) // hi:
            fits = False  # the estimates disagree about which page it starts on
        if not fits and a > start:
            breaks.append(a)
            start = a
    return tuple(breaks)


# ----------------------------------------------------------------------------
# workbook.xml: the print defined names


@dataclass
class _Name:
    name: str
    local: int | None
    start: int  # byte span of the element in the document
    end: int


@dataclass
class _ScanState:
    """What _scan's parser callbacks have seen so far."""

    dn: tuple[int, int] | None = None  # <definedNames>: start byte, index of the event after its end
    dn_start: int = 0
    after: int | None = None  # index of the event after the element a new <definedNames> follows
    prefix: str = ""  # the main namespace's prefix with its colon, or ""
    open: _Name | None = None  # the <definedName> being read


def _scan(data: bytes) -> tuple[list[_Name], tuple[int, int] | None, int | None, str]:
    """definedName elements, the span of <definedNames>, where a new one would go, the main prefix."""
    p = expat.ParserCreate(namespace_separator="}")
    p.namespace_prefixes = True
    events: list[int] = []
    stack: list[str] = []
    names: list[_Name] = []
    state = _ScanState()

    def split(tag: str) -> tuple[str, str, str]:
        parts = tag.split("}")
        ns, local, prefix = (parts + ["", ""])[:3] if len(parts) > 1 else ("", parts[0], "")
        return ns, local, prefix

    def start(tag, attrs):
        events.append(p.CurrentByteIndex)
        ns, local, prefix = split(tag)
        if len(stack) == 0:
            state.prefix = (prefix + ":") if prefix else ""
        if len(stack) == 1 and ns == X.NS_MAIN and local == "definedNames":
            state.dn_start = p.CurrentByteIndex
        if len(stack) == 2 and stack[1] == "definedNames" and local == "definedName":
            local_id = attrs.get("localSheetId")
            state.open = _Name(attrs.get("name", ""), int(local_id) if local_id and local_id.isdigit() else None,
                                  p.CurrentByteIndex, -1)
        stack.append(local if ns == X.NS_MAIN else "?")

    def end(tag):
        events.append(p.CurrentByteIndex)
        local = stack.pop()
        if len(stack) == 2 and stack[1] == "definedNames" and state.open is not None and local == "definedName":
            names.append(state.open)
            state.open.end = len(events)  # resolved below: the next event's position
            state.open = None
        if len(stack) == 1 and local == "definedNames":
            state.dn = (state.dn_start, len(events))
        if len(stack) == 1 and local in ("sheets", "functionGroups", "externalReferences"):
            state.after = len(events)

    def other(*_a):
        events.append(p.CurrentByteIndex)

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = other
    p.CommentHandler = other
    p.ProcessingInstructionHandler = other
    p.StartDoctypeDeclHandler = X._refuse
    p.EntityDeclHandler = X._refuse
    try:
        p.Parse(data, True)
    except (expat.ExpatError, X._Refused) as e:
        raise WorkbookError(f"workbook.xml: malformed XML ({e})") from None
    events.append(len(data))

    def resolve(k: int) -> int:  # end of an element = where the next event starts
        return events[k] if k < len(events) else len(data)

    for n in names:
        n.end = resolve(n.end)
    dn = (state.dn[0], resolve(state.dn[1])) if state.dn else None
    after = resolve(state.after) if state.after is not None else None
    return names, dn, after, state.prefix


def set_print_names(text: str, wanted: dict[int, dict[str, str]]) -> str:
    """``workbook.xml`` with the print names of the sheets in ``wanted`` (localSheetId -> {name: formula}).

    Print names of those sheets that are not wanted any more are removed; an existing one is replaced where
    it stands; every other defined name stays byte for byte.
    """
    ours = {PRINT_TITLES.casefold(), PRINT_AREA.casefold()}
    data = text.encode("utf-8")
    names, dn, after, prefix = _scan(data)
    todo = {(i, n.casefold()): (n, f) for i, d in wanted.items() for n, f in d.items()}
    edits: list[tuple[int, int, bytes]] = []
    for n in names:
        if n.local in wanted and n.name.casefold() in ours:
            got = todo.pop((n.local, n.name.casefold()), None)
            new = _elem(prefix, got[0], n.local, got[1]) if got else ""
            edits.append((n.start, n.end, new.encode("utf-8")))
    extra = "".join(_elem(prefix, nm, i, f) for (i, _), (nm, f) in sorted(todo.items()))
    if extra:
        if dn is not None:
            close = data.rfind(b"</", dn[0], dn[1])
            if data[dn[0]:dn[1]].rstrip().endswith(b"/>"):  # <definedNames/>
                edits.append((dn[0], dn[1], f"<{prefix}definedNames>{extra}</{prefix}definedNames>".encode()))
            else:
                edits.append((close, close, extra.encode("utf-8")))
        elif after is not None:
            edits.append((after, after, f"<{prefix}definedNames>{extra}</{prefix}definedNames>".encode()))
        else:
            raise WorkbookError("workbook.xml: no <sheets> element to place the print settings after")
    if not edits:
        return text
    out = bytearray(data)
    for a, b, piece in sorted(edits, key=lambda e: e[0], reverse=True):
        out[a:b] = piece
    result = bytes(out)
    if dn is not None and not any(n for n in _scan(result)[0]):  # all names gone: an empty list is invalid
        _n, dn2, _a, _p = _scan(result)
        if dn2 is not None:
            result = result[:dn2[0]] + result[dn2[1]:]
    return result.decode("utf-8")


def _elem(prefix: str, name: str, local: int, formula: str) -> str:
    return (f'<{prefix}definedName name="{X.plain_attr(name)}" localSheetId="{local}">'
            f"{X.xml_text(formula)}</{prefix}definedName>")


__all__ = ["PageSetup", "page_setup", "set_print_names", "col_points"]
