/*
 * test_parser.c — unit tests of the SQL front end, one group per grammar
 * area, plus every error form with its SQLSTATE, message and position.
 *
 * Each accepted statement is also round-tripped: parse → print → parse →
 * print must give the same text. AST checks look at the shapes the binder
 * relies on (names folded, literal kinds, join types, set operations ...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "common/kestrel.h"
#include "parser/parser.h"
#include "parser/parser_int.h"

static KArena *arena;

static int
setup(void **state)
{
    (void)state;
    arena = k_arena_create(NULL, "test");
    return arena ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    k_arena_destroy(arena);
    return 0;
}

/* Parse one statement, round-trip it, return it. Fails the test on error. */
static PrNode *
parse1(const char *sql)
{
    KErr err;
    PrStmtList *l;
    if (pr_parse(arena, sql, strlen(sql), &l, &err) != K_OK) fail_msg("parse failed: %s\n  %s", err.message, sql);
    if (l->n != 1) fail_msg("expected one statement, got %d: %s", (int)l->n, sql);
    char *t1, *t2;
    assert_int_equal(pr_print_stmt(arena, l->items[0].stmt, &t1, &err), K_OK);
    PrStmtList *l2;
    if (pr_parse(arena, t1, strlen(t1), &l2, &err) != K_OK)
        fail_msg("reparse failed: %s\n  printed: %s", err.message, t1);
    assert_int_equal(l2->n, 1);
    assert_int_equal(pr_print_stmt(arena, l2->items[0].stmt, &t2, &err), K_OK);
    if (strcmp(t1, t2) != 0) fail_msg("print not stable:\n  %s\n  %s", t1, t2);
    return l->items[0].stmt;
}

static char *
print(const PrNode *n)
{
    char *s;
    KErr err;
    assert_int_equal(pr_print(arena, n, &s, NULL, &err), K_OK);
    return s;
}

/* Expect an error: code, message and position. */
static void
parse_err(const char *sql, KSqlState code, const char *msg, int pos)
{
    KErr err;
    PrStmtList *l;
    memset(&err, 0, sizeof err);
    if (pr_parse(arena, sql, strlen(sql), &l, &err) == K_OK) fail_msg("expected an error: %s", sql);
    if (err.code != code || strcmp(err.message, msg) != 0 || err.pos != pos)
        fail_msg("for %s\n  got  %s \"%s\" at %d\n  want %s \"%s\" at %d", sql, k_sqlstate_code(err.code),
                 err.message, (int)err.pos, k_sqlstate_code(code), msg, pos);
}

static PrSelect *
sel(const char *sql)
{
    PrNode *n = parse1(sql);
    assert_int_equal(n->tag, PR_T_Select);
    return PR_CAST(Select, n);
}

static PrNode *
target(PrSelect *s, int i)
{
    return PR_CAST(ResTarget, s->targets->items[i])->expr;
}

/* ------------------------------------------------------------------ */
/* GROUP BY [ALL | DISTINCT] with ROLLUP, CUBE, GROUPING SETS and (); the
 * shapes grouping.c expands, and their round trip through the printer. */
static void
test_grouping_sets(void **state)
{
    (void)state;
    PrSelect *s = sel("select a, grouping(a, b) from t group by distinct rollup (a, (b, c)), cube (d), "
                      "grouping sets ((a), (a, b), (), rollup (e))");
    assert_true(s->group_distinct);
    assert_int_equal(pr_list_len(s->group_by), 3);
    PrGroupingSet *r = PR_CAST(GroupingSet, s->group_by->items[0]);
    assert_int_equal(r->kind, PR_GROUPING_ROLLUP);
    assert_int_equal(pr_list_len(r->content), 2);
    assert_int_equal(r->content->items[1]->tag, PR_T_RowExpr);
    assert_int_equal(PR_CAST(GroupingSet, s->group_by->items[1])->kind, PR_GROUPING_CUBE);
    PrGroupingSet *gs = PR_CAST(GroupingSet, s->group_by->items[2]);
    assert_int_equal(gs->kind, PR_GROUPING_SETS);
    assert_int_equal(pr_list_len(gs->content), 4);
    assert_int_equal(PR_CAST(GroupingSet, gs->content->items[2])->kind, PR_GROUPING_EMPTY);
    assert_int_equal(PR_CAST(GroupingSet, gs->content->items[3])->kind, PR_GROUPING_ROLLUP);
    assert_non_null(strstr(print(&s->hdr), "GROUP BY DISTINCT ROLLUP"));
    s = sel("select count(*) from t group by all a, ()");
    assert_false(s->group_distinct);
    assert_int_equal(pr_list_len(s->group_by), 2);
    s = sel("select 1 from t, lateral (select t.a) s where 1 > all (select 2) and 2 <= some (select 3)");
    assert_true(PR_CAST(RangeSubselect, s->from->items[1])->lateral);
    PrNode *w = parse1("with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) "
                       "select * from r");
    assert_true(PR_CAST(Select, w)->with->recursive);
}

