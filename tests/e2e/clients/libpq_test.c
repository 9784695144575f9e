/*
 * libpq_test.c — a libpq client exercising the extended protocol: binary
 * parameters and results with PQexecParams (int4, int8, numeric, date,
 * timestamp, text, bool, float8 decoded from PostgreSQL's binary layouts),
 * PQprepare/PQdescribePrepared/PQexecPrepared, PQsetSingleRowMode, pipeline
 * mode (several Executes before one Sync, one failing) and error fields
 * (SQLSTATE, position). Connection settings come from the PG* environment.
 * Prints "N passed, M failed"; exit status 1 when anything failed.
 *
 *   libpq_test [fake|kestreld]   (fake adds the fake engine's statements)
 */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_pass, g_fail;

#define CHECK(cond, ...)                                \
    do {                                                \
        if (cond) {                                     \
            g_pass++;                                   \
        } else {                                        \
            g_fail++;                                   \
            printf("FAIL %s:%d: ", __FILE__, __LINE__); \
            printf(__VA_ARGS__);                        \
            printf("\n");                               \
        }                                               \
    } while (0)

static uint32_t
rd32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return ntohl(v);
}

static uint64_t
rd64(const char *p)
{
    return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

static int16_t
rd16(const char *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return (int16_t)ntohs(v);
}

/* SELECT * FROM t in id order: the fake engine's rows come in that order;
 * a distributed table's need ORDER BY */
static const char *g_select_t = "SELECT * FROM t";

static void
test_binary_results(PGconn *c)
{
    PGresult *r = PQexecParams(c, g_select_t, 0, NULL, NULL, NULL, NULL, 1);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK, "select * from t binary: %s", PQerrorMessage(c));
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return;
    }
    CHECK(PQntuples(r) >= 4, "rows %d", PQntuples(r));
    CHECK(PQnfields(r) == 8, "fields %d", PQnfields(r));
    CHECK(PQftype(r, 0) == 23 && PQftype(r, 2) == 1700 && PQftype(r, 3) == 1082 &&
              PQftype(r, 4) == 1114 && PQftype(r, 5) == 16 && PQftype(r, 6) == 701 &&
              PQftype(r, 7) == 1042,
          "type oids");
    CHECK(PQfmod(r, 2) == ((10 << 16) | 2) + 4, "numeric(10,2) typmod %d", PQfmod(r, 2));
    CHECK(PQfformat(r, 0) == 1, "binary format");
    /* row 0: 1 alpha 12.50 2024-01-15 2024-01-15 10:30:00 t 1.5 ab */
    CHECK(PQgetlength(r, 0, 0) == 4 && rd32(PQgetvalue(r, 0, 0)) == 1, "int4 binary");
    CHECK(!strcmp(PQgetvalue(r, 0, 1), "alpha"), "varchar binary");
    const char *num = PQgetvalue(r, 0, 2);
    /* 12.50: ndigits 2? no: 12.50 → [12, 5000], weight 0, dscale 2 */
    CHECK(PQgetlength(r, 0, 2) == 12 && rd16(num) == 2 && rd16(num + 2) == 0 &&
              rd16(num + 4) == 0 && rd16(num + 6) == 2 && rd16(num + 8) == 12 &&
              rd16(num + 10) == 5000,
          "numeric binary layout");
    /* 2024-01-15 is 8780 days after 2000-01-01 */
    CHECK((int32_t)rd32(PQgetvalue(r, 0, 3)) == 8780, "date binary %d",
          (int32_t)rd32(PQgetvalue(r, 0, 3)));
    /* 2024-01-15 10:30:00 in µs since 2000-01-01 */
    int64_t ts = (int64_t)rd64(PQgetvalue(r, 0, 4));
    CHECK(ts == 8780LL * 86400000000LL + 37800LL * 1000000LL, "timestamp binary %lld",
          (long long)ts);
    CHECK(PQgetlength(r, 0, 5) == 1 && PQgetvalue(r, 0, 5)[0] == 1, "bool binary");
    uint64_t fb = rd64(PQgetvalue(r, 0, 6));
    double f;
    memcpy(&f, &fb, 8);
    CHECK(f == 1.5, "float8 binary %g", f);
    CHECK(PQgetlength(r, 0, 7) == 3 && !memcmp(PQgetvalue(r, 0, 7), "ab ", 3), "bpchar padded");
    /* row 1: negative numeric -0.01 and a date before 2000 */
    num = PQgetvalue(r, 1, 2);
    CHECK(rd16(num) == 1 && rd16(num + 2) == -1 && (uint16_t)rd16(num + 4) == 0x4000 &&
              rd16(num + 8) == 100,
          "negative numeric binary");
    CHECK((int32_t)rd32(PQgetvalue(r, 1, 3)) == -1, "date 1999-12-31 is -1");
    /* row 2: NULLs */
    CHECK(PQgetisnull(r, 2, 1) && PQgetisnull(r, 2, 2) && !PQgetisnull(r, 2, 0), "nulls");
    PQclear(r);
}

