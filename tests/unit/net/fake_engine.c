/*
 * fake_engine.c — a test double implementing net/session.h over one
 * in-memory table, for the wire-protocol tests (never part of kestreld).
 *
 * Table t(id int, name varchar(20), price numeric(10,2), d date,
 *         ts timestamp, flag boolean, score double precision, code char(3))
 * starts with 4 rows (one all-NULL but id, one with non-ASCII text).
 * Statements understood (case-insensitive, several per string split on ';'
 * outside quotes):
 *   SELECT * FROM t [WHERE id = $1 | WHERE id = <int>]
 *   SELECT generate_series(1, N)          -- N int8 rows, streamed
 *   SELECT $1::<type> [+ 1]               -- echo a typed parameter
 *   SELECT $1                             -- untyped parameter, inferred text
 *   SELECT <int> | SELECT '<text>'        -- constants
 *   SELECT pg_sleep(N)                    -- slow, cancellable (57014)
 *   SELECT 1/0                            -- error while running (22012)
 *   SELECT raise_notice('msg')            -- sends a NoticeResponse
 *   SELECT version() | current_schema() | pg_catalog.version()
 *   SELECT ... FROM <other>               -- 42P01 with the name's position
 *   anything else                         -- 42601 at the first word
 *   BEGIN | START TRANSACTION | COMMIT | END | ROLLBACK
 *   SET name = value | SET name TO value | SHOW name | RESET name
 *   COPY t FROM STDIN [CSV | WITH CSV | (FORMAT csv)]
 *   COPY t TO STDOUT | COPY (SELECT * FROM t) TO STDOUT
 * Errors inside a transaction block move it to the failed state 'E' where
 * only COMMIT/ROLLBACK are accepted (25P02), as PostgreSQL does.
 */
#include "fake_engine.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#define T_NCOLS      8
#define MAX_SETTINGS 64

typedef struct Row {
    char *f[T_NCOLS]; /* text form, NULL = SQL NULL */
} Row;

struct NetEngine {
    pthread_mutex_t mu;
    Row *rows;
    uint32_t nrows, cap;
    uint32_t sessions_open;
};

static const char *const t_names[T_NCOLS] = {"id", "name", "price", "d",
                                             "ts", "flag", "score", "code"};

static KType
t_type(int i)
{
    switch (i) {
    case 0: return k_type(K_TYPE_INT32);
    case 1: return k_type_varchar(20);
    case 2: return k_type_decimal(10, 2);
    case 3: return k_type(K_TYPE_DATE);
    case 4: return k_type(K_TYPE_TIMESTAMP);
    case 5: return k_type(K_TYPE_BOOL);
    case 6: return k_type(K_TYPE_DOUBLE);
    default: return k_type_char(3);
    }
}

struct NetSession {
    NetEngine *eng;
    char user[64];
    char txn; /* 'I', 'T', 'E' */
    atomic_int cancel;
    NetNoticeFn notice;
    void *notice_ctx;
    char *names[MAX_SETTINGS], *values[MAX_SETTINGS];
    uint32_t nsettings;
};

typedef enum StmtKind {
    S_SELECT_T,
    S_SERIES,
    S_PARAM,
    S_CONST_INT,
    S_CONST_TEXT,
    S_SLEEP,
    S_DIV0,
    S_NOTICE,
    S_VERSION,
    S_SCHEMA,
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SET,
    S_SHOW,
    S_RESET,
    S_COPY_IN,
    S_COPY_OUT,
} StmtKind;

typedef struct FakeStmt {
    StmtKind kind;
    uint32_t off, len; /* in the prepared text */
    int64_t n;         /* N, constant, id filter */
    bool filter_param; /* WHERE id = $1 */
    bool filter_const;
    bool plus_one;
    bool csv;
    char *name, *value; /* SET/SHOW, notice text, constant text */
    uint32_t nparams;
    KType ptypes[4];
    uint32_t ncols;
    NetColumn cols[T_NCOLS];
} FakeStmt;

struct NetPrepared {
    NetSession *s;
    KArena *arena;
    uint32_t n;
    FakeStmt *st;
};

struct NetCursor {
    NetSession *s;
    FakeStmt *st;
    KArena *arena;
    KBatch *batch;
    NetCopyState copy;
    KBuf copybuf;
    Row *snap; /* SELECT * FROM t: the rows at execute time */
    uint32_t nsnap, pos;
    int64_t next, end; /* generate_series */
    bool done, emitted;
    uint64_t rows;
    char tag[64];
    const NetParam *params;
    char *param_text;
    bool param_null;
    uint64_t sleep_until_ns;
};

