/*
 * test_tpch.c — the official TPC-H SF 0.01 tables through storage: every
 * table is COPY'd from its dbgen .tbl file (2 parse threads), scanned back
 * and printed as .tbl lines again, which must equal the input lines (as
 * multisets, since parallel loading does not keep order). Then lineitem,
 * sorted by l_shipdate and partitioned yearly, is scanned with
 * l_shipdate BETWEEN 1995-01-01 AND 1995-03-31: only the 1995 partition and
 * only the row groups whose zone maps overlap may be read.
 *
 * The .tbl.zst files come from $KESTREL_SHARED/tpch/sf0.01 and are
 * decompressed with libzstd into a temporary directory.
 */
#include "st_test_util.h"

#include <pthread.h>
#include <zstd.h>

#include "tpch_schema.h"

static char *g_tmp;

static const char *
shared_dir(void)
{
    const char *s = getenv("KESTREL_SHARED");
    return s ? s : "/work/shared";
}

/* Decompress <shared>/tpch/sf0.01/<name>.tbl.zst to <tmp>/<name>.tbl. */
static char *
unpack(const char *name)
{
    char src[512], *dst = malloc(512);
    snprintf(src, sizeof src, "%s/tpch/sf0.01/%s.tbl.zst", shared_dir(), name);
    snprintf(dst, 512, "%s/%s.tbl", g_tmp, name);
    if (access(dst, F_OK) == 0) return dst;
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    assert_non_null(in);
    assert_non_null(out);
    ZSTD_DStream *ds = ZSTD_createDStream();
    size_t inb = ZSTD_DStreamInSize(), outb = ZSTD_DStreamOutSize();
    char *ib = malloc(inb), *ob = malloc(outb);
    size_t n;
    while ((n = fread(ib, 1, inb, in)) > 0) {
        ZSTD_inBuffer zi = {ib, n, 0};
        while (zi.pos < zi.size) {
            ZSTD_outBuffer zo = {ob, outb, 0};
            size_t r = ZSTD_decompressStream(ds, &zo, &zi);
            assert_false(ZSTD_isError(r));
            assert_int_equal(fwrite(ob, 1, zo.pos, out), zo.pos);
        }
    }
    ZSTD_freeDStream(ds);
    free(ib);
    free(ob);
    fclose(in);
    fclose(out);
    return dst;
}

static uint32_t
create_table(StDb *db, const Tbl *t, int32_t part_col)
{
    KErr err;
    StColumnDef cols[16];
    memset(cols, 0, sizeof cols);
    for (uint32_t c = 0; c < t->ncols; c++) {
        snprintf(cols[c].name, sizeof cols[c].name, "%s", t->cols[c].name);
        cols[c].type = t->cols[c].type;
        cols[c].not_null = true;
    }
    StTableDef def = {.ncols = t->ncols, .cols = cols, .dist = ST_DIST_HASH, .part_col = part_col};
    snprintf(def.name, sizeof def.name, "%s", t->name);
    uint32_t id;
    CHECK_OK(st_table_create(db, &def, &id, &err), &err);
    return id;
}

/* Read a file into an array of lines (without '\n'). */
typedef struct Lines {
    char *buf;
    char **v;
    size_t n;
} Lines;

static void
read_lines(const char *path, Lines *L)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    L->buf = malloc((size_t)sz + 1);
    assert_int_equal(fread(L->buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    L->buf[sz] = 0;
    size_t cap = 1024;
    L->v = malloc(cap * sizeof(char *));
    L->n = 0;
    char *p = L->buf;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        if (L->n == cap) L->v = realloc(L->v, (cap *= 2) * sizeof(char *));
        L->v[L->n++] = p;
        if (!nl) break;
        p = nl + 1;
    }
}

/* Rewrite each input line through common's parser and formatter (dbgen
 * writes "23" where numeric(15,2) prints "23.00"); independent of the
 * storage module's own fast-path parsers. */
