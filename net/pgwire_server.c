/*
 * pgwire_server.c — the PostgreSQL protocol server: libuv loop, framing,
 * TLS, cancel requests, executor pool and output back-pressure.
 *
 * Interface routines: net_pg_config_default, net_pg_server_start,
 * net_pg_server_port, net_pg_server_stats, net_pg_server_stop, and for
 * pgwire_proto.c net__conn_flush, net__conn_request_close,
 * net__conn_set_authed, net__conn_set_session, net__conn_is_dead.
 *
 * Notes:
 *   - The loop thread never calls the engine (except the thread-safe
 *     net_session_cancel). It reads a frame only when it is complete: the
 *     startup packet (length + code) first, then typed messages. Bad lengths
 *     answer a FATAL 08P01 ErrorResponse and close; the server keeps going.
 *   - Executors pull connections off a FIFO work queue; a connection is
 *     queued when a message arrives for it and it is not already scheduled.
 *   - Output: executors queue whole-message chunks and wake the loop with
 *     uv_async_send (which coalesces, so the loop drains every ready
 *     connection). An executor waits while pending output exceeds
 *     cfg.max_pending_output; write callbacks wake it. Inbound: reading
 *     pauses while a connection has more than 4 MiB of unprocessed input.
 *   - Lifetime: a connection is freed on the loop once its handle is closed
 *     and its executor-side state is released (exec_done), whichever comes
 *     last. Every close path marks it dead and schedules it, so the release
 *     always runs on an executor (net_session_close is an engine call).
 *   - Stop: the loop closes the listener and every connection, then its
 *     async handle once the last connection is freed; uv_run then returns
 *     and the executor threads are joined.
 */
#include "net/pgwire_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define NET_INBOUND_PAUSE  (4u << 20)
#define NET_INBOUND_RESUME (1u << 20)
#define NET_READ_CHUNK     65536

typedef struct WriteReq {
    uv_write_t req;
    NetPgConn *c;
    size_t acct; /* plaintext bytes this write completes, for pending_out */
    size_t len;
    uint8_t data[];
} WriteReq;

static void conn_close(NetPgConn *c);
static void loop_write_raw(NetPgConn *c, const void *p, size_t n, size_t acct);
static void loop_write(NetPgConn *c, const void *p, size_t n, size_t acct);
static void *executor_main(void *arg);

void
net_pg_config_default(NetPgConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->host = "127.0.0.1";
    cfg->port = 5433;
    cfg->executor_threads = 16;
    cfg->max_executor_threads = 256;
    cfg->max_connections = 1000;
    cfg->max_message_len = 64u << 20;
    cfg->max_pending_output = 1u << 20;
    cfg->backlog = 511;
    cfg->auth_timeout_ms = 60000;
}

/* ------------------------------------------------------------------ */
/* Work queue and ready list                                            */
/* ------------------------------------------------------------------ */
/* Caller holds c->mu. Queue c for an executor unless it is already. */
static void
schedule_locked(NetPgConn *c)
{
    if (c->scheduled) return;
    c->scheduled = true;
    NetPgServer *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    c->work_next = NULL;
    if (srv->work_tail)
        srv->work_tail->work_next = c;
    else
        srv->work_head = c;
    srv->work_tail = c;
    /* Every executor is inside a statement: grow the pool (up to its
     * maximum) so that a burst of long queries does not keep other clients
     * from even logging in. Threads stay until the server stops. */
    srv->nwork++;
    if (srv->nwork > srv->idle_threads && srv->nthreads < srv->cfg.max_executor_threads) {
        if (pthread_create(&srv->threads[srv->nthreads], NULL, executor_main, srv) == 0) {
            srv->nthreads++;
            srv->idle_threads++; /* the new thread is idle until it takes a job */
        }
    }
    pthread_cond_signal(&srv->work_cv);
    pthread_mutex_unlock(&srv->mu);
}

/* Caller holds srv->mu. */
static void
ready_locked(NetPgConn *c)
{
    if (c->in_ready) return;
    c->in_ready = true;
    c->ready_next = c->srv->ready_head;
    c->srv->ready_head = c;
}

static void
wake_loop(NetPgConn *c)
{
    /* send under srv->mu: the loop closes `wake` only under it, after the
     * last connection is gone */
    pthread_mutex_lock(&c->srv->mu);
    ready_locked(c);
    uv_async_send(&c->srv->wake);
    pthread_mutex_unlock(&c->srv->mu);
}

