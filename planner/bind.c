/*
 * bind.c — the binder: a parsed SELECT into a logical plan.
 *
 * Interface routines (planner_int.h): pl__bind_query, pl__new_col,
 * pl__rel_new, pl__alloc.
 *
 * One query block is bound in PostgreSQL's order: WITH, FROM (tables, CTEs,
 * derived tables, joins), WHERE, GROUP BY, aggregates in the select list,
 * HAVING and ORDER BY, HAVING, the select list, DISTINCT, ORDER BY, LIMIT.
 * Every FROM item contributes a scope entry (its alias and column ids); a
 * name is looked up in the innermost block first, then outward — a hit in
 * an outer block is a correlated reference, which needs no special node
 * because column ids are global (see planner_int.h).
 *
 * Aggregates: a block is grouped when it has GROUP BY or an aggregate call.
 * Expressions above the aggregation are bound against the FROM scope with
 * aggregate calls replaced by the aggregate's output column; the result is
 * then "lifted": subtrees equal to a GROUP BY expression become the group
 * column, and any column left over is a 42803 grouping error.
 *
 * Subqueries: WHERE conjuncts that are [NOT] EXISTS / [NOT] IN / op ANY
 * become semi/anti joins; subqueries used as values become joins whose
 * column carries the value (unnest.c). Nothing runs per outer row.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "planner/planner_int.h"

/* ------------------------------------------------------------------ */
/* Context helpers                                                      */
/* ------------------------------------------------------------------ */
int
pl__oom(PlCtx *c)
{
    return k_error(c->err, K_OUT_OF_MEMORY, "out of memory");
}

void *
pl__alloc(PlCtx *c, size_t n)
{
    void *p = k_alloc0(c->a, n ? n : 1);
    if (!p) pl__oom(c);
    return p;
}

int32_t
pl__new_col(PlCtx *c, KType t, const char *name)
{
    if (c->ncols == c->capcols) {
        uint32_t nc = c->capcols ? c->capcols * 2 : 64;
        PlCol *n = k_realloc(c->a, c->cols, sizeof(PlCol) * c->capcols, sizeof(PlCol) * nc);
        if (!n) {
            pl__oom(c);
            return -1;
        }
        c->cols = n;
        c->capcols = nc;
    }
    PlCol *col = &c->cols[c->ncols];
    memset(col, 0, sizeof *col);
    col->type = t;
    col->name = name ? name : "?column?";
    col->ordinal = -1;
    col->ndv = -1;
    return (int32_t)c->ncols++;
}

PlRel *
pl__rel_new(PlCtx *c, PlRelKind kind, uint32_t ncols)
{
    PlRel *r = pl__alloc(c, sizeof(PlRel));
    if (!r) return NULL;
    r->kind = (uint8_t)kind;
    r->ncols = ncols;
    r->cols = pl__alloc(c, sizeof(int32_t) * (ncols ? ncols : 1));
    r->limit = -1;
    r->mark_col = -1;
    r->rows = -1;
    if (!r->cols) return NULL;
    return r;
}

/* ------------------------------------------------------------------ */
/* Scopes                                                               */
/* ------------------------------------------------------------------ */
typedef struct PlScopeRel {
    const char *alias;
    uint32_t ncols;
    const char **names;
    int32_t *cols;
    bool *hidden; /* not visible unqualified (the right copy of a USING column) */
} PlScopeRel;

typedef struct PlAggState {
    /* aggregates collected while binding the expressions above GROUP BY */
    uint32_t naggs, capaggs;
    ExAggSpec *aggs;
    int32_t *agg_cols;
    /* group expressions (over FROM columns) and their output columns */
    uint32_t ngroups;
    ExExpr **groups;
    int32_t *group_cols;
    PlRel **pre;      /* the plan aggregate arguments' value subqueries join onto */
    PlGroupingSets gs;/* GROUPING SETS / ROLLUP / CUBE (grouping.c); nsets 0 for plain GROUP BY */
    uint32_t nexprs;  /* group expressions before the set-number column */
} PlAggState;

struct PlScope {
    PlScope *parent;
    PlScopeRel *rels;
    uint32_t nrels, caprels;
    PlAggState *agg;  /* non-NULL while binding above the aggregation */
    bool in_agg;      /* inside an aggregate's argument */
    bool no_agg;      /* aggregates not allowed here (WHERE, GROUP BY, ON) */
    const char *no_agg_what;
    PlRel **attach;   /* value subqueries join onto *attach */
    bool scalar_inner_ok; /* a scalar subquery here may use an inner join */
    uint32_t level;
    /* select-list aliases, for GROUP BY / ORDER BY name lookup */
    const PrList *targets;
    struct PlWinState *win; /* non-NULL where window functions are allowed */
    bool in_window;
};

typedef struct PlWinCall {
    ExWindowFunc fn; /* expressions over column ids */
    uint32_t npart;
    ExExpr **part;
    uint32_t norder;
    ExSortKey *order;
    int32_t col;
} PlWinCall;

typedef struct PlWinState {
    PlWinCall *calls;
    uint32_t n, cap;
    const PrList *named; /* WINDOW w AS (...) */
} PlWinState;

static int
scope_add(PlCtx *c, PlScope *s, const char *alias, uint32_t ncols, const char **names,
          const int32_t *cols)
{
    if (s->nrels == s->caprels) {
        uint32_t nc = s->caprels ? s->caprels * 2 : 8;
        PlScopeRel *n = pl__alloc(c, sizeof(PlScopeRel) * nc);
        if (!n) return K_ERR;
        if (s->nrels) memcpy(n, s->rels, sizeof(PlScopeRel) * s->nrels);
        s->rels = n;
        s->caprels = nc;
    }
    PlScopeRel *r = &s->rels[s->nrels++];
    r->alias = alias;
    r->ncols = ncols;
    r->names = pl__alloc(c, sizeof(char *) * (ncols + 1));
    r->cols = pl__alloc(c, sizeof(int32_t) * (ncols + 1));
    r->hidden = pl__alloc(c, sizeof(bool) * (ncols + 1));
    if (!r->names || !r->cols || !r->hidden) return K_ERR;
    memcpy(r->names, names, sizeof(char *) * ncols);
    memcpy(r->cols, cols, sizeof(int32_t) * ncols);
    return K_OK;
}

static int
lev(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 60 || lb > 60) return 100;
    int d[61][61];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int m = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < m) m = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < m) m = d[i - 1][j - 1] + cost;
            d[i][j] = m;
        }
    return d[la][lb];
}

/* Hint with the closest column name in any visible scope. */
static void
hint_similar(PlCtx *c, PlScope *s, const char *name)
{
    int best = 3;
    const char *bn = NULL, *ba = NULL;
    for (PlScope *x = s; x; x = x->parent)
        for (uint32_t i = 0; i < x->nrels; i++)
            for (uint32_t j = 0; j < x->rels[i].ncols; j++) {
                int d = lev(name, x->rels[i].names[j]);
                if (d < best) {
                    best = d;
                    bn = x->rels[i].names[j];
                    ba = x->rels[i].alias;
                }
            }
    if (bn) {
        if (ba) k_err_hint(c->err, "Perhaps you meant to reference the column \"%s.%s\".", ba, bn);
        else k_err_hint(c->err, "Perhaps you meant to reference the column \"%s\".", bn);
    }
}

static int
resolve_column(PlCtx *c, PlScope *s, const PrColumnRef *cr, int32_t *colid)
{
    const char *tab = NULL, *name;
    int32_t pos = cr->hdr.pos;
    *colid = -1;
    if (cr->nfields == 1) name = cr->fields[0];
    else {
        tab = cr->fields[cr->nfields - 2];
        name = cr->fields[cr->nfields - 1];
    }
    bool tab_found = false;
    for (PlScope *x = s; x; x = x->parent) {
        int32_t found = -1;
        int nfound = 0;
        for (uint32_t i = 0; i < x->nrels; i++) {
            PlScopeRel *r = &x->rels[i];
            if (tab) {
                if (!r->alias || strcmp(r->alias, tab) != 0) continue;
                tab_found = true;
            }
            for (uint32_t j = 0; j < r->ncols; j++) {
                if (strcmp(r->names[j], name) != 0) continue;
                if (!tab && r->hidden[j]) continue;
                if (found != r->cols[j]) nfound++;
                found = r->cols[j];
            }
        }
        if (nfound > 1)
            return k_error_at(c->err, K_AMBIGUOUS_COLUMN, pos, "column reference \"%s\" is ambiguous",
                              name);
        if (nfound == 1) {
            /* a subquery above an outer query's aggregation sees its group columns
             * (a correlated reference to anything else is 42803, as in PostgreSQL) */
            if (x != s && x->agg && !x->in_agg) {
                for (uint32_t g = 0; g < x->agg->ngroups; g++) {
                    const ExExpr *ge = x->agg->groups[g];
                    if (ge->kind == EX_EXPR_COLUMN && (int32_t)ge->u.column.index == found) {
                        *colid = x->agg->group_cols[g];
                        return K_OK;
                    }
                }
                return k_error_at(c->err, K_GROUPING_ERROR, pos,
                                  "subquery uses ungrouped column \"%s%s%s\" from outer query",
                                  tab ? tab : "", tab ? "." : "", name);
            }
            *colid = found;
            return K_OK;
        }
        if (tab && tab_found) {
            k_error_at(c->err, K_UNDEFINED_COLUMN, pos, "column %s.%s does not exist", tab, name);
            hint_similar(c, s, name);
            return K_ERR;
        }
    }
    if (tab)
        return k_error_at(c->err, K_UNDEFINED_TABLE, pos,
                          "missing FROM-clause entry for table \"%s\"", tab);
    k_error_at(c->err, K_UNDEFINED_COLUMN, pos, "column \"%s\" does not exist", name);
    hint_similar(c, s, name);
    return K_ERR;
}

/* ------------------------------------------------------------------ */
/* Expression binding                                                   */
/* ------------------------------------------------------------------ */
/* CAST(x AS numeric) without a precision: PostgreSQL keeps each value's own
 * scale. A decimal keeps its type, integers get scale 0, a string constant
 * the scale it is written with; other sources keep the default type `t`. */
static KType
unconstrained_numeric(const ExExpr *x, KType t)
{
    switch ((KTypeId)x->type.id) {
    case K_TYPE_DECIMAL: return x->type;
    case K_TYPE_INT32: return k_type_decimal(10, 0);
    case K_TYPE_INT64: return k_type_decimal(19, 0);
    default: break;
    }
    if (x->kind != EX_EXPR_CONST || x->u.konst.is_null || x->type.id != K_TYPE_UNKNOWN) return t;
    const char *z = k_str_data(&x->u.konst.v.str);
    uint32_t n = x->u.konst.v.str.len, i = 0;
    int digits = 0, frac = 0;
    bool dot = false;
    while (i < n && (z[i] == ' ' || z[i] == '+' || z[i] == '-')) i++;
    for (; i < n; i++) {
        if (z[i] >= '0' && z[i] <= '9') {
            digits++;
            frac += dot;
        } else if (z[i] == '.' && !dot) dot = true;
        else if (z[i] == ' ') continue;
        else return t; /* exponents, NaN...: the default */
    }
    if (digits == 0 || digits > K_DECIMAL_MAX_PRECISION) return t;
    return k_type_decimal(K_MAX(digits, 1), frac);
}

static ExExpr *bind_expr(PlCtx *c, PlScope *s, const PrNode *n);

static ExExpr *
new_func(PlCtx *c, ExFunc fn, KType t, uint32_t nargs, int32_t pos)
{
    ExExpr *e = pl__expr_new(c, EX_EXPR_FUNC, t, nargs, pos);
    if (e) e->u.func.fn = (uint16_t)fn;
    return e;
}

static ExExpr *
require_bool(PlCtx *c, ExExpr *e, const char *what, int32_t pos)
{
    if (!e) return NULL;
    if (e->type.id == K_TYPE_BOOL) return e;
    if (e->type.id == K_TYPE_UNKNOWN) return pl__coerce(c, e, k_type(K_TYPE_BOOL), pos);
    char buf[64];
    k_type_name(e->type, buf, sizeof buf);
    k_error_at(c->err, K_DATATYPE_MISMATCH, pos, "argument of %s must be type boolean, not type %s",
               what, buf);
    return NULL;
}

static bool
is_agg_name(const char *n)
{
    static const char *names[] = {"count", "sum", "avg", "min", "max", "stddev", "stddev_samp",
                                  "variance", "var_samp", "bool_and", "bool_or", "every",
                                  "any_value", "string_agg", "array_agg"};
    for (size_t i = 0; i < K_ARRAY_LEN(names); i++)
        if (strcmp(n, names[i]) == 0) return true;
    return false;
}

/* Aggregate result types (exec.h's table, restated so planning does not
 * depend on the executor's library). */
static KType
agg_type(ExAggFunc f, KType arg)
{
    switch (f) {
    case EX_AGG_COUNT_STAR:
    case EX_AGG_COUNT: return k_type(K_TYPE_INT64);
    case EX_AGG_SUM:
        if (arg.id == K_TYPE_INT32) return k_type(K_TYPE_INT64);
        if (arg.id == K_TYPE_INT64) return k_type_decimal(38, 0);
        if (arg.id == K_TYPE_DECIMAL) return k_type_decimal(38, arg.scale);
        return k_type(K_TYPE_DOUBLE);
    case EX_AGG_AVG:
        if (arg.id == K_TYPE_INT32 || arg.id == K_TYPE_INT64) return k_type_decimal(38, 6);
        if (arg.id == K_TYPE_DECIMAL) return k_type_decimal(38, K_MAX(arg.scale, 6));
        return k_type(K_TYPE_DOUBLE);
    case EX_AGG_BOOL_AND:
    case EX_AGG_BOOL_OR: return k_type(K_TYPE_BOOL);
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP: return k_type(K_TYPE_DOUBLE);
    default: return arg;
    }
}

static bool expr_equal(const ExExpr *x, const ExExpr *y);
bool pl__expr_equal(const ExExpr *x, const ExExpr *y) { return expr_equal(x, y); }

static ExExpr *
bind_agg(PlCtx *c, PlScope *s, const PrFuncCall *f)
{
    int32_t pos = f->hdr.pos;
    if (!s->agg || s->no_agg) {
        k_error_at(c->err, K_GROUPING_ERROR, pos, "aggregate functions are not allowed in %s",
                   s->no_agg_what ? s->no_agg_what : "this context");
        return NULL;
    }
    if (s->in_agg) {
        k_error_at(c->err, K_GROUPING_ERROR, pos, "aggregate function calls cannot be nested");
        return NULL;
    }
    ExAggSpec spec;
    memset(&spec, 0, sizeof spec);
    const char *n = f->name;
    uint32_t nargs = (uint32_t)pr_list_len(f->args);
    /* string_agg(t, sep) and array_agg(x): the LIST aggregate (planner/array.c) */
    bool str_agg = strcmp(n, "string_agg") == 0, list_agg = str_agg || strcmp(n, "array_agg") == 0;
    ExExpr *list_sep = NULL;
    int list_order = 0;
    KType list_elem = k_type(K_TYPE_UNKNOWN);
    if (strcmp(n, "count") == 0 && (f->star || nargs == 0)) spec.func = EX_AGG_COUNT_STAR;
    else {
        if (nargs != (str_agg ? 2u : 1u)) {
            k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "function %s with %u arguments does not exist",
                       n, nargs);
            return NULL;
        }
        if (strcmp(n, "count") == 0) spec.func = EX_AGG_COUNT;
        else if (strcmp(n, "sum") == 0) spec.func = EX_AGG_SUM;
        else if (strcmp(n, "avg") == 0) spec.func = EX_AGG_AVG;
        else if (strcmp(n, "min") == 0) spec.func = EX_AGG_MIN;
        else if (strcmp(n, "max") == 0) spec.func = EX_AGG_MAX;
        else if (strcmp(n, "bool_and") == 0 || strcmp(n, "every") == 0) spec.func = EX_AGG_BOOL_AND;
        else if (strcmp(n, "bool_or") == 0) spec.func = EX_AGG_BOOL_OR;
        else if (strcmp(n, "stddev") == 0 || strcmp(n, "stddev_samp") == 0) spec.func = EX_AGG_STDDEV_SAMP;
        else if (strcmp(n, "variance") == 0 || strcmp(n, "var_samp") == 0) spec.func = EX_AGG_VAR_SAMP;
        else if (list_agg) spec.func = EX_AGG_LIST;
        else spec.func = EX_AGG_ANY_VALUE;
        /* arguments are bound below the aggregation: FROM scope, no agg state */
        PlAggState *save = s->agg;
        PlRel **save_attach = s->attach;
        s->in_agg = true;
        s->agg = NULL;
        s->attach = save->pre;
        ExExpr *arg = bind_expr(c, s, f->args->items[0]);
        s->agg = save;
        s->attach = save_attach;
        s->in_agg = false;
        if (!arg) return NULL;
        if (arg->type.id == K_TYPE_UNKNOWN) arg = pl__coerce(c, arg, k_type_varchar(0), pos);
        if (arg && list_agg) {
            if (str_agg && !k_type_is_string(arg->type)) {
                char buf[64];
                k_type_name(arg->type, buf, sizeof buf);
                k_error_at(c->err, K_UNDEFINED_FUNCTION, pos,
                           "function string_agg(%s, unknown) does not exist", buf);
                return NULL;
            }
            if (f->agg_order) {
                /* array_agg(x ORDER BY x): the elements sorted */
                const PrSortBy *sb = PR_CAST(SortBy, f->agg_order->items[0]);
                char *t1 = NULL, *t2 = NULL;
                size_t l1 = 0, l2 = 0;
                KErr pe;
                bool same = pr_print(c->a, sb->expr, &t1, &l1, &pe) == K_OK &&
                            pr_print(c->a, f->args->items[0], &t2, &l2, &pe) == K_OK && l1 == l2 &&
                            memcmp(t1, t2, l1) == 0;
                if (pr_list_len(f->agg_order) != 1 || !same) {
                    k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                               "%s(x ... ORDER BY y) is supported only for y the aggregated x", n);
                    return NULL;
                }
                list_order = sb->dir == PR_SORT_DESC ? 2 : 1;
            }
            list_elem = arg->type;
            arg = pl__array_record(c, arg, !str_agg, pos);
            if (!arg) return NULL;
            if (str_agg) {
                list_sep = bind_expr(c, s, f->args->items[1]);
                if (!list_sep) return NULL;
            }
        }
        KType at = arg->type;
        bool ok = true;
        switch ((ExAggFunc)spec.func) {
        case EX_AGG_SUM:
        case EX_AGG_AVG:
        case EX_AGG_STDDEV_SAMP:
        case EX_AGG_VAR_SAMP: ok = pl__is_numeric(at); break;
        case EX_AGG_BOOL_AND:
        case EX_AGG_BOOL_OR: ok = at.id == K_TYPE_BOOL; break;
        default: break;
        }
        if (!ok) {
            char buf[64];
            k_type_name(at, buf, sizeof buf);
            k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "function %s(%s) does not exist", n, buf);
            k_err_hint(c->err, "No function matches the given name and argument types. You might "
                               "need to add explicit type casts.");
            return NULL;
        }
        spec.arg = arg;
        spec.distinct = f->distinct;
    }
    if (f->filter) {
        PlAggState *save = s->agg;
        s->agg = NULL;
        s->in_agg = true;
        ExExpr *flt = require_bool(c, bind_expr(c, s, f->filter), "FILTER", f->filter->pos);
        s->agg = save;
        s->in_agg = false;
        if (!flt) return NULL;
        spec.filter = flt;
    }
    spec.type = agg_type((ExAggFunc)spec.func, spec.arg ? spec.arg->type : k_type(K_TYPE_INT64));
    PlAggState *g = s->agg;
    for (uint32_t i = 0; i < g->naggs; i++) {
        ExAggSpec *o = &g->aggs[i];
        if (o->func == spec.func && o->distinct == spec.distinct && expr_equal(o->arg, spec.arg) &&
            expr_equal(o->filter, spec.filter)) {
            ExExpr *e = pl__col_ref(c, g->agg_cols[i]);
            if (e && list_agg) e = pl__list_agg_finish(c, e, list_elem, list_sep, list_order, pos);
            return e;
        }
    }
    if (g->naggs == g->capaggs) {
        uint32_t nc = g->capaggs ? g->capaggs * 2 : 8;
        ExAggSpec *na = pl__alloc(c, sizeof(ExAggSpec) * nc);
        int32_t *nl = pl__alloc(c, sizeof(int32_t) * nc);
        if (!na || !nl) return NULL;
        if (g->naggs) {
            memcpy(na, g->aggs, sizeof(ExAggSpec) * g->naggs);
            memcpy(nl, g->agg_cols, sizeof(int32_t) * g->naggs);
        }
        g->aggs = na;
        g->agg_cols = nl;
        g->capaggs = nc;
    }
    int32_t col = pl__new_col(c, spec.type, k_strdup(c->a, n));
    if (col < 0) return NULL;
    g->aggs[g->naggs] = spec;
    g->agg_cols[g->naggs++] = col;
    ExExpr *e = pl__col_ref(c, col);
    if (e) e->pos = pos;
    if (e && list_agg) e = pl__list_agg_finish(c, e, list_elem, list_sep, list_order, pos);
    return e;
}