static void
test_binary_params(PGconn *c)
{
    /* int4 parameter in binary, filter on it */
    uint32_t id = htonl(2);
    const char *vals[1] = {(const char *)&id};
    int lens[1] = {4}, fmts[1] = {1};
    Oid types[1] = {23};
    PGresult *r = PQexecParams(c, "SELECT * FROM t WHERE id = $1", 1, types, vals, lens, fmts, 0);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
              !strcmp(PQgetvalue(r, 0, 1), "beta"),
          "binary int4 parameter: %s", PQerrorMessage(c));
    PQclear(r);
    /* text parameter, untyped ($1 inferred from the column) */
    const char *tv[1] = {"4"};
    r = PQexecParams(c, "SELECT * FROM t WHERE id = $1", 1, NULL, tv, NULL, NULL, 0);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
              !strcmp(PQgetvalue(r, 0, 7), "é  "),
          "text parameter, inferred type: %s", PQerrorMessage(c));
    PQclear(r);
    /* $1::int + 1 with a binary int and binary result */
    uint32_t v = htonl(41);
    vals[0] = (const char *)&v;
    r = PQexecParams(c, "SELECT $1::int + 1", 1, types, vals, lens, fmts, 1);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && rd32(PQgetvalue(r, 0, 0)) == 42,
          "binary in, binary out: %s", PQerrorMessage(c));
    PQclear(r);
    /* a NULL parameter */
    vals[0] = NULL;
    r = PQexecParams(c, "SELECT $1::int + 1", 1, types, vals, lens, fmts, 0);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQgetisnull(r, 0, 0), "NULL parameter");
    PQclear(r);
}

static void
test_prepared(PGconn *c)
{
    PGresult *r = PQprepare(c, "byid", "SELECT * FROM t WHERE id = $1", 0, NULL);
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "prepare: %s", PQerrorMessage(c));
    PQclear(r);
    r = PQdescribePrepared(c, "byid");
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK && PQnparams(r) == 1 && PQparamtype(r, 0) == 23 &&
              PQnfields(r) == 8 && !strcmp(PQfname(r, 2), "price"),
          "describe prepared: %s", PQerrorMessage(c));
    PQclear(r);
    for (int i = 1; i <= 4; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", i);
        const char *vals[1] = {buf};
        r = PQexecPrepared(c, "byid", 1, vals, NULL, NULL, 0);
        CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                  atoi(PQgetvalue(r, 0, 0)) == i,
              "exec prepared %d: %s", i, PQerrorMessage(c));
        PQclear(r);
    }
    r = PQexec(c, "DEALLOCATE byid");
    PQclear(r);
}

static void
test_single_row_mode(PGconn *c, const char *sql, long want)
{
    CHECK(PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0) == 1, "send: %s",
          PQerrorMessage(c));
    CHECK(PQsetSingleRowMode(c) == 1, "single row mode");
    long rows = 0;
    bool ok = true;
    PGresult *r;
    while ((r = PQgetResult(c))) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE)
            rows++;
        else if (st != PGRES_TUPLES_OK) {
            ok = false;
            printf("single row: %s", PQresultErrorMessage(r));
        }
        PQclear(r);
    }
    CHECK(ok && rows == want, "single row mode on %s: %ld rows, want %ld", sql, rows, want);
}

