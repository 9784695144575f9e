/*
 * agg.c — hash aggregation (COMPLETE, PARTIAL, FINAL) and the set
 * operations that are aggregations in disguise (UNION, INTERSECT [ALL],
 * EXCEPT [ALL]).
 *
 * Interface routines: ex__produce_agg, ex__produce_setop.
 *
 * Each thread aggregates into its own GTable (linear probing over 32-bit
 * tags and group ids; group keys kept in batch-shaped chunks, so group g
 * sits in chunk g >> 11, row g & 2047; states in one array of
 * naggs * sizeof(AggState) per group). A thread table past
 * EX_AGG_SPLIT_GROUPS groups splits into EX_AGG_PARTS tables by hash; at
 * the end partition q of all threads is merged into the largest one, the
 * partitions in parallel (few groups: everything into thread 0's table),
 * and the groups are emitted chunk by chunk on all threads.
 * DISTINCT aggregates keep a set of (group, value) pairs — itself a GTable
 * — and only feed values not seen before (a merge of per-thread sets would
 * count a value twice): with group keys on several threads the input rows
 * are kept by group partition and every partition aggregated on its own
 * (in parallel, "deferred"); without keys, one table under a lock.
 * Accumulators: integer and decimal sums in int128 (never overflow for
 * realistic inputs; checked against precision 38 at the end), double sums
 * in double, variance by Welford's method (merged with Chan's formula).
 */
#include "exec/exec_int.h"

#include <math.h>
#include <omp.h>

typedef ExAggAcc AggState;

typedef struct GTable {
    KArena *arena;
    uint32_t nkeys;
    KType *ktypes;
    uint32_t naggs;
    uint32_t ngroups;
    uint32_t nchunks, chunk_cap;
    KBatch **chunks;     /* group keys */
    AggState *states;    /* ngroups * naggs */
    uint32_t state_cap;  /* groups */
    uint64_t *ghash;
    int64_t *cnt;        /* setops: 2 counters per group */
    uint32_t *slots;     /* group id + 1 */
    uint32_t *tags;
    uint64_t mask;
    /* one integer key: its value per slot, so a probe never touches the
     * key chunks (the NULL group, if any, is null_gid) */
    bool ikey, k32;
    /* two 32-bit integer keys: the pair packed into skey; groups with a
     * NULL key are marked by GT_NULLBIT in their slot instead of null_gid */
    bool pack2;
    int64_t *skey;
    int64_t null_gid;
    /* one or two string keys whose values are at most one byte long (Q1's
     * CHAR(1) flags): a direct map from the keys' codes to group id + 1,
     * allocated on the first batch that qualifies */
    uint32_t *tiny;
} GTable;

static int
gt_init(GTable *g, KArena *a, uint32_t nkeys, const KType *ktypes, uint32_t naggs, bool counters,
        KErr *err)
{
    memset(g, 0, sizeof *g);
    g->arena = a;
    g->nkeys = nkeys;
    g->naggs = naggs;
    g->ktypes = k_alloc(a, sizeof(KType) * (nkeys + 1));
    g->mask = 255;
    g->slots = k_alloc0(a, sizeof(uint32_t) * 256);
    g->tags = k_alloc(a, sizeof(uint32_t) * 256);
    if (!g->ktypes || !g->slots || !g->tags) return k_error_oom(err, a, 2048);
    if (nkeys) memcpy(g->ktypes, ktypes, sizeof(KType) * nkeys);
    if (counters) g->cnt = (int64_t *)1; /* allocated with the states */
    g->null_gid = -1;
    if (nkeys == 1 && (ex__phys(ktypes[0]) == EX_P_I32 || ex__phys(ktypes[0]) == EX_P_I64)) {
        g->ikey = true;
        g->k32 = ex__phys(ktypes[0]) == EX_P_I32;
        g->skey = k_alloc(a, sizeof(int64_t) * 256);
        if (!g->skey) return k_error_oom(err, a, 2048);
    }
    if (nkeys == 2 && ex__phys(ktypes[0]) == EX_P_I32 && ex__phys(ktypes[1]) == EX_P_I32) {
        g->ikey = g->pack2 = g->k32 = true;
        g->skey = k_alloc(a, sizeof(int64_t) * 256);
        if (!g->skey) return k_error_oom(err, a, 2048);
    }
    return K_OK;
}

#define GT_NULLBIT 0x80000000u

/* The slot key of row `row` (one integer, or two packed 32-bit integers);
 * false when a key is NULL. */
static inline bool
gt_slot_key(const GTable *g, KVector *const *kv, uint32_t row, int64_t *iv)
{
    if (!k_vec_is_valid(kv[0], row)) return false;
    const void *sl = k_vec_slot(kv[0], row);
    if (!g->pack2) {
        *iv = g->k32 ? *(const int32_t *)sl : *(const int64_t *)sl;
        return true;
    }
    if (!k_vec_is_valid(kv[1], row)) return false;
    uint32_t b = *(const uint32_t *)k_vec_slot(kv[1], row);
    *iv = (int64_t)((uint64_t)*(const uint32_t *)sl << 32 | b);
    return true;
}

static int
gt_grow_groups(GTable *g, KErr *err)
{
    uint32_t nc = g->state_cap ? g->state_cap * 2 : 1024;
    size_t ssz = sizeof(AggState) * g->naggs;
    if (g->naggs) {
        AggState *s = k_realloc(g->arena, g->states, ssz * g->state_cap, ssz * nc);
        if (!s) return k_error_oom(err, g->arena, ssz * nc);
        g->states = s;
    }
    uint64_t *h = k_realloc(g->arena, g->ghash, 8 * (size_t)g->state_cap, 8 * (size_t)nc);
    if (!h) return k_error_oom(err, g->arena, 8 * (size_t)nc);
    g->ghash = h;
    if (g->cnt) {
        int64_t *c = k_realloc(g->arena, g->cnt == (int64_t *)1 ? NULL : g->cnt,
                               16 * (size_t)g->state_cap, 16 * (size_t)nc);
        if (!c) return k_error_oom(err, g->arena, 16 * (size_t)nc);
        g->cnt = c;
    }
    g->state_cap = nc;
    return K_OK;
}

/* Size an empty table for about n groups (no rehash or state growth while
 * they are inserted). */
static int
gt_reserve(GTable *g, uint32_t n, KErr *err)
{
    uint64_t cap = 256;
    while (cap < (uint64_t)n * 2 + 2) cap <<= 1;
    if (cap > g->mask + 1) {
        uint32_t *slots = k_alloc0(g->arena, sizeof(uint32_t) * cap);
        uint32_t *tags = k_alloc(g->arena, sizeof(uint32_t) * cap);
        int64_t *skey = g->ikey ? k_alloc(g->arena, sizeof(int64_t) * cap) : NULL;
        if (!slots || !tags || (g->ikey && !skey))
            return k_error_oom(err, g->arena, sizeof(uint32_t) * cap * 4);
        k_free(g->arena, g->slots, sizeof(uint32_t) * (g->mask + 1));
        k_free(g->arena, g->tags, sizeof(uint32_t) * (g->mask + 1));
        if (g->ikey) k_free(g->arena, g->skey, sizeof(int64_t) * (g->mask + 1));
        g->slots = slots;
        g->tags = tags;
        g->skey = skey;
        g->mask = cap - 1;
    }
    while (g->state_cap < n)
        if (gt_grow_groups(g, err)) return K_ERR;
    return K_OK;
}

static int
gt_rehash(GTable *g, KErr *err)
{
    uint64_t cap = (g->mask + 1) * 2;
    uint32_t *slots = k_alloc0(g->arena, sizeof(uint32_t) * cap);
    uint32_t *tags = k_alloc(g->arena, sizeof(uint32_t) * cap);
    if (!slots || !tags) return k_error_oom(err, g->arena, sizeof(uint32_t) * cap * 2);
    int64_t *skey = NULL;
    if (g->ikey) {
        skey = k_alloc(g->arena, sizeof(int64_t) * cap);
        if (!skey) return k_error_oom(err, g->arena, sizeof(int64_t) * cap);
        k_free(g->arena, g->skey, sizeof(int64_t) * (g->mask + 1));
        g->skey = skey;
    }
    k_free(g->arena, g->slots, sizeof(uint32_t) * (g->mask + 1));
    k_free(g->arena, g->tags, sizeof(uint32_t) * (g->mask + 1));
    g->slots = slots;
    g->tags = tags;
    g->mask = cap - 1;
    for (uint32_t gid = 0; gid < g->ngroups; gid++) {
        uint64_t h = g->ghash[gid];
        uint64_t pos = h & g->mask;
        while (slots[pos]) pos = (pos + 1) & g->mask;
        slots[pos] = gid + 1;
        tags[pos] = (uint32_t)(h >> 32);
        if (skey) {
            KBatch *ch = g->chunks[gid >> 11];
            KVector *cv[2] = {&ch->cols[0], g->pack2 ? &ch->cols[1] : NULL};
            int64_t iv = 0;
            bool valid = gt_slot_key(g, cv, gid & 2047, &iv);
            skey[pos] = valid ? iv : 0;
            if (g->pack2 && !valid) slots[pos] |= GT_NULLBIT;
        }
    }
    return K_OK;
}

