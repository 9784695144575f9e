/*
 * ssb_gen.c — the Star Schema Benchmark generator (O'Neil, O'Neil and
 * Chen, revision 3), following ssb-dbgen's rules:
 *
 *   lineorder  one unit per order (1,500,000 * SF orders, 1..7 lines each,
 *              the same order-key sparsity as TPC-H); each line has a random
 *              part and a random supplier; revenue = extprice * (100 - disc)
 *              / 100, supplycost = 6 * retail price / 10, ordtotalprice the
 *              TPC-H total price formula; money columns in cents (integers)
 *   customer   30,000 * SF; city = nation name padded/cut to 9 characters
 *              plus one random digit; nation, region and phone as TPC-H
 *   supplier   2,000 * SF; same city rule
 *   part       200,000 * floor(1 + log2 SF); MFGR#m, category MFGR#mc,
 *              brand MFGR#mcbb (m, c in 1..5, b in 1..40); name = two
 *              distinct colors, color = the first of them
 *   date       2,556 days from 1992-01-01 (ssb-dbgen's count)
 *
 * Deviations from ssb-dbgen (whose output is not a reference) are listed
 * in README.md: correct month names and last-day-of-month flag, a brand
 * always printed with two digits, addresses cut to the schema's 25
 * characters, and the city digit drawn from its own stream.
 *
 * Interface routines: ssb__gen_seek(), ssb__gen_unit(), ssb__units_total(),
 * ssb__table_unit().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tpch/tpch_int.h"

#define SSB_DATES  2556
#define STARTDATE  92001
#define ODATE_SPAN (2557 - (121 + 30) - 1)

/* streams used per SSB unit: (slot, boundary); the slot's dbgen seed is
 * the initial value. Slots S_C_ABAL / S_S_ABAL carry the city digit and
 * S_P_CMNT the part category (columns SSB does not have). */
typedef struct SsbStream {
    int slot;
    int boundary;
} SsbStream;

static const SsbStream lo_streams[] = {{S_O_CKEY, 1}, {S_O_ODATE, 1}, {S_O_PRIO, 1},  {S_O_LCNT, 1},
                                       {S_L_PKEY, 7}, {S_L_SKEY, 7},  {S_L_QTY, 7},   {S_L_DCNT, 7},
                                       {S_L_TAX, 7},  {S_L_CDTE, 7},  {S_L_SMODE, 7}, {-1, 0}};
static const SsbStream c_streams[] = {{S_C_ADDR, 9}, {S_C_NTRG, 1}, {S_C_PHNE, 3},
                                      {S_C_MSEG, 1}, {S_C_ABAL, 1}, {-1, 0}};
static const SsbStream s_streams[] = {
    {S_S_ADDR, 9}, {S_S_NTRG, 1}, {S_S_PHNE, 3}, {S_S_ABAL, 1}, {-1, 0}};
static const SsbStream p_streams[] = {{S_P_NAME, 92}, {S_P_MFG, 1},  {S_P_CMNT, 1}, {S_P_BRND, 1},
                                      {S_P_TYPE, 1},  {S_P_SIZE, 1}, {S_P_CNTR, 1}, {-1, 0}};
static const SsbStream d_streams[] = {{-1, 0}};

static const SsbStream *const unit_streams[SSB_NTABLES] = {[SSB_LINEORDER] = lo_streams,
                                                           [SSB_CUSTOMER] = c_streams,
                                                           [SSB_SUPPLIER] = s_streams,
                                                           [SSB_PART] = p_streams,
                                                           [SSB_DATE] = d_streams};

static const char alpha_num[65] =
    "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,";
static const char *const month_names[12] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
static const char *const weekday_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                             "Thursday", "Friday", "Saturday"};

int
ssb__table_unit(int table)
{
    return table; /* one unit per table; lineorder's unit is an order */
}

static int64_t
scaled(int64_t base, const TpchScale *sf)
{
    if (sf->permil > 0) {
        int64_t b = (sf->permil * base) / 1000;
        return b < 1 ? 1 : b;
    }
    return base * sf->scale;
}

int64_t
ssb__units_total(int unit, const TpchScale *sf)
{
    switch (unit) {
    case SSB_LINEORDER: return scaled(1500000, sf);
    case SSB_CUSTOMER: return scaled(30000, sf);
    case SSB_SUPPLIER: return scaled(2000, sf);
    case SSB_PART:
        if (sf->sf < 1.0) return scaled(200000, sf);
        return 200000 * (int64_t)floor(1.0 + log2(sf->sf));
    case SSB_DATE: return SSB_DATES;
    default: return 0;
    }
}

