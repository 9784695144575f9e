/*
 * scan.c — morsel-driven scans with partition and zone-map pruning, and the
 * statistics readers (st_table_stats, st_column_stats, st_column_bytes,
 * st_analyze).
 *
 * Interface routines: st_scan_open, st_scan_add_range_filter,
 * st_scan_add_runtime_filter, st_scan_next_morsel, st_morsel_read,
 * st_morsel_rows, st_morsel_partition, st_morsel_close, st_scan_types,
 * st_scan_counters, st_scan_filter_counters, st_scan_close,
 * st_table_stats, st_column_stats, st_column_bytes, st_analyze.
 *
 * Notes: st_scan_open takes a snapshot (a reference on every segment of
 * the partitions kept) under the database lock; afterwards the scan never
 * touches the catalog. Morsels are handed out by an atomic cursor over the
 * list of (segment, row group); zone maps are tested there, so runtime
 * filters added after open still prune. A runtime filter on the partition
 * column also prunes whole partitions by their bounds when it is added
 * (dynamic partition pruning). Each skip is charged to the first pushed
 * predicate or runtime filter that excludes the row group, for EXPLAIN
 * ANALYZE. A morsel reads only the chunks of the requested columns,
 * verifies each chunk's checksum before decoding, and decodes whole chunks
 * into its own arena; st_morsel_read then copies K_VECTOR_SIZE-row slices
 * into the caller's batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "storage/storage_int.h"

#define ST_MAX_RUNTIME_FILTERS 64

typedef struct ScanItem {
    StSegment *seg;
    uint32_t rg;
    uint32_t part_id;
    uint32_t pidx; /* index into StScan.parts */
} ScanItem;

/* A partition the scan kept at open: its bounds, for dynamic pruning. */
typedef struct ScanPart {
    StPartitionDef def;
    atomic_int pruned_by; /* runtime filter slot that pruned it, -1 = none */
} ScanPart;

struct StScan {
    StDb *db;
    KArena *arena;
    uint32_t table_id;
    uint32_t ncols;
    uint32_t *cols;
    KType *types;      /* output types */
    KType *ttypes;     /* all table column types */
    uint32_t tncols;
    uint32_t npreds;
    StPred *preds;
    pthread_mutex_t rf_lock;
    StPred rf[ST_MAX_RUNTIME_FILTERS];
    atomic_uint nrf;
    uint32_t nitems;
    ScanItem *items;
    uint32_t nsegs;
    StSegment **segs;
    int32_t part_col;  /* table's partition column, -1 = none */
    uint32_t nparts;
    ScanPart *parts;
    atomic_uint_fast64_t next;
    atomic_uint_fast64_t c_parts_total, c_parts_skipped, c_rg_total, c_rg_read, c_rg_skipped,
        c_rows, c_bytes, c_rg_skipped_rf, c_rows_skipped_rf, c_parts_skipped_rf;
    /* per runtime filter slot */
    atomic_uint_fast64_t rf_rg_skipped[ST_MAX_RUNTIME_FILTERS];
    atomic_uint_fast64_t rf_rows_skipped[ST_MAX_RUNTIME_FILTERS];
    atomic_uint_fast64_t rf_parts_skipped[ST_MAX_RUNTIME_FILTERS];
};

struct StMorsel {
    StScan *scan;
    KArena *arena;
    uint32_t rows, pos;
    uint32_t part_id;
    StDecoded *cols;
};

/* ---------------------------------------------------------------- */
/* Zone-map tests                                                     */
/* ---------------------------------------------------------------- */
/* Can any row of a zone (rows rows) satisfy pred? lo_inf/hi_inf say that
 * the zone's min/max are unbounded (partition bounds; truncated strings). */
