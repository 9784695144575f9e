/*
 * copy.c — COPY FROM: PostgreSQL text format, CSV and dbgen .tbl input
 * parsed into batches of a table's column types.
 *
 * Interface routines: st_copy_options_default, st_copy_options_tbl,
 * st_copy_from_file, st_copy_file_to_sink, st_copy_begin,
 * st_copy_begin_sink, st_copy_feed, st_copy_end, st_copy_cancel.
 *
 * Notes: a file is mapped and split into byte ranges at record boundaries
 * (for CSV the boundaries come from one pass that tracks quoting), one per
 * thread; each thread parses its range into its own batch and hands full
 * batches to the sink (a thread-safe StWriter for st_copy_from_file). The
 * first bad record (lowest byte offset) wins; its line number is counted
 * only then. Values take fast paths for plain integers, decimals, ISO dates
 * and strings, and fall back to common's k_value_parse, which also
 * produces the error for anything it rejects.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/storage_int.h"

typedef struct CopyDesc {
    const char *name;   /* relation, for messages */
    const char *source; /* file path or "STDIN" */
    uint32_t ncols;
    const StColumnDef *cols;
    KType *types;
    StCopyFormat format;
    char delim, quote, escape;
    bool header;
    const char *null_str;
    size_t null_len;
    StCopySinkFn sink;
    void *sink_ctx;
} CopyDesc;

typedef struct Field {
    const char *p;
    size_t n;
    bool quoted;
} Field;

typedef struct Parser {
    const CopyDesc *d;
    KArena *arena;
    KBatch *batch;
    Field *f;
    uint32_t fcap;
    char *scratch;
    size_t scratch_cap;
    uint64_t rows;
    /* error: offset of the bad record's start within the input buffer */
    bool failed;
    size_t err_off;
    KErr err;
    const char *err_col;
    char err_val[64];
} Parser;

void
st_copy_options_default(StCopyOptions *o)
{
    memset(o, 0, sizeof *o);
}

void
st_copy_options_tbl(StCopyOptions *o)
{
    memset(o, 0, sizeof *o);
    o->format = ST_COPY_TEXT;
    o->delimiter = '|';
}

static int
desc_init(CopyDesc *d, const char *name, const char *source, uint32_t ncols, const StColumnDef *cols,
          const StCopyOptions *o, KErr *err)
{
    memset(d, 0, sizeof *d);
    d->name = name;
    d->source = source;
    d->ncols = ncols;
    d->cols = cols;
    d->types = malloc(sizeof(KType) * (ncols + 1));
    if (!d->types) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    for (uint32_t c = 0; c < ncols; c++) d->types[c] = cols[c].type;
    StCopyOptions def;
    if (!o) {
        st_copy_options_default(&def);
        o = &def;
    }
    d->format = o->format;
    d->header = o->header;
    d->delim = o->delimiter ? o->delimiter : (o->format == ST_COPY_CSV ? ',' : '\t');
    d->quote = o->quote ? o->quote : '"';
    d->escape = o->escape ? o->escape : d->quote;
    d->null_str = o->null_set && o->null_str ? o->null_str : (o->format == ST_COPY_CSV ? "" : "\\N");
    d->null_len = strlen(d->null_str);
    if (d->delim == '\n' || d->delim == '\r' || (o->format == ST_COPY_TEXT && d->delim == '\\'))
        return k_error(err, K_FEATURE_NOT_SUPPORTED, "COPY delimiter cannot be newline, carriage return or backslash");
    if (o->format == ST_COPY_CSV && d->delim == d->quote)
        return k_error(err, K_FEATURE_NOT_SUPPORTED, "COPY delimiter and quote must be different");
    return K_OK;
}

static void
desc_free(CopyDesc *d)
{
    free(d->types);
}

