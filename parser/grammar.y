/*
 * grammar.y — the lemon grammar of Kestrel's SQL (the PostgreSQL dialect
 * of analytics: queries, DDL/DML, COPY, EXPLAIN and utility statements).
 *
 * Every action is one builder call (build.c); the grammar itself allocates
 * nothing. Tokens are PrToken spans. Non-reserved keywords fall back to ID
 * (%fallback below), so `date`, `year`, `value`, `name`, `type`, `comment`
 * work as names wherever the keyword itself has no meaning.
 *
 * Shapes follow PostgreSQL's gram.y: select_no_parens / select_with_parens
 * / select_clause for queries and set operations, a_expr-like precedence
 * for expressions, and a restricted b_expr (here `bexpr`) where a full
 * expression would be ambiguous (column DEFAULT, before NOT NULL).
 */

%name pr__lemon
%token_prefix PR_TK_
%token_type {PrToken}
%default_type {PrNode *}
%extra_context {PrParse *p}
/* parser stack entries; deeper input stops with 54001 (the lexer caps open
 * parentheses at PR_MAX_NESTING well before this fills) */
%stack_size 2000
%start_symbol input

%include {
#include <assert.h>
#include "parser/parser_int.h"

}

%code {
size_t
pr__lemon_size(void)
{
    return sizeof(yyParser);
}
}

%syntax_error {
    pr__syntax_error(p, yyminor, yymajor == 0);
}
%stack_overflow {
    pr__stack_overflow(p);
}
%parse_failure {
    p->failed = true;
}

/* Tokens the lexer makes that the rules below may not all mention. */
%token ILLEGAL EXPR_START.

/*
 * Precedence, lowest first (PostgreSQL's table). Overrides on rules are
 * marked with a comment where they appear.
 */
/* the empty time-zone clause yields to a following WITH (WITH TIME ZONE) */
%nonassoc EMPTY_TZ.
%nonassoc WITH.
%left UNION EXCEPT.
%left INTERSECT.
%left OR.
%left AND.
%right NOT.
%nonassoc IS ISNULL NOTNULL.
%nonassoc EQ NE LT GT LE GE.
%nonassoc BETWEEN IN LIKE ILIKE SIMILAR.
%nonassoc ESCAPE.
%left OP CONCAT OPERATOR.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%left CARET.
%left AT.
%left COLLATE.
%right UMINUS.
%left LBRACKET RBRACKET.
%left TYPECAST.
%left DOT.
/* Join keywords get a high precedence only so that the join rules are
 * left-associative among themselves (as in PostgreSQL). */
%left JOIN CROSS LEFT FULL RIGHT INNER NATURAL.
/* ((select 1)): the inner parenthesised query takes the outer parentheses
 * as its own rather than becoming a scalar subquery first; same tree. */
%nonassoc RP.

/* Non-reserved keywords: usable as names where they have no meaning.
 * Keywords that may follow a FROM item or a select-list expression (where
 * a bare alias is allowed) must not be listed: DISTRIBUTED is reserved for
 * that reason (CREATE TABLE ... AS SELECT ... FROM t DISTRIBUTED BY ...). */
%fallback ID
    ABORT ADD ALTER ATTACH BEGIN BY CASCADE CHAR CHARACTER COMMIT COMMITTED CONTINUE COPY CSV
    CUBE CURRENT DATA DAY DEALLOCATE DELETE DELIMITER DETACH DOUBLE DROP ENCODING
    ESCAPE EXCLUDE EXECUTE EXISTS EXPLAIN EXTRACT FILTER FIRST FOLLOWING FORMAT GROUPING GROUPS
    HEADER HOUR IDENTITY IF INDEX INSERT INTERVAL ISOLATION KEY LAST LEVEL LOCAL MATERIALIZED
    MINUTE MONTH NAMES NEXT NO NULLS OF OTHERS OVER OVERLAY PARTITION POSITION PRECEDING
    PRECISION PREPARE QUOTE RANDOMLY RANGE READ RECURSIVE REFRESH RELEASE RENAME REPEATABLE
    REPLACE REPLICATED RESET RESTART RESTRICT ROLLBACK ROLLUP ROW ROWS SAVEPOINT SCHEMA SECOND
    SERIALIZABLE SESSION CHARACTERISTICS SET SETS SHOW START STDIN STDOUT SUBSTRING TEMP TEMPORARY TIES TIME
    TIMESTAMP TRANSACTION TRIM TRUNCATE TYPE AT UNBOUNDED UNCOMMITTED UNKNOWN UNLOGGED UPDATE
    VALUES VARYING VIEW WITHOUT WORK WRITE YEAR ZONE.

/* ================================================================== */
/* Statement lists                                                      */
/* ================================================================== */
input ::= cmdlist.
input ::= EXPR_START expr(E). { pr__set_expr_result(p, E); }

cmdlist ::= cmdlist SEMI cmd.
cmdlist ::= cmd.
cmd ::= .
cmd ::= stmt(S). { pr__add_stmt(p, S); }

stmt(A) ::= select_stmt(S). { A = pr__node(S); }
stmt(A) ::= insert_stmt(S). { A = S; }
stmt(A) ::= update_stmt(S). { A = S; }
stmt(A) ::= delete_stmt(S). { A = S; }
stmt(A) ::= truncate_stmt(S). { A = S; }
stmt(A) ::= create_stmt(S). { A = S; }
stmt(A) ::= drop_stmt(S). { A = S; }
stmt(A) ::= alter_stmt(S). { A = S; }
stmt(A) ::= copy_stmt(S). { A = S; }
stmt(A) ::= analyze_stmt(S). { A = S; }
stmt(A) ::= explain_stmt(S). { A = S; }
stmt(A) ::= utility_stmt(S). { A = S; }

/* ================================================================== */
/* Names                                                                */
/* ================================================================== */
%type id {PrToken}
id(A) ::= ID(X). { A = X; }
/* col_name keywords that start typed literals; LALR(1) tells them apart by
 * the string that must follow the literal form. */
id(A) ::= TIME(X). { A = X; }
id(A) ::= TIMESTAMP(X). { A = X; }
id(A) ::= INTERVAL(X). { A = X; }

%type qualified_name {PrRangeVar *}
qualified_name(A) ::= id(X). { A = pr__rangevar(p, NULL, NULL, &X); }
qualified_name(A) ::= id(S) DOT id(X). { A = pr__rangevar(p, NULL, &S, &X); }
qualified_name(A) ::= id(C) DOT id(S) DOT id(X). { A = pr__rangevar(p, &C, &S, &X); }

%type qualified_name_list {PrList *}
qualified_name_list(A) ::= qualified_name(X). { A = pr__list1(p, X); }
qualified_name_list(A) ::= qualified_name_list(L) COMMA qualified_name(X). { A = pr__append(p, L, X); }

%type name_list {PrList *}
name_list(A) ::= id(X). { A = pr__name_list(p, NULL, X); }
name_list(A) ::= name_list(L) COMMA id(X). { A = pr__name_list(p, L, X); }

%type opt_colnames {PrList *}
opt_colnames(A) ::= . { A = NULL; }
opt_colnames(A) ::= LP name_list(L) RP. { A = L; }

/* ================================================================== */
/* SELECT                                                               */
/* ================================================================== */
%type select_stmt {PrSelect *}
%type select_no_parens {PrSelect *}
%type select_with_parens {PrSelect *}
%type select_clause {PrSelect *}
%type simple_select {PrSelect *}

select_stmt(A) ::= select_no_parens(S). { A = S; }
select_stmt(A) ::= select_with_parens(S). { A = S; }

/* A parenthesised query is the query itself: the parentheses leave no node
 * (the printer adds them back where they are needed). */
select_with_parens(A) ::= LP select_no_parens(S) RP. { A = S; }
select_with_parens(A) ::= LP select_with_parens(S) RP. { A = S; }

select_no_parens(A) ::= simple_select(S). { A = S; }
select_no_parens(A) ::= select_clause(S) sort_clause(O).
    { A = pr__select_tail(p, NULL, S, O, NULL); }
select_no_parens(A) ::= select_clause(S) opt_sort_clause(O) select_limit(L).
    { A = pr__select_tail(p, NULL, S, O, &L); }
select_no_parens(A) ::= with_clause(W) select_clause(S).
    { A = pr__select_tail(p, W, S, NULL, NULL); }
select_no_parens(A) ::= with_clause(W) select_clause(S) sort_clause(O).
    { A = pr__select_tail(p, W, S, O, NULL); }
select_no_parens(A) ::= with_clause(W) select_clause(S) opt_sort_clause(O) select_limit(L).
    { A = pr__select_tail(p, W, S, O, &L); }

select_clause(A) ::= simple_select(S). { A = S; }
select_clause(A) ::= select_with_parens(S). { A = S; }

simple_select(A) ::= SELECT(T) opt_distinct(D) opt_target_list(L) from_clause(F) where_clause(W)
                     group_clause(G) having_clause(H) window_clause(N).
    { A = pr__select(p, T, &D, L, F, W, &G, H, N); }
simple_select(A) ::= values_clause(V). { A = V; }
simple_select(A) ::= select_clause(L) UNION(T) set_quantifier(Q) select_clause(R).
    { A = pr__setop(p, T, PR_SETOP_UNION, Q, L, R); }
simple_select(A) ::= select_clause(L) INTERSECT(T) set_quantifier(Q) select_clause(R).
    { A = pr__setop(p, T, PR_SETOP_INTERSECT, Q, L, R); }
simple_select(A) ::= select_clause(L) EXCEPT(T) set_quantifier(Q) select_clause(R).
    { A = pr__setop(p, T, PR_SETOP_EXCEPT, Q, L, R); }

%type set_quantifier {int}
set_quantifier(A) ::= . { A = 0; }
set_quantifier(A) ::= ALL. { A = 1; }
set_quantifier(A) ::= DISTINCT. { A = 0; }

