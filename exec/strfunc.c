/*
 * strfunc.c — string functions over 16-byte strings: ||, LIKE / ILIKE
 * (compiled once per constant pattern, with fast paths for exact, prefix,
 * suffix and contains patterns, and literal segments between '%' found in
 * turn with memmem), substring, position, length, upper,
 * lower, btrim/ltrim/rtrim, replace; the regular-expression operators
 * ~ !~ ~* !~* (POSIX extended expressions from libc's <regex.h>) and the
 * catalog helpers clients call (array_to_string over an array's text form,
 * format_type, pg_get_userbyid, pg_encoding_to_char).
 *
 * Interface routines: ex__like_compile, ex__str_func.
 *
 * Notes: lengths and positions count characters of UTF-8 text like
 * PostgreSQL with a UTF-8 database; upper/lower/ILIKE fold ASCII letters
 * only. Result strings are allocated in the evaluation heap.
 */
#include "exec/exec_int.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <strings.h>

enum { LK_EXACT, LK_PREFIX, LK_SUFFIX, LK_CONTAINS, LK_SEGMENTS, LK_GENERAL };
enum { TK_LIT, TK_ONE, TK_MANY };

typedef struct LikePat {
    int kind;
    bool icase;
    char *lit; /* the literal for the fast paths */
    uint32_t nlit;
    uint8_t *tk; /* general: token kinds */
    char *tc;    /* literal bytes */
    uint32_t nt;
    char *fold;  /* ILIKE: subject folding buffer */
    uint32_t foldcap;
    /* segments: literals separated by '%' and no '_' (TPC-H Q13's
     * '%special%requests%'): segment k is tc[soff[k]] .. + slen[k] */
    uint32_t nseg;
    uint32_t *soff, *slen;
    bool lead, trail; /* the pattern starts / ends with '%' */
} LikePat;

static inline uint32_t
u8len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

static uint32_t
char_count(const char *s, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xc0) != 0x80;
    return k;
}

/* byte offset of character index c (0-based), clamped to n */
static uint32_t
char_offset(const char *s, uint32_t n, int64_t c)
{
    uint32_t i = 0;
    while (c > 0 && i < n) {
        i += u8len((unsigned char)s[i]);
        c--;
    }
    return i > n ? n : i;
}

static int
like_parse(KArena *a, const char *p, uint32_t n, int esc, bool icase, LikePat *lp, int32_t pos,
           KErr *err)
{
    lp->tk = k_alloc(a, n + 1);
    lp->tc = k_alloc(a, n + 1);
    if (!lp->tk || !lp->tc) return k_error_oom(err, a, n);
    lp->icase = icase;
    uint32_t nt = 0;
    for (uint32_t i = 0; i < n; i++) {
        char c = p[i];
        if (esc >= 0 && (unsigned char)c == (unsigned)esc) {
            if (i + 1 >= n)
                return k_error_at(err, K_INVALID_ESCAPE_SEQUENCE, pos,
                                  "LIKE pattern must not end with escape character");
            c = p[++i];
            lp->tk[nt] = TK_LIT;
            lp->tc[nt++] = icase ? (char)tolower((unsigned char)c) : c;
        } else if (c == '%') {
            if (nt && lp->tk[nt - 1] == TK_MANY) continue;
            lp->tk[nt] = TK_MANY;
            lp->tc[nt++] = 0;
        } else if (c == '_') {
            lp->tk[nt] = TK_ONE;
            lp->tc[nt++] = 0;
        } else {
            lp->tk[nt] = TK_LIT;
            lp->tc[nt++] = icase ? (char)tolower((unsigned char)c) : c;
        }
    }
    lp->nt = nt;
    /* classify */
    uint32_t nmany = 0, none = 0;
    for (uint32_t i = 0; i < nt; i++) {
        nmany += lp->tk[i] == TK_MANY;
        none += lp->tk[i] == TK_ONE;
    }
    lp->kind = LK_GENERAL;
    if (none == 0) {
        bool lead = nt && lp->tk[0] == TK_MANY, trail = nt && lp->tk[nt - 1] == TK_MANY;
        uint32_t from = lead ? 1 : 0, to = trail ? nt - 1 : nt;
        if (nt == 1 && lead) from = to = 0; /* "%" alone */
        if (nmany == 0) lp->kind = LK_EXACT;
        else if (nmany == 1 && trail && !lead) lp->kind = LK_PREFIX;
        else if (nmany == 1 && lead && !trail) lp->kind = LK_SUFFIX;
        else if (nmany == 2 && lead && trail && nt > 1) lp->kind = LK_CONTAINS;
        else if (nmany == 1 && nt == 1) lp->kind = LK_CONTAINS;
        if (lp->kind != LK_GENERAL) {
            lp->lit = lp->tc + from;
            lp->nlit = to > from ? to - from : 0;
        } else {
            /* literal runs between '%': found one after the other with memmem */
            lp->soff = k_alloc(a, sizeof(uint32_t) * (nt + 1));
            lp->slen = k_alloc(a, sizeof(uint32_t) * (nt + 1));
            if (!lp->soff || !lp->slen) return k_error_oom(err, a, 8 * (size_t)nt);
            lp->kind = LK_SEGMENTS;
            lp->lead = lead;
            lp->trail = trail;
            lp->nseg = 0;
            for (uint32_t i = 0; i < nt;) {
                if (lp->tk[i] == TK_MANY) {
                    i++;
                    continue;
                }
                uint32_t j = i;
                while (j < nt && lp->tk[j] == TK_LIT) j++;
                lp->soff[lp->nseg] = i;
                lp->slen[lp->nseg++] = j - i;
                i = j;
            }
        }
    }
    return K_OK;
}

