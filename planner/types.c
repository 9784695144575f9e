/*
 * types.c — typing rules, coercions, literals and constant folding.
 *
 * Interface routines (planner_int.h): pl__coerce, pl__common_type,
 * pl__make_compare, pl__make_arith, pl__literal, pl__fold and the column-id
 * helpers over ExExpr trees.
 *
 * Rules (PostgreSQL's implicit casts, with Kestrel's fixed-precision decimal):
 *   - numeric promotion: INT32 → INT64 → DECIMAL → DOUBLE; an integer joins
 *     a decimal as DECIMAL(10,0) / DECIMAL(19,0) (a constant as DECIMAL with
 *     just its digits);
 *   - an untyped literal ('1994-01-01', NULL) or an untyped parameter takes
 *     the type of the other operand;
 *   - DECIMAL results: + and − keep scale max(s1,s2) with one more integer
 *     digit; × adds the scales and the precisions; ÷ of two constants takes
 *     PostgreSQL's value-dependent scale (select_div_scale: at least 16
 *     significant digits, 1::numeric/3 = 0.33333333333333333333), ÷ of
 *     anything else scale max(6, s1, s2) at precision 38 (a per-row scale is
 *     not representable: 6 fractional digits is what we promise there);
 *   - DATE ± INTEGER → DATE; DATE − DATE → INTEGER; DATE ± INTERVAL →
 *     TIMESTAMP (PostgreSQL); a DATE compared with a TIMESTAMP constant
 *     compares with the equivalent DATE constant (fold_date_vs_ts), so TPC-H's
 *     `l_shipdate <= date '1998-12-01' - interval '90' day` still reaches the
 *     scan as `column op constant`;
 *   - CHAR and VARCHAR compare as strings (CHAR values carry no trailing
 *     blanks); a CHAR literal is stripped of trailing blanks.
 *
 * Folding evaluates row-independent CASTs, arithmetic and date arithmetic
 * on constants inside the planner (so predicates reach scans and partition
 * pruning as `column op constant`); anything it cannot evaluate exactly is
 * left for the executor.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "planner/planner_int.h"

/* ------------------------------------------------------------------ */
/* Node construction (we build exec.h's structs directly)               */
/* ------------------------------------------------------------------ */
ExExpr *
pl__expr_new(PlCtx *c, ExExprKind kind, KType t, uint32_t nargs, int32_t pos)
{
    ExExpr *e = pl__alloc(c, sizeof(ExExpr));
    if (!e) return NULL;
    e->kind = (uint8_t)kind;
    e->type = t;
    e->pos = pos;
    e->nargs = nargs;
    if (nargs) {
        e->args = pl__alloc(c, sizeof(ExExpr *) * nargs);
        if (!e->args) return NULL;
    }
    return e;
}

ExExpr *
pl__col_ref(PlCtx *c, int32_t colid)
{
    ExExpr *e = pl__expr_new(c, EX_EXPR_COLUMN, c->cols[colid].type, 0, -1);
    if (e) e->u.column.index = (uint32_t)colid;
    return e;
}

static ExExpr *
mk_node(PlCtx *c, ExExprKind kind, KType t, ExExpr *a0, ExExpr *a1)
{
    uint32_t n = a1 ? 2 : (a0 ? 1 : 0);
    ExExpr *e = pl__expr_new(c, kind, t, n, -1);
    if (!e) return NULL;
    if (a0) e->args[0] = a0;
    if (a1) e->args[1] = a1;
    return e;
}

static ExExpr *
mk_func(PlCtx *c, ExFunc fn, KType t, ExExpr *a0, ExExpr *a1)
{
    ExExpr *e = mk_node(c, EX_EXPR_FUNC, t, a0, a1);
    if (e) e->u.func.fn = (uint16_t)fn;
    return e;
}

static ExExpr *
mk_const(PlCtx *c, KType t, bool is_null, const ExValue *v)
{
    ExExpr *e = pl__expr_new(c, EX_EXPR_CONST, t, 0, -1);
    if (!e) return NULL;
    e->u.konst.is_null = is_null;
    if (v) e->u.konst.v = *v;
    return e;
}

/* ------------------------------------------------------------------ */
/* Type predicates                                                      */
/* ------------------------------------------------------------------ */
bool
pl__is_numeric(KType t)
{
    return t.id == K_TYPE_INT32 || t.id == K_TYPE_INT64 || t.id == K_TYPE_DECIMAL ||
           t.id == K_TYPE_DOUBLE;
}

static int
num_rank(KType t)
{
    switch (t.id) {
    case K_TYPE_INT32: return 1;
    case K_TYPE_INT64: return 2;
    case K_TYPE_DECIMAL: return 3;
    case K_TYPE_DOUBLE: return 4;
    default: return 0;
    }
}

static const char *
tname(PlCtx *c, KType t)
{
    char buf[64];
    if (t.id == K_TYPE_UNKNOWN) return "unknown";
    k_type_name(t, buf, sizeof buf);
    return k_strdup(c->a, buf);
}

/* Decimal type an integer-typed expression becomes. */
static KType
int_as_decimal(const ExExpr *e)
{
    if (e->kind == EX_EXPR_CONST && !e->u.konst.is_null) {
        int64_t v = e->type.id == K_TYPE_INT32 ? e->u.konst.v.i32 : e->u.konst.v.i64;
        int digits = 1;
        uint64_t m = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
        while (m >= 10) {
            m /= 10;
            digits++;
        }
        return k_type_decimal(digits, 0);
    }
    return e->type.id == K_TYPE_INT32 ? k_type_decimal(10, 0) : k_type_decimal(19, 0);
}

/* ------------------------------------------------------------------ */
/* Constant evaluation helpers                                          */
/* ------------------------------------------------------------------ */
static k_int128
const_dec(const ExExpr *e)
{
    return k_type_is_wide_decimal(e->type) ? e->u.konst.v.i128 : (k_int128)e->u.konst.v.i64;
}

