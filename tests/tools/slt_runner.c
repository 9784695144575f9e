/*
 * slt_runner.c — Kestrel's runner for sqllogictest files.
 *
 *   slt_runner [--workers N] [--known FILE] [--verbose] FILE.test ...
 *
 * Runs each file against a fresh embedded engine (in a temporary data
 * directory, through net/session.h exactly as the wire protocol does) as
 * the engine "postgresql": records under `skipif postgresql` or `onlyif
 * <other>` are skipped. Supports `statement ok|error [SQLSTATE]` (with a
 * code, the error must carry it), `query <types>
 * [nosort|rowsort|valuesort] [label]` with results listed or as
 * "N values hashing to <md5>", `hash-threshold N` and `halt`.
 *
 * Values are rendered the sqllogictest way: I as an integer, R as "%.3f",
 * T as text with control characters shown as '@', NULL as "NULL", the
 * empty string as "(empty)".
 *
 * --known FILE lists records that are expected to fail, one per line as
 * "<file basename>:<line> <reason>"; they are counted separately and do
 * not fail the run, but a listed record that passes is reported so the
 * list stays honest. The last line printed is
 *   N passed, M failed, K skipped
 * and the exit status is 0 only when nothing unexpected failed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kestrel.h"
#include "net/net.h"

typedef struct Known {
    char **keys;
    uint32_t n;
    bool *seen;
} Known;

typedef struct Counts {
    uint64_t passed, failed, skipped, known_failed;
} Counts;

static bool verbose = false;
static uint32_t nworkers = 2;
static int shown_failures = 0;

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0', *len = (size_t)n;
    return buf;
}

static void
rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) rm_rf(sub);
            else unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* ------------------------------------------------------------------ */
/* Running one statement                                                */
/* ------------------------------------------------------------------ */
typedef struct Result {
    char **vals; /* rows * ncols formatted values */
    size_t n, cap;
    uint32_t ncols;
} Result;

static void
result_add(Result *r, const char *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->vals = realloc(r->vals, r->cap * sizeof(char *));
    }
    r->vals[r->n++] = strdup(s);
}

static void
result_free(Result *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->vals[i]);
    free(r->vals);
    memset(r, 0, sizeof *r);
}

static void
format_value(char type, const KVector *v, uint32_t row, char *out, size_t cap)
{
    if (!k_vec_is_valid(v, row)) {
        snprintf(out, cap, "NULL");
        return;
    }
    const void *slot = k_vec_slot(v, row);
    char buf[4096];
    k_value_format(v->type, slot, buf, sizeof buf);
    if (type == 'I') {
        if (v->type.id == K_TYPE_DOUBLE) {
            snprintf(out, cap, "%lld", (long long)*(const double *)slot);
        } else if (v->type.id == K_TYPE_BOOL) {
            snprintf(out, cap, "%d", *(const uint8_t *)slot);
        } else {
            char *dot = strchr(buf, '.');
            if (dot && v->type.id == K_TYPE_DECIMAL) *dot = '\0';
            if (!strcmp(buf, "-0")) strcpy(buf, "0");
            snprintf(out, cap, "%s", buf);
        }
        return;
    }
    if (type == 'R') {
        double d = strtod(buf, NULL);
        snprintf(out, cap, "%.3f", d);
        if (!strcmp(out, "-0.000")) snprintf(out, cap, "0.000");
        return;
    }
    if (buf[0] == '\0') {
        snprintf(out, cap, "(empty)");
        return;
    }
    size_t i = 0;
    for (; buf[i] && i + 1 < cap; i++) out[i] = (buf[i] < ' ' || buf[i] > '~') ? '@' : buf[i];
    out[i] = '\0';
}

