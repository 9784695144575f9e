/*
 * array.c — binding of Kestrel's one-dimensional arrays.
 *
 * Interface routines (planner_int.h): pl__array_elem_of_name, pl__array_cast,
 * pl__array_node, pl__array_concat, pl__array_func, pl__array_record,
 * pl__list_agg_finish, pl__array_sublink, pl__bind_range_function.
 *
 * An array is a VARCHAR whose KType.array names the element type; its values
 * are PostgreSQL's text form (exec/array.c). What binds here:
 *   'text'::int2[], x::text[]        ARRAY_IN (checked, canonical form)
 *   ARRAY[a, b, ...]                 ARRAY_BUILD over element records
 *   a[i]                             ARRAY_SUBSCRIPT, cast to the element type
 *   x = ANY (a), x <> ALL (a)        ARRAY_ANY_EQ over x's text (NOT for ALL)
 *   a || b                           ARRAY_CAT
 *   array_upper/array_length(a, 1), cardinality(a)
 *   array_agg(x [ORDER BY x]), string_agg(t, sep)
 *                                    the LIST aggregate of records, finished
 *                                    by ARRAY_FROM_LIST / LIST_JOIN above it
 *   ARRAY(q)                         q's rows through the LIST aggregate: a
 *                                    scalar aggregate subquery, so correlated
 *                                    ones are unnested like any other
 *                                    (unnest.c), nothing runs per outer row
 *   unnest(a), generate_series(a, b [, step]) in FROM, with arguments that
 *                                    fold to constants: VALUES rows
 */
#include "planner/planner_int.h"

#include <string.h>

#define MAX_SRF_ROWS 1000000 /* rows a FROM function may expand to at plan time */

static ExExpr *
func(PlCtx *c, ExFunc fn, KType t, int32_t pos, uint32_t nargs, ExExpr *a0, ExExpr *a1)
{
    ExExpr *e = pl__expr_new(c, EX_EXPR_FUNC, t, nargs, pos);
    if (!e) return NULL;
    e->u.func.fn = (uint16_t)fn;
    if (nargs > 0) e->args[0] = a0;
    if (nargs > 1) e->args[1] = a1;
    return e;
}

static ExExpr *
str_const(PlCtx *c, const char *s, size_t n)
{
    ExExpr *e = ex_expr_const_str(c->a, s, n);
    if (!e)
        pl__oom(c);
    else
        e->type = k_type_varchar(0);
    return e;
}

static ExExpr *
i32_const(PlCtx *c, int32_t v)
{
    ExExpr *e = ex_expr_const_i32(c->a, v);
    if (!e) pl__oom(c);
    return e;
}

/* Fold an array function whose arguments are constants (types.c's folder
 * does not know them); an error is reported at plan time, as PostgreSQL
 * reports a malformed array literal when it parses it. */
static bool
row_free(const ExExpr *e)
{
    if (e->kind == EX_EXPR_COLUMN || e->kind == EX_EXPR_PARAM) return false;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (!row_free(e->args[i])) return false;
    return true;
}

static ExExpr *
afold(PlCtx *c, ExExpr *e)
{
    if (!e || !(e = pl__fold(c, e))) return NULL;
    if (e->kind == EX_EXPR_CONST || !row_free(e)) return e;
    ExValue v;
    bool isnull;
    KErr e2;
    memset(&e2, 0, sizeof e2);
    if (ex_expr_eval_const(e, NULL, 0, c->a, &v, &isnull, &e2) != K_OK) {
        k_err_copy(c->err, &e2);
        return NULL;
    }
    ExExpr *r =
        isnull ? ex_expr_const_null(c->a, e->type) : ex_expr_const(c->a, e->type, false, &v);
    if (!r)
        pl__oom(c);
    else
        r->pos = e->pos;
    return r;
}

KArrayElem
pl__array_elem_of_name(const char *n)
{
    static const struct {
        const char *name;
        KArrayElem e;
    } tab[] = {
        {"int2", K_ARR_INT2},       {"smallint", K_ARR_INT2},
        {"int4", K_ARR_INT4},       {"int", K_ARR_INT4},
        {"integer", K_ARR_INT4},    {"int8", K_ARR_INT8},
        {"bigint", K_ARR_INT8},     {"oid", K_ARR_OID},
        {"regclass", K_ARR_OID},    {"regtype", K_ARR_OID},
        {"regproc", K_ARR_OID},     {"text", K_ARR_TEXT},
        {"varchar", K_ARR_VARCHAR}, {"character varying", K_ARR_VARCHAR},
        {"name", K_ARR_NAME},       {"char", K_ARR_CHAR},
        {"bool", K_ARR_BOOL},       {"boolean", K_ARR_BOOL},
        {"float8", K_ARR_FLOAT8},   {"double precision", K_ARR_FLOAT8},
        {"numeric", K_ARR_NUMERIC}, {"decimal", K_ARR_NUMERIC},
        {"date", K_ARR_DATE},       {"timestamp", K_ARR_TIMESTAMP},
        {"int2vector", K_ARR_INT2}, {"oidvector", K_ARR_OID},
    };
    for (size_t i = 0; i < K_ARRAY_LEN(tab); i++)
        if (strcmp(tab[i].name, n) == 0) return tab[i].e;
    return K_ARR_NONE;
}

