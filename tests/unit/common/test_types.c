/*
 * test_types.c — unit tests for common/types.c: type names, widths and
 * OIDs; 16-byte strings at the 12-byte inline boundary; the text forms of
 * booleans, integers and doubles; the generic value parse/format.
 */
#include "test_util.h"

#include <float.h>
#include <math.h>

static void
test_type_names(void **state)
{
    (void)state;
    KErr err;
    char buf[64];
    assert_string_equal(k_type_name(k_type(K_TYPE_INT32), buf, sizeof buf), "integer");
    assert_string_equal(k_type_name(k_type(K_TYPE_INT64), buf, sizeof buf), "bigint");
    assert_string_equal(k_type_name(k_type(K_TYPE_BOOL), buf, sizeof buf), "boolean");
    assert_string_equal(k_type_name(k_type_decimal(15, 2), buf, sizeof buf), "numeric(15,2)");
    assert_string_equal(k_type_name(k_type(K_TYPE_DOUBLE), buf, sizeof buf), "double precision");
    assert_string_equal(k_type_name(k_type(K_TYPE_DATE), buf, sizeof buf), "date");
    assert_string_equal(k_type_name(k_type_varchar(25), buf, sizeof buf), "character varying(25)");
    assert_string_equal(k_type_name(k_type_varchar(0), buf, sizeof buf), "text");
    assert_string_equal(k_type_name(k_type_char(10), buf, sizeof buf), "character(10)");
    assert_string_equal(k_type_name(k_type(K_TYPE_TIMESTAMP), buf, sizeof buf),
                        "timestamp without time zone");
    assert_string_equal(k_type_name(k_type(K_TYPE_INTERVAL), buf, sizeof buf), "interval");

    KType t;
    CHECK_OK(k_type_from_name("INT", 0, 0, &t, &err));
    assert_int_equal(t.id, K_TYPE_INT32);
    CHECK_OK(k_type_from_name("smallint", 0, 0, &t, &err));
    assert_int_equal(t.id, K_TYPE_INT32); /* SMALLINT widens to INTEGER */
    CHECK_OK(k_type_from_name("real", 0, 0, &t, &err));
    assert_int_equal(t.id, K_TYPE_DOUBLE); /* REAL widens to DOUBLE */
    CHECK_OK(k_type_from_name("decimal", 15, 2, &t, &err));
    assert_true(k_type_equal(t, k_type_decimal(15, 2)));
    CHECK_OK(k_type_from_name("numeric", 38, 10, &t, &err));
    assert_true(k_type_is_wide_decimal(t));
    CHECK_OK(k_type_from_name("numeric", 10, 0, &t, &err));
    assert_true(k_type_equal(t, k_type_decimal(10, 0)));
    CHECK_OK(k_type_from_name("numeric", 0, 0, &t, &err));
    assert_true(k_type_equal(t, k_type_decimal(18, 3))); /* unconstrained NUMERIC */
    CHECK_ERR(k_type_from_name("numeric", 39, 0, &t, &err), "22023");
    CHECK_ERR(k_type_from_name("numeric", 5, 6, &t, &err), "22023");
    CHECK_OK(k_type_from_name("varchar", 25, 0, &t, &err));
    assert_true(k_type_equal(t, k_type_varchar(25)));
    /* a negative modifier means "none given" (the binder passes -1) */
    CHECK_OK(k_type_from_name("text", -1, -1, &t, &err));
    assert_true(k_type_equal(t, k_type_varchar(0)));
    CHECK_OK(k_type_from_name("varchar", -1, -1, &t, &err));
    assert_true(k_type_equal(t, k_type_varchar(0)));
    CHECK_OK(k_type_from_name("char", -1, -1, &t, &err));
    assert_true(k_type_equal(t, k_type_char(1)));
    CHECK_OK(k_type_from_name("Character", 10, 0, &t, &err));
    assert_true(k_type_equal(t, k_type_char(10)));
    CHECK_ERR(k_type_from_name("varchar", 0, -1, &t, &err), "22023"); /* varchar(0) */
    CHECK_ERR(k_type_from_name("blob", 0, 0, &t, &err), "42704");
    assert_string_equal(err.message, "type \"blob\" does not exist");

    assert_int_equal(k_type_width(k_type(K_TYPE_BOOL)), 1);
    assert_int_equal(k_type_width(k_type(K_TYPE_INT32)), 4);
    assert_int_equal(k_type_width(k_type(K_TYPE_DATE)), 4);
    assert_int_equal(k_type_width(k_type(K_TYPE_INT64)), 8);
    assert_int_equal(k_type_width(k_type(K_TYPE_TIMESTAMP)), 8);
    assert_int_equal(k_type_width(k_type_decimal(18, 2)), 8);
    assert_int_equal(k_type_width(k_type_decimal(19, 2)), 16);
    assert_int_equal(k_type_width(k_type_varchar(3)), 16);
    assert_int_equal(k_type_width(k_type(K_TYPE_INTERVAL)), 16);
    assert_int_equal(sizeof(KStr), 16);

    assert_int_equal(k_type_pg_oid(k_type(K_TYPE_INT32)), 23);
    assert_int_equal(k_type_pg_oid(k_type(K_TYPE_INT64)), 20);
    assert_int_equal(k_type_pg_oid(k_type(K_TYPE_BOOL)), 16);
    assert_int_equal(k_type_pg_oid(k_type_decimal(15, 2)), 1700);
    assert_int_equal(k_type_pg_oid(k_type(K_TYPE_DOUBLE)), 701);
    assert_int_equal(k_type_pg_oid(k_type(K_TYPE_DATE)), 1082);
    assert_int_equal(k_type_pg_oid(k_type(K_TYPE_TIMESTAMP)), 1114);
    assert_int_equal(k_type_pg_oid(k_type(K_TYPE_INTERVAL)), 1186);
    assert_int_equal(k_type_pg_oid(k_type_varchar(10)), 1043);
    assert_int_equal(k_type_pg_oid(k_type_varchar(0)), 25);
    assert_int_equal(k_type_pg_oid(k_type_char(1)), 1042);
}

