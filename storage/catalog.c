/*
 * catalog.c — the data directory and its catalog: open/close, the catalog
 * file (serialize, publish atomically, load), schemas, tables, partitions.
 *
 * Interface routines: st_db_open, st_db_close, st_db_version, st_db_path,
 * st_table_create/drop/rename/truncate/lookup/get/list, st_schema_*,
 * st_partition_add/add_ranges/detach/attach, st__catalog_publish.
 *
 * Every change follows one pattern: check, change the in-memory catalog,
 * publish (write CATALOG.tmp, fsync, rename over CATALOG, fsync the
 * directory); if publishing fails, undo the in-memory change. Files that a
 * change makes unreachable (dropped or truncated segments) are removed
 * only after the new catalog is durable, and only when no scan still uses
 * them. At open, files no catalog references (the remains of loads that
 * never committed) are deleted: that is garbage collection, not repair —
 * the catalog itself is always complete.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "storage/storage_int.h"

#define CAT_MAGIC "KSTCAT01"

static char *
path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", a, b);
    return p;
}

int
st__fsync_fd(StDb *db, int fd, const char *what, KErr *err)
{
    if (db->opts.no_fsync) return K_OK;
    if (fsync(fd) != 0)
        return k_error(err, K_IO_ERROR, "could not fsync file \"%s\": %s", what, strerror(errno));
    return K_OK;
}

int
st__fsync_dir(StDb *db, const char *dir, KErr *err)
{
    if (db->opts.no_fsync) return K_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return k_error(err, K_IO_ERROR, "could not open directory \"%s\": %s", dir, strerror(errno));
    int rc = st__fsync_fd(db, fd, dir, err);
    close(fd);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Partitions                                                         */
/* ---------------------------------------------------------------- */
StPartition *
st__partition_new(const StTable *t, const StPartitionDef *def)
{
    StPartition *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->def = *def;
    p->stats = calloc(t->def.ncols ? t->def.ncols : 1, sizeof(StColStats));
    if (!p->stats) {
        free(p);
        return NULL;
    }
    return p;
}

static void
partition_clear_stats(StPartition *p, const StTable *t)
{
    for (uint32_t c = 0; c < t->def.ncols; c++) {
        st__zone_free(&p->stats[c].zone, st__phys(t->def.cols[c].type));
        memset(&p->stats[c], 0, sizeof p->stats[c]);
    }
    p->rows = 0;
}

static void
partition_free(StPartition *p, const StTable *t, bool dead)
{
    if (!p) return;
    for (uint32_t i = 0; i < p->nsegs; i++) {
        if (dead) atomic_store(&p->segs[i]->dead, true);
        st__segment_unref(p->segs[i]);
    }
    free(p->segs);
    partition_clear_stats(p, t);
    free(p->stats);
    free(p);
}

static void
table_free(StTable *t, bool dead)
{
    if (!t) return;
    for (uint32_t i = 0; i < t->nparts; i++) partition_free(t->parts[i], t, dead);
    free(t->parts);
    free(t->def.cols);
    free(t);
}

StPartition *
st__route_partition(StTable *t, int64_t key)
{
    for (uint32_t i = 0; i < t->nparts; i++) {
        StPartition *p = t->parts[i];
        if (p->def.has_lo && key < p->def.lo.u.i64) continue;
        if (p->def.has_hi && key >= p->def.hi.u.i64) continue;
        return p;
    }
    return NULL;
}

StTable *
st__table_by_id(StDb *db, uint32_t id)
{
    for (uint32_t i = 0; i < db->ntables; i++)
        if (db->tables[i]->def.id == id) return db->tables[i];
    return NULL;
}

static StTable *
table_by_name(StDb *db, const char *schema, const char *name)
{
    if (!schema || !*schema) schema = ST_DEFAULT_SCHEMA;
    for (uint32_t i = 0; i < db->ntables; i++) {
        StTable *t = db->tables[i];
        if (strcmp(t->def.schema, schema) == 0 && strcmp(t->def.name, name) == 0) return t;
    }
    return NULL;
}

static int
no_table(KErr *err, uint32_t id)
{
    return k_error(err, K_UNDEFINED_TABLE, "table with id %u does not exist", id);
}

/* ---------------------------------------------------------------- */
/* Serialization                                                      */
/* ---------------------------------------------------------------- */
static void
put_type(KBuf *b, KType t)
{
    k_buf_put_u8(b, t.id);
    k_buf_put_u8(b, t.precision);
    k_buf_put_u8(b, t.scale);
    k_buf_put_svarint(b, t.len);
}

static KType
get_type(KReader *r)
{
    KType t;
    memset(&t, 0, sizeof t);
    t.id = k_get_u8(r);
    t.precision = k_get_u8(r);
    t.scale = k_get_u8(r);
    t.len = (int32_t)k_get_svarint(r);
    return t;
}

