/*
 * func.c — scalar function kernels: arithmetic (integer with overflow
 * checks, decimal on int128, double), comparisons (values and selections,
 * with AVX2 / AVX-512 clones of the hot loops chosen by k_simd_level()),
 * unary minus, abs, round, floor, ceil. String and date functions live in
 * strfunc.c and datefunc.c.
 *
 * Interface routines: ex__func_compile, ex__func_eval, ex__cmp_select.
 *
 * Notes: every function is strict; the caller (eval.c) has already set the
 * result's validity to the AND of the arguments' validity, and the kernels
 * only raise errors for rows that are valid there.
 */
#include "exec/exec_int.h"

#include <math.h>

/* ------------------------------------------------------------------ */
/* Kernel instantiations                                                */
/* ------------------------------------------------------------------ */
#define EX_KCMP_INT(x, y) (((x) > (y)) - ((x) < (y)))
static inline int
ex_kcmp_f64(double x, double y)
{
    if (unlikely(isnan(x) || isnan(y))) return isnan(x) ? (isnan(y) ? 0 : 1) : -1;
    return (x > y) - (x < y);
}

#define T uint8_t
#define SFX u8
#define KCMP EX_KCMP_INT
#define ATTR
#include "exec/kern_cmp.inc"

#define T k_int128
#define SFX i128
#define KCMP EX_KCMP_INT
#define ATTR
#include "exec/kern_cmp.inc"

#define T int32_t
#define SFX i32
#define KCMP EX_KCMP_INT
#define ATTR
#include "exec/kern_cmp.inc"

#define T int64_t
#define SFX i64
#define KCMP EX_KCMP_INT
#define ATTR
#include "exec/kern_cmp.inc"

#define T double
#define SFX f64
#define KCMP ex_kcmp_f64
#define ATTR
#include "exec/kern_cmp.inc"

#if defined(__x86_64__)
#define EX_HAVE_X86_CLONES 1
#define T int32_t
#define SFX i32_avx2
#define KCMP EX_KCMP_INT
#define ATTR __attribute__((target("avx2,bmi2")))
#include "exec/kern_cmp.inc"

#define T int64_t
#define SFX i64_avx2
#define KCMP EX_KCMP_INT
#define ATTR __attribute__((target("avx2,bmi2")))
#include "exec/kern_cmp.inc"

#define T int32_t
#define SFX i32_avx512
#define KCMP EX_KCMP_INT
#define ATTR __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#include "exec/kern_cmp.inc"

#define T int64_t
#define SFX i64_avx512
#define KCMP EX_KCMP_INT
#define ATTR __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#include "exec/kern_cmp.inc"
#endif

#define T int32_t
#define TMIN INT32_MIN
#define SFX i32
#define TNAME "integer"
#include "exec/kern_arith.inc"

#define T int64_t
#define TMIN INT64_MIN
#define SFX i64
#define TNAME "bigint"
#include "exec/kern_arith.inc"

typedef uint32_t (*SelFn)(const void *, const void *, int, int, const uint16_t *, uint32_t,
                          uint16_t *);
typedef void (*ValFn)(const void *, const void *, int, int, const uint16_t *, uint32_t,
                      uint8_t *);

