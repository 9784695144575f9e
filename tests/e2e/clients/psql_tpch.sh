#!/usr/bin/env bash
# psql_tpch.sh — psql 15 runs the 22 TPC-H queries against kestreld
# (--local 2, SF 0.01 loaded with kestrel-tpch from ../shared) and every
# result is compared with the reference answers (tpch_compare.py), with
# \timing on. Needs BUILD/kestreld and BUILD/kestrel-tpch.
. "$(dirname "$0")/lib.sh"
command -v psql >/dev/null || skip "psql is not installed (run setup.sh)"
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
