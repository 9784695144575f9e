/*
 * expr.c — building, copying, comparing and printing bound expressions;
 * aggregate typing rules; value helpers (compare, hash, copy) shared by
 * the operators.
 *
 * Interface routines: ex_expr_* constructors, ex_expr_copy, ex_expr_equal,
 * ex_expr_print, ex_func_name, ex_agg_result_type, ex_agg_state_types,
 * ex_agg_name, ex_plan_new, ex__phys, ex__cmp_slot, ex__eq_slot,
 * ex__hash_slot, ex__hash_rows, ex__vec_copy_rows, ex__vec_set.
 */
#include "exec/exec_int.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Constructors                                                         */
/* ------------------------------------------------------------------ */
static ExExpr *
new_expr(KArena *a, ExExprKind kind, KType t)
{
    ExExpr *e = k_alloc0(a, sizeof *e);
    if (!e) return NULL;
    e->kind = (uint8_t)kind;
    e->type = t;
    e->pos = -1;
    return e;
}

ExExpr *
ex_expr_const(KArena *a, KType t, bool is_null, const ExValue *v)
{
    ExExpr *e = new_expr(a, EX_EXPR_CONST, t);
    if (!e) return NULL;
    e->u.konst.is_null = is_null;
    if (!is_null && v) e->u.konst.v = *v;
    return e;
}

ExExpr *
ex_expr_const_i32(KArena *a, int32_t v)
{
    ExValue x = {0};
    x.i32 = v;
    return ex_expr_const(a, k_type(K_TYPE_INT32), false, &x);
}

ExExpr *
ex_expr_const_i64(KArena *a, int64_t v)
{
    ExValue x = {0};
    x.i64 = v;
    return ex_expr_const(a, k_type(K_TYPE_INT64), false, &x);
}

ExExpr *
ex_expr_const_f64(KArena *a, double v)
{
    ExValue x = {0};
    x.f64 = v;
    return ex_expr_const(a, k_type(K_TYPE_DOUBLE), false, &x);
}

ExExpr *
ex_expr_const_bool(KArena *a, bool v)
{
    ExValue x = {0};
    x.b = v;
    return ex_expr_const(a, k_type(K_TYPE_BOOL), false, &x);
}

ExExpr *
ex_expr_const_dec(KArena *a, int precision, int scale, k_int128 v)
{
    ExValue x = {0};
    KType t = k_type_decimal(precision, scale);
    ex__dec_put(t, &x, v);
    return ex_expr_const(a, t, false, &x);
}

ExExpr *
ex_expr_const_date(KArena *a, int32_t days)
{
    ExValue x = {0};
    x.i32 = days;
    return ex_expr_const(a, k_type(K_TYPE_DATE), false, &x);
}

ExExpr *
ex_expr_const_str(KArena *a, const char *s, size_t n)
{
    ExValue x = {0};
    if (!k_str_copy(a, s, (uint32_t)n, &x.str)) return NULL;
    return ex_expr_const(a, k_type_varchar(0), false, &x);
}

ExExpr *
ex_expr_const_null(KArena *a, KType t)
{
    return ex_expr_const(a, t, true, NULL);
}

ExExpr *
ex_expr_column(KArena *a, KType t, uint32_t index)
{
    ExExpr *e = new_expr(a, EX_EXPR_COLUMN, t);
    if (e) e->u.column.index = index;
    return e;
}

ExExpr *
ex_expr_param(KArena *a, KType t, uint32_t index)
{
    ExExpr *e = new_expr(a, EX_EXPR_PARAM, t);
    if (e) e->u.param.index = index;
    return e;
}

ExExpr *
ex_expr_node(KArena *a, ExExprKind kind, KType t, uint32_t nargs, ExExpr *const *args)
{
    ExExpr *e = new_expr(a, kind, t);
    if (!e) return NULL;
    e->nargs = nargs;
    if (nargs) {
        e->args = k_alloc(a, sizeof(ExExpr *) * nargs);
        if (!e->args) return NULL;
        for (uint32_t i = 0; i < nargs; i++) {
            if (!args[i]) return NULL;
            e->args[i] = args[i];
        }
    }
    return e;
}

ExExpr *
ex_expr_func(KArena *a, ExFunc fn, KType t, uint32_t nargs, ExExpr *const *args)
{
    ExExpr *e = ex_expr_node(a, EX_EXPR_FUNC, t, nargs, args);
    if (e) e->u.func.fn = (uint16_t)fn;
    return e;
}

