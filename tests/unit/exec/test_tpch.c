/*
 * test_tpch.c — TPC-H Q1 and Q6 as hand-built plans over SF 0.01 lineitem
 * (loaded from ../shared with the storage API), compared with the answers
 * in ../shared/tpch/answers-sf0.01 by the specification's rules (money to
 * the cent, averages within 1%), once with the scalar kernels and once
 * with the best SIMD level the CPU has, and on 1 and 2 threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <zstd.h>

#include "exec_test_util.h"

static KArena *A;
static char *dir;
static StDb *db;
static uint32_t lineitem;
static const char *shared;

enum { L_ORDERKEY, L_PARTKEY, L_SUPPKEY, L_LINENUMBER, L_QUANTITY, L_EXTENDEDPRICE, L_DISCOUNT,
       L_TAX, L_RETURNFLAG, L_LINESTATUS, L_SHIPDATE, L_COMMITDATE, L_RECEIPTDATE,
       L_SHIPINSTRUCT, L_SHIPMODE, L_COMMENT, L_NCOLS };

static int
decompress(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    if (!in || !out) return -1;
    ZSTD_DStream *z = ZSTD_createDStream();
    size_t incap = ZSTD_DStreamInSize(), outcap = ZSTD_DStreamOutSize();
    void *ib = malloc(incap), *ob = malloc(outcap);
    int rc = 0;
    size_t n;
    while ((n = fread(ib, 1, incap, in)) > 0) {
        ZSTD_inBuffer zi = {ib, n, 0};
        while (zi.pos < zi.size) {
            ZSTD_outBuffer zo = {ob, outcap, 0};
            size_t r = ZSTD_decompressStream(z, &zo, &zi);
            if (ZSTD_isError(r)) {
                rc = -1;
                break;
            }
            fwrite(ob, 1, zo.pos, out);
        }
    }
    ZSTD_freeDStream(z);
    free(ib);
    free(ob);
    fclose(in);
    fclose(out);
    return rc;
}

static int
setup(void **state)
{
    KErr err;
    shared = getenv("KESTREL_SHARED");
    if (!shared) shared = "/work/shared";
    A = k_arena_create(NULL, "test");
    dir = tmp_dir();
    StDbOptions o = {0};
    o.no_fsync = true;
    if (st_db_open(dir, &o, A, &db, &err)) return -1;
    static const char *names[L_NCOLS] = {
        "l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice",
        "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate",
        "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment"};
    KType t[L_NCOLS];
    for (int i = 0; i < 4; i++) t[i] = k_type(K_TYPE_INT32);
    for (int i = 4; i < 8; i++) t[i] = k_type_decimal(15, 2);
    t[8] = t[9] = k_type_char(1);
    t[10] = t[11] = t[12] = k_type(K_TYPE_DATE);
    t[13] = k_type_char(25);
    t[14] = k_type_char(10);
    t[15] = k_type_varchar(44);
    lineitem = make_table(db, "lineitem", L_NCOLS, names, t);
    char src[512], tbl[512];
    snprintf(src, sizeof src, "%s/tpch/sf0.01/lineitem.tbl.zst", shared);
    snprintf(tbl, sizeof tbl, "%s/lineitem.tbl", dir);
    if (decompress(src, tbl)) {
        fprintf(stderr, "cannot decompress %s\n", src);
        return -1;
    }
    StCopyOptions co;
    st_copy_options_tbl(&co);
    co.nthreads = 2;
    uint64_t rows;
    if (st_copy_from_file(db, lineitem, tbl, &co, &rows, &err)) {
        fprintf(stderr, "copy: %s\n", err.message);
        return -1;
    }
    if (rows != 60175) return -1;
    return 0;
}

static int
teardown(void **state)
{
    st_db_close(db);
    k_arena_destroy(A);
    rm_rf(dir);
    free(dir);
    return 0;
}

static KType dec2 = {K_TYPE_DECIMAL, 15, 2, 0, 0};

static ExExpr *
col(KType t, uint32_t i)
{
    return ex_expr_column(A, t, i);
}

static int32_t
date(const char *s)
{
    int32_t d;
    KErr err;
    if (k_parse_date(s, strlen(s), &d, &err)) abort();
    return d;
}

/* Compare a '|'-separated answer file with result rows: column kinds 's'
 * exact string, 'm' money (0.01), 'a' average / ratio (1%), 'i' exact. */
