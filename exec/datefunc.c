/*
 * datefunc.c — date and timestamp functions: extract, date_trunc,
 * date +/- integer, date +/- interval, timestamp +/- interval, date - date.
 *
 * Interface routines: ex__date_func.
 *
 * Notes: DATE is days since 1970-01-01, TIMESTAMP microseconds since
 * 1970-01-01 00:00:00 (common/kestrel.h). Adding an interval adds its
 * months first (clamping the day to the month's end, as PostgreSQL does),
 * then its days, then its microseconds.
 */
#include "exec/exec_int.h"

static inline int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

static int
date_range_err(int32_t pos, KErr *err)
{
    return k_error_at(err, K_DATETIME_FIELD_OVERFLOW, pos, "date out of range");
}

static int
ts_add(int64_t ts, const KInterval *iv, int sign, int64_t *out, int32_t pos, KErr *err)
{
    int64_t days = floor_div(ts, K_USECS_PER_DAY);
    int64_t tod = ts - days * K_USECS_PER_DAY;
    if (days < INT32_MIN || days > INT32_MAX) return date_range_err(pos, err);
    int64_t d = k_date_add_months((int32_t)days, sign * iv->months);
    d += (int64_t)sign * iv->days;
    int64_t r;
    if (__builtin_mul_overflow(d, K_USECS_PER_DAY, &r) || __builtin_add_overflow(r, tod, &r) ||
        __builtin_add_overflow(r, sign * iv->micros, &r))
        return k_error_at(err, K_DATETIME_FIELD_OVERFLOW, pos, "timestamp out of range");
    *out = r;
    return K_OK;
}

/* ISO 8601 week number of a date. */
static int
iso_week(int32_t days)
{
    int y, m, d;
    k_date_to_ymd(days, &y, &m, &d);
    int dow = (int)((days % 7 + 7 + 3) % 7); /* Monday = 0 */
    int32_t thursday = days - dow + 3;
    int ty, tm, td;
    k_date_to_ymd(thursday, &ty, &tm, &td);
    int32_t jan1 = k_date_from_ymd(ty, 1, 1);
    return (thursday - jan1) / 7 + 1;
}

/* The field's value scaled by 10^6. */
static k_int128
extract_field(ExDatePart part, int64_t ts)
{
    int64_t days = floor_div(ts, K_USECS_PER_DAY);
    int64_t tod = ts - days * K_USECS_PER_DAY;
    int y, m, d;
    k_date_to_ymd((int32_t)days, &y, &m, &d);
    const k_int128 M = 1000000;
    switch (part) {
    case EX_PART_YEAR: return y * M;
    case EX_PART_QUARTER: return ((m - 1) / 3 + 1) * M;
    case EX_PART_MONTH: return m * M;
    case EX_PART_WEEK: return iso_week((int32_t)days) * M;
    case EX_PART_DAY: return d * M;
    case EX_PART_DOW: return ((days % 7 + 7 + 4) % 7) * M;
    case EX_PART_DOY: return (days - k_date_from_ymd(y, 1, 1) + 1) * M;
    case EX_PART_HOUR: return (tod / INT64_C(3600000000)) * M;
    case EX_PART_MINUTE: return ((tod / INT64_C(60000000)) % 60) * M;
    case EX_PART_SECOND: return tod % INT64_C(60000000);
    case EX_PART_EPOCH: return ts;
    case EX_PART_DECADE: return floor_div(y, 10) * M;
    case EX_PART_CENTURY: return (y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100)) * M;
    }
    return 0;
}

static int64_t
trunc_ts(ExDatePart part, int64_t ts)
{
    int64_t days = floor_div(ts, K_USECS_PER_DAY);
    int y, m, d;
    k_date_to_ymd((int32_t)days, &y, &m, &d);
    int64_t dd;
    switch (part) {
    case EX_PART_YEAR: dd = k_date_from_ymd(y, 1, 1); break;
    case EX_PART_QUARTER: dd = k_date_from_ymd(y, ((m - 1) / 3) * 3 + 1, 1); break;
    case EX_PART_MONTH: dd = k_date_from_ymd(y, m, 1); break;
    case EX_PART_WEEK: dd = days - (days % 7 + 7 + 3) % 7; break;
    case EX_PART_DECADE: dd = k_date_from_ymd((int)floor_div(y, 10) * 10, 1, 1); break;
    case EX_PART_CENTURY: dd = k_date_from_ymd(((y - 1) / 100) * 100 + 1, 1, 1); break;
    case EX_PART_HOUR: return floor_div(ts, INT64_C(3600000000)) * INT64_C(3600000000);
    case EX_PART_MINUTE: return floor_div(ts, INT64_C(60000000)) * INT64_C(60000000);
    case EX_PART_SECOND: return floor_div(ts, INT64_C(1000000)) * INT64_C(1000000);
    default: dd = days; break;
    }
    return dd * K_USECS_PER_DAY;
}

