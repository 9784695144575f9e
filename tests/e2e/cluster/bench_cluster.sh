#!/usr/bin/env bash
# bench_cluster.sh BUILD_DIR TBL_DIR [ROUNDS] [THREADS]
#
# Not part of the suite (minutes at SF 1): the cost of real processes and
# networking. Loads the .tbl files in TBL_DIR (e.g. data/tpch-sf1) into
# `kestreld --local 2` and into `kestreld --coordinator` over 2
# `kestreld --worker` processes (co-located layout, both on loopback),
# then alternates `kestrel-tpch run --repeat 3` between them ROUNDS times
# (default 2) so both see the same machine load, and prints each run's
# total, the cluster/local ratio per round, the load average, the CPU time
# the servers spent on each set (less distorted by other users of the
# machine than wall time), and the exchange bytes of every query (EXPLAIN
# ANALYZE on the cluster).
# THREADS (default 0 = all cores) is the coordinator's --threads.
# BENCH_DIR keeps the servers' data between invocations (no reload);
# BENCH_SF is the scale factor of TBL_DIR (default 1); CLUSTER_FLAGS
# (e.g. --no-compress) goes to the coordinator and the workers.
set -u
build=${1:?build dir}
tbl=${2:?tbl dir}
rounds=${3:-2}
threads=${4:-0}
here=$(cd "$(dirname "$0")" && pwd)
tmp=${BENCH_DIR:-$(mktemp -d /tmp/kestrel-bench-cluster.XXXXXX)}
mkdir -p "$tmp"
. "$here/cluster_procs.sh"
lpid=
cleanup() {
    cluster_stop
    [ -n "$lpid" ] && kill -TERM "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
    [ -z "${BENCH_DIR:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT
# ready_port OUT: the port of "kestreld ready on port N" in OUT (waits up to
# 10 s; empty when it never came)
ready_port() {
    local p=
    for _ in $(seq 100); do
        p=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$1")
        [ -n "$p" ] && break
        sleep 0.1
    done
    echo "$p"
}

# the embedded engine
rm -f "$tmp/local.out"
"$build/kestreld" --local 2 --data "$tmp/local" --port 0 --no-fsync >"$tmp/local.out" 2>"$tmp/local.log" &
lpid=$!
lport=$(ready_port "$tmp/local.out")
[ -n "$lport" ] || { cat "$tmp/local.log"; exit 1; }

# the cluster: workers keep their data and address across invocations
if [ -s "$tmp/addrs" ]; then
    read -r -a waddrs <"$tmp/addrs"
fi
if [ -s "$tmp/secret" ]; then
    for i in 1 2; do cluster_worker_start "$build" "$i" || exit 1; done
    list=$(IFS=,; echo "${waddrs[*]}")
    rm -f "$tmp/coord.out" # no port from an earlier run
    "$build/kestreld" --coordinator --data "$tmp/coord" --workers "$list" --secret-file "$tmp/secret" \
        --threads "$threads" --port 0 --no-fsync ${CLUSTER_FLAGS:-} >"$tmp/coord.out" 2>"$tmp/coord.log" &
    cpid=$!
    port=$(ready_port "$tmp/coord.out")
    [ -n "$port" ] || { cat "$tmp/coord.log"; exit 1; }
else
    cluster_start "$build" 2 || exit 1
    echo "${waddrs[*]}" >"$tmp/addrs"
fi

if [ ! -e "$tmp/loaded" ]; then
    echo "load (local 2):"
    "$build/kestrel-tpch" load --sf "${BENCH_SF:-1}" --dir "$tbl" --layout colocated -p "$lport" 2>&1 | tail -1
    echo "load (coordinator + 2 workers):"
    "$build/kestrel-tpch" load --sf "${BENCH_SF:-1}" --dir "$tbl" --layout colocated -p "$port" 2>&1 | tail -1
    touch "$tmp/loaded"
fi

total() { awk '$1 == "total" { print $2 }' "$1"; }
# CPU time (user + system, clock ticks) of a set of processes: a measure of
# the work done that other users of the machine do not distort much
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
hz=$(getconf CLK_TCK)
for r in $(seq 1 "$rounds"); do
    echo "round $r: $(cut -d' ' -f1-3 /proc/loadavg) (load average before)"
    t0=$(ticks "$lpid")
    "$build/kestrel-tpch" run -p "$lport" --repeat 3 >"$tmp/local.$r" 2>&1
    t1=$(ticks "$lpid")
    c0=$(ticks "$cpid" "${wpids[@]}")
    "$build/kestrel-tpch" run -p "$port" --repeat 3 >"$tmp/cluster.$r" 2>&1
    c1=$(ticks "$cpid" "${wpids[@]}")
    l=$(total "$tmp/local.$r")
    c=$(total "$tmp/cluster.$r")
    echo "round $r: local 2 total $l ms, cluster total $c ms, ratio $(awk -v a="$c" -v b="$l" 'BEGIN { printf "%.2f", a / b }'), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "round $r: CPU for the 3 runs: local $(awk -v t=$((t1 - t0)) -v h="$hz" 'BEGIN { printf "%.1f", t / h }') s, cluster $(awk -v t=$((c1 - c0)) -v h="$hz" 'BEGIN { printf "%.1f", t / h }') s (coordinator + workers), ratio $(awk -v a=$((c1 - c0)) -v b=$((t1 - t0)) 'BEGIN { printf "%.2f", a / b }')"
done
echo "per query (last round): query local_ms cluster_ms exchange_bytes"
qdir=$here/../../../tpch/queries
for n in $(seq 1 22); do
    f=$(ls "$qdir"/[qQ]$(printf %02d "$n").sql)
    q="Q$n"
    lm=$(awk -v q="$q" '$1 == q { print $3 }' "$tmp/local.$rounds")
    cm=$(awk -v q="$q" '$1 == q { print $3 }' "$tmp/cluster.$rounds")
    bytes=$( (echo "EXPLAIN ANALYZE"; cat "$f") | psql -X -q -A -t -h 127.0.0.1 -p "$port" -U kestrel -d kestrel 2>&1 |
        sed -n 's/^Exchange: \([0-9]*\) bytes.*/\1/p')
    echo "$q $lm $cm ${bytes:-?}"
done
