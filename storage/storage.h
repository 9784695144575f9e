/*
 * storage.h — Kestrel's columnar storage engine: the public interface.
 *
 * One StDb is one node's data directory: the catalog (schemas, tables,
 * columns, distribution, range partitions, statistics) and the immutable
 * segment files that hold that node's shard of every table. The coordinator
 * opens the same kind of directory and simply never loads rows into it.
 *
 * Interface groups:
 *   st_db_open / st_db_close                 open or create a data directory
 *   st_table_create / drop / rename / ...    catalog DDL, each one published
 *                                            atomically (new catalog version)
 *   st_table_lookup / st_table_get           copies of table definitions
 *   st_writer_*                              bulk load: append batches (thread
 *                                            safe), commit or abort as a whole
 *   st_copy_*                                COPY FROM text: .tbl, CSV, PostgreSQL
 *                                            text; files (parallel) and streams
 *   st_scan_* / st_morsel_*                  morsel-driven scans with zone-map
 *                                            and partition pruning
 *   st_table_rewrite / st_table_compact      DELETE/UPDATE by rewrite, merging
 *                                            small segments
 *   st_table_stats / st_column_stats /       statistics for the planner; HLL
 *   st_column_sketch / st_analyze            sketches merge across workers
 *   st_dist_hash_* / st_dist_route           the stable distribution hash
 *
 * Identity: tables are addressed by a uint32 table id (stable across
 * restarts, never reused in one directory); columns by their 0-based
 * ordinal (stable: columns are fixed at CREATE); partitions by a uint32
 * partition id unique within their table (stable across restarts).
 *
 * Concurrency: every function may be called from any thread; one process
 * opens a directory at a time (a lock file, 55006 otherwise). Catalog
 * changes serialize on the database; scans see the snapshot of the catalog
 * taken at st_scan_open and are not disturbed by later loads or DDL
 * (dropped files stay readable until the last scan that saw them closes).
 *
 * Durability: a load or a DDL statement becomes visible and durable in one
 * step: segment files are fsynced, then the new catalog is written to a
 * temporary file, fsynced, renamed over the old one and the directory is
 * fsynced. A crash at any point leaves the old or the new state.
 */
#ifndef STORAGE_STORAGE_H
#define STORAGE_STORAGE_H

#include "common/kestrel.h"

typedef struct StDb StDb;
typedef struct StWriter StWriter;
typedef struct StCopy StCopy;
typedef struct StScan StScan;
typedef struct StMorsel StMorsel;

#define ST_NAME_MAX 63          /* identifiers: bytes, without the NUL */
#define ST_MAX_COLUMNS 1600     /* as PostgreSQL */
#define ST_ALL_PARTITIONS UINT32_MAX
#define ST_DEFAULT_SCHEMA "public"

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */
/*
 * A constant of some column's type, used for partition bounds, predicates
 * and statistics. Which member is meaningful depends on the column type:
 *   i64   BOOL (0/1), INT32, INT64, DATE (days), TIMESTAMP (µs),
 *         DECIMAL with precision <= 18 (scaled integer)
 *   i128  DECIMAL with precision > 18 (scaled integer)
 *   f64   DOUBLE
 *   str   VARCHAR, CHAR (bytes must stay valid for the duration of the call
 *         that receives the datum; returned strings live in the arena given)
 *   iv    INTERVAL
 */
typedef struct StDatum {
    union {
        int64_t i64;
        k_int128 i128;
        double f64;
        KStr str;
        KInterval iv;
    } u;
} StDatum;

/* Convert between a datum and a vector value slot (k_type_width(t) bytes). */
void st_datum_from_slot(KType t, const void *slot, StDatum *out);
void st_datum_to_slot(KType t, const StDatum *d, void *slot);
/* Compare two datums of type t (-1, 0, 1). */
int st_datum_cmp(KType t, const StDatum *a, const StDatum *b);

/* ------------------------------------------------------------------ */
/* Database                                                             */
/* ------------------------------------------------------------------ */
typedef struct StDbOptions {
    /* Rows per row group (one morsel); rounded up to a multiple of
     * K_VECTOR_SIZE. 0 = default (ST_DEFAULT_ROW_GROUP = 122880 rows). */
    uint32_t row_group_rows;
    /* zstd level for column chunks (0 = default 3). */
    int zstd_level;
    /* Skip fsync (tests and throwaway benchmarks only). */
    bool no_fsync;
    /* Bytes of rows one writer may buffer across partitions before it
     * writes the largest partial row group early (0 = 256 MiB). */
    size_t load_memory;
} StDbOptions;

