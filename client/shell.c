/*
 * shell.c — the session: connection, running a statement, results, errors
 * and the live progress line.
 *
 * Interface routines (private, client_int.h): cl__shell_init,
 * cl__shell_free, cl__connect, cl__run_sql, cl__catalog, cl__print_result,
 * cl__print_table, cl__report_error, cl__errorf, cl__progress_clear,
 * cl__var, cl__set_var, cl__copy_in_from, cl__copy_out_to.
 *
 * Running a statement (cl__run_sql):
 *   PQsendQuery, then a poll() loop over the connection's socket with a
 *   100 ms tick, so the shell stays responsive: Ctrl-C (the SIGINT handler
 *   sends a CancelRequest through PQcancel, which is signal safe), the
 *   progress line after one second, and a second connection that asks the
 *   server how far the query is (kestrel_queries / kestrel_query_progress,
 *   polled twice a second). A server without those views (PostgreSQL) gets
 *   an elapsed-time spinner. Results are printed as they arrive.
 *
 * A lost connection is reported once, with the promise that the next
 * statement tries PQreset; scripts stop with exit status 2.
 */
#include "client/client_int.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t cl__sigint;
static PGcancel *volatile g_cancel;

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
on_sigint(int sig)
{
    (void)sig;
    int save = errno;
    cl__sigint = 1;
    PGcancel *c = g_cancel;
    if (c) {
        char eb[256];
        (void)PQcancel(c, eb, sizeof eb);
    }
    errno = save;
}

int
cl__terminal_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

