/*
 * optimize.c — logical rewrites and join ordering.
 *
 * Interface routine (planner_int.h): pl__optimize.
 *
 * A "join region" is a maximal tree of inner joins and filters. Each region
 * is flattened into leaves (base scans, derived tables, aggregates, outer
 * joins) and conjuncts. Semi/anti/mark joins met on the way whose condition
 * touches a single leaf are pushed onto that leaf (Q4, Q21, Q22's EXISTS
 * run against orders / lineitem / customer before any other join); the rest
 * are applied above the region. Then:
 *   1. single-leaf conjuncts are pushed down into their leaf — through
 *      projections (substituting the projected expressions), aggregates
 *      (conjuncts on group columns only), inner joins, the preserved side of
 *      left joins and into scans (where lowering turns `col op constant`
 *      into storage predicates); a null-rejecting conjunct on the inner side
 *      of a LEFT join turns it into an inner join (outer-join simplification);
 *   2. leaves are optimized recursively and estimated;
 *   3. the join order is chosen by dynamic programming over connected
 *      subsets (every split of a connected set into two connected,
 *      edge-linked halves, both orders: for n leaves this enumerates exactly
 *      DPccp's csg-cmp pairs, by scanning submasks — 3^n steps, fine for
 *      n <= 12) with the cost C_out + |probe| + 1.2 |build|, so large inputs
 *      end up probing and small filtered ones building (star and snowflake
 *      shapes: the fact table probes a pipeline of dimension builds). Beyond
 *      opts.dp_max_rels leaves a greedy method (GOO: repeatedly join the
 *      connected pair with the smallest result) is used. Pieces not linked
 *      by any equi-join are combined last, smallest first, as cross joins
 *      (only Q11/Q15/Q22-style single-row scalar joins do that in TPC-H).
 */
#include <math.h>

#include "planner/planner_int.h"

double pl__join_rows(PlCtx *c, ExJoinType jt, ExExpr *const *q, uint32_t n, const PlRel *l,
                     const PlRel *r, bool single_row);

static PlRel *opt(PlCtx *c, PlRel *r);
static PlRel *semi_below_project(PlCtx *c, PlRel *r);

static bool
is_semi_family(const PlRel *r)
{
    return r->kind == PL_JOIN &&
           (r->jtype == EX_JOIN_SEMI || r->jtype == EX_JOIN_ANTI ||
            r->jtype == EX_JOIN_ANTI_NULL_AWARE || r->jtype == EX_JOIN_MARK);
}

static bool
rel_has_col(const PlRel *r, int32_t col)
{
    for (uint32_t i = 0; i < r->ncols; i++)
        if (r->cols[i] == col) return true;
    return false;
}

static PlRel *
wrap_filter(PlCtx *c, PlRel *r, ExExpr *q)
{
    if (r->kind == PL_FILTER) {
        uint32_t cap = r->nquals;
        pl__push_expr(c, &r->quals, &r->nquals, &cap, q);
        return r;
    }
    PlRel *f = pl__rel_new(c, PL_FILTER, r->ncols);
    if (!f) return NULL;
    memcpy(f->cols, r->cols, sizeof(int32_t) * r->ncols);
    f->left = r;
    uint32_t cap = 0;
    pl__push_expr(c, &f->quals, &f->nquals, &cap, q);
    return f;
}

/* Is the value NULL whenever a column of r it mentions through casts and
 * arithmetic (strict operators) is NULL? */
static bool
strict_mentions(const ExExpr *a, const PlRel *r)
{
    if (a->kind == EX_EXPR_COLUMN) return rel_has_col(r, (int32_t)a->u.column.index);
    if (a->kind == EX_EXPR_CAST) return strict_mentions(a->args[0], r);
    if (a->kind == EX_EXPR_FUNC && a->u.func.fn <= EX_FN_ABS)
        for (uint32_t i = 0; i < a->nargs; i++)
            if (strict_mentions(a->args[i], r)) return true;
    return false;
}

/* Does the conjunct reject NULLs in every column of `r` it mentions? (true
 * for comparisons, LIKE and IN over plain columns) */
static bool
null_rejecting(const ExExpr *e, const PlRel *r)
{
    if (!e) return false;
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_FUNC: {
        /* comparisons, LIKE and regular-expression matches are NULL on a NULL operand */
        ExFunc fn = (ExFunc)e->u.func.fn;
        bool strict = (fn >= EX_FN_EQ && fn <= EX_FN_GE) ||
                      (fn >= EX_FN_LIKE && fn <= EX_FN_NOT_ILIKE) ||
                      (fn >= EX_FN_REGEX_MATCH && fn <= EX_FN_REGEX_NOT_IMATCH);
        for (uint32_t i = 0; strict && i < e->nargs; i++)
            if (strict_mentions(e->args[i], r)) return true;
        return false;
    }
    case EX_EXPR_IN: /* the probe only: `k IN (r.x, k)` is true with r.x NULL */
        return e->nargs > 0 && strict_mentions(e->args[0], r);
    case EX_EXPR_AND:
        for (uint32_t i = 0; i < e->nargs; i++)
            if (null_rejecting(e->args[i], r)) return true;
        return false;
    default:
        return false;
    }
}

