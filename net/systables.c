/*
 * systables.c — the system relations: information_schema, the pg_catalog
 * relations clients introspect with, and Kestrel's own views of the
 * cluster (kestrel_tables, kestrel_partitions, kestrel_workers,
 * kestrel_queries).
 *
 * Interface routines: net__sys_lookup, net__sys_is, net__sys_rows_estimate,
 * net__sys_rewrite, net__query_register, net__query_unregister.
 *
 * Notes: system relations are real relations of the engine, computed from
 * the catalog and the running state when a query uses them (Kestrel's
 * own views live in pg_catalog and are also found unqualified or as
 * public.kestrel_*). The planner
 * binds them like tables (the catalog callbacks return a definition whose
 * id lies above NET_SYS_TABLE_BASE, distributed REPLICATED so one instance
 * reads it); after planning, net__sys_rewrite replaces each scan of such an
 * id by VALUES (the rows, computed now) → FILTER (the scan's residual
 * filter) → PROJECT (the scan's output columns). Everything downstream —
 * joins, aggregates, sorts — is the ordinary executor.
 */
#include "net/net_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "exec/exec.h"

#define NET_SYS_TABLE_BASE 0xF0000000u
#define NET_TABLE_OID_BASE 16384u
#define NS_PG_CATALOG 11
#define NS_PUBLIC 2200
#define NS_INFORMATION_SCHEMA 13183
#define NET_AM_OID 2 /* the table access method's oid (PostgreSQL's heap has 2) */

typedef struct SysCol {
    const char *name;
    KTypeId type;
    uint8_t array; /* KArrayElem: an array column (its values in text form) */
} SysCol;

static KType
sys_col_type(const SysCol *c)
{
    if (c->array) return k_type_array((KArrayElem)c->array);
    return c->type == K_TYPE_VARCHAR ? k_type_varchar(0) : k_type(c->type);
}

typedef struct SysRows {
    KArena *a;
    uint32_t ncols;
    uint32_t nrows, cap;
    ExExpr **cells;
    uint32_t col; /* next cell in the current row */
    bool oom;
} SysRows;

typedef void (*SysFill)(NetSession *s, SysRows *r);

typedef struct SysTable {
    const char *schema; /* NULL: found unqualified (kestrel_*) */
    const char *name;
    SysFill fill;
    SysCol cols[32];
} SysTable;

/* ------------------------------------------------------------------ */
/* Row building                                                         */
/* ------------------------------------------------------------------ */
static void
put(SysRows *r, ExExpr *e)
{
    if (r->col == 0) {
        if (r->nrows == r->cap) {
            uint32_t cap = r->cap ? r->cap * 2 : 64;
            ExExpr **c = k_realloc(r->a, r->cells, sizeof(ExExpr *) * r->cap * r->ncols,
                                   sizeof(ExExpr *) * cap * r->ncols);
            if (!c) {
                r->oom = true;
                return;
            }
            r->cells = c;
            r->cap = cap;
        }
        r->nrows++;
    }
    if (!e) r->oom = true;
    r->cells[(r->nrows - 1) * r->ncols + r->col] = e;
    r->col = (r->col + 1) % r->ncols;
}

static void
put_str(SysRows *r, const char *s)
{
    put(r, s ? ex_expr_const_str(r->a, s, strlen(s)) : ex_expr_const_null(r->a, k_type_varchar(0)));
}

static void
put_i64(SysRows *r, int64_t v)
{
    put(r, ex_expr_const_i64(r->a, v));
}

static void
put_i32(SysRows *r, int32_t v)
{
    put(r, ex_expr_const_i32(r->a, v));
}

static void
put_f64(SysRows *r, double v)
{
    put(r, ex_expr_const_f64(r->a, v));
}

static void
put_bool(SysRows *r, bool v)
{
    put(r, ex_expr_const_bool(r->a, v));
}

static void
put_null(SysRows *r, KTypeId t)
{
    put(r, ex_expr_const_null(r->a, t == K_TYPE_VARCHAR ? k_type_varchar(0) : k_type(t)));
}

/* Every user table of the coordinator catalog, with its definition. */
typedef void (*TableFn)(NetSession *s, SysRows *r, const StTableDef *d);

static void
each_table(NetSession *s, SysRows *r, TableFn fn)
{
    KErr err;
    uint32_t *ids, n;
    if (st_table_list(s->eng->coord, r->a, &ids, &n, &err)) return;
    for (uint32_t i = 0; i < n; i++) {
        StTableDef *d;
        if (st_table_get(s->eng->coord, ids[i], r->a, &d, &err) == K_OK) fn(s, r, d);
    }
}

static const char *
schema_of(const StTableDef *d)
{
    return d->schema[0] ? d->schema : "public";
}

static int64_t
table_rows(NetSession *s, const StTableDef *d, uint64_t *bytes)
{
    uint64_t rows = 0, b = 0;
    uint32_t n = d->dist == ST_DIST_REPLICATED ? 1 : s->eng->nworkers;
    for (uint32_t w = 0; w < n; w++) {
        StTableStats st;
        KErr err;
        if (net__worker_table_stats(s->eng, w, d->id, ST_ALL_PARTITIONS, &st, &err) == K_OK) {
            rows += st.rows;
            b += st.bytes;
        }
    }
    if (bytes) *bytes = b;
    return (int64_t)rows;
}

static const char *
sql_type(KType t, char *buf, size_t cap)
{
    /* information_schema spells types without modifiers */
    switch ((KTypeId)t.id) {
    case K_TYPE_DECIMAL: return "numeric";
    case K_TYPE_VARCHAR: return t.len ? "character varying" : "text";
    case K_TYPE_CHAR: return "character";
    default: return k_type_name(t, buf, cap);
    }
}

/* ------------------------------------------------------------------ */
/* information_schema                                                   */
/* ------------------------------------------------------------------ */
static void
fill_schemata(NetSession *s, SysRows *r)
{
    static const char *const fixed[] = {"pg_catalog", "information_schema", "public"};
    for (size_t i = 0; i < K_ARRAY_LEN(fixed); i++) {
        put_str(r, s->database);
        put_str(r, fixed[i]);
        put_str(r, "kestrel");
    }
}

static void
tables_row(NetSession *s, SysRows *r, const StTableDef *d)
{
    put_str(r, s->database);
    put_str(r, schema_of(d));
    put_str(r, d->name);
    put_str(r, "BASE TABLE");
}