int
cl__terminal_height(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
        return ws.ws_row;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Variables                                                            */
/* ------------------------------------------------------------------ */
bool
cl__parse_bool(const char *s, bool *out)
{
    if (!s) return false;
    if (!strcasecmp(s, "on") || !strcasecmp(s, "true") || !strcasecmp(s, "1") ||
        !strcasecmp(s, "yes") || !strcasecmp(s, "t") || !strcasecmp(s, "y")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(s, "off") || !strcasecmp(s, "false") || !strcasecmp(s, "0") ||
        !strcasecmp(s, "no") || !strcasecmp(s, "f") || !strcasecmp(s, "n")) {
        *out = false;
        return true;
    }
    return false;
}

const char *
cl__var(const ClShell *sh, const char *name)
{
    for (int i = 0; i < sh->nvars; i++)
        if (strcmp(sh->var_name[i], name) == 0) return sh->var_value[i];
    return NULL;
}

int
cl__set_var(ClShell *sh, const char *name, const char *value)
{
    /* special variables are checked before they are stored */
    if (strcmp(name, "ON_ERROR_STOP") == 0) {
        bool b;
        if (!cl__parse_bool(value[0] ? value : "on", &b)) {
            cl__errorf(sh, "unrecognized value \"%s\" for \"ON_ERROR_STOP\": Boolean expected",
                       value);
            return K_ERR;
        }
        sh->on_error_stop = b;
    } else if (strcmp(name, "VERBOSITY") == 0) {
        if (!strcasecmp(value, "default"))
            sh->verbosity = CL_VERB_DEFAULT;
        else if (!strcasecmp(value, "verbose"))
            sh->verbosity = CL_VERB_VERBOSE;
        else if (!strcasecmp(value, "terse"))
            sh->verbosity = CL_VERB_TERSE;
        else {
            cl__errorf(sh, "unrecognized value \"%s\" for \"VERBOSITY\"", value);
            fprintf(stderr, "Available values are: default, verbose, terse.\n");
            return K_ERR;
        }
    } else if (strcmp(name, "QUIET") == 0) {
        bool b;
        if (!cl__parse_bool(value[0] ? value : "on", &b)) {
            cl__errorf(sh, "unrecognized value \"%s\" for \"QUIET\": Boolean expected", value);
            return K_ERR;
        }
        sh->quiet = b;
    }
    for (int i = 0; i < sh->nvars; i++) {
        if (strcmp(sh->var_name[i], name) == 0) {
            char *v = strdup(value);
            if (!v) return K_ERR;
            free(sh->var_value[i]);
            sh->var_value[i] = v;
            return K_OK;
        }
    }
    if (sh->nvars >= CL_MAX_SHELL_VARS) {
        cl__errorf(sh, "too many variables (at most %d)", CL_MAX_SHELL_VARS);
        return K_ERR;
    }
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return K_ERR;
    }
    sh->var_name[sh->nvars] = n;
    sh->var_value[sh->nvars] = v;
    sh->nvars++;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Messages                                                             */
/* ------------------------------------------------------------------ */
static void
location_prefix(ClShell *sh)
{
    if (sh->src && sh->src->name && !sh->interactive)
        fprintf(stderr, "kestrel:%s:%d: ", sh->src->name, sh->src->line);
}

void
cl__errorf(ClShell *sh, const char *fmt, ...)
{
    cl__progress_clear(sh);
    location_prefix(sh);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void
print_field(ClBuf *b, const PGresult *res, int code, const char *label)
{
    const char *v = PQresultErrorField(res, code);
    if (v && *v) cl_buf_printf(b, "%s:  %s\n", label, v);
}

void
cl__report_error(ClShell *sh, const PGresult *res, const char *query)
{
    cl__progress_clear(sh);
    ClBuf b;
    cl_buf_init(&b);
    const char *sev = res ? PQresultErrorField(res, PG_DIAG_SEVERITY) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!sev || !msg) {
        /* an error made by libpq itself (lost connection, ...) */
        const char *m = res ? PQresultErrorMessage(res) : NULL;
        if (!m || !*m) m = sh->conn ? PQerrorMessage(sh->conn) : "unknown error\n";
        location_prefix(sh);
        fputs(m, stderr);
        if (m[strlen(m) - 1] != '\n') fputc('\n', stderr);
        cl_buf_free(&b);
        return;
    }
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (sh->verbosity == CL_VERB_VERBOSE && state)
        cl_buf_printf(&b, "%s:  %s: %s\n", sev, state, msg);
    else
        cl_buf_printf(&b, "%s:  %s\n", sev, msg);
    if (sh->verbosity != CL_VERB_TERSE) {
        const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
        if (pos && query) cl_error_context(&b, query, atoi(pos));
        print_field(&b, res, PG_DIAG_MESSAGE_DETAIL, "DETAIL");
        print_field(&b, res, PG_DIAG_MESSAGE_HINT, "HINT");
        print_field(&b, res, PG_DIAG_INTERNAL_QUERY, "QUERY");
        print_field(&b, res, PG_DIAG_CONTEXT, "CONTEXT");
    }
    if (sh->verbosity == CL_VERB_VERBOSE) {
        const char *fn = PQresultErrorField(res, PG_DIAG_SOURCE_FUNCTION);
        const char *file = PQresultErrorField(res, PG_DIAG_SOURCE_FILE);
        const char *line = PQresultErrorField(res, PG_DIAG_SOURCE_LINE);
        if (fn || file)
            cl_buf_printf(&b, "LOCATION:  %s%s%s%s%s\n", fn ? fn : "", fn && file ? ", " : "",
                          file ? file : "", line ? ":" : "", line ? line : "");
    }
    location_prefix(sh);
    fputs(cl_buf_str(&b), stderr);
    fflush(stderr);
    cl_buf_free(&b);
}

static void
notice_receiver(void *arg, const PGresult *res)
{
    ClShell *sh = arg;
    cl__progress_clear(sh);
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (sev && msg) {
        fprintf(stderr, "%s:  %s\n", sev, msg);
        const char *d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        const char *h = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
        if (d && sh->verbosity != CL_VERB_TERSE) fprintf(stderr, "DETAIL:  %s\n", d);
        if (h && sh->verbosity != CL_VERB_TERSE) fprintf(stderr, "HINT:  %s\n", h);
    } else {
        fputs(PQresultErrorMessage(res), stderr);
    }
}

/* ------------------------------------------------------------------ */
/* Session                                                              */
/* ------------------------------------------------------------------ */
static int
add_param(ClShell *sh, const char *k, const char *v)
{
    if (!v || sh->nparams >= CL_MAX_PARAMS) return K_OK;
    char *copy = strdup(v);
    if (!copy) return K_ERR;
    sh->param_store[sh->nparams] = copy;
    sh->kw[sh->nparams] = k;
    sh->val[sh->nparams] = copy;
    sh->nparams++;
    sh->kw[sh->nparams] = NULL;
    sh->val[sh->nparams] = NULL;
    return K_OK;
}

static bool
env_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
}

/* Does a -d value look like a connection string or URI? */
static bool
is_conninfo(const char *s)
{
    return s && (strchr(s, '=') || strncmp(s, "postgresql://", 13) == 0 ||
                 strncmp(s, "postgres://", 11) == 0);
}

