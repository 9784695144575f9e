/*
 * array.c — array functions over PostgreSQL's text form of arrays, and the
 * run-time row check of scalar subqueries.
 *
 * Interface routine (exec_int.h): ex__array_func.
 *
 * Kestrel's arrays are one-dimensional and live in string vectors as
 * PostgreSQL writes them ('{1,2}', '{a,"b c",NULL}'); see exec/README.md.
 * SINGLE_ROW_CHECK is the check a scalar subquery that the planner could not
 * prove single-row gets (planner/unnest.c): its input is the number of rows
 * the subquery gave for the outer row, more than one is 21000.
 */
#include "exec/exec_int.h"

int
ex__array_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n, KArena *heap, KErr *err)
{
    (void)heap;
    const ExExpr *e = ev->e;
    KVector *R = &ev->out;
    switch ((ExFunc)e->u.func.fn) {
    case EX_FN_SINGLE_ROW_CHECK: {
        uint8_t *r = R->data;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t i = sel ? sel[j] : j;
            if (!k_vec_is_valid(R, i)) continue;
            if (*(const int64_t *)k_vec_slot(a[0], i) > 1)
                return k_error_at(err, K_CARDINALITY_VIOLATION, e->pos,
                                  "more than one row returned by a subquery used as an expression");
            r[i] = 1;
        }
        return K_OK;
    }
    default:
        return k_error_at(err, K_UNDEFINED_FUNCTION, e->pos, "function %s does not exist",
                          ex_func_name((ExFunc)e->u.func.fn));
    }
}
