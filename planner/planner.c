/*
 * planner.c — the planner's public entry points.
 *
 * Interface routines (planner.h): pl_options_default, pl_join_dist_parse,
 * pl_plan_query, pl_describe, pl_explain.
 *
 * Each call builds a PlCtx in the caller's arena and runs the pipeline
 * bind → optimize → lower (see planner_int.h for the pieces). Nothing is
 * kept between calls.
 */
#include <stdlib.h>
#include <strings.h>

#include "planner/planner_int.h"

void
pl_options_default(PlOptions *o)
{
    memset(o, 0, sizeof *o);
    o->join_dist = PL_JOIN_DIST_AUTO;
    /* KESTREL_RUNTIME_FILTERS=off: plans without runtime filters, so that EXPLAIN ANALYZE's
     * actual rows are the plain join sizes (tests/planner/estimates.sh compares them with
     * the estimates, which do not model what a filter from a join above removes below) */
    const char *rf = getenv("KESTREL_RUNTIME_FILTERS");
    o->runtime_filters = !(rf && (strcasecmp(rf, "off") == 0 || strcmp(rf, "0") == 0));
    o->partial_agg = true;
    o->dp_max_rels = 12;
}

int
pl_join_dist_parse(const char *s, PlJoinDist *out, KErr *err)
{
    if (s && strcasecmp(s, "auto") == 0) *out = PL_JOIN_DIST_AUTO;
    else if (s && strcasecmp(s, "broadcast") == 0) *out = PL_JOIN_DIST_BROADCAST;
    else if (s && strcasecmp(s, "repartition") == 0) *out = PL_JOIN_DIST_REPARTITION;
    else {
        k_error(err, K_INVALID_PARAMETER_VALUE,
                "invalid value for parameter \"kestrel.join_distribution\": \"%s\"", s ? s : "");
        k_err_hint(err, "Available values: auto, broadcast, repartition.");
        return K_ERR;
    }
    return K_OK;
}

static int
ctx_init(PlCtx *c, KArena *a, const PlCatalog *cat, const KType *param_types, uint32_t nparams,
         const PlOptions *opts, KErr *err)
{
    memset(c, 0, sizeof *c);
    c->a = a;
    c->cat = cat;
    c->err = err;
    k_err_clear(err);
    if (opts) c->opts = *opts;
    else pl_options_default(&c->opts);
    if (c->opts.nworkers == 0) c->opts.nworkers = cat && cat->nworkers ? cat->nworkers : 1;
    if (nparams) {
        c->param_types = k_alloc0(a, sizeof(KType) * nparams);
        if (!c->param_types) return pl__oom(c);
        if (param_types) memcpy(c->param_types, param_types, sizeof(KType) * nparams);
        c->nparams = nparams;
    }
    return K_OK;
}

static const PrSelect *
as_select(const PrNode *stmt, KErr *err)
{
    if (PR_IS(Select, stmt)) return PR_CAST(Select, stmt);
    if (PR_IS(Explain, stmt)) return as_select(PR_CAST(Explain, stmt)->stmt, err);
    if (PR_IS(Insert, stmt) && PR_CAST(Insert, stmt)->source) return PR_CAST(Insert, stmt)->source;
    if (PR_IS(CreateTableAs, stmt)) return PR_CAST(CreateTableAs, stmt)->query;
    if (PR_IS(Copy, stmt) && PR_CAST(Copy, stmt)->query) return PR_CAST(Copy, stmt)->query;
    k_error_at(err, K_FEATURE_NOT_SUPPORTED, stmt ? stmt->pos : -1,
               "the planner only plans queries (%s given)", stmt ? pr_tag_name(stmt->tag) : "nothing");
    return NULL;
}

/* Unresolved parameters become text, as PostgreSQL's unknown. */
static void
finish_params(PlCtx *c)
{
    for (uint32_t i = 0; i < c->nparams; i++)
        if (c->param_types[i].id == K_TYPE_UNKNOWN) c->param_types[i] = k_type_varchar(0);
}

