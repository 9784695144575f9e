/*
 * estimate.c — cardinality estimation.
 *
 * Interface routines (planner_int.h): pl__selectivity, pl__estimate,
 * pl__col_ndv, pl__row_width.
 *
 * Standard System-R style assumptions: predicates are independent (except
 * that a lower and an upper bound on the same column are combined into one
 * range, and an OR's branches do not count again what the conjuncts beside
 * the OR — or, in a join, the inputs — already say), values are uniform
 * between a column's min and max, `col = const` selects 1/ndv. Equi-joins:
 * a side unique on its keys (a key or composite key of its base relation, or
 * of the one relation — scan, aggregate — that side is) selects 1/|key
 * domain| (key/foreign-key joins); otherwise 1/max(ndv_left, ndv_right) with
 * each ndv capped by its side's row count. `x = MIN(x)` of a grouped
 * subquery keeps groups/rows-aggregated of the rows. Fixed guesses where
 * nothing is known: 1/3 for an inequality, LIKE by the pattern's shape, 1/4
 * otherwise.
 */
#include <math.h>

#include "planner/planner_int.h"

double
pl__col_ndv(PlCtx *c, int32_t colid, double rows)
{
    double ndv = colid >= 0 && (uint32_t)colid < c->ncols ? c->cols[colid].ndv : -1;
    if (ndv <= 0) ndv = rows;
    if (colid >= 0 && !c->own_quals && c->cols[colid].pinned > 0 && c->cols[colid].pinned < ndv)
        ndv = c->cols[colid].pinned;
    if (ndv > rows) ndv = rows;
    return ndv < 1 ? 1 : ndv;
}

static int32_t
col_of(const ExExpr *e)
{
    while (e && e->kind == EX_EXPR_CAST) e = e->args[0];
    return e && e->kind == EX_EXPR_COLUMN ? (int32_t)e->u.column.index : -1;
}

static bool
const_num(const ExExpr *e, double *out)
{
    if (!e || e->kind != EX_EXPR_CONST || e->u.konst.is_null) return false;
    switch (e->type.id) {
    case K_TYPE_INT32:
    case K_TYPE_DATE: *out = e->u.konst.v.i32; return true;
    case K_TYPE_INT64:
    case K_TYPE_TIMESTAMP: *out = (double)e->u.konst.v.i64; return true;
    case K_TYPE_DOUBLE: *out = e->u.konst.v.f64; return true;
    case K_TYPE_DECIMAL: {
        k_int128 v = k_type_is_wide_decimal(e->type) ? e->u.konst.v.i128 : e->u.konst.v.i64;
        *out = (double)v / (double)k_pow10_128[e->type.scale];
        return true;
    }
    default: return false;
    }
}

static double
clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

/* Fraction of the column's range below v (or -1 if unknown). */
static double
frac_below(PlCtx *c, int32_t col, double v)
{
    if (col < 0 || !c->cols[col].has_range) return -1;
    double lo = c->cols[col].lo, hi = c->cols[col].hi;
    if (hi <= lo) return v >= hi ? 1 : 0;
    return clamp01((v - lo) / (hi - lo));
}

static double
like_sel(const ExExpr *pat)
{
    if (!pat || pat->kind != EX_EXPR_CONST || pat->u.konst.is_null) return 0.1;
    const KStr *s = &pat->u.konst.v.str;
    const char *p = k_str_data(s);
    uint32_t n = s->len;
    uint32_t wild = 0, fixed = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] == '%' || p[i] == '_') wild++;
        else fixed++;
    }
    if (wild == 0) return 0.005;
    if (n > 0 && p[0] != '%') return 0.05; /* a prefix */
    /* '%a%b%': each fixed run makes it rarer */
    double sel = 0.2;
    for (uint32_t i = 0; i + 1 < n; i++)
        if (p[i] == '%' && p[i + 1] != '%' && i > 0) sel *= 0.5;
    return sel;
}