/* Run all statements of `sql`; collect the rows of the last one. */
static int
run_sql(NetSession *s, const char *sql, const char *types, Result *res, KErr *err)
{
    NetPrepared *p;
    if (net_prepare(s, sql, strlen(sql), NULL, 0, &p, err)) return K_ERR;
    int rc = K_OK;
    for (uint32_t i = 0; i < net_prepared_count(p) && rc == K_OK; i++) {
        NetCursor *c;
        if (net_execute(s, p, i, NULL, 0, &c, err)) {
            rc = K_ERR;
            break;
        }
        for (;;) {
            const KBatch *b;
            if (net_cursor_next(c, &b, err)) {
                rc = K_ERR;
                break;
            }
            if (!b) break;
            if (!res) continue;
            res->ncols = b->ncols;
            uint32_t n = k_batch_rows(b);
            for (uint32_t r = 0; r < n; r++) {
                uint32_t row = k_batch_row(b, r);
                for (uint32_t col = 0; col < b->ncols; col++) {
                    char t = types && col < strlen(types) ? types[col] : 'T';
                    char out[4096];
                    format_value(t, &b->cols[col], row, out, sizeof out);
                    result_add(res, out);
                }
            }
        }
        net_cursor_close(c);
    }
    net_prepared_free(p);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Records                                                              */
/* ------------------------------------------------------------------ */
static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct Row {
    char **cells;
    uint32_t n;
} Row;

static int
cmp_row(const void *a, const void *b)
{
    const Row *x = a, *y = b;
    for (uint32_t i = 0; i < x->n && i < y->n; i++) {
        int c = strcmp(x->cells[i], y->cells[i]);
        if (c) return c;
    }
    return 0;
}

static void
md5_values(char **vals, size_t n, char hex[33])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    for (size_t i = 0; i < n; i++) {
        EVP_DigestUpdate(ctx, vals[i], strlen(vals[i]));
        EVP_DigestUpdate(ctx, "\n", 1);
    }
    unsigned char d[16];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(ctx, d, &dl);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02x", d[i]);
    hex[32] = '\0';
}

static bool
known_failure(Known *k, const char *file, int line)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    char key[512];
    snprintf(key, sizeof key, "%s:%d", base, line);
    for (uint32_t i = 0; i < k->n; i++)
        if (!strcmp(k->keys[i], key)) {
            k->seen[i] = true;
            return true;
        }
    return false;
}

static void
report_failure(const char *file, int line, const char *sql, const char *why)
{
    if (shown_failures++ >= 30 && !verbose) return;
    fprintf(stdout, "FAIL %s:%d: %s\n    %s\n", file, line, why, sql);
}

/* Split text into lines in place. */
static char **
split_lines(char *text, size_t *n)
{
    size_t cap = 1024, k = 0;
    char **lines = malloc(cap * sizeof(char *));
    char *s = text;
    while (*s) {
        char *e = strchr(s, '\n');
        if (e) *e = '\0';
        size_t l = strlen(s);
        if (l && s[l - 1] == '\r') s[l - 1] = '\0';
        if (k == cap) lines = realloc(lines, (cap *= 2) * sizeof(char *));
        lines[k++] = s;
        if (!e) break;
        s = e + 1;
    }
    *n = k;
    return lines;
}

static NetEngine *
open_engine(char *dir, KErr *err)
{
    NetEngineConfig cfg;
    net_engine_config_default(&cfg);
    cfg.data_dir = dir;
    cfg.nworkers = nworkers;
    cfg.no_fsync = true;
    cfg.memory_limit = (size_t)4 << 30;
    NetEngine *e;
    if (net_engine_open_local(&cfg, &e, err)) return NULL;
    return e;
}

