/*
 * join.c — hash join: INNER, LEFT, RIGHT, FULL, SEMI, ANTI, null-aware
 * ANTI (NOT IN) and MARK, with an optional residual predicate and a
 * runtime filter (min/max + Bloom over the build keys) for the probe scan.
 *
 * Interface routines: ex__produce_join.
 *
 * Build: the build child's rows plus their evaluated key values go into
 * thread-local row stores, merged, then one linear-probing table is built:
 * each bucket holds the key's 64-bit hash and the head of a chain of build
 * rows with equal keys (next[] links them), so a probe compares keys only
 * when the hashes match and walks duplicates without probing again. For one
 * integer key the hash (k_hash_u64) is a bijection, so equal hashes are
 * equal keys and the stored rows are never touched while probing.
 * Probe: every thread evaluates the probe keys of its batch, hashes them,
 * collects (probe row, build row) candidate pairs, gathers them into a
 * combined batch (probe columns ++ build columns), applies the residual,
 * and emits; per-row match flags drive the outer / semi / anti / mark
 * variants, and a per-build-row flag the RIGHT / FULL tail.
 */
#include "exec/exec_int.h"

#include <omp.h>

typedef struct JoinTls {
    ExEval **keys;      /* probe key evaluators */
    ExEval *residual;
    ExStore store;      /* build phase: this thread's rows */
    ExEval **bkeys;     /* build key evaluators */
    KArena *heap;
    uint64_t *hash;
    uint16_t *pi;       /* candidate pairs: probe row */
    uint32_t *bref;     /*                  build ref */
    uint32_t *brow;     /*                  build row id */
    uint32_t npairs;
    uint8_t *matched;   /* per probe row of the current batch */
    uint16_t *sel;
    KBatch *comb;       /* gathered pairs */
    KBatch view;
    KBatch *tail;       /* unmatched probe rows with NULL build columns */
    KVector *markv;
    KVector **bcols;    /* build_push scratch: nb + nkeys */
    KVector **pk;       /* probe key vectors: nkeys */
} JoinTls;

typedef struct Join {
    ExConsumer base;    /* probe consumer */
    ExConsumer build;   /* build consumer */
    ExConsumer *next;
    ExExec *x;
    const ExPlan *p;
    JoinTls *tls;
    uint32_t np, nb, nkeys;
    ExJoinType type;
    /* the table */
    ExStore all;
    uint32_t nrows;
    uint32_t *refs;     /* row id -> store ref */
    uint32_t *next_row; /* chain, UINT32_MAX = end */
    uint32_t *head;     /* bucket -> row id + 1 (0 = empty) */
    uint64_t *tag;      /* the full hash of the bucket's key */
    bool exact;         /* one integer key, or two packed INT/DATE keys, NULLs
                         * never match: the hash is a bijection of the key,
                         * equal hashes mean equal keys */
    bool pack2;         /* two 32-bit keys hashed as one 64-bit word */
    uint32_t *dense;    /* direct table for dense integer keys: key - dlo -> row + 1 */
    int64_t dlo;
    uint64_t drange;
    uint64_t pbase[64]; /* partition p: buckets pbase[p] .. pbase[p] + pmask[p] */
    uint64_t pmask[64];
    uint8_t *bmatched;  /* RIGHT/FULL */
    bool build_has_null;
    bool *need;         /* combined column needed by output or residual */
} Join;

static void
mark_needed(const ExExpr *e, bool *need, uint32_t n)
{
    if (!e) return;
    if (e->kind == EX_EXPR_COLUMN && e->u.column.index < n) need[e->u.column.index] = true;
    for (uint32_t i = 0; i < e->nargs; i++) mark_needed(e->args[i], need, n);
}

static bool
key_null_blocks(const Join *j, uint32_t k)
{
    return !(j->p->u.join.null_eq && j->p->u.join.null_eq[k]);
}

/* Hashes of the join keys: ex__hash_rows, except two 32-bit keys, which are
 * packed into one word and hashed with k_hash_u64 (a bijection, so the
 * table compares hashes only). NULL rows get garbage: they never probe. */
static void
join_hash_rows(const Join *j, KVector **kv, const uint16_t *sel, uint32_t n, uint64_t *h)
{
    if (!j->pack2) {
        ex__hash_rows(kv, j->nkeys, sel, n, h);
        return;
    }
    const int32_t *a = kv[0]->data, *b = kv[1]->data;
    bool ca = kv[0]->flags & K_VEC_CONST, cb = kv[1]->flags & K_VEC_CONST;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint64_t w = (uint64_t)(uint32_t)a[ca ? 0 : r] << 32 | (uint32_t)b[cb ? 0 : r];
        h[i] = k_hash_u64(w);
    }
}

/* ------------------------------------------------------------------ */
/* Build                                                                */
/* ------------------------------------------------------------------ */
static int
build_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Join *j = (Join *)((char *)c - offsetof(Join, build));
    JoinTls *t = &j->tls[tid];
    k_arena_reset(t->heap);
    uint32_t n = k_batch_rows(b);
    KVector **cols = t->bcols;
    for (uint32_t i = 0; i < j->nb; i++) cols[i] = &b->cols[i];
    for (uint32_t k = 0; k < j->nkeys; k++)
        if (ex__eval(t->bkeys[k], b, b->sel, n, t->heap, &cols[j->nb + k], err)) return K_ERR;
    return ex__store_append(&t->store, b, cols, err);
}