void
ssb__gen_seek(TpchGen *g, int unit, int64_t index)
{
    for (int i = 0; i < TPCH_NSTREAMS; i++) {
        g->s[i].value = tpch__streams[i].seed;
        g->s[i].usage = 0;
    }
    for (const SsbStream *s = unit_streams[unit]; s->slot >= 0; s++)
        g->s[s->slot].value = tpch__skip(tpch__streams[s->slot].seed, (index - 1) * s->boundary);
}

static void
row_stop(TpchGen *g)
{
    for (const SsbStream *s = unit_streams[g->unit]; s->slot >= 0; s++)
        tpch__row_stop(&g->s[s->slot], s->boundary);
}

static void
put_vstr(TpchRow *r, TpchStream *st, int min, int max)
{
    char *p = tpch__row_begin(r);
    int64_t len = tpch__unif(st, min, max);
    int64_t ci = 0;
    for (int64_t i = 0; i < len; i++) {
        if (i % 5 == 0) ci = tpch__unif(st, 0, TPCH_MAX_LONG);
        p[i] = alpha_num[ci & 077];
        ci >>= 6;
    }
    tpch__row_end(r, p + len);
}

static void
put_city(TpchRow *r, const char *nation, TpchStream *st)
{
    char *p = tpch__row_begin(r);
    size_t n = strlen(nation);
    for (size_t i = 0; i < 9; i++) p[i] = i < n ? nation[i] : ' ';
    p[9] = (char)('0' + tpch__unif(st, 0, 9));
    tpch__row_end(r, p + 10);
}

static void
put_phone(TpchRow *r, TpchStream *st, int64_t nation)
{
    int64_t acode = tpch__unif(st, 100, 999);
    int64_t exchg = tpch__unif(st, 100, 999);
    int64_t number = tpch__unif(st, 1000, 9999);
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%02d-%03d-%03d-%04d", (int)(10 + nation % 90), (int)acode,
                     (int)exchg, (int)number);
    tpch__put_str(r, tmp, (size_t)n);
}

static void
put_pick(TpchRow *r, int dist, TpchStream *st)
{
    const TpchDist *d = &tpch__dists[dist];
    int k = tpch__pick(d, st);
    tpch__put_str(r, d->entries[k].text, d->lens[k]);
}

static int
gen_person(TpchGen *g, bool cust, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t key = g->next;
    TpchRow *r = &g->row;
    tpch__row_reset(r);
    tpch__put_int(r, key);
    tpch__put_tagged(r, cust ? "Customer#" : "Supplier#", key, 9);
    put_vstr(r, &g->s[cust ? S_C_ADDR : S_S_ADDR], 10, 25);
    int64_t nation = tpch__unif(&g->s[cust ? S_C_NTRG : S_S_NTRG], 0, 24);
    const TpchDist *nd = &tpch__dists[D_NATIONS];
    const TpchDist *rd = &tpch__dists[D_REGIONS];
    const char *nname = nd->entries[nation].text;
    int region = tpch__nation_region((int)nation);
    put_city(r, nname, &g->s[cust ? S_C_ABAL : S_S_ABAL]);
    tpch__put_str(r, nname, nd->lens[nation]);
    tpch__put_str(r, rd->entries[region].text, rd->lens[region]);
    put_phone(r, &g->s[cust ? S_C_PHNE : S_S_PHNE], nation);
    if (cust) put_pick(r, D_MSEGMNT, &g->s[S_C_MSEG]);
    int table = cust ? SSB_CUSTOMER : SSB_SUPPLIER;
    if ((g->want & (1u << table)) && emit(ctx, table, r, err) != K_OK) return K_ERR;
    return K_OK;
}

