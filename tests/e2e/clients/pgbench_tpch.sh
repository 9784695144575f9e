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
start_kestreld_tpch
secs=${PGBENCH_SECONDS:-5}
: >"$WORK/q.sql"
for q in ${PGBENCH_QUERIES:-06 01 14}; do cat "$shared/tpch/queries/q$q.sql" >>"$WORK/q.sql"; echo >>"$WORK/q.sql"; done
pgbench_modes "$WORK/q.sql" "$secs" show
out=$(psql -X -At -c "select count(*) from lineitem" 2>&1)
expect_eq "the server serves after the run" "$out" "60175"
finish
