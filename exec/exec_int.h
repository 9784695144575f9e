/*
 * exec_int.h — the executor's private declarations.
 *
 * Pieces:
 *   ExExec      one fragment run: arenas (one per thread), the first error,
 *               runtime filters, cancellation, statistics
 *   ExEval      a compiled expression (per thread): result vectors, scratch
 *               selections, compiled LIKE patterns and IN sets
 *   ExConsumer  the push-based operator contract: a producer pushes batches
 *               (from thread `tid`) into the consumer that sits above it
 *   ExStore     rows materialized as compact column chunks of <= 2048 rows,
 *               addressed by 32-bit refs (chunk << 11 | row)
 *   ExGroupTable  the hash table shared by HASH_AGG and the set operations
 */
#ifndef EXEC_EXEC_INT_H
#define EXEC_EXEC_INT_H

#include "exec/exec.h"

#include <pthread.h>

#define EX_MAX_THREADS 64

typedef struct ExExec ExExec;
typedef struct ExEval ExEval;
typedef struct ExConsumer ExConsumer;
typedef struct ExStore ExStore;
typedef struct ExRf ExRf;

/* ------------------------------------------------------------------ */
/* One fragment run                                                     */
/* ------------------------------------------------------------------ */
struct ExRf {
    bool ready;
    bool has_minmax;
    KType type;
    int64_t lo, hi;      /* integer-like keys only */
    uint64_t nbits;      /* Bloom filter bits (power of two), 0 = none */
    uint64_t *bits;
    bool any_rows;
};

struct ExExec {
    ExRunCtx *rc;
    KArena *arena;               /* the run's arena (limited) */
    uint32_t nthreads;
    KArena *tarena[EX_MAX_THREADS]; /* per-thread long-lived arenas */
    pthread_mutex_t lock;
    volatile int failed;
    KErr err;                    /* first error */
    uint32_t nrf;
    ExRf **rf;                   /* by runtime filter id */
    bool parallel_exchange;      /* read exchanges on all threads (non-root fragments, and
                                  * a root with a sort or aggregate on top) */
};

/* Record the first error (thread safe); returns K_ERR. */
int ex__fail(ExExec *x, const KErr *err);
/* 57014 when the cancel flag is set, or K_ERR when another thread failed. */
K_MUSTCHECK int ex__check(ExExec *x, KErr *err);
void ex__stat_rows(ExExec *x, const ExPlan *p, uint64_t rows);
void ex__stat_time(ExExec *x, const ExPlan *p, uint64_t ns);
void ex__stat_mem(ExExec *x, const ExPlan *p, uint64_t bytes);

/* ------------------------------------------------------------------ */
/* Operators: the push contract                                        */
/* ------------------------------------------------------------------ */
/* push() receives a batch from thread `tid`; it may change b->sel/nsel
 * (the batch is the producer's scratch) but must copy what it keeps beyond
 * the call. Several threads may push at once with different tids. */
struct ExConsumer {
    int (*push)(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err);
    /* Set (non-zero) once no more rows are wanted (a LIMIT above is
     * satisfied): sources stop early. Streaming operators pass their
     * consumer's flag down; breakers leave it NULL. */
    volatile int *stop;
};
static inline bool
ex__stopped(const ExConsumer *c)
{
    return c->stop && *c->stop;
}

/* Run the operator tree under `p`, pushing its output into `c`. Returns
 * when every row has been pushed. */
K_MUSTCHECK int ex__produce(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);