static bool
rows_keys_equal(const Join *j, uint32_t ra, uint32_t rb)
{
    for (uint32_t k = 0; k < j->nkeys; k++) {
        const KVector *va = ex__store_col(&j->all, ra, j->nb + k);
        const KVector *vb = ex__store_col(&j->all, rb, j->nb + k);
        uint32_t ia = EX_REF_ROW(ra), ib = EX_REF_ROW(rb);
        bool na = !k_vec_is_valid(va, ia), nb = !k_vec_is_valid(vb, ib);
        if (na || nb) {
            if (na != nb) return false;
            continue;
        }
        if (!ex__eq_fast(va->type, k_vec_slot(va, ia), k_vec_slot(vb, ib))) return false;
    }
    return true;
}

/* The table is split into 2^EX_JOIN_PART_BITS partitions by the top bits
 * of the hash; each partition is its own linear-probing table (base[p],
 * mask[p]) built by one thread, so the build runs in parallel without
 * atomics and a probe touches one partition. */
#define EX_JOIN_PART_BITS 6
#define EX_JOIN_PARTS (1u << EX_JOIN_PART_BITS)

static inline uint32_t
part_of(uint64_t h)
{
    return (uint32_t)(h >> (64 - EX_JOIN_PART_BITS));
}

static int
build_table(Join *j, KErr *err)
{
    ExExec *x = j->x;
    KArena *a = x->arena;
    uint64_t n64 = j->all.rows;
    if (n64 >= UINT32_MAX / 2) return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "hash join build side too large");
    uint32_t n = (uint32_t)n64;
    j->nrows = n;
    uint32_t nch = j->all.nchunks;
    j->refs = k_alloc(a, sizeof(uint32_t) * (n ? n : 1));
    j->next_row = k_alloc(a, sizeof(uint32_t) * (n ? n : 1));
    uint64_t *hashes = k_alloc(a, sizeof(uint64_t) * (n ? n : 1));
    uint32_t *chunk_off = k_alloc(a, sizeof(uint32_t) * (nch + 1));
    uint32_t *prow = k_alloc(a, sizeof(uint32_t) * (n ? n : 1));
    uint8_t *isnull = k_alloc0(a, n ? n : 1);
    if (!j->refs || !j->next_row || !hashes || !chunk_off || !prow || !isnull)
        return k_error_oom(err, a, (size_t)n * 30);
    if (j->type == EX_JOIN_RIGHT || j->type == EX_JOIN_FULL) {
        j->bmatched = k_alloc0(a, n ? n : 1);
        if (!j->bmatched) return k_error_oom(err, a, n);
    }
    chunk_off[0] = 0;
    for (uint32_t c = 0; c < nch; c++) chunk_off[c + 1] = chunk_off[c] + j->all.chunks[c]->count;
    /* runtime filter */
    ExRf *rf = NULL;
    int32_t rfid = j->p->u.join.rf_produce;
    /* over key 0 (the planner puts the filtered key first); a row whose
     * key 0 is NULL can match only under IS NOT DISTINCT, which gets none */
    if (rfid >= 0 && (uint32_t)rfid < x->nrf && j->nkeys >= 1 && key_null_blocks(j, 0) &&
        (j->type == EX_JOIN_INNER || j->type == EX_JOIN_SEMI || j->type == EX_JOIN_RIGHT)) {
        rf = k_alloc0(a, sizeof *rf);
        if (!rf) return k_error_oom(err, a, sizeof *rf);
        rf->type = j->p->u.join.build_keys[0]->type;
        ExPhys ph = ex__phys(rf->type);
        rf->has_minmax = ph == EX_P_I32 || ph == EX_P_I64;
        rf->lo = INT64_MAX;
        rf->hi = INT64_MIN;
        uint64_t bits = 64;
        while (bits < (uint64_t)n * 16 && bits < (UINT64_C(1) << 30)) bits <<= 1;
        rf->nbits = bits;
        rf->bits = k_alloc0(a, bits / 8);
        if (!rf->bits) return k_error_oom(err, a, bits / 8);
    }
    /* phase 1 (parallel over chunks): hashes, refs, NULL keys, runtime filter */
    KVector ***kvs = k_alloc(a, sizeof(KVector **) * x->nthreads);
    if (!kvs) return k_error_oom(err, a, 64);
    for (uint32_t t = 0; t < x->nthreads; t++)
        if (!(kvs[t] = k_alloc(x->tarena[t], sizeof(KVector *) * (j->nkeys + 1)))) return k_error_oom(err, a, 64);
    int any_null = 0, any_rows = 0;
    int64_t glo = INT64_MAX, ghi = INT64_MIN;
    int64_t rlo = INT64_MAX, rhi = INT64_MIN; /* runtime filter: key 0's min/max */
    const bool rf_mm = rf && rf->has_minmax;
    const bool rf32 = rf_mm && ex__phys(rf->type) == EX_P_I32;
    /* a single integer key without NULL-matching: min/max for the runtime
     * filter and for a direct (perfect-hash) table */
    ExPhys kph = j->nkeys == 1 ? ex__phys(j->all.types[j->nb]) : EX_P_STR;
    const bool int_key = j->nkeys == 1 && (kph == EX_P_I32 || kph == EX_P_I64);
    const bool key32 = kph == EX_P_I32;
    j->pack2 = j->nkeys == 2 && ex__phys(j->all.types[j->nb]) == EX_P_I32 &&
               ex__phys(j->all.types[j->nb + 1]) == EX_P_I32 && key_null_blocks(j, 0) &&
               key_null_blocks(j, 1);
    /* small build sides stay on the calling thread (no wake-up, no barrier) */
    const uint32_t team = n >= 16384 ? x->nthreads : 1;
