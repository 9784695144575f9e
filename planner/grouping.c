/*
 * grouping.c — GROUP BY GROUPING SETS / ROLLUP / CUBE and GROUPING().
 *
 * Interface routines (planner_int.h): pl__grouping_expand,
 * pl__grouping_build, pl__grouping_func.
 *
 * The GROUP BY list is expanded into grouping sets as PostgreSQL does
 * (parse_agg.c's expand_grouping_sets): ROLLUP (e1, ..., en) gives the n+1
 * prefixes, CUBE all 2^n subsets, GROUPING SETS the concatenation of its
 * items' sets, and the top-level items multiply (GROUP BY a, ROLLUP (b)
 * is {a,b}, {a}); GROUP BY DISTINCT drops repeated sets. A set is a bit mask
 * over the distinct group expressions (at most 64).
 *
 * One aggregation computes every set, the way a grouping-set id column
 * does it in the literature (and how partial/final aggregation stays
 * possible): the input is joined with VALUES (0), ..., (nsets-1) — the set
 * number `gid` —, each group expression becomes
 *     CASE WHEN gid IN (sets without it) THEN NULL ELSE expr END
 * and gid is one more group key. A row of set s thus lands in a group whose
 * rolled-up columns are NULL, distinct from a group whose value is NULL
 * (gid differs), and repeated sets give repeated rows. Aggregate arguments
 * still see the original values.
 *
 * Empty sets (the grand total of ROLLUP and CUBE, `()`) must give a row even
 * when the input is empty. The aggregate's result is FULL JOINed on gid with
 * VALUES of the empty sets' numbers; a set without a row comes back from the
 * VALUES side with every column NULL, and a projection fixes gid and turns
 * the counts into 0 (every other aggregate of an empty group is NULL).
 *
 * GROUPING(a, b, ...) is a bit mask per set (bit set = argument rolled up,
 * the first argument the most significant), computed from gid with a CASE.
 */
#include "planner/planner_int.h"

#define PL_MAX_GROUPING_SETS 4096 /* PostgreSQL's limit */

typedef struct SetList {
    uint64_t *m;
    uint32_t n, cap;
} SetList;

static int
sl_push(PlCtx *c, SetList *l, uint64_t m, int32_t pos)
{
    if (l->n >= PL_MAX_GROUPING_SETS)
        return k_error_at(c->err, K_STATEMENT_TOO_COMPLEX, pos,
                          "too many grouping sets present (maximum %d)", PL_MAX_GROUPING_SETS);
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 8;
        uint64_t *x = pl__alloc(c, sizeof(uint64_t) * nc);
        if (!x) return K_ERR;
        if (l->n) memcpy(x, l->m, sizeof(uint64_t) * l->n);
        l->m = x;
        l->cap = nc;
    }
    l->m[l->n++] = m;
    return K_OK;
}

/* The mask of one element: an expression, or a parenthesised list of them. */
static int
element_mask(PlCtx *c, const PrNode *e, PlGroupExprFn fn, void *ctx, uint64_t *mask)
{
    *mask = 0;
    uint32_t idx;
    if (PR_IS(RowExpr, e) && !PR_CAST(RowExpr, e)->explicit_row) {
        const PrList *args = PR_CAST(RowExpr, e)->args;
        for (int32_t i = 0; i < pr_list_len(args); i++) {
            if (fn(ctx, args->items[i], &idx) != K_OK) return K_ERR;
            *mask |= (uint64_t)1 << idx;
        }
        return K_OK;
    }
    if (fn(ctx, e, &idx) != K_OK) return K_ERR;
    *mask = (uint64_t)1 << idx;
    return K_OK;
}

