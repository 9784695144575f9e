/*
 * types.c — SQL types: names, widths, PostgreSQL OIDs, 16-byte strings, and
 * the text forms of booleans, integers and doubles; the generic
 * k_value_parse / k_value_format dispatchers.
 *
 * Interface routines: k_type_equal, k_type_width, k_type_name,
 * k_type_from_name, k_type_pg_oid, k_str_ref, k_str_copy, k_str_eq,
 * k_str_cmp, k_parse_bool, k_parse_int32, k_parse_int64, k_parse_double,
 * k_format_int64, k_format_double, k_value_parse, k_value_format.
 *
 * Notes: dates, timestamps and intervals live in datetime.c, decimals in
 * decimal.c. Parsers accept leading and trailing blanks like PostgreSQL's
 * input functions and report its messages, e.g.
 *   invalid input syntax for type integer: "abc"   (22P02)
 *   value "99999999999" is out of range for type integer   (22003)
 */
#include "common/kestrel.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

bool
k_type_equal(KType a, KType b)
{
    return a.id == b.id && a.precision == b.precision && a.scale == b.scale && a.len == b.len;
}

const char *
k_type_name(KType t, char *buf, size_t cap)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_UNKNOWN: snprintf(buf, cap, "unknown"); break;
    case K_TYPE_BOOL: snprintf(buf, cap, "boolean"); break;
    case K_TYPE_INT32: snprintf(buf, cap, "integer"); break;
    case K_TYPE_INT64: snprintf(buf, cap, "bigint"); break;
    case K_TYPE_DECIMAL:
        if (t.precision)
            snprintf(buf, cap, "numeric(%d,%d)", t.precision, t.scale);
        else
            snprintf(buf, cap, "numeric");
        break;
    case K_TYPE_DOUBLE: snprintf(buf, cap, "double precision"); break;
    case K_TYPE_DATE: snprintf(buf, cap, "date"); break;
    case K_TYPE_TIMESTAMP: snprintf(buf, cap, "timestamp without time zone"); break;
    case K_TYPE_INTERVAL: snprintf(buf, cap, "interval"); break;
    case K_TYPE_VARCHAR:
        if (k_type_is_array(t)) {
            static const char *const names[K_ARR_COUNT_] = {
                [K_ARR_BOOL] = "boolean[]", [K_ARR_INT2] = "smallint[]",
                [K_ARR_INT4] = "integer[]", [K_ARR_INT8] = "bigint[]", [K_ARR_OID] = "oid[]",
                [K_ARR_FLOAT8] = "double precision[]",
                [K_ARR_NUMERIC] = "numeric[]", [K_ARR_TEXT] = "text[]",
                [K_ARR_VARCHAR] = "character varying[]", [K_ARR_NAME] = "name[]",
                [K_ARR_CHAR] = "\"char\"[]", [K_ARR_DATE] = "date[]",
                [K_ARR_TIMESTAMP] = "timestamp without time zone[]",
            };
            snprintf(buf, cap, "%s", t.array < K_ARR_COUNT_ ? names[t.array] : "array");
        } else if (t.len)
            snprintf(buf, cap, "character varying(%d)", t.len);
        else
            snprintf(buf, cap, "text");
        break;
    case K_TYPE_CHAR: snprintf(buf, cap, "character(%d)", t.len ? t.len : 1); break;
    default: snprintf(buf, cap, "???"); break;
    }
    return buf;
}

typedef struct TypeAlias {
    const char *name;
    KTypeId id;
} TypeAlias;

static const TypeAlias type_aliases[] = {
    {"bool", K_TYPE_BOOL},
    {"boolean", K_TYPE_BOOL},
    {"int", K_TYPE_INT32},
    {"int4", K_TYPE_INT32},
    {"integer", K_TYPE_INT32},
    {"smallint", K_TYPE_INT32},
    {"int2", K_TYPE_INT32},
    {"tinyint", K_TYPE_INT32},
    {"bigint", K_TYPE_INT64},
    {"int8", K_TYPE_INT64},
    {"decimal", K_TYPE_DECIMAL},
    {"numeric", K_TYPE_DECIMAL},
    {"double", K_TYPE_DOUBLE},
    {"double precision", K_TYPE_DOUBLE},
    {"float", K_TYPE_DOUBLE},
    {"float8", K_TYPE_DOUBLE},
    {"float4", K_TYPE_DOUBLE},
    {"real", K_TYPE_DOUBLE},
    {"date", K_TYPE_DATE},
    {"timestamp", K_TYPE_TIMESTAMP},
    {"timestamp without time zone", K_TYPE_TIMESTAMP},
    {"interval", K_TYPE_INTERVAL},
    {"varchar", K_TYPE_VARCHAR},
    {"character varying", K_TYPE_VARCHAR},
    {"text", K_TYPE_VARCHAR},
    {"string", K_TYPE_VARCHAR},
    {"char", K_TYPE_CHAR},
    {"character", K_TYPE_CHAR},
    {"bpchar", K_TYPE_CHAR},
};

