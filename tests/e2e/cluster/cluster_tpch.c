/*
 * cluster_tpch.c — end-to-end driver for the cluster layer: a coordinator
 * in this process talks to worker processes (kestreld --worker, or
 * cluster_worker) through net/cluster.h only. It creates the TPC-H schema
 * on its own catalog and on every worker, loads the official SF 0.01 data
 * (rows routed by distribution key with st_dist_route, replicated tables
 * sent to every worker), plans the 22 queries with pl_plan_query against a
 * PlCatalog built from its catalog plus the workers' statistics fetched
 * over the network, runs them across the workers with net_cluster_run and
 * compares the rows with the reference answers (strings exact, integers
 * exact, other numbers within 0.01 absolute or 1% relative). Then it checks
 * cancellation, flow control, errors from workers, and a worker that dies
 * (-9) or hangs (SIGSTOP): the next query fails with 08006 within 5 s, and
 * once the worker is back (restart command, or SIGCONT) all 22 pass again.
 * --compare-local also loads the same shards into this process and runs
 * every plan with ex_query_run_local: results must agree (and both times
 * are printed). --tbl-dir loads other .tbl files (e.g. kestrel-tpch gen
 * --sf 0.1) and then checks results against the embedded runtime only.
 *
 * usage: cluster_tpch --shared DIR --secret S [--layout colocated|repartition]
 *                     [--queries 1,5,9] [--nthreads N] [--kill-test PID | --stop-test PID]
 *                     [--restart-cmd CMD] [--compare-local] [--tbl-dir DIR]
 *                     HOST:PORT...
 * Exit status 0 when every query matched.
 */
#include "common/kestrel.h"
#include "net/cluster.h"
#include "parser/parser.h"
#include "planner/planner.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

static const char *tbl_dir; /* --tbl-dir: .tbl files instead of the SF 0.01 data */

/* ------------------------------------------------------------------ */
/* Schema                                                               */
/* ------------------------------------------------------------------ */
typedef struct ColSpec {
    const char *name;
    char kind; /* i int32, d decimal(15,2), D date, c char(n), v varchar(n) */
    int len;
} ColSpec;

typedef struct TableSpec {
    const char *name;
    ColSpec cols[16];
    const char *colocated;   /* distribution column, NULL = replicated */
    const char *repartition; /* distribution column, NULL = random */
} TableSpec;

static const TableSpec tables[] = {
    {"nation",
     {{"n_nationkey", 'i', 0},
      {"n_name", 'c', 25},
      {"n_regionkey", 'i', 0},
      {"n_comment", 'v', 152}},
     NULL,
     "n_regionkey"},
    {"region", {{"r_regionkey", 'i', 0}, {"r_name", 'c', 25}, {"r_comment", 'v', 152}}, NULL, NULL},
    {"part",
     {{"p_partkey", 'i', 0},
      {"p_name", 'v', 55},
      {"p_mfgr", 'c', 25},
      {"p_brand", 'c', 10},
      {"p_type", 'v', 25},
      {"p_size", 'i', 0},
      {"p_container", 'c', 10},
      {"p_retailprice", 'd', 0},
      {"p_comment", 'v', 23}},
     "p_partkey",
     "p_size"},
    {"supplier",
     {{"s_suppkey", 'i', 0},
      {"s_name", 'c', 25},
      {"s_address", 'v', 40},
      {"s_nationkey", 'i', 0},
      {"s_phone", 'c', 15},
      {"s_acctbal", 'd', 0},
      {"s_comment", 'v', 101}},
     NULL,
     "s_nationkey"},
    {"partsupp",
     {{"ps_partkey", 'i', 0},
      {"ps_suppkey", 'i', 0},
      {"ps_availqty", 'i', 0},
      {"ps_supplycost", 'd', 0},
      {"ps_comment", 'v', 199}},
     "ps_partkey",
     "ps_suppkey"},
    {"customer",
     {{"c_custkey", 'i', 0},
      {"c_name", 'v', 25},
      {"c_address", 'v', 40},
      {"c_nationkey", 'i', 0},
      {"c_phone", 'c', 15},
      {"c_acctbal", 'd', 0},
      {"c_mktsegment", 'c', 10},
      {"c_comment", 'v', 117}},
     "c_custkey",
     "c_nationkey"},
    {"orders",
     {{"o_orderkey", 'i', 0},
      {"o_custkey", 'i', 0},
      {"o_orderstatus", 'c', 1},
      {"o_totalprice", 'd', 0},
      {"o_orderdate", 'D', 0},
      {"o_orderpriority", 'c', 15},
      {"o_clerk", 'c', 15},
      {"o_shippriority", 'i', 0},
      {"o_comment", 'v', 79}},
     "o_orderkey",
     "o_custkey"},
    {"lineitem",
     {{"l_orderkey", 'i', 0},
      {"l_partkey", 'i', 0},
      {"l_suppkey", 'i', 0},
      {"l_linenumber", 'i', 0},
      {"l_quantity", 'd', 0},
      {"l_extendedprice", 'd', 0},
      {"l_discount", 'd', 0},
      {"l_tax", 'd', 0},
      {"l_returnflag", 'c', 1},
      {"l_linestatus", 'c', 1},
      {"l_shipdate", 'D', 0},
      {"l_commitdate", 'D', 0},
      {"l_receiptdate", 'D', 0},
      {"l_shipinstruct", 'c', 25},
      {"l_shipmode", 'c', 10},
      {"l_comment", 'v', 44}},
     "l_orderkey",
     "l_linenumber"},
};
#define NTABLES (sizeof tables / sizeof tables[0])

