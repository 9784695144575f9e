/*
 * writer.c — writes generated tables as dbgen-format .tbl files, in
 * parallel and atomically.
 *
 * For each generation unit (orders+lineitem, part+partsupp, ...) the unit
 * range of the requested part is cut into blocks. Worker threads take the
 * next block, position their own generator at the block start (jumping the
 * random streams ahead) and format its rows into per-table buffers of a
 * slot; the calling thread appends the slots to the files in block order.
 * Workers stay at most two blocks per thread ahead of the writer, so
 * memory stays constant.
 *
 * Files are written as ".<name>.tmp.<pid>" in the output directory, fsync'ed
 * and renamed into place only after the last byte is on disk, so a file
 * with the final name is always complete. On any error the temporary files
 * are unlinked and the error names the file and the system's reason.
 * tpch_remove_temp_files() does the same from a signal handler.
 *
 * Interface routines: tpch_write_tables(), tpch_remove_temp_files().
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpch/tpch_int.h"

#define MAX_OUT 4

/* Temporary files being written, so a signal handler can remove them
 * (tpch_remove_temp_files). Slots are claimed under a mutex; the handler
 * only reads them. */
#define TEMP_SLOTS 64
static char temp_names[TEMP_SLOTS][4096];
static volatile sig_atomic_t temp_used[TEMP_SLOTS];
static pthread_mutex_t temp_lock = PTHREAD_MUTEX_INITIALIZER;

static int
temp_register(const char *path)
{
    int slot = -1;
    pthread_mutex_lock(&temp_lock);
    for (int i = 0; i < TEMP_SLOTS && slot < 0; i++)
        if (!temp_used[i]) {
            snprintf(temp_names[i], sizeof(temp_names[i]), "%s", path);
            temp_used[i] = 1;
            slot = i;
        }
    pthread_mutex_unlock(&temp_lock);
    return slot;
}

static void
temp_release(int slot)
{
    if (slot < 0) return;
    pthread_mutex_lock(&temp_lock);
    temp_used[slot] = 0;
    pthread_mutex_unlock(&temp_lock);
}

void
tpch_remove_temp_files(void)
{
    for (int i = 0; i < TEMP_SLOTS; i++)
        if (temp_used[i]) unlink(temp_names[i]);
}

typedef struct OutBuf {
    char *p;
    size_t len, cap;
    bool failed;
} OutBuf;

typedef struct Out {
    int table;
    int fd;
    char tmp[4096];
    char final[4096];
    int64_t rows;
    int slot; /* in temp_names, -1 if none */
} Out;

typedef struct ThreadCtx {
    OutBuf buf[MAX_OUT];
    int slot_of[16]; /* table id -> buffer slot */
    int64_t rows[MAX_OUT];
} ThreadCtx;

static bool
buf_reserve(OutBuf *b, size_t extra)
{
    if (b->len + extra <= b->cap) return true;
    size_t nc = b->cap ? b->cap * 2 : 1 << 20;
    while (nc < b->len + extra) nc *= 2;
    char *np = realloc(b->p, nc);
    if (!np) {
        b->failed = true;
        return false;
    }
    b->p = np;
    b->cap = nc;
    return true;
}

static int
emit_text(void *ctx, int table, const TpchRow *row, KErr *err)
{
    ThreadCtx *t = ctx;
    int slot = t->slot_of[table];
    OutBuf *b = &t->buf[slot];
    size_t need = (size_t)row->used + (size_t)row->n + 1;
    if (!buf_reserve(b, need)) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    char *p = b->p + b->len;
    for (int i = 0; i < row->n; i++) {
        if (i) *p++ = '|';
        memcpy(p, row->f[i].ptr, row->f[i].len);
        p += row->f[i].len;
    }
    *p++ = '\n';
    b->len = (size_t)(p - b->p);
    t->rows[slot]++;
    return K_OK;
}

static int
io_error(KErr *err, const char *what, const char *path, int e)
{
    KSqlState code = (e == ENOSPC || e == EDQUOT) ? K_DISK_FULL : K_IO_ERROR;
    k_error(err, code, "could not %s file \"%s\": %s", what, path, strerror(e));
    if (e == ENOSPC || e == EDQUOT)
        k_err_hint(err, "Free some disk space or choose another --out directory.");
    return K_ERR;
}