/* Push one conjunct as deep into r as it can go. */
static PlRel *
push_filter(PlCtx *c, PlRel *r, ExExpr *q)
{
    switch ((PlRelKind)r->kind) {
    case PL_SCAN: {
        uint32_t cap = r->nquals;
        pl__push_expr(c, &r->quals, &r->nquals, &cap, q);
        return r;
    }
    case PL_FILTER:
        if (pl__expr_uses_only(q, r->left->cols, r->left->ncols)) {
            r->left = push_filter(c, r->left, q);
            return r->left ? r : NULL;
        }
        return wrap_filter(c, r, q);
    case PL_PROJECT: {
        ExExpr *m = pl__expr_copy_map(c, q, r->cols, r->exprs, r->ncols);
        if (!m) return NULL;
        if (!pl__expr_uses_only(m, r->left->cols, r->left->ncols)) return wrap_filter(c, r, q);
        r->left = push_filter(c, r->left, pl__fold(c, m));
        return r->left ? r : NULL;
    }
    case PL_AGG: {
        if (r->ngroups == 0 || !pl__expr_uses_only(q, r->cols, r->ngroups)) return wrap_filter(c, r, q);
        ExExpr *m = pl__expr_copy_map(c, q, r->cols, r->groups, r->ngroups);
        if (!m) return NULL;
        r->left = push_filter(c, r->left, m);
        return r->left ? r : NULL;
    }
    case PL_JOIN: {
        bool in_l = pl__expr_uses_only(q, r->left->cols, r->left->ncols);
        bool in_r = pl__expr_uses_only(q, r->right->cols, r->right->ncols);
        if (r->jtype == EX_JOIN_LEFT && !in_l && null_rejecting(q, r->right))
            r->jtype = EX_JOIN_INNER; /* the outer rows would be filtered out anyway */
        if (r->jtype == EX_JOIN_INNER && !r->single_row) {
            if (in_l) r->left = push_filter(c, r->left, q);
            else if (in_r) r->right = push_filter(c, r->right, q);
            else {
                uint32_t cap = r->nquals;
                pl__push_expr(c, &r->quals, &r->nquals, &cap, q);
            }
            return (r->left && r->right) ? r : NULL;
        }
        if (in_l && r->jtype != EX_JOIN_FULL) {
            r->left = push_filter(c, r->left, q);
            return r->left ? r : NULL;
        }
        return wrap_filter(c, r, q);
    }
    default:
        return wrap_filter(c, r, q);
    }
}

/* ------------------------------------------------------------------ */
/* Regions                                                              */
/* ------------------------------------------------------------------ */
typedef struct Region {
    PlRel **leaves;
    uint32_t nleaves, capleaves;
    ExExpr **quals;
    uint32_t nquals, capquals;
    PlRel **semis; /* pending semi/anti/mark joins, innermost first */
    uint32_t nsemis, capsemis;
} Region;

static void
add_ptr(PlCtx *c, PlRel ***arr, uint32_t *n, uint32_t *cap, PlRel *r)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        PlRel **na = pl__alloc(c, sizeof(PlRel *) * nc);
        if (!na) return;
        if (*n) memcpy(na, *arr, sizeof(PlRel *) * *n);
        *arr = na;
        *cap = nc;
    }
    (*arr)[(*n)++] = r;
}

static bool
is_region_node(const PlRel *r)
{
    if (r->kind == PL_FILTER) return true;
    if (r->kind == PL_JOIN && r->jtype == EX_JOIN_INNER) return true;
    if (is_semi_family(r)) return true;
    return false;
}

static void
flatten(PlCtx *c, PlRel *r, Region *g)
{
    if (r->kind == PL_FILTER) {
        for (uint32_t i = 0; i < r->nquals; i++) pl__conjuncts(c, r->quals[i], &g->quals, &g->nquals, &g->capquals);
        flatten(c, r->left, g);
        return;
    }
    if (r->kind == PL_JOIN && r->jtype == EX_JOIN_INNER) {
        for (uint32_t i = 0; i < r->nquals; i++) pl__conjuncts(c, r->quals[i], &g->quals, &g->nquals, &g->capquals);
        flatten(c, r->left, g);
        flatten(c, r->right, g);
        return;
    }
    if (is_semi_family(r)) {
        flatten(c, r->left, g);
        add_ptr(c, &g->semis, &g->nsemis, &g->capsemis, r);
        return;
    }
    add_ptr(c, &g->leaves, &g->nleaves, &g->capleaves, r);
}

/* Columns produced by a leaf, including what pushed semi joins add. */
static int
leaf_of_col(const Region *g, int32_t col)
{
    for (uint32_t i = 0; i < g->nleaves; i++)
        if (rel_has_col(g->leaves[i], col)) return (int)i;
    return -1;
}

/* Bitmask of leaves a conjunct touches; -1 when it touches a column of no leaf. */
static int64_t
qual_mask(const Region *g, const ExExpr *q)
{
    int32_t cols[64];
    uint32_t n = 0;
    pl__expr_collect_cols(q, cols, &n, 64);
    int64_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        int l = leaf_of_col(g, cols[i]);
        if (l < 0 || l >= 62) return -1;
        m |= (int64_t)1 << l;
    }
    return m;
}

/* The leaves a conjunct touches (deduplicated); false when it touches a
 * column of no leaf. */
static bool
qual_leaves(PlCtx *c, const Region *g, const ExExpr *q, uint32_t **out, uint32_t *n)
{
    int32_t cols[64];
    uint32_t nc = 0;
    pl__expr_collect_cols(q, cols, &nc, 64);
    uint32_t *l = pl__alloc(c, sizeof(uint32_t) * (nc + 1));
    *n = 0;
    *out = l;
    if (!l) return false;
    for (uint32_t i = 0; i < nc; i++) {
        int x = leaf_of_col(g, cols[i]);
        if (x < 0) return false;
        bool dup = false;
        for (uint32_t k = 0; k < *n; k++) dup |= l[k] == (uint32_t)x;
        if (!dup) l[(*n)++] = (uint32_t)x;
    }
    return true;
}

static PlRel *
opt_leaf(PlCtx *c, PlRel *r)
{
    if (r->kind == PL_FILTER) { /* a filter pushdown left on top of its leaf */
        r->left = opt_leaf(c, r->left);
        if (!r->left) return NULL;
        pl__estimate(c, r);
        return r;
    }
    if (is_semi_family(r) && r->limit == -2) { /* a semi join pushed onto its leaf */
        r->left = opt_leaf(c, r->left);
        r->right = r->right ? opt(c, r->right) : NULL;
        if (!r->left || !r->right) return NULL;
        pl__estimate(c, r);
        return r;
    }
    PlRel *x = opt(c, r);
    if (x) pl__estimate(c, x);
    return x;
}

/* ---- join ordering ---- */
typedef struct JoinGraph {
    uint32_t n;
    PlRel **leaves;
    ExExpr **quals;
    int64_t *masks;
    bool *equi;   /* a 2-leaf equality between plain expressions of each side */
    uint32_t nq;
} JoinGraph;