static const struct SysTable *sys_table_at(size_t i);
static size_t sys_table_count(void);

static void
fill_tables(NetSession *s, SysRows *r)
{
    each_table(s, r, tables_row);
    /* the system relations, as PostgreSQL lists its catalog views */
    for (size_t i = 0; i < sys_table_count(); i++) {
        const struct SysTable *t = sys_table_at(i);
        put_str(r, s->database);
        put_str(r, t->schema ? t->schema : "pg_catalog");
        put_str(r, t->name);
        put_str(r, "VIEW");
    }
}

static void
columns_row(NetSession *s, SysRows *r, const StTableDef *d)
{
    for (uint32_t c = 0; c < d->ncols; c++) {
        KType t = d->cols[c].type;
        char buf[64];
        put_str(r, s->database);
        put_str(r, schema_of(d));
        put_str(r, d->name);
        put_str(r, d->cols[c].name);
        put_i32(r, (int32_t)c + 1);
        put_null(r, K_TYPE_VARCHAR);
        put_str(r, d->cols[c].not_null ? "NO" : "YES");
        put_str(r, sql_type(t, buf, sizeof buf));
        if (k_type_is_string(t) && t.len) put_i32(r, t.len);
        else put_null(r, K_TYPE_INT32);
        if (t.id == K_TYPE_DECIMAL) put_i32(r, t.precision), put_i32(r, t.scale);
        else if (t.id == K_TYPE_INT32) put_i32(r, 32), put_i32(r, 0);
        else if (t.id == K_TYPE_INT64) put_i32(r, 64), put_i32(r, 0);
        else put_null(r, K_TYPE_INT32), put_null(r, K_TYPE_INT32);
    }
}

static void
fill_columns(NetSession *s, SysRows *r)
{
    each_table(s, r, columns_row);
}

/* ------------------------------------------------------------------ */
/* pg_catalog                                                           */
/* ------------------------------------------------------------------ */
static int64_t
ns_oid(const char *schema)
{
    if (!strcmp(schema, "pg_catalog")) return NS_PG_CATALOG;
    if (!strcmp(schema, "information_schema")) return NS_INFORMATION_SCHEMA;
    if (!strcmp(schema, "public")) return NS_PUBLIC;
    return 30000 + (int64_t)(k_hash_bytes(schema, strlen(schema), 0) % 10000);
}

/* The schemas: the three every database has, then those of the tables
 * (the storage catalog does not list schemas that hold no table). */
static void
each_schema(NetSession *s, SysRows *r, void (*fn)(NetSession *, SysRows *, const char *))
{
    static const char *const fixed[] = {"pg_catalog", "information_schema", "public"};
    for (size_t i = 0; i < K_ARRAY_LEN(fixed); i++) fn(s, r, fixed[i]);
    KErr err;
    uint32_t *ids, n;
    if (st_table_list(s->eng->coord, r->a, &ids, &n, &err)) return;
    const char **seen = k_alloc(r->a, sizeof(char *) * (n + 1));
    if (!seen) {
        r->oom = true;
        return;
    }
    uint32_t nseen = 0;
    for (uint32_t i = 0; i < n; i++) {
        StTableDef *d;
        if (st_table_get(s->eng->coord, ids[i], r->a, &d, &err) != K_OK) continue;
        const char *sc = schema_of(d);
        bool dup = !strcmp(sc, "public") || !strcmp(sc, "pg_catalog") || !strcmp(sc, "information_schema");
        for (uint32_t k = 0; k < nseen && !dup; k++) dup = !strcmp(seen[k], sc);
        if (dup) continue;
        seen[nseen++] = sc;
        fn(s, r, sc);
    }
}

static void
namespace_row(NetSession *s, SysRows *r, const char *name)
{
    (void)s;
    put_i64(r, ns_oid(name));
    put_str(r, name);
    put_i64(r, 10);
}

static void
fill_namespace(NetSession *s, SysRows *r)
{
    each_schema(s, r, namespace_row);
}

/* One pg_class row. A Kestrel table is one relation whatever its
 * partitioning (its partitions are not relations of their own), so every
 * table is an ordinary table ('r'); system relations are views ('v'). */
static void
class_cols(SysRows *r, int64_t oid, const char *name, const char *schema, const char *kind,
           double tuples, int32_t natts)
{
    put_i64(r, oid);
    put_str(r, name);
    put_i64(r, ns_oid(schema));
    put_str(r, kind);
    put_i64(r, 10);
    put_f64(r, tuples);
    put_bool(r, false);
    put_str(r, "p");
    put_i64(r, kind[0] == 'r' ? NET_AM_OID : 0); /* relam */
    put_i32(r, natts);
    put_i32(r, 0);         /* relchecks */
    put_bool(r, false);    /* relhasrules */
    put_bool(r, false);    /* relhastriggers */
    put_bool(r, false);    /* relrowsecurity */
    put_bool(r, false);    /* relforcerowsecurity */
    put_bool(r, false);    /* relispartition */
    put_i64(r, 0);         /* reltablespace */
    put_i64(r, 0);         /* reloftype */
    put_str(r, "d");       /* relreplident */
    put_i64(r, 0);         /* reltoastrelid */
    put_null(r, K_TYPE_VARCHAR); /* relpartbound */
    put_null(r, K_TYPE_VARCHAR); /* reloptions */
    put_str(r, kind[0] == 'r' ? "{}" : "{kestrel=r/kestrel}"); /* relacl (text form) */
}

static void
class_row(NetSession *s, SysRows *r, const StTableDef *d)
{
    class_cols(r, NET_TABLE_OID_BASE + d->id, d->name, schema_of(d), "r",
               (double)table_rows(s, d, NULL), (int32_t)d->ncols);
}

static uint32_t ncols_of(const SysTable *t);

static void
fill_class(NetSession *s, SysRows *r)
{
    each_table(s, r, class_row);
    for (size_t i = 0; i < sys_table_count(); i++) {
        const SysTable *t = sys_table_at(i);
        class_cols(r, NET_SYS_TABLE_BASE + (int64_t)i, t->name, t->schema ? t->schema : "pg_catalog", "v",
                   -1, (int32_t)ncols_of(t));
    }
}

/* Kestrel's one table access method: its columnar storage. */
static void
fill_am(NetSession *s, SysRows *r)
{
    (void)s;
    put_i64(r, NET_AM_OID);
    put_str(r, "kestrel");
    put_str(r, "t");
}