static bool
zone_may_match(const StPred *p, KType t, const StZone *z, uint64_t rows, bool hi_open)
{
    if (p->op == ST_PRED_IS_NULL) return z->nulls > 0;
    if (p->op == ST_PRED_IS_NOT_NULL) return z->nulls < rows;
    if (z->nulls >= rows) return false; /* only NULLs: no comparison is true */
    if (!z->has_minmax) return true;     /* unknown range */
    bool maxinf = hi_open || z->max_trunc;
#define LT_MIN(d) (st_datum_cmp(t, (d), &z->min) < 0)
#define GT_MAX(d) (!maxinf && st_datum_cmp(t, (d), &z->max) > 0)
    switch (p->op) {
    case ST_PRED_EQ: return !LT_MIN(&p->a) && !GT_MAX(&p->a);
    case ST_PRED_NE:
        return maxinf || st_datum_cmp(t, &z->min, &z->max) != 0 || st_datum_cmp(t, &p->a, &z->min) != 0;
    case ST_PRED_LT: return st_datum_cmp(t, &z->min, &p->a) < 0;
    case ST_PRED_LE: return st_datum_cmp(t, &z->min, &p->a) <= 0;
    case ST_PRED_GT: return maxinf || st_datum_cmp(t, &z->max, &p->a) > 0;
    case ST_PRED_GE: return maxinf || st_datum_cmp(t, &z->max, &p->a) >= 0;
    case ST_PRED_BETWEEN: return !GT_MAX(&p->a) && !LT_MIN(&p->b) && st_datum_cmp(t, &p->a, &p->b) <= 0;
    case ST_PRED_IN:
        for (uint32_t i = 0; i < p->nlist; i++)
            if (!LT_MIN(&p->list[i]) && !GT_MAX(&p->list[i])) return true;
        return false;
    default: return true;
    }
#undef LT_MIN
#undef GT_MAX
}

/* Partition bounds as a zone: [lo, hi - 1]; missing bounds are open. */
static bool
bounds_may_match(const StPred *p, KType t, const StPartitionDef *d)
{
    if (p->op == ST_PRED_IS_NULL) return false; /* NULL keys have no partition */
    if (p->op == ST_PRED_IS_NOT_NULL) return true;
    StZone z;
    memset(&z, 0, sizeof z);
    z.has_minmax = true;
    z.min.u.i64 = d->has_lo ? d->lo.u.i64 : INT64_MIN;
    z.max.u.i64 = d->has_hi ? d->hi.u.i64 - 1 : INT64_MAX;
    return zone_may_match(p, t, &z, 1, !d->has_hi);
}

/* ---------------------------------------------------------------- */
/* Open / close                                                       */
/* ---------------------------------------------------------------- */
static int
copy_datum(KArena *a, KType t, const StDatum *src, StDatum *dst)
{
    *dst = *src;
    if (st__phys(t) == ST_PHYS_STR && src->u.str.len > K_STR_INLINE)
        if (!k_str_copy(a, k_str_data(&src->u.str), src->u.str.len, &dst->u.str)) return K_ERR;
    return K_OK;
}

static int
copy_pred(KArena *a, KType t, const StPred *src, StPred *dst)
{
    *dst = *src;
    if (copy_datum(a, t, &src->a, &dst->a) != K_OK || copy_datum(a, t, &src->b, &dst->b) != K_OK)
        return K_ERR;
    if (src->op == ST_PRED_IN) {
        StDatum *l = k_alloc(a, sizeof(StDatum) * (src->nlist + 1));
        if (!l) return K_ERR;
        for (uint32_t i = 0; i < src->nlist; i++)
            if (copy_datum(a, t, &src->list[i], &l[i]) != K_OK) return K_ERR;
        dst->list = l;
    }
    return K_OK;
}

static bool
part_requested(const StScanOptions *o, uint32_t id)
{
    if (!o->part_ids || o->npart_ids == 0) return true;
    for (uint32_t i = 0; i < o->npart_ids; i++)
        if (o->part_ids[i] == id) return true;
    return false;
}

static bool
seg_wanted(const uint64_t *only, uint32_t nonly, uint64_t id)
{
    if (!only) return true;
    for (uint32_t i = 0; i < nonly; i++)
        if (only[i] == id) return true;
    return false;
}

static int
scan_open(StDb *db, uint32_t table_id, const StScanOptions *opts, const uint64_t *only, uint32_t nonly,
          KArena *arena, StScan **out, KErr *err);

int
st_scan_open(StDb *db, uint32_t table_id, const StScanOptions *opts, KArena *arena, StScan **out,
             KErr *err)
{
    return scan_open(db, table_id, opts, NULL, 0, arena, out, err);
}

int
st__scan_open_segments(StDb *db, uint32_t table_id, const StScanOptions *opts, const uint64_t *ids,
                       uint32_t nids, KArena *arena, StScan **out, KErr *err)
{
    return scan_open(db, table_id, opts, ids, nids, arena, out, err);
}

