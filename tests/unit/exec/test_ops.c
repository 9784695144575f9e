/*
 * test_ops.c — operators over small tables built with the storage API:
 * hash join of every type (NULL keys, duplicates, empty build, residual),
 * nested loop, aggregates (DISTINCT, FILTER, decimal sums and averages,
 * partial/final), sort with NULLS FIRST/LAST, top-N, limit/offset, set
 * operations, VALUES, memory limit (53200), cancellation (57014), and the
 * local multi-shard runtime with exchanges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "exec_test_util.h"

static KArena *A;
static char *dir;
static StDb *db;
static uint32_t tl, tr, tr_nonull, tempty, tagg, tbig;
static KType lt[2], rt[2], at[3], bt[2];

static int
setup(void **state)
{
    KErr err;
    A = k_arena_create(NULL, "test");
    dir = tmp_dir();
    StDbOptions o = {0};
    o.no_fsync = true;
    o.row_group_rows = 4096; /* several morsels per table: threads really split scans */
    if (st_db_open(dir, &o, A, &db, &err)) {
        fprintf(stderr, "open: %s\n", err.message);
        return -1;
    }
    lt[0] = k_type(K_TYPE_INT32);
    lt[1] = k_type_varchar(0);
    rt[0] = k_type(K_TYPE_INT32);
    rt[1] = k_type(K_TYPE_INT32);
    const char *ln[] = {"k", "v"}, *rn[] = {"k", "w"};
    tl = make_table(db, "l", 2, ln, lt);
    const char *lrows[] = {"1|a", "2|b", "2|c", "NULL|d", "4|e"};
    load_rows(db, tl, A, 2, lt, lrows, 5);
    tr = make_table(db, "r", 2, rn, rt);
    const char *rrows[] = {"2|20", "2|21", "3|30", "NULL|40"};
    load_rows(db, tr, A, 2, rt, rrows, 4);
    tr_nonull = make_table(db, "r2", 2, rn, rt);
    const char *r2rows[] = {"2|20", "3|30"};
    load_rows(db, tr_nonull, A, 2, rt, r2rows, 2);
    tempty = make_table(db, "e", 2, rn, rt);
    at[0] = k_type(K_TYPE_INT32);
    at[1] = k_type_decimal(10, 2);
    at[2] = k_type_varchar(0);
    const char *an[] = {"g", "x", "s"};
    tagg = make_table(db, "agg", 3, an, at);
    const char *arows[] = {"1|1.50|b", "1|1.50|a", "1|2.25|NULL", "2|NULL|z", "2|0.10|y",
                           "NULL|5.00|q", "1|NULL|c"};
    load_rows(db, tagg, A, 3, at, arows, 7);
    /* 20000 rows for sort / top-N / memory: k = i * 7919 % 20000, v = i % 3 or NULL */
    bt[0] = k_type(K_TYPE_INT64);
    bt[1] = k_type(K_TYPE_INT32);
    const char *bn[] = {"k", "v"};
    tbig = make_table(db, "big", 2, bn, bt);
    char **lines = malloc(sizeof(char *) * 20000);
    for (int i = 0; i < 20000; i++) {
        char buf[64];
        if (i % 10 == 0) snprintf(buf, sizeof buf, "%d|NULL", (int)((long)i * 7919 % 20000));
        else snprintf(buf, sizeof buf, "%d|%d", (int)((long)i * 7919 % 20000), i % 3);
        lines[i] = strdup(buf);
    }
    load_rows(db, tbig, A, 2, bt, (const char *const *)lines, 20000);
    for (int i = 0; i < 20000; i++) free(lines[i]);
    free(lines);
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

static ExExpr *
col(KType t, uint32_t i)
{
    return ex_expr_column(A, t, i);
}

static const char *
run_text(ExPlan *root, bool sorted, char *buf, size_t cap)
{
    TRows r;
    KErr err;
    if (run_frag(db, A, root, 0, NULL, &r, &err))
        fail_msg("run failed: %s %s", k_sqlstate_code(err.code), err.message);
    assert_int_equal(r.finished, 1);
    trows_text(&r, sorted, buf, cap);
    trows_free(&r);
    return buf;
}

static ExPlan *
join(ExJoinType type, uint32_t rtable, ExExpr *residual)
{
    KType ot[4] = {lt[0], lt[1], rt[0], rt[1]};
    bool probe_only = type >= EX_JOIN_SEMI;
    uint32_t nout = probe_only ? 2 : 4;
    KType mt[3] = {lt[0], lt[1], k_type(K_TYPE_BOOL)};
    ExPlan *j = type == EX_JOIN_MARK ? t_node(A, EX_OP_HASH_JOIN, 3, mt)
                                     : t_node(A, EX_OP_HASH_JOIN, nout, ot);
    j->left = t_scan(A, tl, 2, lt);
    j->right = t_scan(A, rtable, 2, rt);
    j->u.join.type = (uint8_t)type;
    j->u.join.nkeys = 1;
    j->u.join.probe_keys = t_exprs(A, 1, col(lt[0], 0));
    j->u.join.build_keys = t_exprs(A, 1, col(rt[0], 0));
    j->u.join.residual = residual;
    j->u.join.nout = nout;
    j->u.join.out_cols = probe_only ? t_u32(A, 2, 0, 1) : t_u32(A, 4, 0, 1, 2, 3);
    return j;
}

static void
test_hash_join_types(void **state)
{
    char buf[4096];
    assert_string_equal(run_text(join(EX_JOIN_INNER, tr, NULL), true, buf, sizeof buf),
                        "2|b|2|20;2|b|2|21;2|c|2|20;2|c|2|21");
    assert_string_equal(run_text(join(EX_JOIN_LEFT, tr, NULL), true, buf, sizeof buf),
                        "1|a|NULL|NULL;2|b|2|20;2|b|2|21;2|c|2|20;2|c|2|21;4|e|NULL|NULL;NULL|d|NULL|NULL");
    assert_string_equal(run_text(join(EX_JOIN_RIGHT, tr, NULL), true, buf, sizeof buf),
                        "2|b|2|20;2|b|2|21;2|c|2|20;2|c|2|21;NULL|NULL|3|30;NULL|NULL|NULL|40");
    assert_string_equal(run_text(join(EX_JOIN_FULL, tr, NULL), true, buf, sizeof buf),
                        "1|a|NULL|NULL;2|b|2|20;2|b|2|21;2|c|2|20;2|c|2|21;4|e|NULL|NULL;"
                        "NULL|NULL|3|30;NULL|NULL|NULL|40;NULL|d|NULL|NULL");
    assert_string_equal(run_text(join(EX_JOIN_SEMI, tr, NULL), true, buf, sizeof buf), "2|b;2|c");
    assert_string_equal(run_text(join(EX_JOIN_ANTI, tr, NULL), true, buf, sizeof buf),
                        "1|a;4|e;NULL|d");
    /* NOT IN with a NULL on the build side: nothing; without: NULL probe keys drop */
    assert_string_equal(run_text(join(EX_JOIN_ANTI_NULL_AWARE, tr, NULL), true, buf, sizeof buf), "");
    assert_string_equal(run_text(join(EX_JOIN_ANTI_NULL_AWARE, tr_nonull, NULL), true, buf, sizeof buf),
                        "1|a;4|e");
    assert_string_equal(run_text(join(EX_JOIN_ANTI_NULL_AWARE, tempty, NULL), true, buf, sizeof buf),
                        "1|a;2|b;2|c;4|e;NULL|d");
    /* MARK: IN semantics */
    assert_string_equal(run_text(join(EX_JOIN_MARK, tr, NULL), true, buf, sizeof buf),
                        "1|a|NULL;2|b|t;2|c|t;4|e|NULL;NULL|d|NULL");
    assert_string_equal(run_text(join(EX_JOIN_MARK, tr_nonull, NULL), true, buf, sizeof buf),
                        "1|a|f;2|b|t;2|c|t;4|e|f;NULL|d|NULL");
    /* empty build side */
    assert_string_equal(run_text(join(EX_JOIN_INNER, tempty, NULL), true, buf, sizeof buf), "");
    assert_string_equal(run_text(join(EX_JOIN_LEFT, tempty, NULL), true, buf, sizeof buf),
                        "1|a|NULL|NULL;2|b|NULL|NULL;2|c|NULL|NULL;4|e|NULL|NULL;NULL|d|NULL|NULL");
    assert_string_equal(run_text(join(EX_JOIN_ANTI, tempty, NULL), true, buf, sizeof buf),
                        "1|a;2|b;2|c;4|e;NULL|d");
    /* residual over probe ++ build: w > 20 */
    ExExpr *res = ex_expr_func2(A, EX_FN_GT, k_type(K_TYPE_BOOL), col(rt[1], 3), ex_expr_const_i32(A, 20));
    assert_string_equal(run_text(join(EX_JOIN_INNER, tr, res), true, buf, sizeof buf), "2|b|2|21;2|c|2|21");
    assert_string_equal(run_text(join(EX_JOIN_LEFT, tr, res), true, buf, sizeof buf),
                        "1|a|NULL|NULL;2|b|2|21;2|c|2|21;4|e|NULL|NULL;NULL|d|NULL|NULL");
    ExExpr *res2 = ex_expr_func2(A, EX_FN_GT, k_type(K_TYPE_BOOL), col(rt[1], 3), ex_expr_const_i32(A, 21));
    assert_string_equal(run_text(join(EX_JOIN_SEMI, tr, res2), true, buf, sizeof buf), "");
    assert_string_equal(run_text(join(EX_JOIN_ANTI, tr, res2), true, buf, sizeof buf),
                        "1|a;2|b;2|c;4|e;NULL|d");
    /* IS NOT DISTINCT keys: NULL matches NULL */
    ExPlan *j = join(EX_JOIN_INNER, tr, NULL);
    j->u.join.null_eq = k_alloc(A, sizeof(bool));
    j->u.join.null_eq[0] = true;
    assert_string_equal(run_text(j, true, buf, sizeof buf),
                        "2|b|2|20;2|b|2|21;2|c|2|20;2|c|2|21;NULL|d|NULL|40");
}

