#!/usr/bin/env bash
# batch.sh — the shell without a terminal: -c, -f, a pipe, output formats
# compared with expected/ files, exit statuses, \copy, binary garbage on
# stdin, and a server that goes away during a script.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
cd "$HERE"
start_server
$K -q -f sql/fixture.sql >"$WORK/fixture.out" 2>&1 || { cat "$WORK/fixture.out"; fail "fixture"; finish; }

expect_file() { # name, actual file; KESTREL_E2E_BLESS=1 rewrites expected/
    check
    if [ "${KESTREL_E2E_BLESS:-}" = 1 ]; then cp "$2" "expected/$1"; fi
    if diff -u "expected/$1" "$2" >"$WORK/diff" 2>&1; then pass "$1"; else fail "$1"; cat "$WORK/diff"; fi
}
SEL="select a, b, c from shell_t order by a"

$K -c "$SEL" >"$WORK/o" 2>&1;              expect_file select.out "$WORK/o"
$K --csv -c "$SEL" >"$WORK/o" 2>&1;        expect_file select.csv "$WORK/o"
$K --json -c "$SEL" >"$WORK/o" 2>&1;       expect_file select.json "$WORK/o"
$K -A -F ';' -t -c "$SEL" >"$WORK/o" 2>&1; expect_file select.unaligned "$WORK/o"
$K -c "select 1 as x" -c "$SEL limit 1" >"$WORK/o" 2>&1; expect_file two_commands.out "$WORK/o"

$K -f sql/script.sql >"$WORK/o" 2>&1; rc=$?
expect_file script.out "$WORK/o"
check; [ $rc = 0 ] && pass "-f exit 0" || fail "-f exit $rc"
$K <sql/script.sql >"$WORK/o" 2>&1; rc=$?
expect_file script.out "$WORK/o"
check; [ $rc = 0 ] && pass "pipe exit 0" || fail "pipe exit $rc"

# an error stops a script: exit 3, the caret, the file:line prefix
$K -f sql/error.sql >"$WORK/o" 2>"$WORK/e"; rc=$?
check; [ $rc = 3 ] && pass "error exit 3" || fail "error exit $rc"
expect_file error.out "$WORK/o"
expect_file error.err "$WORK/e"
$K -v ON_ERROR_STOP=0 -f sql/error.sql >"$WORK/o" 2>/dev/null; rc=$?
check; [ $rc = 3 ] && grep -q "two" "$WORK/o" && pass "ON_ERROR_STOP=0 goes on" || fail "ON_ERROR_STOP=0 (rc $rc)"
$K -v VERBOSITY=verbose -c "select 1/0" >/dev/null 2>"$WORK/e"
check; grep -q "^ERROR:  22012: division by zero" "$WORK/e" && pass "VERBOSITY verbose shows SQLSTATE" || { fail "verbose"; cat "$WORK/e"; }

# options and connection failures
$KESTREL --help >"$WORK/o" 2>&1; rc=$?
check; [ $rc = 0 ] && grep -q -- "--csv" "$WORK/o" && grep -q -- "--local" "$WORK/o" && pass "--help" || fail "--help rc $rc"
$KESTREL --no-such-option >"$WORK/o" 2>&1; rc=$?
check; [ $rc = 1 ] && grep -q "unrecognized option '--no-such-option'" "$WORK/o" && pass "unknown option" || fail "unknown option rc $rc"
$KESTREL -h 127.0.0.1 -p "$(free_port)" -c "select 1" >"$WORK/o" 2>&1; rc=$?
check; [ $rc = 2 ] && grep -q "kestrel: error:" "$WORK/o" && pass "refused connection exit 2" || fail "refused rc $rc"

# \copy in: a client file loaded through COPY ... FROM STDIN
printf '1,one,1.50\n2,"two, quoted",\n3,,-0.25\n' >"$WORK/in.csv"
$K -q -c "create table shell_copy (a integer not null, b varchar(20), c decimal(10,2))" >/dev/null 2>&1
$K -c "\\copy shell_copy from '$WORK/in.csv' with (format csv)" >"$WORK/o" 2>&1
$K --csv -c "select a, b, c from shell_copy order by a" >>"$WORK/o" 2>&1
expect_file copy_in.out "$WORK/o"
# \copy out: COPY ... TO STDOUT into a client file
$K -c "\\copy (select a, b, c from shell_t order by a) to '$WORK/out.csv' with (format csv)" >"$WORK/o" 2>&1
if grep -q "not supported" "$WORK/o"; then
    echo "SKIP (server): \\copy to: $(head -1 "$WORK/o")"
