/*
 * meta.c — backslash commands.
 *
 * Interface routine (private): cl__meta.
 *
 * Catalog commands (\d, \dt, \d NAME, \l) use ordinary SQL over
 * information_schema (and pg_catalog.pg_database for \l), which Kestrel
 * serves as PostgreSQL does. Kestrel-only facts come from its own views
 * when the server has them: kestrel_tables / kestrel_partitions add the
 * distribution and partitions under \d NAME, kestrel_workers is \workers.
 * Their presence is checked through information_schema first, so a missing
 * view never aborts the user's open transaction.
 */
#include "client/client_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Split off the next argument: 'quoted' (with '' inside), "quoted" or a
 * bare word. Returns a malloc'd string or NULL at the end. */
static char *
next_arg(const char **pp)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) {
        *pp = p;
        return NULL;
    }
    ClBuf b;
    cl_buf_init(&b);
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p) {
            if (*p == q) {
                if (p[1] == q) {
                    cl_buf_putc(&b, q);
                    p += 2;
                    continue;
                }
                p++;
                break;
            }
            cl_buf_putc(&b, *p++);
        }
        if (q == '"') {
            /* keep the quotes: the caller decides about case folding */
            ClBuf r;
            cl_buf_init(&r);
            cl_buf_putc(&r, '"');
            cl_buf_puts(&r, cl_buf_str(&b));
            cl_buf_putc(&r, '"');
            cl_buf_free(&b);
            b = r;
        }
    } else {
        while (*p && *p != ' ' && *p != '\t') cl_buf_putc(&b, *p++);
    }
    *pp = p;
    if (!b.data) return strdup("");
    return b.data;
}

static const char *
rest_of(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

static bool
on_off(ClShell *sh, const char *cmd, const char *arg, bool cur, bool *out)
{
    if (!arg) {
        *out = !cur;
        return true;
    }
    if (cl__parse_bool(arg, out)) return true;
    cl__errorf(sh, "\\%s: unrecognized value \"%s\": Boolean expected", cmd, arg);
    return false;
}

static void
help(ClShell *sh)
{
    ClBuf b;
    cl_buf_init(&b);
    cl_buf_puts(&b, "General\n"
                    "  \\q                      quit kestrel\n"
                    "  \\? [commands]           show this help\n"
                    "  \\conninfo               show the connection\n"
                    "  \\c [DB [USER [HOST [PORT]]]]  connect again (to another database)\n"
                    "  \\timing [on|off]        show how long each statement takes\n"
                    "  \\set [NAME [VALUE]]     set or list variables (ON_ERROR_STOP, VERBOSITY,\n"
                    "                          QUIET); SQL uses them as :NAME, :'NAME', :\"NAME\"\n"
                    "  \\unset NAME             remove a variable\n"
                    "  \\echo TEXT              print TEXT\n"
                    "\n"
                    "Query buffer\n"
                    "  \\g                      run the pending statement\n"
                    "  \\p                      show the pending statement\n"
                    "  \\r                      forget the pending statement\n"
                    "\n"
                    "Input and output\n"
                    "  \\i FILE                 run the statements in FILE\n"
                    "  \\o [FILE]               send results to FILE (|command pipes), or back\n"
                    "  \\copy ...               copy between a client file and a table:\n"
                    "                          \\copy t FROM 'file' [WITH (FORMAT csv, ...)]\n"
                    "                          \\copy t|(query) TO 'file' [WITH ...]\n"
                    "\n"
                    "Formatting\n"
                    "  \\x [on|off|auto]        expanded (one field per line) output; auto\n"
                    "                          switches for rows wider than the terminal\n"
                    "  \\a                      toggle aligned/unaligned output\n"
                    "  \\t [on|off]             rows only (no header, no row count)\n"
                    "  \\pset NAME [VALUE]      format (aligned|unaligned|csv|json), null,\n"
                    "                          fieldsep, tuples_only, expanded, pager\n"
                    "\n"
                    "Catalog\n"
                    "  \\d                      list tables and views\n"
                    "  \\dt                     list tables\n"
                    "  \\d NAME                 describe a table: columns, types, nullability,\n"
                    "                          and on Kestrel its distribution and partitions\n"
                    "  \\l                      list databases\n"
                    "\n"
                    "Kestrel\n"
                    "  \\workers                the cluster's workers (kestrel_workers)\n"
                    "  \\explain QUERY          run EXPLAIN ANALYZE and draw the plan as a tree\n"
                    "                          with a bar for each operator's share of the time\n");
    ClTable none = {0};
    (void)none;
    fputs(cl_buf_str(&b), sh->out);
    fflush(sh->out);
    cl_buf_free(&b);
}

/* Split "schema.name" and fold unquoted parts to lower case. */
static void
split_name(const char *in, char **schema, char **name)
{
    *schema = NULL;
    const char *dot = NULL;
    bool q = false;
    for (const char *p = in; *p; p++) {
        if (*p == '"')
            q = !q;
        else if (*p == '.' && !q && !dot)
            dot = p;
    }
    const char *parts[2] = {in, NULL};
    size_t lens[2] = {strlen(in), 0};
    if (dot) {
        lens[0] = (size_t)(dot - in);
        parts[1] = dot + 1;
        lens[1] = strlen(dot + 1);
    }
    char *out[2] = {NULL, NULL};
    for (int i = 0; i < 2 && parts[i]; i++) {
        const char *s = parts[i];
        size_t n = lens[i];
        char *o = malloc(n + 1);
        if (!o) break;
        size_t k = 0;
        if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
            for (size_t j = 1; j + 1 < n; j++) {
                if (s[j] == '"' && s[j + 1] == '"') j++;
                o[k++] = s[j];
            }
        } else {
            for (size_t j = 0; j < n; j++) o[k++] = (char)tolower((unsigned char)s[j]);
        }
        o[k] = '\0';
        out[i] = o;
    }
    if (dot) {
        *schema = out[0];
        *name = out[1];
    } else {
        *name = out[0];
    }
}

