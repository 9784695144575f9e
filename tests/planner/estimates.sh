#!/usr/bin/env bash
# estimates.sh — the 22 TPC-H queries' join estimates against EXPLAIN ANALYZE.
#
#   estimates.sh -b BUILD_DIR -p PORT [-h HOST] [options]
#       against a running kestreld that has the TPC-H tables loaded
#   estimates.sh -b BUILD_DIR --start TBL_DIR --sf SF [options]
#       starts its own `kestreld --local 2` (port 0, mktemp -d data folder),
#       loads TBL_DIR (*.tbl or *.tbl.zst) with kestrel-tpch load, runs, stops;
#       the server plans without runtime filters (KESTREL_RUNTIME_FILTERS=off,
#       unless set otherwise), so the actual rows are the plain join sizes —
#       start a -p server that way too for the same comparison
#
# options: --max-ratio R (default 10), --allow Q17#12,Q18 (exceptions),
#          --check (exit 1 when a join outside R is not allowed),
#          --queries 1,3,... , --keep DIR (keep the EXPLAIN ANALYZE texts)
#
# Prints every hash join / nested loop with its estimated rows, actual rows
# and ratio, then the worst ratio and the joins outside R (estimates.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../e2e/kestreld.sh"   # sets pid= port= (before the arguments are read)
build= port= host=127.0.0.1 start= sf= keep= pyargs=() queries=$(seq -s, 1 22)
while [ $# -gt 0 ]; do
    case "$1" in
    -b) build=$2; shift 2 ;;
    -p) port=$2; shift 2 ;;
    -h) host=$2; shift 2 ;;
    --start) start=$2; shift 2 ;;
    --sf) sf=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --queries) queries=$2; pyargs+=(--queries "$2"); shift 2 ;;
    --max-ratio|--allow) pyargs+=("$1" "$2"); shift 2 ;;
    --check) pyargs+=(--check); shift ;;
    *) echo "estimates.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$build" ] || { echo "estimates.sh: -b BUILD_DIR is required" >&2; exit 2; }
[ -n "$port" ] || [ -n "$start" ] || { echo "estimates.sh: -p PORT or --start TBL_DIR" >&2; exit 2; }

tmp=$(mktemp -d /tmp/kestrel-estimates.XXXXXX)
cleanup() { kestreld_stop; rm -rf "$tmp"; }
trap cleanup EXIT

if [ -n "$start" ]; then
    [ -n "$sf" ] || { echo "estimates.sh: --start needs --sf" >&2; exit 2; }
    mkdir -p "$tmp/data"
    for f in "$start"/*.tbl "$start"/*.tbl.zst; do
        [ -e "$f" ] || continue
        case "$f" in
        *.zst) zstd -dqf "$f" -o "$tmp/data/$(basename "$f" .zst)" || exit 2 ;;
        *) ln -sf "$f" "$tmp/data/$(basename "$f")" ;;
        esac
    done
    # plain join sizes: no runtime filters from joins above shrinking the inputs below
    KESTREL_RUNTIME_FILTERS=${KESTREL_RUNTIME_FILTERS:-off} kestreld_start "$build" 2 || exit 2
    "$build/kestrel-tpch" load --sf "$sf" --dir "$tmp/data" -p "$port" >"$tmp/load.log" 2>&1 || {
        echo "load failed:"; cat "$tmp/load.log"; tail -20 "$tmp/server.log"; exit 2; }
fi

out=${keep:-$tmp/plans}
mkdir -p "$out"
for q in ${queries//,/ }; do
    f=$(printf '%s/q%02d.txt' "$out" "$q")
    { printf 'EXPLAIN ANALYZE '; "$build/kestrel-tpch" queries --query "$q"; } >"$tmp/q.sql"
    psql -X -q -At -h "$host" -p "$port" -U kestrel -d kestrel -v ON_ERROR_STOP=1 \
        -f "$tmp/q.sql" >"$f" 2>&1 || { echo "Q$q failed:"; cat "$f"; }
done
python3 "$here/estimates.py" "$out" "${pyargs[@]}"
