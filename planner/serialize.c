/*
 * serialize.c — physical plans to bytes and back, and plan equality.
 *
 * Interface routines (planner.h): pl_plan_serialize, pl_plan_deserialize,
 * pl_plan_equal.
 *
 * The coordinator ships fragments to workers as bytes. The format is
 * private to one build (no versioning across releases): little-endian
 * varints from common's KBuf/KReader, a magic word, then the query plan:
 *
 *   plan   := "KPLN" u8(version) ncols {name type} nops nfrags root {fragment}
 *   frag   := id placement has_output [exchange-out] node
 *   node   := u8(0) | u8(1) kind id ncols {type} est_rows label <kind fields> node node
 *   expr   := u8(0) | u8(1) kind type pos nargs <kind fields> {expr}
 *   type   := id precision scale len
 *   value  := by the type: i32/i64/i128/f64/bytes/interval
 *
 * Storage predicates carry datums whose meaning depends on the column type;
 * the type is the one the scan's filter gives that column (predicates are
 * always derived from the filter), or INT64-like when the filter does not
 * mention it. The reader is bounds-checked: truncated or corrupt input is
 * an error (XX000 "corrupt plan"), never a crash.
 */
#include "planner/planner_int.h"

#define PL_MAGIC 0x4e4c504bu /* "KPLN" */
#define PL_VERSION 1

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */
static void
put_type(KBuf *b, KType t)
{
    k_buf_put_u8(b, t.id);
    k_buf_put_u8(b, t.precision);
    k_buf_put_u8(b, t.scale);
    k_buf_put_svarint(b, t.len);
}

static void
put_f64(KBuf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    k_buf_put_u64(b, u);
}

static void
put_i128(KBuf *b, k_int128 v)
{
    k_buf_put_u64(b, (uint64_t)(k_uint128)v);
    k_buf_put_u64(b, (uint64_t)((k_uint128)v >> 64));
}

static void
put_value(KBuf *b, KType t, const ExValue *v)
{
    switch (t.id) {
    case K_TYPE_BOOL: k_buf_put_u8(b, v->b); break;
    case K_TYPE_INT32:
    case K_TYPE_DATE: k_buf_put_svarint(b, v->i32); break;
    case K_TYPE_INT64:
    case K_TYPE_TIMESTAMP: k_buf_put_svarint(b, v->i64); break;
    case K_TYPE_DECIMAL:
        if (k_type_is_wide_decimal(t)) put_i128(b, v->i128);
        else k_buf_put_svarint(b, v->i64);
        break;
    case K_TYPE_DOUBLE: put_f64(b, v->f64); break;
    case K_TYPE_INTERVAL:
        k_buf_put_svarint(b, v->iv.months);
        k_buf_put_svarint(b, v->iv.days);
        k_buf_put_svarint(b, v->iv.micros);
        break;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR:
    case K_TYPE_UNKNOWN:
        k_buf_put_str(b, k_str_data(&v->str), v->str.len);
        break;
    default: break;
    }
}

static void
put_str(KBuf *b, const char *s)
{
    if (!s) {
        k_buf_put_u8(b, 0);
        return;
    }
    k_buf_put_u8(b, 1);
    k_buf_put_str(b, s, strlen(s));
}

static void
put_expr(KBuf *b, const ExExpr *e)
{
    if (!e) {
        k_buf_put_u8(b, 0);
        return;
    }
    k_buf_put_u8(b, 1);
    k_buf_put_u8(b, e->kind);
    put_type(b, e->type);
    k_buf_put_svarint(b, e->pos);
    k_buf_put_varint(b, e->nargs);
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
        k_buf_put_u8(b, e->u.konst.is_null);
        if (!e->u.konst.is_null) put_value(b, e->type, &e->u.konst.v);
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
    for (uint32_t i = 0; i < e->nargs; i++) put_expr(b, e->args[i]);
}

static void
put_agg(KBuf *b, const ExAggSpec *a)
{
    k_buf_put_u8(b, a->func);
    k_buf_put_u8(b, a->distinct);
    put_expr(b, a->arg);
    put_expr(b, a->filter);
    put_type(b, a->type);
    k_buf_put_varint(b, a->state_col);
}

static void
put_keys(KBuf *b, const ExSortKey *k, uint32_t n)
{
    k_buf_put_varint(b, n);
    for (uint32_t i = 0; i < n; i++) {
        put_expr(b, k[i].expr);
        k_buf_put_u8(b, k[i].desc);
        k_buf_put_u8(b, k[i].nulls_first);
    }
}

static void
put_u32s(KBuf *b, const uint32_t *v, uint32_t n)
{
    k_buf_put_varint(b, n);
    for (uint32_t i = 0; i < n; i++) k_buf_put_varint(b, v[i]);
}

/* The type of read column `idx` as the scan filter uses it. */
static bool
find_col_type(const ExExpr *e, uint32_t idx, KType *t)
{
    if (!e) return false;
    if (e->kind == EX_EXPR_COLUMN && e->u.column.index == idx) {
        *t = e->type;
        return true;
    }
    for (uint32_t i = 0; i < e->nargs; i++)
        if (find_col_type(e->args[i], idx, t)) return true;
    return false;
}

