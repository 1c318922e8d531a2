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

# Azurite (and later lab services) pinned by package-lock.json.
if [[ ! -x "$root/node_modules/.bin/azurite" ]] || [[ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]]; then
  say "installing npm packages from package-lock.json"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
say "ready"