#pragma omp parallel num_threads(team) reduction(| : any_null, any_rows) \
    reduction(min : glo, rlo) reduction(max : ghi, rhi)
    {
        KVector **kv = kvs[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 4)
        for (uint32_t c = 0; c < nch; c++) {
            KBatch *ch = j->all.chunks[c];
            uint32_t base = chunk_off[c];
            for (uint32_t k = 0; k < j->nkeys; k++) kv[k] = &ch->cols[j->nb + k];
            join_hash_rows(j, kv, NULL, ch->count, hashes + base);
            for (uint32_t i = 0; i < ch->count; i++) {
                uint32_t row = base + i;
                j->refs[row] = EX_REF(c, i);
                j->next_row[row] = UINT32_MAX;
                bool skip = false;
                for (uint32_t k = 0; k < j->nkeys; k++)
                    if (!k_vec_is_valid(kv[k], i) && key_null_blocks(j, k)) skip = true;
                if (skip) {
                    isnull[row] = 1;
                    any_null = 1;
                    continue;
                }
                any_rows = 1;
                if (int_key) {
                    int64_t v = key32 ? ((const int32_t *)kv[0]->data)[i]
                                      : ((const int64_t *)kv[0]->data)[i];
                    if (v < glo) glo = v;
                    if (v > ghi) ghi = v;
                }
                if (rf_mm) {
                    int64_t v = rf32 ? ((const int32_t *)kv[0]->data)[i]
                                     : ((const int64_t *)kv[0]->data)[i];
                    if (v < rlo) rlo = v;
                    if (v > rhi) rhi = v;
                }
                if (rf) {
                    const void *slot = k_vec_slot(kv[0], i);
                    uint64_t hv = ex__hash_slot(kv[0]->type, slot);
                    uint64_t b1 = (hv >> 7) & (rf->nbits - 1), b2 = (hv >> 37) & (rf->nbits - 1);
                    __atomic_fetch_or(&rf->bits[b1 >> 6], UINT64_C(1) << (b1 & 63), __ATOMIC_RELAXED);
                    __atomic_fetch_or(&rf->bits[b2 >> 6], UINT64_C(1) << (b2 & 63), __ATOMIC_RELAXED);
                }
            }
        }
    }
    j->build_has_null = any_null;
    /* dense integer keys: a direct array indexed by key - lo */
    if (int_key && key_null_blocks(j, 0) && any_rows && (k_uint128)((k_int128)ghi - glo) < (k_uint128)K_MAX((uint64_t)n * 2, 4096)) {
        uint64_t range = (uint64_t)(ghi - glo) + 1;
        j->dense = k_alloc(a, sizeof(uint32_t) * range); /* filled by slice below */
        if (j->dense) {
            j->dlo = glo;
            j->drange = range;
            /* the rows are renumbered so that the rows of one key are
             * consecutive (a counting sort by key: count, offsets, place):
             * a probe then walks a chain through adjacent refs and links
             * instead of a cache miss per build row (Q13's customers have
             * ~10 orders each). Every thread reads all keys in row order and
             * handles its own slice of the key range, so no two threads
             * write one slot and the numbering is that of one thread. */
            uint32_t *cur = k_alloc(a, sizeof(uint32_t) * range);
            uint32_t *refs2 = k_alloc(a, sizeof(uint32_t) * (n ? n : 1));
            uint32_t *next2 = k_alloc(a, sizeof(uint32_t) * (n ? n : 1));
            uint32_t *stot = k_alloc(a, sizeof(uint32_t) * (team + 1));
            if (!cur || !refs2 || !next2 || !stot) return k_error_oom(err, a, (size_t)n * 8);
#pragma omp parallel for num_threads(team) schedule(static, 1)
            for (uint32_t me = 0; me < team; me++) {
                uint64_t lo = range * me / team, hi = range * (me + 1) / team;
                memset(cur + lo, 0, sizeof(uint32_t) * (hi - lo));
                uint32_t tot = 0;
                for (uint32_t c = 0; c < nch; c++) {
                    const KVector *kv0 = &j->all.chunks[c]->cols[j->nb];
                    for (uint32_t i = 0; i < j->all.chunks[c]->count; i++) {
                        int64_t v = key32 ? ((const int32_t *)kv0->data)[i]
                                          : ((const int64_t *)kv0->data)[i];
                        uint64_t off = (uint64_t)v - (uint64_t)glo;
                        if (off < lo || off >= hi || isnull[chunk_off[c] + i]) continue;
                        cur[off]++;
                        tot++;
                    }
                }
                stot[me] = tot;
            }
            uint32_t nonnull = 0;
            for (uint32_t t = 0; t < team; t++) {
                uint32_t c = stot[t];
                stot[t] = nonnull;
                nonnull += c;
            }
#pragma omp parallel for num_threads(team) schedule(static, 1)
            for (uint32_t me = 0; me < team; me++) {
                uint64_t lo = range * me / team, hi = range * (me + 1) / team;
                uint32_t at = stot[me];
                for (uint64_t off = lo; off < hi; off++) {
                    uint32_t c = cur[off];
                    j->dense[off] = c ? at + 1 : 0; /* first row + 1 */
                    cur[off] = at;
                    at += c;
                }
                for (uint32_t c = 0; c < nch; c++) {
                    const KVector *kv0 = &j->all.chunks[c]->cols[j->nb];
                    for (uint32_t i = 0; i < j->all.chunks[c]->count; i++) {
                        int64_t v = key32 ? ((const int32_t *)kv0->data)[i]
                                          : ((const int64_t *)kv0->data)[i];
                        uint64_t off = (uint64_t)v - (uint64_t)glo;
                        if (off < lo || off >= hi || isnull[chunk_off[c] + i]) continue;
                        refs2[cur[off]++] = EX_REF(c, i);
                    }
                }
                for (uint64_t off = lo; off < hi; off++) {
                    if (!j->dense[off]) continue;
                    uint32_t e = cur[off];
                    for (uint32_t k = j->dense[off] - 1; k < e; k++) next2[k] = k + 1 < e ? k + 1 : UINT32_MAX;
                }
            }
            /* rows with a NULL key (never matched; RIGHT/FULL emit them) last */
            for (uint32_t row = 0, k = nonnull; row < n && k < n; row++)
                if (isnull[row]) {
                    refs2[k] = j->refs[row];
                    next2[k++] = UINT32_MAX;
                }
            k_free(a, j->refs, sizeof(uint32_t) * (n ? n : 1));
            k_free(a, j->next_row, sizeof(uint32_t) * (n ? n : 1));
            k_free(a, cur, sizeof(uint32_t) * range);
            j->refs = refs2;
            j->next_row = next2;
            goto built;
        }
    }
    /* phase 2: rows by partition, counted and placed by every thread over
     * its own range of rows (in row order within a partition, as on one) */
    uint32_t cnt[EX_JOIN_PARTS + 1];
    uint32_t (*tcnt)[EX_JOIN_PARTS] = k_alloc0(a, sizeof(uint32_t) * EX_JOIN_PARTS * team);
    if (!tcnt) return k_error_oom(err, a, sizeof(uint32_t) * EX_JOIN_PARTS * team);