static int
write_all(Out *o, const char *p, size_t n, KErr *err)
{
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            io_error(err, "write to", o->final, errno);
            k_err_detail(err, "The data was being written to \"%s\", which was removed.", o->tmp);
            return K_ERR;
        }
        if (w == 0) return io_error(err, "write to", o->final, ENOSPC);
        p += w;
        n -= (size_t)w;
    }
    return K_OK;
}

static int
unit_block(TpchBenchmark b, int unit)
{
    if (b == TPCH_BENCH_TPCH && unit == TPCH_U_ORDER) return 2000;
    if (b == TPCH_BENCH_TPCH && unit == TPCH_U_PART) return 1000;
    return 2000;
}

/* The pipeline of one unit: workers generate blocks into a window of
 * slots; the calling thread writes the slots in block order. Workers never
 * run more than `window` blocks ahead of the writer, so memory is bounded;
 * everybody sleeps on condition variables instead of spinning, which
 * matters on a machine shared with other work. */
typedef struct Pipe {
    const TpchWriteOptions *opt;
    int unit;
    uint32_t want;
    int nout;
    const Out *outs;
    int64_t first, count, block, nblocks;
    int window;
    ThreadCtx *slots;   /* window entries */
    bool *ready;        /* window entries */
    pthread_mutex_t mu;
    pthread_cond_t space, filled;
    int64_t next_gen, next_write;
    bool failed;
    KErr err;
} Pipe;

static void
pipe_fail(Pipe *pp, const KErr *e)
{
    pthread_mutex_lock(&pp->mu);
    if (!pp->failed) k_err_copy(&pp->err, e);
    pp->failed = true;
    pthread_cond_broadcast(&pp->space);
    pthread_cond_broadcast(&pp->filled);
    pthread_mutex_unlock(&pp->mu);
}

/* Generate block `blk` into slot tc. */
static int
gen_block(Pipe *pp, TpchGen *g, ThreadCtx *tc, int64_t blk, KErr *err)
{
    for (int i = 0; i < pp->nout; i++) {
        tc->buf[i].len = 0;
        tc->rows[i] = 0;
        tc->slot_of[pp->outs[i].table] = i;
    }
    TpchBenchmark bench = pp->opt->benchmark;
    int64_t start = pp->first + blk * pp->block;
    int64_t n = K_MIN(pp->block, pp->first + pp->count - start);
    tpch__gen_seek(g, bench, &pp->opt->scale, pp->unit, start);
    g->want = pp->want;
    for (int64_t k = 0; k < n; k++) {
        int rc = bench == TPCH_BENCH_SSB ? ssb__gen_unit(g, emit_text, tc, err)
                                         : tpch__gen_unit(g, emit_text, tc, err);
        if (rc != K_OK) return K_ERR;
    }
    return K_OK;
}

static void *
worker(void *arg)
{
    Pipe *pp = arg;
    KErr err;
    k_err_clear(&err);
    TpchGen *g = malloc(sizeof(TpchGen));
    if (!g) {
        k_error(&err, K_OUT_OF_MEMORY, "out of memory");
        pipe_fail(pp, &err);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        while (!pp->failed && pp->next_gen < pp->nblocks &&
               pp->next_gen >= pp->next_write + pp->window)
            pthread_cond_wait(&pp->space, &pp->mu);
        if (pp->failed || pp->next_gen >= pp->nblocks) {
            pthread_mutex_unlock(&pp->mu);
            break;
        }
        int64_t blk = pp->next_gen++;
        pthread_mutex_unlock(&pp->mu);
        int slot = (int)(blk % pp->window);
        if (gen_block(pp, g, &pp->slots[slot], blk, &err) != K_OK) {
            pipe_fail(pp, &err);
            break;
        }
        pthread_mutex_lock(&pp->mu);
        pp->ready[slot] = true;
        pthread_cond_broadcast(&pp->filled);
        pthread_mutex_unlock(&pp->mu);
    }
    free(g);
    return NULL;
}

static int
write_slot(Pipe *pp, Out *outs, ThreadCtx *tc, KErr *err)
{
    for (int i = 0; i < pp->nout; i++) {
        if (write_all(&outs[i], tc->buf[i].p, tc->buf[i].len, err) != K_OK) return K_ERR;
        outs[i].rows += tc->rows[i];
    }
    return K_OK;
}

