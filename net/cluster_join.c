/*
 * cluster_join.c — workers that register with the coordinator (`--join`).
 *
 * Interface routines: net_cl_registry_start/port/wait/joined/id/addr/stop
 * (the coordinator's side), net_cl_worker_id and net_cl_join (the worker's).
 *
 * Design (net/README-cluster.md, "Joining workers"): the coordinator listens
 * on a cluster port of its own; a worker dials it, proves the shared secret
 * with the usual HMAC handshake (net_cl_handshake_*; the coordinator is the
 * server here) and sends JOIN (str worker id, str the address it listens
 * on). The registry gives it a slot — in join order on a first start, the
 * slot recorded for its id afterwards — and answers REPLY (u32 slot, 1-based)
 * or ERROR. The worker keeps the connection open and joins again when it
 * closes (a coordinator that restarts finds its workers coming back). The
 * coordinator then dials each worker at the address given, as it does for
 * --workers: the registry only decides who is who.
 *
 * Notes: a slot's address is fixed once the layout is recorded (every slot
 * filled, or read from DATA/cluster.conf); a worker that comes back from
 * another address, an unknown worker id, and a worker beyond the expected
 * count are refused with an error and a hint (no rebalancing). Joins are
 * handled one at a time on the registry's thread (each step has a 5 s
 * timeout), so a silent peer delays others by at most that.
 */
#include "net/cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct JoinSlot {
    char id[NET_CL_ID_MAX];
    char addr[160];
    bool joined;     /* a worker with this id joined since the registry started */
    bool fixed_addr; /* the address is part of the recorded layout */
    int fd;          /* the worker's open join connection (-1 none) */
} JoinSlot;

struct NetClRegistry {
    char *secret;
    size_t secret_len;
    int lfd;
    uint16_t port;
    uint32_t n;
    JoinSlot *slots;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    uint32_t njoined; /* slots with joined set */
    bool all_once;    /* every slot was filled once: addresses fixed from now on */
    atomic_bool stop;
    pthread_t thread;
    bool has_thread;
};

/* ------------------------------------------------------------------ */
/* The coordinator's registry                                           */
/* ------------------------------------------------------------------ */
static void
send_err(int fd, const KErr *e)
{
    KBuf b;
    k_buf_init(&b);
    net_cl_err_encode(e, &b);
    NetClHdr h = {NET_CL_VERSION, NET_CL_ERROR, NET_CL_F_REPLY, 0, 0, (uint32_t)b.len};
    KErr ignore;
    if (!b.failed && net_cl_frame_send(fd, &h, b.data, &ignore)) { /* peer gone: nothing to do */
    }
    k_buf_free(&b);
}

static bool
wildcard_host(const char *h)
{
    return !h[0] || !strcmp(h, "0.0.0.0") || !strcmp(h, "::") || !strcmp(h, "*");
}

