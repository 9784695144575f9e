/*
 * test_pgwire_server.c — protocol tests of the server (net/pgwire_server.c,
 * net/pgwire_proto.c) over real sockets, against the fake engine.
 *
 * A raw client speaks the v3 protocol byte by byte so every message the
 * server sends can be checked: startup, simple query (multi-statement,
 * empty, errors with positions), extended query (row-limited Execute,
 * PortalSuspended, errors skipping to Sync, binary parameters and
 * results), transaction status bytes, COPY in/out, cancel, bad input
 * (truncated and malformed messages, absurd lengths, unknown types, bad
 * startup packets) with the server still serving others, hundreds of idle
 * connections, bounded output for a large result, password/md5/SCRAM auth
 * through libpq, and a clean stop after each test (no session left open).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_engine.h"
#include "net/pgwire_int.h"

typedef struct Fix {
    NetEngine *eng;
    NetPgServer *srv;
    int port;
} Fix;

static int
start_server(Fix *f, const NetPgConfig *cfg)
{
    KErr err;
    k_err_clear(&err);
    if (fake_engine_open(&f->eng, &err) != K_OK) return -1;
    if (net_pg_server_start(f->eng, cfg, &f->srv, &err) != K_OK) {
        fprintf(stderr, "start: %s\n", err.message);
        fake_engine_close(f->eng);
        return -1;
    }
    f->port = net_pg_server_port(f->srv);
    return 0;
}

static int
setup(void **state)
{
    static Fix f;
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    cfg.port = 0;
    cfg.executor_threads = 4;
    if (start_server(&f, &cfg) != 0) return -1;
    *state = &f;
    return 0;
}

static int
teardown(void **state)
{
    Fix *f = *state;
    if (net_pg_server_stop_checked(f->srv) != K_OK) {
        fprintf(stderr, "the event loop did not close cleanly\n");
        fake_engine_close(f->eng);
        return -1;
    }
    /* every session the server opened was closed on stop */
    uint32_t left = fake_engine_sessions_open(f->eng);
    fake_engine_close(f->eng);
    if (left != 0) {
        fprintf(stderr, "%u sessions left open\n", left);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* A raw protocol client                                                */
/* ------------------------------------------------------------------ */
typedef struct Msg {
    char type;
    uint32_t len;
    uint8_t *body;
} Msg;

static int
raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void
send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w <= 0) return; /* the server may have closed: reads will tell */
        b += w;
        n -= (size_t)w;
    }
}

/* Read exactly n bytes within timeout; false on EOF/timeout. */
static bool
recv_all(int fd, void *p, size_t n, int timeout_ms)
{
    uint8_t *b = p;
    while (n) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, timeout_ms) <= 0) return false;
        ssize_t r = recv(fd, b, n, 0);
        if (r <= 0) return false;
        b += r;
        n -= (size_t)r;
    }
    return true;
}

static bool
read_msg(int fd, Msg *m)
{
    uint8_t h[5];
    if (!recv_all(fd, h, 5, 5000)) return false;
    m->type = (char)h[0];
    m->len = (((uint32_t)h[1] << 24) | ((uint32_t)h[2] << 16) | ((uint32_t)h[3] << 8) | h[4]) - 4;
    m->body = malloc(m->len + 1);
    if (!recv_all(fd, m->body, m->len, 5000)) {
        free(m->body);
        return false;
    }
    m->body[m->len] = 0;
    return true;
}

/* True when the server closed the connection (EOF) within timeout,
 * skipping any messages sent before. */
static bool
wait_closed(int fd, char *last_type)
{
    Msg m;
    while (read_msg(fd, &m)) {
        if (last_type) *last_type = m.type;
        free(m.body);
    }
    char c;
    struct pollfd pf = {fd, POLLIN, 0};
    return poll(&pf, 1, 2000) == 1 && recv(fd, &c, 1, 0) == 0;
}

/* Message builder. */
typedef struct Out {
    uint8_t buf[8192];
    size_t n, start;
} Out;

static void
o_begin(Out *o, char type)
{
    o->buf[o->n++] = (uint8_t)type;
    o->start = o->n;
    o->n += 4;
}

static void
o_i32(Out *o, int32_t v)
{
    o->buf[o->n++] = (uint8_t)((uint32_t)v >> 24);
    o->buf[o->n++] = (uint8_t)((uint32_t)v >> 16);
    o->buf[o->n++] = (uint8_t)((uint32_t)v >> 8);
    o->buf[o->n++] = (uint8_t)v;
}

static void
o_i16(Out *o, int16_t v)
{
    o->buf[o->n++] = (uint8_t)((uint16_t)v >> 8);
    o->buf[o->n++] = (uint8_t)v;
}

static void
o_str(Out *o, const char *s)
{
    size_t l = strlen(s) + 1;
    memcpy(o->buf + o->n, s, l);
    o->n += l;
}

static void
o_end(Out *o)
{
    uint32_t l = (uint32_t)(o->n - o->start);
    o->buf[o->start] = (uint8_t)(l >> 24);
    o->buf[o->start + 1] = (uint8_t)(l >> 16);
    o->buf[o->start + 2] = (uint8_t)(l >> 8);
    o->buf[o->start + 3] = (uint8_t)l;
}

static void
o_send(int fd, Out *o)
{
    send_all(fd, o->buf, o->n);
    o->n = 0;
}

