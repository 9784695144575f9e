#!/usr/bin/env bash
# run.sh — the first command: install the missing packages, build Release
# into build/, and run the main job.
#
# Works from a fresh clone on Debian 12 as root. Environment: JOBS (default
# 2) build parallelism, SF (default 1) the TPC-H scale factor, WORKERS
# (default: the number of CPUs) for `kestreld --local`, DATA (default ./data)
# where generated data and the server's data directory live, PORT (default
# 5433, or any free port when 5433 is taken) for the server.
#
# The main job is the function main_job below: generate TPC-H (cached), start
# the embedded cluster (`kestreld --local`), load the data (cached in the
# server's data directory), then open the `kestrel` shell on it, or, when
# standard input is not a terminal, run the 22 queries, check them against
# the reference answers in ../shared and print a table of per-query times.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
root=$(pwd -P)
jobs=${JOBS:-2}
build=$root/build
sf=${SF:-1}
data=${DATA:-$root/data}
. "$root/.ci/deps.sh"

install_packages() {
    k_install_missing "${KESTREL_PACKAGES[@]}" || { echo "run.sh: package installation failed" >&2; exit 1; }
}

# Build Release; keep going past a failing target so the main job can use
# whatever did build. Returns non-zero when some target failed.
build_release() {
    k_reset_foreign_build "$build" "$root"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
        { echo "run.sh: configure failed" >&2; exit 1; }
    if ! cmake --build "$build" -j"$jobs" -- -k; then
        echo "run.sh: BUILD FAILED for some targets (errors above); running the main job with what was built" >&2
        return 1
    fi
}

# Rows dbgen produces for the scale-dependent tables at SF 1 (TPC-H 4.2.5).
declare -A SF1_ROWS=([lineitem]=6001215 [orders]=1500000 [partsupp]=800000 [part]=200000
                     [customer]=150000 [supplier]=10000 [nation]=25 [region]=5)

# Generate TPC-H at scale $sf into $data/tpch-sf$sf once; later runs reuse it.
generate_tpch() {
    local dir=$data/tpch-sf$sf
    if [ -f "$dir/.complete" ]; then
        echo "TPC-H SF $sf: using the cached data in $dir"
        return 0
    fi
    rm -rf "$dir" && mkdir -p "$dir" || return 1
    echo "TPC-H SF $sf: generating into $dir"
    local t0=$SECONDS
    "$build/kestrel-tpch" gen --sf "$sf" --out "$dir" --threads "$(nproc)" || {
        echo "run.sh: kestrel-tpch gen failed" >&2
        return 1
    }
    touch "$dir/.complete"
    echo "TPC-H SF $sf: generated in $((SECONDS - t0)) s"
}

# Row counts of the generated tables; at SF 1 they are checked against the
# numbers TPC publishes.
check_tpch() {
    local dir=$data/tpch-sf$sf t rows bad=0
    printf '%-10s %12s\n' table rows
    for t in region nation supplier customer part partsupp orders lineitem; do
        if [ ! -f "$dir/$t.tbl" ]; then
            printf '%-10s %12s\n' "$t" missing
            bad=1
            continue
        fi
        rows=$(wc -l <"$dir/$t.tbl")
        printf '%-10s %12s' "$t" "$rows"
        if [ "$sf" = 1 ]; then
            if [ "$rows" = "${SF1_ROWS[$t]}" ]; then printf '  ok\n'; else printf '  expected %s\n' "${SF1_ROWS[$t]}"; bad=1; fi
        else
            printf '\n'
        fi
    done
    return $bad
}

# The server this script started, so that it is stopped on exit.
server_pid=
server_port=
server_log=

stop_server() {
    [ -n "$server_pid" ] || return 0
    kill "$server_pid" 2>/dev/null
    local i
    for i in $(seq 1 100); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$server_pid" 2>/dev/null && kill -9 "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=
}