static void
build_def(const TableSpec *t, bool colocated, StTableDef *d, StColumnDef *cols)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", t->name);
    d->part_col = -1;
    d->cols = cols;
    const char *dist = colocated ? t->colocated : t->repartition;
    for (uint32_t i = 0; i < 16 && t->cols[i].name; i++) {
        StColumnDef *c = &cols[i];
        memset(c, 0, sizeof *c);
        snprintf(c->name, sizeof c->name, "%s", t->cols[i].name);
        c->not_null = strcmp(t->cols[i].name, "n_comment") && strcmp(t->cols[i].name, "r_comment");
        switch (t->cols[i].kind) {
        case 'i': c->type = k_type(K_TYPE_INT32); break;
        case 'd': c->type = k_type_decimal(15, 2); break;
        case 'D': c->type = k_type(K_TYPE_DATE); break;
        case 'c': c->type = k_type_char(t->cols[i].len); break;
        default: c->type = k_type_varchar(t->cols[i].len); break;
        }
        if (dist && !strcmp(dist, c->name)) {
            d->ndist_cols = 1;
            d->dist_cols[0] = i;
        }
        d->ncols = i + 1;
    }
    d->dist = dist ? ST_DIST_HASH : colocated ? ST_DIST_REPLICATED : ST_DIST_RANDOM;
}

/* ------------------------------------------------------------------ */
/* Catalog over the coordinator's db + workers' statistics               */
/* ------------------------------------------------------------------ */
typedef struct Env {
    StDb *coord;
    NetCluster *cl;
    uint32_t n;
    StDb **local;      /* --compare-local: the same shards in this process */
    uint32_t nthreads; /* per fragment instance */
    double ms_cluster, ms_local;
    int local_runs, local_diffs;
    uint64_t lineitem_rows;
} Env;

static int
cat_lookup(void *ctx, const char *schema, const char *name, KArena *a, const StTableDef **def,
           KErr *err)
{
    Env *e = ctx;
    uint32_t tid;
    StTableDef *d;
    if (st_table_lookup(e->coord, schema, name, &tid, err)) return K_ERR;
    if (st_table_get(e->coord, tid, a, &d, err)) return K_ERR;
    *def = d;
    return K_OK;
}

static bool
replicated(Env *e, uint32_t tid)
{
    KArena *a = k_arena_create(NULL, "tmp");
    StTableDef *d;
    KErr err;
    bool r = a && st_table_get(e->coord, tid, a, &d, &err) == K_OK && d->dist == ST_DIST_REPLICATED;
    k_arena_destroy(a);
    return r;
}

static int
cat_table_stats(void *ctx, uint32_t tid, uint32_t part, StTableStats *out, KErr *err)
{
    Env *e = ctx;
    memset(out, 0, sizeof *out);
    uint32_t n = replicated(e, tid) ? 1 : e->n;
    for (uint32_t w = 0; w < n; w++) {
        StTableStats s;
        if (net_cluster_table_stats(e->cl, w, tid, part, &s, err)) return K_ERR;
        out->rows += s.rows;
        out->bytes += s.bytes;
        out->segments += s.segments;
        out->row_groups += s.row_groups;
    }
    return K_OK;
}

