/*
 * engine.c — the engine: a coordinator catalog plus N workers, either in
 * one process (the embedded default) or as worker processes reached over
 * the cluster protocol (coordinator mode).
 *
 * Interface routines: net_engine_config_default, net_engine_open_local,
 * net_engine_open_cluster, net_engine_close, net__settings_defaults,
 * net__worker_table_stats, net__worker_column_stats, net__worker_column_sketch.
 *
 * Notes: the layout under the data directory is
 *   DATA/cluster.conf   workers=N, and mode=coordinator for a coordinator;
 *                       with joining workers also worker=ID ADDR per slot
 *   DATA/coordinator/   the catalog the planner binds against (no rows)
 *   DATA/worker-<i>/    worker i's shard of every table (i from 1; embedded only)
 * Opening an existing directory with a different worker count is refused:
 * rows were routed for the old count. A coordinator's directory is refused
 * by --local and the other way round (the rows are elsewhere).
 */
#include "net/net_int.h"

#include "net/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void
net_engine_config_default(NetEngineConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->data_dir = "kestrel-data";
    cfg->nworkers = 2;
}

static size_t
physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0) return (size_t)8 << 30;
    return (size_t)pages * (size_t)size;
}

static int
mkdir_p(const char *path, KErr *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf) return k_error(err, K_INVALID_PARAMETER_VALUE, "data directory path too long");
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
            k_error(err, K_IO_ERROR, "could not create directory \"%s\": %s", buf, strerror(errno));
            k_err_hint(err, "Choose a writable data directory with --data.");
            return K_ERR;
        }
        buf[i] = c;
    }
    return K_OK;
}

/* The worker count (and the mode) is recorded in DATA/cluster.conf on
 * first open; with `record` false a missing file is only checked for, not
 * written (a coordinator records its layout once every worker answered,
 * so a failed first start does not pin a wrong worker count). */
static int
check_layout(const char *dir, uint32_t nworkers, bool coordinator, bool record,
             NetClRegistry *reg, KErr *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/cluster.conf", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        unsigned n = 0;
        char mode[32] = "";
        int ok = fscanf(f, "workers=%u", &n);
        if (ok == 1 && fscanf(f, " mode=%31s", mode) != 1) mode[0] = 0;
        fclose(f);
        if (ok != 1) return k_error(err, K_CONFIG_FILE_ERROR, "could not read \"%s\"", path);
        bool was_coord = !strcmp(mode, "coordinator");
        if (was_coord != coordinator) {
            k_error(err, K_CONFIG_FILE_ERROR, "data directory \"%s\" belongs to %s", dir,
                    was_coord ? "a cluster coordinator" : "an embedded engine");
            k_err_hint(
                err,
                was_coord
                    ? "Start it with --coordinator --workers ..., or use another --data directory."
                    : "Start it with --local %u, or use another --data directory.",
                n);
            return K_ERR;
        }
        if (n != nworkers) {
            k_error(err, K_CONFIG_FILE_ERROR,
                    "data directory \"%s\" was created for %u workers, not %u", dir, n, nworkers);
            if (coordinator)
                k_err_hint(
                    err, "List the same %u workers in --workers, or use another --data directory.",
                    n);
            else
                k_err_hint(err, "Start with --local %u, or use another --data directory.", n);
            return K_ERR;
        }
        return K_OK;
    }
    if (!record) return K_OK;
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f) return k_error(err, K_IO_ERROR, "could not create \"%s\": %s", tmp, strerror(errno));
    fprintf(f, "workers=%u\n", nworkers);
    if (coordinator) fprintf(f, "mode=coordinator\n");
    for (uint32_t i = 0; reg && i < nworkers; i++)
        fprintf(f, "worker=%s %s\n", net_cl_registry_id(reg, i), net_cl_registry_addr(reg, i));
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        return k_error(err, K_IO_ERROR, "could not write \"%s\": %s", tmp, strerror(errno));
    }
    fclose(f);
    if (rename(tmp, path) != 0) return k_error(err, K_IO_ERROR, "could not rename \"%s\": %s", tmp, strerror(errno));
    return K_OK;
}

/* What opening the embedded and the cluster engine share: the engine with its
 * arenas and memory limits, the data directory checked for this kind
 * (coordinator: a cluster's), and the coordinator's database. On error *out
 * is what net_engine_close must free (NULL when nothing was made). */
