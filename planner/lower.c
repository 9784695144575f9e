/*
 * lower.c — logical plan → exec.h physical plan, distribution, fragments.
 *
 * Interface routine (planner_int.h): pl__lower.
 *
 * Lowering walks the logical plan top-down with the set of column ids the
 * parent needs (projection pruning: scans read only needed columns) and
 * bottom-up builds ExPlan nodes, rewriting column ids in expressions into
 * input positions. Every physical subplan carries its distribution:
 *
 *   PART    one instance per worker, each over its shard (optionally known
 *           to be hash-distributed on some columns)
 *   REPL    every instance sees all rows (replicated tables): one instance
 *           is enough to produce the whole result
 *   SINGLE  one instance on the coordinator
 *
 * Joins: co-located when both inputs are hashed on the join keys, no motion
 * when the build side is replicated, else broadcast the build side or
 * repartition (hash) both sides — whichever moves fewer estimated bytes
 * (nworkers × build bytes vs probe + build bytes), or as forced by
 * kestrel.join_distribution. Aggregates: complete where the input is hashed
 * on (a subset of) the group keys; else partial on the workers, a hash
 * exchange on the group keys (a gather without groups) and final; DISTINCT
 * aggregates skip the partial step and aggregate completely after the
 * exchange. ORDER BY: per-worker sort (top-N with LIMIT) then a merge gather
 * and the final sort/limit on the coordinator.
 *
 * Fragments are cut at every exchange: the producer subplan becomes a
 * fragment (EVERY_WORKER for PART, ANY_WORKER for REPL, COORDINATOR for
 * SINGLE) and the consumer reads an EXCHANGE_SOURCE.
 *
 * Runtime filters: an inner or semi hash join with a key whose probe side
 * is a column read by a scan in the same pipeline produces a filter
 * (min/max + Bloom over that key, moved to key position 0) that the scan
 * applies; where that column is the partition column this is dynamic
 * partition pruning (storage drops partitions whose bounds miss the
 * filter's min/max). Static pruning: scans get only the
 * partitions whose bounds can satisfy the scan's `col op constant`
 * conjuncts, which also go to storage as StPreds for zone-map pruning.
 */
#include <math.h>
#include <stdio.h>

#include "planner/planner_int.h"

typedef enum { D_PART = 0, D_REPL, D_SINGLE } DistKind;

typedef struct RfTarget {
    int32_t col;
    ExPlan *scan;
    uint32_t idx;
} RfTarget;

typedef struct Phys {
    ExPlan *p;
    uint32_t n;
    int32_t *cols;
    DistKind dist;
    uint32_t nhash;
    int32_t hash[ST_MAX_DIST_COLS];
    int32_t alt[ST_MAX_DIST_COLS]; /* an equal column (inner join key) or -1 */
    uint32_t nrft;
    RfTarget *rft;
} Phys;

/* Is the stream hashed on `col` at hash position h (directly or through an
 * inner-join equality)? */
static bool
hash_is(const Phys *x, uint32_t h, int32_t col)
{
    return x->hash[h] == col || x->alt[h] == col;
}

static void
set_hash(Phys *x, const int32_t *cols, uint32_t n)
{
    x->nhash = n;
    for (uint32_t i = 0; i < ST_MAX_DIST_COLS; i++) {
        x->hash[i] = i < n ? cols[i] : -1;
        x->alt[i] = -1;
    }
}

typedef struct LowerState {
    ExFragment *frags;
    uint32_t nfrags, capfrags;
    /* exchange id → producer fragment index */
    uint32_t *xprod;
    uint32_t capx;
} LowerState;



/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */
static ExPlan *
new_plan(PlCtx *c, ExPlanKind kind, uint32_t n, const int32_t *cols, double rows)
{
    ExPlan *p = pl__alloc(c, sizeof(ExPlan));
    if (!p) return NULL;
    p->kind = (uint8_t)kind;
    p->id = c->next_op_id++;
    p->ncols = n;
    p->types = pl__alloc(c, sizeof(KType) * (n + 1));
    if (!p->types) return NULL;
    for (uint32_t i = 0; i < n; i++) p->types[i] = c->cols[cols[i]].type;
    p->est_rows = rows;
    return p;
}

/* Remember the names of an operator's input columns for EXPLAIN. */
static void
set_opnames(PlCtx *c, const ExPlan *p, const int32_t *cols, uint32_t n)
{
    if (p->id >= c->capopnames) {
        uint32_t nc = c->capopnames ? c->capopnames * 2 : 64;
        while (nc <= p->id) nc *= 2;
        PlOpNames *na = pl__alloc(c, sizeof(PlOpNames) * nc);
        if (!na) return;
        if (c->capopnames) memcpy(na, c->opnames, sizeof(PlOpNames) * c->capopnames);
        c->opnames = na;
        c->capopnames = nc;
    }
    const char **names = pl__alloc(c, sizeof(char *) * (n + 1));
    if (!names) return;
    for (uint32_t i = 0; i < n; i++) names[i] = c->cols[cols[i]].name;
    c->opnames[p->id].n = n;
    c->opnames[p->id].names = names;
}

static int
pos_of(const int32_t *cols, uint32_t n, int32_t col)
{
    for (uint32_t i = 0; i < n; i++)
        if (cols[i] == col) return (int)i;
    return -1;
}

/* Copy an expression with column ids rewritten to positions in cols[]. */
static ExExpr *
xlate(PlCtx *c, const ExExpr *e, const int32_t *cols, uint32_t n)
{
    if (!e) return NULL;
    ExExpr *x = pl__alloc(c, sizeof(ExExpr));
    if (!x) return NULL;
    *x = *e;
    if (e->kind == EX_EXPR_COLUMN) {
        int p = pos_of(cols, n, (int32_t)e->u.column.index);
        if (p < 0) {
            k_error(c->err, K_INTERNAL_ERROR, "planner: column %s (#%u) not available",
                    c->cols[e->u.column.index].name, e->u.column.index);
            return NULL;
        }
        x->u.column.index = (uint32_t)p;
        return x;
    }
    if (e->nargs) {
        x->args = pl__alloc(c, sizeof(ExExpr *) * e->nargs);
        if (!x->args) return NULL;
        for (uint32_t i = 0; i < e->nargs; i++) {
            x->args[i] = xlate(c, e->args[i], cols, n);
            if (!x->args[i]) return NULL;
        }
    }
    return x;
}

static ExExpr *
xlate_and(PlCtx *c, ExExpr *const *q, uint32_t nq, const int32_t *cols, uint32_t n)
{
    if (nq == 0) return NULL;
    if (nq == 1) return xlate(c, q[0], cols, n);
    ExExpr *a = pl__alloc(c, sizeof(ExExpr));
    if (!a) return NULL;
    a->kind = EX_EXPR_AND;
    a->type = k_type(K_TYPE_BOOL);
    a->pos = -1;
    a->nargs = nq;
    a->args = pl__alloc(c, sizeof(ExExpr *) * nq);
    if (!a->args) return NULL;
    for (uint32_t i = 0; i < nq; i++) {
        a->args[i] = xlate(c, q[i], cols, n);
        if (!a->args[i]) return NULL;
    }
    return a;
}

static uint8_t *
need_new(PlCtx *c, const uint8_t *from)
{
    uint8_t *n = pl__alloc(c, c->ncols + 1);
    if (n && from) memcpy(n, from, c->ncols);
    return n;
}

static void
need_expr(uint8_t *need, const ExExpr *e)
{
    if (!e) return;
    if (e->kind == EX_EXPR_COLUMN) {
        need[e->u.column.index] = 1;
        return;
    }
    for (uint32_t i = 0; i < e->nargs; i++) need_expr(need, e->args[i]);
}

static double
phys_bytes(PlCtx *c, const Phys *x)
{
    double w = 0;
    for (uint32_t i = 0; i < x->n; i++) {
        KType t = c->cols[x->cols[i]].type;
        w += k_type_is_string(t) ? (t.len > 0 ? K_MIN(t.len, 64) * 0.7 + 4 : 24) : (double)k_type_width(t);
    }
    return K_MAX(x->p->est_rows, 1) * K_MAX(w, 1);
}

static uint32_t
nworkers(PlCtx *c)
{
    return c->opts.nworkers ? c->opts.nworkers : 1;
}

