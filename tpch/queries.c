/*
 * queries.c — the 22 TPC-H and 13 SSB query texts and their random
 * substitution parameters.
 *
 * The validation texts are shipped in queries/ and ssb-queries/ and
 * embedded at build time (embed.cmake). A seeded query is derived from its
 * validation text: each substitution parameter's validation literal (for
 * Q1 "interval '90' day", for Q3 "'BUILDING'" and "'1995-03-15'", ...) is
 * replaced by a value drawn from the parameter's domain in clause 2.4 of the
 * TPC-H specification. Replacement is one left-to-right pass over the
 * validation text (longest literal first), so a new value is never itself
 * replaced by a later rule.
 *
 * Interface routines: tpch_query_count(), tpch_query_text(),
 * tpch_query_generate(), tpch_schema_sql().
 */
#include <stdio.h>
#include <stdlib.h>

#include "tpch/tpch_int.h"

#define MAX_SUBST 12

typedef struct Subst {
    int n;
    const char *from[MAX_SUBST];
    char to[MAX_SUBST][96];
} Subst;

typedef struct QRng {
    uint64_t s;
} QRng;

/* splitmix64, then an unbiased draw in [lo, hi] */
static uint64_t
qrng_next(QRng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int
rnd(QRng *r, int lo, int hi)
{
    uint64_t span = (uint64_t)(hi - lo + 1);
    uint64_t lim = UINT64_MAX - UINT64_MAX % span;
    uint64_t v;
    do v = qrng_next(r);
    while (v >= lim);
    return lo + (int)(v % span);
}

static void add(Subst *s, const char *from, const char *fmt, ...) K_PRINTF(3, 4);
static void
add(Subst *s, const char *from, const char *fmt, ...)
{
    K_ASSERT(s->n < MAX_SUBST);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->to[s->n], sizeof(s->to[s->n]), fmt, ap);
    va_end(ap);
    s->from[s->n++] = from;
}

static const char *
dist_text(int dist, int i)
{
    return tpch__dists[dist].entries[i].text;
}

