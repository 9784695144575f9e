/*
 * encode.c — column buffers and column-chunk encodings.
 *
 * Interface routines: st__colbuf_init/free/clear/append, st__chunk_encode,
 * st__chunk_decode.
 *
 * A chunk's payload (before optional zstd) is
 *     u8 encoding, u8 has_nulls, [validity bitmap, ceil(n/8) bytes], body
 * and the body depends on the encoding (see README.md, "Chunk payload").
 * Fixed-width values up to 8 bytes are handled as uint64 words: integers
 * sign-extended (ordered as signed), doubles by their bit pattern (ordered
 * as unsigned, which is all frame-of-reference needs: it is lossless in
 * modular arithmetic). The encoder measures the data (min/max, runs,
 * distinct values up to a limit) and takes the smallest encoding; zstd is
 * kept only when it saves at least 1/16 of the bytes.
 */
#include <stdlib.h>
#include <zstd.h>

#include "storage/storage_int.h"

/* ---------------------------------------------------------------- */
/* Column buffers                                                     */
/* ---------------------------------------------------------------- */
int
st__colbuf_init(StColBuf *c, KType t, uint32_t cap, KErr *err)
{
    memset(c, 0, sizeof *c);
    c->type = t;
    c->phys = st__phys(t);
    c->cap = cap;
    size_t w = c->phys == ST_PHYS_STR ? 4 : st__width(c->phys);
    c->data = malloc((size_t)cap * w + 16);
    c->valid = calloc((cap + 63) / 64 + 1, 8);
    if (c->phys == ST_PHYS_STR) c->offs = malloc((size_t)cap * 8 + 8);
    k_buf_init(&c->bytes);
    if (!c->data || !c->valid || (c->phys == ST_PHYS_STR && !c->offs)) {
        st__colbuf_free(c);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    return K_OK;
}

void
st__colbuf_free(StColBuf *c)
{
    free(c->data);
    free(c->valid);
    free(c->offs);
    k_buf_free(&c->bytes);
    memset(c, 0, sizeof *c);
}

void
st__colbuf_clear(StColBuf *c)
{
    memset(c->valid, 0, ((c->cap + 63) / 64) * 8);
    c->n = 0;
    c->nulls = 0;
    k_buf_clear(&c->bytes);
}

/* Grow the buffer to hold at least `need` rows. */
static int
colbuf_grow(StColBuf *c, uint32_t need, KErr *err)
{
    if (need <= c->cap) return K_OK;
    uint32_t nc = c->cap ? c->cap : 1024;
    while (nc < need) nc *= 2;
    size_t w = c->phys == ST_PHYS_STR ? 4 : st__width(c->phys);
    size_t oldw = (c->cap + 63) / 64 + 1, neww = (nc + 63) / 64 + 1;
    uint8_t *d = realloc(c->data, (size_t)nc * w + 16);
    if (d) c->data = d;
    uint64_t *v = realloc(c->valid, neww * 8);
    if (v) {
        memset(v + oldw, 0, (neww - oldw) * 8);
        c->valid = v;
    }
    uint64_t *o = c->phys == ST_PHYS_STR ? realloc(c->offs, (size_t)nc * 8 + 8) : NULL;
    if (o) c->offs = o;
    if (!d || !v || (c->phys == ST_PHYS_STR && !o))
        return k_error(err, K_OUT_OF_MEMORY, "out of memory while buffering rows");
    c->cap = nc;
    return K_OK;
}

size_t
st__colbuf_bytes(const StColBuf *c)
{
    size_t w = c->phys == ST_PHYS_STR ? 12 : st__width(c->phys);
    return (size_t)c->n * w + c->bytes.len;
}

int
st__colbuf_append(StColBuf *c, const KVector *v, const uint32_t *rows, uint32_t n, KErr *err)
{
    if (colbuf_grow(c, c->n + n, err) != K_OK) return K_ERR;
    size_t w = st__width(c->phys);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rows[i];
        uint32_t at = c->n + i;
        bool ok = k_vec_is_valid(v, r);
        if (ok) c->valid[at >> 6] |= UINT64_C(1) << (at & 63);
        else c->nulls++;
        const void *slot = k_vec_slot(v, r);
        if (c->phys == ST_PHYS_STR) {
            const KStr *s = slot;
            uint32_t len = ok ? s->len : 0;
            ((uint32_t *)c->data)[at] = len;
            c->offs[at] = c->bytes.len;
            if (len) k_buf_put(&c->bytes, k_str_data(s), len);
        } else if (ok) {
            memcpy(c->data + (size_t)at * w, slot, w);
        } else {
            memset(c->data + (size_t)at * w, 0, w);
        }
    }
    c->n += n;
    if (c->bytes.failed) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    return K_OK;
}

