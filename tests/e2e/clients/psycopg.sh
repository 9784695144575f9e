#!/usr/bin/env bash
# psycopg.sh — runs psycopg.py (psycopg2 + SQLAlchemy from Debian) against the
# server. Uses the system python3, where the Debian packages live. Target: lib.sh.
. "$(dirname "$0")/lib.sh"
PY=${DEBIAN_PYTHON:-/usr/bin/python3}
"$PY" -c "import psycopg2, sqlalchemy" 2>/dev/null || skip "python3-psycopg2/python3-sqlalchemy missing (run setup.sh)"
start_target
if timeout 120 "$PY" "$HERE/psycopg.py" "$TARGET"; then pass "psycopg2 and SQLAlchemy"; else fail "psycopg2 and SQLAlchemy"; fi
finish
