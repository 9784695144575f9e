/*
 * cluster_node.c — the cluster runtime: nodes, connections, exchanges over
 * TCP with credit-based flow control, the worker (fragment instances,
 * remote DDL, loads, statistics) and the coordinator's client
 * (net_cluster_*: run a whole ExQueryPlan across workers).
 *
 * Interface routines: net_cl_worker_start/port/db/rejects/stop, and every
 * net_cluster_* function of cluster.h.
 *
 * Design (structs below):
 *   NetClNode   one per process role (a worker, or a coordinator's
 *               NetCluster). Holds the connections, the registry of queries
 *               it takes part in, and counts its helper threads so that
 *               stop can join them all.
 *   Conn        one TCP connection, blocking socket. A reader thread per
 *               connection reads whole frames and dispatches them; writers
 *               (any thread) send whole frames under `wmu`. Readers never
 *               wait on anything but their socket and short writes of
 *               control frames, so two nodes cannot deadlock each other.
 *   Query       one query on one node: inboxes (batches received per
 *               exchange and consumer instance), streams (credit per
 *               exchange, producer instance and consumer instance), the
 *               cancel flag, and on the coordinator the error and the count
 *               of remote instances still running.
 *   Inst        one fragment instance on a thread of its own: it decodes
 *               received batches on its thread (recv callback) and encodes,
 *               routes and sends its output (sink), then sends
 *               END_OF_STREAM to every consumer and STATS (or ERROR) to the
 *               coordinator.
 *
 * Flow control: each stream starts with NET_CL_WINDOW frames of credit; a
 * sender waits while it has none; a consumer returns one frame of credit
 * per frame it has taken off its inbox (or discards once it has finished,
 * e.g. after a LIMIT). Memory per stream is therefore bounded by the window.
 * Instances pack small output batches per consumer into frames of about
 * NET_CL_PACK_BYTES (flag PACKED), so a selective scan does not pay a frame,
 * two wakeups and a credit per few rows.
 *
 * Failures: a connection that closes, sends a bad frame or stays silent
 * longer than dead_after_ms (the coordinator sends HEARTBEAT every
 * heartbeat_ms and workers answer) is dead; queries on the coordinator fail
 * with 08006 naming the worker and CANCEL is sent to every worker. A
 * cancelled instance stops (the executor polls the flag, waits in recv and
 * in credit wake up) and frees its arena.
 *
 * Limits (see README-cluster.md): connections are freed when the node
 * stops, not when they die; exchange batches are the executor's batches
 * (up to 2048 rows): packed into shared frames, not merged into fuller
 * batches (the consumer's executor still sees the small ones).
 */
#include "net/cluster.h"
#include "planner/planner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define ENDED_RING           512
#define NET_CL_MAX_PRODUCERS 64 /* bound while the consumer's FRAGMENT is not there yet */

typedef struct Conn Conn;
typedef struct Query Query;
typedef struct Load Load;

enum {
    REQ_CREATE = 1,
    REQ_DROP,
    REQ_TRUNCATE,
    REQ_PART_ADD,
    REQ_LOAD_BEGIN,
    REQ_LOAD_PREPARE,
    REQ_LOAD_COMMIT,
    REQ_LOAD_ABORT,
    REQ_TABLE_STATS,
    REQ_COL_STATS,
    REQ_SKETCH,
    REQ_ANALYZE,
    REQ_SCHEMA,
    REQ_RENAME,
};

struct Conn {
    NetClNode *node;
    Conn *next;
    int fd;
    char addr[160]; /* outgoing: the address dialled; incoming: "peer <name>" */
    bool outgoing;
    atomic_int dead;
    _Atomic uint64_t last_recv_ns;
    pthread_mutex_t wmu;
    /* one request at a time (coordinator side) */
    pthread_mutex_t req_lock;
    pthread_mutex_t rmu;
    pthread_cond_t rcond;
    uint64_t req_id;
    bool req_done, req_failed;
    KBuf reply;
    KErr rerr;
};

typedef struct Item {
    struct Item *next;
    uint8_t *data;
    size_t len;
    uint32_t xid, producer;
    Conn *from; /* NULL: delivered locally, no credit to return */
    bool packed; /* (u32 length, encoded batch) sequence, read from `off` on */
    size_t off;
    uint32_t busy; /* packed: parts being decoded; freed by the last when unlinked */
    bool unlinked;
} Item;

typedef struct Inbox {
    struct Inbox *next;
    uint32_t xid, consumer;
    int32_t nproducers; /* -1 until the consumer's FRAGMENT says */
    uint32_t neos;
    uint32_t queued;
    Item *head, *tail;
    bool closed;
    KBatch *cur;
} Inbox;

typedef struct Stream {
    struct Stream *next;
    uint32_t xid, producer, consumer;
    int32_t credit;
} Stream;

struct Query {
    Query *next;
    uint64_t id;
    uint32_t refs;
    bool ended;
    atomic_int cancel;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    Inbox *inboxes;
    Stream *streams;
    Conn *coord;
    uint32_t running;
    /* coordinator */
    uint32_t remote_expected, remote_done;
    bool failed;
    KErr err;
    const volatile int *user_cancel;
    uint32_t node_peak_seen; /* most batches queued in one inbox */
    uint64_t bytes_sent;     /* exchange bytes sent by the query's instances */
    const bool *uses;        /* coordinator: workers the query runs on (NULL = all) */
    ExOpStats *stats;
    uint32_t nstats;
    /* worker: scan progress (HEARTBEAT answers) of running and ended instances */
    struct Inst *live;
    uint64_t *pdone; /* rows_out per operator id, summed over ended instances */
    uint32_t pnops;
    /* coordinator: live progress into the caller's array (rows_out of scans) */
    ExOpStats *progress;
    uint32_t prog_nops;
    Conn **pconn;    /* the workers that reported, one row of prows each */
    uint64_t *prows; /* npconn x prog_nops */
    uint32_t npconn, maxpconn;
};

struct Load {
    Load *next;
    uint64_t id;
    StWriter *w;
    KArena *arena;
    bool failed;
    KErr err;
};

struct NetClNode {
    bool coordinator;
    char name[64];
    char *secret;
    size_t secret_len;
    StDb *db;
    KArena *arena;
    int lfd;
    uint16_t port;
    atomic_int stop;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    uint32_t threads;
    Conn *conns;
    Query *queries;
    uint64_t ended[ENDED_RING];
    uint32_t ended_pos;
    uint64_t rejects;
    char last_reject[256];
    _Atomic uint64_t bytes_in;
    _Atomic uint32_t peak_queued;
    _Atomic uint64_t bytes_sent;
    pthread_mutex_t dial_mu;
    Load *loads;
    uint64_t next_load;
    uint32_t coord_timeout_ms;
    bool compress;
};

struct NetCluster {
    NetClNode *node;
    uint32_t n;
    char **addrs;
    Conn **workers;
    _Atomic uint64_t *connects;
    NetClusterOptions o;
    StDb *coord_db;
    pthread_mutex_t adm_mu;
    pthread_cond_t adm_cond;
    uint32_t running, peak_running;
    pthread_t monitor, rejoin;
    bool has_monitor, has_rejoin;
    atomic_uint_fast64_t next_id;
};

typedef struct Inst {
    NetClNode *node;
    Query *q;
    KArena *arena;
    ExQueryPlan *plan;
    const ExFragment *f;
    uint32_t instance, nworkers, nthreads;
    size_t mem_limit;
    ExParam *params;
    uint32_t nparams;
    uint32_t ncons;
    char **cons;
    uint32_t nsrc;
    uint32_t *src_xid, *src_nprod;
    bool remote;                 /* report to q->coord (worker) rather than into q (coordinator) */
    _Atomic uint64_t bytes_sent; /* exchange frames sent, headers included */
    bool want_stats;
    StDb *db;
    ExOpStats *pstats;  /* worker: live operator statistics (progress) */
    struct Inst *lnext; /* in q->live while running */
    /* resolved destinations */
    Conn **dest;
    bool *dest_local;
    Stream **streams;
    KBuf *pend; /* per consumer: packed batches not sent yet (NET_CL_F_PACKED) */
} Inst;

static uint64_t
now_ns(void)
{
    return k_now_ns();
}

/* ------------------------------------------------------------------ */
/* Threads and connections                                              */
/* ------------------------------------------------------------------ */
static int
spawn(NetClNode *n, void *(*fn)(void *), void *arg)
{
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&n->mu);
    n->threads++;
    pthread_mutex_unlock(&n->mu);
    int rc = pthread_create(&t, &at, fn, arg);
    pthread_attr_destroy(&at);
    if (rc) {
        pthread_mutex_lock(&n->mu);
        n->threads--;
        pthread_cond_broadcast(&n->cond);
        pthread_mutex_unlock(&n->mu);
        return K_ERR;
    }
    return K_OK;
}

static void
thread_exit(NetClNode *n)
{
    pthread_mutex_lock(&n->mu);
    n->threads--;
    pthread_cond_broadcast(&n->cond);
    pthread_mutex_unlock(&n->mu);
}

static Conn *
conn_new(NetClNode *n, int fd, const char *addr, bool outgoing)
{
    Conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->node = n;
    c->fd = fd;
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    c->outgoing = outgoing;
    atomic_store(&c->last_recv_ns, now_ns());
    pthread_mutex_init(&c->wmu, NULL);
    pthread_mutex_init(&c->req_lock, NULL);
    pthread_mutex_init(&c->rmu, NULL);
    pthread_cond_init(&c->rcond, NULL);
    k_buf_init(&c->reply);
    pthread_mutex_lock(&n->mu);
    c->next = n->conns;
    n->conns = c;
    pthread_mutex_unlock(&n->mu);
    return c;
}

static void
conn_kill(Conn *c, const char *why)
{
    if (atomic_exchange(&c->dead, 1)) return;
    if (why) k_warn("cluster: closing connection %s: %s", c->addr, why);
    shutdown(c->fd, SHUT_RDWR);
    pthread_mutex_lock(&c->rmu);
    pthread_cond_broadcast(&c->rcond);
    pthread_mutex_unlock(&c->rmu);
    pthread_mutex_lock(&c->node->mu);
    pthread_cond_broadcast(&c->node->cond);
    pthread_mutex_unlock(&c->node->mu);
}

static int
conn_send(Conn *c, uint8_t type, uint8_t flags, uint64_t qid, uint32_t fid, const void *p,
          size_t len, KErr *err)
{
    if (atomic_load(&c->dead))
        return k_error(err, K_CONNECTION_FAILURE, "lost connection to %s", c->addr);
    NetClHdr h = {NET_CL_VERSION, type, flags, qid, fid, (uint32_t)len};
    pthread_mutex_lock(&c->wmu);
    int rc = net_cl_frame_send(c->fd, &h, p, err);
    pthread_mutex_unlock(&c->wmu);
    if (rc) conn_kill(c, err->message);
    return rc;
}

static void *reader_main(void *arg);

static uint32_t
rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Find or open an authenticated outgoing connection to `addr`. */
static int
conn_dial(NetClNode *n, const char *addr, Conn **out, KErr *err)
{
    pthread_mutex_lock(&n->dial_mu);
    pthread_mutex_lock(&n->mu);
    Conn *found = NULL;
    for (Conn *c = n->conns; c; c = c->next)
        if (c->outgoing && !atomic_load(&c->dead) && !strcmp(c->addr, addr)) found = c;
    pthread_mutex_unlock(&n->mu);
    if (found) {
        pthread_mutex_unlock(&n->dial_mu);
        *out = found;
        return K_OK;
    }
    int fd;
    if (net_cl_connect(addr, 5000, &fd, err)) goto fail;
    if (net_cl_handshake_client(fd, n->secret, n->secret_len, n->name, err)) {
        close(fd);
        k_err_detail(err, "Handshake with worker %s failed.", addr);
        goto fail;
    }
    Conn *c = conn_new(n, fd, addr, true);
    if (!c) {
        close(fd);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto fail;
    }
    if (spawn(n, reader_main, c)) {
        conn_kill(c, NULL);
        k_error(err, K_INSUFFICIENT_RESOURCES, "could not start a connection thread");
        goto fail;
    }
    pthread_mutex_unlock(&n->dial_mu);
    *out = c;
    return K_OK;
fail:
    pthread_mutex_unlock(&n->dial_mu);
    return K_ERR;
}

/* ------------------------------------------------------------------ */
/* Queries                                                              */
/* ------------------------------------------------------------------ */
static Query *
query_get(NetClNode *n, uint64_t id, bool create)
{
    pthread_mutex_lock(&n->mu);
    Query *q = n->queries;
    while (q && q->id != id) q = q->next;
    if (!q && create) {
        for (uint32_t i = 0; i < ENDED_RING; i++)
            if (n->ended[i] == id && id) {
                pthread_mutex_unlock(&n->mu);
                return NULL;
            }
        q = calloc(1, sizeof *q);
        if (q) {
            q->id = id;
            pthread_mutex_init(&q->mu, NULL);
            pthread_cond_init(&q->cond, NULL);
            q->next = n->queries;
            n->queries = q;
        }
    }
    if (q) q->refs++;
    pthread_mutex_unlock(&n->mu);
    return q;
}

