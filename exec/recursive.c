/*
 * recursive.c — WITH RECURSIVE: the iterative fixpoint.
 *
 * Interface routines (exec_int.h): ex__produce_recursive,
 * ex__produce_worktable.
 *
 * EX_OP_RECURSIVE runs its left child (the non-recursive term) once, then
 * its right child (the recursive term) again and again; each run's
 * EX_OP_WORKTABLE leaves read the rows the previous run produced, until a
 * run produces none (PostgreSQL's algorithm). For UNION (not ALL) a row
 * already produced — by any run, or earlier in the same run — is dropped
 * before it enters the working table, so the recursion ends on cycles.
 * Rows are pushed to the consumer after each run; a LIMIT above stops the
 * recursion. More than max_iterations runs is 54001, and the rows kept
 * count against the run's memory budget (53200).
 *
 * The recursive term runs on the calling fragment instance (the planner
 * gathers its other inputs there). Exchanges read by the recursive term are
 * read once, kept, and replayed for every run: the run context is swapped
 * for a copy whose recv serves them from memory while the term runs.
 *
 * Working tables are registered per (run, wt_id) in a small process-wide
 * list under a mutex, so the executor's run state needs no new field.
 */
#include "exec/exec_int.h"

#include <pthread.h>

/* ------------------------------------------------------------------ */
/* Row lists                                                            */
/* ------------------------------------------------------------------ */
typedef struct RecRows {
    KBatch **b;
    uint32_t n, cap;
    uint64_t rows;
} RecRows;

static int
rows_push(KArena *a, RecRows *l, KBatch *b, KErr *err)
{
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 16;
        KBatch **x = k_realloc(a, l->b, sizeof(KBatch *) * l->cap, sizeof(KBatch *) * nc);
        if (!x) return k_error_oom(err, a, sizeof(KBatch *) * nc);
        l->b = x;
        l->cap = nc;
    }
    l->b[l->n++] = b;
    l->rows += b->count;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Working-table registry                                               */
/* ------------------------------------------------------------------ */
typedef struct WtEntry {
    const ExExec *x;
    uint32_t wt_id;
    const RecRows *rows;
    struct WtEntry *next;
} WtEntry;

static pthread_mutex_t wt_mu = PTHREAD_MUTEX_INITIALIZER;
static WtEntry *wt_list;

static void
wt_set(WtEntry *e)
{
    pthread_mutex_lock(&wt_mu);
    e->next = wt_list;
    wt_list = e;
    pthread_mutex_unlock(&wt_mu);
}

