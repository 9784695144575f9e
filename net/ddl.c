/*
 * ddl.c — DDL applied to the coordinator catalog and every worker.
 *
 * Interface routines: net__ddl.
 *
 * Notes: CREATE TABLE turns the AST into an StTableDef (types through
 * k_type_from_name, NOT NULL and PRIMARY KEY columns, Greenplum's
 * DISTRIBUTED BY / REPLICATED / RANDOMLY, PostgreSQL's PARTITION BY RANGE
 * and PARTITION OF ... FOR VALUES FROM ... TO ...). Every statement is
 * applied to the coordinator first, then to each worker in order under
 * the engine's DDL lock; a failure on any node undoes the nodes already
 * changed (for CREATE: drop the new table), so no node is left different.
 * Table ids must agree across nodes (plans name tables by id): creates run
 * in lockstep, and a mismatch is reported instead of silently diverging.
 * In coordinator mode the workers are processes: node i > 0 is reached
 * with net_cluster_* requests and named by the coordinator's table id
 * (ids agree); ATTACH/DETACH PARTITION are not available there yet.
 */
#include "net/net_int.h"

#include "net/cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static StDb *
node(NetEngine *e, uint32_t i)
{
    return i == 0 ? e->coord : e->workers[i - 1];
}

/* Node i (0 = the coordinator's catalog, i = worker i - 1): in process an
 * StDb, in coordinator mode a worker process. */
static bool
remote(NetEngine *e, uint32_t i)
{
    return i > 0 && e->cluster;
}

static int
node_lookup(NetEngine *e, uint32_t i, const char *schema, const char *name, uint32_t *tid,
            KErr *err)
{
    return st_table_lookup(remote(e, i) ? e->coord : node(e, i), schema, name, tid, err);
}

static int
node_create(NetEngine *e, uint32_t i, const StTableDef *def, uint32_t *id, KErr *err)
{
    if (remote(e, i)) return net_cluster_table_create(e->cluster, i - 1, def, id, err);
    return st_table_create(node(e, i), def, id, err);
}

static int
node_drop(NetEngine *e, uint32_t i, uint32_t tid, KErr *err)
{
    if (remote(e, i)) return net_cluster_table_drop(e->cluster, i - 1, tid, err);
    return st_table_drop(node(e, i), tid, err);
}

static int
node_truncate(NetEngine *e, uint32_t i, uint32_t tid, KErr *err)
{
    if (remote(e, i)) return net_cluster_table_truncate(e->cluster, i - 1, tid, err);
    return st_table_truncate(node(e, i), tid, err);
}

/* The coordinator's catalog holds no rows (the planner reads the workers'
 * statistics), so ANALYZE has nothing to do there. */
static int
node_analyze(NetEngine *e, uint32_t i, uint32_t tid, KErr *err)
{
    if (i == 0) return K_OK;
    if (remote(e, i)) return net_cluster_table_analyze(e->cluster, i - 1, tid, err);
    return st_analyze(node(e, i), tid, err);
}

static int
node_rename(NetEngine *e, uint32_t i, uint32_t tid, const char *name, KErr *err)
{
    if (remote(e, i)) return net_cluster_table_rename(e->cluster, i - 1, tid, name, err);
    return st_table_rename(node(e, i), tid, name, err);
}

static int
node_part_add(NetEngine *e, uint32_t i, uint32_t tid, const StPartitionDef *p, uint32_t *pid,
              KErr *err)
{
    if (remote(e, i)) return net_cluster_partition_add(e->cluster, i - 1, tid, p, pid, err);
    return st_partition_add(node(e, i), tid, p, pid, err);
}

static int
node_schema_create(NetEngine *e, uint32_t i, const char *name, KErr *err)
{
    if (remote(e, i)) return net_cluster_schema_create(e->cluster, i - 1, name, err);
    if (st_schema_exists(node(e, i), name)) return K_OK;
    return st_schema_create(node(e, i), name, err);
}

/* Drop table `schema.name` on nodes [0, upto) (the workers first: in
 * coordinator mode they are named by the coordinator's id). */