int
cl__shell_init(ClShell *sh, ClOptions *o)
{
    memset(sh, 0, sizeof *sh);
    sh->opts = o;
    sh->out = stdout;
    sh->kestrel_views = -1;
    cl_print_opts_default(&sh->popts);
    cl_scan_init(&sh->scan);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked read returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Defaults go first so the environment (PGHOST, PGPORT: libpq reads
     * them only for parameters we leave out), then the options, then a
     * connection string in -d, whose settings win as in psql. */
    int rc = K_OK;
    bool conninfo = is_conninfo(o->dbname);
    if (!o->host && !env_set("PGHOST") && !env_set("PGHOSTADDR") && !env_set("PGSERVICE"))
        rc |= add_param(sh, "host", "localhost");
    if (!o->port && !env_set("PGPORT") && !env_set("PGSERVICE"))
        rc |= add_param(sh, "port", "5433");
    rc |= add_param(sh, "host", o->host);
    rc |= add_param(sh, "port", o->port);
    rc |= add_param(sh, "user", o->user);
    rc |= add_param(sh, "dbname", o->dbname);
    rc |= add_param(sh, "fallback_application_name", "kestrel");
    (void)conninfo;
    return rc ? K_ERR : K_OK;
}

void
cl__shell_free(ClShell *sh)
{
    PGcancel *c = g_cancel;
    g_cancel = NULL;
    if (c) PQfreeCancel(c);
    if (sh->conn) PQfinish(sh->conn);
    if (sh->pconn) PQfinish(sh->pconn);
    sh->conn = sh->pconn = NULL;
    for (int i = 0; i < sh->nparams; i++) free(sh->param_store[i]);
    for (int i = 0; i < sh->nvars; i++) {
        free(sh->var_name[i]);
        free(sh->var_value[i]);
    }
    if (sh->password) {
        memset(sh->password, 0, strlen(sh->password));
        free(sh->password);
    }
    cl__invalidate_completion(sh);
    cl_scan_free(&sh->scan);
    if (sh->out && sh->out != stdout) {
        if (sh->out_is_pipe)
            pclose(sh->out);
        else
            fclose(sh->out);
    }
    sh->out = stdout;
}

static char *
read_password(const char *prompt)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty) return NULL;
    fputs(prompt, tty);
    fflush(tty);
    int fd = fileno(tty);
    struct termios old, quiet;
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, tty);
    if (restore) tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    return line;
}

static PGconn *
connect_with(ClShell *sh, const char *password)
{
    const char *kw[CL_MAX_PARAMS + 2];
    const char *val[CL_MAX_PARAMS + 2];
    int n = 0;
    for (int i = 0; i < sh->nparams; i++) {
        kw[n] = sh->kw[i];
        val[n] = sh->val[i];
        n++;
    }
    if (password) {
        kw[n] = "password";
        val[n] = password;
        n++;
    }
    kw[n] = NULL;
    val[n] = NULL;
    return PQconnectdbParams(kw, val, 1);
}

int
cl__connect(ClShell *sh, bool report)
{
    if (sh->opts->password_prompt && !sh->password) sh->password = read_password("Password: ");
    for (;;) {
        PGconn *c = connect_with(sh, sh->password);
        if (!c) {
            if (report) fprintf(stderr, "kestrel: error: out of memory\n");
            return K_ERR;
        }
        if (PQstatus(c) == CONNECTION_OK) {
            if (sh->conn) PQfinish(sh->conn);
            sh->conn = c;
            PQsetNoticeReceiver(c, notice_receiver, sh);
            sh->conn_lost = false;
            cl__invalidate_completion(sh);
            if (sh->pconn) {
                PQfinish(sh->pconn);
                sh->pconn = NULL;
            }
            sh->kestrel_views = -1;
            return K_OK;
        }
        if (PQconnectionNeedsPassword(c) && !sh->password && !sh->opts->no_password &&
            isatty(STDIN_FILENO)) {
            PQfinish(c);
            sh->password = read_password("Password: ");
            if (sh->password) continue;
            return K_ERR;
        }
        if (report) fprintf(stderr, "kestrel: error: %s", PQerrorMessage(c));
        PQfinish(c);
        return K_ERR;
    }
}

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */
static int
count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (*s == '\n') n++;
    return n;
}

/* Write rendered output: through a pager when it is long and we are on a
 * terminal. */
static void
emit(ClShell *sh, const ClBuf *b, bool may_page)
{
    cl__progress_clear(sh);
    const char *text = cl_buf_str(b);
    if (may_page && sh->pager && sh->out == stdout && sh->interactive && isatty(STDOUT_FILENO)) {
        int rows = cl__terminal_height();
        if (rows > 0 && count_lines(text) > rows - 1) {
            const char *pager = getenv("KESTREL_PAGER");
            if (!pager) pager = getenv("PAGER");
            if (!pager) pager = "less -SFX";
            if (*pager) {
                fflush(stdout);
                FILE *p = popen(pager, "w");
                if (p) {
                    fwrite(text, 1, b->len, p);
                    pclose(p);
                    return;
                }
            }
        }
    }
    fwrite(text, 1, b->len, sh->out);
    fflush(sh->out);
}

