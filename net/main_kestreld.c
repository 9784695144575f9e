/*
 * main_kestreld.c — the Kestrel server.
 *
 *   kestreld --local N --data DIR [--port P] [--host H] [--users FILE]
 *            [--memory-limit BYTES] [--work-mem BYTES] [--trust-loopback]
 *            [--socket-dir DIR] [--tls-cert FILE --tls-key FILE]
 *   kestreld --coordinator --data DIR --workers HOST:PORT,... --secret-file F [same options]
 *   kestreld --coordinator --data DIR --expect-workers N --cluster-listen HOST:PORT ...
 *   kestreld --worker --data DIR --listen HOST:PORT --secret-file F [--join HOST:PORT]
 *   kestreld --config FILE [options]
 *
 * --local N runs the coordinator and N workers in one process (the
 * embedded default) and serves the PostgreSQL protocol (default port
 * 5433, loopback trusted). --coordinator serves the same protocol but
 * keeps only the catalog: DDL, loads, statistics and queries go to worker
 * processes over the cluster protocol (net/cluster.h). --worker runs one
 * worker of a multi-process cluster (net_cl_worker_main).
 *
 * --config FILE reads `key = value` lines (# comments): every key is a
 * long option without its dashes (mode = coordinator|worker|local is
 * also accepted; a boolean option takes true/false). The file's options
 * come first, so the command line overrides them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
            "  kestreld --coordinator --data DIR --workers HOST:PORT,... --secret-file F\n"
            "                                              coordinator of worker processes\n"
            "  kestreld --coordinator --data DIR --expect-workers N --cluster-listen HOST:PORT\n"
            "           --secret-file F                    coordinator of workers that join\n"
            "  kestreld --worker --data DIR --listen HOST:PORT --secret-file F [--join H:P]\n"
            "                                              a cluster worker\n"
            "  kestreld --config FILE [options]            options from a file (key = value)\n"
            "\n"
            "Options:\n"
            "  --local N            run embedded with N workers (1-256)\n"
            "  --coordinator        run as the coordinator of the workers in --workers\n"
            "  --workers LIST       comma-separated HOST:PORT of each worker (order matters:\n"
            "                       rows are routed by worker position)\n"
            "  --expect-workers N   instead of --workers: wait for N workers to --join\n"
            "  --cluster-listen H:P the cluster port workers join (0 = any; printed on stdout)\n"
            "  --secret-file F      the cluster secret (first line; the workers read the same)\n"
            "  --secret S           the cluster secret itself (prefer --secret-file)\n"
            "  --threads N          threads per fragment on a worker (default: all cores)\n"
            "  --max-queries N      cluster queries running at once; more wait (default: no limit)\n"
            "  --no-compress        send batches to the workers without zstd (give the workers\n"
            "                       --no-compress too: for clusters on one host)\n"
            "  --config FILE        read options from FILE (key = value; the command line wins)\n"
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

/* --config FILE: `key = value` lines become `--key value` options placed
 * before the command line's (so the command line overrides them). Returns
 * a new argv (malloc'd strings, never freed: they live as long as main),
 * or NULL after printing why. */
/* what config_argv and split_workers allocate, freed at exit */
static char **config_args;
static int config_nalloc; /* config_args[1 .. config_nalloc] were strdup'd */
static char **worker_list;
static char *worker_copy;
static char *secret_copy;

static void
free_args(void)
{
    for (int i = 1; config_args && i <= config_nalloc; i++) free(config_args[i]);
    free(config_args);
    free(worker_list);
    free(worker_copy);
    free(secret_copy);
    config_args = worker_list = NULL;
    worker_copy = secret_copy = NULL;
}

