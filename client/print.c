/*
 * print.c — result formatting: aligned tables, expanded records, unaligned,
 * CSV and JSON.
 *
 * Interface routines: cl_print_opts_default, cl_table_width,
 * cl_table_use_expanded, cl_format_table, cl_kind_from_oid.
 *
 * The aligned and expanded layouts follow psql's border-1 look so that
 * people's eyes (and scripts that grep psql output) feel at home: headers
 * centred, numbers right aligned, " | " between columns, a '+' where a value
 * continues on the next line, "(N rows)" and a blank line at the end. Cells
 * are sanitized for the terminal (control bytes and invalid UTF-8 become
 * \xHH) and measured in terminal columns, so wide characters line up. CSV,
 * unaligned and JSON write the bytes as they came.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

void
cl_print_opts_default(ClPrintOpts *o)
{
    memset(o, 0, sizeof *o);
    o->format = CL_FMT_ALIGNED;
    o->expanded = CL_X_OFF;
    o->show_row_count = true;
    o->null_str = "";
    o->field_sep = "|";
}

ClColKind
cl_kind_from_oid(uint32_t oid)
{
    switch (oid) {
    case 20:   /* int8 */
    case 21:   /* int2 */
    case 23:   /* int4 */
    case 26:   /* oid */
    case 28:   /* xid */
    case 29:   /* cid */
    case 700:  /* float4 */
    case 701:  /* float8 */
    case 790:  /* money */
    case 1700: /* numeric */
    case 5069: /* xid8 */ return CL_COL_NUMBER;
    case 16: return CL_COL_BOOL;
    default: return CL_COL_TEXT;
    }
}

/* One cell prepared for the terminal: sanitized lines joined by '\n'. */
typedef struct Cell {
    char *text;
    int nlines;
    int width; /* widest line */
} Cell;

static void
cell_prepare(Cell *c, const char *s)
{
    ClBuf b;
    cl_buf_init(&b);
    c->nlines = 1;
    c->width = 0;
    const char *p = s;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* a CR right before the newline is part of the line break */
        size_t shown = (nl && n > 0 && p[n - 1] == '\r') ? n - 1 : n;
        size_t before = b.len;
        cl_display_sanitize(&b, p, shown);
        int w = cl_display_width(b.data ? b.data + before : "", b.len - before);
        if (w > c->width) c->width = w;
        if (!nl) break;
        cl_buf_putc(&b, '\n');
        c->nlines++;
        p = nl + 1;
    }
    c->text = b.data ? b.data : strdup("");
}

/* The l-th line of a prepared cell as (ptr, len); false past the end. */
static bool
cell_line(const Cell *c, int l, const char **p, size_t *n)
{
    if (l >= c->nlines) return false;
    const char *s = c->text;
    for (int i = 0; i < l; i++) s = strchr(s, '\n') + 1;
    const char *e = strchr(s, '\n');
    *p = s;
    *n = e ? (size_t)(e - s) : strlen(s);
    return true;
}

typedef struct Prepared {
    int ncols, nrows;
    Cell *heads;
    Cell *cells;
    int *widths;
} Prepared;

static bool
prepare(Prepared *pp, const ClTable *t, const ClPrintOpts *o)
{
    pp->ncols = t->ncols;
    pp->nrows = t->nrows;
    size_t ncells = (size_t)t->ncols * (size_t)t->nrows;
    pp->heads = calloc((size_t)t->ncols + 1, sizeof(Cell));
    pp->cells = calloc(ncells + 1, sizeof(Cell));
    pp->widths = calloc((size_t)t->ncols + 1, sizeof(int));
    if (!pp->heads || !pp->cells || !pp->widths) return false;
    for (int c = 0; c < t->ncols; c++) {
        /* headers are one line: a newline in a name shows as \x0A */
        ClBuf b;
        cl_buf_init(&b);
        const char *h = t->headers[c] ? t->headers[c] : "";
        cl_display_sanitize(&b, h, strlen(h));
        pp->heads[c].text = b.data ? b.data : strdup("");
        pp->heads[c].nlines = 1;
        pp->heads[c].width = cl_display_width(pp->heads[c].text, strlen(pp->heads[c].text));
        pp->widths[c] = pp->heads[c].width;
    }
    for (size_t i = 0; i < ncells; i++) {
        const char *v = t->cells[i];
        cell_prepare(&pp->cells[i], v ? v : (o->null_str ? o->null_str : ""));
        int c = (int)(i % (size_t)t->ncols);
        if (pp->cells[i].width > pp->widths[c]) pp->widths[c] = pp->cells[i].width;
    }
    return true;
}

