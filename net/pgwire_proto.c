/*
 * pgwire_proto.c — the per-connection protocol state machine (executor
 * threads): startup, authentication, simple and extended query, COPY.
 *
 * Interface routines: net__proto_handle, net__proto_destroy.
 *
 * States: STARTUP (waiting for the startup packet) → AUTH_* (password,
 * md5, SASL first/continue) → READY ⇄ COPY_IN. A FATAL error writes its
 * ErrorResponse and asks the loop to close after writing (net__conn_request_close).
 *
 * Invariants kept from PostgreSQL's postgres.c:
 *   - simple query: one CommandComplete (or EmptyQueryResponse) per
 *     statement, an ErrorResponse instead of it ends the string, then one
 *     ReadyForQuery carrying net_session_txn_status();
 *   - extended query: after an error every message up to Sync is dropped;
 *     Sync answers ReadyForQuery and, outside a transaction block, drops
 *     all portals; a row-limited Execute ends with PortalSuspended and the
 *     next Execute on the portal resumes where it stopped;
 *   - CopyData/CopyDone/CopyFail outside COPY are ignored, Flush and Sync
 *     inside COPY FROM STDIN are ignored.
 * Output is built whole per message in c->out and flushed every 64 KiB
 * while streaming, which is where back-pressure blocks the executor.
 */
#include "net/pgwire_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#define STREAM_FLUSH_BYTES (64u << 10)
#define MAX_STARTUP_PARAMS 64
#define MAX_STATEMENTS     10000 /* named statements per connection (memory bound) */
#define MAX_PORTALS        10000

enum {
    P_STARTUP = 0,
    P_AUTH_PASSWORD,
    P_AUTH_MD5,
    P_AUTH_SASL_INIT,
    P_AUTH_SASL_CONT,
    P_READY,
    P_COPY_IN,
    P_CLOSED,
};

typedef struct PgStmt {
    char *name;
    char *sql;
    size_t sql_len;
    NetPrepared *prep;
    uint32_t count; /* statements in the text: 0 or 1 */
    uint32_t nparams;
    KType *ptypes;   /* inferred, nparams */
    uint32_t *poids; /* declared by Parse, nparams (0 = unspecified) */
    int refs;        /* the statement list + portals using it */
} PgStmt;

typedef struct PgPortal {
    char *name;
    PgStmt *stmt;
    KArena *arena; /* parameters and formats */
    NetParam *params;
    uint32_t nparams;
    int16_t *rformats;
    uint32_t nrformats;
    NetCursor *cursor;
    const KBatch *batch;
    uint32_t row;
    bool started, done;
    char tag[64];
} PgPortal;

/* The ParameterStatus set PostgreSQL 15 reports at startup. */
static const char *const g_reported[] = {
    "application_name",
    "client_encoding",
    "DateStyle",
    "default_transaction_read_only",
    "in_hot_standby",
    "integer_datetimes",
    "IntervalStyle",
    "is_superuser",
    "server_encoding",
    "server_version",
    "session_authorization",
    "standard_conforming_strings",
    "TimeZone",
};
#define NREPORTED (sizeof g_reported / sizeof g_reported[0])

struct NetPgProto {
    int state;
    char user[64];
    char database[64];
    char *pnames[MAX_STARTUP_PARAMS], *pvalues[MAX_STARTUP_PARAMS];
    uint32_t nparams;
    NetPgUser rule;
    bool have_rule;
    uint8_t md5_salt[4];
    NetScram scram;
    NetSession *session;
    char *reported[NREPORTED];

    bool skip_to_sync;
    PgStmt **stmts;
    uint32_t nstmts, capstmts;
    PgPortal **portals;
    uint32_t nportals, capportals;

    /* simple query in progress (resumed after COPY FROM STDIN) */
    NetPrepared *sq_prep;
    char *sq_sql;
    size_t sq_len;
    uint32_t sq_next, sq_count;

    /* COPY FROM STDIN */
    NetCursor *copy_cursor;
    PgPortal *copy_portal; /* NULL when started by a simple query */
};

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */
static void
send_error(NetPgConn *c, const KErr *e, const char *sql, size_t len)
{
    net__put_error(&c->out, e, false, sql, len);
}

static void fatal(NetPgConn *c, KSqlState code, const char *fmt, ...) K_PRINTF(3, 4);

static void
fatal(NetPgConn *c, KSqlState code, const char *fmt, ...)
{
    KErr e;
    k_err_clear(&e);
    va_list ap;
    va_start(ap, fmt);
    k_error_v(&e, code, -1, fmt, ap);
    va_end(ap);
    e.severity = K_SEV_FATAL;
    send_error(c, &e, NULL, 0);
    if (c->proto) c->proto->state = P_CLOSED;
    pthread_mutex_lock(&c->srv->mu);
    c->srv->stats.connections_refused++;
    pthread_mutex_unlock(&c->srv->mu);
    net__conn_request_close(c);
}

static void
fatal_err(NetPgConn *c, KErr *e)
{
    e->severity = K_SEV_FATAL;
    send_error(c, e, NULL, 0);
    c->proto->state = P_CLOSED;
    net__conn_request_close(c);
}

static void
malformed(NetPgConn *c, char type)
{
    fatal(c, K_PROTOCOL_VIOLATION, "invalid message format (message type 0x%02x)",
          (unsigned)(uint8_t)type);
}

static void
put_empty(NetPgConn *c, char type)
{
    size_t m = net__msg_begin(&c->out, type);
    net__msg_end(&c->out, m);
}

static void
send_ready(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    net__put_ready(&c->out, p->session ? net_session_txn_status(p->session) : 'I');
}

static char *
xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static const char *
default_setting(NetPgProto *p, const char *name)
{
    if (!strcmp(name, "application_name")) return "";
    if (!strcmp(name, "client_encoding")) return "UTF8";
    if (!strcmp(name, "DateStyle")) return "ISO, MDY";
    if (!strcmp(name, "default_transaction_read_only")) return "off";
    if (!strcmp(name, "in_hot_standby")) return "off";
    if (!strcmp(name, "integer_datetimes")) return "on";
    if (!strcmp(name, "IntervalStyle")) return "postgres";
    if (!strcmp(name, "is_superuser")) return "on";
    if (!strcmp(name, "server_encoding")) return "UTF8";
    if (!strcmp(name, "server_version")) return "15.0 (Kestrel " KESTREL_VERSION ")";
    if (!strcmp(name, "session_authorization")) return p->user;
    if (!strcmp(name, "standard_conforming_strings")) return "on";
    if (!strcmp(name, "TimeZone")) return "UTC";
    return "";
}