static void
test_lexer_literals(void **state)
{
    (void)state;
    PrSelect *s = sel("select 1, 1.5, .5, 1e10, 2.5E-3, 'it''s', E'a\\nb\\x41\\101\\u00e9', $$x'y$$, "
                      "$tag$a$b$tag$, true, FALSE, null, -7, - 2.5");
    static const struct {
        PrLitKind kind;
        const char *text;
    } want[] = {{PR_LIT_INTEGER, "1"},   {PR_LIT_NUMERIC, "1.5"},     {PR_LIT_NUMERIC, ".5"},
                {PR_LIT_NUMERIC, "1e10"}, {PR_LIT_NUMERIC, "2.5E-3"}, {PR_LIT_STRING, "it's"},
                {PR_LIT_STRING, "a\nbAA\xc3\xa9"}, {PR_LIT_STRING, "x'y"}, {PR_LIT_STRING, "a$b"},
                {PR_LIT_BOOL, "true"}, {PR_LIT_BOOL, "false"}, {PR_LIT_NULL, "null"},
                {PR_LIT_INTEGER, "-7"}, {PR_LIT_NUMERIC, "-2.5"}};
    assert_int_equal(s->targets->n, (int)K_ARRAY_LEN(want));
    for (size_t i = 0; i < K_ARRAY_LEN(want); i++) {
        PrLiteral *l = PR_CAST(Literal, target(s, (int)i));
        assert_int_equal(l->kind, want[i].kind);
        assert_string_equal(l->text, want[i].text);
        assert_int_equal(l->len, strlen(want[i].text));
    }
    /* positions: the literal starts at byte 33 */
    assert_int_equal(target(s, 5)->pos, 33);

    /* identifiers fold unless quoted; "" inside quotes */
    s = sel("SELECT Abc, \"MiXed\", \"a\"\"b\" FROM T1");
    assert_string_equal(PR_CAST(ColumnRef, target(s, 0))->fields[0], "abc");
    assert_string_equal(PR_CAST(ColumnRef, target(s, 1))->fields[0], "MiXed");
    assert_string_equal(PR_CAST(ColumnRef, target(s, 2))->fields[0], "a\"b");
    assert_string_equal(PR_CAST(RangeVar, s->from->items[0])->name, "t1");

    /* comments glued to operator characters */
    s = sel("select /**/ 1 +/*x*/ 2 /*+ hint */, 3--->\n, 4 /**/--\n");
    assert_int_equal(s->targets->n, 3);
    assert_int_equal(PR_CAST(BinaryExpr, target(s, 0))->op, PR_OP_ADD);
    s = sel("select 5*/**/6");
    assert_int_equal(PR_CAST(BinaryExpr, target(s, 0))->op, PR_OP_MUL);
    s = sel("select 7-- comment\n-8");
    assert_string_equal(PR_CAST(Literal, PR_CAST(BinaryExpr, target(s, 0))->right)->text, "8");

    /* comments, nested comments, parameters, casts, operators */
    s = sel("select /* a /* nested */ comment */ $1 -- trailing\n + $12::int, a<-1, b!=2, c||d, x @> y");
    PrBinaryExpr *b = PR_CAST(BinaryExpr, target(s, 0));
    assert_int_equal(b->op, PR_OP_ADD);
    assert_int_equal(PR_CAST(Param, b->left)->number, 1);
    PrCastExpr *c = PR_CAST(CastExpr, b->right);
    assert_true(c->colon_syntax);
    assert_string_equal(c->type->name, "int");
    b = PR_CAST(BinaryExpr, target(s, 1));
    assert_int_equal(b->op, PR_OP_LT);
    assert_string_equal(PR_CAST(Literal, b->right)->text, "-1");
    assert_int_equal(PR_CAST(BinaryExpr, target(s, 2))->op, PR_OP_NE);
    assert_int_equal(PR_CAST(BinaryExpr, target(s, 3))->op, PR_OP_CONCAT);
    b = PR_CAST(BinaryExpr, target(s, 4));
    assert_int_equal(b->op, PR_OP_OTHER);
    assert_string_equal(b->opname, "@>");
}

static void
test_keywords_as_names(void **state)
{
    (void)state;
    /* SSB's table `date`, columns named like non-reserved keywords */
    PrSelect *s = sel("select d_year, year, value, name, type, comment, date, time, timestamp "
                      "from date where year = 1 and name like 'x%'");
    assert_string_equal(PR_CAST(ColumnRef, target(s, 1))->fields[0], "year");
    assert_string_equal(PR_CAST(ColumnRef, target(s, 6))->fields[0], "date");
    assert_string_equal(PR_CAST(ColumnRef, target(s, 7))->fields[0], "time");
    assert_string_equal(PR_CAST(RangeVar, s->from->items[0])->name, "date");
    parse1("create table date (d_datekey integer, year int, month int, value text, name varchar(10))");
    s = sel("select a year, b as first from t as value");
    assert_string_equal(PR_CAST(ResTarget, s->targets->items[0])->name, "year");
    assert_string_equal(PR_CAST(RangeVar, s->from->items[0])->alias->name, "value");
    /* the table is sorted and every entry finds itself, in any case */
    for (size_t i = 0; i < pr__keyword_count(); i++) {
        const PrKeyword *k = pr__keyword_at(i);
        if (i > 0) assert_true(strcmp(pr__keyword_at(i - 1)->name, k->name) < 0);
        assert_ptr_equal(pr__keyword_lookup(k->name, strlen(k->name)), k);
        char up[32];
        size_t n = strlen(k->name);
        for (size_t j = 0; j <= n; j++) up[j] = (char)(k->name[j] >= 'a' && k->name[j] <= 'z' ? k->name[j] - 32 : k->name[j]);
        assert_ptr_equal(pr__keyword_lookup(up, n), k);
    }
    assert_int_equal(pr_keyword_kind("SELECT", 6), PR_KW_RESERVED);
    assert_int_equal(pr_keyword_kind("year", 4), PR_KW_UNRESERVED);
    assert_int_equal(pr_keyword_kind("l_year", 6), PR_KW_NONE);
    /* the printer quotes keywords used as names */
    assert_string_equal(print((PrNode *)s), "SELECT a AS \"year\", b AS \"first\" FROM t AS value");
}

