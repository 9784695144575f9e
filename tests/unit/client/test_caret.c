/*
 * test_caret.c — the "LINE n: ... ^" context: first and later lines,
 * multi-byte and wide characters, long lines cut with "...", positions at
 * and past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the headers above first */
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "client/client.h"

static char *
ctx(const char *q, int pos)
{
    ClBuf b;
    cl_buf_init(&b);
    cl_error_context(&b, q, pos);
    return b.data ? b.data : strdup("");
}

static void
test_first_line(void **state)
{
    (void)state;
    /* psql: select * frm t, error at "frm" (position 10) */
    char *s = ctx("select * frm t", 10);
    assert_string_equal(s, "LINE 1: select * frm t\n"
                           "                 ^\n");
    free(s);
}

static void
test_second_line(void **state)
{
    (void)state;
    const char *q = "select 1 as a,\n 2 as b from nonexist";
    int pos = (int)(strstr(q, "nonexist") - q) + 1;
    char *s = ctx(q, pos);
    assert_string_equal(s, "LINE 2:  2 as b from nonexist\n"
                           "                     ^\n");
    free(s);
}

static void
test_multibyte_counts_characters(void **state)
{
    (void)state;
    /* 'é' is two bytes but one character: the server counts characters */
    const char *q = "select '\xc3\xa9' frm";
    char *s = ctx(q, 12); /* s e l e c t _ ' é ' _ f -> 12 */
    assert_string_equal(s, "LINE 1: select '\xc3\xa9' frm\n"
                           "                   ^\n");
    free(s);
}

static void
test_wide_characters_shift_caret(void **state)
{
    (void)state;
    /* 日本 takes four columns, so the caret moves two extra columns */
    const char *q = "select '\xe6\x97\xa5\xe6\x9c\xac' x";
    char *s = ctx(q, 13);
    assert_string_equal(s, "LINE 1: select '\xe6\x97\xa5\xe6\x9c\xac' x\n"
                           "                      ^\n");
    free(s);
}

static void
test_long_line_is_cut(void **state)
{
    (void)state;
    char q[400];
    memset(q, 0, sizeof q);
    strcpy(q, "select ");
    for (int i = 0; i < 30; i++) strcat(q, "col_abc, ");
    strcat(q, "oops from t where x = 1 and y = 2 and z = 3 and w = 4 and v = 5");
    int pos = (int)(strstr(q, "oops") - q) + 1;
    char *s = ctx(q, pos);
    char *nl = strchr(s, '\n');
    assert_non_null(nl);
    assert_memory_equal(s, "LINE 1: ...", 11);
    assert_memory_equal(nl - 3, "...", 3);
    /* the caret sits under the 'o' of oops */
    char *caret = strchr(nl + 1, '^');
    assert_non_null(caret);
    long col = caret - (nl + 1);
    assert_memory_equal(s + col, "oops", 4);
    /* the shown line is at most 60 columns plus the marks and prefix */
    assert_true(nl - s <= 8 + 3 + 60 + 3);
    free(s);
}

static void
test_end_positions(void **state)
{
    (void)state;
    char *s = ctx("select (1", 10); /* "syntax error at end of input" */
    assert_string_equal(s, "LINE 1: select (1\n"
                           "                 ^\n");
    free(s);
    s = ctx("select 1", 50);
    assert_string_equal(s, "");
    free(s);
    s = ctx("select 1", 0);
    assert_string_equal(s, "");
    free(s);
}

static void
test_garbage_bytes(void **state)
{
    (void)state;
    char *s = ctx("\xff\xfe\x01 x", 5);
    assert_string_equal(s, "LINE 1: \\xFF\\xFE\\x01 x\n"
                           "                     ^\n");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_second_line),
        cmocka_unit_test(test_multibyte_counts_characters),
        cmocka_unit_test(test_wide_characters_shift_caret),
        cmocka_unit_test(test_long_line_is_cut),
        cmocka_unit_test(test_end_positions),
        cmocka_unit_test(test_garbage_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
