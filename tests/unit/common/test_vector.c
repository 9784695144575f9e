/*
 * test_vector.c — unit tests for common/vector.c: vector allocation and
 * alignment, validity bitmaps, constant vectors, batch create / reset /
 * destroy, selection vectors and the per-batch string heap.
 */
#include "test_util.h"

static void
test_vector_basics(void **state)
{
    (void)state;
    KErr err;
    KArena *a = k_arena_create(NULL, "vec");
    KType types[] = {k_type(K_TYPE_BOOL),   k_type(K_TYPE_INT32),  k_type(K_TYPE_INT64),
                     k_type_decimal(15, 2), k_type_decimal(38, 2), k_type(K_TYPE_DOUBLE),
                     k_type(K_TYPE_DATE),   k_type_varchar(0),     k_type(K_TYPE_INTERVAL)};
    for (size_t i = 0; i < K_ARRAY_LEN(types); i++) {
        KVector v;
        CHECK_OK(k_vector_init(&v, types[i], a, &err));
        assert_int_equal((uintptr_t)v.data % 64, 0);
        assert_null(v.validity);
        assert_true(k_type_equal(v.type, types[i]));
        /* the whole 2048-value array is writable */
        memset(v.data, 0x5a, K_VECTOR_SIZE * k_type_width(types[i]));
        for (uint32_t r = 0; r < K_VECTOR_SIZE; r++) assert_true(k_vec_is_valid(&v, r));
        assert_ptr_equal(k_vec_slot(&v, 10), (char *)v.data + 10 * k_type_width(types[i]));
    }

    KVector v;
    CHECK_OK(k_vector_init(&v, k_type(K_TYPE_INT64), a, &err));
    CHECK_OK(k_vector_ensure_validity(&v, a, &err));
    assert_non_null(v.validity);
    assert_int_equal((uintptr_t)v.validity % 64, 0);
    uint64_t *validity = v.validity;
    CHECK_OK(k_vector_ensure_validity(&v, a, &err)); /* idempotent */
    assert_ptr_equal(v.validity, validity);
    for (uint32_t r = 0; r < K_VECTOR_SIZE; r++) assert_true(k_vec_is_valid(&v, r));
    /* set NULLs at word borders */
    uint32_t nulls[] = {0, 63, 64, 65, 127, 128, 1000, 2047};
    for (size_t i = 0; i < K_ARRAY_LEN(nulls); i++) k_vec_set_valid(&v, nulls[i], false);
    uint32_t count = 0;
    for (uint32_t r = 0; r < K_VECTOR_SIZE; r++) count += !k_vec_is_valid(&v, r);
    assert_int_equal(count, K_ARRAY_LEN(nulls));
    for (size_t i = 0; i < K_ARRAY_LEN(nulls); i++) assert_false(k_vec_is_valid(&v, nulls[i]));
    k_vec_set_valid(&v, 64, true);
    assert_true(k_vec_is_valid(&v, 64));
    assert_false(k_vec_is_valid(&v, 63));
    assert_false(k_vec_is_valid(&v, 65));

    /* a constant vector: slot 0 and validity bit 0 stand for every row */
    int64_t *d = v.data;
    d[0] = 42;
    d[5] = 7;
    v.flags |= K_VEC_CONST;
    assert_int_equal(*(int64_t *)k_vec_slot(&v, 5), 42);
    assert_int_equal(*(int64_t *)k_vec_slot(&v, 2047), 42);
    assert_false(k_vec_is_valid(&v, 1234)); /* row 0 is NULL */
    k_vec_set_valid(&v, 0, true);
    assert_true(k_vec_is_valid(&v, 63));

    /* out of memory is reported, not crashed on */
    KArena *tiny = k_arena_create(NULL, "tiny");
    k_arena_set_limit(tiny, 1000);
    CHECK_ERR(k_vector_init(&v, k_type(K_TYPE_INT64), tiny, &err), "53200");
    k_arena_destroy(tiny);
    k_arena_destroy(a);
}

