/*
 * kestrel.h — the common base every module stands on.
 *
 * This is common/'s one public header: fixed-width types and compiler
 * helpers, errors with SQLSTATEs, arenas, SQL types and their text forms,
 * vectors and batches, hashing, byte buffers, logging and CPU detection.
 * The implementation is split across the .c files of common/ by topic (error.c, arena.c,
 * types.c, datetime.c, decimal.c, vector.c, hash.c, buf.c, log.c, cpu.c).
 *
 * Conventions used throughout Kestrel:
 *   - A fallible function returns int: K_OK (0) on success, K_ERR (-1) on
 *     failure after filling the caller's KErr. It is marked K_MUSTCHECK.
 *   - Pointer parameters are borrowed unless the comment says "takes
 *     ownership".
 *   - Memory comes from an arena passed explicitly (k_alloc(arena, n)).
 */
#ifndef KESTREL_H
#define KESTREL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Forward declarations                                                 */
/* ------------------------------------------------------------------ */
typedef struct KErr KErr;
typedef struct KArena KArena;
typedef struct KType KType;
typedef struct KStr KStr;
typedef struct KInterval KInterval;
typedef struct KVector KVector;
typedef struct KBatch KBatch;
typedef struct KBuf KBuf;
typedef struct KReader KReader;

/* ------------------------------------------------------------------ */
/* Compiler helpers                                                     */
/* ------------------------------------------------------------------ */
#define K_OK 0
#define K_ERR (-1)

#define K_MUSTCHECK __attribute__((warn_unused_result))
#define K_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define K_UNUSED(x) ((void)(x))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define K_ALIGN_UP(n, a) (((n) + ((a) - 1)) & ~((size_t)(a) - 1))
#define K_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define K_MIN(a, b) ((a) < (b) ? (a) : (b))
#define K_MAX(a, b) ((a) > (b) ? (a) : (b))

typedef __int128 k_int128;
typedef unsigned __int128 k_uint128;

/* K_ASSERT is live in Debug and Sanitize builds and checks invariants of our
 * own code, never user input (input errors go through KErr). */
#ifdef K_DEBUG
void k_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
#define K_ASSERT(e) ((e) ? (void)0 : k_assert_fail(#e, __FILE__, __LINE__))
#else
#define K_ASSERT(e) ((void)0)
#endif

/* ------------------------------------------------------------------ */
/* Errors (error.c)                                                     */
/* ------------------------------------------------------------------ */
typedef enum KSqlState {
#define K_SQLSTATE(name, code) name,
#include "common/sqlstate.def"
#undef K_SQLSTATE
    K_SQLSTATE_COUNT
} KSqlState;

typedef enum KSeverity {
    K_SEV_ERROR = 0,
    K_SEV_FATAL,
    K_SEV_PANIC,
    K_SEV_WARNING,
    K_SEV_NOTICE,
    K_SEV_INFO,
    K_SEV_LOG,
    K_SEV_DEBUG,
} KSeverity;

/* One error, mapped field by field onto PostgreSQL's ErrorResponse:
 * S/V severity, C code, M message, D detail, H hint, P position. `pos` is
 * the byte offset in the statement text, -1 when the error has none (the
 * wire protocol turns it into PostgreSQL's 1-based character position). */
struct KErr {
    KSqlState code;
    KSeverity severity;
    int32_t pos;
    char message[512];
    char detail[512];
    char hint[256];
};

/* Clear an error object (code K_OK_STATE, no position). */
void k_err_clear(KErr *err);
/* Fill `err` and return K_ERR, so call sites read
 *     return k_error(err, K_DIVISION_BY_ZERO, "division by zero"); */
int k_error(KErr *err, KSqlState code, const char *fmt, ...) K_PRINTF(3, 4);
/* The same with a byte position in the statement text. */
int k_error_at(KErr *err, KSqlState code, int32_t pos, const char *fmt, ...) K_PRINTF(4, 5);
int k_error_v(KErr *err, KSqlState code, int32_t pos, const char *fmt, va_list ap);
/* Add detail or hint to an error already filled. */
void k_err_detail(KErr *err, const char *fmt, ...) K_PRINTF(2, 3);
void k_err_hint(KErr *err, const char *fmt, ...) K_PRINTF(2, 3);
/* Copy one error object to another (NULL-safe). */
void k_err_copy(KErr *dst, const KErr *src);
/* The five-character code ("22012") and the enum name ("K_DIVISION_BY_ZERO"). */
const char *k_sqlstate_code(KSqlState s);
const char *k_sqlstate_name(KSqlState s);
/* Look a five-character code up; returns K_INTERNAL_ERROR when unknown. */
KSqlState k_sqlstate_from_code(const char *code);
/* "ERROR", "NOTICE", ... as PostgreSQL spells them. */
const char *k_severity_name(KSeverity s);
/* Fill err with PostgreSQL's out-of-memory message for a request of `size`
 * bytes in arena `a`; returns K_ERR. */