static void
test_select_clauses(void **state)
{
    (void)state;
    PrSelect *s = sel("select distinct on (a) a, b from t where a > 1 group by a, 2 having count(*) > 1 "
                      "order by 1 desc nulls last, b asc limit 10 offset 5");
    assert_true(s->distinct);
    assert_int_equal(s->distinct_on->n, 1);
    assert_int_equal(s->group_by->n, 2);
    assert_non_null(s->having);
    PrSortBy *o = PR_CAST(SortBy, s->order_by->items[0]);
    assert_int_equal(o->dir, PR_SORT_DESC);
    assert_int_equal(o->nulls, PR_NULLS_LAST);
    assert_string_equal(PR_CAST(Literal, s->limit)->text, "10");
    assert_string_equal(PR_CAST(Literal, s->offset)->text, "5");

    s = sel("select * from t fetch first 3 rows only");
    assert_true(s->fetch_syntax);
    assert_string_equal(PR_CAST(Literal, s->limit)->text, "3");
    s = sel("select * from t offset 2 rows fetch next row with ties");
    assert_true(s->fetch_with_ties);
    s = sel("select t.*, s.t.c from s.t limit all");
    PrColumnRef *c = PR_CAST(ColumnRef, target(s, 0));
    assert_true(c->star);
    assert_int_equal(c->nfields, 1);
    assert_int_equal(PR_CAST(ColumnRef, target(s, 1))->nfields, 3);
    assert_null(s->limit);
    s = sel("values (1, 'a'), (2, 'b') order by 1");
    assert_int_equal(s->kind, PR_SELECT_VALUES);
    assert_int_equal(s->values->n, 2);
    assert_int_equal(PR_CAST(RowExpr, s->values->items[1])->args->n, 2);
    sel("select");
    sel("select 1 as x where true");
    sel("select all a from t");
    sel("select a from t group by rollup (a, b), cube (c), grouping sets ((a, b), (c), ())");
    sel("select a from t group by ()");
}

static void
test_joins(void **state)
{
    (void)state;
    PrSelect *s = sel("select * from a join b on a.x = b.x left join c using (x, y) "
                      "cross join d natural full outer join e, f right join g on true");
    assert_int_equal(s->from->n, 2);
    PrJoinExpr *j = PR_CAST(JoinExpr, s->from->items[0]);
    assert_int_equal(j->type, PR_JOIN_FULL);
    assert_true(j->natural);
    PrJoinExpr *l = PR_CAST(JoinExpr, j->left);
    assert_int_equal(l->type, PR_JOIN_CROSS);
    PrJoinExpr *u = PR_CAST(JoinExpr, l->left);
    assert_int_equal(u->type, PR_JOIN_LEFT);
    assert_int_equal(u->using_cols->n, 2);
    assert_string_equal(PR_CAST(Ident, u->using_cols->items[1])->name, "y");
    assert_int_equal(PR_CAST(JoinExpr, u->left)->type, PR_JOIN_INNER);
    assert_int_equal(PR_CAST(JoinExpr, s->from->items[1])->type, PR_JOIN_RIGHT);
    sel("select * from (a join b on true) as j (x, y)");
    sel("select * from a inner join (b left outer join c on b.x = c.x) on a.y = b.y");
    s = sel("select * from (select 1) as s (a), lateral (select a) x, generate_series(1, 3) g");
    PrRangeSubselect *r = PR_CAST(RangeSubselect, s->from->items[0]);
    assert_string_equal(r->alias->name, "s");
    assert_true(PR_CAST(RangeSubselect, s->from->items[1])->lateral);
    assert_string_equal(PR_CAST(RangeFunction, s->from->items[2])->func->name, "generate_series");
}

static void
test_subqueries_setops_cte(void **state)
{
    (void)state;
    PrSelect *s = sel("select (select max(x) from t) from u where a in (select b from v) and not exists "
                      "(select 1) and c > all (select d from w) and e not in (1, 2) and f = any (select 1)");
    assert_int_equal(PR_CAST(SubLink, target(s, 0))->kind, PR_SUBLINK_SCALAR);
    s = sel("select 1 union all select 2 intersect select 3 except select 4 order by 1 limit 1");
    assert_int_equal(s->kind, PR_SELECT_SETOP);
    assert_int_equal(s->op, PR_SETOP_EXCEPT);
    assert_non_null(s->order_by);
    PrSelect *l = s->larg;
    assert_int_equal(l->op, PR_SETOP_UNION);
    assert_true(l->all);
    assert_int_equal(l->rarg->op, PR_SETOP_INTERSECT); /* INTERSECT binds tighter */
    s = sel("(select a from t order by a limit 1) union (select b from u)");
    assert_non_null(s->larg->order_by);
    s = sel("with recursive r (n) as (select 1 union all select n + 1 from r where n < 5), "
            "q as materialized (select 2) select * from r, q");
    assert_true(s->with->recursive);
    PrCommonTable *c = PR_CAST(CommonTable, s->with->ctes->items[0]);
    assert_string_equal(c->name, "r");
    assert_int_equal(c->colnames->n, 1);
    assert_int_equal(PR_CAST(CommonTable, s->with->ctes->items[1])->materialize, PR_CTE_MATERIALIZED);
    sel("select * from ((select 1)) as x");
    sel("select ((select 1))");
    sel("select 1 where 1 in ((select 1))");
}

