/*
 * cli_bench.c — `kestrel-tpch load` and `kestrel-tpch run`: load a
 * benchmark into a running Kestrel and run its queries, as a client.
 *
 * Interface routines: tpch_cmd_load, tpch_cmd_run (called from main.c's
 * subcommand table).
 *
 * Notes: both talk to the server through libpq, so they measure what a
 * user gets (parse, plan, run, wire protocol). `load` creates the schema
 * with a distribution layout chosen for the benchmark and loads the .tbl
 * files with server-side COPY (generating them first when missing).
 * `run` times every query and, given an answer directory, compares the
 * results by the TPC-H rules: strings exactly (trailing blanks ignored),
 * integers exactly, other numbers to the cent or within 1% (averages and
 * ratios); the last line is "N passed, M failed".
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpch/tpch.h"

int tpch_cmd_load(int argc, char **argv);
int tpch_cmd_run(int argc, char **argv);

typedef struct ConnOpts {
    const char *host, *port, *user, *db;
} ConnOpts;

/* DROP TABLE IF EXISTS and CREATE TABLE notices are expected here */
static void
quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *
connect_db(const ConnOpts *o)
{
    const char *keys[] = {"host", "port", "user", "dbname", "application_name", NULL};
    const char *vals[] = {o->host ? o->host : "127.0.0.1", o->port ? o->port : "5433", o->user, o->db,
                          "kestrel-tpch", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "kestrel-tpch: could not connect to %s:%s: %s", vals[0], vals[1], PQerrorMessage(c));
        fprintf(stderr, "HINT: start a server first, e.g. build/kestreld --local 2 --data /tmp/kestrel\n");
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet_notices, NULL);
    return c;
}

static bool
exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        fprintf(stderr, "kestrel-tpch: %s [%s]\n  in: %.200s\n", PQresultErrorMessage(r), code ? code : "?", sql);
    }
    PQclear(r);
    return ok;
}

static int
parse_conn_opt(int c, const char *arg, ConnOpts *o)
{
    switch (c) {
    case 'h': o->host = arg; return 1;
    case 'p': o->port = arg; return 1;
    case 'U': o->user = arg; return 1;
    case 'd': o->db = arg; return 1;
    default: return 0;
    }
}

static double
now_s(void)
{
    return (double)k_now_ns() / 1e9;
}

/* ------------------------------------------------------------------ */
/* load                                                                 */
/* ------------------------------------------------------------------ */
/* Distribution clause of each table for a layout. */
static const char *
tpch_distribution(const char *layout, const char *table)
{
    static const char *const colocated[][2] = {
        {"lineitem", "DISTRIBUTED BY (l_orderkey)"}, {"orders", "DISTRIBUTED BY (o_orderkey)"},
        {"partsupp", "DISTRIBUTED BY (ps_partkey)"}, {"part", "DISTRIBUTED BY (p_partkey)"},
        {"customer", "DISTRIBUTED BY (c_custkey)"},  {"supplier", "DISTRIBUTED REPLICATED"},
        {"nation", "DISTRIBUTED REPLICATED"},        {"region", "DISTRIBUTED REPLICATED"},
        {"lineorder", "DISTRIBUTED BY (lo_orderkey)"}, {"date", "DISTRIBUTED REPLICATED"},
    };
    /* every join needs a broadcast or a shuffle */
    static const char *const repartition[][2] = {
        {"lineitem", "DISTRIBUTED BY (l_linenumber)"}, {"orders", "DISTRIBUTED BY (o_custkey)"},
        {"partsupp", "DISTRIBUTED BY (ps_suppkey)"},   {"part", "DISTRIBUTED BY (p_size)"},
        {"customer", "DISTRIBUTED BY (c_nationkey)"},  {"supplier", "DISTRIBUTED BY (s_nationkey)"},
        {"nation", "DISTRIBUTED BY (n_regionkey)"},    {"region", "DISTRIBUTED RANDOMLY"},
        {"lineorder", "DISTRIBUTED BY (lo_linenumber)"}, {"date", "DISTRIBUTED RANDOMLY"},
    };
    const char *const(*t)[2] = !strcmp(layout, "repartition") ? repartition : colocated;
    for (size_t i = 0; i < K_ARRAY_LEN(colocated); i++)
        if (!strcmp(t[i][0], table)) return t[i][1];
    /* SSB dimensions share TPC-H names; customer/supplier/part differ in columns */
    return "";
}

