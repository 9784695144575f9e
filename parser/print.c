/*
 * print.c — the AST printer: any node back to canonical SQL text.
 *
 * Canonical form: keywords in upper case, identifiers quoted only when
 * they must be (not lower-case-simple, or a keyword), one space between
 * tokens, every compound expression in parentheses, every set-operation
 * arm in parentheses, every join in parentheses. Parentheses leave no node
 * in the tree, so parse(print(tree)) gives the same tree and printing it
 * again gives the same text: the tests check that fixed point over the
 * TPC-H, SSB and sqllogictest corpora.
 *
 * Interface routines: pr_print, pr_print_stmt, pr_print_buf,
 * pr_print_ident.
 */
#include "parser/parser_int.h"

#define P(s) k_buf_put(b, (s), strlen(s))

static void print_node(KBuf *b, const PrNode *n);
static void print_select(KBuf *b, const PrSelect *s);

static void
print_list(KBuf *b, const PrList *l, const char *sep)
{
    for (int32_t i = 0; i < pr_list_len(l); i++) {
        if (i) P(sep);
        print_node(b, l->items[i]);
    }
}

/* An identifier of `len` bytes, quoted when it must be. */
static void
print_ident_n(KBuf *b, const char *name, size_t len)
{
    bool plain = len > 0 && !(name[0] >= '0' && name[0] <= '9');
    for (size_t i = 0; plain && i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
    }
    if (plain && pr_keyword_kind(name, len) != PR_KW_NONE) plain = false;
    if (plain) {
        k_buf_put(b, name, len);
        return;
    }
    k_buf_put_u8(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '"') k_buf_put_u8(b, '"');
        k_buf_put_u8(b, (uint8_t)name[i]);
    }
    k_buf_put_u8(b, '"');
}

void
pr_print_ident(KBuf *b, const char *name)
{
    print_ident_n(b, name, strlen(name));
}

/* A setting name "a.b.c": each part an identifier. */
static void
print_dotted(KBuf *b, const char *name)
{
    for (const char *c = name;;) {
        const char *dot = strchr(c, '.');
        size_t len = dot ? (size_t)(dot - c) : strlen(c);
        print_ident_n(b, c, len);
        if (!dot) break;
        P(".");
        c = dot + 1;
    }
}

static void
print_ident_list(KBuf *b, const PrList *l)
{
    for (int32_t i = 0; i < pr_list_len(l); i++) {
        if (i) P(", ");
        pr_print_ident(b, ((const PrIdent *)l->items[i])->name);
    }
}

static void
print_string(KBuf *b, const char *s, uint32_t len)
{
    k_buf_put_u8(b, '\'');
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] == '\'') k_buf_put_u8(b, '\'');
        k_buf_put_u8(b, (uint8_t)s[i]);
    }
    k_buf_put_u8(b, '\'');
}

static const char *const ivf_names[] = {
    [PR_IVF_NONE] = "", [PR_IVF_YEAR] = " YEAR", [PR_IVF_MONTH] = " MONTH", [PR_IVF_DAY] = " DAY",
    [PR_IVF_HOUR] = " HOUR", [PR_IVF_MINUTE] = " MINUTE", [PR_IVF_SECOND] = " SECOND",
    [PR_IVF_YEAR_TO_MONTH] = " YEAR TO MONTH", [PR_IVF_DAY_TO_HOUR] = " DAY TO HOUR",
    [PR_IVF_DAY_TO_MINUTE] = " DAY TO MINUTE", [PR_IVF_DAY_TO_SECOND] = " DAY TO SECOND",
    [PR_IVF_HOUR_TO_MINUTE] = " HOUR TO MINUTE", [PR_IVF_HOUR_TO_SECOND] = " HOUR TO SECOND",
    [PR_IVF_MINUTE_TO_SECOND] = " MINUTE TO SECOND",
};

static void
print_mods(KBuf *b, const PrTypeName *t)
{
    if (t->nmods == 1) k_buf_printf(b, "(%d)", (int)t->mods[0]);
    else if (t->nmods == 2) k_buf_printf(b, "(%d, %d)", (int)t->mods[0], (int)t->mods[1]);
}

static void
print_type(KBuf *b, const PrTypeName *t)
{
    const char *n = t->name;
    if (!t->schema && !strcmp(n, "double precision")) {
        P("DOUBLE PRECISION");
    } else if (!t->schema && (!strcmp(n, "character") || !strcmp(n, "character varying"))) {
        P(n[9] ? "CHARACTER VARYING" : "CHARACTER");
        print_mods(b, t);
    } else if (!t->schema && (!strncmp(n, "timestamp", 9) || !strncmp(n, "time", 4)) &&
               (!strcmp(n, "timestamp") || !strcmp(n, "time") || strstr(n, " with time zone"))) {
        P(n[4] == 's' ? "TIMESTAMP" : "TIME");
        print_mods(b, t);
        if (strstr(n, " with time zone")) P(" WITH TIME ZONE");
    } else if (!t->schema && !strcmp(n, "interval")) {
        P("INTERVAL");
        P(ivf_names[t->interval_fields]);
    } else {
        if (t->schema) {
            pr_print_ident(b, t->schema);
            P(".");
        }
        pr_print_ident(b, n);
        print_mods(b, t);
    }
    for (int32_t i = 0; i < t->array_dims; i++) P("[]");
}

