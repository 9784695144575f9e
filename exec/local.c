/*
 * local.c — the in-process runtime behind `kestreld --local N`: every
 * fragment of a query runs over N local shards, exchanges are in-memory
 * channels (one unbounded list of compact batches per exchange and
 * consumer instance), and the root fragment's batches go to the caller's
 * sink.
 *
 * Interface routines: ex_query_run_local.
 *
 * Order: a fragment runs once every exchange it reads has been completely
 * produced (fragments form a tree, so this is a bottom-up order). Instances
 * of an EVERY_WORKER fragment run at the same time, the OpenMP threads
 * shared out among them (one after the other, each with all threads, when
 * there is one thread, and for the root fragment); a HASH exchange routes
 * rows with ex_route_hash (the distribution hash), BROADCAST shares one copy
 * among the consumers.
 * A channel's batches are freed as soon as its consumer fragment is done.
 */
#include "exec/exec_int.h"

#include <omp.h>
#include <stdlib.h>

typedef struct Chan {
    pthread_mutex_t mu;
    KBatch **b;
    uint32_t n, cap, pos;
} Chan;

typedef struct Xchg {
    uint32_t id;
    const ExFragment *producer;
    uint32_t nconsumers;
    Chan *ch;
    bool done;
} Xchg;

typedef struct Local {
    ExLocalEnv *env;
    const ExQueryPlan *q;
    KArena *arena;
    uint32_t nx;
    Xchg *xs;
} Local;

typedef struct InstCtx {
    Local *l;
    uint32_t instance;
} InstCtx;

typedef struct OutSink {
    Local *l;
    Xchg *x;
    const ExFragment *f;
} OutSink;

static Xchg *
find_x(Local *l, uint32_t id)
{
    for (uint32_t i = 0; i < l->nx; i++)
        if (l->xs[i].id == id) return &l->xs[i];
    return NULL;
}

static int
chan_put(Local *l, Chan *c, KBatch *b, KErr *err)
{
    pthread_mutex_lock(&c->mu);
    if (c->n == c->cap) {
        uint32_t nc = c->cap ? c->cap * 2 : 64;
        KBatch **nb = realloc(c->b, sizeof(KBatch *) * nc);
        if (!nb) {
            pthread_mutex_unlock(&c->mu);
            return k_error_oom(err, l->arena, sizeof(KBatch *) * nc);
        }
        c->b = nb;
        c->cap = nc;
    }
    c->b[c->n++] = b;
    pthread_mutex_unlock(&c->mu);
    return K_OK;
}

static int
out_push(void *ctx, const KBatch *b, KErr *err)
{
    OutSink *o = ctx;
    Local *l = o->l;
    Xchg *x = o->x;
    switch ((ExExchangeKind)o->f->out.kind) {
    case EX_XCHG_HASH: {
        KBatch *parts[EX_MAX_THREADS * 4];
        KBatch **pp = parts;
        if (x->nconsumers > K_ARRAY_LEN(parts)) {
            pp = calloc(x->nconsumers, sizeof(KBatch *));
            if (!pp) return k_error_oom(err, l->arena, 8 * x->nconsumers);
        }
        int rc = ex_batch_partition(l->arena, b, o->f->out.nkeys, o->f->out.key_cols,
                                    x->nconsumers, pp, err);
        for (uint32_t w = 0; rc == K_OK && w < x->nconsumers; w++)
            if (pp[w]) rc = chan_put(l, &x->ch[w], pp[w], err);
        if (pp != parts) free(pp);
        return rc;
    }
    default: {
        KBatch *cp;
        if (ex_batch_copy(l->arena, b, &cp, err)) return K_ERR;
        if (o->f->out.kind == EX_XCHG_BROADCAST) {
            for (uint32_t w = 0; w < x->nconsumers; w++)
                if (chan_put(l, &x->ch[w], cp, err)) return K_ERR;
            return K_OK;
        }
        return chan_put(l, &x->ch[0], cp, err);
    }
    }
}

