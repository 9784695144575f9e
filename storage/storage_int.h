/*
 * storage_int.h — private structures of the storage module: the in-memory
 * catalog, segments and their row-group directory, encodings, statistics.
 *
 * Ownership: catalog objects (tables, partitions) are malloc'ed and owned
 * by the StDb; segments are reference counted (a partition holds one
 * reference, every scan that saw the segment holds one) so that DROP or
 * TRUNCATE never pulls a file out from under a running scan. A segment
 * whose count drops to zero after it was unlinked from the catalog has its
 * file removed then.
 */
#ifndef STORAGE_STORAGE_INT_H
#define STORAGE_STORAGE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "storage/storage.h"

/* Physical representation of a column type in vectors. */
typedef enum StPhys {
    ST_PHYS_I8 = 0, /* BOOL */
    ST_PHYS_I32,    /* INT32, DATE */
    ST_PHYS_I64,    /* INT64, TIMESTAMP, DECIMAL(p<=18) */
    ST_PHYS_F64,    /* DOUBLE */
    ST_PHYS_I128,   /* DECIMAL(p>18) */
    ST_PHYS_IV,     /* INTERVAL */
    ST_PHYS_STR,    /* VARCHAR, CHAR */
} StPhys;

static inline StPhys
st__phys(KType t)
{
    switch (t.id) {
    case K_TYPE_BOOL: return ST_PHYS_I8;
    case K_TYPE_INT32:
    case K_TYPE_DATE: return ST_PHYS_I32;
    case K_TYPE_DECIMAL: return t.precision > K_DECIMAL_INT64_PRECISION ? ST_PHYS_I128 : ST_PHYS_I64;
    case K_TYPE_DOUBLE: return ST_PHYS_F64;
    case K_TYPE_INTERVAL: return ST_PHYS_IV;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: return ST_PHYS_STR;
    default: return ST_PHYS_I64;
    }
}
static inline size_t
st__width(StPhys p)
{
    static const size_t w[] = {1, 4, 8, 8, 16, 16, 16};
    return w[p];
}
/* Integer-like: value fits an int64 and orders as one. */
static inline bool
st__intlike(StPhys p)
{
    return p == ST_PHYS_I8 || p == ST_PHYS_I32 || p == ST_PHYS_I64;
}

/* hash.c */
uint64_t st__hash64(const void *data, size_t n, uint64_t seed);
uint64_t st__mix64(uint64_t x);

/* ------------------------------------------------------------------ */
/* Zone maps and statistics                                             */
/* ------------------------------------------------------------------ */
#define ST_ZONE_STR_MAX 32 /* string zone-map bounds keep at most this prefix */

/* min/max of one chunk or partition column; strings are malloc'ed copies
 * (a prefix of at most ST_ZONE_STR_MAX bytes; max_trunc says the max was
 * cut, so it is only a lower bound of the real max). */
typedef struct StZone {
    uint64_t nulls;
    bool has_minmax;
    bool max_trunc;
    StDatum min, max;
} StZone;

#define ST_HLL_BITS 11
#define ST_HLL_REGS (1u << ST_HLL_BITS)

typedef struct StColStats {
    StZone zone;
    uint8_t hll[ST_HLL_REGS];
} StColStats;

void st__zone_free(StZone *z, StPhys p);
void st__zone_copy(StZone *dst, const StZone *src, StPhys p);
/* Widen `dst` by `src` (both of type t). */
void st__zone_merge(StZone *dst, const StZone *src, KType t);
/* Set a zone-map bound from a value (strings copied and maybe cut). */
void st__zone_set_str(StDatum *d, const char *s, uint32_t len, bool *trunc);
static inline void
st__hll_add(uint8_t *regs, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - ST_HLL_BITS));
    uint64_t rest = (h << ST_HLL_BITS) | (UINT64_C(1) << (ST_HLL_BITS - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > regs[idx]) regs[idx] = rank;
}
double st__hll_estimate(const uint8_t *regs);
uint64_t st__value_hash(StPhys p, const void *slot);

/* ------------------------------------------------------------------ */
/* Segments                                                             */
/* ------------------------------------------------------------------ */
enum {
    ST_ENC_CONST = 1,
    ST_ENC_FOR = 2,
    ST_ENC_RLE = 3,
    ST_ENC_DICT = 4,
    ST_ENC_PLAIN = 5,
    ST_ENC_STR_PLAIN = 6,
    ST_ENC_STR_DICT = 7,
    ST_ENC_DELTA = 8,
};
enum { ST_COMP_NONE = 0, ST_COMP_ZSTD = 1 };

typedef struct StChunkMeta {
    uint64_t offset;     /* in the segment file */
    uint32_t stored_len; /* bytes in the file */
    uint32_t raw_len;    /* bytes after decompression */
    uint64_t checksum;   /* st__hash64 of the stored bytes */
    uint8_t enc, comp;
    StZone zone;
} StChunkMeta;

typedef struct StRowGroup {
    uint32_t rows;
    StChunkMeta *chunks; /* ncols */
} StRowGroup;

typedef struct StSegment {
    uint64_t id;
    uint32_t ncols;
    uint32_t nrg;
    StRowGroup *rgs;
    const KType *types; /* the owning table's (copied) */
    KType *types_own;
    uint64_t file_bytes;
    atomic_int refs;
    atomic_bool dead; /* unlinked from the catalog: remove the file at refs 0 */
    int fd; /* open only while the writer writes the file; -1 after */
    char *path;
    bool corrupt; /* footer failed its checksum */
} StSegment;

/* ------------------------------------------------------------------ */
/* Catalog                                                              */
/* ------------------------------------------------------------------ */
typedef struct StPartition {
    StPartitionDef def;
    uint32_t nsegs, capsegs;
    StSegment **segs;
    uint64_t rows;
    StColStats *stats; /* ncols */
} StPartition;

