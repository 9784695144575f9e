#!/usr/bin/env bash
# pgbench_tpch.sh — pgbench with TPC-H queries against kestreld: --local 2,
# TPC-H SF 0.01 loaded with kestrel-tpch from ../shared, then
#     pgbench -n -f q.sql -c 16 -j 2 -T $PGBENCH_SECONDS (default 5)
# in the simple and the prepared (extended, named statements) protocol,
# where q.sql holds TPC-H queries $PGBENCH_QUERIES (default "06 01 14") and
# one transaction is all of them. Every transaction must succeed. The
# 30-second figures in docs/benchmarks.md come from bench_pgbench_tpch.sh.
. "$(dirname "$0")/lib.sh"
command -v pgbench >/dev/null || skip "pgbench is not installed (run setup.sh)"
command -v zstd >/dev/null || skip "zstd is not installed"
shared=${KESTREL_SHARED:-$HERE/../../../../shared}
tpch=${KESTREL_TPCH:-$BUILD/kestrel-tpch}
[ -x "$tpch" ] || skip "no kestrel-tpch at $tpch"
[ -d "$shared/tpch/sf0.01" ] || skip "no TPC-H data in $shared/tpch"
TARGET=kestreld
d=${KESTRELD:-$BUILD/kestreld}
[ -x "$d" ] || skip "no kestreld at $d"
"$d" --local 2 --data "$WORK/kdata" --port 0 --no-fsync >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
PGPORT=$(wait_ready "$WORK/server.out" "kestreld ready on port") || skip "kestreld did not start"
export PGHOST=127.0.0.1 PGPORT PGUSER=kestrel PGDATABASE=kestrel
mkdir -p "$WORK/data"
for f in "$shared"/tpch/sf0.01/*.tbl.zst; do zstd -dqf "$f" -o "$WORK/data/$(basename "$f" .zst)"; done
"$tpch" load --sf 0.01 --dir "$WORK/data" -p "$PGPORT" >"$WORK/load.log" 2>&1 ||
    { fail "kestrel-tpch load: $(tail -3 "$WORK/load.log")"; finish; }
secs=${PGBENCH_SECONDS:-5}
: >"$WORK/q.sql"
for q in ${PGBENCH_QUERIES:-06 01 14}; do cat "$shared/tpch/queries/q$q.sql" >>"$WORK/q.sql"; echo >>"$WORK/q.sql"; done
for mode in simple prepared; do
    out=$(pgbench -n -f "$WORK/q.sql" -c 16 -j 2 -T "$secs" -M $mode 2>&1)
    echo "$out" | grep -E '^(number of|tps|latency)' | sed "s/^/  [$mode] /"
    expect_match "pgbench -M $mode: no failed transactions" "$out" '^number of failed transactions: 0 '
    n=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
    [ "${n:-0}" -gt 0 ] && pass "pgbench -M $mode: $n transactions" || fail "pgbench -M $mode processed nothing: $out"
done
out=$(psql -X -At -c "select count(*) from lineitem" 2>&1)
expect_eq "the server serves after the run" "$out" "60175"
finish