static void
query_free(Query *q)
{
    for (Inbox *ib = q->inboxes, *nx; ib; ib = nx) {
        nx = ib->next;
        for (Item *it = ib->head, *in; it; it = in) {
            in = it->next;
            free(it->data);
            free(it);
        }
        if (ib->cur) k_batch_destroy(ib->cur);
        free(ib);
    }
    for (Stream *s = q->streams, *nx; s; s = nx) {
        nx = s->next;
        free(s);
    }
    free(q->pdone);
    free(q->pconn);
    free(q->prows);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cond);
    free(q);
}

static void
query_put(NetClNode *n, Query *q)
{
    pthread_mutex_lock(&n->mu);
    bool gone = --q->refs == 0 && q->ended;
    pthread_mutex_unlock(&n->mu);
    if (gone) query_free(q);
}

/* Remove from the registry; frames for it that arrive later are dropped. */
static void
query_end(NetClNode *n, Query *q)
{
    pthread_mutex_lock(&n->mu);
    if (!q->ended) {
        for (Query **pp = &n->queries; *pp; pp = &(*pp)->next)
            if (*pp == q) {
                *pp = q->next;
                break;
            }
        q->ended = true;
        n->ended[n->ended_pos++ % ENDED_RING] = q->id;
    }
    pthread_mutex_unlock(&n->mu);
}

static void
query_fail(Query *q, const KErr *e)
{
    pthread_mutex_lock(&q->mu);
    if (!q->failed) {
        q->failed = true;
        k_err_copy(&q->err, e);
    }
    atomic_store(&q->cancel, 1);
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

static void
query_cancel(Query *q)
{
    pthread_mutex_lock(&q->mu);
    atomic_store(&q->cancel, 1);
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

/* q->mu held */
static Inbox *
inbox_find(Query *q, uint32_t xid, uint32_t consumer, bool create)
{
    for (Inbox *ib = q->inboxes; ib; ib = ib->next)
        if (ib->xid == xid && ib->consumer == consumer) return ib;
    if (!create) return NULL;
    Inbox *ib = calloc(1, sizeof *ib);
    if (!ib) return NULL;
    ib->xid = xid;
    ib->consumer = consumer;
    ib->nproducers = -1;
    ib->next = q->inboxes;
    q->inboxes = ib;
    return ib;
}

/* q->mu held */
static Stream *
stream_find(Query *q, uint32_t xid, uint32_t producer, uint32_t consumer)
{
    for (Stream *s = q->streams; s; s = s->next)
        if (s->xid == xid && s->producer == producer && s->consumer == consumer) return s;
    return NULL;
}

static void
send_credit(Conn *from, uint64_t qid, uint32_t xid, uint32_t producer, uint32_t consumer,
            uint32_t nb)
{
    if (!from) return;
    uint8_t p[16];
    uint32_t v[4] = {xid, producer, consumer, nb};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) p[4 * i + j] = (uint8_t)(v[i] >> (8 * j));
    KErr e;
    if (conn_send(from, NET_CL_CREDIT, 0, qid, 0, p, sizeof p, &e)) { /* sender gone */
    }
}

/* Deliver one received batch (takes ownership of data). A remote sender
 * that ignores its credit is refused (false): an inbox never holds more
 * than the window of every producer it may have. */
static bool
inbox_push(Query *q, uint32_t xid, uint32_t producer, uint32_t consumer, uint8_t *data, size_t len,
           Conn *from, bool packed)
{
    pthread_mutex_lock(&q->mu);
    Inbox *ib = inbox_find(q, xid, consumer, true);
    if (ib && from) {
        uint32_t np = ib->nproducers > 0 ? (uint32_t)ib->nproducers : NET_CL_MAX_PRODUCERS;
        if (ib->queued >= NET_CL_WINDOW * np) {
            pthread_mutex_unlock(&q->mu);
            free(data);
            return false;
        }
    }
    Item *it = ib && !ib->closed ? calloc(1, sizeof *it) : NULL;
    if (!it) {
        pthread_mutex_unlock(&q->mu);
        free(data);
        send_credit(from, q->id, xid, producer, consumer, 1); /* discarded */
        return true;
    }
    it->data = data;
    it->len = len;
    it->xid = xid;
    it->producer = producer;
    it->from = from;
    it->packed = packed;
    if (ib->tail)
        ib->tail->next = it;
    else
        ib->head = it;
    ib->tail = it;
    ib->queued++;
    if (ib->queued > q->node_peak_seen) q->node_peak_seen = ib->queued;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
    return true;
}

static void
inbox_eos(Query *q, uint32_t xid, uint32_t consumer)
{
    pthread_mutex_lock(&q->mu);
    Inbox *ib = inbox_find(q, xid, consumer, true);
    if (ib) ib->neos++;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

static int
cancel_error(Query *q, KErr *err)
{
    pthread_mutex_lock(&q->mu);
    if (q->failed)
        k_err_copy(err, &q->err);
    else
        k_error(err, K_QUERY_CANCELED, "canceling statement due to user request");
    pthread_mutex_unlock(&q->mu);
    return K_ERR;
}

/* ------------------------------------------------------------------ */
/* Fragment instances                                                   */
/* ------------------------------------------------------------------ */
static int
inst_recv(void *rctx, uint32_t xid, KBatch **out, KErr *err)
{
    Inst *in = rctx;
    Query *q = in->q;
    pthread_mutex_lock(&q->mu);
    Inbox *ib = inbox_find(q, xid, in->instance, true);
    if (!ib) {
        pthread_mutex_unlock(&q->mu);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    /* a batch handed out stays valid until the next call, or until the
     * instance ends when the executor was told batches persist */
    if (ib->cur && !in->f->has_output) k_batch_destroy(ib->cur);
    ib->cur = NULL;
    for (;;) {
        if (q->user_cancel && *q->user_cancel && !q->failed) {
            KErr e;
            k_error(&e, K_QUERY_CANCELED, "canceling statement due to user request");
            q->failed = true;
            k_err_copy(&q->err, &e);
            atomic_store(&q->cancel, 1);
            pthread_cond_broadcast(&q->cond);
        }
        if (atomic_load(&q->cancel)) {
            pthread_mutex_unlock(&q->mu);
            return cancel_error(q, err);
        }
        if (ib->head) {
            Item *it = ib->head;
            const uint8_t *part = it->data;
            size_t plen = it->len;
            if (it->packed) {
                /* one batch of the pack; the item stays queued until its last
                 * part is taken, and is freed when no thread decodes from it */
                size_t left = it->len - it->off;
                uint32_t l = left >= 4 ? rd32(it->data + it->off) : 0;
                part = it->data + it->off + 4;
                plen = left >= 4 && l <= left - 4 ? l : 0;
                it->off = left >= 4 && l <= left - 4 ? it->off + 4 + l : it->len;
                it->busy++;
            }
            bool last = !it->packed || it->off >= it->len;
            if (last) {
                ib->head = it->next;
                if (!ib->head) ib->tail = NULL;
                ib->queued--;
                it->unlinked = true;
            }
            pthread_mutex_unlock(&q->mu);
            KBatch *b = NULL;
            int rc = net_cl_batch_decode(part, plen, in->arena, &b, err);
            bool release = !it->packed;
            if (it->packed) {
                pthread_mutex_lock(&q->mu);
                release = --it->busy == 0 && it->unlinked;
                pthread_mutex_unlock(&q->mu);
            }
            if (release) {
                send_credit(it->from, q->id, xid, it->producer, in->instance, 1);
                free(it->data);
                free(it);
            }
            if (rc) return K_ERR;
            pthread_mutex_lock(&q->mu);
            ib->cur = b;
            pthread_mutex_unlock(&q->mu);
            *out = b;
            return K_OK;
        }
        if (ib->nproducers >= 0 && ib->neos >= (uint32_t)ib->nproducers) {
            pthread_mutex_unlock(&q->mu);
            *out = NULL;
            return K_OK;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&q->cond, &q->mu, &ts);
    }
}

/* Send one encoded batch (payload starts with 12 bytes of stream ids that
 * are filled here) to consumer `w`, waiting for credit. */
static int
send_to(Inst *in, uint32_t w, KBuf *pl, KErr *err)
{
    Query *q = in->q;
    uint32_t ids[3] = {in->f->out.exchange_id, in->instance, w};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) pl->data[4 * i + j] = (uint8_t)(ids[i] >> (8 * j));
    if (in->dest_local[w]) {
        uint8_t *copy = malloc(pl->len - 12 + 1);
        if (!copy) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        memcpy(copy, pl->data + 12, pl->len - 12);
        inbox_push(q, ids[0], ids[1], w, copy, pl->len - 12, NULL, true);
        return K_OK;
    }
    Conn *c = in->dest[w];
    Stream *s = in->streams[w];
    pthread_mutex_lock(&q->mu);
    while (s->credit <= 0 && !atomic_load(&q->cancel) && !atomic_load(&c->dead)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&q->cond, &q->mu, &ts);
    }
    if (atomic_load(&q->cancel)) {
        pthread_mutex_unlock(&q->mu);
        return cancel_error(q, err);
    }
    s->credit--;
    pthread_mutex_unlock(&q->mu);
    if (atomic_load(&c->dead))
        return k_error(err, K_CONNECTION_FAILURE, "lost connection to worker %s", c->addr);
    if (conn_send(c, NET_CL_BATCH, NET_CL_F_PACKED, q->id, in->f->id, pl->data, pl->len, err))
        return K_ERR;
    atomic_fetch_add(&in->bytes_sent, pl->len + NET_CL_HDR_SIZE);
    return K_OK;
}

static int
encode_for_send(Inst *in, const KBatch *b, KBuf *pl)
{
    k_buf_clear(pl);
    net_cl_batch_encode(b, in->node->compress, 1, pl);
    return pl->failed ? K_ERR : K_OK;
}

/* Send consumer w's pending pack, if any. */
static int
pack_flush(Inst *in, uint32_t w, KErr *err)
{
    KBuf *p = &in->pend[w];
    if (p->len <= 12) return K_OK;
    int rc = send_to(in, w, p, err);
    k_buf_clear(p);
    return rc;
}

/* Add one encoded batch to consumer w's pack; a full pack is sent. Small
 * batches (a selective scan's output split over consumers is often a few
 * rows) would otherwise cost a frame, a wakeup and a credit each. */
static int
pack_add(Inst *in, uint32_t w, const KBuf *enc, KErr *err)
{
    KBuf *p = &in->pend[w];
    if (p->len < 12) {
        uint8_t zero[12] = {0};
        k_buf_clear(p);
        k_buf_put(p, zero, sizeof zero);
    }
    k_buf_put_u32(p, (uint32_t)enc->len);
    k_buf_put(p, enc->data, enc->len);
    if (p->failed) return k_error(err, K_OUT_OF_MEMORY, "out of memory encoding a batch");
    return p->len >= NET_CL_PACK_BYTES ? pack_flush(in, w, err) : K_OK;
}

static int
inst_push(void *ctx, const KBatch *b, KErr *err)
{
    Inst *in = ctx;
    if (k_batch_rows(b) == 0) return K_OK;
    KBuf pl;
    k_buf_init(&pl);
    int rc = K_OK;
    const ExExchangeOut *x = &in->f->out;
    if (x->kind == EX_XCHG_HASH && in->ncons > 1) {
        KBatch *parts[64];
        KBatch **pp = in->ncons <= 64 ? parts : calloc(in->ncons, sizeof(KBatch *));
        if (!pp) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        rc = ex_batch_partition(in->arena, b, x->nkeys, x->key_cols, in->ncons, pp, err);
        for (uint32_t w = 0; w < in->ncons; w++) {
            if (!pp[w]) continue;
            if (rc == K_OK && pp[w]->count) {
                if (encode_for_send(in, pp[w], &pl))
                    rc = k_error(err, K_OUT_OF_MEMORY, "out of memory encoding a batch");
                else
                    rc = pack_add(in, w, &pl, err);
            }
            k_batch_destroy(pp[w]);
        }
        if (pp != parts) free(pp);
    } else if (x->kind == EX_XCHG_BROADCAST) {
        if (encode_for_send(in, b, &pl))
            rc = k_error(err, K_OUT_OF_MEMORY, "out of memory encoding a batch");
        for (uint32_t w = 0; rc == K_OK && w < in->ncons; w++) rc = pack_add(in, w, &pl, err);
    } else {
        if (encode_for_send(in, b, &pl))
            rc = k_error(err, K_OUT_OF_MEMORY, "out of memory encoding a batch");
        else
            rc = pack_add(in, 0, &pl, err);
    }
    k_buf_free(&pl);
    return rc;
}

static int
inst_resolve(Inst *in, KErr *err)
{
    in->dest = k_alloc0(in->arena, sizeof(Conn *) * (in->ncons + 1));
    in->dest_local = k_alloc0(in->arena, in->ncons + 1);
    in->streams = k_alloc0(in->arena, sizeof(Stream *) * (in->ncons + 1));
    in->pend = calloc(in->ncons + 1, sizeof(KBuf));
    if (!in->dest || !in->dest_local || !in->streams || !in->pend)
        return k_error_oom(err, in->arena, 64);
    for (uint32_t w = 0; w < in->ncons; w++) k_buf_init(&in->pend[w]);
    for (uint32_t w = 0; w < in->ncons; w++) {
        if (!in->cons[w][0]) {
            if (in->node->coordinator)
                in->dest_local[w] = true;
            else if (!(in->dest[w] = in->q->coord))
                return k_error(err, K_INTERNAL_ERROR, "no coordinator connection for query");
        } else if (conn_dial(in->node, in->cons[w], &in->dest[w], err)) {
            return K_ERR;
        }
        if (in->dest_local[w]) continue;
        Stream *s = calloc(1, sizeof *s);
        if (!s) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        s->xid = in->f->out.exchange_id;
        s->producer = in->instance;
        s->consumer = w;
        s->credit = NET_CL_WINDOW;
        pthread_mutex_lock(&in->q->mu);
        s->next = in->q->streams;
        in->q->streams = s;
        pthread_mutex_unlock(&in->q->mu);
        in->streams[w] = s;
    }
    return K_OK;
}

static int
inst_send_eos(Inst *in, KErr *err)
{
    for (uint32_t w = 0; w < in->ncons; w++)
        if (pack_flush(in, w, err)) return K_ERR;
    for (uint32_t w = 0; w < in->ncons; w++) {
        if (in->dest_local[w]) {
            inbox_eos(in->q, in->f->out.exchange_id, w);
            continue;
        }
        uint8_t p[12];
        uint32_t ids[3] = {in->f->out.exchange_id, in->instance, w};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++) p[4 * i + j] = (uint8_t)(ids[i] >> (8 * j));
        if (conn_send(in->dest[w], NET_CL_END_OF_STREAM, 0, in->q->id, in->f->id, p, sizeof p, err))
            return K_ERR;
    }
    return K_OK;
}

