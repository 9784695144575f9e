/*
 * scan.c — split input into SQL statements the way psql does.
 *
 * Interface routines: cl_scan_init, cl_scan_free, cl_scan_reset,
 * cl_scan_feed, cl_scan_next, cl_scan_flush, cl_scan_empty,
 * cl_scan_prompt_char.
 *
 * Lines are appended to a buffer and scanned once, byte by byte, with a
 * small state machine: plain SQL, '...' (with '' inside), E'...' (with
 * backslash escapes), "..." identifiers, $tag$...$tag$ bodies, -- line
 * comments and nested block comments. A ';' in plain SQL outside
 * parentheses ends a statement. The scanner knows nothing else about SQL,
 * and any byte (NUL, invalid UTF-8) is just a byte to it.
 */
#include "client/client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void
cl_scan_init(ClScan *s)
{
    memset(s, 0, sizeof *s);
    cl_buf_init(&s->buf);
    s->cur_line = 1;
    s->stmt_line = 1;
}

void
cl_scan_free(ClScan *s)
{
    cl_buf_free(&s->buf);
}

void
cl_scan_reset(ClScan *s)
{
    int line = s->cur_line;
    ClBuf keep = s->buf;
    cl_buf_clear(&keep);
    memset(s, 0, sizeof *s);
    s->buf = keep;
    s->cur_line = line;
    s->stmt_line = line;
}

void
cl_scan_feed(ClScan *s, const char *line, size_t n)
{
    cl_buf_put(&s->buf, line, n);
    cl_buf_putc(&s->buf, '\n');
}

static bool
is_ident_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

static bool
is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Length of a dollar-quote opening tag at p ("$$" or "$name$"), 0 if none. */
static size_t
dollar_tag(const char *p, size_t left)
{
    if (left < 2 || p[0] != '$') return 0;
    size_t i = 1;
    unsigned char c = (unsigned char)p[1];
    if (c == '$') return 2;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80)) return 0;
    while (i < left && is_ident_char((unsigned char)p[i])) i++;
    if (i < left && p[i] == '$' && i + 1 <= 64) return i + 1;
    return 0;
}

static void
mark_content(ClScan *s)
{
    if (!s->content) {
        s->content = true;
        s->stmt_line = s->cur_line;
    }
}