ExExpr *
ex_expr_func1(KArena *a, ExFunc fn, KType t, ExExpr *x)
{
    return ex_expr_func(a, fn, t, 1, &x);
}

ExExpr *
ex_expr_func2(KArena *a, ExFunc fn, KType t, ExExpr *x, ExExpr *y)
{
    ExExpr *args[2] = {x, y};
    return ex_expr_func(a, fn, t, 2, args);
}

ExExpr *
ex_expr_cast(KArena *a, ExExpr *x, KType to)
{
    return ex_expr_node(a, EX_EXPR_CAST, to, 1, &x);
}

ExExpr *
ex_expr_copy(KArena *a, const ExExpr *e)
{
    if (!e) return NULL;
    ExExpr *c = k_alloc(a, sizeof *c);
    if (!c) return NULL;
    *c = *e;
    if (e->kind == EX_EXPR_CONST && !e->u.konst.is_null && k_type_is_string(e->type)) {
        const KStr *s = &e->u.konst.v.str;
        if (!k_str_copy(a, k_str_data(s), s->len, &c->u.konst.v.str)) return NULL;
    }
    if (e->nargs) {
        c->args = k_alloc(a, sizeof(ExExpr *) * e->nargs);
        if (!c->args) return NULL;
        for (uint32_t i = 0; i < e->nargs; i++)
            if (!(c->args[i] = ex_expr_copy(a, e->args[i]))) return NULL;
    }
    return c;
}

bool
ex_expr_equal(const ExExpr *x, const ExExpr *y)
{
    if (x == y) return true;
    if (!x || !y) return false;
    if (x->kind != y->kind || !k_type_equal(x->type, y->type) || x->nargs != y->nargs)
        return false;
    switch ((ExExprKind)x->kind) {
    case EX_EXPR_CONST:
        if (x->u.konst.is_null != y->u.konst.is_null) return false;
        if (!x->u.konst.is_null && !ex__eq_slot(x->type, &x->u.konst.v, &y->u.konst.v))
            return false;
        break;
    case EX_EXPR_COLUMN:
        if (x->u.column.index != y->u.column.index) return false;
        break;
    case EX_EXPR_PARAM:
        if (x->u.param.index != y->u.param.index) return false;
        break;
    case EX_EXPR_FUNC:
        if (x->u.func.fn != y->u.func.fn || x->u.func.part != y->u.func.part) return false;
        break;
    case EX_EXPR_IN:
        if (x->u.in.negated != y->u.in.negated) return false;
        break;
    default:
        break;
    }
    for (uint32_t i = 0; i < x->nargs; i++)
        if (!ex_expr_equal(x->args[i], y->args[i])) return false;
    return true;
}

/* ------------------------------------------------------------------ */
/* Names and printing                                                   */
/* ------------------------------------------------------------------ */
static const char *const func_names[EX_FN_COUNT_] = {
    [EX_FN_ADD] = "+", [EX_FN_SUB] = "-", [EX_FN_MUL] = "*", [EX_FN_DIV] = "/",
    [EX_FN_MOD] = "%", [EX_FN_NEG] = "-", [EX_FN_ABS] = "abs", [EX_FN_EQ] = "=",
    [EX_FN_NE] = "<>", [EX_FN_LT] = "<", [EX_FN_LE] = "<=", [EX_FN_GT] = ">",
    [EX_FN_GE] = ">=", [EX_FN_CONCAT] = "||", [EX_FN_LIKE] = "~~", [EX_FN_NOT_LIKE] = "!~~",
    [EX_FN_ILIKE] = "~~*", [EX_FN_NOT_ILIKE] = "!~~*", [EX_FN_SUBSTRING] = "substring",
    [EX_FN_POSITION] = "position", [EX_FN_LENGTH] = "length", [EX_FN_UPPER] = "upper",
    [EX_FN_LOWER] = "lower", [EX_FN_TRIM] = "btrim", [EX_FN_LTRIM] = "ltrim",
    [EX_FN_RTRIM] = "rtrim", [EX_FN_REPLACE] = "replace", [EX_FN_ROUND] = "round",
    [EX_FN_FLOOR] = "floor", [EX_FN_CEIL] = "ceil", [EX_FN_EXTRACT] = "extract",
    [EX_FN_DATE_TRUNC] = "date_trunc", [EX_FN_DATE_ADD_DAYS] = "+",
    [EX_FN_DATE_SUB_DAYS] = "-", [EX_FN_DATE_ADD_INTERVAL] = "+",
    [EX_FN_DATE_SUB_INTERVAL] = "-", [EX_FN_TS_ADD_INTERVAL] = "+",
    [EX_FN_TS_SUB_INTERVAL] = "-", [EX_FN_DATE_DIFF] = "-",
    [EX_FN_SINGLE_ROW_CHECK] = "single_row_check", [EX_FN_ARRAY_IN] = "array_in",
    [EX_FN_ARRAY_ANY_EQ] = "= ANY", [EX_FN_ARRAY_SUBSCRIPT] = "array_subscript",
    [EX_FN_ARRAY_UPPER] = "array_upper", [EX_FN_ARRAY_LENGTH] = "array_length",
    [EX_FN_ARRAY_CARDINALITY] = "cardinality", [EX_FN_ARRAY_CAT] = "array_cat",
    [EX_FN_ARRAY_BUILD] = "array", [EX_FN_ARRAY_FROM_LIST] = "array_from_list",
    [EX_FN_LIST_JOIN] = "list_join",
};

