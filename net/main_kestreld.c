/*
 * main_kestreld.c — the Kestrel server.
 *
 *   kestreld --local N --data DIR [--port P] [--host H] [--users FILE]
 *            [--memory-limit BYTES] [--work-mem BYTES] [--trust-loopback]
 *            [--socket-dir DIR] [--tls-cert FILE --tls-key FILE]
 *
 * --local N runs the coordinator and N workers in one process (the
 * embedded default) and serves the PostgreSQL protocol (default port
 * 5433, loopback trusted). --worker runs one worker of a multi-process
 * cluster (net/cluster.h, net_cl_worker_main); --coordinator is part of the
 * command-line contract but not built yet, and is refused saying so.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/kestrel.h"
#include "net/cluster.h"
#include "net/net.h"
#include "net/pgwire.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "kestreld — the Kestrel MPP analytical SQL server\n"
            "\n"
            "Usage:\n"
            "  kestreld --local N --data DIR [options]     coordinator + N workers in one process\n"
            "  kestreld --coordinator --data DIR --workers HOST:PORT,...   (not available yet)\n"
            "  kestreld --worker --data DIR --listen HOST:PORT --secret-file F   a cluster worker\n"
            "\n"
            "Options:\n"
            "  --local N            run embedded with N workers (1-256)\n"
            "  --data DIR           data directory (created when missing)\n"
            "  --port P             PostgreSQL protocol port (default 5433; 0 = any free port)\n"
            "  --host H             listen address (default 127.0.0.1)\n"
            "  --users FILE         users file (methods trust/password/md5/scram-sha-256);\n"
            "                       without it loopback clients are trusted\n"
            "  --trust-loopback     with --users: still trust loopback clients\n"
            "  --socket-dir DIR     also listen on the Unix socket DIR/.s.PGSQL.<port>\n"
            "  --tls-cert FILE      PEM certificate; with --tls-key, TLS is offered to clients\n"
            "  --tls-key FILE       PEM private key\n"
            "  --memory-limit SIZE  memory for all queries (e.g. 8G; default 3/4 of RAM)\n"
            "  --work-mem SIZE      memory for one query (default: the memory limit)\n"
            "  --no-fsync           skip fsync (throwaway test data only)\n"
            "  --help               show this help and exit\n"
            "  --version            show the version and exit\n");
}

static int
parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno) return -1;
    switch (*end) {
    case 'k': case 'K': v <<= 10; end++; break;
    case 'm': case 'M': v <<= 20; end++; break;
    case 'g': case 'G': v <<= 30; end++; break;
    case 't': case 'T': v <<= 40; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end) return -1;
    *out = (size_t)v;
    return 0;
}

/* OpenMP threads that spin while waiting for work take CPU from the other
 * fragments and connections of a busy server; libgomp reads its wait policy
 * when it loads, before main, so the server re-executes itself once with
 * OMP_WAIT_POLICY=passive unless the user chose a policy. */
static void
prefer_passive_openmp(char **argv)
{
    if (getenv("OMP_WAIT_POLICY")) return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* exec failed: go on with the active policy */
}