static void
send_startup(int fd, const char *user)
{
    Out o = {.n = 0};
    o.start = 0;
    o.n = 4;
    o_i32(&o, (int32_t)NET_PG_PROTO_V3);
    o_str(&o, "user");
    o_str(&o, user);
    o_str(&o, "database");
    o_str(&o, "db");
    o_str(&o, "application_name");
    o_str(&o, "unit");
    o.buf[o.n++] = 0;
    o_end(&o);
    o_send(fd, &o);
}

typedef struct Conn {
    int fd;
    int32_t pid, key;
} Conn;

/* Collect message types until ReadyForQuery into `types` (NUL-ended);
 * returns the transaction status byte, or 0 on EOF. Error codes seen are
 * appended to `codes` (space separated) when given. */
static char
until_ready(int fd, char *types, size_t cap, char *codes, size_t ccap)
{
    size_t n = 0;
    if (codes) codes[0] = 0;
    Msg m;
    while (read_msg(fd, &m)) {
        if (n + 1 < cap) types[n++] = m.type;
        types[n] = 0;
        if (m.type == 'E' && codes) {
            const uint8_t *p = m.body;
            while (*p) {
                char c = (char)*p++;
                if (c == 'C') {
                    strncat(codes, (const char *)p, ccap - strlen(codes) - 2);
                    strncat(codes, " ", ccap - strlen(codes) - 1);
                }
                p += strlen((const char *)p) + 1;
            }
        }
        if (m.type == 'Z') {
            char st = (char)m.body[0];
            free(m.body);
            return st;
        }
        free(m.body);
    }
    types[n] = 0;
    return 0;
}

static Conn
login(int port)
{
    Conn c = {raw_connect(port), 0, 0};
    assert_true(c.fd >= 0);
    send_startup(c.fd, "tester");
    Msg m;
    bool ok = false, ready = false, saw_version = false;
    while (!ready && read_msg(c.fd, &m)) {
        if (m.type == 'R') ok = m.len == 4 && m.body[3] == 0;
        if (m.type == 'K') {
            c.pid = (int32_t)(((uint32_t)m.body[0] << 24) | ((uint32_t)m.body[1] << 16) |
                              ((uint32_t)m.body[2] << 8) | m.body[3]);
            c.key = (int32_t)(((uint32_t)m.body[4] << 24) | ((uint32_t)m.body[5] << 16) |
                              ((uint32_t)m.body[6] << 8) | m.body[7]);
        }
        if (m.type == 'S' && !strcmp((const char *)m.body, "server_version"))
            saw_version = !strncmp((const char *)m.body + 15, "15.0 (Kestrel", 13);
        if (m.type == 'Z') ready = m.body[0] == 'I';
        free(m.body);
    }
    assert_true(ok);
    assert_true(ready);
    assert_true(saw_version);
    return c;
}

static void
query(int fd, const char *sql)
{
    Out o = {.n = 0};
    o_begin(&o, 'Q');
    o_str(&o, sql);
    o_end(&o);
    o_send(fd, &o);
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */
static void
test_simple_query(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    char types[64], codes[64];
    query(c.fd, "select 1; select 'x'");
    assert_int_equal(until_ready(c.fd, types, sizeof types, codes, sizeof codes), 'I');
    assert_string_equal(types, "TDCTDCZ");
    query(c.fd, "");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "IZ");
    query(c.fd, " ; ");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "IZ");
    /* an error stops the string: the third statement does not run */
    query(c.fd, "select 1; select 1/0; select 2");
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "TDCTEZ");
    assert_string_equal(codes, "22012 ");
    /* SET reports a changed reported setting with ParameterStatus */
    query(c.fd, "set application_name = 'other'");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "CSZ");
    close(c.fd);
}

static void
test_error_position(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    /* two 2-byte characters before "nosuch" */
    const char *sql = "select 1; SELECT '\xc3\xa9\xc3\xa9' FROM nosuch";
    query(c.fd, sql);
    Msg m;
    char pos[16] = "";
    char code[8] = "";
    for (;;) {
        assert_true(read_msg(c.fd, &m));
        if (m.type == 'E') {
            const uint8_t *p = m.body;
            while (*p) {
                char k = (char)*p++;
                if (k == 'P') snprintf(pos, sizeof pos, "%s", (const char *)p);
                if (k == 'C') snprintf(code, sizeof code, "%s", (const char *)p);
                p += strlen((const char *)p) + 1;
            }
        }
        char t = m.type;
        free(m.body);
        if (t == 'Z') break;
    }
    /* the whole string's 1-based character position */
    int32_t bytes = (int32_t)(strstr(sql, "nosuch") - sql);
    char want[16];
    snprintf(want, sizeof want, "%d", (int)(bytes - 2 + 1));
    assert_string_equal(code, "42P01");
    assert_string_equal(pos, want);
    close(c.fd);
}

static void
parse_msg(Out *o, const char *name, const char *sql, int n, const int32_t *oids)
{
    o_begin(o, 'P');
    o_str(o, name);
    o_str(o, sql);
    o_i16(o, (int16_t)n);
    for (int i = 0; i < n; i++) o_i32(o, oids[i]);
    o_end(o);
}