static bool
expr_equal(const ExExpr *x, const ExExpr *y)
{
    if (x == y) return true;
    if (!x || !y) return false;
    if (x->kind != y->kind || x->nargs != y->nargs || !k_type_equal(x->type, y->type)) return false;
    switch ((ExExprKind)x->kind) {
    case EX_EXPR_CONST:
        if (x->u.konst.is_null || y->u.konst.is_null) return x->u.konst.is_null == y->u.konst.is_null;
        if (k_type_is_string(x->type) || x->type.id == K_TYPE_UNKNOWN)
            return k_str_eq(&x->u.konst.v.str, &y->u.konst.v.str);
        return memcmp(&x->u.konst.v, &y->u.konst.v, k_type_width(x->type)) == 0;
    case EX_EXPR_COLUMN: return x->u.column.index == y->u.column.index;
    case EX_EXPR_PARAM: return x->u.param.index == y->u.param.index;
    case EX_EXPR_FUNC:
        if (x->u.func.fn != y->u.func.fn || x->u.func.part != y->u.func.part) return false;
        break;
    case EX_EXPR_IN:
        if (x->u.in.negated != y->u.in.negated) return false;
        break;
    default: break;
    }
    for (uint32_t i = 0; i < x->nargs; i++)
        if (!expr_equal(x->args[i], y->args[i])) return false;
    return true;
}

static ExExpr *bind_expr(PlCtx *c, PlScope *s, const PrNode *n);

static int
frame_bound(PlCtx *c, PlScope *s, const PrFrameBound *fb, uint8_t *kind, int64_t *off)
{
    switch (fb->kind) {
    case PR_BOUND_UNBOUNDED_PRECEDING: *kind = EX_FRAME_UNBOUNDED_PRECEDING; break;
    case PR_BOUND_CURRENT_ROW: *kind = EX_FRAME_CURRENT_ROW; break;
    case PR_BOUND_UNBOUNDED_FOLLOWING: *kind = EX_FRAME_UNBOUNDED_FOLLOWING; break;
    case PR_BOUND_PRECEDING:
    case PR_BOUND_FOLLOWING: {
        *kind = fb->kind == PR_BOUND_PRECEDING ? EX_FRAME_PRECEDING : EX_FRAME_FOLLOWING;
        ExExpr *e = bind_expr(c, s, fb->offset);
        if (!e) return K_ERR;
        e = pl__coerce(c, e, k_type(K_TYPE_INT64), fb->hdr.pos);
        if (!e) return K_ERR;
        e = pl__fold(c, e);
        if (!e || e->kind != EX_EXPR_CONST || e->u.konst.is_null || e->u.konst.v.i64 < 0)
            return k_error_at(c->err, K_WINDOWING_ERROR, fb->hdr.pos,
                              "frame offset must be a non-negative constant");
        *off = e->u.konst.v.i64;
        break;
    }
    }
    return K_OK;
}

static ExExpr *
bind_window(PlCtx *c, PlScope *s, const PrFuncCall *f)
{
    int32_t pos = f->hdr.pos;
    if (!s->win) {
        k_error_at(c->err, K_WINDOWING_ERROR, pos, "window functions are not allowed in %s",
                   s->no_agg_what ? s->no_agg_what : "this context");
        return NULL;
    }
    if (s->in_window || s->in_agg) {
        k_error_at(c->err, K_WINDOWING_ERROR, pos, "window function calls cannot be nested");
        return NULL;
    }
    PlWinState *w = s->win;
    const PrWindowDef *def = f->over;
    const PrWindowDef *base = NULL;
    const char *ref = def->refname ? def->refname : (def->name && !def->partition_by && !def->order_by ? def->name : NULL);
    if (ref) {
        for (int32_t i = 0; i < pr_list_len(w->named); i++) {
            const PrWindowDef *nd = PR_CAST(WindowDef, w->named->items[i]);
            if (nd->name && strcmp(nd->name, ref) == 0) base = nd;
        }
        if (!base) {
            k_error_at(c->err, K_UNDEFINED_OBJECT, pos, "window \"%s\" does not exist", ref);
            return NULL;
        }
    }
    const PrList *part = base && !def->partition_by ? base->partition_by : def->partition_by;
    const PrList *order = def->order_by ? def->order_by : base ? base->order_by : NULL;
    const PrWindowDef *framedef = def->frame_mode != PR_FRAME_DEFAULT ? def : base ? base : def;
    PlWinCall call;
    memset(&call, 0, sizeof call);
    s->in_window = true;
    call.npart = (uint32_t)pr_list_len(part);
    call.part = pl__alloc(c, sizeof(ExExpr *) * (call.npart + 1));
    call.norder = (uint32_t)pr_list_len(order);
    call.order = pl__alloc(c, sizeof(ExSortKey) * (call.norder + 1));
    if (!call.part || !call.order) return NULL;
    for (uint32_t i = 0; i < call.npart; i++) {
        call.part[i] = bind_expr(c, s, part->items[i]);
        if (!call.part[i]) return NULL;
    }
    for (uint32_t i = 0; i < call.norder; i++) {
        const PrSortBy *sb = PR_CAST(SortBy, order->items[i]);
        call.order[i].expr = bind_expr(c, s, sb->expr);
        if (!call.order[i].expr) return NULL;
        call.order[i].desc = sb->dir == PR_SORT_DESC;
        call.order[i].nulls_first = sb->nulls == PR_NULLS_DEFAULT ? call.order[i].desc : sb->nulls == PR_NULLS_FIRST;
    }
    ExWindowFunc *fn = &call.fn;
    const char *n = f->name;
    uint32_t nargs = (uint32_t)pr_list_len(f->args);
    ExExpr *args[3] = {NULL, NULL, NULL};
    if (nargs > 3) goto undefined;
    for (uint32_t i = 0; i < nargs; i++) {
        args[i] = bind_expr(c, s, f->args->items[i]);
        if (!args[i]) return NULL;
    }
    fn->offset = 1;
    if (strcmp(n, "row_number") == 0 && nargs == 0) fn->kind = EX_WIN_ROW_NUMBER;
    else if (strcmp(n, "rank") == 0 && nargs == 0) fn->kind = EX_WIN_RANK;
    else if (strcmp(n, "dense_rank") == 0 && nargs == 0) fn->kind = EX_WIN_DENSE_RANK;
    else if (strcmp(n, "ntile") == 0 && nargs == 1) {
        fn->kind = EX_WIN_NTILE;
        fn->arg = pl__coerce(c, args[0], k_type(K_TYPE_INT32), pos);
        if (!fn->arg) return NULL;
    } else if ((strcmp(n, "lag") == 0 || strcmp(n, "lead") == 0) && nargs >= 1) {
        fn->kind = n[1] == 'a' ? EX_WIN_LAG : EX_WIN_LEAD;
        fn->arg = args[0]->type.id == K_TYPE_UNKNOWN ? pl__coerce(c, args[0], k_type_varchar(0), pos) : args[0];
        if (!fn->arg) return NULL;
        if (nargs >= 2) {
            ExExpr *o = pl__fold(c, pl__coerce(c, args[1], k_type(K_TYPE_INT64), pos));
            if (!o || o->kind != EX_EXPR_CONST || o->u.konst.is_null) {
                k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "the offset of %s must be a constant", n);
                return NULL;
            }
            fn->offset = o->u.konst.v.i64;
        }
        if (nargs == 3) {
            fn->dflt = pl__coerce(c, args[2], fn->arg->type, pos);
            if (!fn->dflt) return NULL;
        }
    } else if ((strcmp(n, "first_value") == 0 || strcmp(n, "last_value") == 0) && nargs == 1) {
        fn->kind = n[0] == 'f' ? EX_WIN_FIRST_VALUE : EX_WIN_LAST_VALUE;
        fn->arg = args[0]->type.id == K_TYPE_UNKNOWN ? pl__coerce(c, args[0], k_type_varchar(0), pos) : args[0];
        if (!fn->arg) return NULL;
    } else if (is_agg_name(n)) {
        fn->kind = EX_WIN_AGG;
        if (f->distinct) {
            k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "DISTINCT is not implemented for window functions");
            return NULL;
        }
        ExAggSpec *a = &fn->agg;
        if (strcmp(n, "count") == 0 && (f->star || nargs == 0)) a->func = EX_AGG_COUNT_STAR;
        else if (nargs != 1) goto undefined;
        else {
            if (strcmp(n, "count") == 0) a->func = EX_AGG_COUNT;
            else if (strcmp(n, "sum") == 0) a->func = EX_AGG_SUM;
            else if (strcmp(n, "avg") == 0) a->func = EX_AGG_AVG;
            else if (strcmp(n, "min") == 0) a->func = EX_AGG_MIN;
            else if (strcmp(n, "max") == 0) a->func = EX_AGG_MAX;
            else goto undefined;
            a->arg = args[0];
            if ((a->func == EX_AGG_SUM || a->func == EX_AGG_AVG) && !pl__is_numeric(a->arg->type)) goto undefined;
        }
        a->type = agg_type((ExAggFunc)a->func, a->arg ? a->arg->type : k_type(K_TYPE_INT64));
    } else
        goto undefined;
    switch ((ExWindowKind)fn->kind) {
    case EX_WIN_ROW_NUMBER:
    case EX_WIN_RANK:
    case EX_WIN_DENSE_RANK:
    case EX_WIN_NTILE: fn->type = k_type(K_TYPE_INT64); break;
    case EX_WIN_AGG: fn->type = fn->agg.type; break;
    default: fn->type = fn->arg->type; break;
    }
    /* frame */
    fn->start = EX_FRAME_UNBOUNDED_PRECEDING;
    fn->end = EX_FRAME_CURRENT_ROW;
    if (framedef->frame_mode == PR_FRAME_ROWS) {
        fn->frame_rows = true;
        if (frame_bound(c, s, framedef->frame_start, &fn->start, &fn->start_off) != K_OK) return NULL;
        if (framedef->frame_end) {
            if (frame_bound(c, s, framedef->frame_end, &fn->end, &fn->end_off) != K_OK) return NULL;
        } else {
            fn->end = EX_FRAME_CURRENT_ROW;
        }
    } else if (framedef->frame_mode != PR_FRAME_DEFAULT) {
        bool dflt = framedef->frame_mode == PR_FRAME_RANGE && framedef->frame_start &&
                    framedef->frame_start->kind == PR_BOUND_UNBOUNDED_PRECEDING &&
                    (!framedef->frame_end || framedef->frame_end->kind == PR_BOUND_CURRENT_ROW);
        if (!dflt) {
            k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, framedef->hdr.pos, "only ROWS frames and the default RANGE frame are supported");
            return NULL;
        }
    }
    s->in_window = false;
    call.col = pl__new_col(c, fn->type, k_strdup(c->a, n));
    if (call.col < 0) return NULL;
    if (w->n == w->cap) {
        uint32_t nc = w->cap ? w->cap * 2 : 4;
        PlWinCall *na = pl__alloc(c, sizeof(PlWinCall) * nc);
        if (!na) return NULL;
        if (w->n) memcpy(na, w->calls, sizeof(PlWinCall) * w->n);
        w->calls = na;
        w->cap = nc;
    }
    w->calls[w->n++] = call;
    ExExpr *r = pl__col_ref(c, call.col);
    if (r) r->pos = pos;
    return r;
undefined:
    s->in_window = false;
    k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "function %s does not exist as a window function", n);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* PostgreSQL catalog support: object-identifier casts, the regular-    */
/* expression operators and the catalog functions clients call          */
/* ------------------------------------------------------------------ */
/* Relation oids as net/systables.c numbers them: user tables 16384 + id,
 * system relations their (high) id. */
#define PL_SYS_TABLE_BASE 0xF0000000u
#define PL_TABLE_OID_BASE 16384

static bool
is_oid_type(const char *n)
{
    static const char *const names[] = {"oid", "regclass", "regtype", "regnamespace", "regproc",
                                        "regprocedure", "regrole", "regoper", "regoperator"};
    for (size_t i = 0; i < K_ARRAY_LEN(names); i++)
        if (strcmp(n, names[i]) == 0) return true;
    return false;
}

/* x::oid, x::regclass, ...: object identifiers are BIGINTs. A string
 * constant cast to regclass, regtype or regnamespace is looked up now, as
 * PostgreSQL does when it reads the literal. */
static ExExpr *
bind_oid_cast(PlCtx *c, ExExpr *x, const PrTypeName *tn, int32_t pos)
{
    KType i8 = k_type(K_TYPE_INT64);
    const char *n = tn->name;
    bool str_const = pl__is_const(x) && !x->u.konst.is_null &&
                     (x->type.id == K_TYPE_UNKNOWN || k_type_is_string(x->type));
    if (!str_const) {
        if (x->type.id == K_TYPE_UNKNOWN || x->kind == EX_EXPR_PARAM || pl__is_numeric(x->type))
            return pl__coerce(c, x, i8, pos);
        char buf[64];
        k_type_name(x->type, buf, sizeof buf);
        k_error_at(c->err, K_DATATYPE_MISMATCH, pos, "cannot cast type %s to %s", buf, n);
        return NULL;
    }
    char text[256];
    const KStr *ks = &x->u.konst.v.str;
    if (ks->len >= sizeof text) {
        k_error_at(c->err, K_PROGRAM_LIMIT_EXCEEDED, pos, "%s name is too long", n);
        return NULL;
    }
    memcpy(text, k_str_data(ks), ks->len);
    text[ks->len] = 0;
    char *end;
    long long num = strtoll(text, &end, 10);
    ExExpr *r = NULL;
    if (end != text && *end == 0) { /* '16385'::regclass */
        r = ex_expr_const_i64(c->a, num);
        if (!r) pl__oom(c);
        return r;
    }
    int64_t oid = -1;
    if (strcmp(n, "regproc") == 0) {
        /* the type input functions pg_type.typinput names (JDBC getTypeInfo
         * compares with 'array_in'); Kestrel has no other functions in its
         * catalog (PostgreSQL's oids) */
        static const struct {
            const char *name;
            int64_t oid;
        } procs[] = {{"array_in", 750},       {"boolin", 1242},      {"namein", 34},
                     {"int8in", 460},         {"int2in", 38},        {"int4in", 42},
                     {"textin", 46},          {"oidin", 1798},       {"float4in", 200},
                     {"float8in", 214},       {"unknownin", 109},    {"bpcharin", 1044},
                     {"varcharin", 1046},     {"date_in", 1084},     {"timestamp_in", 1312},
                     {"interval_in", 1160},   {"numeric_in", 1701}};
        const char *fn = strncmp(text, "pg_catalog.", 11) == 0 ? text + 11 : text;
        for (size_t i = 0; i < K_ARRAY_LEN(procs) && oid < 0; i++)
            if (strcmp(procs[i].name, fn) == 0) oid = procs[i].oid;
        if (oid < 0) {
            k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "function \"%s\" does not exist", text);
            return NULL;
        }
    } else if (strcmp(n, "regclass") == 0) {
        /* [schema.]name; names folded to lower case */
        for (char *q = text; *q; q++) *q = (char)tolower((unsigned char)*q);
        char *dot = strchr(text, '.');
        const char *schema = NULL, *rel = text;
        if (dot) {
            *dot = 0;
            schema = text;
            rel = dot + 1;
        }
        const StTableDef *def = NULL;
        KErr e2;
        k_err_clear(&e2);
        if (c->cat && c->cat->lookup_table &&
            c->cat->lookup_table(c->cat->ctx, schema, rel, c->a, &def, &e2) == K_OK && def)
            oid = def->id >= PL_SYS_TABLE_BASE ? (int64_t)def->id : PL_TABLE_OID_BASE + (int64_t)def->id;
        if (oid < 0) {
            if (dot) *dot = '.';
            k_error_at(c->err, K_UNDEFINED_TABLE, pos, "relation \"%s\" does not exist", text);
            return NULL;
        }
    } else if (strcmp(n, "regtype") == 0) {
        KType t;
        KErr e2;
        const char *tname = strncmp(text, "pg_catalog.", 11) == 0 ? text + 11 : text;
        if (k_type_from_name(tname, -1, -1, &t, &e2) == K_OK) oid = k_type_pg_oid(t);
        if (oid <= 0) {
            k_error_at(c->err, K_UNDEFINED_OBJECT, pos, "type \"%s\" does not exist", text);
            return NULL;
        }
    } else if (strcmp(n, "regnamespace") == 0) {
        if (strcmp(text, "pg_catalog") == 0) oid = 11;
        else if (strcmp(text, "public") == 0) oid = 2200;
        else if (strcmp(text, "information_schema") == 0) oid = 13183;
        if (oid < 0) {
            k_error_at(c->err, K_INVALID_SCHEMA_NAME, pos, "schema \"%s\" does not exist", text);
            return NULL;
        }
    } else {
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "names of type %s are not supported", n);
        return NULL;
    }
    r = ex_expr_const_i64(c->a, oid);
    if (!r) pl__oom(c);
    return r;
}

