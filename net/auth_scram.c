/*
 * auth_scram.c — SCRAM-SHA-256 (RFC 5802, RFC 7677) on the server side.
 *
 * Interface routines: net__scram_make_verifier, net__scram_parse_verifier,
 * net__scram_format_verifier, net__scram_first, net__scram_final.
 *
 * Exchange (PostgreSQL's SASL framing is done by the caller):
 *   client-first  "n,,n=user,r=<cnonce>"          (gs2 flag n or y; p refused)
 *   server-first  "r=<cnonce><snonce>,s=<salt>,i=<iter>"
 *   client-final  "c=<b64 gs2 header>,r=<nonce>,p=<proof>"
 *   server-final  "v=<b64 ServerSignature>"
 * The proof is checked as RFC 5802 says: ClientKey = proof XOR
 * HMAC(StoredKey, AuthMessage) and SHA-256(ClientKey) must equal StoredKey.
 * As PostgreSQL, the user name inside the message is ignored (the startup
 * packet's counts), and unknown users get a mock exchange that fails at the
 * end, so a client cannot tell which users exist.
 */
#include "net/pgwire_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>

static bool
hmac256(const uint8_t *key, size_t kl, const void *msg, size_t ml, uint8_t out[32])
{
    unsigned int ol = 0;
    return HMAC(EVP_sha256(), key, (int)kl, msg, ml, out, &ol) && ol == 32;
}

int
net__scram_make_verifier(const char *password, const uint8_t *salt, size_t salt_len, int iterations,
                         NetScramVerifier *v, KErr *err)
{
    if (salt_len > sizeof v->salt || iterations < 1)
        return k_error(err, K_INVALID_PARAMETER_VALUE, "invalid SCRAM parameters");
    uint8_t salted[32], client_key[32];
    if (!PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations,
                           EVP_sha256(), 32, salted))
        return k_error(err, K_INTERNAL_ERROR, "could not compute SCRAM salted password");
    if (!hmac256(salted, 32, "Client Key", 10, client_key) ||
        !hmac256(salted, 32, "Server Key", 10, v->server_key))
        return k_error(err, K_INTERNAL_ERROR, "could not compute SCRAM keys");
    SHA256(client_key, 32, v->stored_key);
    memcpy(v->salt, salt, salt_len);
    v->salt_len = salt_len;
    v->iterations = iterations;
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    return K_OK;
}

int
net__scram_parse_verifier(const char *s, NetScramVerifier *v)
{
    /* SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey> */
    memset(v, 0, sizeof *v);
    if (strncmp(s, "SCRAM-SHA-256$", 14) != 0) return K_ERR;
    s += 14;
    char *end = NULL;
    long iter = strtol(s, &end, 10);
    if (end == s || *end != ':' || iter < 1 || iter > 10000000) return K_ERR;
    s = end + 1;
    const char *dollar = strchr(s, '$');
    if (!dollar) return K_ERR;
    int sl = net__base64_decode(s, (size_t)(dollar - s), v->salt, sizeof v->salt);
    if (sl <= 0) return K_ERR;
    s = dollar + 1;
    const char *colon = strchr(s, ':');
    if (!colon) return K_ERR;
    if (net__base64_decode(s, (size_t)(colon - s), v->stored_key, 32) != 32) return K_ERR;
    s = colon + 1;
    if (net__base64_decode(s, strlen(s), v->server_key, 32) != 32) return K_ERR;
    v->salt_len = (size_t)sl;
    v->iterations = (int)iter;
    return K_OK;
}

void
net__scram_format_verifier(const NetScramVerifier *v, char *out, size_t cap)
{
    char salt[96], sk[64], vk[64];
    net__base64_encode(v->salt, v->salt_len, salt, sizeof salt);
    net__base64_encode(v->stored_key, 32, sk, sizeof sk);
    net__base64_encode(v->server_key, 32, vk, sizeof vk);
    snprintf(out, cap, "SCRAM-SHA-256$%d:%s$%s:%s", v->iterations, salt, sk, vk);
}

static int
scram_bad(KErr *err, const char *detail)
{
    k_error(err, K_PROTOCOL_VIOLATION, "malformed SCRAM message");
    k_err_detail(err, "%s", detail);
    return K_ERR;
}

/* Printable ASCII except ',' (RFC 5802 "printable"). */
static bool
valid_nonce(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e || s[i] == ',') return false;
    return true;
}

