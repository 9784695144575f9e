/*
 * test_tpch.c — unit tests of the TPC-H / SSB generator (tpch/).
 *
 *   - every TPC-H table at SF 0.01 equals dbgen 2.17.3's output in
 *     $KESTREL_SHARED/tpch/sf0.01 byte for byte, through the callback API
 *     and through the parallel file writer (1 and 2 threads)
 *   - parts 1..4 of 4 concatenated equal the whole (API and files)
 *   - row counts at SF 0.01 and SF 1
 *   - SSB tables: counts, parts, column rules
 *   - queries: validation texts equal the shipped files; seeded texts are
 *     deterministic and stay inside the parameter domains
 *   - bad input: scale factors, parts, directories, a write that fails
 *     (file size limit) leaves no file behind
 *   - kestrel-tpch's exit codes (0 ok, 1 failure, 2 usage) when built
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <cmocka.h>

#include "tpch/tpch.h"

/* ------------------------------------------------------------------ */
/* helpers                                                              */
/* ------------------------------------------------------------------ */
typedef struct Mem {
    char *p;
    size_t len, cap;
} Mem;

static void
mem_put(Mem *m, const void *p, size_t n)
{
    if (m->len + n > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 1 << 16;
        while (nc < m->len + n) nc *= 2;
        m->p = realloc(m->p, nc);
        assert_non_null(m->p);
        m->cap = nc;
    }
    memcpy(m->p + m->len, p, n);
    m->len += n;
}

static int
collect(void *ctx, const TpchField *f, int n, KErr *err)
{
    (void)err;
    Mem *m = ctx;
    for (int i = 0; i < n; i++) {
        if (i) mem_put(m, "|", 1);
        mem_put(m, f[i].ptr, f[i].len);
    }
    mem_put(m, "\n", 1);
    return K_OK;
}

static Mem
gen_mem(TpchBenchmark b, int table, const TpchScale *sf, int part, int nparts)
{
    Mem m = {0};
    KErr err;
    int rc = tpch_generate(b, table, sf, part, nparts, collect, &m, &err);
    if (rc != K_OK) fail_msg("tpch_generate: %s", err.message);
    return m;
}

static const char *
shared_dir(void)
{
    const char *s = getenv("KESTREL_SHARED");
    return s ? s : "../shared";
}

static bool
read_file(const char *path, Mem *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) mem_put(out, buf, n);
    fclose(f);
    return true;
}

/* The reference file, decompressed with libzstd's streaming API. */
static Mem
reference(const char *table)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/tpch/sf0.01/%s.tbl.zst", shared_dir(), table);
    Mem z = {0}, out = {0};
    if (!read_file(path, &z)) fail_msg("cannot read %s", path);
    ZSTD_DStream *ds = ZSTD_createDStream();
    assert_non_null(ds);
    ZSTD_initDStream(ds);
    ZSTD_inBuffer in = {z.p, z.len, 0};
    char buf[1 << 16];
    while (in.pos < in.size) {
        ZSTD_outBuffer ob = {buf, sizeof(buf), 0};
        size_t r = ZSTD_decompressStream(ds, &ob, &in);
        if (ZSTD_isError(r)) fail_msg("zstd: %s", ZSTD_getErrorName(r));
        mem_put(&out, buf, ob.pos);
    }
    ZSTD_freeDStream(ds);
    free(z.p);
    return out;
}

static void
assert_same_text(const char *what, const Mem *got, const Mem *want)
{
    if (got->len == want->len && memcmp(got->p, want->p, got->len) == 0) return;
    size_t i = 0, line = 1, ls = 0;
    while (i < got->len && i < want->len && got->p[i] == want->p[i]) {
        if (got->p[i] == '\n') {
            line++;
            ls = i + 1;
        }
        i++;
    }
    fail_msg("%s differs at line %zu (byte %zu): got \"%.60s\" want \"%.60s\" (sizes %zu/%zu)",
             what, line, i, got->p + ls, want->p + ls, got->len, want->len);
}

static TpchScale
scale(const char *text)
{
    TpchScale s;
    KErr err;
    assert_int_equal(tpch_scale_parse(text, &s, &err), K_OK);
    return s;
}

