#!/usr/bin/env bash
# The README's test command: installs prerequisites, builds the whole solution (both hosts), runs every
# test against real services the fixtures start (Azurite), and ends with one line: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

scripts/install-prerequisites.sh || { echo "0 passed, 1 failed"; exit 1; }

# One compiler server for all projects (this machine's environment turns it off: a fresh compiler per
# project costs ~30 s of the build); shut down right after, so nothing of the build outlives it.
built=0
dotnet build CausalEval.Dr.sln -c Release -v q -nologo -p:UseSharedCompilation=true || built=$?
dotnet build-server shutdown >/dev/null 2>&1 || true
if [[ $built -ne 0 ]]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

results="$root/TestResults"
rm -rf "$results"
dotnet test CausalEval.Dr.sln -c Release --no-build --logger "trx;LogFileName=tests.trx" --results-directory "$results"
status=$?

# Totals over every test run, from the TRX files (the runner's own summary is per assembly).
passed=0; failed=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [[ $status -ne 0 && $failed -eq 0 ]]; then failed=1; fi   # the runner failed without counting a test
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
