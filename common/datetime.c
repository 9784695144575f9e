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
#include <stdio.h>
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

/* Parse "YYYY-MM-DD" at s[*i]; leaves *i after it. 0 ok, 1 syntax, 2 range. */
static int
parse_ymd(const char *s, size_t n, size_t *i, int32_t *out)
{
    int64_t y, m, d;
    bool neg = false;
    if (*i < n && s[*i] == '-') neg = true, (*i)++;
    if (digits(s, n, i, 7, &y) < 1) return 1;
    if (*i >= n || s[*i] != '-') return 1;
    (*i)++;
    if (digits(s, n, i, 2, &m) < 1) return 1;
    if (*i >= n || s[*i] != '-') return 1;
    (*i)++;
    if (digits(s, n, i, 2, &d) < 1) return 1;
    if (neg) y = -y;
    if (!k_date_valid_ymd((int)y, (int)m, (int)d)) return 2;
    *out = k_date_from_ymd((int)y, (int)m, (int)d);
    /* optional " BC" is not supported; trailing text is checked by caller */
    return 0;
}

int
k_parse_date(const char *s, size_t n, int32_t *out, KErr *err)
{
    const char *o = s;
    size_t on = n, i = 0;
    trim(&s, &n);
    int rc = parse_ymd(s, n, &i, out);
    if (rc == 0 && i != n) {
        /* allow a zero time part: "1998-12-01 00:00:00" */
        int64_t dummy;
        size_t j = i;
        if (s[j] == ' ' || s[j] == 'T') {
            j++;
            int32_t h = 0;
            if (digits(s, n, &j, 2, &dummy) == 2) h = (int32_t)dummy;
            (void)h;
            while (j < n && (isdigit((unsigned char)s[j]) || s[j] == ':' || s[j] == '.')) j++;
            if (j == n) return K_OK;
        }
        rc = 1;
    }
    if (rc == 1)
        return k_error(err, K_INVALID_DATETIME_FORMAT, "invalid input syntax for type date: \"%.*s\"",
                       (int)K_MIN(on, 200), o);
    if (rc == 2)
        return k_error(err, K_DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"",
                       (int)K_MIN(on, 200), o);
    return K_OK;
}

int
k_parse_timestamp(const char *s, size_t n, int64_t *out, KErr *err)
{
    const char *o = s;
    size_t on = n, i = 0;
    trim(&s, &n);
    int32_t days;
    int rc = parse_ymd(s, n, &i, &days);
    int64_t h = 0, mi = 0, sec = 0, frac = 0;
    if (rc == 0 && i < n) {
        if (s[i] != ' ' && s[i] != 'T') rc = 1;
        else {
            i++;
            if (digits(s, n, &i, 2, &h) < 1 || i >= n || s[i] != ':') rc = 1;
            else {
                i++;
                if (digits(s, n, &i, 2, &mi) < 1) rc = 1;
                else if (i < n && s[i] == ':') {
                    i++;
                    if (digits(s, n, &i, 2, &sec) < 1) rc = 1;
                    else if (i < n && s[i] == '.') {
                        i++;
                        int k = 0;
                        while (i < n && isdigit((unsigned char)s[i])) {
                            if (k < 6) frac = frac * 10 + (s[i] - '0'), k++;
                            i++;
                        }
                        while (k < 6) frac *= 10, k++;
                    }
                }
                if (rc == 0 && i != n) rc = 1;
                if (rc == 0 && (h > 24 || mi > 59 || sec > 60 || (h == 24 && (mi || sec || frac)))) rc = 2;
            }
        }
    }
    if (rc == 1)
        return k_error(err, K_INVALID_DATETIME_FORMAT, "invalid input syntax for type timestamp: \"%.*s\"",
                       (int)K_MIN(on, 200), o);
    if (rc == 2)
        return k_error(err, K_DATETIME_FIELD_OVERFLOW, "date/time field value out of range: \"%.*s\"",
                       (int)K_MIN(on, 200), o);
    *out = (int64_t)days * K_USECS_PER_DAY + ((h * 60 + mi) * 60 + sec) * 1000000 + frac;
    return K_OK;
}