/* After an instance: its inboxes take no more batches (credit returned for
 * anything left, so producers never block on a finished consumer). */
static void
inst_close_inboxes(Inst *in)
{
    Query *q = in->q;
    Item *drop = NULL;
    pthread_mutex_lock(&q->mu);
    for (uint32_t i = 0; i < in->nsrc; i++) {
        Inbox *ib = inbox_find(q, in->src_xid[i], in->instance, true);
        if (!ib) continue;
        ib->closed = true;
        if (ib->tail) {
            ib->tail->next = drop;
            drop = ib->head;
        }
        ib->head = ib->tail = NULL;
        ib->queued = 0;
        if (ib->cur) {
            k_batch_destroy(ib->cur);
            ib->cur = NULL;
        }
    }
    pthread_mutex_unlock(&q->mu);
    for (Item *it = drop, *nx; it; it = nx) {
        nx = it->next;
        send_credit(it->from, q->id, it->xid, it->producer, in->instance, 1);
        free(it->data);
        free(it);
    }
}

static void
collect_sources(const ExPlan *p, uint32_t *xids, uint32_t *n, uint32_t cap)
{
    if (!p) return;
    if (p->kind == EX_OP_EXCHANGE_SOURCE && *n < cap) xids[(*n)++] = p->u.exchange.exchange_id;
    collect_sources(p->left, xids, n, cap);
    collect_sources(p->right, xids, n, cap);
}

/* Run the instance on the calling thread. `sink` NULL = route per f->out. */
static int
inst_run(Inst *in, ExSink *sink, ExOpStats *stats, KErr *err)
{
    ExSink out = {in, inst_push, NULL};
    if (!sink && inst_resolve(in, err)) return K_ERR;
    ExRunCtx rc;
    memset(&rc, 0, sizeof rc);
    rc.db = in->db;
    rc.worker = in->instance;
    rc.nworkers = in->nworkers;
    rc.arena = in->arena;
    rc.mem_limit = in->mem_limit;
    rc.cancel = (const volatile int *)&in->q->cancel;
    rc.nthreads = in->nthreads;
    rc.params = in->params;
    rc.nparams = in->nparams;
    rc.recv = inst_recv;
    rc.rctx = in;
    /* Non-root fragments: received batches live in the instance's arena
     * until it ends, so the executor reads exchanges on all its threads
     * without copying. (Its copying path reads the batch's row count after
     * releasing its lock, racing with the next recv that frees the batch:
     * see the report.) The root reads on one thread; its batches are freed
     * at the next recv so a large result streams in bounded memory. */
    rc.recv_batches_persist = in->f->has_output;
    rc.stats = stats;
    rc.nstats = stats ? in->plan->nops : 0;
    int r = ex_fragment_run(&rc, in->f, sink ? sink : &out, err);
    if (r == K_OK && !sink) r = inst_send_eos(in, err);
    inst_close_inboxes(in);
    if (r && atomic_load(&in->q->cancel) && err->code == K_QUERY_CANCELED) cancel_error(in->q, err);
    return r;
}

/* ------------------------------------------------------------------ */
/* Progress: workers answer heartbeats with their scans' rows so far     */
/* ------------------------------------------------------------------ */
static void
scan_rows_add(const ExPlan *p, const ExOpStats *st, uint64_t *acc, uint32_t nops)
{
    if (!p) return;
    if (p->kind == EX_OP_SCAN && p->id < nops)
        acc[p->id] += __atomic_load_n(&st[p->id].rows_out, __ATOMIC_RELAXED);
    scan_rows_add(p->left, st, acc, nops);
    scan_rows_add(p->right, st, acc, nops);
}

/* An instance ends: its scan rows move into the query's ended total. */
static void
progress_retire(Query *q, Inst *in)
{
    pthread_mutex_lock(&q->mu);
    for (Inst **pp = &q->live; *pp; pp = &(*pp)->lnext)
        if (*pp == in) {
            *pp = in->lnext;
            break;
        }
    if (!q->pdone) {
        q->pdone = calloc(in->plan->nops ? in->plan->nops : 1, sizeof(uint64_t));
        q->pnops = q->pdone ? in->plan->nops : 0;
    }
    if (q->pdone) scan_rows_add(in->f->root, in->pstats, q->pdone, q->pnops);
    in->pstats = NULL;
    pthread_mutex_unlock(&q->mu);
}

/* Worker: the HEARTBEAT answer's payload: u32 nqueries, then per query of
 * coordinator connection c: u64 query id, u32 n, n x (u32 operator id,
 * u64 rows produced by that scan so far on this worker). Empty when idle. */
static void
progress_encode(NetClNode *n, Conn *c, KBuf *b)
{
    enum { MAXQ = 64 };
    Query *qs[MAXQ];
    uint32_t nq = 0;
    pthread_mutex_lock(&n->mu);
    for (Query *q = n->queries; q && nq < MAXQ; q = q->next)
        if (q->coord == c && !q->ended) {
            q->refs++;
            qs[nq++] = q;
        }
    pthread_mutex_unlock(&n->mu);
    if (!nq) return;
    k_buf_put_u32(b, nq);
    for (uint32_t k = 0; k < nq; k++) {
        Query *q = qs[k];
        pthread_mutex_lock(&q->mu);
        uint32_t nops = q->pnops;
        for (Inst *in = q->live; in; in = in->lnext)
            if (in->plan->nops > nops) nops = in->plan->nops;
        uint64_t *acc = calloc(nops ? nops : 1, sizeof(uint64_t));
        if (acc) {
            for (uint32_t i = 0; i < q->pnops; i++) acc[i] = q->pdone[i];
            for (Inst *in = q->live; in; in = in->lnext)
                scan_rows_add(in->f->root, in->pstats, acc, nops);
        }
        pthread_mutex_unlock(&q->mu);
        uint32_t cnt = 0;
        for (uint32_t i = 0; acc && i < nops; i++) cnt += acc[i] != 0;
        k_buf_put_u64(b, q->id);
        k_buf_put_u32(b, cnt);
        for (uint32_t i = 0; acc && i < nops; i++)
            if (acc[i]) {
                k_buf_put_u32(b, i);
                k_buf_put_u64(b, acc[i]);
            }
        free(acc);
        query_put(n, q);
    }
}

/* Coordinator: a worker's HEARTBEAT answer updates the progress of the
 * queries it names (rows_out of each scan = the sum of the workers' latest
 * reports). A malformed payload is ignored (progress is advisory). */
static void
progress_apply(NetClNode *n, Conn *c, const KBuf *pl)
{
    KReader r;
    k_reader_init(&r, pl->data, pl->len);
    uint32_t nq = k_get_u32(&r);
    for (uint32_t k = 0; k < nq && !r.failed; k++) {
        uint64_t qid = k_get_u64(&r);
        uint32_t cnt = k_get_u32(&r);
        Query *q = r.failed ? NULL : query_get(n, qid, false);
        int slot = -1;
        if (q) {
            pthread_mutex_lock(&q->mu);
            for (uint32_t i = 0; q->progress && i < q->npconn; i++)
                if (q->pconn[i] == c) slot = (int)i;
            if (q->progress && slot < 0 && q->npconn < q->maxpconn) {
                slot = (int)q->npconn++;
                q->pconn[slot] = c;
            }
        }
        for (uint32_t j = 0; j < cnt && !r.failed; j++) {
            uint32_t op = k_get_u32(&r);
            uint64_t rows = k_get_u64(&r);
            if (slot >= 0 && !r.failed && op < q->prog_nops)
                q->prows[(size_t)slot * q->prog_nops + op] = rows;
        }
        if (q) {
            for (uint32_t op = 0; slot >= 0 && op < q->prog_nops; op++) {
                uint64_t sum = 0;
                for (uint32_t i = 0; i < q->npconn; i++) sum += q->prows[(size_t)i * q->prog_nops + op];
                if (sum) __atomic_store_n(&q->progress[op].rows_out, sum, __ATOMIC_RELAXED);
            }
            pthread_mutex_unlock(&q->mu);
            query_put(n, q);
        }
    }
}

static void
put_stats(KBuf *b, uint32_t instance, const ExOpStats *st, uint32_t n, uint64_t bytes)
{
    k_buf_put_u32(b, instance);
    k_buf_put_u64(b, bytes);
    k_buf_put_u32(b, st ? n : 0);
    for (uint32_t i = 0; st && i < n; i++) ex_op_stats_put(b, &st[i]);
}

static void
inst_free(Inst *in)
{
    for (uint32_t w = 0; in->pend && w < in->ncons; w++) k_buf_free(&in->pend[w]);
    free(in->pend);
    k_arena_destroy(in->arena);
    free(in);
}