static void
compare_answer(const char *name, TRows *r, const char *kinds)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tpch/answers-sf0.01/%s", shared, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    size_t row = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0]) continue;
        assert_true(row < r->n);
        char *want = line, *got = r->rows[row];
        for (size_t c = 0; kinds[c]; c++) {
            char *we = strchr(want, '|'), *ge = strchr(got, '|');
            if (we) *we = 0;
            if (ge) *ge = 0;
            double w = atof(want), g = atof(got);
            switch (kinds[c]) {
            case 's':
            case 'i':
                if (strcmp(want, got)) fail_msg("%s row %zu col %zu: want %s got %s", name, row, c, want, got);
                break;
            case 'm':
                if (fabs(w - g) > 0.005 + 1e-9 * fabs(w))
                    fail_msg("%s row %zu col %zu: want %s got %s", name, row, c, want, got);
                break;
            default:
                if (fabs(w - g) > 0.01 * fabs(w))
                    fail_msg("%s row %zu col %zu: want %s got %s", name, row, c, want, got);
            }
            if (ge) *ge = '|';
            want = we ? we + 1 : want + strlen(want);
            got = ge ? ge + 1 : got + strlen(got);
        }
        row++;
    }
    fclose(f);
    assert_int_equal(row, r->n);
}

static ExAggSpec
agg(ExAggFunc f, ExExpr *arg)
{
    ExAggSpec s;
    memset(&s, 0, sizeof s);
    s.func = (uint8_t)f;
    s.arg = arg;
    s.type = ex_agg_result_type(f, arg ? arg->type : k_type(K_TYPE_INT64));
    return s;
}

static ExPlan *
q1_plan(void)
{
    /* scan: quantity, extendedprice, discount, tax, returnflag, linestatus, shipdate */
    KType st[7] = {dec2, dec2, dec2, dec2, k_type_char(1), k_type_char(1), k_type(K_TYPE_DATE)};
    ExPlan *scan = t_node(A, EX_OP_SCAN, 7, st);
    scan->u.scan.table_id = lineitem;
    scan->u.scan.nread = 7;
    scan->u.scan.read_cols = t_u32(A, 7, L_QUANTITY, L_EXTENDEDPRICE, L_DISCOUNT, L_TAX,
                                   L_RETURNFLAG, L_LINESTATUS, L_SHIPDATE);
    /* l_shipdate <= date '1998-12-01' - interval '90' day */
    KInterval iv = {0, 90, 0};
    ExValue ivv = {0};
    ivv.iv = iv;
    ExExpr *cut = ex_expr_func2(A, EX_FN_DATE_SUB_INTERVAL, k_type(K_TYPE_DATE),
                                ex_expr_const_date(A, date("1998-12-01")),
                                ex_expr_const(A, k_type(K_TYPE_INTERVAL), false, &ivv));
    scan->u.scan.filter = ex_expr_func2(A, EX_FN_LE, k_type(K_TYPE_BOOL), col(st[6], 6), cut);
    ExExpr *one = ex_expr_const_dec(A, 15, 2, 100);
    ExExpr *disc_price = ex_expr_func2(A, EX_FN_MUL, k_type_decimal(32, 4), col(dec2, 1),
                                       ex_expr_func2(A, EX_FN_SUB, k_type_decimal(16, 2), one, col(dec2, 2)));
    ExExpr *charge = ex_expr_func2(A, EX_FN_MUL, k_type_decimal(38, 6), disc_price,
                                   ex_expr_func2(A, EX_FN_ADD, k_type_decimal(16, 2), one, col(dec2, 3)));
    ExAggSpec *aggs = k_alloc(A, sizeof(ExAggSpec) * 8);
    aggs[0] = agg(EX_AGG_SUM, col(dec2, 0));
    aggs[1] = agg(EX_AGG_SUM, col(dec2, 1));
    aggs[2] = agg(EX_AGG_SUM, disc_price);
    aggs[3] = agg(EX_AGG_SUM, charge);
    aggs[4] = agg(EX_AGG_AVG, col(dec2, 0));
    aggs[5] = agg(EX_AGG_AVG, col(dec2, 1));
    aggs[6] = agg(EX_AGG_AVG, col(dec2, 2));
    aggs[7] = agg(EX_AGG_COUNT_STAR, NULL);
    KType at[10] = {st[4], st[5]};
    for (int i = 0; i < 8; i++) at[i + 2] = aggs[i].type;
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 10, at);
    g->left = scan;
    g->u.agg.ngroups = 2;
    g->u.agg.groups = t_exprs(A, 2, col(st[4], 4), col(st[5], 5));
    g->u.agg.naggs = 8;
    g->u.agg.aggs = aggs;
    ExPlan *s = t_node(A, EX_OP_SORT, 10, at);
    s->left = g;
    s->u.sort.nkeys = 2;
    s->u.sort.keys = k_alloc0(A, sizeof(ExSortKey) * 2);
    s->u.sort.keys[0].expr = col(at[0], 0);
    s->u.sort.keys[1].expr = col(at[1], 1);
    return s;
}

