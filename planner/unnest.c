/*
 * unnest.c — subqueries into joins (after Neumann & Kemper, "Unnesting
 * Arbitrary Queries", BTW 2015).
 *
 * Interface routines (planner_int.h): pl__unnest_predicate, pl__unnest_value.
 *
 * A subquery is bound as its own block; references to the enclosing block
 * are ordinary column ids that its plan does not produce ("free" columns).
 * Decorrelation pulls every conjunct that mentions a free column up out of
 * the subquery's filters and inner joins; what remains must be free of outer
 * references, and the pulled conjuncts become the join condition:
 *
 *   [NOT] EXISTS (q)        → SEMI / ANTI join on the pulled conjuncts
 *   x [NOT] IN (q)          → SEMI / null-aware ANTI join on x = q.col (+ pulled)
 *   x op ANY|ALL (q)        → for = ANY / <> ALL as IN / NOT IN; the others
 *                             compare x with min/max/counts of q (quantified.c)
 *   (q) uncorrelated        → a join with the single-row result (INNER when
 *                             q is an aggregate without GROUP BY, LEFT when
 *                             it may give no row)
 *   (q) correlated by equalities outer = inner, q an aggregate:
 *                           → the aggregate grouped by the inner sides,
 *                             joined on outer = group key (INNER where the
 *                             value is compared in a WHERE conjunct and no
 *                             COUNT is involved, else LEFT with COUNT's empty
 *                             group fixed to 0) — the "magic" grouped join;
 *                             because the outer sides are plain equalities
 *                             the de-duplicated outer domain of the paper is
 *                             the set of group keys itself.
 *   EXISTS / IN elsewhere   → a MARK join whose BOOL column is the value.
 *
 *   (q) without an aggregate → (count(*), any_value(v)) over q's rows with a
 *                             run-time single_row_check (21000 on a second
 *                             row), then as the aggregate forms above;
 *                             ARRAY(q) likewise through the LIST aggregate
 *                             (array.c)
 *
 * Nothing is re-executed per outer row. Forms outside these (correlation
 * under a LIMIT, GROUP BY or DISTINCT of a correlated scalar subquery) are
 * reported as 0A000.
 */
#include "planner/planner_int.h"

bool pl__scope_scalar_inner_ok(const PlScope *s);
ExExpr *pl__bind_expr_in(PlCtx *c, PlScope *s, const PrNode *n, PlRel **attach);

/* ------------------------------------------------------------------ */
/* Produced / referenced columns                                        */
/* ------------------------------------------------------------------ */
static void
mark_produced(const PlRel *r, uint8_t *set)
{
    if (!r) return;
    for (uint32_t i = 0; i < r->ncols; i++) set[r->cols[i]] = 1;
    if (r->kind == PL_JOIN && r->mark_col >= 0) set[r->mark_col] = 1;
    mark_produced(r->left, set);
    mark_produced(r->right, set);
}

static bool
expr_free(const ExExpr *e, const uint8_t *set)
{
    if (!e) return false;
    if (e->kind == EX_EXPR_COLUMN) return !set[e->u.column.index];
    for (uint32_t i = 0; i < e->nargs; i++)
        if (expr_free(e->args[i], set)) return true;
    return false;
}

static bool
rel_free(const PlRel *r, const uint8_t *set)
{
    if (!r) return false;
    for (uint32_t i = 0; i < r->nquals; i++)
        if (expr_free(r->quals[i], set)) return true;
    if (r->kind == PL_PROJECT)
        for (uint32_t i = 0; i < r->ncols; i++)
            if (expr_free(r->exprs[i], set)) return true;
    for (uint32_t i = 0; i < r->ngroups; i++)
        if (expr_free(r->groups[i], set)) return true;
    for (uint32_t i = 0; i < r->naggs; i++)
        if (expr_free(r->aggs[i].arg, set) || expr_free(r->aggs[i].filter, set)) return true;
    for (uint32_t i = 0; i < r->nkeys; i++)
        if (expr_free(r->keys[i].expr, set)) return true;
    if (r->kind == PL_VALUES)
        for (uint32_t i = 0; i < r->nrows * r->ncols; i++)
            if (expr_free(r->cells[i], set)) return true;
    for (uint32_t i = 0; i < r->npart; i++)
        if (expr_free(r->part[i], set)) return true;
    for (uint32_t i = 0; i < r->norder; i++)
        if (expr_free(r->order[i].expr, set)) return true;
    for (uint32_t i = 0; i < r->nfuncs; i++)
        if (expr_free(r->funcs[i].arg, set) || expr_free(r->funcs[i].dflt, set) || expr_free(r->funcs[i].agg.arg, set))
            return true;
    return rel_free(r->left, set) || rel_free(r->right, set);
}

static uint8_t *
produced_set(PlCtx *c, const PlRel *r)
{
    uint8_t *set = pl__alloc(c, c->ncols + 64);
    if (set) mark_produced(r, set);
    return set;
}

/* Move conjuncts mentioning free columns out of filters and inner joins. */
static void
pull(PlCtx *c, PlRel *r, const uint8_t *inner, ExExpr ***out, uint32_t *n, uint32_t *cap)
{
    if (!r) return;
    switch (r->kind) {
    case PL_FILTER:
    case PL_JOIN: {
        if (r->kind == PL_JOIN && r->jtype != EX_JOIN_INNER) {
            if (r->jtype != EX_JOIN_FULL && r->jtype != EX_JOIN_RIGHT) pull(c, r->left, inner, out, n, cap);
            return;
        }
        uint32_t k = 0;
        for (uint32_t i = 0; i < r->nquals; i++) {
            if (expr_free(r->quals[i], inner)) pl__push_expr(c, out, n, cap, r->quals[i]);
            else r->quals[k++] = r->quals[i];
        }
        r->nquals = k;
        pull(c, r->left, inner, out, n, cap);
        if (r->kind == PL_JOIN) pull(c, r->right, inner, out, n, cap);
        return;
    }
    default:
        return;
    }
}

static int
unsupported(PlCtx *c, const PrSubLink *sl, const char *what)
{
    return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, sl->hdr.pos, "%s is not supported", what);
}

static PlRel *
make_join(PlCtx *c, ExJoinType jt, PlRel *l, PlRel *r, ExExpr **quals, uint32_t nq)
{
    bool keep_right = jt == EX_JOIN_INNER || jt == EX_JOIN_LEFT || jt == EX_JOIN_FULL;
    uint32_t n = l->ncols + (keep_right ? r->ncols : 0) + (jt == EX_JOIN_MARK ? 1 : 0);
    PlRel *j = pl__rel_new(c, PL_JOIN, n);
    if (!j) return NULL;
    j->jtype = (uint8_t)jt;
    j->left = l;
    j->right = r;
    memcpy(j->cols, l->cols, sizeof(int32_t) * l->ncols);
    if (keep_right) memcpy(j->cols + l->ncols, r->cols, sizeof(int32_t) * r->ncols);
    j->quals = quals;
    j->nquals = nq;
    return j;
}

/* Strip what does not matter for EXISTS / IN semantics on top of a subplan:
 * ORDER BY without LIMIT, and for EXISTS the projection. */
static PlRel *
strip_sort(PlRel *r)
{
    while (r && r->kind == PL_SORT && r->limit < 0) r = r->left;
    return r;
}