static PlRel *
make_inner(PlCtx *c, const JoinGraph *jg, PlRel *l, PlRel *r, int64_t lm, int64_t rm)
{
    PlRel *j = pl__rel_new(c, PL_JOIN, l->ncols + r->ncols);
    if (!j) return NULL;
    j->jtype = EX_JOIN_INNER;
    j->left = l;
    j->right = r;
    memcpy(j->cols, l->cols, sizeof(int32_t) * l->ncols);
    memcpy(j->cols + l->ncols, r->cols, sizeof(int32_t) * r->ncols);
    int64_t s = lm | rm;
    uint32_t cap = 0;
    for (uint32_t i = 0; i < jg->nq; i++) {
        int64_t m = jg->masks[i];
        if ((m & ~s) == 0 && (m & ~lm) != 0 && (m & ~rm) != 0)
            pl__push_expr(c, &j->quals, &j->nquals, &cap, jg->quals[i]);
    }
    j->rows = pl__join_rows(c, EX_JOIN_INNER, j->quals, j->nquals, l, r, false);
    return j;
}

static bool
linked(const JoinGraph *jg, int64_t a, int64_t b)
{
    for (uint32_t i = 0; i < jg->nq; i++) {
        if (!jg->equi[i]) continue;
        int64_t m = jg->masks[i];
        if ((m & a) && (m & b) && (m & ~(a | b)) == 0) return true;
    }
    return false;
}

/* The column a plan is hash-distributed on, as lowering will see it: a
 * scan's single hash-distribution column, a join's probe side's; -1 for
 * replicated or unknown. *repl: every table under it is replicated. */
static int32_t
hash_col(PlCtx *c, const PlRel *r, bool *repl)
{
    *repl = false;
    while (r) {
        switch ((PlRelKind)r->kind) {
        case PL_SCAN:
            if (r->table->dist == ST_DIST_REPLICATED) {
                *repl = true;
                return -1;
            }
            for (uint32_t i = 0; i < r->ncols; i++)
                if (c->cols[r->cols[i]].hashed_dist) return r->cols[i];
            return -1;
        case PL_FILTER:
        case PL_PROJECT:
            r = r->left;
            continue;
        case PL_JOIN: {
            bool lr, rr;
            int32_t h = hash_col(c, r->left, &lr);
            if (lr) {
                (void)hash_col(c, r->right, &rr);
                *repl = rr;
            }
            return h;
        }
        default:
            return -1;
        }
    }
    return -1;
}

/* Network term of a join (in rows moved): nothing when co-located or the
 * build is replicated, else the cheaper of broadcasting the build and
 * repartitioning both sides. */
static double
net_cost(PlCtx *c, const JoinGraph *jg, const PlRel *l, const PlRel *r, int64_t lm, int64_t rm)
{
    uint32_t nw = c->opts.nworkers ? c->opts.nworkers : 1;
    if (nw <= 1) return 0;
    bool lrep, rrep;
    int32_t hl = hash_col(c, l, &lrep), hr = hash_col(c, r, &rrep);
    if (rrep) return 0;
    bool l_on_key = false, r_on_key = false;
    int64_t s = lm | rm;
    for (uint32_t i = 0; i < jg->nq; i++) {
        const ExExpr *q = jg->quals[i];
        if (!jg->equi[i] || (jg->masks[i] & ~s) || !(jg->masks[i] & lm) || !(jg->masks[i] & rm)) continue;
        if (q->args[0]->kind != EX_EXPR_COLUMN || q->args[1]->kind != EX_EXPR_COLUMN) continue;
        int32_t a = (int32_t)q->args[0]->u.column.index, b = (int32_t)q->args[1]->u.column.index;
        if (hl >= 0 && hr >= 0 && ((a == hl && b == hr) || (a == hr && b == hl))) return 0;
        if (hl >= 0 && (a == hl || b == hl)) l_on_key = true;
        if (hr >= 0 && (a == hr || b == hr)) r_on_key = true;
    }
    double bcast = (double)nw * r->rows;
    double repart = (l_on_key ? 0 : l->rows) + (r_on_key ? 0 : r->rows);
    return bcast < repart ? bcast : repart;
}

static double
join_cost(double out, double probe, double build)
{
    return out + probe + 1.2 * build;
}

typedef struct DpEntry {
    double cost;
    PlRel *plan;
} DpEntry;

static PlRel *
order_dp(PlCtx *c, JoinGraph *jg)
{
    uint32_t n = jg->n;
    size_t full = ((size_t)1 << n) - 1;
    DpEntry *dp = pl__alloc(c, sizeof(DpEntry) * (full + 1));
    if (!dp) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        dp[(size_t)1 << i].plan = jg->leaves[i];
        dp[(size_t)1 << i].cost = 0;
    }
    for (size_t s = 1; s <= full; s++) {
        if ((s & (s - 1)) == 0) continue;
        /* a cheap pre-check: any equi edge inside s? */
        for (size_t l = (s - 1) & s; l > 0; l = (l - 1) & s) {
            size_t r = s ^ l;
            if (!dp[l].plan || !dp[r].plan) continue;
            if (!linked(jg, (int64_t)l, (int64_t)r)) continue;
            /* rows of s do not depend on the split: estimate once */
            double rows;
            PlRel *lp = dp[l].plan, *rp = dp[r].plan;
            if (dp[s].plan) rows = dp[s].plan->rows;
            else {
                PlRel *j = make_inner(c, jg, lp, rp, (int64_t)l, (int64_t)r);
                if (!j) return NULL;
                dp[s].plan = j;
                dp[s].cost = dp[l].cost + dp[r].cost + join_cost(j->rows, lp->rows, rp->rows) +
                             0.5 * net_cost(c, jg, lp, rp, (int64_t)l, (int64_t)r);
                continue;
            }
            double cost = dp[l].cost + dp[r].cost + join_cost(rows, lp->rows, rp->rows) +
                          0.5 * net_cost(c, jg, lp, rp, (int64_t)l, (int64_t)r);
            if (cost < dp[s].cost) {
                PlRel *j = make_inner(c, jg, lp, rp, (int64_t)l, (int64_t)r);
                if (!j) return NULL;
                j->rows = rows;
                dp[s].plan = j;
                dp[s].cost = cost;
            }
        }
    }
    if (dp[full].plan) return dp[full].plan;
    /* not connected: combine the maximal connected pieces, smallest first */
    PlRel *parts[64];
    int64_t pmask[64];
    uint32_t np = 0;
    size_t left = full;
    while (left) {
        size_t best = 0;
        for (size_t s = left; s > 0; s = (s - 1) & left)
            if (dp[s].plan && __builtin_popcountll(s) > __builtin_popcountll(best)) best = s;
        parts[np] = dp[best].plan;
        pmask[np++] = (int64_t)best;
        left &= ~best;
    }
    while (np > 1) {
        /* the biggest piece probes; the smallest other piece builds */
        uint32_t bi = 0;
        for (uint32_t i = 1; i < np; i++)
            if (parts[i]->rows > parts[bi]->rows) bi = i;
        uint32_t si = bi == 0 ? 1 : 0;
        for (uint32_t i = 0; i < np; i++)
            if (i != bi && parts[i]->rows < parts[si]->rows) si = i;
        PlRel *j = make_inner(c, jg, parts[bi], parts[si], pmask[bi], pmask[si]);
        if (!j) return NULL;
        parts[bi] = j;
        pmask[bi] |= pmask[si];
        parts[si] = parts[np - 1];
        pmask[si] = pmask[np - 1];
        np--;
    }
    return parts[0];
}

