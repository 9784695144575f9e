/*
 * net_int.h — private declarations of the coordinator (knet).
 *
 * The engine (engine.c) owns the coordinator catalog and the embedded
 * workers' databases; sessions (session.c) parse statements and dispatch
 * them: utility statements and DDL run inline, COPY and INSERT route rows
 * to the workers (load.c), queries are planned and run as fragments
 * (query.c) with their results streamed to the cursor through a bounded
 * queue (ResultQueue).
 */
#ifndef NET_NET_INT_H
#define NET_NET_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "net/net.h"
#include "parser/parser.h"
#include "storage/storage.h"

struct NetCluster;
typedef struct ExQueryPlan ExQueryPlan;
typedef struct ExOpStats ExOpStats;
typedef struct ExParam ExParam;
typedef struct ExSink ExSink;

struct NetEngine {
    KArena *arena;
    char *data_dir;
    StDb *coord;           /* catalog only, no rows */
    uint32_t nworkers;
    StDb **workers;             /* each worker's shard (embedded mode; NULL with a cluster) */
    struct NetCluster *cluster; /* coordinator mode: the workers are processes */
    struct NetClRegistry *registry; /* coordinator mode with --expect-workers: joins */
    /* coordinator mode: planner statistics cached until the next load or DDL */
    pthread_mutex_t stats_lock;
    struct NetStatsEntry *stats_cache;
    KArena *stats_arena;
    uint64_t stats_cache_gen;
    _Atomic uint64_t stats_gen;
    pthread_mutex_t ddl_lock; /* DDL and loads change every node: one at a time */
    size_t memory_limit;
    size_t work_mem;
    KArena *queries;       /* parent of every query arena; limited by memory_limit */
    _Atomic uint64_t next_query_id;
};

typedef struct NetSetting {
    char *name;
    char *value;
} NetSetting;

struct NetSession {
    NetEngine *eng;
    KArena *arena;
    char *user;
    char *database;
    NetNoticeFn notice;
    void *notice_ctx;
    char txn;                 /* 'I', 'T' or 'E' */
    volatile int cancel;      /* set by net_session_cancel from any thread */
    NetSetting *settings;
    uint32_t nsettings, capsettings;
    struct NetCursor *active; /* the cursor currently running, if any */
    int32_t backend_pid;      /* the front end's process id for this session (BackendKeyData) */
    struct SqlPrepared *sql_prepared; /* PREPARE name AS ... (SQL-level, not the protocol's) */
};

typedef struct NetStmtInfo {
    bool described;
    uint32_t nparams;
    KType *params;
    uint32_t ncols;
    NetColumn *cols;
} NetStmtInfo;

struct NetPrepared {
    NetSession *s;
    KArena *arena;
    const char *sql;
    size_t len;
    PrStmtList *stmts;
    NetStmtInfo *info;
    KType *param_types;   /* as declared by the client */
    uint32_t nparam_types;
};

/* A bounded queue of result batches between the query thread (producer,
 * possibly several OpenMP threads) and net_cursor_next (consumer). */
typedef struct ResultQueue ResultQueue;

typedef struct LoadCtx LoadCtx;

struct NetCursor {
    NetSession *s;
    KArena *arena;
    char tag[64];
    uint32_t ncols;
    NetColumn *cols;
    NetCopyState copy;
    uint64_t rows;            /* rows returned or loaded, for the tag */
    const char *tag_verb;     /* "SELECT", "INSERT 0", "COPY", ... when counted */
    /* fixed results (SHOW, EXPLAIN, catalog answers) */
    KBatch **fixed;
    uint32_t nfixed, next_fixed;
    /* a running query */
    ResultQueue *queue;
    const KBatch *held;       /* the batch handed out last, freed on the next call */
    bool done;
    /* COPY FROM STDIN */
    StCopy *copy_in;
    LoadCtx *load;
    /* COPY ... TO: query rows become text lines in this format */
    struct CopyOutFmt *copy_fmt;
    KBatch *lines;            /* the lines batch handed out last */
};

/* engine.c */
void net__settings_defaults(NetSession *s);
/* The worker whose copy of replicated tables statistics are read from:
 * the first one that is up (0 in process). */
uint32_t net__replica_worker(NetEngine *e);
/* For kestrel_workers: in coordinator mode worker w's address, whether
 * its connection is up (heartbeats) and when it was last heard from
 * (microseconds since 1970); in process *addr stays NULL and *up true. */
