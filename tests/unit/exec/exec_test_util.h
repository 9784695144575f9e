/*
 * exec_test_util.h — helpers for the executor tests: temporary databases
 * and tables, plan builders, and a result sink that renders rows as text
 * ("a|b|NULL") so results can be compared order-independently.
 */
#ifndef TESTS_EXEC_TEST_UTIL_H
#define TESTS_EXEC_TEST_UTIL_H

#include "exec/exec.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- results ---------------------------------------------------- */
typedef struct TRows {
    pthread_mutex_t mu;
    char **rows;
    size_t n, cap;
    int finished;
} TRows;

static __attribute__((unused)) int
trows_push(void *ctx, const KBatch *b, KErr *err)
{
    TRows *r = ctx;
    uint32_t n = k_batch_rows(b);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t row = k_batch_row(b, i);
        char line[2048];
        size_t len = 0;
        for (uint32_t c = 0; c < b->ncols; c++) {
            if (c) line[len++] = '|';
            const KVector *v = &b->cols[c];
            if (!k_vec_is_valid(v, row)) {
                len += (size_t)snprintf(line + len, sizeof line - len, "NULL");
            } else {
                int w = k_value_format(v->type, k_vec_slot(v, row), line + len, sizeof line - len);
                len += (size_t)w;
            }
            if (len > sizeof line - 64) len = sizeof line - 64;
        }
        line[len] = 0;
        pthread_mutex_lock(&r->mu);
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            r->rows = realloc(r->rows, sizeof(char *) * r->cap);
        }
        r->rows[r->n++] = strdup(line);
        pthread_mutex_unlock(&r->mu);
    }
    (void)err;
    return K_OK;
}

static __attribute__((unused)) int
trows_finish(void *ctx, KErr *err)
{
    ((TRows *)ctx)->finished++;
    (void)err;
    return K_OK;
}

static __attribute__((unused)) void
trows_init(TRows *r, ExSink *s)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    s->ctx = r;
    s->push = trows_push;
    s->finish = trows_finish;
}

static __attribute__((unused)) void
trows_free(TRows *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->rows[i]);
    free(r->rows);
    pthread_mutex_destroy(&r->mu);
    memset(r, 0, sizeof *r);
}

static __attribute__((unused)) int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All rows joined by ';' (sorted first when `sorted`), into buf. */
static __attribute__((unused)) const char *
trows_text(TRows *r, bool sorted, char *buf, size_t cap)
{
    if (sorted && r->n) qsort(r->rows, r->n, sizeof(char *), cmp_str);
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < r->n && len + 2 < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ";" : "", r->rows[i]);
    return buf;
}

