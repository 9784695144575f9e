/*
 * error.c — the KErr error object and the SQLSTATE tables.
 *
 * Interface routines: k_error, k_error_at, k_error_v, k_err_detail,
 * k_err_hint, k_err_clear, k_err_copy, k_sqlstate_code, k_sqlstate_name,
 * k_sqlstate_from_code, k_severity_name, k_error_oom, k_assert_fail.
 *
 * Notes: the code and name tables are generated from sqlstate.def so the
 * list of SQLSTATEs lives in exactly one place.
 */
#include "common/kestrel.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const sqlstate_codes[] = {
#define K_SQLSTATE(name, code) code,
#include "common/sqlstate.def"
#undef K_SQLSTATE
};

static const char *const sqlstate_names[] = {
#define K_SQLSTATE(name, code) #name,
#include "common/sqlstate.def"
#undef K_SQLSTATE
};

void
k_err_clear(KErr *err)
{
    if (!err) return;
    err->code = K_OK_STATE;
    err->severity = K_SEV_ERROR;
    err->pos = -1;
    err->message[0] = err->detail[0] = err->hint[0] = '\0';
}

int
k_error_v(KErr *err, KSqlState code, int32_t pos, const char *fmt, va_list ap)
{
    if (!err) return K_ERR;
    k_err_clear(err);
    err->code = code;
    err->pos = pos;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return K_ERR;
}

int
k_error(KErr *err, KSqlState code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k_error_v(err, code, -1, fmt, ap);
    va_end(ap);
    return K_ERR;
}

int
k_error_at(KErr *err, KSqlState code, int32_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    k_error_v(err, code, pos, fmt, ap);
    va_end(ap);
    return K_ERR;
}

void
k_err_detail(KErr *err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
}

void
k_err_hint(KErr *err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
}

void
k_err_copy(KErr *dst, const KErr *src)
{
    if (dst && src && dst != src) *dst = *src;
}

const char *
k_sqlstate_code(KSqlState s)
{
    return (unsigned)s < K_SQLSTATE_COUNT ? sqlstate_codes[s] : "XX000";
}

const char *
k_sqlstate_name(KSqlState s)
{
    return (unsigned)s < K_SQLSTATE_COUNT ? sqlstate_names[s] : "K_INTERNAL_ERROR";
}

KSqlState
k_sqlstate_from_code(const char *code)
{
    for (int i = 0; i < K_SQLSTATE_COUNT; i++)
        if (code && strncmp(sqlstate_codes[i], code, 5) == 0) return (KSqlState)i;
    return K_INTERNAL_ERROR;
}

const char *
k_severity_name(KSeverity s)
{
    switch (s) {
    case K_SEV_ERROR: return "ERROR";
    case K_SEV_FATAL: return "FATAL";
    case K_SEV_PANIC: return "PANIC";
    case K_SEV_WARNING: return "WARNING";
    case K_SEV_NOTICE: return "NOTICE";
    case K_SEV_INFO: return "INFO";
    case K_SEV_LOG: return "LOG";
    case K_SEV_DEBUG: return "DEBUG";
    }
    return "ERROR";
}

int
k_error_oom(KErr *err, const KArena *a, size_t size)
{
    k_error(err, K_OUT_OF_MEMORY, "out of memory");
    if (a && k_arena_limit(a))
        k_err_detail(
            err,
            "Failed on request of size %zu in memory context \"%s\" (limit %zu bytes, %zu in use).",
            size, k_arena_name(a), k_arena_limit(a), k_arena_used(a));
    else
        k_err_detail(err, "Failed on request of size %zu in memory context \"%s\".", size,
                     a ? k_arena_name(a) : "?");
    k_err_hint(err, "Raise work_mem or the server's memory limit, or simplify the query.");
    return K_ERR;
}

void
k_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