static void
test_expressions(void **state)
{
    (void)state;
    PrSelect *s = sel("select a + b * c - d / e % f ^ g, not a or b and c, a between 1 and 2 and b, "
                      "x not between symmetric 1 and 2, y is not null, z isnull, w is distinct from 1, "
                      "v is not true, u ilike 'a' escape '!', t not like 'b'");
    PrBinaryExpr *b = PR_CAST(BinaryExpr, target(s, 0));
    assert_int_equal(b->op, PR_OP_SUB); /* (a + b*c) - (d/e % f^g) */
    assert_int_equal(PR_CAST(BinaryExpr, b->left)->op, PR_OP_ADD);
    assert_int_equal(PR_CAST(BinaryExpr, PR_CAST(BinaryExpr, b->right)->right)->op, PR_OP_POW);
    b = PR_CAST(BinaryExpr, target(s, 1));
    assert_int_equal(b->op, PR_OP_OR);
    assert_int_equal(PR_CAST(UnaryExpr, b->left)->op, PR_UOP_NOT);
    b = PR_CAST(BinaryExpr, target(s, 2));
    assert_int_equal(b->op, PR_OP_AND);
    assert_int_equal(b->left->tag, PR_T_BetweenExpr);
    PrBetweenExpr *bt = PR_CAST(BetweenExpr, target(s, 3));
    assert_true(bt->negated && bt->symmetric);
    assert_true(PR_CAST(IsExpr, target(s, 4))->negated);
    assert_false(PR_CAST(IsExpr, target(s, 5))->negated);
    assert_int_equal(PR_CAST(BinaryExpr, target(s, 6))->op, PR_OP_IS_DISTINCT);
    assert_int_equal(PR_CAST(IsExpr, target(s, 7))->test, PR_IS_TRUE);
    PrLikeExpr *lk = PR_CAST(LikeExpr, target(s, 8));
    assert_true(lk->ilike);
    assert_non_null(lk->escape);
    assert_true(PR_CAST(LikeExpr, target(s, 9))->negated);

    s = sel("select case when a then 1 when b then 2 else 3 end, case x when 1 then 'a' end, "
            "cast(a as decimal(15, 2)), a::varchar(25)::text, b::double precision, c::timestamp with time zone, "
            "d::int[], extract(year from d), substring(s from 1 for 2), substring(s for 3), "
            "position('a' in s), trim(both 'x' from s), trim(s), coalesce(a, b), nullif(a, 1), "
            "greatest(1, 2), least(3, 4), current_date, row(1, 2), (1, 2), overlay(s placing 'x' from 2)");
    PrCaseExpr *ce = PR_CAST(CaseExpr, target(s, 0));
    assert_null(ce->arg);
    assert_int_equal(ce->whens->n, 2);
    assert_non_null(PR_CAST(CaseExpr, target(s, 1))->arg);
    PrCastExpr *c = PR_CAST(CastExpr, target(s, 2));
    assert_string_equal(c->type->name, "decimal");
    assert_int_equal(c->type->nmods, 2);
    assert_int_equal(c->type->mods[1], 2);
    assert_string_equal(PR_CAST(CastExpr, target(s, 4))->type->name, "double precision");
    assert_string_equal(PR_CAST(CastExpr, target(s, 5))->type->name, "timestamp with time zone");
    assert_int_equal(PR_CAST(CastExpr, target(s, 6))->type->array_dims, 1);
    PrExtractExpr *e = PR_CAST(ExtractExpr, target(s, 7));
    assert_int_equal(e->kind, PR_EXTRACT_YEAR);
    PrFuncCall *f = PR_CAST(FuncCall, target(s, 8));
    assert_int_equal(f->syntax, PR_FUNC_SUBSTRING);
    assert_int_equal(f->args->n, 3);
    assert_int_equal(PR_CAST(FuncCall, target(s, 9))->args->n, 3);
    assert_int_equal(PR_CAST(FuncCall, target(s, 10))->syntax, PR_FUNC_POSITION);
    assert_string_equal(PR_CAST(FuncCall, target(s, 11))->name, "btrim");
    assert_string_equal(PR_CAST(FuncCall, target(s, 13))->name, "coalesce");
    assert_int_equal(PR_CAST(FuncCall, target(s, 17))->syntax, PR_FUNC_SQLVALUE);
    assert_true(PR_CAST(RowExpr, target(s, 18))->explicit_row);
    assert_false(PR_CAST(RowExpr, target(s, 19))->explicit_row);

    /* typed literals */
    s = sel("select date '1998-12-01' - interval '90' day, interval '3 months', timestamp '2000-01-01 00:00', "
            "interval '1' year to month, interval '1.5' second(3)");
    b = PR_CAST(BinaryExpr, target(s, 0));
    PrLiteral *l = PR_CAST(Literal, b->left);
    assert_int_equal(l->kind, PR_LIT_TYPED);
    assert_string_equal(l->type->name, "date");
    assert_string_equal(l->text, "1998-12-01");
    l = PR_CAST(Literal, b->right);
    assert_string_equal(l->type->name, "interval");
    assert_int_equal(l->interval_fields, PR_IVF_DAY);
    assert_string_equal(l->text, "90");
    assert_int_equal(PR_CAST(Literal, target(s, 1))->interval_fields, PR_IVF_NONE);
    assert_string_equal(PR_CAST(Literal, target(s, 2))->type->name, "timestamp");
    assert_int_equal(PR_CAST(Literal, target(s, 3))->interval_fields, PR_IVF_YEAR_TO_MONTH);
    assert_int_equal(PR_CAST(Literal, target(s, 4))->interval_precision, 3);
}

static void
test_aggregates_windows(void **state)
{
    (void)state;
    PrSelect *s = sel("select count(*), count(distinct a), sum(b) filter (where b > 0), "
                      "string_agg(c, ',' order by c), rank() over (partition by a order by b desc), "
                      "sum(x) over (order by y rows between unbounded preceding and current row), "
                      "avg(x) over w, max(x) over (w range between 1 preceding and 2 following exclude ties) "
                      "from t window w as (partition by z)");
    PrFuncCall *f = PR_CAST(FuncCall, target(s, 0));
    assert_true(f->star);
    assert_true(PR_CAST(FuncCall, target(s, 1))->distinct);
    assert_non_null(PR_CAST(FuncCall, target(s, 2))->filter);
    assert_int_equal(PR_CAST(FuncCall, target(s, 3))->agg_order->n, 1);
    PrWindowDef *w = PR_CAST(FuncCall, target(s, 4))->over;
    assert_int_equal(w->partition_by->n, 1);
    assert_int_equal(w->order_by->n, 1);
    w = PR_CAST(FuncCall, target(s, 5))->over;
    assert_int_equal(w->frame_mode, PR_FRAME_ROWS);
    assert_int_equal(w->frame_start->kind, PR_BOUND_UNBOUNDED_PRECEDING);
    assert_int_equal(w->frame_end->kind, PR_BOUND_CURRENT_ROW);
    assert_string_equal(PR_CAST(FuncCall, target(s, 6))->over->refname, "w");
    w = PR_CAST(FuncCall, target(s, 7))->over;
    assert_string_equal(w->refname, "w");
    assert_int_equal(w->exclude, PR_EXCLUDE_TIES);
    assert_int_equal(w->frame_start->kind, PR_BOUND_PRECEDING);
    assert_string_equal(PR_CAST(WindowDef, s->windows->items[0])->name, "w");
}

