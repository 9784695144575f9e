/*
 * test_args.c — the command line: psql's letters, repeated -c/-f in order,
 * -v NAME=VALUE, output formats, positional arguments and clear errors.
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

#define PARSE(o, eb, ...)                                                                       \
    ({                                                                                          \
        char *argv_[] = {"kestrel", __VA_ARGS__, NULL};                                         \
        cl_parse_args((int)(sizeof argv_ / sizeof argv_[0]) - 1, argv_, (o), (eb), sizeof(eb)); \
    })

static void
test_connection_options(void **state)
{
    (void)state;
    ClOptions o;
    char eb[256];
    assert_int_equal(PARSE(&o, eb, "-h", "db1", "-p", "6000", "-U", "ann", "-d", "tpch"), K_OK);
    assert_string_equal(o.host, "db1");
    assert_string_equal(o.port, "6000");
    assert_string_equal(o.user, "ann");
    assert_string_equal(o.dbname, "tpch");
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "postgresql://x@h:1/db", "bob"), K_OK);
    assert_string_equal(o.dbname, "postgresql://x@h:1/db");
    assert_string_equal(o.user, "bob");
    cl_options_free(&o);
}

static void
test_actions_in_order(void **state)
{
    (void)state;
    ClOptions o;
    char eb[256];
    assert_int_equal(PARSE(&o, eb, "-c", "select 1", "-f", "a.sql", "--command=select 2"), K_OK);
    assert_int_equal(o.nactions, 3);
    assert_int_equal(o.action_kind[0], CL_ACT_COMMAND);
    assert_int_equal(o.action_kind[1], CL_ACT_FILE);
    assert_string_equal(o.action[1], "a.sql");
    assert_string_equal(o.action[2], "select 2");
    cl_options_free(&o);
}

static void
test_variables_and_formats(void **state)
{
    (void)state;
    ClOptions o;
    char eb[256];
    assert_int_equal(PARSE(&o, eb, "-v", "ON_ERROR_STOP=0", "--set", "X=a=b", "--csv", "-t"), K_OK);
    assert_int_equal(o.nvars, 2);
    assert_string_equal(o.var_name[0], "ON_ERROR_STOP");
    assert_string_equal(o.var_value[0], "0");
    assert_string_equal(o.var_name[1], "X");
    assert_string_equal(o.var_value[1], "a=b");
    assert_int_equal(o.format, CL_FMT_CSV);
    assert_true(o.tuples_only);
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "-A", "-F", ",", "--json"), K_OK);
    assert_int_equal(o.format, CL_FMT_JSON); /* the last one wins */
    assert_string_equal(o.field_sep, ",");
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "--local", "--data", "/tmp/x", "--no-timing"), K_OK);
    assert_true(o.local);
    assert_string_equal(o.data_dir, "/tmp/x");
    assert_int_equal(o.timing, 0);
    cl_options_free(&o);
}

static void
test_errors(void **state)
{
    (void)state;
    ClOptions o;
    char eb[256];
    assert_int_equal(PARSE(&o, eb, "--bogus"), K_ERR);
    assert_string_equal(eb, "unrecognized option '--bogus'");
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "-Z"), K_ERR);
    assert_string_equal(eb, "invalid option -- 'Z'");
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "-c"), K_ERR);
    assert_string_equal(eb, "option requires an argument -- 'c'");
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "-p", "port"), K_ERR);
    assert_string_equal(eb, "invalid port number \"port\"");
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "-v", "novalue"), K_ERR);
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "a", "b", "c"), K_ERR);
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "--local", "-p", "5"), K_ERR);
    cl_options_free(&o);
    assert_int_equal(PARSE(&o, eb, "--help"), K_OK);
    assert_true(o.help);
    cl_options_free(&o);
}

static void
test_usage_mentions_every_option(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cl_usage(f);
    fclose(f);
    const char *opts[] = {"--host",        "--port",        "--username",
                          "--dbname",      "--command",     "--file",
                          "--set",         "--output",      "--field-separator",
                          "--tuples-only", "--no-align",    "--expanded",
                          "--quiet",       "--no-password", "--password",
                          "--csv",         "--json",        "--local",
                          "--data",        "--kestreld",    "--timing",
                          "--no-timing",   "--help",        "--version"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        assert_non_null(strstr(text, opts[i]));
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_options),          cmocka_unit_test(test_actions_in_order),
        cmocka_unit_test(test_variables_and_formats),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_usage_mentions_every_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