#define ST_DEFAULT_ROW_GROUP (60 * K_VECTOR_SIZE)

/* Open the data directory at `path`, creating it (and an empty catalog with
 * the schema "public") when it does not exist. Files left by loads that
 * never committed are removed. `arena` is the parent for the database's
 * memory (the db creates its own child arena). `opts` may be NULL. */
K_MUSTCHECK int st_db_open(const char *path, const StDbOptions *opts, KArena *arena, StDb **out,
                           KErr *err);
/* Close the database. All scans, writers and copies must be closed first. */
void st_db_close(StDb *db);
/* The catalog version: incremented by every published change (DDL, load
 * commit, ANALYZE). */
uint64_t st_db_version(StDb *db);
const char *st_db_path(const StDb *db);

/* ------------------------------------------------------------------ */
/* Catalog                                                              */
/* ------------------------------------------------------------------ */
typedef enum StDistKind {
    ST_DIST_HASH = 0,   /* DISTRIBUTED BY (cols): rows go to st_dist_hash's worker */
    ST_DIST_REPLICATED, /* DISTRIBUTED REPLICATED: every worker has every row */
    ST_DIST_RANDOM,     /* DISTRIBUTED RANDOMLY: round robin */
} StDistKind;

typedef struct StColumnDef {
    char name[ST_NAME_MAX + 1];
    KType type;
    bool not_null;
} StColumnDef;

/* One range partition: FOR VALUES FROM (lo) TO (hi), lo inclusive, hi
 * exclusive; has_lo/has_hi false means MINVALUE/MAXVALUE. Bounds are datums
 * of the partition column's type (integer-like types only: INT32, INT64,
 * DATE, TIMESTAMP, DECIMAL(p<=18)). */
typedef struct StPartitionDef {
    uint32_t id; /* filled by the catalog; ignored on input */
    char name[ST_NAME_MAX + 1];
    bool has_lo, has_hi;
    StDatum lo, hi;
} StPartitionDef;

#define ST_MAX_DIST_COLS 8

typedef struct StTableDef {
    uint32_t id; /* filled by the catalog; ignored on input */
    char schema[ST_NAME_MAX + 1]; /* "" = "public" on input */
    char name[ST_NAME_MAX + 1];
    uint32_t ncols;
    StColumnDef *cols;
    StDistKind dist;
    uint32_t ndist_cols; /* ST_DIST_HASH: column ordinals in dist_cols */
    uint32_t dist_cols[ST_MAX_DIST_COLS];
    int32_t part_col; /* RANGE partition column ordinal, -1 = not partitioned */
    uint32_t nparts;
    StPartitionDef *parts;
} StTableDef;

/* Create a table. A table without part_col has one implicit partition
 * (named like the table) that scans and writers use transparently; a
 * partitioned table starts with the partitions in def->parts (may be zero;
 * add more with st_partition_add). ST_DIST_HASH with ndist_cols == 0 means
 * hash on the first column (Greenplum's default; the caller issues the
 * notice). Errors: 42P07 duplicate table, 42701 duplicate column, 3F000 no
 * such schema, 42P16 bad partition/distribution definition. */
K_MUSTCHECK int st_table_create(StDb *db, const StTableDef *def, uint32_t *table_id, KErr *err);
/* DROP TABLE. The files are removed once no open scan uses them. */
K_MUSTCHECK int st_table_drop(StDb *db, uint32_t table_id, KErr *err);
K_MUSTCHECK int st_table_rename(StDb *db, uint32_t table_id, const char *new_name, KErr *err);
/* TRUNCATE: the table keeps its definition and partitions but no rows. */
K_MUSTCHECK int st_table_truncate(StDb *db, uint32_t table_id, KErr *err);
/* Look a table up by schema (NULL = "public") and name: 42P01 when absent. */
K_MUSTCHECK int st_table_lookup(StDb *db, const char *schema, const char *name,
                                uint32_t *table_id, KErr *err);
/* A deep copy of a table's definition (columns, partitions) in `arena`. */
K_MUSTCHECK int st_table_get(StDb *db, uint32_t table_id, KArena *arena, StTableDef **out,
                             KErr *err);
/* Ids of every table (in creation order), copied into `arena`. */
K_MUSTCHECK int st_table_list(StDb *db, KArena *arena, uint32_t **ids, uint32_t *n, KErr *err);

