/*
 * explain.c — EXPLAIN [ANALYZE] text and JSON for fragments and operator
 * trees.
 *
 * Interface routines: ex_plan_explain, ex_plan_explain_json, ex_plan_print,
 * ex_op_stats_add, ex_op_stats_put, ex_op_stats_get.
 *
 * One line per operator, children indented by two spaces:
 *   Hash Join (Inner) [#3]  rows=6001215  actual rows=5916591 time=12.3 ms
 *     keys: (#0 = #0)
 * With statistics, a scan also says what it skipped, summed over its
 * instances (workers):
 *   row groups: 42 total, 6 read, 0 skipped by zone maps, 36 skipped by
 *     runtime filters
 *   partitions: 1 of 7 read per instance (2 of 14 over 2 instances), 12
 *     pruned by runtime filters
 *   Runtime filter rf0 (from Hash Join #2) on #0: 1,022 of 8,644 rows
 *     removed, 36 of 42 row groups skipped (51,531 rows), 12 partitions pruned
 * (one line each in the output)
 * "rows removed" are rows of row groups read that the filter's min/max or
 * Bloom test dropped; skipped row groups were never read (their zone maps,
 * or their partition's bounds, cannot hold the filter's min/max).
 */
#include <stdio.h>

#include "exec/exec_int.h"

static void
indent(KBuf *out, int n)
{
    for (int i = 0; i < n; i++) k_buf_put_u8(out, ' ');
}

/* 12,345,678 */
static void
put_count(KBuf *out, uint64_t v)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) k_buf_put_u8(out, ',');
        k_buf_put_u8(out, (uint8_t)d[i]);
    }
}

/* The hash join (operator id) that produces runtime filter `id`, -1 if none. */
static int64_t
rf_producer(const ExPlan *p, uint32_t id)
{
    if (!p) return -1;
    if (p->kind == EX_OP_HASH_JOIN && p->u.join.rf_produce == (int32_t)id) return p->id;
    int64_t r = rf_producer(p->left, id);
    return r >= 0 ? r : rf_producer(p->right, id);
}

static void
scan_analyze(const ExPlan *p, const ExPlan *root, int ind, const ExOpStats *s, KBuf *out)
{
    if (s->instances == 0) {
        indent(out, ind + 4);
        k_buf_printf(out, "never started (e.g. a hash join above it had an empty build side)\n");
        return;
    }
    if (s->parts_total == 0) { /* every scan opens at least one partition */
        indent(out, ind + 4);
        k_buf_printf(out, "(scan counters not collected by this runtime)\n");
        return;
    }
    indent(out, ind + 4);
    k_buf_printf(out, "row groups: ");
    put_count(out, s->rg_total);
    k_buf_printf(out, " total, ");
    put_count(out, s->rg_total - s->rg_skipped_zone - s->rg_skipped_rf);
    k_buf_printf(out, " read, ");
    put_count(out, s->rg_skipped_zone);
    k_buf_printf(out, " skipped by zone maps, ");
    put_count(out, s->rg_skipped_rf);
    k_buf_printf(out, " skipped by runtime filters\n");
    indent(out, ind + 4);
    uint64_t per = s->parts_total / s->instances;
    uint64_t read = s->parts_total - s->parts_skipped - s->parts_skipped_rf;
    k_buf_printf(out, "partitions: %llu of %llu read per instance (%llu of %llu over %u %s)",
                 (unsigned long long)s->parts_read_max, (unsigned long long)per,
                 (unsigned long long)read, (unsigned long long)s->parts_total, s->instances,
                 s->instances == 1 ? "instance" : "instances");
    if (s->parts_skipped)
        k_buf_printf(out, ", %llu pruned by predicates", (unsigned long long)s->parts_skipped);
    if (s->parts_skipped_rf)
        k_buf_printf(out, ", %llu pruned by runtime filters",
                     (unsigned long long)s->parts_skipped_rf);
    k_buf_printf(out, "\n");
    for (uint32_t i = 0; i < p->u.scan.nrf && i < EX_STATS_RF; i++) {
        const ExRfStats *r = &s->rf[i];
        indent(out, ind + 4);
        k_buf_printf(out, "Runtime filter rf%u", p->u.scan.rfs[i].id);
        int64_t from = rf_producer(root, p->u.scan.rfs[i].id);
        if (from >= 0) k_buf_printf(out, " (from Hash Join #%lld)", (long long)from);
        k_buf_printf(out, " on #%u: ", p->u.scan.rfs[i].col);
        if (!r->applied) {
            k_buf_printf(out, "not applied (not ready when the scan started)\n");
            continue;
        }
        put_count(out, r->rows_removed);
        k_buf_printf(out, " of ");
        put_count(out, r->rows_in);
        k_buf_printf(out, " rows removed, ");
        put_count(out, r->rg_skipped);
        k_buf_printf(out, " of ");
        put_count(out, s->rg_total);
        k_buf_printf(out, " row groups skipped (");
        put_count(out, r->rows_skipped);
        k_buf_printf(out, " rows), ");
        put_count(out, r->parts_skipped);
        k_buf_printf(out, " partitions pruned");
        if (r->stopped)
            k_buf_printf(out, "; row tests stopped on %u instance%s (under 1/32 removed)",
                         r->stopped, r->stopped == 1 ? "" : "s");
        k_buf_printf(out, "\n");
    }
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

static void
print_tree(const ExPlan *p, const ExPlan *root, int ind, const ExOpStats *stats, KBuf *out)
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
    if (stats && p->kind == EX_OP_SCAN) scan_analyze(p, root, ind, &stats[p->id], out);
    print_tree(p->left, root, ind + 2, stats, out);
    print_tree(p->right, root, ind + 2, stats, out);
}