/* The scan of st_scan_open; with `only`, just those segments. */
static int
scan_open(StDb *db, uint32_t table_id, const StScanOptions *opts, const uint64_t *only, uint32_t nonly,
          KArena *arena, StScan **out, KErr *err)
{
    *out = NULL;
    KArena *a = k_arena_create(arena, "scan");
    if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    StScan *s = k_alloc0(a, sizeof *s);
    if (!s) {
        k_arena_destroy(a);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    s->db = db;
    s->arena = a;
    s->table_id = table_id;
    pthread_mutex_init(&s->rf_lock, NULL);
    int rc = K_ERR;
    pthread_mutex_lock(&db->lock);
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        k_error(err, K_UNDEFINED_TABLE, "table with id %u does not exist", table_id);
        goto done;
    }
    s->tncols = t->def.ncols;
    s->ncols = opts->ncols;
    s->cols = k_alloc(a, sizeof(uint32_t) * (opts->ncols + 1));
    s->types = k_alloc(a, sizeof(KType) * (opts->ncols + 1));
    s->ttypes = k_alloc(a, sizeof(KType) * s->tncols);
    s->preds = k_alloc(a, sizeof(StPred) * (opts->npreds + 1));
    if (!s->cols || !s->types || !s->ttypes || !s->preds) goto oom;
    for (uint32_t c = 0; c < s->tncols; c++) s->ttypes[c] = t->def.cols[c].type;
    for (uint32_t i = 0; i < opts->ncols; i++) {
        if (opts->cols[i] >= s->tncols) {
            k_error(err, K_UNDEFINED_COLUMN, "column %u of relation \"%s\" does not exist", opts->cols[i],
                    t->def.name);
            goto done;
        }
        s->cols[i] = opts->cols[i];
        s->types[i] = s->ttypes[opts->cols[i]];
    }
    for (uint32_t i = 0; i < opts->npreds; i++) {
        if (opts->preds[i].col >= s->tncols) {
            k_error(err, K_UNDEFINED_COLUMN, "column %u of relation \"%s\" does not exist",
                    opts->preds[i].col, t->def.name);
            goto done;
        }
        if (copy_pred(a, s->ttypes[opts->preds[i].col], &opts->preds[i], &s->preds[i]) != K_OK) goto oom;
    }
    s->npreds = opts->npreds;
    /* partitions */
    uint32_t nitems = 0, nsegs = 0;
    for (uint32_t pi = 0; pi < t->nparts; pi++) {
        StPartition *p = t->parts[pi];
        if (!part_requested(opts, p->def.id)) continue;
        for (uint32_t k = 0; k < p->nsegs; k++) nitems += p->segs[k]->nrg + (p->segs[k]->corrupt ? 1 : 0);
        nsegs += p->nsegs;
    }
    s->items = k_alloc(a, sizeof(ScanItem) * (nitems + 1));
    s->segs = k_alloc(a, sizeof(StSegment *) * (nsegs + 1));
    s->parts = k_alloc0(a, sizeof(ScanPart) * (t->nparts + 1));
    if (!s->items || !s->segs || !s->parts) goto oom;
    s->part_col = t->def.part_col;
    for (uint32_t pi = 0; pi < t->nparts; pi++) {
        StPartition *p = t->parts[pi];
        if (!part_requested(opts, p->def.id)) continue;
        atomic_fetch_add(&s->c_parts_total, 1);
        bool keep = true;
        for (uint32_t k = 0; k < s->npreds && keep; k++) {
            const StPred *pr = &s->preds[k];
            KType ty = s->ttypes[pr->col];
            if (t->def.part_col >= 0 && (int32_t)pr->col == t->def.part_col &&
                !bounds_may_match(pr, ty, &p->def))
                keep = false;
            else if (p->rows > 0 && !zone_may_match(pr, ty, &p->stats[pr->col].zone, p->rows, false))
                keep = false;
        }
        if (!keep) {
            atomic_fetch_add(&s->c_parts_skipped, 1);
            continue;
        }
        uint32_t pidx = s->nparts++;
        s->parts[pidx].def = p->def;
        atomic_init(&s->parts[pidx].pruned_by, -1);
        for (uint32_t k = 0; k < p->nsegs; k++) {
            StSegment *seg = p->segs[k];
            if (!seg_wanted(only, nonly, seg->id)) continue;
            st__segment_ref(seg);
            s->segs[s->nsegs++] = seg;
            if (seg->corrupt) {
                s->items[s->nitems++] = (ScanItem){seg, UINT32_MAX, p->def.id, pidx};
                continue;
            }
            for (uint32_t g = 0; g < seg->nrg; g++)
                s->items[s->nitems++] = (ScanItem){seg, g, p->def.id, pidx};
            atomic_fetch_add(&s->c_rg_total, seg->nrg);
        }
    }
    rc = K_OK;
    goto done;
oom:
    k_error(err, K_OUT_OF_MEMORY, "out of memory");
done:
    pthread_mutex_unlock(&db->lock);
    if (rc != K_OK) {
        st_scan_close(s);
        return K_ERR;
    }
    *out = s;
    return K_OK;
}

