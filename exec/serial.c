/*
 * serial.c — plan serialization (serialize → deserialize → equal) for
 * shipping fragments to workers.
 *
 * Interface routines: ex_query_serialize, ex_query_deserialize,
 * ex_query_equal, ex_plan_equal.
 *
 * Format: the magic "KXP1", then the query (fragments, result columns)
 * depth-first. Integers are LEB128 varints (signed ones zigzag), a NULL
 * pointer is a 0 tag byte before the optional object, strings are varint
 * length + bytes, a KType is id, precision, scale, length. Values are
 * written by their physical kind (so strings travel as bytes).
 */
#include "exec/exec_int.h"

#define EX_MAGIC "KXP1"

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */
static void
w_type(KBuf *b, KType t)
{
    k_buf_put_u8(b, t.id);
    k_buf_put_u8(b, t.precision);
    k_buf_put_u8(b, t.scale);
    k_buf_put_svarint(b, t.len);
}

static void
w_value(KBuf *b, KType t, const void *slot)
{
    switch (ex__phys(t)) {
    case EX_P_U8: k_buf_put_u8(b, *(const uint8_t *)slot); break;
    case EX_P_I32: k_buf_put_svarint(b, *(const int32_t *)slot); break;
    case EX_P_I64: k_buf_put_svarint(b, *(const int64_t *)slot); break;
    case EX_P_I128: {
        k_int128 v;
        memcpy(&v, slot, 16);
        k_buf_put_u64(b, (uint64_t)v);
        k_buf_put_u64(b, (uint64_t)((k_uint128)v >> 64));
        break;
    }
    case EX_P_F64: {
        uint64_t u;
        memcpy(&u, slot, 8);
        k_buf_put_u64(b, u);
        break;
    }
    case EX_P_STR: {
        const KStr *s = slot;
        k_buf_put_str(b, k_str_data(s), s->len);
        break;
    }
    case EX_P_IV: {
        const KInterval *iv = slot;
        k_buf_put_svarint(b, iv->months);
        k_buf_put_svarint(b, iv->days);
        k_buf_put_svarint(b, iv->micros);
        break;
    }
    }
}

static void
w_expr(KBuf *b, const ExExpr *e)
{
    if (!e) {
        k_buf_put_u8(b, 0);
        return;
    }
    k_buf_put_u8(b, 1);
    k_buf_put_u8(b, e->kind);
    w_type(b, e->type);
    k_buf_put_svarint(b, e->pos);
    k_buf_put_varint(b, e->nargs);
    for (uint32_t i = 0; i < e->nargs; i++) w_expr(b, e->args[i]);
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
        k_buf_put_u8(b, e->u.konst.is_null);
        if (!e->u.konst.is_null) w_value(b, e->type, &e->u.konst.v);
        break;
    case EX_EXPR_COLUMN: k_buf_put_varint(b, e->u.column.index); break;
    case EX_EXPR_PARAM: k_buf_put_varint(b, e->u.param.index); break;
    case EX_EXPR_FUNC:
        k_buf_put_varint(b, e->u.func.fn);
        k_buf_put_varint(b, e->u.func.part);
        break;
    case EX_EXPR_IN: k_buf_put_u8(b, e->u.in.negated); break;
    default: break;
    }
}

static void
w_u32s(KBuf *b, uint32_t n, const uint32_t *v)
{
    k_buf_put_varint(b, n);
    for (uint32_t i = 0; i < n; i++) k_buf_put_varint(b, v[i]);
}

static void
w_sortkeys(KBuf *b, uint32_t n, const ExSortKey *k)
{
    k_buf_put_varint(b, n);
    for (uint32_t i = 0; i < n; i++) {
        w_expr(b, k[i].expr);
        k_buf_put_u8(b, k[i].desc);
        k_buf_put_u8(b, k[i].nulls_first);
    }
}

static void
w_agg(KBuf *b, const ExAggSpec *s)
{
    k_buf_put_u8(b, s->func);
    k_buf_put_u8(b, s->distinct);
    w_expr(b, s->arg);
    w_expr(b, s->filter);
    w_type(b, s->type);
    k_buf_put_varint(b, s->state_col);
}

/* The type the scan filter gives read column `idx` (the filter is over the
 * read columns). */
static bool
filter_col_type(const ExExpr *e, uint32_t idx, KType *t)
{
    if (!e) return false;
    if (e->kind == EX_EXPR_COLUMN && e->u.column.index == idx) {
        *t = e->type;
        return true;
    }
    for (uint32_t i = 0; i < e->nargs; i++)
        if (filter_col_type(e->args[i], idx, t)) return true;
    return false;
}

/* The type of table column `col` as far as the scan knows it: from the
 * output columns, else from the scan filter — a storage predicate on a column
 * that is read only for the filter (Q6's l_shipdate) has its type there (the
 * planner derives every predicate from the filter). A predicate whose type
 * is nowhere is not written (the filter still applies; only zone-map
 * skipping is lost). */