int
pl__unnest_predicate(PlCtx *c, PlRel **rel, const PrSubLink *sl, bool negated, PlScope *scope)
{
    PrSubLink in_form;
    if (sl->kind == PR_SUBLINK_ALL && sl->op == PR_OP_NE) {
        /* x <> ALL (q) is x NOT IN (q) */
        in_form = *sl;
        in_form.kind = PR_SUBLINK_ANY;
        in_form.op = PR_OP_EQ;
        sl = &in_form;
        negated = !negated;
    } else if (sl->kind == PR_SUBLINK_ALL || (sl->kind == PR_SUBLINK_ANY && sl->op != PR_OP_EQ)) {
        /* the aggregate forms (quantified.c): a BOOL value, kept where true */
        int32_t v;
        if (pl__unnest_quantified(c, rel, sl, negated, scope, &v) != K_OK) return K_ERR;
        PlRel *f = pl__rel_new(c, PL_FILTER, (*rel)->ncols);
        if (!f) return K_ERR;
        memcpy(f->cols, (*rel)->cols, sizeof(int32_t) * (*rel)->ncols);
        f->left = *rel;
        f->quals = pl__alloc(c, sizeof(ExExpr *));
        if (!f->quals || !(f->quals[0] = pl__col_ref(c, v))) return K_ERR;
        f->nquals = 1;
        *rel = f;
        return K_OK;
    }
    PlBound b;
    if (pl__bind_query(c, sl->subquery, scope, &b) != K_OK) return K_ERR;
    PlRel *sub = strip_sort(b.rel);
    ExExpr *key = NULL;

    if (sl->kind == PR_SUBLINK_EXISTS) {
        while (sub->kind == PL_PROJECT) sub = sub->left;
        sub = strip_sort(sub);
    } else {
        if (b.nout != 1)
            return k_error_at(c->err, K_SYNTAX_ERROR, sl->hdr.pos, "subquery has too %s columns",
                              b.nout > 1 ? "many" : "few");
        /* SELECT DISTINCT under IN changes nothing */
        if (sub->kind == PL_AGG && sub->naggs == 0 && sub->ngroups == 1 && sub->left->kind == PL_PROJECT) {
            sub = sub->left;
        }
        if (sub->kind == PL_PROJECT) {
            /* the key is the projected expression itself, over the projection's input */
            int32_t want = b.out_cols[0];
            for (uint32_t i = 0; i < sub->ncols; i++)
                if (sub->cols[i] == want) key = sub->exprs[i];
            if (key) sub = sub->left;
        }
        if (!key) key = pl__col_ref(c, b.out_cols[0]);
        if (!key) return K_ERR;
    }
    uint8_t *inner = produced_set(c, sub);
    if (!inner) return K_ERR;
    ExExpr **quals = NULL;
    uint32_t nq = 0, cq = 0;
    pull(c, sub, inner, &quals, &nq, &cq);
    if (rel_free(sub, inner) || expr_free(key, inner))
        return unsupported(c, sl, "this form of correlated subquery");

    ExJoinType jt = negated ? EX_JOIN_ANTI : EX_JOIN_SEMI;
    if (sl->kind == PR_SUBLINK_ANY) {
        ExExpr *x = pl__bind_expr_in(c, scope, sl->testexpr, rel);
        if (!x) return K_ERR;
        ExFunc fn;
        switch (sl->op) {
        case PR_OP_EQ: fn = EX_FN_EQ; break;
        case PR_OP_NE: fn = EX_FN_NE; break;
        case PR_OP_LT: fn = EX_FN_LT; break;
        case PR_OP_LE: fn = EX_FN_LE; break;
        case PR_OP_GT: fn = EX_FN_GT; break;
        case PR_OP_GE: fn = EX_FN_GE; break;
        default: return unsupported(c, sl, "this operator with ANY");
        }
        ExExpr *cmp = pl__make_compare(c, fn, x, key, sl->hdr.pos);
        if (!cmp) return K_ERR;
        pl__push_expr(c, &quals, &nq, &cq, cmp);
        if (negated) {
            if (fn != EX_FN_EQ) return unsupported(c, sl, "NOT (x op ANY (subquery))");
            jt = EX_JOIN_ANTI_NULL_AWARE;
            /* the IN equality first: the executor's null-aware key */
            ExExpr *t = quals[nq - 1];
            memmove(quals + 1, quals, sizeof(ExExpr *) * (nq - 1));
            quals[0] = t;
        }
    }
    PlRel *j = make_join(c, jt, *rel, sub, quals, nq);
    if (!j) return K_ERR;
    *rel = j;
    return K_OK;
}

/* Does the plan give at most one row / exactly one row? */
static bool
at_most_one_row(const PlRel *r, bool *exactly)
{
    *exactly = false;
    bool filtered = false;
    while (r) {
        switch (r->kind) {
        case PL_PROJECT:
        case PL_SORT:
            if (r->kind == PL_SORT && r->limit == 0) return true;
            r = r->left;
            continue;
        case PL_FILTER:
            filtered = true;
            r = r->left;
            continue;
        case PL_LIMIT:
            if (r->limit >= 0 && r->limit <= 1) return true;
            r = r->left;
            continue;
        case PL_AGG:
            if (r->ngroups == 0) {
                *exactly = !filtered;
                return true;
            }
            return false;
        case PL_VALUES:
            if (r->nrows <= 1) {
                *exactly = r->nrows == 1 && !filtered;
                return true;
            }
            return false;
        default:
            return false;
        }
    }
    return false;
}

static bool
is_count(const ExAggSpec *a)
{
    return a->func == EX_AGG_COUNT || a->func == EX_AGG_COUNT_STAR;
}

/* ------------------------------------------------------------------ */
/* General decorrelation: the domain of the outer references            */
/* ------------------------------------------------------------------ */
static ExExpr *
remap_expr(PlCtx *c, const ExExpr *e, const int32_t *map, uint32_t oldn)
{
    if (!e) return NULL;
    ExExpr *x = pl__alloc(c, sizeof(ExExpr));
    if (!x) return NULL;
    *x = *e;
    if (e->kind == EX_EXPR_COLUMN && e->u.column.index < oldn && map[e->u.column.index] >= 0)
        x->u.column.index = (uint32_t)map[e->u.column.index];
    if (e->nargs) {
        x->args = pl__alloc(c, sizeof(ExExpr *) * e->nargs);
        if (!x->args) return NULL;
        for (uint32_t i = 0; i < e->nargs; i++) {
            x->args[i] = remap_expr(c, e->args[i], map, oldn);
            if (!x->args[i]) return NULL;
        }
    }
    return x;
}

static int32_t
fresh_col(PlCtx *c, int32_t old, int32_t *map, uint32_t oldn)
{
    if ((uint32_t)old < oldn && map[old] >= 0) return map[old];
    PlCol copy = c->cols[old];
    int32_t n = pl__new_col(c, copy.type, copy.name);
    if (n < 0) return -1;
    c->cols[n] = copy;
    if ((uint32_t)old < oldn) map[old] = n;
    return n;
}

