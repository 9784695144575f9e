/*
 * window.c — WINDOW operator.
 *
 * Interface routines: ex__produce_window.
 *
 * Not implemented yet: the operator reports 0A000 so that a plan using it
 * fails cleanly instead of returning wrong rows.
 */
#include "exec/exec_int.h"

int
ex__produce_window(ExExec *x, const ExPlan *p, ExConsumer *c, KErr *err)
{
    (void)x;
    (void)p;
    (void)c;
    return k_error(err, K_FEATURE_NOT_SUPPORTED, "window functions are not supported yet");
}
