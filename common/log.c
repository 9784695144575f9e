/*
 * log.c — leveled logging to stderr, and the monotonic clock.
 *
 * Interface routines: k_log, k_log_set_level, k_log_level, k_now_ns.
 */
#include "common/kestrel.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

static int log_level = -1;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

KLogLevel
k_log_level(void)
{
    int l = __atomic_load_n(&log_level, __ATOMIC_RELAXED);
    if (l >= 0) return (KLogLevel)l;
    const char *e = getenv("KESTREL_LOG");
    l = K_LOG_INFO;
    if (e) {
        if (!strcasecmp(e, "debug"))
            l = K_LOG_DEBUG;
        else if (!strcasecmp(e, "warn"))
            l = K_LOG_WARN;
        else if (!strcasecmp(e, "error"))
            l = K_LOG_ERROR;
        else if (!strcasecmp(e, "off"))
            l = K_LOG_OFF;
    }
    __atomic_store_n(&log_level, l, __ATOMIC_RELAXED);
    return (KLogLevel)l;
}

void
k_log_set_level(KLogLevel level)
{
    __atomic_store_n(&log_level, (int)level, __ATOMIC_RELAXED);
}

void
k_log(KLogLevel level, const char *fmt, ...)
{
    if (level < k_log_level() || level >= K_LOG_OFF) return;
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02d %02d:%02d:%02d.%03ld %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, names[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s\n", line);
    pthread_mutex_unlock(&log_lock);
}

uint64_t
k_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
