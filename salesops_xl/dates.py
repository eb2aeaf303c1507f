"""Excel dates: the two date systems, serial numbers, and a cell value read as a date.

Excel counts days from 1899-12-30 (serial 1 is 1900-01-01), or from 1904-01-01 in a workbook saved with the
1904 date system (``<workbookPr date1904="1"/>``, Mac Excel's old default). The table reader
(:mod:`salesops_xl.tables`), the cell functions (:mod:`salesops_xl.cells`) and the writers convert through here.
"""
from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import numpy as np
import pandas as pd

#: Excel's error values, as spreadsheets and xlwings render them.
EXCEL_ERRORS = frozenset(
    "#NULL! #DIV/0! #VALUE! #REF! #NAME? #NUM! #N/A #GETTING_DATA #SPILL! #CALC! "
    "#FIELD! #BLOCKED! #CONNECT! #BUSY! #UNKNOWN! #EXTERNAL! #PYTHON!".split()
)

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
#: Day 0 of the 1904 date system (``<workbookPr date1904="1"/>``): serial 0 is 1904-01-01.
EXCEL_EPOCH_1904 = np.datetime64("1904-01-01", "D")
#: Days between the two systems: a date's 1900 serial is its 1904 serial + 1462.
DATE1904_OFFSET = 1462
#: Valid serial numbers of each system, [low, high): 1900-01-01 .. 9999-12-31 and 1904-01-01 .. 9999-12-31.
SERIAL_RANGE = {False: (1.0, 2958466.0), True: (0.0, 2958466.0 - DATE1904_OFFSET)}


def excel_epoch(date1904: bool = False) -> np.datetime64:
    """The date whose serial number is 0 in a workbook's date system (1899-12-30 or 1904-01-01)."""
    return EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH


def serial_to_date(serial: np.ndarray, date1904: bool = False) -> np.ndarray:
    """Excel serial day numbers -> datetime64[D], in the 1900 system or (``date1904``) the 1904 system."""
    return excel_epoch(date1904) + np.floor(serial).astype("int64").astype("timedelta64[D]")


def date_to_serial(dates: np.ndarray, date1904: bool = False) -> np.ndarray:
    """datetime64 -> Excel serial day numbers (float64, NaN for NaT) of the 1900 or (``date1904``) 1904 system."""
    d = np.asarray(dates).astype("datetime64[D]")
    out = (d - excel_epoch(date1904)).astype("timedelta64[D]").astype(np.int64).astype(np.float64)
    out[np.isnat(d)] = np.nan
    return out


def read_date(u: Any, date1904: bool = False) -> tuple[Any, str]:
    """A cell value read from a table -> (datetime64[D] or NaT for a blank, ""), or (None, why it is not a date).

    Dates, datetimes and serial numbers of the workbook's date system are dates; text, TRUE/FALSE, error values
    and numbers outside Excel's calendar are not (the reader says why, naming the cell).
    """
    if u is None or (isinstance(u, float) and math.isnan(u)):
        return np.datetime64("NaT", "D"), ""
    if isinstance(u, _dt.datetime):
        return np.datetime64(u.date(), "D"), ""
    if isinstance(u, _dt.date):
        return np.datetime64(u, "D"), ""
    if isinstance(u, np.datetime64):
        return u.astype("datetime64[D]"), ""
    if isinstance(u, pd.Timestamp):
        return np.datetime64(u.date(), "D"), ""
    if isinstance(u, bool):
        return None, "TRUE/FALSE where a date was expected"
    if isinstance(u, (int, float, np.integer, np.floating)):
        x = float(u)
        lo, hi = SERIAL_RANGE[bool(date1904)]  # 1900-01-01 (1904-01-01) .. 9999-12-31
        if not (lo <= x < hi):
            return None, "a number that is not a valid Excel date"
        return serial_to_date(np.array([x]), date1904)[0], ""
    if isinstance(u, str):
        s = u.strip()
        if s == "":
            return np.datetime64("NaT", "D"), ""
        if s in EXCEL_ERRORS:
            return None, "error value in the cell"
        return None, "a date typed as text (Excel does not treat it as a date)"
    return None, "not a date"