static KArena *
canonicalize(Lines *L, const Tbl *t)
{
    KArena *a = k_arena_create(NULL, "canon");
    KErr err;
    char buf[256];
    for (size_t i = 0; i < L->n; i++) {
        KBuf out;
        k_buf_init(&out);
        const char *p = L->v[i];
        for (uint32_t c = 0; c < t->ncols; c++) {
            const char *e = strchr(p, '|');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            uint8_t slot[16];
            CHECK_OK(k_value_parse(t->cols[c].type, p, n, slot, a, &err), &err);
            int len = k_value_format(t->cols[c].type, slot, buf, sizeof buf);
            if (c) k_buf_put_u8(&out, '|');
            k_buf_put(&out, buf, (size_t)len);
            p = e ? e + 1 : p + n;
        }
        k_buf_put_u8(&out, 0);
        L->v[i] = k_strdup(a, (const char *)out.data);
        k_buf_free(&out);
    }
    return a; /* owns the new lines */
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct Printer {
    KBuf out; /* lines separated by '\n' */
} Printer;

static void
print_fn(void *ctx, const KBatch *b)
{
    Printer *p = ctx;
    char buf[256];
    for (uint32_t r = 0; r < b->count; r++) {
        for (uint32_t c = 0; c < b->ncols; c++) {
            const KVector *v = &b->cols[c];
            assert_true(k_vec_is_valid(v, r));
            int n = k_value_format(v->type, k_vec_slot(v, r), buf, sizeof buf);
            if (c) k_buf_put_u8(&p->out, '|');
            k_buf_put(&p->out, buf, (size_t)n);
        }
        k_buf_put_u8(&p->out, '\n');
    }
}

typedef struct MinMax {
    int32_t mn, mx;
} MinMax;

static void
minmax_fn(void *ctx, const KBatch *b)
{
    MinMax *m = ctx;
    for (uint32_t i = 0; i < b->count; i++) {
        int32_t d = ((int32_t *)b->cols[0].data)[i];
        m->mn = K_MIN(m->mn, d);
        m->mx = K_MAX(m->mx, d);
    }
}


/* Several threads pulling morsels of one scan at once see every row once. */
typedef struct ParScan {
    StScan *s;
    int64_t sum;
    uint64_t rows;
    int rc;
} ParScan;

static void *
par_main(void *arg)
{
    ParScan *p = arg;
    KErr err;
    KArena *a = k_arena_create(NULL, "thread");
    KBatch *b = k_batch_create(a, 1, st_scan_types(p->s), &err);
    p->rc = K_OK;
    for (;;) {
        StMorsel *m;
        if ((p->rc = st_scan_next_morsel(p->s, &m, &err)) != K_OK || !m) break;
        uint32_t n;
        while ((p->rc = st_morsel_read(m, b, &n, &err)) == K_OK && n)
            for (uint32_t i = 0; i < n; i++) p->sum += ((int64_t *)b->cols[0].data)[i];
        p->rows += st_morsel_rows(m);
        st_morsel_close(m);
        if (p->rc != K_OK) break;
    }
    k_arena_destroy(a);
    return NULL;
}

static void
sum_fn(void *ctx, const KBatch *b)
{
    for (uint32_t i = 0; i < b->count; i++) *(int64_t *)ctx += ((int64_t *)b->cols[0].data)[i];
}

static void
parallel_scan_check(StDb *db, uint32_t tid, uint32_t col)
{
    KErr err;
    int64_t want = 0;
    StScanOptions so = {.ncols = 1, .cols = &col};
    CHECK_OK(scan_all(db, tid, &so, sum_fn, &want, NULL, &err), &err);
    KArena *a = k_arena_create(NULL, "par");
    StScan *s;
    CHECK_OK(st_scan_open(db, tid, &so, a, &s, &err), &err);
    enum { NT = 4 };
    ParScan ps[NT];
    pthread_t th[NT];
    for (int i = 0; i < NT; i++) {
        ps[i] = (ParScan){s, 0, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, par_main, &ps[i]), 0);
    }
    int64_t sum = 0;
    uint64_t rows = 0;
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ps[i].rc, K_OK);
        sum += ps[i].sum;
        rows += ps[i].rows;
    }
    StScanCounters cnt;
    st_scan_counters(s, &cnt);
    assert_int_equal(rows, cnt.rows_read);
    assert_int_equal(cnt.row_groups_read, cnt.row_groups_total);
    st_scan_close(s);
    k_arena_destroy(a);
    assert_true(sum == want);
}

