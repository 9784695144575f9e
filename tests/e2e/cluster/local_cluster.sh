#!/usr/bin/env bash
# local_cluster.sh — a multi-process Kestrel cluster on loopback, for demos
# and manual tests.
#
#   local_cluster.sh start DIR [NWORKERS] [PORT]   NWORKERS `kestreld --worker`
#                                                  (default 2) and a coordinator
#                                                  on PORT (default 5433)
#   local_cluster.sh stop DIR                      stop them (TERM, then KILL)
#   local_cluster.sh status DIR                    which processes are alive
#
# Everything lives in DIR: the secret, a config file (kestrel.conf) for the
# coordinator, each node's data directory, logs and pid files. A second
# `start` on the same DIR reuses the data, the secret and the workers'
# addresses. KESTREL_BIN names the folder with kestreld (default: build).
#   psql -h 127.0.0.1 -p 5433 -U kestrel -c 'SELECT * FROM kestrel_workers'
set -u
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
bin=${KESTREL_BIN:-build}
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

case $cmd in
start)
    n=${3:-2}
    pgport=${4:-5433}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -x "$bin/kestreld" ] || { echo "no $bin/kestreld (set KESTREL_BIN)"; exit 1; }
    [ -s "$dir/secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/secret"
    chmod 600 "$dir/secret"
    lo_eph=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    addrs=()
    for i in $(seq 1 "$n"); do
        if alive "$dir/w$i.pid"; then addrs+=("$(cat "$dir/w$i.addr")"); continue; fi
        addr=$(cat "$dir/w$i.addr" 2>/dev/null)
        ok=
        for _try in $(seq 1 20); do
            [ -n "$addr" ] || addr=127.0.0.1:$((10000 + RANDOM % (lo_eph - 10000)))
            rm -f "$dir/w$i.port"
            "$bin/kestreld" --worker --data "$dir/w$i" --listen "$addr" --secret-file "$dir/secret" \
                --port-file "$dir/w$i.port" 2>>"$dir/w$i.log" &
            echo $! >"$dir/w$i.pid"
            for _ in $(seq 1 100); do
                [ -s "$dir/w$i.port" ] && break
                alive "$dir/w$i.pid" || break
                sleep 0.1
            done
            if [ -s "$dir/w$i.port" ]; then ok=1; break; fi
            [ -s "$dir/w$i.addr" ] && sleep 0.5 || addr=
        done
        [ -n "$ok" ] || { echo "worker $i did not start:"; tail -5 "$dir/w$i.log"; exit 1; }
        echo "$addr" >"$dir/w$i.addr"
        addrs+=("$addr")
    done
    if alive "$dir/coordinator.pid"; then echo "coordinator already running"; exit 0; fi
    cat >"$dir/kestrel.conf" <<EOF
# the coordinator of the local cluster in $dir
mode = coordinator
data = $dir/coord
workers = $(IFS=,; echo "${addrs[*]}")
secret_file = $dir/secret
port = $pgport
EOF
    rm -f "$dir/coordinator.out"
    "$bin/kestreld" --config "$dir/kestrel.conf" >"$dir/coordinator.out" 2>>"$dir/coordinator.log" &
    echo $! >"$dir/coordinator.pid"
    for _ in $(seq 100); do
        p=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$dir/coordinator.out")
        [ -n "$p" ] && { echo "coordinator on 127.0.0.1:$p, workers ${addrs[*]}"; exit 0; }
        alive "$dir/coordinator.pid" || break
        sleep 0.1
    done
    echo "the coordinator did not start:"; tail -5 "$dir/coordinator.log"
    exit 1
    ;;
stop)
    for f in "$dir"/coordinator.pid "$dir"/w*.pid; do
        [ -e "$f" ] || continue
        alive "$f" && kill -TERM "$(cat "$f")"
    done
    for f in "$dir"/coordinator.pid "$dir"/w*.pid; do
        [ -e "$f" ] || continue
        for _ in $(seq 50); do alive "$f" || break; sleep 0.1; done
        alive "$f" && kill -KILL "$(cat "$f")"
        rm -f "$f"
    done
    echo "stopped"
    ;;
status)
    rc=0
    for f in "$dir"/coordinator.pid "$dir"/w*.pid; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .pid)
        if alive "$f"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: stopped"; rc=1; fi
    done
    exit $rc
    ;;
*)
    echo "unknown command \"$cmd\" (start, stop, status)"
    exit 2
    ;;
esac