static bool
pred_type(const ExPlan *p, uint32_t col, KType *t)
{
    for (uint32_t j = 0; j < p->u.scan.nread; j++) {
        if (p->u.scan.read_cols[j] != col) continue;
        if (!p->u.scan.nout) {
            if (j < p->ncols) {
                *t = p->types[j];
                return true;
            }
        } else {
            for (uint32_t o = 0; o < p->u.scan.nout; o++)
                if (p->u.scan.out_cols[o] == j && o < p->ncols) {
                    *t = p->types[o];
                    return true;
                }
        }
        if (filter_col_type(p->u.scan.filter, j, t)) return true;
    }
    return false;
}

static void
w_datum(KBuf *b, KType t, const StDatum *d)
{
    uint8_t slot[16];
    memset(slot, 0, sizeof slot);
    st_datum_to_slot(t, d, slot);
    w_value(b, t, slot);
}

static void
w_plan(KBuf *b, const ExPlan *p)
{
    if (!p) {
        k_buf_put_u8(b, 0);
        return;
    }
    k_buf_put_u8(b, 1);
    k_buf_put_u8(b, p->kind);
    k_buf_put_varint(b, p->id);
    k_buf_put_varint(b, p->ncols);
    for (uint32_t i = 0; i < p->ncols; i++) w_type(b, p->types[i]);
    uint64_t est;
    memcpy(&est, &p->est_rows, 8);
    k_buf_put_u64(b, est);
    k_buf_put_u8(b, p->label != NULL);
    if (p->label) k_buf_put_str(b, p->label, strlen(p->label));
    w_plan(b, p->left);
    w_plan(b, p->right);
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN: {
        k_buf_put_varint(b, p->u.scan.table_id);
        w_u32s(b, p->u.scan.nread, p->u.scan.read_cols);
        uint32_t keep = 0;
        KType t;
        for (uint32_t i = 0; i < p->u.scan.npreds; i++) keep += pred_type(p, p->u.scan.preds[i].col, &t);
        k_buf_put_varint(b, keep);
        for (uint32_t i = 0; i < p->u.scan.npreds; i++) {
            const StPred *pr = &p->u.scan.preds[i];
            if (!pred_type(p, pr->col, &t)) continue;
            k_buf_put_varint(b, pr->col);
            k_buf_put_u8(b, (uint8_t)pr->op);
            w_type(b, t);
            w_datum(b, t, &pr->a);
            w_datum(b, t, &pr->b);
            k_buf_put_varint(b, pr->nlist);
            for (uint32_t k = 0; k < pr->nlist; k++) w_datum(b, t, &pr->list[k]);
        }
        w_expr(b, p->u.scan.filter);
        w_u32s(b, p->u.scan.nparts, p->u.scan.part_ids);
        k_buf_put_varint(b, p->u.scan.nrf);
        for (uint32_t i = 0; i < p->u.scan.nrf; i++) {
            k_buf_put_varint(b, p->u.scan.rfs[i].id);
            k_buf_put_varint(b, p->u.scan.rfs[i].col);
        }
        w_u32s(b, p->u.scan.nout, p->u.scan.out_cols);
        break;
    }
    case EX_OP_FILTER: w_expr(b, p->u.filter.pred); break;
    case EX_OP_PROJECT:
        k_buf_put_varint(b, p->u.project.nexprs);
        for (uint32_t i = 0; i < p->u.project.nexprs; i++) w_expr(b, p->u.project.exprs[i]);
        break;
    case EX_OP_HASH_JOIN:
        k_buf_put_u8(b, p->u.join.type);
        k_buf_put_varint(b, p->u.join.nkeys);
        for (uint32_t i = 0; i < p->u.join.nkeys; i++) {
            w_expr(b, p->u.join.probe_keys[i]);
            w_expr(b, p->u.join.build_keys[i]);
            k_buf_put_u8(b, p->u.join.null_eq ? p->u.join.null_eq[i] : 0);
        }
        w_expr(b, p->u.join.residual);
        w_u32s(b, p->u.join.nout, p->u.join.out_cols);
        k_buf_put_svarint(b, p->u.join.rf_produce);
        break;
    case EX_OP_NESTED_LOOP:
        k_buf_put_u8(b, p->u.nl.type);
        w_expr(b, p->u.nl.pred);
        w_u32s(b, p->u.nl.nout, p->u.nl.out_cols);
        break;
    case EX_OP_HASH_AGG:
        k_buf_put_u8(b, p->u.agg.mode);
        k_buf_put_varint(b, p->u.agg.ngroups);
        for (uint32_t i = 0; i < p->u.agg.ngroups; i++) w_expr(b, p->u.agg.groups[i]);
        k_buf_put_varint(b, p->u.agg.naggs);
        for (uint32_t i = 0; i < p->u.agg.naggs; i++) w_agg(b, &p->u.agg.aggs[i]);
        break;
    case EX_OP_SORT:
        w_sortkeys(b, p->u.sort.nkeys, p->u.sort.keys);
        k_buf_put_svarint(b, p->u.sort.limit);
        k_buf_put_svarint(b, p->u.sort.offset);
        break;
    case EX_OP_LIMIT:
        k_buf_put_svarint(b, p->u.limit.limit);
        k_buf_put_svarint(b, p->u.limit.offset);
        break;
    case EX_OP_WINDOW:
        k_buf_put_varint(b, p->u.window.npart);
        for (uint32_t i = 0; i < p->u.window.npart; i++) w_expr(b, p->u.window.part[i]);
        w_sortkeys(b, p->u.window.norder, p->u.window.order);
        k_buf_put_varint(b, p->u.window.nfuncs);
        for (uint32_t i = 0; i < p->u.window.nfuncs; i++) {
            const ExWindowFunc *f = &p->u.window.funcs[i];
            k_buf_put_u8(b, f->kind);
            w_agg(b, &f->agg);
            w_expr(b, f->arg);
            k_buf_put_svarint(b, f->offset);
            w_expr(b, f->dflt);
            w_type(b, f->type);
            k_buf_put_u8(b, f->frame_rows);
            k_buf_put_u8(b, f->start);
            k_buf_put_u8(b, f->end);
            k_buf_put_svarint(b, f->start_off);
            k_buf_put_svarint(b, f->end_off);
        }
        break;
    case EX_OP_SETOP:
        k_buf_put_u8(b, p->u.setop.op);
        k_buf_put_u8(b, p->u.setop.all);
        break;
    case EX_OP_VALUES:
        k_buf_put_varint(b, p->u.values.nrows);
        for (size_t i = 0; i < (size_t)p->u.values.nrows * p->ncols; i++) w_expr(b, p->u.values.cells[i]);
        break;
    case EX_OP_EXCHANGE_SOURCE: k_buf_put_varint(b, p->u.exchange.exchange_id); break;
    case EX_OP_RECURSIVE:
        k_buf_put_varint(b, p->u.recursive.wt_id);
        k_buf_put_u8(b, p->u.recursive.all);
        k_buf_put_svarint(b, p->u.recursive.max_iterations);
        break;
    case EX_OP_WORKTABLE: k_buf_put_varint(b, p->u.worktable.wt_id); break;
    default: break;
    }
}

