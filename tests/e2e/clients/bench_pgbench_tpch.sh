#!/usr/bin/env bash
# bench_pgbench_tpch.sh BUILD_DIR [SECONDS] [QUERIES]
#
# The wire-protocol benchmark of docs/benchmarks.md (not part of ctest: it
# runs for minutes). Starts BUILD_DIR/kestreld --local 2, loads TPC-H SF 0.01
# from ../shared with kestrel-tpch, and runs
#     pgbench -n -f q.sql -c 16 -j 2 -T SECONDS -M simple|prepared
# where q.sql holds the TPC-H queries QUERIES (default "06 01 14") from
# ../shared/tpch/queries, one transaction = all of them. Prints pgbench's
# report; fails when any transaction failed. Then the same pgbench against
# BUILD_DIR/tests/pgtest_server with the fake engine's `SELECT * FROM t`
# (protocol overhead without query work), simple and prepared protocol.
set -u
build=${1:?build dir}
secs=${2:-30}
queries=${3:-06 01 14}
here=$(cd "$(dirname "$0")" && pwd)
shared=${KESTREL_SHARED:-$here/../../../../shared}
tmp=$(mktemp -d /tmp/kestrel-bench-pgbench.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
start() { # name ready-pattern command...
    local pat=$1; shift
    "$@" >"$tmp/server.out" 2>"$tmp/server.log" &
    pid=$!
    port=
    for _ in $(seq 300); do
        port=$(sed -n "s/^$pat \([0-9]*\)$/\1/p" "$tmp/server.out")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "server did not start:"; tail -5 "$tmp/server.log"; exit 1
}
stop() { kill -TERM "$pid"; wait "$pid"; pid=; }
rc=0

echo "== kestreld --local 2, TPC-H SF 0.01, queries: $queries"
mkdir -p "$tmp/data"
for f in "$shared"/tpch/sf0.01/*.tbl.zst; do zstd -dqf "$f" -o "$tmp/data/$(basename "$f" .zst)"; done
start "kestreld ready on port" "$build/kestreld" --local 2 --data "$tmp/db" --port 0 --no-fsync
"$build/kestrel-tpch" load --sf 0.01 --dir "$tmp/data" -p "$port" >"$tmp/load.log" 2>&1 ||
    { echo "load failed:"; tail -5 "$tmp/load.log"; exit 1; }
: >"$tmp/q.sql"
for q in $queries; do cat "$shared/tpch/queries/q$q.sql" >>"$tmp/q.sql"; echo >>"$tmp/q.sql"; done
for mode in simple prepared; do
    echo "-- -M $mode"
    out=$(PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$port" -U kestrel -n -f "$tmp/q.sql" -c 16 -j 2 -T "$secs" -M $mode kestrel 2>&1)
    echo "$out" | grep -Ev '^(pgbench \(|transaction type|scaling factor|maximum number)'
    echo "$out" | grep -q '^number of failed transactions: 0 ' || rc=1
done
stop

for mode in simple prepared; do
    echo "== pgtest_server (fake engine), SELECT * FROM t, -M $mode"
    start "pgtest_server ready on port" "$build/tests/pgtest_server" --port 0
    printf 'SELECT * FROM t;\n' >"$tmp/f.sql"
    out=$(PGSSLMODE=disable pgbench -h 127.0.0.1 -p "$port" -U bench -n -f "$tmp/f.sql" -c 16 -j 2 -T "$secs" -M $mode db 2>&1)
    echo "$out" | grep -E '^(number of (transactions|failed)|latency|tps)'
    echo "$out" | grep -q '^number of failed transactions: 0 ' || rc=1
    stop
done
exit $rc