static void
bind_msg(Out *o, const char *portal, const char *stmt, int nfmt, const int16_t *fmts, int np,
         const char *const *vals, const int32_t *lens, int nr, const int16_t *rfmts)
{
    o_begin(o, 'B');
    o_str(o, portal);
    o_str(o, stmt);
    o_i16(o, (int16_t)nfmt);
    for (int i = 0; i < nfmt; i++) o_i16(o, fmts[i]);
    o_i16(o, (int16_t)np);
    for (int i = 0; i < np; i++) {
        o_i32(o, lens[i]);
        if (lens[i] > 0) {
            memcpy(o->buf + o->n, vals[i], (size_t)lens[i]);
            o->n += (size_t)lens[i];
        }
    }
    o_i16(o, (int16_t)nr);
    for (int i = 0; i < nr; i++) o_i16(o, rfmts[i]);
    o_end(o);
}

static void
execute_msg(Out *o, const char *portal, int32_t max)
{
    o_begin(o, 'E');
    o_str(o, portal);
    o_i32(o, max);
    o_end(o);
}

static void
simple_msg(Out *o, char type)
{
    o_begin(o, type);
    o_end(o);
}

static void
test_extended_row_limit(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    Out o = {.n = 0};
    parse_msg(&o, "s1", "SELECT generate_series(1, 5)", 0, NULL);
    bind_msg(&o, "p1", "s1", 0, NULL, 0, NULL, NULL, 0, NULL);
    o_begin(&o, 'D');
    o.buf[o.n++] = 'P';
    o_str(&o, "p1");
    o_end(&o);
    execute_msg(&o, "p1", 2);
    execute_msg(&o, "p1", 2);
    execute_msg(&o, "p1", 2);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    char types[64];
    assert_int_equal(until_ready(c.fd, types, sizeof types, NULL, 0), 'I');
    assert_string_equal(types, "12TDDsDDsDCZ");
    /* the named statement survives Sync; the portal does not (no transaction) */
    execute_msg(&o, "p1", 0);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    char codes[64];
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "EZ");
    assert_string_equal(codes, "34000 ");
    bind_msg(&o, "", "s1", 0, NULL, 0, NULL, NULL, 0, NULL);
    execute_msg(&o, "", 0);
    o_begin(&o, 'C');
    o.buf[o.n++] = 'S';
    o_str(&o, "s1");
    o_end(&o);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "2DDDDDC3Z");
    close(c.fd);
}

static void
test_extended_error_skips_to_sync(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    Out o = {.n = 0};
    parse_msg(&o, "", "SELEC 1", 0, NULL);
    bind_msg(&o, "", "", 0, NULL, 0, NULL, NULL, 0, NULL);
    execute_msg(&o, "", 0);
    simple_msg(&o, 'S');
    /* a pipelined second batch after the Sync runs normally */
    parse_msg(&o, "", "select 7", 0, NULL);
    bind_msg(&o, "", "", 0, NULL, 0, NULL, NULL, 0, NULL);
    execute_msg(&o, "", 0);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    char types[64], codes[64];
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "EZ");
    assert_string_equal(codes, "42601 ");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "12DCZ");
    /* a multi-statement Parse and a wrong parameter count are errors */
    parse_msg(&o, "", "select 1; select 2", 0, NULL);
    simple_msg(&o, 'S');
    parse_msg(&o, "", "select $1::int + 1", 0, NULL);
    bind_msg(&o, "", "", 0, NULL, 0, NULL, NULL, 0, NULL);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "EZ");
    assert_string_equal(codes, "42601 ");
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "1EZ");
    assert_string_equal(codes, "08P01 ");
    /* two result formats for an eight-column result */
    int16_t two[2] = {0, 1};
    parse_msg(&o, "", "SELECT * FROM t", 0, NULL);
    bind_msg(&o, "", "", 0, NULL, 0, NULL, NULL, 2, two);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "1EZ");
    assert_string_equal(codes, "08P01 ");
    close(c.fd);
}

