#!/usr/bin/env bash
# setup.sh — install what the shell's end-to-end tests need, only if missing:
# tmux (to drive the shell in a real terminal) and PostgreSQL 15 (the
# throwaway server used with KESTREL_TEST_SERVER=postgres). Idempotent;
# safe to call from the project's test script on every run.
set -u
need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    need+=(postgresql-15)
fi
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup.sh: missing ${need[*]}; run as root (apt-get install -y ${need[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null
