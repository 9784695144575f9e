/*
 * json.c — a small JSON reader for EXPLAIN (FORMAT JSON) output.
 *
 * Interface routines: cl_json_parse, cl_json_free, cl_json_get.
 *
 * Recursive descent over RFC 8259 JSON into a malloc'd tree that keeps
 * object members in order. Nesting is capped at CL_JSON_MAX_DEPTH so a
 * hostile or broken server cannot blow the stack; any error returns NULL
 * with a message naming the byte offset.
 */
#include "client/client.h"

#include <stdlib.h>
#include <string.h>

#define CL_JSON_MAX_DEPTH 200

typedef struct JParser {
    const char *p;
    const char *start;
    const char *end;
    char *err;
    size_t errcap;
    bool failed;
} JParser;

static void
jfail(JParser *j, const char *what)
{
    if (!j->failed)
        snprintf(j->err, j->errcap, "invalid JSON at byte %ld: %s", (long)(j->p - j->start), what);
    j->failed = true;
}

static void
jskip(JParser *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

void
cl_json_free(ClJson *v)
{
    if (!v) return;
    for (int i = 0; i < v->n; i++) {
        cl_json_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static void
put_utf8(ClBuf *b, uint32_t cp)
{
    char t[4];
    if (cp < 0x80) {
        t[0] = (char)cp;
        cl_buf_put(b, t, 1);
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        cl_buf_put(b, t, 2);
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        cl_buf_put(b, t, 3);
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        cl_buf_put(b, t, 4);
    }
}

static int
hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static char *
jstring(JParser *j)
{
    ClBuf b;
    cl_buf_init(&b);
    j->p++; /* opening quote */
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p;
        if ((unsigned char)c < 0x20) {
            jfail(j, "control character in string");
            break;
        }
        if (c != '\\') {
            cl_buf_putc(&b, c);
            j->p++;
            continue;
        }
        if (j->p + 1 >= j->end) {
            jfail(j, "unterminated escape");
            break;
        }
        char e = j->p[1];
        j->p += 2;
        switch (e) {
        case '"': cl_buf_putc(&b, '"'); break;
        case '\\': cl_buf_putc(&b, '\\'); break;
        case '/': cl_buf_putc(&b, '/'); break;
        case 'b': cl_buf_putc(&b, '\b'); break;
        case 'f': cl_buf_putc(&b, '\f'); break;
        case 'n': cl_buf_putc(&b, '\n'); break;
        case 'r': cl_buf_putc(&b, '\r'); break;
        case 't': cl_buf_putc(&b, '\t'); break;
        case 'u': {
            int v = j->end - j->p >= 4 ? hex4(j->p) : -1;
            if (v < 0) {
                jfail(j, "bad \\u escape");
                break;
            }
            j->p += 4;
            uint32_t cp = (uint32_t)v;
            if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' &&
                j->p[1] == 'u') {
                int lo = hex4(j->p + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    j->p += 6;
                }
            }
            put_utf8(&b, cp);
            break;
        }
        default: jfail(j, "bad escape");
        }
        if (j->failed) break;
    }
    if (!j->failed && j->p >= j->end) jfail(j, "unterminated string");
    if (j->failed || b.failed) {
        if (b.failed) jfail(j, "out of memory");
        cl_buf_free(&b);
        return NULL;
    }
    j->p++; /* closing quote */
    char *s = b.data ? b.data : strdup("");
    return s;
}

static ClJson *jvalue(JParser *j, int depth);

static bool
jpush(ClJson *v, char *key, ClJson *item)
{
    if (v->n == 0 || (v->n >= 4 && (v->n & (v->n - 1)) == 0)) {
        int cap = v->n ? v->n * 2 : 4;
        ClJson **it = realloc(v->items, (size_t)cap * sizeof *it);
        if (!it) return false;
        v->items = it;
        if (v->type == CL_JSON_OBJECT) {
            char **k = realloc(v->keys, (size_t)cap * sizeof *k);
            if (!k) return false;
            v->keys = k;
        }
    }
    v->items[v->n] = item;
    if (v->type == CL_JSON_OBJECT) v->keys[v->n] = key;
    v->n++;
    return true;
}

static ClJson *
jcontainer(JParser *j, int depth, bool object)
{
    ClJson *v = calloc(1, sizeof *v);
    if (!v) {
        jfail(j, "out of memory");
        return NULL;
    }
    v->type = object ? CL_JSON_OBJECT : CL_JSON_ARRAY;
    char close = object ? '}' : ']';
    j->p++;
    jskip(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        jskip(j);
        if (object) {
            if (j->p >= j->end || *j->p != '"') {
                jfail(j, "expected a member name");
                break;
            }
            key = jstring(j);
            if (!key) break;
            jskip(j);
            if (j->p >= j->end || *j->p != ':') {
                free(key);
                jfail(j, "expected ':'");
                break;
            }
            j->p++;
        }
        ClJson *item = jvalue(j, depth + 1);
        if (!item) {
            free(key);
            break;
        }
        if (!jpush(v, key, item)) {
            free(key);
            cl_json_free(item);
            jfail(j, "out of memory");
            break;
        }
        jskip(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return v;
        }
        jfail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    cl_json_free(v);
    return NULL;
}

static ClJson *
jvalue(JParser *j, int depth)
{
    if (depth > CL_JSON_MAX_DEPTH) {
        jfail(j, "nested too deeply");
        return NULL;
    }
    jskip(j);
    if (j->p >= j->end) {
        jfail(j, "unexpected end of input");
        return NULL;
    }
    char c = *j->p;
    if (c == '{' || c == '[') return jcontainer(j, depth, c == '{');
    ClJson *v = calloc(1, sizeof *v);
    if (!v) {
        jfail(j, "out of memory");
        return NULL;
    }
    size_t left = (size_t)(j->end - j->p);
    if (c == '"') {
        v->type = CL_JSON_STRING;
        v->str = jstring(j);
        if (!v->str) {
            free(v);
            return NULL;
        }
    } else if (left >= 4 && memcmp(j->p, "true", 4) == 0) {
        v->type = CL_JSON_BOOL;
        v->b = true;
        j->p += 4;
    } else if (left >= 5 && memcmp(j->p, "false", 5) == 0) {
        v->type = CL_JSON_BOOL;
        j->p += 5;
    } else if (left >= 4 && memcmp(j->p, "null", 4) == 0) {
        v->type = CL_JSON_NULL;
        j->p += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char tmp[64];
        size_t n = 0;
        while (j->p + n < j->end && n < sizeof tmp - 1 && strchr("+-0123456789.eE", j->p[n])) n++;
        memcpy(tmp, j->p, n);
        tmp[n] = '\0';
        char *endp;
        v->type = CL_JSON_NUMBER;
        v->num = strtod(tmp, &endp);
        if (endp == tmp) {
            free(v);
            jfail(j, "bad number");
            return NULL;
        }
        j->p += endp - tmp;
    } else {
        free(v);
        jfail(j, "unexpected character");
        return NULL;
    }
    return v;
}

ClJson *
cl_json_parse(const char *text, size_t n, char *errbuf, size_t errcap)
{
    JParser j = {text, text, text + n, errbuf, errcap, false};
    ClJson *v = jvalue(&j, 0);
    if (!v) return NULL;
    jskip(&j);
    if (j.p != j.end) {
        jfail(&j, "trailing characters");
        cl_json_free(v);
        return NULL;
    }
    return v;
}

const ClJson *
cl_json_get(const ClJson *obj, const char *key)
{
    if (!obj || obj->type != CL_JSON_OBJECT) return NULL;
    for (int i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) return obj->items[i];
    return NULL;
}
