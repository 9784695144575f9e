/*
 * test_cluster_proto.c — unit tests for net/cluster_proto.c and the worker
 * listener of net/cluster_node.c: frame headers, the batch codec over
 * random batches of every type (property style, with and without zstd,
 * selections, constants, NULLs, inline and long strings), corrupt
 * encodings, and a live worker that must close connections sending
 * garbage, truncated frames, oversized frames, a wrong version or a wrong
 * secret — with a logged reason — and keep serving good peers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/cluster.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ------------------------------------------------------------------ */
/* Header                                                               */
/* ------------------------------------------------------------------ */
static void
test_header(void **state)
{
    (void)state;
    NetClHdr h = {NET_CL_VERSION, NET_CL_BATCH, NET_CL_F_LOAD, 0x0123456789abcdefull, 77, 1234};
    uint8_t raw[NET_CL_HDR_SIZE];
    net_cl_hdr_encode(&h, raw);
    assert_memory_equal(raw, "KCLU", 4);
    NetClHdr back;
    KErr err;
    assert_int_equal(net_cl_hdr_decode(raw, &back, &err), K_OK);
    assert_int_equal(back.type, NET_CL_BATCH);
    assert_int_equal(back.flags, NET_CL_F_LOAD);
    assert_true(back.query_id == h.query_id);
    assert_int_equal(back.fragment_id, 77);
    assert_int_equal(back.len, 1234);

    uint8_t bad[NET_CL_HDR_SIZE];
    memcpy(bad, raw, sizeof bad);
    bad[0] = 'X';
    assert_int_equal(net_cl_hdr_decode(bad, &back, &err), K_ERR);
    assert_int_equal(err.code, K_PROTOCOL_VIOLATION);
    assert_non_null(strstr(err.message, "magic"));
    h.version = 2;
    net_cl_hdr_encode(&h, bad);
    assert_int_equal(net_cl_hdr_decode(bad, &back, &err), K_ERR);
    assert_non_null(strstr(err.message, "version"));
    h.version = NET_CL_VERSION;
    h.len = NET_CL_MAX_FRAME + 1;
    net_cl_hdr_encode(&h, bad);
    assert_int_equal(net_cl_hdr_decode(bad, &back, &err), K_ERR);
    assert_non_null(strstr(err.message, "too large"));
    h.len = 0;
    h.type = 200;
    net_cl_hdr_encode(&h, bad);
    assert_int_equal(net_cl_hdr_decode(bad, &back, &err), K_ERR);
    assert_non_null(strstr(err.message, "type"));
}

/* ------------------------------------------------------------------ */
/* Batch codec                                                          */
/* ------------------------------------------------------------------ */
static const KType all_types[] = {
    {K_TYPE_BOOL, 0, 0, 0, 0},     {K_TYPE_INT32, 0, 0, 0, 0},     {K_TYPE_INT64, 0, 0, 0, 0},
    {K_TYPE_DECIMAL, 15, 2, 0, 0}, {K_TYPE_DECIMAL, 38, 4, 0, 0},  {K_TYPE_DOUBLE, 0, 0, 0, 0},
    {K_TYPE_DATE, 0, 0, 0, 0},     {K_TYPE_TIMESTAMP, 0, 0, 0, 0}, {K_TYPE_INTERVAL, 0, 0, 0, 0},
    {K_TYPE_VARCHAR, 0, 0, 0, 0},  {K_TYPE_CHAR, 0, 0, 0, 10},     {K_TYPE_VARCHAR, 0, 0, 0, 44},
};
#define NTYPES (sizeof all_types / sizeof all_types[0])