/* The catalog functions (pg_catalog.*) psql, JDBC and other clients call.
 * *found is false when `n` with these arguments is not one of them. */
static ExExpr *
bind_catalog_func(PlCtx *c, const char *n, uint32_t nargs, ExExpr **args, int32_t pos, bool *found)
{
    static const struct {
        const char *name;
        ExFunc fn;
        uint32_t minargs, maxargs;
        KTypeId argt[3]; /* K_TYPE_VARCHAR: any string */
        KTypeId result;
    } tab[] = {
        {"pg_get_userbyid", EX_FN_PG_USER_NAME, 1, 1, {K_TYPE_INT64}, K_TYPE_VARCHAR},
        {"pg_encoding_to_char", EX_FN_PG_ENCODING_NAME, 1, 1, {K_TYPE_INT32}, K_TYPE_VARCHAR},
        {"format_type", EX_FN_FORMAT_TYPE, 2, 2, {K_TYPE_INT64, K_TYPE_INT32}, K_TYPE_VARCHAR},
        {"array_to_string", EX_FN_ARRAY_TO_STRING, 2, 3,
         {K_TYPE_VARCHAR, K_TYPE_VARCHAR, K_TYPE_VARCHAR}, K_TYPE_VARCHAR},
        {"pg_table_is_visible", EX_FN_PG_TABLE_VISIBLE, 1, 1, {K_TYPE_INT64}, K_TYPE_BOOL},
        {"pg_table_size", EX_FN_PG_TABLE_SIZE, 1, 1, {K_TYPE_INT64}, K_TYPE_INT64},
        {"pg_total_relation_size", EX_FN_PG_TABLE_SIZE, 1, 1, {K_TYPE_INT64}, K_TYPE_INT64},
        {"pg_relation_size", EX_FN_PG_TABLE_SIZE, 1, 1, {K_TYPE_INT64}, K_TYPE_INT64},
        {"pg_size_pretty", EX_FN_PG_SIZE_PRETTY, 1, 1, {K_TYPE_INT64}, K_TYPE_VARCHAR},
    };
    *found = true;
    /* pg_get_expr(expression, relation oid [, pretty]): Kestrel's catalogs
     * keep expressions as their SQL text already */
    if (strcmp(n, "pg_get_expr") == 0 && (nargs == 2 || nargs == 3) &&
        (args[0]->type.id == K_TYPE_UNKNOWN || k_type_is_string(args[0]->type)))
        return pl__coerce(c, args[0], k_type_varchar(0), pos);
    /* obj_description(oid [, catalog]), col_description(oid, column):
     * Kestrel keeps no comments (pg_description is empty), so there is none */
    if ((strcmp(n, "obj_description") == 0 && (nargs == 1 || nargs == 2)) ||
        (strcmp(n, "col_description") == 0 && nargs == 2) ||
        (strcmp(n, "shobj_description") == 0 && nargs == 2) ||
        /* Kestrel has no extended statistics objects: PostgreSQL gives NULL
         * for an oid that is not one */
        (strcmp(n, "pg_get_statisticsobjdef_columns") == 0 && nargs == 1) ||
        /* nor functions in pg_proc (empty: built-ins are not catalogued) */
        ((strcmp(n, "pg_get_function_result") == 0 || strcmp(n, "pg_get_function_arguments") == 0 ||
          strcmp(n, "pg_get_function_identity_arguments") == 0) && nargs == 1)) {
        ExExpr *e = ex_expr_const_null(c->a, k_type_varchar(0));
        if (!e) pl__oom(c);
        return e;
    }
    /* pg_function_is_visible(oid): NULL, PostgreSQL's answer for an oid that
     * is no function (pg_proc is empty) */
    if (strcmp(n, "pg_function_is_visible") == 0 && nargs == 1) {
        ExExpr *e = ex_expr_const_null(c->a, k_type(K_TYPE_BOOL));
        if (!e) pl__oom(c);
        return e;
    }
    /* pg_relation_is_publishable(oid): true for user tables (oids from 16384
     * below the system relations' 0xF0000000, net/systables.c), as PostgreSQL
     * is for its permanent user tables; Kestrel has no publications anyway */
    if (strcmp(n, "pg_relation_is_publishable") == 0 && nargs == 1 &&
        (args[0]->type.id == K_TYPE_UNKNOWN || pl__is_numeric(args[0]->type))) {
        ExExpr *x = pl__coerce(c, args[0], k_type(K_TYPE_INT64), pos);
        ExExpr *lo = x ? ex_expr_const_i64(c->a, 16384) : NULL;
        ExExpr *hi = x ? ex_expr_const_i64(c->a, 0xF0000000LL) : NULL;
        lo = lo ? pl__make_compare(c, EX_FN_GE, x, lo, pos) : NULL;
        hi = hi ? pl__make_compare(c, EX_FN_LT, x, hi, pos) : NULL;
        return lo && hi ? pl__fold(c, pl__make_and(c, lo, hi)) : NULL;
    }
    for (size_t i = 0; i < K_ARRAY_LEN(tab); i++) {
        if (strcmp(tab[i].name, n) != 0) continue;
        if (nargs < tab[i].minargs || nargs > tab[i].maxargs) break;
        KType rt = tab[i].result == K_TYPE_VARCHAR ? k_type_varchar(0) : k_type(tab[i].result);
        ExExpr *e = new_func(c, tab[i].fn, rt, nargs, pos);
        if (!e) return NULL;
        for (uint32_t j = 0; j < nargs; j++) {
            KTypeId want = tab[i].argt[j];
            ExExpr *x = args[j];
            if (want == K_TYPE_VARCHAR) {
                if (x->type.id != K_TYPE_UNKNOWN && !k_type_is_string(x->type)) break;
                x = pl__coerce(c, x, k_type_varchar(0), pos);
            } else {
                if (x->type.id != K_TYPE_UNKNOWN && x->kind != EX_EXPR_PARAM && !pl__is_numeric(x->type))
                    break;
                x = pl__coerce(c, x, k_type(want), pos);
            }
            if (!x) return NULL;
            e->args[j] = x;
            if (j + 1 == nargs) return e;
        }
        break;
    }
    *found = false;
    return NULL;
}

/* ~ !~ ~* !~*: POSIX regular-expression match of two strings. */
static ExExpr *
bind_regex_op(PlCtx *c, const char *op, ExExpr *l, ExExpr *r, int32_t pos, bool *found)
{
    ExFunc fn;
    *found = true;
    if (strcmp(op, "~") == 0) fn = EX_FN_REGEX_MATCH;
    else if (strcmp(op, "!~") == 0) fn = EX_FN_REGEX_NOT_MATCH;
    else if (strcmp(op, "~*") == 0) fn = EX_FN_REGEX_IMATCH;
    else if (strcmp(op, "!~*") == 0) fn = EX_FN_REGEX_NOT_IMATCH;
    else {
        *found = false;
        return NULL;
    }
    if ((l->type.id != K_TYPE_UNKNOWN && !k_type_is_string(l->type)) ||
        (r->type.id != K_TYPE_UNKNOWN && !k_type_is_string(r->type))) {
        char lb[64] = "unknown", rb[64] = "unknown";
        if (l->type.id != K_TYPE_UNKNOWN) k_type_name(l->type, lb, sizeof lb);
        if (r->type.id != K_TYPE_UNKNOWN) k_type_name(r->type, rb, sizeof rb);
        k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s %s %s", lb, op, rb);
        k_err_hint(c->err, "No operator matches the given name and argument types. You might need to "
                           "add explicit type casts.");
        return NULL;
    }
    l = pl__coerce(c, l, k_type_varchar(0), pos);
    r = l ? pl__coerce(c, r, k_type_varchar(0), pos) : NULL;
    if (!r) return NULL;
    ExExpr *e = new_func(c, fn, k_type(K_TYPE_BOOL), 2, pos);
    if (e) {
        e->args[0] = l;
        e->args[1] = r;
    }
    return e;
}

/* date_part('field', x): extract's value as double precision (PostgreSQL's
 * date_part(text, timestamp); a date is read as its midnight). */
static ExExpr *
bind_date_part(PlCtx *c, PlScope *s, const PrFuncCall *f)
{
    int32_t pos = f->hdr.pos;
    const PrNode *fa = f->args->items[0];
    if (!PR_IS(Literal, fa) || PR_CAST(Literal, fa)->kind != PR_LIT_STRING) {
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, fa->pos, "date_part needs a constant field name");
        return NULL;
    }
    char field[32];
    const PrLiteral *lit = PR_CAST(Literal, fa);
    size_t n = 0;
    for (; n + 1 < sizeof field && n < lit->len; n++)
        field[n] = (char)(lit->text[n] >= 'A' && lit->text[n] <= 'Z' ? lit->text[n] + 32 : lit->text[n]);
    field[n] = 0;
    ExExpr *x = bind_expr(c, s, f->args->items[1]);
    if (!x) return NULL;
    if (x->type.id == K_TYPE_UNKNOWN && !(x = pl__coerce(c, x, k_type(K_TYPE_TIMESTAMP), pos))) return NULL;
    if (x->type.id != K_TYPE_DATE && x->type.id != K_TYPE_TIMESTAMP) {
        char buf[64];
        k_type_name(x->type, buf, sizeof buf);
        k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "function date_part(unknown, %s) does not exist", buf);
        return NULL;
    }
    static const char *parts[] = {"year", "quarter", "month", "week", "day", "dow", "doy",
                                  "hour", "minute", "second", "epoch", "decade", "century"};
    int part = -1;
    for (int i = 0; i < (int)K_ARRAY_LEN(parts); i++)
        if (strcmp(parts[i], field) == 0) part = i;
    if (part < 0) {
        k_error_at(c->err, K_INVALID_PARAMETER_VALUE, fa->pos,
                   "unit \"%s\" not recognized for type timestamp without time zone", field);
        return NULL;
    }
    ExExpr *r = new_func(c, EX_FN_EXTRACT, k_type(K_TYPE_DOUBLE), 1, pos);
    if (!r) return NULL;
    r->args[0] = x;
    r->u.func.part = (uint16_t)part;
    return r;
}

/* GROUPING(a, b, ...): which arguments the current grouping set rolls up
 * (grouping.c); the arguments must be group expressions of this level. */
static ExExpr *
bind_grouping(PlCtx *c, PlScope *s, const PrFuncCall *f)
{
    int32_t pos = f->hdr.pos;
    uint32_t nargs = (uint32_t)pr_list_len(f->args);
    PlAggState *g = s->agg;
    if (!g) {
        if (s->no_agg && s->no_agg_what)
            k_error_at(c->err, K_GROUPING_ERROR, pos, "grouping operations are not allowed in %s",
                       s->no_agg_what);
        else
            k_error_at(c->err, K_GROUPING_ERROR, pos,
                       "arguments to GROUPING must be grouping expressions of the associated query level");
        return NULL;
    }
    if (nargs == 0 || f->star || f->distinct) {
        k_error_at(c->err, K_SYNTAX_ERROR, pos, "syntax error at or near \")\"");
        return NULL;
    }
    if (nargs > 31) {
        k_error_at(c->err, K_PROGRAM_LIMIT_EXCEEDED, pos, "GROUPING must have fewer than 32 arguments");
        return NULL;
    }
    uint32_t idx[31];
    for (uint32_t i = 0; i < nargs; i++) {
        const PrNode *an = f->args->items[i];
        ExExpr *e = bind_expr(c, s, an);
        if (!e) return NULL;
        bool found = false;
        for (uint32_t k = 0; k < g->nexprs && !found; k++)
            if (expr_equal(e, g->groups[k])) {
                idx[i] = k;
                found = true;
            }
        if (!found) {
            k_error_at(c->err, K_GROUPING_ERROR, an->pos,
                       "arguments to GROUPING must be grouping expressions of the associated query level");
            return NULL;
        }
    }
    return pl__grouping_func(c, &g->gs, idx, nargs, pos);
}

static ExExpr *
bind_func(PlCtx *c, PlScope *s, const PrFuncCall *f)
{

    const char *n = f->name;
    int32_t pos = f->hdr.pos;
    if (f->over) return bind_window(c, s, f);
    if (is_agg_name(n) && !f->schema) return bind_agg(c, s, f);
    if (!f->schema && strcmp(n, "grouping") == 0) return bind_grouping(c, s, f);
    if ((!f->schema || strcmp(f->schema, "pg_catalog") == 0) && strcmp(n, "date_part") == 0 &&
        pr_list_len(f->args) == 2 && !f->star && !f->distinct)
        return bind_date_part(c, s, f);
    uint32_t nargs = (uint32_t)pr_list_len(f->args);
    ExExpr *args[8];
    if (nargs > 8) goto undefined;
    for (uint32_t i = 0; i < nargs; i++) {
        args[i] = bind_expr(c, s, f->args->items[i]);
        if (!args[i]) return NULL;
    }
    if (f->distinct || f->star) goto undefined;

    /* server and session information, and the statement's clock: constants
     * of the statement (version() starts with "PostgreSQL 15.0" so drivers
     * parse it) */
    if (nargs == 0 && (!f->schema || strcmp(f->schema, "pg_catalog") == 0)) {
        const char *sv = NULL;
        if (strcmp(n, "version") == 0)
            sv = "PostgreSQL 15.0 (Kestrel " KESTREL_VERSION ") on x86_64-pc-linux-gnu, compiled by gcc, 64-bit";
        else if (strcmp(n, "current_database") == 0 || strcmp(n, "current_catalog") == 0)
            sv = c->opts.database ? c->opts.database : "kestrel";
        else if (strcmp(n, "current_schema") == 0)
            sv = "public";
        else if (strcmp(n, "current_user") == 0 || strcmp(n, "session_user") == 0 || strcmp(n, "user") == 0 ||
                 strcmp(n, "current_role") == 0)
            sv = c->opts.user ? c->opts.user : "kestrel";
        ExExpr *e = NULL;
        if (sv) {
            e = ex_expr_const_str(c->a, sv, strlen(sv));
        } else if (strcmp(n, "current_date") == 0 || strcmp(n, "now") == 0 || strcmp(n, "current_timestamp") == 0 ||
                   strcmp(n, "localtimestamp") == 0 || strcmp(n, "transaction_timestamp") == 0 ||
                   strcmp(n, "statement_timestamp") == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
            if (strcmp(n, "current_date") == 0) {
                e = ex_expr_const_date(c->a, (int32_t)(us / K_USECS_PER_DAY));
            } else {
                ExValue v = {0};
                v.i64 = us;
                e = ex_expr_const(c->a, k_type(K_TYPE_TIMESTAMP), false, &v);
            }
        }
        if (sv || e) {
            if (!e) {
                k_error_oom(c->err, c->a, 64);
                return NULL;
            }
            e->pos = pos;
            return e;
        }
    }

    if (!f->schema || strcmp(f->schema, "pg_catalog") == 0) {
        bool found;
        ExExpr *e = bind_catalog_func(c, n, nargs, args, pos, &found);
        if (found) return e;
        if (c->err->code) return NULL;
        e = pl__array_func(c, n, nargs, args, pos, &found);
        if (found) return e;
    }

    if (strcmp(n, "coalesce") == 0 || strcmp(n, "greatest") == 0 || strcmp(n, "least") == 0 ||
        strcmp(n, "nullif") == 0) {
        if (nargs == 0 || (n[0] == 'n' && nargs != 2)) goto undefined;
        KType t = args[0]->type;
        for (uint32_t i = 1; i < nargs; i++)
            if (pl__common_type(c, t, args[i]->type, pos, n, &t) != K_OK) return NULL;
        if (t.id == K_TYPE_UNKNOWN) t = k_type_varchar(0);
        ExExprKind kind = n[0] == 'c' ? EX_EXPR_COALESCE : n[0] == 'g' ? EX_EXPR_GREATEST
                          : n[0] == 'l' ? EX_EXPR_LEAST : EX_EXPR_NULLIF;
        ExExpr *e = pl__expr_new(c, kind, t, nargs, pos);
        if (!e) return NULL;
        for (uint32_t i = 0; i < nargs; i++) {
            e->args[i] = pl__coerce(c, args[i], t, pos);
            if (!e->args[i]) return NULL;
        }
        if (kind == EX_EXPR_NULLIF) e->type = e->args[0]->type;
        return e;
    }
    static const struct {
        const char *name;
        ExFunc fn;
        int minargs, maxargs;
        int kind; /* 0 string→string, 1 string→int, 2 numeric→same, 3 special */
    } tab[] = {
        {"upper", EX_FN_UPPER, 1, 1, 0},      {"lower", EX_FN_LOWER, 1, 1, 0},
        {"btrim", EX_FN_TRIM, 1, 2, 0},       {"trim", EX_FN_TRIM, 1, 2, 0},
        {"ltrim", EX_FN_LTRIM, 1, 2, 0},      {"rtrim", EX_FN_RTRIM, 1, 2, 0},
        {"replace", EX_FN_REPLACE, 3, 3, 0},  {"length", EX_FN_LENGTH, 1, 1, 1},
        {"char_length", EX_FN_LENGTH, 1, 1, 1}, {"character_length", EX_FN_LENGTH, 1, 1, 1},
        {"abs", EX_FN_ABS, 1, 1, 2},          {"floor", EX_FN_FLOOR, 1, 1, 2},
        {"ceil", EX_FN_CEIL, 1, 1, 2},        {"ceiling", EX_FN_CEIL, 1, 1, 2},
        {"round", EX_FN_ROUND, 1, 2, 2},      {"substring", EX_FN_SUBSTRING, 2, 3, 3},
        {"substr", EX_FN_SUBSTRING, 2, 3, 3}, {"position", EX_FN_POSITION, 2, 2, 3},
        {"strpos", EX_FN_POSITION, 2, 2, 3},  {"date_trunc", EX_FN_DATE_TRUNC, 2, 2, 3},
    };
    for (size_t i = 0; i < K_ARRAY_LEN(tab); i++) {
        if (strcmp(tab[i].name, n) != 0) continue;
        if ((int)nargs < tab[i].minargs || (int)nargs > tab[i].maxargs) goto undefined;
        ExExpr *e = new_func(c, tab[i].fn, k_type_varchar(0), nargs, pos);
        if (!e) return NULL;
        switch (tab[i].kind) {
        case 0:
        case 1:
            for (uint32_t j = 0; j < nargs; j++) {
                if (args[j]->type.id == K_TYPE_UNKNOWN) args[j] = pl__coerce(c, args[j], k_type_varchar(0), pos);
                if (!args[j]) return NULL;
                if (!k_type_is_string(args[j]->type)) goto undefined;
                e->args[j] = args[j];
            }
            e->type = tab[i].kind == 1 ? k_type(K_TYPE_INT32) : k_type_varchar(0);
            break;
        case 2:
            if (args[0]->type.id == K_TYPE_UNKNOWN) args[0] = pl__coerce(c, args[0], k_type(K_TYPE_DOUBLE), pos);
            if (!args[0] || !pl__is_numeric(args[0]->type)) goto undefined;
            e->args[0] = args[0];
            e->type = args[0]->type;
            if (tab[i].fn == EX_FN_ROUND && nargs == 2) {
                e->args[1] = pl__coerce(c, args[1], k_type(K_TYPE_INT32), pos);
                if (!e->args[1]) return NULL;
                if (e->type.id == K_TYPE_DECIMAL && pl__is_const(e->args[1]) && !e->args[1]->u.konst.is_null) {
                    int d = e->args[1]->u.konst.v.i32;
                    if (d >= 0 && d <= e->type.scale) e->type.scale = (uint8_t)d;
                }
            } else if (tab[i].fn == EX_FN_ROUND && e->type.id == K_TYPE_DECIMAL) {
                e->type.scale = 0;
            } else if ((tab[i].fn == EX_FN_FLOOR || tab[i].fn == EX_FN_CEIL) && e->type.id == K_TYPE_DECIMAL) {
                e->type.scale = 0;
            }
            if ((tab[i].fn == EX_FN_ROUND || tab[i].fn == EX_FN_FLOOR || tab[i].fn == EX_FN_CEIL) &&
                (e->type.id == K_TYPE_INT32 || e->type.id == K_TYPE_INT64)) {
                return args[0];
            }
            break;
        default:
            if (tab[i].fn == EX_FN_SUBSTRING) {
                ExExpr *x = args[0]->type.id == K_TYPE_UNKNOWN ? pl__coerce(c, args[0], k_type_varchar(0), pos) : args[0];
                if (!x || !k_type_is_string(x->type)) goto undefined;
                e->args[0] = x;
                for (uint32_t j = 1; j < nargs; j++) {
                    if (!pl__is_numeric(args[j]->type) && args[j]->type.id != K_TYPE_UNKNOWN) goto undefined;
                    e->args[j] = pl__coerce(c, args[j], k_type(K_TYPE_INT32), pos);
                    if (!e->args[j]) return NULL;
                }
                e->type = k_type_varchar(0);
            } else if (tab[i].fn == EX_FN_POSITION) {
                for (uint32_t j = 0; j < 2; j++) {
                    e->args[j] = pl__coerce(c, args[j], args[j]->type.id == K_TYPE_UNKNOWN ? k_type_varchar(0) : args[j]->type, pos);
                    if (!e->args[j] || !k_type_is_string(e->args[j]->type)) goto undefined;
                }
                if (strcmp(n, "strpos") == 0) { /* strpos(haystack, needle) */
                    ExExpr *t = e->args[0];
                    e->args[0] = e->args[1];
                    e->args[1] = t;
                }
                e->type = k_type(K_TYPE_INT32);
            } else { /* date_trunc('unit', x) */
                if (!pl__is_const(args[0]) || args[0]->u.konst.is_null) goto undefined;
                const KStr *u = &args[0]->u.konst.v.str;
                char unit[16] = {0};
                if (u->len >= sizeof unit) goto undefined;
                memcpy(unit, k_str_data(u), u->len);
                static const char *units[] = {"year", "quarter", "month", "week", "day", NULL, NULL,
                                              "hour", "minute", "second"};
                int part = -1;
                for (int k = 0; k < (int)K_ARRAY_LEN(units); k++)
                    if (units[k] && strcmp(units[k], unit) == 0) part = k;
                if (part < 0) {
                    k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "unit \"%s\" not recognized", unit);
                    return NULL;
                }
                ExExpr *x = args[1]->type.id == K_TYPE_UNKNOWN ? pl__coerce(c, args[1], k_type(K_TYPE_TIMESTAMP), pos) : args[1];
                if (!x || (x->type.id != K_TYPE_DATE && x->type.id != K_TYPE_TIMESTAMP)) goto undefined;
                e->nargs = 1;
                e->args[0] = x;
                e->u.func.part = (uint16_t)part;
                e->type = k_type(K_TYPE_TIMESTAMP);
            }
            break;
        }
        return e;
    }