double
pl__selectivity(PlCtx *c, const ExExpr *e, double rows)
{
    if (!e) return 1;
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
        return pl__const_true(e) ? 1 : 0;
    case EX_EXPR_AND: {
        double s = 1;
        for (uint32_t i = 0; i < e->nargs; i++) s *= pl__selectivity(c, e->args[i], rows);
        return s;
    }
    case EX_EXPR_OR: {
        double s = 0;
        for (uint32_t i = 0; i < e->nargs; i++) {
            double x = pl__selectivity(c, e->args[i], rows);
            s = s + x - s * x;
        }
        return s;
    }
    case EX_EXPR_NOT:
        return 1 - pl__selectivity(c, e->args[0], rows);
    case EX_EXPR_IS_NULL: {
        int32_t col = col_of(e->args[0]);
        if (col >= 0) return c->cols[col].not_null ? 0 : K_MAX(c->cols[col].null_frac, 0.001);
        return 0.05;
    }
    case EX_EXPR_IS_NOT_NULL: {
        int32_t col = col_of(e->args[0]);
        if (col >= 0) return 1 - c->cols[col].null_frac;
        return 0.95;
    }
    case EX_EXPR_IN: {
        int32_t col = col_of(e->args[0]);
        double ndv = col >= 0 ? pl__col_ndv(c, col, rows) : 10;
        double s = clamp01((double)(e->nargs - 1) / ndv);
        if (col < 0) s = clamp01(0.1 * (e->nargs - 1));
        return e->u.in.negated ? 1 - s : s;
    }
    case EX_EXPR_COLUMN:
        return 0.5; /* a BOOL column (a MARK) */
    case EX_EXPR_FUNC:
        break;
    default:
        return 0.25;
    }
    ExFunc fn = (ExFunc)e->u.func.fn;
    const ExExpr *l = e->nargs > 0 ? e->args[0] : NULL, *r = e->nargs > 1 ? e->args[1] : NULL;
    switch (fn) {
    case EX_FN_EQ:
    case EX_FN_NE: {
        int32_t lc = col_of(l), rc = col_of(r);
        double s;
        if (lc >= 0 && rc >= 0)
            s = 1.0 / K_MAX(pl__col_ndv(c, lc, rows), pl__col_ndv(c, rc, rows));
        else if (lc >= 0 || rc >= 0)
            s = 1.0 / pl__col_ndv(c, lc >= 0 ? lc : rc, rows);
        else
            s = 0.1;
        return fn == EX_FN_EQ ? s : 1 - s;
    }
    case EX_FN_LT:
    case EX_FN_LE:
    case EX_FN_GT:
    case EX_FN_GE: {
        int32_t lc = col_of(l), rc = col_of(r);
        double v;
        if (lc >= 0 && const_num(r, &v)) {
            double f = frac_below(c, lc, v);
            if (f < 0) return 1.0 / 3;
            return (fn == EX_FN_LT || fn == EX_FN_LE) ? f : 1 - f;
        }
        if (rc >= 0 && const_num(l, &v)) {
            double f = frac_below(c, rc, v);
            if (f < 0) return 1.0 / 3;
            return (fn == EX_FN_GT || fn == EX_FN_GE) ? f : 1 - f;
        }
        return 1.0 / 3;
    }
    case EX_FN_LIKE:
        return like_sel(r);
    case EX_FN_NOT_LIKE:
        return 1 - like_sel(r);
    case EX_FN_ILIKE:
        return like_sel(r);
    case EX_FN_NOT_ILIKE:
        return 1 - like_sel(r);
    default:
        return 0.25;
    }
}

/* Is `e` implied by the list: equal to one of its members (or to an equi-join
 * key between the two inputs of a join, when l and r are given), or — in a
 * join — about one input alone (the optimizer gave each input the OR of what
 * the branches say about it, so that part is already in the input's rows)? */
static bool
known_conjunct(const ExExpr *e, ExExpr *const *q, uint32_t n, const ExExpr *self, const PlRel *l,
               const PlRel *r)
{
    bool eq = e->kind == EX_EXPR_FUNC && e->u.func.fn == EX_FN_EQ && e->nargs == 2;
    for (uint32_t i = 0; i < n; i++) {
        if (q[i] == self) continue;
        if (pl__expr_equal(q[i], e)) return true;
        const ExExpr *f = q[i];
        if (eq && f->kind == EX_EXPR_FUNC && f->u.func.fn == EX_FN_EQ && f->nargs == 2 &&
            pl__expr_equal(f->args[0], e->args[1]) && pl__expr_equal(f->args[1], e->args[0]))
            return true;
    }
    if (l && r) {
        if (pl__expr_uses_only(e, l->cols, l->ncols) || pl__expr_uses_only(e, r->cols, r->ncols))
            return true;
    }
    return false;
}