static void
test_errors(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT * FROM nosuch");
    CHECK(PQresultStatus(r) == PGRES_FATAL_ERROR, "error status");
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
    CHECK(state && !strcmp(state, "42P01"), "sqlstate %s", state ? state : "(none)");
    CHECK(pos && !strcmp(pos, "15"), "position %s", pos ? pos : "(none)");
    CHECK(!strcmp(PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED), "ERROR"), "severity V");
    PQclear(r);
    /* the same through the extended protocol */
    r = PQexecParams(c, "SELECT * FROM nosuch", 0, NULL, NULL, NULL, NULL, 0);
    pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
    CHECK(pos && !strcmp(pos, "15"), "extended position %s", pos ? pos : "(none)");
    PQclear(r);
    CHECK(PQtransactionStatus(c) == PQTRANS_IDLE, "idle after errors");
}

static void
test_pipeline(PGconn *c)
{
    CHECK(PQenterPipelineMode(c) == 1, "enter pipeline");
    const char *one[1] = {"1"};
    const char *three[1] = {"3"};
    PQsendQueryParams(c, "SELECT * FROM t WHERE id = $1", 1, NULL, one, NULL, NULL, 0);
    PQsendQueryParams(c, "SELECT * FROM nosuch", 0, NULL, NULL, NULL, NULL, 0);
    PQsendQueryParams(c, "SELECT * FROM t WHERE id = $1", 1, NULL, three, NULL, NULL, 0);
    PQpipelineSync(c);
    PQsendQueryParams(c, "SELECT * FROM t WHERE id = $1", 1, NULL, three, NULL, NULL, 0);
    PQpipelineSync(c);
    /* 1st ok, 2nd error, 3rd skipped (aborted), sync, 4th ok, sync */
    ExecStatusType want[] = {PGRES_TUPLES_OK,     PGRES_FATAL_ERROR, PGRES_PIPELINE_ABORTED,
                             PGRES_PIPELINE_SYNC, PGRES_TUPLES_OK,   PGRES_PIPELINE_SYNC};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        PGresult *r = PQgetResult(c);
        ExecStatusType st = r ? PQresultStatus(r) : PGRES_EMPTY_QUERY;
        CHECK(st == want[i], "pipeline result %zu: %s, want %s", i, PQresStatus(st),
              PQresStatus(want[i]));
        PQclear(r);
        if (st != PGRES_PIPELINE_SYNC) {
            r = PQgetResult(c); /* NULL ends each query's results */
            CHECK(r == NULL, "end of results %zu", i);
            PQclear(r);
        }
    }
    CHECK(PQexitPipelineMode(c) == 1, "exit pipeline: %s", PQerrorMessage(c));
}

int
main(int argc, char **argv)
{
    bool fake = argc < 2 || !strcmp(argv[1], "fake");
    if (!fake) g_select_t = "SELECT * FROM t ORDER BY id";
    PGconn *c = PQconnectdb("");
    if (PQstatus(c) != CONNECTION_OK) {
        printf("FAIL: connect: %s", PQerrorMessage(c));
        printf("0 passed, 1 failed\n");
        return 1;
    }
    const char *sv = PQparameterStatus(c, "server_version");
    CHECK(sv && !strncmp(sv, "15.0 (Kestrel", 13), "server_version %s", sv ? sv : "(none)");
    CHECK(PQserverVersion(c) == 150000, "PQserverVersion %d", PQserverVersion(c));
    CHECK(!strcmp(PQparameterStatus(c, "integer_datetimes"), "on"), "integer_datetimes");
    CHECK(PQbackendPID(c) > 0, "backend pid");
    test_binary_results(c);
    test_binary_params(c);
    test_prepared(c);
    test_single_row_mode(c, g_select_t, 4);
    if (fake) test_single_row_mode(c, "SELECT generate_series(1, 100000)", 100000);
    test_errors(c);
    test_pipeline(c);
    PQfinish(c);
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
