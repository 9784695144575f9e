/*
 * test_planner.c — planner tests: all TPC-H and SSB queries bind, unnest and
 * plan against their schemas with SF1-like statistics; EXPLAIN output is
 * compared with golden files (KESTREL_UPDATE_GOLDEN=1 rewrites them);
 * structural checks on every plan (exchanges wired, no cross products
 * except single-row scalar joins, runtime filters on star-join fact scans,
 * partition pruning); binder errors with SQLSTATE and position; parameter
 * type inference and result column naming; planning time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "planner/planner.h"
#include "pl_test_catalog.h"

static const char *
shared_dir(void)
{
    const char *s = getenv("KESTREL_SHARED");
    return s ? s : "/work/shared";
}

static const char *
source_dir(void)
{
    const char *s = getenv("KESTREL_SOURCE");
    return s ? s : "/work/main";
}

static char *
read_file(KArena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = k_alloc(a, (size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    if (len) *len = got;
    return buf;
}

static PrNode *
parse_one(KArena *a, const char *sql)
{
    PrStmtList *sl;
    KErr err;
    if (pr_parse(a, sql, strlen(sql), &sl, &err) != K_OK) {
        fprintf(stderr, "parse error: %s at %d\n", err.message, err.pos);
        return NULL;
    }
    if (sl->n < 1) return NULL;
    return sl->items[0].stmt;
}

/* ---- plan structure checks ---- */
typedef struct PlanStats {
    uint32_t nested_loops;
    uint32_t semi, anti, na_anti, mark;
    uint32_t runtime_filters_used;
    uint32_t hash_joins;
} PlanStats;

static void
walk(const ExPlan *p, PlanStats *s, const ExQueryPlan *q)
{
    if (!p) return;
    assert_true(p->id < q->nops);
    switch (p->kind) {
    case EX_OP_NESTED_LOOP:
        s->nested_loops++;
        break;
    case EX_OP_HASH_JOIN:
        s->hash_joins++;
        if (p->u.join.type == EX_JOIN_SEMI) s->semi++;
        if (p->u.join.type == EX_JOIN_ANTI) s->anti++;
        if (p->u.join.type == EX_JOIN_ANTI_NULL_AWARE) s->na_anti++;
        if (p->u.join.type == EX_JOIN_MARK) s->mark++;
        assert_true(p->u.join.nkeys > 0);
        assert_non_null(p->left);
        assert_non_null(p->right);
        for (uint32_t i = 0; i < p->u.join.nout; i++)
            assert_true(p->u.join.out_cols[i] < p->left->ncols + p->right->ncols);
        break;
    case EX_OP_SCAN:
        s->runtime_filters_used += p->u.scan.nrf;
        assert_true(p->u.scan.nread > 0);
        break;
    case EX_OP_EXCHANGE_SOURCE: {
        bool found = false;
        for (uint32_t i = 0; i < q->nfrags; i++)
            if (q->frags[i].has_output && q->frags[i].out.exchange_id == p->u.exchange.exchange_id) {
                found = true;
                assert_int_equal(q->frags[i].root->ncols, p->ncols);
            }
        assert_true(found);
        break;
    }
    default:
        break;
    }
    walk(p->left, s, q);
    walk(p->right, s, q);
}

static void
check_plan(const ExQueryPlan *q, PlanStats *s)
{
    memset(s, 0, sizeof *s);
    assert_true(q->nfrags >= 1);
    assert_true(q->root < q->nfrags);
    assert_int_equal(q->frags[q->root].placement, EX_RUN_COORDINATOR);
    assert_false(q->frags[q->root].has_output);
    for (uint32_t i = 0; i < q->nfrags; i++) {
        const ExFragment *f = &q->frags[i];
        if (i != q->root) {
            assert_true(f->has_output);
            assert_true(f->out.target_fragment < q->nfrags);
            assert_true(f->out.target_fragment != i);
        }
        walk(f->root, s, q);
    }
}

/* ---- serialize → deserialize → equal, and bad bytes fail cleanly ----
 * exec/serial.c is the one plan codec (workers read plans without the
 * planner); every plan built here goes through it. */
static uint32_t
count_preds(const ExPlan *p)
{
    if (!p) return 0;
    uint32_t n = p->kind == EX_OP_SCAN ? p->u.scan.npreds : 0;
    return n + count_preds(p->left) + count_preds(p->right);
}