/* ------------------------------------------------------------------ */
/* Engine                                                               */
/* ------------------------------------------------------------------ */
static bool
add_row(NetEngine *e, const char *const f[T_NCOLS])
{
    if (e->nrows == e->cap) {
        uint32_t nc = e->cap ? e->cap * 2 : 16;
        Row *nr = realloc(e->rows, nc * sizeof *nr);
        if (!nr) return false;
        e->rows = nr;
        e->cap = nc;
    }
    Row *r = &e->rows[e->nrows];
    for (int i = 0; i < T_NCOLS; i++) r->f[i] = f[i] ? strdup(f[i]) : NULL;
    e->nrows++;
    return true;
}

int
fake_engine_open(NetEngine **out, KErr *err)
{
    NetEngine *e = calloc(1, sizeof *e);
    if (!e) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    pthread_mutex_init(&e->mu, NULL);
    static const char *const init[4][T_NCOLS] = {
        {"1", "alpha", "12.50", "2024-01-15", "2024-01-15 10:30:00", "t", "1.5", "ab"},
        {"2", "beta", "-0.01", "1999-12-31", "1970-01-01 00:00:00.000001", "f", "-22500000000",
         "xyz"},
        {"3", NULL, NULL, NULL, NULL, NULL, NULL, NULL},
        {"4",
         "\xc3\xbc"
         "n"
         "\xc3\xaf"
         "code",
         "1234567.89", "2000-01-01", "2000-01-01 00:00:00", "t", "0.1", "\xc3\xa9"},
    };
    for (int i = 0; i < 4; i++) add_row(e, init[i]);
    *out = e;
    return K_OK;
}

void
fake_engine_close(NetEngine *e)
{
    if (!e) return;
    for (uint32_t i = 0; i < e->nrows; i++)
        for (int k = 0; k < T_NCOLS; k++) free(e->rows[i].f[k]);
    free(e->rows);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

uint32_t
fake_engine_sessions_open(NetEngine *e)
{
    pthread_mutex_lock(&e->mu);
    uint32_t n = e->sessions_open;
    pthread_mutex_unlock(&e->mu);
    return n;
}

uint32_t
fake_engine_rows(NetEngine *e)
{
    pthread_mutex_lock(&e->mu);
    uint32_t n = e->nrows;
    pthread_mutex_unlock(&e->mu);
    return n;
}

/* ------------------------------------------------------------------ */
/* Sessions                                                             */
/* ------------------------------------------------------------------ */
static int
find_setting(NetSession *s, const char *name)
{
    for (uint32_t i = 0; i < s->nsettings; i++)
        if (!strcasecmp(s->names[i], name)) return (int)i;
    return -1;
}

static int
put_setting(NetSession *s, const char *name, const char *value)
{
    int i = find_setting(s, name);
    if (i >= 0) {
        char *v = strdup(value);
        if (!v) return K_ERR;
        free(s->values[i]);
        s->values[i] = v;
        return K_OK;
    }
    if (s->nsettings == MAX_SETTINGS) return K_ERR;
    s->names[s->nsettings] = strdup(name);
    s->values[s->nsettings] = strdup(value);
    s->nsettings++;
    return K_OK;
}

int
net_session_open(NetEngine *eng, const char *user, const char *database, NetSession **out,
                 KErr *err)
{
    if (!strcmp(database, "nosuchdb"))
        return k_error(err, K_INVALID_CATALOG_NAME, "database \"%s\" does not exist", database);
    NetSession *s = calloc(1, sizeof *s);
    if (!s) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    s->eng = eng;
    snprintf(s->user, sizeof s->user, "%s", user);
    s->txn = 'I';
    static const char *const defs[][2] = {
        {"application_name", ""},
        {"DateStyle", "ISO, MDY"},
        {"TimeZone", "UTC"},
        {"extra_float_digits", "1"},
        {"search_path", "\"$user\", public"},
        {"transaction_isolation", "read committed"},
        {"standard_conforming_strings", "on"},
        {"client_encoding", "UTF8"},
        {"server_version", "15.0 (Kestrel test double)"},
        {"IntervalStyle", "postgres"},
    };
    for (size_t i = 0; i < K_ARRAY_LEN(defs); i++) put_setting(s, defs[i][0], defs[i][1]);
    pthread_mutex_lock(&eng->mu);
    eng->sessions_open++;
    pthread_mutex_unlock(&eng->mu);
    *out = s;
    return K_OK;
}

void
net_session_close(NetSession *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->eng->mu);
    s->eng->sessions_open--;
    pthread_mutex_unlock(&s->eng->mu);
    for (uint32_t i = 0; i < s->nsettings; i++) {
        free(s->names[i]);
        free(s->values[i]);
    }
    free(s);
}

void
net_session_set_notice(NetSession *s, NetNoticeFn fn, void *ctx)
{
    s->notice = fn;
    s->notice_ctx = ctx;
}

int
net_session_set(NetSession *s, const char *name, const char *value, KErr *err)
{
    if (put_setting(s, name, value) != K_OK)
        return k_error(err, K_OUT_OF_MEMORY, "too many settings");
    return K_OK;
}