static ExPlan *
q6_plan(void)
{
    KType st[4] = {dec2, dec2, dec2, k_type(K_TYPE_DATE)};
    ExPlan *scan = t_node(A, EX_OP_SCAN, 4, st);
    scan->u.scan.table_id = lineitem;
    scan->u.scan.nread = 4;
    scan->u.scan.read_cols = t_u32(A, 4, L_QUANTITY, L_EXTENDEDPRICE, L_DISCOUNT, L_SHIPDATE);
    /* pushed down for zone maps */
    StPred *pr = k_alloc0(A, sizeof(StPred) * 2);
    pr[0].col = L_SHIPDATE;
    pr[0].op = ST_PRED_GE;
    pr[0].a.u.i64 = date("1994-01-01");
    pr[1].col = L_SHIPDATE;
    pr[1].op = ST_PRED_LT;
    pr[1].a.u.i64 = date("1995-01-01");
    scan->u.scan.npreds = 2;
    scan->u.scan.preds = pr;
    KType b = k_type(K_TYPE_BOOL);
    ExExpr *conj[5] = {
        ex_expr_func2(A, EX_FN_GE, b, col(st[3], 3), ex_expr_const_date(A, date("1994-01-01"))),
        ex_expr_func2(A, EX_FN_LT, b, col(st[3], 3), ex_expr_const_date(A, date("1995-01-01"))),
        ex_expr_func2(A, EX_FN_GE, b, col(dec2, 2), ex_expr_const_dec(A, 15, 2, 5)),
        ex_expr_func2(A, EX_FN_LE, b, col(dec2, 2), ex_expr_const_dec(A, 15, 2, 7)),
        ex_expr_func2(A, EX_FN_LT, b, col(dec2, 0), ex_expr_const_dec(A, 15, 2, 2400)),
    };
    scan->u.scan.filter = ex_expr_node(A, EX_EXPR_AND, b, 5, conj);
    ExAggSpec *aggs = k_alloc(A, sizeof(ExAggSpec));
    aggs[0] = agg(EX_AGG_SUM, ex_expr_func2(A, EX_FN_MUL, k_type_decimal(30, 4), col(dec2, 1), col(dec2, 2)));
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 1, &aggs[0].type);
    g->left = scan;
    g->u.agg.naggs = 1;
    g->u.agg.aggs = aggs;
    return g;
}

static void
run_query(ExPlan *p, const char *answer, const char *kinds, uint32_t nthreads)
{
    TRows r;
    KErr err;
    ExSink sink;
    trows_init(&r, &sink);
    ExFragment f;
    memset(&f, 0, sizeof f);
    f.root = p;
    ExRunCtx rc;
    memset(&rc, 0, sizeof rc);
    rc.db = db;
    rc.nworkers = 1;
    rc.arena = A;
    rc.nthreads = nthreads;
    if (ex_fragment_run(&rc, &f, &sink, &err)) fail_msg("%s: %s", answer, err.message);
    if (getenv("EXEC_TEST_VERBOSE"))
        for (size_t i = 0; i < r.n; i++) fprintf(stderr, "%s: %s\n", answer, r.rows[i]);
    compare_answer(answer, &r, kinds);
    trows_free(&r);
}

/* Ship a plan through serialization, as the runtime would. */
static ExPlan *
roundtrip(ExPlan *p)
{
    ExQueryPlan q;
    memset(&q, 0, sizeof q);
    ExFragment f;
    memset(&f, 0, sizeof f);
    f.root = p;
    q.nfrags = 1;
    q.frags = &f;
    q.nops = t_next_id;
    KBuf b;
    k_buf_init(&b);
    ex_query_serialize(&q, &b);
    ExQueryPlan *q2;
    KErr err;
    assert_int_equal(ex_query_deserialize(b.data, b.len, A, &q2, &err), K_OK);
    assert_true(ex_query_equal(&q, q2));
    k_buf_free(&b);
    return q2->frags[0].root;
}

static void
test_q1_q6(void **state)
{
    ExPlan *q1 = roundtrip(q1_plan()), *q6 = roundtrip(q6_plan());
    /* every kernel level the CPU has (k_simd_level never goes above it) */
    KSimdLevel levels[3] = {K_SIMD_SCALAR, K_SIMD_AVX2, K_SIMD_AVX512};
    for (int l = 0; l < 3; l++) {
        if (levels[l] > k_cpu_detect()) continue;
        k_simd_force(levels[l]);
        for (uint32_t t = 1; t <= 2; t++) {
            run_query(q1, "q01.csv", "ssmmmmaaai", t);
            run_query(q6, "q06.csv", "m", t);
        }
    }
    k_simd_force(k_cpu_detect());
}

int
main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_q1_q6)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
