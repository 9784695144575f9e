#!/usr/bin/env bash
# corpora.sh [BUILD_DIR] — run SQLite's sqllogictest corpora select1..5
# (../shared/sqllogictest) as the engine "postgresql" and print the pass
# counts. BUILD_DIR defaults to build/ (a Release build is much faster than
# the Sanitize one). Failures not listed in known_failures.txt fail the run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
shared=${KESTREL_SHARED:-$root/../shared}
runner=$build/tests/slt_runner
[ -x "$runner" ] || { echo "corpora.sh: $runner not found (build with -DKESTREL_TESTS=ON)" >&2; exit 1; }
rc=0
for f in select1 select2 select3 select4 select5; do
    start=$SECONDS
    line=$("$runner" --known "$here/known_failures.txt" "$shared/sqllogictest/$f.test" | tail -n 1)
    [ "${PIPESTATUS[0]}" = 0 ] || rc=1
    printf '%-8s %s (%d s)\n' "$f" "$line" $((SECONDS - start))
done
exit $rc
