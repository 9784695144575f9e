/*
 * tpch_gen.c — the TPC-H row generators (dbgen's mk_part, mk_supp, mk_cust,
 * mk_order, mk_nation, mk_region), the row builder helpers, scaling and the
 * part split.
 *
 * Each generation unit (one part with its four partsupp rows, one supplier,
 * one customer, one order with its lineitems, one nation, one region) draws
 * from its own column streams and then advances every stream of its table
 * to the stream's per-row boundary, exactly as dbgen's row_stop() does.
 * Unit i therefore starts from the initial seeds skipped by (i-1) *
 * boundary draws, which lets any thread start anywhere (tpch__gen_seek).
 *
 * Interface routines: tpch__gen_seek(), tpch__gen_unit(), tpch__units_total(),
 * tpch__part_range(), tpch__count_lines(), tpch__put_*().
 */
#include <stdio.h>

#include "tpch/tpch_int.h"

/* dbgen constants (dss.h, shared.h) */
#define STARTDATE      92001
#define CURRENT_OFFSET 1263 /* CURRENTDATE 95168 as days after 1992-01-01 */
#define ODATE_SPAN     (2557 - (121 + 30) - 1)
#define SUPP_PER_PART  4
#define CUST_MORTALITY 3
#define PENNIES        100

static const char alpha_num[65] =
    "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,";

/* ------------------------------------------------------------------ */
/* Row builder                                                          */
/* ------------------------------------------------------------------ */
static inline char *
fmt_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

void
tpch__put_int(TpchRow *r, int64_t v)
{
    char *p = tpch__row_begin(r);
    if (v < 0) {
        *p++ = '-';
        p = fmt_u64(p, (uint64_t)0 - (uint64_t)v);
    } else {
        p = fmt_u64(p, (uint64_t)v);
    }
    tpch__row_end(r, p);
}

void
tpch__put_money(TpchRow *r, int64_t cents)
{
    char *p = tpch__row_begin(r);
    uint64_t c;
    if (cents < 0) {
        *p++ = '-';
        c = (uint64_t)0 - (uint64_t)cents;
    } else {
        c = (uint64_t)cents;
    }
    p = fmt_u64(p, c / 100);
    *p++ = '.';
    *p++ = (char)('0' + (c % 100) / 10);
    *p++ = (char)('0' + c % 10);
    tpch__row_end(r, p);
}

void
tpch__put_str(TpchRow *r, const char *s, size_t n)
{
    char *p = tpch__row_begin(r);
    memcpy(p, s, n);
    tpch__row_end(r, p + n);
}

void
tpch__put_chr(TpchRow *r, char c)
{
    char *p = tpch__row_begin(r);
    *p++ = c;
    tpch__row_end(r, p);
}

void
tpch__put_tagged(TpchRow *r, const char *tag, int64_t v, int width)
{
    char *p = tpch__row_begin(r);
    size_t tl = strlen(tag);
    memcpy(p, tag, tl);
    p += tl;
    char num[24];
    char *e = fmt_u64(num, (uint64_t)v);
    int nd = (int)(e - num);
    for (int i = nd; i < width; i++) *p++ = '0';
    memcpy(p, num, (size_t)nd);
    tpch__row_end(r, p + nd);
}

void
tpch__put_date(TpchRow *r, int d)
{
    tpch__put_str(r, tpch__dates[d], 10);
}

/* ------------------------------------------------------------------ */
/* Scaling and parts                                                    */
/* ------------------------------------------------------------------ */
static const int64_t unit_base[TPCH_NUNITS] = {
    [TPCH_U_PART] = 200000,   [TPCH_U_SUPP] = 10000, [TPCH_U_CUST] = 150000,
    [TPCH_U_ORDER] = 1500000, [TPCH_U_NATION] = 25,  [TPCH_U_REGION] = 5,
};

static int64_t
scaled_base(int64_t base, const TpchScale *sf)
{
    if (sf->permil > 0) {
        int64_t b = (sf->permil * base) / 1000;
        return b < 1 ? 1 : b;
    }
    return base;
}

