/*
 * test_decimal.c — unit tests for common/decimal.c: DECIMAL text input
 * with rounding half away from zero, precision/scale overflow (22003) up to
 * precision 38 in int128, exponents, rescaling and formatting.
 */
#include "test_util.h"

/* Parse into DECIMAL(p,s) and format back. */
static void
check_dec(const char *in, int p, int s, const char *want)
{
    KErr err;
    k_int128 v;
    k_err_clear(&err);
    if (k_parse_decimal(in, strlen(in), p, s, &v, &err) != K_OK)
        fail_msg("parse \"%s\" as numeric(%d,%d): %s %s", in, p, s, k_sqlstate_code(err.code),
                 err.message);
    char buf[64];
    int n = k_format_decimal(v, s, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("\"%s\" as numeric(%d,%d) = %s, want %s", in, p, s, buf, want);
    assert_int_equal(n, strlen(want));
}

static void
check_dec_err(const char *in, int p, int s, const char *state)
{
    KErr err;
    k_int128 v;
    k_err_clear(&err);
    if (k_parse_decimal(in, strlen(in), p, s, &v, &err) != K_ERR)
        fail_msg("\"%s\" as numeric(%d,%d) was accepted, expected %s", in, p, s, state);
    if (strcmp(k_sqlstate_code(err.code), state) != 0)
        fail_msg("\"%s\" as numeric(%d,%d): %s (%s), expected %s", in, p, s,
                 k_sqlstate_code(err.code), err.message, state);
}

static void
test_parse_basic(void **state)
{
    (void)state;
    check_dec("0", 15, 2, "0.00");
    check_dec("12.34", 15, 2, "12.34");
    check_dec("-12.34", 15, 2, "-12.34");
    check_dec("  +7  ", 15, 2, "7.00");
    check_dec("5.", 15, 2, "5.00");
    check_dec(".5", 15, 2, "0.50");
    check_dec("-.5", 15, 2, "-0.50");
    check_dec("-0", 15, 2, "0.00");
    check_dec("-0.001", 15, 2, "0.00");
    check_dec("0.05", 4, 2, "0.05");
    check_dec("0000000000000000000000000000000000000000000000012.5", 15, 2, "12.50");
    check_dec("12", 10, 0, "12");
    check_dec("0.06", 15, 2, "0.06"); /* TPC-H discounts */
    check_dec("0.1", 18, 3, "0.100"); /* unconstrained NUMERIC is (18,3) */
    check_dec("1.000000000000000000000000000000000000000000000001", 10, 2, "1.00");
    check_dec("0.000000000000000000000000000000000000000000000001", 10, 2, "0.00");
}

static void
test_rounding(void **state)
{
    (void)state;
    /* half away from zero, like PostgreSQL's numeric */
    check_dec("12.345", 15, 2, "12.35");
    check_dec("-12.345", 15, 2, "-12.35");
    check_dec("12.3449999", 15, 2, "12.34");
    check_dec("-12.3449999", 15, 2, "-12.34");
    check_dec("0.005", 3, 2, "0.01");
    check_dec("-0.005", 3, 2, "-0.01");
    check_dec("0.0049", 3, 2, "0.00");
    check_dec("2.5", 5, 0, "3");
    check_dec("-2.5", 5, 0, "-3");
    check_dec("1.5", 5, 0, "2");
    check_dec("0.5", 5, 0, "1");
    check_dec("0.49", 5, 0, "0");
    check_dec("999.994", 5, 2, "999.99");
    /* rounding happens once, at the target scale, even past 38 digits */
    check_dec("0.49999999999999999999999999999999999999995", 10, 0, "0");
    check_dec("0.50000000000000000000000000000000000000001", 10, 0, "1");
    check_dec("1.44444444444444444444444444444444444444449", 10, 1, "1.4");
}

static void
test_overflow(void **state)
{
    (void)state;
    KErr err;
    k_int128 v;
    check_dec("9999999999999.99", 15, 2, "9999999999999.99");
    check_dec("-9999999999999.99", 15, 2, "-9999999999999.99");
    check_dec_err("10000000000000", 15, 2, "22003");
    check_dec_err("-10000000000000", 15, 2, "22003");
    check_dec_err("999.995", 5, 2, "22003"); /* rounds up to 1000.00 */
    check_dec_err("-999.995", 5, 2, "22003");
    check_dec_err("1", 2, 2, "22003");
    check_dec("0.99", 2, 2, "0.99");
    check_dec_err("0.995", 2, 2, "22003");
    k_err_clear(&err);
    assert_int_equal(k_parse_decimal(S("123456"), 5, 2, &v, &err), K_ERR);
    assert_string_equal(err.message, "numeric field overflow");
    assert_string_equal(err.detail,
                        "A field with precision 5, scale 2 must round to an absolute value less "
                        "than 10^3.");
    /* int64 border: precision 18 */
    check_dec("999999999999999999", 18, 0, "999999999999999999");
    check_dec_err("1000000000000000000", 18, 0, "22003");
    /* int128: precision 38 */
    check_dec("99999999999999999999999999999999999999", 38, 0,
              "99999999999999999999999999999999999999");
    check_dec("-99999999999999999999999999999999999999", 38, 0,
              "-99999999999999999999999999999999999999");
    check_dec_err("100000000000000000000000000000000000000", 38, 0, "22003");
    check_dec_err("99999999999999999999999999999999999999.5", 38, 0, "22003");
    check_dec("99999999999999999999999999999999999999.4", 38, 0,
              "99999999999999999999999999999999999999");
    check_dec("0.12345678901234567890123456789012345678", 38, 38,
              "0.12345678901234567890123456789012345678");
    check_dec("-0.99999999999999999999999999999999999999", 38, 38,
              "-0.99999999999999999999999999999999999999");
    check_dec_err("0.999999999999999999999999999999999999995", 38, 38, "22003");
    check_dec_err("1", 38, 38, "22003");
    check_dec("123456789012345678901234567890.12345678", 38, 8,
              "123456789012345678901234567890.12345678");
    check_dec_err("1234567890123456789012345678901.12345678", 38, 8, "22003");
    check_dec("1e37", 38, 0, "10000000000000000000000000000000000000");
    check_dec_err("1e38", 38, 0, "22003");
    check_dec_err("1e1000", 38, 0, "22003");
    check_dec_err("99999999999999999999999999999999999999999999999999", 38, 0, "22003");
}

static void
test_exponents(void **state)
{
    (void)state;
    check_dec("1.5e3", 10, 2, "1500.00");
    check_dec("1.5E+3", 10, 2, "1500.00");
    check_dec("1e-2", 10, 2, "0.01");
    check_dec("5e-3", 10, 2, "0.01");
    check_dec("4e-3", 10, 2, "0.00");
    check_dec("-5e-3", 10, 2, "-0.01");
    check_dec("12345e-5", 10, 2, "0.12");
    check_dec("0e1000", 10, 2, "0.00");
    check_dec("1e-1000", 10, 2, "0.00");
    check_dec("-1.25e1", 10, 0, "-13");
    /* many integer digits brought down by a negative exponent */
    check_dec("123456789012345678901234567890123456789012e-30", 20, 2, "123456789012.35");
    check_dec_err("1e", 10, 2, "22P02");
    check_dec_err("1e+", 10, 2, "22P02");
    check_dec_err("e5", 10, 2, "22P02");
    check_dec_err("1e5.5", 10, 2, "22P02");
}

static void
test_invalid(void **state)
{
    (void)state;
    KErr err;
    k_int128 v;
    const char *bad[] = {"",    "  ",  "abc", ".",   "-",    "+",   "1.2.3",
                         "1 2", "--1", "1-",  "12a", "0x10", "1,5", "NaN"};
    for (size_t i = 0; i < K_ARRAY_LEN(bad); i++) check_dec_err(bad[i], 15, 2, "22P02");
    k_err_clear(&err);
    assert_int_equal(k_parse_decimal(S("abc"), 15, 2, &v, &err), K_ERR);
    assert_string_equal(err.message, "invalid input syntax for type numeric: \"abc\"");
    /* the slice is honoured */
    k_err_clear(&err);
    assert_int_equal(k_parse_decimal("12.34xyz", 5, 15, 2, &v, &err), K_OK);
    assert_true(v == 1234);
}

static void
test_format(void **state)
{
    (void)state;
    char buf[64];
    struct {
        k_int128 v;
        int scale;
        const char *s;
    } cases[] = {
        {0, 0, "0"},
        {0, 3, "0.000"},
        {5, 0, "5"},
        {-5, 2, "-0.05"},
        {12345, 2, "123.45"},
        {-12345, 2, "-123.45"},
        {100, 2, "1.00"},
        {INT64_MAX, 0, "9223372036854775807"},
        {INT64_MIN, 4, "-922337203685477.5808"},
        {k_pow10_128[38] - 1, 38, "0.99999999999999999999999999999999999999"},
        {-(k_pow10_128[38] - 1), 38, "-0.99999999999999999999999999999999999999"},
        {-(k_pow10_128[38] - 1), 0, "-99999999999999999999999999999999999999"},
    };
    for (size_t i = 0; i < K_ARRAY_LEN(cases); i++) {
        int n = k_format_decimal(cases[i].v, cases[i].scale, buf, sizeof buf);
        assert_string_equal(buf, cases[i].s);
        assert_int_equal(n, strlen(cases[i].s));
    }
    /* truncation like snprintf */
    assert_int_equal(k_format_decimal(-12345, 2, buf, 4), 7);
    assert_string_equal(buf, "-12");
}

static void
test_rescale_and_fits(void **state)
{
    (void)state;
    k_int128 out;
    for (int i = 1; i <= 38; i++) assert_true(k_pow10_128[i] == k_pow10_128[i - 1] * 10);
    assert_true(k_dec_rescale(12345, 2, 4, 10, &out) && out == 1234500);
    assert_true(k_dec_rescale(12345, 2, 2, 10, &out) && out == 12345);
    assert_true(k_dec_rescale(12345, 2, 1, 10, &out) && out == 1235);
    assert_true(k_dec_rescale(-12345, 2, 1, 10, &out) && out == -1235);
    assert_true(k_dec_rescale(12344, 2, 1, 10, &out) && out == 1234);
    assert_true(k_dec_rescale(-12344, 2, 1, 10, &out) && out == -1234);
    assert_true(k_dec_rescale(49, 2, 0, 10, &out) && out == 0);
    assert_true(k_dec_rescale(50, 2, 0, 10, &out) && out == 1);
    assert_true(k_dec_rescale(-50, 2, 0, 10, &out) && out == -1);
    /* growing the scale past the precision overflows */
    assert_false(k_dec_rescale(12345, 2, 8, 10, &out));
    assert_true(k_dec_rescale(12345, 2, 7, 10, &out) && out == 1234500000);
    assert_false(k_dec_rescale(1, 0, 38, 38, &out));
    assert_true(k_dec_rescale(1, 0, 37, 38, &out) && out == k_pow10_128[37]);
    assert_false(k_dec_rescale(k_pow10_128[20], 0, 20, 38, &out));
    /* dropping all 38 digits of a wide value rounds correctly */
    assert_true(k_dec_rescale(k_pow10_128[38] - 1, 38, 0, 38, &out) && out == 1);
    assert_true(k_dec_rescale(-(k_pow10_128[38] - 1), 38, 0, 38, &out) && out == -1);
    assert_true(k_dec_rescale(k_pow10_128[37] * 4, 38, 0, 38, &out) && out == 0);
    assert_true(k_dec_rescale(k_pow10_128[37] * 5, 38, 0, 38, &out) && out == 1);
    assert_true(k_dec_rescale(123, 60, 0, 38, &out) && out == 0);
    /* the result must fit the precision */
    assert_false(k_dec_rescale(99999, 0, 0, 4, &out));

    assert_true(k_dec_fits(999999999999999999, 18));
    assert_false(k_dec_fits(1000000000000000000, 18));
    assert_true(k_dec_fits(-999999999999999999, 18));
    assert_false(k_dec_fits(-1000000000000000000, 18));
    assert_true(k_dec_fits(k_pow10_128[38] - 1, 38));
    assert_false(k_dec_fits(k_pow10_128[38], 38));
    assert_true(k_dec_fits(0, 1));
    assert_false(k_dec_fits(10, 1));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),      cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_overflow),         cmocka_unit_test(test_exponents),
        cmocka_unit_test(test_invalid),          cmocka_unit_test(test_format),
        cmocka_unit_test(test_rescale_and_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
