/*
 * test_planner_tpch.c — end to end: the 22 TPC-H queries planned by the
 * planner and run by the executor's in-process runtime over SF 0.01 data
 * split across two worker shards (hash-distributed fact tables, replicated
 * nation/region), compared with ../shared/tpch/answers-sf0.01 (numbers to
 * the cent or within 1%, strings exact). The planner's catalog is a
 * PlCatalog over the shards (definitions from shard 0, statistics summed),
 * as the coordinator does it. Also run with forced broadcast / repartition
 * joins, so each distribution strategy is checked against the answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "exec/exec.h"
#include "parser/parser.h"
#include "planner/planner.h"
#include "storage/storage.h"

#define NSHARDS 2

static KArena *A;
static char dir[256];
static StDb *shards[NSHARDS];
static const char *shared;



static int
decompress(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    if (!in || !out) {
        if (in) fclose(in);
        if (out) fclose(out);
        return -1;
    }
    ZSTD_DStream *z = ZSTD_createDStream();
    size_t incap = ZSTD_DStreamInSize(), outcap = ZSTD_DStreamOutSize();
    void *ib = malloc(incap), *ob = malloc(outcap);
    int rc = 0;
    size_t n;
    while ((n = fread(ib, 1, incap, in)) > 0 && rc == 0) {
        ZSTD_inBuffer zi = {ib, n, 0};
        while (zi.pos < zi.size) {
            ZSTD_outBuffer zo = {ob, outcap, 0};
            size_t r = ZSTD_decompressStream(z, &zo, &zi);
            if (ZSTD_isError(r)) {
                rc = -1;
                break;
            }
            fwrite(ob, 1, zo.pos, out);
        }
    }
    ZSTD_freeDStream(z);
    free(ib);
    free(ob);
    fclose(in);
    fclose(out);
    return rc;
}

/* ---- loading: rows routed to the shards ---- */
typedef struct LoadCtx {
    const StTableDef *def;
    StWriter *w[NSHARDS];
} LoadCtx;

static int
route_sink(void *ctx, const KBatch *b, KErr *err)
{
    LoadCtx *lc = ctx;
    if (lc->def->dist == ST_DIST_REPLICATED) {
        for (int s = 0; s < NSHARDS; s++)
            if (st_writer_append(lc->w[s], b, err) != K_OK) return K_ERR;
        return K_OK;
    }
    KBatch *outs[NSHARDS] = {0};
    uint32_t key = lc->def->dist_cols[0];
    if (ex_batch_partition(A, b, 1, &key, NSHARDS, outs, err) != K_OK) return K_ERR;
    int rc = K_OK;
    for (int s = 0; s < NSHARDS; s++) {
        if (outs[s] && rc == K_OK) rc = st_writer_append(lc->w[s], outs[s], err);
        if (outs[s]) k_batch_destroy(outs[s]);
    }
    return rc;
}