static void
wt_remove(WtEntry *e)
{
    pthread_mutex_lock(&wt_mu);
    for (WtEntry **p = &wt_list; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    pthread_mutex_unlock(&wt_mu);
}

static const RecRows *
wt_get(const ExExec *x, uint32_t wt_id)
{
    const RecRows *r = NULL;
    pthread_mutex_lock(&wt_mu);
    for (WtEntry *e = wt_list; e && !r; e = e->next)
        if (e->x == x && e->wt_id == wt_id) r = e->rows;
    pthread_mutex_unlock(&wt_mu);
    return r;
}

int
ex__produce_worktable(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    const RecRows *r = wt_get(x, p->u.worktable.wt_id);
    if (!r) return k_error(err, K_INTERNAL_ERROR, "work table %u read outside its recursive query",
                           p->u.worktable.wt_id);
    for (uint32_t i = 0; i < r->n; i++) {
        if (ex__check(x, err)) return K_ERR;
        if (ex__stopped(c)) break;
        KBatch view = *r->b[i]; /* consumers may narrow the selection */
        view.sel = NULL;
        view.nsel = 0;
        if (view.count && c->push(c, 0, &view, err)) return K_ERR;
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Replayed exchanges                                                   */
/* ------------------------------------------------------------------ */
typedef struct XCache {
    uint32_t id;
    RecRows rows;
    uint32_t cursor;
} XCache;

typedef struct Replay {
    ExRunCtx ctx;      /* the copy the recursive term runs under */
    const ExRunCtx *orig;
    XCache *x;
    uint32_t n, cap;
    pthread_mutex_t mu;
} Replay;

static int
replay_recv(void *rctx, uint32_t exchange_id, KBatch **batch, KErr *err)
{
    Replay *r = rctx;
    for (uint32_t i = 0; i < r->n; i++)
        if (r->x[i].id == exchange_id) {
            pthread_mutex_lock(&r->mu);
            XCache *xc = &r->x[i];
            *batch = xc->cursor < xc->rows.n ? xc->rows.b[xc->cursor++] : NULL;
            pthread_mutex_unlock(&r->mu);
            return K_OK;
        }
    return r->orig->recv(r->orig->rctx, exchange_id, batch, err);
}

/* Read every exchange under `p` to its end, keeping compact copies. */
static int
cache_exchanges(ExExec *x, const ExPlan *p, KArena *a, Replay *r, KErr *err)
{
    if (!p) return K_OK;
    if (p->kind == EX_OP_EXCHANGE_SOURCE) {
        if (!x->rc->recv) return k_error(err, K_INTERNAL_ERROR, "no exchange receiver in this context");
        if (r->n == r->cap) {
            uint32_t nc = r->cap ? r->cap * 2 : 4;
            XCache *nx = k_realloc(a, r->x, sizeof(XCache) * r->cap, sizeof(XCache) * nc);
            if (!nx) return k_error_oom(err, a, sizeof(XCache) * nc);
            r->x = nx;
            r->cap = nc;
        }
        XCache *xc = &r->x[r->n++];
        memset(xc, 0, sizeof *xc);
        xc->id = p->u.exchange.exchange_id;
        for (;;) {
            KBatch *b = NULL;
            if (ex__check(x, err)) return K_ERR;
            if (x->rc->recv(x->rc->rctx, xc->id, &b, err)) return K_ERR;
            if (!b) break;
            if (!k_batch_rows(b)) continue;
            KBatch *copy;
            if (ex_batch_copy(a, b, &copy, err) || rows_push(a, &xc->rows, copy, err)) return K_ERR;
        }
        return K_OK;
    }
    if (cache_exchanges(x, p->left, a, r, err)) return K_ERR;
    return cache_exchanges(x, p->right, a, r, err);
}

/* ------------------------------------------------------------------ */
/* The fixpoint                                                         */
/* ------------------------------------------------------------------ */
typedef struct RecState {
    ExConsumer base;
    ExExec *x;
    const ExPlan *p;
    KArena *a;           /* kept rows (children: nothing) */
    pthread_mutex_t mu;
    RecRows *out;        /* rows of the current run */
    /* UNION: every row produced so far, by (batch, row) in `seen` */
    bool distinct;
    RecRows seen;
    uint64_t *slot_hash; /* open addressing; 0 = empty */
    uint32_t *slot_ref;  /* batch index << 11 | row */
    uint64_t cap, used;
} RecState;

static uint64_t
row_hash(const KBatch *b, uint32_t row)
{
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15);
    for (uint32_t c = 0; c < b->ncols; c++) {
        const KVector *v = &b->cols[c];
        uint64_t x = k_vec_is_valid(v, row) ? ex__hash_slot(v->type, k_vec_slot(v, row)) : 0x51ED27u;
        h = (h ^ x) * UINT64_C(0x100000001B3) + (h >> 29);
    }
    return h ? h : 1;
}

static bool
row_equal(const KBatch *a, uint32_t ra, const KBatch *b, uint32_t rb)
{
    for (uint32_t c = 0; c < a->ncols; c++) {
        const KVector *va = &a->cols[c], *vb = &b->cols[c];
        bool na = !k_vec_is_valid(va, ra), nb = !k_vec_is_valid(vb, rb);
        if (na || nb) {
            if (na != nb) return false; /* UNION treats NULLs as equal */
            continue;
        }
        if (!ex__eq_slot(va->type, k_vec_slot(va, ra), k_vec_slot(vb, rb))) return false;
    }
    return true;
}

static int
seen_grow(RecState *s, KErr *err)
{
    uint64_t nc = s->cap ? s->cap * 2 : 1024;
    uint64_t *nh = k_alloc0(s->a, sizeof(uint64_t) * nc);
    uint32_t *nr = k_alloc0(s->a, sizeof(uint32_t) * nc);
    if (!nh || !nr) return k_error_oom(err, s->a, (sizeof(uint64_t) + sizeof(uint32_t)) * nc);
    for (uint64_t i = 0; i < s->cap; i++) {
        if (!s->slot_hash[i]) continue;
        uint64_t j = s->slot_hash[i] & (nc - 1);
        while (nh[j]) j = (j + 1) & (nc - 1);
        nh[j] = s->slot_hash[i];
        nr[j] = s->slot_ref[i];
    }
    s->slot_hash = nh;
    s->slot_ref = nr;
    s->cap = nc;
    return K_OK;
}

/* Under s->mu: keep the rows of compact batch `b` that were not produced before. */
static int
keep_new_rows(RecState *s, KBatch *b, KErr *err)
{
    if (!s->distinct) return rows_push(s->a, s->out, b, err);
    if (s->seen.n >= (1u << 21)) return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "recursive query keeps too many rows");
    uint16_t keep[K_VECTOR_SIZE];
    uint32_t nk = 0;
    uint32_t bi = s->seen.n; /* index b will have in `seen` */
    for (uint32_t r = 0; r < b->count; r++) {
        if ((s->used + 1) * 2 > s->cap && seen_grow(s, err)) return K_ERR;
        uint64_t h = row_hash(b, r);
        uint64_t j = h & (s->cap - 1);
        bool dup = false;
        while (s->slot_hash[j]) {
            if (s->slot_hash[j] == h) {
                uint32_t ref = s->slot_ref[j];
                const KBatch *ob = (ref >> 11) == bi ? b : s->seen.b[ref >> 11];
                if (row_equal(ob, ref & 2047, b, r)) {
                    dup = true;
                    break;
                }
            }
            j = (j + 1) & (s->cap - 1);
        }
        if (dup) continue;
        s->slot_hash[j] = h;
        s->slot_ref[j] = bi << 11 | r;
        s->used++;
        keep[nk++] = (uint16_t)r;
    }
    if (nk == 0) {
        /* nothing of b is referenced: it stays out of `seen` (refs use its index only
         * when a row was kept) */
        return K_OK;
    }
    if (nk < b->count) {
        /* keep the whole batch in `seen` (refs point into it) but only the new rows flow on */
        if (rows_push(s->a, &s->seen, b, err)) return K_ERR;
        KBatch view = *b;
        view.sel = keep;
        view.nsel = nk;
        KBatch *fresh;
        if (ex_batch_copy(s->a, &view, &fresh, err)) return K_ERR;
        return rows_push(s->a, s->out, fresh, err);
    }
    if (rows_push(s->a, &s->seen, b, err)) return K_ERR;
    return rows_push(s->a, s->out, b, err);
}

static int
rec_push(ExConsumer *cons, uint32_t tid, KBatch *b, KErr *err)
{
    RecState *s = (RecState *)cons;
    if (!k_batch_rows(b)) return K_OK;
    KBatch *copy;
    pthread_mutex_lock(&s->mu);
    int rc = ex_batch_copy(s->a, b, &copy, err);
    if (rc == K_OK) rc = keep_new_rows(s, copy, err);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Types of a run's rows must be the operator's (the planner casts the terms). */
static int
check_types(const ExPlan *p, const ExPlan *term, KErr *err)
{
    if (term->ncols != p->ncols) return k_error(err, K_INTERNAL_ERROR, "recursive term has %u columns, want %u",
                                                term->ncols, p->ncols);
    for (uint32_t i = 0; i < p->ncols; i++)
        if (!k_type_equal(term->types[i], p->types[i]))
            return k_error(err, K_INTERNAL_ERROR, "recursive query column %u changes type", i + 1);
    return K_OK;
}

static int
emit_rows(ExExec *x, const ExPlan *p, ExConsumer *c, const RecRows *r, KErr *err)
{
    for (uint32_t i = 0; i < r->n && !ex__stopped(c); i++) {
        KBatch view = *r->b[i];
        if (ex__emit(x, p, c, &view, err)) return K_ERR;
    }
    return K_OK;
}

int
ex__produce_recursive(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    if (check_types(p, p->left, err) || check_types(p, p->right, err)) return K_ERR;
    KArena *a = k_arena_create(x->arena, "recursive query");
    if (!a) return k_error_oom(err, x->arena, 4096);
    RecState s;
    memset(&s, 0, sizeof s);
    s.base.push = rec_push;
    s.x = x;
    s.p = p;
    s.a = a;
    s.distinct = !p->u.recursive.all;
    pthread_mutex_init(&s.mu, NULL);
    Replay rp;
    memset(&rp, 0, sizeof rp);
    pthread_mutex_init(&rp.mu, NULL);
    WtEntry wt = {x, p->u.recursive.wt_id, NULL, NULL};
    bool registered = false;
    ExRunCtx *saved = x->rc;
    int rc = K_ERR;

    /* the non-recursive term */
    RecRows *cur = k_alloc0(a, sizeof(RecRows));
    if (!cur) {
        k_error_oom(err, a, sizeof(RecRows));
        goto done;
    }
    s.out = cur;
    if (ex__produce(x, p->left, &s.base, err) || emit_rows(x, p, c, cur, err)) goto done;

    /* the recursive term's exchanges, read once */
    if (cache_exchanges(x, p->right, a, &rp, err)) goto done;
    rp.orig = saved;
    rp.ctx = *saved;
    rp.ctx.recv = replay_recv;
    rp.ctx.rctx = &rp;
    rp.ctx.recv_batches_persist = true;

    wt_set(&wt);
    registered = true;
    int64_t iter = 0;
    while (cur->rows > 0 && !ex__stopped(c)) {
        if (++iter > p->u.recursive.max_iterations) {
            k_error(err, K_STATEMENT_TOO_COMPLEX, "recursive query did not finish within %lld iterations",
                    (long long)p->u.recursive.max_iterations);
            k_err_hint(err, "Check the recursive term's stop condition, or use UNION instead of UNION ALL "
                            "to stop on repeated rows.");
            goto done;
        }
        RecRows *next = k_alloc0(a, sizeof(RecRows));
        if (!next) {
            k_error_oom(err, a, sizeof(RecRows));
            goto done;
        }
        wt.rows = cur;
        for (uint32_t i = 0; i < rp.n; i++) rp.x[i].cursor = 0;
        s.out = next;
        x->rc = &rp.ctx;
        int r = ex__produce(x, p->right, &s.base, err);
        x->rc = saved;
        if (r || emit_rows(x, p, c, next, err)) goto done;
        cur = next;
    }
    rc = K_OK;
done:
    x->rc = saved;
    if (registered) wt_remove(&wt);
    pthread_mutex_destroy(&s.mu);
    pthread_mutex_destroy(&rp.mu);
    /* the kept rows were emitted (consumers copy what they keep) */
    k_arena_destroy(a);
    return rc;
}