int64_t
tpch__units_total(TpchBenchmark b, int unit, const TpchScale *sf)
{
    if (b == TPCH_BENCH_SSB) return ssb__units_total(unit, sf);
    if (unit == TPCH_U_NATION || unit == TPCH_U_REGION) return unit_base[unit];
    return scaled_base(unit_base[unit], sf) * sf->scale;
}

void
tpch__part_range(TpchBenchmark b, int unit, const TpchScale *sf, int part, int nparts,
                 int64_t *first, int64_t *count)
{
    int64_t total = tpch__units_total(b, unit, sf);
    if (nparts <= 1) {
        *first = 1;
        *count = total;
        return;
    }
    bool small =
        b == TPCH_BENCH_SSB ? unit == SSB_DATE : (unit == TPCH_U_NATION || unit == TPCH_U_REGION);
    if (small) {
        /* small fixed tables: whole in part 1 */
        *first = 1;
        *count = part == 1 ? total : 0;
        return;
    }
    int64_t per = total / nparts;
    int64_t extra = total % nparts;
    *first = per * (part - 1) + 1;
    *count = per + (part == nparts ? extra : 0);
}

/* ------------------------------------------------------------------ */
/* Generators                                                           */
/* ------------------------------------------------------------------ */
void
tpch__gen_seek(TpchGen *g, TpchBenchmark b, const TpchScale *sf, int unit, int64_t index)
{
    g->bench = b;
    g->sf = *sf;
    g->unit = unit;
    g->next = index;
    if (b == TPCH_BENCH_SSB) {
        ssb__gen_seek(g, unit, index);
        return;
    }
    for (int i = 0; i < TPCH_NSTREAMS; i++) {
        const TpchStreamDef *d = &tpch__streams[i];
        g->s[i].usage = 0;
        g->s[i].value = d->unit == unit ? tpch__skip(d->seed, (index - 1) * d->boundary) : d->seed;
    }
}

static void
row_stop(TpchGen *g)
{
    for (int i = 0; i < TPCH_NSTREAMS; i++)
        if (tpch__streams[i].unit == g->unit) tpch__row_stop(&g->s[i], tpch__streams[i].boundary);
}

/* dbgen's a_rnd(): random alphanumeric text of random length. */
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

/* dbgen's dbg_text(): a random slice of the text pool. TEXT(avg) uses
 * [avg * 0.4, avg * 1.6]. */
static char *
put_text(TpchRow *r, TpchStream *st, int min, int max, int64_t *len_out)
{
    char *p = tpch__row_begin(r);
    int64_t off = tpch__unif(st, 0, TPCH_TEXT_POOL_SIZE - max);
    int64_t len = tpch__unif(st, min, max);
    tpch__textpool_copy(off, (int)len, p);
    tpch__row_end(r, p + len);
    *len_out = len;
    return p;
}

static void
put_phone(TpchRow *r, TpchStream *st, int64_t nation)
{
    int64_t acode = tpch__unif(st, 100, 999);
    int64_t exchg = tpch__unif(st, 100, 999);
    int64_t number = tpch__unif(st, 1000, 9999);
    char *p = tpch__row_begin(r);
    int cc = (int)(10 + nation % 90);
    p[0] = (char)('0' + cc / 10);
    p[1] = (char)('0' + cc % 10);
    p[2] = '-';
    p[3] = (char)('0' + acode / 100);
    p[4] = (char)('0' + acode / 10 % 10);
    p[5] = (char)('0' + acode % 10);
    p[6] = '-';
    p[7] = (char)('0' + exchg / 100);
    p[8] = (char)('0' + exchg / 10 % 10);
    p[9] = (char)('0' + exchg % 10);
    p[10] = '-';
    p[11] = (char)('0' + number / 1000);
    p[12] = (char)('0' + number / 100 % 10);
    p[13] = (char)('0' + number / 10 % 10);
    p[14] = (char)('0' + number % 10);
    tpch__row_end(r, p + 15);
}

