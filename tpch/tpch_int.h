/*
 * tpch_int.h — private declarations of the tpch/ module: the dbgen random
 * number streams, the embedded distributions, the compact text pool and the
 * row builder shared by the TPC-H and SSB generators.
 */
#ifndef KESTREL_TPCH_INT_H
#define KESTREL_TPCH_INT_H

#include "tpch/tpch.h"

/* ------------------------------------------------------------------ */
/* Random numbers (rng.c)                                               */
/* ------------------------------------------------------------------ */
/* Park & Miller's minimal standard generator, as dbgen uses it: seeds live
 * in 1 .. 2^31-2, next = seed * 16807 mod (2^31 - 1). */
#define TPCH_RNG_M    INT64_C(2147483647)
#define TPCH_RNG_A    INT64_C(16807)
#define TPCH_MAX_LONG INT64_C(0x7FFFFFFF)

/* dbgen's 48 column streams (dss.h / rnd.h numbering). */
enum {
    S_P_MFG = 0,
    S_P_BRND = 1,
    S_P_TYPE = 2,
    S_P_SIZE = 3,
    S_P_CNTR = 4,
    S_TEXT = 5,
    S_P_CMNT = 6,
    S_PS_QTY = 7,
    S_PS_SCST = 8,
    S_PS_CMNT = 9,
    S_O_SUPP = 10,
    S_O_CLRK = 11,
    S_O_CMNT = 12,
    S_O_ODATE = 13,
    S_L_QTY = 14,
    S_L_DCNT = 15,
    S_L_TAX = 16,
    S_L_SHIP = 17,
    S_L_SMODE = 18,
    S_L_PKEY = 19,
    S_L_SKEY = 20,
    S_L_SDTE = 21,
    S_L_CDTE = 22,
    S_L_RDTE = 23,
    S_L_RFLG = 24,
    S_L_CMNT = 25,
    S_C_ADDR = 26,
    S_C_NTRG = 27,
    S_C_PHNE = 28,
    S_C_ABAL = 29,
    S_C_MSEG = 30,
    S_C_CMNT = 31,
    S_S_ADDR = 32,
    S_S_NTRG = 33,
    S_S_PHNE = 34,
    S_S_ABAL = 35,
    S_S_CMNT = 36,
    S_P_NAME = 37,
    S_O_PRIO = 38,
    S_HVAR = 39,
    S_O_CKEY = 40,
    S_N_CMNT = 41,
    S_R_CMNT = 42,
    S_O_LCNT = 43,
    S_BBB_JNK = 44,
    S_BBB_TYPE = 45,
    S_BBB_CMNT = 46,
    S_BBB_OFFSET = 47,
    TPCH_NSTREAMS = 48
};

/* Which generation unit a stream belongs to, and how many random numbers it
 * consumes per unit (its "boundary": dbgen advances every stream to it at
 * the end of each row, which is what makes jumping ahead possible). */
typedef enum TpchUnit {
    TPCH_U_NONE = -1,
    TPCH_U_PART = 0,
    TPCH_U_SUPP,
    TPCH_U_CUST,
    TPCH_U_ORDER,
    TPCH_U_NATION,
    TPCH_U_REGION,
    TPCH_NUNITS
} TpchUnit;

typedef struct TpchStreamDef {
    int unit;         /* TpchUnit */
    int64_t seed;     /* initial value */
    int64_t boundary; /* random numbers per unit */
} TpchStreamDef;
extern const TpchStreamDef tpch__streams[TPCH_NSTREAMS];

typedef struct TpchStream {
    int64_t value;
    int64_t usage;
} TpchStream;

static inline int64_t
tpch__next_rand(int64_t s)
{
    return (s * TPCH_RNG_A) % TPCH_RNG_M;
}
/* The seed after n draws from s (dbgen's NthElement). */
int64_t tpch__skip(int64_t s, int64_t n);
/* A^k mod M for small k (0 <= k < 256), for fast row_stop advancing. */
extern int64_t tpch__pow_a[256];
void tpch__rng_init(void);

