/*
 * array.c — arrays over PostgreSQL's text form, the LIST aggregate's
 * accumulator, and the run-time row check of scalar subqueries.
 *
 * Interface routines (exec_int.h): ex__array_func, ex__list_append.
 *
 * Kestrel's arrays are one-dimensional with lower bound 1 and live in string
 * vectors as PostgreSQL writes them ('{1,2}', '{a,"b c",NULL}'); the result
 * type's `array` names the element type (common/kestrel.h). Elements are
 * compared as their canonical text (ARRAY_IN writes integers and booleans in
 * canonical form), which is exact for the integer, boolean and text element
 * types catalogs use. The builders take "records": '\2' followed by the
 * element's text, or '\1' for a NULL element; the LIST aggregate joins
 * records with '\0' (text never holds a NUL byte) in arrival order.
 *
 * SINGLE_ROW_CHECK is the check a scalar subquery that the planner could not
 * prove single-row gets (planner/unnest.c): its input is the number of rows
 * the subquery gave for the outer row, more than one is 21000.
 */
#include "exec/exec_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REC_NULL '\1'
#define REC_VAL  '\2'

/* ------------------------------------------------------------------ */
/* The LIST accumulator: a.v.str is the list; n its buffer's capacity    */
/* (0: empty), m2's bits the buffer (0: the bytes are not ours, as after   */
/* reading a partial state)                                                */
/* ------------------------------------------------------------------ */
int
ex__list_append(ExAggAcc *s, const char *p, uint32_t n, KArena *heap, KErr *err)
{
    char *buf = NULL;
    memcpy(&buf, &s->m2, sizeof buf < sizeof s->m2 ? sizeof buf : sizeof s->m2);
    uint32_t len = s->n ? s->a.v.str.len : 0;
    size_t need = (size_t)len + (s->n ? 1 : 0) + n;
    if (need > UINT32_MAX / 2)
        return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "array or string_agg result is too large");
    if (!buf || (size_t)s->n < need) {
        size_t cap = need < 64 ? 64 : need * 2;
        char *nb = k_alloc(heap, cap);
        if (!nb) return k_error_oom(err, heap, cap);
        if (len) memcpy(nb, k_str_data(&s->a.v.str), len);
        if (buf) k_free(heap, buf, (size_t)s->n);
        buf = nb;
        s->n = (int64_t)cap;
        memcpy(&s->m2, &buf, sizeof buf);
    }
    if (len) buf[len++] = '\0';
    if (n) memcpy(buf + len, p, n);
    s->a.v.str = k_str_ref(buf, (uint32_t)need);
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Parsing and writing the text form                                     */
/* ------------------------------------------------------------------ */
typedef struct Elem {
    const char *p; /* into the array's text, or into `own` when unescaped */
    uint32_t len;
    bool null;
} Elem;

typedef struct Elems {
    Elem *v;
    uint32_t n, cap;
} Elems;

static int
elems_push(Elems *es, Elem e, KArena *heap, KErr *err)
{
    if (es->n == es->cap) {
        uint32_t nc = es->cap ? es->cap * 2 : 16;
        Elem *nv = k_realloc(heap, es->v, sizeof(Elem) * es->cap, sizeof(Elem) * nc);
        if (!nv) return k_error_oom(err, heap, sizeof(Elem) * nc);
        es->v = nv;
        es->cap = nc;
    }
    es->v[es->n++] = e;
    return K_OK;
}

static int
malformed(KErr *err, int32_t pos, const char *d, uint32_t len, const char *detail)
{
    k_error_at(err, K_INVALID_TEXT_REPRESENTATION, pos, "malformed array literal: \"%.*s\"",
               (int)(len > 200 ? 200 : len), d);
    k_err_detail(err, "%s", detail);
    return K_ERR;
}