static void
prepared_free(Prepared *pp)
{
    size_t ncells = (size_t)pp->ncols * (size_t)pp->nrows;
    if (pp->cells)
        for (size_t i = 0; i < ncells; i++) free(pp->cells[i].text);
    if (pp->heads)
        for (int c = 0; c < pp->ncols; c++) free(pp->heads[c].text);
    free(pp->cells);
    free(pp->heads);
    free(pp->widths);
}

static int
aligned_width(const Prepared *pp)
{
    int w = 0;
    for (int c = 0; c < pp->ncols; c++) w += pp->widths[c] + (c == 0 ? 2 : 3);
    return w;
}

int
cl_table_width(const ClTable *t, const ClPrintOpts *o)
{
    Prepared pp = {0};
    int w = 0;
    if (prepare(&pp, t, o)) w = aligned_width(&pp);
    prepared_free(&pp);
    return w;
}

static bool
use_expanded(const Prepared *pp, const ClPrintOpts *o)
{
    if (o->expanded == CL_X_ON) return true;
    if (o->expanded == CL_X_AUTO && o->term_width > 0 && pp->nrows > 0)
        return aligned_width(pp) > o->term_width;
    return false;
}

bool
cl_table_use_expanded(const ClTable *t, const ClPrintOpts *o)
{
    Prepared pp = {0};
    bool x = false;
    if (prepare(&pp, t, o)) x = use_expanded(&pp, o);
    prepared_free(&pp);
    return x;
}

static void
put_spaces(ClBuf *b, int n)
{
    for (int i = 0; i < n; i++) cl_buf_putc(b, ' ');
}

static void
put_footer(ClBuf *b, const ClTable *t, const ClPrintOpts *o)
{
    if (o->tuples_only) return;
    for (int i = 0; i < t->nfooters; i++) cl_buf_printf(b, "%s\n", t->footers[i]);
    if (o->show_row_count) cl_buf_printf(b, "(%d row%s)\n", t->nrows, t->nrows == 1 ? "" : "s");
}

static void
format_aligned(ClBuf *b, const ClTable *t, const ClPrintOpts *o, const Prepared *pp)
{
    int ncols = pp->ncols;
    if (t->title && !o->tuples_only) {
        int tw = cl_display_width(t->title, strlen(t->title));
        int total = aligned_width(pp);
        put_spaces(b, tw < total ? (total - tw) / 2 : 0);
        cl_display_sanitize(b, t->title, strlen(t->title));
        cl_buf_putc(b, '\n');
    }
    if (!o->tuples_only) {
        for (int c = 0; c < ncols; c++) {
            int w = pp->widths[c], hw = pp->heads[c].width;
            if (c > 0) cl_buf_putc(b, '|');
            put_spaces(b, 1 + (w - hw) / 2);
            cl_buf_puts(b, pp->heads[c].text);
            put_spaces(b, w - hw - (w - hw) / 2 + 1);
        }
        cl_buf_putc(b, '\n');
        for (int c = 0; c < ncols; c++) {
            if (c > 0) cl_buf_putc(b, '+');
            for (int i = 0; i < pp->widths[c] + 2; i++) cl_buf_putc(b, '-');
        }
        cl_buf_putc(b, '\n');
    }
    for (int r = 0; r < pp->nrows; r++) {
        const Cell *row = &pp->cells[(size_t)r * (size_t)ncols];
        int nlines = 1;
        for (int c = 0; c < ncols; c++)
            if (row[c].nlines > nlines) nlines = row[c].nlines;
        for (int l = 0; l < nlines; l++) {
            for (int c = 0; c < ncols; c++) {
                bool last = c == ncols - 1;
                bool right = t->kinds && t->kinds[c] == CL_COL_NUMBER;
                int w = pp->widths[c];
                const char *p;
                size_t n;
                bool has = cell_line(&row[c], l, &p, &n);
                bool more = l + 1 < row[c].nlines;
                if (c > 0) cl_buf_putc(b, '|');
                cl_buf_putc(b, ' ');
                if (!has) {
                    if (!last) put_spaces(b, w + 1);
                    continue;
                }
                int lw = cl_display_width(p, n);
                if (right) {
                    put_spaces(b, w - lw);
                    cl_buf_put(b, p, n);
                } else {
                    cl_buf_put(b, p, n);
                    if (!last || more) put_spaces(b, w - lw);
                }
                if (more)
                    cl_buf_putc(b, '+');
                else if (!last)
                    cl_buf_putc(b, ' ');
            }
            cl_buf_putc(b, '\n');
        }
    }
    put_footer(b, t, o);
    cl_buf_putc(b, '\n');
}