static int
plan(PlCtx *c, const PrNode *stmt, ExQueryPlan **out)
{
    const PrSelect *q = as_select(stmt, c->err);
    if (!q) return K_ERR;
    PlBound b;
    if (pl__bind_query(c, q, NULL, &b) != K_OK) return K_ERR;
    finish_params(c);
    if (pl__optimize(c, &b.rel) != K_OK) return K_ERR;
    return pl__lower(c, b.rel, b.nout, b.out_cols, b.names, out);
}

int
pl_plan_query(KArena *a, const PlCatalog *cat, const PrNode *stmt, const KType *param_types,
              uint32_t nparams, const PlOptions *opts, ExQueryPlan **out, KErr *err)
{
    PlCtx c;
    if (ctx_init(&c, a, cat, param_types, nparams, opts, err) != K_OK) return K_ERR;
    return plan(&c, stmt, out);
}

int
pl_describe(KArena *a, const PlCatalog *cat, const PrNode *stmt, const KType *param_types,
            uint32_t nparams, PlDescription **out, KErr *err)
{
    PlCtx c;
    if (ctx_init(&c, a, cat, param_types, nparams, NULL, err) != K_OK) return K_ERR;
    const PrSelect *q = as_select(stmt, err);
    if (!q) return K_ERR;
    PlBound b;
    if (pl__bind_query(&c, q, NULL, &b) != K_OK) return K_ERR;
    finish_params(&c);
    PlDescription *d = k_alloc0(a, sizeof *d);
    if (!d) return pl__oom(&c);
    d->nparams = c.nparams;
    d->param_types = c.param_types;
    d->ncols = b.nout;
    d->col_names = k_alloc0(a, sizeof(char *) * (b.nout + 1));
    d->col_types = k_alloc0(a, sizeof(KType) * (b.nout + 1));
    d->col_table_ids = k_alloc0(a, sizeof(uint32_t) * (b.nout + 1));
    d->col_attnums = k_alloc0(a, sizeof(int16_t) * (b.nout + 1));
    if (!d->col_names || !d->col_types || !d->col_table_ids || !d->col_attnums) return pl__oom(&c);
    for (uint32_t i = 0; i < b.nout; i++) {
        const PlCol *col = &c.cols[b.out_cols[i]];
        d->col_names[i] = b.names[i];
        d->col_types[i] = col->type;
        if (col->ordinal >= 0) {
            d->col_table_ids[i] = col->table_id;
            d->col_attnums[i] = (int16_t)(col->ordinal + 1);
        }
    }
    *out = d;
    return K_OK;
}

int
pl_explain(KArena *a, const PlCatalog *cat, const PrNode *stmt, const KType *param_types,
           uint32_t nparams, const PlOptions *opts, PlExplainFormat fmt, char **text,
           ExQueryPlan **plan_out, KErr *err)
{
    if (PR_IS(Explain, stmt)) {
        const PrExplain *ex = PR_CAST(Explain, stmt);
        for (int32_t i = 0; i < pr_list_len(ex->options); i++) {
            const PrDefElem *d = PR_CAST(DefElem, ex->options->items[i]);
            if (strcmp(d->name, "format") == 0 && PR_IS(Literal, d->value)) {
                const char *v = PR_CAST(Literal, d->value)->text;
                if (strcasecmp(v, "json") == 0) fmt = PL_EXPLAIN_JSON;
                else if (strcasecmp(v, "text") == 0) fmt = PL_EXPLAIN_TEXT;
                else
                    return k_error_at(err, K_INVALID_PARAMETER_VALUE, d->hdr.pos,
                                      "unrecognized value for EXPLAIN option \"format\": \"%s\"", v);
            }
        }
        stmt = ex->stmt;
    }
    PlCtx c;
    if (ctx_init(&c, a, cat, param_types, nparams, opts, err) != K_OK) return K_ERR;
    ExQueryPlan *q;
    if (plan(&c, stmt, &q) != K_OK) return K_ERR;
    KBuf b;
    k_buf_init(&b);
    if (fmt == PL_EXPLAIN_JSON) pl__explain_json(&c, q, &b);
    else pl__explain_text(&c, q, &b);
    if (b.failed) {
        k_buf_free(&b);
        return pl__oom(&c);
    }
    *text = k_strndup(a, b.data ? (const char *)b.data : "", b.len);
    k_buf_free(&b);
    if (!*text) return pl__oom(&c);
    if (plan_out) *plan_out = q;
    return K_OK;
}