/* Split a one-dimensional array's text form into elements (unescaped). */
static int
parse_array(const char *d, uint32_t len, KArena *heap, Elems *es, int32_t pos, KErr *err)
{
    uint32_t i = 0;
    es->n = 0;
    while (i < len && isspace((unsigned char)d[i])) i++;
    if (i == len || d[i] != '{')
        return malformed(err, pos, d, len,
                         "Array value must start with \"{\" or dimension information.");
    i++;
    /* every element's unescaped bytes, one after the other (never longer than d) */
    char *buf = k_alloc(heap, (size_t)len + 1);
    if (!buf) return k_error_oom(err, heap, (size_t)len + 1);
    uint32_t used = 0;
    while (i < len && isspace((unsigned char)d[i])) i++;
    if (i < len && d[i] == '}') {
        i++;
    } else {
        for (;;) {
            while (i < len && isspace((unsigned char)d[i])) i++;
            if (i == len) return malformed(err, pos, d, len, "Unexpected end of input.");
            if (d[i] == '{')
                return k_error_at(err, K_FEATURE_NOT_SUPPORTED, pos,
                                  "multidimensional arrays are not supported");
            bool quoted = d[i] == '"';
            char *out = buf + used;
            uint32_t o = 0;
            if (quoted) {
                i++;
                while (i < len && d[i] != '"') {
                    if (d[i] == '\\' && i + 1 < len) i++;
                    out[o++] = d[i++];
                }
                if (i == len) return malformed(err, pos, d, len, "Unexpected end of input.");
                i++;
                while (i < len && isspace((unsigned char)d[i])) i++;
            } else {
                uint32_t last = 0; /* length up to the last escaped or non-blank byte */
                while (i < len && d[i] != ',' && d[i] != '}') {
                    if (d[i] == '"' || d[i] == '{')
                        return malformed(err, pos, d, len, "Unexpected array element.");
                    if (d[i] == '\\' && i + 1 < len) {
                        i++;
                        out[o++] = d[i++];
                        last = o;
                        continue;
                    }
                    out[o++] = d[i++];
                    if (!isspace((unsigned char)out[o - 1])) last = o;
                }
                o = last;
                if (o == 0) return malformed(err, pos, d, len, "Unexpected \",\" character.");
            }
            used += o;
            Elem e = {out, o, !quoted && o == 4 && strncasecmp(out, "null", 4) == 0};
            if (elems_push(es, e, heap, err)) return K_ERR;
            if (i == len) return malformed(err, pos, d, len, "Unexpected end of input.");
            if (d[i] == ',') {
                i++;
                continue;
            }
            if (d[i] == '}') {
                i++;
                break;
            }
            return malformed(err, pos, d, len, "Unexpected array element.");
        }
    }
    while (i < len && isspace((unsigned char)d[i])) i++;
    if (i != len) return malformed(err, pos, d, len, "Junk after closing right brace.");
    return K_OK;
}

/* One element as array_out writes it: quoted when empty, "NULL", or holding
 * a blank or one of {}",\ ; inside quotes " and \ are escaped. */
static void
put_elem(KBuf *b, const char *p, uint32_t n)
{
    bool q = n == 0 || (n == 4 && strncasecmp(p, "null", 4) == 0);
    for (uint32_t i = 0; i < n && !q; i++)
        q = strchr("{}\",\\", p[i]) != NULL || isspace((unsigned char)p[i]);
    if (!q) {
        k_buf_put(b, p, n);
        return;
    }
    k_buf_put_u8(b, '"');
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\') k_buf_put_u8(b, '\\');
        k_buf_put_u8(b, (uint8_t)p[i]);
    }
    k_buf_put_u8(b, '"');
}

static int
buf_result(KBuf *b, KArena *heap, KStr *out, KErr *err)
{
    int rc = K_OK;
    if (b->failed)
        rc = k_error_oom(err, heap, b->len);
    else if (!k_str_copy(heap, b->len ? (const char *)b->data : "", (uint32_t)b->len, out))
        rc = k_error_oom(err, heap, b->len);
    k_buf_free(b);
    return rc;
}

/* An element checked against the element type, in canonical text form. */
static int
canon_elem(KArrayElem el, const Elem *e, char *tmp, size_t cap, const char **p, uint32_t *n,
           int32_t pos, KErr *err)
{
    *p = e->p;
    *n = e->len;
    switch (el) {
    case K_ARR_INT2:
    case K_ARR_INT4:
    case K_ARR_INT8:
    case K_ARR_OID: {
        int64_t v;
        static const char *const tn[] = {[K_ARR_INT2] = "smallint",
                                         [K_ARR_INT4] = "integer",
                                         [K_ARR_INT8] = "bigint",
                                         [K_ARR_OID] = "oid"};
        int w = (int)(e->len > 100 ? 100 : e->len);
        if (k_parse_int64(e->p, e->len, &v, err) != K_OK) {
            /* the message names bigint: say the element type */
            if (err->code == K_INVALID_TEXT_REPRESENTATION)
                k_error_at(err, K_INVALID_TEXT_REPRESENTATION, pos,
                           "invalid input syntax for type %s: \"%.*s\"", tn[el], w, e->p);
            else
                k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                           "value \"%.*s\" is out of range for type %s", w, e->p, tn[el]);
            return K_ERR;
        }
        if ((el == K_ARR_INT2 && (v < INT16_MIN || v > INT16_MAX)) ||
            (el == K_ARR_INT4 && (v < INT32_MIN || v > INT32_MAX)))
            return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                              "value \"%.*s\" is out of range for type %s", w, e->p, tn[el]);
        *n = (uint32_t)snprintf(tmp, cap, "%lld", (long long)v);
        *p = tmp;
        return K_OK;
    }
    case K_ARR_BOOL: {
        bool v;
        KErr e2;
        if (k_parse_bool(e->p, e->len, &v, &e2) != K_OK)
            return k_error_at(err, K_INVALID_TEXT_REPRESENTATION, pos,
                              "invalid input syntax for type boolean: \"%.*s\"",
                              (int)(e->len > 100 ? 100 : e->len), e->p);
        *p = v ? "t" : "f";
        *n = 1;
        return K_OK;
    }
    default: return K_OK;
    }
}

