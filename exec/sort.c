/*
 * sort.c — SORT (multi-key, ASC/DESC, NULLS FIRST/LAST) with an optional
 * LIMIT/OFFSET that turns it into a top-N.
 *
 * Interface routines: ex__produce_sort, ex__sort_refs.
 *
 * Every thread appends its input rows, plus the evaluated sort keys, to its
 * own row store. For a top-N a thread whose store grows past
 * max(2N, 8192) rows sorts it and keeps only the first N rows (so memory
 * stays O(N) per thread and each row is compared O(log N) times
 * amortized). At the end the row refs are sorted with one comparator over
 * the key columns (each thread's store on its own, in parallel, and the
 * runs merged, for 4096 rows or more), and rows [offset, offset+limit) are
 * gathered into output batches.
 */
#include "exec/exec_int.h"

#include <omp.h>
#include <stdlib.h>

typedef struct SortCtx {
    const ExStore *s;
    uint32_t key0;
    uint32_t nkeys;
    const ExSortKey *keys;
} SortCtx;

static int
cmp_refs(const void *pa, const void *pb, void *arg)
{
    const SortCtx *c = arg;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    for (uint32_t k = 0; k < c->nkeys; k++) {
        const KVector *va = ex__store_col(c->s, a, c->key0 + k);
        const KVector *vb = ex__store_col(c->s, b, c->key0 + k);
        uint32_t ra = EX_REF_ROW(a), rb = EX_REF_ROW(b);
        bool na = !k_vec_is_valid(va, ra), nb = !k_vec_is_valid(vb, rb);
        int r;
        if (na || nb) {
            if (na && nb) continue;
            r = na ? 1 : -1; /* NULL sorts as larger ... */
            if (c->keys[k].nulls_first) r = -r; /* ... unless NULLS FIRST */
            return r;
        }
        r = ex__cmp_slot(va->type, k_vec_slot(va, ra), k_vec_slot(vb, rb));
        if (r) return c->keys[k].desc ? -r : r;
    }
    /* stable among equal keys: by position */
    return (a > b) - (a < b);
}

/* Every ref of a store, sorted. */
static uint32_t *
sorted_refs(KArena *a, const ExStore *s, uint32_t key0, uint32_t nkeys, const ExSortKey *keys,
            KErr *err)
{
    uint32_t n = (uint32_t)s->rows;
    uint32_t *refs = k_alloc(a, sizeof(uint32_t) * (n ? n : 1));
    if (!refs) {
        k_error_oom(err, a, sizeof(uint32_t) * n);
        return NULL;
    }
    uint32_t k = 0;
    for (uint32_t c = 0; c < s->nchunks; c++)
        for (uint32_t i = 0; i < s->chunks[c]->count; i++) refs[k++] = EX_REF(c, i);
    SortCtx ctx = {s, key0, nkeys, keys};
    qsort_r(refs, n, sizeof(uint32_t), cmp_refs, &ctx);
    return refs;
}

/* Gather rows refs[0..n-1] of the store's first ncols columns into b. */
static void
gather_batch(const ExStore *s, const uint32_t *refs, uint32_t n, uint32_t ncols, KBatch *b)
{
    for (uint32_t c = 0; c < ncols; c++) ex__store_gather(s, c, refs, n, &b->cols[c]);
    b->count = n;
    b->sel = NULL;
    b->nsel = 0;
}

typedef struct SortTls {
    ExStore store;
    ExEval **kev;
    KVector **cols;
    KArena *heap;
    KArena *arena;
    KBatch *tmp;
} SortTls;

typedef struct Sort {
    ExConsumer base;
    ExExec *x;
    const ExPlan *p;
    SortTls *tls;
    uint32_t nin, nkeys;
    KType *stypes;
    int64_t keep; /* top-N: rows to keep, -1 = all */
} Sort;

