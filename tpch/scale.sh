#!/usr/bin/env bash
# tpch/scale.sh — thread scaling of the executor: the same data served by
# `kestreld --local W` with OMP_NUM_THREADS=1 and with 2 (or the counts
# given), every query run on its own (best of --repeat rounds), with the
# server's CPU time (user+sys from /proc) per query.
#
#   tpch/scale.sh [--sf SF] [--workers W] [--threads "1 2"] [--repeat N]
#                 [--queries 1,3,...] [--build DIR]
#
# One server per thread count runs at the same time (an idle one costs no
# CPU); every round runs each query once on each server in turn, so a change
# in the machine's load hits all counts alike. Prints per query: the best
# wall ms per thread count, the server's user+sys CPU ms per run, CPU
# utilisation (that CPU time over the query's wall time, summed over the
# rounds: about 1 and 2 on an idle machine when all threads work), and the
# speedup of the last count over the first; the last line is the whole set
# (sums of the best times). Data: data/tpch-sf<SF> (generated there when missing),
# loaded once and copied per server.
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
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
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
declare -A pids ports
stop_all() {
    for t in "${!pids[@]}"; do
        local p=${pids[$t]}
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$p" 2>/dev/null || true
        fi
        unset "pids[$t]"
    done
    wait 2>/dev/null || true
}
cleanup() { stop_all; rm -rf "$tmp"; }
trap cleanup EXIT
start() { # start THREADS DATADIR
    OMP_NUM_THREADS=$1 "$build/kestreld" --local "$workers" --data "$2" --port 0 \
        >"$tmp/server$1.out" 2>"$tmp/server$1.log" &
    pids[$1]=$!
    for _ in $(seq 200); do
        ports[$1]=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/server$1.out")
        [ -n "${ports[$1]}" ] && return 0
        sleep 0.1
    done
    cat "$tmp/server$1.log"
    exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/${pids[$1]}/stat"; }
hz=$(getconf CLK_TCK)

# load once, then one copy of the database per thread count
first=${threads%% *}
start "$first" "$tmp/db"
"$build/kestrel-tpch" load --sf "$sf" --dir "$data" -p "${ports[$first]}" 2>&1 | tail -n 1
stop_all
for t in $threads; do
    cp -r "$tmp/db" "$tmp/db$t"
    start "$t" "$tmp/db$t"
    # a warm-up pass, so that every run reads from the page cache
    "$build/kestrel-tpch" run --queries "$queries" -p "${ports[$t]}" >/dev/null
done
rm -rf "$tmp/db"
# rounds: every query once on every server in turn, so that changes in the
# machine's load hit all thread counts alike; the best of the rounds counts
for r in $(seq "$repeat"); do
    for q in ${queries//,/ }; do
        for t in $threads; do
            c0=$(cpu_ticks "$t")
            ms=$("$build/kestrel-tpch" run --queries "$q" -p "${ports[$t]}" |
                sed -n 's/^Q0*\([0-9]*\) \+[0-9]\+ \+\([0-9.]\+\).*/\2/p')
            c1=$(cpu_ticks "$t")
            echo "$t $q $ms $(( (c1 - c0) * 1000 / hz ))" >>"$tmp/times"
        done
    done
done
echo "== TPC-H SF $sf, kestreld --local $workers, best of $repeat, load $(cut -d' ' -f1-3 /proc/loadavg) =="
awk -v threads="$threads" -v rounds="$repeat" '
BEGIN { nt = split(threads, T, " ") }
{
    k = $1 SUBSEP $2
    if (!(k in ms) || $3 < ms[k]) ms[k] = $3
    cpu[k] += $4; wall[k] += $3
    if (!($2 in seen)) { seen[$2] = 1; order[++nq] = $2 }
}
END {
    printf "query"
    for (i = 1; i <= nt; i++) printf "  %5s-thr ms  cpu ms  cpu/wall", T[i]
    printf "  speedup\n"
    for (k = 1; k <= nq; k++) {
        q = order[k]; printf "Q%-4d", q
        for (i = 1; i <= nt; i++) {
            key = T[i] SUBSEP q
            printf "  %12.1f  %6.0f  %8.2f", ms[key], cpu[key] / rounds, (wall[key] ? cpu[key] / wall[key] : 0)
            tot[i] += ms[key]; tc[i] += cpu[key]; tw[i] += wall[key]
        }
        printf "  %7.2f\n", (ms[T[nt], q] > 0 ? ms[T[1], q] / ms[T[nt], q] : 0)
    }
    printf "total"
    for (i = 1; i <= nt; i++) printf "  %12.1f  %6.0f  %8.2f", tot[i], tc[i] / rounds, (tw[i] ? tc[i] / tw[i] : 0)
    printf "  %7.2f\n", (tot[nt] > 0 ? tot[1] / tot[nt] : 0)
}' "$tmp/times"
