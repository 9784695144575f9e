/*
 * run.c — running fragments: the push-based pipeline driver, the streaming
 * operators (scan, filter, project, limit, values, exchange source), the
 * fragment entry point and the exchange routing helpers.
 *
 * Interface routines: ex_fragment_run, ex_route_hash, ex_batch_copy,
 * ex_batch_partition, ex__produce and the ex__produce_* of the streaming
 * operators, ex__fail, ex__check, ex__emit, ex__stat_*.
 *
 * Notes: ex__produce(p, c) runs the subtree p and pushes its rows into c.
 * Pipeline breakers (hash build, aggregate, sort) call ex__produce on their
 * inputs first, then emit; so OpenMP regions run only at the sources (scans)
 * one after the other, on the thread that called ex_fragment_run, and no
 * region is ever nested. Each thread owns tarena[tid]; per-operator,
 * per-thread state is allocated up front on the calling thread.
 */
#include "exec/exec_int.h"

#include <omp.h>

/* ------------------------------------------------------------------ */
/* Errors, cancellation, statistics                                     */
/* ------------------------------------------------------------------ */
int
ex__fail(ExExec *x, const KErr *err)
{
    pthread_mutex_lock(&x->lock);
    if (!x->failed) {
        k_err_copy(&x->err, err);
        x->failed = 1;
    }
    pthread_mutex_unlock(&x->lock);
    return K_ERR;
}

int
ex__check(ExExec *x, KErr *err)
{
    if (x->rc->cancel && *x->rc->cancel)
        return k_error(err, K_QUERY_CANCELED, "canceling statement due to user request");
    if (x->failed) {
        pthread_mutex_lock(&x->lock);
        k_err_copy(err, &x->err);
        pthread_mutex_unlock(&x->lock);
        return K_ERR;
    }
    return K_OK;
}

static ExOpStats *
stats_of(ExExec *x, const ExPlan *p)
{
    if (!x->rc->stats || p->id >= x->rc->nstats) return NULL;
    return &x->rc->stats[p->id];
}

void
ex__stat_rows(ExExec *x, const ExPlan *p, uint64_t rows)
{
    ExOpStats *s = stats_of(x, p);
    if (!s) return;
    __atomic_add_fetch(&s->rows_out, rows, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->batches_out, 1, __ATOMIC_RELAXED);
}

void
ex__stat_time(ExExec *x, const ExPlan *p, uint64_t ns)
{
    ExOpStats *s = stats_of(x, p);
    if (!s) return;
    __atomic_add_fetch(&s->time_ns, ns, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->instances, 1, __ATOMIC_RELAXED);
}

void
ex__stat_mem(ExExec *x, const ExPlan *p, uint64_t bytes)
{
    ExOpStats *s = stats_of(x, p);
    if (!s) return;
    uint64_t cur = __atomic_load_n(&s->mem_peak, __ATOMIC_RELAXED);
    while (bytes > cur &&
           !__atomic_compare_exchange_n(&s->mem_peak, &cur, bytes, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
    }
}

uint32_t
ex__threads(const ExExec *x)
{
    return x->nthreads;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                             */
/* ------------------------------------------------------------------ */
typedef struct CountConsumer {
    ExConsumer base;
    ExConsumer *next;
    ExExec *x;
    const ExPlan *p;
} CountConsumer;

static int
count_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    CountConsumer *cc = (CountConsumer *)c;
    ex__stat_rows(cc->x, cc->p, k_batch_rows(b));
    return cc->next->push(cc->next, tid, b, err);
}

int
ex__produce(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    if (!p) return k_error(err, K_INTERNAL_ERROR, "missing plan node");
    if (ex__check(x, err)) return K_ERR;
    if (x->rc->stats && p->id < x->rc->nstats) {
        CountConsumer *cc = k_alloc0(x->arena, sizeof *cc);
        if (!cc) return k_error_oom(err, x->arena, sizeof *cc);
        cc->base.push = count_push;
        cc->base.stop = c->stop;
        cc->next = c;
        cc->x = x;
        cc->p = p;
        c = &cc->base;
    }
    uint64_t t0 = k_now_ns();
    int rc;
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN: rc = ex__produce_scan(x, p, c, err); break;
    case EX_OP_FILTER: rc = ex__produce_filter(x, p, c, err); break;
    case EX_OP_PROJECT: rc = ex__produce_project(x, p, c, err); break;
    case EX_OP_HASH_JOIN: rc = ex__produce_join(x, p, c, err); break;
    case EX_OP_NESTED_LOOP: rc = ex__produce_nl(x, p, c, err); break;
    case EX_OP_HASH_AGG: rc = ex__produce_agg(x, p, c, err); break;
    case EX_OP_SORT: rc = ex__produce_sort(x, p, c, err); break;
    case EX_OP_LIMIT: rc = ex__produce_limit(x, p, c, err); break;
    case EX_OP_WINDOW: rc = ex__produce_window(x, p, c, err); break;
    case EX_OP_SETOP: rc = ex__produce_setop(x, p, c, err); break;
    case EX_OP_VALUES: rc = ex__produce_values(x, p, c, err); break;
    case EX_OP_EXCHANGE_SOURCE: rc = ex__produce_exchange(x, p, c, err); break;
    case EX_OP_RECURSIVE: rc = ex__produce_recursive(x, p, c, err); break;
    case EX_OP_WORKTABLE: rc = ex__produce_worktable(x, p, c, err); break;
    default: rc = k_error(err, K_INTERNAL_ERROR, "unknown operator kind %d", p->kind);
    }
    ex__stat_time(x, p, k_now_ns() - t0);
    return rc;
}