/* The sets one GROUP BY item (or GROUPING SETS element) stands for. */
static int
item_sets(PlCtx *c, const PrNode *item, PlGroupExprFn fn, void *ctx, SetList *out)
{
    if (!PR_IS(GroupingSet, item)) {
        uint64_t m;
        if (element_mask(c, item, fn, ctx, &m) != K_OK) return K_ERR;
        return sl_push(c, out, m, item->pos);
    }
    const PrGroupingSet *g = PR_CAST(GroupingSet, item);
    int32_t n = pr_list_len(g->content);
    switch (g->kind) {
    case PR_GROUPING_EMPTY:
        return sl_push(c, out, 0, item->pos);
    case PR_GROUPING_ROLLUP: {
        uint64_t *el = pl__alloc(c, sizeof(uint64_t) * (size_t)(n + 1));
        if (!el) return K_ERR;
        for (int32_t i = 0; i < n; i++)
            if (element_mask(c, g->content->items[i], fn, ctx, &el[i]) != K_OK) return K_ERR;
        for (int32_t k = n; k >= 0; k--) {
            uint64_t m = 0;
            for (int32_t i = 0; i < k; i++) m |= el[i];
            if (sl_push(c, out, m, item->pos) != K_OK) return K_ERR;
        }
        return K_OK;
    }
    case PR_GROUPING_CUBE: {
        if (n > 12)
            return k_error_at(c->err, K_PROGRAM_LIMIT_EXCEEDED, item->pos, "CUBE is limited to 12 elements");
        uint64_t el[12];
        for (int32_t i = 0; i < n; i++)
            if (element_mask(c, g->content->items[i], fn, ctx, &el[i]) != K_OK) return K_ERR;
        /* PostgreSQL's order: larger sets first */
        for (int32_t k = n; k >= 0; k--)
            for (uint32_t sub = 0; sub < (1u << n); sub++) {
                if (__builtin_popcount(sub) != k) continue;
                uint64_t m = 0;
                for (int32_t i = 0; i < n; i++)
                    if (sub & (1u << (n - 1 - i))) m |= el[i];
                if (sl_push(c, out, m, item->pos) != K_OK) return K_ERR;
            }
        return K_OK;
    }
    case PR_GROUPING_SETS:
        for (int32_t i = 0; i < n; i++)
            if (item_sets(c, g->content->items[i], fn, ctx, out) != K_OK) return K_ERR;
        return K_OK;
    }
    return K_OK;
}

int
pl__grouping_expand(PlCtx *c, const PrList *group_by, bool distinct, PlGroupExprFn fn, void *ctx,
                    PlGroupingSets *out)
{
    SetList acc = {0};
    if (sl_push(c, &acc, 0, -1) != K_OK) return K_ERR;
    for (int32_t i = 0; i < pr_list_len(group_by); i++) {
        const PrNode *item = group_by->items[i];
        SetList mine = {0}, next = {0};
        if (item_sets(c, item, fn, ctx, &mine) != K_OK) return K_ERR;
        if (mine.n == 0) continue; /* GROUPING SETS () is not valid syntax; nothing to multiply */
        if ((uint64_t)acc.n * mine.n > PL_MAX_GROUPING_SETS)
            return k_error_at(c->err, K_STATEMENT_TOO_COMPLEX, item->pos,
                              "too many grouping sets present (maximum %d)", PL_MAX_GROUPING_SETS);
        for (uint32_t a = 0; a < acc.n; a++)
            for (uint32_t b = 0; b < mine.n; b++)
                if (sl_push(c, &next, acc.m[a] | mine.m[b], item->pos) != K_OK) return K_ERR;
        acc = next;
    }
    if (distinct) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < acc.n; i++) {
            bool dup = false;
            for (uint32_t j = 0; j < k && !dup; j++) dup = acc.m[j] == acc.m[i];
            if (!dup) acc.m[k++] = acc.m[i];
        }
        acc.n = k;
    }
    out->nsets = acc.n;
    out->sets = acc.m;
    out->gid_in = -1;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* The plan                                                             */
/* ------------------------------------------------------------------ */
static ExExpr *
node(PlCtx *c, ExExprKind kind, KType t, uint32_t nargs)
{
    ExExpr *e = pl__alloc(c, sizeof(ExExpr));
    if (!e) return NULL;
    e->kind = (uint8_t)kind;
    e->type = t;
    e->pos = -1;
    e->nargs = nargs;
    if (nargs && !(e->args = pl__alloc(c, sizeof(ExExpr *) * nargs))) return NULL;
    return e;
}