static const char *const syl1[] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
static const char *const syl2[] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
static const char *const syl3[] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
static const char *const csyl1[] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
static const char *const csyl2[] = {"CASE", "BOX", "BAG", "JAR", "PACK", "PKG", "CAN", "DRUM"};
static const char *const mon3[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* k distinct values in [lo, hi] */
static void
distinct(QRng *r, int lo, int hi, int k, int *out)
{
    for (int i = 0; i < k; i++) {
    again:
        out[i] = rnd(r, lo, hi);
        for (int j = 0; j < i; j++)
            if (out[j] == out[i]) goto again;
    }
}

static void
tpch_params(int q, QRng *r, double sf, Subst *s)
{
    int y, m, v[8];
    switch (q) {
    case 1: add(s, "interval '90' day", "interval '%d' day", rnd(r, 60, 120)); break;
    case 2:
        add(s, "p_size = 15", "p_size = %d", rnd(r, 1, 50));
        add(s, "'%BRASS'", "'%%%s'", syl3[rnd(r, 0, 4)]);
        add(s, "'EUROPE'", "'%s'", dist_text(D_REGIONS, rnd(r, 0, 4)));
        break;
    case 3:
        add(s, "'BUILDING'", "'%s'", dist_text(D_MSEGMNT, rnd(r, 0, 4)));
        add(s, "'1995-03-15'", "'1995-03-%02d'", rnd(r, 1, 31));
        break;
    case 4:
        m = rnd(r, 0, 57); /* 1993-01 .. 1997-10 */
        add(s, "'1993-07-01'", "'%d-%02d-01'", 1993 + m / 12, m % 12 + 1);
        break;
    case 5:
        add(s, "'ASIA'", "'%s'", dist_text(D_REGIONS, rnd(r, 0, 4)));
        add(s, "'1994-01-01'", "'%d-01-01'", rnd(r, 1993, 1997));
        break;
    case 6:
        add(s, "'1994-01-01'", "'%d-01-01'", rnd(r, 1993, 1997));
        y = rnd(r, 2, 9);
        add(s, ".06 - 0.01", ".%02d - 0.01", y);
        add(s, ".06 + 0.01", ".%02d + 0.01", y);
        add(s, "l_quantity < 24", "l_quantity < %d", rnd(r, 24, 25));
        break;
    case 7:
        distinct(r, 0, 24, 2, v);
        add(s, "'FRANCE'", "'%s'", dist_text(D_NATIONS, v[0]));
        add(s, "'GERMANY'", "'%s'", dist_text(D_NATIONS, v[1]));
        break;
    case 8:
        v[0] = rnd(r, 0, 24);
        add(s, "'BRAZIL'", "'%s'", dist_text(D_NATIONS, v[0]));
        add(s, "'AMERICA'", "'%s'", dist_text(D_REGIONS, tpch__nation_region(v[0])));
        add(s, "'ECONOMY ANODIZED STEEL'", "'%s %s %s'", syl1[rnd(r, 0, 5)], syl2[rnd(r, 0, 4)],
            syl3[rnd(r, 0, 4)]);
        break;
    case 9: add(s, "'%green%'", "'%%%s%%'", dist_text(D_COLORS, rnd(r, 0, 91))); break;
    case 10:
        m = rnd(r, 1, 24); /* 1993-02 .. 1995-01 */
        add(s, "'1993-10-01'", "'%d-%02d-01'", 1993 + m / 12, m % 12 + 1);
        break;
    case 11:
        add(s, "'GERMANY'", "'%s'", dist_text(D_NATIONS, rnd(r, 0, 24)));
        add(s, "0.0001000000", "%.10f", 0.0001 / sf);
        break;
    case 12:
        distinct(r, 0, 6, 2, v);
        add(s, "'MAIL'", "'%s'", dist_text(D_SMODE, v[0]));
        add(s, "'SHIP'", "'%s'", dist_text(D_SMODE, v[1]));
        add(s, "'1994-01-01'", "'%d-01-01'", rnd(r, 1993, 1997));
        break;
    case 13:
        add(s, "'%special%requests%'", "'%%%s%%%s%%'", dist_text(D_Q13A, rnd(r, 0, 3)),
            dist_text(D_Q13B, rnd(r, 0, 3)));
        break;
    case 14: add(s, "'1995-09-01'", "'%d-%02d-01'", rnd(r, 1993, 1997), rnd(r, 1, 12)); break;
    case 15:
        m = rnd(r, 0, 57);
        add(s, "'1996-01-01'", "'%d-%02d-01'", 1993 + m / 12, m % 12 + 1);
        break;
    case 16:
        add(s, "'Brand#45'", "'Brand#%d%d'", rnd(r, 1, 5), rnd(r, 1, 5));
        add(s, "'MEDIUM POLISHED%'", "'%s %s%%'", syl1[rnd(r, 0, 5)], syl2[rnd(r, 0, 4)]);
        distinct(r, 1, 50, 8, v);
        add(s, "(49, 14, 23, 45, 19, 3, 36, 9)", "(%d, %d, %d, %d, %d, %d, %d, %d)", v[0], v[1],
            v[2], v[3], v[4], v[5], v[6], v[7]);
        break;
    case 17:
        add(s, "'Brand#23'", "'Brand#%d%d'", rnd(r, 1, 5), rnd(r, 1, 5));
        add(s, "'MED BOX'", "'%s %s'", csyl1[rnd(r, 0, 4)], csyl2[rnd(r, 0, 7)]);
        break;
    case 18: add(s, "> 300", "> %d", rnd(r, 312, 315)); break;
    case 19:
        add(s, "'Brand#12'", "'Brand#%d%d'", rnd(r, 1, 5), rnd(r, 1, 5));
        add(s, "'Brand#23'", "'Brand#%d%d'", rnd(r, 1, 5), rnd(r, 1, 5));
        add(s, "'Brand#34'", "'Brand#%d%d'", rnd(r, 1, 5), rnd(r, 1, 5));
        y = rnd(r, 1, 10);
        add(s, "l_quantity >= 1 and l_quantity <= 1 + 10",
            "l_quantity >= %d and l_quantity <= %d + 10", y, y);
        y = rnd(r, 10, 20);
        add(s, "l_quantity >= 10 and l_quantity <= 10 + 10",
            "l_quantity >= %d and l_quantity <= %d + 10", y, y);
        y = rnd(r, 20, 30);
        add(s, "l_quantity >= 20 and l_quantity <= 20 + 10",
            "l_quantity >= %d and l_quantity <= %d + 10", y, y);
        break;
    case 20:
        add(s, "'forest%'", "'%s%%'", dist_text(D_COLORS, rnd(r, 0, 91)));
        add(s, "'1994-01-01'", "'%d-01-01'", rnd(r, 1993, 1997));
        add(s, "'CANADA'", "'%s'", dist_text(D_NATIONS, rnd(r, 0, 24)));
        break;
    case 21: add(s, "'SAUDI ARABIA'", "'%s'", dist_text(D_NATIONS, rnd(r, 0, 24))); break;
    case 22:
        distinct(r, 10, 34, 7, v);
        add(s, "('13', '31', '23', '29', '30', '18', '17')",
            "('%d', '%d', '%d', '%d', '%d', '%d', '%d')", v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        break;
    default: break;
    }
}

static void
ssb_params(int q, QRng *r, Subst *s)
{
    int d, y, m, v[2];
    int region, nation;
    const char *nname;
    switch (q) {
    case 1:
        add(s, "d_year = 1993", "d_year = %d", rnd(r, 1992, 1998));
        d = rnd(r, 0, 8);
        add(s, "lo_discount BETWEEN 1 AND 3", "lo_discount BETWEEN %d AND %d", d, d + 2);
        add(s, "lo_quantity < 25", "lo_quantity < %d", rnd(r, 20, 30));
        break;
    case 2:
    case 3:
        if (q == 2) {
            add(s, "d_yearmonthnum = 199401", "d_yearmonthnum = %d",
                rnd(r, 1992, 1998) * 100 + rnd(r, 1, 12));
        } else {
            add(s, "d_weeknuminyear = 6", "d_weeknuminyear = %d", rnd(r, 1, 52));
            add(s, "d_year = 1994", "d_year = %d", rnd(r, 1992, 1998));
        }
        d = rnd(r, 0, 8);
        add(s, q == 2 ? "lo_discount BETWEEN 4 AND 6" : "lo_discount BETWEEN 5 AND 7",
            "lo_discount BETWEEN %d AND %d", d, d + 2);
        y = rnd(r, 1, 41);
        add(s, "lo_quantity BETWEEN 26 AND 35", "lo_quantity BETWEEN %d AND %d", y, y + 9);
        break;
    case 4:
        add(s, "'MFGR#12'", "'MFGR#%d%d'", rnd(r, 1, 5), rnd(r, 1, 5));
        add(s, "'AMERICA'", "'%s'", dist_text(D_REGIONS, rnd(r, 0, 4)));
        break;
    case 5:
        m = rnd(r, 1, 5), d = rnd(r, 1, 5), y = rnd(r, 1, 33);
        add(s, "'MFGR#2221' AND 'MFGR#2228'", "'MFGR#%d%d%02d' AND 'MFGR#%d%d%02d'", m, d, y, m, d,
            y + 7);
        add(s, "'ASIA'", "'%s'", dist_text(D_REGIONS, rnd(r, 0, 4)));
        break;
    case 6:
        add(s, "'MFGR#2221'", "'MFGR#%d%d%02d'", rnd(r, 1, 5), rnd(r, 1, 5), rnd(r, 1, 40));
        add(s, "'EUROPE'", "'%s'", dist_text(D_REGIONS, rnd(r, 0, 4)));
        break;
    case 7:
    case 8:
    case 9:
    case 10:
        if (q == 7) add(s, "'ASIA'", "'%s'", dist_text(D_REGIONS, rnd(r, 0, 4)));
        if (q == 8) add(s, "'UNITED STATES'", "'%s'", dist_text(D_NATIONS, rnd(r, 0, 24)));
        if (q >= 9) {
            nname = dist_text(D_NATIONS, rnd(r, 0, 24));
            distinct(r, 0, 9, 2, v);
            add(s, "'UNITED KI1'", "'%-9.9s%d'", nname, v[0]);
            add(s, "'UNITED KI5'", "'%-9.9s%d'", nname, v[1]);
        }
        if (q <= 9) {
            y = rnd(r, 1992, 1993);
            add(s, "d_year >= 1992 AND d_year <= 1997", "d_year >= %d AND d_year <= %d", y, y + 5);
        } else {
            add(s, "'Dec1997'", "'%s%d'", mon3[rnd(r, 0, 11)], rnd(r, 1992, 1998));
        }
        break;
    case 11:
    case 12:
    case 13:
        region = rnd(r, 0, 4);
        add(s, "c_region = 'AMERICA'", "c_region = '%s'", dist_text(D_REGIONS, region));
        if (q < 13) {
            add(s, "s_region = 'AMERICA'", "s_region = '%s'", dist_text(D_REGIONS, region));
            distinct(r, 1, 5, 2, v);
            add(s, "(p_mfgr = 'MFGR#1' OR p_mfgr = 'MFGR#2')",
                "(p_mfgr = 'MFGR#%d' OR p_mfgr = 'MFGR#%d')", v[0], v[1]);
        } else {
            do nation = rnd(r, 0, 24);
            while (tpch__nation_region(nation) != region);
            add(s, "s_nation = 'UNITED STATES'", "s_nation = '%s'", dist_text(D_NATIONS, nation));
            add(s, "'MFGR#14'", "'MFGR#%d%d'", rnd(r, 1, 5), rnd(r, 1, 5));
        }
        if (q >= 12) {
            y = rnd(r, 1992, 1997);
            add(s, "(d_year = 1997 OR d_year = 1998)", "(d_year = %d OR d_year = %d)", y, y + 1);
        }
        break;
    default: break;
    }
}

/* Replace every occurrence of each `from` by its `to`. */
static int
apply(const char *text, const Subst *s, KBuf *out, KErr *err)
{
    const char *p = text;
    while (*p) {
        int hit = -1;
        size_t hl = 0;
        for (int i = 0; i < s->n; i++) {
            size_t l = strlen(s->from[i]);
            if (strncmp(p, s->from[i], l) == 0 && l > hl) {
                hit = i;
                hl = l;
            }
        }
        if (hit >= 0) {
            k_buf_put(out, s->to[hit], strlen(s->to[hit]));
            p += hl;
        } else {
            k_buf_put(out, p, 1);
            p++;
        }
    }
    if (out->failed) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    return K_OK;
}

int
tpch_query_count(TpchBenchmark b)
{
    return b == TPCH_BENCH_SSB ? 13 : 22;
}

const char *
tpch_query_text(TpchBenchmark b, int q)
{
    if (q < 1 || q > tpch_query_count(b)) return NULL;
    return b == TPCH_BENCH_SSB ? tpch__queries_ssb[q - 1] : tpch__queries_tpch[q - 1];
}

int
tpch_query_generate(TpchBenchmark b, int q, uint64_t seed, double sf, KBuf *out, KErr *err)
{
    const char *text = tpch_query_text(b, q);
    if (!text)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "query number must be between 1 and %d",
                       tpch_query_count(b));
    if (!(sf > 0)) return k_error(err, K_INVALID_PARAMETER_VALUE, "invalid scale factor");
    tpch__init();
    uint64_t mix = (uint64_t)q * UINT64_C(0x2545f4914f6cdd1d) ^ (b == TPCH_BENCH_SSB ? 0x55 : 0);
    QRng r = {seed ^ mix};
    Subst s;
    s.n = 0;
    if (b == TPCH_BENCH_SSB)
        ssb_params(q, &r, &s);
    else
        tpch_params(q, &r, sf, &s);
    return apply(text, &s, out, err);
}

const char *
tpch_schema_sql(TpchBenchmark b)
{
    return tpch__schema_texts[b == TPCH_BENCH_SSB ? 1 : 0];
}
