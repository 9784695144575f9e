/*
 * pl_test_catalog.h — a PlCatalog for planner tests: table definitions from
 * a DDL file (parsed with the parser), plausible scale-factor-1 statistics
 * for TPC-H and SSB columns, chosen distributions and optional range
 * partitions. Header-only (static functions) so every test file can use it.
 */
#ifndef PL_TEST_CATALOG_H
#define PL_TEST_CATALOG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/kestrel.h"
#include "parser/parser.h"
#include "planner/planner.h"
#include "storage/storage.h"

#define TC_MAX_TABLES 16

typedef struct TcColStat {
    const char *name;
    double ndv;
    bool has_range;
    int64_t lo, hi; /* raw datum values (dates: days; decimals: scaled) */
} TcColStat;

typedef struct TestCatalog {
    KArena *a;
    StTableDef tables[TC_MAX_TABLES];
    uint64_t rows[TC_MAX_TABLES];
    uint32_t n;
    PlCatalog cat;
} TestCatalog;

static int32_t
tc_date(const char *s)
{
    int y, m, d;
    sscanf(s, "%d-%d-%d", &y, &m, &d);
    return k_date_from_ymd(y, m, d);
}

/* Statistics: (column, ndv, lo, hi); lo/hi in the column's datum units. */
static void
tc_col_stats(const char *col, KType t, uint64_t rows, StColumnStats *out)
{
    struct S {
        const char *n;
        double ndv;
        const char *lo, *hi; /* NULL: no range; dates as yyyy-mm-dd; decimals as text */
    };
    static const struct S s[] = {
        /* TPC-H SF1 */
        {"r_regionkey", 5, "0", "4"}, {"r_name", 5, NULL, NULL},
        {"n_nationkey", 25, "0", "24"}, {"n_name", 25, NULL, NULL}, {"n_regionkey", 5, "0", "4"},
        {"s_suppkey", 10000, "1", "10000"}, {"s_nationkey", 25, "0", "24"}, {"s_name", 10000, NULL, NULL},
        {"s_acctbal", 9955, "-999.99", "9999.99"}, {"s_comment", 10000, NULL, NULL},
        {"c_custkey", 150000, "1", "150000"}, {"c_nationkey", 25, "0", "24"},
        {"c_mktsegment", 5, NULL, NULL}, {"c_acctbal", 140187, "-999.99", "9999.99"},
        {"c_phone", 150000, NULL, NULL},
        {"p_partkey", 200000, "1", "200000"}, {"p_brand", 25, NULL, NULL}, {"p_type", 150, NULL, NULL},
        {"p_size", 50, "1", "50"}, {"p_container", 40, NULL, NULL}, {"p_mfgr", 5, NULL, NULL},
        {"p_name", 199997, NULL, NULL}, {"p_retailprice", 20899, "901.00", "2098.99"},
        {"ps_partkey", 200000, "1", "200000"}, {"ps_suppkey", 10000, "1", "10000"},
        {"ps_availqty", 9999, "1", "9999"}, {"ps_supplycost", 99865, "1.00", "1000.00"},
        {"o_orderkey", 1500000, "1", "6000000"}, {"o_custkey", 99996, "1", "149999"},
        {"o_orderstatus", 3, NULL, NULL}, {"o_orderdate", 2406, "1992-01-01", "1998-08-02"},
        {"o_orderpriority", 5, NULL, NULL}, {"o_clerk", 1000, NULL, NULL}, {"o_shippriority", 1, "0", "0"},
        {"o_totalprice", 1464556, "857.71", "555285.16"}, {"o_comment", 1482071, NULL, NULL},
        {"l_orderkey", 1500000, "1", "6000000"}, {"l_partkey", 200000, "1", "200000"},
        {"l_suppkey", 10000, "1", "10000"}, {"l_linenumber", 7, "1", "7"},
        {"l_quantity", 50, "1.00", "50.00"}, {"l_extendedprice", 933900, "901.00", "104949.50"},
        {"l_discount", 11, "0.00", "0.10"}, {"l_tax", 9, "0.00", "0.08"},
        {"l_returnflag", 3, NULL, NULL}, {"l_linestatus", 2, NULL, NULL},
        {"l_shipdate", 2526, "1992-01-02", "1998-12-01"}, {"l_commitdate", 2466, "1992-01-31", "1998-10-31"},
        {"l_receiptdate", 2554, "1992-01-03", "1998-12-31"}, {"l_shipinstruct", 4, NULL, NULL},
        {"l_shipmode", 7, NULL, NULL}, {"l_comment", 4580667, NULL, NULL},
        /* SSB SF1 */
        {"lo_orderkey", 1500000, "1", "6000000"}, {"lo_linenumber", 7, "1", "7"},
        {"lo_custkey", 20000, "1", "29999"}, {"lo_partkey", 200000, "1", "200000"},
        {"lo_suppkey", 2000, "1", "2000"}, {"lo_orderdate", 2406, "19920101", "19980802"},
        {"lo_quantity", 50, "1", "50"}, {"lo_discount", 11, "0", "10"},
        {"lo_revenue", 3000000, "81", "10474950"}, {"lo_supplycost", 60000, "54", "125939"},
        {"lo_shipmode", 7, NULL, NULL}, {"lo_commitdate", 2466, "19920131", "19981031"},
        {"d_datekey", 2556, "19920101", "19981230"}, {"d_year", 7, "1992", "1998"},
        {"d_yearmonthnum", 84, "199201", "199812"}, {"d_yearmonth", 84, NULL, NULL},
        {"d_weeknuminyear", 53, "1", "53"}, {"d_month", 12, NULL, NULL},
        {"c_city", 250, NULL, NULL}, {"c_nation", 25, NULL, NULL}, {"c_region", 5, NULL, NULL},
        {"s_city", 250, NULL, NULL}, {"s_nation", 25, NULL, NULL}, {"s_region", 5, NULL, NULL},
        {"p_category", 25, NULL, NULL},
    };
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->ndistinct = (double)rows;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        if (strcmp(s[i].n, col) != 0) continue;
        out->ndistinct = s[i].ndv < (double)rows ? s[i].ndv : (double)rows;
        if (s[i].lo) {
            out->has_minmax = true;
            if (t.id == K_TYPE_DATE) {
                out->min.u.i64 = tc_date(s[i].lo);
                out->max.u.i64 = tc_date(s[i].hi);
            } else if (t.id == K_TYPE_DECIMAL) {
                k_int128 a = 0, b = 0;
                KErr e;
                if (k_parse_decimal(s[i].lo, strlen(s[i].lo), t.precision, t.scale, &a, &e) != K_OK ||
                    k_parse_decimal(s[i].hi, strlen(s[i].hi), t.precision, t.scale, &b, &e) != K_OK)
                    out->has_minmax = false;
                out->min.u.i64 = (int64_t)a;
                out->max.u.i64 = (int64_t)b;
            } else {
                out->min.u.i64 = atoll(s[i].lo);
                out->max.u.i64 = atoll(s[i].hi);
            }
        }
        return;
    }
    /* SSB's p_brand has 1000 values; p_brand of TPC-H 25 — told apart by row count above */
}

