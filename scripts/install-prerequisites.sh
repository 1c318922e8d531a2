#!/usr/bin/env bash
# Installs what the runtime and the tests need on a fresh machine, and nothing when it is all there:
# the .NET SDK must exist already (it is the machine's toolchain); Node.js packages come from the lock file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quiet=false; [[ "${1:-}" == "--quiet" ]] && quiet=true
say() { $quiet || echo "prerequisites: $*" >&2; }

command -v dotnet >/dev/null || { echo "prerequisites: the .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "installing Node.js and npm from apt"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

# The lab's servers from Debian: PostgreSQL 15 (primary + standby), Redis, PowerDNS with its SQLite backend.
need_apt=()
[[ -x /usr/lib/postgresql/15/bin/postgres ]] || need_apt+=(postgresql-15)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v pdns_server >/dev/null || need_apt+=(pdns-server)
[[ -f /usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql ]] || need_apt+=(pdns-backend-sqlite3)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium) # the drill reports' pages are rendered by the tests in headless Chromium
if (( ${#need_apt[@]} )); then
  say "installing ${need_apt[*]} from apt"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Azurite and s3rver, pinned by package-lock.json: installed once per lock file into a cache outside the
# checkout, which node_modules links to (as NuGet's package folder serves every clone: npm ci costs ~45 s).
cache="${DR_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/causaleval-dr}/node-$(sha256sum "$root/package-lock.json" | cut -c1-16)"
if [[ ! -x "$cache/node_modules/.bin/azurite" ]]; then
  say "installing npm packages from package-lock.json into $cache"
  mkdir -p "$(dirname "$cache")"
  staging=$(mktemp -d "$cache.partial.XXXXXX")
  cp "$root/package.json" "$root/package-lock.json" "$staging/"
  (cd "$staging" && npm ci --no-audit --no-fund --loglevel=error >&2)
  mv -T "$staging" "$cache" 2>/dev/null || rm -rf "$staging" # another install finished first: keep that one
fi
if [[ "$(readlink "$root/node_modules" 2>/dev/null)" != "$cache/node_modules" ]]; then
  rm -rf "$root/node_modules"
  ln -s "$cache/node_modules" "$root/node_modules"
fi
say "ready"