/* dbgen's UnifInt: uniform in [lo, hi] through the same double arithmetic. */
static inline int64_t
tpch__unif(TpchStream *st, int64_t lo, int64_t hi)
{
    double range;
    if (hi == TPCH_MAX_LONG && lo == 0) {
        /* dbgen computes this range in 32-bit ints, where it wraps. */
        range = -2147483648.0;
    } else {
        range = (double)(hi - lo + 1);
    }
    st->value = tpch__next_rand(st->value);
    st->usage++;
    return lo + (int64_t)(((double)st->value / 2147483647.0) * range);
}

/* Advance a stream to its per-unit boundary (dbgen's row_stop). */
static inline void
tpch__row_stop(TpchStream *st, int64_t boundary)
{
    int64_t k = boundary - st->usage;
    if (k > 0) {
        if (k < 256)
            st->value = (st->value * tpch__pow_a[k]) % TPCH_RNG_M;
        else
            st->value = tpch__skip(st->value, k);
    }
    st->usage = 0;
}

/* ------------------------------------------------------------------ */
/* Distributions (dists.c)                                              */
/* ------------------------------------------------------------------ */
typedef struct TpchDistEntry {
    const char *text;
    int32_t weight; /* as written in dists.dss (not cumulative) */
} TpchDistEntry;

typedef struct TpchDist {
    const char *name;
    int count;
    const TpchDistEntry *entries;
    uint8_t *lens; /* strlen of each entry */
    int32_t total; /* sum of weights */
    uint8_t *pick; /* pick[j] for j in 1..total: index of the first entry whose
                    * cumulative weight >= j */
} TpchDist;

enum {
    D_CATEGORY,
    D_P_CNTR,
    D_INSTRUCT,
    D_MSEGMNT,
    D_P_NAMES,
    D_NATIONS,
    D_NATIONS2,
    D_REGIONS,
    D_O_OPRIO,
    D_RFLAG,
    D_SMODE,
    D_P_TYPES,
    D_COLORS,
    D_NOUNS,
    D_VERBS,
    D_ADVERBS,
    D_ARTICLES,
    D_PREPOSITIONS,
    D_AUXILLARIES,
    D_TERMINATORS,
    D_ADJECTIVES,
    D_GRAMMAR,
    D_NP,
    D_VP,
    D_Q13A,
    D_Q13B,
    TPCH_NDISTS
};
extern TpchDist tpch__dists[TPCH_NDISTS];
/* Build the pick tables (once; thread safe). */
void tpch__init(void);

/* dbgen's pick_str: one draw in [1, total], returns the entry index. */
static inline int
tpch__pick(const TpchDist *d, TpchStream *st)
{
    int64_t j = tpch__unif(st, 1, d->total);
    return d->pick[j];
}
/* Region key of nation i (the nations distribution's cumulative weights). */
int tpch__nation_region(int i);

/* ------------------------------------------------------------------ */
/* Text pool (textpool.c)                                               */
/* ------------------------------------------------------------------ */
#define TPCH_TEXT_POOL_SIZE (300 * 1024 * 1024)
/* Build the pool (once per process, thread safe). Returns K_ERR on OOM. */
K_MUSTCHECK int tpch__textpool_init(KErr *err);
/* Copy `len` bytes of the pool starting at `offset` into out. */
void tpch__textpool_copy(int64_t offset, int len, char *out);
/* Prefetch what a later copy at `offset` reads: stage 1 the index entry,
 * stage 2 (after stage 1 had time to arrive) the tokens. */
void tpch__textpool_prefetch1(int64_t offset);
void tpch__textpool_prefetch2(int64_t offset);

/* ------------------------------------------------------------------ */
/* Rows (tpch_gen.c / ssb_gen.c)                                        */
/* ------------------------------------------------------------------ */
#define TPCH_MAX_FIELDS 20
#define TPCH_ROW_BYTES  2048

