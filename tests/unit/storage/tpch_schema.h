/*
 * tpch_schema.h — the column lists of /work/shared/tpch/schema.sql as C
 * data (all columns NOT NULL), for the storage tests and load benchmark.
 */
#ifndef ST_TPCH_SCHEMA_H
#define ST_TPCH_SCHEMA_H

#include "common/kestrel.h"

typedef struct Col {
    const char *name;
    KType type;
} Col;

#define DEC {K_TYPE_DECIMAL, 15, 2, 0, 0}
#define I32 {K_TYPE_INT32, 0, 0, 0, 0}
#define DATE {K_TYPE_DATE, 0, 0, 0, 0}
#define CH(n) {K_TYPE_CHAR, 0, 0, 0, n}
#define VC(n) {K_TYPE_VARCHAR, 0, 0, 0, n}

typedef struct Tbl {
    const char *name;
    uint32_t ncols;
    Col cols[16];
} Tbl;

/* The column lists of /work/shared/tpch/schema.sql (all NOT NULL). */
static const Tbl tables[] = {
    {"nation", 4, {{"n_nationkey", I32}, {"n_name", CH(25)}, {"n_regionkey", I32}, {"n_comment", VC(152)}}},
    {"region", 3, {{"r_regionkey", I32}, {"r_name", CH(25)}, {"r_comment", VC(152)}}},
    {"part", 9, {{"p_partkey", I32}, {"p_name", VC(55)}, {"p_mfgr", CH(25)}, {"p_brand", CH(10)},
                 {"p_type", VC(25)}, {"p_size", I32}, {"p_container", CH(10)}, {"p_retailprice", DEC},
                 {"p_comment", VC(23)}}},
    {"supplier", 7, {{"s_suppkey", I32}, {"s_name", CH(25)}, {"s_address", VC(40)}, {"s_nationkey", I32},
                     {"s_phone", CH(15)}, {"s_acctbal", DEC}, {"s_comment", VC(101)}}},
    {"partsupp", 5, {{"ps_partkey", I32}, {"ps_suppkey", I32}, {"ps_availqty", I32}, {"ps_supplycost", DEC},
                     {"ps_comment", VC(199)}}},
    {"customer", 8, {{"c_custkey", I32}, {"c_name", VC(25)}, {"c_address", VC(40)}, {"c_nationkey", I32},
                     {"c_phone", CH(15)}, {"c_acctbal", DEC}, {"c_mktsegment", CH(10)}, {"c_comment", VC(117)}}},
    {"orders", 9, {{"o_orderkey", I32}, {"o_custkey", I32}, {"o_orderstatus", CH(1)}, {"o_totalprice", DEC},
                   {"o_orderdate", DATE}, {"o_orderpriority", CH(15)}, {"o_clerk", CH(15)},
                   {"o_shippriority", I32}, {"o_comment", VC(79)}}},
    {"lineitem", 16, {{"l_orderkey", I32}, {"l_partkey", I32}, {"l_suppkey", I32}, {"l_linenumber", I32},
                      {"l_quantity", DEC}, {"l_extendedprice", DEC}, {"l_discount", DEC}, {"l_tax", DEC},
                      {"l_returnflag", CH(1)}, {"l_linestatus", CH(1)}, {"l_shipdate", DATE},
                      {"l_commitdate", DATE}, {"l_receiptdate", DATE}, {"l_shipinstruct", CH(25)},
                      {"l_shipmode", CH(10)}, {"l_comment", VC(44)}}},
};

#endif