static int
gen_part(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t key = g->next;
    TpchRow *r = &g->row;
    tpch__row_reset(r);
    tpch__put_int(r, key);
    uint8_t perm[92];
    for (int i = 0; i < 92; i++) perm[i] = (uint8_t)i;
    for (int i = 0; i < 92; i++) {
        int64_t src = tpch__unif(&g->s[S_P_NAME], i, 91);
        uint8_t t = perm[src];
        perm[src] = perm[i];
        perm[i] = t;
    }
    const TpchDist *c = &tpch__dists[D_COLORS];
    char name[64];
    int n =
        snprintf(name, sizeof(name), "%s %s", c->entries[perm[0]].text, c->entries[perm[1]].text);
    tpch__put_str(r, name, (size_t)n);
    int64_t mfgr = tpch__unif(&g->s[S_P_MFG], 1, 5);
    int64_t cat = tpch__unif(&g->s[S_P_CMNT], 1, 5);
    int64_t brand = tpch__unif(&g->s[S_P_BRND], 1, 40);
    char buf[32];
    n = snprintf(buf, sizeof(buf), "MFGR#%d", (int)mfgr);
    tpch__put_str(r, buf, (size_t)n);
    n = snprintf(buf, sizeof(buf), "MFGR#%d%d", (int)mfgr, (int)cat);
    tpch__put_str(r, buf, (size_t)n);
    n = snprintf(buf, sizeof(buf), "MFGR#%d%d%02d", (int)mfgr, (int)cat, (int)brand);
    tpch__put_str(r, buf, (size_t)n);
    tpch__put_str(r, c->entries[perm[0]].text, c->lens[perm[0]]);
    put_pick(r, D_P_TYPES, &g->s[S_P_TYPE]);
    tpch__put_int(r, tpch__unif(&g->s[S_P_SIZE], 1, 50));
    put_pick(r, D_P_CNTR, &g->s[S_P_CNTR]);
    if ((g->want & (1u << SSB_PART)) && emit(ctx, SSB_PART, r, err) != K_OK) return K_ERR;
    return K_OK;
}

static int64_t
datekey(int d)
{
    const char *s = tpch__dates[d];
    return atoi(s) * 10000 + atoi(s + 5) * 100 + atoi(s + 8);
}

