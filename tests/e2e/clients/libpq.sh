#!/usr/bin/env bash
# libpq.sh — runs the libpq client program (libpq_test.c: PQexecParams with
# binary results, PQsetSingleRowMode, prepared statements, pipeline mode)
# against the server. Usage: libpq.sh PATH_TO_libpq_test. Target: lib.sh.
. "$(dirname "$0")/lib.sh"
prog=${1:-$BUILD/tests/libpq_test}
[ -x "$prog" ] || skip "no libpq_test at $prog"
start_target
if "$prog" "$TARGET"; then pass "libpq program"; else fail "libpq program"; fi
finish
