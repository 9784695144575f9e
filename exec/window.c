/*
 * window.c — the WINDOW operator: row_number, rank, dense_rank, ntile,
 * lag/lead, first_value/last_value, and aggregates (sum, avg, min, max,
 * count, ...) over the default frame or a ROWS frame.
 *
 * Interface routines: ex__produce_window.
 *
 * The input is materialized (its columns plus the evaluated partition
 * keys, order keys, arguments and LAG/LEAD defaults), sorted by partition
 * then order keys, and walked partition by partition. Results are written
 * into one value array per function (indexed by sorted position), then the
 * rows are emitted in sorted order: input columns followed by one column
 * per function. Frames that start at UNBOUNDED PRECEDING (the default)
 * accumulate incrementally; other ROWS frames recompute per row
 * (O(rows × frame width)).
 */
#include "exec/exec_int.h"

#include <stdlib.h>

typedef struct WinTls {
    ExStore store;
    ExEval **ev;
    KVector **cols;
    KArena *heap;
} WinTls;

typedef struct Win {
    ExConsumer base;
    ExExec *x;
    const ExPlan *p;
    WinTls *tls;
    uint32_t nin, nextra;
    ExExpr **extra;      /* evaluated columns appended after the input */
    uint32_t part0, order0;
    uint32_t *argcol;    /* per function: store column of arg, or UINT32_MAX */
    uint32_t *dfltcol;   /* per function: store column of the LAG/LEAD default */
} Win;

typedef struct WinSort {
    const ExStore *s;
    const Win *w;
} WinSort;

static int
cmp_key(const ExStore *s, uint32_t col, uint32_t a, uint32_t b, bool desc, bool nulls_first)
{
    const KVector *va = ex__store_col(s, a, col), *vb = ex__store_col(s, b, col);
    uint32_t ra = EX_REF_ROW(a), rb = EX_REF_ROW(b);
    bool na = !k_vec_is_valid(va, ra), nb = !k_vec_is_valid(vb, rb);
    if (na || nb) {
        if (na && nb) return 0;
        int r = na ? 1 : -1;
        return nulls_first ? -r : r;
    }
    int r = ex__cmp_slot(va->type, k_vec_slot(va, ra), k_vec_slot(vb, rb));
    return desc ? -r : r;
}

static int
win_cmp(const void *pa, const void *pb, void *arg)
{
    const WinSort *c = arg;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const ExPlan *p = c->w->p;
    for (uint32_t k = 0; k < p->u.window.npart; k++) {
        int r = cmp_key(c->s, c->w->part0 + k, a, b, false, false);
        if (r) return r;
    }
    for (uint32_t k = 0; k < p->u.window.norder; k++) {
        const ExSortKey *sk = &p->u.window.order[k];
        int r = cmp_key(c->s, c->w->order0 + k, a, b, sk->desc, sk->nulls_first);
        if (r) return r;
    }
    return (a > b) - (a < b);
}

static bool
same_keys(const ExStore *s, uint32_t col0, uint32_t n, uint32_t a, uint32_t b)
{
    for (uint32_t k = 0; k < n; k++)
        if (cmp_key(s, col0 + k, a, b, false, false)) return false;
    return true;
}

static int
win_push(ExConsumer *c, uint32_t tid, KBatch *b, KErr *err)
{
    Win *w = (Win *)c;
    WinTls *t = &w->tls[tid];
    uint32_t n = k_batch_rows(b);
    for (uint32_t i = 0; i < w->nin; i++) t->cols[i] = &b->cols[i];
    for (uint32_t k = 0; k < w->nextra; k++)
        if (ex__eval(t->ev[k], b, b->sel, n, t->heap, &t->cols[w->nin + k], err)) return K_ERR;
    int rc = ex__store_append(&t->store, b, t->cols, err);
    k_arena_reset(t->heap);
    return rc;
}

/* Copy the value at store ref into result vector row i. */
static void
put_from(const ExStore *s, uint32_t col, uint32_t ref, KVector *out, uint64_t i)
{
    const KVector *v = ex__store_col(s, ref, col);
    uint32_t r = EX_REF_ROW(ref);
    size_t wd = k_type_width(out->type);
    bool ok = k_vec_is_valid(v, r);
    k_vec_set_valid(out, (uint32_t)i, ok);
    if (ok) memcpy((char *)out->data + i * wd, k_vec_slot(v, r), wd);
}

