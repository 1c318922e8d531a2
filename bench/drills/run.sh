#!/usr/bin/env bash
# The three drills on the lab, as runbooks: RUNS FailoverTests (a fresh lab each: the prober writes through api. at RATE/s,
# the primary region is lost, the monitor fails over, revive, fail back), one BackupRestoreTest and one FullDrSimulation
# (both live regions lost, recovery in the cold DR region, the layout rebuilt). Prints per run: wall time (start to end
# of the drill's runbook, from its report), RTO and RPO as the prober measured them, lost acknowledged writes, and the
# medians; the backup-restore test's restore + replay against its wall time.
# With DATA_MB > 0, the backup-restore test runs once more on a lab whose database holds about DATA_MB of rows (loaded,
# then a base backup taken, before the drill): where restore and replay dominate, as on a real database.
# Usage: bench/drills/run.sh [RUNS=5] [RATE=20] [OUTDIR] [DATA_MB=0]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
rate="${2:-20}"
out="${3:-}"
data_mb="${4:-0}"
work="$(mktemp -d /tmp/dr-bench-drills-XXXXXX)"
chmod 755 "$work"
trap 'for s in "$work"/state-*; do "$root/dr" lab down --state-dir "$s" >/dev/null 2>&1 || true; done; [[ -n "$out" ]] && cp "$work"/*.json "$out"/ 2>/dev/null; rm -rf "$work"' EXIT
[[ -n "$out" ]] && mkdir -p "$out"
"$root/dr" --help >/dev/null   # builds if needed, outside the timings

drill() { # name kind extra-args...
  local name="$1" kind="$2"; shift 2
  local state="$work/state-$name"; mkdir -p "$state"; chmod 755 "$state"
  "$root/dr" drill "$kind" --json --state-dir "$state" "$@" >"$work/$name.json" 2>"$work/$name.log" \
    || { echo "$name exited $?" >&2; tail -5 "$work/$name.log" >&2; }
  "$root/dr" lab down --state-dir "$state" >/dev/null 2>&1 || true
  rm -rf "$state"
}

for i in $(seq 1 "$runs"); do drill "failover-$i" failover --rate "$rate"; done
drill backup-restore backup-restore
drill full full --input "{\"rate\": $rate}"
if (( data_mb > 0 )); then
  state="$work/state-big"; mkdir -p "$state"; chmod 755 "$state"
  "$root/dr" lab up --state-dir "$state" >/dev/null 2>&1
  conn=$(python3 -c "import json,sys; l=json.load(open('$state/lab/lab.json')); p=[x for x in l['processes'] if x['name']=='postgres-primary'][0]; print(p['address'], p['ports'][0])")
  read -r host port <<<"$conn"
  PGPASSWORD="$(cat "$state/lab/postgres.password")" psql -q -h "$host" -p "$port" -U postgres -d postgres -c \
    "CREATE TABLE bulk AS SELECT g AS id, $(printf "md5((g*%d)::text)||" 1 2 3 4 5 6 7 8 9)md5((g*10)::text) AS payload FROM generate_series(1, $data_mb * 2900) g" >/dev/null
  "$root/dr" backup run database --state-dir "$state" >/dev/null 2>&1
  drill big backup-restore
fi

python3 - "$work" "$runs" <<'PY'
import json, sys, statistics, os
from datetime import datetime
work, runs = sys.argv[1], int(sys.argv[2])
def load(name):
    try: return json.load(open(os.path.join(work, f"{name}.json")))
    except Exception as e: print(f"{name}: no result ({e})"); return None
def secs(a, b): return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
def med(xs): return statistics.median(xs) if xs else float("nan")
def num(x): return float("nan") if x is None else x
def row(name, run):
    r = run["report"]; m = r.get("measured") or {}
    wall = secs(r["startedAt"], r["endedAt"])
    objectives = {o["name"].split(":")[0]: o for o in r["objectives"]}
    print(f"{name:16} {run['runtimeStatus']:9} {'passed' if r['passed'] else 'FAILED':7} wall {wall:6.1f} s  "
          f"RTO {num(objectives['RTO']['measuredSeconds']):7.3f} s  RPO {num(objectives['RPO']['measuredSeconds']):7.3f} s  "
          f"acked {m.get('acknowledged', 0):4}  lost {len(m.get('lost', [])):3}")
    return wall, objectives['RTO']['measuredSeconds'], objectives['RPO']['measuredSeconds']
walls, rtos, rpos = [], [], []
for i in range(1, runs + 1):
    run = load(f"failover-{i}")
    if run and run.get("report"):
        w, rto, rpo = row(f"failover-test {i}", run); walls.append(w); rtos.append(rto); rpos.append(rpo)
if walls:
    print(f"FailoverTest medians: wall {med(walls):.1f} s, RTO {med(rtos):.3f} s (max {max(rtos):.3f}), RPO {med(rpos):.3f} s")
for name in ("backup-restore", "full", "big"):
    if not os.path.exists(os.path.join(work, f"{name}.json")): continue
    run = load(name)
    if run and run.get("report"):
        wall, rto, _ = row(name, run)
        if name in ("backup-restore", "big"):
            print(f"  restore + replay {rto:.3f} s; wall / (restore + replay) = {wall / rto:.1f}")
PY
