/*
 * planner_int.h — private declarations shared by the planner's files.
 *
 * The pieces, in the order a query goes through them:
 *   bind.c      AST → logical plan (PlRel tree) with bound, typed
 *               expressions; subqueries are unnested here, as each query
 *               block is bound (unnest.c does the decorrelation)
 *   types.c     PostgreSQL's implicit casts, operator and function typing,
 *               literals, constant folding
 *   unnest.c    subquery → semi/anti/mark/single-row/grouped joins
 *   optimize.c  join regions: predicate pushdown, DP join order, estimates
 *   estimate.c  cardinality estimation (selectivities, join sizes)
 *   lower.c     logical → exec.h physical plan, distribution, fragments,
 *               runtime filters, partition pruning
 *   explain.c   EXPLAIN text and JSON
 *   planner.c   the public entry points
 *
 * Column identity: every column any logical operator produces gets a
 * query-wide id (an index into PlCtx.cols). Bound expressions are exec.h's
 * ExExpr trees in which EX_EXPR_COLUMN's index is such a column id; lowering
 * rewrites them to input positions. Because ids are global, predicates can
 * move freely between operators and correlated references need no special
 * node: a subquery's plan simply mentions columns its own operators do not
 * produce.
 */
#ifndef KESTREL_PLANNER_INT_H
#define KESTREL_PLANNER_INT_H

#include "common/kestrel.h"
#include "exec/exec.h"
#include "parser/parser.h"
#include "planner/planner.h"
#include "storage/storage.h"

typedef struct PlCol PlCol;
typedef struct PlRel PlRel;
typedef struct PlCtx PlCtx;
typedef struct PlScope PlScope;

/* Column names of an operator's input, for readable EXPLAIN expressions.
 * Filled while lowering, indexed by ExPlan.id. */
typedef struct PlOpNames {
    uint32_t n;
    const char **names;
} PlOpNames;

/* Column metadata for naming, estimation and EXPLAIN. */
struct PlCol {
    KType type;
    const char *name;     /* for EXPLAIN and result naming */
    uint32_t table_id;    /* base table column: the table, else 0 */
    int32_t ordinal;      /* base table column ordinal, else -1 */
    bool not_null;
    double ndv;           /* distinct values (estimate, >= 1) */
    double base_rows;     /* rows of the relation the ndv is about (0 = unknown) */
    double pinned;        /* > 0: a filter below left at most this many values */
    double null_frac;
    bool has_range;       /* min/max known (as doubles, for range selectivity) */
    double lo, hi;
    bool hashed_dist;     /* base column that is the table's (single) hash distribution key */
};

typedef enum PlRelKind {
    PL_SCAN = 0,
    PL_FILTER,
    PL_PROJECT,
    PL_JOIN,
    PL_AGG,
    PL_SORT,
    PL_LIMIT,
    PL_VALUES,
    PL_SETOP,
    PL_WINDOW,
    PL_RECURSIVE, /* WITH RECURSIVE: left anchor, right recursive term (recursive.c) */
    PL_WORKTABLE, /* the recursive term's read of the previous iteration */
} PlRelKind;

/* A logical operator. Output columns are ids in `cols`. */
struct PlRel {
    uint8_t kind;  /* PlRelKind */
    uint32_t ncols;
    int32_t *cols;
    double rows;   /* estimate, filled by the optimizer */
    PlRel *left;   /* child; probe / outer side of joins */
    PlRel *right;  /* inner / build side of joins; second input of setops */

    /* SCAN */
    const StTableDef *table;
    uint32_t *ordinals;  /* per output column */
    double table_rows;

    /* SCAN (pushed filters), FILTER, JOIN (conjuncts of the condition) */
    uint32_t nquals;
    ExExpr **quals;

    /* PROJECT: one expression per output column */
    ExExpr **exprs;

    /* JOIN */
    uint8_t jtype;       /* ExJoinType */
    int32_t mark_col;    /* MARK: the column id of the mark */
    bool single_row;     /* right side is known to give at most one row */

    /* AGG: output = ngroups group columns, then one per aggregate */
    uint32_t ngroups;
    ExExpr **groups;
    uint32_t naggs;
    ExAggSpec *aggs;

