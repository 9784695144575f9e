#!/usr/bin/env bash
# rf_pruning_check.sh BUILD_DIR SHARED_DIR SSB_ANSWERS_DIR
#
# Runtime filters and partition pruning, proven by EXPLAIN ANALYZE:
#   1. SSB SF 0.01 (kestrel-tpch gen) loaded with --layout partitioned
#      (lineorder in 7 yearly range partitions on lo_orderdate) into
#      `kestreld --local 2`; the 13 queries checked against DuckDB's
#      answers, then EXPLAIN ANALYZE of each.
#   2. TPC-H SF 0.01 (the official data) on the partitioned layout
#      (lineitem on l_shipdate, orders on o_orderdate); the 22 queries
#      checked against the official answers, then EXPLAIN ANALYZE of the
#      star queries Q5, Q7, Q8, Q9 and the date-range queries Q6, Q14.
# check_plans.py then parses the plans: runtime filters on the fact scans
# removed rows or skipped row groups; SSB Q1.1-Q1.3 read 1 of 7 lineorder
# partitions per instance through the date dimension's filter (dynamic
# pruning; also in EXPLAIN (ANALYZE, FORMAT JSON)); Q6 and Q14 read 1 of 7
# lineitem partitions (static pruning).
set -u
build=${1:?build dir}
shared=${2:?shared dir}
ssb_answers=${3:?ssb answers dir}
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 77; }
command -v zstd >/dev/null || { echo "zstd not found: skipped"; exit 77; }
if [ -x "$build/kestrel" ]; then
    client=("$build/kestrel" -h 127.0.0.1 -q -A -t --no-timing)
elif command -v psql >/dev/null; then
    client=(psql -X -h 127.0.0.1 -q -A -t -v ON_ERROR_STOP=1)
else
    echo "neither kestrel nor psql found: skipped"; exit 77
fi
tmp=$(mktemp -d /tmp/kestrel-e2e-rf.XXXXXX)
. "$here/../kestreld.sh"
cleanup() { kestreld_stop; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/plans" "$tmp/ssb" "$tmp/tpch"

# explain NAME BENCHMARK QUERY: EXPLAIN ANALYZE of the query into plans/NAME.txt
explain() {
    local sql
    sql=$("$build/kestrel-tpch" queries --benchmark "$2" --query "$3") || return 1
    sql=$(printf '%s\n' "$sql" | grep -v '^--')
    "${client[@]}" -p "$port" -c "EXPLAIN ANALYZE $sql" >"$tmp/plans/$1.txt" 2>&1 || {
        echo "EXPLAIN ANALYZE of $2 query $3 failed:"; cat "$tmp/plans/$1.txt"; return 1; }
}

echo "== SSB SF 0.01, lineorder partitioned by lo_orderdate"
"$build/kestrel-tpch" gen --benchmark ssb --sf 0.01 --out "$tmp/ssb" --quiet || exit 1
kestreld_start "$build" 2 || exit 1
"$build/kestrel-tpch" load --benchmark ssb --sf 0.01 --dir "$tmp/ssb" --layout partitioned \
    -p "$port" >"$tmp/load.txt" 2>&1 || {
    cat "$tmp/load.txt"; echo "SSB load failed"; tail -20 "$tmp/server.log"; exit 1; }
"$build/kestrel-tpch" run --benchmark ssb -p "$port" --answers "$ssb_answers" \
    >"$tmp/ssb_run.txt" || {
    cat "$tmp/ssb_run.txt"; echo "SSB results differ from the answers"; exit 1; }
tail -1 "$tmp/ssb_run.txt"
for q in $(seq 1 13); do explain "ssb_q$q" ssb "$q" || exit 1; done
sql=$("$build/kestrel-tpch" queries --benchmark ssb --query 1 | grep -v '^--')
"${client[@]}" -p "$port" -c "EXPLAIN (ANALYZE, FORMAT JSON) $sql" \
    >"$tmp/plans/ssb_q1.json" 2>&1 || {
    echo "EXPLAIN (ANALYZE, FORMAT JSON) failed:"; cat "$tmp/plans/ssb_q1.json"; exit 1; }
kestreld_stop
rm -rf "$tmp/db" "$tmp/ssb"

echo "== TPC-H SF 0.01, partitioned layout"
for f in "$shared"/tpch/sf0.01/*.tbl.zst; do
    zstd -dqf "$f" -o "$tmp/tpch/$(basename "$f" .zst)" || { echo "cannot decompress $f"; exit 1; }
done
kestreld_start "$build" 2 || exit 1
"$build/kestrel-tpch" load --sf 0.01 --dir "$tmp/tpch" --layout partitioned -p "$port" \
    >"$tmp/load.txt" 2>&1 || {
    cat "$tmp/load.txt"; echo "TPC-H load failed"; tail -20 "$tmp/server.log"; exit 1; }
"$build/kestrel-tpch" run -p "$port" --answers "$shared/tpch/answers-sf0.01" \
    >"$tmp/tpch_run.txt" || {
    cat "$tmp/tpch_run.txt"; echo "TPC-H results differ from the answers"; exit 1; }
tail -1 "$tmp/tpch_run.txt"
for q in 5 7 8 9 6 14; do explain "tpch_q$q" tpch "$q" || exit 1; done

# KESTREL_PLANS_OUT=DIR keeps the plans (for reading them, or for the README)
if [ -n "${KESTREL_PLANS_OUT:-}" ]; then
    mkdir -p "$KESTREL_PLANS_OUT" && cp "$tmp"/plans/* "$KESTREL_PLANS_OUT"/
fi
python3 "$here/check_plans.py" "$tmp/plans"