int
k_type_from_name(const char *name, int32_t mod1, int32_t mod2, KType *out, KErr *err)
{
    for (size_t i = 0; i < K_ARRAY_LEN(type_aliases); i++) {
        if (strcasecmp(name, type_aliases[i].name) != 0) continue;
        KTypeId id = type_aliases[i].id;
        *out = k_type(id);
        if (id == K_TYPE_DECIMAL) {
            /* unconstrained NUMERIC becomes DECIMAL(18,3), as in DuckDB */
            int p = mod1 > 0 ? mod1 : 18;
            int s = mod1 > 0 ? (mod2 > 0 ? mod2 : 0) : 3;
            if (mod1 > 0 && mod1 > K_DECIMAL_MAX_PRECISION)
                return k_error(err, K_INVALID_PARAMETER_VALUE,
                               "NUMERIC precision %d must be between 1 and %d", mod1,
                               K_DECIMAL_MAX_PRECISION);
            if (s > p)
                return k_error(err, K_INVALID_PARAMETER_VALUE,
                               "NUMERIC scale %d must be between 0 and precision %d", s, p);
            *out = k_type_decimal(p, s);
        } else if (id == K_TYPE_VARCHAR || id == K_TYPE_CHAR) {
            /* mod1 < 0: no length given (varchar/text unbounded, char is char(1)) */
            if (mod1 == 0)
                return k_error(err, K_INVALID_PARAMETER_VALUE,
                               "length for type %s must be at least 1", name);
            if (mod1 > 10 * 1024 * 1024)
                return k_error(err, K_INVALID_PARAMETER_VALUE,
                               "length for type %s cannot exceed %d", name, 10 * 1024 * 1024);
            out->len = mod1 > 0 ? mod1 : id == K_TYPE_CHAR ? 1 : 0;
        }
        return K_OK;
    }
    return k_error(err, K_UNDEFINED_OBJECT, "type \"%s\" does not exist", name);
}

uint32_t
k_type_pg_oid(KType t)
{
    static const uint32_t arr_oids[K_ARR_COUNT_] = {
        [K_ARR_BOOL] = 1000, [K_ARR_INT2] = 1005,   [K_ARR_INT4] = 1007,    [K_ARR_INT8] = 1016,
        [K_ARR_OID] = 1028,  [K_ARR_FLOAT8] = 1022, [K_ARR_NUMERIC] = 1231, [K_ARR_TEXT] = 1009,
        [K_ARR_VARCHAR] = 1015, [K_ARR_NAME] = 1003, [K_ARR_CHAR] = 1002,  [K_ARR_DATE] = 1182,
        [K_ARR_TIMESTAMP] = 1115,
    };
    if (k_type_is_array(t) && t.array < K_ARR_COUNT_) return arr_oids[t.array];
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: return 16;
    case K_TYPE_INT32: return 23;
    case K_TYPE_INT64: return 20;
    case K_TYPE_DECIMAL: return 1700;
    case K_TYPE_DOUBLE: return 701;
    case K_TYPE_DATE: return 1082;
    case K_TYPE_TIMESTAMP: return 1114;
    case K_TYPE_INTERVAL: return 1186;
    case K_TYPE_VARCHAR: return t.len ? 1043 : 25;
    case K_TYPE_CHAR: return 1042;
    case K_TYPE_UNKNOWN: return 705;
    default: return 25;
    }
}

KType
k_array_elem_type(KArrayElem e)
{
    switch (e) {
    case K_ARR_BOOL: return k_type(K_TYPE_BOOL);
    case K_ARR_INT2:
    case K_ARR_INT4: return k_type(K_TYPE_INT32);
    case K_ARR_INT8:
    case K_ARR_OID: return k_type(K_TYPE_INT64);
    case K_ARR_FLOAT8: return k_type(K_TYPE_DOUBLE);
    case K_ARR_NUMERIC: return k_type_decimal(K_DECIMAL_MAX_PRECISION, 6);
    case K_ARR_DATE: return k_type(K_TYPE_DATE);
    case K_ARR_TIMESTAMP: return k_type(K_TYPE_TIMESTAMP);
    default: return k_type_varchar(0);
    }
}

