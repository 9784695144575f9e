/*
 * main.c — kestrel-tpch, the benchmark kit's command line.
 *
 *   kestrel-tpch gen      write TPC-H or SSB tables as .tbl files
 *   kestrel-tpch queries  print the benchmark queries (validation or seeded)
 *   kestrel-tpch schema   print the CREATE TABLE statements
 *   kestrel-tpch load     load a running server (cli_bench.c)
 *   kestrel-tpch run      run and check the queries there (cli_bench.c)
 *
 * Subcommands are dispatched through `commands[]`: adding one (load, run,
 * bench) is one line there plus its function, declared below.
 *
 * Exit status: 0 success, 1 failure while running, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tpch/tpch.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static int cmd_gen(int argc, char **argv);
static int cmd_queries(int argc, char **argv);
static int cmd_schema(int argc, char **argv);
/* cli_bench.c: libpq clients of a running server */
int tpch_cmd_load(int argc, char **argv);
int tpch_cmd_run(int argc, char **argv);

static const Command commands[] = {
    {"gen", cmd_gen, "generate TPC-H or SSB tables as .tbl files"},
    {"queries", cmd_queries, "print the benchmark queries"},
    {"schema", cmd_schema, "print the CREATE TABLE statements"},
    {"load", tpch_cmd_load, "create the schema and load the tables into a running server"},
    {"run", tpch_cmd_run, "run the queries against a running server, timed and checked"},
};

#define EXIT_USAGE 2

static void
usage_main(FILE *f)
{
    fprintf(f, "usage: kestrel-tpch <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < K_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'kestrel-tpch <command> --help' for the options of a command.\n");
}

static int
report(const KErr *err)
{
    fprintf(stderr, "kestrel-tpch: error: %s\n", err->message);
    if (err->detail[0]) fprintf(stderr, "detail: %s\n", err->detail);
    if (err->hint[0]) fprintf(stderr, "hint: %s\n", err->hint);
    return 1;
}

static int
usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "kestrel-tpch: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'kestrel-tpch %s --help'.\n", cmd);
    return EXIT_USAGE;
}

static int
parse_benchmark(const char *s, TpchBenchmark *out)
{
    if (strcasecmp(s, "tpch") == 0 || strcasecmp(s, "tpc-h") == 0)
        *out = TPCH_BENCH_TPCH;
    else if (strcasecmp(s, "ssb") == 0)
        *out = TPCH_BENCH_SSB;
    else
        return -1;
    return 0;
}

static int
parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* ------------------------------------------------------------------ */
/* gen                                                                  */
/* ------------------------------------------------------------------ */
static void
usage_gen(FILE *f)
{
    fprintf(f,
            "usage: kestrel-tpch gen [options]\n\n"
            "Writes the tables of a benchmark as '|'-separated .tbl files (no trailing '|').\n"
            "TPC-H output is byte-identical to TPC's dbgen 2.17.3 at the same scale factor.\n\n"
            "options:\n"
            "  --benchmark B    tpch (default) or ssb\n"
            "  --sf SF          scale factor, 0.001 to 10000 (default 1)\n"
            "  --out DIR        output directory, must exist (default .)\n"
            "  --tables LIST    comma-separated tables (default all), e.g. lineitem,orders\n"
            "  --threads N      generator threads (default: number of CPUs)\n"
            "  --part I/N       write only part I of N as <table>.tbl.I (like dbgen -C N -S I);\n"
            "                   the parts concatenated in order equal the whole table;\n"
            "                   nation and region (SSB: date) are whole in part 1, empty after\n"
            "  --quiet          no progress lines\n"
            "  --help           this text\n");
}