static inline bool
gt_key_eq(const GTable *g, uint32_t gid, KVector **kv, uint32_t row)
{
    const KBatch *ch = g->chunks[gid >> 11];
    uint32_t gr = gid & 2047;
    for (uint32_t k = 0; k < g->nkeys; k++) {
        const KVector *a = &ch->cols[k];
        bool na = !k_vec_is_valid(a, gr), nb = !k_vec_is_valid(kv[k], row);
        if (na || nb) {
            if (na != nb) return false;
            continue;
        }
        if (!ex__eq_fast(a->type, k_vec_slot(a, gr), k_vec_slot(kv[k], row))) return false;
    }
    return true;
}

/* Find the group of row `row` of the key vectors (hash h) or create it. */
static int
gt_find(GTable *g, KVector **kv, uint32_t row, uint64_t h, uint32_t *gid, bool *is_new, KErr *err)
{
    uint32_t tg = (uint32_t)(h >> 32);
    uint64_t pos = h & g->mask;
    int64_t iv = 0;
    bool fast = g->ikey && gt_slot_key(g, kv, row, &iv);
    if (fast) {
        for (;;) {
            uint32_t s = g->slots[pos];
            if (!s) break;
            if (g->tags[pos] == tg && g->skey[pos] == iv && !(s & GT_NULLBIT) &&
                (int64_t)(s - 1) != g->null_gid) {
                *gid = s - 1;
                *is_new = false;
                return K_OK;
            }
            pos = (pos + 1) & g->mask;
        }
    } else {
        for (;;) {
            uint32_t s = g->slots[pos];
            if (!s) break;
            if (g->tags[pos] == tg && gt_key_eq(g, (s & ~GT_NULLBIT) - 1, kv, row)) {
                *gid = (s & ~GT_NULLBIT) - 1;
                *is_new = false;
                return K_OK;
            }
            pos = (pos + 1) & g->mask;
        }
    }
    uint32_t id = g->ngroups;
    if (id == UINT32_MAX / 2) return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "too many groups");
    if (id == g->state_cap && gt_grow_groups(g, err)) return K_ERR;
    if ((id & 2047) == 0) {
        if (g->nchunks == g->chunk_cap) {
            uint32_t nc = g->chunk_cap ? g->chunk_cap * 2 : 8;
            KBatch **c = k_realloc(g->arena, g->chunks, sizeof(KBatch *) * g->chunk_cap,
                                   sizeof(KBatch *) * nc);
            if (!c) return k_error_oom(err, g->arena, sizeof(KBatch *) * nc);
            g->chunks = c;
            g->chunk_cap = nc;
        }
        KBatch *b = ex__batch_new(g->arena, g->nkeys, g->ktypes, err);
        if (!b) return K_ERR;
        g->chunks[g->nchunks++] = b;
    }
    KBatch *ch = g->chunks[id >> 11];
    uint32_t r = id & 2047;
    for (uint32_t k = 0; k < g->nkeys; k++)
        if (ex__vec_set(&ch->cols[k], r, kv[k], row, ch->arena, ch->heap, err)) return K_ERR;
    ch->count = r + 1;
    g->ghash[id] = h;
    if (g->naggs) memset(&g->states[(size_t)id * g->naggs], 0, sizeof(AggState) * g->naggs);
    if (g->cnt) g->cnt[2 * id] = g->cnt[2 * id + 1] = 0;
    g->ngroups++;
    g->slots[pos] = id + 1;
    g->tags[pos] = tg;
    if (g->ikey) {
        g->skey[pos] = iv;
        if (!fast && g->pack2) g->slots[pos] |= GT_NULLBIT;
        else if (!fast) g->null_gid = id;
    }
    *gid = id;
    *is_new = true;
    if ((uint64_t)g->ngroups * 2 > g->mask + 1) return gt_rehash(g, err);
    return K_OK;
}

static size_t
gt_bytes(const GTable *g)
{
    return (size_t)g->state_cap * (sizeof(AggState) * g->naggs + 8) + (g->mask + 1) * 8 +
           (size_t)g->nchunks * K_VECTOR_SIZE * 16 * (g->nkeys ? g->nkeys : 1);
}

/* ------------------------------------------------------------------ */
/* Aggregate state updates                                              */
/* ------------------------------------------------------------------ */
static inline double
as_double(KType t, const void *slot)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_INT32: return *(const int32_t *)slot;
    case K_TYPE_INT64: return (double)*(const int64_t *)slot;
    case K_TYPE_DECIMAL: return (double)ex__dec_get(t, slot) / (double)k_pow10_128[t.scale];
    case K_TYPE_DOUBLE: return *(const double *)slot;
    default: return 0;
    }
}

static inline k_int128
as_i128(KType t, const void *slot)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_INT32: return *(const int32_t *)slot;
    case K_TYPE_INT64: return *(const int64_t *)slot;
    default: return ex__dec_get(t, slot);
    }
}

static int
minmax_set(AggState *s, KType t, const void *slot, KArena *heap, bool is_max, bool any, KErr *err)
{
    if (s->n && any) return K_OK;
    if (s->n) {
        int c = ex__cmp_slot(t, slot, &s->a.v);
        if (is_max ? c <= 0 : c >= 0) return K_OK;
    }
    memcpy(&s->a.v, slot, k_type_width(t));
    s->n = 1;
    if (k_type_is_string(t)) return ex__str_own(heap, &s->a.v.str, err);
    return K_OK;
}

static void
var_merge(AggState *d, int64_t n, double mean, double m2)
{
    if (!n) return;
    if (!d->n) {
        d->n = n;
        d->a.f64 = mean;
        d->m2 = m2;
        return;
    }
    double tot = (double)(d->n + n);
    double delta = mean - d->a.f64;
    d->m2 += m2 + delta * delta * (double)d->n * (double)n / tot;
    d->a.f64 += delta * (double)n / tot;
    d->n += n;
}

/* Feed rows rows[0..n-1] (physical) of arg vector v into their groups: the
 * states of row r's group start at srow[r] when srow is given (partitioned
 * tables), else at states[gid_of_row[r] * naggs]. */
static int
agg_update(const ExAggSpec *sp, AggState *states, uint32_t naggs, uint32_t ai,
           const uint32_t *gid_of_row, AggState *const *srow, const KVector *v,
           const uint16_t *rows, uint32_t n, KArena *heap, int32_t pos, KErr *err)
{
    ExAggFunc f = (ExAggFunc)sp->func;
    if (f == EX_AGG_COUNT_STAR) {
        if (srow)
            for (uint32_t j = 0; j < n; j++) srow[rows[j]][ai].n++;
        else
            for (uint32_t j = 0; j < n; j++) states[(size_t)gid_of_row[rows[j]] * naggs + ai].n++;
        return K_OK;
    }
    KType t = v->type;
    bool cst = v->flags & K_VEC_CONST;
    bool nulls = v->validity != NULL;
#define EX_AGG_LOOP(...)                                                                      \
    for (uint32_t j = 0; j < n; j++) {                                                        \
        uint32_t r = rows[j];                                                                 \
        if (nulls && !k_vec_is_valid(v, r)) continue;                                         \
        AggState *s = srow ? &srow[r][ai] : &states[(size_t)gid_of_row[r] * naggs + ai];      \
        uint32_t vr = cst ? 0 : r;                                                            \
        (void)vr;                                                                             \
        __VA_ARGS__;                                                                          \
    }
    switch (f) {
    case EX_AGG_COUNT: EX_AGG_LOOP(s->n++; (void)vr); break;
    case EX_AGG_SUM:
    case EX_AGG_AVG:
        switch (ex__phys(t)) {
        case EX_P_I32: { const int32_t *d = v->data; EX_AGG_LOOP(s->a.i128 += d[vr]; s->n++); break; }
        case EX_P_I64: { const int64_t *d = v->data; EX_AGG_LOOP(s->a.i128 += d[vr]; s->n++); break; }
        case EX_P_I128: {
            const k_int128 *d = v->data;
            bool ovf = false;
            EX_AGG_LOOP(ovf |= __builtin_add_overflow(s->a.i128, d[vr], &s->a.i128); s->n++);
            if (ovf) return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "numeric field overflow");
            break;
        }
        case EX_P_F64: { const double *d = v->data; EX_AGG_LOOP(s->a.f64 += d[vr]; s->n++); break; }
        default: return k_error_at(err, K_UNDEFINED_FUNCTION, pos, "function %s does not exist for this type", ex_agg_name(f));
        }
        break;
    case EX_AGG_MIN:
    case EX_AGG_MAX:
    case EX_AGG_ANY_VALUE:
        EX_AGG_LOOP(if (minmax_set(s, t, k_vec_slot(v, r), heap, f == EX_AGG_MAX, f == EX_AGG_ANY_VALUE, err)) return K_ERR);
        break;
    case EX_AGG_LIST: {
        const KStr *d = v->data;
        EX_AGG_LOOP(if (ex__list_append(s, k_str_data(&d[vr]), d[vr].len, heap, err)) return K_ERR);
        break;
    }
    case EX_AGG_BOOL_AND:
    case EX_AGG_BOOL_OR: {
        const uint8_t *d = v->data;
        EX_AGG_LOOP(bool b = d[vr] != 0; if (!s->n) s->a.i128 = b;
                    else s->a.i128 = f == EX_AGG_BOOL_AND ? (s->a.i128 && b) : (s->a.i128 || b);
                    s->n = 1);
        break;
    }
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP:
        EX_AGG_LOOP(double xv = as_double(t, k_vec_slot(v, r)); s->n++;
                    double delta = xv - s->a.f64; s->a.f64 += delta / (double)s->n;
                    s->m2 += delta * (xv - s->a.f64));
        break;
    default:
        break;
    }
