/*
 * session.c — the engine side of net/session.h: sessions, prepared
 * statements, dispatch by statement kind, cursors.
 *
 * Interface routines: everything declared in net/session.h, plus
 * net__notice and net__cursor_text_column for the other files of knet.
 *
 * Notes: a statement's work is chosen in net_execute by its AST tag.
 * Settings, SHOW and transaction control are answered here; DDL goes to
 * ddl.c, COPY and INSERT to load.c, queries and EXPLAIN to query.c.
 * Kestrel's statements are each atomic (a load becomes visible as a whole
 * at its end); BEGIN/COMMIT/ROLLBACK only track the transaction status
 * that ReadyForQuery reports, including the failed state 'E' in which
 * every statement but ROLLBACK/COMMIT is refused with 25P02, as
 * PostgreSQL does.
 */
#include "net/net_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Sessions and settings                                                */
/* ------------------------------------------------------------------ */
int
net_session_open(NetEngine *eng, const char *user, const char *database, NetSession **out, KErr *err)
{
    KArena *a = k_arena_create(NULL, "session");
    if (!a) return k_error_oom(err, NULL, sizeof(NetSession));
    NetSession *s = k_alloc0(a, sizeof *s);
    if (!s) {
        k_arena_destroy(a);
        return k_error_oom(err, NULL, sizeof *s);
    }
    s->eng = eng;
    s->arena = a;
    s->user = k_strdup(a, user ? user : "kestrel");
    s->database = k_strdup(a, database ? database : "kestrel");
    s->txn = 'I';
    s->cancel = 0;
    net__settings_defaults(s);
    *out = s;
    return K_OK;
}

/* SQL-level prepared statements (PREPARE / EXECUTE / DEALLOCATE). */
typedef struct SqlPrepared {
    char *name;
    NetPrepared *p;
    struct SqlPrepared *next;
} SqlPrepared;

static void
sql_prepared_drop_all(NetSession *s)
{
    for (SqlPrepared *x = s->sql_prepared, *n; x; x = n) {
        n = x->next;
        net_prepared_free(x->p);
        free(x->name);
        free(x);
    }
    s->sql_prepared = NULL;
}

/* Forget every setting (their strings are malloc'ed). */
static void
settings_free(NetSession *s)
{
    for (uint32_t i = 0; i < s->nsettings; i++) {
        free(s->settings[i].name);
        free(s->settings[i].value);
    }
    free(s->settings);
    s->settings = NULL;
    s->nsettings = s->capsettings = 0;
}

void
net_session_close(NetSession *s)
{
    if (!s) return;
    sql_prepared_drop_all(s);
    settings_free(s);
    k_arena_destroy(s->arena);
}

void
net_session_set_notice(NetSession *s, NetNoticeFn fn, void *ctx)
{
    s->notice = fn;
    s->notice_ctx = ctx;
}

static void
lower_copy(char *dst, const char *src, size_t cap)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++) dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

int
net_session_set(NetSession *s, const char *name, const char *value, KErr *err)
{
    char key[128];
    lower_copy(key, name, sizeof key);
    for (uint32_t i = 0; i < s->nsettings; i++) {
        if (strcmp(s->settings[i].name, key) == 0) {
            char *v = strdup(value);
            if (!v) return k_error_oom(err, NULL, strlen(value));
            free(s->settings[i].value);
            s->settings[i].value = v;
            return K_OK;
        }
    }
    if (s->nsettings == s->capsettings) {
        uint32_t cap = s->capsettings ? s->capsettings * 2 : 32;
        NetSetting *ns = realloc(s->settings, cap * sizeof *ns);
        if (!ns) return k_error_oom(err, NULL, cap * sizeof *ns);
        s->settings = ns;
        s->capsettings = cap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return k_error_oom(err, NULL, strlen(value));
    }
    s->settings[s->nsettings].name = k;
    s->settings[s->nsettings].value = v;
    s->nsettings++;
    return K_OK;
}

const char *
net_session_get(NetSession *s, const char *name)
{
    char key[128];
    lower_copy(key, name, sizeof key);
    for (uint32_t i = 0; i < s->nsettings; i++)
        if (strcmp(s->settings[i].name, key) == 0) return s->settings[i].value;
    return NULL;
}

char
net_session_txn_status(const NetSession *s)
{
    return s->txn;
}

void
net_session_set_backend_pid(NetSession *s, int32_t pid)
{
    s->backend_pid = pid;
}

