#!/usr/bin/env bash
# psql_tpch.sh — psql 15 runs the 22 TPC-H queries against kestreld
# (--local 2, SF 0.01 loaded with kestrel-tpch from ../shared) and every
# result is compared with the reference answers (tpch_compare.py), with
# \timing on. Needs BUILD/kestreld and BUILD/kestrel-tpch.
. "$(dirname "$0")/lib.sh"
command -v psql >/dev/null || skip "psql is not installed (run setup.sh)"
start_kestreld_tpch
for i in $(seq -w 1 22); do
    q="$shared/tpch/queries/q$i.sql"
    out="$WORK/q$i.out"
    if ! psql -X -q -A -F'|' -P footer=off -v ON_ERROR_STOP=1 -c '\timing on' -f "$q" >"$out.raw" 2>"$WORK/q$i.err"; then
        fail "Q$i: $(head -3 "$WORK/q$i.err")"
        continue
    fi
    grep -v '^Time: ' "$out.raw" >"$out"
    ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$out.raw" | tail -1)
    if diff=$(python3 "$HERE/tpch_compare.py" "$out" "$shared/tpch/answers-sf0.01/q$i.csv"); then
        pass "Q$i matches the reference answer (${ms:-?} ms)"
    else
        fail "Q$i: $diff"
    fi
done
finish