static void
test_binary_params_and_results(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    Out o = {.n = 0};
    int32_t oid = NET_OID_INT4;
    parse_msg(&o, "", "SELECT $1::int + 1", 1, &oid);
    o_begin(&o, 'D');
    o.buf[o.n++] = 'S';
    o_str(&o, "");
    o_end(&o);
    const char v41[4] = {0, 0, 0, 41};
    const char *vals[1] = {v41};
    int32_t lens[1] = {4};
    int16_t one = 1;
    bind_msg(&o, "", "", 1, &one, 1, vals, lens, 1, &one);
    execute_msg(&o, "", 0);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    Msg m;
    char types[32] = "";
    size_t nt = 0;
    int32_t got = -1;
    uint32_t param_oid = 0, col_oid = 0;
    for (;;) {
        assert_true(read_msg(c.fd, &m));
        types[nt++] = m.type;
        if (m.type == 't')
            param_oid = ((uint32_t)m.body[2] << 24) | ((uint32_t)m.body[3] << 16) |
                        ((uint32_t)m.body[4] << 8) | m.body[5];
        if (m.type == 'T') {
            const uint8_t *p = m.body + 2 + strlen((const char *)m.body + 2) + 1;
            col_oid =
                ((uint32_t)p[6] << 24) | ((uint32_t)p[7] << 16) | ((uint32_t)p[8] << 8) | p[9];
        }
        if (m.type == 'D') {
            assert_int_equal(m.body[5], 4); /* length 4: binary int4 */
            got = (int32_t)(((uint32_t)m.body[6] << 24) | ((uint32_t)m.body[7] << 16) |
                            ((uint32_t)m.body[8] << 8) | m.body[9]);
        }
        char t = m.type;
        free(m.body);
        if (t == 'Z') break;
    }
    types[nt] = 0;
    assert_string_equal(types, "1tT2DCZ");
    assert_int_equal(param_oid, NET_OID_INT4);
    assert_int_equal(col_oid, NET_OID_INT4);
    assert_int_equal(got, 42);
    /* a binary date parameter arrives as text 1999-12-31 and comes back in text */
    int32_t doid = NET_OID_DATE;
    parse_msg(&o, "", "SELECT $1::date", 1, &doid);
    const char dm1[4] = {(char)0xff, (char)0xff, (char)0xff, (char)0xff};
    vals[0] = dm1;
    bind_msg(&o, "", "", 1, &one, 1, vals, lens, 0, NULL);
    execute_msg(&o, "", 0);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    bool seen = false;
    for (;;) {
        assert_true(read_msg(c.fd, &m));
        if (m.type == 'D') {
            assert_int_equal(m.body[5], 10);
            assert_memory_equal(m.body + 6, "1999-12-31", 10);
            seen = true;
        }
        char t = m.type;
        free(m.body);
        if (t == 'Z') break;
    }
    assert_true(seen);
    /* a malformed binary parameter is an error, not a crash */
    const char bad3[3] = {1, 2, 3};
    vals[0] = bad3;
    lens[0] = 3;
    parse_msg(&o, "", "SELECT $1::int + 1", 1, &oid);
    bind_msg(&o, "", "", 1, &one, 1, vals, lens, 0, NULL);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    char codes[32];
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "1EZ");
    close(c.fd);
}

static void
test_transaction_status(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    char types[32], codes[64];
    query(c.fd, "BEGIN");
    assert_int_equal(until_ready(c.fd, types, sizeof types, NULL, 0), 'T');
    query(c.fd, "select 1/0");
    assert_int_equal(until_ready(c.fd, types, sizeof types, NULL, 0), 'E');
    query(c.fd, "select 1");
    assert_int_equal(until_ready(c.fd, types, sizeof types, codes, sizeof codes), 'E');
    assert_string_equal(codes, "25P02 ");
    query(c.fd, "ROLLBACK");
    assert_int_equal(until_ready(c.fd, types, sizeof types, NULL, 0), 'I');
    /* a portal survives Sync inside a transaction block (JDBC fetch size) */
    query(c.fd, "BEGIN");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    Out o = {.n = 0};
    parse_msg(&o, "", "SELECT generate_series(1, 3)", 0, NULL);
    bind_msg(&o, "C_1", "", 0, NULL, 0, NULL, NULL, 0, NULL);
    execute_msg(&o, "C_1", 2);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    assert_int_equal(until_ready(c.fd, types, sizeof types, NULL, 0), 'T');
    assert_string_equal(types, "12DDsZ");
    execute_msg(&o, "C_1", 2);
    simple_msg(&o, 'S');
    o_send(c.fd, &o);
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "DCZ");
    query(c.fd, "COMMIT");
    assert_int_equal(until_ready(c.fd, types, sizeof types, NULL, 0), 'I');
    close(c.fd);
}

static void
copy_data(int fd, const char *s)
{
    Out o = {.n = 0};
    o_begin(&o, 'd');
    memcpy(o.buf + o.n, s, strlen(s));
    o.n += strlen(s);
    o_end(&o);
    o_send(fd, &o);
}

static void
test_copy(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    char types[32], codes[64];
    uint32_t before = fake_engine_rows(f->eng);
    query(c.fd, "COPY t FROM STDIN; select 5");
    Msg m;
    assert_true(read_msg(c.fd, &m));
    assert_int_equal(m.type, 'G');
    free(m.body);
    copy_data(c.fd, "100\tx\t1.00\t2020-01-01\t2020-01-01 00:00:00\tt\t1\ta\n101\t\\N\t");
    copy_data(c.fd, "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n");
    Out o = {.n = 0};
    simple_msg(&o, 'H'); /* ignored inside COPY */
    simple_msg(&o, 'c');
    o_send(c.fd, &o);
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "CTDCZ"); /* COPY 2, then the next statement */
    assert_int_equal(fake_engine_rows(f->eng), before + 2);
    /* CopyFail aborts with an error and loads nothing */
    query(c.fd, "COPY t FROM STDIN");
    assert_true(read_msg(c.fd, &m));
    assert_int_equal(m.type, 'G');
    free(m.body);
    copy_data(c.fd, "102\tx\t1.00\t2020-01-01\t2020-01-01 00:00:00\tt\t1\ta\n");
    o_begin(&o, 'f');
    o_str(&o, "client gave up");
    o_end(&o);
    o_send(c.fd, &o);
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(types, "EZ");
    assert_string_equal(codes, "57014 ");
    assert_int_equal(fake_engine_rows(f->eng), before + 2);
    /* a bad row fails the whole load */
    query(c.fd, "COPY t FROM STDIN");
    assert_true(read_msg(c.fd, &m));
    free(m.body);
    copy_data(c.fd, "103\tx\tnotanumber\t2020-01-01\t2020-01-01 00:00:00\tt\t1\ta\n");
    simple_msg(&o, 'c');
    o_send(c.fd, &o);
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(codes, "22P02 ");
    assert_int_equal(fake_engine_rows(f->eng), before + 2);
    /* COPY TO STDOUT: H, one d per row, c, C */
    query(c.fd, "COPY t TO STDOUT");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    char want[32] = "H";
    for (uint32_t i = 0; i < before + 2; i++) strcat(want, "d");
    strcat(want, "cCZ");
    assert_string_equal(types, want);
    close(c.fd);
}

