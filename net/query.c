/*
 * query.c — planning and running queries on the embedded workers.
 *
 * Interface routines: net__query_describe, net__query_start,
 * net__query_next, net__query_stop, net__explain, net__insert.
 *
 * Notes: the planner sees the catalog through a PlCatalog whose callbacks
 * read definitions from the coordinator and sum statistics over the
 * workers. A query runs on its own thread (ex_query_run_local: fragments on
 * OpenMP threads, never on a libuv loop) and hands result batches to the
 * cursor through a bounded queue, so a large result streams with bounded
 * memory: the producer waits while the queue is full. Closing the cursor
 * early sets a stop flag that makes the next push fail, which ends the run.
 */
#include "net/net_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "exec/exec.h"
#include "net/cluster.h"
#include "planner/planner.h"

/* How rows become lines: PostgreSQL's text format (tab-separated, \N for
 * NULL, backslash escapes) or CSV (quoted when needed, NULL unquoted
 * empty). */
struct CopyOutFmt {
    StCopyFormat format;
    char delim, quote, escape;
    const char *null_str;
    bool header_pending;
    FILE *file;        /* COPY ... TO 'file' */
    char *path, *tmp_path;
};

/* ------------------------------------------------------------------ */
/* The catalog as the planner sees it                                   */
/* ------------------------------------------------------------------ */
static int
cat_lookup(void *ctx, const char *schema, const char *name, KArena *a, const StTableDef **def, KErr *err)
{
    NetEngine *e = ctx;
    if (net__sys_lookup(schema, name, a, def)) return K_OK;
    uint32_t tid;
    if (st_table_lookup(e->coord, schema, name, &tid, err)) return K_ERR;
    StTableDef *d;
    if (st_table_get(e->coord, tid, a, &d, err)) return K_ERR;
    *def = d;
    return K_OK;
}

static bool
is_replicated(NetEngine *e, uint32_t table_id, KArena *a)
{
    StTableDef *d;
    KErr err;
    return st_table_get(e->coord, table_id, a, &d, &err) == K_OK && d->dist == ST_DIST_REPLICATED;
}

static int
fetch_table_stats(NetEngine *e, uint32_t table_id, uint32_t part_id, StTableStats *out, KErr *err)
{
    memset(out, 0, sizeof *out);
    if (net__sys_is(table_id)) {
        out->rows = net__sys_rows_estimate(table_id);
        return K_OK;
    }
    KArena *a = k_arena_create(NULL, "stats");
    if (!a) return k_error_oom(err, NULL, 0);
    bool repl = is_replicated(e, table_id, a);
    k_arena_destroy(a);
    uint32_t first = repl ? net__replica_worker(e) : 0, n = repl ? first + 1 : e->nworkers;
    for (uint32_t w = first; w < n; w++) {
        StTableStats s;
        if (net__worker_table_stats(e, w, table_id, part_id, &s, err)) return K_ERR;
        out->rows += s.rows;
        out->bytes += s.bytes;
        out->segments += s.segments;
        out->row_groups += s.row_groups;
    }
    return K_OK;
}

static int
fetch_column_stats(NetEngine *e, uint32_t table_id, uint32_t part_id, uint32_t col, KArena *a, StColumnStats *out,
                   KErr *err)
{
    memset(out, 0, sizeof *out);
    if (net__sys_is(table_id)) return k_error(err, K_UNDEFINED_OBJECT, "no statistics for system relations");
    StTableDef *d;
    if (st_table_get(e->coord, table_id, a, &d, err)) return K_ERR;
    bool repl = d->dist == ST_DIST_REPLICATED;
    uint32_t first = repl ? net__replica_worker(e) : 0, n = repl ? first + 1 : e->nworkers;
    KType t = d->cols[col].type;
    /* distinct counts: merge the workers' HyperLogLog registers (a value
     * present on several workers counts once) */
    uint8_t merged[ST_SKETCH_REGISTERS], regs[ST_SKETCH_REGISTERS];
    memset(merged, 0, sizeof merged);
    bool sketched = true;
    for (uint32_t w = first; w < n; w++) {
        StColumnStats s;
        if (net__worker_column_stats(e, w, table_id, part_id, col, a, &s, err)) return K_ERR;
        out->rows += s.rows;
        out->nulls += s.nulls;
        if (s.ndistinct > out->ndistinct) out->ndistinct = s.ndistinct;
        KErr e2;
        if (sketched && net__worker_column_sketch(e, w, table_id, part_id, col, regs, &e2) == K_OK)
            st_sketch_merge(merged, regs);
        else
            sketched = false;
        if (s.has_minmax) {
            if (!out->has_minmax || st_datum_cmp(t, &s.min, &out->min) < 0) out->min = s.min;
            if (!out->has_minmax || st_datum_cmp(t, &s.max, &out->max) > 0) out->max = s.max;
            out->has_minmax = true;
        }
    }
    if (sketched && n - first > 1) out->ndistinct = st_sketch_estimate(merged);
    if (out->ndistinct > (double)out->rows) out->ndistinct = (double)out->rows;
    return K_OK;
}

/* Coordinator mode: statistics fetched from the workers are kept until the
 * next load or DDL (net__stats_invalidate bumps the generation), so
 * planning a query costs no round trips once its tables were seen. An
 * entry stores the generation read before its fetch, so a fetch that
 * raced with a load is never served. String min/max live in the cache's
 * arena and are copied into the caller's on the way out. */