static int
parser_init(Parser *ps, const CopyDesc *d, KErr *err)
{
    memset(ps, 0, sizeof *ps);
    ps->d = d;
    ps->arena = k_arena_create(NULL, "copy");
    if (!ps->arena) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    ps->batch = k_batch_create(ps->arena, d->ncols, d->types, err);
    ps->fcap = d->ncols + 2;
    ps->f = malloc(sizeof(Field) * ps->fcap);
    if (!ps->batch || !ps->f) {
        k_arena_destroy(ps->arena);
        free(ps->f);
        ps->arena = NULL;
        ps->f = NULL;
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    return K_OK;
}

static void
parser_free(Parser *ps)
{
    k_arena_destroy(ps->arena);
    free(ps->f);
    free(ps->scratch);
    ps->arena = NULL;
}

static int
parser_flush(Parser *ps, KErr *err)
{
    if (ps->batch->count == 0) return K_OK;
    int rc = ps->d->sink(ps->d->sink_ctx, ps->batch, err);
    k_batch_reset(ps->batch);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Values                                                             */
/* ---------------------------------------------------------------- */
static bool
fast_int(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || n > 18) return false;
    bool neg = false;
    size_t i = 0;
    if (s[0] == '-') {
        neg = true;
        i = 1;
        if (n == 1) return false;
    }
    int64_t v = 0;
    for (; i < n; i++) {
        unsigned dch = (unsigned)(s[i] - '0');
        if (dch > 9) return false;
        v = v * 10 + dch;
    }
    *out = neg ? -v : v;
    return true;
}

/* [-]digits[.digits] with at most `scale` fraction digits, 18 digits total */
static bool
fast_decimal(const char *s, size_t n, int precision, int scale, int64_t *out)
{
    if (n == 0 || n > 19) return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    int64_t v = 0;
    int ip = 0, fp = 0;
    bool dot = false;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (dot) return false;
            dot = true;
            continue;
        }
        unsigned dch = (unsigned)(ch - '0');
        if (dch > 9) return false;
        v = v * 10 + dch;
        if (dot) fp++;
        else ip++;
    }
    if (ip + fp == 0 || fp > scale || ip > precision - scale) return false;
    for (; fp < scale; fp++) v *= 10;
    *out = neg ? -v : v;
    return true;
}

static bool
fast_date(const char *s, size_t n, int32_t *out)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    int y = 0, m = 0, d = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = (unsigned)(s[i] - '0');
        if (c > 9) return false;
        y = y * 10 + (int)c;
    }
    for (int i = 5; i < 7; i++) {
        unsigned c = (unsigned)(s[i] - '0');
        if (c > 9) return false;
        m = m * 10 + (int)c;
    }
    for (int i = 8; i < 10; i++) {
        unsigned c = (unsigned)(s[i] - '0');
        if (c > 9) return false;
        d = d * 10 + (int)c;
    }
    if (!k_date_valid_ymd(y, m, d)) return false;
    *out = k_date_from_ymd(y, m, d);
    return true;
}

/* Length of the valid UTF-8 prefix of s (n when all of it is valid). */
static size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & UINT64_C(0x8080808080808080))) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
        else return i;
        if (i + len > n) return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* overlong forms, surrogates, beyond U+10FFFF */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += len;
    }
    return n;
}

static int
check_utf8(const char *p, size_t n, KErr *err)
{
    size_t ok = utf8_valid_prefix((const unsigned char *)p, n);
    if (ok == n) return K_OK;
    char hex[16];
    size_t k = 0, m = K_MIN(n - ok, (size_t)4);
    for (size_t i = 0; i < m; i++) k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x", (unsigned char)p[ok + i]);
    return k_error(err, K_CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": 0x%s", hex);
}

