#!/usr/bin/env bash
# tty.sh — the shell in a real terminal (tmux send-keys / capture-pane):
# a multi-line query, a syntax error with its caret, Ctrl-C cancelling a
# long query, the progress line of a query over one second, \d TABLE,
# automatic expanded mode on a wide row, tab completion of a table name,
# Ctrl-C at the prompt, history, a server that goes away (and the
# reconnect on the next statement), Ctrl-D.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
cd "$HERE"
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed (run setup.sh)"
start_server
$K -q -f sql/fixture.sql >"$WORK/fixture.out" 2>&1 || { cat "$WORK/fixture.out"; fail "fixture"; finish; }
[ "$SERVER" = kestreld ] && make_long_table

TMUX_SOCK=kestrel-e2e-$$
T="tmux -L $TMUX_SOCK"
$T -f /dev/null new-session -d -s sh -x 100 -y 40 \
    "env LANG=C.UTF-8 TERM=xterm $K; echo SHELL-EXITED \$?; sleep 30"
screen() { $T capture-pane -t sh -p -S -200; }
# type text literally, then Enter (a trailing ';' must be escaped for tmux)
typeln() {
    local t="$1"
    if [ "${t: -1}" = ";" ]; then t="${t%;}\\;"; fi
    $T send-keys -t sh -l -- "$t"
    $T send-keys -t sh Enter
}
# wait until the screen matches an extended regexp (default 10 s)
wait_for() {
    local pat="$1" limit=${2:-10} i
    for i in $(seq 1 $((limit * 10))); do
        screen | grep -Eq -- "$pat" && return 0
        sleep 0.1
    done
    return 1
}
# clear the screen and the scrollback; the shell handles C-l on its own
# time, so wait until only the prompt is left before dropping the history
clear_screen() {
    $T send-keys -t sh C-l
    for _ in $(seq 1 50); do
        [ "$($T capture-pane -t sh -p | grep -c .)" -le 1 ] && break
        sleep 0.1
    done
    $T clear-history -t sh
}
expect_screen() { # description, pattern, [timeout]
    check
    if wait_for "$2" "${3:-10}"; then pass "$1"; else fail "$1 (no /$2/ on screen)"; screen | tail -25; fi
}

expect_screen "prompt" "=> ?$"

# a multi-line statement with the continuation prompt
typeln "select a,"
typeln "  b"
typeln "from shell_t order by a;"
expect_screen "continuation prompt" "^[a-z]+-> +b$"
expect_screen "multi-line result" "\(3 rows\)"
expect_screen "timing on by default" "^Time: [0-9.]+ ms"

# a syntax error with its caret under the offending word
clear_screen
typeln "select * frm shell_t;"
expect_screen "syntax error" "ERROR:  syntax error at or near \"frm\""
check
if screen | grep -A1 "^LINE 1: select \* frm shell_t$" | tail -1 | grep -Eq "^ {17}\^$"; then
    pass "caret under frm"
else
    fail "caret"; screen | tail -8
fi

# \d TABLE
clear_screen
typeln '\d shell_t'
expect_screen "\\d title" "Table \"[a-z_]+\\.shell_t\""
expect_screen "\\d column, type, not null" "^ a +\| integer +\| not null"
expect_screen "\\d varchar type" "^ b +\| character varying\(20\)"

# automatic expanded display for a row wider than the terminal
clear_screen
typeln "select * from shell_wide_table;"
expect_screen "auto expanded" "^-\[ RECORD 1 \]-+"
expect_screen "expanded field" "^another_long_column_name \| and some more text"

# tab completion of a table name
clear_screen
$T send-keys -t sh -l -- "select count(*) from shell_wi"
$T send-keys -t sh Tab
expect_screen "tab completion" "from shell_wide_table ?$"
$T send-keys -t sh -l -- '\;'
$T send-keys -t sh Enter
expect_screen "completed query runs" "^ +1$"