static void
branch_conjuncts(const ExExpr *e, const ExExpr **out, uint32_t *n, uint32_t cap)
{
    if (e->kind == EX_EXPR_AND) {
        for (uint32_t i = 0; i < e->nargs; i++) branch_conjuncts(e->args[i], out, n, cap);
        return;
    }
    if (*n < cap) out[(*n)++] = e;
}

/* An OR among conjuncts q: each branch counts only what the rest of q (and,
 * in a join, the inputs) do not already say — Q19's branches repeat the
 * shipmode/shipinstruct conjuncts pulled out of them and the join key. */
static double
or_selectivity(PlCtx *c, const ExExpr *e, ExExpr *const *q, uint32_t n, const PlRel *l,
               const PlRel *r, double rows)
{
    double s = 0;
    for (uint32_t i = 0; i < e->nargs; i++) {
        const ExExpr *parts[64];
        uint32_t np = 0;
        branch_conjuncts(e->args[i], parts, &np, 64);
        double x = 1;
        for (uint32_t k = 0; k < np; k++)
            if (!known_conjunct(parts[k], q, n, e, l, r)) x *= pl__selectivity(c, parts[k], rows);
        s = s + x - s * x;
    }
    return s;
}

/* Selectivity of a conjunct list: bounds on one column are combined. */
static double
conj_selectivity(PlCtx *c, ExExpr *const *q, uint32_t n, double rows)
{
    double s = 1;
    bool *used = n ? k_alloc0(c->a, n) : NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (used && used[i]) continue;
        const ExExpr *e = q[i];
        int32_t col = -1;
        double lo = -INFINITY, hi = INFINITY;
        bool range = false;
        if (e->kind == EX_EXPR_FUNC && e->nargs == 2) {
            ExFunc fn = (ExFunc)e->u.func.fn;
            double v;
            if ((fn == EX_FN_GE || fn == EX_FN_GT) && col_of(e->args[0]) >= 0 && const_num(e->args[1], &v)) {
                col = col_of(e->args[0]);
                lo = v;
                range = true;
            } else if ((fn == EX_FN_LE || fn == EX_FN_LT) && col_of(e->args[0]) >= 0 && const_num(e->args[1], &v)) {
                col = col_of(e->args[0]);
                hi = v;
                range = true;
            }
        }
        if (range && c->cols[col].has_range && used) {
            for (uint32_t k = i + 1; k < n; k++) {
                const ExExpr *f = q[k];
                double v;
                if (f->kind != EX_EXPR_FUNC || f->nargs != 2 || col_of(f->args[0]) != col ||
                    !const_num(f->args[1], &v))
                    continue;
                ExFunc fn = (ExFunc)f->u.func.fn;
                if (fn == EX_FN_GE || fn == EX_FN_GT) {
                    lo = K_MAX(lo, v);
                    used[k] = true;
                } else if (fn == EX_FN_LE || fn == EX_FN_LT) {
                    hi = K_MIN(hi, v);
                    used[k] = true;
                }
            }
            double a = isinf(lo) ? 0 : frac_below(c, col, lo);
            double b = isinf(hi) ? 1 : frac_below(c, col, hi);
            double f = b - a;
            /* a range narrower than one value still selects that value */
            double ndv = pl__col_ndv(c, col, rows);
            if (f < 1.0 / ndv) f = 1.0 / ndv;
            s *= clamp01(f);
            continue;
        }
        if (e->kind == EX_EXPR_OR) {
            s *= or_selectivity(c, e, q, n, NULL, NULL, rows);
            continue;
        }
        s *= pl__selectivity(c, e, rows);
    }
    return s;
}

double
pl__row_width(PlCtx *c, const PlRel *r)
{
    double w = 0;
    for (uint32_t i = 0; i < r->ncols; i++) {
        KType t = c->cols[r->cols[i]].type;
        if (k_type_is_string(t)) w += t.len > 0 ? K_MIN(t.len, 64) * 0.7 + 4 : 24;
        else w += (double)k_type_width(t);
    }
    return w < 1 ? 1 : w;
}