/* Scan from s->pos. Returns the offset of a terminating ';' or (size_t)-1. */
static size_t
scan(ClScan *s)
{
    const char *d = s->buf.data;
    size_t n = s->buf.len;
    while (s->pos < n) {
        size_t i = s->pos;
        unsigned char c = (unsigned char)d[i];
        size_t step = 1;
        switch (s->state) {
        case CL_SCAN_NORMAL:
            if (c == '-' && i + 1 < n && d[i + 1] == '-') {
                while (i + step < n && d[i + step] != '\n') step++;
            } else if (c == '/' && i + 1 < n && d[i + 1] == '*') {
                s->state = CL_SCAN_COMMENT;
                s->comment_depth = 1;
                step = 2;
            } else if (c == '\'') {
                mark_content(s);
                bool e = i > s->start && (d[i - 1] == 'E' || d[i - 1] == 'e') &&
                         (i - 1 == s->start || !is_ident_char((unsigned char)d[i - 2]));
                s->state = e ? CL_SCAN_ESTRING : CL_SCAN_SQUOTE;
            } else if (c == '"') {
                mark_content(s);
                s->state = CL_SCAN_DQUOTE;
            } else if (c == '$' && (i == s->start || !is_ident_char((unsigned char)d[i - 1])) &&
                       (step = dollar_tag(d + i, n - i)) > 0) {
                mark_content(s);
                memcpy(s->tag, d + i, step);
                s->tag_len = step;
                s->state = CL_SCAN_DOLLAR;
            } else if (c == ';' && s->paren_depth == 0) {
                step = 1;
                s->pos = i + 1;
                return i;
            } else {
                step = 1;
                if (c == '(')
                    s->paren_depth++;
                else if (c == ')' && s->paren_depth > 0)
                    s->paren_depth--;
                if (!is_blank(c)) mark_content(s);
            }
            break;
        case CL_SCAN_SQUOTE:
        case CL_SCAN_ESTRING:
            if (c == '\\' && s->state == CL_SCAN_ESTRING && i + 1 < n)
                step = 2;
            else if (c == '\'') {
                if (i + 1 < n && d[i + 1] == '\'')
                    step = 2;
                else
                    s->state = CL_SCAN_NORMAL;
            }
            break;
        case CL_SCAN_DQUOTE:
            if (c == '"') {
                if (i + 1 < n && d[i + 1] == '"')
                    step = 2;
                else
                    s->state = CL_SCAN_NORMAL;
            }
            break;
        case CL_SCAN_DOLLAR:
            if (c == '$' && n - i >= s->tag_len && memcmp(d + i, s->tag, s->tag_len) == 0) {
                step = s->tag_len;
                s->state = CL_SCAN_NORMAL;
            }
            break;
        case CL_SCAN_COMMENT:
            if (c == '/' && i + 1 < n && d[i + 1] == '*') {
                s->comment_depth++;
                step = 2;
            } else if (c == '*' && i + 1 < n && d[i + 1] == '/') {
                step = 2;
                if (--s->comment_depth == 0) s->state = CL_SCAN_NORMAL;
            }
            break;
        }
        for (size_t k = 0; k < step && i + k < n; k++)
            if (d[i + k] == '\n') s->cur_line++;
        s->pos = i + step < n ? i + step : n;
    }
    return (size_t)-1;
}

static char *
trimmed_copy(const char *p, size_t n)
{
    while (n > 0 && is_blank((unsigned char)*p)) {
        p++;
        n--;
    }
    while (n > 0 && is_blank((unsigned char)p[n - 1])) n--;
    char *r = malloc(n + 1);
    if (!r) return NULL;
    memcpy(r, p, n);
    r[n] = '\0';
    return r;
}

/* Drop the consumed prefix [0, s->start) from the buffer. */
static void
compact(ClScan *s)
{
    if (s->start == 0) return;
    size_t rest = s->buf.len - s->start;
    memmove(s->buf.data, s->buf.data + s->start, rest);
    s->buf.len = rest;
    s->buf.data[rest] = '\0';
    s->pos -= s->start;
    s->start = 0;
}

bool
cl_scan_next(ClScan *s, char **stmt, int *line)
{
    for (;;) {
        size_t end = scan(s);
        if (end == (size_t)-1) {
            if (!s->content && s->state == CL_SCAN_NORMAL) {
                /* only blanks/comments pending: forget them */
                s->start = s->pos;
                s->stmt_line = s->cur_line;
            }
            compact(s);
            return false;
        }
        bool content = s->content;
        int at = s->stmt_line;
        size_t from = s->start;
        s->start = s->pos;
        s->content = false;
        s->paren_depth = 0;
        s->stmt_line = s->cur_line;
        if (!content) continue;
        *stmt = trimmed_copy(s->buf.data + from, end - from);
        if (line) *line = at;
        compact(s);
        return *stmt != NULL;
    }
}

bool
cl_scan_flush(ClScan *s, char **stmt, int *line)
{
    (void)scan(s);
    bool content = s->content;
    int at = s->stmt_line;
    char *r = content ? trimmed_copy(s->buf.data + s->start, s->buf.len - s->start) : NULL;
    cl_scan_reset(s);
    if (!r) return false;
    *stmt = r;
    if (line) *line = at;
    return true;
}

bool
cl_scan_empty(const ClScan *s)
{
    return !s->content && s->state == CL_SCAN_NORMAL;
}

