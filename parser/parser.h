/*
 * parser.h — the SQL front end: text in, abstract syntax tree out.
 *
 * This is parser/'s one public header. The parser turns the text of one or
 * more SQL statements (PostgreSQL dialect) into trees of tagged nodes
 * allocated in a caller-supplied arena; it never looks at the catalog.
 *
 * Interface routines
 *   pr_parse        text → list of statements (each with its own text range)
 *   pr_parse_expr   text of one scalar expression → expression tree
 *   pr_print        any node → canonical SQL text (parse → print → parse
 *                   → print is a fixed point; the tests check it)
 *   pr_tag_name     "Select", "ColumnRef", ... for messages and debugging
 *   pr_keyword_kind is a word a keyword, and how reserved is it
 *
 * Nodes
 *   Every node begins with a PrNode header: its tag and the byte offset in
 *   the statement text where it starts (`pos`, used for error carets). A
 *   struct "inherits" by putting PrNode first, so any node pointer can be
 *   passed as PrNode * and recovered with PR_CAST(Type, node), which checks
 *   the tag in Debug/Sanitize builds (PostgreSQL's castNode). One struct
 *   per tag: tag PR_T_Foo always means struct PrFoo.
 *
 *   Optional children are NULL when absent. Lists are PrList (a counted
 *   array of PrNode *); an absent list is NULL, never an empty PrList, so
 *   test with pr_list_len(l), which is NULL-safe.
 *
 * Strings
 *   Identifiers are folded to lower case unless they were double-quoted
 *   (PostgreSQL rules; quoted ones keep their case and may contain any
 *   character). All strings in the tree are NUL-terminated copies in the
 *   arena; string literal values are stored decoded ('' → ', E'\n' → a
 *   newline, dollar quoting stripped), with their byte length because they
 *   may contain NUL bytes only in theory (E'\000' is rejected as in
 *   PostgreSQL).
 *
 * Accepted and dropped: `x COLLATE name` (Kestrel compares bytes, so the
 * tree keeps only x) and the schema in `OPERATOR(pg_catalog.~)` (the tree
 * keeps the operator "~"), both of which psql's \d queries use.
 *
 * Literals are not converted to values here: the binder does that, knowing
 * the target type. A PrLiteral keeps the text and a kind. A leading minus
 * sign on a numeric literal is folded into the literal ("-5" is one
 * PR_LIT_INTEGER with text "-5"), as PostgreSQL's grammar does.
 */
#ifndef KESTREL_PARSER_H
#define KESTREL_PARSER_H

#include "common/kestrel.h"

/* ------------------------------------------------------------------ */
/* Forward declarations                                                 */
/* ------------------------------------------------------------------ */
typedef struct PrNode PrNode;
typedef struct PrList PrList;
typedef struct PrRawStmt PrRawStmt;
typedef struct PrStmtList PrStmtList;

/* Limits. Deeper input is an error (54001), never a stack overflow. */
#define PR_MAX_NESTING 256 /* open parentheses/brackets at one time */
#define PR_MAX_DEPTH 1000  /* height of any expression or query tree */

