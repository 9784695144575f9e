/*
 * test_pgwire_codec.c — unit tests for net/pgwire_codec.c: message framing,
 * ErrorResponse fields and character positions, RowDescription/DataRow,
 * text and binary value encoding (numeric base 10000, dates and timestamps
 * from 2000-01-01, bpchar padding) and binary parameters decoded to text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "net/pgwire_int.h"

static uint32_t
be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint16_t
be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static void
test_msg_framing(void **state)
{
    (void)state;
    KBuf b;
    k_buf_init(&b);
    net__put_ready(&b, 'T');
    net__put_command_complete(&b, "SELECT 3");
    assert_false(b.failed);
    /* Z len=5 'T' */
    assert_int_equal(b.data[0], 'Z');
    assert_int_equal(be32(b.data + 1), 5);
    assert_int_equal(b.data[5], 'T');
    /* C len=4+9 "SELECT 3\0" */
    assert_int_equal(b.data[6], 'C');
    assert_int_equal(be32(b.data + 7), 13);
    assert_string_equal((const char *)b.data + 11, "SELECT 3");
    assert_int_equal(b.len, 6 + 1 + 13);
    k_buf_free(&b);
}

static void
test_reader_cstr_bounds(void **state)
{
    (void)state;
    KReader r;
    const char ok[] = "abc\0de";
    k_reader_init(&r, ok, sizeof ok - 1); /* "abc\0de" without final NUL */
    assert_string_equal(net__get_cstr(&r), "abc");
    assert_null(net__get_cstr(&r)); /* "de" is not terminated inside the body */
    assert_true(r.failed);
    uint8_t two[2] = {0x12, 0x34};
    k_reader_init(&r, two, 2);
    assert_int_equal(net__get_i16(&r), 0x1234);
    assert_int_equal(net__get_i32(&r), 0);
    assert_true(r.failed);
}

static void
test_char_position(void **state)
{
    (void)state;
    const char *sql = "SELECT '\xc3\xa9\xc3\xa9' FROM nosuch";
    size_t len = strlen(sql);
    /* "nosuch" starts at byte 19; there are two 2-byte characters before it */
    const char *at = strstr(sql, "nosuch");
    int32_t pos = (int32_t)(at - sql);
    assert_int_equal(pos, 19);
    assert_int_equal(net__char_position(sql, len, pos), 18);
    assert_int_equal(net__char_position(sql, len, 0), 1);
    assert_int_equal(net__char_position(sql, len, -1), 0);
    assert_int_equal(net__char_position(sql, len, (int32_t)len + 5), 0);
    assert_int_equal(net__char_position(NULL, 0, 3), 0);
}

/* Find field `code` in an ErrorResponse body. */
static const char *
err_field(const KBuf *b, char code)
{
    const uint8_t *p = b->data + 5, *end = b->data + b->len;
    while (p < end && *p) {
        char c = (char)*p++;
        const char *v = (const char *)p;
        if (c == code) return v;
        p += strlen(v) + 1;
    }
    return NULL;
}

static void
test_error_response(void **state)
{
    (void)state;
    KErr e;
    k_err_clear(&e);
    k_error_at(&e, K_UNDEFINED_TABLE, 14, "relation \"%s\" does not exist", "nosuch");
    k_err_hint(&e, "Check the name.");
    KBuf b;
    k_buf_init(&b);
    const char *sql = "SELECT * FROM nosuch";
    net__put_error(&b, &e, false, sql, strlen(sql));
    assert_int_equal(b.data[0], 'E');
    assert_int_equal(be32(b.data + 1), b.len - 1);
    assert_int_equal(b.data[b.len - 1], 0);
    assert_string_equal(err_field(&b, 'S'), "ERROR");
    assert_string_equal(err_field(&b, 'V'), "ERROR");
    assert_string_equal(err_field(&b, 'C'), "42P01");
    assert_string_equal(err_field(&b, 'M'), "relation \"nosuch\" does not exist");
    assert_string_equal(err_field(&b, 'H'), "Check the name.");
    assert_string_equal(err_field(&b, 'P'), "15");
    assert_null(err_field(&b, 'D'));
    /* a notice and a FATAL keep their severity */
    k_buf_clear(&b);
    e.severity = K_SEV_FATAL;
    net__put_error(&b, &e, false, NULL, 0);
    assert_string_equal(err_field(&b, 'S'), "FATAL");
    assert_null(err_field(&b, 'P'));
    k_buf_clear(&b);
    e.severity = K_SEV_NOTICE;
    net__put_error(&b, &e, true, NULL, 0);
    assert_int_equal(b.data[0], 'N');
    assert_string_equal(err_field(&b, 'S'), "NOTICE");
    k_buf_free(&b);
}

