/*
 * test_planner_slt.c — robustness over SQLite's sqllogictest corpus: every
 * `query` record of ../shared/sqllogictest (run as engine postgresql) is
 * planned against the tables its file creates. The planner must never
 * crash (the Sanitize build checks memory) and never fail with an internal
 * error; unsupported SQL must be a clean 0A000. The tally by SQLSTATE is
 * printed, and the share of queries that plan must stay above a floor.
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
#include "parser/parser.h"
#include "planner/planner.h"

#define MAXT 64

typedef struct SltCat {
    StTableDef t[MAXT];
    uint32_t n;
    uint32_t next_id;
} SltCat;

static int
slt_lookup(void *ctx, const char *schema, const char *name, KArena *a, const StTableDef **def, KErr *err)
{
    (void)a;
    (void)schema;
    SltCat *c = ctx;
    for (uint32_t i = 0; i < c->n; i++)
        if (strcmp(c->t[i].name, name) == 0) {
            *def = &c->t[i];
            return K_OK;
        }
    return k_error(err, K_UNDEFINED_TABLE, "relation \"%s\" does not exist", name);
}

static void
add_table(SltCat *c, KArena *a, const PrCreateTable *ct)
{
    if (c->n >= MAXT || !ct->columns) return;
    StTableDef *d = &c->t[c->n];
    memset(d, 0, sizeof *d);
    d->id = ++c->next_id;
    snprintf(d->name, sizeof d->name, "%s", ct->table->name);
    d->ncols = (uint32_t)pr_list_len(ct->columns);
    d->cols = k_alloc0(a, sizeof(StColumnDef) * d->ncols);
    for (uint32_t i = 0; i < d->ncols; i++) {
        const PrColumnDef *cd = PR_CAST(ColumnDef, ct->columns->items[i]);
        snprintf(d->cols[i].name, sizeof d->cols[i].name, "%s", cd->name);
        KErr err;
        const PrTypeName *tn = cd->type;
        if (k_type_from_name(tn->name, tn->nmods > 0 ? tn->mods[0] : -1, tn->nmods > 1 ? tn->mods[1] : -1,
                             &d->cols[i].type, &err) != K_OK)
            d->cols[i].type = k_type_varchar(0);
    }
    d->dist = ST_DIST_HASH;
    d->part_col = -1;
    c->n++;
}

static void
drop_table(SltCat *c, const char *name)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (strcmp(c->t[i].name, name) == 0) {
            c->t[i] = c->t[--c->n];
            return;
        }
}

typedef struct Tally {
    uint32_t planned, failed, by_code[K_SQLSTATE_COUNT];
    uint32_t internal;
} Tally;

static void
run_file(const char *path, Tally *t)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    size_t got = fread(text, 1, (size_t)n, f);
    fclose(f);
    text[got] = 0;
    KArena *a = k_arena_create(NULL, "slt");
    SltCat cat;
    memset(&cat, 0, sizeof cat);
    PlCatalog pc = {&cat, slt_lookup, NULL, NULL, 3};
    char *save = NULL;
    /* records: split on blank lines */
    char *p = text;
    while (*p) {
        char *end = strstr(p, "\n\n");
        if (end) *end = 0;
        char *rec = p;
        p = end ? end + 2 : p + strlen(p);
        bool skip = false;
        char *line = strtok_r(rec, "\n", &save);
        while (line && (strncmp(line, "skipif", 6) == 0 || strncmp(line, "onlyif", 6) == 0 || line[0] == '#')) {
            if (strncmp(line, "skipif postgresql", 17) == 0) skip = true;
            if (strncmp(line, "onlyif", 6) == 0 && strncmp(line, "onlyif postgresql", 17) != 0) skip = true;
            line = strtok_r(NULL, "\n", &save);
        }
        if (!line || skip) continue;
        bool is_query = strncmp(line, "query", 5) == 0;
        bool is_stmt = strncmp(line, "statement", 9) == 0;
        if (!is_query && !is_stmt) continue;
        char sql[16384];
        size_t len = 0;
        for (line = strtok_r(NULL, "\n", &save); line && strcmp(line, "----") != 0; line = strtok_r(NULL, "\n", &save)) {
            size_t l = strlen(line);
            if (len + l + 2 >= sizeof sql) break;
            memcpy(sql + len, line, l);
            len += l;
            sql[len++] = '\n';
        }
        sql[len] = 0;
        KArena *qa = k_arena_create(a, "q");
        PrStmtList *sl;
        KErr err;
        if (pr_parse(qa, sql, len, &sl, &err) != K_OK || sl->n < 1) {
            k_arena_destroy(qa);
            continue;
        }
        PrNode *st = sl->items[0].stmt;
        if (is_stmt) {
            if (PR_IS(CreateTable, st)) add_table(&cat, a, PR_CAST(CreateTable, st));
            if (PR_IS(Drop, st) && PR_CAST(Drop, st)->kind == PR_OBJ_TABLE)
                for (int32_t i = 0; i < pr_list_len(PR_CAST(Drop, st)->names); i++)
                    drop_table(&cat, PR_CAST(RangeVar, PR_CAST(Drop, st)->names->items[i])->name);
            k_arena_destroy(qa);
            continue;
        }
        if (!PR_IS(Select, st)) {
            k_arena_destroy(qa);
            continue;
        }
        ExQueryPlan *q;
        if (pl_plan_query(qa, &pc, st, NULL, 0, NULL, &q, &err) == K_OK) {
            t->planned++;
            KBuf b;
            k_buf_init(&b);
            ex_query_serialize(q, &b);
            assert_false(b.failed);
            ExQueryPlan *back;
            assert_int_equal(ex_query_deserialize(b.data, b.len, qa, &back, &err), K_OK);
            assert_true(ex_query_equal(q, back));
            k_buf_free(&b);
        } else {
            t->failed++;
            t->by_code[err.code]++;
            if (err.code == K_INTERNAL_ERROR) {
                t->internal++;
                fprintf(stderr, "internal error: %s\n%s\n", err.message, sql);
            }
            if (getenv("PL_SLT_VERBOSE")) fprintf(stderr, "%s: %s\n%s\n", k_sqlstate_code(err.code), err.message, sql);
        }
        k_arena_destroy(qa);
    }
    k_arena_destroy(a);
    free(text);
}

static void
test_slt_corpus(void **state)
{
    (void)state;
    const char *shared = getenv("KESTREL_SHARED");
    if (!shared) shared = "/work/shared";
    static const char *files[] = {"select1.test", "select2.test", "select3.test", "select4.test", "select5.test",
                                  "evidence/in1.test", "evidence/in2.test", "evidence/slt_lang_aggfunc.test"};
    Tally t;
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/sqllogictest/%s", shared, files[i]);
        run_file(path, &t);
    }
    printf("sqllogictest queries: %u planned, %u refused\n", t.planned, t.failed);
    for (int i = 0; i < K_SQLSTATE_COUNT; i++)
        if (t.by_code[i]) printf("  %s %s: %u\n", k_sqlstate_code((KSqlState)i), k_sqlstate_name((KSqlState)i), t.by_code[i]);
    assert_int_equal(t.internal, 0);
    assert_true(t.planned > 0);
    assert_true((double)t.planned >= 0.99 * (double)(t.planned + t.failed));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slt_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