/* x::elem[] : from a string (or another array) through ARRAY_IN. */
ExExpr *
pl__array_cast(PlCtx *c, ExExpr *x, const PrTypeName *tn, int32_t pos)
{
    if (tn->array_dims > 1) {
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, tn->hdr.pos,
                   "multidimensional arrays are not supported");
        return NULL;
    }
    KArrayElem el = pl__array_elem_of_name(tn->name);
    if (el == K_ARR_NONE) {
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, tn->hdr.pos,
                   "arrays of type %s are not supported", tn->name);
        return NULL;
    }
    KType t = k_type_array(el);
    if (k_type_is_array(x->type) && x->type.array == el) return x;
    if (x->type.id != K_TYPE_UNKNOWN && x->kind != EX_EXPR_PARAM && !k_type_is_string(x->type)) {
        char buf[64], tb[64];
        k_type_name(x->type, buf, sizeof buf);
        k_type_name(t, tb, sizeof tb);
        k_error_at(c->err, K_CANNOT_COERCE, pos, "cannot cast type %s to %s", buf, tb);
        return NULL;
    }
    x = pl__coerce(c, x, k_type_varchar(0), pos);
    if (!x) return NULL;
    ExExpr *e = func(c, EX_FN_ARRAY_IN, t, pos, 1, x, NULL);
    return afold(c, e);
}

/* ARRAY[]::elem[]: the empty array of that type. */
ExExpr *
pl__array_empty(PlCtx *c, const PrTypeName *tn, int32_t pos)
{
    ExExpr *e = str_const(c, "{}", 2);
    return e ? pl__array_cast(c, e, tn, pos) : NULL;
}

/* An element as the builders take it: '\2' || text, NULL as '\1' when kept. */
ExExpr *
pl__array_record(PlCtx *c, ExExpr *x, bool keep_null, int32_t pos)
{
    if (x->type.id == K_TYPE_UNKNOWN) x = pl__coerce(c, x, k_type_varchar(0), pos);
    if (!x) return NULL;
    if (k_type_is_array(x->type)) {
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                   "multidimensional arrays are not supported");
        return NULL;
    }
    if (!k_type_is_string(x->type)) {
        ExExpr *cs = pl__expr_new(c, EX_EXPR_CAST, k_type_varchar(0), 1, pos);
        if (!cs) return NULL;
        cs->args[0] = x;
        x = cs;
    }
    ExExpr *r = func(c, EX_FN_CONCAT, k_type_varchar(0), pos, 2, str_const(c, "\2", 1), x);
    if (!r || !r->args[0]) return NULL;
    if (!keep_null) return r;
    ExExpr *co = pl__expr_new(c, EX_EXPR_COALESCE, k_type_varchar(0), 2, pos);
    if (!co) return NULL;
    co->args[0] = r;
    if (!(co->args[1] = str_const(c, "\1", 1))) return NULL;
    return co;
}

/* The element type of ARRAY[...] / array_agg over values of type t. */
static KArrayElem
elem_kind(PlCtx *c, KType t, int32_t pos)
{
    KArrayElem e = k_array_elem_of(t.id == K_TYPE_UNKNOWN ? k_type_varchar(0) : t);
    if (e == K_ARR_NONE) {
        char buf[64];
        k_type_name(t, buf, sizeof buf);
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "arrays of type %s are not supported",
                   buf);
    }
    return e;
}

/* The value of x as the text an array element holds (for = ANY). */
static ExExpr *
elem_text(PlCtx *c, ExExpr *x, KArrayElem el, int32_t pos)
{
    KType et = k_array_elem_type(el);
    if (x->type.id == K_TYPE_UNKNOWN || x->kind == EX_EXPR_PARAM) x = pl__coerce(c, x, et, pos);
    if (!x) return NULL;
    if (k_type_is_string(x->type)) return x;
    bool both_int = (x->type.id == K_TYPE_INT32 || x->type.id == K_TYPE_INT64) &&
                    (et.id == K_TYPE_INT32 || et.id == K_TYPE_INT64);
    if (!both_int && x->type.id != et.id) {
        char b1[64], b2[64];
        k_type_name(x->type, b1, sizeof b1);
        k_type_name(k_type_array(el), b2, sizeof b2);
        k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s = %s", b1, b2);
        return NULL;
    }
    ExExpr *cs = pl__expr_new(c, EX_EXPR_CAST, k_type_varchar(0), 1, pos);
    if (cs) cs->args[0] = x;
    return cs;
}

static ExExpr *
as_array(PlCtx *c, ExExpr *a, const char *what, int32_t pos)
{
    if (k_type_is_array(a->type)) return a;
    if (a->type.id == K_TYPE_UNKNOWN) {
        k_error_at(c->err, K_INDETERMINATE_DATATYPE, pos,
                   "could not determine the array type of %s", what);
        return NULL;
    }
    char buf[64];
    k_type_name(a->type, buf, sizeof buf);
    k_error_at(c->err, K_DATATYPE_MISMATCH, pos, "%s needs an array, not type %s", what, buf);
    return NULL;
}

ExExpr *pl__bind_expr_in(PlCtx *c, PlScope *s, const PrNode *n, PlRel **attach);
PlRel **pl__scope_attach(PlScope *s);

