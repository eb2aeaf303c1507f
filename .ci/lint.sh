#!/usr/bin/env bash
# Lint stage: ruff and mypy (versions pinned by the [lint] extra of pyproject.toml, rules in pyproject.toml) and
# ci/import_cycles.py (no circle of imports; the shared top level never imports a capability).
#   .ci/lint.sh VENV    # a virtual environment with the project installed; the linters are added to it
# mypy reads numpy's own type hints, so its verdict depends on the numpy installed: it runs in the newest
# environment, the one users get.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$1
echo "== lint: ruff, mypy, import cycles"
"$VENV/bin/python" -m pip install -q -e '.[lint]'
"$VENV/bin/python" -m ruff check --no-cache salesops_xl ci
"$VENV/bin/python" -m mypy --cache-dir "$(mktemp -d)"
"$VENV/bin/python" ci/import_cycles.py
