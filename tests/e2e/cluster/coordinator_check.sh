#!/usr/bin/env bash
# coordinator_check.sh BUILD_DIR SHARED_DIR [colocated|repartition] [NWORKERS]
#
# The real cluster end to end: 3 `kestreld --worker` processes and a
# `kestreld --coordinator` (options from a config file) on loopback; the
# TPC-H schema is created and SF 0.01 loaded through the coordinator's
# PostgreSQL port (`kestrel-tpch load`: lineitem/orders co-located on the
# order key and small dimensions replicated, or the repartitioned layout
# that forces broadcast and shuffle joins), and the 22 queries are checked
# against the reference answers (`kestrel-tpch run --answers`), once and
# then from four clients at once. Then kestrel_workers must list every
# worker up, EXPLAIN ANALYZE must report the bytes the exchanges sent, and
# DDL and loads must reach every worker. Exit status: the check's.
set -u
build=${1:?build dir}
shared=${2:?shared dir}
layout=${3:-colocated}
nworkers=${4:-3}
tmp=$(mktemp -d /tmp/kestrel-e2e-coord.XXXXXX)
. "$(dirname "$0")/cluster_procs.sh"
cleanup() { cluster_stop; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cluster_logs; exit 1; }

mkdir -p "$tmp/data"
for f in "$shared"/tpch/sf0.01/*.tbl.zst; do
    zstd -dqf "$f" -o "$tmp/data/$(basename "$f" .zst)" || { echo "cannot decompress $f"; exit 1; }
done
cluster_start "$build" "$nworkers" || exit 1

"$build/kestrel-tpch" load --sf 0.01 --dir "$tmp/data" --layout "$layout" -p "$port" || fail "load"
"$build/kestrel-tpch" run -p "$port" --answers "$shared/tpch/answers-sf0.01" || fail "TPC-H check ($layout)"
# four clients at once: each query with its own fragments on every worker
cpids=()
for i in 1 2 3 4; do
    "$build/kestrel-tpch" run -p "$port" --answers "$shared/tpch/answers-sf0.01" >"$tmp/conc$i.out" 2>&1 &
    cpids+=($!)
done
for i in 1 2 3 4; do
    wait "${cpids[$((i - 1))]}" || { cat "$tmp/conc$i.out"; fail "concurrent TPC-H check $i ($layout)"; }
done
echo "4 concurrent clients: $(tail -qn1 "$tmp"/conc*.out | sort | uniq -c | sed 's/^ *//')"

psql_c() { psql -X -q -A -t -h 127.0.0.1 -p "$port" -U kestrel -d kestrel -v ON_ERROR_STOP=1 -c "$1"; }
if command -v psql >/dev/null; then
    up=$(psql_c "SELECT count(*) FROM kestrel_workers WHERE state = 'up' AND address LIKE '127.0.0.1:%'") ||
        fail "kestrel_workers"
    [ "$up" = "$nworkers" ] || fail "kestrel_workers shows $up of $nworkers workers up"
    ex=$(psql_c "EXPLAIN ANALYZE SELECT o_orderpriority, count(*) FROM orders, customer
                 WHERE o_custkey = c_custkey GROUP BY 1") || fail "EXPLAIN ANALYZE"
    bytes=$(echo "$ex" | sed -n 's/^Exchange: \([0-9]*\) bytes sent.*/\1/p')
    [ -n "$bytes" ] && [ "$bytes" -gt 0 ] || fail "EXPLAIN ANALYZE shows no exchange bytes: $ex"
    echo "EXPLAIN ANALYZE: $bytes exchange bytes"
    # DDL and loads on every worker: schemas, partitions, ANALYZE, RENAME,
    # TRUNCATE, DROP, and a load that fails on one worker (NOT NULL) leaves
    # nothing on any of them (two-phase commit)
    out=$(psql -X -q -A -t -h 127.0.0.1 -p "$port" -U kestrel -d kestrel -v ON_ERROR_STOP=1 2>&1 <<'EOF'
CREATE SCHEMA s;
CREATE TABLE s.t (k int NOT NULL, d date, v text)
    PARTITION BY RANGE (d) WITH (partitions = 4, low = '2019-01-01', high = '2027-01-01') DISTRIBUTED BY (k);
INSERT INTO s.t SELECT o_orderkey, o_orderdate + 10000, o_orderpriority FROM orders WHERE o_orderkey < 1000;
ANALYZE s.t;
SELECT count(*), count(DISTINCT v) FROM s.t;
SELECT count(*) FROM kestrel_partitions WHERE table_name = 't';
ALTER TABLE s.t RENAME TO u;
SELECT (SELECT count(*) FROM s.u WHERE d >= '2023-01-01') =
       (SELECT count(*) FROM orders WHERE o_orderkey < 1000 AND o_orderdate + 10000 >= '2023-01-01');
CREATE TABLE r (a int, b text) DISTRIBUTED REPLICATED;
INSERT INTO r VALUES (1, 'x'), (2, 'y');
SELECT sum(a) FROM r;
TRUNCATE s.u;
SELECT count(*) FROM s.u;
DROP TABLE s.u;
CREATE TABLE n (a int NOT NULL, b int) DISTRIBUTED BY (b);
EOF
) || fail "DDL through the coordinator: $out"
    [ "$(echo $out)" = "255|5 4 t 3 0" ] || fail "DDL through the coordinator gave: $(echo $out)"
    # rows go to every worker, the NULL to one: its prepare fails, all abort
    psql_c "INSERT INTO n SELECT CASE WHEN o_orderkey = 7 THEN NULL ELSE o_orderkey END, o_orderkey
            FROM orders WHERE o_orderkey < 100" >"$tmp/nn.out" 2>&1 && fail "a NULL went into a NOT NULL column"
    grep -q "23502\|null value" "$tmp/nn.out" || fail "NOT NULL violation: $(cat "$tmp/nn.out")"
    [ "$(psql_c "SELECT count(*) FROM n")" = 0 ] || fail "a failed load left rows behind"
    echo "DDL and loads through the coordinator: ok"
fi
kill -0 "$cpid" 2>/dev/null || fail "the coordinator died"
cluster_stop_checked || { echo "FAIL: unclean shutdown"; exit 1; }
echo "coordinator check ($layout, $nworkers workers): ok"