/* ------------------------------------------------------------------ */
/* Executor side                                                        */
/* ------------------------------------------------------------------ */
int
net__conn_flush(NetPgConn *c)
{
    if (c->out.failed) {
        k_buf_clear(&c->out);
        c->out.failed = false;
        pthread_mutex_lock(&c->mu);
        c->dead = true;
        pthread_mutex_unlock(&c->mu);
        k_warn("pgwire: out of memory building output for connection %d", (int)c->pid);
        net__conn_request_close(c);
        return K_ERR;
    }
    if (c->out.len) {
        NetPgChunk *ch = malloc(sizeof *ch + c->out.len);
        pthread_mutex_lock(&c->mu);
        if (c->dead || !ch) {
            pthread_mutex_unlock(&c->mu);
            free(ch);
            k_buf_clear(&c->out);
            return K_ERR;
        }
        ch->next = NULL;
        ch->len = c->out.len;
        memcpy(ch->data, c->out.data, c->out.len);
        if (c->out_tail)
            c->out_tail->next = ch;
        else
            c->out_head = ch;
        c->out_tail = ch;
        c->pending_out += ch->len;
        size_t pending = c->pending_out;
        pthread_mutex_unlock(&c->mu);
        pthread_mutex_lock(&c->srv->mu);
        if (pending > c->srv->stats.peak_pending_output)
            c->srv->stats.peak_pending_output = pending;
        pthread_mutex_unlock(&c->srv->mu);
        /* keep idle connections small: drop a big buffer, reuse a small one */
        if (c->out.cap > (256u << 10)) {
            k_buf_free(&c->out);
            k_buf_init(&c->out);
        } else {
            k_buf_clear(&c->out);
        }
        wake_loop(c);
    }
    pthread_mutex_lock(&c->mu);
    while (!c->dead && c->pending_out > c->srv->cfg.max_pending_output)
        pthread_cond_wait(&c->cv, &c->mu);
    bool dead = c->dead;
    pthread_mutex_unlock(&c->mu);
    return dead ? K_ERR : K_OK;
}

void
net__conn_request_close(NetPgConn *c)
{
    if (net__conn_flush(c) != K_OK) {
        /* already dead: the loop is closing it */
    }
    pthread_mutex_lock(&c->mu);
    c->close_requested = true;
    pthread_mutex_unlock(&c->mu);
    wake_loop(c);
}

void
net__conn_set_authed(NetPgConn *c)
{
    pthread_mutex_lock(&c->mu);
    c->authed = true;
    pthread_mutex_unlock(&c->mu);
}

void
net__conn_set_session(NetPgConn *c, NetSession *s)
{
    pthread_mutex_lock(&c->mu);
    c->session = s;
    pthread_mutex_unlock(&c->mu);
}

bool
net__conn_is_dead(NetPgConn *c)
{
    pthread_mutex_lock(&c->mu);
    bool d = c->dead;
    pthread_mutex_unlock(&c->mu);
    return d;
}

/* Run one scheduled connection until its inbound queue is empty. */
static void
run_conn(NetPgConn *c)
{
    for (;;) {
        pthread_mutex_lock(&c->mu);
        if (c->dead) {
            pthread_mutex_unlock(&c->mu);
            net__proto_destroy(c);
            k_buf_free(&c->out);
            NetPgServer *srv = c->srv;
            pthread_mutex_lock(&srv->mu);
            c->exec_done = true;
            ready_locked(c);
            uv_async_send(&srv->wake);
            pthread_mutex_unlock(&srv->mu);
            return; /* c may be freed from here on */
        }
        NetPgMsg *m = c->in_head;
        if (!m) {
            c->scheduled = false;
            pthread_mutex_unlock(&c->mu);
            return;
        }
        c->in_head = m->next;
        if (!c->in_head) c->in_tail = NULL;
        c->in_bytes -= m->len;
        bool resume = false;
        if (c->in_bytes < NET_INBOUND_RESUME && !c->want_read) {
            c->want_read = true;
            resume = true;
        }
        pthread_mutex_unlock(&c->mu);
        if (resume) wake_loop(c);
        if (m->eof) {
            /* everything the client sent before closing has been answered */
            free(m);
            net__conn_request_close(c);
            continue;
        }
        net__proto_handle(c, m);
        free(m);
        /* Pipelined messages (Parse/Bind/Execute/Sync) share one write:
         * flush when nothing more is queued, or when the output is big. */
        pthread_mutex_lock(&c->mu);
        bool more = c->in_head != NULL && !c->dead;
        pthread_mutex_unlock(&c->mu);
        if (more && c->out.len < (64u << 10)) continue;
        if (net__conn_flush(c) != K_OK) {
            /* dead: the next turn releases it */
        }
    }
}

static void *
executor_main(void *arg)
{
    NetPgServer *srv = arg;
    bool counted = true; /* whoever started this thread counted it idle */
    for (;;) {
        pthread_mutex_lock(&srv->mu);
        if (!counted) srv->idle_threads++;
        counted = false;
        while (!srv->work_head && !srv->pool_shutdown) pthread_cond_wait(&srv->work_cv, &srv->mu);
        srv->idle_threads--;
        if (!srv->work_head) {
            pthread_mutex_unlock(&srv->mu);
            return NULL;
        }
        NetPgConn *c = srv->work_head;
        srv->work_head = c->work_next;
        srv->nwork--;
        if (!srv->work_head) srv->work_tail = NULL;
        pthread_mutex_unlock(&srv->mu);
        run_conn(c);
    }
}

/* ------------------------------------------------------------------ */
/* Loop side: connection lifetime                                       */
/* ------------------------------------------------------------------ */
/* When stopping and nothing is left, close the async handle so that the
 * loop ends. Taken under srv->mu, which every uv_async_send holds. */
