#!/usr/bin/env bash
# ssb_check.sh BUILD_DIR ANSWERS_DIR
#
# Generates SSB at SF 0.01 with kestrel-tpch, starts `kestreld --local 2`,
# loads it and checks the 13 queries against ANSWERS_DIR (DuckDB's results
# on the same generated data).
set -u
build=${1:?build dir}
answers=${2:?answers dir}
tmp=$(mktemp -d /tmp/kestrel-e2e-ssb.XXXXXX)
. "$(dirname "$0")/../kestreld.sh"
cleanup() { kestreld_stop; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/data"
"$build/kestrel-tpch" gen --benchmark ssb --sf 0.01 --out "$tmp/data" --quiet || exit 1
kestreld_start "$build" 2 || exit 1
"$build/kestrel-tpch" load --benchmark ssb --sf 0.01 --dir "$tmp/data" -p "$port" || exit 1
"$build/kestrel-tpch" run --benchmark ssb -p "$port" --answers "$answers"
