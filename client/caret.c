/*
 * caret.c — the "LINE n: ... ^" context under a server error.
 *
 * Interface routine: cl_error_context.
 *
 * The server reports a 1-based *character* position in the statement we
 * sent (PG_DIAG_STATEMENT_POSITION). We find the line holding it, measure
 * every character in terminal columns (wide characters take two, invalid
 * bytes and control characters are shown as \xHH), and when the line is
 * wider than CARET_WINDOW columns show a window of it with "..." at the cut
 * ends, keeping at least CARET_RIGHT columns visible right of the caret.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

#define CARET_WINDOW 60
#define CARET_RIGHT  10

typedef struct Ch {
    size_t off; /* byte offset in the line */
    int len;    /* bytes */
    int col;    /* column where it starts */
    int width;
} Ch;

void
cl_error_context(ClBuf *b, const char *query, int pos)
{
    if (!query || pos < 1) return;
    size_t qlen = strlen(query);
    /* 1. byte offset of character number `pos` */
    size_t off = 0;
    int chars = 1;
    while (chars < pos && off < qlen) {
        int32_t cp;
        off += (size_t)cl_utf8_decode(query + off, qlen - off, &cp);
        chars++;
    }
    if (chars < pos) return; /* past the end (one past the last character is allowed) */

    /* 2. the line around it */
    size_t ls = off;
    while (ls > 0 && query[ls - 1] != '\n') ls--;
    size_t le = off;
    while (le < qlen && query[le] != '\n') le++;
    if (le > ls && query[le - 1] == '\r') le--;
    int lineno = 1;
    for (size_t i = 0; i < ls; i++)
        if (query[i] == '\n') lineno++;

    /* 3. measure the characters */
    size_t n = le - ls;
    Ch *ch = calloc(n + 1, sizeof(Ch));
    if (!ch) return;
    int nch = 0, col = 0, caret = -1;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        int len = cl_utf8_decode(query + ls + i, n - i, &cp);
        if (ls + i == off) caret = col;
        ch[nch].off = i;
        ch[nch].len = len;
        ch[nch].col = col;
        ch[nch].width = cl_char_width(cp);
        col += ch[nch].width;
        nch++;
        i += (size_t)len;
    }
    int total = col;
    if (caret < 0) caret = total; /* at the end of the line */

    /* 4. choose the window [first, last) in characters */
    int first = 0, last = nch;
    if (total > CARET_WINDOW) {
        int start_col = caret + CARET_RIGHT > CARET_WINDOW ? caret + CARET_RIGHT - CARET_WINDOW : 0;
        if (start_col > total - CARET_WINDOW) start_col = total - CARET_WINDOW;
        if (start_col < 0) start_col = 0;
        while (first < nch && ch[first].col < start_col) first++;
        int base = first < nch ? ch[first].col : total;
        last = first;
        while (last < nch && ch[last].col + ch[last].width - base <= CARET_WINDOW) last++;
    }
    bool cut_left = first > 0, cut_right = last < nch;

    ClBuf prefix;
    cl_buf_init(&prefix);
    cl_buf_printf(&prefix, "LINE %d: ", lineno);
    cl_buf_puts(b, cl_buf_str(&prefix));
    if (cut_left) cl_buf_puts(b, "...");
    size_t from = first < nch ? ch[first].off : n;
    size_t to = last < nch ? ch[last].off : n;
    cl_display_sanitize(b, query + ls + from, to - from);
    if (cut_right) cl_buf_puts(b, "...");
    cl_buf_putc(b, '\n');

    int base = first < nch ? ch[first].col : total;
    int pad = (int)prefix.len + (cut_left ? 3 : 0) + (caret - base);
    for (int i = 0; i < pad; i++) cl_buf_putc(b, ' ');
    cl_buf_puts(b, "^\n");
    cl_buf_free(&prefix);
    free(ch);
}