char
cl_scan_prompt_char(const ClScan *s)
{
    switch (s->state) {
    case CL_SCAN_SQUOTE:
    case CL_SCAN_ESTRING: return '\'';
    case CL_SCAN_DQUOTE: return '"';
    case CL_SCAN_DOLLAR: return '$';
    case CL_SCAN_COMMENT: return '*';
    case CL_SCAN_NORMAL: break;
    }
    if (s->paren_depth > 0) return '(';
    return s->content ? '-' : '=';
}

/* Append s quoted as a literal ('...' with '' doubled; E'...' with doubled
 * backslashes when it has any, as PQescapeLiteral does). */
static void
quote_literal(ClBuf *b, const char *s)
{
    bool bs = strchr(s, '\\') != NULL;
    if (bs) cl_buf_puts(b, " E");
    cl_buf_putc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'' || (bs && *p == '\\')) cl_buf_putc(b, *p);
        cl_buf_putc(b, *p);
    }
    cl_buf_putc(b, '\'');
}

static void
quote_ident(ClBuf *b, const char *s)
{
    cl_buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"') cl_buf_putc(b, '"');
        cl_buf_putc(b, *p);
    }
    cl_buf_putc(b, '"');
}

int
cl_interpolate(ClBuf *out, const char *sql, const char *(*lookup)(void *, const char *), void *ctx)
{
    size_t n = strlen(sql);
    int subs = 0;
    size_t i = 0;
    while (i < n) {
        char c = sql[i];
        size_t j = i + 1;
        if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (j < n && sql[j] != '\n') j++;
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            int depth = 1;
            j = i + 2;
            while (j < n && depth > 0) {
                if (sql[j] == '/' && j + 1 < n && sql[j + 1] == '*') {
                    depth++;
                    j += 2;
                } else if (sql[j] == '*' && j + 1 < n && sql[j + 1] == '/') {
                    depth--;
                    j += 2;
                } else {
                    j++;
                }
            }
        } else if (c == '\'' || c == '"') {
            bool esc = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                       (i == 1 || !is_ident_char((unsigned char)sql[i - 2]));
            while (j < n) {
                if (esc && sql[j] == '\\' && j + 1 < n) {
                    j += 2;
                    continue;
                }
                if (sql[j] == c) {
                    if (j + 1 < n && sql[j + 1] == c) {
                        j += 2;
                        continue;
                    }
                    j++;
                    break;
                }
                j++;
            }
        } else if (c == '$' && (i == 0 || !is_ident_char((unsigned char)sql[i - 1]))) {
            size_t tl = dollar_tag(sql + i, n - i);
            if (tl > 0) {
                j = i + tl;
                while (j < n &&
                       !(sql[j] == '$' && n - j >= tl && memcmp(sql + j, sql + i, tl) == 0))
                    j++;
                j = j < n ? j + tl : n;
            }
        } else if (c == ':' && i + 1 < n && sql[i + 1] == ':') {
            j = i + 2; /* a :: cast */
        } else if (c == ':' && i + 1 < n) {
            char q = sql[i + 1];
            size_t ns = i + 1, ne;
            if (q == '\'' || q == '"') ns++;
            ne = ns;
            while (ne < n && (isalnum((unsigned char)sql[ne]) || sql[ne] == '_')) ne++;
            bool closed = (q != '\'' && q != '"') || (ne < n && sql[ne] == q);
            if (ne > ns && closed) {
                char name[128];
                size_t len = ne - ns < sizeof name - 1 ? ne - ns : sizeof name - 1;
                memcpy(name, sql + ns, len);
                name[len] = '\0';
                const char *v = lookup(ctx, name);
                if (v) {
                    if (q == '\'')
                        quote_literal(out, v);
                    else if (q == '"')
                        quote_ident(out, v);
                    else
                        cl_buf_puts(out, v);
                    subs++;
                    i = (q == '\'' || q == '"') ? ne + 1 : ne;
                    continue;
                }
            }
        }
        if (j > n) j = n;
        cl_buf_put(out, sql + i, j - i);
        i = j;
    }
    return subs;
}
