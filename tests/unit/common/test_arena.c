/*
 * test_arena.c — unit tests for common/arena.c: allocation and alignment,
 * byte accounting through the tree, limits (NULL + 53200), reset, nested
 * destroy, big allocations with k_free/k_realloc, and children used from
 * several threads at once.
 */
#include "test_util.h"

#include <pthread.h>

static void
test_alloc_alignment(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "t");
    assert_non_null(a);
    assert_string_equal(k_arena_name(a), "t");
    assert_int_equal(k_arena_used(a), 0);
    for (size_t n = 0; n < 300; n++) {
        char *p = k_alloc(a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, n);
    }
    size_t aligns[] = {1, 2, 8, 16, 32, 64, 128, 4096};
    for (size_t i = 0; i < K_ARRAY_LEN(aligns); i++) {
        for (size_t n = 1; n < 10000; n = n * 3 + 1) {
            char *p = k_alloc_aligned(a, n, aligns[i]);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % aligns[i], 0);
            memset(p, 0xcd, n);
        }
    }
    /* zeroed memory */
    unsigned char *z = k_alloc0(a, 1000);
    assert_non_null(z);
    for (int i = 0; i < 1000; i++) assert_int_equal(z[i], 0);
    assert_true(k_arena_used(a) > 0);
    assert_true(k_arena_peak(a) >= k_arena_used(a));
    k_arena_destroy(a);
    k_arena_destroy(NULL);
}

static void
test_strings_in_arena(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "s");
    char *s = k_strdup(a, "hello");
    assert_string_equal(s, "hello");
    char *t = k_strndup(a, "abcdef", 3);
    assert_string_equal(t, "abc");
    char *u = k_sprintf(a, "%s-%d-%05.1f", "x", 42, 3.25);
    assert_string_equal(u, "x-42-003.2");
    char big[3000];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *v = k_sprintf(a, "<%s>", big);
    assert_int_equal(strlen(v), sizeof big + 1);
    assert_int_equal(v[0], '<');
    assert_int_equal(v[sizeof big], '>');
    k_arena_destroy(a);
}

static void
test_accounting_and_nested_destroy(void **state)
{
    (void)state;
    KArena *root = k_arena_create(NULL, "root");
    KArena *q = k_arena_create(root, "query");
    KArena *t1 = k_arena_create(q, "thread1");
    KArena *t2 = k_arena_create(q, "thread2");
    KArena *g = k_arena_create(t1, "grandchild");
    assert_non_null(k_alloc(g, 100));
    assert_non_null(k_alloc(t2, 100000)); /* a big allocation */
    size_t used_g = k_arena_used(g);
    size_t used_t2 = k_arena_used(t2);
    assert_true(used_g >= 100);
    assert_true(used_t2 >= 100000);
    assert_int_equal(k_arena_used(t1), used_g);
    assert_int_equal(k_arena_used(q), used_g + used_t2);
    assert_int_equal(k_arena_used(root), used_g + used_t2);

    /* destroying a middle arena frees its subtree and uncharges ancestors */
    k_arena_destroy(t1);
    assert_int_equal(k_arena_used(q), used_t2);
    assert_int_equal(k_arena_used(root), used_t2);

    /* destroying q frees t2 too (ASan reports a leak otherwise) */
    k_arena_destroy(q);
    assert_int_equal(k_arena_used(root), 0);
    assert_true(k_arena_peak(root) >= used_g + used_t2);
    k_arena_destroy(root);
}

static void
test_reset(void **state)
{
    (void)state;
    KArena *p = k_arena_create(NULL, "parent");
    KArena *a = k_arena_create(p, "a");
    k_arena_set_limit(a, 1 << 20);
    KArena *c = k_arena_create(a, "child");
    assert_non_null(k_alloc(c, 500));
    for (int i = 0; i < 100; i++) assert_non_null(k_alloc(a, 1000));
    assert_non_null(k_alloc(a, 200000));
    assert_true(k_arena_used(p) > 300000);
    k_arena_reset(a);
    assert_int_equal(k_arena_used(a), 0);
    assert_int_equal(k_arena_used(p), 0);
    /* the limit survives a reset, the arena stays usable */
    assert_int_equal(k_arena_limit(a), 1 << 20);
    char *x = k_alloc(a, 64);
    assert_non_null(x);
    memset(x, 1, 64);
    assert_null(k_alloc(a, 2 << 20));
    k_arena_reset(a);
    k_arena_reset(a);
    k_arena_reset(NULL);
    assert_int_equal(k_arena_used(p), 0);
    k_arena_destroy(p);
}

