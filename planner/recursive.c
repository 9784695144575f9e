/*
 * recursive.c — binding WITH RECURSIVE.
 *
 * Interface routines (planner_int.h): pl__bind_recursive_cte,
 * pl__bind_worktable, pl__has_worktable.
 *
 * A CTE declared under WITH RECURSIVE that refers to itself must have
 * PostgreSQL's form `non-recursive term UNION [ALL] recursive term`, the
 * reference appearing once, in the recursive term only (42P19 otherwise).
 * The anchor is bound first; its column types are the work table's; the
 * recursive term is bound with the CTE's name reading the work table
 * (PL_WORKTABLE), and must use it as PostgreSQL allows (not under an
 * aggregate, an outer join's nullable side, a subquery, INTERSECT/EXCEPT). A decimal column whose recursive term has a larger scale
 * widens the work table and the term is bound again (PostgreSQL's numeric
 * has no fixed scale); other type differences are 42804 as in PostgreSQL.
 * The result is a PL_RECURSIVE node over the two terms (each projected onto
 * the work table's types), lowered to exec's EX_OP_RECURSIVE, which
 * iterates to the fixpoint on one instance (lower.c gathers the recursive
 * term's other inputs there). A CTE under WITH RECURSIVE that does not refer
 * to itself is an ordinary CTE.
 */
#include "planner/planner_int.h"

#define PL_RECURSIVE_MAX_ITERATIONS 10000

bool
pl__has_worktable(const PlRel *r)
{
    if (!r) return false;
    if (r->kind == PL_WORKTABLE) return true;
    return pl__has_worktable(r->left) || pl__has_worktable(r->right);
}

int
pl__bind_worktable(PlCtx *c, uint32_t i, int32_t pos, PlBound *out)
{
    PlCte *cte = &c->ctes[i];
    if (cte->rec_state == 1)
        return k_error_at(c->err, K_INVALID_RECURSION, pos,
                          "recursive reference to query \"%s\" must not appear within its non-recursive term",
                          cte->name);
    if (cte->rec_state == 3)
        return k_error_at(c->err, K_INVALID_RECURSION, pos,
                          "recursive query \"%s\" does not have the form non-recursive-term UNION [ALL] "
                          "recursive-term",
                          cte->name);
    if (cte->wt_refs++ > 0)
        return k_error_at(c->err, K_INVALID_RECURSION, pos,
                          "recursive reference to query \"%s\" must not appear more than once", cte->name);
    PlRel *w = pl__rel_new(c, PL_WORKTABLE, cte->wt_n);
    if (!w) return K_ERR;
    w->wt_id = cte->wt_id;
    w->rows = 100;
    for (uint32_t j = 0; j < cte->wt_n; j++)
        if ((w->cols[j] = pl__new_col(c, cte->wt_types[j], cte->wt_names[j])) < 0) return K_ERR;
    out->rel = w;
    out->nout = cte->wt_n;
    out->out_cols = w->cols;
    out->names = cte->wt_names;
    return K_OK;
}

/* Where the recursive term uses the work table in a way PostgreSQL refuses
 * (checkWellFormedRecursion): under an aggregate, on the nullable side of an
 * outer join, inside a subquery (a semi/anti/mark join's inner side), under
 * INTERSECT or EXCEPT. NULL when it is well formed. */
static const char *
ill_formed(const PlRel *r)
{
    if (!r || !pl__has_worktable(r)) return NULL;
    switch ((PlRelKind)r->kind) {
    case PL_AGG: return "aggregate";
    case PL_JOIN:
        if (r->jtype == EX_JOIN_FULL) return "an outer join";
        if (pl__has_worktable(r->right)) {
            if (r->jtype == EX_JOIN_LEFT) return "an outer join";
            if (r->jtype != EX_JOIN_INNER) return "a subquery";
        }
        break;
    case PL_SETOP:
        if (r->setop == EX_SETOP_INTERSECT) return "INTERSECT";
        if (r->setop == EX_SETOP_EXCEPT) return "EXCEPT";
        break;
    default: break;
    }
    const char *w = ill_formed(r->left);
    return w ? w : ill_formed(r->right);
}

/* A projection of b's outputs onto `types` (casts where they differ). */
static PlRel *
project_to(PlCtx *c, const PlBound *b, const KType *types, const char **names, int32_t pos)
{
    PlRel *p = pl__rel_new(c, PL_PROJECT, b->nout);
    if (!p || !(p->exprs = pl__alloc(c, sizeof(ExExpr *) * (b->nout + 1)))) return NULL;
    p->left = b->rel;
    for (uint32_t j = 0; j < b->nout; j++) {
        ExExpr *e = pl__col_ref(c, b->out_cols[j]);
        if (!e || !(e = pl__coerce(c, e, types[j], pos))) return NULL;
        p->exprs[j] = e;
        if ((p->cols[j] = pl__new_col(c, types[j], names[j])) < 0) return NULL;
    }
    return p;
}

static bool
same_kind(KType a, KType b)
{
    if (k_type_is_string(a) && k_type_is_string(b)) return true;
    return a.id == b.id;
}

