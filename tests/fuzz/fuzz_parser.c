/*
 * fuzz_parser.c — libFuzzer target for the lexer and parser.
 *
 * Each input is parsed as a statement list and as a lone expression.
 * Besides crashes, leaks and hangs (ASan/libFuzzer), it checks the
 * printer's contract on everything that parses: print → parse must
 * succeed, give one statement, and printing that again must give the same
 * text; and on errors, that the position lies inside the input, that no
 * internal error occurs, and that a depth limit (54001) never trips on an
 * input too short to nest that deep. A failed check aborts, which
 * libFuzzer reports as a crash.
 *
 * Build (clang only): cmake -DKESTREL_FUZZ=ON -DCMAKE_C_COMPILER=clang ...
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/kestrel.h"
#include "parser/parser.h"

static void
check_roundtrip(KArena *a, const PrNode *stmt)
{
    KErr err;
    char *t1, *t2;
    PrStmtList *l2;
    if (pr_print_stmt(a, stmt, &t1, &err) != K_OK) return; /* out of memory only */
    if (pr_parse(a, t1, strlen(t1), &l2, &err) != K_OK) {
        if (err.code == K_STATEMENT_TOO_COMPLEX || err.code == K_OUT_OF_MEMORY) return;
        fprintf(stderr, "reparse failed: %s at %d\nprinted: %s\n", err.message, (int)err.pos, t1);
        abort();
    }
    if (l2->n != 1) {
        fprintf(stderr, "reparse gave %d statements\nprinted: %s\n", (int)l2->n, t1);
        abort();
    }
    if (pr_print_stmt(a, l2->items[0].stmt, &t2, &err) != K_OK) return;
    if (strcmp(t1, t2) != 0) {
        fprintf(stderr, "print not stable\n1: %s\n2: %s\n", t1, t2);
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    KArena *a = k_arena_create(NULL, "fuzz");
    if (!a) return 0;
    k_arena_set_limit(a, 256u << 20);
    KErr err;
    PrStmtList *l;
    if (pr_parse(a, (const char *)data, size, &l, &err) == K_OK) {
        for (int32_t i = 0; i < l->n; i++) {
            const PrRawStmt *r = &l->items[i];
            if (r->start < 0 || r->end < r->start || (size_t)r->end > size) abort();
            check_roundtrip(a, r->stmt);
        }
    } else if (err.pos < -1 || (err.pos >= 0 && (size_t)err.pos > size)) {
        fprintf(stderr, "error position %d outside the input (%zu bytes)\n", (int)err.pos, size);
        abort();
    } else if (err.code == K_INTERNAL_ERROR) {
        fprintf(stderr, "internal error: %s\n", err.message);
        abort();
    } else if (err.code == K_STATEMENT_TOO_COMPLEX && size < PR_MAX_NESTING) {
        /* every limit needs more input than this to trip: a short input that
         * does is a lexer or grammar loop (a zero-length token did once) */
        fprintf(stderr, "depth limit on a %zu-byte input: %s at %d\n", size, err.message, (int)err.pos);
        abort();
    }
    PrNode *e;
    if (pr_parse_expr(a, (const char *)data, size, &e, &err) == K_OK) {
        char *t;
        if (pr_print(a, e, &t, NULL, &err) != K_OK) {
            k_arena_destroy(a);
            return 0;
        }
    }
    k_arena_destroy(a);
    return 0;
}
