/*
 * test_cluster_remote.c — the coordinator client of net/cluster_node.c
 * against two in-process workers: remote DDL (create, partition add,
 * truncate, drop, errors coming back with their SQLSTATE), load streams
 * (commit, abort, a NOT NULL violation surfacing at prepare), statistics
 * (table, column with string min/max, sketches), queries with
 * parameters shipped to the workers (planned by the real planner, several
 * at once), a worker that stops and rejoins, and a coordinator that falls
 * silent in the middle of a query.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/cluster.h"
#include "parser/parser.h"
#include "planner/planner.h"

static const char SECRET[] = "remote-test-secret";

typedef struct Fx {
    char dir[256];
    NetClNode *w[2];
    NetCluster *cl;
    KArena *a;
    StDb *coord;
} Fx;

static uint32_t coord_timeout_ms; /* workers' limit; 0 = default */
static uint32_t heartbeat_ms;     /* coordinator's; 0 = default */

static int
setup(void **state)
{
    Fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s/kclrXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(f->dir)) return -1;
    KErr err;
    char addrs[2][64];
    const char *ap[2];
    for (int i = 0; i < 2; i++) {
        char data[300];
        snprintf(data, sizeof data, "%s/w%d", f->dir, i);
        NetClWorkerOptions o;
        memset(&o, 0, sizeof o);
        o.data_dir = data;
        o.secret = SECRET;
        o.secret_len = strlen(SECRET);
        o.no_fsync = true;
        o.coord_timeout_ms = coord_timeout_ms;
        if (net_cl_worker_start(&o, &f->w[i], &err)) return -1;
        snprintf(addrs[i], sizeof addrs[i], "127.0.0.1:%u", net_cl_worker_port(f->w[i]));
        ap[i] = addrs[i];
    }
    f->a = k_arena_create(NULL, "test");
    char cpath[300];
    snprintf(cpath, sizeof cpath, "%s/coord", f->dir);
    StDbOptions so;
    memset(&so, 0, sizeof so);
    so.no_fsync = true;
    if (st_db_open(cpath, &so, f->a, &f->coord, &err)) return -1;
    NetClusterOptions co;
    memset(&co, 0, sizeof co);
    co.secret = SECRET;
    co.secret_len = strlen(SECRET);
    co.coord_db = f->coord;
    co.nthreads = 1;
    co.compress = true;
    co.heartbeat_ms = heartbeat_ms;
    co.max_queries = 2; /* the concurrency test runs 4 threads: 2 wait their turn */
    co.dead_after_ms = heartbeat_ms ? 4 * heartbeat_ms : 0;
    if (net_cluster_connect(&co, ap, 2, &f->cl, &err)) {
        fprintf(stderr, "connect: %s\n", err.message);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    Fx *f = *state;
    net_cluster_close(f->cl);
    net_cl_worker_stop(f->w[0]);
    net_cl_worker_stop(f->w[1]); /* NULL-safe */
    st_db_close(f->coord);
    k_arena_destroy(f->a);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd)) { /* best effort */
    }
    free(f);
    return 0;
}

static void
make_def(StTableDef *d, StColumnDef *cols)
{
    memset(d, 0, sizeof *d);
    memset(cols, 0, 3 * sizeof *cols);
    strcpy(d->name, "t");
    strcpy(cols[0].name, "k");
    cols[0].type = k_type(K_TYPE_INT32);
    cols[0].not_null = true;
    strcpy(cols[1].name, "s");
    cols[1].type = k_type_varchar(0);
    strcpy(cols[2].name, "x");
    cols[2].type = k_type_decimal(20, 3);
    d->ncols = 3;
    d->cols = cols;
    d->dist = ST_DIST_HASH;
    d->ndist_cols = 1;
    d->dist_cols[0] = 0;
    d->part_col = 0;
}

