#!/usr/bin/env bash
# Planned switchovers, as clients see them: ours beside Patroni 3.0.2's, on the same two-node lab shape, under the
# same steady write load.
#   ours:    `dr drill switchover --rounds ROUNDS --rate RATE --json` on a fresh lab (async standby): each round a
#            switchover to the secondary and a failback home (reprotect finds the node streaming, then a switchover
#            back), load through api. (HTTP to the workload, which resolves db. per connection); the gap per move is
#            the longest wait between two acknowledged writes during the run, read from the load generator's ledger;
#            lost = acknowledged ids missing from the primary that serves at the end.
#   Patroni: bench/switchover/patroni.sh ROUNDS*2: `patronictl switchover` back and forth, a writer straight to the
#            database (libpq multi-host, target_session_attrs=read-write, a new connection per write), gap and lost
#            measured the same way from its ledger.
# Usage: bench/switchover/run.sh [ROUNDS=5] [RATE=50] [OUT: a folder to keep both reports (ours.json, patroni.json) in]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
rounds="${1:-5}"
rate="${2:-50}"
out="${3:-}"
work="$(mktemp -d /tmp/dr-bench-switchover-XXXXXX)"
chmod 755 "$work"
keep() { [[ -n "$out" ]] && mkdir -p "$out" && cp "$work"/*.json "$out/" 2>/dev/null; true; }
trap 'keep; "$root/dr" lab down --state-dir "$work/state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$root/dr" --help >/dev/null   # builds if needed, outside the timings

mkdir -p "$work/state"; chmod 755 "$work/state"
echo "ours: $rounds switchovers + $rounds failbacks at $rate writes/s ..." >&2
"$root/dr" drill switchover --state-dir "$work/state" --rounds "$rounds" --rate "$rate" --json >"$work/ours.json" 2>"$work/ours.log" \
  || { echo "the drill failed:" >&2; tail -20 "$work/ours.log" >&2; cat "$work/ours.json" >&2; exit 1; }
python3 - "$work/ours.json" <<'PY'
import json, sys, statistics
r = json.load(open(sys.argv[1]))
print("move        runbook_gap_s  client_gap_s  failed_attempts  duration_s")
for m in r["moves"]:
    g = m["clientGap"] or {}
    print(f'{m["round"]} {m["runbook"]:<10} {m["runbookGapSeconds"] or 0:13.3f} {g.get("seconds", float("nan")):13.3f} {g.get("failedAttempts", 0):16d} {m["durationSeconds"]:11.2f}')
gaps = sorted(m["clientGap"]["seconds"] for m in r["moves"] if m["clientGap"])
print(f'ours: write gap median {statistics.median(gaps):.2f} s, max {max(gaps):.2f} s over {len(gaps)} moves; '
      f'lost {len(r["lostAcknowledged"])} of {r["acknowledged"]} acknowledged; {r["standby"]["node"]} {r["standby"]["upstream"]["status"] if r["standby"]["upstream"] else "not streaming"}')
PY

echo "Patroni: $((rounds * 2)) switchovers at $rate writes/s ..." >&2
RATE="$rate" "$root/bench/switchover/patroni.sh" "$((rounds * 2))" "$work/patroni.json" | tail -1