static void
test_roundtrip(void **state)
{
    (void)state;
    KErr err;
    char *dir = tmp_dir("tpchdb");
    StDbOptions o = {.no_fsync = true, .row_group_rows = 8192}; /* many row groups */
    StDb *db;
    CHECK_OK(st_db_open(dir, &o, NULL, &db, &err), &err);
    for (size_t t = 0; t < K_ARRAY_LEN(tables); t++) {
        char *path = unpack(tables[t].name);
        uint32_t tid = create_table(db, &tables[t], -1);
        StCopyOptions co;
        st_copy_options_tbl(&co);
        co.nthreads = 2;
        uint64_t rows;
        CHECK_OK(st_copy_from_file(db, tid, path, &co, &rows, &err), &err);
        Lines in;
        read_lines(path, &in);
        assert_int_equal(rows, in.n);
        KArena *canon = canonicalize(&in, &tables[t]);
        /* scan back after reopening */
        st_db_close(db);
        CHECK_OK(st_db_open(dir, &o, NULL, &db, &err), &err);
        Printer pr;
        k_buf_init(&pr.out);
        CHECK_OK(scan_all(db, tid, NULL, print_fn, &pr, NULL, &err), &err);
        k_buf_put_u8(&pr.out, 0);
        assert_false(pr.out.failed);
        Lines got = {0};
        got.v = malloc(sizeof(char *) * (in.n + 1));
        char *p = (char *)pr.out.data;
        while (*p) {
            char *nl = strchr(p, '\n');
            *nl = 0;
            assert_true(got.n < in.n);
            got.v[got.n++] = p;
            p = nl + 1;
        }
        assert_int_equal(got.n, in.n);
        qsort(in.v, in.n, sizeof(char *), cmp_str);
        qsort(got.v, got.n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < in.n; i++) {
            if (strcmp(in.v[i], got.v[i]) != 0) {
                print_error("%s: line differs:\n  in:  %s\n  got: %s\n", tables[t].name, in.v[i], got.v[i]);
                fail();
            }
        }
        StTableStats ts;
        CHECK_OK(st_table_stats(db, tid, ST_ALL_PARTITIONS, &ts, &err), &err);
        assert_int_equal(ts.rows, in.n);
        print_message("%-9s %7zu rows, %8llu bytes stored\n", tables[t].name, in.n,
                      (unsigned long long)ts.bytes);
        free(got.v);
        k_arena_destroy(canon);
        free(in.v);
        free(in.buf);
        k_buf_free(&pr.out);
        free(path);
    }
    /* statistics of a known column: l_returnflag has 3 values */
    uint32_t li;
    CHECK_OK(st_table_lookup(db, NULL, "lineitem", &li, &err), &err);
    KArena *a = k_arena_create(NULL, "t");
    StColumnStats cs;
    CHECK_OK(st_column_stats(db, li, ST_ALL_PARTITIONS, 8, a, &cs, &err), &err);
    assert_true(cs.ndistinct > 2.5 && cs.ndistinct < 3.5);
    CHECK_OK(st_column_stats(db, li, ST_ALL_PARTITIONS, 10, a, &cs, &err), &err);
    MinMax mm = {INT32_MAX, INT32_MIN};
    uint32_t shipcol = 10;
    StScanOptions so = {.ncols = 1, .cols = &shipcol};
    CHECK_OK(scan_all(db, li, &so, minmax_fn, &mm, NULL, &err), &err);
    assert_int_equal(cs.min.u.i64, mm.mn);
    assert_int_equal(cs.max.u.i64, mm.mx);
    assert_true(mm.mn >= k_date_from_ymd(1992, 1, 2) && mm.mx <= k_date_from_ymd(1998, 12, 1));
    parallel_scan_check(db, li, 5); /* l_extendedprice */
    k_arena_destroy(a);
    st_db_close(db);
    rm_rf(dir);
    free(dir);
}