static const char *
ssb_distribution(const char *layout, const char *table)
{
    if (!strcmp(layout, "repartition")) {
        if (!strcmp(table, "lineorder")) return "DISTRIBUTED BY (lo_linenumber)";
        return "DISTRIBUTED RANDOMLY";
    }
    if (!strcmp(table, "lineorder")) return "DISTRIBUTED BY (lo_orderkey)";
    if (!strcmp(table, "part")) return "DISTRIBUTED BY (p_partkey)";
    if (!strcmp(table, "customer")) return "DISTRIBUTED REPLICATED";
    return "DISTRIBUTED REPLICATED";
}

/* The partitioned layout: the co-located one plus yearly range partitions
 * on the fact tables' date columns (1992-1998), for partition pruning. */
static const char *
partition_clause(TpchBenchmark b, const char *layout, const char *table)
{
    if (strcmp(layout, "partitioned")) return "";
    if (b == TPCH_BENCH_TPCH && !strcmp(table, "lineitem"))
        return " PARTITION BY RANGE (l_shipdate) WITH (partitions = 7, low = '1992-01-01', high = '1999-01-01')";
    if (b == TPCH_BENCH_TPCH && !strcmp(table, "orders"))
        return " PARTITION BY RANGE (o_orderdate) WITH (partitions = 7, low = '1992-01-01', high = '1999-01-01')";
    if (b == TPCH_BENCH_SSB && !strcmp(table, "lineorder"))
        return " PARTITION BY RANGE (lo_orderdate) WITH (partitions = 7, low = 19920101, high = 19990101)";
    return "";
}

static bool
file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void
load_usage(FILE *f)
{
    fprintf(f, "usage: kestrel-tpch load [--benchmark tpch|ssb] --sf SF [--dir DIR]\n"
               "                         [--layout colocated|repartition|partitioned]\n"
               "                         [-h HOST] [-p PORT] [-U USER] [-d DB] [--threads N]\n"
               "Creates the schema in a running Kestrel and loads the benchmark's tables with COPY.\n"
               "The .tbl files are read from DIR (default ./tpch-data/<benchmark>-sf<SF>) and generated\n"
               "there first when missing. --layout repartition distributes tables so that every join\n"
               "needs a broadcast or shuffle (a test of the exchanges); --layout partitioned is the\n"
               "co-located layout with yearly range partitions on lineitem, orders and lineorder.\n");
}

