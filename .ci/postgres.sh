#!/usr/bin/env bash
# The PostgreSQL stage: the SQL sources and results tests (tests/test_sources_sql.py) against a real PostgreSQL
# server, besides SQLite. A throwaway cluster on a free loopback port, removed at the end whatever happens.
#
#   .ci/postgres.sh [VENV]    # VENV: an environment with the project and its test extras (.ci/run passes its
#                             # newest stage's); without it, a fresh one is made as .ci/run makes them
#
# Installs Debian's postgresql when no server binaries are there (as root). As root the cluster runs as the
# postgres user (initdb refuses root). The tests fail, not skip, when no server is reachable
# (SALESOPS_REQUIRE_POSTGRES=1). Time: cluster ~3 s, tests ~15 s of CPU; a fresh environment adds ~1 min.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
echo "== the SQL sources and results on a real PostgreSQL (a throwaway cluster on loopback)"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "== installing PostgreSQL (Debian's postgresql)"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "postgres.sh: needs PostgreSQL's server binaries (apt-get install postgresql)"; exit 1
    fi
fi
PGBIN="$(pg_bin)"

WORK="$(mktemp -d)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
    as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK"; fi

VENV="${1:-}"
if [ -z "$VENV" ]; then
    echo "== a fresh environment with the project and its test extras"
    VENV="$WORK/venv"
    python3 -m venv "$VENV"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q -e '.[test]'
fi

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
echo "== PostgreSQL $("$PGBIN/postgres" --version | head -1 | awk '{print $3}') on 127.0.0.1:$PORT (throwaway cluster)"
as_pg "$PGBIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
    -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || { cat "$WORK/log"; exit 1; }

export SALESOPS_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
export SALESOPS_REQUIRE_POSTGRES=1
unset PYTHONPATH
rc=0
"$VENV/bin/python" -m pytest tests/test_sources_sql.py -q -p no:cacheprovider || rc=$?
if [ "$rc" -eq 5 ]; then echo "FAIL: pytest ran no tests (tests/test_sources_sql.py)"; fi
echo "== PostgreSQL stage: $((SECONDS - t0)) s"
exit "$rc"
