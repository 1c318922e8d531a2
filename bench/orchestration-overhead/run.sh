#!/usr/bin/env bash
# Overhead of the durable local runtime per sequential activity: DiagnosticStepChain with 50 no-op steps,
# timed from the instance's own history (ExecutionStarted → ExecutionCompleted, which includes writing the
# run record), on a fresh `dr serve`
# against a fresh Azurite. Three warm-up runs, then RUNS measured runs.
# Usage: bench/orchestration-overhead/run.sh [RUNS=5] [STEPS=50]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"; steps="${2:-50}"
state="$(mktemp -d /tmp/dr-bench-XXXXXX)"
export DR_STATE_DIR="$state"

"$root/dr" --help >/dev/null   # builds if needed
"$root/dr" serve --port 0 >"$state/serve.log" 2>&1 &
serve=$!
cleanup() { kill "$serve" 2>/dev/null || true; wait "$serve" 2>/dev/null || true; "$root/dr" stop >/dev/null; rm -rf "$state"; }
trap cleanup EXIT
for _ in $(seq 1 300); do [[ -f "$state/serve.json" ]] && break; sleep 0.1; done
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Url"])' "$state/serve.json")
token=$(cat "$state/api-token")

run_once() {
  local id="bench-$1-$RANDOM$RANDOM"
  curl -sf -X POST -H "Authorization: Bearer $token" "$url/api/orchestrators/DiagnosticStepChain?instanceId=$id" -d "{\"steps\":$steps}" >/dev/null
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/runtime/webhooks/durabletask/instances/$id")
    [[ "$code" != 202 ]] && break
    sleep 1
  done
  curl -sf -o "$state/status.json" -H "Authorization: Bearer $token" "$url/runtime/webhooks/durabletask/instances/$id?showHistory=true"
  python3 - "$state/status.json" "$steps" <<'PY'
import json, sys
from datetime import datetime
s = json.load(open(sys.argv[1])); steps = int(sys.argv[2])
assert s["runtimeStatus"] == "Completed", s
ev = s["historyEvents"]
def ts(text):  # "2026-11-28T01:32:23.2832752Z": DTFx writes 7 fractional digits; Python reads 6
    whole, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{whole}.{frac[:6]:0<6}+00:00")
t = lambda e: ts(e["timestamp"])
start = t(ev[0]); end = t(ev[-1])
# The run's own steps; the last activity of every run is RecordRun (its run record), counted in total_ms only.
done = [e for e in ev if e["eventType"] == "TaskCompleted" and e.get("name") == "RecordDiagnosticStep"]
assert len(done) == steps, len(done)
total = (end - start).total_seconds() * 1000
# Steady state: from the first step's scheduling to the last step's completion, without the one-off
# cost of picking up a new instance.
chain = (t(done[-1]) - ts(done[0]["scheduledTime"])).total_seconds() * 1000
print(f"{total:.0f} {total/steps:.1f} {chain/steps:.1f}")
PY
}

# Warm-up: .NET tiered JIT and Node both need a few hundred steps before they reach steady speed.
for w in 1 2 3; do run_once "warmup$w" >/dev/null; done
echo "run total_ms per_step_ms(start→end) per_step_ms(steady)"
: >"$state/results"
for i in $(seq 1 "$runs"); do
  r=$(run_once "$i"); echo "$i $r"; echo "$r" >>"$state/results"
done
summary() { cut -d' ' -f"$1" "$state/results" | sort -n | awk -v what="$2" '{a[NR]=$1} END {printf "%s ms per step over %d runs: min %.1f, median %.1f, max %.1f\n", what, NR, a[1], a[int((NR+1)/2)], a[NR]}'; }
summary 2 "start→end"
summary 3 "steady  "