/* A deep copy of a logical plan with fresh column ids (map: old → new). */
static PlRel *
copy_rel(PlCtx *c, const PlRel *r, int32_t *map, uint32_t oldn)
{
    if (!r) return NULL;
    PlRel *x = pl__alloc(c, sizeof(PlRel));
    if (!x) return NULL;
    *x = *r;
    if (r->left && !(x->left = copy_rel(c, r->left, map, oldn))) return NULL;
    if (r->right && !(x->right = copy_rel(c, r->right, map, oldn))) return NULL;
#define REMAP(dst, src)                                   \
    do {                                                  \
        (dst) = remap_expr(c, (src), map, oldn);          \
        if ((src) && !(dst)) return NULL;                 \
    } while (0)
    if (r->nquals) {
        x->quals = pl__alloc(c, sizeof(ExExpr *) * r->nquals);
        if (!x->quals) return NULL;
        for (uint32_t i = 0; i < r->nquals; i++) REMAP(x->quals[i], r->quals[i]);
    }
    if (r->kind == PL_PROJECT) {
        x->exprs = pl__alloc(c, sizeof(ExExpr *) * (r->ncols + 1));
        if (!x->exprs) return NULL;
        for (uint32_t i = 0; i < r->ncols; i++) REMAP(x->exprs[i], r->exprs[i]);
    }
    if (r->ngroups) {
        x->groups = pl__alloc(c, sizeof(ExExpr *) * r->ngroups);
        if (!x->groups) return NULL;
        for (uint32_t i = 0; i < r->ngroups; i++) REMAP(x->groups[i], r->groups[i]);
    }
    if (r->naggs) {
        x->aggs = pl__alloc(c, sizeof(ExAggSpec) * r->naggs);
        if (!x->aggs) return NULL;
        for (uint32_t i = 0; i < r->naggs; i++) {
            x->aggs[i] = r->aggs[i];
            REMAP(x->aggs[i].arg, r->aggs[i].arg);
            REMAP(x->aggs[i].filter, r->aggs[i].filter);
        }
    }
    if (r->nkeys) {
        x->keys = pl__alloc(c, sizeof(ExSortKey) * r->nkeys);
        if (!x->keys) return NULL;
        for (uint32_t i = 0; i < r->nkeys; i++) {
            x->keys[i] = r->keys[i];
            REMAP(x->keys[i].expr, r->keys[i].expr);
        }
    }
    if (r->kind == PL_WINDOW) return NULL; /* not produced by the binder */
    if (r->kind == PL_RECURSIVE || r->kind == PL_WORKTABLE) return NULL; /* one work table each */
#undef REMAP
    /* output columns: operators that create columns get fresh ids; the others pass their
     * children's through (already mapped) */
    x->cols = pl__alloc(c, sizeof(int32_t) * (r->ncols + 1));
    if (!x->cols) return NULL;
    bool creates = r->kind == PL_SCAN || r->kind == PL_PROJECT || r->kind == PL_AGG || r->kind == PL_VALUES ||
                   r->kind == PL_SETOP;
    for (uint32_t i = 0; i < r->ncols; i++) {
        int32_t old = r->cols[i];
        if (creates || (uint32_t)old >= oldn || map[old] < 0) x->cols[i] = fresh_col(c, old, map, oldn);
        else x->cols[i] = map[old];
        if (x->cols[i] < 0) return NULL;
    }
    if (r->kind == PL_JOIN && r->mark_col >= 0) x->mark_col = fresh_col(c, r->mark_col, map, oldn);
    return x;
}

/*
 * The general case (Neumann & Kemper's dependent join): the subquery's
 * aggregate over X with correlated conjuncts P(F, X) becomes
 *     D  = the distinct values of the outer columns F (a copy of the outer plan)
 *     A' = aggregate grouped by D of (D LEFT JOIN X' ON P[F := D])
 * where X' adds a constant column so that COUNT(*) counts only matches; the
 * caller joins the outer plan with A' on F = D's columns.
 */
static int
group_by_domain(PlCtx *c, PlRel *outer, PlRel *a, ExExpr **pulled, uint32_t np, const uint8_t *ainner,
                const PrSubLink *sl, ExExpr ***jq_out, uint32_t *ng_out)
{
    int32_t F[64];
    uint32_t nf = 0;
    for (uint32_t i = 0; i < np; i++) {
        int32_t cols[64];
        uint32_t n = 0;
        pl__expr_collect_cols(pulled[i], cols, &n, 64);
        for (uint32_t k = 0; k < n; k++) {
            if (ainner[cols[k]]) continue;
            bool dup = false;
            for (uint32_t j = 0; j < nf; j++) dup |= F[j] == cols[k];
            if (!dup && nf < 64) F[nf++] = cols[k];
        }
    }
    /* outer columns inside the aggregates' arguments (sum(x.v + outer.b)) are
     * part of the domain too, and read from D below the aggregate */
    for (uint32_t i = 0; i < a->naggs; i++) {
        int32_t cols[64];
        uint32_t n = 0;
        pl__expr_collect_cols(a->aggs[i].arg, cols, &n, 64);
        pl__expr_collect_cols(a->aggs[i].filter, cols, &n, 64);
        for (uint32_t k = 0; k < n; k++) {
            if (ainner[cols[k]]) continue;
            bool dup = false;
            for (uint32_t j = 0; j < nf; j++) dup |= F[j] == cols[k];
            if (!dup && nf < 64) F[nf++] = cols[k];
        }
    }
    uint8_t *oset = produced_set(c, outer);
    if (!oset) return K_ERR;
    for (uint32_t i = 0; i < nf; i++)
        if (!oset[F[i]]) return unsupported(c, sl, "a subquery correlated with more than one level out");
    uint32_t oldn = c->ncols;
    int32_t *map = pl__alloc(c, sizeof(int32_t) * (oldn + 1));
    if (!map) return K_ERR;
    for (uint32_t i = 0; i < oldn; i++) map[i] = -1;
    PlRel *dup = copy_rel(c, outer, map, oldn);
    if (!dup) return c->err->code ? K_ERR : unsupported(c, sl, "this correlated subquery");
    /* D: distinct F */
    PlRel *d = pl__rel_new(c, PL_AGG, nf);
    if (!d) return K_ERR;
    d->left = dup;
    d->ngroups = nf;
    d->groups = pl__alloc(c, sizeof(ExExpr *) * (nf + 1));
    int32_t *from = pl__alloc(c, sizeof(int32_t) * (nf + 1));
    ExExpr **to = pl__alloc(c, sizeof(ExExpr *) * (nf + 1));
    if (!d->groups || !from || !to) return K_ERR;
    for (uint32_t i = 0; i < nf; i++) {
        if (map[F[i]] < 0) return unsupported(c, sl, "this correlated subquery");
        d->groups[i] = pl__col_ref(c, map[F[i]]);
        d->cols[i] = pl__new_col(c, c->cols[F[i]].type, c->cols[F[i]].name);
        if (!d->groups[i] || d->cols[i] < 0) return K_ERR;
        c->cols[d->cols[i]].ndv = c->cols[F[i]].ndv;
        from[i] = F[i];
        to[i] = pl__col_ref(c, d->cols[i]);
    }
    /* X': X plus a constant that is NULL exactly when the LEFT join found nothing */
    PlRel *x = a->left;
    PlRel *xp = pl__rel_new(c, PL_PROJECT, x->ncols + 1);
    if (!xp) return K_ERR;
    xp->left = x;
    xp->exprs = pl__alloc(c, sizeof(ExExpr *) * (x->ncols + 1));
    if (!xp->exprs) return K_ERR;
    for (uint32_t i = 0; i < x->ncols; i++) {
        xp->cols[i] = x->cols[i];
        xp->exprs[i] = pl__col_ref(c, x->cols[i]);
    }
    int32_t one = pl__new_col(c, k_type(K_TYPE_BOOL), "?match?");
    ExExpr *t = pl__alloc(c, sizeof(ExExpr));
    if (one < 0 || !t) return K_ERR;
    t->kind = EX_EXPR_CONST;
    t->type = k_type(K_TYPE_BOOL);
    t->pos = -1;
    t->u.konst.v.b = 1;
    xp->cols[x->ncols] = one;
    xp->exprs[x->ncols] = t;
    /* D LEFT JOIN X' ON P[F := D] */
    ExExpr **pq = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
    if (!pq) return K_ERR;
    for (uint32_t i = 0; i < np; i++) {
        pq[i] = pl__expr_copy_map(c, pulled[i], from, to, nf);
        if (!pq[i]) return K_ERR;
    }
    PlRel *j = make_join(c, EX_JOIN_LEFT, d, xp, pq, np);
    if (!j) return K_ERR;
    /* the aggregate, grouped by D */
    int32_t *ncols = pl__alloc(c, sizeof(int32_t) * (nf + a->naggs + 1));
    ExExpr **groups = pl__alloc(c, sizeof(ExExpr *) * (nf + 1));
    ExExpr **jq = pl__alloc(c, sizeof(ExExpr *) * (nf + 1));
    if (!ncols || !groups || !jq) return K_ERR;
    for (uint32_t i = 0; i < nf; i++) {
        groups[i] = pl__col_ref(c, d->cols[i]);
        ncols[i] = pl__new_col(c, c->cols[F[i]].type, c->cols[F[i]].name);
        if (!groups[i] || ncols[i] < 0) return K_ERR;
        /* F = key, NULL-safe: a NULL outer value has its own group in D */
        ExExpr *eq = pl__alloc(c, sizeof(ExExpr));
        if (!eq) return K_ERR;
        eq->kind = EX_EXPR_FUNC;
        eq->type = k_type(K_TYPE_BOOL);
        eq->pos = -1;
        eq->nargs = 2;
        eq->u.func.fn = EX_FN_EQ;
        eq->args = pl__alloc(c, sizeof(ExExpr *) * 2);
        if (!eq->args) return K_ERR;
        eq->args[0] = pl__col_ref(c, F[i]);
        eq->args[1] = pl__col_ref(c, ncols[i]);
        jq[i] = eq;
    }
    for (uint32_t i = 0; i < a->naggs; i++) {
        if (a->aggs[i].arg && !(a->aggs[i].arg = pl__expr_copy_map(c, a->aggs[i].arg, from, to, nf)))
            return K_ERR;
        if (a->aggs[i].filter && !(a->aggs[i].filter = pl__expr_copy_map(c, a->aggs[i].filter, from, to, nf)))
            return K_ERR;
        if (a->aggs[i].func == EX_AGG_COUNT_STAR) {
            a->aggs[i].func = EX_AGG_COUNT;
            a->aggs[i].arg = pl__col_ref(c, one);
        }
        if (a->aggs[i].func == EX_AGG_LIST) {
            /* ARRAY(q) keeps NULL elements: only the rows that matched count */
            ExExpr *m = pl__alloc(c, sizeof(ExExpr));
            if (!m || !(m->args = pl__alloc(c, sizeof(ExExpr *)))) return K_ERR;
            m->kind = EX_EXPR_IS_NOT_NULL;
            m->type = k_type(K_TYPE_BOOL);
            m->pos = -1;
            m->nargs = 1;
            if (!(m->args[0] = pl__col_ref(c, one))) return K_ERR;
            a->aggs[i].filter = a->aggs[i].filter ? pl__make_and(c, a->aggs[i].filter, m) : m;
            if (!a->aggs[i].filter) return K_ERR;
        }
    }
    memcpy(ncols + nf, a->cols, sizeof(int32_t) * a->naggs);
    a->left = j;
    a->groups = groups;
    a->ngroups = nf;
    a->cols = ncols;
    a->ncols = nf + a->naggs;
    *jq_out = jq;
    *ng_out = nf;
    return K_OK;
}