static int
local_recv(void *rctx, uint32_t exchange_id, KBatch **batch, KErr *err)
{
    InstCtx *ic = rctx;
    Xchg *x = find_x(ic->l, exchange_id);
    if (!x || !x->done)
        return k_error(err, K_INTERNAL_ERROR, "exchange %u has no finished producer", exchange_id);
    uint32_t w = ic->instance < x->nconsumers ? ic->instance : 0;
    Chan *c = &x->ch[w];
    *batch = c->pos < c->n ? c->b[c->pos++] : NULL;
    return K_OK;
}

static bool
reads_ready(Local *l, const ExPlan *p)
{
    if (!p) return true;
    if (p->kind == EX_OP_EXCHANGE_SOURCE) {
        Xchg *x = find_x(l, p->u.exchange.exchange_id);
        if (!x || !x->done) return false;
    }
    return reads_ready(l, p->left) && reads_ready(l, p->right);
}

static void
release_inputs(Local *l, const ExPlan *p)
{
    if (!p) return;
    if (p->kind == EX_OP_EXCHANGE_SOURCE) {
        Xchg *x = find_x(l, p->u.exchange.exchange_id);
        if (x) {
            bool shared = x->producer->out.kind == EX_XCHG_BROADCAST;
            for (uint32_t w = 0; w < x->nconsumers; w++) {
                Chan *c = &x->ch[w];
                if (!shared || w == 0)
                    for (uint32_t i = 0; i < c->n; i++) k_batch_destroy(c->b[i]);
                free(c->b);
                c->b = NULL;
                c->n = c->cap = c->pos = 0;
            }
        }
    }
    release_inputs(l, p->left);
    release_inputs(l, p->right);
}

static const ExFragment *
consumer_of(const ExQueryPlan *q, uint32_t frag_id)
{
    for (uint32_t i = 0; i < q->nfrags; i++)
        if (q->frags[i].id == frag_id) return &q->frags[i];
    return NULL;
}

static int
run_fragment(Local *l, const ExFragment *f, ExSink *result, KErr *err)
{
    ExLocalEnv *env = l->env;
    bool is_root = f == &l->q->frags[l->q->root];
    uint32_t ninst = f->placement == EX_RUN_EVERY_WORKER ? env->nshards : 1;
    OutSink os = {l, NULL, f};
    ExSink sink;
    if (is_root) {
        sink = *result;
        sink.finish = NULL; /* called once at the very end */
    } else {
        os.x = find_x(l, f->out.exchange_id);
        if (!os.x) return k_error(err, K_INTERNAL_ERROR, "fragment %u has no exchange", f->id);
        sink.ctx = &os;
        sink.push = out_push;
        sink.finish = NULL;
    }
    uint32_t nt = env->nthreads ? env->nthreads : (uint32_t)omp_get_max_threads();
    if (nt < 1) nt = 1;
    /* several instances and about as many threads (not the root, whose
     * sink is the caller's): the instances run at the same time on one
     * thread each, so their serial parts (small builds, merges, sorts)
     * overlap instead of adding up. With twice as many threads or more the
     * instances keep running one after the other with all threads (an
     * instance on several threads inside this team would nest regions). */
    uint32_t team = !is_root && ninst > 1 && nt > 1 && nt < 2 * ninst ? K_MIN(ninst, nt) : 1;
    uint32_t per = team > 1 ? 1 : env->nthreads;
    int failed = 0;
    KErr ferr;
    k_err_clear(&ferr);
    pthread_mutex_t mu;
    pthread_mutex_init(&mu, NULL);
#pragma omp parallel for num_threads(team) schedule(dynamic, 1) if (team > 1)
    for (uint32_t w = 0; w < ninst; w++) {
        if (__atomic_load_n(&failed, __ATOMIC_RELAXED)) continue;
        InstCtx ic = {l, w};
        ExRunCtx rc;
        memset(&rc, 0, sizeof rc);
        if (f->placement == EX_RUN_COORDINATOR)
            rc.db = env->coord_db ? env->coord_db : (env->nshards ? env->shards[0] : NULL);
        else
            rc.db = env->nshards ? env->shards[w] : NULL;
        rc.worker = w;
        rc.nworkers = env->nshards;
        rc.arena = l->arena;
        rc.cancel = env->cancel;
        rc.nthreads = per;
        rc.params = env->params;
        rc.nparams = env->nparams;
        rc.recv = local_recv;
        rc.rctx = &ic;
        rc.recv_batches_persist = true; /* channels live until the consumer is done */
        rc.stats = env->stats;
        rc.nstats = env->stats ? l->q->nops : 0;
        /* every instance re-reads its channels from the start */
        KErr lerr;
        k_err_clear(&lerr);
        if (ex_fragment_run(&rc, f, &sink, team > 1 ? &lerr : err)) {
            pthread_mutex_lock(&mu);
            if (!failed && team > 1) ferr = lerr;
            failed = 1;
            pthread_mutex_unlock(&mu);
        }
    }
    pthread_mutex_destroy(&mu);
    if (failed) {
        if (team > 1) *err = ferr;
        return K_ERR;
    }
    return K_OK;
}

