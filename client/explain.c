/*
 * explain.c — \explain: EXPLAIN (ANALYZE, FORMAT JSON) drawn as a tree with
 * per-operator time bars.
 *
 * Interface routine: cl_explain_render.
 *
 * The renderer only relies on the generic keys every JSON plan has (as in
 * PostgreSQL's format, which Kestrel's EXPLAIN follows): "Plan" at the top,
 * then nodes with "Node Type", children in "Plans", "Actual Total Time" (ms
 * per loop), "Actual Loops", "Actual Rows", "Plan Rows". Optional labels
 * ("Join Type", "Relation Name", "Alias", "Strategy", "Distribution",
 * "Worker") are added when present. A node's self time is its total minus
 * its children's; the bar shows self time as a share of the whole query,
 * so the operator that cost the time stands out.
 */
#include "client/client.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 20

typedef struct Row {
    char *label;  /* tree prefix + operator */
    double total; /* ms, all loops */
    double self;
    double rows;
    double est;
    bool has_time, has_rows, has_est;
} Row;

typedef struct Walk {
    Row *rows;
    int n, cap;
    bool unicode;
    bool failed;
} Walk;

static double
num(const ClJson *node, const char *key, bool *has)
{
    const ClJson *v = cl_json_get(node, key);
    if (v && v->type == CL_JSON_NUMBER) {
        if (has) *has = true;
        return v->num;
    }
    if (has) *has = false;
    return 0;
}

static const char *
str(const ClJson *node, const char *key)
{
    const ClJson *v = cl_json_get(node, key);
    return v && v->type == CL_JSON_STRING ? v->str : NULL;
}

static double
node_total(const ClJson *node)
{
    bool has;
    double t = num(node, "Actual Total Time", &has);
    bool hl;
    double loops = num(node, "Actual Loops", &hl);
    return hl && loops > 1 ? t * loops : t;
}

static void
walk(Walk *w, const ClJson *node, const char *prefix, bool last, bool root, int depth)
{
    if (w->failed || !node || node->type != CL_JSON_OBJECT || depth > 150) return;
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 16;
        Row *r = realloc(w->rows, (size_t)cap * sizeof *r);
        if (!r) {
            w->failed = true;
            return;
        }
        w->rows = r;
        w->cap = cap;
    }
    Row *row = &w->rows[w->n++];
    memset(row, 0, sizeof *row);

    ClBuf lb;
    cl_buf_init(&lb);
    cl_buf_puts(&lb, prefix);
    if (!root) cl_buf_puts(&lb, w->unicode ? (last ? "└─ " : "├─ ") : (last ? "`- " : "|- "));
    const char *type = str(node, "Node Type");
    cl_buf_puts(&lb, type ? type : "?");
    const char *extra[] = {"Strategy", "Join Type", "Distribution"};
    for (size_t i = 0; i < K_ARRAY_LEN(extra); i++) {
        const char *e = str(node, extra[i]);
        if (e && strcmp(e, "Plain") != 0) cl_buf_printf(&lb, " (%s)", e);
    }
    const char *rel = str(node, "Relation Name");
    const char *alias = str(node, "Alias");
    if (rel) {
        cl_buf_printf(&lb, " on %s", rel);
        if (alias && strcmp(alias, rel) != 0) cl_buf_printf(&lb, " %s", alias);
    }
    const char *worker = str(node, "Worker");
    if (worker) cl_buf_printf(&lb, " [%s]", worker);
    row->label = lb.data ? lb.data : strdup("");

    row->total = node_total(node);
    row->has_time = cl_json_get(node, "Actual Total Time") != NULL;
    row->rows = num(node, "Actual Rows", &row->has_rows);
    row->est = num(node, "Plan Rows", &row->has_est);
    int me = w->n - 1;

    const ClJson *plans = cl_json_get(node, "Plans");
    double child_total = 0;
    if (plans && plans->type == CL_JSON_ARRAY) {
        ClBuf pb;
        cl_buf_init(&pb);
        cl_buf_puts(&pb, prefix);
        if (!root) cl_buf_puts(&pb, last ? "   " : (w->unicode ? "│  " : "|  "));
        for (int i = 0; i < plans->n; i++) {
            child_total += node_total(plans->items[i]);
            walk(w, plans->items[i], cl_buf_str(&pb), i == plans->n - 1, false, depth + 1);
        }
        cl_buf_free(&pb);
    }
    double self = w->rows[me].total - child_total;
    w->rows[me].self = self > 0 ? self : 0;
}

