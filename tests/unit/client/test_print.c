/*
 * test_print.c — result formatting: psql-compatible aligned layout, NULLs,
 * wide characters, multi-line cells, expanded mode (forced and automatic),
 * unaligned, CSV and JSON.
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

static const char *const heads3[] = {"a", "b", "c"};
static const ClColKind kinds3[] = {CL_COL_NUMBER, CL_COL_TEXT, CL_COL_NUMBER};
static const char *const cells3[] = {"1",     "h\xc3\xa9llo", "2.50", "22", NULL,
                                     "-3.00", "333",          "x",    NULL};

static char *
render(const ClTable *t, const ClPrintOpts *o)
{
    ClBuf b;
    cl_buf_init(&b);
    cl_format_table(&b, t, o);
    assert_false(b.failed);
    return b.data;
}

static void
test_aligned_like_psql(void **state)
{
    (void)state;
    ClTable t = {3, 3, heads3, kinds3, cells3, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    char *s = render(&t, &o);
    /* byte for byte what psql 15 prints for the same result */
    assert_string_equal(s, "  a  |   b   |   c   \n"
                           "-----+-------+-------\n"
                           "   1 | h\xc3\xa9llo |  2.50\n"
                           "  22 |       | -3.00\n"
                           " 333 | x     |      \n"
                           "(3 rows)\n"
                           "\n");
    free(s);
}

