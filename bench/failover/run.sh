#!/usr/bin/env bash
# Unplanned failovers on the lab, as clients see them: RUNS times `dr drill failover --json` (the FailoverTest
# runbook on a fresh lab each time: the prober writes through api. at RATE writes/s, the primary region is lost,
# the monitor detects and fails over, the old region is revived fenced, the drill fails back), with an
# asynchronous standby and then with a synchronous one. Prints per run and the medians: RTO from the prober's
# ledger (injection to the first acknowledged write sent after it), detection (injection to the failover's
# start), the failover runbook's own RTO, per-step durations, acknowledged writes lost (read back afterwards).
# Usage: bench/failover/run.sh [RUNS=5] [RATE=50]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
rate="${2:-50}"
work="$(mktemp -d /tmp/dr-bench-failover-XXXXXX)"
chmod 755 "$work"
trap 'for s in "$work"/state-*; do "$root/dr" lab down --state-dir "$s" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT
"$root/dr" --help >/dev/null   # builds if needed, outside the timings

python3 - "$root/config/lab.topology.json" "$work/sync.topology.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
for r in t["regions"]:
    if r["role"] == "secondary":
        r["services"]["postgres"]["synchronous"] = True
json.dump(t, open(sys.argv[2], "w"), indent=2)
PY

for mode in async sync; do
  topology=$([[ $mode == sync ]] && echo "$work/sync.topology.json" || echo "$root/config/lab.topology.json")
  for i in $(seq 1 "$runs"); do
    state="$work/state-$mode-$i"; mkdir -p "$state"; chmod 755 "$state"
    "$root/dr" drill failover --json --rate "$rate" --topology "$topology" --state-dir "$state" >"$work/$mode-$i.json" 2>"$work/$mode-$i.log" \
      || { echo "run $mode $i exited $?" >&2; tail -5 "$work/$mode-$i.log" >&2; }
    "$root/dr" lab down --state-dir "$state" >/dev/null 2>&1 || true
    rm -rf "$state"
  done
done

python3 - "$work" "$runs" <<'PY'
import json, sys, statistics, os
from datetime import datetime
work, runs = sys.argv[1], int(sys.argv[2])
def med(xs): return statistics.median(xs) if xs else float("nan")
def secs(a, b): return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
for mode in ("async", "sync"):
    reports = []
    for i in range(1, runs + 1):
        f = os.path.join(work, f"{mode}-{i}.json")
        try: reports.append(json.load(open(f))["report"])
        except Exception as e: print(f"{mode} run {i}: no report ({e})")
    reports = [r for r in reports if r]
    print(f"== {mode} standby: {len(reports)} runs")
    print("run  client_rto_s  detection_s  runbook_rto_s  acked  lost  passed")
    failovers = []
    for i, r in enumerate(reports, 1):
        m = r["measured"]; f = next(d for d in m["driven"] if d["runbook"] == "Failover"); failovers.append(f)
        print(f"{i:3}  {m['rtoSeconds'] or float('nan'):12.2f}  {secs(r['injectedAt'], f['startedAt']):11.2f}  {(f['figures'] or {}).get('rtoSeconds', float('nan')):13.2f}  "
              f"{m['acknowledged']:5}  {len(m['lost']):4}  {r['passed']}")
    rto = [r["measured"]["rtoSeconds"] for r in reports if r["measured"]["rtoSeconds"] is not None]
    if rto:
        print(f"client-seen RTO (injection → first acknowledged write sent after it): median {med(rto):.2f} s, max {max(rto):.2f} s; "
              f"lost acknowledged writes: {sum(len(r['measured']['lost']) for r in reports)} in total")
    steps = {}
    for f in failovers:
        for s in f["steps"]:
            steps.setdefault(s["name"], []).append(s["durationSeconds"])
    order = [s["name"] for s in failovers[0]["steps"]] if failovers else []
    print("per-step median (s): " + ", ".join(f"{n} {med(steps[n]):.3f}" for n in order if n in steps))
PY
