/*
 * exec.h — Kestrel's vectorized executor: the physical plan and how to run it.
 *
 * The planner builds the structures in this header (bound, typed expressions,
 * physical operators, fragments cut at exchanges); the runtime (net/) runs one
 * fragment instance per node with ex_fragment_run(), or a whole query inside
 * one process with ex_query_run_local().
 *
 * Interface groups:
 *   ExExpr / ExFunc              bound expressions (a tagged tree, typed)
 *   ExAggSpec                    aggregate calls of a HASH_AGG
 *   ExPlan                       physical operators (a tagged tree)
 *   ExFragment / ExQueryPlan     fragments and their exchanges
 *   ex_expr_* / ex_plan_new      constructors (everything lives in an arena)
 *   ex_agg_result_type ...       the typing rules the binder must follow
 *   ex_expr_eval_const           evaluate a row-independent expression (folding)
 *   ex_fragment_run              run one fragment instance
 *   ex_query_run_local           run a whole query over N local shards
 *   ex_route_hash / ex_batch_*   exchange routing helpers
 *   ex_plan_explain(_json)       EXPLAIN [ANALYZE] text / JSON
 *
 * Ownership: plans are immutable once built and borrowed by the executor;
 * every pointer inside a plan (children, expressions, strings in constants)
 * is owned by the arena the plan was built in (the planner's query arena).
 *
 * Column numbering: an expression's EX_EXPR_COLUMN index refers to the
 * output columns of the operator's input (for joins: probe/left columns
 * first, then build/right columns). Every ExPlan lists its own output types.
 */
#ifndef EXEC_EXEC_H
#define EXEC_EXEC_H

#include "common/kestrel.h"
#include "storage/storage.h"

typedef struct ExExpr ExExpr;
typedef struct ExAggSpec ExAggSpec;
typedef struct ExSortKey ExSortKey;
typedef struct ExWindowFunc ExWindowFunc;
typedef struct ExPlan ExPlan;
typedef struct ExFragment ExFragment;
typedef struct ExQueryPlan ExQueryPlan;
typedef struct ExRunCtx ExRunCtx;
typedef struct ExSink ExSink;
typedef struct ExOpStats ExOpStats;
typedef struct ExParam ExParam;
typedef struct ExLocalEnv ExLocalEnv;

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */
/* One value in the layout of a vector slot (k_type_width bytes of it are
 * used): BOOL as a byte (0/1), INT32/DATE as int32, INT64/TIMESTAMP and
 * DECIMAL(p<=18) as int64, DECIMAL(p>18) as k_int128, DOUBLE, KStr, KInterval.
 * A pointer to an ExValue can be used wherever a slot pointer is expected. */
typedef union ExValue {
    uint8_t b;
    int32_t i32;
    int64_t i64;
    k_int128 i128;
    double f64;
    KStr str;
    KInterval iv;
} ExValue;

/* A bound parameter value ($n). */
struct ExParam {
    KType type;
    bool is_null;
    ExValue v; /* strings: bytes owned by the caller for the run */
};

/* ------------------------------------------------------------------ */
/* Expressions                                                          */
/* ------------------------------------------------------------------ */
typedef enum ExExprKind {
    EX_EXPR_CONST = 0,  /* u.konst */
    EX_EXPR_COLUMN,     /* u.column: input column index */
    EX_EXPR_PARAM,      /* u.param: 0-based parameter index ($1 is 0) */
    EX_EXPR_FUNC,       /* u.func: scalar function, args in args[] */
    EX_EXPR_AND,        /* n-ary, three-valued */
    EX_EXPR_OR,         /* n-ary, three-valued */
    EX_EXPR_NOT,        /* args[0] */
    EX_EXPR_IS_NULL,    /* args[0] IS NULL */
    EX_EXPR_IS_NOT_NULL,
    EX_EXPR_IS_DISTINCT,     /* args[0] IS DISTINCT FROM args[1] */
    EX_EXPR_IS_NOT_DISTINCT, /* args[0] IS NOT DISTINCT FROM args[1] */
    EX_EXPR_CASE,       /* searched CASE: args = when1, then1, ..., whenN, thenN [, else] */
    EX_EXPR_COALESCE,   /* n-ary */
    EX_EXPR_NULLIF,     /* args[0], args[1] */
    EX_EXPR_GREATEST,   /* n-ary, NULLs ignored (PostgreSQL) */
    EX_EXPR_LEAST,
    EX_EXPR_IN,         /* args[0] IN (args[1..n-1]); u.in.negated for NOT IN */
    EX_EXPR_CAST,       /* CAST(args[0] AS type) */
} ExExprKind;