    /* SORT (+ top-N), LIMIT */
    uint32_t nkeys;
    ExSortKey *keys;
    int64_t limit;       /* -1 none */
    int64_t offset;

    /* VALUES: nrows * ncols row-independent cells */
    uint32_t nrows;
    ExExpr **cells;

    /* SETOP: left and right give ncols columns each, by position */
    uint8_t setop;       /* ExSetOpKind */
    bool all;

    /* WINDOW: output = input columns, then one per function */
    uint32_t npart;
    ExExpr **part;
    uint32_t norder;
    ExSortKey *order;
    uint32_t nfuncs;
    ExWindowFunc *funcs;

    /* RECURSIVE (with `all` for UNION ALL and `limit` the most iterations),
     * WORKTABLE: which work table */
    int32_t wt_id;
};

/* The state of one planning call. */
struct PlCtx {
    KArena *a;
    const PlCatalog *cat;
    PlOptions opts;
    KErr *err;

    PlCol *cols;
    uint32_t ncols, capcols;

    /* parameters $1..$n: types (UNKNOWN until inferred) */
    KType *param_types;
    uint32_t nparams;
    bool params_fixed;    /* caller gave the count; $n beyond is an error */

    /* CTEs visible while binding, innermost last */
    struct PlCte *ctes;
    uint32_t nctes, capctes;

    /* counters for lowering */
    uint32_t next_op_id;
    uint32_t next_exchange;
    uint32_t next_rf;
    int depth;
    bool own_quals;       /* estimating a filter's own conjuncts: ignore what they pin */
    PlOpNames *opnames;
    uint32_t capopnames;

    /* WITH RECURSIVE (recursive.c): work table ids; lowering a recursive term */
    uint32_t next_wt;
    uint32_t lower_single;
};

typedef struct PlCte {
    const char *name;
    const PrCommonTable *def;
    uint32_t level; /* scope depth where it was declared */
    bool recursive; /* declared under WITH RECURSIVE */
    /* while its recursive term is bound (recursive.c): references read the work table */
    uint8_t rec_state; /* 0 none, 1 binding the anchor, 2 binding the recursive term */
    int32_t wt_id;
    uint32_t wt_n;
    KType *wt_types;
    const char **wt_names;
    uint32_t wt_refs;
} PlCte;

/* A bound query block's result: the plan and what the select list names. */
typedef struct PlBound {
    PlRel *rel;
    uint32_t nout;           /* visible output columns (rel may carry more) */
    int32_t *out_cols;       /* column ids in select-list order */
    const char **names;
} PlBound;

/* ---- ctx helpers (bind.c) ---- */
int32_t pl__new_col(PlCtx *c, KType t, const char *name);
PlRel *pl__rel_new(PlCtx *c, PlRelKind kind, uint32_t ncols);
void *pl__alloc(PlCtx *c, size_t n); /* zeroed; NULL + err filled on OOM */
int pl__oom(PlCtx *c);

/* ---- binding (bind.c) ---- */
K_MUSTCHECK int pl__bind_query(PlCtx *c, const PrSelect *q, PlScope *outer, PlBound *out);

/* ---- types and expressions (types.c) ---- */
bool pl__is_numeric(KType t);
/* A new expression node of `kind` and type t with room for nargs arguments
 * (zeroed); NULL + err on OOM. */
ExExpr *pl__expr_new(PlCtx *c, ExExprKind kind, KType t, uint32_t nargs, int32_t pos);
/* Coerce an expression to type `to` (adds a CAST unless equal; unknown
 * literals and parameters take the type directly). NULL + err on a bad cast. */
ExExpr *pl__coerce(PlCtx *c, ExExpr *e, KType to, int32_t pos);
/* The common type of two operands for comparison/arithmetic/CASE. */
K_MUSTCHECK int pl__common_type(PlCtx *c, KType a, KType b, int32_t pos, const char *what,
                                KType *out);