static void
maybe_close_wake(NetPgServer *srv)
{
    if (!srv->loop_stopping || srv->nconns || !srv->listener_closed) return;
    pthread_mutex_lock(&srv->mu);
    if (!uv_is_closing((uv_handle_t *)&srv->wake)) uv_close((uv_handle_t *)&srv->wake, NULL);
    pthread_mutex_unlock(&srv->mu);
}

static void
conn_free(NetPgConn *c)
{
    NetPgServer *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->nconns--;
    NetPgMsg *m = c->in_head;
    while (m) {
        NetPgMsg *n = m->next;
        free(m);
        m = n;
    }
    NetPgChunk *ch = c->out_head;
    while (ch) {
        NetPgChunk *n = ch->next;
        free(ch);
        ch = n;
    }
    k_buf_free(&c->rbuf);
    if (c->ssl) SSL_free(c->ssl); /* frees both BIOs */
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_lock(&srv->mu);
    srv->stats.connections_open--;
    pthread_mutex_unlock(&srv->mu);
    free(c);
    maybe_close_wake(srv);
}

static void
maybe_free(NetPgConn *c)
{
    if (c->handles_open) return;
    pthread_mutex_lock(&c->srv->mu);
    bool done = c->exec_done && !c->in_ready;
    pthread_mutex_unlock(&c->srv->mu);
    if (done) conn_free(c);
}

static void
on_closed(uv_handle_t *h)
{
    NetPgConn *c = h->data;
    c->handles_open--;
    maybe_free(c);
}

/* Close the socket and have an executor release the protocol state. */
static void
conn_close(NetPgConn *c)
{
    if (c->closing) return;
    c->closing = true;
    pthread_mutex_lock(&c->mu);
    c->dead = true;
    if (c->session) net_session_cancel(c->session);
    pthread_cond_broadcast(&c->cv);
    schedule_locked(c);
    pthread_mutex_unlock(&c->mu);
    uv_close(&c->h.handle, on_closed);
    uv_close((uv_handle_t *)&c->auth_timer, on_closed);
}

/* A FATAL error written straight from the loop (before any executor ran). */
static void
loop_fatal(NetPgConn *c, KSqlState code, const char *msg)
{
    KErr e;
    k_err_clear(&e);
    k_error(&e, code, "%s", msg);
    e.severity = K_SEV_FATAL;
    KBuf b;
    k_buf_init(&b);
    net__put_error(&b, &e, false, NULL, 0);
    if (!b.failed) loop_write(c, b.data, b.len, 0); /* through TLS when it is on */
    k_buf_free(&b);
    pthread_mutex_lock(&c->srv->mu);
    c->srv->stats.connections_refused++;
    pthread_mutex_unlock(&c->srv->mu);
    c->close_when_written = true;
    if (!c->writes_inflight)
        conn_close(c);
    else
        uv_read_stop(&c->h.stream);
}

/* ------------------------------------------------------------------ */
/* Loop side: writing                                                   */
/* ------------------------------------------------------------------ */
static void
on_written(uv_write_t *req, int status)
{
    WriteReq *w = (WriteReq *)req;
    NetPgConn *c = w->c;
    c->writes_inflight--;
    if (w->acct) {
        pthread_mutex_lock(&c->mu);
        c->pending_out -= w->acct;
        if (c->pending_out <= c->srv->cfg.max_pending_output) pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    free(w);
    if (c->closing) return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->close_when_written && c->writes_inflight == 0) conn_close(c);
}

static void
loop_write_raw(NetPgConn *c, const void *p, size_t n, size_t acct)
{
    if (c->closing) goto drop;
    WriteReq *w = malloc(sizeof *w + n);
    if (!w) goto drop;
    w->c = c;
    w->acct = acct;
    w->len = n;
    memcpy(w->data, p, n);
    uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)n);
    if (uv_write(&w->req, &c->h.stream, &buf, 1, on_written) != 0) {
        free(w);
        goto drop;
    }
    c->writes_inflight++;
    pthread_mutex_lock(&c->srv->mu);
    c->srv->stats.bytes_out += n;
    pthread_mutex_unlock(&c->srv->mu);
    return;
drop:
    if (acct) {
        pthread_mutex_lock(&c->mu);
        c->pending_out -= acct;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    if (!c->closing) conn_close(c);
}