/* A row under construction: field slices into `buf`. */
typedef struct TpchRow {
    int n;
    uint32_t used;
    TpchField f[TPCH_MAX_FIELDS];
    char buf[TPCH_ROW_BYTES];
} TpchRow;

static inline void
tpch__row_reset(TpchRow *r)
{
    r->n = 0;
    r->used = 0;
}
static inline char *
tpch__row_begin(TpchRow *r)
{
    return r->buf + r->used;
}
static inline void
tpch__row_end(TpchRow *r, char *end)
{
    char *start = r->buf + r->used;
    r->f[r->n].ptr = start;
    r->f[r->n].len = (uint32_t)(end - start);
    r->n++;
    r->used = (uint32_t)(end - r->buf);
}
void tpch__put_int(TpchRow *r, int64_t v);
void tpch__put_money(TpchRow *r, int64_t cents);
void tpch__put_str(TpchRow *r, const char *s, size_t n);
void tpch__put_chr(TpchRow *r, char c);
/* "Customer#000000001": tag and a zero-padded number of `width` digits. */
void tpch__put_tagged(TpchRow *r, const char *tag, int64_t v, int width);
/* The dbgen date with index d (0 = 1992-01-01) as YYYY-MM-DD. */
void tpch__put_date(TpchRow *r, int d);
extern char tpch__dates[2557][11];

/* Called with each row of a unit; `table` is the benchmark's table id. */
typedef int (*TpchEmitFn)(void *ctx, int table, const TpchRow *row, KErr *err);

/*
 * A generator positioned at some unit of some table. TPC-H units: a part
 * (part row + 4 partsupp rows), a supplier, a customer, an order (order row
 * + its lineitems), a nation, a region. SSB units are analogous.
 */
typedef struct TpchGen {
    TpchBenchmark bench;
    TpchScale sf;
    int unit;     /* TpchUnit or SSB unit */
    int64_t next; /* 1-based index of the next unit */
    TpchStream s[TPCH_NSTREAMS];
    uint32_t want; /* mask of tables to emit */
    TpchRow row;
    TpchRow row2;
} TpchGen;

/* Base row counts after scaling (dbgen's tdefs[].base * scale). */
int64_t tpch__units_total(TpchBenchmark b, int unit, const TpchScale *sf);
/* Validate (benchmark, table, scale, part) as the public functions do. */
K_MUSTCHECK int tpch__check_args(TpchBenchmark b, int table, const TpchScale *sf, int part,
                                 int nparts, KErr *err);
/* Which unit drives a table. */
int tpch__table_unit(TpchBenchmark b, int table);
/* Range [first, first + count) of units in part/nparts (dbgen's split). */
void tpch__part_range(TpchBenchmark b, int unit, const TpchScale *sf, int part, int nparts,
                      int64_t *first, int64_t *count);

/* Position g at unit `index` (1-based) of `unit`. */
void tpch__gen_seek(TpchGen *g, TpchBenchmark b, const TpchScale *sf, int unit, int64_t index);
/* Generate the next unit, calling emit for each row of a wanted table. */
K_MUSTCHECK int tpch__gen_unit(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err);
K_MUSTCHECK int ssb__gen_unit(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err);
void ssb__gen_seek(TpchGen *g, int unit, int64_t index);
int64_t ssb__units_total(int unit, const TpchScale *sf);
int ssb__table_unit(int table);

/* Order line counts: lines of order `index` need only the O_LCNT stream. */
int64_t tpch__count_lines(const TpchScale *sf, int64_t first, int64_t count);

/* Schema and query texts embedded at build time (tpch_data.c, generated). */
extern const char *const tpch__schema_texts[2];
extern const char *const tpch__queries_tpch[22];
extern const char *const tpch__queries_ssb[13];

#endif /* KESTREL_TPCH_INT_H */