int k_error_oom(KErr *err, const KArena *a, size_t size);

/* ------------------------------------------------------------------ */
/* Arenas (arena.c)                                                     */
/* ------------------------------------------------------------------ */
/*
 * A tree of memory contexts with named lifetimes (server → session →
 * message → query → batch). Destroying an arena frees its children too.
 * Each arena is used by one thread at a time; creating and destroying
 * children and the byte accounting are thread safe, so each OpenMP thread
 * can own a child of a shared query arena.
 *
 * Accounting: `used` counts the bytes of blocks held by an arena and all its
 * descendants. An arena with a limit refuses (returns NULL) a new block that
 * would push it or any limited ancestor past the limit; the caller then
 * reports k_error_oom() (SQLSTATE 53200). Allocations above
 * K_ARENA_BIG_ALLOC get their own block and can be released early with
 * k_free(), which suits growing hash tables and buffers.
 */
#define K_ARENA_BIG_ALLOC (64 * 1024)

/* Create an arena under `parent` (NULL for a root). `name` must outlive it
 * (a string literal). Returns NULL if the system is out of memory. */
KArena *k_arena_create(KArena *parent, const char *name);
/* Free the arena, every allocation in it and all its children. NULL-safe. */
void k_arena_destroy(KArena *a);
/* Free every allocation and child but keep the arena (and its limit). */
void k_arena_reset(KArena *a);
/* Set a byte limit on this arena and its descendants (0 = none). */
void k_arena_set_limit(KArena *a, size_t limit);
size_t k_arena_limit(const KArena *a);
/* Bytes held by this arena and its descendants. */
size_t k_arena_used(const KArena *a);
/* Highest `used` ever reached. */
size_t k_arena_peak(const KArena *a);
const char *k_arena_name(const KArena *a);

/* 16-byte aligned memory, or NULL when over the limit or out of memory. */
void *k_alloc(KArena *a, size_t n);
/* Same, zeroed. */
void *k_alloc0(KArena *a, size_t n);
/* Aligned to `align` (a power of two up to 4096). */
void *k_alloc_aligned(KArena *a, size_t n, size_t align);
/* Grow an allocation to `new_n` bytes, keeping the first `old_n`. Big
 * allocations are resized in place when possible. NULL on failure (the old
 * allocation is then still valid). */
void *k_realloc(KArena *a, void *p, size_t old_n, size_t new_n);
/* Release a big allocation early; a no-op for small ones. */
void k_free(KArena *a, void *p, size_t n);
char *k_strndup(KArena *a, const char *s, size_t n);
char *k_strdup(KArena *a, const char *s);
char *k_sprintf(KArena *a, const char *fmt, ...) K_PRINTF(2, 3);

/* ------------------------------------------------------------------ */
/* SQL types (types.c)                                                  */
/* ------------------------------------------------------------------ */
typedef enum KTypeId {
    K_TYPE_UNKNOWN = 0, /* an untyped literal or NULL before binding */
    K_TYPE_BOOL,
    K_TYPE_INT32,
    K_TYPE_INT64,
    K_TYPE_DECIMAL,  /* scaled integer: int64 for precision <= 18, int128 above */
    K_TYPE_DOUBLE,
    K_TYPE_DATE,     /* int32 days since 1970-01-01 */
    K_TYPE_TIMESTAMP,/* int64 microseconds since 1970-01-01 00:00:00 */
    K_TYPE_INTERVAL, /* KInterval */
    K_TYPE_VARCHAR,  /* KStr; len = declared max length, 0 = unbounded (TEXT) */
    K_TYPE_CHAR,     /* KStr, stored without trailing blanks; len = declared */
    K_TYPE_COUNT
} KTypeId;

#define K_DECIMAL_MAX_PRECISION 38
#define K_DECIMAL_INT64_PRECISION 18

/* A SQL type: id plus modifiers. Small enough to pass by value. */
struct KType {
    uint8_t id;        /* KTypeId */
    uint8_t precision; /* DECIMAL */
    uint8_t scale;     /* DECIMAL */
    uint8_t array;     /* KArrayElem: K_ARR_NONE, or the element type of an array */
    int32_t len;       /* VARCHAR/CHAR declared length, 0 if none */
};