static int
compute(Win *w, const ExStore *s, const uint32_t *refs, uint64_t n, KVector *res,
        KArena *a, KErr *err)
{
    const ExPlan *p = w->p;
    uint32_t nf = p->u.window.nfuncs;
    uint64_t *peer_end = k_alloc(a, sizeof(uint64_t) * (n ? n : 1));
    if (!peer_end) return k_error_oom(err, a, sizeof(uint64_t) * n);
    uint64_t ps = 0;
    while (ps < n) {
        if (ex__check(w->x, err)) return K_ERR;
        uint64_t pe = ps + 1;
        while (pe < n && same_keys(s, w->part0, p->u.window.npart, refs[pe - 1], refs[pe])) pe++;
        /* peer groups */
        for (uint64_t i = pe; i-- > ps;) {
            if (i + 1 < pe && same_keys(s, w->order0, p->u.window.norder, refs[i], refs[i + 1]))
                peer_end[i] = peer_end[i + 1];
            else
                peer_end[i] = i + 1;
        }
        for (uint32_t f = 0; f < nf; f++) {
            const ExWindowFunc *wf = &p->u.window.funcs[f];
            KVector *out = &res[f];
            int64_t rank = 0, dense = 0;
            ExAggAcc acc;
            uint64_t added = ps;
            memset(&acc, 0, sizeof acc);
            for (uint64_t i = ps; i < pe; i++) {
                bool new_peer = i == ps || peer_end[i - 1] != peer_end[i];
                switch ((ExWindowKind)wf->kind) {
                case EX_WIN_ROW_NUMBER:
                    ((int64_t *)out->data)[i] = (int64_t)(i - ps + 1);
                    break;
                case EX_WIN_RANK:
                    if (new_peer) rank = (int64_t)(i - ps + 1);
                    ((int64_t *)out->data)[i] = rank;
                    break;
                case EX_WIN_DENSE_RANK:
                    if (new_peer) dense++;
                    ((int64_t *)out->data)[i] = dense;
                    break;
                case EX_WIN_NTILE: {
                    const KVector *av = ex__store_col(s, refs[i], w->argcol[f]);
                    uint32_t ar = EX_REF_ROW(refs[i]);
                    if (!k_vec_is_valid(av, ar)) {
                        k_vec_set_valid(out, (uint32_t)i, false);
                        break;
                    }
                    int64_t nb = av->type.id == K_TYPE_INT64 ? *(const int64_t *)k_vec_slot(av, ar)
                                                             : *(const int32_t *)k_vec_slot(av, ar);
                    if (nb <= 0)
                        return k_error(err, K_INVALID_PARAMETER_VALUE,
                                       "argument of ntile must be greater than zero");
                    int64_t N = (int64_t)(pe - ps), j = (int64_t)(i - ps);
                    int64_t q = N / nb, r = N % nb, bucket;
                    if (j < r * (q + 1)) bucket = j / (q + 1) + 1;
                    else bucket = r + (j - r * (q + 1)) / (q ? q : 1) + 1;
                    ((int64_t *)out->data)[i] = bucket;
                    break;
                }
                case EX_WIN_LAG:
                case EX_WIN_LEAD: {
                    int64_t off = wf->offset ? wf->offset : 1;
                    int64_t tpos = wf->kind == EX_WIN_LAG ? (int64_t)i - off : (int64_t)i + off;
                    if (tpos >= (int64_t)ps && tpos < (int64_t)pe)
                        put_from(s, w->argcol[f], refs[tpos], out, i);
                    else if (w->dfltcol[f] != UINT32_MAX)
                        put_from(s, w->dfltcol[f], refs[i], out, i);
                    else
                        k_vec_set_valid(out, (uint32_t)i, false);
                    break;
                }
                default: {
                    /* frame [fs, fe) */
                    uint64_t fs, fe;
                    if (!wf->frame_rows) {
                        fs = ps;
                        fe = p->u.window.norder ? peer_end[i] : pe;
                    } else {
                        int64_t ii = (int64_t)i;
                        switch ((ExFrameBound)wf->start) {
                        case EX_FRAME_UNBOUNDED_PRECEDING: fs = ps; break;
                        case EX_FRAME_PRECEDING: fs = (uint64_t)K_MAX((int64_t)ps, ii - wf->start_off); break;
                        case EX_FRAME_CURRENT_ROW: fs = i; break;
                        case EX_FRAME_FOLLOWING: fs = (uint64_t)K_MIN((int64_t)pe, ii + wf->start_off); break;
                        default: fs = pe; break;
                        }
                        switch ((ExFrameBound)wf->end) {
                        case EX_FRAME_UNBOUNDED_FOLLOWING: fe = pe; break;
                        case EX_FRAME_FOLLOWING: fe = (uint64_t)K_MIN((int64_t)pe, ii + wf->end_off + 1); break;
                        case EX_FRAME_CURRENT_ROW: fe = i + 1; break;
                        case EX_FRAME_PRECEDING: fe = (uint64_t)K_MAX((int64_t)ps, ii - wf->end_off + 1); break;
                        default: fe = ps; break;
                        }
                    }
                    if (wf->kind == EX_WIN_FIRST_VALUE || wf->kind == EX_WIN_LAST_VALUE) {
                        if (fs >= fe) k_vec_set_valid(out, (uint32_t)i, false);
                        else put_from(s, w->argcol[f], refs[wf->kind == EX_WIN_FIRST_VALUE ? fs : fe - 1], out, i);
                        break;
                    }
                    if (wf->kind != EX_WIN_AGG)
                        return k_error(err, K_FEATURE_NOT_SUPPORTED, "unknown window function %d", wf->kind);
                    if (fs != ps || fe < added) {
                        memset(&acc, 0, sizeof acc);
                        added = fs;
                    }
                    for (; added < fe; added++) {
                        const KVector *av = w->argcol[f] == UINT32_MAX ? NULL
                                            : ex__store_col(s, refs[added], w->argcol[f]);
                        if (ex__acc_add(&wf->agg, &acc, av, EX_REF_ROW(refs[added]), a, err))
                            return K_ERR;
                    }
                    if (fs != ps) added = ps; /* sliding frame: recompute next row */
                    if (ex__acc_final(&wf->agg, &acc, out, (uint32_t)i, err)) return K_ERR;
                    break;
                }
                }
            }
        }
        ps = pe;
    }
    return K_OK;
}

