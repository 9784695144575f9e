/*
 * parser.c — the parser's entry points: pr_parse and pr_parse_expr.
 *
 * The driver copies the text into the arena with a NUL sentinel (the re2c
 * lexer needs one), then pulls tokens from pr__lex and pushes them into
 * the lemon parser one at a time, stopping at the first error from the
 * lexer, the grammar or a builder. It also records where each statement's
 * text begins and ends: the first token after a ';' starts a statement;
 * the statement is reduced while the parser looks at the next ';' or the
 * end of input, when prev_end still holds the end of its last token.
 *
 * Interface routines: pr_parse, pr_parse_expr, pr_tag_name, and the
 * grammar's error hooks pr__syntax_error and pr__stack_overflow.
 */
#include "parser/parser_int.h"
#include "grammar.h"

static const char *const tag_names[PR_T_COUNT] = {
    [PR_T_Invalid] = "Invalid",
#define PR_TAG_NAME_(name) [PR_T_##name] = #name,
    PR_NODE_LIST(PR_TAG_NAME_)
#undef PR_TAG_NAME_
};

const char *
pr_tag_name(int tag)
{
    if (tag < 0 || tag >= PR_T_COUNT) return "?";
    return tag_names[tag];
}

void
pr__syntax_error(PrParse *p, PrToken tok, bool at_end)
{
    if (p->failed) return;
    if (at_end || !tok.z) {
        pr__fail(p, K_SYNTAX_ERROR, (int32_t)p->len, "syntax error at end of input");
        return;
    }
    int n = tok.n > 64 ? 64 : tok.n;
    /* never cut a UTF-8 character in half: clients check the encoding */
    while (n > 0 && n < tok.n && ((unsigned char)tok.z[n] & 0xC0) == 0x80) n--;
    pr__fail(p, K_SYNTAX_ERROR, tok.pos, "syntax error at or near \"%.*s\"", n, tok.z);
}

void
pr__stack_overflow(PrParse *p)
{
    int32_t pos = (int32_t)(p->cursor > 0 ? p->cursor - 1 : 0);
    pr__fail(p, K_STATEMENT_TOO_COMPLEX, pos, "stack depth limit exceeded");
    if (p->err->code == K_STATEMENT_TOO_COMPLEX) k_err_detail(p->err, "The statement is nested too deeply.");
}

static int
setup(PrParse *p, KArena *a, const char *sql, size_t len, KErr *err)
{
    memset(p, 0, sizeof *p);
    p->arena = a;
    p->err = err;
    p->stmt_start = -1;
    p->none.pos = -1;
    if (len > INT32_MAX - 1)
        return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "statement text is too long (%zu bytes)", len);
    char *copy = k_alloc(a, len + 1);
    if (!copy) return k_error_oom(err, a, len + 1);
    if (len) memcpy(copy, sql, len);
    copy[len] = 0;
    p->sql = copy;
    p->len = len;
    return K_OK;
}

/* Feed every token to lemon; returns K_OK or K_ERR with p->err filled. */
static int
run(PrParse *p, bool expr_mode)
{
    void *lp = k_alloc(p->arena, pr__lemon_size());
    if (!lp) return k_error_oom(p->err, p->arena, pr__lemon_size());
    pr__lemonInit(lp, p);
    if (expr_mode) pr__lemon(lp, PR_TK_EXPR_START, p->none);
    for (;;) {
        PrToken t;
        int code = pr__lex(p, &t);
        if (code < 0 || p->failed) return K_ERR;
        if (code == 0) break;
        if (code == PR_TK_SEMI) {
            pr__lemon(lp, code, t);
            p->stmt_start = -1;
        } else {
            if (p->stmt_start < 0) p->stmt_start = t.pos;
            pr__lemon(lp, code, t);
            p->prev_end = t.pos + t.n;
        }
        if (p->failed) return K_ERR;
    }
    PrToken end = p->none;
    end.pos = (int32_t)p->len;
    pr__lemon(lp, 0, end);
    return p->failed ? K_ERR : K_OK;
}

int
pr_parse(KArena *a, const char *sql, size_t len, PrStmtList **out, KErr *err)
{
    PrParse p;
    *out = NULL;
    if (setup(&p, a, sql, len, err) != K_OK) return K_ERR;
    if (run(&p, false) != K_OK) return K_ERR;
    PrStmtList *l = k_alloc0(a, sizeof *l);
    if (!l) return k_error_oom(err, a, sizeof *l);
    l->n = p.nstmts;
    l->items = p.stmts;
    *out = l;
    return K_OK;
}

int
pr_parse_expr(KArena *a, const char *sql, size_t len, PrNode **out, KErr *err)
{
    PrParse p;
    *out = NULL;
    if (setup(&p, a, sql, len, err) != K_OK) return K_ERR;
    if (run(&p, true) != K_OK) return K_ERR;
    if (!p.expr_result) return k_error_at(err, K_SYNTAX_ERROR, (int32_t)len, "syntax error at end of input");
    *out = p.expr_result;
    return K_OK;
}