static int
cat_column_stats(void *ctx, uint32_t tid, uint32_t part, uint32_t col, KArena *a,
                 StColumnStats *out, KErr *err)
{
    Env *e = ctx;
    memset(out, 0, sizeof *out);
    StTableDef *d;
    if (st_table_get(e->coord, tid, a, &d, err)) return K_ERR;
    if (col >= d->ncols) return k_error(err, K_UNDEFINED_COLUMN, "no column %u", col);
    KType t = d->cols[col].type;
    uint32_t n = d->dist == ST_DIST_REPLICATED ? 1 : e->n;
    uint8_t merged[ST_SKETCH_REGISTERS], regs[ST_SKETCH_REGISTERS];
    memset(merged, 0, sizeof merged);
    for (uint32_t w = 0; w < n; w++) {
        StColumnStats s;
        if (net_cluster_column_stats(e->cl, w, tid, part, col, a, &s, err)) return K_ERR;
        out->rows += s.rows;
        out->nulls += s.nulls;
        if (s.ndistinct > out->ndistinct) out->ndistinct = s.ndistinct;
        if (s.has_minmax) {
            if (!out->has_minmax || st_datum_cmp(t, &s.min, &out->min) < 0) out->min = s.min;
            if (!out->has_minmax || st_datum_cmp(t, &s.max, &out->max) > 0) out->max = s.max;
            out->has_minmax = true;
        }
        if (n > 1) {
            if (net_cluster_column_sketch(e->cl, w, tid, part, col, regs, err)) return K_ERR;
            st_sketch_merge(merged, regs);
        }
    }
    if (n > 1) out->ndistinct = st_sketch_estimate(merged);
    if (out->ndistinct > (double)out->rows) out->ndistinct = (double)out->rows;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */
/* ------------------------------------------------------------------ */
typedef struct LoadCtx {
    Env *e;
    const StTableDef *def;
    uint64_t *load_ids;
    pthread_mutex_t mu;
    uint64_t rr;
    StWriter **lw; /* local shards' writers, or NULL */
} LoadCtx;

static int
load_sink(void *ctx, const KBatch *b, KErr *err)
{
    LoadCtx *l = ctx;
    uint32_t rows = k_batch_rows(b);
    if (l->def->dist == ST_DIST_REPLICATED) {
        for (uint32_t w = 0; w < l->e->n; w++) {
            if (net_cluster_load_append(l->e->cl, w, l->load_ids[w], b, err)) return K_ERR;
            if (l->lw && st_writer_append(l->lw[w], b, err)) return K_ERR;
        }
        return K_OK;
    }
    uint32_t *dest = malloc(sizeof(uint32_t) * (rows + 1));
    uint16_t *sel = malloc(sizeof(uint16_t) * (rows + 1));
    if (!dest || !sel) {
        free(dest);
        free(sel);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    pthread_mutex_lock(&l->mu);
    st_dist_route(l->def, b, l->e->n, &l->rr, dest);
    pthread_mutex_unlock(&l->mu);
    int rc = K_OK;
    for (uint32_t w = 0; rc == K_OK && w < l->e->n; w++) {
        KBatch view = *b;
        view.sel = sel;
        view.nsel = 0;
        for (uint32_t i = 0; i < rows; i++)
            if (dest[i] == w) sel[view.nsel++] = (uint16_t)k_batch_row(b, i);
        if (view.nsel) rc = net_cluster_load_append(l->e->cl, w, l->load_ids[w], &view, err);
        if (view.nsel && rc == K_OK && l->lw) rc = st_writer_append(l->lw[w], &view, err);
    }
    free(dest);
    free(sel);
    return rc;
}

static int
decompress_file(const char *src, const char *dst, KErr *err)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    if (!in || !out) {
        if (in) fclose(in);
        if (out) fclose(out);
        return k_error(err, K_UNDEFINED_FILE, "could not open \"%s\" or \"%s\"", src, dst);
    }
    ZSTD_DCtx *z = ZSTD_createDCtx();
    size_t icap = ZSTD_DStreamInSize(), ocap = ZSTD_DStreamOutSize();
    void *ib = malloc(icap), *ob = malloc(ocap);
    int rc = K_OK;
    size_t rd;
    while (rc == K_OK && (rd = fread(ib, 1, icap, in)) > 0) {
        ZSTD_inBuffer zi = {ib, rd, 0};
        while (zi.pos < zi.size) {
            ZSTD_outBuffer zo = {ob, ocap, 0};
            size_t r = ZSTD_decompressStream(z, &zo, &zi);
            if (ZSTD_isError(r)) {
                rc = k_error(err, K_DATA_CORRUPTED, "corrupt zstd file \"%s\"", src);
                break;
            }
            if (fwrite(ob, 1, zo.pos, out) != zo.pos) {
                rc = k_error(err, K_IO_ERROR, "could not write \"%s\"", dst);
                break;
            }
        }
    }
    ZSTD_freeDCtx(z);
    free(ib);
    free(ob);
    fclose(in);
    if (fclose(out) && rc == K_OK) rc = k_error(err, K_IO_ERROR, "could not write \"%s\"", dst);
    return rc;
}

static int
create_and_load(Env *e, const char *shared, const char *tmp, bool colocated, KErr *err)
{
    for (size_t t = 0; t < NTABLES; t++) {
        StTableDef def;
        StColumnDef cols[16];
        build_def(&tables[t], colocated, &def, cols);
        uint32_t tid;
        if (st_table_create(e->coord, &def, &tid, err)) return K_ERR;
        def.id = tid;
        for (uint32_t w = 0; w < e->n; w++) {
            uint32_t wid;
            if (net_cluster_table_create(e->cl, w, &def, &wid, err)) return K_ERR;
            if (wid != tid)
                return k_error(err, K_INTERNAL_ERROR, "table %s got id %u on worker %u, %u here",
                               def.name, wid, w, tid);
        }
        char src[1024], dst[1024];
        if (tbl_dir) {
            snprintf(dst, sizeof dst, "%s/%s.tbl", tbl_dir, def.name);
        } else {
            snprintf(src, sizeof src, "%s/tpch/sf0.01/%s.tbl.zst", shared, def.name);
            snprintf(dst, sizeof dst, "%s/%s.tbl", tmp, def.name);
            if (decompress_file(src, dst, err)) return K_ERR;
        }
        uint64_t ids[64];
        for (uint32_t w = 0; w < e->n; w++)
            if (net_cluster_load_begin(e->cl, w, tid, &ids[w], err)) return K_ERR;
        StWriter *lw[64];
        for (uint32_t w = 0; e->local && w < e->n; w++) {
            uint32_t lid;
            if (st_table_create(e->local[w], &def, &lid, err)) return K_ERR;
            if (st_writer_begin(e->local[w], lid, &lw[w], err)) return K_ERR;
        }
        LoadCtx l = {e, &def, ids, PTHREAD_MUTEX_INITIALIZER, 0, e->local ? lw : NULL};
        StCopyOptions co;
        st_copy_options_tbl(&co);
        co.nthreads = 2;
        uint64_t rows = 0, wrows = 0;
        int rc = st_copy_file_to_sink(dst, def.name, def.ncols, def.cols, &co, load_sink, &l, &rows,
                                      err);
        for (uint32_t w = 0; rc == K_OK && w < e->n; w++) {
            uint64_t r;
            rc = net_cluster_load_prepare(e->cl, w, ids[w], &r, err);
            wrows += r;
        }
        for (uint32_t w = 0; rc == K_OK && w < e->n; w++)
            rc = net_cluster_load_commit(e->cl, w, ids[w], err);
        for (uint32_t w = 0; e->local && w < e->n; w++) {
            if (rc == K_OK)
                rc = st_writer_commit(lw[w], err);
            else
                st_writer_abort(lw[w]);
        }
        if (rc) {
            for (uint32_t w = 0; w < e->n; w++) net_cluster_load_abort(e->cl, w, ids[w]);
            return K_ERR;
        }
        if (!tbl_dir) unlink(dst);
        if (!strcmp(def.name, "lineitem")) e->lineitem_rows = rows;
        printf("loaded %-8s %7llu rows (%llu rows on workers)\n", def.name,
               (unsigned long long)rows, (unsigned long long)wrows);
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Results and comparison                                               */
/* ------------------------------------------------------------------ */
typedef struct Rows {
    pthread_mutex_t mu;
    char **lines;
    size_t n, cap;
} Rows;

static int
rows_push(void *ctx, const KBatch *b, KErr *err)
{
    Rows *r = ctx;
    KBuf line;
    k_buf_init(&line);
    int rc = K_OK;
    for (uint32_t i = 0; i < k_batch_rows(b); i++) {
        uint32_t row = k_batch_row(b, i);
        k_buf_clear(&line);
        for (uint32_t c = 0; c < b->ncols; c++) {
            if (c) k_buf_put_u8(&line, '|');
            const KVector *v = &b->cols[c];
            if (!k_vec_is_valid(v, row)) continue;
            char buf[512];
            int n = k_value_format(v->type, k_vec_slot(v, row), buf, sizeof buf);
            k_buf_put(&line, buf, (size_t)K_MIN(n, (int)sizeof buf - 1));
        }
        k_buf_put_u8(&line, 0);
        pthread_mutex_lock(&r->mu);
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            r->lines = realloc(r->lines, sizeof(char *) * r->cap);
        }
        r->lines[r->n++] = strdup((const char *)line.data);
        pthread_mutex_unlock(&r->mu);
    }
    if (line.failed) rc = k_error(err, K_OUT_OF_MEMORY, "out of memory");
    k_buf_free(&line);
    return rc;
}

static bool
is_number(const char *s, bool *integer)
{
    char *end;
    errno = 0;
    strtod(s, &end);
    if (end == s || *end || !*s) return false;
    *integer = !strpbrk(s, ".eE");
    return true;
}

static bool
field_eq(const char *a, const char *b)
{
    bool ia, ib;
    if (is_number(a, &ia) && is_number(b, &ib)) {
        if (ia && ib) return strtoll(a, NULL, 10) == strtoll(b, NULL, 10);
        double x = strtod(a, NULL), y = strtod(b, NULL), d = x > y ? x - y : y - x;
        double m = (x < 0 ? -x : x) > (y < 0 ? -y : y) ? (x < 0 ? -x : x) : (y < 0 ? -y : y);
        return d <= 0.01 || d <= 0.01 * m;
    }
    return !strcmp(a, b);
}

static bool
line_eq(const char *a, const char *b)
{
    char *x = strdup(a), *y = strdup(b), *sx, *sy;
    char *fx = strtok_r(x, "|", &sx), *fy = strtok_r(y, "|", &sy);
    bool ok = true;
    /* strtok skips empty fields on both sides alike; compare what remains */
    while (ok && (fx || fy)) {
        if (!fx || !fy || !field_eq(fx, fy)) ok = false;
        fx = strtok_r(NULL, "|", &sx);
        fy = strtok_r(NULL, "|", &sy);
    }
    free(x);
    free(y);
    return ok;
}

static int
cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **
read_answer(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char **lines = NULL;
    size_t cap = 0;
    *n = 0;
    char buf[8192];
    bool header = true;
    while (fgets(buf, sizeof buf, f)) {
        size_t l = strlen(buf);
        while (l && (buf[l - 1] == '\n' || buf[l - 1] == '\r')) buf[--l] = 0;
        if (header) {
            header = false;
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            lines = realloc(lines, sizeof(char *) * cap);
        }
        lines[(*n)++] = strdup(buf);
    }
    fclose(f);
    return lines;
}

static bool
compare(Rows *got, char **want, size_t nwant, char *why, size_t cap)
{
    if (got->n != nwant) {
        snprintf(why, cap, "%zu rows, expected %zu", got->n, nwant);
        return false;
    }
    size_t i;
    for (i = 0; i < nwant && line_eq(got->lines[i], want[i]); i++) {
    }
    if (i == nwant) return true;
    /* rows that tie on the ORDER BY keys may come in any order */
    char **g = malloc(sizeof(char *) * (nwant + 1)), **w = malloc(sizeof(char *) * (nwant + 1));
    memcpy(g, got->lines, sizeof(char *) * nwant);
    memcpy(w, want, sizeof(char *) * nwant);
    qsort(g, nwant, sizeof(char *), cmpstr);
    qsort(w, nwant, sizeof(char *), cmpstr);
    size_t j;
    for (j = 0; j < nwant && line_eq(g[j], w[j]); j++) {
    }
    if (j < nwant)
        snprintf(why, cap, "row %zu: got \"%.200s\", expected \"%.200s\"", i + 1, got->lines[i],
                 want[i]);
    free(g);
    free(w);
    return j == nwant;
}

/* ------------------------------------------------------------------ */
/* Queries                                                              */
/* ------------------------------------------------------------------ */
static long fault_pid;
static int fault_sig;

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

/* Cancellation in the middle of a large result: the sink raises the flag
 * at the first batch and then stalls, so producers on the workers are
 * blocked on credit when the cancel has to reach them. */
/* A slow consumer: the sink sleeps on every batch, so the coordinator's
 * inbox would grow without bound if producers did not wait for credit. */
static int
slow_push(void *ctx, const KBatch *b, KErr *err)
{
    (void)err;
    __atomic_fetch_add((uint64_t *)ctx, k_batch_rows(b), __ATOMIC_SEQ_CST);
    usleep(2000);
    return K_OK;
}

static int
run_slow(Env *e, const char *sql, uint64_t *rows, KErr *err)
{
    KArena *a = k_arena_create(NULL, "query");
    PrStmtList *stmts;
    int rc = pr_parse(a, sql, strlen(sql), &stmts, err);
    ExQueryPlan *plan = NULL;
    PlCatalog cat = {e, cat_lookup, cat_table_stats, cat_column_stats, e->n};
    if (rc == K_OK) rc = pl_plan_query(a, &cat, stmts->items[0].stmt, NULL, 0, NULL, &plan, err);
    *rows = 0;
    if (rc == K_OK) {
        ExSink sink = {rows, slow_push, NULL};
        rc = net_cluster_run(e->cl, plan, NULL, 0, NULL, NULL, &sink, err);
    }
    k_arena_destroy(a);
    return rc;
}

typedef struct CancelSink {
    volatile int flag;
    uint64_t batches;
} CancelSink;

static int
cancel_push(void *ctx, const KBatch *b, KErr *err)
{
    (void)b;
    (void)err;
    CancelSink *c = ctx;
    if (__atomic_fetch_add(&c->batches, 1, __ATOMIC_SEQ_CST) == 0) {
        c->flag = 1;
        usleep(200 * 1000);
    }
    return K_OK;
}

static int
run_cancelled(Env *e, const char *sql, uint64_t *batches, KErr *err)
{
    KArena *a = k_arena_create(NULL, "query");
    PrStmtList *stmts;
    int rc = pr_parse(a, sql, strlen(sql), &stmts, err);
    ExQueryPlan *plan = NULL;
    PlCatalog cat = {e, cat_lookup, cat_table_stats, cat_column_stats, e->n};
    if (rc == K_OK) rc = pl_plan_query(a, &cat, stmts->items[0].stmt, NULL, 0, NULL, &plan, err);
    CancelSink cs = {0, 0};
    if (rc == K_OK) {
        ExSink sink = {&cs, cancel_push, NULL};
        rc = net_cluster_run(e->cl, plan, NULL, 0, &cs.flag, NULL, &sink, err);
        if (rc == K_OK)
            rc = k_error(err, K_INTERNAL_ERROR, "the cancelled query succeeded");
        else if (err->code != K_QUERY_CANCELED)
            rc = K_ERR;
        else
            rc = K_OK;
    }
    *batches = cs.batches;
    k_arena_destroy(a);
    return rc;
}

static int
run_error(Env *e, const char *sql, KErr *err)
{
    KArena *a = k_arena_create(NULL, "query");
    PrStmtList *stmts;
    k_err_clear(err);
    int rc = pr_parse(a, sql, strlen(sql), &stmts, err);
    ExQueryPlan *plan = NULL;
    PlCatalog cat = {e, cat_lookup, cat_table_stats, cat_column_stats, e->n};
    if (rc == K_OK) rc = pl_plan_query(a, &cat, stmts->items[0].stmt, NULL, 0, NULL, &plan, err);
    Rows rows = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};
    if (rc == K_OK) {
        ExSink sink = {&rows, rows_push, NULL};
        rc = net_cluster_run(e->cl, plan, NULL, 0, NULL, NULL, &sink, err);
    }
    for (size_t i = 0; i < rows.n; i++) free(rows.lines[i]);
    free(rows.lines);
    k_arena_destroy(a);
    return rc;
}

static int
run_query(Env *e, const char *shared, int qn, const volatile int *cancel, bool *pass, KErr *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tpch/queries/q%02d.sql", shared, qn);
    char *sql = slurp(path);
    if (!sql) return k_error(err, K_UNDEFINED_FILE, "could not read \"%s\"", path);
    KArena *a = k_arena_create(NULL, "query");
    PrStmtList *stmts;
    int rc = pr_parse(a, sql, strlen(sql), &stmts, err);
    if (rc == K_OK && stmts->n < 1) rc = k_error(err, K_SYNTAX_ERROR, "no statement in %s", path);
    ExQueryPlan *plan = NULL;
    PlCatalog cat = {e, cat_lookup, cat_table_stats, cat_column_stats, e->n};
    PlOptions po;
    pl_options_default(&po);
    po.nworkers = e->n;
    if (rc == K_OK)
        rc = pl_plan_query(a, &cat, stmts->items[stmts->n - 1].stmt, NULL, 0, &po, &plan, err);
    Rows rows = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};
    if (rc == K_OK && fault_pid > 0) {
        /* the fault tests: the plan is made, now the worker dies or hangs */
        kill((pid_t)fault_pid, fault_sig);
        fault_pid = 0;
    }
    uint64_t t0 = k_now_ns(), b0 = net_cluster_bytes_sent(e->cl);
    if (rc == K_OK) {
        ExSink sink = {&rows, rows_push, NULL};
        rc = net_cluster_run(e->cl, plan, NULL, 0, cancel, NULL, &sink, err);
    }
    double ms = (double)(k_now_ns() - t0) / 1e6;
    if (rc == K_OK && getenv("CLUSTER_TPCH_SHOW") && rows.n)
        printf("q%02d row 1: %s\n", qn, rows.lines[0]);
    bool same_as_local = true;
    double lms = 0;
    if (rc == K_OK && e->local && !cancel) {
        /* the embedded runtime over the same shards, same plan */
        Rows lrows = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};
        ExLocalEnv le;
        memset(&le, 0, sizeof le);
        le.shards = e->local;
        le.nshards = e->n;
        le.coord_db = e->coord;
        le.arena = a;
        le.nthreads = e->nthreads;
        ExSink ls = {&lrows, rows_push, NULL};
        uint64_t l0 = k_now_ns();
        rc = ex_query_run_local(&le, plan, &ls, err);
        lms = (double)(k_now_ns() - l0) / 1e6;
        if (rc == K_OK) {
            char why[600];
            same_as_local = compare(&rows, lrows.lines, lrows.n, why, sizeof why);
            e->local_runs++;
            e->local_diffs += !same_as_local;
            if (!same_as_local) {
                printf("q%02d differs from the embedded runtime: %s\n", qn, why);
                KBuf ex;
                k_buf_init(&ex);
                ex_plan_explain(plan, NULL, &ex);
                printf("%.*s\n", (int)ex.len, (const char *)ex.data);
                k_buf_free(&ex);
            }
        }
        for (size_t i = 0; i < lrows.n; i++) free(lrows.lines[i]);
        free(lrows.lines);
        e->ms_cluster += ms;
        e->ms_local += lms;
    }
    if (rc == K_OK) {
        snprintf(path, sizeof path, "%s/tpch/answers-sf0.01/q%02d.csv", shared, qn);
        size_t nw = 0;
        /* other data (--tbl-dir) is checked against the embedded runtime only */
        char **want = tbl_dir ? NULL : read_answer(path, &nw);
        char why[600] = "";
        *pass = (tbl_dir ? e->local != NULL : want && compare(&rows, want, nw, why, sizeof why)) &&
                same_as_local;
        char lt[64] = "";
        if (e->local && !cancel) snprintf(lt, sizeof lt, "  (embedded %.1f ms)", lms);
        printf("q%02d %s  %4zu rows  %7.1f ms%s  %9llu exchange bytes%s%s\n", qn,
               *pass ? "ok  " : "FAIL", rows.n, ms, lt,
               (unsigned long long)(net_cluster_bytes_sent(e->cl) - b0), *pass ? "" : "  ", why);
        for (size_t i = 0; i < nw; i++) free(want[i]);
        free(want);
    }
    for (size_t i = 0; i < rows.n; i++) free(rows.lines[i]);
    free(rows.lines);
    k_arena_destroy(a);
    free(sql);
    return rc;
}

