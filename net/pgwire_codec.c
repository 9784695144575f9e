/*
 * pgwire_codec.c — PostgreSQL protocol v3 message and value encoding.
 *
 * Interface routines: net__msg_begin/_end and the put/get helpers, the
 * whole-message writers (ErrorResponse/NoticeResponse, ReadyForQuery,
 * ParameterStatus, CommandComplete, Authentication*, RowDescription,
 * DataRow), net__char_position, the OID <-> KType mapping, and value
 * encoding in text and binary formats (net__put_value), including
 * PostgreSQL's base-10000 binary numeric, and the reverse conversion of
 * binary parameters into text (net__param_binary_to_text).
 *
 * Notes: every message is built whole in a KBuf (type byte, int32 length
 * patched at the end, body), so an error in the middle of a result never
 * leaves half a DataRow on the wire. Binary dates and timestamps count from
 * 2000-01-01 as PostgreSQL does; Kestrel's count from 1970-01-01.
 */
#include "net/pgwire_int.h"

#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Framing helpers                                                      */
/* ------------------------------------------------------------------ */
size_t
net__msg_begin(KBuf *b, char type)
{
    k_buf_put_u8(b, (uint8_t)type);
    size_t start = b->len;
    k_buf_put_u32be(b, 0);
    return start;
}

void
net__msg_end(KBuf *b, size_t start)
{
    if (b->failed || b->len < start + 4) return;
    uint32_t n = (uint32_t)(b->len - start);
    b->data[start] = (uint8_t)(n >> 24);
    b->data[start + 1] = (uint8_t)(n >> 16);
    b->data[start + 2] = (uint8_t)(n >> 8);
    b->data[start + 3] = (uint8_t)n;
}

void
net__put_i16(KBuf *b, int16_t v)
{
    k_buf_put_u16be(b, (uint16_t)v);
}

void
net__put_i32(KBuf *b, int32_t v)
{
    k_buf_put_u32be(b, (uint32_t)v);
}

void
net__put_cstr(KBuf *b, const char *s)
{
    k_buf_put(b, s, strlen(s) + 1);
}

int16_t
net__get_i16(KReader *r)
{
    return (int16_t)k_get_u16be(r);
}

int32_t
net__get_i32(KReader *r)
{
    return (int32_t)k_get_u32be(r);
}