static int
cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {{"benchmark", required_argument, NULL, 'b'},
                                         {"sf", required_argument, NULL, 's'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"tables", required_argument, NULL, 't'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"part", required_argument, NULL, 'p'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    TpchWriteOptions o;
    memset(&o, 0, sizeof(o));
    o.benchmark = TPCH_BENCH_TPCH;
    o.out_dir = ".";
    o.part = o.nparts = 1;
    o.verbose = true;
    const char *sf_text = "1", *tables = NULL;
    KErr err;
    k_err_clear(&err);
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (parse_benchmark(optarg, &o.benchmark) != 0)
                return usage_error("gen", "unknown benchmark \"%s\" (use tpch or ssb)", optarg);
            break;
        case 's': sf_text = optarg; break;
        case 'o': o.out_dir = optarg; break;
        case 't': tables = optarg; break;
        case 'j': {
            long n;
            if (parse_int(optarg, 1, 1024, &n) != 0)
                return usage_error("gen", "invalid --threads value \"%s\" (1 to 1024)", optarg);
            o.threads = (int)n;
            break;
        }
        case 'p': {
            int i, n;
            char extra;
            if (sscanf(optarg, "%d/%d%c", &i, &n, &extra) != 2 || n < 1 || n > 100000 || i < 1 ||
                i > n)
                return usage_error("gen", "invalid --part \"%s\" (expected I/N with 1 <= I <= N)",
                                   optarg);
            o.part = i;
            o.nparts = n;
            break;
        }
        case 'q': o.verbose = false; break;
        case 'h': usage_gen(stdout); return 0;
        case ':': return usage_error("gen", "option %s needs a value", argv[optind - 1]);
        default: return usage_error("gen", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error("gen", "unexpected argument \"%s\"", argv[optind]);
    if (tpch_scale_parse(sf_text, &o.scale, &err) != K_OK) return report(&err);
    if (tables) {
        char *copy = strdup(tables);
        if (!copy) return 1;
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            int id = tpch_table_lookup(o.benchmark, t);
            if (id < 0) {
                int rc = usage_error("gen", "unknown table \"%s\"", t);
                free(copy);
                return rc;
            }
            o.table_mask |= 1u << id;
        }
        free(copy);
        if (!o.table_mask) return usage_error("gen", "no tables in \"%s\"", tables);
    }
    uint64_t t0 = k_now_ns();
    if (tpch_write_tables(&o, &err) != K_OK) return report(&err);
    if (o.verbose)
        fprintf(stderr, "kestrel-tpch: done in %.2f s\n", (double)(k_now_ns() - t0) / 1e9);
    return 0;
}

/* ------------------------------------------------------------------ */
/* queries                                                              */
/* ------------------------------------------------------------------ */
static void
usage_queries(FILE *f)
{
    fprintf(f, "usage: kestrel-tpch queries [options]\n\n"
               "Prints the queries, separated by blank lines. Without --seed: the validation\n"
               "texts (TPC-H: qgen -d parameters). With --seed: random substitution parameters\n"
               "drawn by the rules of TPC-H clause 2.4 (the same seed gives the same texts).\n\n"
               "options:\n"
               "  --benchmark B    tpch (default, 22 queries) or ssb (13 queries)\n"
               "  --seed N         random parameters from seed N (a non-negative integer)\n"
               "  --query K        only query K\n"
               "  --sf SF          scale factor for Q11's FRACTION (default 1; with --seed)\n"
               "  --help           this text\n");
}

static int
cmd_queries(int argc, char **argv)
{
    static const struct option opts[] = {{"benchmark", required_argument, NULL, 'b'},
                                         {"seed", required_argument, NULL, 'S'},
                                         {"query", required_argument, NULL, 'Q'},
                                         {"sf", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    TpchBenchmark b = TPCH_BENCH_TPCH;
    bool seeded = false;
    uint64_t seed = 0;
    long only = 0;
    const char *sf_text = "1";
    KErr err;
    k_err_clear(&err);
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (parse_benchmark(optarg, &b) != 0)
                return usage_error("queries", "unknown benchmark \"%s\" (use tpch or ssb)", optarg);
            break;
        case 'S': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-')
                return usage_error("queries", "invalid --seed \"%s\"", optarg);
            seed = v;
            seeded = true;
            break;
        }
        case 'Q':
            if (parse_int(optarg, 1, 1000, &only) != 0)
                return usage_error("queries", "invalid --query \"%s\"", optarg);
            break;
        case 's': sf_text = optarg; break;
        case 'h': usage_queries(stdout); return 0;
        case ':': return usage_error("queries", "option %s needs a value", argv[optind - 1]);
        default: return usage_error("queries", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error("queries", "unexpected argument \"%s\"", argv[optind]);
    int n = tpch_query_count(b);
    if (only > n) {
        char num[32];
        snprintf(num, sizeof(num), "%ld", only);
        return usage_error("queries", "no query %s in this benchmark", num);
    }
    TpchScale sf;
    if (tpch_scale_parse(sf_text, &sf, &err) != K_OK) return report(&err);
    for (int q = 1; q <= n; q++) {
        if (only && q != only) continue;
        if (!seeded) {
            fputs(tpch_query_text(b, q), stdout);
        } else {
            KBuf buf;
            k_buf_init(&buf);
            if (tpch_query_generate(b, q, seed, sf.sf, &buf, &err) != K_OK) {
                k_buf_free(&buf);
                return report(&err);
            }
            fwrite(buf.data, 1, buf.len, stdout);
            k_buf_free(&buf);
        }
        if (!only && q < n) fputs("\n", stdout);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "kestrel-tpch: error: could not write to standard output: %s\n",
                strerror(errno));
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* schema                                                               */
/* ------------------------------------------------------------------ */
static int
cmd_schema(int argc, char **argv)
{
    static const struct option opts[] = {{"benchmark", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    TpchBenchmark b = TPCH_BENCH_TPCH;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (parse_benchmark(optarg, &b) != 0)
                return usage_error("schema", "unknown benchmark \"%s\" (use tpch or ssb)", optarg);
            break;
        case 'h':
            printf("usage: kestrel-tpch schema [--benchmark tpch|ssb]\n\n"
                   "Prints the CREATE TABLE statements of the benchmark.\n");
            return 0;
        case ':': return usage_error("schema", "option %s needs a value", argv[optind - 1]);
        default: return usage_error("schema", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc) return usage_error("schema", "unexpected argument \"%s\"", argv[optind]);
    fputs(tpch_schema_sql(b), stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Interrupted: remove half-written temporary files, then die of the signal. */
static void
on_signal(int sig)
{
    tpch_remove_temp_files();
    signal(sig, SIG_DFL);
    raise(sig);
}

int
main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage_main(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        printf("kestrel-tpch %s (TPC-H data as dbgen 2.17.3)\n", KESTREL_VERSION);
        return 0;
    }
    for (size_t i = 0; i < K_ARRAY_LEN(commands); i++)
        if (strcmp(name, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "kestrel-tpch: unknown command \"%s\"\n", name);
    usage_main(stderr);
    return EXIT_USAGE;
}
