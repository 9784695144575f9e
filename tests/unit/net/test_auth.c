/*
 * test_auth.c — unit tests for net/auth.c and net/auth_scram.c: base64,
 * PostgreSQL's md5 password scheme, the users file, and the server side of
 * SCRAM-SHA-256 against the RFC 7677 section 3 test vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "net/pgwire_int.h"

static void
test_base64(void **state)
{
    (void)state;
    char out[64];
    uint8_t back[64];
    assert_int_equal(net__base64_encode((const uint8_t *)"foobar", 6, out, sizeof out), 8);
    assert_string_equal(out, "Zm9vYmFy");
    assert_int_equal(net__base64_encode((const uint8_t *)"fo", 2, out, sizeof out), 4);
    assert_string_equal(out, "Zm8=");
    assert_int_equal(net__base64_decode("Zm8=", 4, back, sizeof back), 2);
    assert_memory_equal(back, "fo", 2);
    assert_int_equal(net__base64_decode("Zm9vYg==", 8, back, sizeof back), 4);
    /* malformed: bad length, bad char, padding in the middle, too small */
    assert_int_equal(net__base64_decode("Zm9", 3, back, sizeof back), -1);
    assert_int_equal(net__base64_decode("Zm!=", 4, back, sizeof back), -1);
    assert_int_equal(net__base64_decode("Z=9v", 4, back, sizeof back), -1);
    assert_int_equal(net__base64_decode("Zm8=Zm8=", 8, back, sizeof back), -1);
    assert_int_equal(net__base64_decode("Zm9vYmFy", 8, back, 3), -1);
    assert_int_equal(net__base64_encode((const uint8_t *)"foobar", 6, out, 8), -1);
}

static void
test_md5(void **state)
{
    (void)state;
    char h[33];
    net__md5_hex("", 0, h);
    assert_string_equal(h, "d41d8cd98f00b204e9800998ecf8427e");
    char stored[36];
    net__md5_stored("postgres", "postgres", stored);
    /* md5("postgres" || "postgres"), PostgreSQL's rolpassword form */
    assert_string_equal(stored, "md53175bce1d3201d16594cebf9d7eb3f9d");
    /* the client's answer: "md5" + md5(md5hex(pw||user) || salt) */
    uint8_t salt[4] = {1, 2, 3, 4};
    uint8_t tmp[36];
    memcpy(tmp, stored + 3, 32);
    memcpy(tmp + 32, salt, 4);
    char resp[36] = "md5";
    net__md5_hex(tmp, 36, resp + 3);
    assert_true(net__md5_check(stored, salt, resp));
    resp[10] ^= 1;
    assert_false(net__md5_check(stored, salt, resp));
    assert_false(net__md5_check(stored, salt, "md5"));
    assert_false(net__md5_check("plain", salt, resp));
}

static void
test_users_file(void **state)
{
    (void)state;
    KErr err;
    NetPgUsers u;
    const char *text = "# comment\n"
                       "alice  scram-sha-256  secret\n"
                       "bob md5 md53175bce1d3201d16594cebf9d7eb3f9d   # trailing comment\n"
                       "\n"
                       "carol password pw\n"
                       "dave reject\n"
                       "*  trust\n";
    assert_int_equal(net__users_parse(text, strlen(text), "users", &u, &err), K_OK);
    assert_int_equal(u.n, 5);
    const NetPgUser *a = net__users_lookup(&u, "alice");
    assert_non_null(a);
    assert_int_equal(a->method, NET_AUTH_SCRAM);
    assert_int_equal(a->kind, NET_SECRET_PLAIN);
    const NetPgUser *b = net__users_lookup(&u, "bob");
    assert_int_equal(b->kind, NET_SECRET_MD5);
    assert_int_equal(net__users_lookup(&u, "dave")->method, NET_AUTH_REJECT);
    assert_string_equal(net__users_lookup(&u, "zed")->name, "*");
    net__users_free(&u);

    const char *bad1 = "alice frobnicate x\n";
    assert_int_equal(net__users_parse(bad1, strlen(bad1), "users", &u, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "F0000");
    assert_non_null(strstr(err.message, "line 1"));
    const char *bad2 = "ok trust\nalice md5\n";
    assert_int_equal(net__users_parse(bad2, strlen(bad2), "users", &u, &err), K_ERR);
    assert_non_null(strstr(err.message, "line 2"));
    const char *bad3 = "alice scram-sha-256 SCRAM-SHA-256$x:y$z:w\n";
    assert_int_equal(net__users_parse(bad3, strlen(bad3), "users", &u, &err), K_ERR);
    const char *bad4 = "alice password a b\n";
    assert_int_equal(net__users_parse(bad4, strlen(bad4), "users", &u, &err), K_ERR);
}

/* RFC 7677, section 3. */
#define RFC_CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE       "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SERVER_FIRST \
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_CLIENT_FINAL                                                             \
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+" \
    "Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void
rfc_state(NetScram *st)
{
    KErr err;
    memset(st, 0, sizeof *st);
    uint8_t salt[32];
    int sl = net__base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof salt);
    assert_int_equal(sl, 16);
    assert_int_equal(net__scram_make_verifier("pencil", salt, (size_t)sl, 4096, &st->v, &err),
                     K_OK);
}