static int
gen_date(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int idx = (int)g->next - 1;
    int32_t day = k_date_from_ymd(1992, 1, 1) + idx;
    int y, m, d;
    k_date_to_ymd(day, &y, &m, &d);
    int wday = (int)(((day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int doy = day - k_date_from_ymd(y, 1, 1) + 1;
    TpchRow *r = &g->row;
    char buf[64];
    int n;
    tpch__row_reset(r);
    tpch__put_int(r, (int64_t)y * 10000 + m * 100 + d);
    n = snprintf(buf, sizeof(buf), "%s %d, %d", month_names[m - 1], d, y);
    tpch__put_str(r, buf, (size_t)n);
    tpch__put_str(r, weekday_names[wday], strlen(weekday_names[wday]));
    tpch__put_str(r, month_names[m - 1], strlen(month_names[m - 1]));
    tpch__put_int(r, y);
    tpch__put_int(r, (int64_t)y * 100 + m);
    n = snprintf(buf, sizeof(buf), "%.3s%d", month_names[m - 1], y);
    tpch__put_str(r, buf, (size_t)n);
    tpch__put_int(r, wday + 1); /* Sunday = 1 */
    tpch__put_int(r, d);
    tpch__put_int(r, doy);
    tpch__put_int(r, m);
    tpch__put_int(r, doy / 7 + 1);
    /* ssb-dbgen's selling seasons */
    const char *season = "";
    if (m >= 11)
        season = "Christmas";
    else if (m >= 5 && m <= 8)
        season = "Summer";
    else if (m <= 3)
        season = "Winter";
    else if (m == 4)
        season = "Spring";
    else
        season = "Fall";
    tpch__put_str(r, season, strlen(season));
    tpch__put_int(r, wday == 6 ? 1 : 0); /* Saturday ends the week */
    tpch__put_int(r, d == k_days_in_month(y, m) ? 1 : 0);
    static const int hol[][2] = {{12, 24}, {1, 1},  {2, 20}, {4, 20},  {5, 20},
                                 {7, 20},  {8, 20}, {9, 20}, {10, 20}, {11, 20}};
    int holiday = 0;
    for (size_t i = 0; i < K_ARRAY_LEN(hol); i++)
        if (hol[i][0] == m && hol[i][1] == d) holiday = 1;
    tpch__put_int(r, holiday);
    tpch__put_int(r, (wday != 0 && wday != 6) ? 1 : 0);
    if ((g->want & (1u << SSB_DATE)) && emit(ctx, SSB_DATE, r, err) != K_OK) return K_ERR;
    return K_OK;
}

static int
gen_lineorder(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t index = g->next;
    int64_t okey = ((index >> 3) << 5) | (index & 7);
    int64_t cmax = ssb__units_total(SSB_CUSTOMER, &g->sf);
    int64_t pmax = ssb__units_total(SSB_PART, &g->sf);
    int64_t smax = ssb__units_total(SSB_SUPPLIER, &g->sf);
    int64_t odate = tpch__unif(&g->s[S_O_ODATE], STARTDATE, STARTDATE + ODATE_SPAN) - STARTDATE;
    int64_t cust = tpch__unif(&g->s[S_O_CKEY], 1, cmax);
    int delta = 1;
    while (cust % 3 == 0 && cmax > 1) {
        cust += delta;
        cust = K_MIN(cust, cmax);
        delta = -delta;
    }
    const TpchDist *prio = &tpch__dists[D_O_OPRIO];
    int pk = tpch__pick(prio, &g->s[S_O_PRIO]);
    int64_t lines = tpch__unif(&g->s[S_O_LCNT], 1, 7);
    struct {
        int64_t part, supp, qty, disc, tax, cdate, eprice, rev, cost;
        int mode;
    } li[7];
    int64_t total = 0;
    for (int64_t i = 0; i < lines; i++) {
        li[i].part = tpch__unif(&g->s[S_L_PKEY], 1, pmax);
        li[i].supp = tpch__unif(&g->s[S_L_SKEY], 1, smax);
        li[i].qty = tpch__unif(&g->s[S_L_QTY], 1, 50);
        li[i].disc = tpch__unif(&g->s[S_L_DCNT], 0, 10);
        li[i].tax = tpch__unif(&g->s[S_L_TAX], 0, 8);
        li[i].cdate = odate + tpch__unif(&g->s[S_L_CDTE], 30, 90);
        li[i].mode = tpch__pick(&tpch__dists[D_SMODE], &g->s[S_L_SMODE]);
        int64_t p = li[i].part;
        int64_t rprice = 90000 + (p / 10) % 20001 + (p % 1000) * 100;
        li[i].eprice = rprice * li[i].qty;
        li[i].rev = li[i].eprice * (100 - li[i].disc) / 100;
        li[i].cost = 6 * rprice / 10;
        total += ((li[i].eprice * (100 - li[i].disc)) / 100) * (100 + li[i].tax) / 100;
    }
    if (g->want & (1u << SSB_LINEORDER)) {
        const TpchDist *sm = &tpch__dists[D_SMODE];
        TpchRow *r = &g->row;
        for (int64_t i = 0; i < lines; i++) {
            tpch__row_reset(r);
            tpch__put_int(r, okey);
            tpch__put_int(r, i + 1);
            tpch__put_int(r, cust);
            tpch__put_int(r, li[i].part);
            tpch__put_int(r, li[i].supp);
            tpch__put_int(r, datekey((int)odate));
            tpch__put_str(r, prio->entries[pk].text, prio->lens[pk]);
            tpch__put_int(r, 0);
            tpch__put_int(r, li[i].qty);
            tpch__put_int(r, li[i].eprice);
            tpch__put_int(r, total);
            tpch__put_int(r, li[i].disc);
            tpch__put_int(r, li[i].rev);
            tpch__put_int(r, li[i].cost);
            tpch__put_int(r, li[i].tax);
            tpch__put_int(r, datekey((int)li[i].cdate));
            tpch__put_str(r, sm->entries[li[i].mode].text, sm->lens[li[i].mode]);
            if (emit(ctx, SSB_LINEORDER, r, err) != K_OK) return K_ERR;
        }
    }
    return K_OK;
}

int
ssb__gen_unit(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int rc;
    switch (g->unit) {
    case SSB_LINEORDER: rc = gen_lineorder(g, emit, ctx, err); break;
    case SSB_CUSTOMER: rc = gen_person(g, true, emit, ctx, err); break;
    case SSB_SUPPLIER: rc = gen_person(g, false, emit, ctx, err); break;
    case SSB_PART: rc = gen_part(g, emit, ctx, err); break;
    case SSB_DATE: rc = gen_date(g, emit, ctx, err); break;
    default: return k_error(err, K_INTERNAL_ERROR, "unknown generation unit %d", g->unit);
    }
    if (rc != K_OK) return rc;
    row_stop(g);
    g->next++;
    return K_OK;
}