static void
serialize(StDb *db, KBuf *b)
{
    k_buf_put_varint(b, db->version);
    k_buf_put_varint(b, db->next_table_id);
    k_buf_put_varint(b, db->next_seg_id);
    k_buf_put_varint(b, db->nschemas);
    for (uint32_t i = 0; i < db->nschemas; i++) k_buf_put_str(b, db->schemas[i], strlen(db->schemas[i]));
    k_buf_put_varint(b, db->ntables);
    for (uint32_t i = 0; i < db->ntables; i++) {
        const StTable *t = db->tables[i];
        const StTableDef *d = &t->def;
        k_buf_put_varint(b, d->id);
        k_buf_put_str(b, d->schema, strlen(d->schema));
        k_buf_put_str(b, d->name, strlen(d->name));
        k_buf_put_varint(b, d->ncols);
        for (uint32_t c = 0; c < d->ncols; c++) {
            k_buf_put_str(b, d->cols[c].name, strlen(d->cols[c].name));
            put_type(b, d->cols[c].type);
            k_buf_put_u8(b, d->cols[c].not_null);
        }
        k_buf_put_u8(b, (uint8_t)d->dist);
        k_buf_put_varint(b, d->ndist_cols);
        for (uint32_t k = 0; k < d->ndist_cols; k++) k_buf_put_varint(b, d->dist_cols[k]);
        k_buf_put_svarint(b, d->part_col);
        k_buf_put_varint(b, t->next_part_id);
        k_buf_put_varint(b, t->nparts);
        KType pt = d->part_col >= 0 ? d->cols[d->part_col].type : k_type(K_TYPE_INT64);
        for (uint32_t p = 0; p < t->nparts; p++) {
            const StPartition *part = t->parts[p];
            k_buf_put_varint(b, part->def.id);
            k_buf_put_str(b, part->def.name, strlen(part->def.name));
            k_buf_put_u8(b, (uint8_t)((part->def.has_lo ? 1 : 0) | (part->def.has_hi ? 2 : 0)));
            if (part->def.has_lo) st__datum_put(b, &part->def.lo, pt);
            if (part->def.has_hi) st__datum_put(b, &part->def.hi, pt);
            k_buf_put_varint(b, part->rows);
            k_buf_put_varint(b, part->nsegs);
            for (uint32_t s = 0; s < part->nsegs; s++) k_buf_put_varint(b, part->segs[s]->id);
            for (uint32_t c = 0; c < d->ncols; c++) {
                st__zone_put(b, &part->stats[c].zone, d->cols[c].type);
                k_buf_put(b, part->stats[c].hll, ST_HLL_REGS);
            }
        }
    }
}

static void
copy_name(char *dst, const char *s, size_t n)
{
    n = K_MIN(n, (size_t)ST_NAME_MAX);
    memcpy(dst, s, n);
    dst[n] = 0;
}

static int
deserialize(StDb *db, const uint8_t *p, size_t n, KErr *err)
{
    KReader r;
    k_reader_init(&r, p, n);
    db->version = k_get_varint(&r);
    db->next_table_id = k_get_varint(&r);
    db->next_seg_id = k_get_varint(&r);
    uint64_t ns = k_get_varint(&r);
    if (r.failed || ns > 100000) goto bad;
    db->schemas = calloc(ns + 1, sizeof(char *));
    if (!db->schemas) goto oom;
    for (uint64_t i = 0; i < ns; i++) {
        size_t len;
        const char *s = k_get_str(&r, &len);
        if (!s) goto bad;
        db->schemas[i] = strndup(s, len);
        if (!db->schemas[i]) goto oom;
        db->nschemas++;
    }
    uint64_t nt = k_get_varint(&r);
    if (r.failed || nt > 1000000) goto bad;
    db->tables = calloc(nt + 1, sizeof(StTable *));
    db->captables = (uint32_t)nt + 1;
    if (!db->tables) goto oom;
    for (uint64_t i = 0; i < nt; i++) {
        StTable *t = calloc(1, sizeof *t);
        if (!t) goto oom;
        db->tables[db->ntables++] = t;
        StTableDef *d = &t->def;
        d->id = (uint32_t)k_get_varint(&r);
        size_t len;
        const char *s = k_get_str(&r, &len);
        if (!s) goto bad;
        copy_name(d->schema, s, len);
        s = k_get_str(&r, &len);
        if (!s) goto bad;
        copy_name(d->name, s, len);
        uint64_t nc = k_get_varint(&r);
        if (r.failed || nc == 0 || nc > ST_MAX_COLUMNS) goto bad;
        d->cols = calloc(nc, sizeof(StColumnDef));
        if (!d->cols) goto oom;
        d->ncols = (uint32_t)nc;
        for (uint32_t c = 0; c < d->ncols; c++) {
            s = k_get_str(&r, &len);
            if (!s) goto bad;
            copy_name(d->cols[c].name, s, len);
            d->cols[c].type = get_type(&r);
            d->cols[c].not_null = k_get_u8(&r) != 0;
            if (d->cols[c].type.id == K_TYPE_UNKNOWN || d->cols[c].type.id >= K_TYPE_COUNT) goto bad;
        }
        d->dist = (StDistKind)k_get_u8(&r);
        d->ndist_cols = (uint32_t)k_get_varint(&r);
        if (d->ndist_cols > ST_MAX_DIST_COLS) goto bad;
        for (uint32_t k = 0; k < d->ndist_cols; k++) d->dist_cols[k] = (uint32_t)k_get_varint(&r);
        d->part_col = (int32_t)k_get_svarint(&r);
        if (d->part_col >= (int32_t)d->ncols) goto bad;
        t->next_part_id = (uint32_t)k_get_varint(&r);
        uint64_t np = k_get_varint(&r);
        if (r.failed || np > 1000000) goto bad;
        t->parts = calloc(np + 1, sizeof(StPartition *));
        t->capparts = (uint32_t)np + 1;
        if (!t->parts) goto oom;
        KType pt = d->part_col >= 0 ? d->cols[d->part_col].type : k_type(K_TYPE_INT64);
        KType *types = malloc(sizeof(KType) * d->ncols);
        if (!types) goto oom;
        for (uint32_t c = 0; c < d->ncols; c++) types[c] = d->cols[c].type;
        for (uint64_t pi = 0; pi < np; pi++) {
            StPartitionDef pd;
            memset(&pd, 0, sizeof pd);
            pd.id = (uint32_t)k_get_varint(&r);
            s = k_get_str(&r, &len);
            if (!s) {
                free(types);
                goto bad;
            }
            copy_name(pd.name, s, len);
            uint8_t f = k_get_u8(&r);
            pd.has_lo = f & 1;
            pd.has_hi = (f & 2) != 0;
            if (pd.has_lo) st__datum_get(&r, &pd.lo, pt);
            if (pd.has_hi) st__datum_get(&r, &pd.hi, pt);
            StPartition *part = st__partition_new(t, &pd);
            if (!part) {
                free(types);
                goto oom;
            }
            t->parts[t->nparts++] = part;
            part->rows = k_get_varint(&r);
            uint64_t nseg = k_get_varint(&r);
            if (r.failed || nseg > 10000000) {
                free(types);
                goto bad;
            }
            part->segs = calloc(nseg + 1, sizeof(StSegment *));
            part->capsegs = (uint32_t)nseg + 1;
            if (!part->segs) {
                free(types);
                goto oom;
            }
            for (uint64_t si = 0; si < nseg; si++) {
                uint64_t sid = k_get_varint(&r);
                if (r.failed) {
                    free(types);
                    goto bad;
                }
                StSegment *seg;
                if (st__segment_load(db, sid, d->ncols, types, &seg, err) != K_OK) {
                    free(types);
                    return K_ERR;
                }
                part->segs[part->nsegs++] = seg;
            }
            for (uint32_t c = 0; c < d->ncols; c++) {
                st__zone_get(&r, &part->stats[c].zone, d->cols[c].type);
                const uint8_t *h = k_get_bytes(&r, ST_HLL_REGS);
                if (!h) {
                    free(types);
                    goto bad;
                }
                memcpy(part->stats[c].hll, h, ST_HLL_REGS);
            }
        }
        free(types);
    }
    if (r.failed || k_reader_left(&r)) goto bad;
    return K_OK;
bad:
    return k_error(err, K_DATA_CORRUPTED, "catalog file \"%s/CATALOG\" is damaged", db->path);
oom:
    return k_error(err, K_OUT_OF_MEMORY, "out of memory while reading the catalog");
}