static void
run_file(const char *path, Known *known, Counts *cnt)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stdout, "FAIL %s: cannot read: %s\n", path, strerror(errno));
        cnt->failed++;
        return;
    }
    char dir[] = "/tmp/kestrel-slt-XXXXXX";
    KErr err;
    k_err_clear(&err);
    NetEngine *eng = NULL;
    NetSession *s = NULL;
    if (!mkdtemp(dir) || !(eng = open_engine(dir, &err)) || net_session_open(eng, "slt", "slt", &s, &err)) {
        fprintf(stdout, "FAIL %s: cannot start the engine: %s\n", path, err.message);
        cnt->failed++;
        free(text);
        if (eng) net_engine_close(eng);
        rm_rf(dir);
        return;
    }
    size_t nlines;
    char **lines = split_lines(text, &nlines);
    int hash_threshold = 0;
    size_t i = 0;
    while (i < nlines) {
        if (lines[i][0] == '\0' || lines[i][0] == '#') {
            i++;
            continue;
        }
        int rec_line = (int)i + 1;
        bool skip = false;
        /* conditions */
        while (i < nlines && (!strncmp(lines[i], "skipif ", 7) || !strncmp(lines[i], "onlyif ", 7))) {
            char eng_name[64] = "";
            sscanf(lines[i] + 7, "%63s", eng_name);
            if (!strncmp(lines[i], "skipif ", 7) && !strcmp(eng_name, "postgresql")) skip = true;
            if (!strncmp(lines[i], "onlyif ", 7) && strcmp(eng_name, "postgresql")) skip = true;
            i++;
        }
        if (i >= nlines) break;
        char *hdr = lines[i];
        rec_line = (int)i + 1;
        if (!strncmp(hdr, "hash-threshold", 14)) {
            hash_threshold = atoi(hdr + 14);
            i++;
            continue;
        }
        if (!strcmp(hdr, "halt")) {
            if (!skip) break;
            i++;
            continue;
        }
        bool is_query = !strncmp(hdr, "query", 5);
        bool is_stmt = !strncmp(hdr, "statement", 9);
        if (!is_query && !is_stmt) {
            i++;
            continue;
        }
        /* SQL lines until a blank line or ---- */
        i++;
        size_t sql_cap = 4096, sql_len = 0;
        char *sql = malloc(sql_cap);
        sql[0] = '\0';
        while (i < nlines && lines[i][0] != '\0' && strcmp(lines[i], "----")) {
            size_t l = strlen(lines[i]);
            while (sql_len + l + 2 > sql_cap) sql = realloc(sql, sql_cap *= 2);
            if (sql_len) sql[sql_len++] = '\n';
            memcpy(sql + sql_len, lines[i], l);
            sql_len += l;
            sql[sql_len] = '\0';
            i++;
        }
        char **expected = NULL;
        size_t nexp = 0;
        if (i < nlines && !strcmp(lines[i], "----")) {
            i++;
            expected = &lines[i];
            while (i < nlines && lines[i][0] != '\0') i++, nexp++;
        }
        if (skip) {
            cnt->skipped++;
            free(sql);
            continue;
        }
        bool ok;
        char why[1200] = "";
        if (is_stmt) {
            bool want_ok = !strncmp(hdr, "statement ok", 12);
            k_err_clear(&err);
            int rc = run_sql(s, sql, NULL, NULL, &err);
            ok = (rc == K_OK) == want_ok;
            if (!ok) snprintf(why, sizeof why, want_ok ? "statement failed: %s (%s)" : "statement should have failed%s%s",
                              want_ok ? err.message : "", want_ok ? k_sqlstate_code(err.code) : "");
            /* `statement error XXXXX`: the error must carry that SQLSTATE */
            char want_state[8] = "";
            if (ok && !want_ok && sscanf(hdr + 15, " %7s", want_state) == 1 && strlen(want_state) == 5 &&
                strcmp(k_sqlstate_code(err.code), want_state) != 0) {
                ok = false;
                snprintf(why, sizeof why, "wrong error: %s (%s), want SQLSTATE %s", err.message,
                         k_sqlstate_code(err.code), want_state);
            }
        } else {
            char types[4096] = "", sortmode[32] = "nosort";
            sscanf(hdr + 5, "%4095s %31s", types, sortmode);
            Result r;
            memset(&r, 0, sizeof r);
            k_err_clear(&err);
            int rc = run_sql(s, sql, types, &r, &err);
            if (rc != K_OK) {
                ok = false;
                snprintf(why, sizeof why, "query failed: %s (%s)", err.message, k_sqlstate_code(err.code));
            } else {
                uint32_t nc = (uint32_t)strlen(types);
                if (!strcmp(sortmode, "rowsort") && nc) {
                    size_t nrows = r.n / nc;
                    Row *rows = malloc(sizeof(Row) * (nrows ? nrows : 1));
                    for (size_t k = 0; k < nrows; k++) rows[k].cells = &r.vals[k * nc], rows[k].n = nc;
                    qsort(rows, nrows, sizeof(Row), cmp_row);
                    char **sorted = malloc(sizeof(char *) * (r.n ? r.n : 1));
                    for (size_t k = 0; k < nrows; k++) memcpy(&sorted[k * nc], rows[k].cells, nc * sizeof(char *));
                    if (r.n) memcpy(r.vals, sorted, r.n * sizeof(char *));
                    free(sorted);
                    free(rows);
                } else if (!strcmp(sortmode, "valuesort")) {
                    qsort(r.vals, r.n, sizeof(char *), cmp_str);
                }
                if (nexp == 1 && strstr(expected[0], " values hashing to ")) {
                    size_t want_n = (size_t)strtoull(expected[0], NULL, 10);
                    const char *h = strstr(expected[0], "hashing to ") + 11;
                    char hex[33];
                    md5_values(r.vals, r.n, hex);
                    ok = want_n == r.n && !strcmp(hex, h);
                    if (!ok) snprintf(why, sizeof why, "expected %s, got %zu values hashing to %s", expected[0], r.n, hex);
                } else {
                    ok = nexp == r.n;
                    for (size_t k = 0; ok && k < nexp; k++) ok = !strcmp(expected[k], r.vals[k]);
                    if (!ok) {
                        size_t k = 0;
                        while (k < nexp && k < r.n && !strcmp(expected[k], r.vals[k])) k++;
                        snprintf(why, sizeof why, "expected %zu values, got %zu; first difference at value %zu: expected \"%s\", got \"%s\"",
                                 nexp, r.n, k + 1, k < nexp ? expected[k] : "(none)", k < r.n ? r.vals[k] : "(none)");
                    }
                }
                (void)hash_threshold;
            }
            result_free(&r);
        }
        if (ok) {
            cnt->passed++;
        } else if (known_failure(known, path, rec_line)) {
            cnt->known_failed++;
        } else {
            cnt->failed++;
            report_failure(path, rec_line, sql, why);
        }
        free(sql);
    }
    free(lines);
    free(text);
    net_session_close(s);
    net_engine_close(eng);
    rm_rf(dir);
}