/* Encode a numeric and compare with the expected PostgreSQL layout. */
static void
check_numeric(k_int128 v, int scale, int16_t ndigits, int16_t weight, uint16_t sign,
              const int16_t *digits)
{
    KBuf b;
    k_buf_init(&b);
    net__put_numeric_binary(&b, v, scale);
    assert_false(b.failed);
    assert_int_equal(be32(b.data), 8 + 2 * ndigits);
    assert_int_equal((int16_t)be16(b.data + 4), ndigits);
    assert_int_equal((int16_t)be16(b.data + 6), weight);
    assert_int_equal(be16(b.data + 8), sign);
    assert_int_equal((int16_t)be16(b.data + 10), scale);
    for (int i = 0; i < ndigits; i++)
        assert_int_equal((int16_t)be16(b.data + 12 + 2 * i), digits[i]);
    /* and back to text, compared with the text formatter */
    char text[128], expect[128];
    KErr err;
    int n = net__numeric_binary_to_text(b.data + 4, b.len - 4, text, sizeof text, &err);
    assert_true(n > 0);
    k_format_decimal(v, scale, expect, sizeof expect);
    assert_string_equal(text, expect);
    k_buf_free(&b);
}

static void
test_numeric_binary(void **state)
{
    (void)state;
    /* 0.00 → no digits, dscale 2 */
    check_numeric(0, 2, 0, 0, 0, NULL);
    /* 1234.56 → [1234, 5600], weight 0 */
    check_numeric(123456, 2, 2, 0, 0, (const int16_t[]){1234, 5600});
    /* -0.01 → [100], weight -1, negative */
    check_numeric(-1, 2, 1, -1, 0x4000, (const int16_t[]){100});
    /* 0.005 (scale 3) → [50], weight -1 */
    check_numeric(5, 3, 1, -1, 0, (const int16_t[]){50});
    /* 10000 → [1], weight 1 (trailing zero group stripped) */
    check_numeric(10000, 0, 1, 1, 0, (const int16_t[]){1});
    /* 12345678.9 (scale 1) → [1234, 5678, 9000], weight 1 */
    check_numeric(123456789, 1, 3, 1, 0, (const int16_t[]){1234, 5678, 9000});
    /* 0.00000001 (scale 8) → groups 0000 0001: the zero group is stripped → [1], weight -2 */
    check_numeric(1, 8, 1, -2, 0, (const int16_t[]){1});
    /* wide: 10^30 + 1 at scale 0 (31 digits) → [100, 0,0,0,0,0,0, 1], weight 7 */
    k_int128 big = k_pow10_128[30] + 1;
    check_numeric(big, 0, 8, 7, 0, (const int16_t[]){100, 0, 0, 0, 0, 0, 0, 1});
    /* most negative int64 at scale 2: -92233720368547758.08 */
    check_numeric((k_int128)INT64_MIN, 2, 6, 4, 0x4000,
                  (const int16_t[]){9, 2233, 7203, 6854, 7758, 800});
}