void
st_scan_close(StScan *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->nsegs; i++) st__segment_unref(s->segs[i]);
    unsigned nrf = atomic_load(&s->nrf);
    for (unsigned i = 0; i < nrf; i++) {
        if (st__phys(s->ttypes[s->rf[i].col]) != ST_PHYS_STR) continue;
        StZone z = {.has_minmax = true, .min = s->rf[i].a, .max = s->rf[i].b};
        st__zone_free(&z, ST_PHYS_STR);
    }
    pthread_mutex_destroy(&s->rf_lock);
    k_arena_destroy(s->arena);
}

uint32_t
st__scan_segments(const StScan *s, uint64_t **ids, KArena *a)
{
    *ids = k_alloc(a, sizeof(uint64_t) * (s->nsegs + 1));
    if (!*ids) return UINT32_MAX;
    for (uint32_t i = 0; i < s->nsegs; i++) (*ids)[i] = s->segs[i]->id;
    return s->nsegs;
}

const KType *
st_scan_types(const StScan *s)
{
    return s->types;
}

void
st_scan_counters(const StScan *s, StScanCounters *o)
{
    StScan *m = (StScan *)s;
    o->partitions_total = atomic_load(&m->c_parts_total);
    o->partitions_skipped = atomic_load(&m->c_parts_skipped);
    o->row_groups_total = atomic_load(&m->c_rg_total);
    o->row_groups_read = atomic_load(&m->c_rg_read);
    o->row_groups_skipped = atomic_load(&m->c_rg_skipped);
    o->rows_read = atomic_load(&m->c_rows);
    o->bytes_read = atomic_load(&m->c_bytes);
    o->row_groups_skipped_rf = atomic_load(&m->c_rg_skipped_rf);
    o->rows_skipped_rf = atomic_load(&m->c_rows_skipped_rf);
    o->partitions_skipped_rf = atomic_load(&m->c_parts_skipped_rf);
}

void
st_scan_filter_counters(const StScan *s, int32_t slot, StFilterCounters *o)
{
    StScan *m = (StScan *)s;
    memset(o, 0, sizeof *o);
    if (slot < 0 || slot >= ST_MAX_RUNTIME_FILTERS) return;
    o->row_groups_skipped = atomic_load(&m->rf_rg_skipped[slot]);
    o->rows_skipped = atomic_load(&m->rf_rows_skipped[slot]);
    o->partitions_skipped = atomic_load(&m->rf_parts_skipped[slot]);
}

int
st_scan_add_range_filter(StScan *s, uint32_t col, StDatum lo, StDatum hi, KErr *err)
{
    int32_t slot;
    return st_scan_add_runtime_filter(s, col, lo, hi, &slot, err);
}

/* Dynamic partition pruning: partitions whose bounds cannot hold filter
 * `slot`'s range are marked; their row groups are skipped when met. */
static void
prune_partitions(StScan *s, int32_t slot)
{
    const StPred *p = &s->rf[slot];
    if (s->part_col < 0 || (int32_t)p->col != s->part_col) return;
    for (uint32_t i = 0; i < s->nparts; i++) {
        ScanPart *sp = &s->parts[i];
        if (atomic_load(&sp->pruned_by) >= 0) continue;
        if (bounds_may_match(p, s->ttypes[p->col], &sp->def)) continue;
        int none = -1;
        if (atomic_compare_exchange_strong(&sp->pruned_by, &none, slot)) {
            atomic_fetch_add(&s->c_parts_skipped_rf, 1);
            atomic_fetch_add(&s->rf_parts_skipped[slot], 1);
        }
    }
}

