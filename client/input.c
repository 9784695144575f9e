/*
 * input.c — where statements come from: a terminal with libedit (prompts,
 * history, tab completion), a file or pipe, or a -c string.
 *
 * Interface routines (private): cl__run_source, cl__read_line,
 * cl__run_file, cl__editline_end, cl__invalidate_completion.
 *
 * Every source goes through the same loop: a line that starts with a
 * backslash (outside a quoted literal or comment) is a meta-command; any
 * other line goes to the statement scanner, and each complete statement is
 * run at once. Interactive sessions add each statement (or meta-command)
 * to the history as one entry, show psql's prompts (db=> , db-> , db'> ,
 * db(> ...), and treat Ctrl-C at the prompt as "forget this line and the
 * pending statement" and Ctrl-D as quit.
 *
 * Tab completion: keywords, plus table and column names read once from
 * information_schema (refreshed after CREATE/DROP/ALTER). After FROM, JOIN,
 * INTO, UPDATE, TABLE and \d only tables are offered.
 */
#include "client/client_int.h"

#include <ctype.h>
#include <errno.h>
#include <histedit.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wchar.h>

static EditLine *g_el;
static History *g_hist;
static HistEvent g_ev;
static char g_prompt[160];
static char g_hist_path[1024];
static ClShell *g_sh;

/* ------------------------------------------------------------------ */
/* Completion                                                           */
/* ------------------------------------------------------------------ */
static const char *const keywords[] = {
    "ALL",       "ALTER",      "ANALYZE", "AND",      "AS",       "ASC",         "AVG",
    "BEGIN",     "BETWEEN",    "BIGINT",  "BOOLEAN",  "BY",       "CASE",        "CAST",
    "CHAR",      "COMMIT",     "COPY",    "COUNT",    "CREATE",   "CROSS",       "CURRENT_DATE",
    "DATE",      "DECIMAL",    "DELETE",  "DESC",     "DISTINCT", "DISTRIBUTED", "DOUBLE",
    "DROP",      "ELSE",       "END",     "EXCEPT",   "EXISTS",   "EXPLAIN",     "EXTRACT",
    "FALSE",     "FETCH",      "FIRST",   "FORMAT",   "FROM",     "FULL",        "GROUP",
    "HASH",      "HAVING",     "IN",      "INNER",    "INSERT",   "INTEGER",     "INTERSECT",
    "INTERVAL",  "INTO",       "IS",      "JOIN",     "LEFT",     "LIKE",        "LIMIT",
    "MAX",       "MIN",        "NOT",     "NULL",     "NULLS",    "NUMERIC",     "OFFSET",
    "ON",        "OR",         "ORDER",   "OUTER",    "OVER",     "PARTITION",   "PRIMARY",
    "RANGE",     "REPLICATED", "RIGHT",   "ROLLBACK", "SELECT",   "SET",         "SHOW",
    "SUBSTRING", "SUM",        "TABLE",   "TEXT",     "THEN",     "TIMESTAMP",   "TRUE",
    "TRUNCATE",  "UNION",      "UPDATE",  "USING",    "VALUES",   "VARCHAR",     "VIEW",
    "WHEN",      "WHERE",      "WITH",
};

static void
free_list(char **l, int n)
{
    for (int i = 0; i < n; i++) free(l[i]);
    free(l);
}

void
cl__invalidate_completion(ClShell *sh)
{
    free_list(sh->comp_tables, sh->ncomp_tables);
    free_list(sh->comp_columns, sh->ncomp_columns);
    sh->comp_tables = sh->comp_columns = NULL;
    sh->ncomp_tables = sh->ncomp_columns = 0;
    sh->comp_loaded = false;
}

static int
fetch_list(ClShell *sh, const char *sql, char ***out)
{
    *out = NULL;
    PGresult *r = PQexec(sh->conn, sql);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return 0;
    }
    int n = PQntuples(r);
    char **l = calloc((size_t)n + 1, sizeof *l);
    int k = 0;
    for (int i = 0; l && i < n; i++)
        if (!PQgetisnull(r, i, 0) && (l[k] = strdup(PQgetvalue(r, i, 0))) != NULL) k++;
    PQclear(r);
    *out = l;
    return k;
}

