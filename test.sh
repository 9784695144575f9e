#!/usr/bin/env bash
# test.sh — install what the tests need, build the sanitizer build
# (ASan + UBSan) in build-sanitize/ and run the whole suite with ctest.
#
# Works from a fresh clone on Debian 12 as root, with the shared material
# (TPC-H data and answers, sqllogictest corpora) in ../shared. The exit
# status is ctest's; the last line printed is ctest's summary line.
# Environment: JOBS (default 2) for build and test parallelism, CC to pick
# the compiler, KESTREL_SHARED to point at the shared folder elsewhere.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
root=$(pwd -P)
jobs=${JOBS:-2}
build=$root/build-sanitize
. "$root/.ci/deps.sh"

# 1. Packages, then each module's optional end-to-end set-up script.
k_install_missing "${KESTREL_PACKAGES[@]}" || { echo "test.sh: package installation failed" >&2; exit 1; }
for setup in "$root"/tests/e2e/*/setup.sh; do
    [ -f "$setup" ] || continue
    echo "test.sh: running ${setup#"$root"/}"
    bash "$setup" </dev/null || echo "test.sh: warning: ${setup#"$root"/} failed; its tests may fail or skip" >&2
done

shared=${KESTREL_SHARED:-$root/../shared}
if [ ! -d "$shared" ]; then
    echo "test.sh: warning: shared material not found at $shared; tests that need it will fail" >&2
fi

# 2. LeakSanitizer needs to stop the process's threads with ptrace; some
# containers forbid that and LSan then dies with a fatal error. Probe it with
# a tiny program: keep leak detection on when it works, and say so loudly
# when it cannot run here.
probe=$(mktemp -d)
printf '#include <stdlib.h>\nint main(void){ void *volatile p = malloc(7); p = 0; return 0; }\n' >"$probe/leak.c"
leaks=1
if "${CC:-cc}" -fsanitize=address -g "$probe/leak.c" -o "$probe/leak" 2>"$probe/cc.log"; then
    ASAN_OPTIONS=detect_leaks=1 "$probe/leak" >"$probe/run.log" 2>&1
    if ! grep -q "detected memory leaks" "$probe/run.log"; then
        leaks=0
        echo "test.sh: WARNING: LeakSanitizer cannot run here (ptrace restricted?); leak checks are OFF" >&2
        sed -n '1,5p' "$probe/run.log" >&2
    fi
else
    echo "test.sh: the compiler cannot build with -fsanitize=address:" >&2
    cat "$probe/cc.log" >&2
    rm -rf "$probe"
    exit 1
fi
rm -rf "$probe"
export ASAN_OPTIONS="detect_leaks=$leaks${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# 3. Configure and build the Sanitize build.
k_reset_foreign_build "$build" "$root"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Sanitize -DKESTREL_SHARED_DIR="$shared" ||
    { echo "test.sh: configure failed" >&2; exit 1; }
# Keep going past a target that fails, so every test that can be built
# still runs; the failed build then fails the run.
built=1
cmake --build "$build" -j"$jobs" -- -k || built=0
[ "$built" = 1 ] || echo "test.sh: BUILD FAILED (errors above); running the tests that were built" >&2

# 4. Run everything but the long sqllogictest corpora (label corpus: run
# them with tests/sql/corpora.sh); repeat ctest's summary line last.
log=$(mktemp)
(cd "$build" && ctest --output-on-failure -j"$jobs" -LE corpus </dev/null) 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -1)
rm -f "$log"
[ "$built" = 1 ] || { echo "test.sh: the build failed"; [ "$rc" != 0 ] || rc=1; }

# 5. The parser's libFuzzer target needs clang: a small separate build of
# the parser alone, fuzzed for 60 s on the query files (label fuzz).
if k_install_missing clang libclang-rt-14-dev >/dev/null; then
    fuzz=$root/build-fuzz
    k_reset_foreign_build "$fuzz" "$root"
    if cmake -S "$root" -B "$fuzz" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DKESTREL_FUZZ=ON \
            -DKESTREL_MODULES="common;parser" -DKESTREL_SHARED_DIR="$shared" >/dev/null &&
        cmake --build "$fuzz" -j"$jobs" --target fuzz_parser >/dev/null; then
        (cd "$fuzz" && ctest --output-on-failure -L fuzz </dev/null) || { echo "test.sh: the parser fuzzer failed"; rc=1; }
    else
        echo "test.sh: the fuzz build failed"
        rc=1
    fi
else
    echo "test.sh: clang could not be installed; the parser fuzzer did not run"
    rc=1
fi
echo "${summary:-ctest printed no summary (exit status $rc)}"
exit "$rc"