static void *
inst_thread(void *arg)
{
    Inst *in = arg;
    NetClNode *n = in->node;
    Query *q = in->q;
    KErr err;
    k_err_clear(&err);
    /* a worker's instances always keep statistics: their scans' rows_out
     * answer the coordinator's heartbeats (kestrel_queries progress) */
    ExOpStats *stats = in->want_stats || in->remote
                           ? k_alloc0(in->arena, sizeof(ExOpStats) * in->plan->nops)
                           : NULL;
    if (in->remote && stats) {
        in->pstats = stats;
        pthread_mutex_lock(&q->mu);
        in->lnext = q->live;
        q->live = in;
        pthread_mutex_unlock(&q->mu);
    }
    int rc = inst_run(in, NULL, stats, &err);
    if (in->pstats) progress_retire(q, in);
    if (!in->want_stats) stats = NULL;
    if (in->remote) {
        KBuf b;
        k_buf_init(&b);
        KErr e2;
        if (rc) {
            k_buf_put_u32(&b, in->instance);
            net_cl_err_encode(&err, &b);
            if (q->coord &&
                conn_send(q->coord, NET_CL_ERROR, 0, q->id, in->f->id, b.data, b.len, &e2)) {
            }
        } else {
            put_stats(&b, in->instance, stats, stats ? in->plan->nops : 0,
                      atomic_load(&in->bytes_sent));
            if (q->coord &&
                conn_send(q->coord, NET_CL_STATS, 0, q->id, in->f->id, b.data, b.len, &e2)) {
            }
        }
        k_buf_free(&b);
    } else if (rc) {
        query_fail(q, &err);
    }
    if (!in->remote) {
        pthread_mutex_lock(&q->mu);
        q->bytes_sent += atomic_load(&in->bytes_sent);
        pthread_mutex_unlock(&q->mu);
    }
    pthread_mutex_lock(&q->mu);
    q->running--;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
    inst_free(in);
    query_put(n, q);
    thread_exit(n);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* FRAGMENT: encode (coordinator) and start (worker)                    */
/* ------------------------------------------------------------------ */
static void
put_param(KBuf *b, const ExParam *p)
{
    k_buf_put_u8(b, p->type.id);
    k_buf_put_u8(b, p->type.precision);
    k_buf_put_u8(b, p->type.scale);
    k_buf_put_svarint(b, p->type.len);
    k_buf_put_u8(b, p->is_null);
    if (k_type_is_string(p->type))
        k_buf_put_str(b, p->is_null ? "" : k_str_data(&p->v.str), p->is_null ? 0 : p->v.str.len);
    else
        k_buf_put(b, &p->v, 16);
}

static int
get_param(KReader *r, KArena *a, ExParam *p)
{
    memset(p, 0, sizeof *p);
    p->type.id = k_get_u8(r);
    p->type.precision = k_get_u8(r);
    p->type.scale = k_get_u8(r);
    p->type.len = (int32_t)k_get_svarint(r);
    p->is_null = k_get_u8(r) != 0;
    if (r->failed || p->type.id >= K_TYPE_COUNT) return K_ERR;
    if (k_type_is_string(p->type)) {
        size_t n;
        const char *s = k_get_str(r, &n);
        if (r->failed || n > UINT32_MAX || !k_str_copy(a, s, (uint32_t)n, &p->v.str)) return K_ERR;
    } else {
        const uint8_t *v = k_get_bytes(r, 16);
        if (r->failed) return K_ERR;
        memcpy(&p->v, v, 16);
    }
    return K_OK;
}

static int
start_fragment(Conn *c, const NetClHdr *h, const KBuf *pl, KErr *err)
{
    NetClNode *n = c->node;
    Query *q = query_get(n, h->query_id, true);
    if (!q) return K_OK; /* already over: ignore */
    Inst *in = calloc(1, sizeof *in);
    KArena *a = k_arena_create(NULL, "cluster fragment");
    if (!in || !a) {
        free(in);
        k_arena_destroy(a);
        query_put(n, q);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    in->node = n;
    in->q = q;
    in->arena = a;
    in->remote = true;
    in->db = n->db;
    KReader r;
    k_reader_init(&r, pl->data, pl->len);
    uint32_t frag = k_get_u32(&r);
    in->instance = k_get_u32(&r);
    in->nworkers = k_get_u32(&r);
    in->nthreads = k_get_u32(&r);
    in->mem_limit = (size_t)k_get_u64(&r);
    in->want_stats = k_get_u8(&r) != 0;
    in->ncons = k_get_u32(&r);
    if (r.failed || in->ncons > 4096) goto bad;
    in->cons = k_alloc0(a, sizeof(char *) * (in->ncons + 1));
    for (uint32_t i = 0; in->cons && i < in->ncons; i++) {
        size_t l;
        const char *s = k_get_str(&r, &l);
        if (r.failed || l > 150) goto bad;
        in->cons[i] = k_strndup(a, s, l);
    }
    in->nsrc = k_get_u32(&r);
    if (r.failed || in->nsrc > 4096) goto bad;
    in->src_xid = k_alloc0(a, 4 * (in->nsrc + 1));
    in->src_nprod = k_alloc0(a, 4 * (in->nsrc + 1));
    for (uint32_t i = 0; in->src_xid && in->src_nprod && i < in->nsrc; i++) {
        in->src_xid[i] = k_get_u32(&r);
        in->src_nprod[i] = k_get_u32(&r);
    }
    in->nparams = k_get_u32(&r);
    if (r.failed || in->nparams > 65535) goto bad;
    in->params = k_alloc0(a, sizeof(ExParam) * (in->nparams + 1));
    for (uint32_t i = 0; in->params && i < in->nparams; i++)
        if (get_param(&r, a, &in->params[i])) goto bad;
    size_t plen;
    const char *pb = k_get_str(&r, &plen);
    if (r.failed || k_reader_left(&r) || !in->cons || !in->src_xid || !in->src_nprod || !in->params)
        goto bad;
    KErr perr;
    if (ex_query_deserialize(pb, plen, a, &in->plan, &perr) || frag >= in->plan->nfrags) {
        /* a plan this build cannot read: the query fails, the connection stays */
        if (in->plan && frag >= in->plan->nfrags)
            k_error(&perr, K_PROTOCOL_VIOLATION, "fragment %u is not in the shipped plan", frag);
        k_warn("cluster: could not read a shipped plan: %s", perr.message);
        KBuf eb;
        k_buf_init(&eb);
        k_buf_put_u32(&eb, in->instance);
        net_cl_err_encode(&perr, &eb);
        int src = conn_send(c, NET_CL_ERROR, 0, h->query_id, h->fragment_id, eb.data, eb.len, err);
        k_buf_free(&eb);
        inst_free(in);
        query_put(n, q);
        return src;
    }
    in->f = &in->plan->frags[frag];
    pthread_mutex_lock(&q->mu);
    q->coord = c;
    for (uint32_t i = 0; i < in->nsrc; i++) {
        Inbox *ib = inbox_find(q, in->src_xid[i], in->instance, true);
        if (ib) ib->nproducers = (int32_t)in->src_nprod[i];
    }
    q->running++;
    pthread_mutex_unlock(&q->mu);
    if (spawn(n, inst_thread, in)) {
        pthread_mutex_lock(&q->mu);
        q->running--;
        pthread_mutex_unlock(&q->mu);
        inst_free(in);
        query_put(n, q);
        return k_error(err, K_INSUFFICIENT_RESOURCES, "could not start a fragment thread");
    }
    return K_OK;
bad:
    inst_free(in);
    query_put(n, q);
    return k_error(err, K_PROTOCOL_VIOLATION, "malformed FRAGMENT message");
}

/* ------------------------------------------------------------------ */
/* Requests (worker side)                                               */
/* ------------------------------------------------------------------ */
static Load *
load_find(NetClNode *n, uint64_t id, bool unlink)
{
    pthread_mutex_lock(&n->mu);
    Load **pp = &n->loads;
    while (*pp && (*pp)->id != id) pp = &(*pp)->next;
    Load *l = *pp;
    if (l && unlink) *pp = l->next;
    pthread_mutex_unlock(&n->mu);
    return l;
}

static void
load_free(Load *l)
{
    if (l->w) st_writer_abort(l->w);
    k_arena_destroy(l->arena);
    free(l);
}

static void
put_datum(KBuf *b, KType t, const StDatum *d)
{
    if (k_type_is_string(t))
        k_buf_put_str(b, k_str_data(&d->u.str), d->u.str.len);
    else
        k_buf_put(b, d, 16);
}

static int
handle_request(Conn *c, const KBuf *pl, KBuf *rep, KErr *err)
{
    NetClNode *n = c->node;
    KReader r;
    k_reader_init(&r, pl->data, pl->len);
    uint8_t op = k_get_u8(&r);
    if (!n->db) return k_error(err, K_FEATURE_NOT_SUPPORTED, "this node has no data directory");
    switch (op) {
    case REQ_CREATE: {
        KArena *a = k_arena_create(NULL, "cluster ddl");
        if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        StTableDef *def;
        uint32_t id = 0;
        int rc = net_cl_tabledef_decode(&r, a, &def, err);
        if (rc == K_OK) rc = st_table_create(n->db, def, &id, err);
        k_arena_destroy(a);
        if (rc) return K_ERR;
        k_buf_put_u32(rep, id);
        return K_OK;
    }
    case REQ_DROP:
    case REQ_TRUNCATE: {
        uint32_t t = k_get_u32(&r);
        if (r.failed) break;
        return op == REQ_DROP ? st_table_drop(n->db, t, err) : st_table_truncate(n->db, t, err);
    }
    case REQ_PART_ADD: {
        uint32_t t = k_get_u32(&r);
        StPartitionDef p;
        memset(&p, 0, sizeof p);
        size_t nl;
        const char *nm = k_get_str(&r, &nl);
        uint8_t f = k_get_u8(&r);
        const uint8_t *lo = k_get_bytes(&r, 16), *hi = k_get_bytes(&r, 16);
        if (r.failed || nl > ST_NAME_MAX) break;
        memcpy(p.name, nm, nl);
        p.has_lo = f & 1;
        p.has_hi = (f >> 1) & 1;
        memcpy(&p.lo, lo, 16);
        memcpy(&p.hi, hi, 16);
        uint32_t pid;
        if (st_partition_add(n->db, t, &p, &pid, err)) return K_ERR;
        k_buf_put_u32(rep, pid);
        return K_OK;
    }
    case REQ_LOAD_BEGIN: {
        uint32_t t = k_get_u32(&r);
        if (r.failed) break;
        Load *l = calloc(1, sizeof *l);
        if (!l || !(l->arena = k_arena_create(NULL, "cluster load"))) {
            free(l);
            return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        }
        if (st_writer_begin(n->db, t, &l->w, err)) {
            l->w = NULL;
            load_free(l);
            return K_ERR;
        }
        pthread_mutex_lock(&n->mu);
        l->id = ++n->next_load;
        l->next = n->loads;
        n->loads = l;
        pthread_mutex_unlock(&n->mu);
        k_buf_put_u64(rep, l->id);
        return K_OK;
    }
    case REQ_LOAD_PREPARE:
    case REQ_LOAD_COMMIT:
    case REQ_LOAD_ABORT: {
        uint64_t id = k_get_u64(&r);
        if (r.failed) break;
        Load *l = load_find(n, id, op != REQ_LOAD_PREPARE);
        if (!l)
            return k_error(err, K_UNDEFINED_OBJECT, "load %llu does not exist",
                           (unsigned long long)id);
        if (op == REQ_LOAD_ABORT) {
            load_free(l);
            return K_OK;
        }
        if (l->failed) {
            k_err_copy(err, &l->err);
            if (op == REQ_LOAD_COMMIT) load_free(l);
            return K_ERR;
        }
        if (op == REQ_LOAD_PREPARE) {
            if (st_writer_prepare(l->w, err)) {
                l->failed = true;
                k_err_copy(&l->err, err);
                return K_ERR;
            }
            k_buf_put_u64(rep, st_writer_rows(l->w));
            return K_OK;
        }
        int rc = st_writer_commit(l->w, err);
        l->w = NULL;
        load_free(l);
        return rc;
    }
    case REQ_TABLE_STATS: {
        uint32_t t = k_get_u32(&r), part = k_get_u32(&r);
        if (r.failed) break;
        StTableStats s;
        if (st_table_stats(n->db, t, part, &s, err)) return K_ERR;
        k_buf_put_u64(rep, s.rows);
        k_buf_put_u64(rep, s.bytes);
        k_buf_put_u64(rep, s.segments);
        k_buf_put_u64(rep, s.row_groups);
        return K_OK;
    }
    case REQ_COL_STATS: {
        uint32_t t = k_get_u32(&r), part = k_get_u32(&r), col = k_get_u32(&r);
        if (r.failed) break;
        KArena *a = k_arena_create(NULL, "cluster stats");
        if (!a) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        StTableDef *def;
        StColumnStats s;
        int rc = st_table_get(n->db, t, a, &def, err);
        if (rc == K_OK && col >= def->ncols)
            rc = k_error(err, K_UNDEFINED_COLUMN, "column %u does not exist", col);
        if (rc == K_OK) rc = st_column_stats(n->db, t, part, col, a, &s, err);
        if (rc == K_OK) {
            KType ty = def->cols[col].type;
            k_buf_put_u64(rep, s.rows);
            k_buf_put_u64(rep, s.nulls);
            k_buf_put_u8(rep, s.has_minmax);
            k_buf_put_u8(rep, k_type_is_string(ty));
            put_datum(rep, ty, &s.min);
            put_datum(rep, ty, &s.max);
            k_buf_put(rep, &s.ndistinct, 8);
        }
        k_arena_destroy(a);
        return rc;
    }
    case REQ_SKETCH: {
        uint32_t t = k_get_u32(&r), part = k_get_u32(&r), col = k_get_u32(&r);
        if (r.failed) break;
        uint8_t regs[ST_SKETCH_REGISTERS];
        if (st_column_sketch(n->db, t, part, col, regs, err)) return K_ERR;
        k_buf_put(rep, regs, sizeof regs);
        return K_OK;
    }
    case REQ_ANALYZE: {
        uint32_t t = k_get_u32(&r);
        if (r.failed) break;
        return st_analyze(n->db, t, err);
    }
    case REQ_SCHEMA:
    case REQ_RENAME: {
        uint32_t t = op == REQ_RENAME ? k_get_u32(&r) : 0;
        size_t nl;
        const char *nm = k_get_str(&r, &nl);
        if (r.failed || nl > ST_NAME_MAX) break;
        char name[ST_NAME_MAX + 1];
        memcpy(name, nm, nl);
        name[nl] = 0;
        if (op == REQ_RENAME) return st_table_rename(n->db, t, name, err);
        if (st_schema_exists(n->db, name)) return K_OK;
        return st_schema_create(n->db, name, err);
    }
    default: break;
    }
    return k_error(err, K_PROTOCOL_VIOLATION, "malformed REQUEST message");
}

typedef struct ReqJob {
    Conn *c;
    uint64_t id;
    KBuf pl;
} ReqJob;

static void
request_run(ReqJob *j)
{
    KBuf rep;
    k_buf_init(&rep);
    KErr e;
    k_err_clear(&e);
    int rc = handle_request(j->c, &j->pl, &rep, &e);
    if (rc == K_OK && rep.failed) rc = k_error(&e, K_OUT_OF_MEMORY, "out of memory");
    if (rc) {
        k_buf_clear(&rep);
        net_cl_err_encode(&e, &rep);
    }
    KErr se;
    if (conn_send(j->c, rc ? NET_CL_ERROR : NET_CL_REPLY, rc ? NET_CL_F_REPLY : 0, j->id, 0,
                  rep.data, rep.len, &se)) { /* the coordinator is gone */
    }
    k_buf_free(&rep);
}

static void *
request_thread(void *arg)
{
    ReqJob *j = arg;
    NetClNode *n = j->c->node;
    request_run(j);
    k_buf_free(&j->pl);
    free(j);
    thread_exit(n);
    return NULL;
}

static void
load_append(Conn *c, uint64_t id, const KBuf *pl)
{
    Load *l = load_find(c->node, id, false);
    if (!l || l->failed) return;
    KBatch *b;
    if (net_cl_batch_decode(pl->data, pl->len, l->arena, &b, &l->err)) {
        l->failed = true;
        return;
    }
    if (st_writer_append(l->w, b, &l->err)) l->failed = true;
    k_batch_destroy(b);
}

/* ------------------------------------------------------------------ */
/* The reader: one thread per connection                                */
/* ------------------------------------------------------------------ */

static int
dispatch(Conn *c, const NetClHdr *h, KBuf *pl, KErr *err)
{
    NetClNode *n = c->node;
    switch ((NetClMsg)h->type) {
    case NET_CL_HEARTBEAT:
        if (!(h->flags & NET_CL_F_ACK)) {
            KBuf b;
            k_buf_init(&b);
            if (!n->coordinator) progress_encode(n, c, &b);
            int rc = conn_send(c, NET_CL_HEARTBEAT, NET_CL_F_ACK, 0, 0, b.failed ? NULL : b.data,
                               b.failed ? 0 : b.len, err);
            k_buf_free(&b);
            return rc;
        }
        if (n->coordinator && pl->len) progress_apply(n, c, pl);
        return K_OK;
    case NET_CL_FRAGMENT:
        if (n->coordinator) break;
        return start_fragment(c, h, pl, err);
    case NET_CL_BATCH: {
        if (h->flags & NET_CL_F_LOAD) {
            if (n->coordinator) break;
            load_append(c, h->query_id, pl);
            return K_OK;
        }
        if (pl->len < 12) break;
        atomic_fetch_add(&n->bytes_in, pl->len);
        Query *q = query_get(n, h->query_id, !n->coordinator);
        uint32_t xid = rd32(pl->data), prod = rd32(pl->data + 4), cons = rd32(pl->data + 8);
        if (!q) {
            send_credit(c, h->query_id, xid, prod, cons, 1);
            return K_OK;
        }
        uint8_t *copy = malloc(pl->len - 12 + 1);
        if (!copy) {
            query_put(n, q);
            return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        }
        memcpy(copy, pl->data + 12, pl->len - 12);
        bool packed = (h->flags & NET_CL_F_PACKED) != 0;
        bool ok = inbox_push(q, xid, prod, cons, copy, pl->len - 12, c, packed);
        query_put(n, q);
        if (!ok) return k_error(err, K_PROTOCOL_VIOLATION, "peer exceeded its flow-control window");
        return K_OK;
    }
    case NET_CL_END_OF_STREAM: {
        if (pl->len != 12) break;
        Query *q = query_get(n, h->query_id, !n->coordinator);
        if (q) {
            inbox_eos(q, rd32(pl->data), rd32(pl->data + 8));
            query_put(n, q);
        }
        return K_OK;
    }
    case NET_CL_CREDIT: {
        if (pl->len != 16) break;
        Query *q = query_get(n, h->query_id, false);
        if (q) {
            pthread_mutex_lock(&q->mu);
            Stream *s = stream_find(q, rd32(pl->data), rd32(pl->data + 4), rd32(pl->data + 8));
            if (s) s->credit += (int32_t)rd32(pl->data + 12);
            pthread_cond_broadcast(&q->cond);
            pthread_mutex_unlock(&q->mu);
            query_put(n, q);
        }
        return K_OK;
    }
    case NET_CL_CANCEL: {
        Query *q = query_get(n, h->query_id, false);
        if (q) {
            query_cancel(q);
            if (h->flags & NET_CL_F_END) query_end(n, q);
            query_put(n, q);
        } else if (h->flags & NET_CL_F_END) {
            pthread_mutex_lock(&n->mu);
            n->ended[n->ended_pos++ % ENDED_RING] = h->query_id;
            pthread_mutex_unlock(&n->mu);
        }
        return K_OK;
    }
    case NET_CL_STATS:
    case NET_CL_ERROR: {
        if (h->flags & NET_CL_F_REPLY) {
            KReader r;
            k_reader_init(&r, pl->data, pl->len);
            pthread_mutex_lock(&c->rmu);
            if (h->query_id == c->req_id) {
                net_cl_err_decode(&r, &c->rerr);
                c->req_failed = true;
                c->req_done = true;
                pthread_cond_broadcast(&c->rcond);
            }
            pthread_mutex_unlock(&c->rmu);
            return K_OK;
        }
        if (!n->coordinator) {
            if (h->type == NET_CL_ERROR) {
                KReader r;
                KErr e;
                k_reader_init(&r, pl->data, pl->len);
                net_cl_err_decode(&r, &e);
                k_warn("cluster: peer %s reported: %s", c->addr, e.message);
                return K_OK;
            }
            break;
        }
        Query *q = query_get(n, h->query_id, false);
        if (!q) return K_OK;
        KReader r;
        k_reader_init(&r, pl->data, pl->len);
        k_get_u32(&r); /* instance */
        if (h->type == NET_CL_ERROR) {
            KErr e;
            net_cl_err_decode(&r, &e);
            if (e.code != K_QUERY_CANCELED || !atomic_load(&q->cancel)) {
                if (!strstr(e.detail, "worker"))
                    k_err_detail(&e, "%s%sOn worker %s, fragment %u.", e.detail,
                                 e.detail[0] ? " " : "", c->addr, h->fragment_id);
                query_fail(q, &e);
            }
        } else {
            uint64_t bytes = k_get_u64(&r);
            uint32_t ns = k_get_u32(&r);
            pthread_mutex_lock(&q->mu);
            if (!r.failed) q->bytes_sent += bytes;
            for (uint32_t i = 0; i < ns && !r.failed; i++) {
                ExOpStats one; /* every counter, scans' and runtime filters' too */
                ex_op_stats_get(&r, &one);
                if (q->stats && i < q->nstats && !r.failed) ex_op_stats_add(&q->stats[i], &one);
            }
            pthread_mutex_unlock(&q->mu);
        }
        pthread_mutex_lock(&q->mu);
        q->remote_done++;
        pthread_cond_broadcast(&q->cond);
        pthread_mutex_unlock(&q->mu);
        query_put(n, q);
        return K_OK;
    }
    case NET_CL_REQUEST: {
        if (n->coordinator) break;
        /* catalog changes and commits (fsync) run on a thread of their own
         * so heartbeat answers are not delayed; statistics are answered
         * here. The coordinator sends one request at a time per connection
         * and waits for its reply, so order is kept. */
        uint8_t op = pl->len ? pl->data[0] : 0;
        if (op == REQ_TABLE_STATS || op == REQ_COL_STATS || op == REQ_SKETCH) {
            ReqJob j = {c, h->query_id, *pl};
            request_run(&j);
            return K_OK;
        }
        ReqJob *j = calloc(1, sizeof *j);
        if (!j) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        j->c = c;
        j->id = h->query_id;
        k_buf_init(&j->pl);
        k_buf_put(&j->pl, pl->data, pl->len);
        if (j->pl.failed || spawn(n, request_thread, j)) {
            k_buf_free(&j->pl);
            free(j);
            return k_error(err, K_INSUFFICIENT_RESOURCES, "could not start a request thread");
        }
        return K_OK;
    }
    case NET_CL_REPLY:
        pthread_mutex_lock(&c->rmu);
        if (h->query_id == c->req_id) {
            k_buf_clear(&c->reply);
            k_buf_put(&c->reply, pl->data, pl->len);
            c->req_failed = false;
            c->req_done = true;
            pthread_cond_broadcast(&c->rcond);
        }
        pthread_mutex_unlock(&c->rmu);
        return K_OK;
    default: break;
    }
    return k_error(err, K_PROTOCOL_VIOLATION, "unexpected %s message", net_cl_msg_name(h->type));
}

static void
reject(NetClNode *n, Conn *c, const KErr *e)
{
    k_warn("cluster: rejecting connection %s: %s", c->addr, e->message);
    pthread_mutex_lock(&n->mu);
    n->rejects++;
    snprintf(n->last_reject, sizeof n->last_reject, "%.200s", e->message);
    pthread_mutex_unlock(&n->mu);
}

/* The coordinator connection of some queries died: nobody will collect
 * their results or send END, so cancel them and forget them here. */
static void
orphan_queries(NetClNode *n, Conn *c)
{
    for (;;) {
        pthread_mutex_lock(&n->mu);
        Query *q = n->queries;
        while (q && q->coord != c) q = q->next;
        if (q) q->refs++;
        pthread_mutex_unlock(&n->mu);
        if (!q) return;
        k_warn("cluster: coordinator connection %s lost: cancelling query %llu", c->addr,
               (unsigned long long)q->id);
        query_cancel(q);
        query_end(n, q);
        query_put(n, q);
    }
}

static void *
reader_main(void *arg)
{
    Conn *c = arg;
    NetClNode *n = c->node;
    KErr err;
    k_err_clear(&err);
    if (!c->outgoing) {
        char peer[64] = "";
        if (net_cl_handshake_server(c->fd, n->secret, n->secret_len, peer, sizeof peer, &err)) {
            reject(n, c, &err);
            conn_kill(c, NULL);
            thread_exit(n);
            return NULL;
        }
        size_t l = strlen(c->addr);
        snprintf(c->addr + l, sizeof c->addr - l, " (%s)", peer);
    }
    KBuf pl;
    k_buf_init(&pl);
    while (!atomic_load(&n->stop) && !atomic_load(&c->dead)) {
        struct pollfd p = {c->fd, POLLIN, 0};
        int pr = poll(&p, 1, 200);
        if (pr <= 0) continue;
        NetClHdr h;
        bool eof;
        if (net_cl_frame_recv(c->fd, 1000, &h, &pl, &eof, &err)) {
            if (!atomic_load(&c->dead)) {
                if (!c->outgoing) reject(n, c, &err);
                conn_kill(c, err.message);
            }
            break;
        }
        if (eof) {
            conn_kill(c, c->outgoing || n->coordinator ? "peer closed the connection" : NULL);
            break;
        }
        atomic_store(&c->last_recv_ns, now_ns());
        if (dispatch(c, &h, &pl, &err)) {
            if (!c->outgoing && err.code == K_PROTOCOL_VIOLATION) reject(n, c, &err);
            conn_kill(c, err.message);
            break;
        }
        if (pl.cap > (1u << 22)) { /* do not keep a huge buffer around */
            k_buf_free(&pl);
            k_buf_init(&pl);
        }
    }
    k_buf_free(&pl);
    conn_kill(c, NULL);
    if (!n->coordinator) orphan_queries(n, c);
    thread_exit(n);
    return NULL;
}

/* A coordinator that falls silent (its host died without closing the
 * connection): its heartbeats stop, so after coord_timeout of silence the
 * connection is closed and its queries are cancelled (orphan_queries). */
static void
check_coordinators(NetClNode *n)
{
    Conn *kill[16];
    uint32_t nk = 0;
    uint64_t t = now_ns(), limit = (uint64_t)n->coord_timeout_ms * 1000000u;
    pthread_mutex_lock(&n->mu);
    for (Query *q = n->queries; q && nk < 16; q = q->next) {
        Conn *c = q->coord;
        if (!c || atomic_load(&c->dead)) continue;
        uint64_t last = atomic_load(&c->last_recv_ns);
        bool seen = false;
        for (uint32_t i = 0; i < nk; i++) seen |= kill[i] == c;
        if (!seen && last < t && t - last > limit) kill[nk++] = c;
    }
    pthread_mutex_unlock(&n->mu);
    for (uint32_t i = 0; i < nk; i++)
        conn_kill(kill[i], "the coordinator stopped sending heartbeats");
}

static void *
accept_main(void *arg)
{
    NetClNode *n = arg;
    uint64_t last_check = 0;
    while (!atomic_load(&n->stop)) {
        if (now_ns() - last_check > 100000000u) {
            last_check = now_ns();
            check_coordinators(n);
        }
        struct pollfd p = {n->lfd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(n->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char peer[80] = "incoming";
        char host[INET6_ADDRSTRLEN] = "?";
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
            snprintf(peer, sizeof peer, "from %s:%u", host,
                     ntohs(((struct sockaddr_in *)&ss)->sin_port));
        } else if (ss.ss_family == AF_INET6) {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
            snprintf(peer, sizeof peer, "from [%s]:%u", host,
                     ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
        }
        Conn *c = conn_new(n, fd, peer, false);
        if (!c) {
            close(fd);
            continue;
        }
        if (spawn(n, reader_main, c)) conn_kill(c, "could not start a thread");
    }
    thread_exit(n);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */
/* ------------------------------------------------------------------ */
static NetClNode *
node_new(const char *secret, size_t secret_len, const char *name, KErr *err)
{
    if (!secret || !secret_len) {
        k_error(err, K_INVALID_PARAMETER_VALUE, "a cluster secret is required");
        return NULL;
    }
    NetClNode *n = calloc(1, sizeof *n);
    if (!n || !(n->secret = malloc(secret_len))) {
        free(n);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    memcpy(n->secret, secret, secret_len);
    n->secret_len = secret_len;
    snprintf(n->name, sizeof n->name, "%s", name ? name : "node");
    n->lfd = -1;
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cond, NULL);
    pthread_mutex_init(&n->dial_mu, NULL);
    return n;
}

static void
node_stop(NetClNode *n)
{
    atomic_store(&n->stop, 1);
    pthread_mutex_lock(&n->mu);
    Query *qs = n->queries;
    for (Query *q = qs; q; q = q->next) q->refs++;
    pthread_mutex_unlock(&n->mu);
    for (Query *q = qs, *nx; q; q = nx) {
        nx = q->next;
        query_cancel(q);
    }
    for (Conn *c = n->conns; c; c = c->next) conn_kill(c, NULL);
    pthread_mutex_lock(&n->mu);
    while (n->threads) {
        /* conn_kill takes n->mu: call it unlocked. A connection accepted
         * after the pass above (a coordinator redialling while everything
         * stops) is killed here; conns are only freed below, so walking
         * the list from a head read under the lock is safe. */
        Conn *head = n->conns;
        pthread_mutex_unlock(&n->mu);
        for (Conn *c = head; c; c = c->next) conn_kill(c, NULL);
        pthread_mutex_lock(&n->mu);
        if (!n->threads) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&n->cond, &n->mu, &ts);
    }
    pthread_mutex_unlock(&n->mu);
    for (Query *q = qs, *nx; q; q = nx) {
        nx = q->next;
        query_end(n, q);
        query_put(n, q);
    }
    /* queries still registered but never referenced by us */
    while (n->queries) {
        Query *q = n->queries;
        n->queries = q->next;
        query_free(q);
    }
    for (Conn *c = n->conns, *nx; c; c = nx) {
        nx = c->next;
        close(c->fd);
        pthread_mutex_destroy(&c->wmu);
        pthread_mutex_destroy(&c->req_lock);
        pthread_mutex_destroy(&c->rmu);
        pthread_cond_destroy(&c->rcond);
        k_buf_free(&c->reply);
        free(c);
    }
    for (Load *l = n->loads, *nx; l; l = nx) {
        nx = l->next;
        load_free(l);
    }
    if (n->lfd >= 0) close(n->lfd);
    if (n->db) st_db_close(n->db);
    k_arena_destroy(n->arena);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cond);
    pthread_mutex_destroy(&n->dial_mu);
    free(n->secret);
    free(n);
}

int
net_cl_worker_start(const NetClWorkerOptions *o, NetClNode **out, KErr *err)
{
    NetClNode *n = node_new(o->secret, o->secret_len, "worker", err);
    if (!n) return K_ERR;
    n->compress = !o->no_compress;
    n->coord_timeout_ms = o->coord_timeout_ms ? o->coord_timeout_ms : 10000;
    n->arena = k_arena_create(NULL, "cluster worker");
    StDbOptions so;
    memset(&so, 0, sizeof so);
    so.no_fsync = o->no_fsync;
    if (!n->arena) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto fail;
    }
    if (st_db_open(o->data_dir, &so, n->arena, &n->db, err)) goto fail;
    if (net_cl_listen(o->listen_host, o->port, &n->lfd, &n->port, err)) goto fail;
    snprintf(n->name, sizeof n->name, "worker %s:%u", o->listen_host ? o->listen_host : "127.0.0.1",
             n->port);
    if (spawn(n, accept_main, n)) {
        k_error(err, K_INSUFFICIENT_RESOURCES, "could not start the listener thread");
        goto fail;
    }
    *out = n;
    return K_OK;
fail:
    node_stop(n);
    return K_ERR;
}

uint16_t
net_cl_worker_port(const NetClNode *n)
{
    return n->port;
}

StDb *
net_cl_worker_db(const NetClNode *n)
{
    return n->db;
}

uint64_t
net_cl_worker_rejects(NetClNode *n, char *last_reason, size_t cap)
{
    pthread_mutex_lock(&n->mu);
    uint64_t r = n->rejects;
    if (last_reason && cap) snprintf(last_reason, cap, "%s", n->last_reject);
    pthread_mutex_unlock(&n->mu);
    return r;
}

void
net_cl_worker_stop(NetClNode *n)
{
    if (n) node_stop(n);
}

/* ------------------------------------------------------------------ */
/* The coordinator's client                                             */
/* ------------------------------------------------------------------ */
/* The current connection to worker w (replaced when the worker rejoins). */
static Conn *
wconn(NetCluster *c, uint32_t w)
{
    return __atomic_load_n(&c->workers[w], __ATOMIC_ACQUIRE);
}

/* A worker whose connection died is dialled again: a restarted worker
 * rejoins on the next query or request. */
static int
wreconnect(NetCluster *c, uint32_t w, KErr *err)
{
    if (!atomic_load(&wconn(c, w)->dead)) return K_OK;
    Conn *nc;
    if (conn_dial(c->node, c->addrs[w], &nc, err)) {
        k_error(err, K_CONNECTION_FAILURE, "worker %s is not available", c->addrs[w]);
        k_err_detail(err, "The connection was lost and the worker does not answer.");
        k_err_hint(err, "Restart the worker; it rejoins on the next query.");
        return K_ERR;
    }
    if (nc == wconn(c, w)) return K_OK; /* another thread redialled it meanwhile */
    __atomic_store_n(&c->workers[w], nc, __ATOMIC_RELEASE);
    atomic_fetch_add(&c->connects[w], 1);
    k_info("cluster: worker %s rejoined", c->addrs[w]);
    return K_OK;
}

/* A dead worker is dialled again every second (on a thread of its own: a
 * host that swallows packets makes a dial wait up to 5 s, which must not
 * delay the heartbeats), so a restarted worker is back — and shown up in
 * kestrel_workers — without waiting for a query to need it. */
static void *
rejoin_main(void *arg)
{
    NetCluster *c = arg;
    NetClNode *n = c->node;
    while (!atomic_load(&n->stop)) {
        for (uint32_t w = 0; w < c->n && !atomic_load(&n->stop); w++) {
            KErr e;
            if (atomic_load(&wconn(c, w)->dead) && wreconnect(c, w, &e)) {
            }
        }
        for (int i = 0; i < 20 && !atomic_load(&n->stop); i++) usleep(50 * 1000);
    }
    return NULL;
}

static void *
monitor_main(void *arg)
{
    NetCluster *c = arg;
    NetClNode *n = c->node;
    uint64_t hb = (uint64_t)(c->o.heartbeat_ms ? c->o.heartbeat_ms : 1000) * 1000000u;
    uint64_t dead = (uint64_t)(c->o.dead_after_ms ? c->o.dead_after_ms : 3000) * 1000000u;
    uint64_t last_hb = 0;
    while (!atomic_load(&n->stop)) {
        uint64_t t = now_ns();
        if (t - last_hb >= hb) {
            last_hb = t;
            for (uint32_t w = 0; w < c->n; w++) {
                KErr e;
                if (!atomic_load(&wconn(c, w)->dead) &&
                    conn_send(wconn(c, w), NET_CL_HEARTBEAT, 0, 0, 0, NULL, 0, &e)) {
                }
            }
        }
        for (uint32_t w = 0; w < c->n; w++) {
            Conn *cn = wconn(c, w);
            uint64_t last = atomic_load(&cn->last_recv_ns);
            if (!atomic_load(&cn->dead) && last < t && t - last > dead) {
                char why[128];
                snprintf(why, sizeof why, "no heartbeat for %llu ms",
                         (unsigned long long)((t - last) / 1000000u));
                conn_kill(cn, why);
            }
        }
        pthread_mutex_lock(&n->mu);
        for (Query *q = n->queries; q; q = q->next) {
            KErr e;
            if (q->user_cancel && *q->user_cancel && !q->failed) {
                k_error(&e, K_QUERY_CANCELED, "canceling statement due to user request");
                query_fail(q, &e);
            }
            for (uint32_t w = 0; w < c->n && !q->failed; w++)
                if ((!q->uses || q->uses[w]) && atomic_load(&wconn(c, w)->dead)) {
                    k_error(&e, K_CONNECTION_FAILURE, "lost connection to worker %s", c->addrs[w]);
                    k_err_detail(&e, "The worker process died or stopped answering heartbeats.");
                    query_fail(q, &e);
                }
        }
        pthread_mutex_unlock(&n->mu);
        usleep(50 * 1000);
    }
    return NULL;
}

int
net_cluster_connect(const NetClusterOptions *o, const char *const *addrs, uint32_t nw,
                    NetCluster **out, KErr *err)
{
    if (nw == 0)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "a cluster needs at least one worker");
    NetCluster *c = calloc(1, sizeof *c);
    if (!c) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    c->o = *o;
    c->coord_db = o->coord_db;
    pthread_mutex_init(&c->adm_mu, NULL);
    pthread_cond_init(&c->adm_cond, NULL);
    c->node = node_new(o->secret, o->secret_len, o->name ? o->name : "coordinator", err);
    if (!c->node) {
        free(c);
        return K_ERR;
    }
    c->node->coordinator = true;
    c->node->compress = o->compress;
    c->n = nw;
    c->addrs = calloc(nw, sizeof(char *));
    c->workers = calloc(nw, sizeof(Conn *));
    c->connects = calloc(nw, sizeof *c->connects);
    if (!c->addrs || !c->workers || !c->connects) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto fail;
    }
    for (uint32_t w = 0; w < nw; w++) {
        c->addrs[w] = strdup(addrs[w]);
        if (!c->addrs[w]) {
            k_error(err, K_OUT_OF_MEMORY, "out of memory");
            goto fail;
        }
        atomic_store(&c->connects[w], 1);
        if (conn_dial(c->node, addrs[w], &c->workers[w], err))
            goto fail; /* before the monitor starts */
    }
    if (pthread_create(&c->monitor, NULL, monitor_main, c)) {
        k_error(err, K_INSUFFICIENT_RESOURCES, "could not start the heartbeat thread");
        goto fail;
    }
    c->has_monitor = true;
    if (pthread_create(&c->rejoin, NULL, rejoin_main, c)) {
        k_error(err, K_INSUFFICIENT_RESOURCES, "could not start the rejoin thread");
        goto fail;
    }
    c->has_rejoin = true;
    *out = c;
    return K_OK;
fail:
    net_cluster_close(c);
    return K_ERR;
}