static ExExpr *
dec_const(PlCtx *c, KType t, k_int128 v)
{
    ExValue val;
    memset(&val, 0, sizeof val);
    if (k_type_is_wide_decimal(t)) val.i128 = v;
    else val.i64 = (int64_t)v;
    return mk_const(c, t, false, &val);
}

/* Cast a constant through its text form (the executor's CAST semantics for
 * every pair PostgreSQL allows). Returns NULL (no error) if it fails. */
static ExExpr *
fold_cast_const(PlCtx *c, const ExExpr *x, KType to)
{
    if (x->u.konst.is_null) return mk_const(c, to, true, NULL);
    char buf[512];
    int n;
    if (x->type.id == K_TYPE_UNKNOWN) {
        const KStr *s = &x->u.konst.v.str;
        n = (int)s->len;
        if (n >= (int)sizeof buf) return NULL;
        memcpy(buf, k_str_data(s), s->len);
        buf[n] = 0;
    } else {
        n = k_value_format(x->type, &x->u.konst.v, buf, sizeof buf);
        if (n < 0 || n >= (int)sizeof buf) return NULL;
    }
    if (to.id == K_TYPE_CHAR) {
        while (n > 0 && buf[n - 1] == ' ') n--;
    }
    if ((to.id == K_TYPE_INT32 || to.id == K_TYPE_INT64) &&
        (x->type.id == K_TYPE_DECIMAL || x->type.id == K_TYPE_DOUBLE))
        return NULL; /* rounding rules: leave to the executor */
    ExValue v;
    memset(&v, 0, sizeof v);
    KErr e2;
    if (k_value_parse(to, buf, (size_t)n, &v, c->a, &e2) != K_OK) return NULL;
    return mk_const(c, to, false, &v);
}

/* ------------------------------------------------------------------ */
/* Coercion                                                             */
/* ------------------------------------------------------------------ */
static bool
same_type_for_exec(KType a, KType b)
{
    if (a.id != b.id) return false;
    if (a.id == K_TYPE_DECIMAL) return a.precision == b.precision && a.scale == b.scale;
    return true; /* strings: lengths do not matter */
}

ExExpr *
pl__coerce(PlCtx *c, ExExpr *e, KType to, int32_t pos)
{
    if (!e) return NULL;
    if (to.id == K_TYPE_UNKNOWN) return e;
    if (same_type_for_exec(e->type, to)) return e;
    if (e->kind == EX_EXPR_PARAM && e->type.id == K_TYPE_UNKNOWN) {
        e->type = to;
        if (e->u.param.index < c->nparams) c->param_types[e->u.param.index] = to;
        return e;
    }
    if (e->kind == EX_EXPR_CONST && e->type.id == K_TYPE_UNKNOWN) {
        if (e->u.konst.is_null) return mk_const(c, to, true, NULL);
        ExExpr *r = fold_cast_const(c, e, to);
        if (!r) {
            /* report the parse error itself */
            const KStr *s = &e->u.konst.v.str;
            ExValue v;
            KErr e2;
            if (k_value_parse(to, k_str_data(s), s->len, &v, c->a, &e2) != K_OK) {
                k_err_copy(c->err, &e2);
                c->err->pos = pos >= 0 ? pos : e->pos;
                return NULL;
            }
            pl__oom(c);
            return NULL;
        }
        r->pos = e->pos;
        return r;
    }
    if (e->kind == EX_EXPR_CONST) {
        ExExpr *r = fold_cast_const(c, e, to);
        if (r) {
            r->pos = e->pos;
            return r;
        }
    }
    ExExpr *x = mk_node(c, EX_EXPR_CAST, to, e, NULL);
    if (x) x->pos = e->pos;
    return x;
}

int
pl__common_type(PlCtx *c, KType a, KType b, int32_t pos, const char *what, KType *out)
{
    if (a.id == K_TYPE_UNKNOWN && b.id == K_TYPE_UNKNOWN) {
        *out = k_type(K_TYPE_UNKNOWN); /* the caller settles it (text by default) */
        return K_OK;
    }
    if (a.id == K_TYPE_UNKNOWN) {
        *out = b;
        return K_OK;
    }
    if (b.id == K_TYPE_UNKNOWN) {
        *out = a;
        return K_OK;
    }
    if (pl__is_numeric(a) && pl__is_numeric(b)) {
        int ra = num_rank(a), rb = num_rank(b);
        if (ra == 3 && rb == 3) {
            int s = K_MAX(a.scale, b.scale);
            int ip = K_MAX(a.precision - a.scale, b.precision - b.scale);
            *out = k_type_decimal(K_MIN(38, ip + s), s);
        } else if (ra == 3 || rb == 3) {
            KType d = ra == 3 ? a : b;
            KType i = ra == 3 ? b : a;
            if (i.id == K_TYPE_DOUBLE) *out = k_type(K_TYPE_DOUBLE);
            else {
                int ip = i.id == K_TYPE_INT32 ? 10 : 19;
                int s = d.scale;
                *out = k_type_decimal(K_MIN(38, K_MAX(d.precision - s, ip) + s), s);
            }
        } else {
            *out = ra >= rb ? a : b;
        }
        return K_OK;
    }
    if (k_type_is_string(a) && k_type_is_string(b)) {
        *out = a.id == b.id ? (a.len >= b.len ? a : b) : k_type_varchar(0);
        if (a.id == b.id && (a.len == 0 || b.len == 0)) out->len = 0;
        return K_OK;
    }
    if (a.id == b.id) {
        *out = a;
        return K_OK;
    }
    if ((a.id == K_TYPE_DATE && b.id == K_TYPE_TIMESTAMP) ||
        (a.id == K_TYPE_TIMESTAMP && b.id == K_TYPE_DATE)) {
        *out = k_type(K_TYPE_TIMESTAMP);
        return K_OK;
    }
    return k_error_at(c->err, K_DATATYPE_MISMATCH, pos, "%s types %s and %s cannot be matched",
                      what, tname(c, a), tname(c, b));
}

