/*
 * datum.c — constants of column types (StDatum), the stable distribution
 * hash and the 64-bit checksum used by segment and catalog files.
 *
 * Interface routines: st_datum_from_slot, st_datum_to_slot, st_datum_cmp,
 * st_dist_hash_value, st_dist_hash_combine, st_dist_route, st__hash64.
 *
 * The hash is Kestrel's own and must never change: data placement across
 * workers and every checksum on disk depend on it.
 */
#include "storage/storage_int.h"

/* ---------------------------------------------------------------- */
/* 64-bit hash: 4 lanes of multiply-rotate over 32-byte stripes, then a */
/* finalizer (the splitmix64 mixer).                                  */
/* ---------------------------------------------------------------- */
#define ST_P1 UINT64_C(0x9E3779B185EBCA87)
#define ST_P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define ST_P3 UINT64_C(0x165667B19E3779F9)

static inline uint64_t
rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t
load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

uint64_t
st__mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static inline uint64_t
lane(uint64_t acc, uint64_t v)
{
    acc += v * ST_P2;
    acc = rotl64(acc, 31);
    return acc * ST_P1;
}

uint64_t
st__hash64(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    const uint8_t *end = p + n;
    uint64_t h;
    if (n >= 32) {
        uint64_t a = seed + ST_P1 + ST_P2, b = seed + ST_P2, c = seed, d = seed - ST_P1;
        const uint8_t *lim = end - 32;
        do {
            a = lane(a, load64(p));
            b = lane(b, load64(p + 8));
            c = lane(c, load64(p + 16));
            d = lane(d, load64(p + 24));
            p += 32;
        } while (p <= lim);
        h = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18);
        h = (h ^ lane(0, a)) * ST_P1 + ST_P3;
        h = (h ^ lane(0, b)) * ST_P1 + ST_P3;
        h = (h ^ lane(0, c)) * ST_P1 + ST_P3;
        h = (h ^ lane(0, d)) * ST_P1 + ST_P3;
    } else {
        h = seed + ST_P3;
    }
    h += (uint64_t)n;
    while (p + 8 <= end) {
        h ^= lane(0, load64(p));
        h = rotl64(h, 27) * ST_P1 + ST_P3;
        p += 8;
    }
    if (p < end) {
        uint64_t t = 0;
        memcpy(&t, p, (size_t)(end - p));
        h ^= lane(0, t);
        h = rotl64(h, 23) * ST_P2 + ST_P3;
    }
    return st__mix64(h);
}

/* ---------------------------------------------------------------- */
/* Datums                                                            */
/* ---------------------------------------------------------------- */
void
st_datum_from_slot(KType t, const void *slot, StDatum *out)
{
    memset(out, 0, sizeof *out);
    switch (st__phys(t)) {
    case ST_PHYS_I8: { int8_t v; memcpy(&v, slot, 1); out->u.i64 = v; break; }
    case ST_PHYS_I32: { int32_t v; memcpy(&v, slot, 4); out->u.i64 = v; break; }
    case ST_PHYS_I64: memcpy(&out->u.i64, slot, 8); break;
    case ST_PHYS_F64: memcpy(&out->u.f64, slot, 8); break;
    case ST_PHYS_I128: memcpy(&out->u.i128, slot, 16); break;
    case ST_PHYS_IV: memcpy(&out->u.iv, slot, sizeof(KInterval)); break;
    case ST_PHYS_STR: memcpy(&out->u.str, slot, sizeof(KStr)); break;
    }
}

void
st_datum_to_slot(KType t, const StDatum *d, void *slot)
{
    switch (st__phys(t)) {
    case ST_PHYS_I8: { int8_t v = (int8_t)d->u.i64; memcpy(slot, &v, 1); break; }
    case ST_PHYS_I32: { int32_t v = (int32_t)d->u.i64; memcpy(slot, &v, 4); break; }
    case ST_PHYS_I64: memcpy(slot, &d->u.i64, 8); break;
    case ST_PHYS_F64: memcpy(slot, &d->u.f64, 8); break;
    case ST_PHYS_I128: memcpy(slot, &d->u.i128, 16); break;
    case ST_PHYS_IV: memcpy(slot, &d->u.iv, sizeof(KInterval)); break;
    case ST_PHYS_STR: memcpy(slot, &d->u.str, sizeof(KStr)); break;
    }
}