void
net_cluster_close(NetCluster *c)
{
    if (!c) return;
    atomic_store(&c->node->stop, 1);
    if (c->has_monitor) pthread_join(c->monitor, NULL);
    if (c->has_rejoin) pthread_join(c->rejoin, NULL);
    node_stop(c->node);
    for (uint32_t w = 0; c->addrs && w < c->n; w++) free(c->addrs[w]);
    free(c->addrs);
    free(c->workers);
    free(c->connects);
    pthread_mutex_destroy(&c->adm_mu);
    pthread_cond_destroy(&c->adm_cond);
    free(c);
}

uint32_t
net_cluster_nworkers(const NetCluster *c)
{
    return c->n;
}

const char *
net_cluster_worker_addr(const NetCluster *c, uint32_t w)
{
    return w < c->n ? c->addrs[w] : NULL;
}

bool
net_cluster_worker_alive(NetCluster *c, uint32_t w)
{
    return w < c->n && !atomic_load(&wconn(c, w)->dead);
}

void
net_cluster_worker_info(NetCluster *c, uint32_t w, NetClWorkerInfo *out)
{
    memset(out, 0, sizeof *out);
    if (w >= c->n) return;
    Conn *cn = wconn(c, w);
    uint64_t t = now_ns(), last = atomic_load(&cn->last_recv_ns);
    out->addr = c->addrs[w];
    out->alive = !atomic_load(&cn->dead);
    out->last_heard_ms = last < t ? (t - last) / 1000000u : 0;
    out->connects = atomic_load(&c->connects[w]);
}