K_MUSTCHECK static int
engine_open_common(const NetEngineConfig *cfg, uint32_t nworkers, bool coordinator,
                   NetEngine **out, KErr *err)
{
    *out = NULL;
    KArena *a = k_arena_create(NULL, "engine");
    if (!a) return k_error_oom(err, NULL, sizeof(NetEngine));
    NetEngine *e = k_alloc0(a, sizeof *e);
    if (!e) {
        k_arena_destroy(a);
        return k_error_oom(err, NULL, sizeof *e);
    }
    *out = e;
    e->arena = a;
    pthread_mutex_init(&e->ddl_lock, NULL);
    if (coordinator) pthread_mutex_init(&e->stats_lock, NULL);
    e->data_dir = k_strdup(a, cfg->data_dir);
    e->nworkers = nworkers;
    e->memory_limit = cfg->memory_limit ? cfg->memory_limit : physical_memory() / 4 * 3;
    e->work_mem = cfg->work_mem ? cfg->work_mem : e->memory_limit;
    e->queries = k_arena_create(NULL, "queries");
    if (!e->data_dir || !e->queries) return k_error_oom(err, a, 0);
    k_arena_set_limit(e->queries, e->memory_limit);
    if (mkdir_p(cfg->data_dir, err) ||
        check_layout(cfg->data_dir, nworkers, coordinator, !coordinator, NULL, err))
        return K_ERR;
    StDbOptions opts;
    memset(&opts, 0, sizeof opts);
    opts.no_fsync = cfg->no_fsync;
    char path[4200];
    snprintf(path, sizeof path, "%s/coordinator", cfg->data_dir);
    return st_db_open(path, &opts, a, &e->coord, err);
}

int
net_engine_open_local(const NetEngineConfig *cfg, NetEngine **out, KErr *err)
{
    if (cfg->nworkers < 1 || cfg->nworkers > 256)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "number of workers must be between 1 and 256");
    NetEngine *e;
    if (engine_open_common(cfg, cfg->nworkers, false, &e, err)) goto fail;
    e->workers = k_alloc0(e->arena, sizeof(StDb *) * cfg->nworkers);
    if (!e->workers) {
        k_error_oom(err, e->arena, 0);
        goto fail;
    }
    StDbOptions opts;
    memset(&opts, 0, sizeof opts);
    opts.no_fsync = cfg->no_fsync;
    char path[4200];
    for (uint32_t i = 0; i < cfg->nworkers; i++) {
        snprintf(path, sizeof path, "%s/worker-%u", cfg->data_dir, i + 1);
        if (st_db_open(path, &opts, e->arena, &e->workers[i], err)) goto fail;
    }
    *out = e;
    return K_OK;
fail:
    net_engine_close(e);
    return K_ERR;
}

/* The slots recorded in DATA/cluster.conf (worker=ID ADDR lines, in slot
 * order): K_OK with *found 0 when there are none (a first start). */
static int
read_slots(const char *dir, uint32_t n, KArena *a, char ***ids, char ***addrs, uint32_t *found,
           KErr *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/cluster.conf", dir);
    *found = 0;
    FILE *f = fopen(path, "r");
    if (!f) return K_OK;
    *ids = k_alloc0(a, sizeof(char *) * n);
    *addrs = k_alloc0(a, sizeof(char *) * n);
    if (!*ids || !*addrs) {
        fclose(f);
        return k_error_oom(err, a, 0);
    }
    char line[512];
    int rc = K_OK;
    while (rc == K_OK && fgets(line, sizeof line, f)) {
        char id[NET_CL_ID_MAX], addr[200];
        if (strncmp(line, "worker=", 7) != 0) continue;
        if (sscanf(line + 7, "%63s %199s", id, addr) != 2 || *found >= n) {
            rc = k_error(err, K_CONFIG_FILE_ERROR, "could not read \"%s\": bad worker line", path);
            break;
        }
        (*ids)[*found] = k_strdup(a, id);
        (*addrs)[*found] = k_strdup(a, addr);
        if (!(*ids)[*found] || !(*addrs)[*found]) rc = k_error_oom(err, a, 0);
        (*found)++;
    }
    fclose(f);
    return rc;
}