static int
tc_lookup(void *ctx, const char *schema, const char *name, KArena *a, const StTableDef **def,
          KErr *err)
{
    (void)a;
    TestCatalog *tc = ctx;
    if (schema && strcmp(schema, "public") != 0)
        return k_error(err, K_UNDEFINED_TABLE, "relation \"%s.%s\" does not exist", schema, name);
    for (uint32_t i = 0; i < tc->n; i++)
        if (strcmp(tc->tables[i].name, name) == 0) {
            *def = &tc->tables[i];
            return K_OK;
        }
    return k_error(err, K_UNDEFINED_TABLE, "relation \"%s\" does not exist", name);
}

static int
tc_table_stats(void *ctx, uint32_t table_id, uint32_t part_id, StTableStats *out, KErr *err)
{
    TestCatalog *tc = ctx;
    (void)part_id;
    for (uint32_t i = 0; i < tc->n; i++)
        if (tc->tables[i].id == table_id) {
            memset(out, 0, sizeof *out);
            out->rows = tc->rows[i];
            return K_OK;
        }
    return k_error(err, K_UNDEFINED_TABLE, "no table %u", table_id);
}

static int
tc_column_stats(void *ctx, uint32_t table_id, uint32_t part_id, uint32_t col, KArena *a,
                StColumnStats *out, KErr *err)
{
    TestCatalog *tc = ctx;
    (void)part_id;
    (void)a;
    for (uint32_t i = 0; i < tc->n; i++)
        if (tc->tables[i].id == table_id && col < tc->tables[i].ncols) {
            const StColumnDef *cd = &tc->tables[i].cols[col];
            tc_col_stats(cd->name, cd->type, tc->rows[i], out);
            if (strcmp(cd->name, "p_brand") == 0 && tc->rows[i] == 200000 &&
                strcmp(tc->tables[i].cols[2].name, "p_mfgr") == 0 && tc->tables[i].ncols == 9 &&
                strcmp(tc->tables[i].cols[3].name, "p_category") == 0)
                out->ndistinct = 1000;
            return K_OK;
        }
    return k_error(err, K_UNDEFINED_COLUMN, "no column");
}

static uint64_t
tc_rows_for(const char *t)
{
    static const struct {
        const char *n;
        uint64_t rows;
    } r[] = {{"region", 5},         {"nation", 25},        {"supplier", 10000},
             {"customer", 150000},  {"part", 200000},      {"partsupp", 800000},
             {"orders", 1500000},   {"lineitem", 6001215}, {"lineorder", 6001171},
             {"date", 2556}};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (strcmp(r[i].n, t) == 0) return r[i].rows;
    return 1000;
}

