#!/usr/bin/env bash
# PITR replaying ~1 GB of WAL, and archive throughput: ours (the lab's primary archiving through its node
# agent; `dr pitr --target latest --into DIR`, a recover job of the agent with its WAL prefetch) against
# pgBackRest 2.45 (archive-push / archive-get with archive-async=y, process-max 2, posix repo, zst level 3)
# on a cluster of its own beside the lab. Per run and tool: a base backup of a small database, then
# `pgbench -i -s SCALE` (its load is the WAL after the backup) while archiving is held off; then
#   archive: archiving released, timed until no .ready file is left: segments per second it sustains;
#   pitr:    restore the base backup and replay everything archived, timed until the cluster takes a write.
# Ours is reported three ways: the whole command (client start-up, orchestration, pg_amcheck and ANALYZE
# included), and the agent job's restore + replay (what pgBackRest's figure covers). The control plane is a warm
# `dr serve` beside the lab (its health monitor off), running for both tools alike.
# Before each timed PITR the source settles (checkpoint of both tools' clusters, autovacuum done, the lab standby
# caught up, dirty pages written).
# Each PITR's startup process (the replay) is sampled from /proc: its CPU, its time waiting for a CPU, the rest.
# Tools alternate, RUNS times each. Usage: bench/restore/pitr.sh [RUNS=3] [SCALE=60] [DIR=/var/tmp/dr-bench-pitr]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
scale="${2:-60}"
dir="${3:-/var/tmp/dr-bench-pitr}"
bin=/usr/lib/postgresql/15/bin
pgbr_port=55451
restored_port=55452
source "$root/bench/restore/beside-the-lab.sh"
results="$dir/results.txt"
: >"$results"; : >"$dir/startup.txt"

# hold HOST PORT: archiving off (every segment stays .ready); release HOST PORT COMMAND: back on.
hold() { psql_at "$1" "$2" "ALTER SYSTEM SET archive_command = '/bin/false'" >/dev/null; psql_at "$1" "$2" "SELECT pg_reload_conf()" >/dev/null; }
release() { psql_at "$1" "$2" "ALTER SYSTEM SET archive_command = '${3//\'/\'\'}'" >/dev/null; psql_at "$1" "$2" "SELECT pg_reload_conf()" >/dev/null; }
ready_count() { find "$1/pg_wal/archive_status" -name '*.ready' | wc -l; }

# load TOOL HOST PORT DATA COMMAND: base backup, pgbench -i with archiving held, then the timed drain.
load() {
  local tool=$1 host=$2 port=$3 data=$4 command=$5
  if [[ $tool == ours ]]; then dr backup run database >/dev/null; else pgbr --type=full backup >/dev/null; fi
  hold "$host" "$port"
  as_pg "$bin/pgbench" -h "$host" -p "$port" -U postgres -i -q -s "$scale" bench >/dev/null 2>&1
  psql_at "$host" "$port" "SELECT pg_switch_wal()" >/dev/null
  sleep 1
  local segments; segments=$(ready_count "$data")
  local t0; t0=$(now_ms)
  release "$host" "$port" "$command"
  while [[ $(ready_count "$data") -gt 0 ]]; do sleep 0.05; done
  # (.ready becomes .done only once archive_command succeeded: ours once the agent has it stored, pgBackRest's
  # async push once its background process has it in the repo.)
  local t1; t1=$(now_ms)
  printf '%s archive %d segments %d ms %.1f segments/s\n' "$tool" "$segments" $((t1 - t0)) "$(echo "$segments * 1000 / ($t1 - $t0)" | bc -l)" | tee -a "$results"
}