void
net_session_cancel(NetSession *s)
{
    __atomic_store_n(&s->cancel, 1, __ATOMIC_SEQ_CST);
}

void
net__notice(NetSession *s, const char *fmt, ...)
{
    if (!s->notice) return;
    KErr n;
    va_list ap;
    va_start(ap, fmt);
    k_error_v(&n, K_OK_STATE, -1, fmt, ap);
    va_end(ap);
    n.severity = K_SEV_NOTICE;
    s->notice(s->notice_ctx, &n);
}

/* ------------------------------------------------------------------ */
/* Prepared statements                                                  */
/* ------------------------------------------------------------------ */
int
net_prepare(NetSession *s, const char *sql, size_t len, const KType *param_types, uint32_t nparam_types,
            NetPrepared **out, KErr *err)
{
    KArena *a = k_arena_create(s->arena, "prepared");
    if (!a) return k_error_oom(err, s->arena, sizeof(NetPrepared));
    NetPrepared *p = k_alloc0(a, sizeof *p);
    if (!p) goto oom;
    p->s = s;
    p->arena = a;
    p->sql = k_strndup(a, sql, len);
    p->len = len;
    if (!p->sql) goto oom;
    if (nparam_types) {
        p->param_types = k_alloc(a, sizeof(KType) * nparam_types);
        if (!p->param_types) goto oom;
        memcpy(p->param_types, param_types, sizeof(KType) * nparam_types);
        p->nparam_types = nparam_types;
    }
    if (pr_parse(a, p->sql, len, &p->stmts, err)) {
        k_arena_destroy(a);
        return K_ERR;
    }
    p->info = k_alloc0(a, sizeof(NetStmtInfo) * (size_t)(p->stmts->n ? p->stmts->n : 1));
    if (!p->info) goto oom;
    *out = p;
    return K_OK;
oom:
    k_error_oom(err, a, 0);
    k_arena_destroy(a);
    return K_ERR;
}

void
net_prepared_free(NetPrepared *p)
{
    if (p) k_arena_destroy(p->arena);
}

uint32_t
net_prepared_count(const NetPrepared *p)
{
    return (uint32_t)p->stmts->n;
}

static int
describe(NetPrepared *p, uint32_t i, KErr *err)
{
    if (i >= (uint32_t)p->stmts->n) return k_error(err, K_INTERNAL_ERROR, "statement index out of range");
    NetStmtInfo *info = &p->info[i];
    if (info->described) return K_OK;
    const PrNode *stmt = p->stmts->items[i].stmt;
    if (PR_IS(Select, stmt) || PR_IS(Insert, stmt)) {
        if (net__query_describe(p->s, p, i, err)) return K_ERR;
    } else if (PR_IS(Show, stmt) || PR_IS(Explain, stmt)) {
        info->ncols = 1;
        info->cols = k_alloc0(p->arena, sizeof(NetColumn));
        if (!info->cols) return k_error_oom(err, p->arena, sizeof(NetColumn));
        const PrShow *sh = PR_IS(Show, stmt) ? PR_CAST(Show, stmt) : NULL;
        info->cols[0].name = sh ? (sh->name ? sh->name : "setting") : "QUERY PLAN";
        info->cols[0].type = k_type_varchar(0);
        if (sh && !sh->name) {
            info->ncols = 0; /* SHOW ALL: described at execution */
        }
    }
    info->described = true;
    return K_OK;
}

int
net_prepared_params(NetPrepared *p, uint32_t i, uint32_t *n, const KType **types, KErr *err)
{
    if (describe(p, i, err)) return K_ERR;
    *n = p->info[i].nparams;
    *types = p->info[i].params;
    return K_OK;
}