/*
 * Scalar functions. The binder inserts casts so that the arguments have the
 * exact types a kernel takes:
 *   ADD SUB MUL DIV MOD: two args of the same id among INT32, INT64, DOUBLE,
 *       DECIMAL (scales may differ); the result KType is the result (for
 *       DECIMAL: its precision/scale; MUL of decimals gives scale s1+s2, DIV
 *       rounds half away from zero to the result scale). Integer overflow and
 *       decimal precision overflow raise 22003, x/0 and x%0 raise 22012.
 *       INT32/INT64 DIV truncates toward zero like PostgreSQL.
 *   NEG, ABS: one arg of the above types.
 *   EQ NE LT LE GT GE: two args of the same type id (decimals may differ in
 *       scale); result BOOL.
 *   CONCAT: two strings.  LIKE/NOT_LIKE/ILIKE/NOT_ILIKE: (string, pattern
 *       [, escape]); the default escape is backslash, '' disables it.
 *   SUBSTRING: (string, INT32 start [, INT32 count]), 1-based like SQL.
 *   POSITION: (needle, haystack) as in POSITION(needle IN haystack).
 *   LENGTH, UPPER, LOWER: one string. TRIM/LTRIM/RTRIM: (string [, chars]).
 *   REPLACE: (string, from, to).
 *   ROUND: (x [, INT32 digits]) for DECIMAL and DOUBLE; FLOOR, CEIL: (x).
 *   EXTRACT: (DATE|TIMESTAMP) with u.func.part; result per the result type
 *       (INT32, INT64, DOUBLE or DECIMAL; PostgreSQL 14+ gives numeric).
 *   DATE_TRUNC: (DATE|TIMESTAMP) with u.func.part, result TIMESTAMP or DATE.
 *   DATE_ADD_DAYS / DATE_SUB_DAYS: (DATE, INT32) -> DATE.
 *   DATE_ADD_INTERVAL / DATE_SUB_INTERVAL: (DATE, INTERVAL) -> TIMESTAMP, or
 *       DATE when the result type says DATE (the timestamp truncated to its
 *       day, as CAST(timestamp AS date) does).
 *   TS_ADD_INTERVAL / TS_SUB_INTERVAL: (TIMESTAMP, INTERVAL) -> TIMESTAMP.
 *   DATE_DIFF: (DATE, DATE) -> INT32 days (date - date).
 */
typedef enum ExFunc {
    EX_FN_ADD = 0,
    EX_FN_SUB,
    EX_FN_MUL,
    EX_FN_DIV,
    EX_FN_MOD,
    EX_FN_NEG,
    EX_FN_ABS,
    EX_FN_EQ,
    EX_FN_NE,
    EX_FN_LT,
    EX_FN_LE,
    EX_FN_GT,
    EX_FN_GE,
    EX_FN_CONCAT,
    EX_FN_LIKE,
    EX_FN_NOT_LIKE,
    EX_FN_ILIKE,
    EX_FN_NOT_ILIKE,
    EX_FN_SUBSTRING,
    EX_FN_POSITION,
    EX_FN_LENGTH,
    EX_FN_UPPER,
    EX_FN_LOWER,
    EX_FN_TRIM,
    EX_FN_LTRIM,
    EX_FN_RTRIM,
    EX_FN_REPLACE,
    EX_FN_ROUND,
    EX_FN_FLOOR,
    EX_FN_CEIL,
    EX_FN_EXTRACT,
    EX_FN_DATE_TRUNC,
    EX_FN_DATE_ADD_DAYS,
    EX_FN_DATE_SUB_DAYS,
    EX_FN_DATE_ADD_INTERVAL,
    EX_FN_DATE_SUB_INTERVAL,
    EX_FN_TS_ADD_INTERVAL,
    EX_FN_TS_SUB_INTERVAL,
    EX_FN_DATE_DIFF,
    EX_FN_REGEX_MATCH,      /* ~   (POSIX extended regular expression, libc regex.h) */
    EX_FN_REGEX_NOT_MATCH,  /* !~  */
    EX_FN_REGEX_IMATCH,     /* ~*  (case-insensitive) */
    EX_FN_REGEX_NOT_IMATCH, /* !~* */
    EX_FN_ARRAY_TO_STRING,  /* array_to_string(text form '{a,b}', sep [, null text]) */
    EX_FN_FORMAT_TYPE,      /* format_type(type oid, typmod) */
    EX_FN_PG_USER_NAME,     /* pg_get_userbyid(role oid) */
    EX_FN_PG_ENCODING_NAME, /* pg_encoding_to_char(encoding id) */
    EX_FN_PG_TABLE_VISIBLE, /* pg_table_is_visible(oid): the coordinator resolves it */
    EX_FN_PG_TABLE_SIZE,    /* pg_table_size(oid): the coordinator resolves it */
    EX_FN_PG_SIZE_PRETTY,   /* pg_size_pretty(bigint) */
    EX_FN_SINGLE_ROW_CHECK, /* (INT64 row count) -> BOOL true; 21000 when the count is above 1
                             * (a scalar subquery's run-time check, planner/unnest.c) */
    /* Arrays (array.c): values are PostgreSQL's text form, the result type's
     * `array` names the element type. A "record" is an element as the array
     * builders take it: '\2' + its text, or '\1' for NULL; a "list" is
     * records joined by '\0' (the LIST aggregate's value). */
    EX_FN_ARRAY_IN,         /* (text) -> the array, checked and in canonical form */
    EX_FN_ARRAY_ANY_EQ,     /* (element as text, array) -> BOOL: x = ANY(array), NULL as SQL's */
    EX_FN_ARRAY_SUBSCRIPT,  /* (array, INT32|INT64 i) -> element i (1-based) as text, or NULL */
    EX_FN_ARRAY_UPPER,      /* (array, INT32 dim) -> INT32 upper bound, NULL when empty/dim <> 1 */
    EX_FN_ARRAY_LENGTH,     /* (array, INT32 dim) -> INT32, NULL when empty/dim <> 1 */
    EX_FN_ARRAY_CARDINALITY,/* (array) -> INT32 number of elements */
    EX_FN_ARRAY_CAT,        /* (array, array) -> array */
    EX_FN_ARRAY_BUILD,      /* (record, ...) -> array: ARRAY[...] */
    EX_FN_ARRAY_FROM_LIST,  /* (list, INT32 order) -> array: array_agg, ARRAY(subquery);
                             * order 0 keeps the list's order, 1 sorts the elements ascending,
                             * 2 descending (numbers by value, other elements bytewise) */
    EX_FN_LIST_JOIN,        /* (list, separator [, INT32 order as above]) -> text: string_agg */
    EX_FN_COUNT_ /* number of functions */
} ExFunc;

