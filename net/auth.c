/*
 * auth.c — the users file, md5 password hashing and base64.
 *
 * Interface routines: net__users_load, net__users_parse, net__users_free,
 * net__users_lookup, net__md5_hex, net__md5_stored, net__md5_check,
 * net__base64_encode, net__base64_decode.
 *
 * The users file has one rule per line, `user method [secret]`, where
 * method is trust, reject, password, md5 or scram-sha-256 and the secret is
 * a cleartext password, PostgreSQL's "md5<hex>" form or a SCRAM-SHA-256
 * verifier as stored in pg_authid. `*` as user matches anyone without a line
 * of their own. Blank lines and '#' comments are ignored. A bad line is an
 * error naming the file and line (F0000).
 */
#include "net/pgwire_int.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* md5                                                                  */
/* ------------------------------------------------------------------ */
void
net__md5_hex(const void *data, size_t n, char out[33])
{
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (!EVP_Digest(data, n, d, &dl, EVP_md5(), NULL) || dl != 16) {
        memset(out, '0', 32);
        out[32] = '\0';
        return;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[32] = '\0';
}

void
net__md5_stored(const char *user, const char *password, char out[36])
{
    size_t pl = strlen(password), ul = strlen(user);
    char *tmp = malloc(pl + ul + 1);
    if (!tmp) {
        out[0] = '\0';
        return;
    }
    memcpy(tmp, password, pl);
    memcpy(tmp + pl, user, ul);
    memcpy(out, "md5", 3);
    net__md5_hex(tmp, pl + ul, out + 3);
    free(tmp);
}

bool
net__md5_check(const char *stored, const uint8_t salt[4], const char *response)
{
    if (strlen(stored) != 35 || strncmp(stored, "md5", 3) != 0) return false;
    uint8_t tmp[36];
    memcpy(tmp, stored + 3, 32);
    memcpy(tmp + 32, salt, 4);
    char expect[36];
    memcpy(expect, "md5", 3);
    net__md5_hex(tmp, 36, expect + 3);
    if (strlen(response) != 35) return false;
    /* constant-time compare */
    unsigned diff = 0;
    for (int i = 0; i < 35; i++) diff |= (unsigned)(expect[i] ^ response[i]);
    return diff == 0;
}

/* ------------------------------------------------------------------ */
/* base64 (RFC 4648, with padding)                                      */
/* ------------------------------------------------------------------ */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
net__base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t need = (n + 2) / 3 * 4;
    if (need + 1 > cap) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    return (int)o;
}

static int
b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int
net__base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    if (n % 4 != 0) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=') {
                /* padding only in the last quantum, only at its end */
                if (i + 4 != n || k < 2) return -1;
                v[k] = 0;
                pad++;
            } else {
                if (pad) return -1;
                v[k] = b64_val(in[i + k]);
                if (v[k] < 0) return -1;
            }
        }
        uint32_t x = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) |
                     (uint32_t)v[3];
        int bytes = 3 - pad;
        if (o + (size_t)bytes > cap) return -1;
        out[o++] = (uint8_t)(x >> 16);
        if (bytes > 1) out[o++] = (uint8_t)(x >> 8);
        if (bytes > 2) out[o++] = (uint8_t)x;
    }
    return (int)o;
}

/* ------------------------------------------------------------------ */
/* Users file                                                           */
/* ------------------------------------------------------------------ */
static int
parse_method(const char *s, NetAuthMethod *m)
{
    if (!strcasecmp(s, "trust"))
        *m = NET_AUTH_TRUST;
    else if (!strcasecmp(s, "reject"))
        *m = NET_AUTH_REJECT;
    else if (!strcasecmp(s, "password"))
        *m = NET_AUTH_PASSWORD;
    else if (!strcasecmp(s, "md5"))
        *m = NET_AUTH_MD5;
    else if (!strcasecmp(s, "scram-sha-256"))
        *m = NET_AUTH_SCRAM;
    else
        return K_ERR;
    return K_OK;
}

static int
file_error(KErr *err, const char *path, int line, const char *what)
{
    k_error(err, K_CONFIG_FILE_ERROR, "invalid line %d in users file \"%s\"", line,
            path ? path : "(memory)");
    k_err_detail(err, "%s", what);
    k_err_hint(err, "Each line reads: user method [secret], method one of trust, reject, "
                    "password, md5, scram-sha-256.");
    return K_ERR;
}