static void
fill_value(KBatch *b, KVector *v, uint32_t row, bool repetitive)
{
    void *slot = (char *)v->data + (size_t)row * k_type_width(v->type);
    uint64_t r = repetitive ? row % 3 : rnd();
    switch (v->type.id) {
    case K_TYPE_BOOL: *(uint8_t *)slot = r & 1; break;
    case K_TYPE_INT32:
    case K_TYPE_DATE: *(int32_t *)slot = (int32_t)r; break;
    case K_TYPE_DOUBLE: *(double *)slot = (double)(int64_t)r / 7.0; break;
    case K_TYPE_INTERVAL: {
        KInterval iv = {(int32_t)r, (int32_t)(r >> 32), (int64_t)(r * 31)};
        memcpy(slot, &iv, sizeof iv);
        break;
    }
    case K_TYPE_DECIMAL:
        if (k_type_is_wide_decimal(v->type)) {
            k_int128 x = (k_int128)(int64_t)r * ((k_int128)1 << 40) + (int64_t)(r >> 3);
            memcpy(slot, &x, 16);
        } else {
            *(int64_t *)slot = (int64_t)(r >> 8);
        }
        break;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: {
        char buf[64];
        uint32_t len = repetitive ? 20 : (uint32_t)(r % 41);
        for (uint32_t i = 0; i < len; i++) buf[i] = (char)('a' + (repetitive ? i : rnd()) % 26);
        assert_true(k_str_copy(b->heap, buf, len, (KStr *)slot));
        break;
    }
    default: *(int64_t *)slot = (int64_t)r; break;
    }
}

static KBatch *
random_batch(KArena *a, uint32_t ncols, KType *types, bool repetitive)
{
    KErr err;
    KBatch *b = k_batch_create(a, ncols, types, &err);
    assert_non_null(b);
    uint32_t n = (uint32_t)(rnd() % (K_VECTOR_SIZE + 1));
    b->count = n;
    for (uint32_t c = 0; c < ncols; c++) {
        KVector *v = &b->cols[c];
        bool constant = !repetitive && rnd() % 7 == 0 && n > 0;
        bool nulls = rnd() % 2 == 0;
        if (constant) {
            v->flags |= K_VEC_CONST;
            fill_value(b, v, 0, false);
            if (nulls) {
                assert_int_equal(k_vector_ensure_validity(v, b->arena, &err), K_OK);
                k_vec_set_valid(v, 0, rnd() % 2);
            }
            continue;
        }
        for (uint32_t i = 0; i < n; i++) fill_value(b, v, i, repetitive);
        if (nulls) {
            assert_int_equal(k_vector_ensure_validity(v, b->arena, &err), K_OK);
            for (uint32_t i = 0; i < n; i++) k_vec_set_valid(v, i, rnd() % 5 != 0);
        }
    }
    if (rnd() % 3 == 0 && n > 0) {
        b->sel = k_alloc(b->arena, sizeof(uint16_t) * n);
        assert_non_null(b->sel);
        b->nsel = 0;
        for (uint32_t i = 0; i < n; i++)
            if (rnd() % 2) b->sel[b->nsel++] = (uint16_t)i;
    }
    return b;
}

static void
assert_same_rows(const KBatch *x, const KBatch *y)
{
    assert_int_equal(k_batch_rows(x), k_batch_rows(y));
    assert_int_equal(x->ncols, y->ncols);
    for (uint32_t c = 0; c < x->ncols; c++) {
        const KVector *vx = &x->cols[c], *vy = &y->cols[c];
        assert_true(k_type_equal(vx->type, vy->type));
        size_t w = k_type_width(vx->type);
        for (uint32_t i = 0; i < k_batch_rows(x); i++) {
            uint32_t rx = k_batch_row(x, i), ry = k_batch_row(y, i);
            bool valid = k_vec_is_valid(vx, rx);
            assert_int_equal(valid, k_vec_is_valid(vy, ry));
            if (!valid) continue;
            if (k_type_is_string(vx->type)) {
                assert_true(k_str_eq(k_vec_slot(vx, rx), k_vec_slot(vy, ry)));
            } else if (vx->type.id == K_TYPE_BOOL) {
                assert_int_equal(*(uint8_t *)k_vec_slot(vx, rx) != 0,
                                 *(uint8_t *)k_vec_slot(vy, ry) != 0);
            } else {
                assert_memory_equal(k_vec_slot(vx, rx), k_vec_slot(vy, ry), w);
            }
        }
    }
}