static void
test_dml(void **state)
{
    (void)state;
    PrInsert *i = PR_CAST(Insert, parse1("insert into s.t (a, b) values (1, default), (2, 3) returning a"));
    assert_string_equal(i->table->schema, "s");
    assert_int_equal(i->columns->n, 2);
    assert_int_equal(i->source->kind, PR_SELECT_VALUES);
    assert_int_equal(PR_CAST(RowExpr, i->source->values->items[0])->args->items[1]->tag, PR_T_DefaultExpr);
    assert_int_equal(i->returning->n, 1);
    i = PR_CAST(Insert, parse1("insert into t select * from u"));
    assert_null(i->columns);
    i = PR_CAST(Insert, parse1("insert into t (select 1) union (select 2)"));
    assert_int_equal(i->source->kind, PR_SELECT_SETOP);
    i = PR_CAST(Insert, parse1("insert into t default values"));
    assert_null(i->source);
    parse1("with x as (select 1) insert into t select * from x");
    PrUpdate *u = PR_CAST(Update, parse1("update t x set a = a + 1, b = default from u where x.id = u.id"));
    assert_string_equal(u->table->alias->name, "x");
    assert_int_equal(u->set->n, 2);
    assert_string_equal(PR_CAST(SetClause, u->set->items[0])->column, "a");
    PrDelete *d = PR_CAST(Delete, parse1("delete from t using u where t.a = u.a returning *"));
    assert_int_equal(d->using_tables->n, 1);
    PrTruncate *tr = PR_CAST(Truncate, parse1("truncate table a, b restart identity cascade"));
    assert_int_equal(tr->tables->n, 2);
    assert_true(tr->cascade && tr->restart_identity);
    parse1("truncate a");
}

static void
test_ddl(void **state)
{
    (void)state;
    PrCreateTable *c = PR_CAST(CreateTable, parse1(
        "create table if not exists lineitem (l_orderkey bigint not null, l_price decimal(15,2) default 0, "
        "l_comment varchar(44), l_flag char(1), l_ship date, d double precision, "
        "constraint pk primary key (l_orderkey), foreign key (l_ship) references dates (d), unique (l_flag), "
        "check (l_price > 0)) partition by range (l_ship) distributed by (l_orderkey)"));
    assert_true(c->if_not_exists);
    assert_int_equal(c->columns->n, 6);
    assert_int_equal(c->constraints->n, 4);
    PrColumnDef *col = PR_CAST(ColumnDef, c->columns->items[0]);
    assert_string_equal(col->type->name, "bigint");
    assert_int_equal(PR_CAST(Constraint, col->constraints->items[0])->kind, PR_CONSTR_NOT_NULL);
    assert_string_equal(PR_CAST(ColumnDef, c->columns->items[3])->type->name, "character");
    assert_string_equal(PR_CAST(Constraint, c->constraints->items[0])->name, "pk");
    assert_int_equal(c->partition_by->strategy, PR_PART_RANGE);
    assert_int_equal(c->dist, PR_DIST_HASH);
    assert_string_equal(PR_CAST(Ident, c->dist_keys->items[0])->name, "l_orderkey");

    c = PR_CAST(CreateTable, parse1("create table nation (n int primary key, r int references region) "
                                    "distributed replicated"));
    assert_int_equal(c->dist, PR_DIST_REPLICATED);
    c = PR_CAST(CreateTable, parse1("create table x (a int) distributed randomly"));
    assert_int_equal(c->dist, PR_DIST_RANDOM);
    c = PR_CAST(CreateTable, parse1("create table l_1995 partition of lineitem for values from "
                                    "('1995-01-01') to ('1996-01-01')"));
    assert_string_equal(c->partition_of->name, "lineitem");
    assert_int_equal(c->bound->from->n, 1);
    assert_int_equal(c->bound->to->n, 1);
    c = PR_CAST(CreateTable, parse1("create table l_min partition of lineitem for values from (minvalue) to (0)"));
    assert_string_equal(PR_CAST(ColumnRef, c->bound->from->items[0])->fields[0], "minvalue");
    parse1("create table l_def partition of lineitem default");
    parse1("create temp table t (a int) with (fillfactor = 70)");

    PrCreateTableAs *ct = PR_CAST(CreateTableAs, parse1("create table t2 (x, y) as select 1, 2 with no data"));
    assert_int_equal(ct->colnames->n, 2);
    assert_true(ct->with_no_data);
    parse1("create table t3 as select * from t distributed by (a)");
    PrCreateView *v = PR_CAST(CreateView, parse1("create or replace view v (a) as select 1"));
    assert_true(v->or_replace);
    assert_false(v->materialized);
    v = PR_CAST(CreateView, parse1("create materialized view mv as select a, count(*) from t group by a"));
    assert_true(v->materialized);
    PrRefreshMatView *r = PR_CAST(RefreshMatView, parse1("refresh materialized view concurrently mv"));
    assert_true(r->concurrently);
    PrDrop *d = PR_CAST(Drop, parse1("drop table if exists a, s.b cascade"));
    assert_true(d->if_exists && d->cascade);
    assert_int_equal(d->names->n, 2);
    assert_int_equal(PR_CAST(Drop, parse1("drop materialized view mv"))->kind, PR_OBJ_MATVIEW);
    parse1("drop view v restrict");
    parse1("drop schema s");
    parse1("create schema if not exists s");
    PrCreateIndex *ix = PR_CAST(CreateIndex, parse1("create unique index t1i0 on t1 (a1, b1 desc)"));
    assert_true(ix->unique);
    assert_int_equal(ix->keys->n, 2);

    PrAlterTable *a = PR_CAST(AlterTable, parse1("alter table lineitem attach partition l_1997 for values "
                                                 "from ('1997-01-01') to ('1998-01-01')"));
    assert_int_equal(PR_CAST(AlterCmd, a->cmds->items[0])->kind, PR_ALTER_ATTACH_PARTITION);
    a = PR_CAST(AlterTable, parse1("alter table lineitem detach partition l_1997"));
    assert_int_equal(PR_CAST(AlterCmd, a->cmds->items[0])->kind, PR_ALTER_DETACH_PARTITION);
    a = PR_CAST(AlterTable, parse1("alter table t add column c int not null, drop column if exists d cascade, "
                                   "rename column e to f, alter column g type bigint, alter h set not null"));
    assert_int_equal(a->cmds->n, 5);
    parse1("alter table t rename to u");
}