int
net_prepared_columns(NetPrepared *p, uint32_t i, uint32_t *n, const NetColumn **cols, KErr *err)
{
    if (describe(p, i, err)) return K_ERR;
    *n = p->info[i].ncols;
    *cols = p->info[i].cols;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Fixed results                                                        */
/* ------------------------------------------------------------------ */
int
net__cursor_text_column(NetCursor *c, const char *colname, const char *const *lines, uint32_t nlines,
                        KErr *err)
{
    c->ncols = 1;
    c->cols = k_alloc0(c->arena, sizeof(NetColumn));
    if (!c->cols) return k_error_oom(err, c->arena, sizeof(NetColumn));
    c->cols[0].name = k_strdup(c->arena, colname);
    c->cols[0].type = k_type_varchar(0);
    uint32_t nb = (nlines + K_VECTOR_SIZE - 1) / K_VECTOR_SIZE;
    c->fixed = k_alloc0(c->arena, sizeof(KBatch *) * (nb ? nb : 1));
    if (!c->fixed) return k_error_oom(err, c->arena, nb);
    KType t = k_type_varchar(0);
    for (uint32_t b = 0; b < nb; b++) {
        KBatch *bt = k_batch_create(c->arena, 1, &t, err);
        if (!bt) return K_ERR;
        uint32_t from = b * K_VECTOR_SIZE, to = K_MIN(nlines, from + K_VECTOR_SIZE);
        KStr *slots = bt->cols[0].data;
        for (uint32_t r = from; r < to; r++)
            if (!k_str_copy(bt->heap, lines[r], (uint32_t)strlen(lines[r]), &slots[r - from]))
                return k_error_oom(err, bt->heap, strlen(lines[r]));
        bt->count = to - from;
        c->fixed[c->nfixed++] = bt;
    }
    c->rows = nlines;
    return K_OK;
}

static const char *
literal_value(const PrNode *n)
{
    if (PR_IS(Literal, n)) return PR_CAST(Literal, n)->text;
    if (PR_IS(ColumnRef, n)) {
        const PrColumnRef *c = PR_CAST(ColumnRef, n);
        return c->nfields ? c->fields[c->nfields - 1] : "";
    }
    return NULL;
}

static int
do_set(NetSession *s, const PrSet *st, KErr *err)
{
    char val[1024];
    size_t w = 0;
    val[0] = '\0';
    if (!st->values) {
        /* SET x TO DEFAULT: forget the session value, falling back to defaults */
        NetSession tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.user = s->user;
        net__settings_defaults(&tmp);
        const char *d = net_session_get(&tmp, st->name);
        snprintf(val, sizeof val, "%s", d ? d : "");
        settings_free(&tmp);
    } else {
        for (int32_t i = 0; i < pr_list_len(st->values); i++) {
            const char *v = literal_value(st->values->items[i]);
            if (!v)
                return k_error_at(err, K_SYNTAX_ERROR, st->values->items[i]->pos,
                                  "SET %s takes only literal values", st->name);
            w += (size_t)snprintf(val + w, sizeof val - K_MIN(w, sizeof val), "%s%s", i ? ", " : "", v);
            if (w >= sizeof val) return k_error(err, K_INVALID_PARAMETER_VALUE, "value too long for SET %s", st->name);
        }
    }
    if (!strcmp(st->name, "kestrel.join_distribution") && strcmp(val, "auto") && strcmp(val, "broadcast") &&
        strcmp(val, "repartition")) {
        k_error(err, K_INVALID_PARAMETER_VALUE, "invalid value for parameter \"%s\": \"%s\"", st->name, val);
        k_err_hint(err, "Available values: auto, broadcast, repartition.");
        return K_ERR;
    }
    return net_session_set(s, st->name, val, err);
}

static int
do_show(NetSession *s, const PrShow *sh, NetCursor *c, KErr *err)
{
    if (sh->name) {
        const char *v = net_session_get(s, sh->name);
        if (!v) {
            if (!strcmp(sh->name, "transaction_isolation") || !strcmp(sh->name, "transaction isolation level"))
                v = "read committed";
            else
                return k_error_at(err, K_UNDEFINED_OBJECT, sh->hdr.pos, "unrecognized configuration parameter \"%s\"",
                                  sh->name);
        }
        const char *lines[1] = {v};
        if (net__cursor_text_column(c, sh->name, lines, 1, err)) return K_ERR;
    } else {
        const char **lines = k_alloc(c->arena, sizeof(char *) * (s->nsettings ? s->nsettings : 1));
        if (!lines) return k_error_oom(err, c->arena, 0);
        for (uint32_t i = 0; i < s->nsettings; i++)
            lines[i] = k_sprintf(c->arena, "%s = %s", s->settings[i].name, s->settings[i].value);
        if (net__cursor_text_column(c, "setting", lines, s->nsettings, err)) return K_ERR;
    }
    snprintf(c->tag, sizeof c->tag, "SHOW");
    return K_OK;
}

static int
do_transaction(NetSession *s, const PrTransaction *t, NetCursor *c, KErr *err)
{
    switch (t->kind) {
    case PR_TXN_BEGIN:
        if (s->txn != 'I') {
            KErr w;
            k_error(&w, K_INVALID_TRANSACTION_STATE, "there is already a transaction in progress");
            w.severity = K_SEV_WARNING;
            if (s->notice) s->notice(s->notice_ctx, &w);
        }
        s->txn = 'T';
        snprintf(c->tag, sizeof c->tag, t->start_syntax ? "START TRANSACTION" : "BEGIN");
        return K_OK;
    case PR_TXN_COMMIT:
        snprintf(c->tag, sizeof c->tag, s->txn == 'E' ? "ROLLBACK" : "COMMIT");
        if (s->txn == 'I') {
            KErr w;
            k_error(&w, K_NO_DATA, "there is no transaction in progress");
            w.severity = K_SEV_WARNING;
            if (s->notice) s->notice(s->notice_ctx, &w);
        }
        s->txn = 'I';
        return K_OK;
    case PR_TXN_ROLLBACK:
        s->txn = 'I';
        snprintf(c->tag, sizeof c->tag, "ROLLBACK");
        return K_OK;
    case PR_TXN_SAVEPOINT:
        snprintf(c->tag, sizeof c->tag, "SAVEPOINT");
        return K_OK;
    case PR_TXN_RELEASE:
        snprintf(c->tag, sizeof c->tag, "RELEASE");
        return K_OK;
    case PR_TXN_ROLLBACK_TO:
        if (s->txn == 'E') s->txn = 'T';
        snprintf(c->tag, sizeof c->tag, "ROLLBACK");
        return K_OK;
    }
    return k_error(err, K_FEATURE_NOT_SUPPORTED, "transaction command not supported");
}

/* ------------------------------------------------------------------ */
/* PREPARE / EXECUTE / DEALLOCATE                                       */
/* ------------------------------------------------------------------ */
static SqlPrepared *
sql_prepared_find(NetSession *s, const char *name)
{
    for (SqlPrepared *x = s->sql_prepared; x; x = x->next)
        if (!strcmp(x->name, name)) return x;
    return NULL;
}

static int
do_prepare(NetSession *s, const PrPrepare *pp, NetCursor *c, KErr *err)
{
    if (sql_prepared_find(s, pp->name))
        return k_error_at(err, K_DUPLICATE_PREPARED_STATEMENT, pp->hdr.pos, "prepared statement \"%s\" already exists",
                          pp->name);
    uint32_t ntypes = (uint32_t)pr_list_len(pp->argtypes);
    KType *types = ntypes ? k_alloc0(c->arena, sizeof(KType) * ntypes) : NULL;
    for (uint32_t i = 0; i < ntypes; i++) {
        const PrTypeName *tn = PR_CAST(TypeName, pp->argtypes->items[i]);
        if (k_type_from_name(tn->name, tn->nmods > 0 ? tn->mods[0] : -1, tn->nmods > 1 ? tn->mods[1] : -1, &types[i],
                             err)) {
            err->pos = tn->hdr.pos;
            return K_ERR;
        }
    }
    /* keep the statement as canonical text, parsed again into its own arena */
    char *text;
    if (pr_print_stmt(c->arena, pp->stmt, &text, err)) return K_ERR;
    SqlPrepared *x = calloc(1, sizeof *x);
    if (!x) return k_error_oom(err, NULL, sizeof *x);
    x->name = strdup(pp->name);
    if (!x->name || net_prepare(s, text, strlen(text), types, ntypes, &x->p, err)) {
        free(x->name);
        free(x);
        return K_ERR;
    }
    x->next = s->sql_prepared;
    s->sql_prepared = x;
    snprintf(c->tag, sizeof c->tag, "PREPARE");
    return K_OK;
}

static int
do_deallocate(NetSession *s, const PrDeallocate *d, NetCursor *c, KErr *err)
{
    snprintf(c->tag, sizeof c->tag, "DEALLOCATE%s", d->name ? "" : " ALL");
    if (!d->name) {
        sql_prepared_drop_all(s);
        return K_OK;
    }
    for (SqlPrepared **pp = &s->sql_prepared; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, d->name)) continue;
        SqlPrepared *x = *pp;
        *pp = x->next;
        net_prepared_free(x->p);
        free(x->name);
        free(x);
        return K_OK;
    }
    return k_error_at(err, K_INVALID_SQL_STATEMENT_NAME, d->hdr.pos, "prepared statement \"%s\" does not exist", d->name);
}