static void
load_completion(ClShell *sh)
{
    if (sh->comp_loaded || !sh->conn || PQstatus(sh->conn) != CONNECTION_OK) return;
    /* a failing catalog query would abort the user's open transaction */
    PGTransactionStatusType ts = PQtransactionStatus(sh->conn);
    if (ts != PQTRANS_IDLE) return;
    sh->comp_loaded = true;
    sh->ncomp_tables = fetch_list(sh,
                                  "SELECT DISTINCT table_name FROM information_schema.tables "
                                  "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                                  "ORDER BY 1",
                                  &sh->comp_tables);
    sh->ncomp_columns = fetch_list(sh,
                                   "SELECT DISTINCT column_name FROM information_schema.columns "
                                   "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                                   "ORDER BY 1",
                                   &sh->comp_columns);
}

typedef struct Cands {
    char **v;
    int n, cap;
} Cands;

static void
cand_add(Cands *c, const char *s, const char *prefix, size_t plen, bool lower)
{
    if (strncasecmp(s, prefix, plen) != 0) return;
    for (int i = 0; i < c->n; i++)
        if (strcasecmp(c->v[i], s) == 0) return;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 32;
        char **v = realloc(c->v, (size_t)cap * sizeof *v);
        if (!v) return;
        c->v = v;
        c->cap = cap;
    }
    char *d = strdup(s);
    if (!d) return;
    if (lower)
        for (char *p = d; *p; p++) *p = (char)tolower((unsigned char)*p);
    c->v[c->n++] = d;
}

static bool
word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static unsigned char
complete(EditLine *el, int ch)
{
    (void)ch;
    ClShell *sh = g_sh;
    const LineInfo *li = el_line(el);
    size_t upto = (size_t)(li->cursor - li->buffer);
    const char *buf = li->buffer;
    size_t ws = upto;
    while (ws > 0 && word_char(buf[ws - 1])) ws--;
    const char *prefix = buf + ws;
    size_t plen = upto - ws;

    /* the word before */
    size_t pe = ws;
    while (pe > 0 && isspace((unsigned char)buf[pe - 1])) pe--;
    size_t ps = pe;
    while (ps > 0 && (word_char(buf[ps - 1]) || buf[ps - 1] == '\\')) ps--;
    char prev[32] = "";
    if (pe - ps < sizeof prev) {
        memcpy(prev, buf + ps, pe - ps);
        prev[pe - ps] = '\0';
    }
    /* a pending statement on earlier lines gives the context too */
    if (!prev[0] && sh->scan.buf.len > 0) {
        const char *sb = cl_buf_str(&sh->scan.buf);
        size_t e = sh->scan.buf.len;
        while (e > 0 && isspace((unsigned char)sb[e - 1])) e--;
        size_t s = e;
        while (s > 0 && word_char(sb[s - 1])) s--;
        if (e - s < sizeof prev) {
            memcpy(prev, sb + s, e - s);
            prev[e - s] = '\0';
        }
    }
    bool tables_only = false;
    static const char *const table_ctx[] = {"from",     "join", "into", "update", "table",
                                            "truncate", "\\d",  "\\d+", "\\dt",   "describe"};
    for (size_t i = 0; i < K_ARRAY_LEN(table_ctx); i++)
        if (strcasecmp(prev, table_ctx[i]) == 0) tables_only = true;

    bool lower = plen == 0 || islower((unsigned char)prefix[0]);
    Cands c = {0};
    /* a name created by another session is not in the cache yet: when
     * nothing matches, read the catalog once more */
    for (int attempt = 0; attempt < 2 && c.n == 0; attempt++) {
        if (attempt == 1) {
            if (!sh->comp_loaded) break;
            cl__invalidate_completion(sh);
        }
        load_completion(sh);
        for (int i = 0; i < sh->ncomp_tables; i++)
            cand_add(&c, sh->comp_tables[i], prefix, plen, false);
        if (!tables_only) {
            for (int i = 0; i < sh->ncomp_columns; i++)
                cand_add(&c, sh->comp_columns[i], prefix, plen, false);
            if (plen > 0)
                for (size_t i = 0; i < K_ARRAY_LEN(keywords); i++)
                    cand_add(&c, keywords[i], prefix, plen, lower);
        }
    }
    unsigned char ret = CC_REFRESH_BEEP;
    if (c.n == 1) {
        el_insertstr(el, c.v[0] + plen);
        el_insertstr(el, " ");
        ret = CC_REFRESH;
    } else if (c.n > 1) {
        /* longest common prefix */
        size_t lcp = strlen(c.v[0]);
        for (int i = 1; i < c.n; i++) {
            size_t k = 0;
            while (k < lcp && c.v[i][k] &&
                   tolower((unsigned char)c.v[i][k]) == tolower((unsigned char)c.v[0][k]))
                k++;
            lcp = k;
        }
        if (lcp > plen) {
            char tmp[256];
            size_t n = lcp - plen < sizeof tmp - 1 ? lcp - plen : sizeof tmp - 1;
            memcpy(tmp, c.v[0] + plen, n);
            tmp[n] = '\0';
            el_insertstr(el, tmp);
            ret = CC_REFRESH;
        } else {
            int maxw = 0;
            for (int i = 0; i < c.n; i++)
                if ((int)strlen(c.v[i]) > maxw) maxw = (int)strlen(c.v[i]);
            int cols = cl__terminal_width();
            int per = cols > 0 ? cols / (maxw + 2) : 4;
            if (per < 1) per = 1;
            fputc('\n', stdout);
            for (int i = 0; i < c.n; i++) {
                fprintf(stdout, "%-*s", maxw + 2, c.v[i]);
                if ((i + 1) % per == 0 || i + 1 == c.n) fputc('\n', stdout);
            }
            fflush(stdout);
            ret = CC_REDISPLAY;
        }
    }
    for (int i = 0; i < c.n; i++) free(c.v[i]);
    free(c.v);
    return ret;
}

