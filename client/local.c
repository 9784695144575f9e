/*
 * local.c — `kestrel --local`: an embedded server for the session.
 *
 * Interface routines (private): cl__local_start, cl__local_stop.
 *
 * We find kestreld next to our own executable (or --kestreld PATH), pick a
 * free loopback port by binding port 0, start
 *     kestreld --local 1 --data DIR --port PORT
 * with its output in DIR/kestreld.log, wait (up to 30 s) until it answers
 * PQping, and point the session's host/port at it. On exit we send SIGTERM,
 * give it five seconds, then SIGKILL.
 */
#include "client/client_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
    return 0;
}

static int
free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* The embedded server must not outlive the shell when the terminal closes
 * (SIGHUP) or someone stops the shell (SIGTERM): pass the signal on, then
 * die of it as we would have. kill() and raise() are async-signal-safe. */
static volatile pid_t g_local_pid;

static void
on_fatal_signal(int sig)
{
    pid_t pid = g_local_pid;
    if (pid > 0) kill(pid, SIGTERM);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int
cl__local_start(ClShell *sh, char *errbuf, size_t errcap)
{
    char exe[PATH_MAX];
    if (sh->opts->kestreld) {
        snprintf(exe, sizeof exe, "%s", sh->opts->kestreld);
    } else {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n < 0) {
            snprintf(errbuf, errcap, "cannot find my own executable: %s", strerror(errno));
            return K_ERR;
        }
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) *slash = '\0';
        if (strlen(self) + sizeof "/kestreld" > sizeof exe) {
            snprintf(errbuf, errcap, "path of my own executable is too long");
            return K_ERR;
        }
        memcpy(exe, self, strlen(self));
        memcpy(exe + strlen(self), "/kestreld", sizeof "/kestreld");
    }
    if (access(exe, X_OK) != 0) {
        snprintf(errbuf, errcap,
                 "cannot start the embedded server: \"%s\" is not an executable (build kestreld, "
                 "or name it with --kestreld PATH)",
                 exe);
        return K_ERR;
    }
    char data[PATH_MAX];
    if (sh->opts->data_dir) {
        snprintf(data, sizeof data, "%s", sh->opts->data_dir);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            snprintf(errbuf, errcap, "HOME is not set: give the data directory with --data DIR");
            return K_ERR;
        }
        snprintf(data, sizeof data, "%s/.kestrel/local", home);
    }
    if (mkdir_p(data) != 0) {
        snprintf(errbuf, errcap, "cannot create data directory \"%s\": %s", data, strerror(errno));
        return K_ERR;
    }
    int port = free_port();
    if (port < 0) {
        snprintf(errbuf, errcap, "cannot find a free port: %s", strerror(errno));
        return K_ERR;
    }
    snprintf(sh->local_port, sizeof sh->local_port, "%d", port);
    size_t ll = strlen(data) + 16;
    sh->local_log = malloc(ll);
    sh->local_data = strdup(data);
    if (!sh->local_log || !sh->local_data) {
        snprintf(errbuf, errcap, "out of memory");
        return K_ERR;
    }
    snprintf(sh->local_log, ll, "%s/kestreld.log", data);
    int logfd = open(sh->local_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0) {
        snprintf(errbuf, errcap, "cannot open \"%s\": %s", sh->local_log, strerror(errno));
        return K_ERR;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(logfd);
        snprintf(errbuf, errcap, "fork failed: %s", strerror(errno));
        return K_ERR;
    }
    if (pid == 0) {
        /* child: its own process group, so the terminal's Ctrl-C reaches
         * only the shell (which cancels the query instead) */
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        dup2(logfd, STDOUT_FILENO);
        dup2(logfd, STDERR_FILENO);
        signal(SIGINT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        execl(exe, "kestreld", "--local", "1", "--data", data, "--port", sh->local_port,
              (char *)NULL);
        _exit(127);
    }
    close(logfd);
    sh->local_pid = pid;
    g_local_pid = pid;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    char conninfo[128];
    snprintf(conninfo, sizeof conninfo, "host=127.0.0.1 port=%d connect_timeout=2", port);
    for (int waited = 0; waited < 30000; waited += 100) {
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            sh->local_pid = 0;
            g_local_pid = 0;
            snprintf(errbuf, errcap,
                     "the embedded server exited (%s %d) before accepting connections; see %s",
                     WIFEXITED(status) ? "status" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), sh->local_log);
            return K_ERR;
        }
        if (PQping(conninfo) == PQPING_OK) {
            /* point the session at it: replace host/port parameters */
            for (int i = 0; i < sh->nparams; i++) {
                if (!strcmp(sh->kw[i], "host") || !strcmp(sh->kw[i], "port")) {
                    char *v = strdup(!strcmp(sh->kw[i], "host") ? "127.0.0.1" : sh->local_port);
                    if (!v) continue;
                    free(sh->param_store[i]);
                    sh->param_store[i] = v;
                    sh->val[i] = v;
                }
            }
            bool has_host = false, has_port = false;
            for (int i = 0; i < sh->nparams; i++) {
                has_host |= !strcmp(sh->kw[i], "host");
                has_port |= !strcmp(sh->kw[i], "port");
            }
            if ((!has_host || !has_port) && sh->nparams + 2 <= CL_MAX_PARAMS) {
                /* PGHOST/PGPORT were set, so init left them out: add them */
                const char *k[2] = {"host", "port"};
                const char *v[2] = {"127.0.0.1", sh->local_port};
                for (int j = 0; j < 2; j++) {
                    if ((j == 0 && has_host) || (j == 1 && has_port)) continue;
                    char *c = strdup(v[j]);
                    if (!c) continue;
                    /* keep dbname (a conninfo) last so it still wins */
                    sh->param_store[sh->nparams] = c;
                    sh->kw[sh->nparams] = k[j];
                    sh->val[sh->nparams] = c;
                    sh->nparams++;
                    sh->kw[sh->nparams] = NULL;
                    sh->val[sh->nparams] = NULL;
                }
            }
            return K_OK;
        }
        sleep_ms(100);
    }
    snprintf(errbuf, errcap, "the embedded server did not accept connections within 30 s; see %s",
             sh->local_log);
    cl__local_stop(sh);
    return K_ERR;
}

void
cl__local_stop(ClShell *sh)
{
    g_local_pid = 0;
    if (sh->local_pid > 0) {
        kill(sh->local_pid, SIGTERM);
        int status;
        bool gone = false;
        for (int i = 0; i < 50 && !gone; i++) {
            if (waitpid(sh->local_pid, &status, WNOHANG) == sh->local_pid)
                gone = true;
            else
                sleep_ms(100);
        }
        if (!gone) {
            kill(sh->local_pid, SIGKILL);
            waitpid(sh->local_pid, &status, 0);
        }
        sh->local_pid = 0;
    }
    free(sh->local_log);
    free(sh->local_data);
    sh->local_log = sh->local_data = NULL;
}