%type values_clause {PrSelect *}
values_clause(A) ::= VALUES(T) LP expr_list(L) RP. { A = pr__values(p, T, NULL, L); }
values_clause(A) ::= values_clause(V) COMMA(T) LP expr_list(L) RP. { A = pr__values(p, T, V, L); }

%type opt_distinct {PrDistinctOpt}
opt_distinct(A) ::= . { A = pr__distinct_opt(false, NULL); }
opt_distinct(A) ::= ALL. { A = pr__distinct_opt(false, NULL); }
opt_distinct(A) ::= DISTINCT. { A = pr__distinct_opt(true, NULL); }
opt_distinct(A) ::= DISTINCT ON LP expr_list(L) RP. { A = pr__distinct_opt(true, L); }

%type opt_target_list {PrList *}
opt_target_list(A) ::= . { A = NULL; }
opt_target_list(A) ::= target_list(L). { A = L; }

%type target_list {PrList *}
target_list(A) ::= target_el(X). { A = pr__list1(p, X); }
target_list(A) ::= target_list(L) COMMA target_el(X). { A = pr__append(p, L, X); }

target_el(A) ::= expr(E) AS id(N). { A = pr__target(p, E, &N); }
target_el(A) ::= expr(E) ID(N). { A = pr__target(p, E, &N); }
target_el(A) ::= expr(E). { A = pr__target(p, E, NULL); }
target_el(A) ::= STAR(T). { A = pr__target(p, pr__colref_star(p, T, NULL), NULL); }

/* ---- WITH ---- */
%type with_clause {PrWithClause *}
with_clause(A) ::= WITH(T) cte_list(L). { A = pr__with(p, T, false, L); }
with_clause(A) ::= WITH(T) RECURSIVE cte_list(L). { A = pr__with(p, T, true, L); }

%type cte_list {PrList *}
cte_list(A) ::= cte(X). { A = pr__list1(p, X); }
cte_list(A) ::= cte_list(L) COMMA cte(X). { A = pr__append(p, L, X); }

cte(A) ::= id(N) opt_colnames(C) AS opt_materialized(M) LP preparable_stmt(Q) RP.
    { A = pr__cte(p, N, C, M, Q); }

%type opt_materialized {int}
opt_materialized(A) ::= . { A = PR_CTE_DEFAULT; }
opt_materialized(A) ::= MATERIALIZED. { A = PR_CTE_MATERIALIZED; }
opt_materialized(A) ::= NOT MATERIALIZED. { A = PR_CTE_NOT_MATERIALIZED; }

preparable_stmt(A) ::= select_stmt(S). { A = pr__node(S); }
preparable_stmt(A) ::= insert_stmt(S). { A = S; }
preparable_stmt(A) ::= update_stmt(S). { A = S; }
preparable_stmt(A) ::= delete_stmt(S). { A = S; }

/* ---- FROM ---- */
%type from_clause {PrList *}
from_clause(A) ::= . { A = NULL; }
from_clause(A) ::= FROM from_list(L). { A = L; }

%type from_list {PrList *}
from_list(A) ::= table_ref(X). { A = pr__list1(p, X); }
from_list(A) ::= from_list(L) COMMA table_ref(X). { A = pr__append(p, L, X); }

table_ref(A) ::= relation_expr(R) opt_alias_clause(L). { A = pr__table_alias(p, pr__node(R), L); }
table_ref(A) ::= select_with_parens(S) opt_alias_clause(L). { A = pr__range_subselect(p, false, S, L); }
table_ref(A) ::= LATERAL select_with_parens(S) opt_alias_clause(L). { A = pr__range_subselect(p, true, S, L); }
table_ref(A) ::= func_call_plain(F) opt_alias_clause(L). { A = pr__range_function(p, false, F, L); }
table_ref(A) ::= LATERAL func_call_plain(F) opt_alias_clause(L). { A = pr__range_function(p, true, F, L); }
table_ref(A) ::= joined_table(J). { A = J; }
table_ref(A) ::= LP joined_table(J) RP alias_clause(L). { A = pr__table_alias(p, J, L); }

%type relation_expr {PrRangeVar *}
relation_expr(A) ::= qualified_name(X). { A = X; }
relation_expr(A) ::= ONLY qualified_name(X). { A = pr__rangevar_only(p, X); }

joined_table(A) ::= LP joined_table(J) RP. { A = J; }
joined_table(A) ::= table_ref(L) CROSS JOIN table_ref(R).
    { A = pr__join(p, PR_JOIN_CROSS, false, L, R, NULL); }
joined_table(A) ::= table_ref(L) join_type(T) JOIN table_ref(R) join_qual(Q).
    { A = pr__join(p, T, false, L, R, Q); }
joined_table(A) ::= table_ref(L) JOIN table_ref(R) join_qual(Q).
    { A = pr__join(p, PR_JOIN_INNER, false, L, R, Q); }
joined_table(A) ::= table_ref(L) NATURAL join_type(T) JOIN table_ref(R).
    { A = pr__join(p, T, true, L, R, NULL); }
joined_table(A) ::= table_ref(L) NATURAL JOIN table_ref(R).
    { A = pr__join(p, PR_JOIN_INNER, true, L, R, NULL); }

%type join_type {PrJoinType}
join_type(A) ::= FULL opt_outer. { A = PR_JOIN_FULL; }
join_type(A) ::= LEFT opt_outer. { A = PR_JOIN_LEFT; }
join_type(A) ::= RIGHT opt_outer. { A = PR_JOIN_RIGHT; }
join_type(A) ::= INNER. { A = PR_JOIN_INNER; }

opt_outer ::= .
opt_outer ::= OUTER.

/* ON cond → the condition; USING (cols) → a JoinExpr shell carrying them. */
join_qual(A) ::= USING(T) LP name_list(L) RP. { A = pr__join_using(p, T, L); }
join_qual(A) ::= ON expr(E). { A = E; }

%type opt_alias_clause {PrAlias *}
opt_alias_clause(A) ::= . { A = NULL; }
opt_alias_clause(A) ::= alias_clause(X). { A = X; }

%type alias_clause {PrAlias *}
alias_clause(A) ::= AS id(N) opt_colnames(C). { A = pr__alias(p, N, C); }
alias_clause(A) ::= ID(N) opt_colnames(C). { A = pr__alias(p, N, C); }

/* ---- WHERE, GROUP BY, HAVING, WINDOW ---- */
where_clause(A) ::= . { A = NULL; }
where_clause(A) ::= WHERE expr(E). { A = E; }

%type group_clause {PrGroupClause}
group_clause(A) ::= . { A.list = NULL; A.distinct = false; }
group_clause(A) ::= GROUP BY group_list(L). { A.list = L; A.distinct = false; }
group_clause(A) ::= GROUP BY ALL group_list(L). { A.list = L; A.distinct = false; }
group_clause(A) ::= GROUP BY DISTINCT group_list(L). { A.list = L; A.distinct = true; }

%type group_list {PrList *}
group_list(A) ::= group_item(X). { A = pr__list1(p, X); }
group_list(A) ::= group_list(L) COMMA group_item(X). { A = pr__append(p, L, X); }

group_item(A) ::= expr(E). { A = E; }
group_item(A) ::= LP(T) RP. { A = pr__grouping(p, T, PR_GROUPING_EMPTY, NULL); }
group_item(A) ::= ROLLUP(T) LP expr_list(L) RP. { A = pr__grouping(p, T, PR_GROUPING_ROLLUP, L); }
group_item(A) ::= CUBE(T) LP expr_list(L) RP. { A = pr__grouping(p, T, PR_GROUPING_CUBE, L); }
group_item(A) ::= GROUPING(T) SETS LP group_list(L) RP. { A = pr__grouping(p, T, PR_GROUPING_SETS, L); }

having_clause(A) ::= . { A = NULL; }
having_clause(A) ::= HAVING expr(E). { A = E; }

%type window_clause {PrList *}
window_clause(A) ::= . { A = NULL; }
window_clause(A) ::= WINDOW window_def_list(L). { A = L; }

%type window_def_list {PrList *}
window_def_list(A) ::= window_def(X). { A = pr__list1(p, X); }
window_def_list(A) ::= window_def_list(L) COMMA window_def(X). { A = pr__append(p, L, X); }

window_def(A) ::= id(N) AS window_spec(W). { A = pr__window_name(p, N, W); }

%type window_spec {PrWindowDef *}
window_spec(A) ::= LP(T) opt_partition_clause(P) opt_sort_clause(O) opt_frame_clause(F) RP.
    { A = pr__window(p, T, NULL, P, O, &F); }
window_spec(A) ::= LP(T) ID(R) opt_partition_clause(P) opt_sort_clause(O) opt_frame_clause(F) RP.
    { A = pr__window(p, T, &R, P, O, &F); }

%type opt_partition_clause {PrList *}
opt_partition_clause(A) ::= . { A = NULL; }
opt_partition_clause(A) ::= PARTITION BY expr_list(L). { A = L; }

%type opt_frame_clause {PrFrameOpt}
opt_frame_clause(A) ::= . { A = pr__frame_opt(PR_FRAME_DEFAULT, NULL, NULL, PR_EXCLUDE_NONE); }
opt_frame_clause(A) ::= frame_mode(M) frame_bound(S) opt_exclude(X).
    { A = pr__frame_opt(M, S, NULL, X); }
opt_frame_clause(A) ::= frame_mode(M) BETWEEN frame_bound(S) AND frame_bound(E) opt_exclude(X).
    { A = pr__frame_opt(M, S, E, X); }

%type frame_mode {PrFrameMode}
frame_mode(A) ::= ROWS. { A = PR_FRAME_ROWS; }
frame_mode(A) ::= RANGE. { A = PR_FRAME_RANGE; }
frame_mode(A) ::= GROUPS. { A = PR_FRAME_GROUPS; }