/* EXISTS as a value without an equality to hash on: count the matches per
 * outer domain value (group_by_domain) and compare with zero. */
static int
exists_by_count(PlCtx *c, PlRel **rel, PlRel *outer, PlRel *x, ExExpr **pulled, uint32_t np,
                const PrSubLink *sl, int32_t *colid)
{
    PlRel *a = pl__rel_new(c, PL_AGG, 1);
    if (!a) return K_ERR;
    a->left = x;
    a->naggs = 1;
    a->aggs = pl__alloc(c, sizeof(ExAggSpec));
    if (!a->aggs) return K_ERR;
    a->aggs[0].func = EX_AGG_COUNT_STAR;
    a->aggs[0].type = k_type(K_TYPE_INT64);
    a->cols[0] = pl__new_col(c, k_type(K_TYPE_INT64), "count");
    if (a->cols[0] < 0) return K_ERR;
    int32_t cnt = a->cols[0];
    PlRel *j;
    if (np == 0) {
        j = make_join(c, EX_JOIN_INNER, outer, a, NULL, 0);
        if (!j) return K_ERR;
        j->single_row = true;
    } else {
        uint8_t *inner = produced_set(c, x);
        ExExpr **jq;
        uint32_t ng;
        if (!inner || group_by_domain(c, outer, a, pulled, np, inner, sl, &jq, &ng) != K_OK) return K_ERR;
        cnt = a->cols[ng];
        j = make_join(c, EX_JOIN_LEFT, outer, a, jq, ng);
        if (!j) return K_ERR;
    }
    /* value: coalesce(count, 0) > 0 */
    ExExpr *co = pl__alloc(c, sizeof(ExExpr)), *zero = pl__alloc(c, sizeof(ExExpr));
    if (!co || !zero) return K_ERR;
    zero->kind = EX_EXPR_CONST;
    zero->type = k_type(K_TYPE_INT64);
    zero->pos = -1;
    co->kind = EX_EXPR_COALESCE;
    co->type = k_type(K_TYPE_INT64);
    co->pos = -1;
    co->nargs = 2;
    co->args = pl__alloc(c, sizeof(ExExpr *) * 2);
    if (!co->args) return K_ERR;
    co->args[0] = pl__col_ref(c, cnt);
    co->args[1] = zero;
    ExExpr *gt = pl__make_compare(c, EX_FN_GT, co, zero, sl->hdr.pos);
    if (!gt) return K_ERR;
    PlRel *proj = pl__rel_new(c, PL_PROJECT, j->ncols + 1);
    if (!proj) return K_ERR;
    proj->left = j;
    proj->exprs = pl__alloc(c, sizeof(ExExpr *) * (j->ncols + 1));
    if (!proj->exprs) return K_ERR;
    for (uint32_t i = 0; i < j->ncols; i++) {
        proj->cols[i] = j->cols[i];
        proj->exprs[i] = pl__col_ref(c, j->cols[i]);
    }
    int32_t v = pl__new_col(c, k_type(K_TYPE_BOOL), "exists");
    if (v < 0) return K_ERR;
    proj->cols[j->ncols] = v;
    proj->exprs[j->ncols] = gt;
    *rel = proj;
    *colid = v;
    return K_OK;
}

int
pl__unnest_value(PlCtx *c, PlRel **rel, const PrSubLink *sl, PlScope *scope, int32_t *colid)
{
    if (sl->kind == PR_SUBLINK_ALL || (sl->kind == PR_SUBLINK_ANY && sl->op != PR_OP_EQ))
        return pl__unnest_quantified(c, rel, sl, false, scope, colid);
    if (sl->kind == PR_SUBLINK_EXISTS || sl->kind == PR_SUBLINK_ANY) {
        /* a MARK join: the probe side keeps every row and gains a BOOL */
        PlRel *before = *rel;
        PlRel *tmp = before;
        if (pl__unnest_predicate(c, &tmp, sl, false, scope) != K_OK) return K_ERR;
        bool keyed = false;
        for (uint32_t i = 0; i < tmp->nquals && !keyed; i++) {
            const ExExpr *q = tmp->quals[i];
            if (q->kind != EX_EXPR_FUNC || q->u.func.fn != EX_FN_EQ) continue;
            int32_t t0[4], t1[4];
            uint32_t n0 = 0, n1 = 0;
            pl__expr_collect_cols(q->args[0], t0, &n0, 4);
            pl__expr_collect_cols(q->args[1], t1, &n1, 4);
            bool l_in = n0 > 0 && pl__expr_uses_only(q->args[0], tmp->right->cols, tmp->right->ncols);
            bool r_in = n1 > 0 && pl__expr_uses_only(q->args[1], tmp->right->cols, tmp->right->ncols);
            bool l_out = pl__expr_uses_only(q->args[0], before->cols, before->ncols);
            bool r_out = pl__expr_uses_only(q->args[1], before->cols, before->ncols);
            keyed = (l_in && r_out && !l_out) || (r_in && l_out && !r_out);
        }
        if (!keyed && sl->kind == PR_SUBLINK_EXISTS)
            return exists_by_count(c, rel, before, tmp->right, tmp->quals, tmp->nquals, sl, colid);
        tmp->jtype = EX_JOIN_MARK;
        int32_t m = pl__new_col(c, k_type(K_TYPE_BOOL), "exists");
        if (m < 0) return K_ERR;
        int32_t *cols = pl__alloc(c, sizeof(int32_t) * (tmp->ncols + 1));
        if (!cols) return K_ERR;
        memcpy(cols, tmp->cols, sizeof(int32_t) * tmp->ncols);
        cols[tmp->ncols] = m;
        tmp->cols = cols;
        tmp->ncols++;
        tmp->mark_col = m;
        *rel = tmp;
        *colid = m;
        return K_OK;
    }
    if (sl->kind != PR_SUBLINK_SCALAR && sl->kind != PR_SUBLINK_ARRAY)
        return unsupported(c, sl, "this kind of subquery");
    PlBound b;
    if (pl__bind_query(c, sl->subquery, scope, &b) != K_OK) return K_ERR;
    /* ARRAY(q): an aggregate subquery over q's rows (array.c) */
    if (sl->kind == PR_SUBLINK_ARRAY && pl__array_sublink(c, sl, &b) != K_OK) return K_ERR;
    if (b.nout != 1)
        return k_error_at(c->err, K_SYNTAX_ERROR, sl->hdr.pos, "subquery must return only one column");
    return pl__unnest_scalar_bound(c, rel, sl, scope, &b, colid);
}