/* Hash-table path (string and two-column keys): l joined with itself. */
static void
test_hash_join_general_keys(void **state)
{
    char buf[4096];
    KType ot[4] = {lt[0], lt[1], lt[0], lt[1]};
    for (uint32_t nk = 1; nk <= 2; nk++) {
        ExPlan *j = t_node(A, EX_OP_HASH_JOIN, 4, ot);
        j->left = t_scan(A, tl, 2, lt);
        j->right = t_scan(A, tl, 2, lt);
        j->u.join.type = EX_JOIN_INNER;
        j->u.join.nkeys = nk;
        j->u.join.probe_keys = nk == 1 ? t_exprs(A, 1, col(lt[1], 1)) : t_exprs(A, 2, col(lt[1], 1), col(lt[0], 0));
        j->u.join.build_keys = nk == 1 ? t_exprs(A, 1, col(lt[1], 1)) : t_exprs(A, 2, col(lt[1], 1), col(lt[0], 0));
        j->u.join.nout = 4;
        j->u.join.out_cols = t_u32(A, 4, 0, 1, 2, 3);
        assert_string_equal(run_text(j, true, buf, sizeof buf),
                            nk == 1 ? "1|a|1|a;2|b|2|b;2|c|2|c;4|e|4|e;NULL|d|NULL|d"
                                    : "1|a|1|a;2|b|2|b;2|c|2|c;4|e|4|e");
    }
    /* a wide key range: no direct table, hash partitions */
    KType ot2[4] = {bt[0], bt[1], bt[0], bt[1]};
    ExPlan *j = t_node(A, EX_OP_HASH_JOIN, 4, ot2);
    j->left = t_scan(A, tbig, 2, bt);
    j->right = t_scan(A, tbig, 2, bt);
    j->u.join.type = EX_JOIN_INNER;
    j->u.join.nkeys = 1;
    ExExpr *wide = ex_expr_func2(A, EX_FN_MUL, bt[0], col(bt[0], 0), ex_expr_const_i64(A, 1000003));
    j->u.join.probe_keys = t_exprs(A, 1, wide);
    j->u.join.build_keys = t_exprs(A, 1, wide);
    j->u.join.nout = 4;
    j->u.join.out_cols = t_u32(A, 4, 0, 1, 2, 3);
    TRows rows;
    KErr err;
    assert_int_equal(run_frag(db, A, j, 0, NULL, &rows, &err), K_OK);
    assert_int_equal(rows.n, 20000);
    for (size_t i = 0; i < rows.n; i++) {
        char a[64], b[64];
        const char *bar = strchr(rows.rows[i], '|');
        bar = strchr(bar + 1, '|');
        snprintf(a, sizeof a, "%.*s", (int)(bar - rows.rows[i]), rows.rows[i]);
        snprintf(b, sizeof b, "%s", bar + 1);
        assert_string_equal(a, b);
    }
    trows_free(&rows);
}

static void
test_runtime_filter_and_nl(void **state)
{
    char buf[4096];
    /* join producing runtime filter 0, consumed by the probe scan on column 0 */
    ExPlan *j = join(EX_JOIN_INNER, tr, NULL);
    j->u.join.rf_produce = 0;
    j->left->u.scan.nrf = 1;
    j->left->u.scan.rfs = k_alloc0(A, sizeof(ExRuntimeFilterUse));
    assert_string_equal(run_text(j, true, buf, sizeof buf), "2|b|2|20;2|b|2|21;2|c|2|20;2|c|2|21");
    /* nested loop: l x r where l.k < r.k */
    KType ot[4] = {lt[0], lt[1], rt[0], rt[1]};
    ExPlan *nl = t_node(A, EX_OP_NESTED_LOOP, 3, (KType[]){lt[1], rt[0], rt[1]});
    nl->left = t_scan(A, tl, 2, lt);
    nl->right = t_scan(A, tr, 2, rt);
    nl->u.nl.type = EX_JOIN_INNER;
    nl->u.nl.pred = ex_expr_func2(A, EX_FN_LT, k_type(K_TYPE_BOOL), col(ot[0], 0), col(ot[2], 2));
    nl->u.nl.nout = 3;
    nl->u.nl.out_cols = t_u32(A, 3, 1, 2, 3);
    assert_string_equal(run_text(nl, true, buf, sizeof buf),
                        "a|2|20;a|2|21;a|3|30;b|3|30;c|3|30");
    nl->u.nl.type = EX_JOIN_LEFT;
    assert_string_equal(run_text(nl, true, buf, sizeof buf),
                        "a|2|20;a|2|21;a|3|30;b|3|30;c|3|30;d|NULL|NULL;e|NULL|NULL");
    nl->u.nl.type = EX_JOIN_ANTI;
    nl->ncols = 1;
    nl->u.nl.nout = 1;
    nl->u.nl.out_cols = t_u32(A, 1, 1);
    assert_string_equal(run_text(nl, true, buf, sizeof buf), "d;e");
    /* cross join with a one-row VALUES */
    ExPlan *v = t_node(A, EX_OP_VALUES, 1, (KType[]){k_type(K_TYPE_INT32)});
    v->u.values.nrows = 1;
    v->u.values.cells = t_exprs(A, 1, ex_expr_const_i32(A, 9));
    ExPlan *cj = t_node(A, EX_OP_NESTED_LOOP, 2, (KType[]){lt[1], k_type(K_TYPE_INT32)});
    cj->left = t_scan(A, tl, 2, lt);
    cj->right = v;
    cj->u.nl.type = EX_JOIN_INNER;
    cj->u.nl.nout = 2;
    cj->u.nl.out_cols = t_u32(A, 2, 1, 2);
    assert_string_equal(run_text(cj, true, buf, sizeof buf), "a|9;b|9;c|9;d|9;e|9");
}

static ExAggSpec
agg(ExAggFunc f, ExExpr *arg, bool distinct, ExExpr *filter)
{
    ExAggSpec s;
    memset(&s, 0, sizeof s);
    s.func = (uint8_t)f;
    s.arg = arg;
    s.distinct = distinct;
    s.filter = filter;
    s.type = ex_agg_result_type(f, arg ? arg->type : k_type(K_TYPE_INT64));
    return s;
}