int
ex__emit_tid(ExExec *x, const ExPlan *p, ExConsumer *c, KBatch *b, uint32_t tid, KErr *err)
{
    (void)p;
    if (ex__check(x, err)) return K_ERR;
    b->sel = NULL; /* emitted batches are compact; a consumer may have narrowed the last one */
    b->nsel = 0;
    if (b->count == 0 || ex__stopped(c)) return K_OK;
    return c->push(c, tid, b, err);
}

int
ex__emit(ExExec *x, const ExPlan *p, ExConsumer *c, KBatch *b, KErr *err)
{
    return ex__emit_tid(x, p, c, b, 0, err);
}

/* ------------------------------------------------------------------ */
/* Scan                                                                 */
/* ------------------------------------------------------------------ */
typedef struct ScanTls {
    KBatch *b;
    KBatch view;
    uint16_t *sel;
    ExEval *filter;
    KArena *heap;
    uint64_t *hash;
    uint64_t rf_in[EX_STATS_RF], rf_out[EX_STATS_RF]; /* rows into / out of each filter */
} ScanTls;

static int
rf_datum(KType t, int64_t v, StDatum *d)
{
    memset(d, 0, sizeof *d);
    d->u.i64 = v;
    return t.id == K_TYPE_INT32 || t.id == K_TYPE_INT64 || t.id == K_TYPE_DATE ||
           t.id == K_TYPE_TIMESTAMP || (t.id == K_TYPE_DECIMAL && !k_type_is_wide_decimal(t));
}

/* Rows a thread tests with a runtime filter before judging it: one that
 * removed under 1/32 of them is no longer applied to rows. */
#define RF_PROBATION_ROWS 65536

/* Keep the rows of sel (all n rows when NULL) whose value can be in the
 * filter: inside its min/max (integer-like keys), then in its Bloom filter.
 * Two passes: the valid rows in range with their hashes (integer keys
 * hashed inline, as ex__hash_slot does), then the bit tests, whose words
 * are fetched a few rows ahead (a large filter misses the caches). h has
 * room for n hashes. */
static uint32_t
rf_apply(const ExRf *rf, const KVector *v, const uint16_t *sel, uint32_t n, uint16_t *out,
         uint64_t *h)
{
    uint32_t k = 0;
    ExPhys ph = ex__phys(v->type);
    bool cst = v->flags & K_VEC_CONST;
    if ((ph == EX_P_I32 || ph == EX_P_I64) && !cst) {
        bool mm = rf->has_minmax;
        int64_t lo = mm ? rf->lo : INT64_MIN, hi = mm ? rf->hi : INT64_MAX;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            if (!k_vec_is_valid(v, i)) continue; /* NULL never joins */
            int64_t x = ph == EX_P_I32 ? ((const int32_t *)v->data)[i] : ((const int64_t *)v->data)[i];
            if (x < lo || x > hi) continue;
            out[k] = (uint16_t)i;
            h[k++] = k_hash_u64((uint64_t)x);
        }
    } else {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            if (!k_vec_is_valid(v, i)) continue;
            out[k] = (uint16_t)i;
            h[k++] = ex__hash_slot(v->type, k_vec_slot(v, i));
        }
    }
    uint64_t bmask = rf->nbits - 1;
    uint32_t m = 0;
    for (uint32_t q = 0; q < k; q++) {
        if (q + 16 < k) {
            __builtin_prefetch(&rf->bits[((h[q + 16] >> 7) & bmask) >> 6]);
            __builtin_prefetch(&rf->bits[((h[q + 16] >> 37) & bmask) >> 6]);
        }
        uint64_t bit = (h[q] >> 7) & bmask, bit2 = (h[q] >> 37) & bmask;
        out[m] = out[q];
        m += ((rf->bits[bit >> 6] >> (bit & 63)) & (rf->bits[bit2 >> 6] >> (bit2 & 63)) & 1);
    }
    return m;
}

