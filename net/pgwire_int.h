/*
 * pgwire_int.h — private declarations of the PostgreSQL protocol front end:
 * message encoding (pgwire_codec.c), authentication (auth.c, auth_scram.c)
 * and the connection state machine (pgwire_proto.c) shared with the loop
 * (pgwire_server.c). Unit tests under tests/unit/net/ include it too.
 */
#ifndef NET_PGWIRE_INT_H
#define NET_PGWIRE_INT_H

#include "net/pgwire.h"

/* ------------------------------------------------------------------ */
/* Protocol constants                                                   */
/* ------------------------------------------------------------------ */
#define NET_PG_PROTO_V3        196608u   /* 3 << 16 */
#define NET_PG_SSL_REQUEST     80877103u /* 1234 << 16 | 5679 */
#define NET_PG_GSSENC_REQUEST  80877104u
#define NET_PG_CANCEL_REQUEST  80877102u
#define NET_PG_MAX_STARTUP_LEN 10000u /* as PostgreSQL's MAX_STARTUP_PACKET_LENGTH */

/* PostgreSQL type OIDs we encode or accept for parameters. */
enum {
    NET_OID_BOOL = 16,
    NET_OID_BYTEA = 17,
    NET_OID_CHAR = 18,
    NET_OID_NAME = 19,
    NET_OID_INT8 = 20,
    NET_OID_INT2 = 21,
    NET_OID_INT4 = 23,
    NET_OID_TEXT = 25,
    NET_OID_OID = 26,
    NET_OID_FLOAT4 = 700,
    NET_OID_FLOAT8 = 701,
    NET_OID_UNKNOWN = 705,
    NET_OID_BPCHAR = 1042,
    NET_OID_VARCHAR = 1043,
    NET_OID_DATE = 1082,
    NET_OID_TIMESTAMP = 1114,
    NET_OID_TIMESTAMPTZ = 1184,
    NET_OID_INTERVAL = 1186,
    NET_OID_NUMERIC = 1700,
};

/* Days and microseconds between 1970-01-01 (Kestrel) and 2000-01-01 (PG). */
#define NET_PG_EPOCH_DAYS  10957
#define NET_PG_EPOCH_USECS INT64_C(946684800000000)

/* ------------------------------------------------------------------ */
/* Message encoding (pgwire_codec.c)                                    */
/* ------------------------------------------------------------------ */
/* Start a message of `type` in b; returns the offset to pass to
 * net__msg_end(), which patches the length in. */
size_t net__msg_begin(KBuf *b, char type);
void net__msg_end(KBuf *b, size_t start);
void net__put_i16(KBuf *b, int16_t v);
void net__put_i32(KBuf *b, int32_t v);
void net__put_cstr(KBuf *b, const char *s);

/* Bounds-checked reads from a message body (big-endian). A C string must be
 * NUL-terminated inside the body; NULL (and r->failed) otherwise. */
int16_t net__get_i16(KReader *r);
int32_t net__get_i32(KReader *r);
const char *net__get_cstr(KReader *r);

/* Whole messages. */
void net__put_error(KBuf *b, const KErr *e, bool notice, const char *sql, size_t sql_len);
void net__put_ready(KBuf *b, char txn_status);
void net__put_param_status(KBuf *b, const char *name, const char *value);
void net__put_command_complete(KBuf *b, const char *tag);
void net__put_auth(KBuf *b, int32_t code, const void *data, size_t n);
/* RowDescription; formats: NULL = all text, nformats == 1 applies to all. */
void net__put_row_description(KBuf *b, const NetColumn *cols, uint32_t n, const int16_t *formats,
                              uint32_t nformats);
/* One DataRow per live row of batch, rows [from, to) in live-row numbering. */
void net__put_data_rows(KBuf *b, const KBatch *batch, uint32_t from, uint32_t to,
                        const int16_t *formats, uint32_t nformats);

/* 1-based character position (UTF-8) of byte offset `pos` in sql; 0 when
 * pos < 0 or out of range. */
int32_t net__char_position(const char *sql, size_t len, int32_t pos);

/* Map a PostgreSQL type OID onto a Kestrel type (K_TYPE_UNKNOWN when the OID
 * is 0, unknown, or has no Kestrel equivalent to impose). */
KType net__type_from_oid(uint32_t oid);
/* Size of a PostgreSQL type (typlen) for RowDescription: -1 for varlena. */
int16_t net__type_len(KType t);
/* Type modifier (atttypmod) for RowDescription. */
int32_t net__type_mod(KType t);

/* One value in text (format 0) or binary (format 1) form, preceded by its
 * int32 length (-1 for NULL is written by the caller). */