uint64_t
net_cluster_bytes_received(NetCluster *c)
{
    return atomic_load(&c->node->bytes_in);
}

uint64_t
net_cluster_bytes_sent(NetCluster *c)
{
    return atomic_load(&c->node->bytes_sent);
}

uint32_t
net_cluster_peak_queued(NetCluster *c, bool reset)
{
    return reset ? atomic_exchange(&c->node->peak_queued, 0) : atomic_load(&c->node->peak_queued);
}

static const ExFragment *
frag_by_id(const ExQueryPlan *q, uint32_t id, uint32_t *index)
{
    for (uint32_t i = 0; i < q->nfrags; i++)
        if (q->frags[i].id == id) {
            if (index) *index = i;
            return &q->frags[i];
        }
    return NULL;
}

static uint32_t
ninst_of(const NetCluster *c, const ExFragment *f)
{
    return f->placement == EX_RUN_EVERY_WORKER ? c->n : 1;
}

/* Worker index of instance `i` of f, or -1 for the coordinator. */
static int32_t
loc_of(const ExFragment *f, uint32_t i, uint32_t any)
{
    if (f->placement == EX_RUN_EVERY_WORKER) return (int32_t)i;
    if (f->placement == EX_RUN_ANY_WORKER) return (int32_t)any;
    return -1;
}

