#!/usr/bin/env bash
# File-storage backup on the lab: the workload fills the primary region's file store with about OBJECTS artifacts, then
# changes about CHANGE_PERCENT % of them (new, overwritten, deleted) between runs. Side by side, same machine, same store:
#   ours   `dr backup run file-storage` (a point: list, compare with the last point, copy only new/changed contents)
#   mirror bench/files/mirror.py (rclone-copy-like, by hand with the SDK: full listing, size+time compare with a local copy,
#          download what changed, delete what is gone; `aws s3 sync` fails against s3rver past 1,000 objects, ListObjectsV2)
# first run (everything is new) and an incremental run after the change; wall time and bytes copied for each; then
# `dr restore files` of the newest point into another bucket (wall). Prints one table; the command line is in docs/benchmarks.md.
# Usage: bench/files/run.sh [OBJECTS=10000] [CHANGE_PERCENT=1]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
objects="${1:-10000}"
change="${2:-1}"
work="$(mktemp -d /tmp/dr-bench-files-XXXXXX)"
chmod 755 "$work"
state="$work/state"; mkdir -p "$state"; chmod 755 "$state"
trap '"$root/dr" lab down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$root/dr" --help >/dev/null   # builds if needed, outside the timings
"$root/dr" lab up --state-dir "$state" >/dev/null

files_url=$(python3 -c "import json; s=json.load(open('$state/lab/dr.settings.json')); print(s['Topology']['Regions']['primary']['Files']['S3']['ServiceUrl'])")
count() { python3 "$root/bench/files/mirror.py" "$files_url" artifacts "$work/count" | awk '{print $2}'; rm -rf "$work/count"; }
settle() { # waits until the workload's artifact writer has caught up (the object count stops moving)
  local last=-1 now; now=$(count)
  while [[ "$now" != "$last" ]]; do sleep 2; last=$now; now=$(count); done
  echo "$now"
}
# Evaluations per second the lab's workload takes; about 14 % of artifacts are deleted again by the workload itself.
rate=300
"$root/dr" lab load --state-dir "$state" --rate "$rate" --duration $(( objects * 100 / 86 / rate + 1 )) >/dev/null
held=$(settle)

ours() { # label
  local start end
  start=$(date +%s.%N)
  "$root/dr" backup run file-storage --json --state-dir "$state" >"$work/ours.json" 2>/dev/null
  end=$(date +%s.%N)
  python3 - "$1" "$start" "$end" "$work/ours.json" <<'PY'
import json, sys
label, start, end, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
run = json.load(open(path)); p = run["output"]["point"]
from datetime import datetime
own = (datetime.fromisoformat(run["lastUpdatedTime"]) - datetime.fromisoformat(run["createdTime"])).total_seconds()
print(f"ours   {label:12} wall {end-start:7.2f} s (the runbook {own:5.2f} s)  objects {p['objects']:6}  copied {p['copiedObjects']:6} objects {p['copiedBytes']:10} bytes  "
      f"(+{p['added']} ~{p['changed']} -{p['deleted']})")
PY
}
mirror() { # label
  local start end said
  start=$(date +%s.%N)
  said=$(python3 "$root/bench/files/mirror.py" "$files_url" artifacts "$work/mirror")
  end=$(date +%s.%N)
  python3 -c "import sys; print(f'mirror {sys.argv[1]:12} wall {float(sys.argv[3])-float(sys.argv[2]):7.2f} s  {sys.argv[4]}')" "$1" "$start" "$end" "$said"
}

echo "file store: $held objects"
ours "first run"
mirror "first run"
"$root/dr" lab load --state-dir "$state" --rate 20 --duration $(( held * change / 100 / 20 + 1 )) >/dev/null
settle >/dev/null
ours "after ${change}%"
mirror "after ${change}%"
point=$("$root/dr" backup list --json --state-dir "$state" 2>/dev/null | python3 -c "import json,sys; print([r['id'] for r in json.load(sys.stdin) if r['kind']=='file-storage'][0])")
start=$(date +%s.%N)
"$root/dr" restore files --at "$point" --to secondary/bench-restore --json --state-dir "$state" >"$work/restore.json" 2>/dev/null
end=$(date +%s.%N)
python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['output']; print(f'restore of {sys.argv[2]}: wall {float(sys.argv[4])-float(sys.argv[3]):.2f} s, {r[\"restored\"]} objects, {r[\"restoredBytes\"]} bytes, verified: {r[\"verified\"][\"summary\"]}')" \
  "$work/restore.json" "$point" "$start" "$end"