void net__put_value(KBuf *b, KType t, const void *slot, int16_t format);
/* PostgreSQL's binary numeric (base 10000) for a scaled integer. */
void net__put_numeric_binary(KBuf *b, k_int128 v, int scale);
/* Decode binary numeric into its text form; length or K_ERR. */
K_MUSTCHECK int net__numeric_binary_to_text(const uint8_t *p, size_t n, char *out, size_t cap,
                                            KErr *err);
/* A parameter sent in binary, as PostgreSQL text for NetParam. `t` is the
 * parameter's type (declared or inferred). Returns the text length, or K_ERR
 * with 22P03 (invalid_binary_representation is reported as 22P02 here). */
K_MUSTCHECK int net__param_binary_to_text(KType t, const uint8_t *p, size_t n, char *out,
                                          size_t cap, KErr *err);

/* ------------------------------------------------------------------ */
/* Authentication (auth.c, auth_scram.c)                                */
/* ------------------------------------------------------------------ */
typedef enum NetAuthMethod {
    NET_AUTH_TRUST = 0,
    NET_AUTH_REJECT,
    NET_AUTH_PASSWORD,
    NET_AUTH_MD5,
    NET_AUTH_SCRAM,
} NetAuthMethod;

typedef enum NetSecretKind {
    NET_SECRET_NONE = 0,
    NET_SECRET_PLAIN,
    NET_SECRET_MD5,
    NET_SECRET_SCRAM,
} NetSecretKind;

typedef struct NetScramVerifier {
    int iterations;
    uint8_t salt[64];
    size_t salt_len;
    uint8_t stored_key[32];
    uint8_t server_key[32];
} NetScramVerifier;

typedef struct NetPgUser {
    char name[64];
    NetAuthMethod method;
    NetSecretKind kind;
    char secret[256];       /* plain password or "md5<32 hex>" */
    NetScramVerifier scram; /* when kind == NET_SECRET_SCRAM */
} NetPgUser;

typedef struct NetPgUsers {
    NetPgUser *users;
    uint32_t n;
} NetPgUsers;

/* Parse a users file. Lines: `user method [secret]`, '#' comments. */
K_MUSTCHECK int net__users_load(const char *path, NetPgUsers *out, KErr *err);
K_MUSTCHECK int net__users_parse(const char *text, size_t len, const char *path, NetPgUsers *out,
                                 KErr *err);
void net__users_free(NetPgUsers *u);
/* The entry for `user`, else the `*` entry, else NULL. */
const NetPgUser *net__users_lookup(const NetPgUsers *u, const char *user);

/* Lower-case hex of MD5(data): 32 chars + NUL. */
void net__md5_hex(const void *data, size_t n, char out[33]);
/* PostgreSQL's stored md5 form: "md5" + md5hex(password || user). */
void net__md5_stored(const char *user, const char *password, char out[36]);
/* Check a client's md5 response ("md5" + md5hex(md5hex(password||user) || salt))
 * against a stored "md5..." secret. */
bool net__md5_check(const char *stored, const uint8_t salt[4], const char *response);

int net__base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);
/* Returns decoded length or -1 on bad input / too small. */
int net__base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* Build a verifier from a password (SASLprep is not applied: ASCII passwords
 * are unaffected). */
K_MUSTCHECK int net__scram_make_verifier(const char *password, const uint8_t *salt, size_t salt_len,
                                         int iterations, NetScramVerifier *v, KErr *err);
K_MUSTCHECK int net__scram_parse_verifier(const char *s, NetScramVerifier *v);
/* "SCRAM-SHA-256$iter:salt$stored:server" */
void net__scram_format_verifier(const NetScramVerifier *v, char *out, size_t cap);

/* One SCRAM-SHA-256 exchange on the server side. */
typedef struct NetScram {
    NetScramVerifier v;
    bool mock; /* unknown user: go through the motions, then fail */
    char gs2_header[64];
    char client_first_bare[512];
    char server_first[640];
    char nonce[256]; /* client nonce + server nonce */
} NetScram;

/* Handle the client-first-message; write the server-first-message into out.
 * server_nonce NULL draws a random one (tests pass a fixed one). */
K_MUSTCHECK int net__scram_first(NetScram *st, const char *msg, size_t len,
                                 const char *server_nonce, char *out, size_t cap, KErr *err);
/* Handle the client-final-message: verify the proof; write the
 * server-final-message ("v=...") into out. */
K_MUSTCHECK int net__scram_final(NetScram *st, const char *msg, size_t len, char *out, size_t cap,
                                 KErr *err);