const char *
net__get_cstr(KReader *r)
{
    if (r->failed) return NULL;
    const uint8_t *nul = memchr(r->p, 0, k_reader_left(r));
    if (!nul) {
        r->failed = true;
        r->p = r->end;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p = nul + 1;
    return s;
}

/* ------------------------------------------------------------------ */
/* Whole messages                                                       */
/* ------------------------------------------------------------------ */
int32_t
net__char_position(const char *sql, size_t len, int32_t pos)
{
    if (pos < 0 || !sql || (size_t)pos > len) return 0;
    int32_t chars = 0;
    for (int32_t i = 0; i < pos; i++)
        if (((uint8_t)sql[i] & 0xC0) != 0x80) chars++;
    return chars + 1;
}

static void
put_field(KBuf *b, char code, const char *s)
{
    if (!s || !*s) return;
    k_buf_put_u8(b, (uint8_t)code);
    net__put_cstr(b, s);
}

void
net__put_error(KBuf *b, const KErr *e, bool notice, const char *sql, size_t sql_len)
{
    size_t m = net__msg_begin(b, notice ? 'N' : 'E');
    const char *sev = k_severity_name(e->severity);
    if (!notice && e->severity != K_SEV_FATAL && e->severity != K_SEV_PANIC) sev = "ERROR";
    put_field(b, 'S', sev);
    put_field(b, 'V', sev);
    put_field(b, 'C', k_sqlstate_code(e->code));
    put_field(b, 'M', e->message[0] ? e->message : "unknown error");
    put_field(b, 'D', e->detail);
    put_field(b, 'H', e->hint);
    int32_t p = net__char_position(sql, sql_len, e->pos);
    if (p > 0) {
        char num[16];
        snprintf(num, sizeof num, "%d", (int)p);
        put_field(b, 'P', num);
    }
    k_buf_put_u8(b, 0);
    net__msg_end(b, m);
}

void
net__put_ready(KBuf *b, char txn_status)
{
    size_t m = net__msg_begin(b, 'Z');
    k_buf_put_u8(b, (uint8_t)txn_status);
    net__msg_end(b, m);
}

void
net__put_param_status(KBuf *b, const char *name, const char *value)
{
    size_t m = net__msg_begin(b, 'S');
    net__put_cstr(b, name);
    net__put_cstr(b, value ? value : "");
    net__msg_end(b, m);
}

void
net__put_command_complete(KBuf *b, const char *tag)
{
    size_t m = net__msg_begin(b, 'C');
    net__put_cstr(b, tag ? tag : "");
    net__msg_end(b, m);
}

void
net__put_auth(KBuf *b, int32_t code, const void *data, size_t n)
{
    size_t m = net__msg_begin(b, 'R');
    net__put_i32(b, code);
    if (n) k_buf_put(b, data, n);
    net__msg_end(b, m);
}

static int16_t
format_of(const int16_t *formats, uint32_t nformats, uint32_t i)
{
    if (!formats || nformats == 0) return 0;
    if (nformats == 1) return formats[0];
    return i < nformats ? formats[i] : 0;
}

void
net__put_row_description(KBuf *b, const NetColumn *cols, uint32_t n, const int16_t *formats,
                         uint32_t nformats)
{
    size_t m = net__msg_begin(b, 'T');
    net__put_i16(b, (int16_t)n);
    for (uint32_t i = 0; i < n; i++) {
        net__put_cstr(b, cols[i].name ? cols[i].name : "?column?");
        net__put_i32(b, (int32_t)cols[i].table_oid);
        net__put_i16(b, cols[i].attnum);
        net__put_i32(b, (int32_t)k_type_pg_oid(cols[i].type));
        net__put_i16(b, net__type_len(cols[i].type));
        net__put_i32(b, net__type_mod(cols[i].type));
        net__put_i16(b, format_of(formats, nformats, i));
    }
    net__msg_end(b, m);
}

void
net__put_data_rows(KBuf *b, const KBatch *batch, uint32_t from, uint32_t to, const int16_t *formats,
                   uint32_t nformats)
{
    for (uint32_t r = from; r < to; r++) {
        uint32_t row = k_batch_row(batch, r);
        size_t m = net__msg_begin(b, 'D');
        net__put_i16(b, (int16_t)batch->ncols);
        for (uint32_t c = 0; c < batch->ncols; c++) {
            const KVector *v = &batch->cols[c];
            if (!k_vec_is_valid(v, row)) {
                net__put_i32(b, -1);
                continue;
            }
            net__put_value(b, v->type, k_vec_slot(v, row), format_of(formats, nformats, c));
        }
        net__msg_end(b, m);
    }
}

/* ------------------------------------------------------------------ */
/* Types                                                                */
/* ------------------------------------------------------------------ */
KType
net__type_from_oid(uint32_t oid)
{
    switch (oid) {
    case NET_OID_BOOL: return k_type(K_TYPE_BOOL);
    case NET_OID_INT2:
    case NET_OID_INT4: return k_type(K_TYPE_INT32);
    case NET_OID_INT8: return k_type(K_TYPE_INT64);
    case NET_OID_FLOAT4:
    case NET_OID_FLOAT8: return k_type(K_TYPE_DOUBLE);
    case NET_OID_NUMERIC: return k_type_decimal(K_DECIMAL_MAX_PRECISION, 0);
    case NET_OID_TEXT:
    case NET_OID_VARCHAR:
    case NET_OID_NAME: return k_type_varchar(0);
    case NET_OID_BPCHAR: return k_type_char(0);
    case NET_OID_DATE: return k_type(K_TYPE_DATE);
    case NET_OID_TIMESTAMP:
    case NET_OID_TIMESTAMPTZ: return k_type(K_TYPE_TIMESTAMP);
    case NET_OID_INTERVAL: return k_type(K_TYPE_INTERVAL);
    default: return k_type(K_TYPE_UNKNOWN);
    }
}

int16_t
net__type_len(KType t)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL: return 1;
    case K_TYPE_INT32:
    case K_TYPE_DATE: return 4;
    case K_TYPE_INT64:
    case K_TYPE_DOUBLE:
    case K_TYPE_TIMESTAMP: return 8;
    case K_TYPE_INTERVAL: return 16;
    case K_TYPE_UNKNOWN: return -2; /* PostgreSQL's unknown is a C string */
    default: return -1;
    }
}

