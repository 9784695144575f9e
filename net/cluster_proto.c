/*
 * cluster_proto.c — the cluster protocol's byte level: the 24-byte frame
 * header, whole frames over blocking sockets, the HMAC-SHA-256 handshake,
 * TCP helpers, and the codecs for batches, errors and table definitions.
 *
 * Interface routines: net_cl_msg_name, net_cl_hdr_encode/decode,
 * net_cl_frame_send/recv, net_cl_handshake_client/server, net_cl_parse_addr,
 * net_cl_listen, net_cl_connect, net_cl_batch_encode/decode,
 * net_cl_err_encode/decode, net_cl_tabledef_encode/decode.
 *
 * Notes:
 *   - Frames carry no checksum: TCP checksums the bytes, the peers proved
 *     the shared secret, and every decoder here is bounds-checked (a bad
 *     payload is an error, never a crash). See net/README-cluster.md.
 *   - Nothing here allocates from arenas except the decoded batch and
 *     table definition; buffers are KBufs (malloc).
 */
#include "net/cluster.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

/* ------------------------------------------------------------------ */
/* Header                                                               */
/* ------------------------------------------------------------------ */
static const char *const msg_names[NET_CL_MSG_COUNT_] = {
    "?",     "HELLO",  "WELCOME",   "AUTH",  "AUTH_OK", "FRAGMENT", "BATCH", "END_OF_STREAM",
    "ERROR", "CANCEL", "HEARTBEAT", "STATS", "CREDIT",  "REQUEST",  "REPLY",
    "JOIN",
};

const char *
net_cl_msg_name(uint8_t type)
{
    return type > 0 && type < NET_CL_MSG_COUNT_ ? msg_names[type] : "unknown";
}

static void
put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void
net_cl_hdr_encode(const NetClHdr *h, uint8_t out[NET_CL_HDR_SIZE])
{
    put32(out, NET_CL_MAGIC);
    out[4] = (uint8_t)h->version;
    out[5] = (uint8_t)(h->version >> 8);
    out[6] = h->type;
    out[7] = h->flags;
    put32(out + 8, (uint32_t)h->query_id);
    put32(out + 12, (uint32_t)(h->query_id >> 32));
    put32(out + 16, h->fragment_id);
    put32(out + 20, h->len);
}

int
net_cl_hdr_decode(const uint8_t in[NET_CL_HDR_SIZE], NetClHdr *h, KErr *err)
{
    uint32_t magic = get32(in);
    if (magic != NET_CL_MAGIC)
        return k_error(err, K_PROTOCOL_VIOLATION, "bad frame magic 0x%08x", magic);
    h->version = (uint16_t)(in[4] | in[5] << 8);
    h->type = in[6];
    h->flags = in[7];
    h->query_id = (uint64_t)get32(in + 8) | (uint64_t)get32(in + 12) << 32;
    h->fragment_id = get32(in + 16);
    h->len = get32(in + 20);
    if (h->version != NET_CL_VERSION) {
        k_error(err, K_PROTOCOL_VIOLATION, "unsupported cluster protocol version %u", h->version);
        k_err_detail(err, "This node speaks version %d.", NET_CL_VERSION);
        return K_ERR;
    }
    if (h->type == 0 || h->type >= NET_CL_MSG_COUNT_)
        return k_error(err, K_PROTOCOL_VIOLATION, "unknown cluster message type %u", h->type);
    if (h->len > NET_CL_MAX_FRAME)
        return k_error(err, K_PROTOCOL_VIOLATION, "frame too large: %u bytes (limit %u)", h->len,
                       NET_CL_MAX_FRAME);
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Frames over sockets                                                  */
/* ------------------------------------------------------------------ */
int
net_cl_frame_send(int fd, const NetClHdr *h, const void *payload, KErr *err)
{
    uint8_t hdr[NET_CL_HDR_SIZE];
    net_cl_hdr_encode(h, hdr);
    struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)payload, h->len}};
    int niov = h->len ? 2 : 1;
    struct iovec *v = iov;
    while (niov > 0) {
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_iov = v;
        m.msg_iovlen = (size_t)niov;
        ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            return k_error(err, K_CONNECTION_FAILURE, "could not send to peer: %s",
                           strerror(errno));
        }
        size_t left = (size_t)w;
        while (niov > 0 && left >= v->iov_len) {
            left -= v->iov_len;
            v++;
            niov--;
        }
        if (niov > 0) {
            v->iov_base = (char *)v->iov_base + left;
            v->iov_len -= left;
        }
    }
    return K_OK;
}