K_MUSTCHECK int st_schema_create(StDb *db, const char *name, KErr *err);
K_MUSTCHECK int st_schema_drop(StDb *db, const char *name, KErr *err); /* must be empty */
bool st_schema_exists(StDb *db, const char *name);

/* Add a range partition (CREATE TABLE p PARTITION OF t FOR VALUES FROM ..
 * TO ..). 42P17 when it overlaps an existing partition. */
K_MUSTCHECK int st_partition_add(StDb *db, uint32_t table_id, const StPartitionDef *p,
                                 uint32_t *part_id, KErr *err);
/* The shorthand: n equal ranges covering [lo, hi) of the partition column
 * (named <table>_p1 .. <table>_pN; the last one ends exactly at hi). For a
 * DATE column `lo`/`hi` are days; when both are first days of months or
 * years and the span divides evenly into whole months, the ranges are cut
 * at month boundaries. */
K_MUSTCHECK int st_partition_add_ranges(StDb *db, uint32_t table_id, StDatum lo, StDatum hi,
                                        uint32_t n, KErr *err);
/* DETACH PARTITION: the partition becomes a standalone table named like the
 * partition (its rows move with it). Returns the new table's id. */
K_MUSTCHECK int st_partition_detach(StDb *db, uint32_t table_id, uint32_t part_id,
                                    uint32_t *new_table_id, KErr *err);
/* ATTACH PARTITION: a standalone, unpartitioned table with the same column
 * types becomes a partition of `table_id` with the given bounds (its rows
 * must lie inside them: checked with the column's statistics; 23000
 * otherwise). The standalone table disappears. */
K_MUSTCHECK int st_partition_attach(StDb *db, uint32_t table_id, uint32_t src_table_id,
                                    const StPartitionDef *bounds, uint32_t *part_id, KErr *err);

/* ------------------------------------------------------------------ */
/* Distribution                                                         */
/* ------------------------------------------------------------------ */
/* The stable distribution hash of one value (format-independent: the same
 * value hashes the same in every build and across restarts). Integer-like
 * types (BOOL, INT32, INT64, DATE, TIMESTAMP, DECIMAL(p<=18)) hash their
 * int64 value, so an INT32 key and an INT64 key holding 7 agree; strings
 * hash their bytes (CHAR without trailing blanks); NULL hashes to 0. */
uint64_t st_dist_hash_value(KType t, const void *slot, bool is_null);
/* Combine the hashes of several distribution columns (in order). */
uint64_t st_dist_hash_combine(uint64_t h, uint64_t col_hash);
/* The worker (0..nworkers-1) that owns a hash. */
static inline uint32_t st_dist_worker(uint64_t h, uint32_t nworkers)
{
    return (uint32_t)(((k_uint128)h * nworkers) >> 64);
}
/* Route every live row of `b` for a table's distribution columns:
 * out[i] = worker of live row i (i indexes k_batch_rows order). For
 * REPLICATED tables out is left untouched (send to all); for RANDOM,
 * `*rr` is a round-robin counter the caller keeps. */
void st_dist_route(const StTableDef *def, const KBatch *b, uint32_t nworkers, uint64_t *rr,
                   uint32_t *out);

/* ------------------------------------------------------------------ */
/* Bulk load                                                            */
/* ------------------------------------------------------------------ */
/*
 * A writer collects rows for one table and makes them visible all at once.
 * st_writer_append may be called from several threads at the same time on
 * one writer: rows are routed to their partition, buffered per partition
 * and per appending thread (so each thread's rows stay together), and each
 * full row group is encoded and written by the appending thread. Small
 * INSERTs are simply small writers (see st_table_compact).
 * Batches must have the table's columns in order and types; NOT NULL and
 * partition bounds are checked (23502; 23000 for a row outside every
 * partition). After an error the writer can only be aborted.
 */
K_MUSTCHECK int st_writer_begin(StDb *db, uint32_t table_id, StWriter **out, KErr *err);
K_MUSTCHECK int st_writer_append(StWriter *w, const KBatch *b, KErr *err);
/* Rows appended so far. */
uint64_t st_writer_rows(const StWriter *w);
/* First phase of a commit (optional): write the last row groups and
 * footers and fsync them, so that everything that can fail for data or
 * space reasons has failed. Afterwards the writer takes no more rows and
 * st_writer_commit only publishes the catalog. A coordinator loading into
 * several workers prepares all writers before committing any, which
 * narrows (not closes) the window in which one worker commits and another
 * fails. On failure, abort the writer. */
