/*
 * copy.c — parsing the client-side \copy command.
 *
 * Interface routines: cl_copy_parse, cl_copy_free.
 *
 *   \copy table [(cols)] from 'file' [with] [options]
 *   \copy { table [(cols)] | (query) } to 'file' [with] [options]
 *
 * The first top-level FROM or TO (outside quotes and parentheses) splits
 * the command; the word after it is the file ('quoted', bare, or
 * stdin/stdout/pstdin/pstdout for the shell's own streams); the rest is
 * passed on as COPY options. The shell then runs COPY ... FROM STDIN / TO
 * STDOUT and moves the data itself (shell.c), so the file is read and
 * written with the user's rights on the user's machine.
 */
#include "client/client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
cl_copy_free(ClCopy *c)
{
    free(c->file);
    free(c->sql);
    memset(c, 0, sizeof *c);
}

static bool
word_at(const char *s, size_t i, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (i + wl > n || strncasecmp(s + i, w, wl) != 0) return false;
    if (i > 0 && !isspace((unsigned char)s[i - 1]) && s[i - 1] != ')') return false;
    return i + wl == n || isspace((unsigned char)s[i + wl]) || s[i + wl] == '\'';
}

int
cl_copy_parse(const char *args, ClCopy *c, char *errbuf, size_t errcap)
{
    memset(c, 0, sizeof *c);
    size_t n = strlen(args);
    size_t i = 0, split = 0, kwlen = 0;
    int depth = 0;
    char quote = 0;
    bool found = false;
    for (i = 0; i < n && !found; i++) {
        char ch = args[i];
        if (quote) {
            if (ch == quote) quote = 0;
            continue;
        }
        if (ch == '\'' || ch == '"')
            quote = ch;
        else if (ch == '(')
            depth++;
        else if (ch == ')')
            depth = depth > 0 ? depth - 1 : 0;
        else if (depth == 0 && i > 0 && word_at(args, i, n, "from")) {
            c->from = true;
            split = i;
            kwlen = 4;
            found = true;
        } else if (depth == 0 && i > 0 && word_at(args, i, n, "to")) {
            split = i;
            kwlen = 2;
            found = true;
        }
    }
    if (!found) {
        snprintf(errbuf, errcap, "\\copy: parse error (expected FROM or TO)");
        return K_ERR;
    }
    /* the head: table [(cols)] or (query) */
    size_t hs = 0, he = split;
    while (hs < he && isspace((unsigned char)args[hs])) hs++;
    while (he > hs && isspace((unsigned char)args[he - 1])) he--;
    if (hs == he) {
        snprintf(errbuf, errcap, "\\copy: missing table name or query");
        return K_ERR;
    }
    if (c->from && args[hs] == '(') {
        snprintf(errbuf, errcap, "\\copy: a query can only be copied TO a file");
        return K_ERR;
    }
    /* the file */
    size_t p = split + kwlen;
    while (p < n && isspace((unsigned char)args[p])) p++;
    if (p >= n) {
        snprintf(errbuf, errcap, "\\copy: missing file name after %s", c->from ? "FROM" : "TO");
        return K_ERR;
    }
    ClBuf file;
    cl_buf_init(&file);
    bool quoted = args[p] == '\'';
    if (quoted) {
        p++;
        for (;;) {
            if (p >= n) {
                cl_buf_free(&file);
                snprintf(errbuf, errcap, "\\copy: unterminated quoted file name");
                return K_ERR;
            }
            if (args[p] == '\'') {
                if (p + 1 < n && args[p + 1] == '\'') {
                    cl_buf_putc(&file, '\'');
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            cl_buf_putc(&file, args[p++]);
        }
    } else {
        while (p < n && !isspace((unsigned char)args[p])) cl_buf_putc(&file, args[p++]);
    }
    const char *f = cl_buf_str(&file);
    bool std = !quoted && (strcasecmp(f, "stdin") == 0 || strcasecmp(f, "stdout") == 0 ||
                           strcasecmp(f, "pstdin") == 0 || strcasecmp(f, "pstdout") == 0);
    if (std) {
        cl_buf_free(&file);
    } else {
        if (file.len == 0) {
            cl_buf_free(&file);
            snprintf(errbuf, errcap, "\\copy: empty file name");
            return K_ERR;
        }
        c->file = file.data;
    }
    while (p < n && isspace((unsigned char)args[p])) p++;
    ClBuf sql;
    cl_buf_init(&sql);
    cl_buf_puts(&sql, "COPY ");
    cl_buf_put(&sql, args + hs, he - hs);
    cl_buf_puts(&sql, c->from ? " FROM STDIN" : " TO STDOUT");
    if (p < n) {
        cl_buf_putc(&sql, ' ');
        size_t e = n;
        while (e > p && (isspace((unsigned char)args[e - 1]) || args[e - 1] == ';')) e--;
        cl_buf_put(&sql, args + p, e - p);
    }
    if (sql.failed) {
        cl_buf_free(&sql);
        cl_copy_free(c);
        snprintf(errbuf, errcap, "out of memory");
        return K_ERR;
    }
    c->sql = sql.data;
    return K_OK;
}