static void
test_limit(void **state)
{
    (void)state;
    KErr err;
    KArena *q = k_arena_create(NULL, "query");
    k_arena_set_limit(q, 256 * 1024);
    KArena *t = k_arena_create(q, "worker");
    /* the child has no limit of its own, but the parent's applies */
    size_t got = 0;
    /* bounded, so a broken limit fails the test instead of eating memory */
    for (int i = 0; i < 1000 && k_alloc(t, 1000) != NULL; i++) got += 1000;
    assert_true(got > 100 * 1000);
    assert_true(got < 256 * 1024);
    assert_true(k_arena_used(q) <= 256 * 1024);
    assert_null(k_alloc(t, 1000));
    /* a big allocation over the limit fails too and charges nothing */
    size_t before = k_arena_used(q);
    assert_null(k_alloc(q, 10 << 20));
    assert_null(k_alloc(t, 10 << 20));
    assert_int_equal(k_arena_used(q), before);
    assert_int_equal(k_error_oom(&err, t, 1000), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "53200");
    assert_non_null(strstr(err.detail, "\"worker\""));

    /* a limit on a child alone */
    k_arena_destroy(t);
    assert_int_equal(k_arena_used(q), 0);
    KArena *t2 = k_arena_create(q, "small");
    k_arena_set_limit(t2, 20000);
    assert_non_null(k_alloc(t2, 5000));
    assert_null(k_alloc(t2, 30000));
    assert_true(k_arena_used(t2) <= 20000);
    /* absurd sizes fail cleanly instead of wrapping */
    assert_null(k_alloc(t2, SIZE_MAX));
    assert_null(k_alloc(t2, SIZE_MAX - 8));
    assert_null(k_alloc_aligned(t2, SIZE_MAX - 100, 64));
    k_arena_destroy(q);

    KArena *u = k_arena_create(NULL, "unlimited");
    assert_null(k_alloc(u, SIZE_MAX - 8));
    assert_null(k_alloc(u, SIZE_MAX / 2 + 1));
    assert_int_equal(k_arena_used(u), 0);
    k_arena_destroy(u);
}

static void
test_big_free_realloc(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "big");
    size_t base = k_arena_used(a);
    size_t n = 1 << 20;
    unsigned char *p = k_alloc(a, n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)i;
    assert_true(k_arena_used(a) >= base + n);
    /* grow in place or by moving: the contents survive */
    unsigned char *q = k_realloc(a, p, n, 4 * n);
    assert_non_null(q);
    for (size_t i = 0; i < n; i++) assert_int_equal(q[i], (unsigned char)i);
    memset(q + n, 7, 3 * n);
    assert_true(k_arena_used(a) >= 4 * n);
    k_free(a, q, 4 * n);
    assert_int_equal(k_arena_used(a), base);

    /* small to big: the copy is made and the old bytes kept */
    char *s = k_alloc(a, 100);
    memcpy(s, "0123456789", 10);
    char *b = k_realloc(a, s, 100, 200000);
    assert_non_null(b);
    assert_memory_equal(b, "0123456789", 10);
    /* shrinking keeps the pointer */
    assert_ptr_equal(k_realloc(a, b, 200000, 50), b);
    k_free(a, b, 200000);
    /* realloc of NULL allocates */
    char *r = k_realloc(a, NULL, 0, 300);
    assert_non_null(r);
    memset(r, 1, 300);
    /* freeing small allocations is a harmless no-op */
    k_free(a, r, 300);
    k_free(a, NULL, 1 << 20);

    /* several bigs freed out of order keep the list consistent */
    void *bigs[8];
    for (int i = 0; i < 8; i++) {
        bigs[i] = k_alloc(a, 100000 + (size_t)i);
        assert_non_null(bigs[i]);
        memset(bigs[i], i, 100000 + (size_t)i);
    }
    for (int i = 0; i < 8; i += 2) k_free(a, bigs[i], 100000 + (size_t)i);
    for (int i = 1; i < 8; i += 2) {
        bigs[i] = k_realloc(a, bigs[i], 100000 + (size_t)i, 300000);
        assert_non_null(bigs[i]);
        assert_int_equal(((unsigned char *)bigs[i])[99999], i);
    }
    for (int i = 1; i < 8; i += 2) k_free(a, bigs[i], 300000);

    /* big allocations with a large alignment can be freed and resized too */
    void *al = k_alloc_aligned(a, 200000, 4096);
    assert_non_null(al);
    assert_int_equal((uintptr_t)al % 4096, 0);
    memset(al, 3, 200000);
    void *al2 = k_realloc(a, al, 200000, 400000);
    assert_non_null(al2);
    assert_int_equal(((unsigned char *)al2)[199999], 3);
    k_free(a, al2, 400000);
    void *al3 = k_alloc_aligned(a, 100000, 64);
    assert_non_null(al3);
    assert_int_equal((uintptr_t)al3 % 64, 0);
    k_free(a, al3, 100000);

    /* a realloc over the limit fails and leaves the old block valid */
    k_arena_set_limit(a, k_arena_used(a) + 150000);
    unsigned char *c = k_alloc(a, 100000);
    assert_non_null(c);
    c[99999] = 9;
    assert_null(k_realloc(a, c, 100000, 1 << 20));
    assert_int_equal(c[99999], 9);
    k_free(a, c, 100000);
    k_arena_destroy(a);
}