static int
cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, K_MIN(na, nb));
    if (c) return c < 0 ? -1 : 1;
    return na < nb ? -1 : na > nb;
}

int
st_datum_cmp(KType t, const StDatum *a, const StDatum *b)
{
    switch (st__phys(t)) {
    case ST_PHYS_I8:
    case ST_PHYS_I32:
    case ST_PHYS_I64: return a->u.i64 < b->u.i64 ? -1 : a->u.i64 > b->u.i64;
    case ST_PHYS_F64: {
        /* PostgreSQL order: NaN above everything, equal to itself */
        double x = a->u.f64, y = b->u.f64;
        bool xn = x != x, yn = y != y;
        if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1;
        return x < y ? -1 : x > y;
    }
    case ST_PHYS_I128: return a->u.i128 < b->u.i128 ? -1 : a->u.i128 > b->u.i128;
    case ST_PHYS_IV: {
        /* compare as PostgreSQL does: months = 30 days, day = 24 h */
        k_int128 x = ((k_int128)a->u.iv.months * 30 + a->u.iv.days) * K_USECS_PER_DAY +
                     a->u.iv.micros;
        k_int128 y = ((k_int128)b->u.iv.months * 30 + b->u.iv.days) * K_USECS_PER_DAY +
                     b->u.iv.micros;
        return x < y ? -1 : x > y;
    }
    case ST_PHYS_STR:
        return cmp_bytes(k_str_data(&a->u.str), a->u.str.len, k_str_data(&b->u.str),
                         b->u.str.len);
    }
    return 0;
}

/* ---------------------------------------------------------------- */
/* Distribution                                                      */
/* ---------------------------------------------------------------- */
uint64_t
st_dist_hash_value(KType t, const void *slot, bool is_null)
{
    if (is_null) return 0;
    StDatum d;
    st_datum_from_slot(t, slot, &d);
    switch (st__phys(t)) {
    case ST_PHYS_I8:
    case ST_PHYS_I32:
    case ST_PHYS_I64: return st__mix64((uint64_t)d.u.i64 ^ UINT64_C(0x5bd1e9955bd1e995));
    case ST_PHYS_F64: {
        double v = d.u.f64 == 0.0 ? 0.0 : d.u.f64; /* -0 and 0 agree */
        uint64_t bits;
        memcpy(&bits, &v, 8);
        return st__mix64(bits ^ UINT64_C(0x2545f4914f6cdd1d));
    }
    case ST_PHYS_I128: {
        uint64_t lo = (uint64_t)d.u.i128, hi = (uint64_t)(d.u.i128 >> 64);
        return st__mix64(st__mix64(lo ^ UINT64_C(0x5bd1e9955bd1e995)) ^ hi);
    }
    case ST_PHYS_IV: return st__hash64(&d.u.iv, sizeof d.u.iv, 7);
    case ST_PHYS_STR: return st__hash64(k_str_data(&d.u.str), d.u.str.len, 0x6b65);
    }
    return 0;
}

uint64_t
st_dist_hash_combine(uint64_t h, uint64_t col_hash)
{
    return st__mix64(h * UINT64_C(31) + col_hash);
}

void
st_dist_route(const StTableDef *def, const KBatch *b, uint32_t nworkers, uint64_t *rr,
              uint32_t *out)
{
    uint32_t n = k_batch_rows(b);
    if (def->dist == ST_DIST_REPLICATED) return;
    if (def->dist == ST_DIST_RANDOM || nworkers <= 1) {
        for (uint32_t i = 0; i < n; i++) out[i] = nworkers <= 1 ? 0 : (uint32_t)((*rr)++ % nworkers);
        return;
    }
    uint32_t ndc = def->ndist_cols ? def->ndist_cols : 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t row = k_batch_row(b, i);
        uint64_t h = 0;
        for (uint32_t k = 0; k < ndc; k++) {
            uint32_t c = def->ndist_cols ? def->dist_cols[k] : 0;
            const KVector *v = &b->cols[c];
            h = st_dist_hash_combine(h, st_dist_hash_value(v->type, k_vec_slot(v, row),
                                                           !k_vec_is_valid(v, row)));
        }
        out[i] = st_dist_worker(h, nworkers);
    }
}
