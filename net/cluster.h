/*
 * cluster.h — Kestrel's cluster layer: the coordinator <-> worker protocol,
 * worker processes that run shipped fragment instances, and exchanges over
 * TCP between processes. See net/README-cluster.md for the wire format.
 *
 * Interface groups:
 *   net_cl_hdr_*              the fixed 24-byte frame header
 *   net_cl_frame_*            whole frames over a blocking socket
 *   net_cl_handshake_*        HELLO/WELCOME/AUTH: HMAC-SHA-256 proof of a secret
 *   net_cl_batch_encode/...   the columnar batch codec (zstd per column)
 *   net_cl_err_encode/...     KErr on the wire
 *   net_cl_tabledef_*         StTableDef on the wire (remote DDL)
 *   net_cl_worker_*           a worker node: listener, fragment runner, DDL/load
 *   net_cl_registry_*, net_cl_join   workers that register themselves (--join)
 *   net_cluster_*             the coordinator's client: run a whole ExQueryPlan
 *                             across workers, remote DDL, loads and statistics
 *
 * Threads: every connection has a reader thread; fragment instances run on
 * threads of their own (never on a reader). All functions of a NetCluster
 * are thread safe unless said otherwise.
 */
#ifndef NET_CLUSTER_H
#define NET_CLUSTER_H

#include "common/kestrel.h"
#include "exec/exec.h"
#include "storage/storage.h"

typedef struct NetClHdr NetClHdr;
typedef struct NetClNode NetClNode;
typedef struct NetCluster NetCluster;
typedef struct NetClusterOptions NetClusterOptions;
typedef struct NetClWorkerOptions NetClWorkerOptions;

/* ------------------------------------------------------------------ */
/* Frames                                                               */
/* ------------------------------------------------------------------ */
#define NET_CL_MAGIC     0x554C434Bu /* bytes 'K' 'C' 'L' 'U' on the wire */
#define NET_CL_VERSION   1
#define NET_CL_HDR_SIZE  24
#define NET_CL_MAX_FRAME (64u * 1024 * 1024) /* payload bytes */
#define NET_CL_NONCE     32
#define NET_CL_MAC       32

typedef enum NetClMsg {
    NET_CL_HELLO = 1,     /* client -> server: node name, client nonce */
    NET_CL_WELCOME,       /* server -> client: server nonce, server proof */
    NET_CL_AUTH,          /* client -> server: client proof */
    NET_CL_AUTH_OK,       /* server -> client: accepted */
    NET_CL_FRAGMENT,      /* coordinator -> worker: run one fragment instance */
    NET_CL_BATCH,         /* exchange stream or load stream: one columnar batch */
    NET_CL_END_OF_STREAM, /* exchange stream ends */
    NET_CL_ERROR,         /* a KErr */
    NET_CL_CANCEL,        /* stop a query (flag END: it is over, free it) */
    NET_CL_HEARTBEAT,     /* liveness (flag ACK on the answer) */
    NET_CL_STATS,         /* a fragment instance finished: its ExOpStats */
    NET_CL_CREDIT,        /* flow control: receiver grants batches to a sender */
    NET_CL_REQUEST,       /* coordinator -> worker: DDL, load control, statistics */
    NET_CL_REPLY,         /* worker -> coordinator: the answer to a REQUEST */
    NET_CL_JOIN,          /* worker -> coordinator's cluster port: worker id, listen address */
    NET_CL_MSG_COUNT_
} NetClMsg;

/* Frame flags. */
enum {
    NET_CL_F_ACK = 1,   /* HEARTBEAT: an answer */
    NET_CL_F_END = 2,   /* CANCEL: the query is over (release its state) */
    NET_CL_F_LOAD = 4,  /* BATCH: rows of a load stream (query_id = load id) */
    NET_CL_F_REPLY = 8, /* ERROR: the answer to a REQUEST (query_id = request id) */
    NET_CL_F_PACKED = 16, /* BATCH: after the 12 bytes of stream ids, a sequence of
                           * (u32 length, encoded batch): small batches travel together */
};