undefined:;
    KBuf b;
    k_buf_init(&b);
    for (uint32_t i = 0; i < nargs && i < 8; i++) {
        char buf[64];
        if (i) k_buf_put(&b, ", ", 2);
        const char *tn = "unknown";
        if (args[i] && args[i]->type.id != K_TYPE_UNKNOWN) {
            k_type_name(args[i]->type, buf, sizeof buf);
            tn = buf;
        }
        k_buf_put(&b, tn, strlen(tn));
    }
    k_buf_put_u8(&b, 0);
    k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "function %s(%s) does not exist", n,
               b.failed || !b.data ? "" : (const char *)b.data);
    k_err_hint(c->err, "No function matches the given name and argument types. You might need to "
                       "add explicit type casts.");
    k_buf_free(&b);
    return NULL;
}

static ExExpr *
bind_sublink_value(PlCtx *c, PlScope *s, const PrSubLink *sl)
{
    if (!s->attach) {
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, sl->hdr.pos,
                   "subqueries are not supported in this context");
        return NULL;
    }
    int32_t col;
    if (pl__unnest_value(c, s->attach, sl, s, &col) != K_OK) return NULL;
    ExExpr *e = pl__col_ref(c, col);
    if (e) e->pos = sl->hdr.pos;
    if (e && sl->negated && sl->kind != PR_SUBLINK_SCALAR) { /* NOT IN as a value */
        ExExpr *n = pl__expr_new(c, EX_EXPR_NOT, k_type(K_TYPE_BOOL), 1, sl->hdr.pos);
        if (!n) return NULL;
        n->args[0] = e;
        e = n;
    }
    return e;
}

static ExExpr *
bind_expr(PlCtx *c, PlScope *s, const PrNode *n)
{
    if (!n) return NULL;
    if (++c->depth > 900) {
        k_error_at(c->err, K_STATEMENT_TOO_COMPLEX, n->pos, "expression is too deeply nested");
        return NULL;
    }
    ExExpr *r = NULL;
    int32_t pos = n->pos;
    switch ((PrTag)n->tag) {
    case PR_T_ColumnRef: {
        const PrColumnRef *cr = PR_CAST(ColumnRef, n);
        if (cr->star) {
            k_error_at(c->err, K_SYNTAX_ERROR, pos, "\"*\" is not allowed here");
            break;
        }
        int32_t col;
        if (resolve_column(c, s, cr, &col) != K_OK) break;
        r = pl__col_ref(c, col);
        if (r) r->pos = pos;
        break;
    }
    case PR_T_Literal:
        r = pl__literal(c, PR_CAST(Literal, n));
        break;
    case PR_T_Param: {
        const PrParam *p = PR_CAST(Param, n);
        if (p->number < 1 || (c->params_fixed && (uint32_t)p->number > c->nparams)) {
            k_error_at(c->err, K_UNDEFINED_PARAMETER, pos, "there is no parameter $%d", p->number);
            break;
        }
        if ((uint32_t)p->number > c->nparams) {
            KType *nt = pl__alloc(c, sizeof(KType) * (size_t)p->number);
            if (!nt) break;
            if (c->nparams) memcpy(nt, c->param_types, sizeof(KType) * c->nparams);
            c->param_types = nt;
            c->nparams = (uint32_t)p->number;
        }
        r = pl__expr_new(c, EX_EXPR_PARAM, c->param_types[p->number - 1], 0, pos);
        if (r) r->u.param.index = (uint32_t)(p->number - 1);
        break;
    }
    case PR_T_UnaryExpr: {
        const PrUnaryExpr *u = PR_CAST(UnaryExpr, n);
        ExExpr *x = bind_expr(c, s, u->arg);
        if (!x) break;
        if (u->op == PR_UOP_NOT) {
            x = require_bool(c, x, "NOT", pos);
            if (!x) break;
            r = pl__expr_new(c, EX_EXPR_NOT, k_type(K_TYPE_BOOL), 1, pos);
            if (r) r->args[0] = x;
        } else if (u->op == PR_UOP_PLUS) {
            r = x;
        } else if (u->op == PR_UOP_MINUS) {
            if (x->type.id == K_TYPE_UNKNOWN) x = pl__coerce(c, x, k_type(K_TYPE_INT32), pos);
            if (!x) break;
            if (!pl__is_numeric(x->type)) {
                char buf[64];
                k_type_name(x->type, buf, sizeof buf);
                k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: - %s", buf);
                break;
            }
            r = new_func(c, EX_FN_NEG, x->type, 1, pos);
            if (r) r->args[0] = x;
        } else {
            k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "operator ~ is not supported");
        }
        break;
    }
    case PR_T_BinaryExpr: {
        const PrBinaryExpr *b = PR_CAST(BinaryExpr, n);
        ExExpr *l = bind_expr(c, s, b->left);
        if (!l) break;
        ExExpr *rr = bind_expr(c, s, b->right);
        if (!rr) break;
        switch (b->op) {
        case PR_OP_AND:
        case PR_OP_OR:
            l = require_bool(c, l, b->op == PR_OP_AND ? "AND" : "OR", b->left->pos);
            rr = l ? require_bool(c, rr, b->op == PR_OP_AND ? "AND" : "OR", b->right->pos) : NULL;
            if (!l || !rr) break;
            r = pl__expr_new(c, b->op == PR_OP_AND ? EX_EXPR_AND : EX_EXPR_OR,
                             k_type(K_TYPE_BOOL), 2, pos);
            if (r) {
                r->args[0] = l;
                r->args[1] = rr;
            }
            break;
        case PR_OP_EQ: r = pl__make_compare(c, EX_FN_EQ, l, rr, pos); break;
        case PR_OP_NE: r = pl__make_compare(c, EX_FN_NE, l, rr, pos); break;
        case PR_OP_LT: r = pl__make_compare(c, EX_FN_LT, l, rr, pos); break;
        case PR_OP_LE: r = pl__make_compare(c, EX_FN_LE, l, rr, pos); break;
        case PR_OP_GT: r = pl__make_compare(c, EX_FN_GT, l, rr, pos); break;
        case PR_OP_GE: r = pl__make_compare(c, EX_FN_GE, l, rr, pos); break;
        case PR_OP_IS_DISTINCT:
        case PR_OP_IS_NOT_DISTINCT: {
            ExExpr *cmp = pl__make_compare(c, EX_FN_EQ, l, rr, pos); /* for the coercions */
            if (!cmp) break;
            if (cmp->kind != EX_EXPR_FUNC) { /* folded: recompute on the original operands */
                r = pl__expr_new(c,
                                 b->op == PR_OP_IS_DISTINCT ? EX_EXPR_IS_DISTINCT
                                                            : EX_EXPR_IS_NOT_DISTINCT,
                                 k_type(K_TYPE_BOOL), 2, pos);
                if (r) {
                    r->args[0] = l;
                    r->args[1] = rr;
                }
                break;
            }
            r = pl__expr_new(c,
                             b->op == PR_OP_IS_DISTINCT ? EX_EXPR_IS_DISTINCT
                                                        : EX_EXPR_IS_NOT_DISTINCT,
                             k_type(K_TYPE_BOOL), 2, pos);
            if (r) {
                r->args[0] = cmp->args[0];
                r->args[1] = cmp->args[1];
            }
            break;
        }
        case PR_OP_ADD:
        case PR_OP_SUB:
        case PR_OP_MUL:
        case PR_OP_DIV:
        case PR_OP_MOD:
            r = pl__make_arith(c, b->op, l, rr, pos);
            break;
        case PR_OP_CONCAT: {
            bool arr;
            r = pl__array_concat(c, l, rr, pos, &arr);
            if (arr) break;
            if (l->type.id == K_TYPE_UNKNOWN || !k_type_is_string(l->type)) l = pl__coerce(c, l, k_type_varchar(0), pos);
            if (l && (rr->type.id == K_TYPE_UNKNOWN || !k_type_is_string(rr->type))) rr = pl__coerce(c, rr, k_type_varchar(0), pos);
            if (!l || !rr) break;
            r = new_func(c, EX_FN_CONCAT, k_type_varchar(0), 2, pos);
            if (r) {
                r->args[0] = l;
                r->args[1] = rr;
            }
            break;
        }
        default: {
            bool found = false;
            if (b->op == PR_OP_OTHER && b->opname) r = bind_regex_op(c, b->opname, l, rr, pos, &found);
            if (found) break;
            k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s",
                       b->opname ? b->opname : "?");
            break;
        }
        }
        break;
    }
    case PR_T_LikeExpr: {
        const PrLikeExpr *lk = PR_CAST(LikeExpr, n);
        ExExpr *x = bind_expr(c, s, lk->arg);
        ExExpr *p = x ? bind_expr(c, s, lk->pattern) : NULL;
        ExExpr *esc = (p && lk->escape) ? bind_expr(c, s, lk->escape) : NULL;
        if (!x || !p || (lk->escape && !esc)) break;
        if (x->type.id == K_TYPE_UNKNOWN) x = pl__coerce(c, x, k_type_varchar(0), pos);
        if (x && !k_type_is_string(x->type)) {
            char buf[64];
            k_type_name(x->type, buf, sizeof buf);
            k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s ~~ unknown", buf);
            break;
        }
        p = pl__coerce(c, p, k_type_varchar(0), pos);
        if (esc) esc = pl__coerce(c, esc, k_type_varchar(0), pos);
        if (!x || !p || (lk->escape && !esc)) break;
        ExFunc fn = lk->ilike ? (lk->negated ? EX_FN_NOT_ILIKE : EX_FN_ILIKE)
                              : (lk->negated ? EX_FN_NOT_LIKE : EX_FN_LIKE);
        r = new_func(c, fn, k_type(K_TYPE_BOOL), esc ? 3 : 2, pos);
        if (r) {
            r->args[0] = x;
            r->args[1] = p;
            if (esc) r->args[2] = esc;
        }
        break;
    }
    case PR_T_IsExpr: {
        const PrIsExpr *ie = PR_CAST(IsExpr, n);
        ExExpr *x = bind_expr(c, s, ie->arg);
        if (!x) break;
        if (ie->test == PR_IS_NULL) {
            r = pl__expr_new(c, ie->negated ? EX_EXPR_IS_NOT_NULL : EX_EXPR_IS_NULL,
                             k_type(K_TYPE_BOOL), 1, pos);
            if (r) r->args[0] = x;
        } else {
            x = require_bool(c, x, "IS TRUE", pos);
            if (!x) break;
            /* x IS TRUE = x IS NOT DISTINCT FROM true, etc. */
            ExValue v;
            memset(&v, 0, sizeof v);
            ExExpr *k;
            bool distinct = ie->negated;
            if (ie->test == PR_IS_UNKNOWN) {
                r = pl__expr_new(c, ie->negated ? EX_EXPR_IS_NOT_NULL : EX_EXPR_IS_NULL,
                                 k_type(K_TYPE_BOOL), 1, pos);
                if (r) r->args[0] = x;
                break;
            }
            k = pl__expr_new(c, EX_EXPR_CONST, k_type(K_TYPE_BOOL), 0, pos);
            if (!k) break;
            k->u.konst.v.b = ie->test == PR_IS_TRUE;
            r = pl__expr_new(c, distinct ? EX_EXPR_IS_DISTINCT : EX_EXPR_IS_NOT_DISTINCT,
                             k_type(K_TYPE_BOOL), 2, pos);
            if (r) {
                r->args[0] = x;
                r->args[1] = k;
            }
        }
        break;
    }
    case PR_T_BetweenExpr: {
        const PrBetweenExpr *be = PR_CAST(BetweenExpr, n);
        ExExpr *x = bind_expr(c, s, be->arg);
        ExExpr *lo = x ? bind_expr(c, s, be->low) : NULL;
        ExExpr *hi = lo ? bind_expr(c, s, be->high) : NULL;
        if (!hi) break;
        ExExpr *x2 = pl__expr_copy_map(c, x, NULL, NULL, 0);
        if (!x2) break;
        ExExpr *a = pl__make_compare(c, be->negated ? EX_FN_LT : EX_FN_GE, x, lo, pos);
        ExExpr *b = a ? pl__make_compare(c, be->negated ? EX_FN_GT : EX_FN_LE, x2, hi, pos) : NULL;
        if (!b) break;
        if (be->symmetric) {
            k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "BETWEEN SYMMETRIC is not supported");
            break;
        }
        r = pl__expr_new(c, be->negated ? EX_EXPR_OR : EX_EXPR_AND, k_type(K_TYPE_BOOL), 2, pos);
        if (r) {
            r->args[0] = a;
            r->args[1] = b;
            r = pl__fold(c, r);
        }
        break;
    }
    case PR_T_InExpr: {
        const PrInExpr *ie = PR_CAST(InExpr, n);
        uint32_t k = (uint32_t)pr_list_len(ie->list);
        ExExpr *x = bind_expr(c, s, ie->arg);
        if (!x) break;
        ExExpr **items = pl__alloc(c, sizeof(ExExpr *) * (k + 1));
        if (!items) break;
        KType t = x->type;
        bool ok = true;
        for (uint32_t i = 0; i < k && ok; i++) {
            items[i] = bind_expr(c, s, ie->list->items[i]);
            if (!items[i] || pl__common_type(c, t, items[i]->type, ie->list->items[i]->pos, "IN", &t) != K_OK)
                ok = false;
        }
        if (!ok) break;
        if (t.id == K_TYPE_UNKNOWN) t = k_type_varchar(0);
        if (k_type_is_string(t) && k_type_is_string(x->type)) t = x->type;
        r = pl__expr_new(c, EX_EXPR_IN, k_type(K_TYPE_BOOL), k + 1, pos);
        if (!r) break;
        r->u.in.negated = ie->negated;
        r->args[0] = pl__coerce(c, x, t, pos);
        for (uint32_t i = 0; i < k && r; i++) {
            r->args[i + 1] = pl__coerce(c, items[i], t, ie->list->items[i]->pos);
            if (!r->args[i + 1]) r = NULL;
        }
        if (r && !r->args[0]) r = NULL;
        if (r && k == 1) { /* x IN (y) is x = y */
            r = pl__make_compare(c, ie->negated ? EX_FN_NE : EX_FN_EQ, r->args[0], r->args[1], pos);
        }
        break;
    }
    case PR_T_SubLink:
        r = bind_sublink_value(c, s, PR_CAST(SubLink, n));
        break;
    case PR_T_CaseExpr: {
        const PrCaseExpr *ce = PR_CAST(CaseExpr, n);
        uint32_t nw = (uint32_t)pr_list_len(ce->whens);
        uint32_t na = nw * 2 + (ce->else_expr ? 1 : 0);
        r = pl__expr_new(c, EX_EXPR_CASE, k_type(K_TYPE_UNKNOWN), na, pos);
        if (!r) break;
        ExExpr *arg = ce->arg ? bind_expr(c, s, ce->arg) : NULL;
        if (ce->arg && !arg) {
            r = NULL;
            break;
        }
        KType t = k_type(K_TYPE_UNKNOWN);
        for (uint32_t i = 0; i < nw && r; i++) {
            const PrCaseWhen *w = PR_CAST(CaseWhen, ce->whens->items[i]);
            ExExpr *cond = bind_expr(c, s, w->cond);
            if (cond && arg) {
                ExExpr *a2 = pl__expr_copy_map(c, arg, NULL, NULL, 0);
                cond = a2 ? pl__make_compare(c, EX_FN_EQ, a2, cond, w->cond->pos) : NULL;
            }
            cond = require_bool(c, cond, "CASE/WHEN", w->cond->pos);
            ExExpr *res = cond ? bind_expr(c, s, w->result) : NULL;
            if (!res || pl__common_type(c, t, res->type, w->result->pos, "CASE", &t) != K_OK) {
                r = NULL;
                break;
            }
            r->args[2 * i] = cond;
            r->args[2 * i + 1] = res;
        }
        if (!r) break;
        if (ce->else_expr) {
            ExExpr *el = bind_expr(c, s, ce->else_expr);
            if (!el || pl__common_type(c, t, el->type, ce->else_expr->pos, "CASE", &t) != K_OK) {
                r = NULL;
                break;
            }
            r->args[na - 1] = el;
        }
        if (t.id == K_TYPE_UNKNOWN) t = k_type_varchar(0);
        /* decimals in different arms: widen to a common precision/scale */
        r->type = t;
        for (uint32_t i = 0; i < na && r; i++) {
            if (i < 2 * nw && (i % 2) == 0) continue;
            r->args[i] = pl__coerce(c, r->args[i], t, pos);
            if (!r->args[i]) r = NULL;
        }
        break;
    }
    case PR_T_CastExpr: {
        const PrCastExpr *ce = PR_CAST(CastExpr, n);
        if (ce->type->array_dims > 0 && PR_IS(ArrayExpr, ce->arg) &&
            !PR_CAST(ArrayExpr, ce->arg)->elements) {
            r = pl__array_empty(c, ce->type, pos); /* ARRAY[]::int[] (planner/array.c) */
            break;
        }
        ExExpr *x = bind_expr(c, s, ce->arg);
        if (!x) break;
        KType t;
        KErr e2;
        const PrTypeName *tn = ce->type;
        if (tn->array_dims > 0) {
            r = pl__array_cast(c, x, tn, pos);
            break;
        }
        if (tn->array_dims == 0 && is_oid_type(tn->name)) {
            r = bind_oid_cast(c, x, tn, pos);
            break;
        }
        if (k_type_from_name(tn->name, tn->nmods > 0 ? tn->mods[0] : -1, tn->nmods > 1 ? tn->mods[1] : -1,
                             &t, &e2) != K_OK) {
            k_err_copy(c->err, &e2);
            c->err->pos = tn->hdr.pos;
            break;
        }
        if (t.id == K_TYPE_INTERVAL && x->kind == EX_EXPR_CONST && x->type.id == K_TYPE_UNKNOWN) {
            r = pl__coerce(c, x, t, pos);
            break;
        }
        if (t.id == K_TYPE_DECIMAL && tn->nmods == 0) t = unconstrained_numeric(x, t);
        if (k_type_is_array(x->type) && k_type_is_string(t)) {
            /* an array as text: its text form */
            r = pl__expr_new(c, EX_EXPR_CAST, t, 1, pos);
            if (r) r->args[0] = x;
            break;
        }
        if (x->type.id == K_TYPE_UNKNOWN || x->kind == EX_EXPR_PARAM) {
            r = pl__coerce(c, x, t, pos);
            break;
        }
        if (k_type_equal(x->type, t)) {
            r = x;
            break;
        }
        r = pl__expr_new(c, EX_EXPR_CAST, t, 1, pos);
        if (r) {
            r->args[0] = x;
            r = pl__fold(c, r);
        }
        break;
    }
    case PR_T_FuncCall:
        r = bind_func(c, s, PR_CAST(FuncCall, n));
        break;
    case PR_T_ExtractExpr: {
        const PrExtractExpr *ee = PR_CAST(ExtractExpr, n);
        ExExpr *x = bind_expr(c, s, ee->arg);
        if (!x) break;
        if (x->type.id == K_TYPE_UNKNOWN) x = pl__coerce(c, x, k_type(K_TYPE_TIMESTAMP), pos);
        if (!x) break;
        if (x->type.id != K_TYPE_DATE && x->type.id != K_TYPE_TIMESTAMP) {
            char buf[64];
            k_type_name(x->type, buf, sizeof buf);
            k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "function extract(unknown, %s) does not exist", buf);
            break;
        }
        static const char *parts[] = {"year", "quarter", "month", "week", "day", "dow", "doy",
                                      "hour", "minute", "second", "epoch", "decade", "century"};
        int part = -1;
        for (int i = 0; i < (int)K_ARRAY_LEN(parts); i++)
            if (strcmp(parts[i], ee->field) == 0) part = i;
        if (part < 0) {
            k_error_at(c->err, K_INVALID_PARAMETER_VALUE, pos, "unit \"%s\" not recognized for type %s",
                       ee->field, x->type.id == K_TYPE_DATE ? "date" : "timestamp without time zone");
            break;
        }
        /* PostgreSQL 14+: numeric — seconds and the epoch of a timestamp with
         * six decimals, every other field (and anything of a date) integral */
        bool is_date = x->type.id == K_TYPE_DATE;
        if (is_date && (part == EX_PART_HOUR || part == EX_PART_MINUTE || part == EX_PART_SECOND)) {
            k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "unit \"%s\" not supported for type date",
                       ee->field);
            break;
        }
        KType t = k_type_decimal(9, 0);
        if (part == EX_PART_SECOND) t = k_type_decimal(8, 6);
        else if (part == EX_PART_EPOCH) t = is_date ? k_type_decimal(18, 0) : k_type_decimal(20, 6);
        r = new_func(c, EX_FN_EXTRACT, t, 1, pos);
        if (r) {
            r->args[0] = x;
            r->u.func.part = (uint16_t)part;
        }
        break;
    }
    case PR_T_RowExpr:
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "row expressions are not supported here");
        break;
    case PR_T_ArrayExpr:
    case PR_T_Subscript:
    case PR_T_ArrayOpExpr:
        r = pl__array_node(c, s, n); /* planner/array.c */
        break;
    default:
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "%s is not supported in expressions",
                   pr_tag_name(n->tag));
        break;
    }
    c->depth--;
    if (r && r->pos < 0) r->pos = pos;
    if (!r && c->err->code == 0) pl__oom(c);
    return r;
}

