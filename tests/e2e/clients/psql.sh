#!/usr/bin/env bash
# psql.sh — psql 15 against the server: connects, queries with exact output,
# several statements in one -c, errors with SQLSTATE and `LINE 1: … ^`,
# \timing, \copy … from and \copy … to, SET/SHOW, transactions, Ctrl-C
# (SIGINT → CancelRequest) cancelling a running query (pg_sleep on the fake
# engine, a large cross join on kestreld); against kestreld also \dt, \d,
# \l, \dt with a pattern, \d TABLE, \du and \df (compared with PostgreSQL 15's
# output), arrays and the scalar-subquery row check. Target: see lib.sh.
. "$(dirname "$0")/lib.sh"
command -v psql >/dev/null || skip "psql is not installed (run tests/e2e/clients/setup.sh)"
start_target

P="psql -X -v VERBOSITY=default"

# (the fake engine knows this statement; a distributed table is read in
# ORDER BY id for the same row order)
q="SELECT * FROM t"
[ "$TARGET" = fake ] || q="$q ORDER BY id"
out=$($P -A -F'|' -c "$q" 2>&1)
expect_eq "select * from t" "$out" "id|name|price|d|ts|flag|score|code
1|alpha|12.50|2024-01-15|2024-01-15 10:30:00|t|1.5|ab 
2|beta|-0.01|1999-12-31|1970-01-01 00:00:00.000001|f|-22500000000|xyz
3|||||||
4|ünïcode|1234567.89|2000-01-01|2000-01-01 00:00:00|t|0.1|é  
(4 rows)"

out=$($P -At -c "select 1; select 'two'" 2>&1)
expect_eq "two statements in one query string" "$out" "1
two"

out=$($P -c "SELECT * FROM nosuch" 2>&1)
expect_eq "error with position and caret" "$out" 'ERROR:  relation "nosuch" does not exist
LINE 1: SELECT * FROM nosuch
                      ^'

out=$($P -v VERBOSITY=verbose -c "select 'é' from nosuch" 2>&1)
expect_match "SQLSTATE reaches psql" "$out" '^ERROR:  42P01: relation "nosuch" does not exist'
expect_match "caret counts characters, not bytes" "$out" "^ {24}\^$"

$P -q -c "select 1" >/dev/null 2>&1 && pass "exit status 0 on success" || fail "exit status on success"
$P -q -v ON_ERROR_STOP=1 -c "select 1/0" >/dev/null 2>&1
rc=$?
[ $rc -eq 1 ] && pass "exit status 1 on error" || fail "exit status on error: $rc"

out=$($P -c '\timing on' -c "select 1" 2>&1)
expect_match "\\timing" "$out" '^Time: [0-9.]+ ms'

# \copy from a file (text and CSV) and back out
printf '10\tten\t1.00\t2020-02-02\t2020-02-02 02:02:02\tt\t2.5\tq\n11\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n' >"$WORK/in.tsv"
printf '12,"x,y",3.50,2021-01-01,2021-01-01 00:00:00,f,1000,z\n' >"$WORK/in.csv"
out=$($P -c "\\copy t from '$WORK/in.tsv'" 2>&1)
expect_eq "\\copy from (text)" "$out" "COPY 2"
out=$($P -c "\\copy t from '$WORK/in.csv' with csv" 2>&1)
expect_eq "\\copy from (csv)" "$out" "COPY 1"
out=$($P -c "\\copy t to '$WORK/out.tsv'" 2>&1)
expect_eq "\\copy to" "$out" "COPY 7"
# a distributed table has no row order: compare sorted
expect_eq "\\copy to file contents" "$(grep -E '^[1-4]	' "$WORK/out.tsv" | sort)" "$(echo "$T_ROWS" | sort)"
expect_eq "\\copy round trip of the loaded rows" "$(grep -E '^1[01]	' "$WORK/out.tsv" | sort)" "$(sort "$WORK/in.tsv")"
printf '13\tbad\tnot-a-number\t2020-01-01\t2020-01-01 00:00:00\tt\t1\ta\n' >"$WORK/bad.tsv"
out=$($P -c "\\copy t from '$WORK/bad.tsv'" 2>&1)
expect_match "\\copy of a bad row fails with its error" "$out" '^ERROR:  invalid input syntax'
out=$($P -At -c "select * from t" 2>&1 | wc -l)
expect_eq "a failed load leaves nothing behind" "$out" "7"

out=$($P -At -c "set application_name = 'e2e'" -c "show application_name" 2>&1)
expect_eq "SET/SHOW" "$out" "SET
e2e"

out=$($P -At 2>&1 <<'EOF'
begin;
select 1/0;
select 1;
rollback;
select 'after';
EOF
)
expect_match "failed transaction block" "$out" 'current transaction is aborted'
expect_match "rollback ends it" "$out" '^after$'

# Ctrl-C: psql sends a CancelRequest on SIGINT. The query runs far longer
# than the test (pg_sleep(30) on the fake engine; on kestreld a cross join
# of 3000^3 rows), so only a cancel ends it within the timeout.
if [ "$TARGET" = fake ]; then
    slow="select pg_sleep(30)"
else
    seq 1 3000 | $P -q -c "create table big (x int)" -c "\\copy big from stdin" >/dev/null 2>&1
    slow="select count(*) from big a, big b, big c where a.x + b.x + c.x < 0"