static void
print_literal(KBuf *b, const PrLiteral *l)
{
    switch (l->kind) {
    case PR_LIT_NULL: P("NULL"); break;
    case PR_LIT_BOOL: P(l->text[0] == 't' ? "TRUE" : "FALSE"); break;
    case PR_LIT_INTEGER:
    case PR_LIT_NUMERIC: k_buf_put(b, l->text, l->len); break;
    case PR_LIT_STRING: print_string(b, l->text, l->len); break;
    case PR_LIT_TYPED: {
        const PrTypeName *t = l->type;
        if (!strcmp(t->name, "interval") || !strcmp(t->name, "timestamp") || !strcmp(t->name, "time")) {
            /* keyword-led literal forms */
            for (const char *c = t->name; *c; c++) k_buf_put_u8(b, (uint8_t)(*c - 32));
        } else {
            pr_print_ident(b, t->name);
        }
        P(" ");
        print_string(b, l->text, l->len);
        P(ivf_names[l->interval_fields]);
        if (l->interval_precision >= 0) k_buf_printf(b, "(%d)", (int)l->interval_precision);
        break;
    }
    }
}

static void
print_window_body(KBuf *b, const PrWindowDef *w)
{
    bool space = false;
    P("(");
    if (w->refname) {
        pr_print_ident(b, w->refname);
        space = true;
    }
    if (w->partition_by) {
        if (space) P(" ");
        P("PARTITION BY ");
        print_list(b, w->partition_by, ", ");
        space = true;
    }
    if (w->order_by) {
        if (space) P(" ");
        P("ORDER BY ");
        print_list(b, w->order_by, ", ");
        space = true;
    }
    if (w->frame_mode != PR_FRAME_DEFAULT) {
        if (space) P(" ");
        P(w->frame_mode == PR_FRAME_ROWS ? "ROWS " : w->frame_mode == PR_FRAME_RANGE ? "RANGE " : "GROUPS ");
        if (w->frame_end) {
            P("BETWEEN ");
            print_node(b, (const PrNode *)w->frame_start);
            P(" AND ");
            print_node(b, (const PrNode *)w->frame_end);
        } else {
            print_node(b, (const PrNode *)w->frame_start);
        }
        if (w->exclude == PR_EXCLUDE_CURRENT_ROW) P(" EXCLUDE CURRENT ROW");
        else if (w->exclude == PR_EXCLUDE_GROUP) P(" EXCLUDE GROUP");
        else if (w->exclude == PR_EXCLUDE_TIES) P(" EXCLUDE TIES");
    }
    P(")");
}

static void
print_func(KBuf *b, const PrFuncCall *f)
{
    const PrList *a = f->args;
    switch (f->syntax) {
    case PR_FUNC_SUBSTRING:
        P("SUBSTRING(");
        print_node(b, a->items[0]);
        P(" FROM ");
        print_node(b, a->items[1]);
        if (a->n > 2) {
            P(" FOR ");
            print_node(b, a->items[2]);
        }
        P(")");
        return;
    case PR_FUNC_POSITION:
        P("POSITION(");
        print_node(b, a->items[0]);
        P(" IN ");
        print_node(b, a->items[1]);
        P(")");
        return;
    case PR_FUNC_TRIM:
        P("TRIM(");
        P(!strcmp(f->name, "ltrim") ? "LEADING " : !strcmp(f->name, "rtrim") ? "TRAILING " : "BOTH ");
        if (a->n > 1) {
            print_node(b, a->items[1]);
            P(" ");
        }
        P("FROM ");
        print_node(b, a->items[0]);
        P(")");
        return;
    case PR_FUNC_OVERLAY:
        P("OVERLAY(");
        print_node(b, a->items[0]);
        P(" PLACING ");
        print_node(b, a->items[1]);
        P(" FROM ");
        print_node(b, a->items[2]);
        if (a->n > 3) {
            P(" FOR ");
            print_node(b, a->items[3]);
        }
        P(")");
        return;
    case PR_FUNC_SQLVALUE:
        for (const char *c = f->name; *c; c++) k_buf_put_u8(b, (uint8_t)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c));
        return;
    case PR_FUNC_AT_TIME_ZONE:
        P("(");
        print_node(b, a->items[1]);
        P(" AT TIME ZONE ");
        print_node(b, a->items[0]);
        P(")");
        return;
    case PR_FUNC_NORMAL:
        break;
    }
    if (f->schema) {
        pr_print_ident(b, f->schema);
        P(".");
    }
    pr_print_ident(b, f->name);
    P("(");
    if (f->star) P("*");
    if (f->distinct) P("DISTINCT ");
    print_list(b, a, ", ");
    if (f->agg_order) {
        P(" ORDER BY ");
        print_list(b, f->agg_order, ", ");
    }
    P(")");
    if (f->filter) {
        P(" FILTER (WHERE ");
        print_node(b, f->filter);
        P(")");
    }
    if (f->over) {
        P(" OVER ");
        if (f->over->refname && !f->over->partition_by && !f->over->order_by &&
            f->over->frame_mode == PR_FRAME_DEFAULT)
            pr_print_ident(b, f->over->refname);
        else
            print_window_body(b, f->over);
    }
}

static void
print_alias(KBuf *b, const PrAlias *a)
{
    if (!a) return;
    P(" AS ");
    pr_print_ident(b, a->name);
    if (a->colnames) {
        P("(");
        print_ident_list(b, a->colnames);
        P(")");
    }
}