int
tpch_cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {
        {"benchmark", required_argument, 0, 'b'}, {"sf", required_argument, 0, 's'},
        {"dir", required_argument, 0, 'o'},       {"layout", required_argument, 0, 'l'},
        {"threads", required_argument, 0, 't'},   {"help", no_argument, 0, 'H'},
        {0, 0, 0, 0},
    };
    ConnOpts co = {0};
    const char *bench = "tpch", *sf_text = NULL, *dir = NULL, *layout = "colocated";
    int threads = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h:p:U:d:", opts, NULL)) != -1) {
        if (parse_conn_opt(c, optarg, &co)) continue;
        switch (c) {
        case 'b': bench = optarg; break;
        case 's': sf_text = optarg; break;
        case 'o': dir = optarg; break;
        case 'l': layout = optarg; break;
        case 't': threads = atoi(optarg); break;
        case 'H': load_usage(stdout); return 0;
        default:
            fprintf(stderr, "kestrel-tpch load: unknown option \"%s\"\n", argv[optind - 1]);
            load_usage(stderr);
            return 2;
        }
    }
    if (strcmp(layout, "colocated") && strcmp(layout, "repartition") && strcmp(layout, "partitioned")) {
        fprintf(stderr, "kestrel-tpch load: --layout is colocated, repartition or partitioned, not \"%s\"\n", layout);
        return 2;
    }
    TpchBenchmark b = !strcmp(bench, "ssb") ? TPCH_BENCH_SSB : TPCH_BENCH_TPCH;
    if (strcmp(bench, "ssb") && strcmp(bench, "tpch")) {
        fprintf(stderr, "kestrel-tpch load: --benchmark is tpch or ssb, not \"%s\"\n", bench);
        return 2;
    }
    if (!sf_text) {
        fprintf(stderr, "kestrel-tpch load: --sf is required\n");
        return 2;
    }
    KErr err;
    TpchScale sf;
    if (tpch_scale_parse(sf_text, &sf, &err)) {
        fprintf(stderr, "kestrel-tpch load: %s\n", err.message);
        return 2;
    }
    char dirbuf[4096];
    if (!dir) {
        snprintf(dirbuf, sizeof dirbuf, "tpch-data/%s-sf%s", bench, sf_text);
        dir = dirbuf;
    }
    char absdir[4096];
    /* generate what is missing */
    int nt = tpch_table_count(b);
    bool missing = false;
    for (int t = 0; t < nt; t++) {
        char path[4300];
        snprintf(path, sizeof path, "%s/%s.tbl", dir, tpch_table_info(b, t)->name);
        if (!file_exists(path)) missing = true;
    }
    if (missing) {
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "kestrel-tpch load: cannot create %s\n", dir);
            return 1;
        }
        fprintf(stderr, "generating %s SF %s into %s ...\n", bench, sf_text, dir);
        TpchWriteOptions wo;
        memset(&wo, 0, sizeof wo);
        wo.benchmark = b;
        wo.scale = sf;
        wo.out_dir = dir;
        wo.threads = threads;
        wo.part = wo.nparts = 1;
        wo.verbose = true;
        if (tpch_write_tables(&wo, &err)) {
            fprintf(stderr, "kestrel-tpch load: %s\n", err.message);
            return 1;
        }
    }
    if (!realpath(dir, absdir)) {
        fprintf(stderr, "kestrel-tpch load: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    PGconn *conn = connect_db(&co);
    if (!conn) return 1;
    /* the schema, statement by statement, with distribution clauses */
    char *schema = strdup(tpch_schema_sql(b));
    int rc = 0;
    for (char *stmt = schema; rc == 0 && stmt && *stmt;) {
        char *semi = strchr(stmt, ';');
        if (semi) *semi = '\0';
        for (;;) { /* skip blanks and -- comment lines */
            while (isspace((unsigned char)*stmt)) stmt++;
            if (strncmp(stmt, "--", 2) != 0) break;
            while (*stmt && *stmt != '\n') stmt++;
        }
        if (*stmt && strncasecmp(stmt, "CREATE TABLE", 12) == 0) {
            char name[128] = "";
            sscanf(stmt + 12, " %127[A-Za-z0-9_]", name);
            char sql[8192];
            snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", name);
            if (!exec_ok(conn, sql)) rc = 1;
            const char *dist = b == TPCH_BENCH_SSB ? ssb_distribution(layout, name) : tpch_distribution(layout, name);
            snprintf(sql, sizeof sql, "%s%s %s", stmt, partition_clause(b, layout, name), dist);
            if (rc == 0 && !exec_ok(conn, sql)) rc = 1;
        }
        stmt = semi ? semi + 1 : NULL;
    }
    free(schema);
    double total0 = now_s();
    uint64_t total_rows = 0;
    for (int t = 0; rc == 0 && t < nt; t++) {
        const char *name = tpch_table_info(b, t)->name;
        char sql[8500];
        snprintf(sql, sizeof sql, "COPY %s FROM '%s/%s.tbl' WITH (FORMAT text, DELIMITER '|')", name, absdir, name);
        fprintf(stderr, "loading %-10s ...", name);
        fflush(stderr);
        double t0 = now_s();
        PGresult *r = PQexec(conn, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            fprintf(stderr, " failed\nkestrel-tpch: %s [%s]\n", PQresultErrorMessage(r), code ? code : "?");
            rc = 1;
        } else {
            const char *tag = PQcmdTuples(r);
            uint64_t rows = strtoull(tag, NULL, 10);
            total_rows += rows;
            fprintf(stderr, " %12llu rows in %7.2f s\n", (unsigned long long)rows, now_s() - t0);
        }
        PQclear(r);
    }
    if (rc == 0) fprintf(stderr, "loaded %llu rows in %.2f s\n", (unsigned long long)total_rows, now_s() - total0);
    PQfinish(conn);
    return rc;
}

/* ------------------------------------------------------------------ */
/* run                                                                  */
/* ------------------------------------------------------------------ */
static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i])) i++;
    if (i) memmove(s, s + i, n - i + 1);
}