#define EX_SEL_TABLE(S)                                                                       \
    {(SelFn)sel_eq_##S, (SelFn)sel_ne_##S, (SelFn)sel_lt_##S, (SelFn)sel_le_##S,              \
     (SelFn)sel_gt_##S, (SelFn)sel_ge_##S}
#define EX_VAL_TABLE(S)                                                                       \
    {(ValFn)val_eq_##S, (ValFn)val_ne_##S, (ValFn)val_lt_##S, (ValFn)val_le_##S,              \
     (ValFn)val_gt_##S, (ValFn)val_ge_##S}

static const SelFn sel_u8[6] = EX_SEL_TABLE(u8);
static const SelFn sel_i128[6] = EX_SEL_TABLE(i128);
static const SelFn sel_i32[6] = EX_SEL_TABLE(i32);
static const SelFn sel_i64[6] = EX_SEL_TABLE(i64);
static const SelFn sel_f64[6] = EX_SEL_TABLE(f64);
static const ValFn val_u8[6] = EX_VAL_TABLE(u8);
static const ValFn val_i128[6] = EX_VAL_TABLE(i128);
static const ValFn val_i32[6] = EX_VAL_TABLE(i32);
static const ValFn val_i64[6] = EX_VAL_TABLE(i64);
static const ValFn val_f64[6] = EX_VAL_TABLE(f64);
#ifdef EX_HAVE_X86_CLONES
static const SelFn sel_i32_avx2[6] = EX_SEL_TABLE(i32_avx2);
static const SelFn sel_i64_avx2[6] = EX_SEL_TABLE(i64_avx2);
static const SelFn sel_i32_avx512[6] = EX_SEL_TABLE(i32_avx512);
static const SelFn sel_i64_avx512[6] = EX_SEL_TABLE(i64_avx512);
#endif

static const SelFn *
sel_table(ExPhys ph)
{
    KSimdLevel lvl = k_simd_level();
    (void)lvl;
    switch (ph) {
    case EX_P_U8: return sel_u8;
    case EX_P_I128: return sel_i128;
    case EX_P_F64: return sel_f64;
    case EX_P_I32:
#ifdef EX_HAVE_X86_CLONES
        if (lvl >= K_SIMD_AVX512) return sel_i32_avx512;
        if (lvl >= K_SIMD_AVX2) return sel_i32_avx2;
#endif
        return sel_i32;
    case EX_P_I64:
#ifdef EX_HAVE_X86_CLONES
        if (lvl >= K_SIMD_AVX512) return sel_i64_avx512;
        if (lvl >= K_SIMD_AVX2) return sel_i64_avx2;
#endif
        return sel_i64;
    default: return NULL;
    }
}

static const ValFn *
val_table(ExPhys ph)
{
    switch (ph) {
    case EX_P_U8: return val_u8;
    case EX_P_I128: return val_i128;
    case EX_P_F64: return val_f64;
    case EX_P_I32: return val_i32;
    case EX_P_I64: return val_i64;
    default: return NULL;
    }
}

static inline bool
op_holds(ExFunc op, int c)
{
    switch (op) {
    case EX_FN_EQ: return c == 0;
    case EX_FN_NE: return c != 0;
    case EX_FN_LT: return c < 0;
    case EX_FN_LE: return c <= 0;
    case EX_FN_GT: return c > 0;
    default: return c >= 0;
    }
}

/* Rows of sel where a OP b holds and both are non-NULL. a and b have the
 * same physical type (decimals already brought to one scale). */
uint32_t
ex__cmp_select(ExFunc op, KType t, const KVector *a, const KVector *b, const uint16_t *sel,
               uint32_t n, uint16_t *out)
{
    ExPhys ph = ex__phys(t);
    int ca = (a->flags & K_VEC_CONST) != 0, cb = (b->flags & K_VEC_CONST) != 0;
    uint32_t k;
    const SelFn *tab = sel_table(ph);
    if (tab) {
        k = tab[op - EX_FN_EQ](a->data, b->data, ca, cb, sel, n, out);
    } else {
        k = 0;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            int c = ex__cmp_slot(t, k_vec_slot(a, i), k_vec_slot(b, i));
            out[k] = (uint16_t)i;
            k += op_holds(op, c);
        }
    }
    if (a->validity || b->validity) {
        uint32_t m = 0;
        for (uint32_t j = 0; j < k; j++) {
            uint32_t i = out[j];
            out[m] = (uint16_t)i;
            m += k_vec_is_valid(a, i) & k_vec_is_valid(b, i);
        }
        k = m;
    }
    return k;
}

/* ------------------------------------------------------------------ */
/* Decimal helpers                                                      */
/* ------------------------------------------------------------------ */
static inline k_int128
round_div(k_int128 num, k_int128 den)
{
    k_int128 q = num / den, r = num % den;
    k_int128 ar = r < 0 ? -r : r, ad = den < 0 ? -den : den;
    if (ar * 2 >= ad) q += ((num < 0) != (den < 0)) ? -1 : 1;
    return q;
}

static inline bool
mul_pow10(k_int128 v, int e, k_int128 *out)
{
    if (e <= 0) {
        *out = v;
        return true;
    }
    if (e > 38) return v == 0 ? (*out = 0, true) : false;
    return !__builtin_mul_overflow(v, k_pow10_128[e], out);
}

/* Bring a decimal vector to int128 at scale `to` (exact up-scaling) in tmp. */
static int
dec_widen(const KVector *v, int to, const uint16_t *sel, uint32_t n, k_int128 *tmp,
          KVector *outv, int32_t pos, KErr *err)
{
    KType t = v->type;
    int e = to - t.scale;
    bool cst = v->flags & K_VEC_CONST;
    uint32_t cnt = cst ? 1 : n;
    for (uint32_t j = 0; j < cnt; j++) {
        uint32_t i = cst ? 0 : (sel ? sel[j] : j);
        k_int128 x = ex__dec_get(t, k_vec_slot(v, i));
        if (!mul_pow10(x, e, &tmp[i])) {
            if (!k_vec_is_valid(v, i)) {
                tmp[i] = 0;
                continue;
            }
            return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "numeric field overflow");
        }
    }
    outv->type = k_type_decimal(38, to);
    outv->flags = v->flags;
    outv->data = tmp;
    outv->validity = v->validity;
    return K_OK;
}