static void
put_pick(TpchRow *r, int dist, TpchStream *st)
{
    const TpchDist *d = &tpch__dists[dist];
    int k = tpch__pick(d, st);
    tpch__put_str(r, d->entries[k].text, d->lens[k]);
}

static int64_t
retail_price(int64_t p)
{
    return 90000 + (p / 10) % 20001 + (p % 1000) * 100;
}

static int64_t
part_supp_bridge(const TpchScale *sf, int64_t p, int64_t s)
{
    int64_t tot = scaled_base(10000, sf) * sf->scale;
    return (p + s * (tot / SUPP_PER_PART + (p - 1) / tot)) % tot + 1;
}

static int
gen_part(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t key = g->next;
    TpchRow *r = &g->row;
    /* comment slices first, prefetched (see gen_order) */
    int64_t poff = tpch__unif(&g->s[S_P_CMNT], 0, TPCH_TEXT_POOL_SIZE - 22);
    int64_t plen = tpch__unif(&g->s[S_P_CMNT], 5, 22);
    tpch__textpool_prefetch1(poff);
    int64_t soff[SUPP_PER_PART], slen[SUPP_PER_PART];
    for (int s = 0; s < SUPP_PER_PART; s++) {
        soff[s] = tpch__unif(&g->s[S_PS_CMNT], 0, TPCH_TEXT_POOL_SIZE - 198);
        slen[s] = tpch__unif(&g->s[S_PS_CMNT], 49, 198);
        tpch__textpool_prefetch1(soff[s]);
    }
    tpch__row_reset(r);
    tpch__put_int(r, key);
    /* name: five distinct colors from a fresh permutation of the 92 */
    {
        uint8_t perm[92];
        for (int i = 0; i < 92; i++) perm[i] = (uint8_t)i;
        for (int i = 0; i < 92; i++) {
            int64_t src = tpch__unif(&g->s[S_P_NAME], i, 91);
            uint8_t t = perm[src];
            perm[src] = perm[i];
            perm[i] = t;
        }
        const TpchDist *c = &tpch__dists[D_COLORS];
        char *p = tpch__row_begin(r);
        for (int i = 0; i < 5; i++) {
            if (i) *p++ = ' ';
            memcpy(p, c->entries[perm[i]].text, c->lens[perm[i]]);
            p += c->lens[perm[i]];
        }
        tpch__row_end(r, p);
    }
    tpch__textpool_prefetch2(poff);
    int64_t mfg = tpch__unif(&g->s[S_P_MFG], 1, 5);
    tpch__put_tagged(r, "Manufacturer#", mfg, 1);
    int64_t brnd = tpch__unif(&g->s[S_P_BRND], 1, 5);
    tpch__put_tagged(r, "Brand#", mfg * 10 + brnd, 2);
    put_pick(r, D_P_TYPES, &g->s[S_P_TYPE]);
    tpch__put_int(r, tpch__unif(&g->s[S_P_SIZE], 1, 50));
    put_pick(r, D_P_CNTR, &g->s[S_P_CNTR]);
    tpch__put_money(r, retail_price(key));
    for (int s = 0; s < SUPP_PER_PART; s++) tpch__textpool_prefetch2(soff[s]);
    char *c = tpch__row_begin(r);
    tpch__textpool_copy(poff, (int)plen, c);
    tpch__row_end(r, c + plen);
    if ((g->want & (1u << TPCH_PART)) && emit(ctx, TPCH_PART, r, err) != K_OK) return K_ERR;

    for (int s = 0; s < SUPP_PER_PART; s++) {
        tpch__row_reset(r);
        tpch__put_int(r, key);
        tpch__put_int(r, part_supp_bridge(&g->sf, key, s));
        tpch__put_int(r, tpch__unif(&g->s[S_PS_QTY], 1, 9999));
        tpch__put_money(r, tpch__unif(&g->s[S_PS_SCST], 100, 100000));
        c = tpch__row_begin(r);
        tpch__textpool_copy(soff[s], (int)slen[s], c);
        tpch__row_end(r, c + slen[s]);
        if ((g->want & (1u << TPCH_PARTSUPP)) && emit(ctx, TPCH_PARTSUPP, r, err) != K_OK)
            return K_ERR;
    }
    return K_OK;
}