/* LK_SEGMENTS: an unanchored segment matches at its leftmost place after the
 * previous one (any later place leaves less room for the rest); the first
 * segment is anchored at the start without a leading '%', the last at the
 * end without a trailing '%'. */
static bool
like_segments(const LikePat *lp, const char *s, uint32_t n)
{
    uint32_t k0 = 0, k1 = lp->nseg, pos = 0;
    if (!lp->lead && k1) {
        uint32_t l = lp->slen[0];
        if (n < l || memcmp(s, lp->tc + lp->soff[0], l) != 0) return false;
        pos = l;
        k0 = 1;
    }
    if (!lp->trail && k1 > k0) {
        uint32_t l = lp->slen[k1 - 1];
        if (n < pos + l || memcmp(s + n - l, lp->tc + lp->soff[k1 - 1], l) != 0) return false;
        n -= l;
        k1--;
    }
    for (uint32_t k = k0; k < k1; k++) {
        const char *m = memmem(s + pos, n - pos, lp->tc + lp->soff[k], lp->slen[k]);
        if (!m) return false;
        pos = (uint32_t)(m - s) + lp->slen[k];
    }
    return true;
}

static bool
like_general(const LikePat *lp, const char *s, uint32_t n)
{
    uint32_t i = 0, p = 0;
    int64_t star_p = -1;
    uint32_t star_i = 0;
    while (i < n) {
        if (p < lp->nt && lp->tk[p] == TK_ONE) {
            i += u8len((unsigned char)s[i]);
            p++;
        } else if (p < lp->nt && lp->tk[p] == TK_LIT && lp->tc[p] == s[i]) {
            i++;
            p++;
        } else if (p < lp->nt && lp->tk[p] == TK_MANY) {
            star_p = p++;
            star_i = i;
        } else if (star_p >= 0) {
            p = (uint32_t)star_p + 1;
            star_i += u8len((unsigned char)s[star_i]);
            i = star_i;
        } else {
            return false;
        }
    }
    if (i > n) return false;
    while (p < lp->nt && lp->tk[p] == TK_MANY) p++;
    return p == lp->nt;
}

static bool
like_match(const LikePat *lp, const char *s, uint32_t n)
{
    switch (lp->kind) {
    case LK_EXACT: return n == lp->nlit && memcmp(s, lp->lit, n) == 0;
    case LK_PREFIX: return n >= lp->nlit && memcmp(s, lp->lit, lp->nlit) == 0;
    case LK_SUFFIX: return n >= lp->nlit && memcmp(s + n - lp->nlit, lp->lit, lp->nlit) == 0;
    case LK_CONTAINS: return lp->nlit == 0 || memmem(s, n, lp->lit, lp->nlit) != NULL;
    case LK_SEGMENTS: return like_segments(lp, s, n);
    default: return like_general(lp, s, n);
    }
}