void
ex_plan_print(const ExPlan *p, int ind, const ExOpStats *stats, KBuf *out)
{
    print_tree(p, p, ind, stats, out);
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
            print_tree(f->root, f->root, 2, stats, out);
        }
    }
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */
/* ------------------------------------------------------------------ */
#define JU(name, v) k_buf_printf(out, ", \"" name "\": %llu", (unsigned long long)(v))

static void
json_tree(const ExPlan *p, const ExPlan *root, const ExOpStats *stats, KBuf *out)
{
    k_buf_printf(out, "{\"Node Type\": ");
    k_buf_put_json_str(out, ex_plan_kind_name((ExPlanKind)p->kind));
    k_buf_printf(out, ", \"Id\": %u", p->id);
    if (p->label) {
        k_buf_printf(out, ", \"Label\": ");
        k_buf_put_json_str(out, p->label);
    }
    if (p->est_rows >= 0) k_buf_printf(out, ", \"Plan Rows\": %.0f", p->est_rows);
    if (p->kind == EX_OP_HASH_JOIN && p->u.join.rf_produce >= 0)
        k_buf_printf(out, ", \"Builds Runtime Filter\": %d", p->u.join.rf_produce);
    const ExOpStats *s = stats ? &stats[p->id] : NULL;
    if (s) {
        JU("Actual Rows", s->rows_out);
        k_buf_printf(out, ", \"Actual Total Time\": %.3f", (double)s->time_ns / 1e6);
        JU("Peak Memory Bytes", s->mem_peak);
        JU("Instances", s->instances);
    }
    if (p->kind == EX_OP_SCAN && s) {
        JU("Row Groups", s->rg_total);
        JU("Row Groups Skipped by Zone Maps", s->rg_skipped_zone);
        JU("Row Groups Skipped by Runtime Filters", s->rg_skipped_rf);
        JU("Rows Read", s->rows_read);
        JU("Rows Skipped by Runtime Filters", s->rows_skipped_rf);
        JU("Rows Removed by Runtime Filters", s->rf_rows_removed);
        JU("Partitions", s->parts_total);
        JU("Partitions Pruned by Predicates", s->parts_skipped);
        JU("Partitions Pruned by Runtime Filters", s->parts_skipped_rf);
        JU("Partitions Read per Instance", s->parts_read_max);
    }
    if (p->kind == EX_OP_SCAN && p->u.scan.nrf) {
        k_buf_printf(out, ", \"Runtime Filters\": [");
        for (uint32_t i = 0; i < p->u.scan.nrf; i++) {
            if (i) k_buf_printf(out, ", ");
            k_buf_printf(out, "{\"Id\": %u, \"Column\": %u", p->u.scan.rfs[i].id,
                         p->u.scan.rfs[i].col);
            int64_t from = rf_producer(root, p->u.scan.rfs[i].id);
            if (from >= 0) k_buf_printf(out, ", \"From\": %lld", (long long)from);
            if (s && i < EX_STATS_RF) {
                const ExRfStats *r = &s->rf[i];
                JU("Applied", r->applied);
                JU("Rows In", r->rows_in);
                JU("Rows Removed", r->rows_removed);
                JU("Row Groups Skipped", r->rg_skipped);
                JU("Rows Skipped", r->rows_skipped);
                JU("Partitions Pruned", r->parts_skipped);
                JU("Row Tests Stopped", r->stopped);
            }
            k_buf_printf(out, "}");
        }
        k_buf_printf(out, "]");
    }
    if (p->left || p->right) {
        k_buf_printf(out, ", \"Plans\": [");
        if (p->left) json_tree(p->left, root, stats, out);
        if (p->left && p->right) k_buf_printf(out, ", ");
        if (p->right) json_tree(p->right, root, stats, out);
        k_buf_printf(out, "]");
    }
    k_buf_printf(out, "}");
}
#undef JU