static int
load(void)
{
    KErr err;
    char path[512], sql[1 << 14];
    snprintf(path, sizeof path, "%s/tpch/schema.sql", shared);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(sql, 1, sizeof sql - 1, f);
    fclose(f);
    sql[n] = 0;
    PrStmtList *sl;
    if (pr_parse(A, sql, n, &sl, &err) != K_OK) return -1;
    StDbOptions o = {0};
    o.no_fsync = true;
    for (int s = 0; s < NSHARDS; s++) {
        char d[300];
        snprintf(d, sizeof d, "%s/shard%d", dir, s);
        if (st_db_open(d, &o, A, &shards[s], &err) != K_OK) {
            fprintf(stderr, "open: %s\n", err.message);
            return -1;
        }
    }
    for (int32_t i = 0; i < sl->n; i++) {
        const PrCreateTable *ct = PR_CAST(CreateTable, sl->items[i].stmt);
        StTableDef def;
        memset(&def, 0, sizeof def);
        snprintf(def.name, sizeof def.name, "%s", ct->table->name);
        def.ncols = (uint32_t)pr_list_len(ct->columns);
        def.cols = k_alloc0(A, sizeof(StColumnDef) * def.ncols);
        for (uint32_t c = 0; c < def.ncols; c++) {
            const PrColumnDef *cd = PR_CAST(ColumnDef, ct->columns->items[c]);
            snprintf(def.cols[c].name, sizeof def.cols[c].name, "%s", cd->name);
            const PrTypeName *tn = cd->type;
            if (k_type_from_name(tn->name, tn->nmods > 0 ? tn->mods[0] : -1, tn->nmods > 1 ? tn->mods[1] : -1,
                                 &def.cols[c].type, &err) != K_OK)
                return -1;
            def.cols[c].not_null = true;
        }
        def.part_col = -1;
        if (strcmp(def.name, "nation") == 0 || strcmp(def.name, "region") == 0) def.dist = ST_DIST_REPLICATED;
        else {
            def.dist = ST_DIST_HASH;
            def.ndist_cols = 1;
            def.dist_cols[0] = 0;
        }
        uint32_t id = 0;
        for (int s = 0; s < NSHARDS; s++)
            if (st_table_create(shards[s], &def, &id, &err) != K_OK) {
                fprintf(stderr, "create: %s\n", err.message);
                return -1;
            }
        char src[512], tbl[512];
        snprintf(src, sizeof src, "%s/tpch/sf0.01/%s.tbl.zst", shared, def.name);
        snprintf(tbl, sizeof tbl, "%s/%s.tbl", dir, def.name);
        if (decompress(src, tbl) != 0) return -1;
        LoadCtx lc;
        memset(&lc, 0, sizeof lc);
        StTableDef *got;
        if (st_table_get(shards[0], id, A, &got, &err) != K_OK) return -1;
        lc.def = got;
        for (int s = 0; s < NSHARDS; s++)
            if (st_writer_begin(shards[s], id, &lc.w[s], &err) != K_OK) return -1;
        StCopyOptions co;
        st_copy_options_tbl(&co);
        co.nthreads = 1;
        uint64_t rows;
        if (st_copy_file_to_sink(tbl, def.name, def.ncols, def.cols, &co, route_sink, &lc, &rows, &err) != K_OK) {
            fprintf(stderr, "load %s: %s\n", def.name, err.message);
            return -1;
        }
        for (int s = 0; s < NSHARDS; s++)
            if (st_writer_commit(lc.w[s], &err) != K_OK) return -1;
        unlink(tbl);
    }
    return 0;
}

/* ---- the catalog over the shards ---- */
static int
cat_lookup(void *ctx, const char *schema, const char *name, KArena *a, const StTableDef **def, KErr *err)
{
    (void)ctx;
    uint32_t id;
    if (st_table_lookup(shards[0], schema, name, &id, err) != K_OK) return K_ERR;
    StTableDef *d;
    if (st_table_get(shards[0], id, a, &d, err) != K_OK) return K_ERR;
    *def = d;
    return K_OK;
}

static int
cat_table_stats(void *ctx, uint32_t table_id, uint32_t part_id, StTableStats *out, KErr *err)
{
    (void)ctx;
    memset(out, 0, sizeof *out);
    StTableDef *d;
    if (st_table_get(shards[0], table_id, A, &d, err) != K_OK) return K_ERR;
    for (int s = 0; s < NSHARDS; s++) {
        StTableStats t;
        if (st_table_stats(shards[s], table_id, part_id, &t, err) != K_OK) return K_ERR;
        out->rows += t.rows;
        out->bytes += t.bytes;
        if (d->dist == ST_DIST_REPLICATED) break;
    }
    return K_OK;
}

