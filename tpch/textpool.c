/*
 * textpool.c — dbgen's comment text pool, stored compactly.
 *
 * dbgen builds one 300 MiB string of pseudo-English sentences from random
 * stream 5 before generating any comment; every comment column is then a
 * random (offset, length) slice of that string. Holding 300 MiB would break
 * our 200 MB memory budget, so we store the pool as the sequence of grammar
 * tokens that produced it, one byte per token (about 45 MB):
 *
 *   code < NWORDS   a word, written as the word followed by one space
 *   code >= NWORDS  a punctuation mark that abuts the previous word: it
 *                   overwrites that word's trailing space and is followed by
 *                   a space (",", ".", ";", ":", "?", "!", "--")
 *
 * This is exactly the text dbgen writes: words end with a space, commas and
 * sentence terminators replace the space before them, and each sentence is
 * followed by a space. For each 128-byte bucket of the text we record where
 * to start reading (`bucket`: the last token that starts at or before the
 * bucket, and how far before), so a slice is found with one lookup, a walk
 * over at most ~128 bytes of token lengths, and one 16-byte copy per token
 * it covers. Both arrays ask for transparent huge pages: comment offsets
 * are random over the whole pool, and 4 KB pages would make nearly every
 * slice a TLB miss.
 *
 * The pool is built once per process under pthread_once and is read-only
 * afterwards, so any number of threads can copy from it.
 *
 * Interface routines: tpch__textpool_init(), tpch__textpool_copy(),
 * tpch__textpool_prefetch1(), tpch__textpool_prefetch2().
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tpch/tpch_int.h"

#define BUCKET_SHIFT 7                             /* 128-byte buckets */
#define DELTA_SHIFT  27                            /* bucket entry: token | delta << 27 */
#define MAX_TOKENS   ((size_t)TPCH_TEXT_POOL_SIZE) /* each token advances >= 1 byte */

enum { MOD_COMMA = 0, MOD_TERM = 1 }; /* MOD_TERM + terminator index */

typedef struct Pool {
    uint8_t *codes;
    size_t ncodes;
    size_t codes_map; /* bytes mapped for codes */
    uint32_t *bucket; /* per bucket: token index | (bucket start - its pos) << 27 */
    size_t nbuckets;
    size_t bucket_map;
    /* token tables */
    const char *text[256];
    uint8_t len[256]; /* bytes of text */
    int8_t adv[256];  /* how far the token moves the end of the text */
    uint8_t is_mod[256];
    char tok16[256][16];         /* token text padded to 16 bytes: "word " or ", " */
    int first_word[TPCH_NDISTS]; /* code of entry 0 of each word distribution */
    int nwords;
    int mod_base;
    bool ok;
} Pool;

static Pool pool;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void
add_words(int dist)
{
    const TpchDist *d = &tpch__dists[dist];
    pool.first_word[dist] = pool.nwords;
    for (int k = 0; k < d->count; k++) {
        K_ASSERT(d->lens[k] < 16);
        int c = pool.nwords++;
        pool.text[c] = d->entries[k].text;
        pool.len[c] = d->lens[k];
        pool.adv[c] = (int8_t)(d->lens[k] + 1);
        pool.is_mod[c] = 0;
        memset(pool.tok16[c], ' ', 16);
        memcpy(pool.tok16[c], d->entries[k].text, d->lens[k]);
    }
}

static void
add_mod(const char *text)
{
    int c = pool.nwords + (int)(pool.mod_base++);
    pool.text[c] = text;
    pool.len[c] = (uint8_t)strlen(text);
    pool.adv[c] = (int8_t)(pool.len[c] - 1); /* it starts on the previous space */
    pool.is_mod[c] = 1;
    memset(pool.tok16[c], ' ', 16);
    memcpy(pool.tok16[c], text, pool.len[c]);
}