void
cl__print_table(ClShell *sh, const ClTable *t)
{
    ClPrintOpts o = sh->popts;
    o.term_width = (sh->out == stdout) ? cl__terminal_width() : 0;
    ClBuf b;
    cl_buf_init(&b);
    cl_format_table(&b, t, &o);
    if (b.failed) cl__errorf(sh, "out of memory while formatting the result");
    emit(sh, &b, true);
    cl_buf_free(&b);
}

void
cl__print_result(ClShell *sh, const PGresult *res, const char *title, const char *const *footers,
                 int nfooters)
{
    int ncols = PQnfields(res), nrows = PQntuples(res);
    const char **heads = calloc((size_t)ncols + 1, sizeof *heads);
    ClColKind *kinds = calloc((size_t)ncols + 1, sizeof *kinds);
    const char **cells = calloc((size_t)ncols * (size_t)nrows + 1, sizeof *cells);
    if (!heads || !kinds || !cells) {
        cl__errorf(sh, "out of memory for a result of %d rows", nrows);
        free(heads);
        free(kinds);
        free(cells);
        return;
    }
    for (int c = 0; c < ncols; c++) {
        heads[c] = PQfname(res, c);
        kinds[c] = cl_kind_from_oid(PQftype(res, c));
    }
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++)
            cells[(size_t)r * (size_t)ncols + (size_t)c] =
                PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
    ClTable t = {ncols, nrows, heads, kinds, cells, title, footers, nfooters};
    cl__print_table(sh, &t);
    free(heads);
    free(kinds);
    free(cells);
}

/* ------------------------------------------------------------------ */
/* Progress                                                             */
/* ------------------------------------------------------------------ */
typedef enum ProgStep { PROG_IDLE, PROG_QUERY, PROG_WORKERS } ProgStep;

typedef struct Progress {
    uint64_t start;
    uint64_t last_poll;
    uint64_t last_draw;
    int frame;
    ProgStep step;
    bool have; /* server numbers known */
    char query_id[64];
    double elapsed_ms, rows_done, rows_est, bytes_done, bytes_est;
    int nworkers;
    double w_done[16], w_est[16];
    char w_name[16][24];
    bool workers_absent;
} Progress;

void
cl__progress_clear(ClShell *sh)
{
    if (sh->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        sh->progress_shown = false;
    }
}

static void
human(char *buf, size_t cap, double v, const char *unit)
{
    const char *suf[] = {"", "k", "M", "G", "T", "P"};
    int i = 0;
    while (fabs(v) >= 1000 && i < 5) {
        v /= 1000;
        i++;
    }
    if (i == 0)
        snprintf(buf, cap, "%.0f%s", v, unit);
    else
        snprintf(buf, cap, "%.1f%s%s", v, suf[i], unit);
}

