/*
 * arena.c — memory contexts: a tree of arenas freed as a whole.
 *
 * Interface routines: k_arena_create, k_arena_destroy, k_arena_reset,
 * k_arena_set_limit, k_arena_used, k_arena_peak, k_alloc, k_alloc0,
 * k_alloc_aligned, k_realloc, k_free, k_strndup, k_strdup, k_sprintf.
 *
 * Notes: small allocations are carved from blocks that double in size from
 * 8 KiB up to 1 MiB; allocations of K_ARENA_BIG_ALLOC bytes or more get a
 * block of their own on a doubly linked list so k_free/k_realloc can release
 * or resize them (the decision is made on the size alone, so the size the
 * caller passes to k_free/k_realloc tells which kind it is). A big block's
 * header sits right before the payload and remembers where malloc's block
 * starts, so over-aligned big allocations can be freed too. Requests above
 * MAX_ALLOC (1 TiB) fail at once instead of reaching malloc with a size it
 * would wrap or (under ASan) abort on. Accounting is by block: `used` is an atomic counter on
 * every arena covering it and its descendants, so a limit set on a query
 * arena bounds the memory of all its per-thread children. The child list is
 * guarded by a mutex so threads may create and destroy children of a shared
 * parent concurrently.
 */
#include "common/kestrel.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct Block {
    struct Block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
} Block;

/* Header of a big allocation, immediately before its payload. */
typedef struct Big {
    struct Big *prev, *next;
    void *base;     /* what malloc returned */
    size_t size;    /* payload bytes */
    size_t charged; /* bytes charged to the arena for this block */
    size_t align;   /* payload alignment (16 or more) */
} Big;
_Static_assert(sizeof(Big) % 16 == 0, "big header keeps 16-byte alignment");

struct KArena {
    KArena *parent;
    KArena *first_child;
    KArena *next_sibling, *prev_sibling;
    pthread_mutex_t lock; /* guards the child list */
    const char *name;
    Block *blocks;
    Big *bigs;
    size_t next_block;
    _Atomic size_t limit; /* may be changed while children allocate */
    _Atomic size_t used;
    _Atomic size_t peak;
};

#define BLOCK_MIN (8 * 1024)
#define BLOCK_MAX (1024 * 1024)
#define MAX_ALLOC ((size_t)1 << 40)

/* Is an allocation of n bytes a big one (own block, k_free-able)? */
static bool
is_big(size_t n)
{
    return n >= K_ARENA_BIG_ALLOC - 16;
}

/* Charge `n` bytes to a and its ancestors; undo and fail if any limit is
 * crossed. Peaks are raised only once the whole charge has succeeded. */
static bool
charge(KArena *a, size_t n)
{
    for (KArena *x = a; x; x = x->parent) {
        size_t now = atomic_fetch_add(&x->used, n) + n;
        size_t lim = atomic_load_explicit(&x->limit, memory_order_relaxed);
        if (lim && now > lim) {
            for (KArena *y = a; y != x->parent; y = y->parent) atomic_fetch_sub(&y->used, n);
            return false;
        }
    }
    for (KArena *x = a; x; x = x->parent) {
        size_t now = atomic_load(&x->used);
        size_t pk = atomic_load(&x->peak);
        while (now > pk && !atomic_compare_exchange_weak(&x->peak, &pk, now)) {
        }
    }
    return true;
}

static void
uncharge(KArena *a, size_t n)
{
    for (KArena *x = a; x; x = x->parent) atomic_fetch_sub(&x->used, n);
}

KArena *
k_arena_create(KArena *parent, const char *name)
{
    KArena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->name = name ? name : "arena";
    a->parent = parent;
    a->next_block = BLOCK_MIN;
    pthread_mutex_init(&a->lock, NULL);
    if (parent) {
        pthread_mutex_lock(&parent->lock);
        a->next_sibling = parent->first_child;
        if (parent->first_child) parent->first_child->prev_sibling = a;
        parent->first_child = a;
        pthread_mutex_unlock(&parent->lock);
    }
    return a;
}

static void
free_contents(KArena *a)
{
    /* children first: each unlinks itself from us */
    for (;;) {
        pthread_mutex_lock(&a->lock);
        KArena *c = a->first_child;
        pthread_mutex_unlock(&a->lock);
        if (!c) break;
        k_arena_destroy(c);
    }
    size_t total = 0;
    for (Block *b = a->blocks, *n; b; b = n) {
        n = b->next;
        total += b->size + sizeof(Block);
        free(b);
    }
    for (Big *g = a->bigs, *n; g; g = n) {
        n = g->next;
        total += g->charged;
        free(g->base);
    }
    a->blocks = NULL;
    a->bigs = NULL;
    a->next_block = BLOCK_MIN;
    if (total) uncharge(a, total);
}

void
k_arena_destroy(KArena *a)
{
    if (!a) return;
    free_contents(a);
    if (a->parent) {
        KArena *p = a->parent;
        pthread_mutex_lock(&p->lock);
        if (a->prev_sibling)
            a->prev_sibling->next_sibling = a->next_sibling;
        else
            p->first_child = a->next_sibling;
        if (a->next_sibling) a->next_sibling->prev_sibling = a->prev_sibling;
        pthread_mutex_unlock(&p->lock);
    }
    pthread_mutex_destroy(&a->lock);
    free(a);
}