ExExpr *
pl__array_node(PlCtx *c, PlScope *s, const PrNode *n)
{
    PlRel **at = pl__scope_attach(s);
    int32_t pos = n->pos;
    if (PR_IS(ArrayExpr, n)) {
        const PrArrayExpr *ae = PR_CAST(ArrayExpr, n);
        uint32_t ne = (uint32_t)pr_list_len(ae->elements);
        if (ne == 0) {
            k_error_at(c->err, K_INDETERMINATE_DATATYPE, pos,
                       "cannot determine type of empty array");
            k_err_hint(c->err,
                       "Explicitly cast to the desired type, for example ARRAY[]::integer[].");
            return NULL;
        }
        ExExpr **xs = pl__alloc(c, sizeof(ExExpr *) * ne);
        if (!xs) return NULL;
        KType t = k_type(K_TYPE_UNKNOWN);
        for (uint32_t i = 0; i < ne; i++) {
            const PrNode *en = ae->elements->items[i];
            if (PR_IS(ArrayExpr, en)) {
                k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, en->pos,
                           "multidimensional arrays are not supported");
                return NULL;
            }
            if (!(xs[i] = pl__bind_expr_in(c, s, en, at))) return NULL;
            if (pl__common_type(c, i ? t : xs[i]->type, xs[i]->type, en->pos, "ARRAY", &t) != K_OK)
                return NULL;
        }
        if (t.id == K_TYPE_UNKNOWN) t = k_type_varchar(0);
        KArrayElem el = elem_kind(c, t, pos);
        if (el == K_ARR_NONE) return NULL;
        ExExpr *e = pl__expr_new(c, EX_EXPR_FUNC, k_type_array(el), ne, pos);
        if (!e) return NULL;
        e->u.func.fn = EX_FN_ARRAY_BUILD;
        for (uint32_t i = 0; i < ne; i++) {
            ExExpr *x = pl__coerce(c, xs[i], t, pos);
            if (!x || !(e->args[i] = pl__array_record(c, x, true, pos))) return NULL;
        }
        return afold(c, e);
    }
    if (PR_IS(Subscript, n)) {
        const PrSubscript *ss = PR_CAST(Subscript, n);
        ExExpr *a = pl__bind_expr_in(c, s, ss->arg, at);
        if (!a || !(a = as_array(c, a, "a subscript", pos))) return NULL;
        ExExpr *i = pl__bind_expr_in(c, s, ss->index, at);
        if (!i) return NULL;
        if (i->type.id == K_TYPE_UNKNOWN || i->kind == EX_EXPR_PARAM)
            i = pl__coerce(c, i, k_type(K_TYPE_INT32), pos);
        if (!i) return NULL;
        if (i->type.id != K_TYPE_INT32 && i->type.id != K_TYPE_INT64) {
            k_error_at(c->err, K_DATATYPE_MISMATCH, ss->index->pos,
                       "array subscript must have type integer");
            return NULL;
        }
        ExExpr *e = func(c, EX_FN_ARRAY_SUBSCRIPT, k_type_varchar(0), pos, 2, a, i);
        KType et = k_array_elem_type((KArrayElem)a->type.array);
        if (!e || k_type_is_string(et)) return e;
        ExExpr *cs = pl__expr_new(c, EX_EXPR_CAST, et, 1, pos);
        if (cs) cs->args[0] = e;
        return cs;
    }
    if (PR_IS(ArrayOpExpr, n)) {
        const PrArrayOpExpr *ao = PR_CAST(ArrayOpExpr, n);
        if ((ao->all ? ao->op != PR_OP_NE : ao->op != PR_OP_EQ)) {
            k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "%s %s (array) is not supported",
                       ao->opname ? ao->opname : "this operator", ao->all ? "ALL" : "ANY");
            k_err_hint(c->err, "= ANY and <> ALL are.");
            return NULL;
        }
        ExExpr *x = pl__bind_expr_in(c, s, ao->left, at);
        if (!x) return NULL;
        ExExpr *a = pl__bind_expr_in(c, s, ao->array, at);
        if (!a) return NULL;
        if (a->type.id == K_TYPE_UNKNOWN && x->type.id != K_TYPE_UNKNOWN) {
            /* '{1,2}' takes the array type of the left side */
            KArrayElem el = elem_kind(c, x->type, pos);
            if (el == K_ARR_NONE) return NULL;
            a = pl__coerce(c, a, k_type_varchar(0), pos);
            if (!a || !(a = func(c, EX_FN_ARRAY_IN, k_type_array(el), pos, 1, a, NULL)))
                return NULL;
            a = afold(c, a);
        }
        if (!a || !(a = as_array(c, a, ao->all ? "ALL" : "ANY", pos))) return NULL;
        ExExpr *xt = elem_text(c, x, (KArrayElem)a->type.array, pos);
        if (!xt) return NULL;
        ExExpr *e = func(c, EX_FN_ARRAY_ANY_EQ, k_type(K_TYPE_BOOL), pos, 2, xt, a);
        if (!e || !ao->all) return e;
        ExExpr *nt = pl__expr_new(c, EX_EXPR_NOT, k_type(K_TYPE_BOOL), 1, pos);
        if (nt) nt->args[0] = e;
        return nt;
    }
    k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos, "%s is not supported in expressions",
               pr_tag_name(n->tag));
    return NULL;
}

/* a || b where one side is an array; *found false when neither is. */
ExExpr *
pl__array_concat(PlCtx *c, ExExpr *l, ExExpr *r, int32_t pos, bool *found)
{
    *found = k_type_is_array(l->type) || k_type_is_array(r->type);
    if (!*found) return NULL;
    KType t = k_type_is_array(l->type) ? l->type : r->type;
    if (l->type.id == K_TYPE_UNKNOWN)
        l = afold(
            c, func(c, EX_FN_ARRAY_IN, t, pos, 1, pl__coerce(c, l, k_type_varchar(0), pos), NULL));
    if (r->type.id == K_TYPE_UNKNOWN)
        r = afold(
            c, func(c, EX_FN_ARRAY_IN, t, pos, 1, pl__coerce(c, r, k_type_varchar(0), pos), NULL));
    if (!l || !r) return NULL;
    if (!k_type_is_array(l->type) || !k_type_is_array(r->type) || l->type.array != r->type.array) {
        char b1[64], b2[64];
        k_type_name(l->type, b1, sizeof b1);
        k_type_name(r->type, b2, sizeof b2);
        k_error_at(c->err, K_UNDEFINED_FUNCTION, pos, "operator does not exist: %s || %s", b1, b2);
        k_err_hint(c->err, "Kestrel concatenates arrays of the same type only.");
        return NULL;
    }
    return afold(c, func(c, EX_FN_ARRAY_CAT, t, pos, 2, l, r));
}