/* Decide which slot the worker (id, addr) gets; K_ERR with the reason. */
static int
assign(NetClRegistry *r, const char *id, const char *addr, uint32_t *slot, KErr *err)
{
    for (uint32_t i = 0; i < r->n; i++) {
        JoinSlot *s = &r->slots[i];
        if (!s->id[0] || strcmp(s->id, id) != 0) continue;
        if (strcmp(s->addr, addr) != 0) {
            if (s->fixed_addr || r->all_once) {
                k_error(err, K_OBJECT_NOT_IN_PREREQUISITE_STATE,
                        "worker %s joined from %s, but its slot %u is at %s", id, addr, i + 1,
                        s->addr);
                k_err_hint(err,
                           "Restart the worker with --listen %s: the coordinator dials each "
                           "worker at the address recorded when the cluster was first started.",
                           s->addr);
                return K_ERR;
            }
            snprintf(s->addr, sizeof s->addr, "%s", addr);
        }
        *slot = i;
        return K_OK;
    }
    for (uint32_t i = 0; i < r->n; i++) {
        if (r->slots[i].id[0] && !strcmp(r->slots[i].addr, addr)) {
            k_error(err, K_DUPLICATE_OBJECT, "address %s belongs to worker %s (slot %u)", addr,
                    r->slots[i].id, i + 1);
            k_err_hint(err, "Each worker needs an address of its own.");
            return K_ERR;
        }
    }
    for (uint32_t i = 0; i < r->n; i++) {
        JoinSlot *s = &r->slots[i];
        if (s->id[0]) continue;
        snprintf(s->id, sizeof s->id, "%s", id);
        snprintf(s->addr, sizeof s->addr, "%s", addr);
        *slot = i;
        return K_OK;
    }
    k_error(err, K_TOO_MANY_CONNECTIONS, "the cluster already has its %u workers; worker %s at %s "
            "is not one of them", r->n, id, addr);
    k_err_hint(err, "Adding workers to a cluster (rebalancing rows onto them) is not supported: "
                    "start a coordinator on a new data directory with --expect-workers %u and "
                    "load the data again.", r->n + 1);
    return K_ERR;
}

static void
serve_join(NetClRegistry *r, int fd, const char *peer_host)
{
    KErr err;
    k_err_clear(&err);
    char name[128];
    KBuf pl;
    k_buf_init(&pl);
    NetClHdr h;
    bool eof = false;
    if (net_cl_handshake_server(fd, r->secret, r->secret_len, name, sizeof name, &err)) {
        k_warn("cluster: refusing join from %s: %s", peer_host, err.message);
        goto out;
    }
    if (net_cl_frame_recv(fd, 5000, &h, &pl, &eof, &err)) {
        k_warn("cluster: refusing join from %s: %s", peer_host, err.message);
        goto out;
    }
    if (eof || h.type != NET_CL_JOIN) {
        k_error(&err, K_PROTOCOL_VIOLATION, "expected JOIN, got %s",
                eof ? "end of stream" : net_cl_msg_name(h.type));
        k_warn("cluster: refusing join from %s: %s", peer_host, err.message);
        if (!eof) send_err(fd, &err);
        goto out;
    }
    KReader rd;
    k_reader_init(&rd, pl.data, pl.len);
    size_t il = 0, al = 0;
    const char *ids = k_get_str(&rd, &il);
    const char *as = k_get_str(&rd, &al);
    char id[NET_CL_ID_MAX], addr[160], host[256];
    uint16_t port = 0;
    bool ok = !rd.failed && il > 0 && il < sizeof id && al > 0 && al < sizeof addr;
    for (size_t i = 0; ok && i < il; i++)
        if (!((ids[i] >= '0' && ids[i] <= '9') || (ids[i] >= 'a' && ids[i] <= 'z') ||
              ids[i] == '-'))
            ok = false;
    if (ok) {
        memcpy(id, ids, il);
        id[il] = 0;
        memcpy(addr, as, al);
        addr[al] = 0;
        ok = net_cl_parse_addr(addr, host, sizeof host, &port, &err) == K_OK && port != 0;
    }
    if (!ok) {
        k_error(&err, K_PROTOCOL_VIOLATION, "malformed JOIN message");
        k_warn("cluster: refusing join from %s: %s", peer_host, err.message);
        send_err(fd, &err);
        goto out;
    }
    if (wildcard_host(host)) /* the worker listens everywhere: use the address it came from */
        snprintf(addr, sizeof addr, strchr(peer_host, ':') ? "[%s]:%u" : "%s:%u", peer_host,
                 port);
    uint32_t slot = 0;
    pthread_mutex_lock(&r->mu);
    int rc = assign(r, id, addr, &slot, &err);
    if (rc == K_OK) {
        JoinSlot *s = &r->slots[slot];
        bool again = s->joined;
        if (s->fd >= 0) close(s->fd);
        s->fd = fd;
        if (!s->joined) {
            s->joined = true;
            r->njoined++;
            if (r->njoined == r->n) r->all_once = true;
        }
        k_info("cluster: worker %s at %s %s slot %u (%u of %u joined)", id, s->addr,
               again ? "joined again as" : "joined as", slot + 1, r->njoined, r->n);
        pthread_cond_broadcast(&r->cond);
    }
    pthread_mutex_unlock(&r->mu);
    if (rc != K_OK) {
        k_warn("cluster: refusing join from %s: %s", peer_host, err.message);
        send_err(fd, &err);
        goto out;
    }
    uint8_t p[4];
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)((slot + 1) >> (8 * i));
    NetClHdr rh = {NET_CL_VERSION, NET_CL_REPLY, 0, 0, 0, 4};
    if (net_cl_frame_send(fd, &rh, p, &err))
        k_warn("cluster: answering the join of worker %s failed: %s", id, err.message);
    k_buf_free(&pl);
    return; /* fd now belongs to the slot */