static KType
pred_type(const ExPlan *p, const StPred *s)
{
    KType t = k_type(K_TYPE_INT64);
    for (uint32_t r = 0; r < p->u.scan.nread; r++)
        if (p->u.scan.read_cols[r] == s->col && find_col_type(p->u.scan.filter, r, &t)) break;
    return t;
}

static void
put_datum(KBuf *b, KType t, const StDatum *d)
{
    switch (t.id) {
    case K_TYPE_DOUBLE: put_f64(b, d->u.f64); break;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: k_buf_put_str(b, k_str_data(&d->u.str), d->u.str.len); break;
    case K_TYPE_DECIMAL:
        if (k_type_is_wide_decimal(t)) put_i128(b, d->u.i128);
        else k_buf_put_svarint(b, d->u.i64);
        break;
    case K_TYPE_INTERVAL:
        k_buf_put_svarint(b, d->u.iv.months);
        k_buf_put_svarint(b, d->u.iv.days);
        k_buf_put_svarint(b, d->u.iv.micros);
        break;
    default: k_buf_put_svarint(b, d->u.i64); break;
    }
}

static void
put_node(KBuf *b, const ExPlan *p)
{
    if (!p) {
        k_buf_put_u8(b, 0);
        return;
    }
    k_buf_put_u8(b, 1);
    k_buf_put_u8(b, p->kind);
    k_buf_put_varint(b, p->id);
    k_buf_put_varint(b, p->ncols);
    for (uint32_t i = 0; i < p->ncols; i++) put_type(b, p->types[i]);
    put_f64(b, p->est_rows);
    put_str(b, p->label);
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN:
        k_buf_put_varint(b, p->u.scan.table_id);
        put_u32s(b, p->u.scan.read_cols, p->u.scan.nread);
        k_buf_put_varint(b, p->u.scan.npreds);
        for (uint32_t i = 0; i < p->u.scan.npreds; i++) {
            const StPred *s = &p->u.scan.preds[i];
            KType t = pred_type(p, s);
            k_buf_put_varint(b, s->col);
            k_buf_put_u8(b, (uint8_t)s->op);
            put_type(b, t);
            put_datum(b, t, &s->a);
            put_datum(b, t, &s->b);
            k_buf_put_varint(b, s->nlist);
            for (uint32_t j = 0; j < s->nlist; j++) put_datum(b, t, &s->list[j]);
        }
        put_expr(b, p->u.scan.filter);
        put_u32s(b, p->u.scan.part_ids, p->u.scan.nparts);
        k_buf_put_varint(b, p->u.scan.nrf);
        for (uint32_t i = 0; i < p->u.scan.nrf; i++) {
            k_buf_put_varint(b, p->u.scan.rfs[i].id);
            k_buf_put_varint(b, p->u.scan.rfs[i].col);
        }
        put_u32s(b, p->u.scan.out_cols, p->u.scan.nout);
        break;
    case EX_OP_FILTER: put_expr(b, p->u.filter.pred); break;
    case EX_OP_PROJECT:
        k_buf_put_varint(b, p->u.project.nexprs);
        for (uint32_t i = 0; i < p->u.project.nexprs; i++) put_expr(b, p->u.project.exprs[i]);
        break;
    case EX_OP_HASH_JOIN:
        k_buf_put_u8(b, p->u.join.type);
        k_buf_put_varint(b, p->u.join.nkeys);
        for (uint32_t i = 0; i < p->u.join.nkeys; i++) {
            put_expr(b, p->u.join.probe_keys[i]);
            put_expr(b, p->u.join.build_keys[i]);
            k_buf_put_u8(b, p->u.join.null_eq ? p->u.join.null_eq[i] : 0);
        }
        k_buf_put_u8(b, p->u.join.null_eq != NULL);
        put_expr(b, p->u.join.residual);
        put_u32s(b, p->u.join.out_cols, p->u.join.nout);
        k_buf_put_svarint(b, p->u.join.rf_produce);
        break;
    case EX_OP_NESTED_LOOP:
        k_buf_put_u8(b, p->u.nl.type);
        put_expr(b, p->u.nl.pred);
        put_u32s(b, p->u.nl.out_cols, p->u.nl.nout);
        break;
    case EX_OP_HASH_AGG:
        k_buf_put_u8(b, p->u.agg.mode);
        k_buf_put_varint(b, p->u.agg.ngroups);
        for (uint32_t i = 0; i < p->u.agg.ngroups; i++) put_expr(b, p->u.agg.groups[i]);
        k_buf_put_varint(b, p->u.agg.naggs);
        for (uint32_t i = 0; i < p->u.agg.naggs; i++) put_agg(b, &p->u.agg.aggs[i]);
        break;
    case EX_OP_SORT:
        put_keys(b, p->u.sort.keys, p->u.sort.nkeys);
        k_buf_put_svarint(b, p->u.sort.limit);
        k_buf_put_svarint(b, p->u.sort.offset);
        break;
    case EX_OP_LIMIT:
        k_buf_put_svarint(b, p->u.limit.limit);
        k_buf_put_svarint(b, p->u.limit.offset);
        break;
    case EX_OP_WINDOW:
        k_buf_put_varint(b, p->u.window.npart);
        for (uint32_t i = 0; i < p->u.window.npart; i++) put_expr(b, p->u.window.part[i]);
        put_keys(b, p->u.window.order, p->u.window.norder);
        k_buf_put_varint(b, p->u.window.nfuncs);
        for (uint32_t i = 0; i < p->u.window.nfuncs; i++) {
            const ExWindowFunc *w = &p->u.window.funcs[i];
            k_buf_put_u8(b, w->kind);
            put_agg(b, &w->agg);
            put_expr(b, w->arg);
            k_buf_put_svarint(b, w->offset);
            put_expr(b, w->dflt);
            put_type(b, w->type);
            k_buf_put_u8(b, w->frame_rows);
            k_buf_put_u8(b, w->start);
            k_buf_put_u8(b, w->end);
            k_buf_put_svarint(b, w->start_off);
            k_buf_put_svarint(b, w->end_off);
        }
        break;
    case EX_OP_SETOP:
        k_buf_put_u8(b, p->u.setop.op);
        k_buf_put_u8(b, p->u.setop.all);
        break;
    case EX_OP_VALUES:
        k_buf_put_varint(b, p->u.values.nrows);
        for (uint32_t i = 0; i < p->u.values.nrows * p->ncols; i++) put_expr(b, p->u.values.cells[i]);
        break;
    case EX_OP_EXCHANGE_SOURCE: k_buf_put_varint(b, p->u.exchange.exchange_id); break;
    default: break;
    }
    put_node(b, p->left);
    put_node(b, p->right);
}