int32_t
net__type_mod(KType t)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_DECIMAL:
        if (t.precision == 0) return -1;
        return (int32_t)(((uint32_t)t.precision << 16) | t.scale) + 4;
    case K_TYPE_VARCHAR:
    case K_TYPE_CHAR: return t.len > 0 ? t.len + 4 : -1;
    default: return -1;
    }
}

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */
static k_int128
decimal_value(KType t, const void *slot)
{
    k_int128 v;
    if (k_type_is_wide_decimal(t))
        memcpy(&v, slot, sizeof v);
    else
        v = *(const int64_t *)slot;
    return v;
}

/* Number of UTF-8 characters in s[0..n). */
static uint32_t
utf8_chars(const char *s, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        if (((uint8_t)s[i] & 0xC0) != 0x80) c++;
    return c;
}

static void
put_string(KBuf *b, KType t, const KStr *s)
{
    const char *p = k_str_data(s);
    uint32_t pad = 0;
    if (t.id == K_TYPE_CHAR && t.len > 0) {
        /* bpchar shows its declared width, as PostgreSQL's output does */
        uint32_t chars = utf8_chars(p, s->len);
        if (chars < (uint32_t)t.len) pad = (uint32_t)t.len - chars;
    }
    net__put_i32(b, (int32_t)(s->len + pad));
    k_buf_put(b, p, s->len);
    for (uint32_t i = 0; i < pad; i++) k_buf_put_u8(b, ' ');
}

void
net__put_numeric_binary(KBuf *b, k_int128 v, int scale)
{
    bool neg = v < 0;
    k_uint128 u = neg ? (k_uint128)(-(v + 1)) + 1 : (k_uint128)v;
    /* decimal digits of |v|, most significant first */
    char dig[48];
    int nd = 0;
    do {
        dig[nd++] = (char)(u % 10);
        u /= 10;
    } while (u);
    for (int i = 0; i < nd / 2; i++) {
        char tmp = dig[i];
        dig[i] = dig[nd - 1 - i];
        dig[nd - 1 - i] = tmp;
    }
    int int_digits = nd - scale; /* may be <= 0 */
    /* Align to base-10000 groups around the decimal point: the integer part
     * is left-padded to a multiple of 4, the fraction right-padded. */
    int lead = int_digits > 0 ? (4 - int_digits % 4) % 4 : 0;
    int int_groups = int_digits > 0 ? (int_digits + lead) / 4 : 0;
    int frac_digits = scale;
    int frac_groups = (frac_digits + 3) / 4;
    int total = int_groups + frac_groups;
    int16_t groups[16];
    /* digit at group position: conceptual string = lead zeros + integer
     * digits + fraction digits (left-padded with zeros when int_digits < 0)
     * + trailing zeros */
    for (int g = 0; g < total; g++) {
        int val = 0;
        for (int k = 0; k < 4; k++) {
            int pos = g * 4 + k; /* position in the padded string */
            int d = 0;
            if (g < int_groups) {
                int idx = pos - lead; /* index into dig[] */
                if (idx >= 0 && idx < nd) d = dig[idx];
            } else {
                int fpos = pos - int_groups * 4; /* 0-based fraction digit */
                if (fpos < frac_digits) {
                    /* fraction digit fpos is dig[nd - scale + fpos] */
                    int idx = nd - scale + fpos;
                    if (idx >= 0 && idx < nd) d = dig[idx];
                }
            }
            val = val * 10 + d;
        }
        groups[g] = (int16_t)val;
    }
    int first = 0, last = total;
    while (first < total && groups[first] == 0) first++;
    while (last > first && groups[last - 1] == 0) last--;
    int16_t ndigits = (int16_t)(last - first);
    int16_t weight = (int16_t)(int_groups - 1 - first);
    if (ndigits == 0) weight = 0;
    net__put_i32(b, 8 + 2 * ndigits);
    net__put_i16(b, ndigits);
    net__put_i16(b, weight);
    net__put_i16(b, (int16_t)(ndigits && neg ? 0x4000 : 0));
    net__put_i16(b, (int16_t)scale);
    for (int g = first; g < last; g++) net__put_i16(b, groups[g]);
}

