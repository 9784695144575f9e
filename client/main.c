/*
 * main.c — `kestrel`, the interactive shell: option handling and the
 * choice between the interactive loop, -c/-f actions and a pipe.
 *
 * Exit status (as psql): 0 fine, 1 the shell's own failure (bad option,
 * file not found), 2 connection refused or lost in a script, 3 a statement
 * failed in a script (ON_ERROR_STOP, on by default outside interactive
 * sessions; with -v ON_ERROR_STOP=0 the run goes on and still ends with 3).
 */
#include "client/client_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    ClOptions opts;
    char eb[512];
    if (cl_parse_args(argc, argv, &opts, eb, sizeof eb) != K_OK) {
        fprintf(stderr, "kestrel: error: %s\n", eb);
        fprintf(stderr, "Try \"kestrel --help\" for more information.\n");
        cl_options_free(&opts);
        return CL_EXIT_FAIL;
    }
    if (opts.help) {
        cl_usage(stdout);
        cl_options_free(&opts);
        return CL_EXIT_OK;
    }
    if (opts.version) {
        printf("kestrel %s\n", KESTREL_VERSION);
        cl_options_free(&opts);
        return CL_EXIT_OK;
    }

    ClShell sh;
    if (cl__shell_init(&sh, &opts) != K_OK) {
        fprintf(stderr, "kestrel: error: out of memory\n");
        return CL_EXIT_FAIL;
    }
    bool scripted = opts.nactions > 0;
    sh.interactive = !scripted && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    sh.on_error_stop = !sh.interactive;
    sh.timing = opts.timing >= 0 ? opts.timing == 1 : sh.interactive;
    sh.quiet = opts.quiet;
    sh.pager = true;
    sh.popts.format = opts.format;
    sh.popts.tuples_only = opts.tuples_only;
    sh.popts.expanded = opts.expanded ? CL_X_ON : (sh.interactive ? CL_X_AUTO : CL_X_OFF);
    if (opts.field_sep) sh.popts.field_sep = opts.field_sep;
    int code = CL_EXIT_OK;
    for (int i = 0; i < opts.nvars; i++) {
        if (cl__set_var(&sh, opts.var_name[i], opts.var_value[i]) != K_OK) {
            code = CL_EXIT_FAIL;
            goto out;
        }
    }
    if (opts.output_file) {
        sh.out = fopen(opts.output_file, "w");
        if (!sh.out) {
            sh.out = stdout;
            fprintf(stderr, "kestrel: error: %s: %m\n", opts.output_file);
            code = CL_EXIT_FAIL;
            goto out;
        }
    }
    if (opts.local) {
        if (cl__local_start(&sh, eb, sizeof eb) != K_OK) {
            fprintf(stderr, "kestrel: error: %s\n", eb);
            code = CL_EXIT_BADCONN;
            goto out;
        }
    }
    if (cl__connect(&sh, true) != K_OK) {
        code = CL_EXIT_BADCONN;
        goto out;
    }

    if (scripted) {
        for (int i = 0; i < opts.nactions && !sh.quit; i++) {
            int rc;
            if (opts.action_kind[i] == CL_ACT_FILE) {
                rc = cl__run_file(&sh, opts.action[i]);
            } else {
                ClSource src = {0};
                src.kind = CL_SRC_STRING;
                src.str = opts.action[i];
                rc = cl__run_source(&sh, &src);
            }
            if (rc != K_OK && (sh.on_error_stop || sh.conn_lost)) break;
        }
        code = sh.exit_code
                   ? sh.exit_code
                   : (sh.conn_lost ? CL_EXIT_BADCONN : (sh.had_error ? CL_EXIT_USER : CL_EXIT_OK));
    } else if (sh.interactive) {
        if (!sh.quiet) {
            const char *sv = PQparameterStatus(sh.conn, "server_version");
            printf("kestrel %s (server %s%s)\nType \\? for help, \\q to quit.\n\n", KESTREL_VERSION,
                   sv ? sv : "unknown", sh.local_pid > 0 ? ", embedded" : "");
            fflush(stdout);
        }
        ClSource src = {0};
        src.kind = CL_SRC_EDITLINE;
        if (cl__run_source(&sh, &src) != K_OK)
            sh.exit_code = 0; /* interactive sessions end with 0, as psql */
        cl__editline_end();
        code = CL_EXIT_OK;
    } else {
        ClSource src = {0};
        src.kind = CL_SRC_FILE;
        src.fp = stdin;
        if (cl__run_source(&sh, &src) != K_OK && !sh.exit_code) sh.exit_code = CL_EXIT_USER;
        code = sh.exit_code
                   ? sh.exit_code
                   : (sh.conn_lost ? CL_EXIT_BADCONN : (sh.had_error ? CL_EXIT_USER : CL_EXIT_OK));
    }
out:
    cl__shell_free(&sh);
    cl__local_stop(&sh);
    cl_options_free(&opts);
    return code;
}
