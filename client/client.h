/*
 * client.h — the interactive shell `kestrel`: its testable building blocks.
 *
 * The shell is a libpq + libedit program that never links the engine. This
 * header exposes the pieces that do not need a server, so unit tests can
 * drive them directly:
 *
 *   ClBuf              growable malloc'd text buffer
 *   cl_utf8_*          UTF-8 decoding and terminal display width
 *   ClTable / cl_print_table
 *                      result formatting: aligned (psql look), unaligned,
 *                      CSV, JSON, expanded (one field per line)
 *   cl_error_context   the "LINE n: ..." line with a caret under a position
 *   ClScan             statement splitter (quotes, dollar quotes, comments,
 *                      parentheses) that also tells the continuation prompt
 *   ClOptions / cl_parse_args
 *                      command-line options
 *   ClJson / cl_json_parse, cl_explain_render
 *                      a small JSON reader and the \explain tree renderer
 *   cl_copy_parse      turns "\copy ..." into a COPY ... STDIN/STDOUT command
 *
 * Everything else (connection, query loop, meta-commands, completion,
 * progress) is private to client/ and lives behind client_int.h.
 */
#ifndef KESTREL_CLIENT_H
#define KESTREL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/kestrel.h"

typedef struct ClBuf ClBuf;
typedef struct ClTable ClTable;
typedef struct ClPrintOpts ClPrintOpts;
typedef struct ClScan ClScan;
typedef struct ClOptions ClOptions;
typedef struct ClJson ClJson;
typedef struct ClCopy ClCopy;

/* ------------------------------------------------------------------ */
/* Text buffer (util.c)                                                 */
/* ------------------------------------------------------------------ */
/* A growable NUL-terminated buffer on malloc. On allocation failure it
 * turns `failed` and stops growing (text is then truncated, never corrupt). */
struct ClBuf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
};
void cl_buf_init(ClBuf *b);
void cl_buf_free(ClBuf *b);
void cl_buf_clear(ClBuf *b);
void cl_buf_put(ClBuf *b, const char *s, size_t n);
void cl_buf_puts(ClBuf *b, const char *s);
void cl_buf_putc(ClBuf *b, char c);
void cl_buf_repeat(ClBuf *b, const char *s, int times);
void cl_buf_printf(ClBuf *b, const char *fmt, ...) K_PRINTF(2, 3);
/* Returns the NUL-terminated text ("" for an empty buffer, never NULL). */
const char *cl_buf_str(const ClBuf *b);

/* ------------------------------------------------------------------ */
/* UTF-8 and display width (util.c)                                     */
/* ------------------------------------------------------------------ */
/* Decode one character at s (n bytes left). Returns the bytes consumed
 * (>= 1); *cp is the code point, or -1 for an invalid byte (consumed
 * alone). */
int cl_utf8_decode(const char *s, size_t n, int32_t *cp);
/* Terminal columns of one code point: 0 for combining marks, 2 for East
 * Asian wide and emoji, 1 otherwise. */
int cl_char_width(int32_t cp);
/* Columns the bytes take when shown by cl_display_sanitize's rules. */
int cl_display_width(const char *s, size_t n);
/* Append s to b so that it is safe on a terminal: control bytes and invalid
 * UTF-8 become \xHH escapes, a tab becomes one blank. */
void cl_display_sanitize(ClBuf *b, const char *s, size_t n);

/* ------------------------------------------------------------------ */
/* Result formatting (print.c)                                          */
/* ------------------------------------------------------------------ */
typedef enum ClFormat {
    CL_FMT_ALIGNED = 0,
    CL_FMT_UNALIGNED,
    CL_FMT_CSV,
    CL_FMT_JSON,
} ClFormat;

typedef enum ClExpanded { CL_X_OFF = 0, CL_X_ON, CL_X_AUTO } ClExpanded;

/* How a column's values are written in JSON and aligned in tables. */
typedef enum ClColKind {
    CL_COL_TEXT = 0, /* left aligned, JSON string */
    CL_COL_NUMBER,   /* right aligned, JSON number */
    CL_COL_BOOL,     /* left aligned, JSON true/false from t/f */
} ClColKind;

/* A result as text cells (borrowed pointers). cells[r * ncols + c] is NULL
 * for SQL NULL. title and footers are optional. */