struct NetClHdr {
    uint16_t version;
    uint8_t type; /* NetClMsg */
    uint8_t flags;
    uint64_t query_id;
    uint32_t fragment_id;
    uint32_t len; /* payload bytes that follow the header */
};

const char *net_cl_msg_name(uint8_t type);
void net_cl_hdr_encode(const NetClHdr *h, uint8_t out[NET_CL_HDR_SIZE]);
/* Checks magic, version, type and the maximum payload size (08P01). */
K_MUSTCHECK int net_cl_hdr_decode(const uint8_t in[NET_CL_HDR_SIZE], NetClHdr *h, KErr *err);

/* Write one whole frame to a blocking socket (MSG_NOSIGNAL). 08006 on failure. */
K_MUSTCHECK int net_cl_frame_send(int fd, const NetClHdr *h, const void *payload, KErr *err);
/* Read one whole frame: *eof is set when the peer closed cleanly before a
 * header started. `timeout_ms` bounds the wait for the frame to start
 * (-1 forever); once started, the rest must come within 10 s. The payload
 * replaces the contents of `payload`. Errors (08P01/08006) name the reason:
 * bad magic, unsupported version, frame too large, truncated frame. */
K_MUSTCHECK int net_cl_frame_recv(int fd, int timeout_ms, NetClHdr *h, KBuf *payload, bool *eof,
                                  KErr *err);

/* Handshake. The client proves knowledge of the secret with
 * HMAC-SHA-256(secret, "kestrel-client" || client nonce || server nonce),
 * the server with the same over "kestrel-server"; the secret itself never
 * crosses the wire. Failures: 28P01 wrong secret, 08P01 wrong version or
 * malformed messages, 08006 connection lost. */
K_MUSTCHECK int net_cl_handshake_client(int fd, const char *secret, size_t secret_len,
                                        const char *name, KErr *err);
K_MUSTCHECK int net_cl_handshake_server(int fd, const char *secret, size_t secret_len,
                                        char *peer_name, size_t peer_cap, KErr *err);

/* TCP helpers: "host:port" parsing, a listener (port 0 = any free port,
 * reported in *bound), a connection with a timeout. */
K_MUSTCHECK int net_cl_parse_addr(const char *addr, char *host, size_t host_cap, uint16_t *port,
                                  KErr *err);
K_MUSTCHECK int net_cl_listen(const char *host, uint16_t port, int *fd, uint16_t *bound, KErr *err);
K_MUSTCHECK int net_cl_connect(const char *addr, int timeout_ms, int *fd, KErr *err);

/* ------------------------------------------------------------------ */
/* Codecs                                                               */
/* ------------------------------------------------------------------ */
/* Append the live rows of `b` (selection and constant vectors resolved) in
 * the columnar wire form; columns whose body is larger than 512 bytes are
 * zstd-compressed (level `zstd_level`, 0 = 1) when that saves 1/8 or more.
 * `compress` false never compresses. */
void net_cl_batch_encode(const KBatch *b, bool compress, int zstd_level, KBuf *out);
/* Decode into a new batch under `parent` (strings copied into its heap).
 * Malformed input fails with 08P01, never reads out of bounds. */
K_MUSTCHECK int net_cl_batch_decode(const void *data, size_t n, KArena *parent, KBatch **out,
                                    KErr *err);

void net_cl_err_encode(const KErr *e, KBuf *out);
/* Decode an error; a malformed one becomes 08P01 "malformed error message". */
void net_cl_err_decode(KReader *r, KErr *out);

void net_cl_tabledef_encode(const StTableDef *def, KBuf *out);
K_MUSTCHECK int net_cl_tabledef_decode(KReader *r, KArena *a, StTableDef **out, KErr *err);

