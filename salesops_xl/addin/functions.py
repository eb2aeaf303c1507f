"""Excel custom functions (UDFs): xlwings decorators around :mod:`salesops_xl.cells`.

One module for both runtimes:

* **desktop Excel** (Windows, the open-source xlwings add-in or the salesops-xl add-in):
  ``salesops_xl.addin.functions`` is the "UDF Modules" setting; *Import Functions* registers
  every ``sxl_*`` function found here (Excel shows them as ``=SXL_COMMISSION(...)``...);
* **xlwings Lite**: ``addin/lite/main.py`` imports the functions from here, and Lite registers
  every decorated function imported into ``main.py``.

Each wrapper only declares how Excel hands over its arguments and calls the plain function in
:mod:`salesops_xl.cells`, which converts, validates and computes *inside* its error guard:

* ``ndim=2``: a cell or a range always arrives as a list of rows (a single cell is unwrapped
  again, so a scalar call returns a scalar and a range call spills a dynamic array of the
  range's shape);
* ``err_to_str=True``: an error cell arrives as its literal (``"#N/A"``) instead of an empty
  value, so ``=SXL_COMMISSION(NA(), ...)`` answers ``#N/A ...`` rather than "blank";
* no DataFrame/number converters in the decorators: a converter that fails raises inside
  xlwings, before our guard, and desktop xlwings would put that traceback in the cell.

The cell functions of every capability (``salesops_xl/addin/<name>_functions.py``) are imported
into this module at the end, so the one "UDF Modules" entry registers them all.
"""
from __future__ import annotations

#: Excel's function-wizard category of every salesops-xl function (desktop; Lite ignores it).
CATEGORY = "salesops-xl"


def _import_capability_functions() -> None:
    """Bring the cell functions of every capability (salesops_xl/addin/<name>_functions.py) into this module.

    Excel's UDF registration (desktop "Import Functions", xlwings Lite) looks at this one module, so
    each capability's functions appear here under their own names. A module that fails to import is
    reported on stderr and skipped: one broken capability must not take every function away.
    """
    import importlib
    import pkgutil
    import sys
    from pathlib import Path

    for mod in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not mod.name.endswith("_functions"):
            continue
        try:
            m = importlib.import_module(f"{__package__}.{mod.name}")
        except Exception as e:  # pragma: no cover - reported, and the add-in tests import each module
            print(f"salesops-xl: cell functions of {mod.name} not loaded: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        for name in getattr(m, "__all__", [n for n in dir(m) if n.startswith("sxl_")]):
            globals()[name] = getattr(m, name)


_import_capability_functions()
