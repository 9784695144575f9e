/*
 * build.c — the builders the grammar's actions call.
 *
 * Each builder makes one node (or extends a list) in the parse's arena,
 * folds or unquotes names, decodes literals and keeps the depth of every
 * subtree so that deep input stops with 54001 instead of overflowing the
 * stack of whoever walks the tree later.
 *
 * Failure protocol: a builder that cannot do its job (out of memory, a
 * limit, a malformed literal) records the first error in p->err, sets
 * p->failed and returns NULL. The driver stops feeding tokens once
 * p->failed is set; until then builders must accept NULL children.
 *
 * Interface routines: the pr__* functions declared in parser_int.h.
 */
#include <stdio.h>

#include "parser/parser_int.h"

/* ------------------------------------------------------------------ */
/* Failure and allocation                                              */
/* ------------------------------------------------------------------ */
void
pr__fail(PrParse *p, KSqlState code, int32_t pos, const char *fmt, ...)
{
    if (p->failed) return; /* keep the first error */
    va_list ap;
    va_start(ap, fmt);
    (void)k_error_v(p->err, code, pos, fmt, ap);
    va_end(ap);
    p->failed = true;
}

void
pr__oom(PrParse *p)
{
    if (p->failed) return;
    (void)k_error_oom(p->err, p->arena, 0);
    p->failed = true;
}

void *
pr__new(PrParse *p, PrTag tag, size_t size, int32_t pos)
{
    if (p->failed) return NULL;
    PrNode *n = k_alloc0(p->arena, size);
    if (!n) {
        pr__oom(p);
        return NULL;
    }
    n->tag = (uint16_t)tag;
    n->depth = 1;
    n->pos = pos;
    return n;
}

static void
set_depth(PrParse *p, PrNode *n, int d)
{
    if (d > PR_MAX_DEPTH) {
        pr__fail(p, K_STATEMENT_TOO_COMPLEX, n->pos, "stack depth limit exceeded");
        if (p->err->code == K_STATEMENT_TOO_COMPLEX)
            k_err_detail(p->err, "The statement nests deeper than %d levels.", PR_MAX_DEPTH);
        d = PR_MAX_DEPTH;
    }
    if (d > n->depth) n->depth = (uint16_t)d;
}

void
pr__depth(PrParse *p, PrNode *n, const void *c1, const void *c2, const void *c3)
{
    if (!n) return;
    int d = 0;
    if (c1 && ((const PrNode *)c1)->depth > d) d = ((const PrNode *)c1)->depth;
    if (c2 && ((const PrNode *)c2)->depth > d) d = ((const PrNode *)c2)->depth;
    if (c3 && ((const PrNode *)c3)->depth > d) d = ((const PrNode *)c3)->depth;
    set_depth(p, n, d + 1);
}

void
pr__depth_list(PrParse *p, PrNode *n, const PrList *l)
{
    if (!n || !l) return;
    int d = 0;
    for (int32_t i = 0; i < l->n; i++) {
        const PrNode *c = l->items[i];
        if (c && c->depth > d) d = c->depth;
    }
    set_depth(p, n, d + 1);
}

/* ------------------------------------------------------------------ */
/* Lists                                                               */
/* ------------------------------------------------------------------ */
PrList *
pr__list_empty(PrParse *p)
{
    if (p->failed) return NULL;
    PrList *l = k_alloc0(p->arena, sizeof *l);
    if (!l) pr__oom(p);
    return l;
}

PrList *
pr__append(PrParse *p, PrList *l, void *item)
{
    if (p->failed) return NULL;
    if (!l) {
        l = pr__list_empty(p);
        if (!l) return NULL;
    }
    if (l->n == l->cap) {
        int32_t ncap = l->cap ? l->cap * 2 : 4;
        PrNode **items = k_realloc(p->arena, l->items, sizeof(PrNode *) * (size_t)l->cap,
                                   sizeof(PrNode *) * (size_t)ncap);
        if (!items) {
            pr__oom(p);
            return NULL;
        }
        l->items = items;
        l->cap = ncap;
    }
    l->items[l->n++] = item;
    return l;
}

PrList *
pr__list1(PrParse *p, void *item)
{
    return pr__append(p, NULL, item);
}

PrList *
pr__prepend(PrParse *p, void *item, PrList *l)
{
    PrList *r = pr__list1(p, item);
    for (int32_t i = 0; r && l && i < l->n; i++) r = pr__append(p, r, l->items[i]);
    return r;
}

PrList *
pr__concat(PrParse *p, PrList *a, PrList *b)
{
    for (int32_t i = 0; b && i < b->n; i++) a = pr__append(p, a, b->items[i]);
    return a;
}

/* ------------------------------------------------------------------ */
/* Names and literal text                                              */
/* ------------------------------------------------------------------ */
const char *
pr__dotted(PrParse *p, const char *prefix, PrToken t)
{
    const char *last = pr__ident(p, t);
    if (!prefix || !last) return NULL;
    char *s = k_sprintf(p->arena, "%s.%s", prefix, last);
    if (!s) pr__oom(p);
    return s;
}

/* Unquote a "quoted" identifier or fold a plain word to lower case. */
const char *
pr__ident(PrParse *p, PrToken t)
{
    if (p->failed) return NULL;
    if (t.pos < 0 && t.z) return t.z; /* a built-in word (pr__str_token) */
    char *s = k_alloc(p->arena, (size_t)t.n + 1);
    if (!s) {
        pr__oom(p);
        return NULL;
    }
    size_t o = 0;
    if (t.n >= 2 && t.z[0] == '"') {
        for (int32_t i = 1; i < t.n - 1; i++) {
            s[o++] = t.z[i];
            if (t.z[i] == '"') i++; /* "" → " */
        }
    } else {
        for (int32_t i = 0; i < t.n; i++) {
            char c = t.z[i];
            if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
            s[o++] = c;
        }
    }
    s[o] = 0;
    return s;
}

PrIdent *
pr__ident_node(PrParse *p, PrToken t)
{
    PrIdent *n = PR_NEW(p, Ident, t.pos);
    if (n) n->name = pr__ident(p, t);
    return n;
}

PrList *
pr__name_list(PrParse *p, PrList *l, PrToken t)
{
    return pr__append(p, l, pr__ident_node(p, t));
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t
put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode the E'...' body s[0..n) into o; returns the length or -1 (error set). */
static int64_t
decode_escapes(PrParse *p, const char *s, int32_t n, char *o, int32_t pos)
{
    size_t w = 0;
    for (int32_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\'') { /* '' inside E'' */
            o[w++] = '\'';
            i++;
            continue;
        }
        if (c != '\\' || i + 1 >= n) {
            o[w++] = c;
            continue;
        }
        char e = s[++i];
        uint32_t v;
        int digits, k;
        switch (e) {
        case 'b': o[w++] = '\b'; break;
        case 'f': o[w++] = '\f'; break;
        case 'n': o[w++] = '\n'; break;
        case 'r': o[w++] = '\r'; break;
        case 't': o[w++] = '\t'; break;
        case 'x':
            v = 0;
            for (k = 0; k < 2 && i + 1 < n && hexval(s[i + 1]) >= 0; k++) v = v * 16 + (uint32_t)hexval(s[++i]);
            if (k == 0) {
                o[w++] = 'x';
                break;
            }
            if (v == 0) goto nul;
            o[w++] = (char)v;
            break;
        case 'u':
        case 'U':
            digits = e == 'u' ? 4 : 8;
            v = 0;
            for (k = 0; k < digits; k++) {
                if (i + 1 >= n || hexval(s[i + 1]) < 0) {
                    pr__fail(p, K_INVALID_ESCAPE_SEQUENCE, pos, "invalid Unicode escape");
                    if (p->err->code == K_INVALID_ESCAPE_SEQUENCE)
                        k_err_hint(p->err, "Unicode escapes must be \\uXXXX or \\UXXXXXXXX.");
                    return -1;
                }
                v = v * 16 + (uint32_t)hexval(s[++i]);
            }
            if (v == 0) goto nul;
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
                pr__fail(p, K_INVALID_ESCAPE_SEQUENCE, pos, "invalid Unicode escape value");
                return -1;
            }
            w += put_utf8(o + w, v);
            break;
        default:
            if (e >= '0' && e <= '7') {
                v = (uint32_t)(e - '0');
                for (k = 1; k < 3 && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7'; k++)
                    v = v * 8 + (uint32_t)(s[++i] - '0');
                if ((v & 0xFF) == 0) goto nul;
                o[w++] = (char)(v & 0xFF);
            } else {
                o[w++] = e; /* \\ \' and any other character stand for themselves */
            }
        }
    }
    return (int64_t)w;
nul:
    pr__fail(p, K_CHARACTER_NOT_IN_REPERTOIRE, pos, "invalid byte sequence for encoding \"UTF8\": 0x00");
    return -1;
}