/* Numbers compare by value, anything else bytewise (ARRAY_FROM_LIST's sort). */
static int
cmp_elem(const void *x, const void *y)
{
    const Elem *a = x, *b = y;
    if (a->null || b->null) return (int)a->null - (int)b->null; /* NULLs last */
    char *ea, *eb;
    char ba[32], bb[32];
    if (a->len < sizeof ba && b->len < sizeof bb && a->len && b->len) {
        memcpy(ba, a->p, a->len);
        ba[a->len] = 0;
        memcpy(bb, b->p, b->len);
        bb[b->len] = 0;
        double da = strtod(ba, &ea), db = strtod(bb, &eb);
        if (*ea == 0 && *eb == 0) return da < db ? -1 : da > db;
    }
    uint32_t m = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->p, b->p, m);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Sorted ascending (NULLs last) or descending (NULLs first), as ORDER BY. */
static void
sort_elems(Elems *es, bool desc)
{
    qsort(es->v, es->n, sizeof(Elem), cmp_elem);
    if (!desc) return;
    for (uint32_t l = 0, h = es->n - 1; l < h; l++, h--) {
        Elem t = es->v[l];
        es->v[l] = es->v[h];
        es->v[h] = t;
    }
}

/* Elements of a list ('\0'-joined records) or of one record. */
static int
list_elems(const char *d, uint32_t len, KArena *heap, Elems *es, KErr *err)
{
    es->n = 0;
    uint32_t i = 0;
    while (i <= len) {
        uint32_t j = i;
        while (j < len && d[j] != '\0') j++;
        if (j > i) {
            Elem e = {d + i + 1, j - i - 1, d[i] == REC_NULL};
            if (elems_push(es, e, heap, err)) return K_ERR;
        }
        i = j + 1;
    }
    return K_OK;
}

static void
put_elems(KBuf *b, const Elems *es)
{
    k_buf_put_u8(b, '{');
    for (uint32_t k = 0; k < es->n; k++) {
        if (k) k_buf_put_u8(b, ',');
        if (es->v[k].null)
            k_buf_put(b, "NULL", 4);
        else
            put_elem(b, es->v[k].p, es->v[k].len);
    }
    k_buf_put_u8(b, '}');
}

/* Row i of the result is NULL (a non-strict outcome of strict arguments). */
static void
set_null(ExEval *ev, uint32_t i)
{
    if (!ev->out.validity) {
        memset(ev->vbuf, 0xff, K_VECTOR_WORDS * 8);
        ev->out.validity = ev->vbuf;
    }
    k_vec_set_valid(&ev->out, i, false);
}

static int64_t
int_at(const KVector *v, uint32_t i)
{
    return v->type.id == K_TYPE_INT64 ? *(const int64_t *)k_vec_slot(v, i)
                                      : *(const int32_t *)k_vec_slot(v, i);
}