static void
test_scram_rfc7677(void **state)
{
    (void)state;
    NetScram st;
    KErr err;
    rfc_state(&st);
    char out[700];
    assert_int_equal(net__scram_first(&st, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SNONCE,
                                      out, sizeof out, &err),
                     K_OK);
    assert_string_equal(out, RFC_SERVER_FIRST);
    assert_int_equal(
        net__scram_final(&st, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out, sizeof out, &err),
        K_OK);
    assert_string_equal(out, RFC_SERVER_FINAL);

    /* the verifier round-trips through PostgreSQL's text form */
    char text[256];
    net__scram_format_verifier(&st.v, text, sizeof text);
    NetScramVerifier v2;
    assert_int_equal(net__scram_parse_verifier(text, &v2), K_OK);
    assert_memory_equal(v2.stored_key, st.v.stored_key, 32);
    assert_memory_equal(v2.server_key, st.v.server_key, 32);
    assert_int_equal(v2.iterations, 4096);
}

static void
test_scram_rejects(void **state)
{
    (void)state;
    NetScram st;
    KErr err;
    char out[700];
    /* a wrong proof */
    rfc_state(&st);
    assert_int_equal(net__scram_first(&st, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SNONCE,
                                      out, sizeof out, &err),
                     K_OK);
    char bad[256];
    snprintf(bad, sizeof bad, "%s", RFC_CLIENT_FINAL);
    bad[strlen(bad) - 5] = (bad[strlen(bad) - 5] == 'A') ? 'B' : 'A';
    assert_int_equal(net__scram_final(&st, bad, strlen(bad), out, sizeof out, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "28P01");
    /* a nonce that does not match */
    rfc_state(&st);
    assert_int_equal(net__scram_first(&st, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), "other", out,
                                      sizeof out, &err),
                     K_OK);
    assert_int_equal(
        net__scram_final(&st, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out, sizeof out, &err),
        K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "08P01");
    /* channel binding requested, garbage, empty */
    rfc_state(&st);
    const char *p = "p=tls-server-end-point,,n=user,r=abc";
    assert_int_equal(net__scram_first(&st, p, strlen(p), NULL, out, sizeof out, &err), K_ERR);
    assert_int_equal(net__scram_first(&st, "xyz", 3, NULL, out, sizeof out, &err), K_ERR);
    assert_int_equal(net__scram_first(&st, "", 0, NULL, out, sizeof out, &err), K_ERR);
    assert_int_equal(net__scram_first(&st, "n,,n=user", 9, NULL, out, sizeof out, &err), K_ERR);
    /* a mock exchange (unknown user) always fails at the end */
    rfc_state(&st);
    st.mock = true;
    assert_int_equal(net__scram_first(&st, RFC_CLIENT_FIRST, strlen(RFC_CLIENT_FIRST), RFC_SNONCE,
                                      out, sizeof out, &err),
                     K_OK);
    assert_int_equal(
        net__scram_final(&st, RFC_CLIENT_FINAL, strlen(RFC_CLIENT_FINAL), out, sizeof out, &err),
        K_ERR);
    /* the 'y' flag binds "eSws" */
    rfc_state(&st);
    const char *y = "y,,n=user,r=abc";
    assert_int_equal(net__scram_first(&st, y, strlen(y), "def", out, sizeof out, &err), K_OK);
    const char *fin = "c=biws,r=abcdef,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    assert_int_equal(net__scram_final(&st, fin, strlen(fin), out, sizeof out, &err), K_ERR);
    assert_string_equal(k_sqlstate_code(err.code), "08P01");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),        cmocka_unit_test(test_md5),
        cmocka_unit_test(test_users_file),    cmocka_unit_test(test_scram_rfc7677),
        cmocka_unit_test(test_scram_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