/* Arrays (one-dimensional): id K_TYPE_VARCHAR whose values are PostgreSQL's
 * text form ('{1,2}', '{a,"b c",NULL}'); `array` names the element type,
 * which picks the type oid clients see (exec/array.c, docs/architecture.md). */
typedef enum KArrayElem {
    K_ARR_NONE = 0,
    K_ARR_BOOL,    /* bool[]    1000 */
    K_ARR_INT2,    /* int2[]    1005, elements INT32 */
    K_ARR_INT4,    /* int4[]    1007 */
    K_ARR_INT8,    /* int8[]    1016 */
    K_ARR_OID,     /* oid[]     1028, elements INT64 (Kestrel's oids) */
    K_ARR_FLOAT8,  /* float8[]  1022 */
    K_ARR_NUMERIC, /* numeric[] 1231 */
    K_ARR_TEXT,    /* text[]    1009 */
    K_ARR_VARCHAR, /* varchar[] 1015 */
    K_ARR_NAME,    /* name[]    1003, elements VARCHAR */
    K_ARR_CHAR,    /* "char"[]  1002, elements VARCHAR */
    K_ARR_DATE,    /* date[]    1182 */
    K_ARR_TIMESTAMP, /* timestamp[] 1115 */
    K_ARR_COUNT_
} KArrayElem;
static inline KType
k_type_array(KArrayElem e)
{
    KType t = {K_TYPE_VARCHAR, 0, 0, (uint8_t)e, 0};
    return t;
}
static inline bool
k_type_is_array(KType t)
{
    return t.id == K_TYPE_VARCHAR && t.array != K_ARR_NONE;
}
/* The type of an array's elements; the element kind of a scalar type. */
KType k_array_elem_type(KArrayElem e);
KArrayElem k_array_elem_of(KType t);

static inline KType k_type(KTypeId id) { KType t = {(uint8_t)id, 0, 0, 0, 0}; return t; }
static inline KType k_type_decimal(int p, int s) { KType t = {K_TYPE_DECIMAL, (uint8_t)p, (uint8_t)s, 0, 0}; return t; }
static inline KType k_type_varchar(int32_t len) { KType t = {K_TYPE_VARCHAR, 0, 0, 0, len}; return t; }
static inline KType k_type_char(int32_t len) { KType t = {K_TYPE_CHAR, 0, 0, 0, len}; return t; }
static inline bool k_type_is_string(KType t) { return t.id == K_TYPE_VARCHAR || t.id == K_TYPE_CHAR; }
static inline bool k_type_is_wide_decimal(KType t) { return t.id == K_TYPE_DECIMAL && t.precision > K_DECIMAL_INT64_PRECISION; }
bool k_type_equal(KType a, KType b);
/* Bytes one value occupies in a vector (16 for strings, intervals and
 * wide decimals). Inline: kernels call it in their loops. */
static inline size_t
k_type_width(KType t)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: return 1;
    case K_TYPE_INT32:
    case K_TYPE_DATE: return 4;
    case K_TYPE_INT64:
    case K_TYPE_DOUBLE:
    case K_TYPE_TIMESTAMP: return 8;
    case K_TYPE_DECIMAL: return t.precision > K_DECIMAL_INT64_PRECISION ? 16 : 8;
    default: return 16; /* KStr, KInterval, unknown literals (text) */
    }
}
/* SQL name as PostgreSQL's format_type prints it: "integer", "numeric(15,2)",
 * "character varying(25)", "date", ... Written into buf, returns buf. */
const char *k_type_name(KType t, char *buf, size_t cap);
/* Parse a type name ("int", "decimal(15,2)", "varchar", "text", ...). A negative
 * modifier means none was given; varchar(0) is an error as in PostgreSQL. */
K_MUSTCHECK int k_type_from_name(const char *name, int32_t mod1, int32_t mod2, KType *out, KErr *err);
/* The PostgreSQL type OID clients see (23 int4, 1700 numeric, ...). */
uint32_t k_type_pg_oid(KType t);

/* 16-byte string: inline when len <= 12, else a 4-byte prefix and a
 * pointer to bytes owned by some arena (usually the batch's heap).
 * Layout: len at 0, inline bytes or prefix at 4, pointer at 8. The inner
 * struct is packed so the union starts right after len (an unpacked
 * pointer member would push it to offset 8 and make KStr 24 bytes); the
 * whole struct is 8-aligned, so the pointer itself stays aligned. */
