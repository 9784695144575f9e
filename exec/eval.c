/*
 * eval.c — expression evaluation over batches.
 *
 * Interface routines: ex__eval_compile, ex__eval, ex__select,
 * ex_expr_eval_const.
 *
 * An expression is compiled once per thread into an ExEval tree that owns
 * its result vector and scratch selections. ex__eval computes the rows of a
 * selection (values land at their physical positions, so selections never
 * copy); ex__select narrows a selection by a predicate and is what filters
 * use: AND narrows step by step, OR unions, comparisons go straight to the
 * compare-and-select kernels. Special forms (AND, OR, CASE, COALESCE)
 * evaluate their later arguments only on the rows still undecided, as
 * PostgreSQL does, so "x <> 0 AND y / x > 1" never divides by zero.
 */
#include "exec/exec_int.h"

int ex__func_cmp_select(ExEval *ev, KVector *A, KVector *B, const uint16_t *sel, uint32_t n,
                        uint16_t *out, uint32_t *nout, KErr *err);

/* A hash set of constant IN-list values. */
typedef struct InSet {
    KType type;
    uint32_t mask;
    int32_t *slots; /* index into vals, -1 empty */
    ExValue *vals;
    uint32_t nvals;
    bool has_null;
} InSet;

static int
inset_build(KArena *a, ExEval *ev, KErr *err)
{
    const ExExpr *e = ev->e;
    for (uint32_t i = 1; i < e->nargs; i++)
        if (e->args[i]->kind != EX_EXPR_CONST) return K_OK;
    InSet *s = k_alloc0(a, sizeof *s);
    if (!s) return k_error_oom(err, a, sizeof *s);
    uint32_t cap = 16;
    while (cap < e->nargs * 2) cap <<= 1;
    s->type = e->args[0]->type;
    s->mask = cap - 1;
    s->slots = k_alloc(a, sizeof(int32_t) * cap);
    s->vals = k_alloc(a, sizeof(ExValue) * e->nargs);
    if (!s->slots || !s->vals) return k_error_oom(err, a, sizeof(ExValue) * e->nargs);
    memset(s->slots, 0xff, sizeof(int32_t) * cap);
    for (uint32_t i = 1; i < e->nargs; i++) {
        const ExExpr *c = e->args[i];
        if (c->u.konst.is_null) {
            s->has_null = true;
            continue;
        }
        uint32_t h = (uint32_t)ex__hash_slot(s->type, &c->u.konst.v) & s->mask;
        bool dup = false;
        while (s->slots[h] >= 0) {
            if (ex__eq_slot(s->type, &s->vals[s->slots[h]], &c->u.konst.v)) {
                dup = true;
                break;
            }
            h = (h + 1) & s->mask;
        }
        if (dup) continue;
        s->vals[s->nvals] = c->u.konst.v;
        s->slots[h] = (int32_t)s->nvals++;
    }
    ev->aux = s;
    return K_OK;
}

static bool
inset_has(const InSet *s, const void *slot)
{
    uint32_t h = (uint32_t)ex__hash_slot(s->type, slot) & s->mask;
    while (s->slots[h] >= 0) {
        if (ex__eq_slot(s->type, &s->vals[s->slots[h]], slot)) return true;
        h = (h + 1) & s->mask;
    }
    return false;
}