/* EXECUTE name (args): the arguments must be literals (or casts of them);
 * they are bound as text, like the extended protocol's parameters. */
static int
do_execute(NetSession *s, const PrExecute *ex, NetCursor **out, KErr *err)
{
    SqlPrepared *x = sql_prepared_find(s, ex->name);
    if (!x)
        return k_error_at(err, K_INVALID_SQL_STATEMENT_NAME, ex->hdr.pos, "prepared statement \"%s\" does not exist",
                          ex->name);
    uint32_t n = (uint32_t)pr_list_len(ex->params);
    NetParam params[64];
    if (n > K_ARRAY_LEN(params))
        return k_error_at(err, K_PROGRAM_LIMIT_EXCEEDED, ex->hdr.pos, "too many parameters for EXECUTE");
    for (uint32_t i = 0; i < n; i++) {
        const PrNode *a = ex->params->items[i];
        if (PR_IS(CastExpr, a)) a = PR_CAST(CastExpr, a)->arg;
        if (!PR_IS(Literal, a))
            return k_error_at(err, K_FEATURE_NOT_SUPPORTED, a->pos, "EXECUTE parameters must be constants");
        const PrLiteral *l = PR_CAST(Literal, a);
        params[i].is_null = l->kind == PR_LIT_NULL;
        params[i].text = l->text;
        params[i].len = l->len;
    }
    uint32_t want;
    const KType *types;
    if (net_prepared_params(x->p, 0, &want, &types, err)) return K_ERR;
    if (n != want)
        return k_error_at(err, K_SYNTAX_ERROR, ex->hdr.pos, "wrong number of parameters for prepared statement \"%s\"",
                          ex->name);
    if (net_prepared_count(x->p) == 0)
        return k_error_at(err, K_SYNTAX_ERROR, ex->hdr.pos, "prepared statement \"%s\" is empty", ex->name);
    return net_execute(s, x->p, 0, params, n, out, err);
}