#undef EX_AGG_LOOP
    return K_OK;
}

/* dst += src (same aggregate) */
static int
agg_merge(const ExAggSpec *sp, AggState *d, const AggState *s, KArena *heap, KErr *err)
{
    ExAggFunc f = (ExAggFunc)sp->func;
    KType at = sp->arg ? sp->arg->type : k_type(K_TYPE_INT64);
    switch (f) {
    case EX_AGG_COUNT_STAR:
    case EX_AGG_COUNT: d->n += s->n; return K_OK;
    case EX_AGG_SUM:
    case EX_AGG_AVG:
        if (at.id == K_TYPE_DOUBLE) d->a.f64 += s->a.f64;
        else if (__builtin_add_overflow(d->a.i128, s->a.i128, &d->a.i128))
            return k_error(err, K_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
        d->n += s->n;
        return K_OK;
    case EX_AGG_MIN:
    case EX_AGG_MAX:
    case EX_AGG_ANY_VALUE:
        if (!s->n) return K_OK;
        return minmax_set(d, at, &s->a.v, heap, f == EX_AGG_MAX, f == EX_AGG_ANY_VALUE, err);
    case EX_AGG_LIST:
        if (!s->n) return K_OK;
        return ex__list_append(d, k_str_data(&s->a.v.str), s->a.v.str.len, heap, err);
    case EX_AGG_BOOL_AND:
    case EX_AGG_BOOL_OR:
        if (!s->n) return K_OK;
        if (!d->n) d->a.i128 = s->a.i128;
        else d->a.i128 = f == EX_AGG_BOOL_AND ? (d->a.i128 && s->a.i128) : (d->a.i128 || s->a.i128);
        d->n = 1;
        return K_OK;
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP:
        var_merge(d, s->n, s->a.f64, s->m2);
        return K_OK;
    }
    return K_OK;
}

/* A state from the partial-state columns of a FINAL input row. */
static void
state_from_cols(const ExAggSpec *sp, KVector **cols, uint32_t r, AggState *s)
{
    ExAggFunc f = (ExAggFunc)sp->func;
    KType at = sp->arg ? sp->arg->type : k_type(K_TYPE_INT64);
    memset(s, 0, sizeof *s);
    const KVector *c0 = cols[0];
    bool v0 = k_vec_is_valid(c0, r);
    switch (f) {
    case EX_AGG_COUNT_STAR:
    case EX_AGG_COUNT: s->n = v0 ? *(const int64_t *)k_vec_slot(c0, r) : 0; break;
    case EX_AGG_SUM:
        if (!v0) break;
        if (at.id == K_TYPE_DOUBLE) s->a.f64 = *(const double *)k_vec_slot(c0, r);
        else s->a.i128 = as_i128(c0->type, k_vec_slot(c0, r));
        s->n = 1;
        break;
    case EX_AGG_AVG:
        if (!v0) break;
        if (at.id == K_TYPE_DOUBLE) s->a.f64 = *(const double *)k_vec_slot(c0, r);
        else s->a.i128 = as_i128(c0->type, k_vec_slot(c0, r));
        s->n = k_vec_is_valid(cols[1], r) ? *(const int64_t *)k_vec_slot(cols[1], r) : 0;
        break;
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP:
        if (!v0) break;
        s->n = *(const int64_t *)k_vec_slot(c0, r);
        s->a.f64 = *(const double *)k_vec_slot(cols[1], r);
        s->m2 = *(const double *)k_vec_slot(cols[2], r);
        break;
    default:
        if (!v0) break;
        memcpy(&s->a.v, k_vec_slot(c0, r), k_type_width(c0->type));
        if (f == EX_AGG_BOOL_AND || f == EX_AGG_BOOL_OR) s->a.i128 = s->a.v.b;
        s->n = 1;
        break;
    }
}

/* Write the PARTIAL state columns of one group. */
static int
state_to_cols(const ExAggSpec *sp, const AggState *s, KVector **cols, uint32_t r, KArena *a,
              KErr *err)
{
    ExAggFunc f = (ExAggFunc)sp->func;
    KType at = sp->arg ? sp->arg->type : k_type(K_TYPE_INT64);
    KVector *c0 = cols[0];
    void *d0 = (char *)c0->data + (size_t)r * k_type_width(c0->type);
    k_vec_set_valid(c0, r, true);
    switch (f) {
    case EX_AGG_COUNT_STAR:
    case EX_AGG_COUNT: *(int64_t *)d0 = s->n; return K_OK;
    case EX_AGG_SUM:
    case EX_AGG_AVG:
        if (f == EX_AGG_SUM && !s->n) {
            k_vec_set_valid(c0, r, false);
        } else if (at.id == K_TYPE_DOUBLE) {
            *(double *)d0 = s->a.f64;
        } else if (c0->type.id == K_TYPE_INT64) {
            if (s->a.i128 > INT64_MAX || s->a.i128 < INT64_MIN)
                return k_error(err, K_NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range");
            *(int64_t *)d0 = (int64_t)s->a.i128;
        } else {
            ex__dec_put(c0->type, d0, s->a.i128);
        }
        if (f == EX_AGG_AVG) {
            *(int64_t *)k_vec_slot(cols[1], r) = s->n;
            k_vec_set_valid(cols[1], r, true);
        }
        return K_OK;
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP:
        *(int64_t *)d0 = s->n;
        *(double *)((char *)cols[1]->data + 8 * (size_t)r) = s->a.f64;
        *(double *)((char *)cols[2]->data + 8 * (size_t)r) = s->m2;
        k_vec_set_valid(cols[1], r, true);
        k_vec_set_valid(cols[2], r, true);
        return K_OK;
    default:
        if (!s->n) {
            k_vec_set_valid(c0, r, false);
            return K_OK;
        }
        if (f == EX_AGG_BOOL_AND || f == EX_AGG_BOOL_OR) *(uint8_t *)d0 = s->a.i128 != 0;
        else memcpy(d0, &s->a.v, k_type_width(c0->type));
        return K_OK;
    }
    (void)a;
}

static inline k_int128
round_div(k_int128 num, k_int128 den)
{
    k_int128 q = num / den, r = num % den;
    k_int128 ar = r < 0 ? -r : r, ad = den < 0 ? -den : den;
    if (ar * 2 >= ad) q += ((num < 0) != (den < 0)) ? -1 : 1;
    return q;
}

/* The final value of one group into result vector `out` at row r. */
static int
state_final(const ExAggSpec *sp, const AggState *s, KVector *out, uint32_t r, int32_t pos,
            KErr *err)
{
    ExAggFunc f = (ExAggFunc)sp->func;
    KType at = sp->arg ? sp->arg->type : k_type(K_TYPE_INT64);
    KType rt = out->type;
    void *d = (char *)out->data + (size_t)r * k_type_width(rt);
    int ascale = at.id == K_TYPE_DECIMAL ? at.scale : 0;
    k_vec_set_valid(out, r, true);
    k_int128 v;
    int vs; /* scale of v */
    double dv;
    bool is_d = false;
    switch (f) {
    case EX_AGG_COUNT_STAR:
    case EX_AGG_COUNT: v = s->n; vs = 0; break;
    case EX_AGG_SUM:
        if (!s->n) goto null;
        if (at.id == K_TYPE_DOUBLE) {
            dv = s->a.f64;
            is_d = true;
            vs = 0;
            v = 0;
        } else {
            v = s->a.i128;
            vs = ascale;
        }
        break;
    case EX_AGG_AVG:
        if (!s->n) goto null;
        if (at.id == K_TYPE_DOUBLE || rt.id == K_TYPE_DOUBLE) {
            dv = at.id == K_TYPE_DOUBLE ? s->a.f64 / (double)s->n
                                        : (double)s->a.i128 / (double)k_pow10_128[ascale] / (double)s->n;
            is_d = true;
            vs = 0;
            v = 0;
        } else {
            int rs = rt.scale;
            k_int128 num;
            if (rs >= ascale) {
                if (__builtin_mul_overflow(s->a.i128, k_pow10_128[rs - ascale], &num))
                    return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "numeric field overflow");
                v = round_div(num, s->n);
            } else {
                v = round_div(s->a.i128, (k_int128)s->n * k_pow10_128[ascale - rs]);
            }
            vs = rs;
        }
        break;
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP:
        if (s->n < 2) goto null;
        dv = s->m2 / (double)(s->n - 1);
        if (f == EX_AGG_STDDEV_SAMP) dv = sqrt(dv);
        is_d = true;
        vs = 0;
        v = 0;
        break;
    case EX_AGG_BOOL_AND:
    case EX_AGG_BOOL_OR:
        if (!s->n) goto null;
        *(uint8_t *)d = s->a.i128 != 0;
        return K_OK;
    default:
        if (!s->n) goto null;
        memcpy(d, &s->a.v, k_type_width(rt));
        return K_OK;
    }
    switch ((KTypeId)rt.id) {
    case K_TYPE_DOUBLE: *(double *)d = is_d ? dv : (double)v / (double)k_pow10_128[vs]; return K_OK;
    case K_TYPE_INT64:
    case K_TYPE_INT32:
        if (is_d) v = (k_int128)llrint(dv);
        else if (vs) v = round_div(v, k_pow10_128[vs]);
        if (rt.id == K_TYPE_INT64 ? (v > INT64_MAX || v < INT64_MIN) : (v > INT32_MAX || v < INT32_MIN))
            return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                              rt.id == K_TYPE_INT64 ? "bigint out of range" : "integer out of range");
        if (rt.id == K_TYPE_INT64) *(int64_t *)d = (int64_t)v;
        else *(int32_t *)d = (int32_t)v;
        return K_OK;
    case K_TYPE_DECIMAL: {
        if (is_d) {
            double m = dv * pow(10.0, rt.scale);
            v = (k_int128)(m < 0 ? -floor(-m + 0.5) : floor(m + 0.5));
            vs = rt.scale;
        }
        k_int128 z;
        if (!k_dec_rescale(v, vs, rt.scale, rt.precision ? rt.precision : 38, &z))
            return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "numeric field overflow");
        ex__dec_put(rt, d, z);
        return K_OK;
    }
    default:
        return k_error_at(err, K_DATATYPE_MISMATCH, pos, "unsupported result type for %s",
                          ex_agg_name(f));
    }