static void
put_be64(KBuf *b, uint64_t v)
{
    k_buf_put_u32be(b, (uint32_t)(v >> 32));
    k_buf_put_u32be(b, (uint32_t)v);
}

void
net__put_value(KBuf *b, KType t, const void *slot, int16_t format)
{
    if (t.id == K_TYPE_VARCHAR || t.id == K_TYPE_CHAR || t.id == K_TYPE_UNKNOWN) {
        put_string(b, t, slot);
        return;
    }
    if (format == 1) {
        switch ((KTypeId)t.id) {
        case K_TYPE_BOOL:
            net__put_i32(b, 1);
            k_buf_put_u8(b, *(const uint8_t *)slot ? 1 : 0);
            return;
        case K_TYPE_INT32:
            net__put_i32(b, 4);
            net__put_i32(b, *(const int32_t *)slot);
            return;
        case K_TYPE_INT64:
            net__put_i32(b, 8);
            put_be64(b, (uint64_t) * (const int64_t *)slot);
            return;
        case K_TYPE_DOUBLE: {
            uint64_t u;
            memcpy(&u, slot, 8);
            net__put_i32(b, 8);
            put_be64(b, u);
            return;
        }
        case K_TYPE_DATE:
            net__put_i32(b, 4);
            net__put_i32(b, *(const int32_t *)slot - NET_PG_EPOCH_DAYS);
            return;
        case K_TYPE_TIMESTAMP:
            net__put_i32(b, 8);
            put_be64(b, (uint64_t)(*(const int64_t *)slot - NET_PG_EPOCH_USECS));
            return;
        case K_TYPE_INTERVAL: {
            const KInterval *iv = slot;
            net__put_i32(b, 16);
            put_be64(b, (uint64_t)iv->micros);
            net__put_i32(b, iv->days);
            net__put_i32(b, iv->months);
            return;
        }
        case K_TYPE_DECIMAL: net__put_numeric_binary(b, decimal_value(t, slot), t.scale); return;
        default: break;
        }
    }
    char buf[256];
    int n = k_value_format(t, slot, buf, sizeof buf);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
    net__put_i32(b, n);
    k_buf_put(b, buf, (size_t)n);
}