struct ClTable {
    int ncols;
    int nrows;
    const char *const *headers;
    const ClColKind *kinds;
    const char *const *cells;
    const char *title;
    const char *const *footers;
    int nfooters;
};

struct ClPrintOpts {
    ClFormat format;
    ClExpanded expanded;
    bool tuples_only;      /* no header, no footer (-t) */
    bool show_row_count;   /* the "(N rows)" footer */
    const char *null_str;  /* shown for NULL in aligned/unaligned output */
    const char *field_sep; /* unaligned separator, "|" by default */
    int term_width;        /* columns of the terminal, 0 = unknown */
};

void cl_print_opts_default(ClPrintOpts *o);
/* Width in columns of the aligned rendering of t (the longest line). */
int cl_table_width(const ClTable *t, const ClPrintOpts *o);
/* Whether aligned output would use expanded mode (\x on, or auto and the
 * table is wider than the terminal). */
bool cl_table_use_expanded(const ClTable *t, const ClPrintOpts *o);
/* Render t into b. */
void cl_format_table(ClBuf *b, const ClTable *t, const ClPrintOpts *o);
/* Column kind from a PostgreSQL type OID (int2/4/8, float, numeric, oid,
 * money: number; bool: bool; everything else text). */
ClColKind cl_kind_from_oid(uint32_t oid);

/* ------------------------------------------------------------------ */
/* Error position caret (caret.c)                                       */
/* ------------------------------------------------------------------ */
/* Append psql's two-line context for an error at 1-based character
 * position `pos` of `query`:
 *     LINE 2:   from lineitem wher l_orderkey = 1
 *                             ^
 * Long lines are cut to a window around the position with "..." marks;
 * multi-byte and wide characters are counted as the terminal shows them.
 * Appends nothing when pos is out of range. */
void cl_error_context(ClBuf *b, const char *query, int pos);

/* ------------------------------------------------------------------ */
/* Statement splitting (scan.c)                                         */
/* ------------------------------------------------------------------ */
typedef enum ClScanState {
    CL_SCAN_NORMAL = 0,
    CL_SCAN_SQUOTE,  /* '...' */
    CL_SCAN_ESTRING, /* E'...' with backslash escapes */
    CL_SCAN_DQUOTE,  /* "..." */
    CL_SCAN_DOLLAR,  /* $tag$...$tag$ */
    CL_SCAN_COMMENT, /* nested block comment */
} ClScanState;

/* Accumulates input lines; complete statements (ended by a top-level ';')
 * come out of cl_scan_next. Binary bytes (NUL included) pass through. */
struct ClScan {
    ClBuf buf;    /* pending text */
    size_t pos;   /* scanned up to here */
    size_t start; /* start of the current statement */
    ClScanState state;
    int comment_depth;
    int paren_depth;
    char tag[64]; /* the current dollar-quote tag including the $s */
    size_t tag_len;
    int cur_line;  /* input line at `pos` (1-based) */
    int stmt_line; /* line where the pending statement starts */
    bool content;  /* the pending statement has more than blanks/comments */
};
void cl_scan_init(ClScan *s);
void cl_scan_free(ClScan *s);
/* Drop everything pending (Ctrl-C at the prompt). */
void cl_scan_reset(ClScan *s);
/* Add one line (without its newline; one is added). */
void cl_scan_feed(ClScan *s, const char *line, size_t n);
/* Take the next complete statement: a malloc'd string with surrounding
 * blanks trimmed and the ';' kept out (caller frees), and the line number
 * where it starts. Statements holding only blanks and comments are
 * skipped. Returns false when none is complete. */
bool cl_scan_next(ClScan *s, char **stmt, int *line);
/* At end of input: the unterminated rest as a statement (or false). */
bool cl_scan_flush(ClScan *s, char **stmt, int *line);
/* True when nothing but blanks/comments is pending. */
bool cl_scan_empty(const ClScan *s);
/* The character psql puts in the prompt: '=' nothing pending, '-' a
 * statement continues, '\'' '"' '$' '*' inside a literal/comment, '(' inside
 * parentheses. */
char cl_scan_prompt_char(const ClScan *s);

/* psql's variable interpolation outside literals and comments: :name is
 * the value as is, :'name' a quoted literal, :"name" a quoted identifier.
 * Unknown names and :: casts are left alone. Appends to out; returns the
 * number of substitutions. */
