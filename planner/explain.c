/*
 * explain.c — EXPLAIN output: the fragment tree as text or JSON.
 *
 * Interface routines (planner_int.h): pl__explain_text, pl__explain_json.
 *
 * Fragments are printed root (coordinator) first, then each producer in the
 * order its exchange is met. Each operator line carries the estimated rows
 * and, where the planner made a choice, the label it left on the node
 * (join distribution, aggregation split, partitions to scan). Expressions
 * are printed with column names (the lowering kept each operator's input
 * names) so golden files can be read by eye.
 */
#include <stdio.h>

#include "planner/planner_int.h"

static void
put(KBuf *b, const char *s)
{
    k_buf_put(b, s, strlen(s));
}

static const char *
fn_sym(ExFunc fn)
{
    switch (fn) {
    case EX_FN_ADD: return "+";
    case EX_FN_SUB: return "-";
    case EX_FN_MUL: return "*";
    case EX_FN_DIV: return "/";
    case EX_FN_MOD: return "%";
    case EX_FN_EQ: return "=";
    case EX_FN_NE: return "<>";
    case EX_FN_LT: return "<";
    case EX_FN_LE: return "<=";
    case EX_FN_GT: return ">";
    case EX_FN_GE: return ">=";
    case EX_FN_CONCAT: return "||";
    case EX_FN_LIKE: return "LIKE";
    case EX_FN_NOT_LIKE: return "NOT LIKE";
    case EX_FN_ILIKE: return "ILIKE";
    case EX_FN_NOT_ILIKE: return "NOT ILIKE";
    default: return NULL;
    }
}

static const char *
fn_name(ExFunc fn)
{
    static const char *names[] = {
        "add", "sub", "mul", "div", "mod", "neg", "abs", "eq", "ne", "lt", "le", "gt", "ge",
        "concat", "like", "not_like", "ilike", "not_ilike", "substring", "position", "length",
        "upper", "lower", "trim", "ltrim", "rtrim", "replace", "round", "floor", "ceil", "extract",
        "date_trunc", "date_add_days", "date_sub_days", "date_add_interval", "date_sub_interval",
        "ts_add_interval", "ts_sub_interval", "date_diff"};
    return (unsigned)fn < K_ARRAY_LEN(names) ? names[fn] : "?";
}