int
ex__eval_compile(KArena *a, const ExExpr *e, const ExParam *params, uint32_t nparams,
                 ExEval **out, KErr *err)
{
    ExEval *ev = k_alloc0(a, sizeof *ev);
    if (!ev) return k_error_oom(err, a, sizeof *ev);
    *out = ev;
    ev->e = e;
    ev->params = params;
    ev->nparams = nparams;
    ev->out.type = e->type;
    size_t w = k_type_width(e->type);
    if (!w) w = 8;
    if (e->kind != EX_EXPR_COLUMN) {
        ev->out.data = k_alloc_aligned(a, w * K_VECTOR_SIZE, 64);
        ev->vbuf = k_alloc_aligned(a, K_VECTOR_WORDS * 8, 64);
        if (!ev->out.data || !ev->vbuf) return k_error_oom(err, a, w * K_VECTOR_SIZE);
        memset(ev->out.data, 0, w * K_VECTOR_SIZE);
        memset(ev->vbuf, 0xff, K_VECTOR_WORDS * 8);
    }
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_AND:
    case EX_EXPR_OR:
    case EX_EXPR_CASE:
    case EX_EXPR_COALESCE:
    case EX_EXPR_IN:
        ev->s1 = k_alloc(a, 2 * K_VECTOR_SIZE);
        ev->s2 = k_alloc(a, 2 * K_VECTOR_SIZE);
        ev->s3 = k_alloc(a, 2 * K_VECTOR_SIZE);
        ev->mark = k_alloc(a, K_VECTOR_SIZE);
        if (!ev->s1 || !ev->s2 || !ev->s3 || !ev->mark) return k_error_oom(err, a, 8 * K_VECTOR_SIZE);
        break;
    default:
        break;
    }
    if (e->nargs) {
        ev->nargs = e->nargs;
        ev->args = k_alloc(a, sizeof(ExEval *) * e->nargs);
        if (!ev->args) return k_error_oom(err, a, sizeof(ExEval *) * e->nargs);
        for (uint32_t i = 0; i < e->nargs; i++)
            if (ex__eval_compile(a, e->args[i], params, nparams, &ev->args[i], err)) return K_ERR;
    }
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
        ev->out.flags = K_VEC_CONST;
        if (e->u.konst.is_null) {
            ev->vbuf[0] = 0;
            ev->out.validity = ev->vbuf;
        } else {
            memcpy(ev->out.data, &e->u.konst.v, k_type_width(e->type));
        }
        break;
    case EX_EXPR_PARAM: {
        uint32_t i = e->u.param.index;
        if (i >= nparams)
            return k_error_at(err, K_UNDEFINED_PARAMETER, e->pos, "there is no parameter $%u", i + 1);
        ev->out.flags = K_VEC_CONST;
        if (params[i].is_null) {
            ev->vbuf[0] = 0;
            ev->out.validity = ev->vbuf;
        } else if (params[i].type.id == e->type.id && params[i].type.scale == e->type.scale &&
                   k_type_width(params[i].type) == k_type_width(e->type)) {
            memcpy(ev->out.data, &params[i].v, k_type_width(e->type));
        } else {
            KVector src = {params[i].type, K_VEC_CONST, (void *)&params[i].v, NULL};
            if (ex__cast(params[i].type, &src, e->type, &ev->out, NULL, 1, a, e->pos, err))
                return K_ERR;
        }
        break;
    }
    case EX_EXPR_FUNC:
        return ex__func_compile(a, ev, err);
    case EX_EXPR_IN:
        return inset_build(a, ev, err);
    default:
        break;
    }
    return K_OK;
}

/* Strict validity: out = AND of the arguments' validity over the rows. */
static void
strict_validity(ExEval *ev, KVector **av, uint32_t na)
{
    bool any = false;
    for (uint32_t i = 0; i < na; i++) any |= av[i]->validity != NULL;
    if (!any) {
        ev->out.validity = NULL;
        return;
    }
    uint64_t *v = ev->vbuf;
    memset(v, 0xff, K_VECTOR_WORDS * 8);
    for (uint32_t i = 0; i < na; i++) {
        const KVector *x = av[i];
        if (!x->validity) continue;
        if (x->flags & K_VEC_CONST) {
            if (!(x->validity[0] & 1)) memset(v, 0, K_VECTOR_WORDS * 8);
            continue;
        }
        for (uint32_t w = 0; w < K_VECTOR_WORDS; w++) v[w] &= x->validity[w];
    }
    ev->out.validity = v;
}

static inline void
set_valid(ExEval *ev, uint32_t i, bool valid)
{
    k_vec_set_valid(&ev->out, i, valid);
}

static inline void
copy_val(KVector *dst, uint32_t i, const KVector *src)
{
    size_t w = k_type_width(dst->type);
    memcpy((char *)dst->data + (size_t)i * w, k_vec_slot(src, i), w);
}

/* Generic value copy allowing a different physical layout of decimals. */
static int
copy_val_conv(KVector *dst, uint32_t i, const KVector *src, int32_t pos, KErr *err)
{
    if (src->type.id == K_TYPE_DECIMAL && dst->type.id == K_TYPE_DECIMAL &&
        (src->type.scale != dst->type.scale ||
         k_type_is_wide_decimal(src->type) != k_type_is_wide_decimal(dst->type))) {
        k_int128 v;
        if (!k_dec_rescale(ex__dec_get(src->type, k_vec_slot(src, i)), src->type.scale,
                           dst->type.scale, dst->type.precision ? dst->type.precision : 38, &v))
            return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "numeric field overflow");
        ex__dec_put(dst->type, (char *)dst->data + (size_t)i * k_type_width(dst->type), v);
        return K_OK;
    }
    copy_val(dst, i, src);
    return K_OK;
}