/* Coerce for comparison: same type id; decimals may keep their scales. */
static int
coerce_pair(PlCtx *c, ExExpr **l, ExExpr **r, int32_t pos, const char *opname)
{
    KType lt = (*l)->type, rt = (*r)->type;
    KType t;
    KErr save;
    if (pl__common_type(c, lt, rt, pos, "", &t) != K_OK) {
        k_err_copy(&save, c->err);
        return k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s %s %s",
                          tname(c, lt), opname, tname(c, rt));
    }
    if (t.id == K_TYPE_UNKNOWN) t = k_type_varchar(0);
    if (t.id == K_TYPE_DECIMAL) {
        /* keep decimal operands as they are; widen integers */
        if ((*l)->type.id != K_TYPE_DECIMAL)
            *l = pl__coerce(c, *l, (*l)->type.id == K_TYPE_UNKNOWN ? t : int_as_decimal(*l), pos);
        if (*l && (*r)->type.id != K_TYPE_DECIMAL)
            *r = pl__coerce(c, *r, (*r)->type.id == K_TYPE_UNKNOWN ? t : int_as_decimal(*r), pos);
    } else if (k_type_is_string(t)) {
        if ((*l)->type.id == K_TYPE_UNKNOWN) *l = pl__coerce(c, *l, rt, pos);
        else if ((*r)->type.id == K_TYPE_UNKNOWN) *r = pl__coerce(c, *r, lt, pos);
        else if (lt.id != rt.id) {
            *l = pl__coerce(c, *l, k_type_varchar(0), pos);
            if (*l) *r = pl__coerce(c, *r, k_type_varchar(0), pos);
        }
    } else {
        *l = pl__coerce(c, *l, t, pos);
        if (*l) *r = pl__coerce(c, *r, t, pos);
    }
    return (*l && *r) ? K_OK : K_ERR;
}

static const char *
cmp_name(ExFunc fn)
{
    switch (fn) {
    case EX_FN_EQ: return "=";
    case EX_FN_NE: return "<>";
    case EX_FN_LT: return "<";
    case EX_FN_LE: return "<=";
    case EX_FN_GT: return ">";
    case EX_FN_GE: return ">=";
    default: return "?";
    }
}

static int cmp_consts(const ExExpr *l, const ExExpr *r, int *out);

/* A DATE compared with a TIMESTAMP constant (`d <= date '...' - interval '90'
 * day`, which PostgreSQL types as timestamp): the date is promoted to a
 * midnight timestamp, so the comparison is exactly one with a DATE constant —
 * the constant's date at midnight; otherwise < and <= become <= its date, >
 * and >= become > its date. This keeps `column op constant` on the column's
 * own type (zone maps, partition pruning, estimates). */
static void
fold_date_vs_ts(PlCtx *c, ExFunc *fn, ExExpr **l, ExExpr **r)
{
    for (int side = 0; side < 2; side++) {
        ExExpr *x = side ? *r : *l, *k = side ? *l : *r;
        if (x->kind != EX_EXPR_CAST || x->type.id != K_TYPE_TIMESTAMP || x->nargs != 1 ||
            x->args[0]->type.id != K_TYPE_DATE)
            continue;
        if (k->kind != EX_EXPR_CONST || k->type.id != K_TYPE_TIMESTAMP || k->u.konst.is_null) continue;
        ExFunc f = *fn;
        if (side) { /* k op x: x (mirrored op) k */
            switch (f) {
            case EX_FN_LT: f = EX_FN_GT; break;
            case EX_FN_LE: f = EX_FN_GE; break;
            case EX_FN_GT: f = EX_FN_LT; break;
            case EX_FN_GE: f = EX_FN_LE; break;
            default: break;
            }
        }
        int64_t ts = k->u.konst.v.i64;
        int64_t days = ts / K_USECS_PER_DAY;
        if (ts % K_USECS_PER_DAY < 0) days--;
        bool midnight = days * K_USECS_PER_DAY == ts;
        if (days < INT32_MIN || days > INT32_MAX) return;
        if (!midnight) {
            if (f == EX_FN_LT || f == EX_FN_LE) f = EX_FN_LE;
            else if (f == EX_FN_GT || f == EX_FN_GE) f = EX_FN_GT;
            else return;
        }
        ExExpr *dk = ex_expr_const_date(c->a, (int32_t)days);
        if (!dk) return;
        dk->pos = k->pos;
        *fn = f;
        *l = x->args[0];
        *r = dk;
        return;
    }
}

ExExpr *
pl__make_compare(PlCtx *c, ExFunc fn, ExExpr *l, ExExpr *r, int32_t pos)
{
    if (!l || !r) return NULL;
    if (coerce_pair(c, &l, &r, pos, cmp_name(fn)) != K_OK) return NULL;
    if (fn >= EX_FN_EQ && fn <= EX_FN_GE) fold_date_vs_ts(c, &fn, &l, &r);
    ExExpr *e = mk_func(c, fn, k_type(K_TYPE_BOOL), l, r);
    if (!e) return NULL;
    e->pos = pos;
    return pl__fold(c, e);
}

ExExpr *
pl__make_and(PlCtx *c, ExExpr *l, ExExpr *r)
{
    if (!l) return r;
    if (!r) return l;
    ExExpr *e = mk_node(c, EX_EXPR_AND, k_type(K_TYPE_BOOL), l, r);
    return e;
}

/* ------------------------------------------------------------------ */
/* Arithmetic                                                           */
/* ------------------------------------------------------------------ */
/* PostgreSQL's numeric weight (in base-10000 digits) and first base-10000
 * digit of v / 10^s. */
