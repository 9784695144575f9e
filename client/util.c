/*
 * util.c — text buffers, UTF-8 decoding and terminal display width.
 *
 * Interface routines: cl_buf_*, cl_utf8_decode, cl_char_width,
 * cl_display_width, cl_display_sanitize.
 *
 * The width table is our own compact version of the East Asian Width and
 * combining-mark ranges: it does not depend on the process locale, so the
 * formatter behaves the same under LANG=C and in tests.
 */
#include "client/client.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void
cl_buf_init(ClBuf *b)
{
    memset(b, 0, sizeof *b);
}

void
cl_buf_free(ClBuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void
cl_buf_clear(ClBuf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

static bool
buf_reserve(ClBuf *b, size_t extra)
{
    if (b->failed) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void
cl_buf_put(ClBuf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n)) return;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
cl_buf_puts(ClBuf *b, const char *s)
{
    cl_buf_put(b, s, strlen(s));
}

void
cl_buf_putc(ClBuf *b, char c)
{
    cl_buf_put(b, &c, 1);
}

void
cl_buf_repeat(ClBuf *b, const char *s, int times)
{
    size_t n = strlen(s);
    for (int i = 0; i < times; i++) cl_buf_put(b, s, n);
}

void
cl_buf_printf(ClBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        cl_buf_put(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *
cl_buf_str(const ClBuf *b)
{
    return b->data ? b->data : "";
}

int
cl_utf8_decode(const char *s, size_t n, int32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0) {
        *cp = -1;
        return 1;
    }
    unsigned c = u[0];
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    }
    int len;
    int32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
    } else {
        *cp = -1;
        return 1;
    }
    if ((size_t)len > n) {
        *cp = -1;
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (u[i] & 0x3F);
    }
    /* overlong, surrogates, beyond U+10FFFF */
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return len;
}

typedef struct Range {
    int32_t lo, hi;
} Range;

static const Range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},   {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F},   {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x0900, 0x0902}, {0x093C, 0x093C},   {0x0941, 0x0948},
    {0x094D, 0x094D}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},   {0x1AB0, 0x1AFF},
    {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},   {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

static const Range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static bool
in_ranges(const Range *r, size_t n, int32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

int
cl_char_width(int32_t cp)
{
    if (cp < 0) return 4; /* shown as \xHH */
    if (cp < 0x20 || cp == 0x7F) return cp == '\t' ? 1 : 4;
    if (cp < 0x300) return 1;
    if (in_ranges(zero_width, K_ARRAY_LEN(zero_width), cp)) return 0;
    if (in_ranges(wide, K_ARRAY_LEN(wide), cp)) return 2;
    return 1;
}

int
cl_display_width(const char *s, size_t n)
{
    int w = 0;
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        int len = cl_utf8_decode(s + i, n - i, &cp);
        w += cl_char_width(cp);
        i += (size_t)len;
    }
    return w;
}

void
cl_display_sanitize(ClBuf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        int len = cl_utf8_decode(s + i, n - i, &cp);
        if (cp == '\t') {
            cl_buf_putc(b, ' ');
        } else if (cp < 0 || cp < 0x20 || cp == 0x7F) {
            cl_buf_printf(b, "\\x%02X", (unsigned char)s[i]);
        } else {
            cl_buf_put(b, s + i, (size_t)len);
        }
        i += (size_t)len;
    }
}