/* ---------------------------------------------------------------- */
/* Bit packing                                                        */
/* ---------------------------------------------------------------- */
static inline int
bits_for(uint64_t range)
{
    return range == 0 ? 0 : 64 - __builtin_clzll(range);
}

static void
bp_pack(KBuf *b, const uint64_t *v, uint32_t n, int bits)
{
    if (bits == 0 || n == 0) return;
    size_t nbytes = ((size_t)n * (size_t)bits + 7) / 8;
    if (!k_buf_reserve(b, nbytes + 16)) return;
    uint8_t *o = b->data + b->len;
    memset(o, 0, nbytes + 16);
    uint64_t mask = bits == 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1;
    uint64_t pos = 0;
    for (uint32_t i = 0; i < n; i++, pos += (uint64_t)bits) {
        uint64_t x = v[i] & mask;
        size_t byte = pos >> 3;
        int sh = (int)(pos & 7);
        uint64_t w;
        memcpy(&w, o + byte, 8);
        w |= x << sh;
        memcpy(o + byte, &w, 8);
        if (sh && bits + sh > 64) o[byte + 8] |= (uint8_t)(x >> (64 - sh));
    }
    b->len += nbytes;
}

/* Unpack n values; false if the input is too short. */
static bool
bp_unpack(KReader *r, uint64_t *out, uint32_t n, int bits)
{
    if (bits == 0) {
        memset(out, 0, (size_t)n * 8);
        return true;
    }
    if (bits > 64) return false;
    size_t nbytes = ((size_t)n * (size_t)bits + 7) / 8;
    const uint8_t *p = k_get_bytes(r, nbytes);
    if (!p) return false;
    uint64_t mask = bits == 64 ? ~UINT64_C(0) : (UINT64_C(1) << bits) - 1;
    uint64_t pos = 0;
    for (uint32_t i = 0; i < n; i++, pos += (uint64_t)bits) {
        size_t byte = pos >> 3;
        int sh = (int)(pos & 7);
        uint64_t w = 0;
        if (byte + 8 <= nbytes) {
            memcpy(&w, p + byte, 8);
        } else {
            memcpy(&w, p + byte, nbytes - byte);
        }
        uint64_t x = w >> sh;
        if (sh && bits + sh > 64) {
            uint8_t extra = byte + 8 < nbytes ? p[byte + 8] : 0;
            x |= (uint64_t)extra << (64 - sh);
        }
        out[i] = x & mask;
    }
    return true;
}

/* A frame-of-reference block: u8 bits, u64 base, packed (v - base). */
static void
for_put(KBuf *b, const uint64_t *v, uint32_t n, uint64_t base, int bits, uint64_t *tmp)
{
    k_buf_put_u8(b, (uint8_t)bits);
    k_buf_put_u64(b, base);
    for (uint32_t i = 0; i < n; i++) tmp[i] = v[i] - base;
    bp_pack(b, tmp, n, bits);
}

static bool
for_get(KReader *r, uint64_t *out, uint32_t n)
{
    int bits = k_get_u8(r);
    uint64_t base = k_get_u64(r);
    if (r->failed || !bp_unpack(r, out, n, bits)) return false;
    for (uint32_t i = 0; i < n; i++) out[i] += base;
    return true;
}

/* min/max of uint64 words, signed or unsigned order */
static void
minmax_u64(const uint64_t *v, uint32_t n, bool is_signed, uint64_t *mn, uint64_t *mx)
{
    uint64_t a = v[0], b = v[0];
    if (is_signed) {
        int64_t sa = (int64_t)a, sb = (int64_t)b;
        for (uint32_t i = 1; i < n; i++) {
            int64_t x = (int64_t)v[i];
            if (x < sa) sa = x;
            if (x > sb) sb = x;
        }
        a = (uint64_t)sa;
        b = (uint64_t)sb;
    } else {
        for (uint32_t i = 1; i < n; i++) {
            if (v[i] < a) a = v[i];
            if (v[i] > b) b = v[i];
        }
    }
    *mn = a;
    *mx = b;
}