int
pl_plan_serialize(const ExQueryPlan *q, KBuf *b, KErr *err)
{
    k_buf_put_u32(b, PL_MAGIC);
    k_buf_put_u8(b, PL_VERSION);
    k_buf_put_varint(b, q->ncols);
    for (uint32_t i = 0; i < q->ncols; i++) {
        put_str(b, q->names ? q->names[i] : NULL);
        put_type(b, q->types[i]);
    }
    k_buf_put_varint(b, q->nops);
    k_buf_put_varint(b, q->nfrags);
    k_buf_put_varint(b, q->root);
    for (uint32_t i = 0; i < q->nfrags; i++) {
        const ExFragment *f = &q->frags[i];
        k_buf_put_varint(b, f->id);
        k_buf_put_u8(b, f->placement);
        k_buf_put_u8(b, f->has_output);
        if (f->has_output) {
            k_buf_put_u8(b, f->out.kind);
            k_buf_put_varint(b, f->out.exchange_id);
            k_buf_put_varint(b, f->out.target_fragment);
            put_u32s(b, f->out.key_cols, f->out.nkeys);
            put_keys(b, f->out.sort_keys, f->out.nsort);
        }
        put_node(b, f->root);
    }
    if (b->failed) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Reading                                                              */
/* ------------------------------------------------------------------ */
typedef struct Rd {
    KReader r;
    KArena *a;
    bool bad;
    int depth;
} Rd;

static void *
rd_alloc(Rd *d, size_t n)
{
    if (n > (size_t)1 << 30) {
        d->bad = true;
        return NULL;
    }
    void *p = k_alloc0(d->a, n ? n : 1);
    if (!p) d->bad = true;
    return p;
}

/* a count that cannot be larger than the bytes left (each item takes >= 1) */
static uint32_t
get_count(Rd *d)
{
    uint64_t n = k_get_varint(&d->r);
    if (n > k_reader_left(&d->r)) {
        d->bad = true;
        return 0;
    }
    return (uint32_t)n;
}

static KType
get_type(Rd *d)
{
    KType t;
    memset(&t, 0, sizeof t);
    t.id = k_get_u8(&d->r);
    t.precision = k_get_u8(&d->r);
    t.scale = k_get_u8(&d->r);
    t.len = (int32_t)k_get_svarint(&d->r);
    if (t.id >= K_TYPE_COUNT || t.precision > K_DECIMAL_MAX_PRECISION || t.scale > t.precision + 38) d->bad = true;
    return t;
}

static double
get_f64(Rd *d)
{
    uint64_t u = k_get_u64(&d->r);
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static k_int128
get_i128(Rd *d)
{
    uint64_t lo = k_get_u64(&d->r), hi = k_get_u64(&d->r);
    return (k_int128)(((k_uint128)hi << 64) | lo);
}

static KStr
get_kstr(Rd *d)
{
    size_t n;
    const char *s = k_get_str(&d->r, &n);
    KStr out;
    memset(&out, 0, sizeof out);
    if (!s || n > UINT32_MAX) {
        if (!s && n) d->bad = true;
        return out;
    }
    if (!k_str_copy(d->a, s, (uint32_t)n, &out)) d->bad = true;
    return out;
}

static void
get_value(Rd *d, KType t, ExValue *v)
{
    switch (t.id) {
    case K_TYPE_BOOL: v->b = k_get_u8(&d->r); break;
    case K_TYPE_INT32:
    case K_TYPE_DATE: v->i32 = (int32_t)k_get_svarint(&d->r); break;
    case K_TYPE_INT64:
    case K_TYPE_TIMESTAMP: v->i64 = k_get_svarint(&d->r); break;
    case K_TYPE_DECIMAL:
        if (k_type_is_wide_decimal(t)) v->i128 = get_i128(d);
        else v->i64 = k_get_svarint(&d->r);
        break;
    case K_TYPE_DOUBLE: v->f64 = get_f64(d); break;
    case K_TYPE_INTERVAL:
        v->iv.months = (int32_t)k_get_svarint(&d->r);
        v->iv.days = (int32_t)k_get_svarint(&d->r);
        v->iv.micros = k_get_svarint(&d->r);
        break;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR:
    case K_TYPE_UNKNOWN: v->str = get_kstr(d); break;
    default: break;
    }
}

static const char *
get_cstr(Rd *d)
{
    if (!k_get_u8(&d->r)) return NULL;
    size_t n;
    const char *s = k_get_str(&d->r, &n);
    if (!s && n) {
        d->bad = true;
        return NULL;
    }
    char *x = k_strndup(d->a, s ? s : "", n);
    if (!x) d->bad = true;
    return x;
}

static ExExpr *
get_expr(Rd *d)
{
    if (d->bad || d->r.failed) return NULL;
    if (!k_get_u8(&d->r)) return NULL;
    if (++d->depth > 2000) {
        d->bad = true;
        return NULL;
    }
    ExExpr *e = rd_alloc(d, sizeof(ExExpr));
    if (!e) return NULL;
    e->kind = k_get_u8(&d->r);
    e->type = get_type(d);
    e->pos = (int32_t)k_get_svarint(&d->r);
    e->nargs = get_count(d);
    if (e->kind > EX_EXPR_CAST) d->bad = true;
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
        e->u.konst.is_null = k_get_u8(&d->r);
        if (!e->u.konst.is_null) get_value(d, e->type, &e->u.konst.v);
        break;
    case EX_EXPR_COLUMN: e->u.column.index = (uint32_t)k_get_varint(&d->r); break;
    case EX_EXPR_PARAM: e->u.param.index = (uint32_t)k_get_varint(&d->r); break;
    case EX_EXPR_FUNC:
        e->u.func.fn = (uint16_t)k_get_varint(&d->r);
        e->u.func.part = (uint16_t)k_get_varint(&d->r);
        if (e->u.func.fn >= EX_FN_COUNT_) d->bad = true;
        break;
    case EX_EXPR_IN: e->u.in.negated = k_get_u8(&d->r); break;
    default: break;
    }
    if (e->nargs && !d->bad) {
        e->args = rd_alloc(d, sizeof(ExExpr *) * e->nargs);
        for (uint32_t i = 0; i < e->nargs && !d->bad; i++) {
            e->args[i] = get_expr(d);
            if (!e->args[i]) d->bad = true;
        }
    }
    d->depth--;
    return d->bad ? NULL : e;
}

static void
get_agg(Rd *d, ExAggSpec *a)
{
    a->func = k_get_u8(&d->r);
    a->distinct = k_get_u8(&d->r);
    a->arg = get_expr(d);
    a->filter = get_expr(d);
    a->type = get_type(d);
    a->state_col = (uint32_t)k_get_varint(&d->r);
}

static ExSortKey *
get_keys(Rd *d, uint32_t *n)
{
    *n = get_count(d);
    if (*n == 0) return NULL;
    ExSortKey *k = rd_alloc(d, sizeof(ExSortKey) * *n);
    for (uint32_t i = 0; k && i < *n && !d->bad; i++) {
        k[i].expr = get_expr(d);
        k[i].desc = k_get_u8(&d->r);
        k[i].nulls_first = k_get_u8(&d->r);
    }
    return k;
}

static uint32_t *
get_u32s(Rd *d, uint32_t *n)
{
    *n = get_count(d);
    if (*n == 0) return NULL;
    uint32_t *v = rd_alloc(d, sizeof(uint32_t) * *n);
    for (uint32_t i = 0; v && i < *n; i++) v[i] = (uint32_t)k_get_varint(&d->r);
    return v;
}

static void
get_datum(Rd *d, KType t, StDatum *x)
{
    memset(x, 0, sizeof *x);
    switch (t.id) {
    case K_TYPE_DOUBLE: x->u.f64 = get_f64(d); break;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: x->u.str = get_kstr(d); break;
    case K_TYPE_DECIMAL:
        if (k_type_is_wide_decimal(t)) x->u.i128 = get_i128(d);
        else x->u.i64 = k_get_svarint(&d->r);
        break;
    case K_TYPE_INTERVAL:
        x->u.iv.months = (int32_t)k_get_svarint(&d->r);
        x->u.iv.days = (int32_t)k_get_svarint(&d->r);
        x->u.iv.micros = k_get_svarint(&d->r);
        break;
    default: x->u.i64 = k_get_svarint(&d->r); break;
    }
}

static ExPlan *
get_node(Rd *d)
{
    if (d->bad || d->r.failed) return NULL;
    if (!k_get_u8(&d->r)) return NULL;
    if (++d->depth > 2000) {
        d->bad = true;
        return NULL;
    }
    ExPlan *p = rd_alloc(d, sizeof(ExPlan));
    if (!p) return NULL;
    p->kind = k_get_u8(&d->r);
    if (p->kind >= EX_OP_KIND_COUNT_) d->bad = true;
    p->id = (uint32_t)k_get_varint(&d->r);
    p->ncols = get_count(d);
    p->types = rd_alloc(d, sizeof(KType) * (p->ncols + 1));
    for (uint32_t i = 0; p->types && i < p->ncols; i++) p->types[i] = get_type(d);
    p->est_rows = get_f64(d);
    p->label = get_cstr(d);
    if (d->bad) return NULL;
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN: {
        p->u.scan.table_id = (uint32_t)k_get_varint(&d->r);
        p->u.scan.read_cols = get_u32s(d, &p->u.scan.nread);
        p->u.scan.npreds = get_count(d);
        if (p->u.scan.npreds) p->u.scan.preds = rd_alloc(d, sizeof(StPred) * p->u.scan.npreds);
        for (uint32_t i = 0; i < p->u.scan.npreds && !d->bad; i++) {
            StPred *s = &p->u.scan.preds[i];
            s->col = (uint32_t)k_get_varint(&d->r);
            s->op = (StPredOp)k_get_u8(&d->r);
            KType t = get_type(d);
            get_datum(d, t, &s->a);
            get_datum(d, t, &s->b);
            s->nlist = get_count(d);
            if (s->nlist) {
                StDatum *l = rd_alloc(d, sizeof(StDatum) * s->nlist);
                for (uint32_t j = 0; l && j < s->nlist; j++) get_datum(d, t, &l[j]);
                s->list = l;
            }
        }
        p->u.scan.filter = get_expr(d);
        p->u.scan.part_ids = get_u32s(d, &p->u.scan.nparts);
        p->u.scan.nrf = get_count(d);
        if (p->u.scan.nrf) p->u.scan.rfs = rd_alloc(d, sizeof(ExRuntimeFilterUse) * p->u.scan.nrf);
        for (uint32_t i = 0; i < p->u.scan.nrf && !d->bad; i++) {
            p->u.scan.rfs[i].id = (uint32_t)k_get_varint(&d->r);
            p->u.scan.rfs[i].col = (uint32_t)k_get_varint(&d->r);
        }
        p->u.scan.out_cols = get_u32s(d, &p->u.scan.nout);
        break;
    }
    case EX_OP_FILTER: p->u.filter.pred = get_expr(d); break;
    case EX_OP_PROJECT:
        p->u.project.nexprs = get_count(d);
        p->u.project.exprs = rd_alloc(d, sizeof(ExExpr *) * (p->u.project.nexprs + 1));
        for (uint32_t i = 0; p->u.project.exprs && i < p->u.project.nexprs && !d->bad; i++)
            p->u.project.exprs[i] = get_expr(d);
        break;
    case EX_OP_HASH_JOIN: {
        p->u.join.type = k_get_u8(&d->r);
        uint32_t nk = p->u.join.nkeys = get_count(d);
        p->u.join.probe_keys = rd_alloc(d, sizeof(ExExpr *) * (nk + 1));
        p->u.join.build_keys = rd_alloc(d, sizeof(ExExpr *) * (nk + 1));
        bool *ne = rd_alloc(d, sizeof(bool) * (nk + 1));
        for (uint32_t i = 0; i < nk && !d->bad; i++) {
            p->u.join.probe_keys[i] = get_expr(d);
            p->u.join.build_keys[i] = get_expr(d);
            ne[i] = k_get_u8(&d->r);
        }
        p->u.join.null_eq = k_get_u8(&d->r) ? ne : NULL;
        p->u.join.residual = get_expr(d);
        p->u.join.out_cols = get_u32s(d, &p->u.join.nout);
        p->u.join.rf_produce = (int32_t)k_get_svarint(&d->r);
        break;
    }
    case EX_OP_NESTED_LOOP:
        p->u.nl.type = k_get_u8(&d->r);
        p->u.nl.pred = get_expr(d);
        p->u.nl.out_cols = get_u32s(d, &p->u.nl.nout);
        break;
    case EX_OP_HASH_AGG:
        p->u.agg.mode = k_get_u8(&d->r);
        p->u.agg.ngroups = get_count(d);
        p->u.agg.groups = rd_alloc(d, sizeof(ExExpr *) * (p->u.agg.ngroups + 1));
        for (uint32_t i = 0; p->u.agg.groups && i < p->u.agg.ngroups && !d->bad; i++)
            p->u.agg.groups[i] = get_expr(d);
        p->u.agg.naggs = get_count(d);
        p->u.agg.aggs = rd_alloc(d, sizeof(ExAggSpec) * (p->u.agg.naggs + 1));
        for (uint32_t i = 0; p->u.agg.aggs && i < p->u.agg.naggs && !d->bad; i++) get_agg(d, &p->u.agg.aggs[i]);
        break;
    case EX_OP_SORT:
        p->u.sort.keys = get_keys(d, &p->u.sort.nkeys);
        p->u.sort.limit = k_get_svarint(&d->r);
        p->u.sort.offset = k_get_svarint(&d->r);
        break;
    case EX_OP_LIMIT:
        p->u.limit.limit = k_get_svarint(&d->r);
        p->u.limit.offset = k_get_svarint(&d->r);
        break;
    case EX_OP_WINDOW:
        p->u.window.npart = get_count(d);
        p->u.window.part = rd_alloc(d, sizeof(ExExpr *) * (p->u.window.npart + 1));
        for (uint32_t i = 0; p->u.window.part && i < p->u.window.npart && !d->bad; i++)
            p->u.window.part[i] = get_expr(d);
        p->u.window.order = get_keys(d, &p->u.window.norder);
        p->u.window.nfuncs = get_count(d);
        p->u.window.funcs = rd_alloc(d, sizeof(ExWindowFunc) * (p->u.window.nfuncs + 1));
        for (uint32_t i = 0; p->u.window.funcs && i < p->u.window.nfuncs && !d->bad; i++) {
            ExWindowFunc *w = &p->u.window.funcs[i];
            w->kind = k_get_u8(&d->r);
            get_agg(d, &w->agg);
            w->arg = get_expr(d);
            w->offset = k_get_svarint(&d->r);
            w->dflt = get_expr(d);
            w->type = get_type(d);
            w->frame_rows = k_get_u8(&d->r);
            w->start = k_get_u8(&d->r);
            w->end = k_get_u8(&d->r);
            w->start_off = k_get_svarint(&d->r);
            w->end_off = k_get_svarint(&d->r);
        }
        break;
    case EX_OP_SETOP:
        p->u.setop.op = k_get_u8(&d->r);
        p->u.setop.all = k_get_u8(&d->r);
        break;
    case EX_OP_VALUES: {
        p->u.values.nrows = get_count(d);
        uint64_t n = (uint64_t)p->u.values.nrows * p->ncols;
        if (n > k_reader_left(&d->r)) d->bad = true;
        else {
            p->u.values.cells = rd_alloc(d, sizeof(ExExpr *) * (n + 1));
            for (uint64_t i = 0; p->u.values.cells && i < n && !d->bad; i++) p->u.values.cells[i] = get_expr(d);
        }
        break;
    }
    case EX_OP_EXCHANGE_SOURCE: p->u.exchange.exchange_id = (uint32_t)k_get_varint(&d->r); break;
    default: break;
    }
    p->left = get_node(d);
    p->right = get_node(d);
    d->depth--;
    return d->bad || d->r.failed ? NULL : p;
}