%type frame_bound {PrFrameBound *}
frame_bound(A) ::= UNBOUNDED(T) PRECEDING. { A = pr__bound(p, T, PR_BOUND_UNBOUNDED_PRECEDING, NULL); }
frame_bound(A) ::= UNBOUNDED(T) FOLLOWING. { A = pr__bound(p, T, PR_BOUND_UNBOUNDED_FOLLOWING, NULL); }
frame_bound(A) ::= CURRENT(T) ROW. { A = pr__bound(p, T, PR_BOUND_CURRENT_ROW, NULL); }
frame_bound(A) ::= bexpr(E) PRECEDING(T). { A = pr__bound(p, T, PR_BOUND_PRECEDING, E); }
frame_bound(A) ::= bexpr(E) FOLLOWING(T). { A = pr__bound(p, T, PR_BOUND_FOLLOWING, E); }

%type opt_exclude {PrFrameExclude}
opt_exclude(A) ::= . { A = PR_EXCLUDE_NONE; }
opt_exclude(A) ::= EXCLUDE CURRENT ROW. { A = PR_EXCLUDE_CURRENT_ROW; }
opt_exclude(A) ::= EXCLUDE GROUP. { A = PR_EXCLUDE_GROUP; }
opt_exclude(A) ::= EXCLUDE TIES. { A = PR_EXCLUDE_TIES; }
opt_exclude(A) ::= EXCLUDE NO OTHERS. { A = PR_EXCLUDE_NONE; }

/* ---- ORDER BY, LIMIT ---- */
%type opt_sort_clause {PrList *}
opt_sort_clause(A) ::= . { A = NULL; }
opt_sort_clause(A) ::= sort_clause(L). { A = L; }

%type sort_clause {PrList *}
sort_clause(A) ::= ORDER BY sortby_list(L). { A = L; }

%type sortby_list {PrList *}
sortby_list(A) ::= sortby(X). { A = pr__list1(p, X); }
sortby_list(A) ::= sortby_list(L) COMMA sortby(X). { A = pr__append(p, L, X); }

sortby(A) ::= expr(E) opt_asc_desc(D) opt_nulls(N). { A = pr__sortby(p, E, D, N); }

%type opt_asc_desc {PrSortDir}
opt_asc_desc(A) ::= . { A = PR_SORT_DEFAULT; }
opt_asc_desc(A) ::= ASC. { A = PR_SORT_ASC; }
opt_asc_desc(A) ::= DESC. { A = PR_SORT_DESC; }

%type opt_nulls {PrNullsOrder}
opt_nulls(A) ::= . { A = PR_NULLS_DEFAULT; }
opt_nulls(A) ::= NULLS FIRST. { A = PR_NULLS_FIRST; }
opt_nulls(A) ::= NULLS LAST. { A = PR_NULLS_LAST; }

%type select_limit {PrLimitOpt}
select_limit(A) ::= limit_clause(L). { A = L; }
select_limit(A) ::= offset_clause(O). { A = pr__limit_opt(NULL, O, false, false); }
select_limit(A) ::= limit_clause(L) offset_clause(O). { A = pr__limit_offset(L, O); }
select_limit(A) ::= offset_clause(O) limit_clause(L). { A = pr__limit_offset(L, O); }

%type limit_clause {PrLimitOpt}
limit_clause(A) ::= LIMIT expr(E). { A = pr__limit_opt(E, NULL, false, false); }
limit_clause(A) ::= LIMIT ALL. { A = pr__limit_opt(NULL, NULL, false, false); }
limit_clause(A) ::= FETCH first_or_next(T) row_or_rows ONLY. { A = pr__fetch_opt(p, T, NULL, false); }
limit_clause(A) ::= FETCH first_or_next row_or_rows WITH(T) TIES. { A = pr__fetch_opt(p, T, NULL, true); }
limit_clause(A) ::= FETCH first_or_next bexpr(E) row_or_rows ONLY. { A = pr__fetch_opt(p, p->none, E, false); }
limit_clause(A) ::= FETCH first_or_next bexpr(E) row_or_rows WITH TIES. { A = pr__fetch_opt(p, p->none, E, true); }

offset_clause(A) ::= OFFSET bexpr(E). { A = E; }
offset_clause(A) ::= OFFSET bexpr(E) row_or_rows. { A = E; }

%type first_or_next {PrToken}
first_or_next(A) ::= FIRST(T). { A = T; }
first_or_next(A) ::= NEXT(T). { A = T; }
row_or_rows ::= ROW.
row_or_rows ::= ROWS.

/* ================================================================== */
/* Expressions                                                          */
/* ================================================================== */
%type expr_list {PrList *}
expr_list(A) ::= expr(X). { A = pr__list1(p, X); }
expr_list(A) ::= expr_list(L) COMMA expr(X). { A = pr__append(p, L, X); }

expr(A) ::= primary(X). { A = X; }
expr(A) ::= expr(L) OR(T) expr(R). { A = pr__binop(p, T, PR_OP_OR, L, R); }
expr(A) ::= expr(L) AND(T) expr(R). { A = pr__binop(p, T, PR_OP_AND, L, R); }
expr(A) ::= NOT(T) expr(X). { A = pr__unop(p, T, PR_UOP_NOT, X); }
expr(A) ::= expr(L) EQ(T) expr(R). { A = pr__binop(p, T, PR_OP_EQ, L, R); }
expr(A) ::= expr(L) NE(T) expr(R). { A = pr__binop(p, T, PR_OP_NE, L, R); }
expr(A) ::= expr(L) LT(T) expr(R). { A = pr__binop(p, T, PR_OP_LT, L, R); }
expr(A) ::= expr(L) LE(T) expr(R). { A = pr__binop(p, T, PR_OP_LE, L, R); }
expr(A) ::= expr(L) GT(T) expr(R). { A = pr__binop(p, T, PR_OP_GT, L, R); }
expr(A) ::= expr(L) GE(T) expr(R). { A = pr__binop(p, T, PR_OP_GE, L, R); }
expr(A) ::= expr(L) PLUS(T) expr(R). { A = pr__binop(p, T, PR_OP_ADD, L, R); }
expr(A) ::= expr(L) MINUS(T) expr(R). { A = pr__binop(p, T, PR_OP_SUB, L, R); }
expr(A) ::= expr(L) STAR(T) expr(R). { A = pr__binop(p, T, PR_OP_MUL, L, R); }
expr(A) ::= expr(L) SLASH(T) expr(R). { A = pr__binop(p, T, PR_OP_DIV, L, R); }
expr(A) ::= expr(L) PERCENT(T) expr(R). { A = pr__binop(p, T, PR_OP_MOD, L, R); }
expr(A) ::= expr(L) CARET(T) expr(R). { A = pr__binop(p, T, PR_OP_POW, L, R); }
expr(A) ::= expr(L) CONCAT(T) expr(R). { A = pr__binop(p, T, PR_OP_CONCAT, L, R); }
expr(A) ::= expr(L) OP(T) expr(R). { A = pr__binop(p, T, PR_OP_OTHER, L, R); }
/* prefix operators bind tighter than any infix one */
expr(A) ::= MINUS(T) expr(X). [UMINUS] { A = pr__unop(p, T, PR_UOP_MINUS, X); }
expr(A) ::= PLUS(T) expr(X). [UMINUS] { A = pr__unop(p, T, PR_UOP_PLUS, X); }
expr(A) ::= OP(T) expr(X). [UMINUS] { A = pr__unop_op(p, T, X); }
expr(A) ::= expr(X) TYPECAST(T) typename(Y). { A = pr__cast(p, T, X, Y, true); }
expr(A) ::= expr(X) AT(T) TIME ZONE expr(Z). [AT] { A = pr__at_time_zone(p, T, X, Z); }
/* collations are accepted and dropped: Kestrel compares bytes */
expr(A) ::= expr(X) COLLATE any_name. { A = pr__collate(p, X); }
/* OPERATOR(schema.op): the schema is dropped, the operator kept */
expr(A) ::= expr(L) OPERATOR LP any_operator(O) RP expr(R). [OP] { A = pr__binop_named(p, O, L, R); }
expr(A) ::= OPERATOR LP any_operator(O) RP expr(X). [UMINUS] { A = pr__unop_op(p, O, X); }

any_name ::= id.
any_name ::= id DOT id.
any_name ::= id DOT DEFAULT.

%type any_operator {PrToken}
any_operator(A) ::= op_token(O). { A = O; }
any_operator(A) ::= id DOT op_token(O). { A = O; }

%type op_token {PrToken}
op_token(A) ::= OP(T). { A = T; }
op_token(A) ::= PLUS(T). { A = T; }
op_token(A) ::= MINUS(T). { A = T; }
op_token(A) ::= STAR(T). { A = T; }
op_token(A) ::= SLASH(T). { A = T; }
op_token(A) ::= PERCENT(T). { A = T; }
op_token(A) ::= CARET(T). { A = T; }
op_token(A) ::= CONCAT(T). { A = T; }
op_token(A) ::= EQ(T). { A = T; }
op_token(A) ::= NE(T). { A = T; }
op_token(A) ::= LT(T). { A = T; }
op_token(A) ::= LE(T). { A = T; }
op_token(A) ::= GT(T). { A = T; }
op_token(A) ::= GE(T). { A = T; }

expr(A) ::= expr(X) IS(T) NULL. { A = pr__is(p, T, X, PR_IS_NULL, false); }
expr(A) ::= expr(X) IS(T) NOT NULL. { A = pr__is(p, T, X, PR_IS_NULL, true); }
expr(A) ::= expr(X) ISNULL(T). { A = pr__is(p, T, X, PR_IS_NULL, false); }
expr(A) ::= expr(X) NOTNULL(T). { A = pr__is(p, T, X, PR_IS_NULL, true); }
expr(A) ::= expr(X) IS(T) TRUE. { A = pr__is(p, T, X, PR_IS_TRUE, false); }
expr(A) ::= expr(X) IS(T) NOT TRUE. { A = pr__is(p, T, X, PR_IS_TRUE, true); }
expr(A) ::= expr(X) IS(T) FALSE. { A = pr__is(p, T, X, PR_IS_FALSE, false); }
expr(A) ::= expr(X) IS(T) NOT FALSE. { A = pr__is(p, T, X, PR_IS_FALSE, true); }
expr(A) ::= expr(X) IS(T) UNKNOWN. { A = pr__is(p, T, X, PR_IS_UNKNOWN, false); }
expr(A) ::= expr(X) IS(T) NOT UNKNOWN. { A = pr__is(p, T, X, PR_IS_UNKNOWN, true); }
expr(A) ::= expr(L) IS(T) DISTINCT FROM expr(R). [IS] { A = pr__binop(p, T, PR_OP_IS_DISTINCT, L, R); }
expr(A) ::= expr(L) IS(T) NOT DISTINCT FROM expr(R). [IS] { A = pr__binop(p, T, PR_OP_IS_NOT_DISTINCT, L, R); }