else
    cat "$WORK/out.csv" >>"$WORK/o"
    expect_file copy_out.out "$WORK/o"
fi

# COPY ... FROM STDIN inside a piped script takes the lines up to \.
printf 'create table shell_cp (a integer, b varchar(10));\ncopy shell_cp from stdin;\n1\tone\n2\ttwo\n\\.\nselect a, b from shell_cp order by a;\n' |
    $K >"$WORK/o" 2>"$WORK/e"
expect_file copy_stdin.out "$WORK/o"

# --local starts an embedded server for the session and stops it at exit
if [ "$SERVER" = postgres ]; then
    LOCAL="$KESTREL --local --data $WORK/local --kestreld $HERE/fake-kestreld.sh -U kestrel -d postgres"
else
    LOCAL="$KESTREL --local --data $WORK/local"
fi
$LOCAL -c "select 40 + 2 as answer" >"$WORK/o" 2>&1; rc=$?
check; [ $rc = 0 ] && grep -q "^     42$" "$WORK/o" && pass "--local runs a query" || { fail "--local (rc $rc)"; cat "$WORK/o"; }
sleep 0.5
check
if pgrep -f -- "$WORK/local" >/dev/null; then fail "--local left its server running"; else pass "--local stopped its server"; fi
# ... also when the shell itself is stopped with SIGTERM
sleep 30 | $LOCAL >/dev/null 2>&1 &
# wait for the server the shell started (its command line has --data DIR --port P)
for _ in $(seq 1 100); do pgrep -f -- "--data $WORK/local --port" >/dev/null && break; sleep 0.1; done
sleep 1
kpid=$(pgrep -f -- "--local --data $WORK/local" | head -1)
[ -n "$kpid" ] && kill -TERM "$kpid"
for _ in $(seq 1 50); do pgrep -f -- "$WORK/local" >/dev/null || break; sleep 0.2; done
check
if [ -n "$kpid" ] && ! pgrep -f -- "$WORK/local" >/dev/null; then pass "SIGTERM to the shell stops its --local server"; else fail "--local server left after SIGTERM (shell pid '$kpid')"; fi
$KESTREL --local --data "$WORK/local2" --kestreld /nonexistent/kestreld -c "select 1" >"$WORK/o" 2>&1; rc=$?
check; [ $rc = 2 ] && grep -q "cannot start the embedded server" "$WORK/o" && pass "--local without kestreld" || fail "--local missing binary (rc $rc)"

# binary garbage on stdin: errors, never a crash
RANDOM=7
: >"$WORK/garbage"
for i in $(seq 1 300); do
    printf "\\x$(printf %02x $((RANDOM % 256)))\\x$(printf %02x $((RANDOM % 256)))\\x$(printf %02x $((RANDOM % 256)))\\x$(printf %02x $((RANDOM % 256)))';\\n" >>"$WORK/garbage"
done
printf '\0select 1;\n\xff\xfe;\n$$ unterminated' >>"$WORK/garbage"
$K -v ON_ERROR_STOP=0 <"$WORK/garbage" >"$WORK/o" 2>&1; rc=$?
check; { [ $rc = 0 ] || [ $rc = 3 ]; } && pass "garbage on stdin (exit $rc)" || fail "garbage on stdin crashed (exit $rc)"
$K -q -c "select 'still alive' as s" >"$WORK/o" 2>&1
check; grep -q "still alive" "$WORK/o" && pass "server fine after garbage" || fail "server after garbage"

# the server goes away during a script: a clear message, exit 2
[ "$SERVER" = kestreld ] && make_long_table
$K -c "$(long_query 20)" >"$WORK/o" 2>"$WORK/e" &
spid=$!
sleep 1.5
stop_server_hard
wait $spid; rc=$?
check; [ $rc = 2 ] && grep -q "connection to the server was lost" "$WORK/e" && pass "server gone: exit 2" || { fail "server gone (rc $rc)"; cat "$WORK/e"; }
finish