/* Run a query on a Kestrel-only view; NULL (silently) when the server has
 * no such view. Outside a transaction block a failing query costs nothing,
 * so it is just tried; inside one, information_schema is asked first so
 * the user's transaction is not aborted. */
static PGresult *
kestrel_view_query(ClShell *sh, const char *view, const char *sql)
{
    if (PQtransactionStatus(sh->conn) != PQTRANS_IDLE) {
        char q[256];
        snprintf(q, sizeof q, "SELECT 1 FROM information_schema.tables WHERE table_name = '%s'",
                 view);
        PGresult *r = PQexec(sh->conn, q);
        bool ok = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
        PQclear(r);
        if (!ok) return NULL;
    }
    PGresult *r = PQexec(sh->conn, sql);
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK) return r;
    PQclear(r);
    return NULL;
}

static void
pretty_label(ClBuf *b, const char *col)
{
    bool first = true;
    for (const char *p = col; *p; p++) {
        char c = *p == '_' ? ' ' : *p;
        cl_buf_putc(b, first ? (char)toupper((unsigned char)c) : c);
        first = false;
    }
}

static int
describe_table(ClShell *sh, const char *arg)
{
    char *schema, *name;
    split_name(arg, &schema, &name);
    if (!name) {
        free(schema);
        return K_ERR;
    }
    char *lname = PQescapeLiteral(sh->conn, name, strlen(name));
    char *lschema = schema ? PQescapeLiteral(sh->conn, schema, strlen(schema)) : NULL;
    ClBuf q;
    cl_buf_init(&q);
    cl_buf_printf(&q,
                  "SELECT table_schema, column_name, data_type, character_maximum_length, "
                  "numeric_precision, numeric_scale, is_nullable, column_default "
                  "FROM information_schema.columns WHERE table_name = %s",
                  lname ? lname : "''");
    if (lschema) cl_buf_printf(&q, " AND table_schema = %s", lschema);
    cl_buf_puts(&q, " ORDER BY table_schema, ordinal_position");
    PGresult *r = cl__catalog(sh, cl_buf_str(&q), false);
    cl_buf_free(&q);
    int rc = K_ERR;
    if (!r) goto done;
    if (PQntuples(r) == 0) {
        cl__errorf(sh, "Did not find any relation named \"%s\".", arg);
        PQclear(r);
        goto done;
    }
    int n = PQntuples(r);
    const char *sch = PQgetvalue(r, 0, 0);
    int rows = 0;
    while (rows < n && strcmp(PQgetvalue(r, rows, 0), sch) == 0) rows++;
    char **cells = calloc((size_t)rows * 4 + 1, sizeof *cells);
    if (!cells) {
        PQclear(r);
        goto done;
    }
    for (int i = 0; i < rows; i++) {
        const char *type = PQgetvalue(r, i, 2);
        const char *len = PQgetvalue(r, i, 3), *prec = PQgetvalue(r, i, 4),
                   *scale = PQgetvalue(r, i, 5);
        ClBuf t;
        cl_buf_init(&t);
        cl_buf_puts(&t, type);
        if ((!strcmp(type, "character varying") || !strcmp(type, "character")) && *len)
            cl_buf_printf(&t, "(%s)", len);
        else if (!strcmp(type, "numeric") && *prec)
            cl_buf_printf(&t, "(%s,%s)", prec, *scale ? scale : "0");
        cells[i * 4 + 0] = strdup(PQgetvalue(r, i, 1));
        cells[i * 4 + 1] = t.data ? t.data : strdup(type);
        cells[i * 4 + 2] = strdup(strcmp(PQgetvalue(r, i, 6), "NO") == 0 ? "not null" : "");
        cells[i * 4 + 3] = strdup(PQgetvalue(r, i, 7));
    }
    /* Kestrel's distribution and partitions, when the server has them */
    ClBuf foot;
    cl_buf_init(&foot);
    const char *footers[64];
    int nfoot = 0;
    char *footstore[64];
    {
        ClBuf kq;
        cl_buf_init(&kq);
        cl_buf_printf(&kq, "SELECT * FROM kestrel_tables WHERE table_name = %s", lname);
        if (lschema) cl_buf_printf(&kq, " AND schema_name = %s", lschema);
        PGresult *k = kestrel_view_query(sh, "kestrel_tables", cl_buf_str(&kq));
        cl_buf_free(&kq);
        if (k && PQntuples(k) > 0) {
            for (int c = 0; c < PQnfields(k) && nfoot < 40; c++) {
                const char *fn = PQfname(k, c);
                if (!strcmp(fn, "table_name") || !strcmp(fn, "table_schema") ||
                    !strcmp(fn, "schema_name") || PQgetisnull(k, 0, c) || !*PQgetvalue(k, 0, c))
                    continue;
                ClBuf l;
                cl_buf_init(&l);
                pretty_label(&l, fn);
                cl_buf_printf(&l, ": %s", PQgetvalue(k, 0, c));
                footstore[nfoot] = l.data;
                footers[nfoot] = l.data ? l.data : "";
                nfoot++;
            }
        }
        PQclear(k);
    }
    {
        ClBuf kq;
        cl_buf_init(&kq);
        cl_buf_printf(&kq, "SELECT * FROM kestrel_partitions WHERE table_name = %s", lname);
        if (lschema) cl_buf_printf(&kq, " AND schema_name = %s", lschema);
        PGresult *k = kestrel_view_query(sh, "kestrel_partitions", cl_buf_str(&kq));
        cl_buf_free(&kq);
        if (k && PQntuples(k) > 0) {
            ClBuf l;
            cl_buf_init(&l);
            cl_buf_printf(&l, "Partitions (%d):", PQntuples(k));
            footstore[nfoot] = l.data;
            footers[nfoot++] = l.data ? l.data : "";
            int shown = 0;
            for (int i = 0; i < PQntuples(k) && nfoot < 62; i++, shown++) {
                ClBuf pl;
                cl_buf_init(&pl);
                cl_buf_puts(&pl, "    ");
                bool first = true;
                for (int c = 0; c < PQnfields(k); c++) {
                    const char *fn = PQfname(k, c);
                    if (!strcmp(fn, "table_name") || !strcmp(fn, "table_schema") ||
                        !strcmp(fn, "schema_name"))
                        continue;
                    cl_buf_printf(&pl, "%s%s=%s", first ? "" : ", ", fn,
                                  PQgetisnull(k, i, c) ? "NULL" : PQgetvalue(k, i, c));
                    first = false;
                }
                footstore[nfoot] = pl.data;
                footers[nfoot++] = pl.data ? pl.data : "";
            }
            if (shown < PQntuples(k)) {
                ClBuf ml;
                cl_buf_init(&ml);
                cl_buf_printf(&ml, "    ... and %d more", PQntuples(k) - shown);
                footstore[nfoot] = ml.data;
                footers[nfoot++] = ml.data ? ml.data : "";
            }
        }
        PQclear(k);
    }
    static const char *const heads[] = {"Column", "Type", "Nullable", "Default"};
    ClBuf title;
    cl_buf_init(&title);
    cl_buf_printf(&title, "Table \"%s.%s\"", sch, name);
    ClTable t = {4,       rows, heads, NULL, (const char *const *)cells, cl_buf_str(&title),
                 footers, nfoot};
    ClPrintOpts save = sh->popts;
    sh->popts.show_row_count = false;
    cl__print_table(sh, &t);
    sh->popts = save;
    for (int i = 0; i < rows * 4; i++) free(cells[i]);
    free(cells);
    for (int i = 0; i < nfoot; i++) free(footstore[i]);
    cl_buf_free(&title);
    cl_buf_free(&foot);
    PQclear(r);
    rc = K_OK;
done:
    PQfreemem(lname);
    PQfreemem(lschema);
    free(schema);
    free(name);
    return rc;
}