void
ex_query_serialize(const ExQueryPlan *q, KBuf *b)
{
    k_buf_put(b, EX_MAGIC, 4);
    k_buf_put_varint(b, q->nfrags);
    k_buf_put_varint(b, q->root);
    k_buf_put_varint(b, q->nops);
    k_buf_put_varint(b, q->ncols);
    for (uint32_t i = 0; i < q->ncols; i++) {
        const char *n = q->names && q->names[i] ? q->names[i] : "";
        k_buf_put_str(b, n, strlen(n));
        w_type(b, q->types[i]);
    }
    for (uint32_t i = 0; i < q->nfrags; i++) {
        const ExFragment *f = &q->frags[i];
        k_buf_put_varint(b, f->id);
        k_buf_put_u8(b, f->placement);
        k_buf_put_u8(b, f->has_output);
        k_buf_put_u8(b, f->out.kind);
        k_buf_put_varint(b, f->out.exchange_id);
        k_buf_put_varint(b, f->out.target_fragment);
        w_u32s(b, f->out.nkeys, f->out.key_cols);
        w_sortkeys(b, f->out.nsort, f->out.sort_keys);
        w_plan(b, f->root);
    }
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */
typedef struct Rd {
    KReader r;
    KArena *a;
    bool oom;
    int depth;
} Rd;

static void *
r_alloc(Rd *d, size_t n)
{
    void *p = k_alloc0(d->a, n ? n : 1);
    if (!p) d->oom = true;
    return p;
}

static uint32_t
r_count(Rd *d)
{
    uint64_t v = k_get_varint(&d->r);
    if (v > k_reader_left(&d->r) + 1) {
        d->r.failed = true;
        return 0;
    }
    return (uint32_t)v;
}

static KType
r_type(Rd *d)
{
    KType t;
    t.id = k_get_u8(&d->r);
    t.precision = k_get_u8(&d->r);
    t.scale = k_get_u8(&d->r);
    t.array = 0; /* arrays travel as their text form */
    t.len = (int32_t)k_get_svarint(&d->r);
    if (t.id >= K_TYPE_COUNT || t.precision > 38 || t.scale > 38) d->r.failed = true;
    return t;
}

static void
r_value(Rd *d, KType t, void *slot)
{
    switch (ex__phys(t)) {
    case EX_P_U8: *(uint8_t *)slot = k_get_u8(&d->r); break;
    case EX_P_I32: *(int32_t *)slot = (int32_t)k_get_svarint(&d->r); break;
    case EX_P_I64: *(int64_t *)slot = k_get_svarint(&d->r); break;
    case EX_P_I128: {
        uint64_t lo = k_get_u64(&d->r), hi = k_get_u64(&d->r);
        k_int128 v = (k_int128)(((k_uint128)hi << 64) | lo);
        memcpy(slot, &v, 16);
        break;
    }
    case EX_P_F64: {
        uint64_t u = k_get_u64(&d->r);
        memcpy(slot, &u, 8);
        break;
    }
    case EX_P_STR: {
        size_t n;
        const char *s = k_get_str(&d->r, &n);
        if (!s) n = 0;
        if (!k_str_copy(d->a, s ? s : "", (uint32_t)n, slot)) d->oom = true;
        break;
    }
    case EX_P_IV: {
        KInterval *iv = slot;
        iv->months = (int32_t)k_get_svarint(&d->r);
        iv->days = (int32_t)k_get_svarint(&d->r);
        iv->micros = k_get_svarint(&d->r);
        break;
    }
    }
}

static ExExpr *
r_expr(Rd *d)
{
    if (!k_get_u8(&d->r) || d->r.failed || d->oom) return NULL;
    if (++d->depth > 2000) {
        d->r.failed = true;
        return NULL;
    }
    ExExpr *e = r_alloc(d, sizeof *e);
    if (!e) return NULL;
    e->kind = k_get_u8(&d->r);
    e->type = r_type(d);
    e->pos = (int32_t)k_get_svarint(&d->r);
    e->nargs = r_count(d);
    if (e->nargs) {
        e->args = r_alloc(d, sizeof(ExExpr *) * e->nargs);
        for (uint32_t i = 0; e->args && i < e->nargs && !d->r.failed; i++) {
            e->args[i] = r_expr(d);
            if (!e->args[i]) d->r.failed = true;
        }
    }
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
        e->u.konst.is_null = k_get_u8(&d->r);
        if (!e->u.konst.is_null) r_value(d, e->type, &e->u.konst.v);
        break;
    case EX_EXPR_COLUMN: e->u.column.index = (uint32_t)k_get_varint(&d->r); break;
    case EX_EXPR_PARAM: e->u.param.index = (uint32_t)k_get_varint(&d->r); break;
    case EX_EXPR_FUNC:
        e->u.func.fn = (uint16_t)k_get_varint(&d->r);
        e->u.func.part = (uint16_t)k_get_varint(&d->r);
        if (e->u.func.fn >= EX_FN_COUNT_) d->r.failed = true;
        break;
    case EX_EXPR_IN: e->u.in.negated = k_get_u8(&d->r); break;
    default:
        if (e->kind > EX_EXPR_CAST) d->r.failed = true;
        break;
    }
    d->depth--;
    return e;
}