/* Move ciphertext the TLS engine produced onto the socket. */
static void
tls_flush(NetPgConn *c, size_t acct)
{
    char buf[16384];
    int n;
    bool any = false;
    while ((n = BIO_read(c->wbio, buf, sizeof buf)) > 0) {
        bool last = BIO_ctrl_pending(c->wbio) == 0;
        loop_write_raw(c, buf, (size_t)n, last ? acct : 0);
        if (last) acct = 0;
        any = true;
    }
    if (acct) {
        /* nothing to send (cannot happen for non-empty input); settle */
        pthread_mutex_lock(&c->mu);
        c->pending_out -= acct;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    (void)any;
}

static void
loop_write(NetPgConn *c, const void *p, size_t n, size_t acct)
{
    if (!c->ssl) {
        loop_write_raw(c, p, n, acct);
        return;
    }
    size_t off = 0;
    while (off < n) {
        int w = SSL_write(c->ssl, (const char *)p + off, (int)K_MIN(n - off, (size_t)1 << 20));
        if (w <= 0) {
            pthread_mutex_lock(&c->mu);
            c->pending_out -= acct;
            pthread_cond_broadcast(&c->cv);
            pthread_mutex_unlock(&c->mu);
            conn_close(c);
            return;
        }
        off += (size_t)w;
    }
    tls_flush(c, acct);
}

static void
on_listener_closed(uv_handle_t *h)
{
    NetPgServer *srv = h->data;
    if (--srv->listeners_open == 0) srv->listener_closed = true;
    maybe_close_wake(srv);
}

/* Drain the ready list: write queued output, honour close requests,
 * resume reading, free finished connections. */
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

static void
on_wake(uv_async_t *a)
{
    NetPgServer *srv = a->data;
    /* Copy the ready list out under the lock: once in_ready is cleared an
     * executor may link the connection into the next list, so its
     * ready_next must not be followed after that. */
    pthread_mutex_lock(&srv->mu);
    uint32_t n = 0;
    for (NetPgConn *c = srv->ready_head; c; c = c->ready_next) n++;
    if (n > srv->ready_cap) {
        uint32_t cap = n < 64 ? 64 : n * 2;
        NetPgConn **v = realloc(srv->ready_vec, cap * sizeof *v);
        if (v) {
            srv->ready_vec = v;
            srv->ready_cap = cap;
        } else {
            n = srv->ready_cap; /* take what fits; the rest stays queued */
        }
    }
    uint32_t k = 0;
    while (k < n && srv->ready_head) {
        NetPgConn *c = srv->ready_head;
        srv->ready_head = c->ready_next;
        c->in_ready = false;
        srv->ready_vec[k++] = c;
    }
    if (srv->ready_head) uv_async_send(&srv->wake); /* come back for the rest */
    pthread_mutex_unlock(&srv->mu);
    for (uint32_t i = 0; i < k; i++) {
        NetPgConn *c = srv->ready_vec[i];
        pthread_mutex_lock(&c->mu);
        NetPgChunk *chunks = c->out_head;
        c->out_head = c->out_tail = NULL;
        bool close_req = c->close_requested;
        bool want_read = c->want_read;
        c->want_read = false;
        pthread_mutex_unlock(&c->mu);
        while (chunks) {
            NetPgChunk *nx = chunks->next;
            if (c->closing) {
                pthread_mutex_lock(&c->mu);
                c->pending_out -= chunks->len;
                pthread_cond_broadcast(&c->cv);
                pthread_mutex_unlock(&c->mu);
            } else {
                loop_write(c, chunks->data, chunks->len, chunks->len);
            }
            free(chunks);
            chunks = nx;
        }
        if (!c->closing && close_req) {
            c->close_when_written = true;
            uv_read_stop(&c->h.stream);
            if (!c->writes_inflight) conn_close(c);
        }
        if (!c->closing && want_read && c->read_paused && !c->close_when_written && !c->eof) {
            c->read_paused = false;
            uv_read_start(&c->h.stream, on_alloc, on_read);
        }
        if (c->closing) maybe_free(c);
    }
    pthread_mutex_lock(&srv->mu);
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    if (stopping) {
        srv->loop_stopping = true;
        if (!uv_is_closing((uv_handle_t *)&srv->listener))
            uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
        if (srv->have_pipe && !uv_is_closing((uv_handle_t *)&srv->plistener))
            uv_close((uv_handle_t *)&srv->plistener, on_listener_closed);
        for (NetPgConn *c = srv->conns; c; c = c->next)
            if (!c->closing) conn_close(c);
        maybe_close_wake(srv);
    }
}

/* ------------------------------------------------------------------ */
/* Loop side: reading and framing                                       */
/* ------------------------------------------------------------------ */
static char read_space[NET_READ_CHUNK]; /* the loop thread's only; one loop per process */

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    *buf = uv_buf_init(read_space, sizeof read_space);
}

static uint32_t
be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
enqueue_msg(NetPgConn *c, char type, const uint8_t *body, uint32_t len)
{
    NetPgMsg *m = malloc(sizeof *m + len + 1);
    if (!m) {
        loop_fatal(c, K_OUT_OF_MEMORY, "out of memory");
        return;
    }
    m->next = NULL;
    m->eof = body == NULL;
    m->type = type;
    m->len = len;
    if (len) memcpy(m->body, body, len);
    m->body[len] = 0;
    pthread_mutex_lock(&c->srv->mu);
    c->srv->stats.messages_in++;
    pthread_mutex_unlock(&c->srv->mu);
    pthread_mutex_lock(&c->mu);
    if (c->in_tail)
        c->in_tail->next = m;
    else
        c->in_head = m;
    c->in_tail = m;
    c->in_bytes += len;
    bool pause = c->in_bytes > NET_INBOUND_PAUSE;
    if (pause) c->want_read = false;
    schedule_locked(c);
    pthread_mutex_unlock(&c->mu);
    if (pause && !c->read_paused) {
        c->read_paused = true;
        uv_read_stop(&c->h.stream);
    }
}

