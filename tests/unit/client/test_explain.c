/*
 * test_explain.c — the JSON reader, the \explain tree renderer and the
 * \copy parser.
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

static const char plan[] =
    "[{\"Plan\": {\"Node Type\": \"Aggregate\", \"Strategy\": \"Hashed\", \"Plan Rows\": 5,"
    " \"Actual Total Time\": 10.0, \"Actual Rows\": 3, \"Actual Loops\": 1,"
    " \"Plans\": [{\"Node Type\": \"Hash Join\", \"Join Type\": \"Inner\","
    " \"Actual Total Time\": 8.0, \"Actual Rows\": 300, \"Actual Loops\": 1, \"Plan Rows\": 280,"
    " \"Plans\": [{\"Node Type\": \"Seq Scan\", \"Relation Name\": \"lineitem\","
    " \"Alias\": \"l\", \"Actual Total Time\": 6.0, \"Actual Rows\": 6000,"
    " \"Actual Loops\": 1},"
    " {\"Node Type\": \"Hash\", \"Actual Total Time\": 0.5, \"Actual Rows\": 10,"
    " \"Actual Loops\": 1, \"Plans\": [{\"Node Type\": \"Seq Scan\","
    " \"Relation Name\": \"orders\", \"Actual Total Time\": 0.25, \"Actual Loops\": 2,"
    " \"Actual Rows\": 5}]}]}]},"
    " \"Planning Time\": 0.2, \"Execution Time\": 10.5}]";

static void
test_json_values(void **state)
{
    (void)state;
    char eb[128];
    const char *t = "{\"a\": [1, -2.5e1, true, false, null], \"s\": \"x\\u00e9\\n\\ud83d\\ude00\"}";
    ClJson *j = cl_json_parse(t, strlen(t), eb, sizeof eb);
    assert_non_null(j);
    const ClJson *a = cl_json_get(j, "a");
    assert_non_null(a);
    assert_int_equal(a->type, CL_JSON_ARRAY);
    assert_int_equal(a->n, 5);
    assert_true(a->items[1]->num == -25.0);
    assert_int_equal(a->items[2]->type, CL_JSON_BOOL);
    assert_true(a->items[2]->b);
    assert_int_equal(a->items[4]->type, CL_JSON_NULL);
    assert_string_equal(cl_json_get(j, "s")->str, "x\xc3\xa9\n\xf0\x9f\x98\x80");
    assert_null(cl_json_get(j, "missing"));
    cl_json_free(j);
}

static void
test_json_errors(void **state)
{
    (void)state;
    char eb[128];
    const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "\"abc", "tru", "[1] x", "{1:2}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eb[0] = '\0';
        assert_null(cl_json_parse(bad[i], strlen(bad[i]), eb, sizeof eb));
        assert_non_null(strstr(eb, "invalid JSON"));
    }
    /* deep nesting is refused, not a stack overflow */
    char deep[5001];
    memset(deep, '[', 5000);
    deep[5000] = '\0';
    assert_null(cl_json_parse(deep, 5000, eb, sizeof eb));
}

