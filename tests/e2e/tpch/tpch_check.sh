#!/usr/bin/env bash
# tpch_check.sh BUILD_DIR SHARED_DIR [LAYOUT] [SIMD]
#
# Starts `kestreld --local 2` on a free loopback port, loads the official
# TPC-H SF 0.01 data with `kestrel-tpch load`, runs the 22 queries with
# `kestrel-tpch run --answers` and stops the server. Exit status: the
# check's. KESTREL_SIMD in the environment selects the kernels.
set -u
build=${1:?build dir}
shared=${2:?shared dir}
layout=${3:-colocated}
tmp=$(mktemp -d /tmp/kestrel-e2e-tpch.XXXXXX)
. "$(dirname "$0")/../kestreld.sh"
cleanup() { kestreld_stop; rm -rf "$tmp"; }
trap cleanup EXIT

mkdir -p "$tmp/data"
for f in "$shared"/tpch/sf0.01/*.tbl.zst; do
    zstd -dqf "$f" -o "$tmp/data/$(basename "$f" .zst)" || { echo "cannot decompress $f"; exit 1; }
done

kestreld_start "$build" 2 || exit 1

"$build/kestrel-tpch" load --sf 0.01 --dir "$tmp/data" --layout "$layout" -p "$port" || {
    echo "load failed; server log:"; tail -20 "$tmp/server.log"; exit 1; }
"$build/kestrel-tpch" run -p "$port" --answers "$shared/tpch/answers-sf0.01"
rc=$?
if ! kill -0 "$pid" 2>/dev/null; then
    echo "kestreld died during the run; server log:"; tail -40 "$tmp/server.log"; exit 1
fi
exit $rc