/* Is the column (set) a key of its base relation? */
static bool
key_like(PlCtx *c, const int32_t *cols, uint32_t n, double *domain)
{
    double prod = 1, base = 0;
    for (uint32_t i = 0; i < n; i++) {
        const PlCol *pc = &c->cols[cols[i]];
        if (pc->base_rows <= 0 || pc->ndv <= 0 || pc->pinned > 0) return false;
        if (i > 0 && pc->base_rows != base) return false;
        base = pc->base_rows;
        prod *= pc->ndv;
    }
    double comb = K_MIN(prod, base);
    *domain = comb;
    return comb >= 0.9 * base;
}

/* Does every column of r come out of one relation (a scan, an aggregate, a
 * set operation — not a join of several)? Then several join keys on that
 * side are one composite key even when they are not base columns (Q2's
 * (partkey, min(supplycost)) from the grouped subquery). */
static bool
atomic_rel(const PlRel *r)
{
    while (r && (r->kind == PL_FILTER || r->kind == PL_PROJECT || r->kind == PL_SORT ||
                 r->kind == PL_LIMIT || r->kind == PL_WINDOW ||
                 (r->kind == PL_JOIN && (r->jtype == EX_JOIN_SEMI || r->jtype == EX_JOIN_ANTI ||
                                         r->jtype == EX_JOIN_ANTI_NULL_AWARE))))
        r = r->left;
    return r && r->kind != PL_JOIN;
}

/* When `col` is a MIN or MAX computed by the aggregate r (under filters and
 * projections): groups / rows aggregated; else -1. */
static double
minmax_share(PlCtx *c, const PlRel *r, int32_t col)
{
    (void)c;
    while (r && (r->kind == PL_FILTER || r->kind == PL_PROJECT || r->kind == PL_SORT ||
                 r->kind == PL_LIMIT))
        r = r->left;
    if (!r || r->kind != PL_AGG || !r->left) return -1;
    for (uint32_t i = 0; i < r->naggs && r->ngroups + i < r->ncols; i++) {
        if (r->cols[r->ngroups + i] != col) continue;
        if (r->aggs[i].func != EX_AGG_MIN && r->aggs[i].func != EX_AGG_MAX) return -1;
        return clamp01(K_MAX(r->rows, 1) / K_MAX(r->left->rows, 1));
    }
    return -1;
}

/* Join selectivity of the conjuncts between two inputs. Equi keys: a key
 * side (its values unique in its base relation) selects 1/|key domain| — a
 * foreign-key join keeps each probe row once per surviving key; otherwise
 * 1/max(ndv_l, ndv_r) with each ndv capped by its input's rows. Several keys
 * between the same two base relations are a composite key (judged as a
 * whole); keys between different relations multiply. */