/* ------------------------------------------------------------------ */
/* Node tags                                                            */
/* ------------------------------------------------------------------ */
/* X-macro: PR_NODE(Name) — tag PR_T_Name, struct PrName. */
#define PR_NODE_LIST(X)                                                                        \
    /* names and small pieces */                                                               \
    X(Ident)        /* one identifier: column list entry, name list entry */                   \
    X(RangeVar)     /* [catalog.][schema.]name [alias]: a table in FROM or a DDL target */      \
    X(Alias)        /* AS name [(col, ...)] */                                                 \
    X(TypeName)     /* a type: name + modifiers */                                             \
    X(DefElem)      /* name [= value]: COPY/EXPLAIN options, WITH (...) options */              \
    /* expressions */                                                                          \
    X(ColumnRef)    /* a, t.a, s.t.a, t.*, * */                                                \
    X(Literal)      /* 1, 1.5, 'x', true, null, date '1998-12-01', interval '3' month */       \
    X(Param)        /* $1 */                                                                   \
    X(UnaryExpr)    /* NOT x, -x, +x */                                                        \
    X(BinaryExpr)   /* arithmetic, comparison, AND/OR, ||, IS [NOT] DISTINCT FROM, other ops */ \
    X(LikeExpr)     /* x [NOT] LIKE|ILIKE y [ESCAPE z] */                                      \
    X(IsExpr)       /* x IS [NOT] NULL|TRUE|FALSE|UNKNOWN */                                   \
    X(BetweenExpr)  /* x [NOT] BETWEEN [SYMMETRIC] a AND b */                                  \
    X(InExpr)       /* x [NOT] IN (list) */                                                    \
    X(SubLink)      /* EXISTS (q), (q), x [NOT] IN (q), x op ANY|ALL (q) */                    \
    X(CaseExpr)     /* CASE [arg] WHEN ... THEN ... [ELSE ...] END */                          \
    X(CaseWhen)     /* one WHEN cond THEN result arm */                                        \
    X(CastExpr)     /* CAST(x AS t), x::t */                                                   \
    X(FuncCall)     /* f(args), agg(DISTINCT x) FILTER (WHERE ..) OVER (...), count(*) */      \
    X(ExtractExpr)  /* EXTRACT(field FROM x) */                                                \
    X(RowExpr)      /* (a, b) or ROW(a, b) */                                                  \
    X(DefaultExpr)  /* DEFAULT in INSERT ... VALUES / UPDATE SET */                            \
    X(GroupingSet)  /* ROLLUP(..), CUBE(..), GROUPING SETS (..), () */                         \
    /* query pieces */                                                                         \
    X(ResTarget)    /* one select-list entry: expr [AS name] */                                \
    X(SortBy)       /* expr [ASC|DESC] [NULLS FIRST|LAST] */                                   \
    X(WindowDef)    /* OVER (...) or WINDOW w AS (...) */                                      \
    X(FrameBound)   /* UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, ... */                   \
    X(CommonTable)  /* name [(cols)] AS [NOT] [MATERIALIZED] (query) */                        \
    X(WithClause)   /* WITH [RECURSIVE] cte, ... */                                            \
    X(RangeSubselect) /* [LATERAL] (query) alias */                                            \
    X(RangeFunction)  /* [LATERAL] f(args) alias: a function in FROM */                        \
    X(JoinExpr)     /* l [NATURAL] {INNER|LEFT|RIGHT|FULL|CROSS} JOIN r [ON q | USING (..)] */   \
    X(SetClause)    /* UPDATE ... SET col = expr */                                            \
    /* DDL pieces */                                                                           \
    X(ColumnDef)    /* name type [constraints] */                                              \
    X(Constraint)   /* NOT NULL, NULL, DEFAULT, PRIMARY KEY, UNIQUE, REFERENCES, CHECK */       \
    X(PartitionSpec)  /* PARTITION BY RANGE|LIST|HASH (keys) */                                \
    X(PartitionBound) /* FOR VALUES FROM (...) TO (...) | DEFAULT */                           \
    X(AlterCmd)     /* one ALTER TABLE action */                                               \
    /* statements */                                                                           \
    X(Select)       /* SELECT, VALUES, and set operations; also every subquery */              \
    X(Insert)                                                                                  \
    X(Update)                                                                                  \
    X(Delete)                                                                                  \
    X(Truncate)                                                                                \
    X(CreateTable)                                                                             \
    X(CreateTableAs)                                                                           \
    X(CreateView)   /* CREATE [OR REPLACE] [MATERIALIZED] VIEW */                               \
    X(RefreshMatView)                                                                          \
    X(CreateIndex)  /* accepted as metadata */                                                 \
    X(CreateSchema)                                                                            \
    X(Drop)                                                                                    \
    X(AlterTable)                                                                              \
    X(Copy)                                                                                    \
    X(Analyze)                                                                                 \
    X(Explain)                                                                                 \
    X(Set)          /* SET [LOCAL|SESSION] name {TO|=} value, SET TIME ZONE */                 \
    X(Show)                                                                                    \
    X(Reset)                                                                                   \
    X(Transaction)  /* BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, ... */            \
    X(Prepare)                                                                                 \
    X(Execute)                                                                                 \
    X(Deallocate)                                                                              \
    /* expressions added later (kept at the end so tag numbers stay stable) */                \
    X(ArrayExpr)    /* ARRAY[a, b], ARRAY[[1, 2], [3, 4]] */                                   \
    X(Subscript)    /* x[i] */                                                                  \
    X(ArrayOpExpr)  /* x op ANY|SOME|ALL (array expression) */

typedef enum PrTag {
    PR_T_Invalid = 0,
#define PR_TAG_ENUM_(name) PR_T_##name,
    PR_NODE_LIST(PR_TAG_ENUM_)
#undef PR_TAG_ENUM_
    PR_T_COUNT
} PrTag;

/* The common header of every node. */
struct PrNode {
    uint16_t tag;   /* PrTag */
    uint16_t depth; /* height of the subtree (1 for a leaf), capped at PR_MAX_DEPTH */
    int32_t pos;    /* byte offset in the statement text, -1 if none: where the node starts,
                       except for operators (Binary/Unary/Is/Like/Between/In/SubLink with a
                       test, Cast with ::), where it is the operator's offset, as in PostgreSQL */
};

/* "Select", "ColumnRef", ...; "?" for a bad tag. */
const char *pr_tag_name(int tag);

#define PR_IS(type, n) ((n) != NULL && ((const PrNode *)(n))->tag == PR_T_##type)

#ifdef K_DEBUG
static inline PrNode *
pr__cast_check(const void *n, int tag, const char *file, int line)
{
    if (n != NULL && ((const PrNode *)n)->tag != tag) k_assert_fail("PR_CAST tag mismatch", file, line);
    return (PrNode *)n;
}
#define PR_CAST(type, n) ((Pr##type *)pr__cast_check((n), PR_T_##type, __FILE__, __LINE__))
#else
#define PR_CAST(type, n) ((Pr##type *)(void *)(n))
#endif

/* ------------------------------------------------------------------ */
/* Lists                                                                */
/* ------------------------------------------------------------------ */
struct PrList {
    int32_t n;
    int32_t cap;
    PrNode **items;
};

static inline int32_t pr_list_len(const PrList *l) { return l ? l->n : 0; }
static inline PrNode *pr_list_nth(const PrList *l, int32_t i) { return l->items[i]; }
/* for (int32_t i = 0; i < pr_list_len(l); i++) { PrNode *x = l->items[i]; ... } */

/* ------------------------------------------------------------------ */
/* Names and small pieces                                               */
/* ------------------------------------------------------------------ */
typedef struct PrIdent {
    PrNode hdr;
    const char *name; /* folded unless quoted */
} PrIdent;

typedef struct PrAlias {
    PrNode hdr;
    const char *name;
    PrList *colnames; /* of PrIdent, or NULL */
} PrAlias;

typedef struct PrRangeVar {
    PrNode hdr;
    const char *catalog; /* NULL unless given */
    const char *schema;  /* NULL unless given */
    const char *name;
    PrAlias *alias;      /* NULL unless given (only in FROM, UPDATE, DELETE) */
    bool only;           /* ONLY name */
} PrRangeVar;