static void
print_rangevar(KBuf *b, const PrRangeVar *r)
{
    if (r->only) P("ONLY ");
    if (r->catalog) {
        pr_print_ident(b, r->catalog);
        P(".");
    }
    if (r->schema) {
        pr_print_ident(b, r->schema);
        P(".");
    }
    pr_print_ident(b, r->name);
    print_alias(b, r->alias);
}

static void
print_with(KBuf *b, const PrWithClause *w)
{
    if (!w) return;
    P(w->recursive ? "WITH RECURSIVE " : "WITH ");
    print_list(b, w->ctes, ", ");
    P(" ");
}

/* A set-operation arm: always parenthesised. */
static void
print_sub(KBuf *b, const PrSelect *s)
{
    P("(");
    print_select(b, s);
    P(")");
}

static void
print_select(KBuf *b, const PrSelect *s)
{
    print_with(b, s->with);
    switch (s->kind) {
    case PR_SELECT_SIMPLE:
        P("SELECT");
        if (s->distinct) {
            P(" DISTINCT");
            if (s->distinct_on) {
                P(" ON (");
                print_list(b, s->distinct_on, ", ");
                P(")");
            }
        }
        if (s->targets) {
            P(" ");
            print_list(b, s->targets, ", ");
        }
        if (s->from) {
            P(" FROM ");
            print_list(b, s->from, ", ");
        }
        if (s->where) {
            P(" WHERE ");
            print_node(b, s->where);
        }
        if (s->group_by) {
            P(s->group_distinct ? " GROUP BY DISTINCT " : " GROUP BY ");
            print_list(b, s->group_by, ", ");
        }
        if (s->having) {
            P(" HAVING ");
            print_node(b, s->having);
        }
        if (s->windows) {
            P(" WINDOW ");
            for (int32_t i = 0; i < s->windows->n; i++) {
                const PrWindowDef *w = (const PrWindowDef *)s->windows->items[i];
                if (i) P(", ");
                pr_print_ident(b, w->name);
                P(" AS ");
                print_window_body(b, w);
            }
        }
        break;
    case PR_SELECT_VALUES:
        P("VALUES ");
        print_list(b, s->values, ", ");
        break;
    case PR_SELECT_SETOP:
        print_sub(b, s->larg);
        P(s->op == PR_SETOP_UNION ? " UNION " : s->op == PR_SETOP_INTERSECT ? " INTERSECT " : " EXCEPT ");
        if (s->all) P("ALL ");
        print_sub(b, s->rarg);
        break;
    }
    if (s->order_by) {
        P(" ORDER BY ");
        print_list(b, s->order_by, ", ");
    }
    if (s->fetch_syntax && s->limit) {
        if (s->offset) {
            P(" OFFSET ");
            print_node(b, s->offset);
            P(" ROWS");
        }
        P(" FETCH FIRST ");
        print_node(b, s->limit);
        P(s->fetch_with_ties ? " ROWS WITH TIES" : " ROWS ONLY");
        return;
    }
    if (s->limit) {
        P(" LIMIT ");
        print_node(b, s->limit);
    }
    if (s->offset) {
        P(" OFFSET ");
        print_node(b, s->offset);
    }
}

static void
print_constraint(KBuf *b, const PrConstraint *c, bool table_level)
{
    if (c->name) {
        P("CONSTRAINT ");
        pr_print_ident(b, c->name);
        P(" ");
    }
    switch (c->kind) {
    case PR_CONSTR_NOT_NULL: P("NOT NULL"); break;
    case PR_CONSTR_NULL: P("NULL"); break;
    case PR_CONSTR_DEFAULT:
        P("DEFAULT ");
        print_node(b, c->expr);
        break;
    case PR_CONSTR_PRIMARY_KEY:
    case PR_CONSTR_UNIQUE:
        P(c->kind == PR_CONSTR_PRIMARY_KEY ? "PRIMARY KEY" : "UNIQUE");
        if (c->keys) {
            P(" (");
            print_ident_list(b, c->keys);
            P(")");
        }
        break;
    case PR_CONSTR_REFERENCES:
        if (c->keys) {
            P("FOREIGN KEY (");
            print_ident_list(b, c->keys);
            P(") ");
        }
        P("REFERENCES ");
        print_rangevar(b, c->ref_table);
        if (c->ref_cols) {
            P(" (");
            print_ident_list(b, c->ref_cols);
            P(")");
        }
        break;
    case PR_CONSTR_CHECK:
        P("CHECK (");
        print_node(b, c->expr);
        P(")");
        break;
    }
    (void)table_level;
}

static void
print_coldef(KBuf *b, const PrColumnDef *c)
{
    pr_print_ident(b, c->name);
    P(" ");
    print_type(b, c->type);
    for (int32_t i = 0; i < pr_list_len(c->constraints); i++) {
        P(" ");
        print_constraint(b, (const PrConstraint *)c->constraints->items[i], false);
    }
}

static void
print_bound(KBuf *b, const PrPartitionBound *pb)
{
    if (pb->is_default) {
        P("DEFAULT");
    } else if (pb->in_list) {
        P("FOR VALUES IN (");
        print_list(b, pb->in_list, ", ");
        P(")");
    } else {
        P("FOR VALUES FROM (");
        print_list(b, pb->from, ", ");
        P(") TO (");
        print_list(b, pb->to, ", ");
        P(")");
    }
}

