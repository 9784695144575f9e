/*
 * st_test_util.h — helpers shared by the storage unit tests: cmocka
 * includes, temporary directories, scanning a table into per-row text.
 */
#ifndef ST_TEST_UTIL_H
#define ST_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/kestrel.h"
#include "storage/storage.h"

#define CHECK_OK(call, err)                                                                        \
    do {                                                                                           \
        if ((call) != K_OK) {                                                                      \
            print_error("%s failed: %s %s (%s)\n", #call, k_sqlstate_code((err)->code),          \
                        (err)->message, (err)->detail);                                            \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* A fresh temporary directory (removed by rm_rf). */
static inline char *
tmp_dir(const char *tag)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "/tmp/kst-%s-XXXXXX", tag);
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static inline void
rm_rf(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) print_message("could not remove %s\n", path);
}

static inline void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Scan every column of a table; call fn(ctx, batch) for each batch. Also
 * returns the scan counters. */
typedef void (*ScanFn)(void *ctx, const KBatch *b);
static inline int
scan_all(StDb *db, uint32_t tid, const StScanOptions *opts_in, ScanFn fn, void *ctx,
         StScanCounters *cnt, KErr *err)
{
    KArena *a = k_arena_create(NULL, "test scan");
    StTableDef *def;
    if (st_table_get(db, tid, a, &def, err) != K_OK) return K_ERR;
    uint32_t *cols = k_alloc(a, sizeof(uint32_t) * def->ncols);
    for (uint32_t c = 0; c < def->ncols; c++) cols[c] = c;
    StScanOptions o = {0};
    if (opts_in) o = *opts_in;
    if (!o.cols) {
        o.cols = cols;
        o.ncols = def->ncols;
    }
    StScan *s;
    if (st_scan_open(db, tid, &o, a, &s, err) != K_OK) {
        k_arena_destroy(a);
        return K_ERR;
    }
    KBatch *b = k_batch_create(a, o.ncols, st_scan_types(s), err);
    int rc = K_OK;
    for (;;) {
        StMorsel *m;
        if ((rc = st_scan_next_morsel(s, &m, err)) != K_OK || !m) break;
        for (;;) {
            uint32_t n;
            if ((rc = st_morsel_read(m, b, &n, err)) != K_OK || n == 0) break;
            fn(ctx, b);
        }
        st_morsel_close(m);
        if (rc != K_OK) break;
    }
    if (cnt) st_scan_counters(s, cnt);
    st_scan_close(s);
    k_arena_destroy(a);
    return rc;
}

static inline void
count_fn(void *ctx, const KBatch *b)
{
    *(uint64_t *)ctx += b->count;
}

static inline uint64_t
count_rows(StDb *db, uint32_t tid)
{
    KErr err;
    uint64_t n = 0;
    CHECK_OK(scan_all(db, tid, NULL, count_fn, &n, NULL, &err), &err);
    return n;
}

#endif
