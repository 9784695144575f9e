/*
 * test_util.h — small helpers shared by the common/ unit tests.
 *
 * CHECK_ERR(call, "22003") asserts that a fallible call fails with the
 * given SQLSTATE; CHECK_OK(call) that it succeeds (printing the error if
 * not). Both expect a KErr named `err` in scope.
 */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "common/kestrel.h"

#define CHECK_OK(call)                                                                    \
    do {                                                                                  \
        k_err_clear(&err);                                                                \
        if ((call) != K_OK)                                                               \
            fail_msg("%s failed: %s: %s", #call, k_sqlstate_code(err.code), err.message); \
    } while (0)

#define CHECK_ERR(call, state)                                                         \
    do {                                                                               \
        k_err_clear(&err);                                                             \
        if ((call) != K_ERR) fail_msg("%s succeeded, expected %s", #call, state);      \
        if (strcmp(k_sqlstate_code(err.code), state) != 0)                             \
            fail_msg("%s: got %s (%s), expected %s", #call, k_sqlstate_code(err.code), \
                     err.message, state);                                              \
    } while (0)

/* A string literal as a (ptr, len) pair. */
#define S(lit) (lit), (sizeof(lit) - 1)

#endif