static const char *
setting_value(NetPgProto *p, const char *name)
{
    /* Kestrel speaks UTF-8 only, whatever the client asked for */
    if (!strcmp(name, "client_encoding") || !strcmp(name, "server_encoding")) return "UTF8";
    const char *v = p->session ? net_session_get(p->session, name) : NULL;
    return v ? v : default_setting(p, name);
}

/* Send ParameterStatus for every reported setting that changed (all of
 * them the first time). */
static void
report_settings(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    for (size_t i = 0; i < NREPORTED; i++) {
        const char *v = setting_value(p, g_reported[i]);
        if (p->reported[i] && !strcmp(p->reported[i], v)) continue;
        free(p->reported[i]);
        p->reported[i] = strdup(v);
        net__put_param_status(&c->out, g_reported[i], v);
    }
}

static void
notice_cb(void *ctx, const KErr *notice)
{
    NetPgConn *c = ctx;
    net__put_error(&c->out, notice, true, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Statements and portals                                               */
/* ------------------------------------------------------------------ */
static void
stmt_unref(PgStmt *s)
{
    if (!s || --s->refs > 0) return;
    if (s->prep) net_prepared_free(s->prep);
    free(s->name);
    free(s->sql);
    free(s->ptypes);
    free(s->poids);
    free(s);
}

static void
portal_free(PgPortal *po)
{
    if (!po) return;
    if (po->cursor) net_cursor_close(po->cursor);
    stmt_unref(po->stmt);
    k_arena_destroy(po->arena);
    free(po->name);
    free(po);
}

static PgStmt *
find_stmt(NetPgProto *p, const char *name, uint32_t *idx)
{
    for (uint32_t i = 0; i < p->nstmts; i++)
        if (!strcmp(p->stmts[i]->name, name)) {
            if (idx) *idx = i;
            return p->stmts[i];
        }
    return NULL;
}

static PgPortal *
find_portal(NetPgProto *p, const char *name, uint32_t *idx)
{
    for (uint32_t i = 0; i < p->nportals; i++)
        if (!strcmp(p->portals[i]->name, name)) {
            if (idx) *idx = i;
            return p->portals[i];
        }
    return NULL;
}

static void
drop_stmt(NetPgProto *p, const char *name)
{
    uint32_t i;
    PgStmt *s = find_stmt(p, name, &i);
    if (!s) return;
    p->stmts[i] = p->stmts[--p->nstmts];
    stmt_unref(s);
}

static void
drop_portal(NetPgProto *p, const char *name)
{
    uint32_t i;
    PgPortal *po = find_portal(p, name, &i);
    if (!po) return;
    if (p->copy_portal == po) return; /* never while COPY runs on it */
    p->portals[i] = p->portals[--p->nportals];
    portal_free(po);
}

static void
drop_all_portals(NetPgProto *p)
{
    for (uint32_t i = 0; i < p->nportals; i++) portal_free(p->portals[i]);
    p->nportals = 0;
}

static bool
grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
    if (n < *cap) return true;
    uint32_t nc = *cap ? *cap * 2 : 8;
    void *na = realloc(*arr, nc * elem);
    if (!na) return false;
    *arr = na;
    *cap = nc;
    return true;
}

/* ------------------------------------------------------------------ */
/* Startup and authentication                                           */
/* ------------------------------------------------------------------ */
static void auth_ok(NetPgConn *c);

static void
begin_auth(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    NetPgServer *srv = c->srv;
    const NetPgUser *rule = NULL;
    if (!srv->have_users) {
        if (!c->loopback) {
            fatal(c, K_INVALID_AUTHORIZATION,
                  "no users file entry for host \"%s\", user \"%s\", database \"%s\"", c->peer,
                  p->user, p->database);
            return;
        }
        auth_ok(c);
        return;
    }
    if (c->loopback && srv->cfg.trust_loopback) {
        auth_ok(c);
        return;
    }
    rule = net__users_lookup(&srv->users, p->user);
    if (!rule) {
        /* unknown user: a SCRAM exchange that cannot succeed */
        memset(&p->rule, 0, sizeof p->rule);
        p->rule.method = NET_AUTH_SCRAM;
        p->scram.mock = true;
    } else {
        p->rule = *rule;
    }
    p->have_rule = true;
    switch (p->rule.method) {
    case NET_AUTH_TRUST: auth_ok(c); return;
    case NET_AUTH_REJECT:
        fatal(c, K_INVALID_AUTHORIZATION, "users file rejects connection for user \"%s\"", p->user);
        return;
    case NET_AUTH_PASSWORD:
        net__put_auth(&c->out, 3, NULL, 0);
        p->state = P_AUTH_PASSWORD;
        return;
    case NET_AUTH_MD5:
        if (RAND_bytes(p->md5_salt, 4) != 1) {
            fatal(c, K_INTERNAL_ERROR, "could not generate random salt");
            return;
        }
        net__put_auth(&c->out, 5, p->md5_salt, 4);
        p->state = P_AUTH_MD5;
        return;
    case NET_AUTH_SCRAM: {
        if (!p->scram.mock) {
            if (p->rule.kind == NET_SECRET_SCRAM) {
                p->scram.v = p->rule.scram;
            } else if (p->rule.kind == NET_SECRET_PLAIN) {
                uint8_t salt[16];
                KErr e;
                if (RAND_bytes(salt, sizeof salt) != 1 ||
                    net__scram_make_verifier(p->rule.secret, salt, sizeof salt, 4096, &p->scram.v,
                                             &e) != K_OK) {
                    fatal(c, K_INTERNAL_ERROR, "could not prepare SCRAM authentication");
                    return;
                }
            } else {
                /* an md5 secret cannot serve SCRAM: fail like a wrong password */
                p->scram.mock = true;
            }
        }
        static const char mechs[] = "SCRAM-SHA-256\0";
        net__put_auth(&c->out, 10, mechs, sizeof mechs);
        p->state = P_AUTH_SASL_INIT;
        return;
    }
    }
}

static bool
check_password(NetPgProto *p, const char *pw)
{
    switch (p->rule.kind) {
    case NET_SECRET_PLAIN: {
        size_t a = strlen(pw), b = strlen(p->rule.secret);
        return a == b && CRYPTO_memcmp(pw, p->rule.secret, a) == 0;
    }
    case NET_SECRET_MD5: {
        char h[36];
        net__md5_stored(p->user, pw, h);
        return CRYPTO_memcmp(h, p->rule.secret, 35) == 0;
    }
    case NET_SECRET_SCRAM: {
        NetScramVerifier v;
        KErr e;
        if (net__scram_make_verifier(pw, p->rule.scram.salt, p->rule.scram.salt_len,
                                     p->rule.scram.iterations, &v, &e) != K_OK)
            return false;
        return CRYPTO_memcmp(v.stored_key, p->rule.scram.stored_key, 32) == 0;
    }
    default: return false;
    }
}

static void
auth_failed(NetPgConn *c)
{
    fatal(c, K_INVALID_PASSWORD, "password authentication failed for user \"%s\"", c->proto->user);
}

static void
handle_auth_message(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    if (m->type != 'p') {
        fatal(c, K_PROTOCOL_VIOLATION, "expected password response, got message type %d",
              (int)(uint8_t)m->type);
        return;
    }
    KReader r;
    k_reader_init(&r, m->body, m->len);
    switch (p->state) {
    case P_AUTH_PASSWORD:
    case P_AUTH_MD5: {
        const char *pw = net__get_cstr(&r);
        if (!pw || k_reader_left(&r) != 0) {
            malformed(c, m->type);
            return;
        }
        bool ok;
        if (p->state == P_AUTH_PASSWORD) {
            ok = check_password(p, pw);
        } else {
            char stored[36];
            if (p->rule.kind == NET_SECRET_PLAIN)
                net__md5_stored(p->user, p->rule.secret, stored);
            else {
                memcpy(stored, p->rule.secret, 35);
                stored[35] = '\0';
            }
            ok = net__md5_check(stored, p->md5_salt, pw);
        }
        if (!ok)
            auth_failed(c);
        else
            auth_ok(c);
        return;
    }
    case P_AUTH_SASL_INIT: {
        const char *mech = net__get_cstr(&r);
        int32_t len = net__get_i32(&r);
        if (!mech || r.failed || len < -1 || (len >= 0 && (size_t)len != k_reader_left(&r)) ||
            (len == -1 && k_reader_left(&r) != 0)) {
            malformed(c, m->type);
            return;
        }
        if (strcmp(mech, "SCRAM-SHA-256") != 0) {
            fatal(c, K_PROTOCOL_VIOLATION,
                  "client selected an invalid SASL authentication mechanism");
            return;
        }
        char out[700];
        KErr e;
        if (len <= 0 || net__scram_first(&p->scram, (const char *)r.p, (size_t)len, NULL, out,
                                         sizeof out, &e) != K_OK) {
            if (len <= 0) k_error(&e, K_PROTOCOL_VIOLATION, "malformed SCRAM message");
            fatal_err(c, &e);
            return;
        }
        net__put_auth(&c->out, 11, out, strlen(out));
        p->state = P_AUTH_SASL_CONT;
        return;
    }
    case P_AUTH_SASL_CONT: {
        char out[128];
        KErr e;
        if (net__scram_final(&p->scram, (const char *)m->body, m->len, out, sizeof out, &e) !=
            K_OK) {
            if (e.code == K_INVALID_PASSWORD)
                auth_failed(c);
            else
                fatal_err(c, &e);
            return;
        }
        net__put_auth(&c->out, 12, out, strlen(out));
        auth_ok(c);
        return;
    }
    default: malformed(c, m->type); return;
    }
}

static void
auth_ok(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    net__put_auth(&c->out, 0, NULL, 0);
    KErr e;
    k_err_clear(&e);
    NetSession *s = NULL;
    if (net_session_open(c->srv->eng, p->user, p->database, &s, &e) != K_OK) {
        fatal_err(c, &e);
        return;
    }
    p->session = s;
    net_session_set_notice(s, notice_cb, c);
    for (uint32_t i = 0; i < p->nparams; i++) {
        KErr se;
        if (net_session_set(s, p->pnames[i], p->pvalues[i], &se) != K_OK)
            k_debug("pgwire: startup parameter %s ignored: %s", p->pnames[i], se.message);
    }
    net__conn_set_session(c, s);
    net__conn_set_authed(c);
    report_settings(c);
    size_t m = net__msg_begin(&c->out, 'K');
    net__put_i32(&c->out, c->pid);
    net__put_i32(&c->out, c->key);
    net__msg_end(&c->out, m);
    p->state = P_READY;
    send_ready(c);
}

static void
handle_startup(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    KReader r;
    k_reader_init(&r, m->body, m->len);
    uint32_t code = (uint32_t)net__get_i32(&r);
    const char *unrecognized[MAX_STARTUP_PARAMS];
    uint32_t nunrec = 0;
    bool have_user = false;
    for (;;) {
        const char *name = net__get_cstr(&r);
        if (!name) {
            fatal(c, K_PROTOCOL_VIOLATION,
                  "invalid startup packet layout: expected terminator as "
                  "last byte");
            return;
        }
        if (!*name) break;
        const char *value = net__get_cstr(&r);
        if (!value) {
            fatal(c, K_PROTOCOL_VIOLATION,
                  "invalid startup packet layout: expected terminator as last byte");
            return;
        }
        if (!strcmp(name, "user")) {
            if (strlen(value) >= sizeof p->user) {
                fatal(c, K_INVALID_AUTHORIZATION, "user name too long");
                return;
            }
            snprintf(p->user, sizeof p->user, "%s", value);
            have_user = true;
        } else if (!strcmp(name, "database")) {
            if (strlen(value) >= sizeof p->database) {
                fatal(c, K_INVALID_CATALOG_NAME, "database name too long");
                return;
            }
            snprintf(p->database, sizeof p->database, "%s", value);
        } else if (!strncmp(name, "_pq_.", 5)) {
            if (nunrec < MAX_STARTUP_PARAMS) unrecognized[nunrec++] = name;
        } else if (!strcmp(name, "options") || !strcmp(name, "replication")) {
            if (!strcmp(name, "replication") && strcasecmp(value, "false") &&
                strcasecmp(value, "off") && strcmp(value, "0")) {
                fatal(c, K_FEATURE_NOT_SUPPORTED, "replication connections are not supported");
                return;
            }
        } else {
            if (p->nparams >= MAX_STARTUP_PARAMS) {
                fatal(c, K_PROGRAM_LIMIT_EXCEEDED, "too many parameters in startup packet");
                return;
            }
            p->pnames[p->nparams] = strdup(name);
            p->pvalues[p->nparams] = strdup(value);
            if (!p->pnames[p->nparams] || !p->pvalues[p->nparams]) {
                free(p->pnames[p->nparams]);
                free(p->pvalues[p->nparams]);
                fatal(c, K_OUT_OF_MEMORY, "out of memory");
                return;
            }
            p->nparams++;
        }
    }
    if (k_reader_left(&r) != 0) {
        fatal(c, K_PROTOCOL_VIOLATION,
              "invalid startup packet layout: expected terminator as last byte");
        return;
    }
    if (!have_user || !p->user[0]) {
        fatal(c, K_INVALID_AUTHORIZATION, "no PostgreSQL user name specified in startup packet");
        return;
    }
    if (!p->database[0]) snprintf(p->database, sizeof p->database, "%s", p->user);
    if ((code & 0xffff) != 0 || nunrec) {
        size_t mm = net__msg_begin(&c->out, 'v');
        net__put_i32(&c->out, 0);
        net__put_i32(&c->out, (int32_t)nunrec);
        for (uint32_t i = 0; i < nunrec; i++) net__put_cstr(&c->out, unrecognized[i]);
        net__msg_end(&c->out, mm);
    }
    begin_auth(c);
}

/* ------------------------------------------------------------------ */
/* Running statements                                                   */
/* ------------------------------------------------------------------ */
typedef enum RunResult { RUN_DONE = 0, RUN_ERROR, RUN_COPY_IN, RUN_SUSPENDED, RUN_GONE } RunResult;

/* Stream-flush when the output buffer is large; false if the client left. */
static bool
maybe_flush(NetPgConn *c)
{
    if (c->out.len < STREAM_FLUSH_BYTES) return true;
    return net__conn_flush(c) == K_OK;
}

static RunResult
copy_out(NetPgConn *c, NetCursor *cur, const char *sql, size_t sql_len)
{
    uint32_t n = 0;
    net_cursor_columns(cur, &n);
    size_t m = net__msg_begin(&c->out, 'H');
    k_buf_put_u8(&c->out, 0);
    net__put_i16(&c->out, (int16_t)n);
    for (uint32_t i = 0; i < n; i++) net__put_i16(&c->out, 0);
    net__msg_end(&c->out, m);
    for (;;) {
        const KBatch *b = NULL;
        KErr e;
        k_err_clear(&e);
        if (net_cursor_next(cur, &b, &e) != K_OK) {
            send_error(c, &e, sql, sql_len);
            return RUN_ERROR;
        }
        if (!b) break;
        uint32_t rows = k_batch_rows(b);
        for (uint32_t i = 0; i < rows && b->ncols > 0; i++) {
            uint32_t row = k_batch_row(b, i);
            const KVector *v = &b->cols[0];
            if (!k_vec_is_valid(v, row) || !k_type_is_string(v->type)) continue;
            const KStr *s = k_vec_slot(v, row);
            const char *d = k_str_data(s);
            bool nl = s->len > 0 && d[s->len - 1] == '\n';
            size_t mm = net__msg_begin(&c->out, 'd');
            k_buf_put(&c->out, d, s->len);
            if (!nl) k_buf_put_u8(&c->out, '\n');
            net__msg_end(&c->out, mm);
        }
        if (!maybe_flush(c)) return RUN_GONE;
    }
    put_empty(c, 'c');
    net__put_command_complete(&c->out, net_cursor_tag(cur));
    return RUN_DONE;
}

/* Pull rows from a started portal/cursor, up to max_rows (0: all). */
static RunResult
pull_rows(NetPgConn *c, PgPortal *po, NetCursor *cur, int32_t max_rows, const int16_t *fmts,
          uint32_t nfmts, const char *sql, size_t sql_len, const KBatch **batch, uint32_t *row)
{
    int64_t sent = 0;
    for (;;) {
        if (!*batch || *row >= k_batch_rows(*batch)) {
            KErr e;
            k_err_clear(&e);
            *batch = NULL;
            *row = 0;
            if (net_cursor_next(cur, batch, &e) != K_OK) {
                *batch = NULL;
                send_error(c, &e, sql, sql_len);
                return RUN_ERROR;
            }
            if (!*batch) break;
            continue;
        }
        uint32_t rows = k_batch_rows(*batch);
        uint32_t k = rows - *row;
        if (max_rows > 0 && sent + k > max_rows) k = (uint32_t)(max_rows - sent);
        net__put_data_rows(&c->out, *batch, *row, *row + k, fmts, nfmts);
        *row += k;
        sent += k;
        if (!maybe_flush(c)) return RUN_GONE;
        if (max_rows > 0 && sent >= max_rows) {
            put_empty(c, 's');
            return RUN_SUSPENDED;
        }
    }
    (void)po;
    net__put_command_complete(&c->out, net_cursor_tag(cur));
    return RUN_DONE;
}

static const char *
tag_of(const NetCursor *cur)
{
    const char *t = net_cursor_tag(cur);
    return t ? t : "";
}

static bool
is_setting_tag(const char *tag)
{
    return tag &&
           (!strncmp(tag, "SET", 3) || !strncmp(tag, "RESET", 5) || !strncmp(tag, "DISCARD", 7));
}

/* One statement of a simple query. */
static RunResult
simple_statement(NetPgConn *c, uint32_t i)
{
    NetPgProto *p = c->proto;
    NetCursor *cur = NULL;
    KErr e;
    k_err_clear(&e);
    if (net_execute(p->session, p->sq_prep, i, NULL, 0, &cur, &e) != K_OK) {
        send_error(c, &e, p->sq_sql, p->sq_len);
        return RUN_ERROR;
    }
    NetCopyState cs = net_cursor_copy_state(cur);
    if (cs == K_COPY_IN) {
        uint32_t n = 0;
        net_cursor_columns(cur, &n);
        size_t m = net__msg_begin(&c->out, 'G');
        k_buf_put_u8(&c->out, 0);
        net__put_i16(&c->out, (int16_t)n);
        for (uint32_t k = 0; k < n; k++) net__put_i16(&c->out, 0);
        net__msg_end(&c->out, m);
        p->copy_cursor = cur;
        p->copy_portal = NULL;
        p->state = P_COPY_IN;
        return RUN_COPY_IN;
    }
    RunResult rr;
    if (cs == K_COPY_OUT) {
        rr = copy_out(c, cur, p->sq_sql, p->sq_len);
    } else {
        uint32_t n = 0;
        const NetColumn *cols = net_cursor_columns(cur, &n);
        if (n > 0) net__put_row_description(&c->out, cols, n, NULL, 0);
        const KBatch *b = NULL;
        uint32_t row = 0;
        rr = pull_rows(c, NULL, cur, 0, NULL, 0, p->sq_sql, p->sq_len, &b, &row);
    }
    const char *tag = net_cursor_tag(cur);
    bool settings = rr == RUN_DONE && is_setting_tag(tag);
    net_cursor_close(cur);
    if (settings) report_settings(c);
    return rr;
}

static void drop_all_portals(NetPgProto *p);

static void
simple_finish(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    /* a transaction that ended inside the query string ends its portals */
    if (p->session && net_session_txn_status(p->session) == 'I' && !p->copy_portal)
        drop_all_portals(p);
    if (p->sq_prep) net_prepared_free(p->sq_prep);
    p->sq_prep = NULL;
    free(p->sq_sql);
    p->sq_sql = NULL;
    p->sq_len = 0;
    send_ready(c);
}

/* Run the statements of the current simple query from sq_next on. */
static void
simple_continue(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    while (p->sq_next < p->sq_count) {
        uint32_t i = p->sq_next++;
        RunResult rr = simple_statement(c, i);
        if (rr == RUN_COPY_IN) return;
        if (rr != RUN_DONE) break;
    }
    simple_finish(c);
}

static void
handle_query(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    KReader r;
    k_reader_init(&r, m->body, m->len);
    const char *sql = net__get_cstr(&r);
    if (!sql || k_reader_left(&r) != 0) {
        malformed(c, m->type);
        return;
    }
    size_t len = m->len - 1;
    p->sq_sql = xstrndup(sql, len);
    if (!p->sq_sql) {
        fatal(c, K_OUT_OF_MEMORY, "out of memory");
        return;
    }
    p->sq_len = len;
    KErr e;
    k_err_clear(&e);
    if (net_prepare(p->session, p->sq_sql, len, NULL, 0, &p->sq_prep, &e) != K_OK) {
        p->sq_prep = NULL;
        send_error(c, &e, p->sq_sql, len);
        simple_finish(c);
        return;
    }
    p->sq_count = net_prepared_count(p->sq_prep);
    p->sq_next = 0;
    if (p->sq_count == 0) {
        put_empty(c, 'I');
        simple_finish(c);
        return;
    }
    simple_continue(c);
}

/* ------------------------------------------------------------------ */
/* Extended query                                                       */
/* ------------------------------------------------------------------ */
static void
ext_error(NetPgConn *c, const KErr *e, const char *sql, size_t len)
{
    send_error(c, e, sql, len);
    c->proto->skip_to_sync = true;
}

static void ext_errorf(NetPgConn *c, KSqlState code, const char *fmt, ...) K_PRINTF(3, 4);

static void
ext_errorf(NetPgConn *c, KSqlState code, const char *fmt, ...)
{
    KErr e;
    k_err_clear(&e);
    va_list ap;
    va_start(ap, fmt);
    k_error_v(&e, code, -1, fmt, ap);
    va_end(ap);
    ext_error(c, &e, NULL, 0);
}

static void
handle_parse(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    KReader r;
    k_reader_init(&r, m->body, m->len);
    const char *name = net__get_cstr(&r);
    const char *sql = net__get_cstr(&r);
    int16_t n = net__get_i16(&r);
    if (!name || !sql || r.failed || n < 0 || k_reader_left(&r) != (size_t)n * 4) {
        malformed(c, m->type);
        return;
    }
    if (*name && find_stmt(p, name, NULL)) {
        ext_errorf(c, K_DUPLICATE_PREPARED_STATEMENT, "prepared statement \"%s\" already exists",
                   name);
        return;
    }
    if (*name && p->nstmts >= MAX_STATEMENTS) {
        ext_errorf(c, K_PROGRAM_LIMIT_EXCEEDED, "too many prepared statements (at most %d)",
                   MAX_STATEMENTS);
        return;
    }
    PgStmt *s = calloc(1, sizeof *s);
    uint32_t *oids = n ? calloc((size_t)n, sizeof *oids) : NULL;
    KType *decl = n ? calloc((size_t)n, sizeof *decl) : NULL;
    if (!s || (n && (!oids || !decl))) {
        free(s);
        free(oids);
        free(decl);
        fatal(c, K_OUT_OF_MEMORY, "out of memory");
        return;
    }
    for (int16_t i = 0; i < n; i++) {
        oids[i] = (uint32_t)net__get_i32(&r);
        decl[i] = net__type_from_oid(oids[i]);
    }
    s->refs = 1;
    s->name = strdup(name);
    s->sql_len = strlen(sql);
    s->sql = xstrndup(sql, s->sql_len);
    s->poids = oids;
    if (!s->name || !s->sql) {
        free(decl);
        stmt_unref(s);
        fatal(c, K_OUT_OF_MEMORY, "out of memory");
        return;
    }
    KErr e;
    k_err_clear(&e);
    int rc = net_prepare(p->session, s->sql, s->sql_len, decl, (uint32_t)n, &s->prep, &e);
    free(decl);
    if (rc != K_OK) {
        s->prep = NULL;
        ext_error(c, &e, s->sql, s->sql_len);
        stmt_unref(s);
        return;
    }
    s->count = net_prepared_count(s->prep);
    if (s->count > 1) {
        k_error(&e, K_SYNTAX_ERROR, "cannot insert multiple commands into a prepared statement");
        ext_error(c, &e, NULL, 0);
        stmt_unref(s);
        return;
    }
    uint32_t np = 0;
    const KType *types = NULL;
    if (s->count == 1 && net_prepared_params(s->prep, 0, &np, &types, &e) != K_OK) {
        ext_error(c, &e, s->sql, s->sql_len);
        stmt_unref(s);
        return;
    }
    if (np < (uint32_t)n) np = (uint32_t)n; /* declared but unused parameters still count */
    s->nparams = np;
    if (np) {
        s->ptypes = calloc(np, sizeof *s->ptypes);
        if (!s->ptypes) {
            stmt_unref(s);
            fatal(c, K_OUT_OF_MEMORY, "out of memory");
            return;
        }
        for (uint32_t i = 0; i < np; i++) {
            KType t = types && i < np && types ? types[i] : k_type(K_TYPE_UNKNOWN);
            if (t.id == K_TYPE_UNKNOWN && i < (uint32_t)n) t = net__type_from_oid(oids[i]);
            s->ptypes[i] = t;
        }
        if (np > (uint32_t)n) {
            uint32_t *no = realloc(s->poids, np * sizeof *no);
            if (!no) {
                stmt_unref(s);
                fatal(c, K_OUT_OF_MEMORY, "out of memory");
                return;
            }
            for (uint32_t i = (uint32_t)n; i < np; i++) no[i] = 0;
            s->poids = no;
        }
    }
    if (!*name) drop_stmt(p, "");
    if (!grow((void **)&p->stmts, &p->capstmts, p->nstmts, sizeof *p->stmts)) {
        stmt_unref(s);
        fatal(c, K_OUT_OF_MEMORY, "out of memory");
        return;
    }
    p->stmts[p->nstmts++] = s;
    put_empty(c, '1');
}

static int16_t
fmt_at(const int16_t *f, uint32_t nf, uint32_t i)
{
    if (nf == 0) return 0;
    if (nf == 1) return f[0];
    return i < nf ? f[i] : 0;
}

static void
handle_bind(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    KReader r;
    k_reader_init(&r, m->body, m->len);
    const char *pname = net__get_cstr(&r);
    const char *sname = net__get_cstr(&r);
    int16_t nf = net__get_i16(&r);
    if (!pname || !sname || r.failed || nf < 0) {
        malformed(c, m->type);
        return;
    }
    PgStmt *s = find_stmt(p, sname, NULL);
    if (!s) {
        ext_errorf(c, K_INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist",
                   sname);
        return;
    }
    if (*pname && find_portal(p, pname, NULL)) {
        ext_errorf(c, K_DUPLICATE_OBJECT, "cursor \"%s\" already exists", pname);
        return;
    }
    if (*pname && p->nportals >= MAX_PORTALS) {
        ext_errorf(c, K_PROGRAM_LIMIT_EXCEEDED, "too many open portals (at most %d)", MAX_PORTALS);
        return;
    }
    KArena *a = k_arena_create(NULL, "portal");
    PgPortal *po = calloc(1, sizeof *po);
    if (!a || !po) {
        k_arena_destroy(a);
        free(po);
        fatal(c, K_OUT_OF_MEMORY, "out of memory");
        return;
    }
    po->arena = a;
    po->stmt = s;
    s->refs++;
    po->name = strdup(pname);
    int16_t *pf = nf ? k_alloc(a, sizeof(int16_t) * (size_t)nf) : NULL;
    if (!po->name || (nf && !pf)) goto oom;
    for (int16_t i = 0; i < nf; i++) pf[i] = net__get_i16(&r);
    int16_t np = net__get_i16(&r);
    if (r.failed || np < 0) goto bad;
    if ((uint32_t)np != s->nparams) {
        portal_free(po);
        ext_errorf(c, K_PROTOCOL_VIOLATION,
                   "bind message supplies %d parameters, but prepared statement \"%s\" requires "
                   "%u",
                   (int)np, sname, s->nparams);
        return;
    }
    if (nf > 1 && nf != np) {
        portal_free(po);
        ext_errorf(c, K_PROTOCOL_VIOLATION,
                   "bind message has %d parameter formats but %d parameters", (int)nf, (int)np);
        return;
    }
    po->nparams = (uint32_t)np;
    po->params = np ? k_alloc0(a, sizeof(NetParam) * (size_t)np) : NULL;
    if (np && !po->params) goto oom;
    for (int16_t i = 0; i < np; i++) {
        int32_t len = net__get_i32(&r);
        if (r.failed || len < -1 || (len >= 0 && (size_t)len > k_reader_left(&r))) goto bad;
        NetParam *prm = &po->params[i];
        if (len == -1) {
            prm->is_null = true;
            continue;
        }
        const uint8_t *bytes = k_get_bytes(&r, (size_t)len);
        int16_t f = fmt_at(pf, (uint32_t)nf, (uint32_t)i);
        KType t = s->ptypes[i];
        if (f == 0 || k_type_is_string(t) || t.id == K_TYPE_UNKNOWN) {
            if (f != 0 && f != 1) goto badfmt;
            char *txt = k_strndup(a, (const char *)bytes, (size_t)len);
            if (!txt) goto oom;
            prm->text = txt;
            prm->len = (uint32_t)len;
            continue;
        }
        if (f != 1) goto badfmt;
        char buf[512];
        KErr e;
        k_err_clear(&e);
        int tl = net__param_binary_to_text(t, bytes, (size_t)len, buf, sizeof buf, &e);
        if (tl < 0) {
            portal_free(po);
            ext_error(c, &e, NULL, 0);
            return;
        }
        prm->text = k_strndup(a, buf, (size_t)tl);
        if (!prm->text) goto oom;
        prm->len = (uint32_t)tl;
    }
    int16_t nr = net__get_i16(&r);
    if (r.failed || nr < 0 || k_reader_left(&r) != (size_t)nr * 2) goto bad;
    if (nr > 1 && s->count == 1) {
        uint32_t ncols = 0;
        const NetColumn *cols = NULL;
        KErr ce;
        if (net_prepared_columns(s->prep, 0, &ncols, &cols, &ce) == K_OK && (uint32_t)nr != ncols) {
            portal_free(po);
            ext_errorf(c, K_PROTOCOL_VIOLATION,
                       "bind message has %d result formats but query has %u columns", (int)nr,
                       ncols);
            return;
        }
    }
    po->nrformats = (uint32_t)nr;
    po->rformats = nr ? k_alloc(a, sizeof(int16_t) * (size_t)nr) : NULL;
    if (nr && !po->rformats) goto oom;
    for (int16_t i = 0; i < nr; i++) {
        po->rformats[i] = net__get_i16(&r);
        if (po->rformats[i] != 0 && po->rformats[i] != 1) {
            int16_t bad = po->rformats[i];
            portal_free(po);
            ext_errorf(c, K_INVALID_PARAMETER_VALUE, "unsupported format code: %d", (int)bad);
            return;
        }
    }
    if (!*pname) drop_portal(p, "");
    if (!grow((void **)&p->portals, &p->capportals, p->nportals, sizeof *p->portals)) goto oom;
    p->portals[p->nportals++] = po;
    put_empty(c, '2');
    return;
badfmt:
    portal_free(po);
    ext_errorf(c, K_INVALID_PARAMETER_VALUE, "unsupported format code in bind message");
    return;
bad:
    portal_free(po);
    malformed(c, m->type);
    return;
oom:
    portal_free(po);
    fatal(c, K_OUT_OF_MEMORY, "out of memory");
}

static void
describe_columns(NetPgConn *c, PgStmt *s, const int16_t *fmts, uint32_t nfmts)
{
    uint32_t n = 0;
    const NetColumn *cols = NULL;
    KErr e;
    k_err_clear(&e);
    if (s->count == 0) {
        put_empty(c, 'n');
        return;
    }
    if (net_prepared_columns(s->prep, 0, &n, &cols, &e) != K_OK) {
        ext_error(c, &e, s->sql, s->sql_len);
        return;
    }
    if (n == 0)
        put_empty(c, 'n');
    else
        net__put_row_description(&c->out, cols, n, fmts, nfmts);
}

static void
handle_describe(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    KReader r;
    k_reader_init(&r, m->body, m->len);
    uint8_t kind = k_get_u8(&r);
    const char *name = net__get_cstr(&r);
    if (!name || r.failed || k_reader_left(&r) != 0 || (kind != 'S' && kind != 'P')) {
        malformed(c, m->type);
        return;
    }
    if (kind == 'S') {
        PgStmt *s = find_stmt(p, name, NULL);
        if (!s) {
            ext_errorf(c, K_INVALID_SQL_STATEMENT_NAME, "prepared statement \"%s\" does not exist",
                       name);
            return;
        }
        size_t mm = net__msg_begin(&c->out, 't');
        net__put_i16(&c->out, (int16_t)s->nparams);
        for (uint32_t i = 0; i < s->nparams; i++) {
            uint32_t oid = s->ptypes[i].id != K_TYPE_UNKNOWN ? k_type_pg_oid(s->ptypes[i])
                           : s->poids[i]                     ? s->poids[i]
                                                             : NET_OID_TEXT;
            net__put_i32(&c->out, (int32_t)oid);
        }
        net__msg_end(&c->out, mm);
        describe_columns(c, s, NULL, 0);
        return;
    }
    PgPortal *po = find_portal(p, name, NULL);
    if (!po) {
        ext_errorf(c, K_INVALID_CURSOR_NAME, "portal \"%s\" does not exist", name);
        return;
    }
    describe_columns(c, po->stmt, po->rformats, po->nrformats);
}

static void
handle_execute(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    KReader r;
    k_reader_init(&r, m->body, m->len);
    const char *name = net__get_cstr(&r);
    int32_t max_rows = net__get_i32(&r);
    if (!name || r.failed || k_reader_left(&r) != 0) {
        malformed(c, m->type);
        return;
    }
    PgPortal *po = find_portal(p, name, NULL);
    if (!po) {
        ext_errorf(c, K_INVALID_CURSOR_NAME, "portal \"%s\" does not exist", name);
        return;
    }
    PgStmt *s = po->stmt;
    if (s->count == 0) {
        put_empty(c, 'I');
        return;
    }
    if (po->done) {
        net__put_command_complete(&c->out, po->tag);
        return;
    }
    KErr e;
    k_err_clear(&e);
    if (!po->started) {
        po->started = true;
        if (net_execute(p->session, s->prep, 0, po->params, po->nparams, &po->cursor, &e) != K_OK) {
            po->cursor = NULL;
            po->done = true;
            ext_error(c, &e, s->sql, s->sql_len);
            return;
        }
        NetCopyState cs = net_cursor_copy_state(po->cursor);
        if (cs == K_COPY_IN) {
            uint32_t n = 0;
            net_cursor_columns(po->cursor, &n);
            size_t mm = net__msg_begin(&c->out, 'G');
            k_buf_put_u8(&c->out, 0);
            net__put_i16(&c->out, (int16_t)n);
            for (uint32_t k = 0; k < n; k++) net__put_i16(&c->out, 0);
            net__msg_end(&c->out, mm);
            p->copy_cursor = po->cursor;
            p->copy_portal = po;
            p->state = P_COPY_IN;
            return;
        }
        if (cs == K_COPY_OUT) {
            RunResult rr = copy_out(c, po->cursor, s->sql, s->sql_len);
            snprintf(po->tag, sizeof po->tag, "%s", tag_of(po->cursor));
            net_cursor_close(po->cursor);
            po->cursor = NULL;
            po->done = true;
            if (rr == RUN_ERROR) p->skip_to_sync = true;
            return;
        }
    }
    RunResult rr = pull_rows(c, po, po->cursor, max_rows, po->rformats, po->nrformats, s->sql,
                             s->sql_len, &po->batch, &po->row);
    if (rr == RUN_SUSPENDED) return;
    snprintf(po->tag, sizeof po->tag, "%s", tag_of(po->cursor));
    net_cursor_close(po->cursor);
    po->cursor = NULL;
    po->batch = NULL;
    po->done = true;
    if (rr == RUN_ERROR)
        p->skip_to_sync = true;
    else if (rr == RUN_DONE && is_setting_tag(po->tag))
        report_settings(c);
}

static void
handle_close(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    KReader r;
    k_reader_init(&r, m->body, m->len);
    uint8_t kind = k_get_u8(&r);
    const char *name = net__get_cstr(&r);
    if (!name || r.failed || k_reader_left(&r) != 0 || (kind != 'S' && kind != 'P')) {
        malformed(c, m->type);
        return;
    }
    if (kind == 'S')
        drop_stmt(p, name);
    else
        drop_portal(p, name);
    put_empty(c, '3');
}

static void
handle_sync(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    p->skip_to_sync = false;
    if (net_session_txn_status(p->session) == 'I') drop_all_portals(p);
    send_ready(c);
}

/* ------------------------------------------------------------------ */
/* COPY FROM STDIN                                                      */
/* ------------------------------------------------------------------ */
static void
copy_end(NetPgConn *c, bool ok)
{
    NetPgProto *p = c->proto;
    PgPortal *po = p->copy_portal;
    p->state = P_READY;
    p->copy_cursor = NULL;
    p->copy_portal = NULL;
    if (po) {
        net_cursor_close(po->cursor);
        po->cursor = NULL;
        po->done = true;
        if (!ok) p->skip_to_sync = true;
        return;
    }
    if (ok)
        simple_continue(c);
    else
        simple_finish(c);
}

static void
handle_copy_message(NetPgConn *c, NetPgMsg *m)
{
    NetPgProto *p = c->proto;
    NetCursor *cur = p->copy_cursor;
    const char *sql = p->copy_portal ? p->copy_portal->stmt->sql : p->sq_sql;
    size_t sql_len = p->copy_portal ? p->copy_portal->stmt->sql_len : p->sq_len;
    KErr e;
    k_err_clear(&e);
    switch (m->type) {
    case 'd':
        if (net_cursor_copy_data(cur, m->body, m->len, &e) != K_OK) {
            send_error(c, &e, sql, sql_len);
            if (!p->copy_portal) net_cursor_close(cur);
            copy_end(c, false);
        }
        return;
    case 'c': {
        if (net_cursor_copy_done(cur, &e) != K_OK) {
            send_error(c, &e, sql, sql_len);
            if (!p->copy_portal) net_cursor_close(cur);
            copy_end(c, false);
            return;
        }
        const KBatch *b = NULL;
        bool ok = true;
        for (;;) {
            if (net_cursor_next(cur, &b, &e) != K_OK) {
                send_error(c, &e, sql, sql_len);
                ok = false;
                break;
            }
            if (!b) break;
        }
        if (ok) net__put_command_complete(&c->out, net_cursor_tag(cur));
        if (p->copy_portal)
            snprintf(p->copy_portal->tag, sizeof p->copy_portal->tag, "%s", ok ? tag_of(cur) : "");
        else
            net_cursor_close(cur);
        copy_end(c, ok);
        return;
    }
    case 'f': {
        KReader r;
        k_reader_init(&r, m->body, m->len);
        const char *why = net__get_cstr(&r);
        net_cursor_copy_fail(cur, why ? why : "");
        k_error(&e, K_QUERY_CANCELED, "COPY from stdin failed: %s", why ? why : "");
        send_error(c, &e, NULL, 0);
        if (!p->copy_portal) net_cursor_close(cur);
        copy_end(c, false);
        return;
    }
    case 'H':
    case 'S': return; /* ignored during COPY IN, as PostgreSQL does */
    default:
        net_cursor_copy_fail(cur, "unexpected message during COPY");
        if (!p->copy_portal)
            net_cursor_close(cur);
        else {
            net_cursor_close(p->copy_portal->cursor);
            p->copy_portal->cursor = NULL;
            p->copy_portal->done = true;
        }
        p->copy_cursor = NULL;
        p->copy_portal = NULL;
        fatal(c, K_PROTOCOL_VIOLATION, "unexpected message type 0x%02x during COPY from stdin",
              (unsigned)(uint8_t)m->type);
        return;
    }
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                             */
/* ------------------------------------------------------------------ */
void
net__proto_handle(NetPgConn *c, NetPgMsg *m)
{
    if (!c->proto) {
        c->proto = calloc(1, sizeof *c->proto);
        if (!c->proto) {
            fatal(c, K_OUT_OF_MEMORY, "out of memory");
            return;
        }
    }
    NetPgProto *p = c->proto;
    switch (p->state) {
    case P_CLOSED: return;
    case P_STARTUP:
        if (m->type != 0) {
            fatal(c, K_PROTOCOL_VIOLATION, "expected startup packet");
            return;
        }
        handle_startup(c, m);
        return;
    case P_AUTH_PASSWORD:
    case P_AUTH_MD5:
    case P_AUTH_SASL_INIT:
    case P_AUTH_SASL_CONT: handle_auth_message(c, m); return;
    case P_COPY_IN: handle_copy_message(c, m); return;
    default: break;
    }
    if (p->skip_to_sync && m->type != 'S' && m->type != 'X') return;
    switch (m->type) {
    case 'Q': handle_query(c, m); return;
    case 'P': handle_parse(c, m); return;
    case 'B': handle_bind(c, m); return;
    case 'D': handle_describe(c, m); return;
    case 'E': handle_execute(c, m); return;
    case 'C': handle_close(c, m); return;
    case 'S': handle_sync(c); return;
    case 'H': return; /* Flush: output is flushed after every message */
    case 'X':
        p->state = P_CLOSED;
        net__conn_request_close(c);
        return;
    case 'd':
    case 'c':
    case 'f': return; /* stray COPY messages are ignored */
    case 'F': {
        KErr e;
        k_error(&e, K_FEATURE_NOT_SUPPORTED, "the function call protocol is not supported");
        send_error(c, &e, NULL, 0);
        send_ready(c);
        return;
    }
    default:
        fatal(c, K_PROTOCOL_VIOLATION, "invalid frontend message type %d", (int)(uint8_t)m->type);
        return;
    }
}

void
net__proto_destroy(NetPgConn *c)
{
    NetPgProto *p = c->proto;
    if (!p) return;
    if (p->copy_cursor) {
        net_cursor_copy_fail(p->copy_cursor, "client disconnected");
        if (!p->copy_portal) net_cursor_close(p->copy_cursor);
    }
    drop_all_portals(p);
    for (uint32_t i = 0; i < p->nstmts; i++) stmt_unref(p->stmts[i]);
    free(p->stmts);
    free(p->portals);
    if (p->sq_prep) net_prepared_free(p->sq_prep);
    free(p->sq_sql);
    for (uint32_t i = 0; i < p->nparams; i++) {
        free(p->pnames[i]);
        free(p->pvalues[i]);
    }
    for (size_t i = 0; i < NREPORTED; i++) free(p->reported[i]);
    if (p->session) {
        net__conn_set_session(c, NULL);
        net_session_close(p->session);
    }
    OPENSSL_cleanse(&p->scram, sizeof p->scram);
    OPENSSL_cleanse(&p->rule, sizeof p->rule);
    free(p);
    c->proto = NULL;
}