/* Greedy ordering for big regions (GOO): repeatedly join the two linked
 * pieces whose join is smallest, the smaller one building. Works on leaf
 * lists, so any number of leaves. */
typedef struct GQual {
    ExExpr *q;
    uint32_t *leaves;
    uint32_t n;
    bool equi;
} GQual;

static bool
covered(const GQual *q, const uint32_t *part, uint32_t a, uint32_t b, bool *ta, bool *tb)
{
    *ta = *tb = false;
    for (uint32_t i = 0; i < q->n; i++) {
        uint32_t p = part[q->leaves[i]];
        if (p == a) *ta = true;
        else if (p == b) *tb = true;
        else return false;
    }
    return true;
}

static PlRel *
greedy_join(PlCtx *c, const GQual *qs, uint32_t nq, const uint32_t *part, PlRel *l, PlRel *r, uint32_t a,
            uint32_t b)
{
    PlRel *j = pl__rel_new(c, PL_JOIN, l->ncols + r->ncols);
    if (!j) return NULL;
    j->jtype = EX_JOIN_INNER;
    j->left = l;
    j->right = r;
    memcpy(j->cols, l->cols, sizeof(int32_t) * l->ncols);
    memcpy(j->cols + l->ncols, r->cols, sizeof(int32_t) * r->ncols);
    uint32_t cap = 0;
    for (uint32_t i = 0; i < nq; i++) {
        bool ta, tb;
        if (covered(&qs[i], part, a, b, &ta, &tb) && ta && tb)
            pl__push_expr(c, &j->quals, &j->nquals, &cap, qs[i].q);
    }
    j->rows = pl__join_rows(c, EX_JOIN_INNER, j->quals, j->nquals, l, r, false);
    return j;
}

static PlRel *
order_greedy(PlCtx *c, PlRel **leaves, uint32_t n, const GQual *qs, uint32_t nq)
{
    PlRel **parts = pl__alloc(c, sizeof(PlRel *) * n);
    uint32_t *part = pl__alloc(c, sizeof(uint32_t) * n);
    bool *alive = pl__alloc(c, n);
    if (!parts || !part || !alive) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        parts[i] = leaves[i];
        part[i] = i;
        alive[i] = true;
    }
    for (uint32_t left = n; left > 1; left--) {
        double best = INFINITY;
        uint32_t ba = UINT32_MAX, bb = UINT32_MAX;
        bool any_link = false;
        for (uint32_t a = 0; a < n; a++) {
            if (!alive[a]) continue;
            for (uint32_t b = 0; b < n; b++) {
                if (a == b || !alive[b] || parts[b]->rows > parts[a]->rows) continue;
                bool lk = false;
                for (uint32_t i = 0; i < nq && !lk; i++) {
                    bool ta, tb;
                    lk = qs[i].equi && covered(&qs[i], part, a, b, &ta, &tb) && ta && tb;
                }
                if (any_link && !lk) continue;
                double rows;
                if (lk) {
                    PlRel *j = greedy_join(c, qs, nq, part, parts[a], parts[b], a, b);
                    if (!j) return NULL;
                    rows = j->rows;
                } else
                    rows = parts[a]->rows * parts[b]->rows;
                if (lk && !any_link) {
                    any_link = true;
                    best = INFINITY;
                }
                if (rows < best || ba == UINT32_MAX) {
                    best = rows;
                    ba = a;
                    bb = b;
                }
            }
        }
        PlRel *j = greedy_join(c, qs, nq, part, parts[ba], parts[bb], ba, bb);
        if (!j) return NULL;
        parts[ba] = j;
        alive[bb] = false;
        for (uint32_t i = 0; i < n; i++)
            if (part[i] == bb) part[i] = ba;
    }
    for (uint32_t i = 0; i < n; i++)
        if (alive[i]) return parts[i];
    return NULL;
}

/* ---- semi-join reduction of grouped leaves ---- */

/* The aggregate under a leaf reached through filters and plain-column
 * projections, and which of its group columns the leaf's column `col` is
 * (-1 when it is none). */
static PlRel *
leaf_agg_group(PlRel *leaf, int32_t col, int *group)
{
    PlRel *r = leaf;
    *group = -1;
    while (r->kind == PL_FILTER || r->kind == PL_PROJECT) {
        if (r->kind == PL_PROJECT) {
            int32_t src = -1;
            for (uint32_t i = 0; i < r->ncols; i++)
                if (r->cols[i] == col) {
                    const ExExpr *e = r->exprs[i];
                    if (e->kind == EX_EXPR_COLUMN) src = (int32_t)e->u.column.index;
                    break;
                }
            if (src < 0) return NULL;
            col = src;
        }
        r = r->left;
    }
    if (r->kind != PL_AGG || r->ngroups == 0) return NULL;
    for (uint32_t i = 0; i < r->ngroups; i++)
        if (r->cols[i] == col && r->groups[i]->kind == EX_EXPR_COLUMN) {
            *group = (int)i;
            return r;
        }
    return NULL;
}