static void
undo_create(NetEngine *e, const StTableDef *def, uint32_t upto)
{
    for (uint32_t j = upto; j-- > 0;) {
        uint32_t tid;
        KErr e2;
        if (node_lookup(e, j, def->schema[0] ? def->schema : NULL, def->name, &tid, &e2) == K_OK)
            (void)!node_drop(e, j, tid, &e2);
    }
}

static int
datum_from_literal(const PrNode *n, KType t, KArena *a, StDatum *d, bool *unbounded, KErr *err)
{
    *unbounded = false;
    if (PR_IS(ColumnRef, n)) {
        const PrColumnRef *c = PR_CAST(ColumnRef, n);
        if (c->nfields == 1 && (!strcmp(c->fields[0], "minvalue") || !strcmp(c->fields[0], "maxvalue"))) {
            *unbounded = true;
            return K_OK;
        }
    }
    const char *text = NULL;
    size_t len = 0;
    if (PR_IS(Literal, n)) {
        text = PR_CAST(Literal, n)->text;
        len = PR_CAST(Literal, n)->len;
    } else if (PR_IS(CastExpr, n) && PR_IS(Literal, PR_CAST(CastExpr, n)->arg)) {
        text = PR_CAST(Literal, PR_CAST(CastExpr, n)->arg)->text;
        len = PR_CAST(Literal, PR_CAST(CastExpr, n)->arg)->len;
    }
    if (!text)
        return k_error_at(err, K_INVALID_TABLE_DEFINITION, n->pos, "partition bound must be a literal value");
    uint8_t slot[32];
    if (k_value_parse(t, text, len, slot, a, err)) {
        err->pos = n->pos;
        return K_ERR;
    }
    st_datum_from_slot(t, slot, d);
    return K_OK;
}

static int
bound_from_ast(const PrPartitionBound *b, KType t, StPartitionDef *p, KArena *a, KErr *err)
{
    if (b->is_default || b->in_list)
        return k_error_at(err, K_FEATURE_NOT_SUPPORTED, b->hdr.pos, "only RANGE partitions FOR VALUES FROM ... TO ... are supported");
    if (pr_list_len(b->from) != 1 || pr_list_len(b->to) != 1)
        return k_error_at(err, K_INVALID_TABLE_DEFINITION, b->hdr.pos, "range partitions need exactly one bound value on each side");
    bool unb;
    if (datum_from_literal(b->from->items[0], t, a, &p->lo, &unb, err)) return K_ERR;
    p->has_lo = !unb;
    if (datum_from_literal(b->to->items[0], t, a, &p->hi, &unb, err)) return K_ERR;
    p->has_hi = !unb;
    return K_OK;
}

static int
find_column(const StTableDef *def, const char *name)
{
    for (uint32_t i = 0; i < def->ncols; i++)
        if (!strcmp(def->cols[i].name, name)) return (int)i;
    return -1;
}

