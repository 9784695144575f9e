/*
 * test_expr.c — expression evaluation: arithmetic and its errors, decimals,
 * comparisons and three-valued logic, CASE / COALESCE / NULLIF / IN,
 * strings and LIKE, dates, casts; evaluated both as constants and over a
 * batch with NULLs and a selection vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exec/exec_int.h"

static KArena *A;

static int
setup(void **state)
{
    A = k_arena_create(NULL, "test");
    return A ? 0 : -1;
}

static int
teardown(void **state)
{
    k_arena_destroy(A);
    return 0;
}

#define I32(v) ex_expr_const_i32(A, v)
#define I64(v) ex_expr_const_i64(A, v)
#define STR(s) ex_expr_const_str(A, s, strlen(s))
#define F2(fn, t, x, y) ex_expr_func2(A, fn, t, x, y)
#define BOOLT k_type(K_TYPE_BOOL)

static ExExpr *
dec(const char *text, int p, int s)
{
    k_int128 v;
    KErr err;
    assert_int_equal(k_parse_decimal(text, strlen(text), p, s, &v, &err), K_OK);
    return ex_expr_const_dec(A, p, s, v);
}

static ExValue
eval_ok(const ExExpr *e, bool *isnull)
{
    ExValue v;
    KErr err;
    bool n;
    int rc = ex_expr_eval_const(e, NULL, 0, A, &v, &n, &err);
    if (rc) fail_msg("unexpected error %s: %s", k_sqlstate_code(err.code), err.message);
    if (isnull) *isnull = n;
    else assert_false(n);
    return v;
}

static void
eval_err(const ExExpr *e, const char *code)
{
    ExValue v;
    KErr err;
    bool n;
    assert_int_equal(ex_expr_eval_const(e, NULL, 0, A, &v, &n, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), code);
}

static void
check_text(const ExExpr *e, const char *want)
{
    ExValue v = eval_ok(e, NULL);
    char buf[256];
    k_value_format(e->type, &v, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void
test_int_arith(void **state)
{
    KType i4 = k_type(K_TYPE_INT32), i8 = k_type(K_TYPE_INT64);
    assert_int_equal(eval_ok(F2(EX_FN_ADD, i4, I32(2), I32(3)), NULL).i32, 5);
    assert_int_equal(eval_ok(F2(EX_FN_DIV, i4, I32(-7), I32(2)), NULL).i32, -3);
    assert_int_equal(eval_ok(F2(EX_FN_MOD, i4, I32(-7), I32(2)), NULL).i32, -1);
    assert_int_equal(eval_ok(F2(EX_FN_MUL, i8, I64(1000000000), I64(1000000000)), NULL).i64,
                     1000000000000000000LL);
    eval_err(F2(EX_FN_ADD, i4, I32(INT32_MAX), I32(1)), "22003");
    eval_err(F2(EX_FN_MUL, i8, I64(INT64_MAX), I64(2)), "22003");
    eval_err(F2(EX_FN_DIV, i4, I32(1), I32(0)), "22012");
    eval_err(F2(EX_FN_MOD, i8, I64(1), I64(0)), "22012");
    eval_err(F2(EX_FN_DIV, i4, I32(INT32_MIN), I32(-1)), "22003");
    eval_err(ex_expr_func1(A, EX_FN_NEG, i4, I32(INT32_MIN)), "22003");
    assert_int_equal(eval_ok(ex_expr_func1(A, EX_FN_ABS, i4, I32(-4)), NULL).i32, 4);
    /* NULL operand: NULL result, no error */
    bool isnull;
    eval_ok(F2(EX_FN_DIV, i4, I32(1), ex_expr_const_null(A, i4)), &isnull);
    assert_true(isnull);
    KType f8 = k_type(K_TYPE_DOUBLE);
    eval_err(F2(EX_FN_DIV, f8, ex_expr_const_f64(A, 1), ex_expr_const_f64(A, 0)), "22012");
    eval_err(F2(EX_FN_MUL, f8, ex_expr_const_f64(A, 1e300), ex_expr_const_f64(A, 1e300)), "22003");
}