static int
list_relations(ClShell *sh, bool tables_only)
{
    PGresult *r = cl__catalog(sh,
                              "SELECT table_schema, table_name, table_type FROM "
                              "information_schema.tables WHERE table_schema NOT IN "
                              "('pg_catalog', 'information_schema') ORDER BY 1, 2",
                              false);
    if (!r) return K_ERR;
    int n = PQntuples(r), rows = 0;
    const char **cells = calloc((size_t)n * 3 + 1, sizeof *cells);
    if (!cells) {
        PQclear(r);
        return K_ERR;
    }
    for (int i = 0; i < n; i++) {
        const char *ty = PQgetvalue(r, i, 2);
        const char *shown = !strcmp(ty, "BASE TABLE")        ? "table"
                            : !strcmp(ty, "VIEW")            ? "view"
                            : !strcmp(ty, "LOCAL TEMPORARY") ? "temporary table"
                            : !strcmp(ty, "FOREIGN")         ? "foreign table"
                                                             : ty;
        if (tables_only && strcmp(shown, "table") != 0 && strcmp(shown, "temporary table") != 0)
            continue;
        cells[rows * 3 + 0] = PQgetvalue(r, i, 0);
        cells[rows * 3 + 1] = PQgetvalue(r, i, 1);
        cells[rows * 3 + 2] = shown;
        rows++;
    }
    if (rows == 0) {
        cl__errorf(sh, "Did not find any %s.", tables_only ? "tables" : "relations");
    } else {
        static const char *const heads[] = {"Schema", "Name", "Type"};
        ClTable t = {3, rows, heads, NULL, cells, "List of relations", NULL, 0};
        cl__print_table(sh, &t);
    }
    free(cells);
    PQclear(r);
    return K_OK;
}

