#!/usr/bin/env bash
# Compiles and lints the control plane's Bicep with no web access: the Bicep CLI comes from the NuGet
# package Azure.Bicep.CommandLine.linux-x64 (the feed serves it), restored once by a throwaway project with a
# PackageDownload and kept in the NuGet cache. Any error or warning, from build, build-params or lint, fails.
# Quiet on success but for one summary line; works from any directory.
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
PACKAGE_ID="Azure.Bicep.CommandLine.linux-x64"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
bicep="$packages/$(echo "$PACKAGE_ID" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION/tools/bicep"

if [[ ! -x "$bicep" ]] || ! "$bicep" --version >/dev/null 2>&1; then
    # The throwaway project lives outside the repository, so the repo's Directory.*.props (central package
    # management, warnings as errors) do not apply to it; it is kept to make the next restore a no-op.
    work="${XDG_CACHE_HOME:-$HOME/.cache}/causaleval-dr/bicep-cli-$BICEP_VERSION"
    mkdir -p "$work"
    cat >"$work/bicep-cli.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$PACKAGE_ID" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
EOF
    if ! restore_log="$(cd "$work" && dotnet restore bicep-cli.csproj 2>&1)"; then
        echo "$restore_log" >&2
        echo "check.sh: could not restore $PACKAGE_ID $BICEP_VERSION" >&2
        exit 1
    fi
    [[ -f "$bicep" ]] || { echo "check.sh: $bicep not found after the restore (package layout changed?)" >&2; exit 1; }
    chmod +x "$bicep"
fi

# The CLI checks for updates and telemetry over the network; neither is wanted here.
export BICEP_TRACING_ENABLED=false
export DOTNET_CLI_TELEMETRY_OPTOUT=1

failed=0
problems=0

# Runs one bicep command; its diagnostics go to stderr as "file(line,col) : Error|Warning code: message".
# Anything said at Warning or Error level counts, and so does a non-zero exit.
run() {
    local label="$1"; shift
    local out rc=0
    out="$("$bicep" "$@" 2>&1 >/dev/null)" || rc=$?
    local found
    found="$(grep -E ' : (Error|Warning) ' <<<"$out" || true)"
    if [[ $rc -ne 0 || -n "$found" ]]; then
        echo "== $label (exit $rc)" >&2
        echo "${out:-(no output)}" >&2
        failed=1
        problems=$((problems + $(grep -c . <<<"$found" || true)))
    fi
}

run "build main.bicep" build infra/bicep/main.bicep --stdout
run "build-params main.bicepparam" build-params infra/bicep/main.bicepparam --stdout
run "lint main.bicep" lint infra/bicep/main.bicep
for module in infra/bicep/modules/*.bicep; do
    run "lint $module" lint "$module"
done

if [[ $failed -ne 0 ]]; then
    echo "bicep check FAILED: $problems diagnostic(s) (Bicep CLI $BICEP_VERSION)" >&2
    exit 1
fi
echo "bicep check passed: build, build-params and lint clean (0 errors, 0 warnings; Bicep CLI $BICEP_VERSION)"
