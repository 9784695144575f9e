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
pgbench_modes "$script" "$secs"
finish
