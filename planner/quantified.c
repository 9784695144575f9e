/*
 * quantified.c — `x op ANY (q)` and `x op ALL (q)` as joins.
 *
 * Interface routine (planner_int.h): pl__unnest_quantified.
 *
 * A quantified comparison has SQL's three-valued result: `x op ALL (q)` is
 * true when q is empty or every row makes `x op k` true, false when some row
 * makes it false, NULL otherwise (x NULL over a non-empty q, or a NULL k and
 * no false row); ANY is its De Morgan dual (NOT (x op ALL q) is
 * x (negated op) ANY q, in Kleene logic too), so a negation is folded into
 * the quantifier and the operator first.
 *
 * The forms with hash-join plans keep them: `= ANY` is IN (semi join, or a
 * MARK join as a value) and `<> ALL` is NOT IN (null-aware anti join, or NOT
 * of the mark). Every other form is decided by four aggregates over q —
 * n = count(*), nn = count(k), mn = min(k), mx = max(k):
 *
 *   x > ALL q   CASE WHEN n = 0 THEN true WHEN x IS NULL THEN NULL
 *                    WHEN NOT (x > mx) THEN false WHEN nn < n THEN NULL ELSE true END
 *   x > ANY q   CASE WHEN n = 0 THEN false WHEN x IS NULL THEN NULL
 *                    WHEN x > mn THEN true WHEN nn < n THEN NULL ELSE false END
 *   (<, <= use mn for ALL and mx for ANY; >= like >)
 *   x = ALL q   as > ALL with "x <> mn OR x <> mx" deciding false
 *   x <> ANY q  as > ANY with "x <> mn OR x <> mx" deciding true
 *
 * (min and max skip NULLs; when every k is NULL they are NULL, the deciding
 * comparison is NULL and nn < n gives NULL, as it should.) The aggregate is
 * a scalar subquery whose value expression mentions x: it goes through
 * unnest.c's scalar path (pl__unnest_scalar_bound), so an uncorrelated q is
 * one single-row join, a q correlated by equalities is grouped by its inner
 * keys and LEFT-joined (counts fixed to 0 for outer rows without a group),
 * and other correlations use the outer-domain join. No per-row re-execution
 * and no nested-loop join over q.
 */
#include "planner/planner_int.h"

ExExpr *pl__bind_expr_in(PlCtx *c, PlScope *s, const PrNode *n, PlRel **attach);

static ExExpr *
bool_const(PlCtx *c, int v) /* v < 0: NULL */
{
    ExExpr *e = pl__expr_new(c, EX_EXPR_CONST, k_type(K_TYPE_BOOL), 0, -1);
    if (!e) return NULL;
    if (v < 0) e->u.konst.is_null = true;
    else e->u.konst.v.b = v != 0;
    return e;
}

static ExExpr *
unary(PlCtx *c, ExExprKind kind, ExExpr *x)
{
    ExExpr *e = pl__expr_new(c, kind, k_type(K_TYPE_BOOL), 1, -1);
    if (e) e->args[0] = x;
    return x ? e : NULL;
}

static ExExpr *
or2(PlCtx *c, ExExpr *x, ExExpr *y)
{
    if (!x || !y) return NULL;
    ExExpr *e = pl__expr_new(c, EX_EXPR_OR, k_type(K_TYPE_BOOL), 2, -1);
    if (!e) return NULL;
    e->args[0] = x;
    e->args[1] = y;
    return e;
}

static ExFunc
cmp_fn(PrBinaryOp op)
{
    switch (op) {
    case PR_OP_EQ: return EX_FN_EQ;
    case PR_OP_NE: return EX_FN_NE;
    case PR_OP_LT: return EX_FN_LT;
    case PR_OP_LE: return EX_FN_LE;
    case PR_OP_GT: return EX_FN_GT;
    default: return EX_FN_GE;
    }
}

static PrBinaryOp
negate_op(PrBinaryOp op)
{
    switch (op) {
    case PR_OP_EQ: return PR_OP_NE;
    case PR_OP_NE: return PR_OP_EQ;
    case PR_OP_LT: return PR_OP_GE;
    case PR_OP_LE: return PR_OP_GT;
    case PR_OP_GT: return PR_OP_LE;
    default: return PR_OP_LT;
    }
}