static void
test_aggregates(void **state)
{
    char buf[4096];
    ExExpr *x = col(at[1], 1), *s = col(at[2], 2);
    ExExpr *gt1 = ex_expr_func2(A, EX_FN_GT, k_type(K_TYPE_BOOL), x, ex_expr_const_dec(A, 3, 0, 1));
    ExAggSpec specs[8] = {
        agg(EX_AGG_COUNT_STAR, NULL, false, NULL), agg(EX_AGG_COUNT, x, false, NULL),
        agg(EX_AGG_SUM, x, false, NULL),           agg(EX_AGG_AVG, x, false, NULL),
        agg(EX_AGG_MIN, s, false, NULL),           agg(EX_AGG_MAX, s, false, NULL),
        agg(EX_AGG_COUNT, x, true, NULL),          agg(EX_AGG_SUM, x, false, gt1),
    };
    KType ot[9] = {at[0]};
    for (int i = 0; i < 8; i++) ot[i + 1] = specs[i].type;
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 9, ot);
    g->left = t_scan(A, tagg, 3, at);
    g->u.agg.mode = EX_AGG_COMPLETE;
    g->u.agg.ngroups = 1;
    g->u.agg.groups = t_exprs(A, 1, col(at[0], 0));
    g->u.agg.naggs = 8;
    g->u.agg.aggs = specs;
    assert_string_equal(run_text(g, true, buf, sizeof buf),
                        "1|4|3|5.25|1.750000|a|c|2|5.25;"
                        "2|2|1|0.10|0.100000|y|z|1|NULL;"
                        "NULL|1|1|5.00|5.000000|q|q|1|5.00");
    /* no groups, empty input: one row */
    ExAggSpec s2[2] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL), agg(EX_AGG_SUM, col(rt[1], 1), false, NULL)};
    ExPlan *g2 = t_node(A, EX_OP_HASH_AGG, 2, (KType[]){s2[0].type, s2[1].type});
    g2->left = t_scan(A, tempty, 2, rt);
    g2->u.agg.naggs = 2;
    g2->u.agg.aggs = s2;
    assert_string_equal(run_text(g2, false, buf, sizeof buf), "0|NULL");
    /* partial -> final gives the same as complete */
    ExAggSpec s3[4] = {agg(EX_AGG_COUNT, x, false, NULL), agg(EX_AGG_SUM, x, false, NULL),
                       agg(EX_AGG_AVG, x, false, NULL), agg(EX_AGG_MAX, s, false, NULL)};
    KType pt[7];
    uint32_t np = 0;
    pt[np++] = at[0];
    for (int i = 0; i < 4; i++) {
        KType st[3];
        uint32_t n = ex_agg_state_types((ExAggFunc)s3[i].func, s3[i].arg->type, st);
        s3[i].state_col = np;
        for (uint32_t q = 0; q < n; q++) pt[np++] = st[q];
    }
    ExPlan *pa = t_node(A, EX_OP_HASH_AGG, np, pt);
    pa->left = t_scan(A, tagg, 3, at);
    pa->u.agg.mode = EX_AGG_PARTIAL;
    pa->u.agg.ngroups = 1;
    pa->u.agg.groups = t_exprs(A, 1, col(at[0], 0));
    pa->u.agg.naggs = 4;
    pa->u.agg.aggs = s3;
    KType ft[5] = {at[0], s3[0].type, s3[1].type, s3[2].type, s3[3].type};
    ExPlan *fa = t_node(A, EX_OP_HASH_AGG, 5, ft);
    fa->left = pa;
    fa->u.agg.mode = EX_AGG_FINAL;
    fa->u.agg.ngroups = 1;
    fa->u.agg.groups = t_exprs(A, 1, col(at[0], 0));
    fa->u.agg.naggs = 4;
    fa->u.agg.aggs = s3;
    assert_string_equal(run_text(fa, true, buf, sizeof buf),
                        "1|3|5.25|1.750000|c;2|1|0.10|0.100000|z;NULL|1|5.00|5.000000|q");
}

/* var_samp / stddev_samp / bool_and / bool_or / any_value, complete and
 * through partial -> final. */
static void
test_more_aggregates(void **state)
{
    char buf[4096];
    /* over big: v in {0,1,2} or NULL, grouped by v: k values */
    ExExpr *k = col(bt[0], 0), *v = col(bt[1], 1);
    ExExpr *kodd = ex_expr_func2(A, EX_FN_EQ, k_type(K_TYPE_BOOL),
                                 ex_expr_func2(A, EX_FN_MOD, bt[0], k, ex_expr_const_i64(A, 2)),
                                 ex_expr_const_i64(A, 1));
    ExExpr *klt = ex_expr_func2(A, EX_FN_LT, k_type(K_TYPE_BOOL), k, ex_expr_const_i64(A, 20000));
    ExAggSpec sp[5] = {agg(EX_AGG_VAR_SAMP, v, false, NULL), agg(EX_AGG_STDDEV_SAMP, v, false, NULL),
                       agg(EX_AGG_BOOL_AND, klt, false, NULL), agg(EX_AGG_BOOL_OR, kodd, false, NULL),
                       agg(EX_AGG_COUNT, v, false, NULL)};
    KType ot[5];
    for (int i = 0; i < 5; i++) ot[i] = sp[i].type;
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 5, ot);
    g->left = t_scan(A, tbig, 2, bt);
    g->u.agg.naggs = 5;
    g->u.agg.aggs = sp;
    /* v: 18000 non-NULL values, i % 3 over i not divisible by 10 */
    double sum = 0, sum2 = 0;
    long n = 0;
    for (int i = 0; i < 20000; i++)
        if (i % 10) {
            sum += i % 3;
            sum2 += (double)(i % 3) * (i % 3);
            n++;
        }
    double var = (sum2 - sum * sum / n) / (n - 1);
    TRows r;
    KErr err;
    assert_int_equal(run_frag(db, A, g, 0, NULL, &r, &err), K_OK);
    assert_int_equal(r.n, 1);
    double gv, gs;
    char b1[8], b2[8];
    long cnt;
    assert_int_equal(sscanf(r.rows[0], "%lf|%lf|%1[tf]|%1[tf]|%ld", &gv, &gs, b1, b2, &cnt), 5);
    assert_true(fabs(gv - var) < 1e-9);
    assert_true(fabs(gs - sqrt(var)) < 1e-9);
    assert_string_equal(b1, "t");
    assert_string_equal(b2, "t");
    assert_int_equal(cnt, n);
    trows_free(&r);
    /* partial -> final for the same aggregates, with any_value of a constant */
    ExAggSpec s3[3] = {agg(EX_AGG_VAR_SAMP, v, false, NULL), agg(EX_AGG_BOOL_AND, klt, false, NULL),
                       agg(EX_AGG_ANY_VALUE, ex_expr_const_i32(A, 7), false, NULL)};
    KType pt[8];
    uint32_t np = 0;
    for (int i = 0; i < 3; i++) {
        KType st[3];
        uint32_t m = ex_agg_state_types((ExAggFunc)s3[i].func, s3[i].arg->type, st);
        s3[i].state_col = np;
        for (uint32_t q = 0; q < m; q++) pt[np++] = st[q];
    }
    ExPlan *pa = t_node(A, EX_OP_HASH_AGG, np, pt);
    pa->left = t_scan(A, tbig, 2, bt);
    pa->u.agg.mode = EX_AGG_PARTIAL;
    pa->u.agg.naggs = 3;
    pa->u.agg.aggs = s3;
    KType ft[3] = {s3[0].type, s3[1].type, s3[2].type};
    ExPlan *fa = t_node(A, EX_OP_HASH_AGG, 3, ft);
    fa->left = pa;
    fa->u.agg.mode = EX_AGG_FINAL;
    fa->u.agg.naggs = 3;
    fa->u.agg.aggs = s3;
    assert_int_equal(run_frag(db, A, fa, 0, NULL, &r, &err), K_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(sscanf(r.rows[0], "%lf|%1[tf]|%ld", &gv, b1, &cnt), 3);
    assert_true(fabs(gv - var) < 1e-9);
    assert_string_equal(b1, "t");
    assert_int_equal(cnt, 7);
    trows_free(&r);
    (void)buf;
}

static ExPlan *
sort_big(bool desc, bool nulls_first, int64_t limit, int64_t offset)
{
    ExPlan *s = t_node(A, EX_OP_SORT, 2, bt);
    s->left = t_scan(A, tbig, 2, bt);
    s->u.sort.nkeys = 2;
    s->u.sort.keys = k_alloc0(A, sizeof(ExSortKey) * 2);
    s->u.sort.keys[0].expr = col(bt[1], 1);
    s->u.sort.keys[0].desc = desc;
    s->u.sort.keys[0].nulls_first = nulls_first;
    s->u.sort.keys[1].expr = col(bt[0], 0);
    s->u.sort.limit = limit;
    s->u.sort.offset = offset;
    return s;
}