/* EXTRACT fields and DATE_TRUNC units. */
typedef enum ExDatePart {
    EX_PART_YEAR = 0,
    EX_PART_QUARTER,
    EX_PART_MONTH,
    EX_PART_WEEK,
    EX_PART_DAY,
    EX_PART_DOW, /* 0 = Sunday */
    EX_PART_DOY,
    EX_PART_HOUR,
    EX_PART_MINUTE,
    EX_PART_SECOND, /* with fractional seconds (DOUBLE/DECIMAL result) */
    EX_PART_EPOCH,
    EX_PART_DECADE,
    EX_PART_CENTURY,
} ExDatePart;

struct ExExpr {
    uint8_t kind; /* ExExprKind */
    KType type;   /* result type of this node */
    int32_t pos;  /* byte offset in the statement for error messages, -1 none */
    uint32_t nargs;
    ExExpr **args;
    union {
        struct {
            bool is_null;
            ExValue v; /* strings point into the plan's arena */
        } konst;
        struct {
            uint32_t index;
        } column;
        struct {
            uint32_t index;
        } param;
        struct {
            uint16_t fn;   /* ExFunc */
            uint16_t part; /* ExDatePart for EXTRACT / DATE_TRUNC */
        } func;
        struct {
            bool negated; /* NOT IN */
        } in;
    } u;
};

/* Constructors: every node and its argument array come from `a`; NULL when
 * the arena is out of memory. */
ExExpr *ex_expr_const(KArena *a, KType t, bool is_null, const ExValue *v);
ExExpr *ex_expr_const_i32(KArena *a, int32_t v);
ExExpr *ex_expr_const_i64(KArena *a, int64_t v);
ExExpr *ex_expr_const_f64(KArena *a, double v);
ExExpr *ex_expr_const_bool(KArena *a, bool v);
ExExpr *ex_expr_const_dec(KArena *a, int precision, int scale, k_int128 v);
ExExpr *ex_expr_const_date(KArena *a, int32_t days);
/* Copies the bytes into `a`. */
ExExpr *ex_expr_const_str(KArena *a, const char *s, size_t n);
ExExpr *ex_expr_const_null(KArena *a, KType t);
ExExpr *ex_expr_column(KArena *a, KType t, uint32_t index);
ExExpr *ex_expr_param(KArena *a, KType t, uint32_t index);
/* A node of `kind` with `nargs` arguments (copied from `args`). */
ExExpr *ex_expr_node(KArena *a, ExExprKind kind, KType t, uint32_t nargs, ExExpr *const *args);
ExExpr *ex_expr_func(KArena *a, ExFunc fn, KType t, uint32_t nargs, ExExpr *const *args);
/* Shorthands for one and two arguments. */
ExExpr *ex_expr_func1(KArena *a, ExFunc fn, KType t, ExExpr *x);
ExExpr *ex_expr_func2(KArena *a, ExFunc fn, KType t, ExExpr *x, ExExpr *y);
ExExpr *ex_expr_cast(KArena *a, ExExpr *x, KType to);
/* Deep copy into `a`. */
ExExpr *ex_expr_copy(KArena *a, const ExExpr *e);
bool ex_expr_equal(const ExExpr *x, const ExExpr *y);
/* Print for EXPLAIN ("(#3 < 10)", "sum(#1)"...). */
void ex_expr_print(const ExExpr *e, KBuf *out);
const char *ex_func_name(ExFunc fn);