/* Store field f into row r of column c. */
static int
put_value(Parser *ps, uint32_t c, uint32_t r, const Field *f, bool is_null, KErr *err)
{
    KVector *v = &ps->batch->cols[c];
    KType t = ps->d->types[c];
    if (is_null) {
        if (ps->d->cols[c].not_null)
            return k_error(err, K_NOT_NULL_VIOLATION,
                           "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
                           ps->d->cols[c].name, ps->d->name);
        if (k_vector_ensure_validity(v, ps->batch->arena, err) != K_OK) return K_ERR;
        k_vec_set_valid(v, r, false);
        memset(k_vec_slot(v, r), 0, k_type_width(t));
        return K_OK;
    }
    void *slot = (char *)v->data + (size_t)r * k_type_width(t);
    int64_t x;
    switch (t.id) {
    case K_TYPE_INT32:
        if (fast_int(f->p, f->n, &x) && x >= INT32_MIN && x <= INT32_MAX) {
            *(int32_t *)slot = (int32_t)x;
            return K_OK;
        }
        break;
    case K_TYPE_INT64:
        if (fast_int(f->p, f->n, &x)) {
            *(int64_t *)slot = x;
            return K_OK;
        }
        break;
    case K_TYPE_DATE: {
        int32_t dd;
        if (fast_date(f->p, f->n, &dd)) {
            *(int32_t *)slot = dd;
            return K_OK;
        }
        break;
    }
    case K_TYPE_DECIMAL:
        if (t.precision <= K_DECIMAL_INT64_PRECISION && fast_decimal(f->p, f->n, t.precision, t.scale, &x)) {
            *(int64_t *)slot = x;
            return K_OK;
        }
        break;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: {
        if (check_utf8(f->p, f->n, err) != K_OK) return K_ERR;
        size_t n = f->n;
        if (t.id == K_TYPE_CHAR)
            while (n && f->p[n - 1] == ' ') n--;
        if (t.len > 0 && n > (size_t)t.len) break; /* let common decide (blanks, error) */
        if (!k_str_copy(ps->batch->heap, f->p, (uint32_t)n, slot)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        return K_OK;
    }
    default: break;
    }
    return k_value_parse(t, f->p, f->n, slot, ps->batch->heap, err);
}

/* ---------------------------------------------------------------- */
/* Records                                                            */
/* ---------------------------------------------------------------- */
/* End of the record starting at p (pointer to its '\n', or NULL when the
 * buffer ends first). */
static const char *
record_end(const CopyDesc *d, const char *p, const char *end)
{
    if (d->format == ST_COPY_TEXT) return memchr(p, '\n', (size_t)(end - p));
    bool inq = false;
    for (const char *q = p; q < end; q++) {
        char ch = *q;
        if (inq) {
            if (d->escape != d->quote && ch == d->escape && q + 1 < end) {
                q++;
            } else if (ch == d->quote) {
                inq = false;
            }
        } else if (ch == d->quote) {
            inq = true;
        } else if (ch == '\n') {
            return q;
        }
    }
    return NULL;
}

static bool
ensure_scratch(Parser *ps, size_t n)
{
    if (ps->scratch_cap >= n) return true;
    size_t cap = K_MAX(n, ps->scratch_cap * 2);
    char *s = realloc(ps->scratch, cap);
    if (!s) return false;
    ps->scratch = s;
    ps->scratch_cap = cap;
    return true;
}

static bool
add_field(Parser *ps, uint32_t *nf, const char *p, size_t n, bool quoted)
{
    if (*nf == ps->fcap) {
        uint32_t cap = ps->fcap * 2;
        Field *f = realloc(ps->f, sizeof(Field) * cap);
        if (!f) return false;
        ps->f = f;
        ps->fcap = cap;
    }
    ps->f[(*nf)++] = (Field){p, n, quoted};
    return true;
}

static char
text_escape(const char **pp, const char *end)
{
    const char *p = *pp; /* points after the backslash */
    char ch = *p++;
    switch (ch) {
    case 'b': ch = '\b'; break;
    case 'f': ch = '\f'; break;
    case 'n': ch = '\n'; break;
    case 'r': ch = '\r'; break;
    case 't': ch = '\t'; break;
    case 'v': ch = '\v'; break;
    case 'x':
        if (p < end && isxdigit((unsigned char)*p)) {
            int v = 0;
            for (int k = 0; k < 2 && p < end && isxdigit((unsigned char)*p); k++, p++)
                v = v * 16 + (isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10));
            ch = (char)v;
        }
        break;
    default:
        if (ch >= '0' && ch <= '7') {
            int v = ch - '0';
            for (int k = 0; k < 2 && p < end && *p >= '0' && *p <= '7'; k++, p++) v = v * 8 + (*p - '0');
            ch = (char)v;
        }
        break;
    }
    *pp = p;
    return ch;
}