static int
escape_char(const KStr *e, int32_t pos, int *out, KErr *err)
{
    if (e->len == 0) {
        *out = -1;
        return K_OK;
    }
    if (e->len != 1)
        return k_error_at(err, K_INVALID_ESCAPE_SEQUENCE, pos,
                          "invalid escape string");
    *out = (unsigned char)k_str_data(e)[0];
    return K_OK;
}

int
ex__like_compile(KArena *a, ExEval *ev, KErr *err)
{
    const ExExpr *e = ev->e;
    if (e->nargs < 2 || e->args[1]->kind != EX_EXPR_CONST) return K_OK;
    if (e->nargs > 2 && e->args[2]->kind != EX_EXPR_CONST) return K_OK;
    if (e->args[1]->u.konst.is_null) return K_OK;
    int esc = '\\';
    if (e->nargs > 2) {
        if (e->args[2]->u.konst.is_null) return K_OK;
        if (escape_char(&e->args[2]->u.konst.v.str, e->pos, &esc, err)) return K_ERR;
    }
    ExFunc fn = (ExFunc)e->u.func.fn;
    LikePat *lp = k_alloc0(a, sizeof *lp);
    if (!lp) return k_error_oom(err, a, sizeof *lp);
    const KStr *p = &e->args[1]->u.konst.v.str;
    if (like_parse(a, k_str_data(p), p->len, esc, fn == EX_FN_ILIKE || fn == EX_FN_NOT_ILIKE, lp,
                   e->pos, err))
        return K_ERR;
    ev->aux = lp;
    return K_OK;
}

static const char *
fold_lower(KArena *heap, const char *s, uint32_t n)
{
    char *d = k_alloc(heap, n ? n : 1);
    if (!d) return NULL;
    for (uint32_t i = 0; i < n; i++) d[i] = (char)tolower((unsigned char)s[i]);
    return d;
}

static inline bool
in_chars(char c, const char *set, uint32_t n)
{
    return memchr(set, c, n) != NULL;
}

#define ROWS_LOOP for (uint32_t j = 0; j < n; j++)
#define ROW (sel ? sel[j] : j)

