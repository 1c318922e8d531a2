#!/usr/bin/env bash
# False failovers: MINUTES of load at 50 writes/s on the lab with the health monitor on (1 s rounds, 2
# failed rounds to act), and a 1 s blip (SIGSTOP/SIGCONT) every EVERY seconds on a random primary-region
# service: its PostgreSQL (every process of the cluster), a workload, its agent, its Redis. Prints the blips
# injected, the writes, and the failovers started, which must be 0.
# Usage: bench/failover/soak.sh [MINUTES=10] [EVERY=10]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
minutes="${1:-10}"
every="${2:-10}"
state="$(mktemp -d /tmp/dr-bench-soak-XXXXXX)"
chmod 755 "$state"
serve_pid=""
trap '[[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null; "$root/dr" lab down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
"$root/dr" lab up --state-dir "$state" >/dev/null 2>"$state/up.log" || { cat "$state/up.log"; exit 1; }
"$root/dr" serve --port 0 --state-dir "$state" >"$state/serve.log" 2>&1 &
serve_pid=$!
until [[ -s "$state/serve.json" ]]; do sleep 0.2; done
sleep 5   # the monitor's first rounds

seconds=$((minutes * 60))
"$root/dr" lab load --rate 50 --duration "$seconds" --ledger "$state/ledger.jsonl" --state-dir "$state" >"$state/load.json" 2>&1 &
load_pid=$!
services=(postgres-primary workload-primary-1 workload-primary-2 agent-primary redis-master)
blips=0
end=$(( $(date +%s) + seconds ))
while (( $(date +%s) < end - every )); do
  sleep "$every"
  service=${services[$((RANDOM % ${#services[@]}))]}
  "$root/dr" lab pause "$service" --seconds 1 --state-dir "$state" >/dev/null
  blips=$((blips + 1))
done
wait "$load_pid" || true

url=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['Url'])" "$state/serve.json")
token=$(cat "$state/api-token")
failovers=$(curl -s -H "Authorization: Bearer $token" "$url/runtime/webhooks/durabletask/instances?instanceIdPrefix=failover-" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))")
python3 - "$state/load.json" "$blips" "$failovers" "$minutes" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
load = json.loads(text[text.index("{"):])
print(f"soak {sys.argv[4]} min: {sys.argv[2]} blips of 1 s; writes {load['attempts']} attempts, {load['written']} acknowledged, "
      f"{load['failed']} failed, p99 {load['p99Ms']} ms; failovers started: {sys.argv[3]}")
PY