/* Read exactly n bytes; returns 1 on success, 0 on EOF before any byte
 * (when eof_ok), -1 with err filled. */
static int
read_full(int fd, void *buf, size_t n, int first_timeout_ms, bool eof_ok, KErr *err)
{
    size_t got = 0;
    while (got < n) {
        int tmo = got == 0 ? first_timeout_ms : 10000;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, tmo);
        if (r < 0) {
            if (errno == EINTR) continue;
            k_error(err, K_CONNECTION_FAILURE, "poll failed: %s", strerror(errno));
            return -1;
        }
        if (r == 0) {
            if (got == 0 && eof_ok)
                k_error(err, K_CONNECTION_FAILURE, "timed out waiting for a frame");
            else
                k_error(err, K_PROTOCOL_VIOLATION,
                        "truncated frame: stalled after %zu of %zu bytes", got, n);
            return -1;
        }
        ssize_t rd = recv(fd, (char *)buf + got, n - got, 0);
        if (rd < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            k_error(err, K_CONNECTION_FAILURE, "could not receive from peer: %s", strerror(errno));
            return -1;
        }
        if (rd == 0) {
            if (got == 0 && eof_ok) return 0;
            k_error(err, K_PROTOCOL_VIOLATION,
                    "truncated frame: connection closed after %zu of %zu bytes", got, n);
            return -1;
        }
        got += (size_t)rd;
    }
    return 1;
}