static int
dec_overflow(int32_t pos, KErr *err)
{
    return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "numeric field overflow");
}

static int
dec_arith(ExFunc fn, const KVector *A, const KVector *B, KVector *R, const uint16_t *sel,
          uint32_t n, int32_t pos, KErr *err)
{
    KType ta = A->type, tb = B->type, tr = R->type;
    int sa = ta.scale, sb = tb.scale, sr = tr.scale;
    int ca = (A->flags & K_VEC_CONST) != 0, cb = (B->flags & K_VEC_CONST) != 0;
    bool narrow = !k_type_is_wide_decimal(ta) && !k_type_is_wide_decimal(tb) &&
                  !k_type_is_wide_decimal(tr);
    /* fast path: int64 add/sub at one scale */
    if (narrow && (fn == EX_FN_ADD || fn == EX_FN_SUB) && sa == sb && sb == sr && ta.precision &&
        tb.precision && K_MAX(ta.precision, tb.precision) + 1 <= tr.precision) {
        /* the precisions prove there is no overflow (wrapping on NULL rows) */
        const uint64_t *a = A->data, *b = B->data;
        uint64_t *r = R->data;
        if (!sel && !ca && !cb) {
            if (fn == EX_FN_ADD) for (uint32_t i = 0; i < n; i++) r[i] = a[i] + b[i];
            else for (uint32_t i = 0; i < n; i++) r[i] = a[i] - b[i];
        } else {
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = sel ? sel[j] : j;
                uint64_t x = a[ca ? 0 : i], y = b[cb ? 0 : i];
                r[i] = fn == EX_FN_ADD ? x + y : x - y;
            }
        }
        return K_OK;
    }
    /* add/sub of narrow operands at different scales (1 - l_discount): the
     * operands are scaled up by powers of ten in 128 bits (no overflow:
     * < 10^18 * 10^18) and the sum checked against the result precision */
    if ((fn == EX_FN_ADD || fn == EX_FN_SUB) && !k_type_is_wide_decimal(ta) &&
        !k_type_is_wide_decimal(tb) && sr == K_MAX(sa, sb) && sr - sa <= 18 && sr - sb <= 18 &&
        tr.precision && tr.precision <= 38) {
        const int64_t *a = A->data, *b = B->data;
        const int64_t fa = (int64_t)k_pow10_128[sr - sa], fb = (int64_t)k_pow10_128[sr - sb];
        const k_int128 lim = k_pow10_128[tr.precision];
        const bool sub = fn == EX_FN_SUB;
        bool bad = false;
        if (k_type_is_wide_decimal(tr)) {
            k_int128 *r = R->data;
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = sel ? sel[j] : j;
                k_int128 x = (k_int128)a[ca ? 0 : i] * fa, y = (k_int128)b[cb ? 0 : i] * fb;
                k_int128 z = sub ? x - y : x + y;
                r[i] = z;
                bad |= (z >= lim) | (z <= -lim);
            }
        } else {
            int64_t *r = R->data;
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = sel ? sel[j] : j;
                k_int128 x = (k_int128)a[ca ? 0 : i] * fa, y = (k_int128)b[cb ? 0 : i] * fb;
                k_int128 z = sub ? x - y : x + y;
                r[i] = (int64_t)z;
                bad |= (z >= lim) | (z <= -lim);
            }
        }
        if (!bad) return K_OK;
    }
    if (narrow && (fn == EX_FN_ADD || fn == EX_FN_SUB) && sa == sb && sb == sr) {
        const int64_t *a = A->data, *b = B->data;
        int64_t *r = R->data;
        int64_t lim = (int64_t)k_pow10_128[tr.precision];
        bool bad = false;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            int64_t z;
            bool o = fn == EX_FN_ADD ? __builtin_add_overflow(a[ca ? 0 : i], b[cb ? 0 : i], &z)
                                     : __builtin_sub_overflow(a[ca ? 0 : i], b[cb ? 0 : i], &z);
            r[i] = z;
            bad |= o | (z >= lim) | (z <= -lim);
        }
        if (!bad) return K_OK;
    }
    /* fast path: the precisions prove the product fits the result (valid
     * values have at most p digits, so |a * b| < 10^(pa + pb)): no checks.
     * NULL rows hold garbage, so the arithmetic wraps (unsigned) instead of
     * overflowing. */
    if (fn == EX_FN_MUL && sa + sb == sr && ta.precision && tb.precision &&
        ta.precision + tb.precision <= (tr.precision ? tr.precision : 38) &&
        ta.precision + tb.precision <= 38 && tr.precision <= 38) {
        const bool wa = k_type_is_wide_decimal(ta), wb = k_type_is_wide_decimal(tb);
        const bool wr = k_type_is_wide_decimal(tr);
        if (!wa && !wb && !wr) {
            const uint64_t *a = A->data, *b = B->data;
            uint64_t *r = R->data;
            if (!sel && !ca && !cb) {
                for (uint32_t i = 0; i < n; i++) r[i] = a[i] * b[i];
            } else if (!sel && !ca) {
                uint64_t y = b[0];
                for (uint32_t i = 0; i < n; i++) r[i] = a[i] * y;
            } else {
                for (uint32_t j = 0; j < n; j++) {
                    uint32_t i = sel ? sel[j] : j;
                    r[i] = a[ca ? 0 : i] * b[cb ? 0 : i];
                }
            }
            return K_OK;
        }
        if (!wa && !wb) {
            const int64_t *a = A->data, *b = B->data;
            k_int128 *r = R->data;
            if (!sel && !ca && !cb) {
                for (uint32_t i = 0; i < n; i++) r[i] = (k_int128)a[i] * b[i];
            } else {
                for (uint32_t j = 0; j < n; j++) {
                    uint32_t i = sel ? sel[j] : j;
                    r[i] = (k_int128)a[ca ? 0 : i] * b[cb ? 0 : i];
                }
            }
            return K_OK;
        }
        if (wr) {
            const k_int128 *a128 = A->data, *b128 = B->data;
            const int64_t *a64 = A->data, *b64 = B->data;
            unsigned __int128 *r = R->data;
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = sel ? sel[j] : j;
                uint32_t ia = ca ? 0 : i, ib = cb ? 0 : i;
                unsigned __int128 x = (unsigned __int128)(wa ? a128[ia] : a64[ia]);
                unsigned __int128 y = (unsigned __int128)(wb ? b128[ib] : b64[ib]);
                r[i] = x * y;
            }
            return K_OK;
        }
    }
    /* fast path: wide operands whose values fit int64 (the usual case for
     * intermediate products): a 64 x 64 -> 128 multiply cannot overflow, only
     * the result precision is checked */
    if (fn == EX_FN_MUL && sa + sb == sr && k_type_is_wide_decimal(tr) && tr.precision &&
        tr.precision <= 38 && (k_type_is_wide_decimal(ta) || k_type_is_wide_decimal(tb))) {
        const bool wa = k_type_is_wide_decimal(ta), wb = k_type_is_wide_decimal(tb);
        const k_int128 *a128 = A->data, *b128 = B->data;
        const int64_t *a64 = A->data, *b64 = B->data;
        const k_int128 lim = k_pow10_128[tr.precision];
        k_int128 *r = R->data;
        bool bad = false;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            uint32_t ia = ca ? 0 : i, ib = cb ? 0 : i;
            k_int128 x = wa ? a128[ia] : a64[ia], y = wb ? b128[ib] : b64[ib];
            bool fit = x == (int64_t)x && y == (int64_t)y;
            k_int128 z = fit ? (k_int128)(int64_t)x * (int64_t)y : 0;
            r[i] = z;
            bad |= !fit | (z >= lim) | (z <= -lim);
        }
        if (!bad) return K_OK;
    }
    /* fast path: narrow operands multiplied at the product's own scale */
    if (fn == EX_FN_MUL && !k_type_is_wide_decimal(ta) && !k_type_is_wide_decimal(tb) &&
        sa + sb == sr && tr.precision <= 38) {
        const int64_t *a = A->data, *b = B->data;
        const k_int128 lim = k_pow10_128[tr.precision];
        bool bad = false;
        if (k_type_is_wide_decimal(tr)) {
            k_int128 *r = R->data;
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = sel ? sel[j] : j;
                k_int128 z = (k_int128)a[ca ? 0 : i] * b[cb ? 0 : i];
                r[i] = z;
                bad |= (z >= lim) | (z <= -lim);
            }
        } else {
            int64_t *r = R->data;
            for (uint32_t j = 0; j < n; j++) {
                uint32_t i = sel ? sel[j] : j;
                k_int128 z = (k_int128)a[ca ? 0 : i] * b[cb ? 0 : i];
                r[i] = (int64_t)z;
                bad |= (z >= lim) | (z <= -lim);
            }
        }
        if (!bad) return K_OK;
    }
    const k_int128 rlim = k_pow10_128[tr.precision && tr.precision <= 38 ? tr.precision : 38];
    /* fast path: any widths multiplied at the product's own scale */
    if (fn == EX_FN_MUL && sa + sb == sr && !R->validity && k_type_is_wide_decimal(tr)) {
        bool bad = false;
        const bool wa = k_type_is_wide_decimal(ta), wb = k_type_is_wide_decimal(tb);
        const k_int128 *a128 = A->data, *b128 = B->data;
        const int64_t *a64 = A->data, *b64 = B->data;
        k_int128 *r = R->data;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            uint32_t ia = ca ? 0 : i, ib = cb ? 0 : i;
            k_int128 x = wa ? a128[ia] : a64[ia], y = wb ? b128[ib] : b64[ib], z;
            bad |= __builtin_mul_overflow(x, y, &z);
            bad |= (z >= rlim) | (z <= -rlim);
            r[i] = z;
        }
        if (!bad) return K_OK;
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        void *slot = (char *)R->data + (size_t)i * k_type_width(tr);
        if (!k_vec_is_valid(R, i)) {
            ex__dec_put(tr, slot, 0);
            continue;
        }
        k_int128 x = ex__dec_get(ta, k_vec_slot(A, i)), y = ex__dec_get(tb, k_vec_slot(B, i));
        k_int128 z;
        int s;
        switch (fn) {
        case EX_FN_ADD:
        case EX_FN_SUB:
        case EX_FN_MOD:
            s = K_MAX(sa, sb);
            if (!mul_pow10(x, s - sa, &x) || !mul_pow10(y, s - sb, &y)) return dec_overflow(pos, err);
            if (fn == EX_FN_MOD) {
                if (y == 0) return k_error_at(err, K_DIVISION_BY_ZERO, pos, "division by zero");
                z = x % y;
            } else if (fn == EX_FN_ADD ? __builtin_add_overflow(x, y, &z)
                                       : __builtin_sub_overflow(x, y, &z)) {
                return dec_overflow(pos, err);
            }
            break;
        case EX_FN_MUL:
            s = sa + sb;
            if (__builtin_mul_overflow(x, y, &z)) return dec_overflow(pos, err);
            break;
        case EX_FN_DIV: {
            if (y == 0) return k_error_at(err, K_DIVISION_BY_ZERO, pos, "division by zero");
            int e = sr - sa + sb;
            s = sr;
            if (e >= 0) {
                k_int128 num;
                if (!mul_pow10(x, e, &num)) return dec_overflow(pos, err);
                z = round_div(num, y);
            } else {
                k_int128 den;
                if (!mul_pow10(y, -e, &den)) {
                    z = 0;
                } else {
                    z = round_div(x, den);
                }
            }
            break;
        }
        default: return k_error(err, K_INTERNAL_ERROR, "unexpected decimal function");
        }
        if (s != sr) {
            if (!k_dec_rescale(z, s, sr, tr.precision, &z)) return dec_overflow(pos, err);
        } else if (z >= rlim || z <= -rlim) {
            return dec_overflow(pos, err);
        }
        ex__dec_put(tr, slot, z);
    }
    return K_OK;
}

