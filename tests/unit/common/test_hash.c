/*
 * test_hash.c — unit tests for common/hash.c and the inline integer hash:
 * bucket balance on sequential keys (high and low bits), avalanche, and
 * byte-string hashing over every length and seed.
 */
#include "test_util.h"

#include <math.h>

/* Chi-square statistic of `n` keys spread over `nb` buckets. */
static double
chi_square(const uint32_t *counts, uint32_t nb, uint64_t n)
{
    double expect = (double)n / nb, chi = 0;
    for (uint32_t i = 0; i < nb; i++) chi += (counts[i] - expect) * (counts[i] - expect) / expect;
    return chi;
}

/* With 1023 degrees of freedom the statistic is about 1023 +- 45; a
 * bound of 1023 + 6 sigma fails only on real clustering. */
#define CHI_LIMIT 1300.0

static void
test_sequential_ints(void **state)
{
    (void)state;
    static uint32_t low[1024], high[1024], mid[1024];
    memset(low, 0, sizeof low);
    memset(high, 0, sizeof high);
    memset(mid, 0, sizeof mid);
    const uint64_t n = 1u << 20;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t h = k_hash_u64(k);
        low[h & 1023]++;
        high[h >> 54]++;
        mid[(h >> 27) & 1023]++;
    }
    double cl = chi_square(low, 1024, n), ch = chi_square(high, 1024, n),
           cm = chi_square(mid, 1024, n);
    if (cl > CHI_LIMIT || ch > CHI_LIMIT || cm > CHI_LIMIT)
        fail_msg("sequential keys cluster: chi2 low %.0f mid %.0f high %.0f", cl, cm, ch);
    /* strided keys (multiples of 1024, typical of ids) too */
    memset(low, 0, sizeof low);
    for (uint64_t k = 0; k < n; k++) low[k_hash_u64(k << 10) & 1023]++;
    cl = chi_square(low, 1024, n);
    if (cl > CHI_LIMIT) fail_msg("strided keys cluster in the low bits: chi2 %.0f", cl);
    /* sequential keys never collide (the mixer is a bijection) */
    static uint64_t seen[4096];
    for (uint64_t k = 0; k < 4096; k++) seen[k] = k_hash_u64(k);
    for (int i = 0; i < 4096; i++)
        for (int j = i + 1; j < 4096; j++) assert_true(seen[i] != seen[j]);
}

static void
test_avalanche(void **state)
{
    (void)state;
    /* flipping one input bit flips about half the output bits */
    uint64_t x = 0x243f6a8885a308d3ull;
    double total = 0;
    int trials = 0;
    for (int k = 0; k < 200; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t h = k_hash_u64(x);
        for (int bit = 0; bit < 64; bit++) {
            total += __builtin_popcountll(h ^ k_hash_u64(x ^ (1ull << bit)));
            trials++;
        }
    }
    double avg = total / trials;
    if (avg < 30 || avg > 34) fail_msg("avalanche: %.2f bits flip on average", avg);
    uint64_t c1 = k_hash_combine(k_hash_u64(1), 2), c2 = k_hash_combine(k_hash_u64(2), 1);
    assert_true(c1 != c2); /* combine is order sensitive */
}

static void
test_bytes(void **state)
{
    (void)state;
    unsigned char buf[64];
    for (int i = 0; i < 64; i++) buf[i] = (unsigned char)(i * 7 + 1);
    /* deterministic; depends on every byte, the length and the seed */
    for (size_t n = 0; n <= 64; n++) {
        uint64_t h = k_hash_bytes(buf, n, 0);
        assert_true(h == k_hash_bytes(buf, n, 0));
        assert_true(h != k_hash_bytes(buf, n, 1));
        if (n < 64) assert_true(h != k_hash_bytes(buf, n + 1, 0));
        for (size_t i = 0; i < n; i++) {
            buf[i] ^= 0x10;
            assert_true(h != k_hash_bytes(buf, n, 0));
            buf[i] ^= 0x10;
        }
    }
    /* zero bytes of different lengths differ */
    unsigned char zeros[16] = {0};
    for (size_t n = 0; n < 16; n++)
        assert_true(k_hash_bytes(zeros, n, 0) != k_hash_bytes(zeros, n + 1, 0));
    /* unaligned input gives the same answer */
    unsigned char shifted[80];
    memcpy(shifted + 3, buf, 64);
    assert_true(k_hash_bytes(shifted + 3, 64, 9) == k_hash_bytes(buf, 64, 9));

    /* avalanche: flipping any input bit flips about half the output bits,
     * for short keys and for the tail bytes of longer ones */
    size_t lens[] = {4, 8, 12, 25};
    for (size_t li = 0; li < K_ARRAY_LEN(lens); li++) {
        double total = 0;
        int trials = 0;
        uint64_t low_flips = 0;
        for (int k = 0; k < 64; k++) {
            unsigned char key[32];
            for (size_t i = 0; i < lens[li]; i++) key[i] = (unsigned char)(k * 31 + i * 17);
            uint64_t h = k_hash_bytes(key, lens[li], 0);
            for (size_t bit = 0; bit < lens[li] * 8; bit++) {
                key[bit / 8] ^= (unsigned char)(1u << (bit % 8));
                uint64_t h2 = k_hash_bytes(key, lens[li], 0);
                key[bit / 8] ^= (unsigned char)(1u << (bit % 8));
                total += __builtin_popcountll(h ^ h2);
                low_flips += (h ^ h2) & 1;
                trials++;
            }
        }
        double avg = total / trials;
        if (avg < 30 || avg > 34)
            fail_msg("k_hash_bytes(len %zu): %.2f bits flip on average", lens[li], avg);
        double low = (double)low_flips / trials;
        if (low < 0.4 || low > 0.6)
            fail_msg("k_hash_bytes(len %zu): bit 0 flips %.2f of the time", lens[li], low);
    }

    /* similar strings (as in TPC-H names) spread over buckets */
    static uint32_t counts[1024];
    memset(counts, 0, sizeof counts);
    char s[32];
    const uint32_t n = 1u << 18;
    for (uint32_t i = 0; i < n; i++) {
        int len = snprintf(s, sizeof s, "Customer#%09u", i);
        counts[k_hash_bytes(s, (size_t)len, 0) & 1023]++;
    }
    double chi = chi_square(counts, 1024, n);
    if (chi > CHI_LIMIT) fail_msg("string keys cluster: chi2 %.0f", chi);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_ints),
        cmocka_unit_test(test_avalanche),
        cmocka_unit_test(test_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