int
pl_plan_deserialize(KArena *a, const void *data, size_t len, ExQueryPlan **out, KErr *err)
{
    Rd d;
    memset(&d, 0, sizeof d);
    k_reader_init(&d.r, data, len);
    d.a = a;
    if (k_get_u32(&d.r) != PL_MAGIC || k_get_u8(&d.r) != PL_VERSION)
        return k_error(err, K_INTERNAL_ERROR, "corrupt plan");
    ExQueryPlan *q = rd_alloc(&d, sizeof(ExQueryPlan));
    if (!q) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    q->ncols = get_count(&d);
    q->names = rd_alloc(&d, sizeof(char *) * (q->ncols + 1));
    q->types = rd_alloc(&d, sizeof(KType) * (q->ncols + 1));
    for (uint32_t i = 0; !d.bad && i < q->ncols; i++) {
        q->names[i] = get_cstr(&d);
        q->types[i] = get_type(&d);
    }
    q->nops = (uint32_t)k_get_varint(&d.r);
    q->nfrags = get_count(&d);
    q->root = (uint32_t)k_get_varint(&d.r);
    if (q->nfrags == 0 || q->root >= q->nfrags) d.bad = true;
    if (!d.bad) q->frags = rd_alloc(&d, sizeof(ExFragment) * q->nfrags);
    for (uint32_t i = 0; !d.bad && i < q->nfrags; i++) {
        ExFragment *f = &q->frags[i];
        f->id = (uint32_t)k_get_varint(&d.r);
        f->placement = k_get_u8(&d.r);
        f->has_output = k_get_u8(&d.r);
        if (f->has_output) {
            f->out.kind = k_get_u8(&d.r);
            f->out.exchange_id = (uint32_t)k_get_varint(&d.r);
            f->out.target_fragment = (uint32_t)k_get_varint(&d.r);
            f->out.key_cols = get_u32s(&d, &f->out.nkeys);
            f->out.sort_keys = get_keys(&d, &f->out.nsort);
        }
        f->root = get_node(&d);
        if (!f->root) d.bad = true;
    }
    if (d.bad || d.r.failed || k_reader_left(&d.r) != 0) return k_error(err, K_INTERNAL_ERROR, "corrupt plan");
    *out = q;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Equality                                                             */
/* ------------------------------------------------------------------ */
static bool
type_eq(KType a, KType b)
{
    return a.id == b.id && a.precision == b.precision && a.scale == b.scale && a.len == b.len;
}

static bool
value_eq(KType t, const ExValue *a, const ExValue *b)
{
    switch (t.id) {
    case K_TYPE_BOOL: return a->b == b->b;
    case K_TYPE_INT32:
    case K_TYPE_DATE: return a->i32 == b->i32;
    case K_TYPE_INT64:
    case K_TYPE_TIMESTAMP: return a->i64 == b->i64;
    case K_TYPE_DECIMAL: return k_type_is_wide_decimal(t) ? a->i128 == b->i128 : a->i64 == b->i64;
    case K_TYPE_DOUBLE: return memcmp(&a->f64, &b->f64, sizeof(double)) == 0;
    case K_TYPE_INTERVAL:
        return a->iv.months == b->iv.months && a->iv.days == b->iv.days && a->iv.micros == b->iv.micros;
    default: return k_str_eq(&a->str, &b->str);
    }
}

static bool
expr_eq(const ExExpr *a, const ExExpr *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind || !type_eq(a->type, b->type) || a->pos != b->pos || a->nargs != b->nargs) return false;
    switch ((ExExprKind)a->kind) {
    case EX_EXPR_CONST:
        if (a->u.konst.is_null != b->u.konst.is_null) return false;
        if (!a->u.konst.is_null && !value_eq(a->type, &a->u.konst.v, &b->u.konst.v)) return false;
        break;
    case EX_EXPR_COLUMN:
        if (a->u.column.index != b->u.column.index) return false;
        break;
    case EX_EXPR_PARAM:
        if (a->u.param.index != b->u.param.index) return false;
        break;
    case EX_EXPR_FUNC:
        if (a->u.func.fn != b->u.func.fn || a->u.func.part != b->u.func.part) return false;
        break;
    case EX_EXPR_IN:
        if (a->u.in.negated != b->u.in.negated) return false;
        break;
    default: break;
    }
    for (uint32_t i = 0; i < a->nargs; i++)
        if (!expr_eq(a->args[i], b->args[i])) return false;
    return true;
}

