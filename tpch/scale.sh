#!/usr/bin/env bash
# tpch/scale.sh — thread scaling of the executor: the same data, one
# `kestreld --local W` restarted with OMP_NUM_THREADS=1 and then 2 (or the
# counts given), every query run on its own (best of --repeat), with the
# server's CPU time (user+sys from /proc) per query.
#
#   tpch/scale.sh [--sf SF] [--workers W] [--threads "1 2"] [--repeat N]
#                 [--queries 1,3,...] [--build DIR]
#
# Prints per query: best wall ms per thread count, the speedup of the last
# count over the first, and CPU utilisation (server CPU s / wall s over the
# repeats). The last line is the speedup of the whole set (sum of the best
# times). Data: data/tpch-sf<SF> (generated there when missing), loaded once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
sf=1 workers=1 threads="1 2" repeat=3 queries=$(seq -s, 1 22) build="$root/build"
while [ $# -gt 0 ]; do
    case "$1" in
        --sf) sf=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --queries) queries=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "scale.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
for exe in kestreld kestrel-tpch; do
    [ -x "$build/$exe" ] || { echo "scale.sh: $build/$exe not found" >&2; exit 1; }
done
data="$root/data/tpch-sf$sf"
mkdir -p "$data"
[ -f "$data/lineitem.tbl" ] || "$build/kestrel-tpch" gen --sf "$sf" --out "$data"

tmp=$(mktemp -d /tmp/kestrel-scale.XXXXXX)
pid=
stop() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    pid=
}
cleanup() { stop; rm -rf "$tmp"; }
trap cleanup EXIT
start() { # start THREADS
    : >"$tmp/server.out"
    OMP_NUM_THREADS=$1 "$build/kestreld" --local "$workers" --data "$tmp/db" --port 0 \
        >"$tmp/server.out" 2>"$tmp/server.log" &
    pid=$!
    port=
    for _ in $(seq 200); do
        port=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/server.out")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    cat "$tmp/server.log"
    exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

start 1
"$build/kestrel-tpch" load --sf "$sf" --dir "$data" -p "$port" 2>&1 | tail -n 1
stop
for t in $threads; do
    start "$t"
    # one warm-up pass over the set so that every run reads from the page cache
    "$build/kestrel-tpch" run --queries "$queries" -p "$port" >/dev/null
    for q in ${queries//,/ }; do
        c0=$(cpu_ticks)
        w0=$(date +%s%N)
        best=$("$build/kestrel-tpch" run --queries "$q" --repeat "$repeat" -p "$port" |
            sed -n 's/^Q0*\([0-9]*\) \+[0-9]\+ \+\([0-9.]\+\).*/\2/p')
        w1=$(date +%s%N)
        c1=$(cpu_ticks)
        echo "$t $q $best $(( (c1 - c0) * 1000 / hz )) $(( (w1 - w0) / 1000000 ))" >>"$tmp/times"
    done
    stop
done
echo "== TPC-H SF $sf, kestreld --local $workers, best of $repeat, load $(cut -d' ' -f1-3 /proc/loadavg) =="
awk -v threads="$threads" '
BEGIN { nt = split(threads, T, " ") }
{ ms[$1, $2] = $3; cpu[$1, $2] = $4; wall[$1, $2] = $5; if (!($2 in seen)) { seen[$2] = 1; order[++nq] = $2 } }
END {
    printf "query"; for (i = 1; i <= nt; i++) printf "  %5s-thr ms  cpu/wall", T[i]; printf "  speedup\n"
    for (k = 1; k <= nq; k++) {
        q = order[k]; printf "Q%-4d", q
        for (i = 1; i <= nt; i++) {
            printf "  %12.1f  %8.2f", ms[T[i], q], (wall[T[i], q] ? cpu[T[i], q] / wall[T[i], q] : 0)
            tot[i] += ms[T[i], q]; tc[i] += cpu[T[i], q]; tw[i] += wall[T[i], q]
        }
        printf "  %7.2f\n", (ms[T[nt], q] > 0 ? ms[T[1], q] / ms[T[nt], q] : 0)
    }
    printf "total"
    for (i = 1; i <= nt; i++) printf "  %12.1f  %8.2f", tot[i], (tw[i] ? tc[i] / tw[i] : 0)
    printf "  %7.2f\n", (tot[nt] > 0 ? tot[1] / tot[nt] : 0)
}' "$tmp/times"
