/*
 * decimal.c — DECIMAL(p,s) as scaled integers.
 *
 * Interface routines: k_parse_decimal, k_format_decimal, k_dec_rescale,
 * k_dec_fits, k_pow10_128.
 *
 * Notes: a DECIMAL(p,s) value v stands for v / 10^s. Precision up to 18
 * is stored in int64, up to 38 in int128; arithmetic on wide intermediates
 * uses int128 throughout. Rounding is half away from zero, like PostgreSQL's
 * numeric. Out-of-range values are 22003 "numeric field overflow".
 */
#include "common/kestrel.h"

#include <ctype.h>
#include <stdio.h>

#define P(n) ((k_int128)n##ULL)
#define E19 (P(10000000000000000000))
const k_int128 k_pow10_128[39] = {
    P(1), P(10), P(100), P(1000), P(10000), P(100000), P(1000000), P(10000000), P(100000000),
    P(1000000000), P(10000000000), P(100000000000), P(1000000000000), P(10000000000000),
    P(100000000000000), P(1000000000000000), P(10000000000000000), P(100000000000000000),
    P(1000000000000000000), E19, E19 * 10, E19 * 100, E19 * 1000, E19 * 10000, E19 * 100000,
    E19 * 1000000, E19 * 10000000, E19 * 100000000, E19 * 1000000000, E19 * 10000000000,
    E19 * 100000000000, E19 * 1000000000000, E19 * 10000000000000, E19 * 100000000000000,
    E19 * 1000000000000000, E19 * 10000000000000000, E19 * 100000000000000000,
    E19 * 1000000000000000000, E19 * P(1000000000000000000) * 10,
};

bool
k_dec_fits(k_int128 v, int precision)
{
    if (precision >= 39) return true;
    k_int128 lim = k_pow10_128[precision];
    return v < lim && v > -lim;
}

bool
k_dec_rescale(k_int128 v, int from, int to, int precision, k_int128 *out)
{
    if (to > from) {
        int d = to - from;
        if (d > 38) return false;
        k_int128 m = k_pow10_128[d];
        k_int128 lim = k_pow10_128[38] / m;
        if (v >= lim || v <= -lim) return false;
        v *= m;
    } else if (to < from) {
        int d = from - to;
        if (d > 38) {
            v = 0;
        } else {
            k_int128 m = k_pow10_128[d];
            k_int128 q = v / m, r = v % m;
            if (r < 0) r = -r;
            if (r * 2 >= m) q += v < 0 ? -1 : 1;
            v = q;
        }
    }
    if (!k_dec_fits(v, precision)) return false;
    *out = v;
    return true;
}

int
k_parse_decimal(const char *s, size_t n, int precision, int scale, k_int128 *out, KErr *err)
{
    const char *o = s;
    size_t on = n;
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i] == '-', i++;
    k_int128 v = 0;
    int ndig = 0, frac = 0;
    bool seen_dot = false, any = false, overflow = false;
    int dropped = -1; /* first dropped digit beyond 38 significant, for rounding */
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (seen_dot) goto bad;
            seen_dot = true;
            continue;
        }
        if (!isdigit((unsigned char)c)) break;
        any = true;
        if (v == 0 && c == '0' && !seen_dot) continue;
        if (ndig < 38) {
            v = v * 10 + (c - '0');
            if (v) ndig++;
            if (seen_dot) frac++;
        } else if (!seen_dot) {
            overflow = true;
        } else if (dropped < 0) {
            dropped = c - '0';
        }
    }
    if (!any) goto bad;
    int64_t exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i] == '-', i++;
        if (i >= n || !isdigit((unsigned char)s[i])) goto bad;
        while (i < n && isdigit((unsigned char)s[i])) {
            if (exp < 1000) exp = exp * 10 + (s[i] - '0');
            i++;
        }
        if (eneg) exp = -exp;
    }
    if (i != n) goto bad;
    if (overflow) goto range;
    if (dropped >= 5) v += 1;
    /* value = v * 10^(exp - frac); bring it to `scale` */
    int64_t cur = (int64_t)frac - exp;
    if (cur > 76) {
        v = 0;
        cur = scale;
    }
    if (cur < -76) {
        if (v == 0) cur = scale;
        else goto range;
    }
    if (!k_dec_rescale(v, (int)cur, scale, precision ? precision : 38, &v)) goto range;
    *out = neg ? -v : v;
    return K_OK;
bad:
    return k_error(err, K_INVALID_TEXT_REPRESENTATION, "invalid input syntax for type numeric: \"%.*s\"",
                   (int)K_MIN(on, 200), o);
range:
    k_error(err, K_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
    k_err_detail(err, "A field with precision %d, scale %d must round to an absolute value less than 10^%d.",
                 precision, scale, precision - scale);
    return K_ERR;
}

int
k_format_decimal(k_int128 v, int scale, char *buf, size_t cap)
{
    char tmp[48];
    int n = 0;
    k_uint128 u = v < 0 ? (k_uint128)0 - (k_uint128)v : (k_uint128)v;
    for (int i = 0; i < scale; i++) {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    }
    if (scale > 0) tmp[n++] = '.';
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0) tmp[n++] = '-';
    int len = n;
    if (cap) {
        size_t w = 0;
        while (n && w + 1 < cap) buf[w++] = tmp[--n];
        buf[w] = '\0';
    }
    return len;
}
