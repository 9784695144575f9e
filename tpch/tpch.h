/*
 * tpch.h — Kestrel's TPC-H and SSB data generator and query kit (public API).
 *
 * The generator reproduces TPC's dbgen 2.17.3 byte for byte for TPC-H (same
 * rows, same values, same text), generates the Star Schema Benchmark tables
 * by the rules of ssb-dbgen (revision 3 of the SSB specification), and can
 * hand rows either to a text writer (.tbl files) or to any consumer through
 * a callback, so the storage loader can load without text files.
 *
 * Interface routines:
 *   tpch_scale_parse()   - validate a scale factor given as text
 *   tpch_table_count(), tpch_table_info(), tpch_table_lookup()
 *                        - the tables of a benchmark: names and columns
 *   tpch_row_count()     - exact row count of a table (or of one part of it)
 *   tpch_generate()      - stream the rows of one table (or one part) to a callback
 *   tpch_generate_batches() - the same as typed KBatch batches (for storage loads)
 *   tpch_write_tables()  - write .tbl files, in parallel, atomically
 *   tpch_remove_temp_files() - signal-handler cleanup of writes in progress
 *   tpch_schema_sql()    - the CREATE TABLE statements of a benchmark
 *   tpch_query_count(), tpch_query_text(), tpch_query_generate() - queries
 *
 * Threads: every function may be called from several threads at once. The
 * first TPC-H call that needs comment text builds the shared text pool
 * (about 55 MB, built once per process, see textpool.c).
 */
#ifndef KESTREL_TPCH_H
#define KESTREL_TPCH_H

#include "common/kestrel.h"

typedef struct TpchField TpchField;
typedef struct TpchTableInfo TpchTableInfo;
typedef struct TpchScale TpchScale;
typedef struct TpchWriteOptions TpchWriteOptions;

typedef enum TpchBenchmark { TPCH_BENCH_TPCH = 0, TPCH_BENCH_SSB = 1 } TpchBenchmark;

/* TPC-H tables, in dbgen's order. */
typedef enum TpchTable {
    TPCH_PART = 0,
    TPCH_PARTSUPP,
    TPCH_SUPPLIER,
    TPCH_CUSTOMER,
    TPCH_ORDERS,
    TPCH_LINEITEM,
    TPCH_NATION,
    TPCH_REGION,
    TPCH_NTABLES
} TpchTable;

/* SSB tables. */
typedef enum SsbTable {
    SSB_LINEORDER = 0,
    SSB_CUSTOMER,
    SSB_SUPPLIER,
    SSB_PART,
    SSB_DATE,
    SSB_NTABLES
} SsbTable;

/* One field of a generated row: a slice into generator-owned memory that is
 * valid only during the callback. Text exactly as dbgen prints it (numbers
 * in decimal, money with two decimals, dates as YYYY-MM-DD). */
struct TpchField {
    const char *ptr;
    uint32_t len;
};

struct TpchTableInfo {
    const char *name; /* "lineitem" */
    int ncols;
    const char *const *columns; /* lower-case column names, schema order */
};

/* A validated scale factor. dbgen's rules: below 1 the base row counts are
 * scaled by floor(1000 * sf) / 1000; integer scale factors multiply them.
 * Fractional scale factors above 1 (which dbgen truncates) are scaled the
 * same per-mille way here; see README.md. */
struct TpchScale {
    double sf;
    int64_t scale;  /* dbgen's integer `scale` (1 below SF 1) */
    int64_t permil; /* per-mille multiplier of the base counts (0 = none) */
};

/* Parse and validate "0.01", "1", "10", ... (0.001 <= sf <= 10000). */
K_MUSTCHECK int tpch_scale_parse(const char *text, TpchScale *out, KErr *err);
/* Same from a double. */
K_MUSTCHECK int tpch_scale_from_double(double sf, TpchScale *out, KErr *err);

/* Number of tables of a benchmark, their descriptions, and lookup by name
 * (case-insensitive; "lineitem", "orders", ...). Returns -1 if unknown. */
int tpch_table_count(TpchBenchmark b);
const TpchTableInfo *tpch_table_info(TpchBenchmark b, int table);
int tpch_table_lookup(TpchBenchmark b, const char *name);