static void
put_num(KVector *R, uint32_t i, k_int128 v6)
{
    KType t = R->type;
    switch ((KTypeId)t.id) {
    case K_TYPE_INT32: ((int32_t *)R->data)[i] = (int32_t)(v6 / 1000000); break;
    case K_TYPE_INT64: ((int64_t *)R->data)[i] = (int64_t)(v6 / 1000000); break;
    case K_TYPE_DOUBLE: ((double *)R->data)[i] = (double)v6 / 1e6; break;
    case K_TYPE_DECIMAL: {
        k_int128 z;
        if (!k_dec_rescale(v6, 6, t.scale, 38, &z)) z = 0;
        ex__dec_put(t, (char *)R->data + (size_t)i * k_type_width(t), z);
        break;
    }
    default: break;
    }
}

int
ex__date_func(ExEval *ev, KVector **a, const uint16_t *sel, uint32_t n, KErr *err)
{
    const ExExpr *e = ev->e;
    ExFunc fn = (ExFunc)e->u.func.fn;
    KVector *R = &ev->out;
    int32_t pos = e->pos;
    ExDatePart part = (ExDatePart)e->u.func.part;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = sel ? sel[j] : j;
        if (!k_vec_is_valid(R, i)) continue;
        KType t0 = a[0]->type;
        const void *s0 = k_vec_slot(a[0], i);
        int64_t ts = 0;
        if (t0.id == K_TYPE_DATE) ts = (int64_t)*(const int32_t *)s0 * K_USECS_PER_DAY;
        else if (t0.id == K_TYPE_TIMESTAMP) ts = *(const int64_t *)s0;
        switch (fn) {
        case EX_FN_EXTRACT:
            put_num(R, i, extract_field(part, ts));
            break;
        case EX_FN_DATE_TRUNC: {
            int64_t r = trunc_ts(part, ts);
            if (R->type.id == K_TYPE_DATE) ((int32_t *)R->data)[i] = (int32_t)floor_div(r, K_USECS_PER_DAY);
            else ((int64_t *)R->data)[i] = r;
            break;
        }
        case EX_FN_DATE_ADD_DAYS:
        case EX_FN_DATE_SUB_DAYS: {
            int32_t d = *(const int32_t *)s0, k = *(const int32_t *)k_vec_slot(a[1], i), r;
            bool o = fn == EX_FN_DATE_ADD_DAYS ? __builtin_add_overflow(d, k, &r)
                                               : __builtin_sub_overflow(d, k, &r);
            if (o) return date_range_err(pos, err);
            ((int32_t *)R->data)[i] = r;
            break;
        }
        case EX_FN_DATE_ADD_INTERVAL:
        case EX_FN_DATE_SUB_INTERVAL:
        case EX_FN_TS_ADD_INTERVAL:
        case EX_FN_TS_SUB_INTERVAL: {
            int sign = (fn == EX_FN_DATE_SUB_INTERVAL || fn == EX_FN_TS_SUB_INTERVAL) ? -1 : 1;
            int64_t r = 0;
            if (ts_add(ts, k_vec_slot(a[1], i), sign, &r, pos, err)) return K_ERR;
            if (R->type.id == K_TYPE_DATE) {
                int64_t d = floor_div(r, K_USECS_PER_DAY);
                if (d < INT32_MIN || d > INT32_MAX) return date_range_err(pos, err);
                ((int32_t *)R->data)[i] = (int32_t)d;
            } else {
                ((int64_t *)R->data)[i] = r;
            }
            break;
        }
        case EX_FN_DATE_DIFF: {
            int64_t d = (int64_t)*(const int32_t *)s0 - *(const int32_t *)k_vec_slot(a[1], i);
            if (R->type.id == K_TYPE_INT64) ((int64_t *)R->data)[i] = d;
            else ((int32_t *)R->data)[i] = (int32_t)d;
            break;
        }
        default:
            return k_error_at(err, K_UNDEFINED_FUNCTION, pos, "function %s does not exist",
                              ex_func_name(fn));
        }
    }
    return K_OK;
}