static void
make_tmpdir(char *out, size_t cap)
{
    const char *base = getenv("KESTREL_BUILD");
    snprintf(out, cap, "%s/tpch-test-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(out)) {
        snprintf(out, cap, "/tmp/tpch-test-XXXXXX");
        assert_non_null(mkdtemp(out));
    }
}

static void
rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[2048];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static int
count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static int
split_fields(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '|') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

/* ------------------------------------------------------------------ */
/* TPC-H                                                                */
/* ------------------------------------------------------------------ */
static void
test_sf001_callback_matches_dbgen(void **state)
{
    (void)state;
    TpchScale sf = scale("0.01");
    for (int t = 0; t < tpch_table_count(TPCH_BENCH_TPCH); t++) {
        const char *name = tpch_table_info(TPCH_BENCH_TPCH, t)->name;
        Mem want = reference(name);
        Mem got = gen_mem(TPCH_BENCH_TPCH, t, &sf, 1, 1);
        assert_same_text(name, &got, &want);
        free(got.p);
        free(want.p);
    }
}

static void
check_written(const char *dir, int nparts)
{
    for (int t = 0; t < tpch_table_count(TPCH_BENCH_TPCH); t++) {
        const char *name = tpch_table_info(TPCH_BENCH_TPCH, t)->name;
        Mem want = reference(name), got = {0};
        char path[2048];
        if (nparts == 1) {
            snprintf(path, sizeof(path), "%s/%s.tbl", dir, name);
            assert_true(read_file(path, &got));
        } else {
            for (int i = 1; i <= nparts; i++) {
                snprintf(path, sizeof(path), "%s/%s.tbl.%d", dir, name, i);
                if (!read_file(path, &got)) fail_msg("missing %s", path);
            }
        }
        assert_same_text(name, &got, &want);
        free(got.p);
        free(want.p);
    }
}

static void
test_sf001_files_match_dbgen(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        char dir[1024];
        make_tmpdir(dir, sizeof(dir));
        TpchWriteOptions o = {0};
        o.benchmark = TPCH_BENCH_TPCH;
        o.scale = scale("0.01");
        o.out_dir = dir;
        o.threads = threads;
        o.part = o.nparts = 1;
        KErr err;
        if (tpch_write_tables(&o, &err) != K_OK) fail_msg("write: %s", err.message);
        check_written(dir, 1);
        assert_int_equal(count_entries(dir), 8); /* no temporary files left */
        rm_tree(dir);
    }
}

static void
test_parts_concatenate_to_whole(void **state)
{
    (void)state;
    TpchScale sf = scale("0.01");
    /* through the callback API, every table */
    for (int t = 0; t < tpch_table_count(TPCH_BENCH_TPCH); t++) {
        Mem whole = gen_mem(TPCH_BENCH_TPCH, t, &sf, 1, 1), cat = {0};
        for (int i = 1; i <= 4; i++) {
            Mem p = gen_mem(TPCH_BENCH_TPCH, t, &sf, i, 4);
            if (p.len) mem_put(&cat, p.p, p.len);
            free(p.p);
        }
        assert_same_text(tpch_table_info(TPCH_BENCH_TPCH, t)->name, &cat, &whole);
        free(whole.p);
        free(cat.p);
    }
    /* through the file writer (<table>.tbl.<i>) */
    char dir[1024];
    make_tmpdir(dir, sizeof(dir));
    for (int i = 1; i <= 4; i++) {
        TpchWriteOptions o = {0};
        o.benchmark = TPCH_BENCH_TPCH;
        o.scale = sf;
        o.out_dir = dir;
        o.threads = 2;
        o.part = i;
        o.nparts = 4;
        KErr err;
        if (tpch_write_tables(&o, &err) != K_OK) fail_msg("write part %d: %s", i, err.message);
    }
    check_written(dir, 4);
    rm_tree(dir);
}