/* ------------------------------------------------------------------ */
/* Fragments and exchanges                                              */
/* ------------------------------------------------------------------ */
static int
add_fragment(PlCtx *c, LowerState *ls, ExPlan *root, ExPlacement pl, uint32_t *idx)
{
    if (ls->nfrags == ls->capfrags) {
        uint32_t nc = ls->capfrags ? ls->capfrags * 2 : 8;
        ExFragment *n = pl__alloc(c, sizeof(ExFragment) * nc);
        if (!n) return K_ERR;
        if (ls->nfrags) memcpy(n, ls->frags, sizeof(ExFragment) * ls->nfrags);
        ls->frags = n;
        ls->capfrags = nc;
    }
    ExFragment *f = &ls->frags[ls->nfrags];
    memset(f, 0, sizeof *f);
    f->id = ls->nfrags;
    f->root = root;
    f->placement = (uint8_t)pl;
    *idx = ls->nfrags++;
    return K_OK;
}

static ExPlacement
placement_of(DistKind d)
{
    return d == D_PART ? EX_RUN_EVERY_WORKER : d == D_REPL ? EX_RUN_ANY_WORKER : EX_RUN_COORDINATOR;
}

/* Cut x into a producer fragment with the given output; x becomes the
 * EXCHANGE_SOURCE that reads it. key_cols: column ids (HASH). */
static int
exchange(PlCtx *c, LowerState *ls, Phys *x, ExExchangeKind kind, const int32_t *keys, uint32_t nkeys,
         const ExSortKey *sort, uint32_t nsort, DistKind result)
{
    uint32_t fi;
    if (add_fragment(c, ls, x->p, placement_of(x->dist), &fi) != K_OK) return K_ERR;
    ExFragment *f = &ls->frags[fi];
    uint32_t xid = c->next_exchange++;
    f->has_output = true;
    f->out.kind = (uint8_t)kind;
    f->out.exchange_id = xid;
    f->out.target_fragment = UINT32_MAX; /* set when the consumer fragment is cut */
    if (nkeys) {
        f->out.nkeys = nkeys;
        f->out.key_cols = pl__alloc(c, sizeof(uint32_t) * nkeys);
        if (!f->out.key_cols) return K_ERR;
        for (uint32_t i = 0; i < nkeys; i++) {
            int p = pos_of(x->cols, x->n, keys[i]);
            if (p < 0) return k_error(c->err, K_INTERNAL_ERROR, "planner: exchange key not available");
            f->out.key_cols[i] = (uint32_t)p;
        }
    }
    if (nsort) {
        f->out.nsort = nsort;
        f->out.sort_keys = pl__alloc(c, sizeof(ExSortKey) * nsort);
        if (!f->out.sort_keys) return K_ERR;
        memcpy(f->out.sort_keys, sort, sizeof(ExSortKey) * nsort);
    }
    if (xid >= ls->capx) {
        uint32_t nc = ls->capx ? ls->capx * 2 : 16;
        while (nc <= xid) nc *= 2;
        uint32_t *n = pl__alloc(c, sizeof(uint32_t) * nc);
        if (!n) return K_ERR;
        if (ls->capx) memcpy(n, ls->xprod, sizeof(uint32_t) * ls->capx);
        ls->xprod = n;
        ls->capx = nc;
    }
    ls->xprod[xid] = fi;
    double rows = x->p->est_rows;
    if (kind == EX_XCHG_BROADCAST) rows = rows; /* each consumer sees all rows */
    ExPlan *src = new_plan(c, EX_OP_EXCHANGE_SOURCE, x->n, x->cols, rows);
    if (!src) return K_ERR;
    src->u.exchange.exchange_id = xid;
    const char *what = kind == EX_XCHG_GATHER ? "gather" : kind == EX_XCHG_BROADCAST ? "broadcast"
                       : kind == EX_XCHG_HASH ? "hash" : "merge gather";
    src->label = k_sprintf(c->a, "%s from fragment %u", what, fi);
    set_opnames(c, src, x->cols, x->n);
    x->p = src;
    x->dist = result;
    set_hash(x, keys, kind == EX_XCHG_HASH ? K_MIN(nkeys, ST_MAX_DIST_COLS) : 0);
    x->nrft = 0;
    x->rft = NULL;
    return K_OK;
}

static int
to_single(PlCtx *c, LowerState *ls, Phys *x)
{
    if (x->dist == D_SINGLE) return K_OK;
    return exchange(c, ls, x, EX_XCHG_GATHER, NULL, 0, NULL, 0, D_SINGLE);
}

/* ------------------------------------------------------------------ */
/* Scans                                                                */
/* ------------------------------------------------------------------ */
static bool
datum_of(const ExExpr *k, KType colt, StDatum *d)
{
    memset(d, 0, sizeof *d);
    if (!k || k->kind != EX_EXPR_CONST || k->u.konst.is_null) return false;
    KType t = k->type;
    switch (colt.id) {
    case K_TYPE_BOOL:
        if (t.id != K_TYPE_BOOL) return false;
        d->u.i64 = k->u.konst.v.b;
        return true;
    case K_TYPE_INT32:
    case K_TYPE_DATE:
        if (t.id != colt.id) return false;
        d->u.i64 = k->u.konst.v.i32;
        return true;
    case K_TYPE_INT64:
    case K_TYPE_TIMESTAMP:
        if (t.id != colt.id) return false;
        d->u.i64 = k->u.konst.v.i64;
        return true;
    case K_TYPE_DOUBLE:
        if (t.id != K_TYPE_DOUBLE) return false;
        d->u.f64 = k->u.konst.v.f64;
        return true;
    case K_TYPE_DECIMAL: {
        if (t.id != K_TYPE_DECIMAL || t.scale > colt.scale) return false;
        k_int128 v = k_type_is_wide_decimal(t) ? k->u.konst.v.i128 : k->u.konst.v.i64, out;
        if (!k_dec_rescale(v, t.scale, colt.scale, 38, &out)) return false;
        if (k_type_is_wide_decimal(colt)) d->u.i128 = out;
        else {
            if (out > INT64_MAX || out < INT64_MIN) return false;
            d->u.i64 = (int64_t)out;
        }
        return true;
    }
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR:
        if (!k_type_is_string(t)) return false;
        d->u.str = k->u.konst.v.str;
        return true;
    default:
        return false;
    }
}

/* A scan conjunct as a storage predicate: col op const (either order). */
static bool
to_stpred(PlCtx *c, const PlRel *r, const ExExpr *q, StPred *out)
{
    memset(out, 0, sizeof *out);
    const ExExpr *col = NULL, *k = NULL;
    StPredOp op;
    if (q->kind == EX_EXPR_IS_NULL || q->kind == EX_EXPR_IS_NOT_NULL) {
        col = q->args[0];
        op = q->kind == EX_EXPR_IS_NULL ? ST_PRED_IS_NULL : ST_PRED_IS_NOT_NULL;
    } else if (q->kind == EX_EXPR_IN && !q->u.in.negated) {
        col = q->args[0];
        op = ST_PRED_IN;
    } else if (q->kind == EX_EXPR_FUNC && q->nargs == 2 && q->u.func.fn >= EX_FN_EQ && q->u.func.fn <= EX_FN_GE) {
        bool flip = q->args[0]->kind == EX_EXPR_CONST;
        col = flip ? q->args[1] : q->args[0];
        k = flip ? q->args[0] : q->args[1];
        switch ((ExFunc)q->u.func.fn) {
        case EX_FN_EQ: op = ST_PRED_EQ; break;
        case EX_FN_NE: op = ST_PRED_NE; break;
        case EX_FN_LT: op = flip ? ST_PRED_GT : ST_PRED_LT; break;
        case EX_FN_LE: op = flip ? ST_PRED_GE : ST_PRED_LE; break;
        case EX_FN_GT: op = flip ? ST_PRED_LT : ST_PRED_GT; break;
        default: op = flip ? ST_PRED_LE : ST_PRED_GE; break;
        }
    } else
        return false;
    if (!col || col->kind != EX_EXPR_COLUMN) return false;
    int p = pos_of(r->cols, r->ncols, (int32_t)col->u.column.index);
    if (p < 0) return false;
    KType ct = c->cols[col->u.column.index].type;
    out->col = r->ordinals[p];
    out->op = op;
    if (op == ST_PRED_IS_NULL || op == ST_PRED_IS_NOT_NULL) return true;
    if (op == ST_PRED_IN) {
        uint32_t n = q->nargs - 1;
        StDatum *list = pl__alloc(c, sizeof(StDatum) * (n + 1));
        if (!list) return false;
        for (uint32_t i = 0; i < n; i++)
            if (!datum_of(q->args[i + 1], ct, &list[i])) return false;
        out->list = list;
        out->nlist = n;
        return true;
    }
    return datum_of(k, ct, &out->a);
}