static int
cat_column_stats(void *ctx, uint32_t table_id, uint32_t part_id, uint32_t col, KArena *a, StColumnStats *out,
                 KErr *err)
{
    (void)ctx;
    StTableDef *d;
    if (st_table_get(shards[0], table_id, A, &d, err) != K_OK) return K_ERR;
    memset(out, 0, sizeof *out);
    for (int s = 0; s < NSHARDS; s++) {
        StColumnStats cs;
        if (st_column_stats(shards[s], table_id, part_id, col, a, &cs, err) != K_OK) return K_ERR;
        out->rows += cs.rows;
        out->nulls += cs.nulls;
        bool key = d->dist == ST_DIST_HASH && d->dist_cols[0] == col;
        out->ndistinct = key ? out->ndistinct + cs.ndistinct : K_MAX(out->ndistinct, cs.ndistinct);
        if (cs.has_minmax) {
            KType t = d->cols[col].type;
            if (!out->has_minmax || st_datum_cmp(t, &cs.min, &out->min) < 0) out->min = cs.min;
            if (!out->has_minmax || st_datum_cmp(t, &cs.max, &out->max) > 0) out->max = cs.max;
            out->has_minmax = true;
        }
        if (d->dist == ST_DIST_REPLICATED) break;
    }
    return K_OK;
}

/* ---- results ---- */
typedef struct Rows {
    char **lines;
    uint32_t n, cap;
    const ExQueryPlan *q;
} Rows;

static int
collect(void *ctx, const KBatch *b, KErr *err)
{
    Rows *r = ctx;
    (void)err;
    for (uint32_t i = 0; i < k_batch_rows(b); i++) {
        uint32_t row = k_batch_row(b, i);
        char line[4096];
        size_t len = 0;
        for (uint32_t c = 0; c < b->ncols; c++) {
            if (c) line[len++] = '|';
            const KVector *v = &b->cols[c];
            if (!k_vec_is_valid(v, row)) continue;
            char buf[1024];
            int n = k_value_format(v->type, k_vec_slot(v, row), buf, sizeof buf);
            if (n < 0) n = 0;
            if (n > 1000) n = 1000;
            if (len + (size_t)n + 2 >= sizeof line) break;
            memcpy(line + len, buf, (size_t)n);
            len += (size_t)n;
        }
        line[len] = 0;
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            r->lines = realloc(r->lines, sizeof(char *) * r->cap);
        }
        r->lines[r->n++] = strdup(line);
    }
    return K_OK;
}

static bool
field_eq(const char *a, const char *b)
{
    if (strcmp(a, b) == 0) return true;
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (*a && *b && *ea == 0 && *eb == 0) {
        double d = fabs(x - y);
        return d <= 0.0101 || d <= 0.01 * fabs(y);
    }
    /* strings: trailing blanks of CHAR do not count */
    size_t la = strlen(a), lb = strlen(b);
    while (la && a[la - 1] == ' ') la--;
    while (lb && b[lb - 1] == ' ') lb--;
    return la == lb && memcmp(a, b, la) == 0;
}

static bool
line_eq(const char *a, const char *b)
{
    char x[4096], y[4096];
    snprintf(x, sizeof x, "%s", a);
    snprintf(y, sizeof y, "%s", b);
    char *sx, *sy;
    char *fx = strtok_r(x, "|", &sx), *fy = strtok_r(y, "|", &sy);
    /* strtok skips empty fields; compare the counts of separators first */
    int cx = 0, cy = 0;
    for (const char *p = a; *p; p++) cx += *p == '|';
    for (const char *p = b; *p; p++) cy += *p == '|';
    if (cx != cy) return false;
    while (fx && fy) {
        if (!field_eq(fx, fy)) return false;
        fx = strtok_r(NULL, "|", &sx);
        fy = strtok_r(NULL, "|", &sy);
    }
    return !fx && !fy;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
compare(int qn, Rows *got)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tpch/answers-sf0.01/q%02d.csv", shared, qn);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char line[4096];
    char **want = NULL;
    uint32_t nw = 0, cw = 0;
    bool first = true;
    while (fgets(line, sizeof line, f)) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
        if (first) {
            first = false;
            continue;
        }
        if (nw == cw) {
            cw = cw ? cw * 2 : 64;
            want = realloc(want, sizeof(char *) * cw);
        }
        want[nw++] = strdup(line);
    }
    fclose(f);
    bool ok = nw == got->n;
    for (uint32_t i = 0; i < nw && ok; i++) ok = line_eq(got->lines[i], want[i]);
    if (!ok && nw == got->n) { /* ties in ORDER BY may come in any order */
        qsort(want, nw, sizeof(char *), cmp_str);
        qsort(got->lines, got->n, sizeof(char *), cmp_str);
        ok = true;
        for (uint32_t i = 0; i < nw && ok; i++) ok = line_eq(got->lines[i], want[i]);
    }
    if (!ok) {
        fprintf(stderr, "Q%d: %u rows, want %u\n", qn, got->n, nw);
        for (uint32_t i = 0; i < got->n && i < 5; i++) fprintf(stderr, "  got  %s\n", got->lines[i]);
        for (uint32_t i = 0; i < nw && i < 5; i++) fprintf(stderr, "  want %s\n", want[i]);
    }
    for (uint32_t i = 0; i < nw; i++) free(want[i]);
    free(want);
    return ok;
}