static ExExpr *
i32(PlCtx *c, int32_t v)
{
    ExExpr *e = node(c, EX_EXPR_CONST, k_type(K_TYPE_INT32), 0);
    if (e) e->u.konst.v.i32 = v;
    return e;
}

static PlRel *
gid_values(PlCtx *c, int32_t col, const uint32_t *gids, uint32_t n)
{
    PlRel *v = pl__rel_new(c, PL_VALUES, 1);
    if (!v) return NULL;
    v->cols[0] = col;
    v->nrows = n;
    v->cells = pl__alloc(c, sizeof(ExExpr *) * n);
    if (!v->cells) return NULL;
    for (uint32_t i = 0; i < n; i++)
        if (!(v->cells[i] = i32(c, (int32_t)gids[i]))) return NULL;
    c->cols[col].not_null = true;
    c->cols[col].ndv = n;
    return v;
}

static PlRel *
join2(PlCtx *c, ExJoinType jt, PlRel *l, PlRel *r, ExExpr *qual)
{
    PlRel *j = pl__rel_new(c, PL_JOIN, l->ncols + r->ncols);
    if (!j) return NULL;
    j->jtype = (uint8_t)jt;
    j->left = l;
    j->right = r;
    memcpy(j->cols, l->cols, sizeof(int32_t) * l->ncols);
    memcpy(j->cols + l->ncols, r->cols, sizeof(int32_t) * r->ncols);
    if (qual) {
        j->quals = pl__alloc(c, sizeof(ExExpr *));
        if (!j->quals) return NULL;
        j->quals[0] = qual;
        j->nquals = 1;
    }
    return j;
}

