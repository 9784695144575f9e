/*
 * test_error.c — unit tests for common/error.c: the KErr object, the
 * SQLSTATE tables generated from sqlstate.def, severities and the
 * out-of-memory report.
 */
#include "test_util.h"

#include <ctype.h>

static void
test_error_fills(void **state)
{
    (void)state;
    KErr err;
    k_err_clear(&err);
    assert_int_equal(err.code, K_OK_STATE);
    assert_int_equal(err.pos, -1);
    assert_string_equal(err.message, "");

    int rc = k_error(&err, K_DIVISION_BY_ZERO, "division by zero");
    assert_int_equal(rc, K_ERR);
    assert_int_equal(err.code, K_DIVISION_BY_ZERO);
    assert_int_equal(err.severity, K_SEV_ERROR);
    assert_int_equal(err.pos, -1);
    assert_string_equal(err.message, "division by zero");
    assert_string_equal(k_sqlstate_code(err.code), "22012");

    rc = k_error_at(&err, K_SYNTAX_ERROR, 17, "syntax error at or near \"%s\"", "FORM");
    assert_int_equal(rc, K_ERR);
    assert_int_equal(err.pos, 17);
    assert_string_equal(err.message, "syntax error at or near \"FORM\"");
    assert_string_equal(err.detail, "");

    k_err_detail(&err, "Key (%s)=(%d) already exists.", "id", 7);
    k_err_hint(&err, "Check the %s.", "spelling");
    assert_string_equal(err.detail, "Key (id)=(7) already exists.");
    assert_string_equal(err.hint, "Check the spelling.");

    /* a new error replaces detail and hint of the previous one */
    k_error(&err, K_UNDEFINED_TABLE, "relation \"t\" does not exist");
    assert_string_equal(err.detail, "");
    assert_string_equal(err.hint, "");
    assert_int_equal(err.pos, -1);

    KErr copy;
    k_err_copy(&copy, &err);
    assert_int_equal(copy.code, K_UNDEFINED_TABLE);
    assert_string_equal(copy.message, err.message);
    k_err_copy(NULL, &err);
    k_err_copy(&copy, NULL);
    k_err_copy(&copy, &copy);
    assert_string_equal(copy.message, "relation \"t\" does not exist");

    /* NULL error objects are tolerated */
    assert_int_equal(k_error(NULL, K_INTERNAL_ERROR, "x"), K_ERR);
    k_err_detail(NULL, "x");
    k_err_hint(NULL, "x");
    k_err_clear(NULL);
}

static void
test_error_truncates_long_messages(void **state)
{
    (void)state;
    KErr err;
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    k_error(&err, K_INTERNAL_ERROR, "%s", big);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
    k_err_detail(&err, "%s", big);
    assert_int_equal(strlen(err.detail), sizeof err.detail - 1);
    k_err_hint(&err, "%s", big);
    assert_int_equal(strlen(err.hint), sizeof err.hint - 1);
}

static void
test_sqlstate_table(void **state)
{
    (void)state;
    for (int i = 0; i < K_SQLSTATE_COUNT; i++) {
        const char *code = k_sqlstate_code((KSqlState)i);
        assert_int_equal(strlen(code), 5);
        for (int j = 0; j < 5; j++)
            assert_true(isdigit((unsigned char)code[j]) || isupper((unsigned char)code[j]));
        /* every code is unique, so lookups round trip */
        assert_int_equal(k_sqlstate_from_code(code), i);
        assert_true(strncmp(k_sqlstate_name((KSqlState)i), "K_", 2) == 0);
    }
    assert_string_equal(k_sqlstate_code(K_OK_STATE), "00000");
    assert_string_equal(k_sqlstate_code(K_NUMERIC_VALUE_OUT_OF_RANGE), "22003");
    assert_string_equal(k_sqlstate_code(K_INVALID_DATETIME_FORMAT), "22007");
    assert_string_equal(k_sqlstate_code(K_DATETIME_FIELD_OVERFLOW), "22008");
    assert_string_equal(k_sqlstate_code(K_INVALID_TEXT_REPRESENTATION), "22P02");
    assert_string_equal(k_sqlstate_code(K_OUT_OF_MEMORY), "53200");
    assert_string_equal(k_sqlstate_code(K_SYNTAX_ERROR), "42601");
    assert_string_equal(k_sqlstate_code(K_UNDEFINED_TABLE), "42P01");
    assert_string_equal(k_sqlstate_code(K_QUERY_CANCELED), "57014");
    assert_string_equal(k_sqlstate_code(K_INTERNAL_ERROR), "XX000");
    assert_string_equal(k_sqlstate_name(K_DIVISION_BY_ZERO), "K_DIVISION_BY_ZERO");
    assert_int_equal(k_sqlstate_from_code("42P01"), K_UNDEFINED_TABLE);
    assert_int_equal(k_sqlstate_from_code("22012"), K_DIVISION_BY_ZERO);
    /* unknown, short and NULL codes map to the internal error */
    assert_int_equal(k_sqlstate_from_code("ZZ999"), K_INTERNAL_ERROR);
    assert_int_equal(k_sqlstate_from_code("22"), K_INTERNAL_ERROR);
    assert_int_equal(k_sqlstate_from_code(""), K_INTERNAL_ERROR);
    assert_int_equal(k_sqlstate_from_code(NULL), K_INTERNAL_ERROR);
    /* out-of-range enum values do not read past the table */
    assert_string_equal(k_sqlstate_code((KSqlState)K_SQLSTATE_COUNT), "XX000");
    assert_string_equal(k_sqlstate_code((KSqlState)-1), "XX000");
    assert_string_equal(k_sqlstate_name((KSqlState)(K_SQLSTATE_COUNT + 5)), "K_INTERNAL_ERROR");
}

static void
test_severity_names(void **state)
{
    (void)state;
    assert_string_equal(k_severity_name(K_SEV_ERROR), "ERROR");
    assert_string_equal(k_severity_name(K_SEV_FATAL), "FATAL");
    assert_string_equal(k_severity_name(K_SEV_PANIC), "PANIC");
    assert_string_equal(k_severity_name(K_SEV_WARNING), "WARNING");
    assert_string_equal(k_severity_name(K_SEV_NOTICE), "NOTICE");
    assert_string_equal(k_severity_name(K_SEV_INFO), "INFO");
    assert_string_equal(k_severity_name(K_SEV_LOG), "LOG");
    assert_string_equal(k_severity_name(K_SEV_DEBUG), "DEBUG");
}

static void
test_error_oom(void **state)
{
    (void)state;
    KErr err;
    KArena *a = k_arena_create(NULL, "query");
    assert_non_null(a);
    assert_int_equal(k_error_oom(&err, a, 1234), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "53200");
    assert_string_equal(err.message, "out of memory");
    assert_non_null(strstr(err.detail, "1234"));
    assert_non_null(strstr(err.detail, "\"query\""));
    assert_true(err.hint[0] != '\0');

    k_arena_set_limit(a, 100000);
    assert_int_equal(k_error_oom(&err, a, 99), K_ERR);
    assert_non_null(strstr(err.detail, "limit 100000"));
    k_arena_destroy(a);

    assert_int_equal(k_error_oom(&err, NULL, 5), K_ERR);
    assert_int_equal(err.code, K_OUT_OF_MEMORY);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_fills),    cmocka_unit_test(test_error_truncates_long_messages),
        cmocka_unit_test(test_sqlstate_table), cmocka_unit_test(test_severity_names),
        cmocka_unit_test(test_error_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