static int
setup(void **state)
{
    (void)state;
    shared = getenv("KESTREL_SHARED");
    if (!shared) shared = "/work/shared";
    A = k_arena_create(NULL, "test");
    snprintf(dir, sizeof dir, "/tmp/kestrel_pl_XXXXXX");
    if (!mkdtemp(dir)) return -1;
    return load();
}

static int
teardown(void **state)
{
    (void)state;
    for (int s = 0; s < NSHARDS; s++)
        if (shards[s]) st_db_close(shards[s]);
    k_arena_destroy(A);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return -1;
    return 0;
}

static uint32_t dp_limit = 0; /* 0 = default; 1 forces the greedy join order */

/* Estimated vs actual rows of every join (EXPLAIN ANALYZE's numbers). */
static double worst_ratio[23];

static void
join_ratios(const ExPlan *p, const ExOpStats *st, int qn)
{
    if (!p) return;
    if (p->kind == EX_OP_HASH_JOIN || p->kind == EX_OP_NESTED_LOOP) {
        double act = K_MAX((double)st[p->id].rows_out, 1), est = K_MAX(p->est_rows, 1);
        double r = est > act ? est / act : act / est;
        if (getenv("PL_VERBOSE")) fprintf(stderr, "  Q%d join #%u est %.0f actual %.0f\n", qn, p->id, est, act);
        if (r > worst_ratio[qn]) worst_ratio[qn] = r;
    }
    join_ratios(p->left, st, qn);
    join_ratios(p->right, st, qn);
}

