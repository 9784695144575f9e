#!/usr/bin/env bash
# jdbc.sh — compiles and runs JdbcTest.java with the Debian PostgreSQL JDBC
# driver against the server. Target: lib.sh.
. "$(dirname "$0")/lib.sh"
JAR=${PGJDBC_JAR:-/usr/share/java/postgresql.jar}
command -v javac >/dev/null && command -v java >/dev/null || skip "no JDK (run setup.sh)"
[ -f "$JAR" ] || skip "no JDBC driver at $JAR (run setup.sh)"
javac -d "$WORK/classes" "$HERE/JdbcTest.java" || { fail "javac"; finish; }
start_target
if timeout 120 java -cp "$JAR:$WORK/classes" JdbcTest "jdbc:postgresql://$PGHOST:$PGPORT/$PGDATABASE" "$PGUSER" "$TARGET"; then
    pass "JDBC"; else fail "JDBC"; fi
finish