static int
set_str(KArena *heap, KStr *dst, const char *s, uint32_t len, KErr *err)
{
    if (!k_str_copy(heap, s, len, dst)) return k_error_oom(err, heap, len);
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Regular expressions and catalog helpers                              */
/* ------------------------------------------------------------------ */
/* Compile `p` (not NUL-terminated) with regcomp; the caller regfree()s it. */
static int
regex_compile(KArena *heap, const KStr *p, bool icase, regex_t *re, int32_t pos, KErr *err)
{
    char *pat = k_alloc(heap, (size_t)p->len + 1);
    if (!pat) return k_error_oom(err, heap, p->len + 1);
    memcpy(pat, k_str_data(p), p->len);
    pat[p->len] = 0;
    int rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
    if (rc != 0) {
        char msg[128];
        regerror(rc, re, msg, sizeof msg);
        return k_error_at(err, K_INVALID_PARAMETER_VALUE, pos, "invalid regular expression: %s", msg);
    }
    return K_OK;
}

/* ~ !~ ~* !~*: the pattern is compiled once per batch when constant (no
 * compiled state outlives the call, so nothing needs freeing later). */
static int
regex_match(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n, KArena *heap, KErr *err)
{
    const ExExpr *e = ev->e;
    ExFunc fn = (ExFunc)e->u.func.fn;
    bool neg = fn == EX_FN_REGEX_NOT_MATCH || fn == EX_FN_REGEX_NOT_IMATCH;
    bool icase = fn == EX_FN_REGEX_IMATCH || fn == EX_FN_REGEX_NOT_IMATCH;
    bool konst = (a[1]->flags & K_VEC_CONST) != 0;
    KVector *R = &ev->out;
    uint8_t *r = R->data;
    regex_t re;
    bool have = false;
    char *buf = NULL;
    uint32_t cap = 0;
    int rc = K_OK;
    for (uint32_t j = 0; j < n && rc == K_OK; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (!k_vec_is_valid(R, i)) continue;
        if (!have || !konst) {
            if (have) regfree(&re);
            have = false;
            if ((rc = regex_compile(heap, k_vec_slot(a[1], i), icase, &re, e->pos, err))) break;
            have = true;
        }
        const KStr *s = k_vec_slot(a[0], i);
        if (s->len + 1 > cap) {
            cap = s->len + 1 < 256 ? 256 : s->len + 1;
            if (!(buf = k_alloc(heap, cap))) {
                rc = k_error_oom(err, heap, cap);
                break;
            }
        }
        memcpy(buf, k_str_data(s), s->len);
        buf[s->len] = 0;
        r[i] = (regexec(&re, buf, 0, NULL, 0) == 0) != neg;
    }
    if (have) regfree(&re);
    return rc;
}

/* array_to_string over the text form of an array ('{a,"b c",NULL}', nested
 * braces flattened): the elements joined by `sep`; NULL elements are left
 * out, or written as `nulls` when given. */
static int
array_to_string(const char *d, uint32_t len, const KStr *sep, const KStr *nulls, KArena *heap,
                KStr *out, int32_t pos, KErr *err)
{
    KBuf b;
    k_buf_init(&b);
    uint32_t i = 0, nel = 0;
    while (i < len && isspace((unsigned char)d[i])) i++;
    if (i == len || d[i] != '{') {
        k_buf_free(&b);
        return k_error_at(err, K_INVALID_TEXT_REPRESENTATION, pos, "malformed array literal: \"%.*s\"",
                          (int)K_MIN(len, 200u), d);
    }
    KBuf el;
    k_buf_init(&el);
    while (i < len) {
        char ch = d[i];
        if (ch == '{' || ch == '}' || ch == ',' || isspace((unsigned char)ch)) {
            i++;
            continue;
        }
        /* one element: quoted, or up to the next , or } */
        bool quoted = ch == '"';
        el.len = 0;
        if (quoted) {
            i++;
            while (i < len && d[i] != '"') {
                if (d[i] == '\\' && i + 1 < len) i++;
                k_buf_put(&el, d + i, 1);
                i++;
            }
            i++;
        } else {
            while (i < len && d[i] != ',' && d[i] != '}') {
                if (d[i] == '\\' && i + 1 < len) i++;
                k_buf_put(&el, d + i, 1);
                i++;
            }
            while (el.len && isspace(((unsigned char *)el.data)[el.len - 1])) el.len--;
        }
        bool isnull = !quoted && el.len == 4 && strncasecmp((const char *)el.data, "null", 4) == 0;
        if (isnull && !nulls) continue;
        if (nel++) k_buf_put(&b, k_str_data(sep), sep->len);
        if (isnull) k_buf_put(&b, k_str_data(nulls), nulls->len);
        else if (el.len) k_buf_put(&b, el.data, el.len);
    }
    bool failed = b.failed || el.failed;
    int rc = failed ? k_error_oom(err, heap, b.len) : set_str(heap, out, b.len ? (const char *)b.data : "", (uint32_t)b.len, err);
    k_buf_free(&el);
    k_buf_free(&b);
    return rc;
}

/* format_type(oid, typmod) as PostgreSQL spells the types Kestrel has. */
static const char *
format_type(int64_t oid, int32_t typmod, char *buf, size_t cap)
{
    switch (oid) {
    case 16: return "boolean";
    case 19: return "name";
    case 20: return "bigint";
    case 21: return "smallint";
    case 23: return "integer";
    case 25: return "text";
    case 26: return "oid";
    case 700: return "real";
    case 701: return "double precision";
    case 705: return "unknown";
    case 1082: return "date";
    case 1186: return "interval";
    case 1042:
        if (typmod < 4) return "bpchar";
        snprintf(buf, cap, "character(%d)", typmod - 4);
        return buf;
    case 1043:
        if (typmod < 4) return "character varying";
        snprintf(buf, cap, "character varying(%d)", typmod - 4);
        return buf;
    case 1114:
        if (typmod < 0) return "timestamp without time zone";
        snprintf(buf, cap, "timestamp(%d) without time zone", typmod);
        return buf;
    case 1184:
        if (typmod < 0) return "timestamp with time zone";
        snprintf(buf, cap, "timestamp(%d) with time zone", typmod);
        return buf;
    case 1700:
        if (typmod < 4) return "numeric";
        snprintf(buf, cap, "numeric(%d,%d)", ((typmod - 4) >> 16) & 0xffff, (typmod - 4) & 0xffff);
        return buf;
    /* the array types Kestrel has (exec/array.c) */
    case 1000: return "boolean[]";
    case 1002: return "\"char\"[]";
    case 1003: return "name[]";
    case 1005: return "smallint[]";
    case 1007: return "integer[]";
    case 1009: return "text[]";
    case 1015: return "character varying[]";
    case 1016: return "bigint[]";
    case 1022: return "double precision[]";
    case 1028: return "oid[]";
    case 1115: return "timestamp without time zone[]";
    case 1182: return "date[]";
    case 1231: return "numeric[]";
    default: return "???";
    }
}

static const char *
encoding_name(int32_t id)
{
    switch (id) {
    case 0: return "SQL_ASCII";
    case 6: return "UTF8";
    case 8: return "LATIN1";
    default: return "";
    }
}

static int64_t
int_arg(const KVector *v, uint32_t i)
{
    switch ((KTypeId)v->type.id) {
    case K_TYPE_INT32: return *(const int32_t *)k_vec_slot(v, i);
    case K_TYPE_INT64: return *(const int64_t *)k_vec_slot(v, i);
    default: return 0;
    }
}

/* pg_size_pretty as PostgreSQL 15 writes it: bytes below 10 kB, then the
 * largest unit that keeps the number below 20480, rounded half away from 0 */
static void
size_pretty(int64_t size, char *buf, size_t cap)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
    const int64_t limit = 10 * 1024, limit2 = limit * 2 - 1;
    if ((size < 0 ? -size : size) < limit) {
        snprintf(buf, cap, "%lld bytes", (long long)size);
        return;
    }
    size /= 1 << 9; /* one extra bit for rounding */
    size_t u = 0;
    while (u + 1 < K_ARRAY_LEN(units) && (size < 0 ? -size : size) >= limit2) {
        size /= 1 << 10;
        u++;
    }
    snprintf(buf, cap, "%lld %s", (long long)((size + (size < 0 ? -1 : 1)) / 2), units[u]);
}

