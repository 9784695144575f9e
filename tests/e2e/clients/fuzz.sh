#!/usr/bin/env bash
# fuzz.sh — runs fuzz.py (bad input) against the server; the server must
# survive it and, for the fake target, still stop cleanly. Target: lib.sh.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "no python3"
start_target
if timeout 240 python3 "$HERE/fuzz.py" "$PGPORT" "${FUZZ_ROUNDS:-300}"; then pass "fuzz"; else fail "fuzz"; fi
finish