static int eval_in(ExEval *ev, const KBatch *in, const uint16_t *sel, uint32_t n, KArena *heap,
                   KErr *err);

int
ex__eval(ExEval *ev, const KBatch *in, const uint16_t *sel, uint32_t n, KArena *heap,
         KVector **out, KErr *err)
{
    const ExExpr *e = ev->e;
    KVector *av[8];
    KVector **args = av;
    if (e->kind == EX_EXPR_COLUMN) {
        if (!in || e->u.column.index >= in->ncols)
            return k_error(err, K_INTERNAL_ERROR, "column #%u out of range", e->u.column.index);
        *out = &in->cols[e->u.column.index];
        return K_OK;
    }
    *out = &ev->out;
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_CONST:
    case EX_EXPR_PARAM:
        return K_OK;
    case EX_EXPR_FUNC:
    case EX_EXPR_CAST:
        if (e->nargs > K_ARRAY_LEN(av)) return k_error(err, K_INTERNAL_ERROR, "too many arguments");
        for (uint32_t i = 0; i < e->nargs; i++)
            if (ex__eval(ev->args[i], in, sel, n, heap, &args[i], err)) return K_ERR;
        if (e->kind == EX_EXPR_CAST) {
            KType from = args[0]->type;
            if (k_type_equal(from, e->type) ||
                (from.id == e->type.id && !k_type_is_string(from) && from.id != K_TYPE_DECIMAL) ||
                (k_type_is_string(from) && e->type.id == K_TYPE_VARCHAR && e->type.len == 0)) {
                *out = args[0];
                return K_OK;
            }
            ev->out.validity = args[0]->validity ? ev->vbuf : NULL;
            if (args[0]->validity) {
                for (uint32_t j = 0; j < n; j++) {
                    uint32_t i = sel ? sel[j] : j;
                    set_valid(ev, i, k_vec_is_valid(args[0], i));
                }
            }
            return ex__cast(from, args[0], e->type, &ev->out, sel, n, heap, e->pos, err);
        }
        strict_validity(ev, args, e->nargs);
        return ex__func_eval(ev, args, sel, n, heap, err);
    case EX_EXPR_AND:
    case EX_EXPR_OR: {
        /* mark: 0 undecided, 1 NULL seen, 2 decided */
        bool is_and = e->kind == EX_EXPR_AND;
        uint8_t *res = ev->out.data;
        uint16_t *rem = ev->s1;
        uint32_t nrem = n;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            rem[j] = (uint16_t)i;
            ev->mark[i] = 0;
        }
        for (uint32_t a = 0; a < e->nargs && nrem; a++) {
            KVector *v;
            if (ex__eval(ev->args[a], in, rem, nrem, heap, &v, err)) return K_ERR;
            uint32_t k = 0;
            for (uint32_t j = 0; j < nrem; j++) {
                uint32_t i = rem[j];
                if (!k_vec_is_valid(v, i)) {
                    ev->mark[i] = 1;
                    rem[k++] = (uint16_t)i;
                } else if ((*(const uint8_t *)k_vec_slot(v, i) != 0) != is_and) {
                    ev->mark[i] = 2;
                } else {
                    rem[k++] = (uint16_t)i;
                }
            }
            nrem = k;
        }
        ev->out.validity = ev->vbuf;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            uint8_t m = ev->mark[i];
            res[i] = m == 2 ? !is_and : is_and;
            set_valid(ev, i, m != 1);
        }
        return K_OK;
    }
    case EX_EXPR_NOT: {
        KVector *v;
        if (ex__eval(ev->args[0], in, sel, n, heap, &v, err)) return K_ERR;
        uint8_t *res = ev->out.data;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            res[i] = !*(const uint8_t *)k_vec_slot(v, i);
        }
        strict_validity(ev, &v, 1);
        return K_OK;
    }
    case EX_EXPR_IS_NULL:
    case EX_EXPR_IS_NOT_NULL: {
        KVector *v;
        if (ex__eval(ev->args[0], in, sel, n, heap, &v, err)) return K_ERR;
        uint8_t *res = ev->out.data;
        bool want_null = e->kind == EX_EXPR_IS_NULL;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            res[i] = (!k_vec_is_valid(v, i)) == want_null;
        }
        ev->out.validity = NULL;
        return K_OK;
    }
    case EX_EXPR_IS_DISTINCT:
    case EX_EXPR_IS_NOT_DISTINCT:
    case EX_EXPR_NULLIF: {
        KVector *x, *y;
        if (ex__eval(ev->args[0], in, sel, n, heap, &x, err)) return K_ERR;
        if (ex__eval(ev->args[1], in, sel, n, heap, &y, err)) return K_ERR;
        KType t = x->type;
        bool conv = t.id == K_TYPE_DECIMAL && (x->type.scale != y->type.scale ||
                                              k_type_width(x->type) != k_type_width(y->type));
        if (e->kind == EX_EXPR_NULLIF) ev->out.validity = ev->vbuf;
        else ev->out.validity = NULL;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            bool vx = k_vec_is_valid(x, i), vy = k_vec_is_valid(y, i), eq;
            if (!vx || !vy) {
                eq = vx == vy;
            } else if (conv) {
                k_int128 p = ex__dec_get(x->type, k_vec_slot(x, i));
                k_int128 q = ex__dec_get(y->type, k_vec_slot(y, i));
                int s = K_MAX(x->type.scale, y->type.scale);
                eq = p * k_pow10_128[s - x->type.scale] == q * k_pow10_128[s - y->type.scale];
            } else {
                eq = ex__eq_slot(t, k_vec_slot(x, i), k_vec_slot(y, i));
            }
            if (e->kind == EX_EXPR_NULLIF) {
                bool keep = vx && !(vy && eq);
                set_valid(ev, i, keep);
                if (keep && copy_val_conv(&ev->out, i, x, e->pos, err)) return K_ERR;
            } else {
                ((uint8_t *)ev->out.data)[i] = (e->kind == EX_EXPR_IS_DISTINCT) ? !eq : eq;
            }
        }
        return K_OK;
    }
    case EX_EXPR_CASE:
    case EX_EXPR_COALESCE: {
        uint16_t *rem = ev->s1, *hit = ev->s2;
        uint32_t nrem = n;
        for (uint32_t j = 0; j < n; j++) rem[j] = (uint16_t)(sel ? sel[j] : j);
        ev->out.validity = ev->vbuf;
        bool is_case = e->kind == EX_EXPR_CASE;
        uint32_t npairs = is_case ? e->nargs / 2 : e->nargs;
        for (uint32_t p = 0; p < npairs && nrem; p++) {
            uint32_t nhit;
            KVector *v;
            if (is_case) {
                if (ex__select(ev->args[2 * p], in, rem, nrem, heap, hit, &nhit, err)) return K_ERR;
                if (!nhit) continue;
                if (ex__eval(ev->args[2 * p + 1], in, hit, nhit, heap, &v, err)) return K_ERR;
                for (uint32_t j = 0; j < nhit; j++) {
                    uint32_t i = hit[j];
                    bool ok = k_vec_is_valid(v, i);
                    set_valid(ev, i, ok);
                    if (ok && copy_val_conv(&ev->out, i, v, e->pos, err)) return K_ERR;
                    ev->mark[i] = 1;
                }
            } else {
                if (ex__eval(ev->args[p], in, rem, nrem, heap, &v, err)) return K_ERR;
                nhit = 0;
                for (uint32_t j = 0; j < nrem; j++) {
                    uint32_t i = rem[j];
                    if (k_vec_is_valid(v, i)) {
                        set_valid(ev, i, true);
                        if (copy_val_conv(&ev->out, i, v, e->pos, err)) return K_ERR;
                        ev->mark[i] = 1;
                        nhit++;
                    } else {
                        ev->mark[i] = 0;
                    }
                }
                if (!nhit) continue;
            }
            /* remove the rows just decided */
            uint32_t k = 0;
            if (is_case) {
                uint32_t h = 0;
                for (uint32_t j = 0; j < nrem; j++) {
                    if (h < nhit && hit[h] == rem[j]) {
                        h++;
                        continue;
                    }
                    rem[k++] = rem[j];
                }
            } else {
                for (uint32_t j = 0; j < nrem; j++)
                    if (!ev->mark[rem[j]]) rem[k++] = rem[j];
            }
            nrem = k;
        }
        if (nrem) {
            if (is_case && (e->nargs & 1)) {
                KVector *v;
                if (ex__eval(ev->args[e->nargs - 1], in, rem, nrem, heap, &v, err)) return K_ERR;
                for (uint32_t j = 0; j < nrem; j++) {
                    uint32_t i = rem[j];
                    bool ok = k_vec_is_valid(v, i);
                    set_valid(ev, i, ok);
                    if (ok && copy_val_conv(&ev->out, i, v, e->pos, err)) return K_ERR;
                }
            } else {
                for (uint32_t j = 0; j < nrem; j++) set_valid(ev, rem[j], false);
            }
        }
        return K_OK;
    }
    case EX_EXPR_GREATEST:
    case EX_EXPR_LEAST: {
        if (e->nargs > K_ARRAY_LEN(av)) return k_error(err, K_INTERNAL_ERROR, "too many arguments");
        for (uint32_t a = 0; a < e->nargs; a++)
            if (ex__eval(ev->args[a], in, sel, n, heap, &args[a], err)) return K_ERR;
        ev->out.validity = ev->vbuf;
        bool greatest = e->kind == EX_EXPR_GREATEST;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            int best = -1;
            for (uint32_t a = 0; a < e->nargs; a++) {
                if (!k_vec_is_valid(args[a], i)) continue;
                if (best < 0) {
                    best = (int)a;
                    continue;
                }
                int c = ex__cmp_slot(e->type, k_vec_slot(args[a], i), k_vec_slot(args[best], i));
                if (greatest ? c > 0 : c < 0) best = (int)a;
            }
            set_valid(ev, i, best >= 0);
            if (best >= 0 && copy_val_conv(&ev->out, i, args[best], e->pos, err)) return K_ERR;
        }
        return K_OK;
    }
    case EX_EXPR_IN:
        return eval_in(ev, in, sel, n, heap, err);
    case EX_EXPR_COLUMN:
        break;
    }
    return k_error(err, K_INTERNAL_ERROR, "unknown expression kind %d", e->kind);
}

