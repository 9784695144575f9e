#!/usr/bin/env bash
# The cluster across network namespaces: the coordinator (cluster_tpch) and
# each worker run in a network namespace of their own, wired to a bridge
# that lives in one more namespace, so every node has its own address
# (10.231.0.10 for the coordinator, 10.231.0.11.. for the workers) and all
# traffic crosses veth pairs. The host's own network is not touched. Runs the
# TPC-H SF 0.01 check plus the kill -9 / restart check. Then the same with
# the real processes: `kestreld --worker` in each worker namespace and
# `kestreld --coordinator` in the coordinator's, loaded and checked through
# its PostgreSQL port (10.231.0.10) with kestrel-tpch. Needs root (ip netns);
# exits 77 (skipped) otherwise.
# usage: netns_check.sh BUILD_DIR SHARED_DIR [colocated|repartition] [NWORKERS]
set -u
build=${1:?build dir}
shared=${2:?shared dir}
layout=${3:-colocated}
nworkers=${4:-3}
worker_bin=${KESTREL_WORKER_BIN:-$build/tests/cluster_worker}
if [ "$(id -u)" != 0 ] || ! command -v ip > /dev/null; then
    echo "skipped: needs root and iproute2"; exit 77
fi
tag=k$$
tmp=$(mktemp -d)
nss=()
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
    [ -s "$tmp/restart.pid" ] && kill "$(cat "$tmp/restart.pid")" 2>/dev/null
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
br=${tag}br
ip netns add "$br" || { echo "skipped: ip netns add failed"; exit 77; }
nss+=("$br")
ip netns exec "$br" ip link add br0 type bridge
ip netns exec "$br" ip link set br0 up
# node 0 = coordinator, 1..N = workers
for i in $(seq 0 "$nworkers"); do
    ns=${tag}n$i
    ip netns add "$ns"
    nss+=("$ns")
    ip link add "${tag}v$i" type veth peer name "${tag}b$i"
    ip link set "${tag}v$i" netns "$ns"
    ip link set "${tag}b$i" netns "$br"
    ip netns exec "$br" ip link set "${tag}b$i" master br0
    ip netns exec "$br" ip link set "${tag}b$i" up
    ip netns exec "$ns" ip addr add "10.231.0.$((10 + i))/24" dev "${tag}v$i"
    ip netns exec "$ns" ip link set "${tag}v$i" up
    ip netns exec "$ns" ip link set lo up
done
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/secret"
# start_workers BIN P NAME: BIN --worker in each worker namespace (data
# $tmp/${P}w$i, port file $tmp/${P}port$i, log $tmp/${P}w$i.log); waits for
# all of them and sets started[] to their addresses
start_workers() {
    local bin=$1 p=$2 name=$3 i
    started=()
    for i in $(seq 1 "$nworkers"); do
        ip netns exec "${tag}n$i" "$bin" --worker --data "$tmp/${p}w$i" --listen "10.231.0.$((10 + i)):0" \
            --secret-file "$tmp/secret" --port-file "$tmp/${p}port$i" --no-fsync 2> "$tmp/${p}w$i.log" &
        pids+=($!)
    done
    for i in $(seq 1 "$nworkers"); do
        for _ in $(seq 1 100); do [ -s "$tmp/${p}port$i" ] && break; sleep 0.1; done
        [ -s "$tmp/${p}port$i" ] || { echo "$name $i did not start"; cat "$tmp/${p}w$i.log"; exit 1; }
        started+=("10.231.0.$((10 + i)):$(cat "$tmp/${p}port$i")")
    done
}
start_workers "$worker_bin" "" worker
addrs=("${started[@]}")
echo "workers in namespaces: ${addrs[*]}; coordinator at 10.231.0.10"
last=$nworkers
cat > "$tmp/restart.sh" <<EOS
#!/usr/bin/env bash
ip netns exec ${tag}n$last "$worker_bin" --worker --data "$tmp/w$last" --listen ${addrs[$((last-1))]} \\
    --secret-file "$tmp/secret" --port-file "$tmp/report$last" --no-fsync > /dev/null 2>> "$tmp/w$last.log" &
echo \$! > "$tmp/restart.pid"
for _ in \$(seq 1 100); do [ -s "$tmp/report$last" ] && exit 0; sleep 0.1; done
exit 1
EOS
chmod +x "$tmp/restart.sh"
ip netns exec "${tag}n0" "$build/tests/cluster_tpch" --shared "$shared" --secret "$(cat "$tmp/secret")" \
    --layout "$layout" --kill-test "${pids[$((nworkers-1))]}" --restart-cmd "$tmp/restart.sh" "${addrs[@]}"
rc=$?
if [ $rc -ne 0 ]; then
    for i in $(seq 1 "$nworkers"); do echo "--- worker $i log"; tail -20 "$tmp/w$i.log"; done
    exit $rc
fi
# the real kestreld coordinator and workers, fresh data directories
[ -x "$build/kestreld" ] && [ -x "$build/kestrel-tpch" ] || exit 0
start_workers "$build/kestreld" k "kestreld worker"
kaddrs=("${started[@]}")
echo "* trust" > "$tmp/users" # the client is not on loopback
ip netns exec "${tag}n0" "$build/kestreld" --coordinator --data "$tmp/kc" --host 10.231.0.10 --port 0 \
    --users "$tmp/users" --workers "$(IFS=,; echo "${kaddrs[*]}")" --secret-file "$tmp/secret" --no-fsync \
    > "$tmp/kc.out" 2> "$tmp/kc.log" &
pids+=($!)
kport=
for _ in $(seq 1 100); do
    kport=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/kc.out")
    [ -n "$kport" ] && break
    sleep 0.1
done
[ -n "$kport" ] || { echo "kestreld coordinator did not start"; cat "$tmp/kc.log"; exit 1; }
echo "kestreld coordinator at 10.231.0.10:$kport, workers ${kaddrs[*]}"
mkdir -p "$tmp/data"
for f in "$shared"/tpch/sf0.01/*.tbl.zst; do zstd -dqf "$f" -o "$tmp/data/$(basename "$f" .zst)"; done
ip netns exec "${tag}n0" "$build/kestrel-tpch" load --sf 0.01 --dir "$tmp/data" --layout "$layout" \
    -h 10.231.0.10 -p "$kport" > /dev/null &&
    ip netns exec "${tag}n0" "$build/kestrel-tpch" run -h 10.231.0.10 -p "$kport" \
        --answers "$shared/tpch/answers-sf0.01" | tail -1
rc=${PIPESTATUS[0]}
if [ $rc -ne 0 ]; then
    echo "--- coordinator log"; tail -20 "$tmp/kc.log"
    for i in $(seq 1 "$nworkers"); do echo "--- worker $i log"; tail -20 "$tmp/kw$i.log"; done
fi
exit $rc