static int
catalog_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n, KArena *heap, KErr *err)
{
    const ExExpr *e = ev->e;
    ExFunc fn = (ExFunc)e->u.func.fn;
    KVector *R = &ev->out;
    KStr *r = R->data;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (!k_vec_is_valid(R, i)) {
            r[i].len = 0;
            continue;
        }
        char buf[64];
        const char *s = NULL;
        switch (fn) {
        case EX_FN_ARRAY_TO_STRING: {
            const KStr *x = k_vec_slot(a[0], i);
            if (array_to_string(k_str_data(x), x->len, k_vec_slot(a[1], i),
                                e->nargs > 2 ? k_vec_slot(a[2], i) : NULL, heap, &r[i], e->pos, err))
                return K_ERR;
            continue;
        }
        case EX_FN_FORMAT_TYPE:
            s = format_type(int_arg(a[0], i), (int32_t)int_arg(a[1], i), buf, sizeof buf);
            break;
        case EX_FN_PG_USER_NAME: {
            int64_t oid = int_arg(a[0], i);
            /* Kestrel has one role, the bootstrap superuser (oid 10), which
             * owns every object */
            if (oid == 10) s = "kestrel";
            else snprintf(buf, sizeof buf, "unknown (OID=%lld)", (long long)oid), s = buf;
            break;
        }
        case EX_FN_PG_ENCODING_NAME:
            s = encoding_name((int32_t)int_arg(a[0], i));
            break;
        case EX_FN_PG_SIZE_PRETTY:
            size_pretty(int_arg(a[0], i), buf, sizeof buf);
            s = buf;
            break;
        default:
            return k_error_at(err, K_UNDEFINED_FUNCTION, e->pos, "function %s does not exist",
                              ex_func_name(fn));
        }
        if (set_str(heap, &r[i], s, (uint32_t)strlen(s), err)) return K_ERR;
    }
    return K_OK;
}