/* ------------------------------------------------------------------ */
/* libedit                                                              */
/* ------------------------------------------------------------------ */
static char *
prompt_fn(EditLine *el)
{
    (void)el;
    return g_prompt;
}

static void
editline_start(ClShell *sh)
{
    if (g_el) return;
    g_sh = sh;
    g_hist = history_init();
    if (g_hist) {
        history(g_hist, &g_ev, H_SETSIZE, 1000);
        history(g_hist, &g_ev, H_SETUNIQUE, 1);
        const char *hp = getenv("KESTREL_HISTORY");
        const char *home = getenv("HOME");
        if (hp && *hp)
            snprintf(g_hist_path, sizeof g_hist_path, "%s", hp);
        else if (home && *home)
            snprintf(g_hist_path, sizeof g_hist_path, "%s/.kestrel_history", home);
        if (g_hist_path[0]) history(g_hist, &g_ev, H_LOAD, g_hist_path);
    }
    g_el = el_init("kestrel", stdin, stdout, stderr);
    if (!g_el) return;
    el_set(g_el, EL_EDITOR, "emacs");
    el_set(g_el, EL_SIGNAL, 1);
    el_set(g_el, EL_PROMPT, prompt_fn);
    if (g_hist) el_set(g_el, EL_HIST, history, g_hist);
    /* the wide form keeps our static strings (el_set's narrow form copies
     * them with wcsdup and never frees the copies) */
    el_wset(g_el, EL_ADDFN, L"kestrel-complete", L"complete a name", complete);
    el_set(g_el, EL_BIND, "^I", "kestrel-complete", NULL);
    el_source(g_el, NULL);
}

void
cl__editline_end(void)
{
    if (g_hist) {
        if (g_hist_path[0]) history(g_hist, &g_ev, H_SAVE, g_hist_path);
        history_end(g_hist);
        g_hist = NULL;
    }
    if (g_el) {
        el_end(g_el);
        g_el = NULL;
    }
}

static void
history_add(const char *text, size_t n)
{
    if (!g_hist || n == 0) return;
    char *h = malloc(n + 1);
    if (!h) return;
    for (size_t i = 0; i < n; i++) h[i] = text[i] == '\n' ? ' ' : text[i];
    h[n] = '\0';
    history(g_hist, &g_ev, H_ENTER, h);
    if (g_hist_path[0]) history(g_hist, &g_ev, H_SAVE, g_hist_path);
    free(h);
}