int
net_cl_frame_recv(int fd, int timeout_ms, NetClHdr *h, KBuf *payload, bool *eof, KErr *err)
{
    uint8_t hdr[NET_CL_HDR_SIZE];
    *eof = false;
    int r = read_full(fd, hdr, sizeof hdr, timeout_ms, true, err);
    if (r < 0) return K_ERR;
    if (r == 0) {
        *eof = true;
        return K_OK;
    }
    if (net_cl_hdr_decode(hdr, h, err)) return K_ERR;
    k_buf_clear(payload);
    if (h->len) {
        if (!k_buf_reserve(payload, h->len))
            return k_error(err, K_OUT_OF_MEMORY, "out of memory for a %u-byte frame", h->len);
        if (read_full(fd, payload->data, h->len, 10000, false, err) < 0) return K_ERR;
        payload->len = h->len;
    }
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Handshake                                                            */
/* ------------------------------------------------------------------ */
static void
proof(const char *secret, size_t secret_len, const char *label, const uint8_t *cn,
      const uint8_t *sn, uint8_t out[NET_CL_MAC])
{
    uint8_t msg[32 + 2 * NET_CL_NONCE];
    size_t ll = strlen(label);
    memcpy(msg, label, ll);
    memcpy(msg + ll, cn, NET_CL_NONCE);
    memcpy(msg + ll + NET_CL_NONCE, sn, NET_CL_NONCE);
    unsigned int mlen = NET_CL_MAC;
    if (!HMAC(EVP_sha256(), secret, (int)secret_len, msg, ll + 2 * NET_CL_NONCE, out, &mlen))
        memset(out, 0, NET_CL_MAC);
}

static int
send_simple(int fd, uint8_t type, uint8_t flags, const KBuf *pl, KErr *err)
{
    NetClHdr h = {NET_CL_VERSION, type, flags, 0, 0, pl ? (uint32_t)pl->len : 0};
    return net_cl_frame_send(fd, &h, pl ? pl->data : NULL, err);
}

/* Read a handshake frame of type `want`; an ERROR frame becomes the error. */
static int
recv_expect(int fd, uint8_t want, KBuf *pl, KErr *err)
{
    NetClHdr h;
    bool eof;
    if (net_cl_frame_recv(fd, 5000, &h, pl, &eof, err)) return K_ERR;
    if (eof)
        return k_error(err, K_CONNECTION_FAILURE,
                       "peer closed the connection during the handshake");
    if (h.type == NET_CL_ERROR) {
        KReader r;
        k_reader_init(&r, pl->data, pl->len);
        net_cl_err_decode(&r, err);
        return K_ERR;
    }
    if (h.type != want)
        return k_error(err, K_PROTOCOL_VIOLATION, "expected %s during the handshake, got %s",
                       net_cl_msg_name(want), net_cl_msg_name(h.type));
    return K_OK;
}

int
net_cl_handshake_client(int fd, const char *secret, size_t secret_len, const char *name, KErr *err)
{
    uint8_t cn[NET_CL_NONCE], mine[NET_CL_MAC];
    if (RAND_bytes(cn, sizeof cn) != 1)
        return k_error(err, K_INTERNAL_ERROR, "could not generate a nonce");
    KBuf b;
    k_buf_init(&b);
    k_buf_put_str(&b, name ? name : "", name ? strlen(name) : 0);
    k_buf_put(&b, cn, sizeof cn);
    int rc = K_ERR;
    if (send_simple(fd, NET_CL_HELLO, 0, &b, err)) goto out;
    if (recv_expect(fd, NET_CL_WELCOME, &b, err)) goto out;
    if (b.len != NET_CL_NONCE + NET_CL_MAC) {
        k_error(err, K_PROTOCOL_VIOLATION, "malformed WELCOME message");
        goto out;
    }
    uint8_t sn[NET_CL_NONCE], theirs[NET_CL_MAC];
    memcpy(sn, b.data, NET_CL_NONCE);
    memcpy(theirs, b.data + NET_CL_NONCE, NET_CL_MAC);
    proof(secret, secret_len, "kestrel-server", cn, sn, mine);
    if (CRYPTO_memcmp(mine, theirs, NET_CL_MAC) != 0) {
        k_error(err, K_INVALID_PASSWORD, "cluster peer could not prove the cluster secret");
        k_err_hint(err, "Start every node with the same --secret-file.");
        goto out;
    }
    proof(secret, secret_len, "kestrel-client", cn, sn, mine);
    k_buf_clear(&b);
    k_buf_put(&b, mine, sizeof mine);
    if (send_simple(fd, NET_CL_AUTH, 0, &b, err)) goto out;
    if (recv_expect(fd, NET_CL_AUTH_OK, &b, err)) goto out;
    rc = b.failed ? k_error(err, K_OUT_OF_MEMORY, "out of memory") : K_OK;
out:
    k_buf_free(&b);
    return rc;
}

static void
send_error(int fd, const KErr *e)
{
    KBuf b;
    k_buf_init(&b);
    net_cl_err_encode(e, &b);
    KErr ignore;
    if (send_simple(fd, NET_CL_ERROR, 0, &b, &ignore)) { /* peer gone: nothing to tell */
    }
    k_buf_free(&b);
}

int
net_cl_handshake_server(int fd, const char *secret, size_t secret_len, char *peer_name,
                        size_t peer_cap, KErr *err)
{
    KBuf b;
    k_buf_init(&b);
    int rc = K_ERR;
    NetClHdr h;
    bool eof;
    uint8_t hdr[NET_CL_HDR_SIZE];
    /* read the HELLO header by hand so a wrong version can be answered */
    int r = read_full(fd, hdr, sizeof hdr, 5000, true, err);
    if (r <= 0) {
        if (r == 0) k_error(err, K_CONNECTION_FAILURE, "peer closed the connection before HELLO");
        goto out;
    }
    if (net_cl_hdr_decode(hdr, &h, err)) {
        if (err->code == K_PROTOCOL_VIOLATION && get32(hdr) == NET_CL_MAGIC) send_error(fd, err);
        goto out;
    }
    if (h.type != NET_CL_HELLO) {
        k_error(err, K_PROTOCOL_VIOLATION, "expected HELLO, got %s", net_cl_msg_name(h.type));
        send_error(fd, err);
        goto out;
    }
    if (h.len > 4096) {
        k_error(err, K_PROTOCOL_VIOLATION, "HELLO too large: %u bytes", h.len);
        goto out;
    }
    if (!k_buf_reserve(&b, h.len + 1)) {
        k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    if (h.len && read_full(fd, b.data, h.len, 5000, false, err) < 0) goto out;
    b.len = h.len;
    KReader rd;
    k_reader_init(&rd, b.data, b.len);
    size_t nl;
    const char *nm = k_get_str(&rd, &nl);
    const uint8_t *cnp = k_get_bytes(&rd, NET_CL_NONCE);
    if (rd.failed || k_reader_left(&rd) != 0 || nl > 255) {
        k_error(err, K_PROTOCOL_VIOLATION, "malformed HELLO message");
        send_error(fd, err);
        goto out;
    }
    uint8_t cn[NET_CL_NONCE], sn[NET_CL_NONCE], mac[NET_CL_MAC];
    memcpy(cn, cnp, NET_CL_NONCE);
    if (peer_name && peer_cap) {
        size_t c = K_MIN(nl, peer_cap - 1);
        memcpy(peer_name, nm, c);
        peer_name[c] = 0;
    }
    if (RAND_bytes(sn, sizeof sn) != 1) {
        k_error(err, K_INTERNAL_ERROR, "could not generate a nonce");
        goto out;
    }
    proof(secret, secret_len, "kestrel-server", cn, sn, mac);
    k_buf_clear(&b);
    k_buf_put(&b, sn, sizeof sn);
    k_buf_put(&b, mac, sizeof mac);
    if (send_simple(fd, NET_CL_WELCOME, 0, &b, err)) goto out;
    if (net_cl_frame_recv(fd, 5000, &h, &b, &eof, err)) goto out;
    if (eof) {
        k_error(err, K_CONNECTION_FAILURE, "peer closed the connection during the handshake");
        goto out;
    }
    if (h.type != NET_CL_AUTH || b.len != NET_CL_MAC) {
        k_error(err, K_PROTOCOL_VIOLATION, "expected AUTH, got %s", net_cl_msg_name(h.type));
        send_error(fd, err);
        goto out;
    }
    proof(secret, secret_len, "kestrel-client", cn, sn, mac);
    if (CRYPTO_memcmp(mac, b.data, NET_CL_MAC) != 0) {
        k_error(err, K_INVALID_PASSWORD, "cluster secret mismatch");
        k_err_hint(err, "Start every node with the same --secret-file.");
        send_error(fd, err);
        goto out;
    }
    if (send_simple(fd, NET_CL_AUTH_OK, 0, NULL, err)) goto out;
    rc = K_OK;
out:
    k_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------ */
/* TCP helpers                                                          */
/* ------------------------------------------------------------------ */
int
net_cl_parse_addr(const char *addr, char *host, size_t host_cap, uint16_t *port, KErr *err)
{
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    if (!colon || colon == addr || (size_t)(colon - addr) >= host_cap)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "invalid address \"%s\"", addr ? addr : "");
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p < 0 || p > 65535)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "invalid port in address \"%s\"", addr);
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
    *port = (uint16_t)p;
    return K_OK;
}