int
ex__str_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n, KArena *heap, KErr *err)
{
    const ExExpr *e = ev->e;
    ExFunc fn = (ExFunc)e->u.func.fn;
    KVector *R = &ev->out;
    int32_t pos = e->pos;
    switch (fn) {
    case EX_FN_LIKE:
    case EX_FN_NOT_LIKE:
    case EX_FN_ILIKE:
    case EX_FN_NOT_ILIKE: {
        bool neg = fn == EX_FN_NOT_LIKE || fn == EX_FN_NOT_ILIKE;
        bool icase = fn == EX_FN_ILIKE || fn == EX_FN_NOT_ILIKE;
        uint8_t *r = R->data;
        LikePat local;
        const LikePat *lp = ev->aux;
        ROWS_LOOP {
            uint32_t i = ROW;
            if (!k_vec_is_valid(R, i)) continue;
            if (!ev->aux) {
                const KStr *p = k_vec_slot(a[1], i);
                int esc = '\\';
                if (e->nargs > 2 && escape_char(k_vec_slot(a[2], i), pos, &esc, err)) return K_ERR;
                memset(&local, 0, sizeof local);
                if (like_parse(heap, k_str_data(p), p->len, esc, icase, &local, pos, err))
                    return K_ERR;
                lp = &local;
            }
            const KStr *s = k_vec_slot(a[0], i);
            const char *d = k_str_data(s);
            if (icase && !(d = fold_lower(heap, d, s->len))) return k_error_oom(err, heap, s->len);
            r[i] = like_match(lp, d, s->len) != neg;
        }
        return K_OK;
    }
    case EX_FN_LENGTH: {
        ROWS_LOOP {
            uint32_t i = ROW;
            if (!k_vec_is_valid(R, i)) continue;
            const KStr *s = k_vec_slot(a[0], i);
            int64_t len = char_count(k_str_data(s), s->len);
            if (R->type.id == K_TYPE_INT64) ((int64_t *)R->data)[i] = len;
            else ((int32_t *)R->data)[i] = (int32_t)len;
        }
        return K_OK;
    }
    case EX_FN_POSITION: {
        ROWS_LOOP {
            uint32_t i = ROW;
            if (!k_vec_is_valid(R, i)) continue;
            const KStr *nd = k_vec_slot(a[0], i), *hs = k_vec_slot(a[1], i);
            const char *h = k_str_data(hs);
            const char *f = nd->len == 0 ? h : memmem(h, hs->len, k_str_data(nd), nd->len);
            int32_t res = f ? (int32_t)char_count(h, (uint32_t)(f - h)) + 1 : 0;
            if (R->type.id == K_TYPE_INT64) ((int64_t *)R->data)[i] = res;
            else ((int32_t *)R->data)[i] = res;
        }
        return K_OK;
    }
    case EX_FN_REGEX_MATCH:
    case EX_FN_REGEX_NOT_MATCH:
    case EX_FN_REGEX_IMATCH:
    case EX_FN_REGEX_NOT_IMATCH:
        return regex_match(ev, a, sel, n, heap, err);
    case EX_FN_ARRAY_TO_STRING:
    case EX_FN_FORMAT_TYPE:
    case EX_FN_PG_USER_NAME:
    case EX_FN_PG_ENCODING_NAME:
    case EX_FN_PG_SIZE_PRETTY:
        return catalog_func(ev, a, sel, n, heap, err);
    case EX_FN_SINGLE_ROW_CHECK:
    case EX_FN_ARRAY_IN:
    case EX_FN_ARRAY_ANY_EQ:
    case EX_FN_ARRAY_SUBSCRIPT:
    case EX_FN_ARRAY_UPPER:
    case EX_FN_ARRAY_LENGTH:
    case EX_FN_ARRAY_CARDINALITY:
    case EX_FN_ARRAY_CAT:
    case EX_FN_ARRAY_BUILD:
    case EX_FN_ARRAY_FROM_LIST:
    case EX_FN_LIST_JOIN:
        return ex__array_func(ev, a, sel, n, heap, err);
    case EX_FN_PG_TABLE_SIZE:
        return k_error_at(err, K_FEATURE_NOT_SUPPORTED, pos, "pg_table_size() needs the coordinator's catalog");
    case EX_FN_PG_TABLE_VISIBLE:
        return k_error_at(err, K_FEATURE_NOT_SUPPORTED, pos,
                          "pg_table_is_visible() needs the coordinator's catalog");
    default:
        break;
    }
    if (!k_type_is_string(R->type))
        return k_error_at(err, K_UNDEFINED_FUNCTION, pos, "function %s does not exist",
                          ex_func_name(fn));
    KStr *r = R->data;
    ROWS_LOOP {
        uint32_t i = ROW;
        if (!k_vec_is_valid(R, i)) {
            r[i].len = 0;
            continue;
        }
        const KStr *s = k_vec_slot(a[0], i);
        const char *d = k_str_data(s);
        uint32_t len = s->len;
        switch (fn) {
        case EX_FN_CONCAT: {
            const KStr *t = k_vec_slot(a[1], i);
            uint32_t tot = len + t->len;
            char *buf = k_alloc(heap, tot ? tot : 1);
            if (!buf) return k_error_oom(err, heap, tot);
            memcpy(buf, d, len);
            memcpy(buf + len, k_str_data(t), t->len);
            r[i] = k_str_ref(buf, tot);
            break;
        }
        case EX_FN_SUBSTRING: {
            int64_t start = *(const int32_t *)k_vec_slot(a[1], i);
            int64_t end;
            if (e->nargs > 2) {
                int64_t cnt = *(const int32_t *)k_vec_slot(a[2], i);
                if (cnt < 0)
                    return k_error_at(err, K_DATA_EXCEPTION, pos,
                                      "negative substring length not allowed");
                end = start + cnt;
            } else {
                end = INT64_MAX;
            }
            int64_t from = start < 1 ? 1 : start;
            if (end <= from) {
                r[i] = k_str_ref("", 0);
                break;
            }
            uint32_t b0 = char_offset(d, len, from - 1);
            uint32_t b1 = end == INT64_MAX ? len : char_offset(d, len, end - 1);
            if (b1 < b0) b1 = b0;
            if (set_str(heap, &r[i], d + b0, b1 - b0, err)) return K_ERR;
            break;
        }
        case EX_FN_UPPER:
        case EX_FN_LOWER: {
            char *buf = k_alloc(heap, len ? len : 1);
            if (!buf) return k_error_oom(err, heap, len);
            for (uint32_t k = 0; k < len; k++)
                buf[k] = (char)(fn == EX_FN_UPPER ? toupper((unsigned char)d[k])
                                                  : tolower((unsigned char)d[k]));
            r[i] = k_str_ref(buf, len);
            break;
        }
        case EX_FN_TRIM:
        case EX_FN_LTRIM:
        case EX_FN_RTRIM: {
            const char *set = " ";
            uint32_t nset = 1;
            if (e->nargs > 1) {
                const KStr *c = k_vec_slot(a[1], i);
                set = k_str_data(c);
                nset = c->len;
            }
            uint32_t b = 0, en = len;
            if (fn != EX_FN_RTRIM)
                while (b < en && in_chars(d[b], set, nset)) b++;
            if (fn != EX_FN_LTRIM)
                while (en > b && in_chars(d[en - 1], set, nset)) en--;
            if (set_str(heap, &r[i], d + b, en - b, err)) return K_ERR;
            break;
        }
        case EX_FN_REPLACE: {
            const KStr *f = k_vec_slot(a[1], i), *t = k_vec_slot(a[2], i);
            if (f->len == 0) {
                if (set_str(heap, &r[i], d, len, err)) return K_ERR;
                break;
            }
            const char *fd = k_str_data(f), *td = k_str_data(t);
            uint32_t cnt = 0;
            for (const char *q = d; (q = memmem(q, len - (uint32_t)(q - d), fd, f->len));
                 q += f->len)
                cnt++;
            uint64_t tot = len + (uint64_t)cnt * t->len - (uint64_t)cnt * f->len;
            if (tot > UINT32_MAX / 2)
                return k_error_at(err, K_PROGRAM_LIMIT_EXCEEDED, pos, "requested length too large");
            char *buf = k_alloc(heap, tot ? tot : 1), *w = buf;
            if (!buf) return k_error_oom(err, heap, tot);
            const char *q = d, *m;
            while ((m = memmem(q, len - (uint32_t)(q - d), fd, f->len))) {
                memcpy(w, q, (size_t)(m - q));
                w += m - q;
                memcpy(w, td, t->len);
                w += t->len;
                q = m + f->len;
            }
            memcpy(w, q, len - (uint32_t)(q - d));
            r[i] = k_str_ref(buf, (uint32_t)tot);
            break;
        }
        default:
            return k_error_at(err, K_UNDEFINED_FUNCTION, pos, "function %s does not exist",
                              ex_func_name(fn));
        }
    }
    return K_OK;
}
