/*
 * nl.c — nested-loop join: CROSS / INNER with any predicate, LEFT, SEMI,
 * ANTI. The right (inner) side is materialized; each left batch is then
 * evaluated once per inner row, with the inner row's values as constant
 * vectors, so a cross join with a one-row scalar subquery costs one
 * vectorized predicate per left batch.
 *
 * Interface routines: ex__produce_nl, ex__produce_window.
 */
#include "exec/exec_int.h"

typedef struct NlTls {
    ExEval *pred;
    KArena *heap;
    KBatch comb;
    KBatch view;
    uint64_t *words;  /* validity word of each inner constant column */
    uint16_t *sel;
    uint16_t *sel2;
    uint8_t *matched;
} NlTls;

typedef struct Nl {
    ExConsumer base;
    ExConsumer build;
    ExConsumer *next;
    ExExec *x;
    const ExPlan *p;
    NlTls *tls;
    ExStore *stores;  /* per thread, merged into stores[0] */
    uint32_t nl, nr;
    ExJoinType type;
    ExValue zero;
} Nl;

static int
nl_build_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Nl *j = (Nl *)((char *)c - offsetof(Nl, build));
    return ex__store_append(&j->stores[tid], b, NULL, err);
}

static int
nl_out(Nl *j, NlTls *t, uint32_t tid, const KBatch *src, const uint16_t *sel, uint32_t k,
       KErr *err)
{
    const ExPlan *p = j->p;
    KBatch *v = &t->view;
    v->ncols = p->u.nl.nout;
    for (uint32_t i = 0; i < p->u.nl.nout; i++) v->cols[i] = src->cols[p->u.nl.out_cols[i]];
    v->count = src->count;
    v->sel = (uint16_t *)sel;
    v->nsel = k;
    v->heap = src->heap;
    v->arena = src->arena;
    return j->next->push(j->next, tid, v, err);
}

static int
nl_probe_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Nl *j = (Nl *)c;
    NlTls *t = &j->tls[tid];
    const ExStore *s = &j->stores[0];
    uint32_t n = k_batch_rows(b);
    uint16_t *live = t->sel2;
    for (uint32_t i = 0; i < n; i++) {
        live[i] = (uint16_t)k_batch_row(b, i);
        t->matched[live[i]] = 0;
    }
    KBatch *cb = &t->comb;
    for (uint32_t i = 0; i < j->nl; i++) cb->cols[i] = b->cols[i];
    cb->count = b->count;
    cb->heap = b->heap;
    cb->arena = b->arena;
    for (uint32_t ch = 0; ch < s->nchunks; ch++) {
        const KBatch *chunk = s->chunks[ch];
        for (uint32_t r = 0; r < chunk->count; r++) {
            /* one build row can make a whole output batch: look for a
             * cancel (or another thread's failure) every 64 build rows */
            if ((r & 63) == 0 && ex__check(j->x, err)) return K_ERR;
            if ((r & 63) == 0 && ex__stopped(&j->base)) return K_OK; /* a LIMIT above is done */
            for (uint32_t q = 0; q < j->nr; q++) {
                const KVector *src = &chunk->cols[q];
                KVector *d = &cb->cols[j->nl + q];
                d->type = src->type;
                d->flags = K_VEC_CONST;
                d->data = k_vec_slot(src, r);
                t->words[q] = k_vec_is_valid(src, r) ? 1 : 0;
                d->validity = &t->words[q];
            }
            k_arena_reset(t->heap);
            uint32_t k = n;
            const uint16_t *pass = live;
            if (t->pred) {
                if (ex__select(t->pred, cb, live, n, t->heap, t->sel, &k, err)) return K_ERR;
                pass = t->sel;
            }
            for (uint32_t i = 0; i < k; i++) t->matched[pass[i]] = 1;
            if ((j->type == EX_JOIN_INNER || j->type == EX_JOIN_LEFT) && k)
                if (nl_out(j, t, tid, cb, pass, k, err)) return K_ERR;
        }
    }
    if (j->type == EX_JOIN_INNER) return K_OK;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool m = t->matched[live[i]];
        if (j->type == EX_JOIN_SEMI ? m : !m) t->sel[k++] = live[i];
    }
    if (!k) return K_OK;
    if (j->type == EX_JOIN_LEFT) {
        for (uint32_t q = 0; q < j->nr; q++) {
            KVector *d = &cb->cols[j->nl + q];
            d->type = j->p->right->types[q];
            d->flags = K_VEC_CONST;
            d->data = &j->zero;
            t->words[q] = 0;
            d->validity = &t->words[q];
        }
    }
    return nl_out(j, t, tid, cb, t->sel, k, err);
}

