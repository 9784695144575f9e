/*
 * test_buf.c — unit tests for common/buf.c: fixed-width little- and
 * big-endian encoders, LEB128 varints and zigzag svarints, strings, printf,
 * growth, and the bounds-checked reader's sticky failure.
 */
#include "test_util.h"

static void
test_fixed_layout(void **state)
{
    (void)state;
    KBuf b;
    k_buf_init(&b);
    k_buf_put_u8(&b, 0xab);
    k_buf_put_u16(&b, 0x1234);
    k_buf_put_u32(&b, 0x89abcdef);
    k_buf_put_u64(&b, 0x0102030405060708ull);
    k_buf_put_u16be(&b, 0x1234);
    k_buf_put_u32be(&b, 0x89abcdef);
    const uint8_t want[] = {0xab, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x89, 0x08, 0x07, 0x06, 0x05,
                            0x04, 0x03, 0x02, 0x01, 0x12, 0x34, 0x89, 0xab, 0xcd, 0xef};
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    assert_false(b.failed);

    KReader r;
    k_reader_init(&r, b.data, b.len);
    assert_int_equal(k_get_u8(&r), 0xab);
    assert_int_equal(k_get_u16(&r), 0x1234);
    assert_int_equal(k_get_u32(&r), 0x89abcdef);
    assert_true(k_get_u64(&r) == 0x0102030405060708ull);
    assert_int_equal(k_get_u16be(&r), 0x1234);
    assert_int_equal(k_get_u32be(&r), 0x89abcdef);
    assert_int_equal(k_reader_left(&r), 0);
    assert_false(r.failed);
    k_buf_free(&b);
    assert_null(b.data);
}

static void
test_varints(void **state)
{
    (void)state;
    KBuf b;
    k_buf_init(&b);
    const uint64_t us[] = {0,
                           1,
                           127,
                           128,
                           255,
                           300,
                           16383,
                           16384,
                           (1ull << 32) - 1,
                           1ull << 32,
                           (1ull << 56) + 5,
                           UINT64_MAX - 1,
                           UINT64_MAX};
    const int64_t ss[] = {0,   1,         -1,        63,        -64,       64,
                          -65, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < K_ARRAY_LEN(us); i++) k_buf_put_varint(&b, us[i]);
    for (size_t i = 0; i < K_ARRAY_LEN(ss); i++) k_buf_put_svarint(&b, ss[i]);
    KReader r;
    k_reader_init(&r, b.data, b.len);
    for (size_t i = 0; i < K_ARRAY_LEN(us); i++) assert_true(k_get_varint(&r) == us[i]);
    for (size_t i = 0; i < K_ARRAY_LEN(ss); i++) assert_true(k_get_svarint(&r) == ss[i]);
    assert_false(r.failed);
    assert_int_equal(k_reader_left(&r), 0);

    /* exact encodings */
    k_buf_clear(&b);
    k_buf_put_varint(&b, 300);
    assert_int_equal(b.len, 2);
    assert_int_equal(b.data[0], 0xac);
    assert_int_equal(b.data[1], 0x02);
    k_buf_clear(&b);
    k_buf_put_varint(&b, UINT64_MAX);
    assert_int_equal(b.len, 10);
    k_buf_clear(&b);
    k_buf_put_svarint(&b, -1);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], 1); /* zigzag: -1 -> 1 */
    k_buf_clear(&b);
    k_buf_put_svarint(&b, 1);
    assert_int_equal(b.data[0], 2);

    /* a pseudo-random sweep */
    k_buf_clear(&b);
    uint64_t x = 1;
    for (int i = 0; i < 5000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t v = x >> (i % 64);
        k_buf_put_varint(&b, v);
        k_buf_put_svarint(&b, (int64_t)v);
        k_buf_put_svarint(&b, -(int64_t)(v >> 1));
    }
    k_reader_init(&r, b.data, b.len);
    x = 1;
    for (int i = 0; i < 5000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t v = x >> (i % 64);
        assert_true(k_get_varint(&r) == v);
        assert_true(k_get_svarint(&r) == (int64_t)v);
        assert_true(k_get_svarint(&r) == -(int64_t)(v >> 1));
    }
    assert_false(r.failed);
    k_buf_free(&b);
}