static void
test_strings(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "str");
    const char *text = "abcdefghijklmnopqrstuvwxyz";
    /* 12 bytes inline, 13 through a pointer */
    KStr s12 = k_str_ref(text, 12);
    KStr s13 = k_str_ref(text, 13);
    assert_int_equal(s12.len, 12);
    assert_true(k_str_data(&s12) == s12.u.inl);
    assert_memory_equal(k_str_data(&s12), "abcdefghijkl", 12);
    assert_true(k_str_data(&s13) == text);
    assert_memory_equal(s13.u.p.prefix, "abcd", 4);

    KStr c12, c13, c0;
    assert_true(k_str_copy(a, text, 12, &c12));
    assert_true(k_str_copy(a, text, 13, &c13));
    assert_true(k_str_copy(a, "", 0, &c0));
    assert_true(k_str_data(&c13) != text); /* copied into the arena */
    assert_memory_equal(k_str_data(&c13), text, 13);
    assert_true(k_str_eq(&c12, &s12));
    assert_true(k_str_eq(&c13, &s13));
    assert_false(k_str_eq(&c12, &c13));
    assert_int_equal(c0.len, 0);

    /* equality ignores whatever sits past len */
    KStr x, y;
    memset(&x, 0x55, sizeof x);
    memset(&y, 0x66, sizeof y);
    x.len = y.len = 3;
    memcpy(x.u.inl, "abc", 3);
    memcpy(y.u.inl, "abc", 3);
    assert_true(k_str_eq(&x, &y));
    assert_int_equal(k_str_cmp(&x, &y), 0);

    /* ordering: prefix-equal strings, the inline/pointer border, bytes > 127 */
    const char *ordered[] = {
        "",
        "a",
        "ab",
        "abc",
        "abcd",
        "abcd\x01",
        "abcde",
        "abcdefghijk",
        "abcdefghijkl",  /* 12: inline */
        "abcdefghijkl0", /* 13: pointer, prefix-equal to the one before */
        "abcdefghijklm",
        "abcdefghijklmnopqrstuvwxyz",
        "abcdefghijkm",
        "abce",
        "b",
        "\x7f",
        "\x80",
        "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
    };
    size_t n = K_ARRAY_LEN(ordered);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            KStr si, sj;
            assert_true(k_str_copy(a, ordered[i], (uint32_t)strlen(ordered[i]), &si));
            assert_true(k_str_copy(a, ordered[j], (uint32_t)strlen(ordered[j]), &sj));
            int c = k_str_cmp(&si, &sj);
            int want = i < j ? -1 : i > j;
            if ((c < 0 ? -1 : c > 0) != want)
                fail_msg("k_str_cmp(\"%s\", \"%s\") = %d", ordered[i], ordered[j], c);
            assert_int_equal(k_str_eq(&si, &sj), i == j);
        }
    }
    /* 13+ byte strings that differ only after the prefix */
    KStr p1 = k_str_ref("abcdXXXXXXXXXXXX1", 17), p2 = k_str_ref("abcdXXXXXXXXXXXX2", 17);
    assert_false(k_str_eq(&p1, &p2));
    assert_true(k_str_cmp(&p1, &p2) < 0);
    assert_true(k_str_cmp(&p2, &p1) > 0);

    /* a failing arena makes k_str_copy report false for long strings only */
    KArena *tiny = k_arena_create(NULL, "tiny");
    k_arena_set_limit(tiny, 1);
    KStr t;
    assert_true(k_str_copy(tiny, "short", 5, &t));
    assert_false(k_str_copy(tiny, text, 20, &t));
    k_arena_destroy(tiny);
    k_arena_destroy(a);
}