static void
send_cancel(int port, int32_t pid, int32_t key)
{
    int fd = raw_connect(port);
    Out o = {.n = 0};
    o.start = 0;
    o.n = 4;
    o_i32(&o, (int32_t)NET_PG_CANCEL_REQUEST);
    o_i32(&o, pid);
    o_i32(&o, key);
    o_end(&o);
    o_send(fd, &o);
    assert_true(wait_closed(fd, NULL));
    close(fd);
}

static void
test_cancel(void **state)
{
    Fix *f = *state;
    Conn c = login(f->port);
    char types[32], codes[64];
    uint64_t t0 = k_now_ns();
    query(c.fd, "SELECT pg_sleep(20)");
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    send_cancel(f->port, c.pid, c.key ^ 1); /* wrong key: ignored */
    nanosleep(&ts, NULL);
    send_cancel(f->port, c.pid, c.key);
    until_ready(c.fd, types, sizeof types, codes, sizeof codes);
    assert_string_equal(codes, "57014 ");
    assert_true(k_now_ns() - t0 < 5000000000ull);
    /* the connection is usable afterwards */
    query(c.fd, "select 1");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "TDCZ");
    close(c.fd);
    /* a client that disconnects mid-statement: the statement is stopped
     * when the server stops (teardown), it does not block the stop */
    Conn d = login(f->port);
    query(d.fd, "SELECT pg_sleep(20)");
    nanosleep(&ts, NULL);
    close(d.fd);
}

/* Each bad input on its own connection: the server answers an error or
 * closes, and never dies. */
static void
check_still_serving(Fix *f)
{
    Conn c = login(f->port);
    char types[32];
    query(c.fd, "select 1");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "TDCZ");
    close(c.fd);
}

static void
bad_startup(Fix *f, const uint8_t *p, size_t n, bool expect_error)
{
    int fd = raw_connect(f->port);
    send_all(fd, p, n);
    char last = 0;
    if (expect_error) {
        assert_true(wait_closed(fd, &last));
        assert_int_equal(last, 'E');
    } else {
        shutdown(fd, SHUT_WR);
        wait_closed(fd, NULL);
    }
    close(fd);
}

static void
test_bad_startup(void **state)
{
    Fix *f = *state;
    /* length below the minimum, above the maximum, negative */
    bad_startup(f, (const uint8_t[]){0, 0, 0, 3, 0, 3, 0, 0}, 8, true);
    bad_startup(f, (const uint8_t[]){0, 0, 0x4e, 0x20, 0, 3, 0, 0}, 8, true);
    bad_startup(f, (const uint8_t[]){0xff, 0xff, 0xff, 0xff}, 4, true);
    /* unknown protocol version */
    bad_startup(f, (const uint8_t[]){0, 0, 0, 8, 0, 9, 0, 0}, 8, true);
    /* v3 with no parameters at all (missing user) */
    bad_startup(f, (const uint8_t[]){0, 0, 0, 9, 0, 3, 0, 0, 0}, 9, true);
    /* v3 whose parameter list is not terminated */
    bad_startup(f, (const uint8_t[]){0, 0, 0, 13, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0}, 13, true);
    /* a name without value */
    bad_startup(f, (const uint8_t[]){0, 0, 0, 14, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 0}, 14, true);
    /* a huge parameter list (just under the 10000-byte limit), no user */
    size_t big = 9992;
    uint8_t *b = malloc(big);
    memcpy(b, (const uint8_t[]){0, 0, (uint8_t)(big >> 8), (uint8_t)big, 0, 3, 0, 0}, 8);
    for (size_t i = 8; i + 16 <= big - 1; i += 16) memcpy(b + i, "aaaaaaa\0bbbbbbb", 16);
    b[big - 1] = 0;
    bad_startup(f, b, big, true);
    free(b);
    /* truncated startup packet, then EOF */
    bad_startup(f, (const uint8_t[]){0, 0, 0, 40, 0, 3, 0}, 7, false);
    /* SSLRequest / GSSENCRequest are answered 'N', then a normal startup works */
    int fd = raw_connect(f->port);
    send_all(fd, (const uint8_t[]){0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}, 8);
    char ans;
    assert_true(recv_all(fd, &ans, 1, 2000));
    assert_int_equal(ans, 'N');
    send_all(fd, (const uint8_t[]){0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30}, 8);
    assert_true(recv_all(fd, &ans, 1, 2000));
    assert_int_equal(ans, 'N');
    send_startup(fd, "tester");
    char types[32];
    assert_int_equal(until_ready(fd, types, sizeof types, NULL, 0), 'I');
    close(fd);
    /* protocol 3.1 with a _pq_ option: NegotiateProtocolVersion, then login */
    fd = raw_connect(f->port);
    Out o = {.n = 4};
    o.start = 0;
    o_i32(&o, (int32_t)(NET_PG_PROTO_V3 + 1));
    o_str(&o, "user");
    o_str(&o, "tester");
    o_str(&o, "_pq_.future");
    o_str(&o, "1");
    o.buf[o.n++] = 0;
    o_end(&o);
    o_send(fd, &o);
    Msg m;
    assert_true(read_msg(fd, &m));
    assert_int_equal(m.type, 'v');
    assert_int_equal(m.body[3], 0); /* newest minor version: 0 */
    assert_int_equal(m.body[7], 1); /* one option not recognized */
    assert_string_equal((const char *)m.body + 8, "_pq_.future");
    free(m.body);
    assert_int_equal(until_ready(fd, types, sizeof types, NULL, 0), 'I');
    close(fd);
    check_still_serving(f);
}

