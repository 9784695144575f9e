/*
 * store.c — row stores: materialized rows kept as compact column chunks
 * of up to 2048 rows (the batch layout itself), addressed by 32-bit refs
 * (chunk << 11 | row). Hash-join build sides, sort inputs and nested-loop
 * inner sides live in stores.
 *
 * Interface routines: ex__store_init, ex__store_append, ex__store_merge,
 * ex__store_gather.
 */
#include "exec/exec_int.h"

int
ex__store_init(ExStore *s, KArena *a, uint32_t ncols, const KType *types, KErr *err)
{
    memset(s, 0, sizeof *s);
    s->ncols = ncols;
    s->arena = a;
    s->types = k_alloc(a, sizeof(KType) * (ncols ? ncols : 1));
    if (!s->types) return k_error_oom(err, a, sizeof(KType) * ncols);
    if (ncols) memcpy(s->types, types, sizeof(KType) * ncols);
    return K_OK;
}

static int
new_chunk(ExStore *s, KErr *err)
{
    if (s->nchunks == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 8;
        KBatch **c = k_realloc(s->arena, s->chunks, sizeof(KBatch *) * s->cap, sizeof(KBatch *) * nc);
        if (!c) return k_error_oom(err, s->arena, sizeof(KBatch *) * nc);
        s->chunks = c;
        s->cap = nc;
    }
    if (s->nchunks >= (1u << 21))
        return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "too many rows in one operator");
    KBatch *b = ex__batch_new(s->arena, s->ncols, s->types, err);
    if (!b) return K_ERR;
    s->chunks[s->nchunks++] = b;
    return K_OK;
}

int
ex__store_append(ExStore *s, const KBatch *b, KVector **cols, KErr *err)
{
    uint32_t n = k_batch_rows(b);
    uint32_t done = 0;
    while (done < n) {
        if (!s->nchunks || s->chunks[s->nchunks - 1]->count == K_VECTOR_SIZE)
            if (new_chunk(s, err)) return K_ERR;
        KBatch *ch = s->chunks[s->nchunks - 1];
        uint32_t off = ch->count;
        uint32_t take = K_MIN(n - done, K_VECTOR_SIZE - off);
        for (uint32_t c = 0; c < s->ncols; c++) {
            const KVector *src = cols ? cols[c] : &b->cols[c];
            KVector *dst = &ch->cols[c];
            size_t w = k_type_width(dst->type);
            char *d = (char *)dst->data + (size_t)off * w;
            bool cst = src->flags & K_VEC_CONST;
            const char *sd = src->data;
            if (!b->sel && !cst) {
                memcpy(d, sd + (size_t)done * w, (size_t)take * w);
            } else {
                for (uint32_t i = 0; i < take; i++) {
                    uint32_t r = cst ? 0 : k_batch_row(b, done + i);
                    memcpy(d + (size_t)i * w, sd + (size_t)r * w, w);
                }
            }
            if (src->validity) {
                for (uint32_t i = 0; i < take; i++) {
                    uint32_t r = k_batch_row(b, done + i);
                    if (!k_vec_is_valid(src, r)) k_vec_set_valid(dst, off + i, false);
                }
            }
            if (k_type_is_string(dst->type)) {
                KStr *ss = (KStr *)d;
                for (uint32_t i = 0; i < take; i++)
                    if (ex__str_own(ch->heap, &ss[i], err)) return K_ERR;
            }
        }
        ch->count += take;
        done += take;
    }
    s->rows += n;
    return K_OK;
}

int
ex__store_merge(ExStore *dst, ExStore *src, KErr *err)
{
    for (uint32_t i = 0; i < src->nchunks; i++) {
        if (dst->nchunks == dst->cap) {
            uint32_t nc = dst->cap ? dst->cap * 2 : 8;
            KBatch **c = k_realloc(dst->arena, dst->chunks, sizeof(KBatch *) * dst->cap,
                                   sizeof(KBatch *) * nc);
            if (!c) return k_error_oom(err, dst->arena, sizeof(KBatch *) * nc);
            dst->chunks = c;
            dst->cap = nc;
        }
        if (dst->nchunks >= (1u << 21))
            return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "too many rows in one operator");
        dst->chunks[dst->nchunks++] = src->chunks[i];
    }
    dst->rows += src->rows;
    src->nchunks = 0;
    src->rows = 0;
    return K_OK;
}

void
ex__store_gather(const ExStore *s, uint32_t scol, const uint32_t *refs, uint32_t n, KVector *dst)
{
    size_t w = k_type_width(dst->type);
    char *d = dst->data;
    /* a constant width per case: one load and store per row, no memcpy call */
#define EX_GATHER(W)                                                                           \
    for (uint32_t i = 0; i < n; i++) {                                                         \
        const KVector *src = &s->chunks[EX_REF_CHUNK(refs[i])]->cols[scol];                   \
        uint32_t r = EX_REF_ROW(refs[i]);                                                      \
        memcpy(d + (size_t)i * (W), (const char *)src->data + (size_t)r * (W), (W));           \
        if (dst->validity) k_vec_set_valid(dst, i, k_vec_is_valid(src, r));                   \
    }
    switch (w) {
    case 1: EX_GATHER(1); break;
    case 4: EX_GATHER(4); break;
    case 8: EX_GATHER(8); break;
    case 16: EX_GATHER(16); break;
    default: EX_GATHER(w); break;
    }
#undef EX_GATHER
}
