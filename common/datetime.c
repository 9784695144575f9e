/*
 * datetime.c — DATE, TIMESTAMP and INTERVAL: calendar arithmetic and the
 * PostgreSQL text forms.
 *
 * Interface routines: k_date_from_ymd, k_date_to_ymd, k_date_valid_ymd,
 * k_is_leap_year, k_days_in_month, k_date_add_months, k_parse_date,
 * k_parse_timestamp, k_parse_interval, k_format_date, k_format_timestamp,
 * k_format_interval.
 *
 * Notes: DATE is int32 days since 1970-01-01 and TIMESTAMP int64 µs since
 * 1970-01-01 00:00:00 (the Unix epoch, like Arrow and DuckDB; the wire
 * protocol converts to PostgreSQL's 2000-01-01 epoch for binary output).
 * Day numbers use Howard Hinnant's civil-from-days algorithm (public domain
 * arithmetic), valid over the whole int32 range we accept.
 * Errors: a malformed date is 22007 ("invalid input syntax for type date"),
 * a well-formed but impossible one (1998-13-45) is 22008 ("date/time field
 * value out of range").
 */
#include "common/kestrel.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

bool
k_is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
k_days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && k_is_leap_year(y) ? 29 : dim[m - 1];
}

bool
k_date_valid_ymd(int y, int m, int d)
{
    return y >= K_DATE_MIN_YEAR && y <= K_DATE_MAX_YEAR && m >= 1 && m <= 12 && d >= 1 &&
           d <= k_days_in_month(y, m);
}

int32_t
k_date_from_ymd(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void
k_date_to_ymd(int32_t days, int *y, int *m, int *d)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

int32_t
k_date_add_months(int32_t days, int32_t months)
{
    int y, m, d;
    k_date_to_ymd(days, &y, &m, &d);
    int64_t total = (int64_t)y * 12 + (m - 1) + months;
    int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
    int nm = (int)(total - ny * 12) + 1;
    int dim = k_days_in_month((int)ny, nm);
    return k_date_from_ymd((int)ny, nm, d > dim ? dim : d);
}

static void
trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* Read 1..maxd digits; returns digits read. */
static int
digits(const char *s, size_t n, size_t *i, int maxd, int64_t *v)
{
    int k = 0;
    *v = 0;
    while (*i < n && k < maxd && isdigit((unsigned char)s[*i])) {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++, k++;
    }
    return k;
}

/* Read the digits of a fraction of a second at s[*i] (after the point) as
 * microseconds, rounding half up on the seventh digit; may return 1000000. */
static int64_t
parse_fraction(const char *s, size_t n, size_t *i)
{
    int64_t frac = 0;
    int k = 0;
    bool up = false;
    while (*i < n && isdigit((unsigned char)s[*i])) {
        if (k < 6)
            frac = frac * 10 + (s[*i] - '0');
        else if (k == 6)
            up = s[*i] >= '5';
        k++;
        (*i)++;
    }
    for (; k < 6; k++) frac *= 10;
    return frac + up;
}

/*
 * Parse "[-]Y-M-D[( |T)H:M[:S[.F]]][ BC|AD]", the ISO forms PostgreSQL reads
 * and prints. Fills the day number and the time of day in µs. Returns 0,
 * 1 for bad syntax (22007) or 2 for a field out of range (22008). There is
 * no year 0 (1 BC comes before 1 AD); a leading '-' gives astronomical years.
 */
static int
parse_datetime(const char *s, size_t n, int32_t *days, int64_t *tod)
{
    size_t i = 0;
    int64_t y, m, d, h = 0, mi = 0, sec = 0, frac = 0;
    bool neg = false, range = false;
    if (i < n && s[i] == '-') neg = true, i++;
    if (digits(s, n, &i, 7, &y) < 1 || i >= n || s[i] != '-') return 1;
    i++;
    if (digits(s, n, &i, 2, &m) < 1 || i >= n || s[i] != '-') return 1;
    i++;
    if (digits(s, n, &i, 2, &d) < 1) return 1;
    if (i + 1 < n && (s[i] == ' ' || s[i] == 'T') && isdigit((unsigned char)s[i + 1])) {
        i++;
        if (digits(s, n, &i, 2, &h) < 1 || i >= n || s[i] != ':') return 1;
        i++;
        if (digits(s, n, &i, 2, &mi) < 1) return 1;
        if (i < n && s[i] == ':') {
            i++;
            if (digits(s, n, &i, 2, &sec) < 1) return 1;
            if (i < n && s[i] == '.') {
                i++;
                frac = parse_fraction(s, n, &i);
            }
        }
        range = h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec || frac));
    }
    /* an optional era */
    bool bc = false;
    size_t j = i;
    while (j < n && s[j] == ' ') j++;
    if (j > i && n - j == 2 &&
        (strncasecmp(s + j, "BC", 2) == 0 || strncasecmp(s + j, "AD", 2) == 0)) {
        bc = toupper((unsigned char)s[j]) == 'B';
        i = n;
    }
    if (i != n) return 1;
    if (range) return 2;
    if (bc) {
        if (neg || y == 0) return 2;
        y = 1 - y;
    } else if (neg) {
        y = -y;
    } else if (y == 0) {
        return 2;
    }
    if (!k_date_valid_ymd((int)y, (int)m, (int)d)) return 2;
    *days = k_date_from_ymd((int)y, (int)m, (int)d);
    *tod = ((h * 60 + mi) * 60 + sec) * 1000000 + frac;
    return 0;
}