int
st_scan_add_runtime_filter(StScan *s, uint32_t col, StDatum lo, StDatum hi, int32_t *slot,
                           KErr *err)
{
    *slot = -1;
    if (col >= s->tncols) return k_error(err, K_UNDEFINED_COLUMN, "column %u does not exist", col);
    pthread_mutex_lock(&s->rf_lock);
    unsigned n = atomic_load(&s->nrf);
    int rc = K_OK;
    if (n < ST_MAX_RUNTIME_FILTERS) {
        /* strings in runtime filters are copied into a child arena: the
         * scan arena belongs to the opening thread */
        StPred p;
        memset(&p, 0, sizeof p);
        p.col = col;
        p.op = ST_PRED_BETWEEN;
        p.a = lo;
        p.b = hi;
        if (st__phys(s->ttypes[col]) == ST_PHYS_STR) {
            StDatum *d[2] = {&p.a, &p.b};
            /* a bound longer than a zone-map string could prune wrongly
             * against cut zone maps: such filters are dropped */
            if (p.a.u.str.len > ST_ZONE_STR_MAX || p.b.u.str.len > ST_ZONE_STR_MAX) goto out;
            for (int i = 0; i < 2; i++) st__zone_set_str(d[i], k_str_data(&d[i]->u.str), d[i]->u.str.len, NULL);
        }
        s->rf[n] = p;
        atomic_store(&s->nrf, n + 1);
        *slot = (int32_t)n;
        prune_partitions(s, (int32_t)n);
    }
out:
    pthread_mutex_unlock(&s->rf_lock);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Morsels                                                            */
/* ---------------------------------------------------------------- */
/* RG_MATCH when a row group may hold matching rows, RG_PRED when a pushed
 * predicate excludes it, else the slot of the runtime filter that does. */
#define RG_MATCH (-2)
#define RG_PRED (-1)
static int32_t
rg_may_match(StScan *s, const StRowGroup *rg)
{
    for (uint32_t k = 0; k < s->npreds; k++) {
        const StPred *p = &s->preds[k];
        if (!zone_may_match(p, s->ttypes[p->col], &rg->chunks[p->col].zone, rg->rows, false))
            return RG_PRED;
    }
    unsigned nrf = atomic_load(&s->nrf);
    for (unsigned k = 0; k < nrf; k++) {
        const StPred *p = &s->rf[k];
        if (!zone_may_match(p, s->ttypes[p->col], &rg->chunks[p->col].zone, rg->rows, false))
            return (int32_t)k;
    }
    return RG_MATCH;
}

static void
count_rf_skip(StScan *s, int32_t slot, uint64_t rows)
{
    atomic_fetch_add(&s->c_rg_skipped_rf, 1);
    atomic_fetch_add(&s->c_rows_skipped_rf, rows);
    atomic_fetch_add(&s->rf_rg_skipped[slot], 1);
    atomic_fetch_add(&s->rf_rows_skipped[slot], rows);
}

int
st_scan_next_morsel(StScan *s, StMorsel **out, KErr *err)
{
    *out = NULL;
    for (;;) {
        uint64_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->nitems) return K_OK;
        ScanItem *it = &s->items[i];
        StSegment *seg = it->seg;
        if (it->rg == UINT32_MAX)
            return k_error(err, K_DATA_CORRUPTED, "data corrupted: segment file \"%s\" is damaged",
                           seg->path);
        const StRowGroup *rg = &seg->rgs[it->rg];
        int32_t why = atomic_load(&s->parts[it->pidx].pruned_by);
        if (why < 0) why = rg_may_match(s, rg);
        if (why != RG_MATCH) {
            atomic_fetch_add(&s->c_rg_skipped, 1);
            if (why >= 0) count_rf_skip(s, why, rg->rows);
            continue;
        }
        atomic_fetch_add(&s->c_rg_read, 1);
        atomic_fetch_add(&s->c_rows, rg->rows);
        KArena *a = k_arena_create(s->arena, "morsel");
        if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        StMorsel *m = k_alloc0(a, sizeof *m);
        if (m) m->cols = k_alloc0(a, sizeof(StDecoded) * (s->ncols + 1));
        if (!m || !m->cols) {
            k_arena_destroy(a);
            return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        }
        m->scan = s;
        m->arena = a;
        m->rows = rg->rows;
        m->part_id = it->part_id;
        /* one open per morsel keeps descriptors bounded however many
         * segments a table has; the file stays until the scan's reference
         * on the segment goes, even if the table is dropped meanwhile */
        int fd = open(seg->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int e = errno;
            k_arena_destroy(a);
            return k_error(err, K_DATA_CORRUPTED, "data corrupted: could not open segment file \"%s\": %s",
                           seg->path, strerror(e));
        }
        for (uint32_t c = 0; c < s->ncols; c++) {
            uint32_t col = s->cols[c];
            const StChunkMeta *cm = &rg->chunks[col];
            uint8_t *buf = k_alloc(a, cm->stored_len + 16);
            if (!buf) {
                close(fd);
                k_arena_destroy(a);
                return k_error(err, K_OUT_OF_MEMORY, "out of memory");
            }
            if (st__pread_full(fd, buf, cm->stored_len, cm->offset) != K_OK) {
                close(fd);
                k_arena_destroy(a);
                return k_error(err, K_DATA_CORRUPTED, "data corrupted: could not read %u bytes at offset %llu of \"%s\"",
                               cm->stored_len, (unsigned long long)cm->offset, seg->path);
            }
            atomic_fetch_add(&s->c_bytes, cm->stored_len);
            if (st__hash64(buf, cm->stored_len, 0x4b43) != cm->checksum) {
                close(fd);
                k_arena_destroy(a);
                k_error(err, K_DATA_CORRUPTED, "data corrupted: checksum mismatch in segment \"%s\"",
                        seg->path);
                k_err_detail(err, "Row group %u, column %u, %u bytes at offset %llu.", it->rg, col,
                             cm->stored_len, (unsigned long long)cm->offset);
                return K_ERR;
            }
            if (st__chunk_decode(cm, s->ttypes[col], rg->rows, buf, a, &m->cols[c], err) != K_OK) {
                close(fd);
                k_arena_destroy(a);
                return K_ERR;
            }
        }
        close(fd);
        *out = m;
        return K_OK;
    }
}