/*
 * A type as written. `name` is the canonical lower-case spelling for the
 * standard multi-word names ("double precision", "character varying",
 * "character", "timestamp with time zone", "time with time zone",
 * "bit varying") and the folded word otherwise ("integer", "int", "int4",
 * "bigint", "numeric", "decimal", "varchar", "text", "date", "interval",
 * "timestamp", "real", "float", "boolean", "bool", ...): aliases are not
 * resolved here. `schema` is set for a qualified name (pg_catalog.int4).
 */
typedef enum PrIntervalFields {
    PR_IVF_NONE = 0,
    PR_IVF_YEAR,
    PR_IVF_MONTH,
    PR_IVF_DAY,
    PR_IVF_HOUR,
    PR_IVF_MINUTE,
    PR_IVF_SECOND,
    PR_IVF_YEAR_TO_MONTH,
    PR_IVF_DAY_TO_HOUR,
    PR_IVF_DAY_TO_MINUTE,
    PR_IVF_DAY_TO_SECOND,
    PR_IVF_HOUR_TO_MINUTE,
    PR_IVF_HOUR_TO_SECOND,
    PR_IVF_MINUTE_TO_SECOND,
} PrIntervalFields;

typedef struct PrTypeName {
    PrNode hdr;
    const char *schema; /* NULL unless qualified */
    const char *name;
    int32_t nmods;      /* 0, 1 or 2: varchar(25), numeric(15,2); timestamp(3) */
    int32_t mods[2];
    int32_t array_dims; /* int[] → 1, int[][] → 2 */
    PrIntervalFields interval_fields; /* INTERVAL DAY TO SECOND as a column type */
} PrTypeName;

/* name [value]: options of COPY, EXPLAIN, CREATE TABLE ... WITH (...). The
 * value is NULL (a bare option such as HEADER or ANALYZE), or a PrLiteral:
 * numbers as PR_LIT_INTEGER/NUMERIC, quoted strings and bare words (FORMAT
 * csv) as PR_LIT_STRING, true/false/on/off as written (words are strings). */
typedef struct PrDefElem {
    PrNode hdr;
    const char *name; /* folded */
    PrNode *value;    /* PrLiteral or NULL */
} PrDefElem;

/* ------------------------------------------------------------------ */
/* Expressions                                                          */
/* ------------------------------------------------------------------ */
/* Column reference: fields[0..nfields-1] are the dotted parts; the last is
 * the column unless `star`, in which case all parts qualify the star
 * (t.* has nfields 1, a bare * has nfields 0). At most 4 parts. */
typedef struct PrColumnRef {
    PrNode hdr;
    int32_t nfields;
    bool star;
    const char *fields[4];
} PrColumnRef;

typedef enum PrLitKind {
    PR_LIT_NULL = 0, /* NULL; text "null" */
    PR_LIT_BOOL,     /* TRUE/FALSE; text "true" or "false" */
    PR_LIT_INTEGER,  /* digits only (with a folded leading '-'); may not fit any int type */
    PR_LIT_NUMERIC,  /* has '.' or an exponent: 1.5, .5, 1e10, -2.5E-3 */
    PR_LIT_STRING,   /* '...', E'...', $$...$$; text is the decoded value; type unknown */
    PR_LIT_TYPED,    /* type 'text': date '1998-12-01', interval '3' month, timestamp '...' */
} PrLitKind;

typedef struct PrLiteral {
    PrNode hdr;
    PrLitKind kind;
    const char *text;  /* NUL-terminated; decoded string value for STRING/TYPED */
    uint32_t len;      /* bytes in text */
    PrTypeName *type;  /* PR_LIT_TYPED only: the type before the string */
    PrIntervalFields interval_fields; /* PR_LIT_TYPED interval '90' day → PR_IVF_DAY */
    int32_t interval_precision;       /* interval '1.5' second(3) → 3, else -1 */
} PrLiteral;

typedef struct PrParam {
    PrNode hdr;
    int32_t number; /* $1 → 1 */
} PrParam;

typedef enum PrUnaryOp {
    PR_UOP_NOT = 0,
    PR_UOP_MINUS,
    PR_UOP_PLUS,
    PR_UOP_BITNOT, /* ~x */
    PR_UOP_OTHER,  /* any other prefix operator (@x, |/x): see opname */
} PrUnaryOp;

typedef struct PrUnaryExpr {
    PrNode hdr;
    PrUnaryOp op;
    PrNode *arg;
    const char *opname; /* "not", "-", "+", "~", or another prefix operator's spelling */
} PrUnaryExpr;

typedef enum PrBinaryOp {
    PR_OP_ADD = 0, /* + */
    PR_OP_SUB,     /* - */
    PR_OP_MUL,     /* * */
    PR_OP_DIV,     /* / */
    PR_OP_MOD,     /* % */
    PR_OP_POW,     /* ^ */
    PR_OP_CONCAT,  /* || */
    PR_OP_EQ,      /* = */
    PR_OP_NE,      /* <> and != */
    PR_OP_LT,
    PR_OP_LE,
    PR_OP_GT,
    PR_OP_GE,
    PR_OP_AND,
    PR_OP_OR,
    PR_OP_IS_DISTINCT,     /* IS DISTINCT FROM */
    PR_OP_IS_NOT_DISTINCT, /* IS NOT DISTINCT FROM */
    PR_OP_BITAND,  /* & */
    PR_OP_BITOR,   /* | */
    PR_OP_SHL,     /* << */
    PR_OP_SHR,     /* >> */
    PR_OP_OTHER,   /* any other operator; its spelling is in `opname` */
} PrBinaryOp;

typedef struct PrBinaryExpr {
    PrNode hdr;
    PrBinaryOp op;
    const char *opname; /* the operator's spelling: "+", "<>", "and", "@>" ... */
    PrNode *left;
    PrNode *right;
} PrBinaryExpr;