static void
attribute_row(NetSession *s, SysRows *r, const StTableDef *d)
{
    for (uint32_t c = 0; c < d->ncols; c++) {
        KType t = d->cols[c].type;
        put_i64(r, net__sys_is(d->id) ? (int64_t)d->id : NET_TABLE_OID_BASE + (int64_t)d->id);
        put_str(r, d->cols[c].name);
        put_i64(r, k_type_pg_oid(t));
        put_i32(r, (int32_t)c + 1);
        int32_t typmod = -1;
        if (t.id == K_TYPE_DECIMAL) typmod = ((t.precision << 16) | t.scale) + 4;
        else if (k_type_is_string(t) && t.len) typmod = t.len + 4;
        put_i32(r, typmod);
        put_bool(r, d->cols[c].not_null);
        put_bool(r, false);
        put_bool(r, false);
        int32_t len = -1;
        switch ((KTypeId)t.id) {
        case K_TYPE_BOOL: len = 1; break;
        case K_TYPE_INT32: case K_TYPE_DATE: len = 4; break;
        case K_TYPE_INT64: case K_TYPE_TIMESTAMP: case K_TYPE_DOUBLE: len = 8; break;
        case K_TYPE_INTERVAL: len = 16; break;
        default: break;
        }
        put_i32(r, len);      /* attlen */
        put_str(r, "");       /* attidentity */
        put_str(r, "");       /* attgenerated */
        put_i64(r, k_type_is_string(t) ? 100 : 0); /* attcollation: "default" */
        put_i32(r, -1);       /* attstattarget */
        put_i32(r, k_type_is_array(t) ? 1 : 0); /* attndims */
        /* attstorage as PostgreSQL's types have it: plain for fixed-length,
         * main for numeric, extended for the other variable-length ones */
        put_str(r, len > 0 ? "p" : t.id == K_TYPE_DECIMAL ? "m" : "x");
        put_str(r, "");       /* attcompression: the default */
    }
}

static void
fill_attribute(NetSession *s, SysRows *r)
{
    each_table(s, r, attribute_row);
    /* the system relations' columns, from the definitions the planner binds */
    for (size_t i = 0; i < sys_table_count(); i++) {
        const SysTable *t = sys_table_at(i);
        const StTableDef *d;
        if (net__sys_lookup(t->schema, t->name, r->a, &d)) attribute_row(s, r, d);
    }
}

static void
fill_type(NetSession *s, SysRows *r)
{
    /* PostgreSQL's OIDs for the types and their array types */
    static const struct {
        int64_t oid;
        const char *name;
        int32_t len;
        int64_t array;
        int64_t input; /* typinput: the input function's oid (array_in is 750) */
    } types[] = {
        {16, "bool", 1, 1000, 1242},         {20, "int8", 8, 1016, 460},
        {21, "int2", 2, 1005, 38},           {23, "int4", 4, 1007, 42},
        {25, "text", -1, 1009, 46},          {700, "float4", 4, 1021, 200},
        {701, "float8", 8, 1022, 214},       {1042, "bpchar", -1, 1014, 1044},
        {1043, "varchar", -1, 1015, 1046},   {1082, "date", 4, 1182, 1084},
        {1114, "timestamp", 8, 1115, 1312},  {1186, "interval", 16, 1187, 1160},
        {1700, "numeric", -1, 1231, 1701},   {705, "unknown", -2, 0, 109},
        {26, "oid", 4, 1028, 1798},          {19, "name", 64, 1003, 34},
    };
    for (size_t i = 0; i < K_ARRAY_LEN(types); i++) {
        put_i64(r, types[i].oid);
        put_str(r, types[i].name);
        put_i64(r, NS_PG_CATALOG);
        put_i32(r, types[i].len);
        put_str(r, "b");
        put_i64(r, types[i].array);
        put_i64(r, 0);
        put_i64(r, 0);
        put_bool(r, false);
        put_i32(r, -1); /* typtypmod */
        bool str = types[i].oid == 25 || types[i].oid == 1042 || types[i].oid == 1043 || types[i].oid == 19;
        put_i64(r, str ? 100 : 0); /* typcollation */
        put_str(r, types[i].oid == 705 ? "P" : types[i].oid == 16 ? "B" : str ? "S"
                   : types[i].oid == 1082 || types[i].oid == 1114 ? "D" : types[i].oid == 1186 ? "T"
                   : types[i].oid == 26 ? "N" : "N"); /* typcategory */
        put_str(r, ","); /* typdelim */
        put_i64(r, 0);   /* typrelid */
        put_i64(r, types[i].input);
    }
    /* their array types (exec/array.c keeps arrays in PostgreSQL's text form) */
    for (size_t i = 0; i < K_ARRAY_LEN(types); i++) {
        if (!types[i].array) continue;
        char name[80];
        snprintf(name, sizeof name, "_%s", types[i].name);
        put_i64(r, types[i].array);
        put_str(r, name);
        put_i64(r, NS_PG_CATALOG);
        put_i32(r, -1);
        put_str(r, "b");
        put_i64(r, 0);             /* typarray */
        put_i64(r, types[i].oid);  /* typelem */
        put_i64(r, 0);
        put_bool(r, false);
        put_i32(r, -1);
        bool str = types[i].oid == 25 || types[i].oid == 1042 || types[i].oid == 1043 ||
                   types[i].oid == 19;
        put_i64(r, str ? 100 : 0);
        put_str(r, "A");           /* typcategory */
        put_str(r, ",");
        put_i64(r, 0);
        put_i64(r, 750);           /* typinput: array_in */
    }
}

static void
fill_database(NetSession *s, SysRows *r)
{
    put_i64(r, 16384);
    put_str(r, s->database);
    put_i64(r, 10);
    put_i32(r, 6); /* UTF8, as pg_encoding_to_char names it */
    put_str(r, "C");
    put_str(r, "C");              /* datctype */
    put_null(r, K_TYPE_VARCHAR);  /* daticulocale */
    put_str(r, "c");              /* datlocprovider: libc */
    put_null(r, K_TYPE_VARCHAR);  /* datacl: default privileges */
    put_bool(r, false);           /* datistemplate */
    put_bool(r, true);            /* datallowconn */
    put_i32(r, -1);               /* datconnlimit */
}