/* EXPLAIN ANALYZE: add this instance's scan counters to the operator's. */
static void
scan_stats(ExOpStats *st, const StScan *scan, const ScanTls *tls, uint32_t nt,
           const uint32_t *rfuse, const int32_t *rfslot, uint32_t nrf, uint32_t nuse)
{
    StScanCounters sc;
    st_scan_counters(scan, &sc);
#define ADD(f, v) __atomic_add_fetch(&st->f, (uint64_t)(v), __ATOMIC_RELAXED)
    ADD(parts_total, sc.partitions_total);
    ADD(parts_skipped, sc.partitions_skipped);
    ADD(parts_skipped_rf, sc.partitions_skipped_rf);
    ADD(rg_total, sc.row_groups_total);
    ADD(rg_skipped_zone, sc.row_groups_skipped - sc.row_groups_skipped_rf);
    ADD(rg_skipped_rf, sc.row_groups_skipped_rf);
    ADD(rows_read, sc.rows_read);
    ADD(rows_skipped_rf, sc.rows_skipped_rf);
    uint64_t read = sc.partitions_total - sc.partitions_skipped - sc.partitions_skipped_rf;
    uint64_t cur = __atomic_load_n(&st->parts_read_max, __ATOMIC_RELAXED);
    while (read > cur && !__atomic_compare_exchange_n(&st->parts_read_max, &cur, read, false,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    for (uint32_t i = 0; i < nuse && i < EX_STATS_RF; i++) {
        StFilterCounters fc;
        st_scan_filter_counters(scan, rfslot[i], &fc);
        ADD(rf[i].rg_skipped, fc.row_groups_skipped);
        ADD(rf[i].rows_skipped, fc.rows_skipped);
        ADD(rf[i].parts_skipped, fc.partitions_skipped);
    }
    for (uint32_t r = 0; r < nrf; r++) {
        uint64_t in = 0, out = 0;
        for (uint32_t t = 0; t < nt; t++) {
            in += tls[t].rf_in[r];
            out += tls[t].rf_out[r];
        }
        ADD(rf[rfuse[r]].rows_in, in);
        ADD(rf[rfuse[r]].rows_removed, in - out);
        ADD(rf_rows_removed, in - out);
    }
#undef ADD
}

int
ex__produce_scan(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    StDb *db = x->rc->db;
    if (!db) return k_error(err, K_INTERNAL_ERROR, "scan of table %u on a node without data",
                            p->u.scan.table_id);
    StScanOptions o = {0};
    o.ncols = p->u.scan.nread;
    o.cols = p->u.scan.read_cols;
    o.npreds = p->u.scan.npreds;
    o.preds = p->u.scan.preds;
    o.npart_ids = p->u.scan.nparts;
    o.part_ids = p->u.scan.nparts ? p->u.scan.part_ids : NULL;
    StScan *scan;
    if (st_scan_open(db, p->u.scan.table_id, &o, x->arena, &scan, err)) return K_ERR;
    int rc = K_ERR;
    const KType *types = st_scan_types(scan);
    uint32_t nout = p->u.scan.nout ? p->u.scan.nout : p->u.scan.nread;
    /* runtime filters produced by joins that already built: their min/max
     * goes to storage (row groups by zone maps, partitions by bounds), the
     * filter itself is applied to the rows of the row groups read */
    const ExRf *rfs[EX_STATS_RF];
    uint32_t rfcol[EX_STATS_RF], rfuse[EX_STATS_RF], nrf = 0;
    int32_t rfslot[EX_STATS_RF];
    for (uint32_t i = 0; i < EX_STATS_RF; i++) rfslot[i] = -1;
    ExOpStats *st = stats_of(x, p);
    for (uint32_t i = 0; i < p->u.scan.nrf && i < EX_STATS_RF; i++) {
        const ExRuntimeFilterUse *u = &p->u.scan.rfs[i];
        if (u->id >= x->nrf || !x->rf[u->id] || !x->rf[u->id]->ready) continue;
        const ExRf *rf = x->rf[u->id];
        if (u->col >= p->u.scan.nread) continue;
        if (!rf->any_rows) {
            rc = K_OK; /* the build side is empty: nothing can join */
            if (st) scan_stats(st, scan, NULL, 0, rfuse, rfslot, 0, p->u.scan.nrf);
            goto done;
        }
        StDatum lo, hi;
        if (rf->has_minmax && rf_datum(types[u->col], rf->lo, &lo) &&
            rf_datum(types[u->col], rf->hi, &hi) &&
            (types[u->col].id != K_TYPE_DECIMAL || types[u->col].scale == rf->type.scale)) {
            if (st_scan_add_runtime_filter(scan, p->u.scan.read_cols[u->col], lo, hi, &rfslot[i],
                                           err))
                goto done;
        }
        if (rf->nbits && ex__phys(rf->type) == ex__phys(types[u->col]) &&
            (rf->type.id != K_TYPE_DECIMAL || rf->type.scale == types[u->col].scale)) {
            rfs[nrf] = rf;
            rfuse[nrf] = i;
            rfcol[nrf++] = u->col;
        }
        if (st) __atomic_add_fetch(&st->rf[i].applied, 1, __ATOMIC_RELAXED);
    }
    uint32_t nt = x->nthreads;
    ScanTls *tls = k_alloc0(x->arena, sizeof(ScanTls) * nt);
    if (!tls) {
        k_error_oom(err, x->arena, sizeof(ScanTls) * nt);
        goto done;
    }
    for (uint32_t t = 0; t < nt; t++) {
        ScanTls *s = &tls[t];
        KArena *a = x->tarena[t];
        s->b = k_batch_create(a, p->u.scan.nread, types, err);
        if (!s->b) goto done;
        s->sel = k_alloc(a, 2 * K_VECTOR_SIZE);
        s->hash = k_alloc(a, sizeof(uint64_t) * K_VECTOR_SIZE);
        s->heap = k_arena_create(a, "scan heap");
        s->view.cols = k_alloc(a, sizeof(KVector) * (nout ? nout : 1));
        if (!s->sel || !s->heap || !s->view.cols || !s->hash) {
            k_error_oom(err, a, 4 * K_VECTOR_SIZE);
            goto done;
        }
        if (p->u.scan.filter &&
            ex__eval_compile(a, p->u.scan.filter, x->rc->params, x->rc->nparams, &s->filter, err))
            goto done;
    }
    int rfoff[EX_STATS_RF] = {0}; /* filters no longer applied to rows */
    uint16_t **rfsel = NULL;
    if (nrf) {
        rfsel = k_alloc(x->arena, sizeof(uint16_t *) * nt);
        if (!rfsel) goto oom;
        for (uint32_t t = 0; t < nt; t++)
            if (!(rfsel[t] = k_alloc(x->tarena[t], 2 * K_VECTOR_SIZE))) goto oom;
    }
    /* a scan of at most one row group runs on the calling thread alone:
     * waking a second thread costs more than it can save, and on a loaded
     * machine waiting for it to be scheduled costs milliseconds */
    StScanCounters sc;
    st_scan_counters(scan, &sc);
    uint32_t team = sc.row_groups_total <= 1 ? 1 : nt;
#pragma omp parallel num_threads(team)
    {
        uint32_t tid = (uint32_t)omp_get_thread_num();
        ScanTls *s = &tls[tid];
        KErr lerr;
        k_err_clear(&lerr);
        StMorsel *m = NULL;
        for (;;) {
            if (ex__check(x, &lerr) || ex__stopped(c)) break;
            if (st_scan_next_morsel(scan, &m, &lerr)) {
                ex__fail(x, &lerr);
                break;
            }
            if (!m) break;
            bool bad = false;
            for (;;) {
                uint32_t rows;
                if (ex__check(x, &lerr)) {
                    bad = true;
                    break;
                }
                if (ex__stopped(c)) break;
                if (st_morsel_read(m, s->b, &rows, &lerr)) {
                    ex__fail(x, &lerr);
                    bad = true;
                    break;
                }
                if (!rows) break;
                const uint16_t *sel = NULL;
                uint32_t n = rows;
                if (s->filter) {
                    if (ex__select(s->filter, s->b, NULL, rows, s->heap, s->sel, &n, &lerr)) {
                        ex__fail(x, &lerr);
                        bad = true;
                        break;
                    }
                    sel = s->sel;
                }
                for (uint32_t r = 0; r < nrf && n; r++) {
                    if (__atomic_load_n(&rfoff[r], __ATOMIC_RELAXED)) continue;
                    uint16_t *dst = rfsel[tid];
                    s->rf_in[r] += n;
                    n = rf_apply(rfs[r], &s->b->cols[rfcol[r]], sel, n, dst, s->hash);
                    s->rf_out[r] += n;
                    memcpy(s->sel, dst, n * sizeof(uint16_t));
                    sel = s->sel;
                    /* a filter that keeps nearly every row costs more than it
                     * saves: stop testing rows with it (its min/max still
                     * prunes row groups) */
                    if (s->rf_in[r] >= RF_PROBATION_ROWS &&
                        (s->rf_in[r] - s->rf_out[r]) * 32 < s->rf_in[r])
                        __atomic_store_n(&rfoff[r], 1, __ATOMIC_RELAXED);
                }
                if (n) {
                    KBatch *v = &s->view;
                    v->ncols = nout;
                    v->count = rows;
                    v->sel = (uint16_t *)sel;
                    v->nsel = sel ? n : 0;
                    v->heap = s->heap;
                    v->arena = s->b->arena;
                    for (uint32_t i = 0; i < nout; i++)
                        v->cols[i] = s->b->cols[p->u.scan.nout ? p->u.scan.out_cols[i] : i];
                    if (c->push(c, tid, v, &lerr)) {
                        ex__fail(x, &lerr);
                        bad = true;
                        break;
                    }
                }
                k_arena_reset(s->heap);
            }
            st_morsel_close(m);
            if (bad) break;
        }
    }
    if (st) {
        scan_stats(st, scan, tls, nt, rfuse, rfslot, nrf, p->u.scan.nrf);
        for (uint32_t r = 0; r < nrf; r++)
            if (rfoff[r]) __atomic_add_fetch(&st->rf[rfuse[r]].stopped, 1, __ATOMIC_RELAXED);
    }
    if (x->failed) {
        if (ex__check(x, err)) goto done;
    }
    if (x->rc->cancel && *x->rc->cancel) {
        k_error(err, K_QUERY_CANCELED, "canceling statement due to user request");
        goto done;
    }
    rc = K_OK;
    goto done;
oom:
    k_error_oom(err, x->arena, 4 * K_VECTOR_SIZE);
done:
    st_scan_close(scan);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Filter and project                                                   */
/* ------------------------------------------------------------------ */
typedef struct StageTls {
    ExEval **ev;
    uint16_t *sel;
    KArena *heap;
    KBatch view;
} StageTls;

typedef struct Stage {
    ExConsumer base;
    ExConsumer *next;
    ExExec *x;
    const ExPlan *p;
    StageTls *tls;
} Stage;

static int
stage_init(ExExec *x, const ExPlan *p, ExConsumer *next, uint32_t nexpr, ExExpr *const *exprs,
           uint32_t nviewcols, Stage *st, KErr *err)
{
    st->next = next;
    st->base.stop = next->stop;
    st->x = x;
    st->p = p;
    st->tls = k_alloc0(x->arena, sizeof(StageTls) * x->nthreads);
    if (!st->tls) return k_error_oom(err, x->arena, sizeof(StageTls) * x->nthreads);
    for (uint32_t t = 0; t < x->nthreads; t++) {
        StageTls *s = &st->tls[t];
        KArena *a = x->tarena[t];
        s->ev = k_alloc(a, sizeof(ExEval *) * (nexpr ? nexpr : 1));
        s->sel = k_alloc(a, 2 * K_VECTOR_SIZE);
        s->heap = k_arena_create(a, "stage heap");
        s->view.cols = k_alloc(a, sizeof(KVector) * (nviewcols ? nviewcols : 1));
        if (!s->ev || !s->sel || !s->heap || !s->view.cols) return k_error_oom(err, a, 4096);
        for (uint32_t i = 0; i < nexpr; i++)
            if (ex__eval_compile(a, exprs[i], x->rc->params, x->rc->nparams, &s->ev[i], err))
                return K_ERR;
    }
    return K_OK;
}

static int
filter_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Stage *st = (Stage *)c;
    StageTls *s = &st->tls[tid];
    k_arena_reset(s->heap);
    uint32_t n;
    if (ex__select(s->ev[0], b, b->sel, k_batch_rows(b), s->heap, s->sel, &n, err)) return K_ERR;
    if (!n) return K_OK;
    b->sel = s->sel;
    b->nsel = n;
    return st->next->push(st->next, tid, b, err);
}

int
ex__produce_filter(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    Stage *st = k_alloc0(x->arena, sizeof *st);
    if (!st) return k_error_oom(err, x->arena, sizeof *st);
    st->base.push = filter_push;
    if (stage_init(x, p, c, 1, &p->u.filter.pred, 0, st, err)) return K_ERR;
    return ex__produce(x, p->left, &st->base, err);
}

static int
project_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Stage *st = (Stage *)c;
    StageTls *s = &st->tls[tid];
    const ExPlan *p = st->p;
    k_arena_reset(s->heap);
    uint32_t n = k_batch_rows(b);
    KBatch *v = &s->view;
    for (uint32_t i = 0; i < p->u.project.nexprs; i++) {
        KVector *r;
        if (ex__eval(s->ev[i], b, b->sel, n, s->heap, &r, err)) return K_ERR;
        v->cols[i] = *r;
    }
    v->ncols = p->u.project.nexprs;
    v->count = b->count;
    v->sel = b->sel;
    v->nsel = b->nsel;
    v->heap = s->heap;
    v->arena = b->arena;
    return st->next->push(st->next, tid, v, err);
}

int
ex__produce_project(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    Stage *st = k_alloc0(x->arena, sizeof *st);
    if (!st) return k_error_oom(err, x->arena, sizeof *st);
    st->base.push = project_push;
    if (stage_init(x, p, c, p->u.project.nexprs, p->u.project.exprs, p->u.project.nexprs, st, err))
        return K_ERR;
    return ex__produce(x, p->left, &st->base, err);
}

/* ------------------------------------------------------------------ */
/* Limit                                                                */
/* ------------------------------------------------------------------ */
typedef struct LimitStage {
    ExConsumer base;
    ExConsumer *next;
    pthread_mutex_t mu;
    int64_t skip; /* rows still to skip */
    int64_t left; /* rows still to pass, -1 = unlimited */
    volatile int done;
    uint16_t **sel;
} LimitStage;

static int
limit_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    LimitStage *ls = (LimitStage *)c;
    uint32_t n = k_batch_rows(b);
    int64_t skip, take;
    pthread_mutex_lock(&ls->mu);
    skip = K_MIN(ls->skip, (int64_t)n);
    ls->skip -= skip;
    take = (int64_t)n - skip;
    if (ls->left >= 0) {
        take = K_MIN(take, ls->left);
        ls->left -= take;
        if (ls->left == 0) ls->done = 1;
    }
    pthread_mutex_unlock(&ls->mu);
    if (take <= 0) return K_OK;
    if (skip == 0 && take == (int64_t)n) return ls->next->push(ls->next, tid, b, err);
    uint16_t *sel = ls->sel[tid];
    for (int64_t i = 0; i < take; i++) sel[i] = (uint16_t)k_batch_row(b, (uint32_t)(skip + i));
    b->sel = sel;
    b->nsel = (uint32_t)take;
    return ls->next->push(ls->next, tid, b, err);
}

