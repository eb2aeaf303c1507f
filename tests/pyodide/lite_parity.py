"""The add-in's Lite door run the same way in two runtimes, for test_pyodide.py to compare.

    python lite_parity.py INPUT.pickle OUTPUT.pickle

runs in Pyodide (under node, by run_pyodide.mjs) and in CPython at the same numpy, pandas and
scipy versions. INPUT holds what CPython prepared: the cell-function calls (the arguments exactly
as xlwings hands them over) and the Book models of the templates (tests/addin/addin_xwmodel.py,
loaded from the .xlsx files with python-calamine, which Pyodide lacks). This file:

1. runs ``addin/lite/main.py`` as xlwings Lite does (its imports register the cell functions);
2. calls every cell function of main.py's namespace with each recorded argument list;
3. runs every script on a Lite-flavoured copy of every template's Book (``run_in_excel`` with a
   fixed ``computed_at``, so run logs compare) and keeps what it wrote: every sheet's cells,
   number formats, tables, charts, frozen panes, and the alerts shown;

and pickles the results as plain Python values, with timings. Only the standard library, the
installed salesops-xl and xlwings, and addin_xwmodel are imported.
"""
from __future__ import annotations

import datetime as dt
import math
import pickle
import re
import sys
import time
import unicodedata
from pathlib import Path

COMPUTED_AT = "2026-01-31T12:00:00+00:00"
_SECONDS = re.compile(r"\(\d+(\.\d+)? s\)")  # "... (0.4 s)" in a script's message: wall time differs
_SKIP = {"book", "sheet", "api", "app", "window", "_app"}  # back-references of the Book model


def plain(v):
    """A value (cell-function result, model object) as plain, picklable, comparable Python."""
    if v is None or isinstance(v, (bool, str, int, float, dt.datetime, dt.date)):
        return v
    if hasattr(v, "item") and getattr(v, "shape", None) == ():  # a numpy scalar
        return plain(v.item())
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if hasattr(v, "tolist"):
        return plain(v.tolist())
    if isinstance(v, dict):
        return sorted(([plain(k), plain(x)] for k, x in v.items()), key=repr)
    if hasattr(v, "__dict__"):
        return {"@": type(v).__name__, **{k: plain(x) for k, x in vars(v).items() if k not in _SKIP}}
    return repr(v)


def book_state(book) -> dict:
    """What a script leaves in the Book: each sheet in order, and the alerts (wall times masked)."""
    return {
        "sheets": [plain(sh) for sh in book._sheets],
        "alerts": [[t, _SECONDS.sub("(_ s)", text), mode] for t, text, mode in book.app.alerts],
    }


def loaded_batch_modules() -> list[str]:
    """Process and thread pools imported: none may be, once main.py ran (Pyodide has neither)."""
    return sorted(m for m in sys.modules if m.split(".")[0] in ("multiprocessing", "_multiprocessing")
                  or m in ("concurrent.futures.process", "concurrent.futures.thread"))


def run_cells(ns: dict, calls: list) -> tuple[list, float]:
    out = []
    t0 = time.perf_counter()
    for name, args in calls:
        try:
            out.append(plain(ns[name](*args)))
        except Exception as e:  # a cell function must not raise: recorded, and the test fails on it
            out.append({"@raised": f"{type(e).__name__}: {e}"})
    return out, time.perf_counter() - t0


def run_scripts(ns: dict, books: dict, runs: list[tuple[str, str]]) -> dict:
    out = {}
    for template, sid in runs:
        if True:
            b = books[template].copy("lite")
            t0 = time.perf_counter()
            ns["run_in_excel"](sid, b, computed_at=COMPUTED_AT)
            secs = time.perf_counter() - t0
            b.settle()
            out[(template, sid)] = {"state": book_state(b), "seconds": secs}
    return out


def commission_per_call(ns: dict, n: int = 200) -> float:
    f = ns["sxl_commission"]
    tiers = [[0, 0.05], [10000, 0.08], [50000, 0.1]]
    f([[60000.0]], tiers)
    t0 = time.perf_counter()
    for i in range(n):
        f([[1000.0 * i]], tiers)
    return (time.perf_counter() - t0) / n


def main(argv: list[str]) -> int:
    src, dest = Path(argv[1]), Path(argv[2])
    job = pickle.loads(src.read_bytes())
    import os

    os.environ["SALESOPS_USER"] = "parity"  # the Audit Log's user: the same in both runtimes, whatever their login
    sys.path.insert(0, job["xwmodel_dir"])  # addin_xwmodel, for the pickled Book models
    import runpy

    import numpy
    import pandas
    import scipy

    t0 = time.perf_counter()
    ns = runpy.run_path(job["main_py"])
    import_s = time.perf_counter() - t0
    batch_modules = loaded_batch_modules()
    from salesops_xl.addin.scripts import all_scripts, load_failures

    books = pickle.loads(job["books"])
    ids = [s.id for s in all_scripts()]
    runs = job.get("runs") or [(t, sid) for t in books for sid in ids]
    cells, cells_s = run_cells(ns, job["calls"])
    result = {
        "platform": sys.platform,
        "versions": {"numpy": numpy.__version__, "pandas": pandas.__version__, "scipy": scipy.__version__,
                     "python": sys.version.split()[0]},
        "intp_bits": numpy.dtype(numpy.intp).itemsize * 8,
        "load_failures": dict(load_failures()),
        "script_ids": ids,
        "main_import_s": import_s,
        "cells": cells,
        "cells_s": cells_s,
        "commission_call_s": commission_per_call(ns),
        "scripts": run_scripts(ns, books, runs),
        "batch_modules": batch_modules,
        "our_modules": sorted(m for m in sys.modules if m.split(".")[0] == "salesops_xl"),
    }
    dest.write_bytes(pickle.dumps(result))
    return 0


def _escaped(text: str) -> str:
    """Text with every character this Python's Unicode database has not assigned written as repr() writes it.

    A message quoting a user's text with repr() differs between the runtimes in one way that is not ours:
    Pyodide 0.27.7 runs Python 3.12 (Unicode 15.0), the CPython reference Python 3.11 (Unicode 14.0), so a
    character assigned in 15.0 (say U+31ED9, CJK Extension H) is printed as itself by one and escaped as
    \\U00031ed9 by the other. Escaping the characters unassigned here (category Cn) on both sides compares
    the rest exactly, a newline or a control character included."""
    return "".join(c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) == "Cn" else c
                   for c in text)


def close(a, b, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    """Equal, floats within round-off (relative 1e-9, or 1e-9 absolute near zero), recursively."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b) or math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
    if type(a) is not type(b):
        return False
    if isinstance(a, str):
        return a == b or _escaped(a) == _escaped(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y, rel, abs_) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rel, abs_) for k in a)
    return a == b


def first_difference(a, b, where="") -> str | None:
    """Where two results first differ beyond round-off, for the failure message."""
    if close(a, b):
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for k in a:
            d = first_difference(a[k], b[k], f"{where}.{k}")
            if d:
                return d
    return f"{where}: {a!r:.300} != {b!r:.300}"


if __name__ == "__main__":
    sys.exit(main(sys.argv))