K_MUSTCHECK int st_writer_prepare(StWriter *w, KErr *err);
/* Write the last row groups, fsync, publish a new catalog version. The
 * writer is freed whether or not it succeeds (on failure nothing is
 * visible). */
K_MUSTCHECK int st_writer_commit(StWriter *w, KErr *err);
/* Discard everything appended; frees the writer. */
void st_writer_abort(StWriter *w);

/*
 * DELETE / UPDATE by rewrite. Every row of the table (or of one partition,
 * part_id != ST_ALL_PARTITIONS) is read in batches of all the table's
 * columns and handed to `fn`, which may change values in place (new strings
 * allocated in b->heap; set *modified) and chooses the rows to keep by
 * setting b->sel / b->nsel (sel NULL keeps every row; sel with nsel 0 keeps
 * none). Each partition where fn changed or dropped something is written
 * anew; all of them replace their old segments in one catalog change (rows
 * whose partition key changed move to their new partition). `removed`
 * receives the number of rows dropped. Fails with 55000 when another load
 * or rewrite changed one of those partitions meanwhile (retry).
 */
typedef int (*StRewriteFn)(void *ctx, KBatch *b, bool *modified, KErr *err);
K_MUSTCHECK int st_table_rewrite(StDb *db, uint32_t table_id, uint32_t part_id, StRewriteFn fn,
                                 void *ctx, uint64_t *removed, KErr *err);

/* Compaction: in each partition, the small segments (every row group
 * under half the row-group size: what small INSERTs leave) are merged into
 * full row groups, replacing just those segments in one catalog change per
 * partition; rows and statistics do not change. Commits do this on their
 * own once a partition has 16 small segments. `rewritten` (may be NULL)
 * counts the partitions merged. */
K_MUSTCHECK int st_table_compact(StDb *db, uint32_t table_id, uint32_t *rewritten, KErr *err);

/* ------------------------------------------------------------------ */
/* COPY FROM: text input                                                */
/* ------------------------------------------------------------------ */
typedef enum StCopyFormat { ST_COPY_TEXT = 0, ST_COPY_CSV } StCopyFormat;

/*
 * PostgreSQL's COPY options. Defaults (st_copy_options_default): FORMAT
 * text, DELIMITER tab (text) or ',' (csv), NULL "\N" (text) or "" (csv),
 * QUOTE '"', ESCAPE = QUOTE, no HEADER. Also accepted for dbgen files: a
 * line with one extra empty field after a trailing delimiter ("1|a|").
 */
typedef struct StCopyOptions {
    StCopyFormat format;
    char delimiter; /* 0 = the format's default */
    char quote;     /* csv; 0 = '"' */
    char escape;    /* csv; 0 = same as quote */
    bool header;    /* skip the first line */
    bool null_set;  /* null_str given (else the format's default) */
    const char *null_str;
    uint32_t nthreads; /* parse threads for files; 0 = all cores */
} StCopyOptions;

void st_copy_options_default(StCopyOptions *o);
/* FORMAT text, DELIMITER '|': reads dbgen .tbl files. */
void st_copy_options_tbl(StCopyOptions *o);

/* Where parsed batches go. Called from several threads at once; must be
 * thread safe (a StWriter is). Return K_ERR with err filled to stop. */
typedef int (*StCopySinkFn)(void *ctx, const KBatch *b, KErr *err);

/*
 * Load a whole file into a table, atomically: all rows or (on any error)
 * none. Parsing runs on opts->nthreads threads over byte ranges split at
 * line boundaries. A bad value fails with its SQLSTATE (22P02, 22003,
 * 22007, 22008, 22P04 for a wrong number of fields, 23502 for NULL in NOT
 * NULL) and a message naming the file, line and column; the detail has
 * PostgreSQL's COPY context, e.g.
 *   message: invalid input syntax for type integer: "abc" (file "x.tbl", line 17, column l_partkey)
 *   detail:  COPY lineitem, line 17, column l_partkey: "abc"
 * With several bad lines the first one in the file is reported. `rows`
 * (may be NULL) receives the number of rows loaded. 58P01 when the file
 * cannot be opened.
 */
K_MUSTCHECK int st_copy_from_file(StDb *db, uint32_t table_id, const char *path,
                                  const StCopyOptions *opts, uint64_t *rows, KErr *err);