/* ------------------------------------------------------------------ */
/* Sources                                                              */
/* ------------------------------------------------------------------ */
bool
cl__read_line(ClShell *sh, ClSource *src, const char *prompt, char **line, size_t *len)
{
    switch (src->kind) {
    case CL_SRC_STRING: {
        if (!src->str || !*src->str) return false;
        const char *nl = strchr(src->str, '\n');
        size_t n = nl ? (size_t)(nl - src->str) : strlen(src->str);
        if (n + 1 > src->linecap) {
            char *p = realloc(src->linebuf, n + 1);
            if (!p) return false;
            src->linebuf = p;
            src->linecap = n + 1;
        }
        memcpy(src->linebuf, src->str, n);
        src->linebuf[n] = '\0';
        src->str = nl ? nl + 1 : src->str + n;
        src->line++;
        *line = src->linebuf;
        *len = n;
        return true;
    }
    case CL_SRC_FILE: {
        errno = 0;
        ssize_t n = getline(&src->linebuf, &src->linecap, src->fp);
        if (n < 0) return false;
        while (n > 0 && (src->linebuf[n - 1] == '\n' || src->linebuf[n - 1] == '\r'))
            src->linebuf[--n] = '\0';
        src->line++;
        *line = src->linebuf;
        *len = (size_t)n;
        return true;
    }
    case CL_SRC_EDITLINE: {
        for (;;) {
            snprintf(g_prompt, sizeof g_prompt, "%s", prompt);
            int count = 0;
            cl__sigint = 0;
            const char *l = el_gets(g_el, &count);
            if (!l) {
                if (cl__sigint || (count == -1 && errno == EINTR)) {
                    /* Ctrl-C at the prompt: drop the line and the pending
                     * statement, start over */
                    cl__sigint = 0;
                    fputc('\n', stdout);
                    fflush(stdout);
                    cl_scan_reset(&sh->scan);
                    el_reset(g_el);
                    continue;
                }
                return false;
            }
            size_t n = (size_t)count;
            if (n + 1 > src->linecap) {
                char *p = realloc(src->linebuf, n + 1);
                if (!p) return false;
                src->linebuf = p;
                src->linecap = n + 1;
            }
            memcpy(src->linebuf, l, n);
            src->linebuf[n] = '\0';
            while (n > 0 && (src->linebuf[n - 1] == '\n' || src->linebuf[n - 1] == '\r'))
                src->linebuf[--n] = '\0';
            src->line++;
            *line = src->linebuf;
            *len = n;
            return true;
        }
    }
    }
    return false;
}

static void
make_prompt(ClShell *sh, char *buf, size_t cap)
{
    const char *db = sh->conn && PQstatus(sh->conn) == CONNECTION_OK ? PQdb(sh->conn) : NULL;
    char pc = cl_scan_prompt_char(&sh->scan);
    const char *tx = "";
    if (sh->conn && PQtransactionStatus(sh->conn) == PQTRANS_INERROR)
        tx = "!";
    else if (sh->conn && PQtransactionStatus(sh->conn) == PQTRANS_INTRANS)
        tx = "*";
    if (!db)
        snprintf(buf, cap, "!%c> ", pc);
    else
        snprintf(buf, cap, "%s%c%s> ", db, pc, tx);
}

/* Is the line a meta-command: first non-blank a backslash, and the scanner
 * outside any literal/comment? */
static const char *
meta_start(ClShell *sh, const char *line)
{
    char pc = cl_scan_prompt_char(&sh->scan);
    if (pc != '=' && pc != '-' && pc != '(') return NULL;
    while (*line == ' ' || *line == '\t') line++;
    return *line == '\\' ? line : NULL;
}

static int
run_statements(ClShell *sh, ClBuf *hist)
{
    char *stmt;
    int line;
    while (cl_scan_next(&sh->scan, &stmt, &line)) {
        if (hist && hist->len) {
            history_add(hist->data, hist->len);
            cl_buf_clear(hist);
        }
        int rc = cl__run_sql(sh, stmt, false);
        free(stmt);
        if (rc != K_OK) {
            if (sh->conn_lost && !sh->interactive) {
                sh->exit_code = CL_EXIT_BADCONN;
                return K_ERR;
            }
            if (sh->on_error_stop && !sh->interactive) {
                sh->exit_code = CL_EXIT_USER;
                return K_ERR;
            }
        }
        if (sh->quit) return K_OK;
    }
    return K_OK;
}