/* Rows k = 0..n-1, s = "value-<k>-with-a-long-tail" or NULL every 10th, x = k * 1.5 */
static KBatch *
rows_batch(KArena *a, int from, int n, bool null_key)
{
    KType t[3] = {k_type(K_TYPE_INT32), k_type_varchar(0), k_type_decimal(20, 3)};
    KErr err;
    KBatch *b = k_batch_create(a, 3, t, &err);
    assert_non_null(b);
    assert_int_equal(k_vector_ensure_validity(&b->cols[1], b->arena, &err), K_OK);
    if (null_key) assert_int_equal(k_vector_ensure_validity(&b->cols[0], b->arena, &err), K_OK);
    for (int i = 0; i < n; i++) {
        int k = from + i;
        ((int32_t *)b->cols[0].data)[i] = k;
        if (null_key && i == n / 2) k_vec_set_valid(&b->cols[0], (uint32_t)i, false);
        char buf[64];
        int l = snprintf(buf, sizeof buf, "value-%05d-with-a-long-tail", k);
        assert_true(k_str_copy(b->heap, buf, (uint32_t)l, &((KStr *)b->cols[1].data)[i]));
        k_vec_set_valid(&b->cols[1], (uint32_t)i, k % 10 != 0);
        ((k_int128 *)b->cols[2].data)[i] = (k_int128)k * 1500;
    }
    b->count = (uint32_t)n;
    return b;
}

static void
load(Fx *f, uint32_t tid, int from, int n)
{
    KErr err;
    uint64_t ids[2];
    for (uint32_t w = 0; w < 2; w++)
        assert_int_equal(net_cluster_load_begin(f->cl, w, tid, &ids[w], &err), K_OK);
    KBatch *b = rows_batch(f->a, from, n, false);
    uint32_t dest[K_VECTOR_SIZE];
    uint64_t rr = 0;
    StTableDef *def;
    assert_int_equal(st_table_get(f->coord, tid, f->a, &def, &err), K_OK);
    st_dist_route(def, b, 2, &rr, dest);
    uint16_t sel[K_VECTOR_SIZE];
    for (uint32_t w = 0; w < 2; w++) {
        KBatch v = *b;
        v.sel = sel;
        v.nsel = 0;
        for (uint32_t i = 0; i < b->count; i++)
            if (dest[i] == w) sel[v.nsel++] = (uint16_t)i;
        assert_int_equal(net_cluster_load_append(f->cl, w, ids[w], &v, &err), K_OK);
    }
    uint64_t total = 0;
    for (uint32_t w = 0; w < 2; w++) {
        uint64_t r;
        assert_int_equal(net_cluster_load_prepare(f->cl, w, ids[w], &r, &err), K_OK);
        total += r;
    }
    assert_int_equal(total, (uint64_t)n);
    for (uint32_t w = 0; w < 2; w++)
        assert_int_equal(net_cluster_load_commit(f->cl, w, ids[w], &err), K_OK);
    k_batch_destroy(b);
}

static uint64_t
total_rows(Fx *f, uint32_t tid)
{
    KErr err;
    uint64_t rows = 0;
    for (uint32_t w = 0; w < 2; w++) {
        StTableStats s;
        assert_int_equal(net_cluster_table_stats(f->cl, w, tid, ST_ALL_PARTITIONS, &s, &err), K_OK);
        rows += s.rows;
    }
    return rows;
}

/* ---- a PlCatalog over the coordinator's db and the workers' stats ---- */
static int
cat_lookup(void *ctx, const char *schema, const char *name, KArena *a, const StTableDef **def,
           KErr *err)
{
    Fx *f = ctx;
    uint32_t tid;
    StTableDef *d;
    if (st_table_lookup(f->coord, schema, name, &tid, err)) return K_ERR;
    if (st_table_get(f->coord, tid, a, &d, err)) return K_ERR;
    *def = d;
    return K_OK;
}

typedef struct Res {
    int64_t count;
    char min_s[64];
    int nrows;
} Res;

