# lib.sh — shared helpers of the PostgreSQL client end-to-end tests (sourced).
#
# start_target starts the server chosen by KESTREL_E2E_TARGET:
#   fake      $KESTREL_BUILD/tests/pgtest_server --port 0: the wire-protocol
#             server over the fake engine (tests/unit/net/fake_engine.c),
#             which knows table t and a fixed statement set (the default)
#   kestreld  $KESTREL_BUILD/kestreld --local 1 --data <tmp> --port 0, then
#             creates and fills table t with the same rows through psql
#   coordinator  a real multi-process cluster: two `kestreld --worker` and
#             `kestreld --coordinator` (tests/e2e/cluster/cluster_procs.sh,
#             binaries from the folder of $KESTRELD), then table t as above
#   external  an already running server at PGHOST/PGPORT (nothing started)
# and exports PGHOST, PGPORT, PGUSER, PGDATABASE. A server that cannot be
# had makes the test exit 77 (ctest shows it as skipped), never a fake pass.
# stop_target stops it; for `fake` the server must exit 0, which it does only
# when every engine session was closed (no leaked sessions).
set -u
TARGET=${KESTREL_E2E_TARGET:-fake}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${KESTREL_BUILD:-$HERE/../../../build}
WORK=$(mktemp -d /tmp/kestrel-clients-e2e.XXXXXX)
SERVER_PID=
FAILS=0
CHECKS=0
export PGCONNECT_TIMEOUT=10
export PAGER=cat
export PSQLRC=/dev/null
export PGSSLMODE=disable

cleanup() {
    if [ "$TARGET" = coordinator ] && [ -n "${cpid:-}" ]; then cluster_stop >/dev/null 2>&1; fi
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); CHECKS=$((CHECKS + 1)); }
pass() { echo "ok: $*"; CHECKS=$((CHECKS + 1)); }
# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" == "$3" ]; then pass "$1"; else
        fail "$1"; echo "--- got:"; echo "$2"; echo "--- want:"; echo "$3"; fi
}
# expect_match NAME TEXT REGEX
expect_match() {
    if echo "$2" | grep -Eq -- "$3"; then pass "$1"; else
        fail "$1 (no match for /$3/)"; echo "--- got:"; echo "$2"; fi
}

wait_ready() { # FILE PATTERN → port
    local f=$1 pat=$2 p=
    for _ in $(seq 1 200); do
        p=$(sed -n "s/^$pat \([0-9]*\)$/\1/p" "$f" 2>/dev/null)
        [ -n "$p" ] && { echo "$p"; return 0; }
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

T_ROWS='1	alpha	12.50	2024-01-15	2024-01-15 10:30:00	t	1.5	ab
2	beta	-0.01	1999-12-31	1970-01-01 00:00:00.000001	f	-22500000000	xyz
3	\N	\N	\N	\N	\N	\N	\N
4	ünïcode	1234567.89	2000-01-01	2000-01-01 00:00:00	t	0.1	é'

start_target() {
    case "$TARGET" in
    fake)
        local s=${PGTEST_SERVER:-$BUILD/tests/pgtest_server}
        [ -x "$s" ] || skip "no pgtest_server at $s"
        "$s" --port 0 "$@" >"$WORK/server.out" 2>"$WORK/server.log" &
        SERVER_PID=$!
        PGPORT=$(wait_ready "$WORK/server.out" "pgtest_server ready on port") ||
            skip "pgtest_server did not start: $(tail -3 "$WORK/server.log")"
        PGUSER=tester
        PGDATABASE=db
        ;;
    kestreld)
        local d=${KESTRELD:-$BUILD/kestreld}
        [ -x "$d" ] || skip "no kestreld at $d"
        "$d" --local 1 --data "$WORK/kdata" --port 0 --no-fsync >"$WORK/server.out" 2>"$WORK/server.log" &
        SERVER_PID=$!
        PGPORT=$(wait_ready "$WORK/server.out" "kestreld ready on port") ||
            skip "kestreld did not start: $(tail -3 "$WORK/server.log")"
        PGUSER=kestrel
        PGDATABASE=kestrel
        ;;
    coordinator)
        local d=${KESTRELD:-$BUILD/kestreld}
        [ -x "$d" ] || skip "no kestreld at $d"
        local procs=$HERE/../cluster/cluster_procs.sh
        [ -f "$procs" ] || skip "no $procs"
        tmp=$WORK
        . "$procs"
        cluster_start "$(dirname "$d")" 2 >"$WORK/cluster.out" 2>&1 ||
            skip "the cluster did not start: $(tail -5 "$WORK/cluster.out")"
        PGPORT=$port
        PGUSER=kestrel
        PGDATABASE=kestrel
        ;;
    external)
        [ -n "${PGPORT:-}" ] || skip "KESTREL_E2E_TARGET=external needs PGHOST/PGPORT"
        ;;
    *) skip "unknown KESTREL_E2E_TARGET=$TARGET (fake, kestreld, coordinator or external)" ;;
    esac
    export PGHOST=${PGHOST:-127.0.0.1} PGPORT PGUSER=${PGUSER:-kestrel} PGDATABASE=${PGDATABASE:-kestrel}
    if [ "$TARGET" != fake ]; then
        psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>"$WORK/setup.err" <<EOF || skip "cannot create table t: $(cat "$WORK/setup.err")"
