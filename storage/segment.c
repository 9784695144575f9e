/*
 * segment.c — segment files: header, footer (row-group directory with zone
 * maps) and trailer; reading a segment's footer back; I/O helpers.
 *
 * Interface routines: st__segment_path, st__segment_load, st__footer_write,
 * st__segment_ref/unref, st__pread_full, st__pwrite_full, st__zone_put/get,
 * st__datum_put/get.
 *
 * Layout (README.md has the byte-offset table):
 *   header  16 bytes: "KSTSEG01", u32 format (1), u32 ncols
 *   chunks  row group by row group, column by column
 *   footer  the row-group directory (varints, see st__footer_write)
 *   trailer 32 bytes: u64 footer offset, u64 footer length,
 *           u64 checksum of the footer, "KSTSEGND"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/storage_int.h"

char *
st__segment_path(StDb *db, uint64_t id)
{
    size_t n = strlen(db->seg_dir) + 40;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%016llx.kseg", db->seg_dir, (unsigned long long)id);
    return p;
}

int
st__pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return K_ERR;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return K_OK;
}

int
st__pwrite_full(int fd, const void *buf, size_t n, uint64_t off)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t r = pwrite(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return K_ERR;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return K_OK;
}

/* ---------------------------------------------------------------- */
/* Datum and zone serialization                                       */
/* ---------------------------------------------------------------- */
void
st__datum_put(KBuf *b, const StDatum *d, KType t)
{
    StPhys p = st__phys(t);
    switch (p) {
    case ST_PHYS_I8:
    case ST_PHYS_I32:
    case ST_PHYS_I64: k_buf_put_svarint(b, d->u.i64); break;
    case ST_PHYS_F64: {
        uint64_t x;
        memcpy(&x, &d->u.f64, 8);
        k_buf_put_u64(b, x);
        break;
    }
    case ST_PHYS_I128:
        k_buf_put_u64(b, (uint64_t)d->u.i128);
        k_buf_put_u64(b, (uint64_t)(d->u.i128 >> 64));
        break;
    case ST_PHYS_IV:
        k_buf_put_u32(b, (uint32_t)d->u.iv.months);
        k_buf_put_u32(b, (uint32_t)d->u.iv.days);
        k_buf_put_u64(b, (uint64_t)d->u.iv.micros);
        break;
    case ST_PHYS_STR: k_buf_put_str(b, k_str_data(&d->u.str), d->u.str.len); break;
    }
}

void
st__datum_get(KReader *r, StDatum *d, KType t)
{
    memset(d, 0, sizeof *d);
    switch (st__phys(t)) {
    case ST_PHYS_I8:
    case ST_PHYS_I32:
    case ST_PHYS_I64: d->u.i64 = k_get_svarint(r); break;
    case ST_PHYS_F64: {
        uint64_t x = k_get_u64(r);
        memcpy(&d->u.f64, &x, 8);
        break;
    }
    case ST_PHYS_I128: {
        uint64_t lo = k_get_u64(r), hi = k_get_u64(r);
        d->u.i128 = (k_int128)(((k_uint128)hi << 64) | lo);
        break;
    }
    case ST_PHYS_IV:
        d->u.iv.months = (int32_t)k_get_u32(r);
        d->u.iv.days = (int32_t)k_get_u32(r);
        d->u.iv.micros = (int64_t)k_get_u64(r);
        break;
    case ST_PHYS_STR: {
        size_t len = 0;
        const char *s = k_get_str(r, &len);
        if (!s) len = 0;
        st__zone_set_str(d, s ? s : "", (uint32_t)K_MIN(len, ST_ZONE_STR_MAX), NULL);
        break;
    }
    }
}

void
st__zone_put(KBuf *b, const StZone *z, KType t)
{
    k_buf_put_varint(b, z->nulls);
    k_buf_put_u8(b, (uint8_t)((z->has_minmax ? 1 : 0) | (z->max_trunc ? 2 : 0)));
    if (z->has_minmax) {
        st__datum_put(b, &z->min, t);
        st__datum_put(b, &z->max, t);
    }
}

void
st__zone_get(KReader *r, StZone *z, KType t)
{
    memset(z, 0, sizeof *z);
    z->nulls = k_get_varint(r);
    uint8_t f = k_get_u8(r);
    if (r->failed) return;
    z->max_trunc = (f & 2) != 0;
    if (f & 1) {
        z->has_minmax = true;
        st__datum_get(r, &z->min, t);
        st__datum_get(r, &z->max, t);
    }
}

/* ---------------------------------------------------------------- */
/* Footers                                                            */
/* ---------------------------------------------------------------- */
void
st__footer_write(KBuf *b, const StSegment *s)
{
    k_buf_put_varint(b, s->ncols);
    k_buf_put_varint(b, s->nrg);
    for (uint32_t g = 0; g < s->nrg; g++) {
        const StRowGroup *rg = &s->rgs[g];
        k_buf_put_varint(b, rg->rows);
        for (uint32_t c = 0; c < s->ncols; c++) {
            const StChunkMeta *m = &rg->chunks[c];
            k_buf_put_varint(b, m->offset);
            k_buf_put_varint(b, m->stored_len);
            k_buf_put_varint(b, m->raw_len);
            k_buf_put_u64(b, m->checksum);
            k_buf_put_u8(b, m->enc);
            k_buf_put_u8(b, m->comp);
            st__zone_put(b, &m->zone, s->types[c]);
        }
    }
}

