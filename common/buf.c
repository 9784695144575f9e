/*
 * buf.c — growable byte buffers and bounds-checked readers for
 * serialization (plans, frames, catalog files).
 *
 * Interface routines: k_buf_init, k_buf_free, k_buf_clear, k_buf_reserve,
 * k_buf_put*, k_buf_printf, k_reader_init, k_get_*.
 *
 * Notes: fixed-width integers are little-endian unless the name says be
 * (big-endian, for the PostgreSQL protocol). Varints are LEB128, signed
 * ones zigzag-encoded. Errors are sticky flags checked once at the end, so
 * encoders stay straight-line code.
 */
#include "common/kestrel.h"

#include <stdio.h>
#include <stdlib.h>

void
k_buf_init(KBuf *b)
{
    memset(b, 0, sizeof *b);
}

void
k_buf_free(KBuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void
k_buf_clear(KBuf *b)
{
    b->len = 0;
    b->failed = false;
}

bool
k_buf_reserve(KBuf *b, size_t extra)
{
    if (b->failed) return false;
    if (extra > SIZE_MAX / 2 - b->len) return !(b->failed = true);
    if (b->len + extra <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return !(b->failed = true);
    b->data = d;
    b->cap = cap;
    return true;
}

void
k_buf_put(KBuf *b, const void *p, size_t n)
{
    if (!n || !k_buf_reserve(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void
k_buf_put_u8(KBuf *b, uint8_t v)
{
    k_buf_put(b, &v, 1);
}

void
k_buf_put_u16(KBuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    k_buf_put(b, x, 2);
}

void
k_buf_put_u32(KBuf *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++) x[i] = (uint8_t)(v >> (8 * i));
    k_buf_put(b, x, 4);
}

void
k_buf_put_u64(KBuf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++) x[i] = (uint8_t)(v >> (8 * i));
    k_buf_put(b, x, 8);
}

void
k_buf_put_u16be(KBuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    k_buf_put(b, x, 2);
}

void
k_buf_put_u32be(KBuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    k_buf_put(b, x, 4);
}

void
k_buf_put_varint(KBuf *b, uint64_t v)
{
    uint8_t x[10];
    int n = 0;
    while (v >= 0x80) {
        x[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    x[n++] = (uint8_t)v;
    k_buf_put(b, x, (size_t)n);
}

void
k_buf_put_svarint(KBuf *b, int64_t v)
{
    k_buf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void
k_buf_put_str(KBuf *b, const char *s, size_t n)
{
    k_buf_put_varint(b, n);
    k_buf_put(b, s, n);
}

void
k_buf_printf(KBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0 && k_buf_reserve(b, (size_t)n + 1)) {
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

/* A JSON string literal: quotes, backslashes and control characters escaped
 * (EXPLAIN's FORMAT JSON in the planner and the executor). */
void
k_buf_put_json_str(KBuf *b, const char *s)
{
    k_buf_put_u8(b, '"');
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\') {
            k_buf_put_u8(b, '\\');
            k_buf_put_u8(b, (uint8_t)*s);
        } else if ((unsigned char)*s < 0x20) {
            k_buf_printf(b, "\\u%04x", (unsigned char)*s);
        } else {
            k_buf_put_u8(b, (uint8_t)*s);
        }
    }
    k_buf_put_u8(b, '"');
}

void
k_reader_init(KReader *r, const void *p, size_t n)
{
    r->p = p;
    r->end = p ? r->p + n : r->p; /* no arithmetic on NULL */
    r->failed = false;
}

static const uint8_t *
take(KReader *r, size_t n)
{
    if (r->failed || (size_t)(r->end - r->p) < n) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

uint8_t
k_get_u8(KReader *r)
{
    const uint8_t *p = take(r, 1);
    return p ? p[0] : 0;
}

uint16_t
k_get_u16(KReader *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t
k_get_u32(KReader *r)
{
    const uint8_t *p = take(r, 4);
    if (!p) return 0;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t
k_get_u64(KReader *r)
{
    const uint8_t *p = take(r, 8);
    if (!p) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

uint16_t
k_get_u16be(KReader *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t
k_get_u32be(KReader *r)
{
    const uint8_t *p = take(r, 4);
    if (!p) return 0;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

uint64_t
k_get_varint(KReader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        const uint8_t *p = take(r, 1);
        if (!p) return 0;
        if (shift == 63 && (*p & 0x7e)) break; /* bits beyond 64 */
        v |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p & 0x80)) return v;
    }
    r->failed = true;
    return 0;
}

int64_t
k_get_svarint(KReader *r)
{
    uint64_t u = k_get_varint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

const uint8_t *
k_get_bytes(KReader *r, size_t n)
{
    return take(r, n);
}

const char *
k_get_str(KReader *r, size_t *len)
{
    uint64_t n = k_get_varint(r);
    if (r->failed || n > k_reader_left(r)) {
        r->failed = true;
        *len = 0;
        return NULL;
    }
    *len = (size_t)n;
    return (const char *)take(r, (size_t)n);
}
