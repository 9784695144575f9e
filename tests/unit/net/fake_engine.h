/*
 * fake_engine.h — a test double of the engine behind net/session.h, for the
 * wire-protocol tests only (never linked into kestreld).
 *
 * It understands a small fixed set of statements over one in-memory table
 * `t` (see fake_engine.c for the list) so that real PostgreSQL clients can
 * be driven against the protocol server before and independently of the
 * real coordinator.
 */
#ifndef FAKE_ENGINE_H
#define FAKE_ENGINE_H

#include "net/session.h"

K_MUSTCHECK int fake_engine_open(NetEngine **out, KErr *err);
void fake_engine_close(NetEngine *eng);
/* Sessions opened so far and still open (leak checks in tests). */
uint32_t fake_engine_sessions_open(NetEngine *eng);
/* Rows currently in table t. */
uint32_t fake_engine_rows(NetEngine *eng);

#endif /* FAKE_ENGINE_H */