static void
print_expr(KBuf *b, const ExExpr *e, const PlOpNames *nm)
{
    if (!e) {
        put(b, "?");
        return;
    }
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST: {
        if (e->u.konst.is_null) {
            put(b, "NULL");
            return;
        }
        char buf[256];
        int n = k_value_format(e->type, &e->u.konst.v, buf, sizeof buf);
        if (n < 0) n = 0;
        if (n >= (int)sizeof buf) n = sizeof buf - 1;
        buf[n] = 0;
        if (k_type_is_string(e->type) || e->type.id == K_TYPE_DATE || e->type.id == K_TYPE_INTERVAL ||
            e->type.id == K_TYPE_TIMESTAMP) {
            k_buf_put_u8(b, '\'');
            put(b, buf);
            k_buf_put_u8(b, '\'');
        } else
            put(b, buf);
        return;
    }
    case EX_EXPR_COLUMN:
        if (nm && e->u.column.index < nm->n) put(b, nm->names[e->u.column.index]);
        else k_buf_printf(b, "#%u", e->u.column.index);
        return;
    case EX_EXPR_PARAM:
        k_buf_printf(b, "$%u", e->u.param.index + 1);
        return;
    case EX_EXPR_FUNC: {
        ExFunc fn = (ExFunc)e->u.func.fn;
        const char *sym = fn_sym(fn);
        if (sym && e->nargs == 2) {
            k_buf_put_u8(b, '(');
            print_expr(b, e->args[0], nm);
            k_buf_printf(b, " %s ", sym);
            print_expr(b, e->args[1], nm);
            k_buf_put_u8(b, ')');
            return;
        }
        if (fn == EX_FN_NEG) {
            put(b, "-");
            print_expr(b, e->args[0], nm);
            return;
        }
        put(b, fn_name(fn));
        k_buf_put_u8(b, '(');
        for (uint32_t i = 0; i < e->nargs; i++) {
            if (i) put(b, ", ");
            print_expr(b, e->args[i], nm);
        }
        k_buf_put_u8(b, ')');
        return;
    }
    case EX_EXPR_AND:
    case EX_EXPR_OR:
        k_buf_put_u8(b, '(');
        for (uint32_t i = 0; i < e->nargs; i++) {
            if (i) put(b, e->kind == EX_EXPR_AND ? " AND " : " OR ");
            print_expr(b, e->args[i], nm);
        }
        k_buf_put_u8(b, ')');
        return;
    case EX_EXPR_NOT:
        put(b, "NOT ");
        print_expr(b, e->args[0], nm);
        return;
    case EX_EXPR_IS_NULL:
    case EX_EXPR_IS_NOT_NULL:
        k_buf_put_u8(b, '(');
        print_expr(b, e->args[0], nm);
        put(b, e->kind == EX_EXPR_IS_NULL ? " IS NULL)" : " IS NOT NULL)");
        return;
    case EX_EXPR_IS_DISTINCT:
    case EX_EXPR_IS_NOT_DISTINCT:
        k_buf_put_u8(b, '(');
        print_expr(b, e->args[0], nm);
        put(b, e->kind == EX_EXPR_IS_DISTINCT ? " IS DISTINCT FROM " : " IS NOT DISTINCT FROM ");
        print_expr(b, e->args[1], nm);
        k_buf_put_u8(b, ')');
        return;
    case EX_EXPR_IN:
        k_buf_put_u8(b, '(');
        print_expr(b, e->args[0], nm);
        put(b, e->u.in.negated ? " NOT IN (" : " IN (");
        for (uint32_t i = 1; i < e->nargs; i++) {
            if (i > 1) put(b, ", ");
            print_expr(b, e->args[i], nm);
        }
        put(b, "))");
        return;
    case EX_EXPR_CAST: {
        char buf[64];
        print_expr(b, e->args[0], nm);
        k_type_name(e->type, buf, sizeof buf);
        k_buf_printf(b, "::%s", buf);
        return;
    }
    case EX_EXPR_CASE: {
        put(b, "CASE");
        uint32_t i = 0;
        for (; i + 1 < e->nargs; i += 2) {
            put(b, " WHEN ");
            print_expr(b, e->args[i], nm);
            put(b, " THEN ");
            print_expr(b, e->args[i + 1], nm);
        }
        if (i < e->nargs) {
            put(b, " ELSE ");
            print_expr(b, e->args[i], nm);
        }
        put(b, " END");
        return;
    }
    default: {
        const char *n = e->kind == EX_EXPR_COALESCE ? "coalesce" : e->kind == EX_EXPR_NULLIF ? "nullif"
                        : e->kind == EX_EXPR_GREATEST ? "greatest" : "least";
        put(b, n);
        k_buf_put_u8(b, '(');
        for (uint32_t i = 0; i < e->nargs; i++) {
            if (i) put(b, ", ");
            print_expr(b, e->args[i], nm);
        }
        k_buf_put_u8(b, ')');
        return;
    }
    }
}

static const char *
agg_name(ExAggFunc f)
{
    static const char *n[] = {"count", "count", "sum", "avg", "min", "max", "bool_and", "bool_or",
                              "stddev_samp", "var_samp", "any_value"};
    return (unsigned)f < K_ARRAY_LEN(n) ? n[f] : "?";
}

static const char *
kind_name(const ExPlan *p)
{
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN: return "Scan";
    case EX_OP_FILTER: return "Filter";
    case EX_OP_PROJECT: return "Project";
    case EX_OP_HASH_JOIN: return "Hash Join";
    case EX_OP_NESTED_LOOP: return "Nested Loop";
    case EX_OP_HASH_AGG: return "Hash Aggregate";
    case EX_OP_SORT: return "Sort";
    case EX_OP_LIMIT: return "Limit";
    case EX_OP_WINDOW: return "Window";
    case EX_OP_SETOP: return "SetOp";
    case EX_OP_VALUES: return "Values";
    case EX_OP_EXCHANGE_SOURCE: return "Exchange";
    case EX_OP_RECURSIVE: return p->u.recursive.all ? "Recursive Union All" : "Recursive Union";
    case EX_OP_WORKTABLE: return "WorkTable Scan";
    default: return "?";
    }
}