const char *
ex_func_name(ExFunc fn)
{
    return (unsigned)fn < EX_FN_COUNT_ && func_names[fn] ? func_names[fn] : "?";
}

static bool
func_is_infix(ExFunc fn)
{
    switch (fn) {
    case EX_FN_ADD: case EX_FN_SUB: case EX_FN_MUL: case EX_FN_DIV: case EX_FN_MOD:
    case EX_FN_EQ: case EX_FN_NE: case EX_FN_LT: case EX_FN_LE: case EX_FN_GT: case EX_FN_GE:
    case EX_FN_CONCAT: case EX_FN_LIKE: case EX_FN_NOT_LIKE: case EX_FN_ILIKE:
    case EX_FN_NOT_ILIKE: case EX_FN_DATE_ADD_DAYS: case EX_FN_DATE_SUB_DAYS:
    case EX_FN_DATE_ADD_INTERVAL: case EX_FN_DATE_SUB_INTERVAL: case EX_FN_TS_ADD_INTERVAL:
    case EX_FN_TS_SUB_INTERVAL: case EX_FN_DATE_DIFF:
        return true;
    default:
        return false;
    }
}

static const char *const part_names[] = {"year", "quarter", "month", "week", "day", "dow",
                                         "doy", "hour", "minute", "second", "epoch",
                                         "decade", "century"};

static void
print_args(const ExExpr *e, uint32_t from, KBuf *out)
{
    for (uint32_t i = from; i < e->nargs; i++) {
        if (i > from) k_buf_put(out, ", ", 2);
        ex_expr_print(e->args[i], out);
    }
}