/*
 * A grouped leaf A = aggregate over X grouped by g, joined in this inner
 * region on `A.g_i = P.c_i` with another leaf P that is much smaller than
 * A's group count: only the groups whose keys P has can survive the join, so
 * X is first reduced to them — X ⋉ P' on X.g_i = P'.c_i, P' a copy of P
 * with fresh column ids — and the aggregate groups only those rows (Q17's
 * avg(l_quantity) per part, Q20's sum(l_quantity) per (part, supplier), Q2's
 * min(ps_supplycost) per part: correlated subqueries unnested into grouped
 * joins, which otherwise aggregate all of lineitem / partsupp). Lowering
 * turns the semi join's build into a runtime filter on X's scan. The leaf is
 * re-optimized (the semi join goes onto the scan it touches) and
 * re-estimated.
 */
static PlRel *
reduce_grouped_leaf(PlCtx *c, Region *g, uint32_t a, ExExpr **join_q, uint32_t njq)
{
    PlRel *leaf = g->leaves[a];
    PlRel *agg = NULL;
    int best = -1;
    int32_t xk[16], pk[16];
    uint32_t nk = 0;
    for (uint32_t p = 0; p < g->nleaves; p++) {
        if (p == a || (best >= 0 && g->leaves[p]->rows >= g->leaves[best]->rows)) continue;
        int32_t tx[16], tp[16];
        uint32_t tn = 0;
        PlRel *ag = NULL;
        for (uint32_t i = 0; i < njq && tn < 16; i++) {
            const ExExpr *q = join_q[i];
            if (q->kind != EX_EXPR_FUNC || q->u.func.fn != EX_FN_EQ || q->nargs != 2 ||
                q->args[0]->kind != EX_EXPR_COLUMN || q->args[1]->kind != EX_EXPR_COLUMN ||
                !k_type_equal(q->args[0]->type, q->args[1]->type))
                continue;
            int32_t x = (int32_t)q->args[0]->u.column.index;
            int32_t y = (int32_t)q->args[1]->u.column.index;
            if (rel_has_col(g->leaves[p], x) && rel_has_col(leaf, y)) {
                int32_t t = x;
                x = y;
                y = t;
            }
            if (!rel_has_col(leaf, x) || !rel_has_col(g->leaves[p], y)) continue;
            int gi;
            PlRel *r = leaf_agg_group(leaf, x, &gi);
            if (!r || (ag && r != ag)) continue;
            ag = r;
            tx[tn] = (int32_t)r->groups[gi]->u.column.index;
            tp[tn++] = y;
        }
        if (!tn) continue;
        best = (int)p;
        agg = ag;
        nk = tn;
        memcpy(xk, tx, sizeof(int32_t) * tn);
        memcpy(pk, tp, sizeof(int32_t) * tn);
    }
    /* worth it when P leaves few of the groups */
    if (best < 0 || g->leaves[best]->rows * 4 > agg->rows) return leaf;
    PlRel *copy = pl__copy_rel(c, g->leaves[best]);
    if (!copy) return c->err->code ? NULL : leaf;
    /* P's columns in the copy, by position */
    PlRel *src = g->leaves[best];
    ExExpr **quals = pl__alloc(c, sizeof(ExExpr *) * nk);
    if (!quals) return NULL;
    for (uint32_t k = 0; k < nk; k++) {
        int32_t cp = -1;
        for (uint32_t i = 0; i < src->ncols; i++)
            if (src->cols[i] == pk[k]) cp = copy->cols[i];
        if (cp < 0) return leaf;
        ExExpr *l = pl__col_ref(c, xk[k]), *r = pl__col_ref(c, cp);
        if (!l || !r) return NULL;
        quals[k] = pl__make_compare(c, EX_FN_EQ, l, r, -1);
        if (!quals[k]) return NULL;
    }
    PlRel *x = agg->left;
    PlRel *semi = pl__rel_new(c, PL_JOIN, x->ncols);
    if (!semi) return NULL;
    memcpy(semi->cols, x->cols, sizeof(int32_t) * x->ncols);
    semi->jtype = EX_JOIN_SEMI;
    semi->mark_col = -1;
    semi->limit = -1;
    semi->left = x;
    semi->right = copy;
    semi->quals = quals;
    semi->nquals = nk;
    agg->left = opt(c, semi);
    if (!agg->left) return NULL;
    /* the group keys keep at most P's distinct keys */
    pl__estimate(c, leaf);
    for (uint32_t k = 0; k < nk; k++) {
        double d = pl__col_ndv(c, pk[k], K_MAX(g->leaves[best]->rows, 1));
        PlCol *pc = &c->cols[xk[k]];
        if (pc->pinned <= 0 || d < pc->pinned) pc->pinned = d;
    }
    pl__estimate(c, leaf);
    return leaf;
}

static bool
side_plain(const ExExpr *e)
{
    int32_t cols[8];
    uint32_t n = 0;
    pl__expr_collect_cols(e, cols, &n, 8);
    return n >= 1;
}