typedef struct PrLikeExpr {
    PrNode hdr;
    bool negated;     /* NOT LIKE */
    bool ilike;       /* ILIKE */
    PrNode *arg;
    PrNode *pattern;
    PrNode *escape;   /* NULL unless ESCAPE given */
} PrLikeExpr;

typedef enum PrIsTest {
    PR_IS_NULL = 0,
    PR_IS_TRUE,
    PR_IS_FALSE,
    PR_IS_UNKNOWN,
} PrIsTest;

typedef struct PrIsExpr {
    PrNode hdr;
    PrIsTest test;
    bool negated; /* IS NOT ... (x NOTNULL is IS NOT NULL; x ISNULL is IS NULL) */
    PrNode *arg;
} PrIsExpr;

typedef struct PrBetweenExpr {
    PrNode hdr;
    bool negated;
    bool symmetric;
    PrNode *arg;
    PrNode *low;
    PrNode *high;
} PrBetweenExpr;

typedef struct PrInExpr {
    PrNode hdr;
    bool negated;
    PrNode *arg;
    PrList *list; /* of expressions, at least one */
} PrInExpr;

typedef enum PrSubLinkKind {
    PR_SUBLINK_EXISTS = 0, /* EXISTS (q) */
    PR_SUBLINK_SCALAR,     /* (q) as a value */
    PR_SUBLINK_ANY,        /* x op ANY|SOME (q); x IN (q) is ANY with op "=" */
    PR_SUBLINK_ALL,        /* x op ALL (q) */
    PR_SUBLINK_ARRAY,      /* ARRAY(q) */
} PrSubLinkKind;

typedef struct PrSubLink {
    PrNode hdr;
    PrSubLinkKind kind;
    bool negated;      /* NOT IN (q): printed as NOT IN; PR_SUBLINK_ANY with op EQ */
    bool is_in;        /* written as IN (q) rather than = ANY (q) */
    PrBinaryOp op;     /* ANY/ALL: the comparison */
    const char *opname;/* ANY/ALL: its spelling */
    PrNode *testexpr;  /* ANY/ALL: the left side; NULL for EXISTS/SCALAR */
    struct PrSelect *subquery;
} PrSubLink;

typedef struct PrCaseWhen {
    PrNode hdr;
    PrNode *cond;
    PrNode *result;
} PrCaseWhen;

typedef struct PrCaseExpr {
    PrNode hdr;
    PrNode *arg;       /* simple CASE x WHEN v ...; NULL for searched CASE */
    PrList *whens;     /* of PrCaseWhen */
    PrNode *else_expr; /* NULL when no ELSE */
} PrCaseExpr;

typedef struct PrCastExpr {
    PrNode hdr;
    bool colon_syntax; /* written x::t (printing only) */
    PrNode *arg;
    PrTypeName *type;
} PrCastExpr;

/* How a function call was written; only the printer needs to care, except
 * that PR_FUNC_SQLVALUE calls have no argument list at all. */
typedef enum PrFuncSyntax {
    PR_FUNC_NORMAL = 0,  /* f(a, b) */
    PR_FUNC_SUBSTRING,   /* substring(x FROM a [FOR b]) → name "substring", args (x, a [, b]);
                            substring(x FOR b) → args (x, 1, b) */
    PR_FUNC_POSITION,    /* position(a IN b) → name "position", args (a, b) */
    PR_FUNC_TRIM,        /* trim([BOTH|LEADING|TRAILING] [c] FROM x) → name "btrim"/"ltrim"/"rtrim",
                            args (x [, c]) */
    PR_FUNC_OVERLAY,     /* overlay(x PLACING y FROM a [FOR b]) → args (x, y, a [, b]) */
    PR_FUNC_SQLVALUE,    /* current_date, current_timestamp, localtime, current_user, ... */
    PR_FUNC_AT_TIME_ZONE,/* x AT TIME ZONE z → name "timezone", args (z, x), as PostgreSQL */
} PrFuncSyntax;

/* Function call. COALESCE, NULLIF, GREATEST and LEAST are calls with those
 * names (they are keywords in the grammar but have no special node). */
typedef struct PrFuncCall {
    PrNode hdr;
    const char *schema;   /* NULL unless qualified */
    const char *name;     /* folded */
    PrList *args;         /* NULL for f() and count(*) */
    bool star;            /* count(*) */
    bool distinct;        /* agg(DISTINCT x) */
    PrFuncSyntax syntax;
    PrList *agg_order;    /* agg(x ORDER BY y): of PrSortBy, or NULL */
    PrNode *filter;       /* FILTER (WHERE cond), or NULL */
    struct PrWindowDef *over; /* OVER (...) or OVER w, or NULL */
} PrFuncCall;

typedef enum PrExtractField {
    PR_EXTRACT_OTHER = 0, /* any other word: see `field` */
    PR_EXTRACT_YEAR,
    PR_EXTRACT_MONTH,
    PR_EXTRACT_DAY,
    PR_EXTRACT_HOUR,
    PR_EXTRACT_MINUTE,
    PR_EXTRACT_SECOND,
} PrExtractField;

typedef struct PrExtractExpr {
    PrNode hdr;
    PrExtractField kind;
    const char *field; /* folded word as written: "year", "dow", "epoch", "quarter", ... */
    PrNode *arg;
} PrExtractExpr;

typedef struct PrRowExpr {
    PrNode hdr;
    bool explicit_row; /* ROW(a, b) rather than (a, b) */
    PrList *args;
} PrRowExpr;

typedef struct PrDefaultExpr {
    PrNode hdr;
} PrDefaultExpr;

