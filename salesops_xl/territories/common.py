"""Helpers shared by the alignment and lead-routing inputs: settings tables, fingerprints, word lists."""
from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from ..errors import ProblemCollector
from ..tables import Table




def read_settings(tbl: Table | None, names: dict[str, tuple[str, str]],
                  problems: ProblemCollector) -> dict[str, tuple[str, int | None]]:
    """Setting -> (text value, data row index or None for a default), unknown settings reported."""
    out = {k: (default, None) for k, (default, _) in names.items()}
    if tbl is None:
        return out
    lookup = {k.lower(): k for k in names}
    f = tbl.frame
    for i, (name, value) in enumerate(zip(f["Setting"], f["Value"])):
        if name is None:
            continue
        key = lookup.get(str(name).strip().lower())
        if key is None:
            problems.add(tbl.problem(i, "Setting", "unknown setting", value=name,
                                     expected="one of " + ", ".join(names)))
            continue
        text = "" if value is None else str(value).strip()
        out[key] = (text if text != "" else names[key][0], i)
    return out


def parse_fraction(text: str) -> float | None:
    """'5%' -> 0.05, '0.05' -> 0.05; None if not a number."""
    s = text.strip().replace(",", "")
    try:
        return float(s[:-1]) / 100.0 if s.endswith("%") else float(s)
    except ValueError:
        return None


def parse_number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


_SPLIT = re.compile(r"[,;]")


def word_set(text) -> frozenset[str]:
    """'en, ES;de' -> {'en', 'es', 'de'} (trimmed, lower-case); blank -> empty set."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return frozenset()
    return frozenset(w.strip().lower() for w in _SPLIT.split(str(text)) if w.strip())


def norm_key(values) -> np.ndarray:
    """Object array of text keys, trimmed and lower-cased (None stays None); each distinct value once."""
    arr = np.asarray(values, dtype=object)
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    conv = np.empty(len(uniq) + 1, dtype=object)
    conv[:len(uniq)] = [str(u).strip().lower() for u in uniq]  # a loop over distinct values
    conv[-1] = None
    return conv[codes]