const char *
net_session_get(NetSession *s, const char *name)
{
    int i = find_setting(s, name);
    return i >= 0 ? s->values[i] : NULL;
}

char
net_session_txn_status(const NetSession *s)
{
    return s->txn;
}

void
net_session_cancel(NetSession *s)
{
    atomic_store(&s->cancel, 1);
}

/* An error inside a transaction block fails the block. */
static int
fail(NetSession *s)
{
    if (s->txn == 'T') s->txn = 'E';
    return K_ERR;
}

/* ------------------------------------------------------------------ */
/* Parsing the fixed statement set                                      */
/* ------------------------------------------------------------------ */
/* Normalise: lower case outside quotes, runs of blanks → one space, trim. */
static char *
normalise(KArena *a, const char *s, size_t n, uint32_t *map_out_off)
{
    char *o = k_alloc(a, n + 1);
    if (!o) return NULL;
    size_t j = 0;
    bool q = false, sp = false;
    size_t i = 0;
    while (i < n && isspace((unsigned char)s[i])) i++;
    *map_out_off = (uint32_t)i;
    for (; i < n; i++) {
        char ch = s[i];
        if (ch == '\'') q = !q;
        if (!q && isspace((unsigned char)ch)) {
            sp = true;
            continue;
        }
        if (sp && j) o[j++] = ' ';
        sp = false;
        o[j++] = q ? ch : (char)tolower((unsigned char)ch);
    }
    o[j] = '\0';
    return o;
}

static bool
starts(const char *s, const char *p)
{
    return !strncmp(s, p, strlen(p));
}

static void
set_col(FakeStmt *st, const char *name, KType t)
{
    NetColumn *c = &st->cols[st->ncols++];
    c->name = name;
    c->type = t;
    c->table_oid = 0;
    c->attnum = 0;
}

/* Offset of word `w` (case-insensitive) in the original statement text. */
static int32_t
find_word(const char *sql, uint32_t off, uint32_t len, const char *w)
{
    size_t wl = strlen(w);
    for (uint32_t i = off; i + wl <= off + len; i++)
        if (!strncasecmp(sql + i, w, wl)) return (int32_t)i;
    return (int32_t)off;
}

/* PostgreSQL's name for a cast's result column ("int4", "numeric", ...). */
static const char *
typname(KType t)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: return "bool";
    case K_TYPE_INT32: return "int4";
    case K_TYPE_INT64: return "int8";
    case K_TYPE_DECIMAL: return "numeric";
    case K_TYPE_DOUBLE: return "float8";
    case K_TYPE_DATE: return "date";
    case K_TYPE_TIMESTAMP: return "timestamp";
    case K_TYPE_INTERVAL: return "interval";
    case K_TYPE_CHAR: return "bpchar";
    case K_TYPE_VARCHAR: return t.len ? "varchar" : "text";
    default: return "?column?";
    }
}