K_MUSTCHECK int ex__produce_scan(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_filter(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_project(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_join(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_nl(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_agg(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_setop(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_sort(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_limit(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_window(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_values(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_exchange(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_recursive(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);
K_MUSTCHECK int ex__produce_worktable(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);

/* ------------------------------------------------------------------ */
/* Expressions                                                          */
/* ------------------------------------------------------------------ */
struct ExEval {
    const ExExpr *e;
    uint32_t nargs;
    ExEval **args;
    KVector out;        /* result vector (data and vbuf owned) */
    uint64_t *vbuf;     /* validity storage for out */
    uint16_t *s1, *s2, *s3; /* scratch selections */
    uint8_t *mark;      /* scratch row flags */
    void *aux;          /* compiled LIKE pattern, IN set, cast info */
    const ExParam *params;
    uint32_t nparams;
};

/* Compile `e` for one thread: buffers come from `a`. */
K_MUSTCHECK int ex__eval_compile(KArena *a, const ExExpr *e, const ExParam *params,
                                 uint32_t nparams, ExEval **out, KErr *err);
/* Evaluate over rows sel[0..n-1] (0..n-1 when sel is NULL) of `in`. *out is
 * the result: values at the physical row positions; it may be one of the
 * input's vectors or a constant vector. Strings of the result live in
 * `heap` (or in the input). */
K_MUSTCHECK int ex__eval(ExEval *ev, const KBatch *in, const uint16_t *sel, uint32_t n,
                         KArena *heap, KVector **out, KErr *err);
/* Rows of sel (or 0..n-1) where the BOOL expression is true, written in
 * order to out_sel; returns the count through *nout. */
K_MUSTCHECK int ex__select(ExEval *ev, const KBatch *in, const uint16_t *sel, uint32_t n,
                           KArena *heap, uint16_t *out_sel, uint32_t *nout, KErr *err);

/* Scalar function kernels (func.c, strfunc.c, datefunc.c, cast.c). */
K_MUSTCHECK int ex__func_eval(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n,
                              KArena *heap, KErr *err);
K_MUSTCHECK int ex__func_compile(KArena *a, ExEval *ev, KErr *err);
K_MUSTCHECK int ex__str_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n,
                             KArena *heap, KErr *err);
K_MUSTCHECK int ex__like_compile(KArena *a, ExEval *ev, KErr *err);
/* Arrays and the scalar subquery's row check (array.c). */
K_MUSTCHECK int ex__array_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n,
                               KArena *heap, KErr *err);
K_MUSTCHECK int ex__date_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n,
                              KErr *err);
K_MUSTCHECK int ex__cast(KType from, const KVector *src, KType to, KVector *dst,
                         const uint16_t *sel, uint32_t n, KArena *heap, int32_t pos, KErr *err);
/* Compare-and-select kernels (kern_cmp.inc), SIMD-dispatched. */
uint32_t ex__cmp_select(ExFunc op, KType t, const KVector *a, const KVector *b,
                        const uint16_t *sel, uint32_t n, uint16_t *out);

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */
/* Physical kinds of a type's slot. */
typedef enum ExPhys {
    EX_P_U8 = 0, EX_P_I32, EX_P_I64, EX_P_I128, EX_P_F64, EX_P_STR, EX_P_IV
} ExPhys;
ExPhys ex__phys(KType t);
/* Total order of two non-NULL slots of type t (doubles: NaN largest, as
 * PostgreSQL). */
int ex__cmp_slot(KType t, const void *a, const void *b);
bool ex__eq_slot(KType t, const void *a, const void *b);
/* ex__eq_slot with the integer types inline (join and group keys). */
static inline bool
ex__eq_fast(KType t, const void *a, const void *b)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_INT32:
    case K_TYPE_DATE: return *(const int32_t *)a == *(const int32_t *)b;
    case K_TYPE_INT64:
    case K_TYPE_TIMESTAMP: return *(const int64_t *)a == *(const int64_t *)b;
    case K_TYPE_DECIMAL:
        if (t.precision <= K_DECIMAL_INT64_PRECISION)
            return *(const int64_t *)a == *(const int64_t *)b;
        return ex__eq_slot(t, a, b);
    default: return ex__eq_slot(t, a, b);
    }
}
uint64_t ex__hash_slot(KType t, const void *slot);
/* A decimal slot (narrow or wide) as int128. */
static inline k_int128 ex__dec_get(KType t, const void *slot)
{
    if (t.precision > K_DECIMAL_INT64_PRECISION) {
        k_int128 v;
        memcpy(&v, slot, sizeof v);
        return v;
    }
    return *(const int64_t *)slot;
}
static inline void ex__dec_put(KType t, void *slot, k_int128 v)
{
    if (t.precision > K_DECIMAL_INT64_PRECISION) memcpy(slot, &v, sizeof v);
    else *(int64_t *)slot = (int64_t)v;
}
/* Copy rows: dst[dst_row[i] or i] = src[src_row[i]] for i < n, with
 * validity. Strings keep pointing where they pointed. */
K_MUSTCHECK int ex__vec_copy_rows(KVector *dst, const uint16_t *dst_rows, const KVector *src,
                                  const uint16_t *src_rows, uint32_t n, KArena *a, KErr *err);
/* Copy one value (slot + null) from src row to dst row; dst gets a validity
 * bitmap from `a` when needed. Strings are copied into `heap` when non-NULL. */
K_MUSTCHECK int ex__vec_set(KVector *dst, uint32_t drow, const KVector *src, uint32_t srow,
                            KArena *a, KArena *heap, KErr *err);
/* Hash of the key vectors at each live row: h[i] for i < n (rows sel[i]). */
void ex__hash_rows(KVector **keys, uint32_t nkeys, const uint16_t *sel, uint32_t n,
                   uint64_t *h);
/* Deep-copy a string into `a`. */
K_MUSTCHECK int ex__str_own(KArena *a, KStr *s, KErr *err);

/* ------------------------------------------------------------------ */
/* Row stores                                                           */
/* ------------------------------------------------------------------ */
#define EX_REF(chunk, row) (((uint32_t)(chunk) << 11) | (uint32_t)(row))
#define EX_REF_CHUNK(r) ((r) >> 11)
#define EX_REF_ROW(r) ((r) & 2047u)

struct ExStore {
    uint32_t ncols;
    KType *types;
    KArena *arena;       /* chunk memory */
    uint32_t nchunks, cap;
    KBatch **chunks;     /* each compact (no sel) */
    uint64_t rows;
};
K_MUSTCHECK int ex__store_init(ExStore *s, KArena *a, uint32_t ncols, const KType *types,
                               KErr *err);
/* Append the live rows of b's columns cols[0..ncols-1] (or all when cols is
 * NULL), copying strings. */
K_MUSTCHECK int ex__store_append(ExStore *s, const KBatch *b, KVector **cols, KErr *err);
/* Move every chunk of src to the end of dst (same arena lifetime). */
K_MUSTCHECK int ex__store_merge(ExStore *dst, ExStore *src, KErr *err);
static inline KVector *ex__store_col(const ExStore *s, uint32_t ref, uint32_t col)
{
    return &s->chunks[EX_REF_CHUNK(ref)]->cols[col];
}
/* Gather rows refs[0..n-1] of store column scol into dst (rows 0..n-1). */
void ex__store_gather(const ExStore *s, uint32_t scol, const uint32_t *refs, uint32_t n,
                      KVector *dst);

/* A batch created under `a` with the given types, all vectors having a
 * validity bitmap. */
KBatch *ex__batch_new(KArena *a, uint32_t ncols, const KType *types, KErr *err);

/* Output of a finished breaker: push rows of `b` to the consumer as tid 0
 * in chunks; checks cancel. */
K_MUSTCHECK int ex__emit(ExExec *x, const ExPlan *p, ExConsumer *c, KBatch *b, KErr *err);
/* ex__emit as thread tid of the run's team (breakers that emit in parallel) */
K_MUSTCHECK int ex__emit_tid(ExExec *x, const ExPlan *p, ExConsumer *c, KBatch *b, uint32_t tid,
                             KErr *err);

/* One aggregate accumulator (agg.c); window aggregates use them directly. */
typedef struct ExAggAcc {
    union {
        k_int128 i128;
        double f64;
        ExValue v;
    } a;
    int64_t n;  /* rows seen (COUNT) / non-NULL values (others) */
    double m2;  /* VAR: sum of squared deviations; a.f64 = mean */
} ExAggAcc;
/* Add the value at `row` of v (row < K_VECTOR_SIZE; v NULL for COUNT(*)). */
K_MUSTCHECK int ex__acc_add(const ExAggSpec *sp, ExAggAcc *acc, const KVector *v, uint32_t row,
                            KArena *heap, KErr *err);
/* The LIST aggregate's accumulator: append one record or list (array.c). */
K_MUSTCHECK int ex__list_append(ExAggAcc *s, const char *p, uint32_t n, KArena *heap, KErr *err);
/* The aggregate's final value into out at row r (validity set). */
K_MUSTCHECK int ex__acc_final(const ExAggSpec *sp, const ExAggAcc *acc, KVector *out, uint32_t r,
                              KErr *err);

/* The aggregate machinery (agg.c), also used by SETOP. */
K_MUSTCHECK int ex__setop_run(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err);

/* Number of threads to use for parallel pipelines. */
uint32_t ex__threads(const ExExec *x);

#endif /* EXEC_EXEC_INT_H */
