/*
 * load.c — routing rows to the workers: COPY FROM (file and STDIN) and
 * the write side of INSERT.
 *
 * Interface routines: net__load_begin, net__load_append, net__load_sink,
 * net__load_commit, net__load_abort, net__load_def, net__copy.
 *
 * Notes: a load opens one StWriter per worker (in process) or one remote
 * load stream per worker process (coordinator mode, net_cluster_load_*)
 * and routes every row by the table's distribution (st_dist_route: the
 * same hash the exchanges use, so hash-distributed tables are co-located
 * on their keys); REPLICATED rows go to every worker. Appends come from
 * several parsing threads at once: writers and load streams are thread
 * safe, and routing builds a per-call selection vector over the shared
 * batch instead of copying rows. Commit is two-phase: first every worker
 * prepares (rows written and fsynced, NOT NULL and every other check
 * done; a worker that fails or is unreachable aborts them all), then each
 * worker publishes. Only a failure in that second step (a catalog rename,
 * or a worker dying between the two phases) can leave one worker with the
 * new rows: there is no durable commit decision to replay after a crash
 * (docs/architecture.md).
 */
#include "net/net_int.h"

#include "net/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

struct LoadCtx {
    NetEngine *eng;
    StTableDef *def;
    StWriter **writers;
    uint64_t *remote; /* coordinator mode: each worker's load id (0 = none) */
    _Atomic uint64_t rr;
    bool locked;
};

int
net__load_begin(NetEngine *eng, uint32_t table_id, LoadCtx **out, KArena *a, KErr *err)
{
    LoadCtx *l = k_alloc0(a, sizeof *l);
    if (!l) return k_error_oom(err, a, sizeof *l);
    l->eng = eng;
    l->writers = k_alloc0(a, sizeof(StWriter *) * eng->nworkers);
    l->remote = k_alloc0(a, sizeof(uint64_t) * eng->nworkers);
    if (!l->writers || !l->remote) return k_error_oom(err, a, 0);
    pthread_mutex_lock(&eng->ddl_lock);
    l->locked = true;
    if (st_table_get(eng->coord, table_id, a, &l->def, err)) goto fail;
    for (uint32_t w = 0; w < eng->nworkers && eng->cluster; w++)
        if (net_cluster_load_begin(eng->cluster, w, table_id, &l->remote[w], err)) goto fail;
    for (uint32_t w = 0; w < eng->nworkers && !eng->cluster; w++) {
        uint32_t wid;
        /* workers know the table under the same name */
        if (st_table_lookup(eng->workers[w], l->def->schema, l->def->name, &wid, err)) goto fail;
        if (st_writer_begin(eng->workers[w], wid, &l->writers[w], err)) goto fail;
    }
    *out = l;
    return K_OK;
fail:
    net__load_abort(l);
    return K_ERR;
}

const StTableDef *
net__load_def(const LoadCtx *l)
{
    return l->def;
}

static int
append_to(LoadCtx *l, uint32_t w, const KBatch *b, KErr *err)
{
    if (l->eng->cluster) return net_cluster_load_append(l->eng->cluster, w, l->remote[w], b, err);
    return st_writer_append(l->writers[w], b, err);
}

int
net__load_append(LoadCtx *l, const KBatch *b, KErr *err)
{
    uint32_t n = k_batch_rows(b), nw = l->eng->nworkers;
    if (n == 0) return K_OK;
    if (l->def->dist == ST_DIST_REPLICATED || nw == 1) {
        for (uint32_t w = 0; w < nw; w++)
            if (append_to(l, w, b, err)) return K_ERR;
        return K_OK;
    }
    uint32_t dest[K_VECTOR_SIZE];
    uint16_t sel[K_VECTOR_SIZE];
    uint64_t rr = atomic_fetch_add(&l->rr, n);
    st_dist_route(l->def, b, nw, &rr, dest);
    for (uint32_t w = 0; w < nw; w++) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (dest[i] == w) sel[k++] = (uint16_t)k_batch_row(b, i);
        if (!k) continue;
        KBatch view = *b;
        view.sel = sel;
        view.nsel = k;
        if (append_to(l, w, &view, err)) return K_ERR;
    }
    return K_OK;
}

