/*
 * parser_int.h — private declarations shared by the parser's files.
 *
 * The pieces:
 *   lexer.re   (re2c)  pr__lex: the next token of the text as a span
 *   keywords.c         the one keyword table: pr__keyword_lookup
 *   grammar.y  (lemon) the grammar; every action is one builder call
 *   build.c            the builders (pr__*): make nodes, fold names, check depth
 *   parser.c           pr_parse / pr_parse_expr: drive lexer → lemon
 *   print.c            pr_print: nodes → canonical SQL
 *
 * A PrParse is the state of one parse. Builders never fail loudly: on an
 * error (out of memory, nesting too deep, a bad literal) they fill p->err,
 * set p->failed and return NULL; the driver stops feeding tokens at once.
 * Builders therefore accept NULL children.
 */
#ifndef KESTREL_PARSER_INT_H
#define KESTREL_PARSER_INT_H

#include "common/kestrel.h"
#include "parser/parser.h"

/* A token: a span of the statement text. */
typedef struct PrToken {
    const char *z; /* first byte */
    int32_t n;     /* length in bytes */
    int32_t pos;   /* byte offset of z in the text */
} PrToken;

typedef struct PrParse {
    KArena *arena;
    const char *sql;
    size_t len;
    KErr *err;
    bool failed;

    /* lexer state */
    size_t cursor;      /* next byte to scan */
    int32_t nesting;    /* open parentheses/brackets */

    /* statement list being built */
    PrRawStmt *stmts;
    int32_t nstmts;
    int32_t capstmts;
    int32_t stmt_start; /* first token of the current statement, -1 before one */
    int32_t prev_end;   /* end of the last token handed to the parser */

    PrNode *expr_result; /* pr_parse_expr */
    PrToken none;        /* an absent optional token: z NULL, pos -1 */
} PrParse;

/* ---- lexer (lexer.re) ---- */
/* Scan the next token: returns its code (PR_TK_*), 0 at end of input, or
 * -1 after filling p->err (unterminated string, bad character...). */
int pr__lex(PrParse *p, PrToken *tok);

/* ---- keywords (keywords.c) ---- */
typedef struct PrKeyword {
    const char *name;   /* lower case */
    int token;          /* PR_TK_* */
    PrKeywordKind kind;
} PrKeyword;
/* Look a word up (case-insensitive); NULL when it is not a keyword. */
const PrKeyword *pr__keyword_lookup(const char *word, size_t len);
size_t pr__keyword_count(void);
const PrKeyword *pr__keyword_at(size_t i);

/* ---- lemon parser (grammar.c) ---- */
size_t pr__lemon_size(void);
void pr__lemonInit(void *parser, PrParse *p);
void pr__lemon(void *parser, int major, PrToken minor);

/* ---- helper values carried by grammar symbols ---- */
/* GROUP BY [ALL | DISTINCT] items */
typedef struct PrGroupClause {
    PrList *list;
    bool distinct;
} PrGroupClause;

typedef struct PrDistinctOpt {
    bool distinct;
    PrList *on;
} PrDistinctOpt;

typedef struct PrLimitOpt {
    PrNode *limit;
    PrNode *offset;
    bool fetch;      /* FETCH FIRST syntax */
    bool with_ties;
} PrLimitOpt;

typedef struct PrFrameOpt {
    PrFrameBound *start;
    PrFrameBound *end;
    PrFrameMode mode;
    PrFrameExclude exclude;
} PrFrameOpt;

typedef struct PrDistOpt {
    PrDistKind kind;
    PrList *keys;
} PrDistOpt;

/* Grammar symbols are kept small: lemon's stack holds a union of them. */
typedef struct PrTypmods {
    int32_t n;
    int32_t mods[2];
} PrTypmods;

/* ---- builders (build.c) ---- */
void *pr__new(PrParse *p, PrTag tag, size_t size, int32_t pos);
#define PR_NEW(p, type, pos) ((Pr##type *)pr__new((p), PR_T_##type, sizeof(Pr##type), (pos)))
void pr__fail(PrParse *p, KSqlState code, int32_t pos, const char *fmt, ...) K_PRINTF(4, 5);
void pr__oom(PrParse *p);
void pr__syntax_error(PrParse *p, PrToken tok, bool at_end);
void pr__stack_overflow(PrParse *p);

/* depth bookkeeping: set n's depth from its children (any may be NULL) */
void pr__depth(PrParse *p, PrNode *n, const void *c1, const void *c2, const void *c3);
void pr__depth_list(PrParse *p, PrNode *n, const PrList *l);

PrList *pr__list1(PrParse *p, void *item);
PrList *pr__append(PrParse *p, PrList *l, void *item);
PrList *pr__concat(PrParse *p, PrList *a, PrList *b);

