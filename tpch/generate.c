/*
 * generate.c — the public generator API: scale factors, table catalogs, row
 * counts and tpch_generate(), which streams one table (or one part of it)
 * to a callback on the calling thread.
 *
 * Interface routines: tpch_scale_parse(), tpch_scale_from_double(),
 * tpch_table_count(), tpch_table_info(), tpch_table_lookup(),
 * tpch_row_count(), tpch_generate().
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>

#include "tpch/tpch_int.h"

#define SF_MIN 0.001
#define SF_MAX 10000.0

static const char *const c_part[] = {"p_partkey",   "p_name",        "p_mfgr",
                                     "p_brand",     "p_type",        "p_size",
                                     "p_container", "p_retailprice", "p_comment"};
static const char *const c_partsupp[] = {"ps_partkey", "ps_suppkey", "ps_availqty", "ps_supplycost",
                                         "ps_comment"};
static const char *const c_supplier[] = {"s_suppkey", "s_name",    "s_address", "s_nationkey",
                                         "s_phone",   "s_acctbal", "s_comment"};
static const char *const c_customer[] = {"c_custkey", "c_name",    "c_address",    "c_nationkey",
                                         "c_phone",   "c_acctbal", "c_mktsegment", "c_comment"};
static const char *const c_orders[] = {"o_orderkey",   "o_custkey",      "o_orderstatus",
                                       "o_totalprice", "o_orderdate",    "o_orderpriority",
                                       "o_clerk",      "o_shippriority", "o_comment"};
static const char *const c_lineitem[] = {
    "l_orderkey",    "l_partkey",       "l_suppkey",  "l_linenumber",
    "l_quantity",    "l_extendedprice", "l_discount", "l_tax",
    "l_returnflag",  "l_linestatus",    "l_shipdate", "l_commitdate",
    "l_receiptdate", "l_shipinstruct",  "l_shipmode", "l_comment"};
static const char *const c_nation[] = {"n_nationkey", "n_name", "n_regionkey", "n_comment"};
static const char *const c_region[] = {"r_regionkey", "r_name", "r_comment"};

#define TI(name, cols)                     \
    {                                      \
        name, (int)K_ARRAY_LEN(cols), cols \
    }
static const TpchTableInfo tpch_tables[TPCH_NTABLES] = {
    TI("part", c_part),         TI("partsupp", c_partsupp), TI("supplier", c_supplier),
    TI("customer", c_customer), TI("orders", c_orders),     TI("lineitem", c_lineitem),
    TI("nation", c_nation),     TI("region", c_region),
};

static const char *const c_lineorder[] = {
    "lo_orderkey",      "lo_linenumber",    "lo_custkey",      "lo_partkey",    "lo_suppkey",
    "lo_orderdate",     "lo_orderpriority", "lo_shippriority", "lo_quantity",   "lo_extendedprice",
    "lo_ordtotalprice", "lo_discount",      "lo_revenue",      "lo_supplycost", "lo_tax",
    "lo_commitdate",    "lo_shipmode"};
static const char *const c_scustomer[] = {"c_custkey", "c_name",   "c_address", "c_city",
                                          "c_nation",  "c_region", "c_phone",   "c_mktsegment"};
static const char *const c_ssupplier[] = {"s_suppkey", "s_name",   "s_address", "s_city",
                                          "s_nation",  "s_region", "s_phone"};
static const char *const c_spart[] = {"p_partkey", "p_name", "p_mfgr", "p_category", "p_brand",
                                      "p_color",   "p_type", "p_size", "p_container"};
static const char *const c_date[] = {"d_datekey",
                                     "d_date",
                                     "d_dayofweek",
                                     "d_month",
                                     "d_year",
                                     "d_yearmonthnum",
                                     "d_yearmonth",
                                     "d_daynuminweek",
                                     "d_daynuminmonth",
                                     "d_daynuminyear",
                                     "d_monthnuminyear",
                                     "d_weeknuminyear",
                                     "d_sellingseason",
                                     "d_lastdayinweekfl",
                                     "d_lastdayinmonthfl",
                                     "d_holidayfl",
                                     "d_weekdayfl"};
static const TpchTableInfo ssb_tables[SSB_NTABLES] = {
    TI("lineorder", c_lineorder), TI("customer", c_scustomer), TI("supplier", c_ssupplier),
    TI("part", c_spart),          TI("date", c_date),
};

int
tpch_scale_from_double(double sf, TpchScale *out, KErr *err)
{
    if (!(sf >= SF_MIN) || !(sf <= SF_MAX) || isnan(sf))
        return k_error(err, K_INVALID_PARAMETER_VALUE, "scale factor must be between %g and %g",
                       SF_MIN, SF_MAX);
    out->sf = sf;
    if (sf < 1.0) {
        /* dbgen: scale 1 and base counts times floor(1000 * sf) / 1000 */
        out->scale = 1;
        out->permil = (int64_t)(1000 * sf);
        if (out->permil < 1)
            return k_error(err, K_INVALID_PARAMETER_VALUE, "scale factor %g is too small", sf);
    } else if (sf == floor(sf)) {
        out->scale = (int64_t)sf;
        out->permil = 0;
    } else {
        /* not in dbgen (which truncates): per-mille scaling as below 1 */
        out->scale = 1;
        out->permil = (int64_t)(1000 * sf);
    }
    return K_OK;
}