int
pl__bind_recursive_cte(PlCtx *c, uint32_t i, int32_t pos, PlBound *out, bool *handled)
{
    PlCte *cte = &c->ctes[i];
    const PrSelect *q = PR_CAST(Select, cte->def->query);
    *handled = false;
    uint32_t save = c->nctes;
    if (q->kind != PR_SELECT_SETOP || q->op != PR_SETOP_UNION) {
        /* not of the recursive form: an ordinary CTE, but a self-reference is 42P19 */
        c->nctes = i + 1;
        cte->rec_state = 3;
        int rc = pl__bind_query(c, q, NULL, out);
        cte->rec_state = 0;
        c->nctes = save;
        *handled = rc == K_OK;
        return rc;
    }
    c->nctes = i + 1;
    cte->rec_state = 1;
    PlBound a;
    int rc = pl__bind_query(c, q->larg, NULL, &a);
    cte->rec_state = 0;
    c->nctes = save;
    if (rc != K_OK) return K_ERR;

    uint32_t n = a.nout;
    KType *types = pl__alloc(c, sizeof(KType) * (n + 1));
    const char **names = pl__alloc(c, sizeof(char *) * (n + 1));
    if (!types || !names) return K_ERR;
    uint32_t k = (uint32_t)pr_list_len(cte->def->colnames);
    if (k > n)
        return k_error_at(c->err, K_INVALID_COLUMN_REFERENCE, cte->def->hdr.pos,
                          "WITH query \"%s\" has %u columns available but %u columns specified", cte->name,
                          n, k);
    for (uint32_t j = 0; j < n; j++) {
        names[j] = j < k ? PR_CAST(Ident, cte->def->colnames->items[j])->name : a.names[j];
        types[j] = c->cols[a.out_cols[j]].type;
        if (types[j].id == K_TYPE_UNKNOWN) types[j] = k_type_varchar(0);
        if (types[j].id == K_TYPE_DECIMAL) types[j] = k_type_decimal(38, types[j].scale);
    }

    /* the recursive term, against the work table; again while a decimal widens */
    PlBound r;
    for (int round = 0;; round++) {
        c->nctes = i + 1;
        cte->rec_state = 2;
        cte->wt_id = (int32_t)c->next_wt++;
        cte->wt_n = n;
        cte->wt_types = types;
        cte->wt_names = names;
        cte->wt_refs = 0;
        rc = pl__bind_query(c, q->rarg, NULL, &r);
        cte->rec_state = 0;
        c->nctes = save;
        if (rc != K_OK) return K_ERR;
        if (cte->wt_refs == 0) {
            /* no self-reference: an ordinary CTE */
            c->nctes = i;
            rc = pl__bind_query(c, q, NULL, out);
            c->nctes = save;
            *handled = rc == K_OK;
            return rc;
        }
        if (r.nout != n)
            return k_error_at(c->err, K_SYNTAX_ERROR, q->hdr.pos,
                              "each UNION query must have the same number of columns");
        bool widened = false;
        for (uint32_t j = 0; j < n; j++) {
            KType t = c->cols[r.out_cols[j]].type;
            if (t.id == K_TYPE_DECIMAL && types[j].id == K_TYPE_DECIMAL && t.scale > types[j].scale) {
                types[j] = k_type_decimal(38, t.scale);
                widened = true;
            }
        }
        if (!widened || round >= 3) break;
    }
    const char *bad = ill_formed(r.rel);
    if (bad && strcmp(bad, "aggregate") == 0)
        return k_error_at(c->err, K_INVALID_RECURSION, pos,
                          "aggregate functions are not allowed in a recursive query's recursive term");
    if (bad)
        return k_error_at(c->err, K_INVALID_RECURSION, pos,
                          "recursive reference to query \"%s\" must not appear within %s", cte->name, bad);
    if (q->order_by || q->limit || q->offset)
        return k_error_at(c->err, K_FEATURE_NOT_SUPPORTED, q->hdr.pos,
                          "ORDER BY, LIMIT and OFFSET in a recursive query are not implemented");
    for (uint32_t j = 0; j < n; j++) {
        KType t = c->cols[r.out_cols[j]].type;
        if (t.id == K_TYPE_UNKNOWN || same_kind(t, types[j])) continue;
        char b1[64], b2[64];
        k_type_name(types[j], b1, sizeof b1);
        k_type_name(t, b2, sizeof b2);
        k_error_at(c->err, K_DATATYPE_MISMATCH, pos,
                   "recursive query \"%s\" column %u has type %s in non-recursive term but type %s overall",
                   cte->name, j + 1, b1, b2);
        k_err_hint(c->err, "Cast the output of the non-recursive term to the correct type.");
        return K_ERR;
    }
    PlRel *l = project_to(c, &a, types, names, pos);
    PlRel *rr = l ? project_to(c, &r, types, names, pos) : NULL;
    PlRel *rec = rr ? pl__rel_new(c, PL_RECURSIVE, n) : NULL;
    if (!rec) return K_ERR;
    rec->left = l;
    rec->right = rr;
    rec->all = q->all;
    rec->wt_id = cte->wt_id;
    rec->limit = PL_RECURSIVE_MAX_ITERATIONS;
    rec->rows = 1000;
    for (uint32_t j = 0; j < n; j++)
        if ((rec->cols[j] = pl__new_col(c, types[j], names[j])) < 0) return K_ERR;
    out->rel = rec;
    out->nout = n;
    out->out_cols = rec->cols;
    out->names = names;
    *handled = true;
    return K_OK;
}
