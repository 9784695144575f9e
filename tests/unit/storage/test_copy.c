/*
 * test_copy.c — COPY FROM input: bad values (22P02, 22008, 22P04, 23502)
 * with file, line and column in the message and nothing visible afterwards
 * (also when the bad line is deep inside a file parsed by several
 * threads), CSV quoting/HEADER/NULL options, PostgreSQL text escapes,
 * streaming input in tiny chunks, and corrupted segment files (a flipped
 * byte in a chunk or footer, a truncated file) reported as XX001.
 */
#include "st_test_util.h"

#include <fcntl.h>

static StDb *g_db;
static char *g_dir;

static uint32_t
make_table(const char *name, bool k_not_null)
{
    KErr err;
    StColumnDef cols[3];
    memset(cols, 0, sizeof cols);
    snprintf(cols[0].name, sizeof cols[0].name, "k");
    cols[0].type = k_type(K_TYPE_INT32);
    cols[0].not_null = k_not_null;
    snprintf(cols[1].name, sizeof cols[1].name, "s");
    cols[1].type = k_type_varchar(0);
    snprintf(cols[2].name, sizeof cols[2].name, "d");
    cols[2].type = k_type(K_TYPE_DATE);
    StTableDef def = {.ncols = 3, .cols = cols, .part_col = -1};
    snprintf(def.name, sizeof def.name, "%s", name);
    uint32_t id;
    CHECK_OK(st_table_create(g_db, &def, &id, &err), &err);
    return id;
}

/* All rows as "k|s|d" lines (NULL as <null>), sorted, joined with '\n'. */
typedef struct Dump {
    char **v;
    size_t n, cap;
} Dump;