# the progress line for a query longer than one second; it goes away
clear_screen
if [ "$SERVER" = postgres ]; then
    typeln "$(long_query 3);"
    expect_screen "progress line" "running [0-9]+\.[0-9] s" 3
    expect_screen "query finished" "\(1 row\)" 10
    check
    if screen | grep -q "running [0-9]"; then fail "progress line left on screen"; else pass "progress line cleared"; fi
else
    typeln "$(long_query);"
    expect_screen "progress line" "running [0-9]+\.[0-9] s" 3
    $T send-keys -t sh C-c
    expect_screen "cancelled" "canceling statement|cancel" 10
    check
    if screen | grep -q "running [0-9]"; then fail "progress line left on screen"; else pass "progress line cleared"; fi
fi

# The server-fed progress line: on PostgreSQL, views with Kestrel's
# documented columns stand in for kestrel_queries / kestrel_query_progress
# (rows grow with elapsed time: 1M rows/s of 4M, two workers).
if [ "$SERVER" = postgres ]; then
    $K -q >/dev/null 2>&1 <<'SQL'
create view kestrel_queries as
select 'q' || pid::text as query_id, pid, state,
       (extract(epoch from clock_timestamp() - query_start) * 1000)::bigint as elapsed_ms,
       (extract(epoch from clock_timestamp() - query_start) * 1000000)::bigint as rows_done,
       4000000::bigint as rows_estimated,
       (extract(epoch from clock_timestamp() - query_start) * 8000000)::bigint as bytes_done,
       32000000::bigint as bytes_estimated
from pg_stat_activity where state = 'active';
create view kestrel_query_progress as
select q.query_id, w.worker, q.rows_done / 2 as rows_done, q.rows_estimated / 2 as rows_estimated
from kestrel_queries q cross join (values (1), (2)) as w(worker);
SQL
    clear_screen
    typeln "$(long_query 3);"
    expect_screen "progress percent from the server" "running [0-9.]+ s +\[[^]]+\] +[0-9]+% +[0-9.]+M/4\.0M rows" 3
    expect_screen "progress rate and workers" "rows/s .* w1 [0-9]+% +w2 [0-9]+%" 3
    expect_screen "query finished" "\(1 row\)" 10
    check
    if screen | grep -q "running [0-9]"; then fail "progress line left on screen"; else pass "progress line cleared"; fi
    $K -q -c "drop view kestrel_query_progress" -c "drop view kestrel_queries" >/dev/null 2>&1
fi

# Ctrl-C cancels a long query (CancelRequest)
clear_screen
typeln "$(long_query 10);"
sleep 1.5
start=$(date +%s)
$T send-keys -t sh C-c
expect_screen "Ctrl-C cancels" "ERROR:  canceling statement due to user request" 5
check
[ $(( $(date +%s) - start )) -lt 5 ] && pass "cancel was quick" || fail "cancel took too long"

# Ctrl-C at the prompt forgets the line. Wait for the prompt and for the
# typed text to be echoed first: a Ctrl-C that reaches the shell while it
# is still finishing the cancelled query above is that query's, and the
# open quote would then swallow everything typed after it.
clear_screen
wait_for "=> ?$" 10
$T send-keys -t sh -l -- "select 'forgotten"
wait_for "select 'forgotten$" 10
$T send-keys -t sh C-c
wait_for "=> ?$" 10
sleep 0.3
typeln "select 'kept' as k;"
expect_screen "Ctrl-C clears the line" "^ kept$"

# the server goes away mid-query: a clear message, then a reconnect
clear_screen
typeln "$(long_query 20);"
sleep 1.5
stop_server_hard
expect_screen "connection lost message" "connection to the server was lost" 10
expect_screen "reconnect offered" "next statement will try to reconnect" 5
check; restart_server && pass "server restarted" || fail "server restart"
typeln "select 'back' as again;"
expect_screen "reconnected" "reconnecting\.\.\. succeeded" 10
expect_screen "statement after reconnect" "^ back$" 10

# Ctrl-D leaves; the history was saved
$T send-keys -t sh C-d
expect_screen "Ctrl-D exits" "SHELL-EXITED 0" 10
check
if grep -q "kept" "$KESTREL_HISTORY" 2>/dev/null; then pass "history saved"; else fail "history file"; fi
finish