static int
resolve(const char *host, uint16_t port, bool passive, struct addrinfo **res, KErr *err)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (passive) hints.ai_flags = AI_PASSIVE;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(host, ps, &hints, res);
    if (rc)
        return k_error(err, K_CONNECTION_EXCEPTION, "could not resolve \"%s\": %s", host,
                       gai_strerror(rc));
    return K_OK;
}

int
net_cl_listen(const char *host, uint16_t port, int *fd_out, uint16_t *bound, KErr *err)
{
    struct addrinfo *res;
    if (resolve(host ? host : "127.0.0.1", port, true, &res, err)) return K_ERR;
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return k_error(err, K_CONNECTION_EXCEPTION, "could not create socket: %s", strerror(errno));
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 64)) {
        int e = errno;
        freeaddrinfo(res);
        close(fd);
        return k_error(err, K_CONNECTION_EXCEPTION, "could not listen on %s:%u: %s",
                       host ? host : "127.0.0.1", port, strerror(e));
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *bound = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                      : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    *fd_out = fd;
    return K_OK;
}

int
net_cl_connect(const char *addr, int timeout_ms, int *fd_out, KErr *err)
{
    char host[256];
    uint16_t port;
    if (net_cl_parse_addr(addr, host, sizeof host, &port, err)) return K_ERR;
    struct addrinfo *res;
    if (resolve(host, port, false, &res, err)) return K_ERR;
    int fd = -1;
    int last = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = errno;
            continue;
        }
        /* a bounded connect: SO_SNDTIMEO applies to connect() on Linux */
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            struct timeval zero = {0, 0};
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero);
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            break;
        }
        last = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        k_error(err, K_CONNECTION_FAILURE, "could not connect to worker %s: %s", addr,
                strerror(last));
        return K_ERR;
    }
    *fd_out = fd;
    return K_OK;
}

/* ------------------------------------------------------------------ */
/* Batch codec                                                          */
/* ------------------------------------------------------------------ */
enum { COL_F_NULLS = 1, COL_F_ZSTD = 2 };
#define COL_ZSTD_MIN 512

static void
put_type(KBuf *b, KType t)
{
    k_buf_put_u8(b, t.id);
    k_buf_put_u8(b, t.precision);
    k_buf_put_u8(b, t.scale);
    k_buf_put_svarint(b, t.len);
}