static int
create_table_def(NetSession *s, const PrCreateTable *ct, KArena *a, StTableDef *def, KErr *err)
{
    memset(def, 0, sizeof *def);
    if (ct->table->schema) snprintf(def->schema, sizeof def->schema, "%s", ct->table->schema);
    if (strlen(ct->table->name) > ST_NAME_MAX)
        return k_error_at(err, K_PROGRAM_LIMIT_EXCEEDED, ct->table->hdr.pos, "table name \"%s\" is too long", ct->table->name);
    snprintf(def->name, sizeof def->name, "%s", ct->table->name);
    int32_t n = pr_list_len(ct->columns);
    if (n == 0) return k_error_at(err, K_INVALID_TABLE_DEFINITION, ct->hdr.pos, "a table needs at least one column");
    def->ncols = (uint32_t)n;
    def->cols = k_alloc0(a, sizeof(StColumnDef) * (size_t)n);
    if (!def->cols) return k_error_oom(err, a, 0);
    for (int32_t i = 0; i < n; i++) {
        const PrColumnDef *cd = PR_CAST(ColumnDef, ct->columns->items[i]);
        StColumnDef *col = &def->cols[i];
        if (strlen(cd->name) > ST_NAME_MAX)
            return k_error_at(err, K_PROGRAM_LIMIT_EXCEEDED, cd->hdr.pos, "column name \"%s\" is too long", cd->name);
        snprintf(col->name, sizeof col->name, "%s", cd->name);
        const PrTypeName *tn = cd->type;
        if (tn->array_dims)
            return k_error_at(err, K_FEATURE_NOT_SUPPORTED, tn->hdr.pos, "array types are not supported");
        if (k_type_from_name(tn->name, tn->nmods > 0 ? tn->mods[0] : -1, tn->nmods > 1 ? tn->mods[1] : -1,
                             &col->type, err)) {
            err->pos = tn->hdr.pos;
            return K_ERR;
        }
        for (int32_t k = 0; k < pr_list_len(cd->constraints); k++) {
            const PrConstraint *c = PR_CAST(Constraint, cd->constraints->items[k]);
            if (c->kind == PR_CONSTR_NOT_NULL || c->kind == PR_CONSTR_PRIMARY_KEY) col->not_null = true;
        }
    }
    for (int32_t k = 0; k < pr_list_len(ct->constraints); k++) {
        const PrConstraint *c = PR_CAST(Constraint, ct->constraints->items[k]);
        if (c->kind != PR_CONSTR_PRIMARY_KEY) continue;
        for (int32_t j = 0; j < pr_list_len(c->keys); j++) {
            int ci = find_column(def, PR_CAST(Ident, c->keys->items[j])->name);
            if (ci >= 0) def->cols[ci].not_null = true;
        }
    }
    switch (ct->dist) {
    case PR_DIST_DEFAULT:
        def->dist = ST_DIST_HASH;
        def->ndist_cols = 1;
        def->dist_cols[0] = 0;
        net__notice(s, "table \"%s\" has no DISTRIBUTED clause: rows are distributed by a hash of column \"%s\"",
                    def->name, def->cols[0].name);
        break;
    case PR_DIST_HASH:
        def->dist = ST_DIST_HASH;
        if (pr_list_len(ct->dist_keys) > ST_MAX_DIST_COLS)
            return k_error_at(err, K_INVALID_TABLE_DEFINITION, ct->hdr.pos, "at most %d distribution columns", ST_MAX_DIST_COLS);
        for (int32_t j = 0; j < pr_list_len(ct->dist_keys); j++) {
            const PrIdent *id = PR_CAST(Ident, ct->dist_keys->items[j]);
            int ci = find_column(def, id->name);
            if (ci < 0)
                return k_error_at(err, K_UNDEFINED_COLUMN, id->hdr.pos, "column \"%s\" named in DISTRIBUTED BY does not exist", id->name);
            def->dist_cols[def->ndist_cols++] = (uint32_t)ci;
        }
        break;
    case PR_DIST_REPLICATED: def->dist = ST_DIST_REPLICATED; break;
    case PR_DIST_RANDOM: def->dist = ST_DIST_RANDOM; break;
    }
    def->part_col = -1;
    if (ct->partition_by) {
        const PrPartitionSpec *ps = ct->partition_by;
        if (ps->strategy != PR_PART_RANGE)
            return k_error_at(err, K_FEATURE_NOT_SUPPORTED, ps->hdr.pos, "only PARTITION BY RANGE is supported");
        if (pr_list_len(ps->keys) != 1 || !PR_IS(ColumnRef, ps->keys->items[0]))
            return k_error_at(err, K_FEATURE_NOT_SUPPORTED, ps->hdr.pos, "PARTITION BY RANGE takes exactly one column");
        const PrColumnRef *cr = PR_CAST(ColumnRef, ps->keys->items[0]);
        int ci = cr->nfields == 1 ? find_column(def, cr->fields[0]) : -1;
        if (ci < 0)
            return k_error_at(err, K_UNDEFINED_COLUMN, cr->hdr.pos, "column \"%s\" named in partition key does not exist",
                              cr->nfields ? cr->fields[cr->nfields - 1] : "?");
        def->part_col = ci;
    }
    return K_OK;
}

/* Apply fn to every node; on failure undo on the nodes done. */
typedef int (*NodeFn)(StDb *db, void *arg, KErr *err);

