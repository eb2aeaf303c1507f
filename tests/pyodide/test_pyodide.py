"""The Lite door in a real Pyodide (what xlwings Lite runs), compared with CPython result by result.

Runs in the Pyodide stage (``.ci/pyodide.sh``), which assembles Pyodide 0.27.7 offline, builds the
project's wheel and a CPython virtual environment pinned to Pyodide's numpy 2.0.2, pandas 2.2.3 and
scipy 1.14.1, and runs this module there. Elsewhere it skips (SXL_PYODIDE_DIST is not set).

Under node, Pyodide installs the project's wheel and the real xlwings 0.37.8 wheel with micropip,
runs ``addin/lite/main.py``, every cell-function call the add-in's tests make (hand-worked and
hypothesis-seeded ones, as xlwings passes arguments) plus seeded random realistic ones, and every
script on every template through the Book model of tests/addin; the same file runs the same inputs
in this CPython. Any difference beyond float round-off (relative 1e-9) fails.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import os
import pickle
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DIST = os.environ.get("SXL_PYODIDE_DIST")
WHEELS = [w for w in os.environ.get("SXL_PYODIDE_WHEELS", "").split(os.pathsep) if w]

if not DIST:
    pytest.skip("the Pyodide stage: run .ci/pyodide.sh", allow_module_level=True)

sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests" / "addin"))

import lite_parity  # noqa: E402

pytestmark = pytest.mark.pyodide

MERGED = "quotas+other templates' tables"
CELL_TESTS = ["tests/addin/test_addin_cell_functions.py", "tests/addin/test_addin_all_functions.py",
              "tests/quotas/test_quota_cells.py", "tests/territories/test_territory_cells.py",
              "tests/forecast/test_forecast_cells.py", "tests/budget/test_budget_cells.py",
              "tests/quotes/test_quote_cells.py"]


def work_dir() -> Path:
    """Inputs and results live under the repository (mounted into Pyodide), in the ignored cache."""
    d = ROOT / ".cache" / "pyodide" / "run"
    d.mkdir(parents=True, exist_ok=True)
    return d


def recorded_calls(work: Path) -> list:
    out = work / "recorded-calls.pickle"
    env = dict(os.environ, SXL_RECORD_CALLS=str(out), PYTHONPATH=os.pathsep.join(
        [str(HERE)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "record_calls",
                          "--hypothesis-seed=0", *CELL_TESTS], cwd=ROOT, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return pickle.loads(out.read_bytes())


def realistic_calls(seed: int = 20260131, n: int = 25) -> list:
    """Seeded random calls with the shapes an analyst's sheet gives (a column of numbers is a list,
    a table a list of rows), for the functions whose ordinary use does array arithmetic."""
    rng = random.Random(seed)
    calls = []

    def money():
        return round(rng.uniform(0, 250_000), 2)

    for _ in range(n):
        k = rng.randint(1, 12)
        reps = [f"R{i}" for i in range(k)]
        weights = [[round(rng.uniform(0.5, 10), 3)] for _ in range(k)]
        tiers = sorted({round(rng.uniform(0, 200_000), -3) for _ in range(rng.randint(1, 4))} | {0.0})
        table = [[t, round(rng.uniform(0.01, 0.15), 4)] for t in tiers]
        calls += [
            ("sxl_commission", ([[money()]], table)),
            ("sxl_commission", ([[money()]], table, rng.choice(["marginal", "retroactive"]), money() + 1)),
            ("sxl_tier", (money(), table)),
            ("sxl_attainment", (money(), money() + 1)),
            ("sxl_payout", (rng.uniform(0, 2), [[0.0, 0.0], [0.5, 0.25], [1.0, 1.0], [1.5, 2.0]])),
            ("sxl_quota_allocate", (round(rng.uniform(1e5, 1e7), 0), weights)),
            ("sxl_quota_allocate", (round(rng.uniform(1e5, 1e7), 0), weights, None, None, None, 1000)),
            ("sxl_quota_phase", (round(rng.uniform(1e5, 1e7), 0), [rng.uniform(0.5, 2) for _ in range(12)])),
            ("sxl_quota_phase", (round(rng.uniform(1e5, 1e7), 0), [1.0] * 4, None, 100)),
            ("sxl_quota_seasonality", ([[rng.uniform(1e4, 1e5) for _ in range(12)] for _ in range(3)],)),
        ]
        m = rng.randint(k, 40)
        owners = [rng.choice(reps) for _ in range(m)]
        values = [round(rng.uniform(0, 1e5), 2) for _ in range(m)]
        calls += [
            ("sxl_territory_balance", (owners, values)),
            ("sxl_territory_balance", (owners, values, reps, [rng.uniform(0.5, 1.5) for _ in reps])),
            ("sxl_max_deviation", (owners, values)),
            ("sxl_max_deviation", (owners, values, reps, [rng.uniform(0.5, 1.5) for _ in reps])),
            ("sxl_jain", (values,)),
            ("sxl_jain", (values, [rng.uniform(0.5, 2) for _ in values])),
            ("sxl_compactness", (owners, [rng.uniform(30, 45) for _ in owners], [rng.uniform(-120, -75) for _ in owners],
                                 values, reps, [rng.uniform(30, 45) for _ in reps],
                                 [rng.uniform(-120, -75) for _ in reps])),
            ("sxl_distance", (rng.uniform(-80, 80), rng.uniform(-180, 180), rng.uniform(-80, 80),
                              rng.uniform(-180, 180))),
        ]
        hist = [round(1000 + 50 * i + rng.uniform(-200, 200) + 300 * ((i % 12) in (10, 11)), 2) for i in range(36)]
        calls += [
            ("sxl_forecast_table", (hist, rng.randint(1, 12))),
            ("sxl_forecast_table", (hist, 6, 12)),
            ("sxl_forecast_ets", (46023.0 + 31 * rng.randint(0, 6), hist, [45292.0 + 30.4375 * i for i in range(36)])),
            ("sxl_run_rate", (money(), rng.randint(1, 90), 90)),
            ("sxl_ramp", (46023.0 - rng.randint(0, 400), 46023.0 + 31 * rng.randint(0, 12))),
            ("sxl_prorate", (money(), 46023.0, 46387.0, 46023.0 + rng.randint(0, 300))),
            ("sxl_hire_capacity", (money(), rng.randint(1, 12))),
            ("sxl_hires_needed", (money() * 10, money(), rng.randint(1, 12))),
            ("sxl_budget_year_end", ([[money() for _ in range(12)] for _ in range(k)],
                                     [[money() for _ in range(12)] for _ in range(k)], rng.randint(0, 12),
                                     rng.choice(["Plan", "RunRate"]), rng.randint(1, 6))),
            ("sxl_req_open_date", (46023.0 + rng.randint(0, 365), [[rng.randint(0, 30)] for _ in range(4)],
                                   rng.randint(0, 60))),
            ("sxl_funnel_needed", (rng.randint(0, 20), [[round(rng.uniform(0.05, 1.0), 3) for _ in range(4)]])),
        ]
        book = [["Product", "Currency", "ListPrice", "VolumeSchedule"], ["P", "USD", money() + 1, "S"]]
        vol = [["Schedule", "MinQty", "Discount"], ["S", 1, 0.0], ["S", 10, 0.1], ["S", 50, 0.2]]
        matrix = [["Level", "Approver", "Rule", "Threshold"], [1, "Manager", "Discount", 0.1],
                  [2, "VP", "Margin", 0.5], [3, "CFO", "DealSize", 100_000.0]]
        calls += [
            ("sxl_price", ("P", [[rng.randint(1, 200)]], "USD", book, vol, None, None, rng.choice([0.0, 0.15]))),
            ("sxl_discount_approver", (rng.uniform(0, 0.5), money(), rng.uniform(-0.2, 0.9), matrix)),
            ("sxl_margin", (money() + 1, money())),
        ]
    return calls


@pytest.fixture(scope="session")
def runs() -> dict:
    """Both runtimes' results on the same inputs, with the stage's timings."""
    from addin_xwmodel import Book

    from salesops_xl.capabilities import all_capabilities

    work = work_dir()
    t_stage = time.perf_counter()
    calls = recorded_calls(work) + realistic_calls()
    books = {c.name: Book.from_xlsx(ROOT / "workbooks" / c.template_name, "desktop") for c in all_capabilities()}
    # the hand-off from quotas into commissions needs a workbook holding both kinds of tables
    from test_addin_scripts import merged_workbook

    templates = {c.name: ROOT / "workbooks" / c.template_name for c in all_capabilities()}
    merged = work / "merged"
    merged.mkdir(exist_ok=True)
    books[MERGED] = Book.from_xlsx(merged_workbook("quotas", templates, merged), "desktop")
    job = {"calls": calls, "books": pickle.dumps(books), "main_py": "", "xwmodel_dir": "",
           "runs": [case for case in script_cases()]}
    guest = {**job, "main_py": "/host/addin/lite/main.py", "xwmodel_dir": "/host/tests/addin"}
    host = {**job, "main_py": str(ROOT / "addin" / "lite" / "main.py"), "xwmodel_dir": str(ROOT / "tests" / "addin")}
    (work / "job-pyodide.pickle").write_bytes(pickle.dumps(guest))
    (work / "job-cpython.pickle").write_bytes(pickle.dumps(host))

    # both runtimes at once, so that they share the machine's load and their times compare side by side;
    # their output goes to files (the alerts the scripts print, a traceback) so neither waits on a pipe
    logs = {k: open(work / f"{k}.log", "w+") for k in ("cpython", "pyodide")}
    t0 = time.perf_counter()
    cp = subprocess.Popen([sys.executable, str(HERE / "lite_parity.py"), str(work / "job-cpython.pickle"),
                           str(work / "out-cpython.pickle")], cwd=work, stdout=logs["cpython"],
                          stderr=subprocess.STDOUT)
    py = subprocess.Popen(["node", str(HERE / "run_pyodide.mjs"), DIST, str(ROOT), str(work / "timings.json"),
                           *WHEELS, "--", str(HERE / "lite_parity.py"), str(work / "job-pyodide.pickle"),
                           str(work / "out-pyodide.pickle")], cwd=ROOT, stdout=logs["pyodide"],
                          stderr=subprocess.STDOUT)
    cp.wait()
    cpython_s = time.perf_counter() - t0
    py.wait()
    pyodide_s = time.perf_counter() - t0
    for k, proc in (("cpython", cp), ("pyodide", py)):
        logs[k].seek(0)
        text = logs[k].read()
        logs[k].close()
        assert proc.returncode == 0, f"{k} run failed:\n{text[-6000:]}"
    out = {
        "calls": calls,
        "cpython": pickle.loads((work / "out-cpython.pickle").read_bytes()),
        "pyodide": pickle.loads((work / "out-pyodide.pickle").read_bytes()),
        "startup": json.loads((work / "timings.json").read_text()),
        "cpython_s": cpython_s, "pyodide_s": pyodide_s, "prepare_s": time.perf_counter() - t_stage,
    }
    return out


def test_the_runtimes_are_pyodide_and_cpython_at_the_same_versions(runs):
    py, cp = runs["pyodide"], runs["cpython"]
    assert py["platform"] == "emscripten" and py["intp_bits"] == 32  # wasm32: what a 64-bit test cannot show
    assert cp["platform"] != "emscripten" and cp["intp_bits"] == 64
    assert {k: v for k, v in py["versions"].items() if k != "python"} == \
        {k: v for k, v in cp["versions"].items() if k != "python"} == \
        {"numpy": "2.0.2", "pandas": "2.2.3", "scipy": "1.14.1"}


FORBIDDEN = ("multiprocessing", "concurrent", "threading", "_thread", "socket")


def module_level_imports(body):
    """Names imported when a module loads: its top-level statements, not function or class bodies."""
    for n in body:
        if isinstance(n, ast.Import):
            yield from (a.name for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module:
            yield n.module
        elif isinstance(n, (ast.If, ast.Try, ast.With)):
            for part in (n.body, getattr(n, "orelse", []), getattr(n, "finalbody", []),
                         *[h.body for h in getattr(n, "handlers", [])]):
                yield from module_level_imports(part)


def test_main_py_loads_every_capability_and_no_process_pool_thread_or_socket_module(runs):
    """Every module of ours the Lite door loaded (main.py, every cell function, every script) imports
    no process or thread pool, thread or socket module when it loads: batch-only parallelism is
    imported inside the function that uses it."""
    py = runs["pyodide"]
    assert py["load_failures"] == {}
    assert py["batch_modules"] == [], "a process or thread pool was imported by the Lite door"
    assert py["script_ids"] == runs["cpython"]["script_ids"]
    ours = py["our_modules"]
    assert "salesops_xl.commissions.statements" in ours and len(ours) > 40
    bad = {}
    for m in ours:
        spec = importlib.util.find_spec(m)
        if spec and spec.origin and spec.origin.endswith(".py"):
            tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
            found = [n for n in module_level_imports(tree.body) if n.split(".")[0] in FORBIDDEN]
            if found:
                bad[m] = found
    assert not bad, f"module-level imports Pyodide cannot use, in modules the Lite door loads: {bad}"


def test_every_cell_function_call_gives_what_cpython_gives(runs):
    calls, py, cp = runs["calls"], runs["pyodide"]["cells"], runs["cpython"]["cells"]
    assert len(py) == len(cp) == len(calls) > 1000
    raised = [(calls[i][0], r) for i, r in enumerate(py) if isinstance(r, dict) and "@raised" in r]
    assert not raised, f"{len(raised)} calls raised in Pyodide: {raised[:5]}"
    bad = [(calls[i][0], calls[i][1], lite_parity.first_difference(a, b))
           for i, (a, b) in enumerate(zip(py, cp)) if not lite_parity.close(a, b)]
    assert not bad, f"{len(bad)} of {len(calls)} calls differ from CPython; first: {bad[:3]!r:.3000}"
    exact = sum(a == b for a, b in zip(py, cp))
    print(f"\n{len(calls)} cell-function calls identical to CPython ({exact} bit for bit, "
          f"{len(calls) - exact} within round-off)")


def script_cases():
    from salesops_xl.addin.scripts import all_scripts
    from salesops_xl.capabilities import all_capabilities

    return [(c.name, s.id) for c in all_capabilities() for s in all_scripts()] + [(MERGED, "quotas.handoff")]


@pytest.mark.parametrize("template,script", script_cases())
def test_every_script_on_every_template_writes_what_cpython_writes(runs, template, script):
    py = runs["pyodide"]["scripts"][(template, script)]["state"]
    cp = runs["cpython"]["scripts"][(template, script)]["state"]
    assert not any("Internal error" in text for _, text, _ in py["alerts"]), py["alerts"]
    from salesops_xl.addin.scripts import capability_of

    own = capability_of(script)
    # on its own kind of workbook a script runs to the end (else "identical" could mean "failed alike");
    # the hand-off needs the merged workbook
    if template == MERGED or own is None or (own.name == template and script != "quotas.handoff"):
        assert py["alerts"] and py["alerts"][-1][2] == "info", py["alerts"][-1:]
    diff = lite_parity.first_difference(py, cp)
    assert diff is None, f"{template} / {script}: Pyodide and CPython differ at {diff}"


def test_figures(runs):
    """Not a check: the stage's figures, written to .cache/pyodide/run/figures.md and printed."""
    py, cp, st = runs["pyodide"], runs["cpython"], runs["startup"]
    lines = ["| figure | Pyodide 0.27.7 (node) | CPython | ratio |", "|---|---:|---:|---:|",
             f"| start-up: loadPyodide | {st['boot_ms'] / 1000:.2f} s | | |",
             f"| start-up: load numpy, pandas, scipy, micropip | {st['packages_ms'] / 1000:.2f} s | | |",
             f"| micropip install of the two wheels | {st['install_ms'] / 1000:.2f} s | | |",
             f"| main.py import | {py['main_import_s']:.2f} s | {cp['main_import_s']:.2f} s | "
             f"{py['main_import_s'] / cp['main_import_s']:.1f} |",
             f"| SXL_COMMISSION per call | {py['commission_call_s'] * 1e6:.0f} µs | {cp['commission_call_s'] * 1e6:.0f} µs"
             f" | {py['commission_call_s'] / cp['commission_call_s']:.1f} |",
             f"| {len(runs['calls'])} cell-function calls | {py['cells_s']:.2f} s | {cp['cells_s']:.2f} s | "
             f"{py['cells_s'] / cp['cells_s']:.1f} |"]
    for key in sorted(py["scripts"]):
        a, b = py["scripts"][key]["seconds"], cp["scripts"][key]["seconds"]
        lines.append(f"| {key[1]} on {key[0]}.xlsx | {a:.2f} s | {b:.2f} s | {a / b:.1f} |")
    lines.append(f"| whole Pyodide process / CPython process | {runs['pyodide_s']:.1f} s | {runs['cpython_s']:.1f} s |"
                 f" {runs['pyodide_s'] / runs['cpython_s']:.1f} |")
    text = "\n".join(lines)
    (work_dir() / "figures.md").write_text(text + "\n", encoding="utf-8")
    print("\n" + text)