/* ARRAY[a, b]; a nested [..] inside one is another PrArrayExpr. */
typedef struct PrArrayExpr {
    PrNode hdr;
    PrList *elements; /* or NULL for ARRAY[] */
} PrArrayExpr;

/* x op ANY (array) / x op ALL (array): the right side is an expression
 * (ARRAY[...], a column, a parameter), not a subquery. */
typedef struct PrArrayOpExpr {
    PrNode hdr;
    PrBinaryOp op;
    const char *opname;
    bool all;          /* ALL rather than ANY/SOME */
    PrNode *left;
    PrNode *array;
} PrArrayOpExpr;

typedef struct PrSubscript {
    PrNode hdr;
    PrNode *arg;
    PrNode *index;
} PrSubscript;

typedef enum PrGroupingKind {
    PR_GROUPING_EMPTY = 0, /* () */
    PR_GROUPING_ROLLUP,
    PR_GROUPING_CUBE,
    PR_GROUPING_SETS,      /* GROUPING SETS (...): content may hold nested sets */
} PrGroupingKind;

typedef struct PrGroupingSet {
    PrNode hdr;
    PrGroupingKind kind;
    PrList *content; /* expressions (a RowExpr for a parenthesised group) or PrGroupingSet */
} PrGroupingSet;

/* ------------------------------------------------------------------ */
/* Query pieces                                                         */
/* ------------------------------------------------------------------ */
typedef struct PrResTarget {
    PrNode hdr;
    PrNode *expr;      /* a PrColumnRef with star for * and t.* */
    const char *name;  /* AS name, or NULL */
} PrResTarget;

typedef enum PrSortDir { PR_SORT_DEFAULT = 0, PR_SORT_ASC, PR_SORT_DESC } PrSortDir;
typedef enum PrNullsOrder { PR_NULLS_DEFAULT = 0, PR_NULLS_FIRST, PR_NULLS_LAST } PrNullsOrder;

typedef struct PrSortBy {
    PrNode hdr;
    PrNode *expr; /* an integer literal means "by position"; a bare name may be an alias */
    PrSortDir dir;
    PrNullsOrder nulls;
} PrSortBy;

typedef enum PrFrameBoundKind {
    PR_BOUND_UNBOUNDED_PRECEDING = 0,
    PR_BOUND_PRECEDING,
    PR_BOUND_CURRENT_ROW,
    PR_BOUND_FOLLOWING,
    PR_BOUND_UNBOUNDED_FOLLOWING,
} PrFrameBoundKind;

typedef struct PrFrameBound {
    PrNode hdr;
    PrFrameBoundKind kind;
    PrNode *offset; /* PRECEDING/FOLLOWING: the offset expression */
} PrFrameBound;

typedef enum PrFrameMode {
    PR_FRAME_DEFAULT = 0, /* no frame clause */
    PR_FRAME_ROWS,
    PR_FRAME_RANGE,
    PR_FRAME_GROUPS,
} PrFrameMode;

typedef enum PrFrameExclude {
    PR_EXCLUDE_NONE = 0,
    PR_EXCLUDE_CURRENT_ROW,
    PR_EXCLUDE_GROUP,
    PR_EXCLUDE_TIES,
} PrFrameExclude;

/* A window: in OVER (...) `name` is NULL; in WINDOW w AS (...) it is "w".
 * `refname` names a window this one builds on (OVER w, OVER (w ORDER BY x)). */
typedef struct PrWindowDef {
    PrNode hdr;
    const char *name;
    const char *refname;
    PrList *partition_by; /* of expressions, or NULL */
    PrList *order_by;     /* of PrSortBy, or NULL */
    PrFrameMode frame_mode;
    PrFrameBound *frame_start; /* NULL when frame_mode is DEFAULT */
    PrFrameBound *frame_end;   /* NULL unless BETWEEN ... AND ... was written */
    PrFrameExclude exclude;
} PrWindowDef;

typedef enum PrCteMaterialize {
    PR_CTE_DEFAULT = 0,
    PR_CTE_MATERIALIZED,
    PR_CTE_NOT_MATERIALIZED,
} PrCteMaterialize;

typedef struct PrCommonTable {
    PrNode hdr;
    const char *name;
    PrList *colnames; /* of PrIdent, or NULL */
    PrCteMaterialize materialize;
    PrNode *query;    /* a PrSelect (or INSERT/UPDATE/DELETE ... RETURNING) */
} PrCommonTable;

typedef struct PrWithClause {
    PrNode hdr;
    bool recursive;
    PrList *ctes; /* of PrCommonTable */
} PrWithClause;

typedef struct PrRangeSubselect {
    PrNode hdr;
    bool lateral;
    struct PrSelect *subquery;
    PrAlias *alias; /* NULL if none (PostgreSQL 16 allows that) */
} PrRangeSubselect;

typedef struct PrRangeFunction {
    PrNode hdr;
    bool lateral;
    PrFuncCall *func;
    PrAlias *alias;
} PrRangeFunction;

typedef enum PrJoinType {
    PR_JOIN_INNER = 0,
    PR_JOIN_LEFT,
    PR_JOIN_RIGHT,
    PR_JOIN_FULL,
    PR_JOIN_CROSS, /* CROSS JOIN; comma joins are separate entries of Select.from */
} PrJoinType;

typedef struct PrJoinExpr {
    PrNode hdr;
    PrJoinType type;
    bool natural;
    PrNode *left;   /* a table ref: RangeVar, RangeSubselect, RangeFunction, JoinExpr */
    PrNode *right;
    PrNode *quals;  /* ON condition, or NULL */
    PrList *using_cols; /* USING (a, b): of PrIdent, or NULL */
    PrAlias *alias; /* (a JOIN b) AS j, or NULL */
} PrJoinExpr;

