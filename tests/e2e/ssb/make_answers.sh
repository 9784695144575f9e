#!/usr/bin/env bash
# make_answers.sh BUILD_DIR [SF] — regenerate answers-sf<SF>/ with DuckDB
# (npm @duckdb/node-api, installed into ~/.cache/kestrel/duckdb) on the SSB
# data kestrel-tpch generates. Run after a change to the SSB generator.
set -euo pipefail
build=${1:?build dir}
sf=${2:-0.01}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
duckdir=${KESTREL_DUCKDB_DIR:-$HOME/.cache/kestrel/duckdb}
if [ ! -d "$duckdir/node_modules/@duckdb/node-api" ]; then
    mkdir -p "$duckdir"
    (cd "$duckdir" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund @duckdb/node-api >/dev/null)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/data" "$tmp/q"
"$build/kestrel-tpch" gen --benchmark ssb --sf "$sf" --out "$tmp/data" --quiet
"$build/kestrel-tpch" schema --benchmark ssb >"$tmp/schema.sql"
for q in $(seq 1 13); do "$build/kestrel-tpch" queries --benchmark ssb --query "$q" >"$tmp/q/$(printf 'q%02d.sql' "$q")"; done
DUCKDB_NODE_DIR="$duckdir" node "$root/tpch/bench/duckdb_bench.mjs" --schema "$tmp/schema.sql" --data "$tmp/data" \
    --queries "$tmp/q" --answers-out "$here/answers-sf$sf" >/dev/null
echo "wrote $here/answers-sf$sf"