/*
 * Evaluate an expression that references no column (constant folding in the
 * planner, VALUES): parameters come from `params`. Strings of the result are
 * copied into `a`. Errors as at run time (22012, 22003, 22P02...).
 */
K_MUSTCHECK int ex_expr_eval_const(const ExExpr *e, const ExParam *params, uint32_t nparams,
                                   KArena *a, ExValue *out, bool *is_null, KErr *err);

/* ------------------------------------------------------------------ */
/* Aggregates                                                           */
/* ------------------------------------------------------------------ */
typedef enum ExAggFunc {
    EX_AGG_COUNT_STAR = 0,
    EX_AGG_COUNT,
    EX_AGG_SUM,
    EX_AGG_AVG,
    EX_AGG_MIN,
    EX_AGG_MAX,
    EX_AGG_BOOL_AND,
    EX_AGG_BOOL_OR,
    EX_AGG_STDDEV_SAMP,
    EX_AGG_VAR_SAMP,
    EX_AGG_ANY_VALUE,
    EX_AGG_LIST,        /* VARCHAR records joined by '\0' in arrival order (array.c's list):
                         * string_agg and array_agg under array.c's functions */
} ExAggFunc;

/*
 * One aggregate call. `arg` is evaluated over the HASH_AGG's input (NULL for
 * COUNT_STAR); rows where `filter` (NULL = none) is not true are skipped.
 * `type` must be ex_agg_result_type(func, arg->type):
 *   COUNT, COUNT_STAR         -> INT64
 *   SUM(INT32)                -> INT64               (PostgreSQL: bigint)
 *   SUM(INT64)                -> DECIMAL(38,0)       (PostgreSQL: numeric)
 *   SUM(DECIMAL(p,s))         -> DECIMAL(38,s)       (int128 accumulator)
 *   SUM(DOUBLE)               -> DOUBLE
 *   AVG(INT32|INT64)          -> DECIMAL(38,6)
 *   AVG(DECIMAL(p,s))         -> DECIMAL(38,max(s,6))  (rounded half away)
 *   AVG(DOUBLE)               -> DOUBLE
 *   MIN/MAX/ANY_VALUE(x)      -> type of x
 *   BOOL_AND/BOOL_OR          -> BOOL
 *   STDDEV_SAMP/VAR_SAMP(x)   -> DOUBLE
 * `state_col` is used in FINAL mode only: the input column where this
 * aggregate's partial state starts (see ex_agg_state_types); in FINAL mode
 * `arg` is not evaluated, only arg->type is consulted (keep the original
 * argument there). DISTINCT aggregates cannot be split (PARTIAL/FINAL give
 * 0A000): the planner groups by the argument first instead.
 */
struct ExAggSpec {
    uint8_t func; /* ExAggFunc */
    bool distinct;
    ExExpr *arg;
    ExExpr *filter;
    KType type;
    uint32_t state_col;
};

KType ex_agg_result_type(ExAggFunc f, KType arg);
/* The partial-state columns an aggregate emits in PARTIAL mode and reads in
 * FINAL mode, in order; returns their number (at most 3) and fills types. */
uint32_t ex_agg_state_types(ExAggFunc f, KType arg, KType types[3]);
const char *ex_agg_name(ExAggFunc f);

/* ------------------------------------------------------------------ */
/* Physical operators                                                   */
/* ------------------------------------------------------------------ */
typedef enum ExPlanKind {
    EX_OP_SCAN = 0,
    EX_OP_FILTER,
    EX_OP_PROJECT,
    EX_OP_HASH_JOIN,
    EX_OP_NESTED_LOOP,
    EX_OP_HASH_AGG,
    EX_OP_SORT,
    EX_OP_LIMIT,
    EX_OP_WINDOW,
    EX_OP_SETOP,
    EX_OP_VALUES,
    EX_OP_EXCHANGE_SOURCE,
    EX_OP_RECURSIVE,  /* WITH RECURSIVE (recursive.c): left anchor, right recursive term */
    EX_OP_WORKTABLE,  /* the recursive term's read of the previous iteration's rows */
    EX_OP_KIND_COUNT_
} ExPlanKind;