static int
f64_arith(ExFunc fn, const KVector *A, const KVector *B, KVector *R, const uint16_t *sel,
          uint32_t n, int32_t pos, KErr *err)
{
    const double *a = A->data, *b = B->data;
    double *r = R->data;
    int ca = (A->flags & K_VEC_CONST) != 0, cb = (B->flags & K_VEC_CONST) != 0;
    bool bad = false;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        double x = a[ca ? 0 : i], y = b[cb ? 0 : i], z;
        switch (fn) {
        case EX_FN_ADD: z = x + y; break;
        case EX_FN_SUB: z = x - y; break;
        case EX_FN_MUL: z = x * y; break;
        case EX_FN_DIV:
            if (y == 0 && k_vec_is_valid(R, i))
                return k_error_at(err, K_DIVISION_BY_ZERO, pos, "division by zero");
            z = y == 0 ? 0 : x / y;
            break;
        default:
            if (y == 0 && k_vec_is_valid(R, i))
                return k_error_at(err, K_DIVISION_BY_ZERO, pos, "division by zero");
            z = y == 0 ? 0 : fmod(x, y);
            break;
        }
        r[i] = z;
        bad |= isinf(z) && !isinf(x) && !isinf(y);
    }
    if (bad) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            if (k_vec_is_valid(R, i) && isinf(r[i]) && !isinf(a[ca ? 0 : i]) && !isinf(b[cb ? 0 : i]))
                return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos,
                                  "value out of range: overflow");
        }
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Unary numeric functions                                              */
/* ------------------------------------------------------------------ */
static int
unary_num(ExEval *ev, const KVector *A, const KVector *D, const uint16_t *sel, uint32_t n,
          KErr *err)
{
    ExFunc fn = (ExFunc)ev->e->u.func.fn;
    KVector *R = &ev->out;
    KType ta = A->type, tr = R->type;
    int32_t pos = ev->e->pos;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (!k_vec_is_valid(R, i)) continue;
        const void *s = k_vec_slot(A, i);
        void *d = (char *)R->data + (size_t)i * k_type_width(tr);
        switch ((KTypeId)ta.id) {
        case K_TYPE_INT32: {
            int32_t x = *(const int32_t *)s;
            if ((fn == EX_FN_NEG || (fn == EX_FN_ABS && x < 0)) && x == INT32_MIN)
                return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "integer out of range");
            int32_t z = fn == EX_FN_NEG ? -x : fn == EX_FN_ABS ? (x < 0 ? -x : x) : x;
            if (tr.id == K_TYPE_INT32) *(int32_t *)d = z;
            else if (tr.id == K_TYPE_INT64) *(int64_t *)d = z;
            else *(double *)d = z;
            break;
        }
        case K_TYPE_INT64: {
            int64_t x = *(const int64_t *)s;
            if ((fn == EX_FN_NEG || (fn == EX_FN_ABS && x < 0)) && x == INT64_MIN)
                return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "bigint out of range");
            int64_t z = fn == EX_FN_NEG ? -x : fn == EX_FN_ABS ? (x < 0 ? -x : x) : x;
            if (tr.id == K_TYPE_DOUBLE) *(double *)d = (double)z;
            else *(int64_t *)d = z;
            break;
        }
        case K_TYPE_DOUBLE: {
            double x = *(const double *)s, z;
            switch (fn) {
            case EX_FN_NEG: z = -x; break;
            case EX_FN_ABS: z = fabs(x); break;
            case EX_FN_FLOOR: z = floor(x); break;
            case EX_FN_CEIL: z = ceil(x); break;
            default: {
                int digits = D ? *(const int32_t *)k_vec_slot(D, i) : 0;
                if (D && !k_vec_is_valid(D, i)) continue;
                double m = pow(10.0, digits);
                z = digits ? round(x * m) / m : rint(x);
                break;
            }
            }
            *(double *)d = z;
            break;
        }
        case K_TYPE_DECIMAL: {
            k_int128 x = ex__dec_get(ta, s), z;
            int sa = ta.scale, zs = sa;
            switch (fn) {
            case EX_FN_NEG: z = -x; break;
            case EX_FN_ABS: z = x < 0 ? -x : x; break;
            case EX_FN_FLOOR:
            case EX_FN_CEIL: {
                k_int128 p = k_pow10_128[sa], q = x / p, r = x % p;
                if (fn == EX_FN_FLOOR && r < 0) q -= 1;
                if (fn == EX_FN_CEIL && r > 0) q += 1;
                z = q;
                zs = 0;
                break;
            }
            default: {
                int digits = D ? *(const int32_t *)k_vec_slot(D, i) : 0;
                if (digits < sa) {
                    int drop = sa - digits;
                    if (drop > 38) {
                        z = 0;
                    } else {
                        z = round_div(x, k_pow10_128[drop]);
                    }
                    zs = digits;
                    if (zs < 0) {
                        if (!mul_pow10(z, -zs, &z)) return dec_overflow(pos, err);
                        zs = 0;
                    }
                } else {
                    z = x;
                }
                break;
            }
            }
            if (tr.id == K_TYPE_DOUBLE) {
                *(double *)d = (double)z / (double)k_pow10_128[zs];
                break;
            }
            if (!k_dec_rescale(z, zs, tr.scale, tr.precision ? tr.precision : 38, &z))
                return dec_overflow(pos, err);
            ex__dec_put(tr, d, z);
            break;
        }
        default:
            return k_error_at(err, K_UNDEFINED_FUNCTION, pos, "function %s does not exist for this type",
                              ex_func_name(fn));
        }
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Comparison values                                                    */
/* ------------------------------------------------------------------ */
typedef struct CmpAux {
    k_int128 *ta, *tb; /* decimal scratch when scales or widths differ */
} CmpAux;