int
st__catalog_publish(StDb *db, KErr *err)
{
    KBuf raw, out;
    k_buf_init(&raw);
    k_buf_init(&out);
    int rc = K_ERR, fd = -1;
    char *tmp = path_join(db->path, "CATALOG.tmp"), *dst = path_join(db->path, "CATALOG");
    db->version++;
    serialize(db, &raw);
    if (raw.failed || !tmp || !dst) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory while writing the catalog");
        goto done;
    }
    size_t bound = ZSTD_compressBound(raw.len);
    k_buf_put(&out, CAT_MAGIC, 8);
    k_buf_put_u32(&out, (uint32_t)raw.len);
    k_buf_put_u32(&out, 0);
    k_buf_put_u64(&out, 0);
    if (!k_buf_reserve(&out, bound) || out.failed) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory while writing the catalog");
        goto done;
    }
    size_t z = ZSTD_compress(out.data + 24, bound, raw.data, raw.len, 3);
    if (ZSTD_isError(z)) {
        k_error(err, K_INTERNAL_ERROR, "could not compress the catalog");
        goto done;
    }
    out.len = 24 + z;
    uint32_t zl = (uint32_t)z;
    uint64_t sum = st__hash64(out.data + 24, z, 0x434154);
    memcpy(out.data + 12, &zl, 4);
    memcpy(out.data + 16, &sum, 8);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        k_error(err, K_IO_ERROR, "could not create file \"%s\": %s", tmp, strerror(errno));
        goto done;
    }
    if (st__pwrite_full(fd, out.data, out.len, 0) != K_OK) {
        k_error(err, errno == ENOSPC ? K_DISK_FULL : K_IO_ERROR, "could not write file \"%s\": %s",
                tmp, strerror(errno));
        goto done;
    }
    if (st__fsync_fd(db, fd, tmp, err) != K_OK) goto done;
    close(fd);
    fd = -1;
    if (rename(tmp, dst) != 0) {
        k_error(err, K_IO_ERROR, "could not rename \"%s\" to \"%s\": %s", tmp, dst, strerror(errno));
        goto done;
    }
    if (st__fsync_dir(db, db->path, err) != K_OK) goto done;
    rc = K_OK;
done:
    if (fd >= 0) close(fd);
    if (rc != K_OK) {
        db->version--;
        if (tmp) unlink(tmp);
    }
    free(tmp);
    free(dst);
    k_buf_free(&raw);
    k_buf_free(&out);
    return rc;
}

static int
catalog_load(StDb *db, const char *file, KErr *err)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return k_error(err, K_IO_ERROR, "could not open file \"%s\": %s", file, strerror(errno));
    struct stat st;
    uint8_t *buf = NULL, *raw = NULL;
    int rc = K_ERR;
    if (fstat(fd, &st) != 0 || st.st_size < 24) goto bad;
    buf = malloc((size_t)st.st_size);
    if (!buf || st__pread_full(fd, buf, (size_t)st.st_size, 0) != K_OK) goto bad;
    if (memcmp(buf, CAT_MAGIC, 8) != 0) goto bad;
    uint32_t rawlen, zl;
    uint64_t sum;
    memcpy(&rawlen, buf + 8, 4);
    memcpy(&zl, buf + 12, 4);
    memcpy(&sum, buf + 16, 8);
    if ((uint64_t)zl + 24 != (uint64_t)st.st_size || st__hash64(buf + 24, zl, 0x434154) != sum) goto bad;
    raw = malloc(rawlen + 1);
    if (!raw) goto bad;
    size_t z = ZSTD_decompress(raw, rawlen, buf + 24, zl);
    if (ZSTD_isError(z) || z != rawlen) goto bad;
    rc = deserialize(db, raw, rawlen, err);
    goto done;