static char **
config_argv(int argc, char **argv, int *out_argc)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) path = argv[i + 1];
        else if (!strncmp(argv[i], "--config=", 9)) path = argv[i] + 9;
    }
    int cap = argc + 64, n = 0;
    char **nv = calloc((size_t)cap + 1, sizeof(char *));
    if (!nv) return NULL;
    nv[n++] = argv[0];
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "kestreld: could not open config file \"%s\": %s\n", path, strerror(errno));
            free(nv);
            return NULL;
        }
        char line[4096];
        int lineno = 0;
        while (fgets(line, sizeof line, f)) {
            lineno++;
            char *p = line;
            while (*p == ' ' || *p == '\t') p++;
            if (*p == '#' || *p == '\n' || *p == '\r' || !*p) continue;
            char *eq = strchr(p, '=');
            if (!eq) {
                fprintf(stderr, "kestreld: %s:%d: expected key = value\n", path, lineno);
                fclose(f);
                free(nv);
                return NULL;
            }
            char *ke = eq;
            while (ke > p && (ke[-1] == ' ' || ke[-1] == '\t')) ke--;
            *ke = 0;
            char *v = eq + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t vl = strlen(v);
            while (vl && (v[vl - 1] == '\n' || v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t')) v[--vl] = 0;
            if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
                v[vl - 1] = 0;
                v++;
            }
            for (char *k = p; *k; k++)
                if (*k == '_') *k = '-';
            if (n + 3 >= cap) {
                fprintf(stderr, "kestreld: %s: too many options\n", path);
                fclose(f);
                free(nv);
                return NULL;
            }
            char opt[4200];
            if (!strcmp(p, "mode")) {
                snprintf(opt, sizeof opt, "--%s", v);
                nv[n++] = strdup(opt);
                continue;
            }
            static const char *const flags[] = {"coordinator", "worker", "no-fsync", "trust-loopback",
                                                "no-compress"};
            bool is_flag = false;
            for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) is_flag |= !strcmp(p, flags[k]);
            snprintf(opt, sizeof opt, "--%s", p);
            if (is_flag) {
                if (!strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
                    nv[n++] = strdup(opt);
                continue;
            }
            nv[n++] = strdup(opt);
            nv[n++] = strdup(v);
        }
        fclose(f);
    }
    config_nalloc = n - 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            i++;
            continue;
        }
        if (!strncmp(argv[i], "--config=", 9)) continue;
        if (n >= cap) break;
        nv[n++] = argv[i];
    }
    nv[n] = NULL;
    *out_argc = n;
    config_args = nv;
    return nv;
}