/* array_upper(a, d), array_length(a, d), array_lower(a, d), cardinality(a). */
ExExpr *
pl__array_func(PlCtx *c, const char *n, uint32_t nargs, ExExpr **args, int32_t pos, bool *found)
{
    ExFunc fn;
    uint32_t want = 2;
    if (strcmp(n, "array_upper") == 0)
        fn = EX_FN_ARRAY_UPPER;
    else if (strcmp(n, "array_length") == 0)
        fn = EX_FN_ARRAY_LENGTH;
    else if (strcmp(n, "cardinality") == 0)
        fn = EX_FN_ARRAY_CARDINALITY, want = 1;
    else if (strcmp(n, "array_lower") == 0)
        fn = EX_FN_ARRAY_UPPER; /* see below */
    else if (strcmp(n, "current_schemas") == 0 && nargs == 1) {
        /* Kestrel's search path is fixed: pg_catalog, public (the implicit
         * schema first when asked for, as PostgreSQL) */
        *found = true;
        ExExpr *b = pl__coerce(c, args[0], k_type(K_TYPE_BOOL), pos);
        ExExpr *cs = pl__expr_new(c, EX_EXPR_CASE, k_type_array(K_ARR_NAME), 3, pos);
        if (!b || !cs) return NULL;
        cs->args[0] = b;
        cs->args[1] = str_const(c, "{pg_catalog,public}", 19);
        cs->args[2] = str_const(c, "{public}", 8);
        if (!cs->args[1] || !cs->args[2]) return NULL;
        cs->args[1]->type = cs->args[2]->type = k_type_array(K_ARR_NAME);
        return cs;
    } else if (strcmp(n, "unnest") == 0 || strcmp(n, "generate_series") == 0) {
        *found = true;
        k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                   "set-returning function %s() is supported only in FROM", n);
        k_err_hint(c->err, "Write SELECT x FROM %s(...) x.", n);
        return NULL;
    } else {
        *found = false;
        return NULL;
    }
    *found = true;
    if (nargs != want) {
        k_error_at(c->err, K_UNDEFINED_FUNCTION, pos,
                   "function %s with %u arguments does not exist", n, nargs);
        return NULL;
    }
    ExExpr *a = as_array(c, args[0], n, pos);
    if (!a) return NULL;
    ExExpr *d = NULL;
    if (want == 2) {
        d = pl__coerce(c, args[1], k_type(K_TYPE_INT32), pos);
        if (!d) return NULL;
    }
    ExExpr *e = func(c, fn, k_type(K_TYPE_INT32), pos, want, a, d);
    if (!e || strcmp(n, "array_lower") != 0) return e;
    /* lower bounds are always 1: 1 where array_upper is not NULL */
    ExExpr *cs = pl__expr_new(c, EX_EXPR_CASE, k_type(K_TYPE_INT32), 2, pos);
    ExExpr *nn = pl__expr_new(c, EX_EXPR_IS_NOT_NULL, k_type(K_TYPE_BOOL), 1, pos);
    if (!cs || !nn) return NULL;
    nn->args[0] = e;
    cs->args[0] = nn;
    cs->args[1] = i32_const(c, 1);
    return cs->args[1] ? cs : NULL;
}

/* The value of array_agg / string_agg / ARRAY(q) above the LIST aggregate
 * column `list`: sep NULL for an array (order: 0 arrival, 1 asc, 2 desc). */
ExExpr *
pl__list_agg_finish(PlCtx *c, ExExpr *list, KType elem, ExExpr *sep, int order, int32_t pos)
{
    if (sep) {
        if (sep->type.id == K_TYPE_UNKNOWN || !k_type_is_string(sep->type))
            sep = pl__coerce(c, sep, k_type_varchar(0), pos);
        if (!sep) return NULL;
        /* a NULL delimiter joins with nothing, as PostgreSQL's */
        ExExpr *co = pl__expr_new(c, EX_EXPR_COALESCE, k_type_varchar(0), 2, pos);
        if (!co) return NULL;
        co->args[0] = sep;
        if (!(co->args[1] = str_const(c, "", 0))) return NULL;
        ExExpr *j = pl__expr_new(c, EX_EXPR_FUNC, k_type_varchar(0), 3, pos);
        if (!j) return NULL;
        j->u.func.fn = EX_FN_LIST_JOIN;
        j->args[0] = list;
        j->args[1] = co;
        return (j->args[2] = i32_const(c, order)) ? j : NULL;
    }
    KArrayElem el = elem_kind(c, elem, pos);
    if (el == K_ARR_NONE) return NULL;
    ExExpr *o = i32_const(c, order);
    return o ? func(c, EX_FN_ARRAY_FROM_LIST, k_type_array(el), pos, 2, list, o) : NULL;
}

/* ARRAY(q): the bound q becomes SELECT <array>(list(record(v))) FROM q's rows,
 * an aggregate without GROUP BY the scalar-subquery unnesting handles. */
