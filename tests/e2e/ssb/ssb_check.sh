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
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/data"
"$build/kestrel-tpch" gen --benchmark ssb --sf 0.01 --out "$tmp/data" --quiet || exit 1
"$build/kestreld" --local 2 --data "$tmp/db" --port 0 --no-fsync >"$tmp/server.out" 2>"$tmp/server.log" &
pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/server.out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$port" ] || { echo "kestreld did not start:"; cat "$tmp/server.log"; exit 1; }
"$build/kestrel-tpch" load --benchmark ssb --sf 0.01 --dir "$tmp/data" -p "$port" || exit 1
"$build/kestrel-tpch" run --benchmark ssb -p "$port" --answers "$answers"