static int
run_all(PlJoinDist jd, bool rf)
{
    PlCatalog cat = {NULL, cat_lookup, cat_table_stats, cat_column_stats, NSHARDS};
    int failures = 0;
    const char *only = getenv("PL_ONLY_Q");
    for (int qn = 1; qn <= 22; qn++) {
        if (only && atoi(only) != qn) continue;
        KArena *qa = k_arena_create(A, "query");
        char path[512];
        snprintf(path, sizeof path, "%s/tpch/queries/q%02d.sql", shared, qn);
        FILE *f = fopen(path, "rb");
        char sql[8192];
        size_t n = fread(sql, 1, sizeof sql - 1, f);
        fclose(f);
        sql[n] = 0;
        KErr err;
        PrStmtList *sl;
        assert_int_equal(pr_parse(qa, sql, n, &sl, &err), K_OK);
        PlOptions o;
        pl_options_default(&o);
        o.join_dist = jd;
        o.runtime_filters = rf;
        if (dp_limit) o.dp_max_rels = dp_limit;
        ExQueryPlan *q;
        char *text;
        if (pl_explain(qa, &cat, sl->items[0].stmt, NULL, 0, &o, PL_EXPLAIN_TEXT, &text, &q, &err) != K_OK) {
            fprintf(stderr, "Q%d: plan: %s\n", qn, err.message);
            failures++;
            k_arena_destroy(qa);
            continue;
        }
        /* run what a worker would receive: the plan after a trip through bytes */
        KBuf bytes;
        k_buf_init(&bytes);
        ex_query_serialize(q, &bytes);
        assert_false(bytes.failed);
        ExQueryPlan *shipped;
        assert_int_equal(ex_query_deserialize(bytes.data, bytes.len, qa, &shipped, &err), K_OK);
        k_buf_free(&bytes);
        assert_true(ex_query_equal(q, shipped));
        q = shipped;
        ExLocalEnv env;
        memset(&env, 0, sizeof env);
        env.shards = shards;
        env.nshards = NSHARDS;
        env.arena = qa;
        env.nthreads = 2;
        ExOpStats *stats = k_alloc0(qa, sizeof(ExOpStats) * (q->nops + 1));
        env.stats = stats;
        Rows rows;
        memset(&rows, 0, sizeof rows);
        rows.q = q;
        ExSink sink = {&rows, collect, NULL};
        if (ex_query_run_local(&env, q, &sink, &err) != K_OK) {
            fprintf(stderr, "Q%d: run: %s (%s)\n%s", qn, err.message, k_sqlstate_code(err.code), text);
            failures++;
        } else if (getenv("PL_VERBOSE") && (fprintf(stderr, "Q%d: %u rows, first: %s\n", qn, rows.n,
                                                    rows.n ? rows.lines[0] : "") < 0)) {
        } else if (!compare(qn, &rows)) {
            fprintf(stderr, "%s", text);
            failures++;
        }
        if (!rf) /* with runtime filters the join inputs shrink below the plain estimate */
            for (uint32_t fi = 0; fi < q->nfrags; fi++) join_ratios(q->frags[fi].root, stats, qn);
        if (getenv("PL_VERBOSE")) fprintf(stderr, "%s", text);
        for (uint32_t i = 0; i < rows.n; i++) free(rows.lines[i]);
        free(rows.lines);
        k_arena_destroy(qa);
    }
    return failures;
}

static void
test_tpch_auto(void **state)
{
    (void)state;
    assert_int_equal(run_all(PL_JOIN_DIST_AUTO, true), 0);
    assert_int_equal(run_all(PL_JOIN_DIST_AUTO, false), 0);
}

/* Every join's estimate within 10x of the actual rows at SF 0.01, except
 * the one listed (with the reason in planner/README.md). */
static void
test_tpch_estimates(void **state)
{
    (void)state;
    int bad = 0;
    for (int qn = 1; qn <= 22; qn++) {
        fprintf(stderr, "Q%d: worst join estimate off by %.1fx\n", qn, worst_ratio[qn]);
        /* known exception (planner/README.md): Q17's `l_quantity < 0.2 * avg` compares with an
         * expression over an aggregate value (a fixed 1/3 guess), and at SF 0.01 it keeps a
         * single row */
        if (qn == 17) continue;
        if (worst_ratio[qn] > 10) bad++;
    }
    assert_true(bad <= 0);
}

/* Subquery forms beyond TPC-H, run and checked against hand-computed
 * answers over nation (25 rows, n_regionkey 0..4, five nations each) and
 * region (5 rows). */