# Is something already listening on 127.0.0.1:$1?
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Start `kestreld --local` on its own data directory and wait until it says
# which port it listens on (5433 when free, else any free port, so a server
# someone else runs on this machine is never mistaken for ours).
start_server() {
    local workers=${WORKERS:-$(nproc)} want=${PORT:-5433} dir
    dir=$data/kestreld-w$workers
    mkdir -p "$dir" || return 1
    port_in_use "$want" && want=0
    server_log=$data/kestreld-w$workers.log
    "$build/kestreld" --local "$workers" --data "$dir" --port "$want" >"$server_log" 2>&1 </dev/null &
    server_pid=$!
    trap stop_server EXIT
    local i
    for i in $(seq 1 600); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "run.sh: kestreld stopped while starting:" >&2
            tail -5 "$server_log" >&2
            server_pid=
            return 1
        fi
        server_port=$(sed -n 's/^kestreld ready on port \([0-9]*\).*/\1/p' "$server_log" | head -1)
        [ -n "$server_port" ] && break
        sleep 0.1
    done
    if [ -z "$server_port" ]; then
        echo "run.sh: kestreld did not become ready within 60 s (log: $server_log)" >&2
        return 1
    fi
    echo "kestreld --local $workers: data in $dir, listening on 127.0.0.1:$server_port (log: $server_log)"
}

# Load TPC-H into the server unless its data directory already holds this
# scale factor (a marker written after a complete load, confirmed by the
# lineitem row count).
load_tpch() {
    local dir=$data/tpch-sf$sf marker=$data/kestreld-w${WORKERS:-$(nproc)}/.tpch-sf$sf
    if [ -f "$marker" ]; then
        local have want
        want=$(wc -l <"$dir/lineitem.tbl")
        have=$("$build/kestrel" -h 127.0.0.1 -p "$server_port" -q -A -t -c "select count(*) from lineitem" 2>/dev/null)
        if [ "$have" = "$want" ]; then
            echo "TPC-H SF $sf: already loaded ($have lineitem rows)"
            return 0
        fi
        echo "TPC-H SF $sf: the loaded data does not match (lineitem: ${have:-?} rows, want $want); loading again"
        rm -f "$marker"
    fi
    local t0=$SECONDS
    "$build/kestrel-tpch" load --sf "$sf" --dir "$dir" -h 127.0.0.1 -p "$server_port" || {
        echo "run.sh: kestrel-tpch load failed" >&2
        return 1
    }
    touch "$marker"
    echo "TPC-H SF $sf: loaded in $((SECONDS - t0)) s"
}

main_job() {
    echo "== Kestrel main job: TPC-H SF $sf"
    local exe
    for exe in kestreld kestrel kestrel-tpch; do
        if [ ! -x "$build/$exe" ]; then
            echo "run.sh: build/$exe was not built, so the main job cannot run" >&2
            return 1
        fi
    done
    generate_tpch || return 1
    check_tpch || { echo "run.sh: the generated data does not match the expected row counts" >&2; return 1; }
    start_server || return 1
    load_tpch || return 1
    local rc=0
    if [ -t 0 ]; then
        echo "Opening the shell (\\q or Ctrl-D to quit; the server stops with it)."
        "$build/kestrel" -h 127.0.0.1 -p "$server_port" || rc=$?
    else
        local answers=${KESTREL_SHARED:-$root/../shared}/tpch/answers-sf$sf
        local check=()
        if [ -d "$answers" ]; then
            check=(--answers "$answers")
        else
            echo "(no reference answers for SF $sf in $answers: results are not checked)"
        fi
        echo "Running the 22 TPC-H queries"
        "$build/kestrel-tpch" run "${check[@]}" -h 127.0.0.1 -p "$server_port" </dev/null || rc=$?
    fi
    stop_server
    return $rc
}

install_packages
built=0
build_release || built=1
main_job
rc=$?
[ "$rc" = 0 ] && rc=$built
exit "$rc"