static int
set_output(ClShell *sh, const char *target)
{
    if (sh->out != stdout) {
        if (sh->out_is_pipe)
            pclose(sh->out);
        else
            fclose(sh->out);
    }
    sh->out = stdout;
    sh->out_is_pipe = false;
    if (!target || !*target) return K_OK;
    FILE *f;
    if (target[0] == '|') {
        fflush(stdout);
        f = popen(target + 1, "w");
        sh->out_is_pipe = f != NULL;
    } else {
        f = fopen(target, "w");
    }
    if (!f) {
        cl__errorf(sh, "%s: %s", target, strerror(errno));
        return K_ERR;
    }
    sh->out = f;
    return K_OK;
}

static int
do_copy(ClShell *sh, const char *args)
{
    ClCopy c;
    char eb[256];
    if (cl_copy_parse(args, &c, eb, sizeof eb) != K_OK) {
        cl__errorf(sh, "%s", eb);
        return K_ERR;
    }
    FILE *fp = NULL;
    if (c.file) {
        fp = fopen(c.file, c.from ? "r" : "w");
        if (!fp) {
            cl__errorf(sh, "%s: %s", c.file, strerror(errno));
            cl_copy_free(&c);
            return K_ERR;
        }
    }
    int rc = K_ERR;
    cl__sigint = 0;
    PGresult *r = NULL;
    if (!sh->conn || PQstatus(sh->conn) != CONNECTION_OK) {
        if (cl__connect(sh, true) != K_OK) goto out;
    }
    cl__set_cancel(sh->conn); /* Ctrl-C cancels a long COPY TO */
    r = PQexec(sh->conn, c.sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COPY_IN) {
        PQclear(r);
        if (cl__copy_in_from(sh, fp ? fp : stdin, false) != K_OK)
            cl__errorf(sh, "\\copy: sending the data failed: %s", PQerrorMessage(sh->conn));
    } else if (st == PGRES_COPY_OUT) {
        PQclear(r);
        if (cl__copy_out_to(sh, fp ? fp : sh->out) != K_OK)
            cl__errorf(sh, "\\copy: writing \"%s\" failed", c.file ? c.file : "the output");
    } else {
        cl__report_error(sh, r, c.sql);
        PQclear(r);
        goto out;
    }
    rc = K_OK;
    while ((r = PQgetResult(sh->conn)) != NULL) {
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
            if (!sh->quiet) fprintf(sh->out, "%s\n", PQcmdStatus(r));
        } else {
            cl__report_error(sh, r, c.sql);
            rc = K_ERR;
        }
        PQclear(r);
    }
    fflush(sh->out);