static void
handle_cancel(NetPgConn *c, const uint8_t *p)
{
    int32_t pid = (int32_t)be32(p + 8), key = (int32_t)be32(p + 12);
    NetPgServer *srv = c->srv;
    pthread_mutex_lock(&srv->mu);
    srv->stats.cancel_requests++;
    pthread_mutex_unlock(&srv->mu);
    for (NetPgConn *t = srv->conns; t; t = t->next) {
        if (t == c || t->pid != pid) continue;
        pthread_mutex_lock(&t->mu);
        if (t->key == key && t->session && !t->dead) net_session_cancel(t->session);
        pthread_mutex_unlock(&t->mu);
        break;
    }
}

static int
tls_begin(NetPgConn *c)
{
    c->ssl = SSL_new(c->srv->ssl_ctx);
    if (!c->ssl) return K_ERR;
    c->rbio = BIO_new(BIO_s_mem());
    c->wbio = BIO_new(BIO_s_mem());
    if (!c->rbio || !c->wbio) {
        BIO_free(c->rbio);
        BIO_free(c->wbio);
        c->rbio = c->wbio = NULL;
        return K_ERR;
    }
    SSL_set_bio(c->ssl, c->rbio, c->wbio);
    SSL_set_accept_state(c->ssl);
    return K_OK;
}

/* Consume as many whole frames from p[0..n) as there are; returns bytes
 * used, or -1 after a fatal protocol error (the connection is closing). */
static ssize_t
parse_frames(NetPgConn *c, const uint8_t *p, size_t n)
{
    size_t used = 0;
    while (!c->closing && !c->close_when_written) {
        const uint8_t *f = p + used;
        size_t left = n - used;
        if (c->phase == NET_PHASE_STARTUP) {
            if (left < 4) break;
            uint32_t len = be32(f);
            if (len < 8 || len > NET_PG_MAX_STARTUP_LEN) {
                loop_fatal(c, K_PROTOCOL_VIOLATION, "invalid length of startup packet");
                return -1;
            }
            if (left < len) break;
            uint32_t code = be32(f + 4);
            used += len;
            if (code == NET_PG_SSL_REQUEST || code == NET_PG_GSSENC_REQUEST) {
                if (len != 8) {
                    loop_fatal(c, K_PROTOCOL_VIOLATION, "invalid length of startup packet");
                    return -1;
                }
                if (code == NET_PG_SSL_REQUEST && c->srv->ssl_ctx && !c->ssl) {
                    if (used != n) {
                        /* bytes after SSLRequest would bypass encryption */
                        loop_fatal(c, K_PROTOCOL_VIOLATION,
                                   "received unencrypted data after SSL request");
                        return -1;
                    }
                    loop_write_raw(c, "S", 1, 0);
                    if (tls_begin(c) != K_OK) {
                        conn_close(c);
                        return -1;
                    }
                    return (ssize_t)used;
                }
                loop_write_raw(c, "N", 1, 0);
                continue;
            }
            if (code == NET_PG_CANCEL_REQUEST) {
                if (len == 16) handle_cancel(c, f);
                c->close_when_written = true;
                if (!c->writes_inflight) conn_close(c);
                return -1;
            }
            if ((code >> 16) != 3) {
                char msg[128];
                snprintf(msg, sizeof msg,
                         "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0",
                         code >> 16, code & 0xffff);
                loop_fatal(c, K_FEATURE_NOT_SUPPORTED, msg);
                return -1;
            }
            enqueue_msg(c, 0, f + 4, len - 4);
            c->phase = NET_PHASE_MSGS;
            continue;
        }
        if (left < 5) break;
        uint32_t len = be32(f + 1);
        pthread_mutex_lock(&c->mu);
        bool authed = c->authed;
        pthread_mutex_unlock(&c->mu);
        uint32_t limit = authed ? c->srv->cfg.max_message_len : NET_PG_MAX_STARTUP_LEN;
        if (len < 4 || len - 4 > limit) {
            char msg[96];
            snprintf(msg, sizeof msg, "invalid message length %u for message type 0x%02x", len,
                     f[0]);
            loop_fatal(c, K_PROTOCOL_VIOLATION, msg);
            return -1;
        }
        if (left < (size_t)len + 1) break;
        enqueue_msg(c, (char)f[0], f + 5, len - 4);
        used += (size_t)len + 1;
    }
    return (ssize_t)used;
}

/* Feed plaintext bytes: parse straight from the read buffer when no partial
 * frame is pending; keep only the incomplete tail. */