#define K_STR_INLINE 12
struct KStr {
    uint32_t len;
    union {
        char inl[K_STR_INLINE];
        struct __attribute__((packed)) {
            char prefix[4];
            const char *ptr;
        } p;
    } u;
} __attribute__((aligned(8)));
_Static_assert(sizeof(struct KStr) == 16, "KStr must be 16 bytes");
static inline const char *k_str_data(const KStr *s) { return s->len <= K_STR_INLINE ? s->u.inl : s->u.p.ptr; }
/* Make a string that points into `bytes` (which must outlive it) or inlines
 * it when short. */
KStr k_str_ref(const char *bytes, uint32_t len);
/* Make a string whose bytes are copied into `a` when not inline. NULL-safe on
 * allocation failure: returns false. */
bool k_str_copy(KArena *a, const char *bytes, uint32_t len, KStr *out);
bool k_str_eq(const KStr *a, const KStr *b);
int k_str_cmp(const KStr *a, const KStr *b);

struct KInterval {
    int32_t months;
    int32_t days;
    int64_t micros;
};

/* ------------------------------------------------------------------ */
/* Values: text forms (types.c, datetime.c, decimal.c)                  */
/* ------------------------------------------------------------------ */
/* Parse and format each type in PostgreSQL's text forms. Parsers take a
 * (ptr, len) slice (no NUL needed), accept surrounding blanks as PostgreSQL
 * does, and report 22P02 / 22003 / 22007 / 22008 / 22015 errors. */
K_MUSTCHECK int k_parse_bool(const char *s, size_t n, bool *out, KErr *err);
K_MUSTCHECK int k_parse_int32(const char *s, size_t n, int32_t *out, KErr *err);
K_MUSTCHECK int k_parse_int64(const char *s, size_t n, int64_t *out, KErr *err);
K_MUSTCHECK int k_parse_double(const char *s, size_t n, double *out, KErr *err);
/* Decimal text to a scaled integer of the given precision and scale,
 * rounding half away from zero as PostgreSQL's numeric does (exactly, once,
 * at the target scale). Precision 0 means 38. */
K_MUSTCHECK int k_parse_decimal(const char *s, size_t n, int precision, int scale, k_int128 *out, KErr *err);
/* ISO forms "1998-12-01", "1998-12-01 10:11:12.5", "0044-03-15 BC"; a date
 * accepts (and drops) a time of day. Malformed is 22007, impossible 22008. */
K_MUSTCHECK int k_parse_date(const char *s, size_t n, int32_t *out, KErr *err);
K_MUSTCHECK int k_parse_timestamp(const char *s, size_t n, int64_t *out, KErr *err);
/* "3 months", "90 days", "1.5 days", "1 year 2 mons 3 days 04:05:06",
 * "-1 days +02:00:00"; ISO "P1Y2M" is not supported. Fields that do not
 * fit are 22015. */
K_MUSTCHECK int k_parse_interval(const char *s, size_t n, KInterval *out, KErr *err);

/* Formatters write at most `cap` bytes incl. NUL and return the length
 * (like snprintf). Output matches PostgreSQL's text output. */
int k_format_int64(int64_t v, char *buf, size_t cap);
int k_format_double(double v, char *buf, size_t cap);    /* shortest round-trip, like extra_float_digits=1 */
int k_format_decimal(k_int128 v, int scale, char *buf, size_t cap);
int k_format_date(int32_t days, char *buf, size_t cap);  /* 1998-12-01 */
int k_format_timestamp(int64_t us, char *buf, size_t cap);
int k_format_interval(const KInterval *v, char *buf, size_t cap);

/* Generic: parse text into the value slot `out` (k_type_width(t) bytes);
 * strings are copied into `heap`. */
K_MUSTCHECK int k_value_parse(KType t, const char *s, size_t n, void *out, KArena *heap, KErr *err);
/* Generic: format the value at `val` as PostgreSQL text. Returns the length;
 * strings longer than cap are truncated (use k_value_format_len to size). */
int k_value_format(KType t, const void *val, char *buf, size_t cap);

/* Dates: civil calendar helpers (proleptic Gregorian). */
#define K_DATE_MIN_YEAR (-4713)
#define K_DATE_MAX_YEAR 294276
int32_t k_date_from_ymd(int y, int m, int d);
void k_date_to_ymd(int32_t days, int *y, int *m, int *d);
bool k_date_valid_ymd(int y, int m, int d);
bool k_is_leap_year(int y);
int k_days_in_month(int y, int m);
/* date + months, clamping the day to the month's end (PostgreSQL rule). */
int32_t k_date_add_months(int32_t days, int32_t months);
#define K_USECS_PER_DAY INT64_C(86400000000)