#pragma omp parallel for num_threads(team) schedule(static, 1)
    for (uint32_t me = 0; me < team; me++) {
        uint32_t r0 = (uint32_t)((uint64_t)n * me / team);
        uint32_t r1 = (uint32_t)((uint64_t)n * (me + 1) / team);
        for (uint32_t r = r0; r < r1; r++)
            if (!isnull[r]) tcnt[me][part_of(hashes[r])]++;
    }
    memset(cnt, 0, sizeof cnt);
    for (uint32_t p = 0; p < EX_JOIN_PARTS; p++)
        for (uint32_t t = 0; t < team; t++) cnt[p + 1] += tcnt[t][p];
    uint64_t cap_total = 0;
    for (uint32_t p = 0; p < EX_JOIN_PARTS; p++) {
        uint64_t cap = 16;
        while (cap < (uint64_t)cnt[p + 1] * 2) cap <<= 1;
        j->pbase[p] = cap_total;
        j->pmask[p] = cap - 1;
        cap_total += cap;
    }
    for (uint32_t p = 0; p < EX_JOIN_PARTS; p++) cnt[p + 1] += cnt[p];
    /* thread t's rows of partition p start after those of threads < t */
    for (uint32_t p = 0; p < EX_JOIN_PARTS; p++) {
        uint32_t at = cnt[p];
        for (uint32_t t = 0; t < team; t++) {
            uint32_t c = tcnt[t][p];
            tcnt[t][p] = at;
            at += c;
        }
    }
#pragma omp parallel for num_threads(team) schedule(static, 1)
    for (uint32_t me = 0; me < team; me++) {
        uint32_t r0 = (uint32_t)((uint64_t)n * me / team);
        uint32_t r1 = (uint32_t)((uint64_t)n * (me + 1) / team);
        uint32_t *fill = tcnt[me];
        for (uint32_t r = r0; r < r1; r++)
            if (!isnull[r]) prow[fill[part_of(hashes[r])]++] = r;
    }
    j->head = k_alloc(a, sizeof(uint32_t) * cap_total); /* zeroed by partition below */
    j->tag = k_alloc(a, sizeof(uint64_t) * cap_total);
    if (!j->head || !j->tag) return k_error_oom(err, a, sizeof(uint32_t) * cap_total * 3);
    /* ex__hash_rows hashes one integer key with k_hash_u64, a bijection */
    j->exact = (int_key && key_null_blocks(j, 0)) || j->pack2;
    /* phase 3 (parallel over partitions): insert */