/*
 * A scalar subquery that may give more than one row, X under the projection
 * of `val`: the aggregate (count(*), any_value(val)) over X without groups,
 * under a projection whose value is
 *     CASE WHEN single_row_check(count) THEN any_value END
 * single_row_check raises 21000 for a count above 1, as PostgreSQL does when
 * such a subquery returns a second row; no row gives NULL. The caller treats
 * the result as an aggregate subquery (joined, never re-run per outer row).
 */
static int
single_row_agg(PlCtx *c, PlRel *x, ExExpr *val, PlRel **p_out, PlRel **a_out, int32_t *want)
{
    PlRel *a = pl__rel_new(c, PL_AGG, 2);
    if (!a) return K_ERR;
    a->left = x;
    a->naggs = 2;
    a->aggs = pl__alloc(c, sizeof(ExAggSpec) * 2);
    if (!a->aggs) return K_ERR;
    a->aggs[0].func = EX_AGG_COUNT_STAR;
    a->aggs[0].type = k_type(K_TYPE_INT64);
    a->aggs[1].func = EX_AGG_ANY_VALUE;
    a->aggs[1].arg = val;
    a->aggs[1].type = ex_agg_result_type(EX_AGG_ANY_VALUE, val->type);
    a->cols[0] = pl__new_col(c, k_type(K_TYPE_INT64), "count");
    a->cols[1] = pl__new_col(c, a->aggs[1].type, "?column?");
    if (a->cols[0] < 0 || a->cols[1] < 0) return K_ERR;
    ExExpr *chk = pl__alloc(c, sizeof(ExExpr));
    ExExpr *cs = pl__alloc(c, sizeof(ExExpr));
    if (!chk || !cs) return K_ERR;
    chk->kind = EX_EXPR_FUNC;
    chk->type = k_type(K_TYPE_BOOL);
    chk->pos = -1; /* PostgreSQL's message has no position */
    chk->nargs = 1;
    chk->u.func.fn = EX_FN_SINGLE_ROW_CHECK;
    chk->args = pl__alloc(c, sizeof(ExExpr *));
    if (!chk->args || !(chk->args[0] = pl__col_ref(c, a->cols[0]))) return K_ERR;
    cs->kind = EX_EXPR_CASE;
    cs->type = a->aggs[1].type;
    cs->pos = -1;
    cs->nargs = 2;
    cs->args = pl__alloc(c, sizeof(ExExpr *) * 2);
    if (!cs->args) return K_ERR;
    cs->args[0] = chk;
    if (!(cs->args[1] = pl__col_ref(c, a->cols[1]))) return K_ERR;
    PlRel *p = pl__rel_new(c, PL_PROJECT, 1);
    if (!p) return K_ERR;
    p->left = a;
    p->exprs = pl__alloc(c, sizeof(ExExpr *) * 2);
    if (!p->exprs) return K_ERR;
    p->exprs[0] = cs;
    p->cols[0] = pl__new_col(c, cs->type, c->cols[*want].name);
    if (p->cols[0] < 0) return K_ERR;
    *want = p->cols[0];
    *p_out = p;
    *a_out = a;
    return K_OK;
}

/* A bound scalar subquery (one output column) as a value joined onto *rel;
 * also used for the aggregate forms of op ANY/ALL (quantified.c), whose
 * projection may mention outer columns: the value is computed above the join. */