static void
put_bar(ClBuf *b, double frac, bool unicode)
{
    static const char *eighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
    if (frac < 0 || !isfinite(frac)) frac = 0;
    if (frac > 1) frac = 1;
    int cells = 0;
    if (unicode) {
        int e = (int)lround(frac * BAR_WIDTH * 8);
        if (e == 0 && frac > 0) e = 1;
        for (; e >= 8; e -= 8, cells++) cl_buf_puts(b, "█");
        if (e > 0) {
            cl_buf_puts(b, eighths[e]);
            cells++;
        }
    } else {
        int n = (int)lround(frac * BAR_WIDTH);
        if (n == 0 && frac > 0) n = 1;
        for (; cells < n; cells++) cl_buf_putc(b, '#');
    }
    for (; cells < BAR_WIDTH; cells++) cl_buf_putc(b, ' ');
}

static void
fmt_ms(char *buf, size_t cap, double ms)
{
    if (ms >= 10000)
        snprintf(buf, cap, "%.1f s", ms / 1000);
    else if (ms >= 100)
        snprintf(buf, cap, "%.0f ms", ms);
    else
        snprintf(buf, cap, "%.3f ms", ms);
}

int
cl_explain_render(ClBuf *out, const char *json, size_t n, int width, bool unicode, char *errbuf,
                  size_t errcap)
{
    ClJson *doc = cl_json_parse(json, n, errbuf, errcap);
    if (!doc) return K_ERR;
    const ClJson *top = doc;
    if (top->type == CL_JSON_ARRAY && top->n > 0) top = top->items[0];
    const ClJson *plan = cl_json_get(top, "Plan");
    if (!plan || plan->type != CL_JSON_OBJECT) {
        snprintf(errbuf, errcap, "the server's EXPLAIN output has no \"Plan\" object");
        cl_json_free(doc);
        return K_ERR;
    }
    Walk w = {0};
    w.unicode = unicode;
    walk(&w, plan, "", true, true, 0);
    if (w.failed) {
        snprintf(errbuf, errcap, "out of memory");
        for (int i = 0; i < w.n; i++) free(w.rows[i].label);
        free(w.rows);
        cl_json_free(doc);
        return K_ERR;
    }
    if (width <= 0) width = 100;
    int lw = 8;
    for (int i = 0; i < w.n; i++) {
        int d = cl_display_width(w.rows[i].label, strlen(w.rows[i].label));
        if (d > lw) lw = d;
    }
    /* label, self time (10), bar, total (10), rows (12), estimate (14) */
    int max_lw = width - (10 + 1 + BAR_WIDTH + 1 + 10 + 1 + 12 + 14 + 2);
    if (max_lw < 20) max_lw = 20;
    if (lw > max_lw) lw = max_lw;
    double query_total = w.n > 0 ? w.rows[0].total : 0;
    bool timed = w.n > 0 && w.rows[0].has_time;

    cl_buf_printf(out, "%-*s %10s %-*s %10s %12s %13s\n", lw, "operator", timed ? "self" : "",
                  BAR_WIDTH, timed ? "share of time" : "", timed ? "total" : "",
                  timed ? "rows" : "", "estimate");
    for (int i = 0; i < w.n; i++) {
        Row *r = &w.rows[i];
        /* the label, cut (on a character boundary) to lw columns */
        const char *l = r->label;
        size_t len = strlen(l), cut = 0;
        int cw = 0;
        while (cut < len) {
            int32_t cp;
            int bl = cl_utf8_decode(l + cut, len - cut, &cp);
            int chw = cl_char_width(cp);
            if (cw + chw > lw) break;
            cw += chw;
            cut += (size_t)bl;
        }
        cl_buf_put(out, l, cut);
        for (int k = cw; k < lw; k++) cl_buf_putc(out, ' ');
        char t1[32] = "", t2[32] = "", rows[32] = "", est[32] = "";
        if (r->has_time) {
            fmt_ms(t1, sizeof t1, r->self);
            fmt_ms(t2, sizeof t2, r->total);
        }
        if (r->has_rows) snprintf(rows, sizeof rows, "%.0f", r->rows);
        if (r->has_est) snprintf(est, sizeof est, "~%.0f", r->est);
        cl_buf_printf(out, " %10s ", t1);
        if (timed)
            put_bar(out, query_total > 0 ? r->self / query_total : 0, unicode);
        else
            for (int k = 0; k < BAR_WIDTH; k++) cl_buf_putc(out, ' ');
        cl_buf_printf(out, " %10s %12s %13s\n", t2, rows, est);
    }
    bool hp, he;
    double pt = num(top, "Planning Time", &hp);
    double et = num(top, "Execution Time", &he);
    if (hp || he) {
        char a[32], b[32];
        fmt_ms(a, sizeof a, pt);
        fmt_ms(b, sizeof b, et);
        if (hp && he)
            cl_buf_printf(out, "Planning: %s   Execution: %s\n", a, b);
        else
            cl_buf_printf(out, "%s: %s\n", hp ? "Planning" : "Execution", hp ? a : b);
    }
    for (int i = 0; i < w.n; i++) free(w.rows[i].label);
    free(w.rows);
    cl_json_free(doc);
    return K_OK;
}