static void
test_null_display_and_tuples_only(void **state)
{
    (void)state;
    ClTable t = {3, 3, heads3, kinds3, cells3, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    o.null_str = "NULL";
    o.tuples_only = true;
    char *s = render(&t, &o);
    assert_string_equal(s, "   1 | h\xc3\xa9llo |  2.50\n"
                           "  22 | NULL  | -3.00\n"
                           " 333 | x     |  NULL\n"
                           "\n");
    free(s);
}

static void
test_wide_characters_align(void **state)
{
    (void)state;
    /* 日本 is four columns wide, é one, a combining accent zero */
    static const char *const h[] = {"name", "n"};
    static const ClColKind k[] = {CL_COL_TEXT, CL_COL_NUMBER};
    static const char *const c[] = {"\xe6\x97\xa5\xe6\x9c\xac", "1", "e\xcc\x81", "10"};
    ClTable t = {2, 2, h, k, c, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    char *s = render(&t, &o);
    assert_string_equal(s, " name | n  \n"
                           "------+----\n"
                           " \xe6\x97\xa5\xe6\x9c\xac |  1\n"
                           " e\xcc\x81    | 10\n"
                           "(2 rows)\n\n");
    free(s);
    assert_int_equal(cl_display_width("\xe6\x97\xa5", 3), 2);
    assert_int_equal(cl_display_width("\xff", 1), 4); /* invalid byte shown as \xFF */
}

static void
test_multiline_cell(void **state)
{
    (void)state;
    static const char *const h[] = {"x", "y"};
    static const ClColKind k[] = {CL_COL_TEXT, CL_COL_NUMBER};
    static const char *const c[] = {"a\nbc", "1"};
    ClTable t = {2, 1, h, k, c, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    char *s = render(&t, &o);
    assert_string_equal(s, " x  | y \n"
                           "----+---\n"
                           " a +| 1\n"
                           " bc | \n"
                           "(1 row)\n\n");
    free(s);
}

static void
test_control_bytes_are_escaped(void **state)
{
    (void)state;
    static const char *const h[] = {"v"};
    static const char *const c[] = {"a\x1b[31mb"};
    ClTable t = {1, 1, h, NULL, c, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    char *s = render(&t, &o);
    assert_non_null(strstr(s, "a\\x1B[31mb"));
    assert_null(strchr(s, '\x1b'));
    free(s);
}

static void
test_expanded(void **state)
{
    (void)state;
    static const char *const h[] = {"x", "y"};
    static const char *const c[] = {"a", "abcdefghijklmnopqrstuvwxyz0123", "bbbbbb", "c"};
    ClTable t = {2, 2, h, NULL, c, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    o.expanded = CL_X_ON;
    char *s = render(&t, &o);
    assert_string_equal(s, "-[ RECORD 1 ]---------------------\n"
                           "x | a\n"
                           "y | abcdefghijklmnopqrstuvwxyz0123\n"
                           "-[ RECORD 2 ]---------------------\n"
                           "x | bbbbbb\n"
                           "y | c\n"
                           "\n");
    free(s);
}

static void
test_auto_expanded(void **state)
{
    (void)state;
    static const char *const h[] = {"x", "y"};
    static const char *const c[] = {"a", "abcdefghijklmnopqrstuvwxyz0123"};
    ClTable t = {2, 1, h, NULL, c, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    o.expanded = CL_X_AUTO;
    assert_int_equal(cl_table_width(&t, &o), 2 + 1 + 3 + 30);
    o.term_width = 80;
    assert_false(cl_table_use_expanded(&t, &o));
    o.term_width = 30;
    assert_true(cl_table_use_expanded(&t, &o));
    char *s = render(&t, &o);
    assert_non_null(strstr(s, "-[ RECORD 1 ]"));
    free(s);
    o.term_width = 0; /* not a terminal: never switch */
    assert_false(cl_table_use_expanded(&t, &o));
}

static void
test_unaligned_csv_json(void **state)
{
    (void)state;
    ClTable t = {3, 3, heads3, kinds3, cells3, NULL, NULL, 0};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    o.format = CL_FMT_UNALIGNED;
    char *s = render(&t, &o);
    assert_string_equal(s, "a|b|c\n1|h\xc3\xa9llo|2.50\n22||-3.00\n333|x|\n(3 rows)\n");
    free(s);

    static const char *const h[] = {"e", "n", "c", "q"};
    static const char *const c[] = {"", NULL, "x,y", "q\"q"};
    ClTable t2 = {4, 1, h, NULL, c, NULL, NULL, 0};
    o.format = CL_FMT_CSV;
    s = render(&t2, &o);
    assert_string_equal(s, "e,n,c,q\n\"\",,\"x,y\",\"q\"\"q\"\n");
    free(s);

    static const char *const hj[] = {"n", "b", "s", "nan"};
    static const ClColKind kj[] = {CL_COL_NUMBER, CL_COL_BOOL, CL_COL_TEXT, CL_COL_NUMBER};
    static const char *const cj[] = {"-1.5e3", "t", "a\"\n", "NaN", "7", "f", NULL, "1"};
    ClTable t3 = {4, 2, hj, kj, cj, NULL, NULL, 0};
    o.format = CL_FMT_JSON;
    s = render(&t3, &o);
    assert_string_equal(s, "[{\"n\":-1.5e3,\"b\":true,\"s\":\"a\\\"\\n\",\"nan\":\"NaN\"},\n"
                           " {\"n\":7,\"b\":false,\"s\":null,\"nan\":1}]\n");
    free(s);
}

static void
test_title_and_footers(void **state)
{
    (void)state;
    static const char *const h[] = {"Column", "Type"};
    static const char *const c[] = {"a", "integer"};
    static const char *const f[] = {"Distribution: HASH(a)"};
    ClTable t = {2, 1, h, NULL, c, "Table \"public.t\"", f, 1};
    ClPrintOpts o;
    cl_print_opts_default(&o);
    o.show_row_count = false;
    char *s = render(&t, &o);
    /* the title is centred over the table, as psql does */
    assert_string_equal(s, " Table \"public.t\"\n"
                           " Column |  Type   \n"
                           "--------+---------\n"
                           " a      | integer\n"
                           "Distribution: HASH(a)\n\n");
    free(s);
}

static void
test_kind_from_oid(void **state)
{
    (void)state;
    assert_int_equal(cl_kind_from_oid(23), CL_COL_NUMBER);
    assert_int_equal(cl_kind_from_oid(1700), CL_COL_NUMBER);
    assert_int_equal(cl_kind_from_oid(16), CL_COL_BOOL);
    assert_int_equal(cl_kind_from_oid(25), CL_COL_TEXT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aligned_like_psql),
        cmocka_unit_test(test_null_display_and_tuples_only),
        cmocka_unit_test(test_wide_characters_align),
        cmocka_unit_test(test_multiline_cell),
        cmocka_unit_test(test_control_bytes_are_escaped),
        cmocka_unit_test(test_expanded),
        cmocka_unit_test(test_auto_expanded),
        cmocka_unit_test(test_unaligned_csv_json),
        cmocka_unit_test(test_title_and_footers),
        cmocka_unit_test(test_kind_from_oid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