/* names */
const char *pr__ident(PrParse *p, PrToken t);    /* fold or unquote */
const char *pr__str(PrParse *p, PrToken t, uint32_t *len); /* decode a string literal */
const char *pr__dotted(PrParse *p, const char *prefix, PrToken t); /* "prefix.t" */
PrIdent *pr__ident_node(PrParse *p, PrToken t);
PrList *pr__name_list(PrParse *p, PrList *l, PrToken t); /* append an Ident */

/* grammar helpers: small values */
static inline PrNode *pr__node(void *n) { return (PrNode *)n; }
static inline int32_t pr__node_pos(const void *n) { return n ? ((const PrNode *)n)->pos : -1; }
static inline PrDistinctOpt pr__distinct_opt(bool d, PrList *on) { PrDistinctOpt o = {d, on}; return o; }
static inline PrLimitOpt pr__limit_opt(PrNode *l, PrNode *o, bool fetch, bool ties)
{
    PrLimitOpt r = {l, o, fetch, ties};
    return r;
}
static inline PrLimitOpt pr__limit_offset(PrLimitOpt l, PrNode *off) { l.offset = off; return l; }
static inline PrFrameOpt pr__frame_opt(PrFrameMode m, PrFrameBound *s, PrFrameBound *e, PrFrameExclude x)
{
    PrFrameOpt f = {s, e, m, x};
    return f;
}
static inline PrDistOpt pr__dist_opt(PrDistKind k, PrList *keys) { PrDistOpt d = {k, keys}; return d; }
static inline PrTypmods pr__typmods0(void) { PrTypmods m; memset(&m, 0, sizeof m); return m; }
static inline PrToken pr__str_token(const char *s)
{
    PrToken t = {s, (int32_t)strlen(s), -1};
    return t;
}
PrList *pr__list_empty(PrParse *p);
PrList *pr__prepend(PrParse *p, void *item, PrList *l);
int32_t pr__int(PrParse *p, PrToken t);
PrTypmods pr__typmods(PrParse *p, PrToken x, const PrToken *y);

/* queries */
PrSelect *pr__select(PrParse *p, PrToken t, const PrDistinctOpt *d, PrList *targets, PrList *from,
                     PrNode *where, const PrGroupClause *group, PrNode *having, PrList *windows);
PrSelect *pr__select_tail(PrParse *p, PrWithClause *w, PrSelect *s, PrList *order, const PrLimitOpt *l);
PrSelect *pr__setop(PrParse *p, PrToken t, PrSetOp op, int all, PrSelect *l, PrSelect *r);
PrSelect *pr__values(PrParse *p, PrToken t, PrSelect *v, PrList *row);
PrNode *pr__target(PrParse *p, PrNode *e, const PrToken *name);
PrWithClause *pr__with(PrParse *p, PrToken t, bool recursive, PrList *ctes);
PrNode *pr__cte(PrParse *p, PrToken name, PrList *cols, int mat, PrNode *q);
PrNode *pr__table_alias(PrParse *p, PrNode *ref, PrAlias *alias);
PrNode *pr__range_subselect(PrParse *p, bool lateral, PrSelect *s, PrAlias *a);
PrNode *pr__range_function(PrParse *p, bool lateral, PrFuncCall *f, PrAlias *a);
PrRangeVar *pr__rangevar(PrParse *p, const PrToken *cat, const PrToken *schema, const PrToken *name);
PrRangeVar *pr__rangevar_only(PrParse *p, PrRangeVar *r);
PrRangeVar *pr__rangevar_alias(PrParse *p, PrRangeVar *r, PrAlias *a);
PrNode *pr__join(PrParse *p, PrJoinType type, bool natural, PrNode *l, PrNode *r, PrNode *qual);
PrNode *pr__join_using(PrParse *p, PrToken t, PrList *cols);
PrAlias *pr__alias(PrParse *p, PrToken name, PrList *cols);
PrNode *pr__grouping(PrParse *p, PrToken t, PrGroupingKind k, PrList *l);
PrNode *pr__window_name(PrParse *p, PrToken name, PrWindowDef *w);
PrWindowDef *pr__window(PrParse *p, PrToken lp, const PrToken *ref, PrList *part, PrList *order,
                        const PrFrameOpt *f);
PrWindowDef *pr__window_ref(PrParse *p, PrToken name);
PrFrameBound *pr__bound(PrParse *p, PrToken t, PrFrameBoundKind k, PrNode *e);
PrNode *pr__sortby(PrParse *p, PrNode *e, PrSortDir d, PrNullsOrder n);
PrLimitOpt pr__fetch_opt(PrParse *p, PrToken t, PrNode *e, bool ties);