/* Token emission during the build. */
typedef struct Builder {
    TpchStream st;
    size_t n;
    int64_t pos; /* bytes of text so far (end of the last token) */
} Builder;

static inline void
emit(Builder *b, int code)
{
    pool.codes[b->n++] = (uint8_t)code;
    b->pos += pool.adv[code];
}

static inline void
emit_word(Builder *b, int dist)
{
    int k = tpch__pick(&tpch__dists[dist], &b->st);
    emit(b, pool.first_word[dist] + k);
}

/* A phrase form ("J, J N", "X V D"): one word per letter, a comma after a
 * letter when the form says so. */
static void
phrase(Builder *b, int form_dist)
{
    const TpchDist *fd = &tpch__dists[form_dist];
    const char *form = fd->entries[tpch__pick(fd, &b->st)].text;
    for (const char *p = form; *p; p++) {
        int dist = -1;
        switch (*p) {
        case 'A': dist = D_ARTICLES; break;
        case 'J': dist = D_ADJECTIVES; break;
        case 'D': dist = D_ADVERBS; break;
        case 'N': dist = D_NOUNS; break;
        case 'V': dist = D_VERBS; break;
        case 'X': dist = D_AUXILLARIES; break;
        case ',': emit(b, pool.nwords + MOD_COMMA); continue;
        default: continue;
        }
        emit_word(b, dist);
    }
}

/* One sentence; returns the number of text bytes it adds (its length plus
 * the space that follows it in the pool). */
static int64_t
sentence(Builder *b)
{
    int64_t start = b->pos;
    const TpchDist *g = &tpch__dists[D_GRAMMAR];
    const char *form = g->entries[tpch__pick(g, &b->st)].text;
    for (const char *p = form; *p; p++) {
        switch (*p) {
        case 'N': phrase(b, D_NP); break;
        case 'V': phrase(b, D_VP); break;
        case 'P':
            emit_word(b, D_PREPOSITIONS);
            emit(b, pool.first_word[D_ARTICLES] + 0); /* " the " */
            phrase(b, D_NP);
            break;
        case 'T': {
            int k = tpch__pick(&tpch__dists[D_TERMINATORS], &b->st);
            emit(b, pool.nwords + MOD_TERM + k);
            break;
        }
        default: break;
        }
    }
    return b->pos - start;
}