null:
    k_vec_set_valid(out, r, false);
    memset(d, 0, k_type_width(rt));
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* The operator                                                         */
/* ------------------------------------------------------------------ */
typedef struct AggTls {
    GTable gt;
    GTable *dset;       /* per DISTINCT aggregate: (group, value) sets */
    ExEval **gev;       /* group key evaluators */
    ExEval **aev;       /* aggregate argument evaluators */
    ExEval **fev;       /* filter evaluators */
    KArena *heap;
    KVector **kv;
    uint64_t *hash;
    uint32_t *gid;      /* group of each physical row */
    uint16_t *rows, *rows2;
    KVector **dk;       /* distinct set keys: gid vector + value */
    KVector gidv;
    /* many groups on several threads: the groups split into EX_AGG_PARTS
     * tables by the top bits of their hash (gt is then retired), so the
     * merge combines partition q of every thread into one of them */
    GTable *pgt;
    uint8_t *part;      /* partition of each physical row */
    AggState **srow;    /* states of each physical row's group */
} AggTls;

#define EX_AGG_PART_BITS 4
#define EX_AGG_PARTS (1u << EX_AGG_PART_BITS)
/* a thread's table splits into partitions beyond this many groups */
#define EX_AGG_SPLIT_GROUPS 16384

typedef struct Agg {
    ExConsumer base;
    ExConsumer side1;   /* setops: the right input */
    ExExec *x;
    const ExPlan *p;
    AggTls *tls;
    uint32_t nkeys, naggs;
    const ExAggSpec *aggs;
    ExAggMode mode;
    bool shared;        /* one table under a lock (DISTINCT) */
    /* DISTINCT with group keys on several threads: input rows kept per
     * thread and group partition (dstores[tid * EX_AGG_PARTS + q]) and
     * aggregated after the input ends, one partition per thread at a time */
    bool deferred;
    ExStore *dstores;
    uint16_t **dpick;
    pthread_mutex_t mu;
    bool setop;
} Agg;

/* The code of a tiny key value: 0 NULL, 1 empty, 2 + byte; -1 when longer. */
static inline int32_t
tiny_code(const KVector *v, uint32_t r)
{
    if (!k_vec_is_valid(v, r)) return 0;
    const KStr *s = k_vec_slot(v, r);
    if (s->len > 1) return -1;
    return s->len ? 2 + (int32_t)(uint8_t)s->u.inl[0] : 1;
}

#define TINY_CODES 258u

/* Group ids of a batch through the direct map of tiny string keys: K_OK when
 * done, 1 when the batch does not qualify (a key longer than one byte, other
 * key types, more than two keys), K_ERR on error. */
static int
tiny_rows(Agg *g, AggTls *t, const uint16_t *sel, uint32_t n, int side, KErr *err)
{
    GTable *gt = &t->gt;
    if (g->nkeys > 2) return 1;
    for (uint32_t k = 0; k < g->nkeys; k++)
        if (ex__phys(t->kv[k]->type) != EX_P_STR) return 1;
    uint32_t *code = t->gid; /* scratch: codes at the rows' positions first */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        int32_t c = tiny_code(t->kv[0], r);
        if (c < 0) return 1;
        if (g->nkeys == 2) {
            int32_t c1 = tiny_code(t->kv[1], r);
            if (c1 < 0) return 1;
            c = c * (int32_t)TINY_CODES + c1;
        }
        code[r] = (uint32_t)c;
    }
    if (!gt->tiny) {
        size_t cells = g->nkeys == 2 ? TINY_CODES * TINY_CODES : TINY_CODES;
        gt->tiny = k_alloc0(gt->arena, sizeof(uint32_t) * cells);
        if (!gt->tiny) return k_error_oom(err, gt->arena, sizeof(uint32_t) * cells);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint32_t c = code[r];
        uint32_t gid = gt->tiny[c];
        if (!gid) {
            uint16_t one = (uint16_t)r;
            uint64_t h;
            bool is_new;
            ex__hash_rows(t->kv, g->nkeys, &one, 1, &h);
            if (gt_find(gt, t->kv, r, h, &gid, &is_new, err)) return K_ERR;
            gt->tiny[c] = ++gid;
        }
        t->gid[r] = gid - 1;
        if (g->setop) gt->cnt[2 * (gid - 1) + side]++;
    }
    return K_OK;
}

/* Group lookup of a batch in a thread's partitioned tables. */
static int
pgt_rows(Agg *g, AggTls *t, const uint16_t *sel, uint32_t n, KErr *err)
{
    const uint32_t ahead = 12;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        if (i + ahead < n) {
            uint64_t h2 = t->hash[i + ahead];
            const GTable *q2 = &t->pgt[h2 >> (64 - EX_AGG_PART_BITS)];
            uint64_t pos = h2 & q2->mask;
            __builtin_prefetch(&q2->slots[pos]);
            __builtin_prefetch(&q2->tags[pos]);
            if (q2->skey) __builtin_prefetch(&q2->skey[pos]);
        }
        uint32_t q = (uint32_t)(t->hash[i] >> (64 - EX_AGG_PART_BITS));
        uint32_t gid;
        bool is_new;
        if (gt_find(&t->pgt[q], t->kv, r, t->hash[i], &gid, &is_new, err)) return K_ERR;
        t->gid[r] = gid;
        t->part[r] = (uint8_t)q;
    }
    /* state addresses only now: an insert may have moved a table's states */
    if (g->naggs)
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            t->srow[r] = &t->pgt[t->part[r]].states[(size_t)t->gid[r] * g->naggs];
        }
    return K_OK;
}

static int merge_group(Agg *g, GTable *d, const GTable *s, uint32_t gid, KVector **kv, KErr *err);

/* Split thread t's table into EX_AGG_PARTS partition tables, each in an
 * arena of its own (the merge fills partitions on different threads). */