static int
run_pipe(Pipe *pp, Out *outs, int threads, KErr *err)
{
    int rc = K_OK;
    if (threads <= 1) {
        /* one thread: generate and write in turn on the calling thread */
        TpchGen *g = malloc(sizeof(TpchGen));
        if (!g) return k_error(err, K_OUT_OF_MEMORY, "out of memory");
        for (int64_t blk = 0; blk < pp->nblocks && rc == K_OK; blk++) {
            rc = gen_block(pp, g, &pp->slots[0], blk, err);
            if (rc == K_OK) rc = write_slot(pp, outs, &pp->slots[0], err);
        }
        free(g);
        return rc;
    }
    pthread_t tids[256];
    int started = 0;
    for (int i = 0; i < threads && i < 256; i++) {
        if (pthread_create(&tids[i], NULL, worker, pp) != 0) break;
        started++;
    }
    if (started == 0) return k_error(err, K_INTERNAL_ERROR, "could not start generator threads");
    for (int64_t w = 0; w < pp->nblocks; w++) {
        int slot = (int)(w % pp->window);
        pthread_mutex_lock(&pp->mu);
        while (!pp->failed && !pp->ready[slot]) pthread_cond_wait(&pp->filled, &pp->mu);
        bool stop = pp->failed;
        pthread_mutex_unlock(&pp->mu);
        if (stop) break;
        KErr werr;
        k_err_clear(&werr);
        if (write_slot(pp, outs, &pp->slots[slot], &werr) != K_OK) {
            pipe_fail(pp, &werr);
            break;
        }
        pthread_mutex_lock(&pp->mu);
        pp->ready[slot] = false;
        pp->next_write++;
        pthread_cond_broadcast(&pp->space);
        pthread_mutex_unlock(&pp->mu);
    }
    for (int i = 0; i < started; i++) pthread_join(tids[i], NULL);
    if (pp->failed) {
        k_err_copy(err, &pp->err);
        return K_ERR;
    }
    return K_OK;
}

static int
write_unit(const TpchWriteOptions *opt, int unit, uint32_t mask, int threads, KErr *err)
{
    TpchBenchmark bench = opt->benchmark;
    Out outs[MAX_OUT];
    int nout = 0;
    int rc = K_OK;
    Pipe pp;
    memset(&pp, 0, sizeof(pp));
    for (int t = 0; t < tpch_table_count(bench); t++) {
        if (!(mask & (1u << t)) || tpch__table_unit(bench, t) != unit) continue;
        Out *o = &outs[nout++];
        o->table = t;
        o->rows = 0;
        const char *name = tpch_table_info(bench, t)->name;
        if (opt->nparts > 1)
            snprintf(o->final, sizeof(o->final), "%s/%s.tbl.%d", opt->out_dir, name, opt->part);
        else
            snprintf(o->final, sizeof(o->final), "%s/%s.tbl", opt->out_dir, name);
        snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tbl.tmp.%d", opt->out_dir, name, (int)getpid());
        o->slot = temp_register(o->tmp);
        o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (o->fd < 0) {
            io_error(err, "create", o->final, errno);
            k_err_detail(err, "It is written first as \"%s\", then renamed.", o->tmp);
            temp_release(o->slot);
            nout--;
            rc = K_ERR;
            break;
        }
    }
    if (nout == 0 || rc != K_OK) goto done;

    pp.opt = opt;
    pp.unit = unit;
    pp.nout = nout;
    pp.outs = outs;
    for (int i = 0; i < nout; i++) pp.want |= 1u << outs[i].table;
    tpch__part_range(bench, unit, &opt->scale, opt->part, opt->nparts, &pp.first, &pp.count);
    pp.block = unit_block(bench, unit);
    pp.nblocks = (pp.count + pp.block - 1) / pp.block;
    if (threads > pp.nblocks) threads = (int)K_MAX(pp.nblocks, 1);
    pp.window = threads <= 1 ? 1 : 2 * threads;
    pp.slots = calloc((size_t)pp.window, sizeof(ThreadCtx));
    pp.ready = calloc((size_t)pp.window, sizeof(bool));
    if (!pp.slots || !pp.ready) {
        rc = k_error(err, K_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.space, NULL);
    pthread_cond_init(&pp.filled, NULL);
    k_err_clear(&pp.err);
    uint64_t t0 = k_now_ns();
    rc = run_pipe(&pp, outs, threads, err);
    pthread_cond_destroy(&pp.filled);
    pthread_cond_destroy(&pp.space);
    pthread_mutex_destroy(&pp.mu);
    if (rc != K_OK) goto done;

    for (int i = 0; i < nout; i++) {
        if (fsync(outs[i].fd) != 0) {
            rc = io_error(err, "fsync", outs[i].tmp, errno);
            goto done;
        }
        int fd = outs[i].fd;
        outs[i].fd = -1;
        if (close(fd) != 0) {
            rc = io_error(err, "close", outs[i].tmp, errno);
            goto done;
        }
    }
    for (int i = 0; i < nout; i++) {
        if (rename(outs[i].tmp, outs[i].final) != 0) {
            rc = io_error(err, "rename", outs[i].tmp, errno);
            goto done;
        }
        outs[i].tmp[0] = '\0';
        temp_release(outs[i].slot);
        outs[i].slot = -1;
        if (opt->verbose)
            fprintf(stderr, "%s: %lld rows in %.2f s\n", outs[i].final, (long long)outs[i].rows,
                    (double)(k_now_ns() - t0) / 1e9);
    }
    /* make the renames durable too */
    int dfd = open(opt->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0 && errno != EINVAL) rc = io_error(err, "fsync", opt->out_dir, errno);
        close(dfd);
    }
done:
    for (int i = 0; i < nout; i++) {
        if (outs[i].fd >= 0) close(outs[i].fd);
        if (outs[i].tmp[0]) unlink(outs[i].tmp);
        temp_release(outs[i].slot);
    }
    if (pp.slots)
        for (int w = 0; w < pp.window; w++)
            for (int i = 0; i < MAX_OUT; i++) free(pp.slots[w].buf[i].p);
    free(pp.slots);
    free(pp.ready);
    return rc;
}