out:
    cl__set_cancel(NULL);
    if (sh->conn && PQstatus(sh->conn) == CONNECTION_BAD) sh->conn_lost = true;
    if (fp && fclose(fp) != 0 && rc == K_OK) {
        cl__errorf(sh, "%s: %s", c.file, strerror(errno));
        rc = K_ERR;
    }
    if (rc != K_OK) sh->had_error = true;
    cl_copy_free(&c);
    return rc;
}

static int
do_pset(ClShell *sh, const char *opt, const char *val)
{
    ClPrintOpts *o = &sh->popts;
    if (!opt) {
        static const char *fmts[] = {"aligned", "unaligned", "csv", "json"};
        fprintf(sh->out,
                "format       %s\nnull         '%s'\nfieldsep     '%s'\n"
                "tuples_only  %s\nexpanded     %s\npager        %s\n",
                fmts[o->format], o->null_str, o->field_sep, o->tuples_only ? "on" : "off",
                o->expanded == CL_X_ON     ? "on"
                : o->expanded == CL_X_AUTO ? "auto"
                                           : "off",
                sh->pager ? "on" : "off");
        return K_OK;
    }
    if (!strcmp(opt, "format")) {
        if (!val) {
            cl__errorf(sh, "\\pset: format needs a value: aligned, unaligned, csv, json");
            return K_ERR;
        }
        if (!strncasecmp(val, "aligned", strlen(val)))
            o->format = CL_FMT_ALIGNED;
        else if (!strncasecmp(val, "unaligned", strlen(val)))
            o->format = CL_FMT_UNALIGNED;
        else if (!strcasecmp(val, "csv"))
            o->format = CL_FMT_CSV;
        else if (!strcasecmp(val, "json"))
            o->format = CL_FMT_JSON;
        else {
            cl__errorf(sh, "\\pset: allowed formats are aligned, unaligned, csv, json");
            return K_ERR;
        }
        if (!sh->quiet) fprintf(sh->out, "Output format is %s.\n", val);
        return K_OK;
    }
    if (!strcmp(opt, "null")) {
        static char nullbuf[64];
        snprintf(nullbuf, sizeof nullbuf, "%s", val ? val : "");
        o->null_str = nullbuf;
        if (!sh->quiet) fprintf(sh->out, "Null display is \"%s\".\n", nullbuf);
        return K_OK;
    }
    if (!strcmp(opt, "fieldsep")) {
        static char sepbuf[16];
        snprintf(sepbuf, sizeof sepbuf, "%s", val ? val : "|");
        o->field_sep = sepbuf;
        if (!sh->quiet) fprintf(sh->out, "Field separator is \"%s\".\n", sepbuf);
        return K_OK;
    }
    if (!strcmp(opt, "tuples_only")) {
        bool b;
        if (!on_off(sh, "pset", val, o->tuples_only, &b)) return K_ERR;
        o->tuples_only = b;
        return K_OK;
    }
    if (!strcmp(opt, "pager")) {
        bool b;
        if (!on_off(sh, "pset", val, sh->pager, &b)) return K_ERR;
        sh->pager = b;
        return K_OK;
    }
    if (!strcmp(opt, "expanded") || !strcmp(opt, "x")) {
        if (val && !strcasecmp(val, "auto"))
            o->expanded = CL_X_AUTO;
        else {
            bool b;
            if (!on_off(sh, "pset", val, o->expanded == CL_X_ON, &b)) return K_ERR;
            o->expanded = b ? CL_X_ON : CL_X_OFF;
        }
        return K_OK;
    }
    cl__errorf(sh, "\\pset: unknown option: %s", opt);
    return K_ERR;
}

