/*
 * planner.h — the query planner: AST in, distributed physical plan out.
 *
 * This is planner/'s one public header. The planner runs on the coordinator.
 * It binds a parsed statement (parser/parser.h) against a catalog reached
 * through callbacks (PlCatalog), builds a logical plan, rewrites it (constant
 * folding, predicate pushdown, subquery unnesting, projection pruning, LIMIT
 * into top-N), orders joins from cardinality estimates, chooses how every
 * join and aggregate is distributed over the workers, and lowers the result
 * into exec/exec.h's physical plan cut into fragments at exchanges.
 *
 * Interface routines
 *   pl_options_default   default PlOptions (nworkers from the catalog)
 *   pl_plan_query        SELECT (or the query of INSERT ... SELECT, CREATE
 *                        TABLE AS, COPY (query) TO) → ExQueryPlan
 *   pl_describe          parameter types ($n inferred from context) and
 *                        result columns (names, types, table oid/attnum),
 *                        for the extended protocol's Describe
 *   pl_explain           EXPLAIN text or JSON for a statement
 *
 * Plans travel to workers as bytes through exec.h's ex_query_serialize /
 * ex_query_deserialize (workers read them without the planner).
 *
 * Memory: everything returned lives in the arena `a` passed in; the planner
 * keeps no state between calls and is thread safe as long as the catalog
 * callbacks are.
 *
 * Errors (SQLSTATE, message in PostgreSQL style, byte position of the
 * offending AST node): 42P01 relation does not exist, 42703 column does not
 * exist (with a hint when a similar name exists), 42702 ambiguous column,
 * 42883 undefined function, 42804 datatype mismatch, 42803 grouping error,
 * 42601 / 42P10 misplaced clauses, 0A000 for SQL the planner does not
 * support yet, 21000 a scalar subquery known to return several rows.
 */
#ifndef KESTREL_PLANNER_H
#define KESTREL_PLANNER_H

#include "common/kestrel.h"
#include "parser/parser.h"
#include "storage/storage.h"

typedef struct ExQueryPlan ExQueryPlan;
typedef struct PlCatalog PlCatalog;
typedef struct PlOptions PlOptions;
typedef struct PlDescription PlDescription;

/* ------------------------------------------------------------------ */
/* Catalog callbacks                                                    */
/* ------------------------------------------------------------------ */
/*
 * How the planner sees the catalog. The coordinator implements it (its own
 * catalog has the definitions; statistics are summed over the workers);
 * tests implement it over hand-made definitions or a real StDb.
 *
 *   lookup_table   schema NULL = "public". Must fail with 42P01
 *                  (`relation "x" does not exist`) when the table is absent;
 *                  the planner overwrites the position. *def must stay valid
 *                  until the plan is no longer used (copy it into `a`).
 *   table_stats    statistics of a whole table (part_id ST_ALL_PARTITIONS)
 *                  or of one partition. May be NULL.
 *   column_stats   statistics of one column (strings into `a`). May be NULL.
 *
 * When a stats callback is NULL or fails, the planner falls back to fixed
 * guesses (1000 rows, 10% selectivity, ...) and plans anyway.
 */
struct PlCatalog {
    void *ctx;
    int (*lookup_table)(void *ctx, const char *schema, const char *name, KArena *a,
                        const StTableDef **def, KErr *err);
    int (*table_stats)(void *ctx, uint32_t table_id, uint32_t part_id, StTableStats *out,
                       KErr *err);
    int (*column_stats)(void *ctx, uint32_t table_id, uint32_t part_id, uint32_t col, KArena *a,
                        StColumnStats *out, KErr *err);
    uint32_t nworkers; /* workers holding the data (>= 1) */
};

/* ------------------------------------------------------------------ */
/* Options                                                              */
/* ------------------------------------------------------------------ */
/* SET kestrel.join_distribution = 'auto' | 'broadcast' | 'repartition'. */
typedef enum PlJoinDist {
    PL_JOIN_DIST_AUTO = 0,    /* co-located when possible, else by estimated bytes moved */
    PL_JOIN_DIST_BROADCAST,   /* always broadcast the build side (unless co-located) */
    PL_JOIN_DIST_REPARTITION, /* always hash both sides on the join keys (unless co-located) */
} PlJoinDist;

struct PlOptions {
    uint32_t nworkers;     /* 0 = the catalog's nworkers */
    PlJoinDist join_dist;
    bool runtime_filters;  /* hash join builds feed min/max + bloom filters to probe scans */
    bool partial_agg;      /* partial aggregation on workers before the exchange */
    uint32_t dp_max_rels;  /* join regions up to this size use exact DP, greedy beyond (12) */
    const char *user;      /* current_user / session_user (NULL = "kestrel") */
    const char *database;  /* current_database() (NULL = "kestrel") */
};

void pl_options_default(PlOptions *o);
/* Parse a kestrel.join_distribution value ("auto", "broadcast", "repartition");
 * 22023 invalid_parameter_value otherwise. */
K_MUSTCHECK int pl_join_dist_parse(const char *s, PlJoinDist *out, KErr *err);

/* ------------------------------------------------------------------ */
/* Planning                                                             */
/* ------------------------------------------------------------------ */
/*
 * Plan a query. `stmt` is a PrSelect (for INSERT ... SELECT / CREATE TABLE
 * AS / COPY (query) TO the caller passes the inner PrSelect). param_types
 * gives the types of $1..$nparams; an entry K_TYPE_UNKNOWN is inferred from
 * its context (a parameter whose type cannot be inferred becomes VARCHAR,
 * like PostgreSQL's "unknown" → text). `opts` may be NULL (defaults). The
 * plan and everything it points to live in `a`.
 */
K_MUSTCHECK int pl_plan_query(KArena *a, const PlCatalog *cat, const PrNode *stmt,
                              const KType *param_types, uint32_t nparams, const PlOptions *opts,
                              ExQueryPlan **out, KErr *err);

/* Result columns and parameters of a statement, without planning it. */
struct PlDescription {
    uint32_t nparams;
    KType *param_types;     /* inferred where the caller gave K_TYPE_UNKNOWN */
    uint32_t ncols;
    const char **col_names; /* PostgreSQL naming: column name, function name, "?column?" */
    KType *col_types;
    uint32_t *col_table_ids;/* the table's id for a plain table column, else 0 */
    int16_t *col_attnums;   /* 1-based column number for a plain table column, else 0 */
};

K_MUSTCHECK int pl_describe(KArena *a, const PlCatalog *cat, const PrNode *stmt,
                            const KType *param_types, uint32_t nparams, PlDescription **out,
                            KErr *err);

typedef enum PlExplainFormat { PL_EXPLAIN_TEXT = 0, PL_EXPLAIN_JSON } PlExplainFormat;

/*
 * EXPLAIN: plan `stmt` (a PrSelect, or a PrExplain whose options FORMAT
 * TEXT|JSON override `fmt`) and render the fragment tree: operators,
 * estimated rows, join distribution decisions, runtime filters, partitions
 * to scan (`k of N`). The text is NUL-terminated in `a`; one line per
 * operator for TEXT. When `plan_out` is not NULL the physical plan is
 * returned too (EXPLAIN ANALYZE runs it).
 */
K_MUSTCHECK int pl_explain(KArena *a, const PlCatalog *cat, const PrNode *stmt,
                           const KType *param_types, uint32_t nparams, const PlOptions *opts,
                           PlExplainFormat fmt, char **text, ExQueryPlan **plan_out, KErr *err);

#endif /* KESTREL_PLANNER_H */