ExExpr *pl__make_compare(PlCtx *c, ExFunc fn, ExExpr *l, ExExpr *r, int32_t pos);
ExExpr *pl__make_arith(PlCtx *c, PrBinaryOp op, ExExpr *l, ExExpr *r, int32_t pos);
ExExpr *pl__make_and(PlCtx *c, ExExpr *l, ExExpr *r);
ExExpr *pl__literal(PlCtx *c, const PrLiteral *lit);
/* Fold row-independent subtrees into constants (errors are left to run time:
 * a subtree that fails to fold stays as it is). */
ExExpr *pl__fold(PlCtx *c, ExExpr *e);
bool pl__is_const(const ExExpr *e);
bool pl__const_true(const ExExpr *e);
/* Column-id helpers. */
ExExpr *pl__col_ref(PlCtx *c, int32_t colid);
bool pl__expr_uses_only(const ExExpr *e, const int32_t *cols, uint32_t ncols);
void pl__expr_collect_cols(const ExExpr *e, int32_t *out, uint32_t *n, uint32_t cap);
bool pl__expr_has_col(const ExExpr *e, int32_t colid);
bool pl__expr_equal(const ExExpr *x, const ExExpr *y);
ExExpr *pl__expr_copy_map(PlCtx *c, const ExExpr *e, const int32_t *from, ExExpr *const *to,
                          uint32_t n);
/* Split an AND tree into conjuncts (appends to a growable array). */
void pl__conjuncts(PlCtx *c, ExExpr *e, ExExpr ***arr, uint32_t *n, uint32_t *cap);
void pl__push_expr(PlCtx *c, ExExpr ***arr, uint32_t *n, uint32_t *cap, ExExpr *e);

/* ---- unnesting (unnest.c) ---- */
/* Apply a subquery used as a WHERE conjunct (EXISTS, NOT EXISTS, IN, NOT IN,
 * op ANY/ALL) to `rel`: returns the new plan (a semi/anti join). */
K_MUSTCHECK int pl__unnest_predicate(PlCtx *c, PlRel **rel, const PrSubLink *sl, bool negated,
                                     PlScope *scope);
/* A subquery as a value (scalar, or EXISTS/IN not at conjunct level): joins
 * it onto *rel and returns the column holding the value. */
K_MUSTCHECK int pl__unnest_value(PlCtx *c, PlRel **rel, const PrSubLink *sl, PlScope *scope,
                                 int32_t *colid);

/* A bound scalar subquery (one output column) as a value joined onto *rel. */
K_MUSTCHECK int pl__unnest_scalar_bound(PlCtx *c, PlRel **rel, const PrSubLink *sl, PlScope *scope,
                                        const PlBound *b, int32_t *colid);
/* x op ANY|ALL (q), NOT applied when `negated`, as a BOOL column joined onto
 * *rel (quantified.c). */
K_MUSTCHECK int pl__unnest_quantified(PlCtx *c, PlRel **rel, const PrSubLink *sl, bool negated,
                                      PlScope *scope, int32_t *colid);

/* FROM ..., LATERAL (q) (q bound as b with the left items in scope) joined
 * onto *rel with join type INNER or LEFT; out_cols[i]: q's i-th column. */
K_MUSTCHECK int pl__unnest_lateral(PlCtx *c, PlRel **rel, const PrSelect *q, PlScope *scope,
                                   const PlBound *b, ExJoinType jt, int32_t pos, int32_t *out_cols);

/* ---- arrays (array.c) ---- */
KArrayElem pl__array_elem_of_name(const char *n);
ExExpr *pl__array_cast(PlCtx *c, ExExpr *x, const PrTypeName *tn, int32_t pos);
ExExpr *pl__array_empty(PlCtx *c, const PrTypeName *tn, int32_t pos);
ExExpr *pl__array_node(PlCtx *c, PlScope *s, const PrNode *n);
ExExpr *pl__array_concat(PlCtx *c, ExExpr *l, ExExpr *r, int32_t pos, bool *found);
ExExpr *pl__array_func(PlCtx *c, const char *n, uint32_t nargs, ExExpr **args, int32_t pos,
                       bool *found);
ExExpr *pl__array_record(PlCtx *c, ExExpr *x, bool keep_null, int32_t pos);
ExExpr *pl__list_agg_finish(PlCtx *c, ExExpr *list, KType elem, ExExpr *sep, int order,
                            int32_t pos);