int
net__load_sink(void *ctx, const KBatch *b, KErr *err)
{
    return net__load_append(ctx, b, err);
}

/* Two-phase commit over the worker processes: prepare all, then commit
 * all; a failed prepare aborts every worker's stream. */
static int
commit_remote(LoadCtx *l, uint64_t *rows, KErr *err)
{
    NetEngine *e = l->eng;
    uint64_t total = 0;
    int rc = K_OK;
    for (uint32_t w = 0; w < e->nworkers && rc == K_OK; w++) {
        uint64_t r = 0;
        if (net_cluster_load_prepare(e->cluster, w, l->remote[w], &r, err))
            rc = K_ERR;
        else if (l->def->dist != ST_DIST_REPLICATED || w == 0)
            total += r;
    }
    if (rc) {
        for (uint32_t w = 0; w < e->nworkers; w++)
            if (l->remote[w]) net_cluster_load_abort(e->cluster, w, l->remote[w]), l->remote[w] = 0;
        return K_ERR;
    }
    uint32_t done = 0;
    for (uint32_t w = 0; w < e->nworkers; w++) {
        uint64_t id = l->remote[w];
        l->remote[w] = 0;
        if (rc == K_OK) {
            if (net_cluster_load_commit(e->cluster, w, id, err)) {
                rc = K_ERR;
                if (done)
                    k_err_detail(err,
                                 "%u of %u workers had published the rows; the others have not",
                                 done, e->nworkers);
            } else {
                done++;
            }
        } else {
            net_cluster_load_abort(e->cluster, w, id);
        }
    }
    if (rows) *rows = total;
    return rc;
}

int
net__load_commit(LoadCtx *l, uint64_t *rows, KErr *err)
{
    uint64_t total = 0;
    int rc = K_OK;
    if (l->eng->cluster) {
        rc = commit_remote(l, rows, err);
        net__stats_invalidate(l->eng);
        if (l->locked) pthread_mutex_unlock(&l->eng->ddl_lock);
        l->locked = false;
        return rc;
    }
    /* first make every worker's rows durable, then publish them all: a
     * failure for data or space reasons happens before any worker commits */
    for (uint32_t w = 0; w < l->eng->nworkers && rc == K_OK; w++)
        if (l->writers[w] && st_writer_prepare(l->writers[w], err)) rc = K_ERR;
    for (uint32_t w = 0; w < l->eng->nworkers; w++) {
        if (!l->writers[w]) continue;
        uint64_t r = st_writer_rows(l->writers[w]);
        StWriter *wr = l->writers[w];
        l->writers[w] = NULL;
        if (rc == K_OK) {
            if (st_writer_commit(wr, err)) rc = K_ERR;
            else if (l->def->dist != ST_DIST_REPLICATED || w == 0) total += r;
        } else {
            st_writer_abort(wr);
        }
    }
    if (l->locked) pthread_mutex_unlock(&l->eng->ddl_lock);
    l->locked = false;
    if (rows) *rows = total;
    return rc;
}

void
net__load_abort(LoadCtx *l)
{
    if (!l) return;
    for (uint32_t w = 0; w < l->eng->nworkers; w++) {
        if (l->writers[w]) st_writer_abort(l->writers[w]), l->writers[w] = NULL;
        if (l->remote[w])
            net_cluster_load_abort(l->eng->cluster, w, l->remote[w]), l->remote[w] = 0;
    }
    if (l->locked) pthread_mutex_unlock(&l->eng->ddl_lock);
    l->locked = false;
}

/* ------------------------------------------------------------------ */
/* COPY                                                                 */
/* ------------------------------------------------------------------ */
static const char *
opt_string(const PrDefElem *d)
{
    if (!d->value) return NULL;
    if (PR_IS(Literal, d->value)) return PR_CAST(Literal, d->value)->text;
    return NULL;
}