/* Can partition [lo, hi) hold a value satisfying the predicate? */
static bool
part_may_match(const StPartitionDef *p, const StPred *s)
{
    int64_t lo = p->has_lo ? p->lo.u.i64 : INT64_MIN, hi = p->has_hi ? p->hi.u.i64 : INT64_MAX;
    int64_t v = s->a.u.i64;
    switch (s->op) {
    case ST_PRED_EQ: return v >= lo && v < hi;
    case ST_PRED_LT: return lo < v;
    case ST_PRED_LE: return lo <= v;
    case ST_PRED_GT: return !p->has_hi || v < hi - 1;
    case ST_PRED_GE: return !p->has_hi || v < hi;
    case ST_PRED_IN:
        for (uint32_t i = 0; i < s->nlist; i++)
            if (s->list[i].u.i64 >= lo && s->list[i].u.i64 < hi) return true;
        return false;
    default: return true;
    }
}

static int
lower_scan(PlCtx *c, PlRel *r, const uint8_t *need, Phys *out)
{
    const StTableDef *t = r->table;
    uint8_t *want = need_new(c, need);
    if (!want) return K_ERR;
    for (uint32_t i = 0; i < r->nquals; i++) need_expr(want, r->quals[i]);
    /* read columns: needed ones in table order */
    uint32_t nread = 0;
    int32_t *rcols = pl__alloc(c, sizeof(int32_t) * (r->ncols + 1));
    uint32_t *rord = pl__alloc(c, sizeof(uint32_t) * (r->ncols + 1));
    if (!rcols || !rord) return K_ERR;
    for (uint32_t i = 0; i < r->ncols; i++)
        if (want[r->cols[i]]) {
            rcols[nread] = r->cols[i];
            rord[nread++] = r->ordinals[i];
        }
    if (nread == 0) { /* count(*): read the narrowest column */
        uint32_t best = 0;
        for (uint32_t i = 1; i < r->ncols; i++)
            if (k_type_width(c->cols[r->cols[i]].type) < k_type_width(c->cols[r->cols[best]].type)) best = i;
        rcols[0] = r->cols[best];
        rord[0] = r->ordinals[best];
        nread = 1;
    }
    /* outputs: the needed subset */
    uint32_t nout = 0;
    int32_t *ocols = pl__alloc(c, sizeof(int32_t) * (nread + 1));
    uint32_t *opos = pl__alloc(c, sizeof(uint32_t) * (nread + 1));
    if (!ocols || !opos) return K_ERR;
    for (uint32_t i = 0; i < nread; i++)
        if (need[rcols[i]]) {
            ocols[nout] = rcols[i];
            opos[nout++] = i;
        }
    if (nout == 0) {
        ocols[0] = rcols[0];
        opos[0] = 0;
        nout = 1;
    }
    ExPlan *p = new_plan(c, EX_OP_SCAN, nout, ocols, r->rows);
    if (!p) return K_ERR;
    p->u.scan.table_id = t->id;
    p->u.scan.nread = nread;
    p->u.scan.read_cols = rord;
    if (nout != nread) {
        p->u.scan.nout = nout;
        p->u.scan.out_cols = opos;
    }
    set_opnames(c, p, rcols, nread);
    if (r->nquals) {
        p->u.scan.filter = xlate_and(c, r->quals, r->nquals, rcols, nread);
        if (!p->u.scan.filter) return K_ERR;
        StPred *preds = pl__alloc(c, sizeof(StPred) * r->nquals);
        if (!preds) return K_ERR;
        uint32_t np = 0;
        for (uint32_t i = 0; i < r->nquals; i++)
            if (to_stpred(c, r, r->quals[i], &preds[np])) np++;
        p->u.scan.npreds = np;
        p->u.scan.preds = np ? preds : NULL;
    }
    /* static partition pruning */
    const char *parts = "";
    if (t->part_col >= 0 && t->nparts > 0) {
        uint32_t *ids = pl__alloc(c, sizeof(uint32_t) * t->nparts);
        if (!ids) return K_ERR;
        uint32_t k = 0;
        for (uint32_t i = 0; i < t->nparts; i++) {
            bool ok = true;
            for (uint32_t j = 0; j < p->u.scan.npreds && ok; j++) {
                const StPred *s = &p->u.scan.preds[j];
                if (s->col == (uint32_t)t->part_col) ok = part_may_match(&t->parts[i], s);
            }
            if (ok) ids[k++] = t->parts[i].id;
        }
        if (k == 0) ids[k++] = t->parts[0].id; /* nothing matches: one partition, the filter drops all */
        if (k < t->nparts) {
            p->u.scan.nparts = k;
            p->u.scan.part_ids = ids;
        }
        parts = k_sprintf(c->a, ", partitions %u of %u", k, t->nparts);
    }
    const char *dist = t->dist == ST_DIST_REPLICATED ? "replicated" : t->dist == ST_DIST_RANDOM ? "random" : "hash";
    p->label = k_sprintf(c->a, "%s (%s%s)", t->name, dist, parts);
    out->p = p;
    out->n = nout;
    out->cols = ocols;
    out->dist = t->dist == ST_DIST_REPLICATED ? D_REPL : D_PART;
    out->nhash = 0;
    if (t->dist == ST_DIST_HASH) {
        uint32_t nd = t->ndist_cols ? t->ndist_cols : 1;
        bool all = true;
        for (uint32_t i = 0; i < nd; i++) {
            uint32_t ord = t->ndist_cols ? t->dist_cols[i] : 0;
            int32_t id = -1;
            for (uint32_t k = 0; k < r->ncols; k++)
                if (r->ordinals[k] == ord) id = r->cols[k];
            if (id < 0 || pos_of(ocols, nout, id) < 0) all = false;
            else out->hash[i] = id;
        }
        int32_t h[ST_MAX_DIST_COLS];
        memcpy(h, out->hash, sizeof h);
        set_hash(out, h, all ? nd : 0);
    }
    out->nrft = nread;
    out->rft = pl__alloc(c, sizeof(RfTarget) * nread);
    if (!out->rft) return K_ERR;
    for (uint32_t i = 0; i < nread; i++) {
        out->rft[i].col = rcols[i];
        out->rft[i].scan = p;
        out->rft[i].idx = i;
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* The recursive lowering                                               */
/* ------------------------------------------------------------------ */
static int lower(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out);

static int
lower_project(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    uint8_t *cn = need_new(c, NULL);
    if (!cn) return K_ERR;
    uint32_t nkeep = 0;
    for (uint32_t i = 0; i < r->ncols; i++)
        if (need[r->cols[i]]) {
            need_expr(cn, r->exprs[i]);
            nkeep++;
        }
    if (nkeep == 0 && r->ncols > 0) {
        need_expr(cn, r->exprs[0]);
    }
    Phys in;
    if (lower(c, ls, r->left, cn, &in) != K_OK) return K_ERR;
    /* pass-through only? */
    bool passthrough = true;
    for (uint32_t i = 0; i < r->ncols; i++) {
        if (!need[r->cols[i]]) continue;
        const ExExpr *e = r->exprs[i];
        if (e->kind != EX_EXPR_COLUMN || (int32_t)e->u.column.index != r->cols[i]) passthrough = false;
    }
    if (passthrough && nkeep > 0) {
        *out = in;
        return K_OK;
    }
    uint32_t n = nkeep ? nkeep : 1;
    int32_t *cols = pl__alloc(c, sizeof(int32_t) * (n + 1));
    ExExpr **ex = pl__alloc(c, sizeof(ExExpr *) * (n + 1));
    if (!cols || !ex) return K_ERR;
    uint32_t k = 0;
    for (uint32_t i = 0; i < r->ncols && k < n; i++)
        if (need[r->cols[i]] || nkeep == 0) {
            cols[k] = r->cols[i];
            ex[k] = xlate(c, r->exprs[i], in.cols, in.n);
            if (!ex[k++]) return K_ERR;
        }
    ExPlan *p = new_plan(c, EX_OP_PROJECT, n, cols, r->rows);
    if (!p) return K_ERR;
    p->left = in.p;
    p->u.project.nexprs = n;
    p->u.project.exprs = ex;
    set_opnames(c, p, in.cols, in.n);
    *out = in;
    out->p = p;
    out->n = n;
    out->cols = cols;
    /* hash keys and runtime-filter targets survive where the column does */
    uint32_t nh = 0;
    for (uint32_t i = 0; i < in.nhash; i++) {
        if (pos_of(cols, n, in.hash[i]) >= 0) nh++;
        if (in.alt[i] >= 0 && pos_of(cols, n, in.alt[i]) < 0) out->alt[i] = -1;
    }
    if (nh != in.nhash) set_hash(out, NULL, 0);
    return K_OK;
}

static int
lower_filter(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    uint8_t *cn = need_new(c, need);
    if (!cn) return K_ERR;
    for (uint32_t i = 0; i < r->nquals; i++) need_expr(cn, r->quals[i]);
    Phys in;
    if (lower(c, ls, r->left, cn, &in) != K_OK) return K_ERR;
    if (r->nquals == 0) {
        *out = in;
        return K_OK;
    }
    ExPlan *p = new_plan(c, EX_OP_FILTER, in.n, in.cols, r->rows);
    if (!p) return K_ERR;
    p->left = in.p;
    p->u.filter.pred = xlate_and(c, r->quals, r->nquals, in.cols, in.n);
    if (!p->u.filter.pred) return K_ERR;
    set_opnames(c, p, in.cols, in.n);
    *out = in;
    out->p = p;
    return K_OK;
}

static bool
is_plain_col(const ExExpr *e, int32_t *col)
{
    if (e->kind != EX_EXPR_COLUMN) return false;
    *col = (int32_t)e->u.column.index;
    return true;
}

static int
lower_join(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    ExJoinType jt = (ExJoinType)r->jtype;
    uint8_t *ln = need_new(c, need), *rn = need_new(c, need);
    if (!ln || !rn) return K_ERR;
    for (uint32_t i = 0; i < r->nquals; i++) {
        need_expr(ln, r->quals[i]);
        need_expr(rn, r->quals[i]);
    }
    Phys L, R;
    if (lower(c, ls, r->left, ln, &L) != K_OK) return K_ERR;
    if (lower(c, ls, r->right, rn, &R) != K_OK) return K_ERR;

    /* equi keys: one side over the probe, the other over the build */
    uint32_t nk = 0, nres = 0;
    ExExpr **pk = pl__alloc(c, sizeof(ExExpr *) * (r->nquals + 1));
    ExExpr **bk = pl__alloc(c, sizeof(ExExpr *) * (r->nquals + 1));
    ExExpr **res = pl__alloc(c, sizeof(ExExpr *) * (r->nquals + 1));
    if (!pk || !bk || !res) return K_ERR;
    for (uint32_t i = 0; i < r->nquals; i++) {
        ExExpr *q = r->quals[i];
        if (q->kind == EX_EXPR_FUNC && q->u.func.fn == EX_FN_EQ) {
            ExExpr *a = q->args[0], *b = q->args[1];
            int32_t tmp[4];
            uint32_t na = 0, nb = 0;
            pl__expr_collect_cols(a, tmp, &na, 4);
            pl__expr_collect_cols(b, tmp, &nb, 4);
            if (na || nb) { /* a constant side can be a key too (`1 IN (SELECT ...)`) */
                bool al = pl__expr_uses_only(a, L.cols, L.n), ar = na && pl__expr_uses_only(a, R.cols, R.n);
                bool bl = pl__expr_uses_only(b, L.cols, L.n), br = nb && pl__expr_uses_only(b, R.cols, R.n);
                if (al && br) {
                    pk[nk] = a;
                    bk[nk++] = b;
                    continue;
                }
                if (ar && bl) {
                    pk[nk] = b;
                    bk[nk++] = a;
                    continue;
                }
            }
        }
        res[nres++] = q;
    }
    if (jt == EX_JOIN_ANTI_NULL_AWARE && nk == 0)
        return k_error(c->err, K_FEATURE_NOT_SUPPORTED, "NOT IN with a non-equality condition is not supported");
    if (jt == EX_JOIN_MARK && nk == 0)
        return k_error(c->err, K_FEATURE_NOT_SUPPORTED, "EXISTS/IN without an equality condition in this position is not supported");

    /* distribution */
    const char *how = NULL;
    uint32_t nw = nworkers(c);
    DistKind rd = L.dist;
    bool keep_l_hash = true;
    if (L.dist == D_SINGLE || R.dist == D_SINGLE) {
        if (L.dist == D_SINGLE && R.dist == D_SINGLE) {
            how = "local";
        } else if (R.dist == D_SINGLE && jt != EX_JOIN_FULL) {
            if (exchange(c, ls, &R, EX_XCHG_BROADCAST, NULL, 0, NULL, 0, D_REPL) != K_OK) return K_ERR;
            how = "broadcast";
        } else {
            if (to_single(c, ls, &L) != K_OK || to_single(c, ls, &R) != K_OK) return K_ERR;
            how = "gathered";
            rd = D_SINGLE;
            keep_l_hash = false;
        }
    } else if (R.dist == D_REPL && jt != EX_JOIN_FULL) {
        how = L.dist == D_REPL ? "replicated" : "replicated build";
    } else if (L.dist == D_REPL) {
        /* replicated probe, partitioned build: all of the build on each instance */
        if (exchange(c, ls, &R, EX_XCHG_BROADCAST, NULL, 0, NULL, 0, D_REPL) != K_OK) return K_ERR;
        how = "broadcast";
        rd = D_REPL;
    } else {
        /* both partitioned */
        bool coloc = nw <= 1;
        /* NOT IN and MARK joins must see every NULL of the build side on every
         * instance: their build side is always broadcast */
        bool needs_all = jt == EX_JOIN_ANTI_NULL_AWARE || jt == EX_JOIN_MARK;
        if (!coloc && !needs_all && L.nhash > 0 && L.nhash == R.nhash) {
            coloc = true;
            for (uint32_t h = 0; h < L.nhash && coloc; h++) {
                bool found = false;
                for (uint32_t k = 0; k < nk && !found; k++) {
                    int32_t a, b;
                    if (is_plain_col(pk[k], &a) && is_plain_col(bk[k], &b) && hash_is(&L, h, a) && hash_is(&R, h, b) &&
                        k_type_equal(pk[k]->type, bk[k]->type))
                        found = true;
                }
                coloc = found;
            }
        }
        bool plain = nk > 0;
        for (uint32_t k = 0; k < nk; k++) {
            int32_t a;
            if (!is_plain_col(pk[k], &a) || !is_plain_col(bk[k], &a)) plain = false;
        }
        if (coloc) how = nw <= 1 ? "local" : "co-located";
        else {
            double lb = phys_bytes(c, &L), rb = phys_bytes(c, &R);
            /* a side already hashed on its join keys stays where it is */
            bool l_hashed = L.nhash == nk && plain, r_hashed = R.nhash == nk && plain;
            for (uint32_t k = 0; k < nk && plain; k++) {
                int32_t a, b;
                is_plain_col(pk[k], &a);
                is_plain_col(bk[k], &b);
                if (l_hashed && !hash_is(&L, k, a)) l_hashed = false;
                if (r_hashed && !hash_is(&R, k, b)) r_hashed = false;
            }
            double bcast = rb * nw, repart = (l_hashed ? 0 : lb) + (r_hashed ? 0 : rb);
            bool use_bcast;
            if (needs_all) use_bcast = true;
            else if (!plain || jt == EX_JOIN_FULL) use_bcast = !plain && jt != EX_JOIN_FULL;
            else if (c->opts.join_dist == PL_JOIN_DIST_BROADCAST) use_bcast = true;
            else if (c->opts.join_dist == PL_JOIN_DIST_REPARTITION) use_bcast = false;
            else use_bcast = bcast <= repart;
            if (!plain && jt == EX_JOIN_FULL) {
                if (to_single(c, ls, &L) != K_OK || to_single(c, ls, &R) != K_OK) return K_ERR;
                how = "gathered";
                rd = D_SINGLE;
                keep_l_hash = false;
            } else if (use_bcast) {
                if (exchange(c, ls, &R, EX_XCHG_BROADCAST, NULL, 0, NULL, 0, D_REPL) != K_OK) return K_ERR;
                how = "broadcast";
            } else {
                int32_t *lkeys = pl__alloc(c, sizeof(int32_t) * nk), *rkeys = pl__alloc(c, sizeof(int32_t) * nk);
                if (!lkeys || !rkeys) return K_ERR;
                for (uint32_t k = 0; k < nk; k++) {
                    is_plain_col(pk[k], &lkeys[k]);
                    is_plain_col(bk[k], &rkeys[k]);
                }
                bool l_ok = L.nhash == nk, r_ok = R.nhash == nk;
                for (uint32_t k = 0; k < nk; k++) {
                    if (l_ok && !hash_is(&L, k, lkeys[k])) l_ok = false;
                    if (r_ok && !hash_is(&R, k, rkeys[k])) r_ok = false;
                }
                if (!l_ok && exchange(c, ls, &L, EX_XCHG_HASH, lkeys, nk, NULL, 0, D_PART) != K_OK) return K_ERR;
                if (!r_ok && exchange(c, ls, &R, EX_XCHG_HASH, rkeys, nk, NULL, 0, D_PART) != K_OK) return K_ERR;
                how = l_ok ? "repartition build" : r_ok ? "repartition probe" : "repartition";
            }
        }
    }

    /* output columns */
    bool keep_right = jt == EX_JOIN_INNER || jt == EX_JOIN_LEFT || jt == EX_JOIN_FULL || jt == EX_JOIN_RIGHT;
    uint32_t ncomb = L.n + R.n;
    int32_t *comb = pl__alloc(c, sizeof(int32_t) * (ncomb + 1));
    if (!comb) return K_ERR;
    memcpy(comb, L.cols, sizeof(int32_t) * L.n);
    memcpy(comb + L.n, R.cols, sizeof(int32_t) * R.n);
    uint32_t nout = 0;
    uint32_t *outc = pl__alloc(c, sizeof(uint32_t) * (ncomb + 2));
    int32_t *ocols = pl__alloc(c, sizeof(int32_t) * (ncomb + 2));
    if (!outc || !ocols) return K_ERR;
    for (uint32_t i = 0; i < (keep_right ? ncomb : L.n); i++)
        if (need[comb[i]]) {
            outc[nout] = i;
            ocols[nout++] = comb[i];
        }
    if (nout == 0) {
        outc[0] = 0;
        ocols[0] = comb[0];
        nout = 1;
    }
    uint32_t ntot = nout;
    if (jt == EX_JOIN_MARK) ocols[ntot++] = r->mark_col;

    ExPlan *p;
    if (nk > 0) {
        p = new_plan(c, EX_OP_HASH_JOIN, ntot, ocols, r->rows);
        if (!p) return K_ERR;
        p->u.join.type = (uint8_t)jt;
        p->u.join.nkeys = nk;
        p->u.join.probe_keys = pl__alloc(c, sizeof(ExExpr *) * nk);
        p->u.join.build_keys = pl__alloc(c, sizeof(ExExpr *) * nk);
        if (!p->u.join.probe_keys || !p->u.join.build_keys) return K_ERR;
        for (uint32_t k = 0; k < nk; k++) {
            ExExpr *a = pk[k], *b = bk[k];
            if (!k_type_equal(a->type, b->type) && !(k_type_is_string(a->type) && a->type.id == b->type.id)) {
                KType t;
                if (pl__common_type(c, a->type, b->type, -1, "JOIN", &t) != K_OK) return K_ERR;
                a = pl__coerce(c, a, t, -1);
                b = pl__coerce(c, b, t, -1);
                if (!a || !b) return K_ERR;
            }
            p->u.join.probe_keys[k] = xlate(c, a, L.cols, L.n);
            p->u.join.build_keys[k] = xlate(c, b, R.cols, R.n);
            if (!p->u.join.probe_keys[k] || !p->u.join.build_keys[k]) return K_ERR;
        }
        if (nres) {
            p->u.join.residual = xlate_and(c, res, nres, comb, ncomb);
            if (!p->u.join.residual) return K_ERR;
        }
        p->u.join.nout = nout;
        p->u.join.out_cols = outc;
        p->u.join.rf_produce = -1;
        /* runtime filter into the probe scan: over the first key whose probe
         * side is a column read by a scan of this pipeline; that key moves
         * to position 0, where the executor builds the filter */
        int32_t pc;
        /* one key of several filters less (the build side may hold every
         * value of it, e.g. partsupp's suppliers): only for a build side
         * under a quarter of the probe's rows */
        bool rf_ok = c->opts.runtime_filters && (jt == EX_JOIN_INNER || jt == EX_JOIN_SEMI) &&
                     R.p->est_rows * (nk > 1 ? 4 : 1) < L.p->est_rows;
        for (uint32_t k = 0; rf_ok && k < nk && p->u.join.rf_produce < 0; k++) {
            if (!is_plain_col(pk[k], &pc)) continue;
            for (uint32_t i = 0; i < L.nrft; i++) {
                if (L.rft[i].col != pc) continue;
                if (k > 0) {
                    ExExpr *t = p->u.join.probe_keys[0];
                    p->u.join.probe_keys[0] = p->u.join.probe_keys[k];
                    p->u.join.probe_keys[k] = t;
                    t = p->u.join.build_keys[0];
                    p->u.join.build_keys[0] = p->u.join.build_keys[k];
                    p->u.join.build_keys[k] = t;
                }
                ExPlan *scan = L.rft[i].scan;
                uint32_t id = c->next_rf++;
                p->u.join.rf_produce = (int32_t)id;
                ExRuntimeFilterUse *nu = pl__alloc(c, sizeof(ExRuntimeFilterUse) * (scan->u.scan.nrf + 1));
                if (!nu) return K_ERR;
                if (scan->u.scan.nrf) memcpy(nu, scan->u.scan.rfs, sizeof(ExRuntimeFilterUse) * scan->u.scan.nrf);
                nu[scan->u.scan.nrf].id = id;
                nu[scan->u.scan.nrf].col = L.rft[i].idx;
                scan->u.scan.rfs = nu;
                scan->u.scan.nrf++;
                break;
            }
        }
    } else {
        ExJoinType nt = jt;
        if (jt != EX_JOIN_INNER && jt != EX_JOIN_LEFT && jt != EX_JOIN_SEMI && jt != EX_JOIN_ANTI)
            return k_error(c->err, K_FEATURE_NOT_SUPPORTED, "this join needs an equality condition");
        p = new_plan(c, EX_OP_NESTED_LOOP, ntot, ocols, r->rows);
        if (!p) return K_ERR;
        p->u.nl.type = (uint8_t)nt;
        if (nres) {
            p->u.nl.pred = xlate_and(c, res, nres, comb, ncomb);
            if (!p->u.nl.pred) return K_ERR;
        }
        p->u.nl.nout = nout;
        p->u.nl.out_cols = outc;
    }
    p->left = L.p;
    p->right = R.p;
    p->label = k_sprintf(c->a, "%s", how ? how : "local");
    set_opnames(c, p, comb, ncomb);
    out->p = p;
    out->n = ntot;
    out->cols = ocols;
    out->dist = rd;
    set_hash(out, NULL, 0);
    if (keep_l_hash && rd == D_PART && L.nhash > 0) {
        /* per hash position: the probe's column, its equal, or (inner join) the
         * build key it was joined with — whichever is still in the output */
        int32_t h[ST_MAX_DIST_COLS], al[ST_MAX_DIST_COLS];
        bool all = true;
        for (uint32_t i = 0; i < L.nhash && all; i++) {
            int32_t cand[3] = {L.hash[i], L.alt[i], -1};
            if (jt == EX_JOIN_INNER)
                for (uint32_t k = 0; k < nk; k++) {
                    int32_t a, b;
                    if (is_plain_col(pk[k], &a) && is_plain_col(bk[k], &b) && hash_is(&L, i, a) &&
                        k_type_equal(pk[k]->type, bk[k]->type))
                        cand[2] = b;
                }
            h[i] = al[i] = -1;
            for (int t = 0; t < 3; t++) {
                if (cand[t] < 0 || pos_of(ocols, ntot, cand[t]) < 0) continue;
                if (h[i] < 0) h[i] = cand[t];
                else if (al[i] < 0 && cand[t] != h[i]) al[i] = cand[t];
            }
            if (h[i] < 0) all = false;
        }
        if (all) {
            set_hash(out, h, L.nhash);
            memcpy(out->alt, al, sizeof(int32_t) * L.nhash);
        }
    }
    out->nrft = L.nrft;
    out->rft = L.rft;
    return K_OK;
}

static int
lower_agg(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    uint8_t *cn = need_new(c, NULL);
    if (!cn) return K_ERR;
    for (uint32_t i = 0; i < r->ngroups; i++) need_expr(cn, r->groups[i]);
    bool any_distinct = false;
    for (uint32_t i = 0; i < r->naggs; i++) {
        need_expr(cn, r->aggs[i].arg);
        need_expr(cn, r->aggs[i].filter);
        any_distinct |= r->aggs[i].distinct;
    }
    Phys in;
    if (lower(c, ls, r->left, cn, &in) != K_OK) return K_ERR;
    uint32_t ng = r->ngroups, na = r->naggs;
    uint32_t nw = nworkers(c);

    /* group keys as plain input columns (needed to hash-exchange on them) */
    bool plain_groups = true;
    for (uint32_t i = 0; i < ng; i++)
        if (r->groups[i]->kind != EX_EXPR_COLUMN) plain_groups = false;

    ExAggMode mode = EX_AGG_COMPLETE;
    bool need_exchange = false;
    const char *how = "local";
    if (in.dist == D_PART && nw > 1) {
        bool hashed = ng > 0 && in.nhash > 0;
        for (uint32_t h = 0; h < in.nhash && hashed; h++) {
            bool found = false;
            for (uint32_t i = 0; i < ng; i++)
                if (r->groups[i]->kind == EX_EXPR_COLUMN && hash_is(&in, h, (int32_t)r->groups[i]->u.column.index))
                    found = true;
            hashed = found;
        }
        if (hashed) how = "co-located with the group keys";
        else if (any_distinct || !c->opts.partial_agg || (ng > 0 && !plain_groups)) {
            need_exchange = true;
        } else {
            mode = EX_AGG_PARTIAL;
        }
    } else if (in.dist == D_PART) {
        how = "single worker";
    }

    if (need_exchange && ng > 0 && !plain_groups) {
        /* compute the group keys into columns first */
        uint32_t n = in.n + ng;
        int32_t *cols = pl__alloc(c, sizeof(int32_t) * (n + 1));
        ExExpr **ex = pl__alloc(c, sizeof(ExExpr *) * (n + 1));
        ExExpr **ng_exprs = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
        if (!cols || !ex || !ng_exprs) return K_ERR;
        for (uint32_t i = 0; i < in.n; i++) {
            cols[i] = in.cols[i];
            ex[i] = pl__col_ref(c, in.cols[i]);
            ex[i] = xlate(c, ex[i], in.cols, in.n);
            if (!ex[i]) return K_ERR;
        }
        for (uint32_t i = 0; i < ng; i++) {
            cols[in.n + i] = pl__new_col(c, r->groups[i]->type, "?group?");
            if (cols[in.n + i] < 0) return K_ERR;
            ex[in.n + i] = xlate(c, r->groups[i], in.cols, in.n);
            if (!ex[in.n + i]) return K_ERR;
            ng_exprs[i] = pl__col_ref(c, cols[in.n + i]);
        }
        ExPlan *p = new_plan(c, EX_OP_PROJECT, n, cols, in.p->est_rows);
        if (!p) return K_ERR;
        p->left = in.p;
        p->u.project.nexprs = n;
        p->u.project.exprs = ex;
        set_opnames(c, p, in.cols, in.n);
        in.p = p;
        in.n = n;
        in.cols = cols;
        r->groups = ng_exprs;
    }
    if (need_exchange) {
        if (ng > 0) {
            int32_t *keys = pl__alloc(c, sizeof(int32_t) * ng);
            if (!keys) return K_ERR;
            for (uint32_t i = 0; i < ng; i++) keys[i] = (int32_t)r->groups[i]->u.column.index;
            if (exchange(c, ls, &in, EX_XCHG_HASH, keys, ng, NULL, 0, D_PART) != K_OK) return K_ERR;
            how = "after repartition on the group keys";
        } else {
            if (to_single(c, ls, &in) != K_OK) return K_ERR;
            how = "after gather";
        }
    }

    /* the aggregate over `in` */
    ExAggSpec *aggs = pl__alloc(c, sizeof(ExAggSpec) * (na + 1));
    ExExpr **groups = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
    if (!aggs || !groups) return K_ERR;
    for (uint32_t i = 0; i < ng; i++) {
        groups[i] = xlate(c, r->groups[i], in.cols, in.n);
        if (!groups[i]) return K_ERR;
    }
    for (uint32_t i = 0; i < na; i++) {
        aggs[i] = r->aggs[i];
        if (r->aggs[i].arg) {
            aggs[i].arg = xlate(c, r->aggs[i].arg, in.cols, in.n);
            if (!aggs[i].arg) return K_ERR;
        }
        if (r->aggs[i].filter) {
            aggs[i].filter = xlate(c, r->aggs[i].filter, in.cols, in.n);
            if (!aggs[i].filter) return K_ERR;
        }
    }
    if (mode == EX_AGG_COMPLETE) {
        ExPlan *p = new_plan(c, EX_OP_HASH_AGG, r->ncols, r->cols, r->rows);
        if (!p) return K_ERR;
        p->left = in.p;
        p->u.agg.mode = EX_AGG_COMPLETE;
        p->u.agg.ngroups = ng;
        p->u.agg.groups = groups;
        p->u.agg.naggs = na;
        p->u.agg.aggs = aggs;
        p->label = how;
        set_opnames(c, p, in.cols, in.n);
        out->p = p;
        out->n = r->ncols;
        out->cols = r->cols;
        out->dist = in.dist;
        set_hash(out, NULL, 0);
        if (in.dist == D_PART && in.nhash > 0) {
            /* hashed on group columns: the output group columns carry it */
            bool all = true;
            int32_t h[ST_MAX_DIST_COLS];
            for (uint32_t k = 0; k < in.nhash; k++) {
                int found = -1;
                for (uint32_t i = 0; i < ng; i++)
                    if (r->groups[i]->kind == EX_EXPR_COLUMN && hash_is(&in, k, (int32_t)r->groups[i]->u.column.index))
                        found = (int)i;
                if (found < 0) all = false;
                else h[k] = r->cols[found];
            }
            if (all) set_hash(out, h, in.nhash);
        }
        out->nrft = 0;
        out->rft = NULL;
        return K_OK;
    }
    /* PARTIAL → exchange → FINAL */
    uint32_t nstate = 0;
    KType st[3];
    for (uint32_t i = 0; i < na; i++)
        nstate += ex_agg_state_types((ExAggFunc)aggs[i].func, aggs[i].arg ? aggs[i].arg->type : k_type(K_TYPE_INT64), st);
    uint32_t npc = ng + nstate;
    int32_t *pcols = pl__alloc(c, sizeof(int32_t) * (npc + 1));
    if (!pcols) return K_ERR;
    for (uint32_t i = 0; i < ng; i++) pcols[i] = r->cols[i];
    uint32_t k = ng;
    uint32_t *state_col = pl__alloc(c, sizeof(uint32_t) * (na + 1));
    if (!state_col) return K_ERR;
    for (uint32_t i = 0; i < na; i++) {
        uint32_t m = ex_agg_state_types((ExAggFunc)aggs[i].func, aggs[i].arg ? aggs[i].arg->type : k_type(K_TYPE_INT64), st);
        state_col[i] = k;
        for (uint32_t j = 0; j < m; j++) {
            pcols[k] = pl__new_col(c, st[j], k_sprintf(c->a, "%s.state%u", c->cols[r->cols[ng + i]].name, j));
            if (pcols[k] < 0) return K_ERR;
            k++;
        }
    }
    double prow = K_MIN(in.p->est_rows, r->rows * nw);
    ExPlan *pp = new_plan(c, EX_OP_HASH_AGG, npc, pcols, prow);
    if (!pp) return K_ERR;
    pp->left = in.p;
    pp->u.agg.mode = EX_AGG_PARTIAL;
    pp->u.agg.ngroups = ng;
    pp->u.agg.groups = groups;
    pp->u.agg.naggs = na;
    pp->u.agg.aggs = aggs;
    pp->label = "partial";
    set_opnames(c, pp, in.cols, in.n);
    Phys mid = in;
    mid.p = pp;
    mid.n = npc;
    mid.cols = pcols;
    if (ng > 0) {
        if (exchange(c, ls, &mid, EX_XCHG_HASH, pcols, ng, NULL, 0, D_PART) != K_OK) return K_ERR;
    } else {
        if (to_single(c, ls, &mid) != K_OK) return K_ERR;
    }
    ExAggSpec *faggs = pl__alloc(c, sizeof(ExAggSpec) * (na + 1));
    ExExpr **fgroups = pl__alloc(c, sizeof(ExExpr *) * (ng + 1));
    if (!faggs || !fgroups) return K_ERR;
    for (uint32_t i = 0; i < ng; i++) {
        fgroups[i] = xlate(c, pl__col_ref(c, pcols[i]), mid.cols, mid.n);
        if (!fgroups[i]) return K_ERR;
    }
    for (uint32_t i = 0; i < na; i++) {
        faggs[i] = aggs[i];
        faggs[i].state_col = state_col[i];
        faggs[i].filter = NULL;
    }
    ExPlan *fp = new_plan(c, EX_OP_HASH_AGG, r->ncols, r->cols, r->rows);
    if (!fp) return K_ERR;
    fp->left = mid.p;
    fp->u.agg.mode = EX_AGG_FINAL;
    fp->u.agg.ngroups = ng;
    fp->u.agg.groups = fgroups;
    fp->u.agg.naggs = na;
    fp->u.agg.aggs = faggs;
    fp->label = ng ? "final, after repartition on the group keys" : "final";
    set_opnames(c, fp, mid.cols, mid.n);
    out->p = fp;
    out->n = r->ncols;
    out->cols = r->cols;
    out->dist = mid.dist;
    set_hash(out, r->cols, mid.dist == D_PART && ng <= ST_MAX_DIST_COLS ? ng : 0);
    out->nrft = 0;
    out->rft = NULL;
    return K_OK;
}

static ExSortKey *
xlate_keys(PlCtx *c, const ExSortKey *keys, uint32_t nk, const int32_t *cols, uint32_t n)
{
    ExSortKey *k = pl__alloc(c, sizeof(ExSortKey) * (nk + 1));
    if (!k) return NULL;
    for (uint32_t i = 0; i < nk; i++) {
        k[i] = keys[i];
        k[i].expr = xlate(c, keys[i].expr, cols, n);
        if (!k[i].expr) return NULL;
    }
    return k;
}

static int
lower_sort(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    uint8_t *cn = need_new(c, need);
    if (!cn) return K_ERR;
    for (uint32_t i = 0; i < r->nkeys; i++) need_expr(cn, r->keys[i].expr);
    Phys in;
    if (lower(c, ls, r->left, cn, &in) != K_OK) return K_ERR;
    if (in.dist == D_PART && nworkers(c) > 1) {
        ExSortKey *lk = xlate_keys(c, r->keys, r->nkeys, in.cols, in.n);
        if (!lk) return K_ERR;
        ExPlan *p = new_plan(c, EX_OP_SORT, in.n, in.cols, r->limit >= 0 ? K_MIN(in.p->est_rows, (double)(r->limit + r->offset)) : in.p->est_rows);
        if (!p) return K_ERR;
        p->left = in.p;
        p->u.sort.nkeys = r->nkeys;
        p->u.sort.keys = lk;
        p->u.sort.limit = r->limit >= 0 ? r->limit + r->offset : -1;
        p->u.sort.offset = 0;
        p->label = r->limit >= 0 ? "per-worker top-N" : "per-worker";
        set_opnames(c, p, in.cols, in.n);
        in.p = p;
        if (exchange(c, ls, &in, EX_XCHG_MERGE_GATHER, NULL, 0, lk, r->nkeys, D_SINGLE) != K_OK) return K_ERR;
    } else if (in.dist != D_SINGLE) {
        if (to_single(c, ls, &in) != K_OK) return K_ERR;
    }
    ExPlan *p = new_plan(c, EX_OP_SORT, in.n, in.cols, r->rows);
    if (!p) return K_ERR;
    p->left = in.p;
    p->u.sort.nkeys = r->nkeys;
    p->u.sort.keys = xlate_keys(c, r->keys, r->nkeys, in.cols, in.n);
    if (!p->u.sort.keys) return K_ERR;
    p->u.sort.limit = r->limit;
    p->u.sort.offset = r->offset;
    if (r->limit >= 0) p->label = "top-N";
    set_opnames(c, p, in.cols, in.n);
    *out = in;
    out->p = p;
    out->dist = D_SINGLE;
    set_hash(out, NULL, 0);
    out->nrft = 0;
    return K_OK;
}

static int
lower_limit(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    Phys in;
    if (lower(c, ls, r->left, need, &in) != K_OK) return K_ERR;
    if (in.dist != D_SINGLE) {
        if (r->limit >= 0 && in.dist == D_PART) {
            ExPlan *p = new_plan(c, EX_OP_LIMIT, in.n, in.cols, K_MIN(in.p->est_rows, (double)(r->limit + r->offset)));
            if (!p) return K_ERR;
            p->left = in.p;
            p->u.limit.limit = r->limit + r->offset;
            p->u.limit.offset = 0;
            p->label = "per-worker";
            set_opnames(c, p, in.cols, in.n);
            in.p = p;
        }
        if (to_single(c, ls, &in) != K_OK) return K_ERR;
    }
    ExPlan *p = new_plan(c, EX_OP_LIMIT, in.n, in.cols, r->rows);
    if (!p) return K_ERR;
    p->left = in.p;
    p->u.limit.limit = r->limit;
    p->u.limit.offset = r->offset;
    set_opnames(c, p, in.cols, in.n);
    *out = in;
    out->p = p;
    out->nrft = 0;
    return K_OK;
}

static int
lower_window(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    uint8_t *cn = need_new(c, need);
    if (!cn) return K_ERR;
    for (uint32_t i = 0; i < r->npart; i++) need_expr(cn, r->part[i]);
    for (uint32_t i = 0; i < r->norder; i++) need_expr(cn, r->order[i].expr);
    for (uint32_t i = 0; i < r->nfuncs; i++) {
        need_expr(cn, r->funcs[i].arg);
        need_expr(cn, r->funcs[i].dflt);
        need_expr(cn, r->funcs[i].agg.arg);
    }
    Phys in;
    if (lower(c, ls, r->left, cn, &in) != K_OK) return K_ERR;
    const char *how = "local";
    if (in.dist == D_PART && nworkers(c) > 1) {
        bool plain = r->npart > 0;
        for (uint32_t i = 0; i < r->npart; i++)
            if (r->part[i]->kind != EX_EXPR_COLUMN) plain = false;
        bool hashed = plain && in.nhash > 0;
        for (uint32_t h = 0; h < in.nhash && hashed; h++) {
            bool found = false;
            for (uint32_t i = 0; i < r->npart; i++)
                if (hash_is(&in, h, (int32_t)r->part[i]->u.column.index)) found = true;
            hashed = found;
        }
        if (hashed) how = "co-located with the partitions";
        else if (plain) {
            int32_t *keys = pl__alloc(c, sizeof(int32_t) * r->npart);
            if (!keys) return K_ERR;
            for (uint32_t i = 0; i < r->npart; i++) keys[i] = (int32_t)r->part[i]->u.column.index;
            if (exchange(c, ls, &in, EX_XCHG_HASH, keys, r->npart, NULL, 0, D_PART) != K_OK) return K_ERR;
            how = "after repartition on the partition keys";
        } else {
            if (to_single(c, ls, &in) != K_OK) return K_ERR;
            how = "after gather";
        }
    }
    uint32_t n = in.n + r->nfuncs;
    int32_t *cols = pl__alloc(c, sizeof(int32_t) * (n + 1));
    if (!cols) return K_ERR;
    memcpy(cols, in.cols, sizeof(int32_t) * in.n);
    for (uint32_t i = 0; i < r->nfuncs; i++) cols[in.n + i] = r->cols[r->ncols - r->nfuncs + i];
    ExPlan *p = new_plan(c, EX_OP_WINDOW, n, cols, r->rows);
    if (!p) return K_ERR;
    p->left = in.p;
    p->label = how;
    p->u.window.npart = r->npart;
    p->u.window.part = pl__alloc(c, sizeof(ExExpr *) * (r->npart + 1));
    if (!p->u.window.part) return K_ERR;
    for (uint32_t i = 0; i < r->npart; i++)
        if (!(p->u.window.part[i] = xlate(c, r->part[i], in.cols, in.n))) return K_ERR;
    p->u.window.norder = r->norder;
    p->u.window.order = xlate_keys(c, r->order, r->norder, in.cols, in.n);
    if (!p->u.window.order) return K_ERR;
    p->u.window.nfuncs = r->nfuncs;
    p->u.window.funcs = pl__alloc(c, sizeof(ExWindowFunc) * (r->nfuncs + 1));
    if (!p->u.window.funcs) return K_ERR;
    for (uint32_t i = 0; i < r->nfuncs; i++) {
        ExWindowFunc *w = &p->u.window.funcs[i];
        *w = r->funcs[i];
        if (w->arg && !(w->arg = xlate(c, r->funcs[i].arg, in.cols, in.n))) return K_ERR;
        if (w->dflt && !(w->dflt = xlate(c, r->funcs[i].dflt, in.cols, in.n))) return K_ERR;
        if (w->agg.arg && !(w->agg.arg = xlate(c, r->funcs[i].agg.arg, in.cols, in.n))) return K_ERR;
    }
    set_opnames(c, p, in.cols, in.n);
    *out = in;
    out->p = p;
    out->n = n;
    out->cols = cols;
    out->nrft = 0;
    return K_OK;
}

/* Every column of both inputs of a two-input node (set operation, recursive
 * union) as a need set; NULL + err on OOM. */
static uint8_t *
need_both_inputs(PlCtx *c, const PlRel *r)
{
    uint8_t *all = need_new(c, NULL);
    if (!all) return NULL;
    for (uint32_t i = 0; i < r->left->ncols; i++) all[r->left->cols[i]] = 1;
    for (uint32_t i = 0; i < r->right->ncols; i++) all[r->right->cols[i]] = 1;
    return all;
}

/* *out becomes plan p on one instance (its other fields as lower() set them). */
static int
single_out(Phys *out, ExPlan *p, uint32_t n, int32_t *cols)
{
    out->p = p;
    out->n = n;
    out->cols = cols;
    out->dist = D_SINGLE;
    return K_OK;
}

static int
lower(PlCtx *c, LowerState *ls, PlRel *r, const uint8_t *need, Phys *out)
{
    memset(out, 0, sizeof *out);
    set_hash(out, NULL, 0);
    if (c->lower_single && !pl__has_worktable(r)) {
        /* a recursive term runs on one instance: what it reads besides the
         * work table is planned as usual and gathered there (recursive.c) */
        uint32_t save = c->lower_single;
        c->lower_single = 0;
        int rc = lower(c, ls, r, need, out);
        c->lower_single = save;
        return rc != K_OK ? rc : to_single(c, ls, out);
    }
    switch ((PlRelKind)r->kind) {
    case PL_SCAN: return lower_scan(c, r, need, out);
    case PL_FILTER: return lower_filter(c, ls, r, need, out);
    case PL_PROJECT: return lower_project(c, ls, r, need, out);
    case PL_JOIN: return lower_join(c, ls, r, need, out);
    case PL_AGG: return lower_agg(c, ls, r, need, out);
    case PL_SORT: return lower_sort(c, ls, r, need, out);
    case PL_LIMIT: return lower_limit(c, ls, r, need, out);
    case PL_VALUES: {
        uint32_t n = r->ncols;
        int32_t *cols = r->cols;
        int32_t dummy;
        if (n == 0) { /* SELECT without FROM: one row of one dummy column */
            dummy = pl__new_col(c, k_type(K_TYPE_INT32), "?dummy?");
            if (dummy < 0) return K_ERR;
            cols = pl__alloc(c, sizeof(int32_t));
            if (!cols) return K_ERR;
            cols[0] = dummy;
            n = 1;
        }
        ExPlan *p = new_plan(c, EX_OP_VALUES, n, cols, r->nrows);
        if (!p) return K_ERR;
        p->u.values.nrows = r->nrows;
        p->u.values.cells = pl__alloc(c, sizeof(ExExpr *) * (r->nrows * n + 1));
        if (!p->u.values.cells) return K_ERR;
        for (uint32_t i = 0; i < r->nrows * n; i++) {
            if (r->ncols == 0) {
                ExExpr *z = pl__alloc(c, sizeof(ExExpr));
                if (!z) return K_ERR;
                z->kind = EX_EXPR_CONST;
                z->type = k_type(K_TYPE_INT32);
                z->pos = -1;
                p->u.values.cells[i] = z;
                continue;
            }
            p->u.values.cells[i] = xlate(c, r->cells[i], NULL, 0);
            if (!p->u.values.cells[i]) return K_ERR;
        }
        return single_out(out, p, n, cols);
    }
    case PL_SETOP: {
        uint8_t *all = need_both_inputs(c, r);
        if (!all) return K_ERR;
        Phys L, R;
        if (lower(c, ls, r->left, all, &L) != K_OK || lower(c, ls, r->right, all, &R) != K_OK) return K_ERR;
        if (to_single(c, ls, &L) != K_OK || to_single(c, ls, &R) != K_OK) return K_ERR;
        if (L.n != r->ncols || R.n != r->ncols)
            return k_error(c->err, K_INTERNAL_ERROR, "planner: set operation inputs lost columns");
        ExPlan *p = new_plan(c, EX_OP_SETOP, r->ncols, r->cols, r->rows);
        if (!p) return K_ERR;
        p->left = L.p;
        p->right = R.p;
        p->u.setop.op = r->setop;
        p->u.setop.all = r->all;
        return single_out(out, p, r->ncols, r->cols);
    }
    case PL_WINDOW:
        return lower_window(c, ls, r, need, out);
    case PL_RECURSIVE: {
        /* WITH RECURSIVE: anchor and recursive term on the coordinator */
        uint8_t *all = need_both_inputs(c, r);
        if (!all) return K_ERR;
        Phys L, R;
        if (lower(c, ls, r->left, all, &L) != K_OK || to_single(c, ls, &L) != K_OK) return K_ERR;
        c->lower_single++;
        int rc = lower(c, ls, r->right, all, &R);
        c->lower_single--;
        if (rc != K_OK || to_single(c, ls, &R) != K_OK) return K_ERR;
        if (L.n != r->ncols || R.n != r->ncols)
            return k_error(c->err, K_INTERNAL_ERROR, "planner: recursive query inputs lost columns");
        ExPlan *p = new_plan(c, EX_OP_RECURSIVE, r->ncols, r->cols, r->rows);
        if (!p) return K_ERR;
        p->left = L.p;
        p->right = R.p;
        p->u.recursive.wt_id = (uint32_t)r->wt_id;
        p->u.recursive.all = r->all;
        p->u.recursive.max_iterations = r->limit;
        return single_out(out, p, r->ncols, r->cols);
    }
    case PL_WORKTABLE: {
        ExPlan *p = new_plan(c, EX_OP_WORKTABLE, r->ncols, r->cols, r->rows);
        if (!p) return K_ERR;
        p->u.worktable.wt_id = (uint32_t)r->wt_id;
        return single_out(out, p, r->ncols, r->cols);
    }
    default:
        return k_error(c->err, K_INTERNAL_ERROR, "planner: unknown logical operator");
    }
}

/* Point every producer at the fragment that reads its exchange. */
static void
link_targets(LowerState *ls, const ExPlan *p, uint32_t consumer)
{
    if (!p) return;
    if (p->kind == EX_OP_EXCHANGE_SOURCE) {
        uint32_t xid = p->u.exchange.exchange_id;
        if (xid < ls->capx) ls->frags[ls->xprod[xid]].out.target_fragment = consumer;
        return;
    }
    link_targets(ls, p->left, consumer);
    link_targets(ls, p->right, consumer);
}

int
pl__lower(PlCtx *c, PlRel *root, uint32_t nout, const int32_t *out_cols, const char **names,
          ExQueryPlan **out)
{
    LowerState ls;
    memset(&ls, 0, sizeof ls);

    uint8_t *need = need_new(c, NULL);
    if (!need) return K_ERR;
    for (uint32_t i = 0; i < nout; i++) need[out_cols[i]] = 1;
    Phys top;
    if (lower(c, &ls, root, need, &top) != K_OK) return K_ERR;
    if (top.dist != D_SINGLE && to_single(c, &ls, &top) != K_OK) return K_ERR;
    /* the result columns in select-list order */
    bool same = top.n == nout;
    for (uint32_t i = 0; i < nout && same; i++) same = top.cols[i] == out_cols[i];
    if (!same) {
        ExPlan *p = new_plan(c, EX_OP_PROJECT, nout, out_cols, top.p->est_rows);
        if (!p) return K_ERR;
        p->left = top.p;
        p->u.project.nexprs = nout;
        p->u.project.exprs = pl__alloc(c, sizeof(ExExpr *) * (nout + 1));
        if (!p->u.project.exprs) return K_ERR;
        for (uint32_t i = 0; i < nout; i++) {
            p->u.project.exprs[i] = xlate(c, pl__col_ref(c, out_cols[i]), top.cols, top.n);
            if (!p->u.project.exprs[i]) return K_ERR;
        }
        set_opnames(c, p, top.cols, top.n);
        top.p = p;
    }
    uint32_t ri;
    if (add_fragment(c, &ls, top.p, EX_RUN_COORDINATOR, &ri) != K_OK) return K_ERR;
    for (uint32_t i = 0; i < ls.nfrags; i++) link_targets(&ls, ls.frags[i].root, i);
    ExQueryPlan *q = pl__alloc(c, sizeof(ExQueryPlan));
    if (!q) return K_ERR;
    q->nfrags = ls.nfrags;
    q->frags = ls.frags;
    q->root = ri;
    q->ncols = nout;
    q->names = pl__alloc(c, sizeof(char *) * (nout + 1));
    q->types = pl__alloc(c, sizeof(KType) * (nout + 1));
    if (!q->names || !q->types) return K_ERR;
    for (uint32_t i = 0; i < nout; i++) {
        q->names[i] = names[i];
        q->types[i] = c->cols[out_cols[i]].type;
    }
    q->nops = c->next_op_id;
    *out = q;
    return K_OK;
}