int
k_parse_interval(const char *s, size_t n, KInterval *out, KErr *err)
{
    const char *o = s;
    size_t on = n, i = 0;
    trim(&s, &n);
    KInterval v = {0, 0, 0};
    bool any = false;
    while (i < n) {
        while (i < n && isspace((unsigned char)s[i])) i++;
        if (i >= n) break;
        bool neg = false;
        if (s[i] == '-' || s[i] == '+') neg = s[i] == '-', i++;
        int64_t num;
        size_t start = i;
        if (digits(s, n, &i, 18, &num) < 1) goto bad;
        if (i < n && s[i] == ':') {
            /* hh:mm[:ss[.frac]] */
            int64_t mm = 0, ss = 0, frac = 0;
            i++;
            if (digits(s, n, &i, 2, &mm) < 1) goto bad;
            if (i < n && s[i] == ':') {
                i++;
                if (digits(s, n, &i, 2, &ss) < 1) goto bad;
                if (i < n && s[i] == '.') {
                    i++;
                    int k = 0;
                    while (i < n && isdigit((unsigned char)s[i])) {
                        if (k < 6) frac = frac * 10 + (s[i] - '0'), k++;
                        i++;
                    }
                    while (k < 6) frac *= 10, k++;
                }
            }
            int64_t us = ((num * 60 + mm) * 60 + ss) * 1000000 + frac;
            v.micros += neg ? -us : us;
            any = true;
            continue;
        }
        (void)start;
        if (neg) num = -num;
        while (i < n && isspace((unsigned char)s[i])) i++;
        size_t us = i;
        while (i < n && isalpha((unsigned char)s[i])) i++;
        size_t ul = i - us;
        const char *u = s + us;
#define UNIT(name) (ul == strlen(name) && strncasecmp(u, name, ul) == 0)
        if (ul == 0) v.micros += num * 1000000; /* bare number: seconds */
        else if (UNIT("year") || UNIT("years") || UNIT("y") || UNIT("yr") || UNIT("yrs")) v.months += (int32_t)(num * 12);
        else if (UNIT("month") || UNIT("months") || UNIT("mon") || UNIT("mons")) v.months += (int32_t)num;
        else if (UNIT("week") || UNIT("weeks") || UNIT("w")) v.days += (int32_t)(num * 7);
        else if (UNIT("day") || UNIT("days") || UNIT("d")) v.days += (int32_t)num;
        else if (UNIT("hour") || UNIT("hours") || UNIT("h") || UNIT("hr") || UNIT("hrs")) v.micros += num * 3600000000LL;
        else if (UNIT("minute") || UNIT("minutes") || UNIT("min") || UNIT("mins") || UNIT("m")) v.micros += num * 60000000LL;
        else if (UNIT("second") || UNIT("seconds") || UNIT("sec") || UNIT("secs") || UNIT("s")) v.micros += num * 1000000LL;
        else if (UNIT("millisecond") || UNIT("milliseconds") || UNIT("ms")) v.micros += num * 1000LL;
        else if (UNIT("microsecond") || UNIT("microseconds") || UNIT("us")) v.micros += num;
        else goto bad;
#undef UNIT
        any = true;
    }
    if (!any) goto bad;
    *out = v;
    return K_OK;
bad:
    return k_error(err, K_INVALID_DATETIME_FORMAT, "invalid input syntax for type interval: \"%.*s\"",
                   (int)K_MIN(on, 200), o);
}

int
k_format_date(int32_t days, char *buf, size_t cap)
{
    int y, m, d;
    k_date_to_ymd(days, &y, &m, &d);
    if (y <= 0) return snprintf(buf, cap, "%04d-%02d-%02d BC", 1 - y, m, d);
    return snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
}

int
k_format_timestamp(int64_t us, char *buf, size_t cap)
{
    int64_t days = us / K_USECS_PER_DAY;
    int64_t rem = us % K_USECS_PER_DAY;
    if (rem < 0) rem += K_USECS_PER_DAY, days--;
    char date[32];
    k_format_date((int32_t)days, date, sizeof date);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    int h = (int)(secs / 3600), mi = (int)(secs / 60 % 60), s = (int)(secs % 60);
    if (!frac) return snprintf(buf, cap, "%s %02d:%02d:%02d", date, h, mi, s);
    char f[8];
    snprintf(f, sizeof f, "%06lld", (long long)frac);
    int k = 6;
    while (k > 0 && f[k - 1] == '0') f[--k] = '\0';
    return snprintf(buf, cap, "%s %02d:%02d:%02d.%s", date, h, mi, s, f);
}

int
k_format_interval(const KInterval *v, char *buf, size_t cap)
{
    /* PostgreSQL's "postgres" IntervalStyle: 1 year 2 mons 3 days 04:05:06 */
    char out[128];
    size_t w = 0;
    int32_t years = v->months / 12, mons = v->months % 12;
#define PUT(...) w += (size_t)snprintf(out + w, sizeof out - w, __VA_ARGS__)
    if (years) PUT("%s%d year%s", w ? " " : "", years, years == 1 || years == -1 ? "" : "s");
    if (mons) PUT("%s%d mon%s", w ? " " : "", mons, mons == 1 || mons == -1 ? "" : "s");
    if (v->days) PUT("%s%d day%s", w ? " " : "", v->days, v->days == 1 || v->days == -1 ? "" : "s");
    if (v->micros || w == 0) {
        int64_t us = v->micros < 0 ? -v->micros : v->micros;
        int64_t secs = us / 1000000, frac = us % 1000000;
        PUT("%s%s%02lld:%02lld:%02lld", w ? " " : "", v->micros < 0 ? "-" : "", (long long)(secs / 3600),
            (long long)(secs / 60 % 60), (long long)(secs % 60));
        if (frac) {
            char f[8];
            snprintf(f, sizeof f, "%06lld", (long long)frac);
            int k = 6;
            while (k > 0 && f[k - 1] == '0') f[--k] = '\0';
            PUT(".%s", f);
        }
    }
#undef PUT
    return snprintf(buf, cap, "%s", out);
}