/* ------------------------------------------------------------------ */
/* FROM                                                                 */
/* ------------------------------------------------------------------ */
static int bind_from_item(PlCtx *c, PlScope *s, const PrNode *item, PlRel **out);

static int
apply_alias(PlCtx *c, const PrAlias *al, uint32_t ncols, const char **names, int32_t pos)
{
    if (!al || !al->colnames) return K_OK;
    uint32_t k = (uint32_t)pr_list_len(al->colnames);
    if (k > ncols)
        return k_error_at(c->err, K_INVALID_COLUMN_REFERENCE, pos,
                          "table \"%s\" has %u columns available but %u columns specified",
                          al->name, ncols, k);
    for (uint32_t i = 0; i < k; i++) names[i] = PR_CAST(Ident, al->colnames->items[i])->name;
    return K_OK;
}

static int
bind_table(PlCtx *c, PlScope *s, const PrRangeVar *rv, PlRel **out)
{
    /* CTE? (innermost first) */
    if (!rv->schema) {
        for (uint32_t i = c->nctes; i-- > 0;) {
            if (strcmp(c->ctes[i].name, rv->name) != 0) continue;
            const PrCommonTable *ct = c->ctes[i].def;
            if (!PR_IS(Select, ct->query))
                return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, rv->hdr.pos,
                                  "data-modifying statements in WITH are not supported");
            /* bind the CTE body afresh for this reference (planned once per use) */
            PlBound b;
            bool done = false;
            if (c->ctes[i].rec_state) { /* inside its own recursive query: the work table */
                if (pl__bind_worktable(c, i, rv->hdr.pos, &b) != K_OK) return K_ERR;
                done = true;
            } else if (c->ctes[i].recursive) {
                if (pl__bind_recursive_cte(c, i, rv->hdr.pos, &b, &done) != K_OK) return K_ERR;
            }
            if (!done) {
                uint32_t save = c->nctes;
                c->nctes = i; /* a CTE sees only the CTEs declared before it */
                int rc = pl__bind_query(c, PR_CAST(Select, ct->query), NULL, &b);
                c->nctes = save;
                if (rc != K_OK) return K_ERR;
            }
            const char **names = pl__alloc(c, sizeof(char *) * (b.nout + 1));
            if (!names) return K_ERR;
            memcpy(names, b.names, sizeof(char *) * b.nout);
            uint32_t k = (uint32_t)pr_list_len(ct->colnames);
            if (k > b.nout)
                return k_error_at(c->err, K_INVALID_COLUMN_REFERENCE, ct->hdr.pos,
                                  "WITH query \"%s\" has %u columns available but %u columns specified",
                                  ct->name, b.nout, k);
            for (uint32_t j = 0; j < k; j++) names[j] = PR_CAST(Ident, ct->colnames->items[j])->name;
            if (rv->alias && apply_alias(c, rv->alias, b.nout, names, rv->hdr.pos) != K_OK) return K_ERR;
            for (uint32_t j = 0; j < b.nout; j++) c->cols[b.out_cols[j]].name = names[j];
            /* a projection so that the CTE's output columns are exactly these */
            PlRel *p = pl__rel_new(c, PL_PROJECT, b.nout);
            if (!p) return K_ERR;
            p->left = b.rel;
            p->exprs = pl__alloc(c, sizeof(ExExpr *) * (b.nout + 1));
            if (!p->exprs) return K_ERR;
            for (uint32_t j = 0; j < b.nout; j++) {
                p->cols[j] = b.out_cols[j];
                p->exprs[j] = pl__col_ref(c, b.out_cols[j]);
            }
            *out = p;
            return scope_add(c, s, rv->alias ? rv->alias->name : rv->name, b.nout, names, b.out_cols);
        }
    }
    const StTableDef *def = NULL;
    KErr e2;
    k_err_clear(&e2);
    if (!c->cat || !c->cat->lookup_table ||
        c->cat->lookup_table(c->cat->ctx, rv->schema, rv->name, c->a, &def, &e2) != K_OK || !def) {
        if (e2.code != 0 && e2.code != K_UNDEFINED_TABLE) {
            k_err_copy(c->err, &e2);
            c->err->pos = rv->hdr.pos;
            return K_ERR;
        }
        if (rv->schema)
            return k_error_at(c->err, K_UNDEFINED_TABLE, rv->hdr.pos, "relation \"%s.%s\" does not exist",
                              rv->schema, rv->name);
        return k_error_at(c->err, K_UNDEFINED_TABLE, rv->hdr.pos, "relation \"%s\" does not exist",
                          rv->name);
    }
    PlRel *r = pl__rel_new(c, PL_SCAN, def->ncols);
    if (!r) return K_ERR;
    r->table = def;
    r->ordinals = pl__alloc(c, sizeof(uint32_t) * (def->ncols + 1));
    const char **names = pl__alloc(c, sizeof(char *) * (def->ncols + 1));
    if (!r->ordinals || !names) return K_ERR;
    StTableStats ts;
    memset(&ts, 0, sizeof ts);
    bool have_ts = c->cat->table_stats &&
                   c->cat->table_stats(c->cat->ctx, def->id, ST_ALL_PARTITIONS, &ts, &e2) == K_OK;
    r->table_rows = have_ts ? (double)ts.rows : 1000.0;
    for (uint32_t i = 0; i < def->ncols; i++) {
        names[i] = def->cols[i].name;
        int32_t col = pl__new_col(c, def->cols[i].type, def->cols[i].name);
        if (col < 0) return K_ERR;
        PlCol *pc = &c->cols[col];
        pc->table_id = def->id;
        pc->ordinal = (int32_t)i;
        pc->not_null = def->cols[i].not_null;
        pc->hashed_dist = def->dist == ST_DIST_HASH &&
                          ((def->ndist_cols == 1 && def->dist_cols[0] == i) ||
                           (def->ndist_cols == 0 && i == 0));
        StColumnStats cs;
        memset(&cs, 0, sizeof cs);
        if (c->cat->column_stats &&
            c->cat->column_stats(c->cat->ctx, def->id, ST_ALL_PARTITIONS, i, c->a, &cs, &e2) == K_OK &&
            cs.rows > 0) {
            pc->ndv = cs.ndistinct > 1 ? cs.ndistinct : 1;
            pc->null_frac = (double)cs.nulls / (double)cs.rows;
            if (cs.has_minmax) {
                KType t = def->cols[i].type;
                switch (t.id) {
                case K_TYPE_INT32: case K_TYPE_INT64: case K_TYPE_DATE: case K_TYPE_TIMESTAMP:
                    pc->has_range = true;
                    pc->lo = (double)cs.min.u.i64;
                    pc->hi = (double)cs.max.u.i64;
                    break;
                case K_TYPE_DECIMAL:
                    pc->has_range = true;
                    if (k_type_is_wide_decimal(t)) {
                        pc->lo = (double)cs.min.u.i128;
                        pc->hi = (double)cs.max.u.i128;
                    } else {
                        pc->lo = (double)cs.min.u.i64;
                        pc->hi = (double)cs.max.u.i64;
                    }
                    pc->lo /= (double)k_pow10_128[t.scale];
                    pc->hi /= (double)k_pow10_128[t.scale];
                    break;
                case K_TYPE_DOUBLE:
                    pc->has_range = true;
                    pc->lo = cs.min.u.f64;
                    pc->hi = cs.max.u.f64;
                    break;
                default: break;
                }
            }
        }
        pc->base_rows = r->table_rows;
        if (pc->ndv < 0) pc->ndv = r->table_rows; /* no statistics: assume distinct */
        r->cols[i] = col;
        r->ordinals[i] = i;
    }
    if (apply_alias(c, rv->alias, def->ncols, names, rv->hdr.pos) != K_OK) return K_ERR;
    *out = r;
    return scope_add(c, s, rv->alias ? rv->alias->name : rv->name, def->ncols, names, r->cols);
}

static int bind_lateral(PlCtx *c, PlScope *s, const PrRangeSubselect *rs, ExJoinType jt, PlRel **rel);
static bool is_lateral(const PrNode *n);

/* A filter over rel keeping the rows where q (split into its conjuncts) is
 * true; NULL + err on OOM. */
static PlRel *
filter_by(PlCtx *c, PlRel *rel, ExExpr *q)
{
    PlRel *f = pl__rel_new(c, PL_FILTER, rel->ncols);
    if (!f) return NULL;
    memcpy(f->cols, rel->cols, sizeof(int32_t) * rel->ncols);
    f->left = rel;
    uint32_t cq = 0;
    pl__conjuncts(c, q, &f->quals, &f->nquals, &cq);
    return f;
}

/* The ON condition of a join: boolean, no aggregates, no subquery attach
 * point of the enclosing clause. NULL on error. */
static ExExpr *
bind_join_on(PlCtx *c, PlScope *s, const PrNode *quals)
{
    bool save_na = s->no_agg;
    const char *save_w = s->no_agg_what;
    PlRel **save_at = s->attach;
    s->no_agg = true;
    s->no_agg_what = "JOIN conditions";
    s->attach = NULL;
    ExExpr *q = require_bool(c, bind_expr(c, s, quals), "JOIN/ON", quals->pos);
    s->no_agg = save_na;
    s->no_agg_what = save_w;
    s->attach = save_at;
    return q;
}

/* (a JOIN b) AS j, with or without LATERAL: the scope entries [first, end)
 * (the join's inputs) become one entry named by the alias, hidden USING
 * copies left out. */
K_MUSTCHECK static int
join_alias_scope(PlCtx *c, PlScope *s, const PrJoinExpr *j, uint32_t first, uint32_t end)
{
    uint32_t n = 0;
    for (uint32_t i = first; i < end; i++) n += s->rels[i].ncols;
    const char **names = pl__alloc(c, sizeof(char *) * (n + 1));
    int32_t *cols = pl__alloc(c, sizeof(int32_t) * (n + 1));
    if (!names || !cols) return K_ERR;
    n = 0;
    for (uint32_t i = first; i < end; i++)
        for (uint32_t k = 0; k < s->rels[i].ncols; k++) {
            if (s->rels[i].hidden[k]) continue;
            names[n] = s->rels[i].names[k];
            cols[n++] = s->rels[i].cols[k];
        }
    if (apply_alias(c, j->alias, n, names, j->hdr.pos) != K_OK) return K_ERR;
    s->nrels = first;
    return scope_add(c, s, j->alias->name, n, names, cols);
}

/* l [INNER | CROSS | LEFT] JOIN LATERAL (q) [ON ...]: an INNER join's ON is
 * a filter above; a LEFT join takes ON true only. */
static int
bind_join_lateral(PlCtx *c, PlScope *s, const PrJoinExpr *j, uint32_t first, PlRel *l, PlRel **out)
{
    const PrNode *rn = j->right;
    if (j->type == PR_JOIN_RIGHT || j->type == PR_JOIN_FULL) {
        k_error_at(c->err, K_INVALID_COLUMN_REFERENCE, rn->pos,
                   "invalid reference to FROM-clause entry in a LATERAL subquery");
        k_err_detail(c->err, "The combining JOIN type must be INNER or LEFT for a LATERAL reference.");
        return K_ERR;
    }
    if (j->natural || j->using_cols)
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, j->hdr.pos,
                          "USING and NATURAL are not supported with LATERAL");
    ExExpr *q = NULL;
    bool left = j->type == PR_JOIN_LEFT;
    if (left && j->quals) {
        /* bound later for INNER; for LEFT it must be a constant true */
        if (!PR_IS(Literal, j->quals) || PR_CAST(Literal, j->quals)->kind != PR_LIT_BOOL ||
            strcmp(PR_CAST(Literal, j->quals)->text, "true") != 0)
            return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, j->quals->pos,
                              "LEFT JOIN LATERAL is supported with ON true only");
    }
    PlRel *rel = l;
    if (bind_lateral(c, s, PR_CAST(RangeSubselect, rn), left ? EX_JOIN_LEFT : EX_JOIN_INNER, &rel) != K_OK)
        return K_ERR;
    if (!left && j->quals) {
        q = bind_join_on(c, s, j->quals);
        if (!q) return K_ERR;
        rel = filter_by(c, rel, q);
        if (!rel) return K_ERR;
    }
    if (j->alias && join_alias_scope(c, s, j, first, s->nrels) != K_OK) return K_ERR;
    *out = rel;
    return K_OK;
}