static uint32_t *
r_u32s(Rd *d, uint32_t *n)
{
    *n = r_count(d);
    if (!*n) return NULL;
    uint32_t *v = r_alloc(d, sizeof(uint32_t) * *n);
    for (uint32_t i = 0; v && i < *n; i++) v[i] = (uint32_t)k_get_varint(&d->r);
    return v;
}

static ExSortKey *
r_sortkeys(Rd *d, uint32_t *n)
{
    *n = r_count(d);
    if (!*n) return NULL;
    ExSortKey *k = r_alloc(d, sizeof(ExSortKey) * *n);
    for (uint32_t i = 0; k && i < *n; i++) {
        k[i].expr = r_expr(d);
        k[i].desc = k_get_u8(&d->r);
        k[i].nulls_first = k_get_u8(&d->r);
    }
    return k;
}

static void
r_agg(Rd *d, ExAggSpec *s)
{
    s->func = k_get_u8(&d->r);
    s->distinct = k_get_u8(&d->r);
    s->arg = r_expr(d);
    s->filter = r_expr(d);
    s->type = r_type(d);
    s->state_col = (uint32_t)k_get_varint(&d->r);
}

static void
r_datum(Rd *d, KType t, StDatum *out)
{
    uint8_t slot[16];
    memset(slot, 0, sizeof slot);
    r_value(d, t, slot);
    st_datum_from_slot(t, slot, out);
}

