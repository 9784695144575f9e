/*
 * keywords.c — the one keyword table of Kestrel's SQL.
 *
 * Every word the grammar treats specially, sorted by name for binary
 * search, with its PostgreSQL category. Unreserved and column-name keywords
 * fall back to ID in the grammar (%fallback in grammar.y) wherever they
 * have no meaning of their own; reserved and type/function-name keywords
 * never do. The printer quotes identifiers that collide with the reserved
 * ones (pr_keyword_kind).
 *
 * Interface routines: pr__keyword_lookup, pr_keyword_kind, pr__keyword_count,
 * pr__keyword_at (the tests walk the table).
 */
#include "parser/parser_int.h"
#include "grammar.h"

static const PrKeyword keywords[] = {
    {"abort", PR_TK_ABORT, PR_KW_UNRESERVED},
    {"add", PR_TK_ADD, PR_KW_UNRESERVED},
    {"all", PR_TK_ALL, PR_KW_RESERVED},
    {"alter", PR_TK_ALTER, PR_KW_UNRESERVED},
    {"analyze", PR_TK_ANALYZE, PR_KW_RESERVED},
    {"and", PR_TK_AND, PR_KW_RESERVED},
    {"any", PR_TK_ANY, PR_KW_RESERVED},
    {"array", PR_TK_ARRAY, PR_KW_RESERVED},
    {"as", PR_TK_AS, PR_KW_RESERVED},
    {"asc", PR_TK_ASC, PR_KW_RESERVED},
    {"asymmetric", PR_TK_ASYMMETRIC, PR_KW_RESERVED},
    {"at", PR_TK_AT, PR_KW_UNRESERVED},
    {"attach", PR_TK_ATTACH, PR_KW_UNRESERVED},
    {"begin", PR_TK_BEGIN, PR_KW_UNRESERVED},
    {"between", PR_TK_BETWEEN, PR_KW_RESERVED},
    {"binary", PR_TK_BINARY, PR_KW_TYPE_FUNC_NAME},
    {"both", PR_TK_BOTH, PR_KW_RESERVED},
    {"by", PR_TK_BY, PR_KW_UNRESERVED},
    {"cascade", PR_TK_CASCADE, PR_KW_UNRESERVED},
    {"case", PR_TK_CASE, PR_KW_RESERVED},
    {"cast", PR_TK_CAST, PR_KW_RESERVED},
    {"char", PR_TK_CHAR, PR_KW_COL_NAME},
    {"character", PR_TK_CHARACTER, PR_KW_COL_NAME},
    {"characteristics", PR_TK_CHARACTERISTICS, PR_KW_UNRESERVED},
    {"check", PR_TK_CHECK, PR_KW_RESERVED},
    {"collate", PR_TK_COLLATE, PR_KW_RESERVED},
    {"column", PR_TK_COLUMN, PR_KW_RESERVED},
    {"commit", PR_TK_COMMIT, PR_KW_UNRESERVED},
    {"committed", PR_TK_COMMITTED, PR_KW_UNRESERVED},
    {"concurrently", PR_TK_CONCURRENTLY, PR_KW_TYPE_FUNC_NAME},
    {"constraint", PR_TK_CONSTRAINT, PR_KW_RESERVED},
    {"continue", PR_TK_CONTINUE, PR_KW_UNRESERVED},
    {"copy", PR_TK_COPY, PR_KW_UNRESERVED},
    {"create", PR_TK_CREATE, PR_KW_RESERVED},
    {"cross", PR_TK_CROSS, PR_KW_TYPE_FUNC_NAME},
    {"csv", PR_TK_CSV, PR_KW_UNRESERVED},
    {"cube", PR_TK_CUBE, PR_KW_UNRESERVED},
    {"current", PR_TK_CURRENT, PR_KW_UNRESERVED},
    {"current_catalog", PR_TK_CURRENT_CATALOG, PR_KW_RESERVED},
    {"current_date", PR_TK_CURRENT_DATE, PR_KW_RESERVED},
    {"current_schema", PR_TK_CURRENT_SCHEMA, PR_KW_RESERVED},
    {"current_time", PR_TK_CURRENT_TIME, PR_KW_RESERVED},
    {"current_timestamp", PR_TK_CURRENT_TIMESTAMP, PR_KW_RESERVED},
    {"current_user", PR_TK_CURRENT_USER, PR_KW_RESERVED},
    {"data", PR_TK_DATA, PR_KW_UNRESERVED},
    {"day", PR_TK_DAY, PR_KW_UNRESERVED},
    {"deallocate", PR_TK_DEALLOCATE, PR_KW_UNRESERVED},
    {"default", PR_TK_DEFAULT, PR_KW_RESERVED},
    {"deferrable", PR_TK_DEFERRABLE, PR_KW_RESERVED},
    {"delete", PR_TK_DELETE, PR_KW_UNRESERVED},
    {"delimiter", PR_TK_DELIMITER, PR_KW_UNRESERVED},
    {"desc", PR_TK_DESC, PR_KW_RESERVED},
    {"detach", PR_TK_DETACH, PR_KW_UNRESERVED},
    {"distinct", PR_TK_DISTINCT, PR_KW_RESERVED},
    {"distributed", PR_TK_DISTRIBUTED, PR_KW_RESERVED},
    {"double", PR_TK_DOUBLE, PR_KW_COL_NAME},
    {"drop", PR_TK_DROP, PR_KW_UNRESERVED},
    {"else", PR_TK_ELSE, PR_KW_RESERVED},
    {"encoding", PR_TK_ENCODING, PR_KW_UNRESERVED},
    {"end", PR_TK_END, PR_KW_RESERVED},
    {"escape", PR_TK_ESCAPE, PR_KW_UNRESERVED},
    {"except", PR_TK_EXCEPT, PR_KW_RESERVED},
    {"exclude", PR_TK_EXCLUDE, PR_KW_UNRESERVED},
    {"execute", PR_TK_EXECUTE, PR_KW_UNRESERVED},
    {"exists", PR_TK_EXISTS, PR_KW_COL_NAME},
    {"explain", PR_TK_EXPLAIN, PR_KW_UNRESERVED},
    {"extract", PR_TK_EXTRACT, PR_KW_COL_NAME},
    {"false", PR_TK_FALSE, PR_KW_RESERVED},
    {"fetch", PR_TK_FETCH, PR_KW_RESERVED},
    {"filter", PR_TK_FILTER, PR_KW_UNRESERVED},
    {"first", PR_TK_FIRST, PR_KW_UNRESERVED},
    {"following", PR_TK_FOLLOWING, PR_KW_UNRESERVED},
    {"for", PR_TK_FOR, PR_KW_RESERVED},
    {"foreign", PR_TK_FOREIGN, PR_KW_RESERVED},
    {"format", PR_TK_FORMAT, PR_KW_UNRESERVED},
    {"from", PR_TK_FROM, PR_KW_RESERVED},
    {"full", PR_TK_FULL, PR_KW_TYPE_FUNC_NAME},
    {"group", PR_TK_GROUP, PR_KW_RESERVED},
    {"grouping", PR_TK_GROUPING, PR_KW_COL_NAME},
    {"groups", PR_TK_GROUPS, PR_KW_UNRESERVED},
    {"having", PR_TK_HAVING, PR_KW_RESERVED},
    {"header", PR_TK_HEADER, PR_KW_UNRESERVED},
    {"hour", PR_TK_HOUR, PR_KW_UNRESERVED},
    {"identity", PR_TK_IDENTITY, PR_KW_UNRESERVED},
    {"if", PR_TK_IF, PR_KW_UNRESERVED},
    {"ilike", PR_TK_ILIKE, PR_KW_TYPE_FUNC_NAME},
    {"in", PR_TK_IN, PR_KW_RESERVED},
    {"index", PR_TK_INDEX, PR_KW_UNRESERVED},
    {"inner", PR_TK_INNER, PR_KW_TYPE_FUNC_NAME},
    {"insert", PR_TK_INSERT, PR_KW_UNRESERVED},
    {"intersect", PR_TK_INTERSECT, PR_KW_RESERVED},
    {"interval", PR_TK_INTERVAL, PR_KW_COL_NAME},
    {"into", PR_TK_INTO, PR_KW_RESERVED},
    {"is", PR_TK_IS, PR_KW_TYPE_FUNC_NAME},
    {"isnull", PR_TK_ISNULL, PR_KW_TYPE_FUNC_NAME},
    {"isolation", PR_TK_ISOLATION, PR_KW_UNRESERVED},
    {"join", PR_TK_JOIN, PR_KW_TYPE_FUNC_NAME},
    {"key", PR_TK_KEY, PR_KW_UNRESERVED},
    {"last", PR_TK_LAST, PR_KW_UNRESERVED},
    {"lateral", PR_TK_LATERAL, PR_KW_RESERVED},
    {"leading", PR_TK_LEADING, PR_KW_RESERVED},
    {"left", PR_TK_LEFT, PR_KW_TYPE_FUNC_NAME},
    {"level", PR_TK_LEVEL, PR_KW_UNRESERVED},
    {"like", PR_TK_LIKE, PR_KW_TYPE_FUNC_NAME},
    {"limit", PR_TK_LIMIT, PR_KW_RESERVED},
    {"local", PR_TK_LOCAL, PR_KW_UNRESERVED},
    {"localtime", PR_TK_LOCALTIME, PR_KW_RESERVED},
    {"localtimestamp", PR_TK_LOCALTIMESTAMP, PR_KW_RESERVED},
    {"materialized", PR_TK_MATERIALIZED, PR_KW_UNRESERVED},
    {"minute", PR_TK_MINUTE, PR_KW_UNRESERVED},
    {"month", PR_TK_MONTH, PR_KW_UNRESERVED},
    {"names", PR_TK_NAMES, PR_KW_UNRESERVED},
    {"natural", PR_TK_NATURAL, PR_KW_TYPE_FUNC_NAME},
    {"next", PR_TK_NEXT, PR_KW_UNRESERVED},
    {"no", PR_TK_NO, PR_KW_UNRESERVED},
    {"not", PR_TK_NOT, PR_KW_RESERVED},
    {"notnull", PR_TK_NOTNULL, PR_KW_TYPE_FUNC_NAME},
    {"null", PR_TK_NULL, PR_KW_RESERVED},
    {"nulls", PR_TK_NULLS, PR_KW_UNRESERVED},
    {"of", PR_TK_OF, PR_KW_UNRESERVED},
    {"offset", PR_TK_OFFSET, PR_KW_RESERVED},
    {"on", PR_TK_ON, PR_KW_RESERVED},
    {"only", PR_TK_ONLY, PR_KW_RESERVED},
    {"operator", PR_TK_OPERATOR, PR_KW_RESERVED},
    {"or", PR_TK_OR, PR_KW_RESERVED},
    {"order", PR_TK_ORDER, PR_KW_RESERVED},
    {"others", PR_TK_OTHERS, PR_KW_UNRESERVED},
    {"outer", PR_TK_OUTER, PR_KW_TYPE_FUNC_NAME},
    {"over", PR_TK_OVER, PR_KW_UNRESERVED},
    {"overlay", PR_TK_OVERLAY, PR_KW_COL_NAME},
    {"partition", PR_TK_PARTITION, PR_KW_UNRESERVED},
    {"placing", PR_TK_PLACING, PR_KW_RESERVED},
    {"position", PR_TK_POSITION, PR_KW_COL_NAME},
    {"preceding", PR_TK_PRECEDING, PR_KW_UNRESERVED},
    {"precision", PR_TK_PRECISION, PR_KW_COL_NAME},
    {"prepare", PR_TK_PREPARE, PR_KW_UNRESERVED},
    {"primary", PR_TK_PRIMARY, PR_KW_RESERVED},
    {"quote", PR_TK_QUOTE, PR_KW_UNRESERVED},
    {"randomly", PR_TK_RANDOMLY, PR_KW_UNRESERVED},
    {"range", PR_TK_RANGE, PR_KW_UNRESERVED},
    {"read", PR_TK_READ, PR_KW_UNRESERVED},
    {"recursive", PR_TK_RECURSIVE, PR_KW_UNRESERVED},
    {"references", PR_TK_REFERENCES, PR_KW_RESERVED},
    {"refresh", PR_TK_REFRESH, PR_KW_UNRESERVED},
    {"release", PR_TK_RELEASE, PR_KW_UNRESERVED},
    {"rename", PR_TK_RENAME, PR_KW_UNRESERVED},
    {"repeatable", PR_TK_REPEATABLE, PR_KW_UNRESERVED},
    {"replace", PR_TK_REPLACE, PR_KW_UNRESERVED},
    {"replicated", PR_TK_REPLICATED, PR_KW_UNRESERVED},
    {"reset", PR_TK_RESET, PR_KW_UNRESERVED},
    {"restart", PR_TK_RESTART, PR_KW_UNRESERVED},
    {"restrict", PR_TK_RESTRICT, PR_KW_UNRESERVED},
    {"returning", PR_TK_RETURNING, PR_KW_RESERVED},
    {"right", PR_TK_RIGHT, PR_KW_TYPE_FUNC_NAME},
    {"rollback", PR_TK_ROLLBACK, PR_KW_UNRESERVED},
    {"rollup", PR_TK_ROLLUP, PR_KW_UNRESERVED},
    {"row", PR_TK_ROW, PR_KW_COL_NAME},
    {"rows", PR_TK_ROWS, PR_KW_UNRESERVED},
    {"savepoint", PR_TK_SAVEPOINT, PR_KW_UNRESERVED},
    {"schema", PR_TK_SCHEMA, PR_KW_UNRESERVED},
    {"second", PR_TK_SECOND, PR_KW_UNRESERVED},
    {"select", PR_TK_SELECT, PR_KW_RESERVED},
    {"serializable", PR_TK_SERIALIZABLE, PR_KW_UNRESERVED},
    {"session", PR_TK_SESSION, PR_KW_UNRESERVED},
    {"session_user", PR_TK_SESSION_USER, PR_KW_RESERVED},
    {"set", PR_TK_SET, PR_KW_UNRESERVED},
    {"sets", PR_TK_SETS, PR_KW_UNRESERVED},
    {"show", PR_TK_SHOW, PR_KW_UNRESERVED},
    {"similar", PR_TK_SIMILAR, PR_KW_TYPE_FUNC_NAME},
    {"some", PR_TK_SOME, PR_KW_RESERVED},
    {"start", PR_TK_START, PR_KW_UNRESERVED},
    {"stdin", PR_TK_STDIN, PR_KW_UNRESERVED},
    {"stdout", PR_TK_STDOUT, PR_KW_UNRESERVED},
    {"substring", PR_TK_SUBSTRING, PR_KW_COL_NAME},
    {"symmetric", PR_TK_SYMMETRIC, PR_KW_RESERVED},
    {"table", PR_TK_TABLE, PR_KW_RESERVED},
    {"temp", PR_TK_TEMP, PR_KW_UNRESERVED},
    {"temporary", PR_TK_TEMPORARY, PR_KW_UNRESERVED},
    {"then", PR_TK_THEN, PR_KW_RESERVED},
    {"ties", PR_TK_TIES, PR_KW_UNRESERVED},
    {"time", PR_TK_TIME, PR_KW_COL_NAME},
    {"timestamp", PR_TK_TIMESTAMP, PR_KW_COL_NAME},
    {"to", PR_TK_TO, PR_KW_RESERVED},
    {"trailing", PR_TK_TRAILING, PR_KW_RESERVED},
    {"transaction", PR_TK_TRANSACTION, PR_KW_UNRESERVED},
    {"trim", PR_TK_TRIM, PR_KW_COL_NAME},
    {"true", PR_TK_TRUE, PR_KW_RESERVED},
    {"truncate", PR_TK_TRUNCATE, PR_KW_UNRESERVED},
    {"type", PR_TK_TYPE, PR_KW_UNRESERVED},
    {"unbounded", PR_TK_UNBOUNDED, PR_KW_UNRESERVED},
    {"uncommitted", PR_TK_UNCOMMITTED, PR_KW_UNRESERVED},
    {"union", PR_TK_UNION, PR_KW_RESERVED},
    {"unique", PR_TK_UNIQUE, PR_KW_RESERVED},
    {"unknown", PR_TK_UNKNOWN, PR_KW_UNRESERVED},
    {"unlogged", PR_TK_UNLOGGED, PR_KW_UNRESERVED},
    {"update", PR_TK_UPDATE, PR_KW_UNRESERVED},
    {"user", PR_TK_USER, PR_KW_RESERVED},
    {"using", PR_TK_USING, PR_KW_RESERVED},
    {"values", PR_TK_VALUES, PR_KW_COL_NAME},
    {"varying", PR_TK_VARYING, PR_KW_UNRESERVED},
    {"verbose", PR_TK_VERBOSE, PR_KW_TYPE_FUNC_NAME},
    {"view", PR_TK_VIEW, PR_KW_UNRESERVED},
    {"when", PR_TK_WHEN, PR_KW_RESERVED},
    {"where", PR_TK_WHERE, PR_KW_RESERVED},
    {"window", PR_TK_WINDOW, PR_KW_RESERVED},
    {"with", PR_TK_WITH, PR_KW_RESERVED},
    {"without", PR_TK_WITHOUT, PR_KW_UNRESERVED},
    {"work", PR_TK_WORK, PR_KW_UNRESERVED},
    {"write", PR_TK_WRITE, PR_KW_UNRESERVED},
    {"year", PR_TK_YEAR, PR_KW_UNRESERVED},
    {"zone", PR_TK_ZONE, PR_KW_UNRESERVED},
};

#define PR_MAX_KEYWORD_LEN 24

const PrKeyword *
pr__keyword_lookup(const char *word, size_t len)
{
    if (len == 0 || len > PR_MAX_KEYWORD_LEN) return NULL;
    char buf[PR_MAX_KEYWORD_LEN + 1];
    for (size_t i = 0; i < len; i++) {
        char c = word[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        buf[i] = c;
    }
    buf[len] = 0;
    size_t lo = 0, hi = K_ARRAY_LEN(keywords);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(buf, keywords[mid].name);
        if (c == 0) return &keywords[mid];
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

size_t
pr__keyword_count(void)
{
    return K_ARRAY_LEN(keywords);
}

const PrKeyword *
pr__keyword_at(size_t i)
{
    return i < K_ARRAY_LEN(keywords) ? &keywords[i] : NULL;
}

PrKeywordKind
pr_keyword_kind(const char *word, size_t len)
{
    const PrKeyword *k = pr__keyword_lookup(word, len);
    return k ? k->kind : PR_KW_NONE;
}