static void
pg_numeric_weight(k_int128 v, int s, int *weight, int *first)
{
    if (v < 0) v = -v;
    *weight = 0;
    *first = 0;
    if (v == 0) return;
    int nd = 0;
    for (k_int128 t = v; t > 0; t /= 10) nd++;
    int e10 = nd - 1 - s; /* decimal exponent of the leading digit */
    int w = e10 >= 0 ? e10 / 4 : -((-e10 + 3) / 4);
    int shift = s + 4 * w; /* v / 10^shift is the leading base-10000 digit */
    k_int128 f = v;
    if (shift >= 0)
        for (int i = 0; i < shift; i++) f /= 10;
    else
        for (int i = 0; i < -shift; i++) f *= 10;
    *weight = w;
    *first = (int)f;
}

/* A division of two decimal constants gets the scale PostgreSQL's numeric
 * division picks from the values (select_div_scale: at least 16 significant
 * digits, at least either input's scale), so `1::numeric / 3` shows
 * 0.33333333333333333333. Columns keep the fixed rule (a per-row scale is
 * not representable). */
static void
const_div_scale(PlCtx *c, ExExpr **l, ExExpr **r, KType *res)
{
    ExExpr *a = pl__fold(c, *l), *b = pl__fold(c, *r);
    if (!a || !b || a->kind != EX_EXPR_CONST || b->kind != EX_EXPR_CONST || a->u.konst.is_null ||
        b->u.konst.is_null || a->type.id != K_TYPE_DECIMAL || b->type.id != K_TYPE_DECIMAL)
        return;
    k_int128 va = a->type.precision > K_DECIMAL_INT64_PRECISION ? a->u.konst.v.i128 : a->u.konst.v.i64;
    k_int128 vb = b->type.precision > K_DECIMAL_INT64_PRECISION ? b->u.konst.v.i128 : b->u.konst.v.i64;
    if (vb == 0) return;
    int w1, f1, w2, f2;
    pg_numeric_weight(va, a->type.scale, &w1, &f1);
    pg_numeric_weight(vb, b->type.scale, &w2, &f2);
    int qweight = w1 - w2;
    if (f1 <= f2) qweight--;
    int rscale = 16 - qweight * 4;
    rscale = K_MAX(rscale, K_MAX(a->type.scale, b->type.scale));
    rscale = K_MAX(rscale, 0);
    int intdigits = K_MAX(1, 4 * (qweight + 2));
    if (intdigits + rscale > 38) return;
    *l = a;
    *r = b;
    *res = k_type_decimal(38, rscale);
}

static ExFunc
arith_fn(PrBinaryOp op)
{
    switch (op) {
    case PR_OP_ADD: return EX_FN_ADD;
    case PR_OP_SUB: return EX_FN_SUB;
    case PR_OP_MUL: return EX_FN_MUL;
    case PR_OP_DIV: return EX_FN_DIV;
    default: return EX_FN_MOD;
    }
}

static const char *
arith_name(PrBinaryOp op)
{
    switch (op) {
    case PR_OP_ADD: return "+";
    case PR_OP_SUB: return "-";
    case PR_OP_MUL: return "*";
    case PR_OP_DIV: return "/";
    default: return "%";
    }
}