/* Keep only the first `keep` rows of a thread's store. */
static int
compact(Sort *so, SortTls *t, KErr *err)
{
    uint32_t *refs = sorted_refs(t->heap, &t->store, so->nin, so->nkeys, so->p->u.sort.keys, err);
    if (!refs) return K_ERR;
    ExStore ns;
    if (ex__store_init(&ns, t->arena, so->nin + so->nkeys, so->stypes, err)) return K_ERR;
    uint32_t total = (uint32_t)K_MIN((int64_t)t->store.rows, so->keep);
    for (uint32_t off = 0; off < total; off += K_VECTOR_SIZE) {
        uint32_t n = K_MIN(K_VECTOR_SIZE, total - off);
        gather_batch(&t->store, refs + off, n, so->nin + so->nkeys, t->tmp);
        if (ex__store_append(&ns, t->tmp, NULL, err)) return K_ERR;
    }
    for (uint32_t c = 0; c < t->store.nchunks; c++) k_batch_destroy(t->store.chunks[c]);
    k_free(t->store.arena, t->store.chunks, sizeof(KBatch *) * t->store.cap);
    t->store = ns;
    return K_OK;
}

static int
sort_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Sort *so = (Sort *)c;
    SortTls *t = &so->tls[tid];
    uint32_t n = k_batch_rows(b);
    for (uint32_t i = 0; i < so->nin; i++) t->cols[i] = &b->cols[i];
    for (uint32_t k = 0; k < so->nkeys; k++)
        if (ex__eval(t->kev[k], b, b->sel, n, t->heap, &t->cols[so->nin + k], err)) return K_ERR;
    if (ex__store_append(&t->store, b, t->cols, err)) return K_ERR;
    k_arena_reset(t->heap);
    if (so->keep >= 0 && t->store.rows > (uint64_t)K_MAX(2 * so->keep, 8192)) {
        if (compact(so, t, err)) return K_ERR;
        k_arena_reset(t->heap);
    }
    return K_OK;
}

/* Many rows on several threads: every thread's store is sorted on its own
 * (in parallel), the stores are merged into thread 0's (chunk indexes of
 * the others shift, so their refs are renumbered), and the sorted runs are
 * merged into the first `want` refs. The comparator is a total order (ties
 * by ref), so the result is the same as one sort of the merged store. */
static uint32_t *
sorted_runs_merged(Sort *so, uint64_t want, KErr *err)
{
    ExExec *x = so->x;
    uint32_t nt = x->nthreads;
    uint32_t *runs[EX_MAX_THREADS];
    uint32_t nrun[EX_MAX_THREADS], pos[EX_MAX_THREADS];
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (uint32_t t = 0; t < nt; t++) {
        KErr lerr;
        k_err_clear(&lerr);
        nrun[t] = (uint32_t)so->tls[t].store.rows;
        pos[t] = 0;
        runs[t] = sorted_refs(x->tarena[t], &so->tls[t].store, so->nin, so->nkeys,
                              so->p->u.sort.keys, &lerr);
        if (!runs[t]) ex__fail(x, &lerr);
    }
    if (ex__check(x, err)) return NULL;
    ExStore *all = &so->tls[0].store;
    for (uint32_t t = 1; t < nt; t++) {
        uint32_t shift = all->nchunks;
        for (uint32_t i = 0; i < nrun[t]; i++)
            runs[t][i] = EX_REF(EX_REF_CHUNK(runs[t][i]) + shift, EX_REF_ROW(runs[t][i]));
        if (ex__store_merge(all, &so->tls[t].store, err)) return NULL;
    }
    uint32_t *out = k_alloc(x->arena, sizeof(uint32_t) * (want ? want : 1));
    if (!out) {
        k_error_oom(err, x->arena, sizeof(uint32_t) * want);
        return NULL;
    }
    SortCtx ctx = {all, so->nin, so->nkeys, so->p->u.sort.keys};
    for (uint64_t k = 0; k < want; k++) {
        int best = -1;
        for (uint32_t t = 0; t < nt; t++)
            if (pos[t] < nrun[t] &&
                (best < 0 || cmp_refs(&runs[t][pos[t]], &runs[best][pos[best]], &ctx) < 0))
                best = (int)t;
        if (best < 0) break;
        out[k] = runs[best][pos[best]++];
    }
    return out;
}