static void
test_decimal(void **state)
{
    /* 1.25 * 0.3 = 0.375 at scale 3 */
    check_text(F2(EX_FN_MUL, k_type_decimal(10, 3), dec("1.25", 5, 2), dec("0.3", 3, 1)), "0.375");
    /* 1.00 + 0.005 (scales differ) */
    check_text(F2(EX_FN_ADD, k_type_decimal(10, 3), dec("1.00", 5, 2), dec("0.005", 5, 3)), "1.005");
    /* 2 / 3 rounded half away at scale 4 */
    check_text(F2(EX_FN_DIV, k_type_decimal(10, 4), dec("2", 5, 0), dec("3", 5, 0)), "0.6667");
    check_text(F2(EX_FN_DIV, k_type_decimal(10, 2), dec("-1", 5, 0), dec("8", 5, 0)), "-0.13");
    eval_err(F2(EX_FN_DIV, k_type_decimal(10, 2), dec("1", 5, 0), dec("0", 5, 0)), "22012");
    /* precision overflow */
    eval_err(F2(EX_FN_MUL, k_type_decimal(4, 2), dec("99.99", 4, 2), dec("10", 4, 0)), "22003");
    /* wide results */
    check_text(F2(EX_FN_MUL, k_type_decimal(38, 4), dec("99999999999999.99", 18, 2),
                  dec("99999999999999.99", 18, 2)),
               "9999999999999998000000000000.0001");
    /* paths chosen by the precisions: proven without checks, scaled add/sub,
     * wide operands whose values fit 64 bits, and their overflow errors */
    check_text(F2(EX_FN_MUL, k_type_decimal(10, 3), dec("-1.25", 5, 2), dec("0.3", 3, 1)),
               "-0.375");
    check_text(F2(EX_FN_MUL, k_type_decimal(30, 4), dec("-9999999999999.99", 15, 2),
                  dec("9999999999999.99", 15, 2)),
               "-99999999999999800000000000.0001");
    check_text(F2(EX_FN_MUL, k_type_decimal(38, 3), dec("123.45", 20, 2), dec("-2.5", 5, 1)),
               "-308.625");
    check_text(F2(EX_FN_MUL, k_type_decimal(38, 4), dec("123.45", 30, 2), dec("-2.50", 15, 2)),
               "-308.6250");
    eval_err(F2(EX_FN_MUL, k_type_decimal(38, 4), dec("999999999999999999999999.99", 30, 2),
                dec("9999999999999.99", 15, 2)),
             "22003");
    check_text(F2(EX_FN_SUB, k_type_decimal(8, 2), dec("1", 5, 0), dec("0.07", 3, 2)), "0.93");
    check_text(F2(EX_FN_ADD, k_type_decimal(5, 3), dec("99.99", 4, 2), dec("0.001", 4, 3)),
               "99.991");
    eval_err(F2(EX_FN_ADD, k_type_decimal(4, 3), dec("99.99", 4, 2), dec("0.001", 4, 3)), "22003");
    check_text(F2(EX_FN_ADD, k_type_decimal(5, 2), dec("12.34", 4, 2), dec("-99.99", 4, 2)),
               "-87.65");
    check_text(F2(EX_FN_SUB, k_type_decimal(5, 2), dec("-12.34", 4, 2), dec("99.99", 4, 2)),
               "-112.33");
    /* round / floor / ceil */
    check_text(ex_expr_func2(A, EX_FN_ROUND, k_type_decimal(10, 1), dec("2.45", 5, 2), I32(1)), "2.5");
    check_text(ex_expr_func2(A, EX_FN_ROUND, k_type_decimal(10, 1), dec("-2.45", 5, 2), I32(1)), "-2.5");
    check_text(ex_expr_func1(A, EX_FN_FLOOR, k_type_decimal(10, 0), dec("-2.45", 5, 2)), "-3");
    check_text(ex_expr_func1(A, EX_FN_CEIL, k_type_decimal(10, 0), dec("2.01", 5, 2)), "3");
}

