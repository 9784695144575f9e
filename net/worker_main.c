/*
 * worker_main.c — `kestreld --worker`: the entry point of a worker process.
 *
 * Interface routines: net_cl_worker_main (kestreld's main calls it when
 * argv has --worker; see cluster.h for the flags); net_cl_read_secret_file
 * (--secret-file, also for the coordinator's).
 *
 * Notes: the secret comes from --secret-file (first line, trailing newline
 * dropped) or --secret; --port-file writes the bound port (useful with
 * --listen HOST:0 in tests). SIGINT/SIGTERM stop the worker cleanly.
 * --join HOST:PORT registers the worker with a coordinator's cluster port
 * (net_cl_join, cluster_join.c) under the id kept in DATA/worker.id, and
 * joins again whenever that connection closes (the coordinator restarted);
 * a coordinator that refuses the worker (cluster full, wrong address) ends
 * it with exit code 1.
 */
#include "net/cluster.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
    K_UNUSED(sig);
    stop_flag = 1;
}

static void
usage(FILE *f)
{
    fprintf(f, "usage: kestreld --worker --data DIR --listen HOST:PORT "
               "(--secret-file FILE | --secret S) [--port-file FILE] [--no-fsync] "
               "[--no-compress] [--join COORDINATOR_HOST:CLUSTER_PORT]\n");
}

char *
net_cl_read_secret_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = malloc(4097);
    size_t n = buf ? fread(buf, 1, 4096, f) : 0;
    fclose(f);
    if (!buf) return NULL;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) n--;
    buf[n] = 0;
    *len = n;
    return buf;
}

/* --join: register with the coordinator and stay registered until a stop
 * signal; join again (every second) while its cluster port cannot be
 * reached or after the connection closes. Returns the exit code. */
static int
join_loop(const char *coord, const char *secret, size_t slen, const char *data, const char *host,
          uint16_t port)
{
    KErr err;
    char id[NET_CL_ID_MAX];
    if (net_cl_worker_id(data, id, sizeof id, &err)) {
        fprintf(stderr, "kestreld: %s\n", err.message);
        return 1;
    }
    char addr[320];
    snprintf(addr, sizeof addr, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
    int fd = -1;
    bool warned = false;
    while (!stop_flag) {
        if (fd < 0) {
            uint32_t slot = 0;
            bool refused = false;
            if (net_cl_join(coord, secret, slen, id, addr, &fd, &slot, &refused, &err) == K_OK) {
                k_info("worker %s at %s joined coordinator %s as worker %u", id, addr, coord, slot);
                warned = false;
                continue;
            }
            fd = -1;
            if (refused) {
                fprintf(stderr, "kestreld: coordinator %s refused this worker: %s\n", coord,
                        err.message);
                if (err.detail[0]) fprintf(stderr, "DETAIL: %s\n", err.detail);
                if (err.hint[0]) fprintf(stderr, "HINT: %s\n", err.hint);
                return 1;
            }
            if (!warned) k_warn("could not join coordinator %s (retrying): %s", coord, err.message);
            warned = true;
            for (int i = 0; i < 10 && !stop_flag; i++) usleep(100 * 1000);
            continue;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        char b[64];
        ssize_t r = recv(fd, b, sizeof b, 0); /* nothing is sent after the answer: EOF */
        if (r <= 0) {
            k_warn("connection to coordinator %s closed: joining again", coord);
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0) close(fd);
    return 0;
}

int
net_cl_worker_main(int argc, char **argv)
{
    const char *data = NULL, *listen_addr = NULL, *secret_file = NULL, *secret = NULL;
    const char *port_file = NULL, *join = NULL;
    bool no_fsync = false, no_compress = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--worker")) continue;
        if (!strcmp(a, "--no-fsync")) {
            no_fsync = true;
            continue;
        }
        if (!strcmp(a, "--no-compress")) {
            no_compress = true;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "kestreld: option %s needs a value\n", a);
            usage(stderr);
            return 2;
        }
        if (!strcmp(a, "--data"))
            data = v;
        else if (!strcmp(a, "--listen"))
            listen_addr = v;
        else if (!strcmp(a, "--secret-file"))
            secret_file = v;
        else if (!strcmp(a, "--secret"))
            secret = v;
        else if (!strcmp(a, "--port-file"))
            port_file = v;
        else if (!strcmp(a, "--join"))
            join = v;
        else {
            fprintf(stderr, "kestreld: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (!data || !listen_addr || (!secret && !secret_file)) {
        usage(stderr);
        return 2;
    }
    KErr err;
    char host[256];
    uint16_t port;
    if (net_cl_parse_addr(listen_addr, host, sizeof host, &port, &err)) {
        fprintf(stderr, "kestreld: %s\n", err.message);
        return 2;
    }
    size_t slen = 0;
    char *sbuf = NULL;
    if (secret_file) {
        sbuf = net_cl_read_secret_file(secret_file, &slen);
        if (!sbuf || !slen) {
            fprintf(stderr, "kestreld: could not read a secret from \"%s\"\n", secret_file);
            free(sbuf);
            return 2;
        }
        secret = sbuf;
    } else {
        slen = strlen(secret);
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    NetClWorkerOptions o;
    memset(&o, 0, sizeof o);
    o.data_dir = data;
    o.listen_host = host;
    o.port = port;
    o.secret = secret;
    o.secret_len = slen;
    o.no_fsync = no_fsync;
    o.no_compress = no_compress;
    NetClNode *n;
    if (net_cl_worker_start(&o, &n, &err)) {
        fprintf(stderr, "kestreld: %s\n", err.message);
        if (err.detail[0]) fprintf(stderr, "DETAIL: %s\n", err.detail);
        free(sbuf);
        return 1;
    }
    k_info("worker listening on %s:%u, data %s", host, net_cl_worker_port(n), data);
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "%u\n", net_cl_worker_port(n));
            fclose(f);
            rename(tmp, port_file);
        }
    }
    int rc = 0;
    if (join)
        rc = join_loop(join, secret, slen, data, host, net_cl_worker_port(n));
    else
        while (!stop_flag) usleep(100 * 1000);
    k_info("worker shutting down");
    net_cl_worker_stop(n);
    free(sbuf);
    return rc;
}
