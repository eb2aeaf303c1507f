"""Worksheet and table parts of one :class:`~salesops_xl.sheets.SheetSpec`.

:func:`layout_sheet` validates a spec and places its tables and notes on the
grid; :func:`iter_worksheet` streams the worksheet XML in chunks (rows are
assembled a few thousand at a time from the column encoders of
:mod:`.cellxml`); :func:`table_xml` writes a table part.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from ..cellrefs import MAX_COLS, MAX_ROWS, cell_ref, check_table_name, parse_cell, range_ref
from ..errors import WorkbookError
from ..sheets import NUMBER_FORMATS, Column, ListValidation, SheetSpec, TableBlock
from . import xmlutil as X
from .cellxml import ColumnCells, Where, column_cells, format_ints, text_cell
from .printsetup import PageSetup, page_setup
from .styles import Styles

MAX_WIDTH = 60.0
MIN_WIDTH = 6.0
ITEMS_PER_CHUNK = 400_000  # object references per assembled chunk (bounds memory)
MAX_ROWS_PER_CHUNK = 32_768


@dataclass
class TableLayout:
    spec: TableBlock
    r0: int  # header row (0-based)
    c0: int  # first column (0-based)
    n_rows: int  # data rows in the spec
    names: list[str]  # header texts (unique, as in tableColumns)
    encoders: list[ColumnCells]
    styles: list[int]
    id: int = 0
    part: str = ""

    @property
    def ncols(self) -> int:
        return len(self.names)

    @property
    def data_rows(self) -> int:
        return max(self.n_rows, 1)  # an empty table keeps one empty data row

    @property
    def r_last(self) -> int:
        return self.r0 + self.data_rows

    @property
    def c_last(self) -> int:
        return self.c0 + self.ncols - 1

    @property
    def ref(self) -> str:
        return range_ref(self.r0, self.c0, self.r_last, self.c_last)

    def column_index(self, name: str) -> int | None:
        for i, c in enumerate(self.spec.columns):
            if c.name == name:
                return i
        key = name.casefold()
        for i, nm in enumerate(self.names):
            if nm.casefold() == key:
                return i
        return None

    def data_range(self, j: int, absolute: bool = True) -> str:
        return range_ref(self.r0 + 1, self.c0 + j, self.r_last, self.c0 + j, absolute)


@dataclass
class Block:
    """Cells of rows [r0, r1) starting at column c0 and spanning ncols columns."""

    r0: int
    r1: int
    c0: int
    ncols: int
    items: Callable[[int, int], list]  # sheet rows [a, b) -> items
    what: str

    def overlaps(self, other: Block) -> bool:
        return (self.r0 < other.r1 and other.r0 < self.r1 and self.c0 < other.c0 + other.ncols
                and other.c0 < self.c0 + self.ncols)


@dataclass
class SheetLayout:
    spec: SheetSpec
    tables: list[TableLayout]
    blocks: list[Block]
    widths: dict[int, float]
    text_style: int
    validations: list[tuple[str, str]] = field(default_factory=list)  # (sqref, formula1)
    date1904: bool = False  # the workbook's date system: dates are written as its serial numbers
    page: PageSetup | None = None
    heights: dict[int, float] = field(default_factory=dict)  # row -> height in points (wrapped table headers)

    def table(self, name: str) -> TableLayout | None:
        key = name.casefold()
        for t in self.tables:
            if t.spec.name.casefold() == key:
                return t
        return None

    @property
    def dimension(self) -> str:
        if not self.blocks:
            return "A1"
        r0 = min(b.r0 for b in self.blocks)
        r1 = max(b.r1 for b in self.blocks) - 1
        c0 = min(b.c0 for b in self.blocks)
        c1 = max(b.c0 + b.ncols for b in self.blocks) - 1
        if (r0, c0) == (r1, c1):
            return cell_ref(r0, c0)
        return range_ref(r0, c0, r1, c1)

    def size_bound(self) -> int:
        """Upper bound of the worksheet XML size in bytes (decides ZIP64 ahead of writing)."""
        total = 64 * 1024 + 200 * len(self.widths) + 400 * len(self.validations)
        for b in self.blocks:
            total += (b.r1 - b.r0) * 32
        for t in self.tables:
            per_row = sum(e.max_bytes for e in t.encoders) + 4 * t.c0
            total += t.data_rows * per_row + sum(len(n) * 4 + 64 for n in t.names)
        return total


def unique_column_names(columns: tuple[Column, ...]) -> list[str]:
    """Header texts as Excel requires them: non-empty and unique (case-insensitively)."""
    out: list[str] = []
    seen: set[str] = set()
    for i, c in enumerate(columns):
        base = c.name if isinstance(c.name, str) else str(c.name)
        base = base.replace("\r\n", "\n").replace("\r", "\n")
        if not base.strip():
            base = f"Column{i + 1}"
        name = base
        k = 2
        while name.casefold() in seen:
            name = f"{base}{k}"
            k += 1
        seen.add(name.casefold())
        out.append(name)
    return out


def _estimate_width(header: str, content: float, kind: str) -> float:
    h = max((len(x) for x in header.split("\n")), default=0) + 3.0  # room for the filter button
    c = content + 1.5
    if kind == "date":
        c = max(c, 11.5)
    return round(min(MAX_WIDTH, max(MIN_WIDTH, h, c)), 2)


def _looks(spec: SheetSpec, styles: Styles) -> dict[tuple[int, int], int]:
    from .styles import LOOKS

    out = {}
    for cell, look in getattr(spec, "looks", ()) or ():
        if look not in LOOKS and look not in NUMBER_FORMATS:
            raise WorkbookError(f"sheet {spec.name!r}, cell {cell}: unknown look {look!r} "
                                f"(one of {', '.join(sorted(LOOKS))})")
        key = parse_cell(cell, f"sheet {spec.name!r}, look")
        out[key] = styles.xf_for_format(NUMBER_FORMATS[look]) if look in NUMBER_FORMATS else styles.xf_look(look)
    return out


def layout_sheet(spec: SheetSpec, styles: Styles, date1904: bool = False) -> SheetLayout:
    text_style = styles.xf_for_format(NUMBER_FORMATS["text"])
    header_style = styles.xf_look("header", NUMBER_FORMATS["text"])
    looks = _looks(spec, styles)
    cached = {parse_cell(k, f"sheet {spec.name!r}, cached value"): v
              for k, v in (getattr(spec, "cached", None) or {}).items()}
    tables: list[TableLayout] = []
    blocks: list[Block] = []
    widths: dict[int, float] = {}
    seen_tables: set[str] = set()
    for tb in spec.tables:
        if not isinstance(tb, TableBlock):
            raise WorkbookError(f"sheet {spec.name!r}: tables must be TableBlock objects")
        check_table_name(tb.name)
        if tb.name.casefold() in seen_tables:
            raise WorkbookError(f"sheet {spec.name!r}: two tables are named {tb.name!r}")
        seen_tables.add(tb.name.casefold())
        if not tb.columns:
            raise WorkbookError(f"sheet {spec.name!r}, table {tb.name!r}: a table needs at least one column")
        r0, c0 = parse_cell(tb.anchor, f"sheet {spec.name!r}, table {tb.name!r}, anchor")
        missing = [c.name for c in tb.columns if c.name not in tb.data]
        if missing:
            raise WorkbookError(f"sheet {spec.name!r}, table {tb.name!r}: no data for column(s) {missing}")
        lengths = {len(tb.data[c.name]) for c in tb.columns}
        if len(lengths) > 1:
            raise WorkbookError(f"sheet {spec.name!r}, table {tb.name!r}: columns have different lengths {sorted(lengths)}")
        n = lengths.pop()
        if r0 + 1 + max(n, 1) > MAX_ROWS:
            raise WorkbookError(f"sheet {spec.name!r}, table {tb.name!r}: {n:,} rows at {tb.anchor} do not fit in "
                                f"Excel's {MAX_ROWS:,} rows")
        if c0 + len(tb.columns) > MAX_COLS:
            raise WorkbookError(f"sheet {spec.name!r}, table {tb.name!r}: {len(tb.columns)} columns at {tb.anchor} "
                                f"do not fit in Excel's {MAX_COLS:,} columns")
        names = unique_column_names(tb.columns)
        encs, sty = [], []
        for j, col in enumerate(tb.columns):
            if col.kind not in NUMBER_FORMATS:
                raise WorkbookError(f"sheet {spec.name!r}, table {tb.name!r}, column {col.name!r}: "
                                    f"unknown kind {col.kind!r}")
            s = styles.xf_for_format(NUMBER_FORMATS[col.kind])
            enc = column_cells(col.kind, tb.data[col.name], s, text_style, Where(spec.name, tb.name, col.name, r0 + 1),
                               date1904)
            encs.append(enc)
            sty.append(s)
            w = float(col.width) if col.width else _estimate_width(names[j], enc.content_chars, col.kind)
            widths[c0 + j] = max(widths.get(c0 + j, 0.0), w)
        t = TableLayout(tb, r0, c0, n, names, encs, sty)
        tables.append(t)
        header = "".join(text_cell(nm, header_style) for nm in names)
        blocks.append(Block(r0, r0 + 1, c0, t.ncols, _fixed(header), f"table {tb.name!r} header"))
        if n == 0:
            empty = "".join(f'<c s="{s}"/>' for s in sty)
            blocks.append(Block(r0 + 1, r0 + 2, c0, t.ncols, _fixed(empty), f"table {tb.name!r}"))
        else:
            blocks.extend(_data_blocks(t, styles, text_style, spec.name, date1904))
    for cell, text in spec.notes:
        r, c = parse_cell(cell, f"sheet {spec.name!r}, note")
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        if len(text) > 32767:
            raise WorkbookError(f"sheet {spec.name!r}, note at {cell}: text exceeds Excel's 32,767 characters per cell")
        look = looks.get((r, c), 0)
        xml = text_cell(text, look) if text else (f'<c s="{look}"/>' if look else "<c/>")
        blocks.append(Block(r, r + 1, c, 1, _fixed(xml), f"note at {cell}"))
    for cell, formula in getattr(spec, "formulas", ()) or ():
        r, c = parse_cell(cell, f"sheet {spec.name!r}, formula")
        if not isinstance(formula, str) or not formula.strip():
            raise WorkbookError(f"sheet {spec.name!r}, formula at {cell}: the formula is empty")
        f = formula.strip()
        if f.startswith("="):
            f = f[1:]
        if len(f) > 8192:
            raise WorkbookError(f"sheet {spec.name!r}, formula at {cell}: longer than Excel's 8,192 characters")
        formula_look = looks.get((r, c))
        attr = f' s="{formula_look}"' if formula_look else ""
        value = _cached_value(cached.get((r, c)), spec.name, cell)
        if value is not None and not value[0]:
            attr += ' t="str"'
        v = f"<v>{value[1]}</v>" if value is not None else ""
        xml = f"<c{attr}><f>{_formula_text(f, spec.name, cell)}</f>{v}</c>"
        blocks.append(Block(r, r + 1, c, 1, _fixed(xml), f"formula at {cell}"))
    for i, b1 in enumerate(blocks):
        for b2 in blocks[i + 1:]:
            if b1.overlaps(b2):
                raise WorkbookError(f"sheet {spec.name!r}: {b1.what} overlaps {b2.what}")
    _check_color(spec)
    _pane_xml(spec.freeze, f"sheet {spec.name!r}")
    for letters, w in getattr(spec, "col_widths", ()) or ():
        _r, c = parse_cell(f"{letters}1", f"sheet {spec.name!r}, column width")
        widths[c] = max(widths.get(c, 0.0), float(w))
    lay = SheetLayout(spec, tables, blocks, widths, text_style, date1904=date1904)
    for t in tables:  # a header that wraps gets the height of its lines (LibreOffice does not grow the row)
        lines = max(_header_lines(nm, widths.get(t.c0 + j, MIN_WIDTH)) for j, nm in enumerate(t.names))
        if lines > 1:
            lay.heights[t.r0] = 15.0 * lines
    lay.page = page_setup(spec, blocks, widths)
    for rule in spec.validations:
        lay.validations.append(_validation(lay, rule))
    return lay


def _cached_value(v, sheet: str, cell: str) -> tuple[bool, str] | None:
    """(is a number, text of <v>) of a formula's cached value; None: none."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        raise WorkbookError(f"sheet {sheet!r}, cached value at {cell}: give text or a number, not {v!r}")
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
        if not np.isfinite(x):
            return None
        return True, repr(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
    return False, X.xml_text(str(v))


def _header_lines(name: str, width: float) -> int:
    """Lines a header text takes in a column ``width`` characters wide (word-wrapped)."""
    room = max(1.0, width)
    lines = 0
    for para in name.split("\n"):
        n, used = 1, 0.0
        for word in para.split():
            w = float(len(word))
            if w > room:  # a word longer than the column is broken over lines
                n += int(w // room) + (1 if used else 0)
                used = w % room
                continue
            if used and used + 1.0 + w > room:
                n += 1
                used = w
            else:
                used = used + (1.0 if used else 0.0) + w
        lines += n
    return lines


def _formula_text(f: str, sheet: str, cell: str) -> str:
    try:
        return X.plain_attr(f).replace("&#10;", "\n").replace("&#9;", "\t").replace("&quot;", '"')
    except WorkbookError:
        raise WorkbookError(f"sheet {sheet!r}, formula at {cell}: holds characters XML cannot store") from None


def _fixed(xml: str) -> Callable[[int, int], list]:
    """Items of a block that is one fixed piece of markup."""
    return lambda a, b: [xml]


def _row_items(encs: list[ColumnCells], j: int) -> Callable[[int, int], list]:
    """Items of row ``j`` of the columns ``encs``."""
    return lambda a, b: [x for e in encs for x in e.items(j, j + 1)]


def _table_items(t: TableLayout, encoders: list[ColumnCells] | None = None) -> Callable[[int, int], list]:
    first = t.r0 + 1
    encoders = t.encoders if encoders is None else encoders

    def items(a: int, b: int) -> list:
        out: list = []
        for enc in encoders:
            out.extend(enc.items(a - first, b - first))
        return out

    return items


def _data_blocks(t: TableLayout, styles: Styles, text_style: int, sheet: str, date1904: bool = False) -> list[Block]:
    """The data rows of a table: one block, or runs of plain rows and the total rows between them."""
    tb, n, first = t.spec, t.n_rows, t.r0 + 1
    totals = sorted({int(k) for k in getattr(tb, "total_rows", ()) or () if 0 <= int(k) < n})
    if not totals:
        return [Block(first, first + n, t.c0, t.ncols, _table_items(t), f"table {tb.name!r}")]
    total_text = styles.xf_look("total", NUMBER_FORMATS["text"])
    pick = np.array(totals, dtype=np.int64)
    encs = []  # the total rows alone, in the total look
    for col in tb.columns:
        s = styles.xf_look("total", NUMBER_FORMATS[col.kind])
        encs.append(column_cells(col.kind, np.asarray(tb.data[col.name])[pick], s, total_text,
                                 Where(sheet, tb.name, col.name, t.r0 + 1), date1904))
    out, pos = [], 0
    for j, k in enumerate(totals + [n]):
        if k > pos:
            out.append(Block(first + pos, first + k, t.c0, t.ncols, _table_items(t), f"table {tb.name!r}"))
        if k < n:
            out.append(Block(first + k, first + k + 1, t.c0, t.ncols,
                             _row_items(encs, j), f"table {tb.name!r}"))
        pos = k + 1
    return out


def _validation(lay: SheetLayout, v: ListValidation) -> tuple[str, str]:
    where = f"sheet {lay.spec.name!r}, validation on {v.table}[{v.column}]"
    t = lay.table(v.table)
    if t is None:
        raise WorkbookError(f"{where}: no table {v.table!r} on this sheet")
    j = t.column_index(v.column)
    if j is None:
        raise WorkbookError(f"{where}: table {v.table!r} has no column {v.column!r}")
    if not v.choices:
        raise WorkbookError(f"{where}: a drop-down list needs at least one choice")
    for ch in v.choices:
        if not isinstance(ch, str):
            raise WorkbookError(f"{where}: choices must be text, got {ch!r}")
        if "," in ch:
            raise WorkbookError(f"{where}: choice {ch!r} contains a comma, which Excel uses as the list separator")
    body = ",".join(v.choices)
    if len(body) > 255:
        raise WorkbookError(f"{where}: the choices add up to {len(body)} characters; Excel allows 255 in a list")
    formula = '"' + body.replace('"', '""') + '"'
    return t.data_range(j, absolute=False), formula


# --- worksheet XML -----------------------------------------------------------


def _pane_xml(freeze: str | None, where: str) -> str:
    if not freeze:
        return ""
    r, c = parse_cell(freeze, f"{where}, freeze")
    if r == 0 and c == 0:
        return ""
    tl = cell_ref(r, c)
    if r and c:
        return (f'<pane xSplit="{c}" ySplit="{r}" topLeftCell="{tl}" activePane="bottomRight" state="frozen"/>'
                f'<selection pane="topRight" activeCell="{cell_ref(0, c)}" sqref="{cell_ref(0, c)}"/>'
                f'<selection pane="bottomLeft" activeCell="{cell_ref(r, 0)}" sqref="{cell_ref(r, 0)}"/>'
                f'<selection pane="bottomRight" activeCell="{tl}" sqref="{tl}"/>')
    if r:
        return (f'<pane ySplit="{r}" topLeftCell="{tl}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{tl}" sqref="{tl}"/>')
    return (f'<pane xSplit="{c}" topLeftCell="{tl}" activePane="topRight" state="frozen"/>'
            f'<selection pane="topRight" activeCell="{tl}" sqref="{tl}"/>')


def _fmt_width(w: float) -> str:
    s = f"{w:.4f}".rstrip("0").rstrip(".")
    return s


def _check_color(spec: SheetSpec) -> str | None:
    if not spec.tab_color:
        return None
    color = str(spec.tab_color).lstrip("#").upper()
    if len(color) != 6 or any(ch not in "0123456789ABCDEF" for ch in color):
        raise WorkbookError(f"sheet {spec.name!r}: tab_color {spec.tab_color!r} is not an RRGGBB colour")
    return color


def worksheet_head(lay: SheetLayout, *, tab_selected: bool, code_name: str | None = None) -> str:
    spec = lay.spec
    parts = [X.XML_DECL, f'<worksheet xmlns="{X.NS_MAIN}" xmlns:r="{X.NS_R}">']
    color = _check_color(spec)
    code = f' codeName="{X.plain_attr(code_name)}"' if code_name else ""
    inner = (f'<tabColor rgb="FF{color}"/>' if color else "") + \
        ('<pageSetUpPr fitToPage="1"/>' if lay.page is not None and lay.page.fit_width else "")
    if inner:
        parts.append(f"<sheetPr{code}>{inner}</sheetPr>")
    elif code:
        parts.append(f"<sheetPr{code}/>")
    parts.append(f'<dimension ref="{lay.dimension}"/>')
    sel = ' tabSelected="1"' if tab_selected else ""
    pane = _pane_xml(spec.freeze, f"sheet {spec.name!r}")
    parts.append(f'<sheetViews><sheetView{sel} workbookViewId="0">{pane}</sheetView></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/>')
    if lay.widths:
        parts.append("<cols>")
        for c in sorted(lay.widths):
            parts.append(f'<col min="{c + 1}" max="{c + 1}" width="{_fmt_width(lay.widths[c])}" customWidth="1"/>')
        parts.append("</cols>")
    return "".join(parts)


def worksheet_tail(lay: SheetLayout, *, drawing_rid: str | None, table_rids: list[str]) -> str:
    parts = []
    if lay.validations:
        parts.append(f'<dataValidations count="{len(lay.validations)}">')
        for sqref, formula in lay.validations:
            parts.append(f'<dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" '
                         f'sqref="{sqref}"><formula1>{X.plain_attr(formula)}</formula1></dataValidation>')
        parts.append("</dataValidations>")
    if lay.page is not None:
        parts.append(lay.page.xml())
    else:
        parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    if drawing_rid:
        parts.append(f'<drawing r:id="{drawing_rid}"/>')
    if table_rids:
        parts.append(f'<tableParts count="{len(table_rids)}">')
        parts.extend(f'<tablePart r:id="{rid}"/>' for rid in table_rids)
        parts.append("</tableParts>")
    parts.append("</worksheet>")
    return "".join(parts)


def _row_numbers(a: int, b: int) -> list[str]:
    return format_ints(np.arange(a + 1, b + 1, dtype=np.int64))


def _assemble(items: list, m: int) -> str:
    merged: list = []
    for it in items:
        if isinstance(it, str):
            if merged and isinstance(merged[-1], str):
                merged[-1] += it
            else:
                merged.append(it)
        else:
            merged.append(it)
    obj = np.empty((m, len(merged)), dtype=object)
    for j, it in enumerate(merged):
        obj[:, j] = it
    return "".join(obj.ravel().tolist())


def iter_sheet_data(blocks: list[Block], heights: dict[int, float] | None = None) -> Iterator[str]:
    """``<row>`` elements of all blocks, in row order, a chunk of rows at a time."""
    if not blocks:
        return
    heights = heights or {}
    points = sorted({b.r0 for b in blocks} | {b.r1 for b in blocks} | set(heights) | {r + 1 for r in heights})
    for s, e in zip(points, points[1:]):
        active = sorted((b for b in blocks if b.r0 <= s and b.r1 >= e), key=lambda b: b.c0)
        if not active:
            continue
        per_row = 4 + sum(4 * b.ncols for b in active)
        step = max(16, min(MAX_ROWS_PER_CHUNK, ITEMS_PER_CHUNK // per_row))
        for a in range(s, e, step):
            b_ = min(e, a + step)
            tall = heights.get(a) if b_ - a == 1 else None
            head = f'" ht="{tall:g}" customHeight="1">' if tall else '">'
            items: list = ['<row r="', _row_numbers(a, b_), head]
            col = 0
            for blk in active:
                if blk.c0 > col:
                    items.append("<c/>" * (blk.c0 - col))  # positional placeholders (cells carry no r)
                items.extend(blk.items(a, b_))
                col = blk.c0 + blk.ncols
            items.append("</row>")
            yield _assemble(items, b_ - a)


def iter_worksheet(lay: SheetLayout, *, tab_selected: bool, drawing_rid: str | None,
                   table_rids: list[str], code_name: str | None = None) -> Iterator[bytes]:
    """The worksheet part, as UTF-8 chunks."""
    head = worksheet_head(lay, tab_selected=tab_selected, code_name=code_name)
    if not lay.blocks:
        yield (head + "<sheetData/>" + worksheet_tail(lay, drawing_rid=drawing_rid, table_rids=table_rids)).encode()
        return
    yield (head + "<sheetData>").encode()
    for chunk in iter_sheet_data(lay.blocks, lay.heights):
        yield chunk.encode("utf-8")
    yield ("</sheetData>" + worksheet_tail(lay, drawing_rid=drawing_rid, table_rids=table_rids)).encode()


def table_xml(t: TableLayout) -> bytes:
    ref = t.ref
    name = X.plain_attr(t.spec.name)
    style = X.plain_attr(t.spec.style or "TableStyleMedium2")
    cols = "".join(f'<tableColumn id="{i + 1}" name="{X.xml_attr(n)}"/>' for i, n in enumerate(t.names))
    return (X.XML_DECL
            + f'<table xmlns="{X.NS_MAIN}" id="{t.id}" name="{name}" displayName="{name}" ref="{ref}" totalsRowShown="0">'
            + f'<autoFilter ref="{ref}"/>'
            + f'<tableColumns count="{t.ncols}">{cols}</tableColumns>'
            + f'<tableStyleInfo name="{style}" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
              'showColumnStripes="0"/></table>').encode()


__all__ = ["SheetLayout", "TableLayout", "layout_sheet", "iter_worksheet", "table_xml"]