bad:
    rc = k_error(err, K_DATA_CORRUPTED, "catalog file \"%s\" is damaged", file);
done:
    close(fd);
    free(buf);
    free(raw);
    return rc;
}

/* Delete segment files no table references and leftovers of publishing. */
static void
collect_garbage(StDb *db)
{
    DIR *d = opendir(db->seg_dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        unsigned long long id;
        char tail[16];
        bool keep = false;
        if (sscanf(e->d_name, "%16llx.%8s", &id, tail) == 2 && strcmp(tail, "kseg") == 0) {
            for (uint32_t i = 0; i < db->ntables && !keep; i++) {
                StTable *t = db->tables[i];
                for (uint32_t p = 0; p < t->nparts && !keep; p++)
                    for (uint32_t s = 0; s < t->parts[p]->nsegs; s++)
                        if (t->parts[p]->segs[s]->id == id) {
                            keep = true;
                            break;
                        }
            }
        }
        if (!keep) {
            char *f = path_join(db->seg_dir, e->d_name);
            if (f) unlink(f);
            free(f);
        }
    }
    closedir(d);
}

static void
db_free(StDb *db)
{
    for (uint32_t i = 0; i < db->ntables; i++) table_free(db->tables[i], false);
    free(db->tables);
    for (uint32_t i = 0; i < db->nschemas; i++) free(db->schemas[i]);
    free(db->schemas);
    free(db->path);
    free(db->seg_dir);
    if (db->lock_fd >= 0) close(db->lock_fd); /* releases the flock */
    pthread_mutex_destroy(&db->lock);
    KArena *a = db->arena;
    free(db);
    k_arena_destroy(a);
}

int
st_db_open(const char *path, const StDbOptions *opts, KArena *arena, StDb **out, KErr *err)
{
    *out = NULL;
    StDb *db = calloc(1, sizeof *db);
    if (!db) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    pthread_mutex_init(&db->lock, NULL);
    db->lock_fd = -1;
    db->arena = k_arena_create(arena, "storage");
    if (opts) db->opts = *opts;
    if (db->opts.row_group_rows == 0) db->opts.row_group_rows = ST_DEFAULT_ROW_GROUP;
    db->opts.row_group_rows = (uint32_t)K_ALIGN_UP(db->opts.row_group_rows, K_VECTOR_SIZE);
    if (db->opts.zstd_level == 0) db->opts.zstd_level = 3;
    db->path = strdup(path);
    db->seg_dir = path_join(path, "segments");
    char *cat = path_join(path, "CATALOG");
    char *tmp = path_join(path, "CATALOG.tmp");
    if (!db->path || !db->seg_dir || !cat || !tmp) {
        free(cat);
        free(tmp);
        db_free(db);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    int rc = K_ERR;
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        k_error(err, K_IO_ERROR, "could not create directory \"%s\": %s", path, strerror(errno));
        goto done;
    }
    if (mkdir(db->seg_dir, 0755) != 0 && errno != EEXIST) {
        k_error(err, K_IO_ERROR, "could not create directory \"%s\": %s", db->seg_dir, strerror(errno));
        goto done;
    }
    /* one StDb per directory: a second opener would collect the first
     * one's in-progress segment files as garbage */
    char *lockp = path_join(path, "LOCK");
    if (lockp) db->lock_fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(lockp);
    if (db->lock_fd < 0) {
        k_error(err, K_IO_ERROR, "could not create lock file \"%s/LOCK\": %s", path, strerror(errno));
        goto done;
    }
    if (flock(db->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        k_error(err, K_OBJECT_IN_USE, "data directory \"%s\" is in use", path);
        k_err_hint(err, "Another process (or another st_db_open in this one) has it open.");
        goto done;
    }
    unlink(tmp);
    if (access(cat, F_OK) == 0) {
        if (catalog_load(db, cat, err) != K_OK) goto done;
    } else {
        db->next_table_id = 1;
        db->next_seg_id = 1;
        db->schemas = calloc(1, sizeof(char *));
        if (!db->schemas || !(db->schemas[0] = strdup(ST_DEFAULT_SCHEMA))) {
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto done;
        }
        db->nschemas = 1;
        if (st__fsync_dir(db, path, err) != K_OK) goto done;
        if (st__catalog_publish(db, err) != K_OK) goto done;
    }
    collect_garbage(db);
    rc = K_OK;
done:
    free(cat);
    free(tmp);
    if (rc != K_OK) {
        db_free(db);
        return K_ERR;
    }
    *out = db;
    return K_OK;
}

void
st_db_close(StDb *db)
{
    if (db) db_free(db);
}

uint64_t
st_db_version(StDb *db)
{
    pthread_mutex_lock(&db->lock);
    uint64_t v = db->version;
    pthread_mutex_unlock(&db->lock);
    return v;
}

const char *
st_db_path(const StDb *db)
{
    return db->path;
}

/* ---------------------------------------------------------------- */
/* Schemas                                                            */
/* ---------------------------------------------------------------- */
static int
schema_index(StDb *db, const char *name)
{
    for (uint32_t i = 0; i < db->nschemas; i++)
        if (strcmp(db->schemas[i], name) == 0) return (int)i;
    return -1;
}

bool
st_schema_exists(StDb *db, const char *name)
{
    pthread_mutex_lock(&db->lock);
    bool r = schema_index(db, name) >= 0;
    pthread_mutex_unlock(&db->lock);
    return r;
}

static int
check_name(const char *name, const char *what, KErr *err)
{
    if (!name || !*name) return k_error(err, K_INVALID_PARAMETER_VALUE, "%s name must not be empty", what);
    if (strlen(name) > ST_NAME_MAX)
        return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "%s name \"%s\" is too long", what, name);
    return K_OK;
}