/* ---- databases ---------------------------------------------------- */
static __attribute__((unused)) char *
tmp_dir(void)
{
    char tmpl[] = "/tmp/kestrel-exec-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static __attribute__((unused)) void
rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* Create a table from "name type, ..." definitions (types as
 * k_type_from_name understands, e.g. "int", "varchar", "decimal(10,2)"). */
static __attribute__((unused)) uint32_t
make_table(StDb *db, const char *name, uint32_t ncols, const char *const *cnames,
           const KType *types)
{
    StTableDef def;
    memset(&def, 0, sizeof def);
    snprintf(def.name, sizeof def.name, "%s", name);
    StColumnDef cols[32];
    memset(cols, 0, sizeof cols);
    for (uint32_t i = 0; i < ncols; i++) {
        snprintf(cols[i].name, sizeof cols[i].name, "%s", cnames[i]);
        cols[i].type = types[i];
    }
    def.ncols = ncols;
    def.cols = cols;
    def.dist = ST_DIST_RANDOM;
    def.part_col = -1;
    uint32_t id = 0;
    KErr err;
    if (st_table_create(db, &def, &id, &err)) {
        fprintf(stderr, "create %s: %s\n", name, err.message);
        abort();
    }
    return id;
}

/* Load rows given as text lines "v1|v2|..." with "NULL" for NULL. */
static __attribute__((unused)) void
load_rows(StDb *db, uint32_t table, KArena *a, uint32_t ncols, const KType *types,
          const char *const *lines, size_t nlines)
{
    KErr err;
    StWriter *w;
    if (st_writer_begin(db, table, &w, &err)) abort();
    KBatch *b = k_batch_create(a, ncols, types, &err);
    for (size_t li = 0; li < nlines; li++) {
        uint32_t r = b->count;
        const char *p = lines[li];
        for (uint32_t c = 0; c < ncols; c++) {
            const char *e = strchr(p, '|');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            KVector *v = &b->cols[c];
            if (len == 4 && !memcmp(p, "NULL", 4)) {
                if (k_vector_ensure_validity(v, b->arena, &err)) abort();
                k_vec_set_valid(v, r, false);
                memset(k_vec_slot(v, r), 0, k_type_width(v->type));
            } else if (k_value_parse(v->type, p, len, k_vec_slot(v, r), b->heap, &err)) {
                fprintf(stderr, "parse '%.*s': %s\n", (int)len, p, err.message);
                abort();
            }
            p = e ? e + 1 : p + len;
        }
        b->count++;
        if (b->count == K_VECTOR_SIZE || li + 1 == nlines) {
            if (st_writer_append(w, b, &err)) {
                fprintf(stderr, "append: %s\n", err.message);
                abort();
            }
            k_batch_reset(b);
        }
    }
    if (st_writer_commit(w, &err)) {
        fprintf(stderr, "commit: %s\n", err.message);
        abort();
    }
    k_batch_destroy(b);
}

/* ---- plan builders ------------------------------------------------ */
static uint32_t t_next_id;

static __attribute__((unused)) ExPlan *
t_node(KArena *a, ExPlanKind k, uint32_t ncols, const KType *types)
{
    ExPlan *p = ex_plan_new(a, k, ncols, types);
    p->id = t_next_id++;
    return p;
}

static __attribute__((unused)) ExPlan *
t_scan(KArena *a, uint32_t table, uint32_t ncols, const KType *types)
{
    ExPlan *p = t_node(a, EX_OP_SCAN, ncols, types);
    p->u.scan.table_id = table;
    p->u.scan.nread = ncols;
    p->u.scan.read_cols = k_alloc(a, sizeof(uint32_t) * ncols);
    for (uint32_t i = 0; i < ncols; i++) p->u.scan.read_cols[i] = i;
    return p;
}

static __attribute__((unused)) uint32_t *
t_u32(KArena *a, uint32_t n, ...)
{
    uint32_t *v = k_alloc(a, sizeof(uint32_t) * (n ? n : 1));
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++) v[i] = va_arg(ap, uint32_t);
    va_end(ap);
    return v;
}

static __attribute__((unused)) ExExpr **
t_exprs(KArena *a, uint32_t n, ...)
{
    ExExpr **v = k_alloc(a, sizeof(ExExpr *) * (n ? n : 1));
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++) v[i] = va_arg(ap, ExExpr *);
    va_end(ap);
    return v;
}

/* threads of run_frag's runs; 0 = OpenMP's default */
static __attribute__((unused)) uint32_t run_frag_threads;

static __attribute__((unused)) int
run_frag(StDb *db, KArena *a, ExPlan *root, size_t mem_limit, const volatile int *cancel,
         TRows *rows, KErr *err)
{
    ExSink sink;
    trows_init(rows, &sink);
    ExFragment f;
    memset(&f, 0, sizeof f);
    f.root = root;
    ExRunCtx rc;
    memset(&rc, 0, sizeof rc);
    rc.db = db;
    rc.nworkers = 1;
    rc.arena = a;
    rc.mem_limit = mem_limit;
    rc.cancel = cancel;
    rc.nthreads = run_frag_threads;
    return ex_fragment_run(&rc, &f, &sink, err);
}

#endif