static void
format_expanded(ClBuf *b, const ClTable *t, const ClPrintOpts *o, const Prepared *pp)
{
    int ncols = pp->ncols;
    int hw = 0, dw = 0;
    for (int c = 0; c < ncols; c++)
        if (pp->heads[c].width > hw) hw = pp->heads[c].width;
    for (size_t i = 0; i < (size_t)ncols * (size_t)pp->nrows; i++)
        if (pp->cells[i].width > dw) dw = pp->cells[i].width;
    if (t->title && !o->tuples_only) {
        cl_display_sanitize(b, t->title, strlen(t->title));
        cl_buf_putc(b, '\n');
    }
    if (pp->nrows == 0 && !o->tuples_only) {
        cl_buf_puts(b, "(0 rows)\n");
    }
    for (int r = 0; r < pp->nrows; r++) {
        if (o->tuples_only) {
            if (r > 0) {
                for (int i = 0; i < hw + 2; i++) cl_buf_putc(b, '-');
                cl_buf_putc(b, '+');
                for (int i = 0; i < dw + 2; i++) cl_buf_putc(b, '-');
                cl_buf_putc(b, '\n');
            }
        } else {
            ClBuf h;
            cl_buf_init(&h);
            cl_buf_printf(&h, "-[ RECORD %d ]", r + 1);
            cl_buf_puts(b, cl_buf_str(&h));
            for (int i = (int)h.len; i < hw + 3 + dw; i++) cl_buf_putc(b, '-');
            cl_buf_putc(b, '\n');
            cl_buf_free(&h);
        }
        const Cell *row = &pp->cells[(size_t)r * (size_t)ncols];
        for (int c = 0; c < ncols; c++) {
            for (int l = 0; l < row[c].nlines; l++) {
                const char *p;
                size_t n;
                if (!cell_line(&row[c], l, &p, &n)) break;
                if (l == 0) {
                    cl_buf_puts(b, pp->heads[c].text);
                    put_spaces(b, hw - pp->heads[c].width);
                } else {
                    put_spaces(b, hw);
                }
                cl_buf_puts(b, " | ");
                cl_buf_put(b, p, n);
                if (l + 1 < row[c].nlines) {
                    put_spaces(b, dw - cl_display_width(p, n));
                    cl_buf_putc(b, '+');
                }
                cl_buf_putc(b, '\n');
            }
        }
    }
    if (!o->tuples_only)
        for (int i = 0; i < t->nfooters; i++) cl_buf_printf(b, "%s\n", t->footers[i]);
    cl_buf_putc(b, '\n');
}