int
st_schema_create(StDb *db, const char *name, KErr *err)
{
    if (check_name(name, "schema", err) != K_OK) return K_ERR;
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    if (schema_index(db, name) >= 0) {
        k_error(err, K_DUPLICATE_SCHEMA, "schema \"%s\" already exists", name);
        goto done;
    }
    char **ns = realloc(db->schemas, sizeof(char *) * (db->nschemas + 1));
    char *copy = strdup(name);
    if (!ns || !copy) {
        if (ns) db->schemas = ns;
        free(copy);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    db->schemas = ns;
    db->schemas[db->nschemas++] = copy;
    rc = st__catalog_publish(db, err);
    if (rc != K_OK) free(db->schemas[--db->nschemas]);
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_schema_drop(StDb *db, const char *name, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    int i = schema_index(db, name);
    if (i < 0) {
        k_error(err, K_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", name);
        goto done;
    }
    for (uint32_t t = 0; t < db->ntables; t++) {
        if (strcmp(db->tables[t]->def.schema, name) == 0) {
            k_error(err, K_OBJECT_IN_USE, "cannot drop schema %s because other objects depend on it",
                    name);
            k_err_hint(err, "Drop its tables first.");
            goto done;
        }
    }
    char *old = db->schemas[i];
    db->schemas[i] = db->schemas[db->nschemas - 1];
    db->nschemas--;
    rc = st__catalog_publish(db, err);
    if (rc != K_OK) {
        db->schemas[db->nschemas++] = db->schemas[i];
        db->schemas[i] = old;
    } else {
        free(old);
    }
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Tables                                                             */
/* ---------------------------------------------------------------- */
static bool
part_type_ok(KType t)
{
    return st__intlike(st__phys(t)) && t.id != K_TYPE_BOOL;
}

/* Does [lo, hi) of a overlap b? */
static bool
ranges_overlap(const StPartitionDef *a, const StPartitionDef *b)
{
    bool a_before_b = a->has_hi && b->has_lo && a->hi.u.i64 <= b->lo.u.i64;
    bool b_before_a = b->has_hi && a->has_lo && b->hi.u.i64 <= a->lo.u.i64;
    return !a_before_b && !b_before_a;
}

static int
check_partition(const StTable *t, const StPartitionDef *p, KErr *err)
{
    if (check_name(p->name, "partition", err) != K_OK) return K_ERR;
    if (p->has_lo && p->has_hi && p->lo.u.i64 >= p->hi.u.i64)
        return k_error(err, K_INVALID_OBJECT_DEFINITION,
                       "empty range bound specified for partition \"%s\"", p->name);
    for (uint32_t i = 0; i < t->nparts; i++) {
        const StPartitionDef *q = &t->parts[i]->def;
        if (strcmp(q->name, p->name) == 0)
            return k_error(err, K_DUPLICATE_TABLE, "partition \"%s\" already exists", p->name);
        if (ranges_overlap(p, q))
            return k_error(err, K_INVALID_OBJECT_DEFINITION,
                           "partition \"%s\" would overlap partition \"%s\"", p->name, q->name);
    }
    return K_OK;
}

static int
add_partition(StTable *t, const StPartitionDef *pd, uint32_t *id, KErr *err)
{
    if (t->nparts == t->capparts) {
        uint32_t nc = t->capparts ? t->capparts * 2 : 4;
        StPartition **np = realloc(t->parts, sizeof(StPartition *) * nc);
        if (!np) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        t->parts = np;
        t->capparts = nc;
    }
    StPartitionDef d = *pd;
    d.id = t->next_part_id++;
    StPartition *p = st__partition_new(t, &d);
    if (!p) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    t->parts[t->nparts++] = p;
    if (id) *id = d.id;
    return K_OK;
}

static int
add_table(StDb *db, StTable *t, KErr *err)
{
    if (db->ntables == db->captables) {
        uint32_t nc = db->captables ? db->captables * 2 : 8;
        StTable **nt = realloc(db->tables, sizeof(StTable *) * nc);
        if (!nt) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        db->tables = nt;
        db->captables = nc;
    }
    db->tables[db->ntables++] = t;
    return K_OK;
}

static void
remove_table_at(StDb *db, uint32_t i)
{
    memmove(&db->tables[i], &db->tables[i + 1], sizeof(StTable *) * (db->ntables - i - 1));
    db->ntables--;
}

static int
table_index(StDb *db, uint32_t id)
{
    for (uint32_t i = 0; i < db->ntables; i++)
        if (db->tables[i]->def.id == id) return (int)i;
    return -1;
}

/* Build a new table object from a definition (no partitions yet). */
static int
table_new(StDb *db, const StTableDef *def, StTable **out, KErr *err)
{
    const char *schema = def->schema[0] ? def->schema : ST_DEFAULT_SCHEMA;
    if (check_name(def->name, "table", err) != K_OK) return K_ERR;
    if (schema_index(db, schema) < 0)
        return k_error(err, K_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", schema);
    if (table_by_name(db, schema, def->name))
        return k_error(err, K_DUPLICATE_TABLE, "relation \"%s\" already exists", def->name);
    if (def->ncols == 0 || def->ncols > ST_MAX_COLUMNS)
        return k_error(err, def->ncols ? K_TOO_MANY_COLUMNS : K_INVALID_TABLE_DEFINITION,
                       "tables must have between 1 and %d columns", ST_MAX_COLUMNS);
    for (uint32_t c = 0; c < def->ncols; c++) {
        if (check_name(def->cols[c].name, "column", err) != K_OK) return K_ERR;
        KType ty = def->cols[c].type;
        if (ty.id == K_TYPE_UNKNOWN || ty.id >= K_TYPE_COUNT)
            return k_error(err, K_INVALID_TABLE_DEFINITION, "column \"%s\" has no valid type",
                           def->cols[c].name);
        for (uint32_t d = 0; d < c; d++)
            if (strcmp(def->cols[c].name, def->cols[d].name) == 0)
                return k_error(err, K_DUPLICATE_COLUMN, "column \"%s\" specified more than once",
                               def->cols[c].name);
    }
    if (def->dist > ST_DIST_RANDOM || def->ndist_cols > ST_MAX_DIST_COLS)
        return k_error(err, K_INVALID_TABLE_DEFINITION, "invalid distribution");
    for (uint32_t k = 0; k < def->ndist_cols; k++)
        if (def->dist_cols[k] >= def->ncols)
            return k_error(err, K_INVALID_TABLE_DEFINITION, "distribution column %u does not exist",
                           def->dist_cols[k]);
    if (def->part_col >= (int32_t)def->ncols)
        return k_error(err, K_INVALID_TABLE_DEFINITION, "partition column %d does not exist",
                       def->part_col);
    if (def->part_col >= 0 && !part_type_ok(def->cols[def->part_col].type)) {
        char tn[64];
        k_type_name(def->cols[def->part_col].type, tn, sizeof tn);
        return k_error(err, K_FEATURE_NOT_SUPPORTED,
                       "range partitioning on a column of type %s is not supported", tn);
    }
    StTable *t = calloc(1, sizeof *t);
    if (!t || !(t->def.cols = malloc(sizeof(StColumnDef) * def->ncols))) {
        free(t);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    StColumnDef *cols = t->def.cols;
    t->def = *def;
    t->def.cols = cols;
    memcpy(cols, def->cols, sizeof(StColumnDef) * def->ncols);
    snprintf(t->def.schema, sizeof t->def.schema, "%s", schema);
    t->def.nparts = 0;
    t->def.parts = NULL;
    if (t->def.dist == ST_DIST_HASH && t->def.ndist_cols == 0) {
        t->def.ndist_cols = 1;
        t->def.dist_cols[0] = 0;
    }
    if (t->def.dist != ST_DIST_HASH) t->def.ndist_cols = 0;
    t->def.id = (uint32_t)db->next_table_id;
    *out = t;
    return K_OK;
}

int
st_table_create(StDb *db, const StTableDef *def, uint32_t *table_id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    StTable *t = NULL;
    int rc = K_ERR;
    if (table_new(db, def, &t, err) != K_OK) goto done;
    if (def->part_col < 0) {
        StPartitionDef pd;
        memset(&pd, 0, sizeof pd);
        snprintf(pd.name, sizeof pd.name, "%s", def->name);
        if (add_partition(t, &pd, NULL, err) != K_OK) goto fail;
    } else {
        for (uint32_t i = 0; i < def->nparts; i++) {
            if (check_partition(t, &def->parts[i], err) != K_OK) goto fail;
            if (add_partition(t, &def->parts[i], NULL, err) != K_OK) goto fail;
        }
    }
    if (add_table(db, t, err) != K_OK) goto fail;
    db->next_table_id++;
    if (st__catalog_publish(db, err) != K_OK) {
        db->next_table_id--;
        db->ntables--;
        goto fail;
    }
    if (table_id) *table_id = t->def.id;
    rc = K_OK;
    goto done;
fail:
    table_free(t, false);
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_table_drop(StDb *db, uint32_t table_id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int i = table_index(db, table_id);
    int rc = K_ERR;
    if (i < 0) {
        no_table(err, table_id);
        goto done;
    }
    StTable *t = db->tables[i];
    remove_table_at(db, (uint32_t)i);
    if (st__catalog_publish(db, err) != K_OK) {
        memmove(&db->tables[i + 1], &db->tables[i], sizeof(StTable *) * (db->ntables - (uint32_t)i));
        db->tables[i] = t;
        db->ntables++;
        goto done;
    }
    table_free(t, true);
    rc = K_OK;
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_table_rename(StDb *db, uint32_t table_id, const char *new_name, KErr *err)
{
    if (check_name(new_name, "table", err) != K_OK) return K_ERR;
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        no_table(err, table_id);
        goto done;
    }
    if (table_by_name(db, t->def.schema, new_name)) {
        k_error(err, K_DUPLICATE_TABLE, "relation \"%s\" already exists", new_name);
        goto done;
    }
    char old[ST_NAME_MAX + 1];
    memcpy(old, t->def.name, sizeof old);
    snprintf(t->def.name, sizeof t->def.name, "%s", new_name);
    rc = st__catalog_publish(db, err);
    if (rc != K_OK) memcpy(t->def.name, old, sizeof old);
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_table_truncate(StDb *db, uint32_t table_id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    StTable *t = st__table_by_id(db, table_id);
    StPartition **fresh = NULL;
    if (!t) {
        no_table(err, table_id);
        goto done;
    }
    fresh = calloc(t->nparts + 1, sizeof(StPartition *));
    if (!fresh) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < t->nparts; i++) {
        fresh[i] = st__partition_new(t, &t->parts[i]->def);
        if (!fresh[i]) {
            for (uint32_t j = 0; j < i; j++) partition_free(fresh[j], t, false);
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto done;
        }
    }
    StPartition **old = t->parts;
    t->parts = fresh;
    fresh = NULL;
    uint32_t cap = t->capparts;
    t->capparts = t->nparts + 1;
    if (st__catalog_publish(db, err) != K_OK) {
        fresh = t->parts;
        t->parts = old;
        t->capparts = cap;
        for (uint32_t i = 0; i < t->nparts; i++) partition_free(fresh[i], t, false);
        goto done;
    }
    for (uint32_t i = 0; i < t->nparts; i++) partition_free(old[i], t, true);
    free(old);
    rc = K_OK;
done:
    free(fresh);
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_table_lookup(StDb *db, const char *schema, const char *name, uint32_t *table_id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    StTable *t = table_by_name(db, schema, name);
    if (t) *table_id = t->def.id;
    pthread_mutex_unlock(&db->lock);
    if (!t) return k_error(err, K_UNDEFINED_TABLE, "relation \"%s\" does not exist", name);
    return K_OK;
}

int
st_table_get(StDb *db, uint32_t table_id, KArena *arena, StTableDef **out, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        no_table(err, table_id);
        goto done;
    }
    StTableDef *d = k_alloc(arena, sizeof *d);
    StColumnDef *cols = k_alloc(arena, sizeof(StColumnDef) * t->def.ncols);
    StPartitionDef *parts = k_alloc(arena, sizeof(StPartitionDef) * (t->nparts + 1));
    if (!d || !cols || !parts) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    *d = t->def;
    memcpy(cols, t->def.cols, sizeof(StColumnDef) * t->def.ncols);
    d->cols = cols;
    for (uint32_t i = 0; i < t->nparts; i++) parts[i] = t->parts[i]->def;
    d->parts = parts;
    d->nparts = t->nparts;
    *out = d;
    rc = K_OK;
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_table_list(StDb *db, KArena *arena, uint32_t **ids, uint32_t *n, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    uint32_t *v = k_alloc(arena, sizeof(uint32_t) * (db->ntables + 1));
    if (v)
        for (uint32_t i = 0; i < db->ntables; i++) v[i] = db->tables[i]->def.id;
    *n = db->ntables;
    pthread_mutex_unlock(&db->lock);
    if (!v) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    *ids = v;
    return K_OK;
}

/* ---------------------------------------------------------------- */
/* Partitions                                                         */
/* ---------------------------------------------------------------- */
int
st_partition_add(StDb *db, uint32_t table_id, const StPartitionDef *p, uint32_t *part_id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    StTable *t = st__table_by_id(db, table_id);
    if (!t) {
        no_table(err, table_id);
        goto done;
    }
    if (t->def.part_col < 0) {
        k_error(err, K_WRONG_OBJECT_TYPE, "table \"%s\" is not partitioned", t->def.name);
        goto done;
    }
    if (check_partition(t, p, err) != K_OK || add_partition(t, p, part_id, err) != K_OK) goto done;
    rc = st__catalog_publish(db, err);
    if (rc != K_OK) {
        t->nparts--;
        t->next_part_id--;
        partition_free(t->parts[t->nparts], t, false);
    }
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_partition_add_ranges(StDb *db, uint32_t table_id, StDatum lo, StDatum hi, uint32_t n, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    StTable *t = st__table_by_id(db, table_id);
    uint32_t before = 0, next_before = 0;
    if (!t) {
        no_table(err, table_id);
        goto done;
    }
    before = t->nparts;
    next_before = t->next_part_id;
    if (t->def.part_col < 0) {
        k_error(err, K_WRONG_OBJECT_TYPE, "table \"%s\" is not partitioned", t->def.name);
        goto done;
    }
    if (n == 0 || n > 100000 || lo.u.i64 >= hi.u.i64 || (uint64_t)(hi.u.i64 - lo.u.i64) < n) {
        k_error(err, K_INVALID_PARAMETER_VALUE, "cannot split the range into %u partitions", n);
        goto done;
    }
    KType pt = t->def.cols[t->def.part_col].type;
    bool by_month = false;
    int ly = 0, lm = 0, ld = 0, hy = 0, hm = 0, hd = 0;
    int64_t months = 0;
    if (pt.id == K_TYPE_DATE) {
        k_date_to_ymd((int32_t)lo.u.i64, &ly, &lm, &ld);
        k_date_to_ymd((int32_t)hi.u.i64, &hy, &hm, &hd);
        months = (int64_t)(hy - ly) * 12 + (hm - lm);
        by_month = ld == 1 && hd == 1 && months > 0 && months % n == 0;
    }
    int64_t width = (hi.u.i64 - lo.u.i64) / n;
    for (uint32_t i = 0; i < n; i++) {
        StPartitionDef pd;
        memset(&pd, 0, sizeof pd);
        snprintf(pd.name, sizeof pd.name, "%.50s_p%u", t->def.name, i + 1);
        pd.has_lo = pd.has_hi = true;
        if (by_month) {
            pd.lo.u.i64 = k_date_add_months((int32_t)lo.u.i64, (int32_t)(months / n * i));
            pd.hi.u.i64 = i + 1 == n ? hi.u.i64
                                     : k_date_add_months((int32_t)lo.u.i64, (int32_t)(months / n * (i + 1)));
        } else {
            pd.lo.u.i64 = lo.u.i64 + width * i;
            pd.hi.u.i64 = i + 1 == n ? hi.u.i64 : lo.u.i64 + width * (i + 1);
        }
        if (check_partition(t, &pd, err) != K_OK || add_partition(t, &pd, NULL, err) != K_OK)
            goto undo;
    }
    if (st__catalog_publish(db, err) == K_OK) {
        rc = K_OK;
        goto done;
    }
undo:
    while (t->nparts > before) partition_free(t->parts[--t->nparts], t, false);
    t->next_part_id = next_before;
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_partition_detach(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t *new_table_id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    StTable *t = st__table_by_id(db, table_id), *nt = NULL;
    if (!t) {
        no_table(err, table_id);
        goto done;
    }
    uint32_t pi = 0;
    while (pi < t->nparts && t->parts[pi]->def.id != part_id) pi++;
    if (t->def.part_col < 0 || pi == t->nparts) {
        k_error(err, K_UNDEFINED_TABLE, "partition %u of table \"%s\" does not exist", part_id,
                t->def.name);
        goto done;
    }
    StPartition *p = t->parts[pi];
    StTableDef def = t->def;
    snprintf(def.name, sizeof def.name, "%s", p->def.name);
    def.part_col = -1;
    def.nparts = 0;
    if (table_new(db, &def, &nt, err) != K_OK) goto done;
    /* the partition object moves over as the new table's only partition */
    nt->parts = malloc(sizeof(StPartition *) * 2);
    if (!nt->parts) {
        table_free(nt, false);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    nt->capparts = 2;
    StPartitionDef old_def = p->def;
    p->def.id = 0;
    p->def.has_lo = p->def.has_hi = false;
    nt->parts[0] = p;
    nt->nparts = 1;
    nt->next_part_id = 1;
    memmove(&t->parts[pi], &t->parts[pi + 1], sizeof(StPartition *) * (t->nparts - pi - 1));
    t->nparts--;
    if (add_table(db, nt, err) != K_OK) goto undo;
    db->next_table_id++;
    if (st__catalog_publish(db, err) != K_OK) {
        db->next_table_id--;
        db->ntables--;
        goto undo;
    }
    if (new_table_id) *new_table_id = nt->def.id;
    rc = K_OK;
    goto done;
undo:
    p->def = old_def;
    memmove(&t->parts[pi + 1], &t->parts[pi], sizeof(StPartition *) * (t->nparts - pi));
    t->parts[pi] = p;
    t->nparts++;
    nt->nparts = 0;
    table_free(nt, false);
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}

int
st_partition_attach(StDb *db, uint32_t table_id, uint32_t src_table_id, const StPartitionDef *bounds,
                    uint32_t *part_id, KErr *err)
{
    pthread_mutex_lock(&db->lock);
    int rc = K_ERR;
    StTable *t = st__table_by_id(db, table_id);
    int si = table_index(db, src_table_id);
    if (!t || si < 0) {
        no_table(err, !t ? table_id : src_table_id);
        goto done;
    }
    StTable *src = db->tables[si];
    if (t->def.part_col < 0) {
        k_error(err, K_WRONG_OBJECT_TYPE, "table \"%s\" is not partitioned", t->def.name);
        goto done;
    }
    if (src == t || src->def.part_col >= 0 || src->nparts != 1 || src->def.ncols != t->def.ncols) {
        k_error(err, K_WRONG_OBJECT_TYPE, "table \"%s\" cannot become a partition of \"%s\"",
                src->def.name, t->def.name);
        goto done;
    }
    for (uint32_t c = 0; c < t->def.ncols; c++) {
        if (!k_type_equal(t->def.cols[c].type, src->def.cols[c].type)) {
            k_error(err, K_DATATYPE_MISMATCH,
                    "table \"%s\" contains column \"%s\" with a different type", src->def.name,
                    src->def.cols[c].name);
            goto done;
        }
    }
    StPartitionDef pd = *bounds;
    if (!pd.name[0]) snprintf(pd.name, sizeof pd.name, "%s", src->def.name);
    if (check_partition(t, &pd, err) != K_OK) goto done;
    StPartition *sp = src->parts[0];
    const StZone *z = &sp->stats[t->def.part_col].zone;
    if (sp->rows > 0) {
        bool outside = z->nulls > 0 || !z->has_minmax || (pd.has_lo && z->min.u.i64 < pd.lo.u.i64) ||
                       (pd.has_hi && z->max.u.i64 >= pd.hi.u.i64);
        if (outside) {
            k_error(err, K_INTEGRITY_CONSTRAINT_VIOLATION,
                    "partition constraint of relation \"%s\" is violated by some row", src->def.name);
            goto done;
        }
    }
    if (t->nparts == t->capparts) {
        StPartition **np = realloc(t->parts, sizeof(StPartition *) * (t->capparts * 2 + 2));
        if (!np) {
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto done;
        }
        t->parts = np;
        t->capparts = t->capparts * 2 + 2;
    }
    StPartitionDef old_def = sp->def;
    sp->def = pd;
    sp->def.id = t->next_part_id++;
    t->parts[t->nparts++] = sp;
    remove_table_at(db, (uint32_t)si);
    if (st__catalog_publish(db, err) != K_OK) {
        t->nparts--;
        t->next_part_id--;
        sp->def = old_def;
        memmove(&db->tables[si + 1], &db->tables[si], sizeof(StTable *) * (db->ntables - (uint32_t)si));
        db->tables[si] = src;
        db->ntables++;
        goto done;
    }
    if (part_id) *part_id = sp->def.id;
    src->nparts = 0;
    table_free(src, false);
    rc = K_OK;
done:
    pthread_mutex_unlock(&db->lock);
    return rc;
}