static double
join_sel(PlCtx *c, ExExpr *const *q, uint32_t n, const PlRel *l, const PlRel *r, double lrows,
         double rrows)
{
    int32_t la[32], rb[32];
    uint32_t neq = 0;
    double other = 1;
    for (uint32_t i = 0; i < n; i++) {
        const ExExpr *e = q[i];
        if (e->kind == EX_EXPR_FUNC && e->u.func.fn == EX_FN_EQ) {
            int32_t a = col_of(e->args[0]), b = col_of(e->args[1]);
            if (a >= 0 && b >= 0 && neq < 32) {
                bool a_left = pl__expr_uses_only(e->args[0], l->cols, l->ncols);
                la[neq] = a_left ? a : b;
                rb[neq++] = a_left ? b : a;
                continue;
            }
            other *= 1.0 / K_MAX(1, K_MIN(lrows, rrows));
            continue;
        }
        if (e->kind == EX_EXPR_OR) other *= or_selectivity(c, e, q, n, l, r, K_MAX(lrows, rrows));
        else other *= pl__selectivity(c, e, K_MAX(lrows, rrows));
    }
    double s = 1;
    bool *done = neq ? k_alloc0(c->a, neq) : NULL;
    bool al = atomic_rel(l), ar = atomic_rel(r);
    for (uint32_t i = 0; i < neq; i++) {
        /* x = MIN(x) / MAX(x) of a group: about one row of each group holds the extreme,
         * a share groups / rows-aggregated of the rows (Q2's ps_supplycost = min(...)
         * per part); the group keys are joined by the other conjuncts */
        double f = minmax_share(c, l, la[i]);
        if (f < 0) f = minmax_share(c, r, rb[i]);
        if (f >= 0) {
            other *= f;
            done[i] = true;
        }
    }
    for (uint32_t i = 0; i < neq; i++) {
        if (done && done[i]) continue;
        /* the group of keys between the same pair of base relations */
        int32_t gl[32], gr[32];
        uint32_t ng = 0;
        for (uint32_t k = i; k < neq; k++) {
            if (done && done[k]) continue;
            uint32_t tl = c->cols[la[i]].table_id, tr = c->cols[rb[i]].table_id;
            bool same_l = al || (tl != 0 && c->cols[la[k]].table_id == tl);
            bool same_r = ar || (tr != 0 && c->cols[rb[k]].table_id == tr);
            bool same = k == i || (same_l && same_r);
            if (!same) continue;
            gl[ng] = la[k];
            gr[ng++] = rb[k];
            if (done) done[k] = true;
        }
        double dl = 0, dr = 0;
        bool kl = key_like(c, gl, ng, &dl), kr = key_like(c, gr, ng, &dr);
        double sel;
        /* both sides look unique: the one with the smaller domain is the key side — a
         * composite of two foreign keys passes the ndv test too (lineitem's (partkey,
         * suppkey) against partsupp's key, Q9), and a grouped subquery reduced to the keys
         * of the relation it joins back to has the smaller domain (Q2, Q17) */
        if (kl && kr) sel = 1.0 / K_MAX(1, K_MIN(dl, dr));
        else if (kl) sel = 1.0 / dl;
        else if (kr) sel = 1.0 / dr;
        else {
            double nl = 1, nr = 1;
            for (uint32_t k = 0; k < ng; k++) {
                nl *= pl__col_ndv(c, gl[k], lrows);
                nr *= pl__col_ndv(c, gr[k], rrows);
            }
            nl = K_MIN(nl, lrows);
            nr = K_MIN(nr, rrows);
            sel = 1.0 / K_MAX(1, K_MAX(nl, nr));
        }
        s *= sel;
    }
    return s * other;
}

double pl__join_rows(PlCtx *c, ExJoinType jt, ExExpr *const *q, uint32_t n, const PlRel *l,
                     const PlRel *r, bool single_row);
double
pl__join_rows(PlCtx *c, ExJoinType jt, ExExpr *const *q, uint32_t n, const PlRel *l,
              const PlRel *r, bool single_row)
{
    double L = K_MAX(l->rows, 1), R = K_MAX(r->rows, 1);
    switch (jt) {
    case EX_JOIN_SEMI:
    case EX_JOIN_ANTI:
    case EX_JOIN_ANTI_NULL_AWARE: {
        /* fraction of left keys that find a partner */
        double frac = 0.5;
        for (uint32_t i = 0; i < n; i++) {
            const ExExpr *e = q[i];
            if (e->kind == EX_EXPR_FUNC && e->u.func.fn == EX_FN_EQ) {
                int32_t a = col_of(e->args[0]), b = col_of(e->args[1]);
                if (a < 0 || b < 0) continue;
                bool a_left = pl__expr_uses_only(e->args[0], l->cols, l->ncols);
                double nl = pl__col_ndv(c, a_left ? a : b, L), nr = pl__col_ndv(c, a_left ? b : a, R);
                /* the right side's keys as a share of the left's key domain */
                double dom = K_MAX(c->cols[a_left ? a : b].ndv, nl);
                frac = clamp01(nr / K_MAX(dom, 1));
                (void)nl;
                break;
            }
        }
        if (jt == EX_JOIN_SEMI) return K_MAX(L * frac, 1);
        return K_MAX(L * (1 - frac), L * 0.05);
    }
    case EX_JOIN_MARK:
        return L;
    default:
        break;
    }
    if (single_row) return jt == EX_JOIN_INNER ? L * K_MIN(R, 1) : L;
    double rows = L * R * join_sel(c, q, n, l, r, L, R);
    if (jt == EX_JOIN_LEFT) rows = K_MAX(rows, L);
    if (jt == EX_JOIN_FULL) rows = K_MAX(rows, L + R);
    return K_MAX(rows, 1);
}

/* The column a conjunct pins to a few values (col = k, col IN (..), an OR of
 * those on one column), and how many. */