/* ------------------------------------------------------------------ */
/* Worker nodes                                                         */
/* ------------------------------------------------------------------ */
struct NetClWorkerOptions {
    const char *data_dir;    /* the worker's StDb (created when missing) */
    const char *listen_host; /* NULL = 127.0.0.1 */
    uint16_t port;           /* 0 = any free port (see net_cl_worker_port) */
    const char *secret;      /* the cluster secret (required, non-empty) */
    size_t secret_len;
    bool no_fsync;             /* tests only */
    bool no_compress;          /* exchange batches without zstd (same-host clusters) */
    uint32_t coord_timeout_ms; /* a coordinator silent this long while it has queries
                                * here is taken for dead (0 = 10000) */
};

/* Open the data directory and start listening; returns once the listener
 * is up. Connections, fragments and requests are served on threads of the
 * node until net_cl_worker_stop. */
K_MUSTCHECK int net_cl_worker_start(const NetClWorkerOptions *o, NetClNode **out, KErr *err);
uint16_t net_cl_worker_port(const NetClNode *n);
StDb *net_cl_worker_db(const NetClNode *n);
/* Connections rejected so far (bad frame, wrong secret, wrong version...)
 * and the logged reason of the last one. */
uint64_t net_cl_worker_rejects(NetClNode *n, char *last_reason, size_t cap);
/* Stop listening, cancel running fragments, close every connection, join
 * every thread, close the database. */
void net_cl_worker_stop(NetClNode *n);

/* `kestreld --worker --data DIR --listen HOST:PORT (--secret-file F |
 * --secret S) [--port-file F] [--no-fsync]`: runs a worker until SIGINT or
 * SIGTERM. argv may contain "--worker" (ignored). Returns the exit code. */
int net_cl_worker_main(int argc, char **argv);
/* The cluster secret in file `path` (up to 4096 bytes, trailing newlines
 * dropped): a malloc'd string the caller frees, its length in *len; NULL
 * when the file cannot be read (or out of memory). */
char *net_cl_read_secret_file(const char *path, size_t *len);

/* ------------------------------------------------------------------ */
/* The coordinator's client                                             */
/* ------------------------------------------------------------------ */
struct NetClusterOptions {
    const char *secret;
    size_t secret_len;
    const char *name;       /* this node's name in HELLO (NULL = "coordinator") */
    StDb *coord_db;         /* db for EX_RUN_COORDINATOR fragments (may be NULL) */
    uint32_t nthreads;      /* OpenMP threads per fragment instance (0 = default) */
    size_t mem_limit;       /* per fragment instance (0 = none) */
    uint32_t heartbeat_ms;  /* 0 = 1000 */
    uint32_t dead_after_ms; /* silence that declares a worker dead (0 = 3000) */
    bool compress;          /* zstd per column in exchange batches */
    uint32_t max_queries;   /* admission limit: more queries wait (0 = none) */
};

/* Connect to every worker (handshake included); all must answer. */
K_MUSTCHECK int net_cluster_connect(const NetClusterOptions *o, const char *const *addrs,
                                    uint32_t n, NetCluster **out, KErr *err);
void net_cluster_close(NetCluster *c);
uint32_t net_cluster_nworkers(const NetCluster *c);
const char *net_cluster_worker_addr(const NetCluster *c, uint32_t w);
bool net_cluster_worker_alive(NetCluster *c, uint32_t w);
/* What kestrel_workers shows for worker w: its address, whether its
 * connection is up, and how long ago the last frame (heartbeat answer or
 * anything else) arrived from it. */
typedef struct NetClWorkerInfo {
    const char *addr;
    bool alive;
    uint64_t last_heard_ms; /* milliseconds since the last frame from it */
    uint64_t connects;      /* connections made to it (1 + rejoins) */
} NetClWorkerInfo;
void net_cluster_worker_info(NetCluster *c, uint32_t w, NetClWorkerInfo *out);
/* Exchange bytes (BATCH frames, headers included) sent by every fragment
 * instance of the queries run so far, as the instances report them at the
 * end (instances stopped early by a cancel do not report). */