int
net__users_parse(const char *text, size_t len, const char *path, NetPgUsers *out, KErr *err)
{
    memset(out, 0, sizeof *out);
    uint32_t cap = 0;
    int lineno = 0;
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        lineno++;
        char line[1024];
        size_t ll = e - i;
        if (ll >= sizeof line) {
            net__users_free(out);
            return file_error(err, path, lineno, "line too long");
        }
        memcpy(line, text + i, ll);
        line[ll] = '\0';
        i = e + 1;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *save = NULL;
        char *user = strtok_r(line, " \t\r", &save);
        if (!user) continue;
        char *method = strtok_r(NULL, " \t\r", &save);
        char *secret = strtok_r(NULL, " \t\r", &save);
        char *extra = strtok_r(NULL, " \t\r", &save);
        if (!method) {
            net__users_free(out);
            return file_error(err, path, lineno, "missing authentication method");
        }
        if (extra) {
            net__users_free(out);
            return file_error(err, path, lineno, "unexpected text after the secret");
        }
        NetPgUser u;
        memset(&u, 0, sizeof u);
        if (strlen(user) >= sizeof u.name) {
            net__users_free(out);
            return file_error(err, path, lineno, "user name too long");
        }
        strcpy(u.name, user);
        if (parse_method(method, &u.method) != K_OK) {
            net__users_free(out);
            return file_error(err, path, lineno, "unknown authentication method");
        }
        if (secret) {
            if (strlen(secret) >= sizeof u.secret) {
                net__users_free(out);
                return file_error(err, path, lineno, "secret too long");
            }
            if (!strncmp(secret, "SCRAM-SHA-256$", 14)) {
                if (net__scram_parse_verifier(secret, &u.scram) != K_OK) {
                    net__users_free(out);
                    return file_error(err, path, lineno, "malformed SCRAM-SHA-256 verifier");
                }
                u.kind = NET_SECRET_SCRAM;
            } else if (strlen(secret) == 35 && !strncmp(secret, "md5", 3)) {
                u.kind = NET_SECRET_MD5;
                strcpy(u.secret, secret);
            } else {
                u.kind = NET_SECRET_PLAIN;
                strcpy(u.secret, secret);
            }
        } else if (u.method == NET_AUTH_PASSWORD || u.method == NET_AUTH_MD5 ||
                   u.method == NET_AUTH_SCRAM) {
            net__users_free(out);
            return file_error(err, path, lineno, "password methods need a secret");
        }
        if (u.method == NET_AUTH_MD5 && u.kind == NET_SECRET_SCRAM) {
            /* as PostgreSQL: an md5 rule with a SCRAM secret runs SCRAM */
            u.method = NET_AUTH_SCRAM;
        }
        if (out->n == cap) {
            uint32_t ncap = cap ? cap * 2 : 8;
            NetPgUser *nu = realloc(out->users, ncap * sizeof *nu);
            if (!nu) {
                net__users_free(out);
                return k_error(err, K_OUT_OF_MEMORY, "out of memory");
            }
            out->users = nu;
            cap = ncap;
        }
        out->users[out->n++] = u;
    }
    return K_OK;
}

int
net__users_load(const char *path, NetPgUsers *out, KErr *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return k_error(err, K_UNDEFINED_FILE, "could not open users file \"%s\": %s", path,
                       strerror(errno));
    KBuf b;
    k_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) k_buf_put(&b, chunk, n);
    bool rerr = ferror(f);
    fclose(f);
    if (rerr || b.failed) {
        k_buf_free(&b);
        return k_error(err, K_IO_ERROR, "could not read users file \"%s\"", path);
    }
    int rc = net__users_parse((const char *)b.data, b.len, path, out, err);
    k_buf_free(&b);
    return rc;
}

void
net__users_free(NetPgUsers *u)
{
    if (!u) return;
    free(u->users);
    u->users = NULL;
    u->n = 0;
}

const NetPgUser *
net__users_lookup(const NetPgUsers *u, const char *user)
{
    const NetPgUser *star = NULL;
    for (uint32_t i = 0; i < u->n; i++) {
        if (!strcmp(u->users[i].name, user)) return &u->users[i];
        if (!star && !strcmp(u->users[i].name, "*")) star = &u->users[i];
    }
    return star;
}
