#!/usr/bin/env bash
# Database incrementals (issue #28): ours (the lab's primary, `dr backup run database --type incremental` through a warm
# `dr serve`: the node agent's job reads the changed files) against pgBackRest 2.45 `--type=incr backup` on a cluster of its
# own beside the lab (bench/restore/beside-the-lab.sh). Per tool and run:
#   a database of `pgbench -i -s SCALE`, a full backup, then ROUNDS rounds standing in for the seed's 15-minute intervals,
#   each `pgbench -T SECONDS` (TPC-B: every round rewrites the accounts table's pages and writes WAL) then an incremental,
#   timed (backup: the command's wall time, ours whole: client, orchestration, plan, agent job, manifest, retention);
#   then a PITR to the end of the archive, timed until the cluster takes a write: ours (`dr pitr --target latest`, the plan
#   picks the newest incremental: its chain restored, one round of WAL replayed), pgBackRest from its newest incremental,
#   and pgBackRest from the full backup alone (every round's WAL replayed): what the incrementals save.
# Usage: bench/backup/incremental.sh [RUNS=2] [SCALE=20] [ROUNDS=12] [SECONDS=10] [DIR=/var/tmp/dr-bench-incr]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-2}"
scale="${2:-20}"
rounds="${3:-12}"
seconds="${4:-10}"
dir="${5:-/var/tmp/dr-bench-incr}"
bin=/usr/lib/postgresql/15/bin
pgbr_port=55461
restored_port=55462
source "$root/bench/restore/beside-the-lab.sh"
results="$dir/results.txt"
: >"$results"
ours="$(dirname "$lab_data")/ours-restored"

# The timed commands run the installed CLI, as pgBackRest's do: `./dr` is a developer's wrapper that first checks whether the
# sources changed (about 0.1 s).
dr_installed() { "$root/src/Local/bin/publish/dr" --state-dir "$dir/lab-state" "$@"; }