KArrayElem
k_array_elem_of(KType t)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: return K_ARR_BOOL;
    case K_TYPE_INT32: return K_ARR_INT4;
    case K_TYPE_INT64: return K_ARR_INT8;
    case K_TYPE_DOUBLE: return K_ARR_FLOAT8;
    case K_TYPE_DECIMAL: return K_ARR_NUMERIC;
    case K_TYPE_DATE: return K_ARR_DATE;
    case K_TYPE_TIMESTAMP: return K_ARR_TIMESTAMP;
    case K_TYPE_VARCHAR: return t.len ? K_ARR_VARCHAR : K_ARR_TEXT;
    case K_TYPE_CHAR: return K_ARR_TEXT;
    default: return K_ARR_NONE;
    }
}

/* ---------------------------------------------------------------- */
/* Strings                                                           */
/* ---------------------------------------------------------------- */
KStr
k_str_ref(const char *bytes, uint32_t len)
{
    KStr s;
    memset(&s, 0, sizeof s);
    s.len = len;
    if (len <= K_STR_INLINE) {
        if (len) memcpy(s.u.inl, bytes, len);
    } else {
        memcpy(s.u.p.prefix, bytes, 4);
        s.u.p.ptr = bytes;
    }
    return s;
}

bool
k_str_copy(KArena *a, const char *bytes, uint32_t len, KStr *out)
{
    if (len <= K_STR_INLINE) {
        *out = k_str_ref(bytes, len);
        return true;
    }
    char *p = k_alloc_aligned(a, len, 1);
    if (!p) return false;
    memcpy(p, bytes, len);
    *out = k_str_ref(p, len);
    return true;
}

bool
k_str_eq(const KStr *a, const KStr *b)
{
    if (a->len != b->len) return false;
    if (a->len <= K_STR_INLINE) return memcmp(a->u.inl, b->u.inl, a->len) == 0;
    if (memcmp(a->u.p.prefix, b->u.p.prefix, 4) != 0) return false;
    return memcmp(a->u.p.ptr, b->u.p.ptr, a->len) == 0;
}

int
k_str_cmp(const KStr *a, const KStr *b)
{
    /* the first four bytes sit at the same place in both layouts */
    uint32_t n = K_MIN(a->len, b->len);
    int c = memcmp(a->u.inl, b->u.inl, K_MIN(n, 4));
    if (c) return c;
    if (n > 4) {
        c = memcmp(k_str_data(a) + 4, k_str_data(b) + 4, n - 4);
        if (c) return c;
    }
    return a->len < b->len ? -1 : a->len > b->len;
}

/* ---------------------------------------------------------------- */
/* Booleans, integers, doubles                                       */
/* ---------------------------------------------------------------- */
static void
trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

static int
bad_input(KErr *err, const char *type, const char *s, size_t n)
{
    return k_error(err, K_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type %s: \"%.*s\"",
                   type, (int)K_MIN(n, 200), s);
}

int
k_parse_bool(const char *s, size_t n, bool *out, KErr *err)
{
    const char *o = s;
    size_t on = n;
    trim(&s, &n);
    /* PostgreSQL's rule: any prefix of true/false/yes/no, "on", "off" or a
     * two-letter prefix of it ("of"), and exactly "1" or "0" */
    static const struct {
        const char *word;
        size_t min; /* shortest accepted prefix */
        bool value;
    } words[] = {{"true", 1, true}, {"false", 1, false}, {"yes", 1, true}, {"no", 1, false},
                 {"on", 2, true},   {"off", 2, false},   {"1", 1, true},   {"0", 1, false}};
    for (size_t i = 0; i < K_ARRAY_LEN(words); i++) {
        if (n >= words[i].min && n <= strlen(words[i].word) &&
            strncasecmp(s, words[i].word, n) == 0) {
            *out = words[i].value;
            return K_OK;
        }
    }
    return bad_input(err, "boolean", o, on);
}

