#!/usr/bin/env bash
# pgdiff.sh — differential check of value encoding: pgdiff_test runs the same
# typed SELECTs on a throwaway PostgreSQL 15 cluster and on the Kestrel
# protocol server (pgtest_server) and compares the answers byte for byte in
# text and binary formats. Usage: pgdiff.sh PATH_TO_pgdiff_test.
. "$(dirname "$0")/lib.sh"
prog=${1:-$BUILD/tests/pgdiff_test}
[ -x "$prog" ] || skip "no pgdiff_test at $prog"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || skip "PostgreSQL server binaries are not installed (run setup.sh)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || skip "no postgres user"; chown postgres "$WORK"; fi
chmod 755 "$WORK"
as_pg "$bin/initdb" -D "$WORK/pg" -A trust -U kestrel --no-sync >"$WORK/initdb.log" 2>&1 ||
    skip "initdb failed: $(tail -2 "$WORK/initdb.log")"
pgport=$((20000 + RANDOM % 30000))
as_pg "$bin/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 30 \
    -o "-p $pgport -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1 ||
    skip "PostgreSQL did not start: $(tail -2 "$WORK/pg.log")"
stop_pg() { as_pg "$bin/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1; }
start_target
if "$prog" "host=127.0.0.1 port=$pgport user=kestrel dbname=postgres sslmode=disable" \
    "host=127.0.0.1 port=$PGPORT user=$PGUSER dbname=$PGDATABASE sslmode=disable"; then
    pass "byte-identical to PostgreSQL"
else
    fail "differs from PostgreSQL"
fi
stop_pg
finish
