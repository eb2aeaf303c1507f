"""A1 cell references and Excel's naming rules: the one home for them (as ``xlsxwriter/utility.py`` is).

Column letters, cell and range references, sheet and table names as Excel allows them. Pure Python, so the
engine, the add-in (also in Pyodide) and the .xlsx reader and writer share it.
"""
from __future__ import annotations

import re

from .errors import WorkbookError

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL_CHARS = 32_767

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def col_letters(col: int) -> str:
    """0-based column index -> letters (0 -> 'A')."""
    s = ""
    n = col + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def col_index(letters: str | bytes) -> int:
    """Letters -> 0-based column index ('A' -> 0); also the bytes of a sheet's XML (upper case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ((ch if isinstance(ch, int) else ord(ch)) - 64)
    return n - 1


def parse_cell(ref: str, what: str = "cell") -> tuple[int, int]:
    """'B3' -> (row 2, col 1), 0-based; raises WorkbookError if invalid or out of the grid."""
    m = _CELL.match(ref.strip()) if isinstance(ref, str) else None
    if not m:
        raise WorkbookError(f"{what}: {ref!r} is not a cell reference like 'A1'")
    col = col_index(m.group(1))
    row = int(m.group(2)) - 1
    if not (0 <= row < MAX_ROWS and 0 <= col < MAX_COLS):
        raise WorkbookError(f"{what}: {ref!r} is outside Excel's grid")
    return row, col


def cell_ref(row: int, col: int, absolute: bool = False) -> str:
    if absolute:
        return f"${col_letters(col)}${row + 1}"
    return f"{col_letters(col)}{row + 1}"


def range_ref(r0: int, c0: int, r1: int, c1: int, absolute: bool = False) -> str:
    return f"{cell_ref(r0, c0, absolute)}:{cell_ref(r1, c1, absolute)}"


def quote_sheet(name: str) -> str:
    """Sheet name as written in a formula reference: always quoted, apostrophes doubled."""
    return "'" + name.replace("'", "''") + "'"


_BAD_SHEET_CHARS = set('[]:*?/\\')


def check_sheet_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise WorkbookError(f"sheet name {name!r}: a sheet name cannot be empty")
    if len(name) > 31:
        raise WorkbookError(f"sheet name {name!r}: longer than Excel's 31 characters")
    bad = sorted(set(name) & _BAD_SHEET_CHARS)
    if bad:
        raise WorkbookError(f"sheet name {name!r}: Excel does not allow {' '.join(bad)} in sheet names")
    if name.startswith("'") or name.endswith("'"):
        raise WorkbookError(f"sheet name {name!r}: cannot start or end with an apostrophe")
    if any(ord(ch) < 32 for ch in name):
        raise WorkbookError(f"sheet name {name!r}: control characters are not allowed")
    if name.casefold() == "history":
        raise WorkbookError(f"sheet name {name!r}: 'History' is reserved by Excel")


_A1_LIKE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")
_R1C1_LIKE = re.compile(r"^([Rr][0-9]*)?([Cc][0-9]*)?$")


def check_table_name(name: str) -> None:
    """Excel table (ListObject) name rules."""
    if not isinstance(name, str) or not name:
        raise WorkbookError(f"table name {name!r}: a table name cannot be empty")
    if len(name) > 255:
        raise WorkbookError(f"table name {name[:40]!r}...: longer than 255 characters")
    first = name[0]
    if not (first.isalpha() or first == "_"):
        raise WorkbookError(f"table name {name!r}: must start with a letter or an underscore")
    for ch in name[1:]:
        if not (ch.isalnum() or ch in "_."):
            raise WorkbookError(f"table name {name!r}: only letters, digits, underscores and periods are allowed "
                                f"(found {ch!r})")
    if _A1_LIKE.match(name) or _R1C1_LIKE.match(name):
        raise WorkbookError(f"table name {name!r}: looks like a cell reference, which Excel does not allow")