static int
agg_split(Agg *g, AggTls *t, KErr *err)
{
    GTable *src = &t->gt;
    GTable *pg = k_alloc0(src->arena, sizeof(GTable) * EX_AGG_PARTS);
    if (!pg) return k_error_oom(err, src->arena, sizeof(GTable) * EX_AGG_PARTS);
    uint32_t cnt[EX_AGG_PARTS];
    memset(cnt, 0, sizeof cnt);
    for (uint32_t gid = 0; gid < src->ngroups; gid++) cnt[src->ghash[gid] >> (64 - EX_AGG_PART_BITS)]++;
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        KArena *pa = k_arena_create(src->arena, "agg partition");
        if (!pa) return k_error_oom(err, src->arena, 4096);
        if (gt_init(&pg[q], pa, g->nkeys, src->ktypes, g->naggs, false, err)) return K_ERR;
        /* room for the groups to come: the table doubled at least once more */
        if (gt_reserve(&pg[q], cnt[q] * 4 + 64, err)) return K_ERR;
    }
    for (uint32_t gid = 0; gid < src->ngroups; gid++)
        if (merge_group(g, &pg[src->ghash[gid] >> (64 - EX_AGG_PART_BITS)], src, gid, t->kv, err))
            return K_ERR;
    t->pgt = pg;
    src->ngroups = 0; /* retired: its groups live in the partitions now */
    src->tiny = NULL;
    return K_OK;
}

static int
agg_rows(Agg *g, AggTls *t, KBatch *b, int side, KErr *err)
{
    uint32_t n = k_batch_rows(b);
    const uint16_t *sel = b->sel;
    const ExPlan *p = g->p;
    for (uint32_t k = 0; k < g->nkeys; k++) {
        if (g->setop) t->kv[k] = &b->cols[k];
        else if (ex__eval(t->gev[k], b, sel, n, t->heap, &t->kv[k], err)) return K_ERR;
    }
    GTable *gt = &t->gt;
    int tiny = g->nkeys && !t->pgt ? tiny_rows(g, t, sel, n, side, err) : 1;
    if (tiny == K_ERR) return K_ERR;
    if (tiny == K_OK) {
        /* group ids from the direct map */
    } else if (g->nkeys && t->pgt) {
        ex__hash_rows(t->kv, g->nkeys, sel, n, t->hash);
        if (pgt_rows(g, t, sel, n, err)) return K_ERR;
    } else if (g->nkeys) {
        ex__hash_rows(t->kv, g->nkeys, sel, n, t->hash);
        const uint32_t ahead = 12;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            if (i + ahead < n && gt->ngroups > 4096) {
                /* large tables miss the caches: fetch the slot of a later row */
                uint64_t pos = t->hash[i + ahead] & gt->mask;
                __builtin_prefetch(&gt->slots[pos]);
                __builtin_prefetch(&gt->tags[pos]);
                if (gt->skey) __builtin_prefetch(&gt->skey[pos]);
            }
            uint32_t gid;
            bool is_new;
            if (gt_find(gt, t->kv, r, t->hash[i], &gid, &is_new, err)) return K_ERR;
            t->gid[r] = gid;
            if (g->setop) gt->cnt[2 * gid + side]++;
        }
    } else {
        for (uint32_t i = 0; i < n; i++) t->gid[sel ? sel[i] : i] = 0;
    }
    if (g->setop) return K_OK;
    for (uint32_t ai = 0; ai < g->naggs; ai++) {
        const ExAggSpec *sp = &g->aggs[ai];
        const uint16_t *rows = sel;
        uint32_t nr = n;
        if (!rows) {
            for (uint32_t i = 0; i < n; i++) t->rows[i] = (uint16_t)i;
            rows = t->rows;
        }
        if (g->mode == EX_AGG_FINAL) {
            KType st[3];
            uint32_t ns = ex_agg_state_types((ExAggFunc)sp->func,
                                             sp->arg ? sp->arg->type : k_type(K_TYPE_INT64), st);
            if (sp->state_col + ns > b->ncols)
                return k_error(err, K_INTERNAL_ERROR, "aggregate state column out of range");
            KVector *cols[3];
            for (uint32_t q = 0; q < ns; q++) cols[q] = &b->cols[sp->state_col + q];
            for (uint32_t i = 0; i < nr; i++) {
                AggState tmp;
                state_from_cols(sp, cols, rows[i], &tmp);
                AggState *ds = t->pgt ? &t->srow[rows[i]][ai]
                                      : &gt->states[(size_t)t->gid[rows[i]] * g->naggs + ai];
                if (agg_merge(sp, ds, &tmp, gt->arena, err))
                    return K_ERR;
            }
            continue;
        }
        if (sp->filter) {
            if (ex__select(t->fev[ai], b, rows, nr, t->heap, t->rows2, &nr, err)) return K_ERR;
            rows = t->rows2;
        }
        if (!nr) continue;
        KVector *v = NULL;
        if (sp->func != EX_AGG_COUNT_STAR) {
            if (ex__eval(t->aev[ai], b, rows, nr, t->heap, &v, err)) return K_ERR;
        }
        if (sp->distinct && v) {
            /* keep only (group, value) pairs not seen before */
            uint16_t *keep = rows == t->rows ? t->rows2 : t->rows;
            uint32_t nk = 0;
            int64_t *gd = t->gidv.data;
            for (uint32_t i = 0; i < nr; i++) gd[rows[i]] = t->gid[rows[i]];
            t->dk[0] = &t->gidv;
            t->dk[1] = v;
            for (uint32_t i = 0; i < nr; i++) {
                uint32_t r = rows[i];
                if (!k_vec_is_valid(v, r)) continue;
                uint64_t h = k_hash_combine(k_hash_u64((uint64_t)gd[r]),
                                            ex__hash_slot(v->type, k_vec_slot(v, r)));
                uint32_t did;
                bool is_new;
                if (gt_find(&t->dset[ai], t->dk, r, h, &did, &is_new, err)) return K_ERR;
                if (is_new) keep[nk++] = (uint16_t)r;
            }
            rows = keep;
            nr = nk;
        }
        if (agg_update(sp, gt->states, g->naggs, ai, t->gid, t->pgt ? t->srow : NULL, v, rows, nr,
                       gt->arena, p->label ? -1 : -1, err))
            return K_ERR;
    }
    if (!t->pgt && gt->ngroups > EX_AGG_SPLIT_GROUPS && g->nkeys && g->x->nthreads > 1 &&
        !g->shared && !g->setop)
        return agg_split(g, t, err);
    return K_OK;
}

/* DISTINCT, deferred: route the batch's rows to this thread's partition
 * stores by the hash of their group keys. */
static int
defer_rows(Agg *g, AggTls *t, uint32_t tid, KBatch *b, KErr *err)
{
    uint32_t n = k_batch_rows(b);
    const uint16_t *sel = b->sel;
    for (uint32_t k = 0; k < g->nkeys; k++)
        if (ex__eval(t->gev[k], b, sel, n, t->heap, &t->kv[k], err)) return K_ERR;
    ex__hash_rows(t->kv, g->nkeys, sel, n, t->hash);
    uint16_t *pick = g->dpick[tid];
    uint32_t cnt[EX_AGG_PARTS];
    memset(cnt, 0, sizeof cnt);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t q = (uint32_t)(t->hash[i] >> (64 - EX_AGG_PART_BITS));
        pick[q * K_VECTOR_SIZE + cnt[q]++] = (uint16_t)(sel ? sel[i] : i);
    }
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        if (!cnt[q]) continue;
        KBatch view = *b;
        view.sel = &pick[q * K_VECTOR_SIZE];
        view.nsel = cnt[q];
        if (ex__store_append(&g->dstores[tid * EX_AGG_PARTS + q], &view, NULL, err)) return K_ERR;
    }
    return K_OK;
}

static int
agg_push_side(Agg *g, uint32_t tid, KBatch *b, int side, KErr *err)
{
    if (g->deferred) {
        AggTls *t = &g->tls[tid];
        k_arena_reset(t->heap);
        return defer_rows(g, t, tid, b, err);
    }
    if (g->shared) {
        pthread_mutex_lock(&g->mu);
        AggTls *t = &g->tls[0];
        k_arena_reset(t->heap);
        int rc = agg_rows(g, t, b, side, err);
        pthread_mutex_unlock(&g->mu);
        return rc;
    }
    AggTls *t = &g->tls[tid];
    k_arena_reset(t->heap);
    return agg_rows(g, t, b, side, err);
}

static int
agg_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    return agg_push_side((Agg *)c, tid, b, 0, err);
}

static int
agg_push_right(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Agg *g = (Agg *)((char *)c - offsetof(Agg, side1));
    return agg_push_side(g, tid, b, 1, err);
}

/* Fold group `gid` of table s into table d. */
static int
merge_group(Agg *g, GTable *d, const GTable *s, uint32_t gid, KVector **kv, KErr *err)
{
    KBatch *ch = s->chunks[gid >> 11];
    for (uint32_t k = 0; k < g->nkeys; k++) kv[k] = &ch->cols[k];
    uint32_t did;
    bool is_new;
    if (gt_find(d, kv, gid & 2047, s->ghash[gid], &did, &is_new, err)) return K_ERR;
    if (g->setop) {
        d->cnt[2 * did] += s->cnt[2 * gid];
        d->cnt[2 * did + 1] += s->cnt[2 * gid + 1];
        return K_OK;
    }
    for (uint32_t ai = 0; ai < g->naggs; ai++)
        if (agg_merge(&g->aggs[ai], &d->states[(size_t)did * g->naggs + ai],
                      &s->states[(size_t)gid * g->naggs + ai], d->arena, err))
            return K_ERR;
    return K_OK;
}

