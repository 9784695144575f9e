/*
 * net.h — the coordinator and the cluster runtime (knet): public API.
 *
 * A NetEngine is one running Kestrel: a coordinator catalog and the
 * workers that hold the data. In the embedded default (`kestreld --local
 * N`) the workers live in the same process, each with its own data
 * directory (DATA/worker-1 .. DATA/worker-N) and the coordinator's catalog
 * in DATA/coordinator; fragments run on executor threads and exchanges are
 * in-memory channels. Front ends (net/pgwire.h) talk to the engine through
 * net/session.h.
 *
 * Interface routines:
 *   net_engine_config_default — defaults for NetEngineConfig
 *   net_engine_open_local     — open (or create) an embedded engine
 *   net_engine_open_cluster   — a coordinator over worker processes
 *                               (`kestreld --coordinator`, net/cluster.h)
 *   net_engine_close          — stop and free it
 */
#ifndef NET_NET_H
#define NET_NET_H

#include "common/kestrel.h"
#include "net/session.h"

typedef struct NetEngineConfig {
    const char *data_dir;    /* root data directory */
    uint32_t nworkers;       /* embedded workers (>= 1) */
    size_t memory_limit;     /* server-wide bytes for queries, 0 = 3/4 of RAM */
    size_t work_mem;         /* default per-query limit, 0 = memory_limit */
    bool no_fsync;           /* tests only */
    /* coordinator mode (net_engine_open_cluster) */
    const char *const *worker_addrs; /* "host:port" of each worker process */
    uint32_t nworker_addrs;
    const char *secret; /* the cluster secret */
    size_t secret_len;
    uint32_t nthreads;    /* threads per fragment instance on a worker (0 = all cores) */
    uint32_t max_queries; /* admission limit for cluster queries (0 = none) */
    bool no_compress;     /* batches sent to workers without zstd */
    /* coordinator mode with workers that join (instead of worker_addrs) */
    uint32_t expect_workers;    /* --expect-workers N: slots filled by joining workers */
    const char *cluster_listen; /* --cluster-listen HOST:PORT the workers join */
    void (*on_cluster_port)(uint16_t port); /* called once the cluster port listens */
    bool (*should_stop)(void);              /* polled while waiting for workers */
} NetEngineConfig;

void net_engine_config_default(NetEngineConfig *cfg);
K_MUSTCHECK int net_engine_open_local(const NetEngineConfig *cfg, NetEngine **out, KErr *err);
/* The coordinator of a multi-process cluster: DATA/coordinator holds the
 * catalog; rows live on the workers (cfg->worker_addrs, all of which must
 * answer the handshake with cfg->secret). With cfg->expect_workers the
 * workers are not listed: the coordinator listens on cfg->cluster_listen and
 * waits until that many have joined (net_cl_registry_*), in join order on a
 * first start, by the worker ids recorded in DATA/cluster.conf later. */
K_MUSTCHECK int net_engine_open_cluster(const NetEngineConfig *cfg, NetEngine **out, KErr *err);
void net_engine_close(NetEngine *eng);

#endif /* NET_NET_H */
