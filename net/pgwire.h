/*
 * pgwire.h — the PostgreSQL frontend/backend protocol v3 server (public API).
 *
 * The server runs its own libuv loop on its own thread. The loop thread owns
 * sockets, TLS and message framing; statements run on a pool of executor
 * threads that call the engine through net/session.h. Results are encoded
 * into whole protocol messages on the executor thread and handed back to the
 * loop (queue + uv_async_send); an executor blocks while its connection has
 * more than `max_pending_output` bytes waiting to be written, so a large
 * result streams with bounded memory.
 *
 * Interface routines:
 *   net_pg_config_default()  — fill a NetPgConfig with the defaults
 *   net_pg_server_start()    — listen and start the loop and executor threads
 *   net_pg_server_port()     — the port actually bound (useful with port 0)
 *   net_pg_server_stats()    — counters (connections, messages, bytes)
 *   net_pg_server_stop()     — close every connection and handle, join threads
 *
 * Authentication: without a users file, loopback clients are trusted and
 * others refused. With one, each line names a user (or `*`), a method
 * (trust, reject, password, md5, scram-sha-256) and a secret: a cleartext
 * password, an md5 hash ("md5" + hex of md5(password || user)) or a SCRAM
 * verifier ("SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>", as in
 * PostgreSQL's pg_authid). One rule per line, `#` starts a comment:
 *     alice  scram-sha-256  SCRAM-SHA-256$4096:c2FsdA==$...:...
 *     bob    md5            md5f1c3...            (md5 of password || user)
 *     carol  password       s3cret                (cleartext over the wire)
 *     *      reject
 * trust_loopback additionally trusts loopback clients with a users file.
 * The process should ignore SIGPIPE (libuv writes on a closed socket).
 * Design notes: net/README-pgwire.md.
 */
#ifndef NET_PGWIRE_H
#define NET_PGWIRE_H

#include "common/kestrel.h"
#include "net/session.h"

typedef struct NetPgServer NetPgServer;
typedef struct NetPgConfig NetPgConfig;
typedef struct NetPgStats NetPgStats;

struct NetPgConfig {
    const char *host;            /* listen address, default "127.0.0.1" */
    int port;                    /* default 5433; 0 picks a free port */
    const char *users_file;      /* NULL: trust loopback, refuse others */
    bool trust_loopback;         /* with a users file: still trust loopback (default false) */
    const char *unix_socket_dir; /* also listen on DIR/.s.PGSQL.<port>; NULL: no */
    const char *tls_cert_file;   /* PEM; TLS is offered when cert and key are set */
    const char *tls_key_file;
    uint32_t executor_threads;     /* started with the server, default 16 */
    uint32_t max_executor_threads; /* the pool grows to this when all are busy, default 256 */
    uint32_t max_connections;      /* default 1000 */
    uint32_t max_message_len;      /* longest accepted message, default 64 MiB */
    size_t max_pending_output;     /* per connection, default 1 MiB */
    int backlog;                   /* listen backlog, default 511 */
    uint32_t auth_timeout_ms;      /* startup + authentication deadline, default 60000 */
};

struct NetPgStats {
    uint64_t connections_accepted;
    uint64_t connections_open;
    uint64_t connections_refused; /* protocol errors, auth failures, limits */
    uint64_t messages_in;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t cancel_requests;
    uint64_t peak_pending_output; /* largest output backlog of one connection */
};

void net_pg_config_default(NetPgConfig *cfg);

/* Start serving. `eng` is borrowed and must outlive the server; `cfg` and
 * its strings are copied. On success *out holds the server. */
K_MUSTCHECK int net_pg_server_start(NetEngine *eng, const NetPgConfig *cfg, NetPgServer **out,
                                    KErr *err);
int net_pg_server_port(const NetPgServer *srv);
void net_pg_server_stats(NetPgServer *srv, NetPgStats *out);
/* Stop: refuse new connections, cancel running statements, close every
 * connection and handle, let the loop close cleanly and join all threads,
 * then free the server. NULL-safe. */
void net_pg_server_stop(NetPgServer *srv);
/* The same, returning K_ERR when the event loop did not close cleanly (a
 * handle left open) — for tests. */
int net_pg_server_stop_checked(NetPgServer *srv);

#endif /* NET_PGWIRE_H */
