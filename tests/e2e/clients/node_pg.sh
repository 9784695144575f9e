#!/usr/bin/env bash
# node_pg.sh — runs node_pg.js (node-postgres) against the server. Target: lib.sh.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null || skip "node is not installed"
export NODE_PATH=${NODE_PATH:-$(npm root -g 2>/dev/null)}
node -e "require('pg')" 2>/dev/null || skip "npm package pg is not installed (run setup.sh)"
start_target
if timeout 120 node "$HERE/node_pg.js" "$TARGET"; then pass "node-postgres"; else fail "node-postgres"; fi
finish
