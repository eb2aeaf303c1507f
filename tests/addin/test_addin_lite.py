"""xlwings Lite: the generated main.py and requirements.txt, and what Pyodide can run."""
from __future__ import annotations

import ast
import pickle
import runpy
import subprocess
import sys
import textwrap

from addin_testlib import ROOT

from salesops_xl import __version__
from salesops_xl.addin import lite, scripts

MAIN = ROOT / "addin" / "lite" / "main.py"
REQ = ROOT / "addin" / "lite" / "requirements.txt"


def test_the_committed_main_py_is_the_one_the_registry_generates():
    assert MAIN.read_text(encoding="utf-8") == lite.main_py(), (
        "addin/lite/main.py is out of date with the registry: run `salesops-xl addin lite`")


def test_main_py_has_one_script_per_workflow_with_one_book_argument():
    tree = ast.parse(MAIN.read_text(encoding="utf-8"))
    funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    called = {}
    for f in funcs:
        (dec,) = f.decorator_list
        assert isinstance(dec, ast.Call) and dec.func.id == "script"  # a Lite @script(name=...)
        assert [a.arg for a in f.args.args] == ["book"] and ast.unparse(f.args.args[0].annotation) == "xw.Book"
        call = f.body[-1].value
        assert call.func.id == "run_in_excel"
        called[ast.literal_eval(call.args[0])] = ast.literal_eval(dec.keywords[0].value)
    assert called == {s.id: s.label for s in scripts.all_scripts()}  # every script, under its ribbon label
    imported = next(n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "salesops_xl.addin.functions")
    assert sorted(a.name for a in imported.names) == lite.cell_function_names()


def test_main_py_runs_a_script_on_a_book_as_lite_hands_it(book_model):
    ns = runpy.run_path(str(MAIN))
    book = book_model("commissions", "lite")
    ns["commissions_recalc"](book)
    title, text, mode = book.app.alerts[-1]
    assert title == "salesops-xl: Recalculate payouts" and mode == "info" and "payout rows" in text
    assert ns["sxl_commission"]([[60000.0]], [[0, 0.05], [10000, 0.08], [50000, 0.1]]) == 4700.0


def test_requirements_install_salesops_xl_and_leave_pyodides_packages_alone():
    """salesops-xl is not on a public index: the committed file is the template (its URL line commented);
    `salesops-xl addin package --wheel-url` writes the team's URL (tests/addin/test_addin_package.py)."""
    def lines(text):
        return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]

    assert lines(REQ.read_text(encoding="utf-8")) == []
    assert f"salesops_xl-{__version__}-py3-none-any.whl" in REQ.read_text(encoding="utf-8")
    assert lines(lite.requirements_txt("https://example.org/w.whl")) == ["https://example.org/w.whl"]


def test_the_lite_door_needs_no_batch_only_package_and_no_thread(book_model, tmp_path):
    """What runs in Pyodide: main.py's imports and a script on an open Book, without python-calamine, orjson,
    click or openpyxl (they carry `sys_platform != 'emscripten'` or are test-only) and without starting a thread."""
    book = book_model("commissions", "lite")
    blob = tmp_path / "book.pickle"
    blob.write_bytes(pickle.dumps(book))
    code = textwrap.dedent(f"""
        import pickle, runpy, sys, threading
        sys.path.insert(0, {str(ROOT / "tests" / "addin")!r})
        for name in ("python_calamine", "orjson", "click", "openpyxl", "pyarrow", "sqlalchemy", "_multiprocessing"):
            sys.modules[name] = None  # ImportError on import, as in Pyodide (no _multiprocessing there)
        def no_thread(self, *a, **k):
            raise AssertionError("a thread was started: Pyodide has none")
        threading.Thread.start = no_thread
        book = pickle.loads(open({str(blob)!r}, "rb").read())
        ns = runpy.run_path({str(MAIN)!r})
        for script in ("commissions.recalc", "commissions.statement"):
            report = ns["run_in_excel"](script, book.copy())
            assert report is not None, (script, book.app.alerts)
        from salesops_xl.addin.scripts import capabilities, load_failures
        capabilities()
        assert not load_failures(), f"capabilities that cannot load in xlwings Lite: {{load_failures()}}"
        print("ok", report.headline)
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 0 and res.stdout.splitlines()[-1].startswith("ok "), res.stdout + res.stderr