/* --expect-workers: listen on the cluster port and wait until every slot
 * has a worker (net_cl_registry_*); the registry keeps serving joins. */
static int
join_workers(NetEngine *e, const NetEngineConfig *cfg, KErr *err)
{
    char host[256];
    uint16_t port;
    if (!cfg->cluster_listen) {
        k_error(err, K_INVALID_PARAMETER_VALUE, "--expect-workers needs --cluster-listen HOST:PORT");
        return K_ERR;
    }
    if (net_cl_parse_addr(cfg->cluster_listen, host, sizeof host, &port, err)) return K_ERR;
    char **ids = NULL, **addrs = NULL;
    uint32_t found = 0;
    if (read_slots(e->data_dir, e->nworkers, e->arena, &ids, &addrs, &found, err)) return K_ERR;
    bool first = found == 0;
    char conf[4200];
    snprintf(conf, sizeof conf, "%s/cluster.conf", e->data_dir);
    if (first && access(conf, F_OK) == 0) { /* recorded, but by a --workers start */
        k_error(err, K_CONFIG_FILE_ERROR,
                "data directory \"%s\" was created with a --workers list", e->data_dir);
        k_err_hint(err, "Start it with --workers HOST:PORT,... as before, or use another "
                        "--data directory for a cluster of joining workers.");
        return K_ERR;
    }
    if (!first && found != e->nworkers)
        return k_error(err, K_CONFIG_FILE_ERROR,
                       "\"%s/cluster.conf\" records %u joined workers, not %u", e->data_dir,
                       found, e->nworkers);
    if (net_cl_registry_start(host, port, cfg->secret, cfg->secret_len, e->nworkers,
                              first ? NULL : (const char *const *)ids,
                              first ? NULL : (const char *const *)addrs, &e->registry, err))
        return K_ERR;
    uint16_t bound = net_cl_registry_port(e->registry);
    k_info("cluster port %s:%u: waiting for %u workers to join (%s)", host, bound, e->nworkers,
           first ? "first start: slots in join order" : "the workers recorded in cluster.conf");
    if (cfg->on_cluster_port) cfg->on_cluster_port(bound);
    uint64_t waited = 0;
    while (!net_cl_registry_wait(e->registry, 250)) {
        if (cfg->should_stop && cfg->should_stop())
            return k_error(err, K_ADMIN_SHUTDOWN, "shut down while waiting for workers to join "
                           "(%u of %u joined)", net_cl_registry_joined(e->registry), e->nworkers);
        if (++waited % 40 == 0)
            k_info("still waiting for workers: %u of %u joined",
                   net_cl_registry_joined(e->registry), e->nworkers);
    }
    return K_OK;
}

int
net_engine_open_cluster(const NetEngineConfig *cfg, NetEngine **out, KErr *err)
{
    uint32_t nw = cfg->expect_workers ? cfg->expect_workers : cfg->nworker_addrs;
    if (nw < 1 || nw > 256)
        return k_error(err, K_INVALID_PARAMETER_VALUE,
                       "a coordinator needs between 1 and 256 workers");
    if (!cfg->secret || !cfg->secret_len) {
        k_error(err, K_INVALID_PARAMETER_VALUE, "a coordinator needs the cluster secret");
        k_err_hint(err, "Give --secret-file FILE (the file the workers read), or secret_file in "
                        "the config file.");
        return K_ERR;
    }
    NetEngine *e;
    if (engine_open_common(cfg, nw, true, &e, err)) goto fail;
    KArena *a = e->arena;
    NetClusterOptions co;
    memset(&co, 0, sizeof co);
    co.secret = cfg->secret;
    co.secret_len = cfg->secret_len;
    co.name = "coordinator";
    co.coord_db = e->coord;
    co.nthreads = cfg->nthreads;
    co.mem_limit = e->work_mem;
    co.compress = !cfg->no_compress;
    co.max_queries = cfg->max_queries;
    const char *const *addrs = cfg->worker_addrs;
    if (cfg->expect_workers) {
        if (join_workers(e, cfg, err)) goto fail;
        const char **v = k_alloc0(a, sizeof(char *) * e->nworkers);
        if (!v) {
            k_error_oom(err, a, 0);
            goto fail;
        }
        for (uint32_t i = 0; i < e->nworkers; i++) v[i] = net_cl_registry_addr(e->registry, i);
        addrs = v;
    }
    if (net_cluster_connect(&co, addrs, e->nworkers, &e->cluster, err) ||
        check_layout(cfg->data_dir, e->nworkers, true, true, e->registry, err))
        goto fail;
    *out = e;
    return K_OK;
fail:
    net_engine_close(e);
    return K_ERR;
}