int
ex__produce_limit(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    LimitStage *ls = k_alloc0(x->arena, sizeof *ls);
    if (!ls) return k_error_oom(err, x->arena, sizeof *ls);
    ls->base.push = limit_push;
    ls->base.stop = &ls->done;
    ls->next = c;
    pthread_mutex_init(&ls->mu, NULL);
    ls->skip = p->u.limit.offset > 0 ? p->u.limit.offset : 0;
    ls->left = p->u.limit.limit;
    ls->sel = k_alloc(x->arena, sizeof(uint16_t *) * x->nthreads);
    if (!ls->sel) return k_error_oom(err, x->arena, 64);
    for (uint32_t t = 0; t < x->nthreads; t++)
        if (!(ls->sel[t] = k_alloc(x->tarena[t], 2 * K_VECTOR_SIZE)))
            return k_error_oom(err, x->tarena[t], 4096);
    if (ls->left == 0) return K_OK;
    int rc = ex__produce(x, p->left, &ls->base, err);
    pthread_mutex_destroy(&ls->mu);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Values and exchange source                                           */
/* ------------------------------------------------------------------ */
int
ex__produce_values(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    KBatch *b = ex__batch_new(x->arena, p->ncols, p->types, err);
    if (!b) return K_ERR;
    uint32_t nrows = p->u.values.nrows;
    for (uint32_t r = 0; r < nrows; r++) {
        uint32_t row = b->count;
        for (uint32_t col = 0; col < p->ncols; col++) {
            ExValue v;
            bool isnull;
            const ExExpr *e = p->u.values.cells[(size_t)r * p->ncols + col];
            if (ex_expr_eval_const(e, x->rc->params, x->rc->nparams, b->heap, &v, &isnull, err))
                return K_ERR;
            KVector src = {e->type, K_VEC_CONST, &v, NULL};
            uint64_t vw = isnull ? 0 : 1;
            src.validity = &vw;
            KVector *dst = &b->cols[col];
            if (!k_type_equal(e->type, dst->type) && !isnull) {
                /* bring the cell to the column type (e.g. decimal scales) */
                ExValue cv;
                KVector cvv = {dst->type, K_VEC_CONST, &cv, NULL};
                if (ex__cast(e->type, &src, dst->type, &cvv, NULL, 1, b->heap, e->pos, err))
                    return K_ERR;
                src = cvv;
                src.validity = &vw;
            }
            if (ex__vec_set(dst, row, &src, 0, b->arena, NULL, err)) return K_ERR;
        }
        b->count++;
        if (b->count == K_VECTOR_SIZE || r + 1 == nrows) {
            if (ex__emit(x, p, c, b, err)) return K_ERR;
            k_batch_reset(b);
        }
    }
    return K_OK;
}

/* Every thread takes the next batch under a lock (copying it first when
 * the runtime's batches do not persist) and pushes it with its own tid. */
static int
exchange_parallel(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    uint32_t nt = x->nthreads;
    bool persist = x->rc->recv_batches_persist;
    pthread_mutex_t mu;
    pthread_mutex_init(&mu, NULL);
    bool eof = false;
    KArena **heaps = k_alloc0(x->arena, sizeof(KArena *) * nt);
    if (!heaps) return k_error_oom(err, x->arena, 64);
    for (uint32_t t = 0; t < nt; t++)
        if (!(heaps[t] = k_arena_create(x->tarena[t], "exchange copies")))
            return k_error_oom(err, x->tarena[t], 4096);
#pragma omp parallel num_threads(nt)
    {
        uint32_t tid = (uint32_t)omp_get_thread_num();
        KErr lerr;
        k_err_clear(&lerr);
        for (;;) {
            if (ex__check(x, &lerr) || ex__stopped(c)) break;
            KBatch *b = NULL, *mine = NULL;
            bool has_rows = false;
            int rc = K_OK;
            pthread_mutex_lock(&mu);
            if (!eof) {
                rc = x->rc->recv(x->rc->rctx, p->u.exchange.exchange_id, &b, &lerr);
                if (rc == K_OK && !b) eof = true;
                /* read the row count under the lock: without persistence the
                 * runtime may free `b` at another thread's next recv */
                has_rows = rc == K_OK && b && k_batch_rows(b);
                if (has_rows && !persist) rc = ex_batch_copy(heaps[tid], b, &mine, &lerr);
            }
            pthread_mutex_unlock(&mu);
            if (rc != K_OK) {
                ex__fail(x, &lerr);
                break;
            }
            if (!b) break;
            if (has_rows) {
                KBatch view = persist ? *b : *mine;
                if (c->push(c, tid, &view, &lerr)) {
                    ex__fail(x, &lerr);
                    k_batch_destroy(mine);
                    break;
                }
            }
            k_batch_destroy(mine);
        }
    }
    pthread_mutex_destroy(&mu);
    for (uint32_t t = 0; t < nt; t++) k_arena_destroy(heaps[t]);
    return ex__check(x, err);
}

int
ex__produce_exchange(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    if (!x->rc->recv) return k_error(err, K_INTERNAL_ERROR, "no exchange receiver in this context");
    if (x->parallel_exchange && x->nthreads > 1) return exchange_parallel(x, p, c, err);
    for (;;) {
        KBatch *b = NULL;
        if (ex__check(x, err)) return K_ERR;
        if (ex__stopped(c)) break;
        if (x->rc->recv(x->rc->rctx, p->u.exchange.exchange_id, &b, err)) return K_ERR;
        if (!b) break;
        if (!k_batch_rows(b)) continue;
        KBatch view = *b; /* operators may narrow the selection: never the runtime's copy */
        if (c->push(c, 0, &view, err)) return K_ERR;
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Fragment entry point                                                 */
/* ------------------------------------------------------------------ */
typedef struct SinkConsumer {
    ExConsumer base;
    ExSink *out;
    pthread_mutex_t mu;
} SinkConsumer;

static int
sink_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    SinkConsumer *s = (SinkConsumer *)c;
    if (!k_batch_rows(b)) return K_OK;
    /* parallel scans and breakers push from several threads; the runtime's
     * sink sees one batch at a time */
    pthread_mutex_lock(&s->mu);
    int rc = s->out->push(s->out->ctx, b, err);
    pthread_mutex_unlock(&s->mu);
    (void)tid;
    return rc;
}

static void
max_rf_id(const ExPlan *p, int32_t *m)
{
    if (!p) return;
    if (p->kind == EX_OP_HASH_JOIN && p->u.join.rf_produce > *m) *m = p->u.join.rf_produce;
    if (p->kind == EX_OP_SCAN)
        for (uint32_t i = 0; i < p->u.scan.nrf; i++)
            if ((int32_t)p->u.scan.rfs[i].id > *m) *m = (int32_t)p->u.scan.rfs[i].id;
    max_rf_id(p->left, m);
    max_rf_id(p->right, m);
}

/* True when the rows' order cannot matter below the top of plan p: under
 * projections and filters sits a sort or an aggregate, which sees all rows
 * before it emits any. */
static bool
order_free_top(const ExPlan *p)
{
    while (p && (p->kind == EX_OP_PROJECT || p->kind == EX_OP_FILTER)) p = p->left;
    return p && (p->kind == EX_OP_SORT || p->kind == EX_OP_HASH_AGG);
}

int
ex_fragment_run(ExRunCtx *ctx, const ExFragment *f, ExSink *out, KErr *err)
{
    ExExec x;
    memset(&x, 0, sizeof x);
    x.rc = ctx;
    x.arena = k_arena_create(ctx->arena, "fragment");
    if (!x.arena) return k_error_oom(err, ctx->arena, 4096);
    if (ctx->mem_limit) k_arena_set_limit(x.arena, ctx->mem_limit);
    pthread_mutex_init(&x.lock, NULL);
    int rc = K_ERR;
    uint32_t nt = ctx->nthreads ? ctx->nthreads : (uint32_t)omp_get_max_threads();
    if (nt < 1) nt = 1;
    if (nt > EX_MAX_THREADS) nt = EX_MAX_THREADS;
    x.nthreads = nt;
    for (uint32_t t = 0; t < nt; t++) {
        if (!(x.tarena[t] = k_arena_create(x.arena, "exec thread"))) {
            k_error_oom(err, x.arena, 4096);
            goto done;
        }
    }
    /* the root fragment reads its exchanges in arrival order on one thread,
     * unless a sort or an aggregate on top reorders everything anyway */
    x.parallel_exchange = f->has_output || order_free_top(f->root);
    int32_t mrf = -1;
    max_rf_id(f->root, &mrf);
    if (mrf >= 0) {
        x.nrf = (uint32_t)mrf + 1;
        x.rf = k_alloc0(x.arena, sizeof(ExRf *) * x.nrf);
        if (!x.rf) {
            k_error_oom(err, x.arena, sizeof(ExRf *) * x.nrf);
            goto done;
        }
    }
    SinkConsumer sc;
    sc.base.push = sink_push;
    sc.base.stop = NULL;
    sc.out = out;
    pthread_mutex_init(&sc.mu, NULL);
    if (ex__produce(&x, f->root, &sc.base, err)) {
        pthread_mutex_destroy(&sc.mu);
        goto done;
    }
    pthread_mutex_destroy(&sc.mu);
    if (ex__check(&x, err)) goto done;
    if (out->finish && out->finish(out->ctx, err)) goto done;
    rc = K_OK;
done:
    if (ctx->stats && f->root && f->root->id < ctx->nstats)
        ex__stat_mem(&x, f->root, k_arena_peak(x.arena));
    k_arena_destroy(x.arena);
    pthread_mutex_destroy(&x.lock);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Exchange helpers                                                     */
/* ------------------------------------------------------------------ */
void
ex_route_hash(const KBatch *b, uint32_t nkeys, const uint32_t *key_cols, uint32_t nconsumers,
              uint32_t *out)
{
    uint32_t n = k_batch_rows(b);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t row = k_batch_row(b, i);
        uint64_t h = 0;
        for (uint32_t k = 0; k < nkeys; k++) {
            const KVector *v = &b->cols[key_cols[k]];
            h = st_dist_hash_combine(h, st_dist_hash_value(v->type, k_vec_slot(v, row),
                                                           !k_vec_is_valid(v, row)));
        }
        out[i] = nconsumers <= 1 ? 0 : st_dist_worker(h, nconsumers);
    }
}

static int
copy_rows(KBatch *dst, const KBatch *src, const uint16_t *rows, uint32_t n, KErr *err)
{
    for (uint32_t c = 0; c < src->ncols; c++) {
        if (ex__vec_copy_rows(&dst->cols[c], NULL, &src->cols[c], rows, n, dst->arena, err))
            return K_ERR;
        if (k_type_is_string(src->cols[c].type)) {
            KStr *s = dst->cols[c].data;
            for (uint32_t i = 0; i < n; i++)
                if (ex__str_own(dst->heap, &s[i], err)) return K_ERR;
        }
    }
    dst->count = n;
    return K_OK;
}

int
ex_batch_copy(KArena *parent, const KBatch *src, KBatch **out, KErr *err)
{
    KType types[64];
    KType *tp = types;
    if (src->ncols > 64) {
        tp = k_alloc(parent, sizeof(KType) * src->ncols);
        if (!tp) return k_error_oom(err, parent, sizeof(KType) * src->ncols);
    }
    for (uint32_t c = 0; c < src->ncols; c++) tp[c] = src->cols[c].type;
    KBatch *b = k_batch_create(parent, src->ncols, tp, err);
    if (!b) return K_ERR;
    uint16_t rows[K_VECTOR_SIZE];
    uint32_t n = k_batch_rows(src);
    for (uint32_t i = 0; i < n; i++) rows[i] = (uint16_t)k_batch_row(src, i);
    if (copy_rows(b, src, rows, n, err)) {
        k_batch_destroy(b);
        return K_ERR;
    }
    *out = b;
    return K_OK;
}

int
ex_batch_partition(KArena *parent, const KBatch *b, uint32_t nkeys, const uint32_t *key_cols,
                   uint32_t n, KBatch **outs, KErr *err)
{
    uint32_t rows = k_batch_rows(b);
    uint32_t dest[K_VECTOR_SIZE];
    uint16_t pick[K_VECTOR_SIZE];
    ex_route_hash(b, nkeys, key_cols, n, dest);
    for (uint32_t w = 0; w < n; w++) outs[w] = NULL;
    for (uint32_t w = 0; w < n; w++) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < rows; i++)
            if (dest[i] == w) pick[k++] = (uint16_t)k_batch_row(b, i);
        if (!k) continue;
        KBatch view = *b;
        view.sel = pick;
        view.nsel = k;
        if (ex_batch_copy(parent, &view, &outs[w], err)) {
            for (uint32_t j = 0; j < w; j++) k_batch_destroy(outs[j]);
            return K_ERR;
        }
    }
    return K_OK;
}
