# lib.sh — shared helpers of the shell's end-to-end tests (sourced).
#
# start_server: starts the server chosen by KESTREL_TEST_SERVER
#   postgres  a throwaway PostgreSQL cluster in a temp dir (initdb, trust)
#   kestreld  $KESTREL_BUILD/kestreld --local 1 --data <tmp> --port <free>
# The default is kestreld; postgres shows the shell behaves like psql on
# the real thing.
# and sets PORT and K (the shell command line). A server that cannot be had
# makes the test exit 77 (ctest shows it as skipped), never a fake pass.
set -u
SERVER=${KESTREL_TEST_SERVER:-kestreld}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KESTREL=${KESTREL_BIN:-${KESTREL_BUILD:-$HERE/../../../build}/kestrel}
BUILD_DIR=$(dirname "$KESTREL")
WORK=$(mktemp -d /tmp/kestrel-shell-e2e.XXXXXX)
chmod 755 "$WORK"
export HOME=$WORK/home
mkdir -p "$HOME"
export KESTREL_HISTORY=$HOME/.kestrel_history
export PAGER=cat
SERVER_PID=
FAILS=0
CHECKS=0

skip() { echo "SKIP: $*"; cleanup; exit 77; }
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
check() { CHECKS=$((CHECKS + 1)); }

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
            echo $p
            return
        fi
    done
    echo 0
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_server() {
    [ -x "$KESTREL" ] || skip "no kestrel binary at $KESTREL"
    PORT=$(free_port)
    case "$SERVER" in
    postgres)
        local bin; bin=$(pg_bin)
        [ -n "$bin" ] && [ -x "$bin/initdb" ] || skip "PostgreSQL is not installed (run setup.sh)"
        if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || skip "no postgres user"; chown postgres "$WORK"; fi
        as_pg "$bin/initdb" -D "$WORK/pg" -A trust -U kestrel --no-sync >"$WORK/initdb.log" 2>&1 ||
            skip "initdb failed: $(tail -3 "$WORK/initdb.log")"
        as_pg "$bin/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 30 \
            -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1 ||
            skip "PostgreSQL did not start: $(tail -3 "$WORK/pg.log")"
        DBUSER=kestrel
        DBNAME=postgres
        ;;
    kestreld)
        local d=$BUILD_DIR/kestreld
        [ -x "$d" ] || skip "no kestreld at $d (set KESTREL_TEST_SERVER=postgres to test against PostgreSQL)"
        mkdir -p "$WORK/kdata"
        "$d" --local 1 --data "$WORK/kdata" --port "$PORT" >"$WORK/kestreld.log" 2>&1 &
        SERVER_PID=$!
        DBUSER=kestrel
        DBNAME=kestrel
        ;;
    *) skip "unknown KESTREL_TEST_SERVER=$SERVER (postgres or kestreld)" ;;
    esac
    K="$KESTREL -h 127.0.0.1 -p $PORT -U $DBUSER -d $DBNAME"
    local i
    for i in $(seq 1 150); do
        if $K -q -c 'select 1' >/dev/null 2>&1; then return 0; fi
        if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
            skip "kestreld exited: $(tail -3 "$WORK/kestreld.log")"
        fi
        sleep 0.2
    done
    skip "$SERVER does not answer queries on port $PORT"
}

stop_server_hard() {
    case "$SERVER" in
    postgres) as_pg "$(pg_bin)/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 ;;
    kestreld) [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID= ;;
    esac
}

restart_server() {
    case "$SERVER" in
    postgres)
        as_pg "$(pg_bin)/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w -t 30 \
            -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1 ;;
    kestreld)
        "$BUILD_DIR/kestreld" --local 1 --data "$WORK/kdata" --port "$PORT" >>"$WORK/kestreld.log" 2>&1 &
        SERVER_PID=$! ;;
    esac
    for _ in $(seq 1 150); do
        $K -q -c 'select 1' >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

cleanup() {
    if [ -n "${TMUX_SOCK:-}" ]; then tmux -L "$TMUX_SOCK" kill-server >/dev/null 2>&1; fi
    case "$SERVER" in
    postgres) [ -d "$WORK/pg" ] && as_pg "$(pg_bin)/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 ;;
    kestreld) [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null ;;
    esac
    rm -rf "$WORK"
}

# The long-running query used for cancel and progress tests: pg_sleep on
# PostgreSQL; on Kestrel a cross join over a generated table.
long_query() {
    case "$SERVER" in
    postgres) echo "select pg_sleep($1)" ;;
    kestreld) echo "select count(*) from shell_n a, shell_n b, shell_n c, shell_n d" ;;
    esac
}

make_long_table() {
    local vals i
    vals="(0)"
    for i in $(seq 1 199); do vals="$vals,($i)"; done
    $K -q -c "create table shell_n (x integer)" -c "insert into shell_n values $vals" >/dev/null
}

finish() {
    cleanup
    if [ "$FAILS" -gt 0 ]; then
        echo "$FAILS of $CHECKS checks failed"
        exit 1
    fi
    echo "all $CHECKS checks passed"
    exit 0
}