fi
start=$(date +%s%N)
timeout 60 $P -c "$slow" >"$WORK/cancel.out" 2>&1 &
ppid=$!
sleep 1.5
kill -INT $ppid
wait $ppid
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_match "Ctrl-C cancels the running query" "$(cat "$WORK/cancel.out")" \
    '^ERROR:  canceling statement due to user request'
[ $ms -lt 6000 ] && pass "cancel took ${ms} ms" || fail "cancel took ${ms} ms"
out=$($P -At -c "select 'still serving'" 2>&1)
expect_eq "the server serves after a cancel" "$out" "still serving"

if [ "$TARGET" != fake ]; then
    # catalog commands over the engine's catalogs (issue 9)
    out=$($P -c '\dt' 2>&1)
    expect_match "\\dt lists t" "$out" '^ public \| t +\| table \| kestrel$'
    expect_match "\\dt title" "$out" 'List of relations'
    out=$($P -c '\d' 2>&1)
    expect_match "\\d lists the tables" "$out" '^ public \| big +\| table \| kestrel$'
    out=$($P -c '\dt b*' 2>&1)
    expect_match "\\dt with a pattern" "$out" '^ public \| big +\| table'
    if echo "$out" | grep -q '| t  '; then fail "\\dt b* lists t"; else pass "\\dt b* leaves t out"; fi
    out=$($P -c '\dt nosuch' 2>&1)
    expect_eq "\\dt of no relation" "$out" "Did not find any relation named \"nosuch\"."
    out=$($P -c '\dt+ t' 2>&1)
    expect_match "\\dt+ (persistence, access method, size)" "$out" \
        '^ public \| t +\| table \| kestrel \| permanent +\| kestrel +\| [0-9]+ (bytes|kB) +\| *$'
    out=$($P -c '\dn' 2>&1)
    expect_match "\\dn" "$out" '^ public +\| kestrel$'
    out=$($P -c '\di' 2>&1)
    expect_eq "\\di (no indexes)" "$out" "Did not find any relations."
    out=$($P -c '\l' 2>&1)
    expect_match "\\l" "$out" 'List of databases'
    expect_match "\\l row" "$out" "^ $PGDATABASE +\| kestrel +\| UTF8 +\| C +\| C +\| +\| libc +\| *$"
    # \d TABLE: its column query has correlated scalar subqueries without an
    # aggregate, the footer queries arrays, ARRAY(correlated subquery) and a
    # correlated generate_series (issue 9); the output is PostgreSQL 15's for
    # the same table
    out=$($P -c '\d t' 2>&1)
    expect_eq "\\d t" "$out" '                           Table "public.t"
 Column |            Type             | Collation | Nullable | Default 
--------+-----------------------------+-----------+----------+---------
 id     | integer                     |           |          | 
 name   | character varying(20)       |           |          | 
 price  | numeric(10,2)               |           |          | 
 d      | date                        |           |          | 
 ts     | timestamp without time zone |           |          | 
 flag   | boolean                     |           |          | 
 score  | double precision            |           |          | 
 code   | character(3)                |           |          | '
    out=$($P -q -c 'create table dnn (k bigint not null, t text)' -c '\d dnn' 2>&1 | grep -v '^NOTICE')
    expect_eq "\\d of a NOT NULL column" "$out" '                Table "public.dnn"
 Column |  Type  | Collation | Nullable | Default 
--------+--------+-----------+----------+---------
 k      | bigint |           | not null | 
 t      | text   |           |          | '
    # \d+: storage and the TOAST options (correlated unnest); the access
    # method is Kestrel's own (PostgreSQL: heap)
    out=$($P -c '\d+ dnn' 2>&1)
    expect_eq "\\d+ dnn" "$out" '                                           Table "public.dnn"
 Column |  Type  | Collation | Nullable | Default | Storage  | Compression | Stats target | Description 
--------+--------+-----------+----------+---------+----------+-------------+--------------+-------------
 k      | bigint |           | not null |         | plain    |             |              | 
 t      | text   |           |          |         | extended |             |              | 
Access method: kestrel'
    out=$($P -c '\d nosuch' 2>&1)
    expect_eq "\\d of no relation" "$out" 'Did not find any relation named "nosuch".'
    out=$($P -c '\du' 2>&1)
    expect_eq "\\du" "$out" '                                   List of roles
 Role name |                         Attributes                         | Member of 
-----------+------------------------------------------------------------+-----------
 kestrel   | Superuser, Create role, Create DB, Replication, Bypass RLS | {}'
    out=$($P -c '\df' 2>&1)
    expect_eq "\\df (Kestrel has no user functions)" "$out" '                       List of functions
 Schema | Name | Result data type | Argument data types | Type 
--------+------+------------------+---------------------+------
(0 rows)'
    out=$($P -At -c "select ARRAY[1,2], ARRAY['a b', NULL], (select array_agg(id order by id) from t where id < 5)" 2>&1)
    expect_eq "arrays print as PostgreSQL prints them" "$out" '{1,2}|{"a b",NULL}|{1,2,3,4}'
    out=$($P -c "select (select name from t)" 2>&1)
    expect_eq "a scalar subquery giving two rows" "$out" \
        'ERROR:  more than one row returned by a subquery used as an expression'
fi

finish