/* Split one record [p, e) into fields. */
static int
split_text(Parser *ps, const char *p, const char *e, uint32_t *nf, KErr *err)
{
    const CopyDesc *d = ps->d;
    *nf = 0;
    bool has_bs = memchr(p, '\\', (size_t)(e - p)) != NULL;
    if (!has_bs) {
        for (;;) {
            const char *q = memchr(p, d->delim, (size_t)(e - p));
            const char *fe = q ? q : e;
            if (!add_field(ps, nf, p, (size_t)(fe - p), false)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
            if (!q) return K_OK;
            p = q + 1;
        }
    }
    if (!ensure_scratch(ps, (size_t)(e - p) + 1)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    char *o = ps->scratch;
    const char *fs = p;
    char *os = o;
    while (1) {
        if (p == e || *p == d->delim) {
            /* the NULL marker is compared with the raw text */
            size_t rawn = (size_t)(p - fs);
            if (rawn == d->null_len && memcmp(fs, d->null_str, rawn) == 0) {
                if (!add_field(ps, nf, fs, rawn, false)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
            } else {
                if (!add_field(ps, nf, os, (size_t)(o - os), true)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
            }
            if (p == e) break;
            p++;
            fs = p;
            os = o;
            continue;
        }
        if (*p == '\\' && p + 1 < e) {
            p++;
            *o++ = text_escape(&p, e);
            continue;
        }
        *o++ = *p++;
    }
    return K_OK;
}

static int
split_csv(Parser *ps, const char *p, const char *e, uint32_t *nf, KErr *err)
{
    const CopyDesc *d = ps->d;
    *nf = 0;
    if (!ensure_scratch(ps, (size_t)(e - p) + 1)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    char *o = ps->scratch;
    for (;;) {
        char *os = o;
        bool quoted = false;
        while (p < e && *p != d->delim) {
            if (*p == d->quote) {
                quoted = true;
                p++;
                for (;;) {
                    if (p >= e)
                        return k_error(err, K_BAD_COPY_FILE_FORMAT, "unterminated CSV quoted field");
                    if (*p == d->escape && p + 1 < e && (p[1] == d->quote || p[1] == d->escape) &&
                        (d->escape != d->quote || p[1] == d->quote)) {
                        *o++ = p[1];
                        p += 2;
                        continue;
                    }
                    if (*p == d->quote) {
                        p++;
                        break;
                    }
                    *o++ = *p++;
                }
                continue;
            }
            *o++ = *p++;
        }
        if (!add_field(ps, nf, os, (size_t)(o - os), quoted)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        if (p >= e) return K_OK;
        p++; /* delimiter */
    }
}

/* Text format: the raw field equals the NULL string (split_text marks
 * fields it unescaped as quoted). CSV: an unquoted field equal to it. */
static bool
field_is_null(const CopyDesc *d, const Field *f)
{
    return !f->quoted && f->n == d->null_len && memcmp(f->p, d->null_str, f->n) == 0;
}

/* Parse one record [p, e) (no newline) into the batch. On error fills err
 * and ps->err_col / err_val. */
static int
parse_record(Parser *ps, const char *p, const char *e, KErr *err)
{
    const CopyDesc *d = ps->d;
    if (e > p && e[-1] == '\r') e--;
    uint32_t nf;
    ps->err_col = NULL;
    int rc = d->format == ST_COPY_TEXT ? split_text(ps, p, e, &nf, err) : split_csv(ps, p, e, &nf, err);
    if (rc != K_OK) return K_ERR;
    if (nf == d->ncols + 1 && ps->f[nf - 1].n == 0 && !ps->f[nf - 1].quoted) nf--; /* "a|b|" */
    if (nf != d->ncols) {
        ps->err_val[0] = 0;
        if (nf < d->ncols) {
            ps->err_col = d->cols[nf].name;
            return k_error(err, K_BAD_COPY_FILE_FORMAT, "missing data for column \"%s\"", d->cols[nf].name);
        }
        return k_error(err, K_BAD_COPY_FILE_FORMAT, "extra data after last expected column");
    }
    uint32_t r = ps->batch->count;
    for (uint32_t c = 0; c < d->ncols; c++) {
        const Field *f = &ps->f[c];
        if (put_value(ps, c, r, f, field_is_null(d, f), err) != K_OK) {
            ps->err_col = d->cols[c].name;
            size_t n = K_MIN(f->n, sizeof ps->err_val - 1);
            memcpy(ps->err_val, f->p, n);
            ps->err_val[n] = 0;
            return K_ERR;
        }
    }
    ps->batch->count++;
    ps->rows++;
    return K_OK;
}

/* Parse the records of [p, end). With at_eof false the last record must
 * end with a newline; *stop receives where parsing stopped (the bad
 * record's start on error). `skip_first` drops the first record (HEADER);
 * with `end_marker` set, a "\." line ends the data (text format). */
static int
parse_buffer(Parser *ps, const char *p, const char *end, bool at_eof, bool skip_first, bool *end_marker,
             const char **stop, KErr *err)
{
    const CopyDesc *d = ps->d;
    bool first = true;
    while (p < end) {
        const char *nl = record_end(d, p, end);
        if (!nl && !at_eof) break;
        const char *e = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        if (skip_first && first) {
            first = false;
            p = next;
            continue;
        }
        first = false;
        if (d->format == ST_COPY_TEXT && end_marker) {
            size_t n = (size_t)(e - p);
            if ((n == 2 && p[0] == '\\' && p[1] == '.') || (n == 3 && p[0] == '\\' && p[1] == '.' && p[2] == '\r')) {
                *end_marker = true;
                p = next;
                break;
            }
        }
        if (parse_record(ps, p, e, err) != K_OK) {
            ps->failed = true;
            *stop = p;
            return K_ERR;
        }
        if (ps->batch->count == K_VECTOR_SIZE && parser_flush(ps, err) != K_OK) {
            ps->failed = true;
            ps->err_col = NULL;
            *stop = p;
            return K_ERR;
        }
        p = next;
    }
    *stop = p;
    return K_OK;
}

static uint64_t
count_lines(const char *p, const char *e)
{
    uint64_t n = 0;
    while (p < e) {
        const char *q = memchr(p, '\n', (size_t)(e - p));
        if (!q) break;
        n++;
        p = q + 1;
    }
    return n;
}

/* Add file/line/column to a parse error. */
static void
decorate_error(const CopyDesc *d, KErr *err, uint64_t line, const char *col, const char *val)
{
    if (err->code == K_OUT_OF_MEMORY || err->code == K_IO_ERROR || err->code == K_DISK_FULL) return;
    char msg[sizeof err->message];
    snprintf(msg, sizeof msg, "%s", err->message);
    char where[320];
    if (col)
        snprintf(where, sizeof where, "file \"%s\", line %llu, column %s", d->source, (unsigned long long)line, col);
    else
        snprintf(where, sizeof where, "file \"%s\", line %llu", d->source, (unsigned long long)line);
    snprintf(err->message, sizeof err->message, "%.200s (%.300s)", msg, where);
    if (col && val)
        snprintf(err->detail, sizeof err->detail, "COPY %s, line %llu, column %s: \"%s\"", d->name,
                 (unsigned long long)line, col, val);
    else
        snprintf(err->detail, sizeof err->detail, "COPY %s, line %llu", d->name, (unsigned long long)line);
}

/* ---------------------------------------------------------------- */
/* Files                                                              */
/* ---------------------------------------------------------------- */
typedef struct Range {
    const CopyDesc *d;
    const char *base, *start, *end;
    bool skip_first;
    Parser ps;
    int rc;
    const char *stop;
    atomic_uintptr_t *min_err; /* lowest failing offset so far (UINTPTR_MAX none) */
} Range;

static void *
range_main(void *arg)
{
    Range *r = arg;
    KErr *err = &r->ps.err;
    if (parser_init(&r->ps, r->d, err) != K_OK) {
        r->rc = K_ERR;
        r->ps.failed = true;
        r->stop = r->start;
        r->ps.arena = NULL;
        goto out;
    }
    /* parse in slices so that a failure in an earlier range stops us */
    const char *p = r->start;
    bool first = r->skip_first;
    r->rc = K_OK;
    while (p < r->end) {
        if ((uintptr_t)(p - r->base) > atomic_load(r->min_err)) break;
        const char *slice_end = p + K_MIN((size_t)(r->end - p), (size_t)(4u << 20));
        if (slice_end < r->end) {
            /* extend to a record boundary at or after slice_end; text
             * records never hold a raw newline, CSV ones may (quotes) */
            const char *nl;
            if (r->d->format == ST_COPY_TEXT) {
                nl = memchr(slice_end - 1, '\n', (size_t)(r->end - (slice_end - 1)));
            } else {
                nl = record_end(r->d, p, r->end);
                while (nl && nl + 1 < slice_end) nl = record_end(r->d, nl + 1, r->end);
            }
            slice_end = nl ? nl + 1 : r->end;
        }
        const char *stop;
        r->rc = parse_buffer(&r->ps, p, slice_end, true, first, NULL, &stop, err);
        first = false;
        if (r->rc != K_OK) {
            r->stop = stop;
            uintptr_t off = (uintptr_t)(stop - r->base), cur = atomic_load(r->min_err);
            while (off < cur && !atomic_compare_exchange_weak(r->min_err, &cur, off)) {
            }
            goto out;
        }
        p = slice_end;
    }
    if (r->rc == K_OK && parser_flush(&r->ps, err) != K_OK) {
        r->rc = K_ERR;
        r->ps.failed = true;
        r->stop = r->end;
    }
out:
    return NULL;
}

int
st_copy_file_to_sink(const char *path, const char *name, uint32_t ncols, const StColumnDef *cols,
                     const StCopyOptions *opts, StCopySinkFn sink, void *ctx, uint64_t *rows, KErr *err)
{
    if (rows) *rows = 0;
    CopyDesc d;
    if (desc_init(&d, name, path, ncols, cols, opts, err) != K_OK) {
        desc_free(&d);
        return K_ERR;
    }
    d.sink = sink;
    d.sink_ctx = ctx;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        desc_free(&d);
        return k_error(err, e == ENOENT ? K_UNDEFINED_FILE : K_IO_ERROR,
                       "could not open file \"%s\" for reading: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        desc_free(&d);
        return k_error(err, K_WRONG_OBJECT_TYPE, "\"%s\" is not a regular file", path);
    }
    size_t size = (size_t)st.st_size;
    if (size == 0) {
        close(fd);
        desc_free(&d);
        return K_OK;
    }
    const char *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (base == MAP_FAILED) {
        desc_free(&d);
        return k_error(err, K_IO_ERROR, "could not map file \"%s\": %s", path, strerror(errno));
    }
    madvise((void *)base, size, MADV_SEQUENTIAL);
    const char *end = base + size;
    uint32_t n = opts && opts->nthreads ? opts->nthreads : (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 64) n = 64;
    if (size < ((size_t)1 << 20)) n = 1;
    Range *rg = calloc(n, sizeof(Range));
    pthread_t *th = calloc(n, sizeof(pthread_t));
    bool *started = calloc(n, sizeof(bool));
    atomic_uintptr_t min_err;
    atomic_init(&min_err, UINTPTR_MAX);
    int rc = K_ERR;
    if (!rg || !th || !started) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    /* boundaries */
    const char *cut = base;
    for (uint32_t i = 0; i < n; i++) {
        rg[i].d = &d;
        rg[i].base = base;
        rg[i].min_err = &min_err;
        rg[i].start = cut;
        const char *want = base + size / n * (i + 1);
        const char *e = end;
        if (i + 1 < n && want > cut) {
            if (d.format == ST_COPY_TEXT) {
                const char *nl = memchr(want, '\n', (size_t)(end - want));
                e = nl ? nl + 1 : end;
            } else {
                const char *q = cut;
                while (q < end) {
                    const char *nl = record_end(&d, q, end);
                    if (!nl) {
                        q = end;
                        break;
                    }
                    q = nl + 1;
                    if (q >= want) break;
                }
                e = q;
            }
        } else if (i + 1 < n) {
            e = cut;
        }
        rg[i].end = e;
        rg[i].skip_first = i == 0 && d.header;
        cut = e;
    }
    for (uint32_t i = 1; i < n; i++)
        started[i] = pthread_create(&th[i], NULL, range_main, &rg[i]) == 0;
    range_main(&rg[0]);
    for (uint32_t i = 1; i < n; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        else range_main(&rg[i]);
    }
    /* the failing record with the lowest offset wins */
    int bad = -1;
    for (uint32_t i = 0; i < n; i++)
        if (rg[i].rc != K_OK && (bad < 0 || rg[i].stop < rg[bad].stop)) bad = (int)i;
    if (bad >= 0) {
        Range *r = &rg[bad];
        k_err_copy(err, &r->ps.err);
        uint64_t line = count_lines(base, r->stop) + 1;
        decorate_error(&d, err, line, r->ps.err_col, r->ps.err_col ? r->ps.err_val : NULL);
    } else {
        uint64_t total = 0;
        for (uint32_t i = 0; i < n; i++) total += rg[i].ps.rows;
        if (rows) *rows = total;
        rc = K_OK;
    }
done:
    for (uint32_t i = 0; rg && i < n; i++)
        if (rg[i].ps.arena) parser_free(&rg[i].ps);
    free(rg);
    free(th);
    free(started);
    munmap((void *)base, size);
    desc_free(&d);
    return rc;
}

static int
writer_sink(void *ctx, const KBatch *b, KErr *err)
{
    return st_writer_append(ctx, b, err);
}

int
st_copy_from_file(StDb *db, uint32_t table_id, const char *path, const StCopyOptions *opts,
                  uint64_t *rows, KErr *err)
{
    KArena *a = k_arena_create(NULL, "copy table");
    if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    StTableDef *def;
    StWriter *w = NULL;
    int rc = K_ERR;
    if (st_table_get(db, table_id, a, &def, err) != K_OK) goto out;
    if (st_writer_begin(db, table_id, &w, err) != K_OK) goto out;
    if (st_copy_file_to_sink(path, def->name, def->ncols, def->cols, opts, writer_sink, w, rows, err) != K_OK) {
        st_writer_abort(w);
        goto out;
    }
    rc = st_writer_commit(w, err);
    if (rc != K_OK && rows) *rows = 0;
out:
    k_arena_destroy(a);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Streams                                                            */
/* ---------------------------------------------------------------- */
struct StCopy {
    CopyDesc d;
    Parser ps;
    KArena *arena;
    StColumnDef *cols;
    char *name, *source;
    StWriter *w; /* st_copy_begin: owned */
    KBuf pending;
    uint64_t line_base; /* lines before pending */
    bool header_done;
    bool ended; /* saw \. */
    bool failed;
};

static void
copy_free(StCopy *c)
{
    if (!c) return;
    if (c->ps.arena) parser_free(&c->ps);
    desc_free(&c->d);
    k_buf_free(&c->pending);
    free(c->cols);
    free(c->name);
    free(c->source);
    free(c);
}

int
st_copy_begin_sink(uint32_t ncols, const StColumnDef *cols, const char *name, const StCopyOptions *opts,
                   const char *source, StCopySinkFn sink, void *ctx, StCopy **out, KErr *err)
{
    *out = NULL;
    StCopy *c = calloc(1, sizeof *c);
    if (!c) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    c->cols = malloc(sizeof(StColumnDef) * (ncols + 1));
    c->name = strdup(name ? name : "");
    c->source = strdup(source ? source : "STDIN");
    k_buf_init(&c->pending);
    if (!c->cols || !c->name || !c->source) {
        copy_free(c);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(c->cols, cols, sizeof(StColumnDef) * ncols);
    if (desc_init(&c->d, c->name, c->source, ncols, c->cols, opts, err) != K_OK) {
        copy_free(c);
        return K_ERR;
    }
    c->d.sink = sink;
    c->d.sink_ctx = ctx;
    if (parser_init(&c->ps, &c->d, err) != K_OK) {
        copy_free(c);
        return K_ERR;
    }
    c->header_done = !c->d.header;
    *out = c;
    return K_OK;
}

int
st_copy_begin(StDb *db, uint32_t table_id, const StCopyOptions *opts, const char *source, StCopy **out,
              KErr *err)
{
    *out = NULL;
    KArena *a = k_arena_create(NULL, "copy table");
    if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    StTableDef *def;
    StWriter *w = NULL;
    int rc = K_ERR;
    if (st_table_get(db, table_id, a, &def, err) != K_OK) goto out;
    if (st_writer_begin(db, table_id, &w, err) != K_OK) goto out;
    if (st_copy_begin_sink(def->ncols, def->cols, def->name, opts, source, writer_sink, w, out, err) != K_OK) {
        st_writer_abort(w);
        goto out;
    }
    (*out)->w = w;
    rc = K_OK;
out:
    k_arena_destroy(a);
    return rc;
}

/* Parse the complete records in pending; keep the rest. */
static int
copy_drain(StCopy *c, bool at_eof, KErr *err)
{
    const char *p = (const char *)c->pending.data;
    const char *end = p + c->pending.len;
    if (!p) return K_OK;
    if (!c->header_done) {
        const char *nl = record_end(&c->d, p, end);
        if (!nl && !at_eof) return K_OK;
        const char *next = nl ? nl + 1 : end;
        c->line_base += count_lines(p, next);
        p = next;
        c->header_done = true;
    }
    const char *stop = p;
    int rc = K_OK;
    if (!c->ended) rc = parse_buffer(&c->ps, p, end, at_eof, false, &c->ended, &stop, err);
    else stop = end; /* data after \. is ignored */
    if (rc != K_OK) {
        c->failed = true;
        const char *start = (const char *)c->pending.data;
        uint64_t line = c->line_base + count_lines(start, stop) + 1;
        decorate_error(&c->d, err, line, c->ps.err_col, c->ps.err_col ? c->ps.err_val : NULL);
        return K_ERR;
    }
    if (c->ended) stop = end;
    c->line_base += count_lines((const char *)c->pending.data, stop);
    size_t used = (size_t)(stop - (const char *)c->pending.data);
    memmove(c->pending.data, c->pending.data + used, c->pending.len - used);
    c->pending.len -= used;
    return K_OK;
}

int
st_copy_feed(StCopy *c, const void *data, size_t n, KErr *err)
{
    if (c->failed) return k_error(err, K_IN_FAILED_SQL_TRANSACTION, "COPY has already failed");
    k_buf_put(&c->pending, data, n);
    if (c->pending.failed) {
        c->failed = true;
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    /* parse only when a newline arrived in this chunk */
    if (!memchr(data, '\n', n)) return K_OK;
    return copy_drain(c, false, err);
}

int
st_copy_end(StCopy *c, uint64_t *rows, KErr *err)
{
    if (rows) *rows = 0;
    int rc = K_ERR;
    if (c->failed) {
        k_error(err, K_IN_FAILED_SQL_TRANSACTION, "COPY has already failed");
        goto out;
    }
    if (copy_drain(c, true, err) != K_OK) goto out;
    if (parser_flush(&c->ps, err) != K_OK) goto out;
    if (c->w) {
        StWriter *w = c->w;
        c->w = NULL;
        if (st_writer_commit(w, err) != K_OK) goto out;
    }
    if (rows) *rows = c->ps.rows;
    rc = K_OK;
out:
    st_copy_cancel(c);
    return rc;
}

void
st_copy_cancel(StCopy *c)
{
    if (!c) return;
    if (c->w) st_writer_abort(c->w);
    copy_free(c);
}