#pragma omp parallel for num_threads(team) schedule(dynamic, 1)
    for (uint32_t p = 0; p < EX_JOIN_PARTS; p++) {
        uint32_t *head = j->head + j->pbase[p];
        uint64_t *tag = j->tag + j->pbase[p];
        uint64_t mask = j->pmask[p];
        memset(head, 0, sizeof(uint32_t) * (mask + 1));
        for (uint32_t k = cnt[p]; k < cnt[p + 1]; k++) {
            uint32_t row = prow[k];
            uint64_t h = hashes[row];
            if (k + 16 < cnt[p + 1]) {
                /* the table is far larger than the caches: fetch ahead */
                uint64_t hp = hashes[prow[k + 16]];
                __builtin_prefetch(&head[hp & mask], 1);
                __builtin_prefetch(&tag[hp & mask], 1);
            }
            if (k + 32 < cnt[p + 1]) __builtin_prefetch(&hashes[prow[k + 32]]);
            uint64_t pos = h & mask;
            for (;;) {
                uint32_t hd = head[pos];
                if (!hd) {
                    head[pos] = row + 1;
                    tag[pos] = h;
                    break;
                }
                if (tag[pos] == h &&
                    (j->exact || rows_keys_equal(j, j->refs[row], j->refs[hd - 1]))) {
                    j->next_row[row] = hd - 1;
                    head[pos] = row + 1;
                    break;
                }
                pos = (pos + 1) & mask;
            }
        }
    }
built:
    if (rf) {
        rf->any_rows = any_rows;
        rf->lo = rlo;
        rf->hi = rhi;
        rf->ready = true;
        x->rf[rfid] = rf;
    }
    k_free(a, hashes, sizeof(uint64_t) * (n ? n : 1));
    k_free(a, prow, sizeof(uint32_t) * (n ? n : 1));
    ex__stat_mem(x, j->p, k_arena_used(x->arena));
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Probe                                                                */
/* ------------------------------------------------------------------ */
static bool
probe_key_equal(const Join *j, KVector **pk, uint32_t prow, uint32_t bref)
{
    uint32_t br = EX_REF_ROW(bref);
    for (uint32_t k = 0; k < j->nkeys; k++) {
        const KVector *bv = ex__store_col(&j->all, bref, j->nb + k);
        bool pn = !k_vec_is_valid(pk[k], prow), bn = !k_vec_is_valid(bv, br);
        if (pn || bn) {
            if (pn != bn) return false;
            continue;
        }
        if (!ex__eq_fast(bv->type, k_vec_slot(pk[k], prow), k_vec_slot(bv, br))) return false;
    }
    return true;
}

static bool
emits_pairs(ExJoinType t)
{
    return t == EX_JOIN_INNER || t == EX_JOIN_LEFT || t == EX_JOIN_RIGHT || t == EX_JOIN_FULL;
}

static int
flush_pairs(Join *j, JoinTls *t, uint32_t tid, const KBatch *pb, KErr *err)
{
    uint32_t n = t->npairs;
    if (!n) return K_OK;
    t->npairs = 0;
    bool need_comb = t->residual || emits_pairs(j->type);
    const uint16_t *pass = NULL;
    uint32_t npass = n;
    KBatch *cb = t->comb;
    if (need_comb) {
        for (uint32_t c = 0; c < j->np; c++) {
            if (!j->need[c]) continue;
            KVector *dst = &cb->cols[c];
            if (ex__vec_copy_rows(dst, NULL, &pb->cols[c], t->pi, n, cb->arena, err)) return K_ERR;
        }
        for (uint32_t c = 0; c < j->nb; c++) {
            if (!j->need[j->np + c]) continue;
            ex__store_gather(&j->all, c, t->bref, n, &cb->cols[j->np + c]);
        }
        cb->count = n;
        cb->sel = NULL;
        cb->nsel = 0;
        if (t->residual) {
            if (ex__select(t->residual, cb, NULL, n, t->heap, t->sel, &npass, err)) return K_ERR;
            pass = t->sel;
        }
    }
    for (uint32_t k = 0; k < npass; k++) {
        uint32_t q = pass ? pass[k] : k;
        t->matched[t->pi[q]] = 1;
        if (j->bmatched) __atomic_store_n(&j->bmatched[t->brow[q]], 1, __ATOMIC_RELAXED);
    }
    if (!emits_pairs(j->type) || !npass) return K_OK;
    KBatch *v = &t->view;
    const ExPlan *p = j->p;
    v->ncols = p->u.join.nout;
    for (uint32_t i = 0; i < p->u.join.nout; i++) v->cols[i] = cb->cols[p->u.join.out_cols[i]];
    v->count = n;
    v->sel = (uint16_t *)pass;
    v->nsel = pass ? npass : 0;
    v->heap = t->heap;
    v->arena = cb->arena;
    return j->next->push(j->next, tid, v, err);
}