static void
test_copy_explain_utility(void **state)
{
    (void)state;
    PrCopy *c = PR_CAST(Copy, parse1("copy lineitem from '/data/lineitem.tbl' with (format csv, delimiter '|', "
                                     "header false, null '')"));
    assert_true(c->is_from);
    assert_false(c->is_stdio);
    assert_string_equal(c->filename, "/data/lineitem.tbl");
    assert_int_equal(c->options->n, 4);
    PrDefElem *d = PR_CAST(DefElem, c->options->items[0]);
    assert_string_equal(d->name, "format");
    assert_string_equal(PR_CAST(Literal, d->value)->text, "csv");
    c = PR_CAST(Copy, parse1("copy t (a, b) from stdin csv header delimiter as ','"));
    assert_true(c->is_stdio);
    assert_int_equal(c->columns->n, 2);
    assert_int_equal(c->options->n, 3);
    assert_string_equal(PR_CAST(DefElem, c->options->items[0])->name, "format");
    c = PR_CAST(Copy, parse1("copy (select * from t) to stdout"));
    assert_non_null(c->query);
    assert_false(c->is_from);
    parse1("copy t to '/tmp/x.csv' (format csv)");

    PrAnalyze *an = PR_CAST(Analyze, parse1("analyze lineitem, orders"));
    assert_int_equal(an->tables->n, 2);
    parse1("analyze");
    PrExplain *e = PR_CAST(Explain, parse1("explain analyze verbose select 1"));
    assert_int_equal(e->options->n, 2);
    assert_int_equal(e->stmt->tag, PR_T_Select);
    e = PR_CAST(Explain, parse1("explain (analyze, costs off, format json) select 1"));
    assert_int_equal(e->options->n, 3);
    parse1("explain select 1");
    parse1("explain insert into t values (1)");

    PrSet *s = PR_CAST(Set, parse1("set search_path to public, s"));
    assert_string_equal(s->name, "search_path");
    assert_int_equal(s->values->n, 2);
    s = PR_CAST(Set, parse1("set local statement_timeout = 1000"));
    assert_true(s->is_local);
    s = PR_CAST(Set, parse1("SET TIME ZONE 'UTC'"));
    assert_string_equal(s->name, "timezone");
    parse1("set work_mem to default");
    parse1("set extra_float_digits = -1");
    parse1("set my.setting = 'x'");
    s = PR_CAST(Set, parse1("set \"My\".Long_Part.x = 1"));
    assert_string_equal(s->name, "My.long_part.x");
    /* long dotted names print whole (a fuzzer find) */
    char big[600];
    memset(big, 'a', sizeof big);
    memcpy(big, "set ", 4);
    big[300] = '.';
    strcpy(big + 590, " = 1");
    s = PR_CAST(Set, parse1(big));
    assert_int_equal(strlen(s->name), 586);
    assert_string_equal(PR_CAST(Show, parse1("show work_mem"))->name, "work_mem");
    assert_null(PR_CAST(Show, parse1("show all"))->name);
    parse1("show transaction isolation level");
    parse1("reset all");
    parse1("reset work_mem");
    PrTransaction *t = PR_CAST(Transaction, parse1("begin isolation level repeatable read, read only"));
    assert_int_equal(t->kind, PR_TXN_BEGIN);
    assert_int_equal(t->options->n, 2);
    assert_int_equal(PR_CAST(Transaction, parse1("start transaction"))->kind, PR_TXN_BEGIN);
    assert_int_equal(PR_CAST(Transaction, parse1("commit work"))->kind, PR_TXN_COMMIT);
    assert_int_equal(PR_CAST(Transaction, parse1("end"))->kind, PR_TXN_COMMIT);
    assert_int_equal(PR_CAST(Transaction, parse1("rollback"))->kind, PR_TXN_ROLLBACK);
    assert_int_equal(PR_CAST(Transaction, parse1("abort"))->kind, PR_TXN_ROLLBACK);
    assert_string_equal(PR_CAST(Transaction, parse1("savepoint sp1"))->savepoint, "sp1");
    assert_int_equal(PR_CAST(Transaction, parse1("rollback to savepoint sp1"))->kind, PR_TXN_ROLLBACK_TO);
    assert_int_equal(PR_CAST(Transaction, parse1("release sp1"))->kind, PR_TXN_RELEASE);
    PrPrepare *p = PR_CAST(Prepare, parse1("prepare q (int, text) as select * from t where a = $1 and b = $2"));
    assert_int_equal(p->argtypes->n, 2);
    assert_int_equal(p->stmt->tag, PR_T_Select);
    PrExecute *x = PR_CAST(Execute, parse1("execute q (1, 'a')"));
    assert_int_equal(x->params->n, 2);
    assert_null(PR_CAST(Deallocate, parse1("deallocate all"))->name);
    assert_string_equal(PR_CAST(Deallocate, parse1("deallocate prepare q"))->name, "q");
}