/* Merge thread t's table into thread 0's. */
static int
merge_tables(Agg *g, KErr *err)
{
    GTable *d = &g->tls[0].gt;
    for (uint32_t ti = 1; ti < g->x->nthreads; ti++) {
        GTable *s = &g->tls[ti].gt;
        if (!s->ngroups) continue;
        if (!g->nkeys && !g->setop) {
            for (uint32_t ai = 0; ai < g->naggs; ai++)
                if (agg_merge(&g->aggs[ai], &d->states[ai], &s->states[ai], d->arena, err))
                    return K_ERR;
            continue;
        }
        for (uint32_t gid = 0; gid < s->ngroups; gid++)
            if (merge_group(g, d, s, gid, g->tls[0].kv, err)) return K_ERR;
    }
    return K_OK;
}

/* Many groups on several threads: split every thread's groups into
 * EX_AGG_PARTS partitions by the top bits of their hash and merge each
 * partition into its own table, the partitions in parallel. */

static int
merge_partitioned(Agg *g, const KType *ktypes, GTable *parts, KErr *err)
{
    ExExec *x = g->x;
    uint32_t nt = x->nthreads;
    uint32_t **lists = k_alloc(x->arena, sizeof(uint32_t *) * nt);
    uint32_t *offs = k_alloc0(x->arena, sizeof(uint32_t) * nt * (EX_AGG_PARTS + 1));
    KVector ***kvs = k_alloc(x->arena, sizeof(KVector **) * EX_AGG_PARTS);
    if (!lists || !offs || !kvs) return k_error_oom(err, x->arena, 1024);
    for (uint32_t t = 0; t < nt; t++) {
        const GTable *s = &g->tls[t].gt;
        uint32_t *o = offs + (size_t)t * (EX_AGG_PARTS + 1);
        lists[t] = k_alloc(x->arena, sizeof(uint32_t) * (s->ngroups ? s->ngroups : 1));
        if (!lists[t]) return k_error_oom(err, x->arena, sizeof(uint32_t) * s->ngroups);
        for (uint32_t gid = 0; gid < s->ngroups; gid++) o[(s->ghash[gid] >> (64 - EX_AGG_PART_BITS)) + 1]++;
        for (uint32_t q = 0; q < EX_AGG_PARTS; q++) o[q + 1] += o[q];
        uint32_t fill[EX_AGG_PARTS];
        memcpy(fill, o, sizeof fill);
        for (uint32_t gid = 0; gid < s->ngroups; gid++)
            lists[t][fill[s->ghash[gid] >> (64 - EX_AGG_PART_BITS)]++] = gid;
    }
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        KArena *pa = k_arena_create(x->arena, "agg partition");
        if (!pa) return k_error_oom(err, x->arena, 4096);
        if (gt_init(&parts[q], pa, g->nkeys, ktypes, g->naggs, g->setop, err)) return K_ERR;
        uint64_t bound = 0;
        for (uint32_t t = 0; t < nt; t++) {
            const uint32_t *o = offs + (size_t)t * (EX_AGG_PARTS + 1);
            bound += o[q + 1] - o[q];
        }
        /* the groups of one thread are distinct: at least the largest
         * thread's count, at most the sum; size for 3/4 of the sum */
        if (gt_reserve(&parts[q], (uint32_t)K_MIN(bound - bound / 4, UINT32_MAX / 4), err))
            return K_ERR;
        if (!(kvs[q] = k_alloc(pa, sizeof(KVector *) * (g->nkeys + 1)))) return k_error_oom(err, pa, 64);
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        KErr lerr;
        k_err_clear(&lerr);
        for (uint32_t t = 0; t < nt && !x->failed; t++) {
            const uint32_t *o = offs + (size_t)t * (EX_AGG_PARTS + 1);
            const GTable *src = &g->tls[t].gt;
            GTable *dst = &parts[q];
            for (uint32_t k = o[q]; k < o[q + 1]; k++) {
                if (k + 8 < o[q + 1]) {
                    uint64_t pos = src->ghash[lists[t][k + 8]] & dst->mask;
                    __builtin_prefetch(&dst->slots[pos]);
                    __builtin_prefetch(&dst->tags[pos]);
                    if (dst->skey) __builtin_prefetch(&dst->skey[pos]);
                    /* the groups are visited in hash order: their keys
                     * and states are random accesses */
                    uint32_t ng = lists[t][k + 8];
                    if (src->ikey) {
                        const KVector *kc = &src->chunks[ng >> 11]->cols[0];
                        __builtin_prefetch((const char *)kc->data +
                                           (size_t)(ng & 2047) * (src->k32 ? 4 : 8));
                    }
                    if (g->naggs) {
                        const char *st = (const char *)&src->states[(size_t)ng * g->naggs];
                        for (size_t off = 0; off < sizeof(AggState) * g->naggs; off += 64)
                            __builtin_prefetch(st + off);
                    }
                }
                if (merge_group(g, &parts[q], &g->tls[t].gt, lists[t][k], kvs[q], &lerr)) {
                    ex__fail(x, &lerr);
                    break;
                }
            }
        }
    }
    return ex__check(x, err);
}

/* Emit the groups of chunks [c0, c1) of table gt through batch `out` as
 * thread tid (several threads emit disjoint chunk ranges at once, each with
 * its own batch). */
static int
agg_emit(Agg *g, ExConsumer *c, GTable *gt, KBatch *out, uint32_t c0, uint32_t c1, uint32_t tid,
         KErr *err)
{
    const ExPlan *p = g->p;
    ExExec *x = g->x;
    if (g->setop) {
        ExSetOpKind op = (ExSetOpKind)p->u.setop.op;
        bool all = p->u.setop.all;
        uint32_t k = 0;
        uint32_t gend = K_MIN(gt->ngroups, c1 * K_VECTOR_SIZE);
        for (uint32_t gid = c0 * K_VECTOR_SIZE; gid <= gend; gid++) {
            if (gid < gend) {
                int64_t l = gt->cnt[2 * gid], r = gt->cnt[2 * gid + 1], copies;
                if (op == EX_SETOP_UNION) copies = 1;
                else if (op == EX_SETOP_INTERSECT) copies = all ? K_MIN(l, r) : (l && r);
                else copies = all ? K_MAX(l - r, 0) : (l && !r);
                KBatch *ch = gt->chunks[gid >> 11];
                for (int64_t cpy = 0; cpy < copies; cpy++) {
                    for (uint32_t col = 0; col < p->ncols; col++)
                        if (ex__vec_set(&out->cols[col], k, &ch->cols[col], gid & 2047, out->arena,
                                        NULL, err))
                            return K_ERR;
                    if (++k == K_VECTOR_SIZE) {
                        out->count = k;
                        if (ex__emit_tid(x, p, c, out, tid, err)) return K_ERR;
                        k = 0;
                    }
                }
            } else if (k) {
                out->count = k;
                if (ex__emit_tid(x, p, c, out, tid, err)) return K_ERR;
            }
        }
        return K_OK;
    }
    /* no groups and nothing seen: one row of empty states */
    if (!g->nkeys && gt->ngroups == 0) {
        if (gt->state_cap == 0 && gt_grow_groups(gt, err)) return K_ERR;
        memset(gt->states, 0, sizeof(AggState) * g->naggs);
        gt->ngroups = 1;
    }
    KVector *sc[3] = {NULL, NULL, NULL};
    uint32_t gend = (uint32_t)K_MIN((uint64_t)gt->ngroups, (uint64_t)c1 * K_VECTOR_SIZE);
    for (uint32_t base = c0 * K_VECTOR_SIZE; base < gend; base += K_VECTOR_SIZE) {
        uint32_t cnt = K_MIN(K_VECTOR_SIZE, gt->ngroups - base);
        if (g->nkeys) {
            KBatch *ch = gt->chunks[base >> 11];
            for (uint32_t k = 0; k < g->nkeys; k++) out->cols[k] = ch->cols[k];
        }
        for (uint32_t ai = 0; ai < g->naggs; ai++) {
            const ExAggSpec *sp = &g->aggs[ai];
            for (uint32_t r = 0; r < cnt; r++) {
                const AggState *s = &gt->states[(size_t)(base + r) * g->naggs + ai];
                if (g->mode == EX_AGG_PARTIAL) {
                    uint32_t col = g->nkeys;
                    for (uint32_t q = 0; q < ai; q++) {
                        KType st[3];
                        col += ex_agg_state_types((ExAggFunc)g->aggs[q].func,
                                                  g->aggs[q].arg ? g->aggs[q].arg->type
                                                                 : k_type(K_TYPE_INT64), st);
                    }
                    KType stt[3];
                    uint32_t ns = ex_agg_state_types((ExAggFunc)sp->func,
                                                     sp->arg ? sp->arg->type : k_type(K_TYPE_INT64), stt);
                    if (col + ns > p->ncols)
                        return k_error(err, K_INTERNAL_ERROR, "partial aggregate output too narrow");
                    for (uint32_t q = 0; q < ns; q++) sc[q] = &out->cols[col + q];
                    if (state_to_cols(sp, s, sc, r, out->arena, err)) return K_ERR;
                } else {
                    if (state_final(sp, s, &out->cols[g->nkeys + ai], r, -1, err)) return K_ERR;
                }
            }
        }
        out->count = cnt;
        if (ex__emit_tid(x, p, c, out, tid, err)) return K_ERR;
    }
    return K_OK;
}