static bool
u32s_eq(const uint32_t *a, const uint32_t *b, uint32_t n)
{
    return n == 0 || memcmp(a, b, sizeof(uint32_t) * n) == 0;
}

static bool
str_eq(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static bool
agg_eq(const ExAggSpec *a, const ExAggSpec *b)
{
    return a->func == b->func && a->distinct == b->distinct && expr_eq(a->arg, b->arg) &&
           expr_eq(a->filter, b->filter) && type_eq(a->type, b->type) && a->state_col == b->state_col;
}

static bool
keys_eq(const ExSortKey *a, const ExSortKey *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!expr_eq(a[i].expr, b[i].expr) || a[i].desc != b[i].desc || a[i].nulls_first != b[i].nulls_first)
            return false;
    return true;
}

static bool
datum_eq(KType t, const StDatum *a, const StDatum *b)
{
    switch (t.id) {
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: return k_str_eq(&a->u.str, &b->u.str);
    case K_TYPE_DOUBLE: return memcmp(&a->u.f64, &b->u.f64, sizeof(double)) == 0;
    case K_TYPE_DECIMAL: return k_type_is_wide_decimal(t) ? a->u.i128 == b->u.i128 : a->u.i64 == b->u.i64;
    default: return a->u.i64 == b->u.i64;
    }
}