static void
test_sort_topn_limit(void **state)
{
    char buf[8192];
    /* v ASC NULLS LAST, k ASC: top 3 are v=0 with smallest k */
    const char *r = run_text(sort_big(false, false, 3, 0), false, buf, sizeof buf);
    assert_string_equal(r, "1|0;4|0;7|0");
    r = run_text(sort_big(false, true, 3, 0), false, buf, sizeof buf);
    assert_string_equal(r, "0|NULL;10|NULL;20|NULL");
    r = run_text(sort_big(true, false, 2, 1), false, buf, sizeof buf);
    assert_string_equal(r, "6|2;13|2");
    /* full sort: check order over all 20000 rows */
    TRows rows;
    KErr err;
    assert_int_equal(run_frag(db, A, sort_big(true, true, -1, 0), 0, NULL, &rows, &err), K_OK);
    assert_int_equal(rows.n, 20000);
    assert_string_equal(rows.rows[0], "0|NULL");
    assert_string_equal(rows.rows[1999], "19990|NULL");
    assert_string_equal(rows.rows[2000], "3|2");
    assert_string_equal(rows.rows[19999], "19997|0");
    trows_free(&rows);
    /* LIMIT / OFFSET over a sorted input */
    ExPlan *l = t_node(A, EX_OP_LIMIT, 2, bt);
    l->left = sort_big(false, false, -1, 0);
    l->u.limit.limit = 2;
    l->u.limit.offset = 3;
    assert_string_equal(run_text(l, false, buf, sizeof buf), "11|0;14|0");
    l->u.limit.limit = 0;
    assert_string_equal(run_text(l, false, buf, sizeof buf), "");
    /* a satisfied LIMIT stops the scan below it early */
    ExPlan *l2 = t_node(A, EX_OP_LIMIT, 2, bt);
    l2->left = t_scan(A, tbig, 2, bt);
    l2->u.limit.limit = 2;
    ExOpStats *st = k_alloc0(A, sizeof(ExOpStats) * t_next_id);
    ExFragment f;
    memset(&f, 0, sizeof f);
    f.root = l2;
    ExRunCtx rc;
    memset(&rc, 0, sizeof rc);
    rc.db = db;
    rc.arena = A;
    rc.stats = st;
    rc.nstats = t_next_id;
    ExSink sink;
    trows_init(&rows, &sink);
    assert_int_equal(ex_fragment_run(&rc, &f, &sink, &err), K_OK);
    assert_int_equal(rows.n, 2);
    assert_true(st[l2->left->id].rows_out < 20000);
    assert_int_equal(st[l2->id].rows_out, 2);
    trows_free(&rows);
}

static ExPlan *
values(uint32_t n, const int *v)
{
    ExPlan *p = t_node(A, EX_OP_VALUES, 1, (KType[]){k_type(K_TYPE_INT32)});
    p->u.values.nrows = n;
    p->u.values.cells = k_alloc(A, sizeof(ExExpr *) * n);
    for (uint32_t i = 0; i < n; i++)
        p->u.values.cells[i] = v[i] < 0 ? ex_expr_const_null(A, k_type(K_TYPE_INT32))
                                        : ex_expr_const_i32(A, v[i]);
    return p;
}

static const char *
setop(ExSetOpKind op, bool all, char *buf)
{
    static const int l[] = {1, 1, 2, 3, -1, -1}, r[] = {1, 3, 3, 4, -1};
    ExPlan *s = t_node(A, EX_OP_SETOP, 1, (KType[]){k_type(K_TYPE_INT32)});
    s->left = values(6, l);
    s->right = values(5, r);
    s->u.setop.op = (uint8_t)op;
    s->u.setop.all = all;
    return run_text(s, true, buf, 4096);
}

static void
test_setops(void **state)
{
    char buf[4096];
    assert_string_equal(setop(EX_SETOP_UNION, false, buf), "1;2;3;4;NULL");
    assert_string_equal(setop(EX_SETOP_UNION, true, buf), "1;1;1;2;3;3;3;4;NULL;NULL;NULL");
    assert_string_equal(setop(EX_SETOP_INTERSECT, false, buf), "1;3;NULL");
    assert_string_equal(setop(EX_SETOP_INTERSECT, true, buf), "1;3;NULL");
    assert_string_equal(setop(EX_SETOP_EXCEPT, false, buf), "2");
    assert_string_equal(setop(EX_SETOP_EXCEPT, true, buf), "1;2;NULL");
    /* many distinct rows over several morsels (the partitioned merge) */
    uint64_t want[6] = {20000, 40000, 20000, 20000, 0, 0};
    for (int op = 0; op < 3; op++) {
        for (int all = 0; all < 2; all++) {
            ExPlan *s = t_node(A, EX_OP_SETOP, 2, bt);
            s->left = t_scan(A, tbig, 2, bt);
            s->right = t_scan(A, tbig, 2, bt);
            s->u.setop.op = (uint8_t)op;
            s->u.setop.all = all;
            TRows r;
            KErr err;
            assert_int_equal(run_frag(db, A, s, 0, NULL, &r, &err), K_OK);
            assert_int_equal(r.n, want[op * 2 + all]);
            trows_free(&r);
        }
    }
}

