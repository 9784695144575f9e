/*
 * explain.c — EXPLAIN [ANALYZE] text for fragments and operator trees.
 *
 * Interface routines: ex_plan_explain, ex_plan_print.
 *
 * One line per operator, children indented by two spaces:
 *   Hash Join (Inner) [#3]  rows=6001215  actual rows=5916591 time=12.3 ms
 *     keys: (#0 = #0)
 */
#include "exec/exec_int.h"

static void
indent(KBuf *out, int n)
{
    for (int i = 0; i < n; i++) k_buf_put_u8(out, ' ');
}

static void
detail(const ExPlan *p, int ind, KBuf *out)
{
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN:
        if (p->u.scan.filter) {
            indent(out, ind + 4);
            k_buf_printf(out, "filter: ");
            ex_expr_print(p->u.scan.filter, out);
            k_buf_printf(out, "\n");
        }
        if (p->u.scan.npreds || p->u.scan.nrf) {
            indent(out, ind + 4);
            k_buf_printf(out, "pushed predicates: %u, runtime filters: %u\n", p->u.scan.npreds,
                         p->u.scan.nrf);
        }
        break;
    case EX_OP_FILTER:
        indent(out, ind + 4);
        k_buf_printf(out, "filter: ");
        ex_expr_print(p->u.filter.pred, out);
        k_buf_printf(out, "\n");
        break;
    case EX_OP_PROJECT:
        indent(out, ind + 4);
        k_buf_printf(out, "output: ");
        for (uint32_t i = 0; i < p->u.project.nexprs; i++) {
            if (i) k_buf_printf(out, ", ");
            ex_expr_print(p->u.project.exprs[i], out);
        }
        k_buf_printf(out, "\n");
        break;
    case EX_OP_HASH_JOIN:
        indent(out, ind + 4);
        k_buf_printf(out, "keys: ");
        for (uint32_t k = 0; k < p->u.join.nkeys; k++) {
            if (k) k_buf_printf(out, " AND ");
            ex_expr_print(p->u.join.probe_keys[k], out);
            k_buf_printf(out, " = ");
            ex_expr_print(p->u.join.build_keys[k], out);
        }
        k_buf_printf(out, "\n");
        if (p->u.join.residual) {
            indent(out, ind + 4);
            k_buf_printf(out, "residual: ");
            ex_expr_print(p->u.join.residual, out);
            k_buf_printf(out, "\n");
        }
        break;
    case EX_OP_HASH_AGG:
        indent(out, ind + 4);
        k_buf_printf(out, "group by: ");
        for (uint32_t k = 0; k < p->u.agg.ngroups; k++) {
            if (k) k_buf_printf(out, ", ");
            ex_expr_print(p->u.agg.groups[k], out);
        }
        k_buf_printf(out, "  aggregates: ");
        for (uint32_t a = 0; a < p->u.agg.naggs; a++) {
            const ExAggSpec *s = &p->u.agg.aggs[a];
            if (a) k_buf_printf(out, ", ");
            k_buf_printf(out, "%s(%s", ex_agg_name(s->func), s->distinct ? "DISTINCT " : "");
            if (s->arg && s->func != EX_AGG_COUNT_STAR) ex_expr_print(s->arg, out);
            k_buf_printf(out, ")");
            if (s->filter) {
                k_buf_printf(out, " FILTER (");
                ex_expr_print(s->filter, out);
                k_buf_printf(out, ")");
            }
        }
        k_buf_printf(out, "\n");
        break;
    case EX_OP_SORT:
        indent(out, ind + 4);
        k_buf_printf(out, "keys: ");
        for (uint32_t k = 0; k < p->u.sort.nkeys; k++) {
            if (k) k_buf_printf(out, ", ");
            ex_expr_print(p->u.sort.keys[k].expr, out);
            k_buf_printf(out, "%s%s", p->u.sort.keys[k].desc ? " DESC" : "",
                         p->u.sort.keys[k].nulls_first ? " NULLS FIRST" : " NULLS LAST");
        }
        k_buf_printf(out, "\n");
        break;
    default:
        break;
    }
}

void
ex_plan_print(const ExPlan *p, int ind, const ExOpStats *stats, KBuf *out)
{
    if (!p) return;
    indent(out, ind);
    k_buf_printf(out, "%s", ex_plan_kind_name((ExPlanKind)p->kind));
    if (p->kind == EX_OP_HASH_JOIN)
        k_buf_printf(out, " (%s)", ex_join_type_name((ExJoinType)p->u.join.type));
    if (p->kind == EX_OP_NESTED_LOOP)
        k_buf_printf(out, " (%s)", ex_join_type_name((ExJoinType)p->u.nl.type));
    if (p->kind == EX_OP_HASH_AGG)
        k_buf_printf(out, " (%s)", p->u.agg.mode == EX_AGG_PARTIAL ? "partial"
                                   : p->u.agg.mode == EX_AGG_FINAL ? "final" : "complete");
    if (p->kind == EX_OP_SETOP)
        k_buf_printf(out, " (%s%s)", p->u.setop.op == EX_SETOP_UNION ? "Union"
                                     : p->u.setop.op == EX_SETOP_INTERSECT ? "Intersect" : "Except",
                     p->u.setop.all ? " All" : "");
    if (p->kind == EX_OP_SORT && p->u.sort.limit >= 0)
        k_buf_printf(out, " (top %lld)", (long long)(p->u.sort.limit + p->u.sort.offset));
    if (p->kind == EX_OP_EXCHANGE_SOURCE) k_buf_printf(out, " (exchange %u)", p->u.exchange.exchange_id);
    if (p->label) k_buf_printf(out, " %s", p->label);
    k_buf_printf(out, " [#%u]", p->id);
    if (p->est_rows >= 0) k_buf_printf(out, "  rows=%.0f", p->est_rows);
    if (stats) {
        const ExOpStats *s = &stats[p->id];
        k_buf_printf(out, "  actual rows=%llu time=%.3f ms", (unsigned long long)s->rows_out,
                     (double)s->time_ns / 1e6);
        if (s->mem_peak) k_buf_printf(out, " memory=%llu kB", (unsigned long long)(s->mem_peak / 1024));
    }
    k_buf_printf(out, "\n");
    detail(p, ind, out);
    ex_plan_print(p->left, ind + 2, stats, out);
    ex_plan_print(p->right, ind + 2, stats, out);
}

void
ex_plan_explain(const ExQueryPlan *q, const ExOpStats *stats, KBuf *out)
{
    static const char *const where[] = {"coordinator", "every worker", "one worker"};
    static const char *const kinds[] = {"gather", "broadcast", "hash", "merge gather"};
    for (uint32_t pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < q->nfrags; i++) {
            if ((pass == 0) != (i == q->root)) continue;
            const ExFragment *f = &q->frags[i];
            k_buf_printf(out, "Fragment %u (%s)", f->id,
                         f->placement < 3 ? where[f->placement] : "?");
            if (i != q->root)
                k_buf_printf(out, " -> %s exchange %u to fragment %u",
                             f->out.kind < 4 ? kinds[f->out.kind] : "?", f->out.exchange_id,
                             f->out.target_fragment);
            k_buf_printf(out, "\n");
            ex_plan_print(f->root, 2, stats, out);
        }
    }
}
