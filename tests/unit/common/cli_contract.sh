#!/usr/bin/env bash
# cli_contract.sh EXE — the command-line contract every Kestrel executable
# keeps (README "Command-line contract"): `EXE --help` prints a usage text on
# stdout and exits 0; an unknown option exits non-zero with a message on
# stderr that names the option. Registered with ctest by
# tests/unit/common/CMakeLists.txt for each executable the build has.
exe=$1
name=$(basename "$exe")
out=$("$exe" --help </dev/null 2>/dev/null)
rc=$?
if [ $rc -ne 0 ]; then echo "FAIL: $name --help exited $rc"; exit 1; fi
if ! printf '%s' "$out" | grep -qi "usage"; then
    echo "FAIL: $name --help printed no usage text:"; printf '%s\n' "$out" | head -5; exit 1
fi
err=$("$exe" --no-such-option-xyz </dev/null 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 0 ]; then echo "FAIL: $name --no-such-option-xyz exited 0"; exit 1; fi
if ! printf '%s' "$err" | grep -q "no-such-option-xyz"; then
    echo "FAIL: $name's message for an unknown option does not name it:"; printf '%s\n' "$err" | head -5; exit 1
fi
echo "ok: $name --help exits 0; an unknown option exits $rc with: $(printf '%s' "$err" | head -1)"
