#!/usr/bin/env bash
# tpch/ssb_check.sh — SSB at any scale factor: Kestrel's 13 answers checked
# against DuckDB's on the same generated data, and both timed.
#
#   tpch/ssb_check.sh [--sf SF] [--workers N] [--repeat N] [--build DIR]
#
# Generates SSB once with `kestrel-tpch gen --benchmark ssb` (cached in
# data/ssb-sf<SF>), loads the .tbl files into DuckDB (npm @duckdb/node-api,
# installed into ~/.cache/kestrel/duckdb, or KESTREL_DUCKDB_DIR) with N
# threads, runs the 13 queries there (best of --repeat) and writes DuckDB's
# results as the reference answers; then starts `kestreld --local N`, loads
# the same files, and runs `kestrel-tpch run --benchmark ssb --answers`
# (same query texts, best of --repeat). Prints per-query times, the ratio
# Kestrel / DuckDB, and "13 passed, 0 failed" when every result matches.
# Exit status 0 only when all 13 match. Defaults: SF 1, 2 workers/threads,
# 3 repeats.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sf=1 workers=2 repeat=3 build="$root/build"
while [ $# -gt 0 ]; do
    case "$1" in
        --sf) sf=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "ssb_check.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
for exe in kestreld kestrel-tpch; do
    [ -x "$build/$exe" ] || { echo "ssb_check.sh: $build/$exe not found; build first" >&2; exit 1; }
done
command -v node >/dev/null || { echo "ssb_check.sh: node is needed for DuckDB (apt-get install nodejs npm)" >&2; exit 1; }
duckdir=${KESTREL_DUCKDB_DIR:-$HOME/.cache/kestrel/duckdb}
if [ ! -d "$duckdir/node_modules/@duckdb/node-api" ]; then
    echo "installing @duckdb/node-api into $duckdir ..." >&2
    mkdir -p "$duckdir"
    (cd "$duckdir" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund @duckdb/node-api >/dev/null)
fi

data="$root/data/ssb-sf$sf"
mkdir -p "$data"
[ -f "$data/lineorder.tbl" ] || "$build/kestrel-tpch" gen --benchmark ssb --sf "$sf" --out "$data"

tmp=$(mktemp -d /tmp/kestrel-ssb.XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# DuckDB: reference answers and times
mkdir -p "$tmp/queries"
for q in $(seq 1 13); do
    "$build/kestrel-tpch" queries --benchmark ssb --query "$q" >"$tmp/queries/$(printf 'q%02d.sql' "$q")"
done
"$build/kestrel-tpch" schema --benchmark ssb >"$tmp/schema.sql"
echo "DuckDB: loading SSB SF $sf and running the 13 queries ..." >&2
DUCKDB_NODE_DIR="$duckdir" node "$here/bench/duckdb_bench.mjs" --schema "$tmp/schema.sql" --data "$data" \
    --queries "$tmp/queries" --db "$tmp/duck.db" --threads "$workers" --repeat "$repeat" \
    --answers-out "$tmp/answers" >"$tmp/duck.json"
rm -f "$tmp/duck.db"

# Kestrel: the same data and queries, checked against DuckDB's results
"$build/kestreld" --local "$workers" --data "$tmp/db" --port 0 --no-fsync >"$tmp/server.out" 2>"$tmp/server.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/server.out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/server.log"; exit 1; }
echo "Kestrel: loading SSB SF $sf into kestreld --local $workers ..." >&2
"$build/kestrel-tpch" load --benchmark ssb --sf "$sf" --dir "$data" -p "$port" 2>&1 | tail -n 1 >&2
set +e
"$build/kestrel-tpch" run --benchmark ssb --repeat "$repeat" --answers "$tmp/answers" -p "$port" >"$tmp/kestrel.txt"
status=$?
set -e
cat "$tmp/kestrel.txt"

echo
echo "== SSB SF $sf: Kestrel (--local $workers) vs DuckDB ($workers threads), best of $repeat =="
node -e '
const fs = require("fs");
const duck = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const lines = fs.readFileSync(process.argv[2], "utf8").split("\n");
let kt = 0, dt = 0, logsum = 0, n = 0;
console.log("query     kestrel ms   duckdb ms   ratio");
for (const l of lines) {
  const m = l.match(/^Q(\d+)\s+(\d+)\s+([\d.]+)/);
  if (!m) continue;
  const q = "q" + m[1].padStart(2, "0");
  const k = parseFloat(m[3]), d = duck.queries[q] ? duck.queries[q].ms : NaN;
  kt += k; dt += d; logsum += Math.log(k / d); n++;
  console.log(`${q.padEnd(8)} ${k.toFixed(1).padStart(11)} ${d.toFixed(1).padStart(11)} ${(k / d).toFixed(2).padStart(7)}`);
}
console.log(`total    ${kt.toFixed(1).padStart(11)} ${dt.toFixed(1).padStart(11)} ${(kt / dt).toFixed(2).padStart(7)}`);
console.log(`geometric mean of ratios: ${Math.exp(logsum / n).toFixed(2)}`);
' "$tmp/duck.json" "$tmp/kestrel.txt"
grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/kestrel.txt" | tail -n 1
exit $status
