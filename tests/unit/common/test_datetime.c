/*
 * test_datetime.c — unit tests for common/datetime.c: the civil calendar
 * (leap years, day numbers, month arithmetic), DATE and TIMESTAMP text
 * forms with their range and syntax errors (22007/22008), and INTERVAL
 * input and output in PostgreSQL's "postgres" style.
 */
#include "test_util.h"

static void
test_leap_years(void **state)
{
    (void)state;
    assert_false(k_is_leap_year(1900));
    assert_true(k_is_leap_year(2000));
    assert_true(k_is_leap_year(2024));
    assert_false(k_is_leap_year(2023));
    assert_false(k_is_leap_year(2100));
    assert_true(k_is_leap_year(1600));
    assert_true(k_is_leap_year(0)); /* 1 BC */
    assert_true(k_is_leap_year(-4));
    assert_int_equal(k_days_in_month(1900, 2), 28);
    assert_int_equal(k_days_in_month(2000, 2), 29);
    assert_int_equal(k_days_in_month(2024, 2), 29);
    assert_int_equal(k_days_in_month(2023, 2), 28);
    assert_int_equal(k_days_in_month(2023, 4), 30);
    assert_int_equal(k_days_in_month(2023, 12), 31);
    assert_true(k_date_valid_ymd(2024, 2, 29));
    assert_true(k_date_valid_ymd(2000, 2, 29));
    assert_false(k_date_valid_ymd(1900, 2, 29));
    assert_false(k_date_valid_ymd(2023, 2, 29));
    assert_false(k_date_valid_ymd(2023, 4, 31));
    assert_false(k_date_valid_ymd(2023, 0, 1));
    assert_false(k_date_valid_ymd(2023, 13, 1));
    assert_false(k_date_valid_ymd(2023, 1, 0));
    assert_false(k_date_valid_ymd(2023, 1, 32));
    assert_false(k_date_valid_ymd(K_DATE_MAX_YEAR + 1, 1, 1));
    assert_false(k_date_valid_ymd(K_DATE_MIN_YEAR - 1, 12, 31));
}

