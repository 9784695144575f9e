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
 *   x op ANY (q)            → SEMI join on x op q.col
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
 * Nothing is re-executed per outer row. Forms outside these (correlation
 * under a LIMIT, a non-equality correlation of a scalar aggregate, a
 * correlated scalar subquery without aggregate) are reported as 0A000.
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
    PlBound b;
    if (pl__bind_query(c, sl->subquery, scope, &b) != K_OK) return K_ERR;
    PlRel *sub = strip_sort(b.rel);
    ExExpr *key = NULL;

    if (sl->kind == PR_SUBLINK_ALL) return unsupported(c, sl, "op ALL (subquery)");
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

int
pl__unnest_value(PlCtx *c, PlRel **rel, const PrSubLink *sl, PlScope *scope, int32_t *colid)
{
    if (sl->kind == PR_SUBLINK_EXISTS || sl->kind == PR_SUBLINK_ANY) {
        /* a MARK join: the probe side keeps every row and gains a BOOL */
        PlRel *before = *rel;
        PlRel *tmp = before;
        if (pl__unnest_predicate(c, &tmp, sl, false, scope) != K_OK) return K_ERR;
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
    if (sl->kind != PR_SUBLINK_SCALAR) return unsupported(c, sl, "this kind of subquery");
    PlBound b;
    if (pl__bind_query(c, sl->subquery, scope, &b) != K_OK) return K_ERR;
    if (b.nout != 1)
        return k_error_at(c->err, K_SYNTAX_ERROR, sl->hdr.pos, "subquery must return only one column");
    uint8_t *inner = produced_set(c, b.rel);
    if (!inner) return K_ERR;
    if (!rel_free(b.rel, inner)) {
        bool exactly;
        if (!at_most_one_row(b.rel, &exactly))
            return unsupported(c, sl, "a scalar subquery that may return more than one row");
        PlRel *j = make_join(c, exactly ? EX_JOIN_INNER : EX_JOIN_LEFT, *rel, b.rel, NULL, 0);
        if (!j) return K_ERR;
        j->single_row = true;
        *rel = j;
        *colid = b.out_cols[0];
        return K_OK;
    }
    /* correlated: PROJECT over an aggregate without GROUP BY */
    PlRel *p = strip_sort(b.rel);
    PlRel *a = p && p->kind == PL_PROJECT ? p->left : NULL;
    if (!a || a->kind != PL_AGG || a->ngroups != 0)
        return unsupported(c, sl, "a correlated scalar subquery without an aggregate");
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
    for (uint32_t i = 0; i < np; i++) {
        ExExpr *q = pulled[i];
        if (q->kind != EX_EXPR_FUNC || q->u.func.fn != EX_FN_EQ)
            return unsupported(c, sl, "a correlated scalar subquery with a non-equality correlation");
        bool l_in = !expr_free(q->args[0], ainner), r_in = !expr_free(q->args[1], ainner);
        bool l_out = !pl__expr_uses_only(q->args[0], NULL, 0) && !l_in;
        bool r_out = !r_in;
        if (l_in && r_out) {
            inner_e[i] = q->args[0];
            outer_e[i] = q->args[1];
        } else if (r_in && l_out) {
            inner_e[i] = q->args[1];
            outer_e[i] = q->args[0];
        } else
            return unsupported(c, sl, "a correlated scalar subquery with this correlation");
        /* the outer side must not mix in inner columns */
        int32_t tmp[64];
        uint32_t nt = 0;
        pl__expr_collect_cols(outer_e[i], tmp, &nt, 64);
        for (uint32_t k = 0; k < nt; k++)
            if (ainner[tmp[k]]) return unsupported(c, sl, "a correlated scalar subquery with this correlation");
    }
    /* group the aggregate by the inner sides */
    uint32_t ng = np;
    ExExpr **groups = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
    int32_t *ncols = pl__alloc(c, sizeof(int32_t) * (ng + a->naggs + 1));
    if (!groups || !ncols) return K_ERR;
    ExExpr **jq = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
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

    bool has_count = false;
    for (uint32_t i = 0; i < a->naggs; i++) has_count |= is_count(&a->aggs[i]);
    bool inner_join = pl__scope_scalar_inner_ok(scope) && !has_count;
    PlRel *j = make_join(c, inner_join ? EX_JOIN_INNER : EX_JOIN_LEFT, *rel, a, jq, ng);
    if (!j) return K_ERR;
    /* the value is computed above the join (so that COUNT's empty group is 0) */
    int32_t want = b.out_cols[0];
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
        proj->cols[j->ncols] = want;
        proj->exprs[j->ncols] = val;
        *colid = want;
    }
    *rel = proj;
    return K_OK;
}