void
k_arena_reset(KArena *a)
{
    if (a) free_contents(a);
}

void
k_arena_set_limit(KArena *a, size_t limit)
{
    atomic_store(&a->limit, limit);
}
size_t
k_arena_limit(const KArena *a)
{
    return atomic_load(&((KArena *)a)->limit);
}
size_t
k_arena_used(const KArena *a)
{
    return atomic_load(&((KArena *)a)->used);
}
size_t
k_arena_peak(const KArena *a)
{
    return atomic_load(&((KArena *)a)->peak);
}
const char *
k_arena_name(const KArena *a)
{
    return a->name;
}

/* A big allocation: its own malloc block with the header right before the
 * payload. n <= MAX_ALLOC and align <= 4096, so nothing here overflows. */
static void *
big_alloc(KArena *a, size_t n, size_t align)
{
    size_t total = sizeof(Big) + n + (align - 16);
    if (!charge(a, total)) return NULL;
    char *raw = malloc(total);
    if (!raw) {
        uncharge(a, total);
        return NULL;
    }
    char *payload = (char *)K_ALIGN_UP((uintptr_t)raw + sizeof(Big), align);
    Big *g = (Big *)payload - 1;
    g->base = raw;
    g->size = n;
    g->charged = total;
    g->align = align;
    g->prev = NULL;
    g->next = a->bigs;
    if (a->bigs) a->bigs->prev = g;
    a->bigs = g;
    return payload;
}

static void
big_unlink(KArena *a, Big *g)
{
    if (g->prev)
        g->prev->next = g->next;
    else
        a->bigs = g->next;
    if (g->next) g->next->prev = g->prev;
}

void *
k_alloc_aligned(KArena *a, size_t n, size_t align)
{
    if (align < 16) align = 16;
    K_ASSERT(align <= 4096 && (align & (align - 1)) == 0);
    if (n == 0) n = 1;
    if (n > MAX_ALLOC) return NULL;
    if (is_big(n)) return big_alloc(a, n, align);
    Block *b = a->blocks;
    if (b) {
        uintptr_t base = (uintptr_t)(b + 1);
        uintptr_t at = K_ALIGN_UP(base + b->used, align);
        if (at + n <= base + b->size) {
            b->used = at + n - base;
            return (void *)at;
        }
    }
    size_t want = a->next_block;
    while (want < n + align) want *= 2;
    if (!charge(a, want + sizeof(Block))) return NULL;
    b = malloc(sizeof(Block) + want);
    if (!b) {
        uncharge(a, want + sizeof(Block));
        return NULL;
    }
    b->size = want;
    b->next = a->blocks;
    a->blocks = b;
    if (a->next_block < BLOCK_MAX) a->next_block *= 2;
    uintptr_t base = (uintptr_t)(b + 1);
    uintptr_t at = K_ALIGN_UP(base, align);
    b->used = at + n - base;
    return (void *)at;
}

void *
k_alloc(KArena *a, size_t n)
{
    return k_alloc_aligned(a, n, 16);
}

void *
k_alloc0(KArena *a, size_t n)
{
    void *p = k_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

void
k_free(KArena *a, void *p, size_t n)
{
    if (!p || !is_big(n)) return;
    Big *g = (Big *)p - 1;
    big_unlink(a, g);
    uncharge(a, g->charged);
    free(g->base);
}

void *
k_realloc(KArena *a, void *p, size_t old_n, size_t new_n)
{
    if (!p) return k_alloc(a, new_n);
    if (new_n <= old_n) return p;
    if (new_n > MAX_ALLOC) return NULL;
    if (is_big(old_n) && ((Big *)p - 1)->base == (void *)((Big *)p - 1)) {
        /* plain big block: let realloc grow it, in place when it can */
        Big *g = (Big *)p - 1;
        size_t total = sizeof(Big) + new_n;
        size_t extra = total - g->charged;
        if (!charge(a, extra)) return NULL;
        Big *prev = g->prev, *next = g->next;
        Big *ng = realloc(g, total);
        if (!ng) {
            uncharge(a, extra);
            return NULL;
        }
        ng->base = ng;
        ng->size = new_n;
        ng->charged = total;
        if (prev)
            prev->next = ng;
        else
            a->bigs = ng;
        if (next) next->prev = ng;
        return ng + 1;
    }
    /* small, or an over-aligned big block: copy into a new allocation */
    size_t align = is_big(old_n) ? ((Big *)p - 1)->align : 16;
    void *q = k_alloc_aligned(a, new_n, align);
    if (!q) return NULL;
    memcpy(q, p, old_n);
    k_free(a, p, old_n);
    return q;
}

char *
k_strndup(KArena *a, const char *s, size_t n)
{
    char *p = k_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
k_strdup(KArena *a, const char *s)
{
    return k_strndup(a, s, strlen(s));
}

char *
k_sprintf(KArena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = n >= 0 ? k_alloc(a, (size_t)n + 1) : NULL;
    if (p) vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}