static const char *
join_name(uint8_t t)
{
    static const char *n[] = {"inner", "left", "right", "full", "semi", "anti", "null-aware anti", "mark"};
    return t < K_ARRAY_LEN(n) ? n[t] : "?";
}

/* The details of one operator, after its name. */
static void
details(PlCtx *c, KBuf *b, const ExPlan *p)
{
    const PlOpNames *nm = p->id < c->capopnames ? &c->opnames[p->id] : NULL;
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN:
        if (p->label) k_buf_printf(b, " %s", p->label);
        if (p->u.scan.filter) {
            put(b, " filter: ");
            print_expr(b, p->u.scan.filter, nm);
        }
        if (p->u.scan.npreds) k_buf_printf(b, " pushed: %u", p->u.scan.npreds);
        for (uint32_t i = 0; i < p->u.scan.nrf; i++) {
            const ExRuntimeFilterUse *u = &p->u.scan.rfs[i];
            k_buf_printf(b, " runtime filter rf%u on %s", u->id,
                         nm && u->col < nm->n ? nm->names[u->col] : "?");
        }
        break;
    case EX_OP_FILTER:
        put(b, " ");
        print_expr(b, p->u.filter.pred, nm);
        break;
    case EX_OP_PROJECT:
        put(b, " ");
        for (uint32_t i = 0; i < p->u.project.nexprs; i++) {
            if (i) put(b, ", ");
            print_expr(b, p->u.project.exprs[i], nm);
        }
        break;
    case EX_OP_HASH_JOIN: {
        k_buf_printf(b, " %s [%s] on ", join_name(p->u.join.type), p->label ? p->label : "");
        /* keys: probe names come first in the combined list */
        PlOpNames probe = {0, NULL}, build = {0, NULL};
        if (nm && p->left && p->right) {
            probe.n = p->left->ncols;
            probe.names = nm->names;
            build.n = p->right->ncols;
            build.names = nm->names + p->left->ncols;
        }
        for (uint32_t k = 0; k < p->u.join.nkeys; k++) {
            if (k) put(b, " AND ");
            k_buf_put_u8(b, '(');
            print_expr(b, p->u.join.probe_keys[k], nm ? &probe : NULL);
            put(b, " = ");
            print_expr(b, p->u.join.build_keys[k], nm ? &build : NULL);
            k_buf_put_u8(b, ')');
        }
        if (p->u.join.residual) {
            put(b, " residual: ");
            print_expr(b, p->u.join.residual, nm);
        }
        if (p->u.join.rf_produce >= 0) k_buf_printf(b, " builds rf%d", p->u.join.rf_produce);
        break;
    }
    case EX_OP_NESTED_LOOP:
        k_buf_printf(b, " %s [%s]", join_name(p->u.nl.type), p->label ? p->label : "");
        if (p->u.nl.pred) {
            put(b, " on ");
            print_expr(b, p->u.nl.pred, nm);
        }
        break;
    case EX_OP_HASH_AGG: {
        static const char *modes[] = {"complete", "partial", "final"};
        k_buf_printf(b, " %s", modes[p->u.agg.mode % 3]);
        if (p->label && p->u.agg.mode == EX_AGG_COMPLETE) k_buf_printf(b, " (%s)", p->label);
        if (p->u.agg.ngroups) {
            put(b, " group by ");
            for (uint32_t i = 0; i < p->u.agg.ngroups; i++) {
                if (i) put(b, ", ");
                print_expr(b, p->u.agg.groups[i], nm);
            }
        }
        if (p->u.agg.naggs) put(b, " aggs ");
        for (uint32_t i = 0; i < p->u.agg.naggs; i++) {
            const ExAggSpec *a = &p->u.agg.aggs[i];
            if (i) put(b, ", ");
            k_buf_printf(b, "%s(%s", agg_name((ExAggFunc)a->func), a->distinct ? "DISTINCT " : "");
            if (p->u.agg.mode == EX_AGG_FINAL) k_buf_printf(b, "state@%u", a->state_col);
            else if (a->func == EX_AGG_COUNT_STAR) put(b, "*");
            else print_expr(b, a->arg, nm);
            k_buf_put_u8(b, ')');
        }
        break;
    }
    case EX_OP_SORT:
        if (p->label) k_buf_printf(b, " (%s)", p->label);
        put(b, " by ");
        for (uint32_t i = 0; i < p->u.sort.nkeys; i++) {
            if (i) put(b, ", ");
            print_expr(b, p->u.sort.keys[i].expr, nm);
            if (p->u.sort.keys[i].desc) put(b, " DESC");
        }
        if (p->u.sort.limit >= 0) k_buf_printf(b, " limit %lld", (long long)p->u.sort.limit);
        if (p->u.sort.offset > 0) k_buf_printf(b, " offset %lld", (long long)p->u.sort.offset);
        break;
    case EX_OP_LIMIT:
        k_buf_printf(b, " %lld", (long long)p->u.limit.limit);
        if (p->u.limit.offset > 0) k_buf_printf(b, " offset %lld", (long long)p->u.limit.offset);
        if (p->label) k_buf_printf(b, " (%s)", p->label);
        break;
    case EX_OP_SETOP: {
        static const char *ops[] = {"union", "intersect", "except"};
        k_buf_printf(b, " %s%s", ops[p->u.setop.op % 3], p->u.setop.all ? " all" : "");
        break;
    }
    case EX_OP_VALUES:
        k_buf_printf(b, " %u rows", p->u.values.nrows);
        break;
    case EX_OP_WINDOW: {
        static const char *wn[] = {"row_number", "rank", "dense_rank", "ntile", "lag", "lead",
                                   "first_value", "last_value", "agg"};
        if (p->label) k_buf_printf(b, " (%s)", p->label);
        if (p->u.window.npart) {
            put(b, " partition by ");
            for (uint32_t i = 0; i < p->u.window.npart; i++) {
                if (i) put(b, ", ");
                print_expr(b, p->u.window.part[i], nm);
            }
        }
        if (p->u.window.norder) {
            put(b, " order by ");
            for (uint32_t i = 0; i < p->u.window.norder; i++) {
                if (i) put(b, ", ");
                print_expr(b, p->u.window.order[i].expr, nm);
                if (p->u.window.order[i].desc) put(b, " DESC");
            }
        }
        put(b, " funcs ");
        for (uint32_t i = 0; i < p->u.window.nfuncs; i++) {
            const ExWindowFunc *w = &p->u.window.funcs[i];
            if (i) put(b, ", ");
            if (w->kind == EX_WIN_AGG) k_buf_printf(b, "%s(", agg_name((ExAggFunc)w->agg.func));
            else k_buf_printf(b, "%s(", w->kind < K_ARRAY_LEN(wn) ? wn[w->kind] : "?");
            if (w->kind == EX_WIN_AGG && w->agg.arg) print_expr(b, w->agg.arg, nm);
            else if (w->arg) print_expr(b, w->arg, nm);
            put(b, ")");
        }
        break;
    }
    case EX_OP_EXCHANGE_SOURCE:
        if (p->label) k_buf_printf(b, " (%s)", p->label);
        break;
    case EX_OP_RECURSIVE:
        k_buf_printf(b, " wt%u (at most %lld iterations)", p->u.recursive.wt_id,
                     (long long)p->u.recursive.max_iterations);
        break;
    case EX_OP_WORKTABLE:
        k_buf_printf(b, " wt%u", p->u.worktable.wt_id);
        break;
    default:
        break;
    }
}

