/*
 * session.h — the contract between client protocol front ends (the
 * PostgreSQL wire protocol server in net/pgwire*.c) and the engine
 * (the coordinator, net/session.c: parse → plan → run fragments).
 *
 * The front end owns sockets and message framing; the engine owns SQL.
 * Everything here is blocking and must be called from an executor thread,
 * never from a libuv loop thread (the front end hands each statement to a
 * worker thread and wakes its loop with uv_async_send when output is ready).
 * One NetSession is used by one thread at a time, except
 * net_session_cancel(), which any thread may call.
 *
 * Life of a statement:
 *   net_prepare()           — parse SQL text (one or more statements)
 *   net_prepared_*()        — statement count, parameter types, columns
 *   net_execute()           — bind parameters, start statement i → cursor
 *   net_cursor_next()       — pull result batches until NULL (end)
 *   net_cursor_tag()        — "SELECT 5", "INSERT 0 3", "CREATE TABLE", ...
 *   net_cursor_close()      — always; closing early stops the query
 *
 * COPY FROM STDIN: net_cursor_copy_state() says K_COPY_IN after
 * net_execute(); the front end then feeds data with net_cursor_copy_data()
 * and finishes with net_cursor_copy_done() (or _copy_fail()), after which
 * the cursor ends with its tag ("COPY 1500"). COPY ... TO STDOUT reports
 * K_COPY_OUT and its batches carry one VARCHAR column of ready-made lines.
 */
#ifndef NET_SESSION_H
#define NET_SESSION_H

#include "common/kestrel.h"

typedef struct NetEngine NetEngine;
typedef struct NetSession NetSession;
typedef struct NetPrepared NetPrepared;
typedef struct NetCursor NetCursor;

typedef struct NetColumn {
    const char *name;
    KType type;
    uint32_t table_oid; /* 0 when not a plain table column */
    int16_t attnum;     /* 0 when not a plain table column */
} NetColumn;

/* A bound parameter: NULL when is_null, else text form in PostgreSQL
 * syntax (the front end converts binary parameters to text). */
typedef struct NetParam {
    bool is_null;
    const char *text;
    uint32_t len;
} NetParam;

typedef enum NetCopyState { K_COPY_NONE = 0, K_COPY_IN, K_COPY_OUT } NetCopyState;

/* Notices (e.g. "table will be distributed by ...") are delivered through
 * a callback set per session; it may be called from the executing thread
 * during any call below. */
typedef void (*NetNoticeFn)(void *ctx, const KErr *notice);

/* Open a session for (user, database). Settings sent in the startup packet
 * are applied with net_session_set(). */
K_MUSTCHECK int net_session_open(NetEngine *eng, const char *user, const char *database,
                                 NetSession **out, KErr *err);
void net_session_close(NetSession *s);
void net_session_set_notice(NetSession *s, NetNoticeFn fn, void *ctx);
K_MUSTCHECK int net_session_set(NetSession *s, const char *name, const char *value, KErr *err);
/* Current value of a setting (NULL if unknown), e.g. for ParameterStatus. */
const char *net_session_get(NetSession *s, const char *name);
/* Transaction status byte for ReadyForQuery: 'I', 'T' or 'E'. */
char net_session_txn_status(const NetSession *s);
/* The process id the front end reported to the client in BackendKeyData;
 * kestrel_queries shows it so a client can find its own query. */
void net_session_set_backend_pid(NetSession *s, int32_t pid);
/* Ask the statement running in `s` to stop (CancelRequest). Thread safe;
 * the running net_cursor_next() then fails with SQLSTATE 57014. */
void net_session_cancel(NetSession *s);

/* Parse SQL text holding zero or more statements. `param_types` gives the
 * types the client declared for $1..$n (K_TYPE_UNKNOWN to infer). The
 * result lives until net_prepared_free(). */
K_MUSTCHECK int net_prepare(NetSession *s, const char *sql, size_t len, const KType *param_types,
                            uint32_t nparam_types, NetPrepared **out, KErr *err);
void net_prepared_free(NetPrepared *p);
uint32_t net_prepared_count(const NetPrepared *p);
/* Parameter types of statement i after inference. */
K_MUSTCHECK int net_prepared_params(NetPrepared *p, uint32_t i, uint32_t *n, const KType **types,
                                    KErr *err);
/* Result columns of statement i; *n = 0 when it returns no rows. */
K_MUSTCHECK int net_prepared_columns(NetPrepared *p, uint32_t i, uint32_t *n,
                                     const NetColumn **cols, KErr *err);

/* Start statement i with its parameters. */
K_MUSTCHECK int net_execute(NetSession *s, NetPrepared *p, uint32_t i, const NetParam *params,
                            uint32_t nparams, NetCursor **out, KErr *err);
/* Next batch of result rows (only live rows count, see k_batch_rows), or
 * *batch = NULL at the end. The batch is valid until the next call. */
K_MUSTCHECK int net_cursor_next(NetCursor *c, const KBatch **batch, KErr *err);
const NetColumn *net_cursor_columns(const NetCursor *c, uint32_t *n);
const char *net_cursor_tag(const NetCursor *c);
NetCopyState net_cursor_copy_state(const NetCursor *c);
K_MUSTCHECK int net_cursor_copy_data(NetCursor *c, const void *data, size_t len, KErr *err);
K_MUSTCHECK int net_cursor_copy_done(NetCursor *c, KErr *err);
void net_cursor_copy_fail(NetCursor *c, const char *reason);
void net_cursor_close(NetCursor *c);

#endif /* NET_SESSION_H */