static void
test_numeric_binary_malformed(void **state)
{
    (void)state;
    char out[64];
    KErr err;
    uint8_t short_msg[4] = {0, 1, 0, 0};
    assert_int_equal(net__numeric_binary_to_text(short_msg, 4, out, sizeof out, &err), K_ERR);
    /* ndigits says 2 but only one digit present */
    uint8_t lie[10] = {0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(net__numeric_binary_to_text(lie, 10, out, sizeof out, &err), K_ERR);
    /* digit > 9999 */
    uint8_t big[10] = {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10};
    assert_int_equal(net__numeric_binary_to_text(big, 10, out, sizeof out, &err), K_ERR);
    /* bad sign */
    uint8_t sign[8] = {0, 0, 0, 0, 0x12, 0x34, 0, 0};
    assert_int_equal(net__numeric_binary_to_text(sign, 8, out, sizeof out, &err), K_ERR);
    /* NaN */
    uint8_t nan[8] = {0, 0, 0, 0, 0xC0, 0, 0, 0};
    assert_int_equal(net__numeric_binary_to_text(nan, 8, out, sizeof out, &err), 3);
    assert_string_equal(out, "NaN");
}

static void
test_binary_values(void **state)
{
    (void)state;
    KBuf b;
    k_buf_init(&b);
    int32_t d = k_date_from_ymd(2000, 1, 2); /* PG binary: 1 */
    net__put_value(&b, k_type(K_TYPE_DATE), &d, 1);
    assert_int_equal(be32(b.data), 4);
    assert_int_equal(be32(b.data + 4), 1);
    k_buf_clear(&b);
    int64_t ts = NET_PG_EPOCH_USECS - 1; /* 1999-12-31 23:59:59.999999 → -1 */
    net__put_value(&b, k_type(K_TYPE_TIMESTAMP), &ts, 1);
    assert_int_equal(be32(b.data), 8);
    assert_int_equal(be32(b.data + 4), 0xffffffffu);
    assert_int_equal(be32(b.data + 8), 0xffffffffu);
    k_buf_clear(&b);
    int64_t i8 = -2;
    net__put_value(&b, k_type(K_TYPE_INT64), &i8, 1);
    assert_int_equal(be32(b.data + 8), 0xfffffffeu);
    k_buf_clear(&b);
    double dv = 1.5;
    net__put_value(&b, k_type(K_TYPE_DOUBLE), &dv, 1);
    assert_int_equal(be32(b.data + 4), 0x3ff80000u);
    k_buf_clear(&b);
    uint8_t t = 1;
    net__put_value(&b, k_type(K_TYPE_BOOL), &t, 1);
    assert_int_equal(be32(b.data), 1);
    assert_int_equal(b.data[4], 1);
    k_buf_clear(&b);
    net__put_value(&b, k_type(K_TYPE_BOOL), &t, 0);
    assert_int_equal(be32(b.data), 1);
    assert_int_equal(b.data[4], 't');
    k_buf_clear(&b);
    /* text form of a date */
    net__put_value(&b, k_type(K_TYPE_DATE), &d, 0);
    assert_int_equal(be32(b.data), 10);
    assert_memory_equal(b.data + 4, "2000-01-02", 10);
    k_buf_clear(&b);
    /* bpchar pads to its declared width (in characters) */
    KStr s = k_str_ref("\xc3\xa9", 2);
    net__put_value(&b, k_type_char(3), &s, 0);
    assert_int_equal(be32(b.data), 4);
    assert_memory_equal(b.data + 4, "\xc3\xa9  ", 4);
    k_buf_clear(&b);
    /* a long string is not truncated */
    char longs[1000];
    memset(longs, 'x', sizeof longs);
    KStr ls = k_str_ref(longs, sizeof longs);
    net__put_value(&b, k_type_varchar(0), &ls, 1);
    assert_int_equal(be32(b.data), 1000);
    assert_int_equal(b.len, 1004);
    k_buf_free(&b);
}

static void
test_row_description_and_data_rows(void **state)
{
    (void)state;
    KErr err;
    KArena *a = k_arena_create(NULL, "test");
    KType types[2] = {k_type(K_TYPE_INT32), k_type_decimal(15, 2)};
    KBatch *batch = k_batch_create(a, 2, types, &err);
    assert_non_null(batch);
    assert_int_equal(k_vector_ensure_validity(&batch->cols[0], a, &err), K_OK);
    for (int i = 0; i < 3; i++) {
        ((int32_t *)batch->cols[0].data)[i] = i + 1;
        ((int64_t *)batch->cols[1].data)[i] = 150 * (i + 1);
    }
    k_vec_set_valid(&batch->cols[0], 1, false);
    batch->count = 3;
    uint16_t sel[2] = {1, 2};
    batch->sel = sel;
    batch->nsel = 2;
    NetColumn cols[2] = {{"a", types[0], 0, 0}, {"b", types[1], 0, 0}};
    KBuf b;
    k_buf_init(&b);
    int16_t fmts[2] = {0, 1};
    net__put_row_description(&b, cols, 2, fmts, 2);
    assert_int_equal(b.data[0], 'T');
    assert_int_equal(be16(b.data + 5), 2);
    /* "a\0", table oid, attnum, type oid 23, len 4, typmod -1, format 0 */
    const uint8_t *p = b.data + 7;
    assert_string_equal((const char *)p, "a");
    p += 2;
    assert_int_equal(be32(p + 6), 23);
    assert_int_equal((int16_t)be16(p + 10), 4);
    assert_int_equal(be32(p + 12), 0xffffffffu);
    p += 18;
    assert_string_equal((const char *)p, "b");
    p += 2;
    assert_int_equal(be32(p + 6), 1700);
    assert_int_equal(be32(p + 12), ((15u << 16) | 2u) + 4u);
    assert_int_equal(be16(p + 16), 1);
    size_t rd = b.len;
    net__put_data_rows(&b, batch, 0, 2, fmts, 2);
    /* row 1 (physical): a NULL, b = 3.00 binary */
    p = b.data + rd;
    assert_int_equal(p[0], 'D');
    assert_int_equal(be16(p + 5), 2);
    assert_int_equal(be32(p + 7), 0xffffffffu);
    assert_int_equal(be32(p + 11), 10); /* 8 + one digit */
    assert_int_equal(be16(p + 15), 1);  /* ndigits */
    assert_int_equal(be16(p + 23), 3);  /* digit 0003 */
    /* row 2: a = "3" text */
    p += 1 + be32(p + 1);
    assert_int_equal(p[0], 'D');
    assert_int_equal(be32(p + 7), 1);
    assert_int_equal(p[11], '3');
    k_buf_free(&b);
    k_arena_destroy(a);
}

static void
check_param(KType t, const uint8_t *p, size_t n, const char *want)
{
    char out[128];
    KErr err;
    int len = net__param_binary_to_text(t, p, n, out, sizeof out, &err);
    if (!want) {
        assert_int_equal(len, K_ERR);
        return;
    }
    assert_true(len >= 0);
    assert_string_equal(out, want);
}

static void
test_binary_params(void **state)
{
    (void)state;
    check_param(k_type(K_TYPE_INT32), (const uint8_t[]){0xff, 0xfe}, 2, "-2");
    check_param(k_type(K_TYPE_INT32), (const uint8_t[]){0, 0, 1, 0}, 4, "256");
    check_param(k_type(K_TYPE_INT64), (const uint8_t[]){0x80, 0, 0, 0, 0, 0, 0, 0}, 8,
                "-9223372036854775808");
    check_param(k_type(K_TYPE_INT32), (const uint8_t[]){1, 2, 3}, 3, NULL);
    check_param(k_type(K_TYPE_BOOL), (const uint8_t[]){1}, 1, "true");
    check_param(k_type(K_TYPE_BOOL), (const uint8_t[]){0, 0}, 2, NULL);
    check_param(k_type(K_TYPE_DOUBLE), (const uint8_t[]){0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, 8, "1.5");
    check_param(k_type(K_TYPE_DOUBLE), (const uint8_t[]){0x3f, 0xc0, 0, 0}, 4, "1.5");
    check_param(k_type(K_TYPE_DATE), (const uint8_t[]){0xff, 0xff, 0xff, 0xff}, 4, "1999-12-31");
    check_param(k_type(K_TYPE_TIMESTAMP), (const uint8_t[]){0, 0, 0, 0, 0, 0x0f, 0x42, 0x40}, 8,
                "2000-01-01 00:00:01");
    check_param(k_type_decimal(38, 0),
                (const uint8_t[]){0, 2, 0, 0, 0x40, 0, 0, 4, 0, 12, 0x0d, 0x80}, 12, "-12.3456");
    check_param(k_type_varchar(0), (const uint8_t *)"h\xc3\xa9", 3, "h\xc3\xa9");
}

static void
test_oid_mapping(void **state)
{
    (void)state;
    assert_int_equal(net__type_from_oid(NET_OID_INT2).id, K_TYPE_INT32);
    assert_int_equal(net__type_from_oid(NET_OID_INT8).id, K_TYPE_INT64);
    assert_int_equal(net__type_from_oid(NET_OID_NUMERIC).id, K_TYPE_DECIMAL);
    assert_int_equal(net__type_from_oid(NET_OID_TIMESTAMPTZ).id, K_TYPE_TIMESTAMP);
    assert_int_equal(net__type_from_oid(0).id, K_TYPE_UNKNOWN);
    assert_int_equal(net__type_from_oid(99999).id, K_TYPE_UNKNOWN);
    assert_int_equal(net__type_len(k_type(K_TYPE_INT64)), 8);
    assert_int_equal(net__type_len(k_type_varchar(10)), -1);
    assert_int_equal(net__type_mod(k_type_varchar(10)), 14);
    assert_int_equal(net__type_mod(k_type(K_TYPE_INT32)), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg_framing),    cmocka_unit_test(test_reader_cstr_bounds),
        cmocka_unit_test(test_char_position),  cmocka_unit_test(test_error_response),
        cmocka_unit_test(test_numeric_binary), cmocka_unit_test(test_numeric_binary_malformed),
        cmocka_unit_test(test_binary_values),  cmocka_unit_test(test_row_description_and_data_rows),
        cmocka_unit_test(test_binary_params),  cmocka_unit_test(test_oid_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
