/*
 * lexer.re — the SQL tokenizer (re2c source; the build turns it into
 * lexer.c in the build directory).
 *
 * pr__lex() returns the next token of p->sql as a span (PrToken) and its
 * code (PR_TK_*). It recognises every PostgreSQL literal form: '...' with
 * '' doubling, E'...' with backslash escapes, "quoted identifiers" with ""
 * doubling, $tag$...$tag$ dollar quoting, integers and numerics with
 * exponents, $n parameters, -- and nested slash-star comments, the
 * operator rules of PostgreSQL's scan.l (an operator may not end in + or -
 * unless it holds one of ~!@#%^&|`?, so that `a<-1` is `a < -1`), and
 * words, which are looked up in the one keyword table (keywords.c).
 * Literal bodies are only delimited here; the builders decode them.
 *
 * The input must end with a NUL sentinel at p->sql[p->len] (pr_parse
 * copies the text to guarantee it); a NUL inside the text is an ILLEGAL
 * token, which the grammar reports as a syntax error.
 */
#include "parser/parser_int.h"
#include "grammar.h"

static int
lex_error(PrParse *p, const char *start, const char *what)
{
    int32_t pos = (int32_t)(start - p->sql);
    size_t rest = p->len - (size_t)pos;
    /* PostgreSQL quotes the rest of the input from the start of the
     * unterminated item; keep the message short */
    int n = rest > 40 ? 40 : (int)rest;
    /* never cut a UTF-8 character in half: clients check the encoding */
    while (n > 0 && (size_t)n < rest && ((unsigned char)start[n] & 0xC0) == 0x80) n--;
    pr__fail(p, K_SYNTAX_ERROR, pos, "%s at or near \"%.*s\"", what, n, start);
    return -1;
}