typedef enum ExJoinType {
    EX_JOIN_INNER = 0,
    EX_JOIN_LEFT,     /* probe rows kept, build columns NULL when unmatched */
    EX_JOIN_RIGHT,    /* build rows kept, probe columns NULL when unmatched */
    EX_JOIN_FULL,
    EX_JOIN_SEMI,     /* probe rows with a match (output: probe columns only) */
    EX_JOIN_ANTI,     /* probe rows without a match (NOT EXISTS) */
    EX_JOIN_ANTI_NULL_AWARE, /* NOT IN: no row at all when the build side has
                              * a NULL key; a NULL probe key never passes when
                              * the build side is non-empty */
    EX_JOIN_MARK,     /* every probe row plus a BOOL "mark" column appended
                       * after the selected outputs: true when matched, NULL
                       * when not matched but a NULL took part (IN semantics),
                       * else false */
} ExJoinType;

typedef enum ExAggMode {
    EX_AGG_COMPLETE = 0, /* input rows -> final values */
    EX_AGG_PARTIAL,      /* input rows -> group columns ++ state columns */
    EX_AGG_FINAL,        /* group columns ++ state columns -> final values */
} ExAggMode;

typedef enum ExSetOpKind { EX_SETOP_UNION = 0, EX_SETOP_INTERSECT, EX_SETOP_EXCEPT } ExSetOpKind;

/* One sort key: an expression over the operator's input (usually a column
 * reference). PostgreSQL default: NULLS LAST for ASC, NULLS FIRST for DESC;
 * the planner sets nulls_first explicitly. */
struct ExSortKey {
    ExExpr *expr;
    bool desc;
    bool nulls_first;
};

typedef enum ExWindowKind {
    EX_WIN_ROW_NUMBER = 0,
    EX_WIN_RANK,
    EX_WIN_DENSE_RANK,
    EX_WIN_NTILE,       /* arg: INT32 bucket count */
    EX_WIN_LAG,         /* arg, offset (default 1), default value (NULL) */
    EX_WIN_LEAD,
    EX_WIN_FIRST_VALUE,
    EX_WIN_LAST_VALUE,
    EX_WIN_AGG,         /* agg.func over the frame (SUM, AVG, MIN, MAX, COUNT...) */
} ExWindowKind;

typedef enum ExFrameBound {
    EX_FRAME_UNBOUNDED_PRECEDING = 0,
    EX_FRAME_PRECEDING,  /* offset rows */
    EX_FRAME_CURRENT_ROW,
    EX_FRAME_FOLLOWING,  /* offset rows */
    EX_FRAME_UNBOUNDED_FOLLOWING,
} ExFrameBound;

/* A window function. The default frame (no ORDER BY: whole partition; with
 * ORDER BY: RANGE UNBOUNDED PRECEDING .. CURRENT ROW, i.e. peers included)
 * is frame_rows = false; frame_rows = true means ROWS start..end. */
struct ExWindowFunc {
    uint8_t kind;      /* ExWindowKind */
    ExAggSpec agg;     /* EX_WIN_AGG: func, arg, type (distinct unsupported) */
    ExExpr *arg;       /* NTILE buckets, LAG/LEAD/FIRST/LAST value */
    int64_t offset;    /* LAG/LEAD offset, default 1 */
    ExExpr *dflt;      /* LAG/LEAD default, NULL = NULL */
    KType type;        /* result type */
    bool frame_rows;
    uint8_t start, end; /* ExFrameBound */
    int64_t start_off, end_off;
};

/* Runtime filter consumed by a scan: the join with rf_produce == id builds
 * min/max + Bloom over its build keys; the scan drops rows whose column
 * `col` (index into the scan's read columns) cannot match, and prunes row
 * groups by the min/max. Only single-key INNER / SEMI / RIGHT joins produce
 * filters (other join types must keep unmatched probe rows), and the scan
 * applies one only when its column has the key's physical type (and
 * decimal scale). The join must run in the same fragment, and its build
 * side must finish before the scan opens (the scan is in the probe
 * pipeline). */
typedef struct ExRuntimeFilterUse {
    uint32_t id;
    uint32_t col;
} ExRuntimeFilterUse;

