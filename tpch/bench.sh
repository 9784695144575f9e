#!/usr/bin/env bash
# tpch/bench.sh — Kestrel against DuckDB on the same data, in one run.
#
#   tpch/bench.sh [--benchmark tpch|ssb] [--sf SF] [--workers N] [--repeat N] [--build DIR]
#
# Generates the data once (cached in data/<benchmark>-sf<SF>), starts
# `kestreld --local N`, loads it with `kestrel-tpch load`, runs the queries
# with `kestrel-tpch run` (best of --repeat), then loads the same .tbl files
# into DuckDB (npm @duckdb/node-api, installed into ~/.cache/kestrel/duckdb)
# with the same number of threads and runs the same query texts. Prints
# per-query times and the Kestrel/DuckDB ratio (below 1 means Kestrel is
# faster), plus load times and on-disk sizes. Machines are noisy: compare
# ratios from one run, not absolute times across runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bench=tpch sf=1 workers=2 repeat=3 build="$root/build"
while [ $# -gt 0 ]; do
    case "$1" in
        --benchmark) bench=$2; shift 2 ;;
        --sf) sf=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
for exe in kestreld kestrel-tpch; do
    [ -x "$build/$exe" ] || { echo "bench.sh: $build/$exe not found; build first (./run.sh or cmake)" >&2; exit 1; }
done
command -v node >/dev/null || { echo "bench.sh: node is needed for the DuckDB side (apt-get install nodejs npm)" >&2; exit 1; }

duckdir=${KESTREL_DUCKDB_DIR:-$HOME/.cache/kestrel/duckdb}
if [ ! -d "$duckdir/node_modules/@duckdb/node-api" ]; then
    echo "installing @duckdb/node-api into $duckdir ..." >&2
    mkdir -p "$duckdir"
    (cd "$duckdir" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund @duckdb/node-api >/dev/null)
fi

data="$root/data/$bench-sf$sf"
mkdir -p "$data"
fact=lineitem; [ "$bench" = ssb ] && fact=lineorder
[ -f "$data/$fact.tbl" ] || "$build/kestrel-tpch" gen --benchmark "$bench" --sf "$sf" --out "$data"

tmp=$(mktemp -d /tmp/kestrel-bench.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$build/kestreld" --local "$workers" --data "$tmp/db" --port 0 >"$tmp/server.out" 2>"$tmp/server.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/server.out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/server.log"; exit 1; }

t0=$(date +%s.%N)
"$build/kestrel-tpch" load --benchmark "$bench" --sf "$sf" --dir "$data" -p "$port" 2>&1 | tail -n 1
t1=$(date +%s.%N)
kload=$(echo "$t1 - $t0" | bc)
ksize=$(du -sb "$tmp/db" | cut -f1)
"$build/kestrel-tpch" run --benchmark "$bench" --repeat "$repeat" -p "$port" | tee "$tmp/kestrel.txt"

mkdir -p "$tmp/queries"
nq=22; [ "$bench" = ssb ] && nq=13
for q in $(seq 1 "$nq"); do
    "$build/kestrel-tpch" queries --benchmark "$bench" --query "$q" >"$tmp/queries/$(printf 'q%02d.sql' "$q")"
done
"$build/kestrel-tpch" schema --benchmark "$bench" >"$tmp/schema.sql"
DUCKDB_NODE_DIR="$duckdir" node "$here/bench/duckdb_bench.mjs" --schema "$tmp/schema.sql" --data "$data" \
    --queries "$tmp/queries" --db "$tmp/duck.db" --threads "$workers" --repeat "$repeat" >"$tmp/duck.json"

echo
echo "== $bench SF $sf: Kestrel (--local $workers) vs DuckDB ($workers threads), best of $repeat =="
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
console.log(`load: kestrel ${process.argv[3]} s, duckdb ${duck.load_seconds.toFixed(2)} s`);
console.log(`size: kestrel ${(process.argv[4] / 1e6).toFixed(1)} MB, duckdb ${(duck.db_bytes / 1e6).toFixed(1)} MB`);
' "$tmp/duck.json" "$tmp/kestrel.txt" "$kload" "$ksize"