ExExpr *
pl__make_arith(PlCtx *c, PrBinaryOp op, ExExpr *l, ExExpr *r, int32_t pos)
{
    if (!l || !r) return NULL;
    KType lt = l->type, rt = r->type;
    ExExpr *e = NULL;

    /* date arithmetic */
    if (lt.id == K_TYPE_DATE || rt.id == K_TYPE_DATE || lt.id == K_TYPE_TIMESTAMP ||
        rt.id == K_TYPE_TIMESTAMP) {
        if (lt.id == K_TYPE_UNKNOWN) l = pl__coerce(c, l, rt.id == K_TYPE_DATE && op == PR_OP_SUB ? rt : k_type(K_TYPE_INTERVAL), pos);
        if (rt.id == K_TYPE_UNKNOWN && l) {
            KType want = k_type(K_TYPE_INTERVAL);
            if (op == PR_OP_SUB && lt.id == K_TYPE_DATE) want = k_type(K_TYPE_DATE);
            r = pl__coerce(c, r, want, pos);
        }
        if (!l || !r) return NULL;
        lt = l->type;
        rt = r->type;
        if (op == PR_OP_ADD && rt.id == K_TYPE_DATE && lt.id != K_TYPE_DATE) {
            ExExpr *t = l;
            l = r;
            r = t;
            lt = l->type;
            rt = r->type;
        }
        if (lt.id == K_TYPE_DATE && (rt.id == K_TYPE_INT32 || rt.id == K_TYPE_INT64) &&
            (op == PR_OP_ADD || op == PR_OP_SUB)) {
            r = pl__coerce(c, r, k_type(K_TYPE_INT32), pos);
            e = mk_func(c, op == PR_OP_ADD ? EX_FN_DATE_ADD_DAYS : EX_FN_DATE_SUB_DAYS,
                        k_type(K_TYPE_DATE), l, r);
        } else if (lt.id == K_TYPE_DATE && rt.id == K_TYPE_DATE && op == PR_OP_SUB) {
            e = mk_func(c, EX_FN_DATE_DIFF, k_type(K_TYPE_INT32), l, r);
        } else if (lt.id == K_TYPE_DATE && rt.id == K_TYPE_INTERVAL &&
                   (op == PR_OP_ADD || op == PR_OP_SUB)) {
            /* timestamp, as in PostgreSQL; comparisons of a date with the folded
             * constant compare dates again (fold_date_vs_ts) */
            e = mk_func(c, op == PR_OP_ADD ? EX_FN_DATE_ADD_INTERVAL : EX_FN_DATE_SUB_INTERVAL,
                        k_type(K_TYPE_TIMESTAMP), l, r);
        } else if (lt.id == K_TYPE_TIMESTAMP && rt.id == K_TYPE_INTERVAL &&
                   (op == PR_OP_ADD || op == PR_OP_SUB)) {
            e = mk_func(c, op == PR_OP_ADD ? EX_FN_TS_ADD_INTERVAL : EX_FN_TS_SUB_INTERVAL,
                        k_type(K_TYPE_TIMESTAMP), l, r);
        } else {
            k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s %s %s",
                       tname(c, lt), arith_name(op), tname(c, rt));
            return NULL;
        }
        if (e) e->pos = pos;
        return e ? pl__fold(c, e) : NULL;
    }

    if (lt.id == K_TYPE_UNKNOWN) l = pl__coerce(c, l, rt.id == K_TYPE_UNKNOWN ? k_type(K_TYPE_INT32) : rt, pos);
    if (!l) return NULL;
    lt = l->type;
    if (rt.id == K_TYPE_UNKNOWN) r = pl__coerce(c, r, lt, pos);
    if (!r) return NULL;
    rt = r->type;
    if (!pl__is_numeric(lt) || !pl__is_numeric(rt)) {
        k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s %s %s",
                   tname(c, lt), arith_name(op), tname(c, rt));
        k_err_hint(c->err, "No operator matches the given name and argument types. You might "
                           "need to add explicit type casts.");
        return NULL;
    }
    KType res;
    int rl = num_rank(lt), rr = num_rank(rt);
    if (rl == 4 || rr == 4) {
        res = k_type(K_TYPE_DOUBLE);
        l = pl__coerce(c, l, res, pos);
        r = pl__coerce(c, r, res, pos);
    } else if (rl == 3 || rr == 3) {
        if (rl != 3) l = pl__coerce(c, l, int_as_decimal(l), pos);
        if (rr != 3) r = pl__coerce(c, r, int_as_decimal(r), pos);
        if (!l || !r) return NULL;
        int p1 = l->type.precision, s1 = l->type.scale, p2 = r->type.precision,
            s2 = r->type.scale;
        switch (op) {
        case PR_OP_ADD:
        case PR_OP_SUB: {
            int s = K_MAX(s1, s2);
            res = k_type_decimal(K_MIN(38, K_MAX(p1 - s1, p2 - s2) + s + 1), s);
            break;
        }
        case PR_OP_MUL:
            res = k_type_decimal(K_MIN(38, p1 + p2), K_MIN(38, s1 + s2));
            break;
        case PR_OP_DIV:
            res = k_type_decimal(38, K_MAX(6, K_MAX(s1, s2)));
            const_div_scale(c, &l, &r, &res);
            break;
        default:
            res = k_type_decimal(K_MIN(38, K_MAX(p1, p2)), K_MAX(s1, s2));
            break;
        }
    } else {
        res = rl >= rr ? lt : rt;
        l = pl__coerce(c, l, res, pos);
        r = pl__coerce(c, r, res, pos);
    }
    if (!l || !r) return NULL;
    e = mk_func(c, arith_fn(op), res, l, r);
    if (!e) return NULL;
    e->pos = pos;
    return pl__fold(c, e);
}

/* ------------------------------------------------------------------ */
/* Literals                                                             */
/* ------------------------------------------------------------------ */
static const char *
ivf_unit(PrIntervalFields f)
{
    switch (f) {
    case PR_IVF_YEAR: return "year";
    case PR_IVF_MONTH: return "month";
    case PR_IVF_DAY: return "day";
    case PR_IVF_HOUR: return "hour";
    case PR_IVF_MINUTE: return "minute";
    case PR_IVF_SECOND: return "second";
    default: return NULL;
    }
}