static void
roundtrip(KArena *a, const ExQueryPlan *q)
{
    KErr err;
    KBuf b, b2;
    k_buf_init(&b);
    k_buf_init(&b2);
    ex_query_serialize(q, &b);
    assert_false(b.failed);
    ExQueryPlan *back;
    assert_int_equal(ex_query_deserialize(b.data, b.len, a, &back, &err), K_OK);
    assert_true(ex_query_equal(q, back));
    /* storage predicates survive, also on columns read only for the filter */
    for (uint32_t i = 0; i < q->nfrags; i++)
        assert_int_equal(count_preds(q->frags[i].root), count_preds(back->frags[i].root));
    ex_query_serialize(back, &b2);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    /* truncations never succeed */
    for (size_t cut = 0; cut < b.len; cut += 1 + b.len / 64) {
        ExQueryPlan *x;
        assert_int_equal(ex_query_deserialize(b.data, cut, a, &x, &err), K_ERR);
    }
    /* flipped bytes: an error or some plan, never a crash (ASan checks) */
    uint32_t seed = 12345;
    for (int i = 0; i < 32; i++) {
        memcpy(b2.data, b.data, b.len);
        seed = seed * 1103515245u + 12345u;
        b2.data[(seed >> 8) % b.len] ^= (uint8_t)(1u << ((seed >> 4) & 7));
        ExQueryPlan *x;
        KArena *fa = k_arena_create(a, "fuzz");
        if (ex_query_deserialize(b2.data, b2.len, fa, &x, &err) == K_OK) assert_non_null(x);
        k_arena_destroy(fa);
    }
    k_buf_free(&b);
    k_buf_free(&b2);
}