struct NetStatsEntry {
    struct NetStatsEntry *next;
    uint32_t table_id, part_id, col; /* col UINT32_MAX: table statistics */
    StTableStats t;
    StColumnStats c;
};

void
net__stats_invalidate(NetEngine *e)
{
    atomic_fetch_add(&e->stats_gen, 1);
}

static struct NetStatsEntry *
cache_find(NetEngine *e, uint32_t table_id, uint32_t part_id, uint32_t col)
{
    /* under stats_lock; a new generation empties the cache */
    uint64_t gen = atomic_load(&e->stats_gen);
    if (e->stats_cache_gen != gen) {
        k_arena_destroy(e->stats_arena);
        e->stats_arena = NULL;
        e->stats_cache = NULL;
        e->stats_cache_gen = gen;
    }
    for (struct NetStatsEntry *x = e->stats_cache; x; x = x->next)
        if (x->table_id == table_id && x->part_id == part_id && x->col == col) return x;
    return NULL;
}

static void
cache_put(NetEngine *e, uint64_t gen, uint32_t table_id, uint32_t part_id, uint32_t col, const StTableStats *t,
          const StColumnStats *c, KType type)
{
    pthread_mutex_lock(&e->stats_lock);
    if (cache_find(e, table_id, part_id, col) || e->stats_cache_gen != gen) goto out;
    if (!e->stats_arena && !(e->stats_arena = k_arena_create(NULL, "statistics cache"))) goto out;
    struct NetStatsEntry *x = k_alloc0(e->stats_arena, sizeof *x);
    if (!x) goto out;
    x->table_id = table_id;
    x->part_id = part_id;
    x->col = col;
    if (t) x->t = *t;
    if (c) {
        x->c = *c;
        if (c->has_minmax && k_type_is_string(type) &&
            (!k_str_copy(e->stats_arena, k_str_data(&c->min.u.str), c->min.u.str.len, &x->c.min.u.str) ||
             !k_str_copy(e->stats_arena, k_str_data(&c->max.u.str), c->max.u.str.len, &x->c.max.u.str)))
            goto out;
    }
    x->next = e->stats_cache;
    e->stats_cache = x;
out:
    pthread_mutex_unlock(&e->stats_lock);
}

static int
cat_table_stats(void *ctx, uint32_t table_id, uint32_t part_id, StTableStats *out, KErr *err)
{
    NetEngine *e = ctx;
    if (!e->cluster || net__sys_is(table_id)) return fetch_table_stats(e, table_id, part_id, out, err);
    pthread_mutex_lock(&e->stats_lock);
    struct NetStatsEntry *x = cache_find(e, table_id, part_id, UINT32_MAX);
    if (x) *out = x->t;
    uint64_t gen = e->stats_cache_gen;
    pthread_mutex_unlock(&e->stats_lock);
    if (x) return K_OK;
    if (fetch_table_stats(e, table_id, part_id, out, err)) return K_ERR;
    cache_put(e, gen, table_id, part_id, UINT32_MAX, out, NULL, k_type(K_TYPE_INT32));
    return K_OK;
}

static int
cat_column_stats(void *ctx, uint32_t table_id, uint32_t part_id, uint32_t col, KArena *a, StColumnStats *out,
                 KErr *err)
{
    NetEngine *e = ctx;
    if (!e->cluster || net__sys_is(table_id)) return fetch_column_stats(e, table_id, part_id, col, a, out, err);
    StTableDef *d;
    if (st_table_get(e->coord, table_id, a, &d, err)) return K_ERR;
    if (col >= d->ncols) return k_error(err, K_UNDEFINED_COLUMN, "column %u does not exist", col);
    KType type = d->cols[col].type;
    int rc = K_OK;
    pthread_mutex_lock(&e->stats_lock);
    struct NetStatsEntry *x = cache_find(e, table_id, part_id, col);
    if (x) {
        *out = x->c;
        if (out->has_minmax && k_type_is_string(type) &&
            (!k_str_copy(a, k_str_data(&x->c.min.u.str), x->c.min.u.str.len, &out->min.u.str) ||
             !k_str_copy(a, k_str_data(&x->c.max.u.str), x->c.max.u.str.len, &out->max.u.str)))
            rc = k_error_oom(err, a, 0);
    }
    uint64_t gen = e->stats_cache_gen;
    pthread_mutex_unlock(&e->stats_lock);
    if (x) return rc;
    if (fetch_column_stats(e, table_id, part_id, col, a, out, err)) return K_ERR;
    cache_put(e, gen, table_id, part_id, col, NULL, out, type);
    return K_OK;
}

static void
catalog_for(NetEngine *e, PlCatalog *cat)
{
    memset(cat, 0, sizeof *cat);
    cat->ctx = e;
    cat->lookup_table = cat_lookup;
    cat->table_stats = cat_table_stats;
    cat->column_stats = cat_column_stats;
    cat->nworkers = e->nworkers;
}

static void
options_for(NetSession *s, PlOptions *o)
{
    pl_options_default(o);
    o->nworkers = s->eng->nworkers;
    o->user = s->user;
    o->database = s->database;
    const char *jd = net_session_get(s, "kestrel.join_distribution");
    KErr err;
    if (jd && pl_join_dist_parse(jd, &o->join_dist, &err) != K_OK) o->join_dist = PL_JOIN_DIST_AUTO;
}

/* ------------------------------------------------------------------ */
/* Describe                                                             */
/* ------------------------------------------------------------------ */
#define NET_TABLE_OID_BASE 16384u