static void
test_day_numbers(void **state)
{
    (void)state;
    assert_int_equal(k_date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(k_date_from_ymd(1969, 12, 31), -1);
    assert_int_equal(k_date_from_ymd(1998, 12, 1), 10561);
    assert_int_equal(k_date_from_ymd(2000, 1, 1), 10957);
    assert_int_equal(k_date_from_ymd(1992, 1, 1), 8035);
    assert_int_equal(k_date_from_ymd(1900, 3, 1), -25508);
    assert_int_equal(k_date_from_ymd(2024, 2, 29), 19782);
    assert_int_equal(k_date_from_ymd(1, 1, 1), -719162);
    assert_int_equal(k_date_from_ymd(9999, 12, 31), 2932896);

    /* walk day by day over a wide range (4713 BC .. 12000 AD): each day is
     * the next calendar day and the two conversions invert each other */
    int32_t lo = k_date_from_ymd(K_DATE_MIN_YEAR, 1, 1);
    int32_t hi = k_date_from_ymd(12000, 12, 31);
    int y, m, d;
    k_date_to_ymd(lo, &y, &m, &d);
    assert_int_equal(y, K_DATE_MIN_YEAR);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
    int py = y, pm = m, pd = d;
    for (int32_t day = lo + 1; day <= hi; day++) {
        k_date_to_ymd(day, &y, &m, &d);
        if (d == pd + 1 && m == pm && y == py) {
            /* next day in the month */
        } else if (d == 1 && pd == k_days_in_month(py, pm) &&
                   ((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1))) {
            /* first of the next month */
        } else {
            fail_msg("day %d: %d-%d-%d follows %d-%d-%d", day, y, m, d, py, pm, pd);
        }
        if ((day & 1023) == 0 && k_date_from_ymd(y, m, d) != day)
            fail_msg("k_date_from_ymd(%d,%d,%d) != %d", y, m, d, day);
        py = y, pm = m, pd = d;
    }
    assert_int_equal(py, 12000);
    assert_int_equal(pm, 12);
    assert_int_equal(pd, 31);
    /* beyond that, sampled up to the last supported day */
    int32_t last = k_date_from_ymd(K_DATE_MAX_YEAR, 12, 31);
    for (int32_t day = hi; day <= last; day += 97) {
        k_date_to_ymd(day, &y, &m, &d);
        if (!k_date_valid_ymd(y, m, d) || k_date_from_ymd(y, m, d) != day)
            fail_msg("day %d does not round trip (%d-%d-%d)", day, y, m, d);
    }
    k_date_to_ymd(last, &y, &m, &d);
    assert_int_equal(y, K_DATE_MAX_YEAR);
    k_date_to_ymd(last + 1, &y, &m, &d);
    assert_int_equal(y, K_DATE_MAX_YEAR + 1);
    /* every valid y-m-d of a few centuries maps back */
    for (int yy = 1890; yy <= 2110; yy++)
        for (int mm = 1; mm <= 12; mm++)
            for (int dd = 1; dd <= k_days_in_month(yy, mm); dd++) {
                k_date_to_ymd(k_date_from_ymd(yy, mm, dd), &y, &m, &d);
                if (y != yy || m != mm || d != dd)
                    fail_msg("%d-%d-%d does not round trip", yy, mm, dd);
            }
}

static void
check_add_months(const char *from, int32_t months, const char *want)
{
    KErr err;
    int32_t d;
    CHECK_OK(k_parse_date(from, strlen(from), &d, &err));
    char buf[32];
    k_format_date(k_date_add_months(d, months), buf, sizeof buf);
    if (strcmp(buf, want) != 0) fail_msg("%s + %d months = %s, want %s", from, months, buf, want);
}

static void
test_add_months(void **state)
{
    (void)state;
    check_add_months("2024-01-31", 1, "2024-02-29");
    check_add_months("2023-01-31", 1, "2023-02-28");
    check_add_months("2024-03-31", -1, "2024-02-29");
    check_add_months("2024-05-31", 1, "2024-06-30");
    check_add_months("2024-12-15", 1, "2025-01-15");
    check_add_months("2024-01-15", -13, "2022-12-15");
    check_add_months("2000-02-29", 12, "2001-02-28");
    check_add_months("2000-02-29", 48, "2004-02-29");
    check_add_months("1998-12-01", -3, "1998-09-01");
    check_add_months("1995-01-01", 0, "1995-01-01");
    check_add_months("1970-01-01", -1, "1969-12-01");
    check_add_months("1970-01-01", -12 * 2000, "0031-01-01 BC");
    check_add_months("2020-06-30", 1200, "2120-06-30");
}

static void
check_date(const char *in, const char *want)
{
    KErr err;
    int32_t d;
    k_err_clear(&err);
    if (k_parse_date(in, strlen(in), &d, &err) != K_OK)
        fail_msg("date \"%s\": %s %s", in, k_sqlstate_code(err.code), err.message);
    char buf[32];
    int n = k_format_date(d, buf, sizeof buf);
    if (strcmp(buf, want) != 0) fail_msg("date \"%s\" -> %s, want %s", in, buf, want);
    assert_int_equal(n, strlen(want));
}

static void
test_date_text(void **state)
{
    (void)state;
    KErr err;
    int32_t d;
    check_date("1998-12-01", "1998-12-01");
    check_date("  1998-12-01 ", "1998-12-01");
    check_date("1998-1-2", "1998-01-02");
    check_date("2024-02-29", "2024-02-29");
    check_date("2000-02-29", "2000-02-29");
    check_date("0001-01-01", "0001-01-01");
    check_date("9999-12-31", "9999-12-31");
    check_date("12345-06-07", "12345-06-07");
    check_date("1998-12-01 00:00:00", "1998-12-01"); /* a time part is dropped */
    check_date("1998-12-01 23:59:59.999", "1998-12-01");
    check_date("1998-12-01T12:00", "1998-12-01");
    check_date("0044-03-15 BC", "0044-03-15 BC"); /* output reads back */
    check_date("0001-01-01 BC", "0001-01-01 BC");
    check_date("2000-01-01 AD", "2000-01-01");
    check_date("-0043-03-15", "0044-03-15 BC"); /* astronomical year -43 */
    check_date("4714-01-01 BC", "4714-01-01 BC");
    CHECK_ERR(k_parse_date(S("4715-01-01 BC"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("0000-01-01"), &d, &err), "22008"); /* no year 0 */
    CHECK_ERR(k_parse_date(S("0000-01-01 BC"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("1998-12-01 25:00"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("1998-12-01 10:61"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("1998-12-01 BCE"), &d, &err), "22007");
    CHECK_ERR(k_parse_date(S("1998-12-01 10:"), &d, &err), "22007");
    CHECK_OK(k_parse_date(S("1970-01-01"), &d, &err));
    assert_int_equal(d, 0);
    char buf[32];
    k_format_date(k_date_from_ymd(0, 12, 31), buf, sizeof buf);
    assert_string_equal(buf, "0001-12-31 BC");
    k_format_date(k_date_from_ymd(-43, 3, 15), buf, sizeof buf);
    assert_string_equal(buf, "0044-03-15 BC");

    CHECK_ERR(k_parse_date(S("1998-13-45"), &d, &err), "22008");
    assert_string_equal(err.message, "date/time field value out of range: \"1998-13-45\"");
    CHECK_ERR(k_parse_date(S("1998-02-30"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("1900-02-29"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("2023-02-29"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("1998-00-10"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("1998-04-31"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("9999999-01-01"), &d, &err), "22008");
    CHECK_ERR(k_parse_date(S("abc"), &d, &err), "22007");
    assert_string_equal(err.message, "invalid input syntax for type date: \"abc\"");
    CHECK_ERR(k_parse_date(S(""), &d, &err), "22007");
    CHECK_ERR(k_parse_date(S("1998-12"), &d, &err), "22007");
    CHECK_ERR(k_parse_date(S("1998-12-"), &d, &err), "22007");
    CHECK_ERR(k_parse_date(S("1998-12-01x"), &d, &err), "22007");
    CHECK_ERR(k_parse_date(S("1998-12-01 abc"), &d, &err), "22007");
    CHECK_ERR(k_parse_date(S("1998-123-01"), &d, &err), "22007");
    /* the slice is honoured */
    CHECK_OK(k_parse_date("1998-12-01garbage", 10, &d, &err));
    assert_int_equal(d, 10561);
}

static void
check_ts(const char *in, const char *want)
{
    KErr err;
    int64_t t;
    k_err_clear(&err);
    if (k_parse_timestamp(in, strlen(in), &t, &err) != K_OK)
        fail_msg("timestamp \"%s\": %s %s", in, k_sqlstate_code(err.code), err.message);
    char buf[64];
    int n = k_format_timestamp(t, buf, sizeof buf);
    if (strcmp(buf, want) != 0) fail_msg("timestamp \"%s\" -> %s, want %s", in, buf, want);
    assert_int_equal(n, strlen(want));
}

static void
test_timestamp(void **state)
{
    (void)state;
    KErr err;
    int64_t t;
    CHECK_OK(k_parse_timestamp(S("1970-01-01 00:00:00"), &t, &err));
    assert_true(t == 0);
    CHECK_OK(k_parse_timestamp(S("1970-01-01 00:00:01.5"), &t, &err));
    assert_true(t == 1500000);
    CHECK_OK(k_parse_timestamp(S("1969-12-31 23:59:59.999999"), &t, &err));
    assert_true(t == -1);
    check_ts("1998-12-01 10:11:12", "1998-12-01 10:11:12");
    check_ts("1998-12-01", "1998-12-01 00:00:00");
    check_ts(" 1998-12-01T10:11:12.5 ", "1998-12-01 10:11:12.5");
    check_ts("1998-12-01 10:11", "1998-12-01 10:11:00");
    check_ts("1998-12-01 10:11:12.123456", "1998-12-01 10:11:12.123456");
    check_ts("1998-12-01 10:11:12.000100", "1998-12-01 10:11:12.0001");
    check_ts("1998-12-01 10:11:12.1234567", "1998-12-01 10:11:12.123457"); /* rounded */
    check_ts("1998-12-31 23:59:59.9999996", "1999-01-01 00:00:00");
    check_ts("1998-12-01 24:00:00", "1998-12-02 00:00:00");
    check_ts("1969-07-20 20:17:40", "1969-07-20 20:17:40");
    check_ts("1900-02-28 23:59:59", "1900-02-28 23:59:59");
    check_ts("0001-06-01 12:00:00 BC", "0001-06-01 12:00:00 BC");
    check_ts("0044-03-15 bc", "0044-03-15 00:00:00 BC");
    check_ts("1998-12-01 10:11:12 AD", "1998-12-01 10:11:12");
    CHECK_ERR(k_parse_timestamp(S("0000-06-01 12:00:00"), &t, &err), "22008");
    check_ts("294246-12-31 23:59:59", "294246-12-31 23:59:59");
    CHECK_ERR(k_parse_timestamp(S("294277-01-01 00:00:00"), &t, &err), "22008");
    CHECK_ERR(k_parse_timestamp(S("294248-01-01"), &t, &err), "22008");
    CHECK_ERR(k_parse_timestamp(S("1998-12-01 25:00:00"), &t, &err), "22008");
    CHECK_ERR(k_parse_timestamp(S("1998-12-01 10:60:00"), &t, &err), "22008");
    CHECK_ERR(k_parse_timestamp(S("1998-12-01 24:00:01"), &t, &err), "22008");
    CHECK_ERR(k_parse_timestamp(S("1998-13-01 10:00:00"), &t, &err), "22008");
    CHECK_ERR(k_parse_timestamp(S("abc"), &t, &err), "22007");
    assert_string_equal(err.message, "invalid input syntax for type timestamp: \"abc\"");
    CHECK_ERR(k_parse_timestamp(S("1998-12-01 10:11:12 junk"), &t, &err), "22007");
    CHECK_ERR(k_parse_timestamp(S("1998-12-01 :11"), &t, &err), "22007");
    CHECK_ERR(k_parse_timestamp(S("1998-12-01x10:11"), &t, &err), "22007");
    CHECK_ERR(k_parse_timestamp(S(""), &t, &err), "22007");

    /* formatting around the epoch and across negative microseconds */
    char buf[64];
    k_format_timestamp(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31 23:59:59.999999");
    k_format_timestamp(-K_USECS_PER_DAY, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31 00:00:00");
    k_format_timestamp(INT64_MAX, buf, sizeof buf);
    assert_string_equal(buf, "294247-01-10 04:00:54.775807");
    k_format_timestamp(INT64_MIN, buf, sizeof buf);
    assert_string_equal(buf, "290309-12-21 19:59:05.224192 BC");
}

static void
check_iv(const char *in, const char *want)
{
    KErr err;
    KInterval v;
    k_err_clear(&err);
    if (k_parse_interval(in, strlen(in), &v, &err) != K_OK)
        fail_msg("interval \"%s\": %s %s", in, k_sqlstate_code(err.code), err.message);
    char buf[128];
    int n = k_format_interval(&v, buf, sizeof buf);
    if (strcmp(buf, want) != 0) fail_msg("interval \"%s\" -> \"%s\", want \"%s\"", in, buf, want);
    assert_int_equal(n, strlen(want));
    /* output reads back to the same value */
    KInterval back;
    CHECK_OK(k_parse_interval(buf, (size_t)n, &back, &err));
    if (back.months != v.months || back.days != v.days || back.micros != v.micros)
        fail_msg("interval \"%s\" does not read back", buf);
}

static void
test_interval(void **state)
{
    (void)state;
    KErr err;
    KInterval v;
    CHECK_OK(k_parse_interval(S("3 months"), &v, &err));
    assert_int_equal(v.months, 3);
    assert_int_equal(v.days, 0);
    assert_true(v.micros == 0);
    CHECK_OK(k_parse_interval(S("90 days"), &v, &err));
    assert_int_equal(v.months, 0);
    assert_int_equal(v.days, 90);
    CHECK_OK(k_parse_interval(S("1 year 2 mons"), &v, &err));
    assert_int_equal(v.months, 14);
    CHECK_OK(k_parse_interval(S("04:05:06"), &v, &err));
    assert_true(v.micros == INT64_C(14706000000));

    check_iv("3 months", "3 mons");
    check_iv("1 month", "1 mon");
    check_iv("90 days", "90 days");
    check_iv("1 day", "1 day");
    check_iv("1 year 2 mons", "1 year 2 mons");
    check_iv("2 years", "2 years");
    check_iv("04:05:06", "04:05:06");
    check_iv("1 year 2 mons 3 days 04:05:06", "1 year 2 mons 3 days 04:05:06");
    check_iv("1 year 2 mons 3 days 04:05:06.789", "1 year 2 mons 3 days 04:05:06.789");
    check_iv("0", "00:00:00");
    check_iv("0 days", "00:00:00");
    check_iv("90", "00:01:30"); /* a bare number is seconds */
    check_iv("1 week", "7 days");
    check_iv("100 hours", "100:00:00");
    check_iv("2 hours 30 minutes", "02:30:00");
    check_iv("1 hour 1 minute 1 second", "01:01:01");
    check_iv("500 milliseconds", "00:00:00.5");
    check_iv("7 us", "00:00:00.000007");
    check_iv("12 mons", "1 year");
    check_iv("  1 DAY  ", "1 day");
    check_iv("-1 year", "-1 years");
    check_iv("-1 day", "-1 days");
    check_iv("-1 mons", "-1 mons");
    check_iv("-04:05:06", "-04:05:06");
    check_iv("1 day -02:00:00", "1 day -02:00:00");
    check_iv("-1 days 02:00:00", "-1 days +02:00:00");
    check_iv("-1 year 2 mons", "-10 mons");
    check_iv("-1 years -2 mons 3 days", "-1 years -2 mons +3 days");
    check_iv("1.5 days", "1 day 12:00:00");
    check_iv("1.5 years", "1 year 6 mons");
    check_iv("1.5 months", "1 mon 15 days");
    check_iv("0.5 hours", "00:30:00");
    check_iv("1.5", "00:00:01.5");
    check_iv("04:05", "04:05:00");
    check_iv("1 day 04:05:06.5", "1 day 04:05:06.5");

    CHECK_ERR(k_parse_interval(S("abc"), &v, &err), "22007");
    assert_string_equal(err.message, "invalid input syntax for type interval: \"abc\"");
    CHECK_ERR(k_parse_interval(S(""), &v, &err), "22007");
    CHECK_ERR(k_parse_interval(S("3 fortnights"), &v, &err), "22007");
    CHECK_ERR(k_parse_interval(S("days"), &v, &err), "22007");
    CHECK_ERR(k_parse_interval(S("1 day x"), &v, &err), "22007");
    CHECK_ERR(k_parse_interval(S("1:"), &v, &err), "22007");
    /* values that do not fit the fields are errors, not wrap-around */
    CHECK_ERR(k_parse_interval(S("999999999999 years"), &v, &err), "22015");
    CHECK_ERR(k_parse_interval(S("3000000000 days"), &v, &err), "22015");
    CHECK_ERR(k_parse_interval(S("999999999999999999 hours"), &v, &err), "22015");
    CHECK_ERR(k_parse_interval(S("2000000000 days 2000000000 days"), &v, &err), "22015");
    CHECK_ERR(k_parse_interval(S("04:65:00"), &v, &err), "22015");
    CHECK_ERR(k_parse_interval(S("04:05:60"), &v, &err), "22015");
    assert_string_equal(err.message, "interval field value out of range: \"04:05:60\"");

    /* formatting of extreme fields does not overflow */
    char buf[128];
    KInterval big = {INT32_MIN, INT32_MIN, INT64_MIN};
    k_format_interval(&big, buf, sizeof buf);
    assert_string_equal(buf, "-178956970 years -8 mons -2147483648 days -2562047788:00:54.775808");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leap_years), cmocka_unit_test(test_day_numbers),
        cmocka_unit_test(test_add_months), cmocka_unit_test(test_date_text),
        cmocka_unit_test(test_timestamp),  cmocka_unit_test(test_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