static bool
cmp_needs_widen(KType a, KType b)
{
    return a.id == K_TYPE_DECIMAL && (a.scale != b.scale || k_type_is_wide_decimal(a) != k_type_is_wide_decimal(b));
}

static int
cmp_prepare(ExEval *ev, KVector **A, KVector **B, KVector *wa, KVector *wb, const uint16_t *sel,
            uint32_t n, KErr *err)
{
    KType ta = (*A)->type, tb = (*B)->type;
    if (!cmp_needs_widen(ta, tb)) return K_OK;
    CmpAux *aux = ev->aux;
    int s = K_MAX(ta.scale, tb.scale);
    if (dec_widen(*A, s, sel, n, aux->ta, wa, ev->e->pos, err)) return K_ERR;
    if (dec_widen(*B, s, sel, n, aux->tb, wb, ev->e->pos, err)) return K_ERR;
    *A = wa;
    *B = wb;
    return K_OK;
}

/* Selection form of a comparison FUNC node, used by ex__select. */
int ex__func_cmp_select(ExEval *ev, KVector *A, KVector *B, const uint16_t *sel, uint32_t n,
                        uint16_t *out, uint32_t *nout, KErr *err);
int
ex__func_cmp_select(ExEval *ev, KVector *A, KVector *B, const uint16_t *sel, uint32_t n,
                    uint16_t *out, uint32_t *nout, KErr *err)
{
    KVector wa, wb;
    if (cmp_prepare(ev, &A, &B, &wa, &wb, sel, n, err)) return K_ERR;
    *nout = ex__cmp_select((ExFunc)ev->e->u.func.fn, A->type, A, B, sel, n, out);
    return K_OK;
}