static void
test_bool(void **state)
{
    (void)state;
    KErr err;
    bool b;
    const char *yes[] = {"t", "true", "TRUE", "True", "y",  "yes", "on",
                         "1", " t ",  "tr",   "tru",  "ye", "ON"};
    const char *no[] = {"f", "false", "FALSE", "n", "no", "off", "0", "  false\n", "fa", "of"};
    const char *bad[] = {"", " ", "o", "2", "truex", "yess", "nope", "tt", "-1", "abc", "11"};
    for (size_t i = 0; i < K_ARRAY_LEN(yes); i++) {
        b = false;
        CHECK_OK(k_parse_bool(yes[i], strlen(yes[i]), &b, &err));
        if (!b) fail_msg("\"%s\" should be true", yes[i]);
    }
    for (size_t i = 0; i < K_ARRAY_LEN(no); i++) {
        b = true;
        CHECK_OK(k_parse_bool(no[i], strlen(no[i]), &b, &err));
        if (b) fail_msg("\"%s\" should be false", no[i]);
    }
    for (size_t i = 0; i < K_ARRAY_LEN(bad); i++) {
        CHECK_ERR(k_parse_bool(bad[i], strlen(bad[i]), &b, &err), "22P02");
    }
    CHECK_ERR(k_parse_bool(S("maybe"), &b, &err), "22P02");
    assert_string_equal(err.message, "invalid input syntax for type boolean: \"maybe\"");
    /* the slice is honoured: no NUL needed */
    CHECK_OK(k_parse_bool("falsetto", 5, &b, &err));
    assert_false(b);

    char buf[8];
    uint8_t v = 1;
    assert_int_equal(k_value_format(k_type(K_TYPE_BOOL), &v, buf, sizeof buf), 1);
    assert_string_equal(buf, "t");
    v = 0;
    k_value_format(k_type(K_TYPE_BOOL), &v, buf, sizeof buf);
    assert_string_equal(buf, "f");
}

