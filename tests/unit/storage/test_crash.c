/*
 * test_crash.c — crash safety: a child process loads generations of rows
 * into a table in a loop (each load one writer commit, plus catalog churn
 * from CREATE/DROP of scratch tables and now and then a full rewrite of the
 * table, the DELETE/UPDATE path) and is killed with SIGKILL at a
 * random moment, 20 times. After each kill the directory must open
 * without repair, hold exactly whole generations (row count a multiple of
 * the generation size, and the key sum and string checksum of exactly
 * those rows), never go backwards, and contain no unreferenced segment
 * files after open.
 */
#include "st_test_util.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define GEN_ROWS 7000

typedef struct Check {
    uint64_t n;
    uint64_t ksum;
    uint64_t strsum;
    bool bad;
} Check;

static void
check_fn(void *ctx, const KBatch *b)
{
    Check *c = ctx;
    for (uint32_t r = 0; r < b->count; r++) {
        int64_t k = ((int64_t *)b->cols[0].data)[r];
        const KStr *s = &((KStr *)b->cols[1].data)[r];
        char want[48];
        int len = snprintf(want, sizeof want, "gen-%lld-row-%lld", (long long)(k / GEN_ROWS), (long long)k);
        if ((int)s->len != len || memcmp(k_str_data(s), want, (size_t)len) != 0) c->bad = true;
        c->ksum += (uint64_t)k;
        c->strsum += s->len;
        c->n++;
    }
}

static uint32_t
ensure_table(StDb *db, KErr *err)
{
    uint32_t tid;
    if (st_table_lookup(db, NULL, "crash", &tid, err) == K_OK) return tid;
    StColumnDef cols[2];
    memset(cols, 0, sizeof cols);
    snprintf(cols[0].name, sizeof cols[0].name, "k");
    cols[0].type = k_type(K_TYPE_INT64);
    cols[0].not_null = true;
    snprintf(cols[1].name, sizeof cols[1].name, "s");
    cols[1].type = k_type_varchar(0);
    StTableDef def = {.ncols = 2, .cols = cols, .part_col = -1};
    snprintf(def.name, sizeof def.name, "crash");
    if (st_table_create(db, &def, &tid, err) != K_OK) _exit(3);
    return tid;
}

static int
touch_fn(void *ctx, KBatch *b, bool *modified, KErr *err)
{
    (void)ctx;
    (void)b;
    (void)err;
    *modified = true; /* rewrite everything, drop nothing */
    return K_OK;
}

static void __attribute__((noreturn))
child(const char *dir)
{
    KErr err;
    StDb *db;
    StDbOptions o = {.row_group_rows = 4096};
    if (st_db_open(dir, &o, NULL, &db, &err) != K_OK) _exit(2);
    uint32_t tid = ensure_table(db, &err);
    Check c = {0};
    if (scan_all(db, tid, NULL, check_fn, &c, NULL, &err) != K_OK) _exit(4);
    int64_t gen = (int64_t)(c.n / GEN_ROWS);
    KType t[2] = {k_type(K_TYPE_INT64), k_type_varchar(0)};
    KArena *a = k_arena_create(NULL, "child");
    KBatch *b = k_batch_create(a, 2, t, &err);
    for (;; gen++) {
        StWriter *w;
        if (st_writer_begin(db, tid, &w, &err) != K_OK) _exit(5);
        for (int at = 0; at < GEN_ROWS;) {
            k_batch_reset(b);
            int n = K_MIN(K_VECTOR_SIZE, GEN_ROWS - at);
            for (int r = 0; r < n; r++) {
                int64_t k = gen * GEN_ROWS + at + r;
                char s[48];
                int len = snprintf(s, sizeof s, "gen-%lld-row-%lld", (long long)gen, (long long)k);
                ((int64_t *)b->cols[0].data)[r] = k;
                if (!k_str_copy(b->heap, s, (uint32_t)len, &((KStr *)b->cols[1].data)[r])) _exit(6);
            }
            b->count = (uint32_t)n;
            if (st_writer_append(w, b, &err) != K_OK) _exit(7);
            at += n;
        }
        if (st_writer_commit(w, &err) != K_OK) _exit(8);
        /* catalog churn */
        StColumnDef cd;
        memset(&cd, 0, sizeof cd);
        snprintf(cd.name, sizeof cd.name, "x");
        cd.type = k_type(K_TYPE_INT32);
        StTableDef def = {.ncols = 1, .cols = &cd, .part_col = -1};
        snprintf(def.name, sizeof def.name, "scratch%lld", (long long)gen);
        uint32_t sid;
        if (st_table_create(db, &def, &sid, &err) != K_OK) _exit(9);
        if (gen % 2 == 0 && st_table_drop(db, sid, &err) != K_OK) _exit(10);
        /* now and then a full rewrite (the UPDATE/DELETE/compaction path) */
        if (gen % 5 == 4 && st_table_rewrite(db, tid, ST_ALL_PARTITIONS, touch_fn, NULL, NULL, &err) != K_OK)
            _exit(11);
    }
}

static int
count_files(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/segments | wc -l", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (fscanf(f, "%d", &n) != 1) n = -1;
    pclose(f);
    return n;
}

static void
test_sigkill_loop(void **state)
{
    (void)state;
    char *dir = tmp_dir("crash");
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    uint64_t prev = 0;
    int torn_or_progress = 0;
    for (int iter = 0; iter < 20; iter++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) child(dir);
        usleep((useconds_t)(5000 + rand() % 250000));
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status)) {
            print_error("child exited by itself with status %d\n", WEXITSTATUS(status));
            fail();
        }
        KErr err;
        StDb *db;
        CHECK_OK(st_db_open(dir, NULL, NULL, &db, &err), &err);
        uint32_t tid;
        if (st_table_lookup(db, NULL, "crash", &tid, &err) != K_OK) {
            assert_int_equal(prev, 0); /* killed before the table existed */
            st_db_close(db);
            continue;
        }
        Check c = {0};
        CHECK_OK(scan_all(db, tid, NULL, check_fn, &c, NULL, &err), &err);
        assert_false(c.bad);
        assert_int_equal(c.n % GEN_ROWS, 0);
        assert_int_equal(c.ksum, c.n ? c.n * (c.n - 1) / 2 : 0);
        assert_true(c.n >= prev);
        StTableStats ts;
        CHECK_OK(st_table_stats(db, tid, ST_ALL_PARTITIONS, &ts, &err), &err);
        assert_int_equal(ts.rows, c.n);
        /* after open, only referenced segment files remain */
        assert_int_equal(count_files(dir), (int)ts.segments);
        if (c.n > prev) torn_or_progress++;
        print_message("kill %2d: %llu rows (%llu generations)\n", iter, (unsigned long long)c.n,
                      (unsigned long long)(c.n / GEN_ROWS));
        prev = c.n;
        st_db_close(db);
    }
    assert_true(torn_or_progress > 0); /* the loads did make progress */
    rm_rf(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
