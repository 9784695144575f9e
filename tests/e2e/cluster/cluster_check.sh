#!/usr/bin/env bash
# Start 3 cluster worker processes on loopback (each picks a free port and
# writes it to a file), run the TPC-H SF 0.01 check across them with
# cluster_tpch, check cancellation, then kill -9 one worker (or SIGSTOP it,
# for the repartitioned run) and expect the next query to fail with 08006
# within 5 s. Everything lives in a mktemp directory.
# usage: cluster_check.sh BUILD_DIR SHARED_DIR [colocated|repartition] [NWORKERS]
# CLUSTER_TPCH_ARGS adds options to cluster_tpch (e.g. "--tbl-dir DIR --nthreads 2").
set -u
build=${1:?build dir}
shared=${2:?shared dir}
layout=${3:-colocated}
nworkers=${4:-3}
# the colocated run kills a worker (-9), the repartitioned one stops one (SIGSTOP)
fault=--kill-test
[ "$layout" = repartition ] && fault=--stop-test
# the worker process: kestreld itself once its main dispatches --worker to
# net_cl_worker_main, else the stand-alone test binary with the same entry
worker_bin=${KESTREL_WORKER_BIN:-}
if [ -z "$worker_bin" ]; then
    worker_bin=$build/tests/cluster_worker
    if [ -x "$build/kestreld" ] && "$build/kestreld" --worker --help 2>/dev/null | grep -q -- '--secret-file'; then
        worker_bin=$build/kestreld
    fi
fi
tmp=$(mktemp -d)
pids=()
cleanup() {
    [ -s "$tmp/restart.pid" ] && kill "$(cat "$tmp/restart.pid")" 2>/dev/null
    for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$tmp/secret"
# Ports: random ones below the kernel's ephemeral range, retried until a
# worker binds, so a worker restarted on its port (the rejoin check) cannot
# find it taken by some outgoing connection's source port meanwhile.
lo_eph=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
addrs=()
for i in $(seq 1 "$nworkers"); do
    started=
    for _try in $(seq 1 20); do
        port=$((10000 + RANDOM % (lo_eph - 10000)))
        rm -f "$tmp/port$i"
        "$worker_bin" --worker --data "$tmp/w$i" --listen "127.0.0.1:$port" --secret-file "$tmp/secret" \
            --port-file "$tmp/port$i" --no-fsync 2> "$tmp/w$i.log" &
        pid=$!
        for _ in $(seq 1 100); do
            [ -s "$tmp/port$i" ] && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if [ -s "$tmp/port$i" ]; then started=1; break; fi
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    done
    [ -n "$started" ] || { echo "worker $i did not start"; cat "$tmp/w$i.log"; exit 1; }
    pids+=($pid)
    addrs+=("127.0.0.1:$(cat "$tmp/port$i")")
done
echo "workers ($(basename "$worker_bin")): ${addrs[*]}"
# how the driver brings the killed worker back: same data directory, same port
last=$nworkers
cat > "$tmp/restart.sh" <<EOS
#!/usr/bin/env bash
"$worker_bin" --worker --data "$tmp/w$last" --listen ${addrs[$((last-1))]} --secret-file "$tmp/secret" \\
    --port-file "$tmp/report$last" --no-fsync > /dev/null 2>> "$tmp/w$last.log" &
echo \$! > "$tmp/restart.pid"
for _ in \$(seq 1 100); do [ -s "$tmp/report$last" ] && exit 0; sleep 0.1; done
exit 1
EOS
chmod +x "$tmp/restart.sh"
restart=()
[ "$fault" = --kill-test ] && restart=(--restart-cmd "$tmp/restart.sh")
"$build/tests/cluster_tpch" --shared "$shared" --secret "$(cat "$tmp/secret")" --layout "$layout" \
    --compare-local ${CLUSTER_TPCH_ARGS:-} "$fault" "${pids[$((nworkers-1))]}" "${restart[@]}" "${addrs[@]}"
rc=$?
# stop the surviving workers cleanly: each must exit 0 (sanitizer builds
# report leaks and errors through the exit status)
for idx in "${!pids[@]}"; do
    p=${pids[$idx]}
    [ "$fault" = --kill-test ] && [ "$idx" -eq $((nworkers-1)) ] && continue
    kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null
    if ! wait "$p"; then echo "worker $((idx+1)) exited with an error"; rc=1; fi
done
if [ -s "$tmp/restart.pid" ]; then
    p=$(cat "$tmp/restart.pid")
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
fi
if [ $rc -ne 0 ]; then
    for i in $(seq 1 "$nworkers"); do echo "--- worker $i log"; tail -60 "$tmp/w$i.log"; done
fi
exit $rc