typedef struct PrSetClause {
    PrNode hdr;
    const char *column;
    PrNode *value; /* an expression or PrDefaultExpr */
} PrSetClause;

/* ------------------------------------------------------------------ */
/* SELECT                                                               */
/* ------------------------------------------------------------------ */
typedef enum PrSelectKind {
    PR_SELECT_SIMPLE = 0, /* SELECT ... FROM ... */
    PR_SELECT_VALUES,     /* VALUES (...), (...) */
    PR_SELECT_SETOP,      /* larg UNION|INTERSECT|EXCEPT [ALL] rarg */
} PrSelectKind;

typedef enum PrSetOp {
    PR_SETOP_NONE = 0,
    PR_SETOP_UNION,
    PR_SETOP_INTERSECT,
    PR_SETOP_EXCEPT,
} PrSetOp;

/*
 * One query expression. ORDER BY / LIMIT / OFFSET / FETCH / WITH attach to
 * the outermost node: in `SELECT a FROM t UNION SELECT b FROM u ORDER BY 1`
 * the SETOP node holds the ORDER BY and its two arms are SIMPLE.
 */
typedef struct PrSelect {
    PrNode hdr;
    PrSelectKind kind;
    PrWithClause *with;  /* or NULL */

    /* PR_SELECT_SIMPLE */
    bool distinct;       /* SELECT DISTINCT */
    PrList *distinct_on; /* DISTINCT ON (exprs), or NULL */
    PrList *targets;     /* of PrResTarget (NULL for SELECT with no columns) */
    PrList *from;        /* table refs (comma-separated), or NULL */
    PrNode *where;
    PrList *group_by;    /* expressions and PrGroupingSet, or NULL */
    bool group_distinct; /* GROUP BY DISTINCT */
    PrNode *having;
    PrList *windows;     /* WINDOW clause: of PrWindowDef with names, or NULL */

    /* PR_SELECT_VALUES */
    PrList *values;      /* of PrRowExpr, one per row */

    /* PR_SELECT_SETOP */
    PrSetOp op;
    bool all;            /* UNION ALL ... */
    struct PrSelect *larg;
    struct PrSelect *rarg;

    /* any kind */
    PrList *order_by;    /* of PrSortBy, or NULL */
    PrNode *limit;       /* LIMIT n / FETCH FIRST n ROWS; NULL for none or LIMIT ALL */
    PrNode *offset;      /* or NULL */
    bool fetch_with_ties;/* FETCH FIRST n ROWS WITH TIES */
    bool fetch_syntax;   /* written FETCH FIRST (printing only) */
} PrSelect;

/* ------------------------------------------------------------------ */
/* DML                                                                  */
/* ------------------------------------------------------------------ */
typedef struct PrInsert {
    PrNode hdr;
    PrWithClause *with;
    PrRangeVar *table;  /* alias allowed: INSERT INTO t AS x */
    PrList *columns;    /* of PrIdent, or NULL */
    PrSelect *source;   /* VALUES or a query; NULL for DEFAULT VALUES */
    PrList *returning;  /* of PrResTarget, or NULL */
} PrInsert;

typedef struct PrUpdate {
    PrNode hdr;
    PrWithClause *with;
    PrRangeVar *table;
    PrList *set;        /* of PrSetClause */
    PrList *from;       /* or NULL */
    PrNode *where;
    PrList *returning;
} PrUpdate;

typedef struct PrDelete {
    PrNode hdr;
    PrWithClause *with;
    PrRangeVar *table;
    PrList *using_tables; /* USING t, u: table refs, or NULL */
    PrNode *where;
    PrList *returning;
} PrDelete;

typedef struct PrTruncate {
    PrNode hdr;
    PrList *tables; /* of PrRangeVar */
    bool cascade;
    bool restart_identity;
} PrTruncate;

/* ------------------------------------------------------------------ */
/* DDL                                                                  */
/* ------------------------------------------------------------------ */
typedef enum PrConstrKind {
    PR_CONSTR_NOT_NULL = 0,
    PR_CONSTR_NULL,        /* explicit NULL */
    PR_CONSTR_DEFAULT,     /* expr */
    PR_CONSTR_PRIMARY_KEY, /* keys (table constraint) */
    PR_CONSTR_UNIQUE,      /* keys (table constraint) */
    PR_CONSTR_REFERENCES,  /* [FOREIGN KEY (keys)] REFERENCES ref_table [(ref_cols)] */
    PR_CONSTR_CHECK,       /* expr */
} PrConstrKind;

/* A column or table constraint. Keys, references and checks are accepted
 * as metadata; Kestrel enforces only NOT NULL. */
typedef struct PrConstraint {
    PrNode hdr;
    PrConstrKind kind;
    const char *name;     /* CONSTRAINT name, or NULL */
    PrNode *expr;         /* DEFAULT / CHECK */
    PrList *keys;         /* table constraint columns: of PrIdent, or NULL */
    PrRangeVar *ref_table;/* REFERENCES */
    PrList *ref_cols;     /* of PrIdent, or NULL */
} PrConstraint;

typedef struct PrColumnDef {
    PrNode hdr;
    const char *name;
    PrTypeName *type;
    PrList *constraints; /* of PrConstraint, or NULL */
} PrColumnDef;

typedef enum PrDistKind {
    PR_DIST_DEFAULT = 0, /* no DISTRIBUTED clause */
    PR_DIST_HASH,        /* DISTRIBUTED BY (cols) */
    PR_DIST_REPLICATED,  /* DISTRIBUTED REPLICATED */
    PR_DIST_RANDOM,      /* DISTRIBUTED RANDOMLY */
} PrDistKind;

typedef enum PrPartStrategy {
    PR_PART_RANGE = 0,
    PR_PART_LIST,
    PR_PART_HASH,
} PrPartStrategy;

