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
 * possible): its input is joined with VALUES (0), ..., (nsets-1) — the set
 * number `gid` —, each group expression becomes
 *     CASE WHEN gid IN (sets without it) THEN NULL ELSE expr END
 * and gid is one more group key. A row of set s thus lands in a group whose
 * rolled-up columns are NULL, distinct from a group whose value is NULL
 * (gid differs), and repeated sets give repeated rows. When every aggregate
 * is decomposable, that input is not the query's rows but their aggregation
 * by all the group expressions (a small result), re-aggregated per set;
 * otherwise (DISTINCT, stddev, variance) the rows themselves are expanded,
 * and aggregate arguments see the original values.
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
i32(PlCtx *c, int32_t v)
{
    ExExpr *e = pl__expr_new(c, EX_EXPR_CONST, k_type(K_TYPE_INT32), 0, -1);
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

/* Can aggregate `a` be computed from per-group partial results? */
static bool
decomposable(const ExAggSpec *a)
{
    if (a->distinct) return false;
    switch ((ExAggFunc)a->func) {
    case EX_AGG_COUNT_STAR: case EX_AGG_COUNT: case EX_AGG_SUM: case EX_AGG_MIN: case EX_AGG_MAX:
    case EX_AGG_BOOL_AND: case EX_AGG_BOOL_OR: case EX_AGG_ANY_VALUE:
        return true;
    case EX_AGG_AVG:
        return a->arg && (a->arg->type.id == K_TYPE_INT32 || a->arg->type.id == K_TYPE_INT64 ||
                          a->arg->type.id == K_TYPE_DECIMAL || a->arg->type.id == K_TYPE_DOUBLE);
    default:
        return false;
    }
}

static int32_t
add_spec(PlCtx *c, ExAggSpec *specs, uint32_t *n, int32_t *cols, ExAggFunc fn, ExExpr *arg,
         ExExpr *filter, const char *name)
{
    ExAggSpec *a = &specs[*n];
    memset(a, 0, sizeof *a);
    a->func = (uint8_t)fn;
    a->arg = fn == EX_AGG_COUNT_STAR ? NULL : arg;
    a->filter = filter;
    a->type = ex_agg_result_type(fn, arg ? arg->type : k_type(K_TYPE_INT64));
    int32_t col = pl__new_col(c, a->type, name);
    if (col < 0) return -1;
    cols[(*n)++] = col;
    return col;
}

static ExExpr *
cast_to(PlCtx *c, ExExpr *e, KType t)
{
    if (k_type_equal(e->type, t)) return e;
    ExExpr *x = pl__expr_new(c, EX_EXPR_CAST, t, 1, -1);
    if (x) x->args[0] = e;
    return x;
}

/*
 * The plan: `agg` groups by the group expressions E then gid (a column ref
 * to gs->gid_in) over its input. Two ways:
 *   - every aggregate decomposable (count, sum, min, max, avg over numbers,
 *     bool_and/or, any_value; no DISTINCT): aggregate the input by all of E
 *     first (the usual partial/final aggregation with its fast paths), then
 *     join that — small — result with the set numbers and aggregate again
 *     (counts and sums summed, min of mins, avg as sum / count);
 *   - otherwise the input itself is joined with the set numbers.
 * Either way the keys NULLed per set are computed in a projection below the
 * aggregation, with the source columns' distinct counts (so the estimate
 * allows partial aggregation), and a projection on top gives agg's columns.
 */
int
pl__grouping_build(PlCtx *c, const PlGroupingSets *gs, PlRel *agg, PlRel **top)
{
    uint32_t ne = agg->ngroups - 1; /* the last group key is gid */
    uint32_t na = agg->naggs;
    const ExAggSpec *orig = agg->aggs;
    uint32_t *all = pl__alloc(c, sizeof(uint32_t) * gs->nsets);
    uint32_t *absent = pl__alloc(c, sizeof(uint32_t) * gs->nsets);
    if (!all || !absent) return K_ERR;
    for (uint32_t s = 0; s < gs->nsets; s++) all[s] = s;
    bool two = true;
    for (uint32_t i = 0; i < na; i++) two &= decomposable(&agg->aggs[i]);

    /* stage one (two-stage only): by every group expression */
    PlRel *input = agg->left;
    ExExpr **keys = agg->groups; /* the group expressions over `input` */
    ExExpr **args = NULL;        /* stage two's aggregate arguments, per original aggregate */
    ExExpr **args2 = NULL;       /* AVG: the count */
    if (two) {
        PlRel *a1 = pl__rel_new(c, PL_AGG, ne + 2 * na);
        ExAggSpec *sp = pl__alloc(c, sizeof(ExAggSpec) * (2 * na + 1));
        int32_t *acols = pl__alloc(c, sizeof(int32_t) * (2 * na + 1));
        keys = pl__alloc(c, sizeof(ExExpr *) * (ne + 1));
        args = pl__alloc(c, sizeof(ExExpr *) * (na + 1));
        args2 = pl__alloc(c, sizeof(ExExpr *) * (na + 1));
        if (!a1 || !sp || !acols || !keys || !args || !args2) return K_ERR;
        a1->left = agg->left;
        a1->ngroups = ne;
        a1->groups = agg->groups;
        for (uint32_t i = 0; i < ne; i++) {
            const ExExpr *g = agg->groups[i];
            if ((a1->cols[i] = pl__new_col(c, g->type, "?key?")) < 0) return K_ERR;
            if (g->kind == EX_EXPR_COLUMN) c->cols[a1->cols[i]] = c->cols[g->u.column.index];
            if (!(keys[i] = pl__col_ref(c, a1->cols[i]))) return K_ERR;
        }
        uint32_t n1 = 0;
        for (uint32_t i = 0; i < na; i++) {
            const ExAggSpec *a = &agg->aggs[i];
            ExAggFunc f = (ExAggFunc)a->func;
            int32_t k = add_spec(c, sp, &n1, acols, f == EX_AGG_AVG ? EX_AGG_SUM : f, a->arg, a->filter, "?part?");
            if (k < 0 || !(args[i] = pl__col_ref(c, k))) return K_ERR;
            if (f == EX_AGG_AVG) {
                k = add_spec(c, sp, &n1, acols, EX_AGG_COUNT, a->arg, a->filter, "?part?");
                if (k < 0 || !(args2[i] = pl__col_ref(c, k))) return K_ERR;
            }
        }
        a1->naggs = n1;
        a1->aggs = sp;
        memcpy(a1->cols + ne, acols, sizeof(int32_t) * n1);
        a1->ncols = ne + n1;
        input = a1;
    }

    /* × VALUES (0..nsets-1), then the keys each set lacks NULLed (a projection) */
    PlRel *v = gid_values(c, gs->gid_in, all, gs->nsets);
    PlRel *in = v ? join2(c, EX_JOIN_INNER, input, v, NULL) : NULL;
    if (!in) return K_ERR;
    PlRel *kp = pl__rel_new(c, PL_PROJECT, in->ncols + ne);
    if (!kp || !(kp->exprs = pl__alloc(c, sizeof(ExExpr *) * (in->ncols + ne + 1)))) return K_ERR;
    kp->left = in;
    for (uint32_t i = 0; i < in->ncols; i++) {
        kp->cols[i] = in->cols[i];
        if (!(kp->exprs[i] = pl__col_ref(c, in->cols[i]))) return K_ERR;
    }
    ExExpr **groups = pl__alloc(c, sizeof(ExExpr *) * (agg->ngroups + 1));
    if (!groups) return K_ERR;
    for (uint32_t i = 0; i < ne; i++) {
        uint32_t nab = 0;
        for (uint32_t s = 0; s < gs->nsets; s++)
            if (!(gs->sets[s] >> i & 1)) absent[nab++] = s;
        ExExpr *k = keys[i];
        if (nab) {
            ExExpr *in_list = pl__expr_new(c, EX_EXPR_IN, k_type(K_TYPE_BOOL), nab + 1, -1);
            ExExpr *cs = pl__expr_new(c, EX_EXPR_CASE, k->type, 3, -1);
            if (!in_list || !cs || !(in_list->args[0] = pl__col_ref(c, gs->gid_in))) return K_ERR;
            for (uint32_t j = 0; j < nab; j++)
                if (!(in_list->args[j + 1] = i32(c, (int32_t)absent[j]))) return K_ERR;
            cs->args[0] = in_list;
            cs->args[1] = ex_expr_const_null(c->a, k->type);
            cs->args[2] = k;
            if (!cs->args[1]) return pl__oom(c);
            k = cs;
        }
        int32_t kc = pl__new_col(c, k->type, "?key?");
        if (kc < 0) return K_ERR;
        if (keys[i]->kind == EX_EXPR_COLUMN) {
            c->cols[kc] = c->cols[keys[i]->u.column.index];
            if (nab) {
                c->cols[kc].not_null = false;
                if (c->cols[kc].ndv > 0) c->cols[kc].ndv += 1;
            }
        }
        kp->cols[in->ncols + i] = kc;
        kp->exprs[in->ncols + i] = k;
        if (!(groups[i] = pl__col_ref(c, kc))) return K_ERR;
    }
    groups[ne] = agg->groups[ne];
    agg->left = kp;
    agg->groups = groups;

    /* stage two's aggregates and what each original aggregate is over them */
    int32_t *final = agg->cols; /* the ids the binder lifted expressions onto */
    ExExpr **fin = pl__alloc(c, sizeof(ExExpr *) * (na + 1));
    ExAggSpec *sp2 = pl__alloc(c, sizeof(ExAggSpec) * (2 * na + 1));
    int32_t *raw = pl__alloc(c, sizeof(int32_t) * (agg->ngroups + 2 * na + 1));
    if (!fin || !sp2 || !raw) return K_ERR;
    for (uint32_t i = 0; i < agg->ngroups; i++) {
        PlCol copy = c->cols[final[i]];
        if ((raw[i] = pl__new_col(c, copy.type, copy.name)) < 0) return K_ERR;
        c->cols[raw[i]] = copy;
        c->cols[raw[i]].not_null = false;
    }
    uint32_t n2 = 0;
    for (uint32_t i = 0; i < na; i++) {
        const ExAggSpec *a = &agg->aggs[i];
        ExAggFunc f = (ExAggFunc)a->func;
        int32_t k;
        if (!two) {
            sp2[n2] = *a;
            if ((k = pl__new_col(c, a->type, c->cols[final[agg->ngroups + i]].name)) < 0) return K_ERR;
            raw[agg->ngroups + n2++] = k;
            if (!(fin[i] = pl__col_ref(c, k))) return K_ERR;
            continue;
        }
        ExAggFunc f2 = f == EX_AGG_COUNT || f == EX_AGG_COUNT_STAR || f == EX_AGG_AVG ? EX_AGG_SUM : f;
        if ((k = add_spec(c, sp2, &n2, raw + agg->ngroups, f2, args[i], NULL, "?part?")) < 0) return K_ERR;
        ExExpr *r = pl__col_ref(c, k);
        if (!r) return K_ERR;
        if (f == EX_AGG_AVG) {
            int32_t kn = add_spec(c, sp2, &n2, raw + agg->ngroups, EX_AGG_SUM, args2[i], NULL, "?part?");
            ExExpr *cnt = kn >= 0 ? pl__col_ref(c, kn) : NULL;
            ExExpr *nz =
                pl__expr_new(c, EX_EXPR_NULLIF, cnt ? cnt->type : k_type(K_TYPE_INT64), 2, -1);
            ExExpr *div = pl__expr_new(c, EX_EXPR_FUNC, a->type, 2, -1);
            if (!cnt || !nz || !div) return K_ERR;
            nz->args[0] = cnt;
            if (!(nz->args[1] = ex_expr_const_dec(c->a, 38, 0, 0))) return pl__oom(c);
            div->u.func.fn = EX_FN_DIV;
            /* sum / count at the average's own type and scale (exec rounds half away) */
            if (a->type.id == K_TYPE_DOUBLE) {
                div->args[0] = cast_to(c, r, a->type);
                div->args[1] = cast_to(c, nz, a->type);
            } else {
                div->args[0] = r;
                div->args[1] = nz;
            }
            if (!div->args[0] || !div->args[1]) return K_ERR;
            r = div;
        }
        if (!(fin[i] = cast_to(c, r, a->type))) return K_ERR;
    }
    agg->naggs = n2;
    agg->aggs = sp2;
    agg->cols = raw;
    agg->ncols = agg->ngroups + n2;

    /* empty sets: a row even over empty input (FULL JOIN with their numbers) */
    uint32_t nempty = 0;
    for (uint32_t s = 0; s < gs->nsets; s++)
        if (gs->sets[s] == 0) absent[nempty++] = s;
    PlRel *below = agg;
    int32_t ecol = -1;
    if (nempty) {
        if ((ecol = pl__new_col(c, k_type(K_TYPE_INT32), "?set?")) < 0) return K_ERR;
        PlRel *ev = gid_values(c, ecol, absent, nempty);
        ExExpr *eq = ev ? pl__make_compare(c, EX_FN_EQ, pl__col_ref(c, raw[ne]), pl__col_ref(c, ecol), -1) : NULL;
        if (!eq || !(below = join2(c, EX_JOIN_FULL, agg, ev, eq))) return K_ERR;
    }
    uint32_t nout = agg->ngroups + na;
    PlRel *p = pl__rel_new(c, PL_PROJECT, nout);
    if (!p || !(p->exprs = pl__alloc(c, sizeof(ExExpr *) * (nout + 1)))) return K_ERR;
    p->left = below;
    memcpy(p->cols, final, sizeof(int32_t) * nout);
    for (uint32_t i = 0; i < nout; i++) {
        ExExpr *r = i < agg->ngroups ? pl__col_ref(c, raw[i]) : fin[i - agg->ngroups];
        if (!r) return K_ERR;
        bool is_gid = i == ne;
        bool is_count = i > ne && (orig[i - agg->ngroups].func == EX_AGG_COUNT ||
                                   orig[i - agg->ngroups].func == EX_AGG_COUNT_STAR);
        if (nempty && (is_gid || is_count)) {
            ExExpr *co = pl__expr_new(c, EX_EXPR_COALESCE, r->type, 2, -1);
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
    ExExpr *cs = pl__expr_new(c, EX_EXPR_CASE, k_type(K_TYPE_INT32), 2 * gs->nsets + 1, -1);
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