int
pl__grouping_build(PlCtx *c, const PlGroupingSets *gs, PlRel *agg, PlRel **top)
{
    uint32_t ne = agg->ngroups - 1; /* the last group key is gid */
    uint32_t *all = pl__alloc(c, sizeof(uint32_t) * gs->nsets);
    uint32_t *absent = pl__alloc(c, sizeof(uint32_t) * gs->nsets);
    if (!all || !absent) return K_ERR;
    for (uint32_t s = 0; s < gs->nsets; s++) all[s] = s;

    /* input × VALUES (0..nsets-1) */
    PlRel *v = gid_values(c, gs->gid_in, all, gs->nsets);
    if (!v) return K_ERR;
    PlRel *in = join2(c, EX_JOIN_INNER, agg->left, v, NULL);
    if (!in) return K_ERR;
    agg->left = in;

    /* group keys NULL in the sets without them */
    ExExpr **groups = pl__alloc(c, sizeof(ExExpr *) * (agg->ngroups + 1));
    if (!groups) return K_ERR;
    for (uint32_t i = 0; i < ne; i++) {
        uint32_t na = 0;
        for (uint32_t s = 0; s < gs->nsets; s++)
            if (!(gs->sets[s] >> i & 1)) absent[na++] = s;
        if (na == 0) {
            groups[i] = agg->groups[i];
            continue;
        }
        ExExpr *in_list = node(c, EX_EXPR_IN, k_type(K_TYPE_BOOL), na + 1);
        ExExpr *cs = node(c, EX_EXPR_CASE, agg->groups[i]->type, 3);
        if (!in_list || !cs || !(in_list->args[0] = pl__col_ref(c, gs->gid_in))) return K_ERR;
        for (uint32_t k = 0; k < na; k++)
            if (!(in_list->args[k + 1] = i32(c, (int32_t)absent[k]))) return K_ERR;
        cs->args[0] = in_list;
        cs->args[1] = ex_expr_const_null(c->a, agg->groups[i]->type);
        cs->args[2] = agg->groups[i];
        if (!cs->args[1]) return pl__oom(c);
        groups[i] = cs;
    }
    groups[ne] = agg->groups[ne];
    agg->groups = groups;

    /* empty sets: a row even over empty input */
    uint32_t nempty = 0;
    for (uint32_t s = 0; s < gs->nsets; s++)
        if (gs->sets[s] == 0) absent[nempty++] = s;
    if (nempty == 0) {
        *top = agg;
        return K_OK;
    }
    int32_t *final = agg->cols;
    int32_t *raw = pl__alloc(c, sizeof(int32_t) * (agg->ncols + 1));
    if (!raw) return K_ERR;
    for (uint32_t i = 0; i < agg->ncols; i++) {
        PlCol copy = c->cols[final[i]];
        if ((raw[i] = pl__new_col(c, copy.type, copy.name)) < 0) return K_ERR;
        c->cols[raw[i]] = copy;
        c->cols[raw[i]].not_null = false;
    }
    agg->cols = raw;
    int32_t ecol = pl__new_col(c, k_type(K_TYPE_INT32), "?set?");
    if (ecol < 0) return K_ERR;
    PlRel *ev = gid_values(c, ecol, absent, nempty);
    ExExpr *eq = ev ? pl__make_compare(c, EX_FN_EQ, pl__col_ref(c, raw[ne]), pl__col_ref(c, ecol), -1) : NULL;
    PlRel *j = eq ? join2(c, EX_JOIN_FULL, agg, ev, eq) : NULL;
    PlRel *p = j ? pl__rel_new(c, PL_PROJECT, agg->ncols) : NULL;
    if (!p || !(p->exprs = pl__alloc(c, sizeof(ExExpr *) * (agg->ncols + 1)))) return K_ERR;
    p->left = j;
    memcpy(p->cols, final, sizeof(int32_t) * agg->ncols);
    for (uint32_t i = 0; i < agg->ncols; i++) {
        ExExpr *r = pl__col_ref(c, raw[i]);
        if (!r) return K_ERR;
        bool is_gid = i == ne;
        bool is_count = i > ne && (agg->aggs[i - agg->ngroups].func == EX_AGG_COUNT ||
                                   agg->aggs[i - agg->ngroups].func == EX_AGG_COUNT_STAR);
        if (is_gid || is_count) {
            ExExpr *co = node(c, EX_EXPR_COALESCE, r->type, 2);
            if (!co) return K_ERR;
            co->args[0] = r;
            co->args[1] = is_gid ? pl__col_ref(c, ecol) : ex_expr_const_i64(c->a, 0);
            if (!co->args[1]) return pl__oom(c);
            r = co;
        }
        p->exprs[i] = r;
    }
    *top = p;
    return K_OK;
}

ExExpr *
pl__grouping_func(PlCtx *c, const PlGroupingSets *gs, const uint32_t *idx, uint32_t n, int32_t pos)
{
    /* one set (plain GROUP BY): every argument is grouped */
    if (gs->nsets <= 1 || gs->gid_in < 0) {
        ExExpr *z = i32(c, 0);
        if (z) z->pos = pos;
        return z;
    }
    uint32_t nw = 0;
    ExExpr *cs = node(c, EX_EXPR_CASE, k_type(K_TYPE_INT32), 2 * gs->nsets + 1);
    if (!cs) return NULL;
    for (uint32_t s = 0; s < gs->nsets; s++) {
        int32_t v = 0;
        for (uint32_t k = 0; k < n; k++)
            if (!(gs->sets[s] >> idx[k] & 1)) v |= 1 << (n - 1 - k);
        if (v == 0) continue;
        ExExpr *id = i32(c, (int32_t)s), *g = pl__col_ref(c, gs->gid_in);
        ExExpr *eq = id && g ? pl__make_compare(c, EX_FN_EQ, g, id, -1) : NULL;
        if (!eq || !(cs->args[nw + 1] = i32(c, v))) return NULL;
        cs->args[nw] = eq;
        nw += 2;
    }
    if (!(cs->args[nw] = i32(c, 0))) return NULL;
    cs->nargs = nw + 1;
    cs->pos = pos;
    if (nw == 0) return cs->args[0];
    return cs;
}