/*
 * Rows of `table` in part `part` of `nparts` (1-based; part 1 of 1 is the
 * whole table). Parts split the driving rows the way dbgen's -C n -S i
 * does: floor(N / n) rows each, the remainder to the last part; orders and
 * their lineitems split together (by order), parts and their partsupp rows
 * together (by part). nation and region are whole in part 1 and empty in
 * the others. Counting lineitem rows replays the order line-count stream
 * (fast: one random number per order).
 */
K_MUSTCHECK int tpch_row_count(TpchBenchmark b, int table, const TpchScale *sf, int part,
                               int nparts, int64_t *out, KErr *err);

/*
 * Called once per generated row with its fields (nfields == the table's
 * ncols). Return K_OK to continue or K_ERR (after filling err) to stop:
 * tpch_generate() then returns K_ERR with that error.
 */
typedef int (*TpchRowFn)(void *ctx, const TpchField *fields, int nfields, KErr *err);

/* Generate the rows of one table (one part of it) in order, on the calling
 * thread. Parallel consumers call it once per part from several threads. */
K_MUSTCHECK int tpch_generate(TpchBenchmark b, int table, const TpchScale *sf, int part, int nparts,
                              TpchRowFn fn, void *ctx, KErr *err);

/*
 * The same rows as typed batches of up to K_VECTOR_SIZE rows, for loading
 * storage directly: `types` gives the type of each of the table's columns
 * (normally the catalog's, e.g. DECIMAL(15,2), DATE, CHAR(25)); each field
 * is converted with k_value_parse(), so values equal a COPY of the .tbl
 * file. The batch (created under `arena`) is reused: `fn` must consume it
 * before returning. Returns K_ERR with the callback's or a conversion error.
 */
typedef int (*TpchBatchFn)(void *ctx, const KBatch *batch, KErr *err);
K_MUSTCHECK int tpch_generate_batches(TpchBenchmark b, int table, const TpchScale *sf, int part,
                                      int nparts, const KType *types, KArena *arena, TpchBatchFn fn,
                                      void *ctx, KErr *err);

/* Writing .tbl files ('|'-separated, no trailing '|', one row per line). */
struct TpchWriteOptions {
    TpchBenchmark benchmark;
    TpchScale scale;
    const char *out_dir; /* must exist and be writable */
    uint32_t table_mask; /* bit i = table i; 0 = all tables */
    int threads;         /* <= 0: number of online CPUs */
    int part, nparts;    /* 1/1 = whole tables (<table>.tbl); else <table>.tbl.<part> */
    bool verbose;        /* progress lines on stderr */
};

/*
 * Write the selected tables. Each file is written to a temporary name in
 * out_dir, fsync'ed and renamed into place only when complete, so a file
 * with the final name is always whole; on any error (ENOSPC, EIO, ...) the
 * temporary file is removed and err says which file and why.
 */
K_MUSTCHECK int tpch_write_tables(const TpchWriteOptions *opt, KErr *err);
/* Unlink the temporary files of writes in progress. Async-signal-safe: for
 * a SIGINT/SIGTERM handler that then re-raises the signal. */
void tpch_remove_temp_files(void);

/* CREATE TABLE statements of the benchmark (the shipped schema .sql text). */
const char *tpch_schema_sql(TpchBenchmark b);

/* Queries: 22 for TPC-H, 13 for SSB (numbered 1..n). */
int tpch_query_count(TpchBenchmark b);
/* The validation text (qgen -d parameters; for SSB the published texts). */
const char *tpch_query_text(TpchBenchmark b, int q);
/*
 * The query with random substitution parameters drawn by the rules of the
 * TPC-H specification clause 2.4 (SSB: parameters of the same selectivity
 * as the published ones), from `seed`: the same seed gives the same text.
 * `sf` is used by Q11 (FRACTION = 0.0001 / SF). Appends the text to `out`.
 * The random numbers are our own (not qgen's), so texts differ from qgen's
 * for the same seed; the parameter domains are the specification's.
 */
K_MUSTCHECK int tpch_query_generate(TpchBenchmark b, int q, uint64_t seed, double sf, KBuf *out,
                                    KErr *err);

#endif /* KESTREL_TPCH_H */