static inline bool
ident_cont_char(char ch)
{
    unsigned char c = (unsigned char)ch;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

static bool
is_op_char(char c)
{
    switch (c) {
    case '~': case '!': case '@': case '#': case '^': case '&': case '|': case '`': case '?':
    case '+': case '-': case '*': case '/': case '%': case '<': case '>': case '=':
        return true;
    default:
        return false;
    }
}

/* An operator starting at s: apply PostgreSQL's length rules and map it to a
 * token. *len is in/out. */
static int
operator_token(const char *s, int32_t *len)
{
    int32_t n = *len;
    /* a comment start inside the run ends the operator */
    for (int32_t i = 0; i + 1 < n; i++) {
        if ((s[i] == '-' && s[i + 1] == '-') || (s[i] == '/' && s[i + 1] == '*')) {
            n = i;
            break;
        }
    }
    if (n > 1 && (s[n - 1] == '+' || s[n - 1] == '-')) {
        bool special = false;
        for (int32_t i = 0; i < n; i++)
            if (strchr("~!@#^&|`?%", s[i])) special = true;
        if (!special) {
            while (n > 1 && (s[n - 1] == '+' || s[n - 1] == '-')) n--;
        }
    }
    *len = n;
    if (n == 1) {
        switch (s[0]) {
        case '+': return PR_TK_PLUS;
        case '-': return PR_TK_MINUS;
        case '*': return PR_TK_STAR;
        case '/': return PR_TK_SLASH;
        case '%': return PR_TK_PERCENT;
        case '^': return PR_TK_CARET;
        case '<': return PR_TK_LT;
        case '>': return PR_TK_GT;
        case '=': return PR_TK_EQ;
        default: return PR_TK_OP;
        }
    }
    if (n == 2) {
        if (s[0] == '<' && s[1] == '>') return PR_TK_NE;
        if (s[0] == '!' && s[1] == '=') return PR_TK_NE;
        if (s[0] == '<' && s[1] == '=') return PR_TK_LE;
        if (s[0] == '>' && s[1] == '=') return PR_TK_GE;
        if (s[0] == '|' && s[1] == '|') return PR_TK_CONCAT;
    }
    return PR_TK_OP;
}

/* Skip a nested comment starting at s (slash-star); returns its end or NULL. */
static const char *
skip_comment(const char *s, const char *end)
{
    int depth = 0;
    while (s + 1 < end) {
        if (s[0] == '/' && s[1] == '*') {
            depth++;
            s += 2;
        } else if (s[0] == '*' && s[1] == '/') {
            depth--;
            s += 2;
            if (depth == 0) return s;
        } else {
            s++;
        }
    }
    return NULL;
}

int
pr__lex(PrParse *p, PrToken *tok)
{
    const char *YYCURSOR = p->sql + p->cursor;
    const char *YYLIMIT = p->sql + p->len;
    const char *YYMARKER = NULL;
    const char *start;
    int code;

loop:
    start = YYCURSOR;
    /*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:yyfill:enable = 0;
        re2c:eof = 0;
        re2c:flags:utf-8 = 0;

        space   = [ \t\n\r\f\v];
        digit   = [0-9];
        ident_start = [A-Za-z_\x80-\xff];
        ident_cont  = [A-Za-z_0-9$\x80-\xff];
        dolq_cont   = [A-Za-z_0-9\x80-\xff];
        opchar  = [~!@#^&|`?+\-*/%<>=];
        exp     = [eE] [+-]? digit+;

        $ { p->cursor = p->len; return 0; }

        space+ { goto loop; }
        "--" [^\n\x00]* { goto loop; }
        "/*" {
            const char *e = skip_comment(start, YYLIMIT);
            if (!e) return lex_error(p, start, "unterminated /* comment");
            YYCURSOR = e;
            goto loop;
        }

        ['] {
            for (;;) {
                if (YYCURSOR >= YYLIMIT) return lex_error(p, start, "unterminated quoted string");
                if (*YYCURSOR++ == '\'') {
                    if (YYCURSOR < YYLIMIT && *YYCURSOR == '\'') { YYCURSOR++; continue; }
                    break;
                }
            }
            code = PR_TK_STRING;
            goto quoted;
        }
        [eE] ['] {
            for (;;) {
                if (YYCURSOR >= YYLIMIT) return lex_error(p, start, "unterminated quoted string");
                char c = *YYCURSOR++;
                if (c == '\\') {
                    if (YYCURSOR < YYLIMIT) YYCURSOR++;
                    continue;
                }
                if (c == '\'') {
                    if (YYCURSOR < YYLIMIT && *YYCURSOR == '\'') { YYCURSOR++; continue; }
                    break;
                }
            }
            code = PR_TK_STRING;
            goto quoted;
        }
        ["] {
            for (;;) {
                if (YYCURSOR >= YYLIMIT) return lex_error(p, start, "unterminated quoted identifier");
                if (*YYCURSOR++ == '"') {
                    if (YYCURSOR < YYLIMIT && *YYCURSOR == '"') { YYCURSOR++; continue; }
                    break;
                }
            }
            if (YYCURSOR - start == 2) return lex_error(p, start, "zero-length delimited identifier");
            code = PR_TK_ID;
            goto quoted;
        }
        "$" digit+ {
            if (YYCURSOR < YYLIMIT && (ident_cont_char(*YYCURSOR)))
                return lex_error(p, start, "trailing junk after parameter");
            code = PR_TK_PARAM;
            goto done;
        }
        "$" (ident_start dolq_cont*)? "$" {
            /* dollar quoting: find the same tag again */
            size_t taglen = (size_t)(YYCURSOR - start);
            for (;;) {
                const char *q = memchr(YYCURSOR, '$', (size_t)(YYLIMIT - YYCURSOR));
                if (!q) return lex_error(p, start, "unterminated dollar-quoted string");
                if ((size_t)(YYLIMIT - q) >= taglen && memcmp(q, start, taglen) == 0) {
                    YYCURSOR = q + taglen;
                    break;
                }
                YYCURSOR = q + 1;
            }
            code = PR_TK_STRING;
            goto quoted;
        }

        digit+ {
            code = PR_TK_INTEGER;
            goto number;
        }
        digit+ "." digit* exp? | "." digit+ exp? | digit+ exp {
            code = PR_TK_NUMBER;
            goto number;
        }

        ident_start ident_cont* {
            const PrKeyword *kw = pr__keyword_lookup(start, (size_t)(YYCURSOR - start));
            code = kw ? kw->token : PR_TK_ID;
            goto done;
        }

        "::" { code = PR_TK_TYPECAST; goto done; }
        "(" {
            if (++p->nesting > PR_MAX_NESTING) {
                pr__fail(p, K_STATEMENT_TOO_COMPLEX, (int32_t)(start - p->sql), "stack depth limit exceeded");
                k_err_detail(p->err, "More than %d parentheses are open at once.", PR_MAX_NESTING);
                return -1;
            }
            code = PR_TK_LP;
            goto done;
        }
        ")" { if (p->nesting > 0) p->nesting--; code = PR_TK_RP; goto done; }
        "[" {
            if (++p->nesting > PR_MAX_NESTING) {
                pr__fail(p, K_STATEMENT_TOO_COMPLEX, (int32_t)(start - p->sql), "stack depth limit exceeded");
                k_err_detail(p->err, "More than %d brackets are open at once.", PR_MAX_NESTING);
                return -1;
            }
            code = PR_TK_LBRACKET;
            goto done;
        }
        "]" { if (p->nesting > 0) p->nesting--; code = PR_TK_RBRACKET; goto done; }
        "," { code = PR_TK_COMMA; goto done; }
        ";" { code = PR_TK_SEMI; goto done; }
        "." { code = PR_TK_DOT; goto done; }
        opchar+ {
            /* a run of operator characters may start a comment (slash-star
             * followed by more operator characters, or dash-dash followed by
             * more): such runs are longer matches than the comment rules */
            if (start[0] == '/' && start[1] == '*') {
                const char *e = skip_comment(start, YYLIMIT);
                if (!e) return lex_error(p, start, "unterminated /* comment");
                YYCURSOR = e;
                goto loop;
            }
            if (start[0] == '-' && start[1] == '-') {
                YYCURSOR = start;
                while (YYCURSOR < YYLIMIT && *YYCURSOR != '\n' && *YYCURSOR != 0) YYCURSOR++;
                goto loop;
            }
            int32_t n = (int32_t)(YYCURSOR - start);
            code = operator_token(start, &n);
            YYCURSOR = start + n; /* n >= 1: a comment start is cut off only after the first char */
            goto done;
        }

        * { code = PR_TK_ILLEGAL; goto done; }
    */

quoted:
    /* PostgreSQL's text is a C string in UTF-8: a NUL byte cannot be part
     * of a literal or a name */
    {
        const char *nul = memchr(start, 0, (size_t)(YYCURSOR - start));
        if (nul) {
            pr__fail(p, K_CHARACTER_NOT_IN_REPERTOIRE, (int32_t)(nul - p->sql),
                     "invalid byte sequence for encoding \"UTF8\": 0x00");
            return -1;
        }
    }
    goto done;

number:
    /* PostgreSQL 15+: a number directly followed by a word is an error */
    if (YYCURSOR < YYLIMIT && ident_cont_char(*YYCURSOR)) {
        const char *e = YYCURSOR;
        while (e < YYLIMIT && ident_cont_char(*e)) e++;
        int32_t pos = (int32_t)(start - p->sql);
        pr__fail(p, K_SYNTAX_ERROR, pos, "trailing junk after numeric literal at or near \"%.*s\"",
                 (int)(e - start), start);
        return -1;
    }
done:
    if (YYCURSOR == start) { /* a token must consume input, or the driver would loop */
        pr__fail(p, K_INTERNAL_ERROR, (int32_t)(start - p->sql), "lexer made no progress");
        return -1;
    }
    tok->z = start;
    tok->n = (int32_t)(YYCURSOR - start);
    tok->pos = (int32_t)(start - p->sql);
    p->cursor = (size_t)(YYCURSOR - p->sql);
    (void)YYMARKER;
    (void)is_op_char;
    return code;
}