int
ex__array_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n, KArena *heap, KErr *err)
{
    const ExExpr *e = ev->e;
    KVector *R = &ev->out;
    ExFunc fn = (ExFunc)e->u.func.fn;
    int32_t pos = e->pos;
    Elems es = {0};
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (!k_vec_is_valid(R, i)) {
            if (k_type_is_string(R->type)) ((KStr *)R->data)[i].len = 0;
            continue;
        }
        const KStr *x = fn == EX_FN_SINGLE_ROW_CHECK ? NULL : k_vec_slot(a[0], i);
        switch (fn) {
        case EX_FN_SINGLE_ROW_CHECK:
            if (*(const int64_t *)k_vec_slot(a[0], i) > 1)
                return k_error_at(err, K_CARDINALITY_VIOLATION, pos,
                                  "more than one row returned by a subquery used as an expression");
            ((uint8_t *)R->data)[i] = 1;
            break;
        case EX_FN_ARRAY_IN: {
            if (parse_array(k_str_data(x), x->len, heap, &es, pos, err)) return K_ERR;
            KBuf b;
            k_buf_init(&b);
            k_buf_put_u8(&b, '{');
            for (uint32_t k = 0; k < es.n; k++) {
                if (k) k_buf_put_u8(&b, ',');
                if (es.v[k].null) {
                    k_buf_put(&b, "NULL", 4);
                    continue;
                }
                char tmp[32];
                const char *p;
                uint32_t len;
                if (canon_elem((KArrayElem)R->type.array, &es.v[k], tmp, sizeof tmp, &p, &len, pos,
                               err)) {
                    k_buf_free(&b);
                    return K_ERR;
                }
                put_elem(&b, p, len);
            }
            k_buf_put_u8(&b, '}');
            if (buf_result(&b, heap, &((KStr *)R->data)[i], err)) return K_ERR;
            break;
        }
        case EX_FN_ARRAY_ANY_EQ: {
            const KStr *arr = k_vec_slot(a[1], i);
            if (parse_array(k_str_data(arr), arr->len, heap, &es, pos, err)) return K_ERR;
            bool found = false, saw_null = false;
            for (uint32_t k = 0; k < es.n && !found; k++) {
                if (es.v[k].null)
                    saw_null = true;
                else
                    found = es.v[k].len == x->len && memcmp(es.v[k].p, k_str_data(x), x->len) == 0;
            }
            ((uint8_t *)R->data)[i] = found;
            if (!found && saw_null) set_null(ev, i);
            break;
        }
        case EX_FN_ARRAY_SUBSCRIPT:
        case EX_FN_ARRAY_UPPER:
        case EX_FN_ARRAY_LENGTH:
        case EX_FN_ARRAY_CARDINALITY: {
            if (parse_array(k_str_data(x), x->len, heap, &es, pos, err)) return K_ERR;
            if (fn == EX_FN_ARRAY_SUBSCRIPT) {
                int64_t k = int_at(a[1], i);
                KStr *r = &((KStr *)R->data)[i];
                if (k < 1 || k > es.n || es.v[k - 1].null) {
                    set_null(ev, i);
                    r->len = 0;
                } else if (!k_str_copy(heap, es.v[k - 1].p, es.v[k - 1].len, r)) {
                    return k_error_oom(err, heap, es.v[k - 1].len);
                }
                break;
            }
            if (fn == EX_FN_ARRAY_CARDINALITY) {
                ((int32_t *)R->data)[i] = (int32_t)es.n;
                break;
            }
            if (int_at(a[1], i) != 1 || es.n == 0)
                set_null(ev, i);
            else
                ((int32_t *)R->data)[i] = (int32_t)es.n;
            break;
        }
        case EX_FN_ARRAY_CAT: {
            const KStr *y = k_vec_slot(a[1], i);
            KBuf b;
            k_buf_init(&b);
            Elems e2 = {0};
            if (parse_array(k_str_data(x), x->len, heap, &es, pos, err) ||
                parse_array(k_str_data(y), y->len, heap, &e2, pos, err)) {
                k_buf_free(&b);
                return K_ERR;
            }
            for (uint32_t k = 0; k < e2.n; k++)
                if (elems_push(&es, e2.v[k], heap, err)) {
                    k_buf_free(&b);
                    return K_ERR;
                }
            put_elems(&b, &es);
            if (buf_result(&b, heap, &((KStr *)R->data)[i], err)) return K_ERR;
            break;
        }
        case EX_FN_ARRAY_BUILD:
        case EX_FN_ARRAY_FROM_LIST: {
            es.n = 0;
            if (fn == EX_FN_ARRAY_BUILD) {
                for (uint32_t k = 0; k < e->nargs; k++) {
                    const KStr *r = k_vec_slot(a[k], i);
                    const char *d = k_str_data(r);
                    Elem el = {d + (r->len ? 1 : 0), r->len ? r->len - 1 : 0,
                               !r->len || d[0] == REC_NULL};
                    if (elems_push(&es, el, heap, err)) return K_ERR;
                }
            } else {
                if (list_elems(k_str_data(x), x->len, heap, &es, err)) return K_ERR;
                int64_t order = int_at(a[1], i);
                if (order && es.n > 1) sort_elems(&es, order == 2);
            }
            KBuf b;
            k_buf_init(&b);
            put_elems(&b, &es);
            if (buf_result(&b, heap, &((KStr *)R->data)[i], err)) return K_ERR;
            break;
        }
        case EX_FN_LIST_JOIN: {
            const KStr *sep = k_vec_slot(a[1], i);
            if (list_elems(k_str_data(x), x->len, heap, &es, err)) return K_ERR;
            int64_t order = e->nargs > 2 ? int_at(a[2], i) : 0;
            if (order && es.n > 1) sort_elems(&es, order == 2);
            KBuf b;
            k_buf_init(&b);
            for (uint32_t k = 0; k < es.n; k++) {
                if (k) k_buf_put(&b, k_str_data(sep), sep->len);
                k_buf_put(&b, es.v[k].p, es.v[k].len);
            }
            if (buf_result(&b, heap, &((KStr *)R->data)[i], err)) return K_ERR;
            break;
        }
        default:
            return k_error_at(err, K_UNDEFINED_FUNCTION, pos, "function %s does not exist",
                              ex_func_name(fn));
        }
    }
    return K_OK;
}