int
k_parse_date(const char *s, size_t n, int32_t *out, KErr *err)
{
    const char *o = s;
    size_t on = n;
    trim(&s, &n);
    int64_t tod;
    /* like PostgreSQL, a time of day after the date is checked and dropped */
    int rc = parse_datetime(s, n, out, &tod);
    if (rc == 1)
        return k_error(err, K_INVALID_DATETIME_FORMAT,
                       "invalid input syntax for type date: \"%.*s\"", (int)K_MIN(on, 200), o);
    if (rc == 2)
        return k_error(err, K_DATETIME_FIELD_OVERFLOW,
                       "date/time field value out of range: \"%.*s\"", (int)K_MIN(on, 200), o);
    return K_OK;
}

int
k_parse_timestamp(const char *s, size_t n, int64_t *out, KErr *err)
{
    const char *o = s;
    size_t on = n;
    trim(&s, &n);
    int32_t days;
    int64_t tod;
    int rc = parse_datetime(s, n, &days, &tod);
    if (rc == 1)
        return k_error(err, K_INVALID_DATETIME_FORMAT,
                       "invalid input syntax for type timestamp: \"%.*s\"", (int)K_MIN(on, 200), o);
    if (rc == 2)
        return k_error(err, K_DATETIME_FIELD_OVERFLOW,
                       "date/time field value out of range: \"%.*s\"", (int)K_MIN(on, 200), o);
    k_int128 t = (k_int128)days * K_USECS_PER_DAY + tod;
    if (t > INT64_MAX || t < INT64_MIN)
        return k_error(err, K_DATETIME_FIELD_OVERFLOW, "timestamp out of range: \"%.*s\"",
                       (int)K_MIN(on, 200), o);
    *out = (int64_t)t;
    return K_OK;
}

/* Add n units of `per` microseconds plus the fraction f of one unit. */
static void
add_micros(k_int128 *us, int64_t n, double f, int64_t per)
{
    *us += (k_int128)n * per + (k_int128)llrint(f * (double)per);
}

/* Fractions of days spill into microseconds, as PostgreSQL does. */
static void
add_days(k_int128 *days, k_int128 *us, int64_t n, double f, int per_unit)
{
    double extra = f * per_unit;
    double whole = trunc(extra);
    *days += (k_int128)n * per_unit + (k_int128)whole;
    *us += (k_int128)llrint((extra - whole) * (double)K_USECS_PER_DAY);
}