static void
print_dist(KBuf *b, PrDistKind d, const PrList *keys)
{
    if (d == PR_DIST_HASH) {
        P(" DISTRIBUTED BY (");
        print_ident_list(b, keys);
        P(")");
    } else if (d == PR_DIST_REPLICATED) {
        P(" DISTRIBUTED REPLICATED");
    } else if (d == PR_DIST_RANDOM) {
        P(" DISTRIBUTED RANDOMLY");
    }
}

static void
print_defelems(KBuf *b, const PrList *l)
{
    for (int32_t i = 0; i < pr_list_len(l); i++) {
        const PrDefElem *d = (const PrDefElem *)l->items[i];
        if (i) P(", ");
        /* option names are words; keywords among them print as keywords */
        if (!strcmp(d->name, "null") || !strcmp(d->name, "analyze") || !strcmp(d->name, "verbose") ||
            !strcmp(d->name, "format")) {
            for (const char *c = d->name; *c; c++) k_buf_put_u8(b, (uint8_t)(*c - 32));
        } else {
            pr_print_ident(b, d->name);
        }
        if (d->value) {
            P(" ");
            print_node(b, d->value);
        }
    }
}

static const char *
binop_text(const PrBinaryExpr *e)
{
    switch (e->op) {
    case PR_OP_AND: return "AND";
    case PR_OP_OR: return "OR";
    case PR_OP_IS_DISTINCT: return "IS DISTINCT FROM";
    case PR_OP_IS_NOT_DISTINCT: return "IS NOT DISTINCT FROM";
    default: return e->opname;
    }
}