void
ex_expr_print(const ExExpr *e, KBuf *out)
{
    char buf[128];
    if (!e) {
        k_buf_printf(out, "NULL");
        return;
    }
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
        if (e->u.konst.is_null) {
            k_buf_printf(out, "NULL");
        } else if (k_type_is_string(e->type)) {
            const KStr *s = &e->u.konst.v.str;
            k_buf_printf(out, "'%.*s'", (int)s->len, k_str_data(s));
        } else {
            k_value_format(e->type, &e->u.konst.v, buf, sizeof buf);
            k_buf_printf(out, "%s", buf);
        }
        break;
    case EX_EXPR_COLUMN: k_buf_printf(out, "#%u", e->u.column.index); break;
    case EX_EXPR_PARAM: k_buf_printf(out, "$%u", e->u.param.index + 1); break;
    case EX_EXPR_FUNC: {
        ExFunc fn = (ExFunc)e->u.func.fn;
        if (fn == EX_FN_NEG) {
            k_buf_printf(out, "(- ");
            ex_expr_print(e->args[0], out);
            k_buf_printf(out, ")");
        } else if (func_is_infix(fn) && e->nargs == 2) {
            k_buf_printf(out, "(");
            ex_expr_print(e->args[0], out);
            k_buf_printf(out, " %s ", ex_func_name(fn));
            ex_expr_print(e->args[1], out);
            k_buf_printf(out, ")");
        } else if (fn == EX_FN_EXTRACT || fn == EX_FN_DATE_TRUNC) {
            k_buf_printf(out, "%s(%s, ", ex_func_name(fn),
                         e->u.func.part < K_ARRAY_LEN(part_names) ? part_names[e->u.func.part]
                                                                  : "?");
            print_args(e, 0, out);
            k_buf_printf(out, ")");
        } else {
            k_buf_printf(out, "%s(", ex_func_name(fn));
            print_args(e, 0, out);
            k_buf_printf(out, ")");
        }
        break;
    }
    case EX_EXPR_AND:
    case EX_EXPR_OR:
        k_buf_printf(out, "(");
        for (uint32_t i = 0; i < e->nargs; i++) {
            if (i) k_buf_printf(out, e->kind == EX_EXPR_AND ? " AND " : " OR ");
            ex_expr_print(e->args[i], out);
        }
        k_buf_printf(out, ")");
        break;
    case EX_EXPR_NOT:
        k_buf_printf(out, "(NOT ");
        ex_expr_print(e->args[0], out);
        k_buf_printf(out, ")");
        break;
    case EX_EXPR_IS_NULL:
    case EX_EXPR_IS_NOT_NULL:
        k_buf_printf(out, "(");
        ex_expr_print(e->args[0], out);
        k_buf_printf(out, e->kind == EX_EXPR_IS_NULL ? " IS NULL)" : " IS NOT NULL)");
        break;
    case EX_EXPR_IS_DISTINCT:
    case EX_EXPR_IS_NOT_DISTINCT:
        k_buf_printf(out, "(");
        ex_expr_print(e->args[0], out);
        k_buf_printf(out, e->kind == EX_EXPR_IS_DISTINCT ? " IS DISTINCT FROM "
                                                         : " IS NOT DISTINCT FROM ");
        ex_expr_print(e->args[1], out);
        k_buf_printf(out, ")");
        break;
    case EX_EXPR_CASE:
        k_buf_printf(out, "CASE");
        for (uint32_t i = 0; i + 1 < e->nargs; i += 2) {
            k_buf_printf(out, " WHEN ");
            ex_expr_print(e->args[i], out);
            k_buf_printf(out, " THEN ");
            ex_expr_print(e->args[i + 1], out);
        }
        if (e->nargs & 1) {
            k_buf_printf(out, " ELSE ");
            ex_expr_print(e->args[e->nargs - 1], out);
        }
        k_buf_printf(out, " END");
        break;
    case EX_EXPR_COALESCE: k_buf_printf(out, "COALESCE("); print_args(e, 0, out); k_buf_printf(out, ")"); break;
    case EX_EXPR_NULLIF: k_buf_printf(out, "NULLIF("); print_args(e, 0, out); k_buf_printf(out, ")"); break;
    case EX_EXPR_GREATEST: k_buf_printf(out, "GREATEST("); print_args(e, 0, out); k_buf_printf(out, ")"); break;
    case EX_EXPR_LEAST: k_buf_printf(out, "LEAST("); print_args(e, 0, out); k_buf_printf(out, ")"); break;
    case EX_EXPR_IN:
        k_buf_printf(out, "(");
        ex_expr_print(e->args[0], out);
        k_buf_printf(out, e->u.in.negated ? " NOT IN (" : " IN (");
        print_args(e, 1, out);
        k_buf_printf(out, "))");
        break;
    case EX_EXPR_CAST:
        k_buf_printf(out, "CAST(");
        ex_expr_print(e->args[0], out);
        k_buf_printf(out, " AS %s)", k_type_name(e->type, buf, sizeof buf));
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Aggregate typing                                                     */
/* ------------------------------------------------------------------ */
KType
ex_agg_result_type(ExAggFunc f, KType arg)
{
    switch (f) {
    case EX_AGG_COUNT_STAR:
    case EX_AGG_COUNT: return k_type(K_TYPE_INT64);
    case EX_AGG_SUM:
        switch ((KTypeId)arg.id) {
        case K_TYPE_INT32: return k_type(K_TYPE_INT64);
        case K_TYPE_INT64: return k_type_decimal(38, 0);
        case K_TYPE_DECIMAL: return k_type_decimal(38, arg.scale);
        default: return k_type(K_TYPE_DOUBLE);
        }
    case EX_AGG_AVG:
        switch ((KTypeId)arg.id) {
        case K_TYPE_INT32:
        case K_TYPE_INT64: return k_type_decimal(38, 6);
        case K_TYPE_DECIMAL: return k_type_decimal(38, K_MAX(arg.scale, 6));
        default: return k_type(K_TYPE_DOUBLE);
        }
    case EX_AGG_BOOL_AND:
    case EX_AGG_BOOL_OR: return k_type(K_TYPE_BOOL);
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP: return k_type(K_TYPE_DOUBLE);
    default: return arg;
    }
}

uint32_t
ex_agg_state_types(ExAggFunc f, KType arg, KType types[3])
{
    switch (f) {
    case EX_AGG_COUNT_STAR:
    case EX_AGG_COUNT: types[0] = k_type(K_TYPE_INT64); return 1;
    case EX_AGG_SUM: types[0] = ex_agg_result_type(f, arg); return 1;
    case EX_AGG_AVG:
        if (arg.id == K_TYPE_DOUBLE) types[0] = k_type(K_TYPE_DOUBLE);
        else types[0] = k_type_decimal(38, arg.id == K_TYPE_DECIMAL ? arg.scale : 0);
        types[1] = k_type(K_TYPE_INT64);
        return 2;
    case EX_AGG_STDDEV_SAMP:
    case EX_AGG_VAR_SAMP:
        types[0] = k_type(K_TYPE_INT64);
        types[1] = k_type(K_TYPE_DOUBLE);
        types[2] = k_type(K_TYPE_DOUBLE);
        return 3;
    case EX_AGG_BOOL_AND:
    case EX_AGG_BOOL_OR: types[0] = k_type(K_TYPE_BOOL); return 1;
    default: types[0] = arg; return 1;
    }
}

const char *
ex_agg_name(ExAggFunc f)
{
    static const char *const names[] = {"count(*)", "count", "sum", "avg", "min", "max",
                                        "bool_and", "bool_or", "stddev_samp", "var_samp",
                                        "any_value", "list"};
    return (unsigned)f < K_ARRAY_LEN(names) ? names[f] : "?";
}

/* ------------------------------------------------------------------ */
/* Plans                                                                */
/* ------------------------------------------------------------------ */
ExPlan *
ex_plan_new(KArena *a, ExPlanKind kind, uint32_t ncols, const KType *types)
{
    ExPlan *p = k_alloc0(a, sizeof *p);
    if (!p) return NULL;
    p->kind = (uint8_t)kind;
    p->ncols = ncols;
    p->est_rows = -1;
    if (ncols) {
        p->types = k_alloc(a, sizeof(KType) * ncols);
        if (!p->types) return NULL;
        memcpy(p->types, types, sizeof(KType) * ncols);
    }
    if (kind == EX_OP_HASH_JOIN) p->u.join.rf_produce = -1;
    if (kind == EX_OP_SORT) p->u.sort.limit = -1;
    if (kind == EX_OP_LIMIT) p->u.limit.limit = -1;
    return p;
}

const char *
ex_plan_kind_name(ExPlanKind k)
{
    static const char *const names[] = {"Scan", "Filter", "Project", "Hash Join",
                                        "Nested Loop", "Hash Aggregate", "Sort", "Limit",
                                        "Window", "SetOp", "Values", "Exchange Source",
                                        "Recursive Union", "WorkTable Scan"};
    return (unsigned)k < K_ARRAY_LEN(names) ? names[k] : "?";
}

const char *
ex_join_type_name(ExJoinType t)
{
    static const char *const names[] = {"Inner", "Left", "Right", "Full", "Semi", "Anti",
                                        "Null-Aware Anti", "Mark"};
    return (unsigned)t < K_ARRAY_LEN(names) ? names[t] : "?";
}

/* ------------------------------------------------------------------ */
/* Value helpers                                                        */
/* ------------------------------------------------------------------ */
ExPhys
ex__phys(KType t)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: return EX_P_U8;
    case K_TYPE_INT32:
    case K_TYPE_DATE: return EX_P_I32;
    case K_TYPE_DECIMAL: return t.precision > K_DECIMAL_INT64_PRECISION ? EX_P_I128 : EX_P_I64;
    case K_TYPE_DOUBLE: return EX_P_F64;
    case K_TYPE_INTERVAL: return EX_P_IV;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: return EX_P_STR;
    default: return EX_P_I64;
    }
}