static uint32_t
nprod_of(const NetCluster *c, const ExQueryPlan *q, uint32_t xid)
{
    for (uint32_t i = 0; i < q->nfrags; i++)
        if (i != q->root && q->frags[i].out.exchange_id == xid) return ninst_of(c, &q->frags[i]);
    return 0;
}

/* Build an Inst for a coordinator-side fragment. */
static Inst *
local_inst(NetCluster *c, Query *qq, const ExQueryPlan *q, uint32_t fi, const ExParam *params,
           uint32_t nparams, char **cons, uint32_t ncons, uint32_t *xids, uint32_t nsrc, KErr *err)
{
    Inst *in = calloc(1, sizeof *in);
    KArena *a = k_arena_create(NULL, "cluster coordinator fragment");
    if (!in || !a) {
        free(in);
        k_arena_destroy(a);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    in->node = c->node;
    in->q = qq;
    in->arena = a;
    in->plan = (ExQueryPlan *)q;
    in->f = &q->frags[fi];
    in->instance = 0;
    in->nworkers = c->n;
    in->nthreads = c->o.nthreads;
    in->mem_limit = c->o.mem_limit;
    in->params = (ExParam *)params;
    in->nparams = nparams;
    in->cons = cons;
    in->ncons = ncons;
    in->nsrc = nsrc;
    in->src_xid = k_alloc0(a, 4 * (nsrc + 1));
    if (!in->src_xid) {
        inst_free(in);
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        return NULL;
    }
    memcpy(in->src_xid, xids, 4 * nsrc);
    in->db = c->coord_db;
    return in;
}

static int
run_admitted(NetCluster *c, const ExQueryPlan *q, const ExParam *params, uint32_t nparams,
             const volatile int *cancel, ExOpStats *stats, ExSink *result, uint64_t *bytes_sent,
             ExOpStats *progress, KErr *err)
{
    NetClNode *n = c->node;
    if (!q->nfrags || q->root >= q->nfrags)
        return k_error(err, K_INTERNAL_ERROR, "query plan without a root fragment");
    /* a plan with a fragment on every worker needs them all; one whose
     * fragments run on any one worker (only replicated tables) runs on a
     * worker that answers, so it survives the loss of the others */
    bool every = false;
    for (uint32_t fi = 0; fi < q->nfrags; fi++)
        if (q->frags[fi].placement == EX_RUN_EVERY_WORKER) every = true;
    uint64_t qid = atomic_fetch_add(&c->next_id, 1) + 1;
    uint32_t any = (uint32_t)(qid % c->n);
    if (every) {
        for (uint32_t w = 0; w < c->n; w++)
            if (wreconnect(c, w, err)) return K_ERR;
    } else {
        int found = -1;
        KErr first;
        bool have_first = false;
        for (uint32_t k = 0; k < c->n && found < 0; k++) {
            uint32_t w = (any + k) % c->n;
            KErr e;
            if (wreconnect(c, w, &e) == K_OK) found = (int)w;
            else if (!have_first) k_err_copy(&first, &e), have_first = true;
        }
        if (found < 0) {
            k_err_copy(err, &first);
            return K_ERR;
        }
        any = (uint32_t)found;
    }
    if (cancel && *cancel)
        return k_error(err, K_QUERY_CANCELED, "canceling statement due to user request");
    qid |= (uint64_t)(now_ns() & 0xffffff) << 40; /* distinct across coordinator restarts */
    Query *qq = query_get(n, qid, true);
    if (!qq) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    qq->user_cancel = cancel;
    KArena *a = k_arena_create(NULL, "cluster query");
    ExOpStats *rstats = stats && a ? k_alloc0(a, sizeof(ExOpStats) * q->nops) : NULL;
    qq->stats = rstats; /* remote instances add here; summed into stats at the end */
    qq->nstats = rstats ? q->nops : 0;
    if (progress && q->nops) {
        Conn **pc = calloc(c->n, sizeof(Conn *));
        uint64_t *pr = calloc((size_t)c->n * q->nops, sizeof(uint64_t));
        pthread_mutex_lock(&qq->mu);
        if (pc && pr) {
            qq->pconn = pc;
            qq->prows = pr;
            qq->maxpconn = c->n;
            qq->prog_nops = q->nops;
            qq->progress = progress;
        } else {
            free(pc);
            free(pr);
        }
        pthread_mutex_unlock(&qq->mu);
    }
    KBuf plan, fb;
    k_buf_init(&plan);
    k_buf_init(&fb);
    int rc = K_ERR;
    uint32_t maxx = 0;
    uint32_t *xids = NULL;
    bool *sent_to = calloc(c->n, sizeof(bool));
    if (!a || !sent_to) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    if (!every) {
        pthread_mutex_lock(&n->mu);
        qq->uses = sent_to; /* the monitor fails it only for these workers */
        pthread_mutex_unlock(&n->mu);
    }
    for (uint32_t i = 0; i < q->nfrags; i++) maxx += 64;
    xids = k_alloc0(a, 4 * (maxx + 1));
    if (xids) ex_query_serialize(q, &plan);
    if (!xids || plan.failed) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    /* remote instances */
    for (uint32_t fi = 0; fi < q->nfrags; fi++) {
        const ExFragment *f = &q->frags[fi];
        if (f->placement == EX_RUN_COORDINATOR) continue;
        const ExFragment *cf = f->has_output ? frag_by_id(q, f->out.target_fragment, NULL) : NULL;
        uint32_t ncons = cf ? ninst_of(c, cf) : 0;
        uint32_t nsrc = 0;
        collect_sources(f->root, xids, &nsrc, maxx);
        for (uint32_t i = 0; i < ninst_of(c, f); i++) {
            int32_t w = loc_of(f, i, any);
            k_buf_clear(&fb);
            k_buf_put_u32(&fb, fi);
            k_buf_put_u32(&fb, i);
            k_buf_put_u32(&fb, c->n);
            k_buf_put_u32(&fb, c->o.nthreads);
            k_buf_put_u64(&fb, c->o.mem_limit);
            k_buf_put_u8(&fb, stats != NULL);
            k_buf_put_u32(&fb, ncons);
            for (uint32_t k = 0; k < ncons; k++) {
                int32_t cw = loc_of(cf, k, any);
                const char *ad = cw < 0 ? "" : c->addrs[cw];
                k_buf_put_str(&fb, ad, strlen(ad));
            }
            k_buf_put_u32(&fb, nsrc);
            for (uint32_t k = 0; k < nsrc; k++) {
                k_buf_put_u32(&fb, xids[k]);
                k_buf_put_u32(&fb, nprod_of(c, q, xids[k]));
            }
            k_buf_put_u32(&fb, nparams);
            for (uint32_t k = 0; k < nparams; k++) put_param(&fb, &params[k]);
            k_buf_put_str(&fb, (const char *)plan.data, plan.len);
            if (fb.failed) {
                k_error(err, K_OUT_OF_MEMORY, "out of memory");
                goto fail;
            }
            pthread_mutex_lock(&qq->mu);
            qq->remote_expected++;
            pthread_mutex_unlock(&qq->mu);
            sent_to[w] = true;
            if (conn_send(wconn(c, w), NET_CL_FRAGMENT, 0, qid, f->id, fb.data, fb.len, err)) {
                k_error(err, K_CONNECTION_FAILURE, "lost connection to worker %s", c->addrs[w]);
                goto fail;
            }
        }
    }
    /* coordinator fragments: producers on threads, the root here */
    Inst *root = NULL;
    for (uint32_t fi = 0; fi < q->nfrags; fi++) {
        const ExFragment *f = &q->frags[fi];
        if (f->placement != EX_RUN_COORDINATOR) continue;
        uint32_t nsrc = 0;
        collect_sources(f->root, xids, &nsrc, maxx);
        pthread_mutex_lock(&qq->mu);
        for (uint32_t k = 0; k < nsrc; k++) {
            Inbox *ib = inbox_find(qq, xids[k], 0, true);
            if (ib) ib->nproducers = (int32_t)nprod_of(c, q, xids[k]);
        }
        pthread_mutex_unlock(&qq->mu);
        char **cons = NULL;
        uint32_t ncons = 0;
        const ExFragment *cf =
            fi != q->root && f->has_output ? frag_by_id(q, f->out.target_fragment, NULL) : NULL;
        if (cf) {
            ncons = ninst_of(c, cf);
            cons = k_alloc0(a, sizeof(char *) * ncons);
            if (!cons) {
                k_error(err, K_OUT_OF_MEMORY, "out of memory");
                goto fail;
            }
            for (uint32_t k = 0; k < ncons; k++) {
                int32_t cw = loc_of(cf, k, any);
                cons[k] = cw < 0 ? "" : c->addrs[cw];
                if (cw >= 0) sent_to[cw] = true;
            }
        }
        Inst *in = local_inst(c, qq, q, fi, params, nparams, cons, ncons, xids, nsrc, err);
        if (!in) goto fail;
        if (fi == q->root) {
            root = in;
            continue;
        }
        pthread_mutex_lock(&qq->mu);
        qq->running++;
        pthread_mutex_unlock(&qq->mu);
        query_get(n, qid, false); /* the thread's reference */
        if (spawn(n, inst_thread, in)) {
            pthread_mutex_lock(&qq->mu);
            qq->running--;
            pthread_mutex_unlock(&qq->mu);
            query_put(n, qq);
            inst_free(in);
            k_error(err, K_INSUFFICIENT_RESOURCES, "could not start a fragment thread");
            goto fail;
        }
    }
    if (!root) {
        k_error(err, K_INTERNAL_ERROR, "the root fragment does not run on the coordinator");
        goto fail;
    }
    ExSink rs = *result;
    rs.finish = NULL;
    int rr = inst_run(root, &rs, stats, err);
    inst_free(root);
    if (rr) {
        if (qq->failed) cancel_error(qq, err);
        goto fail;
    }
    /* the root has every row it needs: stop what is left unless statistics
     * are wanted, then wait for every instance to report */
    if (!stats) {
        for (uint32_t w = 0; w < c->n; w++) {
            KErr e;
            if (sent_to[w] && conn_send(wconn(c, w), NET_CL_CANCEL, 0, qid, 0, NULL, 0, &e)) {
            }
        }
    }
    uint64_t deadline = now_ns() + 5000000000ull;
    pthread_mutex_lock(&qq->mu);
    while ((qq->remote_done < qq->remote_expected || qq->running) &&
           (stats ? !qq->failed : now_ns() < deadline)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&qq->cond, &qq->mu, &ts);
    }
    bool failed = stats && qq->failed;
    if (failed) k_err_copy(err, &qq->err);
    pthread_mutex_unlock(&qq->mu);
    if (failed) goto fail;
    for (uint32_t i = 0; rstats && i < q->nops; i++) ex_op_stats_add(&stats[i], &rstats[i]);
    if (result->finish && result->finish(result->ctx, err)) goto fail;
    rc = K_OK;
    goto out;
fail:
    query_cancel(qq);
out:
    if (qq) {
        for (uint32_t w = 0; sent_to && w < c->n; w++) {
            KErr e;
            if (sent_to[w] && !atomic_load(&wconn(c, w)->dead) &&
                conn_send(wconn(c, w), NET_CL_CANCEL, NET_CL_F_END, qid, 0, NULL, 0, &e)) {
            }
        }
        query_cancel(qq);
        pthread_mutex_lock(&qq->mu);
        while (qq->running) pthread_cond_wait(&qq->cond, &qq->mu);
        qq->progress = NULL; /* the caller's array: no heartbeat writes it after this */
        pthread_mutex_unlock(&qq->mu);
        atomic_fetch_add(&n->bytes_sent, qq->bytes_sent);
        if (bytes_sent) *bytes_sent = qq->bytes_sent;
        uint32_t pk = qq->node_peak_seen;
        if (pk > atomic_load(&n->peak_queued)) atomic_store(&n->peak_queued, pk);
        query_end(n, qq);
        query_put(n, qq);
    }
    free(sent_to);
    k_buf_free(&plan);
    k_buf_free(&fb);
    k_arena_destroy(a);
    return rc;
}