static void
progress_draw(ClShell *sh, Progress *p, uint64_t now)
{
    bool utf8 = false;
    const char *lang = getenv("LC_ALL");
    if (!lang || !*lang) lang = getenv("LC_CTYPE");
    if (!lang || !*lang) lang = getenv("LANG");
    if (lang && (strcasestr(lang, "utf-8") || strcasestr(lang, "utf8"))) utf8 = true;
    static const char *spin_u[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    static const char *spin_a[] = {"|", "/", "-", "\\"};
    const char *spin = utf8 ? spin_u[p->frame % 10] : spin_a[p->frame % 4];
    p->frame++;
    double secs = (double)(now - p->start) / 1e9;
    ClBuf b;
    cl_buf_init(&b);
    cl_buf_printf(&b, "%s running %.1f s", spin, secs);
    if (p->have) {
        double frac = -1;
        if (p->rows_est > 0)
            frac = p->rows_done / p->rows_est;
        else if (p->bytes_est > 0)
            frac = p->bytes_done / p->bytes_est;
        if (frac >= 0) {
            if (frac > 1) frac = 1;
            int w = 20, fill = (int)(frac * w);
            cl_buf_puts(&b, "  [");
            for (int i = 0; i < w; i++)
                cl_buf_puts(&b, i < fill ? (utf8 ? "█" : "#") : (utf8 ? "░" : "."));
            cl_buf_printf(&b, "] %3.0f%%", frac * 100);
        }
        char a[32], e[32], r[32], by[32];
        human(a, sizeof a, p->rows_done, "");
        human(e, sizeof e, p->rows_est, "");
        cl_buf_printf(&b, "  %s", a);
        if (p->rows_est > 0) cl_buf_printf(&b, "/%s", e);
        cl_buf_puts(&b, " rows");
        double el = p->elapsed_ms > 0 ? p->elapsed_ms / 1000 : secs;
        if (el > 0) {
            human(r, sizeof r, p->rows_done / el, "");
            cl_buf_printf(&b, "  %s rows/s", r);
        }
        if (p->bytes_done > 0) {
            human(by, sizeof by, p->bytes_done, "B");
            cl_buf_printf(&b, "  %s", by);
        }
        for (int i = 0; i < p->nworkers; i++) {
            if (p->w_est[i] > 0)
                cl_buf_printf(
                    &b, "  %s %.0f%%", p->w_name[i],
                    100 * (p->w_done[i] / p->w_est[i] > 1 ? 1 : p->w_done[i] / p->w_est[i]));
            else {
                char wd[32];
                human(wd, sizeof wd, p->w_done[i], "");
                cl_buf_printf(&b, "  %s %s", p->w_name[i], wd);
            }
        }
    }
    cl_buf_puts(&b, "  (Ctrl-C cancels)");
    /* keep it on one terminal line */
    struct winsize ws;
    int cols = 0;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) cols = ws.ws_col;
    size_t len = b.len;
    if (cols > 1 && cl_display_width(cl_buf_str(&b), len) > cols - 1) {
        int w = 0;
        size_t i = 0;
        while (i < len) {
            int32_t cp;
            int bl = cl_utf8_decode(b.data + i, len - i, &cp);
            int cw = cl_char_width(cp);
            if (w + cw > cols - 1) break;
            w += cw;
            i += (size_t)bl;
        }
        len = i;
    }
    fputs("\r", stderr);
    fwrite(cl_buf_str(&b), 1, len, stderr);
    fputs("\033[K", stderr);
    fflush(stderr);
    sh->progress_shown = true;
    cl_buf_free(&b);
}

static double
fnum(const PGresult *r, int row, const char *col)
{
    int c = PQfnumber(r, col);
    if (c < 0 || PQgetisnull(r, row, c)) return 0;
    return atof(PQgetvalue(r, row, c));
}