int cl_interpolate(ClBuf *out, const char *sql, const char *(*lookup)(void *, const char *),
                   void *ctx);

/* ------------------------------------------------------------------ */
/* Command-line options (args.c)                                        */
/* ------------------------------------------------------------------ */
#define CL_MAX_COMMANDS 64
#define CL_MAX_VARS     32

typedef enum ClActionKind { CL_ACT_COMMAND, CL_ACT_FILE } ClActionKind;

struct ClOptions {
    const char *host, *port, *user, *dbname;
    /* -c and -f in the order given */
    int nactions;
    ClActionKind action_kind[CL_MAX_COMMANDS];
    const char *action[CL_MAX_COMMANDS];
    int nvars;
    const char *var_name[CL_MAX_VARS];
    const char *var_value[CL_MAX_VARS];
    const char *output_file; /* -o */
    const char *field_sep;   /* -F */
    const char *data_dir;    /* --data (with --local) */
    const char *kestreld;    /* --kestreld PATH */
    ClFormat format;
    bool format_set;
    bool tuples_only, expanded, quiet, local, help, version;
    bool password_prompt;          /* -W */
    bool no_password;              /* -w */
    int timing;                    /* -1 default, 0 off, 1 on */
    char *vars_store[CL_MAX_VARS]; /* owned copies of NAME=VALUE */
};

/* Parse argv. On a bad option: K_ERR with a message for the user in errbuf.
 * Strings point into argv (and vars_store). */
K_MUSTCHECK int cl_parse_args(int argc, char **argv, ClOptions *o, char *errbuf, size_t errcap);
void cl_options_free(ClOptions *o);
/* The --help text. */
void cl_usage(FILE *out);

/* ------------------------------------------------------------------ */
/* JSON and EXPLAIN rendering (json.c, explain.c)                       */
/* ------------------------------------------------------------------ */
typedef enum ClJsonType {
    CL_JSON_NULL,
    CL_JSON_BOOL,
    CL_JSON_NUMBER,
    CL_JSON_STRING,
    CL_JSON_ARRAY,
    CL_JSON_OBJECT
} ClJsonType;

/* A parsed JSON value; arrays and objects keep their items in order
 * (objects with keys). Free with cl_json_free. */
struct ClJson {
    ClJsonType type;
    bool b;
    double num;
    char *str;   /* STRING value */
    int n;       /* items of ARRAY / OBJECT */
    char **keys; /* OBJECT keys */
    ClJson **items;
};
/* Parse text (n bytes); NULL with a message in errbuf on bad input. */
ClJson *cl_json_parse(const char *text, size_t n, char *errbuf, size_t errcap);
void cl_json_free(ClJson *j);
/* Object member by key, or NULL. */
const ClJson *cl_json_get(const ClJson *obj, const char *key);

/* Render the result of EXPLAIN (ANALYZE, FORMAT JSON) as a tree with
 * per-operator time bars, `width` columns wide (0 = 100). Uses the generic
 * keys "Node Type", "Plans", "Actual Total Time", "Actual Rows",
 * "Actual Loops", "Relation Name", "Plan Rows", "Execution Time".
 * unicode selects box-drawing characters. K_ERR with errbuf when the JSON is
 * not a plan. */
K_MUSTCHECK int cl_explain_render(ClBuf *out, const char *json, size_t n, int width, bool unicode,
                                  char *errbuf, size_t errcap);

/* A text EXPLAIN ANALYZE (for servers that answer FORMAT JSON with text):
 * every line carrying "time=N ms" gets a bar of N against the largest time
 * on any line; other lines are kept as they are. width 0: no limit. */
int cl_explain_render_text(ClBuf *out, const char *text, size_t n, int width, bool unicode);

/* ------------------------------------------------------------------ */
/* \copy (copy.c)                                                       */
/* ------------------------------------------------------------------ */
struct ClCopy {
    bool from;  /* FROM (load into the server) or TO */
    char *file; /* NULL for stdin/stdout */
    char *sql;  /* COPY ... FROM STDIN / TO STDOUT ... */
};
/* Parse the argument of \copy. K_ERR with a message in errbuf. */
K_MUSTCHECK int cl_copy_parse(const char *args, ClCopy *c, char *errbuf, size_t errcap);
void cl_copy_free(ClCopy *c);

#endif /* KESTREL_CLIENT_H */