int
st_morsel_read(StMorsel *m, KBatch *b, uint32_t *rows, KErr *err)
{
    StScan *s = m->scan;
    uint32_t n = K_MIN((uint32_t)K_VECTOR_SIZE, m->rows - m->pos);
    *rows = n;
    b->count = n;
    b->sel = NULL;
    b->nsel = 0;
    if (n == 0) return K_OK;
    if (b->ncols < s->ncols)
        return k_error(err, K_DATATYPE_MISMATCH, "batch has %u columns, the scan reads %u", b->ncols,
                       s->ncols);
    for (uint32_t c = 0; c < s->ncols; c++) {
        KVector *v = &b->cols[c];
        const StDecoded *d = &m->cols[c];
        size_t w = st__width(st__phys(s->types[c]));
        v->flags &= ~(uint32_t)K_VEC_CONST;
        memcpy(v->data, d->data + (size_t)m->pos * w, (size_t)n * w);
        if (d->valid) {
            if (k_vector_ensure_validity(v, b->arena, err) != K_OK) return K_ERR;
            /* m->pos is a multiple of K_VECTOR_SIZE, so of 64 */
            memcpy(v->validity, d->valid + m->pos / 64, ((n + 63) / 64) * 8);
            if (n % 64) v->validity[n / 64] |= ~UINT64_C(0) << (n % 64);
        } else if (v->validity) {
            memset(v->validity, 0xff, K_VECTOR_WORDS * 8);
        }
    }
    m->pos += n;
    return K_OK;
}

uint64_t
st_morsel_rows(const StMorsel *m)
{
    return m->rows;
}

uint32_t
st_morsel_partition(const StMorsel *m)
{
    return m->part_id;
}

void
st_morsel_close(StMorsel *m)
{
    if (m) k_arena_destroy(m->arena);
}

/* ---------------------------------------------------------------- */
/* Statistics                                                         */
/* ---------------------------------------------------------------- */
static StTable *
locked_table(StDb *db, uint32_t id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    StTable *t = st__table_by_id(db, id);
    if (!t) {
        pthread_mutex_unlock(&db->lock);
        k_error(err, K_UNDEFINED_TABLE, "table with id %u does not exist", id);
    }
    return t;
}

static bool
part_match(const StPartition *p, uint32_t part_id)
{
    return part_id == ST_ALL_PARTITIONS || p->def.id == part_id;
}

int
st_table_stats(StDb *db, uint32_t table_id, uint32_t part_id, StTableStats *out, KErr *err)
{
    memset(out, 0, sizeof *out);
    StTable *t = locked_table(db, table_id, err);
    if (!t) return K_ERR;
    for (uint32_t i = 0; i < t->nparts; i++) {
        StPartition *p = t->parts[i];
        if (!part_match(p, part_id)) continue;
        out->rows += p->rows;
        out->segments += p->nsegs;
        for (uint32_t k = 0; k < p->nsegs; k++) {
            out->bytes += p->segs[k]->file_bytes;
            out->row_groups += p->segs[k]->nrg;
        }
    }
    pthread_mutex_unlock(&db->lock);
    return K_OK;
}

