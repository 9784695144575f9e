/*
 * test_cpu.c — unit tests for common/cpu.c: detection, the KESTREL_SIMD
 * environment override (it lowers, never raises) and k_simd_force.
 *
 * The environment is read once, on the first k_simd_level() call, so each
 * case runs in a child process with its own environment.
 */
#include "test_util.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fork, set KESTREL_SIMD=env (NULL: unset), return the child's level. */
static int
level_with_env(const char *env)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (env)
            setenv("KESTREL_SIMD", env, 1);
        else
            unsetenv("KESTREL_SIMD");
        _exit((int)k_simd_level());
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void
test_detect(void **state)
{
    (void)state;
    KSimdLevel hw = k_cpu_detect();
    assert_true(hw >= K_SIMD_SCALAR && hw <= K_SIMD_AVX512);
    assert_int_equal(k_cpu_detect(), hw); /* stable */
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (hw >= K_SIMD_AVX2) assert_true(__builtin_cpu_supports("avx2"));
    if (hw == K_SIMD_AVX512) assert_true(__builtin_cpu_supports("avx512f"));
    if (!__builtin_cpu_supports("avx2")) assert_int_equal(hw, K_SIMD_SCALAR);
#endif
    assert_string_equal(k_simd_name(K_SIMD_SCALAR), "scalar");
    assert_string_equal(k_simd_name(K_SIMD_AVX2), "avx2");
    assert_string_equal(k_simd_name(K_SIMD_AVX512), "avx512");
    print_message("cpu: %s\n", k_simd_name(hw));
}

static void
test_env_override(void **state)
{
    (void)state;
    int hw = (int)k_cpu_detect();
    assert_int_equal(level_with_env(NULL), hw);
    assert_int_equal(level_with_env("scalar"), K_SIMD_SCALAR);
    assert_int_equal(level_with_env("SCALAR"), K_SIMD_SCALAR);
    assert_int_equal(level_with_env("avx2"), K_MIN(hw, (int)K_SIMD_AVX2));
    /* never above what the CPU has */
    assert_int_equal(level_with_env("avx512"), hw);
    /* an unknown value leaves the detected level */
    assert_int_equal(level_with_env("bogus"), hw);
}

static void
test_force(void **state)
{
    (void)state;
    KSimdLevel hw = k_cpu_detect();
    k_simd_force(K_SIMD_SCALAR);
    assert_int_equal(k_simd_level(), K_SIMD_SCALAR);
    k_simd_force(K_SIMD_AVX2);
    assert_int_equal(k_simd_level(), K_MIN(hw, K_SIMD_AVX2));
    k_simd_force(K_SIMD_AVX512);
    assert_int_equal(k_simd_level(), hw);
}

int
main(void)
{
    unsetenv("KESTREL_SIMD");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_env_override),
        cmocka_unit_test(test_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