int
pl__array_sublink(PlCtx *c, const PrSubLink *sl, PlBound *b)
{
    if (b->nout != 1)
        return k_error_at(c->err, K_SYNTAX_ERROR, sl->hdr.pos,
                          "subquery must return only one column");
    int32_t want = b->out_cols[0];
    PlRel *r = b->rel;
    int order = 0;
    if (r->kind == PL_SORT) {
        /* ORDER BY the element itself: the array's elements sorted (the
         * aggregation does not keep its input's order); a top-N stays below */
        bool ok = r->nkeys == 1 && r->keys[0].expr->kind == EX_EXPR_COLUMN &&
                  (int32_t)r->keys[0].expr->u.column.index == want;
        if (!ok)
            return k_error_at(
                c->err, K_FEATURE_NOT_SUPPORTED, sl->hdr.pos,
                "ARRAY(subquery) ordered by anything but its column is not supported");
        order = r->keys[0].desc ? 2 : 1;
        if (r->limit < 0 && r->offset <= 0) r = r->left;
    }
    if (r->kind != PL_PROJECT) {
        /* keep q as it is (grouped, limited, a set operation ...) under a projection */
        PlRel *p = pl__rel_new(c, PL_PROJECT, 1);
        if (!p || !(p->exprs = pl__alloc(c, sizeof(ExExpr *) * 2))) return K_ERR;
        p->left = r;
        p->cols[0] = want;
        if (!(p->exprs[0] = pl__col_ref(c, want))) return K_ERR;
        r = p;
    }
    ExExpr *v = NULL;
    for (uint32_t i = 0; i < r->ncols; i++)
        if (r->cols[i] == want) v = r->exprs[i];
    if (!v)
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, sl->hdr.pos,
                          "this ARRAY(subquery) is not supported");
    KType vt = v->type.id == K_TYPE_UNKNOWN ? k_type_varchar(0) : v->type;
    ExExpr *rec = pl__array_record(c, v, true, sl->hdr.pos);
    if (!rec) return K_ERR;
    PlRel *a = pl__rel_new(c, PL_AGG, 1);
    if (!a || !(a->aggs = pl__alloc(c, sizeof(ExAggSpec)))) return K_ERR;
    a->left = r->left;
    a->naggs = 1;
    a->aggs[0].func = EX_AGG_LIST;
    a->aggs[0].arg = rec;
    a->aggs[0].type = k_type_varchar(0);
    if ((a->cols[0] = pl__new_col(c, k_type_varchar(0), "list")) < 0) return K_ERR;
    /* no row is an empty array (array_agg would be NULL) */
    ExExpr *co = pl__expr_new(c, EX_EXPR_COALESCE, k_type_varchar(0), 2, sl->hdr.pos);
    if (!co || !(co->args[0] = pl__col_ref(c, a->cols[0])) || !(co->args[1] = str_const(c, "", 0)))
        return K_ERR;
    ExExpr *val = pl__list_agg_finish(c, co, vt, NULL, order, sl->hdr.pos);
    if (!val) return K_ERR;
    PlRel *p = pl__rel_new(c, PL_PROJECT, 1);
    if (!p || !(p->exprs = pl__alloc(c, sizeof(ExExpr *) * 2))) return K_ERR;
    p->left = a;
    p->exprs[0] = val;
    if ((p->cols[0] = pl__new_col(c, val->type, "array")) < 0) return K_ERR;
    int32_t *oc = pl__alloc(c, sizeof(int32_t));
    const char **nm = pl__alloc(c, sizeof(char *));
    if (!oc || !nm) return K_ERR;
    oc[0] = p->cols[0];
    nm[0] = "array";
    b->rel = p;
    b->out_cols = oc;
    b->names = nm;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Functions in FROM                                                     */
/* ------------------------------------------------------------------ */
static int
eval_const(PlCtx *c, ExExpr *e, ExValue *v, bool *is_null)
{
    KErr e2;
    memset(&e2, 0, sizeof e2);
    if (ex_expr_eval_const(e, NULL, 0, c->a, v, is_null, &e2) != K_OK) {
        k_err_copy(c->err, &e2);
        return K_ERR;
    }
    return K_OK;
}

PlRel *pl__scope_outer_rel(PlScope *s);

static ExExpr *
col_expr(PlCtx *c, int32_t col)
{
    return pl__col_ref(c, col);
}

/*
 * generate_series(a, b [, step]) in a subquery's FROM whose arguments read
 * columns of the enclosing query (psql's \d publication footer). Without
 * running anything per outer row it becomes a recursive relation over the
 * outer plan's distinct values F of those columns:
 *     anchor: SELECT DISTINCT F', a[F'] FROM <copy of the outer plan>   (a <= b)
 *     term:   SELECT F', s + step FROM work table WHERE s + step <= b[F']
 * (>= for a negative step) plus the conjuncts F' = F in the subquery, which
 * the unnesting pulls out like any correlation (unnest.c). An outer row whose
 * F holds a NULL gets no rows (the arguments are then NULL for the strict
 * functions catalogs use; PostgreSQL gives none either).
 */