int
pl__unnest_scalar_bound(PlCtx *c, PlRel **rel, const PrSubLink *sl, PlScope *scope, const PlBound *bp,
                        int32_t *colid)
{
    PlBound b = *bp;
    uint8_t *inner = produced_set(c, b.rel);
    if (!inner) return K_ERR;
    if (!rel_free(b.rel, inner)) {
        bool exactly;
        int32_t w = b.out_cols[0];
        if (!at_most_one_row(b.rel, &exactly)) {
            /* checked at run time: one aggregate row whose value is checked */
            PlRel *sp, *sa;
            if (single_row_agg(c, b.rel, pl__col_ref(c, w), &sp, &sa, &w) != K_OK) return K_ERR;
            b.rel = sp;
            exactly = true;
        }
        PlRel *j = make_join(c, exactly ? EX_JOIN_INNER : EX_JOIN_LEFT, *rel, b.rel, NULL, 0);
        if (!j) return K_ERR;
        j->single_row = true;
        *rel = j;
        *colid = w;
        return K_OK;
    }
    /* correlated: PROJECT over an aggregate without GROUP BY */
    PlRel *p = strip_sort(b.rel);
    PlRel *a = p && p->kind == PL_PROJECT ? p->left : NULL;
    int32_t want = b.out_cols[0];
    if (a && a->kind != PL_AGG && a->kind != PL_WINDOW && a->kind != PL_SETOP) {
        /* without an aggregate: (count(*), any_value(v)) over the same rows with a
         * run-time check that at most one row came per outer row */
        ExExpr *v = NULL;
        for (uint32_t i = 0; i < p->ncols; i++)
            if (p->cols[i] == want) v = p->exprs[i];
        if (!v) return unsupported(c, sl, "this scalar subquery");
        if (single_row_agg(c, a, v, &p, &a, &want) != K_OK) return K_ERR;
    }
    if (a && a->kind == PL_AGG && a->ngroups != 0)
        return unsupported(c, sl, "a correlated scalar subquery with GROUP BY or DISTINCT");
    if (!a || a->kind != PL_AGG)
        return unsupported(c, sl, "this form of correlated scalar subquery (LIMIT, a window or a "
                                  "set operation)");
    uint8_t *ainner = produced_set(c, a->left);
    if (!ainner) return K_ERR;
    ExExpr **pulled = NULL;
    uint32_t np = 0, cp = 0;
    pull(c, a->left, ainner, &pulled, &np, &cp);
    if (rel_free(a->left, ainner))
        return unsupported(c, sl, "this form of correlated scalar subquery");
    /* every pulled conjunct: outer = inner */
    ExExpr **outer_e = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
    ExExpr **inner_e = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
    if (!outer_e || !inner_e) return K_ERR;
    bool general = false;
    /* outer columns in an aggregate's argument: only the domain join has them below it */
    for (uint32_t i = 0; i < a->naggs; i++)
        general |= expr_free(a->aggs[i].arg, ainner) || expr_free(a->aggs[i].filter, ainner);
    for (uint32_t i = 0; i < np && !general; i++) {
        ExExpr *q = pulled[i];
        if (q->kind != EX_EXPR_FUNC || q->u.func.fn != EX_FN_EQ) {
            general = true;
            break;
        }
        bool l_in = !expr_free(q->args[0], ainner), r_in = !expr_free(q->args[1], ainner);
        bool l_out = !pl__expr_uses_only(q->args[0], NULL, 0) && !l_in;
        bool r_out = !r_in;
        if (l_in && r_out) {
            inner_e[i] = q->args[0];
            outer_e[i] = q->args[1];
        } else if (r_in && l_out) {
            inner_e[i] = q->args[1];
            outer_e[i] = q->args[0];
        } else {
            general = true;
            break;
        }
        /* the outer side must not mix in inner columns */
        int32_t tmp[64];
        uint32_t nt = 0;
        pl__expr_collect_cols(outer_e[i], tmp, &nt, 64);
        for (uint32_t k = 0; k < nt; k++)
            if (ainner[tmp[k]]) general = true;
        if (general) break;
    }
    uint32_t ng;
    ExExpr **jq;
    if (general) {
        if (group_by_domain(c, *rel, a, pulled, np, ainner, sl, &jq, &ng) != K_OK) return K_ERR;
    } else {
        /* group the aggregate by the inner sides */
        ng = np;
        ExExpr **groups = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
        int32_t *ncols = pl__alloc(c, sizeof(int32_t) * (ng + a->naggs + 1));
        if (!groups || !ncols) return K_ERR;
        jq = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
        if (!jq) return K_ERR;
        for (uint32_t i = 0; i < ng; i++) {
            groups[i] = inner_e[i];
            const char *nm = inner_e[i]->kind == EX_EXPR_COLUMN ? c->cols[inner_e[i]->u.column.index].name : "?key?";
            ncols[i] = pl__new_col(c, inner_e[i]->type, nm);
            if (ncols[i] < 0) return K_ERR;
            if (inner_e[i]->kind == EX_EXPR_COLUMN) {
                c->cols[ncols[i]].ndv = c->cols[inner_e[i]->u.column.index].ndv;
                c->cols[ncols[i]].not_null = c->cols[inner_e[i]->u.column.index].not_null;
                c->cols[ncols[i]].table_id = c->cols[inner_e[i]->u.column.index].table_id;
            }
            jq[i] = pl__make_compare(c, EX_FN_EQ, outer_e[i], pl__col_ref(c, ncols[i]), sl->hdr.pos);
            if (!jq[i]) return K_ERR;
        }
        memcpy(ncols + ng, a->cols, sizeof(int32_t) * a->naggs);
        a->groups = groups;
        a->ngroups = ng;
        a->cols = ncols;
        a->ncols = ng + a->naggs;
    }
    bool has_count = false;
    for (uint32_t i = 0; i < a->naggs; i++) has_count |= is_count(&a->aggs[i]);
    bool inner_join = pl__scope_scalar_inner_ok(scope) && !has_count;
    PlRel *j = make_join(c, inner_join ? EX_JOIN_INNER : EX_JOIN_LEFT, *rel, a, jq, ng);
    if (!j) return K_ERR;
    j->single_row = ng == 0; /* an aggregate without groups: one row */
    /* the value is computed above the join (so that COUNT's empty group is 0) */
    ExExpr *val = NULL;
    for (uint32_t i = 0; i < p->ncols; i++)
        if (p->cols[i] == want) val = p->exprs[i];
    if (!val) return unsupported(c, sl, "this scalar subquery");
    if (has_count) {
        int32_t from[16];
        ExExpr *to[16];
        uint32_t nf = 0;
        for (uint32_t i = 0; i < a->naggs && nf < 16; i++) {
            if (!is_count(&a->aggs[i])) continue;
            int32_t col = a->cols[ng + i];
            ExExpr *co = pl__alloc(c, sizeof(ExExpr));
            ExExpr *zero = pl__alloc(c, sizeof(ExExpr));
            if (!co || !zero) return K_ERR;
            co->kind = EX_EXPR_COALESCE;
            co->type = k_type(K_TYPE_INT64);
            co->pos = -1;
            co->nargs = 2;
            co->args = pl__alloc(c, sizeof(ExExpr *) * 2);
            if (!co->args) return K_ERR;
            zero->kind = EX_EXPR_CONST;
            zero->type = k_type(K_TYPE_INT64);
            zero->pos = -1;
            co->args[0] = pl__col_ref(c, col);
            co->args[1] = zero;
            from[nf] = col;
            to[nf++] = co;
        }
        val = pl__expr_copy_map(c, val, from, to, nf);
        if (!val) return K_ERR;
    }
    PlRel *proj = pl__rel_new(c, PL_PROJECT, j->ncols + 1);
    if (!proj) return K_ERR;
    proj->left = j;
    proj->exprs = pl__alloc(c, sizeof(ExExpr *) * (j->ncols + 1));
    if (!proj->exprs) return K_ERR;
    for (uint32_t i = 0; i < j->ncols; i++) {
        proj->cols[i] = j->cols[i];
        proj->exprs[i] = pl__col_ref(c, j->cols[i]);
        if (!proj->exprs[i]) return K_ERR;
    }
    if (val->kind == EX_EXPR_COLUMN) {
        /* the value is an aggregate column itself: keep its id (its estimate) */
        proj->ncols = j->ncols;
        *colid = (int32_t)val->u.column.index;
        bool present = false;
        for (uint32_t i = 0; i < j->ncols; i++) present |= j->cols[i] == *colid;
        if (!present) {
            proj->cols[proj->ncols] = want;
            proj->exprs[proj->ncols++] = val;
            *colid = want;
        }
    } else {
        /* a computed value gets its own column id: `want` may be the id of an
         * aggregate column the join already outputs (SELECT count(*) keeps it) */
        bool clash = false;
        for (uint32_t i = 0; i < j->ncols; i++) clash |= j->cols[i] == want;
        int32_t v = clash ? pl__new_col(c, val->type, c->cols[want].name) : want;
        if (v < 0) return K_ERR;
        proj->cols[j->ncols] = v;
        proj->exprs[j->ncols] = val;
        *colid = v;
    }
    *rel = proj;
    return K_OK;
}

/* Fresh ids for every scan's columns first: after optimization a scan's
 * pushed conjuncts mention its own columns, which copy_rel maps only after
 * the conjuncts. */
static bool
premap_scans(PlCtx *c, const PlRel *r, int32_t *map, uint32_t oldn)
{
    if (!r) return true;
    if (r->kind == PL_SCAN)
        for (uint32_t i = 0; i < r->ncols; i++)
            if (fresh_col(c, r->cols[i], map, oldn) < 0) return false;
    return premap_scans(c, r->left, map, oldn) && premap_scans(c, r->right, map, oldn);
}

/* A deep copy of a logical plan with fresh column ids, also giving the map of
 * old column ids (below *oldn) to new ones (-1: not copied) (array.c's
 * correlated functions in FROM); NULL without an error for what cannot be
 * copied. */
PlRel *
pl__copy_rel_map(PlCtx *c, const PlRel *r, int32_t **map_out, uint32_t *oldn_out)
{
    uint32_t oldn = c->ncols;
    int32_t *map = pl__alloc(c, sizeof(int32_t) * (oldn + 1));
    if (!map) return NULL;
    for (uint32_t i = 0; i < oldn; i++) map[i] = -1;
    if (!premap_scans(c, r, map, oldn)) return NULL;
    *map_out = map;
    *oldn_out = oldn;
    return copy_rel(c, r, map, oldn);
}

/* The same without the map (optimize.c's semi-join reduction of grouped
 * subqueries). */
PlRel *
pl__copy_rel(PlCtx *c, const PlRel *r)
{
    int32_t *map;
    uint32_t oldn;
    return pl__copy_rel_map(c, r, &map, &oldn);
}

/* ------------------------------------------------------------------ */
/* LATERAL subqueries in FROM                                           */
/* ------------------------------------------------------------------ */
/* A pulled conjunct `inner = outer`: its sides (inner over `in` only, outer
 * without any of `in`); false for any other shape. */