static int
parse_one(NetSession *s, KArena *a, const char *sql, uint32_t off, uint32_t len,
          const KType *ptypes, uint32_t nptypes, FakeStmt *st, KErr *err)
{
    memset(st, 0, sizeof *st);
    uint32_t lead = 0;
    char *n = normalise(a, sql + off, len, &lead);
    if (!n) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    st->off = off + lead;
    st->len = len - lead;
    char name[128], value[256];
    long long v1, v2;
    int used = 0;
    if (!strcmp(n, "select * from t")) {
        st->kind = S_SELECT_T;
    } else if (!strcmp(n, "select * from t where id = $1")) {
        st->kind = S_SELECT_T;
        st->filter_param = true;
        st->nparams = 1;
        st->ptypes[0] = k_type(K_TYPE_INT32);
    } else if (sscanf(n, "select * from t where id = %lld%n", &v1, &used) == 1 && !n[used]) {
        st->kind = S_SELECT_T;
        st->filter_const = true;
        st->n = v1;
    } else if (sscanf(n, "select generate_series(%lld, %lld)%n", &v1, &v2, &used) == 2 &&
               !n[used]) {
        st->kind = S_SERIES;
        st->n = v2 - v1 + 1;
        set_col(st, "generate_series", k_type(K_TYPE_INT64));
    } else if (starts(n, "select $1")) {
        st->kind = S_PARAM;
        st->nparams = 1;
        const char *rest = n + 9;
        KType t = nptypes > 0 && ptypes[0].id != K_TYPE_UNKNOWN ? ptypes[0] : k_type_varchar(0);
        if (*rest == ':' && rest[1] == ':') {
            rest += 2;
            char tn[64];
            int m1 = 0, m2 = 0, k = 0, u2 = 0;
            if (sscanf(rest, "%63[a-z0-9 ](%d,%d)%n", tn, &m1, &m2, &u2) == 3)
                k = 2;
            else if (sscanf(rest, "%63[a-z0-9 ](%d)%n", tn, &m1, &u2) == 2)
                k = 1;
            else if (sscanf(rest, "%63[a-z0-9]%n", tn, &u2) == 1)
                k = 0;
            else
                return k_error_at(err, K_SYNTAX_ERROR, (int32_t)st->off, "syntax error");
            size_t tl = strlen(tn);
            while (tl && tn[tl - 1] == ' ') tn[--tl] = '\0';
            if (k_type_from_name(tn, k >= 1 ? m1 : -1, k >= 2 ? m2 : -1, &t, err) != K_OK) {
                err->pos = find_word(sql, st->off, st->len, tn);
                return K_ERR;
            }
            rest += u2;
        }
        if (!strcmp(rest, " + 1")) {
            if (t.id != K_TYPE_INT32 && t.id != K_TYPE_INT64)
                return k_error_at(err, K_UNDEFINED_FUNCTION, find_word(sql, st->off, st->len, "+"),
                                  "operator does not exist: %s + integer", "unknown");
            st->plus_one = true;
        } else if (*rest) {
            return k_error_at(err, K_SYNTAX_ERROR, find_word(sql, st->off, st->len, rest),
                              "syntax error at or near \"%s\"", rest);
        }
        st->ptypes[0] = t;
        set_col(st, st->plus_one ? "?column?" : (t.id == K_TYPE_VARCHAR ? "?column?" : typname(t)),
                t);
    } else if (sscanf(n, "select pg_sleep(%lld)%n", &v1, &used) == 1 && !n[used]) {
        st->kind = S_SLEEP;
        st->n = v1;
        set_col(st, "pg_sleep", k_type_varchar(0));
    } else if (!strcmp(n, "select 1/0")) {
        st->kind = S_DIV0;
        set_col(st, "?column?", k_type(K_TYPE_INT32));
    } else if (sscanf(n, "select raise_notice('%255[^']')%n", value, &used) == 1 && !n[used]) {
        st->kind = S_NOTICE;
        st->value = k_strdup(a, value);
        set_col(st, "raise_notice", k_type(K_TYPE_INT32));
    } else if (!strcmp(n, "select version()") || !strcmp(n, "select pg_catalog.version()")) {
        st->kind = S_VERSION;
        set_col(st, "version", k_type_varchar(0));
    } else if (!strcmp(n, "select current_schema()")) {
        st->kind = S_SCHEMA;
        set_col(st, "current_schema", k_type_varchar(0));
    } else if (sscanf(n, "select %lld%n", &v1, &used) == 1 && !n[used]) {
        st->kind = S_CONST_INT;
        st->n = v1;
        set_col(st, "?column?", k_type(K_TYPE_INT32));
    } else if (sscanf(n, "select '%255[^']'%n", value, &used) == 1 && !n[used]) {
        st->kind = S_CONST_TEXT;
        st->value = k_strdup(a, value);
        set_col(st, "?column?", k_type_varchar(0));
    } else if (starts(n, "select ") && strstr(n, " from ")) {
        const char *f = strstr(n, " from ") + 6;
        char rel[128];
        if (sscanf(f, "%127[a-z0-9_.]", rel) != 1) snprintf(rel, sizeof rel, "%s", f);
        return k_error_at(err, K_UNDEFINED_TABLE, find_word(sql, st->off + 7, st->len - 7, rel),
                          "relation \"%s\" does not exist", rel);
    } else if (!strcmp(n, "begin") || !strcmp(n, "start transaction")) {
        st->kind = S_BEGIN;
    } else if (!strcmp(n, "commit") || !strcmp(n, "end")) {
        st->kind = S_COMMIT;
    } else if (!strcmp(n, "rollback")) {
        st->kind = S_ROLLBACK;
    } else if (sscanf(n, "set %127[a-z_.] = %255[^\n]", name, value) == 2 ||
               sscanf(n, "set %127[a-z_.] to %255[^\n]", name, value) == 2) {
        st->kind = S_SET;
        size_t vl = strlen(value);
        char *vv = value;
        if (vl >= 2 && vv[0] == '\'' && vv[vl - 1] == '\'') {
            vv[vl - 1] = '\0';
            vv++;
        }
        st->name = k_strdup(a, name);
        st->value = k_strdup(a, vv);
    } else if (sscanf(n, "show %127[a-z_. ]", name) == 1) {
        st->kind = S_SHOW;
        if (!strcmp(name, "transaction isolation level"))
            snprintf(name, sizeof name, "transaction_isolation");
        st->name = k_strdup(a, name);
        set_col(st, st->name, k_type_varchar(0));
    } else if (sscanf(n, "reset %127[a-z_.]", name) == 1) {
        st->kind = S_RESET;
        st->name = k_strdup(a, name);
    } else if (starts(n, "copy t from stdin")) {
        st->kind = S_COPY_IN;
        const char *rest = n + strlen("copy t from stdin");
        st->csv = strstr(rest, "csv") != NULL;
    } else if (!strcmp(n, "copy t to stdout") || !strcmp(n, "copy (select * from t) to stdout")) {
        st->kind = S_COPY_OUT;
        set_col(st, "line", k_type_varchar(0));
    } else {
        char word[64];
        if (sscanf(n, "%63[^ ]", word) != 1) word[0] = '\0';
        return k_error_at(err, K_SYNTAX_ERROR, (int32_t)st->off, "syntax error at or near \"%s\"",
                          word);
    }
    if (st->kind == S_SELECT_T)
        for (int i = 0; i < T_NCOLS; i++) {
            set_col(st, t_names[i], t_type(i));
            st->cols[i].table_oid = 16384;
            st->cols[i].attnum = (int16_t)(i + 1);
        }
    (void)s;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Prepare                                                              */
/* ------------------------------------------------------------------ */
int
net_prepare(NetSession *s, const char *sql, size_t len, const KType *param_types,
            uint32_t nparam_types, NetPrepared **out, KErr *err)
{
    KArena *a = k_arena_create(NULL, "fake prepared");
    NetPrepared *p = a ? k_alloc0(a, sizeof *p) : NULL;
    if (!p) {
        k_arena_destroy(a);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    p->s = s;
    p->arena = a;
    /* split on ';' outside single quotes */
    uint32_t cap = 4;
    p->st = k_alloc0(a, cap * sizeof *p->st);
    size_t start = 0;
    bool q = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && sql[i] == '\'') q = !q;
        if (i < len && (q || sql[i] != ';')) continue;
        size_t b = start, e = i;
        start = i + 1;
        bool blank = true;
        for (size_t k = b; k < e; k++)
            if (!isspace((unsigned char)sql[k])) blank = false;
        if (blank) continue;
        if (p->n == cap) {
            FakeStmt *ns = k_alloc0(a, cap * 2 * sizeof *ns);
            if (!ns) break;
            memcpy(ns, p->st, cap * sizeof *ns);
            p->st = ns;
            cap *= 2;
        }
        if (parse_one(s, a, sql, (uint32_t)b, (uint32_t)(e - b), param_types, nparam_types,
                      &p->st[p->n], err) != K_OK) {
            k_arena_destroy(a);
            return fail(s);
        }
        p->n++;
    }
    *out = p;
    return K_OK;
}