/* Probe rows that pass (SEMI/ANTI) or every row with its mark (MARK), or
 * the unmatched rows of LEFT/FULL with NULL build columns. */
static int
emit_probe_side(Join *j, JoinTls *t, uint32_t tid, KBatch *pb, const uint16_t *sel, uint32_t n,
                KVector **pk, KErr *err)
{
    const ExPlan *p = j->p;
    KBatch *v = &t->view;
    uint32_t k = 0;
    uint16_t *out = t->sel;
    bool build_empty = j->nrows == 0;
    switch (j->type) {
    case EX_JOIN_SEMI:
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            if (t->matched[r]) out[k++] = (uint16_t)r;
        }
        break;
    case EX_JOIN_ANTI:
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            if (!t->matched[r]) out[k++] = (uint16_t)r;
        }
        break;
    case EX_JOIN_ANTI_NULL_AWARE:
        if (!build_empty && j->build_has_null) return K_OK;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            if (t->matched[r]) continue;
            bool keynull = false;
            for (uint32_t q = 0; q < j->nkeys; q++) keynull |= !k_vec_is_valid(pk[q], r);
            if (keynull && !build_empty) continue;
            out[k++] = (uint16_t)r;
        }
        break;
    case EX_JOIN_MARK: {
        KVector *mv = t->markv;
        uint8_t *md = mv->data;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            out[k++] = (uint16_t)r;
            bool keynull = false;
            for (uint32_t q = 0; q < j->nkeys; q++) keynull |= !k_vec_is_valid(pk[q], r);
            bool valid = true;
            if (t->matched[r]) md[r] = 1;
            else {
                md[r] = 0;
                if (!build_empty && (keynull || j->build_has_null)) valid = false;
            }
            k_vec_set_valid(mv, r, valid);
        }
        break;
    }
    case EX_JOIN_LEFT:
    case EX_JOIN_FULL: {
        uint16_t *rows = out;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            if (!t->matched[r]) rows[k++] = (uint16_t)r;
        }
        if (!k) return K_OK;
        KBatch *tb = t->tail;
        for (uint32_t o = 0; o < p->u.join.nout; o++) {
            uint32_t col = p->u.join.out_cols[o];
            KVector *dst = &tb->cols[o];
            if (col < j->np) {
                if (ex__vec_copy_rows(dst, NULL, &pb->cols[col], rows, k, tb->arena, err)) return K_ERR;
            } else {
                memset(dst->validity, 0, K_VECTOR_WORDS * 8);
            }
        }
        tb->count = k;
        tb->sel = NULL;
        int rc = j->next->push(j->next, tid, tb, err);
        for (uint32_t o = 0; o < p->u.join.nout; o++)
            if (p->u.join.out_cols[o] >= j->np) memset(tb->cols[o].validity, 0xff, K_VECTOR_WORDS * 8);
        return rc;
    }
    default:
        return K_OK;
    }
    if (!k) return K_OK;
    v->ncols = p->u.join.nout + (j->type == EX_JOIN_MARK);
    for (uint32_t i = 0; i < p->u.join.nout; i++) v->cols[i] = pb->cols[p->u.join.out_cols[i]];
    if (j->type == EX_JOIN_MARK) v->cols[p->u.join.nout] = *t->markv;
    v->count = pb->count;
    v->sel = out;
    v->nsel = k;
    v->heap = pb->heap;
    v->arena = pb->arena;
    return j->next->push(j->next, tid, v, err);
}

/* Fetch the hash table slot of a future probe into the cache. */
static inline void
probe_prefetch(const Join *j, uint64_t h)
{
    uint32_t part = part_of(h);
    uint64_t pos = j->pbase[part] + (h & j->pmask[part]);
    __builtin_prefetch(&j->head[pos]);
    __builtin_prefetch(&j->tag[pos]);
}