static void
load_known(const char *path, Known *k)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "slt_runner: cannot read %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t n;
    char **lines = split_lines(text, &n);
    k->keys = calloc(n + 1, sizeof(char *));
    k->seen = calloc(n + 1, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        if (!lines[i][0] || lines[i][0] == '#') continue;
        char key[512];
        if (sscanf(lines[i], "%511s", key) == 1) k->keys[k->n++] = strdup(key);
    }
    free(lines);
    free(text);
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"workers", required_argument, 0, 'w'},
        {"known", required_argument, 0, 'k'},
        {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    Known known;
    memset(&known, 0, sizeof known);
    int c;
    while ((c = getopt_long(argc, argv, "w:k:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'w': nworkers = (uint32_t)atoi(optarg); break;
        case 'k': load_known(optarg, &known); break;
        case 'v': verbose = true; break;
        case 'h':
            printf("usage: slt_runner [--workers N] [--known FILE] [--verbose] FILE.test ...\n");
            return 0;
        default: return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "slt_runner: no test files given\n");
        return 2;
    }
    k_log_set_level(K_LOG_WARN);
    Counts cnt;
    memset(&cnt, 0, sizeof cnt);
    for (int i = optind; i < argc; i++) run_file(argv[i], &known, &cnt);
    uint64_t stale = 0;
    for (uint32_t i = 0; i < known.n; i++) {
        if (known.seen[i]) continue;
        bool mine = false;
        for (int f = optind; f < argc; f++) {
            const char *base = strrchr(argv[f], '/');
            base = base ? base + 1 : argv[f];
            if (!strncmp(known.keys[i], base, strlen(base)) && known.keys[i][strlen(base)] == ':') mine = true;
        }
        if (mine) {
            fprintf(stdout, "NOTE %s is listed as a known failure but passed or did not run: remove it from the list\n",
                    known.keys[i]);
            stale++;
        }
    }
    if (cnt.known_failed) fprintf(stdout, "%llu known failures (listed with reasons)\n", (unsigned long long)cnt.known_failed);
    fprintf(stdout, "%llu passed, %llu failed, %llu skipped\n", (unsigned long long)cnt.passed,
            (unsigned long long)cnt.failed, (unsigned long long)cnt.skipped);
    for (uint32_t i = 0; i < known.n; i++) free(known.keys[i]);
    free(known.keys);
    free(known.seen);
    return cnt.failed || stale ? 1 : 0;
}