static void
build(void)
{
    tpch__init();
    add_words(D_NOUNS);
    add_words(D_VERBS);
    add_words(D_ADJECTIVES);
    add_words(D_ADVERBS);
    add_words(D_PREPOSITIONS);
    add_words(D_AUXILLARIES);
    add_words(D_ARTICLES);
    pool.mod_base = 0;
    add_mod(", ");
    static const char *const terms[] = {". ", "; ", ": ", "? ", "! ", "-- "};
    for (int k = 0; k < 6; k++) add_mod(terms[k]);
    K_ASSERT(pool.nwords + pool.mod_base <= 256);

    /* Reserve address space; only the pages we touch count as memory. */
    pool.codes_map = MAX_TOKENS;
    void *m = mmap(NULL, pool.codes_map, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return;
    pool.codes = m;
    madvise(m, pool.codes_map, MADV_HUGEPAGE); /* a hint: fine if refused */
    /* offsets are < TPCH_TEXT_POOL_SIZE, so buckets cover exactly the pool */
    pool.nbuckets = ((size_t)TPCH_TEXT_POOL_SIZE + (1u << BUCKET_SHIFT) - 1) >> BUCKET_SHIFT;
    pool.bucket_map = K_ALIGN_UP(pool.nbuckets * sizeof(uint32_t), 4096);
    m = mmap(NULL, pool.bucket_map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    pool.bucket = m;
    madvise(m, pool.bucket_map, MADV_HUGEPAGE);

    Builder b = {{tpch__streams[S_TEXT].seed, 0}, 0, 0};
    int64_t wordlen = 0;
    while (wordlen < TPCH_TEXT_POOL_SIZE) {
        int64_t s = sentence(&b);
        int64_t needed = TPCH_TEXT_POOL_SIZE - wordlen;
        wordlen += (needed >= s) ? s : needed; /* the last sentence is cut */
    }
    pool.ncodes = b.n;
    if (pool.ncodes >= (1u << DELTA_SHIFT)) return; /* cannot happen: ~45M tokens */
    /* give back the untouched tail of the reservation (whole 2 MB pages) */
    size_t used = K_ALIGN_UP(pool.ncodes + 64, 2u << 20);
    if (used < pool.codes_map) {
        munmap(pool.codes + used, pool.codes_map - used);
        pool.codes_map = used;
    }
    /* Bucket k starts at byte B = k * 128. Token t occupies [pos, pos + adv)
     * in the walk below (pos = end of the text before it); the bucket gets
     * the token whose span contains B, and B - pos (< 16). */
    int64_t pos = 0;
    size_t bk = 0;
    for (size_t t = 0; t < pool.ncodes && bk < pool.nbuckets; t++) {
        int64_t end = pos + pool.adv[pool.codes[t]];
        while (bk < pool.nbuckets && ((int64_t)bk << BUCKET_SHIFT) < end) {
            int64_t delta = ((int64_t)bk << BUCKET_SHIFT) - pos;
            pool.bucket[bk++] = (uint32_t)t | (uint32_t)delta << DELTA_SHIFT;
        }
        pos = end;
    }
    pool.ok = bk == pool.nbuckets;
}

int
tpch__textpool_init(KErr *err)
{
    pthread_once(&pool_once, build);
    if (!pool.ok) return k_error(err, K_OUT_OF_MEMORY, "out of memory building the text pool");
    return K_OK;
}

void
tpch__textpool_prefetch1(int64_t offset)
{
    __builtin_prefetch(&pool.bucket[offset >> BUCKET_SHIFT]);
}

void
tpch__textpool_prefetch2(int64_t offset)
{
    uint32_t e = pool.bucket[offset >> BUCKET_SHIFT];
    __builtin_prefetch(&pool.codes[e & ((1u << DELTA_SHIFT) - 1)]);
}

void
tpch__textpool_copy(int64_t offset, int len, char *out)
{
    uint32_t e = pool.bucket[offset >> BUCKET_SHIFT];
    size_t t = e & ((1u << DELTA_SHIFT) - 1);
    /* end of the text before token t */
    int64_t pos = ((offset >> BUCKET_SHIFT) << BUCKET_SHIFT) - (int64_t)(e >> DELTA_SHIFT);
    /* skip tokens that end at or before the slice */
    for (;;) {
        int code = pool.codes[t];
        int64_t end = pos + pool.adv[code];
        if (end > offset) break;
        pos = end;
        t++;
    }
    /* Render whole tokens into a scratch buffer starting where token t
     * starts, then copy the slice out. Every token is written as 16 bytes
     * (its text, padded), so each is one fixed-size copy; a punctuation
     * token starts one byte back, over the previous word's space. */
    char buf[TPCH_ROW_BYTES + 64];
    int64_t base = pool.is_mod[pool.codes[t]] ? pos - 1 : pos;
    int64_t need = offset + len - base;
    K_ASSERT(need + 32 <= (int64_t)sizeof(buf));
    int64_t w = pos - base; /* write cursor = end of text so far */
    while (w < need) {
        int code = pool.codes[t++];
        memcpy(buf + w - pool.is_mod[code], pool.tok16[code], 16);
        w += pool.adv[code];
    }
    /* a punctuation mark right after the slice may overwrite its last byte */
    if (t < pool.ncodes && pool.is_mod[pool.codes[t]])
        memcpy(buf + w - 1, pool.tok16[pool.codes[t]], 16);
    memcpy(out, buf + (offset - base), (size_t)len);
}