static int
cmp_u64_signed(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}
static int
cmp_u64_unsigned(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Distinct values of v (up to `limit`) into dict (sorted); 0 if more. */
static uint32_t
collect_distinct(const uint64_t *v, uint32_t n, uint32_t limit, bool is_signed, uint64_t *dict)
{
    uint32_t cap = 1;
    while (cap < limit * 2) cap <<= 1;
    uint64_t *keys = malloc((size_t)cap * 8);
    uint8_t *used = calloc(cap, 1);
    uint32_t nd = 0;
    if (!keys || !used) goto out;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = st__mix64(v[i]) & (cap - 1);
        while (used[h] && keys[h] != v[i]) h = (h + 1) & (cap - 1);
        if (!used[h]) {
            if (nd == limit) {
                nd = 0;
                goto out;
            }
            used[h] = 1;
            keys[h] = v[i];
            dict[nd++] = v[i];
        }
    }
    qsort(dict, nd, 8, is_signed ? cmp_u64_signed : cmp_u64_unsigned);
out:
    free(keys);
    free(used);
    return nd;
}

static uint32_t
dict_code(const uint64_t *dict, uint32_t nd, uint64_t x, bool is_signed)
{
    uint32_t lo = 0, hi = nd;
    while (lo + 1 < hi) {
        uint32_t mid = (lo + hi) / 2;
        bool le = is_signed ? (int64_t)dict[mid] <= (int64_t)x : dict[mid] <= x;
        if (le) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Encode n uint64 words into b choosing CONST / FOR / RLE / DICT. */
static void
encode_words(KBuf *b, const uint64_t *v, uint32_t n, bool is_signed, uint64_t *tmp)
{
    uint64_t mn, mx;
    minmax_u64(v, n, is_signed, &mn, &mx);
    if (mn == mx) {
        k_buf_put_u8(b, ST_ENC_CONST);
        k_buf_put_u64(b, mn);
        return;
    }
    int bits = bits_for(mx - mn);
    uint32_t runs = 1;
    uint32_t maxrun = 1, cur = 1;
    for (uint32_t i = 1; i < n; i++) {
        if (v[i] != v[i - 1]) {
            runs++;
            cur = 1;
        } else if (++cur > maxrun) {
            maxrun = cur;
        }
    }
    size_t for_size = ((size_t)n * bits + 7) / 8;
    size_t rle_size = ((size_t)runs * (bits + bits_for(maxrun)) + 7) / 8 + 24;
    size_t best = K_MIN(for_size, rle_size);
    /* differences between neighbours (sorted or clustered keys) */
    uint64_t dmin = v[1] - v[0], dmax = dmin;
    for (uint32_t i = 2; i < n; i++) {
        uint64_t d = v[i] - v[i - 1];
        if ((int64_t)d < (int64_t)dmin) dmin = d;
        if ((int64_t)d > (int64_t)dmax) dmax = d;
    }
    /* the range of differences must not wrap (it would not fit 64 bits) */
    bool delta_ok = (int64_t)dmax >= (int64_t)dmin && (dmax - dmin) < (UINT64_C(1) << 62) && is_signed;
    int dbits = delta_ok ? bits_for(dmax - dmin) : 64;
    size_t delta_size = ((size_t)(n - 1) * dbits + 7) / 8 + 24;
    if (delta_ok && delta_size < best && runs > n / 8) {
        k_buf_put_u8(b, ST_ENC_DELTA);
        k_buf_put_u64(b, v[0]);
        for (uint32_t i = 1; i < n; i++) tmp[i - 1] = v[i] - v[i - 1] - dmin;
        k_buf_put_u8(b, (uint8_t)dbits);
        k_buf_put_u64(b, dmin);
        bp_pack(b, tmp, n - 1, dbits);
        return;
    }
    uint64_t *dict = NULL;
    uint32_t nd = 0;
    if (bits > 8 && n >= 64) {
        uint32_t limit = K_MIN(4096u, n / 4);
        dict = malloc((size_t)limit * 8 + 8);
        if (dict) nd = collect_distinct(v, n, limit, is_signed, dict);
        if (nd) {
            size_t dsize = ((size_t)nd * bits + 7) / 8 + ((size_t)n * bits_for(nd - 1) + 7) / 8 + 16;
            if (dsize >= best) nd = 0;
            else best = dsize;
        }
    }
    if (nd) {
        k_buf_put_u8(b, ST_ENC_DICT);
        k_buf_put_varint(b, nd);
        for_put(b, dict, nd, dict[0], bits_for(dict[nd - 1] - dict[0]), tmp);
        int cb = bits_for(nd - 1);
        k_buf_put_u8(b, (uint8_t)cb);
        for (uint32_t i = 0; i < n; i++) tmp[i] = dict_code(dict, nd, v[i], is_signed);
        bp_pack(b, tmp, n, cb);
    } else if (rle_size < for_size) {
        k_buf_put_u8(b, ST_ENC_RLE);
        k_buf_put_varint(b, runs);
        uint64_t *rv = malloc((size_t)runs * 8 + 8), *rl = malloc((size_t)runs * 8 + 8);
        if (!rv || !rl) {
            b->failed = true;
        } else {
            uint32_t k = 0;
            rv[0] = v[0];
            rl[0] = 1;
            for (uint32_t i = 1; i < n; i++) {
                if (v[i] != v[i - 1]) {
                    k++;
                    rv[k] = v[i];
                    rl[k] = 1;
                } else {
                    rl[k]++;
                }
            }
            for_put(b, rv, runs, mn, bits, tmp);
            for_put(b, rl, runs, 1, bits_for(maxrun - 1), tmp);
        }
        free(rv);
        free(rl);
    } else {
        k_buf_put_u8(b, ST_ENC_FOR);
        for_put(b, v, n, mn, bits, tmp);
    }
    free(dict);
}

static bool
decode_words(KReader *r, int enc, uint64_t *out, uint32_t n, KArena *a)
{
    switch (enc) {
    case ST_ENC_CONST: {
        uint64_t x = k_get_u64(r);
        for (uint32_t i = 0; i < n; i++) out[i] = x;
        return !r->failed;
    }
    case ST_ENC_FOR: return for_get(r, out, n);
    case ST_ENC_DELTA: {
        uint64_t first = k_get_u64(r);
        if (r->failed || n == 0) return false;
        out[0] = first;
        if (n == 1) return true;
        if (!for_get(r, out + 1, n - 1)) return false; /* out[i] = delta(i-1, i) */
        for (uint32_t i = 1; i < n; i++) out[i] += out[i - 1];
        return true;
    }
    case ST_ENC_RLE: {
        uint64_t runs = k_get_varint(r);
        if (r->failed || runs == 0 || runs > n) return false;
        uint64_t *rv = k_alloc(a, runs * 8), *rl = k_alloc(a, runs * 8);
        if (!rv || !rl) return false;
        if (!for_get(r, rv, (uint32_t)runs) || !for_get(r, rl, (uint32_t)runs)) return false;
        uint64_t at = 0;
        for (uint64_t k = 0; k < runs; k++) {
            if (rl[k] > n - at) return false;
            for (uint64_t j = 0; j < rl[k]; j++) out[at++] = rv[k];
        }
        return at == n;
    }
    case ST_ENC_DICT: {
        uint64_t nd = k_get_varint(r);
        if (r->failed || nd == 0 || nd > n) return false;
        uint64_t *dict = k_alloc(a, nd * 8);
        if (!dict || !for_get(r, dict, (uint32_t)nd)) return false;
        int cb = k_get_u8(r);
        if (r->failed || !bp_unpack(r, out, n, cb)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (out[i] >= nd) return false;
            out[i] = dict[out[i]];
        }
        return true;
    }
    default: return false;
    }
}

/* ---------------------------------------------------------------- */
/* Zone maps                                                          */
/* ---------------------------------------------------------------- */
void
st__zone_set_str(StDatum *d, const char *s, uint32_t len, bool *trunc)
{
    uint32_t keep = K_MIN(len, ST_ZONE_STR_MAX);
    if (trunc) *trunc = keep < len;
    char *copy = malloc(keep + 1);
    if (!copy) {
        /* Out of memory: an empty string is still a valid lower bound for
         * min; for max the caller's trunc flag makes it non-binding. */
        keep = 0;
        if (trunc) *trunc = true;
        d->u.str = k_str_ref("", 0);
        return;
    }
    memcpy(copy, s, keep);
    copy[keep] = 0;
    d->u.str = k_str_ref(copy, keep);
    if (keep <= K_STR_INLINE) free(copy);
}

static void
str_free(StDatum *d)
{
    if (d->u.str.len > K_STR_INLINE) free((void *)d->u.str.u.p.ptr);
    d->u.str.len = 0;
}

void
st__zone_free(StZone *z, StPhys p)
{
    if (p == ST_PHYS_STR && z->has_minmax) {
        str_free(&z->min);
        str_free(&z->max);
    }
    z->has_minmax = false;
}

void
st__zone_copy(StZone *dst, const StZone *src, StPhys p)
{
    *dst = *src;
    if (p == ST_PHYS_STR && src->has_minmax) {
        bool t;
        st__zone_set_str(&dst->min, k_str_data(&src->min.u.str), src->min.u.str.len, &t);
        st__zone_set_str(&dst->max, k_str_data(&src->max.u.str), src->max.u.str.len, &t);
        dst->max_trunc = src->max_trunc || t;
    }
}

void
st__zone_merge(StZone *dst, const StZone *src, KType t)
{
    StPhys p = st__phys(t);
    dst->nulls += src->nulls;
    if (!src->has_minmax) return;
    if (!dst->has_minmax) {
        uint64_t nulls = dst->nulls;
        st__zone_copy(dst, src, p);
        dst->nulls = nulls;
        return;
    }
    if (st_datum_cmp(t, &src->min, &dst->min) < 0) {
        if (p == ST_PHYS_STR) {
            str_free(&dst->min);
            st__zone_set_str(&dst->min, k_str_data(&src->min.u.str), src->min.u.str.len, NULL);
        } else {
            dst->min = src->min;
        }
    }
    int c = st_datum_cmp(t, &src->max, &dst->max);
    if (c > 0 || (c == 0 && src->max_trunc)) {
        if (p == ST_PHYS_STR) {
            str_free(&dst->max);
            st__zone_set_str(&dst->max, k_str_data(&src->max.u.str), src->max.u.str.len, NULL);
        } else {
            dst->max = src->max;
        }
        dst->max_trunc = src->max_trunc;
    }
}

uint64_t
st__value_hash(StPhys p, const void *slot)
{
    switch (p) {
    case ST_PHYS_I8: return st__mix64((uint64_t)(int64_t) * (const int8_t *)slot);
    case ST_PHYS_I32: {
        int32_t v;
        memcpy(&v, slot, 4);
        return st__mix64((uint64_t)(int64_t)v);
    }
    case ST_PHYS_I64:
    case ST_PHYS_F64: {
        uint64_t v;
        memcpy(&v, slot, 8);
        return st__mix64(v);
    }
    default: return st__hash64(slot, 16, 1);
    }
}

double
st__hll_estimate(const uint8_t *regs)
{
    double m = ST_HLL_REGS, sum = 0;
    uint32_t zeros = 0;
    for (uint32_t i = 0; i < ST_HLL_REGS; i++) {
        sum += 1.0 / (double)(UINT64_C(1) << regs[i]);
        if (regs[i] == 0) zeros++;
    }
    double alpha = 0.7213 / (1.0 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros) e = m * __builtin_log(m / zeros);
    return e;
}

/* ---------------------------------------------------------------- */
/* Chunk encoding                                                     */
/* ---------------------------------------------------------------- */
static void
put_validity(KBuf *b, const StColBuf *c)
{
    size_t nbytes = (c->n + 7) / 8;
    k_buf_put(b, c->valid, nbytes);
}

/* Strings: dictionary when it is smaller than plain. */
static int
encode_strings(const StColBuf *c, KBuf *b, uint64_t *tmp, StChunkMeta *meta, StColStats *st)
{
    const uint32_t *lens = (const uint32_t *)c->data;
    /* no bytes at all when every string is empty */
    const uint8_t *bytes = c->bytes.data ? c->bytes.data : (const uint8_t *)"";
    uint32_t n = c->n;
    /* dictionary by hash table of first-occurrence indexes */
    uint32_t limit = K_MIN(65536u, n / 2 + 1);
    uint32_t cap = 1;
    while (cap < limit * 2) cap <<= 1;
    uint32_t *slots = malloc((size_t)cap * 4);
    uint32_t *first = malloc((size_t)limit * 4);
    uint32_t *codes = malloc((size_t)n * 4 + 4);
    uint64_t *hashes = malloc((size_t)n * 8 + 8);
    if (!slots || !first || !codes || !hashes) {
        free(slots), free(first), free(codes), free(hashes);
        return K_ERR;
    }
    memset(slots, 0xff, (size_t)cap * 4);
    uint32_t nd = 0;
    size_t dict_bytes = 0;
    bool use_dict = true;
    int32_t imin = -1, imax = -1;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = bytes + c->offs[i];
        uint64_t h = st__hash64(s, lens[i], 0x6b65);
        hashes[i] = h;
        bool valid = (c->valid[i >> 6] >> (i & 63)) & 1;
        if (valid) {
            if (st) st__hll_add(st->hll, h);
            if (imin < 0) {
                imin = imax = (int32_t)i;
            } else {
                const uint8_t *m = bytes + c->offs[imin];
                int cm = memcmp(s, m, K_MIN(lens[i], lens[imin]));
                if (cm < 0 || (cm == 0 && lens[i] < lens[imin])) imin = (int32_t)i;
                const uint8_t *x = bytes + c->offs[imax];
                int cx = memcmp(s, x, K_MIN(lens[i], lens[imax]));
                if (cx > 0 || (cx == 0 && lens[i] > lens[imax])) imax = (int32_t)i;
            }
        }
        if (!use_dict) continue;
        uint32_t pos = (uint32_t)h & (cap - 1);
        for (;;) {
            uint32_t e = slots[pos];
            if (e == UINT32_MAX) {
                if (nd == limit) {
                    use_dict = false;
                    break;
                }
                slots[pos] = nd;
                first[nd] = i;
                codes[i] = nd++;
                dict_bytes += lens[i];
                break;
            }
            uint32_t f = first[e];
            if (hashes[f] == h && lens[f] == lens[i] &&
                memcmp(bytes + c->offs[f], s, lens[i]) == 0) {
                codes[i] = e;
                break;
            }
            pos = (pos + 1) & (cap - 1);
        }
    }
    if (imin >= 0) {
        meta->zone.has_minmax = true;
        st__zone_set_str(&meta->zone.min, (const char *)bytes + c->offs[imin], lens[imin], NULL);
        st__zone_set_str(&meta->zone.max, (const char *)bytes + c->offs[imax], lens[imax],
                         &meta->zone.max_trunc);
    }
    size_t plain = c->bytes.len + (size_t)n * 2;
    size_t dsize = dict_bytes + (size_t)nd * 2 + ((size_t)n * bits_for(nd ? nd - 1 : 0) + 7) / 8;
    if (use_dict && dsize < plain) {
        k_buf_put_u8(b, ST_ENC_STR_DICT);
        k_buf_put_u8(b, c->nulls ? 1 : 0);
        if (c->nulls) put_validity(b, c);
        k_buf_put_varint(b, nd);
        uint32_t maxlen = 0;
        for (uint32_t d = 0; d < nd; d++) {
            tmp[d] = lens[first[d]];
            if (lens[first[d]] > maxlen) maxlen = lens[first[d]];
        }
        /* lengths as FOR block, then the bytes of each entry */
        uint64_t *t2 = tmp + nd;
        k_buf_put_u8(b, (uint8_t)bits_for(maxlen));
        k_buf_put_u64(b, 0);
        bp_pack(b, tmp, nd, bits_for(maxlen));
        (void)t2;
        for (uint32_t d = 0; d < nd; d++)
            k_buf_put(b, bytes + c->offs[first[d]], lens[first[d]]);
        int cb = bits_for(nd - 1);
        k_buf_put_u8(b, (uint8_t)cb);
        for (uint32_t i = 0; i < n; i++) tmp[i] = codes[i];
        bp_pack(b, tmp, n, cb);
    } else {
        k_buf_put_u8(b, ST_ENC_STR_PLAIN);
        k_buf_put_u8(b, c->nulls ? 1 : 0);
        if (c->nulls) put_validity(b, c);
        uint32_t maxlen = 0;
        for (uint32_t i = 0; i < n; i++) {
            tmp[i] = lens[i];
            if (lens[i] > maxlen) maxlen = lens[i];
        }
        k_buf_put_u8(b, (uint8_t)bits_for(maxlen));
        k_buf_put_u64(b, 0);
        bp_pack(b, tmp, n, bits_for(maxlen));
        if (c->bytes.len) k_buf_put(b, bytes, c->bytes.len);
    }
    free(slots), free(first), free(codes), free(hashes);
    return K_OK;
}

int
st__chunk_encode(const StColBuf *c, int zstd_level, KBuf *out, StChunkMeta *meta, StColStats *st,
                 KErr *err)
{
    KBuf raw;
    k_buf_init(&raw);
    memset(meta, 0, sizeof *meta);
    meta->zone.nulls = c->nulls;
    uint32_t n = c->n;
    uint64_t *tmp = malloc((size_t)n * 8 + 64);
    uint64_t *words = NULL;
    int rc = K_ERR;
    if (!tmp) goto oom;
    if (st) st->zone.nulls += c->nulls;
    if (c->phys == ST_PHYS_STR) {
        if (encode_strings(c, &raw, tmp, meta, st) != K_OK) goto oom;
    } else if (c->phys == ST_PHYS_I128 || c->phys == ST_PHYS_IV) {
        k_buf_put_u8(&raw, ST_ENC_PLAIN);
        k_buf_put_u8(&raw, c->nulls ? 1 : 0);
        if (c->nulls) put_validity(&raw, c);
        k_buf_put(&raw, c->data, (size_t)n * 16);
        bool first = true;
        for (uint32_t i = 0; i < n; i++) {
            if (!((c->valid[i >> 6] >> (i & 63)) & 1)) continue;
            const void *slot = c->data + (size_t)i * 16;
            if (st) st__hll_add(st->hll, st__value_hash(c->phys, slot));
            if (c->phys != ST_PHYS_I128) continue; /* intervals: no zone map */
            StDatum d;
            st_datum_from_slot(c->type, slot, &d);
            if (first || st_datum_cmp(c->type, &d, &meta->zone.min) < 0) meta->zone.min = d;
            if (first || st_datum_cmp(c->type, &d, &meta->zone.max) > 0) meta->zone.max = d;
            first = false;
        }
        meta->zone.has_minmax = !first && c->phys == ST_PHYS_I128;
    } else {
        /* widen to words; nulls take the first valid value (keeps runs) */
        words = malloc((size_t)n * 8 + 8);
        if (!words) goto oom;
        bool is_signed = c->phys != ST_PHYS_F64;
        uint64_t fill = 0;
        bool have = false;
        for (uint32_t i = 0; i < n; i++) {
            bool valid = (c->valid[i >> 6] >> (i & 63)) & 1;
            uint64_t w = 0;
            if (valid) {
                const uint8_t *slot = c->data + (size_t)i * st__width(c->phys);
                switch (c->phys) {
                case ST_PHYS_I8: w = (uint64_t)(int64_t) * (const int8_t *)slot; break;
                case ST_PHYS_I32: {
                    int32_t x;
                    memcpy(&x, slot, 4);
                    w = (uint64_t)(int64_t)x;
                    break;
                }
                default: memcpy(&w, slot, 8); break;
                }
                if (!have) {
                    have = true;
                    fill = w;
                    for (uint32_t j = 0; j < i; j++) words[j] = w;
                }
                if (st) st__hll_add(st->hll, st__mix64(w));
            } else {
                w = fill;
            }
            words[i] = w;
        }
        if (have) {
            meta->zone.has_minmax = true;
            if (c->phys == ST_PHYS_F64) {
                bool first = true;
                for (uint32_t i = 0; i < n; i++) {
                    if (!((c->valid[i >> 6] >> (i & 63)) & 1)) continue;
                    StDatum d;
                    memcpy(&d.u.f64, &words[i], 8);
                    if (first || st_datum_cmp(c->type, &d, &meta->zone.min) < 0) meta->zone.min = d;
                    if (first || st_datum_cmp(c->type, &d, &meta->zone.max) > 0) meta->zone.max = d;
                    first = false;
                }
            } else {
                int64_t mn = INT64_MAX, mx = INT64_MIN;
                for (uint32_t i = 0; i < n; i++) {
                    int64_t x = (int64_t)words[i]; /* nulls hold a valid value */
                    if (x < mn) mn = x;
                    if (x > mx) mx = x;
                }
                meta->zone.min.u.i64 = mn;
                meta->zone.max.u.i64 = mx;
            }
        }
        size_t mark = raw.len;
        k_buf_put_u8(&raw, 0); /* encoding, patched below */
        k_buf_put_u8(&raw, c->nulls ? 1 : 0);
        if (c->nulls) put_validity(&raw, c);
        size_t body = raw.len;
        encode_words(&raw, words, n, is_signed, tmp);
        if (!raw.failed) {
            /* encode_words writes its own tag first: move it to the front */
            raw.data[mark] = raw.data[body];
            memmove(raw.data + body, raw.data + body + 1, raw.len - body - 1);
            raw.len--;
        }
    }
    if (raw.failed) goto oom;
    meta->enc = raw.data[0];
    meta->raw_len = (uint32_t)raw.len;
    meta->comp = ST_COMP_NONE;
    size_t start = out->len;
    if (raw.len >= 64) {
        size_t bound = ZSTD_compressBound(raw.len);
        if (!k_buf_reserve(out, bound)) goto oom;
        size_t z = ZSTD_compress(out->data + out->len, bound, raw.data, raw.len,
                                 zstd_level ? zstd_level : 3);
        if (!ZSTD_isError(z) && z + z / 16 < raw.len) {
            out->len += z;
            meta->comp = ST_COMP_ZSTD;
        }
    }
    if (meta->comp == ST_COMP_NONE) k_buf_put(out, raw.data, raw.len);
    if (out->failed) goto oom;
    meta->stored_len = (uint32_t)(out->len - start);
    meta->checksum = st__hash64(out->data + start, meta->stored_len, 0x4b43);
    if (st) st__zone_merge(&st->zone, &(StZone){0, meta->zone.has_minmax, meta->zone.max_trunc,
                                                meta->zone.min, meta->zone.max},
                           c->type);
    rc = K_OK;
    goto done;
oom:
    st__zone_free(&meta->zone, c->phys);
    rc = k_error(err, K_OUT_OF_MEMORY, "out of memory while encoding a column chunk");
done:
    free(tmp);
    free(words);
    k_buf_free(&raw);
    return rc;
}

/* ---------------------------------------------------------------- */
/* Chunk decoding                                                     */
/* ---------------------------------------------------------------- */
static int
corrupt(KErr *err, const char *what)
{
    return k_error(err, K_DATA_CORRUPTED, "data corrupted: %s", what);
}

int
st__chunk_decode(const StChunkMeta *meta, KType t, uint32_t rows, const uint8_t *stored,
                 KArena *a, StDecoded *out, KErr *err)
{
    const uint8_t *raw = stored;
    memset(out, 0, sizeof *out);
    out->n = rows;
    if (meta->comp == ST_COMP_ZSTD) {
        uint8_t *buf = k_alloc(a, meta->raw_len + 16);
        if (!buf) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        size_t z = ZSTD_decompress(buf, meta->raw_len, stored, meta->stored_len);
        if (ZSTD_isError(z) || z != meta->raw_len) return corrupt(err, "column chunk does not decompress");
        raw = buf;
    } else if (meta->comp != ST_COMP_NONE) {
        return corrupt(err, "unknown chunk compression");
    }
    KReader r;
    k_reader_init(&r, raw, meta->raw_len);
    int enc = k_get_u8(&r);
    int has_nulls = k_get_u8(&r);
    if (r.failed || enc != meta->enc) return corrupt(err, "bad chunk header");
    StPhys p = st__phys(t);
    size_t w = st__width(p);
    if (has_nulls) {
        size_t nb = (rows + 7) / 8;
        const uint8_t *bm = k_get_bytes(&r, nb);
        out->valid = k_alloc0(a, ((rows + 63) / 64) * 8 + 8);
        if (!bm || !out->valid) return corrupt(err, "bad validity bitmap");
        memcpy(out->valid, bm, nb);
    }
    out->data = k_alloc_aligned(a, (size_t)rows * w + 64, 64);
    if (!out->data) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    if (p == ST_PHYS_STR) {
        KStr *dst = (KStr *)out->data;
        if (enc == ST_ENC_STR_PLAIN) {
            uint64_t *lens = k_alloc(a, (size_t)rows * 8 + 8);
            if (!lens || !for_get(&r, lens, rows)) return corrupt(err, "bad string lengths");
            const uint8_t *base = r.p;
            size_t left = k_reader_left(&r), off = 0;
            for (uint32_t i = 0; i < rows; i++) {
                if (lens[i] > left - off) return corrupt(err, "string data truncated");
                dst[i] = k_str_ref((const char *)base + off, (uint32_t)lens[i]);
                off += lens[i];
            }
            if (off != left) return corrupt(err, "string data length mismatch");
        } else if (enc == ST_ENC_STR_DICT) {
            uint64_t nd = k_get_varint(&r);
            if (r.failed || nd == 0 || nd > rows) return corrupt(err, "bad dictionary size");
            uint64_t *dl = k_alloc(a, nd * 8);
            KStr *dict = k_alloc(a, nd * sizeof(KStr));
            if (!dl || !dict || !for_get(&r, dl, (uint32_t)nd)) return corrupt(err, "bad dictionary");
            for (uint64_t d = 0; d < nd; d++) {
                const uint8_t *s = k_get_bytes(&r, dl[d]);
                if (!s && dl[d]) return corrupt(err, "dictionary truncated");
                dict[d] = k_str_ref(s ? (const char *)s : "", (uint32_t)dl[d]);
            }
            int cb = k_get_u8(&r);
            uint64_t *codes = k_alloc(a, (size_t)rows * 8 + 8);
            if (r.failed || !codes || !bp_unpack(&r, codes, rows, cb)) return corrupt(err, "bad codes");
            for (uint32_t i = 0; i < rows; i++) {
                if (codes[i] >= nd) return corrupt(err, "dictionary code out of range");
                dst[i] = dict[codes[i]];
            }
        } else {
            return corrupt(err, "bad string encoding");
        }
        return K_OK;
    }
    if (p == ST_PHYS_I128 || p == ST_PHYS_IV) {
        const uint8_t *src = k_get_bytes(&r, (size_t)rows * 16);
        if (enc != ST_ENC_PLAIN || !src) return corrupt(err, "bad plain chunk");
        memcpy(out->data, src, (size_t)rows * 16);
        return K_OK;
    }
    uint64_t *words = p == ST_PHYS_I64 || p == ST_PHYS_F64 ? (uint64_t *)out->data
                                                           : k_alloc(a, (size_t)rows * 8 + 8);
    if (!words) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    if (!decode_words(&r, enc, words, rows, a)) return corrupt(err, "bad integer chunk");
    if (p == ST_PHYS_I32) {
        int32_t *d = (int32_t *)out->data;
        for (uint32_t i = 0; i < rows; i++) d[i] = (int32_t)words[i];
    } else if (p == ST_PHYS_I8) {
        int8_t *d = (int8_t *)out->data;
        for (uint32_t i = 0; i < rows; i++) d[i] = (int8_t)words[i];
    }
    return K_OK;
}