static void
fmt_rows(KBuf *b, double rows)
{
    if (rows < 0) put(b, "?");
    else if (rows < 1e15) k_buf_printf(b, "%.0f", rows);
    else k_buf_printf(b, "%.3g", rows);
}

static void
text_op(PlCtx *c, KBuf *b, const ExPlan *p, int depth)
{
    for (int i = 0; i < depth; i++) put(b, "  ");
    put(b, "-> ");
    put(b, kind_name(p));
    details(c, b, p);
    put(b, "  (rows=");
    fmt_rows(b, p->est_rows);
    put(b, ")\n");
    if (p->left) text_op(c, b, p->left, depth + 1);
    if (p->right) text_op(c, b, p->right, depth + 1);
}

static const char *
placement_name(uint8_t pl)
{
    return pl == EX_RUN_COORDINATOR ? "coordinator" : pl == EX_RUN_EVERY_WORKER ? "every worker" : "any worker";
}

static const char *
xchg_name(uint8_t k)
{
    static const char *n[] = {"gather", "broadcast", "hash", "merge gather"};
    return k < 4 ? n[k] : "?";
}

static void
collect_sources(const ExPlan *p, const ExQueryPlan *q, uint32_t *order, uint32_t *n, bool *seen)
{
    if (!p) return;
    if (p->kind == EX_OP_EXCHANGE_SOURCE) {
        for (uint32_t i = 0; i < q->nfrags; i++)
            if (q->frags[i].has_output && q->frags[i].out.exchange_id == p->u.exchange.exchange_id && !seen[i]) {
                seen[i] = true;
                order[(*n)++] = i;
                collect_sources(q->frags[i].root, q, order, n, seen);
            }
        return;
    }
    collect_sources(p->left, q, order, n, seen);
    collect_sources(p->right, q, order, n, seen);
}