static bool
get_type(KReader *r, KType *t)
{
    memset(t, 0, sizeof *t);
    t->id = k_get_u8(r);
    t->precision = k_get_u8(r);
    t->scale = k_get_u8(r);
    int64_t len = k_get_svarint(r);
    if (r->failed || t->id == K_TYPE_UNKNOWN || t->id >= K_TYPE_COUNT) return false;
    if (t->precision > K_DECIMAL_MAX_PRECISION || len < 0 || len > INT32_MAX) return false;
    if (t->id == K_TYPE_DECIMAL && t->scale > t->precision && t->precision) return false;
    t->len = (int32_t)len;
    return true;
}

/* The raw body of one column over the live rows. */
static void
column_body(const KBatch *b, const KVector *v, uint32_t n, bool nulls, KBuf *body)
{
    if (nulls) {
        size_t nb = (n + 7) / 8;
        if (!k_buf_reserve(body, nb)) return;
        uint8_t *bits = body->data + body->len;
        memset(bits, 0, nb);
        for (uint32_t i = 0; i < n; i++)
            if (k_vec_is_valid(v, k_batch_row(b, i))) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
        body->len += nb;
    }
    if (k_type_is_string(v->type)) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t row = k_batch_row(b, i);
            const KStr *s = k_vec_slot(v, row);
            k_buf_put_u32(body, k_vec_is_valid(v, row) ? s->len : 0);
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t row = k_batch_row(b, i);
            if (!k_vec_is_valid(v, row)) continue;
            const KStr *s = k_vec_slot(v, row);
            k_buf_put(body, k_str_data(s), s->len);
        }
        return;
    }
    size_t w = k_type_width(v->type);
    if (n == 0 || !k_buf_reserve(body, w * n)) return;
    uint8_t *dst = body->data + body->len;
    if (!b->sel && !(v->flags & K_VEC_CONST)) {
        memcpy(dst, v->data, w * n);
    } else {
        for (uint32_t i = 0; i < n; i++)
            memcpy(dst + (size_t)i * w, k_vec_slot(v, k_batch_row(b, i)), w);
    }
    /* NULL slots carry whatever bytes were there: zero them for determinism */
    if (nulls)
        for (uint32_t i = 0; i < n; i++)
            if (!k_vec_is_valid(v, k_batch_row(b, i))) memset(dst + (size_t)i * w, 0, w);
    body->len += w * n;
}

/* zstd contexts, one of each per thread, kept for the thread's life:
 * ZSTD_compress/ZSTD_decompress create (allocate and clear) a context per
 * call, which cost more than compressing a column of a small batch. */
static pthread_key_t zkey_c, zkey_d;
static pthread_once_t zkey_once = PTHREAD_ONCE_INIT;
static bool zkey_ok;

static void
zfree_c(void *p)
{
    ZSTD_freeCCtx(p);
}

static void
zfree_d(void *p)
{
    ZSTD_freeDCtx(p);
}

static void
zkey_init(void)
{
    zkey_ok = pthread_key_create(&zkey_c, zfree_c) == 0;
    if (zkey_ok && pthread_key_create(&zkey_d, zfree_d) != 0) {
        pthread_key_delete(zkey_c);
        zkey_ok = false;
    }
}

/* The thread's compression context (NULL: none could be made; the caller
 * then uses the one-shot call). */
static ZSTD_CCtx *
zctx_c(void)
{
    pthread_once(&zkey_once, zkey_init);
    if (!zkey_ok) return NULL;
    ZSTD_CCtx *c = pthread_getspecific(zkey_c);
    if (!c && (c = ZSTD_createCCtx()) && pthread_setspecific(zkey_c, c)) {
        ZSTD_freeCCtx(c);
        c = NULL;
    }
    return c;
}

static ZSTD_DCtx *
zctx_d(void)
{
    pthread_once(&zkey_once, zkey_init);
    if (!zkey_ok) return NULL;
    ZSTD_DCtx *d = pthread_getspecific(zkey_d);
    if (!d && (d = ZSTD_createDCtx()) && pthread_setspecific(zkey_d, d)) {
        ZSTD_freeDCtx(d);
        d = NULL;
    }
    return d;
}