static int
probe_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Join *j = (Join *)c;
    JoinTls *t = &j->tls[tid];
    k_arena_reset(t->heap);
    uint32_t n = k_batch_rows(b);
    const uint16_t *sel = b->sel;
    KVector **pk = t->pk;
    for (uint32_t k = 0; k < j->nkeys; k++)
        if (ex__eval(t->keys[k], b, sel, n, t->heap, &pk[k], err)) return K_ERR;
    join_hash_rows(j, pk, sel, n, t->hash);
    for (uint32_t i = 0; i < n; i++) t->matched[sel ? sel[i] : i] = 0;
    bool first_only = (j->type == EX_JOIN_SEMI || j->type == EX_JOIN_ANTI ||
                       j->type == EX_JOIN_ANTI_NULL_AWARE || j->type == EX_JOIN_MARK) &&
                      !t->residual;
    t->npairs = 0;
    if (j->nrows) {
        const uint32_t ahead = 12;
        const bool pk32 = j->dense && ex__phys(pk[0]->type) == EX_P_I32;
        if (!j->dense)
            for (uint32_t i = 0; i < K_MIN(n, ahead); i++) probe_prefetch(j, t->hash[i]);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            if (!j->dense && i + ahead < n) probe_prefetch(j, t->hash[i + ahead]);
            bool skip = false;
            for (uint32_t k = 0; k < j->nkeys; k++)
                if (!k_vec_is_valid(pk[k], r) && key_null_blocks(j, k)) skip = true;
            if (skip) continue;
            uint32_t hd;
            if (j->dense) {
                int64_t v = pk32 ? *(const int32_t *)k_vec_slot(pk[0], r)
                                 : *(const int64_t *)k_vec_slot(pk[0], r);
                uint64_t off = (uint64_t)v - (uint64_t)j->dlo;
                if (v < j->dlo || off >= j->drange || !(hd = j->dense[off])) continue;
                goto found;
            }
            uint64_t h = t->hash[i];
            uint32_t part = part_of(h);
            const uint32_t *head = j->head + j->pbase[part];
            const uint64_t *tag = j->tag + j->pbase[part];
            uint64_t mask = j->pmask[part];
            uint64_t pos = h & mask;
            while ((hd = head[pos])) {
                if (tag[pos] == h && (j->exact || probe_key_equal(j, pk, r, j->refs[hd - 1])))
                    break;
                pos = (pos + 1) & mask;
            }
            if (!hd) continue;
        found:
            if (first_only) {
                t->matched[r] = 1;
                continue;
            }
            for (uint32_t row = hd - 1; row != UINT32_MAX; row = j->next_row[row]) {
                t->pi[t->npairs] = (uint16_t)r;
                t->bref[t->npairs] = j->refs[row];
                t->brow[t->npairs] = row;
                if (++t->npairs == K_VECTOR_SIZE && flush_pairs(j, t, tid, b, err)) return K_ERR;
            }
        }
        if (flush_pairs(j, t, tid, b, err)) return K_ERR;
    }
    if (emits_pairs(j->type) && j->type != EX_JOIN_LEFT && j->type != EX_JOIN_FULL) return K_OK;
    return emit_probe_side(j, t, tid, b, sel, n, pk, err);
}

/* RIGHT / FULL: build rows that never matched, with NULL probe columns. */
static int
emit_build_tail(Join *j, KErr *err)
{
    const ExPlan *p = j->p;
    JoinTls *t = &j->tls[0];
    KBatch *tb = t->tail;
    uint32_t k = 0;
    for (uint32_t o = 0; o < p->u.join.nout; o++)
        if (p->u.join.out_cols[o] < j->np) memset(tb->cols[o].validity, 0, K_VECTOR_WORDS * 8);
    for (uint32_t row = 0; row <= j->nrows; row++) {
        if (row < j->nrows && !j->bmatched[row]) t->bref[k++] = j->refs[row];
        if (k == K_VECTOR_SIZE || (row == j->nrows && k)) {
            for (uint32_t o = 0; o < p->u.join.nout; o++) {
                uint32_t col = p->u.join.out_cols[o];
                if (col >= j->np) ex__store_gather(&j->all, col - j->np, t->bref, k, &tb->cols[o]);
            }
            tb->count = k;
            tb->sel = NULL;
            if (ex__emit(j->x, p, j->next, tb, err)) return K_ERR;
            k = 0;
        }
    }
    return K_OK;
}