/* Append an aggregate to `a`, returning its output column id. */
static int32_t
add_agg(PlCtx *c, PlRel *a, ExAggFunc fn, ExExpr *arg, const char *name)
{
    KType t = fn == EX_AGG_COUNT_STAR || fn == EX_AGG_COUNT ? k_type(K_TYPE_INT64) : arg->type;
    int32_t col = pl__new_col(c, t, name);
    if (col < 0) return -1;
    ExAggSpec *s = &a->aggs[a->naggs];
    memset(s, 0, sizeof *s);
    s->func = (uint8_t)fn;
    s->arg = fn == EX_AGG_COUNT_STAR ? NULL : arg;
    s->type = t;
    a->cols[a->naggs++] = col;
    return col;
}

/* The IN forms: a MARK join (pl__unnest_value), negated for <> ALL. */
static int
mark_form(PlCtx *c, PlRel **rel, const PrSubLink *sl, bool not_in, PlScope *scope, int32_t *colid)
{
    PrSubLink cp = *sl;
    cp.kind = PR_SUBLINK_ANY;
    cp.op = PR_OP_EQ;
    cp.negated = false;
    int32_t m;
    if (pl__unnest_value(c, rel, &cp, scope, &m) != K_OK) return K_ERR;
    if (!not_in) {
        *colid = m;
        return K_OK;
    }
    PlRel *j = *rel;
    PlRel *p = pl__rel_new(c, PL_PROJECT, j->ncols + 1);
    if (!p) return K_ERR;
    p->left = j;
    p->exprs = pl__alloc(c, sizeof(ExExpr *) * (j->ncols + 1));
    if (!p->exprs) return K_ERR;
    for (uint32_t i = 0; i < j->ncols; i++) {
        p->cols[i] = j->cols[i];
        if (!(p->exprs[i] = pl__col_ref(c, j->cols[i]))) return K_ERR;
    }
    int32_t v = pl__new_col(c, k_type(K_TYPE_BOOL), "?column?");
    if (v < 0) return K_ERR;
    p->cols[j->ncols] = v;
    if (!(p->exprs[j->ncols] = unary(c, EX_EXPR_NOT, pl__col_ref(c, m)))) return K_ERR;
    *rel = p;
    *colid = v;
    return K_OK;
}