static void
test_row_counts(void **state)
{
    (void)state;
    static const int64_t sf001[] = {2000, 8000, 100, 1500, 15000, 60175, 25, 5};
    static const int64_t sf1[] = {200000, 800000, 10000, 150000, 1500000, 6001215, 25, 5};
    TpchScale a = scale("0.01"), b = scale("1");
    KErr err;
    for (int t = 0; t < TPCH_NTABLES; t++) {
        int64_t n;
        assert_int_equal(tpch_row_count(TPCH_BENCH_TPCH, t, &a, 1, 1, &n, &err), K_OK);
        assert_int_equal(n, sf001[t]);
        assert_int_equal(tpch_row_count(TPCH_BENCH_TPCH, t, &b, 1, 1, &n, &err), K_OK);
        assert_int_equal(n, sf1[t]);
        /* parts add up */
        int64_t sum = 0;
        for (int i = 1; i <= 3; i++) {
            assert_int_equal(tpch_row_count(TPCH_BENCH_TPCH, t, &b, i, 3, &n, &err), K_OK);
            sum += n;
        }
        assert_int_equal(sum, sf1[t]);
    }
    TpchScale c = scale("2.5"); /* fractional above 1: per-mille scaling */
    int64_t n;
    assert_int_equal(tpch_row_count(TPCH_BENCH_TPCH, TPCH_CUSTOMER, &c, 1, 1, &n, &err), K_OK);
    assert_int_equal(n, 375000);
}

static void
test_table_lookup_and_schema(void **state)
{
    (void)state;
    assert_int_equal(tpch_table_lookup(TPCH_BENCH_TPCH, "LINEITEM"), TPCH_LINEITEM);
    assert_int_equal(tpch_table_lookup(TPCH_BENCH_TPCH, "lineorder"), -1);
    assert_int_equal(tpch_table_lookup(TPCH_BENCH_SSB, "lineorder"), SSB_LINEORDER);
    assert_null(tpch_table_info(TPCH_BENCH_TPCH, 99));
    assert_int_equal(tpch_table_info(TPCH_BENCH_TPCH, TPCH_LINEITEM)->ncols, 16);
    assert_non_null(strstr(tpch_schema_sql(TPCH_BENCH_TPCH), "CREATE TABLE lineitem"));
    assert_non_null(strstr(tpch_schema_sql(TPCH_BENCH_SSB), "CREATE TABLE lineorder"));
}

/* typed batches: lineitem at SF 0.01 with the schema's column types */
typedef struct BatchSum {
    int64_t rows, batches, qty_cents, first_ship;
    uint32_t max_count;
} BatchSum;

static int
sum_batch(void *ctx, const KBatch *b, KErr *err)
{
    (void)err;
    BatchSum *s = ctx;
    if (s->rows == 0) s->first_ship = *(const int32_t *)k_vec_slot(&b->cols[10], 0);
    for (uint32_t i = 0; i < b->count; i++)
        s->qty_cents += *(const int64_t *)k_vec_slot(&b->cols[4], i);
    s->rows += b->count;
    s->batches++;
    if (b->count > s->max_count) s->max_count = b->count;
    return K_OK;
}