static int
eval_in(ExEval *ev, const KBatch *in, const uint16_t *sel, uint32_t n, KArena *heap, KErr *err)
{
    const ExExpr *e = ev->e;
    KVector *x;
    if (ex__eval(ev->args[0], in, sel, n, heap, &x, err)) return K_ERR;
    uint8_t *res = ev->out.data;
    bool neg = e->u.in.negated;
    ev->out.validity = ev->vbuf;
    const InSet *s = ev->aux;
    if (s) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            if (!k_vec_is_valid(x, i)) {
                set_valid(ev, i, false);
                continue;
            }
            bool found = inset_has(s, k_vec_slot(x, i));
            set_valid(ev, i, found || !s->has_null);
            res[i] = found != neg;
        }
        return K_OK;
    }
    /* general list: mark 0 = not found, 1 = NULL seen, 2 = found */
    for (uint32_t j = 0; j < n; j++) ev->mark[sel ? sel[j] : j] = 0;
    for (uint32_t a = 1; a < e->nargs; a++) {
        KVector *v;
        if (ex__eval(ev->args[a], in, sel, n, heap, &v, err)) return K_ERR;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            if (ev->mark[i] == 2 || !k_vec_is_valid(x, i)) continue;
            if (!k_vec_is_valid(v, i)) ev->mark[i] = 1;
            else if (ex__cmp_slot(x->type, k_vec_slot(x, i), k_vec_slot(v, i)) == 0) ev->mark[i] = 2;
        }
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        uint8_t m = ev->mark[i];
        bool valid = k_vec_is_valid(x, i) && m != 1;
        set_valid(ev, i, valid);
        res[i] = (m == 2) != neg;
    }
    return K_OK;
}

