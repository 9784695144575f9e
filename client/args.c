/*
 * args.c — the shell's command line.
 *
 * Interface routines: cl_parse_args, cl_options_free, cl_usage.
 *
 * psql's option letters where psql has one (-h -p -U -d -c -f -v -o -F -t
 * -A -x -q -w -W), long options for the rest. -c and -f may repeat and run
 * in the order given. Parsing never prints or exits: a bad option comes
 * back as K_ERR with the message for main() to show.
 */
#include "client/client.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_CSV = 1000,
    OPT_JSON,
    OPT_LOCAL,
    OPT_DATA,
    OPT_KESTRELD,
    OPT_TIMING,
    OPT_NO_TIMING,
    OPT_HELP,
};

static const struct option long_opts[] = {
    {"host", required_argument, NULL, 'h'},
    {"port", required_argument, NULL, 'p'},
    {"username", required_argument, NULL, 'U'},
    {"dbname", required_argument, NULL, 'd'},
    {"command", required_argument, NULL, 'c'},
    {"file", required_argument, NULL, 'f'},
    {"set", required_argument, NULL, 'v'},
    {"variable", required_argument, NULL, 'v'},
    {"output", required_argument, NULL, 'o'},
    {"field-separator", required_argument, NULL, 'F'},
    {"tuples-only", no_argument, NULL, 't'},
    {"no-align", no_argument, NULL, 'A'},
    {"expanded", no_argument, NULL, 'x'},
    {"quiet", no_argument, NULL, 'q'},
    {"no-password", no_argument, NULL, 'w'},
    {"password", no_argument, NULL, 'W'},
    {"csv", no_argument, NULL, OPT_CSV},
    {"json", no_argument, NULL, OPT_JSON},
    {"local", no_argument, NULL, OPT_LOCAL},
    {"data", required_argument, NULL, OPT_DATA},
    {"kestreld", required_argument, NULL, OPT_KESTRELD},
    {"timing", no_argument, NULL, OPT_TIMING},
    {"no-timing", no_argument, NULL, OPT_NO_TIMING},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

void
cl_usage(FILE *out)
{
    fputs("kestrel is the interactive terminal of the Kestrel analytical SQL engine.\n"
          "\n"
          "Usage:\n"
          "  kestrel [OPTION]... [DBNAME [USERNAME]]\n"
          "\n"
          "Connection options:\n"
          "  -h, --host=HOST          server host or socket directory (default: $PGHOST,\n"
          "                           else \"localhost\")\n"
          "  -p, --port=PORT          server port (default: $PGPORT, else 5433)\n"
          "  -U, --username=USER      user name (default: $PGUSER, else your login name)\n"
          "  -d, --dbname=DBNAME      database name, or a connection string\n"
          "                           (\"host=... port=...\" or postgresql://...) whose\n"
          "                           settings override the options above\n"
          "  -w, --no-password        never prompt for a password\n"
          "  -W, --password           prompt for a password before connecting\n"
          "      --local              start an embedded server (kestreld --local 1, found\n"
          "                           next to this program) for the session and stop it\n"
          "                           on exit\n"
          "      --data=DIR           data directory of the embedded server\n"
          "                           (default: ~/.kestrel/local)\n"
          "      --kestreld=PATH      the kestreld program to start with --local\n"
          "\n"
          "Input and output options:\n"
          "  -c, --command=SQL        run SQL (or one backslash command) and exit;\n"
          "                           may repeat, runs in order with -f\n"
          "  -f, --file=FILE          run the statements in FILE (\"-\" = stdin) and exit\n"
          "  -v, --set=NAME=VALUE     set a variable, e.g. -v ON_ERROR_STOP=0\n"
          "  -o, --output=FILE        write query results to FILE\n"
          "  -q, --quiet              no command tags, no welcome banner\n"
          "      --timing             show each statement's time (default when interactive)\n"
          "      --no-timing          do not show statement times\n"
          "\n"
          "Output format options:\n"
          "  -A, --no-align           unaligned output (fields joined by the separator)\n"
          "  -F, --field-separator=S  separator for unaligned output (default \"|\")\n"
          "  -t, --tuples-only        rows only: no header, no row count\n"
          "  -x, --expanded           one field per line (\\x); interactive sessions\n"
          "                           switch to it by themselves for wide rows\n"
          "      --csv                CSV output (RFC 4180; NULL is an empty field)\n"
          "      --json               JSON output (an array of objects)\n"
          "\n"
          "Other options:\n"
          "  -V, --version            print the version and exit\n"
          "      --help               show this help and exit\n"
          "\n"
          "Without -c or -f, statements are read from standard input: with line editing\n"
          "and history (~/.kestrel_history, or $KESTREL_HISTORY) on a terminal, silently\n"
          "from a pipe. Outside an interactive session the first error stops the run\n"
          "(ON_ERROR_STOP=1; -v ON_ERROR_STOP=0 goes on) and the exit status is 3 for a\n"
          "failed statement, 2 for a lost or refused connection, 1 for other errors.\n"
          "Type \\? inside the shell for the backslash commands.\n",
          out);
}

void
cl_options_free(ClOptions *o)
{
    for (int i = 0; i < o->nvars; i++) free(o->vars_store[i]);
    o->nvars = 0;
}

static int
bad(char *errbuf, size_t cap, const char *fmt, const char *arg)
{
    snprintf(errbuf, cap, fmt, arg);
    return K_ERR;
}

int
cl_parse_args(int argc, char **argv, ClOptions *o, char *errbuf, size_t errcap)
{
    memset(o, 0, sizeof *o);
    o->timing = -1;
    o->format = CL_FMT_ALIGNED;
    optind = 1;
    opterr = 0;
    for (;;) {
        int idx = 0;
        int c = getopt_long(argc, argv, ":h:p:U:d:c:f:v:o:F:tAxqwWV?", long_opts, &idx);
        if (c == -1) break;
        switch (c) {
        case 'h': o->host = optarg; break;
        case 'p':
            if (!*optarg || strspn(optarg, "0123456789") != strlen(optarg) || atol(optarg) < 1 ||
                atol(optarg) > 65535)
                return bad(errbuf, errcap, "invalid port number \"%s\"", optarg);
            o->port = optarg;
            break;
        case 'U': o->user = optarg; break;
        case 'd': o->dbname = optarg; break;
        case 'c':
        case 'f':
            if (o->nactions >= CL_MAX_COMMANDS)
                return bad(errbuf, errcap, "too many -c/-f options (at most %s)", "64");
            o->action_kind[o->nactions] = c == 'c' ? CL_ACT_COMMAND : CL_ACT_FILE;
            o->action[o->nactions++] = optarg;
            break;
        case 'v': {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg)
                return bad(errbuf, errcap, "invalid variable assignment \"%s\" (use NAME=VALUE)",
                           optarg);
            if (o->nvars >= CL_MAX_VARS)
                return bad(errbuf, errcap, "too many -v options (at most %s)", "32");
            char *copy = strdup(optarg);
            if (!copy) return bad(errbuf, errcap, "%s", "out of memory");
            copy[eq - optarg] = '\0';
            o->vars_store[o->nvars] = copy;
            o->var_name[o->nvars] = copy;
            o->var_value[o->nvars] = copy + (eq - optarg) + 1;
            o->nvars++;
            break;
        }
        case 'o': o->output_file = optarg; break;
        case 'F': o->field_sep = optarg; break;
        case 't': o->tuples_only = true; break;
        case 'A':
            o->format = CL_FMT_UNALIGNED;
            o->format_set = true;
            break;
        case 'x': o->expanded = true; break;
        case 'q': o->quiet = true; break;
        case 'w': o->no_password = true; break;
        case 'W': o->password_prompt = true; break;
        case 'V': o->version = true; break;
        case OPT_CSV:
            o->format = CL_FMT_CSV;
            o->format_set = true;
            break;
        case OPT_JSON:
            o->format = CL_FMT_JSON;
            o->format_set = true;
            break;
        case OPT_LOCAL: o->local = true; break;
        case OPT_DATA: o->data_dir = optarg; break;
        case OPT_KESTRELD: o->kestreld = optarg; break;
        case OPT_TIMING: o->timing = 1; break;
        case OPT_NO_TIMING: o->timing = 0; break;
        case OPT_HELP: o->help = true; break;
        case '?':
            if (optopt == '?') {
                o->help = true;
                break;
            }
            if (optopt)
                snprintf(errbuf, errcap, "invalid option -- '%c'", optopt);
            else
                snprintf(errbuf, errcap, "unrecognized option '%s'", argv[optind - 1]);
            return K_ERR;
        case ':':
            if (optopt && optopt < 256)
                snprintf(errbuf, errcap, "option requires an argument -- '%c'", optopt);
            else
                snprintf(errbuf, errcap, "option '%s' requires an argument", argv[optind - 1]);
            return K_ERR;
        default: snprintf(errbuf, errcap, "unexpected option"); return K_ERR;
        }
    }
    /* psql's positional arguments: [DBNAME [USERNAME]] */
    for (int i = optind; i < argc; i++) {
        if (!o->dbname)
            o->dbname = argv[i];
        else if (!o->user)
            o->user = argv[i];
        else
            return bad(errbuf, errcap, "too many command-line arguments (first extra: \"%s\")",
                       argv[i]);
    }
    if (o->data_dir && !o->local)
        return bad(errbuf, errcap, "%s", "--data only makes sense with --local");
    if (o->local && (o->host || o->port))
        return bad(errbuf, errcap, "%s", "--local cannot be combined with -h or -p");
    return K_OK;
}