/* expressions */
PrNode *pr__binop(PrParse *p, PrToken t, PrBinaryOp op, PrNode *l, PrNode *r);
PrNode *pr__unop(PrParse *p, PrToken t, PrUnaryOp op, PrNode *x);
PrNode *pr__unop_op(PrParse *p, PrToken t, PrNode *x);
PrNode *pr__cast(PrParse *p, PrToken t, PrNode *x, PrTypeName *type, bool colon);
PrNode *pr__is(PrParse *p, PrToken t, PrNode *x, PrIsTest test, bool neg);
PrNode *pr__between(PrParse *p, PrToken t, PrNode *x, PrNode *lo, PrNode *hi, bool neg, bool sym);
PrNode *pr__in_list(PrParse *p, PrToken t, PrNode *x, PrList *l, bool neg);
PrNode *pr__in_sub(PrParse *p, PrToken t, PrNode *x, PrSelect *s, bool neg);
PrNode *pr__like(PrParse *p, PrToken t, PrNode *x, PrNode *pat, PrNode *esc, bool neg, bool ilike);
PrNode *pr__quantified(PrParse *p, PrToken op, PrSubLinkKind k, PrNode *x, PrSelect *s);
PrNode *pr__sublink(PrParse *p, int32_t pos, PrSubLinkKind k, PrSelect *s);
PrNode *pr__param(PrParse *p, PrToken t);
PrNode *pr__row(PrParse *p, PrToken t, bool explicit_row, PrList *args);
PrNode *pr__default(PrParse *p, PrToken t);
PrNode *pr__colref(PrParse *p, PrToken first, PrList *rest);
PrNode *pr__colref_star(PrParse *p, PrToken first, PrList *rest);
PrNode *pr__lit(PrParse *p, PrToken t, PrLitKind kind);
PrNode *pr__lit_neg(PrParse *p, PrToken t, PrLitKind kind);
PrNode *pr__lit_word(PrParse *p, PrToken t);
PrNode *pr__lit_one(PrParse *p, PrToken t);
PrNode *pr__lit_typed(PrParse *p, PrTypeName *type, PrToken s, PrIntervalFields f, int32_t prec);
PrNode *pr__case(PrParse *p, PrToken t, PrNode *arg, PrList *whens, PrNode *els);
PrNode *pr__when(PrParse *p, PrToken t, PrNode *cond, PrNode *result);
PrFuncCall *pr__func(PrParse *p, PrList *name, PrList *args, bool distinct, bool star, PrList *order);
PrNode *pr__func_tail(PrParse *p, PrFuncCall *f, PrNode *filter, PrWindowDef *over);
PrNode *pr__func_kw(PrParse *p, PrToken t, PrList *args);
PrNode *pr__extract(PrParse *p, PrToken t, PrToken field, PrNode *e);
PrNode *pr__special(PrParse *p, PrToken t, PrFuncSyntax syn, PrNode *a, PrNode *b, PrNode *c, PrNode *d);
PrNode *pr__trim(PrParse *p, PrToken t, int where, PrNode *x, PrNode *chars);
PrNode *pr__sqlvalue(PrParse *p, PrToken t);
PrNode *pr__at_time_zone(PrParse *p, PrToken t, PrNode *x, PrNode *zone);
PrNode *pr__collate(PrParse *p, PrNode *x);
PrNode *pr__binop_named(PrParse *p, PrToken op, PrNode *l, PrNode *r);
PrNode *pr__subscript(PrParse *p, PrToken t, PrNode *x, PrNode *index);
PrNode *pr__array(PrParse *p, PrToken t, PrList *elements);
PrNode *pr__array_op(PrParse *p, PrToken op, PrSubLinkKind k, PrNode *x, PrNode *arr);

/* types */
PrTypeName *pr__typename(PrParse *p, PrToken name, const PrToken *schema, const PrTypmods *m);
PrTypeName *pr__typename_std(PrParse *p, PrToken t, const char *name, const PrTypmods *m);
PrTypeName *pr__typename_interval(PrParse *p, PrToken t, PrIntervalFields f);
PrTypeName *pr__type_array(PrParse *p, PrTypeName *t);

/* DML */
PrNode *pr__insert(PrParse *p, PrToken t, PrWithClause *w, PrRangeVar *r, PrList *cols, PrSelect *src,
                   PrList *ret);
PrNode *pr__update(PrParse *p, PrToken t, PrWithClause *w, PrRangeVar *r, PrList *set, PrList *from,
                   PrNode *where, PrList *ret);