static void
format_unaligned(ClBuf *b, const ClTable *t, const ClPrintOpts *o, bool expanded)
{
    const char *sep = o->field_sep ? o->field_sep : "|";
    const char *nul = o->null_str ? o->null_str : "";
    if (t->title && !o->tuples_only) cl_buf_printf(b, "%s\n", t->title);
    if (expanded) {
        for (int r = 0; r < t->nrows; r++) {
            if (r > 0) cl_buf_putc(b, '\n');
            for (int c = 0; c < t->ncols; c++) {
                const char *v = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
                cl_buf_printf(b, "%s%s%s\n", t->headers[c], sep, v ? v : nul);
            }
        }
        return;
    }
    if (!o->tuples_only) {
        for (int c = 0; c < t->ncols; c++) {
            if (c > 0) cl_buf_puts(b, sep);
            cl_buf_puts(b, t->headers[c]);
        }
        cl_buf_putc(b, '\n');
    }
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
            if (c > 0) cl_buf_puts(b, sep);
            cl_buf_puts(b, v ? v : nul);
        }
        cl_buf_putc(b, '\n');
    }
    put_footer(b, t, o);
}

static void
csv_field(ClBuf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL || *s == '\0' || strcmp(s, "\\.") == 0;
    if (!quote) {
        cl_buf_puts(b, s);
        return;
    }
    cl_buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"') cl_buf_putc(b, '"');
        cl_buf_putc(b, *p);
    }
    cl_buf_putc(b, '"');
}

static void
format_csv(ClBuf *b, const ClTable *t, const ClPrintOpts *o)
{
    if (!o->tuples_only) {
        for (int c = 0; c < t->ncols; c++) {
            if (c > 0) cl_buf_putc(b, ',');
            csv_field(b, t->headers[c]);
        }
        cl_buf_putc(b, '\n');
    }
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
            if (c > 0) cl_buf_putc(b, ',');
            if (v) /* NULL is an unquoted empty field, '' a quoted one */
                csv_field(b, v);
        }
        cl_buf_putc(b, '\n');
    }
}

static void
json_string(ClBuf *b, const char *s)
{
    cl_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': cl_buf_puts(b, "\\\""); break;
        case '\\': cl_buf_puts(b, "\\\\"); break;
        case '\n': cl_buf_puts(b, "\\n"); break;
        case '\r': cl_buf_puts(b, "\\r"); break;
        case '\t': cl_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20)
                cl_buf_printf(b, "\\u%04x", *p);
            else
                cl_buf_putc(b, (char)*p);
        }
    }
    cl_buf_putc(b, '"');
}

/* A number as PostgreSQL prints it is valid JSON unless it is NaN or
 * Infinity (or money with a currency sign): check the JSON number grammar. */
static bool
json_number_ok(const char *s)
{
    const char *p = s;
    if (*p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return false;
    if (*p == '0' && p[1] >= '0' && p[1] <= '9') return false;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == '\0';
}

static void
format_json(ClBuf *b, const ClTable *t)
{
    cl_buf_putc(b, '[');
    for (int r = 0; r < t->nrows; r++) {
        if (r > 0) cl_buf_puts(b, ",\n ");
        cl_buf_putc(b, '{');
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
            ClColKind k = t->kinds ? t->kinds[c] : CL_COL_TEXT;
            if (c > 0) cl_buf_putc(b, ',');
            json_string(b, t->headers[c]);
            cl_buf_putc(b, ':');
            if (!v)
                cl_buf_puts(b, "null");
            else if (k == CL_COL_NUMBER && json_number_ok(v))
                cl_buf_puts(b, v);
            else if (k == CL_COL_BOOL && (strcmp(v, "t") == 0 || strcmp(v, "f") == 0))
                cl_buf_puts(b, v[0] == 't' ? "true" : "false");
            else
                json_string(b, v);
        }
        cl_buf_putc(b, '}');
    }
    cl_buf_puts(b, "]\n");
}

void
cl_format_table(ClBuf *b, const ClTable *t, const ClPrintOpts *o)
{
    switch (o->format) {
    case CL_FMT_CSV: format_csv(b, t, o); return;
    case CL_FMT_JSON: format_json(b, t); return;
    case CL_FMT_UNALIGNED: format_unaligned(b, t, o, o->expanded == CL_X_ON); return;
    case CL_FMT_ALIGNED: break;
    }
    Prepared pp = {0};
    if (!prepare(&pp, t, o)) {
        prepared_free(&pp);
        b->failed = true;
        return;
    }
    if (use_expanded(&pp, o))
        format_expanded(b, t, o, &pp);
    else
        format_aligned(b, t, o, &pp);
    prepared_free(&pp);
}