static void
feed(NetPgConn *c, const uint8_t *p, size_t n)
{
    if (c->rbuf.len == 0) {
        ssize_t used = parse_frames(c, p, n);
        if (used < 0) return;
        if ((size_t)used < n) {
            k_buf_put(&c->rbuf, p + used, n - (size_t)used);
            if (c->rbuf.failed) loop_fatal(c, K_OUT_OF_MEMORY, "out of memory");
        }
        return;
    }
    k_buf_put(&c->rbuf, p, n);
    if (c->rbuf.failed) {
        loop_fatal(c, K_OUT_OF_MEMORY, "out of memory");
        return;
    }
    ssize_t used = parse_frames(c, c->rbuf.data, c->rbuf.len);
    if (used < 0) return;
    size_t rest = c->rbuf.len - (size_t)used;
    if (rest == 0) {
        k_buf_free(&c->rbuf);
        k_buf_init(&c->rbuf);
    } else if (used > 0) {
        memmove(c->rbuf.data, c->rbuf.data + used, rest);
        c->rbuf.len = rest;
    }
}

static void
on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    NetPgConn *c = s->data;
    if (nread == UV_EOF && !c->closing && !c->close_when_written) {
        /* A half close: answer what was sent before it (as PostgreSQL
         * does), then close. A statement still running is not cancelled;
         * a failed write or a reset connection does cancel it. */
        uv_read_stop(s);
        c->read_paused = true;
        c->eof = true;
        enqueue_msg(c, 0, NULL, 0);
        return;
    }
    if (nread < 0) {
        conn_close(c);
        return;
    }
    if (nread == 0 || c->closing) return;
    pthread_mutex_lock(&c->srv->mu);
    c->srv->stats.bytes_in += (uint64_t)nread;
    pthread_mutex_unlock(&c->srv->mu);
    if (!c->ssl) {
        feed(c, (const uint8_t *)buf->base, (size_t)nread);
        return;
    }
    if (BIO_write(c->rbio, buf->base, (int)nread) != (int)nread) {
        conn_close(c);
        return;
    }
    char plain[16384];
    for (;;) {
        int r = SSL_read(c->ssl, plain, sizeof plain);
        if (r > 0) {
            feed(c, (const uint8_t *)plain, (size_t)r);
            if (c->closing) return;
            continue;
        }
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ) break;
        if (e == SSL_ERROR_ZERO_RETURN) {
            conn_close(c);
            return;
        }
        unsigned long ec = ERR_get_error();
        char eb[160];
        ERR_error_string_n(ec, eb, sizeof eb);
        k_debug("pgwire: TLS error on connection %d: %s", (int)c->pid, eb);
        ERR_clear_error();
        tls_flush(c, 0); /* a TLS alert, if any */
        c->close_when_written = true;
        if (!c->writes_inflight) conn_close(c);
        return;
    }
    tls_flush(c, 0); /* handshake records */
}

/* A client that has not completed startup and authentication in time is
 * dropped, as PostgreSQL's authentication_timeout does. */
static void
on_auth_timeout(uv_timer_t *t)
{
    NetPgConn *c = t->data;
    pthread_mutex_lock(&c->mu);
    bool authed = c->authed;
    pthread_mutex_unlock(&c->mu);
    if (authed || c->closing || c->close_when_written) return;
    loop_fatal(c, K_QUERY_CANCELED, "canceling authentication due to timeout");
}

static bool
is_loopback(const struct sockaddr_storage *ss, char *peer, size_t cap)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)ss;
        inet_ntop(AF_INET, &a->sin_addr, peer, (socklen_t)cap);
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, peer, (socklen_t)cap);
        if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return true;
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) return a->sin6_addr.s6_addr[12] == 127;
        return false;
    }
    snprintf(peer, cap, "local");
    return true;
}

static void
on_connection(uv_stream_t *server, int status)
{
    NetPgServer *srv = server->data;
    if (status < 0) {
        k_warn("pgwire: accept failed: %s", uv_strerror(status));
        return;
    }
    NetPgConn *c = calloc(1, sizeof *c);
    if (!c) return;
    c->srv = srv;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    k_buf_init(&c->rbuf);
    k_buf_init(&c->out);
    bool local = server->type == UV_NAMED_PIPE;
    if (local)
        uv_pipe_init(&srv->loop, &c->h.pipe, 0);
    else
        uv_tcp_init(&srv->loop, &c->h.tcp);
    c->h.handle.data = c;
    uv_timer_init(&srv->loop, &c->auth_timer);
    c->auth_timer.data = c;
    c->handles_open = 2;
    c->pid = ++srv->next_pid;
    if (RAND_bytes((unsigned char *)&c->key, sizeof c->key) != 1) c->key = (int32_t)k_now_ns();
    c->next = srv->conns;
    if (srv->conns) srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;
    pthread_mutex_lock(&srv->mu);
    srv->stats.connections_accepted++;
    srv->stats.connections_open++;
    pthread_mutex_unlock(&srv->mu);
    if (uv_accept(server, &c->h.stream) != 0) {
        conn_close(c);
        return;
    }
    if (local) {
        /* a Unix-domain socket is as local as loopback */
        c->loopback = true;
        snprintf(c->peer, sizeof c->peer, "[local]");
    } else {
        struct sockaddr_storage ss;
        int sl = sizeof ss;
        memset(&ss, 0, sizeof ss);
        if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&ss, &sl) == 0)
            c->loopback = is_loopback(&ss, c->peer, sizeof c->peer);
        uv_tcp_nodelay(&c->h.tcp, 1);
    }
    if (srv->loop_stopping) {
        loop_fatal(c, K_ADMIN_SHUTDOWN, "the database system is shutting down");
        return;
    }
    if (srv->nconns > srv->cfg.max_connections) {
        loop_fatal(c, K_TOO_MANY_CONNECTIONS, "sorry, too many clients already");
        return;
    }
    if (srv->cfg.auth_timeout_ms)
        uv_timer_start(&c->auth_timer, on_auth_timeout, srv->cfg.auth_timeout_ms, 0);
    uv_read_start(&c->h.stream, on_alloc, on_read);
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                       */
/* ------------------------------------------------------------------ */
static void
loop_main(void *arg)
{
    NetPgServer *srv = arg;
    uv_run(&srv->loop, UV_RUN_DEFAULT);
}