/* Decimals: scaled-integer arithmetic. */
extern const k_int128 k_pow10_128[39];
/* Rescale v from scale `from` to scale `to`, rounding half away from zero
 * when scale drops; false on overflow of `precision` digits. */
bool k_dec_rescale(k_int128 v, int from, int to, int precision, k_int128 *out);
/* True when |v| fits `precision` decimal digits. */
static inline bool
k_dec_fits(k_int128 v, int precision)
{
    if (precision >= 39) return true;
    k_int128 lim = k_pow10_128[precision];
    return v < lim && v > -lim;
}

/* ------------------------------------------------------------------ */
/* Vectors and batches (vector.c)                                       */
/* ------------------------------------------------------------------ */
/*
 * A vector holds up to K_VECTOR_SIZE values of one type in a 64-byte
 * aligned array, plus a validity bitmap of 64-bit words (bit set = valid;
 * validity == NULL means every row is valid). A constant vector holds one
 * value in slot 0 that stands for every row.
 *
 * A batch is a set of vectors of equal physical length `count` and an
 * optional selection vector: when `sel` is non-NULL only rows sel[0..nsel-1]
 * are live (filters select instead of copying). Strings in a batch point
 * into `heap`, which is reset together with the batch.
 */
#define K_VECTOR_SIZE 2048
#define K_VECTOR_WORDS (K_VECTOR_SIZE / 64)

enum { K_VEC_CONST = 1 };

struct KVector {
    KType type;
    uint32_t flags;
    void *data;
    uint64_t *validity;
};

struct KBatch {
    uint32_t ncols;
    uint32_t count;
    uint16_t *sel;
    uint32_t nsel;
    KVector *cols;
    KArena *heap;
    KArena *arena; /* owns the vectors */
};

/* Allocate a vector's data (and no validity) in `a`. */
K_MUSTCHECK int k_vector_init(KVector *v, KType t, KArena *a, KErr *err);
/* Make sure v has a validity bitmap (all valid), allocated from `a`. */
K_MUSTCHECK int k_vector_ensure_validity(KVector *v, KArena *a, KErr *err);
static inline bool k_vec_is_valid(const KVector *v, uint32_t i)
{
    if (!v->validity) return true;
    if (v->flags & K_VEC_CONST) i = 0;
    return (v->validity[i >> 6] >> (i & 63)) & 1;
}
static inline void k_vec_set_valid(KVector *v, uint32_t i, bool valid)
{
    uint64_t bit = UINT64_C(1) << (i & 63);
    if (valid) v->validity[i >> 6] |= bit;
    else v->validity[i >> 6] &= ~bit;
}
/* Create a batch of `ncols` vectors with the given types, under `parent`
 * (the batch gets its own arena and string heap). NULL on out of memory
 * (err filled). */
KBatch *k_batch_create(KArena *parent, uint32_t ncols, const KType *types, KErr *err);
void k_batch_destroy(KBatch *b);
/* Empty the batch for reuse: count = 0, no selection, validity all set,
 * string heap reset. */
void k_batch_reset(KBatch *b);
/* Number of live rows (nsel when a selection exists, else count). */
static inline uint32_t k_batch_rows(const KBatch *b) { return b->sel ? b->nsel : b->count; }
/* Physical index of the i-th live row. */
static inline uint32_t k_batch_row(const KBatch *b, uint32_t i) { return b->sel ? b->sel[i] : i; }
/* Pointer to the value slot of row `row` (physical) in vector v. */
static inline void *k_vec_slot(const KVector *v, uint32_t row)
{
    if (v->flags & K_VEC_CONST) row = 0;
    return (char *)v->data + (size_t)row * k_type_width(v->type);
}

/* ------------------------------------------------------------------ */
/* Hashing (hash.c)                                                     */
/* ------------------------------------------------------------------ */
/* A strong 64-bit mixer for integers: sequential keys spread evenly over
 * every bit range (used for hash tables and distribution). */