static int
series_by_recursion(PlCtx *c, PlScope *s, const PrRangeFunction *rf, ExExpr **args, uint32_t na,
                    PlRel **out, const char **colname)
{
    int32_t pos = rf->func->hdr.pos;
    PlRel *outer = pl__scope_outer_rel(s);
    /* unnest(a) is a[s] over generate_series(1, cardinality(a)) */
    ExExpr *arr = NULL, *uargs[2];
    if (strcmp(rf->func->name, "unnest") == 0) {
        if (!(arr = as_array(c, args[0], "unnest", pos))) return K_ERR;
        uargs[0] = i32_const(c, 1);
        uargs[1] = func(c, EX_FN_ARRAY_CARDINALITY, k_type(K_TYPE_INT32), pos, 1, arr, NULL);
        if (!uargs[0] || !uargs[1]) return K_ERR;
        args = uargs;
        na = 2;
    }
    int32_t F[16];
    uint32_t nf = 0;
    for (uint32_t i = 0; i < na; i++) pl__expr_collect_cols(args[i], F, &nf, 16);
    bool ok = outer && nf > 0 && nf < 16;
    for (uint32_t i = 0; i < nf && ok; i++)
        ok = pl__expr_uses_only(col_expr(c, F[i]), outer->cols, outer->ncols);
    if (!ok)
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                          "%s() in FROM is supported with constant arguments or arguments from "
                          "the enclosing query only",
                          rf->func->name);
    KType t = k_type(K_TYPE_INT32);
    for (uint32_t i = 0; i < na; i++) {
        if (args[i]->type.id == K_TYPE_UNKNOWN)
            args[i] = pl__coerce(c, args[i], k_type(K_TYPE_INT32), pos);
        if (!args[i]) return K_ERR;
        if (args[i]->type.id == K_TYPE_INT64)
            t = k_type(K_TYPE_INT64);
        else if (args[i]->type.id != K_TYPE_INT32)
            return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                              "generate_series over this type is not supported");
    }
    for (uint32_t i = 0; i < na; i++)
        if (!(args[i] = pl__coerce(c, args[i], t, pos))) return K_ERR;
    ExExpr *step =
        na > 2 ? args[2] : (t.id == K_TYPE_INT32 ? i32_const(c, 1) : ex_expr_const_i64(c->a, 1));
    if (!step) return pl__oom(c);
    bool down = false;
    if (pl__is_const(step)) {
        if (step->u.konst.is_null) { /* a NULL step: no rows, as PostgreSQL */
            step = t.id == K_TYPE_INT32 ? i32_const(c, 1) : ex_expr_const_i64(c->a, 1);
            args[1] = ex_expr_const_null(c->a, t);
            if (!step || !args[1]) return pl__oom(c);
        }
        int64_t sv = t.id == K_TYPE_INT32 ? step->u.konst.v.i32 : step->u.konst.v.i64;
        if (sv == 0)
            return k_error_at(c->err, K_INVALID_PARAMETER_VALUE, pos,
                              "step size cannot equal zero");
        down = sv < 0;
    } else {
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                          "generate_series() with a step read from a column is not supported");
    }
    /* D: distinct F over a copy of the outer plan */
    int32_t *map;
    uint32_t oldn;
    PlRel *dup = pl__copy_rel_map(c, outer, &map, &oldn);
    if (!dup)
        return c->err->code ? K_ERR
                            : k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                                         "this correlated generate_series() is not supported");
    PlRel *d = pl__rel_new(c, PL_AGG, nf);
    if (!d || !(d->groups = pl__alloc(c, sizeof(ExExpr *) * nf))) return K_ERR;
    d->left = dup;
    d->ngroups = nf;
    ExExpr *toD[16], *toW[16];
    int32_t wcols[17];
    for (uint32_t i = 0; i < nf; i++) {
        if ((uint32_t)F[i] >= oldn || map[F[i]] < 0)
            return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                              "this correlated generate_series() is not supported");
        if (!(d->groups[i] = col_expr(c, map[F[i]]))) return K_ERR;
        if ((d->cols[i] = pl__new_col(c, c->cols[F[i]].type, c->cols[F[i]].name)) < 0) return K_ERR;
        if (!(toD[i] = col_expr(c, d->cols[i]))) return K_ERR;
    }
    /* anchor: PROJECT(a[D], D) filtered by a <= b (>= going down); the series
     * column comes first everywhere (the binder's scope names cols[0]) */
    PlRel *ap = pl__rel_new(c, PL_PROJECT, nf + 1);
    if (!ap || !(ap->exprs = pl__alloc(c, sizeof(ExExpr *) * (nf + 1)))) return K_ERR;
    ap->left = d;
    for (uint32_t i = 0; i < nf; i++) {
        ap->cols[i + 1] = d->cols[i];
        ap->exprs[i + 1] = toD[i];
    }
    if (!(ap->exprs[0] = pl__expr_copy_map(c, args[0], F, toD, nf))) return K_ERR;
    if ((ap->cols[0] = pl__new_col(c, t, "s")) < 0) return K_ERR;
    ExExpr *bD = pl__expr_copy_map(c, args[1], F, toD, nf);
    if (!bD) return K_ERR;
    PlRel *af = pl__rel_new(c, PL_FILTER, nf + 1);
    if (!af || !(af->quals = pl__alloc(c, sizeof(ExExpr *)))) return K_ERR;
    af->left = ap;
    memcpy(af->cols, ap->cols, sizeof(int32_t) * (nf + 1));
    af->nquals = 1;
    if (!(af->quals[0] =
              pl__make_compare(c, down ? EX_FN_GE : EX_FN_LE, col_expr(c, ap->cols[0]), bD, pos)))
        return K_ERR;
    /* term: the work table's rows one step on, while within b */
    int32_t wt = (int32_t)c->next_wt++;
    PlRel *w = pl__rel_new(c, PL_WORKTABLE, nf + 1);
    if (!w) return K_ERR;
    w->wt_id = wt;
    w->rows = 100;
    for (uint32_t i = 0; i <= nf; i++) {
        if ((w->cols[i] = pl__new_col(c, c->cols[ap->cols[i]].type, c->cols[ap->cols[i]].name)) < 0)
            return K_ERR;
        wcols[i] = w->cols[i];
        if (i > 0 && !(toW[i - 1] = col_expr(c, w->cols[i]))) return K_ERR;
    }
    ExExpr *next = pl__make_arith(c, PR_OP_ADD, col_expr(c, wcols[0]), step, pos);
    ExExpr *bW = pl__expr_copy_map(c, args[1], F, toW, nf);
    if (!next || !bW) return K_ERR;
    PlRel *tf = pl__rel_new(c, PL_FILTER, nf + 1);
    if (!tf || !(tf->quals = pl__alloc(c, sizeof(ExExpr *)))) return K_ERR;
    tf->left = w;
    memcpy(tf->cols, w->cols, sizeof(int32_t) * (nf + 1));
    tf->nquals = 1;
    if (!(tf->quals[0] = pl__make_compare(c, down ? EX_FN_GE : EX_FN_LE, next, bW, pos)))
        return K_ERR;
    PlRel *tp = pl__rel_new(c, PL_PROJECT, nf + 1);
    if (!tp || !(tp->exprs = pl__alloc(c, sizeof(ExExpr *) * (nf + 1)))) return K_ERR;
    tp->left = tf;
    for (uint32_t i = 0; i < nf; i++) {
        tp->cols[i + 1] = pl__new_col(c, c->cols[wcols[i + 1]].type, c->cols[wcols[i + 1]].name);
        tp->exprs[i + 1] = toW[i];
        if (tp->cols[i + 1] < 0) return K_ERR;
    }
    if ((tp->cols[0] = pl__new_col(c, t, "s")) < 0) return K_ERR;
    if (!(tp->exprs[0] = pl__make_arith(c, PR_OP_ADD, col_expr(c, wcols[0]), step, pos)))
        return K_ERR;
    PlRel *rec = pl__rel_new(c, PL_RECURSIVE, nf + 1);
    if (!rec) return K_ERR;
    rec->left = af;
    rec->right = tp;
    rec->all = true;
    rec->wt_id = wt;
    rec->limit = 10000; /* recursive.c's iteration limit: series of at most 10000 values */
    rec->rows = 100;
    const char *nm = rf->func->name;
    if (rf->alias && pr_list_len(rf->alias->colnames) > 0)
        nm = PR_CAST(Ident, rf->alias->colnames->items[0])->name;
    else if (rf->alias)
        nm = rf->alias->name;
    for (uint32_t i = 0; i <= nf; i++)
        if ((rec->cols[i] = pl__new_col(c, c->cols[ap->cols[i]].type,
                                        i == 0 ? nm : c->cols[ap->cols[i]].name)) < 0)
            return K_ERR;
    /* the correlation F' = F: a filter the unnesting pulls out */
    PlRel *cf = pl__rel_new(c, PL_FILTER, nf + 1);
    if (!cf || !(cf->quals = pl__alloc(c, sizeof(ExExpr *) * nf))) return K_ERR;
    cf->left = rec;
    memcpy(cf->cols, rec->cols, sizeof(int32_t) * (nf + 1));
    cf->nquals = nf;
    for (uint32_t i = 0; i < nf; i++)
        if (!(cf->quals[i] = pl__make_compare(c, EX_FN_EQ, col_expr(c, rec->cols[i + 1]),
                                              col_expr(c, F[i]), pos)))
            return K_ERR;
    PlRel *pr = cf;
    if (arr) {
        /* the element a[s] (over F') in place of s, under the correlation filter */
        ExExpr *toR[16];
        for (uint32_t i = 0; i < nf; i++)
            if (!(toR[i] = col_expr(c, rec->cols[i + 1]))) return K_ERR;
        ExExpr *ar = pl__expr_copy_map(c, arr, F, toR, nf);
        ExExpr *el = ar ? func(c, EX_FN_ARRAY_SUBSCRIPT, k_type_varchar(0), pos, 2, ar,
                               col_expr(c, rec->cols[0]))
                        : NULL;
        if (!el) return K_ERR;
        KType et = k_array_elem_type((KArrayElem)arr->type.array);
        if (!k_type_is_string(et)) {
            ExExpr *cs = pl__expr_new(c, EX_EXPR_CAST, et, 1, pos);
            if (!cs) return K_ERR;
            cs->args[0] = el;
            el = cs;
        }
        PlRel *vp = pl__rel_new(c, PL_PROJECT, nf + 1);
        if (!vp || !(vp->exprs = pl__alloc(c, sizeof(ExExpr *) * (nf + 1)))) return K_ERR;
        vp->left = rec;
        if ((vp->cols[0] = pl__new_col(c, et, nm)) < 0) return K_ERR;
        vp->exprs[0] = el;
        for (uint32_t i = 0; i < nf; i++) {
            vp->cols[i + 1] = rec->cols[i + 1];
            vp->exprs[i + 1] = toR[i];
        }
        cf->left = vp;
        memcpy(cf->cols, vp->cols, sizeof(int32_t) * (nf + 1));
    }
    *colname = nm;
    *out = pr;
    return K_OK;
}