static void
test_batches(void **state)
{
    (void)state;
    KType t[16];
    for (int i = 0; i < 4; i++) t[i] = k_type(K_TYPE_INT32);
    for (int i = 4; i < 8; i++) t[i] = k_type_decimal(15, 2);
    t[8] = k_type_char(1);
    t[9] = k_type_char(1);
    for (int i = 10; i < 13; i++) t[i] = k_type(K_TYPE_DATE);
    t[13] = k_type_char(25);
    t[14] = k_type_char(10);
    t[15] = k_type_varchar(44);
    KArena *a = k_arena_create(NULL, "test");
    assert_non_null(a);
    TpchScale sf = scale("0.01");
    BatchSum s = {0};
    KErr err;
    int rc =
        tpch_generate_batches(TPCH_BENCH_TPCH, TPCH_LINEITEM, &sf, 1, 1, t, a, sum_batch, &s, &err);
    if (rc != K_OK) fail_msg("batches: %s", err.message);
    assert_int_equal(s.rows, 60175);
    assert_int_equal(s.max_count, K_VECTOR_SIZE);
    assert_int_equal(s.batches, (60175 + K_VECTOR_SIZE - 1) / K_VECTOR_SIZE);
    int32_t d;
    assert_int_equal(k_parse_date("1996-03-13", 10, &d, &err), K_OK);
    assert_int_equal(s.first_ship, d);
    /* sum of l_quantity from the text */
    Mem m = gen_mem(TPCH_BENCH_TPCH, TPCH_LINEITEM, &sf, 1, 1);
    mem_put(&m, "", 1);
    int64_t qty = 0;
    char *save = NULL;
    for (char *ln = strtok_r(m.p, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char *fld[20];
        split_fields(ln, fld, 20);
        qty += atol(fld[4]) * 100;
    }
    assert_int_equal(s.qty_cents, qty);
    free(m.p);
    /* a type the text does not fit is an error, not a crash */
    t[1] = k_type(K_TYPE_DATE);
    assert_int_equal(
        tpch_generate_batches(TPCH_BENCH_TPCH, TPCH_LINEITEM, &sf, 1, 1, t, a, sum_batch, &s, &err),
        K_ERR);
    k_arena_destroy(a);
}

/* ------------------------------------------------------------------ */
/* bad input                                                            */
/* ------------------------------------------------------------------ */
static void
test_bad_scale_and_parts(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "abc", "0", "-1", "1e9", "nan", "inf", "1x", "0.0001"};
    TpchScale s;
    KErr err;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(tpch_scale_parse(bad[i], &s, &err), K_ERR);
        assert_int_equal(err.code, K_INVALID_PARAMETER_VALUE);
        assert_true(err.message[0] != '\0');
    }
    TpchScale sf = scale("0.01");
    int64_t n;
    assert_int_equal(tpch_row_count(TPCH_BENCH_TPCH, TPCH_ORDERS, &sf, 5, 4, &n, &err), K_ERR);
    assert_int_equal(tpch_row_count(TPCH_BENCH_TPCH, TPCH_ORDERS, &sf, 0, 4, &n, &err), K_ERR);
    assert_int_equal(tpch_row_count(TPCH_BENCH_TPCH, 42, &sf, 1, 1, &n, &err), K_ERR);
    Mem m = {0};
    assert_int_equal(tpch_generate(TPCH_BENCH_TPCH, TPCH_SUPPLIER, &sf, 1, 1000, collect, &m, &err),
                     K_ERR);
    free(m.p);
}

static void
test_bad_output_dir(void **state)
{
    (void)state;
    TpchWriteOptions o = {0};
    o.benchmark = TPCH_BENCH_TPCH;
    o.scale = scale("0.01");
    o.part = o.nparts = 1;
    o.threads = 1;
    o.table_mask = 1u << TPCH_REGION;
    KErr err;
    o.out_dir = "/nonexistent/kestrel/tpch";
    assert_int_equal(tpch_write_tables(&o, &err), K_ERR);
    assert_non_null(strstr(err.message, "/nonexistent/kestrel/tpch"));
    o.out_dir = "/dev/null";
    assert_int_equal(tpch_write_tables(&o, &err), K_ERR);
    if (geteuid() != 0) {
        char dir[1024];
        make_tmpdir(dir, sizeof(dir));
        chmod(dir, 0500);
        o.out_dir = dir;
        assert_int_equal(tpch_write_tables(&o, &err), K_ERR);
        chmod(dir, 0700);
        assert_int_equal(count_entries(dir), 0);
        rm_tree(dir);
    }
}

/* A write that fails half way (file size limit, like a full disk) reports
 * the file and leaves neither a final nor a temporary file. */