static bool
split_eq(ExExpr *q, const uint8_t *in, ExExpr **inner, ExExpr **outer)
{
    if (q->kind != EX_EXPR_FUNC || q->u.func.fn != EX_FN_EQ || q->nargs != 2) return false;
    for (int side = 0; side < 2; side++) {
        ExExpr *a = q->args[side], *o = q->args[1 - side];
        int32_t cols[64];
        uint32_t n = 0;
        pl__expr_collect_cols(a, cols, &n, 64);
        bool a_in = n > 0 && !expr_free(a, in);
        n = 0;
        pl__expr_collect_cols(o, cols, &n, 64);
        bool o_out = n > 0;
        for (uint32_t k = 0; k < n; k++) o_out &= !in[cols[k]];
        if (a_in && o_out) {
            *inner = a;
            *outer = o;
            return true;
        }
    }
    return false;
}

/* Does a filter between `f` and `stop` mention a free column (of `stop`'s output)? */
static bool
rel_free_quals(const PlRel *f, const PlRel *stop)
{
    for (uint32_t i = 0; i < f->nquals; i++) {
        int32_t used[64];
        uint32_t n = 0;
        pl__expr_collect_cols(f->quals[i], used, &n, 64);
        for (uint32_t k = 0; k < n; k++) {
            bool mine = false;
            for (uint32_t j = 0; j < stop->ncols && !mine; j++) mine = stop->cols[j] == used[k];
            if (!mine) return true;
        }
    }
    return false;
}

static ExExpr *
lateral_null_unless(PlCtx *c, int32_t marker, ExExpr *e)
{
    ExExpr *isn = pl__alloc(c, sizeof(ExExpr)), *cs = pl__alloc(c, sizeof(ExExpr));
    ExExpr *nul = ex_expr_const_null(c->a, e->type);
    if (!isn || !cs || !nul) return NULL;
    isn->kind = EX_EXPR_IS_NULL;
    isn->type = k_type(K_TYPE_BOOL);
    isn->pos = -1;
    isn->nargs = 1;
    cs->kind = EX_EXPR_CASE;
    cs->type = e->type;
    cs->pos = e->pos;
    cs->nargs = 3;
    isn->args = pl__alloc(c, sizeof(ExExpr *));
    cs->args = pl__alloc(c, sizeof(ExExpr *) * 3);
    if (!isn->args || !cs->args || !(isn->args[0] = pl__col_ref(c, marker))) return NULL;
    cs->args[0] = isn;
    cs->args[1] = nul;
    cs->args[2] = e;
    return cs;
}

/* *rel JOIN x ON quals, then q's select list (p, or x's columns) above it;
 * under LEFT a computed value is NULL where nothing matched. */
static int
lateral_join(PlCtx *c, PlRel **rel, const PlBound *b, PlRel *p, PlRel *x, ExJoinType jt, int32_t pos,
             ExExpr **pulled, uint32_t np, int32_t *out_cols)
{
    (void)pos;
    uint8_t *xin = produced_set(c, x);
    if (!xin) return K_ERR;
    int32_t marker = -1;
    if (jt == EX_JOIN_LEFT) {
        /* a constant that is NULL exactly where the LEFT join found nothing */
        PlRel *xp = pl__rel_new(c, PL_PROJECT, x->ncols + 1);
        if (!xp || !(xp->exprs = pl__alloc(c, sizeof(ExExpr *) * (x->ncols + 1)))) return K_ERR;
        xp->left = x;
        for (uint32_t i = 0; i < x->ncols; i++) {
            xp->cols[i] = x->cols[i];
            if (!(xp->exprs[i] = pl__col_ref(c, x->cols[i]))) return K_ERR;
        }
        marker = pl__new_col(c, k_type(K_TYPE_BOOL), "?match?");
        if (marker < 0 || !(xp->exprs[x->ncols] = ex_expr_const_bool(c->a, true))) return K_ERR;
        xp->cols[x->ncols] = marker;
        x = xp;
    }
    PlRel *j = make_join(c, jt, *rel, x, pulled, np);
    if (!j) return K_ERR;
    bool exactly;
    if (np == 0 && at_most_one_row(x, &exactly) && exactly) j->single_row = true;
    PlRel *proj = pl__rel_new(c, PL_PROJECT, (*rel)->ncols + b->nout);
    if (!proj || !(proj->exprs = pl__alloc(c, sizeof(ExExpr *) * ((*rel)->ncols + b->nout + 1)))) return K_ERR;
    proj->left = j;
    uint32_t n = 0;
    for (uint32_t i = 0; i < (*rel)->ncols; i++) {
        proj->cols[n] = (*rel)->cols[i];
        if (!(proj->exprs[n++] = pl__col_ref(c, (*rel)->cols[i]))) return K_ERR;
    }
    for (uint32_t k = 0; k < b->nout; k++) {
        ExExpr *e = NULL;
        if (p) {
            for (uint32_t i = 0; i < p->ncols && !e; i++)
                if (p->cols[i] == b->out_cols[k]) e = p->exprs[i];
        }
        if (!e && !(e = pl__col_ref(c, b->out_cols[k]))) return K_ERR;
        bool plain = e->kind == EX_EXPR_COLUMN && xin[e->u.column.index];
        if (marker >= 0 && !plain && !(e = lateral_null_unless(c, marker, e))) return K_ERR;
        /* a pass-through of one of x's columns keeps its id; anything else is new */
        int32_t id = b->out_cols[k];
        bool dup = false;
        for (uint32_t i = 0; i < n; i++) dup |= proj->cols[i] == id;
        if (dup && (id = pl__new_col(c, e->type, c->cols[b->out_cols[k]].name)) < 0) return K_ERR;
        proj->cols[n] = id;
        proj->exprs[n++] = e;
        out_cols[k] = id;
    }
    proj->ncols = n;
    *rel = proj;
    return K_OK;
}

/*
 * FROM ..., LATERAL (q): q was bound (b) with the FROM items to its left in
 * scope, so its references to them are free columns. Decorrelated like the
 * subqueries above, never run per row:
 *   - q uncorrelated: an ordinary join;
 *   - q a select-project-join block: the correlated conjuncts are pulled out
 *     of its filters and inner joins and become the join condition with the
 *     plan to the left; its select list is computed above the join (it may
 *     mention the left side's columns; under LEFT JOIN a computed value is
 *     NULL for a left row without a match);
 *   - q an aggregate without GROUP BY: one row per left row, each column as
 *     a correlated scalar subquery (q is bound once per column);
 *   - q grouped (GROUP BY, HAVING) and correlated by equalities below the
 *     grouping: the inner sides become group keys too, joined on equality;
 *   - q with LIMIT/OFFSET (top-N per left row) correlated by equalities: a
 *     row_number() window partitioned by the inner sides in the ORDER BY's
 *     order, kept where it is in (offset, offset + limit], then the join.
 * Other correlated forms (DISTINCT, windows, set operations, non-equality
 * correlation under GROUP BY or LIMIT) are 0A000. On success *rel is the joined plan and out_cols[i] the column
 * of q's i-th output.
 */