static int
gen_supp(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t key = g->next;
    TpchRow *r = &g->row;
    tpch__row_reset(r);
    tpch__put_int(r, key);
    tpch__put_tagged(r, "Supplier#", key, 9);
    put_vstr(r, &g->s[S_S_ADDR], 10, 40);
    int64_t nation = tpch__unif(&g->s[S_S_NTRG], 0, 24);
    tpch__put_int(r, nation);
    put_phone(r, &g->s[S_S_PHNE], nation);
    tpch__put_money(r, tpch__unif(&g->s[S_S_ABAL], -99999, 999999));
    int64_t clen;
    char *cm = put_text(r, &g->s[S_S_CMNT], 25, 100, &clen);
    /* Better Business Bureau comments for Q16 */
    int64_t bad_press = tpch__unif(&g->s[S_BBB_CMNT], 1, 10000);
    int64_t type = tpch__unif(&g->s[S_BBB_TYPE], 0, 100);
    int64_t noise = tpch__unif(&g->s[S_BBB_JNK], 0, clen - 19);
    int64_t offset = tpch__unif(&g->s[S_BBB_OFFSET], 0, clen - (19 + noise));
    if (bad_press <= 10) {
        type = type < 50 ? 0 : 1;
        memcpy(cm + offset, "Customer ", 9);
        memcpy(cm + 9 + offset + noise, type == 0 ? "Complaints" : "Recommends", 10);
    }
    if ((g->want & (1u << TPCH_SUPPLIER)) && emit(ctx, TPCH_SUPPLIER, r, err) != K_OK) return K_ERR;
    return K_OK;
}

static int
gen_cust(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t key = g->next;
    TpchRow *r = &g->row;
    tpch__row_reset(r);
    tpch__put_int(r, key);
    tpch__put_tagged(r, "Customer#", key, 9);
    put_vstr(r, &g->s[S_C_ADDR], 10, 40);
    int64_t nation = tpch__unif(&g->s[S_C_NTRG], 0, 24);
    tpch__put_int(r, nation);
    put_phone(r, &g->s[S_C_PHNE], nation);
    tpch__put_money(r, tpch__unif(&g->s[S_C_ABAL], -99999, 999999));
    put_pick(r, D_MSEGMNT, &g->s[S_C_MSEG]);
    int64_t clen;
    put_text(r, &g->s[S_C_CMNT], 29, 116, &clen);
    if ((g->want & (1u << TPCH_CUSTOMER)) && emit(ctx, TPCH_CUSTOMER, r, err) != K_OK) return K_ERR;
    return K_OK;
}

static int64_t
clerk_max(const TpchScale *sf)
{
    if (sf->permil > 0) return sf->permil > 1000 ? sf->permil : 1000;
    return sf->scale * 1000;
}

