#!/usr/bin/env bash
# join_check.sh BUILD_DIR SHARED_DIR
#
# Workers that register themselves (`kestreld --worker --join`):
#  1. a coordinator started with --expect-workers 2 --cluster-listen waits
#     for two workers that --join it, records them (worker=ID ADDR lines in
#     cluster.conf) and serves; TPC-H SF 0.01 is loaded through it and the
#     22 queries are checked against the answers;
#  2. a third worker that joins is refused (exit 1, "already has its 2
#     workers" and a hint), the cluster is unchanged; so are a worker with
#     the wrong secret and a joined worker restarted on another address
#     (told its recorded one), which then rejoins on its address;
#  3. kill -9 of a joined worker: kestrel_workers shows it down; restarted
#     on its data directory and address it joins again, kestrel_workers
#     shows it up and the 22 queries pass again;
#  4. the coordinator is restarted on its data directory: the running
#     workers notice, join again and take their recorded slots by worker
#     id; the 22 queries pass;
#  5. every process exits 0 at the end and no log has a sanitizer report.
# Skipped (77) without psql. Ports: the cluster port and the workers' ports
# are fixed per run (below the ephemeral range, retried when taken) so the
# restarted processes can bind them again.
set -u
build=${1:?build dir}
shared=${2:?shared dir}
command -v psql >/dev/null || { echo "psql not found: skipped"; exit 77; }
tmp=$(mktemp -d /tmp/kestrel-e2e-join.XXXXXX)
cpid=
wpids=()
waddrs=()
cleanup() {
    for p in $cpid "${wpids[@]}" ${extra:-}; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
logs() {
    echo "--- coordinator log"; tail -30 "$tmp/coord.log"
    for i in 1 2; do echo "--- worker $i log"; tail -30 "$tmp/w$i.log"; done
}
fail() { echo "FAIL: $*"; logs; exit 1; }
psql_c() { psql -X -q -A -t -h 127.0.0.1 -p "$port" -U kestrel -d kestrel -v ON_ERROR_STOP=1 "$@"; }
lo_eph=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() { echo $((10000 + RANDOM % (lo_eph - 10000))); }
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/secret"

# start_coord: the coordinator on $cport (picked on the first call); sets $port
start_coord() {
    local fixed=${cport:-}
    for _try in $(seq 1 20); do
        [ -n "$fixed" ] && cport=$fixed || cport=$(free_port)
        : >"$tmp/coord.out"
        "$build/kestreld" --coordinator --data "$tmp/coord" --expect-workers 2 \
            --cluster-listen "127.0.0.1:$cport" --secret-file "$tmp/secret" --port 0 --no-fsync \
            >"$tmp/coord.out" 2>>"$tmp/coord.log" &
        cpid=$!
        for _ in $(seq 50); do
            grep -q "^kestreld cluster port $cport$" "$tmp/coord.out" && return 0
            kill -0 "$cpid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; cpid=
        sleep 0.5
    done
    fail "the coordinator did not open its cluster port"
}
wait_ready() {
    for _ in $(seq 150); do
        port=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/coord.out")
        [ -n "$port" ] && return 0
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
    done
    fail "the coordinator did not get its workers"
}
# start_worker I: worker I joins the coordinator, on its address (picked once)
start_worker() {
    local i=$1 addr=${waddrs[$(($1 - 1))]:-}
    for _try in $(seq 1 20); do
        [ -n "$addr" ] || addr=127.0.0.1:$(free_port)
        rm -f "$tmp/port$i"
        "$build/kestreld" --worker --data "$tmp/w$i" --listen "$addr" --secret-file "$tmp/secret" \
            --join "127.0.0.1:$cport" --port-file "$tmp/port$i" --no-fsync 2>>"$tmp/w$i.log" &
        local p=$!
        for _ in $(seq 100); do
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
    fail "worker $i did not start"
}
# wait_states "up up": kestrel_workers' states, in slot order, within 10 s
wait_states() {
    local got=
    for _ in $(seq 100); do
        got=$(psql_c -c "SELECT state FROM kestrel_workers ORDER BY worker" 2>/dev/null | tr '\n' ' ')
        [ "$got" = "$1 " ] && return 0
        sleep 0.1
    done
    fail "kestrel_workers states are '$got', expected '$1'"
}
tpch_run() {
    "$build/kestrel-tpch" run -p "$port" --answers "$shared/tpch/answers-sf0.01" >"$tmp/run.out" 2>&1 ||
        { cat "$tmp/run.out"; fail "TPC-H check ($1)"; }
    echo "join: 22 queries pass ($1)"
}

mkdir -p "$tmp/data"
for f in "$shared"/tpch/sf0.01/*.tbl.zst; do
    zstd -dqf "$f" -o "$tmp/data/$(basename "$f" .zst)" || { echo "cannot decompress $f"; exit 1; }
done

# --- 1. first start: two workers join ------------------------------------
start_coord
start_worker 1
start_worker 2
wait_ready
[ "$(grep -c '^worker=' "$tmp/coord/cluster.conf")" = 2 ] ||
    fail "cluster.conf does not record 2 joined workers: $(cat "$tmp/coord/cluster.conf")"
for i in 1 2; do
    grep -q "^worker=$(cat "$tmp/w$i/worker.id") ${waddrs[$((i - 1))]}$" "$tmp/coord/cluster.conf" ||
        fail "worker $i (id $(cat "$tmp/w$i/worker.id")) is not recorded at ${waddrs[$((i - 1))]}"
done
wait_states "up up"
"$build/kestrel-tpch" load --sf 0.01 --dir "$tmp/data" --layout colocated -p "$port" >"$tmp/load.out" 2>&1 ||
    fail "load: $(cat "$tmp/load.out")"
tpch_run "joined workers"

# --- 1b. kestrel_queries shows the progress of a running cluster query ----
# (a self-join of lineitem on a 7-valued key runs for minutes; the workers
# report their scans' rows in heartbeat answers, about once a second)
psql -X -h 127.0.0.1 -p "$port" -U kestrel -d kestrel -c "SELECT count(*) FROM lineitem a,
    lineitem b WHERE a.l_linenumber = b.l_linenumber AND a.l_quantity < b.l_quantity" \
    >"$tmp/long.out" 2>&1 &
extra=$!
prog=
for _ in $(seq 100); do
    prog=$(psql_c -F ' ' -c "SELECT rows_done, rows_estimated FROM kestrel_queries
                             WHERE query LIKE '%l_linenumber%' AND query NOT LIKE '%kestrel_queries%'")
    [ -n "$prog" ] && [ "${prog%% *}" -gt 0 ] && break
    sleep 0.1
done
kill -INT "$extra"
wait "$extra"
extra=
[ -n "$prog" ] && [ "${prog%% *}" -gt 0 ] && [ "${prog##* }" -ge "${prog%% *}" ] ||
    fail "kestrel_queries shows no progress for the running query: '$prog'"
grep -q "canceling statement" "$tmp/long.out" || fail "the long query was not cancelled: $(cat "$tmp/long.out")"
echo "join: kestrel_queries progress of a running cluster query: rows_done rows_estimated = $prog"

# --- 2. a third worker is refused -----------------------------------------
"$build/kestreld" --worker --data "$tmp/w3" --listen 127.0.0.1:0 --secret-file "$tmp/secret" \
    --join "127.0.0.1:$cport" --no-fsync 2>"$tmp/w3.log" &
extra=$!
rc=0
for _ in $(seq 100); do kill -0 "$extra" 2>/dev/null || break; sleep 0.1; done
wait "$extra" || rc=$?
extra=
[ "$rc" = 1 ] || fail "a third worker was not refused (exit code $rc): $(cat "$tmp/w3.log")"
grep -q "already has its 2 workers" "$tmp/w3.log" && grep -q "^HINT: " "$tmp/w3.log" ||
    fail "the refusal does not say why: $(cat "$tmp/w3.log")"
[ "$(psql_c -c "SELECT count(*) FROM kestrel_workers")" = 2 ] || fail "kestrel_workers changed"
echo "join: a third worker is refused"
# a worker with the wrong secret is refused by the handshake
echo "not-the-secret" >"$tmp/badsecret"
rc=0
timeout 20 "$build/kestreld" --worker --data "$tmp/w4" --listen 127.0.0.1:0 --secret-file "$tmp/badsecret" \
    --join "127.0.0.1:$cport" --no-fsync 2>"$tmp/w4.log" || rc=$?
[ "$rc" = 1 ] && grep -q "refused this worker" "$tmp/w4.log" ||
    fail "a worker with the wrong secret was not refused (exit code $rc): $(cat "$tmp/w4.log")"
grep -q "refusing join from 127.0.0.1" "$tmp/coord.log" || fail "the coordinator did not log the refusal"
echo "join: a worker with the wrong secret is refused"
# a known worker that comes back from another address is refused (told its old one)
kill -TERM "${wpids[0]}"
wait "${wpids[0]}" || fail "worker 1 did not exit 0"
wpids[0]=
rc=0
timeout 20 "$build/kestreld" --worker --data "$tmp/w1" --listen 127.0.0.1:0 --secret-file "$tmp/secret" \
    --join "127.0.0.1:$cport" --no-fsync 2>"$tmp/w1moved.log" || rc=$?
[ "$rc" = 1 ] && grep -q "but its slot 1 is at ${waddrs[0]}" "$tmp/w1moved.log" &&
    grep -q "^HINT: Restart the worker with --listen ${waddrs[0]}" "$tmp/w1moved.log" ||
    fail "a worker on a new address was not refused (exit code $rc): $(cat "$tmp/w1moved.log")"
start_worker 1
wait_states "up up"
echo "join: a worker restarted on another address is refused, on its own address it rejoins"

# --- 3. kill -9 a worker, restart it: it rejoins its slot ------------------
kill -KILL "${wpids[1]}"
wait "${wpids[1]}" 2>/dev/null
wpids[1]=
wait_states "up down"
start_worker 2
for _ in $(seq 100); do
    [ "$(grep -c "joined coordinator" "$tmp/w2.log")" = 2 ] && break
    sleep 0.1
done
[ "$(grep -c "joined coordinator" "$tmp/w2.log")" = 2 ] || fail "worker 2 did not join again"
grep -q "joined again as slot 2" "$tmp/coord.log" || fail "worker 2 did not take slot 2 again"
wait_states "up up"
tpch_run "after worker 2 was killed and rejoined"

# --- 4. restart the coordinator: the workers join it again ---------------
kill -TERM "$cpid"
wait "$cpid" || fail "the coordinator did not exit 0"
cpid=
start_coord
wait_ready
wait_states "up up"
tpch_run "after a coordinator restart"

# --- 5. clean exit ---------------------------------------------------------
rc=0
for p in $cpid "${wpids[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in $cpid "${wpids[@]}"; do wait "$p" || { echo "process $p exited with an error"; rc=1; }; done
cpid=
wpids=()
if grep -l "Sanitizer\|runtime error:" "$tmp"/*.log 2>/dev/null; then
    grep -h -A20 "Sanitizer\|runtime error:" "$tmp"/*.log | head -60
    rc=1
fi
[ "$rc" = 0 ] || { echo "FAIL: unclean exit"; exit 1; }
echo "join check passed"
