/*
 * cast.c — CAST between all SQL types with PostgreSQL's rules.
 *
 * Interface routines: ex__cast.
 *
 * Rules (as PostgreSQL): numeric → integer rounds half away from zero,
 * double → integer rounds half to even (rint); out-of-range values raise
 * 22003; text → anything parses the text form (22P02, 22007, 22008...);
 * anything → text formats it (booleans as 'true' / 'false'); an explicit
 * cast to varchar(n) / char(n) truncates to n characters; timestamp → date
 * drops the time; bool ↔ integer maps 0/1.
 */
#include "exec/exec_int.h"

#include <math.h>
#include <stdio.h>

static int
range_err(KType to, int32_t pos, KErr *err)
{
    switch ((KTypeId)to.id) {
    case K_TYPE_INT32: return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "integer out of range");
    case K_TYPE_INT64: return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "bigint out of range");
    default: return k_error_at(err, K_NUMERIC_VALUE_OUT_OF_RANGE, pos, "numeric field overflow");
    }
}

static bool
is_numeric(KTypeId t)
{
    return t == K_TYPE_INT32 || t == K_TYPE_INT64 || t == K_TYPE_DECIMAL || t == K_TYPE_DOUBLE ||
           t == K_TYPE_BOOL;
}

/* Truncate to n characters (UTF-8). */
static uint32_t
trunc_chars(const char *s, uint32_t len, int32_t n)
{
    if (n <= 0) return len;
    uint32_t i = 0;
    int32_t c = 0;
    while (i < len) {
        if (c == n) return i;
        unsigned char ch = (unsigned char)s[i];
        i += ch < 0x80 ? 1 : ch < 0xe0 ? 2 : ch < 0xf0 ? 3 : 4;
        c++;
    }
    return len;
}

/* A numeric value as scaled int128 (scale) or double. */
typedef struct Num {
    bool is_double;
    double d;
    k_int128 v;
    int scale;
} Num;

static Num
num_get(KType t, const void *slot)
{
    Num x = {0};
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: x.v = *(const uint8_t *)slot; break;
    case K_TYPE_INT32: x.v = *(const int32_t *)slot; break;
    case K_TYPE_INT64: x.v = *(const int64_t *)slot; break;
    case K_TYPE_DECIMAL: x.v = ex__dec_get(t, slot); x.scale = t.scale; break;
    default: x.is_double = true; x.d = *(const double *)slot; break;
    }
    return x;
}

static int
num_put(Num x, KType to, void *slot, int32_t pos, KErr *err)
{
    k_int128 v;
    switch ((KTypeId)to.id) {
    case K_TYPE_DOUBLE:
        *(double *)slot = x.is_double ? x.d : (double)x.v / (double)k_pow10_128[x.scale];
        return K_OK;
    case K_TYPE_BOOL:
        *(uint8_t *)slot = x.is_double ? x.d != 0 : x.v != 0;
        return K_OK;
    case K_TYPE_INT32:
    case K_TYPE_INT64:
        if (x.is_double) {
            if (isnan(x.d)) return range_err(to, pos, err);
            double r = rint(x.d);
            double lim = to.id == K_TYPE_INT32 ? 2147483648.0 : 9223372036854775808.0;
            if (!(r >= -lim && r < lim)) return range_err(to, pos, err);
            v = (k_int128)r;
        } else if (!k_dec_rescale(x.v, x.scale, 0, 38, &v)) {
            return range_err(to, pos, err);
        }
        if (to.id == K_TYPE_INT32) {
            if (v < INT32_MIN || v > INT32_MAX) return range_err(to, pos, err);
            *(int32_t *)slot = (int32_t)v;
        } else {
            if (v < INT64_MIN || v > INT64_MAX) return range_err(to, pos, err);
            *(int64_t *)slot = (int64_t)v;
        }
        return K_OK;
    case K_TYPE_DECIMAL: {
        int p = to.precision ? to.precision : 38;
        if (x.is_double) {
            if (isnan(x.d) || isinf(x.d))
                return k_error_at(err, K_FEATURE_NOT_SUPPORTED, pos,
                                  "cannot convert infinity or NaN to numeric");
            double m = x.d * pow(10.0, to.scale);
            double r = m < 0 ? -floor(-m + 0.5) : floor(m + 0.5);
            if (fabs(r) >= 1e38) return range_err(to, pos, err);
            v = (k_int128)r;
            if (!k_dec_fits(v, p)) return range_err(to, pos, err);
        } else if (!k_dec_rescale(x.v, x.scale, to.scale, p, &v)) {
            return range_err(to, pos, err);
        }
        ex__dec_put(to, slot, v);
        return K_OK;
    }
    default:
        return k_error(err, K_INTERNAL_ERROR, "bad numeric cast target");
    }
}

