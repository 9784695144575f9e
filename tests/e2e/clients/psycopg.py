# psycopg.py — psycopg2 and SQLAlchemy (Debian python3-psycopg2,
# python3-sqlalchemy) against the server: connect, query with client-side
# parameters, typed results, errors with SQLSTATE, transactions, and on
# kestreld inspect(engine).get_table_names(). Connection from PG* env.
# Usage: /usr/bin/python3 psycopg.py fake|kestreld
# Prints "N passed, M failed"; exit status 1 when anything failed.
import datetime
import decimal
import os
import sys

import psycopg2
import sqlalchemy
from sqlalchemy import create_engine, inspect, text

fake = (sys.argv[1] if len(sys.argv) > 1 else "fake") == "fake"
passed = failed = 0


def check(cond, what, extra=None):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, "" if extra is None else repr(extra))


host, port = os.environ["PGHOST"], os.environ["PGPORT"]
user, db = os.environ["PGUSER"], os.environ["PGDATABASE"]

conn = psycopg2.connect(host=host, port=port, user=user, dbname=db, sslmode="disable")
check(conn.server_version == 150000, "server_version", conn.server_version)
cur = conn.cursor()
# the fake engine knows this statement (rows in id order); a distributed
# table needs ORDER BY for that order
cur.execute("SELECT * FROM t" if fake else "SELECT * FROM t ORDER BY id")
rows = cur.fetchall()
check(len(rows) >= 4, "rows", len(rows))
check(rows[0][:3] == (1, "alpha", decimal.Decimal("12.50")), "int, text, numeric", rows[0][:3])
check(rows[0][3] == datetime.date(2024, 1, 15), "date", rows[0][3])
check(rows[0][4] == datetime.datetime(2024, 1, 15, 10, 30), "timestamp", rows[0][4])
check(rows[0][5] is True and rows[0][6] == 1.5, "bool, float8", rows[0][5:7])
check(rows[2][1] is None, "NULL", rows[2])
check(rows[3][1] == "ünïcode", "UTF-8", rows[3][1])
check([d.name for d in cur.description] == ["id", "name", "price", "d", "ts", "flag", "score", "code"],
      "description", cur.description)
cur.execute("SELECT * FROM t WHERE id = %s", (2,))
check(cur.fetchall()[0][1] == "beta", "client-side parameter")
try:
    cur.execute("SELECT * FROM nosuch")
    check(False, "error expected")
except psycopg2.Error as e:
    check(e.pgcode == "42P01", "SQLSTATE", e.pgcode)
    check(e.diag.statement_position == "15", "position", e.diag.statement_position)
    check(conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INERROR,
          "psycopg2 opened a transaction block, now failed", conn.get_transaction_status())
conn.rollback()
cur.execute("SELECT 1")
check(cur.fetchone() == (1,), "usable after rollback")
conn.commit()
conn.autocommit = True
cur.execute("SELECT 1")
check(conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE, "autocommit idle")
conn.close()

# SQLAlchemy. hstore probing queries pg_type; the fake engine has no catalogs.
url = "postgresql+psycopg2://%s@%s:%s/%s?sslmode=disable" % (user, host, port, db)
engine = create_engine(url, use_native_hstore=not fake)
with engine.connect() as c:
    rows = c.execute(text("SELECT * FROM t WHERE id = :id"), {"id": 4}).fetchall()
    check(len(rows) == 1 and rows[0].code == "é  ", "SQLAlchemy text() query", rows)
    check(c.dialect.server_version_info[:2] == (15, 0), "dialect server version", c.dialect.server_version_info)
if not fake:
    names = inspect(engine).get_table_names()
    check("t" in names, "inspect(engine).get_table_names()", names)
engine.dispose()

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
