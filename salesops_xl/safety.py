"""Output safety: text taken from inputs must never become a formula where it is written.

Workbooks are safe by construction (our writer stores text as inline strings,
never as formulas). CSV files are not: a spreadsheet opening a CSV evaluates a
cell that starts with ``=``, ``+``, ``-``, ``@`` (and tab/CR), the classic
"CSV injection". Such text is prefixed with a single quote, the convention
OWASP recommends, so it shows as text.
"""
from __future__ import annotations

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text):
    """``'=1+1`` for ``=1+1``; anything else unchanged (non-text values pass through)."""
    if isinstance(text, str) and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot be read as formulas by a spreadsheet."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or isinstance(out[c].dtype, pd.StringDtype):  # str: pandas 3's text default
            out[c] = out[c].map(neutralise)
    return out