/* Relations with no rows in Kestrel: it keeps no comments (pg_description),
 * column defaults (pg_attrdef), collations besides the default, inheritance,
 * indexes (pg_index), constraints (pg_constraint: NOT NULL is attnotnull),
 * policies, extended statistics or publications. */
static void
fill_none(NetSession *s, SysRows *r)
{
    (void)s;
    (void)r;
}

static void
fill_collation(NetSession *s, SysRows *r)
{
    (void)s;
    put_i64(r, 100);
    put_str(r, "default");
    put_i64(r, NS_PG_CATALOG);
}

/* Kestrel's one role (PostgreSQL's bootstrap superuser's oid), as pg_roles
 * shows it. */
static void
fill_roles(NetSession *s, SysRows *r)
{
    (void)s;
    put_str(r, "kestrel");
    put_i64(r, 10);
    put_bool(r, true);  /* rolsuper */
    put_bool(r, true);  /* rolinherit */
    put_bool(r, true);  /* rolcreaterole */
    put_bool(r, true);  /* rolcreatedb */
    put_bool(r, true);  /* rolcanlogin */
    put_bool(r, true);  /* rolreplication (as PostgreSQL's bootstrap superuser) */
    put_i32(r, -1);     /* rolconnlimit */
    put_null(r, K_TYPE_TIMESTAMP);
    put_bool(r, true); /* rolbypassrls */
    put_null(r, K_TYPE_VARCHAR); /* rolconfig */
}

static void
fill_settings(NetSession *s, SysRows *r)
{
    for (uint32_t i = 0; i < s->nsettings; i++) {
        put_str(r, s->settings[i].name);
        put_str(r, s->settings[i].value);
    }
}

static void
pg_tables_row(NetSession *s, SysRows *r, const StTableDef *d)
{
    put_str(r, schema_of(d));
    put_str(r, d->name);
    put_str(r, "kestrel");
    put_bool(r, false);
}

static void
fill_pg_tables(NetSession *s, SysRows *r)
{
    each_table(s, r, pg_tables_row);
}

/* ------------------------------------------------------------------ */
/* Kestrel's own views                                                  */
/* ------------------------------------------------------------------ */
static void
format_datum(KType t, const StDatum *d, char *buf, size_t cap)
{
    uint8_t slot[32];
    st_datum_to_slot(t, d, slot);
    k_value_format(t, slot, buf, cap);
}

static void
kt_row(NetSession *s, SysRows *r, const StTableDef *d)
{
    char keys[512] = "";
    size_t w = 0;
    for (uint32_t k = 0; k < d->ndist_cols && d->dist == ST_DIST_HASH; k++)
        w += (size_t)snprintf(keys + w, sizeof keys - K_MIN(w, sizeof keys), "%s%s", k ? ", " : "",
                              d->cols[d->dist_cols[k]].name);
    uint64_t bytes;
    int64_t rows = table_rows(s, d, &bytes);
    put_str(r, schema_of(d));
    put_str(r, d->name);
    put_str(r, d->dist == ST_DIST_HASH ? "hash" : d->dist == ST_DIST_REPLICATED ? "replicated" : "random");
    if (d->dist == ST_DIST_HASH) put_str(r, keys);
    else put_null(r, K_TYPE_VARCHAR);
    if (d->part_col >= 0) put_str(r, d->cols[d->part_col].name);
    else put_null(r, K_TYPE_VARCHAR);
    put_i32(r, d->part_col >= 0 ? (int32_t)d->nparts : 0);
    put_i64(r, rows);
    put_i64(r, (int64_t)bytes);
}

static void
fill_kestrel_tables(NetSession *s, SysRows *r)
{
    each_table(s, r, kt_row);
}

static void
kp_row(NetSession *s, SysRows *r, const StTableDef *d)
{
    if (d->part_col < 0) return;
    KType t = d->cols[d->part_col].type;
    for (uint32_t p = 0; p < d->nparts; p++) {
        const StPartitionDef *pd = &d->parts[p];
        char lo[64] = "MINVALUE", hi[64] = "MAXVALUE";
        if (pd->has_lo) format_datum(t, &pd->lo, lo, sizeof lo);
        if (pd->has_hi) format_datum(t, &pd->hi, hi, sizeof hi);
        uint64_t rows = 0;
        uint32_t n = d->dist == ST_DIST_REPLICATED ? 1 : s->eng->nworkers;
        for (uint32_t w = 0; w < n; w++) {
            StTableStats st;
            KErr err;
            if (net__worker_table_stats(s->eng, w, d->id, pd->id, &st, &err) == K_OK) rows += st.rows;
        }
        put_str(r, schema_of(d));
        put_str(r, d->name);
        put_str(r, pd->name);
        put_str(r, lo);
        put_str(r, hi);
        put_i64(r, (int64_t)rows);
    }
}

static void
fill_kestrel_partitions(NetSession *s, SysRows *r)
{
    each_table(s, r, kp_row);
}

static void
fill_kestrel_workers(NetSession *s, SysRows *r)
{
    NetEngine *e = s->eng;
    uint32_t *ids = NULL, n = 0;
    KErr err;
    /* ids agree on every node: the coordinator's catalog lists them */
    if (st_table_list(e->coord, r->a, &ids, &n, &err)) n = 0;
    for (uint32_t w = 0; w < e->nworkers; w++) {
        bool up = true;
        int64_t heard_us = 0;
        const char *addr = NULL;
        net__worker_state(e, w, &addr, &up, &heard_us);
        uint64_t bytes = 0;
        bool have_bytes = up;
        for (uint32_t i = 0; up && i < n; i++) {
            StTableStats st;
            if (net__worker_table_stats(e, w, ids[i], ST_ALL_PARTITIONS, &st, &err) == K_OK) bytes += st.bytes;
            else have_bytes = false;
        }
        put_i32(r, (int32_t)w + 1);
        if (addr) put_str(r, addr);
        else put_str(r, k_sprintf(r->a, "local:%s/worker-%u", e->data_dir, w + 1));
        put_str(r, up ? "up" : "down");
        if (addr) {
            ExValue v;
            v.i64 = heard_us;
            put(r, ex_expr_const(r->a, k_type(K_TYPE_TIMESTAMP), false, &v));
        } else {
            put_null(r, K_TYPE_TIMESTAMP);
        }
        if (have_bytes) put_i64(r, (int64_t)bytes);
        else put_null(r, K_TYPE_INT64);
    }
}