/* Decode a string literal token: '..' (with ''), E'..', $tag$..$tag$. */
const char *
pr__str(PrParse *p, PrToken t, uint32_t *len)
{
    if (p->failed) return NULL;
    char *o = k_alloc(p->arena, (size_t)t.n + 1);
    if (!o) {
        pr__oom(p);
        return NULL;
    }
    size_t w = 0;
    const char *s = t.z;
    if (s[0] == '$') {
        int32_t tag = 1;
        while (s[tag] != '$') tag++;
        tag++; /* $tag$ length */
        w = (size_t)(t.n - 2 * tag);
        memcpy(o, s + tag, w);
    } else if (s[0] == 'e' || s[0] == 'E') {
        int64_t r = decode_escapes(p, s + 2, t.n - 3, o, t.pos);
        if (r < 0) return NULL;
        w = (size_t)r;
    } else {
        for (int32_t i = 1; i < t.n - 1; i++) {
            o[w++] = s[i];
            if (s[i] == '\'') i++;
        }
    }
    o[w] = 0;
    if (len) *len = (uint32_t)w;
    return o;
}

/* Is this token a string literal rather than a word? */
static bool
is_string_token(PrToken t)
{
    if (t.n < 2 || !t.z) return false;
    if (t.z[0] == '\'' || t.z[0] == '$') return true;
    return (t.z[0] == 'e' || t.z[0] == 'E') && t.z[1] == '\'';
}

int32_t
pr__int(PrParse *p, PrToken t)
{
    int64_t v = 0;
    for (int32_t i = 0; i < t.n; i++) {
        v = v * 10 + (t.z[i] - '0');
        if (v > INT32_MAX) {
            pr__fail(p, K_NUMERIC_VALUE_OUT_OF_RANGE, t.pos, "value \"%.*s\" is out of range for type integer",
                     t.n, t.z);
            return 0;
        }
    }
    return (int32_t)v;
}

/* ------------------------------------------------------------------ */
/* Literals                                                            */
/* ------------------------------------------------------------------ */
static PrLiteral *
new_lit(PrParse *p, int32_t pos, PrLitKind kind, const char *text, uint32_t len)
{
    PrLiteral *l = PR_NEW(p, Literal, pos);
    if (!l) return NULL;
    l->kind = kind;
    l->text = text;
    l->len = len;
    l->interval_precision = -1;
    return l;
}

PrNode *
pr__lit(PrParse *p, PrToken t, PrLitKind kind)
{
    const char *text;
    uint32_t len;
    switch (kind) {
    case PR_LIT_NULL: text = "null"; len = 4; break;
    case PR_LIT_BOOL:
        text = (t.z[0] == 't' || t.z[0] == 'T') ? "true" : "false";
        len = (uint32_t)strlen(text);
        break;
    case PR_LIT_STRING:
        text = pr__str(p, t, &len);
        if (!text) return NULL;
        break;
    default:
        text = k_strndup(p->arena, t.z, (size_t)t.n);
        len = (uint32_t)t.n;
        if (!text) {
            pr__oom(p);
            return NULL;
        }
    }
    return (PrNode *)new_lit(p, t.pos, kind, text, len);
}

PrNode *
pr__lit_neg(PrParse *p, PrToken t, PrLitKind kind)
{
    char *text = k_sprintf(p->arena, "-%.*s", t.n, t.z);
    if (!text) {
        pr__oom(p);
        return NULL;
    }
    return (PrNode *)new_lit(p, t.pos, kind, text, (uint32_t)t.n + 1);
}

PrNode *
pr__lit_word(PrParse *p, PrToken t)
{
    const char *s = pr__ident(p, t);
    if (!s) return NULL;
    return (PrNode *)new_lit(p, t.pos, PR_LIT_STRING, s, (uint32_t)strlen(s));
}

PrNode *
pr__lit_one(PrParse *p, PrToken t)
{
    return (PrNode *)new_lit(p, t.pos, PR_LIT_INTEGER, "1", 1);
}

PrNode *
pr__lit_typed(PrParse *p, PrTypeName *type, PrToken s, PrIntervalFields f, int32_t prec)
{
    uint32_t len;
    const char *text = pr__str(p, s, &len);
    if (!text || !type) return NULL;
    PrLiteral *l = new_lit(p, type->hdr.pos, PR_LIT_TYPED, text, len);
    if (!l) return NULL;
    l->type = type;
    l->interval_fields = f;
    l->interval_precision = prec;
    return (PrNode *)l;
}