static int32_t
pinned_values(const ExExpr *e, double *nvals)
{
    if (e->kind == EX_EXPR_FUNC && e->u.func.fn == EX_FN_EQ && e->nargs == 2) {
        int32_t a = col_of(e->args[0]), b = col_of(e->args[1]);
        if (a >= 0 && e->args[1]->kind == EX_EXPR_CONST) {
            *nvals = 1;
            return a;
        }
        if (b >= 0 && e->args[0]->kind == EX_EXPR_CONST) {
            *nvals = 1;
            return b;
        }
        return -1;
    }
    if (e->kind == EX_EXPR_IN && !e->u.in.negated) {
        *nvals = e->nargs - 1;
        return col_of(e->args[0]);
    }
    if (e->kind == EX_EXPR_OR) {
        int32_t col = -1;
        double n = 0;
        for (uint32_t i = 0; i < e->nargs; i++) {
            double k;
            int32_t x = pinned_values(e->args[i], &k);
            if (x < 0 || (col >= 0 && x != col)) return -1;
            col = x;
            n += k;
        }
        *nvals = n;
        return col;
    }
    return -1;
}

/* After a filter, a pinned column has at most that many distinct values. */
static void
narrow_ndv(PlCtx *c, ExExpr *const *q, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        double k;
        int32_t col = pinned_values(q[i], &k);
        if (col >= 0 && (c->cols[col].ndv < 0 || k < c->cols[col].ndv)) c->cols[col].pinned = K_MAX(k, 1);
    }
}

/* The range of an aggregate's values over the groups, for HAVING-style
 * comparisons (Q18's sum(l_quantity) > 300), from the argument column's
 * min/max taken as uniform and the mean group size n = rows in / groups:
 * MIN/MAX keep the column's range; AVG and SUM are sums of n values, whose
 * mean and spread (sd/sqrt(n) for AVG, sqrt(n)·sd for SUM: the central limit
 * theorem) are those of the uniform range given here. Other aggregates and
 * arguments without a range get none. */
static void
agg_ranges(PlCtx *c, const PlRel *r, double in)
{
    double n = K_MAX(in, 1) / K_MAX(r->rows, 1);
    for (uint32_t i = 0; i < r->naggs && r->ngroups + i < r->ncols; i++) {
        PlCol *pc = &c->cols[r->cols[r->ngroups + i]];
        int32_t src = col_of(r->aggs[i].arg);
        pc->has_range = false;
        if (src < 0 || !c->cols[src].has_range || r->aggs[i].distinct || r->aggs[i].filter)
            continue;
        double lo = c->cols[src].lo, hi = c->cols[src].hi;
        double mu = (lo + hi) / 2, half = (hi - lo) / 2; /* uniform: sd = half / sqrt(3) */
        switch ((ExAggFunc)r->aggs[i].func) {
        case EX_AGG_MIN:
        case EX_AGG_MAX: break;
        case EX_AGG_AVG: lo = mu - half / sqrt(n), hi = mu + half / sqrt(n); break;
        case EX_AGG_SUM: lo = n * mu - half * sqrt(n), hi = n * mu + half * sqrt(n); break;
        default: continue;
        }
        pc->has_range = true;
        pc->lo = lo;
        pc->hi = hi;
    }
}

