/*
 * test_parser_corpus.c — the parser over real query corpora.
 *
 * Every TPC-H query (22), every SSB query (13) and every statement of the
 * sqllogictest files select1..select5 (records marked `skipif postgresql`
 * excepted, `onlyif <other engine>` records skipped) must parse, and must
 * round-trip: parse → print → parse → print gives the same text. The files
 * are read at run time from $KESTREL_SHARED. Also measures the time to
 * parse all 22 TPC-H queries (printed; not asserted beyond a loose bound).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "common/kestrel.h"
#include "parser/parser.h"

static const char *
shared_dir(void)
{
    const char *s = getenv("KESTREL_SHARED");
    return s ? s : "/work/shared";
}

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    *len = got;
    return buf;
}

/* Parse `sql`, print every statement, reparse and reprint: returns the
 * number of statements, or -1 after printing what went wrong. */
static int
roundtrip(KArena *a, const char *where, const char *sql, size_t len)
{
    KErr err;
    PrStmtList *l;
    if (pr_parse(a, sql, len, &l, &err) != K_OK) {
        fprintf(stderr, "%s: parse failed: %s (pos %d)\n  %.*s\n", where, err.message, (int)err.pos,
                (int)(len > 400 ? 400 : len), sql);
        return -1;
    }
    for (int32_t i = 0; i < l->n; i++) {
        char *t1, *t2;
        PrStmtList *l2;
        if (pr_print_stmt(a, l->items[i].stmt, &t1, &err) != K_OK) return -1;
        if (pr_parse(a, t1, strlen(t1), &l2, &err) != K_OK) {
            fprintf(stderr, "%s: reparse failed: %s (pos %d)\n  printed: %s\n", where, err.message,
                    (int)err.pos, t1);
            return -1;
        }
        if (l2->n != 1) {
            fprintf(stderr, "%s: reparse gave %d statements\n", where, (int)l2->n);
            return -1;
        }
        if (pr_print_stmt(a, l2->items[0].stmt, &t2, &err) != K_OK) return -1;
        if (strcmp(t1, t2) != 0) {
            fprintf(stderr, "%s: print not stable\n  1: %s\n  2: %s\n", where, t1, t2);
            return -1;
        }
        if (l->items[i].start < 0 || l->items[i].end <= l->items[i].start || (size_t)l->items[i].end > len) {
            fprintf(stderr, "%s: bad statement range %d..%d\n", where, (int)l->items[i].start,
                    (int)l->items[i].end);
            return -1;
        }
    }
    return l->n;
}

static void
run_query_dir(const char *sub, int count)
{
    KArena *a = k_arena_create(NULL, "test");
    int failures = 0;
    for (int q = 1; q <= count; q++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s/q%02d.sql", shared_dir(), sub, q);
        size_t len;
        char *sql = read_file(path, &len);
        assert_non_null(sql);
        if (roundtrip(a, path, sql, len) != 1) failures++;
        free(sql);
        k_arena_reset(a);
    }
    k_arena_destroy(a);
    assert_int_equal(failures, 0);
}

static void
test_tpch(void **state)
{
    (void)state;
    run_query_dir("tpch/queries", 22);
}

static void
test_ssb(void **state)
{
    (void)state;
    run_query_dir("ssb/queries", 13);
}

/* Walk one sqllogictest file; returns the number of failing records. */
static int
run_slt(KArena *a, const char *path, int *total)
{
    size_t len;
    char *text = read_file(path, &len);
    assert_non_null(text);
    int failures = 0;
    bool skip = false;
    char *line = text;
    char sql[65536];
    while (line && *line) {
        char *next = strchr(line, '\n');
        if (next) *next++ = 0;
        if (!strncmp(line, "skipif ", 7)) {
            if (!strcmp(line + 7, "postgresql")) skip = true;
        } else if (!strncmp(line, "onlyif ", 7)) {
            if (strcmp(line + 7, "postgresql") != 0) skip = true;
        } else if (!strncmp(line, "statement ", 10) || !strncmp(line, "query ", 6)) {
            /* the SQL runs to a blank line or "----" */
            size_t n = 0;
            line = next;
            int lineno_dummy = 0;
            (void)lineno_dummy;
            while (line && *line && *line != '\n' && strncmp(line, "----", 4) != 0) {
                next = strchr(line, '\n');
                if (next) *next++ = 0;
                size_t l = strlen(line);
                if (n + l + 2 < sizeof sql) {
                    memcpy(sql + n, line, l);
                    n += l;
                    sql[n++] = '\n';
                }
                line = next;
            }
            sql[n] = 0;
            if (!skip) {
                (*total)++;
                if (roundtrip(a, path, sql, n) != 1) failures++;
                k_arena_reset(a);
            }
            skip = false;
            continue;
        } else if (line[0] == 0) {
            skip = false;
        }
        line = next;
    }
    free(text);
    return failures;
}

static void
test_sqllogictest(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    int failures = 0, total = 0;
    for (int i = 1; i <= 5; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/sqllogictest/select%d.test", shared_dir(), i);
        failures += run_slt(a, path, &total);
    }
    k_arena_destroy(a);
    printf("sqllogictest: %d statements, %d failures\n", total, failures);
    assert_true(total > 9000);
    assert_int_equal(failures, 0);
}

static void
test_tpch_parse_time(void **state)
{
    (void)state;
    char *sqls[22];
    size_t lens[22];
    for (int q = 1; q <= 22; q++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tpch/queries/q%02d.sql", shared_dir(), q);
        sqls[q - 1] = read_file(path, &lens[q - 1]);
        assert_non_null(sqls[q - 1]);
    }
    KArena *a = k_arena_create(NULL, "bench");
    const int rounds = 200;
    uint64_t best = UINT64_MAX;
    for (int r = 0; r < rounds; r++) {
        uint64_t t0 = k_now_ns();
        for (int q = 0; q < 22; q++) {
            KErr err;
            PrStmtList *l;
            assert_int_equal(pr_parse(a, sqls[q], lens[q], &l, &err), K_OK);
        }
        uint64_t dt = k_now_ns() - t0;
        if (dt < best) best = dt;
        k_arena_reset(a);
    }
    printf("parse time, all 22 TPC-H queries: best of %d rounds %.1f us\n", rounds, (double)best / 1000.0);
    /* loose bound so a slow sanitizer build still passes */
    assert_true(best < 50u * 1000u * 1000u);
    k_arena_destroy(a);
    for (int q = 0; q < 22; q++) free(sqls[q]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tpch),
        cmocka_unit_test(test_ssb),
        cmocka_unit_test(test_sqllogictest),
        cmocka_unit_test(test_tpch_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