# settle HOST PORT: before a timed PITR, the source's own aftermath of the load (its checkpoint, autovacuum of the
# new tables, the lab standby's catch-up, the dirty pages they left) is let finish, so it does not share the 2 cores
# and the disk with the replay.
settle() {
  # Both tools' clusters: the other one may still be spreading the checkpoint of its own earlier load.
  psql_at "$lab_host" "$lab_port" "CHECKPOINT" >/dev/null
  psql_at 127.0.0.1 $pgbr_port "CHECKPOINT" >/dev/null
  for _ in $(seq 600); do
    [[ $(psql_at "$1" "$2" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'") == 0 \
      && $(psql_at "$1" "$2" "SELECT count(*) FROM pg_stat_replication WHERE replay_lsn < pg_current_wal_lsn()") == 0 ]] && break
    sleep 0.1
  done
  sync # and what the load left dirty in the page cache is written out now, not during the timed PITR
}

wait_writable() { # host port
  for _ in $(seq 2400); do psql_at "$1" "$2" "CREATE TABLE IF NOT EXISTS bench_restored(x int); INSERT INTO bench_restored VALUES (1)" bench >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

# watch_replay TOOL PATTERN: the restored server's startup process, sampled while it replays (startup-schedstat.sh).
watch_replay() { "$root/bench/restore/startup-schedstat.sh" "$dir/startup-$1.txt" "$2" & watcher=$!; }
# replay_summary TOOL: how that startup process spent its replay, appended to startup.txt.
replay_summary() {
  wait "$watcher" 2>/dev/null || true
  python3 - "$dir/startup-$1.txt" "$1" <<'PY' >>"$dir/startup.txt"
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) >= 5]
if len(rows) > 1:
    elapsed = (int(rows[-1][0]) - int(rows[0][0])) / 1e6
    cpu, queued = ((int(rows[-1][i]) - int(rows[0][i])) / 1e9 for i in (1, 2))
    print(f"{sys.argv[2]} startup process: {elapsed:.2f} s elapsed = CPU {cpu:.2f} s + run queue {queued:.2f} s + other waits {elapsed - cpu - queued:.2f} s, {rows[-1][4]}")
PY
}

pitr_ours() {
  rm -rf "$ours" "$ours.dr-job"; sync
  watch_replay ours "$ours"
  local t0; t0=$(now_ms)
  dr pitr --target latest --into "$ours" --json >"$dir/ours-pitr.json"
  local t1; t1=$(now_ms)
  replay_summary ours
  python3 - "$dir/ours-pitr.json" $((t1 - t0)) <<'PY' | tee -a "$results"
import json, sys
out = json.load(open(sys.argv[1]))["output"]["recovered"]["result"]
writable = (out['restoreSeconds'] + out['replaySeconds']) * 1000
durable = writable + out['durableSeconds'] * 1000
print(f"ours pitr {int(sys.argv[2])} ms command, restore {out['restoreSeconds']*1000:.0f} ms + replay {out['replaySeconds']*1000:.0f} ms = {writable:.0f} ms to writable, {durable:.0f} ms to durable, verify+analyze {out['verifySeconds']*1000:.0f} ms")
PY
  as_pg "$bin/pg_ctl" -D "$ours" -m immediate -w stop >/dev/null 2>&1 || true
  cp "$ours.log" "$dir/ours-last-$(now_ms).log" 2>/dev/null || true
  rm -rf "$ours" "$ours.dr-job"
}

pitr_pgbr() {
  as_pg "$bin/pg_ctl" -D "$dir/pgbr-restored" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir/pgbr-restored"; mkdir -m 700 "$dir/pgbr-restored"; chown postgres: "$dir/pgbr-restored"; sync
  local t0; t0=$(now_ms)
  pgbr --pg1-path="$dir/pgbr-restored" --type=default --archive-mode=off restore >/dev/null
  watch_replay pgbr pgbr-restored
  as_pg "$bin/pg_ctl" -D "$dir/pgbr-restored" -l "$dir/pgbr-restored.log" -t 600 -w -o "-p $restored_port -c archive_mode=off" start >/dev/null
  wait_writable 127.0.0.1 $restored_port
  local t1; t1=$(now_ms)
  replay_summary pgbr
  printf 'pgbr pitr %d ms to writable\n' $((t1 - t0)) | tee -a "$results"
  as_pg "$bin/pg_ctl" -D "$dir/pgbr-restored" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir/pgbr-restored"
}

for i in $(seq "$runs"); do
  order="ours pgbr"; [[ $((i % 2)) == 0 ]] && order="pgbr ours"
  for tool in $order; do
    if [[ $tool == ours ]]; then load ours "$lab_host" "$lab_port" "$lab_data" "$lab_archive_command"; settle "$lab_host" "$lab_port"; pitr_ours
    else load pgbr 127.0.0.1 $pgbr_port "$dir/pgbr-data" "$pgbr_archive_command"; settle 127.0.0.1 $pgbr_port; pitr_pgbr; fi
  done
done

echo
cat "$dir/startup.txt"
echo
echo "medians over $runs runs:"
python3 - "$results" <<'PY'
import re, sys, statistics as st, collections
rate, pitr, to_writable, to_durable = (collections.defaultdict(list) for _ in range(4))
for line in open(sys.argv[1]):
    tool, op = line.split()[:2]
    if op == "archive":
        rate[tool].append(float(re.search(r"([\d.]+) segments/s", line).group(1)))
    elif tool == "ours":
        pitr["ours"].append(int(re.search(r"pitr (\d+) ms command", line).group(1)))
        to_writable["ours"].append(int(re.search(r"= (\d+) ms to writable", line).group(1)))
        to_durable["ours"].append(int(re.search(r"(\d+) ms to durable", line).group(1)))
    else:
        to_writable["pgbr"].append(int(re.search(r"pitr (\d+) ms", line).group(1)))
o, p = st.median(to_writable["ours"]), st.median(to_writable["pgbr"])
print(f"archive: ours {st.median(rate['ours']):.1f} segments/s, pgBackRest {st.median(rate['pgbr']):.1f} segments/s")
d = st.median(to_durable["ours"])
print(f"pitr to durable (ours: fsync back on, checkpoint, syncfs): ours {d:.0f} ms vs pgBackRest to writable {p:.0f} ms: {d/p:.2f}")
print(f"pitr to writable: ours {o:.0f} ms (whole command {st.median(pitr['ours']):.0f} ms), pgBackRest {p:.0f} ms: ours/pgBackRest {o/p:.2f} (whole command {st.median(pitr['ours'])/p:.2f})")
PY
