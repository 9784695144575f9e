/*
 * pgtest_server.c — the wire-protocol server over the fake engine, for
 * driving the front end with real clients (psql, libpq, JDBC, node-postgres,
 * psycopg2) in tests. Not part of kestreld.
 *
 *   pgtest_server [--host H] [--port P] [--users FILE] [--trust-loopback]
 *                 [--tls-cert PEM --tls-key PEM] [--socket-dir DIR] [--threads N]
 *                 [--max-pending BYTES] [--max-connections N]
 *
 * Prints "pgtest_server ready on port N" once listening (port 0 picks a
 * free port), serves until SIGINT/SIGTERM, then stops cleanly and exits 0
 * only when every session was closed and the event loop closed cleanly.
 */
#include "fake_engine.h"
#include "net/pgwire.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
    NetPgConfig cfg;
    net_pg_config_default(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--trust-loopback")) {
            cfg.trust_loopback = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "pgtest_server: unknown or incomplete option \"%s\"\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--host"))
            cfg.host = v;
        else if (!strcmp(a, "--port"))
            cfg.port = atoi(v);
        else if (!strcmp(a, "--users"))
            cfg.users_file = v;
        else if (!strcmp(a, "--socket-dir"))
            cfg.unix_socket_dir = v;
        else if (!strcmp(a, "--tls-cert"))
            cfg.tls_cert_file = v;
        else if (!strcmp(a, "--tls-key"))
            cfg.tls_key_file = v;
        else if (!strcmp(a, "--threads"))
            cfg.executor_threads = (uint32_t)atoi(v);
        else if (!strcmp(a, "--max-pending"))
            cfg.max_pending_output = (size_t)atoll(v);
        else if (!strcmp(a, "--max-connections"))
            cfg.max_connections = (uint32_t)atoi(v);
        else {
            fprintf(stderr, "pgtest_server: unknown option \"%s\"\n", a);
            return 2;
        }
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    KErr err;
    k_err_clear(&err);
    NetEngine *eng;
    if (fake_engine_open(&eng, &err) != K_OK) {
        fprintf(stderr, "pgtest_server: %s\n", err.message);
        return 1;
    }
    NetPgServer *srv;
    if (net_pg_server_start(eng, &cfg, &srv, &err) != K_OK) {
        fprintf(stderr, "pgtest_server: %s\n", err.message);
        if (err.detail[0]) fprintf(stderr, "DETAIL: %s\n", err.detail);
        fake_engine_close(eng);
        return 1;
    }
    printf("pgtest_server ready on port %d\n", net_pg_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    NetPgStats st;
    net_pg_server_stats(srv, &st);
    int clean = net_pg_server_stop_checked(srv);
    uint32_t left = fake_engine_sessions_open(eng);
    fprintf(stderr,
            "pgtest_server: stopped; %llu connections accepted, %llu refused, %llu cancel "
            "requests, %u sessions left open, event loop %s\n",
            (unsigned long long)st.connections_accepted, (unsigned long long)st.connections_refused,
            (unsigned long long)st.cancel_requests, left,
            clean == K_OK ? "closed cleanly" : "NOT closed cleanly");
    fake_engine_close(eng);
    return left == 0 && clean == K_OK ? 0 : 1;
}