/* BETWEEN's AND is resolved against the boolean AND by the rule's higher
 * precedence, as in SQLite's grammar. */
expr(A) ::= expr(X) BETWEEN(T) opt_symmetric(S) expr(L) AND expr(H). [BETWEEN]
    { A = pr__between(p, T, X, L, H, false, S); }
expr(A) ::= expr(X) NOT BETWEEN(T) opt_symmetric(S) expr(L) AND expr(H). [BETWEEN]
    { A = pr__between(p, T, X, L, H, true, S); }

%type opt_symmetric {bool}
opt_symmetric(A) ::= . { A = false; }
opt_symmetric(A) ::= SYMMETRIC. { A = true; }
opt_symmetric(A) ::= ASYMMETRIC. { A = false; }

expr(A) ::= expr(X) IN(T) LP expr_list(L) RP. { A = pr__in_list(p, T, X, L, false); }
expr(A) ::= expr(X) NOT IN(T) LP expr_list(L) RP. [IN] { A = pr__in_list(p, T, X, L, true); }
expr(A) ::= expr(X) IN(T) select_with_parens(S). { A = pr__in_sub(p, T, X, S, false); }
expr(A) ::= expr(X) NOT IN(T) select_with_parens(S). [IN] { A = pr__in_sub(p, T, X, S, true); }

expr(A) ::= expr(X) LIKE(T) expr(Y). { A = pr__like(p, T, X, Y, NULL, false, false); }
expr(A) ::= expr(X) LIKE(T) expr(Y) ESCAPE expr(E). [ESCAPE] { A = pr__like(p, T, X, Y, E, false, false); }
expr(A) ::= expr(X) NOT LIKE(T) expr(Y). [LIKE] { A = pr__like(p, T, X, Y, NULL, true, false); }
expr(A) ::= expr(X) NOT LIKE(T) expr(Y) ESCAPE expr(E). [ESCAPE] { A = pr__like(p, T, X, Y, E, true, false); }
expr(A) ::= expr(X) ILIKE(T) expr(Y). { A = pr__like(p, T, X, Y, NULL, false, true); }
expr(A) ::= expr(X) ILIKE(T) expr(Y) ESCAPE expr(E). [ESCAPE] { A = pr__like(p, T, X, Y, E, false, true); }
expr(A) ::= expr(X) NOT ILIKE(T) expr(Y). [ILIKE] { A = pr__like(p, T, X, Y, NULL, true, true); }
expr(A) ::= expr(X) NOT ILIKE(T) expr(Y) ESCAPE expr(E). [ESCAPE] { A = pr__like(p, T, X, Y, E, true, true); }

/* x op ANY|SOME|ALL (subquery): the rule takes the comparison's precedence */
expr(A) ::= expr(X) subquery_op(O) sub_type(K) select_with_parens(S). [EQ]
    { A = pr__quantified(p, O, K, X, S); }

expr(A) ::= expr(X) subquery_op(O) sub_type(K) LP expr(Y) RP. [EQ]
    { A = pr__array_op(p, O, K, X, Y); }

%type subquery_op {PrToken}
subquery_op(A) ::= EQ(T). { A = T; }
subquery_op(A) ::= NE(T). { A = T; }
subquery_op(A) ::= LT(T). { A = T; }
subquery_op(A) ::= LE(T). { A = T; }
subquery_op(A) ::= GT(T). { A = T; }
subquery_op(A) ::= GE(T). { A = T; }

%type sub_type {PrSubLinkKind}
sub_type(A) ::= ANY. { A = PR_SUBLINK_ANY; }
sub_type(A) ::= SOME. { A = PR_SUBLINK_ANY; }
sub_type(A) ::= ALL. { A = PR_SUBLINK_ALL; }

/* ---- bexpr: expressions without boolean, comparison or IS operators ---- */
bexpr(A) ::= primary(X). { A = X; }
bexpr(A) ::= bexpr(L) PLUS(T) bexpr(R). { A = pr__binop(p, T, PR_OP_ADD, L, R); }
bexpr(A) ::= bexpr(L) MINUS(T) bexpr(R). { A = pr__binop(p, T, PR_OP_SUB, L, R); }
bexpr(A) ::= bexpr(L) STAR(T) bexpr(R). { A = pr__binop(p, T, PR_OP_MUL, L, R); }
bexpr(A) ::= bexpr(L) SLASH(T) bexpr(R). { A = pr__binop(p, T, PR_OP_DIV, L, R); }
bexpr(A) ::= bexpr(L) PERCENT(T) bexpr(R). { A = pr__binop(p, T, PR_OP_MOD, L, R); }
bexpr(A) ::= bexpr(L) CARET(T) bexpr(R). { A = pr__binop(p, T, PR_OP_POW, L, R); }
bexpr(A) ::= bexpr(L) CONCAT(T) bexpr(R). { A = pr__binop(p, T, PR_OP_CONCAT, L, R); }
bexpr(A) ::= bexpr(L) OP(T) bexpr(R). { A = pr__binop(p, T, PR_OP_OTHER, L, R); }
/* prefix operators bind tighter than any infix one */
bexpr(A) ::= MINUS(T) bexpr(X). [UMINUS] { A = pr__unop(p, T, PR_UOP_MINUS, X); }
bexpr(A) ::= PLUS(T) bexpr(X). [UMINUS] { A = pr__unop(p, T, PR_UOP_PLUS, X); }
bexpr(A) ::= bexpr(X) TYPECAST(T) typename(Y). { A = pr__cast(p, T, X, Y, true); }

/* ---- primary expressions ---- */
primary(A) ::= columnref(X). { A = X; }
primary(A) ::= literal(X). { A = X; }
primary(A) ::= PARAM(T). { A = pr__param(p, T); }
primary(A) ::= LP expr(E) RP. { A = E; }
primary(A) ::= LP(T) expr(E) COMMA expr_list(L) RP. { A = pr__row(p, T, false, pr__prepend(p, E, L)); }
primary(A) ::= ROW(T) LP expr_list(L) RP. { A = pr__row(p, T, true, L); }
primary(A) ::= ROW(T) LP RP. { A = pr__row(p, T, true, NULL); }
primary(A) ::= select_with_parens(S). [UMINUS]
    { A = pr__sublink(p, pr__node_pos(S), PR_SUBLINK_SCALAR, S); }
primary(A) ::= EXISTS(T) select_with_parens(S). { A = pr__sublink(p, T.pos, PR_SUBLINK_EXISTS, S); }
primary(A) ::= case_expr(X). { A = X; }
primary(A) ::= CAST(T) LP expr(E) AS typename(Y) RP. { A = pr__cast(p, T, E, Y, false); }
primary(A) ::= func_call(F). { A = F; }
primary(A) ::= DEFAULT(T). { A = pr__default(p, T); }
primary(A) ::= primary(X) LBRACKET(T) expr(I) RBRACKET. { A = pr__subscript(p, T, X, I); }
primary(A) ::= ARRAY(T) LBRACKET RBRACKET. { A = pr__array(p, T, NULL); }
primary(A) ::= ARRAY(T) LBRACKET expr_list(L) RBRACKET. { A = pr__array(p, T, L); }
primary(A) ::= ARRAY(T) LBRACKET array_list(L) RBRACKET. { A = pr__array(p, T, L); }
primary(A) ::= ARRAY(T) select_with_parens(S). { A = pr__sublink(p, T.pos, PR_SUBLINK_ARRAY, S); }

%type array_list {PrList *}
array_list(A) ::= array_inner(X). { A = pr__list1(p, X); }
array_list(A) ::= array_list(L) COMMA array_inner(X). { A = pr__append(p, L, X); }
array_inner(A) ::= LBRACKET(T) expr_list(L) RBRACKET. { A = pr__array(p, T, L); }
array_inner(A) ::= LBRACKET(T) array_list(L) RBRACKET. { A = pr__array(p, T, L); }

columnref(A) ::= id(X). { A = pr__colref(p, X, NULL); }
columnref(A) ::= id(X) indirection(L). { A = pr__colref(p, X, L); }
columnref(A) ::= id(X) DOT STAR. { A = pr__colref_star(p, X, pr__list_empty(p)); }
columnref(A) ::= id(X) indirection(L) DOT STAR. { A = pr__colref_star(p, X, L); }

%type indirection {PrList *}
indirection(A) ::= DOT id(X). { A = pr__name_list(p, NULL, X); }
indirection(A) ::= indirection(L) DOT id(X). { A = pr__name_list(p, L, X); }

literal(A) ::= INTEGER(T). { A = pr__lit(p, T, PR_LIT_INTEGER); }
literal(A) ::= NUMBER(T). { A = pr__lit(p, T, PR_LIT_NUMERIC); }
literal(A) ::= STRING(T). { A = pr__lit(p, T, PR_LIT_STRING); }
literal(A) ::= TRUE(T). { A = pr__lit(p, T, PR_LIT_BOOL); }
literal(A) ::= FALSE(T). { A = pr__lit(p, T, PR_LIT_BOOL); }
literal(A) ::= NULL(T). { A = pr__lit(p, T, PR_LIT_NULL); }
/* typed literals: date '...', timestamp '...', interval '...' [fields] */
literal(A) ::= ID(T) STRING(S). { A = pr__lit_typed(p, pr__typename(p, T, NULL, NULL), S, PR_IVF_NONE, -1); }
literal(A) ::= TIMESTAMP(T) STRING(S). { A = pr__lit_typed(p, pr__typename(p, T, NULL, NULL), S, PR_IVF_NONE, -1); }
literal(A) ::= TIME(T) STRING(S). { A = pr__lit_typed(p, pr__typename(p, T, NULL, NULL), S, PR_IVF_NONE, -1); }
literal(A) ::= INTERVAL(T) STRING(S) opt_interval(F).
    { A = pr__lit_typed(p, pr__typename(p, T, NULL, NULL), S, F, -1); }