static void
bad_message(Fix *f, const uint8_t *p, size_t n)
{
    Conn c = login(f->port);
    send_all(c.fd, p, n);
    char last = 0;
    assert_true(wait_closed(c.fd, &last));
    assert_int_equal(last, 'E');
    close(c.fd);
}

static void
test_bad_messages(void **state)
{
    Fix *f = *state;
    /* length 2 (< 4) */
    bad_message(f, (const uint8_t[]){'Q', 0, 0, 0, 2}, 5);
    /* absurd length */
    bad_message(f, (const uint8_t[]){'Q', 0x7f, 0xff, 0xff, 0xff, 's'}, 6);
    /* unknown message type */
    bad_message(f, (const uint8_t[]){'y', 0, 0, 0, 4}, 5);
    /* Query without its terminating NUL */
    bad_message(f, (const uint8_t[]){'Q', 0, 0, 0, 6, 'a', 'b'}, 7);
    /* Bind truncated after the statement name */
    bad_message(f, (const uint8_t[]){'B', 0, 0, 0, 7, 0, 0, 0}, 8);
    /* Parse with a negative parameter count */
    bad_message(f, (const uint8_t[]){'P', 0, 0, 0, 8, 0, 'x', 0, 0xff}, 9);
    /* Describe of an unknown kind */
    bad_message(f, (const uint8_t[]){'D', 0, 0, 0, 6, 'Z', 0}, 7);
    /* Execute with trailing junk */
    bad_message(f, (const uint8_t[]){'E', 0, 0, 0, 10, 0, 0, 0, 0, 0, 1}, 11);
    /* Bind whose parameter length runs past the message (after a good Parse) */
    {
        Out o = {.n = 0};
        parse_msg(&o, "", "SELECT $1::int + 1", 0, NULL);
        memcpy(o.buf + o.n,
               (const uint8_t[]){'B', 0, 0, 0, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0x10, 0, 0, 0}, 17);
        o.n += 17;
        bad_message(f, o.buf, o.n);
    }
    /* random junk after a valid login, several seeds; the server survives */
    uint32_t seed = 12345;
    for (int round = 0; round < 30; round++) {
        Conn c = login(f->port);
        uint8_t junk[256];
        size_t n = 16 + (seed % 200);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (uint8_t)(seed >> 16);
        }
        if (round % 3 == 0) junk[0] = "PBDESCQHdcf"[round % 11]; /* a real type, junk body */
        send_all(c.fd, junk, n);
        shutdown(c.fd, SHUT_WR);
        wait_closed(c.fd, NULL);
        close(c.fd);
    }
    /* a truncated message followed by EOF */
    Conn c = login(f->port);
    send_all(c.fd, (const uint8_t[]){'Q', 0, 0, 0, 100, 's', 'e'}, 7);
    close(c.fd);
    check_still_serving(f);
}

static void
test_many_idle_connections(void **state)
{
    Fix *f = *state;
    enum { N = 300 };
    int *fds = malloc(N * sizeof *fds);
    for (int i = 0; i < N; i++) {
        fds[i] = raw_connect(f->port);
        assert_true(fds[i] >= 0);
        send_startup(fds[i], "idle");
    }
    char types[32];
    for (int i = 0; i < N; i++)
        assert_int_equal(until_ready(fds[i], types, sizeof types, NULL, 0), 'I');
    NetPgStats st;
    net_pg_server_stats(f->srv, &st);
    assert_true(st.connections_open >= N);
    /* every one of them still answers */
    for (int i = 0; i < N; i += 37) {
        query(fds[i], "select 1");
        until_ready(fds[i], types, sizeof types, NULL, 0);
        assert_string_equal(types, "TDCZ");
    }
    for (int i = 0; i < N; i++) close(fds[i]);
    free(fds);
    check_still_serving(f);
}

/* A big result through a small output bound: all rows arrive, and the
 * server never held more than about the bound for the connection. */
static void
test_streaming_bounded(void **state)
{
    (void)state;
    Fix g;
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    cfg.port = 0;
    cfg.executor_threads = 2;
    cfg.max_pending_output = 64 * 1024;
    assert_int_equal(start_server(&g, &cfg), 0);
    Conn c = login(g.port);
    query(c.fd, "SELECT generate_series(1, 300000)");
    /* read slowly at first so that back-pressure has to kick in */
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    Msg m;
    uint64_t rows = 0, sum = 0;
    for (;;) {
        assert_true(read_msg(c.fd, &m));
        if (m.type == 'D') {
            rows++;
            sum += (uint64_t)strtoll((const char *)m.body + 6, NULL, 10);
        }
        char t = m.type;
        free(m.body);
        if (t == 'Z') break;
    }
    assert_int_equal(rows, 300000);
    assert_int_equal(sum, 300000ull * 300001ull / 2);
    NetPgStats st;
    net_pg_server_stats(g.srv, &st);
    /* one flush unit (64 KiB + a batch's rows) above the bound at most */
    assert_true(st.peak_pending_output <= cfg.max_pending_output + 256 * 1024);
    close(c.fd);
    assert_int_equal(net_pg_server_stop_checked(g.srv), K_OK);
    assert_int_equal(fake_engine_sessions_open(g.eng), 0);
    fake_engine_close(g.eng);
}

