/*
 * writer.c — bulk load: a thread-safe writer that routes rows to their
 * partition, cuts row groups, encodes them and makes the whole load
 * visible at commit.
 *
 * Interface routines: st_writer_begin, st_writer_append, st_writer_rows,
 * st_writer_commit, st_writer_abort.
 *
 * Notes: the writer snapshots the table's columns and partitions at begin.
 * Per partition it keeps one column buffer set of row_group_rows rows and
 * one new segment file. An appending thread that fills a buffer swaps in
 * an empty one under the writer's lock, then encodes and writes the full
 * row group without the lock (file space is reserved under the lock, so
 * several threads write one segment concurrently with pwrite). Commit
 * writes the partial row groups and the footers, fsyncs files and the
 * directory, and publishes the catalog with the new segments attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "storage/storage_int.h"

/* Buffered rows of all partitions of one writer are kept under
 * opts.load_memory bytes (default below): past it the largest partial
 * buffer is written as a (short) row group, so a load into many partitions
 * does not hold a full row group per partition in memory. */
#define ST_WRITER_BUDGET ((size_t)256 << 20)

/* Each appending thread gets its own lane: its own row-group buffers and
 * segment per partition, so that rows parsed from one range of a file stay
 * together (tight zone maps, sorted keys) however many threads load. More
 * threads than lanes share lanes. */
#define ST_WRITER_LANES 16

/* A commit that leaves a partition with this many small segments merges
 * them (st_table_compact does it on demand from 2). */
#define ST_AUTO_COMPACT 16

static atomic_uint_fast64_t writer_serial;
static _Thread_local uint64_t tl_writer_serial;
static _Thread_local uint32_t tl_writer_lane;

typedef struct WPart {
    uint32_t part_id;
    size_t buf_bytes; /* st__colbuf_bytes over buf */
    bool has_lo, has_hi;
    int64_t lo, hi;
    StColBuf *buf;    /* ncols; NULL until the first row */
    StSegment *seg;   /* NULL until the first row group is written */
    uint64_t file_off;
    uint64_t rows;
    StColStats *stats; /* ncols; merged from the row groups written */
} WPart;

struct StWriter {
    StDb *db;
    uint32_t table_id;
    char table_name[ST_NAME_MAX + 1];
    uint32_t ncols;
    StColumnDef *cols;
    KType *types;
    int32_t part_col;
    uint32_t nparts; /* table partitions (routing) */
    uint32_t nwp;    /* WPart slots: ST_WRITER_LANES * nparts */
    WPart *parts;    /* lane l, partition i at [l * nparts + i] */
    uint64_t serial;
    atomic_uint next_lane;
    uint32_t rg_rows;
    pthread_mutex_t lock;
    atomic_uint_fast64_t rows;
    size_t buffered; /* bytes in all partitions' buffers (under lock) */
    size_t budget;
    bool prepared; /* st_writer_prepare done: no more appends */
    bool failed;
    KErr first_err;
};

static uint32_t
writer_lane(StWriter *w)
{
    if (tl_writer_serial != w->serial) {
        tl_writer_serial = w->serial;
        tl_writer_lane = atomic_fetch_add(&w->next_lane, 1) % ST_WRITER_LANES;
    }
    return tl_writer_lane;
}

static void
free_bufs(StColBuf *b, uint32_t ncols)
{
    if (!b) return;
    for (uint32_t c = 0; c < ncols; c++) st__colbuf_free(&b[c]);
    free(b);
}

static StColBuf *
new_bufs(StWriter *w, KErr *err)
{
    StColBuf *b = calloc(w->ncols, sizeof(StColBuf));
    if (!b) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    for (uint32_t c = 0; c < w->ncols; c++) {
        if (st__colbuf_init(&b[c], w->types[c], K_MIN(w->rg_rows, 4096u), err) != K_OK) {
            free_bufs(b, c);
            return NULL;
        }
    }
    return b;
}