static ExPlan *
r_plan(Rd *d)
{
    if (!k_get_u8(&d->r) || d->r.failed || d->oom) return NULL;
    if (++d->depth > 2000) {
        d->r.failed = true;
        return NULL;
    }
    ExPlan *p = r_alloc(d, sizeof *p);
    if (!p) return NULL;
    p->kind = k_get_u8(&d->r);
    p->id = (uint32_t)k_get_varint(&d->r);
    p->ncols = r_count(d);
    p->types = r_alloc(d, sizeof(KType) * p->ncols);
    for (uint32_t i = 0; p->types && i < p->ncols; i++) p->types[i] = r_type(d);
    uint64_t est = k_get_u64(&d->r);
    memcpy(&p->est_rows, &est, 8);
    if (k_get_u8(&d->r)) {
        size_t n;
        const char *s = k_get_str(&d->r, &n);
        p->label = s ? k_strndup(d->a, s, n) : NULL;
    }
    p->left = r_plan(d);
    p->right = r_plan(d);
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN: {
        p->u.scan.table_id = (uint32_t)k_get_varint(&d->r);
        p->u.scan.read_cols = r_u32s(d, &p->u.scan.nread);
        p->u.scan.npreds = r_count(d);
        if (p->u.scan.npreds) p->u.scan.preds = r_alloc(d, sizeof(StPred) * p->u.scan.npreds);
        for (uint32_t i = 0; p->u.scan.preds && i < p->u.scan.npreds && !d->r.failed; i++) {
            StPred *pr = &p->u.scan.preds[i];
            pr->col = (uint32_t)k_get_varint(&d->r);
            pr->op = (StPredOp)k_get_u8(&d->r);
            KType t = r_type(d);
            r_datum(d, t, &pr->a);
            r_datum(d, t, &pr->b);
            pr->nlist = r_count(d);
            if (pr->nlist) {
                StDatum *l = r_alloc(d, sizeof(StDatum) * pr->nlist);
                for (uint32_t k = 0; l && k < pr->nlist; k++) r_datum(d, t, &l[k]);
                pr->list = l;
            }
        }
        p->u.scan.filter = r_expr(d);
        p->u.scan.part_ids = r_u32s(d, &p->u.scan.nparts);
        p->u.scan.nrf = r_count(d);
        if (p->u.scan.nrf) p->u.scan.rfs = r_alloc(d, sizeof(ExRuntimeFilterUse) * p->u.scan.nrf);
        for (uint32_t i = 0; p->u.scan.rfs && i < p->u.scan.nrf; i++) {
            p->u.scan.rfs[i].id = (uint32_t)k_get_varint(&d->r);
            p->u.scan.rfs[i].col = (uint32_t)k_get_varint(&d->r);
        }
        p->u.scan.out_cols = r_u32s(d, &p->u.scan.nout);
        break;
    }
    case EX_OP_FILTER: p->u.filter.pred = r_expr(d); break;
    case EX_OP_PROJECT:
        p->u.project.nexprs = r_count(d);
        p->u.project.exprs = r_alloc(d, sizeof(ExExpr *) * p->u.project.nexprs);
        for (uint32_t i = 0; p->u.project.exprs && i < p->u.project.nexprs; i++)
            p->u.project.exprs[i] = r_expr(d);
        break;
    case EX_OP_HASH_JOIN: {
        p->u.join.type = k_get_u8(&d->r);
        uint32_t nk = p->u.join.nkeys = r_count(d);
        p->u.join.probe_keys = r_alloc(d, sizeof(ExExpr *) * nk);
        p->u.join.build_keys = r_alloc(d, sizeof(ExExpr *) * nk);
        bool *ne = r_alloc(d, nk);
        bool any = false;
        for (uint32_t i = 0; ne && p->u.join.probe_keys && p->u.join.build_keys && i < nk; i++) {
            p->u.join.probe_keys[i] = r_expr(d);
            p->u.join.build_keys[i] = r_expr(d);
            ne[i] = k_get_u8(&d->r);
            any |= ne[i];
        }
        p->u.join.null_eq = any ? ne : NULL;
        p->u.join.residual = r_expr(d);
        p->u.join.out_cols = r_u32s(d, &p->u.join.nout);
        p->u.join.rf_produce = (int32_t)k_get_svarint(&d->r);
        break;
    }
    case EX_OP_NESTED_LOOP:
        p->u.nl.type = k_get_u8(&d->r);
        p->u.nl.pred = r_expr(d);
        p->u.nl.out_cols = r_u32s(d, &p->u.nl.nout);
        break;
    case EX_OP_HASH_AGG:
        p->u.agg.mode = k_get_u8(&d->r);
        p->u.agg.ngroups = r_count(d);
        p->u.agg.groups = r_alloc(d, sizeof(ExExpr *) * p->u.agg.ngroups);
        for (uint32_t i = 0; p->u.agg.groups && i < p->u.agg.ngroups; i++) p->u.agg.groups[i] = r_expr(d);
        p->u.agg.naggs = r_count(d);
        p->u.agg.aggs = r_alloc(d, sizeof(ExAggSpec) * p->u.agg.naggs);
        for (uint32_t i = 0; p->u.agg.aggs && i < p->u.agg.naggs; i++) r_agg(d, &p->u.agg.aggs[i]);
        break;
    case EX_OP_SORT:
        p->u.sort.keys = r_sortkeys(d, &p->u.sort.nkeys);
        p->u.sort.limit = k_get_svarint(&d->r);
        p->u.sort.offset = k_get_svarint(&d->r);
        break;
    case EX_OP_LIMIT:
        p->u.limit.limit = k_get_svarint(&d->r);
        p->u.limit.offset = k_get_svarint(&d->r);
        break;
    case EX_OP_WINDOW:
        p->u.window.npart = r_count(d);
        p->u.window.part = r_alloc(d, sizeof(ExExpr *) * p->u.window.npart);
        for (uint32_t i = 0; p->u.window.part && i < p->u.window.npart; i++) p->u.window.part[i] = r_expr(d);
        p->u.window.order = r_sortkeys(d, &p->u.window.norder);
        p->u.window.nfuncs = r_count(d);
        p->u.window.funcs = r_alloc(d, sizeof(ExWindowFunc) * p->u.window.nfuncs);
        for (uint32_t i = 0; p->u.window.funcs && i < p->u.window.nfuncs; i++) {
            ExWindowFunc *f = &p->u.window.funcs[i];
            f->kind = k_get_u8(&d->r);
            r_agg(d, &f->agg);
            f->arg = r_expr(d);
            f->offset = k_get_svarint(&d->r);
            f->dflt = r_expr(d);
            f->type = r_type(d);
            f->frame_rows = k_get_u8(&d->r);
            f->start = k_get_u8(&d->r);
            f->end = k_get_u8(&d->r);
            f->start_off = k_get_svarint(&d->r);
            f->end_off = k_get_svarint(&d->r);
        }
        break;
    case EX_OP_SETOP:
        p->u.setop.op = k_get_u8(&d->r);
        p->u.setop.all = k_get_u8(&d->r);
        break;
    case EX_OP_VALUES: {
        p->u.values.nrows = r_count(d);
        size_t n = (size_t)p->u.values.nrows * p->ncols;
        if (n > k_reader_left(&d->r)) {
            d->r.failed = true;
            break;
        }
        p->u.values.cells = r_alloc(d, sizeof(ExExpr *) * n);
        for (size_t i = 0; p->u.values.cells && i < n; i++) p->u.values.cells[i] = r_expr(d);
        break;
    }
    case EX_OP_EXCHANGE_SOURCE: p->u.exchange.exchange_id = (uint32_t)k_get_varint(&d->r); break;
    case EX_OP_RECURSIVE:
        p->u.recursive.wt_id = (uint32_t)k_get_varint(&d->r);
        p->u.recursive.all = k_get_u8(&d->r) != 0;
        p->u.recursive.max_iterations = k_get_svarint(&d->r);
        break;
    case EX_OP_WORKTABLE: p->u.worktable.wt_id = (uint32_t)k_get_varint(&d->r); break;
    default: d->r.failed = true; break;
    }
    d->depth--;
    return p;
}

