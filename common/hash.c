/*
 * hash.c — 64-bit hashing of byte strings.
 *
 * Interface routines: k_hash_bytes (k_hash_u64 and k_hash_combine are
 * inline in kestrel.h).
 *
 * Notes: eight bytes at a time, each word mixed with a multiply-xorshift
 * step and the length folded in, then a final avalanche through
 * k_hash_u64. Fast for the short keys analytical joins use (codes, names)
 * and good enough for hash tables and distribution; it is not a MAC.
 */
#include "common/kestrel.h"

static inline uint64_t
load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

uint64_t
k_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    const uint64_t m = UINT64_C(0x9fb21c651e98df25);
    uint64_t h = seed ^ (n * m);
    while (n >= 8) {
        uint64_t w = load64(p) * m;
        w ^= w >> 29;
        h = (h ^ w) * m;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        w = (w ^ n) * m;
        w ^= w >> 29;
        h = (h ^ w) * m;
    }
    return k_hash_u64(h);
}