static int
do_connect(ClShell *sh, const char *args)
{
    const char *p = args;
    char *db = next_arg(&p), *user = next_arg(&p), *host = next_arg(&p), *port = next_arg(&p);
    /* replace the given parameters, keep the others */
    const char *names[4] = {"dbname", "user", "host", "port"};
    char *vals[4] = {db, user, host, port};
    int rc = K_OK;
    for (int k = 0; k < 4 && rc == K_OK; k++) {
        if (!vals[k] || !strcmp(vals[k], "-")) continue;
        bool found = false;
        for (int i = 0; i < sh->nparams; i++) {
            if (strcmp(sh->kw[i], names[k]) == 0) {
                char *v = strdup(vals[k]);
                if (!v) {
                    rc = K_ERR;
                    break;
                }
                free(sh->param_store[i]);
                sh->param_store[i] = v;
                sh->val[i] = v;
                found = true;
            }
        }
        if (!found && sh->nparams < CL_MAX_PARAMS) {
            char *v = strdup(vals[k]);
            if (!v) {
                rc = K_ERR;
                break;
            }
            /* insert before fallback_application_name, order does not matter */
            sh->param_store[sh->nparams] = v;
            sh->kw[sh->nparams] = names[k];
            sh->val[sh->nparams] = v;
            sh->nparams++;
            sh->kw[sh->nparams] = NULL;
            sh->val[sh->nparams] = NULL;
        }
    }
    free(db);
    free(user);
    free(host);
    free(port);
    if (rc != K_OK) return K_ERR;
    if (cl__connect(sh, true) != K_OK) {
        if (sh->conn && PQstatus(sh->conn) == CONNECTION_OK)
            fprintf(stderr, "Previous connection kept\n");
        return K_ERR;
    }
    if (!sh->quiet)
        fprintf(sh->out, "You are now connected to database \"%s\" as user \"%s\".\n",
                PQdb(sh->conn), PQuser(sh->conn));
    return K_OK;
}

static int
do_set(ClShell *sh, const char *args)
{
    const char *p = args;
    char *name = next_arg(&p);
    if (!name) {
        for (int i = 0; i < sh->nvars; i++)
            fprintf(sh->out, "%s = '%s'\n", sh->var_name[i], sh->var_value[i]);
        fflush(sh->out);
        return K_OK;
    }
    /* the value is the remaining arguments concatenated, as in psql */
    ClBuf v;
    cl_buf_init(&v);
    char *a;
    while ((a = next_arg(&p)) != NULL) {
        cl_buf_puts(&v, a);
        free(a);
    }
    int rc = cl__set_var(sh, name, cl_buf_str(&v));
    cl_buf_free(&v);
    free(name);
    return rc;
}

