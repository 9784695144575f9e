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
#define E19  (P(10000000000000000000))
const k_int128 k_pow10_128[39] = {
    P(1),
    P(10),
    P(100),
    P(1000),
    P(10000),
    P(100000),
    P(1000000),
    P(10000000),
    P(100000000),
    P(1000000000),
    P(10000000000),
    P(100000000000),
    P(1000000000000),
    P(10000000000000),
    P(100000000000000),
    P(1000000000000000),
    P(10000000000000000),
    P(100000000000000000),
    P(1000000000000000000),
    E19,
    E19 * 10,
    E19 * 100,
    E19 * 1000,
    E19 * 10000,
    E19 * 100000,
    E19 * 1000000,
    E19 * 10000000,
    E19 * 100000000,
    E19 * 1000000000,
    E19 * 10000000000,
    E19 * 100000000000,
    E19 * 1000000000000,
    E19 * 10000000000000,
    E19 * 100000000000000,
    E19 * 1000000000000000,
    E19 * 10000000000000000,
    E19 * 100000000000000000,
    E19 * 1000000000000000000,
    E19 *P(1000000000000000000) * 10,
};

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
            if (r >= m - r) q += v < 0 ? -1 : 1; /* r * 2 >= m, without overflow */
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
    if (precision <= 0 || precision > K_DECIMAL_MAX_PRECISION) precision = K_DECIMAL_MAX_PRECISION;
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;

    /* Pass 1: check the syntax [+-] digits [. digits] [e [+-] digits] and
     * find the mantissa, the number of integer digits and the exponent. */
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i] == '-', i++;
    size_t mant = i;
    int64_t ndigits = 0, nint = -1; /* nint: digits before the point */
    for (; i < n; i++) {
        if (s[i] == '.') {
            if (nint >= 0) goto bad;
            nint = ndigits;
        } else if (isdigit((unsigned char)s[i])) {
            ndigits++;
        } else {
            break;
        }
    }
    size_t mant_end = i;
    if (ndigits == 0) goto bad;
    if (nint < 0) nint = ndigits;
    int64_t exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i] == '-', i++;
        if (i >= n || !isdigit((unsigned char)s[i])) goto bad;
        while (i < n && isdigit((unsigned char)s[i])) {
            if (exp < 1000000) exp = exp * 10 + (s[i] - '0');
            i++;
        }
        if (eneg) exp = -exp;
    }
    if (i != n) goto bad;

    /* Pass 2: digit j (0-based) weighs 10^(nint-1-j+exp); scaled by
     * 10^scale, digits 0..last form the integer result and digit last+1
     * decides the rounding (half away from zero), exactly once. */
    int64_t last = nint - 1 + exp + scale;
    k_int128 lim = k_pow10_128[precision];
    k_int128 lim10 = lim / 10; /* v * 10 + d fits iff v < lim10 */
    k_int128 v = 0;
    int64_t j = 0;
    int round_digit = 0;
    for (size_t k = mant; k < mant_end; k++) {
        if (s[k] == '.') continue;
        int d = s[k] - '0';
        if (j <= last) {
            if (v >= lim10) goto range;
            v = v * 10 + d;
        } else if (j == last + 1) {
            round_digit = d;
            break;
        }
        j++;
    }
    if (v != 0) {
        /* digits missing up to position `last` are zeros */
        for (int64_t z = ndigits - 1; z < last; z++) {
            if (v >= lim10) goto range;
            v *= 10;
        }
    }
    if (round_digit >= 5) v += 1;
    if (v >= lim) goto range;
    *out = neg ? -v : v;
    return K_OK;
bad:
    return k_error(err, K_INVALID_TEXT_REPRESENTATION,
                   "invalid input syntax for type numeric: \"%.*s\"", (int)K_MIN(on, 200), o);
range:
    k_error(err, K_NUMERIC_VALUE_OUT_OF_RANGE, "numeric field overflow");
    /* PostgreSQL's wording, which shows 10^0 as 1 */
    k_err_detail(
        err, "A field with precision %d, scale %d must round to an absolute value less than %s%d.",
        precision, scale, precision > scale ? "10^" : "",
        precision > scale ? precision - scale : 1);
    return K_ERR;
}

int
k_format_decimal(k_int128 v, int scale, char *buf, size_t cap)
{
    char tmp[96];
    int n = 0;
    if (scale < 0) scale = 0;
    if (scale > 2 * K_DECIMAL_MAX_PRECISION) scale = 2 * K_DECIMAL_MAX_PRECISION;
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