void
ex_plan_explain_json(const ExQueryPlan *q, const ExOpStats *stats, KBuf *out)
{
    static const char *const where[] = {"coordinator", "every worker", "one worker"};
    k_buf_printf(out, "[");
    bool first = true;
    for (uint32_t pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < q->nfrags; i++) {
            if ((pass == 0) != (i == q->root)) continue;
            const ExFragment *f = &q->frags[i];
            if (!first) k_buf_printf(out, ", ");
            first = false;
            k_buf_printf(out, "{\"Fragment\": %u, \"Placement\": ", f->id);
            k_buf_put_json_str(out, f->placement < 3 ? where[f->placement] : "?");
            k_buf_printf(out, ", \"Plan\": ");
            json_tree(f->root, f->root, stats, out);
            k_buf_printf(out, "}");
        }
    }
    k_buf_printf(out, "]");
}

/* Every counter, in a fixed order (the cluster runtime ships a remote
 * instance's statistics to the coordinator). */
#define STATS_FIELDS(X)                                                                  \
    X(u64, rows_out) X(u64, batches_out) X(u64, time_ns) X(u64, mem_peak) X(u32, instances) \
    X(u64, parts_total) X(u64, parts_skipped) X(u64, parts_skipped_rf)                    \
    X(u64, parts_read_max) X(u64, rg_total) X(u64, rg_skipped_zone) X(u64, rg_skipped_rf) \
    X(u64, rows_read) X(u64, rows_skipped_rf) X(u64, rf_rows_removed)
#define RF_FIELDS(X)                                                                     \
    X(u64, rows_in) X(u64, rows_removed) X(u64, rg_skipped) X(u64, rows_skipped)          \
    X(u64, parts_skipped) X(u32, applied) X(u32, stopped)

void
ex_op_stats_put(KBuf *b, const ExOpStats *s)
{
#define PUT(t, f) k_buf_put_##t(b, s->f);
    STATS_FIELDS(PUT)
#undef PUT
    for (uint32_t i = 0; i < EX_STATS_RF; i++) {
        const ExRfStats *r = &s->rf[i];
#define PUT(t, f) k_buf_put_##t(b, r->f);
        RF_FIELDS(PUT)
#undef PUT
    }
}

void
ex_op_stats_get(KReader *rd, ExOpStats *s)
{
    memset(s, 0, sizeof *s);
#define GET(t, f) s->f = k_get_##t(rd);
    STATS_FIELDS(GET)
#undef GET
    for (uint32_t i = 0; i < EX_STATS_RF; i++) {
        ExRfStats *r = &s->rf[i];
#define GET(t, f) r->f = k_get_##t(rd);
        RF_FIELDS(GET)
#undef GET
    }
}

void
ex_op_stats_add(ExOpStats *dst, const ExOpStats *src)
{
    dst->rows_out += src->rows_out;
    dst->batches_out += src->batches_out;
    dst->time_ns += src->time_ns;
    if (src->mem_peak > dst->mem_peak) dst->mem_peak = src->mem_peak;
    dst->instances += src->instances;
    dst->parts_total += src->parts_total;
    dst->parts_skipped += src->parts_skipped;
    dst->parts_skipped_rf += src->parts_skipped_rf;
    if (src->parts_read_max > dst->parts_read_max) dst->parts_read_max = src->parts_read_max;
    dst->rg_total += src->rg_total;
    dst->rg_skipped_zone += src->rg_skipped_zone;
    dst->rg_skipped_rf += src->rg_skipped_rf;
    dst->rows_read += src->rows_read;
    dst->rows_skipped_rf += src->rows_skipped_rf;
    dst->rf_rows_removed += src->rf_rows_removed;
    for (uint32_t i = 0; i < EX_STATS_RF; i++) {
        dst->rf[i].rows_in += src->rf[i].rows_in;
        dst->rf[i].rows_removed += src->rf[i].rows_removed;
        dst->rf[i].rg_skipped += src->rf[i].rg_skipped;
        dst->rf[i].rows_skipped += src->rf[i].rows_skipped;
        dst->rf[i].parts_skipped += src->rf[i].parts_skipped;
        dst->rf[i].applied += src->rf[i].applied;
        dst->rf[i].stopped += src->rf[i].stopped;
    }
}