int
cl__run_source(ClShell *sh, ClSource *src)
{
    ClSource *prev_src = sh->src;
    ClScan saved = sh->scan;
    cl_scan_init(&sh->scan);
    sh->src = src;
    bool edit = src->kind == CL_SRC_EDITLINE;
    if (edit) editline_start(sh);
    if (edit && !g_el) src->kind = CL_SRC_FILE, src->fp = stdin;
    ClBuf hist;
    cl_buf_init(&hist);
    int rc = K_OK;
    char *line;
    size_t len;
    for (;;) {
        char prompt[160];
        if (src->kind == CL_SRC_EDITLINE)
            make_prompt(sh, prompt, sizeof prompt);
        else
            prompt[0] = '\0';
        if (!cl__read_line(sh, src, prompt, &line, &len)) {
            if (src->kind == CL_SRC_EDITLINE) {
                fputc('\n', stdout); /* Ctrl-D leaves the prompt line */
                break;
            }
            /* end of a script: run what is left without its ';' */
            char *stmt;
            int at;
            if (cl_scan_flush(&sh->scan, &stmt, &at)) {
                if (cl__run_sql(sh, stmt, false) != K_OK) {
                    if (sh->conn_lost)
                        sh->exit_code = CL_EXIT_BADCONN;
                    else if (sh->on_error_stop)
                        sh->exit_code = CL_EXIT_USER;
                    rc = sh->conn_lost || sh->on_error_stop ? K_ERR : K_OK;
                }
                free(stmt);
            }
            break;
        }
        if (cl__sigint && !sh->interactive) {
            sh->exit_code = CL_EXIT_FAIL;
            rc = K_ERR;
            break;
        }
        const char *meta = meta_start(sh, line);
        if (meta) {
            if (src->kind == CL_SRC_EDITLINE) {
                if (hist.len) cl_buf_putc(&hist, '\n');
                cl_buf_puts(&hist, line);
                history_add(hist.data, hist.len);
                cl_buf_clear(&hist);
            }
            if (cl__meta(sh, meta) != K_OK && !sh->interactive) {
                if (sh->conn_lost) {
                    sh->exit_code = CL_EXIT_BADCONN;
                    rc = K_ERR;
                    break;
                }
                if (sh->on_error_stop) {
                    if (!sh->exit_code) sh->exit_code = CL_EXIT_USER;
                    rc = K_ERR;
                    break;
                }
            }
            if (sh->quit) break;
            continue;
        }
        if (src->kind == CL_SRC_EDITLINE && (len > 0 || hist.len > 0)) {
            if (hist.len) cl_buf_putc(&hist, '\n');
            cl_buf_put(&hist, line, len);
        }
        cl_scan_feed(&sh->scan, line, len);
        if (run_statements(sh, src->kind == CL_SRC_EDITLINE ? &hist : NULL) != K_OK) {
            rc = K_ERR;
            break;
        }
        if (cl_scan_empty(&sh->scan)) cl_buf_clear(&hist);
        if (sh->quit) break;
    }
    cl_buf_free(&hist);
    free(src->linebuf);
    src->linebuf = NULL;
    cl_scan_free(&sh->scan);
    sh->scan = saved;
    sh->src = prev_src;
    return rc;
}

int
cl__run_file(ClShell *sh, const char *path)
{
    if (sh->depth >= 16) {
        cl__errorf(sh, "\\i: files nested too deeply (at most 16)");
        return K_ERR;
    }
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!fp) {
        cl__errorf(sh, "%s: %s", path, strerror(errno));
        sh->exit_code = CL_EXIT_FAIL;
        return K_ERR;
    }
    ClSource src = {0};
    src.kind = CL_SRC_FILE;
    src.fp = fp;
    src.name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    bool was = sh->interactive;
    sh->interactive = false;
    sh->depth++;
    int rc = cl__run_source(sh, &src);
    sh->depth--;
    sh->interactive = was;
    if (fp != stdin) fclose(fp);
    return rc;
}