static int
gen_order(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t index = g->next;
    int64_t okey = ((index >> 3) << 5) | (index & 7); /* sparse keys */
    int64_t cmax = scaled_base(150000, &g->sf) * g->sf.scale;
    int64_t pmax = scaled_base(200000, &g->sf) * g->sf.scale;
    TpchRow *o = &g->row, *l = &g->row2;

    int64_t cust = tpch__unif(&g->s[S_O_CKEY], 1, cmax);
    int delta = 1;
    while (cust % CUST_MORTALITY == 0) {
        cust += delta;
        cust = K_MIN(cust, cmax);
        delta = -delta;
    }
    int64_t odate = tpch__unif(&g->s[S_O_ODATE], STARTDATE, STARTDATE + ODATE_SPAN) - STARTDATE;
    const TpchDist *prio = &tpch__dists[D_O_OPRIO];
    int pk = tpch__pick(prio, &g->s[S_O_PRIO]);
    int64_t clerk = tpch__unif(&g->s[S_O_CLRK], 1, clerk_max(&g->sf));

    /* the order row is finished after its lines (status, total price) */
    tpch__row_reset(o);
    tpch__put_int(o, okey);
    tpch__put_int(o, cust);
    tpch__put_chr(o, 'O'); /* status, patched below */
    int64_t total_slot = o->n;
    tpch__put_str(o, "", 0); /* total price, filled below */
    int64_t lines = tpch__unif(&g->s[S_O_LCNT], 1, 7);
    int64_t total = 0;
    int ocnt = 0;
    /* Comment offsets are random over the 45 MB pool, so each copy would
     * wait on two cache misses. Draw them first (each stream keeps its own
     * order), prefetch their index entries now and their tokens one line
     * ahead. */
    int64_t coffs[8], clens[8];
    for (int64_t ln = 0; ln < lines; ln++) {
        coffs[ln] = tpch__unif(&g->s[S_L_CMNT], 0, TPCH_TEXT_POOL_SIZE - 43);
        clens[ln] = tpch__unif(&g->s[S_L_CMNT], 10, 43);
        tpch__textpool_prefetch1(coffs[ln]);
    }
    int64_t ooff = tpch__unif(&g->s[S_O_CMNT], 0, TPCH_TEXT_POOL_SIZE - 78);
    int64_t olen = tpch__unif(&g->s[S_O_CMNT], 19, 78);
    tpch__textpool_prefetch1(ooff);
    tpch__textpool_prefetch2(coffs[0]);
    for (int64_t ln = 0; ln < lines; ln++) {
        tpch__textpool_prefetch2(ln + 1 < lines ? coffs[ln + 1] : ooff);
        int64_t qty = tpch__unif(&g->s[S_L_QTY], 1, 50);
        int64_t disc = tpch__unif(&g->s[S_L_DCNT], 0, 10);
        int64_t tax = tpch__unif(&g->s[S_L_TAX], 0, 8);
        const TpchDist *ins = &tpch__dists[D_INSTRUCT];
        int ik = tpch__pick(ins, &g->s[S_L_SHIP]);
        const TpchDist *sm = &tpch__dists[D_SMODE];
        int mk = tpch__pick(sm, &g->s[S_L_SMODE]);
        tpch__row_reset(l);
        int64_t coff = coffs[ln], clen = clens[ln];
        int64_t partkey = tpch__unif(&g->s[S_L_PKEY], 1, pmax);
        int64_t supp_num = tpch__unif(&g->s[S_L_SKEY], 0, 3);
        int64_t suppkey = part_supp_bridge(&g->sf, partkey, supp_num);
        int64_t eprice = retail_price(partkey) * qty;
        total += ((eprice * (100 - disc)) / PENNIES) * (100 + tax) / PENNIES;
        int64_t sdate = odate + tpch__unif(&g->s[S_L_SDTE], 1, 121);
        int64_t cdate = odate + tpch__unif(&g->s[S_L_CDTE], 30, 90);
        int64_t rdate = sdate + tpch__unif(&g->s[S_L_RDTE], 1, 30);
        char rflag = 'N';
        if (rdate <= CURRENT_OFFSET) {
            const TpchDist *rf = &tpch__dists[D_RFLAG];
            rflag = rf->entries[tpch__pick(rf, &g->s[S_L_RFLG])].text[0];
        }
        char lstatus = 'O';
        if (sdate <= CURRENT_OFFSET) {
            ocnt++;
            lstatus = 'F';
        }
        if (g->want & (1u << TPCH_LINEITEM)) {
            tpch__put_int(l, okey);
            tpch__put_int(l, partkey);
            tpch__put_int(l, suppkey);
            tpch__put_int(l, ln + 1);
            tpch__put_int(l, qty);
            tpch__put_money(l, eprice);
            tpch__put_money(l, disc);
            tpch__put_money(l, tax);
            tpch__put_chr(l, rflag);
            tpch__put_chr(l, lstatus);
            tpch__put_date(l, (int)sdate);
            tpch__put_date(l, (int)cdate);
            tpch__put_date(l, (int)rdate);
            tpch__put_str(l, ins->entries[ik].text, ins->lens[ik]);
            tpch__put_str(l, sm->entries[mk].text, sm->lens[mk]);
            char *c = tpch__row_begin(l);
            tpch__textpool_copy(coff, (int)clen, c);
            tpch__row_end(l, c + clen);
            if (emit(ctx, TPCH_LINEITEM, l, err) != K_OK) return K_ERR;
        }
    }
    if (g->want & (1u << TPCH_ORDERS)) {
        char status = 'O';
        if (ocnt > 0) status = 'P';
        if (ocnt == lines) status = 'F';
        o->buf[o->f[2].ptr - o->buf] = status;
        /* total price goes into the slot reserved above: rebuild the tail */
        o->n = (int)total_slot;
        o->used = (uint32_t)(o->f[total_slot].ptr - o->buf);
        tpch__put_money(o, total);
        tpch__put_date(o, (int)odate);
        tpch__put_str(o, prio->entries[pk].text, prio->lens[pk]);
        tpch__put_tagged(o, "Clerk#", clerk, 9);
        tpch__put_int(o, 0);
        char *c = tpch__row_begin(o);
        tpch__textpool_copy(ooff, (int)olen, c);
        tpch__row_end(o, c + olen);
        if (emit(ctx, TPCH_ORDERS, o, err) != K_OK) return K_ERR;
    }
    return K_OK;
}