int
net__query_describe(NetSession *s, NetPrepared *p, uint32_t i, KErr *err)
{
    NetStmtInfo *info = &p->info[i];
    const PrNode *stmt = p->stmts->items[i].stmt;
    PlCatalog cat;
    catalog_for(s->eng, &cat);
    if (PR_IS(Insert, stmt)) {
        /* INSERT returns no rows; its parameters come from the source */
        const PrInsert *ins = PR_CAST(Insert, stmt);
        info->ncols = 0;
        if (!ins->source || ins->source->kind == PR_SELECT_VALUES) {
            info->nparams = p->nparam_types;
            info->params = p->param_types;
            return K_OK;
        }
        stmt = &ins->source->hdr;
    }
    PlDescription *d;
    if (pl_describe(p->arena, &cat, stmt, p->param_types, p->nparam_types, &d, err)) return K_ERR;
    info->nparams = d->nparams;
    info->params = d->param_types;
    if (PR_IS(Insert, p->stmts->items[i].stmt)) return K_OK;
    info->ncols = d->ncols;
    info->cols = k_alloc0(p->arena, sizeof(NetColumn) * (d->ncols ? d->ncols : 1));
    if (!info->cols) return k_error_oom(err, p->arena, 0);
    for (uint32_t c = 0; c < d->ncols; c++) {
        info->cols[c].name = d->col_names[c];
        info->cols[c].type = d->col_types[c];
        info->cols[c].table_oid = d->col_table_ids && d->col_table_ids[c] ? NET_TABLE_OID_BASE + d->col_table_ids[c] : 0;
        info->cols[c].attnum = d->col_attnums ? d->col_attnums[c] : 0;
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Parameters                                                           */
/* ------------------------------------------------------------------ */
static int
bind_params(KArena *a, const KType *types, uint32_t ntypes, const NetParam *params, uint32_t nparams,
            ExParam **out, KErr *err)
{
    *out = NULL;
    if (!nparams) return K_OK;
    ExParam *xs = k_alloc0(a, sizeof(ExParam) * nparams);
    if (!xs) return k_error_oom(err, a, 0);
    for (uint32_t i = 0; i < nparams; i++) {
        KType t = i < ntypes && types[i].id != K_TYPE_UNKNOWN ? types[i] : k_type_varchar(0);
        xs[i].type = t;
        xs[i].is_null = params[i].is_null;
        if (params[i].is_null) continue;
        if (k_value_parse(t, params[i].text, params[i].len, &xs[i].v, a, err)) {
            char m[sizeof err->message];
            snprintf(m, sizeof m, "%s", err->message);
            k_error(err, err->code, "%s", m);
            k_err_detail(err, "while binding parameter $%u", i + 1);
            return K_ERR;
        }
    }
    *out = xs;
    return K_OK;
}

/* The in-process runtime's environment for one run on this engine. */
static void
local_env(NetEngine *e, KArena *a, volatile int *cancel, ExParam *params, uint32_t nparams, ExOpStats *stats,
          ExLocalEnv *env)
{
    memset(env, 0, sizeof *env);
    env->shards = e->workers;
    env->nshards = e->nworkers;
    env->coord_db = e->coord;
    env->arena = a;
    env->mem_limit = e->work_mem;
    env->cancel = cancel;
    env->params = params;
    env->nparams = nparams;
    env->stats = stats;
}

int
net__run_plan(NetEngine *e, KArena *a, const volatile int *cancel, const ExParam *params, uint32_t nparams,
              ExOpStats *stats, const ExQueryPlan *plan, ExSink *sink, uint64_t *bytes_sent, KErr *err)
{
    if (bytes_sent) *bytes_sent = 0;
    if (e->cluster)
        return net_cluster_run_bytes(e->cluster, plan, params, nparams, cancel, stats, sink, bytes_sent, err);
    ExLocalEnv env;
    local_env(e, a, (volatile int *)cancel, (ExParam *)params, nparams, stats, &env);
    return ex_query_run_local(&env, plan, sink, err);
}

/* ------------------------------------------------------------------ */
/* The result queue                                                     */
/* ------------------------------------------------------------------ */
#define QUEUE_CAP 8

struct ResultQueue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    KBatch *items[QUEUE_CAP];
    uint32_t head, count;
    bool finished;  /* the producer is done */
    bool stop;      /* the consumer went away */
    int rc;
    KErr err;
    pthread_t thread;
    bool started;
    /* what the thread runs */
    NetEngine *eng;
    KArena *arena;  /* the query arena (limit = work_mem) */
    ExQueryPlan *plan;
    ExParam *params;
    uint32_t nparams;
    volatile int *cancel;
    ExOpStats *stats;
    void *registered; /* kestrel_queries entry */
    uint64_t rows;
};

static int
queue_push(void *ctx, const KBatch *b, KErr *err)
{
    ResultQueue *q = ctx;
    if (k_batch_rows(b) == 0) return K_OK;
    KBatch *copy;
    if (ex_batch_copy(q->arena, b, &copy, err)) return K_ERR;
    pthread_mutex_lock(&q->lock);
    while (q->count == QUEUE_CAP && !q->stop) pthread_cond_wait(&q->cond, &q->lock);
    if (q->stop) {
        pthread_mutex_unlock(&q->lock);
        k_batch_destroy(copy);
        return k_error(err, K_QUERY_CANCELED, "canceling statement: the client closed the result");
    }
    q->items[(q->head + q->count) % QUEUE_CAP] = copy;
    q->count++;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    return K_OK;
}

static void *
query_thread(void *arg)
{
    ResultQueue *q = arg;
    ExSink sink = {q, queue_push, NULL};
    KErr err;
    k_err_clear(&err);
    /* statistics feed kestrel_queries' progress in process; across the
     * cluster they would make every instance report (and the root wait for
     * all of them), so only EXPLAIN ANALYZE asks for them there: ordinary
     * queries get their scans' rows from the workers' heartbeat answers */
    int rc;
    if (q->eng->cluster)
        rc = net_cluster_run_progress(q->eng->cluster, q->plan, q->params, q->nparams, q->cancel,
                                      NULL, &sink, NULL, q->stats, &err);
    else
        rc = net__run_plan(q->eng, q->arena, q->cancel, q->params, q->nparams, q->stats, q->plan,
                           &sink, NULL, &err);
    pthread_mutex_lock(&q->lock);
    q->rc = rc;
    if (rc) q->err = err;
    q->finished = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static int
queue_start(NetSession *s, NetCursor *c, ExQueryPlan *plan, ExParam *params, uint32_t nparams, KArena *qa,
            const char *sql, KErr *err)
{
    ResultQueue *q = k_alloc0(c->arena, sizeof *q);
    if (!q) return k_error_oom(err, c->arena, sizeof *q);
    /* operator statistics feed kestrel_queries' progress */
    q->stats = k_alloc0(qa, sizeof(ExOpStats) * (plan->nops ? plan->nops : 1));
    if (!q->stats) return k_error_oom(err, qa, 0);
    q->registered = net__query_register(s, sql, plan, q->stats);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->eng = s->eng;
    q->arena = qa;
    q->plan = plan;
    q->params = params;
    q->nparams = nparams;
    q->cancel = &s->cancel;
    if (pthread_create(&q->thread, NULL, query_thread, q) != 0) {
        pthread_mutex_destroy(&q->lock);
        pthread_cond_destroy(&q->cond);
        net__query_unregister(q->registered);
        return k_error(err, K_INSUFFICIENT_RESOURCES, "could not start a query thread");
    }
    q->started = true;
    c->queue = q;
    return K_OK;
}

/* Pop the next batch; NULL at the end. The caller owns it. */
static int
queue_pop(ResultQueue *q, KBatch **out, KErr *err)
{
    *out = NULL;
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->finished) pthread_cond_wait(&q->cond, &q->lock);
    if (q->count) {
        *out = q->items[q->head];
        q->head = (q->head + 1) % QUEUE_CAP;
        q->count--;
        pthread_cond_broadcast(&q->cond);
        pthread_mutex_unlock(&q->lock);
        return K_OK;
    }
    int rc = q->rc;
    if (rc) k_err_copy(err, &q->err);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static void
queue_stop(ResultQueue *q)
{
    if (!q->started) return;
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    q->started = false;
    net__query_unregister(q->registered);
    q->registered = NULL;
    for (uint32_t i = 0; i < q->count; i++) k_batch_destroy(q->items[(q->head + i) % QUEUE_CAP]);
    q->count = 0;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

/* ------------------------------------------------------------------ */
/* Queries                                                              */
/* ------------------------------------------------------------------ */
static KArena *
query_arena(NetEngine *e)
{
    KArena *a = k_arena_create(e->queries, "query");
    if (a && e->work_mem) k_arena_set_limit(a, e->work_mem);
    return a;
}

static int
plan_stmt(NetSession *s, const PrNode *stmt, const KType *ptypes, uint32_t nptypes, KArena *a, ExQueryPlan **plan,
          KErr *err)
{
    PlCatalog cat;
    PlOptions o;
    catalog_for(s->eng, &cat);
    options_for(s, &o);
    if (pl_plan_query(a, &cat, stmt, ptypes, nptypes, &o, plan, err)) return K_ERR;
    return net__sys_rewrite(s, a, *plan, err);
}

static int
set_columns(NetCursor *c, const ExQueryPlan *plan, KErr *err)
{
    c->ncols = plan->ncols;
    c->cols = k_alloc0(c->arena, sizeof(NetColumn) * (plan->ncols ? plan->ncols : 1));
    if (!c->cols) return k_error_oom(err, c->arena, 0);
    for (uint32_t i = 0; i < plan->ncols; i++) {
        c->cols[i].name = k_strdup(c->arena, plan->names[i] ? plan->names[i] : "?column?");
        c->cols[i].type = plan->types[i];
    }
    return K_OK;
}

int
net__query_start(NetSession *s, NetPrepared *p, uint32_t i, const NetParam *params, uint32_t nparams,
                 NetCursor *c, KErr *err)
{
    const PrNode *stmt = p->stmts->items[i].stmt;
    KArena *qa = query_arena(s->eng);
    if (!qa) return k_error_oom(err, s->eng->queries, 0);
    /* parameter types: as described (inferred) when known, else as declared */
    const KType *ptypes = p->param_types;
    uint32_t nptypes = p->nparam_types;
    if (p->info[i].described && p->info[i].nparams) {
        ptypes = p->info[i].params;
        nptypes = p->info[i].nparams;
    } else if (nparams > nptypes) {
        PlCatalog cat;
        catalog_for(s->eng, &cat);
        PlDescription *d;
        if (pl_describe(qa, &cat, stmt, p->param_types, p->nparam_types, &d, err)) goto fail;
        ptypes = d->param_types;
        nptypes = d->nparams;
    }
    ExQueryPlan *plan;
    ExParam *xp;
    if (plan_stmt(s, stmt, ptypes, nptypes, qa, &plan, err)) goto fail;
    if (bind_params(qa, ptypes, nptypes, params, nparams, &xp, err)) goto fail;
    if (set_columns(c, plan, err)) goto fail;
    c->tag_verb = "SELECT";
    const PrRawStmt *raw = &p->stmts->items[i];
    char *sql = k_strndup(c->arena, p->sql + raw->start, (size_t)(raw->end - raw->start));
    if (queue_start(s, c, plan, xp, nparams, qa, sql, err)) goto fail;
    return K_OK;
fail:
    k_arena_destroy(qa);
    return K_ERR;
}

static int rows_to_lines(NetCursor *c, const KBatch *b, KBatch **out, KErr *err);

int
net__query_next(NetCursor *c, const KBatch **batch, KErr *err)
{
    *batch = NULL;
    if (c->held) {
        k_batch_destroy((KBatch *)c->held);
        c->held = NULL;
    }
    if (c->lines) {
        k_batch_destroy(c->lines);
        c->lines = NULL;
    }
    if (c->done) return K_OK;
    if (c->copy_fmt && c->copy_fmt->header_pending) {
        if (rows_to_lines(c, NULL, &c->lines, err)) {
            c->done = true;
            return K_ERR;
        }
        *batch = c->lines;
        return K_OK;
    }
    KBatch *b;
    if (queue_pop(c->queue, &b, err)) {
        c->done = true;
        return K_ERR;
    }
    if (!b) {
        c->done = true;
        snprintf(c->tag, sizeof c->tag, "%s %llu", c->tag_verb ? c->tag_verb : "SELECT", (unsigned long long)c->rows);
        return K_OK;
    }
    c->rows += k_batch_rows(b);
    c->held = b;
    *batch = b;
    if (c->copy_fmt) {
        if (rows_to_lines(c, b, &c->lines, err)) {
            c->done = true;
            return K_ERR;
        }
        *batch = c->lines;
    }
    return K_OK;
}

void
net__query_stop(NetCursor *c)
{
    if (c->held) k_batch_destroy((KBatch *)c->held);
    c->held = NULL;
    if (c->lines) k_batch_destroy(c->lines);
    c->lines = NULL;
    ResultQueue *q = c->queue;
    queue_stop(q);
    k_arena_destroy(q->arena);
    c->queue = NULL;
}

/* ------------------------------------------------------------------ */
/* EXPLAIN                                                              */
/* ------------------------------------------------------------------ */
static bool
explain_flag(const PrExplain *e, const char *name)
{
    for (int32_t i = 0; i < pr_list_len(e->options); i++) {
        const PrDefElem *d = PR_CAST(DefElem, e->options->items[i]);
        if (strcmp(d->name, name)) continue;
        if (!d->value || !PR_IS(Literal, d->value)) return true;
        const char *v = PR_CAST(Literal, d->value)->text;
        return !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1");
    }
    return false;
}

static int
count_sink(void *ctx, const KBatch *b, KErr *err)
{
    (void)err;
    __atomic_add_fetch((uint64_t *)ctx, k_batch_rows(b), __ATOMIC_RELAXED);
    return K_OK;
}

static int
lines_result(NetCursor *c, const char *colname, char *text, KErr *err)
{
    uint32_t n = 0;
    for (char *x = text; *x; x++) n += *x == '\n';
    const char **lines = k_alloc(c->arena, sizeof(char *) * (n + 1));
    if (!lines) return k_error_oom(err, c->arena, 0);
    uint32_t k = 0;
    char *start = text;
    for (char *x = text;; x++) {
        if (*x == '\n' || *x == '\0') {
            bool end = *x == '\0';
            *x = '\0';
            if (!end || x > start) lines[k++] = start;
            if (end) break;
            start = x + 1;
        }
    }
    return net__cursor_text_column(c, colname, lines, k, err);
}

int
net__explain(NetSession *s, const PrExplain *e, NetCursor *c, KErr *err)
{
    KArena *qa = query_arena(s->eng);
    if (!qa) return k_error_oom(err, s->eng->queries, 0);
    PlCatalog cat;
    PlOptions o;
    catalog_for(s->eng, &cat);
    options_for(s, &o);
    bool analyze = explain_flag(e, "analyze");
    char *text;
    ExQueryPlan *plan = NULL;
    int rc = pl_explain(qa, &cat, &e->hdr, NULL, 0, &o, PL_EXPLAIN_TEXT, &text, analyze ? &plan : NULL, err);
    if (rc == K_OK && analyze) rc = net__sys_rewrite(s, qa, plan, err);
    if (rc == K_OK && analyze) {
        ExOpStats *stats = k_alloc0(qa, sizeof(ExOpStats) * (plan->nops ? plan->nops : 1));
        uint64_t rows = 0, bytes = 0;
        ExSink sink = {&rows, count_sink, NULL};
        uint64_t t0 = k_now_ns();
        if (!stats) rc = k_error_oom(err, qa, 0);
        else rc = net__run_plan(s->eng, qa, &s->cancel, NULL, 0, stats, plan, &sink, &bytes, err);
        if (rc == K_OK) {
            KBuf b;
            k_buf_init(&b);
            double ms = (double)(k_now_ns() - t0) / 1e6;
            if (text[0] == '{') { /* FORMAT JSON (pl_explain's choice): one line */
                k_buf_printf(&b, "{\"Fragments\": ");
                ex_plan_explain_json(plan, stats, &b);
                if (s->eng->cluster)
                    k_buf_printf(&b, ", \"Exchange Bytes\": %llu", (unsigned long long)bytes);
                k_buf_printf(&b, ", \"Execution Time\": %.3f, \"Rows\": %llu}\n", ms,
                             (unsigned long long)rows);
            } else {
                ex_plan_explain(plan, stats, &b);
                if (s->eng->cluster)
                    k_buf_printf(&b, "Exchange: %llu bytes sent between nodes (%u workers)\n", (unsigned long long)bytes,
                                 s->eng->nworkers);
                k_buf_printf(&b, "Execution Time: %.3f ms (%llu rows)\n", ms, (unsigned long long)rows);
            }
            k_buf_put_u8(&b, 0);
            text = b.failed ? NULL : k_strdup(qa, (char *)b.data);
            k_buf_free(&b);
            if (!text) rc = k_error_oom(err, qa, 0);
        }
    }
    if (rc == K_OK) {
        char *copy = k_strdup(c->arena, text);
        rc = copy ? lines_result(c, "QUERY PLAN", copy, err) : k_error_oom(err, c->arena, 0);
    }
    k_arena_destroy(qa);
    if (rc == K_OK) snprintf(c->tag, sizeof c->tag, "EXPLAIN");
    return rc;
}

/* ------------------------------------------------------------------ */
/* INSERT                                                               */
/* ------------------------------------------------------------------ */
typedef struct InsertSink {
    LoadCtx *load;
    const StTableDef *def;
    uint32_t nsrc;          /* source columns */
    int32_t *target_of;     /* table column -> source column, -1 = NULL */
    KArena *arena;
    KType *table_types;
    pthread_mutex_t lock;
} InsertSink;

/* Convert a source value to the column type through its text form when the
 * types differ (PostgreSQL's assignment casts, e.g. '1998-12-01' → date). */
static int
insert_push(void *ctx, const KBatch *b, KErr *err)
{
    InsertSink *is = ctx;
    const StTableDef *def = is->def;
    KBatch *out = k_batch_create(is->arena, def->ncols, is->table_types, err);
    if (!out) return K_ERR;
    uint32_t n = k_batch_rows(b);
    int rc = K_OK;
    for (uint32_t c = 0; c < def->ncols && rc == K_OK; c++) {
        KVector *dst = &out->cols[c];
        int32_t sc = is->target_of[c];
        if (k_vector_ensure_validity(dst, out->arena, err)) {
            rc = K_ERR;
            break;
        }
        size_t w = k_type_width(dst->type);
        for (uint32_t i = 0; i < n; i++) {
            if (sc < 0) {
                k_vec_set_valid(dst, i, false);
                continue;
            }
            const KVector *src = &b->cols[sc];
            uint32_t row = k_batch_row(b, i);
            if (!k_vec_is_valid(src, row)) {
                k_vec_set_valid(dst, i, false);
                continue;
            }
            const void *slot = k_vec_slot(src, row);
            void *dslot = (char *)dst->data + (size_t)i * w;
            if (k_type_equal(src->type, dst->type) && !k_type_is_string(src->type)) {
                memcpy(dslot, slot, w);
            } else {
                char buf[512];
                char *text = buf;
                int len = k_value_format(src->type, slot, buf, sizeof buf);
                if (len >= (int)sizeof buf) {
                    text = k_alloc(out->heap, (size_t)len + 1);
                    if (!text) {
                        rc = k_error_oom(err, out->heap, (size_t)len);
                        break;
                    }
                    k_value_format(src->type, slot, text, (size_t)len + 1);
                }
                if (k_value_parse(dst->type, text, (size_t)len, dslot, out->heap, err)) {
                    rc = K_ERR;
                    break;
                }
            }
        }
    }
    out->count = n;
    if (rc == K_OK) rc = net__load_append(is->load, out, err);
    k_batch_destroy(out);
    return rc;
}

int
net__insert(NetSession *s, const PrInsert *ins, const NetParam *params, uint32_t nparams, NetCursor *c, KErr *err)
{
    NetEngine *e = s->eng;
    if (ins->returning) return k_error_at(err, K_FEATURE_NOT_SUPPORTED, ins->hdr.pos, "INSERT ... RETURNING is not supported yet");
    if (!ins->source) return k_error_at(err, K_FEATURE_NOT_SUPPORTED, ins->hdr.pos, "INSERT ... DEFAULT VALUES is not supported yet");
    uint32_t tid;
    if (st_table_lookup(e->coord, ins->table->schema, ins->table->name, &tid, err)) {
        err->pos = ins->table->hdr.pos;
        return K_ERR;
    }
    KArena *qa = query_arena(e);
    if (!qa) return k_error_oom(err, e->queries, 0);
    ExQueryPlan *plan;
    ExParam *xp = NULL;
    int rc = plan_stmt(s, &ins->source->hdr, NULL, 0, qa, &plan, err);
    if (rc == K_OK && nparams) {
        PlCatalog cat;
        catalog_for(e, &cat);
        PlDescription *d;
        rc = pl_describe(qa, &cat, &ins->source->hdr, NULL, 0, &d, err);
        if (rc == K_OK) rc = bind_params(qa, d->param_types, d->nparams, params, nparams, &xp, err);
    }
    if (rc) {
        k_arena_destroy(qa);
        return K_ERR;
    }
    LoadCtx *l;
    if (net__load_begin(e, tid, &l, qa, err)) {
        k_arena_destroy(qa);
        return K_ERR;
    }
    const StTableDef *def = net__load_def(l);
    InsertSink is;
    memset(&is, 0, sizeof is);
    is.load = l;
    is.def = def;
    is.arena = qa;
    is.target_of = k_alloc(qa, sizeof(int32_t) * def->ncols);
    is.table_types = k_alloc(qa, sizeof(KType) * def->ncols);
    if (!is.target_of || !is.table_types) rc = k_error_oom(err, qa, 0);
    for (uint32_t i = 0; rc == K_OK && i < def->ncols; i++) {
        is.table_types[i] = def->cols[i].type;
        is.target_of[i] = ins->columns ? -1 : (int32_t)i;
    }
    uint32_t ntargets = ins->columns ? (uint32_t)pr_list_len(ins->columns) : def->ncols;
    for (int32_t k = 0; rc == K_OK && k < pr_list_len(ins->columns); k++) {
        const PrIdent *id = PR_CAST(Ident, ins->columns->items[k]);
        int32_t found = -1;
        for (uint32_t i = 0; i < def->ncols; i++)
            if (!strcmp(def->cols[i].name, id->name)) found = (int32_t)i;
        if (found < 0)
            rc = k_error_at(err, K_UNDEFINED_COLUMN, id->hdr.pos, "column \"%s\" of relation \"%s\" does not exist",
                            id->name, def->name);
        else is.target_of[found] = k;
    }
    if (rc == K_OK && plan->ncols != ntargets)
        rc = k_error_at(err, K_SYNTAX_ERROR, ins->source->hdr.pos,
                        plan->ncols > ntargets ? "INSERT has more expressions than target columns"
                                               : "INSERT has more target columns than expressions");
    uint64_t rows = 0;
    if (rc == K_OK) {
        ExSink sink = {&is, insert_push, NULL};
        rc = net__run_plan(e, qa, &s->cancel, xp, nparams, NULL, plan, &sink, NULL, err);
    }
    if (rc == K_OK) rc = net__load_commit(l, &rows, err);
    else net__load_abort(l);
    k_arena_destroy(qa);
    if (rc == K_OK) snprintf(c->tag, sizeof c->tag, "INSERT 0 %llu", (unsigned long long)rows);
    return rc;
}

/* ------------------------------------------------------------------ */
/* COPY ... TO                                                          */
/* ------------------------------------------------------------------ */


static void
put_text_field(KBuf *b, const char *s, size_t n, char delim)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        switch (ch) {
        case '\\': k_buf_put(b, "\\\\", 2); break;
        case '\n': k_buf_put(b, "\\n", 2); break;
        case '\r': k_buf_put(b, "\\r", 2); break;
        case '\t': k_buf_put(b, "\\t", 2); break;
        default:
            if (ch == delim) {
                k_buf_put_u8(b, '\\');
                k_buf_put_u8(b, (uint8_t)ch);
            } else {
                k_buf_put_u8(b, (uint8_t)ch);
            }
        }
    }
}

static void
put_csv_field(KBuf *b, const char *s, size_t n, const struct CopyOutFmt *f, bool force_quote)
{
    bool quote = force_quote || n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == f->delim || s[i] == f->quote || s[i] == '\n' || s[i] == '\r') quote = true;
    if (!quote && f->null_str && strlen(f->null_str) == n && memcmp(s, f->null_str, n) == 0) quote = true;
    if (!quote) {
        k_buf_put(b, s, n);
        return;
    }
    k_buf_put_u8(b, (uint8_t)f->quote);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == f->quote || s[i] == f->escape) k_buf_put_u8(b, (uint8_t)f->escape);
        k_buf_put_u8(b, (uint8_t)s[i]);
    }
    k_buf_put_u8(b, (uint8_t)f->quote);
}