/* The number after "time=" on a line, in ms (-1 when none). Accepts
 * "time=0.134 ms", "time=12.5ms", "time=1.2 s", "time=40 us" and
 * PostgreSQL's text form "actual time=0.010..0.134" (the second number). */
static double
line_time_ms(const char *s, size_t n)
{
    for (size_t i = 0; i + 5 <= n; i++) {
        if (memcmp(s + i, "time=", 5) != 0 || (i > 0 && s[i - 1] != ' ' && s[i - 1] != '('))
            continue;
        char tmp[64];
        size_t k = 0, j = i + 5;
        while (j < n && k < sizeof tmp - 1 && strchr("0123456789.", s[j])) tmp[k++] = s[j++];
        tmp[k] = '\0';
        if (k == 0) continue;
        char *dots = strstr(tmp, "..");
        double v = atof(dots ? dots + 2 : tmp);
        while (j < n && s[j] == ' ') j++;
        if (j + 1 < n && s[j] == 'u' && s[j + 1] == 's')
            v /= 1000;
        else if (j < n && s[j] == 's')
            v *= 1000;
        return v;
    }
    return -1;
}

int
cl_explain_render_text(ClBuf *out, const char *text, size_t n, int width, bool unicode)
{
    /* pass 1: the widest line and the largest time */
    int lw = 0;
    double tmax = 0;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && text[e] != '\n') e++;
        int w = cl_display_width(text + i, e - i);
        if (w > lw) lw = w;
        double t = line_time_ms(text + i, e - i);
        if (t > tmax) tmax = t;
        i = e + 1;
    }
    if (tmax <= 0) {
        cl_buf_put(out, text, n);
        if (n > 0 && text[n - 1] != '\n') cl_buf_putc(out, '\n');
        return K_OK;
    }
    /* on a terminal keep the bars on screen: lines past the room are not
     * padded and their bars come after them */
    int max_lw = width > 0 ? width - BAR_WIDTH - 2 : lw;
    if (lw > max_lw) lw = max_lw > 20 ? max_lw : 20;
    /* pass 2: each line padded, then a bar of its time against the largest */
    i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && text[e] != '\n') e++;
        double t = line_time_ms(text + i, e - i);
        int w = cl_display_width(text + i, e - i);
        cl_buf_put(out, text + i, e - i);
        if (t >= 0) {
            for (int k = w; k < lw; k++) cl_buf_putc(out, ' ');
            cl_buf_puts(out, "  ");
            put_bar(out, t / tmax, unicode);
            /* no trailing blanks after the bar */
            while (out->len > 0 && out->data[out->len - 1] == ' ') out->data[--out->len] = '\0';
        }
        cl_buf_putc(out, '\n');
        i = e + 1;
    }
    return K_OK;
}