PrNode *pr__set_clause(PrParse *p, PrToken name, PrNode *e);
PrNode *pr__delete(PrParse *p, PrToken t, PrWithClause *w, PrRangeVar *r, PrList *using_, PrNode *where,
                   PrList *ret);
PrNode *pr__truncate(PrParse *p, PrToken t, PrList *tables, bool restart, bool cascade);

/* DDL */
PrNode *pr__create_table(PrParse *p, PrToken t, int temp, bool ifne, PrRangeVar *name, PrList *elems,
                         PrRangeVar *parent, PrPartitionBound *b, PrPartitionSpec *ps, PrList *with,
                         const PrDistOpt *d);
PrNode *pr__create_table_as(PrParse *p, PrToken t, int temp, bool ifne, PrRangeVar *name, PrList *cols,
                            PrSelect *q, int with_data, const PrDistOpt *d);
PrNode *pr__create_view(PrParse *p, PrToken t, bool or_replace, bool mat, bool ifne, PrRangeVar *name,
                        PrList *cols, PrSelect *q, int with_data);
PrNode *pr__refresh(PrParse *p, PrToken t, bool conc, PrRangeVar *name, int with_data);
PrNode *pr__create_index(PrParse *p, PrToken t, bool unique, bool ifne, PrToken name, PrRangeVar *table,
                         PrList *keys);
PrNode *pr__create_schema(PrParse *p, PrToken t, bool ifne, PrToken name);
PrNode *pr__coldef(PrParse *p, PrToken name, PrTypeName *type, PrList *constraints);
PrNode *pr__constraint_name(PrParse *p, PrToken name, PrNode *c);
PrNode *pr__constraint(PrParse *p, PrToken t, PrConstrKind k, PrNode *expr, PrList *keys, PrRangeVar *ref,
                       PrList *refcols);
PrPartitionSpec *pr__partition_spec(PrParse *p, PrToken strategy, PrList *keys);
PrPartitionBound *pr__bound_range(PrParse *p, PrToken t, PrList *from, PrList *to);
PrPartitionBound *pr__bound_in(PrParse *p, PrToken t, PrList *l);
PrPartitionBound *pr__bound_default(PrParse *p, PrToken t);
PrNode *pr__defelem(PrParse *p, PrToken name, PrNode *value);
PrNode *pr__drop(PrParse *p, PrToken t, PrObjKind k, bool ife, PrList *names, bool cascade);
PrNode *pr__alter_table(PrParse *p, PrToken t, bool ife, PrRangeVar *r, PrList *cmds);
PrNode *pr__alter_part(PrParse *p, PrToken t, PrAlterKind k, PrRangeVar *part, PrPartitionBound *b);
PrNode *pr__alter_add(PrParse *p, PrToken t, bool ifne, PrNode *elem);
PrNode *pr__alter_name(PrParse *p, PrToken t, PrAlterKind k, const PrToken *name, const PrToken *newname,
                       bool ife, bool cascade);
PrNode *pr__alter_type(PrParse *p, PrToken t, PrToken name, PrTypeName *type);

/* COPY, ANALYZE, EXPLAIN, utility */
PrNode *pr__copy(PrParse *p, PrToken t, PrRangeVar *r, PrList *cols, PrSelect *q, bool from,
                 PrToken target, PrList *opts, PrNode *where);
PrNode *pr__copy_legacy(PrParse *p, PrToken t, const PrToken *s);
PrNode *pr__analyze(PrParse *p, PrToken t, bool verbose, PrList *tables);
PrNode *pr__explain(PrParse *p, PrToken t, PrList *opts, PrNode *stmt);
PrList *pr__explain_opts(PrParse *p, const PrToken *analyze, bool verbose);
PrNode *pr__set(PrParse *p, PrToken t, bool local, const char *name, PrList *values);
PrNode *pr__set_txn(PrParse *p, PrToken t, bool session, PrNode *mode);
PrNode *pr__show(PrParse *p, PrToken t, const char *name);
PrNode *pr__reset(PrParse *p, PrToken t, const char *name);
PrNode *pr__txn(PrParse *p, PrToken t, PrTxnKind k, const PrToken *name, PrList *opts, bool start);
PrNode *pr__txn_mode(PrParse *p, PrToken t, const char *name, const char *value);
PrNode *pr__prepare(PrParse *p, PrToken t, PrToken name, PrList *types, PrNode *stmt);
PrNode *pr__execute(PrParse *p, PrToken t, PrToken name, PrList *params);
PrNode *pr__deallocate(PrParse *p, PrToken t, const PrToken *name);

/* statements */
void pr__add_stmt(PrParse *p, PrNode *stmt);
void pr__set_expr_result(PrParse *p, PrNode *e);

#endif /* KESTREL_PARSER_INT_H */