int
ex__produce_join(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    Join *j = k_alloc0(x->arena, sizeof *j);
    if (!j) return k_error_oom(err, x->arena, sizeof *j);
    j->base.push = probe_push;
    j->base.stop = c->stop;
    j->build.push = build_push;
    j->next = c;
    j->x = x;
    j->p = p;
    j->type = (ExJoinType)p->u.join.type;
    j->np = p->left->ncols;
    j->nb = p->right->ncols;
    j->nkeys = p->u.join.nkeys;
    uint32_t nall = j->np + j->nb;
    KType *ctypes = k_alloc(x->arena, sizeof(KType) * (nall + j->nkeys + 1));
    j->need = k_alloc0(x->arena, nall + 1);
    if (!ctypes || !j->need) return k_error_oom(err, x->arena, sizeof(KType) * nall);
    memcpy(ctypes, p->left->types, sizeof(KType) * j->np);
    memcpy(ctypes + j->np, p->right->types, sizeof(KType) * j->nb);
    for (uint32_t i = 0; i < p->u.join.nout; i++) {
        if (p->u.join.out_cols[i] >= nall)
            return k_error(err, K_INTERNAL_ERROR, "join output column %u out of range",
                           p->u.join.out_cols[i]);
        j->need[p->u.join.out_cols[i]] = true;
    }
    mark_needed(p->u.join.residual, j->need, nall);
    for (uint32_t k = 0; k < j->nkeys; k++) {
        KType pt = p->u.join.probe_keys[k]->type, bt = p->u.join.build_keys[k]->type;
        if (ex__phys(pt) != ex__phys(bt) || (pt.id == K_TYPE_DECIMAL && pt.scale != bt.scale) ||
            (pt.id == K_TYPE_DECIMAL) != (bt.id == K_TYPE_DECIMAL)) {
            char a[64], b[64];
            return k_error(err, K_INTERNAL_ERROR, "hash join key %u has types %s and %s", k + 1,
                           k_type_name(pt, a, sizeof a), k_type_name(bt, b, sizeof b));
        }
    }
    /* build store layout: build columns ++ key values */
    KType *stypes = k_alloc(x->arena, sizeof(KType) * (j->nb + j->nkeys + 1));
    if (!stypes) return k_error_oom(err, x->arena, 64);
    memcpy(stypes, p->right->types, sizeof(KType) * j->nb);
    for (uint32_t k = 0; k < j->nkeys; k++) stypes[j->nb + k] = p->u.join.build_keys[k]->type;
    if (ex__store_init(&j->all, x->arena, j->nb + j->nkeys, stypes, err)) return K_ERR;
    j->tls = k_alloc0(x->arena, sizeof(JoinTls) * x->nthreads);
    if (!j->tls) return k_error_oom(err, x->arena, sizeof(JoinTls) * x->nthreads);
    for (uint32_t ti = 0; ti < x->nthreads; ti++) {
        JoinTls *t = &j->tls[ti];
        KArena *a = x->tarena[ti];
        if (ex__store_init(&t->store, a, j->nb + j->nkeys, stypes, err)) return K_ERR;
        t->keys = k_alloc(a, sizeof(ExEval *) * (j->nkeys + 1));
        t->bkeys = k_alloc(a, sizeof(ExEval *) * (j->nkeys + 1));
        t->heap = k_arena_create(a, "join heap");
        t->hash = k_alloc(a, sizeof(uint64_t) * K_VECTOR_SIZE);
        t->pi = k_alloc(a, sizeof(uint16_t) * K_VECTOR_SIZE);
        t->bref = k_alloc(a, sizeof(uint32_t) * K_VECTOR_SIZE);
        t->brow = k_alloc(a, sizeof(uint32_t) * K_VECTOR_SIZE);
        t->matched = k_alloc(a, K_VECTOR_SIZE);
        t->sel = k_alloc(a, sizeof(uint16_t) * K_VECTOR_SIZE);
        t->view.cols = k_alloc(a, sizeof(KVector) * (p->u.join.nout + 2));
        t->markv = k_alloc0(a, sizeof(KVector));
        t->bcols = k_alloc(a, sizeof(KVector *) * (j->nb + j->nkeys + 1));
        t->pk = k_alloc(a, sizeof(KVector *) * (j->nkeys + 1));
        if (!t->bcols || !t->pk) return k_error_oom(err, a, 64);
        if (!t->keys || !t->bkeys || !t->heap || !t->hash || !t->pi || !t->bref || !t->brow ||
            !t->matched || !t->sel || !t->view.cols || !t->markv)
            return k_error_oom(err, a, 16 * K_VECTOR_SIZE);
        for (uint32_t k = 0; k < j->nkeys; k++) {
            if (ex__eval_compile(a, p->u.join.probe_keys[k], x->rc->params, x->rc->nparams,
                                 &t->keys[k], err))
                return K_ERR;
            if (ex__eval_compile(a, p->u.join.build_keys[k], x->rc->params, x->rc->nparams,
                                 &t->bkeys[k], err))
                return K_ERR;
        }
        if (p->u.join.residual &&
            ex__eval_compile(a, p->u.join.residual, x->rc->params, x->rc->nparams, &t->residual, err))
            return K_ERR;
        if (!(t->comb = ex__batch_new(a, nall, ctypes, err))) return K_ERR;
        if (j->type == EX_JOIN_LEFT || j->type == EX_JOIN_FULL || j->type == EX_JOIN_RIGHT) {
            KType *otypes = k_alloc(a, sizeof(KType) * (p->u.join.nout + 1));
            if (!otypes) return k_error_oom(err, a, 64);
            for (uint32_t o = 0; o < p->u.join.nout; o++) otypes[o] = ctypes[p->u.join.out_cols[o]];
            if (!(t->tail = ex__batch_new(a, p->u.join.nout, otypes, err))) return K_ERR;
        }
        if (j->type == EX_JOIN_MARK) {
            KType bt = k_type(K_TYPE_BOOL);
            if (k_vector_init(t->markv, bt, a, err) || k_vector_ensure_validity(t->markv, a, err))
                return K_ERR;
        }
    }
    /* build */
    if (ex__produce(x, p->right, &j->build, err)) return K_ERR;
    for (uint32_t ti = 0; ti < x->nthreads; ti++)
        if (ex__store_merge(&j->all, &j->tls[ti].store, err)) return K_ERR;
    if (build_table(j, err)) return K_ERR;
    /* an empty build side: INNER / SEMI / RIGHT produce nothing */
    if (j->nrows == 0 && (j->type == EX_JOIN_INNER || j->type == EX_JOIN_SEMI ||
                          j->type == EX_JOIN_RIGHT))
        return K_OK;
    if (ex__produce(x, p->left, &j->base, err)) return K_ERR;
    if (j->bmatched) return emit_build_tail(j, err);
    return K_OK;
}