int
ex__produce_nl(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    Nl *j = k_alloc0(x->arena, sizeof *j);
    if (!j) return k_error_oom(err, x->arena, sizeof *j);
    j->base.push = nl_probe_push;
    j->base.stop = c->stop;
    j->build.push = nl_build_push;
    j->next = c;
    j->x = x;
    j->p = p;
    j->type = (ExJoinType)p->u.nl.type;
    if (j->type != EX_JOIN_INNER && j->type != EX_JOIN_LEFT && j->type != EX_JOIN_SEMI &&
        j->type != EX_JOIN_ANTI)
        return k_error(err, K_FEATURE_NOT_SUPPORTED, "nested loop %s join is not supported",
                       ex_join_type_name(j->type));
    j->nl = p->left->ncols;
    j->nr = p->right->ncols;
    for (uint32_t i = 0; i < p->u.nl.nout; i++)
        if (p->u.nl.out_cols[i] >= j->nl + j->nr ||
            (j->type >= EX_JOIN_SEMI && p->u.nl.out_cols[i] >= j->nl))
            return k_error(err, K_INTERNAL_ERROR, "nested loop output column out of range");
    j->stores = k_alloc0(x->arena, sizeof(ExStore) * x->nthreads);
    j->tls = k_alloc0(x->arena, sizeof(NlTls) * x->nthreads);
    if (!j->stores || !j->tls) return k_error_oom(err, x->arena, 64);
    for (uint32_t ti = 0; ti < x->nthreads; ti++) {
        NlTls *t = &j->tls[ti];
        KArena *a = x->tarena[ti];
        if (ex__store_init(&j->stores[ti], a, j->nr, p->right->types, err)) return K_ERR;
        t->heap = k_arena_create(a, "nl heap");
        t->comb.cols = k_alloc0(a, sizeof(KVector) * (j->nl + j->nr + 1));
        t->comb.ncols = j->nl + j->nr;
        t->view.cols = k_alloc(a, sizeof(KVector) * (p->u.nl.nout + 1));
        t->words = k_alloc(a, 8 * (j->nr + 1));
        t->sel = k_alloc(a, 2 * K_VECTOR_SIZE);
        t->sel2 = k_alloc(a, 2 * K_VECTOR_SIZE);
        t->matched = k_alloc(a, K_VECTOR_SIZE);
        if (!t->heap || !t->comb.cols || !t->view.cols || !t->words || !t->sel || !t->sel2 ||
            !t->matched)
            return k_error_oom(err, a, 8 * K_VECTOR_SIZE);
        if (p->u.nl.pred &&
            ex__eval_compile(a, p->u.nl.pred, x->rc->params, x->rc->nparams, &t->pred, err))
            return K_ERR;
    }
    if (ex__produce(x, p->right, &j->build, err)) return K_ERR;
    for (uint32_t ti = 1; ti < x->nthreads; ti++)
        if (ex__store_merge(&j->stores[0], &j->stores[ti], err)) return K_ERR;
    if (j->stores[0].rows == 0 && (j->type == EX_JOIN_INNER || j->type == EX_JOIN_SEMI))
        return K_OK;
    return ex__produce(x, p->left, &j->base, err);
}