static int
bind_join(PlCtx *c, PlScope *s, const PrJoinExpr *j, PlRel **out)
{
    uint32_t first = s->nrels;
    PlRel *l, *r;
    if (bind_from_item(c, s, j->left, &l) != K_OK) return K_ERR;
    if (is_lateral(j->right)) return bind_join_lateral(c, s, j, first, l, out);
    uint32_t mid = s->nrels;
    if (bind_from_item(c, s, j->right, &r) != K_OK) return K_ERR;
    uint32_t end = s->nrels;
    PlRel *jr = pl__rel_new(c, PL_JOIN, l->ncols + r->ncols);
    if (!jr) return K_ERR;
    ExJoinType jt = EX_JOIN_INNER;
    switch (j->type) {
    case PR_JOIN_LEFT: jt = EX_JOIN_LEFT; break;
    case PR_JOIN_RIGHT: jt = EX_JOIN_RIGHT; break;
    case PR_JOIN_FULL: jt = EX_JOIN_FULL; break;
    default: break;
    }
    ExExpr **quals = NULL;
    uint32_t nq = 0, cq = 0;
    /* USING / NATURAL: equalities on same-named columns; hide the right copies */
    const char *ucols[64];
    uint32_t nu = 0;
    if (j->natural) {
        for (uint32_t a = first; a < mid; a++)
            for (uint32_t ai = 0; ai < s->rels[a].ncols; ai++)
                for (uint32_t b = mid; b < end; b++)
                    for (uint32_t bi = 0; bi < s->rels[b].ncols; bi++)
                        if (strcmp(s->rels[a].names[ai], s->rels[b].names[bi]) == 0 && nu < 64)
                            ucols[nu++] = s->rels[a].names[ai];
    }
    for (int32_t i = 0; i < pr_list_len(j->using_cols) && nu < 64; i++)
        ucols[nu++] = PR_CAST(Ident, j->using_cols->items[i])->name;
    for (uint32_t u = 0; u < nu; u++) {
        int32_t lc = -1, rc = -1;
        for (uint32_t a = first; a < mid; a++)
            for (uint32_t ai = 0; ai < s->rels[a].ncols; ai++)
                if (strcmp(s->rels[a].names[ai], ucols[u]) == 0 && !s->rels[a].hidden[ai]) lc = s->rels[a].cols[ai];
        for (uint32_t b = mid; b < end; b++)
            for (uint32_t bi = 0; bi < s->rels[b].ncols; bi++)
                if (strcmp(s->rels[b].names[bi], ucols[u]) == 0) {
                    rc = s->rels[b].cols[bi];
                    s->rels[b].hidden[bi] = true;
                }
        if (lc < 0 || rc < 0)
            return k_error_at(c->err, K_UNDEFINED_COLUMN, j->hdr.pos,
                              "column \"%s\" specified in USING clause does not exist in %s table",
                              ucols[u], lc < 0 ? "left" : "right");
        ExExpr *q = pl__make_compare(c, EX_FN_EQ, pl__col_ref(c, lc), pl__col_ref(c, rc), j->hdr.pos);
        if (!q) return K_ERR;
        pl__push_expr(c, &quals, &nq, &cq, q);
    }
    if (j->quals) {
        ExExpr *q = bind_join_on(c, s, j->quals);
        if (!q) return K_ERR;
        pl__conjuncts(c, q, &quals, &nq, &cq);
    }
    if (jt == EX_JOIN_RIGHT) { /* a RIGHT join is a LEFT join with the inputs swapped */
        PlRel *t = l;
        l = r;
        r = t;
        jt = EX_JOIN_LEFT;
    }
    jr->jtype = (uint8_t)jt;
    jr->left = l;
    jr->right = r;
    memcpy(jr->cols, l->cols, sizeof(int32_t) * l->ncols);
    memcpy(jr->cols + l->ncols, r->cols, sizeof(int32_t) * r->ncols);
    jr->quals = quals;
    jr->nquals = nq;
    if (j->alias && join_alias_scope(c, s, j, first, end) != K_OK) return K_ERR;
    *out = jr;
    return K_OK;
}

/* LATERAL (q) after the FROM items bound into *rel: q sees them (unnest.c
 * decorrelates it into a join); its columns enter the scope. */
static int
bind_lateral(PlCtx *c, PlScope *s, const PrRangeSubselect *rs, ExJoinType jt, PlRel **rel)
{
    PlBound b;
    if (pl__bind_query(c, rs->subquery, s, &b) != K_OK) return K_ERR;
    const char **names = pl__alloc(c, sizeof(char *) * (b.nout + 1));
    int32_t *cols = pl__alloc(c, sizeof(int32_t) * (b.nout + 1));
    if (!names || !cols) return K_ERR;
    memcpy(names, b.names, sizeof(char *) * b.nout);
    if (apply_alias(c, rs->alias, b.nout, names, rs->hdr.pos) != K_OK) return K_ERR;
    if (pl__unnest_lateral(c, rel, rs->subquery, s, &b, jt, rs->hdr.pos, cols) != K_OK) return K_ERR;
    for (uint32_t j = 0; j < b.nout; j++) c->cols[cols[j]].name = names[j];
    return scope_add(c, s, rs->alias ? rs->alias->name : NULL, b.nout, names, cols);
}

static bool
is_lateral(const PrNode *n)
{
    return n && PR_IS(RangeSubselect, n) && PR_CAST(RangeSubselect, n)->lateral;
}

static int
bind_from_item(PlCtx *c, PlScope *s, const PrNode *item, PlRel **out)
{
    switch ((PrTag)item->tag) {
    case PR_T_RangeVar:
        return bind_table(c, s, PR_CAST(RangeVar, item), out);
    case PR_T_RangeSubselect: {
        /* (LATERAL first in FROM has nothing to its left to see: a plain derived table) */
        const PrRangeSubselect *rs = PR_CAST(RangeSubselect, item);
        PlBound b;
        if (pl__bind_query(c, rs->subquery, NULL, &b) != K_OK) return K_ERR;
        const char **names = pl__alloc(c, sizeof(char *) * (b.nout + 1));
        if (!names) return K_ERR;
        memcpy(names, b.names, sizeof(char *) * b.nout);
        if (apply_alias(c, rs->alias, b.nout, names, item->pos) != K_OK) return K_ERR;
        for (uint32_t j = 0; j < b.nout; j++) c->cols[b.out_cols[j]].name = names[j];
        PlRel *p = pl__rel_new(c, PL_PROJECT, b.nout);
        if (!p) return K_ERR;
        p->left = b.rel;
        p->exprs = pl__alloc(c, sizeof(ExExpr *) * (b.nout + 1));
        if (!p->exprs) return K_ERR;
        for (uint32_t j = 0; j < b.nout; j++) {
            p->cols[j] = b.out_cols[j];
            p->exprs[j] = pl__col_ref(c, b.out_cols[j]);
        }
        *out = p;
        return scope_add(c, s, rs->alias ? rs->alias->name : NULL, b.nout, names, b.out_cols);
    }
    case PR_T_JoinExpr:
        return bind_join(c, s, PR_CAST(JoinExpr, item), out);
    case PR_T_RangeFunction: { /* unnest / generate_series (planner/array.c) */
        const PrRangeFunction *rf = PR_CAST(RangeFunction, item);
        const char **names = pl__alloc(c, sizeof(char *));
        if (!names) return K_ERR;
        if (pl__bind_range_function(c, s, rf, out, &names[0]) != K_OK) return K_ERR;
        const char *alias = rf->alias ? rf->alias->name : rf->func->name;
        return scope_add(c, s, alias, 1, names, (*out)->cols);
    }
    default:
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, item->pos, "%s in FROM is not supported",
                          pr_tag_name(item->tag));
    }
}

/* ------------------------------------------------------------------ */
/* Query blocks                                                         */
/* ------------------------------------------------------------------ */
static bool
ast_has_agg(const PrNode *n)
{
    if (!n) return false;
    switch ((PrTag)n->tag) {
    case PR_T_FuncCall: {
        const PrFuncCall *f = PR_CAST(FuncCall, n);
        if (!f->over && !f->schema && is_agg_name(f->name)) return true;
        for (int32_t i = 0; i < pr_list_len(f->args); i++)
            if (ast_has_agg(f->args->items[i])) return true;
        return false;
    }
    case PR_T_UnaryExpr: return ast_has_agg(PR_CAST(UnaryExpr, n)->arg);
    case PR_T_BinaryExpr:
        return ast_has_agg(PR_CAST(BinaryExpr, n)->left) || ast_has_agg(PR_CAST(BinaryExpr, n)->right);
    case PR_T_LikeExpr: return ast_has_agg(PR_CAST(LikeExpr, n)->arg) || ast_has_agg(PR_CAST(LikeExpr, n)->pattern);
    case PR_T_IsExpr: return ast_has_agg(PR_CAST(IsExpr, n)->arg);
    case PR_T_BetweenExpr: {
        const PrBetweenExpr *b = PR_CAST(BetweenExpr, n);
        return ast_has_agg(b->arg) || ast_has_agg(b->low) || ast_has_agg(b->high);
    }
    case PR_T_InExpr: {
        const PrInExpr *ie = PR_CAST(InExpr, n);
        if (ast_has_agg(ie->arg)) return true;
        for (int32_t i = 0; i < pr_list_len(ie->list); i++)
            if (ast_has_agg(ie->list->items[i])) return true;
        return false;
    }
    case PR_T_SubLink: return ast_has_agg(PR_CAST(SubLink, n)->testexpr);
    case PR_T_CaseExpr: {
        const PrCaseExpr *ce = PR_CAST(CaseExpr, n);
        if (ast_has_agg(ce->arg) || ast_has_agg(ce->else_expr)) return true;
        for (int32_t i = 0; i < pr_list_len(ce->whens); i++) {
            const PrCaseWhen *w = PR_CAST(CaseWhen, ce->whens->items[i]);
            if (ast_has_agg(w->cond) || ast_has_agg(w->result)) return true;
        }
        return false;
    }
    case PR_T_CastExpr: return ast_has_agg(PR_CAST(CastExpr, n)->arg);
    case PR_T_ExtractExpr: return ast_has_agg(PR_CAST(ExtractExpr, n)->arg);
    case PR_T_ResTarget: return ast_has_agg(PR_CAST(ResTarget, n)->expr);
    case PR_T_SortBy: return ast_has_agg(PR_CAST(SortBy, n)->expr);
    default: return false;
    }
}

/* PostgreSQL's result column naming (FigureColname). */
static const char *
figure_name(const PrNode *n)
{
    if (!n) return "?column?";
    switch ((PrTag)n->tag) {
    case PR_T_ColumnRef: {
        const PrColumnRef *cr = PR_CAST(ColumnRef, n);
        return cr->nfields > 0 ? cr->fields[cr->nfields - 1] : "?column?";
    }
    case PR_T_FuncCall: return PR_CAST(FuncCall, n)->name;
    case PR_T_ExtractExpr: return "extract";
    case PR_T_CaseExpr: {
        const PrCaseExpr *ce = PR_CAST(CaseExpr, n);
        const char *x = figure_name(ce->else_expr);
        return strcmp(x, "?column?") == 0 ? "case" : x;
    }
    case PR_T_CastExpr: {
        const char *x = figure_name(PR_CAST(CastExpr, n)->arg);
        if (strcmp(x, "?column?") != 0) return x;
        return PR_CAST(CastExpr, n)->type->name;
    }
    case PR_T_ArrayExpr: return "array";
    case PR_T_Subscript: return figure_name(PR_CAST(Subscript, n)->arg);
    case PR_T_SubLink: {
        const PrSubLink *sl = PR_CAST(SubLink, n);
        if (sl->kind == PR_SUBLINK_EXISTS) return "exists";
        if (sl->kind == PR_SUBLINK_ARRAY) return "array";
        if (sl->kind == PR_SUBLINK_SCALAR && sl->subquery && pr_list_len(sl->subquery->targets) == 1) {
            const PrResTarget *t = PR_CAST(ResTarget, sl->subquery->targets->items[0]);
            return t->name ? t->name : figure_name(t->expr);
        }
        return "?column?";
    }
    case PR_T_Literal: {
        const PrLiteral *l = PR_CAST(Literal, n);
        if (l->kind == PR_LIT_TYPED && l->type) return l->type->name;
        if (l->kind == PR_LIT_BOOL) return "bool";
        return "?column?";
    }
    default: return "?column?";
    }
}

/* Replace group-expression subtrees by group columns; report columns left
 * outside any aggregate or group. */