ExExpr *
pl__literal(PlCtx *c, const PrLiteral *lit)
{
    ExValue v;
    memset(&v, 0, sizeof v);
    KErr e2;
    ExExpr *e = NULL;
    switch (lit->kind) {
    case PR_LIT_NULL:
        e = mk_const(c, k_type(K_TYPE_UNKNOWN), true, NULL);
        break;
    case PR_LIT_BOOL:
        v.b = lit->text[0] == 't';
        e = mk_const(c, k_type(K_TYPE_BOOL), false, &v);
        break;
    case PR_LIT_INTEGER: {
        int64_t i;
        if (k_parse_int64(lit->text, lit->len, &i, &e2) == K_OK) {
            if (i >= INT32_MIN && i <= INT32_MAX) {
                v.i32 = (int32_t)i;
                e = mk_const(c, k_type(K_TYPE_INT32), false, &v);
            } else {
                v.i64 = i;
                e = mk_const(c, k_type(K_TYPE_INT64), false, &v);
            }
        } else {
            int digits = 0;
            for (const char *p = lit->text; *p; p++) digits += (*p >= '0' && *p <= '9');
            if (digits > 38) {
                k_error_at(c->err, K_NUMERIC_VALUE_OUT_OF_RANGE, lit->hdr.pos,
                           "value out of range: \"%s\"", lit->text);
                return NULL;
            }
            k_int128 d;
            if (k_parse_decimal(lit->text, lit->len, 38, 0, &d, &e2) != K_OK) {
                k_err_copy(c->err, &e2);
                c->err->pos = lit->hdr.pos;
                return NULL;
            }
            e = dec_const(c, k_type_decimal(38, 0), d);
        }
        break;
    }
    case PR_LIT_NUMERIC: {
        const char *t = lit->text;
        if (strchr(t, 'e') || strchr(t, 'E')) {
            double d;
            if (k_parse_double(t, lit->len, &d, &e2) != K_OK) {
                k_err_copy(c->err, &e2);
                c->err->pos = lit->hdr.pos;
                return NULL;
            }
            v.f64 = d;
            e = mk_const(c, k_type(K_TYPE_DOUBLE), false, &v);
            break;
        }
        int intd = 0, frac = 0;
        bool after = false, lead = true;
        for (const char *p = t; *p; p++) {
            if (*p == '.') after = true;
            else if (*p >= '0' && *p <= '9') {
                if (after) frac++;
                else if (!(lead && *p == '0')) {
                    intd++;
                    lead = false;
                }
            }
        }
        int prec = intd + frac;
        if (prec < 1) prec = 1;
        if (prec > 38) {
            double d = strtod(t, NULL);
            v.f64 = d;
            e = mk_const(c, k_type(K_TYPE_DOUBLE), false, &v);
            break;
        }
        k_int128 d;
        if (k_parse_decimal(t, lit->len, prec, frac, &d, &e2) != K_OK) {
            k_err_copy(c->err, &e2);
            c->err->pos = lit->hdr.pos;
            return NULL;
        }
        e = dec_const(c, k_type_decimal(prec, frac), d);
        break;
    }
    case PR_LIT_STRING: {
        v.str = k_str_ref(k_strndup(c->a, lit->text, lit->len), lit->len);
        e = mk_const(c, k_type(K_TYPE_UNKNOWN), false, &v);
        break;
    }
    case PR_LIT_TYPED: {
        KType t;
        const PrTypeName *tn = lit->type;
        if (k_type_from_name(tn->name, tn->nmods > 0 ? tn->mods[0] : -1,
                             tn->nmods > 1 ? tn->mods[1] : -1, &t, &e2) != K_OK) {
            k_err_copy(c->err, &e2);
            c->err->pos = lit->hdr.pos;
            return NULL;
        }
        const char *text = lit->text;
        size_t len = lit->len;
        if (t.id == K_TYPE_INTERVAL) {
            const char *unit = ivf_unit(lit->interval_fields);
            bool bare = len > 0;
            for (size_t i = 0; i < len; i++)
                if (!((text[i] >= '0' && text[i] <= '9') || text[i] == '-' || text[i] == '+' ||
                      text[i] == '.' || text[i] == ' '))
                    bare = false;
            if (unit && bare) {
                text = k_sprintf(c->a, "%s %s", lit->text, unit);
                len = strlen(text);
            }
        }
        if (k_value_parse(t, text, len, &v, c->a, &e2) != K_OK) {
            k_err_copy(c->err, &e2);
            c->err->pos = lit->hdr.pos;
            return NULL;
        }
        e = mk_const(c, t, false, &v);
        break;
    }
    }
    if (e) e->pos = lit->hdr.pos;
    else if (c->err->code == 0) pl__oom(c);
    return e;
}

/* ------------------------------------------------------------------ */
/* Folding                                                              */
/* ------------------------------------------------------------------ */
bool
pl__is_const(const ExExpr *e)
{
    return e && e->kind == EX_EXPR_CONST;
}

bool
pl__const_true(const ExExpr *e)
{
    return e && e->kind == EX_EXPR_CONST && !e->u.konst.is_null && e->type.id == K_TYPE_BOOL &&
           e->u.konst.v.b;
}

static int
cmp_consts(const ExExpr *l, const ExExpr *r, int *out)
{
    KType t = l->type;
    if (t.id != r->type.id) return K_ERR;
    switch (t.id) {
    case K_TYPE_INT32:
    case K_TYPE_DATE:
        *out = (l->u.konst.v.i32 > r->u.konst.v.i32) - (l->u.konst.v.i32 < r->u.konst.v.i32);
        return K_OK;
    case K_TYPE_INT64:
    case K_TYPE_TIMESTAMP:
        *out = (l->u.konst.v.i64 > r->u.konst.v.i64) - (l->u.konst.v.i64 < r->u.konst.v.i64);
        return K_OK;
    case K_TYPE_BOOL:
        *out = (l->u.konst.v.b > r->u.konst.v.b) - (l->u.konst.v.b < r->u.konst.v.b);
        return K_OK;
    case K_TYPE_DOUBLE:
        *out = (l->u.konst.v.f64 > r->u.konst.v.f64) - (l->u.konst.v.f64 < r->u.konst.v.f64);
        return K_OK;
    case K_TYPE_DECIMAL: {
        int s = K_MAX(l->type.scale, r->type.scale);
        k_int128 a, b;
        if (!k_dec_rescale(const_dec(l), l->type.scale, s, 38, &a)) return K_ERR;
        if (!k_dec_rescale(const_dec(r), r->type.scale, s, 38, &b)) return K_ERR;
        *out = (a > b) - (a < b);
        return K_OK;
    }
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR:
        *out = k_str_cmp(&l->u.konst.v.str, &r->u.konst.v.str);
        return K_OK;
    default:
        return K_ERR;
    }
}

