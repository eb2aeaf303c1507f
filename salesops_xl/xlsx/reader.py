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

import numpy as np
from pathlib import Path

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


def scan_error_cells(pkg: Package, part: str, chunk: int = 1 << 20) -> dict[tuple[int, int], str]:
    """Error cells of a worksheet part: (0-based row, 0-based column) -> '#N/A'. Streams the XML.

    Error cells are rare: the scan looks for the literal ``t="e"`` with bytes.find
    (memchr speed) and parses only the few cells found.
    """
    found: dict[tuple[int, int], str] = {}
    tail = b""
    for piece in pkg.iter_decompressed(part, chunk):
        buf = tail + piece
        cut = len(buf)  # everything before `cut` is fully handled
        pos = 0
        while True:
            k = _find_error_attr(buf, pos)
            if k < 0:
                break
            start = buf.rfind(b"<c", 0, k)
            close_tag = buf.find(b">", k)
            end = -1
            if close_tag >= 0:
                end = close_tag + 1 if buf[close_tag - 1:close_tag] == b"/" else buf.find(b"</c>", close_tag)
            if start < 0 or close_tag < 0 or end < 0:
                cut = min(cut, start if start >= 0 else k)  # cell continues in the next chunk
                break
            value = b"#N/A"
            if buf[close_tag - 1:close_tag] != b"/":
                vm = _VAL.search(buf, close_tag, end)
                if vm:
                    value = vm.group(1)
            ref = _REF.search(buf, start, close_tag)
            if ref:
                found[(int(ref.group(2)) - 1, _col_index(ref.group(1)))] = value.decode("utf-8", "replace")
            pos = end
        keep = min(cut, max(pos, len(buf) - 256))
        tail = buf[keep:]
    return found


def _find_error_attr(buf: bytes, pos: int) -> int:
    a = buf.find(b't="e"', pos)
    b = buf.find(b"t='e'", pos)
    if a < 0:
        return b
    return a if b < 0 else min(a, b)


class XlsxSource:
    """Excel Tables of a workbook file, read with python-calamine."""

    def __init__(self, path: str | Path):
        import python_calamine as pc

        self.path = Path(path)
        self.workbook = self.path.name
        self.pkg = Package(self.path)  # checks the file is a readable .xlsx/.xlsm package
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
                box["cells"] = scan_error_cells(self.pkg, part) if part else {}
            except Exception as e:  # reported when the table is read
                box["error"] = e

        t = threading.Thread(target=run, name=f"scan-{sheet}", daemon=True)
        self._threads[sheet] = t
        t.start()

    def _errors_of(self, sheet: str) -> dict:
        self._start_scan(sheet)
        self._threads[sheet].join()
        box = self._scans[sheet]
        if "error" in box:
            raise WorkbookError(f"{self.workbook}: sheet {sheet!r} cannot be read: {box['error']}")
        return box["cells"]

    def read(self, name: str) -> RawTable | None:
        real = self._names.get(name.lower())
        if real is None:
            return None
        info = self.pkg.table(real)
        if info is not None:
            self._start_scan(info.sheet)  # in parallel with calamine's parse below
        t = self.book.get_table_by_name(real)
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
        for (r0, c0), lit in self._errors_of(t.sheet).items():
            i = r0 - header_row0 - 1
            j = c0 - first_col
            if 0 <= j < width and 0 <= i < n:
                errs[(columns[j], i)] = lit
                data[columns[j]][i] = lit
        return RawTable(name=real, columns=columns, data=data, sheet=t.sheet, workbook=self.workbook,
                        header_row=header_row0 + 1, first_col=first_col, errors=errs)