static ExExpr *
lift_grouped(PlCtx *c, PlAggState *g, ExExpr *e, PlScope *local)
{
    if (!e) return NULL;
    for (uint32_t i = 0; i < g->ngroups; i++)
        if (expr_equal(e, g->groups[i])) {
            ExExpr *r = pl__col_ref(c, g->group_cols[i]);
            if (r) r->pos = e->pos;
            return r;
        }
    if (e->kind == EX_EXPR_COLUMN) {
        int32_t id = (int32_t)e->u.column.index;
        for (uint32_t i = 0; i < g->naggs; i++)
            if (g->agg_cols[i] == id) return e;
        for (uint32_t i = 0; i < g->ngroups; i++)
            if (g->group_cols[i] == id) return e;
        /* a column of this block's FROM? (else: outer reference or a value subquery's column) */
        bool local_col = false;
        for (uint32_t i = 0; i < local->nrels && !local_col; i++)
            for (uint32_t j = 0; j < local->rels[i].ncols; j++)
                if (local->rels[i].cols[j] == id) local_col = true;
        if (!local_col) return e;
        const char *tab = NULL;
        for (uint32_t i = 0; i < local->nrels && !tab; i++)
            for (uint32_t j = 0; j < local->rels[i].ncols; j++)
                if (local->rels[i].cols[j] == id) tab = local->rels[i].alias;
        if (tab)
            k_error_at(c->err, K_GROUPING_ERROR, e->pos,
                       "column \"%s.%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                       tab, c->cols[id].name);
        else
            k_error_at(c->err, K_GROUPING_ERROR, e->pos,
                       "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                       c->cols[id].name);
        return NULL;
    }
    for (uint32_t i = 0; i < e->nargs; i++) {
        e->args[i] = lift_grouped(c, g, e->args[i], local);
        if (!e->args[i]) return NULL;
    }
    return e;
}

/* The select-list entry a GROUP BY / ORDER BY item names by position or
 * alias, or NULL. */
static const PrNode *
target_ref(PlCtx *c, const PrList *targets, const PrNode *n, bool *err)
{
    *err = false;
    if (PR_IS(Literal, n) && PR_CAST(Literal, n)->kind == PR_LIT_INTEGER) {
        long k = strtol(PR_CAST(Literal, n)->text, NULL, 10);
        if (k < 1 || k > pr_list_len(targets)) {
            k_error_at(c->err, K_INVALID_COLUMN_REFERENCE, n->pos, "position %ld is not in select list", k);
            *err = true;
            return NULL;
        }
        return targets->items[k - 1];
    }
    return NULL;
}

static const PrResTarget *
target_by_alias(const PrList *targets, const PrNode *n)
{
    if (!PR_IS(ColumnRef, n)) return NULL;
    const PrColumnRef *cr = PR_CAST(ColumnRef, n);
    if (cr->nfields != 1 || cr->star) return NULL;
    const PrResTarget *hit = NULL;
    for (int32_t i = 0; i < pr_list_len(targets); i++) {
        const PrResTarget *t = PR_CAST(ResTarget, targets->items[i]);
        if (t->name && strcmp(t->name, cr->fields[0]) == 0) {
            if (!hit) hit = t;
        }
    }
    return hit;
}

static int bind_select(PlCtx *c, const PrSelect *q, PlScope *outer, PlBound *out);

/* Bind the WHERE clause onto *rel. */
static int
bind_where(PlCtx *c, PlScope *s, const PrNode *where, PlRel **rel)
{
    /* split the AST's top-level ANDs so that subquery conjuncts can become joins */
    const PrNode *stack[256];
    const PrNode *conj[256];
    int ns = 0, nc = 0;
    stack[ns++] = where;
    while (ns > 0) {
        const PrNode *n = stack[--ns];
        if (PR_IS(BinaryExpr, n) && PR_CAST(BinaryExpr, n)->op == PR_OP_AND && ns < 254) {
            stack[ns++] = PR_CAST(BinaryExpr, n)->right;
            stack[ns++] = PR_CAST(BinaryExpr, n)->left;
        } else if (nc < 256) conj[nc++] = n;
        else
            return k_error_at(c->err, K_PROGRAM_LIMIT_EXCEEDED, n->pos, "too many conditions in WHERE");
    }
    ExExpr **quals = NULL;
    uint32_t nq = 0, cq = 0;
    const PrSubLink *subs[256];
    bool negs[256];
    int nsub = 0;
    for (int i = 0; i < nc; i++) {
        const PrNode *n = conj[i];
        bool neg = false;
        if (PR_IS(UnaryExpr, n) && PR_CAST(UnaryExpr, n)->op == PR_UOP_NOT &&
            PR_IS(SubLink, PR_CAST(UnaryExpr, n)->arg)) {
            neg = true;
            n = PR_CAST(UnaryExpr, n)->arg;
        }
        if (PR_IS(SubLink, n)) {
            const PrSubLink *sl = PR_CAST(SubLink, n);
            if (sl->kind == PR_SUBLINK_EXISTS || sl->kind == PR_SUBLINK_ANY ||
                sl->kind == PR_SUBLINK_ALL) {
                subs[nsub] = sl;
                negs[nsub++] = neg != sl->negated;
                continue;
            }
        }
        n = conj[i];
        /* a scalar subquery compared directly in a conjunct may join inner */
        s->scalar_inner_ok = PR_IS(BinaryExpr, n) && PR_CAST(BinaryExpr, n)->op >= PR_OP_EQ &&
                             PR_CAST(BinaryExpr, n)->op <= PR_OP_GE;
        PlRel **save = s->attach;
        s->attach = rel;
        ExExpr *e = require_bool(c, bind_expr(c, s, n), "WHERE", n->pos);
        s->attach = save;
        s->scalar_inner_ok = false;
        if (!e) return K_ERR;
        pl__conjuncts(c, e, &quals, &nq, &cq);
    }
    if (nq) {
        PlRel *f = pl__rel_new(c, PL_FILTER, (*rel)->ncols);
        if (!f) return K_ERR;
        memcpy(f->cols, (*rel)->cols, sizeof(int32_t) * (*rel)->ncols);
        f->left = *rel;
        f->quals = quals;
        f->nquals = nq;
        *rel = f;
    }
    for (int i = 0; i < nsub; i++)
        if (pl__unnest_predicate(c, rel, subs[i], negs[i], s) != K_OK) return K_ERR;
    return K_OK;
}

static PlRel *
make_project(PlCtx *c, PlRel *child, uint32_t n, ExExpr **exprs, int32_t *cols)
{
    PlRel *p = pl__rel_new(c, PL_PROJECT, n);
    if (!p) return NULL;
    p->left = child;
    p->exprs = exprs;
    memcpy(p->cols, cols, sizeof(int32_t) * n);
    return p;
}

/* Bind one GROUP BY expression (a FROM expression, a select-list position
 * or alias) into the aggregation state; *idx is its index among the group
 * expressions (an equal one is reused). */
typedef struct GroupBindCtx {
    PlCtx *c;
    PlScope *s;
    const PrSelect *q;
    PlAggState *g;
} GroupBindCtx;

static int
bind_group_expr(void *ctxp, const PrNode *gn, uint32_t *idx)
{
    GroupBindCtx *gc = ctxp;
    PlCtx *c = gc->c;
    PlScope *s = gc->s;
    const PrSelect *q = gc->q;
    PlAggState *g = gc->g;
    bool bad;
    const PrNode *tn = target_ref(c, q->targets, gn, &bad);
    if (bad) return K_ERR;
    ExExpr *ge = NULL;
    if (tn) {
        const PrResTarget *t = PR_CAST(ResTarget, tn);
        if (ast_has_agg(t->expr))
            return k_error_at(c->err, K_GROUPING_ERROR, gn->pos,
                              "aggregate functions are not allowed in GROUP BY");
        PlRel **sa = s->attach;
        s->attach = g->pre;
        ge = bind_expr(c, s, t->expr);
        s->attach = sa;
    } else {
        /* a FROM column first; else a select-list alias */
        KErr save;
        PlRel **sa = s->attach;
        s->attach = g->pre;
        ge = bind_expr(c, s, gn);
        s->attach = sa;
        if (!ge && c->err->code == K_UNDEFINED_COLUMN) {
            k_err_copy(&save, c->err);
            const PrResTarget *t = target_by_alias(q->targets, gn);
            if (t) {
                k_err_clear(c->err);
                s->attach = g->pre;
                ge = bind_expr(c, s, t->expr);
                s->attach = sa;
            }
        }
    }
    if (!ge) return K_ERR;
    if (ge->type.id == K_TYPE_UNKNOWN) ge = pl__coerce(c, ge, k_type_varchar(0), gn->pos);
    if (!ge) return K_ERR;
    for (uint32_t k = 0; k < g->ngroups; k++)
        if (expr_equal(g->groups[k], ge)) {
            *idx = k;
            return K_OK;
        }
    if (g->gs.nsets && g->ngroups >= 63)
        return k_error_at(c->err, K_TOO_MANY_COLUMNS, gn->pos,
                          "too many grouping expressions with grouping sets (at most 63)");
    g->groups[g->ngroups] = ge;
    const char *gname = ge->kind == EX_EXPR_COLUMN ? c->cols[ge->u.column.index].name : "?column?";
    g->group_cols[g->ngroups] = pl__new_col(c, ge->type, gname);
    if (g->group_cols[g->ngroups] < 0) return K_ERR;
    if (ge->kind == EX_EXPR_COLUMN) {
        PlCol *src = &c->cols[ge->u.column.index], *dst = &c->cols[g->group_cols[g->ngroups]];
        dst->ndv = src->ndv;
        dst->has_range = src->has_range;
        dst->lo = src->lo;
        dst->hi = src->hi;
        dst->not_null = src->not_null;
        dst->table_id = src->table_id;
        dst->ordinal = src->ordinal;
        dst->base_rows = src->base_rows;
    }
    g->ngroups++;
    *idx = g->ngroups - 1;
    return K_OK;
}

/* Every PROJECT on the path from `top` down to `agg` also passes agg's columns. */
static int
pass_hole_cols(PlCtx *c, PlRel *top, const PlRel *agg)
{
    for (PlRel *x = top; x && x != agg; x = x->left) {
        if (x->kind != PL_PROJECT) continue;
        uint32_t n = x->ncols + agg->ncols;
        int32_t *cols = pl__alloc(c, sizeof(int32_t) * (n + 1));
        ExExpr **exprs = pl__alloc(c, sizeof(ExExpr *) * (n + 1));
        if (!cols || !exprs) return K_ERR;
        uint32_t k = 0;
        for (uint32_t i = 0; i < agg->ncols; i++) {
            bool have = false;
            for (uint32_t j = 0; j < x->ncols; j++) have |= x->cols[j] == agg->cols[i];
            if (have) continue;
            cols[k] = agg->cols[i];
            if (!(exprs[k++] = pl__col_ref(c, agg->cols[i]))) return K_ERR;
        }
        memcpy(cols + k, x->cols, sizeof(int32_t) * x->ncols);
        memcpy(exprs + k, x->exprs, sizeof(ExExpr *) * x->ncols);
        x->cols = cols;
        x->exprs = exprs;
        x->ncols = k + x->ncols;
    }
    return K_OK;
}

static int
bind_simple(PlCtx *c, const PrSelect *q, PlScope *outer, PlBound *out)
{
    PlScope *s = pl__alloc(c, sizeof(PlScope));
    if (!s) return K_ERR;
    s->parent = outer;
    s->level = outer ? outer->level + 1 : 0;
    s->targets = q->targets;

    /* FROM: comma items are cross joins (the optimizer reorders them) */
    PlRel *rel = NULL;
    for (int32_t i = 0; i < pr_list_len(q->from); i++) {
        PlRel *item;
        if (rel && is_lateral(q->from->items[i])) {
            if (bind_lateral(c, s, PR_CAST(RangeSubselect, q->from->items[i]), EX_JOIN_INNER, &rel) != K_OK)
                return K_ERR;
            continue;
        }
        if (bind_from_item(c, s, q->from->items[i], &item) != K_OK) return K_ERR;
        if (!rel) rel = item;
        else {
            PlRel *j = pl__rel_new(c, PL_JOIN, rel->ncols + item->ncols);
            if (!j) return K_ERR;
            j->jtype = EX_JOIN_INNER;
            j->left = rel;
            j->right = item;
            memcpy(j->cols, rel->cols, sizeof(int32_t) * rel->ncols);
            memcpy(j->cols + rel->ncols, item->cols, sizeof(int32_t) * item->ncols);
            rel = j;
        }
    }
    if (!rel) { /* SELECT without FROM: one empty row */
        rel = pl__rel_new(c, PL_VALUES, 0);
        if (!rel) return K_ERR;
        rel->nrows = 1;
    }

    /* WHERE */
    if (q->where) {
        s->no_agg = true;
        s->no_agg_what = "WHERE";
        if (bind_where(c, s, q->where, &rel) != K_OK) return K_ERR;
        s->no_agg = false;
        s->no_agg_what = NULL;
    }

    /* expand the select list (stars) */
    uint32_t nt = 0;
    const PrNode **texprs = NULL;
    const char **tnames = NULL;
    int32_t *tstar_col = NULL;
    {
        uint32_t cap = 0;
        for (int32_t i = 0; i < pr_list_len(q->targets); i++) {
            const PrResTarget *t = PR_CAST(ResTarget, q->targets->items[i]);
            if (PR_IS(ColumnRef, t->expr) && PR_CAST(ColumnRef, t->expr)->star) {
                for (uint32_t r = 0; r < s->nrels; r++) cap += s->rels[r].ncols;
            } else cap++;
        }
        texprs = pl__alloc(c, sizeof(PrNode *) * (cap + 1));
        tnames = pl__alloc(c, sizeof(char *) * (cap + 1));
        tstar_col = pl__alloc(c, sizeof(int32_t) * (cap + 1));
        if (!texprs || !tnames || !tstar_col) return K_ERR;
        for (int32_t i = 0; i < pr_list_len(q->targets); i++) {
            const PrResTarget *t = PR_CAST(ResTarget, q->targets->items[i]);
            if (PR_IS(ColumnRef, t->expr) && PR_CAST(ColumnRef, t->expr)->star) {
                const PrColumnRef *cr = PR_CAST(ColumnRef, t->expr);
                const char *tab = cr->nfields > 0 ? cr->fields[cr->nfields - 1] : NULL;
                bool found = false;
                for (uint32_t r = 0; r < s->nrels; r++) {
                    if (tab && (!s->rels[r].alias || strcmp(s->rels[r].alias, tab) != 0)) continue;
                    found = true;
                    for (uint32_t k = 0; k < s->rels[r].ncols; k++) {
                        if (!tab && s->rels[r].hidden[k]) continue;
                        texprs[nt] = NULL;
                        tnames[nt] = s->rels[r].names[k];
                        tstar_col[nt++] = s->rels[r].cols[k];
                    }
                }
                if (!found && tab)
                    return k_error_at(c->err, K_UNDEFINED_TABLE, cr->hdr.pos,
                                      "missing FROM-clause entry for table \"%s\"", tab);
                if (!found && !tab && pr_list_len(q->from) == 0)
                    return k_error_at(c->err, K_SYNTAX_ERROR, cr->hdr.pos,
                                      "SELECT * with no tables specified is not valid");
            } else {
                texprs[nt] = t->expr;
                tnames[nt] = t->name ? t->name : figure_name(t->expr);
                tstar_col[nt++] = -1;
            }
        }
    }

    /* grouping? */
    bool grouped = pr_list_len(q->group_by) > 0 || q->having != NULL;
    for (int32_t i = 0; i < pr_list_len(q->targets) && !grouped; i++)
        grouped = ast_has_agg(q->targets->items[i]);
    for (int32_t i = 0; i < pr_list_len(q->order_by) && !grouped; i++)
        grouped = ast_has_agg(q->order_by->items[i]);

    PlAggState *g = NULL;
    PlRel *pre = rel;          /* the plan below the aggregation */
    PlRel *hole = NULL;        /* placeholder value subqueries above the aggregation join onto */
    PlRel *post = NULL;
    if (grouped) {
        g = pl__alloc(c, sizeof(PlAggState));
        if (!g) return K_ERR;
        g->pre = &pre;
        uint32_t ng = (uint32_t)pr_list_len(q->group_by);
        bool has_sets = false;
        for (uint32_t i = 0; i < ng; i++) has_sets |= PR_IS(GroupingSet, q->group_by->items[i]);
        if (has_sets) ng = 64;
        g->groups = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
        g->group_cols = pl__alloc(c, sizeof(int32_t) * (ng + 1));
        if (!g->groups || !g->group_cols) return K_ERR;
        s->no_agg = true;
        s->no_agg_what = "GROUP BY";
        GroupBindCtx gctx = {c, s, q, g};
        g->gs.gid_in = -1;
        if (has_sets) {
            g->gs.nsets = 1; /* (marks the expressions as under grouping sets while binding) */
            if (pl__grouping_expand(c, q->group_by, q->group_distinct, bind_group_expr, &gctx, &g->gs) != K_OK)
                return K_ERR;
        } else {
            for (uint32_t i = 0; i < ng; i++) {
                uint32_t idx;
                if (bind_group_expr(&gctx, q->group_by->items[i], &idx) != K_OK) return K_ERR;
            }
        }
        g->nexprs = g->ngroups;
        if (g->gs.nsets > 1) {
            /* the set number: a hidden group key (grouping.c) */
            g->gs.gid_in = pl__new_col(c, k_type(K_TYPE_INT32), "?grouping set?");
            if (g->gs.gid_in < 0) return K_ERR;
            g->groups[g->ngroups] = pl__col_ref(c, g->gs.gid_in);
            g->group_cols[g->ngroups] = pl__new_col(c, k_type(K_TYPE_INT32), "?grouping set?");
            if (!g->groups[g->ngroups] || g->group_cols[g->ngroups] < 0) return K_ERR;
            g->ngroups++;
            for (uint32_t i = 0; i < g->nexprs; i++) c->cols[g->group_cols[i]].not_null = false;
        }
        s->no_agg = false;
        s->no_agg_what = NULL;
        s->agg = g;
        hole = pl__rel_new(c, PL_VALUES, 0); /* replaced by the aggregation below */
        if (!hole) return K_ERR;
        post = hole;
    }

    /* window functions may appear in the select list and ORDER BY */
    PlWinState *win = pl__alloc(c, sizeof(PlWinState));
    if (!win) return K_ERR;
    win->named = q->windows;
    s->win = win;
    /* select list */
    ExExpr **texpr_b = pl__alloc(c, sizeof(ExExpr *) * (nt + 1));
    if (!texpr_b) return K_ERR;
    PlRel **attach_point = grouped ? &post : &rel;
    for (uint32_t i = 0; i < nt; i++) {
        ExExpr *e;
        if (!texprs[i]) e = pl__col_ref(c, tstar_col[i]);
        else {
            s->attach = attach_point;
            e = bind_expr(c, s, texprs[i]);
            s->attach = NULL;
        }
        if (!e) return K_ERR;
        if (e->type.id == K_TYPE_UNKNOWN) e = pl__coerce(c, e, k_type_varchar(0), -1);
        if (!e) return K_ERR;
        texpr_b[i] = e;
    }
    /* HAVING */
    ExExpr *having = NULL;
    s->win = NULL;
    if (q->having) {
        s->attach = attach_point;
        s->scalar_inner_ok = PR_IS(BinaryExpr, q->having) && PR_CAST(BinaryExpr, q->having)->op >= PR_OP_EQ &&
                             PR_CAST(BinaryExpr, q->having)->op <= PR_OP_GE;
        having = require_bool(c, bind_expr(c, s, q->having), "HAVING", q->having->pos);
        s->scalar_inner_ok = false;
        s->attach = NULL;
        if (!having) return K_ERR;
    }
    /* ORDER BY: position, select-list alias, or an expression */
    s->win = win;
    uint32_t nk = (uint32_t)pr_list_len(q->order_by);
    ExSortKey *keys = pl__alloc(c, sizeof(ExSortKey) * (nk + 1));
    int32_t *key_target = pl__alloc(c, sizeof(int32_t) * (nk + 1));
    if (!keys || !key_target) return K_ERR;
    for (uint32_t i = 0; i < nk; i++) {
        const PrSortBy *sb = PR_CAST(SortBy, q->order_by->items[i]);
        keys[i].desc = sb->dir == PR_SORT_DESC;
        keys[i].nulls_first = sb->nulls == PR_NULLS_DEFAULT ? keys[i].desc : sb->nulls == PR_NULLS_FIRST;
        key_target[i] = -1;
        bool bad;
        const PrNode *tn = target_ref(c, q->targets, sb->expr, &bad);
        if (bad) return K_ERR;
        if (tn) {
            for (uint32_t k = 0; k < nt; k++)
                if (texprs[k] == PR_CAST(ResTarget, tn)->expr) key_target[i] = (int32_t)k;
            if (key_target[i] < 0) /* position of a star column */
                key_target[i] = (int32_t)strtol(PR_CAST(Literal, sb->expr)->text, NULL, 10) - 1;
            continue;
        }
        if (PR_IS(ColumnRef, sb->expr) && PR_CAST(ColumnRef, sb->expr)->nfields == 1) {
            const char *nm = PR_CAST(ColumnRef, sb->expr)->fields[0];
            int32_t hit = -1;
            for (uint32_t k = 0; k < nt; k++)
                if (strcmp(tnames[k], nm) == 0 && texprs[k] && PR_CAST(ResTarget, q->targets->items[0]) != NULL) {
                    /* an output name: the alias wins over input columns (PostgreSQL rule) */
                    bool is_alias = false;
                    for (int32_t t = 0; t < pr_list_len(q->targets); t++) {
                        const PrResTarget *rt = PR_CAST(ResTarget, q->targets->items[t]);
                        if (rt->expr == texprs[k] && rt->name) is_alias = true;
                    }
                    if (is_alias || hit < 0) {
                        if (hit < 0 || is_alias) hit = (int32_t)k;
                    }
                }
            if (hit >= 0) {
                const PrResTarget *rt = NULL;
                for (int32_t t = 0; t < pr_list_len(q->targets); t++)
                    if (PR_CAST(ResTarget, q->targets->items[t])->expr == texprs[hit])
                        rt = PR_CAST(ResTarget, q->targets->items[t]);
                if (rt && rt->name) {
                    key_target[i] = hit;
                    continue;
                }
            }
        }
        s->attach = attach_point;
        ExExpr *e = bind_expr(c, s, sb->expr);
        s->attach = NULL;
        if (!e) return K_ERR;
        if (e->type.id == K_TYPE_UNKNOWN) e = pl__coerce(c, e, k_type_varchar(0), -1);
        for (uint32_t k = 0; k < nt && key_target[i] < 0; k++)
            if (expr_equal(e, texpr_b[k])) key_target[i] = (int32_t)k;
        keys[i].expr = e;
    }

    /* build the aggregation and lift the expressions above it */
    if (grouped) {
        PlRel *agg = pl__rel_new(c, PL_AGG, g->ngroups + g->naggs);
        if (!agg) return K_ERR;
        agg->left = pre;
        agg->ngroups = g->ngroups;
        agg->groups = g->groups;
        agg->naggs = g->naggs;
        agg->aggs = g->aggs;
        memcpy(agg->cols, g->group_cols, sizeof(int32_t) * g->ngroups);
        if (g->naggs) memcpy(agg->cols + g->ngroups, g->agg_cols, sizeof(int32_t) * g->naggs);
        /* grouping sets: set numbers, NULLed keys, empty sets' rows (grouping.c) */
        PlRel *aggtop = agg;
        if (g->gs.nsets > 1 && pl__grouping_build(c, &g->gs, agg, &aggtop) != K_OK) return K_ERR;
        /* splice the aggregation into the hole */
        if (post == hole) post = aggtop;
        else {
            PlRel *x = post;
            while (x->left && x->left != hole) x = x->left;
            x->left = aggtop;
            /* projections that value subqueries put between (their pass-through
             * was of the empty hole) pass the aggregate's columns on */
            if (pass_hole_cols(c, post, aggtop) != K_OK) return K_ERR;
        }
        rel = post;
        for (uint32_t i = 0; i < nt; i++) {
            texpr_b[i] = lift_grouped(c, g, texpr_b[i], s);
            if (!texpr_b[i]) return K_ERR;
        }
        if (having) {
            having = lift_grouped(c, g, having, s);
            if (!having) return K_ERR;
        }
        for (uint32_t i = 0; i < nk; i++)
            if (keys[i].expr) {
                keys[i].expr = lift_grouped(c, g, keys[i].expr, s);
                if (!keys[i].expr) return K_ERR;
            }
        if (having) {
            rel = filter_by(c, rel, having);
            if (!rel) return K_ERR;
        }
    }

    s->win = NULL;
    /* window functions: one WINDOW operator per distinct (PARTITION BY, ORDER BY) */
    if (win->n) {
        bool *done = pl__alloc(c, win->n);
        if (!done) return K_ERR;
        for (uint32_t i = 0; i < win->n; i++) {
            PlWinCall *wc = &win->calls[i];
            if (grouped) {
                for (uint32_t k = 0; k < wc->npart; k++)
                    if (!(wc->part[k] = lift_grouped(c, g, wc->part[k], s))) return K_ERR;
                for (uint32_t k = 0; k < wc->norder; k++)
                    if (!(wc->order[k].expr = lift_grouped(c, g, wc->order[k].expr, s))) return K_ERR;
                if (wc->fn.arg && !(wc->fn.arg = lift_grouped(c, g, wc->fn.arg, s))) return K_ERR;
                if (wc->fn.dflt && !(wc->fn.dflt = lift_grouped(c, g, wc->fn.dflt, s))) return K_ERR;
                if (wc->fn.agg.arg && !(wc->fn.agg.arg = lift_grouped(c, g, wc->fn.agg.arg, s))) return K_ERR;
            }
        }
        uint32_t *grp = pl__alloc(c, sizeof(uint32_t) * win->n);
        if (!grp) return K_ERR;
        for (uint32_t i = 0; i < win->n; i++) grp[i] = UINT32_MAX;
        for (uint32_t i = 0; i < win->n; i++) {
            if (done[i]) continue;
            PlWinCall *wi = &win->calls[i];
            uint32_t nf = 0;
            for (uint32_t k = i; k < win->n; k++) {
                PlWinCall *wk = &win->calls[k];
                bool same = !done[k] && wk->npart == wi->npart && wk->norder == wi->norder;
                for (uint32_t t = 0; same && t < wi->npart; t++) same = expr_equal(wk->part[t], wi->part[t]);
                for (uint32_t t = 0; same && t < wi->norder; t++)
                    same = expr_equal(wk->order[t].expr, wi->order[t].expr) && wk->order[t].desc == wi->order[t].desc &&
                           wk->order[t].nulls_first == wi->order[t].nulls_first;
                if (same) {
                    done[k] = true;
                    grp[k] = i;
                    nf++;
                }
            }
            PlRel *wr = pl__rel_new(c, PL_WINDOW, rel->ncols + nf);
            if (!wr) return K_ERR;
            wr->left = rel;
            memcpy(wr->cols, rel->cols, sizeof(int32_t) * rel->ncols);
            wr->npart = wi->npart;
            wr->part = wi->part;
            wr->norder = wi->norder;
            wr->order = wi->order;
            wr->nfuncs = nf;
            wr->funcs = pl__alloc(c, sizeof(ExWindowFunc) * (nf + 1));
            if (!wr->funcs) return K_ERR;
            uint32_t f = 0;
            for (uint32_t k = i; k < win->n; k++)
                if (grp[k] == i) {
                    wr->funcs[f] = win->calls[k].fn;
                    wr->cols[rel->ncols + f++] = win->calls[k].col;
                }
            rel = wr;
        }
    }

    /* projection: the select list, then hidden ORDER BY expressions */
    uint32_t nhidden = 0;
    for (uint32_t i = 0; i < nk; i++)
        if (key_target[i] < 0) nhidden++;
    if (q->distinct && nhidden)
        return k_error_at(c->err, K_INVALID_COLUMN_REFERENCE, q->order_by->items[0]->pos,
                          "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
    if (q->distinct_on)
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, q->hdr.pos, "DISTINCT ON is not supported yet");
    uint32_t np = nt + nhidden;
    ExExpr **pe = pl__alloc(c, sizeof(ExExpr *) * (np + 1));
    int32_t *pc = pl__alloc(c, sizeof(int32_t) * (np + 1));
    const char **names = pl__alloc(c, sizeof(char *) * (nt + 1));
    if (!pe || !pc || !names) return K_ERR;
    for (uint32_t i = 0; i < nt; i++) {
        pe[i] = texpr_b[i];
        names[i] = tnames[i];
        if (texpr_b[i]->kind == EX_EXPR_COLUMN && texprs[i] && !PR_IS(ColumnRef, texprs[i]) &&
            strcmp(c->cols[texpr_b[i]->u.column.index].name, tnames[i]) != 0) {
            /* a computed value that happens to be one column (an aggregate): new id keeps names apart */
            pc[i] = pl__new_col(c, texpr_b[i]->type, tnames[i]);
        } else if (texpr_b[i]->kind == EX_EXPR_COLUMN) {
            /* pass through: keep the id (so estimates keep their statistics) */
            pc[i] = (int32_t)texpr_b[i]->u.column.index;
            bool dup = false;
            for (uint32_t k = 0; k < i; k++) dup |= pc[k] == pc[i];
            if (dup) pc[i] = pl__new_col(c, texpr_b[i]->type, tnames[i]);
        } else {
            pc[i] = pl__new_col(c, texpr_b[i]->type, tnames[i]);
        }
        if (pc[i] < 0) return K_ERR;
    }
    uint32_t h = nt;
    for (uint32_t i = 0; i < nk; i++) {
        if (key_target[i] >= 0) {
            keys[i].expr = pl__col_ref(c, pc[key_target[i]]);
        } else {
            pe[h] = keys[i].expr;
            pc[h] = keys[i].expr->kind == EX_EXPR_COLUMN ? (int32_t)keys[i].expr->u.column.index
                                                         : pl__new_col(c, keys[i].expr->type, "?sort?");
            for (uint32_t k = 0; k < h; k++)
                if (pc[k] == pc[h])
                    pc[h] = pl__new_col(c, keys[i].expr->type, keys[i].expr->kind == EX_EXPR_COLUMN
                                                                   ? c->cols[keys[i].expr->u.column.index].name
                                                                   : "?sort?");
            keys[i].expr = pl__col_ref(c, pc[h]);
            h++;
        }
        if (!keys[i].expr) return K_ERR;
    }
    rel = make_project(c, rel, np, pe, pc);
    if (!rel) return K_ERR;

    if (q->distinct) {
        PlRel *d = pl__rel_new(c, PL_AGG, nt);
        if (!d) return K_ERR;
        d->left = rel;
        d->ngroups = nt;
        d->groups = pl__alloc(c, sizeof(ExExpr *) * (nt + 1));
        if (!d->groups) return K_ERR;
        for (uint32_t i = 0; i < nt; i++) {
            d->groups[i] = pl__col_ref(c, pc[i]);
            d->cols[i] = pl__new_col(c, c->cols[pc[i]].type, tnames[i]);
            c->cols[d->cols[i]].ndv = c->cols[pc[i]].ndv;
            for (uint32_t k = 0; k < nk; k++)
                if (keys[k].expr->u.column.index == (uint32_t)pc[i]) keys[k].expr->u.column.index = (uint32_t)d->cols[i];
        }
        memcpy(pc, d->cols, sizeof(int32_t) * nt);
        rel = d;
    }

    out->rel = rel;
    out->nout = nt;
    out->out_cols = pc;
    out->names = names;
    out->rel = rel;
    /* ORDER BY / LIMIT are applied by the caller (bind_select) */
    if (nk) {
        PlRel *so = pl__rel_new(c, PL_SORT, rel->ncols);
        if (!so) return K_ERR;
        memcpy(so->cols, rel->cols, sizeof(int32_t) * rel->ncols);
        so->left = rel;
        so->nkeys = nk;
        so->keys = keys;
        out->rel = so;
    }
    return K_OK;
}

static int
limit_value(PlCtx *c, const PrNode *n, int64_t *out)
{
    PlScope empty;
    memset(&empty, 0, sizeof empty);
    ExExpr *e = bind_expr(c, &empty, n);
    if (!e) return K_ERR;
    e = pl__coerce(c, e, k_type(K_TYPE_INT64), n->pos);
    if (!e) return K_ERR;
    e = pl__fold(c, e);
    if (!e || e->kind != EX_EXPR_CONST)
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, n->pos,
                          "LIMIT and OFFSET must be constants");
    if (e->u.konst.is_null) {
        *out = -1;
        return K_OK;
    }
    if (e->u.konst.v.i64 < 0)
        return k_error_at(c->err, K_INVALID_PARAMETER_VALUE, n->pos, "LIMIT must not be negative");
    *out = e->u.konst.v.i64;
    return K_OK;
}

static int
bind_values(PlCtx *c, const PrSelect *q, PlBound *out)
{
    uint32_t nr = (uint32_t)pr_list_len(q->values);
    uint32_t nc = nr ? (uint32_t)pr_list_len(PR_CAST(RowExpr, q->values->items[0])->args) : 0;
    PlRel *v = pl__rel_new(c, PL_VALUES, nc);
    if (!v) return K_ERR;
    v->nrows = nr;
    v->cells = pl__alloc(c, sizeof(ExExpr *) * (nr * nc + 1));
    KType *types = pl__alloc(c, sizeof(KType) * (nc + 1));
    if (!v->cells || !types) return K_ERR;
    PlScope empty;
    memset(&empty, 0, sizeof empty);
    for (uint32_t r = 0; r < nr; r++) {
        const PrRowExpr *row = PR_CAST(RowExpr, q->values->items[r]);
        if ((uint32_t)pr_list_len(row->args) != nc)
            return k_error_at(c->err, K_SYNTAX_ERROR, row->hdr.pos, "VALUES lists must all be the same length");
        for (uint32_t k = 0; k < nc; k++) {
            ExExpr *e = bind_expr(c, &empty, row->args->items[k]);
            if (!e) return K_ERR;
            v->cells[r * nc + k] = e;
            if (pl__common_type(c, r ? types[k] : e->type, e->type, row->args->items[k]->pos, "VALUES", &types[k]) != K_OK)
                return K_ERR;
        }
    }
    const char **names = pl__alloc(c, sizeof(char *) * (nc + 1));
    if (!names) return K_ERR;
    for (uint32_t k = 0; k < nc; k++) {
        if (types[k].id == K_TYPE_UNKNOWN) types[k] = k_type_varchar(0);
        for (uint32_t r = 0; r < nr; r++) {
            v->cells[r * nc + k] = pl__coerce(c, v->cells[r * nc + k], types[k], -1);
            if (!v->cells[r * nc + k]) return K_ERR;
        }
        names[k] = k_sprintf(c->a, "column%u", k + 1);
        v->cols[k] = pl__new_col(c, types[k], names[k]);
    }
    out->rel = v;
    out->nout = nc;
    out->out_cols = v->cols;
    out->names = names;
    return K_OK;
}

/* The type an arm's column brings to a set operation: a bare NULL in its
 * select list is still of unknown type there (PostgreSQL resolves it with the
 * other arms: SELECT 1 UNION SELECT NULL is integer). */
static KType
setop_arm_type(PlCtx *c, const PlBound *b, uint32_t i)
{
    const PlRel *p = b->rel;
    while (p && (p->kind == PL_SORT || p->kind == PL_LIMIT)) p = p->left;
    if (p && p->kind == PL_PROJECT)
        for (uint32_t k = 0; k < p->ncols; k++)
            if (p->cols[k] == b->out_cols[i]) {
                const ExExpr *e = p->exprs[k];
                if (e->kind == EX_EXPR_CAST && e->nargs == 1) e = e->args[0];
                if (e->kind == EX_EXPR_CONST && e->u.konst.is_null &&
                    (e->type.id == K_TYPE_UNKNOWN || k_type_is_string(e->type)))
                    return k_type(K_TYPE_UNKNOWN);
            }
    return c->cols[b->out_cols[i]].type;
}

static int
bind_setop(PlCtx *c, const PrSelect *q, PlScope *outer, PlBound *out)
{
    PlBound l, r;
    if (bind_select(c, q->larg, outer, &l) != K_OK) return K_ERR;
    if (bind_select(c, q->rarg, outer, &r) != K_OK) return K_ERR;
    if (l.nout != r.nout)
        return k_error_at(c->err, K_SYNTAX_ERROR, q->hdr.pos, "each %s query must have the same number of columns",
                          q->op == PR_SETOP_UNION ? "UNION" : q->op == PR_SETOP_INTERSECT ? "INTERSECT" : "EXCEPT");
    uint32_t n = l.nout;
    ExExpr **le = pl__alloc(c, sizeof(ExExpr *) * (n + 1)), **re = pl__alloc(c, sizeof(ExExpr *) * (n + 1));
    int32_t *lc = pl__alloc(c, sizeof(int32_t) * (n + 1)), *rc = pl__alloc(c, sizeof(int32_t) * (n + 1));
    PlRel *so = pl__rel_new(c, PL_SETOP, n);
    if (!le || !re || !lc || !rc || !so) return K_ERR;
    for (uint32_t i = 0; i < n; i++) {
        KType t;
        if (pl__common_type(c, setop_arm_type(c, &l, i), setop_arm_type(c, &r, i), q->hdr.pos,
                            q->op == PR_SETOP_UNION ? "UNION" : q->op == PR_SETOP_INTERSECT ? "INTERSECT" : "EXCEPT",
                            &t) != K_OK)
            return K_ERR;
        if (t.id == K_TYPE_UNKNOWN) t = k_type_varchar(0);
        if (t.id == K_TYPE_DECIMAL) { /* exact same type on both arms */
            KType a = c->cols[l.out_cols[i]].type, b = c->cols[r.out_cols[i]].type;
            if (a.id == K_TYPE_DECIMAL && b.id == K_TYPE_DECIMAL) {
                int s2 = K_MAX(a.scale, b.scale);
                t = k_type_decimal(K_MIN(38, K_MAX(a.precision - a.scale, b.precision - b.scale) + s2), s2);
            }
        }
        if (k_type_is_string(t)) t = k_type_varchar(0);
        le[i] = pl__coerce(c, pl__col_ref(c, l.out_cols[i]), t, -1);
        re[i] = pl__coerce(c, pl__col_ref(c, r.out_cols[i]), t, -1);
        lc[i] = pl__new_col(c, t, l.names[i]);
        rc[i] = pl__new_col(c, t, l.names[i]);
        so->cols[i] = pl__new_col(c, t, l.names[i]);
        if (!le[i] || !re[i] || so->cols[i] < 0) return K_ERR;
    }
    so->left = make_project(c, l.rel, n, le, lc);
    so->right = make_project(c, r.rel, n, re, rc);
    if (!so->left || !so->right) return K_ERR;
    so->setop = q->op == PR_SETOP_UNION ? EX_SETOP_UNION : q->op == PR_SETOP_INTERSECT ? EX_SETOP_INTERSECT
                                                                                        : EX_SETOP_EXCEPT;
    so->all = q->all;
    out->rel = so;
    out->nout = n;
    out->out_cols = so->cols;
    out->names = l.names;
    /* ORDER BY over the set operation: output positions or names */
    uint32_t nk = (uint32_t)pr_list_len(q->order_by);
    if (nk) {
        ExSortKey *keys = pl__alloc(c, sizeof(ExSortKey) * nk);
        if (!keys) return K_ERR;
        for (uint32_t i = 0; i < nk; i++) {
            const PrSortBy *sb = PR_CAST(SortBy, q->order_by->items[i]);
            keys[i].desc = sb->dir == PR_SORT_DESC;
            keys[i].nulls_first = sb->nulls == PR_NULLS_DEFAULT ? keys[i].desc : sb->nulls == PR_NULLS_FIRST;
            int32_t k = -1;
            if (PR_IS(Literal, sb->expr) && PR_CAST(Literal, sb->expr)->kind == PR_LIT_INTEGER) {
                k = (int32_t)strtol(PR_CAST(Literal, sb->expr)->text, NULL, 10) - 1;
                if (k < 0 || (uint32_t)k >= n)
                    return k_error_at(c->err, K_INVALID_COLUMN_REFERENCE, sb->expr->pos,
                                      "ORDER BY position %d is not in select list", k + 1);
            } else if (PR_IS(ColumnRef, sb->expr) && PR_CAST(ColumnRef, sb->expr)->nfields == 1) {
                for (uint32_t j = 0; j < n && k < 0; j++)
                    if (strcmp(l.names[j], PR_CAST(ColumnRef, sb->expr)->fields[0]) == 0) k = (int32_t)j;
            }
            if (k < 0)
                return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, sb->expr->pos,
                                  "invalid UNION/INTERSECT/EXCEPT ORDER BY clause");
            keys[i].expr = pl__col_ref(c, so->cols[k]);
        }
        PlRel *s = pl__rel_new(c, PL_SORT, n);
        if (!s) return K_ERR;
        memcpy(s->cols, so->cols, sizeof(int32_t) * n);
        s->left = so;
        s->nkeys = nk;
        s->keys = keys;
        out->rel = s;
    }
    return K_OK;
}