/* ---- golden files ---- */
static void
golden(KArena *a, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/planner/golden/%s.txt", source_dir(), name);
    if (getenv("KESTREL_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        return;
    }
    char *want = read_file(a, path, NULL);
    if (!want) {
        fprintf(stderr, "missing golden file %s (run with KESTREL_UPDATE_GOLDEN=1)\n", path);
        fail();
    }
    if (strcmp(want, text) != 0) {
        fprintf(stderr, "EXPLAIN differs from %s:\n%s\n", path, text);
        fail();
    }
}

static void
plan_file(KArena *a, TestCatalog *tc, const char *dir, const char *file, const char *gname,
          PlanStats *st, char **text_out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *sql = read_file(a, path, NULL);
    assert_non_null(sql);
    PrNode *stmt = parse_one(a, sql);
    assert_non_null(stmt);
    KErr err;
    char *text = NULL;
    ExQueryPlan *q = NULL;
    PlOptions o;
    pl_options_default(&o);
    if (pl_explain(a, &tc->cat, stmt, NULL, 0, &o, PL_EXPLAIN_TEXT, &text, &q, &err) != K_OK) {
        fprintf(stderr, "%s: %s (%s) at %d\n", file, err.message, k_sqlstate_code(err.code), err.pos);
        fail();
    }
    check_plan(q, st);
    roundtrip(a, q);
    if (gname) golden(a, gname, text);
    char *json = NULL;
    assert_int_equal(pl_explain(a, &tc->cat, stmt, NULL, 0, &o, PL_EXPLAIN_JSON, &json, NULL, &err), K_OK);
    assert_true(strncmp(json, "{\"fragments\": [", 15) == 0);
    if (text_out) *text_out = text;
}

static void
test_tpch_plans(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    TestCatalog tc;
    KErr err;
    char schema[1024], dir[1024];
    snprintf(schema, sizeof schema, "%s/tpch/schema.sql", shared_dir());
    snprintf(dir, sizeof dir, "%s/tpch/queries", shared_dir());
    assert_int_equal(tc_load(&tc, a, schema, false, &err), K_OK);
    for (int i = 1; i <= 22; i++) {
        char file[32], gname[32];
        snprintf(file, sizeof file, "q%02d.sql", i);
        snprintf(gname, sizeof gname, "tpch_q%02d", i);
        PlanStats st;
        char *text;
        plan_file(a, &tc, dir, file, gname, &st, &text);
        /* no cross products except the single-row scalar joins of Q11, Q15, Q22 */
        if (i == 11 || i == 15 || i == 22) assert_true(st.nested_loops <= 1);
        else assert_int_equal(st.nested_loops, 0);
        /* unnesting: the expected join kinds */
        if (i == 4) assert_int_equal(st.semi, 1);
        if (i == 16) assert_int_equal(st.na_anti, 1);
        if (i == 18 || i == 20) assert_true(st.semi >= 1);
        if (i == 21) {
            assert_int_equal(st.semi, 1);
            assert_int_equal(st.anti, 1);
        }
        if (i == 22) assert_int_equal(st.anti, 1);
        if (i == 5 || i == 7 || i == 8 || i == 9) assert_true(st.runtime_filters_used >= 1);
    }
    k_arena_destroy(a);
}

static void
test_ssb_plans(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    TestCatalog tc;
    KErr err;
    char schema[1024], dir[1024];
    snprintf(schema, sizeof schema, "%s/ssb/schema.sql", shared_dir());
    snprintf(dir, sizeof dir, "%s/ssb/queries", shared_dir());
    assert_int_equal(tc_load(&tc, a, schema, true, &err), K_OK);
    tc_partition_yearly(&tc, "lineorder", "lo_orderdate", 1992, 1999);
    for (int i = 1; i <= 13; i++) {
        char file[32], gname[32];
        snprintf(file, sizeof file, "q%02d.sql", i);
        snprintf(gname, sizeof gname, "ssb_q%02d", i);
        PlanStats st;
        char *text;
        plan_file(a, &tc, dir, file, gname, &st, &text);
        assert_int_equal(st.nested_loops, 0);
        /* star joins: the fact scan gets runtime filters from the dimension builds */
        assert_true(st.runtime_filters_used >= 1);
        if (i <= 3) assert_non_null(strstr(text, "runtime filter rf0 on lo_orderdate"));
    }
    k_arena_destroy(a);
}

static void
test_partition_pruning(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    TestCatalog tc;
    KErr err;
    char schema[1024], dir[1024];
    snprintf(schema, sizeof schema, "%s/tpch/schema.sql", shared_dir());
    snprintf(dir, sizeof dir, "%s/tpch/queries", shared_dir());
    assert_int_equal(tc_load(&tc, a, schema, false, &err), K_OK);
    tc_partition_yearly(&tc, "lineitem", "l_shipdate", 1992, 1999);
    tc_partition_yearly(&tc, "orders", "o_orderdate", 1992, 1999);
    PlanStats st;
    char *text;
    plan_file(a, &tc, dir, "q06.sql", "tpch_q06_partitioned", &st, &text);
    assert_non_null(strstr(text, "lineitem (hash, partitions 1 of 7)"));
    plan_file(a, &tc, dir, "q14.sql", "tpch_q14_partitioned", &st, &text);
    assert_non_null(strstr(text, "lineitem (hash, partitions 1 of 7)"));
    plan_file(a, &tc, dir, "q04.sql", NULL, &st, &text);
    assert_non_null(strstr(text, "orders (hash, partitions 1 of 7)"));
    /* transitive: the orders bound reaches lineitem's partition column */
    {
        PrNode *stmt = parse_one(a, "select count(*) from lineitem, orders where l_orderkey = o_orderkey "
                                    "and l_shipdate = o_orderdate and o_orderdate < date '1993-01-01'");
        PlOptions o;
        pl_options_default(&o);
        assert_int_equal(pl_explain(a, &tc.cat, stmt, NULL, 0, &o, PL_EXPLAIN_TEXT, &text, NULL, &err), K_OK);
        assert_non_null(strstr(text, "lineitem (hash, partitions 1 of 7)"));
        assert_non_null(strstr(text, "orders (hash, partitions 1 of 7)"));
    }
    /* Q1: l_shipdate <= 1998-09-02 keeps every partition that can hold it */
    plan_file(a, &tc, dir, "q01.sql", NULL, &st, &text);
    assert_non_null(strstr(text, "lineitem (hash, partitions 7 of 7)"));
    k_arena_destroy(a);
}

static void
test_join_distribution_option(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    TestCatalog tc;
    KErr err;
    char schema[1024];
    snprintf(schema, sizeof schema, "%s/tpch/schema.sql", shared_dir());
    assert_int_equal(tc_load(&tc, a, schema, false, &err), K_OK);
    const char *sql = "select count(*) from orders, customer where o_custkey = c_custkey";
    PrNode *stmt = parse_one(a, sql);
    PlOptions o;
    pl_options_default(&o);
    char *text;
    o.join_dist = PL_JOIN_DIST_BROADCAST;
    assert_int_equal(pl_explain(a, &tc.cat, stmt, NULL, 0, &o, PL_EXPLAIN_TEXT, &text, NULL, &err), K_OK);
    assert_non_null(strstr(text, "[broadcast]"));
    o.join_dist = PL_JOIN_DIST_REPARTITION;
    assert_int_equal(pl_explain(a, &tc.cat, stmt, NULL, 0, &o, PL_EXPLAIN_TEXT, &text, NULL, &err), K_OK);
    assert_non_null(strstr(text, "[repartition"));
    /* co-located: both hashed on the join key */
    stmt = parse_one(a, "select count(*) from orders, lineitem where o_orderkey = l_orderkey");
    o.join_dist = PL_JOIN_DIST_AUTO;
    assert_int_equal(pl_explain(a, &tc.cat, stmt, NULL, 0, &o, PL_EXPLAIN_TEXT, &text, NULL, &err), K_OK);
    assert_non_null(strstr(text, "[co-located]"));
    PlJoinDist jd;
    assert_int_equal(pl_join_dist_parse("Broadcast", &jd, &err), K_OK);
    assert_int_equal(jd, PL_JOIN_DIST_BROADCAST);
    assert_int_equal(pl_join_dist_parse("sideways", &jd, &err), K_ERR);
    assert_int_equal(err.code, K_INVALID_PARAMETER_VALUE);
    k_arena_destroy(a);
}

/* ---- binder errors ---- */
typedef struct ErrCase {
    const char *sql;
    const char *sqlstate;
    const char *needle; /* where the error points */
    const char *msg;    /* a part of the message */
} ErrCase;

static void
test_binder_errors(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    TestCatalog tc;
    KErr err;
    char schema[1024];
    snprintf(schema, sizeof schema, "%s/tpch/schema.sql", shared_dir());
    assert_int_equal(tc_load(&tc, a, schema, false, &err), K_OK);
    static const ErrCase cases[] = {
        {"select * from nosuch", "42P01", "nosuch", "relation \"nosuch\" does not exist"},
        {"select n_nam from nation", "42703", "n_nam", "column \"n_nam\" does not exist"},
        {"select x.n_name from nation", "42P01", "x.n_name", "missing FROM-clause entry for table \"x\""},
        {"select n_name from nation, nation", "42702", "n_name", "is ambiguous"},
        {"select nosuchfn(n_name) from nation", "42883", "nosuchfn", "function nosuchfn(character(25)) does not exist"},
        {"select n_name + 1 from nation", "42883", "+ 1", "operator does not exist"},
        {"select n_name from nation where n_nationkey", "42804", "n_nationkey", "argument of WHERE must be type boolean"},
        {"select n_name, count(*) from nation", "42803", "n_name,", "must appear in the GROUP BY clause"},
        {"select n_regionkey from nation group by n_name", "42803", "n_regionkey", "\"nation.n_regionkey\" must appear"},
        {"select * from nation where sum(n_nationkey) > 1", "42803", "sum", "aggregate functions are not allowed in WHERE"},
        {"select case when true then 1 else date '1995-01-01' end from nation", "42804", "date", "CASE types"},
        {"select * from nation order by 5", "42P10", "5", "position 5 is not in select list"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ErrCase *c = &cases[i];
        PrNode *stmt = parse_one(a, c->sql);
        assert_non_null(stmt);
        ExQueryPlan *q;
        int rc = pl_plan_query(a, &tc.cat, stmt, NULL, 0, NULL, &q, &err);
        if (rc != K_ERR || strcmp(k_sqlstate_code(err.code), c->sqlstate) != 0 ||
            !strstr(err.message, c->msg) || err.pos != (int32_t)(strstr(c->sql, c->needle) - c->sql)) {
            fprintf(stderr, "case %zu: %s\n  got rc=%d %s \"%s\" pos %d (want %s \"%s\" pos %d)\n", i, c->sql,
                    rc, k_sqlstate_code(err.code), err.message, err.pos, c->sqlstate, c->msg,
                    (int)(strstr(c->sql, c->needle) - c->sql));
            fail();
        }
    }
    /* the hint for a near miss */
    PrNode *stmt = parse_one(a, "select n_nam from nation");
    ExQueryPlan *q;
    assert_int_equal(pl_plan_query(a, &tc.cat, stmt, NULL, 0, NULL, &q, &err), K_ERR);
    assert_non_null(strstr(err.hint, "\"nation.n_name\""));
    k_arena_destroy(a);
}

static void
test_describe(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    TestCatalog tc;
    KErr err;
    char schema[1024];
    snprintf(schema, sizeof schema, "%s/tpch/schema.sql", shared_dir());
    assert_int_equal(tc_load(&tc, a, schema, false, &err), K_OK);
    PrNode *stmt = parse_one(a, "select n_name, sum(n_nationkey), count(*), n_name || 'x', "
                                "extract(year from date '1995-01-01') as y from nation "
                                "where n_regionkey = $1 and n_name like $2 group by n_name");
    KType pt[2] = {k_type(K_TYPE_UNKNOWN), k_type(K_TYPE_UNKNOWN)};
    PlDescription *d;
    assert_int_equal(pl_describe(a, &tc.cat, stmt, pt, 2, &d, &err), K_OK);
    assert_int_equal(d->nparams, 2);
    assert_int_equal(d->param_types[0].id, K_TYPE_INT32);
    assert_int_equal(d->param_types[1].id, K_TYPE_VARCHAR);
    assert_int_equal(d->ncols, 5);
    assert_string_equal(d->col_names[0], "n_name");
    assert_string_equal(d->col_names[1], "sum");
    assert_string_equal(d->col_names[2], "count");
    assert_string_equal(d->col_names[3], "?column?");
    assert_string_equal(d->col_names[4], "y");
    assert_int_equal(d->col_types[0].id, K_TYPE_CHAR);
    assert_int_equal(d->col_types[1].id, K_TYPE_INT64);
    assert_int_equal(d->col_types[2].id, K_TYPE_INT64);
    assert_int_equal(d->col_attnums[0], 2);
    assert_int_equal(d->col_table_ids[1], 0);
    /* decimal arithmetic result types */
    stmt = parse_one(a, "select l_extendedprice * (1 - l_discount), l_quantity / 3, avg(l_quantity) "
                        "from lineitem group by 1, 2");
    assert_int_equal(pl_describe(a, &tc.cat, stmt, NULL, 0, &d, &err), K_OK);
    assert_int_equal(d->col_types[0].id, K_TYPE_DECIMAL);
    assert_int_equal(d->col_types[0].scale, 4);
    assert_int_equal(d->col_types[1].scale, 6);
    assert_int_equal(d->col_types[2].scale, 6);
    k_arena_destroy(a);
}

static void
test_planning_time(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    TestCatalog tc;
    KErr err;
    char schema[1024], dir[1024], path[1200];
    snprintf(schema, sizeof schema, "%s/tpch/schema.sql", shared_dir());
    snprintf(dir, sizeof dir, "%s/tpch/queries", shared_dir());
    assert_int_equal(tc_load(&tc, a, schema, false, &err), K_OK);
    double worst = 0;
    int worst_q = 0;
    for (int i = 1; i <= 22; i++) {
        snprintf(path, sizeof path, "%s/q%02d.sql", dir, i);
        char *sql = read_file(a, path, NULL);
        PrNode *stmt = parse_one(a, sql);
        double best = 1e30;
        for (int r = 0; r < 5; r++) {
            KArena *qa = k_arena_create(a, "q");
            ExQueryPlan *q;
            uint64_t t0 = k_now_ns();
            assert_int_equal(pl_plan_query(qa, &tc.cat, stmt, NULL, 0, NULL, &q, &err), K_OK);
            double ms = (double)(k_now_ns() - t0) / 1e6;
            if (ms < best) best = ms;
            k_arena_destroy(qa);
        }
        if (best > worst) {
            worst = best;
            worst_q = i;
        }
    }
    printf("planning time: max %.3f ms (Q%d)\n", worst, worst_q);
    assert_true(worst < 100.0); /* generous for Debug/Sanitize builds; Release is what the 5 ms target is about */
    k_arena_destroy(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tpch_plans),
        cmocka_unit_test(test_ssb_plans),
        cmocka_unit_test(test_partition_pruning),
        cmocka_unit_test(test_join_distribution_option),
        cmocka_unit_test(test_binder_errors),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_planning_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