/* Emit tables tabs[0..ntabs-1] on all threads: every thread takes chunks
 * of 2048 groups (a table at a time for the partitions of a merge) and
 * pushes them with its own tid, so the operators above the aggregate run
 * in parallel too. Few groups stay on the calling thread. */
static int
emit_tables(Agg *g, ExConsumer *c, GTable *const *tabs, uint32_t ntabs, KErr *err)
{
    ExExec *x = g->x;
    const ExPlan *p = g->p;
    uint64_t groups = 0, nchunks = 0;
    for (uint32_t q = 0; q < ntabs; q++) {
        groups += tabs[q]->ngroups;
        nchunks += (tabs[q]->ngroups + K_VECTOR_SIZE - 1) / K_VECTOR_SIZE;
    }
    /* the empty aggregate without keys still emits its one row */
    uint32_t team = groups > 4 * K_VECTOR_SIZE && nchunks > 1 ? x->nthreads : 1;
    KBatch *outs[EX_MAX_THREADS];
    for (uint32_t t = 0; t < team; t++)
        if (!(outs[t] = ex__batch_new(x->tarena[t], p->ncols, p->types, err))) return K_ERR;
    if (team == 1) {
        for (uint32_t q = 0; q < ntabs; q++)
            if ((tabs[q]->ngroups || ntabs == 1) &&
                agg_emit(g, c, tabs[q], outs[0], 0, UINT32_MAX / K_VECTOR_SIZE, 0, err))
                return K_ERR;
        return K_OK;
    }
    /* work items: (table, chunk) in table order */
    uint32_t *first = k_alloc(x->arena, sizeof(uint32_t) * (ntabs + 1));
    if (!first) return k_error_oom(err, x->arena, sizeof(uint32_t) * (ntabs + 1));
    first[0] = 0;
    for (uint32_t q = 0; q < ntabs; q++)
        first[q + 1] = first[q] + (tabs[q]->ngroups + K_VECTOR_SIZE - 1) / K_VECTOR_SIZE;
    uint32_t nitems = first[ntabs];
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
    for (uint32_t it = 0; it < nitems; it++) {
        if (x->failed || ex__stopped(c)) continue;
        uint32_t tid = (uint32_t)omp_get_thread_num();
        uint32_t q = 0;
        while (first[q + 1] <= it) q++;
        KErr lerr;
        k_err_clear(&lerr);
        uint32_t ch = it - first[q];
        if (agg_emit(g, c, tabs[q], outs[tid], ch, ch + 1, tid, &lerr)) ex__fail(x, &lerr);
    }
    return ex__check(x, err);
}

/* Threads whose tables split: partition q of every thread is merged into
 * the largest one (so those groups are never re-inserted), the partitions
 * in parallel; the result is dst[0..EX_AGG_PARTS-1]. Threads that had not
 * split yet are split first. */
static int
merge_split(Agg *g, GTable **dst, KErr *err)
{
    ExExec *x = g->x;
    uint32_t nt = x->nthreads;
    for (uint32_t t = 0; t < nt; t++)
        if (!g->tls[t].pgt && g->tls[t].gt.ngroups && agg_split(g, &g->tls[t], err)) return K_ERR;
    KVector ***kvs = k_alloc(x->arena, sizeof(KVector **) * EX_AGG_PARTS);
    if (!kvs) return k_error_oom(err, x->arena, 64);
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        if (!(kvs[q] = k_alloc(x->arena, sizeof(KVector *) * (g->nkeys + 1))))
            return k_error_oom(err, x->arena, 64);
        dst[q] = NULL;
        for (uint32_t t = 0; t < nt; t++)
            if (g->tls[t].pgt && (!dst[q] || g->tls[t].pgt[q].ngroups > dst[q]->ngroups))
                dst[q] = &g->tls[t].pgt[q];
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        KErr lerr;
        k_err_clear(&lerr);
        GTable *d = dst[q];
        for (uint32_t t = 0; t < nt && !x->failed; t++) {
            const GTable *src = g->tls[t].pgt ? &g->tls[t].pgt[q] : NULL;
            if (!src || src == d) continue;
            for (uint32_t gid = 0; gid < src->ngroups; gid++) {
                if (gid + 8 < src->ngroups) {
                    uint64_t pos = src->ghash[gid + 8] & d->mask;
                    __builtin_prefetch(&d->slots[pos]);
                    __builtin_prefetch(&d->tags[pos]);
                    if (d->skey) __builtin_prefetch(&d->skey[pos]);
                }
                if (merge_group(g, d, src, gid, kvs[q], &lerr)) {
                    ex__fail(x, &lerr);
                    break;
                }
            }
        }
    }
    return ex__check(x, err);
}

static int agg_tls_init(Agg *g, AggTls *t, KArena *a, const KType *ktypes, KErr *err);

/* DISTINCT, deferred: aggregate every group partition from the stored
 * rows of all threads in a table of its own (no lock: a group lives in one
 * partition), the partitions in parallel, then emit them. */
static int
deferred_run(Agg *g, const KType *ktypes, ExConsumer *c, KErr *err)
{
    ExExec *x = g->x;
    uint32_t nt = x->nthreads;
    AggTls *pt = k_alloc0(x->arena, sizeof(AggTls) * EX_AGG_PARTS);
    if (!pt) return k_error_oom(err, x->arena, sizeof(AggTls) * EX_AGG_PARTS);
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        KArena *pa = k_arena_create(x->arena, "agg partition");
        if (!pa) return k_error_oom(err, x->arena, 4096);
        if (agg_tls_init(g, &pt[q], pa, ktypes, err)) return K_ERR;
    }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        KErr lerr;
        k_err_clear(&lerr);
        for (uint32_t t = 0; t < nt && !x->failed; t++) {
            ExStore *st = &g->dstores[t * EX_AGG_PARTS + q];
            for (uint32_t ci = 0; ci < st->nchunks && !x->failed; ci++) {
                KBatch *ch = st->chunks[ci];
                ch->sel = NULL;
                ch->nsel = 0;
                k_arena_reset(pt[q].heap);
                if (agg_rows(g, &pt[q], ch, 0, &lerr)) ex__fail(x, &lerr);
            }
        }
    }
    if (ex__check(x, err)) return K_ERR;
    size_t bytes = 0;
    GTable *tabs[EX_AGG_PARTS];
    for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
        tabs[q] = &pt[q].gt;
        bytes += gt_bytes(&pt[q].gt);
    }
    ex__stat_mem(x, g->p, bytes);
    return emit_tables(g, c, tabs, EX_AGG_PARTS, err);
}

static int
merge_and_emit(Agg *g, const KType *ktypes, ExConsumer *c, KErr *err)
{
    ExExec *x = g->x;
    size_t bytes = 0;
    uint64_t groups = 0;
    bool split = false;
    for (uint32_t ti = 0; ti < x->nthreads; ti++) {
        const AggTls *t = &g->tls[ti];
        bytes += gt_bytes(&t->gt);
        groups += t->gt.ngroups;
        if (t->pgt) {
            split = true;
            for (uint32_t q = 0; q < EX_AGG_PARTS; q++) {
                bytes += gt_bytes(&t->pgt[q]);
                groups += t->pgt[q].ngroups;
            }
        }
    }
    GTable *tabs[EX_AGG_PARTS];
    if (g->deferred) return deferred_run(g, ktypes, c, err);
    ex__stat_mem(x, g->p, bytes);
    if (split) {
        if (merge_split(g, tabs, err)) return K_ERR;
        return emit_tables(g, c, tabs, EX_AGG_PARTS, err);
    }
    if (g->nkeys && x->nthreads > 1 && !g->shared && groups > 16384) {
        GTable *parts = k_alloc0(x->arena, sizeof(GTable) * EX_AGG_PARTS);
        if (!parts) return k_error_oom(err, x->arena, sizeof(GTable) * EX_AGG_PARTS);
        if (merge_partitioned(g, ktypes, parts, err)) return K_ERR;
        for (uint32_t q = 0; q < EX_AGG_PARTS; q++) tabs[q] = &parts[q];
        return emit_tables(g, c, tabs, EX_AGG_PARTS, err);
    }
    if (merge_tables(g, err)) return K_ERR;
    tabs[0] = &g->tls[0].gt;
    return emit_tables(g, c, tabs, 1, err);
}