wait_writable() { # host port
  for _ in $(seq 2400); do psql_at "$1" "$2" "CREATE TABLE IF NOT EXISTS bench_restored(x int); INSERT INTO bench_restored VALUES (1)" bench >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

# chain TOOL HOST PORT: the database anew, a full backup, ROUNDS of load each followed by a timed incremental.
chain() {
  local tool=$1 host=$2 port=$3
  as_pg "$bin/pgbench" -h "$host" -p "$port" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
  if [[ $tool == ours ]]; then dr backup run database >/dev/null; else pgbr --type=full backup >/dev/null; fi
  for r in $(seq "$rounds"); do
    as_pg "$bin/pgbench" -h "$host" -p "$port" -U postgres -c 2 -j 2 -T "$seconds" bench >/dev/null 2>&1
    local t0; t0=$(now_ms)
    if [[ $tool == ours ]]; then dr_installed backup run database --type incremental --json >"$dir/ours-incr.json"; else pgbr --type=incr backup >/dev/null; fi
    local t1; t1=$(now_ms)
    local stored
    if [[ $tool == ours ]]; then
      stored=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["output"]["job"]["result"]; print("%s bytes in %s files (%s by page), %s compressed; seconds %s" % (r["storedBytes"], r["storedFiles"], r.get("patchedFiles") or 0, r["archiveSizeBytes"], r.get("seconds")))' "$dir/ours-incr.json")
    else
      stored=$(pgbr info --output=json | python3 -c 'import json,sys; b=json.load(sys.stdin)[0]["backup"][-1]["info"]; print("%s bytes, %s compressed" % (b["delta"], b["repository"]["delta"]))')
    fi
    printf '%s incr round %d %d ms %s\n' "$tool" "$r" $((t1 - t0)) "$stored" | tee -a "$results"
  done
  psql_at "$host" "$port" "SELECT pg_switch_wal()" >/dev/null
  sleep 2
}

pitr_ours() {
  rm -rf "$ours" "$ours.dr-job"; sync
  local t0; t0=$(now_ms)
  dr_installed pitr --target latest --into "$ours" --json >"$dir/ours-pitr.json"
  local t1; t1=$(now_ms)
  python3 - "$dir/ours-pitr.json" $((t1 - t0)) <<'PY' | tee -a "$results"
import json, sys
out = json.load(open(sys.argv[1]))["output"]
r = out["recovered"]["result"]
print(f"ours pitr {int(sys.argv[2])} ms command, restore {r['restoreSeconds']*1000:.0f} ms + replay {r['replaySeconds']*1000:.0f} ms = "
      f"{(r['restoreSeconds'] + r['replaySeconds'])*1000:.0f} ms to writable, from {out['plan']['backupId']}")
PY
  as_pg "$bin/pg_ctl" -D "$ours" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$ours" "$ours.dr-job"
}

# pitr_pgbr LABEL SET: pgBackRest's restore of backup SET (empty: its newest) and replay to the end of the archive.
pitr_pgbr() {
  as_pg "$bin/pg_ctl" -D "$dir/pgbr-restored" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir/pgbr-restored"; mkdir -m 700 "$dir/pgbr-restored"; chown postgres: "$dir/pgbr-restored"; sync
  local t0; t0=$(now_ms)
  pgbr --pg1-path="$dir/pgbr-restored" ${2:+--set=$2} --type=default --archive-mode=off restore >/dev/null
  as_pg "$bin/pg_ctl" -D "$dir/pgbr-restored" -l "$dir/pgbr-restored.log" -t 1200 -w -o "-p $restored_port -c archive_mode=off" start >/dev/null
  wait_writable 127.0.0.1 $restored_port
  local t1; t1=$(now_ms)
  printf 'pgbr pitr-%s %d ms to writable\n' "$1" $((t1 - t0)) | tee -a "$results"
  as_pg "$bin/pg_ctl" -D "$dir/pgbr-restored" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir/pgbr-restored"
}

for i in $(seq "$runs"); do
  order="ours pgbr"; [[ $((i % 2)) == 0 ]] && order="pgbr ours"
  for tool in $order; do
    if [[ $tool == ours ]]; then
      chain ours "$lab_host" "$lab_port"; pitr_ours
    else
      chain pgbr 127.0.0.1 $pgbr_port
      full=$(pgbr info --output=json | python3 -c 'import json,sys; print([b["label"] for b in json.load(sys.stdin)[0]["backup"] if b["type"]=="full"][-1])')
      pitr_pgbr incr ""; pitr_pgbr full-only "$full"
    fi
  done
done

echo
echo "medians over $runs runs ($rounds rounds of $seconds s of pgbench at scale $scale):"
python3 - "$results" <<'PY'
import re, sys, statistics as st, collections
incr, pitr = collections.defaultdict(list), collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if f[1] == "incr":
        incr[f[0]].append(int(f[4]))
    elif f[0] == "ours":
        pitr["ours"].append(int(re.search(r"= (\d+) ms to writable", line).group(1)))
        pitr["ours-command"].append(int(re.search(r"pitr (\d+) ms command", line).group(1)))
    else:
        pitr[f[1]].append(int(f[2]))
oi, pi = st.median(incr["ours"]), st.median(incr["pgbr"])
print(f"incremental backup: ours {oi:.0f} ms, pgBackRest {pi:.0f} ms: ours/pgBackRest {oi/pi:.2f}")
o, oc, pn, pf = st.median(pitr["ours"]), st.median(pitr["ours-command"]), st.median(pitr["pitr-incr"]), st.median(pitr["pitr-full-only"])
print(f"pitr to writable: ours {o:.0f} ms (whole command {oc:.0f} ms), pgBackRest from its incremental {pn:.0f} ms, from the full alone {pf:.0f} ms")
print(f"ours/pgBackRest-with-incrementals {o/pn:.2f} (command {oc/pn:.2f}); ours/pgBackRest-full-only {o/pf:.3f} (command {oc/pf:.3f})")
PY