/* Turn the live rows of `b` into a batch of lines (one VARCHAR column). */
static int
rows_to_lines(NetCursor *c, const KBatch *b, KBatch **out, KErr *err)
{
    struct CopyOutFmt *f = c->copy_fmt;
    KType vt = k_type_varchar(0);
    /* b == NULL: only the header line */
    uint32_t n = b ? k_batch_rows(b) : 0;
    bool extra = !b && f->header_pending;
    KBatch *lb = k_batch_create(c->arena, 1, &vt, err);
    if (!lb) return K_ERR;
    KBuf line;
    k_buf_init(&line);
    KStr *slots = lb->cols[0].data;
    uint32_t k = 0;
    char tmp[512];
    if (extra) {
        for (uint32_t col = 0; col < c->ncols; col++) {
            if (col) k_buf_put_u8(&line, (uint8_t)f->delim);
            const char *name = c->cols[col].name;
            if (f->format == ST_COPY_CSV) put_csv_field(&line, name, strlen(name), f, false);
            else put_text_field(&line, name, strlen(name), f->delim);
        }
        k_buf_put_u8(&line, '\n');
        if (line.failed || !k_str_copy(lb->heap, (const char *)line.data, (uint32_t)line.len, &slots[k++]))
            goto oom;
        f->header_pending = false;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t row = k_batch_row(b, i);
        k_buf_clear(&line);
        for (uint32_t col = 0; col < b->ncols; col++) {
            if (col) k_buf_put_u8(&line, (uint8_t)f->delim);
            const KVector *v = &b->cols[col];
            if (!k_vec_is_valid(v, row)) {
                const char *ns = f->null_str ? f->null_str : (f->format == ST_COPY_CSV ? "" : "\\N");
                k_buf_put(&line, ns, strlen(ns));
                continue;
            }
            const void *slot = k_vec_slot(v, row);
            const char *txt = tmp;
            size_t len;
            if (k_type_is_string(v->type)) {
                const KStr *s = slot;
                txt = k_str_data(s);
                len = s->len;
            } else {
                len = (size_t)k_value_format(v->type, slot, tmp, sizeof tmp);
                if (len >= sizeof tmp) len = sizeof tmp - 1;
            }
            if (f->format == ST_COPY_CSV) put_csv_field(&line, txt, len, f, false);
            else put_text_field(&line, txt, len, f->delim);
        }
        k_buf_put_u8(&line, '\n');
        if (line.failed || !k_str_copy(lb->heap, (const char *)line.data, (uint32_t)line.len, &slots[k++]))
            goto oom;
    }
    lb->count = k;
    k_buf_free(&line);
    *out = lb;
    return K_OK;
oom:
    k_buf_free(&line);
    k_batch_destroy(lb);
    return k_error_oom(err, c->arena, 0);
}