static void
test_int32(void **state)
{
    (void)state;
    KErr err;
    int32_t v;
    CHECK_OK(k_parse_int32(S("0"), &v, &err));
    assert_int_equal(v, 0);
    CHECK_OK(k_parse_int32(S("2147483647"), &v, &err));
    assert_int_equal(v, INT32_MAX);
    CHECK_OK(k_parse_int32(S("-2147483648"), &v, &err));
    assert_int_equal(v, INT32_MIN);
    CHECK_OK(k_parse_int32(S("  +42 \t\n"), &v, &err));
    assert_int_equal(v, 42);
    CHECK_OK(k_parse_int32(S("-0"), &v, &err));
    assert_int_equal(v, 0);
    CHECK_OK(k_parse_int32(S("000000000000000000000000000017"), &v, &err));
    assert_int_equal(v, 17);
    CHECK_ERR(k_parse_int32(S("2147483648"), &v, &err), "22003");
    assert_string_equal(err.message, "value \"2147483648\" is out of range for type integer");
    CHECK_ERR(k_parse_int32(S("-2147483649"), &v, &err), "22003");
    CHECK_ERR(k_parse_int32(S("99999999999999999999999"), &v, &err), "22003");
    CHECK_ERR(k_parse_int32(S("abc"), &v, &err), "22P02");
    assert_string_equal(err.message, "invalid input syntax for type integer: \"abc\"");
    const char *bad[] = {"",    "   ", "+",   "-",    "1.5", "1e3", "12a", "a12",
                         "1 2", "--1", "+-1", "0x10", "1_",  "_1",  "1__0"};
    for (size_t i = 0; i < K_ARRAY_LEN(bad); i++)
        CHECK_ERR(k_parse_int32(bad[i], strlen(bad[i]), &v, &err), "22P02");
    /* slices: only the first n bytes count */
    CHECK_OK(k_parse_int32("123456", 3, &v, &err));
    assert_int_equal(v, 123);
}