int
ex__produce_window(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    Win *w = k_alloc0(x->arena, sizeof *w);
    if (!w) return k_error_oom(err, x->arena, sizeof *w);
    w->base.push = win_push;
    w->x = x;
    w->p = p;
    w->nin = p->left->ncols;
    uint32_t nf = p->u.window.nfuncs;
    if (p->ncols != w->nin + nf) return k_error(err, K_INTERNAL_ERROR, "window output width mismatch");
    uint32_t cap = p->u.window.npart + p->u.window.norder + 2 * nf + 1;
    w->extra = k_alloc(x->arena, sizeof(ExExpr *) * cap);
    w->argcol = k_alloc(x->arena, sizeof(uint32_t) * (nf + 1));
    w->dfltcol = k_alloc(x->arena, sizeof(uint32_t) * (nf + 1));
    KType *types = k_alloc(x->arena, sizeof(KType) * (w->nin + cap));
    if (!w->extra || !w->argcol || !w->dfltcol || !types) return k_error_oom(err, x->arena, 256);
    memcpy(types, p->left->types, sizeof(KType) * w->nin);
    w->part0 = w->nin;
    for (uint32_t k = 0; k < p->u.window.npart; k++) w->extra[w->nextra++] = p->u.window.part[k];
    w->order0 = w->nin + w->nextra;
    for (uint32_t k = 0; k < p->u.window.norder; k++) w->extra[w->nextra++] = p->u.window.order[k].expr;
    for (uint32_t f = 0; f < nf; f++) {
        const ExWindowFunc *wf = &p->u.window.funcs[f];
        ExExpr *arg = wf->kind == EX_WIN_AGG ? wf->agg.arg : wf->arg;
        if (wf->kind == EX_WIN_AGG && wf->agg.func == EX_AGG_COUNT_STAR) arg = NULL;
        if (wf->kind == EX_WIN_AGG && wf->agg.distinct)
            return k_error(err, K_FEATURE_NOT_SUPPORTED, "DISTINCT is not implemented for window functions");
        w->argcol[f] = arg ? w->nin + w->nextra : UINT32_MAX;
        if (arg) w->extra[w->nextra++] = arg;
        w->dfltcol[f] = wf->dflt ? w->nin + w->nextra : UINT32_MAX;
        if (wf->dflt) w->extra[w->nextra++] = wf->dflt;
        bool needs_arg = wf->kind != EX_WIN_ROW_NUMBER && wf->kind != EX_WIN_RANK &&
                         wf->kind != EX_WIN_DENSE_RANK && !(wf->kind == EX_WIN_AGG && !arg);
        if (needs_arg && !arg) return k_error(err, K_INTERNAL_ERROR, "window function without argument");
    }
    for (uint32_t k = 0; k < w->nextra; k++) types[w->nin + k] = w->extra[k]->type;
    uint32_t ns = w->nin + w->nextra;
    w->tls = k_alloc0(x->arena, sizeof(WinTls) * x->nthreads);
    if (!w->tls) return k_error_oom(err, x->arena, 64);
    for (uint32_t ti = 0; ti < x->nthreads; ti++) {
        WinTls *t = &w->tls[ti];
        KArena *a = x->tarena[ti];
        if (ex__store_init(&t->store, a, ns, types, err)) return K_ERR;
        t->ev = k_alloc(a, sizeof(ExEval *) * (w->nextra + 1));
        t->cols = k_alloc(a, sizeof(KVector *) * (ns + 1));
        t->heap = k_arena_create(a, "window heap");
        if (!t->ev || !t->cols || !t->heap) return k_error_oom(err, a, 64);
        for (uint32_t k = 0; k < w->nextra; k++)
            if (ex__eval_compile(a, w->extra[k], x->rc->params, x->rc->nparams, &t->ev[k], err))
                return K_ERR;
    }
    if (ex__produce(x, p->left, &w->base, err)) return K_ERR;
    ExStore *s = &w->tls[0].store;
    for (uint32_t ti = 1; ti < x->nthreads; ti++)
        if (ex__store_merge(s, &w->tls[ti].store, err)) return K_ERR;
    uint64_t n = s->rows;
    uint32_t *refs = k_alloc(x->arena, sizeof(uint32_t) * (n ? n : 1));
    KVector *res = k_alloc0(x->arena, sizeof(KVector) * (nf + 1));
    if (!refs || !res) return k_error_oom(err, x->arena, sizeof(uint32_t) * n);
    uint64_t k = 0;
    for (uint32_t ch = 0; ch < s->nchunks; ch++)
        for (uint32_t i = 0; i < s->chunks[ch]->count; i++) refs[k++] = EX_REF(ch, i);
    WinSort ctx = {s, w};
    qsort_r(refs, n, sizeof(uint32_t), win_cmp, &ctx);
    for (uint32_t f = 0; f < nf; f++) {
        KType t = p->types[w->nin + f];
        res[f].type = t;
        res[f].data = k_alloc0(x->arena, k_type_width(t) * (n ? n : 1));
        res[f].validity = k_alloc(x->arena, 8 * ((n + 63) / 64 + 1));
        if (!res[f].data || !res[f].validity) return k_error_oom(err, x->arena, k_type_width(t) * n);
        memset(res[f].validity, 0xff, 8 * ((n + 63) / 64 + 1));
    }
    if (compute(w, s, refs, n, res, x->arena, err)) return K_ERR;
    ex__stat_mem(x, p, k_arena_used(x->arena));
    KBatch *out = ex__batch_new(x->arena, p->ncols, p->types, err);
    if (!out) return K_ERR;
    for (uint64_t o = 0; o < n; o += K_VECTOR_SIZE) {
        uint32_t cnt = (uint32_t)K_MIN((uint64_t)K_VECTOR_SIZE, n - o);
        for (uint32_t col = 0; col < w->nin; col++) ex__store_gather(s, col, refs + o, cnt, &out->cols[col]);
        for (uint32_t f = 0; f < nf; f++) {
            KVector *dst = &out->cols[w->nin + f];
            size_t wd = k_type_width(dst->type);
            memcpy(dst->data, (char *)res[f].data + o * wd, cnt * wd);
            for (uint32_t i = 0; i < cnt; i++)
                k_vec_set_valid(dst, i, k_vec_is_valid(&res[f], (uint32_t)(o + i)));
        }
        out->count = cnt;
        if (ex__emit(x, p, c, out, err)) return K_ERR;
    }
    return K_OK;
}