static int
parse_i64(const char *s, size_t n, int64_t lo, int64_t hi, const char *type, int64_t *out,
          KErr *err)
{
    const char *o = s;
    size_t on = n;
    trim(&s, &n);
    if (n == 0) return bad_input(err, type, o, on);
    bool neg = false;
    size_t i = 0;
    if (s[0] == '+' || s[0] == '-') neg = s[0] == '-', i = 1;
    if (i == n) return bad_input(err, type, o, on);
    uint64_t v = 0;
    bool overflow = false;
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) {
            if (s[i] == '_' && i + 1 < n && i > 0 && isdigit((unsigned char)s[i - 1])) continue;
            return bad_input(err, type, o, on);
        }
        if (v > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }
    if (!overflow) {
        if (neg) {
            if (v > (uint64_t)INT64_MAX + 1)
                overflow = true;
            else
                *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
        } else {
            if (v > (uint64_t)INT64_MAX)
                overflow = true;
            else
                *out = (int64_t)v;
        }
    }
    if (overflow || *out < lo || *out > hi)
        return k_error(err, K_NUMERIC_VALUE_OUT_OF_RANGE,
                       "value \"%.*s\" is out of range for type %s", (int)K_MIN(on, 200), o, type);
    return K_OK;
}

int
k_parse_int32(const char *s, size_t n, int32_t *out, KErr *err)
{
    int64_t v;
    if (parse_i64(s, n, INT32_MIN, INT32_MAX, "integer", &v, err)) return K_ERR;
    *out = (int32_t)v;
    return K_OK;
}

int
k_parse_int64(const char *s, size_t n, int64_t *out, KErr *err)
{
    return parse_i64(s, n, INT64_MIN, INT64_MAX, "bigint", out, err);
}

int
k_parse_double(const char *s, size_t n, double *out, KErr *err)
{
    const char *o = s;
    size_t on = n;
    trim(&s, &n);
    /* strtod needs a NUL-terminated copy; digits only, so long inputs are
     * rare and may go to the heap */
    char small[128];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    memcpy(buf, s, n);
    buf[n] = '\0';
    int rc = K_OK;
    char *end;
    errno = 0;
    double v = 0;
    if (n == 0) {
        rc = bad_input(err, "double precision", o, on);
    } else if (strcasecmp(buf, "nan") == 0) {
        v = NAN;
    } else if (strcasecmp(buf, "infinity") == 0 || strcasecmp(buf, "+infinity") == 0 ||
               strcasecmp(buf, "inf") == 0 || strcasecmp(buf, "+inf") == 0) {
        v = INFINITY;
    } else if (strcasecmp(buf, "-infinity") == 0 || strcasecmp(buf, "-inf") == 0) {
        v = -INFINITY;
    } else if (v = strtod(buf, &end),
               end == buf || *end != '\0' || isnan(v) || (isinf(v) && errno != ERANGE)) {
        /* strtod's own spellings (nan(...), infinity variants) are not ours */
        rc = bad_input(err, "double precision", o, on);
    } else if (errno == ERANGE && (v == 0 || isinf(v))) {
        /* like PostgreSQL: overflow and underflow to zero are errors,
         * subnormal results are fine */
        rc = k_error(err, K_NUMERIC_VALUE_OUT_OF_RANGE,
                     "\"%.*s\" is out of range for type double precision", (int)K_MIN(n, 200), s);
    }
    if (buf != small) free(buf);
    if (rc == K_OK) *out = v;
    return rc;
}

int
k_format_int64(int64_t v, char *buf, size_t cap)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10));
    if (v < 0) tmp[n++] = '-';
    int len = n;
    if (cap) {
        size_t w = 0;
        while (n && w + 1 < cap) buf[w++] = tmp[--n];
        buf[w] = '\0';
    }
    return len;
}

int
k_format_double(double v, char *buf, size_t cap)
{
    if (isnan(v)) return snprintf(buf, cap, "NaN");
    if (isinf(v)) return snprintf(buf, cap, v > 0 ? "Infinity" : "-Infinity");
    if (v == 0) return snprintf(buf, cap, signbit(v) ? "-0" : "0");
    /* The shortest digit string that reads back to the same double (what
     * PostgreSQL's Ryu-based output prints with extra_float_digits >= 1):
     * try 1..17 significant digits, each correctly rounded by printf. */
    char sci[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, v);
        if (strtod(sci, NULL) == v) break;
    }
    /* sci is [-]d[.ddd]e(+|-)XX: collect the digits and the exponent */
    const char *p = sci;
    bool neg = *p == '-';
    if (neg) p++;
    char dig[20];
    int nd = 0;
    for (; *p != 'e'; p++)
        if (*p != '.') dig[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && dig[nd - 1] == '0') nd--;
    /* PostgreSQL's layout: plain digits for exponents -4..14, else
     * d.ddde+XX with at least two exponent digits */
    char out[48];
    int w = 0;
    if (neg) out[w++] = '-';
    if (exp >= -4 && exp < 15) {
        if (exp < 0) {
            out[w++] = '0';
            out[w++] = '.';
            for (int i = -1; i > exp; i--) out[w++] = '0';
            for (int i = 0; i < nd; i++) out[w++] = dig[i];
        } else {
            for (int i = 0; i <= exp; i++) out[w++] = i < nd ? dig[i] : '0';
            if (nd > exp + 1) {
                out[w++] = '.';
                for (int i = exp + 1; i < nd; i++) out[w++] = dig[i];
            }
        }
    } else {
        out[w++] = dig[0];
        if (nd > 1) {
            out[w++] = '.';
            for (int i = 1; i < nd; i++) out[w++] = dig[i];
        }
        w += snprintf(out + w, sizeof out - (size_t)w, "e%c%02d", exp < 0 ? '-' : '+',
                      exp < 0 ? -exp : exp);
    }
    out[w] = '\0';
    return snprintf(buf, cap, "%s", out);
}