static void
test_statement_list(void **state)
{
    (void)state;
    const char *sql = "  select 1 ; ;insert into t values (2);\n-- c\nselect 'a;b'  ";
    KErr err;
    PrStmtList *l;
    assert_int_equal(pr_parse(arena, sql, strlen(sql), &l, &err), K_OK);
    assert_int_equal(l->n, 3);
    assert_int_equal(l->items[0].start, 2);
    assert_int_equal(l->items[0].end, 10); /* "select 1" */
    assert_int_equal(l->items[1].start, 14);
    assert_int_equal(l->items[1].end, 14 + (int)strlen("insert into t values (2)"));
    assert_memory_equal(sql + l->items[2].start, "select 'a;b'", 12);
    assert_int_equal(l->items[2].end, l->items[2].start + 12);
    /* empty input and only comments give no statements */
    assert_int_equal(pr_parse(arena, "", 0, &l, &err), K_OK);
    assert_int_equal(l->n, 0);
    assert_int_equal(pr_parse(arena, " ; -- x\n /* y */ ;", 18, &l, &err), K_OK);
    assert_int_equal(l->n, 0);
    /* text need not be NUL-terminated */
    assert_int_equal(pr_parse(arena, "select 1xyz", 8, &l, &err), K_OK);
    assert_int_equal(l->n, 1);

    PrNode *e;
    assert_int_equal(pr_parse_expr(arena, "l_quantity * 2 + 1", 18, &e, &err), K_OK);
    assert_int_equal(e->tag, PR_T_BinaryExpr);
    assert_string_equal(print(e), "((l_quantity * 2) + 1)");
    assert_int_equal(pr_parse_expr(arena, "1; select 1", 11, &e, &err), K_ERR);
    assert_string_equal(err.message, "syntax error at or near \";\"");
    assert_int_equal(pr_parse_expr(arena, "", 0, &e, &err), K_ERR);
    assert_string_equal(err.message, "syntax error at end of input");
}

static void
test_errors(void **state)
{
    (void)state;
    parse_err("select * form t", K_SYNTAX_ERROR, "syntax error at or near \"form\"", 9);
    parse_err("select a from t wehre a = 1", K_SYNTAX_ERROR, "syntax error at or near \"a\"", 22);
    parse_err("SELECT a FORM t", K_SYNTAX_ERROR, "syntax error at or near \"t\"", 14);
    parse_err("select 1 from", K_SYNTAX_ERROR, "syntax error at end of input", 13);
    parse_err("select (1 + 2", K_SYNTAX_ERROR, "syntax error at end of input", 13);
    parse_err("select 1 +;", K_SYNTAX_ERROR, "syntax error at or near \";\"", 10);
    parse_err("select 'abc", K_SYNTAX_ERROR, "unterminated quoted string at or near \"'abc\"", 7);
    parse_err("select E'ab\\'", K_SYNTAX_ERROR, "unterminated quoted string at or near \"E'ab\\'\"", 7);
    parse_err("select 1 /*+ never closed", K_SYNTAX_ERROR,
              "unterminated /* comment at or near \"/*+ never closed\"", 9);
    parse_err("select 1 /* never /* closed */", K_SYNTAX_ERROR,
              "unterminated /* comment at or near \"/* never /* closed */\"", 9);
    parse_err("select \"abc", K_SYNTAX_ERROR, "unterminated quoted identifier at or near \"\"abc\"", 7);
    parse_err("select $a$ x", K_SYNTAX_ERROR, "unterminated dollar-quoted string at or near \"$a$ x\"", 7);
    parse_err("select \"\"", K_SYNTAX_ERROR, "zero-length delimited identifier at or near \"\"\"\"", 7);
    parse_err("select 123abc", K_SYNTAX_ERROR, "trailing junk after numeric literal at or near \"123abc\"", 7);
    parse_err("select E'\\000'", K_CHARACTER_NOT_IN_REPERTOIRE, "invalid byte sequence for encoding \"UTF8\": 0x00",
              7);
    parse_err("select 1 # 2 ]", K_SYNTAX_ERROR, "syntax error at or near \"]\"", 13);
    parse_err("select a from t; selec 1", K_SYNTAX_ERROR, "syntax error at or near \"selec\"", 17);
    parse_err("select \x01", K_SYNTAX_ERROR, "syntax error at or near \"\x01\"", 7);
    parse_err("select $0", K_SYNTAX_ERROR, "there is no parameter $0", 7);
    /* the quoted rest is cut at 40 bytes, never inside a UTF-8 character */
    parse_err("select 'abcdefghijklmnopqrstuvwxyz0123456789\xc3\xa9\xc3\xa9", K_SYNTAX_ERROR,
              "unterminated quoted string at or near \"'abcdefghijklmnopqrstuvwxyz0123456789\xc3\xa9\"", 7);
    /* errors in a later statement point into the whole text */
    parse_err("select 1; select 'x", K_SYNTAX_ERROR, "unterminated quoted string at or near \"'x\"", 17);
    parse_err("create table t (a int) partition by spiral (a)", K_INVALID_OBJECT_DEFINITION,
              "unrecognized partitioning strategy \"spiral\"", 36);
    parse_err("select a.b.c.d.e from t", K_SYNTAX_ERROR, "improper qualified name (too many dotted names)", 7);
    parse_err("(select 1 order by 1) order by 1", K_SYNTAX_ERROR, "multiple ORDER BY clauses not allowed", 31);
    parse_err("select 1 from t left join u", K_SYNTAX_ERROR, "syntax error at end of input", 27);
    /* a NUL byte inside the text is an illegal character, not the end */
    KErr err;
    PrStmtList *l;
    assert_int_equal(pr_parse(arena, "select 1\0 2", 11, &l, &err), K_ERR);
    assert_int_equal(err.pos, 8);
}