static void
test_codec_roundtrip(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    KErr err;
    for (int iter = 0; iter < 300; iter++) {
        uint32_t ncols = 1 + (uint32_t)(rnd() % 8);
        KType types[8];
        for (uint32_t c = 0; c < ncols; c++) types[c] = all_types[rnd() % NTYPES];
        bool repetitive = iter % 5 == 0;
        KBatch *b = random_batch(a, ncols, types, repetitive);
        for (int z = 0; z < 2; z++) {
            KBuf enc;
            k_buf_init(&enc);
            net_cl_batch_encode(b, z == 1, 1, &enc);
            assert_false(enc.failed);
            KBatch *back = NULL;
            assert_int_equal(net_cl_batch_decode(enc.data, enc.len, a, &back, &err), K_OK);
            assert_same_rows(b, back);
            assert_null(back->sel);
            k_batch_destroy(back);
            k_buf_free(&enc);
        }
        k_batch_destroy(b);
    }
    k_arena_destroy(a);
}

static void
test_codec_compresses(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    KErr err;
    KType t[2] = {{K_TYPE_INT64, 0, 0, 0, 0}, {K_TYPE_VARCHAR, 0, 0, 0, 0}};
    KBatch *b = k_batch_create(a, 2, t, &err);
    assert_non_null(b);
    b->count = K_VECTOR_SIZE;
    for (uint32_t i = 0; i < b->count; i++) {
        ((int64_t *)b->cols[0].data)[i] = i % 4;
        assert_true(k_str_copy(b->heap, "a rather long repeated string", 29,
                               &((KStr *)b->cols[1].data)[i]));
    }
    KBuf plain, zipped;
    k_buf_init(&plain);
    k_buf_init(&zipped);
    net_cl_batch_encode(b, false, 1, &plain);
    net_cl_batch_encode(b, true, 1, &zipped);
    assert_true(zipped.len * 10 < plain.len);
    KBatch *back;
    assert_int_equal(net_cl_batch_decode(zipped.data, zipped.len, a, &back, &err), K_OK);
    assert_same_rows(b, back);
    k_batch_destroy(back);
    k_buf_free(&plain);
    k_buf_free(&zipped);
    k_batch_destroy(b);
    k_arena_destroy(a);
}

static void
test_codec_corrupt(void **state)
{
    (void)state;
    KArena *a = k_arena_create(NULL, "test");
    KErr err;
    int rejected = 0;
    for (int iter = 0; iter < 300; iter++) {
        KType types[3] = {all_types[rnd() % NTYPES], all_types[rnd() % NTYPES],
                          all_types[rnd() % NTYPES]};
        KBatch *b = random_batch(a, 3, types, iter % 2 == 0);
        KBuf enc;
        k_buf_init(&enc);
        net_cl_batch_encode(b, true, 1, &enc);
        /* truncations are always rejected */
        size_t cut = enc.len ? (size_t)(rnd() % enc.len) : 0;
        KBatch *back = NULL;
        assert_int_equal(net_cl_batch_decode(enc.data, cut, a, &back, &err), K_ERR);
        assert_int_equal(err.code, K_PROTOCOL_VIOLATION);
        /* flipped bytes: either rejected or a well-formed batch, never a crash */
        for (int f = 0; f < 4 && enc.len; f++)
            enc.data[rnd() % enc.len] ^= (uint8_t)(1 + rnd() % 255);
        if (net_cl_batch_decode(enc.data, enc.len, a, &back, &err) == K_OK)
            k_batch_destroy(back);
        else
            rejected++;
        k_buf_free(&enc);
        k_batch_destroy(b);
    }
    assert_true(rejected > 0);
    k_arena_destroy(a);
}