/* Running queries, registered by query.c. */
typedef struct RunningQuery {
    uint64_t id;
    int32_t pid;
    uint64_t start_ns;
    char *sql;
    const ExQueryPlan *plan;
    const ExOpStats *stats;
    struct RunningQuery *next;
} RunningQuery;

static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static RunningQuery *running;

void *
net__query_register(NetSession *s, const char *sql, const ExQueryPlan *plan, const ExOpStats *stats)
{
    RunningQuery *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->id = atomic_fetch_add(&s->eng->next_query_id, 1) + 1;
    q->pid = s->backend_pid;
    q->start_ns = k_now_ns();
    q->sql = strdup(sql ? sql : "");
    q->plan = plan;
    q->stats = stats;
    pthread_mutex_lock(&running_lock);
    q->next = running;
    running = q;
    pthread_mutex_unlock(&running_lock);
    return q;
}

void
net__query_unregister(void *handle)
{
    RunningQuery *q = handle;
    if (!q) return;
    pthread_mutex_lock(&running_lock);
    for (RunningQuery **p = &running; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            break;
        }
    pthread_mutex_unlock(&running_lock);
    free(q->sql);
    free(q);
}

/* Progress: rows produced by the plan's scans so far against their
 * estimates (both after pushed-down filters). */
static void
scan_progress(const ExPlan *p, const ExOpStats *st, double *done, double *est)
{
    if (!p) return;
    if (p->kind == EX_OP_SCAN) {
        *done += st ? (double)__atomic_load_n(&st[p->id].rows_out, __ATOMIC_RELAXED) : 0;
        *est += p->est_rows > 0 ? p->est_rows : 0;
    }
    scan_progress(p->left, st, done, est);
    scan_progress(p->right, st, done, est);
}

static void
fill_kestrel_queries(NetSession *s, SysRows *r)
{
    pthread_mutex_lock(&running_lock);
    for (RunningQuery *q = running; q; q = q->next) {
        double done = 0, est = 0;
        if (q->plan)
            for (uint32_t f = 0; f < q->plan->nfrags; f++) scan_progress(q->plan->frags[f].root, q->stats, &done, &est);
        put_i64(r, (int64_t)q->id);
        put_i32(r, q->pid);
        put_str(r, "running");
        put_i64(r, (int64_t)((k_now_ns() - q->start_ns) / 1000000));
        put_i64(r, (int64_t)done);
        put_i64(r, (int64_t)(est > done ? est : done));
        put_null(r, K_TYPE_INT64);
        put_null(r, K_TYPE_INT64);
        put_str(r, q->sql);
    }
    pthread_mutex_unlock(&running_lock);
}