int
st_column_stats(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t col, KArena *arena,
                StColumnStats *out, KErr *err)
{
    memset(out, 0, sizeof *out);
    StTable *t = locked_table(db, table_id, err);
    if (!t) return K_ERR;
    int rc = K_OK;
    if (col >= t->def.ncols) {
        rc = k_error(err, K_UNDEFINED_COLUMN, "column %u of relation \"%s\" does not exist", col,
                     t->def.name);
        goto done;
    }
    KType ty = t->def.cols[col].type;
    StZone z;
    memset(&z, 0, sizeof z);
    uint8_t hll[ST_HLL_REGS];
    memset(hll, 0, sizeof hll);
    for (uint32_t i = 0; i < t->nparts; i++) {
        StPartition *p = t->parts[i];
        if (!part_match(p, part_id)) continue;
        out->rows += p->rows;
        st__zone_merge(&z, &p->stats[col].zone, ty);
        for (uint32_t r = 0; r < ST_HLL_REGS; r++)
            if (p->stats[col].hll[r] > hll[r]) hll[r] = p->stats[col].hll[r];
    }
    out->nulls = z.nulls;
    out->has_minmax = z.has_minmax;
    if (z.has_minmax) {
        if (copy_datum(arena, ty, &z.min, &out->min) != K_OK || copy_datum(arena, ty, &z.max, &out->max) != K_OK)
            rc = k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    st__zone_free(&z, st__phys(ty));
    out->ndistinct = out->rows > out->nulls ? st__hll_estimate(hll) : 0;
    if (out->ndistinct > (double)(out->rows - out->nulls)) out->ndistinct = (double)(out->rows - out->nulls);
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

_Static_assert(ST_SKETCH_REGISTERS == ST_HLL_REGS, "sketch size");

int
st_column_sketch(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t col,
                 uint8_t regs[ST_SKETCH_REGISTERS], KErr *err)
{
    memset(regs, 0, ST_SKETCH_REGISTERS);
    StTable *t = locked_table(db, table_id, err);
    if (!t) return K_ERR;
    int rc = K_OK;
    if (col >= t->def.ncols) {
        rc = k_error(err, K_UNDEFINED_COLUMN, "column %u of relation \"%s\" does not exist", col,
                     t->def.name);
    } else {
        for (uint32_t i = 0; i < t->nparts; i++)
            if (part_match(t->parts[i], part_id)) st_sketch_merge(regs, t->parts[i]->stats[col].hll);
    }
    pthread_mutex_unlock(&db->lock);
    return rc;
}

void
st_sketch_merge(uint8_t *dst, const uint8_t *src)
{
    for (uint32_t r = 0; r < ST_SKETCH_REGISTERS; r++)
        if (src[r] > dst[r]) dst[r] = src[r];
}

double
st_sketch_estimate(const uint8_t *regs)
{
    return st__hll_estimate(regs);
}

int
st_column_bytes(StDb *db, uint32_t table_id, uint32_t col, uint64_t *bytes, KErr *err)
{
    *bytes = 0;
    StTable *t = locked_table(db, table_id, err);
    if (!t) return K_ERR;
    for (uint32_t i = 0; i < t->nparts && col < t->def.ncols; i++)
        for (uint32_t k = 0; k < t->parts[i]->nsegs; k++) {
            StSegment *seg = t->parts[i]->segs[k];
            for (uint32_t g = 0; g < seg->nrg; g++) *bytes += seg->rgs[g].chunks[col].stored_len;
        }
    pthread_mutex_unlock(&db->lock);
    return K_OK;
}

/* ANALYZE one partition: zones from the chunk metadata, distinct counts by
 * reading every value. */
static int
analyze_partition(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t ncols, const KType *types,
                  KArena *arena, StColStats *st, uint64_t *rows, StSegment ***segs, uint32_t *nsegs,
                  KErr *err)
{
    uint32_t *cols = k_alloc(arena, sizeof(uint32_t) * ncols);
    if (!cols) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    for (uint32_t c = 0; c < ncols; c++) cols[c] = c;
    StScanOptions o = {.npart_ids = 1, .part_ids = &part_id, .ncols = ncols, .cols = cols};
    StScan *s;
    if (st_scan_open(db, table_id, &o, arena, &s, err) != K_OK) return K_ERR;
    *rows = 0;
    for (uint32_t k = 0; k < s->nsegs; k++) {
        StSegment *seg = s->segs[k];
        for (uint32_t g = 0; g < seg->nrg; g++)
            for (uint32_t c = 0; c < ncols; c++) st__zone_merge(&st[c].zone, &seg->rgs[g].chunks[c].zone, types[c]);
    }
    int rc = K_OK;
    for (;;) {
        StMorsel *m;
        if ((rc = st_scan_next_morsel(s, &m, err)) != K_OK || !m) break;
        *rows += m->rows;
        for (uint32_t c = 0; c < ncols; c++) {
            StPhys p = st__phys(types[c]);
            const StDecoded *d = &m->cols[c];
            size_t w = st__width(p);
            for (uint32_t i = 0; i < m->rows; i++) {
                if (d->valid && !((d->valid[i >> 6] >> (i & 63)) & 1)) continue;
                const void *slot = d->data + (size_t)i * w;
                uint64_t h;
                if (p == ST_PHYS_STR) {
                    const KStr *sv = slot;
                    h = st__hash64(k_str_data(sv), sv->len, 0x6b65);
                } else {
                    h = st__value_hash(p, slot);
                }
                st__hll_add(st[c].hll, h);
            }
        }
        st_morsel_close(m);
    }
    if (rc == K_OK) {
        /* remember which segments the statistics describe */
        *segs = k_alloc(arena, sizeof(StSegment *) * (s->nsegs + 1));
        if (!*segs) rc = k_error(err, K_OUT_OF_MEMORY, "out of memory");
        else memcpy(*segs, s->segs, sizeof(StSegment *) * s->nsegs);
        *nsegs = s->nsegs;
    }
    st_scan_close(s);
    return rc;
}

int
st_analyze(StDb *db, uint32_t table_id, KErr *err)
{
    KArena *a = k_arena_create(db->arena, "analyze");
    if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    StTableDef *def;
    int rc = K_ERR;
    if (st_table_get(db, table_id, a, &def, err) != K_OK) goto out;
    KType *types = k_alloc(a, sizeof(KType) * def->ncols);
    StColStats **st = k_alloc0(a, sizeof(StColStats *) * (def->nparts + 1));
    uint64_t *rows = k_alloc0(a, sizeof(uint64_t) * (def->nparts + 1));
    StSegment ***segs = k_alloc0(a, sizeof(StSegment **) * (def->nparts + 1));
    uint32_t *nsegs = k_alloc0(a, sizeof(uint32_t) * (def->nparts + 1));
    if (!types || !st || !rows || !segs || !nsegs) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    for (uint32_t c = 0; c < def->ncols; c++) types[c] = def->cols[c].type;
    for (uint32_t i = 0; i < def->nparts; i++) {
        st[i] = calloc(def->ncols, sizeof(StColStats));
        if (!st[i]) {
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto cleanup;
        }
        if (analyze_partition(db, table_id, def->parts[i].id, def->ncols, types, a, st[i], &rows[i],
                              &segs[i], &nsegs[i], err) != K_OK)
            goto cleanup;
    }
    pthread_mutex_lock(&db->lock);
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        pthread_mutex_unlock(&db->lock);
        k_error(err, K_UNDEFINED_TABLE, "relation \"%s\" was dropped during ANALYZE", def->name);
        goto cleanup;
    }
    /* swap in the new statistics where the partition did not change */
    StColStats **old = k_alloc0(a, sizeof(StColStats *) * (def->nparts + 1));
    uint64_t *old_rows = k_alloc0(a, sizeof(uint64_t) * (def->nparts + 1));
    StPartition **tp = k_alloc0(a, sizeof(StPartition *) * (def->nparts + 1));
    if (!old || !old_rows || !tp) {
        pthread_mutex_unlock(&db->lock);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto cleanup;
    }
    for (uint32_t i = 0; i < def->nparts; i++) {
        for (uint32_t k = 0; k < t->nparts; k++)
            if (t->parts[k]->def.id == def->parts[i].id) tp[i] = t->parts[k];
        StPartition *p = tp[i];
        if (!p || p->nsegs != nsegs[i] ||
            (nsegs[i] && memcmp(p->segs, segs[i], sizeof(StSegment *) * nsegs[i]) != 0)) {
            tp[i] = NULL;
            continue;
        }
        old[i] = p->stats;
        old_rows[i] = p->rows;
        p->stats = st[i];
        p->rows = rows[i];
        st[i] = old[i];
    }
    if (st__catalog_publish(db, err) != K_OK) {
        for (uint32_t i = 0; i < def->nparts; i++) {
            if (!tp[i]) continue;
            st[i] = tp[i]->stats;
            tp[i]->stats = old[i];
            tp[i]->rows = old_rows[i];
        }
        pthread_mutex_unlock(&db->lock);
        goto cleanup;
    }
    pthread_mutex_unlock(&db->lock);
    rc = K_OK;
cleanup:
    for (uint32_t i = 0; i < def->nparts; i++) {
        if (!st[i]) continue;
        for (uint32_t c = 0; c < def->ncols; c++) st__zone_free(&st[i][c].zone, st__phys(types[c]));
        free(st[i]);
    }
out:
    k_arena_destroy(a);
    return rc;
}
