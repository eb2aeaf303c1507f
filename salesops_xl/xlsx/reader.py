"""Read Excel Tables from an .xlsx/.xlsm file (the batch door).

Cell values come from python-calamine (fast, Rust). calamine reports an
error cell (#N/A, #REF!...) as an empty string, which would make a broken
lookup look like a blank; so the sheets holding the tables we read are also
scanned for error cells (``t="e"``), in a worker thread while calamine reads,
and those cells are handed over as their error literal.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import WorkbookError
from ..tables import RawTable
from .package import Package

_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})(\d+)["']""")
_VAL = re.compile(rb"<v>([^<]*)</v>")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


#: calamine materialises a sheet's whole used range (about 32 bytes a cell): refuse sheets larger than this.
MAX_CELLS = 120_000_000

_LT, _C, _R, _O, _W, _SP, _GT, _SL, _EQ = (ord(x) for x in ["<", "c", "r", "o", "w", " ", ">", "/", "="])


@dataclass
class SheetScan:
    """What one streaming pass over a worksheet's XML found: error cells and the extent of the used range."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (0-based row, col) -> '#N/A'
    max_row: int = 0  # 1-based: the highest row number (or the number of rows when rows carry no number)
    max_col: int = 0  # 1-based: the widest row (cells) or the highest column letter of a cell reference

    @property
    def cells(self) -> int:
        return self.max_row * self.max_col


def scan_sheet(pkg: Package, part: str, chunk: int = 1 << 22) -> SheetScan:
    """Stream a worksheet part once: its error cells (``t="e"``) and the extent calamine will allocate.

    Vectorised with numpy over each decompressed chunk: the positions of ``<c`` and ``<row`` tags give the
    number of cells per row, cell references give their columns, row references their numbers.
    """
    import itertools

    scan = SheetScan()
    tail = err_tail = b""
    cells_in_row = 0
    rows = 0
    first = True
    for piece in itertools.chain(pkg.iter_decompressed(part, chunk), [b" " * 64]):
        if first:
            _refuse_dtd(piece[:4096], pkg.label, part)
            first = False
        buf = tail + piece
        err_buf = err_tail + piece
        err_tail = err_buf[_errors_in(err_buf, scan.errors):]
        a = np.frombuffer(buf, np.uint8)
        m = max(len(a) - 32, 0)  # tags starting in the last 32 bytes are handled with the next chunk
        tail = buf[m:]
        cpos = _tag_positions(buf, m, 0x633C)  # "<c"
        if len(cpos):
            n2 = a[cpos + 2]
            cpos = cpos[(n2 == _SP) | (n2 == _GT) | (n2 == _SL)]  # not <col, <cfRule...
        rpos = _tag_positions(buf, m, 0x723C)  # "<r"
        if len(rpos):
            rpos = rpos[(a[rpos + 2] == _O) & (a[rpos + 3] == _W)]
        if len(rpos):
            # cells per row: the first bucket belongs to the row still open from the previous chunk
            counts = np.bincount(np.searchsorted(rpos, cpos, side="right"), minlength=len(rpos) + 1)
            counts[0] += cells_in_row
            scan.max_col = max(scan.max_col, int(counts.max()))
            cells_in_row = int(counts[-1])
            rows += len(rpos)
        else:
            cells_in_row += len(cpos)
            scan.max_col = max(scan.max_col, cells_in_row)
        if len(cpos):
            with_ref = (a[cpos + 2] == _SP) & (a[cpos + 3] == _R) & (a[cpos + 4] == _EQ)
            if with_ref.any():  # <c r="AB12": the column of the reference
                p = cpos[with_ref] + 6
                l1, l2, l3 = (a[p + k].astype(np.int64) for k in range(3))
                up = lambda x: (x >= 65) & (x <= 90)  # noqa: E731
                col = np.where(up(l1), l1 - 64, 0)
                col = np.where(up(l1) & up(l2), col * 26 + l2 - 64, col)
                col = np.where(up(l1) & up(l2) & up(l3), col * 26 + l3 - 64, col)
                scan.max_col = max(scan.max_col, int(col.max()))
        if len(rpos):
            numbered = (a[rpos + 4] == _SP) & (a[rpos + 5] == _R) & (a[rpos + 6] == _EQ)
            if numbered.any():  # <row r="123"
                p = rpos[numbered] + 8
                val = np.zeros(len(p), np.int64)
                live = np.ones(len(p), dtype=bool)
                for k in range(8):
                    d = a[p + k].astype(np.int64) - 48
                    ok = live & (d >= 0) & (d <= 9)
                    val = np.where(ok, val * 10 + d, val)
                    live = ok
                scan.max_row = max(scan.max_row, int(val.max()))
    scan.max_row = max(scan.max_row, rows)
    return scan


def _tag_positions(buf: bytes, m: int, pair: int) -> np.ndarray:
    """Sorted positions below ``m`` where the two bytes of ``pair`` (little-endian uint16) start."""
    even = np.frombuffer(buf, dtype="<u2", count=m // 2)
    odd = np.frombuffer(buf, dtype="<u2", offset=1, count=max(m - 1, 0) // 2)
    pe = np.flatnonzero(even == pair) * 2
    po = np.flatnonzero(odd == pair) * 2 + 1
    out = np.concatenate([pe, po])
    out.sort(kind="stable")
    return out


def scan_error_cells(pkg: Package, part: str, chunk: int = 1 << 20) -> dict[tuple[int, int], str]:
    """Error cells of a worksheet part: (0-based row, 0-based column) -> '#N/A'."""
    return scan_sheet(pkg, part, chunk).errors


def _errors_in(buf: bytes, found: dict) -> int:
    """Record the error cells wholly inside ``buf`` (rare: the search is a bytes.find at memchr speed).

    Returns where the next buffer must start: at an error cell cut by the end of ``buf``, or 256 bytes
    before its end (so that an attribute cut in two is found whole next time).
    """
    pos = 0
    while True:
        k = _find_error_attr(buf, pos)
        if k < 0:
            return max(pos, len(buf) - 256)
        start = buf.rfind(b"<c", 0, k)
        if start < 0:  # the cell's start was cut off (an absurdly long tag): skip it
            pos = k + 5
            continue
        close_tag = buf.find(b">", k)
        end = -1
        if close_tag >= 0:
            end = close_tag + 1 if buf[close_tag - 1:close_tag] == b"/" else buf.find(b"</c>", close_tag)
        if close_tag < 0 or end < 0:
            return start  # the cell continues in the next chunk
        value = b"#N/A"
        if buf[close_tag - 1:close_tag] != b"/":
            vm = _VAL.search(buf, close_tag, end)
            if vm:
                value = vm.group(1)
        ref = _REF.search(buf, start, close_tag)
        if ref:
            found[(int(ref.group(2)) - 1, _col_index(ref.group(1)))] = value.decode("utf-8", "replace")
        pos = end


def _find_error_attr(buf: bytes, pos: int) -> int:
    a = buf.find(b't="e"', pos)
    b = buf.find(b"t='e'", pos)
    if a < 0:
        return b
    return a if b < 0 else min(a, b)


def preflight(pkg: Package) -> None:
    """Refuse what would hurt calamine before it opens the file.

    Every zip entry must have sane declared sizes (no zip bomb); the parts calamine parses when it opens a
    workbook (shared strings, styles, workbook, relationships, tables) must inflate to their declared size
    and hold no DTD (no entity expansion). Worksheets are checked the same way by :func:`scan_sheet`.
    """
    z = pkg.zip
    for e in z.entries:
        z._check_decompressible(e)
    eager = [e for e in z.entries if e.name.endswith(".rels") or e.name.startswith(("xl/tables/", "xl/theme/"))
             or e.name in ("[Content_Types].xml", pkg.workbook_part, "xl/sharedStrings.xml", "xl/styles.xml")]
    for e in eager:
        head = b""
        for piece in z.iter_decompressed(e, 1 << 22):
            if len(head) < 4096:
                head += piece[:4096]
                _refuse_dtd(head, pkg.label, e.name)


def _refuse_dtd(head: bytes, label: str, name: str) -> None:
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise WorkbookError(f"{label}: part {name!r} declares a DTD or entities, which workbooks never need; "
                            "refusing it (XML entity expansion)")


class XlsxSource:
    """Excel Tables of a workbook file, read with python-calamine."""

    def __init__(self, path: str | Path):
        import python_calamine as pc

        self.path = Path(path)
        self.workbook = self.path.name
        self.pkg = Package(self.path)  # checks the file is a readable .xlsx/.xlsm package
        try:
            preflight(self.pkg)
        except BaseException:
            self.pkg.close()
            raise
        try:
            self.book = pc.CalamineWorkbook.from_path(str(self.path), load_tables=True)
        except Exception as e:  # calamine raises its own error types
            raise WorkbookError(f"{self.workbook}: cannot read the workbook: {e}") from e
        self._names = {str(n).lower(): str(n) for n in self.book.table_names}
        self._scans: dict[str, dict] = {}
        self._threads: dict[str, threading.Thread] = {}

    def table_names(self) -> list[str]:
        return list(self._names.values())

    def close(self) -> None:
        """Release the file (needed before replacing it on Windows)."""
        for t in self._threads.values():
            t.join()
        self.pkg.close()
        try:
            self.book.close()
        except Exception:  # already closed
            pass

    def __enter__(self) -> "XlsxSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def prefetch(self, names) -> None:
        """Start scanning the sheets of these tables for error cells in the background."""
        for name in names:
            info = self.pkg.table(name)
            if info is not None:
                self._start_scan(info.sheet)

    def _start_scan(self, sheet: str) -> None:
        if sheet in self._threads:
            return
        part = self.pkg.sheet_part(sheet)
        box: dict = {}
        self._scans[sheet] = box

        def run():
            try:
                box["scan"] = scan_sheet(self.pkg, part) if part else SheetScan()
            except Exception as e:  # reported when the table is read
                box["error"] = e

        t = threading.Thread(target=run, name=f"scan-{sheet}", daemon=True)
        self._threads[sheet] = t
        t.start()

    def _scan_of(self, sheet: str) -> SheetScan:
        self._start_scan(sheet)
        self._threads[sheet].join()
        box = self._scans[sheet]
        if "error" in box:
            e = box["error"]
            raise WorkbookError(str(e) if isinstance(e, WorkbookError) else
                                f"{self.workbook}: sheet {sheet!r} cannot be read: {e}") from e
        scan = box["scan"]
        if scan.cells > MAX_CELLS:
            from ..tables import col_letter

            raise WorkbookError(
                f"{self.workbook}: sheet {sheet!r} spans {scan.max_row:,} rows x {scan.max_col:,} columns (to cell "
                f"{col_letter(scan.max_col - 1)}{scan.max_row}), {scan.cells:,} cells: too large to read safely. "
                f"Delete stray cells far outside your tables (Ctrl+End shows the last used cell), or move the "
                f"tables to a sheet of their own")
        return scan

    def read(self, name: str) -> RawTable | None:
        real = self._names.get(name.lower())
        if real is None:
            return None
        info = self.pkg.table(real)
        if info is not None:
            scan = self._scan_of(info.sheet)  # before calamine: it would allocate the sheet's whole extent
        t = self.book.get_table_by_name(real)
        if info is None or info.sheet != t.sheet:
            scan = self._scan_of(t.sheet)
        header_row0 = t.start[0] - 1  # calamine's start is the first data row
        first_col = t.start[1]
        columns = ["" if c is None else str(c).strip() for c in t.columns]
        rows = t.to_python()
        width = len(columns)
        n = len(rows)
        grid = np.empty((n, width), dtype=object)
        if n:
            grid[:, :] = rows  # one C-level pass; columns below are views, no per-cell Python work
        del rows
        data = {c: grid[:, j] for j, c in enumerate(columns)}
        errs: dict[tuple[str, int], str] = {}
        for (r0, c0), lit in scan.errors.items():
            i = r0 - header_row0 - 1
            j = c0 - first_col
            if 0 <= j < width and 0 <= i < n:
                errs[(columns[j], i)] = lit
                data[columns[j]][i] = lit
        return RawTable(name=real, columns=columns, data=data, sheet=t.sheet, workbook=self.workbook,
                        header_row=header_row0 + 1, first_col=first_col, errors=errs, date1904=self.pkg.date1904)
