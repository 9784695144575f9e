/*
 * vector.c — vectors and batches (see kestrel.h for the layout).
 *
 * Interface routines: k_vector_init, k_vector_ensure_validity,
 * k_batch_create, k_batch_destroy, k_batch_reset.
 */
#include "common/kestrel.h"

int
k_vector_init(KVector *v, KType t, KArena *a, KErr *err)
{
    size_t bytes = (size_t)K_VECTOR_SIZE * k_type_width(t);
    v->type = t;
    v->flags = 0;
    v->validity = NULL;
    v->data = k_alloc_aligned(a, bytes, 64);
    if (!v->data) return k_error_oom(err, a, bytes);
    return K_OK;
}

int
k_vector_ensure_validity(KVector *v, KArena *a, KErr *err)
{
    if (v->validity) return K_OK;
    v->validity = k_alloc_aligned(a, K_VECTOR_WORDS * sizeof(uint64_t), 64);
    if (!v->validity) return k_error_oom(err, a, K_VECTOR_WORDS * sizeof(uint64_t));
    memset(v->validity, 0xff, K_VECTOR_WORDS * sizeof(uint64_t));
    return K_OK;
}

KBatch *
k_batch_create(KArena *parent, uint32_t ncols, const KType *types, KErr *err)
{
    KArena *a = k_arena_create(parent, "batch");
    if (!a) {
        k_error_oom(err, parent, 256);
        return NULL;
    }
    KBatch *b = k_alloc0(a, sizeof *b);
    KArena *heap = k_arena_create(a, "batch heap");
    if (!b || !heap) goto oom;
    b->arena = a;
    b->heap = heap;
    b->ncols = ncols;
    b->cols = k_alloc0(a, sizeof(KVector) * (ncols ? ncols : 1));
    if (!b->cols) goto oom;
    /* sel stays NULL (all rows live) until an operator selects */
    for (uint32_t i = 0; i < ncols; i++)
        if (k_vector_init(&b->cols[i], types[i], a, err)) goto fail;
    return b;
oom:
    k_error_oom(err, a, sizeof *b);
fail:
    k_arena_destroy(a);
    return NULL;
}

void
k_batch_destroy(KBatch *b)
{
    if (b) k_arena_destroy(b->arena);
}

void
k_batch_reset(KBatch *b)
{
    b->count = 0;
    b->sel = NULL;
    b->nsel = 0;
    for (uint32_t i = 0; i < b->ncols; i++) {
        KVector *v = &b->cols[i];
        v->flags &= ~(uint32_t)K_VEC_CONST;
        if (v->validity) memset(v->validity, 0xff, K_VECTOR_WORDS * sizeof(uint64_t));
    }
    k_arena_reset(b->heap);
}