static int
create_table(NetSession *s, const PrCreateTable *ct, NetCursor *c, KErr *err)
{
    NetEngine *e = s->eng;
    uint32_t nnodes = e->nworkers + 1;
    if (ct->partition_of) {
        /* CREATE TABLE p PARTITION OF t FOR VALUES FROM (a) TO (b) */
        uint32_t tid;
        if (st_table_lookup(e->coord, ct->partition_of->schema, ct->partition_of->name, &tid, err)) {
            err->pos = ct->partition_of->hdr.pos;
            return K_ERR;
        }
        StTableDef *parent;
        if (st_table_get(e->coord, tid, c->arena, &parent, err)) return K_ERR;
        if (parent->part_col < 0)
            return k_error_at(err, K_WRONG_OBJECT_TYPE, ct->partition_of->hdr.pos, "table \"%s\" is not partitioned", parent->name);
        StPartitionDef p;
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "%s", ct->table->name);
        if (bound_from_ast(ct->bound, parent->cols[parent->part_col].type, &p, c->arena, err)) return K_ERR;
        for (uint32_t i = 0; i < nnodes; i++) {
            uint32_t ntid, pid;
            if (node_lookup(e, i, parent->schema, parent->name, &ntid, err) ||
                node_part_add(e, i, ntid, &p, &pid, err)) {
                if (i > 0)
                    k_err_detail(err, "the partition was added on %u of %u nodes; drop and re-create the table to repair", i, nnodes);
                return K_ERR;
            }
        }
        snprintf(c->tag, sizeof c->tag, "CREATE TABLE");
        return K_OK;
    }
    StTableDef def;
    if (create_table_def(s, ct, c->arena, &def, err)) return K_ERR;
    if (ct->if_not_exists) {
        uint32_t tid;
        KErr e2;
        if (st_table_lookup(e->coord, ct->table->schema, ct->table->name, &tid, &e2) == K_OK) {
            net__notice(s, "relation \"%s\" already exists, skipping", ct->table->name);
            snprintf(c->tag, sizeof c->tag, "CREATE TABLE");
            return K_OK;
        }
    }
    if (def.schema[0]) {
        /* a schema the coordinator knows: make sure every worker has it */
        for (uint32_t i = 1; i < nnodes && e->cluster; i++)
            if (st_schema_exists(e->coord, def.schema) && node_schema_create(e, i, def.schema, err))
                return K_ERR;
    }
    uint32_t first_id = 0;
    for (uint32_t i = 0; i < nnodes; i++) {
        uint32_t id;
        if (node_create(e, i, &def, &id, err)) {
            err->pos = err->pos >= 0 ? err->pos : ct->table->hdr.pos;
            undo_create(e, &def, i);
            return K_ERR;
        }
        if (i == 0) first_id = id;
        else if (id != first_id) {
            k_error(err, K_INTERNAL_ERROR, "table id %u on worker %u differs from the coordinator's %u", id, i, first_id);
            KErr e2;
            (void)!node_drop(e, i, id, &e2);
            undo_create(e, &def, i);
            return K_ERR;
        }
    }
    /* Kestrel's shorthand for N equal ranges:
     *   PARTITION BY RANGE (col) WITH (partitions = N, low = 'lo', high = 'hi')
     * (high exclusive; dates cut at month boundaries when the span allows) */
    if (ct->partition_by && pr_list_len(ct->with_options) > 0) {
        const PrNode *vn = NULL, *vs = NULL, *ve = NULL;
        for (int32_t k = 0; k < pr_list_len(ct->with_options); k++) {
            const PrDefElem *d = PR_CAST(DefElem, ct->with_options->items[k]);
            if (!strcmp(d->name, "partitions")) vn = d->value;
            else if (!strcmp(d->name, "low")) vs = d->value;
            else if (!strcmp(d->name, "high")) ve = d->value;
            else {
                k_error_at(err, K_INVALID_PARAMETER_VALUE, d->hdr.pos, "unrecognized parameter \"%s\"", d->name);
                k_err_hint(err, "PARTITION BY RANGE (col) WITH (partitions = N, low = 'first', high = 'past last')");
                goto undo_all;
            }
        }
        if (!vn || !vs || !ve || !PR_IS(Literal, vn)) {
            k_error_at(err, K_INVALID_TABLE_DEFINITION, ct->hdr.pos, "partitions, low and high go together");
            goto undo_all;
        }
        int64_t n;
        KType t = def.cols[def.part_col].type;
        StDatum lo, hi;
        bool unb;
        if (k_parse_int64(PR_CAST(Literal, vn)->text, PR_CAST(Literal, vn)->len, &n, err) || n < 1 || n > 10000) {
            k_error_at(err, K_INVALID_PARAMETER_VALUE, vn->pos, "partitions must be between 1 and 10000");
            goto undo_all;
        }
        if (datum_from_literal(vs, t, c->arena, &lo, &unb, err) || datum_from_literal(ve, t, c->arena, &hi, &unb, err))
            goto undo_all;
        for (uint32_t i = 0; i < nnodes; i++) {
            uint32_t ntid;
            if (node_lookup(e, i, def.schema[0] ? def.schema : NULL, def.name, &ntid, err))
                goto undo_all;
            if (!remote(e, i)) {
                if (st_partition_add_ranges(node(e, i), ntid, lo, hi, (uint32_t)n, err))
                    goto undo_all;
                continue;
            }
            /* a worker process gets the coordinator's ranges one by one */
            StTableDef *cd;
            if (st_table_get(e->coord, ntid, c->arena, &cd, err)) goto undo_all;
            for (uint32_t k = 0; k < cd->nparts; k++) {
                uint32_t pid;
                if (node_part_add(e, i, ntid, &cd->parts[k], &pid, err)) goto undo_all;
                if (pid != cd->parts[k].id) {
                    k_error(err, K_INTERNAL_ERROR,
                            "partition id %u on worker %u differs from the coordinator's %u", pid,
                            i, cd->parts[k].id);
                    goto undo_all;
                }
            }
        }
    }
    snprintf(c->tag, sizeof c->tag, "CREATE TABLE");
    return K_OK;