def test_the_handed_out_package_installs_in_pyodide_from_its_requirements_txt(tmp_path):
    """`salesops-xl addin package` → Lite's requirements.txt, installed by micropip as written (the wheel's
    URL is where the package folder is mounted), then the package's main.py: a cell function and a script."""
    from addin_xwmodel import Book

    from salesops_xl.addin.package import build_package

    work = work_dir() / "package"
    if work.exists():
        import shutil

        shutil.rmtree(work)
    work.mkdir()
    wheel = next(w for w in WHEELS if Path(w).name.startswith("salesops_xl-"))
    guest = "/host/" + (work / "out").relative_to(ROOT).as_posix() + "/"
    pkg = build_package(work / "out", wheel_url="emfs:" + guest, wheel=wheel, root=ROOT)
    lines = [ln for ln in pkg.requirements.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    assert lines == ["emfs:" + guest + pkg.wheel.name]  # one line: the wheel; numpy, pandas, scipy not pinned
    (work / "book.pickle").write_bytes(pickle.dumps(Book.from_xlsx(ROOT / "workbooks" / "commissions.xlsx")))
    xlwings = next(w for w in WHEELS if Path(w).name.startswith("xlwings-"))  # part of xlwings Lite itself
    res = subprocess.run(["node", str(HERE / "run_pyodide.mjs"), DIST, str(ROOT), str(work / "timings.json"),
                          xlwings, str(pkg.requirements), "--", str(HERE / "package_smoke.py"), str(pkg.main_py),
                          str(work / "book.pickle"), str(ROOT / "tests" / "addin"), str(work / "out.json")],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = json.loads((work / "out.json").read_text())
    assert out["module"].startswith("/lib/python3.12/site-packages/salesops_xl/")  # the installed wheel
    assert out["commission"] == 4700.0  # 10000*5% + 40000*8% + 10000*10% = 500 + 3200 + 1000
    title, text, mode = out["alerts"][-1]
    assert title == "salesops-xl: Recalculate payouts" and mode == "info", out["alerts"]
    assert "Payouts" in out["sheets"]