static void
server_free(NetPgServer *srv)
{
    free(srv->host);
    free(srv->users_file);
    free(srv->cert);
    free(srv->key);
    if (srv->sock_bound) unlink(srv->sockpath);
    free(srv->sockdir);
    net__users_free(&srv->users);
    if (srv->ssl_ctx) SSL_CTX_free(srv->ssl_ctx);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->work_cv);
    free(srv->threads);
    free(srv->ready_vec);
    free(srv);
}

static char *
dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int
tls_setup(NetPgServer *srv, KErr *err)
{
    srv->ssl_ctx = SSL_CTX_new(TLS_server_method());
    if (!srv->ssl_ctx) return k_error(err, K_INTERNAL_ERROR, "could not create TLS context");
    SSL_CTX_set_min_proto_version(srv->ssl_ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(srv->ssl_ctx, srv->cert) != 1)
        return k_error(err, K_CONFIG_FILE_ERROR, "could not load server certificate file \"%s\"",
                       srv->cert);
    if (SSL_CTX_use_PrivateKey_file(srv->ssl_ctx, srv->key, SSL_FILETYPE_PEM) != 1)
        return k_error(err, K_CONFIG_FILE_ERROR, "could not load private key file \"%s\"",
                       srv->key);
    if (SSL_CTX_check_private_key(srv->ssl_ctx) != 1)
        return k_error(err, K_CONFIG_FILE_ERROR, "private key does not match the certificate");
    return K_OK;
}