typedef struct ThreadArg {
    KArena *parent;
    int id;
    size_t failures;
} ThreadArg;

static void *
thread_main(void *p)
{
    ThreadArg *t = p;
    for (int round = 0; round < 50; round++) {
        KArena *c = k_arena_create(t->parent, "per-thread");
        if (!c) {
            t->failures++;
            continue;
        }
        for (int i = 0; i < 200; i++) {
            size_t n = (size_t)(i * 37 % 3000) + 1;
            unsigned char *x = k_alloc(c, n);
            if (!x) {
                t->failures++;
                continue;
            }
            memset(x, t->id, n);
        }
        void *big = k_alloc(c, 70000);
        if (big) k_free(c, big, 70000);
        if (round % 2) k_arena_reset(c);
        k_arena_destroy(c);
    }
    return NULL;
}

static void
test_threads(void **state)
{
    (void)state;
    KArena *q = k_arena_create(NULL, "shared query");
    pthread_t th[4];
    ThreadArg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (ThreadArg){q, i + 1, 0};
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(k_arena_used(q), 0);
    assert_true(k_arena_peak(q) > 0);

    /* children left alive by threads are freed with the parent */
    KArena *kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = k_arena_create(q, "kid");
        assert_non_null(k_alloc(kids[i], 1000));
    }
    k_arena_destroy(q);
}

typedef struct LimitArg {
    KArena *parent;
    size_t got;
} LimitArg;

static void *
limit_thread(void *p)
{
    LimitArg *t = p;
    KArena *c = k_arena_create(t->parent, "per-thread");
    if (!c) return NULL;
    /* bounded loop: a broken limit fails the test instead of eating memory */
    for (int i = 0; i < 2000; i++) {
        if (!k_alloc(c, 4000)) break;
        t->got += 4000;
        if (k_arena_used(t->parent) > k_arena_limit(t->parent)) t->got = SIZE_MAX / 2;
    }
    /* leave the child alive: the parent frees it */
    return NULL;
}

static void
test_threads_share_limit(void **state)
{
    (void)state;
    KArena *q = k_arena_create(NULL, "limited query");
    k_arena_set_limit(q, 1 << 20);
    pthread_t th[4];
    LimitArg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (LimitArg){q, 0};
        assert_int_equal(pthread_create(&th[i], NULL, limit_thread, &args[i]), 0);
    }
    size_t total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_true(args[i].got < SIZE_MAX / 2); /* nobody saw the limit crossed */
        total += args[i].got;
    }
    /* together they filled most of the budget and never more than it */
    assert_true(total > (1 << 20) / 2);
    assert_true(total <= (1 << 20));
    assert_true(k_arena_used(q) <= (1 << 20));
    assert_true(k_arena_peak(q) <= (1 << 20));
    k_arena_destroy(q);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_alignment),
        cmocka_unit_test(test_strings_in_arena),
        cmocka_unit_test(test_accounting_and_nested_destroy),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_big_free_realloc),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_threads_share_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