static void
test_memory_and_cancel(void **state)
{
    /* group by k over 20000 rows with a 256 kB budget */
    ExAggSpec s[1] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL)};
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 2, (KType[]){bt[0], s[0].type});
    g->left = t_scan(A, tbig, 2, bt);
    g->u.agg.ngroups = 1;
    g->u.agg.groups = t_exprs(A, 1, col(bt[0], 0));
    g->u.agg.naggs = 1;
    g->u.agg.aggs = s;
    TRows rows;
    KErr err;
    assert_int_equal(run_frag(db, A, g, 256 * 1024, NULL, &rows, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "53200");
    trows_free(&rows);
    /* the same query runs with enough memory (20000 groups over 5 morsels:
     * the partitioned parallel merge) */
    assert_int_equal(run_frag(db, A, g, 0, NULL, &rows, &err), K_OK);
    assert_int_equal(rows.n, 20000);
    char want[64];
    qsort(rows.rows, rows.n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < rows.n; i++) {
        long k = atol(rows.rows[i]);
        snprintf(want, sizeof want, "%ld|1", k);
        assert_string_equal(rows.rows[i], want);
    }
    trows_free(&rows);
    volatile int cancel = 1;
    assert_int_equal(run_frag(db, A, g, 0, &cancel, &rows, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "57014");
    trows_free(&rows);
    /* a runtime error mid-query, then the next query is fine */
    ExPlan *pr = t_node(A, EX_OP_PROJECT, 1, (KType[]){k_type(K_TYPE_INT64)});
    pr->left = t_scan(A, tbig, 2, bt);
    pr->u.project.nexprs = 1;
    pr->u.project.exprs = t_exprs(A, 1, ex_expr_func2(A, EX_FN_DIV, bt[0], col(bt[0], 0),
                                                       ex_expr_const_i64(A, 0)));
    assert_int_equal(run_frag(db, A, pr, 0, NULL, &rows, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "22012");
    trows_free(&rows);
    assert_int_equal(run_frag(db, A, g, 0, NULL, &rows, &err), K_OK);
    trows_free(&rows);
}

/* Two shards: partial aggregate on every worker, hash exchange on the
 * group key to a final aggregate on every worker, gather to the
 * coordinator which sorts. */
static void
test_local_runtime(void **state)
{
    KErr err;
    char *d2 = tmp_dir();
    StDbOptions o = {0};
    o.no_fsync = true;
    StDb *db2;
    assert_int_equal(st_db_open(d2, &o, A, &db2, &err), K_OK);
    const char *an[] = {"g", "x", "s"}, *rn[] = {"k", "w"};
    /* the same table ids as on shard 0: same creation order */
    make_table(db2, "l", 2, rn, rt);
    make_table(db2, "r", 2, rn, rt);
    make_table(db2, "r2", 2, rn, rt);
    make_table(db2, "e", 2, rn, rt);
    uint32_t t2 = make_table(db2, "agg", 3, an, at);
    assert_int_equal(t2, tagg);
    const char *arows[] = {"1|10.00|k", "3|1.00|m"};
    load_rows(db2, t2, A, 3, at, arows, 2);
    ExAggSpec s[2] = {agg(EX_AGG_SUM, col(at[1], 1), false, NULL), agg(EX_AGG_COUNT_STAR, NULL, false, NULL)};
    KType st0[3], st1[3];
    ex_agg_state_types(EX_AGG_SUM, at[1], st0);
    ex_agg_state_types(EX_AGG_COUNT_STAR, k_type(K_TYPE_INT64), st1);
    s[0].state_col = 1;
    s[1].state_col = 2;
    ExPlan *pa = t_node(A, EX_OP_HASH_AGG, 3, (KType[]){at[0], st0[0], st1[0]});
    pa->left = t_scan(A, tagg, 3, at);
    pa->u.agg.mode = EX_AGG_PARTIAL;
    pa->u.agg.ngroups = 1;
    pa->u.agg.groups = t_exprs(A, 1, col(at[0], 0));
    pa->u.agg.naggs = 2;
    pa->u.agg.aggs = s;
    ExPlan *src1 = t_node(A, EX_OP_EXCHANGE_SOURCE, 3, pa->types);
    src1->u.exchange.exchange_id = 100;
    KType ft[3] = {at[0], s[0].type, s[1].type};
    ExPlan *fa = t_node(A, EX_OP_HASH_AGG, 3, ft);
    fa->left = src1;
    fa->u.agg.mode = EX_AGG_FINAL;
    fa->u.agg.ngroups = 1;
    fa->u.agg.groups = t_exprs(A, 1, col(at[0], 0));
    fa->u.agg.naggs = 2;
    fa->u.agg.aggs = s;
    ExPlan *src2 = t_node(A, EX_OP_EXCHANGE_SOURCE, 3, ft);
    src2->u.exchange.exchange_id = 200;
    ExPlan *so = t_node(A, EX_OP_SORT, 3, ft);
    so->left = src2;
    so->u.sort.nkeys = 1;
    so->u.sort.keys = k_alloc0(A, sizeof(ExSortKey));
    so->u.sort.keys[0].expr = col(at[0], 0);
    ExFragment frags[3];
    memset(frags, 0, sizeof frags);
    frags[0].id = 0;
    frags[0].root = so;
    frags[0].placement = EX_RUN_COORDINATOR;
    frags[1].id = 1;
    frags[1].root = fa;
    frags[1].placement = EX_RUN_EVERY_WORKER;
    frags[1].has_output = true;
    frags[1].out.kind = EX_XCHG_GATHER;
    frags[1].out.exchange_id = 200;
    frags[1].out.target_fragment = 0;
    frags[2].id = 2;
    frags[2].root = pa;
    frags[2].placement = EX_RUN_EVERY_WORKER;
    frags[2].has_output = true;
    frags[2].out.kind = EX_XCHG_HASH;
    frags[2].out.exchange_id = 100;
    frags[2].out.target_fragment = 1;
    frags[2].out.nkeys = 1;
    frags[2].out.key_cols = t_u32(A, 1, 0);
    ExQueryPlan q;
    memset(&q, 0, sizeof q);
    q.nfrags = 3;
    q.frags = frags;
    q.root = 0;
    q.ncols = 3;
    q.types = ft;
    q.nops = t_next_id;
    ExOpStats *stats = k_alloc0(A, sizeof(ExOpStats) * q.nops);
    StDb *shards[2] = {db, db2};
    ExLocalEnv env;
    memset(&env, 0, sizeof env);
    env.shards = shards;
    env.nshards = 2;
    env.arena = A;
    env.stats = stats;
    TRows r;
    ExSink sink;
    trows_init(&r, &sink);
    assert_int_equal(ex_query_run_local(&env, &q, &sink, &err), K_OK);
    char buf[1024];
    assert_string_equal(trows_text(&r, false, buf, sizeof buf),
                        "1|15.25|5;2|0.10|2;3|1.00|1;NULL|5.00|1");
    assert_int_equal(r.finished, 1);
    trows_free(&r);
    assert_int_equal(stats[pa->id].rows_out, 3 + 2); /* groups per shard */
    assert_int_equal(stats[so->id].rows_out, 4);
    /* serialize -> deserialize -> equal, and the copy runs the same */
    KBuf ser;
    k_buf_init(&ser);
    ex_query_serialize(&q, &ser);
    assert_false(ser.failed);
    ExQueryPlan *q2;
    assert_int_equal(ex_query_deserialize(ser.data, ser.len, A, &q2, &err), K_OK);
    assert_true(ex_query_equal(&q, q2));
    for (size_t cut = 0; cut < ser.len; cut += 7) {
        ExQueryPlan *bad;
        assert_int_equal(ex_query_deserialize(ser.data, cut, A, &bad, &err), K_ERR);
    }
    trows_init(&r, &sink);
    env.stats = NULL;
    assert_int_equal(ex_query_run_local(&env, q2, &sink, &err), K_OK);
    assert_string_equal(trows_text(&r, false, buf, sizeof buf),
                        "1|15.25|5;2|0.10|2;3|1.00|1;NULL|5.00|1");
    trows_free(&r);
    k_buf_free(&ser);
    KBuf ex;
    k_buf_init(&ex);
    ex_plan_explain(&q, stats, &ex);
    k_buf_put_u8(&ex, 0);
    assert_non_null(strstr((char *)ex.data, "Hash Aggregate (final)"));
    assert_non_null(strstr((char *)ex.data, "hash exchange 100 to fragment 1"));
    k_buf_free(&ex);
    st_db_close(db2);
    rm_rf(d2);
    free(d2);
}

static void
test_window(void **state)
{
    char buf[4096];
    ExWindowFunc *f = k_alloc0(A, sizeof(ExWindowFunc) * 6);
    KType i8 = k_type(K_TYPE_INT64);
    f[0].kind = EX_WIN_ROW_NUMBER;
    f[0].type = i8;
    f[1].kind = EX_WIN_RANK;
    f[1].type = i8;
    f[2].kind = EX_WIN_DENSE_RANK;
    f[2].type = i8;
    f[3].kind = EX_WIN_AGG;
    f[3].agg = agg(EX_AGG_SUM, col(at[1], 1), false, NULL);
    f[3].type = f[3].agg.type;
    f[4].kind = EX_WIN_LAG;
    f[4].arg = col(at[2], 2);
    f[4].type = at[2];
    f[5].kind = EX_WIN_AGG;
    f[5].agg = agg(EX_AGG_COUNT_STAR, NULL, false, NULL);
    f[5].type = i8;
    f[5].frame_rows = true;
    f[5].start = EX_FRAME_PRECEDING;
    f[5].start_off = 1;
    f[5].end = EX_FRAME_CURRENT_ROW;
    KType ot[9] = {at[0], at[1], at[2], i8, i8, i8, f[3].type, at[2], i8};
    ExPlan *w = t_node(A, EX_OP_WINDOW, 9, ot);
    w->left = t_scan(A, tagg, 3, at);
    w->u.window.npart = 1;
    w->u.window.part = t_exprs(A, 1, col(at[0], 0));
    w->u.window.norder = 1;
    w->u.window.order = k_alloc0(A, sizeof(ExSortKey));
    w->u.window.order[0].expr = col(at[1], 1);
    w->u.window.nfuncs = 6;
    w->u.window.funcs = f;
    assert_string_equal(run_text(w, false, buf, sizeof buf),
                        "1|1.50|b|1|1|1|3.00|NULL|1;1|1.50|a|2|1|1|3.00|b|2;"
                        "1|2.25|NULL|3|3|2|5.25|a|2;1|NULL|c|4|4|3|5.25|NULL|2;"
                        "2|0.10|y|1|1|1|0.10|NULL|1;2|NULL|z|2|2|2|0.10|y|2;"
                        "NULL|5.00|q|1|1|1|5.00|NULL|1");
    /* ntile(3) and last_value over the whole partition (no ORDER BY) */
    ExWindowFunc *g = k_alloc0(A, sizeof(ExWindowFunc) * 2);
    g[0].kind = EX_WIN_NTILE;
    g[0].arg = ex_expr_const_i32(A, 3);
    g[0].type = i8;
    g[1].kind = EX_WIN_AGG;
    g[1].agg = agg(EX_AGG_MAX, col(bt[0], 0), false, NULL);
    g[1].type = bt[0];
    KType ot2[4] = {bt[0], bt[1], i8, bt[0]};
    ExPlan *w2 = t_node(A, EX_OP_WINDOW, 4, ot2);
    w2->left = t_scan(A, tbig, 2, bt);
    w2->u.window.norder = 1;
    w2->u.window.order = k_alloc0(A, sizeof(ExSortKey));
    w2->u.window.order[0].expr = col(bt[0], 0);
    w2->u.window.nfuncs = 2;
    w2->u.window.funcs = g;
    TRows rows;
    KErr err;
    assert_int_equal(run_frag(db, A, w2, 0, NULL, &rows, &err), K_OK);
    assert_int_equal(rows.n, 20000);
    assert_string_equal(rows.rows[0], "0|NULL|1|0");
    assert_string_equal(rows.rows[6667], "6667|1|2|6667");
    assert_string_equal(rows.rows[19999], "19999|2|3|19999");
    trows_free(&rows);
}

/* A receiver whose batches die at the next call (as a network runtime's
 * may): the executor must copy them before reading on. */
typedef struct FakeRecv {
    KBatch *b[10];
    uint32_t next;
} FakeRecv;

static int
fake_recv(void *rctx, uint32_t id, KBatch **out, KErr *err)
{
    FakeRecv *f = rctx;
    if (f->next > 0) memset(f->b[f->next - 1]->cols[0].data, 0x7f, 100 * sizeof(int32_t));
    *out = f->next < 10 ? f->b[f->next++] : NULL;
    (void)id;
    (void)err;
    return K_OK;
}

/* Fast paths added for speed: group keys of at most one byte (direct map),
 * mixed in one table with longer keys and NULLs so batches switch between
 * the direct map and the hash table; a hash join on a sparse integer key
 * (hash-only key comparison) with duplicates and NULLs. */
static void
test_fast_paths(void **state)
{
    char buf[4096];
    KType mt[2] = {k_type_varchar(0), k_type(K_TYPE_INT64)};
    const char *mn[] = {"s", "k"};
    uint32_t tm = make_table(db, "mix", 2, mn, mt);
    enum { NM = 9000 };
    char **lines = malloc(sizeof(char *) * NM);
    int64_t want[6] = {0}; /* a, b, '', NULL, long0, long1 */
    for (int i = 0; i < NM; i++) {
        char b[96];
        const char *sv;
        int g;
        if (i % 7 == 0) sv = "NULL", g = 3;
        else if (i < 5000 || i % 2) sv = i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "", g = i % 3;
        else sv = i % 4 ? "long1" : "long0", g = i % 4 ? 5 : 4;
        want[g]++;
        long k = i % 5 == 0 ? -1 : (long)(i % 1000) * 1000003L;
        if (k < 0) snprintf(b, sizeof b, "%s|NULL", sv);
        else snprintf(b, sizeof b, "%s|%ld", sv, k);
        lines[i] = strdup(b);
    }
    load_rows(db, tm, A, 2, mt, (const char *const *)lines, NM);
    for (int i = 0; i < NM; i++) free(lines[i]);
    free(lines);
    /* SELECT s, count(*) FROM mix GROUP BY s */
    ExAggSpec sc[1] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL)};
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 2, (KType[]){mt[0], sc[0].type});
    g->left = t_scan(A, tm, 2, mt);
    g->u.agg.mode = EX_AGG_COMPLETE;
    g->u.agg.ngroups = 1;
    g->u.agg.groups = t_exprs(A, 1, col(mt[0], 0));
    g->u.agg.naggs = 1;
    g->u.agg.aggs = sc;
    char exp[512];
    snprintf(exp, sizeof exp, "NULL|%lld;a|%lld;b|%lld;long0|%lld;long1|%lld;|%lld",
             (long long)want[3], (long long)want[0], (long long)want[1], (long long)want[4],
             (long long)want[5], (long long)want[2]);
    assert_string_equal(run_text(g, true, buf, sizeof buf), exp);
    /* two INT keys (packed slot keys), NULL in one or both: GROUP BY k, w
     * and GROUP BY k, k over r */
    ExPlan *g2 = t_node(A, EX_OP_HASH_AGG, 3, (KType[]){rt[0], rt[1], sc[0].type});
    g2->left = t_scan(A, tr, 2, rt);
    g2->u.agg.mode = EX_AGG_COMPLETE;
    g2->u.agg.ngroups = 2;
    g2->u.agg.groups = t_exprs(A, 2, col(rt[0], 0), col(rt[1], 1));
    g2->u.agg.naggs = 1;
    g2->u.agg.aggs = sc;
    assert_string_equal(run_text(g2, true, buf, sizeof buf), "2|20|1;2|21|1;3|30|1;NULL|40|1");
    g2->u.agg.groups = t_exprs(A, 2, col(rt[0], 0), col(rt[0], 0));
    g2->types[1] = rt[0];
    assert_string_equal(run_text(g2, true, buf, sizeof buf), "2|2|2;3|3|1;NULL|NULL|1");
    /* many groups of two INT keys with NULLs in either (the table rehashes
     * with NULL-key groups in it): SELECT count(*) FROM (SELECT a, b, count(*)
     * FROM pairs GROUP BY a, b) */
    KType pt2[2] = {k_type(K_TYPE_INT32), k_type(K_TYPE_INT32)};
    const char *pn[] = {"a", "b"};
    uint32_t tp = make_table(db, "pairs", 2, pn, pt2);
    enum { NP = 6000 };
    char **pl = malloc(sizeof(char *) * NP);
    static uint8_t seen[51][71];
    memset(seen, 0, sizeof seen);
    int64_t distinct = 0;
    for (int i = 0; i < NP; i++) {
        char b[64], av[16], bv[16];
        int ai = i % 7 == 0 ? 50 : i % 50, bi = i % 11 == 0 ? 70 : (i / 3) % 70;
        if (ai == 50) snprintf(av, sizeof av, "NULL");
        else snprintf(av, sizeof av, "%d", ai);
        if (bi == 70) snprintf(bv, sizeof bv, "NULL");
        else snprintf(bv, sizeof bv, "%d", bi);
        snprintf(b, sizeof b, "%s|%s", av, bv);
        pl[i] = strdup(b);
        if (!seen[ai][bi]++) distinct++;
    }
    load_rows(db, tp, A, 2, pt2, (const char *const *)pl, NP);
    for (int i = 0; i < NP; i++) free(pl[i]);
    free(pl);
    ExPlan *g3 = t_node(A, EX_OP_HASH_AGG, 3, (KType[]){pt2[0], pt2[1], sc[0].type});
    g3->left = t_scan(A, tp, 2, pt2);
    g3->u.agg.mode = EX_AGG_COMPLETE;
    g3->u.agg.ngroups = 2;
    g3->u.agg.groups = t_exprs(A, 2, col(pt2[0], 0), col(pt2[1], 1));
    g3->u.agg.naggs = 1;
    g3->u.agg.aggs = sc;
    ExPlan *c3 = t_node(A, EX_OP_HASH_AGG, 1, &sc[0].type);
    c3->left = g3;
    c3->u.agg.mode = EX_AGG_COMPLETE;
    c3->u.agg.naggs = 1;
    c3->u.agg.aggs = sc;
    char exp2[64];
    snprintf(exp2, sizeof exp2, "%lld", (long long)distinct);
    assert_string_equal(run_text(c3, false, buf, sizeof buf), exp2);
    /* SELECT count(*) FROM mix a JOIN mix b ON a.k = b.k: keys 0..999 times
     * 1000003, NULL on every fifth row */
    int64_t per[1000] = {0};
    for (int i = 0; i < NM; i++)
        if (i % 5) per[i % 1000]++;
    int64_t pairs = 0;
    for (int k = 0; k < 1000; k++) pairs += per[k] * per[k];
    ExPlan *j = t_node(A, EX_OP_HASH_JOIN, 1, &mt[1]);
    j->left = t_scan(A, tm, 2, mt);
    j->right = t_scan(A, tm, 2, mt);
    j->u.join.type = (uint8_t)EX_JOIN_INNER;
    j->u.join.nkeys = 1;
    j->u.join.probe_keys = t_exprs(A, 1, col(mt[1], 1));
    j->u.join.build_keys = t_exprs(A, 1, col(mt[1], 1));
    j->u.join.nout = 1;
    j->u.join.out_cols = t_u32(A, 1, 1);
    ExPlan *c = t_node(A, EX_OP_HASH_AGG, 1, &sc[0].type);
    c->left = j;
    c->u.agg.mode = EX_AGG_COMPLETE;
    c->u.agg.naggs = 1;
    c->u.agg.aggs = sc;
    snprintf(exp, sizeof exp, "%lld", (long long)pairs);
    assert_string_equal(run_text(c, false, buf, sizeof buf), exp);
    /* the same through an ANTI join against the keys below 500 * 1000003:
     * probe rows whose key is NULL or >= 500 * 1000003 remain */
    ExPlan *sm = t_node(A, EX_OP_FILTER, 2, mt);
    sm->left = t_scan(A, tm, 2, mt);
    sm->u.filter.pred = ex_expr_func2(A, EX_FN_LT, k_type(K_TYPE_BOOL), col(mt[1], 1),
                                      ex_expr_const_i64(A, 500L * 1000003L));
    ExPlan *aj = t_node(A, EX_OP_HASH_JOIN, 2, mt);
    aj->left = t_scan(A, tm, 2, mt);
    aj->right = sm;
    aj->u.join.type = (uint8_t)EX_JOIN_ANTI;
    aj->u.join.nkeys = 1;
    aj->u.join.probe_keys = t_exprs(A, 1, col(mt[1], 1));
    aj->u.join.build_keys = t_exprs(A, 1, col(mt[1], 1));
    aj->u.join.nout = 2;
    aj->u.join.out_cols = t_u32(A, 2, 0, 1);
    ExPlan *c2 = t_node(A, EX_OP_HASH_AGG, 1, &sc[0].type);
    c2->left = aj;
    c2->u.agg.mode = EX_AGG_COMPLETE;
    c2->u.agg.naggs = 1;
    c2->u.agg.aggs = sc;
    int64_t left = 0;
    for (int i = 0; i < NM; i++)
        if (i % 5 == 0 || i % 1000 >= 500) left++;
    snprintf(exp, sizeof exp, "%lld", (long long)left);
    assert_string_equal(run_text(c2, false, buf, sizeof buf), exp);
}