/* ------------------------------------------------------------------ */
/* The table of system relations                                        */
/* ------------------------------------------------------------------ */
#define V K_TYPE_VARCHAR, 0
#define I K_TYPE_INT32, 0
#define L K_TYPE_INT64, 0
#define B K_TYPE_BOOL, 0
#define D K_TYPE_DOUBLE, 0
#define TS K_TYPE_TIMESTAMP, 0
#define ARR(e) K_TYPE_VARCHAR, K_ARR_##e
static const SysTable systables[] = {
    {"information_schema", "schemata", fill_schemata,
     {{"catalog_name", V}, {"schema_name", V}, {"schema_owner", V}}},
    {"information_schema", "tables", fill_tables,
     {{"table_catalog", V}, {"table_schema", V}, {"table_name", V}, {"table_type", V}}},
    {"information_schema", "columns", fill_columns,
     {{"table_catalog", V}, {"table_schema", V}, {"table_name", V}, {"column_name", V}, {"ordinal_position", I},
      {"column_default", V}, {"is_nullable", V}, {"data_type", V}, {"character_maximum_length", I},
      {"numeric_precision", I}, {"numeric_scale", I}}},
    {"pg_catalog", "pg_namespace", fill_namespace, {{"oid", L}, {"nspname", V}, {"nspowner", L}}},
    {"pg_catalog", "pg_class", fill_class,
     {{"oid", L}, {"relname", V}, {"relnamespace", L}, {"relkind", V}, {"relowner", L}, {"reltuples", D},
      {"relhasindex", B}, {"relpersistence", V}, {"relam", L}, {"relnatts", I}, {"relchecks", I},
      {"relhasrules", B}, {"relhastriggers", B}, {"relrowsecurity", B}, {"relforcerowsecurity", B},
      {"relispartition", B}, {"reltablespace", L}, {"reloftype", L}, {"relreplident", V},
      {"reltoastrelid", L}, {"relpartbound", V}, {"reloptions", ARR(TEXT)}, {"relacl", V}}},
    {"pg_catalog", "pg_attribute", fill_attribute,
     {{"attrelid", L}, {"attname", V}, {"atttypid", L}, {"attnum", I}, {"atttypmod", I}, {"attnotnull", B},
      {"attisdropped", B}, {"atthasdef", B}, {"attlen", I}, {"attidentity", V}, {"attgenerated", V},
      {"attcollation", L}, {"attstattarget", I}, {"attndims", I}, {"attstorage", V},
      {"attcompression", V}}},
    {"pg_catalog", "pg_type", fill_type,
     {{"oid", L}, {"typname", V}, {"typnamespace", L}, {"typlen", I}, {"typtype", V}, {"typarray", L},
      {"typelem", L}, {"typbasetype", L}, {"typnotnull", B}, {"typtypmod", I}, {"typcollation", L},
      {"typcategory", V}, {"typdelim", V}, {"typrelid", L}, {"typinput", L}}},
    {"pg_catalog", "pg_database", fill_database,
     {{"oid", L}, {"datname", V}, {"datdba", L}, {"encoding", I}, {"datcollate", V}, {"datctype", V},
      {"daticulocale", V}, {"datlocprovider", V}, {"datacl", V}, {"datistemplate", B}, {"datallowconn", B},
      {"datconnlimit", I}}},
    {"pg_catalog", "pg_am", fill_am, {{"oid", L}, {"amname", V}, {"amtype", V}}},
    {"pg_catalog", "pg_description", fill_none,
     {{"objoid", L}, {"classoid", L}, {"objsubid", I}, {"description", V}}},
    {"pg_catalog", "pg_attrdef", fill_none, {{"oid", L}, {"adrelid", L}, {"adnum", I}, {"adbin", V}}},
    {"pg_catalog", "pg_collation", fill_collation, {{"oid", L}, {"collname", V}, {"collnamespace", L}}},
    {"pg_catalog", "pg_index", fill_none,
     {{"indexrelid", L}, {"indrelid", L}, {"indnatts", I}, {"indisunique", B}, {"indisprimary", B},
      {"indisclustered", B}, {"indisvalid", B}, {"indkey", V}}},
    {"pg_catalog", "pg_constraint", fill_none,
     {{"oid", L}, {"conname", V}, {"connamespace", L}, {"contype", V}, {"conrelid", L}, {"conindid", L},
      {"confrelid", L}, {"conkey", ARR(INT2)}, {"confkey", ARR(INT2)}}},
    {"pg_catalog", "pg_inherits", fill_none,
     {{"inhrelid", L}, {"inhparent", L}, {"inhseqno", I}, {"inhdetachpending", B}}},
    {"pg_catalog", "pg_settings", fill_settings, {{"name", V}, {"setting", V}}},
    /* Kestrel has no row-level security, extended statistics or logical
     * replication: these are empty, with PostgreSQL 15's columns clients read */
    {"pg_catalog", "pg_policy", fill_none,
     {{"oid", L}, {"polname", V}, {"polrelid", L}, {"polcmd", V}, {"polpermissive", B},
      {"polroles", ARR(OID)}, {"polqual", V}, {"polwithcheck", V}}},
    {"pg_catalog", "pg_statistic_ext", fill_none,
     {{"oid", L}, {"stxrelid", L}, {"stxname", V}, {"stxnamespace", L}, {"stxowner", L},
      {"stxstattarget", I}, {"stxkeys", ARR(INT2)}, {"stxkind", ARR(CHAR)}}},
    {"pg_catalog", "pg_publication", fill_none,
     {{"oid", L}, {"pubname", V}, {"pubowner", L}, {"puballtables", B}, {"pubinsert", B},
      {"pubupdate", B}, {"pubdelete", B}, {"pubtruncate", B}, {"pubviaroot", B}}},
    {"pg_catalog", "pg_publication_namespace", fill_none,
     {{"oid", L}, {"pnpubid", L}, {"pnnspid", L}}},
    {"pg_catalog", "pg_publication_rel", fill_none,
     {{"oid", L}, {"prpubid", L}, {"prrelid", L}, {"prqual", V}, {"prattrs", ARR(INT2)}}},
    {"pg_catalog", "pg_roles", fill_roles,
     {{"rolname", V}, {"oid", L}, {"rolsuper", B}, {"rolinherit", B}, {"rolcreaterole", B},
      {"rolcreatedb", B}, {"rolcanlogin", B}, {"rolreplication", B}, {"rolconnlimit", I},
      {"rolvaliduntil", TS}, {"rolbypassrls", B}, {"rolconfig", ARR(TEXT)}}},
    /* Kestrel has no user-defined functions and does not catalogue its
     * built-in ones: empty */
    {"pg_catalog", "pg_proc", fill_none,
     {{"oid", L}, {"proname", V}, {"pronamespace", L}, {"proowner", L}, {"prokind", V},
      {"prorettype", L}, {"proretset", B}, {"pronargs", I}, {"proargtypes", V}}},
    {"pg_catalog", "pg_auth_members", fill_none,
     {{"roleid", L}, {"member", L}, {"grantor", L}, {"admin_option", B}}},
    {"pg_catalog", "pg_tables", fill_pg_tables,
     {{"schemaname", V}, {"tablename", V}, {"tableowner", V}, {"hasindexes", B}}},
    {NULL, "kestrel_tables", fill_kestrel_tables,
     {{"schema_name", V}, {"table_name", V}, {"distribution", V}, {"distribution_keys", V},
      {"partition_key", V}, {"partitions", I}, {"rows", L}, {"bytes", L}}},
    {NULL, "kestrel_partitions", fill_kestrel_partitions,
     {{"schema_name", V}, {"table_name", V}, {"partition_name", V}, {"lower_bound", V}, {"upper_bound", V},
      {"rows", L}}},
    {NULL, "kestrel_workers", fill_kestrel_workers,
     {{"worker", I}, {"address", V}, {"state", V}, {"last_heartbeat", TS}, {"data_bytes", L}}},
    {NULL, "kestrel_queries", fill_kestrel_queries,
     {{"query_id", L}, {"pid", I}, {"state", V}, {"elapsed_ms", L}, {"rows_done", L}, {"rows_estimated", L},
      {"bytes_done", L}, {"bytes_estimated", L}, {"query", V}}},
};
#undef ARR
#undef TS
#undef V
#undef I
#undef L
#undef B
#undef D

static const struct SysTable *
sys_table_at(size_t i)
{
    return &systables[i];
}

static size_t
sys_table_count(void)
{
    return K_ARRAY_LEN(systables);
}

static uint32_t
ncols_of(const SysTable *t)
{
    uint32_t n = 0;
    while (n < K_ARRAY_LEN(t->cols) && t->cols[n].name) n++;
    return n;
}

bool
net__sys_is(uint32_t table_id)
{
    return table_id >= NET_SYS_TABLE_BASE && table_id - NET_SYS_TABLE_BASE < K_ARRAY_LEN(systables);
}

/* A system relation by (schema, name): pg_catalog relations are also found
 * unqualified (PostgreSQL searches pg_catalog first), kestrel_* only
 * unqualified or in public. Returns false when it is not one. */
bool
net__sys_lookup(const char *schema, const char *name, KArena *a, const StTableDef **out)
{
    for (size_t i = 0; i < K_ARRAY_LEN(systables); i++) {
        const SysTable *t = &systables[i];
        if (strcmp(t->name, name)) continue;
        if (schema) {
            if (t->schema ? strcmp(t->schema, schema) : strcmp(schema, "public") && strcmp(schema, "pg_catalog"))
                continue;
        } else if (t->schema && strcmp(t->schema, "pg_catalog")) {
            continue;
        }
        StTableDef *d = k_alloc0(a, sizeof *d);
        uint32_t n = ncols_of(t);
        StColumnDef *cols = k_alloc0(a, sizeof(StColumnDef) * n);
        if (!d || !cols) return false;
        d->id = NET_SYS_TABLE_BASE + (uint32_t)i;
        snprintf(d->schema, sizeof d->schema, "%s", t->schema ? t->schema : "public");
        snprintf(d->name, sizeof d->name, "%s", t->name);
        d->ncols = n;
        d->cols = cols;
        for (uint32_t c = 0; c < n; c++) {
            snprintf(cols[c].name, sizeof cols[c].name, "%s", t->cols[c].name);
            cols[c].type = sys_col_type(&t->cols[c]);
        }
        d->dist = ST_DIST_REPLICATED;
        d->part_col = -1;
        *out = d;
        return true;
    }
    return false;
}