int
ex_query_deserialize(const void *data, size_t n, KArena *a, ExQueryPlan **out, KErr *err)
{
    Rd d = {{0}, a, false, 0};
    k_reader_init(&d.r, data, n);
    const uint8_t *m = k_get_bytes(&d.r, 4);
    if (!m || memcmp(m, EX_MAGIC, 4))
        return k_error(err, K_PROTOCOL_VIOLATION, "invalid plan message");
    ExQueryPlan *q = r_alloc(&d, sizeof *q);
    if (!q) return k_error_oom(err, a, sizeof *q);
    q->nfrags = r_count(&d);
    q->root = (uint32_t)k_get_varint(&d.r);
    q->nops = (uint32_t)k_get_varint(&d.r);
    q->ncols = r_count(&d);
    q->names = r_alloc(&d, sizeof(char *) * q->ncols);
    q->types = r_alloc(&d, sizeof(KType) * q->ncols);
    for (uint32_t i = 0; q->names && q->types && i < q->ncols; i++) {
        size_t len;
        const char *s = k_get_str(&d.r, &len);
        q->names[i] = k_strndup(a, s ? s : "", s ? len : 0);
        q->types[i] = r_type(&d);
    }
    q->frags = r_alloc(&d, sizeof(ExFragment) * q->nfrags);
    for (uint32_t i = 0; q->frags && i < q->nfrags && !d.r.failed; i++) {
        ExFragment *f = &q->frags[i];
        f->id = (uint32_t)k_get_varint(&d.r);
        f->placement = k_get_u8(&d.r);
        f->has_output = k_get_u8(&d.r);
        f->out.kind = k_get_u8(&d.r);
        f->out.exchange_id = (uint32_t)k_get_varint(&d.r);
        f->out.target_fragment = (uint32_t)k_get_varint(&d.r);
        f->out.key_cols = r_u32s(&d, &f->out.nkeys);
        f->out.sort_keys = r_sortkeys(&d, &f->out.nsort);
        f->root = r_plan(&d);
    }
    if (d.oom) return k_error_oom(err, a, n);
    if (d.r.failed || k_reader_left(&d.r) || q->root >= q->nfrags)
        return k_error(err, K_PROTOCOL_VIOLATION, "invalid plan message");
    *out = q;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Equality                                                             */
/* ------------------------------------------------------------------ */
static bool
eq_u32s(uint32_t n, const uint32_t *a, const uint32_t *b)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i]) return false;
    return true;
}