static void
dump_fn(void *ctx, const KBatch *b)
{
    Dump *d = ctx;
    for (uint32_t r = 0; r < b->count; r++) {
        char line[512];
        size_t at = 0;
        for (uint32_t c = 0; c < b->ncols; c++) {
            const KVector *v = &b->cols[c];
            if (c) line[at++] = '|';
            if (!k_vec_is_valid(v, r)) at += (size_t)snprintf(line + at, sizeof line - at, "<null>");
            else at += (size_t)k_value_format(v->type, k_vec_slot(v, r), line + at, sizeof line - at);
        }
        line[at] = 0;
        if (d->n == d->cap) d->v = realloc(d->v, (d->cap = d->cap * 2 + 16) * sizeof(char *));
        d->v[d->n++] = strdup(line);
    }
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
dump_table(uint32_t tid)
{
    KErr err;
    Dump d = {0};
    CHECK_OK(scan_all(g_db, tid, NULL, dump_fn, &d, NULL, &err), &err);
    qsort(d.v, d.n, sizeof(char *), cmp_str);
    KBuf b;
    k_buf_init(&b);
    for (size_t i = 0; i < d.n; i++) {
        if (i) k_buf_put_u8(&b, '\n');
        k_buf_put(&b, d.v[i], strlen(d.v[i]));
        free(d.v[i]);
    }
    k_buf_put_u8(&b, 0);
    free(d.v);
    return (char *)b.data;
}

static char *
path_in(const char *name)
{
    char *p = malloc(512);
    snprintf(p, 512, "%s/%s", g_dir, name);
    return p;
}

/* COPY text that must fail with `code`; checks the message names file,
 * line and column, and that the table still has `rows` rows. */
static void
expect_fail(uint32_t tid, const char *fname, const char *text, const StCopyOptions *o, KSqlState code,
            int line, const char *column, uint64_t rows)
{
    KErr err;
    char *p = path_in(fname);
    write_file(p, text);
    uint64_t n = 99;
    k_err_clear(&err);
    assert_int_equal(st_copy_from_file(g_db, tid, p, o, &n, &err), K_ERR);
    if (err.code != code) {
        print_error("want %s, got %s: %s\n", k_sqlstate_code(code), k_sqlstate_code(err.code), err.message);
        fail();
    }
    print_message("%s: %s | %s\n", k_sqlstate_code(err.code), err.message, err.detail);
    char want[600];
    assert_non_null(strstr(err.message, p));
    snprintf(want, sizeof want, "line %d", line);
    if (!strstr(err.message, want)) {
        print_error("no \"%s\" in: %s\n", want, err.message);
        fail();
    }
    if (column) {
        snprintf(want, sizeof want, "column %s", column);
        assert_non_null(strstr(err.message, want));
    }
    assert_int_equal(count_rows(g_db, tid), rows);
    free(p);
}

static void
test_bad_input(void **state)
{
    (void)state;
    KErr err;
    uint32_t tid = make_table("bad", true);
    StCopyOptions o;
    st_copy_options_tbl(&o);
    char *good = path_in("good.tbl");
    write_file(good, "1|a|1995-01-01|\n2|b|1995-01-02|\n");
    uint64_t n;
    CHECK_OK(st_copy_from_file(g_db, tid, good, &o, &n, &err), &err);
    assert_int_equal(n, 2);
    free(good);
    expect_fail(tid, "int.tbl", "1|x|1995-01-01\n2|y|1995-01-02\nabc|z|1995-01-03\n", &o,
                K_INVALID_TEXT_REPRESENTATION, 3, "k", 2);
    expect_fail(tid, "date.tbl", "1|x|1995-01-01\n2|y|1998-13-45\n", &o, K_DATETIME_FIELD_OVERFLOW, 2, "d", 2);
    expect_fail(tid, "datefmt.tbl", "1|x|1995-01-01\n2|y|yesterday-ish\n", &o, K_INVALID_DATETIME_FORMAT, 2,
                "d", 2);
    expect_fail(tid, "few.tbl", "1|x|1995-01-01\n2|y\n", &o, K_BAD_COPY_FILE_FORMAT, 2, "d", 2);
    expect_fail(tid, "many.tbl", "1|x|1995-01-01|4|5\n", &o, K_BAD_COPY_FILE_FORMAT, 1, NULL, 2);
    expect_fail(tid, "null.tbl", "1|x|1995-01-01\n\\N|y|1995-01-01\n", &o, K_NOT_NULL_VIOLATION, 2, "k", 2);
    expect_fail(tid, "range.tbl", "99999999999|x|1995-01-01\n", &o, K_NUMERIC_VALUE_OUT_OF_RANGE, 1, "k", 2);
    expect_fail(tid, "utf8.tbl", "1|ok \xc3\xa9t\xc3\xa9|1995-01-01\n2|bad \xff\xfe|1995-01-01\n", &o,
                K_CHARACTER_NOT_IN_REPERTOIRE, 2, "s", 2);
    expect_fail(tid, "utf8b.tbl", "1|overlong \xc0\xaf|1995-01-01\n", &o, K_CHARACTER_NOT_IN_REPERTOIRE, 1, "s", 2);
    expect_fail(tid, "utf8c.tbl", "1|cut \xe2\x82|1995-01-01\n", &o, K_CHARACTER_NOT_IN_REPERTOIRE, 1, "s", 2);
    /* deep in a file parsed by 2 threads: the first bad line wins */
    KBuf big;
    k_buf_init(&big);
    for (int i = 1; i <= 200000; i++) {
        if (i == 120000) k_buf_printf(&big, "%d|row|1995-02-30\n", i);
        else if (i == 190000) k_buf_printf(&big, "x%d|row|1995-01-01\n", i);
        else k_buf_printf(&big, "%d|row number %d|1995-01-01\n", i, i);
    }
    k_buf_put_u8(&big, 0);
    o.nthreads = 2;
    expect_fail(tid, "big.tbl", (const char *)big.data, &o, K_DATETIME_FIELD_OVERFLOW, 120000, "d", 2);
    k_buf_free(&big);
    /* the same file without its bad lines loads completely */
    k_buf_init(&big);
    for (int i = 1; i <= 200000; i++) k_buf_printf(&big, "%d|row number %d|1995-01-01\n", i, i);
    k_buf_put_u8(&big, 0);
    char *bp = path_in("big_ok.tbl");
    write_file(bp, (const char *)big.data);
    CHECK_OK(st_copy_from_file(g_db, tid, bp, &o, &n, &err), &err);
    assert_int_equal(n, 200000);
    assert_int_equal(count_rows(g_db, tid), 200002);
    free(bp);
    k_buf_free(&big);
    /* a missing file */
    assert_int_equal(st_copy_from_file(g_db, tid, "/nonexistent/x.tbl", &o, &n, &err), K_ERR);
    assert_int_equal(err.code, K_UNDEFINED_FILE);
}

static void
test_csv_and_text(void **state)
{
    (void)state;
    KErr err;
    uint32_t tid = make_table("csv", false);
    StCopyOptions o;
    st_copy_options_default(&o);
    o.format = ST_COPY_CSV;
    o.header = true;
    char *p = path_in("a.csv");
    write_file(p, "k,s,d\n"
                  "1,plain,2000-02-29\n"
                  "2,\"with, comma\",1999-12-31\n"
                  "3,\"say \"\"hi\"\"\",\n"
                  "4,\"two\nlines\",2001-01-01\r\n"
                  ",\"\",2002-02-02\n"
                  "6,,2003-03-03");
    uint64_t n;
    CHECK_OK(st_copy_from_file(g_db, tid, p, &o, &n, &err), &err);
    assert_int_equal(n, 6);
    char *d = dump_table(tid);
    assert_string_equal(d, "1|plain|2000-02-29\n"
                           "2|with, comma|1999-12-31\n"
                           "3|say \"hi\"|<null>\n"
                           "4|two\nlines|2001-01-01\n"
                           "6|<null>|2003-03-03\n"
                           "<null>||2002-02-02");
    free(d);
    free(p);
    /* NULL 'NA', delimiter ';' */
    uint32_t t2 = make_table("csv2", false);
    o.header = false;
    o.delimiter = ';';
    o.null_set = true;
    o.null_str = "NA";
    p = path_in("b.csv");
    write_file(p, "1;NA;NA\n2;\"NA\";2000-01-01\n");
    CHECK_OK(st_copy_from_file(g_db, t2, p, &o, &n, &err), &err);
    d = dump_table(t2);
    assert_string_equal(d, "1|<null>|<null>\n2|NA|2000-01-01");
    free(d);
    free(p);
    /* text format: escapes and \N */
    uint32_t t3 = make_table("txt", false);
    st_copy_options_default(&o);
    p = path_in("c.txt");
    write_file(p, "1\ttab\\there\t2000-01-01\n2\t\\N\t\\N\n3\tback\\\\slash \\x41\\101\t2000-01-02\n");
    CHECK_OK(st_copy_from_file(g_db, t3, p, &o, &n, &err), &err);
    d = dump_table(t3);
    assert_string_equal(d, "1|tab\there|2000-01-01\n2|<null>|<null>\n3|back\\slash AA|2000-01-02");
    free(d);
    free(p);
    /* a CSV file big enough for 2 threads, with quoted newlines and
     * delimiters everywhere: range boundaries must respect the quotes */
    {
        uint32_t t4 = make_table("csvbig", false);
        KBuf big;
        k_buf_init(&big);
        for (int i = 0; i < 60000; i++) {
            if (i % 10 == 0) k_buf_printf(&big, "%d,\"line one,\nline \"\"two\"\"\n%d\",2001-01-01\n", i, i);
            else k_buf_printf(&big, "%d,plain value number %d,2001-01-02\n", i, i);
        }
        k_buf_put_u8(&big, 0);
        assert_true(big.len > (1u << 20));
        p = path_in("big.csv");
        write_file(p, (const char *)big.data);
        st_copy_options_default(&o);
        o.format = ST_COPY_CSV;
        o.nthreads = 3;
        CHECK_OK(st_copy_from_file(g_db, t4, p, &o, &n, &err), &err);
        assert_int_equal(n, 60000);
        d = dump_table(t4);
        assert_non_null(strstr(d, "\n59990|line one,\nline \"two\"\n59990|2001-01-01\n"));
        assert_non_null(strstr(d, "\n59999|plain value number 59999|2001-01-02"));
        /* every multi-line value came back whole */
        size_t multi = 0;
        for (const char *q = d; (q = strstr(q, "line \"two\"\n")) != NULL; q++) multi++;
        assert_int_equal(multi, 6000);
        free(d);
        free(p);
        k_buf_free(&big);
    }
    /* an unterminated quote */
    st_copy_options_default(&o);
    o.format = ST_COPY_CSV;
    p = path_in("d.csv");
    write_file(p, "1,\"open,2000-01-01\n");
    assert_int_equal(st_copy_from_file(g_db, t3, p, &o, &n, &err), K_ERR);
    assert_int_equal(err.code, K_BAD_COPY_FILE_FORMAT);
    free(p);
}

static void
test_stream(void **state)
{
    (void)state;
    KErr err;
    uint32_t tid = make_table("stream", false);
    StCopyOptions o;
    st_copy_options_default(&o);
    o.format = ST_COPY_CSV;
    const char *text = "10,\"a,b\",2000-01-01\n11,\"multi\nline\",2000-01-02\n12,x,\n";
    StCopy *c;
    CHECK_OK(st_copy_begin(g_db, tid, &o, "STDIN", &c, &err), &err);
    size_t len = strlen(text);
    for (size_t at = 0, step = 1; at < len; at += step, step = step % 7 + 1)
        CHECK_OK(st_copy_feed(c, text + at, K_MIN(step, len - at), &err), &err);
    assert_int_equal(count_rows(g_db, tid), 0); /* not visible before the end */
    uint64_t n;
    CHECK_OK(st_copy_end(c, &n, &err), &err);
    assert_int_equal(n, 3);
    char *d = dump_table(tid);
    assert_string_equal(d, "10|a,b|2000-01-01\n11|multi\nline|2000-01-02\n12|x|<null>");
    free(d);
    /* text format with the \. end marker, no final newline before it */
    st_copy_options_default(&o);
    CHECK_OK(st_copy_begin(g_db, tid, &o, "STDIN", &c, &err), &err);
    const char *t2 = "20\tx\t2001-01-01\n21\ty\t\\N\n\\.\n";
    CHECK_OK(st_copy_feed(c, t2, 5, &err), &err);
    CHECK_OK(st_copy_feed(c, t2 + 5, strlen(t2) - 5, &err), &err);
    CHECK_OK(st_copy_end(c, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_int_equal(count_rows(g_db, tid), 5);
    /* an error on line 3 of the stream: nothing of this COPY is visible */
    CHECK_OK(st_copy_begin(g_db, tid, &o, "STDIN", &c, &err), &err);
    int rc = st_copy_feed(c, "30\ta\t2000-01-01\n31\tb\t2000-01-01\n", 32, &err);
    assert_int_equal(rc, K_OK);
    rc = st_copy_feed(c, "3x\tc\t2000-01-01\n", 15, &err);
    if (rc == K_OK) rc = st_copy_end(c, &n, &err);
    else st_copy_cancel(c);
    assert_int_equal(rc, K_ERR);
    assert_int_equal(err.code, K_INVALID_TEXT_REPRESENTATION);
    assert_non_null(strstr(err.message, "line 3"));
    assert_non_null(strstr(err.message, "column k"));
    assert_non_null(strstr(err.message, "STDIN"));
    assert_int_equal(count_rows(g_db, tid), 5);
    /* cancel discards */
    CHECK_OK(st_copy_begin(g_db, tid, &o, "STDIN", &c, &err), &err);
    CHECK_OK(st_copy_feed(c, "40\ta\t2000-01-01\n", 15, &err), &err);
    st_copy_cancel(c);
    assert_int_equal(count_rows(g_db, tid), 5);
}


/* Edge values through COPY's fast paths must equal common's parser. */
static void
test_value_edges(void **state)
{
    (void)state;
    KErr err;
    StColumnDef cols[4];
    memset(cols, 0, sizeof cols);
    const char *names[4] = {"i", "m", "d", "v"};
    KType types[4] = {k_type(K_TYPE_INT32), k_type_decimal(15, 2), k_type(K_TYPE_DATE), k_type_char(5)};
    for (int c = 0; c < 4; c++) {
        snprintf(cols[c].name, sizeof cols[c].name, "%s", names[c]);
        cols[c].type = types[c];
    }
    StTableDef def = {.ncols = 4, .cols = cols, .part_col = -1};
    snprintf(def.name, sizeof def.name, "edges");
    uint32_t tid;
    CHECK_OK(st_table_create(g_db, &def, &tid, &err), &err);
    static const char *rows[][4] = {
        {"-2147483648", "9999999999999.99", "0001-01-01", "ab   "},
        {"2147483647", "-9999999999999.99", "9999-12-31", ""},
        {"+5", "0", "2000-02-29", "x"},
        {" 42 ", "-0.01", " 1995-01-01 ", "  y"},
        {"0", ".5", "1970-01-01", "abcde"},
        {"-0", "+1.5", "1999-12-31", "a b"},
        {"7", "12.345", "2024-02-29", "Z"},
        {"8", "1e2", "1900-02-28", "q"},
    };
    KBuf text;
    k_buf_init(&text);
    for (size_t r = 0; r < K_ARRAY_LEN(rows); r++)
        k_buf_printf(&text, "%s|%s|%s|%s\n", rows[r][0], rows[r][1], rows[r][2], rows[r][3]);
    k_buf_put_u8(&text, 0);
    char *p = path_in("edges.tbl");
    write_file(p, (const char *)text.data);
    StCopyOptions o;
    st_copy_options_tbl(&o);
    uint64_t n;
    CHECK_OK(st_copy_from_file(g_db, tid, p, &o, &n, &err), &err);
    assert_int_equal(n, K_ARRAY_LEN(rows));
    /* expected: each field through k_value_parse + k_value_format */
    KArena *a = k_arena_create(NULL, "edges");
    Dump want = {0};
    for (size_t r = 0; r < K_ARRAY_LEN(rows); r++) {
        char line[512];
        size_t at = 0;
        for (int c = 0; c < 4; c++) {
            uint8_t slot[16];
            CHECK_OK(k_value_parse(types[c], rows[r][c], strlen(rows[r][c]), slot, a, &err), &err);
            if (c) line[at++] = '|';
            at += (size_t)k_value_format(types[c], slot, line + at, sizeof line - at);
        }
        line[at] = 0;
        if (want.n == want.cap) want.v = realloc(want.v, (want.cap = want.cap * 2 + 16) * sizeof(char *));
        want.v[want.n++] = strdup(line);
    }
    qsort(want.v, want.n, sizeof(char *), cmp_str);
    KBuf wb;
    k_buf_init(&wb);
    for (size_t i = 0; i < want.n; i++) {
        if (i) k_buf_put_u8(&wb, '\n');
        k_buf_put(&wb, want.v[i], strlen(want.v[i]));
        free(want.v[i]);
    }
    k_buf_put_u8(&wb, 0);
    free(want.v);
    char *got = dump_table(tid);
    assert_string_equal(got, (const char *)wb.data);
    /* and a few spelled out */
    assert_non_null(strstr(got, "-2147483648|9999999999999.99|0001-01-01|ab\n"));
    assert_non_null(strstr(got, "7|12.35|2024-02-29|Z"));
    assert_non_null(strstr(got, "8|100.00|1900-02-28|q"));
    assert_non_null(strstr(got, "0|0.50|1970-01-01|abcde"));
    free(got);
    k_buf_free(&wb);
    k_buf_free(&text);
    k_arena_destroy(a);
    free(p);
}

/* ---------------------------------------------------------------- */
/* Corruption                                                         */
/* ---------------------------------------------------------------- */
static char *
only_segment(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/segments/*.kseg", dir);
    FILE *f = popen(cmd, "r");
    char *line = malloc(600);
    assert_non_null(fgets(line, 600, f));
    line[strcspn(line, "\n")] = 0;
    assert_null(fgets(cmd, sizeof cmd, f)); /* exactly one */
    pclose(f);
    return line;
}

static void
flip_byte(const char *path, long off)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    if (off < 0) off += lseek(fd, 0, SEEK_END);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= 0x10;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

static void
corrupt_case(int how)
{
    KErr err;
    char *dir = tmp_dir("corrupt");
    StDb *db;
    StDbOptions opt = {.no_fsync = true};
    CHECK_OK(st_db_open(dir, &opt, NULL, &db, &err), &err);
    StDb *save = g_db;
    g_db = db;
    uint32_t tid = make_table("c", true);
    KBuf t;
    k_buf_init(&t);
    for (int i = 0; i < 5000; i++) k_buf_printf(&t, "%d|value %d|1995-01-01\n", i, i % 77);
    k_buf_put_u8(&t, 0);
    char *p = path_in("corrupt.tbl");
    write_file(p, (const char *)t.data);
    StCopyOptions o;
    st_copy_options_tbl(&o);
    uint64_t n;
    CHECK_OK(st_copy_from_file(db, tid, p, &o, &n, &err), &err);
    assert_int_equal(count_rows(db, tid), 5000);
    st_db_close(db);
    char *seg = only_segment(dir);
    if (how == 0) flip_byte(seg, 20);       /* inside the first chunk */
    else if (how == 1) flip_byte(seg, -40); /* inside the footer */
    else assert_int_equal(truncate(seg, 100), 0);
    CHECK_OK(st_db_open(dir, &opt, NULL, &db, &err), &err); /* opens */
    g_db = db;
    uint64_t cnt = 0;
    k_err_clear(&err);
    assert_int_equal(scan_all(db, tid, NULL, count_fn, &cnt, NULL, &err), K_ERR);
    assert_int_equal(err.code, K_DATA_CORRUPTED);
    assert_non_null(strstr(err.message, "corrupt"));
    st_db_close(db);
    g_db = save;
    k_buf_free(&t);
    free(p);
    free(seg);
    rm_rf(dir);
    free(dir);
}

static void
test_corruption(void **state)
{
    (void)state;
    corrupt_case(0);
    corrupt_case(1);
    corrupt_case(2);
}

static int
setup(void **state)
{
    (void)state;
    KErr err;
    g_dir = tmp_dir("copy");
    char db[512];
    snprintf(db, sizeof db, "%s/db", g_dir);
    StDbOptions o = {.no_fsync = true, .row_group_rows = 8192};
    if (st_db_open(db, &o, NULL, &g_db, &err) != K_OK) return -1;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    st_db_close(g_db);
    rm_rf(g_dir);
    free(g_dir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_csv_and_text),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_value_edges),
        cmocka_unit_test(test_corruption),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