static bool
opt_bool(const PrDefElem *d)
{
    const char *v = opt_string(d);
    if (!v) return true;
    return !strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1") || !strcasecmp(v, "yes");
}

int
net__copy_options(const PrCopy *st, StCopyOptions *o, KErr *err)
{
    st_copy_options_default(o);
    for (int32_t i = 0; i < pr_list_len(st->options); i++) {
        const PrDefElem *d = PR_CAST(DefElem, st->options->items[i]);
        const char *v = opt_string(d);
        if (!strcmp(d->name, "format")) {
            if (v && !strcasecmp(v, "csv")) o->format = ST_COPY_CSV;
            else if (v && !strcasecmp(v, "text")) o->format = ST_COPY_TEXT;
            else return k_error_at(err, K_FEATURE_NOT_SUPPORTED, d->hdr.pos, "COPY format \"%s\" not recognized", v ? v : "");
        } else if (!strcmp(d->name, "header")) {
            o->header = opt_bool(d);
        } else if (!strcmp(d->name, "delimiter")) {
            if (!v || strlen(v) != 1)
                return k_error_at(err, K_FEATURE_NOT_SUPPORTED, d->hdr.pos, "COPY delimiter must be a single one-byte character");
            o->delimiter = v[0];
        } else if (!strcmp(d->name, "null")) {
            o->null_set = true;
            o->null_str = v ? v : "";
        } else if (!strcmp(d->name, "quote")) {
            if (!v || strlen(v) != 1) return k_error_at(err, K_FEATURE_NOT_SUPPORTED, d->hdr.pos, "COPY quote must be a single one-byte character");
            o->quote = v[0];
        } else if (!strcmp(d->name, "escape")) {
            if (!v || strlen(v) != 1) return k_error_at(err, K_FEATURE_NOT_SUPPORTED, d->hdr.pos, "COPY escape must be a single one-byte character");
            o->escape = v[0];
        } else if (!strcmp(d->name, "encoding") || !strcmp(d->name, "freeze")) {
            /* accepted: data is UTF-8 and loads are always atomic */
        } else {
            return k_error_at(err, K_SYNTAX_ERROR, d->hdr.pos, "option \"%s\" not recognized", d->name);
        }
    }
    return K_OK;
}

int
net__copy(NetSession *s, const PrCopy *st, NetCursor *c, KErr *err)
{
    NetEngine *eng = s->eng;
    if (!st->is_from) return net__copy_to(s, st, c, err);
    if (st->columns)
        return k_error_at(err, K_FEATURE_NOT_SUPPORTED, st->hdr.pos, "COPY with a column list is not supported yet");
    if (st->where)
        return k_error_at(err, K_FEATURE_NOT_SUPPORTED, st->where->pos, "COPY FROM ... WHERE is not supported yet");
    StCopyOptions o;
    if (net__copy_options(st, &o, err)) return K_ERR;
    uint32_t tid;
    if (st_table_lookup(eng->coord, st->table->schema, st->table->name, &tid, err)) {
        err->pos = st->table->hdr.pos;
        return K_ERR;
    }
    LoadCtx *l;
    if (net__load_begin(eng, tid, &l, c->arena, err)) return K_ERR;
    const StTableDef *def = net__load_def(l);
    if (st->is_stdio) {
        if (st_copy_begin_sink(def->ncols, def->cols, def->name, &o, "STDIN", net__load_sink, l, &c->copy_in, err)) {
            net__load_abort(l);
            return K_ERR;
        }
        c->load = l;
        c->copy = K_COPY_IN;
        c->ncols = def->ncols;
        return K_OK;
    }
    uint64_t rows = 0;
    if (st_copy_file_to_sink(st->filename, def->name, def->ncols, def->cols, &o, net__load_sink, l, &rows, err)) {
        net__load_abort(l);
        return K_ERR;
    }
    if (net__load_commit(l, &rows, err)) return K_ERR;
    snprintf(c->tag, sizeof c->tag, "COPY %llu", (unsigned long long)rows);
    return K_OK;
}