static bool
node_eq(const ExPlan *a, const ExPlan *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind || a->id != b->id || a->ncols != b->ncols || !str_eq(a->label, b->label) ||
        memcmp(&a->est_rows, &b->est_rows, sizeof(double)) != 0)
        return false;
    for (uint32_t i = 0; i < a->ncols; i++)
        if (!type_eq(a->types[i], b->types[i])) return false;
    switch ((ExPlanKind)a->kind) {
    case EX_OP_SCAN:
        if (a->u.scan.table_id != b->u.scan.table_id || a->u.scan.nread != b->u.scan.nread ||
            !u32s_eq(a->u.scan.read_cols, b->u.scan.read_cols, a->u.scan.nread) ||
            a->u.scan.npreds != b->u.scan.npreds || !expr_eq(a->u.scan.filter, b->u.scan.filter) ||
            a->u.scan.nparts != b->u.scan.nparts || !u32s_eq(a->u.scan.part_ids, b->u.scan.part_ids, a->u.scan.nparts) ||
            a->u.scan.nrf != b->u.scan.nrf || a->u.scan.nout != b->u.scan.nout ||
            !u32s_eq(a->u.scan.out_cols, b->u.scan.out_cols, a->u.scan.nout))
            return false;
        for (uint32_t i = 0; i < a->u.scan.npreds; i++) {
            const StPred *x = &a->u.scan.preds[i], *y = &b->u.scan.preds[i];
            KType t = pred_type(a, x);
            if (x->col != y->col || x->op != y->op || x->nlist != y->nlist || !datum_eq(t, &x->a, &y->a) ||
                !datum_eq(t, &x->b, &y->b))
                return false;
            for (uint32_t j = 0; j < x->nlist; j++)
                if (!datum_eq(t, &x->list[j], &y->list[j])) return false;
        }
        for (uint32_t i = 0; i < a->u.scan.nrf; i++)
            if (a->u.scan.rfs[i].id != b->u.scan.rfs[i].id || a->u.scan.rfs[i].col != b->u.scan.rfs[i].col) return false;
        break;
    case EX_OP_FILTER:
        if (!expr_eq(a->u.filter.pred, b->u.filter.pred)) return false;
        break;
    case EX_OP_PROJECT:
        if (a->u.project.nexprs != b->u.project.nexprs) return false;
        for (uint32_t i = 0; i < a->u.project.nexprs; i++)
            if (!expr_eq(a->u.project.exprs[i], b->u.project.exprs[i])) return false;
        break;
    case EX_OP_HASH_JOIN:
        if (a->u.join.type != b->u.join.type || a->u.join.nkeys != b->u.join.nkeys ||
            !expr_eq(a->u.join.residual, b->u.join.residual) || a->u.join.nout != b->u.join.nout ||
            !u32s_eq(a->u.join.out_cols, b->u.join.out_cols, a->u.join.nout) ||
            a->u.join.rf_produce != b->u.join.rf_produce || (a->u.join.null_eq == NULL) != (b->u.join.null_eq == NULL))
            return false;
        for (uint32_t i = 0; i < a->u.join.nkeys; i++) {
            if (!expr_eq(a->u.join.probe_keys[i], b->u.join.probe_keys[i]) ||
                !expr_eq(a->u.join.build_keys[i], b->u.join.build_keys[i]))
                return false;
            if (a->u.join.null_eq && a->u.join.null_eq[i] != b->u.join.null_eq[i]) return false;
        }
        break;
    case EX_OP_NESTED_LOOP:
        if (a->u.nl.type != b->u.nl.type || !expr_eq(a->u.nl.pred, b->u.nl.pred) || a->u.nl.nout != b->u.nl.nout ||
            !u32s_eq(a->u.nl.out_cols, b->u.nl.out_cols, a->u.nl.nout))
            return false;
        break;
    case EX_OP_HASH_AGG:
        if (a->u.agg.mode != b->u.agg.mode || a->u.agg.ngroups != b->u.agg.ngroups || a->u.agg.naggs != b->u.agg.naggs)
            return false;
        for (uint32_t i = 0; i < a->u.agg.ngroups; i++)
            if (!expr_eq(a->u.agg.groups[i], b->u.agg.groups[i])) return false;
        for (uint32_t i = 0; i < a->u.agg.naggs; i++)
            if (!agg_eq(&a->u.agg.aggs[i], &b->u.agg.aggs[i])) return false;
        break;
    case EX_OP_SORT:
        if (a->u.sort.nkeys != b->u.sort.nkeys || !keys_eq(a->u.sort.keys, b->u.sort.keys, a->u.sort.nkeys) ||
            a->u.sort.limit != b->u.sort.limit || a->u.sort.offset != b->u.sort.offset)
            return false;
        break;
    case EX_OP_LIMIT:
        if (a->u.limit.limit != b->u.limit.limit || a->u.limit.offset != b->u.limit.offset) return false;
        break;
    case EX_OP_SETOP:
        if (a->u.setop.op != b->u.setop.op || a->u.setop.all != b->u.setop.all) return false;
        break;
    case EX_OP_VALUES:
        if (a->u.values.nrows != b->u.values.nrows) return false;
        for (uint32_t i = 0; i < a->u.values.nrows * a->ncols; i++)
            if (!expr_eq(a->u.values.cells[i], b->u.values.cells[i])) return false;
        break;
    case EX_OP_EXCHANGE_SOURCE:
        if (a->u.exchange.exchange_id != b->u.exchange.exchange_id) return false;
        break;
    case EX_OP_WINDOW:
        if (a->u.window.npart != b->u.window.npart || a->u.window.norder != b->u.window.norder ||
            a->u.window.nfuncs != b->u.window.nfuncs ||
            !keys_eq(a->u.window.order, b->u.window.order, a->u.window.norder))
            return false;
        for (uint32_t i = 0; i < a->u.window.npart; i++)
            if (!expr_eq(a->u.window.part[i], b->u.window.part[i])) return false;
        for (uint32_t i = 0; i < a->u.window.nfuncs; i++) {
            const ExWindowFunc *x = &a->u.window.funcs[i], *y = &b->u.window.funcs[i];
            if (x->kind != y->kind || !agg_eq(&x->agg, &y->agg) || !expr_eq(x->arg, y->arg) ||
                x->offset != y->offset || !expr_eq(x->dflt, y->dflt) || !type_eq(x->type, y->type) ||
                x->frame_rows != y->frame_rows || x->start != y->start || x->end != y->end ||
                x->start_off != y->start_off || x->end_off != y->end_off)
                return false;
        }
        break;
    default: break;
    }
    return node_eq(a->left, b->left) && node_eq(a->right, b->right);
}

bool
pl_plan_equal(const ExQueryPlan *a, const ExQueryPlan *b)
{
    if (a->ncols != b->ncols || a->nops != b->nops || a->nfrags != b->nfrags || a->root != b->root) return false;
    for (uint32_t i = 0; i < a->ncols; i++)
        if (!type_eq(a->types[i], b->types[i]) || !str_eq(a->names ? a->names[i] : NULL, b->names ? b->names[i] : NULL))
            return false;
    for (uint32_t i = 0; i < a->nfrags; i++) {
        const ExFragment *x = &a->frags[i], *y = &b->frags[i];
        if (x->id != y->id || x->placement != y->placement || x->has_output != y->has_output) return false;
        if (x->has_output &&
            (x->out.kind != y->out.kind || x->out.exchange_id != y->out.exchange_id ||
             x->out.target_fragment != y->out.target_fragment || x->out.nkeys != y->out.nkeys ||
             !u32s_eq(x->out.key_cols, y->out.key_cols, x->out.nkeys) || x->out.nsort != y->out.nsort ||
             !keys_eq(x->out.sort_keys, y->out.sort_keys, x->out.nsort)))
            return false;
        if (!node_eq(x->root, y->root)) return false;
    }
    return true;
}