static void
segment_free(StSegment *s)
{
    if (s->rgs) {
        for (uint32_t g = 0; g < s->nrg; g++) {
            if (!s->rgs[g].chunks) continue;
            for (uint32_t c = 0; c < s->ncols; c++)
                st__zone_free(&s->rgs[g].chunks[c].zone, st__phys(s->types[c]));
            free(s->rgs[g].chunks);
        }
        free(s->rgs);
    }
    if (s->fd >= 0) close(s->fd);
    free(s->types_own);
    free(s->path);
    free(s);
}

void
st__segment_ref(StSegment *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void
st__segment_unref(StSegment *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    if (atomic_load(&s->dead) && s->path) unlink(s->path);
    segment_free(s);
}

static int
parse_footer(StSegment *s, const uint8_t *p, size_t n)
{
    KReader r;
    k_reader_init(&r, p, n);
    uint64_t ncols = k_get_varint(&r), nrg = k_get_varint(&r);
    if (r.failed || ncols != s->ncols || nrg > (UINT64_C(1) << 24)) return K_ERR;
    s->rgs = calloc(nrg ? nrg : 1, sizeof(StRowGroup));
    if (!s->rgs) return K_ERR;
    s->nrg = (uint32_t)nrg;
    for (uint32_t g = 0; g < s->nrg; g++) {
        StRowGroup *rg = &s->rgs[g];
        rg->rows = (uint32_t)k_get_varint(&r);
        rg->chunks = calloc(s->ncols ? s->ncols : 1, sizeof(StChunkMeta));
        if (!rg->chunks) return K_ERR;
        for (uint32_t c = 0; c < s->ncols; c++) {
            StChunkMeta *m = &rg->chunks[c];
            m->offset = k_get_varint(&r);
            m->stored_len = (uint32_t)k_get_varint(&r);
            m->raw_len = (uint32_t)k_get_varint(&r);
            m->checksum = k_get_u64(&r);
            m->enc = k_get_u8(&r);
            m->comp = k_get_u8(&r);
            st__zone_get(&r, &m->zone, s->types[c]);
            if (r.failed || m->offset + m->stored_len > s->file_bytes) return K_ERR;
        }
    }
    return r.failed || k_reader_left(&r) ? K_ERR : K_OK;
}

StSegment *
st__segment_new(uint64_t id, uint32_t ncols, const KType *types)
{
    StSegment *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->id = id;
    s->ncols = ncols;
    s->fd = -1;
    s->types_own = malloc(sizeof(KType) * (ncols ? ncols : 1));
    if (!s->types_own) {
        free(s);
        return NULL;
    }
    memcpy(s->types_own, types, sizeof(KType) * ncols);
    s->types = s->types_own;
    atomic_init(&s->refs, 1);
    atomic_init(&s->dead, false);
    return s;
}

int
st__segment_load(StDb *db, uint64_t id, uint32_t ncols, const KType *types, StSegment **out,
                 KErr *err)
{
    StSegment *s = st__segment_new(id, ncols, types);
    if (!s || !(s->path = st__segment_path(db, id))) {
        if (s) segment_free(s);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        /* a missing file does not stop the directory from opening: every
         * scan that reaches the segment reports XX001 */
        k_warn("segment file \"%s\" cannot be opened: %s", s->path, strerror(errno));
        s->corrupt = true;
        *out = s;
        return K_OK;
    }
    s->fd = fd;
    struct stat stt;
    uint8_t tr[32];
    uint8_t *foot = NULL;
    bool ok = false;
    if (fstat(fd, &stt) == 0 && stt.st_size >= 48) {
        s->file_bytes = (uint64_t)stt.st_size;
        if (st__pread_full(fd, tr, 32, s->file_bytes - 32) == K_OK && memcmp(tr + 24, "KSTSEGND", 8) == 0) {
            KReader r;
            k_reader_init(&r, tr, 24);
            uint64_t off = k_get_u64(&r), len = k_get_u64(&r), sum = k_get_u64(&r);
            if (off >= 16 && len < s->file_bytes && off + len + 32 == s->file_bytes) {
                foot = malloc(len + 1);
                if (foot && st__pread_full(fd, foot, len, off) == K_OK &&
                    st__hash64(foot, len, 0x464f) == sum && parse_footer(s, foot, len) == K_OK)
                    ok = true;
            }
        }
    }
    free(foot);
    close(fd); /* scans open the file per morsel */
    s->fd = -1;
    if (!ok) {
        /* keep the segment (its rows are in the catalog's counts) but make
         * every read of it fail with XX001 */
        for (uint32_t g = 0; s->rgs && g < s->nrg; g++) {
            if (!s->rgs[g].chunks) continue;
            for (uint32_t c = 0; c < s->ncols; c++)
                st__zone_free(&s->rgs[g].chunks[c].zone, st__phys(s->types[c]));
            free(s->rgs[g].chunks);
        }
        free(s->rgs);
        s->rgs = NULL;
        s->nrg = 0;
        s->corrupt = true;
        k_warn("segment file \"%s\" is damaged (footer)", s->path);
    }
    *out = s;
    return K_OK;
}
