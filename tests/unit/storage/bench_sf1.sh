#!/bin/sh
# bench_sf1.sh — the storage numbers of docs/benchmarks.md, side by side in
# one run: Kestrel's COPY of the TPC-H .tbl files (2 parse threads, with and
# without fsync) and DuckDB's COPY of the same files (2 threads, with a
# CHECKPOINT), then the on-disk sizes.
#
#   bench_sf1.sh BUILD_DIR [SF]     (needs kestrel-tpch in BUILD_DIR or PATH,
#                                    node + @duckdb/node-api in /tmp/duck)
set -eu
BUILD=${1:?usage: bench_sf1.sh BUILD_DIR [SF]}
SF=${2:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=/tmp/kst-sf$SF
TPCH=${KESTREL_TPCH:-$(ls "$BUILD"/kestrel-tpch 2>/dev/null || command -v kestrel-tpch || echo kestrel-tpch)}
BENCH=$(find "$BUILD" -name bench_storage_load -type f | head -1)
mkdir -p "$DATA"
[ -f "$DATA/lineitem.tbl" ] || "$TPCH" gen --sf "$SF" --out "$DATA" --quiet
T="/usr/bin/time -f cpu_user=%U_s_cpu_sys=%S_s_wall=%e_s"
uptime
echo "== Kestrel, 2 threads, no fsync"
rm -rf "$DATA.kdb"; $T "$BENCH" "$DATA" "$DATA.kdb" 2 2>&1 | grep -v '^  ' | grep -v '^per column'
echo "== Kestrel, 2 threads, fsync"
rm -rf "$DATA.kdb"; $T "$BENCH" "$DATA" "$DATA.kdb" 2 --fsync 2>&1 | grep -E 'TOTAL|cpu_'
echo "on disk: $(du -sb "$DATA.kdb" | cut -f1) bytes"
if [ -d /tmp/duck/node_modules/@duckdb ]; then
    echo "== DuckDB, 2 threads"
    cp "$HERE/duck_load.mjs" /tmp/duck/load.mjs
    (cd /tmp/duck && $T node load.mjs "$DATA" "$DATA.duckdb" 2 2>&1)
fi
uptime