static void
test_subquery_forms(void **state)
{
    (void)state;
    static const struct {
        const char *sql;
        const char *want;
    } cases[] = {
        /* correlated scalar subquery, non-equality correlation (general decorrelation) */
        {"select count(*) from nation n1 where (select count(*) from nation n2 "
         "where n2.n_nationkey < n1.n_nationkey) < 5", "5"},
        {"select sum((select count(*) from region r where r.r_regionkey < n.n_regionkey)) from nation n", "50"},
        {"select min(n_nationkey + (select max(r_regionkey) from region r where r.r_regionkey > n.n_regionkey)) "
         "from nation n where n_regionkey = 4", ""},
        /* EXISTS as a value, with and without an equality */
        {"select sum(case when exists (select 1 from region r where r.r_regionkey > n.n_regionkey) then 1 else 0 end) "
         "from nation n", "20"},
        {"select sum(case when exists (select 1 from region r where r.r_regionkey = n.n_regionkey and "
         "r.r_name like 'A%') then 1 else 0 end) from nation n", "15"},
        {"select count(*) from nation where n_regionkey in (select r_regionkey from region where r_name < 'B') "
         "or n_nationkey = 24", "15"},
        /* NOT IN with a NULL-free list, uncorrelated scalar in the select list */
        {"select count(*) from nation where n_regionkey not in (select r_regionkey from region where r_regionkey > 2)", "15"},
        {"select (select count(*) from region) + count(*) from nation", "30"},
        /* NOT EXISTS with a non-equality correlation (nested-loop anti join) */
        {"select count(*) from nation n where not exists (select 1 from nation m where m.n_nationkey > n.n_nationkey)", "1"},
        /* set operations, DISTINCT, LIMIT/OFFSET, CTE used twice */
        {"select count(*) from (select n_regionkey from nation union select r_regionkey from region) u", "5"},
        {"select count(*) from (select distinct n_regionkey from nation) d", "5"},
        {"with r as (select r_regionkey k from region) select (select count(*) from r) * (select max(k) from r)", "20"},
        {"select n_nationkey from nation order by n_nationkey desc limit 2 offset 3", "21\n20"},
        /* NOT IN over a list holding a NULL: never true (every distribution must see the NULL) */
        {"select count(*) from nation where n_nationkey not in "
         "(select case when r_regionkey = 0 then null else r_regionkey end from region)", "0"},
        {"select count(*) from nation where n_nationkey not in "
         "(select case when r_regionkey = 0 then null else r_regionkey end from region where r_regionkey > 0)", "21"},
        /* no FROM, constant WHERE, empty results, CASE/COALESCE, LIKE, BETWEEN, IN lists */
        {"select 1 + 2", "3"},
        {"select count(*) from nation where 1 = 0", "0"},
        {"select n_name from nation where n_nationkey between 3 and 4 and n_name like '%A%' order by 1", "CANADA"},
        {"select coalesce(max(n_nationkey), -1) from nation where n_regionkey > 10", "-1"},
        {"select count(*) from nation where n_regionkey in (1, 3) and n_name not like 'U%'", "8"},
        {"select r_name, count(n_nationkey) from region left join nation on n_regionkey = r_regionkey "
         "and n_name < 'C' group by r_name order by r_name", "AFRICA|1\nAMERICA|2\nASIA|0\nEUROPE|0\nMIDDLE EAST|0"},
        /* window functions (partitions on one instance: repartition or gather first) */
        {"select n_nationkey, row_number() over (partition by n_regionkey order by n_nationkey desc) from nation "
         "where n_nationkey < 3 order by 1", "0|1\n1|2\n2|1"},
        {"select sum(c) from (select count(*) over (partition by n_regionkey) c from nation) t", "125"},
        {"select n_regionkey, sum(n_nationkey), rank() over (order by sum(n_nationkey) desc) from nation "
         "group by n_regionkey order by 1", "0|50|4\n1|47|5\n2|68|2\n3|77|1\n4|58|3"},
        {"select n_nationkey, lag(n_nationkey) over (order by n_nationkey) from nation where n_nationkey < 3 "
         "order by 1", "0|\n1|0\n2|1"},
        {"select o_custkey, sum(o_totalprice) over w from orders where o_orderkey = 1 window w as (partition by o_custkey)",
         "370|172799.49"},
        /* DISTINCT aggregates over one argument: de-duplicated by an aggregation on (groups, x)
         * first (optimize.c); expected values counted from the .tbl files independently */
        {"select count(distinct n_regionkey) from nation", "5"},
        {"select n_regionkey, count(distinct n_nationkey % 3), sum(distinct n_nationkey % 3) from nation "
         "group by 1 order by 1", "0|3|3\n1|3|3\n2|2|2\n3|3|3\n4|2|3"},
        {"select count(distinct case when n_regionkey = 0 then null else n_regionkey end), "
         "max(distinct case when n_regionkey = 0 then null else n_regionkey end) from nation", "4|4"},
        {"select count(distinct o_custkey), sum(distinct o_custkey) from orders", "1000|750000"},
        {"select o_orderstatus, count(distinct o_custkey), min(distinct o_custkey), max(distinct o_custkey) "
         "from orders group by 1 order by 1", "F|996|1|1499\nO|998|1|1499\nP|304|16|1499"},
        {"select count(distinct n_regionkey), count(*) from nation where n_nationkey > 100", "0|0"},
        {"select count(distinct n_regionkey), count(*) from nation", "5|25"},
        /* outer-join simplification: only a conjunct that is never true on the NULL-extended
         * rows makes the LEFT join inner (`1 IN (x, 1)` is true whatever x is) */
        {"select count(*) from region left join nation on n_regionkey = r_regionkey and n_nationkey < 3 "
         "where 1 in (n_nationkey, 1)", "6"},
        {"select count(*) from region left join nation on n_regionkey = r_regionkey "
         "where n_nationkey + 0 > 20", "4"},
        {"select count(*) from region left join nation on n_regionkey = r_regionkey and n_nationkey < 3 "
         "where coalesce(n_nationkey, 9) > 1", "4"},
    };
    PlCatalog cat = {NULL, cat_lookup, cat_table_stats, cat_column_stats, NSHARDS};
    for (size_t ci = 0; ci < 3 * (sizeof cases / sizeof cases[0]); ci++) {
        PlOptions o;
        pl_options_default(&o);
        o.join_dist = (PlJoinDist)(ci / (sizeof cases / sizeof cases[0]));
        size_t i = ci % (sizeof cases / sizeof cases[0]);
        KArena *qa = k_arena_create(A, "q");
        KErr err;
        PrStmtList *sl;
        assert_int_equal(pr_parse(qa, cases[i].sql, strlen(cases[i].sql), &sl, &err), K_OK);
        ExQueryPlan *q;
        if (pl_plan_query(qa, &cat, sl->items[0].stmt, NULL, 0, &o, &q, &err) != K_OK) {
            fprintf(stderr, "%s\n  plan: %s\n", cases[i].sql, err.message);
            fail();
        }
        ExLocalEnv env;
        memset(&env, 0, sizeof env);
        env.shards = shards;
        env.nshards = NSHARDS;
        env.arena = qa;
        env.nthreads = 2;
        Rows rows;
        memset(&rows, 0, sizeof rows);
        ExSink sink = {&rows, collect, NULL};
        if (ex_query_run_local(&env, q, &sink, &err) != K_OK) {
            fprintf(stderr, "%s\n  run: %s\n", cases[i].sql, err.message);
            fail();
        }
        char got[1024] = "";
        for (uint32_t r = 0; r < rows.n; r++) {
            if (r) strncat(got, "\n", sizeof got - strlen(got) - 1);
            strncat(got, rows.lines[r], sizeof got - strlen(got) - 1);
            free(rows.lines[r]);
        }
        free(rows.lines);
        if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "%s\n  got \"%s\" want \"%s\"\n", cases[i].sql, got, cases[i].want);
            fail();
        }
        k_arena_destroy(qa);
    }
}

static void
test_tpch_broadcast(void **state)
{
    (void)state;
    assert_int_equal(run_all(PL_JOIN_DIST_BROADCAST, true), 0);
}

static void
test_tpch_greedy(void **state)
{
    (void)state;
    dp_limit = 1;
    int rc = run_all(PL_JOIN_DIST_AUTO, true);
    dp_limit = 0;
    assert_int_equal(rc, 0);
}

static void
test_tpch_repartition(void **state)
{
    (void)state;
    assert_int_equal(run_all(PL_JOIN_DIST_REPARTITION, true), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tpch_auto),
        cmocka_unit_test(test_tpch_estimates),
        cmocka_unit_test(test_subquery_forms),
        cmocka_unit_test(test_tpch_broadcast),
        cmocka_unit_test(test_tpch_repartition),
        cmocka_unit_test(test_tpch_greedy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