static uint32_t
pick_true(const KVector *v, const uint16_t *sel, uint32_t n, uint16_t *out)
{
    uint32_t k = 0;
    const uint8_t *d = v->data;
    if (v->flags & K_VEC_CONST) {
        if (!k_vec_is_valid(v, 0) || !d[0]) return 0;
        for (uint32_t j = 0; j < n; j++) out[j] = (uint16_t)(sel ? sel[j] : j);
        return n;
    }
    if (!sel && !v->validity) {
        for (uint32_t i = 0; i < n; i++) {
            out[k] = (uint16_t)i;
            k += d[i] != 0;
        }
        return k;
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        out[k] = (uint16_t)i;
        k += (d[i] != 0) & k_vec_is_valid(v, i);
    }
    return k;
}

int
ex__select(ExEval *ev, const KBatch *in, const uint16_t *sel, uint32_t n, KArena *heap,
           uint16_t *out_sel, uint32_t *nout, KErr *err)
{
    const ExExpr *e = ev->e;
    if (n == 0) {
        *nout = 0;
        return K_OK;
    }
    switch ((ExExprKind)e->kind) {
    case EX_EXPR_AND: {
        const uint16_t *cur = sel;
        uint32_t cnt = n;
        uint16_t *bufs[2] = {ev->s1, ev->s2};
        for (uint32_t a = 0; a < e->nargs && cnt; a++) {
            uint16_t *dst = bufs[a & 1];
            if (ex__select(ev->args[a], in, cur, cnt, heap, dst, &cnt, err)) return K_ERR;
            cur = dst;
        }
        if (cur) memcpy(out_sel, cur, cnt * sizeof(uint16_t));
        else for (uint32_t i = 0; i < cnt; i++) out_sel[i] = (uint16_t)i;
        *nout = cnt;
        return K_OK;
    }
    case EX_EXPR_OR: {
        uint16_t *rem = ev->s1, *hit = ev->s2;
        uint32_t nrem = n;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            rem[j] = (uint16_t)i;
            ev->mark[i] = 0;
        }
        for (uint32_t a = 0; a < e->nargs && nrem; a++) {
            uint32_t nhit;
            if (ex__select(ev->args[a], in, rem, nrem, heap, hit, &nhit, err)) return K_ERR;
            for (uint32_t j = 0; j < nhit; j++) ev->mark[hit[j]] = 1;
            uint32_t k = 0;
            for (uint32_t j = 0; j < nrem; j++)
                if (!ev->mark[rem[j]]) rem[k++] = rem[j];
            nrem = k;
        }
        uint32_t k = 0;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            out_sel[k] = (uint16_t)i;
            k += ev->mark[i];
        }
        *nout = k;
        return K_OK;
    }
    case EX_EXPR_FUNC: {
        ExFunc fn = (ExFunc)e->u.func.fn;
        if (fn >= EX_FN_EQ && fn <= EX_FN_GE) {
            KVector *a, *b;
            if (ex__eval(ev->args[0], in, sel, n, heap, &a, err)) return K_ERR;
            if (ex__eval(ev->args[1], in, sel, n, heap, &b, err)) return K_ERR;
            return ex__func_cmp_select(ev, a, b, sel, n, out_sel, nout, err);
        }
        break;
    }
    default:
        break;
    }
    KVector *v;
    if (ex__eval(ev, in, sel, n, heap, &v, err)) return K_ERR;
    *nout = pick_true(v, sel, n, out_sel);
    return K_OK;
}

int
ex_expr_eval_const(const ExExpr *e, const ExParam *params, uint32_t nparams, KArena *a,
                   ExValue *out, bool *is_null, KErr *err)
{
    KArena *tmp = k_arena_create(a, "const eval");
    if (!tmp) return k_error_oom(err, a, 1024);
    ExEval *ev;
    KVector *v;
    int rc = K_ERR;
    if (ex__eval_compile(tmp, e, params, nparams, &ev, err)) goto done;
    if (ex__eval(ev, NULL, NULL, 1, tmp, &v, err)) goto done;
    *is_null = !k_vec_is_valid(v, 0);
    memset(out, 0, sizeof *out);
    if (!*is_null) {
        memcpy(out, k_vec_slot(v, 0), k_type_width(e->type));
        if (k_type_is_string(e->type)) {
            KStr c;
            if (!k_str_copy(a, k_str_data(&out->str), out->str.len, &c)) {
                k_error_oom(err, a, out->str.len);
                goto done;
            }
            out->str = c;
        }
    }
    rc = K_OK;
done:
    k_arena_destroy(tmp);
    return rc;
}