/*
 * unnest(array) and generate_series(start, stop [, step]) in FROM, whose
 * arguments fold to constants: a VALUES of their rows (at most
 * MAX_SRF_ROWS). Arguments that read columns (a lateral or correlated call)
 * are 0A000. The column is named by the alias's column list, else the
 * alias, else the function (PostgreSQL's rule for a scalar function).
 */
int
pl__bind_range_function(PlCtx *c, PlScope *s, const PrRangeFunction *rf, PlRel **out,
                        const char **colname)
{
    const PrFuncCall *f = rf->func;
    int32_t pos = f->hdr.pos;
    bool series = strcmp(f->name, "generate_series") == 0, un = strcmp(f->name, "unnest") == 0;
    if ((!series && !un) || (f->schema && strcmp(f->schema, "pg_catalog") != 0))
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                          "function %s in FROM is not supported (unnest and generate_series are)",
                          f->name);
    uint32_t na = (uint32_t)pr_list_len(f->args);
    if ((un && na != 1) || (series && (na < 2 || na > 3)))
        return k_error_at(c->err, K_UNDEFINED_FUNCTION, pos,
                          "function %s with %u arguments does not exist", f->name, na);
    ExExpr *args[3];
    for (uint32_t i = 0; i < na; i++) {
        args[i] = pl__bind_expr_in(c, s, f->args->items[i], pl__scope_attach(s));
        if (!args[i]) return K_ERR;
        args[i] = afold(c, args[i]);
        if (!args[i]) return K_ERR;
    }
    bool correlated = false;
    for (uint32_t i = 0; i < na; i++) correlated |= !pl__is_const(args[i]);
    if (correlated) return series_by_recursion(c, s, rf, args, na, out, colname);
    PlRel *v;
    KType t;
    if (series) {
        t = k_type(K_TYPE_INT32);
        for (uint32_t i = 0; i < na; i++) {
            if (args[i]->type.id == K_TYPE_UNKNOWN)
                args[i] = pl__coerce(c, args[i], k_type(K_TYPE_INT32), pos);
            if (!args[i]) return K_ERR;
            if (args[i]->type.id == K_TYPE_INT64)
                t = k_type(K_TYPE_INT64);
            else if (args[i]->type.id != K_TYPE_INT32) {
                char buf[64];
                k_type_name(args[i]->type, buf, sizeof buf);
                return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, pos,
                                  "generate_series over %s is not supported (integers are)", buf);
            }
        }
        int64_t a[3] = {0, 0, 1};
        for (uint32_t i = 0; i < na; i++) {
            ExValue x;
            bool isnull;
            ExExpr *e = pl__coerce(c, args[i], k_type(K_TYPE_INT64), pos);
            if (!e || eval_const(c, e, &x, &isnull) != K_OK) return K_ERR;
            if (isnull) { /* a NULL argument: no rows */
                a[0] = 1;
                a[1] = 0;
                a[2] = 1;
                break;
            }
            a[i] = x.i64;
        }
        if (a[2] == 0)
            return k_error_at(c->err, K_INVALID_PARAMETER_VALUE, pos,
                              "step size cannot equal zero");
        k_int128 n = a[2] > 0 ? (a[1] >= a[0] ? ((k_int128)a[1] - a[0]) / a[2] + 1 : 0)
                              : (a[1] <= a[0] ? ((k_int128)a[0] - a[1]) / -(k_int128)a[2] + 1 : 0);
        if (n > MAX_SRF_ROWS)
            return k_error_at(c->err, K_PROGRAM_LIMIT_EXCEEDED, pos,
                              "generate_series in FROM gives at most %d rows in Kestrel",
                              MAX_SRF_ROWS);
        v = pl__rel_new(c, PL_VALUES, 1);
        if (!v || !(v->cells = pl__alloc(c, sizeof(ExExpr *) * ((size_t)n + 1)))) return K_ERR;
        v->nrows = (uint32_t)n;
        for (uint32_t r = 0; r < (uint32_t)n; r++) {
            int64_t x = a[0] + (int64_t)r * a[2];
            v->cells[r] = t.id == K_TYPE_INT32 ? ex_expr_const_i32(c->a, (int32_t)x)
                                               : ex_expr_const_i64(c->a, x);
            if (!v->cells[r]) return pl__oom(c);
        }
    } else {
        ExExpr *arr = as_array(c, args[0], "unnest", pos);
        if (!arr) return K_ERR;
        t = k_array_elem_type((KArrayElem)arr->type.array);
        ExValue x;
        bool isnull;
        ExExpr *card = func(c, EX_FN_ARRAY_CARDINALITY, k_type(K_TYPE_INT32), pos, 1, arr, NULL);
        if (!card || eval_const(c, card, &x, &isnull) != K_OK) return K_ERR;
        int32_t n = isnull ? 0 : x.i32;
        if (n > MAX_SRF_ROWS)
            return k_error_at(c->err, K_PROGRAM_LIMIT_EXCEEDED, pos,
                              "unnest in FROM gives at most %d rows in Kestrel", MAX_SRF_ROWS);
        v = pl__rel_new(c, PL_VALUES, 1);
        if (!v || !(v->cells = pl__alloc(c, sizeof(ExExpr *) * ((size_t)n + 1)))) return K_ERR;
        v->nrows = (uint32_t)n;
        for (int32_t r = 0; r < n; r++) {
            ExExpr *sub =
                func(c, EX_FN_ARRAY_SUBSCRIPT, k_type_varchar(0), pos, 2, arr, i32_const(c, r + 1));
            if (!sub || !sub->args[1]) return K_ERR;
            ExExpr *e = sub;
            if (!k_type_is_string(t)) {
                e = pl__expr_new(c, EX_EXPR_CAST, t, 1, pos);
                if (!e) return K_ERR;
                e->args[0] = sub;
            }
            if (eval_const(c, e, &x, &isnull) != K_OK) return K_ERR;
            ExExpr *cell = isnull ? ex_expr_const_null(c->a, t) : ex_expr_const(c->a, t, false, &x);
            if (!cell) return pl__oom(c);
            v->cells[r] = cell;
        }
    }
    const char *nm = f->name;
    if (rf->alias && pr_list_len(rf->alias->colnames) > 0)
        nm = PR_CAST(Ident, rf->alias->colnames->items[0])->name;
    else if (rf->alias)
        nm = rf->alias->name;
    if (rf->alias && pr_list_len(rf->alias->colnames) > 1)
        return k_error_at(c->err, K_SYNTAX_ERROR, rf->alias->hdr.pos,
                          "too many column aliases specified for function %s", f->name);
    if ((v->cols[0] = pl__new_col(c, t, nm)) < 0) return K_ERR;
    *colname = nm;
    *out = v;
    return K_OK;
}