/* The same parser feeding any sink (e.g. the coordinator routing rows to
 * workers with st_dist_route). `name` is used in error messages. */
K_MUSTCHECK int st_copy_file_to_sink(const char *path, const char *name, uint32_t ncols,
                                     const StColumnDef *cols, const StCopyOptions *opts,
                                     StCopySinkFn sink, void *ctx, uint64_t *rows, KErr *err);

/* Streaming COPY (COPY FROM STDIN): bytes arrive in arbitrary chunks.
 * st_copy_begin starts a load into a table (a writer inside);
 * st_copy_begin_sink feeds a sink instead. `source` names the input in
 * errors ("STDIN"). Lines are numbered from 1 across chunks. st_copy_end
 * parses what is left, commits, and frees the copy; st_copy_cancel
 * discards everything. After a failed feed only cancel is allowed. */
K_MUSTCHECK int st_copy_begin(StDb *db, uint32_t table_id, const StCopyOptions *opts,
                              const char *source, StCopy **out, KErr *err);
K_MUSTCHECK int st_copy_begin_sink(uint32_t ncols, const StColumnDef *cols, const char *name,
                                   const StCopyOptions *opts, const char *source,
                                   StCopySinkFn sink, void *ctx, StCopy **out, KErr *err);
K_MUSTCHECK int st_copy_feed(StCopy *c, const void *data, size_t n, KErr *err);
K_MUSTCHECK int st_copy_end(StCopy *c, uint64_t *rows, KErr *err);
void st_copy_cancel(StCopy *c);

/* ------------------------------------------------------------------ */
/* Scans                                                                */
/* ------------------------------------------------------------------ */
typedef enum StPredOp {
    ST_PRED_EQ = 0,
    ST_PRED_NE,
    ST_PRED_LT,
    ST_PRED_LE,
    ST_PRED_GT,
    ST_PRED_GE,
    ST_PRED_BETWEEN, /* lo <= col AND col <= hi */
    ST_PRED_IN,      /* col IN (list) */
    ST_PRED_IS_NULL,
    ST_PRED_IS_NOT_NULL,
} StPredOp;

/* One pushed-down conjunct: `col op constant`. The scan uses predicates
 * ONLY to skip whole partitions (by their bounds) and whole row groups (by
 * their zone maps). Rows of a row group that is read are all returned: the
 * executor must re-apply its filters. */
typedef struct StPred {
    uint32_t col; /* table column ordinal */
    StPredOp op;
    StDatum a;    /* the constant; BETWEEN: low bound */
    StDatum b;    /* BETWEEN: high bound */
    uint32_t nlist;
    const StDatum *list; /* IN */
} StPred;

typedef struct StScanOptions {
    uint32_t npart_ids;        /* 0 with part_ids NULL = all partitions */
    const uint32_t *part_ids;
    uint32_t ncols;            /* columns to read, in output order */
    const uint32_t *cols;
    uint32_t npreds;
    const StPred *preds;
} StScanOptions;

/* Counters for EXPLAIN ANALYZE; updated atomically while the scan runs. */
typedef struct StScanCounters {
    uint64_t partitions_total;   /* partitions the scan was asked for */
    uint64_t partitions_skipped; /* pruned by bounds or partition stats */
    uint64_t row_groups_total;   /* row groups in the partitions kept */
    uint64_t row_groups_read;    /* handed out as morsels */
    uint64_t row_groups_skipped; /* pruned by zone maps (never read) */
    uint64_t rows_read;          /* rows in the morsels handed out */
    uint64_t bytes_read;         /* stored chunk bytes read from files */
    /* the share of runtime filters (st_scan_add_runtime_filter) */
    uint64_t row_groups_skipped_rf; /* of row_groups_skipped: by a runtime filter's range */
    uint64_t rows_skipped_rf;       /* rows in those row groups */
    uint64_t partitions_skipped_rf; /* kept at open, then pruned by a runtime filter against
                                     * the partition bounds (dynamic partition pruning);
                                     * their row groups count in row_groups_skipped_rf */
} StScanCounters;

/* What one runtime filter of a scan skipped (st_scan_filter_counters). A
 * row group or partition is charged to the first filter that excludes it. */
typedef struct StFilterCounters {
    uint64_t row_groups_skipped;
    uint64_t rows_skipped;
    uint64_t partitions_skipped;
} StFilterCounters;