static bool
is_number(const char *s, bool *integer)
{
    char *end;
    if (!*s) return false;
    errno = 0;
    strtod(s, &end);
    if (*end || errno) return false;
    *integer = !strpbrk(s, ".eE");
    return true;
}

/* The TPC-H comparison rule for one value. */
static bool
value_matches(const char *got, const char *want)
{
    char g[1024], w[1024];
    snprintf(g, sizeof g, "%s", got);
    snprintf(w, sizeof w, "%s", want);
    trim(g);
    trim(w);
    bool gi, wi;
    if (is_number(g, &gi) && is_number(w, &wi)) {
        if (gi && wi) return strtoll(g, NULL, 10) == strtoll(w, NULL, 10);
        double a = strtod(g, NULL), b = strtod(w, NULL);
        double d = fabs(a - b);
        return d <= 0.01 + 1e-9 || d <= 0.01 * fabs(b);
    }
    return strcmp(g, w) == 0;
}

/* Split one '|'-separated answer line into fields (in place). */
static int
split_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *s = line;
    for (;;) {
        char *bar = strchr(s, '|');
        if (n < max) fields[n++] = s;
        if (!bar) break;
        *bar = '\0';
        s = bar + 1;
    }
    return n;
}

static bool
compare_answer(PGresult *r, const char *path, char *why, size_t cap)
{
    char *text = read_text(path);
    if (!text) {
        snprintf(why, cap, "no answer file %.400s", path);
        return false;
    }
    int ncols = PQnfields(r), nrows = PQntuples(r);
    /* every line after the header is a row, an empty line included (a
     * single NULL value, as Q17 gives at SF 0.01); the newline ending the
     * file does not start another row */
    size_t len = strlen(text);
    if (len && text[len - 1] == '\n') text[--len] = '\0';
    char *line = text, *next;
    int row = -1; /* the first line is the header */
    bool ok = true;
    for (; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if (row < 0) {
            row = 0;
            continue;
        }
        char *fields[64];
        int nf = split_fields(line, fields, 64);
        if (nf > ncols && fields[nf - 1][0] == '\0') nf--; /* trailing '|' */
        if (row >= nrows) {
            snprintf(why, cap, "expected more than %d rows", nrows);
            ok = false;
            break;
        }
        if (nf != ncols) {
            snprintf(why, cap, "row %d: expected %d columns, got %d", row + 1, nf, ncols);
            ok = false;
            break;
        }
        for (int c = 0; c < ncols; c++) {
            const char *got = PQgetisnull(r, row, c) ? "" : PQgetvalue(r, row, c);
            if (!value_matches(got, fields[c])) {
                snprintf(why, cap, "row %d column %s: expected \"%s\", got \"%s\"", row + 1, PQfname(r, c), fields[c], got);
                ok = false;
                break;
            }
        }
        if (!ok) break;
        row++;
    }
    if (ok && row != nrows) {
        snprintf(why, cap, "expected %d rows, got %d", row, nrows);
        ok = false;
    }
    free(text);
    return ok;
}

static void
run_usage(FILE *f)
{
    fprintf(f, "usage: kestrel-tpch run [--benchmark tpch|ssb] [--queries 1,3,...] [--answers DIR] [--repeat N]\n"
               "                        [--seed N [--sf SF]] [-h HOST] [-p PORT] [-U USER] [-d DB]\n"
               "Runs the benchmark's queries against a running Kestrel and prints a table of times.\n"
               "With --answers DIR (qNN.csv or qNN.out files, '|'-separated with a header) each result\n"
               "is checked by the TPC-H rules and the last line reads \"N passed, M failed\".\n");
}