/* "a:1,b:2" -> array of addresses */
static int
split_workers(const char *list, char ***out, uint32_t *n)
{
    uint32_t cap = 1;
    for (const char *p = list; *p; p++) cap += *p == ',';
    char **v = calloc(cap, sizeof(char *));
    char *copy = strdup(list);
    if (!v || !copy) {
        free(v);
        free(copy);
        return -1;
    }
    uint32_t k = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
        v[k++] = tok;
    worker_list = v;
    worker_copy = copy;
    *out = v;
    *n = k;
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

/* --expect-workers: the cluster port is announced on stdout before the
 * coordinator waits for its workers (tests start them from it). */
static void
print_cluster_port(uint16_t port)
{
    printf("kestreld cluster port %u\n", port);
    fflush(stdout);
}

/* SIGINT/SIGTERM/SIGHUP are blocked in every thread (main sigwaits for
 * them); while the engine waits for joining workers it polls for them. */
static bool
stop_pending(void)
{
    sigset_t p;
    sigemptyset(&p);
    if (sigpending(&p) != 0) return false;
    return sigismember(&p, SIGINT) == 1 || sigismember(&p, SIGTERM) == 1 ||
           sigismember(&p, SIGHUP) == 1;
}

int
main(int argc, char **argv)
{
    prefer_passive_openmp(argv);
    atexit(free_args);
    {
        int nargc;
        char **nargv = config_argv(argc, argv, &nargc);
        if (!nargv) return 2;
        argc = nargc;
        argv = nargv;
    }
    enum { OPT_LOCAL = 1000, OPT_DATA, OPT_PORT, OPT_HOST, OPT_USERS, OPT_MEM, OPT_WORK_MEM, OPT_NO_FSYNC,
           OPT_COORD, OPT_WORKER, OPT_WORKERS, OPT_LISTEN, OPT_HELP, OPT_VERSION, OPT_TRUST_LOOPBACK,
           OPT_SOCKET_DIR, OPT_TLS_CERT, OPT_TLS_KEY, OPT_SECRET_FILE, OPT_SECRET, OPT_THREADS,
           OPT_MAX_QUERIES, OPT_NO_COMPRESS, OPT_EXPECT_WORKERS, OPT_CLUSTER_LISTEN };
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
        {"secret-file", required_argument, 0, OPT_SECRET_FILE}, {"secret", required_argument, 0, OPT_SECRET},
        {"threads", required_argument, 0, OPT_THREADS}, {"max-queries", required_argument, 0, OPT_MAX_QUERIES},
        {"no-compress", no_argument, 0, OPT_NO_COMPRESS},
        {"expect-workers", required_argument, 0, OPT_EXPECT_WORKERS},
        {"cluster-listen", required_argument, 0, OPT_CLUSTER_LISTEN},
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
    const char *data = NULL, *workers = NULL, *secret_file = NULL, *secret = NULL;
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
        case OPT_NO_COMPRESS: ecfg.no_compress = true; break;
        case OPT_COORD: coordinator = true; break;
        case OPT_WORKER: worker = true; break;
        case OPT_WORKERS: workers = optarg; break;
        case OPT_SECRET_FILE: secret_file = optarg; break;
        case OPT_SECRET: secret = optarg; break;
        case OPT_CLUSTER_LISTEN: ecfg.cluster_listen = optarg; break;
        case OPT_EXPECT_WORKERS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                fprintf(stderr, "kestreld: --expect-workers takes a number between 1 and 256, "
                                "not \"%s\"\n", optarg);
                return 2;
            }
            ecfg.expect_workers = (uint32_t)v;
            break;
        }
        case OPT_THREADS:
        case OPT_MAX_QUERIES: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 0 || v > 4096) {
                fprintf(stderr, "kestreld: invalid number \"%s\" for --%s\n", optarg,
                        c == OPT_THREADS ? "threads" : "max-queries");
                return 2;
            }
            if (c == OPT_THREADS) ecfg.nthreads = (uint32_t)v;
            else ecfg.max_queries = (uint32_t)v;
            break;
        }
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
    if (coordinator && nlocal >= 0) {
        fprintf(stderr, "kestreld: --coordinator and --local are different modes; choose one\n");
        return 2;
    }
    if (!coordinator && nlocal < 0) {
        fprintf(stderr, "kestreld: choose a mode: --local N or --coordinator (see kestreld --help)\n");
        return 2;
    }
    if (!data) {
        fprintf(stderr, "kestreld: --data DIR is required\n");
        return 2;
    }
    char **worker_addrs = NULL;
    uint32_t nworker_addrs = 0;
    char *secret_buf = NULL;
    if (coordinator) {
        if (ecfg.expect_workers) {
            if (workers) {
                fprintf(stderr, "kestreld: give either --workers or --expect-workers, not both\n");
                return 2;
            }
            if (!ecfg.cluster_listen) {
                fprintf(stderr, "kestreld: --expect-workers needs --cluster-listen HOST:PORT (the "
                                "port workers --join)\n");
                return 2;
            }
        } else if (!workers || split_workers(workers, &worker_addrs, &nworker_addrs) ||
                   nworker_addrs == 0) {
            fprintf(stderr, "kestreld: --coordinator needs --workers HOST:PORT,... or "
                            "--expect-workers N --cluster-listen HOST:PORT\n");
            return 2;
        }
        size_t slen = 0;
        if (secret_file) {
            secret_buf = net_cl_read_secret_file(secret_file, &slen);
            if (!secret_buf || !slen) {
                free(secret_buf);
                fprintf(stderr, "kestreld: could not read a secret from \"%s\"\n", secret_file);
                return 2;
            }
            secret = secret_copy = secret_buf;
        } else if (secret) {
            slen = strlen(secret);
        } else {
            fprintf(stderr, "kestreld: --coordinator needs the cluster secret (--secret-file F)\n");
            return 2;
        }
        ecfg.worker_addrs = (const char *const *)worker_addrs;
        ecfg.nworker_addrs = nworker_addrs;
        ecfg.secret = secret;
        ecfg.secret_len = slen;
    }
    if (!pcfg.tls_cert_file != !pcfg.tls_key_file) {
        fprintf(stderr, "kestreld: --tls-cert and --tls-key go together\n");
        return 2;
    }
    ecfg.data_dir = data;
    ecfg.nworkers = coordinator ? nworker_addrs : (uint32_t)nlocal;
    ecfg.on_cluster_port = print_cluster_port;
    ecfg.should_stop = stop_pending;

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
    if (coordinator ? net_engine_open_cluster(&ecfg, &eng, &err) : net_engine_open_local(&ecfg, &eng, &err)) {
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
    if (coordinator)
        k_info("kestreld %s: coordinator of %u workers (%s), catalog in %s, listening on %s:%d", KESTREL_VERSION,
               ecfg.expect_workers ? ecfg.expect_workers : ecfg.nworkers,
               workers ? workers : "joined", data, pcfg.host ? pcfg.host : "127.0.0.1", net_pg_server_port(srv));
    else
        k_info("kestreld %s: %u local workers, data in %s, listening on %s:%d", KESTREL_VERSION, ecfg.nworkers,
               data, pcfg.host ? pcfg.host : "127.0.0.1", net_pg_server_port(srv));
    printf("kestreld ready on port %d\n", net_pg_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    k_info("received signal %d, shutting down", sig);
    net_pg_server_stop(srv);
    net_engine_close(eng);
    return 0;
}