static int
gen_code(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int64_t i = g->next - 1;
    TpchRow *r = &g->row;
    tpch__row_reset(r);
    tpch__put_int(r, i);
    int64_t clen;
    if (g->unit == TPCH_U_NATION) {
        const TpchDist *d = &tpch__dists[D_NATIONS];
        tpch__put_str(r, d->entries[i].text, d->lens[i]);
        tpch__put_int(r, tpch__nation_region((int)i));
        put_text(r, &g->s[S_N_CMNT], 28, 115, &clen);
        if ((g->want & (1u << TPCH_NATION)) && emit(ctx, TPCH_NATION, r, err) != K_OK) return K_ERR;
    } else {
        const TpchDist *d = &tpch__dists[D_REGIONS];
        tpch__put_str(r, d->entries[i].text, d->lens[i]);
        put_text(r, &g->s[S_R_CMNT], 28, 115, &clen);
        if ((g->want & (1u << TPCH_REGION)) && emit(ctx, TPCH_REGION, r, err) != K_OK) return K_ERR;
    }
    return K_OK;
}

int
tpch__gen_unit(TpchGen *g, TpchEmitFn emit, void *ctx, KErr *err)
{
    int rc = K_OK;
    switch (g->unit) {
    case TPCH_U_PART: rc = gen_part(g, emit, ctx, err); break;
    case TPCH_U_SUPP: rc = gen_supp(g, emit, ctx, err); break;
    case TPCH_U_CUST: rc = gen_cust(g, emit, ctx, err); break;
    case TPCH_U_ORDER: rc = gen_order(g, emit, ctx, err); break;
    case TPCH_U_NATION:
    case TPCH_U_REGION: rc = gen_code(g, emit, ctx, err); break;
    default: return k_error(err, K_INTERNAL_ERROR, "unknown generation unit %d", g->unit);
    }
    if (rc != K_OK) return rc;
    row_stop(g);
    g->next++;
    return K_OK;
}

int64_t
tpch__count_lines(const TpchScale *sf, int64_t first, int64_t count)
{
    K_UNUSED(sf);
    TpchStream st = {tpch__skip(tpch__streams[S_O_LCNT].seed, first - 1), 0};
    int64_t n = 0;
    for (int64_t i = 0; i < count; i++) {
        n += tpch__unif(&st, 1, 7);
        st.usage = 0;
    }
    return n;
}