int
cl__meta(ClShell *sh, const char *line)
{
    const char *p = line + 1;
    size_t n = 0;
    while (p[n] && p[n] != ' ' && p[n] != '\t') n++;
    char cmd[32];
    if (n == 0 || n >= sizeof cmd) {
        cl__errorf(sh, "invalid command \\%.*s", (int)(n > 40 ? 40 : n), p);
        if (sh->interactive) fprintf(stderr, "Try \\? for help.\n");
        return K_ERR;
    }
    memcpy(cmd, p, n);
    cmd[n] = '\0';
    const char *args = rest_of(p + n);
    /* a trailing ';' after a meta-command is tolerated where harmless */
    int rc = K_OK;

    if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) {
        sh->quit = true;
    } else if (!strcmp(cmd, "?")) {
        help(sh);
    } else if (!strcmp(cmd, "timing")) {
        const char *a = *args ? args : NULL;
        bool b;
        if (!on_off(sh, "timing", a, sh->timing, &b)) return K_ERR;
        sh->timing = b;
        if (!sh->quiet) fprintf(sh->out, "Timing is %s.\n", b ? "on" : "off");
    } else if (!strcmp(cmd, "x")) {
        if (*args && !strcasecmp(args, "auto")) {
            sh->popts.expanded = CL_X_AUTO;
        } else {
            bool b;
            if (!on_off(sh, "x", *args ? args : NULL, sh->popts.expanded == CL_X_ON, &b))
                return K_ERR;
            sh->popts.expanded = b ? CL_X_ON : CL_X_OFF;
        }
        if (!sh->quiet)
            fprintf(sh->out, "Expanded display is %s.\n",
                    sh->popts.expanded == CL_X_ON     ? "on"
                    : sh->popts.expanded == CL_X_AUTO ? "used automatically"
                                                      : "off");
    } else if (!strcmp(cmd, "a")) {
        sh->popts.format = sh->popts.format == CL_FMT_ALIGNED ? CL_FMT_UNALIGNED : CL_FMT_ALIGNED;
        if (!sh->quiet)
            fprintf(sh->out, "Output format is %s.\n",
                    sh->popts.format == CL_FMT_ALIGNED ? "aligned" : "unaligned");
    } else if (!strcmp(cmd, "t")) {
        bool b;
        if (!on_off(sh, "t", *args ? args : NULL, sh->popts.tuples_only, &b)) return K_ERR;
        sh->popts.tuples_only = b;
        if (!sh->quiet) fprintf(sh->out, "Tuples only is %s.\n", b ? "on" : "off");
    } else if (!strcmp(cmd, "pset")) {
        const char *q = args;
        char *opt = next_arg(&q), *val = next_arg(&q);
        rc = do_pset(sh, opt, val);
        free(opt);
        free(val);
    } else if (!strcmp(cmd, "set")) {
        rc = do_set(sh, args);
    } else if (!strcmp(cmd, "unset")) {
        const char *q = args;
        char *name = next_arg(&q);
        if (!name) {
            cl__errorf(sh, "\\unset: missing required argument");
            return K_ERR;
        }
        for (int i = 0; i < sh->nvars; i++) {
            if (!strcmp(sh->var_name[i], name)) {
                if (!strcmp(name, "ON_ERROR_STOP"))
                    sh->on_error_stop = false;
                else if (!strcmp(name, "VERBOSITY"))
                    sh->verbosity = CL_VERB_DEFAULT;
                else if (!strcmp(name, "QUIET"))
                    sh->quiet = false;
                free(sh->var_name[i]);
                free(sh->var_value[i]);
                sh->var_name[i] = sh->var_name[sh->nvars - 1];
                sh->var_value[i] = sh->var_value[sh->nvars - 1];
                sh->nvars--;
                break;
            }
        }
        free(name);
    } else if (!strcmp(cmd, "echo")) {
        fprintf(sh->out, "%s\n", args);
        fflush(sh->out);
    } else if (!strcmp(cmd, "conninfo")) {
        if (!sh->conn || PQstatus(sh->conn) != CONNECTION_OK) {
            fprintf(sh->out, "You are currently not connected to a database.\n");
        } else {
            const char *host = PQhost(sh->conn);
            bool sock = host && host[0] == '/';
            if (sock)
                fprintf(sh->out,
                        "You are connected to database \"%s\" as user \"%s\" via socket in "
                        "\"%s\" at port \"%s\".\n",
                        PQdb(sh->conn), PQuser(sh->conn), host, PQport(sh->conn));
            else
                fprintf(sh->out,
                        "You are connected to database \"%s\" as user \"%s\" on host \"%s\" at "
                        "port \"%s\".\n",
                        PQdb(sh->conn), PQuser(sh->conn), host ? host : "", PQport(sh->conn));
            const char *sv = PQparameterStatus(sh->conn, "server_version");
            if (sv)
                fprintf(sh->out, "Server version %s%s.\n", sv,
                        sh->local_pid > 0 ? " (embedded, started by --local)" : "");
        }
        fflush(sh->out);
    } else if (!strcmp(cmd, "c") || !strcmp(cmd, "connect")) {
        rc = do_connect(sh, args);
    } else if (!strcmp(cmd, "d") || !strcmp(cmd, "d+") || !strcmp(cmd, "dt") ||
               !strcmp(cmd, "dt+")) {
        if (!sh->conn || PQstatus(sh->conn) != CONNECTION_OK) {
            if (cl__connect(sh, true) != K_OK) return K_ERR;
        }
        const char *q = args;
        char *name = next_arg(&q);
        if (name && name[0])
            rc = describe_table(sh, name);
        else
            rc = list_relations(sh, cmd[1] == 't');
        free(name);
    } else if (!strcmp(cmd, "l") || !strcmp(cmd, "l+") || !strcmp(cmd, "list")) {
        PGresult *r = cl__catalog(sh,
                                  "SELECT datname AS \"Name\" FROM pg_catalog.pg_database "
                                  "ORDER BY 1",
                                  false);
        if (!r) return K_ERR;
        ClPrintOpts save = sh->popts;
        cl__print_result(sh, r, "List of databases", NULL, 0);
        sh->popts = save;
        PQclear(r);
    } else if (!strcmp(cmd, "workers")) {
        PGresult *r = cl__catalog(sh, "SELECT * FROM kestrel_workers", true);
        if (!r) {
            if (sh->conn && PQstatus(sh->conn) == CONNECTION_OK)
                cl__errorf(sh, "\\workers: this server has no kestrel_workers view (it is not "
                               "a Kestrel cluster)");
            return K_ERR;
        }
        cl__print_result(sh, r, "Workers", NULL, 0);
        PQclear(r);
    } else if (!strcmp(cmd, "explain")) {
        ClBuf q;
        cl_buf_init(&q);
        const char *query = args;
        char *pending = NULL;
        if (!*query) {
            int at;
            if (cl_scan_flush(&sh->scan, &pending, &at)) query = pending;
        }
        size_t qn = strlen(query);
        while (qn > 0 && (query[qn - 1] == ';' || query[qn - 1] == ' ')) qn--;
        if (qn == 0) {
            cl__errorf(sh, "\\explain: give a query, e.g. \\explain SELECT count(*) FROM t");
            free(pending);
            cl_buf_free(&q);
            return K_ERR;
        }
        cl_buf_puts(&q, "EXPLAIN (ANALYZE, FORMAT JSON) ");
        cl_buf_put(&q, query, qn);
        rc = cl__run_sql(sh, cl_buf_str(&q), true);
        free(pending);
        cl_buf_free(&q);
    } else if (!strcmp(cmd, "i") || !strcmp(cmd, "include") || !strcmp(cmd, "ir")) {
        const char *q = args;
        char *file = next_arg(&q);
        if (!file) {
            cl__errorf(sh, "\\%s: missing required argument", cmd);
            return K_ERR;
        }
        char *path = file;
        char *joined = NULL;
        if (!strcmp(cmd, "ir") && file[0] != '/' && sh->src && sh->src->name) {
            const char *slash = strrchr(sh->src->name, '/');
            if (slash) {
                size_t dl = (size_t)(slash - sh->src->name) + 1;
                joined = malloc(dl + strlen(file) + 1);
                if (joined) {
                    memcpy(joined, sh->src->name, dl);
                    strcpy(joined + dl, file);
                    path = joined;
                }
            }
        }
        rc = cl__run_file(sh, path);
        free(joined);
        free(file);
    } else if (!strcmp(cmd, "o") || !strcmp(cmd, "out")) {
        rc = set_output(sh, *args ? args : NULL);
    } else if (!strcmp(cmd, "copy")) {
        rc = do_copy(sh, args);
    } else if (!strcmp(cmd, "g")) {
        char *stmt;
        int at;
        if (cl_scan_flush(&sh->scan, &stmt, &at)) {
            rc = cl__run_sql(sh, stmt, false);
            free(stmt);
        }
    } else if (!strcmp(cmd, "p") || !strcmp(cmd, "print")) {
        const char *s = cl_buf_str(&sh->scan.buf);
        fprintf(sh->out, "%s", *s ? s : "Query buffer is empty.\n");
        fflush(sh->out);
    } else if (!strcmp(cmd, "r") || !strcmp(cmd, "reset")) {
        cl_scan_reset(&sh->scan);
        if (!sh->quiet) fprintf(sh->out, "Query buffer reset (cleared).\n");
    } else {
        cl__errorf(sh, "invalid command \\%s", cmd);
        if (sh->interactive) fprintf(stderr, "Try \\? for help.\n");
        return K_ERR;
    }
    if (rc != K_OK) sh->had_error = true;
    return rc;
}