undo_all:
    undo_create(e, &def, nnodes);
    return K_ERR;
}

/* fn on every node; DROP goes to the workers first so that in coordinator
 * mode the coordinator's catalog still names the table for them. */
static int
for_each_table_node(NetEngine *e, const PrRangeVar *rv,
                    int (*fn)(NetEngine *, uint32_t, uint32_t, KErr *), bool workers_first,
                    KErr *err)
{
    uint32_t nnodes = e->nworkers + 1;
    for (uint32_t k = 0; k < nnodes; k++) {
        uint32_t i = workers_first ? (k + 1) % nnodes : k;
        uint32_t tid;
        if (node_lookup(e, i, rv->schema, rv->name, &tid, err)) {
            err->pos = rv->hdr.pos;
            return K_ERR;
        }
        if (fn(e, i, tid, err)) return K_ERR;
    }
    return K_OK;
}

/* ALTER TABLE t ATTACH PARTITION p FOR VALUES FROM (a) TO (b) | DETACH
 * PARTITION p | RENAME TO n, on every node. */
static int
alter_table(NetSession *s, const PrAlterTable *at, NetCursor *c, KErr *err)
{
    NetEngine *e = s->eng;
    uint32_t nnodes = e->nworkers + 1;
    snprintf(c->tag, sizeof c->tag, "ALTER TABLE");
    uint32_t tid;
    KErr e2;
    if (st_table_lookup(e->coord, at->table->schema, at->table->name, &tid, &e2) != K_OK) {
        if (at->if_exists) {
            net__notice(s, "relation \"%s\" does not exist, skipping", at->table->name);
            return K_OK;
        }
        k_err_copy(err, &e2);
        err->pos = at->table->hdr.pos;
        return K_ERR;
    }
    if (pr_list_len(at->cmds) != 1)
        return k_error_at(err, K_FEATURE_NOT_SUPPORTED, at->hdr.pos, "ALTER TABLE takes one action at a time here");
    const PrAlterCmd *cmd = PR_CAST(AlterCmd, at->cmds->items[0]);
    StTableDef *def;
    if (st_table_get(e->coord, tid, c->arena, &def, err)) return K_ERR;
    if (e->cluster &&
        (cmd->kind == PR_ALTER_ATTACH_PARTITION || cmd->kind == PR_ALTER_DETACH_PARTITION))
        return k_error_at(
            err, K_FEATURE_NOT_SUPPORTED, cmd->hdr.pos,
            "ATTACH and DETACH PARTITION are not supported on a cluster coordinator yet");
    switch (cmd->kind) {
    case PR_ALTER_ATTACH_PARTITION: {
        if (def->part_col < 0)
            return k_error_at(err, K_WRONG_OBJECT_TYPE, at->table->hdr.pos, "table \"%s\" is not partitioned", def->name);
        StPartitionDef p;
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "%s", cmd->partition->name);
        if (bound_from_ast(cmd->bound, def->cols[def->part_col].type, &p, c->arena, err)) return K_ERR;
        for (uint32_t i = 0; i < nnodes; i++) {
            uint32_t ntid, src, pid;
            if (st_table_lookup(node(e, i), def->schema, def->name, &ntid, err) ||
                st_table_lookup(node(e, i), cmd->partition->schema, cmd->partition->name, &src, err) ||
                st_partition_attach(node(e, i), ntid, src, &p, &pid, err)) {
                if (err->pos < 0) err->pos = cmd->hdr.pos;
                if (i > 0) k_err_detail(err, "the partition was attached on %u of %u nodes", i, nnodes);
                return K_ERR;
            }
        }
        return K_OK;
    }
    case PR_ALTER_DETACH_PARTITION: {
        const StPartitionDef *found = NULL;
        for (uint32_t k = 0; k < def->nparts; k++)
            if (!strcmp(def->parts[k].name, cmd->partition->name)) found = &def->parts[k];
        if (!found)
            return k_error_at(err, K_UNDEFINED_TABLE, cmd->partition->hdr.pos,
                              "\"%s\" is not a partition of \"%s\"", cmd->partition->name, def->name);
        uint32_t first_id = 0;
        for (uint32_t i = 0; i < nnodes; i++) {
            uint32_t ntid, newid;
            StTableDef *nd;
            if (st_table_lookup(node(e, i), def->schema, def->name, &ntid, err) ||
                st_table_get(node(e, i), ntid, c->arena, &nd, err))
                return K_ERR;
            uint32_t pid = UINT32_MAX;
            for (uint32_t k = 0; k < nd->nparts; k++)
                if (!strcmp(nd->parts[k].name, found->name)) pid = nd->parts[k].id;
            if (pid == UINT32_MAX || st_partition_detach(node(e, i), ntid, pid, &newid, err)) {
                if (pid == UINT32_MAX) k_error(err, K_INTERNAL_ERROR, "partition \"%s\" is missing on worker %u", found->name, i);
                if (i > 0) k_err_detail(err, "the partition was detached on %u of %u nodes", i, nnodes);
                return K_ERR;
            }
            if (i == 0) first_id = newid;
            else if (newid != first_id)
                return k_error(err, K_INTERNAL_ERROR, "detached table id %u on worker %u differs from the coordinator's %u",
                               newid, i, first_id);
        }
        return K_OK;
    }
    case PR_ALTER_RENAME_TABLE:
        /* the workers first: in coordinator mode the coordinator's catalog names the table for them
         */
        for (uint32_t k = 0; k < nnodes; k++) {
            uint32_t i = (k + 1) % nnodes;
            uint32_t ntid;
            if (node_lookup(e, i, def->schema, def->name, &ntid, err) ||
                node_rename(e, i, ntid, cmd->newname, err)) {
                if (k > 0) k_err_detail(err, "the table was renamed on %u of %u nodes", k, nnodes);
                return K_ERR;
            }
        }
        return K_OK;
    default:
        return k_error_at(err, K_FEATURE_NOT_SUPPORTED, cmd->hdr.pos,
                          "this ALTER TABLE action is not supported yet (ATTACH/DETACH PARTITION and RENAME TO are)");
    }
}