static void
test_explain_tree(void **state)
{
    (void)state;
    ClBuf b;
    cl_buf_init(&b);
    char eb[128];
    assert_int_equal(cl_explain_render(&b, plan, strlen(plan), 120, false, eb, sizeof eb), K_OK);
    const char *s = cl_buf_str(&b);
    assert_non_null(strstr(s, "\nAggregate (Hashed) "));
    assert_non_null(strstr(s, "\n`- Hash Join (Inner) "));
    assert_non_null(strstr(s, "\n   |- Seq Scan on lineitem l "));
    assert_non_null(strstr(s, "\n   `- Hash "));
    assert_non_null(strstr(s, "\n      `- Seq Scan on orders "));
    /* the scan of lineitem has the largest self time (6 of 10 ms): 12 of
     * 20 bar cells; the hash join's self time is 8 - 6.5 = 1.5 ms */
    const char *li = strstr(s, "Seq Scan on lineitem");
    const char *eol = strchr(li, '\n');
    char line[256];
    memcpy(line, li, (size_t)(eol - li));
    line[eol - li] = '\0';
    assert_non_null(strstr(line, " ############        "));
    assert_non_null(strstr(line, "6000"));
    const char *hj = strstr(s, "Hash Join");
    assert_non_null(strstr(hj, "1.500 ms"));
    /* loops multiply: orders scan 0.25 ms x 2 */
    const char *o = strstr(s, "Seq Scan on orders");
    assert_non_null(strstr(o, "0.500 ms"));
    assert_non_null(strstr(s, "Planning: 0.200 ms   Execution: 10.500 ms"));
    cl_buf_free(&b);

    cl_buf_init(&b);
    assert_int_equal(cl_explain_render(&b, plan, strlen(plan), 120, true, eb, sizeof eb), K_OK);
    assert_non_null(strstr(cl_buf_str(&b), "└─ Hash Join"));
    assert_non_null(strstr(cl_buf_str(&b), "█"));
    cl_buf_free(&b);

    cl_buf_init(&b);
    const char *notplan = "[{\"x\": 1}]";
    assert_int_equal(cl_explain_render(&b, notplan, strlen(notplan), 80, false, eb, sizeof eb),
                     K_ERR);
    assert_non_null(strstr(eb, "Plan"));
    cl_buf_free(&b);
}

static void
test_explain_text_plan(void **state)
{
    (void)state;
    /* Kestrel's text EXPLAIN ANALYZE: bars against the slowest operator */
    const char *t = "Fragment 0 (every worker)\n"
                    "  Hash Aggregate [#1]  rows=1  actual rows=1 time=0.120 ms\n"
                    "    Scan t1 [#0]  rows=0  actual rows=0 time=0.060 ms\n"
                    "Execution Time: 0.143 ms";
    ClBuf b;
    cl_buf_init(&b);
    assert_int_equal(cl_explain_render_text(&b, t, strlen(t), 0, false), K_OK);
    assert_string_equal(cl_buf_str(&b),
                        "Fragment 0 (every worker)\n"
                        "  Hash Aggregate [#1]  rows=1  actual rows=1 time=0.120 ms  "
                        "####################\n"
                        "    Scan t1 [#0]  rows=0  actual rows=0 time=0.060 ms       "
                        "##########\n"
                        "Execution Time: 0.143 ms\n");
    cl_buf_free(&b);
    /* no times at all: the text as it came */
    cl_buf_init(&b);
    assert_int_equal(cl_explain_render_text(&b, "Seq Scan on t", 13, 80, true), K_OK);
    assert_string_equal(cl_buf_str(&b), "Seq Scan on t\n");
    cl_buf_free(&b);
}

static void
test_copy_parse(void **state)
{
    (void)state;
    ClCopy c;
    char eb[128];
    assert_int_equal(cl_copy_parse("t from '/tmp/a b.csv' with (format csv)", &c, eb, sizeof eb),
                     K_OK);
    assert_true(c.from);
    assert_string_equal(c.file, "/tmp/a b.csv");
    assert_string_equal(c.sql, "COPY t FROM STDIN with (format csv)");
    cl_copy_free(&c);

    assert_int_equal(
        cl_copy_parse("(select 'from', 1 from t) TO out.csv csv header;", &c, eb, sizeof eb), K_OK);
    assert_false(c.from);
    assert_string_equal(c.file, "out.csv");
    assert_string_equal(c.sql, "COPY (select 'from', 1 from t) TO STDOUT csv header");
    cl_copy_free(&c);

    assert_int_equal(cl_copy_parse("t (a, b) from stdin", &c, eb, sizeof eb), K_OK);
    assert_null(c.file);
    assert_string_equal(c.sql, "COPY t (a, b) FROM STDIN");
    cl_copy_free(&c);

    assert_int_equal(cl_copy_parse("t", &c, eb, sizeof eb), K_ERR);
    assert_int_equal(cl_copy_parse("t from", &c, eb, sizeof eb), K_ERR);
    assert_int_equal(cl_copy_parse("t from 'unterminated", &c, eb, sizeof eb), K_ERR);
    assert_int_equal(cl_copy_parse("(select 1) from 'x'", &c, eb, sizeof eb), K_ERR);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_values),  cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_explain_tree), cmocka_unit_test(test_explain_text_plan),
        cmocka_unit_test(test_copy_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