static void
test_compare_logic(void **state)
{
    ExExpr *t = ex_expr_const_bool(A, true), *f = ex_expr_const_bool(A, false);
    ExExpr *n = ex_expr_const_null(A, BOOLT);
    bool isnull;
    assert_true(eval_ok(F2(EX_FN_LT, BOOLT, I32(1), I32(2)), NULL).b);
    assert_false(eval_ok(F2(EX_FN_GE, BOOLT, STR("abc"), STR("abd")), NULL).b);
    assert_true(eval_ok(F2(EX_FN_EQ, BOOLT, dec("1.50", 5, 2), dec("1.5", 5, 1)), NULL).b);
    ExExpr *and_fn[2] = {f, n}, *and_tn[2] = {t, n}, *or_tn[2] = {t, n}, *or_fn[2] = {f, n};
    assert_false(eval_ok(ex_expr_node(A, EX_EXPR_AND, BOOLT, 2, and_fn), NULL).b);
    eval_ok(ex_expr_node(A, EX_EXPR_AND, BOOLT, 2, and_tn), &isnull);
    assert_true(isnull);
    assert_true(eval_ok(ex_expr_node(A, EX_EXPR_OR, BOOLT, 2, or_tn), NULL).b);
    eval_ok(ex_expr_node(A, EX_EXPR_OR, BOOLT, 2, or_fn), &isnull);
    assert_true(isnull);
    eval_ok(ex_expr_node(A, EX_EXPR_NOT, BOOLT, 1, &n), &isnull);
    assert_true(isnull);
    /* short circuit: false AND 1/0 = 1 never divides */
    ExExpr *bad = F2(EX_FN_EQ, BOOLT, F2(EX_FN_DIV, k_type(K_TYPE_INT32), I32(1), I32(0)), I32(1));
    ExExpr *sc[2] = {f, bad};
    assert_false(eval_ok(ex_expr_node(A, EX_EXPR_AND, BOOLT, 2, sc), NULL).b);
    ExExpr *nn[2] = {ex_expr_const_null(A, k_type(K_TYPE_INT32)), ex_expr_const_null(A, k_type(K_TYPE_INT32))};
    assert_false(eval_ok(ex_expr_node(A, EX_EXPR_IS_DISTINCT, BOOLT, 2, nn), NULL).b);
    ExExpr *n1[2] = {I32(1), nn[0]};
    assert_true(eval_ok(ex_expr_node(A, EX_EXPR_IS_DISTINCT, BOOLT, 2, n1), NULL).b);
    assert_true(eval_ok(ex_expr_node(A, EX_EXPR_IS_NULL, BOOLT, 1, &n), NULL).b);
}

static void
test_case_coalesce_in(void **state)
{
    KType i4 = k_type(K_TYPE_INT32);
    ExExpr *c1[5] = {ex_expr_const_bool(A, false), I32(1), ex_expr_const_null(A, BOOLT), I32(2), I32(3)};
    assert_int_equal(eval_ok(ex_expr_node(A, EX_EXPR_CASE, i4, 5, c1), NULL).i32, 3);
    /* CASE guards division by zero */
    ExExpr *c2[3] = {ex_expr_const_bool(A, false), F2(EX_FN_DIV, i4, I32(1), I32(0)), I32(7)};
    assert_int_equal(eval_ok(ex_expr_node(A, EX_EXPR_CASE, i4, 3, c2), NULL).i32, 7);
    bool isnull;
    ExExpr *c3[2] = {ex_expr_const_bool(A, false), I32(1)};
    eval_ok(ex_expr_node(A, EX_EXPR_CASE, i4, 2, c3), &isnull);
    assert_true(isnull);
    ExExpr *co[3] = {ex_expr_const_null(A, i4), I32(4), I32(5)};
    assert_int_equal(eval_ok(ex_expr_node(A, EX_EXPR_COALESCE, i4, 3, co), NULL).i32, 4);
    ExExpr *ni[2] = {I32(4), I32(4)};
    eval_ok(ex_expr_node(A, EX_EXPR_NULLIF, i4, 2, ni), &isnull);
    assert_true(isnull);
    ExExpr *gr[3] = {I32(4), ex_expr_const_null(A, i4), I32(9)};
    assert_int_equal(eval_ok(ex_expr_node(A, EX_EXPR_GREATEST, i4, 3, gr), NULL).i32, 9);
    assert_int_equal(eval_ok(ex_expr_node(A, EX_EXPR_LEAST, i4, 3, gr), NULL).i32, 4);
    /* IN with a NULL in the list: true, or NULL when not found */
    ExExpr *in1[4] = {I32(2), I32(1), I32(2), ex_expr_const_null(A, i4)};
    assert_true(eval_ok(ex_expr_node(A, EX_EXPR_IN, BOOLT, 4, in1), NULL).b);
    ExExpr *in2[4] = {I32(5), I32(1), I32(2), ex_expr_const_null(A, i4)};
    eval_ok(ex_expr_node(A, EX_EXPR_IN, BOOLT, 4, in2), &isnull);
    assert_true(isnull);
    ExExpr *in3[3] = {STR("b"), STR("a"), STR("b")};
    ExExpr *e = ex_expr_node(A, EX_EXPR_IN, BOOLT, 3, in3);
    e->u.in.negated = true;
    assert_false(eval_ok(e, NULL).b);
}