/* Many groups on two threads: every thread's table splits into hash
 * partitions, the partitions of the threads are merged, and the groups
 * are emitted on both threads (integer, string and NULL keys; PARTIAL ->
 * FINAL). Checked through an outer aggregate against sums computed here. */
static void
test_parallel_agg(void **state)
{
    enum { NR = 80000, NK = 40000, NS = 30000 };
    KType mt[3] = {k_type(K_TYPE_INT64), k_type_varchar(0), k_type(K_TYPE_INT32)};
    const char *mn[] = {"k", "s", "v"};
    uint32_t tm = make_table(db, "many", 3, mn, mt);
    char **lines = malloc(sizeof(char *) * NR);
    /* per k (NK = NULL): count, sum(v), max(v); per s: count, min(k) */
    int64_t *kc = calloc(NK + 1, 8), *ks = calloc(NK + 1, 8), *km = calloc(NK + 1, 8);
    int64_t *sc = calloc(NS + 1, 8), *sm = calloc(NS + 1, 8);
    for (int i = 0; i <= NK; i++) km[i] = -1;
    for (int i = 0; i <= NS; i++) sm[i] = INT64_MAX;
    for (int i = 0; i < NR; i++) {
        int k = i % 13 == 0 ? NK : (int)((long)i * 7919 % NK);
        int sv = i % 17 == 0 ? NS : (int)((long)i * 31 % NS);
        int v = i % 100;
        char b[96], kb[24], sb[24];
        if (k == NK) snprintf(kb, sizeof kb, "NULL");
        else snprintf(kb, sizeof kb, "%d", k);
        if (sv == NS) snprintf(sb, sizeof sb, "NULL");
        else snprintf(sb, sizeof sb, "group-%d", sv);
        snprintf(b, sizeof b, "%s|%s|%d", kb, sb, v);
        lines[i] = strdup(b);
        kc[k]++;
        ks[k] += v;
        if (v > km[k]) km[k] = v;
        sc[sv]++;
        if (k != NK && k < sm[sv]) sm[sv] = k;
    }
    load_rows(db, tm, A, 3, mt, (const char *const *)lines, NR);
    for (int i = 0; i < NR; i++) free(lines[i]);
    free(lines);
    int64_t ngk = 0, sumv = 0, summax = 0, ngs = 0, summin = 0;
    for (int i = 0; i <= NK; i++)
        if (kc[i]) ngk++, sumv += ks[i], summax += km[i];
    for (int i = 0; i <= NS; i++)
        if (sc[i]) ngs++, summin += sm[i] == INT64_MAX ? 0 : sm[i];
    run_frag_threads = 2;
    char buf[256], exp[256];
    ExExpr *k = col(mt[0], 0), *s = col(mt[1], 1), *v = col(mt[2], 2);
    /* SELECT count(*), sum(c), sum(sv), sum(mv) FROM
     *   (SELECT k, count(*) c, sum(v) sv, max(v) mv FROM many GROUP BY k) */
    ExAggSpec in[3] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL), agg(EX_AGG_SUM, v, false, NULL),
                       agg(EX_AGG_MAX, v, false, NULL)};
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 4, (KType[]){mt[0], in[0].type, in[1].type, in[2].type});
    g->left = t_scan(A, tm, 3, mt);
    g->u.agg.mode = EX_AGG_COMPLETE;
    g->u.agg.ngroups = 1;
    g->u.agg.groups = t_exprs(A, 1, k);
    g->u.agg.naggs = 3;
    g->u.agg.aggs = in;
    ExAggSpec out[4] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL),
                        agg(EX_AGG_SUM, col(in[0].type, 1), false, NULL),
                        agg(EX_AGG_SUM, col(in[1].type, 2), false, NULL),
                        agg(EX_AGG_SUM, col(in[2].type, 3), false, NULL)};
    ExPlan *o = t_node(A, EX_OP_HASH_AGG, 4,
                       (KType[]){out[0].type, out[1].type, out[2].type, out[3].type});
    o->left = g;
    o->u.agg.mode = EX_AGG_COMPLETE;
    o->u.agg.naggs = 4;
    o->u.agg.aggs = out;
    snprintf(exp, sizeof exp, "%lld|%d|%lld|%lld", (long long)ngk, NR, (long long)sumv,
             (long long)summax);
    assert_string_equal(run_text(o, false, buf, sizeof buf), exp);
    /* the same through PARTIAL -> FINAL */
    ExAggSpec fin[3] = {in[0], in[1], in[2]};
    KType pt[6];
    uint32_t np = 1;
    pt[0] = mt[0];
    for (int i = 0; i < 3; i++) {
        KType st[3];
        uint32_t m = ex_agg_state_types((ExAggFunc)fin[i].func,
                                        fin[i].arg ? fin[i].arg->type : k_type(K_TYPE_INT64), st);
        fin[i].state_col = np;
        for (uint32_t q = 0; q < m; q++) pt[np++] = st[q];
    }
    ExPlan *pa = t_node(A, EX_OP_HASH_AGG, np, pt);
    pa->left = t_scan(A, tm, 3, mt);
    pa->u.agg.mode = EX_AGG_PARTIAL;
    pa->u.agg.ngroups = 1;
    pa->u.agg.groups = t_exprs(A, 1, k);
    pa->u.agg.naggs = 3;
    pa->u.agg.aggs = fin;
    ExPlan *fa = t_node(A, EX_OP_HASH_AGG, 4, (KType[]){mt[0], in[0].type, in[1].type, in[2].type});
    fa->left = pa;
    fa->u.agg.mode = EX_AGG_FINAL;
    fa->u.agg.ngroups = 1;
    fa->u.agg.groups = t_exprs(A, 1, col(mt[0], 0));
    fa->u.agg.naggs = 3;
    fa->u.agg.aggs = fin;
    o->left = fa;
    assert_string_equal(run_text(o, false, buf, sizeof buf), exp);
    /* SELECT count(*), sum(c), sum(mk) FROM
     *   (SELECT s, count(*) c, min(k) mk FROM many GROUP BY s) */
    ExAggSpec in2[2] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL), agg(EX_AGG_MIN, k, false, NULL)};
    ExPlan *g2 = t_node(A, EX_OP_HASH_AGG, 3, (KType[]){mt[1], in2[0].type, in2[1].type});
    g2->left = t_scan(A, tm, 3, mt);
    g2->u.agg.mode = EX_AGG_COMPLETE;
    g2->u.agg.ngroups = 1;
    g2->u.agg.groups = t_exprs(A, 1, s);
    g2->u.agg.naggs = 2;
    g2->u.agg.aggs = in2;
    ExAggSpec out2[3] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL),
                         agg(EX_AGG_SUM, col(in2[0].type, 1), false, NULL),
                         agg(EX_AGG_SUM, col(in2[1].type, 2), false, NULL)};
    ExPlan *o2 = t_node(A, EX_OP_HASH_AGG, 3, (KType[]){out2[0].type, out2[1].type, out2[2].type});
    o2->left = g2;
    o2->u.agg.mode = EX_AGG_COMPLETE;
    o2->u.agg.naggs = 3;
    o2->u.agg.aggs = out2;
    snprintf(exp, sizeof exp, "%lld|%d|%lld", (long long)ngs, NR, (long long)summin);
    assert_string_equal(run_text(o2, false, buf, sizeof buf), exp);
    /* one thread gives the same */
    run_frag_threads = 1;
    assert_string_equal(run_text(o2, false, buf, sizeof buf), exp);
    run_frag_threads = 2;
    /* DISTINCT with groups (rows kept by group partition, partitions
     * aggregated in parallel): SELECT count(*), sum(cd), sum(c) FROM
     *   (SELECT s, count(DISTINCT v) cd, count(*) c FROM many GROUP BY s) */
    uint8_t *seenv = calloc((size_t)(NS + 1) * 100, 1);
    int64_t sumcd = 0;
    for (int i = 0; i < NR; i++) {
        int sv = i % 17 == 0 ? NS : (int)((long)i * 31 % NS);
        if (!seenv[(size_t)sv * 100 + i % 100]++) sumcd++;
    }
    free(seenv);
    ExAggSpec in3[2] = {agg(EX_AGG_COUNT, v, true, NULL), agg(EX_AGG_COUNT_STAR, NULL, false, NULL)};
    ExPlan *g3 = t_node(A, EX_OP_HASH_AGG, 3, (KType[]){mt[1], in3[0].type, in3[1].type});
    g3->left = t_scan(A, tm, 3, mt);
    g3->u.agg.mode = EX_AGG_COMPLETE;
    g3->u.agg.ngroups = 1;
    g3->u.agg.groups = t_exprs(A, 1, s);
    g3->u.agg.naggs = 2;
    g3->u.agg.aggs = in3;
    o2->left = g3;
    snprintf(exp, sizeof exp, "%lld|%lld|%d", (long long)ngs, (long long)sumcd, NR);
    assert_string_equal(run_text(o2, false, buf, sizeof buf), exp);
    run_frag_threads = 1;
    assert_string_equal(run_text(o2, false, buf, sizeof buf), exp);
    run_frag_threads = 0;
    free(kc);
    free(ks);
    free(km);
    free(sc);
    free(sm);
}