uint32_t
net__replica_worker(NetEngine *e)
{
    if (!e->cluster) return 0;
    for (uint32_t w = 0; w < e->nworkers; w++)
        if (net_cluster_worker_alive(e->cluster, w)) return w;
    return 0;
}

void
net__worker_state(NetEngine *e, uint32_t w, const char **addr, bool *up, int64_t *heard_us)
{
    if (!e->cluster) return;
    NetClWorkerInfo wi;
    net_cluster_worker_info(e->cluster, w, &wi);
    *addr = wi.addr;
    *up = wi.alive;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *heard_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - (int64_t)wi.last_heard_ms * 1000;
}

int
net__worker_table_stats(NetEngine *e, uint32_t w, uint32_t table_id, uint32_t part_id,
                        StTableStats *out, KErr *err)
{
    if (e->cluster) return net_cluster_table_stats(e->cluster, w, table_id, part_id, out, err);
    return st_table_stats(e->workers[w], table_id, part_id, out, err);
}

int
net__worker_column_stats(NetEngine *e, uint32_t w, uint32_t table_id, uint32_t part_id,
                         uint32_t col, KArena *a, StColumnStats *out, KErr *err)
{
    if (e->cluster)
        return net_cluster_column_stats(e->cluster, w, table_id, part_id, col, a, out, err);
    return st_column_stats(e->workers[w], table_id, part_id, col, a, out, err);
}

int
net__worker_column_sketch(NetEngine *e, uint32_t w, uint32_t table_id, uint32_t part_id,
                          uint32_t col, uint8_t *regs, KErr *err)
{
    if (e->cluster)
        return net_cluster_column_sketch(e->cluster, w, table_id, part_id, col, regs, err);
    return st_column_sketch(e->workers[w], table_id, part_id, col, regs, err);
}

void
net_engine_close(NetEngine *e)
{
    if (!e) return;
    net_cl_registry_stop(e->registry);
    if (e->cluster) {
        net_cluster_close(e->cluster);
        k_arena_destroy(e->stats_arena);
        pthread_mutex_destroy(&e->stats_lock);
    }
    for (uint32_t i = 0; i < e->nworkers; i++)
        if (e->workers && e->workers[i]) st_db_close(e->workers[i]);
    if (e->coord) st_db_close(e->coord);
    k_arena_destroy(e->queries);
    pthread_mutex_destroy(&e->ddl_lock);
    k_arena_destroy(e->arena);
}

/* The settings every session starts with; ParameterStatus reports the
 * GUC_REPORT ones (server_version ... standard_conforming_strings). */
void
net__settings_defaults(NetSession *s)
{
    static const char *const defaults[][2] = {
        {"server_version", "15.0 (Kestrel " KESTREL_VERSION ")"},
        {"server_version_num", "150000"},
        {"server_encoding", "UTF8"},
        {"client_encoding", "UTF8"},
        {"datestyle", "ISO, MDY"},
        {"intervalstyle", "postgres"},
        {"timezone", "UTC"},
        {"integer_datetimes", "on"},
        {"standard_conforming_strings", "on"},
        {"is_superuser", "on"},
        {"session_authorization", ""},
        {"application_name", ""},
        {"default_transaction_read_only", "off"},
        {"in_hot_standby", "off"},
        {"search_path", "\"$user\", public"},
        {"extra_float_digits", "1"},
        {"statement_timeout", "0"},
        {"work_mem", "0"},
        {"max_parallel_workers_per_gather", "2"},
        {"transaction_isolation", "read committed"},
        {"kestrel.join_distribution", "auto"},
    };
    for (size_t i = 0; i < K_ARRAY_LEN(defaults); i++) {
        KErr e;
        if (net_session_set(s, defaults[i][0], defaults[i][1], &e) != K_OK) break;
    }
    const char *user = s->user ? s->user : "";
    KErr e;
    (void)!net_session_set(s, "session_authorization", user, &e);
}