/* ------------------------------------------------------------------ */
/* Server and connections (pgwire_server.c)                             */
/* ------------------------------------------------------------------ */
/*
 * Threads and ownership. The loop thread owns sockets, TLS state and the
 * partial-frame buffer; it cuts the byte stream into whole messages and
 * appends them to the connection's inbound queue. An executor thread runs
 * one connection at a time: it pops inbound messages and runs the protocol
 * state machine (pgwire_proto.c), which calls the engine and appends whole
 * encoded messages to `out`; net__conn_flush() moves `out` to the outbound
 * queue and wakes the loop. A connection is on the work queue or on an
 * executor at most once (`scheduled`), so its protocol state needs no lock.
 * Fields under `mu` are shared between the loop and the executor.
 */
#include <openssl/ssl.h>
#include <pthread.h>
#include <uv.h>

typedef struct NetPgMsg NetPgMsg;
typedef struct NetPgChunk NetPgChunk;
typedef struct NetPgConn NetPgConn;
typedef struct NetPgProto NetPgProto;

struct NetPgMsg {
    NetPgMsg *next;
    char type;    /* 0: the startup packet (body starts with the protocol code) */
    bool eof;     /* not a message: the client closed its side */
    uint32_t len; /* body length */
    uint8_t body[];
};

struct NetPgChunk {
    NetPgChunk *next;
    size_t len;
    uint8_t data[];
};

struct NetPgConn {
    NetPgServer *srv;
    NetPgConn *prev, *next; /* server's list of connections (loop thread) */
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe; /* a Unix-domain socket client */
    } h;
    int32_t pid, key;
    bool loopback;
    char peer[64];

    /* loop thread only */
    int phase; /* NET_PHASE_* */
    KBuf rbuf; /* bytes of an incomplete frame */
    uv_timer_t auth_timer;
    int handles_open; /* tcp + auth_timer until both are closed */
    bool closing, read_paused, close_when_written, eof;
    uint32_t writes_inflight;
    SSL *ssl;
    BIO *rbio, *wbio;

    /* shared, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    NetPgMsg *in_head, *in_tail;
    size_t in_bytes;
    NetPgChunk *out_head, *out_tail;
    size_t pending_out; /* queued + being written */
    bool scheduled, dead, close_requested, want_read, authed;
    NetSession *session; /* for cancel; set/cleared by the executor */

    /* under srv->mu */
    bool in_ready, exec_done;
    NetPgConn *ready_next, *work_next;

    /* executor only */
    KBuf out;
    NetPgProto *proto;
};

enum { NET_PHASE_STARTUP = 0, NET_PHASE_MSGS };

struct NetPgServer {
    NetEngine *eng;
    NetPgConfig cfg;
    char *host, *users_file, *cert, *key;
    NetPgUsers users;
    bool have_users;
    SSL_CTX *ssl_ctx;

    uv_loop_t loop;
    uv_tcp_t listener;
    uv_pipe_t plistener; /* Unix-domain socket, when unix_socket_dir is set */
    bool have_pipe, sock_bound;
    int listeners_open;
    char *sockdir;
    char sockpath[256];
    uv_async_t wake;
    uv_thread_t loop_thread;
    int port;
    bool listener_closed, loop_stopping;

    pthread_mutex_t mu;
    pthread_cond_t work_cv;
    NetPgConn *work_head, *work_tail;
    NetPgConn *ready_head;
    NetPgConn **ready_vec; /* loop thread: the list being drained */
    uint32_t ready_cap;
    bool stopping, pool_shutdown;
    pthread_t *threads;                     /* max_executor_threads slots */
    uint32_t nthreads, idle_threads, nwork; /* nwork: connections on the work queue */

    NetPgConn *conns; /* loop thread */
    uint32_t nconns;
    int32_t next_pid;
    NetPgStats stats; /* under mu */
};

/* Executor side: hand `out` to the loop and wait while the connection's
 * pending output is over the bound. K_ERR when the client is gone. */
K_MUSTCHECK int net__conn_flush(NetPgConn *c);
/* Executor side: write what is queued, then close the connection. */
void net__conn_request_close(NetPgConn *c);
/* Executor side: record that authentication succeeded (raises the message
 * size limit). */
void net__conn_set_authed(NetPgConn *c);
void net__conn_set_session(NetPgConn *c, NetSession *s);
bool net__conn_is_dead(NetPgConn *c);

/* ------------------------------------------------------------------ */
/* Protocol state machine (pgwire_proto.c), executor threads only       */
/* ------------------------------------------------------------------ */
/* Handle one inbound message. */
void net__proto_handle(NetPgConn *c, NetPgMsg *m);
/* Release everything: portals, statements, the session. */
void net__proto_destroy(NetPgConn *c);

#endif /* NET_PGWIRE_INT_H */
