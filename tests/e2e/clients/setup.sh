#!/usr/bin/env bash
# setup.sh — install the PostgreSQL clients the wire-protocol end-to-end tests drive
# (psql, pgbench, libpq headers, psycopg2 + SQLAlchemy, the JDBC driver + a JDK,
# node-postgres). Idempotent: installs only what is missing; safe to run on every
# test run. Debian packages through apt-get, `pg` through npm (global).
set -u

need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# postgresql-15 (the server) is only for pgdiff.sh, which compares our value
# encoding byte for byte with PostgreSQL's.
for p in postgresql-client-15 libpq-dev python3-psycopg2 python3-sqlalchemy \
         libpostgresql-jdbc-java default-jdk-headless postgresql-contrib postgresql-15; do
    have_pkg "$p" || need_apt+=("$p")
done
# pgbench ships in postgresql-client-15 on Debian 12; postgresql-contrib is only
# a fallback for older layouts, so do not insist on it when pgbench exists.
if command -v pgbench >/dev/null 2>&1; then
    tmp=(); for p in "${need_apt[@]}"; do [ "$p" != postgresql-contrib ] && tmp+=("$p"); done
    need_apt=("${tmp[@]+"${tmp[@]}"}")
fi
# A JDK already present (any version with javac) is enough.
if command -v javac >/dev/null 2>&1; then
    tmp=(); for p in "${need_apt[@]+"${need_apt[@]}"}"; do [ "$p" != default-jdk-headless ] && tmp+=("$p"); done
    need_apt=("${tmp[@]+"${tmp[@]}"}")
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
    echo "setup.sh: apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null || {
        echo "setup.sh: apt-get install failed" >&2; exit 1; }
fi

if command -v npm >/dev/null 2>&1; then
    root=$(npm root -g)
    if [ ! -d "$root/pg" ]; then
        echo "setup.sh: npm install -g pg"
        npm install -g --silent pg >/dev/null || { echo "setup.sh: npm install pg failed" >&2; exit 1; }
    fi
else
    echo "setup.sh: npm not found; the node-postgres test will be skipped" >&2
fi
echo "setup.sh: clients ready"
