/*
 * test_scan.c — statement splitting: semicolons inside literals, dollar
 * quotes, comments and parentheses; prompts; flushing; line numbers; bytes
 * that are not text.
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

static void
feed(ClScan *s, const char *line)
{
    cl_scan_feed(s, line, strlen(line));
}

static void
expect(ClScan *s, const char *want)
{
    char *stmt = NULL;
    assert_true(cl_scan_next(s, &stmt, NULL));
    assert_string_equal(stmt, want);
    free(stmt);
}

static void
expect_none(ClScan *s)
{
    char *stmt = NULL;
    assert_false(cl_scan_next(s, &stmt, NULL));
}

static void
test_two_on_one_line(void **state)
{
    (void)state;
    ClScan s;
    cl_scan_init(&s);
    feed(&s, "select 1; select 2;  select");
    expect(&s, "select 1");
    expect(&s, "select 2");
    expect_none(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '-');
    feed(&s, "3;");
    expect(&s, "select\n3");
    expect_none(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '=');
    cl_scan_free(&s);
}

static void
test_semicolons_inside(void **state)
{
    (void)state;
    ClScan s;
    cl_scan_init(&s);
    feed(&s, "select 'a;b', \"c;d\", E'\\';x', $$;$$, $t$ $$; $t$ -- ; comment");
    expect_none(&s);
    feed(&s, "/* ; /* nested ; */ ; */ from (select 1; ) q;");
    expect(&s, "select 'a;b', \"c;d\", E'\\';x', $$;$$, $t$ $$; $t$ -- ; comment\n"
               "/* ; /* nested ; */ ; */ from (select 1; ) q");
    expect_none(&s);
    cl_scan_free(&s);
}

static void
test_prompts(void **state)
{
    (void)state;
    ClScan s;
    cl_scan_init(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '=');
    feed(&s, "select 'abc");
    expect_none(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '\'');
    feed(&s, "' as \"x");
    expect_none(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '"');
    feed(&s, "\", $body$");
    expect_none(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '$');
    feed(&s, "$body$, (1");
    expect_none(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '(');
    feed(&s, ") /* open");
    expect_none(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '*');
    feed(&s, "*/;");
    char *stmt;
    int line;
    assert_true(cl_scan_next(&s, &stmt, &line));
    assert_int_equal(line, 1);
    free(stmt);
    cl_scan_free(&s);
}

static void
test_comments_only_and_lines(void **state)
{
    (void)state;
    ClScan s;
    cl_scan_init(&s);
    feed(&s, "-- just a comment");
    expect_none(&s);
    assert_true(cl_scan_empty(&s));
    feed(&s, ";;");
    expect_none(&s);
    feed(&s, "");
    feed(&s, "  select");
    feed(&s, "  4;");
    char *stmt;
    int line;
    assert_true(cl_scan_next(&s, &stmt, &line));
    assert_string_equal(stmt, "select\n  4");
    assert_int_equal(line, 4);
    free(stmt);
    cl_scan_free(&s);
}

static void
test_flush_and_reset(void **state)
{
    (void)state;
    ClScan s;
    cl_scan_init(&s);
    feed(&s, "select 1");
    expect_none(&s);
    char *stmt;
    assert_true(cl_scan_flush(&s, &stmt, NULL));
    assert_string_equal(stmt, "select 1");
    free(stmt);
    assert_false(cl_scan_flush(&s, &stmt, NULL));
    feed(&s, "select 'unterminated");
    expect_none(&s);
    cl_scan_reset(&s);
    assert_int_equal(cl_scan_prompt_char(&s), '=');
    feed(&s, "select 2;");
    expect(&s, "select 2");
    cl_scan_free(&s);
}

static void
test_binary_input(void **state)
{
    (void)state;
    ClScan s;
    cl_scan_init(&s);
    char junk[64];
    for (int i = 0; i < 64; i++) junk[i] = (char)(i * 37 + 11);
    for (int r = 0; r < 50; r++) {
        cl_scan_feed(&s, junk, sizeof junk);
        char *stmt;
        while (cl_scan_next(&s, &stmt, NULL)) free(stmt);
    }
    char *stmt;
    if (cl_scan_flush(&s, &stmt, NULL)) free(stmt);
    /* a NUL inside a line is just a byte */
    cl_scan_feed(&s, "select 1\0x;", 11);
    assert_true(cl_scan_next(&s, &stmt, NULL));
    free(stmt);
    cl_scan_free(&s);
}

static void
test_e_string_needs_word_boundary(void **state)
{
    (void)state;
    ClScan s;
    cl_scan_init(&s);
    /* "one'..." is not an E string: the backslash does not escape */
    feed(&s, "select 'a\\';");
    expect(&s, "select 'a\\'");
    feed(&s, "select E'a\\';';");
    expect(&s, "select E'a\\';'");
    cl_scan_free(&s);
}

static const char *
lookup(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "n") == 0) return "42";
    if (strcmp(name, "who") == 0) return "O'Brien";
    if (strcmp(name, "path") == 0) return "c:\\tmp";
    if (strcmp(name, "tab") == 0) return "My \"Table\"";
    return NULL;
}

static void
test_interpolation(void **state)
{
    (void)state;
    ClBuf b;
    cl_buf_init(&b);
    int subs = cl_interpolate(&b,
                              "select :n, :'who', :\"tab\", x::int, ':n', \":n\", :unknown, "
                              ":'path' -- :n\n/* :n */ $$ :n $$, a[1:2]",
                              lookup, NULL);
    assert_int_equal(subs, 4);
    assert_string_equal(cl_buf_str(&b), "select 42, 'O''Brien', \"My \"\"Table\"\"\", x::int, "
                                        "':n', \":n\", :unknown,  E'c:\\\\tmp' -- :n\n"
                                        "/* :n */ $$ :n $$, a[1:2]");
    cl_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_on_one_line),
        cmocka_unit_test(test_semicolons_inside),
        cmocka_unit_test(test_prompts),
        cmocka_unit_test(test_comments_only_and_lines),
        cmocka_unit_test(test_flush_and_reset),
        cmocka_unit_test(test_binary_input),
        cmocka_unit_test(test_e_string_needs_word_boundary),
        cmocka_unit_test(test_interpolation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