int
main(int argc, char **argv)
{
    prefer_passive_openmp(argv);
    enum { OPT_LOCAL = 1000, OPT_DATA, OPT_PORT, OPT_HOST, OPT_USERS, OPT_MEM, OPT_WORK_MEM, OPT_NO_FSYNC,
           OPT_COORD, OPT_WORKER, OPT_WORKERS, OPT_LISTEN, OPT_HELP, OPT_VERSION, OPT_TRUST_LOOPBACK,
           OPT_SOCKET_DIR, OPT_TLS_CERT, OPT_TLS_KEY };
    static const struct option opts[] = {
        {"local", required_argument, 0, OPT_LOCAL},     {"data", required_argument, 0, OPT_DATA},
        {"port", required_argument, 0, OPT_PORT},       {"host", required_argument, 0, OPT_HOST},
        {"users", required_argument, 0, OPT_USERS},     {"memory-limit", required_argument, 0, OPT_MEM},
        {"work-mem", required_argument, 0, OPT_WORK_MEM}, {"no-fsync", no_argument, 0, OPT_NO_FSYNC},
        {"coordinator", no_argument, 0, OPT_COORD},     {"worker", no_argument, 0, OPT_WORKER},
        {"workers", required_argument, 0, OPT_WORKERS}, {"listen", required_argument, 0, OPT_LISTEN},
        {"help", no_argument, 0, OPT_HELP},             {"version", no_argument, 0, OPT_VERSION},
        {"trust-loopback", no_argument, 0, OPT_TRUST_LOOPBACK}, {"socket-dir", required_argument, 0, OPT_SOCKET_DIR},
        {"tls-cert", required_argument, 0, OPT_TLS_CERT}, {"tls-key", required_argument, 0, OPT_TLS_KEY},
        {0, 0, 0, 0},
    };
    /* a worker of a multi-process cluster has its own options (net/cluster.h) */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--worker")) return net_cl_worker_main(argc, argv);
    NetEngineConfig ecfg;
    net_engine_config_default(&ecfg);
    NetPgConfig pcfg;
    net_pg_config_default(&pcfg);
    long nlocal = -1;
    bool coordinator = false, worker = false;
    const char *data = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case OPT_LOCAL: {
            char *end;
            nlocal = strtol(optarg, &end, 10);
            if (*end || nlocal < 1 || nlocal > 256) {
                fprintf(stderr, "kestreld: --local takes a number of workers between 1 and 256, not \"%s\"\n", optarg);
                return 2;
            }
            break;
        }
        case OPT_DATA: data = optarg; break;
        case OPT_PORT: {
            char *end;
            long p = strtol(optarg, &end, 10);
            if (*end || p < 0 || p > 65535) {
                fprintf(stderr, "kestreld: invalid port \"%s\"\n", optarg);
                return 2;
            }
            pcfg.port = (int)p;
            break;
        }
        case OPT_HOST: pcfg.host = optarg; break;
        case OPT_USERS: pcfg.users_file = optarg; break;
        case OPT_TRUST_LOOPBACK: pcfg.trust_loopback = true; break;
        case OPT_SOCKET_DIR: pcfg.unix_socket_dir = optarg; break;
        case OPT_TLS_CERT: pcfg.tls_cert_file = optarg; break;
        case OPT_TLS_KEY: pcfg.tls_key_file = optarg; break;
        case OPT_MEM:
            if (parse_size(optarg, &ecfg.memory_limit)) {
                fprintf(stderr, "kestreld: invalid size \"%s\" (use e.g. 512M or 8G)\n", optarg);
                return 2;
            }
            break;
        case OPT_WORK_MEM:
            if (parse_size(optarg, &ecfg.work_mem)) {
                fprintf(stderr, "kestreld: invalid size \"%s\" (use e.g. 512M or 8G)\n", optarg);
                return 2;
            }
            break;
        case OPT_NO_FSYNC: ecfg.no_fsync = true; break;
        case OPT_COORD: coordinator = true; break;
        case OPT_WORKER: worker = true; break;
        case OPT_WORKERS:
        case OPT_LISTEN: break;
        case OPT_HELP: usage(stdout); return 0;
        case OPT_VERSION: printf("kestreld (Kestrel) %s\n", KESTREL_VERSION); return 0;
        default:
            fprintf(stderr, "kestreld: unknown option \"%s\"\nTry \"kestreld --help\" for more information.\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "kestreld: unexpected argument \"%s\"\nTry \"kestreld --help\".\n", argv[optind]);
        return 2;
    }
    (void)worker;
    if (coordinator) {
        fprintf(stderr, "kestreld: the cluster coordinator (--coordinator) is not available yet (workers are:\n"
                        "kestreld --worker); run the embedded engine with --local N instead.\n");
        return 2;
    }
    if (nlocal < 0) {
        fprintf(stderr, "kestreld: choose a mode: --local N (see kestreld --help)\n");
        return 2;
    }
    if (!data) {
        fprintf(stderr, "kestreld: --data DIR is required\n");
        return 2;
    }
    if (!pcfg.tls_cert_file != !pcfg.tls_key_file) {
        fprintf(stderr, "kestreld: --tls-cert and --tls-key go together\n");
        return 2;
    }
    ecfg.data_dir = data;
    ecfg.nworkers = (uint32_t)nlocal;

    /* Block the stop signals in every thread; main waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    KErr err;
    k_err_clear(&err);
    NetEngine *eng;
    if (net_engine_open_local(&ecfg, &eng, &err)) {
        fprintf(stderr, "kestreld: %s\n", err.message);
        if (err.detail[0]) fprintf(stderr, "DETAIL: %s\n", err.detail);
        if (err.hint[0]) fprintf(stderr, "HINT: %s\n", err.hint);
        return 1;
    }
    NetPgServer *srv;
    if (net_pg_server_start(eng, &pcfg, &srv, &err)) {
        fprintf(stderr, "kestreld: %s\n", err.message);
        if (err.hint[0]) fprintf(stderr, "HINT: %s\n", err.hint);
        net_engine_close(eng);
        return 1;
    }
    k_info("kestreld %s: %u local workers, data in %s, listening on %s:%d", KESTREL_VERSION, ecfg.nworkers, data,
           pcfg.host ? pcfg.host : "127.0.0.1", net_pg_server_port(srv));
    printf("kestreld ready on port %d\n", net_pg_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    k_info("received signal %d, shutting down", sig);
    net_pg_server_stop(srv);
    net_engine_close(eng);
    return 0;
}