void
net_cl_batch_encode(const KBatch *b, bool compress, int zstd_level, KBuf *out)
{
    uint32_t n = k_batch_rows(b);
    k_buf_put_varint(out, b->ncols);
    k_buf_put_varint(out, n);
    KBuf body, z;
    k_buf_init(&body);
    k_buf_init(&z);
    for (uint32_t c = 0; c < b->ncols; c++) {
        const KVector *v = &b->cols[c];
        bool nulls = false;
        if (v->validity)
            for (uint32_t i = 0; i < n && !nulls; i++)
                if (!k_vec_is_valid(v, k_batch_row(b, i))) nulls = true;
        k_buf_clear(&body);
        column_body(b, v, n, nulls, &body);
        if (body.failed) {
            out->failed = true;
            break;
        }
        uint8_t flags = nulls ? COL_F_NULLS : 0;
        bool zipped = false;
        if (compress && body.len >= COL_ZSTD_MIN) {
            size_t bound = ZSTD_compressBound(body.len);
            k_buf_clear(&z);
            if (k_buf_reserve(&z, bound)) {
                int lvl = zstd_level > 0 ? zstd_level : 1;
                ZSTD_CCtx *cc = zctx_c();
                size_t zl = cc ? ZSTD_compressCCtx(cc, z.data, bound, body.data, body.len, lvl)
                               : ZSTD_compress(z.data, bound, body.data, body.len, lvl);
                if (!ZSTD_isError(zl) && zl <= body.len - body.len / 8) {
                    z.len = zl;
                    zipped = true;
                }
            }
        }
        put_type(out, v->type);
        k_buf_put_u8(out, flags | (zipped ? COL_F_ZSTD : 0));
        k_buf_put_varint(out, body.len);
        if (zipped) {
            k_buf_put_varint(out, z.len);
            k_buf_put(out, z.data, z.len);
        } else {
            k_buf_put(out, body.data, body.len);
        }
    }
    k_buf_free(&body);
    k_buf_free(&z);
}

static int
bad_batch(KErr *err, const char *what)
{
    return k_error(err, K_PROTOCOL_VIOLATION, "malformed batch: %s", what);
}