int
tpch_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"benchmark", required_argument, 0, 'b'}, {"queries", required_argument, 0, 'q'},
        {"answers", required_argument, 0, 'a'},   {"repeat", required_argument, 0, 'r'},
        {"seed", required_argument, 0, 'S'},      {"help", no_argument, 0, 'H'},
        {"sf", required_argument, 0, 's'},
        {0, 0, 0, 0},
    };
    ConnOpts co = {0};
    double run_sf = 1;
    const char *bench = "tpch", *answers = NULL, *qlist = NULL;
    int repeat = 1, c;
    long long seed = -1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h:p:U:d:", opts, NULL)) != -1) {
        if (parse_conn_opt(c, optarg, &co)) continue;
        switch (c) {
        case 'b': bench = optarg; break;
        case 'q': qlist = optarg; break;
        case 'a': answers = optarg; break;
        case 'r': repeat = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'S': seed = atoll(optarg); break;
        case 's': run_sf = atof(optarg); break;
        case 'H': run_usage(stdout); return 0;
        default:
            fprintf(stderr, "kestrel-tpch run: unknown option \"%s\"\n", argv[optind - 1]);
            run_usage(stderr);
            return 2;
        }
    }
    TpchBenchmark b = !strcmp(bench, "ssb") ? TPCH_BENCH_SSB : TPCH_BENCH_TPCH;
    int nq = tpch_query_count(b);
    bool want[64] = {false};
    if (qlist) {
        char *copy = strdup(qlist);
        for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
            int q = atoi(tok);
            if (q < 1 || q > nq) {
                fprintf(stderr, "kestrel-tpch run: no query %s (1..%d)\n", tok, nq);
                free(copy);
                return 2;
            }
            want[q] = true;
        }
        free(copy);
    } else {
        for (int q = 1; q <= nq; q++) want[q] = true;
    }
    PGconn *conn = connect_db(&co);
    if (!conn) return 1;
    int passed = 0, failed = 0;
    double total = 0;
    printf("%-6s %10s %12s  %s\n", "query", "rows", "time (ms)", answers ? "result" : "");
    for (int q = 1; q <= nq; q++) {
        if (!want[q]) continue;
        KBuf sql;
        k_buf_init(&sql);
        KErr err;
        if (seed >= 0) {
            if (tpch_query_generate(b, q, (uint64_t)seed, run_sf, &sql, &err)) {
                fprintf(stderr, "kestrel-tpch run: %s\n", err.message);
                k_buf_free(&sql);
                PQfinish(conn);
                return 1;
            }
            k_buf_put_u8(&sql, 0);
        } else {
            const char *t = tpch_query_text(b, q);
            k_buf_put(&sql, t, strlen(t) + 1);
        }
        double best = 1e30;
        PGresult *r = NULL;
        bool ok = true;
        for (int k = 0; k < repeat && ok; k++) {
            if (r) PQclear(r);
            double t0 = now_s();
            r = PQexec(conn, (const char *)sql.data);
            double dt = now_s() - t0;
            if (PQresultStatus(r) != PGRES_TUPLES_OK) ok = false;
            if (dt < best) best = dt;
        }
        k_buf_free(&sql);
        if (!ok) {
            const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            char msg[512];
            snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
            trim(msg);
            printf("Q%-5d %10s %12s  ERROR [%s] %s\n", q, "-", "-", code ? code : "?", msg);
            failed++;
        } else {
            total += best;
            char why[512] = "";
            const char *status = "";
            if (answers) {
                char path[4200];
                snprintf(path, sizeof path, "%s/q%02d.csv", answers, q);
                if (!file_exists(path)) snprintf(path, sizeof path, "%s/q%02d.out", answers, q);
                if (compare_answer(r, path, why, sizeof why)) {
                    passed++;
                    status = "ok";
                } else {
                    failed++;
                    status = "WRONG";
                }
            }
            printf("Q%-5d %10d %12.1f  %s%s%s\n", q, PQntuples(r), best * 1000, status, why[0] ? ": " : "", why);
        }
        fflush(stdout);
        if (r) PQclear(r);
    }
    printf("%-6s %10s %12.1f\n", "total", "", total * 1000);
    if (answers || failed) printf("%d passed, %d failed\n", passed, failed);
    PQfinish(conn);
    return failed ? 1 : 0;
}