int
net__ddl(NetSession *s, const PrNode *stmt, NetCursor *c, KErr *err)
{
    NetEngine *e = s->eng;
    int rc = K_OK;
    pthread_mutex_lock(&e->ddl_lock);
    switch ((PrTag)stmt->tag) {
    case PR_T_CreateTable: rc = create_table(s, PR_CAST(CreateTable, stmt), c, err); break;
    case PR_T_CreateSchema: {
        const PrCreateSchema *cs = PR_CAST(CreateSchema, stmt);
        if (st_schema_exists(e->coord, cs->name)) {
            if (cs->if_not_exists) {
                net__notice(s, "schema \"%s\" already exists, skipping", cs->name);
            } else {
                rc = k_error_at(err, K_DUPLICATE_SCHEMA, stmt->pos, "schema \"%s\" already exists", cs->name);
            }
        } else {
            for (uint32_t i = 0; i < e->nworkers + 1 && rc == K_OK; i++)
                rc = node_schema_create(e, i, cs->name, err);
        }
        snprintf(c->tag, sizeof c->tag, "CREATE SCHEMA");
        break;
    }
    case PR_T_Drop: {
        const PrDrop *d = PR_CAST(Drop, stmt);
        if (d->kind != PR_OBJ_TABLE) {
            rc = k_error_at(err, K_FEATURE_NOT_SUPPORTED, stmt->pos, "only DROP TABLE is supported yet");
            break;
        }
        for (int32_t i = 0; i < pr_list_len(d->names) && rc == K_OK; i++) {
            const PrRangeVar *rv = PR_CAST(RangeVar, d->names->items[i]);
            uint32_t tid;
            KErr e2;
            if (st_table_lookup(e->coord, rv->schema, rv->name, &tid, &e2) != K_OK) {
                if (d->if_exists) net__notice(s, "table \"%s\" does not exist, skipping", rv->name);
                else rc = k_error_at(err, K_UNDEFINED_TABLE, rv->hdr.pos, "table \"%s\" does not exist", rv->name);
                continue;
            }
            rc = for_each_table_node(e, rv, node_drop, true, err);
        }
        snprintf(c->tag, sizeof c->tag, "DROP TABLE");
        break;
    }
    case PR_T_Truncate: {
        const PrTruncate *t = PR_CAST(Truncate, stmt);
        for (int32_t i = 0; i < pr_list_len(t->tables) && rc == K_OK; i++)
            rc = for_each_table_node(e, PR_CAST(RangeVar, t->tables->items[i]), node_truncate,
                                     false, err);
        snprintf(c->tag, sizeof c->tag, "TRUNCATE TABLE");
        break;
    }
    case PR_T_Analyze: {
        const PrAnalyze *an = PR_CAST(Analyze, stmt);
        if (an->tables) {
            for (int32_t i = 0; i < pr_list_len(an->tables) && rc == K_OK; i++)
                rc = for_each_table_node(e, PR_CAST(RangeVar, an->tables->items[i]), node_analyze,
                                         false, err);
        } else {
            for (uint32_t i = 1; i < e->nworkers + 1 && rc == K_OK; i++) {
                uint32_t *ids, n;
                rc = st_table_list(remote(e, i) ? e->coord : node(e, i), c->arena, &ids, &n, err);
                for (uint32_t k = 0; k < n && rc == K_OK; k++) rc = node_analyze(e, i, ids[k], err);
            }
        }
        snprintf(c->tag, sizeof c->tag, "ANALYZE");
        break;
    }
    case PR_T_CreateIndex:
        net__notice(s, "Kestrel does not use indexes (scans skip data with zone maps); CREATE INDEX has no effect");
        snprintf(c->tag, sizeof c->tag, "CREATE INDEX");
        break;
    case PR_T_AlterTable: rc = alter_table(s, PR_CAST(AlterTable, stmt), c, err); break;
    default: rc = k_error_at(err, K_FEATURE_NOT_SUPPORTED, stmt->pos, "statement not supported"); break;
    }
    net__stats_invalidate(e); /* even a failed DDL may have changed some node */
    pthread_mutex_unlock(&e->ddl_lock);
    return rc;
}