static inline int
cmp_f64(double a, double b)
{
    if (isnan(a)) return isnan(b) ? 0 : 1;
    if (isnan(b)) return -1;
    return (a > b) - (a < b);
}

static inline k_int128
iv_key(const KInterval *v)
{
    return (k_int128)v->micros + ((k_int128)v->days + (k_int128)v->months * 30) * K_USECS_PER_DAY;
}

int
ex__cmp_slot(KType t, const void *a, const void *b)
{
    switch (ex__phys(t)) {
    case EX_P_U8: return (*(const uint8_t *)a > *(const uint8_t *)b) - (*(const uint8_t *)a < *(const uint8_t *)b);
    case EX_P_I32: return (*(const int32_t *)a > *(const int32_t *)b) - (*(const int32_t *)a < *(const int32_t *)b);
    case EX_P_I64: return (*(const int64_t *)a > *(const int64_t *)b) - (*(const int64_t *)a < *(const int64_t *)b);
    case EX_P_I128: {
        k_int128 x, y;
        memcpy(&x, a, 16);
        memcpy(&y, b, 16);
        return (x > y) - (x < y);
    }
    case EX_P_F64: return cmp_f64(*(const double *)a, *(const double *)b);
    case EX_P_STR: {
        int c = k_str_cmp(a, b);
        return (c > 0) - (c < 0);
    }
    case EX_P_IV: {
        k_int128 x = iv_key(a), y = iv_key(b);
        return (x > y) - (x < y);
    }
    }
    return 0;
}