static void
test_err_and_tabledef(void **state)
{
    (void)state;
    KErr e, back;
    k_error_at(&e, K_DIVISION_BY_ZERO, 17, "division by zero");
    k_err_detail(&e, "detail %d", 1);
    k_err_hint(&e, "hint");
    KBuf b;
    k_buf_init(&b);
    net_cl_err_encode(&e, &b);
    KReader r;
    k_reader_init(&r, b.data, b.len);
    net_cl_err_decode(&r, &back);
    assert_int_equal(back.code, K_DIVISION_BY_ZERO);
    assert_int_equal(back.pos, 17);
    assert_string_equal(back.message, "division by zero");
    assert_string_equal(back.detail, "detail 1");
    assert_string_equal(back.hint, "hint");
    k_reader_init(&r, b.data, b.len / 2);
    net_cl_err_decode(&r, &back);
    assert_int_equal(back.code, K_PROTOCOL_VIOLATION);

    StColumnDef cols[2];
    memset(cols, 0, sizeof cols);
    strcpy(cols[0].name, "k");
    cols[0].type = k_type(K_TYPE_INT32);
    cols[0].not_null = true;
    strcpy(cols[1].name, "d");
    cols[1].type = k_type_decimal(15, 2);
    StPartitionDef parts[1];
    memset(parts, 0, sizeof parts);
    strcpy(parts[0].name, "p1");
    parts[0].has_lo = true;
    parts[0].lo.u.i64 = 5;
    StTableDef def;
    memset(&def, 0, sizeof def);
    strcpy(def.name, "t");
    def.ncols = 2;
    def.cols = cols;
    def.dist = ST_DIST_HASH;
    def.ndist_cols = 1;
    def.part_col = 0;
    def.nparts = 1;
    def.parts = parts;
    k_buf_clear(&b);
    net_cl_tabledef_encode(&def, &b);
    KArena *a = k_arena_create(NULL, "test");
    StTableDef *d2;
    k_reader_init(&r, b.data, b.len);
    assert_int_equal(net_cl_tabledef_decode(&r, a, &d2, &e), K_OK);
    assert_string_equal(d2->name, "t");
    assert_int_equal(d2->ncols, 2);
    assert_true(k_type_equal(d2->cols[1].type, cols[1].type));
    assert_true(d2->cols[0].not_null);
    assert_int_equal(d2->nparts, 1);
    assert_int_equal(d2->parts[0].lo.u.i64, 5);
    assert_true(d2->parts[0].has_lo && !d2->parts[0].has_hi);
    for (size_t cut = 0; cut < b.len; cut++) {
        k_reader_init(&r, b.data, cut);
        assert_int_equal(net_cl_tabledef_decode(&r, a, &d2, &e), K_ERR);
    }
    k_arena_destroy(a);
    k_buf_free(&b);
}

/* ------------------------------------------------------------------ */
/* A live worker and bad peers                                          */
/* ------------------------------------------------------------------ */
static const char SECRET[] = "s3cret-cluster-key";

typedef struct Live {
    char dir[256];
    NetClNode *w;
    char addr[64];
} Live;

static int
live_setup(void **state)
{
    Live *l = calloc(1, sizeof *l);
    snprintf(l->dir, sizeof l->dir, "%s/kclXXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(l->dir)) return -1;
    char data[300];
    snprintf(data, sizeof data, "%s/w", l->dir);
    NetClWorkerOptions o;
    memset(&o, 0, sizeof o);
    o.data_dir = data;
    o.secret = SECRET;
    o.secret_len = strlen(SECRET);
    o.no_fsync = true;
    KErr err;
    if (net_cl_worker_start(&o, &l->w, &err)) {
        fprintf(stderr, "worker: %s\n", err.message);
        return -1;
    }
    snprintf(l->addr, sizeof l->addr, "127.0.0.1:%u", net_cl_worker_port(l->w));
    *state = l;
    return 0;
}

static int
live_teardown(void **state)
{
    Live *l = *state;
    net_cl_worker_stop(l->w);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", l->dir);
    if (system(cmd)) { /* best effort */
    }
    free(l);
    return 0;
}

static int
raw_connect(Live *l)
{
    int fd;
    KErr err;
    assert_int_equal(net_cl_connect(l->addr, 2000, &fd, &err), K_OK);
    return fd;
}

/* The server must close: reading returns EOF (after any ERROR frame)
 * within 15 s. */
static void
assert_closed(int fd)
{
    char buf[4096];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        assert_true(poll(&p, 1, 15000) == 1);
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0) break;
    }
    close(fd);
}