static bool
eq_sortkeys(uint32_t n, const ExSortKey *a, const ExSortKey *b)
{
    for (uint32_t i = 0; i < n; i++)
        if (!ex_expr_equal(a[i].expr, b[i].expr) || a[i].desc != b[i].desc ||
            a[i].nulls_first != b[i].nulls_first)
            return false;
    return true;
}

static bool
eq_agg(const ExAggSpec *a, const ExAggSpec *b)
{
    return a->func == b->func && a->distinct == b->distinct && ex_expr_equal(a->arg, b->arg) &&
           ex_expr_equal(a->filter, b->filter) && k_type_equal(a->type, b->type) &&
           a->state_col == b->state_col;
}

bool
ex_plan_equal(const ExPlan *x, const ExPlan *y)
{
    if (x == y) return true;
    if (!x || !y) return false;
    if (x->kind != y->kind || x->id != y->id || x->ncols != y->ncols) return false;
    for (uint32_t i = 0; i < x->ncols; i++)
        if (!k_type_equal(x->types[i], y->types[i])) return false;
    if (memcmp(&x->est_rows, &y->est_rows, 8)) return false;
    if ((x->label == NULL) != (y->label == NULL) || (x->label && strcmp(x->label, y->label)))
        return false;
    if (!ex_plan_equal(x->left, y->left) || !ex_plan_equal(x->right, y->right)) return false;
    switch ((ExPlanKind)x->kind) {
    case EX_OP_SCAN: {
        const __typeof__(x->u.scan) *a = &x->u.scan, *b = &y->u.scan;
        if (a->table_id != b->table_id || a->nread != b->nread || a->npreds != b->npreds ||
            a->nparts != b->nparts || a->nrf != b->nrf || a->nout != b->nout)
            return false;
        if (!eq_u32s(a->nread, a->read_cols, b->read_cols) || !eq_u32s(a->nparts, a->part_ids, b->part_ids) ||
            !eq_u32s(a->nout, a->out_cols, b->out_cols) || !ex_expr_equal(a->filter, b->filter))
            return false;
        for (uint32_t i = 0; i < a->nrf; i++)
            if (a->rfs[i].id != b->rfs[i].id || a->rfs[i].col != b->rfs[i].col) return false;
        for (uint32_t i = 0; i < a->npreds; i++) {
            const StPred *p = &a->preds[i], *q = &b->preds[i];
            KType t;
            if (p->col != q->col || p->op != q->op || p->nlist != q->nlist) return false;
            if (!pred_type(x, p->col, &t)) return false;
            if (st_datum_cmp(t, &p->a, &q->a) || st_datum_cmp(t, &p->b, &q->b)) return false;
            for (uint32_t k = 0; k < p->nlist; k++)
                if (st_datum_cmp(t, &p->list[k], &q->list[k])) return false;
        }
        return true;
    }
    case EX_OP_FILTER: return ex_expr_equal(x->u.filter.pred, y->u.filter.pred);
    case EX_OP_PROJECT:
        if (x->u.project.nexprs != y->u.project.nexprs) return false;
        for (uint32_t i = 0; i < x->u.project.nexprs; i++)
            if (!ex_expr_equal(x->u.project.exprs[i], y->u.project.exprs[i])) return false;
        return true;
    case EX_OP_HASH_JOIN: {
        const __typeof__(x->u.join) *a = &x->u.join, *b = &y->u.join;
        if (a->type != b->type || a->nkeys != b->nkeys || a->nout != b->nout ||
            a->rf_produce != b->rf_produce || !ex_expr_equal(a->residual, b->residual) ||
            !eq_u32s(a->nout, a->out_cols, b->out_cols))
            return false;
        for (uint32_t i = 0; i < a->nkeys; i++) {
            bool na = a->null_eq && a->null_eq[i], nb = b->null_eq && b->null_eq[i];
            if (na != nb || !ex_expr_equal(a->probe_keys[i], b->probe_keys[i]) ||
                !ex_expr_equal(a->build_keys[i], b->build_keys[i]))
                return false;
        }
        return true;
    }
    case EX_OP_NESTED_LOOP:
        return x->u.nl.type == y->u.nl.type && ex_expr_equal(x->u.nl.pred, y->u.nl.pred) &&
               x->u.nl.nout == y->u.nl.nout && eq_u32s(x->u.nl.nout, x->u.nl.out_cols, y->u.nl.out_cols);
    case EX_OP_HASH_AGG:
        if (x->u.agg.mode != y->u.agg.mode || x->u.agg.ngroups != y->u.agg.ngroups ||
            x->u.agg.naggs != y->u.agg.naggs)
            return false;
        for (uint32_t i = 0; i < x->u.agg.ngroups; i++)
            if (!ex_expr_equal(x->u.agg.groups[i], y->u.agg.groups[i])) return false;
        for (uint32_t i = 0; i < x->u.agg.naggs; i++)
            if (!eq_agg(&x->u.agg.aggs[i], &y->u.agg.aggs[i])) return false;
        return true;
    case EX_OP_SORT:
        return x->u.sort.nkeys == y->u.sort.nkeys && x->u.sort.limit == y->u.sort.limit &&
               x->u.sort.offset == y->u.sort.offset &&
               eq_sortkeys(x->u.sort.nkeys, x->u.sort.keys, y->u.sort.keys);
    case EX_OP_LIMIT:
        return x->u.limit.limit == y->u.limit.limit && x->u.limit.offset == y->u.limit.offset;
    case EX_OP_WINDOW:
        if (x->u.window.npart != y->u.window.npart || x->u.window.norder != y->u.window.norder ||
            x->u.window.nfuncs != y->u.window.nfuncs ||
            !eq_sortkeys(x->u.window.norder, x->u.window.order, y->u.window.order))
            return false;
        for (uint32_t i = 0; i < x->u.window.npart; i++)
            if (!ex_expr_equal(x->u.window.part[i], y->u.window.part[i])) return false;
        for (uint32_t i = 0; i < x->u.window.nfuncs; i++) {
            const ExWindowFunc *a = &x->u.window.funcs[i], *b = &y->u.window.funcs[i];
            if (a->kind != b->kind || !eq_agg(&a->agg, &b->agg) || !ex_expr_equal(a->arg, b->arg) ||
                a->offset != b->offset || !ex_expr_equal(a->dflt, b->dflt) ||
                !k_type_equal(a->type, b->type) || a->frame_rows != b->frame_rows ||
                a->start != b->start || a->end != b->end || a->start_off != b->start_off ||
                a->end_off != b->end_off)
                return false;
        }
        return true;
    case EX_OP_SETOP: return x->u.setop.op == y->u.setop.op && x->u.setop.all == y->u.setop.all;
    case EX_OP_VALUES:
        if (x->u.values.nrows != y->u.values.nrows) return false;
        for (size_t i = 0; i < (size_t)x->u.values.nrows * x->ncols; i++)
            if (!ex_expr_equal(x->u.values.cells[i], y->u.values.cells[i])) return false;
        return true;
    case EX_OP_EXCHANGE_SOURCE: return x->u.exchange.exchange_id == y->u.exchange.exchange_id;
    case EX_OP_RECURSIVE:
        return x->u.recursive.wt_id == y->u.recursive.wt_id && x->u.recursive.all == y->u.recursive.all &&
               x->u.recursive.max_iterations == y->u.recursive.max_iterations;
    case EX_OP_WORKTABLE: return x->u.worktable.wt_id == y->u.worktable.wt_id;
    default: return false;
    }
}