int
st_writer_begin(StDb *db, uint32_t table_id, StWriter **out, KErr *err)
{
    *out = NULL;
    StWriter *w = calloc(1, sizeof *w);
    if (!w) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    pthread_mutex_init(&w->lock, NULL);
    w->db = db;
    w->table_id = table_id;
    w->rg_rows = db->opts.row_group_rows;
    w->budget = db->opts.load_memory ? db->opts.load_memory : ST_WRITER_BUDGET;
    pthread_mutex_lock(&db->lock);
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        pthread_mutex_unlock(&db->lock);
        free(w);
        return k_error(err, K_UNDEFINED_TABLE, "table with id %u does not exist", table_id);
    }
    memcpy(w->table_name, t->def.name, sizeof w->table_name);
    w->ncols = t->def.ncols;
    w->part_col = t->def.part_col;
    w->nparts = t->nparts;
    w->cols = malloc(sizeof(StColumnDef) * w->ncols);
    w->types = malloc(sizeof(KType) * w->ncols);
    w->nwp = ST_WRITER_LANES * w->nparts;
    w->parts = calloc(w->nwp + 1, sizeof(WPart));
    w->serial = atomic_fetch_add(&writer_serial, 1) + 1;
    if (w->cols && w->types && w->parts) {
        memcpy(w->cols, t->def.cols, sizeof(StColumnDef) * w->ncols);
        for (uint32_t c = 0; c < w->ncols; c++) w->types[c] = w->cols[c].type;
        for (uint32_t i = 0; i < w->nwp; i++) {
            const StPartitionDef *d = &t->parts[i % w->nparts]->def;
            w->parts[i].part_id = d->id;
            w->parts[i].has_lo = d->has_lo;
            w->parts[i].has_hi = d->has_hi;
            w->parts[i].lo = d->lo.u.i64;
            w->parts[i].hi = d->hi.u.i64;
        }
    }
    pthread_mutex_unlock(&db->lock);
    if (!w->cols || !w->types || !w->parts) {
        st_writer_abort(w);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    *out = w;
    return K_OK;
}

uint64_t
st_writer_rows(const StWriter *w)
{
    return atomic_load(&((StWriter *)w)->rows);
}

static int
fail(StWriter *w, KErr *err)
{
    pthread_mutex_lock(&w->lock);
    if (!w->failed) {
        w->failed = true;
        k_err_copy(&w->first_err, err);
    }
    pthread_mutex_unlock(&w->lock);
    return K_ERR;
}