/* Open a scan. The options are copied. Partition pruning happens here;
 * row-group pruning as morsels are handed out. 42703 for a bad column. */
K_MUSTCHECK int st_scan_open(StDb *db, uint32_t table_id, const StScanOptions *opts,
                             KArena *arena, StScan **out, KErr *err);
/* Add a runtime min/max filter (lo <= col <= hi) produced by a hash join
 * build. Thread safe; morsels handed out afterwards are pruned by it. */
K_MUSTCHECK int st_scan_add_range_filter(StScan *s, uint32_t col, StDatum lo, StDatum hi,
                                         KErr *err);
/* The same, telling which filter slot it took (*slot, -1 when the filter
 * was dropped: too many filters, or string bounds longer than zone maps
 * keep). When `col` is the partition column, partitions whose bounds
 * cannot hold [lo, hi] are pruned at once (dynamic partition pruning);
 * their row groups are never handed out. */
K_MUSTCHECK int st_scan_add_runtime_filter(StScan *s, uint32_t col, StDatum lo, StDatum hi,
                                           int32_t *slot, KErr *err);
/* Counters of filter slot `slot` (zeros for a bad slot). */
void st_scan_filter_counters(const StScan *s, int32_t slot, StFilterCounters *out);
/* Hand the next row group to the calling thread (thread safe). *out is
 * NULL at the end. The morsel reads and verifies its chunks here (XX001
 * on a checksum mismatch). Each morsel is used by one thread. */
K_MUSTCHECK int st_scan_next_morsel(StScan *s, StMorsel **out, KErr *err);
/* Fill `b` with the next up to K_VECTOR_SIZE rows of the morsel; b must
 * have been created with the scan's column types in order (see
 * st_scan_types). *rows = 0 at the end of the morsel. Strings point into
 * the morsel's memory: valid until st_morsel_close. */
K_MUSTCHECK int st_morsel_read(StMorsel *m, KBatch *b, uint32_t *rows, KErr *err);
/* Rows in the morsel, and where it came from. */
uint64_t st_morsel_rows(const StMorsel *m);
uint32_t st_morsel_partition(const StMorsel *m);
void st_morsel_close(StMorsel *m);
/* Output column types of the scan (ncols entries). */
const KType *st_scan_types(const StScan *s);
void st_scan_counters(const StScan *s, StScanCounters *out);
void st_scan_close(StScan *s);

/* ------------------------------------------------------------------ */
/* Statistics                                                           */
/* ------------------------------------------------------------------ */
typedef struct StColumnStats {
    uint64_t rows;
    uint64_t nulls;
    bool has_minmax;   /* false when no non-null value was seen */
    StDatum min, max;  /* strings copied into the caller's arena */
    double ndistinct;  /* HyperLogLog estimate over non-null values */
} StColumnStats;

typedef struct StTableStats {
    uint64_t rows;
    uint64_t bytes;     /* stored bytes of all segments */
    uint64_t segments;
    uint64_t row_groups;
} StTableStats;

/* Table (or one partition: part_id != ST_ALL_PARTITIONS) statistics. */
K_MUSTCHECK int st_table_stats(StDb *db, uint32_t table_id, uint32_t part_id, StTableStats *out,
                               KErr *err);
K_MUSTCHECK int st_column_stats(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t col,
                                KArena *arena, StColumnStats *out, KErr *err);
/* The column's distinct-count sketch (HyperLogLog registers merged over
 * the partitions asked for). Sketches from several workers merge with
 * st_sketch_merge (register-wise max) before st_sketch_estimate: summing
 * per-worker estimates overcounts values present on several workers. */
#define ST_SKETCH_REGISTERS 2048
K_MUSTCHECK int st_column_sketch(StDb *db, uint32_t table_id, uint32_t part_id, uint32_t col,
                                 uint8_t regs[ST_SKETCH_REGISTERS], KErr *err);
void st_sketch_merge(uint8_t *dst, const uint8_t *src);
double st_sketch_estimate(const uint8_t *regs);
/* Stored bytes of one column over the table (for size reports). */
K_MUSTCHECK int st_column_bytes(StDb *db, uint32_t table_id, uint32_t col, uint64_t *bytes,
                                KErr *err);
/* ANALYZE: recompute every statistic of the table by scanning it, then
 * publish them (new catalog version). */
K_MUSTCHECK int st_analyze(StDb *db, uint32_t table_id, KErr *err);

#endif /* STORAGE_STORAGE_H */