typedef struct StTable {
    StTableDef def; /* cols owned (malloc); def.parts unused (see parts) */
    uint32_t next_part_id;
    uint32_t nparts, capparts;
    StPartition **parts;
} StTable;

struct StDb {
    KArena *arena;
    char *path;
    char *seg_dir;
    StDbOptions opts;
    int lock_fd; /* DIR/LOCK, flock'ed for the life of the StDb */
    pthread_mutex_t lock;
    uint64_t version;
    uint64_t next_table_id;
    uint64_t next_seg_id;
    uint32_t nschemas;
    char **schemas;
    uint32_t ntables, captables;
    StTable **tables;
};

StTable *st__table_by_id(StDb *db, uint32_t id);
/* Write the in-memory catalog as the next version (caller holds db->lock). */
K_MUSTCHECK int st__catalog_publish(StDb *db, KErr *err);
void st__segment_ref(StSegment *s);
void st__segment_unref(StSegment *s);
StPartition *st__partition_new(const StTable *t, const StPartitionDef *def);
void st__partition_free(StPartition *p, StPhys *phys);
StPartition *st__route_partition(StTable *t, int64_t key);
/* fsync helpers honouring opts.no_fsync */
K_MUSTCHECK int st__fsync_fd(StDb *db, int fd, const char *what, KErr *err);
K_MUSTCHECK int st__fsync_dir(StDb *db, const char *dir, KErr *err);

/* A partition a rewrite read, and the segments it had then. With subset
 * set, only those segments are replaced (compaction: same rows, so the
 * partition's statistics stay); otherwise the whole list must still be
 * exactly this and is replaced. */
typedef struct StRewritePart {
    uint32_t part_id;
    uint32_t nsegs;
    uint64_t *seg_ids;
    bool subset;
} StRewritePart;
/* st_scan_open restricted to the segments with the given ids. */
K_MUSTCHECK int st__scan_open_segments(StDb *db, uint32_t table_id, const StScanOptions *opts,
                                       const uint64_t *ids, uint32_t nids, KArena *arena,
                                       StScan **out, KErr *err);
/* Ids of the segments a scan holds (allocated in a); UINT32_MAX on OOM. */
uint32_t st__scan_segments(const StScan *s, uint64_t **ids, KArena *a);

/* segment.c */
char *st__segment_path(StDb *db, uint64_t id);
/* A new, empty in-memory segment (refs = 1, no file yet). */
StSegment *st__segment_new(uint64_t id, uint32_t ncols, const KType *types);
/* Read a segment's footer into a new StSegment (refs = 1). A damaged
 * footer gives a segment marked corrupt, not an error. */
K_MUSTCHECK int st__segment_load(StDb *db, uint64_t id, uint32_t ncols, const KType *types,
                                 StSegment **out, KErr *err);
/* Serialize the row-group directory (footer) of a segment. */
void st__footer_write(KBuf *b, const StSegment *s);
K_MUSTCHECK int st__pread_full(int fd, void *buf, size_t n, uint64_t off);
K_MUSTCHECK int st__pwrite_full(int fd, const void *buf, size_t n, uint64_t off);
void st__zone_put(KBuf *b, const StZone *z, KType t);
void st__zone_get(KReader *r, StZone *z, KType t);
void st__datum_put(KBuf *b, const StDatum *d, KType t);
void st__datum_get(KReader *r, StDatum *d, KType t);

/* ------------------------------------------------------------------ */
/* Column buffers and chunk encoding (encode.c)                         */
/* ------------------------------------------------------------------ */
/* Rows of one column being collected for a row group (grows on demand up
 * to the row-group size). Fixed-width values
 * in `data` (st__width each); strings as lengths + offsets into `bytes`. */
typedef struct StColBuf {
    StPhys phys;
    KType type;
    uint32_t n, cap;
    uint8_t *data;     /* fixed width values, or uint32 lengths for strings */
    uint64_t *offs;    /* strings: start offset of each value in bytes */
    KBuf bytes;        /* strings */
    uint64_t *valid;   /* bitmap, bit set = valid */
    uint32_t nulls;
} StColBuf;

K_MUSTCHECK int st__colbuf_init(StColBuf *c, KType t, uint32_t cap, KErr *err);
void st__colbuf_free(StColBuf *c);
/* Bytes the buffered rows occupy (values, string bytes). */
size_t st__colbuf_bytes(const StColBuf *c);
void st__colbuf_clear(StColBuf *c);
/* Append rows [from, from+n) (physical rows, or through sel) of a vector. */
K_MUSTCHECK int st__colbuf_append(StColBuf *c, const KVector *v, const uint32_t *rows, uint32_t n,
                                  KErr *err);
/* Encode a column buffer as one chunk (payload in `out`, maybe zstd), and
 * fill its zone map. Updates the column statistics (hll) when st != NULL. */
K_MUSTCHECK int st__chunk_encode(const StColBuf *c, int zstd_level, KBuf *out, StChunkMeta *meta,
                                 StColStats *st, KErr *err);

/* A decoded column of one row group. */
typedef struct StDecoded {
    uint32_t n;
    uint8_t *data;    /* n values of the vector slot width */
    uint64_t *valid;  /* NULL when there are no nulls */
    uint8_t *heap;    /* string bytes (owned) */
} StDecoded;

/* Decode a chunk's stored bytes (already checksum-verified) into `out`,
 * allocating from `a`. XX001 when the bytes do not decode. */
K_MUSTCHECK int st__chunk_decode(const StChunkMeta *meta, KType t, uint32_t rows,
                                 const uint8_t *stored, KArena *a, StDecoded *out, KErr *err);

#endif /* STORAGE_STORAGE_INT_H */