/* Create the partition's segment file (caller holds w->lock). */
static int
open_segment(StWriter *w, WPart *p, KErr *err)
{
    StDb *db = w->db;
    pthread_mutex_lock(&db->lock);
    uint64_t id = db->next_seg_id++;
    pthread_mutex_unlock(&db->lock);
    StSegment *s = st__segment_new(id, w->ncols, w->types);
    if (!s || !(s->path = st__segment_path(db, id))) {
        if (s) st__segment_unref(s);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    s->fd = open(s->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->fd < 0) {
        int e = errno;
        st__segment_unref(s);
        return k_error(err, e == ENOSPC ? K_DISK_FULL : K_IO_ERROR, "could not create file \"%s\": %s",
                       s->path, strerror(e));
    }
    atomic_store(&s->dead, true); /* until committed: abort removes the file */
    uint8_t hdr[16];
    memcpy(hdr, "KSTSEG01", 8);
    uint32_t fmt = 1, nc = w->ncols;
    memcpy(hdr + 8, &fmt, 4);
    memcpy(hdr + 12, &nc, 4);
    if (st__pwrite_full(s->fd, hdr, 16, 0) != K_OK) {
        int e = errno;
        st__segment_unref(s);
        return k_error(err, K_IO_ERROR, "could not write segment header: %s", strerror(e));
    }
    p->seg = s;
    p->file_off = 16;
    return K_OK;
}

static void
merge_stats(StColStats *dst, StColStats *src, const KType *types, uint32_t ncols)
{
    for (uint32_t c = 0; c < ncols; c++) {
        st__zone_merge(&dst[c].zone, &src[c].zone, types[c]);
        for (uint32_t i = 0; i < ST_HLL_REGS; i++)
            if (src[c].hll[i] > dst[c].hll[i]) dst[c].hll[i] = src[c].hll[i];
    }
}

static void
free_stats(StColStats *s, const KType *types, uint32_t ncols)
{
    if (!s) return;
    for (uint32_t c = 0; c < ncols; c++) st__zone_free(&s[c].zone, st__phys(types[c]));
    free(s);
}

/* Encode one full (or final) buffer set as a row group of partition p
 * and write it. Called without w->lock. Takes ownership of `bufs`. */
static int
flush_group(StWriter *w, WPart *p, StColBuf *bufs, KErr *err)
{
    uint32_t rows = bufs[0].n;
    KBuf out;
    k_buf_init(&out);
    StChunkMeta *meta = calloc(w->ncols, sizeof(StChunkMeta));
    StColStats *stats = calloc(w->ncols, sizeof(StColStats));
    int rc = K_ERR;
    uint32_t done = 0;
    if (!meta || !stats) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    for (; done < w->ncols; done++) {
        size_t at = out.len;
        if (st__chunk_encode(&bufs[done], w->db->opts.zstd_level, &out, &meta[done], &stats[done], err) != K_OK)
            goto out;
        meta[done].offset = at; /* relative until the file offset is known */
    }
    pthread_mutex_lock(&w->lock);
    if (!p->seg && open_segment(w, p, err) != K_OK) {
        pthread_mutex_unlock(&w->lock);
        goto out;
    }
    StSegment *s = p->seg;
    StRowGroup *nrgs = realloc(s->rgs, sizeof(StRowGroup) * (s->nrg + 1));
    if (!nrgs) {
        pthread_mutex_unlock(&w->lock);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    s->rgs = nrgs;
    uint64_t base = p->file_off;
    p->file_off += out.len;
    for (uint32_t c = 0; c < w->ncols; c++) meta[c].offset += base;
    s->rgs[s->nrg].rows = rows;
    s->rgs[s->nrg].chunks = meta;
    s->nrg++;
    meta = NULL; /* owned by the segment now */
    if (!p->stats) p->stats = calloc(w->ncols, sizeof(StColStats));
    if (!p->stats) {
        pthread_mutex_unlock(&w->lock);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    merge_stats(p->stats, stats, w->types, w->ncols);
    p->rows += rows;
    int fd = s->fd;
    pthread_mutex_unlock(&w->lock);
    if (st__pwrite_full(fd, out.data, out.len, base) != K_OK) {
        k_error(err, errno == ENOSPC ? K_DISK_FULL : K_IO_ERROR, "could not write segment file: %s",
                strerror(errno));
        goto out;
    }
    rc = K_OK;
out:
    if (meta) {
        for (uint32_t c = 0; c < done; c++) st__zone_free(&meta[c].zone, st__phys(w->types[c]));
        free(meta);
    }
    free_stats(stats, w->types, w->ncols);
    free_bufs(bufs, w->ncols);
    k_buf_free(&out);
    return rc;
}

static int
find_part(StWriter *w, int64_t key)
{
    for (uint32_t i = 0; i < w->nparts; i++) {
        WPart *p = &w->parts[i];
        if (p->has_lo && key < p->lo) continue;
        if (p->has_hi && key >= p->hi) continue;
        return (int)i;
    }
    return -1;
}

int
st_writer_append(StWriter *w, const KBatch *b, KErr *err)
{
    if (w->failed) return k_error(err, K_IN_FAILED_SQL_TRANSACTION, "the load has already failed");
    if (w->prepared) return k_error(err, K_INVALID_TRANSACTION_STATE, "the load is already prepared");
    if (b->ncols != w->ncols)
        return fail(w, (k_error(err, K_DATATYPE_MISMATCH, "batch has %u columns, table \"%s\" has %u",
                                b->ncols, w->table_name, w->ncols), err));
    for (uint32_t c = 0; c < w->ncols; c++)
        if (st__phys(b->cols[c].type) != st__phys(w->types[c]))
            return fail(w, (k_error(err, K_DATATYPE_MISMATCH, "column \"%s\" of the batch has the wrong type",
                                    w->cols[c].name), err));
    uint32_t n = k_batch_rows(b);
    if (n == 0) return K_OK;
    /* NOT NULL */
    for (uint32_t c = 0; c < w->ncols; c++) {
        const KVector *v = &b->cols[c];
        if (!w->cols[c].not_null || !v->validity) continue;
        for (uint32_t i = 0; i < n; i++) {
            if (!k_vec_is_valid(v, k_batch_row(b, i))) {
                k_error(err, K_NOT_NULL_VIOLATION,
                        "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
                        w->cols[c].name, w->table_name);
                return fail(w, err);
            }
        }
    }
    /* route: rows[] grouped by partition */
    uint32_t *rows = malloc(sizeof(uint32_t) * n * 2 + 8);
    uint32_t *pidx = rows ? rows + n : NULL;
    if (!rows) return fail(w, (k_error(err, K_OUT_OF_MEMORY, "out of memory"), err));
    uint32_t nparts_used = 1;
    if (w->part_col < 0) {
        for (uint32_t i = 0; i < n; i++) rows[i] = k_batch_row(b, i);
        memset(pidx, 0, sizeof(uint32_t) * n);
    } else {
        const KVector *v = &b->cols[w->part_col];
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = k_batch_row(b, i);
            int pi = -1;
            if (k_vec_is_valid(v, r)) {
                StDatum d;
                st_datum_from_slot(v->type, k_vec_slot(v, r), &d);
                pi = find_part(w, d.u.i64);
            }
            if (pi < 0) {
                free(rows);
                char val[64] = "NULL";
                if (k_vec_is_valid(v, r)) k_value_format(v->type, k_vec_slot(v, r), val, sizeof val);
                k_error(err, K_INTEGRITY_CONSTRAINT_VIOLATION,
                        "no partition of relation \"%s\" found for row", w->table_name);
                k_err_detail(err, "Partition key of the failing row contains (%s) = (%s).",
                             w->cols[w->part_col].name, val);
                return fail(w, err);
            }
            pidx[i] = (uint32_t)pi;
        }
        nparts_used = w->nparts;
    }
    int rc = K_OK;
    uint32_t lane = writer_lane(w);
    uint32_t *sel = malloc(sizeof(uint32_t) * n + 4);
    if (!sel) {
        free(rows);
        return fail(w, (k_error(err, K_OUT_OF_MEMORY, "out of memory"), err));
    }
    for (uint32_t pi = 0; pi < nparts_used && rc == K_OK; pi++) {
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++)
            if (pidx[i] == pi) sel[m++] = w->part_col < 0 ? rows[i] : k_batch_row(b, i);
        if (!m) continue;
        WPart *p = &w->parts[lane * w->nparts + pi];
        uint32_t at = 0;
        while (at < m && rc == K_OK) {
            StColBuf *full = NULL;
            pthread_mutex_lock(&w->lock);
            if (!p->buf && !(p->buf = new_bufs(w, err))) {
                pthread_mutex_unlock(&w->lock);
                rc = K_ERR;
                break;
            }
            uint32_t take = K_MIN(m - at, w->rg_rows - p->buf[0].n);
            for (uint32_t c = 0; c < w->ncols && rc == K_OK; c++)
                rc = st__colbuf_append(&p->buf[c], &b->cols[c], sel + at, take, err);
            at += take;
            size_t nb = 0;
            for (uint32_t c = 0; c < w->ncols; c++) nb += st__colbuf_bytes(&p->buf[c]);
            w->buffered += nb - p->buf_bytes;
            p->buf_bytes = nb;
            WPart *fp = p;
            if (rc == K_OK && p->buf[0].n < w->rg_rows && w->buffered > w->budget) {
                /* over budget: write out the largest partial buffer */
                for (uint32_t k = 0; k < w->nwp; k++)
                    if (w->parts[k].buf && w->parts[k].buf_bytes > fp->buf_bytes) fp = &w->parts[k];
                full = fp->buf;
            } else if (rc == K_OK && p->buf[0].n == w->rg_rows) {
                full = p->buf;
            }
            if (full) {
                fp->buf = NULL;
                w->buffered -= fp->buf_bytes;
                fp->buf_bytes = 0;
            }
            pthread_mutex_unlock(&w->lock);
            if (full && flush_group(w, fp, full, err) != K_OK) rc = K_ERR;
        }
    }
    free(sel);
    free(rows);
    if (rc != K_OK) return fail(w, err);
    atomic_fetch_add(&w->rows, n);
    return K_OK;
}

static void
writer_free(StWriter *w, bool keep_segments)
{
    for (uint32_t i = 0; w->parts && i < w->nwp; i++) {
        WPart *p = &w->parts[i];
        free_bufs(p->buf, w->ncols);
        if (p->seg && !keep_segments) st__segment_unref(p->seg); /* dead: file removed */
        free_stats(p->stats, w->types, w->ncols);
    }
    free(w->parts);
    free(w->cols);
    free(w->types);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void
st_writer_abort(StWriter *w)
{
    if (w) writer_free(w, false);
}

/* Write footer + trailer and fsync one segment. */
static int
finish_segment(StWriter *w, WPart *p, KErr *err)
{
    StSegment *s = p->seg;
    KBuf f;
    k_buf_init(&f);
    st__footer_write(&f, s);
    uint64_t off = p->file_off, len = f.len, sum = st__hash64(f.data, f.len, 0x464f);
    k_buf_put_u64(&f, off);
    k_buf_put_u64(&f, len);
    k_buf_put_u64(&f, sum);
    k_buf_put(&f, "KSTSEGND", 8);
    int rc = K_ERR;
    if (f.failed) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
    } else if (st__pwrite_full(s->fd, f.data, f.len, off) != K_OK) {
        k_error(err, errno == ENOSPC ? K_DISK_FULL : K_IO_ERROR, "could not write file \"%s\": %s",
                s->path, strerror(errno));
    } else if (st__fsync_fd(w->db, s->fd, s->path, err) == K_OK) {
        s->file_bytes = off + f.len;
        close(s->fd); /* scans open the file per morsel */
        s->fd = -1;
        rc = K_OK;
    }
    k_buf_free(&f);
    return rc;
}

/* Write the writer's last row groups and footers, fsync its files. */
static int
writer_prepare(StWriter *w, KErr *err)
{
    if (w->failed) {
        k_err_copy(err, &w->first_err);
        return K_ERR;
    }
    if (w->prepared) return K_OK;
    w->prepared = true;
    for (uint32_t i = 0; i < w->nwp; i++) {
        WPart *p = &w->parts[i];
        if (p->buf && p->buf[0].n > 0) {
            StColBuf *b = p->buf;
            p->buf = NULL;
            if (flush_group(w, p, b, err) != K_OK) return K_ERR;
        }
        if (p->seg && finish_segment(w, p, err) != K_OK) return K_ERR;
    }
    return K_OK;
}

/* A partition a commit changes, with what it looked like before. */
typedef struct Touched {
    StPartition *p;
    bool replace;          /* its old segments are dropped (rewrite) */
    const StRewritePart *rep; /* replace: what was read */
    StSegment **removed;   /* replace: the segments taken out */
    uint32_t nremoved;
    StSegment **old_segs;  /* copy of the segment list */
    uint32_t old_n;
    StColStats *old_stats;
    uint64_t old_rows;
} Touched;

static Touched *
touched_find(Touched *t, uint32_t n, const StPartition *p)
{
    for (uint32_t i = 0; i < n; i++)
        if (t[i].p == p) return &t[i];
    return NULL;
}

/*
 * Publish the segments of several prepared writers of one table in one
 * catalog change. Partitions listed in `rep` (with the segment lists they
 * had when they were read) lose their old segments: that is how a rewrite
 * replaces data. Fails with 55000 when such a partition changed since.
 * The writers are freed; on failure their files are removed.
 */
static int
commit_writers(StDb *db, uint32_t table_id, StWriter **ws, uint32_t nw, const StRewritePart *rep,
               uint32_t nrep, KErr *err)
{
    int rc = K_ERR;
    Touched *tv = NULL;
    uint32_t nt = 0, cap = nrep;
    for (uint32_t k = 0; k < nw; k++) cap += ws[k]->nwp;
    bool any = nrep > 0;
    for (uint32_t k = 0; k < nw; k++)
        for (uint32_t i = 0; i < ws[k]->nwp; i++) any |= ws[k]->parts[i].seg != NULL;
    if (!any) {
        rc = K_OK;
        goto free_writers;
    }
    if (nw && st__fsync_dir(db, db->seg_dir, err) != K_OK) goto free_writers;
    tv = calloc(cap + 1, sizeof(Touched));
    if (!tv) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto free_writers;
    }
    pthread_mutex_lock(&db->lock);
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        k_error(err, K_UNDEFINED_TABLE, "table with id %u was dropped during the load", table_id);
        goto unlock;
    }
    uint32_t ncols = t->def.ncols;
    /* collect the partitions to change */
    for (uint32_t r = 0; r < nrep; r++) {
        StPartition *p = NULL;
        for (uint32_t k = 0; k < t->nparts; k++)
            if (t->parts[k]->def.id == rep[r].part_id) p = t->parts[k];
        bool same;
        if (rep[r].subset) { /* each listed segment must still be there */
            same = p != NULL;
            for (uint32_t k = 0; same && k < rep[r].nsegs; k++) {
                bool found = false;
                for (uint32_t j = 0; j < p->nsegs && !found; j++) found = p->segs[j]->id == rep[r].seg_ids[k];
                same = found;
            }
        } else {
            same = p && p->nsegs == rep[r].nsegs;
            for (uint32_t k = 0; same && k < p->nsegs; k++) same = p->segs[k]->id == rep[r].seg_ids[k];
        }
        if (!same) {
            k_error(err, K_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    "relation \"%s\" was changed by another statement during the rewrite", t->def.name);
            k_err_hint(err, "Retry the statement.");
            goto unlock;
        }
        tv[nt].p = p;
        tv[nt].rep = &rep[r];
        tv[nt++].replace = true;
    }
    for (uint32_t k = 0; k < nw; k++) {
        for (uint32_t i = 0; i < ws[k]->nwp; i++) {
            WPart *wp = &ws[k]->parts[i];
            if (!wp->seg) continue;
            StPartition *p = NULL;
            for (uint32_t j = 0; j < t->nparts; j++)
                if (t->parts[j]->def.id == wp->part_id) p = t->parts[j];
            if (!p) {
                k_error(err, K_OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "a partition of relation \"%s\" was removed during the load", t->def.name);
                goto unlock;
            }
            if (!touched_find(tv, nt, p)) tv[nt++].p = p;
        }
    }
    /* save, then make room */
    for (uint32_t i = 0; i < nt; i++) {
        Touched *x = &tv[i];
        StPartition *p = x->p;
        x->old_n = p->nsegs;
        x->old_rows = p->rows;
        x->old_segs = malloc(sizeof(StSegment *) * (p->nsegs + 1));
        x->old_stats = calloc(ncols, sizeof(StColStats));
        if (x->replace && !(x->removed = malloc(sizeof(StSegment *) * (p->nsegs + 1)))) {
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto unlock;
        }
        uint32_t need = p->nsegs;
        for (uint32_t k = 0; k < nw; k++)
            for (uint32_t j = 0; j < ws[k]->nwp; j++)
                if (ws[k]->parts[j].seg && ws[k]->parts[j].part_id == p->def.id) need++;
        if (need > p->capsegs) {
            StSegment **ns = realloc(p->segs, sizeof(StSegment *) * need);
            if (ns) {
                p->segs = ns;
                p->capsegs = need;
            }
        }
        if (!x->old_segs || !x->old_stats || need > p->capsegs) {
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto unlock; /* nothing changed yet */
        }
        memcpy(x->old_segs, p->segs, sizeof(StSegment *) * p->nsegs);
        for (uint32_t c = 0; c < ncols; c++) {
            st__zone_copy(&x->old_stats[c].zone, &p->stats[c].zone, st__phys(t->def.cols[c].type));
            memcpy(x->old_stats[c].hll, p->stats[c].hll, ST_HLL_REGS);
        }
    }
    /* apply */
    KType *types = ws && nw ? ws[0]->types : NULL;
    for (uint32_t i = 0; i < nt; i++) {
        Touched *x = &tv[i];
        if (!x->replace) continue;
        StPartition *p = x->p;
        if (x->rep->subset) {
            /* take out just the listed segments; rows and stats stay */
            uint32_t keep = 0;
            for (uint32_t k = 0; k < p->nsegs; k++) {
                bool listed = false;
                for (uint32_t j = 0; j < x->rep->nsegs && !listed; j++) listed = x->rep->seg_ids[j] == p->segs[k]->id;
                if (listed) x->removed[x->nremoved++] = p->segs[k];
                else p->segs[keep++] = p->segs[k];
            }
            p->nsegs = keep;
            continue;
        }
        memcpy(x->removed, p->segs, sizeof(StSegment *) * p->nsegs);
        x->nremoved = p->nsegs;
        p->nsegs = 0;
        p->rows = 0;
        for (uint32_t c = 0; c < ncols; c++) {
            st__zone_free(&p->stats[c].zone, st__phys(t->def.cols[c].type));
            memset(&p->stats[c], 0, sizeof p->stats[c]);
        }
    }
    for (uint32_t k = 0; k < nw; k++) {
        StWriter *w = ws[k];
        for (uint32_t i = 0; i < w->nwp; i++) {
            WPart *wp = &w->parts[i];
            if (!wp->seg) continue;
            Touched *x = NULL;
            for (uint32_t j = 0; j < nt; j++)
                if (tv[j].p->def.id == wp->part_id) x = &tv[j];
            StPartition *p = x->p;
            if (!(x->replace && x->rep->subset)) { /* compaction moves rows, adds none */
                merge_stats(p->stats, wp->stats, types, ncols);
                p->rows += wp->rows;
            }
            p->segs[p->nsegs++] = wp->seg;
        }
    }
    if (st__catalog_publish(db, err) != K_OK) {
        for (uint32_t i = 0; i < nt; i++) {
            Touched *x = &tv[i];
            StPartition *p = x->p;
            memcpy(p->segs, x->old_segs, sizeof(StSegment *) * x->old_n);
            p->nsegs = x->old_n;
            p->rows = x->old_rows;
            for (uint32_t c = 0; c < ncols; c++) {
                st__zone_free(&p->stats[c].zone, st__phys(t->def.cols[c].type));
                p->stats[c] = x->old_stats[c];
                memset(&x->old_stats[c].zone, 0, sizeof(StZone));
            }
        }
        goto unlock;
    }
    /* the new segments belong to the catalog now; replaced ones go */
    for (uint32_t k = 0; k < nw; k++)
        for (uint32_t i = 0; i < ws[k]->nwp; i++) {
            WPart *wp = &ws[k]->parts[i];
            if (!wp->seg) continue;
            atomic_store(&wp->seg->dead, false);
            wp->seg = NULL;
        }
    for (uint32_t i = 0; i < nt; i++) {
        if (!tv[i].replace) continue;
        for (uint32_t j = 0; j < tv[i].nremoved; j++) {
            atomic_store(&tv[i].removed[j]->dead, true);
            st__segment_unref(tv[i].removed[j]);
        }
    }
    rc = K_OK;