/* ------------------------------------------------------------------ */
/* Execution                                                            */
/* ------------------------------------------------------------------ */
static int
fail(NetSession *s, int rc)
{
    if (rc != K_OK && s->txn == 'T') s->txn = 'E';
    return rc;
}

int
net_execute(NetSession *s, NetPrepared *p, uint32_t i, const NetParam *params, uint32_t nparams,
            NetCursor **out, KErr *err)
{
    if (i >= (uint32_t)p->stmts->n) return k_error(err, K_INTERNAL_ERROR, "statement index out of range");
    const PrNode *stmt = p->stmts->items[i].stmt;
    if (s->txn == 'E' && !PR_IS(Transaction, stmt)) {
        return k_error(err, K_IN_FAILED_SQL_TRANSACTION,
                       "current transaction is aborted, commands ignored until end of transaction block");
    }
    __atomic_store_n(&s->cancel, 0, __ATOMIC_SEQ_CST);
    if (PR_IS(Execute, stmt)) return fail(s, do_execute(s, PR_CAST(Execute, stmt), out, err));
    KArena *a = k_arena_create(s->arena, "cursor");
    if (!a) return k_error_oom(err, s->arena, sizeof(NetCursor));
    NetCursor *c = k_alloc0(a, sizeof *c);
    if (!c) {
        k_arena_destroy(a);
        return k_error_oom(err, s->arena, sizeof *c);
    }
    c->s = s;
    c->arena = a;
    int rc = K_OK;
    switch ((PrTag)stmt->tag) {
    case PR_T_Select: rc = net__query_start(s, p, i, params, nparams, c, err); break;
    case PR_T_Explain: rc = net__explain(s, PR_CAST(Explain, stmt), c, err); break;
    case PR_T_Insert: rc = net__insert(s, PR_CAST(Insert, stmt), params, nparams, c, err); break;
    case PR_T_Copy: rc = net__copy(s, PR_CAST(Copy, stmt), c, err); break;
    case PR_T_Set:
        rc = do_set(s, PR_CAST(Set, stmt), err);
        snprintf(c->tag, sizeof c->tag, "SET");
        break;
    case PR_T_Reset: {
        const PrReset *r = PR_CAST(Reset, stmt);
        if (r->name) {
            PrSet st;
            memset(&st, 0, sizeof st);
            st.name = r->name;
            rc = do_set(s, &st, err);
        } else {
            settings_free(s);
            net__settings_defaults(s);
        }
        snprintf(c->tag, sizeof c->tag, "RESET");
        break;
    }
    case PR_T_Show: rc = do_show(s, PR_CAST(Show, stmt), c, err); break;
    case PR_T_Prepare: rc = do_prepare(s, PR_CAST(Prepare, stmt), c, err); break;
    case PR_T_Deallocate: rc = do_deallocate(s, PR_CAST(Deallocate, stmt), c, err); break;
    case PR_T_Transaction: rc = do_transaction(s, PR_CAST(Transaction, stmt), c, err); break;
    case PR_T_CreateTable:
    case PR_T_CreateSchema:
    case PR_T_Drop:
    case PR_T_Truncate:
    case PR_T_Analyze:
    case PR_T_AlterTable:
    case PR_T_CreateIndex: rc = net__ddl(s, stmt, c, err); break;
    default:
        rc = k_error_at(err, K_FEATURE_NOT_SUPPORTED, stmt->pos, "%s statements are not supported yet",
                        pr_tag_name(stmt->tag));
        break;
    }
    if (rc != K_OK) {
        net_cursor_close(c);
        return fail(s, rc);
    }
    s->active = c;
    *out = c;
    return K_OK;
}