void net__worker_state(NetEngine *e, uint32_t w, const char **addr, bool *up, int64_t *heard_us);
/* Worker w's shard statistics: the embedded StDb, or a request to the
 * worker process in coordinator mode (table ids agree on every node). */
K_MUSTCHECK int net__worker_table_stats(NetEngine *e, uint32_t w, uint32_t table_id,
                                        uint32_t part_id, StTableStats *out, KErr *err);
K_MUSTCHECK int net__worker_column_stats(NetEngine *e, uint32_t w, uint32_t table_id,
                                         uint32_t part_id, uint32_t col, KArena *a,
                                         StColumnStats *out, KErr *err);
K_MUSTCHECK int net__worker_column_sketch(NetEngine *e, uint32_t w, uint32_t table_id,
                                          uint32_t part_id, uint32_t col, uint8_t *regs, KErr *err);

/* session.c helpers shared with the other files */
void net__notice(NetSession *s, const char *fmt, ...) K_PRINTF(2, 3);
K_MUSTCHECK int net__cursor_text_column(NetCursor *c, const char *colname, const char *const *lines,
                                        uint32_t nlines, KErr *err);

/* ddl.c: CREATE/DROP/TRUNCATE/ALTER/ANALYZE applied to every node */
K_MUSTCHECK int net__ddl(NetSession *s, const PrNode *stmt, NetCursor *c, KErr *err);

/* load.c: COPY FROM and INSERT routing rows to the workers */
K_MUSTCHECK int net__load_begin(NetEngine *eng, uint32_t table_id, LoadCtx **out, KArena *a, KErr *err);
K_MUSTCHECK int net__load_append(LoadCtx *l, const KBatch *b, KErr *err);
K_MUSTCHECK int net__load_commit(LoadCtx *l, uint64_t *rows, KErr *err);
void net__load_abort(LoadCtx *l);
int net__load_sink(void *ctx, const KBatch *b, KErr *err); /* StCopySinkFn */
const StTableDef *net__load_def(const LoadCtx *l);
K_MUSTCHECK int net__copy(NetSession *s, const PrCopy *stmt, NetCursor *c, KErr *err);
K_MUSTCHECK int net__copy_options(const PrCopy *st, StCopyOptions *o, KErr *err);
/* query.c: COPY (query) TO / COPY table TO, to STDOUT or a server file */
K_MUSTCHECK int net__copy_to(NetSession *s, const PrCopy *st, NetCursor *c, KErr *err);

/* query.c: planning and running SELECT (and EXPLAIN, INSERT ... SELECT) */
K_MUSTCHECK int net__query_describe(NetSession *s, NetPrepared *p, uint32_t i, KErr *err);
K_MUSTCHECK int net__query_start(NetSession *s, NetPrepared *p, uint32_t i, const NetParam *params,
                                 uint32_t nparams, NetCursor *c, KErr *err);
K_MUSTCHECK int net__query_next(NetCursor *c, const KBatch **batch, KErr *err);
void net__query_stop(NetCursor *c);
K_MUSTCHECK int net__explain(NetSession *s, const PrExplain *e, NetCursor *c, KErr *err);
K_MUSTCHECK int net__insert(NetSession *s, const PrInsert *ins, const NetParam *params,
                            uint32_t nparams, NetCursor *c, KErr *err);

/* query.c: forget cached planner statistics (after any load or DDL) */
void net__stats_invalidate(NetEngine *e);
/* query.c: run a plan on the engine's workers (in process, or across the
 * cluster's worker processes); *bytes_sent (may be NULL) gets the exchange
 * bytes the workers reported (0 in process). */
K_MUSTCHECK int net__run_plan(NetEngine *e, KArena *a, const volatile int *cancel,
                              const ExParam *params, uint32_t nparams, ExOpStats *stats,
                              const ExQueryPlan *plan, ExSink *sink, uint64_t *bytes_sent,
                              KErr *err);

/* systables.c: system relations (information_schema, pg_catalog, kestrel_*) */
bool net__sys_lookup(const char *schema, const char *name, KArena *a, const StTableDef **out);
bool net__sys_is(uint32_t table_id);
uint64_t net__sys_rows_estimate(uint32_t table_id);
K_MUSTCHECK int net__sys_rewrite(NetSession *s, KArena *a, ExQueryPlan *q, KErr *err);
void *net__query_register(NetSession *s, const char *sql, const ExQueryPlan *plan, const ExOpStats *stats);
void net__query_unregister(void *handle);

#endif /* NET_NET_INT_H */
