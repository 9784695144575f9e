/*
 * pgdiff_test.c — differential check of value encoding against PostgreSQL
 * itself: the same `SELECT $1::<type>` with the same text parameter is run
 * on a real PostgreSQL 15 and on the Kestrel protocol server, in text and in
 * binary result format, and the bytes of the two answers (type OID, typmod,
 * value) must be identical. Covers numeric edge cases (base-10000 layout,
 * weight, dscale, sign), dates and timestamps around the 2000-01-01 epoch,
 * int4/int8 extremes, float8, bool, text, varchar and bpchar padding.
 *
 *   pgdiff_test "conninfo of PostgreSQL" "conninfo of Kestrel"
 * Prints "N passed, M failed"; exit status 1 when anything differs.
 */
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_pass, g_fail;

static void
hex(const char *p, int n, char *out, size_t cap)
{
    size_t o = 0;
    for (int i = 0; i < n && o + 3 < cap; i++) o += (size_t)snprintf(out + o, cap - o, "%02x", (unsigned char)p[i]);
    out[o] = 0;
}

static PGresult *
run(PGconn *c, const char *sql, const char *value, int format)
{
    const char *vals[1] = {value};
    return PQexecParams(c, sql, 1, NULL, vals, NULL, NULL, format);
}

static void
compare(PGconn *pg, PGconn *k, const char *type, const char *value)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT $1::%s", type);
    for (int format = 0; format <= 1; format++) {
        PGresult *a = run(pg, sql, value, format);
        PGresult *b = run(k, sql, value, format);
        char what[256];
        snprintf(what, sizeof what, "%s '%s' (%s)", type, value, format ? "binary" : "text");
        if (PQresultStatus(a) != PGRES_TUPLES_OK || PQresultStatus(b) != PGRES_TUPLES_OK) {
            g_fail++;
            printf("FAIL %s: postgres: %s kestrel: %s\n", what, PQresultErrorMessage(a),
                   PQresultErrorMessage(b));
        } else {
            int la = PQgetlength(a, 0, 0), lb = PQgetlength(b, 0, 0);
            bool same = PQftype(a, 0) == PQftype(b, 0) && PQfmod(a, 0) == PQfmod(b, 0) &&
                        PQgetisnull(a, 0, 0) == PQgetisnull(b, 0, 0) && la == lb &&
                        memcmp(PQgetvalue(a, 0, 0), PQgetvalue(b, 0, 0), (size_t)la) == 0;
            if (same) {
                g_pass++;
            } else {
                char ha[512], hb[512];
                hex(PQgetvalue(a, 0, 0), la, ha, sizeof ha);
                hex(PQgetvalue(b, 0, 0), lb, hb, sizeof hb);
                g_fail++;
                printf("FAIL %s:\n  postgres oid %u mod %d %s%s%s\n  kestrel  oid %u mod %d %s%s%s\n",
                       what, PQftype(a, 0), PQfmod(a, 0), format ? ha : "\"", format ? "" : PQgetvalue(a, 0, 0),
                       format ? "" : "\"", PQftype(b, 0), PQfmod(b, 0), format ? hb : "\"",
                       format ? "" : PQgetvalue(b, 0, 0), format ? "" : "\"");
            }
        }
        PQclear(a);
        PQclear(b);
    }
}

int
main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pgdiff_test PG_CONNINFO KESTREL_CONNINFO\n");
        return 2;
    }
    PGconn *pg = PQconnectdb(argv[1]);
    PGconn *k = PQconnectdb(argv[2]);
    if (PQstatus(pg) != CONNECTION_OK || PQstatus(k) != CONNECTION_OK) {
        printf("FAIL: connect: %s %s\n0 passed, 1 failed\n", PQerrorMessage(pg), PQerrorMessage(k));
        return 1;
    }
    static const struct {
        const char *type, *value;
    } cases[] = {
        {"int", "0"},
        {"int", "-2147483648"},
        {"int", "2147483647"},
        {"bigint", "-9223372036854775808"},
        {"bigint", "9223372036854775807"},
        {"bool", "true"},
        {"bool", "false"},
        {"float8", "1.5"},
        {"float8", "-0.1"},
        {"float8", "1e300"},
        {"float8", "123456789.125"},
        {"numeric(10,2)", "0"},
        {"numeric(10,2)", "12.5"},
        {"numeric(10,2)", "-0.01"},
        {"numeric(10,2)", "99999999.99"},
        {"numeric(15,2)", "10000"},
        {"numeric(18,0)", "100000000"},
        {"numeric(18,4)", "0.0001"},
        {"numeric(18,9)", "-0.000000001"},
        {"numeric(12,3)", "1234.5"},
        {"numeric(38,0)", "12345678901234567890123456789012345678"},
        {"numeric(38,10)", "-1234567890123456789012345678.0123456789"},
        {"numeric(38,38)", "0.00000000000000000000000000000000000001"},
        {"numeric(20,6)", "10000.000001"},
        {"date", "2000-01-01"},
        {"date", "1999-12-31"},
        {"date", "1970-01-01"},
        {"date", "2024-02-29"},
        {"date", "0001-01-01"},
        {"date", "9999-12-31"},
        {"timestamp", "2000-01-01 00:00:00"},
        {"timestamp", "1999-12-31 23:59:59.999999"},
        {"timestamp", "1970-01-01 00:00:00.000001"},
        {"timestamp", "2024-01-15 10:30:00"},
        {"timestamp", "1900-03-01 12:00:00.5"},
        {"text", "h\xc3\xa9llo"},
        {"text", ""},
        {"varchar(20)", "alpha"},
        {"char(3)", "ab"},
        {"char(3)", "\xc3\xa9"},
        {"interval", "1 year 2 mons 3 days 04:05:06"},
        {"interval", "-90 days"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) compare(pg, k, cases[i].type, cases[i].value);
    PQfinish(pg);
    PQfinish(k);
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