static void
wait_rejects(Live *l, uint64_t want, const char *reason)
{
    char last[256] = "";
    for (int i = 0; i < 200; i++) {
        if (net_cl_worker_rejects(l->w, last, sizeof last) >= want) break;
        usleep(20000);
    }
    assert_true(net_cl_worker_rejects(l->w, last, sizeof last) >= want);
    if (!strstr(last, reason)) fprintf(stderr, "last reject reason: %s\n", last);
    assert_non_null(strstr(last, reason));
}

static void
good_peer_works(Live *l)
{
    int fd = raw_connect(l);
    KErr err;
    assert_int_equal(net_cl_handshake_client(fd, SECRET, strlen(SECRET), "test", &err), K_OK);
    NetClHdr h = {NET_CL_VERSION, NET_CL_HEARTBEAT, 0, 0, 0, 0};
    assert_int_equal(net_cl_frame_send(fd, &h, NULL, &err), K_OK);
    KBuf pl;
    k_buf_init(&pl);
    bool eof;
    assert_int_equal(net_cl_frame_recv(fd, 5000, &h, &pl, &eof, &err), K_OK);
    assert_false(eof);
    assert_int_equal(h.type, NET_CL_HEARTBEAT);
    assert_int_equal(h.flags, NET_CL_F_ACK);
    k_buf_free(&pl);
    close(fd);
}