int
tpch_scale_parse(const char *text, TpchScale *out, KErr *err)
{
    if (!text || !*text) return k_error(err, K_INVALID_PARAMETER_VALUE, "scale factor is empty");
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v)) {
        k_error(err, K_INVALID_PARAMETER_VALUE, "invalid scale factor: \"%s\"", text);
        k_err_hint(err, "Give a number such as 0.01, 1 or 10.");
        return K_ERR;
    }
    return tpch_scale_from_double(v, out, err);
}

int
tpch_table_count(TpchBenchmark b)
{
    return b == TPCH_BENCH_SSB ? SSB_NTABLES : TPCH_NTABLES;
}

const TpchTableInfo *
tpch_table_info(TpchBenchmark b, int table)
{
    if (table < 0 || table >= tpch_table_count(b)) return NULL;
    return b == TPCH_BENCH_SSB ? &ssb_tables[table] : &tpch_tables[table];
}

int
tpch_table_lookup(TpchBenchmark b, const char *name)
{
    for (int i = 0; i < tpch_table_count(b); i++)
        if (strcasecmp(tpch_table_info(b, i)->name, name) == 0) return i;
    return -1;
}

int
tpch__table_unit(TpchBenchmark b, int table)
{
    if (b == TPCH_BENCH_SSB) return ssb__table_unit(table);
    switch (table) {
    case TPCH_PART:
    case TPCH_PARTSUPP: return TPCH_U_PART;
    case TPCH_SUPPLIER: return TPCH_U_SUPP;
    case TPCH_CUSTOMER: return TPCH_U_CUST;
    case TPCH_ORDERS:
    case TPCH_LINEITEM: return TPCH_U_ORDER;
    case TPCH_NATION: return TPCH_U_NATION;
    default: return TPCH_U_REGION;
    }
}

int
tpch__check_args(TpchBenchmark b, int table, const TpchScale *sf, int part, int nparts, KErr *err)
{
    if (b != TPCH_BENCH_TPCH && b != TPCH_BENCH_SSB)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "unknown benchmark %d", (int)b);
    if (table < 0 || table >= tpch_table_count(b))
        return k_error(err, K_INVALID_PARAMETER_VALUE, "unknown table %d", table);
    if (!sf || sf->scale < 1 || sf->permil < 0)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "invalid scale factor");
    if (nparts < 1 || part < 1 || part > nparts)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "invalid part %d of %d", part, nparts);
    int unit = tpch__table_unit(b, table);
    bool small =
        b == TPCH_BENCH_SSB ? unit == SSB_DATE : (unit == TPCH_U_NATION || unit == TPCH_U_REGION);
    if (!small && nparts > tpch__units_total(b, unit, sf))
        return k_error(err, K_INVALID_PARAMETER_VALUE, "cannot split table %s into %d parts",
                       tpch_table_info(b, table)->name, nparts);
    return K_OK;
}

int
tpch_row_count(TpchBenchmark b, int table, const TpchScale *sf, int part, int nparts, int64_t *out,
               KErr *err)
{
    if (tpch__check_args(b, table, sf, part, nparts, err) != K_OK) return K_ERR;
    tpch__init();
    int unit = tpch__table_unit(b, table);
    int64_t first, count;
    tpch__part_range(b, unit, sf, part, nparts, &first, &count);
    if ((b == TPCH_BENCH_TPCH && table == TPCH_LINEITEM) ||
        (b == TPCH_BENCH_SSB && table == SSB_LINEORDER))
        *out = tpch__count_lines(sf, first, count);
    else if (b == TPCH_BENCH_TPCH && table == TPCH_PARTSUPP)
        *out = count * 4;
    else
        *out = count;
    return K_OK;
}

typedef struct CbCtx {
    TpchRowFn fn;
    void *ctx;
} CbCtx;

static int
to_callback(void *ctx, int table, const TpchRow *row, KErr *err)
{
    K_UNUSED(table);
    CbCtx *c = ctx;
    return c->fn(c->ctx, row->f, row->n, err);
}

int
tpch_generate(TpchBenchmark b, int table, const TpchScale *sf, int part, int nparts, TpchRowFn fn,
              void *ctx, KErr *err)
{
    if (tpch__check_args(b, table, sf, part, nparts, err) != K_OK) return K_ERR;
    if (!fn) return k_error(err, K_INVALID_PARAMETER_VALUE, "no row callback");
    tpch__init();
    if (b == TPCH_BENCH_TPCH && tpch__textpool_init(err) != K_OK) return K_ERR;
    int unit = tpch__table_unit(b, table);
    int64_t first, count;
    tpch__part_range(b, unit, sf, part, nparts, &first, &count);
    TpchGen *g = malloc(sizeof(TpchGen));
    if (!g) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    tpch__gen_seek(g, b, sf, unit, first);
    g->want = 1u << table;
    CbCtx c = {fn, ctx};
    int rc = K_OK;
    for (int64_t i = 0; i < count && rc == K_OK; i++)
        rc = b == TPCH_BENCH_SSB ? ssb__gen_unit(g, to_callback, &c, err)
                                 : tpch__gen_unit(g, to_callback, &c, err);
    free(g);
    return rc;
}