static void
test_int64(void **state)
{
    (void)state;
    KErr err;
    int64_t v;
    CHECK_OK(k_parse_int64(S("9223372036854775807"), &v, &err));
    assert_true(v == INT64_MAX);
    CHECK_OK(k_parse_int64(S("-9223372036854775808"), &v, &err));
    assert_true(v == INT64_MIN);
    CHECK_OK(k_parse_int64(S(" 2147483648 "), &v, &err));
    assert_true(v == INT64_C(2147483648));
    CHECK_ERR(k_parse_int64(S("9223372036854775808"), &v, &err), "22003");
    assert_string_equal(err.message,
                        "value \"9223372036854775808\" is out of range for type bigint");
    CHECK_ERR(k_parse_int64(S("-9223372036854775809"), &v, &err), "22003");
    CHECK_ERR(k_parse_int64(S("18446744073709551616"), &v, &err), "22003");
    CHECK_ERR(k_parse_int64(S("184467440737095516160000"), &v, &err), "22003");
    CHECK_ERR(k_parse_int64(S("abc"), &v, &err), "22P02");
    CHECK_ERR(k_parse_int64(S("12 34"), &v, &err), "22P02");

    char buf[32];
    struct {
        int64_t v;
        const char *s;
    } cases[] = {{0, "0"},
                 {7, "7"},
                 {-7, "-7"},
                 {1000000, "1000000"},
                 {INT64_MAX, "9223372036854775807"},
                 {INT64_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < K_ARRAY_LEN(cases); i++) {
        int n = k_format_int64(cases[i].v, buf, sizeof buf);
        assert_string_equal(buf, cases[i].s);
        assert_int_equal(n, strlen(cases[i].s));
        int64_t back;
        CHECK_OK(k_parse_int64(buf, (size_t)n, &back, &err));
        assert_true(back == cases[i].v);
    }
    /* truncation behaves like snprintf */
    assert_int_equal(k_format_int64(-12345, buf, 4), 6);
    assert_string_equal(buf, "-12");
    assert_int_equal(k_format_int64(12345, NULL, 0), 5);
}

static void
check_double(double v, const char *want)
{
    char buf[64];
    int n = k_format_double(v, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("k_format_double(%.17g) = \"%s\", want \"%s\"", v, buf, want);
    assert_int_equal(n, strlen(want));
}

static void
test_double(void **state)
{
    (void)state;
    KErr err;
    /* what PostgreSQL 15 prints with the default extra_float_digits = 1 */
    check_double(0.1, "0.1");
    check_double(0.0, "0");
    check_double(-0.0, "-0");
    check_double(1.0, "1");
    check_double(-1.5, "-1.5");
    check_double(100.0, "100");
    check_double(1234567.0, "1234567");
    check_double(0.1 + 0.2, "0.30000000000000004");
    check_double(1.0 / 3.0, "0.3333333333333333");
    check_double(2.0 / 3.0, "0.6666666666666666");
    check_double(123456789012345.0, "123456789012345");
    check_double(1e14, "100000000000000");
    check_double(1e15, "1e+15");
    check_double(1234567890123456.0, "1.234567890123456e+15");
    check_double(1e20, "1e+20");
    check_double(-1e20, "-1e+20");
    check_double(1.5e300, "1.5e+300");
    check_double(0.0001, "0.0001");
    check_double(0.00012345, "0.00012345");
    check_double(0.00001, "1e-05");
    check_double(1.5e-7, "1.5e-07");
    check_double(DBL_MAX, "1.7976931348623157e+308");
    check_double(DBL_MIN, "2.2250738585072014e-308");
    check_double(5e-324, "5e-324");
    check_double(NAN, "NaN");
    check_double(INFINITY, "Infinity");
    check_double(-INFINITY, "-Infinity");

    /* every formatted double reads back to itself */
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        if (isnan(d) || isinf(d)) continue;
        char buf[64];
        int n = k_format_double(d, buf, sizeof buf);
        double back;
        CHECK_OK(k_parse_double(buf, (size_t)n, &back, &err));
        if (memcmp(&back, &d, sizeof d) != 0) fail_msg("%s did not round trip", buf);
    }

    double d;
    CHECK_OK(k_parse_double(S(" 1.5 "), &d, &err));
    assert_true(d == 1.5);
    CHECK_OK(k_parse_double(S("-1e-3"), &d, &err));
    assert_true(d == -0.001);
    CHECK_OK(k_parse_double(S("NaN"), &d, &err));
    assert_true(isnan(d));
    CHECK_OK(k_parse_double(S("-Infinity"), &d, &err));
    assert_true(isinf(d) && d < 0);
    CHECK_OK(k_parse_double(S("inf"), &d, &err));
    assert_true(isinf(d) && d > 0);
    CHECK_OK(k_parse_double(S("+inf"), &d, &err));
    assert_true(isinf(d) && d > 0);
    CHECK_OK(k_parse_double(S("1e-310"), &d, &err)); /* subnormals are fine */
    assert_true(d > 0);
    CHECK_ERR(k_parse_double(S("1e400"), &d, &err), "22003");
    assert_string_equal(err.message, "\"1e400\" is out of range for type double precision");
    CHECK_ERR(k_parse_double(S("-1e400"), &d, &err), "22003");
    CHECK_ERR(k_parse_double(S("1e-400"), &d, &err), "22003");
    CHECK_ERR(k_parse_double(S("abc"), &d, &err), "22P02");
    assert_string_equal(err.message, "invalid input syntax for type double precision: \"abc\"");
    CHECK_ERR(k_parse_double(S(""), &d, &err), "22P02");
    CHECK_ERR(k_parse_double(S("1.5x"), &d, &err), "22P02");
    CHECK_ERR(k_parse_double(S("1 5"), &d, &err), "22P02");
    /* long inputs are fine */
    char longnum[300];
    memset(longnum, '0', sizeof longnum);
    longnum[0] = '0';
    longnum[1] = '.';
    longnum[298] = '5';
    CHECK_OK(k_parse_double(longnum, 299, &d, &err));
    assert_true(d > 0 && d < 1e-295);
    /* the slice is honoured */
    CHECK_OK(k_parse_double("2.5e10", 3, &d, &err));
    assert_true(d == 2.5);
}

static void
test_value_dispatch(void **state)
{
    (void)state;
    KErr err;
    KArena *heap = k_arena_create(NULL, "heap");
    char buf[128];
    union {
        uint8_t b;
        int32_t i32;
        int64_t i64;
        double d;
        k_int128 w;
        KStr s;
        KInterval iv;
    } v;

    CHECK_OK(k_value_parse(k_type(K_TYPE_BOOL), S("yes"), &v, heap, &err));
    assert_int_equal(v.b, 1);
    CHECK_OK(k_value_parse(k_type(K_TYPE_INT32), S("-5"), &v, heap, &err));
    assert_int_equal(v.i32, -5);
    k_value_format(k_type(K_TYPE_INT32), &v, buf, sizeof buf);
    assert_string_equal(buf, "-5");
    CHECK_OK(k_value_parse(k_type(K_TYPE_INT64), S("5000000000"), &v, heap, &err));
    assert_true(v.i64 == INT64_C(5000000000));
    CHECK_OK(k_value_parse(k_type(K_TYPE_DOUBLE), S("0.25"), &v, heap, &err));
    k_value_format(k_type(K_TYPE_DOUBLE), &v, buf, sizeof buf);
    assert_string_equal(buf, "0.25");
    CHECK_OK(k_value_parse(k_type_decimal(15, 2), S("12.345"), &v, heap, &err));
    assert_true(v.i64 == 1235);
    k_value_format(k_type_decimal(15, 2), &v, buf, sizeof buf);
    assert_string_equal(buf, "12.35");
    CHECK_OK(k_value_parse(k_type_decimal(38, 2), S("-12.345"), &v, heap, &err));
    assert_true(v.w == -1235);
    k_value_format(k_type_decimal(38, 2), &v, buf, sizeof buf);
    assert_string_equal(buf, "-12.35");
    CHECK_ERR(k_value_parse(k_type_decimal(3, 2), S("12.3"), &v, heap, &err), "22003");
    CHECK_OK(k_value_parse(k_type(K_TYPE_DATE), S("1998-12-01"), &v, heap, &err));
    k_value_format(k_type(K_TYPE_DATE), &v, buf, sizeof buf);
    assert_string_equal(buf, "1998-12-01");
    CHECK_OK(k_value_parse(k_type(K_TYPE_TIMESTAMP), S("1998-12-01 10:11:12"), &v, heap, &err));
    k_value_format(k_type(K_TYPE_TIMESTAMP), &v, buf, sizeof buf);
    assert_string_equal(buf, "1998-12-01 10:11:12");
    CHECK_OK(k_value_parse(k_type(K_TYPE_INTERVAL), S("3 months"), &v, heap, &err));
    k_value_format(k_type(K_TYPE_INTERVAL), &v, buf, sizeof buf);
    assert_string_equal(buf, "3 mons");

    /* VARCHAR(n): too long is 22001 unless the excess is blanks */
    CHECK_OK(k_value_parse(k_type_varchar(5), S("hello"), &v, heap, &err));
    assert_int_equal(v.s.len, 5);
    CHECK_OK(k_value_parse(k_type_varchar(5), S("hi   "), &v, heap, &err));
    assert_int_equal(v.s.len, 5); /* VARCHAR keeps trailing blanks */
    CHECK_OK(k_value_parse(k_type_varchar(5), S("hello   "), &v, heap, &err));
    assert_int_equal(v.s.len, 5);
    CHECK_ERR(k_value_parse(k_type_varchar(5), S("hello!"), &v, heap, &err), "22001");
    assert_string_equal(err.message, "value too long for type character varying(5)");
    /* CHAR(n) is stored without trailing blanks */
    CHECK_OK(k_value_parse(k_type_char(10), S("AIR   "), &v, heap, &err));
    assert_int_equal(v.s.len, 3);
    k_value_format(k_type_char(10), &v, buf, sizeof buf);
    assert_string_equal(buf, "AIR");
    CHECK_ERR(k_value_parse(k_type_char(2), S("abc"), &v, heap, &err), "22001");
    assert_string_equal(err.message, "value too long for type character(2)");
    /* long strings are copied into the heap, not referenced */
    char src[40];
    memcpy(src, "a string longer than twelve bytes", 34);
    CHECK_OK(k_value_parse(k_type_varchar(0), src, 33, &v, heap, &err));
    memset(src, 'z', sizeof src);
    assert_int_equal(k_value_format(k_type_varchar(0), &v, buf, sizeof buf), 33);
    assert_string_equal(buf, "a string longer than twelve bytes");
    /* formatting truncates to cap but returns the full length */
    assert_int_equal(k_value_format(k_type_varchar(0), &v, buf, 5), 33);
    assert_string_equal(buf, "a st");
    /* a heap over its limit reports 53200 */
    KArena *tiny = k_arena_create(NULL, "tiny");
    k_arena_set_limit(tiny, 10);
    CHECK_ERR(k_value_parse(k_type_varchar(0), src, 30, &v, tiny, &err), "53200");
    k_arena_destroy(tiny);
    k_arena_destroy(heap);
}

/* xorshift64: deterministic pseudo-random values */
static uint64_t
next_rand(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* format(v) then parse gives v back, for every type, over random values */
static void
test_value_round_trip(void **state)
{
    (void)state;
    KErr err;
    KArena *heap = k_arena_create(NULL, "heap");
    uint64_t x = 0x9e3779b97f4a7c15ull;
    int32_t dmin = k_date_from_ymd(K_DATE_MIN_YEAR, 1, 1), dmax = k_date_from_ymd(9999, 12, 31);
    for (int i = 0; i < 20000; i++) {
        uint64_t r = next_rand(&x);
        KType t;
        union {
            uint8_t b;
            int32_t i32;
            int64_t i64;
            k_int128 w;
            KStr s;
            KInterval iv;
            char raw[16];
        } v, back;
        memset(&v, 0, sizeof v);
        memset(&back, 0, sizeof back);
        switch (i % 8) {
        case 0: t = k_type(K_TYPE_INT32), v.i32 = (int32_t)r; break;
        case 1: t = k_type(K_TYPE_INT64), v.i64 = (int64_t)r; break;
        case 2: { /* DECIMAL(15,2) */
            t = k_type_decimal(15, 2);
            v.i64 = (int64_t)(r % 1000000000000000ull) * ((r >> 63) ? -1 : 1);
            break;
        }
        case 3: { /* DECIMAL(38,s), a random wide value below 10^38 */
            int sc = (int)(r % 39);
            t = k_type_decimal(38, sc);
            k_uint128 u = (k_uint128)next_rand(&x) << 64 | next_rand(&x);
            k_int128 w = (k_int128)(u % (k_uint128)k_pow10_128[38]);
            v.w = (r & 1) ? -w : w;
            break;
        }
        case 4:
            t = k_type(K_TYPE_DATE), v.i32 = dmin + (int32_t)(r % (uint64_t)(dmax - dmin));
            break;
        case 5: { /* timestamps from 4713 BC to 9999 AD */
            t = k_type(K_TYPE_TIMESTAMP);
            int64_t lo = (int64_t)dmin * K_USECS_PER_DAY, hi = (int64_t)dmax * K_USECS_PER_DAY;
            v.i64 = lo + (int64_t)(r % (uint64_t)(hi - lo));
            break;
        }
        case 6: { /* intervals with mixed signs */
            t = k_type(K_TYPE_INTERVAL);
            v.iv.months = (int32_t)(r % 2000) - 1000;
            v.iv.days = (int32_t)((r >> 16) % 2000) - 1000;
            v.iv.micros = (int64_t)(next_rand(&x) % 2000000000000ull) - 1000000000000;
            if (r & 8) v.iv.micros = 0;
            break;
        }
        default: t = k_type(K_TYPE_BOOL), v.b = r & 1; break;
        }
        char buf[128];
        int n = k_value_format(t, &v, buf, sizeof buf);
        assert_true(n > 0 && n < (int)sizeof buf);
        k_err_clear(&err);
        if (k_value_parse(t, buf, (size_t)n, &back, heap, &err) != K_OK)
            fail_msg("type %d: \"%s\" does not parse back: %s", t.id, buf, err.message);
        if (memcmp(&v, &back, k_type_width(t)) != 0)
            fail_msg("type %d: \"%s\" reads back differently", t.id, buf);
    }
    k_arena_destroy(heap);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),     cmocka_unit_test(test_strings),
        cmocka_unit_test(test_bool),           cmocka_unit_test(test_int32),
        cmocka_unit_test(test_int64),          cmocka_unit_test(test_double),
        cmocka_unit_test(test_value_dispatch), cmocka_unit_test(test_value_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