out:
    k_buf_free(&pl);
    close(fd);
}

static void *
registry_main(void *arg)
{
    NetClRegistry *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd p = {r->lfd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(r->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
        if (fd < 0) continue;
        char host[INET6_ADDRSTRLEN] = "?";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
        serve_join(r, fd, host);
    }
    return NULL;
}

int
net_cl_registry_start(const char *host, uint16_t port, const char *secret, size_t secret_len,
                      uint32_t n, const char *const *ids, const char *const *addrs,
                      NetClRegistry **out, KErr *err)
{
    if (!secret || !secret_len)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "a cluster secret is required");
    if (n < 1 || n > 256)
        return k_error(err, K_INVALID_PARAMETER_VALUE,
                       "the expected number of workers must be between 1 and 256");
    NetClRegistry *r = calloc(1, sizeof *r);
    if (!r) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    r->lfd = -1;
    r->n = n;
    r->slots = calloc(n, sizeof *r->slots);
    r->secret = malloc(secret_len);
    if (!r->slots || !r->secret) {
        free(r->slots);
        free(r->secret);
        free(r);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(r->secret, secret, secret_len);
    r->secret_len = secret_len;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    for (uint32_t i = 0; i < n; i++) {
        r->slots[i].fd = -1;
        if (ids && ids[i]) {
            snprintf(r->slots[i].id, sizeof r->slots[i].id, "%s", ids[i]);
            snprintf(r->slots[i].addr, sizeof r->slots[i].addr, "%s", addrs[i]);
            r->slots[i].fixed_addr = true;
        }
    }
    if (net_cl_listen(host, port, &r->lfd, &r->port, err)) {
        net_cl_registry_stop(r);
        return K_ERR;
    }
    if (pthread_create(&r->thread, NULL, registry_main, r) != 0) {
        net_cl_registry_stop(r);
        return k_error(err, K_INSUFFICIENT_RESOURCES, "could not start the registry thread");
    }
    r->has_thread = true;
    *out = r;
    return K_OK;
}

uint16_t
net_cl_registry_port(const NetClRegistry *r)
{
    return r->port;
}

bool
net_cl_registry_wait(NetClRegistry *r, int timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    while (!r->all_once)
        if (pthread_cond_timedwait(&r->cond, &r->mu, &ts) == ETIMEDOUT) break;
    bool done = r->all_once;
    pthread_mutex_unlock(&r->mu);
    return done;
}

uint32_t
net_cl_registry_joined(NetClRegistry *r)
{
    pthread_mutex_lock(&r->mu);
    uint32_t n = r->njoined;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* Stable once net_cl_registry_wait returned true (addresses are fixed then). */
const char *
net_cl_registry_id(const NetClRegistry *r, uint32_t slot)
{
    return slot < r->n ? r->slots[slot].id : NULL;
}

const char *
net_cl_registry_addr(const NetClRegistry *r, uint32_t slot)
{
    return slot < r->n ? r->slots[slot].addr : NULL;
}

void
net_cl_registry_stop(NetClRegistry *r)
{
    if (!r) return;
    atomic_store(&r->stop, true);
    if (r->has_thread) pthread_join(r->thread, NULL);
    if (r->lfd >= 0) close(r->lfd);
    for (uint32_t i = 0; r->slots && i < r->n; i++)
        if (r->slots[i].fd >= 0) close(r->slots[i].fd);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
    free(r->slots);
    free(r->secret);
    free(r);
}

/* ------------------------------------------------------------------ */
/* The worker's side                                                    */
/* ------------------------------------------------------------------ */
int
net_cl_worker_id(const char *data_dir, char *out, size_t cap, KErr *err)
{
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/worker.id", data_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[NET_CL_ID_MAX + 2] = "";
        bool ok = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        size_t l = ok ? strcspn(line, "\r\n") : 0;
        line[l] = 0;
        if (!l || l >= cap)
            return k_error(err, K_CONFIG_FILE_ERROR, "could not read a worker id from \"%s\"",
                           path);
        snprintf(out, cap, "%s", line);
        return K_OK;
    }
    if (errno != ENOENT)
        return k_error(err, K_IO_ERROR, "could not open \"%s\": %s", path, strerror(errno));
    uint8_t raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1 || cap < 2 * sizeof raw + 1)
        return k_error(err, K_INTERNAL_ERROR, "could not make a worker id");
    for (size_t i = 0; i < sizeof raw; i++) snprintf(out + 2 * i, 3, "%02x", raw[i]);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) return k_error(err, K_IO_ERROR, "could not create \"%s\": %s", tmp, strerror(errno));
    fprintf(f, "%s\n", out);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        return k_error(err, K_IO_ERROR, "could not write \"%s\": %s", tmp, strerror(errno));
    }
    fclose(f);
    if (rename(tmp, path) != 0)
        return k_error(err, K_IO_ERROR, "could not rename \"%s\": %s", tmp, strerror(errno));
    return K_OK;
}