/* The inline bytes of a short string as two words, bytes past len zeroed
 * (fixed-size loads, no call). */
static inline void
short_words(const KStr *s, uint64_t *w0, uint64_t *w1)
{
    uint64_t a;
    uint32_t b;
    memcpy(&a, s->u.inl, 8);
    memcpy(&b, s->u.inl + 8, 4);
    uint32_t n = s->len;
    *w0 = n >= 8 ? a : (a & ((UINT64_C(1) << (8 * n)) - 1));
    *w1 = n <= 8 ? 0 : (n >= 12 ? b : (b & ((UINT32_C(1) << (8 * (n - 8))) - 1)));
}

bool
ex__eq_slot(KType t, const void *a, const void *b)
{
    if (ex__phys(t) == EX_P_STR) {
        const KStr *x = a, *y = b;
        if (x->len != y->len) return false;
        if (x->len <= K_STR_INLINE) {
            uint64_t a0, a1, b0, b1;
            short_words(x, &a0, &a1);
            short_words(y, &b0, &b1);
            return a0 == b0 && a1 == b1;
        }
        return k_str_eq(x, y);
    }
    switch (ex__phys(t)) {
    case EX_P_U8: return *(const uint8_t *)a == *(const uint8_t *)b;
    case EX_P_I32: return *(const int32_t *)a == *(const int32_t *)b;
    case EX_P_I64: return *(const int64_t *)a == *(const int64_t *)b;
    case EX_P_STR: return k_str_eq(a, b);
    default: return ex__cmp_slot(t, a, b) == 0;
    }
}

uint64_t
ex__hash_slot(KType t, const void *slot)
{
    switch (ex__phys(t)) {
    case EX_P_U8: return k_hash_u64(*(const uint8_t *)slot);
    case EX_P_I32: return k_hash_u64((uint64_t)(int64_t)*(const int32_t *)slot);
    case EX_P_I64: return k_hash_u64((uint64_t)*(const int64_t *)slot);
    case EX_P_I128: {
        k_int128 v;
        memcpy(&v, slot, 16);
        return k_hash_combine(k_hash_u64((uint64_t)v), (uint64_t)(v >> 64));
    }
    case EX_P_F64: {
        double d = *(const double *)slot;
        if (d == 0) d = 0; /* -0.0 */
        if (isnan(d)) d = NAN;
        uint64_t u;
        memcpy(&u, &d, 8);
        return k_hash_u64(u);
    }
    case EX_P_STR: {
        const KStr *s = slot;
        if (s->len <= K_STR_INLINE) {
            uint64_t w0, w1;
            short_words(s, &w0, &w1);
            return k_hash_u64(w0 ^ k_hash_u64(w1 ^ ((uint64_t)s->len << 56)));
        }
        return k_hash_bytes(k_str_data(s), s->len, 0x5bd1e995);
    }
    case EX_P_IV: {
        k_int128 v = iv_key(slot);
        return k_hash_combine(k_hash_u64((uint64_t)v), (uint64_t)(v >> 64));
    }
    }
    return 0;
}

