#!/usr/bin/env bash
# The npm reference MCP servers the retinue-mcp tests run over stdio
# (@modelcontextprotocol/server-everything and server-filesystem), installed into the
# git-ignored folder .mcp-servers/ at the repository's root.
# Idempotent: quick when both servers are already there. Needs node and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=.mcp-servers
everything=2026.8.31
filesystem=2026.8.31
installed() {
    local name=$1 version=$2
    node -e "process.exit(require('./$prefix/node_modules/@modelcontextprotocol/$name/package.json').version === '$version' ? 0 : 1)" 2>/dev/null
}
if installed server-everything "$everything" && installed server-filesystem "$filesystem" \
    && [ -x "$prefix/node_modules/.bin/mcp-server-everything" ] \
    && [ -x "$prefix/node_modules/.bin/mcp-server-filesystem" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq nodejs npm >/dev/null
    else
        echo "setup-mcp-servers: node and npm are needed (e.g. apt-get install -y nodejs npm)" >&2
        exit 1
    fi
fi
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error \
    "@modelcontextprotocol/server-everything@$everything" \
    "@modelcontextprotocol/server-filesystem@$filesystem"