int
ex_query_run_local(ExLocalEnv *env, const ExQueryPlan *q, ExSink *result, KErr *err)
{
    if (!q->nfrags || q->root >= q->nfrags)
        return k_error(err, K_INTERNAL_ERROR, "query plan without a root fragment");
    Local l;
    memset(&l, 0, sizeof l);
    l.env = env;
    l.q = q;
    l.arena = k_arena_create(env->arena, "local query");
    if (!l.arena) return k_error_oom(err, env->arena, 4096);
    if (env->mem_limit) k_arena_set_limit(l.arena, env->mem_limit);
    int rc = K_ERR;
    bool *done = k_alloc0(l.arena, q->nfrags);
    l.xs = k_alloc0(l.arena, sizeof(Xchg) * q->nfrags);
    if (!done || !l.xs) {
        k_error_oom(err, l.arena, 64);
        goto out;
    }
    for (uint32_t i = 0; i < q->nfrags; i++) {
        const ExFragment *f = &q->frags[i];
        if (i == q->root) continue;
        Xchg *x = &l.xs[l.nx++];
        x->id = f->out.exchange_id;
        x->producer = f;
        const ExFragment *cons = consumer_of(q, f->out.target_fragment);
        x->nconsumers = cons && cons->placement == EX_RUN_EVERY_WORKER ? K_MAX(env->nshards, 1) : 1;
        x->ch = k_alloc0(l.arena, sizeof(Chan) * x->nconsumers);
        if (!x->ch) {
            k_error_oom(err, l.arena, 64);
            goto out;
        }
        for (uint32_t w = 0; w < x->nconsumers; w++) pthread_mutex_init(&x->ch[w].mu, NULL);
    }
    for (uint32_t ran = 0; ran < q->nfrags;) {
        bool progress = false;
        for (uint32_t i = 0; i < q->nfrags; i++) {
            const ExFragment *f = &q->frags[i];
            if (done[i] || !reads_ready(&l, f->root)) continue;
            if (i == q->root && ran + 1 < q->nfrags) continue;
            /* instances of a consumer each read their own channel once */
            if (run_fragment(&l, f, result, err)) goto out;
            release_inputs(&l, f->root);
            if (i != q->root) find_x(&l, f->out.exchange_id)->done = true;
            done[i] = true;
            ran++;
            progress = true;
        }
        if (!progress) {
            k_error(err, K_INTERNAL_ERROR, "query plan fragments wait on each other");
            goto out;
        }
    }
    if (result->finish && result->finish(result->ctx, err)) goto out;
    rc = K_OK;
out:
    for (uint32_t i = 0; i < l.nx; i++) {
        Xchg *x = &l.xs[i];
        for (uint32_t w = 0; w < x->nconsumers; w++) {
            free(x->ch[w].b);
            pthread_mutex_destroy(&x->ch[w].mu);
        }
    }
    k_arena_destroy(l.arena);
    return rc;
}