int
pl__unnest_quantified(PlCtx *c, PlRel **rel, const PrSubLink *sl, bool negated, PlScope *scope,
                      int32_t *colid)
{
    bool all = sl->kind == PR_SUBLINK_ALL;
    PrBinaryOp op = sl->op;
    switch (op) {
    case PR_OP_EQ: case PR_OP_NE: case PR_OP_LT: case PR_OP_LE: case PR_OP_GT: case PR_OP_GE: break;
    default:
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, sl->hdr.pos,
                          "operator %s is not supported with %s (subquery)",
                          sl->opname ? sl->opname : "?", all ? "ALL" : "ANY");
    }
    if (negated) {
        all = !all;
        op = negate_op(op);
    }
    if (!all && op == PR_OP_EQ) return mark_form(c, rel, sl, false, scope, colid);
    if (all && op == PR_OP_NE) return mark_form(c, rel, sl, true, scope, colid);

    /* the subquery, its one column k */
    PlBound b;
    if (pl__bind_query(c, sl->subquery, scope, &b) != K_OK) return K_ERR;
    if (b.nout != 1)
        return k_error_at(c->err, K_SYNTAX_ERROR, sl->hdr.pos, "subquery has too %s columns",
                          b.nout > 1 ? "many" : "few");
    PlRel *sub = b.rel;
    while (sub->kind == PL_SORT && sub->limit < 0) sub = sub->left;
    ExExpr *key = NULL;
    if (sub->kind == PL_PROJECT) {
        /* the key is the projected expression over the projection's input, so that
         * correlated conjuncts below can be pulled up */
        for (uint32_t i = 0; i < sub->ncols; i++)
            if (sub->cols[i] == b.out_cols[0]) key = sub->exprs[i];
        if (key) sub = sub->left;
    }
    if (!key && !(key = pl__col_ref(c, b.out_cols[0]))) return K_ERR;
    if (key->type.id == K_TYPE_UNKNOWN && !(key = pl__coerce(c, key, k_type_varchar(0), sl->hdr.pos)))
        return K_ERR;

    /* x, over the outer plan */
    ExExpr *x = pl__bind_expr_in(c, scope, sl->testexpr, rel);
    if (!x) return K_ERR;
    /* the comparison's own type check (42883 "operator does not exist" as in PostgreSQL) */
    if (!pl__make_compare(c, cmp_fn(op), x, key, sl->hdr.pos)) return K_ERR;
    /* both sides to their common type, as the comparison itself would */
    static const char *opnames[] = {[PR_OP_EQ] = "=", [PR_OP_NE] = "<>", [PR_OP_LT] = "<",
                                    [PR_OP_LE] = "<=", [PR_OP_GT] = ">", [PR_OP_GE] = ">="};
    KType ct;
    if (pl__common_type(c, x->type, key->type, sl->hdr.pos, opnames[sl->op], &ct) != K_OK) return K_ERR;
    if (ct.id == K_TYPE_UNKNOWN) ct = k_type_varchar(0);
    if (!(x = pl__coerce(c, x, ct, sl->hdr.pos)) || !(key = pl__coerce(c, key, ct, sl->hdr.pos)))
        return K_ERR;

    bool eq_like = op == PR_OP_EQ || op == PR_OP_NE;
    bool upper = op == PR_OP_GT || op == PR_OP_GE; /* x above the set */
    PlRel *a = pl__rel_new(c, PL_AGG, 4);
    if (!a) return K_ERR;
    a->left = sub;
    a->aggs = pl__alloc(c, sizeof(ExAggSpec) * 4);
    if (!a->aggs) return K_ERR;
    a->ncols = 4;
    int32_t n = add_agg(c, a, EX_AGG_COUNT_STAR, NULL, "count");
    int32_t nn = add_agg(c, a, EX_AGG_COUNT, key, "count");
    int32_t mn = -1, mx = -1;
    if (eq_like || (all ? !upper : upper)) mn = add_agg(c, a, EX_AGG_MIN, key, "min");
    if (eq_like || (all ? upper : !upper)) mx = add_agg(c, a, EX_AGG_MAX, key, "max");
    if (n < 0 || nn < 0 || (mn < 0 && mx < 0)) return K_ERR;
    a->ncols = a->naggs;

    /* the deciding comparison: for ALL, true when no row can be false; for ANY,
     * true when some row is true */
    ExExpr *decide;
    if (eq_like) {
        decide = or2(c, pl__make_compare(c, EX_FN_NE, x, pl__col_ref(c, mn), sl->hdr.pos),
                     pl__make_compare(c, EX_FN_NE, x, pl__col_ref(c, mx), sl->hdr.pos));
        if (all) decide = unary(c, EX_EXPR_NOT, decide); /* = ALL: no value differs */
    } else {
        decide = pl__make_compare(c, cmp_fn(op), x, pl__col_ref(c, mn >= 0 ? mn : mx), sl->hdr.pos);
    }
    if (!decide) return K_ERR;
    ExExpr *zero = ex_expr_const_i64(c->a, 0);
    ExExpr *empty = zero ? pl__make_compare(c, EX_FN_EQ, pl__col_ref(c, n), zero, -1) : NULL;
    ExExpr *nulls = pl__make_compare(c, EX_FN_LT, pl__col_ref(c, nn), pl__col_ref(c, n), -1);
    ExExpr *v = pl__expr_new(c, EX_EXPR_CASE, k_type(K_TYPE_BOOL), 9, -1);
    if (!empty || !nulls || !v) return K_ERR;
    /* WHEN n = 0 THEN (ALL) WHEN x IS NULL THEN NULL
     * WHEN <decides the other way> THEN (not ALL) WHEN nn < n THEN NULL ELSE (ALL) */
    v->args[0] = empty;
    v->args[1] = bool_const(c, all);
    v->args[2] = unary(c, EX_EXPR_IS_NULL, x);
    v->args[3] = bool_const(c, -1);
    v->args[4] = all ? unary(c, EX_EXPR_NOT, decide) : decide;
    v->args[5] = bool_const(c, !all);
    v->args[6] = nulls;
    v->args[7] = bool_const(c, -1);
    v->args[8] = bool_const(c, all);
    for (uint32_t i = 0; i < 9; i++)
        if (!v->args[i]) return K_ERR;
    v->pos = sl->hdr.pos;

    /* a scalar subquery over the aggregate whose value is v */
    PlRel *p = pl__rel_new(c, PL_PROJECT, 1);
    int32_t *outc = pl__alloc(c, sizeof(int32_t));
    const char **names = pl__alloc(c, sizeof(char *));
    if (!p || !outc || !names) return K_ERR;
    p->left = a;
    p->exprs = pl__alloc(c, sizeof(ExExpr *));
    if (!p->exprs) return K_ERR;
    p->exprs[0] = v;
    if ((p->cols[0] = pl__new_col(c, k_type(K_TYPE_BOOL), "?column?")) < 0) return K_ERR;
    outc[0] = p->cols[0];
    names[0] = "?column?";
    PlBound q = {.rel = p, .nout = 1, .out_cols = outc, .names = names};
    return pl__unnest_scalar_bound(c, rel, sl, scope, &q, colid);
}