static uint32_t *
frag_order(PlCtx *c, const ExQueryPlan *q, uint32_t *n)
{
    uint32_t *order = pl__alloc(c, sizeof(uint32_t) * (q->nfrags + 1));
    bool *seen = pl__alloc(c, q->nfrags + 1);
    *n = 0;
    if (!order || !seen) return NULL;
    order[(*n)++] = q->root;
    seen[q->root] = true;
    collect_sources(q->frags[q->root].root, q, order, n, seen);
    for (uint32_t i = 0; i < q->nfrags; i++)
        if (!seen[i]) order[(*n)++] = i;
    return order;
}

void
pl__explain_text(PlCtx *c, const ExQueryPlan *q, KBuf *b)
{
    uint32_t n;
    uint32_t *order = frag_order(c, q, &n);
    if (!order) return;
    for (uint32_t k = 0; k < n; k++) {
        const ExFragment *f = &q->frags[order[k]];
        k_buf_printf(b, "Fragment %u [%s]", f->id, placement_name(f->placement));
        if (f->has_output) {
            k_buf_printf(b, " -> %s", xchg_name(f->out.kind));
            const PlOpNames *nm = f->root->id < c->capopnames ? &c->opnames[f->root->id] : NULL;
            (void)nm;
            if (f->out.kind == EX_XCHG_HASH) {
                put(b, " (");
                for (uint32_t i = 0; i < f->out.nkeys; i++) {
                    if (i) put(b, ", ");
                    k_buf_printf(b, "#%u", f->out.key_cols[i]);
                }
                put(b, ")");
            }
            k_buf_printf(b, " to fragment %u", f->out.target_fragment);
        }
        put(b, "\n");
        text_op(c, b, f->root, 1);
    }
}

static void
json_op(PlCtx *c, KBuf *b, const ExPlan *p)
{
    put(b, "{\"op\": ");
    k_buf_put_json_str(b, kind_name(p));
    KBuf d;
    k_buf_init(&d);
    details(c, &d, p);
    k_buf_put_u8(&d, 0);
    put(b, ", \"detail\": ");
    const char *dt = d.failed || !d.data ? "" : (const char *)d.data;
    while (*dt == ' ') dt++;
    k_buf_put_json_str(b, dt);
    k_buf_free(&d);
    put(b, ", \"rows\": ");
    fmt_rows(b, p->est_rows);
    if (p->left || p->right) {
        put(b, ", \"inputs\": [");
        if (p->left) json_op(c, b, p->left);
        if (p->right) {
            if (p->left) put(b, ", ");
            json_op(c, b, p->right);
        }
        put(b, "]");
    }
    put(b, "}");
}

void
pl__explain_json(PlCtx *c, const ExQueryPlan *q, KBuf *b)
{
    uint32_t n;
    uint32_t *order = frag_order(c, q, &n);
    if (!order) return;
    put(b, "{\"fragments\": [");
    for (uint32_t k = 0; k < n; k++) {
        const ExFragment *f = &q->frags[order[k]];
        if (k) put(b, ", ");
        k_buf_printf(b, "{\"id\": %u, \"placement\": ", f->id);
        k_buf_put_json_str(b, placement_name(f->placement));
        if (f->has_output) {
            put(b, ", \"exchange\": ");
            k_buf_put_json_str(b, xchg_name(f->out.kind));
            k_buf_printf(b, ", \"target\": %u", f->out.target_fragment);
        }
        put(b, ", \"plan\": ");
        json_op(c, b, f->root);
        put(b, "}");
    }
    put(b, "]}\n");
}
