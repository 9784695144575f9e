/*
 * bench_load.c — storage load benchmark (not a unit test): COPY the eight
 * TPC-H .tbl files of a directory into a fresh data directory with N parse
 * threads, then report load time, stored bytes per table and per column,
 * and a full scan of every column.
 *
 *   bench_storage_load TBL_DIR DB_DIR [THREADS] [--fsync]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/kestrel.h"
#include "storage/storage.h"
#include "tpch_schema.h"

static double
secs(uint64_t ns)
{
    return (double)ns / 1e9;
}

int
main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s TBL_DIR DB_DIR [THREADS] [--fsync]\n", argv[0]);
        return 2;
    }
    uint32_t threads = argc > 3 ? (uint32_t)atoi(argv[3]) : 2;
    bool do_fsync = argc > 4 && strcmp(argv[4], "--fsync") == 0;
    KErr err;
    StDb *db;
    StDbOptions o = {.no_fsync = !do_fsync};
    if (st_db_open(argv[2], &o, NULL, &db, &err) != K_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    uint64_t t0 = k_now_ns(), total_bytes = 0, total_rows = 0;
    uint32_t ids[8];
    for (size_t t = 0; t < K_ARRAY_LEN(tables); t++) {
        StColumnDef cols[16];
        memset(cols, 0, sizeof cols);
        for (uint32_t c = 0; c < tables[t].ncols; c++) {
            snprintf(cols[c].name, sizeof cols[c].name, "%s", tables[t].cols[c].name);
            cols[c].type = tables[t].cols[c].type;
            cols[c].not_null = true;
        }
        StTableDef def = {.ncols = tables[t].ncols, .cols = cols, .part_col = -1};
        snprintf(def.name, sizeof def.name, "%s", tables[t].name);
        if (st_table_create(db, &def, &ids[t], &err) != K_OK) {
            fprintf(stderr, "create %s: %s\n", tables[t].name, err.message);
            return 1;
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.tbl", argv[1], tables[t].name);
        StCopyOptions co;
        st_copy_options_tbl(&co);
        co.nthreads = threads;
        uint64_t rows, t1 = k_now_ns();
        if (st_copy_from_file(db, ids[t], path, &co, &rows, &err) != K_OK) {
            fprintf(stderr, "copy %s: %s %s\n", tables[t].name, k_sqlstate_code(err.code), err.message);
            return 1;
        }
        StTableStats ts;
        if (st_table_stats(db, ids[t], ST_ALL_PARTITIONS, &ts, &err) != K_OK) return 1;
        printf("%-9s %9llu rows  %7.2f s  %10llu bytes (%.1f MB)\n", tables[t].name, (unsigned long long)rows,
               secs(k_now_ns() - t1), (unsigned long long)ts.bytes, ts.bytes / 1e6);
        total_bytes += ts.bytes;
        total_rows += rows;
    }
    double load = secs(k_now_ns() - t0);
    printf("TOTAL     %9llu rows  %7.2f s  %10llu bytes (%.1f MB), %u threads%s\n",
           (unsigned long long)total_rows, load, (unsigned long long)total_bytes, total_bytes / 1e6, threads,
           do_fsync ? ", fsync" : "");
    printf("\nper column (bytes stored):\n");
    for (size_t t = 0; t < K_ARRAY_LEN(tables); t++) {
        for (uint32_t c = 0; c < tables[t].ncols; c++) {
            uint64_t b;
            if (st_column_bytes(db, ids[t], c, &b, &err) != K_OK) return 1;
            printf("  %-9s %-16s %10llu  (%.1f MB)\n", tables[t].name, tables[t].cols[c].name,
                   (unsigned long long)b, b / 1e6);
        }
    }
    /* scan everything once (one thread) */
    uint64_t t2 = k_now_ns(), rows = 0;
    KArena *a = k_arena_create(NULL, "bench");
    for (size_t t = 0; t < K_ARRAY_LEN(tables); t++) {
        uint32_t cols[16];
        for (uint32_t c = 0; c < tables[t].ncols; c++) cols[c] = c;
        StScanOptions so = {.ncols = tables[t].ncols, .cols = cols};
        StScan *s;
        if (st_scan_open(db, ids[t], &so, a, &s, &err) != K_OK) return 1;
        KBatch *b = k_batch_create(a, so.ncols, st_scan_types(s), &err);
        for (;;) {
            StMorsel *m;
            if (st_scan_next_morsel(s, &m, &err) != K_OK) {
                fprintf(stderr, "scan: %s\n", err.message);
                return 1;
            }
            if (!m) break;
            uint32_t n;
            do {
                if (st_morsel_read(m, b, &n, &err) != K_OK) return 1;
                rows += n;
            } while (n);
            st_morsel_close(m);
        }
        st_scan_close(s);
    }
    printf("\nfull scan of all columns, 1 thread: %llu rows in %.2f s\n", (unsigned long long)rows,
           secs(k_now_ns() - t2));
    k_arena_destroy(a);
    st_db_close(db);
    return 0;
}