typedef struct PrPartitionSpec {
    PrNode hdr;
    PrPartStrategy strategy;
    PrList *keys; /* expressions (usually PrColumnRef) */
} PrPartitionSpec;

/* FOR VALUES FROM (a, ...) TO (b, ...), FOR VALUES IN (...), DEFAULT.
 * MINVALUE and MAXVALUE appear in from/to as PrColumnRef named "minvalue" /
 * "maxvalue" (as PostgreSQL's grammar does). */
typedef struct PrPartitionBound {
    PrNode hdr;
    bool is_default;
    PrList *from;     /* RANGE */
    PrList *to;       /* RANGE */
    PrList *in_list;  /* LIST */
} PrPartitionBound;

typedef struct PrCreateTable {
    PrNode hdr;
    PrRangeVar *table;
    bool if_not_exists;
    bool temporary;
    bool unlogged;
    PrList *columns;        /* of PrColumnDef, or NULL (PARTITION OF without columns) */
    PrList *constraints;    /* table constraints: of PrConstraint, or NULL */
    PrRangeVar *partition_of;      /* PARTITION OF parent, or NULL */
    PrPartitionBound *bound;       /* with partition_of */
    PrPartitionSpec *partition_by; /* PARTITION BY ..., or NULL */
    PrList *with_options;   /* WITH (name = value, ...): of PrDefElem, or NULL */
    PrDistKind dist;
    PrList *dist_keys;      /* PR_DIST_HASH: of PrIdent */
} PrCreateTable;

typedef struct PrCreateTableAs {
    PrNode hdr;
    PrRangeVar *table;
    PrList *colnames;   /* of PrIdent, or NULL */
    bool if_not_exists;
    bool temporary;
    PrSelect *query;
    bool with_no_data;
    PrDistKind dist;
    PrList *dist_keys;
} PrCreateTableAs;

typedef struct PrCreateView {
    PrNode hdr;
    PrRangeVar *view;
    PrList *colnames;  /* of PrIdent, or NULL */
    bool or_replace;
    bool materialized;
    bool if_not_exists;/* materialized only */
    bool with_no_data; /* materialized only */
    PrSelect *query;
} PrCreateView;

typedef struct PrRefreshMatView {
    PrNode hdr;
    PrRangeVar *view;
    bool concurrently;
    bool with_no_data;
} PrRefreshMatView;

typedef struct PrCreateIndex {
    PrNode hdr;
    const char *name; /* NULL if not given */
    PrRangeVar *table;
    PrList *keys;     /* of PrSortBy */
    bool unique;
    bool if_not_exists;
} PrCreateIndex;

typedef struct PrCreateSchema {
    PrNode hdr;
    const char *name;
    bool if_not_exists;
} PrCreateSchema;

typedef enum PrObjKind {
    PR_OBJ_TABLE = 0,
    PR_OBJ_VIEW,
    PR_OBJ_MATVIEW,
    PR_OBJ_INDEX,
    PR_OBJ_SCHEMA,
} PrObjKind;

typedef struct PrDrop {
    PrNode hdr;
    PrObjKind kind;
    PrList *names; /* of PrRangeVar (for SCHEMA: name only) */
    bool if_exists;
    bool cascade;  /* CASCADE; RESTRICT is the default */
} PrDrop;

typedef enum PrAlterKind {
    PR_ALTER_ATTACH_PARTITION = 0, /* partition, bound */
    PR_ALTER_DETACH_PARTITION,     /* partition */
    PR_ALTER_ADD_COLUMN,           /* column, if_not_exists */
    PR_ALTER_DROP_COLUMN,          /* name, if_exists, cascade */
    PR_ALTER_RENAME_TABLE,         /* newname */
    PR_ALTER_RENAME_COLUMN,        /* name → newname */
    PR_ALTER_ALTER_COLUMN_TYPE,    /* name, column->type */
    PR_ALTER_SET_NOT_NULL,         /* name */
    PR_ALTER_DROP_NOT_NULL,        /* name */
    PR_ALTER_ADD_CONSTRAINT,       /* constraint */
} PrAlterKind;

typedef struct PrAlterCmd {
    PrNode hdr;
    PrAlterKind kind;
    PrRangeVar *partition;
    PrPartitionBound *bound;
    PrColumnDef *column;
    PrConstraint *constraint;
    const char *name;
    const char *newname;
    bool if_exists;
    bool if_not_exists;
    bool cascade;
} PrAlterCmd;

typedef struct PrAlterTable {
    PrNode hdr;
    PrRangeVar *table;
    bool if_exists;
    PrList *cmds; /* of PrAlterCmd */
} PrAlterTable;

/* ------------------------------------------------------------------ */
/* COPY, ANALYZE, EXPLAIN, utility                                      */
/* ------------------------------------------------------------------ */
typedef struct PrCopy {
    PrNode hdr;
    PrRangeVar *table;   /* COPY t [(cols)] ..., or NULL for COPY (query) TO */
    PrList *columns;     /* of PrIdent, or NULL */
    PrSelect *query;     /* COPY (query) TO ..., or NULL */
    bool is_from;        /* FROM (load) or TO (unload) */
    bool is_stdio;       /* STDIN / STDOUT */
    const char *filename;/* 'path' when not stdio */
    PrList *options;     /* of PrDefElem: WITH (FORMAT csv, HEADER, DELIMITER '|') and the
                            old forms (CSV, HEADER, DELIMITER [AS] 'x', NULL [AS] 'x'),
                            normalised to the new names: format, header, delimiter, null,
                            quote, escape, encoding, freeze */
    PrNode *where;       /* COPY ... FROM ... WHERE cond, or NULL */
} PrCopy;