static int
res_push(void *ctx, const KBatch *b, KErr *err)
{
    (void)err;
    Res *r = ctx;
    for (uint32_t i = 0; i < k_batch_rows(b); i++) {
        uint32_t row = k_batch_row(b, i);
        r->count = *(int64_t *)k_vec_slot(&b->cols[0], row);
        if (b->ncols > 1 && k_vec_is_valid(&b->cols[1], row)) {
            const KStr *s = k_vec_slot(&b->cols[1], row);
            snprintf(r->min_s, sizeof r->min_s, "%.*s", (int)s->len, k_str_data(s));
        }
        r->nrows++;
    }
    return K_OK;
}

static int
query(Fx *f, const char *sql, const ExParam *params, uint32_t np, Res *out, KErr *err)
{
    KArena *a = k_arena_create(NULL, "q");
    PrStmtList *st;
    assert_int_equal(pr_parse(a, sql, strlen(sql), &st, err), K_OK);
    PlCatalog cat = {f, cat_lookup, NULL, NULL, 2};
    KType pt[4];
    for (uint32_t i = 0; i < np; i++) pt[i] = params[i].type;
    ExQueryPlan *plan;
    int rc = pl_plan_query(a, &cat, st->items[0].stmt, pt, np, NULL, &plan, err);
    memset(out, 0, sizeof *out);
    if (rc == K_OK) {
        ExSink sink = {out, res_push, NULL};
        rc = net_cluster_run(f->cl, plan, params, np, NULL, NULL, &sink, err);
    }
    k_arena_destroy(a);
    return rc;
}

/* Several queries at once over one NetCluster (each thread its own). */
typedef struct Conc {
    Fx *f;
    int id;
    int ok;
} Conc;

static void *
conc_main(void *arg)
{
    Conc *c = arg;
    for (int i = 0; i < 6; i++) {
        Res res;
        KErr err;
        ExParam prm;
        memset(&prm, 0, sizeof prm);
        prm.type = k_type(K_TYPE_INT32);
        prm.v.i32 = 100 * (c->id + 1) + i;
        const char *sql = i % 2 ? "select count(*) from t a join t b on a.k = b.k where a.k < $1"
                                : "select count(*), min(s) from t where k < $1";
        if (query(c->f, sql, &prm, 1, &res, &err) == K_OK && res.count == prm.v.i32) c->ok++;
    }
    return NULL;
}

/* Three queries whose sinks each hold them 300 ms, with room for two: the
 * third waits for a slot (admission), so two ran at once and never three. */
static int
hold_push(void *ctx, const KBatch *b, KErr *err)
{
    (void)b;
    (void)err;
    (void)ctx;
    usleep(300 * 1000);
    return K_OK;
}

static void *
hold_main(void *arg)
{
    Conc *c = arg;
    KArena *a = k_arena_create(NULL, "q");
    PrStmtList *st;
    KErr err;
    const char *sql = "select count(*) from t";
    ExQueryPlan *plan;
    PlCatalog cat = {c->f, cat_lookup, NULL, NULL, 2};
    if (pr_parse(a, sql, strlen(sql), &st, &err) == K_OK &&
        pl_plan_query(a, &cat, st->items[0].stmt, NULL, 0, NULL, &plan, &err) == K_OK) {
        ExSink sink = {NULL, hold_push, NULL};
        if (net_cluster_run(c->f->cl, plan, NULL, 0, NULL, NULL, &sink, &err) == K_OK) c->ok = 1;
    }
    k_arena_destroy(a);
    return NULL;
}