/* Admission: at most o.max_queries run at once; the others wait their turn
 * (a cancel while waiting is honoured) rather than failing or thrashing. */
int
net_cluster_run(NetCluster *c, const ExQueryPlan *q, const ExParam *params, uint32_t nparams,
                const volatile int *cancel, ExOpStats *stats, ExSink *result, KErr *err)
{
    return net_cluster_run_bytes(c, q, params, nparams, cancel, stats, result, NULL, err);
}

int
net_cluster_run_bytes(NetCluster *c, const ExQueryPlan *q, const ExParam *params, uint32_t nparams,
                      const volatile int *cancel, ExOpStats *stats, ExSink *result,
                      uint64_t *bytes_sent, KErr *err)
{
    return net_cluster_run_progress(c, q, params, nparams, cancel, stats, result, bytes_sent, NULL,
                                    err);
}

int
net_cluster_run_progress(NetCluster *c, const ExQueryPlan *q, const ExParam *params,
                         uint32_t nparams, const volatile int *cancel, ExOpStats *stats,
                         ExSink *result, uint64_t *bytes_sent, ExOpStats *progress, KErr *err)
{
    if (bytes_sent) *bytes_sent = 0;
    pthread_mutex_lock(&c->adm_mu);
    while (c->o.max_queries && c->running >= c->o.max_queries) {
        if (cancel && *cancel) {
            pthread_mutex_unlock(&c->adm_mu);
            return k_error(err, K_QUERY_CANCELED, "canceling statement due to user request");
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->adm_cond, &c->adm_mu, &ts);
    }
    c->running++;
    if (c->running > c->peak_running) c->peak_running = c->running;
    pthread_mutex_unlock(&c->adm_mu);
    int rc = run_admitted(c, q, params, nparams, cancel, stats, result, bytes_sent, progress, err);
    pthread_mutex_lock(&c->adm_mu);
    c->running--;
    pthread_cond_signal(&c->adm_cond);
    pthread_mutex_unlock(&c->adm_mu);
    return rc;
}

uint32_t
net_cluster_peak_running(NetCluster *c)
{
    pthread_mutex_lock(&c->adm_mu);
    uint32_t p = c->peak_running;
    pthread_mutex_unlock(&c->adm_mu);
    return p;
}

/* ------------------------------------------------------------------ */
/* Requests (coordinator side)                                          */
/* ------------------------------------------------------------------ */
static int
request(NetCluster *c, uint32_t w, const KBuf *pl, KBuf *reply, KErr *err)
{
    if (w >= c->n) return k_error(err, K_INVALID_PARAMETER_VALUE, "no worker %u", w);
    if (pl->failed) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    if (wreconnect(c, w, err)) return K_ERR;
    Conn *cn = wconn(c, w);
    pthread_mutex_lock(&cn->req_lock);
    pthread_mutex_lock(&cn->rmu);
    uint64_t rid = atomic_fetch_add(&c->next_id, 1) + 1;
    cn->req_id = rid;
    cn->req_done = false;
    pthread_mutex_unlock(&cn->rmu);
    int rc = conn_send(cn, NET_CL_REQUEST, 0, rid, 0, pl->data, pl->len, err);
    if (rc == K_OK) {
        pthread_mutex_lock(&cn->rmu);
        while (!cn->req_done && !atomic_load(&cn->dead)) pthread_cond_wait(&cn->rcond, &cn->rmu);
        if (!cn->req_done) {
            rc = k_error(err, K_CONNECTION_FAILURE, "lost connection to worker %s", c->addrs[w]);
        } else if (cn->req_failed) {
            k_err_copy(err, &cn->rerr);
            rc = K_ERR;
        } else if (reply) {
            k_buf_clear(reply);
            k_buf_put(reply, cn->reply.data, cn->reply.len);
        }
        cn->req_id = 0;
        pthread_mutex_unlock(&cn->rmu);
    }
    pthread_mutex_unlock(&cn->req_lock);
    return rc;
}

static int
simple_request(NetCluster *c, uint32_t w, KBuf *pl, KReader *r, KBuf *rep, size_t want, KErr *err)
{
    int rc = request(c, w, pl, rep, err);
    k_buf_free(pl);
    if (rc) return K_ERR;
    k_reader_init(r, rep->data, rep->len);
    if (rep->len < want)
        return k_error(err, K_PROTOCOL_VIOLATION, "malformed reply from worker %s", c->addrs[w]);
    return K_OK;
}

int
net_cluster_table_create(NetCluster *c, uint32_t w, const StTableDef *def, uint32_t *table_id,
                         KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, REQ_CREATE);
    net_cl_tabledef_encode(def, &pl);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, 4, err);
    if (rc == K_OK) *table_id = k_get_u32(&r);
    k_buf_free(&rep);
    return rc;
}

static int
table_op(NetCluster *c, uint32_t w, uint8_t op, uint32_t table_id, KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, op);
    k_buf_put_u32(&pl, table_id);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, 0, err);
    k_buf_free(&rep);
    return rc;
}

int
net_cluster_table_drop(NetCluster *c, uint32_t w, uint32_t table_id, KErr *err)
{
    return table_op(c, w, REQ_DROP, table_id, err);
}

int
net_cluster_table_truncate(NetCluster *c, uint32_t w, uint32_t table_id, KErr *err)
{
    return table_op(c, w, REQ_TRUNCATE, table_id, err);
}

int
net_cluster_table_analyze(NetCluster *c, uint32_t w, uint32_t table_id, KErr *err)
{
    return table_op(c, w, REQ_ANALYZE, table_id, err);
}

static int
name_op(NetCluster *c, uint32_t w, uint8_t op, uint32_t table_id, const char *name, KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, op);
    if (op == REQ_RENAME) k_buf_put_u32(&pl, table_id);
    k_buf_put_str(&pl, name, strlen(name));
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, 0, err);
    k_buf_free(&rep);
    return rc;
}

int
net_cluster_table_rename(NetCluster *c, uint32_t w, uint32_t table_id, const char *name, KErr *err)
{
    return name_op(c, w, REQ_RENAME, table_id, name, err);
}

int
net_cluster_schema_create(NetCluster *c, uint32_t w, const char *name, KErr *err)
{
    return name_op(c, w, REQ_SCHEMA, 0, name, err);
}

int
net_cluster_partition_add(NetCluster *c, uint32_t w, uint32_t table_id, const StPartitionDef *p,
                          uint32_t *part_id, KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, REQ_PART_ADD);
    k_buf_put_u32(&pl, table_id);
    k_buf_put_str(&pl, p->name, strnlen(p->name, sizeof p->name));
    k_buf_put_u8(&pl, (uint8_t)(p->has_lo | p->has_hi << 1));
    k_buf_put(&pl, &p->lo, 16);
    k_buf_put(&pl, &p->hi, 16);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, 4, err);
    if (rc == K_OK) *part_id = k_get_u32(&r);
    k_buf_free(&rep);
    return rc;
}

int
net_cluster_load_begin(NetCluster *c, uint32_t w, uint32_t table_id, uint64_t *load_id, KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, REQ_LOAD_BEGIN);
    k_buf_put_u32(&pl, table_id);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, 8, err);
    if (rc == K_OK) *load_id = k_get_u64(&r);
    k_buf_free(&rep);
    return rc;
}

int
net_cluster_load_append(NetCluster *c, uint32_t w, uint64_t load_id, const KBatch *b, KErr *err)
{
    if (w >= c->n) return k_error(err, K_INVALID_PARAMETER_VALUE, "no worker %u", w);
    if (k_batch_rows(b) == 0) return K_OK;
    KBuf pl;
    k_buf_init(&pl);
    net_cl_batch_encode(b, c->o.compress, 1, &pl);
    int rc = pl.failed ? k_error(err, K_OUT_OF_MEMORY, "out of memory")
                       : conn_send(wconn(c, w), NET_CL_BATCH, NET_CL_F_LOAD, load_id, 0, pl.data,
                                   pl.len, err);
    k_buf_free(&pl);
    return rc;
}

static int
load_op(NetCluster *c, uint32_t w, uint8_t op, uint64_t load_id, uint64_t *rows, KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, op);
    k_buf_put_u64(&pl, load_id);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, rows ? 8 : 0, err);
    if (rc == K_OK && rows) *rows = k_get_u64(&r);
    k_buf_free(&rep);
    return rc;
}

int
net_cluster_load_prepare(NetCluster *c, uint32_t w, uint64_t load_id, uint64_t *rows, KErr *err)
{
    uint64_t dummy;
    return load_op(c, w, REQ_LOAD_PREPARE, load_id, rows ? rows : &dummy, err);
}

int
net_cluster_load_commit(NetCluster *c, uint32_t w, uint64_t load_id, KErr *err)
{
    return load_op(c, w, REQ_LOAD_COMMIT, load_id, NULL, err);
}

void
net_cluster_load_abort(NetCluster *c, uint32_t w, uint64_t load_id)
{
    KErr e;
    if (load_op(c, w, REQ_LOAD_ABORT, load_id, NULL, &e)) {
        k_warn("cluster: abort of load %llu on worker %s failed: %s", (unsigned long long)load_id,
               w < c->n ? c->addrs[w] : "?", e.message);
    }
}

int
net_cluster_table_stats(NetCluster *c, uint32_t w, uint32_t table_id, uint32_t part_id,
                        StTableStats *out, KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, REQ_TABLE_STATS);
    k_buf_put_u32(&pl, table_id);
    k_buf_put_u32(&pl, part_id);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, 32, err);
    if (rc == K_OK) {
        out->rows = k_get_u64(&r);
        out->bytes = k_get_u64(&r);
        out->segments = k_get_u64(&r);
        out->row_groups = k_get_u64(&r);
    }
    k_buf_free(&rep);
    return rc;
}

static bool
get_datum(KReader *r, bool is_str, KArena *a, StDatum *d)
{
    memset(d, 0, sizeof *d);
    if (is_str) {
        size_t n;
        const char *s = k_get_str(r, &n);
        return !r->failed && n <= UINT32_MAX && k_str_copy(a, s, (uint32_t)n, &d->u.str);
    }
    const uint8_t *p = k_get_bytes(r, 16);
    if (r->failed) return false;
    memcpy(d, p, 16);
    return true;
}

int
net_cluster_column_stats(NetCluster *c, uint32_t w, uint32_t table_id, uint32_t part_id,
                         uint32_t col, KArena *a, StColumnStats *out, KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, REQ_COL_STATS);
    k_buf_put_u32(&pl, table_id);
    k_buf_put_u32(&pl, part_id);
    k_buf_put_u32(&pl, col);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, 18, err);
    if (rc == K_OK) {
        memset(out, 0, sizeof *out);
        out->rows = k_get_u64(&r);
        out->nulls = k_get_u64(&r);
        out->has_minmax = k_get_u8(&r) != 0;
        bool is_str = k_get_u8(&r) != 0;
        const uint8_t *nd;
        if (!get_datum(&r, is_str, a, &out->min) || !get_datum(&r, is_str, a, &out->max) ||
            !(nd = k_get_bytes(&r, 8)))
            rc = k_error(err, K_PROTOCOL_VIOLATION, "malformed column statistics from worker %s",
                         c->addrs[w]);
        else
            memcpy(&out->ndistinct, nd, 8);
    }
    k_buf_free(&rep);
    return rc;
}

int
net_cluster_column_sketch(NetCluster *c, uint32_t w, uint32_t table_id, uint32_t part_id,
                          uint32_t col, uint8_t regs[ST_SKETCH_REGISTERS], KErr *err)
{
    KBuf pl, rep;
    k_buf_init(&pl);
    k_buf_init(&rep);
    k_buf_put_u8(&pl, REQ_SKETCH);
    k_buf_put_u32(&pl, table_id);
    k_buf_put_u32(&pl, part_id);
    k_buf_put_u32(&pl, col);
    KReader r;
    int rc = simple_request(c, w, &pl, &r, &rep, ST_SKETCH_REGISTERS, err);
    if (rc == K_OK) memcpy(regs, rep.data, ST_SKETCH_REGISTERS);
    k_buf_free(&rep);
    return rc;
}