/* With every executor inside a long statement, the pool grows so that
 * another client still logs in and runs at once. */
static void
test_pool_grows(void **state)
{
    (void)state;
    Fix g;
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    cfg.port = 0;
    cfg.executor_threads = 2;
    cfg.max_executor_threads = 8;
    assert_int_equal(start_server(&g, &cfg), 0);
    Conn slow[4];
    for (int i = 0; i < 4; i++) {
        slow[i] = login(g.port);
        query(slow[i].fd, "SELECT pg_sleep(3)");
    }
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    uint64_t t0 = k_now_ns();
    Conn c = login(g.port);
    char types[16];
    query(c.fd, "select 1");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "TDCZ");
    assert_true(k_now_ns() - t0 < 1500000000ull); /* well before the sleeps end */
    close(c.fd);
    for (int i = 0; i < 4; i++) {
        send_cancel(g.port, slow[i].pid, slow[i].key);
        char codes[32];
        until_ready(slow[i].fd, types, sizeof types, codes, sizeof codes);
        assert_string_equal(codes, "57014 ");
        close(slow[i].fd);
    }
    assert_int_equal(net_pg_server_stop_checked(g.srv), K_OK);
    assert_int_equal(fake_engine_sessions_open(g.eng), 0);
    fake_engine_close(g.eng);
}

/* A client that never finishes its startup is dropped after the timeout. */
static void
test_auth_timeout(void **state)
{
    (void)state;
    Fix g;
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    cfg.port = 0;
    cfg.executor_threads = 1;
    cfg.auth_timeout_ms = 300;
    assert_int_equal(start_server(&g, &cfg), 0);
    uint64_t t0 = k_now_ns();
    int fd = raw_connect(g.port);
    send_all(fd, (const uint8_t[]){0, 0, 0, 40}, 4); /* half a startup packet */
    char last = 0;
    assert_true(wait_closed(fd, &last));
    assert_int_equal(last, 'E');
    uint64_t ms = (k_now_ns() - t0) / 1000000;
    assert_true(ms >= 250 && ms < 3000);
    close(fd);
    /* a client that logs in in time is not affected */
    Conn c = login(g.port);
    struct timespec ts = {0, 500 * 1000 * 1000};
    nanosleep(&ts, NULL);
    char types[16];
    query(c.fd, "select 1");
    until_ready(c.fd, types, sizeof types, NULL, 0);
    assert_string_equal(types, "TDCZ");
    close(c.fd);
    assert_int_equal(net_pg_server_stop_checked(g.srv), K_OK);
    assert_int_equal(fake_engine_sessions_open(g.eng), 0);
    fake_engine_close(g.eng);
}

/* Many clients at once on few executor threads: every query of every
 * client gets its full answer (this once caught a lost wake-up between the
 * executors and the loop). */
typedef struct StressArg {
    int port, id, queries, ok;
} StressArg;

static void *
stress_client(void *p)
{
    StressArg *a = p;
    char conninfo[128];
    snprintf(conninfo, sizeof conninfo,
             "host=127.0.0.1 port=%d user=s%d dbname=db sslmode=disable connect_timeout=5", a->port,
             a->id);
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        PQfinish(c);
        return NULL;
    }
    for (int i = 0; i < a->queries; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", (i % 4) + 1);
        const char *vals[1] = {id};
        PGresult *r = (i % 2) ? PQexecParams(c, "SELECT * FROM t WHERE id = $1", 1, NULL, vals,
                                             NULL, NULL, i % 3 == 0)
                              : PQexec(c, "select 1; SELECT * FROM t");
        int want = (i % 2) ? 1 : 4;
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == want) a->ok++;
        PQclear(r);
    }
    PQfinish(c);
    return NULL;
}

static void
test_concurrent_clients(void **state)
{
    Fix *f = *state;
    enum { NT = 16, Q = 150 };
    pthread_t th[NT];
    StressArg args[NT];
    for (int i = 0; i < NT; i++) {
        args[i] = (StressArg){f->port, i, Q, 0};
        assert_int_equal(pthread_create(&th[i], NULL, stress_client, &args[i]), 0);
    }
    for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < NT; i++) assert_int_equal(args[i].ok, Q);
}