uint64_t net_cluster_bytes_sent(NetCluster *c);
/* Bytes of exchange batch payload the coordinator node has received. */
uint64_t net_cluster_bytes_received(NetCluster *c);
/* Most batches ever queued in one of the coordinator's exchange inboxes
 * (flow control keeps it <= NET_CL_WINDOW per producer); reset = start over. */
uint32_t net_cluster_peak_queued(NetCluster *c, bool reset);
#define NET_CL_WINDOW 16 /* batches (frames) of credit a stream starts with */
/* a producer packs its small output batches per consumer into one BATCH
 * frame of about this many bytes (or fewer at the end of its stream) */
#define NET_CL_PACK_BYTES 32768

/*
 * Run a whole query: every EVERY_WORKER fragment gets one instance per
 * worker (instance i on worker i), ANY_WORKER fragments one instance on one
 * worker, COORDINATOR fragments run here (the root on the calling thread,
 * reading its exchanges from the network). Result batches go to `result`
 * (finish called once at the end). `cancel` (may be NULL) non-zero stops
 * the query everywhere (57014). A worker that dies or falls silent fails
 * the query with 08006 naming it. `stats` (q->nops entries, may be NULL)
 * receives per-operator statistics summed over instances.
 */
K_MUSTCHECK int net_cluster_run(NetCluster *c, const ExQueryPlan *q, const ExParam *params,
                                uint32_t nparams, const volatile int *cancel, ExOpStats *stats,
                                ExSink *result, KErr *err);

/* The same, also reporting the exchange bytes (BATCH frames, headers
 * included) the query's fragment instances sent, as they report them at
 * the end (instances stopped early by a cancel or LIMIT do not report). */
K_MUSTCHECK int net_cluster_run_bytes(NetCluster *c, const ExQueryPlan *q, const ExParam *params,
                                      uint32_t nparams, const volatile int *cancel,
                                      ExOpStats *stats, ExSink *result, uint64_t *bytes_sent,
                                      KErr *err);

/* The same again, with live progress: while the query runs, each scan
 * operator's `progress[op].rows_out` (q->nops entries, zeroed by the
 * caller, read with __atomic_load_n) is the sum of the rows that scan has
 * produced on every worker, as the workers report them in their HEARTBEAT
 * answers (about once a second). Nothing writes it after the return. */
K_MUSTCHECK int net_cluster_run_progress(NetCluster *c, const ExQueryPlan *q,
                                         const ExParam *params, uint32_t nparams,
                                         const volatile int *cancel, ExOpStats *stats,
                                         ExSink *result, uint64_t *bytes_sent,
                                         ExOpStats *progress, KErr *err);

/* Most queries that ever ran at once (the admission limit caps it). */
uint32_t net_cluster_peak_running(NetCluster *c);

/* Remote catalog changes on worker `w` (the caller runs them on every
 * worker and undoes on failure). */
K_MUSTCHECK int net_cluster_table_create(NetCluster *c, uint32_t w, const StTableDef *def,
                                         uint32_t *table_id, KErr *err);
K_MUSTCHECK int net_cluster_table_drop(NetCluster *c, uint32_t w, uint32_t table_id, KErr *err);
K_MUSTCHECK int net_cluster_table_truncate(NetCluster *c, uint32_t w, uint32_t table_id, KErr *err);
K_MUSTCHECK int net_cluster_table_analyze(NetCluster *c, uint32_t w, uint32_t table_id, KErr *err);
K_MUSTCHECK int net_cluster_table_rename(NetCluster *c, uint32_t w, uint32_t table_id,
                                         const char *name, KErr *err);
/* CREATE SCHEMA on worker w (nothing when it exists there already). */
K_MUSTCHECK int net_cluster_schema_create(NetCluster *c, uint32_t w, const char *name, KErr *err);
K_MUSTCHECK int net_cluster_partition_add(NetCluster *c, uint32_t w, uint32_t table_id,
                                          const StPartitionDef *p, uint32_t *part_id, KErr *err);