int
tpch_write_tables(const TpchWriteOptions *opt, KErr *err)
{
    if (!opt || !opt->out_dir || !*opt->out_dir)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "no output directory");
    TpchBenchmark bench = opt->benchmark;
    if (bench != TPCH_BENCH_TPCH && bench != TPCH_BENCH_SSB)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "unknown benchmark %d", (int)bench);
    TpchScale chk;
    if (tpch_scale_from_double(opt->scale.sf, &chk, err) != K_OK) return K_ERR;
    if (opt->nparts < 1 || opt->part < 1 || opt->part > opt->nparts)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "invalid part %d of %d", opt->part,
                       opt->nparts);
    struct stat st;
    if (stat(opt->out_dir, &st) != 0) {
        k_error(err, K_UNDEFINED_FILE, "could not open directory \"%s\": %s", opt->out_dir,
                strerror(errno));
        return K_ERR;
    }
    if (!S_ISDIR(st.st_mode))
        return k_error(err, K_INVALID_PARAMETER_VALUE, "\"%s\" is not a directory", opt->out_dir);
    if (access(opt->out_dir, W_OK | X_OK) != 0) {
        k_error(err, K_INSUFFICIENT_PRIVILEGE, "could not write to directory \"%s\": %s",
                opt->out_dir, strerror(errno));
        return K_ERR;
    }
    int ntab = tpch_table_count(bench);
    uint32_t all = (1u << ntab) - 1;
    uint32_t mask = opt->table_mask ? (opt->table_mask & all) : all;
    int threads = opt->threads > 0 ? opt->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;

    /* every table must be splittable into nparts */
    for (int t = 0; t < ntab; t++) {
        if (!(mask & (1u << t))) continue;
        if (tpch__check_args(bench, t, &opt->scale, opt->part, opt->nparts, err) != K_OK)
            return K_ERR;
    }
    tpch__init();
    if (bench == TPCH_BENCH_TPCH && tpch__textpool_init(err) != K_OK) return K_ERR;
    int nunits = bench == TPCH_BENCH_SSB ? SSB_NTABLES : TPCH_NUNITS;
    for (int u = 0; u < nunits; u++)
        if (write_unit(opt, u, mask, threads, err) != K_OK) return K_ERR;
    return K_OK;
}