/* Consume what the progress connection has; start the next poll when due. */
static void
progress_poll(ClShell *sh, Progress *p, uint64_t now)
{
    if (sh->kestrel_views == 0) return;
    if (!sh->pconn) {
        sh->pconn = connect_with(sh, sh->password);
        if (!sh->pconn || PQstatus(sh->pconn) != CONNECTION_OK) {
            if (sh->pconn) PQfinish(sh->pconn);
            sh->pconn = NULL;
            sh->kestrel_views = 0;
            return;
        }
        PQsetNoticeProcessor(sh->pconn, NULL, NULL);
    }
    if (p->step != PROG_IDLE) {
        if (!PQconsumeInput(sh->pconn)) {
            PQfinish(sh->pconn);
            sh->pconn = NULL;
            p->step = PROG_IDLE;
            return;
        }
        while (!PQisBusy(sh->pconn)) {
            PGresult *r = PQgetResult(sh->pconn);
            if (!r) {
                p->step = PROG_IDLE;
                break;
            }
            ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_TUPLES_OK && p->step == PROG_QUERY) {
                sh->kestrel_views = 1;
                if (PQntuples(r) > 0) {
                    p->have = true;
                    int qc = PQfnumber(r, "query_id");
                    snprintf(p->query_id, sizeof p->query_id, "%s",
                             qc >= 0 && !PQgetisnull(r, 0, qc) ? PQgetvalue(r, 0, qc) : "");
                    p->elapsed_ms = fnum(r, 0, "elapsed_ms");
                    p->rows_done = fnum(r, 0, "rows_done");
                    p->rows_est = fnum(r, 0, "rows_estimated");
                    p->bytes_done = fnum(r, 0, "bytes_done");
                    p->bytes_est = fnum(r, 0, "bytes_estimated");
                }
            } else if (st == PGRES_TUPLES_OK && p->step == PROG_WORKERS) {
                int n = PQntuples(r);
                p->nworkers = n > 16 ? 16 : n;
                int wc = PQfnumber(r, "worker");
                for (int i = 0; i < p->nworkers; i++) {
                    snprintf(p->w_name[i], sizeof p->w_name[i], "w%s",
                             wc >= 0 ? PQgetvalue(r, i, wc) : "?");
                    p->w_done[i] = fnum(r, i, "rows_done");
                    p->w_est[i] = fnum(r, i, "rows_estimated");
                }
            } else if (st == PGRES_FATAL_ERROR) {
                if (p->step == PROG_QUERY)
                    sh->kestrel_views = 0; /* PostgreSQL or an old Kestrel */
                else
                    p->workers_absent = true;
            }
            PQclear(r);
        }
    }
    if (p->step == PROG_IDLE && sh->kestrel_views != 0 && sh->pconn) {
        char sql[512];
        bool workers = p->have && p->query_id[0] && !p->workers_absent &&
                       now - p->last_poll < 400000000u && p->last_poll;
        if (workers) {
            char *lit = PQescapeLiteral(sh->pconn, p->query_id, strlen(p->query_id));
            snprintf(sql, sizeof sql,
                     "SELECT worker, rows_done, rows_estimated FROM kestrel_query_progress "
                     "WHERE query_id = %s ORDER BY worker",
                     lit ? lit : "NULL");
            PQfreemem(lit);
            if (PQsendQuery(sh->pconn, sql)) p->step = PROG_WORKERS;
        } else if (now - p->last_poll >= 500000000u) {
            snprintf(sql, sizeof sql,
                     "SELECT query_id, state, elapsed_ms, rows_done, rows_estimated, bytes_done, "
                     "bytes_estimated FROM kestrel_queries WHERE pid = %d",
                     PQbackendPID(sh->conn));
            if (PQsendQuery(sh->pconn, sql)) {
                p->step = PROG_QUERY;
                p->last_poll = now;
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* COPY data                                                            */
/* ------------------------------------------------------------------ */
int
cl__copy_in_from(ClShell *sh, FILE *fp, bool until_dot)
{
    int rc = K_OK;
    const char *why = NULL;
    if (until_dot) {
        char *line = NULL;
        size_t len = 0;
        ClSource *src = sh->src;
        bool prompt = sh->interactive;
        if (prompt)
            fputs("Enter data to be copied followed by a newline.\n"
                  "End with a backslash and a period on a line by itself.\n",
                  stdout);
        while (src && cl__read_line(sh, src, ">> ", &line, &len)) {
            if (len == 2 && line[0] == '\\' && line[1] == '.') break;
            if (PQputCopyData(sh->conn, line, (int)len) != 1 ||
                PQputCopyData(sh->conn, "\n", 1) != 1) {
                rc = K_ERR;
                break;
            }
        }
    } else {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
            if (cl__sigint) {
                why = "canceled by user";
                break;
            }
            if (PQputCopyData(sh->conn, buf, (int)n) != 1) {
                rc = K_ERR;
                break;
            }
        }
        if (ferror(fp)) why = "error reading the input file";
    }
    if (PQputCopyEnd(sh->conn, why) != 1) rc = K_ERR;
    return rc;
}

int
cl__copy_out_to(ClShell *sh, FILE *fp)
{
    char *buf;
    int n;
    int rc = K_OK;
    while ((n = PQgetCopyData(sh->conn, &buf, 0)) > 0) {
        if (fp && fwrite(buf, 1, (size_t)n, fp) != (size_t)n) rc = K_ERR;
        PQfreemem(buf);
    }
    if (fp) fflush(fp);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Running a statement                                                  */
/* ------------------------------------------------------------------ */
static bool
ensure_connection(ClShell *sh)
{
    if (sh->conn && PQstatus(sh->conn) == CONNECTION_OK) return true;
    if (!sh->conn) return cl__connect(sh, true) == K_OK;
    fprintf(stderr, "kestrel: the connection to the server was lost; reconnecting... ");
    fflush(stderr);
    PQreset(sh->conn);
    if (PQstatus(sh->conn) == CONNECTION_OK) {
        fprintf(stderr, "succeeded.\n");
        sh->conn_lost = false;
        if (sh->pconn) {
            PQfinish(sh->pconn);
            sh->pconn = NULL;
        }
        sh->kestrel_views = -1;
        return true;
    }
    fprintf(stderr, "failed.\n%s", PQerrorMessage(sh->conn));
    return false;
}

void
cl__set_cancel(PGconn *conn)
{
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, &old);
    PGcancel *prev = g_cancel;
    g_cancel = conn ? PQgetCancel(conn) : NULL;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (prev) PQfreeCancel(prev);
}

static bool
starts_with_word(const char *sql, const char *w)
{
    while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == '(') sql++;
    size_t n = strlen(w);
    return strncasecmp(sql, w, n) == 0 &&
           !((sql[n] >= 'a' && sql[n] <= 'z') || (sql[n] >= 'A' && sql[n] <= 'Z') || sql[n] == '_');
}

static void
print_timing(ClShell *sh, double ms)
{
    cl__progress_clear(sh);
    if (ms < 1000) {
        fprintf(stdout, "Time: %.3f ms\n", ms);
    } else {
        double s = ms / 1000;
        int m = (int)(s / 60);
        fprintf(stdout, "Time: %.3f ms (%02d:%06.3f)\n", ms, m, s - m * 60);
    }
    fflush(stdout);
}

static int
handle_result(ClShell *sh, PGresult *res, const char *sql, bool explain)
{
    ExecStatusType st = PQresultStatus(res);
    switch (st) {
    case PGRES_TUPLES_OK:
        if (explain) {
            if (PQntuples(res) < 1 || PQnfields(res) < 1) {
                cl__errorf(sh, "\\explain: the server returned no plan");
                return K_ERR;
            }
            /* the JSON plan may come as one value or one line per row */
            ClBuf js;
            cl_buf_init(&js);
            for (int r = 0; r < PQntuples(res); r++) {
                cl_buf_puts(&js, PQgetvalue(res, r, 0));
                cl_buf_putc(&js, '\n');
            }
            ClBuf out;
            cl_buf_init(&out);
            char eb[256];
            int w = cl__terminal_width();
            const char *lang = getenv("LC_ALL");
            if (!lang || !*lang) lang = getenv("LC_CTYPE");
            if (!lang || !*lang) lang = getenv("LANG");
            bool uni = lang && (strcasestr(lang, "utf-8") || strcasestr(lang, "utf8"));
            const char *txt = js.data ? js.data : "";
            size_t lead = strspn(txt, " \t\r\n");
            int rc;
            if (txt[lead] == '[' || txt[lead] == '{')
                rc = cl_explain_render(&out, txt, js.len, w, uni, eb, sizeof eb);
            else /* the server answered in text: keep it, add the bars */
                rc = cl_explain_render_text(&out, txt, js.len, w, uni);
            if (rc == K_OK)
                emit(sh, &out, true);
            else
                cl__errorf(sh, "\\explain: %s", eb);
            cl_buf_free(&out);
            cl_buf_free(&js);
            return rc;
        }
        cl__print_result(sh, res, NULL, NULL, 0);
        return K_OK;
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
        if (!sh->quiet && st == PGRES_COMMAND_OK) {
            cl__progress_clear(sh);
            fprintf(sh->out, "%s\n", PQcmdStatus(res));
            fflush(sh->out);
        }
        if (starts_with_word(sql, "create") || starts_with_word(sql, "drop") ||
            starts_with_word(sql, "alter"))
            cl__invalidate_completion(sh);
        return K_OK;
    case PGRES_COPY_OUT: cl__progress_clear(sh); return cl__copy_out_to(sh, sh->out);
    case PGRES_COPY_IN: cl__progress_clear(sh); return cl__copy_in_from(sh, NULL, true);
    case PGRES_NONFATAL_ERROR:
    case PGRES_FATAL_ERROR:
    case PGRES_BAD_RESPONSE:
    default: cl__report_error(sh, res, sql); return K_ERR;
    }
}

static const char *
var_lookup(void *ctx, const char *name)
{
    return cl__var(ctx, name);
}

static int run_sql(ClShell *sh, const char *sql, bool explain);

int
cl__run_sql(ClShell *sh, const char *sql, bool explain)
{
    if (sh->nvars == 0 || !strchr(sql, ':')) return run_sql(sh, sql, explain);
    ClBuf b;
    cl_buf_init(&b);
    cl_interpolate(&b, sql, var_lookup, sh);
    if (b.failed) {
        cl_buf_free(&b);
        cl__errorf(sh, "out of memory");
        return K_ERR;
    }
    int rc = run_sql(sh, cl_buf_str(&b), explain);
    cl_buf_free(&b);
    return rc;
}

static int
run_sql(ClShell *sh, const char *sql, bool explain)
{
    if (!ensure_connection(sh)) {
        sh->had_error = true;
        return K_ERR;
    }
    cl__sigint = 0;
    uint64_t start = now_ns();
    if (!PQsendQuery(sh->conn, sql)) {
        cl__report_error(sh, NULL, sql);
        sh->had_error = true;
        if (PQstatus(sh->conn) == CONNECTION_BAD) sh->conn_lost = true;
        return K_ERR;
    }
    cl__set_cancel(sh->conn);
    Progress prog;
    memset(&prog, 0, sizeof prog);
    /* ask again for each statement that runs long: cheap, and the views
     * may have appeared since (a server upgrade, or a test) */
    if (sh->kestrel_views == 0) sh->kestrel_views = -1;
    prog.start = start;
    bool show_progress = isatty(STDERR_FILENO) && !getenv("KESTREL_NO_PROGRESS");
    int rc = K_OK;
    bool done = false, got_error = false;
    uint64_t print_ns = 0; /* printing (and a pager) is not the query's time */
    char *last_err = NULL; /* the last error result's text */
    while (!done) {
        struct pollfd fds[2];
        int nfds = 0;
        fds[nfds].fd = PQsocket(sh->conn);
        fds[nfds].events = POLLIN;
        nfds++;
        if (sh->pconn && prog.step != PROG_IDLE) {
            fds[nfds].fd = PQsocket(sh->pconn);
            fds[nfds].events = POLLIN;
            nfds++;
        }
        int pr = poll(fds, (nfds_t)nfds, 100);
        if (pr < 0 && errno != EINTR) break;
        uint64_t now = now_ns();
        if (!PQconsumeInput(sh->conn)) {
            /* the connection broke: collect whatever libpq reports */
        }
        while (!PQisBusy(sh->conn)) {
            if (PQstatus(sh->conn) == CONNECTION_BAD) {
                /* say what libpq saw before PQgetResult piles more on it */
                cl__progress_clear(sh);
                const char *m = PQerrorMessage(sh->conn);
                /* libpq keeps the server's error (already shown) in front */
                if (last_err && strncmp(m, last_err, strlen(last_err)) == 0) m += strlen(last_err);
                if (*m) {
                    location_prefix(sh);
                    fputs(m, stderr);
                }
                got_error = true;
                rc = K_ERR;
                PGresult *r;
                while ((r = PQgetResult(sh->conn)) != NULL) PQclear(r);
                done = true;
                break;
            }
            PGresult *res = PQgetResult(sh->conn);
            if (!res) {
                done = true;
                break;
            }
            ExecStatusType st = PQresultStatus(res);
            uint64_t p0 = now_ns();
            int hr = handle_result(sh, res, sql, explain);
            if (hr != K_OK && PQresultErrorMessage(res)[0]) {
                free(last_err);
                last_err = strdup(PQresultErrorMessage(res));
            }
            print_ns += now_ns() - p0;
            if (hr != K_OK) {
                rc = K_ERR;
                if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) got_error = true;
            }
            PQclear(res);
            if (PQstatus(sh->conn) == CONNECTION_BAD) {
                /* libpq may not hand out a NULL after a broken link */
                while ((res = PQgetResult(sh->conn)) != NULL) PQclear(res);
                done = true;
                break;
            }
        }
        if (done) break;
        if (show_progress && now - start >= 1000000000u) {
            progress_poll(sh, &prog, now);
            if (now - prog.last_draw >= 100000000u) {
                progress_draw(sh, &prog, now);
                prog.last_draw = now;
            }
        }
    }
    free(last_err);
    cl__set_cancel(NULL);
    cl__progress_clear(sh);
    /* a progress query still running would block the next one */
    if (sh->pconn && prog.step != PROG_IDLE) {
        PGcancel *pc = PQgetCancel(sh->pconn);
        if (pc) {
            char eb[128];
            (void)PQcancel(pc, eb, sizeof eb);
            PQfreeCancel(pc);
        }
        PGresult *r;
        while ((r = PQgetResult(sh->pconn)) != NULL) PQclear(r);
    }
    double ms = (double)(now_ns() - start - print_ns) / 1e6;
    if (PQstatus(sh->conn) == CONNECTION_BAD) {
        sh->conn_lost = true;
        sh->had_error = true;
        fprintf(stderr, "kestrel: the connection to the server was lost.\n");
        if (sh->interactive)
            fprintf(stderr, "The next statement will try to reconnect (\\c reconnects now).\n");
        return K_ERR;
    }
    if (sh->timing && !got_error) print_timing(sh, ms);
    if (rc != K_OK) sh->had_error = true;
    return rc;
}

PGresult *
cl__catalog(ClShell *sh, const char *sql, bool quiet_missing)
{
    if (!ensure_connection(sh)) return NULL;
    PGresult *r = PQexec(sh->conn, sql);
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK) return r;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (!(quiet_missing && state && strcmp(state, "42P01") == 0)) cl__report_error(sh, r, sql);
    PQclear(r);
    if (PQstatus(sh->conn) == CONNECTION_BAD) sh->conn_lost = true;
    return NULL;
}