static PlRel *
opt_region(PlCtx *c, PlRel *r)
{
    Region g;
    memset(&g, 0, sizeof g);
    flatten(c, r, &g);
    if (g.nleaves == 0) return r;
    /* outer-join simplification before ordering: a LEFT join leaf under a conjunct of
     * the region that rejects NULLs of its inner side is an inner join, whose inputs
     * join the region (Q20's scalar subquery, joined LEFT inside the IN subquery and
     * compared in its WHERE) */
    for (bool again = true; again;) {
        again = false;
        for (uint32_t i = 0; i < g.nleaves && !again; i++) {
            PlRel *leaf = g.leaves[i];
            if (leaf->kind != PL_JOIN || leaf->jtype != EX_JOIN_LEFT || leaf->single_row) continue;
            for (uint32_t k = 0; k < g.nquals && !again; k++) {
                if (!null_rejecting(g.quals[k], leaf->right) ||
                    !pl__expr_uses_only(g.quals[k], leaf->cols, leaf->ncols))
                    continue;
                leaf->jtype = EX_JOIN_INNER;
                g.leaves[i] = g.leaves[--g.nleaves];
                flatten(c, leaf, &g);
                again = true;
            }
        }
    }
    /* constant-fold the conjuncts */
    uint32_t k = 0;
    for (uint32_t i = 0; i < g.nquals; i++) {
        ExExpr *q = pl__fold(c, g.quals[i]);
        if (!q) return NULL;
        if (pl__const_true(q)) continue;
        g.quals[k++] = q;
    }
    g.nquals = k;
    /* OR of ANDs: conjuncts common to every branch are factored out (Q19's
     * join key), and each leaf gets the OR of what the branches say about it
     * alone (a filter implied by the original, which stays) */
    uint32_t nq0 = g.nquals;
    for (uint32_t i = 0; i < nq0; i++) {
        ExExpr *q = g.quals[i];
        if (q->kind != EX_EXPR_OR) continue;
        ExExpr *b0 = q->args[0];
        uint32_t n0 = b0->kind == EX_EXPR_AND ? b0->nargs : 1;
        for (uint32_t t = 0; t < n0; t++) {
            ExExpr *cand = b0->kind == EX_EXPR_AND ? b0->args[t] : b0;
            bool everywhere = true;
            for (uint32_t br = 1; br < q->nargs && everywhere; br++) {
                ExExpr *b = q->args[br];
                bool found = false;
                if (b->kind == EX_EXPR_AND) {
                    for (uint32_t j = 0; j < b->nargs && !found; j++) found = pl__expr_equal(b->args[j], cand);
                } else
                    found = pl__expr_equal(b, cand);
                everywhere = found;
            }
            if (everywhere) pl__push_expr(c, &g.quals, &g.nquals, &g.capquals, cand);
        }
        for (uint32_t l = 0; l < g.nleaves; l++) {
            PlRel *leaf = g.leaves[l];
            ExExpr *ors = pl__alloc(c, sizeof(ExExpr));
            if (!ors) return NULL;
            ors->kind = EX_EXPR_OR;
            ors->type = k_type(K_TYPE_BOOL);
            ors->pos = -1;
            ors->nargs = q->nargs;
            ors->args = pl__alloc(c, sizeof(ExExpr *) * q->nargs);
            if (!ors->args) return NULL;
            bool ok = true, all_same = true;
            for (uint32_t br = 0; br < q->nargs && ok; br++) {
                ExExpr *b = q->args[br];
                ExExpr *part = NULL;
                uint32_t nb = b->kind == EX_EXPR_AND ? b->nargs : 1;
                uint32_t kept = 0;
                for (uint32_t j = 0; j < nb; j++) {
                    ExExpr *x = b->kind == EX_EXPR_AND ? b->args[j] : b;
                    int32_t cols[16];
                    uint32_t nc = 0;
                    pl__expr_collect_cols(x, cols, &nc, 16);
                    if (nc == 0 || !pl__expr_uses_only(x, leaf->cols, leaf->ncols)) continue;
                    part = pl__make_and(c, part, x);
                    kept++;
                }
                if (!part) ok = false; /* a branch says nothing about this leaf */
                else {
                    if (kept != nb) all_same = false;
                    ors->args[br] = part;
                }
            }
            if (ok && !all_same) pl__push_expr(c, &g.quals, &g.nquals, &g.capquals, ors);
        }
    }
    /* transitive closure: `a = b AND a op k` implies `b op k` (pushed into b's
     * leaf: scan pruning and partition pruning on both sides) */
    {
        int32_t ea[64], eb[64];
        uint32_t ne = 0;
        for (uint32_t i = 0; i < g.nquals && ne < 64; i++) {
            const ExExpr *q = g.quals[i];
            if (q->kind == EX_EXPR_FUNC && q->u.func.fn == EX_FN_EQ && q->args[0]->kind == EX_EXPR_COLUMN &&
                q->args[1]->kind == EX_EXPR_COLUMN && k_type_equal(q->args[0]->type, q->args[1]->type) &&
                q->args[0]->u.column.index != q->args[1]->u.column.index) {
                ea[ne] = (int32_t)q->args[0]->u.column.index;
                eb[ne++] = (int32_t)q->args[1]->u.column.index;
            }
        }
        uint32_t nbase = g.nquals;
        for (uint32_t i = 0; i < nbase && ne; i++) {
            ExExpr *q = g.quals[i];
            int32_t col = -1;
            if (q->kind == EX_EXPR_FUNC && q->nargs == 2 && q->u.func.fn >= EX_FN_EQ && q->u.func.fn <= EX_FN_GE) {
                if (q->args[0]->kind == EX_EXPR_COLUMN && q->args[1]->kind == EX_EXPR_CONST)
                    col = (int32_t)q->args[0]->u.column.index;
                else if (q->args[1]->kind == EX_EXPR_COLUMN && q->args[0]->kind == EX_EXPR_CONST)
                    col = (int32_t)q->args[1]->u.column.index;
            } else if (q->kind == EX_EXPR_IN && q->args[0]->kind == EX_EXPR_COLUMN) {
                bool consts = true;
                for (uint32_t a = 1; a < q->nargs; a++) consts &= q->args[a]->kind == EX_EXPR_CONST;
                if (consts) col = (int32_t)q->args[0]->u.column.index;
            }
            if (col < 0) continue;
            /* the columns equal to col (one step of the class is enough for chains of two) */
            for (uint32_t e = 0; e < ne; e++) {
                int32_t other = ea[e] == col ? eb[e] : eb[e] == col ? ea[e] : -1;
                if (other < 0) continue;
                ExExpr *to = pl__col_ref(c, other);
                if (!to) return NULL;
                ExExpr *nq = pl__expr_copy_map(c, q, &col, &to, 1);
                if (!nq) return NULL;
                bool dup = false;
                for (uint32_t j = 0; j < g.nquals && !dup; j++) dup = pl__expr_equal(g.quals[j], nq);
                if (!dup) pl__push_expr(c, &g.quals, &g.nquals, &g.capquals, nq);
            }
        }
    }
    /* semi joins onto the single leaf their condition touches */
    PlRel **top_semis = NULL;
    uint32_t ntop = 0, captop = 0;
    for (uint32_t i = 0; i < g.nsemis; i++) {
        PlRel *s = g.semis[i];
        int target = -2;
        for (uint32_t q = 0; q < s->nquals && target != -1; q++) {
            int32_t cols[64];
            uint32_t nc = 0;
            pl__expr_collect_cols(s->quals[q], cols, &nc, 64);
            for (uint32_t j = 0; j < nc; j++) {
                if (rel_has_col(s->right, cols[j])) continue;
                int l = leaf_of_col(&g, cols[j]);
                if (l < 0 || (target >= 0 && target != l)) {
                    target = -1;
                    break;
                }
                target = l;
            }
        }
        if (target >= 0) {
            PlRel *leaf = g.leaves[target];
            s->left = leaf;
            uint32_t n = leaf->ncols + (s->jtype == EX_JOIN_MARK ? 1 : 0);
            int32_t *cols = pl__alloc(c, sizeof(int32_t) * (n + 1));
            if (!cols) return NULL;
            memcpy(cols, leaf->cols, sizeof(int32_t) * leaf->ncols);
            if (s->jtype == EX_JOIN_MARK) cols[leaf->ncols] = s->mark_col;
            s->cols = cols;
            s->ncols = n;
            s->limit = -2; /* pushed */
            g.leaves[target] = s;
            if (s->jtype != EX_JOIN_MARK && leaf->kind == PL_PROJECT) {
                /* below the projection, into the region under it */
                s->limit = -1;
                if (!(g.leaves[target] = semi_below_project(c, s))) return NULL;
            }
        } else {
            add_ptr(c, &top_semis, &ntop, &captop, s);
        }
    }
    /* classify conjuncts */
    ExExpr **join_q = NULL, **top_q = NULL;
    uint32_t njq = 0, cjq = 0, ntq = 0, ctq = 0;
    for (uint32_t i = 0; i < g.nquals; i++) {
        ExExpr *q = g.quals[i];
        uint32_t *ql, nl;
        bool known = qual_leaves(c, &g, q, &ql, &nl);
        if (!ql) return NULL;
        if (!known || nl == 0) pl__push_expr(c, &top_q, &ntq, &ctq, q);
        else if (nl == 1) {
            g.leaves[ql[0]] = push_filter(c, g.leaves[ql[0]], q);
            if (!g.leaves[ql[0]]) return NULL;
        } else
            pl__push_expr(c, &join_q, &njq, &cjq, q);
    }
    /* optimize and estimate the leaves */
    for (uint32_t i = 0; i < g.nleaves; i++) {
        g.leaves[i] = opt_leaf(c, g.leaves[i]);
        if (!g.leaves[i]) return NULL;
    }
    for (uint32_t i = 0; i < g.nleaves && g.nleaves > 1; i++) {
        g.leaves[i] = reduce_grouped_leaf(c, &g, i, join_q, njq);
        if (!g.leaves[i]) return NULL;
    }
    PlRel *res;
    if (g.nleaves == 1) {
        res = g.leaves[0];
        for (uint32_t i = 0; i < njq; i++) pl__push_expr(c, &top_q, &ntq, &ctq, join_q[i]);
    } else {
        uint32_t lim = c->opts.dp_max_rels ? c->opts.dp_max_rels : 12;
        if (lim > 16) lim = 16;
        JoinGraph jg;
        memset(&jg, 0, sizeof jg);
        jg.n = g.nleaves;
        jg.leaves = g.leaves;
        jg.quals = join_q;
        jg.nq = njq;
        jg.masks = pl__alloc(c, sizeof(int64_t) * (njq + 1));
        jg.equi = pl__alloc(c, sizeof(bool) * (njq + 1));
        if (!jg.masks || !jg.equi) return NULL;
        for (uint32_t i = 0; i < njq && g.nleaves <= lim; i++) {
            ExExpr *q = join_q[i];
            jg.masks[i] = qual_mask(&g, q);
            if (q->kind == EX_EXPR_FUNC && q->u.func.fn == EX_FN_EQ &&
                __builtin_popcountll((unsigned long long)jg.masks[i]) == 2) {
                int64_t ml = qual_mask(&g, q->args[0]), mr = qual_mask(&g, q->args[1]);
                jg.equi[i] = side_plain(q->args[0]) && side_plain(q->args[1]) && ml > 0 && mr > 0 &&
                             (ml & (ml - 1)) == 0 && (mr & (mr - 1)) == 0 && ml != mr;
            }
        }
        if (g.nleaves <= lim) res = order_dp(c, &jg);
        else {
            GQual *qs = pl__alloc(c, sizeof(GQual) * (njq + 1));
            if (!qs) return NULL;
            for (uint32_t i = 0; i < njq; i++) {
                qs[i].q = join_q[i];
                if (!qual_leaves(c, &g, join_q[i], &qs[i].leaves, &qs[i].n)) return NULL;
                ExExpr *q = join_q[i];
                if (q->kind == EX_EXPR_FUNC && q->u.func.fn == EX_FN_EQ && qs[i].n == 2) {
                    uint32_t *la, *lb, na, nb;
                    bool ka = qual_leaves(c, &g, q->args[0], &la, &na), kb = qual_leaves(c, &g, q->args[1], &lb, &nb);
                    qs[i].equi = ka && kb && na == 1 && nb == 1 && la[0] != lb[0];
                }
            }
            res = order_greedy(c, g.leaves, g.nleaves, qs, njq);
        }
        if (!res) return NULL;
    }
    for (uint32_t i = 0; i < ntop; i++) {
        PlRel *s = top_semis[i];
        s->left = res;
        uint32_t n = res->ncols + (s->jtype == EX_JOIN_MARK ? 1 : 0);
        int32_t *cols = pl__alloc(c, sizeof(int32_t) * (n + 1));
        if (!cols) return NULL;
        memcpy(cols, res->cols, sizeof(int32_t) * res->ncols);
        if (s->jtype == EX_JOIN_MARK) cols[res->ncols] = s->mark_col;
        s->cols = cols;
        s->ncols = n;
        s->right = opt(c, s->right);
        if (!s->right) return NULL;
        pl__estimate(c, s->right);
        s->rows = pl__join_rows(c, (ExJoinType)s->jtype, s->quals, s->nquals, res, s->right, false);
        res = s;
    }
    if (ntq) {
        PlRel *f = pl__rel_new(c, PL_FILTER, res->ncols);
        if (!f) return NULL;
        memcpy(f->cols, res->cols, sizeof(int32_t) * res->ncols);
        f->left = res;
        f->quals = top_q;
        f->nquals = ntq;
        pl__estimate(c, f);
        res = f;
    }
    return res;
}