int
ex__produce_sort(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    Sort *so = k_alloc0(x->arena, sizeof *so);
    if (!so) return k_error_oom(err, x->arena, sizeof *so);
    so->base.push = sort_push;
    so->x = x;
    so->p = p;
    so->nin = p->left->ncols;
    so->nkeys = p->u.sort.nkeys;
    int64_t off = p->u.sort.offset > 0 ? p->u.sort.offset : 0;
    so->keep = p->u.sort.limit >= 0 ? p->u.sort.limit + off : -1;
    so->stypes = k_alloc(x->arena, sizeof(KType) * (so->nin + so->nkeys + 1));
    if (!so->stypes) return k_error_oom(err, x->arena, 64);
    memcpy(so->stypes, p->left->types, sizeof(KType) * so->nin);
    for (uint32_t k = 0; k < so->nkeys; k++) so->stypes[so->nin + k] = p->u.sort.keys[k].expr->type;
    so->tls = k_alloc0(x->arena, sizeof(SortTls) * x->nthreads);
    if (!so->tls) return k_error_oom(err, x->arena, 64);
    for (uint32_t ti = 0; ti < x->nthreads; ti++) {
        SortTls *t = &so->tls[ti];
        KArena *a = x->tarena[ti];
        t->arena = a;
        if (ex__store_init(&t->store, a, so->nin + so->nkeys, so->stypes, err)) return K_ERR;
        t->kev = k_alloc(a, sizeof(ExEval *) * (so->nkeys + 1));
        t->cols = k_alloc(a, sizeof(KVector *) * (so->nin + so->nkeys + 1));
        t->heap = k_arena_create(a, "sort heap");
        if (!t->kev || !t->cols || !t->heap) return k_error_oom(err, a, 64);
        if (so->keep >= 0 && !(t->tmp = ex__batch_new(a, so->nin + so->nkeys, so->stypes, err)))
            return K_ERR;
        for (uint32_t k = 0; k < so->nkeys; k++)
            if (ex__eval_compile(a, p->u.sort.keys[k].expr, x->rc->params, x->rc->nparams,
                                 &t->kev[k], err))
                return K_ERR;
    }
    if (so->keep == 0) return K_OK;
    if (ex__produce(x, p->left, &so->base, err)) return K_ERR;
    ExStore *all = &so->tls[0].store;
    uint64_t n = 0;
    for (uint32_t ti = 0; ti < x->nthreads; ti++) n += so->tls[ti].store.rows;
    uint64_t from = (uint64_t)off, to = n;
    if (p->u.sort.limit >= 0 && from + (uint64_t)p->u.sort.limit < to) to = from + (uint64_t)p->u.sort.limit;
    uint32_t *refs;
    if (x->nthreads > 1 && n >= 4096) {
        refs = sorted_runs_merged(so, to, err);
    } else {
        for (uint32_t ti = 1; ti < x->nthreads; ti++)
            if (ex__store_merge(all, &so->tls[ti].store, err)) return K_ERR;
        refs = sorted_refs(x->arena, all, so->nin, so->nkeys, p->u.sort.keys, err);
    }
    ex__stat_mem(x, p, k_arena_used(x->arena));
    if (!refs) return K_ERR;
    KBatch *out = ex__batch_new(x->arena, so->nin, p->left->types, err);
    if (!out) return K_ERR;
    for (uint64_t i = from; i < to; i += K_VECTOR_SIZE) {
        uint32_t cnt = (uint32_t)K_MIN((uint64_t)K_VECTOR_SIZE, to - i);
        gather_batch(all, refs + i, cnt, so->nin, out);
        if (ex__emit(x, p, c, out, err)) return K_ERR;
    }
    return K_OK;
}
