#!/usr/bin/env bash
# Unplanned failovers on the lab, as clients see them: RUNS times `dr drill failover --json` (a fresh lab
# each time: load through api. at RATE writes/s, `dr lab kill primary`, the monitor detects and fails over,
# the old region is revived and must come back fenced), with an asynchronous standby and then with a
# synchronous one. Prints per run and the medians: RTO from the load generator's ledger (last acknowledged
# write before the kill to the first acknowledged write from the new region), detection, the runbook's
# own RTO, per-step durations, acknowledged writes lost (ledger vs the new primary).
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
work, runs = sys.argv[1], int(sys.argv[2])
def med(xs): return statistics.median(xs) if xs else float("nan")
for mode in ("async", "sync"):
    reports = []
    for i in range(1, runs + 1):
        f = os.path.join(work, f"{mode}-{i}.json")
        try: reports.append(json.load(open(f)))
        except Exception as e: print(f"{mode} run {i}: no report ({e})")
    print(f"== {mode} standby: {len(reports)} runs")
    print("run  client_rto_s  detection_s  runbook_rto_s  acked  lost  queue_missing  revived_fenced  writable")
    for i, r in enumerate(reports, 1):
        print(f"{i:3}  {r['clientOutage']['seconds'] or float('nan'):12.2f}  {r['detectionSeconds'] or float('nan'):11.2f}  {r['runbookRtoSeconds'] or float('nan'):13.2f}  "
              f"{r['acknowledged']:5}  {len(r['lostAcknowledged']):4}  {len(r['missingFromQueue']):13}  {str(r['revived']['fenced']):>14}  {','.join(r['revived']['writable'])}")
    rto = [r['clientOutage']['seconds'] for r in reports if r['clientOutage']['seconds'] is not None]
    if rto:
        print(f"client-seen RTO: median {med(rto):.2f} s, max {max(rto):.2f} s; lost acknowledged writes: {sum(len(r['lostAcknowledged']) for r in reports)} in total")
    steps = {}
    for r in reports:
        for s in r["steps"]:
            steps.setdefault(s["name"], []).append(s["durationSeconds"] if "durationSeconds" in s else None)
    order = [s["name"] for s in reports[0]["steps"]] if reports else []
    print("per-step median (s): " + ", ".join(f"{n} {med([d for d in steps[n] if d is not None]):.3f}" for n in order if n in steps))
PY