/*
 * Aggregates that are all DISTINCT over one argument x (COUNT/SUM/AVG/MIN/MAX
 * ... (DISTINCT x), no FILTER) become two aggregations: GROUP BY g, x with no
 * aggregates (the de-duplication), then the same aggregates without DISTINCT
 * grouped by g over it. Exact: each of these functions depends only on the
 * set of distinct values per group (NULLs form their own group below and are
 * skipped above). DISTINCT aggregates cannot be split into partial and final
 * steps, so without this the whole input is repartitioned on g — or, without
 * GROUP BY, gathered at the coordinator (count(DISTINCT o_custkey) over all
 * of orders); with it each step is an ordinary distributed aggregation.
 * Done when the de-duplication is estimated to keep at most half the rows.
 */
static PlRel *
split_distinct_agg(PlCtx *c, PlRel *r)
{
    if (r->kind != PL_AGG || r->naggs == 0 || !r->left) return r;
    ExExpr *x = r->aggs[0].arg;
    if (!x) return r;
    for (uint32_t i = 0; i < r->naggs; i++) {
        const ExAggSpec *a = &r->aggs[i];
        if (!a->distinct || a->filter || !a->arg || a->func == EX_AGG_COUNT_STAR ||
            !pl__expr_equal(a->arg, x))
            return r;
    }
    uint32_t ng = r->ngroups;
    PlRel *in = pl__rel_new(c, PL_AGG, ng + 1);
    if (!in) return NULL;
    in->left = r->left;
    in->ngroups = ng + 1;
    in->groups = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
    if (!in->groups) return NULL;
    for (uint32_t i = 0; i < ng; i++) in->groups[i] = r->groups[i];
    in->groups[ng] = x;
    for (uint32_t i = 0; i <= ng; i++) {
        const ExExpr *g = in->groups[i];
        int32_t src = g->kind == EX_EXPR_COLUMN ? (int32_t)g->u.column.index : -1;
        const char *name = src >= 0  ? c->cols[src].name
                           : i < ng ? c->cols[r->cols[i]].name
                                    : "?column?";
        int32_t id = pl__new_col(c, g->type, name);
        if (id < 0) return NULL;
        if (src >= 0) c->cols[id] = c->cols[src];
        c->cols[id].type = g->type;
        in->cols[i] = id;
    }
    pl__estimate(c, in);
    if (in->rows > 0.5 * K_MAX(in->left->rows, 1)) return r;
    ExExpr **groups = ng ? pl__alloc(c, sizeof(ExExpr *) * ng) : NULL;
    ExAggSpec *aggs = pl__alloc(c, sizeof(ExAggSpec) * r->naggs);
    if ((ng && !groups) || !aggs) return NULL;
    for (uint32_t i = 0; i < ng; i++)
        if (!(groups[i] = pl__col_ref(c, in->cols[i]))) return NULL;
    for (uint32_t i = 0; i < r->naggs; i++) {
        aggs[i] = r->aggs[i];
        aggs[i].distinct = false;
        if (!(aggs[i].arg = pl__col_ref(c, in->cols[ng]))) return NULL;
    }
    r->left = in;
    r->groups = groups;
    r->aggs = aggs;
    return r;
}