int
k_parse_interval(const char *s, size_t n, KInterval *out, KErr *err)
{
    const char *o = s;
    size_t on = n, i = 0;
    trim(&s, &n);
    /* wide accumulators: overflow is checked once, at the end */
    k_int128 mon = 0, day = 0, us = 0;
    bool any = false;
    while (i < n) {
        while (i < n && isspace((unsigned char)s[i])) i++;
        if (i >= n) break;
        bool neg = false;
        if (s[i] == '-' || s[i] == '+') neg = s[i] == '-', i++;
        int64_t num = 0;
        size_t start = i;
        int nd = digits(s, n, &i, 18, &num);
        if (i < n && isdigit((unsigned char)s[i])) goto range; /* more than 18 digits */
        if (nd > 0 && i < n && s[i] == ':') {
            /* hh:mm[:ss[.frac]] */
            int64_t mm = 0, ss = 0, frac = 0;
            i++;
            if (digits(s, n, &i, 2, &mm) < 1) goto bad;
            if (i < n && s[i] == ':') {
                i++;
                if (digits(s, n, &i, 2, &ss) < 1) goto bad;
                if (i < n && s[i] == '.') {
                    i++;
                    frac = parse_fraction(s, n, &i);
                }
            }
            if (mm > 59 || ss > 59) goto range;
            k_int128 t = (((k_int128)num * 60 + mm) * 60 + ss) * 1000000 + frac;
            us += neg ? -t : t;
            any = true;
            continue;
        }
        /* a number with an optional fraction: 1, 1.5, .5 */
        double f = 0;
        if (i < n && s[i] == '.') {
            size_t fs = i++;
            while (i < n && isdigit((unsigned char)s[i])) i++;
            if (i - fs > 1) {
                char tmp[32] = "0";
                size_t fl = K_MIN(i - fs, sizeof tmp - 2);
                memcpy(tmp + 1, s + fs, fl);
                tmp[fl + 1] = '\0';
                f = strtod(tmp, NULL);
            } else if (nd == 0) {
                goto bad;
            }
        } else if (nd == 0) {
            goto bad;
        }
        (void)start;
        if (neg) num = -num, f = -f;
        while (i < n && isspace((unsigned char)s[i])) i++;
        size_t ustart = i;
        while (i < n && isalpha((unsigned char)s[i])) i++;
        size_t ul = i - ustart;
        const char *u = s + ustart;
#define UNIT(name) (ul == strlen(name) && strncasecmp(u, name, ul) == 0)
        if (ul == 0)
            add_micros(&us, num, f, 1000000); /* bare number: seconds */
        else if (UNIT("year") || UNIT("years") || UNIT("y") || UNIT("yr") || UNIT("yrs"))
            mon += (k_int128)num * 12 + llrint(f * 12);
        else if (UNIT("month") || UNIT("months") || UNIT("mon") || UNIT("mons"))
            mon += num, add_days(&day, &us, 0, f, 30);
        else if (UNIT("week") || UNIT("weeks") || UNIT("w"))
            add_days(&day, &us, num, f, 7);
        else if (UNIT("day") || UNIT("days") || UNIT("d"))
            add_days(&day, &us, num, f, 1);
        else if (UNIT("hour") || UNIT("hours") || UNIT("h") || UNIT("hr") || UNIT("hrs"))
            add_micros(&us, num, f, INT64_C(3600000000));
        else if (UNIT("minute") || UNIT("minutes") || UNIT("min") || UNIT("mins") || UNIT("m"))
            add_micros(&us, num, f, 60000000);
        else if (UNIT("second") || UNIT("seconds") || UNIT("sec") || UNIT("secs") || UNIT("s"))
            add_micros(&us, num, f, 1000000);
        else if (UNIT("millisecond") || UNIT("milliseconds") || UNIT("ms"))
            add_micros(&us, num, f, 1000);
        else if (UNIT("microsecond") || UNIT("microseconds") || UNIT("us"))
            add_micros(&us, num, f, 1);
        else
            goto bad;
#undef UNIT
        if (i < n && !isspace((unsigned char)s[i]) && s[i] != '-' && s[i] != '+') goto bad;
        any = true;
    }
    if (!any) goto bad;
    if (mon > INT32_MAX || mon < INT32_MIN || day > INT32_MAX || day < INT32_MIN ||
        us > INT64_MAX || us < INT64_MIN)
        goto range;
    out->months = (int32_t)mon;
    out->days = (int32_t)day;
    out->micros = (int64_t)us;
    return K_OK;
bad:
    return k_error(err, K_INVALID_DATETIME_FORMAT,
                   "invalid input syntax for type interval: \"%.*s\"", (int)K_MIN(on, 200), o);
range:
    return k_error(err, K_INTERVAL_FIELD_OVERFLOW, "interval field value out of range: \"%.*s\"",
                   (int)K_MIN(on, 200), o);
}