literal(A) ::= INTERVAL(T) STRING(S) SECOND LP INTEGER(N) RP.
    { A = pr__lit_typed(p, pr__typename(p, T, NULL, NULL), S, PR_IVF_SECOND, pr__int(p, N)); }

%type opt_interval {PrIntervalFields}
opt_interval(A) ::= . { A = PR_IVF_NONE; }
opt_interval(A) ::= interval_fields(F). { A = F; }

%type interval_fields {PrIntervalFields}
interval_fields(A) ::= YEAR. { A = PR_IVF_YEAR; }
interval_fields(A) ::= MONTH. { A = PR_IVF_MONTH; }
interval_fields(A) ::= DAY. { A = PR_IVF_DAY; }
interval_fields(A) ::= HOUR. { A = PR_IVF_HOUR; }
interval_fields(A) ::= MINUTE. { A = PR_IVF_MINUTE; }
interval_fields(A) ::= SECOND. { A = PR_IVF_SECOND; }
interval_fields(A) ::= YEAR TO MONTH. { A = PR_IVF_YEAR_TO_MONTH; }
interval_fields(A) ::= DAY TO HOUR. { A = PR_IVF_DAY_TO_HOUR; }
interval_fields(A) ::= DAY TO MINUTE. { A = PR_IVF_DAY_TO_MINUTE; }
interval_fields(A) ::= DAY TO SECOND. { A = PR_IVF_DAY_TO_SECOND; }
interval_fields(A) ::= HOUR TO MINUTE. { A = PR_IVF_HOUR_TO_MINUTE; }
interval_fields(A) ::= HOUR TO SECOND. { A = PR_IVF_HOUR_TO_SECOND; }
interval_fields(A) ::= MINUTE TO SECOND. { A = PR_IVF_MINUTE_TO_SECOND; }

case_expr(A) ::= CASE(T) case_arg(X) when_list(W) case_else(E) END. { A = pr__case(p, T, X, W, E); }
case_arg(A) ::= . { A = NULL; }
case_arg(A) ::= expr(X). { A = X; }
%type when_list {PrList *}
when_list(A) ::= when_clause(X). { A = pr__list1(p, X); }
when_list(A) ::= when_list(L) when_clause(X). { A = pr__append(p, L, X); }
when_clause(A) ::= WHEN(T) expr(C) THEN expr(R). { A = pr__when(p, T, C, R); }
case_else(A) ::= . { A = NULL; }
case_else(A) ::= ELSE expr(X). { A = X; }

/* ---- function calls ---- */
%type func_call_plain {PrFuncCall *}
%type func_name {PrList *}
func_name(A) ::= id(X). { A = pr__name_list(p, NULL, X); }
func_name(A) ::= id(S) DOT id(X). { A = pr__name_list(p, pr__name_list(p, NULL, S), X); }
func_name(A) ::= LEFT(X). { A = pr__name_list(p, NULL, X); }
func_name(A) ::= RIGHT(X). { A = pr__name_list(p, NULL, X); }
func_name(A) ::= CURRENT_SCHEMA(X). { A = pr__name_list(p, NULL, X); }

func_call_plain(A) ::= func_name(N) LP RP. { A = pr__func(p, N, NULL, false, false, NULL); }
func_call_plain(A) ::= func_name(N) LP func_args(L) opt_sort_clause(O) RP.
    { A = pr__func(p, N, L, false, false, O); }
func_call_plain(A) ::= func_name(N) LP ALL func_args(L) opt_sort_clause(O) RP.
    { A = pr__func(p, N, L, false, false, O); }
func_call_plain(A) ::= func_name(N) LP DISTINCT func_args(L) opt_sort_clause(O) RP.
    { A = pr__func(p, N, L, true, false, O); }
func_call_plain(A) ::= func_name(N) LP STAR RP. { A = pr__func(p, N, NULL, false, true, NULL); }

%type func_args {PrList *}
func_args(A) ::= expr_list(L). { A = L; }

func_call(A) ::= func_call_plain(F) filter_clause(W) over_clause(O). { A = pr__func_tail(p, F, W, O); }
func_call(A) ::= func_special(F). { A = F; }

filter_clause(A) ::= . { A = NULL; }
filter_clause(A) ::= FILTER LP WHERE expr(E) RP. { A = E; }

%type over_clause {PrWindowDef *}
over_clause(A) ::= . { A = NULL; }
over_clause(A) ::= OVER window_spec(W). { A = W; }
over_clause(A) ::= OVER ID(N). { A = pr__window_ref(p, N); }

func_special(A) ::= EXTRACT(T) LP id(F) FROM expr(E) RP. { A = pr__extract(p, T, F, E); }
func_special(A) ::= EXTRACT(T) LP STRING(F) FROM expr(E) RP. { A = pr__extract(p, T, F, E); }
func_special(A) ::= SUBSTRING(T) LP expr(X) FROM expr(F) RP.
    { A = pr__special(p, T, PR_FUNC_SUBSTRING, X, F, NULL, NULL); }
func_special(A) ::= SUBSTRING(T) LP expr(X) FROM expr(F) FOR expr(N) RP.
    { A = pr__special(p, T, PR_FUNC_SUBSTRING, X, F, N, NULL); }
func_special(A) ::= SUBSTRING(T) LP expr(X) FOR expr(N) RP.
    { A = pr__special(p, T, PR_FUNC_SUBSTRING, X, pr__lit_one(p, T), N, NULL); }
func_special(A) ::= SUBSTRING(T) LP func_args(L) RP. { A = pr__func_kw(p, T, L); }
func_special(A) ::= POSITION(T) LP bexpr(X) IN bexpr(Y) RP.
    { A = pr__special(p, T, PR_FUNC_POSITION, X, Y, NULL, NULL); }
func_special(A) ::= TRIM(T) LP trim_where(W) expr(C) FROM expr(X) RP.
    { A = pr__trim(p, T, W, X, C); }
func_special(A) ::= TRIM(T) LP trim_where(W) FROM expr(X) RP. { A = pr__trim(p, T, W, X, NULL); }
func_special(A) ::= TRIM(T) LP expr(C) FROM expr(X) RP. { A = pr__trim(p, T, 0, X, C); }
func_special(A) ::= TRIM(T) LP FROM expr(X) RP. { A = pr__trim(p, T, 0, X, NULL); }
func_special(A) ::= TRIM(T) LP func_args(L) RP. { A = pr__func_kw(p, T, L); }
func_special(A) ::= OVERLAY(T) LP expr(X) PLACING expr(Y) FROM expr(F) RP.
    { A = pr__special(p, T, PR_FUNC_OVERLAY, X, Y, F, NULL); }
func_special(A) ::= OVERLAY(T) LP expr(X) PLACING expr(Y) FROM expr(F) FOR expr(N) RP.
    { A = pr__special(p, T, PR_FUNC_OVERLAY, X, Y, F, N); }