static void
concurrent_queries(Fx *f)
{
    pthread_t h[3];
    Conc hc[3];
    uint64_t t0 = k_now_ns();
    for (int i = 0; i < 3; i++) {
        hc[i] = (Conc){f, i, 0};
        assert_int_equal(pthread_create(&h[i], NULL, hold_main, &hc[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(h[i], NULL);
        assert_int_equal(hc[i].ok, 1);
    }
    assert_true(k_now_ns() - t0 >= UINT64_C(600000000)); /* the third waited */
    assert_int_equal(net_cluster_peak_running(f->cl), 2);

    pthread_t t[4];
    Conc c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (Conc){f, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, conc_main, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].ok, 6);
    }
    assert_true(net_cluster_peak_running(f->cl) <= 2);
}

static void
test_remote(void **state)
{
    Fx *f = *state;
    KErr err;
    StTableDef def;
    StColumnDef cols[3];
    make_def(&def, cols);
    uint32_t tid, wid;
    assert_int_equal(st_table_create(f->coord, &def, &tid, &err), K_OK);
    for (uint32_t w = 0; w < 2; w++) {
        assert_int_equal(net_cluster_table_create(f->cl, w, &def, &wid, &err), K_OK);
        assert_int_equal(wid, tid);
    }
    /* a duplicate comes back with its SQLSTATE */
    assert_int_equal(net_cluster_table_create(f->cl, 0, &def, &wid, &err), K_ERR);
    assert_int_equal(err.code, K_DUPLICATE_TABLE);
    assert_non_null(strstr(err.message, "\"t\""));
    /* partitions: [0, 500) and [500, 5000) on the coordinator and workers */
    StPartitionDef p[2];
    memset(p, 0, sizeof p);
    strcpy(p[0].name, "t_low");
    p[0].has_lo = p[0].has_hi = true;
    p[0].lo.u.i64 = 0;
    p[0].hi.u.i64 = 500;
    strcpy(p[1].name, "t_high");
    p[1].has_lo = p[1].has_hi = true;
    p[1].lo.u.i64 = 500;
    p[1].hi.u.i64 = 5000;
    for (int i = 0; i < 2; i++) {
        uint32_t pid, wpid;
        assert_int_equal(st_partition_add(f->coord, tid, &p[i], &pid, &err), K_OK);
        for (uint32_t w = 0; w < 2; w++) {
            assert_int_equal(net_cluster_partition_add(f->cl, w, tid, &p[i], &wpid, &err), K_OK);
            assert_int_equal(wpid, pid);
        }
    }
    /* overlapping partition: 42P17 from the worker */
    uint32_t dummy;
    assert_int_equal(net_cluster_partition_add(f->cl, 1, tid, &p[0], &dummy, &err), K_ERR);
    assert_true(err.code != K_PROTOCOL_VIOLATION && err.message[0]);

    load(f, tid, 0, 2000);
    assert_int_equal(total_rows(f, tid), 2000);

    /* an aborted load leaves nothing */
    uint64_t lid;
    assert_int_equal(net_cluster_load_begin(f->cl, 0, tid, &lid, &err), K_OK);
    KBatch *b = rows_batch(f->a, 2000, 100, false);
    assert_int_equal(net_cluster_load_append(f->cl, 0, lid, b, &err), K_OK);
    net_cluster_load_abort(f->cl, 0, lid);
    k_batch_destroy(b);
    assert_int_equal(total_rows(f, tid), 2000);

    /* a NULL in a NOT NULL column surfaces at prepare; commit then fails too */
    assert_int_equal(net_cluster_load_begin(f->cl, 1, tid, &lid, &err), K_OK);
    b = rows_batch(f->a, 3000, 50, true);
    assert_int_equal(net_cluster_load_append(f->cl, 1, lid, b, &err), K_OK);
    k_batch_destroy(b);
    uint64_t r;
    assert_int_equal(net_cluster_load_prepare(f->cl, 1, lid, &r, &err), K_ERR);
    assert_int_equal(err.code, K_NOT_NULL_VIOLATION);
    assert_int_equal(net_cluster_load_commit(f->cl, 1, lid, &err), K_ERR);
    assert_int_equal(total_rows(f, tid), 2000);

    /* column statistics: string min/max, NULL counts, sketches */
    uint64_t nulls = 0, rows = 0;
    uint8_t merged[ST_SKETCH_REGISTERS], regs[ST_SKETCH_REGISTERS];
    memset(merged, 0, sizeof merged);
    for (uint32_t w = 0; w < 2; w++) {
        StColumnStats cs;
        assert_int_equal(
            net_cluster_column_stats(f->cl, w, tid, ST_ALL_PARTITIONS, 1, f->a, &cs, &err), K_OK);
        rows += cs.rows;
        nulls += cs.nulls;
        assert_true(cs.has_minmax);
        assert_true(cs.min.u.str.len == 28 && !memcmp(k_str_data(&cs.min.u.str), "value-", 6));
        assert_int_equal(net_cluster_column_sketch(f->cl, w, tid, ST_ALL_PARTITIONS, 0, regs, &err),
                         K_OK);
        st_sketch_merge(merged, regs);
        StColumnStats ks;
        assert_int_equal(
            net_cluster_column_stats(f->cl, w, tid, ST_ALL_PARTITIONS, 2, f->a, &ks, &err), K_OK);
        assert_true(ks.has_minmax && ks.max.u.i128 <= (k_int128)1999 * 1500);
    }
    assert_int_equal(rows, 2000);
    assert_int_equal(nulls, 200);
    double est = st_sketch_estimate(merged);
    assert_true(est > 1800 && est < 2200);
    StColumnStats bad;
    assert_int_equal(
        net_cluster_column_stats(f->cl, 0, tid, ST_ALL_PARTITIONS, 7, f->a, &bad, &err), K_ERR);

    /* queries with parameters shipped to the workers */
    Res res;
    ExParam prm[2];
    memset(prm, 0, sizeof prm);
    prm[0].type = k_type(K_TYPE_INT32);
    prm[0].v.i32 = 750;
    assert_int_equal(query(f, "select count(*), min(s) from t where k < $1", prm, 1, &res, &err),
                     K_OK);
    assert_int_equal(res.nrows, 1);
    assert_int_equal(res.count, 750);
    assert_string_equal(res.min_s, "value-00001-with-a-long-tail");
    prm[0].type = k_type_varchar(0);
    const char *want = "value-01234-with-a-long-tail";
    prm[0].v.str = k_str_ref(want, (uint32_t)strlen(want));
    assert_int_equal(query(f, "select count(*) from t where s = $1", prm, 1, &res, &err), K_OK);
    assert_int_equal(res.count, 1);
    assert_int_equal(query(f,
                           "select count(*) from t a join t b on a.k = b.k + 1 where a.s is null",
                           NULL, 0, &res, &err),
                     K_OK);
    assert_int_equal(res.count, 199); /* k = 10, 20, ..., 1990 (k = 0 has no k - 1) */
    concurrent_queries(f);
    /* a run-time error on the workers */
    assert_int_equal(query(f, "select count(*) from t where 10 / (k - k) = 1", NULL, 0, &res, &err),
                     K_ERR);
    assert_int_equal(err.code, K_DIVISION_BY_ZERO);

    /* truncate and drop */
    for (uint32_t w = 0; w < 2; w++)
        assert_int_equal(net_cluster_table_truncate(f->cl, w, tid, &err), K_OK);
    assert_int_equal(total_rows(f, tid), 0);
    assert_int_equal(query(f, "select count(*) from t", NULL, 0, &res, &err), K_OK);
    assert_int_equal(res.count, 0);
    for (uint32_t w = 0; w < 2; w++)
        assert_int_equal(net_cluster_table_drop(f->cl, w, tid, &err), K_OK);
    StTableStats ts;
    assert_int_equal(net_cluster_table_stats(f->cl, 0, tid, ST_ALL_PARTITIONS, &ts, &err), K_ERR);
    strcpy(def.name, "t2");
    def.part_col = -1;
    assert_int_equal(st_table_create(f->coord, &def, &tid, &err), K_OK);
    for (uint32_t w = 0; w < 2; w++)
        assert_int_equal(net_cluster_table_create(f->cl, w, &def, &wid, &err), K_OK);
    assert_true(net_cluster_worker_alive(f->cl, 0) && net_cluster_worker_alive(f->cl, 1));
    NetClWorkerInfo wi;
    net_cluster_worker_info(f->cl, 1, &wi);
    assert_true(wi.alive);
    assert_int_equal(wi.connects, 1);
    assert_true(wi.last_heard_ms < 3000);
    assert_non_null(strstr(wi.addr, "127.0.0.1:"));

    /* a worker that stops: the next query fails with 08006 naming it, the
     * info shows it down; started again on the same port it rejoins */
    char data[300];
    snprintf(data, sizeof data, "%s/w1", f->dir);
    uint16_t port = net_cl_worker_port(f->w[1]);
    net_cl_worker_stop(f->w[1]);
    f->w[1] = NULL;
    assert_int_equal(query(f, "select count(*) from t2", NULL, 0, &res, &err), K_ERR);
    assert_int_equal(err.code, K_CONNECTION_FAILURE);
    assert_non_null(strstr(err.message, wi.addr));
    net_cluster_worker_info(f->cl, 1, &wi);
    assert_false(wi.alive);
    NetClWorkerOptions o;
    memset(&o, 0, sizeof o);
    o.data_dir = data;
    o.port = port;
    o.secret = SECRET;
    o.secret_len = strlen(SECRET);
    o.no_fsync = true;
    assert_int_equal(net_cl_worker_start(&o, &f->w[1], &err), K_OK);
    assert_int_equal(query(f, "select count(*) from t2", NULL, 0, &res, &err), K_OK);
    assert_int_equal(res.count, 0);
    net_cluster_worker_info(f->cl, 1, &wi);
    assert_true(wi.alive);
    assert_int_equal(wi.connects, 2);
}

/* A coordinator that stops sending heartbeats (here: heartbeats every 60 s,
 * workers give up after 0.5 s of silence) while a query is stalled in its
 * sink: the workers close its connection and cancel their fragments, and
 * the query fails with 08006 instead of hanging. */
static int
stall_push(void *ctx, const KBatch *b, KErr *err)
{
    (void)b;
    (void)err;
    int *n = ctx;
    if ((*n)++ == 0) usleep(1500 * 1000);
    return K_OK;
}

static void
test_silent_coordinator(void **state)
{
    Fx *f = *state;
    KErr err;
    StTableDef def;
    StColumnDef cols[3];
    make_def(&def, cols);
    def.part_col = -1;
    uint32_t tid, wid;
    assert_int_equal(st_table_create(f->coord, &def, &tid, &err), K_OK);
    for (uint32_t w = 0; w < 2; w++)
        assert_int_equal(net_cluster_table_create(f->cl, w, &def, &wid, &err), K_OK);
    for (int i = 0; i < 20; i++) load(f, tid, i * 2000, 2000);
    KArena *a = k_arena_create(NULL, "q");
    PrStmtList *st;
    const char *sql = "select k, s from t";
    assert_int_equal(pr_parse(a, sql, strlen(sql), &st, &err), K_OK);
    PlCatalog cat = {f, cat_lookup, NULL, NULL, 2};
    ExQueryPlan *plan;
    assert_int_equal(pl_plan_query(a, &cat, st->items[0].stmt, NULL, 0, NULL, &plan, &err), K_OK);
    int n = 0;
    ExSink sink = {&n, stall_push, NULL};
    uint64_t t0 = k_now_ns();
    assert_int_equal(net_cluster_run(f->cl, plan, NULL, 0, NULL, NULL, &sink, &err), K_ERR);
    assert_int_equal(err.code, K_CONNECTION_FAILURE);
    assert_true(k_now_ns() - t0 < UINT64_C(5000000000));
    /* the cluster recovers: the next query reconnects */
    Res res;
    assert_int_equal(query(f, "select count(*) from t", NULL, 0, &res, &err), K_OK);
    assert_int_equal(res.count, 40000);
    k_arena_destroy(a);
}

static int
setup_silent(void **state)
{
    coord_timeout_ms = 500;
    heartbeat_ms = 60000;
    int rc = setup(state);
    coord_timeout_ms = heartbeat_ms = 0;
    return rc;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_remote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_coordinator, setup_silent, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