/* "YYYY-MM-DD" with the year as PostgreSQL shows it; *bc set for years <= 0. */
static int
format_ymd(int32_t days, char *buf, size_t cap, bool *bc)
{
    int y, m, d;
    k_date_to_ymd(days, &y, &m, &d);
    *bc = y <= 0;
    return snprintf(buf, cap, "%04d-%02d-%02d", *bc ? 1 - y : y, m, d);
}

int
k_format_date(int32_t days, char *buf, size_t cap)
{
    char tmp[32];
    bool bc;
    format_ymd(days, tmp, sizeof tmp, &bc);
    return snprintf(buf, cap, "%s%s", tmp, bc ? " BC" : "");
}

int
k_format_timestamp(int64_t us, char *buf, size_t cap)
{
    int64_t days = us / K_USECS_PER_DAY;
    int64_t rem = us % K_USECS_PER_DAY;
    if (rem < 0) rem += K_USECS_PER_DAY, days--;
    char date[32];
    bool bc;
    format_ymd((int32_t)days, date, sizeof date, &bc);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    int h = (int)(secs / 3600), mi = (int)(secs / 60 % 60), s = (int)(secs % 60);
    char f[9] = "";
    if (frac) {
        snprintf(f, sizeof f, ".%06lld", (long long)frac);
        int k = 7;
        while (f[k - 1] == '0') f[--k] = '\0';
    }
    /* PostgreSQL puts the era after the time: 0044-03-15 12:00:00 BC */
    return snprintf(buf, cap, "%s %02d:%02d:%02d%s%s", date, h, mi, s, f, bc ? " BC" : "");
}

/* One "N unit(s)" field in PostgreSQL's style: a leading space unless
 * first, a '+' when a negative field came before, plural unless N == 1. */
static void
put_field(char *out, size_t cap, size_t *w, int32_t v, const char *unit, bool *is_before,
          bool *is_zero)
{
    if (v == 0) return;
    *w += (size_t)snprintf(out + *w, cap - *w, "%s%s%d %s%s", *is_zero ? "" : " ",
                           *is_before && v > 0 ? "+" : "", v, unit, v != 1 ? "s" : "");
    *is_before = v < 0;
    *is_zero = false;
}

int
k_format_interval(const KInterval *v, char *buf, size_t cap)
{
    /* PostgreSQL's default "postgres" IntervalStyle:
     *   1 year 2 mons 3 days 04:05:06, -1 years +2 mons, -1 days +02:00:00 */
    char out[160];
    size_t w = 0;
    bool is_before = false, is_zero = true;
    put_field(out, sizeof out, &w, v->months / 12, "year", &is_before, &is_zero);
    put_field(out, sizeof out, &w, v->months % 12, "mon", &is_before, &is_zero);
    put_field(out, sizeof out, &w, v->days, "day", &is_before, &is_zero);
    if (is_zero || v->micros != 0) {
        bool minus = v->micros < 0;
        uint64_t us = minus ? (uint64_t)0 - (uint64_t)v->micros : (uint64_t)v->micros;
        uint64_t secs = us / 1000000, frac = us % 1000000;
        w += (size_t)snprintf(
            out + w, sizeof out - w, "%s%s%02llu:%02llu:%02llu", is_zero ? "" : " ",
            minus       ? "-"
            : is_before ? "+"
                        : "",
            (unsigned long long)(secs / 3600), (unsigned long long)(secs / 60 % 60),
            (unsigned long long)(secs % 60));
        if (frac) {
            char f[8];
            snprintf(f, sizeof f, "%06llu", (unsigned long long)frac);
            int k = 6;
            while (k > 0 && f[k - 1] == '0') f[--k] = '\0';
            w += (size_t)snprintf(out + w, sizeof out - w, ".%s", f);
        }
    }
    return snprintf(buf, cap, "%s", out);
}