static void
test_depth_limits(void **state)
{
    (void)state;
    /* 1000 nested parentheses: a clean 54001, not a stack overflow */
    size_t n = 1000;
    char *sql = malloc(2 * n + 16);
    assert_non_null(sql);
    strcpy(sql, "select ");
    size_t o = 7;
    for (size_t i = 0; i < n; i++) sql[o++] = '(';
    sql[o++] = '1';
    for (size_t i = 0; i < n; i++) sql[o++] = ')';
    sql[o] = 0;
    KErr err;
    PrStmtList *l;
    assert_int_equal(pr_parse(arena, sql, o, &l, &err), K_ERR);
    assert_int_equal(err.code, K_STATEMENT_TOO_COMPLEX);
    assert_string_equal(err.message, "stack depth limit exceeded");
    assert_int_equal(err.pos, 7 + PR_MAX_NESTING);
    free(sql);

    /* within the limit it parses */
    char buf[1024];
    o = 0;
    o += (size_t)sprintf(buf, "select ");
    for (int i = 0; i < 100; i++) buf[o++] = '(';
    buf[o++] = '1';
    for (int i = 0; i < 100; i++) buf[o++] = ')';
    buf[o] = 0;
    parse1(buf);

    /* a long flat chain has no parentheses but a deep tree: also 54001 */
    size_t terms = 3000;
    sql = malloc(terms * 4 + 16);
    assert_non_null(sql);
    o = (size_t)sprintf(sql, "select 1");
    for (size_t i = 0; i < terms; i++) o += (size_t)sprintf(sql + o, "+1");
    assert_int_equal(pr_parse(arena, sql, o, &l, &err), K_ERR);
    assert_int_equal(err.code, K_STATEMENT_TOO_COMPLEX);
    free(sql);

    /* deeply nested subqueries */
    sql = malloc(30 * 300 + 16);
    assert_non_null(sql);
    o = 0;
    for (int i = 0; i < 300; i++) o += (size_t)sprintf(sql + o, "select (");
    o += (size_t)sprintf(sql + o, "1");
    for (int i = 0; i < 300; i++) sql[o++] = ')';
    assert_int_equal(pr_parse(arena, sql, o, &l, &err), K_ERR);
    assert_int_equal(err.code, K_STATEMENT_TOO_COMPLEX);
    free(sql);
}

static void
test_printer(void **state)
{
    (void)state;
    PrNode *n = parse1("select a \"B\", 'it''s' from \"My Table\" t where x = -1 and y <> 2 order by 1");
    assert_string_equal(print(n), "SELECT a AS \"B\", 'it''s' FROM \"My Table\" AS t WHERE ((x = -1) AND "
                                  "(y <> 2)) ORDER BY 1");
    n = parse1("select - - 1, -(-2), 3 - -4, -x");
    assert_string_equal(print(n), "SELECT (- -1), (- -2), (3 - -4), (- x)");
    n = parse1("select * from a left join b using (k) where b.k is null");
    assert_string_equal(print(n), "SELECT * FROM (a LEFT JOIN b USING (k)) WHERE (b.k IS NULL)");
    n = parse1("select x::numeric(10,2), cast(y as text)");
    assert_string_equal(print(n), "SELECT (x)::numeric(10, 2), CAST(y AS text)");
}

/* What psql's \\d family and drivers send: OPERATOR(), COLLATE, ARRAY,
 * subscripts, AT TIME ZONE, qualified functions and types. */
static void
test_client_catalog_queries(void **state)
{
    (void)state;
    PrSelect *s = sel("SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c "
                      "LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE c.relname OPERATOR(pg_catalog.~) '^(t1)$' COLLATE pg_catalog.default "
                      "AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 2, 3");
    PrBinaryExpr *w = PR_CAST(BinaryExpr, PR_CAST(BinaryExpr, s->where)->left);
    assert_int_equal(w->op, PR_OP_OTHER);
    assert_string_equal(w->opname, "~");
    assert_int_equal(w->right->tag, PR_T_Literal); /* COLLATE dropped */
    parse1("SELECT c.relchecks, pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x "
           "from pg_catalog.unnest(tc.reloptions) x), ', '), CASE WHEN c.reloftype = 0 THEN '' ELSE "
           "c.reloftype::pg_catalog.regtype::pg_catalog.text END FROM pg_catalog.pg_class c "
           "LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid) WHERE c.oid = '16385'");
    parse1("SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), ''::pg_catalog.char AS "
           "attidentity FROM pg_catalog.pg_attribute a WHERE a.attrelid = '16385' AND a.attnum > 0 AND "
           "NOT a.attisdropped ORDER BY a.attnum");
    s = sel("select attnum = prattrs[s], array[1, 2], array[[1, 2], [3, 4]], array[]::int[], "
            "ts at time zone 'UTC', a = any (array[1, 2]), x operator(pg_catalog.=) y");
    PrSubscript *sub = PR_CAST(Subscript, PR_CAST(BinaryExpr, target(s, 0))->right);
    assert_string_equal(PR_CAST(ColumnRef, sub->arg)->fields[0], "prattrs");
    assert_int_equal(PR_CAST(ArrayExpr, target(s, 1))->elements->n, 2);
    assert_int_equal(PR_CAST(ArrayExpr, PR_CAST(ArrayExpr, target(s, 2))->elements->items[0])->elements->n, 2);
    PrFuncCall *f = PR_CAST(FuncCall, target(s, 4));
    assert_int_equal(f->syntax, PR_FUNC_AT_TIME_ZONE);
    assert_string_equal(f->name, "timezone");
    assert_int_equal(PR_CAST(BinaryExpr, target(s, 6))->op, PR_OP_EQ);
    parse1("SET application_name = 'PostgreSQL JDBC Driver'");
    parse1("SET extra_float_digits = 3");
    PrSet *st = PR_CAST(Set, parse1("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED"));
    assert_string_equal(st->name, "default_transaction_isolation");
    assert_string_equal(PR_CAST(Literal, st->values->items[0])->text, "read committed");
    st = PR_CAST(Set, parse1("set transaction read only"));
    assert_string_equal(st->name, "transaction_read_only");
    assert_string_equal(PR_CAST(Literal, st->values->items[0])->text, "on");
    parse1("select version()");
    parse1("select current_schema(), current_user, session_user");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer_literals),
        cmocka_unit_test(test_grouping_sets),
        cmocka_unit_test(test_keywords_as_names),
        cmocka_unit_test(test_select_clauses),
        cmocka_unit_test(test_joins),
        cmocka_unit_test(test_subqueries_setops_cte),
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_aggregates_windows),
        cmocka_unit_test(test_dml),
        cmocka_unit_test(test_ddl),
        cmocka_unit_test(test_copy_explain_utility),
        cmocka_unit_test(test_statement_list),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth_limits),
        cmocka_unit_test(test_printer),
        cmocka_unit_test(test_client_catalog_queries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