func_special(A) ::= CURRENT_DATE(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= CURRENT_TIMESTAMP(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= CURRENT_TIME(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= LOCALTIMESTAMP(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= LOCALTIME(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= CURRENT_USER(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= SESSION_USER(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= USER(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= CURRENT_SCHEMA(T). { A = pr__sqlvalue(p, T); }
func_special(A) ::= CURRENT_CATALOG(T). { A = pr__sqlvalue(p, T); }

%type trim_where {int}
trim_where(A) ::= BOTH. { A = 0; }
trim_where(A) ::= LEADING. { A = 1; }
trim_where(A) ::= TRAILING. { A = 2; }

/* ================================================================== */
/* Types                                                                */
/* ================================================================== */
%type typename {PrTypeName *}
%type simple_typename {PrTypeName *}
typename(A) ::= simple_typename(T). { A = T; }
typename(A) ::= typename(T) LBRACKET RBRACKET. { A = pr__type_array(p, T); }
typename(A) ::= typename(T) LBRACKET INTEGER RBRACKET. { A = pr__type_array(p, T); }

simple_typename(A) ::= ID(N) opt_typmods(M). { A = pr__typename(p, N, NULL, &M); }
simple_typename(A) ::= ID(S) DOT ID(N) opt_typmods(M). { A = pr__typename(p, N, &S, &M); }
simple_typename(A) ::= DOUBLE(T) PRECISION. { A = pr__typename_std(p, T, "double precision", NULL); }
simple_typename(A) ::= character(T) opt_typmods(M). { A = pr__typename_std(p, T, "character", &M); }
simple_typename(A) ::= character(T) VARYING opt_typmods(M).
    { A = pr__typename_std(p, T, "character varying", &M); }
simple_typename(A) ::= TIMESTAMP(T) opt_typmods(M) opt_timezone(Z).
    { A = pr__typename_std(p, T, Z ? "timestamp with time zone" : "timestamp", &M); }
simple_typename(A) ::= TIME(T) opt_typmods(M) opt_timezone(Z).
    { A = pr__typename_std(p, T, Z ? "time with time zone" : "time", &M); }
simple_typename(A) ::= INTERVAL(T) opt_interval(F). { A = pr__typename_interval(p, T, F); }

%type character {PrToken}
character(A) ::= CHARACTER(T). { A = T; }
character(A) ::= CHAR(T). { A = T; }

%type opt_timezone {bool}
opt_timezone(A) ::= . [EMPTY_TZ] { A = false; }
opt_timezone(A) ::= WITH TIME ZONE. { A = true; }
opt_timezone(A) ::= WITHOUT TIME ZONE. { A = false; }

%type opt_typmods {PrTypmods}
opt_typmods(A) ::= . { A = pr__typmods0(); }
opt_typmods(A) ::= LP INTEGER(X) RP. { A = pr__typmods(p, X, NULL); }
opt_typmods(A) ::= LP INTEGER(X) COMMA INTEGER(Y) RP. { A = pr__typmods(p, X, &Y); }

%type type_list {PrList *}
type_list(A) ::= typename(X). { A = pr__list1(p, X); }
type_list(A) ::= type_list(L) COMMA typename(X). { A = pr__append(p, L, X); }

/* ================================================================== */
/* DML                                                                  */
/* ================================================================== */
insert_stmt(A) ::= opt_with(W) INSERT(T) INTO insert_target(R) select_stmt(S) returning(X).
    { A = pr__insert(p, T, W, R, NULL, S, X); }
insert_stmt(A) ::= opt_with(W) INSERT(T) INTO insert_target(R) LP name_list(C) RP select_stmt(S) returning(X).
    { A = pr__insert(p, T, W, R, C, S, X); }
insert_stmt(A) ::= opt_with(W) INSERT(T) INTO insert_target(R) DEFAULT VALUES returning(X).
    { A = pr__insert(p, T, W, R, NULL, NULL, X); }

%type opt_with {PrWithClause *}
opt_with(A) ::= . { A = NULL; }
opt_with(A) ::= with_clause(W). { A = W; }

%type insert_target {PrRangeVar *}
insert_target(A) ::= qualified_name(R). { A = R; }
insert_target(A) ::= qualified_name(R) AS id(N). { A = pr__rangevar_alias(p, R, pr__alias(p, N, NULL)); }

%type returning {PrList *}
returning(A) ::= . { A = NULL; }
returning(A) ::= RETURNING target_list(L). { A = L; }

update_stmt(A) ::= opt_with(W) UPDATE(T) relation_alias(R) SET set_list(L) from_clause(F)
                   where_clause(X) returning(Y).
    { A = pr__update(p, T, W, R, L, F, X, Y); }

%type relation_alias {PrRangeVar *}
relation_alias(A) ::= relation_expr(R). { A = R; }
relation_alias(A) ::= relation_expr(R) AS id(N). { A = pr__rangevar_alias(p, R, pr__alias(p, N, NULL)); }
relation_alias(A) ::= relation_expr(R) ID(N). { A = pr__rangevar_alias(p, R, pr__alias(p, N, NULL)); }

%type set_list {PrList *}
set_list(A) ::= set_clause(X). { A = pr__list1(p, X); }
set_list(A) ::= set_list(L) COMMA set_clause(X). { A = pr__append(p, L, X); }
set_clause(A) ::= id(N) EQ expr(E). { A = pr__set_clause(p, N, E); }

delete_stmt(A) ::= opt_with(W) DELETE(T) FROM relation_alias(R) using_clause(U) where_clause(X)
                   returning(Y).
    { A = pr__delete(p, T, W, R, U, X, Y); }

%type using_clause {PrList *}
using_clause(A) ::= . { A = NULL; }
using_clause(A) ::= USING from_list(L). { A = L; }

truncate_stmt(A) ::= TRUNCATE(T) opt_table qualified_name_list(L) opt_restart(R) opt_drop_behavior(C).
    { A = pr__truncate(p, T, L, R, C); }
opt_table ::= .
opt_table ::= TABLE.
%type opt_restart {bool}
opt_restart(A) ::= . { A = false; }
opt_restart(A) ::= RESTART IDENTITY. { A = true; }
opt_restart(A) ::= CONTINUE IDENTITY. { A = false; }

%type opt_drop_behavior {bool}
opt_drop_behavior(A) ::= . { A = false; }
opt_drop_behavior(A) ::= CASCADE. { A = true; }
opt_drop_behavior(A) ::= RESTRICT. { A = false; }

/* ================================================================== */
/* DDL                                                                  */
/* ================================================================== */
%type opt_temp {int}
opt_temp(A) ::= . { A = 0; }
opt_temp(A) ::= TEMP. { A = 1; }
opt_temp(A) ::= TEMPORARY. { A = 1; }
opt_temp(A) ::= UNLOGGED. { A = 2; }

%type opt_if_not_exists {bool}
opt_if_not_exists(A) ::= . { A = false; }
opt_if_not_exists(A) ::= IF NOT EXISTS. { A = true; }

%type opt_if_exists {bool}
opt_if_exists(A) ::= . { A = false; }
opt_if_exists(A) ::= IF EXISTS. { A = true; }

create_stmt(A) ::= CREATE(T) opt_temp(M) TABLE opt_if_not_exists(E) qualified_name(N)
                   LP table_elements(L) RP opt_partition_by(P) opt_with_options(O) opt_distributed(D).
    { A = pr__create_table(p, T, M, E, N, L, NULL, NULL, P, O, &D); }
create_stmt(A) ::= CREATE(T) opt_temp(M) TABLE opt_if_not_exists(E) qualified_name(N)
                   LP RP opt_partition_by(P) opt_with_options(O) opt_distributed(D).
    { A = pr__create_table(p, T, M, E, N, NULL, NULL, NULL, P, O, &D); }
create_stmt(A) ::= CREATE(T) opt_temp(M) TABLE opt_if_not_exists(E) qualified_name(N)
                   PARTITION OF qualified_name(R) opt_part_elements(L) partition_bound(B)
                   opt_partition_by(P) opt_with_options(O) opt_distributed(D).
    { A = pr__create_table(p, T, M, E, N, L, R, B, P, O, &D); }
create_stmt(A) ::= CREATE(T) opt_temp(M) TABLE opt_if_not_exists(E) qualified_name(N)
                   opt_colnames(C) AS select_stmt(S) opt_with_data(W) opt_distributed(D).
    { A = pr__create_table_as(p, T, M, E, N, C, S, W, &D); }
create_stmt(A) ::= CREATE(T) opt_or_replace(R) VIEW qualified_name(N) opt_colnames(C) AS select_stmt(S).
    { A = pr__create_view(p, T, R, false, false, N, C, S, false); }
create_stmt(A) ::= CREATE(T) MATERIALIZED VIEW opt_if_not_exists(E) qualified_name(N) opt_colnames(C)
                   AS select_stmt(S) opt_with_data(W).
    { A = pr__create_view(p, T, false, true, E, N, C, S, W); }
create_stmt(A) ::= REFRESH(T) MATERIALIZED VIEW opt_concurrently(C) qualified_name(N) opt_with_data(W).
    { A = pr__refresh(p, T, C, N, W); }
create_stmt(A) ::= CREATE(T) opt_unique(U) INDEX opt_if_not_exists(E) opt_index_name(I) ON
                   qualified_name(N) opt_using LP index_elems(L) RP.
    { A = pr__create_index(p, T, U, E, I, N, L); }
create_stmt(A) ::= CREATE(T) SCHEMA opt_if_not_exists(E) id(N). { A = pr__create_schema(p, T, E, N); }

%type opt_or_replace {bool}
opt_or_replace(A) ::= . { A = false; }
opt_or_replace(A) ::= OR REPLACE. { A = true; }

%type opt_concurrently {bool}
opt_concurrently(A) ::= . { A = false; }
opt_concurrently(A) ::= CONCURRENTLY. { A = true; }

/* 0: not given, 1: WITH DATA, 2: WITH NO DATA */
%type opt_with_data {int}
opt_with_data(A) ::= . { A = 0; }
opt_with_data(A) ::= WITH DATA. { A = 1; }
opt_with_data(A) ::= WITH NO DATA. { A = 2; }

%type opt_unique {bool}
opt_unique(A) ::= . { A = false; }
opt_unique(A) ::= UNIQUE. { A = true; }

%type opt_index_name {PrToken}
opt_index_name(A) ::= . { A = p->none; }
opt_index_name(A) ::= id(N). { A = N; }

opt_using ::= .
opt_using ::= USING id.

%type index_elems {PrList *}
index_elems(A) ::= sortby(X). { A = pr__list1(p, X); }
index_elems(A) ::= index_elems(L) COMMA sortby(X). { A = pr__append(p, L, X); }

%type table_elements {PrList *}
table_elements(A) ::= table_element(X). { A = pr__list1(p, X); }
table_elements(A) ::= table_elements(L) COMMA table_element(X). { A = pr__append(p, L, X); }

%type opt_part_elements {PrList *}
opt_part_elements(A) ::= . { A = NULL; }
opt_part_elements(A) ::= LP table_elements(L) RP. { A = L; }

table_element(A) ::= id(N) typename(T) col_constraints(C). { A = pr__coldef(p, N, T, C); }
table_element(A) ::= table_constraint(C). { A = C; }

%type col_constraints {PrList *}
col_constraints(A) ::= . { A = NULL; }
col_constraints(A) ::= col_constraints(L) col_constraint(X). { A = pr__append(p, L, X); }

col_constraint(A) ::= CONSTRAINT id(N) col_constraint_elem(C). { A = pr__constraint_name(p, N, C); }
col_constraint(A) ::= col_constraint_elem(C). { A = C; }

col_constraint_elem(A) ::= NOT(T) NULL. { A = pr__constraint(p, T, PR_CONSTR_NOT_NULL, NULL, NULL, NULL, NULL); }
col_constraint_elem(A) ::= NULL(T). { A = pr__constraint(p, T, PR_CONSTR_NULL, NULL, NULL, NULL, NULL); }
col_constraint_elem(A) ::= DEFAULT(T) bexpr(E). { A = pr__constraint(p, T, PR_CONSTR_DEFAULT, E, NULL, NULL, NULL); }
col_constraint_elem(A) ::= PRIMARY(T) KEY. { A = pr__constraint(p, T, PR_CONSTR_PRIMARY_KEY, NULL, NULL, NULL, NULL); }
col_constraint_elem(A) ::= UNIQUE(T). { A = pr__constraint(p, T, PR_CONSTR_UNIQUE, NULL, NULL, NULL, NULL); }
col_constraint_elem(A) ::= REFERENCES(T) qualified_name(R) opt_colnames(C).
    { A = pr__constraint(p, T, PR_CONSTR_REFERENCES, NULL, NULL, R, C); }
col_constraint_elem(A) ::= CHECK(T) LP expr(E) RP. { A = pr__constraint(p, T, PR_CONSTR_CHECK, E, NULL, NULL, NULL); }

table_constraint(A) ::= CONSTRAINT id(N) table_constraint_elem(C). { A = pr__constraint_name(p, N, C); }
table_constraint(A) ::= table_constraint_elem(C). { A = C; }

table_constraint_elem(A) ::= PRIMARY(T) KEY LP name_list(K) RP.
    { A = pr__constraint(p, T, PR_CONSTR_PRIMARY_KEY, NULL, K, NULL, NULL); }
table_constraint_elem(A) ::= UNIQUE(T) LP name_list(K) RP.
    { A = pr__constraint(p, T, PR_CONSTR_UNIQUE, NULL, K, NULL, NULL); }
table_constraint_elem(A) ::= FOREIGN(T) KEY LP name_list(K) RP REFERENCES qualified_name(R) opt_colnames(C).
    { A = pr__constraint(p, T, PR_CONSTR_REFERENCES, NULL, K, R, C); }
table_constraint_elem(A) ::= CHECK(T) LP expr(E) RP.
    { A = pr__constraint(p, T, PR_CONSTR_CHECK, E, NULL, NULL, NULL); }

%type opt_partition_by {PrPartitionSpec *}
opt_partition_by(A) ::= . { A = NULL; }
opt_partition_by(A) ::= PARTITION BY RANGE(T) LP expr_list(L) RP. { A = pr__partition_spec(p, T, L); }
opt_partition_by(A) ::= PARTITION BY ID(T) LP expr_list(L) RP. { A = pr__partition_spec(p, T, L); }

%type partition_bound {PrPartitionBound *}
partition_bound(A) ::= FOR(T) VALUES FROM LP expr_list(F) RP TO LP expr_list(U) RP.
    { A = pr__bound_range(p, T, F, U); }
partition_bound(A) ::= FOR(T) VALUES IN LP expr_list(L) RP. { A = pr__bound_in(p, T, L); }
partition_bound(A) ::= DEFAULT(T). { A = pr__bound_default(p, T); }

%type opt_with_options {PrList *}
opt_with_options(A) ::= . { A = NULL; }
opt_with_options(A) ::= WITH LP def_list(L) RP. { A = L; }

%type opt_distributed {PrDistOpt}
opt_distributed(A) ::= . { A = pr__dist_opt(PR_DIST_DEFAULT, NULL); }
opt_distributed(A) ::= DISTRIBUTED BY LP name_list(L) RP. { A = pr__dist_opt(PR_DIST_HASH, L); }
opt_distributed(A) ::= DISTRIBUTED REPLICATED. { A = pr__dist_opt(PR_DIST_REPLICATED, NULL); }
opt_distributed(A) ::= DISTRIBUTED RANDOMLY. { A = pr__dist_opt(PR_DIST_RANDOM, NULL); }

%type def_list {PrList *}
def_list(A) ::= def_elem(X). { A = pr__list1(p, X); }
def_list(A) ::= def_list(L) COMMA def_elem(X). { A = pr__append(p, L, X); }

def_elem(A) ::= def_name(N). { A = pr__defelem(p, N, NULL); }
def_elem(A) ::= def_name(N) def_value(V). { A = pr__defelem(p, N, V); }
def_elem(A) ::= def_name(N) EQ def_value(V). { A = pr__defelem(p, N, V); }

%type def_name {PrToken}
def_name(A) ::= ID(N). { A = N; }
def_name(A) ::= NULL(N). { A = N; }
def_name(A) ::= ANALYZE(N). { A = N; }
def_name(A) ::= VERBOSE(N). { A = N; }
def_name(A) ::= FORMAT(N). { A = N; }

def_value(A) ::= STRING(T). { A = pr__lit(p, T, PR_LIT_STRING); }
def_value(A) ::= INTEGER(T). { A = pr__lit(p, T, PR_LIT_INTEGER); }
def_value(A) ::= NUMBER(T). { A = pr__lit(p, T, PR_LIT_NUMERIC); }
def_value(A) ::= MINUS INTEGER(T). { A = pr__lit_neg(p, T, PR_LIT_INTEGER); }
def_value(A) ::= MINUS NUMBER(T). { A = pr__lit_neg(p, T, PR_LIT_NUMERIC); }
def_value(A) ::= ID(T). { A = pr__lit_word(p, T); }
def_value(A) ::= TRUE(T). { A = pr__lit_word(p, T); }
def_value(A) ::= FALSE(T). { A = pr__lit_word(p, T); }
def_value(A) ::= ON(T). { A = pr__lit_word(p, T); }

drop_stmt(A) ::= DROP(T) drop_kind(K) opt_if_exists(E) qualified_name_list(L) opt_drop_behavior(C).
    { A = pr__drop(p, T, K, E, L, C); }

%type drop_kind {PrObjKind}
drop_kind(A) ::= TABLE. { A = PR_OBJ_TABLE; }
drop_kind(A) ::= VIEW. { A = PR_OBJ_VIEW; }
drop_kind(A) ::= MATERIALIZED VIEW. { A = PR_OBJ_MATVIEW; }
drop_kind(A) ::= INDEX. { A = PR_OBJ_INDEX; }
drop_kind(A) ::= SCHEMA. { A = PR_OBJ_SCHEMA; }

alter_stmt(A) ::= ALTER(T) TABLE opt_if_exists(E) relation_expr(N) alter_cmds(L).
    { A = pr__alter_table(p, T, E, N, L); }

%type alter_cmds {PrList *}
alter_cmds(A) ::= alter_cmd(X). { A = pr__list1(p, X); }
alter_cmds(A) ::= alter_cmds(L) COMMA alter_cmd(X). { A = pr__append(p, L, X); }

alter_cmd(A) ::= ATTACH(T) PARTITION qualified_name(N) partition_bound(B).
    { A = pr__alter_part(p, T, PR_ALTER_ATTACH_PARTITION, N, B); }
alter_cmd(A) ::= DETACH(T) PARTITION qualified_name(N).
    { A = pr__alter_part(p, T, PR_ALTER_DETACH_PARTITION, N, NULL); }
alter_cmd(A) ::= ADD(T) opt_column opt_if_not_exists(E) table_element(C).
    { A = pr__alter_add(p, T, E, C); }
alter_cmd(A) ::= DROP(T) opt_column opt_if_exists(E) id(N) opt_drop_behavior(C).
    { A = pr__alter_name(p, T, PR_ALTER_DROP_COLUMN, &N, NULL, E, C); }
alter_cmd(A) ::= RENAME(T) TO id(N). { A = pr__alter_name(p, T, PR_ALTER_RENAME_TABLE, NULL, &N, false, false); }
alter_cmd(A) ::= RENAME(T) opt_column id(O) TO id(N).
    { A = pr__alter_name(p, T, PR_ALTER_RENAME_COLUMN, &O, &N, false, false); }
alter_cmd(A) ::= ALTER(T) opt_column id(N) opt_set_data TYPE typename(Y).
    { A = pr__alter_type(p, T, N, Y); }
alter_cmd(A) ::= ALTER(T) opt_column id(N) SET NOT NULL.
    { A = pr__alter_name(p, T, PR_ALTER_SET_NOT_NULL, &N, NULL, false, false); }
alter_cmd(A) ::= ALTER(T) opt_column id(N) DROP NOT NULL.
    { A = pr__alter_name(p, T, PR_ALTER_DROP_NOT_NULL, &N, NULL, false, false); }

opt_column ::= .
opt_column ::= COLUMN.
opt_set_data ::= .
opt_set_data ::= SET DATA.

/* ================================================================== */
/* COPY, ANALYZE, EXPLAIN                                               */
/* ================================================================== */
copy_stmt(A) ::= COPY(T) qualified_name(N) opt_colnames(C) FROM copy_target(F) copy_options(O) where_clause(W).
    { A = pr__copy(p, T, N, C, NULL, true, F, O, W); }
copy_stmt(A) ::= COPY(T) qualified_name(N) opt_colnames(C) TO copy_target(F) copy_options(O).
    { A = pr__copy(p, T, N, C, NULL, false, F, O, NULL); }
copy_stmt(A) ::= COPY(T) select_with_parens(S) TO copy_target(F) copy_options(O).
    { A = pr__copy(p, T, NULL, NULL, S, false, F, O, NULL); }

%type copy_target {PrToken}
copy_target(A) ::= STRING(X). { A = X; }
copy_target(A) ::= STDIN(X). { A = X; }
copy_target(A) ::= STDOUT(X). { A = X; }

%type copy_options {PrList *}
copy_options(A) ::= . { A = NULL; }
copy_options(A) ::= LP def_list(L) RP. { A = L; }
copy_options(A) ::= WITH LP def_list(L) RP. { A = L; }
copy_options(A) ::= copy_legacy(L). { A = L; }
copy_options(A) ::= WITH copy_legacy(L). { A = L; }

%type copy_legacy {PrList *}
copy_legacy(A) ::= copy_legacy_opt(X). { A = pr__list1(p, X); }
copy_legacy(A) ::= copy_legacy(L) copy_legacy_opt(X). { A = pr__append(p, L, X); }

copy_legacy_opt(A) ::= CSV(T). { A = pr__copy_legacy(p, T, NULL); }
copy_legacy_opt(A) ::= BINARY(T). { A = pr__copy_legacy(p, T, NULL); }
copy_legacy_opt(A) ::= HEADER(T). { A = pr__copy_legacy(p, T, NULL); }
copy_legacy_opt(A) ::= DELIMITER(T) opt_as STRING(S). { A = pr__copy_legacy(p, T, &S); }
copy_legacy_opt(A) ::= NULL(T) opt_as STRING(S). { A = pr__copy_legacy(p, T, &S); }
copy_legacy_opt(A) ::= QUOTE(T) opt_as STRING(S). { A = pr__copy_legacy(p, T, &S); }
copy_legacy_opt(A) ::= ESCAPE(T) opt_as STRING(S). { A = pr__copy_legacy(p, T, &S); }
copy_legacy_opt(A) ::= ENCODING(T) STRING(S). { A = pr__copy_legacy(p, T, &S); }
opt_as ::= .
opt_as ::= AS.

analyze_stmt(A) ::= ANALYZE(T) opt_verbose(V). { A = pr__analyze(p, T, V, NULL); }
analyze_stmt(A) ::= ANALYZE(T) opt_verbose(V) qualified_name_list(L). { A = pr__analyze(p, T, V, L); }

%type opt_verbose {bool}
opt_verbose(A) ::= . { A = false; }
opt_verbose(A) ::= VERBOSE. { A = true; }

explain_stmt(A) ::= EXPLAIN(T) explainable(S). { A = pr__explain(p, T, NULL, S); }
explain_stmt(A) ::= EXPLAIN(T) ANALYZE(X) opt_verbose(V) explainable(S).
    { A = pr__explain(p, T, pr__explain_opts(p, &X, V), S); }
explain_stmt(A) ::= EXPLAIN(T) VERBOSE(X) explainable(S).
    { A = pr__explain(p, T, pr__list1(p, pr__defelem(p, X, NULL)), S); }
explain_stmt(A) ::= EXPLAIN(T) LP def_list(L) RP explainable(S). { A = pr__explain(p, T, L, S); }

explainable(A) ::= select_stmt(S). { A = pr__node(S); }
explainable(A) ::= insert_stmt(S). { A = S; }
explainable(A) ::= update_stmt(S). { A = S; }
explainable(A) ::= delete_stmt(S). { A = S; }
explainable(A) ::= CREATE(T) opt_temp(M) TABLE opt_if_not_exists(E) qualified_name(N)
                   opt_colnames(C) AS select_stmt(S) opt_with_data(W) opt_distributed(D).
    { A = pr__create_table_as(p, T, M, E, N, C, S, W, &D); }
explainable(A) ::= execute_stmt(S). { A = S; }

/* ================================================================== */
/* Utility                                                              */
/* ================================================================== */
utility_stmt(A) ::= SET(T) opt_set_scope(L) var_name(N) TO var_values(V). { A = pr__set(p, T, L, N, V); }
utility_stmt(A) ::= SET(T) opt_set_scope(L) var_name(N) EQ var_values(V). { A = pr__set(p, T, L, N, V); }
utility_stmt(A) ::= SET(T) opt_set_scope(L) var_name(N) TO DEFAULT. { A = pr__set(p, T, L, N, NULL); }
utility_stmt(A) ::= SET(T) opt_set_scope(L) var_name(N) EQ DEFAULT. { A = pr__set(p, T, L, N, NULL); }
utility_stmt(A) ::= SET(T) opt_set_scope(L) TIME ZONE var_value(V).
    { A = pr__set(p, T, L, "timezone", pr__list1(p, V)); }
utility_stmt(A) ::= SET(T) opt_set_scope(L) TIME ZONE DEFAULT.
    { A = pr__set(p, T, L, "timezone", NULL); }
utility_stmt(A) ::= SET(T) opt_set_scope(L) TIME ZONE LOCAL.
    { A = pr__set(p, T, L, "timezone", NULL); }
utility_stmt(A) ::= SET(T) opt_set_scope(L) NAMES var_value(V).
    { A = pr__set(p, T, L, "client_encoding", pr__list1(p, V)); }
/* SET [SESSION CHARACTERISTICS AS] TRANSACTION mode: one mode, as the
 * setting it changes (JDBC's setTransactionIsolation / setReadOnly) */
utility_stmt(A) ::= SET(T) SESSION CHARACTERISTICS AS TRANSACTION txn_mode(M). { A = pr__set_txn(p, T, true, M); }
utility_stmt(A) ::= SET(T) TRANSACTION txn_mode(M). { A = pr__set_txn(p, T, false, M); }
utility_stmt(A) ::= SHOW(T) var_name(N). { A = pr__show(p, T, N); }
utility_stmt(A) ::= SHOW(T) TIME ZONE. { A = pr__show(p, T, "timezone"); }
utility_stmt(A) ::= SHOW(T) TRANSACTION ISOLATION LEVEL. { A = pr__show(p, T, "transaction_isolation"); }
utility_stmt(A) ::= SHOW(T) ALL. { A = pr__show(p, T, NULL); }
utility_stmt(A) ::= RESET(T) var_name(N). { A = pr__reset(p, T, N); }
utility_stmt(A) ::= RESET(T) TIME ZONE. { A = pr__reset(p, T, "timezone"); }
utility_stmt(A) ::= RESET(T) ALL. { A = pr__reset(p, T, NULL); }
utility_stmt(A) ::= BEGIN(T) opt_transaction txn_modes(M). { A = pr__txn(p, T, PR_TXN_BEGIN, NULL, M, false); }
utility_stmt(A) ::= START(T) TRANSACTION txn_modes(M). { A = pr__txn(p, T, PR_TXN_BEGIN, NULL, M, true); }
utility_stmt(A) ::= COMMIT(T) opt_transaction. { A = pr__txn(p, T, PR_TXN_COMMIT, NULL, NULL, false); }
utility_stmt(A) ::= END(T) opt_transaction. { A = pr__txn(p, T, PR_TXN_COMMIT, NULL, NULL, false); }
utility_stmt(A) ::= ROLLBACK(T) opt_transaction. { A = pr__txn(p, T, PR_TXN_ROLLBACK, NULL, NULL, false); }
utility_stmt(A) ::= ABORT(T) opt_transaction. { A = pr__txn(p, T, PR_TXN_ROLLBACK, NULL, NULL, false); }
utility_stmt(A) ::= SAVEPOINT(T) id(N). { A = pr__txn(p, T, PR_TXN_SAVEPOINT, &N, NULL, false); }
utility_stmt(A) ::= RELEASE(T) SAVEPOINT id(N). { A = pr__txn(p, T, PR_TXN_RELEASE, &N, NULL, false); }
utility_stmt(A) ::= RELEASE(T) id(N). { A = pr__txn(p, T, PR_TXN_RELEASE, &N, NULL, false); }
utility_stmt(A) ::= ROLLBACK(T) opt_transaction TO SAVEPOINT id(N).
    { A = pr__txn(p, T, PR_TXN_ROLLBACK_TO, &N, NULL, false); }
utility_stmt(A) ::= ROLLBACK(T) opt_transaction TO id(N).
    { A = pr__txn(p, T, PR_TXN_ROLLBACK_TO, &N, NULL, false); }
utility_stmt(A) ::= PREPARE(T) id(N) opt_type_list(L) AS preparable_stmt(S). { A = pr__prepare(p, T, N, L, S); }
utility_stmt(A) ::= execute_stmt(S). { A = S; }
utility_stmt(A) ::= DEALLOCATE(T) opt_prepare id(N). { A = pr__deallocate(p, T, &N); }
utility_stmt(A) ::= DEALLOCATE(T) opt_prepare ALL. { A = pr__deallocate(p, T, NULL); }

execute_stmt(A) ::= EXECUTE(T) id(N). { A = pr__execute(p, T, N, NULL); }
execute_stmt(A) ::= EXECUTE(T) id(N) LP expr_list(L) RP. { A = pr__execute(p, T, N, L); }

opt_prepare ::= .
opt_prepare ::= PREPARE.

%type opt_type_list {PrList *}
opt_type_list(A) ::= . { A = NULL; }
opt_type_list(A) ::= LP type_list(L) RP. { A = L; }

opt_transaction ::= .
opt_transaction ::= WORK.
opt_transaction ::= TRANSACTION.

%type opt_set_scope {bool}
opt_set_scope(A) ::= . { A = false; }
opt_set_scope(A) ::= SESSION. { A = false; }
opt_set_scope(A) ::= LOCAL. { A = true; }

/* a setting name, folded part by part and joined with dots */
%type var_name {const char *}
var_name(A) ::= id(X). { A = pr__ident(p, X); }
var_name(A) ::= var_name(X) DOT id(Y). { A = pr__dotted(p, X, Y); }

%type var_values {PrList *}
var_values(A) ::= var_value(X). { A = pr__list1(p, X); }
var_values(A) ::= var_values(L) COMMA var_value(X). { A = pr__append(p, L, X); }

var_value(A) ::= def_value(V). { A = V; }

%type txn_modes {PrList *}
txn_modes(A) ::= . { A = NULL; }
txn_modes(A) ::= txn_mode_list(L). { A = L; }

%type txn_mode_list {PrList *}
txn_mode_list(A) ::= txn_mode(X). { A = pr__list1(p, X); }
txn_mode_list(A) ::= txn_mode_list(L) COMMA txn_mode(X). { A = pr__append(p, L, X); }
txn_mode_list(A) ::= txn_mode_list(L) txn_mode(X). { A = pr__append(p, L, X); }

txn_mode(A) ::= ISOLATION(T) LEVEL SERIALIZABLE. { A = pr__txn_mode(p, T, "isolation", "serializable"); }
txn_mode(A) ::= ISOLATION(T) LEVEL REPEATABLE READ. { A = pr__txn_mode(p, T, "isolation", "repeatable read"); }
txn_mode(A) ::= ISOLATION(T) LEVEL READ COMMITTED. { A = pr__txn_mode(p, T, "isolation", "read committed"); }
txn_mode(A) ::= ISOLATION(T) LEVEL READ UNCOMMITTED. { A = pr__txn_mode(p, T, "isolation", "read uncommitted"); }
txn_mode(A) ::= READ(T) ONLY. { A = pr__txn_mode(p, T, "read_only", "true"); }
txn_mode(A) ::= READ(T) WRITE. { A = pr__txn_mode(p, T, "read_only", "false"); }
txn_mode(A) ::= DEFERRABLE(T). { A = pr__txn_mode(p, T, "deferrable", "true"); }
txn_mode(A) ::= NOT(T) DEFERRABLE. { A = pr__txn_mode(p, T, "deferrable", "false"); }
