#!/usr/bin/env bash
# fake-kestreld.sh — stands in for kestreld in the `kestrel --local` test
# when KESTREL_TEST_SERVER=postgres: takes kestreld's command line
# (--local N --data DIR --port P), keeps a PostgreSQL cluster in DIR/pg and
# serves it on 127.0.0.1:P until SIGTERM.
set -u
data= port=
while [ $# -gt 0 ]; do
    case "$1" in
    --data) data=$2; shift ;;
    --port) port=$2; shift ;;
    --local) shift ;;
    esac
    shift
done
[ -n "$data" ] && [ -n "$port" ] || { echo "fake-kestreld: need --data and --port" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -d "$data/pg" ]; then
    [ "$(id -u)" = 0 ] && chown postgres "$data"
    run "$bin/initdb" -D "$data/pg" -A trust -U kestrel --no-sync >/dev/null || exit 1
fi
opts="-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off"
# the trap comes first: kestrel may connect (and stop us) while pg_ctl
# start is still waiting
stop() { run "$bin/pg_ctl" -D "$data/pg" -m fast -w stop >/dev/null 2>&1; exit 0; }
trap stop TERM INT
run "$bin/pg_ctl" -D "$data/pg" -l "$data/pg.log" -w -t 30 -o "$opts" start >/dev/null || exit 1
# serve until told to stop (or until the cluster goes away)
while run "$bin/pg_ctl" -D "$data/pg" status >/dev/null 2>&1; do
    sleep 0.5 &
    wait $!
done