static void
print_node(KBuf *b, const PrNode *n)
{
    if (!n) {
        P("<null>");
        return;
    }
    switch ((PrTag)n->tag) {
    case PR_T_Ident: pr_print_ident(b, ((const PrIdent *)n)->name); break;
    case PR_T_RangeVar: print_rangevar(b, (const PrRangeVar *)n); break;
    case PR_T_Alias: print_alias(b, (const PrAlias *)n); break;
    case PR_T_TypeName: print_type(b, (const PrTypeName *)n); break;
    case PR_T_DefElem: {
        PrList one = {1, 1, (PrNode **)&n};
        print_defelems(b, &one);
        break;
    }
    case PR_T_ColumnRef: {
        const PrColumnRef *c = (const PrColumnRef *)n;
        for (int32_t i = 0; i < c->nfields; i++) {
            if (i) P(".");
            pr_print_ident(b, c->fields[i]);
        }
        if (c->star) P(c->nfields ? ".*" : "*");
        break;
    }
    case PR_T_Literal: print_literal(b, (const PrLiteral *)n); break;
    case PR_T_Param: k_buf_printf(b, "$%d", (int)((const PrParam *)n)->number); break;
    case PR_T_UnaryExpr: {
        const PrUnaryExpr *u = (const PrUnaryExpr *)n;
        P("(");
        P(u->op == PR_UOP_NOT ? "NOT" : u->opname);
        P(" ");
        print_node(b, u->arg);
        P(")");
        break;
    }
    case PR_T_BinaryExpr: {
        const PrBinaryExpr *e = (const PrBinaryExpr *)n;
        P("(");
        print_node(b, e->left);
        P(" ");
        P(binop_text(e));
        P(" ");
        print_node(b, e->right);
        P(")");
        break;
    }
    case PR_T_LikeExpr: {
        const PrLikeExpr *e = (const PrLikeExpr *)n;
        P("(");
        print_node(b, e->arg);
        P(e->negated ? " NOT" : "");
        P(e->ilike ? " ILIKE " : " LIKE ");
        print_node(b, e->pattern);
        if (e->escape) {
            P(" ESCAPE ");
            print_node(b, e->escape);
        }
        P(")");
        break;
    }
    case PR_T_IsExpr: {
        const PrIsExpr *e = (const PrIsExpr *)n;
        static const char *const tests[] = {"NULL", "TRUE", "FALSE", "UNKNOWN"};
        P("(");
        print_node(b, e->arg);
        P(e->negated ? " IS NOT " : " IS ");
        P(tests[e->test]);
        P(")");
        break;
    }
    case PR_T_BetweenExpr: {
        const PrBetweenExpr *e = (const PrBetweenExpr *)n;
        P("(");
        print_node(b, e->arg);
        P(e->negated ? " NOT BETWEEN " : " BETWEEN ");
        if (e->symmetric) P("SYMMETRIC ");
        print_node(b, e->low);
        P(" AND ");
        print_node(b, e->high);
        P(")");
        break;
    }
    case PR_T_InExpr: {
        const PrInExpr *e = (const PrInExpr *)n;
        P("(");
        print_node(b, e->arg);
        P(e->negated ? " NOT IN (" : " IN (");
        print_list(b, e->list, ", ");
        P("))");
        break;
    }
    case PR_T_SubLink: {
        const PrSubLink *s = (const PrSubLink *)n;
        switch (s->kind) {
        case PR_SUBLINK_EXISTS:
            P("EXISTS ");
            print_sub(b, s->subquery);
            break;
        case PR_SUBLINK_SCALAR: print_sub(b, s->subquery); break;
        case PR_SUBLINK_ARRAY:
            P("ARRAY");
            print_sub(b, s->subquery);
            break;
        case PR_SUBLINK_ANY:
        case PR_SUBLINK_ALL:
            P("(");
            print_node(b, s->testexpr);
            if (s->is_in) {
                P(s->negated ? " NOT IN " : " IN ");
            } else {
                P(" ");
                P(s->opname);
                P(s->kind == PR_SUBLINK_ALL ? " ALL " : " ANY ");
            }
            print_sub(b, s->subquery);
            P(")");
            break;
        }
        break;
    }
    case PR_T_CaseExpr: {
        const PrCaseExpr *c = (const PrCaseExpr *)n;
        P("CASE");
        if (c->arg) {
            P(" ");
            print_node(b, c->arg);
        }
        for (int32_t i = 0; i < pr_list_len(c->whens); i++) {
            P(" ");
            print_node(b, c->whens->items[i]);
        }
        if (c->else_expr) {
            P(" ELSE ");
            print_node(b, c->else_expr);
        }
        P(" END");
        break;
    }
    case PR_T_CaseWhen: {
        const PrCaseWhen *w = (const PrCaseWhen *)n;
        P("WHEN ");
        print_node(b, w->cond);
        P(" THEN ");
        print_node(b, w->result);
        break;
    }
    case PR_T_CastExpr: {
        const PrCastExpr *c = (const PrCastExpr *)n;
        if (c->colon_syntax) {
            P("(");
            print_node(b, c->arg);
            P(")::");
            print_type(b, c->type);
        } else {
            P("CAST(");
            print_node(b, c->arg);
            P(" AS ");
            print_type(b, c->type);
            P(")");
        }
        break;
    }
    case PR_T_FuncCall: print_func(b, (const PrFuncCall *)n); break;
    case PR_T_ExtractExpr: {
        const PrExtractExpr *e = (const PrExtractExpr *)n;
        bool word = e->field[0] != 0 && !(e->field[0] >= '0' && e->field[0] <= '9');
        for (const char *c = e->field; word && *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) word = false;
        P("EXTRACT(");
        if (word) P(e->field);
        else print_string(b, e->field, (uint32_t)strlen(e->field));
        P(" FROM ");
        print_node(b, e->arg);
        P(")");
        break;
    }
    case PR_T_RowExpr: {
        const PrRowExpr *r = (const PrRowExpr *)n;
        P(r->explicit_row ? "ROW(" : "(");
        print_list(b, r->args, ", ");
        P(")");
        break;
    }
    case PR_T_DefaultExpr: P("DEFAULT"); break;
    case PR_T_GroupingSet: {
        const PrGroupingSet *g = (const PrGroupingSet *)n;
        static const char *const kinds[] = {"(", "ROLLUP(", "CUBE(", "GROUPING SETS ("};
        P(kinds[g->kind]);
        print_list(b, g->content, ", ");
        P(")");
        break;
    }
    case PR_T_ResTarget: {
        const PrResTarget *t = (const PrResTarget *)n;
        print_node(b, t->expr);
        if (t->name) {
            P(" AS ");
            pr_print_ident(b, t->name);
        }
        break;
    }
    case PR_T_SortBy: {
        const PrSortBy *s = (const PrSortBy *)n;
        print_node(b, s->expr);
        if (s->dir == PR_SORT_ASC) P(" ASC");
        else if (s->dir == PR_SORT_DESC) P(" DESC");
        if (s->nulls == PR_NULLS_FIRST) P(" NULLS FIRST");
        else if (s->nulls == PR_NULLS_LAST) P(" NULLS LAST");
        break;
    }
    case PR_T_WindowDef: print_window_body(b, (const PrWindowDef *)n); break;
    case PR_T_FrameBound: {
        const PrFrameBound *f = (const PrFrameBound *)n;
        switch (f->kind) {
        case PR_BOUND_UNBOUNDED_PRECEDING: P("UNBOUNDED PRECEDING"); break;
        case PR_BOUND_UNBOUNDED_FOLLOWING: P("UNBOUNDED FOLLOWING"); break;
        case PR_BOUND_CURRENT_ROW: P("CURRENT ROW"); break;
        case PR_BOUND_PRECEDING:
        case PR_BOUND_FOLLOWING:
            print_node(b, f->offset);
            P(f->kind == PR_BOUND_PRECEDING ? " PRECEDING" : " FOLLOWING");
            break;
        }
        break;
    }
    case PR_T_CommonTable: {
        const PrCommonTable *c = (const PrCommonTable *)n;
        pr_print_ident(b, c->name);
        if (c->colnames) {
            P("(");
            print_ident_list(b, c->colnames);
            P(")");
        }
        P(" AS ");
        if (c->materialize == PR_CTE_MATERIALIZED) P("MATERIALIZED ");
        else if (c->materialize == PR_CTE_NOT_MATERIALIZED) P("NOT MATERIALIZED ");
        P("(");
        print_node(b, c->query);
        P(")");
        break;
    }
    case PR_T_WithClause: print_with(b, (const PrWithClause *)n); break;
    case PR_T_RangeSubselect: {
        const PrRangeSubselect *r = (const PrRangeSubselect *)n;
        if (r->lateral) P("LATERAL ");
        print_sub(b, r->subquery);
        print_alias(b, r->alias);
        break;
    }
    case PR_T_RangeFunction: {
        const PrRangeFunction *r = (const PrRangeFunction *)n;
        if (r->lateral) P("LATERAL ");
        print_func(b, r->func);
        print_alias(b, r->alias);
        break;
    }
    case PR_T_JoinExpr: {
        const PrJoinExpr *j = (const PrJoinExpr *)n;
        static const char *const types[] = {" JOIN ", " LEFT JOIN ", " RIGHT JOIN ", " FULL JOIN ",
                                            " CROSS JOIN "};
        P("(");
        print_node(b, j->left);
        if (j->natural) P(" NATURAL");
        P(types[j->type]);
        print_node(b, j->right);
        if (j->quals) {
            P(" ON ");
            print_node(b, j->quals);
        } else if (j->using_cols) {
            P(" USING (");
            print_ident_list(b, j->using_cols);
            P(")");
        }
        P(")");
        print_alias(b, j->alias);
        break;
    }
    case PR_T_SetClause: {
        const PrSetClause *s = (const PrSetClause *)n;
        pr_print_ident(b, s->column);
        P(" = ");
        print_node(b, s->value);
        break;
    }
    case PR_T_ColumnDef: print_coldef(b, (const PrColumnDef *)n); break;
    case PR_T_Constraint: print_constraint(b, (const PrConstraint *)n, true); break;
    case PR_T_PartitionSpec: {
        const PrPartitionSpec *s = (const PrPartitionSpec *)n;
        P(s->strategy == PR_PART_RANGE ? "PARTITION BY RANGE (" : s->strategy == PR_PART_LIST ? "PARTITION BY list ("
                                                                                              : "PARTITION BY hash (");
        print_list(b, s->keys, ", ");
        P(")");
        break;
    }
    case PR_T_PartitionBound: print_bound(b, (const PrPartitionBound *)n); break;
    case PR_T_AlterCmd: {
        const PrAlterCmd *c = (const PrAlterCmd *)n;
        switch (c->kind) {
        case PR_ALTER_ATTACH_PARTITION:
            P("ATTACH PARTITION ");
            print_rangevar(b, c->partition);
            P(" ");
            print_bound(b, c->bound);
            break;
        case PR_ALTER_DETACH_PARTITION:
            P("DETACH PARTITION ");
            print_rangevar(b, c->partition);
            break;
        case PR_ALTER_ADD_COLUMN:
            P(c->if_not_exists ? "ADD COLUMN IF NOT EXISTS " : "ADD COLUMN ");
            print_coldef(b, c->column);
            break;
        case PR_ALTER_ADD_CONSTRAINT:
            P("ADD ");
            print_constraint(b, c->constraint, true);
            break;
        case PR_ALTER_DROP_COLUMN:
            P(c->if_exists ? "DROP COLUMN IF EXISTS " : "DROP COLUMN ");
            pr_print_ident(b, c->name);
            if (c->cascade) P(" CASCADE");
            break;
        case PR_ALTER_RENAME_TABLE:
            P("RENAME TO ");
            pr_print_ident(b, c->newname);
            break;
        case PR_ALTER_RENAME_COLUMN:
            P("RENAME COLUMN ");
            pr_print_ident(b, c->name);
            P(" TO ");
            pr_print_ident(b, c->newname);
            break;
        case PR_ALTER_ALTER_COLUMN_TYPE:
            P("ALTER COLUMN ");
            pr_print_ident(b, c->name);
            P(" TYPE ");
            print_type(b, c->column->type);
            break;
        case PR_ALTER_SET_NOT_NULL:
        case PR_ALTER_DROP_NOT_NULL:
            P("ALTER COLUMN ");
            pr_print_ident(b, c->name);
            P(c->kind == PR_ALTER_SET_NOT_NULL ? " SET NOT NULL" : " DROP NOT NULL");
            break;
        }
        break;
    }
    case PR_T_Select: print_select(b, (const PrSelect *)n); break;
    case PR_T_Insert: {
        const PrInsert *s = (const PrInsert *)n;
        print_with(b, s->with);
        P("INSERT INTO ");
        print_rangevar(b, s->table);
        if (s->columns) {
            P(" (");
            print_ident_list(b, s->columns);
            P(")");
        }
        if (s->source) {
            P(" ");
            print_select(b, s->source);
        } else {
            P(" DEFAULT VALUES");
        }
        if (s->returning) {
            P(" RETURNING ");
            print_list(b, s->returning, ", ");
        }
        break;
    }
    case PR_T_Update: {
        const PrUpdate *s = (const PrUpdate *)n;
        print_with(b, s->with);
        P("UPDATE ");
        print_rangevar(b, s->table);
        P(" SET ");
        print_list(b, s->set, ", ");
        if (s->from) {
            P(" FROM ");
            print_list(b, s->from, ", ");
        }
        if (s->where) {
            P(" WHERE ");
            print_node(b, s->where);
        }
        if (s->returning) {
            P(" RETURNING ");
            print_list(b, s->returning, ", ");
        }
        break;
    }
    case PR_T_Delete: {
        const PrDelete *s = (const PrDelete *)n;
        print_with(b, s->with);
        P("DELETE FROM ");
        print_rangevar(b, s->table);
        if (s->using_tables) {
            P(" USING ");
            print_list(b, s->using_tables, ", ");
        }
        if (s->where) {
            P(" WHERE ");
            print_node(b, s->where);
        }
        if (s->returning) {
            P(" RETURNING ");
            print_list(b, s->returning, ", ");
        }
        break;
    }
    case PR_T_Truncate: {
        const PrTruncate *s = (const PrTruncate *)n;
        P("TRUNCATE TABLE ");
        print_list(b, s->tables, ", ");
        if (s->restart_identity) P(" RESTART IDENTITY");
        if (s->cascade) P(" CASCADE");
        break;
    }
    case PR_T_CreateTable: {
        const PrCreateTable *s = (const PrCreateTable *)n;
        P(s->temporary ? "CREATE TEMPORARY TABLE " : s->unlogged ? "CREATE UNLOGGED TABLE " : "CREATE TABLE ");
        if (s->if_not_exists) P("IF NOT EXISTS ");
        print_rangevar(b, s->table);
        if (s->partition_of) {
            P(" PARTITION OF ");
            print_rangevar(b, s->partition_of);
        }
        if (s->columns || s->constraints || !s->partition_of) {
            P(" (");
            print_list(b, s->columns, ", ");
            if (s->columns && s->constraints) P(", ");
            print_list(b, s->constraints, ", ");
            P(")");
        }
        if (s->bound) {
            P(" ");
            print_bound(b, s->bound);
        }
        if (s->partition_by) {
            P(" ");
            print_node(b, (const PrNode *)s->partition_by);
        }
        if (s->with_options) {
            P(" WITH (");
            print_defelems(b, s->with_options);
            P(")");
        }
        print_dist(b, s->dist, s->dist_keys);
        break;
    }
    case PR_T_CreateTableAs: {
        const PrCreateTableAs *s = (const PrCreateTableAs *)n;
        P(s->temporary ? "CREATE TEMPORARY TABLE " : "CREATE TABLE ");
        if (s->if_not_exists) P("IF NOT EXISTS ");
        print_rangevar(b, s->table);
        if (s->colnames) {
            P(" (");
            print_ident_list(b, s->colnames);
            P(")");
        }
        P(" AS ");
        print_select(b, s->query);
        if (s->with_no_data) P(" WITH NO DATA");
        print_dist(b, s->dist, s->dist_keys);
        break;
    }
    case PR_T_CreateView: {
        const PrCreateView *s = (const PrCreateView *)n;
        P("CREATE ");
        if (s->or_replace) P("OR REPLACE ");
        P(s->materialized ? "MATERIALIZED VIEW " : "VIEW ");
        if (s->if_not_exists) P("IF NOT EXISTS ");
        print_rangevar(b, s->view);
        if (s->colnames) {
            P(" (");
            print_ident_list(b, s->colnames);
            P(")");
        }
        P(" AS ");
        print_select(b, s->query);
        if (s->with_no_data) P(" WITH NO DATA");
        break;
    }
    case PR_T_RefreshMatView: {
        const PrRefreshMatView *s = (const PrRefreshMatView *)n;
        P(s->concurrently ? "REFRESH MATERIALIZED VIEW CONCURRENTLY " : "REFRESH MATERIALIZED VIEW ");
        print_rangevar(b, s->view);
        if (s->with_no_data) P(" WITH NO DATA");
        break;
    }
    case PR_T_CreateIndex: {
        const PrCreateIndex *s = (const PrCreateIndex *)n;
        P(s->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
        if (s->if_not_exists) P("IF NOT EXISTS ");
        if (s->name) {
            pr_print_ident(b, s->name);
            P(" ");
        }
        P("ON ");
        print_rangevar(b, s->table);
        P(" (");
        print_list(b, s->keys, ", ");
        P(")");
        break;
    }
    case PR_T_CreateSchema: {
        const PrCreateSchema *s = (const PrCreateSchema *)n;
        P(s->if_not_exists ? "CREATE SCHEMA IF NOT EXISTS " : "CREATE SCHEMA ");
        pr_print_ident(b, s->name);
        break;
    }
    case PR_T_Drop: {
        const PrDrop *s = (const PrDrop *)n;
        static const char *const kinds[] = {"DROP TABLE ", "DROP VIEW ", "DROP MATERIALIZED VIEW ",
                                            "DROP INDEX ", "DROP SCHEMA "};
        P(kinds[s->kind]);
        if (s->if_exists) P("IF EXISTS ");
        print_list(b, s->names, ", ");
        if (s->cascade) P(" CASCADE");
        break;
    }
    case PR_T_AlterTable: {
        const PrAlterTable *s = (const PrAlterTable *)n;
        P(s->if_exists ? "ALTER TABLE IF EXISTS " : "ALTER TABLE ");
        print_rangevar(b, s->table);
        P(" ");
        print_list(b, s->cmds, ", ");
        break;
    }
    case PR_T_Copy: {
        const PrCopy *s = (const PrCopy *)n;
        P("COPY ");
        if (s->query) {
            print_sub(b, s->query);
        } else {
            print_rangevar(b, s->table);
            if (s->columns) {
                P(" (");
                print_ident_list(b, s->columns);
                P(")");
            }
        }
        P(s->is_from ? " FROM " : " TO ");
        if (s->is_stdio) P(s->is_from ? "STDIN" : "STDOUT");
        else print_string(b, s->filename, (uint32_t)strlen(s->filename));
        if (s->options) {
            P(" WITH (");
            print_defelems(b, s->options);
            P(")");
        }
        if (s->where) {
            P(" WHERE ");
            print_node(b, s->where);
        }
        break;
    }
    case PR_T_Analyze: {
        const PrAnalyze *s = (const PrAnalyze *)n;
        P(s->verbose ? "ANALYZE VERBOSE" : "ANALYZE");
        if (s->tables) {
            P(" ");
            print_list(b, s->tables, ", ");
        }
        break;
    }
    case PR_T_Explain: {
        const PrExplain *s = (const PrExplain *)n;
        P("EXPLAIN ");
        if (s->options) {
            P("(");
            print_defelems(b, s->options);
            P(") ");
        }
        print_node(b, s->stmt);
        break;
    }
    case PR_T_Set: {
        const PrSet *s = (const PrSet *)n;
        P(s->is_local ? "SET LOCAL " : "SET ");
        if (!strcmp(s->name, "timezone") && s->values) {
            P("TIME ZONE ");
            print_list(b, s->values, ", ");
            break;
        }
        /* setting names may be dotted: print the parts */
        print_dotted(b, s->name);
        P(" TO ");
        if (s->values) print_list(b, s->values, ", ");
        else P("DEFAULT");
        break;
    }
    case PR_T_Show: {
        const PrShow *s = (const PrShow *)n;
        P("SHOW ");
        if (s->name) print_dotted(b, s->name);
        else P("ALL");
        break;
    }
    case PR_T_Reset: {
        const PrReset *s = (const PrReset *)n;
        P("RESET ");
        if (s->name) print_dotted(b, s->name);
        else P("ALL");
        break;
    }
    case PR_T_Transaction: {
        const PrTransaction *s = (const PrTransaction *)n;
        switch (s->kind) {
        case PR_TXN_BEGIN: P(s->start_syntax ? "START TRANSACTION" : "BEGIN"); break;
        case PR_TXN_COMMIT: P("COMMIT"); break;
        case PR_TXN_ROLLBACK: P("ROLLBACK"); break;
        case PR_TXN_SAVEPOINT: P("SAVEPOINT "); break;
        case PR_TXN_RELEASE: P("RELEASE SAVEPOINT "); break;
        case PR_TXN_ROLLBACK_TO: P("ROLLBACK TO SAVEPOINT "); break;
        }
        if (s->savepoint) pr_print_ident(b, s->savepoint);
        for (int32_t i = 0; i < pr_list_len(s->options); i++) {
            const PrDefElem *d = (const PrDefElem *)s->options->items[i];
            const char *v = ((const PrLiteral *)d->value)->text;
            P(i ? ", " : " ");
            if (!strcmp(d->name, "isolation")) {
                P("ISOLATION LEVEL ");
                for (const char *c = v; *c; c++) k_buf_put_u8(b, (uint8_t)(*c == ' ' ? ' ' : *c - 32));
            } else if (!strcmp(d->name, "read_only")) {
                P(!strcmp(v, "true") ? "READ ONLY" : "READ WRITE");
            } else {
                P(!strcmp(v, "true") ? "DEFERRABLE" : "NOT DEFERRABLE");
            }
        }
        break;
    }
    case PR_T_Prepare: {
        const PrPrepare *s = (const PrPrepare *)n;
        P("PREPARE ");
        pr_print_ident(b, s->name);
        if (s->argtypes) {
            P(" (");
            print_list(b, s->argtypes, ", ");
            P(")");
        }
        P(" AS ");
        print_node(b, s->stmt);
        break;
    }
    case PR_T_Execute: {
        const PrExecute *s = (const PrExecute *)n;
        P("EXECUTE ");
        pr_print_ident(b, s->name);
        if (s->params) {
            P(" (");
            print_list(b, s->params, ", ");
            P(")");
        }
        break;
    }
    case PR_T_Deallocate: {
        const PrDeallocate *s = (const PrDeallocate *)n;
        P("DEALLOCATE ");
        if (s->name) pr_print_ident(b, s->name);
        else P("ALL");
        break;
    }
    case PR_T_ArrayExpr:
        P("ARRAY[");
        print_list(b, ((const PrArrayExpr *)n)->elements, ", ");
        P("]");
        break;
    case PR_T_ArrayOpExpr: {
        const PrArrayOpExpr *e = (const PrArrayOpExpr *)n;
        P("(");
        print_node(b, e->left);
        P(" ");
        P(e->opname);
        P(e->all ? " ALL (" : " ANY (");
        print_node(b, e->array);
        P("))");
        break;
    }
    case PR_T_Subscript: {
        const PrSubscript *s = (const PrSubscript *)n;
        P("(");
        print_node(b, s->arg);
        P(")[");
        print_node(b, s->index);
        P("]");
        break;
    }
    case PR_T_Invalid:
    case PR_T_COUNT:
        P("<?>");
        break;
    }
}

void
pr_print_buf(KBuf *b, const PrNode *node)
{
    print_node(b, node);
}

int
pr_print(KArena *a, const PrNode *node, char **out, size_t *out_len, KErr *err)
{
    KBuf b;
    k_buf_init(&b);
    print_node(&b, node);
    if (b.failed) {
        k_buf_free(&b);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    char *s = k_alloc(a, b.len + 1);
    if (!s) {
        size_t n = b.len + 1;
        k_buf_free(&b);
        return k_error_oom(err, a, n);
    }
    if (b.len) memcpy(s, b.data, b.len);
    s[b.len] = 0;
    if (out_len) *out_len = b.len;
    *out = s;
    k_buf_free(&b);
    return K_OK;
}

int
pr_print_stmt(KArena *a, const PrNode *stmt, char **out, KErr *err)
{
    return pr_print(a, stmt, out, NULL, err);
}