static int
bind_select(PlCtx *c, const PrSelect *q, PlScope *outer, PlBound *out)
{
    uint32_t save_ctes = c->nctes;
    if (q->with) {
        for (int32_t i = 0; i < pr_list_len(q->with->ctes); i++) {
            const PrCommonTable *ct = PR_CAST(CommonTable, q->with->ctes->items[i]);
            if (c->nctes == c->capctes) {
                uint32_t nc = c->capctes ? c->capctes * 2 : 8;
                PlCte *n = pl__alloc(c, sizeof(PlCte) * nc);
                if (!n) return K_ERR;
                if (c->nctes) memcpy(n, c->ctes, sizeof(PlCte) * c->nctes);
                c->ctes = n;
                c->capctes = nc;
            }
            memset(&c->ctes[c->nctes], 0, sizeof(PlCte));
            c->ctes[c->nctes].name = ct->name;
            c->ctes[c->nctes].def = ct;
            c->ctes[c->nctes].recursive = q->with->recursive; /* recursive.c */
            c->ctes[c->nctes++].level = 0;
        }
    }
    int rc;
    switch (q->kind) {
    case PR_SELECT_VALUES: rc = bind_values(c, q, out); break;
    case PR_SELECT_SETOP: rc = bind_setop(c, q, outer, out); break;
    default: rc = bind_simple(c, q, outer, out); break;
    }
    c->nctes = save_ctes;
    if (rc != K_OK) return K_ERR;
    if (q->limit || q->offset) {
        int64_t lim = -1, off = 0;
        if (q->limit && limit_value(c, q->limit, &lim) != K_OK) return K_ERR;
        if (q->offset && limit_value(c, q->offset, &off) != K_OK) return K_ERR;
        if (off < 0) off = 0;
        if (q->fetch_with_ties)
            return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, q->limit->pos, "WITH TIES is not supported");
        if (out->rel->kind == PL_SORT && out->rel->limit < 0) {
            out->rel->limit = lim;
            out->rel->offset = off;
        } else {
            PlRel *l = pl__rel_new(c, PL_LIMIT, out->rel->ncols);
            if (!l) return K_ERR;
            memcpy(l->cols, out->rel->cols, sizeof(int32_t) * out->rel->ncols);
            l->left = out->rel;
            l->limit = lim;
            l->offset = off;
            out->rel = l;
        }
    }
    return K_OK;
}

int
pl__bind_query(PlCtx *c, const PrSelect *q, PlScope *outer, PlBound *out)
{
    if (++c->depth > 200)
        return k_error_at(c->err, K_STATEMENT_TOO_COMPLEX, q->hdr.pos, "query is too deeply nested");
    int rc = bind_select(c, q, outer, out);
    c->depth--;
    return rc;
}

/* Exposed for unnest.c: is a scalar subquery allowed to join inner here? */
bool pl__scope_scalar_inner_ok(const PlScope *s);
bool
pl__scope_scalar_inner_ok(const PlScope *s)
{
    return s && s->scalar_inner_ok;
}

/* The plan a scope's subqueries join onto (planner/array.c). */
PlRel **pl__scope_attach(PlScope *s);
PlRel **
pl__scope_attach(PlScope *s)
{
    return s->attach;
}

/* The plan of the enclosing query block a subquery's scope refers to. */
PlRel *pl__scope_outer_rel(PlScope *s);
PlRel *
pl__scope_outer_rel(PlScope *s)
{
    return s->parent && s->parent->attach ? *s->parent->attach : NULL;
}

/* Bind an expression in a scope (unnest.c binds IN's left side). */
ExExpr *pl__bind_expr_in(PlCtx *c, PlScope *s, const PrNode *n, PlRel **attach);
ExExpr *
pl__bind_expr_in(PlCtx *c, PlScope *s, const PrNode *n, PlRel **attach)
{
    PlRel **save = s->attach;
    s->attach = attach;
    ExExpr *e = bind_expr(c, s, n);
    s->attach = save;
    return e;
}