static ExExpr *
fold_func(PlCtx *c, ExExpr *e)
{
    ExExpr *l = e->args[0], *r = e->nargs > 1 ? e->args[1] : NULL;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (e->args[i]->kind != EX_EXPR_CONST) return e;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (e->args[i]->u.konst.is_null) {
            ExFunc fn = (ExFunc)e->u.func.fn;
            if (fn == EX_FN_CONCAT) return e;
            return mk_const(c, e->type, true, NULL);
        }
    ExValue v;
    memset(&v, 0, sizeof v);
    switch ((ExFunc)e->u.func.fn) {
    case EX_FN_EQ: case EX_FN_NE: case EX_FN_LT: case EX_FN_LE: case EX_FN_GT: case EX_FN_GE: {
        int cmp;
        if (cmp_consts(l, r, &cmp) != K_OK) return e;
        bool b = false;
        switch ((ExFunc)e->u.func.fn) {
        case EX_FN_EQ: b = cmp == 0; break;
        case EX_FN_NE: b = cmp != 0; break;
        case EX_FN_LT: b = cmp < 0; break;
        case EX_FN_LE: b = cmp <= 0; break;
        case EX_FN_GT: b = cmp > 0; break;
        default: b = cmp >= 0; break;
        }
        v.b = b;
        return mk_const(c, k_type(K_TYPE_BOOL), false, &v);
    }
    case EX_FN_DATE_ADD_DAYS:
    case EX_FN_DATE_SUB_DAYS: {
        int64_t d = (int64_t)l->u.konst.v.i32 +
                    ((ExFunc)e->u.func.fn == EX_FN_DATE_ADD_DAYS ? 1 : -1) * r->u.konst.v.i32;
        if (d < INT32_MIN || d > INT32_MAX) return e;
        v.i32 = (int32_t)d;
        return mk_const(c, e->type, false, &v);
    }
    case EX_FN_DATE_ADD_INTERVAL:
    case EX_FN_DATE_SUB_INTERVAL: {
        KInterval iv = r->u.konst.v.iv;
        int sign = (ExFunc)e->u.func.fn == EX_FN_DATE_ADD_INTERVAL ? 1 : -1;
        int32_t d = k_date_add_months(l->u.konst.v.i32, sign * iv.months);
        if (e->type.id == K_TYPE_TIMESTAMP) {
            /* the date at midnight, then months, days, time (PostgreSQL's order) */
            int64_t days = (int64_t)d + sign * (int64_t)iv.days;
            if (days < -INT64_C(100000000) || days > INT64_C(100000000)) return e;
            v.i64 = days * K_USECS_PER_DAY + sign * iv.micros;
            return mk_const(c, e->type, false, &v);
        }
        if (e->type.id != K_TYPE_DATE || iv.micros != 0) return e;
        v.i32 = d + sign * iv.days;
        return mk_const(c, e->type, false, &v);
    }
    case EX_FN_DATE_DIFF:
        v.i32 = l->u.konst.v.i32 - r->u.konst.v.i32;
        return mk_const(c, e->type, false, &v);
    case EX_FN_ADD: case EX_FN_SUB: case EX_FN_MUL: case EX_FN_DIV: {
        ExFunc fn = (ExFunc)e->u.func.fn;
        KType t = e->type;
        if (t.id == K_TYPE_INT32 || t.id == K_TYPE_INT64) {
            int64_t a = t.id == K_TYPE_INT32 ? l->u.konst.v.i32 : l->u.konst.v.i64;
            int64_t b = t.id == K_TYPE_INT32 ? r->u.konst.v.i32 : r->u.konst.v.i64;
            int64_t x;
            if (fn == EX_FN_ADD) {
                if (__builtin_add_overflow(a, b, &x)) return e;
            } else if (fn == EX_FN_SUB) {
                if (__builtin_sub_overflow(a, b, &x)) return e;
            } else if (fn == EX_FN_MUL) {
                if (__builtin_mul_overflow(a, b, &x)) return e;
            } else {
                if (b == 0 || (a == INT64_MIN && b == -1)) return e;
                x = a / b;
            }
            if (t.id == K_TYPE_INT32) {
                if (x < INT32_MIN || x > INT32_MAX) return e;
                v.i32 = (int32_t)x;
            } else v.i64 = x;
            return mk_const(c, t, false, &v);
        }
        if (t.id == K_TYPE_DOUBLE) {
            double a = l->u.konst.v.f64, b = r->u.konst.v.f64;
            if (fn == EX_FN_DIV && b == 0) return e;
            v.f64 = fn == EX_FN_ADD ? a + b : fn == EX_FN_SUB ? a - b : fn == EX_FN_MUL ? a * b : a / b;
            return mk_const(c, t, false, &v);
        }
        if (t.id == K_TYPE_DECIMAL && fn != EX_FN_DIV) {
            k_int128 a = const_dec(l), b = const_dec(r), x;
            int s1 = l->type.scale, s2 = r->type.scale;
            if (fn == EX_FN_MUL) {
                if (__builtin_mul_overflow(a, b, &x)) return e;
                if (s1 + s2 != t.scale) return e;
            } else {
                k_int128 a2, b2;
                if (!k_dec_rescale(a, s1, t.scale, 38, &a2) || !k_dec_rescale(b, s2, t.scale, 38, &b2))
                    return e;
                x = fn == EX_FN_ADD ? a2 + b2 : a2 - b2;
            }
            if (!k_dec_fits(x, t.precision)) return e;
            return dec_const(c, t, x);
        }
        return e;
    }
    case EX_FN_NEG: {
        KType t = e->type;
        if (t.id == K_TYPE_INT32 && l->u.konst.v.i32 != INT32_MIN) v.i32 = -l->u.konst.v.i32;
        else if (t.id == K_TYPE_INT64 && l->u.konst.v.i64 != INT64_MIN) v.i64 = -l->u.konst.v.i64;
        else if (t.id == K_TYPE_DOUBLE) v.f64 = -l->u.konst.v.f64;
        else if (t.id == K_TYPE_DECIMAL) return dec_const(c, t, -const_dec(l));
        else return e;
        return mk_const(c, t, false, &v);
    }
    default:
        return e;
    }
}