int
pl__unnest_lateral(PlCtx *c, PlRel **rel, const PrSelect *q, PlScope *scope, const PlBound *b,
                   ExJoinType jt, int32_t pos, int32_t *out_cols)
{
    PlRel *top = strip_sort(b->rel);
    uint8_t *inner = produced_set(c, top);
    if (!inner) return K_ERR;
    if (!rel_free(top, inner)) {
        PlRel *j = make_join(c, jt, *rel, top, NULL, 0);
        if (!j) return K_ERR;
        memcpy(out_cols, b->out_cols, sizeof(int32_t) * b->nout);
        *rel = j;
        return K_OK;
    }
    /* top-N per left row: LIMIT/OFFSET (with ORDER BY: a top-N sort) over the select list */
    bool topn = false;
    int64_t lim = -1, off = 0;
    ExSortKey *okeys = NULL;
    uint32_t nok = 0;
    if (top->kind == PL_LIMIT || (top->kind == PL_SORT && (top->limit >= 0 || top->offset > 0))) {
        topn = true;
        lim = top->limit;
        off = top->offset;
        if (top->kind == PL_SORT) {
            okeys = top->keys;
            nok = top->nkeys;
        }
        top = strip_sort(top->left);
    }
    PlRel *p = top->kind == PL_PROJECT ? top : NULL;
    PlRel *x = p ? p->left : top;
    if (topn && !p)
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                          "a LATERAL subquery correlated under this LIMIT is not supported");
    if (p && !topn) {
        /* correlated under GROUP BY (and HAVING): grouped by the inner sides too */
        PlRel *a = x;
        while (a->kind == PL_FILTER) a = a->left;
        if (a->kind == PL_AGG && a->ngroups > 0) {
            uint8_t *ain = produced_set(c, a->left);
            if (!ain) return K_ERR;
            ExExpr **pulled = NULL;
            uint32_t np = 0, cp = 0;
            pull(c, a->left, ain, &pulled, &np, &cp);
            bool ok = np > 0 && !rel_free(a->left, ain);
            for (uint32_t i = 0; i < a->ngroups && ok; i++) ok = !expr_free(a->groups[i], ain);
            for (uint32_t i = 0; i < a->naggs && ok; i++)
                ok = !expr_free(a->aggs[i].arg, ain) && !expr_free(a->aggs[i].filter, ain);
            for (PlRel *f = x; f != a && ok; f = f->left) ok = !rel_free_quals(f, a);
            ExExpr **inner_e = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
            ExExpr **outer_e = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
            if (!inner_e || !outer_e) return K_ERR;
            for (uint32_t i = 0; i < np && ok; i++) ok = split_eq(pulled[i], ain, &inner_e[i], &outer_e[i]);
            if (!ok)
                return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                                  "a LATERAL subquery correlated under GROUP BY other than by equalities "
                                  "is not supported");
            uint32_t ng = a->ngroups + np;
            ExExpr **groups = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
            int32_t *cols = pl__alloc(c, sizeof(int32_t) * (ng + a->naggs + 1));
            ExExpr **jq = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
            if (!groups || !cols || !jq) return K_ERR;
            memcpy(groups, a->groups, sizeof(ExExpr *) * a->ngroups);
            memcpy(cols, a->cols, sizeof(int32_t) * a->ngroups);
            for (uint32_t i = 0; i < np; i++) {
                groups[a->ngroups + i] = inner_e[i];
                int32_t k = pl__new_col(c, inner_e[i]->type, "?key?");
                if (k < 0) return K_ERR;
                cols[a->ngroups + i] = k;
                if (!(jq[i] = pl__make_compare(c, EX_FN_EQ, outer_e[i], pl__col_ref(c, k), pos))) return K_ERR;
            }
            memcpy(cols + ng, a->cols + a->ngroups, sizeof(int32_t) * a->naggs);
            a->groups = groups;
            a->ngroups = ng;
            a->cols = cols;
            a->ncols = ng + a->naggs;
            /* the HAVING filters above pass the new keys on */
            for (PlRel *f = x; f != a; f = f->left) {
                int32_t *fc = pl__alloc(c, sizeof(int32_t) * (f->left->ncols + 1));
                if (!fc) return K_ERR;
                memcpy(fc, f->left->cols, sizeof(int32_t) * f->left->ncols);
                f->cols = fc;
                f->ncols = f->left->ncols;
            }
            return lateral_join(c, rel, b, p, x, jt, pos, jq, np, out_cols);
        }
    }
    if (p && !topn && x->kind == PL_AGG && x->ngroups == 0) {
        /* one row per left row: every column a correlated scalar subquery */
        PrSubLink fake;
        memset(&fake, 0, sizeof fake);
        fake.hdr.tag = PR_T_SubLink;
        fake.hdr.pos = pos;
        fake.kind = PR_SUBLINK_SCALAR;
        fake.subquery = (PrSelect *)q;
        for (uint32_t k = 0; k < b->nout; k++) {
            PlBound bk;
            if (k == 0) bk = *b;
            else if (pl__bind_query(c, q, scope, &bk) != K_OK) return K_ERR;
            PlBound one = bk;
            one.nout = 1;
            one.out_cols = &bk.out_cols[k];
            if (pl__unnest_scalar_bound(c, rel, &fake, scope, &one, &out_cols[k]) != K_OK) return K_ERR;
        }
        return K_OK;
    }
    uint8_t *xin = produced_set(c, x);
    if (!xin) return K_ERR;
    ExExpr **pulled = NULL;
    uint32_t np = 0, cp = 0;
    pull(c, x, xin, &pulled, &np, &cp);
    if (rel_free(x, xin))
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                          "a LATERAL subquery correlated under DISTINCT, a window or a set operation "
                          "is not supported");
    if (topn) {
        /* LIMIT per left row: number the rows within each correlation key (in
         * the ORDER BY's order) and keep those in (offset, offset + limit] */
        ExExpr **inner_e = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
        ExExpr **outer_e = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
        if (!inner_e || !outer_e) return K_ERR;
        bool ok = np > 0;
        for (uint32_t i = 0; i < np && ok; i++) ok = split_eq(pulled[i], xin, &inner_e[i], &outer_e[i]);
        if (!ok)
            return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                              "a LATERAL subquery with LIMIT correlated other than by equalities is not "
                              "supported");
        PlRel *w = pl__rel_new(c, PL_WINDOW, x->ncols + 1);
        if (!w) return K_ERR;
        w->left = x;
        memcpy(w->cols, x->cols, sizeof(int32_t) * x->ncols);
        w->npart = np;
        w->part = inner_e;
        w->norder = nok;
        if (nok) {
            w->order = pl__alloc(c, sizeof(ExSortKey) * nok);
            if (!w->order) return K_ERR;
            for (uint32_t i = 0; i < nok; i++) {
                w->order[i] = okeys[i];
                w->order[i].expr = pl__expr_copy_map(c, okeys[i].expr, p->cols, p->exprs, p->ncols);
                if (!w->order[i].expr || expr_free(w->order[i].expr, xin))
                    return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                                      "this ORDER BY in a correlated LATERAL subquery is not supported");
            }
        }
        w->nfuncs = 1;
        w->funcs = pl__alloc(c, sizeof(ExWindowFunc));
        if (!w->funcs) return K_ERR;
        w->funcs[0].kind = EX_WIN_ROW_NUMBER;
        w->funcs[0].type = k_type(K_TYPE_INT64);
        w->funcs[0].start = EX_FRAME_UNBOUNDED_PRECEDING;
        w->funcs[0].end = EX_FRAME_CURRENT_ROW;
        int32_t rn = pl__new_col(c, k_type(K_TYPE_INT64), "row_number");
        if (rn < 0) return K_ERR;
        w->cols[x->ncols] = rn;
        PlRel *f = pl__rel_new(c, PL_FILTER, w->ncols);
        if (!f) return K_ERR;
        memcpy(f->cols, w->cols, sizeof(int32_t) * w->ncols);
        f->left = w;
        uint32_t cq = 0;
        if (off > 0) {
            ExExpr *bq = pl__make_compare(c, EX_FN_GT, pl__col_ref(c, rn), ex_expr_const_i64(c->a, off), -1);
            if (!bq) return K_ERR;
            pl__push_expr(c, &f->quals, &f->nquals, &cq, bq);
        }
        if (lim >= 0) {
            ExExpr *bq = pl__make_compare(c, EX_FN_LE, pl__col_ref(c, rn), ex_expr_const_i64(c->a, off + lim), -1);
            if (!bq) return K_ERR;
            pl__push_expr(c, &f->quals, &f->nquals, &cq, bq);
        }
        x = f->nquals ? f : w;
    }
    return lateral_join(c, rel, b, p, x, jt, pos, pulled, np, out_cols);
}