/* ---------------------------------------------------------------- */
/* Pruning                                                            */
/* ---------------------------------------------------------------- */
static int
cmp_shipdate(const void *a, const void *b)
{
    /* field 11 (1-based) of a .tbl line */
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    for (int i = 0; i < 10; i++) {
        x = strchr(x, '|') + 1;
        y = strchr(y, '|') + 1;
    }
    int c = strncmp(x, y, 10);
    return c ? c : strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct Range {
    int32_t lo, hi;
    uint64_t matching;
} Range;

static void
match_fn(void *ctx, const KBatch *b)
{
    Range *r = ctx;
    const int32_t *d = b->cols[0].data;
    for (uint32_t i = 0; i < b->count; i++)
        if (d[i] >= r->lo && d[i] <= r->hi) r->matching++;
}

static void
test_pruning(void **state)
{
    (void)state;
    KErr err;
    char *src = unpack("lineitem");
    Lines in;
    read_lines(src, &in);
    qsort(in.v, in.n, sizeof(char *), cmp_shipdate);
    char sorted[512];
    snprintf(sorted, sizeof sorted, "%s/lineitem_sorted.tbl", g_tmp);
    FILE *f = fopen(sorted, "w");
    for (size_t i = 0; i < in.n; i++) fprintf(f, "%s\n", in.v[i]);
    fclose(f);

    char *dir = tmp_dir("prune");
    StDbOptions o = {.row_group_rows = 2048, .no_fsync = true};
    StDb *db;
    CHECK_OK(st_db_open(dir, &o, NULL, &db, &err), &err);
    uint32_t tid = create_table(db, &tables[7], 10);
    StDatum lo = {.u.i64 = k_date_from_ymd(1992, 1, 1)}, hi = {.u.i64 = k_date_from_ymd(1999, 1, 1)};
    CHECK_OK(st_partition_add_ranges(db, tid, lo, hi, 7, &err), &err);
    StCopyOptions co;
    st_copy_options_tbl(&co);
    co.nthreads = 2; /* each thread writes its own lane: row groups stay sorted */
    uint64_t rows;
    CHECK_OK(st_copy_from_file(db, tid, sorted, &co, &rows, &err), &err);
    assert_int_equal(rows, in.n);

    KArena *a = k_arena_create(NULL, "t");
    StTableDef *def;
    CHECK_OK(st_table_get(db, tid, a, &def, &err), &err);
    uint32_t p1995 = def->parts[3].id;
    assert_int_equal(def->parts[3].lo.u.i64, k_date_from_ymd(1995, 1, 1));

    /* ground truth: rows of 1995 in the range, and the 1995 partition's
     * row groups with their real min/max (read without any predicate) */
    Range want = {k_date_from_ymd(1995, 1, 1), k_date_from_ymd(1995, 3, 31), 0};
    uint32_t shipcol = 10;
    StScanOptions all = {.ncols = 1, .cols = &shipcol};
    CHECK_OK(scan_all(db, tid, &all, match_fn, &want, NULL, &err), &err);
    assert_true(want.matching > 1000);

    StScanOptions part = {.npart_ids = 1, .part_ids = &p1995, .ncols = 1, .cols = &shipcol};
    StScan *s;
    CHECK_OK(st_scan_open(db, tid, &part, a, &s, &err), &err);
    KBatch *b = k_batch_create(a, 1, st_scan_types(s), &err);
    uint32_t groups = 0, overlapping = 0;
    for (;;) {
        StMorsel *m;
        CHECK_OK(st_scan_next_morsel(s, &m, &err), &err);
        if (!m) break;
        groups++;
        int32_t mn = INT32_MAX, mx = INT32_MIN;
        uint32_t n;
        for (;;) {
            CHECK_OK(st_morsel_read(m, b, &n, &err), &err);
            if (!n) break;
            for (uint32_t i = 0; i < n; i++) {
                int32_t d = ((int32_t *)b->cols[0].data)[i];
                mn = K_MIN(mn, d);
                mx = K_MAX(mx, d);
            }
        }
        if (mx >= want.lo && mn <= want.hi) overlapping++;
        st_morsel_close(m);
    }
    st_scan_close(s);
    assert_true(groups >= 4);
    assert_true(overlapping >= 1 && overlapping < groups);

    /* the pruned scan */
    StPred pr = {.col = 10, .op = ST_PRED_BETWEEN};
    pr.a.u.i64 = want.lo;
    pr.b.u.i64 = want.hi;
    StScanOptions q = {.ncols = 1, .cols = &shipcol, .npreds = 1, .preds = &pr};
    Range got = want;
    got.matching = 0;
    StScanCounters cnt;
    CHECK_OK(scan_all(db, tid, &q, match_fn, &got, &cnt, &err), &err);
    print_message("partitions %llu/%llu skipped, row groups %llu read %llu skipped of %llu, %llu bytes\n",
                  (unsigned long long)cnt.partitions_skipped, (unsigned long long)cnt.partitions_total,
                  (unsigned long long)cnt.row_groups_read, (unsigned long long)cnt.row_groups_skipped,
                  (unsigned long long)cnt.row_groups_total, (unsigned long long)cnt.bytes_read);
    assert_int_equal(got.matching, want.matching); /* nothing lost */
    assert_int_equal(cnt.partitions_total, 7);
    assert_int_equal(cnt.partitions_skipped, 6);
    assert_int_equal(cnt.row_groups_total, groups);
    assert_int_equal(cnt.row_groups_read, overlapping);
    assert_int_equal(cnt.row_groups_skipped, groups - overlapping);

    /* IN list and a runtime filter prune the same way */
    StDatum list[2] = {{.u.i64 = want.lo}, {.u.i64 = want.lo + 3}};
    StPred in_pr = {.col = 10, .op = ST_PRED_IN, .nlist = 2, .list = list};
    q.preds = &in_pr;
    CHECK_OK(scan_all(db, tid, &q, match_fn, &got, &cnt, &err), &err);
    assert_int_equal(cnt.partitions_skipped, 6);
    assert_true(cnt.row_groups_read >= 1 && cnt.row_groups_read <= 2);
    StScanOptions nopred = {.ncols = 1, .cols = &shipcol};
    CHECK_OK(st_scan_open(db, tid, &nopred, a, &s, &err), &err);
    CHECK_OK(st_scan_add_range_filter(s, 10, (StDatum){.u.i64 = want.lo}, (StDatum){.u.i64 = want.hi}, &err), &err);
    uint32_t read = 0;
    for (;;) {
        StMorsel *m;
        CHECK_OK(st_scan_next_morsel(s, &m, &err), &err);
        if (!m) break;
        read++;
        st_morsel_close(m);
    }
    assert_int_equal(read, overlapping);
    st_scan_close(s);
    /* a predicate no row can match reads nothing */
    StPred none = {.col = 4, .op = ST_PRED_GT};
    none.a.u.i64 = 100000; /* l_quantity > 1000.00 */
    q.preds = &none;
    CHECK_OK(scan_all(db, tid, &q, match_fn, &got, &cnt, &err), &err);
    assert_int_equal(cnt.row_groups_read, 0);

    k_arena_destroy(a);
    st_db_close(db);
    rm_rf(dir);
    free(dir);
    free(in.v);
    free(in.buf);
    free(src);
}

static int
setup(void **state)
{
    (void)state;
    g_tmp = tmp_dir("tpch");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    rm_rf(g_tmp);
    free(g_tmp);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_pruning),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
