#!/usr/bin/env bash
# pgbench.sh — pgbench with a custom script, 16 clients on 2 threads, in the
# simple and the prepared (extended, named statements) protocol modes:
# every transaction must succeed. PGBENCH_SECONDS (default 3) sets the
# length of each run; the numbers in docs/benchmarks.md come from
# PGBENCH_SECONDS=30. Against kestreld, PGBENCH_SCRIPT may name a script of
# TPC-H queries. Target: lib.sh.
. "$(dirname "$0")/lib.sh"
command -v pgbench >/dev/null || skip "pgbench is not installed (run setup.sh)"
start_target
secs=${PGBENCH_SECONDS:-3}
script=${PGBENCH_SCRIPT:-$WORK/q.sql}
if [ -z "${PGBENCH_SCRIPT:-}" ]; then
    cat >"$script" <<'Q'
\set id random(1, 4)
SELECT * FROM t WHERE id = :id;
SELECT * FROM t;
Q
fi
for mode in simple prepared; do
    out=$(pgbench -n -f "$script" -c 16 -j 2 -T "$secs" -M $mode 2>&1)
    echo "$out" | grep -E '^(number of|tps|latency)' | sed "s/^/  [$mode] /"
    expect_match "pgbench -M $mode: no failed transactions" "$out" '^number of failed transactions: 0 '
    n=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
    [ "${n:-0}" -gt 0 ] && pass "pgbench -M $mode: $n transactions" || fail "pgbench -M $mode processed nothing"
done
finish