/* Join builds of 20000 rows on two threads: a dense key (direct array
 * filled by key-range slices), duplicates in a dense key (chains), and a
 * sparse key (partitions counted and placed by row ranges). */
static void
test_parallel_join(void **state)
{
    char buf[256], exp[256];
    run_frag_threads = 2;
    ExExpr *kmod = ex_expr_func2(A, EX_FN_MOD, bt[0], col(bt[0], 0), ex_expr_const_i64(A, 5000));
    ExExpr *ksparse = ex_expr_func2(A, EX_FN_MUL, bt[0], col(bt[0], 0), ex_expr_const_i64(A, 1000003));
    ExExpr *keys[3] = {col(bt[0], 0), kmod, ksparse};
    /* expected: count(*) and sum(b.v) of big a JOIN big b ON f(a.k) = f(b.k) */
    int64_t vsum_by_mod[5000] = {0}, cnt_by_mod[5000] = {0}, vsum = 0;
    for (int i = 0; i < 20000; i++) {
        int k = (int)((long)i * 7919 % 20000);
        cnt_by_mod[k % 5000]++;
        if (i % 10) vsum_by_mod[k % 5000] += i % 3, vsum += i % 3;
    }
    int64_t pairs_mod = 0, sum_mod = 0;
    for (int m = 0; m < 5000; m++) {
        pairs_mod += cnt_by_mod[m] * cnt_by_mod[m];
        sum_mod += cnt_by_mod[m] * vsum_by_mod[m];
    }
    for (int q = 0; q < 3; q++) {
        ExPlan *j = t_node(A, EX_OP_HASH_JOIN, 1, &bt[1]);
        j->left = t_scan(A, tbig, 2, bt);
        j->right = t_scan(A, tbig, 2, bt);
        j->u.join.type = (uint8_t)EX_JOIN_INNER;
        j->u.join.nkeys = 1;
        j->u.join.probe_keys = t_exprs(A, 1, keys[q]);
        j->u.join.build_keys = t_exprs(A, 1, keys[q]);
        j->u.join.nout = 1;
        j->u.join.out_cols = t_u32(A, 1, 3);
        ExAggSpec sp[2] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL),
                           agg(EX_AGG_SUM, col(bt[1], 0), false, NULL)};
        ExPlan *c = t_node(A, EX_OP_HASH_AGG, 2, (KType[]){sp[0].type, sp[1].type});
        c->left = j;
        c->u.agg.mode = EX_AGG_COMPLETE;
        c->u.agg.naggs = 2;
        c->u.agg.aggs = sp;
        if (q == 1)
            snprintf(exp, sizeof exp, "%lld|%lld", (long long)pairs_mod, (long long)sum_mod);
        else
            snprintf(exp, sizeof exp, "20000|%lld", (long long)vsum);
        assert_string_equal(run_text(c, false, buf, sizeof buf), exp);
    }
    /* sort of 20000 rows: runs sorted per thread and merged give the order
     * of one sort (ties broken the same way), with and without a limit */
    size_t cap = 1 << 19;
    char *one = malloc(cap), *two = malloc(cap);
    for (int lim = 0; lim < 2; lim++) {
        ExPlan *so = sort_big(lim == 1, lim == 0, lim ? 5000 : -1, lim ? 7 : 0);
        run_frag_threads = 1;
        run_text(so, false, one, cap);
        run_frag_threads = 2;
        run_text(so, false, two, cap);
        assert_string_equal(one, two);
        assert_true(strlen(one) > (lim ? 20000u : 80000u));
    }
    free(one);
    free(two);
    run_frag_threads = 0;
}

