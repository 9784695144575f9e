/*
 * batch.c — generated rows as typed column batches (KBatch), for loaders
 * that append to storage directly (st_writer_append) instead of parsing
 * .tbl text.
 *
 * Each field's text is converted with common's k_value_parse() into the
 * column type the caller gives (normally the catalog's types for the
 * table), so the values are exactly those a COPY of the .tbl file would
 * load. Batches hold up to K_VECTOR_SIZE rows; the batch and its string
 * heap are reused, so the callback must consume (copy) a batch before it
 * returns.
 *
 * Interface routines: tpch_generate_batches().
 */
#include "tpch/tpch_int.h"

typedef struct BatchCtx {
    KBatch *b;
    uint32_t ncols;
    TpchBatchFn fn;
    void *ctx;
} BatchCtx;

static int
flush(BatchCtx *c, KErr *err)
{
    if (c->b->count == 0) return K_OK;
    int rc = c->fn(c->ctx, c->b, err);
    k_batch_reset(c->b);
    return rc;
}

static int
add_row(void *ctx, const TpchField *f, int n, KErr *err)
{
    BatchCtx *c = ctx;
    KBatch *b = c->b;
    if ((uint32_t)n != c->ncols)
        return k_error(err, K_INTERNAL_ERROR, "row has %d fields, batch has %u columns", n,
                       c->ncols);
    uint32_t row = b->count;
    for (uint32_t i = 0; i < c->ncols; i++) {
        KVector *v = &b->cols[i];
        if (k_value_parse(v->type, f[i].ptr, f[i].len, k_vec_slot(v, row), b->heap, err) != K_OK)
            return K_ERR;
    }
    b->count = row + 1;
    if (b->count == K_VECTOR_SIZE) return flush(c, err);
    return K_OK;
}

int
tpch_generate_batches(TpchBenchmark bench, int table, const TpchScale *sf, int part, int nparts,
                      const KType *types, KArena *arena, TpchBatchFn fn, void *ctx, KErr *err)
{
    const TpchTableInfo *info = tpch_table_info(bench, table);
    if (!info) return k_error(err, K_INVALID_PARAMETER_VALUE, "unknown table %d", table);
    if (!types || !arena || !fn)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "missing column types, arena or callback");
    BatchCtx c = {NULL, (uint32_t)info->ncols, fn, ctx};
    c.b = k_batch_create(arena, c.ncols, types, err);
    if (!c.b) return K_ERR;
    int rc = tpch_generate(bench, table, sf, part, nparts, add_row, &c, err);
    if (rc == K_OK) rc = flush(&c, err);
    k_batch_destroy(c.b);
    return rc;
}