DROP TABLE IF EXISTS t;
CREATE TABLE t (id int, name varchar(20), price numeric(10,2), d date, ts timestamp,
                flag boolean, score double precision, code char(3));
COPY t FROM STDIN;
$T_ROWS
\.
EOF
    fi
}

# start_kestreld_tpch: kestreld --local 2 (KESTRELD) with TPC-H SF 0.01 from
# ../shared (KESTREL_SHARED, sets $shared) loaded by kestrel-tpch
# (KESTREL_TPCH); exports PGHOST, PGPORT, PGUSER, PGDATABASE. Skips when a
# binary or the data is missing; a failed load is a failure.
start_kestreld_tpch() {
    shared=${KESTREL_SHARED:-$HERE/../../../../shared}
    local tpch=${KESTREL_TPCH:-$BUILD/kestrel-tpch}
    [ -x "$tpch" ] || skip "no kestrel-tpch at $tpch"
    [ -d "$shared/tpch/sf0.01" ] || skip "no TPC-H data in $shared/tpch"
    TARGET=kestreld
    local d=${KESTRELD:-$BUILD/kestreld}
    [ -x "$d" ] || skip "no kestreld at $d"
    "$d" --local 2 --data "$WORK/kdata" --port 0 --no-fsync >"$WORK/server.out" 2>"$WORK/server.log" &
    SERVER_PID=$!
    PGPORT=$(wait_ready "$WORK/server.out" "kestreld ready on port") || skip "kestreld did not start"
    export PGHOST=127.0.0.1 PGPORT PGUSER=kestrel PGDATABASE=kestrel
    mkdir -p "$WORK/data"
    for f in "$shared"/tpch/sf0.01/*.tbl.zst; do zstd -dqf "$f" -o "$WORK/data/$(basename "$f" .zst)"; done
    "$tpch" load --sf 0.01 --dir "$WORK/data" -p "$PGPORT" >"$WORK/load.log" 2>&1 ||
        { fail "kestrel-tpch load: $(tail -3 "$WORK/load.log")"; finish; }
}

# pgbench_modes SCRIPT SECONDS [show]: pgbench -n -f SCRIPT -c 16 -j 2 -T
# SECONDS in the simple and the prepared protocol; every transaction must
# succeed and some must run (with `show`, a run that did nothing prints
# pgbench's output in its failure).
pgbench_modes() {
    local script=$1 secs=$2 show=${3:-} mode out n
    for mode in simple prepared; do
        out=$(pgbench -n -f "$script" -c 16 -j 2 -T "$secs" -M $mode 2>&1)
        echo "$out" | grep -E '^(number of|tps|latency)' | sed "s/^/  [$mode] /"
        expect_match "pgbench -M $mode: no failed transactions" "$out" '^number of failed transactions: 0 '
        n=$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
        [ "${n:-0}" -gt 0 ] && pass "pgbench -M $mode: $n transactions" ||
            fail "pgbench -M $mode processed nothing${show:+: $out}"
    done
}

# Stop the server; for the fake target it must stop cleanly (exit 0).
stop_target() {
    if [ "$TARGET" = coordinator ] && [ -n "${cpid:-}" ]; then
        if cluster_stop_checked >"$WORK/cluster.stop" 2>&1; then pass "cluster stopped cleanly"
        else fail "cluster stop: $(tail -20 "$WORK/cluster.stop")"; fi
        return 0
    fi
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    local rc=0
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=
    if [ "$TARGET" = fake ]; then
        if [ $rc -eq 0 ]; then pass "server stopped cleanly, no sessions left open"
        else fail "server stop exit status $rc: $(tail -2 "$WORK/server.log")"; fi
    fi
}

finish() {
    stop_target
    echo "$((CHECKS - FAILS)) passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
    exit $?
}
