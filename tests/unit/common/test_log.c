/*
 * test_log.c — unit tests for common/log.c: the level read from
 * KESTREL_LOG, filtering, the line format on stderr, and the monotonic
 * clock.
 */
#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>

/* Run fn with stderr redirected to a temporary file; return what it wrote. */
static char *
capture_stderr(void (*fn)(void))
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    fn();
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    long n = ftell(tmp);
    fseek(tmp, 0, SEEK_END);
    n = ftell(tmp);
    rewind(tmp);
    char *out = calloc(1, (size_t)n + 1);
    assert_non_null(out);
    if (n > 0) assert_int_equal(fread(out, 1, (size_t)n, tmp), (size_t)n);
    fclose(tmp);
    return out;
}

static void
log_some(void)
{
    k_debug("debug %d", 1);
    k_info("info %d", 2);
    k_warn("warn %d", 3);
    k_log(K_LOG_ERROR, "error %s", "four");
    k_log(K_LOG_OFF, "never");
}

static void
test_env_level(void **state)
{
    (void)state;
    /* main() set KESTREL_LOG=warn before the first call */
    assert_int_equal(k_log_level(), K_LOG_WARN);
    char *out = capture_stderr(log_some);
    assert_null(strstr(out, "debug 1"));
    assert_null(strstr(out, "info 2"));
    assert_non_null(strstr(out, "WARN  warn 3\n"));
    assert_non_null(strstr(out, "ERROR error four\n"));
    assert_null(strstr(out, "never"));
    /* each line starts with a UTC timestamp: 2026-01-02 03:04:05.678 */
    assert_true(strlen(out) > 24);
    assert_int_equal(out[4], '-');
    assert_int_equal(out[10], ' ');
    assert_int_equal(out[13], ':');
    assert_int_equal(out[19], '.');
    free(out);
}

static void
test_set_level(void **state)
{
    (void)state;
    k_log_set_level(K_LOG_DEBUG);
    assert_int_equal(k_log_level(), K_LOG_DEBUG);
    char *out = capture_stderr(log_some);
    assert_non_null(strstr(out, "DEBUG debug 1\n"));
    assert_non_null(strstr(out, "INFO  info 2\n"));
    free(out);
    k_log_set_level(K_LOG_OFF);
    out = capture_stderr(log_some);
    assert_string_equal(out, "");
    free(out);
    k_log_set_level(K_LOG_ERROR);
    out = capture_stderr(log_some);
    assert_null(strstr(out, "warn 3"));
    assert_non_null(strstr(out, "error four"));
    free(out);
}

static void
long_line(void)
{
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    k_log(K_LOG_ERROR, "%s", big);
}

static void
test_long_line(void **state)
{
    (void)state;
    k_log_set_level(K_LOG_INFO);
    char *out = capture_stderr(long_line);
    /* truncated to one bounded line, still newline-terminated */
    size_t n = strlen(out);
    assert_true(n > 1000 && n < 4096);
    assert_int_equal(out[n - 1], '\n');
    assert_null(strchr(out, '\n') == out + n - 1 ? NULL : out);
    free(out);
}

static void
test_clock(void **state)
{
    (void)state;
    uint64_t a = k_now_ns();
    usleep(2000);
    uint64_t b = k_now_ns();
    assert_true(b > a);
    assert_true(b - a >= 1000000);
    assert_true(b - a < 5000000000ull);
}

int
main(void)
{
    setenv("KESTREL_LOG", "warn", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_level),
        cmocka_unit_test(test_set_level),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