PrNode *
pr__param(PrParse *p, PrToken t)
{
    PrParam *n = PR_NEW(p, Param, t.pos);
    if (!n) return NULL;
    int64_t v = 0;
    for (int32_t i = 1; i < t.n; i++) {
        v = v * 10 + (t.z[i] - '0');
        if (v > 65535) {
            pr__fail(p, K_SYNTAX_ERROR, t.pos, "parameter number too large at or near \"%.*s\"", t.n, t.z);
            return NULL;
        }
    }
    if (v == 0) {
        pr__fail(p, K_SYNTAX_ERROR, t.pos, "there is no parameter $0");
        return NULL;
    }
    n->number = (int32_t)v;
    return (PrNode *)n;
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */
static const char *const binop_names[] = {
    [PR_OP_ADD] = "+", [PR_OP_SUB] = "-", [PR_OP_MUL] = "*", [PR_OP_DIV] = "/",
    [PR_OP_MOD] = "%", [PR_OP_POW] = "^", [PR_OP_CONCAT] = "||", [PR_OP_EQ] = "=",
    [PR_OP_NE] = "<>", [PR_OP_LT] = "<", [PR_OP_LE] = "<=", [PR_OP_GT] = ">",
    [PR_OP_GE] = ">=", [PR_OP_AND] = "and", [PR_OP_OR] = "or",
    [PR_OP_IS_DISTINCT] = "is distinct from", [PR_OP_IS_NOT_DISTINCT] = "is not distinct from",
    [PR_OP_BITAND] = "&", [PR_OP_BITOR] = "|", [PR_OP_SHL] = "<<", [PR_OP_SHR] = ">>",
    [PR_OP_OTHER] = NULL,
};

/* Classify a generic operator's spelling. */
static PrBinaryOp
classify_op(const char *s)
{
    if (!strcmp(s, "&")) return PR_OP_BITAND;
    if (!strcmp(s, "|")) return PR_OP_BITOR;
    if (!strcmp(s, "<<")) return PR_OP_SHL;
    if (!strcmp(s, ">>")) return PR_OP_SHR;
    return PR_OP_OTHER;
}

PrNode *
pr__binop(PrParse *p, PrToken t, PrBinaryOp op, PrNode *l, PrNode *r)
{
    PrBinaryExpr *n = PR_NEW(p, BinaryExpr, t.pos);
    if (!n) return NULL;
    if (op == PR_OP_OTHER) {
        char *s = k_strndup(p->arena, t.z, (size_t)t.n);
        if (!s) {
            pr__oom(p);
            return NULL;
        }
        n->opname = s;
        op = classify_op(s);
    } else {
        n->opname = binop_names[op];
    }
    n->op = op;
    n->left = l;
    n->right = r;
    pr__depth(p, &n->hdr, l, r, NULL);
    return (PrNode *)n;
}

static bool
is_unsigned_number(const PrNode *x)
{
    if (!PR_IS(Literal, x)) return false;
    const PrLiteral *l = (const PrLiteral *)x;
    return (l->kind == PR_LIT_INTEGER || l->kind == PR_LIT_NUMERIC) && l->text[0] != '-';
}

PrNode *
pr__unop(PrParse *p, PrToken t, PrUnaryOp op, PrNode *x)
{
    if (p->failed) return NULL;
    if (op == PR_UOP_MINUS && is_unsigned_number(x)) {
        /* fold the sign into the literal, as PostgreSQL's doNegate does */
        PrLiteral *l = (PrLiteral *)x;
        char *s = k_sprintf(p->arena, "-%s", l->text);
        if (!s) {
            pr__oom(p);
            return NULL;
        }
        l->text = s;
        l->len++;
        l->hdr.pos = t.pos;
        return x;
    }
    PrUnaryExpr *n = PR_NEW(p, UnaryExpr, t.pos);
    if (!n) return NULL;
    n->op = op;
    n->arg = x;
    n->opname = op == PR_UOP_NOT ? "not" : op == PR_UOP_MINUS ? "-" : "+";
    pr__depth(p, &n->hdr, x, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__unop_op(PrParse *p, PrToken t, PrNode *x)
{
    PrUnaryExpr *n = PR_NEW(p, UnaryExpr, t.pos);
    if (!n) return NULL;
    char *s = k_strndup(p->arena, t.z, (size_t)t.n);
    if (!s) {
        pr__oom(p);
        return NULL;
    }
    n->opname = s;
    n->op = strcmp(s, "~") == 0 ? PR_UOP_BITNOT : PR_UOP_OTHER;
    n->arg = x;
    pr__depth(p, &n->hdr, x, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__cast(PrParse *p, PrToken t, PrNode *x, PrTypeName *type, bool colon)
{
    PrCastExpr *n = PR_NEW(p, CastExpr, t.pos);
    if (!n) return NULL;
    n->arg = x;
    n->type = type;
    n->colon_syntax = colon;
    pr__depth(p, &n->hdr, x, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__is(PrParse *p, PrToken t, PrNode *x, PrIsTest test, bool neg)
{
    PrIsExpr *n = PR_NEW(p, IsExpr, t.pos);
    if (!n) return NULL;
    n->arg = x;
    n->test = test;
    n->negated = neg;
    pr__depth(p, &n->hdr, x, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__between(PrParse *p, PrToken t, PrNode *x, PrNode *lo, PrNode *hi, bool neg, bool sym)
{
    PrBetweenExpr *n = PR_NEW(p, BetweenExpr, t.pos);
    if (!n) return NULL;
    n->arg = x;
    n->low = lo;
    n->high = hi;
    n->negated = neg;
    n->symmetric = sym;
    pr__depth(p, &n->hdr, x, lo, hi);
    return (PrNode *)n;
}

PrNode *
pr__in_list(PrParse *p, PrToken t, PrNode *x, PrList *l, bool neg)
{
    PrInExpr *n = PR_NEW(p, InExpr, t.pos);
    if (!n) return NULL;
    n->arg = x;
    n->list = l;
    n->negated = neg;
    pr__depth_list(p, &n->hdr, l);
    pr__depth(p, &n->hdr, x, NULL, NULL);
    return (PrNode *)n;
}

static PrSubLink *
new_sublink(PrParse *p, int32_t pos, PrSubLinkKind k, PrNode *x, PrSelect *s)
{
    PrSubLink *n = PR_NEW(p, SubLink, pos);
    if (!n) return NULL;
    n->kind = k;
    n->testexpr = x;
    n->subquery = s;
    pr__depth(p, &n->hdr, x, s, NULL);
    return n;
}

PrNode *
pr__in_sub(PrParse *p, PrToken t, PrNode *x, PrSelect *s, bool neg)
{
    PrSubLink *n = new_sublink(p, t.pos, PR_SUBLINK_ANY, x, s);
    if (!n) return NULL;
    n->op = PR_OP_EQ;
    n->opname = "=";
    n->is_in = true;
    n->negated = neg;
    return (PrNode *)n;
}

PrNode *
pr__quantified(PrParse *p, PrToken op, PrSubLinkKind k, PrNode *x, PrSelect *s)
{
    PrSubLink *n = new_sublink(p, op.pos, k, x, s);
    if (!n) return NULL;
    static const struct {
        const char *s;
        PrBinaryOp op;
    } ops[] = {{"=", PR_OP_EQ}, {"<>", PR_OP_NE}, {"!=", PR_OP_NE}, {"<", PR_OP_LT},
               {"<=", PR_OP_LE}, {">", PR_OP_GT}, {">=", PR_OP_GE}};
    n->op = PR_OP_EQ;
    n->opname = "=";
    for (size_t i = 0; i < K_ARRAY_LEN(ops); i++) {
        if ((size_t)op.n == strlen(ops[i].s) && memcmp(op.z, ops[i].s, (size_t)op.n) == 0) {
            n->op = ops[i].op;
            n->opname = binop_names[ops[i].op];
        }
    }
    return (PrNode *)n;
}

PrNode *
pr__array_op(PrParse *p, PrToken op, PrSubLinkKind k, PrNode *x, PrNode *arr)
{
    /* reuse the quantified-comparison spelling table */
    PrSubLink *tmp = (PrSubLink *)pr__quantified(p, op, k, NULL, NULL);
    PrArrayOpExpr *n = PR_NEW(p, ArrayOpExpr, op.pos);
    if (!n || !tmp) return NULL;
    n->op = tmp->op;
    n->opname = tmp->opname;
    n->all = k == PR_SUBLINK_ALL;
    n->left = x;
    n->array = arr;
    pr__depth(p, &n->hdr, x, arr, NULL);
    return (PrNode *)n;
}

PrNode *
pr__sublink(PrParse *p, int32_t pos, PrSubLinkKind k, PrSelect *s)
{
    return (PrNode *)new_sublink(p, pos, k, NULL, s);
}

PrNode *
pr__like(PrParse *p, PrToken t, PrNode *x, PrNode *pat, PrNode *esc, bool neg, bool ilike)
{
    PrLikeExpr *n = PR_NEW(p, LikeExpr, t.pos);
    if (!n) return NULL;
    n->arg = x;
    n->pattern = pat;
    n->escape = esc;
    n->negated = neg;
    n->ilike = ilike;
    pr__depth(p, &n->hdr, x, pat, esc);
    return (PrNode *)n;
}

PrNode *
pr__row(PrParse *p, PrToken t, bool explicit_row, PrList *args)
{
    PrRowExpr *n = PR_NEW(p, RowExpr, t.pos);
    if (!n) return NULL;
    n->explicit_row = explicit_row;
    n->args = args;
    pr__depth_list(p, &n->hdr, args);
    return (PrNode *)n;
}

PrNode *
pr__default(PrParse *p, PrToken t)
{
    return (PrNode *)PR_NEW(p, DefaultExpr, t.pos);
}

static PrNode *
make_colref(PrParse *p, PrToken first, PrList *rest, bool star)
{
    PrColumnRef *n = PR_NEW(p, ColumnRef, first.pos);
    if (!n) return NULL;
    n->star = star;
    if (star && !rest) return (PrNode *)n; /* bare * */
    int32_t total = 1 + pr_list_len(rest);
    if (total > 4) {
        pr__fail(p, K_SYNTAX_ERROR, first.pos, "improper qualified name (too many dotted names)");
        return NULL;
    }
    n->fields[0] = pr__ident(p, first);
    for (int32_t i = 0; i < pr_list_len(rest); i++) n->fields[i + 1] = ((PrIdent *)rest->items[i])->name;
    n->nfields = total;
    return (PrNode *)n;
}

PrNode *
pr__colref(PrParse *p, PrToken first, PrList *rest)
{
    return make_colref(p, first, rest, false);
}

PrNode *
pr__colref_star(PrParse *p, PrToken first, PrList *rest)
{
    return make_colref(p, first, rest, true);
}

PrNode *
pr__case(PrParse *p, PrToken t, PrNode *arg, PrList *whens, PrNode *els)
{
    PrCaseExpr *n = PR_NEW(p, CaseExpr, t.pos);
    if (!n) return NULL;
    n->arg = arg;
    n->whens = whens;
    n->else_expr = els;
    pr__depth_list(p, &n->hdr, whens);
    pr__depth(p, &n->hdr, arg, els, NULL);
    return (PrNode *)n;
}

PrNode *
pr__when(PrParse *p, PrToken t, PrNode *cond, PrNode *result)
{
    PrCaseWhen *n = PR_NEW(p, CaseWhen, t.pos);
    if (!n) return NULL;
    n->cond = cond;
    n->result = result;
    pr__depth(p, &n->hdr, cond, result, NULL);
    return (PrNode *)n;
}

/* ---- function calls ---- */
static PrFuncCall *
new_func(PrParse *p, int32_t pos, const char *schema, const char *name, PrList *args)
{
    PrFuncCall *f = PR_NEW(p, FuncCall, pos);
    if (!f) return NULL;
    f->schema = schema;
    f->name = name;
    f->args = args;
    pr__depth_list(p, &f->hdr, args);
    return f;
}

PrFuncCall *
pr__func(PrParse *p, PrList *name, PrList *args, bool distinct, bool star, PrList *order)
{
    if (p->failed || !name) return NULL;
    PrIdent *last = (PrIdent *)name->items[name->n - 1];
    const char *schema = name->n > 1 ? ((PrIdent *)name->items[0])->name : NULL;
    PrFuncCall *f = new_func(p, ((PrIdent *)name->items[0])->hdr.pos, schema, last->name, args);
    if (!f) return NULL;
    f->distinct = distinct;
    f->star = star;
    f->agg_order = order;
    pr__depth_list(p, &f->hdr, order);
    return f;
}

PrNode *
pr__func_tail(PrParse *p, PrFuncCall *f, PrNode *filter, PrWindowDef *over)
{
    if (!f) return NULL;
    f->filter = filter;
    f->over = over;
    pr__depth(p, &f->hdr, filter, over, NULL);
    return (PrNode *)f;
}

PrNode *
pr__func_kw(PrParse *p, PrToken t, PrList *args)
{
    return (PrNode *)new_func(p, t.pos, NULL, pr__ident(p, t), args);
}

PrNode *
pr__extract(PrParse *p, PrToken t, PrToken field, PrNode *e)
{
    PrExtractExpr *n = PR_NEW(p, ExtractExpr, t.pos);
    if (!n) return NULL;
    const char *f;
    if (is_string_token(field)) {
        /* a string field name: extract('year' from x); folded like a word */
        uint32_t len;
        const char *sv = pr__str(p, field, &len);
        char *lower = sv ? k_strndup(p->arena, sv, len) : NULL;
        if (!lower) {
            pr__oom(p);
            return NULL;
        }
        for (char *c = lower; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
        f = lower;
    } else {
        f = pr__ident(p, field);
    }
    if (!f) return NULL;
    static const struct {
        const char *name;
        PrExtractField kind;
    } fields[] = {{"year", PR_EXTRACT_YEAR},     {"month", PR_EXTRACT_MONTH},   {"day", PR_EXTRACT_DAY},
                  {"hour", PR_EXTRACT_HOUR},     {"minute", PR_EXTRACT_MINUTE}, {"second", PR_EXTRACT_SECOND}};
    n->kind = PR_EXTRACT_OTHER;
    for (size_t i = 0; i < K_ARRAY_LEN(fields); i++)
        if (!strcmp(f, fields[i].name)) n->kind = fields[i].kind;
    n->field = f;
    n->arg = e;
    pr__depth(p, &n->hdr, e, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__special(PrParse *p, PrToken t, PrFuncSyntax syn, PrNode *a, PrNode *b, PrNode *c, PrNode *d)
{
    PrList *args = pr__list1(p, a);
    if (b) args = pr__append(p, args, b);
    if (c) args = pr__append(p, args, c);
    if (d) args = pr__append(p, args, d);
    const char *name = syn == PR_FUNC_SUBSTRING ? "substring" : syn == PR_FUNC_POSITION ? "position" : "overlay";
    PrFuncCall *f = new_func(p, t.pos, NULL, name, args);
    if (f) f->syntax = syn;
    return (PrNode *)f;
}

PrNode *
pr__trim(PrParse *p, PrToken t, int where, PrNode *x, PrNode *chars)
{
    PrList *args = pr__list1(p, x);
    if (chars) args = pr__append(p, args, chars);
    const char *name = where == 1 ? "ltrim" : where == 2 ? "rtrim" : "btrim";
    PrFuncCall *f = new_func(p, t.pos, NULL, name, args);
    if (f) f->syntax = PR_FUNC_TRIM;
    return (PrNode *)f;
}

PrNode *
pr__sqlvalue(PrParse *p, PrToken t)
{
    PrFuncCall *f = new_func(p, t.pos, NULL, pr__ident(p, t), NULL);
    if (f) f->syntax = PR_FUNC_SQLVALUE;
    return (PrNode *)f;
}

PrNode *
pr__at_time_zone(PrParse *p, PrToken t, PrNode *x, PrNode *zone)
{
    PrList *args = pr__append(p, pr__list1(p, zone), x);
    PrFuncCall *f = new_func(p, t.pos, NULL, "timezone", args);
    if (f) f->syntax = PR_FUNC_AT_TIME_ZONE;
    return (PrNode *)f;
}

PrNode *
pr__collate(PrParse *p, PrNode *x)
{
    (void)p;
    return x;
}

PrNode *
pr__binop_named(PrParse *p, PrToken op, PrNode *l, PrNode *r)
{
    static const struct {
        const char *s;
        PrBinaryOp op;
    } ops[] = {{"+", PR_OP_ADD}, {"-", PR_OP_SUB}, {"*", PR_OP_MUL}, {"/", PR_OP_DIV}, {"%", PR_OP_MOD},
               {"^", PR_OP_POW}, {"||", PR_OP_CONCAT}, {"=", PR_OP_EQ}, {"<>", PR_OP_NE}, {"!=", PR_OP_NE},
               {"<", PR_OP_LT}, {"<=", PR_OP_LE}, {">", PR_OP_GT}, {">=", PR_OP_GE}};
    for (size_t i = 0; i < K_ARRAY_LEN(ops); i++)
        if ((size_t)op.n == strlen(ops[i].s) && memcmp(op.z, ops[i].s, (size_t)op.n) == 0)
            return pr__binop(p, op, ops[i].op, l, r);
    return pr__binop(p, op, PR_OP_OTHER, l, r);
}

PrNode *
pr__subscript(PrParse *p, PrToken t, PrNode *x, PrNode *index)
{
    PrSubscript *n = PR_NEW(p, Subscript, t.pos);
    if (!n) return NULL;
    n->arg = x;
    n->index = index;
    pr__depth(p, &n->hdr, x, index, NULL);
    return (PrNode *)n;
}

PrNode *
pr__array(PrParse *p, PrToken t, PrList *elements)
{
    PrArrayExpr *n = PR_NEW(p, ArrayExpr, t.pos);
    if (!n) return NULL;
    n->elements = elements;
    pr__depth_list(p, &n->hdr, elements);
    return (PrNode *)n;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */
/* ------------------------------------------------------------------ */
static void
apply_typmods(PrParse *p, PrTypeName *n, const PrTypmods *m)
{
    if (!m) return;
    n->nmods = m->n;
    for (int32_t i = 0; i < m->n; i++) n->mods[i] = m->mods[i];
}

PrTypmods
pr__typmods(PrParse *p, PrToken x, const PrToken *y)
{
    PrTypmods m;
    memset(&m, 0, sizeof m);
    m.n = y ? 2 : 1;
    m.mods[0] = pr__int(p, x);
    if (y) m.mods[1] = pr__int(p, *y);
    return m;
}

PrTypeName *
pr__typename(PrParse *p, PrToken name, const PrToken *schema, const PrTypmods *m)
{
    PrTypeName *n = PR_NEW(p, TypeName, schema ? schema->pos : name.pos);
    if (!n) return NULL;
    n->name = pr__ident(p, name);
    if (schema) n->schema = pr__ident(p, *schema);
    apply_typmods(p, n, m);
    return n;
}

PrTypeName *
pr__typename_std(PrParse *p, PrToken t, const char *name, const PrTypmods *m)
{
    PrTypeName *n = PR_NEW(p, TypeName, t.pos);
    if (!n) return NULL;
    n->name = name;
    apply_typmods(p, n, m);
    return n;
}

PrTypeName *
pr__typename_interval(PrParse *p, PrToken t, PrIntervalFields f)
{
    PrTypeName *n = PR_NEW(p, TypeName, t.pos);
    if (!n) return NULL;
    n->name = "interval";
    n->interval_fields = f;
    return n;
}

PrTypeName *
pr__type_array(PrParse *p, PrTypeName *t)
{
    if (t) t->array_dims++;
    return t;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */
PrSelect *
pr__select(PrParse *p, PrToken t, const PrDistinctOpt *d, PrList *targets, PrList *from, PrNode *where,
           const PrGroupClause *g, PrNode *having, PrList *windows)
{
    PrSelect *s = PR_NEW(p, Select, t.pos);
    if (!s) return NULL;
    s->kind = PR_SELECT_SIMPLE;
    s->distinct = d->distinct;
    s->distinct_on = d->on;
    s->targets = targets;
    s->from = from;
    s->where = where;
    PrList *group = g->list;
    s->group_by = group;
    s->group_distinct = g->distinct;
    s->having = having;
    s->windows = windows;
    pr__depth_list(p, &s->hdr, d->on);
    pr__depth_list(p, &s->hdr, targets);
    pr__depth_list(p, &s->hdr, from);
    pr__depth_list(p, &s->hdr, group);
    pr__depth_list(p, &s->hdr, windows);
    pr__depth(p, &s->hdr, where, having, NULL);
    return s;
}

PrSelect *
pr__select_tail(PrParse *p, PrWithClause *w, PrSelect *s, PrList *order, const PrLimitOpt *l)
{
    if (p->failed || !s) return NULL;
    if (order) {
        if (s->order_by) {
            pr__fail(p, K_SYNTAX_ERROR, order->items[0]->pos, "multiple ORDER BY clauses not allowed");
            return NULL;
        }
        s->order_by = order;
        pr__depth_list(p, &s->hdr, order);
    }
    if (l) {
        if ((l->limit || l->fetch) && s->limit) {
            pr__fail(p, K_SYNTAX_ERROR, l->limit ? l->limit->pos : s->hdr.pos, "multiple LIMIT clauses not allowed");
            return NULL;
        }
        if (l->offset && s->offset) {
            pr__fail(p, K_SYNTAX_ERROR, l->offset->pos, "multiple OFFSET clauses not allowed");
            return NULL;
        }
        if (l->limit) s->limit = l->limit;
        if (l->offset) s->offset = l->offset;
        if (l->fetch) s->fetch_syntax = true;
        if (l->with_ties) s->fetch_with_ties = true;
        pr__depth(p, &s->hdr, l->limit, l->offset, NULL);
    }
    if (w) {
        if (s->with) {
            pr__fail(p, K_SYNTAX_ERROR, w->hdr.pos, "multiple WITH clauses not allowed");
            return NULL;
        }
        s->with = w;
        s->hdr.pos = w->hdr.pos;
        pr__depth(p, &s->hdr, w, NULL, NULL);
    }
    return s;
}

PrSelect *
pr__setop(PrParse *p, PrToken t, PrSetOp op, int all, PrSelect *l, PrSelect *r)
{
    PrSelect *s = PR_NEW(p, Select, l ? l->hdr.pos : t.pos);
    if (!s) return NULL;
    s->kind = PR_SELECT_SETOP;
    s->op = op;
    s->all = all != 0;
    s->larg = l;
    s->rarg = r;
    pr__depth(p, &s->hdr, l, r, NULL);
    return s;
}

PrSelect *
pr__values(PrParse *p, PrToken t, PrSelect *v, PrList *row)
{
    if (p->failed) return NULL;
    if (!v) {
        v = PR_NEW(p, Select, t.pos);
        if (!v) return NULL;
        v->kind = PR_SELECT_VALUES;
    }
    PrNode *r = pr__row(p, t, false, row);
    v->values = pr__append(p, v->values, r);
    pr__depth(p, &v->hdr, r, NULL, NULL);
    return v;
}

PrNode *
pr__target(PrParse *p, PrNode *e, const PrToken *name)
{
    PrResTarget *n = PR_NEW(p, ResTarget, e ? e->pos : -1);
    if (!n) return NULL;
    n->expr = e;
    if (name) n->name = pr__ident(p, *name);
    pr__depth(p, &n->hdr, e, NULL, NULL);
    return (PrNode *)n;
}

PrWithClause *
pr__with(PrParse *p, PrToken t, bool recursive, PrList *ctes)
{
    PrWithClause *n = PR_NEW(p, WithClause, t.pos);
    if (!n) return NULL;
    n->recursive = recursive;
    n->ctes = ctes;
    pr__depth_list(p, &n->hdr, ctes);
    return n;
}

PrNode *
pr__cte(PrParse *p, PrToken name, PrList *cols, int mat, PrNode *q)
{
    PrCommonTable *n = PR_NEW(p, CommonTable, name.pos);
    if (!n) return NULL;
    n->name = pr__ident(p, name);
    n->colnames = cols;
    n->materialize = (PrCteMaterialize)mat;
    n->query = q;
    pr__depth(p, &n->hdr, q, NULL, NULL);
    return (PrNode *)n;
}

PrAlias *
pr__alias(PrParse *p, PrToken name, PrList *cols)
{
    PrAlias *n = PR_NEW(p, Alias, name.pos);
    if (!n) return NULL;
    n->name = pr__ident(p, name);
    n->colnames = cols;
    return n;
}

PrNode *
pr__table_alias(PrParse *p, PrNode *ref, PrAlias *alias)
{
    if (!ref || !alias) return ref;
    if (PR_IS(RangeVar, ref)) ((PrRangeVar *)ref)->alias = alias;
    else if (PR_IS(JoinExpr, ref)) ((PrJoinExpr *)ref)->alias = alias;
    return ref;
}

PrNode *
pr__range_subselect(PrParse *p, bool lateral, PrSelect *s, PrAlias *a)
{
    PrRangeSubselect *n = PR_NEW(p, RangeSubselect, s ? s->hdr.pos : -1);
    if (!n) return NULL;
    n->lateral = lateral;
    n->subquery = s;
    n->alias = a;
    pr__depth(p, &n->hdr, s, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__range_function(PrParse *p, bool lateral, PrFuncCall *f, PrAlias *a)
{
    PrRangeFunction *n = PR_NEW(p, RangeFunction, f ? f->hdr.pos : -1);
    if (!n) return NULL;
    n->lateral = lateral;
    n->func = f;
    n->alias = a;
    pr__depth(p, &n->hdr, f, NULL, NULL);
    return (PrNode *)n;
}

PrRangeVar *
pr__rangevar(PrParse *p, const PrToken *cat, const PrToken *schema, const PrToken *name)
{
    PrRangeVar *n = PR_NEW(p, RangeVar, cat ? cat->pos : schema ? schema->pos : name->pos);
    if (!n) return NULL;
    if (cat) n->catalog = pr__ident(p, *cat);
    if (schema) n->schema = pr__ident(p, *schema);
    n->name = pr__ident(p, *name);
    return n;
}

PrRangeVar *
pr__rangevar_only(PrParse *p, PrRangeVar *r)
{
    if (r) r->only = true;
    return r;
}

PrRangeVar *
pr__rangevar_alias(PrParse *p, PrRangeVar *r, PrAlias *a)
{
    if (r) r->alias = a;
    return r;
}

PrNode *
pr__join(PrParse *p, PrJoinType type, bool natural, PrNode *l, PrNode *r, PrNode *qual)
{
    PrJoinExpr *n = PR_NEW(p, JoinExpr, l ? l->pos : -1);
    if (!n) return NULL;
    n->type = type;
    n->natural = natural;
    n->left = l;
    n->right = r;
    if (PR_IS(JoinExpr, qual)) {
        n->using_cols = ((PrJoinExpr *)qual)->using_cols; /* the USING shell */
    } else {
        n->quals = qual;
    }
    pr__depth(p, &n->hdr, l, r, n->quals);
    return (PrNode *)n;
}

PrNode *
pr__join_using(PrParse *p, PrToken t, PrList *cols)
{
    PrJoinExpr *n = PR_NEW(p, JoinExpr, t.pos);
    if (n) n->using_cols = cols;
    return (PrNode *)n;
}

PrNode *
pr__grouping(PrParse *p, PrToken t, PrGroupingKind k, PrList *l)
{
    PrGroupingSet *n = PR_NEW(p, GroupingSet, t.pos);
    if (!n) return NULL;
    n->kind = k;
    n->content = l;
    pr__depth_list(p, &n->hdr, l);
    return (PrNode *)n;
}

PrNode *
pr__window_name(PrParse *p, PrToken name, PrWindowDef *w)
{
    if (!w) return NULL;
    w->name = pr__ident(p, name);
    w->hdr.pos = name.pos;
    return (PrNode *)w;
}

PrWindowDef *
pr__window(PrParse *p, PrToken lp, const PrToken *ref, PrList *part, PrList *order, const PrFrameOpt *f)
{
    PrWindowDef *n = PR_NEW(p, WindowDef, lp.pos);
    if (!n) return NULL;
    if (ref) n->refname = pr__ident(p, *ref);
    n->partition_by = part;
    n->order_by = order;
    n->frame_mode = f->mode;
    n->frame_start = f->start;
    n->frame_end = f->end;
    n->exclude = f->exclude;
    pr__depth_list(p, &n->hdr, part);
    pr__depth_list(p, &n->hdr, order);
    pr__depth(p, &n->hdr, f->start, f->end, NULL);
    return n;
}

PrWindowDef *
pr__window_ref(PrParse *p, PrToken name)
{
    PrWindowDef *n = PR_NEW(p, WindowDef, name.pos);
    if (n) n->refname = pr__ident(p, name);
    return n;
}

PrFrameBound *
pr__bound(PrParse *p, PrToken t, PrFrameBoundKind k, PrNode *e)
{
    PrFrameBound *n = PR_NEW(p, FrameBound, e ? e->pos : t.pos);
    if (!n) return NULL;
    n->kind = k;
    n->offset = e;
    pr__depth(p, &n->hdr, e, NULL, NULL);
    return n;
}

PrNode *
pr__sortby(PrParse *p, PrNode *e, PrSortDir d, PrNullsOrder nulls)
{
    PrSortBy *n = PR_NEW(p, SortBy, e ? e->pos : -1);
    if (!n) return NULL;
    n->expr = e;
    n->dir = d;
    n->nulls = nulls;
    pr__depth(p, &n->hdr, e, NULL, NULL);
    return (PrNode *)n;
}

PrLimitOpt
pr__fetch_opt(PrParse *p, PrToken t, PrNode *e, bool ties)
{
    if (!e) e = pr__lit_one(p, t); /* FETCH FIRST ROW ONLY means one row */
    return pr__limit_opt(e, NULL, true, ties);
}

/* ------------------------------------------------------------------ */
/* DML                                                                 */
/* ------------------------------------------------------------------ */
PrNode *
pr__insert(PrParse *p, PrToken t, PrWithClause *w, PrRangeVar *r, PrList *cols, PrSelect *src, PrList *ret)
{
    PrInsert *n = PR_NEW(p, Insert, w ? w->hdr.pos : t.pos);
    if (!n) return NULL;
    n->with = w;
    n->table = r;
    n->columns = cols;
    n->source = src;
    n->returning = ret;
    pr__depth(p, &n->hdr, w, src, NULL);
    pr__depth_list(p, &n->hdr, ret);
    return (PrNode *)n;
}

PrNode *
pr__update(PrParse *p, PrToken t, PrWithClause *w, PrRangeVar *r, PrList *set, PrList *from, PrNode *where,
           PrList *ret)
{
    PrUpdate *n = PR_NEW(p, Update, w ? w->hdr.pos : t.pos);
    if (!n) return NULL;
    n->with = w;
    n->table = r;
    n->set = set;
    n->from = from;
    n->where = where;
    n->returning = ret;
    pr__depth(p, &n->hdr, w, where, NULL);
    pr__depth_list(p, &n->hdr, set);
    pr__depth_list(p, &n->hdr, from);
    pr__depth_list(p, &n->hdr, ret);
    return (PrNode *)n;
}

PrNode *
pr__set_clause(PrParse *p, PrToken name, PrNode *e)
{
    PrSetClause *n = PR_NEW(p, SetClause, name.pos);
    if (!n) return NULL;
    n->column = pr__ident(p, name);
    n->value = e;
    pr__depth(p, &n->hdr, e, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__delete(PrParse *p, PrToken t, PrWithClause *w, PrRangeVar *r, PrList *using_, PrNode *where, PrList *ret)
{
    PrDelete *n = PR_NEW(p, Delete, w ? w->hdr.pos : t.pos);
    if (!n) return NULL;
    n->with = w;
    n->table = r;
    n->using_tables = using_;
    n->where = where;
    n->returning = ret;
    pr__depth(p, &n->hdr, w, where, NULL);
    pr__depth_list(p, &n->hdr, using_);
    pr__depth_list(p, &n->hdr, ret);
    return (PrNode *)n;
}

PrNode *
pr__truncate(PrParse *p, PrToken t, PrList *tables, bool restart, bool cascade)
{
    PrTruncate *n = PR_NEW(p, Truncate, t.pos);
    if (!n) return NULL;
    n->tables = tables;
    n->restart_identity = restart;
    n->cascade = cascade;
    return (PrNode *)n;
}

/* ------------------------------------------------------------------ */
/* DDL                                                                 */
/* ------------------------------------------------------------------ */
PrNode *
pr__create_table(PrParse *p, PrToken t, int temp, bool ifne, PrRangeVar *name, PrList *elems, PrRangeVar *parent,
                 PrPartitionBound *b, PrPartitionSpec *ps, PrList *with, const PrDistOpt *d)
{
    PrCreateTable *n = PR_NEW(p, CreateTable, t.pos);
    if (!n) return NULL;
    n->table = name;
    n->if_not_exists = ifne;
    n->temporary = temp == 1;
    n->unlogged = temp == 2;
    for (int32_t i = 0; i < pr_list_len(elems); i++) {
        PrNode *e = elems->items[i];
        if (PR_IS(ColumnDef, e)) n->columns = pr__append(p, n->columns, e);
        else n->constraints = pr__append(p, n->constraints, e);
    }
    n->partition_of = parent;
    n->bound = b;
    n->partition_by = ps;
    n->with_options = with;
    n->dist = d->kind;
    n->dist_keys = d->keys;
    pr__depth_list(p, &n->hdr, elems);
    pr__depth(p, &n->hdr, b, ps, NULL);
    return (PrNode *)n;
}

PrNode *
pr__create_table_as(PrParse *p, PrToken t, int temp, bool ifne, PrRangeVar *name, PrList *cols, PrSelect *q,
                    int with_data, const PrDistOpt *d)
{
    PrCreateTableAs *n = PR_NEW(p, CreateTableAs, t.pos);
    if (!n) return NULL;
    n->table = name;
    n->temporary = temp == 1;
    n->if_not_exists = ifne;
    n->colnames = cols;
    n->query = q;
    n->with_no_data = with_data == 2;
    n->dist = d->kind;
    n->dist_keys = d->keys;
    pr__depth(p, &n->hdr, q, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__create_view(PrParse *p, PrToken t, bool or_replace, bool mat, bool ifne, PrRangeVar *name, PrList *cols,
                PrSelect *q, int with_data)
{
    PrCreateView *n = PR_NEW(p, CreateView, t.pos);
    if (!n) return NULL;
    n->view = name;
    n->or_replace = or_replace;
    n->materialized = mat;
    n->if_not_exists = ifne;
    n->colnames = cols;
    n->query = q;
    n->with_no_data = with_data == 2;
    pr__depth(p, &n->hdr, q, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__refresh(PrParse *p, PrToken t, bool conc, PrRangeVar *name, int with_data)
{
    PrRefreshMatView *n = PR_NEW(p, RefreshMatView, t.pos);
    if (!n) return NULL;
    n->view = name;
    n->concurrently = conc;
    n->with_no_data = with_data == 2;
    return (PrNode *)n;
}

PrNode *
pr__create_index(PrParse *p, PrToken t, bool unique, bool ifne, PrToken name, PrRangeVar *table, PrList *keys)
{
    PrCreateIndex *n = PR_NEW(p, CreateIndex, t.pos);
    if (!n) return NULL;
    if (name.z) n->name = pr__ident(p, name);
    n->unique = unique;
    n->if_not_exists = ifne;
    n->table = table;
    n->keys = keys;
    pr__depth_list(p, &n->hdr, keys);
    return (PrNode *)n;
}

PrNode *
pr__create_schema(PrParse *p, PrToken t, bool ifne, PrToken name)
{
    PrCreateSchema *n = PR_NEW(p, CreateSchema, t.pos);
    if (!n) return NULL;
    n->if_not_exists = ifne;
    n->name = pr__ident(p, name);
    return (PrNode *)n;
}

PrNode *
pr__coldef(PrParse *p, PrToken name, PrTypeName *type, PrList *constraints)
{
    PrColumnDef *n = PR_NEW(p, ColumnDef, name.pos);
    if (!n) return NULL;
    n->name = pr__ident(p, name);
    n->type = type;
    n->constraints = constraints;
    pr__depth_list(p, &n->hdr, constraints);
    return (PrNode *)n;
}

PrNode *
pr__constraint_name(PrParse *p, PrToken name, PrNode *c)
{
    if (!c) return NULL;
    ((PrConstraint *)c)->name = pr__ident(p, name);
    return c;
}

PrNode *
pr__constraint(PrParse *p, PrToken t, PrConstrKind k, PrNode *expr, PrList *keys, PrRangeVar *ref,
               PrList *refcols)
{
    PrConstraint *n = PR_NEW(p, Constraint, t.pos);
    if (!n) return NULL;
    n->kind = k;
    n->expr = expr;
    n->keys = keys;
    n->ref_table = ref;
    n->ref_cols = refcols;
    pr__depth(p, &n->hdr, expr, NULL, NULL);
    return (PrNode *)n;
}

PrPartitionSpec *
pr__partition_spec(PrParse *p, PrToken strategy, PrList *keys)
{
    PrPartitionSpec *n = PR_NEW(p, PartitionSpec, strategy.pos);
    if (!n) return NULL;
    const char *s = pr__ident(p, strategy);
    if (!s) return NULL;
    if (!strcmp(s, "range")) n->strategy = PR_PART_RANGE;
    else if (!strcmp(s, "list")) n->strategy = PR_PART_LIST;
    else if (!strcmp(s, "hash")) n->strategy = PR_PART_HASH;
    else {
        pr__fail(p, K_INVALID_OBJECT_DEFINITION, strategy.pos, "unrecognized partitioning strategy \"%s\"", s);
        return NULL;
    }
    n->keys = keys;
    pr__depth_list(p, &n->hdr, keys);
    return n;
}

PrPartitionBound *
pr__bound_range(PrParse *p, PrToken t, PrList *from, PrList *to)
{
    PrPartitionBound *n = PR_NEW(p, PartitionBound, t.pos);
    if (!n) return NULL;
    n->from = from;
    n->to = to;
    pr__depth_list(p, &n->hdr, from);
    pr__depth_list(p, &n->hdr, to);
    return n;
}

PrPartitionBound *
pr__bound_in(PrParse *p, PrToken t, PrList *l)
{
    PrPartitionBound *n = PR_NEW(p, PartitionBound, t.pos);
    if (!n) return NULL;
    n->in_list = l;
    pr__depth_list(p, &n->hdr, l);
    return n;
}

PrPartitionBound *
pr__bound_default(PrParse *p, PrToken t)
{
    PrPartitionBound *n = PR_NEW(p, PartitionBound, t.pos);
    if (n) n->is_default = true;
    return n;
}

PrNode *
pr__defelem(PrParse *p, PrToken name, PrNode *value)
{
    PrDefElem *n = PR_NEW(p, DefElem, name.pos);
    if (!n) return NULL;
    n->name = pr__ident(p, name);
    n->value = value;
    return (PrNode *)n;
}

PrNode *
pr__drop(PrParse *p, PrToken t, PrObjKind k, bool ife, PrList *names, bool cascade)
{
    PrDrop *n = PR_NEW(p, Drop, t.pos);
    if (!n) return NULL;
    n->kind = k;
    n->if_exists = ife;
    n->names = names;
    n->cascade = cascade;
    return (PrNode *)n;
}

PrNode *
pr__alter_table(PrParse *p, PrToken t, bool ife, PrRangeVar *r, PrList *cmds)
{
    PrAlterTable *n = PR_NEW(p, AlterTable, t.pos);
    if (!n) return NULL;
    n->if_exists = ife;
    n->table = r;
    n->cmds = cmds;
    pr__depth_list(p, &n->hdr, cmds);
    return (PrNode *)n;
}

PrNode *
pr__alter_part(PrParse *p, PrToken t, PrAlterKind k, PrRangeVar *part, PrPartitionBound *b)
{
    PrAlterCmd *n = PR_NEW(p, AlterCmd, t.pos);
    if (!n) return NULL;
    n->kind = k;
    n->partition = part;
    n->bound = b;
    pr__depth(p, &n->hdr, b, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__alter_add(PrParse *p, PrToken t, bool ifne, PrNode *elem)
{
    PrAlterCmd *n = PR_NEW(p, AlterCmd, t.pos);
    if (!n) return NULL;
    n->if_not_exists = ifne;
    if (PR_IS(ColumnDef, elem)) {
        n->kind = PR_ALTER_ADD_COLUMN;
        n->column = (PrColumnDef *)elem;
    } else {
        n->kind = PR_ALTER_ADD_CONSTRAINT;
        n->constraint = (PrConstraint *)elem;
    }
    pr__depth(p, &n->hdr, elem, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__alter_name(PrParse *p, PrToken t, PrAlterKind k, const PrToken *name, const PrToken *newname, bool ife,
               bool cascade)
{
    PrAlterCmd *n = PR_NEW(p, AlterCmd, t.pos);
    if (!n) return NULL;
    n->kind = k;
    if (name) n->name = pr__ident(p, *name);
    if (newname) n->newname = pr__ident(p, *newname);
    n->if_exists = ife;
    n->cascade = cascade;
    return (PrNode *)n;
}

PrNode *
pr__alter_type(PrParse *p, PrToken t, PrToken name, PrTypeName *type)
{
    PrAlterCmd *n = PR_NEW(p, AlterCmd, t.pos);
    if (!n) return NULL;
    n->kind = PR_ALTER_ALTER_COLUMN_TYPE;
    n->name = pr__ident(p, name);
    PrColumnDef *c = PR_NEW(p, ColumnDef, name.pos);
    if (!c) return NULL;
    c->name = n->name;
    c->type = type;
    n->column = c;
    return (PrNode *)n;
}

/* ------------------------------------------------------------------ */
/* COPY, ANALYZE, EXPLAIN, utility                                     */
/* ------------------------------------------------------------------ */
PrNode *
pr__copy(PrParse *p, PrToken t, PrRangeVar *r, PrList *cols, PrSelect *q, bool from, PrToken target,
         PrList *opts, PrNode *where)
{
    PrCopy *n = PR_NEW(p, Copy, t.pos);
    if (!n) return NULL;
    n->table = r;
    n->columns = cols;
    n->query = q;
    n->is_from = from;
    if (is_string_token(target)) {
        n->filename = pr__str(p, target, NULL);
        if (!n->filename) return NULL;
    } else {
        const char *w = pr__ident(p, target);
        if (!w) return NULL;
        if (strcmp(w, from ? "stdin" : "stdout") != 0) {
            pr__fail(p, K_SYNTAX_ERROR, target.pos, "syntax error at or near \"%.*s\"", target.n, target.z);
            return NULL;
        }
        n->is_stdio = true;
    }
    n->options = opts;
    n->where = where;
    pr__depth(p, &n->hdr, q, where, NULL);
    return (PrNode *)n;
}

PrNode *
pr__copy_legacy(PrParse *p, PrToken t, const PrToken *s)
{
    const char *w = pr__ident(p, t);
    if (!w) return NULL;
    PrDefElem *n = PR_NEW(p, DefElem, t.pos);
    if (!n) return NULL;
    if (!strcmp(w, "csv") || !strcmp(w, "binary")) {
        n->name = "format";
        n->value = (PrNode *)new_lit(p, t.pos, PR_LIT_STRING, w, (uint32_t)strlen(w));
    } else {
        n->name = w;
        if (s) n->value = pr__lit(p, *s, PR_LIT_STRING);
    }
    return (PrNode *)n;
}

PrNode *
pr__analyze(PrParse *p, PrToken t, bool verbose, PrList *tables)
{
    PrAnalyze *n = PR_NEW(p, Analyze, t.pos);
    if (!n) return NULL;
    n->verbose = verbose;
    n->tables = tables;
    return (PrNode *)n;
}

PrNode *
pr__explain(PrParse *p, PrToken t, PrList *opts, PrNode *stmt)
{
    PrExplain *n = PR_NEW(p, Explain, t.pos);
    if (!n) return NULL;
    n->options = opts;
    n->stmt = stmt;
    pr__depth(p, &n->hdr, stmt, NULL, NULL);
    return (PrNode *)n;
}

PrList *
pr__explain_opts(PrParse *p, const PrToken *analyze, bool verbose)
{
    PrList *l = pr__list1(p, pr__defelem(p, *analyze, NULL));
    if (verbose) l = pr__append(p, l, pr__defelem(p, pr__str_token("verbose"), NULL));
    return l;
}

PrNode *
pr__set(PrParse *p, PrToken t, bool local, const char *name, PrList *values)
{
    PrSet *n = PR_NEW(p, Set, t.pos);
    if (!n) return NULL;
    n->is_local = local;
    n->name = name;
    n->values = values;
    return (PrNode *)n;
}

PrNode *
pr__set_txn(PrParse *p, PrToken t, bool session, PrNode *mode)
{
    if (p->failed || !mode) return NULL;
    PrDefElem *d = (PrDefElem *)mode;
    PrLiteral *v = (PrLiteral *)d->value;
    PrSet *n = PR_NEW(p, Set, t.pos);
    if (!n) return NULL;
    const char *base = !strcmp(d->name, "isolation") ? "transaction_isolation"
                       : !strcmp(d->name, "read_only") ? "transaction_read_only"
                                                       : "transaction_deferrable";
    n->name = session ? k_sprintf(p->arena, "default_%s", base) : base;
    if (!n->name) {
        pr__oom(p);
        return NULL;
    }
    if (strcmp(d->name, "isolation") != 0) { /* booleans as PostgreSQL shows them */
        const char *on = !strcmp(v->text, "true") ? "on" : "off";
        v->text = on;
        v->len = (uint32_t)strlen(on);
    }
    n->values = pr__list1(p, v);
    return (PrNode *)n;
}

PrNode *
pr__show(PrParse *p, PrToken t, const char *name)
{
    PrShow *n = PR_NEW(p, Show, t.pos);
    if (n) n->name = name;
    return (PrNode *)n;
}

PrNode *
pr__reset(PrParse *p, PrToken t, const char *name)
{
    PrReset *n = PR_NEW(p, Reset, t.pos);
    if (n) n->name = name;
    return (PrNode *)n;
}

PrNode *
pr__txn(PrParse *p, PrToken t, PrTxnKind k, const PrToken *name, PrList *opts, bool start)
{
    PrTransaction *n = PR_NEW(p, Transaction, t.pos);
    if (!n) return NULL;
    n->kind = k;
    if (name) n->savepoint = pr__ident(p, *name);
    n->options = opts;
    n->start_syntax = start;
    return (PrNode *)n;
}

PrNode *
pr__txn_mode(PrParse *p, PrToken t, const char *name, const char *value)
{
    PrDefElem *n = PR_NEW(p, DefElem, t.pos);
    if (!n) return NULL;
    n->name = name;
    n->value = (PrNode *)new_lit(p, t.pos, PR_LIT_STRING, value, (uint32_t)strlen(value));
    return (PrNode *)n;
}

PrNode *
pr__prepare(PrParse *p, PrToken t, PrToken name, PrList *types, PrNode *stmt)
{
    PrPrepare *n = PR_NEW(p, Prepare, t.pos);
    if (!n) return NULL;
    n->name = pr__ident(p, name);
    n->argtypes = types;
    n->stmt = stmt;
    pr__depth(p, &n->hdr, stmt, NULL, NULL);
    return (PrNode *)n;
}

PrNode *
pr__execute(PrParse *p, PrToken t, PrToken name, PrList *params)
{
    PrExecute *n = PR_NEW(p, Execute, t.pos);
    if (!n) return NULL;
    n->name = pr__ident(p, name);
    n->params = params;
    pr__depth_list(p, &n->hdr, params);
    return (PrNode *)n;
}

PrNode *
pr__deallocate(PrParse *p, PrToken t, const PrToken *name)
{
    PrDeallocate *n = PR_NEW(p, Deallocate, t.pos);
    if (n && name) n->name = pr__ident(p, *name);
    return (PrNode *)n;
}

/* ------------------------------------------------------------------ */
/* Statement list                                                      */
/* ------------------------------------------------------------------ */
void
pr__add_stmt(PrParse *p, PrNode *stmt)
{
    if (p->failed || !stmt) return;
    if (p->nstmts == p->capstmts) {
        int32_t ncap = p->capstmts ? p->capstmts * 2 : 4;
        PrRawStmt *s = k_realloc(p->arena, p->stmts, sizeof(PrRawStmt) * (size_t)p->capstmts,
                                 sizeof(PrRawStmt) * (size_t)ncap);
        if (!s) {
            pr__oom(p);
            return;
        }
        p->stmts = s;
        p->capstmts = ncap;
    }
    PrRawStmt *r = &p->stmts[p->nstmts++];
    r->stmt = stmt;
    r->start = p->stmt_start;
    r->end = p->prev_end;
}

void
pr__set_expr_result(PrParse *p, PrNode *e)
{
    p->expr_result = e;
}
