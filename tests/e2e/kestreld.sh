# kestreld.sh — start and stop a throwaway `kestreld --local N` for the
# end-to-end scripts (sourced). Uses $tmp (a mktemp -d folder the caller
# owns) and sets $pid and $port.
#
#   kestreld_start BUILD_DIR NWORKERS   start it on a free port, wait until ready
#   kestreld_stop                       TERM, then KILL after 5 s
pid=
port=
kestreld_start() {
    "$1/kestreld" --local "$2" --data "$tmp/db" --port 0 --no-fsync >"$tmp/server.out" 2>"$tmp/server.log" &
    pid=$!
    for _ in $(seq 100); do
        port=$(sed -n 's/^kestreld ready on port \([0-9]*\)$/\1/p' "$tmp/server.out")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "kestreld did not start:"
    cat "$tmp/server.log"
    return 1
}
kestreld_stop() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
}