/* One aggregation state (table, evaluators, scratch) in arena a. */
static int
agg_tls_init(Agg *g, AggTls *t, KArena *a, const KType *ktypes, KErr *err)
{
    ExExec *x = g->x;
    const ExPlan *p = g->p;
    if (gt_init(&t->gt, a, g->nkeys, ktypes, g->naggs, g->setop, err)) return K_ERR;
    t->heap = k_arena_create(a, "agg heap");
    t->kv = k_alloc(a, sizeof(KVector *) * (g->nkeys + 1));
    t->hash = k_alloc(a, 8 * K_VECTOR_SIZE);
    t->gid = k_alloc(a, 4 * K_VECTOR_SIZE);
    t->rows = k_alloc(a, 2 * K_VECTOR_SIZE);
    t->rows2 = k_alloc(a, 2 * K_VECTOR_SIZE);
    t->gev = k_alloc(a, sizeof(ExEval *) * (g->nkeys + 1));
    t->aev = k_alloc0(a, sizeof(ExEval *) * (g->naggs + 1));
    t->fev = k_alloc0(a, sizeof(ExEval *) * (g->naggs + 1));
    t->dset = k_alloc0(a, sizeof(GTable) * (g->naggs + 1));
    t->dk = k_alloc(a, sizeof(KVector *) * 2);
    t->part = k_alloc(a, K_VECTOR_SIZE);
    t->srow = k_alloc(a, sizeof(AggState *) * K_VECTOR_SIZE);
    if (!t->heap || !t->kv || !t->hash || !t->gid || !t->rows || !t->rows2 || !t->gev ||
        !t->aev || !t->fev || !t->dset || !t->dk || !t->part || !t->srow)
        return k_error_oom(err, a, 32 * K_VECTOR_SIZE);
    if (k_vector_init(&t->gidv, k_type(K_TYPE_INT64), a, err)) return K_ERR;
    if (g->setop) return K_OK;
    if (!g->nkeys) {
        /* the single group exists from the start */
        if (gt_grow_groups(&t->gt, err)) return K_ERR;
        memset(t->gt.states, 0, sizeof(AggState) * g->naggs);
        t->gt.ghash[0] = 0;
        t->gt.ngroups = 1;
    }
    for (uint32_t k = 0; k < g->nkeys; k++)
        if (ex__eval_compile(a, p->u.agg.groups[k], x->rc->params, x->rc->nparams, &t->gev[k], err))
            return K_ERR;
    for (uint32_t ai = 0; ai < g->naggs; ai++) {
        const ExAggSpec *sp = &g->aggs[ai];
        if (g->mode == EX_AGG_FINAL) continue;
        if (sp->arg && sp->func != EX_AGG_COUNT_STAR &&
            ex__eval_compile(a, sp->arg, x->rc->params, x->rc->nparams, &t->aev[ai], err))
            return K_ERR;
        if (sp->filter &&
            ex__eval_compile(a, sp->filter, x->rc->params, x->rc->nparams, &t->fev[ai], err))
            return K_ERR;
        if (sp->distinct && sp->arg) {
            KType dt[2] = {k_type(K_TYPE_INT64), sp->arg->type};
            if (gt_init(&t->dset[ai], a, 2, dt, 0, false, err)) return K_ERR;
        }
    }
    return K_OK;
}

static int
agg_setup(ExExec *x, const ExPlan *p, Agg *g, const KType *ktypes, KErr *err)
{
    g->x = x;
    g->p = p;
    pthread_mutex_init(&g->mu, NULL);
    g->tls = k_alloc0(x->arena, sizeof(AggTls) * x->nthreads);
    if (!g->tls) return k_error_oom(err, x->arena, sizeof(AggTls) * x->nthreads);
    for (uint32_t ti = 0; ti < x->nthreads; ti++)
        if (agg_tls_init(g, &g->tls[ti], x->tarena[ti], ktypes, err)) return K_ERR;
    if (g->shared && g->nkeys && x->nthreads > 1) {
        /* DISTINCT with groups: every thread keeps its input rows by group
         * partition; the partitions are aggregated in parallel afterwards */
        g->dstores = k_alloc0(x->arena, sizeof(ExStore) * x->nthreads * EX_AGG_PARTS);
        g->dpick = k_alloc(x->arena, sizeof(uint16_t *) * x->nthreads);
        if (!g->dstores || !g->dpick) return k_error_oom(err, x->arena, 4096);
        const ExPlan *in = p->left;
        for (uint32_t ti = 0; ti < x->nthreads; ti++) {
            KArena *a = x->tarena[ti];
            if (!(g->dpick[ti] = k_alloc(a, sizeof(uint16_t) * K_VECTOR_SIZE * EX_AGG_PARTS)))
                return k_error_oom(err, a, 4 * K_VECTOR_SIZE * EX_AGG_PARTS);
            for (uint32_t q = 0; q < EX_AGG_PARTS; q++)
                if (ex__store_init(&g->dstores[ti * EX_AGG_PARTS + q], a, in->ncols, in->types, err))
                    return K_ERR;
        }
        g->deferred = true;
    }
    return K_OK;
}

int
ex__produce_agg(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    Agg *g = k_alloc0(x->arena, sizeof *g);
    if (!g) return k_error_oom(err, x->arena, sizeof *g);
    g->base.push = agg_push;
    g->nkeys = p->u.agg.ngroups;
    g->naggs = p->u.agg.naggs;
    g->aggs = p->u.agg.aggs;
    g->mode = (ExAggMode)p->u.agg.mode;
    for (uint32_t ai = 0; ai < g->naggs; ai++) {
        const ExAggSpec *sp = &g->aggs[ai];
        if (sp->func != EX_AGG_COUNT_STAR && !sp->arg)
            return k_error(err, K_INTERNAL_ERROR, "aggregate %s without argument", ex_agg_name(sp->func));
        if (sp->distinct) {
            if (g->mode != EX_AGG_COMPLETE)
                return k_error(err, K_FEATURE_NOT_SUPPORTED,
                               "DISTINCT aggregates cannot be computed in two phases");
            g->shared = true;
        }
    }
    if (g->nkeys > p->ncols) return k_error(err, K_INTERNAL_ERROR, "aggregate output too narrow");
    KType *kt = k_alloc(x->arena, sizeof(KType) * (g->nkeys + 1));
    if (!kt) return k_error_oom(err, x->arena, 64);
    for (uint32_t k = 0; k < g->nkeys; k++) kt[k] = p->u.agg.groups[k]->type;
    if (agg_setup(x, p, g, kt, err)) return K_ERR;
    if (ex__produce(x, p->left, &g->base, err)) return K_ERR;
    return merge_and_emit(g, kt, c, err);
}

int
ex__produce_setop(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    if (!p->left || !p->right) return k_error(err, K_INTERNAL_ERROR, "set operation needs two inputs");
    if (p->u.setop.op == EX_SETOP_UNION && p->u.setop.all) {
        if (ex__produce(x, p->left, c, err)) return K_ERR;
        return ex__produce(x, p->right, c, err);
    }
    Agg *g = k_alloc0(x->arena, sizeof *g);
    if (!g) return k_error_oom(err, x->arena, sizeof *g);
    g->base.push = agg_push;
    g->side1.push = agg_push_right;
    g->setop = true;
    g->nkeys = p->ncols;
    if (agg_setup(x, p, g, p->types, err)) return K_ERR;
    if (ex__produce(x, p->left, &g->base, err)) return K_ERR;
    if (ex__produce(x, p->right, &g->side1, err)) return K_ERR;
    return merge_and_emit(g, p->types, c, err);
}

/* ------------------------------------------------------------------ */
/* Single accumulators (window aggregates)                              */
/* ------------------------------------------------------------------ */
static const uint32_t zero_gids[K_VECTOR_SIZE];

int
ex__acc_add(const ExAggSpec *sp, ExAggAcc *acc, const KVector *v, uint32_t row, KArena *heap,
            KErr *err)
{
    uint16_t r = (uint16_t)row;
    if (row >= K_VECTOR_SIZE) return k_error(err, K_INTERNAL_ERROR, "accumulator row out of range");
    return agg_update(sp, acc, 1, 0, zero_gids, NULL, v, &r, 1, heap, -1, err);
}

int
ex__acc_final(const ExAggSpec *sp, const ExAggAcc *acc, KVector *out, uint32_t r, KErr *err)
{
    return state_final(sp, acc, out, r, -1, err);
}