static void
test_strings(void **state)
{
    KType vc = k_type_varchar(0), i4 = k_type(K_TYPE_INT32);
    check_text(F2(EX_FN_CONCAT, vc, STR("ab"), STR("cdefghijklmnop")), "abcdefghijklmnop");
    ExExpr *sub[3] = {STR("héllo world"), I32(2), I32(4)};
    check_text(ex_expr_func(A, EX_FN_SUBSTRING, vc, 3, sub), "éllo");
    ExExpr *sub2[3] = {STR("hello"), I32(-1), I32(3)};
    check_text(ex_expr_func(A, EX_FN_SUBSTRING, vc, 3, sub2), "h");
    assert_int_equal(eval_ok(ex_expr_func1(A, EX_FN_LENGTH, i4, STR("héllo")), NULL).i32, 5);
    assert_int_equal(eval_ok(F2(EX_FN_POSITION, i4, STR("lo"), STR("hello")), NULL).i32, 4);
    check_text(ex_expr_func1(A, EX_FN_UPPER, vc, STR("MiXed")), "MIXED");
    check_text(ex_expr_func1(A, EX_FN_TRIM, vc, STR("  x y  ")), "x y");
    check_text(F2(EX_FN_LTRIM, vc, STR("xxaxx"), STR("x")), "axx");
    ExExpr *rep[3] = {STR("a-b-c"), STR("-"), STR("--")};
    check_text(ex_expr_func(A, EX_FN_REPLACE, vc, 3, rep), "a--b--c");
    struct { const char *s, *p; bool want; } cases[] = {
        {"PROMO BRUSHED", "PROMO%", true}, {"SMALL PROMO", "PROMO%", false},
        {"forest green", "%green", true}, {"lime green x", "%green", false},
        {"special requests", "%special%requests%", true}, {"special x", "%special%requests%", false},
        {"abc", "a_c", true}, {"abbc", "a_c", false}, {"a%c", "a\\%c", true}, {"abc", "a\\%c", false},
        {"abc", "abc", true}, {"", "%", true}, {"xay", "%a%", true},
        /* literal segments between '%' (no '_'): found in order, anchored
         * at the start / end when the pattern is */
        {"requests special", "%special%requests%", false}, {"specialrequests", "%special%requests%", true},
        {"ab", "a%b", true}, {"a", "a%a", false}, {"aa", "a%a", true}, {"axbxc", "a%b%c", true},
        {"axbxcx", "a%b%c", false}, {"xaxbxc", "a%b%c", false}, {"abab", "%ab%ab", true},
        {"aab", "%ab%ab", false}, {"abcab", "ab%ab%", true}, {"ab", "ab%ab%", false},
        {"xyz", "%x%%y%z", true}, {"x_y", "%x%y", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = eval_ok(F2(EX_FN_LIKE, BOOLT, STR(cases[i].s), STR(cases[i].p)), NULL).b;
        if (got != cases[i].want) fail_msg("'%s' LIKE '%s'", cases[i].s, cases[i].p);
    }
    assert_true(eval_ok(F2(EX_FN_ILIKE, BOOLT, STR("Hello"), STR("hE%")), NULL).b);
    assert_true(eval_ok(F2(EX_FN_NOT_LIKE, BOOLT, STR("Hello"), STR("hE%")), NULL).b);
    eval_err(F2(EX_FN_LIKE, BOOLT, STR("a"), STR("a\\")), "22025");
}

static void
test_dates_casts(void **state)
{
    KType d = k_type(K_TYPE_DATE), ts = k_type(K_TYPE_TIMESTAMP), i4 = k_type(K_TYPE_INT32);
    int32_t day;
    KErr err;
    assert_int_equal(k_parse_date("1998-12-01", 10, &day, &err), K_OK);
    ExExpr *dd = ex_expr_const_date(A, day);
    KInterval iv = {0, 90, 0};
    ExValue ivv = {0};
    ivv.iv = iv;
    ExExpr *ive = ex_expr_const(A, k_type(K_TYPE_INTERVAL), false, &ivv);
    check_text(F2(EX_FN_DATE_SUB_INTERVAL, d, dd, ive), "1998-09-02");
    KInterval m = {1, 0, 0};
    ivv.iv = m;
    ExExpr *mon = ex_expr_const(A, k_type(K_TYPE_INTERVAL), false, &ivv);
    int32_t jan31;
    assert_int_equal(k_parse_date("2000-01-31", 10, &jan31, &err), K_OK);
    check_text(F2(EX_FN_DATE_ADD_INTERVAL, d, ex_expr_const_date(A, jan31), mon), "2000-02-29");
    check_text(F2(EX_FN_DATE_ADD_INTERVAL, ts, ex_expr_const_date(A, jan31), mon), "2000-02-29 00:00:00");
    check_text(F2(EX_FN_DATE_ADD_DAYS, d, dd, I32(31)), "1999-01-01");
    assert_int_equal(eval_ok(F2(EX_FN_DATE_DIFF, i4, dd, ex_expr_const_date(A, jan31)), NULL).i32,
                     day - jan31);
    ExExpr *ex = ex_expr_func1(A, EX_FN_EXTRACT, i4, dd);
    ex->u.func.part = EX_PART_YEAR;
    assert_int_equal(eval_ok(ex, NULL).i32, 1998);
    ex = ex_expr_func1(A, EX_FN_EXTRACT, i4, dd);
    ex->u.func.part = EX_PART_DOW; /* 1998-12-01 was a Tuesday */
    assert_int_equal(eval_ok(ex, NULL).i32, 2);
    ex = ex_expr_func1(A, EX_FN_EXTRACT, i4, dd);
    ex->u.func.part = EX_PART_QUARTER;
    assert_int_equal(eval_ok(ex, NULL).i32, 4);
    ExExpr *tr = ex_expr_func1(A, EX_FN_DATE_TRUNC, d, dd);
    tr->u.func.part = EX_PART_MONTH;
    check_text(tr, "1998-12-01");
    tr = ex_expr_func1(A, EX_FN_DATE_TRUNC, d, dd);
    tr->u.func.part = EX_PART_YEAR;
    check_text(tr, "1998-01-01");
    /* casts */
    assert_int_equal(eval_ok(ex_expr_cast(A, STR(" 42 "), i4), NULL).i32, 42);
    eval_err(ex_expr_cast(A, STR("4x2"), i4), "22P02");
    eval_err(ex_expr_cast(A, STR("99999999999"), i4), "22003");
    eval_err(ex_expr_cast(A, STR("1998-13-01"), d), "22008");
    assert_int_equal(eval_ok(ex_expr_cast(A, dec("2.5", 5, 1), i4), NULL).i32, 3);
    assert_int_equal(eval_ok(ex_expr_cast(A, dec("-2.5", 5, 1), i4), NULL).i32, -3);
    assert_int_equal(eval_ok(ex_expr_cast(A, ex_expr_const_f64(A, 2.5), i4), NULL).i32, 2);
    eval_err(ex_expr_cast(A, I64(3000000000LL), i4), "22003");
    check_text(ex_expr_cast(A, I32(7), k_type_decimal(5, 2)), "7.00");
    eval_err(ex_expr_cast(A, I32(7000), k_type_decimal(5, 2)), "22003");
    check_text(ex_expr_cast(A, dec("12.345", 6, 3), k_type_varchar(0)), "12.345");
    check_text(ex_expr_cast(A, ex_expr_const_bool(A, true), k_type_varchar(0)), "true");
    check_text(ex_expr_cast(A, STR("abcdef"), k_type_varchar(3)), "abc");
    check_text(ex_expr_cast(A, dd, ts), "1998-12-01 00:00:00");
}

static void
test_timestamps(void **state)
{
    KType ts = k_type(K_TYPE_TIMESTAMP), i4 = k_type(K_TYPE_INT32), f8 = k_type(K_TYPE_DOUBLE);
    int64_t us;
    KErr err;
    assert_int_equal(k_parse_timestamp("2024-02-29 13:45:30.25", 22, &us, &err), K_OK);
    ExValue tv = {0};
    tv.i64 = us;
    ExExpr *t = ex_expr_const(A, ts, false, &tv);
    ExValue iv = {0};
    iv.iv.months = 12;
    iv.iv.days = 1;
    iv.iv.micros = INT64_C(3600000000);
    ExExpr *ive = ex_expr_const(A, k_type(K_TYPE_INTERVAL), false, &iv);
    check_text(F2(EX_FN_TS_ADD_INTERVAL, ts, t, ive), "2025-03-01 14:45:30.25");
    check_text(F2(EX_FN_TS_SUB_INTERVAL, ts, t, ive), "2023-02-27 12:45:30.25");
    ExExpr *e = ex_expr_func1(A, EX_FN_EXTRACT, i4, t);
    e->u.func.part = EX_PART_HOUR;
    assert_int_equal(eval_ok(e, NULL).i32, 13);
    e = ex_expr_func1(A, EX_FN_EXTRACT, f8, t);
    e->u.func.part = EX_PART_SECOND;
    assert_true(eval_ok(e, NULL).f64 == 30.25);
    e = ex_expr_func1(A, EX_FN_EXTRACT, f8, t);
    e->u.func.part = EX_PART_EPOCH;
    assert_true(eval_ok(e, NULL).f64 == (double)us / 1e6);
    e = ex_expr_func1(A, EX_FN_EXTRACT, i4, t);
    e->u.func.part = EX_PART_DOY;
    assert_int_equal(eval_ok(e, NULL).i32, 60);
    ExExpr *tr = ex_expr_func1(A, EX_FN_DATE_TRUNC, ts, t);
    tr->u.func.part = EX_PART_HOUR;
    check_text(tr, "2024-02-29 13:00:00");
    tr = ex_expr_func1(A, EX_FN_DATE_TRUNC, ts, t);
    tr->u.func.part = EX_PART_QUARTER;
    check_text(tr, "2024-01-01 00:00:00");
    check_text(ex_expr_cast(A, t, k_type(K_TYPE_DATE)), "2024-02-29");
    check_text(ex_expr_cast(A, STR("1 day 02:00:00"), k_type(K_TYPE_INTERVAL)), "1 day 02:00:00");
}

/* Over a batch: NULLs, selection vector, column references. */
static void
test_batch_eval(void **state)
{
    KType types[2] = {k_type(K_TYPE_INT32), k_type(K_TYPE_INT32)};
    KErr err;
    KBatch *b = k_batch_create(A, 2, types, &err);
    assert_non_null(b);
    int32_t *x = b->cols[0].data, *y = b->cols[1].data;
    for (int i = 0; i < 100; i++) {
        x[i] = i;
        y[i] = i % 7;
    }
    b->count = 100;
    assert_int_equal(k_vector_ensure_validity(&b->cols[1], b->arena, &err), K_OK);
    k_vec_set_valid(&b->cols[1], 3, false);
    /* x / y: y = 0 at rows 0, 7, 14, ... -> error unless those rows are not selected */
    ExExpr *cx = ex_expr_column(A, types[0], 0), *cy = ex_expr_column(A, types[1], 1);
    ExExpr *div = F2(EX_FN_DIV, types[0], cx, cy);
    ExExpr *gt = F2(EX_FN_GT, BOOLT, div, I32(5));
    KArena *ea = k_arena_create(A, "eval");
    ExEval *ev;
    assert_int_equal(ex__eval_compile(ea, gt, NULL, 0, &ev, &err), K_OK);
    uint16_t sel[K_VECTOR_SIZE], out[K_VECTOR_SIZE];
    uint32_t n = 0;
    for (int i = 0; i < 100; i++)
        if (i % 7) sel[n++] = (uint16_t)i;
    uint32_t k;
    assert_int_equal(ex__select(ev, b, sel, n, ea, out, &k, &err), K_OK);
    uint32_t want = 0;
    for (int i = 0; i < 100; i++)
        if (i % 7 && i != 3 && i / (i % 7) > 5) {
            assert_true(want < k);
            assert_int_equal(out[want], i);
            want++;
        }
    assert_int_equal(k, want);
    /* without the selection, row 0 divides by zero */
    assert_int_equal(ex__select(ev, b, NULL, 100, ea, out, &k, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "22012");
    /* scalar vs SIMD compare kernels agree */
    ExExpr *lt = F2(EX_FN_LT, BOOLT, cx, I32(50));
    ExEval *ev2;
    assert_int_equal(ex__eval_compile(ea, lt, NULL, 0, &ev2, &err), K_OK);
    uint32_t counts[3];
    for (int lvl = 0; lvl < 3; lvl++) {
        k_simd_force((KSimdLevel)lvl);
        assert_int_equal(ex__select(ev2, b, NULL, 100, ea, out, &counts[lvl], &err), K_OK);
    }
    k_simd_force(k_cpu_detect());
    assert_int_equal(counts[0], 50);
    assert_int_equal(counts[1], 50);
    assert_int_equal(counts[2], 50);
    k_arena_destroy(ea);
    k_batch_destroy(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_arith),      cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_compare_logic),  cmocka_unit_test(test_case_coalesce_in),
        cmocka_unit_test(test_strings),        cmocka_unit_test(test_dates_casts),
        cmocka_unit_test(test_timestamps),     cmocka_unit_test(test_batch_eval),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