uint64_t
net__sys_rows_estimate(uint32_t table_id)
{
    (void)table_id;
    return 100;
}

/* Replace every scan of a system relation in `p` by VALUES → FILTER →
 * PROJECT, computing the rows now. */
static int
rewrite_plan(NetSession *s, KArena *a, ExPlan *p, KErr *err)
{
    if (!p) return K_OK;
    if (rewrite_plan(s, a, p->left, err) || rewrite_plan(s, a, p->right, err)) return K_ERR;
    if (p->kind != EX_OP_SCAN || !net__sys_is(p->u.scan.table_id)) return K_OK;
    const SysTable *t = &systables[p->u.scan.table_id - NET_SYS_TABLE_BASE];
    uint32_t ntc = ncols_of(t);
    SysRows rows;
    memset(&rows, 0, sizeof rows);
    rows.a = a;
    rows.ncols = ntc;
    t->fill(s, &rows);
    if (rows.oom) return k_error_oom(err, a, 0);
    /* VALUES over the columns the scan reads, in its read order */
    uint32_t nread = p->u.scan.nread;
    KType *rtypes = k_alloc(a, sizeof(KType) * (nread ? nread : 1));
    if (!rtypes) return k_error_oom(err, a, 0);
    for (uint32_t c = 0; c < nread; c++) {
        uint32_t tc = p->u.scan.read_cols[c];
        rtypes[c] = sys_col_type(&t->cols[tc]);
    }
    ExPlan *values = ex_plan_new(a, EX_OP_VALUES, nread, rtypes);
    if (!values) return k_error_oom(err, a, 0);
    values->id = p->id;
    values->est_rows = rows.nrows;
    values->label = t->name;
    values->u.values.nrows = rows.nrows;
    values->u.values.cells = k_alloc(a, sizeof(ExExpr *) * ((size_t)rows.nrows * nread + 1));
    if (!values->u.values.cells) return k_error_oom(err, a, 0);
    for (uint32_t r = 0; r < rows.nrows; r++)
        for (uint32_t c = 0; c < nread; c++)
            values->u.values.cells[r * nread + c] = rows.cells[r * ntc + p->u.scan.read_cols[c]];
    ExPlan *top = values;
    if (p->u.scan.filter) {
        ExPlan *f = ex_plan_new(a, EX_OP_FILTER, nread, rtypes);
        if (!f) return k_error_oom(err, a, 0);
        f->id = p->id;
        f->u.filter.pred = p->u.scan.filter;
        f->left = top;
        top = f;
    }
    /* the scan's output: out_cols of the read columns (all when 0) */
    uint32_t nout = p->u.scan.nout ? p->u.scan.nout : nread;
    ExExpr **exprs = k_alloc(a, sizeof(ExExpr *) * (nout ? nout : 1));
    if (!exprs) return k_error_oom(err, a, 0);
    for (uint32_t c = 0; c < nout; c++) {
        uint32_t rc = p->u.scan.nout ? p->u.scan.out_cols[c] : c;
        exprs[c] = ex_expr_column(a, rtypes[rc], rc);
        if (!exprs[c]) return k_error_oom(err, a, 0);
    }
    /* turn the scan node itself into the PROJECT so parents keep their pointer */
    uint32_t id = p->id, ncols = p->ncols;
    KType *types = p->types;
    double est = p->est_rows;
    memset(p, 0, sizeof *p);
    p->kind = EX_OP_PROJECT;
    p->id = id;
    p->ncols = ncols;
    p->types = types;
    p->est_rows = est;
    p->label = t->name;
    p->left = top;
    p->u.project.nexprs = nout;
    p->u.project.exprs = exprs;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Catalog functions resolved against the catalog                       */
/* ------------------------------------------------------------------ */
typedef struct VisOids {
    KArena *a;
    int64_t *oids;
    uint32_t n, cap;
    bool oom;
} VisOids;

static void
vis_add(VisOids *v, int64_t oid)
{
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 64;
        int64_t *o = k_realloc(v->a, v->oids, sizeof(int64_t) * v->cap, sizeof(int64_t) * cap);
        if (!o) {
            v->oom = true;
            return;
        }
        v->oids = o;
        v->cap = cap;
    }
    v->oids[v->n++] = oid;
}

/* The relations an unqualified name finds (Kestrel's search path is
 * pg_catalog, then public): every pg_catalog relation and the kestrel_*
 * views, and the public tables no pg_catalog relation hides. */
static int
visible_oids(NetSession *s, KArena *a, VisOids *v, KErr *err)
{
    memset(v, 0, sizeof *v);
    v->a = a;
    for (size_t i = 0; i < K_ARRAY_LEN(systables); i++)
        if (!systables[i].schema || !strcmp(systables[i].schema, "pg_catalog"))
            vis_add(v, NET_SYS_TABLE_BASE + (int64_t)i);
    uint32_t *ids, n;
    if (st_table_list(s->eng->coord, a, &ids, &n, err)) return K_ERR;
    for (uint32_t i = 0; i < n; i++) {
        StTableDef *d;
        const StTableDef *sys;
        if (st_table_get(s->eng->coord, ids[i], a, &d, err)) return K_ERR;
        if (strcmp(schema_of(d), "public")) continue;
        if (net__sys_lookup("pg_catalog", d->name, a, &sys)) continue;
        vis_add(v, NET_TABLE_OID_BASE + d->id);
    }
    if (v->n == 0) vis_add(v, 0); /* no relation has oid 0: an IN list that matches nothing */
    return v->oom ? k_error_oom(err, a, 0) : K_OK;
}

static int resolve_table_size(NetSession *s, KArena *a, ExExpr *e, KErr *err);

/* pg_table_is_visible(x) becomes x IN (the visible relations' oids), with
 * the oids read from the catalog now, like the system relations' rows;
 * pg_table_size(x) a CASE over the tables' sizes. */