/* ------------------------------------------------------------------ */
/* Binary parameters → text                                             */
/* ------------------------------------------------------------------ */
static uint16_t
rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t
rd64(const uint8_t *p)
{
    return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

static int
bad_binary(KErr *err, const char *type)
{
    return k_error(err, K_INVALID_PARAMETER_VALUE,
                   "incorrect binary data format in bind parameter of type %s", type);
}

int
net__numeric_binary_to_text(const uint8_t *p, size_t n, char *out, size_t cap, KErr *err)
{
    if (n < 8) return bad_binary(err, "numeric");
    int ndigits = (int16_t)rd16(p);
    int weight = (int16_t)rd16(p + 2);
    uint16_t sign = rd16(p + 4);
    int dscale = (int16_t)rd16(p + 6);
    if (ndigits < 0 || n != 8 + 2 * (size_t)ndigits || dscale < 0 || dscale > 1000)
        return bad_binary(err, "numeric");
    if (sign == 0xC000) return snprintf(out, cap, "NaN");
    if (sign != 0 && sign != 0x4000) return bad_binary(err, "numeric");
    if (weight < -1000 || weight > 1000) return bad_binary(err, "numeric");
    KBuf t;
    k_buf_init(&t);
    if (sign == 0x4000 && ndigits > 0) k_buf_put_u8(&t, '-');
    /* integer part: groups 0..weight */
    if (weight < 0) {
        k_buf_put_u8(&t, '0');
    } else {
        for (int g = 0; g <= weight; g++) {
            int d = g < ndigits ? rd16(p + 8 + 2 * g) : 0;
            if (d > 9999) {
                k_buf_free(&t);
                return bad_binary(err, "numeric");
            }
            char tmp[8];
            int len = snprintf(tmp, sizeof tmp, g == 0 ? "%d" : "%04d", d);
            k_buf_put(&t, tmp, (size_t)len);
        }
    }
    if (dscale > 0) {
        k_buf_put_u8(&t, '.');
        int written = 0;
        for (int g = weight + 1; written < dscale; g++) {
            int d = 0;
            if (g >= 0 && g < ndigits) d = rd16(p + 8 + 2 * g);
            if (d > 9999) {
                k_buf_free(&t);
                return bad_binary(err, "numeric");
            }
            char tmp[8];
            snprintf(tmp, sizeof tmp, "%04d", d);
            for (int k = 0; k < 4 && written < dscale; k++, written++)
                k_buf_put_u8(&t, (uint8_t)tmp[k]);
        }
    }
    if (t.failed || t.len + 1 > cap) {
        k_buf_free(&t);
        return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "numeric parameter too long");
    }
    memcpy(out, t.data, t.len);
    out[t.len] = '\0';
    int len = (int)t.len;
    k_buf_free(&t);
    return len;
}

int
net__param_binary_to_text(KType t, const uint8_t *p, size_t n, char *out, size_t cap, KErr *err)
{
    switch ((KTypeId)t.id) {
    case K_TYPE_BOOL:
        if (n != 1) return bad_binary(err, "boolean");
        return snprintf(out, cap, "%s", p[0] ? "true" : "false");
    case K_TYPE_INT32:
    case K_TYPE_INT64:
        /* accept any integer width: a client that declared int2 sends 2 bytes */
        if (n == 2) return snprintf(out, cap, "%d", (int)(int16_t)rd16(p));
        if (n == 4) return snprintf(out, cap, "%d", (int)(int32_t)rd32(p));
        if (n == 8) return snprintf(out, cap, "%lld", (long long)(int64_t)rd64(p));
        return bad_binary(err, t.id == K_TYPE_INT32 ? "integer" : "bigint");
    case K_TYPE_DOUBLE:
        if (n == 4) {
            uint32_t u = rd32(p);
            float f;
            memcpy(&f, &u, 4);
            return k_format_double((double)f, out, cap);
        }
        if (n == 8) {
            uint64_t u = rd64(p);
            double d;
            memcpy(&d, &u, 8);
            return k_format_double(d, out, cap);
        }
        return bad_binary(err, "double precision");
    case K_TYPE_DECIMAL: return net__numeric_binary_to_text(p, n, out, cap, err);
    case K_TYPE_DATE:
        if (n != 4) return bad_binary(err, "date");
        return k_format_date((int32_t)rd32(p) + NET_PG_EPOCH_DAYS, out, cap);
    case K_TYPE_TIMESTAMP:
        if (n != 8) return bad_binary(err, "timestamp");
        return k_format_timestamp((int64_t)rd64(p) + NET_PG_EPOCH_USECS, out, cap);
    case K_TYPE_INTERVAL: {
        if (n != 16) return bad_binary(err, "interval");
        KInterval iv = {(int32_t)rd32(p + 12), (int32_t)rd32(p + 8), (int64_t)rd64(p)};
        return k_format_interval(&iv, out, cap);
    }
    default:
        /* text, varchar, bpchar, unknown: the bytes are the text */
        if (n + 1 > cap) return k_error(err, K_PROGRAM_LIMIT_EXCEEDED, "parameter too long");
        memcpy(out, p, n);
        out[n] = '\0';
        return (int)n;
    }
}