static void
test_reader_failures(void **state)
{
    (void)state;
    const uint8_t data[] = {1, 2, 3};
    KReader r;
    k_reader_init(&r, data, sizeof data);
    assert_int_equal(k_get_u16(&r), 0x0201);
    assert_int_equal(k_get_u32(&r), 0); /* only one byte left */
    assert_true(r.failed);
    /* sticky: even a read that would fit now fails */
    assert_int_equal(k_get_u8(&r), 0);
    assert_true(r.failed);

    k_reader_init(&r, data, sizeof data);
    assert_null(k_get_bytes(&r, 4));
    assert_true(r.failed);
    k_reader_init(&r, data, sizeof data);
    assert_ptr_equal(k_get_bytes(&r, 3), data);
    assert_true(k_get_u64(&r) == 0);
    assert_true(r.failed);

    /* an unterminated varint */
    const uint8_t unterminated[] = {0x80, 0x80, 0x80};
    k_reader_init(&r, unterminated, sizeof unterminated);
    assert_true(k_get_varint(&r) == 0);
    assert_true(r.failed);
    /* a varint longer than 10 bytes */
    const uint8_t toolong[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    k_reader_init(&r, toolong, sizeof toolong);
    k_get_varint(&r);
    assert_true(r.failed);
    /* a 10-byte varint whose last byte carries bits past 64 */
    const uint8_t overflow[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    k_reader_init(&r, overflow, sizeof overflow);
    k_get_varint(&r);
    assert_true(r.failed);

    /* an empty reader, even over NULL */
    k_reader_init(&r, NULL, 0);
    assert_int_equal(k_reader_left(&r), 0);
    assert_int_equal(k_get_u8(&r), 0);
    assert_true(r.failed);
    size_t len = 99;
    k_reader_init(&r, NULL, 0);
    assert_null(k_get_str(&r, &len));
    assert_int_equal(len, 0);
    assert_true(r.failed);
}

static void
test_json_str(void **state)
{
    (void)state;
    KBuf b;
    k_buf_init(&b);
    k_buf_put_json_str(&b, "a\"b\\c\nd");
    k_buf_put_json_str(&b, NULL);
    assert_int_equal(b.len, strlen("\"a\\\"b\\\\c\\u000ad\"\"\""));
    assert_memory_equal(b.data, "\"a\\\"b\\\\c\\u000ad\"\"\"", b.len);
    k_buf_free(&b);
}

static void
test_strings_and_printf(void **state)
{
    (void)state;
    KBuf b;
    k_buf_init(&b);
    k_buf_put_str(&b, "hello", 5);
    k_buf_put_str(&b, "", 0);
    k_buf_printf(&b, "%d-%s", 42, "x");
    KReader r;
    k_reader_init(&r, b.data, b.len);
    size_t n;
    const char *s = k_get_str(&r, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(s, "hello", 5);
    s = k_get_str(&r, &n);
    assert_int_equal(n, 0);
    assert_false(r.failed);
    assert_int_equal(k_reader_left(&r), 4);
    assert_memory_equal(r.p, "42-x", 4);

    /* a length prefix larger than what is left fails without reading */
    k_buf_clear(&b);
    k_buf_put_varint(&b, 1000);
    k_buf_put(&b, "abc", 3);
    k_reader_init(&r, b.data, b.len);
    assert_null(k_get_str(&r, &n));
    assert_int_equal(n, 0);
    assert_true(r.failed);
    k_buf_clear(&b);
    k_buf_put_varint(&b, UINT64_MAX);
    k_reader_init(&r, b.data, b.len);
    assert_null(k_get_str(&r, &n));
    assert_true(r.failed);

    /* growth over many appends keeps every byte */
    k_buf_clear(&b);
    for (int i = 0; i < 100000; i++) k_buf_put_u32(&b, (uint32_t)i);
    assert_int_equal(b.len, 400000);
    assert_true(b.cap >= b.len);
    k_reader_init(&r, b.data, b.len);
    for (int i = 0; i < 100000; i++) assert_int_equal(k_get_u32(&r), (uint32_t)i);
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    k_buf_clear(&b);
    k_buf_printf(&b, "[%s]", big);
    assert_int_equal(b.len, sizeof big + 1);
    assert_int_equal(b.data[b.len - 1], ']');
    /* an impossible reservation sets the sticky flag; clear resets it */
    assert_false(k_buf_reserve(&b, SIZE_MAX - 10));
    assert_true(b.failed);
    k_buf_put_u8(&b, 1);
    assert_int_equal(b.len, sizeof big + 1);
    k_buf_clear(&b);
    assert_false(b.failed);
    assert_int_equal(b.len, 0);
    k_buf_put_u8(&b, 1);
    assert_int_equal(b.len, 1);
    k_buf_free(&b);
    k_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_layout),
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_reader_failures),
        cmocka_unit_test(test_strings_and_printf),
        cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