static int
resolve_expr(NetSession *s, KArena *a, ExExpr *e, VisOids *v, KErr *err)
{
    if (!e) return K_OK;
    for (uint32_t i = 0; i < e->nargs; i++)
        if (resolve_expr(s, a, e->args[i], v, err)) return K_ERR;
    if (e->kind != EX_EXPR_FUNC || e->nargs != 1) return K_OK;
    if (e->u.func.fn == EX_FN_PG_TABLE_SIZE) return resolve_table_size(s, a, e, err);
    if (e->u.func.fn != EX_FN_PG_TABLE_VISIBLE) return K_OK;
    if (!v->a && visible_oids(s, a, v, err)) return K_ERR;
    ExExpr **args = k_alloc(a, sizeof(ExExpr *) * (v->n + 1));
    if (!args) return k_error_oom(err, a, 0);
    args[0] = e->args[0];
    for (uint32_t i = 0; i < v->n; i++)
        if (!(args[i + 1] = ex_expr_const_i64(a, v->oids[i]))) return k_error_oom(err, a, 0);
    e->kind = EX_EXPR_IN;
    e->args = args;
    e->nargs = v->n + 1;
    memset(&e->u, 0, sizeof e->u);
    e->u.in.negated = false;
    return K_OK;
}

static ExExpr *
expr_copy(KArena *a, const ExExpr *e)
{
    ExExpr *c = k_alloc(a, sizeof *c);
    if (!c) return NULL;
    *c = *e;
    if (e->nargs) {
        if (!(c->args = k_alloc(a, sizeof(ExExpr *) * e->nargs))) return NULL;
        for (uint32_t i = 0; i < e->nargs; i++)
            if (!(c->args[i] = expr_copy(a, e->args[i]))) return NULL;
    }
    return c;
}

/* pg_table_size(x) becomes CASE WHEN x = oid1 THEN bytes1 ... END over the
 * tables' sizes summed over the workers now (NULL for other relations). */
static int
resolve_table_size(NetSession *s, KArena *a, ExExpr *e, KErr *err)
{
    uint32_t *ids, n;
    if (st_table_list(s->eng->coord, a, &ids, &n, err)) return K_ERR;
    ExExpr **args = k_alloc(a, sizeof(ExExpr *) * (2 * (size_t)n + 1));
    if (!args) return k_error_oom(err, a, 0);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        StTableDef *d;
        if (st_table_get(s->eng->coord, ids[i], a, &d, err)) return K_ERR;
        uint64_t bytes;
        table_rows(s, d, &bytes);
        ExExpr *eq = k_alloc0(a, sizeof *eq);
        ExExpr **eqargs = k_alloc(a, sizeof(ExExpr *) * 2);
        if (!eq || !eqargs) return k_error_oom(err, a, 0);
        eq->kind = EX_EXPR_FUNC;
        eq->type = k_type(K_TYPE_BOOL);
        eq->pos = e->pos;
        eq->nargs = 2;
        eq->args = eqargs;
        eq->u.func.fn = EX_FN_EQ;
        eqargs[0] = expr_copy(a, e->args[0]);
        eqargs[1] = ex_expr_const_i64(a, NET_TABLE_OID_BASE + d->id);
        args[k++] = eq;
        args[k++] = ex_expr_const_i64(a, (int64_t)bytes);
        if (!eqargs[0] || !eqargs[1] || !args[k - 1]) return k_error_oom(err, a, 0);
    }
    ExExpr *null = ex_expr_const_null(a, k_type(K_TYPE_INT64));
    if (!null) return k_error_oom(err, a, 0);
    if (k == 0) {
        *e = *null;
        return K_OK;
    }
    args[k++] = null;
    e->kind = EX_EXPR_CASE;
    e->args = args;
    e->nargs = k;
    memset(&e->u, 0, sizeof e->u);
    return K_OK;
}

static int
resolve_exprs(NetSession *s, KArena *a, ExExpr **es, uint32_t n, VisOids *v, KErr *err)
{
    for (uint32_t i = 0; es && i < n; i++)
        if (resolve_expr(s, a, es[i], v, err)) return K_ERR;
    return K_OK;
}

static int
resolve_plan(NetSession *s, KArena *a, ExPlan *p, VisOids *v, KErr *err)
{
    if (!p) return K_OK;
    if (resolve_plan(s, a, p->left, v, err) || resolve_plan(s, a, p->right, v, err)) return K_ERR;
    int rc = K_OK;
    switch ((ExPlanKind)p->kind) {
    case EX_OP_SCAN: rc = resolve_expr(s, a, p->u.scan.filter, v, err); break;
    case EX_OP_FILTER: rc = resolve_expr(s, a, p->u.filter.pred, v, err); break;
    case EX_OP_PROJECT: rc = resolve_exprs(s, a, p->u.project.exprs, p->u.project.nexprs, v, err); break;
    case EX_OP_HASH_JOIN:
        rc = resolve_exprs(s, a, p->u.join.probe_keys, p->u.join.nkeys, v, err);
        if (!rc) rc = resolve_exprs(s, a, p->u.join.build_keys, p->u.join.nkeys, v, err);
        if (!rc) rc = resolve_expr(s, a, p->u.join.residual, v, err);
        break;
    case EX_OP_NESTED_LOOP: rc = resolve_expr(s, a, p->u.nl.pred, v, err); break;
    case EX_OP_HASH_AGG:
        rc = resolve_exprs(s, a, p->u.agg.groups, p->u.agg.ngroups, v, err);
        for (uint32_t i = 0; !rc && i < p->u.agg.naggs; i++) {
            rc = resolve_expr(s, a, p->u.agg.aggs[i].arg, v, err);
            if (!rc) rc = resolve_expr(s, a, p->u.agg.aggs[i].filter, v, err);
        }
        break;
    case EX_OP_SORT:
        for (uint32_t i = 0; !rc && i < p->u.sort.nkeys; i++) rc = resolve_expr(s, a, p->u.sort.keys[i].expr, v, err);
        break;
    case EX_OP_VALUES:
        rc = resolve_exprs(s, a, p->u.values.cells, p->u.values.nrows * p->ncols, v, err);
        break;
    default: break;
    }
    return rc;
}

int
net__sys_rewrite(NetSession *s, KArena *a, ExQueryPlan *q, KErr *err)
{
    VisOids v;
    memset(&v, 0, sizeof v);
    for (uint32_t f = 0; f < q->nfrags; f++)
        if (rewrite_plan(s, a, q->frags[f].root, err) || resolve_plan(s, a, q->frags[f].root, &v, err))
            return K_ERR;
    return K_OK;
}
