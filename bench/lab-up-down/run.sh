#!/usr/bin/env bash
# Wall time of `dr lab up` and `dr lab down` with the default topology (12 processes: PostgreSQL primary +
# standby and an agent beside each, Redis master + replica, PowerDNS, Azurite, s3rver, 3 workloads), RUNS times each, in a
# fresh state directory. The first `up` also builds the PostgreSQL template (initdb); it is reported apart.
# Usage: bench/lab-up-down/run.sh [RUNS=5]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-5}"
state="$(mktemp -d /tmp/dr-bench-lab-XXXXXX)"
trap '"$root/dr" lab down --state-dir "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
"$root/dr" --help >/dev/null   # builds if needed, outside the timings

ms() { date +%s%3N; }
echo "run up_ms down_ms"
: >"$state/times"
for i in $(seq 0 "$runs"); do
  t0=$(ms); "$root/dr" lab up --state-dir "$state" >/dev/null 2>"$state/up.log" || { cat "$state/up.log"; exit 1; }
  t1=$(ms); "$root/dr" lab down --state-dir "$state" >/dev/null 2>"$state/down.log" || { cat "$state/down.log"; exit 1; }
  t2=$(ms)
  grep -h "killed" "$state/down.log" >&2 || true
  if [[ $i -eq 0 ]]; then echo "cold (initdb of the template) $((t1 - t0)) $((t2 - t1))"; continue; fi
  echo "$i $((t1 - t0)) $((t2 - t1))"; echo "$((t1 - t0)) $((t2 - t1))" >>"$state/times"
done
for col in 1 2; do
  name=$([[ $col -eq 1 ]] && echo "up  " || echo "down")
  cut -d' ' -f$col "$state/times" | sort -n | awk -v n="$name" '{a[NR]=$1} END {printf "%s ms over %d runs: min %d, median %d, max %d\n", n, NR, a[1], a[int((NR+1)/2)], a[NR]}'
done