/* The SELECT that COPY table [(cols)] TO reads. */
static int
copy_source(NetCursor *c, const PrCopy *st, const PrNode **out, KErr *err)
{
    if (st->query) {
        *out = &st->query->hdr;
        return K_OK;
    }
    KBuf q;
    k_buf_init(&q);
    k_buf_printf(&q, "SELECT ");
    if (st->columns) {
        for (int32_t i = 0; i < pr_list_len(st->columns); i++) {
            if (i) k_buf_printf(&q, ", ");
            pr_print_ident(&q, PR_CAST(Ident, st->columns->items[i])->name);
        }
    } else {
        k_buf_printf(&q, "*");
    }
    k_buf_printf(&q, " FROM ");
    if (st->table->schema) {
        pr_print_ident(&q, st->table->schema);
        k_buf_printf(&q, ".");
    }
    pr_print_ident(&q, st->table->name);
    char *sql = q.failed ? NULL : k_strndup(c->arena, (const char *)q.data, q.len);
    k_buf_free(&q);
    if (!sql) return k_error_oom(err, c->arena, 0);
    PrStmtList *l;
    if (pr_parse(c->arena, sql, strlen(sql), &l, err)) return K_ERR;
    *out = l->items[0].stmt;
    return K_OK;
}

int
net__copy_to(NetSession *s, const PrCopy *st, NetCursor *c, KErr *err)
{
    StCopyOptions o;
    if (net__copy_options(st, &o, err)) return K_ERR;
    struct CopyOutFmt *f = k_alloc0(c->arena, sizeof *f);
    if (!f) return k_error_oom(err, c->arena, sizeof *f);
    f->format = o.format;
    f->delim = o.delimiter ? o.delimiter : (o.format == ST_COPY_CSV ? ',' : '\t');
    f->quote = o.quote ? o.quote : '"';
    f->escape = o.escape ? o.escape : f->quote;
    f->null_str = o.null_set ? o.null_str : NULL;
    f->header_pending = o.header;
    const PrNode *q = NULL;
    if (copy_source(c, st, &q, err)) return K_ERR;
    KArena *qa = query_arena(s->eng);
    if (!qa) return k_error_oom(err, s->eng->queries, 0);
    ExQueryPlan *plan;
    if (plan_stmt(s, q, NULL, 0, qa, &plan, err) || set_columns(c, plan, err)) {
        k_arena_destroy(qa);
        return K_ERR;
    }
    c->copy_fmt = f;
    c->tag_verb = "COPY";
    if (!st->is_stdio) {
        f->path = k_strdup(c->arena, st->filename);
        f->tmp_path = k_sprintf(c->arena, "%s.kestrel-tmp", st->filename);
        f->file = f->tmp_path ? fopen(f->tmp_path, "w") : NULL;
        if (!f->file) {
            k_arena_destroy(qa);
            k_error(err, K_IO_ERROR, "could not open file \"%s\" for writing: %s", st->filename, strerror(errno));
            k_err_hint(err, "COPY TO a file writes on the server; psql's \\copy writes on the client.");
            return K_ERR;
        }
    }
    if (queue_start(s, c, plan, NULL, 0, qa, "COPY", err)) {
        if (f->file) fclose(f->file), unlink(f->tmp_path);
        k_arena_destroy(qa);
        return K_ERR;
    }
    if (st->is_stdio) {
        c->copy = K_COPY_OUT;
        return K_OK;
    }
    /* to a server file: run to the end here */
    int rc = K_OK;
    for (;;) {
        const KBatch *b;
        if (net__query_next(c, &b, err)) {
            rc = K_ERR;
            break;
        }
        if (!b) break;
        const KStr *lines = b->cols[0].data;
        for (uint32_t i = 0; i < b->count; i++)
            if (fwrite(k_str_data(&lines[i]), 1, lines[i].len, f->file) != lines[i].len) {
                rc = k_error(err, K_IO_ERROR, "could not write to file \"%s\": %s", f->path, strerror(errno));
                break;
            }
        if (rc) break;
    }
    if (fflush(f->file) != 0 || fsync(fileno(f->file)) != 0) {
        if (rc == K_OK) rc = k_error(err, K_IO_ERROR, "could not write to file \"%s\": %s", f->path, strerror(errno));
    }
    fclose(f->file);
    f->file = NULL;
    if (rc == K_OK && rename(f->tmp_path, f->path) != 0)
        rc = k_error(err, K_IO_ERROR, "could not rename \"%s\": %s", f->tmp_path, strerror(errno));
    if (rc) unlink(f->tmp_path);
    c->ncols = 0; /* a file COPY returns no rows to the client */
    return rc;
}