void
pl__estimate(PlCtx *c, PlRel *r)
{
    if (!r) return;
    pl__estimate(c, r->left);
    pl__estimate(c, r->right);
    double in = r->left ? K_MAX(r->left->rows, 0) : 0;
    switch ((PlRelKind)r->kind) {
    case PL_SCAN:
        c->own_quals = true;
        r->rows = r->table_rows * conj_selectivity(c, r->quals, r->nquals, r->table_rows);
        c->own_quals = false;
        narrow_ndv(c, r->quals, r->nquals);
        break;
    case PL_FILTER:
        c->own_quals = true;
        r->rows = in * conj_selectivity(c, r->quals, r->nquals, in);
        c->own_quals = false;
        narrow_ndv(c, r->quals, r->nquals);
        break;
    case PL_PROJECT:
        r->rows = in;
        break;
    case PL_JOIN:
        r->rows = pl__join_rows(c, (ExJoinType)r->jtype, r->quals, r->nquals, r->left, r->right,
                                r->single_row);
        if (r->jtype == EX_JOIN_SEMI) /* the probe keys that stay are among the build's */
            for (uint32_t i = 0; i < r->nquals; i++) {
                const ExExpr *e = r->quals[i];
                if (e->kind != EX_EXPR_FUNC || e->u.func.fn != EX_FN_EQ || e->nargs != 2) continue;
                int32_t a = col_of(e->args[0]), b = col_of(e->args[1]);
                if (a < 0 || b < 0) continue;
                if (!pl__expr_uses_only(e->args[0], r->left->cols, r->left->ncols)) {
                    int32_t t = a;
                    a = b;
                    b = t;
                }
                double nb = pl__col_ndv(c, b, K_MAX(r->right->rows, 1));
                PlCol *pc = &c->cols[a];
                if (nb < pl__col_ndv(c, a, K_MAX(r->left->rows, 1)) &&
                    (pc->pinned <= 0 || nb < pc->pinned))
                    pc->pinned = nb;
            }
        break;
    case PL_AGG: {
        if (r->ngroups == 0) {
            r->rows = 1;
            break;
        }
        double g = 1;
        double biggest = 1;
        for (uint32_t i = 0; i < r->ngroups; i++) {
            int32_t col = col_of(r->groups[i]);
            double ndv = col >= 0 ? pl__col_ndv(c, col, in) : K_MIN(in, 1000);
            if (ndv > biggest) biggest = ndv;
            g *= ndv;
        }
        /* correlated grouping columns: never more than the input, damp the product */
        if (g > biggest) g = biggest * sqrt(g / biggest);
        r->rows = K_MAX(1, K_MIN(g, in));
        for (uint32_t i = 0; i < r->ngroups; i++) {
            int32_t col = col_of(r->groups[i]);
            double ndv = col >= 0 ? pl__col_ndv(c, col, in) : r->rows;
            c->cols[r->cols[i]].ndv = K_MIN(ndv, r->rows);
            c->cols[r->cols[i]].base_rows = r->rows;
        }
        for (uint32_t i = r->ngroups; i < r->ncols; i++) {
            c->cols[r->cols[i]].ndv = r->rows;
            c->cols[r->cols[i]].base_rows = r->rows;
        }
        agg_ranges(c, r, in);
        break;
    }
    case PL_SORT:
    case PL_LIMIT:
        r->rows = in;
        if (r->limit >= 0) r->rows = K_MIN(in, (double)r->limit);
        break;
    case PL_VALUES:
        r->rows = r->nrows;
        break;
    case PL_SETOP:
        if (r->setop == EX_SETOP_UNION) r->rows = in + r->right->rows;
        else if (r->setop == EX_SETOP_INTERSECT) r->rows = K_MIN(in, r->right->rows);
        else r->rows = in;
        break;
    case PL_WINDOW:
        r->rows = in;
        break;
    case PL_RECURSIVE: /* fixed guesses from the binder (recursive.c) */
    case PL_WORKTABLE:
        break;
    }
    if (r->rows < 0) r->rows = 0;
    /* a projection's computed columns: their ndv is bounded by the rows, and a function
     * of one column has at most that column's distinct values (Q9's extract(year from
     * o_orderdate), for the GROUP BY above) */
    if (r->kind == PL_PROJECT)
        for (uint32_t i = 0; i < r->ncols; i++) {
            int32_t src = col_of(r->exprs[i]);
            PlCol *pc = &c->cols[r->cols[i]];
            if (src < 0 && pc->ndv < 0) {
                int32_t used[4];
                uint32_t nu = 0;
                pl__expr_collect_cols(r->exprs[i], used, &nu, 4);
                if (nu == 1 && used[0] >= 0 && (uint32_t)used[0] < c->ncols &&
                    c->cols[used[0]].ndv > 0) {
                    pc->ndv = pl__col_ndv(c, used[0], K_MAX(in, 1));
                    pc->base_rows = 0;
                }
                continue;
            }
            if (src >= 0 && src != r->cols[i] && pc->ndv < 0) {
                pc->ndv = c->cols[src].ndv;
                pc->base_rows = c->cols[src].base_rows;
                pc->has_range = c->cols[src].has_range;
                pc->lo = c->cols[src].lo;
                pc->hi = c->cols[src].hi;
            }
        }
}