/* ARRAY(q): rewrite the bound q into an aggregate query with one array column. */
K_MUSTCHECK int pl__array_sublink(PlCtx *c, const PrSubLink *sl, PlBound *b);
K_MUSTCHECK int pl__bind_range_function(PlCtx *c, PlScope *s, const PrRangeFunction *rf,
                                        PlRel **out, const char **colname);

/* ---- WITH RECURSIVE (recursive.c) ---- */
/* Bind a reference to CTE `i` declared under WITH RECURSIVE: its recursive
 * form (anchor UNION [ALL] term) as a PL_RECURSIVE plan, or *handled = false
 * when it does not refer to itself (an ordinary CTE). out_cols/names: its
 * columns. */
K_MUSTCHECK int pl__bind_recursive_cte(PlCtx *c, uint32_t i, int32_t pos, PlBound *out,
                                       bool *handled);
/* A reference to a CTE whose recursive term is being bound: the work table. */
K_MUSTCHECK int pl__bind_worktable(PlCtx *c, uint32_t i, int32_t pos, PlBound *out);
/* Lowering (lower.c calls these): does the subtree read a work table? */
bool pl__has_worktable(const PlRel *r);

/* ---- grouping sets (grouping.c) ---- */
typedef struct PlGroupingSets {
    uint32_t nsets;  /* 0: plain GROUP BY */
    uint64_t *sets;  /* per set: bit i set = group expression i is grouped */
    int32_t gid_in;  /* the set-number column below the aggregate (nsets > 1), else -1 */
} PlGroupingSets;
/* Binds one group expression, giving its (deduplicated) index, at most 63. */
typedef int (*PlGroupExprFn)(void *ctx, const PrNode *e, uint32_t *idx);
/* Expand GROUP BY items (expressions, ROLLUP, CUBE, GROUPING SETS, ()) into sets. */
K_MUSTCHECK int pl__grouping_expand(PlCtx *c, const PrList *group_by, bool distinct,
                                    PlGroupExprFn fn, void *ctx, PlGroupingSets *out);
/* `agg` groups by the group expressions then gid (a column ref to gs->gid_in)
 * over its input: joins the input with the set numbers, NULLs the keys each
 * set lacks, and returns in *top the plan producing agg's columns (with a
 * row for every empty set even over empty input). */
K_MUSTCHECK int pl__grouping_build(PlCtx *c, const PlGroupingSets *gs, PlRel *agg, PlRel **top);
/* GROUPING(args) given the arguments' group-expression indexes. */
ExExpr *pl__grouping_func(PlCtx *c, const PlGroupingSets *gs, const uint32_t *idx, uint32_t n,
                          int32_t pos);

/* A deep copy of a logical plan with fresh column ids (unnest.c); NULL with
 * c->err unset when the plan holds an operator that cannot be copied. */
PlRel *pl__copy_rel(PlCtx *c, const PlRel *r);
/* The same, also giving the map of old column ids (below *oldn_out) to new
 * ones (-1: not copied). */
PlRel *pl__copy_rel_map(PlCtx *c, const PlRel *r, int32_t **map_out, uint32_t *oldn_out);

/* ---- optimization (optimize.c, estimate.c) ---- */
K_MUSTCHECK int pl__optimize(PlCtx *c, PlRel **rel);
double pl__selectivity(PlCtx *c, const ExExpr *e, double rows);
void pl__estimate(PlCtx *c, PlRel *r);
double pl__col_ndv(PlCtx *c, int32_t colid, double rows);
double pl__row_width(PlCtx *c, const PlRel *r);

/* ---- lowering (lower.c) ---- */
K_MUSTCHECK int pl__lower(PlCtx *c, PlRel *root, uint32_t nout, const int32_t *out_cols,
                          const char **names, ExQueryPlan **out);

/* ---- explain (explain.c) ---- */
void pl__explain_text(PlCtx *c, const ExQueryPlan *q, KBuf *out);
void pl__explain_json(PlCtx *c, const ExQueryPlan *q, KBuf *out);

#endif /* KESTREL_PLANNER_INT_H */