/* A load stream into one table on worker `w`: begin, append batches (the
 * table's columns in order; thread safe; errors surface at prepare or
 * commit), prepare (everything that can fail has failed), commit or abort. */
K_MUSTCHECK int net_cluster_load_begin(NetCluster *c, uint32_t w, uint32_t table_id,
                                       uint64_t *load_id, KErr *err);
K_MUSTCHECK int net_cluster_load_append(NetCluster *c, uint32_t w, uint64_t load_id,
                                        const KBatch *b, KErr *err);
K_MUSTCHECK int net_cluster_load_prepare(NetCluster *c, uint32_t w, uint64_t load_id,
                                         uint64_t *rows, KErr *err);
K_MUSTCHECK int net_cluster_load_commit(NetCluster *c, uint32_t w, uint64_t load_id, KErr *err);
void net_cluster_load_abort(NetCluster *c, uint32_t w, uint64_t load_id);

/* Statistics of worker `w`'s shard. */
K_MUSTCHECK int net_cluster_table_stats(NetCluster *c, uint32_t w, uint32_t table_id,
                                        uint32_t part_id, StTableStats *out, KErr *err);
K_MUSTCHECK int net_cluster_column_stats(NetCluster *c, uint32_t w, uint32_t table_id,
                                         uint32_t part_id, uint32_t col, KArena *a,
                                         StColumnStats *out, KErr *err);
K_MUSTCHECK int net_cluster_column_sketch(NetCluster *c, uint32_t w, uint32_t table_id,
                                          uint32_t part_id, uint32_t col,
                                          uint8_t regs[ST_SKETCH_REGISTERS], KErr *err);

/* ------------------------------------------------------------------ */
/* Joining workers (`kestreld --worker --join`, cluster_join.c)          */
/* ------------------------------------------------------------------ */
#define NET_CL_ID_MAX 64 /* a worker id: [0-9a-z-], at most 63 characters */
typedef struct NetClRegistry NetClRegistry;

/* The coordinator's side: listen on host:port (0 = any free port) for n
 * workers. ids/addrs (NULL = a first start) are the recorded layout: each
 * slot i is taken by the worker that reports ids[i], from addrs[i]. On a
 * first start workers take slots in join order. Joins are served until
 * net_cl_registry_stop (a restarted worker joins again). */
K_MUSTCHECK int net_cl_registry_start(const char *host, uint16_t port, const char *secret,
                                      size_t secret_len, uint32_t n, const char *const *ids,
                                      const char *const *addrs, NetClRegistry **out, KErr *err);
uint16_t net_cl_registry_port(const NetClRegistry *r);
/* Wait up to timeout_ms for every slot to be filled once; true when so
 * (from then on the slots' ids and addresses do not change). */
bool net_cl_registry_wait(NetClRegistry *r, int timeout_ms);
uint32_t net_cl_registry_joined(NetClRegistry *r);
const char *net_cl_registry_id(const NetClRegistry *r, uint32_t slot);
const char *net_cl_registry_addr(const NetClRegistry *r, uint32_t slot);
void net_cl_registry_stop(NetClRegistry *r);

/* The worker's side: its id (DATA/worker.id, created with a random id on
 * first use), and one join: connect to the coordinator's cluster port,
 * handshake, JOIN(id, listen_addr). On success *fd is the open join
 * connection (the caller watches it and joins again when it closes) and
 * *slot the 1-based slot. *refused is set when the coordinator answered
 * with an error (or the secret is wrong): retrying will not help. */
K_MUSTCHECK int net_cl_worker_id(const char *data_dir, char *out, size_t cap, KErr *err);
K_MUSTCHECK int net_cl_join(const char *coord_addr, const char *secret, size_t secret_len,
                            const char *id, const char *listen_addr, int *fd, uint32_t *slot,
                            bool *refused, KErr *err);

#endif /* NET_CLUSTER_H */