int
net__scram_first(NetScram *st, const char *msg, size_t len, const char *server_nonce, char *out,
                 size_t cap, KErr *err)
{
    if (len == 0 || len >= sizeof st->client_first_bare || memchr(msg, 0, len))
        return scram_bad(err, "the client-first-message is empty or too long");
    /* gs2-header: cbind-flag "," [authzid] "," */
    if (msg[0] == 'p') return scram_bad(err, "channel binding is not supported by this server");
    if ((msg[0] != 'n' && msg[0] != 'y') || len < 3 || msg[1] != ',')
        return scram_bad(err, "unexpected channel-binding flag");
    const char *c2 = memchr(msg + 2, ',', len - 2);
    if (!c2) return scram_bad(err, "missing end of the gs2 header");
    if (c2 != msg + 2) return scram_bad(err, "authorization identities are not supported");
    size_t gs2_len = (size_t)(c2 + 1 - msg);
    memcpy(st->gs2_header, msg, gs2_len);
    st->gs2_header[gs2_len] = '\0';
    const char *bare = c2 + 1;
    size_t bare_len = len - gs2_len;
    memcpy(st->client_first_bare, bare, bare_len);
    st->client_first_bare[bare_len] = '\0';
    /* n=user,r=nonce[,ext] */
    const char *p = st->client_first_bare;
    if (strncmp(p, "n=", 2) != 0) return scram_bad(err, "expected the user name attribute");
    const char *comma = strchr(p, ',');
    if (!comma || strncmp(comma + 1, "r=", 2) != 0)
        return scram_bad(err, "expected the nonce attribute");
    const char *cn = comma + 3;
    const char *cn_end = strchr(cn, ',');
    size_t cn_len = cn_end ? (size_t)(cn_end - cn) : strlen(cn);
    if (!valid_nonce(cn, cn_len)) return scram_bad(err, "invalid client nonce");
    char snonce[64];
    if (server_nonce) {
        snprintf(snonce, sizeof snonce, "%s", server_nonce);
    } else {
        uint8_t raw[18];
        if (RAND_bytes(raw, sizeof raw) != 1)
            return k_error(err, K_INTERNAL_ERROR, "could not generate a SCRAM nonce");
        net__base64_encode(raw, sizeof raw, snonce, sizeof snonce);
    }
    if (cn_len + strlen(snonce) + 1 > sizeof st->nonce)
        return scram_bad(err, "client nonce too long");
    memcpy(st->nonce, cn, cn_len);
    strcpy(st->nonce + cn_len, snonce);
    if (st->mock) {
        /* a stable fake salt per server run, so probing reveals nothing */
        uint8_t salt[16];
        if (RAND_bytes(salt, sizeof salt) != 1)
            return k_error(err, K_INTERNAL_ERROR, "could not generate a SCRAM salt");
        memcpy(st->v.salt, salt, sizeof salt);
        st->v.salt_len = sizeof salt;
        st->v.iterations = 4096;
    }
    char salt64[96];
    net__base64_encode(st->v.salt, st->v.salt_len, salt64, sizeof salt64);
    int n = snprintf(st->server_first, sizeof st->server_first, "r=%s,s=%s,i=%d", st->nonce, salt64,
                     st->v.iterations);
    if (n < 0 || (size_t)n >= sizeof st->server_first || (size_t)n >= cap)
        return scram_bad(err, "server-first-message too long");
    memcpy(out, st->server_first, (size_t)n + 1);
    return K_OK;
}

int
net__scram_final(NetScram *st, const char *msg, size_t len, char *out, size_t cap, KErr *err)
{
    if (len == 0 || len > 2048 || memchr(msg, 0, len))
        return scram_bad(err, "the client-final-message is empty or too long");
    char buf[2049];
    memcpy(buf, msg, len);
    buf[len] = '\0';
    /* c=<cbind>,r=<nonce>[,ext],p=<proof> */
    if (strncmp(buf, "c=", 2) != 0) return scram_bad(err, "expected the channel binding attribute");
    char *comma = strchr(buf, ',');
    if (!comma) return scram_bad(err, "truncated client-final-message");
    char expect_c[128];
    net__base64_encode((const uint8_t *)st->gs2_header, strlen(st->gs2_header), expect_c,
                       sizeof expect_c);
    if ((size_t)(comma - (buf + 2)) != strlen(expect_c) ||
        strncmp(buf + 2, expect_c, strlen(expect_c)) != 0)
        return scram_bad(err, "unexpected channel binding data");
    char *r = comma + 1;
    if (strncmp(r, "r=", 2) != 0) return scram_bad(err, "expected the nonce attribute");
    char *r_end = strchr(r, ',');
    if (!r_end) return scram_bad(err, "missing the proof");
    if ((size_t)(r_end - (r + 2)) != strlen(st->nonce) ||
        strncmp(r + 2, st->nonce, strlen(st->nonce)) != 0)
        return scram_bad(err, "nonce does not match");
    char *proof = strstr(r_end, ",p=");
    if (!proof) return scram_bad(err, "missing the proof");
    size_t without_proof_len = (size_t)(proof - buf);
    uint8_t client_proof[64];
    if (net__base64_decode(proof + 3, strlen(proof + 3), client_proof, sizeof client_proof) != 32)
        return scram_bad(err, "malformed proof");
    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    KBuf am;
    k_buf_init(&am);
    k_buf_put(&am, st->client_first_bare, strlen(st->client_first_bare));
    k_buf_put_u8(&am, ',');
    k_buf_put(&am, st->server_first, strlen(st->server_first));
    k_buf_put_u8(&am, ',');
    k_buf_put(&am, buf, without_proof_len);
    if (am.failed) {
        k_buf_free(&am);
        return k_error(err, K_OUT_OF_MEMORY, "out of memory");
    }
    uint8_t client_sig[32], client_key[32], check[32], server_sig[32];
    bool ok = hmac256(st->v.stored_key, 32, am.data, am.len, client_sig) &&
              hmac256(st->v.server_key, 32, am.data, am.len, server_sig);
    k_buf_free(&am);
    if (!ok) return k_error(err, K_INTERNAL_ERROR, "could not compute SCRAM signatures");
    for (int i = 0; i < 32; i++) client_key[i] = client_proof[i] ^ client_sig[i];
    SHA256(client_key, 32, check);
    if (st->mock || CRYPTO_memcmp(check, st->v.stored_key, 32) != 0)
        return k_error(err, K_INVALID_PASSWORD, "password authentication failed");
    char sig64[64];
    net__base64_encode(server_sig, 32, sig64, sizeof sig64);
    int n = snprintf(out, cap, "v=%s", sig64);
    if (n < 0 || (size_t)n >= cap) return k_error(err, K_INTERNAL_ERROR, "buffer too small");
    return K_OK;
}