int
net_cl_batch_decode(const void *data, size_t len, KArena *parent, KBatch **out, KErr *err)
{
    KReader r;
    k_reader_init(&r, data, len);
    uint64_t ncols = k_get_varint(&r);
    uint64_t n = k_get_varint(&r);
    if (r.failed || ncols == 0 || ncols > ST_MAX_COLUMNS) return bad_batch(err, "column count");
    if (n > K_VECTOR_SIZE) return bad_batch(err, "row count");
    /* first pass: types */
    KType types[64];
    KType *tp = ncols <= 64 ? types : malloc(sizeof(KType) * ncols);
    if (!tp) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    int rc = K_ERR;
    KBatch *b = NULL;
    uint8_t *raw = NULL;
    size_t raw_cap = 0;
    const uint8_t *cols_start = r.p;
    for (uint64_t c = 0; c < ncols; c++) {
        if (!get_type(&r, &tp[c])) {
            bad_batch(err, "column type");
            goto out;
        }
        uint8_t flags = k_get_u8(&r);
        uint64_t rl = k_get_varint(&r);
        uint64_t sl = flags & COL_F_ZSTD ? k_get_varint(&r) : rl;
        if (r.failed || sl > k_reader_left(&r) || rl > NET_CL_MAX_FRAME) {
            bad_batch(err, "column length");
            goto out;
        }
        k_get_bytes(&r, sl);
    }
    if (k_reader_left(&r) != 0) {
        bad_batch(err, "trailing bytes");
        goto out;
    }
    b = k_batch_create(parent, (uint32_t)ncols, tp, err);
    if (!b) goto out;
    r.p = cols_start;
    for (uint64_t c = 0; c < ncols; c++) {
        KType t;
        if (!get_type(&r, &t)) goto out;
        uint8_t flags = k_get_u8(&r);
        uint64_t rl = k_get_varint(&r);
        const uint8_t *body;
        if (flags & COL_F_ZSTD) {
            uint64_t zl = k_get_varint(&r);
            const uint8_t *zp = k_get_bytes(&r, zl);
            unsigned long long fs = ZSTD_getFrameContentSize(zp, zl);
            if (fs != rl) {
                bad_batch(err, "compressed column size");
                goto out;
            }
            if (rl > raw_cap) {
                uint8_t *nr = realloc(raw, rl ? rl : 1);
                if (!nr) {
                    k_error(err, K_OUT_OF_MEMORY, "out of memory");
                    goto out;
                }
                raw = nr;
                raw_cap = rl;
            }
            ZSTD_DCtx *dc = zctx_d();
            size_t d =
                dc ? ZSTD_decompressDCtx(dc, raw, rl, zp, zl) : ZSTD_decompress(raw, rl, zp, zl);
            if (ZSTD_isError(d) || d != rl) {
                bad_batch(err, "corrupt compressed column");
                goto out;
            }
            body = raw;
        } else {
            body = k_get_bytes(&r, rl);
        }
        KReader br;
        k_reader_init(&br, body, rl);
        KVector *v = &b->cols[c];
        const uint8_t *bits = NULL;
        if (flags & COL_F_NULLS) {
            bits = k_get_bytes(&br, (n + 7) / 8);
            if (br.failed) {
                bad_batch(err, "validity bitmap");
                goto out;
            }
            if (k_vector_ensure_validity(v, b->arena, err)) goto out;
            for (uint32_t i = 0; i < n; i++) k_vec_set_valid(v, i, (bits[i >> 3] >> (i & 7)) & 1);
        }
        if (k_type_is_string(t)) {
            const uint8_t *lens = k_get_bytes(&br, 4 * n);
            if (br.failed) {
                bad_batch(err, "string lengths");
                goto out;
            }
            KStr *s = v->data;
            for (uint32_t i = 0; i < n; i++) {
                uint32_t sl = get32(lens + 4 * i);
                const uint8_t *p = k_get_bytes(&br, sl);
                if (br.failed) {
                    bad_batch(err, "string bytes");
                    goto out;
                }
                if (!k_str_copy(b->heap, (const char *)p, sl, &s[i])) {
                    k_error_oom(err, b->heap, sl);
                    goto out;
                }
            }
        } else {
            size_t w = k_type_width(t);
            const uint8_t *p = k_get_bytes(&br, w * n);
            if (br.failed) {
                bad_batch(err, "values");
                goto out;
            }
            if (n) memcpy(v->data, p, w * n);
            if (t.id == K_TYPE_BOOL)
                for (uint32_t i = 0; i < n; i++)
                    ((uint8_t *)v->data)[i] = ((uint8_t *)v->data)[i] != 0;
        }
        if (k_reader_left(&br) != 0) {
            bad_batch(err, "column body length");
            goto out;
        }
    }
    b->count = (uint32_t)n;
    *out = b;
    b = NULL;
    rc = K_OK;
out:
    if (b) k_batch_destroy(b);
    free(raw);
    if (tp != types) free(tp);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */
void
net_cl_err_encode(const KErr *e, KBuf *out)
{
    const char *code = k_sqlstate_code(e->code);
    k_buf_put(out, code, 5);
    k_buf_put_u8(out, (uint8_t)e->severity);
    k_buf_put_svarint(out, e->pos);
    k_buf_put_str(out, e->message, strnlen(e->message, sizeof e->message));
    k_buf_put_str(out, e->detail, strnlen(e->detail, sizeof e->detail));
    k_buf_put_str(out, e->hint, strnlen(e->hint, sizeof e->hint));
}

static void
copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    n = K_MIN(n, cap - 1);
    if (s) memcpy(dst, s, n);
    dst[s ? n : 0] = 0;
}

void
net_cl_err_decode(KReader *r, KErr *out)
{
    char code[6];
    const uint8_t *c = k_get_bytes(r, 5);
    uint8_t sev = k_get_u8(r);
    int64_t pos = k_get_svarint(r);
    size_t ml, dl, hl;
    const char *m = k_get_str(r, &ml);
    const char *d = k_get_str(r, &dl);
    const char *h = k_get_str(r, &hl);
    if (r->failed) {
        k_error(out, K_PROTOCOL_VIOLATION, "malformed error message");
        return;
    }
    memcpy(code, c, 5);
    code[5] = 0;
    k_err_clear(out);
    out->code = k_sqlstate_from_code(code);
    out->severity = sev <= K_SEV_DEBUG ? (KSeverity)sev : K_SEV_ERROR;
    out->pos = pos < -1 || pos > INT32_MAX ? -1 : (int32_t)pos;
    copy_field(out->message, sizeof out->message, m, ml);
    copy_field(out->detail, sizeof out->detail, d, dl);
    copy_field(out->hint, sizeof out->hint, h, hl);
}

/* ------------------------------------------------------------------ */
/* Table definitions                                                    */
/* ------------------------------------------------------------------ */
static void
put_datum(KBuf *b, const StDatum *d)
{
    k_buf_put(b, d, 16); /* integer-like partition bounds only: no strings */
}