int
net_pg_server_start(NetEngine *eng, const NetPgConfig *cfg_in, NetPgServer **out, KErr *err)
{
    *out = NULL;
    NetPgConfig defaults;
    net_pg_config_default(&defaults);
    NetPgServer *srv = calloc(1, sizeof *srv);
    if (!srv) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    srv->eng = eng;
    srv->cfg = cfg_in ? *cfg_in : defaults;
    NetPgConfig *cfg = &srv->cfg;
    if (!cfg->host) cfg->host = defaults.host;
    if (!cfg->executor_threads) cfg->executor_threads = defaults.executor_threads;
    if (cfg->max_executor_threads < cfg->executor_threads)
        cfg->max_executor_threads = K_MAX(cfg->executor_threads, defaults.max_executor_threads);
    if (!cfg->max_connections) cfg->max_connections = defaults.max_connections;
    if (!cfg->max_message_len) cfg->max_message_len = defaults.max_message_len;
    if (!cfg->max_pending_output) cfg->max_pending_output = defaults.max_pending_output;
    if (cfg->backlog <= 0) cfg->backlog = defaults.backlog;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->work_cv, NULL);
    srv->host = dup_or_null(cfg->host);
    srv->users_file = dup_or_null(cfg->users_file);
    srv->cert = dup_or_null(cfg->tls_cert_file);
    srv->key = dup_or_null(cfg->tls_key_file);
    srv->sockdir = dup_or_null(cfg->unix_socket_dir);
    cfg->unix_socket_dir = srv->sockdir;
    cfg->host = srv->host;
    cfg->users_file = srv->users_file;
    cfg->tls_cert_file = srv->cert;
    cfg->tls_key_file = srv->key;
    if (srv->users_file) {
        if (net__users_load(srv->users_file, &srv->users, err) != K_OK) goto fail;
        srv->have_users = true;
    }
    if (srv->cert && srv->key && tls_setup(srv, err) != K_OK) goto fail;

    int rc = uv_loop_init(&srv->loop);
    if (rc) {
        k_error(err, K_INTERNAL_ERROR, "could not start the event loop: %s", uv_strerror(rc));
        goto fail;
    }
    uv_tcp_init(&srv->loop, &srv->listener);
    srv->listener.data = srv;
    uv_async_init(&srv->loop, &srv->wake, on_wake);
    srv->wake.data = srv;
    struct sockaddr_storage addr;
    if (uv_ip4_addr(srv->host, cfg->port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(srv->host, cfg->port, (struct sockaddr_in6 *)&addr) != 0) {
        k_error(err, K_CONNECTION_EXCEPTION, "invalid listen address \"%s\"", srv->host);
        goto fail_loop;
    }
    rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
    if (!rc) rc = uv_listen((uv_stream_t *)&srv->listener, cfg->backlog, on_connection);
    if (rc) {
        k_error(err, K_CONNECTION_EXCEPTION, "could not listen on %s port %d: %s", srv->host,
                cfg->port, uv_strerror(rc));
        goto fail_loop;
    }
    struct sockaddr_storage bound;
    int bl = sizeof bound;
    srv->port = cfg->port;
    if (uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &bl) == 0)
        srv->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                      : ((struct sockaddr_in *)&bound)->sin_port);

    srv->listeners_open = 1;
    if (srv->sockdir) {
        /* PostgreSQL's name, so that `psql -h DIR -p PORT` finds it */
        snprintf(srv->sockpath, sizeof srv->sockpath, "%s/.s.PGSQL.%d", srv->sockdir, srv->port);
        struct stat st;
        if (lstat(srv->sockpath, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(srv->sockpath);
        uv_pipe_init(&srv->loop, &srv->plistener, 0);
        srv->plistener.data = srv;
        srv->have_pipe = true;
        srv->listeners_open = 2;
        rc = uv_pipe_bind(&srv->plistener, srv->sockpath);
        if (!rc) rc = uv_listen((uv_stream_t *)&srv->plistener, cfg->backlog, on_connection);
        if (rc) {
            k_error(err, K_CONNECTION_EXCEPTION, "could not listen on Unix socket \"%s\": %s",
                    srv->sockpath, uv_strerror(rc));
            goto fail_loop;
        }
        srv->sock_bound = true;
        chmod(srv->sockpath, 0777); /* access is decided by authentication */
    }

    srv->threads = calloc(cfg->max_executor_threads, sizeof *srv->threads);
    if (!srv->threads) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto fail_loop;
    }
    for (uint32_t i = 0; i < cfg->executor_threads; i++) {
        pthread_mutex_lock(&srv->mu);
        srv->idle_threads++;
        pthread_mutex_unlock(&srv->mu);
        if (pthread_create(&srv->threads[i], NULL, executor_main, srv) != 0) {
            k_error(err, K_INSUFFICIENT_RESOURCES, "could not start executor threads");
            pthread_mutex_lock(&srv->mu);
            srv->pool_shutdown = true;
            pthread_cond_broadcast(&srv->work_cv);
            pthread_mutex_unlock(&srv->mu);
            for (uint32_t j = 0; j < i; j++) pthread_join(srv->threads[j], NULL);
            goto fail_loop;
        }
        srv->nthreads++;
    }
    if (uv_thread_create(&srv->loop_thread, loop_main, srv) != 0) {
        k_error(err, K_INSUFFICIENT_RESOURCES, "could not start the event loop thread");
        pthread_mutex_lock(&srv->mu);
        srv->pool_shutdown = true;
        pthread_cond_broadcast(&srv->work_cv);
        pthread_mutex_unlock(&srv->mu);
        for (uint32_t j = 0; j < srv->nthreads; j++) pthread_join(srv->threads[j], NULL);
        goto fail_loop;
    }
    k_info("pgwire: listening on %s port %d%s%s", srv->host, srv->port,
           srv->sock_bound ? " and Unix socket " : "", srv->sock_bound ? srv->sockpath : "");
    *out = srv;
    return K_OK;

fail_loop:
    uv_close((uv_handle_t *)&srv->listener, NULL);
    if (srv->have_pipe) uv_close((uv_handle_t *)&srv->plistener, NULL);
    uv_close((uv_handle_t *)&srv->wake, NULL);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    uv_loop_close(&srv->loop);
fail:
    server_free(srv);
    return K_ERR;
}

int
net_pg_server_port(const NetPgServer *srv)
{
    return srv->port;
}

void
net_pg_server_stats(NetPgServer *srv, NetPgStats *out)
{
    pthread_mutex_lock(&srv->mu);
    *out = srv->stats;
    pthread_mutex_unlock(&srv->mu);
}

int
net_pg_server_stop_checked(NetPgServer *srv)
{
    if (!srv) return K_OK;
    /* the loop sees `stopping` in its wake callback and does the closing */
    pthread_mutex_lock(&srv->mu);
    srv->stopping = true;
    uv_async_send(&srv->wake);
    pthread_mutex_unlock(&srv->mu);
    uv_thread_join(&srv->loop_thread);
    pthread_mutex_lock(&srv->mu);
    srv->pool_shutdown = true;
    pthread_cond_broadcast(&srv->work_cv);
    pthread_mutex_unlock(&srv->mu);
    for (uint32_t i = 0; i < srv->nthreads; i++) pthread_join(srv->threads[i], NULL);
    /* every handle must be closed by now: UV_EBUSY here is a bug */
    int rc = uv_loop_close(&srv->loop);
    if (rc) k_warn("pgwire: event loop did not close cleanly: %s", uv_strerror(rc));
    bool clean = rc == 0 && srv->nconns == 0;
    server_free(srv);
    return clean ? K_OK : K_ERR;
}

void
net_pg_server_stop(NetPgServer *srv)
{
    (void)net_pg_server_stop_checked(srv);
}