static inline uint64_t k_hash_u64(uint64_t x)
{
    x ^= x >> 32;
    x *= UINT64_C(0xd6e8feb86659fd93);
    x ^= x >> 32;
    x *= UINT64_C(0xd6e8feb86659fd93);
    x ^= x >> 32;
    return x;
}
uint64_t k_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t k_hash_combine(uint64_t h, uint64_t v) { return k_hash_u64(h ^ (v + UINT64_C(0x9e3779b97f4a7c15) + (h << 6) + (h >> 2))); }

/* ------------------------------------------------------------------ */
/* Byte buffers and serialization (buf.c)                               */
/* ------------------------------------------------------------------ */
/* A growable byte buffer on malloc (it outlives arenas: network frames,
 * files). `failed` turns sticky on allocation failure; check it once at the
 * end. Little-endian fixed-width and LEB128 varint encoders. */
struct KBuf {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool failed;
};
void k_buf_init(KBuf *b);
void k_buf_free(KBuf *b);
void k_buf_clear(KBuf *b);
bool k_buf_reserve(KBuf *b, size_t extra);
void k_buf_put(KBuf *b, const void *p, size_t n);
void k_buf_put_u8(KBuf *b, uint8_t v);
void k_buf_put_u16(KBuf *b, uint16_t v);
void k_buf_put_u32(KBuf *b, uint32_t v);
void k_buf_put_u64(KBuf *b, uint64_t v);
void k_buf_put_u16be(KBuf *b, uint16_t v);
void k_buf_put_u32be(KBuf *b, uint32_t v);
void k_buf_put_varint(KBuf *b, uint64_t v);
void k_buf_put_svarint(KBuf *b, int64_t v); /* zigzag */
void k_buf_put_str(KBuf *b, const char *s, size_t n); /* varint length + bytes */
void k_buf_printf(KBuf *b, const char *fmt, ...) K_PRINTF(2, 3);
void k_buf_put_json_str(KBuf *b, const char *s); /* a JSON string literal, quoted and escaped */

/* A bounds-checked reader; `failed` turns sticky on any over-read, and the
 * getters then return zeros. */
struct KReader {
    const uint8_t *p;
    const uint8_t *end;
    bool failed;
};
void k_reader_init(KReader *r, const void *p, size_t n);
static inline size_t k_reader_left(const KReader *r) { return (size_t)(r->end - r->p); }
uint8_t k_get_u8(KReader *r);
uint16_t k_get_u16(KReader *r);
uint32_t k_get_u32(KReader *r);
uint64_t k_get_u64(KReader *r);
uint16_t k_get_u16be(KReader *r);
uint32_t k_get_u32be(KReader *r);
uint64_t k_get_varint(KReader *r);
int64_t k_get_svarint(KReader *r);
/* Returns a pointer into the buffer and its length (no copy). */
const uint8_t *k_get_bytes(KReader *r, size_t n);
const char *k_get_str(KReader *r, size_t *len);

/* ------------------------------------------------------------------ */
/* Logging (log.c)                                                      */
/* ------------------------------------------------------------------ */
typedef enum KLogLevel { K_LOG_DEBUG, K_LOG_INFO, K_LOG_WARN, K_LOG_ERROR, K_LOG_OFF } KLogLevel;
/* Level from the environment variable KESTREL_LOG (debug|info|warn|error|off),
 * default info. Thread safe; one line per call to stderr with a timestamp. */
void k_log(KLogLevel level, const char *fmt, ...) K_PRINTF(2, 3);
void k_log_set_level(KLogLevel level);
KLogLevel k_log_level(void);
#define k_debug(...) do { if (k_log_level() <= K_LOG_DEBUG) k_log(K_LOG_DEBUG, __VA_ARGS__); } while (0)
#define k_info(...) k_log(K_LOG_INFO, __VA_ARGS__)
#define k_warn(...) k_log(K_LOG_WARN, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* CPU features (cpu.c)                                                 */
/* ------------------------------------------------------------------ */
typedef enum KSimdLevel { K_SIMD_SCALAR = 0, K_SIMD_AVX2 = 1, K_SIMD_AVX512 = 2 } KSimdLevel;
/* What the CPU supports (AVX2 needs AVX2+BMI2+FMA; AVX-512 needs F+BW+VL+DQ). */
KSimdLevel k_cpu_detect(void);
/* The level kernels should use: the detected one, lowered by the environment
 * variable KESTREL_SIMD=scalar|avx2|avx512 or by k_simd_force(). */
KSimdLevel k_simd_level(void);
void k_simd_force(KSimdLevel level);
const char *k_simd_name(KSimdLevel level);

/* Monotonic clock in nanoseconds. */
uint64_t k_now_ns(void);

#endif /* KESTREL_H */