ExExpr *
pl__fold(PlCtx *c, ExExpr *e)
{
    if (!e) return NULL;
    for (uint32_t i = 0; i < e->nargs; i++) {
        ExExpr *x = pl__fold(c, e->args[i]);
        if (!x) return NULL;
        e->args[i] = x;
    }
    ExExpr *r = e;
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_FUNC:
        r = fold_func(c, e);
        break;
    case EX_EXPR_CAST:
        if (e->args[0]->kind == EX_EXPR_CONST) {
            ExExpr *x = fold_cast_const(c, e->args[0], e->type);
            if (x) r = x;
        }
        break;
    case EX_EXPR_AND:
    case EX_EXPR_OR: {
        bool is_and = e->kind == EX_EXPR_AND;
        /* flatten nested ANDs / ORs into one n-ary node */
        uint32_t total = 0;
        for (uint32_t i = 0; i < e->nargs; i++)
            total += e->args[i]->kind == e->kind ? e->args[i]->nargs : 1;
        if (total != e->nargs) {
            ExExpr **na = pl__alloc(c, sizeof(ExExpr *) * total);
            if (!na) return NULL;
            uint32_t j = 0;
            for (uint32_t i = 0; i < e->nargs; i++) {
                ExExpr *x = e->args[i];
                if (x->kind == e->kind)
                    for (uint32_t t = 0; t < x->nargs; t++) na[j++] = x->args[t];
                else
                    na[j++] = x;
            }
            e->args = na;
            e->nargs = total;
        }
        uint32_t k = 0;
        bool any_null = false;
        for (uint32_t i = 0; i < e->nargs; i++) {
            ExExpr *x = e->args[i];
            if (x->kind == EX_EXPR_CONST) {
                if (x->u.konst.is_null) {
                    any_null = true;
                    continue;
                }
                if (x->u.konst.v.b != is_and) { /* false in AND / true in OR decides */
                    ExValue v;
                    memset(&v, 0, sizeof v);
                    v.b = !is_and;
                    return mk_const(c, k_type(K_TYPE_BOOL), false, &v);
                }
                continue; /* neutral element */
            }
            e->args[k++] = x;
        }
        if (any_null) {
            if (k == 0) return mk_const(c, k_type(K_TYPE_BOOL), true, NULL);
            e->args[k++] = mk_const(c, k_type(K_TYPE_BOOL), true, NULL);
        }
        if (k == 0) {
            ExValue v;
            memset(&v, 0, sizeof v);
            v.b = is_and;
            return mk_const(c, k_type(K_TYPE_BOOL), false, &v);
        }
        if (k == 1) return e->args[0];
        e->nargs = k;
        break;
    }
    case EX_EXPR_NOT:
        if (e->args[0]->kind == EX_EXPR_CONST) {
            if (e->args[0]->u.konst.is_null) return e->args[0];
            ExValue v;
            memset(&v, 0, sizeof v);
            v.b = !e->args[0]->u.konst.v.b;
            r = mk_const(c, k_type(K_TYPE_BOOL), false, &v);
        }
        break;
    case EX_EXPR_IS_NULL:
    case EX_EXPR_IS_NOT_NULL:
        if (e->args[0]->kind == EX_EXPR_CONST) {
            ExValue v;
            memset(&v, 0, sizeof v);
            v.b = e->args[0]->u.konst.is_null == (e->kind == EX_EXPR_IS_NULL);
            r = mk_const(c, k_type(K_TYPE_BOOL), false, &v);
        }
        break;
    default:
        break;
    }
    if (r && r != e) r->pos = e->pos;
    return r;
}

/* ------------------------------------------------------------------ */
/* Column-id helpers                                                    */
/* ------------------------------------------------------------------ */
bool
pl__expr_uses_only(const ExExpr *e, const int32_t *cols, uint32_t ncols)
{
    if (!e) return true;
    if (e->kind == EX_EXPR_COLUMN) {
        for (uint32_t i = 0; i < ncols; i++)
            if (cols[i] == (int32_t)e->u.column.index) return true;
        return false;
    }
    for (uint32_t i = 0; i < e->nargs; i++)
        if (!pl__expr_uses_only(e->args[i], cols, ncols)) return false;
    return true;
}

void
pl__expr_collect_cols(const ExExpr *e, int32_t *out, uint32_t *n, uint32_t cap)
{
    if (!e) return;
    if (e->kind == EX_EXPR_COLUMN) {
        int32_t id = (int32_t)e->u.column.index;
        for (uint32_t i = 0; i < *n; i++)
            if (out[i] == id) return;
        if (*n < cap) out[(*n)++] = id;
        return;
    }
    for (uint32_t i = 0; i < e->nargs; i++) pl__expr_collect_cols(e->args[i], out, n, cap);
}

bool
pl__expr_has_col(const ExExpr *e, int32_t colid)
{
    if (!e) return false;
    if (e->kind == EX_EXPR_COLUMN) return (int32_t)e->u.column.index == colid;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (pl__expr_has_col(e->args[i], colid)) return true;
    return false;
}

/* Copy replacing column `from[i]` by a copy of `to[i]`. */
ExExpr *
pl__expr_copy_map(PlCtx *c, const ExExpr *e, const int32_t *from, ExExpr *const *to, uint32_t n)
{
    if (!e) return NULL;
    if (e->kind == EX_EXPR_COLUMN) {
        for (uint32_t i = 0; i < n; i++)
            if (from[i] == (int32_t)e->u.column.index)
                return pl__expr_copy_map(c, to[i], NULL, NULL, 0);
    }
    ExExpr *x = pl__alloc(c, sizeof(ExExpr));
    if (!x) return NULL;
    *x = *e;
    if (e->nargs) {
        x->args = pl__alloc(c, sizeof(ExExpr *) * e->nargs);
        if (!x->args) return NULL;
        for (uint32_t i = 0; i < e->nargs; i++) {
            x->args[i] = pl__expr_copy_map(c, e->args[i], from, to, n);
            if (!x->args[i]) return NULL;
        }
    }
    return x;
}

void
pl__push_expr(PlCtx *c, ExExpr ***arr, uint32_t *n, uint32_t *cap, ExExpr *e)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        ExExpr **na = pl__alloc(c, sizeof(ExExpr *) * nc);
        if (!na) return;
        if (*n) memcpy(na, *arr, sizeof(ExExpr *) * *n);
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = e;
}

void
pl__conjuncts(PlCtx *c, ExExpr *e, ExExpr ***arr, uint32_t *n, uint32_t *cap)
{
    if (!e) return;
    if (e->kind == EX_EXPR_AND) {
        for (uint32_t i = 0; i < e->nargs; i++) pl__conjuncts(c, e->args[i], arr, n, cap);
        return;
    }
    if (pl__const_true(e)) return;
    pl__push_expr(c, arr, n, cap, e);
}