static void
test_exchange_copies(void **state)
{
    KType i4 = k_type(K_TYPE_INT32);
    KErr err;
    FakeRecv fr;
    memset(&fr, 0, sizeof fr);
    for (int k = 0; k < 10; k++) {
        fr.b[k] = k_batch_create(A, 1, &i4, &err);
        for (int i = 0; i < 100; i++) ((int32_t *)fr.b[k]->cols[0].data)[i] = k * 100 + i;
        fr.b[k]->count = 100;
    }
    ExPlan *src = t_node(A, EX_OP_EXCHANGE_SOURCE, 1, &i4);
    src->u.exchange.exchange_id = 5;
    ExAggSpec s[2] = {agg(EX_AGG_COUNT_STAR, NULL, false, NULL), agg(EX_AGG_SUM, col(i4, 0), false, NULL)};
    ExPlan *g = t_node(A, EX_OP_HASH_AGG, 2, (KType[]){s[0].type, s[1].type});
    g->left = src;
    g->u.agg.naggs = 2;
    g->u.agg.aggs = s;
    for (int root = 0; root < 2; root++) {
        fr.next = 0;
        for (int k = 0; k < 10; k++)
            for (int i = 0; i < 100; i++) ((int32_t *)fr.b[k]->cols[0].data)[i] = k * 100 + i;
        ExFragment f;
        memset(&f, 0, sizeof f);
        f.root = g;
        f.has_output = !root;
        ExRunCtx rc;
        memset(&rc, 0, sizeof rc);
        rc.arena = A;
        rc.nthreads = 2;
        rc.recv = fake_recv;
        rc.rctx = &fr;
        TRows r;
        ExSink sink;
        trows_init(&r, &sink);
        assert_int_equal(ex_fragment_run(&rc, &f, &sink, &err), K_OK);
        char buf[128];
        assert_string_equal(trows_text(&r, false, buf, sizeof buf), "1000|499500");
        trows_free(&r);
    }
    for (int k = 0; k < 10; k++) k_batch_destroy(fr.b[k]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_join_types), cmocka_unit_test(test_hash_join_general_keys),
        cmocka_unit_test(test_runtime_filter_and_nl),
        cmocka_unit_test(test_aggregates),      cmocka_unit_test(test_more_aggregates),      cmocka_unit_test(test_sort_topn_limit),
        cmocka_unit_test(test_setops),          cmocka_unit_test(test_memory_and_cancel),
        cmocka_unit_test(test_local_runtime),   cmocka_unit_test(test_window),
        cmocka_unit_test(test_exchange_copies), cmocka_unit_test(test_fast_paths),
        cmocka_unit_test(test_parallel_agg),    cmocka_unit_test(test_parallel_join),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