/* SEMI/ANTI(PROJECT(x), y) → PROJECT(SEMI/ANTI(x, y)) with the condition
 * substituted: the semi join then meets the joins under the projection in one
 * region (Q20's IN over partsupp, whose scalar subquery's value is projected
 * above partsupp's join with the grouped lineitem). NULL on OOM. */
static PlRel *
semi_below_project(PlCtx *c, PlRel *r)
{
    PlRel *p = r->left;
    ExExpr **q = pl__alloc(c, sizeof(ExExpr *) * (r->nquals + 1));
    if (!q) return NULL;
    for (uint32_t i = 0; i < r->nquals; i++) {
        q[i] = pl__expr_copy_map(c, r->quals[i], p->cols, p->exprs, p->ncols);
        if (!q[i]) return NULL;
    }
    PlRel *np = pl__rel_new(c, PL_PROJECT, p->ncols);
    if (!np) return NULL;
    memcpy(np->cols, p->cols, sizeof(int32_t) * p->ncols);
    np->exprs = p->exprs;
    np->left = r;
    r->left = p->left;
    r->quals = q;
    r->ncols = p->left->ncols;
    r->cols = p->left->cols;
    return np;
}

static PlRel *
opt(PlCtx *c, PlRel *r)
{
    if (!r) return NULL;
    if (r->kind == PL_JOIN && r->left && r->left->kind == PL_PROJECT &&
        (r->jtype == EX_JOIN_SEMI || r->jtype == EX_JOIN_ANTI ||
         r->jtype == EX_JOIN_ANTI_NULL_AWARE))
        return opt(c, semi_below_project(c, r));
    if (is_region_node(r)) return opt_region(c, r);
    if (r->kind == PL_JOIN) {
        /* outer joins: ON conjuncts on the inner side alone filter that side first */
        if (r->jtype == EX_JOIN_LEFT) {
            uint32_t k = 0;
            for (uint32_t i = 0; i < r->nquals; i++) {
                ExExpr *q = r->quals[i];
                int32_t cols[64];
                uint32_t nc = 0;
                pl__expr_collect_cols(q, cols, &nc, 64);
                if (nc > 0 && pl__expr_uses_only(q, r->right->cols, r->right->ncols)) {
                    r->right = push_filter(c, r->right, q);
                    if (!r->right) return NULL;
                } else
                    r->quals[k++] = q;
            }
            r->nquals = k;
        }
        r->left = opt(c, r->left);
        r->right = opt(c, r->right);
        if (!r->left || !r->right) return NULL;
        return r;
    }
    if (r->left) {
        r->left = opt(c, r->left);
        if (!r->left) return NULL;
    }
    if (r->right) {
        r->right = opt(c, r->right);
        if (!r->right) return NULL;
    }
    if (r->kind == PL_AGG && !(r = split_distinct_agg(c, r))) return NULL;
    /* LIMIT over SORT becomes a top-N sort */
    if (r->kind == PL_LIMIT && r->left->kind == PL_SORT && r->left->limit < 0) {
        r->left->limit = r->limit;
        r->left->offset = r->offset;
        return r->left;
    }
    return r;
}

int
pl__optimize(PlCtx *c, PlRel **rel)
{
    PlRel *r = opt(c, *rel);
    if (!r) return c->err->code ? K_ERR : pl__oom(c);
    pl__estimate(c, r);
    *rel = r;
    return K_OK;
}
