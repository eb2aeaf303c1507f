"""Read Excel Tables from an .xlsx/.xlsm file (the batch door).

Cell values come from python-calamine (fast, Rust). calamine reports an
error cell (#N/A, #REF!...) as an empty string, which would make a broken
lookup look like a blank; so the sheets holding the tables we read are also
scanned for error cells (``t="e"``), in a worker thread while calamine reads,
and those cells are handed over as their error literal.
"""
from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cellrefs import col_index
from ..errors import WorkbookError
from ..tables import RawTable
from .package import Package

_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]{1,3})(\d+)["']""")
_VAL = re.compile(rb"<v>([^<]*)</v>")




#: calamine materialises a sheet's whole used range (about 32 bytes a cell): refuse sheets larger than this.
MAX_CELLS = 120_000_000

_LT, _C, _R, _O, _W, _SP, _GT, _SL, _EQ, _S = (ord(x) for x in ["<", "c", "r", "o", "w", " ", ">", "/", "=", "s"])


@dataclass
class SheetScan:
    """What one streaming pass over a worksheet's XML found: error cells, formulas without a saved value,
    data beside the tables, and the extent of the used range."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (0-based row, col) -> '#N/A'
    max_row: int = 0  # 1-based: the highest row number (or the number of rows when rows carry no number)
    max_col: int = 0  # 1-based: the widest row (cells) or the highest column letter of a cell reference
    #: formula cells without a saved (cached) value: (0-based row, col) -> '=FORMULA' ('=' alone: a shared formula)
    uncalculated: dict[tuple[int, int], str] = field(default_factory=dict)
    #: per rectangle given to :func:`scan_sheet`: (1-based rows below it holding data in its columns,
    #: 0-based columns right of it holding data in its rows), outside every rectangle, sorted
    beside: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return self.max_row * self.max_col


#: formula cells without a value remembered per sheet (a file written by a script can have a million)
MAX_UNCALCULATED = 10_000

Rect = tuple[int, int, int, int]  # (first row 1-based, first col 0-based, last row 1-based, last col 0-based)


def scan_sheet(pkg: Package, part: str, chunk: int = 1 << 22, rects: Sequence[Rect] = ()) -> SheetScan:
    """Stream a worksheet part once: its error cells (``t="e"``), its formulas without a saved value, the data
    beside each of ``rects`` (the sheet's tables), and the extent calamine will allocate.

    Vectorised with numpy over each decompressed chunk, cut at the start of a cell or row so that every cell
    handled is whole: the positions of ``<c`` and ``<row`` tags give the number of cells per row, cell and
    row references their coordinates, ``<f``, ``<v`` and ``<is`` tags which cells hold a formula or a value.
    """
    scan = SheetScan()
    scan.beside = [(np.zeros(0, np.int64), np.zeros(0, np.int64)) for _ in rects]
    below: list[list[np.ndarray]] = [[] for _ in rects]
    right: list[list[np.ndarray]] = [[] for _ in rects]
    tail = err_tail = b""
    cells_in_row = 0  # cells seen so far in the row still open at the end of the last chunk
    last_row = 0  # 1-based number of that row (0: none yet)
    rows = 0
    first = True
    pieces = pkg.iter_decompressed(part, chunk)
    piece = next(pieces, None)
    while piece is not None:
        nxt = next(pieces, None)
        final = nxt is None
        if first:
            _refuse_dtd(piece[:4096], pkg.label, part)
            first = False
        buf = tail + piece + (b" " * 64 if final else b"")
        err_buf = err_tail + piece
        err_tail = err_buf[_errors_in(err_buf, scan.errors):]
        a = np.frombuffer(buf, np.uint8)
        m = max(len(a) - 32, 0)  # tags starting in the last 32 bytes are handled with the next chunk
        if not final:  # ... and so is the cell (or row) still open there, to handle every cell whole
            cut = max(buf.rfind(b"<c", 0, m), buf.rfind(b"<row", 0, m))
            if cut >= 0 and len(buf) - cut <= 8 * max(chunk, 1 << 16):  # (a giant cell is cut, not carried)
                m = cut
        tail = buf[m:]
        piece = nxt
        cpos = _tag_positions(buf, m, 0x633C)  # "<c"
        if len(cpos):
            n2 = a[cpos + 2]
            cpos = cpos[(n2 == _SP) | (n2 == _GT) | (n2 == _SL)]  # not <col, <cfRule...
        rpos = _tag_positions(buf, m, 0x723C)  # "<r"
        if len(rpos):
            rpos = rpos[(a[rpos + 2] == _O) & (a[rpos + 3] == _W)]
        carried = cells_in_row
        if len(rpos):
            # cells per row: the first bucket belongs to the row still open from the previous chunk
            counts = np.bincount(np.searchsorted(rpos, cpos, side="right"), minlength=len(rpos) + 1)
            counts[0] += cells_in_row
            widest = int(counts.max())  # 1-based: the chunk's rightmost column, for cells without a reference
            cells_in_row = int(counts[-1])
            rows += len(rpos)
        else:
            cells_in_row += len(cpos)
            widest = cells_in_row
        scan.max_col = max(scan.max_col, widest)
        col = None
        with_ref = np.zeros(len(cpos), dtype=bool)
        if len(cpos):
            with_ref = (a[cpos + 2] == _SP) & (a[cpos + 3] == _R) & (a[cpos + 4] == _EQ)
            if with_ref.any():  # <c r="AB12": the column of the reference
                p = cpos[with_ref] + 6
                l1, l2, l3 = (a[p + k].astype(np.int64) for k in range(3))
                up = lambda x: (x >= 65) & (x <= 90)  # noqa: E731
                col = np.where(up(l1), l1 - 64, 0)
                col = np.where(up(l1) & up(l2), col * 26 + l2 - 64, col)
                col = np.where(up(l1) & up(l2) & up(l3), col * 26 + l3 - 64, col)
                widest = max(widest, int(col.max()))
                scan.max_col = max(scan.max_col, widest)
        row_numbers = np.zeros(0, np.int64)
        if len(rpos):
            numbered = (a[rpos + 4] == _SP) & (a[rpos + 5] == _R) & (a[rpos + 6] == _EQ)
            row_numbers = np.zeros(len(rpos), np.int64)
            if numbered.any():  # <row r="123"
                p = rpos[numbered] + 8
                val = np.zeros(len(p), np.int64)
                live = np.ones(len(p), dtype=bool)
                for k in range(8):
                    d = a[p + k].astype(np.int64) - 48
                    ok = live & (d >= 0) & (d <= 9)
                    val = np.where(ok, val * 10 + d, val)
                    live = ok
                row_numbers[numbered] = val
                scan.max_row = max(scan.max_row, int(val.max()))
            if not numbered.all():  # rows without a number follow the previous one (rare: a Python loop)
                prev = last_row
                for i in range(len(rpos)):
                    if not numbered[i]:
                        row_numbers[i] = prev + 1
                    prev = int(row_numbers[i])
        if len(cpos):
            # the chunk's cells lie in rows up to `lowest` and columns up to `widest`: beside a table only if
            # beyond its last row or column (most chunks of a sheet that holds one table are inside it)
            lowest = max(last_row, int(row_numbers.max()) if len(row_numbers) else 0)
            beyond = any(lowest > r1 or widest > c1 + 1 for (_, _, r1, c1) in rects)
            if beyond or _has_formula_tag(buf, a, m):  # else no cell of the chunk can be of interest
                _cells(buf, a, m, cpos, rpos, row_numbers, with_ref, col, carried, last_row,
                       rects if beyond else (), scan, below, right, all_rects=rects)
        if len(row_numbers):
            last_row = int(row_numbers[-1])
    scan.max_row = max(scan.max_row, rows)
    for t in range(len(rects)):
        scan.beside[t] = (np.unique(np.concatenate(below[t])) if below[t] else scan.beside[t][0],
                          np.unique(np.concatenate(right[t])) if right[t] else scan.beside[t][1])
    return scan


def _has_formula_tag(buf: bytes, a: np.ndarray, m: int) -> bool:
    """Whether a ``<f`` starts before ``m``: memchr for an 'f' first (most data sheets have none), then numpy."""
    if buf.find(b"f", 1, m) < 0:
        return False
    p = np.flatnonzero(a[1:m] == 0x66)  # each 'f' at p + 1: is it right after a '<'?
    return bool((a[p] == _LT).any())


def _cells(buf, a, m, cpos, rpos, row_numbers, with_ref, col, carried, last_row, rects, scan, below, right, *,
           all_rects=()) -> None:
    """The cells of one chunk: which hold a value or a formula, where they are, formulas without a value.

    ``rects`` are the tables whose surroundings this chunk may reach (none when only its formulas matter);
    ``all_rects`` every table of the sheet, inside which a formula without a value is reported.
    """
    fpos = _tag_positions(buf, m, 0x663C)  # "<f"
    if len(fpos):
        n2 = a[fpos + 2]
        fpos = fpos[(n2 == _SP) | (n2 == _GT) | (n2 == _SL)]
    if not len(fpos) and not rects:
        return
    vpos = _tag_positions(buf, m, 0x763C)  # "<v"
    if len(vpos):
        n2 = a[vpos + 2]
        vpos = vpos[(n2 == _SP) | (n2 == _GT) | (n2 == _SL)]
    ipos = _tag_positions(buf, m, 0x693C)  # "<is>": an inline string
    if len(ipos):
        ipos = ipos[(a[ipos + 2] == _S) & ((a[ipos + 3] == _GT) | (a[ipos + 3] == _SP))]
    # a value is a <v> with something in it: openpyxl writes a formula's missing value as <v></v> with lxml,
    # as <v /> without it
    b2, b3 = a[vpos + 2], a[vpos + 3]
    empty_v = ((b2 == _SL) | ((b2 == _GT) & (b3 == _LT) & (a[vpos + 4] == _SL))
               | ((b2 == _SP) & ((b3 == _SL) | ((b3 == _SP) & (a[vpos + 4] == _SL)))))

    def cell_of(pos: np.ndarray) -> np.ndarray:
        return np.searchsorted(cpos, pos, side="right") - 1

    valued = np.zeros(len(cpos), dtype=bool)
    for pos in (vpos[~empty_v], ipos):
        k = cell_of(pos)
        valued[k[k >= 0]] = True
    formula = np.zeros(len(cpos), dtype=bool)
    fk = cell_of(fpos)
    formula[fk[fk >= 0]] = True
    # where each cell is: its row (the row open from the last chunk for cells before the first <row>)
    bucket = np.searchsorted(rpos, cpos, side="right") - 1
    row = np.where(bucket >= 0, row_numbers[np.maximum(bucket, 0)] if len(row_numbers) else last_row, last_row)
    # its column: from its reference, else its position in the row
    first_in_row = np.searchsorted(cpos, rpos) if len(rpos) else np.zeros(0, np.int64)
    k_all = np.arange(len(cpos))
    ordinal = np.where(bucket >= 0, k_all - (first_in_row[np.maximum(bucket, 0)] if len(rpos) else 0),
                       k_all + carried)
    cols = ordinal.astype(np.int64)
    if col is not None:
        cols[with_ref] = col - 1
    missing = np.flatnonzero(formula & ~valued)
    if len(missing):
        _uncalculated(buf, cpos, fpos, fk, vpos, missing, row, cols, all_rects, scan)
    if rects:
        content = valued | formula
        r, c = row[content], cols[content]
        inside = np.zeros(len(r), dtype=bool)
        for (r0, c0, r1, c1) in rects:
            inside |= (r >= r0) & (r <= r1) & (c >= c0) & (c <= c1)
        r, c = r[~inside], c[~inside]
        if len(r):
            for t, (r0, c0, r1, c1) in enumerate(rects):
                sel = (c >= c0) & (c <= c1) & (r > r1)
                if sel.any():
                    below[t].append(np.unique(r[sel]))
                sel = (r >= r0) & (r <= r1) & (c > c1)
                if sel.any():
                    right[t].append(np.unique(c[sel]))


_T_STR = re.compile(rb"""\bt\s*=\s*["']str["']""")


def _uncalculated(buf, cpos, fpos, fk, vpos, missing, row, cols, rects, scan) -> None:
    """Record the formula cells of ``missing`` (indexes into ``cpos``) inside ``rects``, with their formula."""
    from html import unescape

    if rects:
        r, c = row[missing], cols[missing]
        inside = np.zeros(len(missing), dtype=bool)
        for (r0, c0, r1, c1) in rects:
            inside |= (r >= r0) & (r <= r1) & (c >= c0) & (c <= c1)
        missing = missing[inside]
    first_f = np.searchsorted(fk, missing)  # fk is sorted: the first <f of each cell
    for k, fi in zip(missing.tolist(), first_f.tolist()):
        if len(scan.uncalculated) >= MAX_UNCALCULATED:
            return
        start = int(cpos[k])
        tag_end = buf.find(b">", start)
        if _T_STR.search(buf, start, tag_end) and len(vpos) and (vpos > start).any():
            nxt = int(vpos[np.searchsorted(vpos, start)])
            end = int(cpos[k + 1]) if k + 1 < len(cpos) else len(buf)
            if nxt < end:
                continue  # a text formula whose saved value is the empty string
        f = int(fpos[fi])
        close = buf.find(b">", f)
        text = ""
        if close > 0 and buf[close - 1:close] != b"/":
            stop = buf.find(b"</", close)
            text = unescape(buf[close + 1:stop].decode("utf-8", "replace")) if stop > 0 else ""
        scan.uncalculated[(int(row[k]) - 1, int(cols[k]))] = "=" + text


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
            found[(int(ref.group(2)) - 1, col_index(ref.group(1)))] = value.decode("utf-8", "replace")
        pos = end


def _find_error_attr(buf: bytes, pos: int) -> int:
    a = buf.find(b't="e"', pos)
    # attributes in single quotes are rare (Excel, LibreOffice and openpyxl write double quotes): a memchr for
    # the quote (~0.03 s over a 340 MB sheet) spares the 5-byte search (~0.3 s) where there is none
    b = buf.find(b"t='e'", pos) if buf.find(b"'", pos) >= 0 else -1
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


#: A defined name (scoped to a sheet, or to the whole workbook) that allows data beside the tables of that sheet
#: (or of every sheet) when its value is TRUE: notes kept under a table are then not a problem.
ALLOW_BESIDE = "AllowDataBesideTables"


def calamine_failure(label: str, e: BaseException) -> WorkbookError:
    """python-calamine's errors and panics (a ``pyo3_runtime.PanicException`` is a BaseException) as a message."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return WorkbookError(f"{label}: python-calamine could not read this workbook: {text}. The file may be damaged "
                         "or written by a program that does not follow the .xlsx format; open it in Excel or "
                         "LibreOffice, save it as .xlsx, and run again")


def _guard(label: str, fn, *args, **kwargs):
    """Call into python-calamine; anything it raises (but Ctrl+C and exit) becomes a WorkbookError.

    A Rust panic also prints its report (and a backtrace under RUST_BACKTRACE) straight to the process's
    standard error: while calamine runs, file descriptor 2 goes to a temporary file, so a user sees our
    message only.
    """
    with _stderr_set_aside():
        try:
            return fn(*args, **kwargs)
        except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError, WorkbookError):
            raise
        except BaseException as e:
            raise calamine_failure(label, e) from e


@contextlib.contextmanager
def _stderr_set_aside():
    import os
    import sys
    import tempfile

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no standard error (a GUI process)
        yield
        return
    try:
        with tempfile.TemporaryFile() as tmp:
            try:
                sys.stderr.flush()
            except Exception:
                pass
            os.dup2(tmp.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _rect(ref: str) -> Rect | None:
    from ..cellrefs import parse_cell

    try:
        a, _, b = ref.partition(":")
        (r0, c0), (r1, c1) = parse_cell(a), parse_cell(b or a)
    except WorkbookError:
        return None
    return (r0 + 1, c0, r1 + 1, c1)


def _runs(values: np.ndarray, start: int) -> np.ndarray:
    """The leading run of consecutive ``values`` (sorted) that begins exactly at ``start``."""
    if not len(values) or values[0] != start:
        return values[:0]
    gaps = np.flatnonzero(np.diff(values) != 1)
    return values[: gaps[0] + 1] if len(gaps) else values


class XlsxSource:
    """Excel Tables of a workbook file, read with python-calamine."""

    def __init__(self, path: str | Path):
        import python_calamine as pc

        self.path = Path(path)
        self.workbook = self.path.name
        self.pkg = Package(self.path)  # checks the file is a readable .xlsx/.xlsm package
        self._copy: Path | None = None
        try:
            preflight(self.pkg)
            self._check_table_parts()
            read_path = self.path
            if self.pkg.zip.renamed:  # entry names written with backslashes: calamine reads a fixed copy
                read_path = self._copy = _normalised_copy(self.pkg)
            self.book = _guard(self.workbook, pc.CalamineWorkbook.from_path, str(read_path), load_tables=True)
            self._names = {str(n).lower(): str(n) for n in _guard(self.workbook, lambda: list(self.book.table_names))}
        except BaseException:
            self._drop_copy()
            self.pkg.close()
            raise
        self._scans: dict[str, dict] = {}
        self._threads: dict[str, threading.Thread] = {}
        self._rects: dict[str, list[str]] = {}  # sheet -> table names, in the order of the scan's rectangles
        self._beside: dict[str, str] = {}  # table -> what lies beside it (a warning unless read_table refuses it)

    def _check_table_parts(self) -> None:
        """A sheet that refers to a table part missing from the zip: name the sheet (and the table it holds)."""
        from . import xmlutil as X

        for s in self.pkg.sheets:
            if s.kind != "worksheet":
                continue
            for r in self.pkg.rels(s.part):
                if r.type == X.REL_TABLE and r.part is not None and not self.pkg.has(r.part):
                    hint = _table_of_sheet(s.name)
                    raise WorkbookError(
                        f"{self.workbook}: sheet {s.name!r} has an Excel Table whose part ({r.part}) is missing from "
                        f"the file{hint}: the workbook is damaged. Open it in Excel (which offers to repair it) or "
                        "LibreOffice, check the table, save it, and run again; or restore the file from a backup")

    def table_names(self) -> list[str]:
        return list(self._names.values())

    def warnings(self) -> list[str]:
        """What reading found that is worth saying but did not stop the run: data beside an input table
        (beside a table the run owns, such as a previous run's output, it is the run's business)."""
        inputs = _input_table_names()
        return [text for table, text in self._beside.items() if table.casefold() in inputs]

    def close(self) -> None:
        """Release the file (needed before replacing it on Windows)."""
        for t in self._threads.values():
            t.join()
        self.pkg.close()
        try:
            self.book.close()
        except BaseException:  # already closed
            pass
        self._drop_copy()

    def _drop_copy(self) -> None:
        if self._copy is not None:
            self._copy.unlink(missing_ok=True)
            self._copy = None

    def __enter__(self) -> XlsxSource:
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
        info = self.pkg.sheet(sheet)
        found = [(t.display_name, _rect(t.ref)) for t in (self.pkg.tables_of(info) if info is not None else [])]
        tables = [(n, r) for n, r in found if r is not None]
        self._rects[sheet] = [n for n, _ in tables]
        rects = [r for _, r in tables]
        box: dict = {}
        self._scans[sheet] = box

        def run():
            try:
                box["scan"] = scan_sheet(self.pkg, part, rects=rects) if part else SheetScan()
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
            from ..cellrefs import col_letters

            raise WorkbookError(
                f"{self.workbook}: sheet {sheet!r} spans {scan.max_row:,} rows x {scan.max_col:,} columns (to cell "
                f"{col_letters(scan.max_col - 1)}{scan.max_row}), {scan.cells:,} cells: too large to read safely. "
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
        t = _guard(self.workbook, self.book.get_table_by_name, real)
        if info is None or info.sheet != t.sheet:
            scan = self._scan_of(t.sheet)
        header_row0 = t.start[0] - 1  # calamine's start is the first data row
        first_col = t.start[1]
        columns = ["" if c is None else str(c).strip() for c in t.columns]
        rows = _guard(self.workbook, t.to_python)
        width = len(columns)
        n = len(rows)
        grid = np.empty((n, width), dtype=object)
        if n:
            grid[:, :] = rows  # one C-level pass; columns below are views, no per-cell Python work
        del rows
        data = {c: grid[:, j] for j, c in enumerate(columns)}
        errs: dict[tuple[str, int], str] = {}
        for found, blank in ((scan.errors, False), (scan.uncalculated, True)):
            for (r0, c0), lit in found.items():
                i = r0 - header_row0 - 1
                j = c0 - first_col
                if 0 <= j < width and 0 <= i < n:
                    errs[(columns[j], i)] = lit  # '#N/A', or '=FORMULA' for a formula without a saved value
                    data[columns[j]][i] = None if blank else lit
        beside = self._beside_of(real, t.sheet, scan)
        return RawTable(name=real, columns=columns,
                        data=data,
                        sheet=t.sheet, workbook=self.workbook,
                        header_row=header_row0 + 1, first_col=first_col, errors=errs, date1904=self.pkg.date1904,
                        beside=beside)

    def _beside_of(self, table: str, sheet: str, scan: SheetScan) -> tuple[str, ...]:
        """Data in the rows right below the table (in its columns) or the columns right of it (in its rows)."""
        from ..cellrefs import col_letters

        names = self._rects.get(sheet, [])
        if table not in names or self._allows_beside(sheet):
            return ()
        k = names.index(table)
        info = self.pkg.table(table)
        assert info is not None  # `table` is one of the sheet's tables
        rect = _rect(info.ref)
        assert rect is not None  # only tables with a readable ref are in self._rects
        r0, c0, r1, c1 = rect
        rows, cols = scan.beside[k]
        rows, cols = _runs(rows, r1 + 1), _runs(cols, c1 + 1)
        found = []
        if len(rows):
            span = f"row {rows[0]:,}" if len(rows) == 1 else f"rows {rows[0]:,}–{rows[-1]:,}"
            found.append(f"{span} of sheet {sheet!r} hold data below table {table}, which ends on row {r1:,}: the "
                         f"table does not include {'it' if len(rows) == 1 else 'them'}. Extend the table over "
                         f"{'it' if len(rows) == 1 else 'them'} (Table Design → Resize Table: "
                         f"{col_letters(c0)}{r0}:{col_letters(c1)}{rows[-1]}) or move {'it' if len(rows) == 1 else 'them'}"
                         f" elsewhere")
        if len(cols):
            span = (f"column {col_letters(int(cols[0]))}" if len(cols) == 1
                    else f"columns {col_letters(int(cols[0]))}–{col_letters(int(cols[-1]))}")
            found.append(f"{span} of sheet {sheet!r} hold data right of table {table}, which ends at column "
                         f"{col_letters(c1)}: the table does not include {'it' if len(cols) == 1 else 'them'}. Extend "
                         f"the table (Table Design → Resize Table: {col_letters(c0)}{r0}:"
                         f"{col_letters(int(cols[-1]))}{r1}) or leave an empty column between them")
        if found:
            found[-1] += (f" (or, to keep notes there, define the name {ALLOW_BESIDE} = TRUE with scope "
                          f"{sheet!r}: Formulas → Name Manager → New)")
            self._beside[table] = "; ".join(found)
        return tuple(found)

    def _allows_beside(self, sheet: str) -> bool:
        info = self.pkg.sheet(sheet)
        for d in self.pkg.defined_names:
            if d.name.casefold() != ALLOW_BESIDE.casefold():
                continue
            if d.local_sheet_id is None or (info is not None and d.local_sheet_id == info.index):
                if d.text.strip().lstrip("=").strip().upper() in ("TRUE", "1"):
                    return True
        return False


def _input_table_names() -> set[str]:
    """The (casefolded) names of every kind's input tables."""
    from ..capabilities import all_capabilities

    return {t.name.casefold() for c in all_capabilities() for t in c.input_tables}


def _table_of_sheet(sheet: str) -> str:
    """', which holds table X in salesops-xl's templates' when a template has a sheet of that name."""
    try:
        from ..capabilities import all_capabilities
    except Exception:  # pragma: no cover
        return ""
    names = sorted({t.name for c in all_capabilities() for t in c.input_tables if t.sheet.casefold() == sheet.casefold()})
    if not names:
        return ""
    return f" (in salesops-xl's templates this sheet holds table {' and '.join(names)})"


def _normalised_copy(pkg: Package) -> Path:
    """A temporary copy of the package whose entry names use '/' (python-calamine reads only those)."""
    import os
    import tempfile

    from .zipraw import ZipWriter

    fd, name = tempfile.mkstemp(suffix=".xlsx", prefix=".salesops-read-")
    try:
        with os.fdopen(fd, "wb") as f:
            w = ZipWriter(f)
            for e in pkg.zip.entries:
                w.copy_raw(pkg.zip, e)
            w.close()
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)