static void
send_raw(int fd, const void *p, size_t n)
{
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void
test_bad_peers(void **state)
{
    Live *l = *state;
    uint64_t base = net_cl_worker_rejects(l->w, NULL, 0);
    good_peer_works(l);

    /* garbage */
    int fd = raw_connect(l);
    const char junk[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
    send_raw(fd, junk, sizeof junk - 1);
    assert_closed(fd);
    wait_rejects(l, base + 1, "magic");
    good_peer_works(l);

    /* truncated frame: a HELLO header promising 40 bytes, 10 sent, then EOF */
    fd = raw_connect(l);
    NetClHdr h = {NET_CL_VERSION, NET_CL_HELLO, 0, 0, 0, 40};
    uint8_t raw[NET_CL_HDR_SIZE + 10];
    memset(raw, 0, sizeof raw);
    net_cl_hdr_encode(&h, raw);
    send_raw(fd, raw, sizeof raw);
    shutdown(fd, SHUT_WR);
    assert_closed(fd);
    wait_rejects(l, base + 2, "truncated");

    /* a frame too large */
    fd = raw_connect(l);
    h.len = NET_CL_MAX_FRAME + 1;
    net_cl_hdr_encode(&h, raw);
    send_raw(fd, raw, NET_CL_HDR_SIZE);
    assert_closed(fd);
    wait_rejects(l, base + 3, "too large");

    /* a wrong protocol version: answered with ERROR, then closed */
    fd = raw_connect(l);
    h.version = NET_CL_VERSION + 1;
    h.len = 0;
    net_cl_hdr_encode(&h, raw);
    send_raw(fd, raw, NET_CL_HDR_SIZE);
    KBuf pl;
    k_buf_init(&pl);
    bool eof;
    KErr err;
    NetClHdr rh;
    /* the reply carries our version: decode by hand */
    assert_int_equal(net_cl_frame_recv(fd, 5000, &rh, &pl, &eof, &err), K_OK);
    assert_int_equal(rh.type, NET_CL_ERROR);
    KReader rd;
    k_reader_init(&rd, pl.data, pl.len);
    KErr remote;
    net_cl_err_decode(&rd, &remote);
    assert_non_null(strstr(remote.message, "version"));
    assert_closed(fd);
    wait_rejects(l, base + 4, "version");

    /* a client with the wrong secret: it notices the server's proof fails */
    fd = raw_connect(l);
    assert_int_equal(net_cl_handshake_client(fd, "wrong", 5, "bad", &err), K_ERR);
    assert_int_equal(err.code, K_INVALID_PASSWORD);
    close(fd);
    for (int i = 0; i < 200 && net_cl_worker_rejects(l->w, NULL, 0) < base + 5; i++) usleep(20000);
    assert_true(net_cl_worker_rejects(l->w, NULL, 0) >= base + 5);

    /* a client that sends a wrong proof: the server refuses with 28P01 */
    fd = raw_connect(l);
    KBuf b;
    k_buf_init(&b);
    uint8_t nonce[NET_CL_NONCE] = {1, 2, 3};
    k_buf_put_str(&b, "liar", 4);
    k_buf_put(&b, nonce, sizeof nonce);
    h = (NetClHdr){NET_CL_VERSION, NET_CL_HELLO, 0, 0, 0, (uint32_t)b.len};
    assert_int_equal(net_cl_frame_send(fd, &h, b.data, &err), K_OK);
    assert_int_equal(net_cl_frame_recv(fd, 5000, &rh, &pl, &eof, &err), K_OK);
    assert_int_equal(rh.type, NET_CL_WELCOME);
    uint8_t mac[NET_CL_MAC];
    memset(mac, 0x5a, sizeof mac);
    h = (NetClHdr){NET_CL_VERSION, NET_CL_AUTH, 0, 0, 0, NET_CL_MAC};
    assert_int_equal(net_cl_frame_send(fd, &h, mac, &err), K_OK);
    assert_int_equal(net_cl_frame_recv(fd, 5000, &rh, &pl, &eof, &err), K_OK);
    assert_int_equal(rh.type, NET_CL_ERROR);
    k_reader_init(&rd, pl.data, pl.len);
    net_cl_err_decode(&rd, &remote);
    assert_int_equal(remote.code, K_INVALID_PASSWORD);
    assert_closed(fd);
    wait_rejects(l, base + 6, "secret");

    /* authenticated, then garbage: closed too */
    fd = raw_connect(l);
    assert_int_equal(net_cl_handshake_client(fd, SECRET, strlen(SECRET), "test", &err), K_OK);
    send_raw(fd, junk, sizeof junk - 1);
    assert_closed(fd);
    wait_rejects(l, base + 7, "magic");

    /* authenticated, then a malformed FRAGMENT */
    fd = raw_connect(l);
    assert_int_equal(net_cl_handshake_client(fd, SECRET, strlen(SECRET), "test", &err), K_OK);
    h = (NetClHdr){NET_CL_VERSION, NET_CL_FRAGMENT, 0, 5, 0, 3};
    assert_int_equal(net_cl_frame_send(fd, &h, "abc", &err), K_OK);
    assert_closed(fd);
    wait_rejects(l, base + 8, "FRAGMENT");

    /* authenticated, then batches far beyond any credit: refused */
    fd = raw_connect(l);
    assert_int_equal(net_cl_handshake_client(fd, SECRET, strlen(SECRET), "flood", &err), K_OK);
    KArena *a = k_arena_create(NULL, "flood");
    KType t = k_type(K_TYPE_INT32);
    KBatch *one = k_batch_create(a, 1, &t, &err);
    assert_non_null(one);
    one->count = 1;
    k_buf_clear(&b);
    uint8_t ids[12] = {7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    k_buf_put(&b, ids, sizeof ids);
    net_cl_batch_encode(one, false, 0, &b);
    h = (NetClHdr){NET_CL_VERSION, NET_CL_BATCH, 0, 424242, 1, (uint32_t)b.len};
    bool refused = false;
    for (int i = 0; i < NET_CL_WINDOW * 64 + 10 && !refused; i++)
        refused = net_cl_frame_send(fd, &h, b.data, &err) != K_OK;
    assert_closed(fd);
    wait_rejects(l, base + 9, "flow-control window");
    k_arena_destroy(a);

    good_peer_works(l);
    k_buf_free(&pl);
    k_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_codec_roundtrip),
        cmocka_unit_test(test_codec_compresses),
        cmocka_unit_test(test_codec_corrupt),
        cmocka_unit_test(test_err_and_tabledef),
        cmocka_unit_test_setup_teardown(test_bad_peers, live_setup, live_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
