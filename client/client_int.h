/*
 * client_int.h — private declarations of the shell: the session object and
 * the routines shared between shell.c (connection, query loop, results,
 * errors, progress), meta.c (backslash commands), input.c (line sources,
 * libedit, tab completion) and local.c (the embedded kestreld).
 */
#ifndef KESTREL_CLIENT_INT_H
#define KESTREL_CLIENT_INT_H

#include <signal.h>
#include <sys/types.h>

#include <libpq-fe.h>

#include "client/client.h"

typedef struct ClShell ClShell;
typedef struct ClSource ClSource;

/* Exit statuses, as psql uses them. */
#define CL_EXIT_OK      0
#define CL_EXIT_FAIL    1 /* the shell's own failure (file not found, ...) */
#define CL_EXIT_BADCONN 2 /* connection refused or lost */
#define CL_EXIT_USER    3 /* a statement failed and ON_ERROR_STOP stopped the run */

#define CL_MAX_PARAMS     12
#define CL_MAX_SHELL_VARS 64

typedef enum ClVerbosity { CL_VERB_DEFAULT, CL_VERB_VERBOSE, CL_VERB_TERSE } ClVerbosity;

/* Where input lines come from. */
typedef enum ClSourceKind { CL_SRC_EDITLINE, CL_SRC_FILE, CL_SRC_STRING } ClSourceKind;

struct ClSource {
    ClSourceKind kind;
    const char *name; /* file name for error prefixes, NULL for stdin/-c */
    FILE *fp;         /* CL_SRC_FILE */
    const char *str;  /* CL_SRC_STRING: the rest of the text */
    int line;         /* lines read so far */
    char *linebuf;
    size_t linecap;
};

struct ClShell {
    ClOptions *opts;
    PGconn *conn;
    /* connection parameters for PQconnectdbParams (and the progress
     * connection and \c); strings are owned by `param_store` */
    const char *kw[CL_MAX_PARAMS + 1];
    const char *val[CL_MAX_PARAMS + 1];
    int nparams;
    char *param_store[CL_MAX_PARAMS];
    char *password;

    ClPrintOpts popts;
    bool interactive; /* line editing, prompts, banner */
    bool timing;
    bool quiet;
    bool on_error_stop;
    bool pager; /* use a pager for long results on a terminal */
    ClVerbosity verbosity;
    FILE *out; /* results: stdout or \o target */
    bool out_is_pipe;
    char *var_name[CL_MAX_SHELL_VARS];
    char *var_value[CL_MAX_SHELL_VARS];
    int nvars;

    /* state */
    bool had_error; /* a statement failed (exit status of scripts) */
    bool conn_lost; /* the connection went away; reset on next statement */
    bool quit;
    int exit_code;
    ClSource *src; /* the source being read (for COPY FROM STDIN data) */
    ClScan scan;   /* the pending query buffer of the current source */
    int depth;     /* \i nesting */

    /* progress */
    PGconn *pconn;
    int kestrel_views; /* -1 unknown, 0 absent (spinner only), 1 present */
    bool progress_shown;

    /* completion cache */
    char **comp_tables;
    int ncomp_tables;
    char **comp_columns;
    int ncomp_columns;
    bool comp_loaded;

    /* embedded server (--local) */
    pid_t local_pid;
    char local_port[16];
    char *local_data;
    char *local_log;
};

/* shell.c */
K_MUSTCHECK int cl__shell_init(ClShell *sh, ClOptions *o);
void cl__shell_free(ClShell *sh);
K_MUSTCHECK int cl__connect(ClShell *sh, bool report);
/* Run one SQL statement: send, wait (progress, Ctrl-C), print results.
 * explain: render the EXPLAIN (FORMAT JSON) result as a tree. */
K_MUSTCHECK int cl__run_sql(ClShell *sh, const char *sql, bool explain);
/* Run a catalog query for a meta-command synchronously; NULL after
 * printing the error. quiet_missing: no message when the relation is
 * missing (42P01). */
PGresult *cl__catalog(ClShell *sh, const char *sql, bool quiet_missing);
/* Print a tuples result with the session's options (and pager). */
void cl__print_result(ClShell *sh, const PGresult *res, const char *title,
                      const char *const *footers, int nfooters);
void cl__print_table(ClShell *sh, const ClTable *t);
/* Report an error in psql style on stderr (prefix with file:line). */
void cl__report_error(ClShell *sh, const PGresult *res, const char *query);
void cl__errorf(ClShell *sh, const char *fmt, ...) K_PRINTF(2, 3);
void cl__progress_clear(ClShell *sh);
const char *cl__var(const ClShell *sh, const char *name);
K_MUSTCHECK int cl__set_var(ClShell *sh, const char *name, const char *value);
bool cl__parse_bool(const char *s, bool *out);
void cl__invalidate_completion(ClShell *sh);
int cl__terminal_width(void);
int cl__terminal_height(void);
K_MUSTCHECK int cl__copy_in_from(ClShell *sh, FILE *fp, bool until_dot);
K_MUSTCHECK int cl__copy_out_to(ClShell *sh, FILE *fp);
/* Arm (conn) or disarm (NULL) Ctrl-C's CancelRequest for conn. */
void cl__set_cancel(PGconn *conn);
/* Signal flags set by the SIGINT handler. */
extern volatile sig_atomic_t cl__sigint;

/* meta.c */
/* Run a backslash command line (starting at the backslash). */
K_MUSTCHECK int cl__meta(ClShell *sh, const char *line);

/* input.c */
/* Read and run everything from a source; K_ERR when stopped by an error. */
K_MUSTCHECK int cl__run_source(ClShell *sh, ClSource *src);
/* Read one line from a source into *line (without newline); false at EOF. */
bool cl__read_line(ClShell *sh, ClSource *src, const char *prompt, char **line, size_t *len);
K_MUSTCHECK int cl__run_file(ClShell *sh, const char *path);
void cl__editline_end(void);

/* local.c */
K_MUSTCHECK int cl__local_start(ClShell *sh, char *errbuf, size_t errcap);
void cl__local_stop(ClShell *sh);

#endif /* KESTREL_CLIENT_INT_H */