struct ExPlan {
    uint8_t kind;       /* ExPlanKind */
    uint32_t id;        /* operator id, unique in the query, < ExQueryPlan.nops */
    uint32_t ncols;     /* output columns */
    KType *types;
    double est_rows;    /* planner estimate (EXPLAIN) */
    const char *label;  /* free text for EXPLAIN, may be NULL */
    ExPlan *left;       /* the child; probe side of joins */
    ExPlan *right;      /* build side of joins, right input of setops */
    union {
        struct {
            uint32_t table_id;
            uint32_t nread;      /* table column ordinals to read, in order */
            uint32_t *read_cols;
            uint32_t npreds;     /* passed to st_scan_open (pruning only) */
            StPred *preds;
            ExExpr *filter;      /* over the read columns; NULL = none */
            uint32_t nparts;     /* 0 = all partitions */
            uint32_t *part_ids;
            uint32_t nrf;
            ExRuntimeFilterUse *rfs;
            uint32_t nout;       /* output = read columns out_cols[i]; 0 = all read */
            uint32_t *out_cols;
        } scan;
        struct {
            ExExpr *pred;
        } filter;
        struct {
            uint32_t nexprs; /* == ncols */
            ExExpr **exprs;
        } project;
        struct {
            uint8_t type;        /* ExJoinType */
            uint32_t nkeys;
            ExExpr **probe_keys; /* over probe (left) columns */
            ExExpr **build_keys; /* over build (right) columns, same types */
            bool *null_eq;       /* per key: NULL matches NULL (IS NOT DISTINCT); NULL = none.
                                  * Probe and build key k must have the same physical type
                                  * (and decimal scale): the run fails with XX000 otherwise */
            ExExpr *residual;    /* over probe ++ build columns; NULL = none */
            uint32_t nout;       /* output columns: indexes into probe ++ build */
            uint32_t *out_cols;  /* (SEMI/ANTI/MARK: probe columns only) */
            int32_t rf_produce;  /* runtime filter id to produce, -1 = none */
        } join;
        struct {
            uint8_t type;        /* INNER (cross when pred NULL), LEFT, SEMI, ANTI */
            ExExpr *pred;        /* over left ++ right columns */
            uint32_t nout;
            uint32_t *out_cols;  /* indexes into left ++ right */
        } nl;
        struct {
            uint8_t mode;        /* ExAggMode */
            uint32_t ngroups;
            ExExpr **groups;     /* over the input */
            uint32_t naggs;
            ExAggSpec *aggs;
            /* output: group values, then one column per aggregate
             * (PARTIAL: the aggregate's state columns). With no groups,
             * exactly one row is produced even for empty input. */
        } agg;
        struct {
            uint32_t nkeys;
            ExSortKey *keys;
            int64_t limit;       /* -1 = none (else top-N of limit+offset) */
            int64_t offset;
        } sort;
        struct {
            int64_t limit; /* -1 = none */
            int64_t offset;
        } limit;
        struct {
            uint32_t npart;
            ExExpr **part;
            uint32_t norder;
            ExSortKey *order;
            uint32_t nfuncs;
            ExWindowFunc *funcs;
            /* output: input columns, then one per function */
        } window;
        struct {
            uint8_t op; /* ExSetOpKind */
            bool all;
        } setop;
        struct {
            uint32_t nrows;
            ExExpr **cells; /* nrows * ncols, row-major, row-independent */
        } values;
        struct {
            uint32_t exchange_id;
        } exchange;
        struct {
            uint32_t wt_id;      /* the WORKTABLE nodes of the right subtree with this id */
            bool all;            /* UNION ALL; else rows already produced are dropped */
            int64_t max_iterations; /* 54001 beyond */
        } recursive;
        struct {
            uint32_t wt_id;
        } worktable;
    } u;
};

/* A node with `ncols` output types copied from `types`; id and the union are
 * left for the caller (zeroed). est_rows = -1, label NULL. */
ExPlan *ex_plan_new(KArena *a, ExPlanKind kind, uint32_t ncols, const KType *types);
const char *ex_plan_kind_name(ExPlanKind k);
const char *ex_join_type_name(ExJoinType t);

/* ------------------------------------------------------------------ */
/* Fragments                                                            */
/* ------------------------------------------------------------------ */
typedef enum ExPlacement {
    EX_RUN_COORDINATOR = 0, /* one instance on the coordinator */
    EX_RUN_EVERY_WORKER,    /* one instance per worker, each on its shard */
    EX_RUN_ANY_WORKER,      /* one instance on one worker (replicated data) */
} ExPlacement;

typedef enum ExExchangeKind {
    EX_XCHG_GATHER = 0,   /* every batch to the single consumer instance */
    EX_XCHG_BROADCAST,    /* every batch to every consumer instance */
    EX_XCHG_HASH,         /* row to consumer st_dist_worker(hash(keys), n) */
    EX_XCHG_MERGE_GATHER, /* like GATHER; each producer's stream is sorted by
                           * sort_keys (the consumer keeps a SORT on top: the
                           * merge is not yet exploited) */
} ExExchangeKind;