int
main(int argc, char **argv)
{
    const char *shared = getenv("KESTREL_SHARED"), *secret = NULL, *layout = "colocated";
    const char *queries = NULL;
    uint32_t nthreads = 2; /* >1: the executor reads exchanges on several threads */
    long kill_pid = 0, stop_pid = 0;
    const char *restart_cmd = NULL;
    bool compare_local = false;
    int repeat = 1;
    const char *addrs[64];
    uint32_t n = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--shared") && v)
            shared = argv[++i];
        else if (!strcmp(argv[i], "--secret") && v)
            secret = argv[++i];
        else if (!strcmp(argv[i], "--layout") && v)
            layout = argv[++i];
        else if (!strcmp(argv[i], "--queries") && v)
            queries = argv[++i];
        else if (!strcmp(argv[i], "--nthreads") && v)
            nthreads = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kill-test") && v)
            kill_pid = atol(argv[++i]);
        else if (!strcmp(argv[i], "--stop-test") && v)
            stop_pid = atol(argv[++i]);
        else if (!strcmp(argv[i], "--restart-cmd") && v)
            restart_cmd = argv[++i];
        else if (!strcmp(argv[i], "--compare-local"))
            compare_local = true;
        else if (!strcmp(argv[i], "--repeat") && v)
            repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tbl-dir") && v)
            tbl_dir = argv[++i];
        else if (n < 64)
            addrs[n++] = argv[i];
    }
    if (repeat < 1) repeat = 1;
    if (!shared || !secret || !n) {
        fprintf(stderr, "usage: cluster_tpch --shared DIR --secret S [--layout L] HOST:PORT...\n");
        return 2;
    }
    char tmp[] = "/tmp/kcl_tpch_XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 2;
    }
    KErr err;
    k_err_clear(&err);
    KArena *root = k_arena_create(NULL, "driver");
    Env e;
    memset(&e, 0, sizeof e);
    e.n = n;
    e.nthreads = nthreads;
    StDb *local[64] = {NULL};
    int failures = 0, rc = 1;
    char cpath[1100];
    snprintf(cpath, sizeof cpath, "%s/coordinator", tmp);
    StDbOptions so;
    memset(&so, 0, sizeof so);
    so.no_fsync = true;
    if (st_db_open(cpath, &so, root, &e.coord, &err)) goto fail;
    for (uint32_t w = 0; compare_local && w < n; w++) {
        snprintf(cpath, sizeof cpath, "%s/local-%u", tmp, w);
        if (st_db_open(cpath, &so, root, &local[w], &err)) goto fail;
        e.local = local;
    }
    NetClusterOptions o;
    memset(&o, 0, sizeof o);
    o.secret = secret;
    o.secret_len = strlen(secret);
    o.coord_db = e.coord;
    o.nthreads = nthreads;
    o.compress = true;
    if (net_cluster_connect(&o, addrs, n, &e.cl, &err)) goto fail;
    uint64_t t0 = k_now_ns();
    if (create_and_load(&e, shared, tmp, strcmp(layout, "repartition") != 0, &err)) goto fail;
    printf("schema and data loaded on %u workers in %.1f s (layout %s)\n", n,
           (double)(k_now_ns() - t0) / 1e9, layout);
    t0 = k_now_ns();
    int ran = 0;
    for (int qq = 0; qq < 22 * repeat; qq++) {
        int q = qq % 22 + 1;
        if (queries) {
            char key[16];
            snprintf(key, sizeof key, "%d", q);
            bool want = false;
            const char *p = queries;
            while (p && *p) {
                if (!strncmp(p, key, strlen(key)) && (p[strlen(key)] == ',' || !p[strlen(key)]))
                    want = true;
                p = strchr(p, ',');
                if (p) p++;
            }
            if (!want) continue;
        }
        bool pass = false;
        KErr qe;
        if (run_query(&e, shared, q, NULL, &pass, &qe)) {
            printf("q%02d FAIL  error %s: %s%s%s\n", q, k_sqlstate_code(qe.code), qe.message,
                   qe.detail[0] ? " — " : "", qe.detail);
            pass = false;
        }
        failures += !pass;
        ran++;
    }
    printf("%d/%d queries matched across %u worker processes in %.1f s; %llu exchange bytes "
           "sent, %llu received by the coordinator\n",
           ran - failures, ran, n, (double)(k_now_ns() - t0) / 1e9,
           (unsigned long long)net_cluster_bytes_sent(e.cl),
           (unsigned long long)net_cluster_bytes_received(e.cl));
    if (e.local)
        printf("embedded runtime (ex_query_run_local) over the same shards and plans: %d of %d "
               "results differ; query time %.1f ms across processes vs %.1f ms in process\n",
               e.local_diffs, e.local_runs, e.ms_cluster, e.ms_local);
    {
        /* cancellation: a query whose cancel flag is set stops with 57014,
         * and the cluster keeps working afterwards */
        bool pass = false;
        KErr qe;
        uint64_t batches = 0;
        uint64_t c0 = k_now_ns();
        int r = run_cancelled(&e, "select l_orderkey, l_comment, l_shipinstruct from lineitem",
                              &batches, &qe);
        printf(
            "cancel in the middle of a lineitem-sized result: %s after %llu batches (%.2f s)%s%s\n",
            r ? "FAIL" : "57014", (unsigned long long)batches, (double)(k_now_ns() - c0) / 1e9,
            r ? ": " : "", r ? qe.message : "");
        if (r) failures++;
        r = run_query(&e, shared, 3, NULL, &pass, &qe);
        printf("q03 after the cancel: %s\n", !r && pass ? "ok" : "FAIL");
        if (r || !pass) failures++;
        /* flow control: a slow consumer bounds what producers queue */
        uint64_t nrows = 0;
        net_cluster_peak_queued(e.cl, true);
        r = run_slow(&e, "select l_orderkey, l_comment from lineitem", &nrows, &qe);
        uint32_t peak = net_cluster_peak_queued(e.cl, false);
        printf("slow consumer: %s, %llu rows, at most %u batches queued (window %d per producer, "
               "%u producers)\n",
               r ? qe.message : "ok", (unsigned long long)nrows, peak, NET_CL_WINDOW, e.n);
        if (r || nrows != e.lineitem_rows || peak > NET_CL_WINDOW * e.n) failures++;
        /* a run-time error inside worker fragments comes back as the error */
        r = run_error(&e, "select sum(1 / (l_linenumber - l_linenumber)) from lineitem", &qe);
        printf("error on the workers: %s: %s%s%s\n", r ? k_sqlstate_code(qe.code) : "NO ERROR",
               qe.message, qe.detail[0] ? " — " : "", qe.detail);
        if (!r || qe.code != K_DIVISION_BY_ZERO) failures++;
        r = run_query(&e, shared, 6, NULL, &pass, &qe);
        if (r || !pass) failures++;
    }
    if (stop_pid > 0) {
        /* a worker that stops answering (SIGSTOP): the heartbeat timeout
         * fails the query with 08006 within ~3 s */
        fault_pid = stop_pid;
        fault_sig = SIGSTOP;
        uint64_t k0 = k_now_ns();
        bool pass = false;
        KErr qe;
        int r = run_query(&e, shared, 9, NULL, &pass, &qe);
        double s = (double)(k_now_ns() - k0) / 1e9;
        printf("with a stopped worker: %s %s: %s (%.2f s)\n", r ? "error" : "NO ERROR",
               r ? k_sqlstate_code(qe.code) : "", r ? qe.message : "", s);
        if (!r || qe.code != K_CONNECTION_FAILURE || s > 5.0) failures++;
    } else if (kill_pid > 0) {
        /* failure detection: kill one worker mid-way and expect 08006 within 5 s */
        fault_pid = kill_pid;
        fault_sig = SIGKILL;
        uint64_t k0 = k_now_ns();
        bool pass = false;
        KErr qe;
        int r = run_query(&e, shared, 9, NULL, &pass, &qe);
        double s = (double)(k_now_ns() - k0) / 1e9;
        printf("after kill -9 of a worker: %s %s: %s (%.2f s)\n", r ? "error" : "NO ERROR",
               r ? k_sqlstate_code(qe.code) : "", r ? qe.message : "", s);
        if (!r || qe.code != K_CONNECTION_FAILURE || s > 5.0) failures++;
    }
    if (restart_cmd || stop_pid > 0) {
        /* the worker comes back (restarted after -9, or resumed after
         * SIGSTOP): it rejoins on the next query and everything passes */
        if (stop_pid > 0) kill((pid_t)stop_pid, SIGCONT);
        if (restart_cmd && system(restart_cmd) != 0) {
            printf("restart command failed\n");
            failures++;
        }
        int again = 0;
        for (int q = 1; q <= 22; q++) {
            bool pass = false;
            KErr qe;
            if (run_query(&e, shared, q, NULL, &pass, &qe)) {
                printf("q%02d FAIL  error %s: %s\n", q, k_sqlstate_code(qe.code), qe.message);
                pass = false;
            }
            again += pass;
        }
        printf("after the worker came back: %d/22 queries matched\n", again);
        failures += 22 - again;
    }
    rc = failures ? 1 : 0;
    goto out;
fail:
    fprintf(stderr, "cluster_tpch: %s (%s)%s%s\n", err.message, k_sqlstate_code(err.code),
            err.detail[0] ? " — " : "", err.detail);
out:
    net_cluster_close(e.cl);
    if (e.coord) st_db_close(e.coord);
    for (uint32_t w = 0; w < n; w++)
        if (local[w]) st_db_close(local[w]);
    k_arena_destroy(root);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd)) { /* best effort */
    }
    return rc;
}