/* Authentication through libpq with a users file. */
static void
test_auth_methods(void **state)
{
    (void)state;
    char path[] = "/tmp/pgwire_users_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    NetScramVerifier v;
    KErr err;
    const uint8_t salt[16] = "0123456789abcdef";
    assert_int_equal(net__scram_make_verifier("dpw", salt, 16, 4096, &v, &err), K_OK);
    char ver[256];
    net__scram_format_verifier(&v, ver, sizeof ver);
    char md5[36];
    net__md5_stored("bob", "bpw", md5);
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "alice scram-sha-256 apw\nbob md5 %s\ncarol password cpw\n"
                     "dave scram-sha-256 %s\neve reject\nfrank trust\nmd5plain md5 mpw\n",
                     md5, ver);
    assert_int_equal(write(fd, text, (size_t)n), n);
    close(fd);
    Fix g;
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    cfg.port = 0;
    cfg.executor_threads = 2;
    cfg.users_file = path;
    assert_int_equal(start_server(&g, &cfg), 0);
    struct {
        const char *user, *pw;
        bool ok;
    } cases[] = {
        {"alice", "apw", true}, {"alice", "bad", false}, {"bob", "bpw", true},
        {"bob", "x", false},    {"carol", "cpw", true},  {"carol", "", false},
        {"dave", "dpw", true},  {"dave", "apw", false},  {"eve", "x", false},
        {"frank", "", true},    {"nobody", "x", false},  {"md5plain", "mpw", true},
    };
    for (size_t i = 0; i < K_ARRAY_LEN(cases); i++) {
        char conninfo[256];
        snprintf(conninfo, sizeof conninfo,
                 "host=127.0.0.1 port=%d user=%s password=%s dbname=db sslmode=disable "
                 "connect_timeout=5",
                 g.port, cases[i].user, cases[i].pw[0] ? cases[i].pw : "none");
        PGconn *pc = PQconnectdb(conninfo);
        bool ok = PQstatus(pc) == CONNECTION_OK;
        if (ok != cases[i].ok)
            fail_msg("user %s password %s: expected %s, got %s", cases[i].user, cases[i].pw,
                     cases[i].ok ? "success" : "failure", PQerrorMessage(pc));
        if (!ok && strcmp(cases[i].user, "eve") != 0)
            assert_non_null(strstr(PQerrorMessage(pc), "password authentication failed"));
        if (ok) {
            PGresult *r = PQexec(pc, "select 1");
            assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
            PQclear(r);
        }
        PQfinish(pc);
    }
    assert_int_equal(net_pg_server_stop_checked(g.srv), K_OK);
    assert_int_equal(fake_engine_sessions_open(g.eng), 0);
    fake_engine_close(g.eng);
    unlink(path);
}

/* A Unix-domain socket next to TCP: libpq finds DIR/.s.PGSQL.PORT, the
 * client counts as local (trusted), and the file goes away on stop. */
static void
test_unix_socket(void **state)
{
    (void)state;
    char dir[] = "/tmp/pgwire_sock_XXXXXX";
    assert_non_null(mkdtemp(dir));
    Fix g;
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    cfg.port = 0;
    cfg.executor_threads = 2;
    cfg.unix_socket_dir = dir;
    assert_int_equal(start_server(&g, &cfg), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/.s.PGSQL.%d", dir, g.port);
    assert_int_equal(access(path, F_OK), 0);
    char conninfo[256];
    snprintf(conninfo, sizeof conninfo, "host=%s port=%d user=u dbname=db connect_timeout=5", dir,
             g.port);
    PGconn *pc = PQconnectdb(conninfo);
    if (PQstatus(pc) != CONNECTION_OK) fail_msg("unix socket connect: %s", PQerrorMessage(pc));
    PGresult *r = PQexec(pc, "SELECT * FROM t");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 4);
    PQclear(r);
    PQfinish(pc);
    /* TCP still works next to it */
    check_still_serving(&g);
    assert_int_equal(net_pg_server_stop_checked(g.srv), K_OK);
    assert_int_equal(fake_engine_sessions_open(g.eng), 0);
    fake_engine_close(g.eng);
    assert_int_not_equal(access(path, F_OK), 0);
    rmdir(dir);
}

/* TLS with a throwaway self-signed certificate (when the openssl tool is
 * there to make one). */
static void
test_tls(void **state)
{
    (void)state;
    if (system("command -v openssl >/dev/null 2>&1") != 0) skip();
    char dir[] = "/tmp/pgwire_tls_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
             "-keyout %s/key.pem -out %s/cert.pem >/dev/null 2>&1",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    char cert[256], key[256];
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    Fix g;
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    cfg.port = 0;
    cfg.executor_threads = 2;
    cfg.tls_cert_file = cert;
    cfg.tls_key_file = key;
    assert_int_equal(start_server(&g, &cfg), 0);
    char conninfo[256];
    snprintf(conninfo, sizeof conninfo,
             "host=127.0.0.1 port=%d user=u dbname=db sslmode=require connect_timeout=5", g.port);
    PGconn *pc = PQconnectdb(conninfo);
    if (PQstatus(pc) != CONNECTION_OK) fail_msg("TLS connect: %s", PQerrorMessage(pc));
    assert_non_null(PQsslAttribute(pc, "protocol"));
    PGresult *r = PQexec(pc, "SELECT generate_series(1, 50000)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 50000);
    assert_string_equal(PQgetvalue(r, 49999, 0), "50000");
    PQclear(r);
    PQfinish(pc);
    assert_int_equal(net_pg_server_stop_checked(g.srv), K_OK);
    assert_int_equal(fake_engine_sessions_open(g.eng), 0);
    fake_engine_close(g.eng);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_simple_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extended_row_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extended_error_skips_to_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_params_and_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_startup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_idle_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_clients, setup, teardown),
        cmocka_unit_test(test_streaming_bounded),
        cmocka_unit_test(test_auth_timeout),
        cmocka_unit_test(test_pool_grows),
        cmocka_unit_test(test_auth_methods),
        cmocka_unit_test(test_unix_socket),
        cmocka_unit_test(test_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