void
ex__hash_rows(KVector **keys, uint32_t nkeys, const uint16_t *sel, uint32_t n, uint64_t *h)
{
    for (uint32_t k = 0; k < nkeys; k++) {
        const KVector *v = keys[k];
        ExPhys ph = ex__phys(v->type);
        bool cst = v->flags & K_VEC_CONST;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            uint32_t pr = cst ? 0 : r;
            uint64_t x;
            if (!k_vec_is_valid(v, r)) {
                x = 0x2545f4914f6cdd1dULL;
            } else if (ph == EX_P_I32) {
                x = k_hash_u64((uint64_t)(int64_t)((const int32_t *)v->data)[pr]);
            } else if (ph == EX_P_I64) {
                x = k_hash_u64((uint64_t)((const int64_t *)v->data)[pr]);
            } else {
                x = ex__hash_slot(v->type, k_vec_slot(v, r));
            }
            h[i] = k ? k_hash_combine(h[i], x) : x;
        }
    }
}

int
ex__str_own(KArena *a, KStr *s, KErr *err)
{
    if (s->len <= K_STR_INLINE) return K_OK;
    KStr c;
    if (!k_str_copy(a, s->u.p.ptr, s->len, &c)) return k_error_oom(err, a, s->len);
    *s = c;
    return K_OK;
}

int
ex__vec_copy_rows(KVector *dst, const uint16_t *dst_rows, const KVector *src,
                  const uint16_t *src_rows, uint32_t n, KArena *a, KErr *err)
{
    size_t w = k_type_width(src->type);
    bool cst = src->flags & K_VEC_CONST;
    char *d = dst->data;
    const char *s = src->data;
    /* a constant width per case, so the copy is one load and store per row
     * instead of a memcpy call */
#define EX_COPY_ROWS(W)                                                                        \
    for (uint32_t i = 0; i < n; i++) {                                                         \
        uint32_t dr = dst_rows ? dst_rows[i] : i;                                              \
        uint32_t sr = src_rows ? src_rows[i] : i;                                              \
        memcpy(d + (size_t)dr * (W), s + (size_t)(cst ? 0 : sr) * (W), (W));                  \
    }
    switch (w) {
    case 1: EX_COPY_ROWS(1); break;
    case 4: EX_COPY_ROWS(4); break;
    case 8: EX_COPY_ROWS(8); break;
    case 16: EX_COPY_ROWS(16); break;
    default: EX_COPY_ROWS(w); break;
    }
#undef EX_COPY_ROWS
    if (src->validity || dst->validity) {
        if (k_vector_ensure_validity(dst, a, err)) return K_ERR;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t dr = dst_rows ? dst_rows[i] : i;
            uint32_t sr = src_rows ? src_rows[i] : i;
            k_vec_set_valid(dst, dr, k_vec_is_valid(src, sr));
        }
    }
    return K_OK;
}

int
ex__vec_set(KVector *dst, uint32_t drow, const KVector *src, uint32_t srow, KArena *a,
            KArena *heap, KErr *err)
{
    size_t w = k_type_width(dst->type);
    bool valid = src ? k_vec_is_valid(src, srow) : false;
    if (!valid || dst->validity) {
        if (k_vector_ensure_validity(dst, a, err)) return K_ERR;
        k_vec_set_valid(dst, drow, valid);
    }
    char *d = (char *)dst->data + (size_t)drow * w;
    if (!valid) {
        memset(d, 0, w);
        return K_OK;
    }
    memcpy(d, k_vec_slot(src, srow), w);
    if (heap && k_type_is_string(dst->type)) return ex__str_own(heap, (KStr *)d, err);
    return K_OK;
}

KBatch *
ex__batch_new(KArena *a, uint32_t ncols, const KType *types, KErr *err)
{
    KBatch *b = k_batch_create(a, ncols, types, err);
    if (!b) return NULL;
    for (uint32_t i = 0; i < ncols; i++) {
        if (k_vector_ensure_validity(&b->cols[i], b->arena, err)) {
            k_batch_destroy(b);
            return NULL;
        }
        memset(b->cols[i].data, 0, (size_t)K_VECTOR_SIZE * k_type_width(types[i]));
    }
    return b;
}