/* ---------------------------------------------------------------- */
/* Generic dispatch                                                  */
/* ---------------------------------------------------------------- */
int
k_value_parse(KType t, const char *s, size_t n, void *out, KArena *heap, KErr *err)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: {
        bool b;
        if (k_parse_bool(s, n, &b, err)) return K_ERR;
        *(uint8_t *)out = b;
        return K_OK;
    }
    case K_TYPE_INT32: return k_parse_int32(s, n, out, err);
    case K_TYPE_INT64: return k_parse_int64(s, n, out, err);
    case K_TYPE_DOUBLE: return k_parse_double(s, n, out, err);
    case K_TYPE_DATE: return k_parse_date(s, n, out, err);
    case K_TYPE_TIMESTAMP: return k_parse_timestamp(s, n, out, err);
    case K_TYPE_INTERVAL: return k_parse_interval(s, n, out, err);
    case K_TYPE_DECIMAL: {
        k_int128 v;
        if (k_parse_decimal(s, n, t.precision, t.scale, &v, err)) return K_ERR;
        if (t.precision > K_DECIMAL_INT64_PRECISION)
            memcpy(out, &v, sizeof v);
        else
            *(int64_t *)out = (int64_t)v;
        return K_OK;
    }
    case K_TYPE_CHAR:
        while (n && s[n - 1] == ' ') n--; /* CHAR(n) is stored without its padding */
        /* fall through */
    case K_TYPE_VARCHAR:
    case K_TYPE_UNKNOWN: {
        if (t.len > 0 && n > (size_t)t.len) {
            /* PostgreSQL's rule: a longer value is an error unless the excess is blanks */
            size_t i = (size_t)t.len;
            while (i < n && s[i] == ' ') i++;
            if (i < n)
                return k_error(err, K_STRING_DATA_RIGHT_TRUNCATION,
                               "value too long for type %s(%d)",
                               t.id == K_TYPE_CHAR ? "character" : "character varying", t.len);
            n = (size_t)t.len;
        }
        if (n > UINT32_MAX) return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "string too long");
        if (!k_str_copy(heap, s, (uint32_t)n, out)) return k_error_oom(err, heap, n);
        return K_OK;
    }
    default: break;
    }
    return k_error(err, K_FEATURE_NOT_SUPPORTED, "cannot parse values of this type");
}

int
k_value_format(KType t, const void *val, char *buf, size_t cap)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: return snprintf(buf, cap, "%s", *(const uint8_t *)val ? "t" : "f");
    case K_TYPE_INT32: return k_format_int64(*(const int32_t *)val, buf, cap);
    case K_TYPE_INT64: return k_format_int64(*(const int64_t *)val, buf, cap);
    case K_TYPE_DOUBLE: return k_format_double(*(const double *)val, buf, cap);
    case K_TYPE_DATE: return k_format_date(*(const int32_t *)val, buf, cap);
    case K_TYPE_TIMESTAMP: return k_format_timestamp(*(const int64_t *)val, buf, cap);
    case K_TYPE_INTERVAL: return k_format_interval(val, buf, cap);
    case K_TYPE_DECIMAL: {
        k_int128 v;
        if (t.precision > K_DECIMAL_INT64_PRECISION)
            memcpy(&v, val, sizeof v);
        else
            v = *(const int64_t *)val;
        return k_format_decimal(v, t.scale, buf, cap);
    }
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR:
    case K_TYPE_UNKNOWN: {
        const KStr *s = val;
        if (cap) {
            size_t n = K_MIN((size_t)s->len, cap - 1);
            memcpy(buf, k_str_data(s), n);
            buf[n] = '\0';
        }
        return (int)s->len;
    }
    default: break;
    }
    return snprintf(buf, cap, "?");
}