void
net_prepared_free(NetPrepared *p)
{
    if (p) k_arena_destroy(p->arena);
}

uint32_t
net_prepared_count(const NetPrepared *p)
{
    return p->n;
}

int
net_prepared_params(NetPrepared *p, uint32_t i, uint32_t *n, const KType **types, KErr *err)
{
    if (i >= p->n) return k_error(err, K_INTERNAL_ERROR, "no statement %u", i);
    *n = p->st[i].nparams;
    *types = p->st[i].ptypes;
    return K_OK;
}

int
net_prepared_columns(NetPrepared *p, uint32_t i, uint32_t *n, const NetColumn **cols, KErr *err)
{
    if (i >= p->n) return k_error(err, K_INTERNAL_ERROR, "no statement %u", i);
    *n = p->st[i].ncols;
    *cols = p->st[i].cols;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Execute                                                              */
/* ------------------------------------------------------------------ */
int
net_execute(NetSession *s, NetPrepared *p, uint32_t i, const NetParam *params, uint32_t nparams,
            NetCursor **out, KErr *err)
{
    if (i >= p->n) return k_error(err, K_INTERNAL_ERROR, "no statement %u", i);
    FakeStmt *st = &p->st[i];
    atomic_store(&s->cancel, 0);
    if (s->txn == 'E' && st->kind != S_COMMIT && st->kind != S_ROLLBACK)
        return k_error(
            err, K_IN_FAILED_SQL_TRANSACTION,
            "current transaction is aborted, commands ignored until end of transaction block");
    if (nparams != st->nparams) {
        k_error(err, K_PROTOCOL_VIOLATION, "statement needs %u parameters, got %u", st->nparams,
                nparams);
        return fail(s);
    }
    KArena *a = k_arena_create(NULL, "fake cursor");
    NetCursor *c = a ? k_alloc0(a, sizeof *c) : NULL;
    if (!c) {
        k_arena_destroy(a);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    c->s = s;
    c->st = st;
    c->arena = a;
    c->params = params;
    k_buf_init(&c->copybuf);
    if (st->ncols) {
        KType types[T_NCOLS];
        for (uint32_t k = 0; k < st->ncols; k++) types[k] = st->cols[k].type;
        c->batch = k_batch_create(a, st->ncols, types, err);
        if (!c->batch) goto fail_out;
        for (uint32_t k = 0; k < st->ncols; k++)
            if (k_vector_ensure_validity(&c->batch->cols[k], a, err) != K_OK) goto fail_out;
    }
    switch (st->kind) {
    case S_SELECT_T: {
        NetEngine *e = s->eng;
        pthread_mutex_lock(&e->mu);
        c->snap = k_alloc0(a, (e->nrows ? e->nrows : 1) * sizeof(Row));
        if (!c->snap) {
            pthread_mutex_unlock(&e->mu);
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto fail_out;
        }
        int64_t want = st->n;
        if (st->filter_param) {
            if (params[0].is_null)
                want = INT64_MIN;
            else {
                int32_t v;
                if (k_parse_int32(params[0].text, params[0].len, &v, err) != K_OK) {
                    pthread_mutex_unlock(&e->mu);
                    goto fail_out;
                }
                want = v;
            }
        }
        for (uint32_t r = 0; r < e->nrows; r++) {
            if (st->filter_param || st->filter_const) {
                if (atoll(e->rows[r].f[0]) != want) continue;
            }
            for (int k = 0; k < T_NCOLS; k++)
                c->snap[c->nsnap].f[k] = e->rows[r].f[k] ? k_strdup(a, e->rows[r].f[k]) : NULL;
            c->nsnap++;
        }
        pthread_mutex_unlock(&e->mu);
        break;
    }
    case S_SERIES:
        c->next = 1;
        c->end = st->n;
        break;
    case S_PARAM:
        c->param_null = params[0].is_null;
        if (!c->param_null) c->param_text = k_strndup(a, params[0].text, params[0].len);
        break;
    case S_SLEEP: c->sleep_until_ns = k_now_ns() + (uint64_t)st->n * 1000000000ull; break;
    case S_BEGIN:
        if (s->txn != 'I' && s->notice) {
            KErr w;
            k_err_clear(&w);
            k_error(&w, K_WARNING, "there is already a transaction in progress");
            w.severity = K_SEV_WARNING;
            s->notice(s->notice_ctx, &w);
        }
        s->txn = 'T';
        snprintf(c->tag, sizeof c->tag, "BEGIN");
        c->done = true;
        break;
    case S_COMMIT:
        snprintf(c->tag, sizeof c->tag, s->txn == 'E' ? "ROLLBACK" : "COMMIT");
        s->txn = 'I';
        c->done = true;
        break;
    case S_ROLLBACK:
        snprintf(c->tag, sizeof c->tag, "ROLLBACK");
        s->txn = 'I';
        c->done = true;
        break;
    case S_SET:
        if (put_setting(s, st->name, st->value) != K_OK) {
            k_error(err, K_OUT_OF_MEMORY, "too many settings");
            goto fail_out;
        }
        snprintf(c->tag, sizeof c->tag, "SET");
        c->done = true;
        break;
    case S_RESET:
        snprintf(c->tag, sizeof c->tag, "RESET");
        c->done = true;
        break;
    case S_SHOW:
        if (find_setting(s, st->name) < 0) {
            k_error(err, K_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"",
                    st->name);
            goto fail_out;
        }
        break;
    case S_COPY_IN: c->copy = K_COPY_IN; break;
    case S_COPY_OUT: {
        c->copy = K_COPY_OUT;
        NetEngine *e = s->eng;
        pthread_mutex_lock(&e->mu);
        c->snap = k_alloc0(a, (e->nrows ? e->nrows : 1) * sizeof(Row));
        for (uint32_t r = 0; c->snap && r < e->nrows; r++) {
            for (int k = 0; k < T_NCOLS; k++)
                c->snap[r].f[k] = e->rows[r].f[k] ? k_strdup(a, e->rows[r].f[k]) : NULL;
            c->nsnap++;
        }
        pthread_mutex_unlock(&e->mu);
        break;
    }
    default: break;
    }
    *out = c;
    return K_OK;
fail_out:
    k_buf_free(&c->copybuf);
    k_arena_destroy(a);
    return fail(s);
}

static void
put_str(NetCursor *c, uint32_t col, uint32_t row, const char *v, size_t n)
{
    KStr *slot = k_vec_slot(&c->batch->cols[col], row);
    if (!k_str_copy(c->batch->heap, v, (uint32_t)n, slot)) *slot = k_str_ref("", 0);
}

int
net_cursor_next(NetCursor *c, const KBatch **batch, KErr *err)
{
    NetSession *s = c->s;
    FakeStmt *st = c->st;
    *batch = NULL;
    if (c->done || !c->batch) {
        c->done = true;
        return K_OK;
    }
    if (atomic_load(&s->cancel)) {
        k_error(err, K_QUERY_CANCELED, "canceling statement due to user request");
        return fail(s);
    }
    KBatch *b = c->batch;
    k_batch_reset(b);
    uint32_t n = 0;
    switch (st->kind) {
    case S_SELECT_T:
        while (c->pos < c->nsnap && n < K_VECTOR_SIZE) {
            Row *r = &c->snap[c->pos++];
            for (int k = 0; k < T_NCOLS; k++) {
                KVector *v = &b->cols[k];
                if (!r->f[k]) {
                    k_vec_set_valid(v, n, false);
                    continue;
                }
                if (k_value_parse(v->type, r->f[k], strlen(r->f[k]), k_vec_slot(v, n), b->heap,
                                  err) != K_OK)
                    return fail(s);
            }
            n++;
        }
        break;
    case S_SERIES:
        while (c->next <= c->end && n < K_VECTOR_SIZE) {
            *(int64_t *)k_vec_slot(&b->cols[0], n) = c->next++;
            n++;
        }
        break;
    case S_PARAM:
        if (c->emitted) break;
        c->emitted = true;
        if (c->param_null) {
            k_vec_set_valid(&b->cols[0], 0, false);
        } else {
            KType t = b->cols[0].type;
            if (k_value_parse(t, c->param_text, strlen(c->param_text), k_vec_slot(&b->cols[0], 0),
                              b->heap, err) != K_OK)
                return fail(s);
            if (st->plus_one) {
                if (t.id == K_TYPE_INT32) {
                    int32_t *v = k_vec_slot(&b->cols[0], 0);
                    if (*v == INT32_MAX) {
                        k_error(err, K_NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range");
                        return fail(s);
                    }
                    (*v)++;
                } else {
                    (*(int64_t *)k_vec_slot(&b->cols[0], 0))++;
                }
            }
        }
        n = 1;
        break;
    case S_CONST_INT:
    case S_CONST_TEXT:
    case S_VERSION:
    case S_SCHEMA:
    case S_NOTICE:
    case S_SHOW:
        if (c->emitted) break;
        c->emitted = true;
        n = 1;
        if (st->kind == S_CONST_INT)
            *(int32_t *)k_vec_slot(&b->cols[0], 0) = (int32_t)st->n;
        else if (st->kind == S_CONST_TEXT)
            put_str(c, 0, 0, st->value, strlen(st->value));
        else if (st->kind == S_VERSION) {
            const char *v = "PostgreSQL 15.0 (Kestrel test double) on x86_64-pc-linux-gnu";
            put_str(c, 0, 0, v, strlen(v));
        } else if (st->kind == S_SCHEMA)
            put_str(c, 0, 0, "public", 6);
        else if (st->kind == S_SHOW) {
            const char *v = net_session_get(s, st->name);
            put_str(c, 0, 0, v ? v : "", v ? strlen(v) : 0);
        } else {
            if (s->notice) {
                KErr w;
                k_err_clear(&w);
                k_error(&w, K_OK_STATE, "%s", st->value);
                w.severity = K_SEV_NOTICE;
                s->notice(s->notice_ctx, &w);
            }
            *(int32_t *)k_vec_slot(&b->cols[0], 0) = 1;
        }
        break;
    case S_SLEEP:
        if (c->emitted) break;
        while (k_now_ns() < c->sleep_until_ns) {
            if (atomic_load(&s->cancel)) {
                k_error(err, K_QUERY_CANCELED, "canceling statement due to user request");
                return fail(s);
            }
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        c->emitted = true;
        put_str(c, 0, 0, "", 0);
        n = 1;
        break;
    case S_DIV0: k_error(err, K_DIVISION_BY_ZERO, "division by zero"); return fail(s);
    case S_COPY_OUT: {
        KBuf line;
        k_buf_init(&line);
        while (c->pos < c->nsnap && n < K_VECTOR_SIZE) {
            Row *r = &c->snap[c->pos++];
            k_buf_clear(&line);
            for (int k = 0; k < T_NCOLS; k++) {
                if (k) k_buf_put_u8(&line, '\t');
                if (r->f[k])
                    k_buf_put(&line, r->f[k], strlen(r->f[k]));
                else
                    k_buf_put(&line, "\\N", 2);
            }
            k_buf_put_u8(&line, '\n');
            put_str(c, 0, n, (const char *)line.data, line.len);
            n++;
        }
        k_buf_free(&line);
        break;
    }
    default: break;
    }
    if (n == 0) {
        c->done = true;
        if (!c->tag[0]) {
            if (st->kind == S_SHOW)
                snprintf(c->tag, sizeof c->tag, "SHOW");
            else if (st->kind == S_COPY_OUT)
                snprintf(c->tag, sizeof c->tag, "COPY %llu", (unsigned long long)c->rows);
            else
                snprintf(c->tag, sizeof c->tag, "SELECT %llu", (unsigned long long)c->rows);
        }
        return K_OK;
    }
    b->count = n;
    c->rows += n;
    *batch = b;
    return K_OK;
}

const NetColumn *
net_cursor_columns(const NetCursor *c, uint32_t *n)
{
    *n = c->st->ncols;
    return c->st->cols;
}

const char *
net_cursor_tag(const NetCursor *c)
{
    return c->tag;
}

NetCopyState
net_cursor_copy_state(const NetCursor *c)
{
    return c->copy;
}

int
net_cursor_copy_data(NetCursor *c, const void *data, size_t len, KErr *err)
{
    if (c->copy != K_COPY_IN) return k_error(err, K_PROTOCOL_VIOLATION, "not in COPY FROM STDIN");
    k_buf_put(&c->copybuf, data, len);
    if (c->copybuf.failed) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        return fail(c->s);
    }
    return K_OK;
}

/* Split one CSV/text line into T_NCOLS fields (NULL for \N or empty CSV). */
static int
split_line(NetCursor *c, char *line, uint64_t lineno, char *f[T_NCOLS], KErr *err)
{
    char sep = c->st->csv ? ',' : '\t';
    int k = 0;
    char *p = line;
    for (;;) {
        if (k == T_NCOLS) {
            k_error(err, K_BAD_COPY_FILE_FORMAT, "extra data after last expected column");
            k_err_detail(err, "COPY t, line %llu", (unsigned long long)lineno);
            return K_ERR;
        }
        char *e;
        if (c->st->csv && *p == '"') {
            p++;
            e = strchr(p, '"');
            if (!e) {
                k_error(err, K_BAD_COPY_FILE_FORMAT, "unterminated CSV quoted field");
                k_err_detail(err, "COPY t, line %llu", (unsigned long long)lineno);
                return K_ERR;
            }
            *e++ = '\0';
            f[k++] = p;
            if (*e == sep)
                p = e + 1;
            else
                break;
            continue;
        }
        e = strchr(p, sep);
        if (e) *e = '\0';
        bool null = c->st->csv ? *p == '\0' : !strcmp(p, "\\N");
        f[k++] = null ? NULL : p;
        if (!e) break;
        p = e + 1;
    }
    if (k != T_NCOLS) {
        k_error(err, K_BAD_COPY_FILE_FORMAT, "missing data for column \"%s\"", t_names[k]);
        k_err_detail(err, "COPY t, line %llu", (unsigned long long)lineno);
        return K_ERR;
    }
    return K_OK;
}

int
net_cursor_copy_done(NetCursor *c, KErr *err)
{
    if (c->copy != K_COPY_IN) return k_error(err, K_PROTOCOL_VIOLATION, "not in COPY FROM STDIN");
    k_buf_put_u8(&c->copybuf, 0);
    if (c->copybuf.failed) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    char *text = (char *)c->copybuf.data;
    /* validate every row first, then append all (atomic load) */
    uint32_t cap = 16, n = 0;
    Row *rows = malloc(cap * sizeof *rows);
    KArena *tmp = k_arena_create(NULL, "copy check");
    char *save = NULL;
    uint64_t lineno = 0;
    int rc = K_OK;
    for (char *line = strtok_r(text, "\n", &save); line && rows && tmp;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r') line[--ll] = '\0';
        if (!strcmp(line, "\\.")) break;
        char *f[T_NCOLS];
        if (split_line(c, line, lineno, f, err) != K_OK) {
            rc = K_ERR;
            break;
        }
        for (int k = 0; k < T_NCOLS && rc == K_OK; k++) {
            if (!f[k]) continue;
            uint8_t slot[16];
            if (k_value_parse(t_type(k), f[k], strlen(f[k]), slot, tmp, err) != K_OK) {
                k_err_detail(err, "COPY t, line %llu, column %s: \"%s\"",
                             (unsigned long long)lineno, t_names[k], f[k]);
                rc = K_ERR;
            }
        }
        if (rc != K_OK) break;
        if (n == cap) {
            cap *= 2;
            Row *nr = realloc(rows, cap * sizeof *nr);
            if (!nr) {
                rc = k_error(err, K_OUT_OF_MEMORY, "out of memory");
                break;
            }
            rows = nr;
        }
        for (int k = 0; k < T_NCOLS; k++) rows[n].f[k] = f[k];
        n++;
    }
    if (!rows || !tmp) rc = k_error(err, K_OUT_OF_MEMORY, "out of memory");
    if (rc == K_OK) {
        NetEngine *e = c->s->eng;
        pthread_mutex_lock(&e->mu);
        for (uint32_t i = 0; i < n; i++) add_row(e, (const char *const *)rows[i].f);
        pthread_mutex_unlock(&e->mu);
        snprintf(c->tag, sizeof c->tag, "COPY %u", n);
    }
    free(rows);
    k_arena_destroy(tmp);
    k_buf_free(&c->copybuf);
    c->copy = K_COPY_NONE;
    c->done = true;
    return rc == K_OK ? K_OK : fail(c->s);
}

void
net_cursor_copy_fail(NetCursor *c, const char *reason)
{
    (void)reason;
    k_buf_free(&c->copybuf);
    c->done = true;
    fail(c->s);
}

void
net_cursor_close(NetCursor *c)
{
    if (!c) return;
    k_buf_free(&c->copybuf);
    k_arena_destroy(c->arena);
}