/* Load the DDL at `path` (CREATE TABLE statements). ssb: use SSB row counts
 * for customer/supplier (30000 / 2000). */
static int
tc_load(TestCatalog *tc, KArena *a, const char *path, bool ssb, KErr *err)
{
    memset(tc, 0, sizeof *tc);
    tc->a = a;
    FILE *f = fopen(path, "rb");
    if (!f) return k_error(err, K_INTERNAL_ERROR, "cannot open %s", path);
    char *buf = k_alloc(a, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[n] = 0;
    PrStmtList *sl;
    if (pr_parse(a, buf, n, &sl, err) != K_OK) return K_ERR;
    for (int32_t i = 0; i < sl->n && tc->n < TC_MAX_TABLES; i++) {
        if (!PR_IS(CreateTable, sl->items[i].stmt)) continue;
        const PrCreateTable *ct = PR_CAST(CreateTable, sl->items[i].stmt);
        StTableDef *d = &tc->tables[tc->n];
        d->id = 100 + tc->n;
        snprintf(d->schema, sizeof d->schema, "public");
        snprintf(d->name, sizeof d->name, "%s", ct->table->name);
        d->ncols = (uint32_t)pr_list_len(ct->columns);
        d->cols = k_alloc0(a, sizeof(StColumnDef) * d->ncols);
        for (uint32_t c = 0; c < d->ncols; c++) {
            const PrColumnDef *cd = PR_CAST(ColumnDef, ct->columns->items[c]);
            snprintf(d->cols[c].name, sizeof d->cols[c].name, "%s", cd->name);
            const PrTypeName *tn = cd->type;
            if (k_type_from_name(tn->name, tn->nmods > 0 ? tn->mods[0] : -1,
                                 tn->nmods > 1 ? tn->mods[1] : -1, &d->cols[c].type, err) != K_OK)
                return K_ERR;
            for (int32_t k = 0; k < pr_list_len(cd->constraints); k++)
                if (PR_CAST(Constraint, cd->constraints->items[k])->kind == PR_CONSTR_NOT_NULL)
                    d->cols[c].not_null = true;
        }
        d->part_col = -1;
        /* distribution: small dimensions replicated, the rest hashed on their key */
        if (strcmp(d->name, "nation") == 0 || strcmp(d->name, "region") == 0 ||
            strcmp(d->name, "date") == 0 || (ssb && strcmp(d->name, "supplier") == 0)) {
            d->dist = ST_DIST_REPLICATED;
        } else {
            d->dist = ST_DIST_HASH;
            d->ndist_cols = 1;
            d->dist_cols[0] = 0;
            if (strcmp(d->name, "lineorder") == 0) d->dist_cols[0] = 0;
        }
        uint64_t rows = tc_rows_for(d->name);
        if (ssb && strcmp(d->name, "customer") == 0) rows = 30000;
        if (ssb && strcmp(d->name, "supplier") == 0) rows = 2000;
        tc->rows[tc->n] = rows;
        tc->n++;
    }
    tc->cat.ctx = tc;
    tc->cat.lookup_table = tc_lookup;
    tc->cat.table_stats = tc_table_stats;
    tc->cat.column_stats = tc_column_stats;
    tc->cat.nworkers = 4;
    return K_OK;
}

/* Range-partition a table by a column into yearly partitions [y, y+1). For
 * DATE columns bounds are days; for INTEGER yyyymmdd columns (SSB) they are
 * yyyy0101. */
static void
tc_partition_yearly(TestCatalog *tc, const char *table, const char *col, int y0, int y1)
{
    for (uint32_t i = 0; i < tc->n; i++) {
        StTableDef *d = &tc->tables[i];
        if (strcmp(d->name, table) != 0) continue;
        for (uint32_t c = 0; c < d->ncols; c++) {
            if (strcmp(d->cols[c].name, col) != 0) continue;
            d->part_col = (int32_t)c;
            d->nparts = (uint32_t)(y1 - y0);
            d->parts = k_alloc0(tc->a, sizeof(StPartitionDef) * d->nparts);
            for (int y = y0; y < y1; y++) {
                StPartitionDef *p = &d->parts[y - y0];
                p->id = (uint32_t)(y - y0 + 1);
                snprintf(p->name, sizeof p->name, "%s_%d", table, y);
                p->has_lo = p->has_hi = true;
                if (d->cols[c].type.id == K_TYPE_DATE) {
                    p->lo.u.i64 = k_date_from_ymd(y, 1, 1);
                    p->hi.u.i64 = k_date_from_ymd(y + 1, 1, 1);
                } else {
                    p->lo.u.i64 = (int64_t)y * 10000 + 101;
                    p->hi.u.i64 = (int64_t)(y + 1) * 10000 + 101;
                }
            }
        }
    }
}

#endif /* PL_TEST_CATALOG_H */