void
net_cl_tabledef_encode(const StTableDef *def, KBuf *out)
{
    k_buf_put_str(out, def->schema, strnlen(def->schema, sizeof def->schema));
    k_buf_put_str(out, def->name, strnlen(def->name, sizeof def->name));
    k_buf_put_varint(out, def->ncols);
    for (uint32_t i = 0; i < def->ncols; i++) {
        const StColumnDef *c = &def->cols[i];
        k_buf_put_str(out, c->name, strnlen(c->name, sizeof c->name));
        put_type(out, c->type);
        k_buf_put_u8(out, c->not_null);
    }
    k_buf_put_u8(out, (uint8_t)def->dist);
    k_buf_put_varint(out, def->ndist_cols);
    for (uint32_t i = 0; i < def->ndist_cols && i < ST_MAX_DIST_COLS; i++)
        k_buf_put_varint(out, def->dist_cols[i]);
    k_buf_put_svarint(out, def->part_col);
    k_buf_put_varint(out, def->nparts);
    for (uint32_t i = 0; i < def->nparts; i++) {
        const StPartitionDef *p = &def->parts[i];
        k_buf_put_str(out, p->name, strnlen(p->name, sizeof p->name));
        k_buf_put_u8(out, (uint8_t)(p->has_lo | p->has_hi << 1));
        put_datum(out, &p->lo);
        put_datum(out, &p->hi);
    }
}

static bool
get_name(KReader *r, char *dst, size_t cap)
{
    size_t n;
    const char *s = k_get_str(r, &n);
    if (r->failed || n >= cap) return false;
    memcpy(dst, s, n);
    dst[n] = 0;
    return true;
}

int
net_cl_tabledef_decode(KReader *r, KArena *a, StTableDef **out, KErr *err)
{
    StTableDef *d = k_alloc0(a, sizeof *d);
    if (!d) return k_error_oom(err, a, sizeof *d);
    if (!get_name(r, d->schema, sizeof d->schema) || !get_name(r, d->name, sizeof d->name))
        goto bad;
    uint64_t nc = k_get_varint(r);
    if (r->failed || nc == 0 || nc > ST_MAX_COLUMNS) goto bad;
    d->ncols = (uint32_t)nc;
    d->cols = k_alloc0(a, sizeof(StColumnDef) * nc);
    if (!d->cols) return k_error_oom(err, a, sizeof(StColumnDef) * nc);
    for (uint32_t i = 0; i < d->ncols; i++) {
        if (!get_name(r, d->cols[i].name, sizeof d->cols[i].name)) goto bad;
        if (!get_type(r, &d->cols[i].type)) goto bad;
        d->cols[i].not_null = k_get_u8(r) != 0;
    }
    uint8_t dist = k_get_u8(r);
    if (dist > ST_DIST_RANDOM) goto bad;
    d->dist = (StDistKind)dist;
    uint64_t nd = k_get_varint(r);
    if (nd > ST_MAX_DIST_COLS) goto bad;
    d->ndist_cols = (uint32_t)nd;
    for (uint32_t i = 0; i < d->ndist_cols; i++) {
        uint64_t c = k_get_varint(r);
        if (c >= d->ncols) goto bad;
        d->dist_cols[i] = (uint32_t)c;
    }
    int64_t pc = k_get_svarint(r);
    if (pc < -1 || pc >= (int64_t)d->ncols) goto bad;
    d->part_col = (int32_t)pc;
    uint64_t np = k_get_varint(r);
    if (r->failed || np > 65536) goto bad;
    d->nparts = (uint32_t)np;
    if (np) {
        d->parts = k_alloc0(a, sizeof(StPartitionDef) * np);
        if (!d->parts) return k_error_oom(err, a, sizeof(StPartitionDef) * np);
    }
    for (uint32_t i = 0; i < d->nparts; i++) {
        StPartitionDef *p = &d->parts[i];
        if (!get_name(r, p->name, sizeof p->name)) goto bad;
        uint8_t f = k_get_u8(r);
        p->has_lo = f & 1;
        p->has_hi = (f >> 1) & 1;
        const uint8_t *lo = k_get_bytes(r, 16), *hi = k_get_bytes(r, 16);
        if (r->failed) goto bad;
        memcpy(&p->lo, lo, 16);
        memcpy(&p->hi, hi, 16);
    }
    if (r->failed) goto bad;
    *out = d;
    return K_OK;
bad:
    return k_error(err, K_PROTOCOL_VIOLATION, "malformed table definition");
}