static void
test_failed_write_leaves_nothing(void **state)
{
    (void)state;
    char dir[1024];
    make_tmpdir(dir, sizeof(dir));
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 100000; /* lineitem at SF 0.01 is 7.3 MB */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    TpchWriteOptions o = {0};
    o.benchmark = TPCH_BENCH_TPCH;
    o.scale = scale("0.01");
    o.part = o.nparts = 1;
    o.threads = 2;
    o.out_dir = dir;
    o.table_mask = 1u << TPCH_LINEITEM;
    KErr err;
    int rc = tpch_write_tables(&o, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(rc, K_ERR);
    assert_non_null(strstr(err.message, "could not write"));
    assert_int_equal(count_entries(dir), 0);
    rm_tree(dir);
}

/* ------------------------------------------------------------------ */
/* SSB                                                                  */
/* ------------------------------------------------------------------ */

static void
test_ssb(void **state)
{
    (void)state;
    TpchScale sf = scale("0.01");
    KErr err;
    static const int64_t want[] = {-1, 300, 20, 2000, 2556};
    for (int t = 0; t < SSB_NTABLES; t++) {
        Mem whole = gen_mem(TPCH_BENCH_SSB, t, &sf, 1, 1), cat = {0};
        int64_t rows = 0, n;
        for (size_t i = 0; i < whole.len; i++) rows += whole.p[i] == '\n';
        assert_int_equal(tpch_row_count(TPCH_BENCH_SSB, t, &sf, 1, 1, &n, &err), K_OK);
        assert_int_equal(rows, n);
        if (want[t] >= 0) assert_int_equal(rows, want[t]);
        for (int i = 1; i <= 3; i++) {
            Mem p = gen_mem(TPCH_BENCH_SSB, t, &sf, i, 3);
            if (p.len) mem_put(&cat, p.p, p.len);
            free(p.p);
        }
        assert_same_text(tpch_table_info(TPCH_BENCH_SSB, t)->name, &cat, &whole);
        /* column rules */
        mem_put(&whole, "", 1);
        int ncols = tpch_table_info(TPCH_BENCH_SSB, t)->ncols;
        char *save = NULL;
        long prev_key = 0;
        for (char *line = strtok_r(whole.p, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char *f[20];
            assert_int_equal(split_fields(line, f, 20), ncols);
            if (t == SSB_CUSTOMER || t == SSB_SUPPLIER) {
                assert_int_equal(strlen(f[3]), 10); /* city */
                assert_int_equal(strncmp(f[3], f[4], strlen(f[4]) < 9 ? strlen(f[4]) : 9), 0);
                assert_true(strlen(f[2]) >= 10 && strlen(f[2]) <= 25);
            } else if (t == SSB_PART) {
                assert_int_equal(strncmp(f[4], f[3], 7), 0); /* brand under category */
                assert_int_equal(strncmp(f[3], f[2], 6), 0); /* category under mfgr */
                assert_int_equal(strlen(f[4]), 9);
                assert_int_equal(strncmp(f[1], f[5], strlen(f[5])), 0); /* color in name */
            } else if (t == SSB_DATE) {
                long key = atol(f[0]);
                assert_true(key > prev_key);
                prev_key = key;
            } else if (t == SSB_LINEORDER) {
                long ext = atol(f[9]), disc = atol(f[11]), rev = atol(f[12]);
                assert_int_equal(rev, ext * (100 - disc) / 100);
                assert_true(atol(f[15]) > atol(f[5])); /* committed after ordered */
            }
        }
        free(whole.p);
        free(cat.p);
    }
}

/* ------------------------------------------------------------------ */
/* queries                                                              */
/* ------------------------------------------------------------------ */
static void
test_queries(void **state)
{
    (void)state;
    const char *src = getenv("KESTREL_SOURCE");
    KErr err;
    assert_int_equal(tpch_query_count(TPCH_BENCH_TPCH), 22);
    assert_int_equal(tpch_query_count(TPCH_BENCH_SSB), 13);
    for (int b = 0; b < 2; b++) {
        for (int q = 1; q <= tpch_query_count((TpchBenchmark)b); q++) {
            const char *text = tpch_query_text((TpchBenchmark)b, q);
            assert_non_null(text);
            if (src) {
                char path[2048];
                snprintf(path, sizeof(path), "%s/tpch/%s/q%02d.sql", src,
                         b ? "ssb-queries" : "queries", q);
                Mem m = {0};
                assert_true(read_file(path, &m));
                mem_put(&m, "", 1);
                assert_string_equal(text, m.p);
                free(m.p);
            }
            /* the shipped copy is the shared validation text */
            char spath[2048];
            snprintf(spath, sizeof(spath), "%s/%s/queries/q%02d.sql", shared_dir(),
                     b ? "ssb" : "tpch", q);
            Mem sm = {0};
            if (read_file(spath, &sm)) {
                mem_put(&sm, "", 1);
                assert_string_equal(text, sm.p);
            }
            free(sm.p);
            /* seeded: deterministic, and some seed changes the text */
            KBuf a, c;
            k_buf_init(&a);
            k_buf_init(&c);
            assert_int_equal(tpch_query_generate((TpchBenchmark)b, q, 7, 1.0, &a, &err), K_OK);
            assert_int_equal(tpch_query_generate((TpchBenchmark)b, q, 7, 1.0, &c, &err), K_OK);
            assert_int_equal(a.len, c.len);
            assert_memory_equal(a.data, c.data, a.len);
            bool changed = false;
            for (uint64_t seed = 1; seed < 20 && !changed; seed++) {
                k_buf_clear(&c);
                assert_int_equal(tpch_query_generate((TpchBenchmark)b, q, seed, 1.0, &c, &err),
                                 K_OK);
                changed = c.len != strlen(text) || memcmp(c.data, text, c.len) != 0;
            }
            assert_true(changed);
            k_buf_free(&a);
            k_buf_free(&c);
        }
    }
    /* Q1's delta stays in [60, 120] */
    for (uint64_t seed = 0; seed < 200; seed++) {
        KBuf a;
        k_buf_init(&a);
        assert_int_equal(tpch_query_generate(TPCH_BENCH_TPCH, 1, seed, 1.0, &a, &err), K_OK);
        k_buf_put_u8(&a, 0);
        const char *p = strstr((const char *)a.data, "interval '");
        assert_non_null(p);
        int d = atoi(p + 10);
        assert_true(d >= 60 && d <= 120);
        k_buf_free(&a);
    }
    KBuf a;
    k_buf_init(&a);
    assert_int_equal(tpch_query_generate(TPCH_BENCH_TPCH, 23, 1, 1.0, &a, &err), K_ERR);
    assert_int_equal(tpch_query_generate(TPCH_BENCH_SSB, 0, 1, 1.0, &a, &err), K_ERR);
    k_buf_free(&a);
}

/* ------------------------------------------------------------------ */
/* the command line                                                     */
/* ------------------------------------------------------------------ */
static int
run_cli(const char *fmt, ...)
{
    const char *build = getenv("KESTREL_BUILD");
    char args[1024], cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "'%s/kestrel-tpch' %s >/dev/null 2>&1", build, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void
test_cli(void **state)
{
    (void)state;
    const char *build = getenv("KESTREL_BUILD");
    char exe[1024];
    snprintf(exe, sizeof(exe), "%s/kestrel-tpch", build ? build : ".");
    if (!build || access(exe, X_OK) != 0) skip();
    assert_int_equal(run_cli("--help"), 0);
    assert_int_equal(run_cli("gen --help"), 0);
    assert_int_equal(run_cli("queries --help"), 0);
    assert_int_equal(run_cli("frobnicate"), 2);
    assert_int_equal(run_cli("gen --frobnicate"), 2);
    assert_int_equal(run_cli("gen --part 5/4"), 2);
    assert_int_equal(run_cli("gen --tables lineitem,nosuch"), 2);
    assert_int_equal(run_cli("gen --sf abc --out /tmp"), 1);
    assert_int_equal(run_cli("gen --sf 0 --out /tmp"), 1);
    assert_int_equal(run_cli("gen --sf 0.01 --out /nonexistent/dir"), 1);
    assert_int_equal(run_cli("queries --query 99"), 2);
    char dir[1024];
    make_tmpdir(dir, sizeof(dir));
    assert_int_equal(run_cli("gen --sf 0.01 --tables region,nation --out '%s' --quiet", dir), 0);
    assert_int_equal(count_entries(dir), 2);
    Mem got = {0}, want = reference("nation");
    char path[2048];
    snprintf(path, sizeof(path), "%s/nation.tbl", dir);
    assert_true(read_file(path, &got));
    assert_same_text("nation.tbl", &got, &want);
    free(got.p);
    free(want.p);
    rm_tree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sf001_callback_matches_dbgen),
        cmocka_unit_test(test_sf001_files_match_dbgen),
        cmocka_unit_test(test_parts_concatenate_to_whole),
        cmocka_unit_test(test_row_counts),
        cmocka_unit_test(test_table_lookup_and_schema),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_bad_scale_and_parts),
        cmocka_unit_test(test_bad_output_dir),
        cmocka_unit_test(test_failed_write_leaves_nothing),
        cmocka_unit_test(test_ssb),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