int
net_cl_join(const char *coord_addr, const char *secret, size_t secret_len, const char *id,
            const char *listen_addr, int *fd_out, uint32_t *slot, bool *refused, KErr *err)
{
    *refused = false;
    int fd = -1;
    KBuf b;
    k_buf_init(&b);
    if (net_cl_connect(coord_addr, 5000, &fd, err)) goto fail;
    if (net_cl_handshake_client(fd, secret, secret_len, id, err)) {
        *refused = err->code == K_INVALID_PASSWORD; /* wrong secret: retrying cannot help */
        goto fail;
    }
    k_buf_put_str(&b, id, strlen(id));
    k_buf_put_str(&b, listen_addr, strlen(listen_addr));
    NetClHdr h = {NET_CL_VERSION, NET_CL_JOIN, 0, 0, 0, (uint32_t)b.len};
    if (b.failed) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto fail;
    }
    if (net_cl_frame_send(fd, &h, b.data, err)) goto fail;
    bool eof = false;
    if (net_cl_frame_recv(fd, 10000, &h, &b, &eof, err)) goto fail;
    if (eof) {
        k_error(err, K_CONNECTION_FAILURE, "coordinator %s closed the connection", coord_addr);
        goto fail;
    }
    KReader rd;
    k_reader_init(&rd, b.data, b.len);
    if (h.type == NET_CL_ERROR) {
        net_cl_err_decode(&rd, err);
        *refused = true;
        goto fail;
    }
    uint32_t s = k_get_u32(&rd);
    if (h.type != NET_CL_REPLY || rd.failed || s == 0) {
        k_error(err, K_PROTOCOL_VIOLATION, "malformed answer to JOIN from %s", coord_addr);
        goto fail;
    }
    *slot = s;
    *fd_out = fd;
    k_buf_free(&b);
    return K_OK;
fail:
    if (fd >= 0) close(fd);
    k_buf_free(&b);
    return K_ERR;
}