typedef struct PrAnalyze {
    PrNode hdr;
    bool verbose;
    PrList *tables; /* of PrRangeVar, or NULL for all tables */
} PrAnalyze;

typedef struct PrExplain {
    PrNode hdr;
    PrNode *stmt;    /* the statement explained */
    PrList *options; /* of PrDefElem; EXPLAIN ANALYZE VERBOSE → (analyze, verbose) */
} PrExplain;

/* SET name {TO|=} value[, ...] | SET name {TO|=} DEFAULT | SET TIME ZONE v.
 * Values are PrLiteral (words become PR_LIT_STRING). SET TIME ZONE is
 * name "timezone"; SET NAMES is "client_encoding". */
typedef struct PrSet {
    PrNode hdr;
    const char *name; /* folded; dotted names kept as "a.b" */
    PrList *values;   /* or NULL for DEFAULT */
    bool is_local;    /* SET LOCAL */
} PrSet;

typedef struct PrShow {
    PrNode hdr;
    const char *name; /* NULL for SHOW ALL */
} PrShow;

typedef struct PrReset {
    PrNode hdr;
    const char *name; /* NULL for RESET ALL */
} PrReset;

typedef enum PrTxnKind {
    PR_TXN_BEGIN = 0,   /* BEGIN [WORK|TRANSACTION], START TRANSACTION */
    PR_TXN_COMMIT,      /* COMMIT, END */
    PR_TXN_ROLLBACK,    /* ROLLBACK, ABORT */
    PR_TXN_SAVEPOINT,   /* SAVEPOINT name */
    PR_TXN_RELEASE,     /* RELEASE [SAVEPOINT] name */
    PR_TXN_ROLLBACK_TO, /* ROLLBACK TO [SAVEPOINT] name */
} PrTxnKind;

typedef struct PrTransaction {
    PrNode hdr;
    PrTxnKind kind;
    const char *savepoint; /* SAVEPOINT / RELEASE / ROLLBACK TO */
    bool start_syntax;     /* written START TRANSACTION (printing only) */
    PrList *options;       /* of PrDefElem: "isolation" 'serializable', "read_only" true, ... */
} PrTransaction;

typedef struct PrPrepare {
    PrNode hdr;
    const char *name;
    PrList *argtypes; /* of PrTypeName, or NULL */
    PrNode *stmt;     /* SELECT / INSERT / UPDATE / DELETE */
} PrPrepare;

typedef struct PrExecute {
    PrNode hdr;
    const char *name;
    PrList *params; /* expressions, or NULL */
} PrExecute;

typedef struct PrDeallocate {
    PrNode hdr;
    const char *name; /* NULL for DEALLOCATE ALL */
} PrDeallocate;

/* ------------------------------------------------------------------ */
/* Statement lists and the entry points                                 */
/* ------------------------------------------------------------------ */
/* One statement and the byte range of its own text in the input:
 * sql[start..end) from its first token to its last (without the ';'). */
struct PrRawStmt {
    PrNode *stmt;
    int32_t start;
    int32_t end;
};

struct PrStmtList {
    int32_t n;       /* 0 for empty input or only ';' and comments */
    PrRawStmt *items;
};

/*
 * Parse `len` bytes of SQL (no NUL needed) into statements allocated in `a`.
 * Statements are separated by ';'. On error returns K_ERR with err filled:
 * SQLSTATE 42601 for syntax errors ("syntax error at or near \"FORM\"",
 * "syntax error at end of input", "unterminated quoted string at or near
 * ...", "unterminated comment at or near ..."), 54001 for nesting beyond
 * the limits, 53200 for out of memory; err->pos is the byte offset of the
 * offending token. The arena keeps whatever was allocated before an error.
 */
K_MUSTCHECK int pr_parse(KArena *a, const char *sql, size_t len, PrStmtList **out, KErr *err);

/* Parse one scalar expression ("l_quantity * 2", a DEFAULT expression kept
 * as text in the catalog). Trailing input is a syntax error. */
K_MUSTCHECK int pr_parse_expr(KArena *a, const char *sql, size_t len, PrNode **out, KErr *err);

/*
 * Print any node (statement, expression, table ref, type) as canonical SQL
 * text in `a` (NUL-terminated; *out_len may be NULL). Canonical means:
 * keywords upper case, identifiers quoted only when needed, every compound
 * expression fully parenthesised, one space between tokens. Parsing the
 * output gives the same tree (up to positions), so printing it again gives
 * the same text.
 */
K_MUSTCHECK int pr_print(KArena *a, const PrNode *node, char **out, size_t *out_len, KErr *err);

/* The same for a statement: what `pr_print` does, named for readability. */
K_MUSTCHECK int pr_print_stmt(KArena *a, const PrNode *stmt, char **out, KErr *err);

/* Append the canonical text of a node to a byte buffer (b->failed on OOM). */
void pr_print_buf(KBuf *b, const PrNode *node);

/* Append an identifier, double-quoted when PostgreSQL would need quotes
 * (upper case, odd characters, a reserved keyword). */
void pr_print_ident(KBuf *b, const char *name);

typedef enum PrKeywordKind {
    PR_KW_NONE = 0,       /* not a keyword */
    PR_KW_UNRESERVED,     /* usable as any name */
    PR_KW_COL_NAME,       /* usable as a column/table name, not as a function name */
    PR_KW_TYPE_FUNC_NAME, /* usable as a function or type name, not a column name */
    PR_KW_RESERVED,       /* never usable as a bare name */
} PrKeywordKind;

/* How reserved a word is (case-insensitive; `len` bytes). */
PrKeywordKind pr_keyword_kind(const char *word, size_t len);

#endif /* KESTREL_PARSER_H */