unlock:
    for (uint32_t i = 0; tv && i < nt; i++) {
        free(tv[i].old_segs);
        free(tv[i].removed);
        if (tv[i].old_stats) {
            for (uint32_t c = 0; c < t->def.ncols; c++)
                st__zone_free(&tv[i].old_stats[c].zone, st__phys(t->def.cols[c].type));
            free(tv[i].old_stats);
        }
    }
    pthread_mutex_unlock(&db->lock);
free_writers:
    free(tv);
    for (uint32_t k = 0; k < nw; k++) writer_free(ws[k], false);
    return rc;
}

int
st_writer_prepare(StWriter *w, KErr *err)
{
    if (writer_prepare(w, err) != K_OK) return fail(w, err);
    return K_OK;
}

static int compact_small(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t min_small,
                         bool *did, KErr *err);

int
st_writer_commit(StWriter *w, KErr *err)
{
    if (writer_prepare(w, err) != K_OK) {
        writer_free(w, false);
        return K_ERR;
    }
    StDb *db = w->db;
    uint32_t tid = w->table_id, n = 0;
    /* partitions this load added to: candidates for automatic compaction */
    uint32_t *pids = malloc(sizeof(uint32_t) * (w->nparts + 1));
    for (uint32_t i = 0; pids && i < w->nwp; i++) {
        if (!w->parts[i].seg) continue;
        bool seen = false;
        for (uint32_t k = 0; k < n && !seen; k++) seen = pids[k] == w->parts[i].part_id;
        if (!seen) pids[n++] = w->parts[i].part_id;
    }
    int rc = commit_writers(db, tid, &w, 1, NULL, 0, err);
    for (uint32_t i = 0; rc == K_OK && i < n; i++) {
        /* many small INSERTs leave many tiny segments: merge them once
         * there are ST_AUTO_COMPACT of them; the load itself has already
         * succeeded, so a failure here is only logged */
        KErr cerr;
        bool did;
        if (compact_small(db, tid, pids[i], ST_AUTO_COMPACT, &did, &cerr) != K_OK)
            k_warn("could not compact partition %u of table %u: %s", pids[i], tid, cerr.message);
    }
    free(pids);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Rewrite (DELETE / UPDATE)                                          */
/* ---------------------------------------------------------------- */
int
st_table_rewrite(StDb *db, uint32_t table_id, uint32_t part_id, StRewriteFn fn, void *ctx,
                 uint64_t *removed, KErr *err)
{
    if (removed) *removed = 0;
    KArena *a = k_arena_create(NULL, "rewrite");
    if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    StTableDef *def;
    int rc = K_ERR;
    uint32_t nw = 0, nrep = 0;
    StWriter **ws = NULL;
    StRewritePart *rep = NULL;
    if (st_table_get(db, table_id, a, &def, err) != K_OK) goto out;
    ws = k_alloc0(a, sizeof(StWriter *) * (def->nparts + 1));
    rep = k_alloc0(a, sizeof(StRewritePart) * (def->nparts + 1));
    uint32_t *cols = k_alloc(a, sizeof(uint32_t) * def->ncols);
    if (!ws || !rep || !cols) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    for (uint32_t c = 0; c < def->ncols; c++) cols[c] = c;
    uint64_t gone = 0;
    for (uint32_t pi = 0; pi < def->nparts; pi++) {
        uint32_t pid = def->parts[pi].id;
        if (part_id != ST_ALL_PARTITIONS && pid != part_id) continue;
        StScanOptions so = {.npart_ids = 1, .part_ids = &pid, .ncols = def->ncols, .cols = cols};
        StScan *s;
        if (st_scan_open(db, table_id, &so, a, &s, err) != K_OK) goto fail;
        StWriter *w = NULL;
        KBatch *b = k_batch_create(a, def->ncols, st_scan_types(s), err);
        bool changed = false;
        int src = b ? st_writer_begin(db, table_id, &w, err) : K_ERR;
        while (src == K_OK) {
            StMorsel *m;
            if ((src = st_scan_next_morsel(s, &m, err)) != K_OK || !m) break;
            for (;;) {
                uint32_t n;
                if ((src = st_morsel_read(m, b, &n, err)) != K_OK || n == 0) break;
                bool modified = false;
                if ((src = fn(ctx, b, &modified, err)) != K_OK) break;
                uint32_t kept = k_batch_rows(b);
                if (modified || kept != n) changed = true;
                gone += n - kept;
                if (kept && (src = st_writer_append(w, b, err)) != K_OK) break;
                b->sel = NULL;
                b->nsel = 0;
            }
            st_morsel_close(m);
        }
        if (src == K_OK && changed) {
            /* remember the segments this partition had when it was read */
            rep[nrep].part_id = pid;
            rep[nrep].nsegs = st__scan_segments(s, &rep[nrep].seg_ids, a);
            if (rep[nrep].nsegs == UINT32_MAX) src = k_error(err, K_OUT_OF_MEMORY, "out of memory");
            else nrep++;
        }
        st_scan_close(s);
        if (b) k_batch_destroy(b);
        if (src != K_OK) {
            st_writer_abort(w);
            goto fail;
        }
        if (!changed) {
            st_writer_abort(w);
            continue;
        }
        ws[nw++] = w;
        if (writer_prepare(w, err) != K_OK) goto fail;
    }
    rc = commit_writers(db, table_id, ws, nw, rep, nrep, err);
    nw = 0;
    if (rc == K_OK && removed) *removed = gone;
    goto out;
fail:
    for (uint32_t k = 0; k < nw; k++) st_writer_abort(ws[k]);
out:
    k_arena_destroy(a);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Compaction                                                         */
/* ---------------------------------------------------------------- */
/* A segment is small when every row group in it is under half the
 * row-group size. Merge the small segments of one partition (when there
 * are at least min_small of them) into full row groups, replacing just
 * those segments; the partition's rows and statistics do not change. */
static int
compact_small(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t min_small, bool *did, KErr *err)
{
    *did = false;
    KArena *a = k_arena_create(NULL, "compact");
    if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    int rc = K_ERR;
    StRewritePart rep = {.part_id = part_id, .subset = true};
    uint32_t ncols = 0;
    pthread_mutex_lock(&db->lock);
    StTable *t = st__table_by_id(db, table_id);
    StPartition *p = NULL;
    for (uint32_t i = 0; t && i < t->nparts; i++)
        if (t->parts[i]->def.id == part_id) p = t->parts[i];
    if (p) {
        ncols = t->def.ncols;
        rep.seg_ids = k_alloc(a, sizeof(uint64_t) * (p->nsegs + 1));
        for (uint32_t k = 0; rep.seg_ids && k < p->nsegs; k++) {
            StSegment *seg = p->segs[k];
            bool small = !seg->corrupt;
            for (uint32_t g = 0; small && g < seg->nrg; g++) small = seg->rgs[g].rows < db->opts.row_group_rows / 2;
            if (small) rep.seg_ids[rep.nsegs++] = seg->id;
        }
    }
    pthread_mutex_unlock(&db->lock);
    if (!p || rep.nsegs < K_MAX(min_small, 2u)) {
        k_arena_destroy(a);
        return K_OK; /* nothing to do (or the partition is gone) */
    }
    if (!rep.seg_ids) {
        k_arena_destroy(a);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    uint32_t *cols = k_alloc(a, sizeof(uint32_t) * ncols);
    if (!cols) {
        k_arena_destroy(a);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    for (uint32_t c = 0; c < ncols; c++) cols[c] = c;
    StScanOptions so = {.npart_ids = 1, .part_ids = &part_id, .ncols = ncols, .cols = cols};
    StScan *s;
    StWriter *w = NULL;
    if (st__scan_open_segments(db, table_id, &so, rep.seg_ids, rep.nsegs, a, &s, err) != K_OK) goto out;
    KBatch *b = k_batch_create(a, ncols, st_scan_types(s), err);
    int src = b ? st_writer_begin(db, table_id, &w, err) : K_ERR;
    while (src == K_OK) {
        StMorsel *m;
        if ((src = st_scan_next_morsel(s, &m, err)) != K_OK || !m) break;
        for (;;) {
            uint32_t n;
            if ((src = st_morsel_read(m, b, &n, err)) != K_OK || n == 0) break;
            if ((src = st_writer_append(w, b, err)) != K_OK) break;
        }
        st_morsel_close(m);
    }
    st_scan_close(s);
    if (src != K_OK) {
        st_writer_abort(w);
        goto out;
    }
    if (writer_prepare(w, err) != K_OK) {
        writer_free(w, false);
        goto out;
    }
    rc = commit_writers(db, table_id, &w, 1, &rep, 1, err);
    *did = rc == K_OK;
out:
    k_arena_destroy(a);
    return rc;
}

int
st_table_compact(StDb *db, uint32_t table_id, uint32_t *rewritten, KErr *err)
{
    if (rewritten) *rewritten = 0;
    pthread_mutex_lock(&db->lock);
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        pthread_mutex_unlock(&db->lock);
        return k_error(err, K_UNDEFINED_TABLE, "table with id %u does not exist", table_id);
    }
    uint32_t n = t->nparts, *ids = malloc(sizeof(uint32_t) * (n + 1));
    for (uint32_t i = 0; ids && i < n; i++) ids[i] = t->parts[i]->def.id;
    pthread_mutex_unlock(&db->lock);
    if (!ids) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    int rc = K_OK;
    for (uint32_t i = 0; i < n && rc == K_OK; i++) {
        bool did;
        rc = compact_small(db, table_id, ids[i], 2, &did, err);
        if (rc == K_OK && did && rewritten) (*rewritten)++;
    }
    free(ids);
    return rc;
}