bool
ex_query_equal(const ExQueryPlan *x, const ExQueryPlan *y)
{
    if (x->nfrags != y->nfrags || x->root != y->root || x->nops != y->nops || x->ncols != y->ncols)
        return false;
    for (uint32_t i = 0; i < x->ncols; i++) {
        const char *a = x->names && x->names[i] ? x->names[i] : "";
        const char *b = y->names && y->names[i] ? y->names[i] : "";
        if (strcmp(a, b) || !k_type_equal(x->types[i], y->types[i])) return false;
    }
    for (uint32_t i = 0; i < x->nfrags; i++) {
        const ExFragment *a = &x->frags[i], *b = &y->frags[i];
        if (a->id != b->id || a->placement != b->placement || a->has_output != b->has_output ||
            a->out.kind != b->out.kind || a->out.exchange_id != b->out.exchange_id ||
            a->out.target_fragment != b->out.target_fragment || a->out.nkeys != b->out.nkeys ||
            a->out.nsort != b->out.nsort || !eq_u32s(a->out.nkeys, a->out.key_cols, b->out.key_cols) ||
            !eq_sortkeys(a->out.nsort, a->out.sort_keys, b->out.sort_keys) ||
            !ex_plan_equal(a->root, b->root))
            return false;
    }
    return true;
}