int
net_cursor_next(NetCursor *c, const KBatch **batch, KErr *err)
{
    *batch = NULL;
    if (c->queue) {
        int rc = net__query_next(c, batch, err);
        return fail(c->s, rc);
    }
    if (c->next_fixed < c->nfixed) *batch = c->fixed[c->next_fixed++];
    else if (!c->tag[0] && c->tag_verb) snprintf(c->tag, sizeof c->tag, "%s %llu", c->tag_verb, (unsigned long long)c->rows);
    return K_OK;
}

const NetColumn *
net_cursor_columns(const NetCursor *c, uint32_t *n)
{
    *n = c->ncols;
    return c->cols;
}

const char *
net_cursor_tag(const NetCursor *c)
{
    if (!c->tag[0] && c->tag_verb)
        snprintf(((NetCursor *)c)->tag, sizeof c->tag, "%s %llu", c->tag_verb, (unsigned long long)c->rows);
    if (!c->tag[0] && c->nfixed) snprintf(((NetCursor *)c)->tag, sizeof c->tag, "SELECT %llu", (unsigned long long)c->rows);
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
    if (c->copy != K_COPY_IN || !c->copy_in) return k_error(err, K_PROTOCOL_VIOLATION, "unexpected COPY data");
    if (__atomic_load_n(&c->s->cancel, __ATOMIC_SEQ_CST)) return fail(c->s, k_error(err, K_QUERY_CANCELED, "canceling statement due to user request"));
    if (st_copy_feed(c->copy_in, data, len, err)) {
        st_copy_cancel(c->copy_in);
        c->copy_in = NULL;
        net__load_abort(c->load);
        c->load = NULL;
        return fail(c->s, K_ERR);
    }
    return K_OK;
}

int
net_cursor_copy_done(NetCursor *c, KErr *err)
{
    if (c->copy != K_COPY_IN || !c->copy_in) return k_error(err, K_PROTOCOL_VIOLATION, "unexpected COPY done");
    uint64_t rows = 0;
    StCopy *cp = c->copy_in;
    c->copy_in = NULL;
    if (st_copy_end(cp, &rows, err)) {
        net__load_abort(c->load);
        c->load = NULL;
        return fail(c->s, K_ERR);
    }
    LoadCtx *l = c->load;
    c->load = NULL;
    if (net__load_commit(l, &rows, err)) return fail(c->s, K_ERR);
    c->copy = K_COPY_NONE;
    snprintf(c->tag, sizeof c->tag, "COPY %llu", (unsigned long long)rows);
    return K_OK;
}

void
net_cursor_copy_fail(NetCursor *c, const char *reason)
{
    (void)reason;
    if (c->copy_in) st_copy_cancel(c->copy_in);
    c->copy_in = NULL;
    if (c->load) net__load_abort(c->load);
    c->load = NULL;
    fail(c->s, K_ERR);
}

void
net_cursor_close(NetCursor *c)
{
    if (!c) return;
    if (c->queue) net__query_stop(c);
    if (c->copy_in) st_copy_cancel(c->copy_in);
    if (c->load) net__load_abort(c->load);
    if (c->s->active == c) c->s->active = NULL;
    k_arena_destroy(c->arena);
}