typedef struct ExExchangeOut {
    uint8_t kind;         /* ExExchangeKind */
    uint32_t exchange_id; /* the id EXCHANGE_SOURCE nodes name */
    uint32_t target_fragment;
    uint32_t nkeys;       /* HASH: output column indexes hashed, in order */
    uint32_t *key_cols;
    uint32_t nsort;       /* MERGE_GATHER */
    ExSortKey *sort_keys;
} ExExchangeOut;

struct ExFragment {
    uint32_t id;
    ExPlan *root;
    uint8_t placement; /* ExPlacement */
    bool has_output;   /* false for the root fragment: its rows go to the result */
    ExExchangeOut out;
};

struct ExQueryPlan {
    uint32_t nfrags;
    ExFragment *frags;  /* any order; producers are found through exchange ids */
    uint32_t root;      /* index of the coordinator fragment in frags */
    uint32_t ncols;     /* result columns */
    const char **names;
    KType *types;
    uint32_t nops;      /* 1 + the largest ExPlan.id (stats arrays) */
};

/* ------------------------------------------------------------------ */
/* Running                                                              */
/* ------------------------------------------------------------------ */
/* Where result batches go. push may be called from several threads at once
 * and must not keep `b` (copy what you need); it returns K_ERR with err
 * filled to stop the query. finish (may be NULL) is called once after the
 * last push of a successful run. */
struct ExSink {
    void *ctx;
    int (*push)(void *ctx, const KBatch *b, KErr *err);
    int (*finish)(void *ctx, KErr *err);
};

/* What a scan's runtime filter (the scan's rfs[i], i < EX_STATS_RF) did. */
typedef struct ExRfStats {
    uint64_t rows_in;        /* rows it was applied to (row groups read) */
    uint64_t rows_removed;   /* by its min/max or Bloom test */
    uint64_t rg_skipped;     /* row groups it excluded by their zone maps */
    uint64_t rows_skipped;   /* rows in those row groups */
    uint64_t parts_skipped;  /* partitions it pruned by their bounds (dynamic) */
    uint32_t applied;        /* instances where it was ready and applied */
    uint32_t stopped;        /* instances that stopped testing rows with it (it removed
                              * too few to pay for itself) */
} ExRfStats;

#define EX_STATS_RF 8

/* Per-operator statistics for EXPLAIN ANALYZE, indexed by ExPlan.id; summed
 * over threads (and over instances when the caller adds them up). */
struct ExOpStats {
    uint64_t rows_out;
    uint64_t batches_out;
    uint64_t time_ns;   /* inclusive wall time spent in the operator's work */
    uint64_t mem_peak;  /* bytes held by the operator's state at its peak */
    uint32_t instances; /* fragment instances that ran the operator */
    /* scans, summed over instances (from StScanCounters) */
    uint64_t parts_total;      /* partitions asked for (after static pruning) */
    uint64_t parts_skipped;    /* of those: by pushed predicates at open */
    uint64_t parts_skipped_rf; /* of those: by runtime filters (dynamic pruning) */
    uint64_t parts_read_max;   /* most partitions one instance read */
    uint64_t rg_total;         /* row groups in the partitions kept at open */
    uint64_t rg_skipped_zone;  /* by pushed predicates against zone maps */
    uint64_t rg_skipped_rf;    /* by runtime filters (zone maps, partition bounds) */
    uint64_t rows_read;        /* rows in the row groups read */
    uint64_t rows_skipped_rf;  /* rows in the row groups runtime filters skipped */
    uint64_t rf_rows_removed;  /* rows of row groups read that runtime filters dropped */
    ExRfStats rf[EX_STATS_RF];
};

/* What a fragment instance needs from its caller. */
struct ExRunCtx {
    StDb *db;                /* this node's shard (NULL on a coordinator without data) */
    uint32_t worker;         /* this instance's index among the fragment's instances */
    uint32_t nworkers;       /* number of worker nodes (consumers of HASH exchanges) */
    KArena *arena;           /* the query arena; the run makes children of it */
    size_t mem_limit;        /* bytes for this run (0 = none): 53200 beyond */
    const volatile int *cancel; /* non-zero = cancel (57014); may be NULL */
    uint32_t nthreads;       /* OpenMP threads, 0 = omp_get_max_threads() */
    const ExParam *params;
    uint32_t nparams;
    /* Receive the next batch of exchange `exchange_id` for this instance.
     * *batch = NULL at end of stream. The batch stays valid until the next
     * call for the same exchange; the executor never calls it for one
     * exchange from two threads at once. */
    int (*recv)(void *rctx, uint32_t exchange_id, KBatch **batch, KErr *err);
    void *rctx;
    /* true when every batch recv returns stays valid until the run ends
     * (in-memory channels): the executor then reads an exchange on all its
     * threads without copying. Otherwise a non-root fragment still reads on
     * all threads, copying each batch under a lock before the next recv. A
     * root fragment (has_output false) reads its exchanges on one thread,
     * in arrival order. */
    bool recv_batches_persist;
    ExOpStats *stats;        /* nstats entries or NULL; updated atomically */
    uint32_t nstats;
};

