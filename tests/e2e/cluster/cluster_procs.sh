# cluster_procs.sh — start and stop a real multi-process cluster for the
# end-to-end scripts (sourced): N `kestreld --worker` processes and one
# `kestreld --coordinator` on loopback, all in $tmp (a mktemp -d folder the
# caller owns). The coordinator reads its options from a config file, so
# that path is exercised too. CLUSTER_FLAGS (e.g. --no-compress) is given to
# every process.
#
#   cluster_start BUILD_DIR NWORKERS     workers, then the coordinator; sets
#                                        $port (PostgreSQL), $cpid, wpids[], waddrs[]
#   cluster_worker_start BUILD_DIR I     (re)start worker I (1-based) on its address
#   cluster_stop                         TERM everything, KILL after 5 s
#   cluster_stop_checked                 the same, then fail (return 1) when a
#                                        process did not exit 0 or a log has a
#                                        sanitizer report (Sanitize builds)
#   cluster_cpu_ticks PID                utime+stime of a process, in clock ticks
port=
cpid=
wpids=()
waddrs=()
cluster_worker_start() {
    local build=$1 i=$2 addr=${waddrs[$(($2 - 1))]:-}
    local lo_eph
    lo_eph=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    # a fixed port below the kernel's ephemeral range, so a worker restarted
    # on it cannot find it taken by an outgoing connection meanwhile
    for _try in $(seq 1 20); do
        [ -n "$addr" ] || addr=127.0.0.1:$((10000 + RANDOM % (lo_eph - 10000)))
        rm -f "$tmp/port$i"
        "$build/kestreld" --worker --data "$tmp/w$i" --listen "$addr" --secret-file "$tmp/secret" \
            --port-file "$tmp/port$i" --no-fsync ${CLUSTER_FLAGS:-} 2>>"$tmp/w$i.log" &
        local p=$!
        for _ in $(seq 1 100); do
            [ -s "$tmp/port$i" ] && break
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        if [ -s "$tmp/port$i" ]; then
            wpids[$((i - 1))]=$p
            waddrs[$((i - 1))]=$addr
            return 0
        fi
        kill "$p" 2>/dev/null; wait "$p" 2>/dev/null
        [ -n "${waddrs[$((i - 1))]:-}" ] && sleep 0.5 || addr=
    done
    echo "worker $i did not start:"; tail -20 "$tmp/w$i.log"
    return 1
}
cluster_start() {
    local build=$1 n=$2
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/secret"
    for i in $(seq 1 "$n"); do cluster_worker_start "$build" "$i" || return 1; done
    local list
    list=$(IFS=,; echo "${waddrs[*]}")
    cat >"$tmp/kestrel.conf" <<EOF
# written by cluster_procs.sh
mode = coordinator
data = $tmp/coord
workers = $list
secret_file = $tmp/secret
port = 0
no_fsync = true
EOF
    "$build/kestreld" --config "$tmp/kestrel.conf" ${CLUSTER_FLAGS:-} >"$tmp/coord.out" 2>"$tmp/coord.log" &
    cpid=$!
    for _ in $(seq 100); do
        port=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/coord.out")
        [ -n "$port" ] && { echo "cluster: coordinator on port $port, workers ${waddrs[*]}"; return 0; }
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    echo "coordinator did not start:"; cat "$tmp/coord.log"
    return 1
}
cluster_stop() {
    local all=($cpid "${wpids[@]}")
    for p in "${all[@]}"; do [ -n "$p" ] && kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done
    for p in "${all[@]}"; do
        [ -n "$p" ] || continue
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
}
cluster_stop_checked() {
    local rc=0 all=($cpid "${wpids[@]}") p
    for p in "${all[@]}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null; done
    for p in "${all[@]}"; do
        [ -n "$p" ] || continue
        if ! wait "$p"; then echo "process $p exited with an error"; rc=1; fi
    done
    cpid=
    wpids=()
    if grep -l "Sanitizer\|runtime error:" "$tmp"/*.log 2>/dev/null; then
        grep -h -A20 "Sanitizer\|runtime error:" "$tmp"/*.log | head -60
        rc=1
    fi
    return $rc
}
cluster_logs() {
    echo "--- coordinator log"; tail -30 "$tmp/coord.log"
    for i in "${!wpids[@]}"; do echo "--- worker $((i + 1)) log"; tail -30 "$tmp/w$((i + 1)).log"; done
}
cluster_cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