static void
test_batch(void **state)
{
    (void)state;
    KErr err;
    KArena *q = k_arena_create(NULL, "query");
    KType types[] = {k_type(K_TYPE_INT32), k_type_varchar(0), k_type(K_TYPE_DOUBLE)};
    KBatch *b = k_batch_create(q, 3, types, &err);
    assert_non_null(b);
    assert_int_equal(b->ncols, 3);
    assert_int_equal(b->count, 0);
    assert_null(b->sel);
    assert_non_null(b->heap);
    assert_true(k_arena_used(q) >= 2048 * (4 + 16 + 8));
    for (uint32_t c = 0; c < 3; c++) {
        assert_true(k_type_equal(b->cols[c].type, types[c]));
        assert_int_equal((uintptr_t)b->cols[c].data % 64, 0);
    }
    /* fill: ints, long strings in the heap, doubles */
    int32_t *ints = b->cols[0].data;
    KStr *strs = b->cols[1].data;
    double *dbl = b->cols[2].data;
    char tmp[64];
    for (uint32_t r = 0; r < K_VECTOR_SIZE; r++) {
        ints[r] = (int32_t)r;
        int n = snprintf(tmp, sizeof tmp, "customer name number %u", r);
        assert_true(k_str_copy(b->heap, tmp, (uint32_t)n, &strs[r]));
        dbl[r] = r * 0.5;
    }
    b->count = K_VECTOR_SIZE;
    assert_int_equal(k_batch_rows(b), K_VECTOR_SIZE);
    assert_int_equal(k_batch_row(b, 17), 17);
    size_t heap_used = k_arena_used(b->heap);
    assert_true(heap_used > 2048 * 20);

    /* a selection picks live rows without copying */
    uint16_t *sel = k_alloc(b->arena, K_VECTOR_SIZE * sizeof(uint16_t));
    assert_non_null(sel);
    uint32_t ns = 0;
    for (uint32_t r = 0; r < b->count; r++)
        if (ints[r] % 3 == 0) sel[ns++] = (uint16_t)r;
    b->sel = sel;
    b->nsel = ns;
    assert_int_equal(k_batch_rows(b), 683);
    for (uint32_t i = 0; i < k_batch_rows(b); i++) {
        uint32_t r = k_batch_row(b, i);
        assert_int_equal(ints[r] % 3, 0);
        assert_int_equal(ints[r], (int32_t)(3 * i));
    }
    snprintf(tmp, sizeof tmp, "customer name number %u", 2046);
    KStr want = k_str_ref(tmp, (uint32_t)strlen(tmp));
    assert_true(k_str_eq(&strs[k_batch_row(b, 682)], &want));

    /* reset: no rows, no selection, all valid again, heap emptied */
    assert_int_equal(k_vector_ensure_validity(&b->cols[0], b->arena, &err), K_OK);
    k_vec_set_valid(&b->cols[0], 5, false);
    b->cols[2].flags |= K_VEC_CONST;
    size_t before = k_arena_used(q);
    k_batch_reset(b);
    assert_int_equal(b->count, 0);
    assert_null(b->sel);
    assert_int_equal(b->nsel, 0);
    assert_true(k_vec_is_valid(&b->cols[0], 5));
    assert_int_equal(b->cols[2].flags & K_VEC_CONST, 0);
    assert_int_equal(k_arena_used(b->heap), 0);
    assert_int_equal(k_arena_used(q), before - heap_used);
    /* the vectors survive the reset */
    ints[0] = 99;
    assert_int_equal(((int32_t *)b->cols[0].data)[0], 99);

    k_batch_destroy(b);
    assert_int_equal(k_arena_used(q), 0);
    k_batch_destroy(NULL);

    /* zero columns is a valid (row-count only) batch */
    KBatch *e = k_batch_create(q, 0, NULL, &err);
    assert_non_null(e);
    e->count = 10;
    assert_int_equal(k_batch_rows(e), 10);
    k_batch_reset(e);

    /* a batch that does not fit the memory limit fails cleanly */
    KArena *tiny = k_arena_create(q, "tiny");
    k_arena_set_limit(tiny, 20000);
    k_err_clear(&err);
    assert_null(k_batch_create(tiny, 3, types, &err));
    assert_string_equal(k_sqlstate_code(err.code), "53200");
    assert_int_equal(k_arena_used(tiny), 0);
    /* destroying the parent frees batches left alive */
    assert_non_null(k_batch_create(q, 3, types, &err));
    k_arena_destroy(q);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_basics),
        cmocka_unit_test(test_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