/* Run one fragment instance: every row of f->root is pushed into `out`,
 * then out->finish is called. The exchange routing of f->out is the
 * caller's business (see ex_route_hash). */
K_MUSTCHECK int ex_fragment_run(ExRunCtx *ctx, const ExFragment *f, ExSink *out, KErr *err);

/* The in-process runtime (kestreld --local N): runs every fragment
 * (producers before consumers) over N local shards with in-memory
 * exchange channels, and delivers the root fragment's batches to `result`. */
struct ExLocalEnv {
    StDb **shards;       /* nshards worker databases */
    uint32_t nshards;
    StDb *coord_db;      /* the coordinator's database (may be NULL) */
    KArena *arena;       /* parent of the query's arena */
    size_t mem_limit;    /* bytes for the whole query, 0 = none */
    const volatile int *cancel;
    uint32_t nthreads;   /* 0 = default */
    const ExParam *params;
    uint32_t nparams;
    ExOpStats *stats;    /* q->nops entries or NULL (EXPLAIN ANALYZE) */
};
K_MUSTCHECK int ex_query_run_local(ExLocalEnv *env, const ExQueryPlan *q, ExSink *result,
                                   KErr *err);

/* ------------------------------------------------------------------ */
/* Exchange helpers                                                     */
/* ------------------------------------------------------------------ */
/* Consumer of each live row of `b` (in k_batch_rows order) by the hash of
 * columns key_cols — the same hash as table distribution, so a HASH
 * exchange on a table's distribution key lands rows where the table's own
 * rows live. */
void ex_route_hash(const KBatch *b, uint32_t nkeys, const uint32_t *key_cols,
                   uint32_t nconsumers, uint32_t *out);
/* A compact deep copy of the live rows of `src` (strings copied into the new
 * batch's heap), created under `parent`. */
K_MUSTCHECK int ex_batch_copy(KArena *parent, const KBatch *src, KBatch **out, KErr *err);
/* Split the live rows of `b` into `n` compact batches by ex_route_hash
 * (outs[i] NULL when consumer i gets no row). */
K_MUSTCHECK int ex_batch_partition(KArena *parent, const KBatch *b, uint32_t nkeys,
                                   const uint32_t *key_cols, uint32_t n, KBatch **outs,
                                   KErr *err);

/* ------------------------------------------------------------------ */
/* Serialization (shipping fragments to workers)                        */
/* ------------------------------------------------------------------ */
/* A versioned, little-endian binary form of a whole query plan (every
 * fragment, expression and constant; strings copied). Pushed-down StPreds
 * are pruning hints only: one whose column type cannot be found among the
 * scan's read/output columns is dropped (rows are still filtered by the
 * scan's residual filter). Deserialized plans live in `a`. */
void ex_query_serialize(const ExQueryPlan *q, KBuf *out);
K_MUSTCHECK int ex_query_deserialize(const void *data, size_t n, KArena *a, ExQueryPlan **out,
                                     KErr *err);
/* Structural equality (the round-trip check). */
bool ex_query_equal(const ExQueryPlan *x, const ExQueryPlan *y);
bool ex_plan_equal(const ExPlan *x, const ExPlan *y);

/* ------------------------------------------------------------------ */
/* EXPLAIN                                                              */
/* ------------------------------------------------------------------ */
/* Print the fragment tree (fragments root first, operators indented, with
 * labels, estimates and, when stats is non-NULL, actual rows and time). */
void ex_plan_explain(const ExQueryPlan *q, const ExOpStats *stats, KBuf *out);
/* The same as a JSON array of fragments (PostgreSQL-like "Node Type",
 * "Plans"; scans add their row-group, partition and runtime-filter
 * counters); no trailing newline. */
void ex_plan_explain_json(const ExQueryPlan *q, const ExOpStats *stats, KBuf *out);
/* One operator subtree. */
void ex_plan_print(const ExPlan *p, int indent, const ExOpStats *stats, KBuf *out);
/* Add one instance's statistics of an operator to a total (for runtimes
 * that collect ExOpStats per instance, e.g. from remote workers). */
void ex_op_stats_add(ExOpStats *dst, const ExOpStats *src);
/* One operator's statistics as bytes and back (fixed layout of one build;
 * a short reader sets its failed flag, the caller checks it). */
void ex_op_stats_put(KBuf *b, const ExOpStats *s);
void ex_op_stats_get(KReader *r, ExOpStats *s);

#endif /* EXEC_EXEC_H */