int
ex__cast(KType from, const KVector *src, KType to, KVector *dst, const uint16_t *sel,
         uint32_t n, KArena *heap, int32_t pos, KErr *err)
{
    size_t w = k_type_width(to);
    char buf[256];
    char tn1[64], tn2[64];
    bool cst = src->flags & K_VEC_CONST;
    if (cst && (dst->flags & K_VEC_CONST)) n = 1;
    /* fast paths */
    if (from.id == K_TYPE_INT32 && to.id == K_TYPE_INT64) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            ((int64_t *)dst->data)[i] = *(const int32_t *)k_vec_slot(src, i);
        }
        return K_OK;
    }
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (!k_vec_is_valid(src, i) || (dst->validity && !k_vec_is_valid(dst, i))) {
            memset((char *)dst->data + (size_t)i * w, 0, w);
            continue;
        }
        const void *s = k_vec_slot(src, i);
        void *d = (char *)dst->data + (size_t)i * w;
        if (k_type_is_string(from)) {
            const KStr *str = s;
            const char *p = k_str_data(str);
            uint32_t len = str->len;
            if (k_type_is_string(to)) {
                uint32_t m = trunc_chars(p, len, to.len);
                if (to.id == K_TYPE_CHAR)
                    while (m && p[m - 1] == ' ') m--;
                *(KStr *)d = *str;
                if (m != len && !k_str_copy(heap, p, m, (KStr *)d)) return k_error_oom(err, heap, m);
                continue;
            }
            if (k_value_parse(to, p, len, d, heap, err)) {
                if (err->pos < 0) err->pos = pos;
                return K_ERR;
            }
            continue;
        }
        if (k_type_is_string(to)) {
            int len;
            if (from.id == K_TYPE_BOOL) {
                len = snprintf(buf, sizeof buf, "%s", *(const uint8_t *)s ? "true" : "false");
            } else {
                len = k_value_format(from, s, buf, sizeof buf);
            }
            if (len < 0) len = 0;
            if ((size_t)len >= sizeof buf) len = sizeof buf - 1;
            uint32_t m = trunc_chars(buf, (uint32_t)len, to.len);
            if (!k_str_copy(heap, buf, m, (KStr *)d)) return k_error_oom(err, heap, m);
            continue;
        }
        if (is_numeric((KTypeId)from.id) && is_numeric((KTypeId)to.id)) {
            if (num_put(num_get(from, s), to, d, pos, err)) return K_ERR;
            continue;
        }
        if (from.id == K_TYPE_DATE && to.id == K_TYPE_TIMESTAMP) {
            *(int64_t *)d = (int64_t)*(const int32_t *)s * K_USECS_PER_DAY;
            continue;
        }
        if (from.id == K_TYPE_TIMESTAMP && to.id == K_TYPE_DATE) {
            int64_t us = *(const int64_t *)s;
            int64_t days = us / K_USECS_PER_DAY;
            if (us % K_USECS_PER_DAY < 0) days--;
            *(int32_t *)d = (int32_t)days;
            continue;
        }
        if (from.id == to.id) {
            memcpy(d, s, w);
            continue;
        }
        return k_error_at(err, K_DATATYPE_MISMATCH, pos, "cannot cast type %s to %s",
                          k_type_name(from, tn1, sizeof tn1), k_type_name(to, tn2, sizeof tn2));
    }
    return K_OK;
}