static int
cmp_values(ExEval *ev, KVector *A, KVector *B, const uint16_t *sel, uint32_t n, KErr *err)
{
    KVector wa, wb;
    ExFunc op = (ExFunc)ev->e->u.func.fn;
    if (cmp_prepare(ev, &A, &B, &wa, &wb, sel, n, err)) return K_ERR;
    ExPhys ph = ex__phys(A->type);
    const ValFn *tab = val_table(ph);
    uint8_t *r = ev->out.data;
    int ca = (A->flags & K_VEC_CONST) != 0, cb = (B->flags & K_VEC_CONST) != 0;
    if (tab) {
        tab[op - EX_FN_EQ](A->data, B->data, ca, cb, sel, n, r);
        return K_OK;
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (!k_vec_is_valid(&ev->out, i)) {
            r[i] = 0;
            continue;
        }
        r[i] = op_holds(op, ex__cmp_slot(A->type, k_vec_slot(A, i), k_vec_slot(B, i)));
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                         */
/* ------------------------------------------------------------------ */
int
ex__func_compile(KArena *a, ExEval *ev, KErr *err)
{
    const ExExpr *e = ev->e;
    ExFunc fn = (ExFunc)e->u.func.fn;
    if (fn >= EX_FN_EQ && fn <= EX_FN_GE) {
        if (e->nargs != 2) return k_error(err, K_INTERNAL_ERROR, "comparison needs two arguments");
        if (cmp_needs_widen(e->args[0]->type, e->args[1]->type)) {
            CmpAux *aux = k_alloc0(a, sizeof *aux);
            if (!aux) return k_error_oom(err, a, sizeof *aux);
            aux->ta = k_alloc_aligned(a, sizeof(k_int128) * K_VECTOR_SIZE, 64);
            aux->tb = k_alloc_aligned(a, sizeof(k_int128) * K_VECTOR_SIZE, 64);
            if (!aux->ta || !aux->tb) return k_error_oom(err, a, sizeof(k_int128) * K_VECTOR_SIZE);
            ev->aux = aux;
        }
    }
    if (fn >= EX_FN_LIKE && fn <= EX_FN_NOT_ILIKE) return ex__like_compile(a, ev, err);
    return K_OK;
}

int
ex__func_eval(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n, KArena *heap, KErr *err)
{
    const ExExpr *e = ev->e;
    ExFunc fn = (ExFunc)e->u.func.fn;
    KVector *R = &ev->out;
    switch (fn) {
    case EX_FN_ADD:
    case EX_FN_SUB:
    case EX_FN_MUL:
    case EX_FN_DIV:
    case EX_FN_MOD:
        switch ((KTypeId)a[0]->type.id) {
        case K_TYPE_INT32:
            if (R->type.id == K_TYPE_INT32)
                return arith_i32(fn, a[0], a[1], R, sel, n, e->pos, err);
            break;
        case K_TYPE_INT64:
            if (R->type.id == K_TYPE_INT64)
                return arith_i64(fn, a[0], a[1], R, sel, n, e->pos, err);
            break;
        case K_TYPE_DECIMAL:
            if (R->type.id == K_TYPE_DECIMAL && a[1]->type.id == K_TYPE_DECIMAL)
                return dec_arith(fn, a[0], a[1], R, sel, n, e->pos, err);
            break;
        case K_TYPE_DOUBLE:
            if (R->type.id == K_TYPE_DOUBLE)
                return f64_arith(fn, a[0], a[1], R, sel, n, e->pos, err);
            break;
        default: break;
        }
        return k_error_at(err, K_UNDEFINED_FUNCTION, e->pos,
                          "operator does not exist: %s with these argument types",
                          ex_func_name(fn));
    case EX_FN_NEG:
    case EX_FN_ABS:
    case EX_FN_FLOOR:
    case EX_FN_CEIL:
    case EX_FN_ROUND:
        return unary_num(ev, a[0], e->nargs > 1 ? a[1] : NULL, sel, n, err);
    case EX_FN_EQ:
    case EX_FN_NE:
    case EX_FN_LT:
    case EX_FN_LE:
    case EX_FN_GT:
    case EX_FN_GE:
        return cmp_values(ev, a[0], a[1], sel, n, err);
    case EX_FN_EXTRACT:
    case EX_FN_DATE_TRUNC:
    case EX_FN_DATE_ADD_DAYS:
    case EX_FN_DATE_SUB_DAYS:
    case EX_FN_DATE_ADD_INTERVAL:
    case EX_FN_DATE_SUB_INTERVAL:
    case EX_FN_TS_ADD_INTERVAL:
    case EX_FN_TS_SUB_INTERVAL:
    case EX_FN_DATE_DIFF:
        return ex__date_func(ev, a, sel, n, err);
    default:
        return ex__str_func(ev, a, sel, n, heap, err);
    }
}
