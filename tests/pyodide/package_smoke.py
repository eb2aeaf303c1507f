"""The handed-out package in a runtime: main.py from the package, a cell function and a script.

    python package_smoke.py MAIN_PY BOOK.pickle XWMODEL_DIR OUT.json

Runs in Pyodide (salesops-xl installed from the package's requirements.txt, as written) and in a
fresh CPython virtual environment (the wheel pip-installed). BOOK.pickle holds the commissions
template as a Book model (tests/addin/addin_xwmodel.py, found in XWMODEL_DIR).
"""
import json
import pickle
import runpy
import sys

main_py, book_pickle, xwmodel_dir, out = sys.argv[1:5]
sys.path.insert(0, xwmodel_dir)
ns = runpy.run_path(main_py)
book = pickle.loads(open(book_pickle, "rb").read()).copy("lite")
ns["commissions_recalc"](book)  # the Lite script, through main.py's @script function
import salesops_xl  # noqa: E402

json.dump({
    "module": salesops_xl.__file__,
    "version": salesops_xl.__version__,
    "commission": ns["sxl_commission"]([[60000.0]], [[0, 0.05], [10000, 0.08], [50000, 0.1]]),
    "alerts": book.app.alerts,
    "sheets": [s.name for s in book.sheets],
}, open(out, "w"))
