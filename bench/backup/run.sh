#!/usr/bin/env bash
# Base backup and restore-to-writable: ours (`dr backup run database` to the local-directory store, then
# `dr backup restore`) against pgBackRest 2.45 (posix repo, zst level 3, process-max 2, restore
# --type=immediate --target-action=promote) and plain `pg_basebackup --compress=server-zstd:3`, on two
# ~1.5 GB PostgreSQL 15 clusters (make-clusters.sh): pgbench -s 100 and random bytes. Tools run
# alternately, RUNS times each. Reported per run: wall ms, whole-machine CPU ms (/proc/stat), bytes stored.
# A restore is timed from the command's start until the new cluster accepts a write. One untimed backup per
# tool first (our host's JIT, the page cache, the first checkpoint). Ours runs through a `dr serve` (steady
# state); its figure is the whole `dr backup run database` command, client start-up and all.
# Usage: bench/backup/run.sh [RUNS=3] [DIR=/var/tmp/dr-bench-backup]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
dir="${2:-/var/tmp/dr-bench-backup}"
bin=/usr/lib/postgresql/15/bin
restored_port=55441

source "$root/bench/backup/tools.sh"
prepare
results="$dir/results.txt"
: >"$results"

# measure NAME DB OP BYTES-COMMAND -- COMMAND...: runs COMMAND, appends "db op name wall_ms cpu_ms bytes".
measure() {
  local name=$1 db=$2 op=$3 bytes_cmd=$4; shift 5
  sync # no dirty pages of the previous step bleed into this one; the source's files stay cached for all
  local c0 t0; c0=$(cpu_ticks); t0=$(now_ms)
  "$@" >"$dir/last.log" 2>&1 || { echo "FAILED: $name $db $op" >&2; cat "$dir/last.log" >&2; exit 1; }
  local t1 c1; t1=$(now_ms); c1=$(cpu_ticks)
  local bytes; bytes=$(eval "$bytes_cmd")
  printf '%s %s %s %d %d %s\n' "$db" "$op" "$name" $((t1 - t0)) $(((c1 - c0) * 10)) "$bytes" | tee -a "$results"
}

ours_size() { dr backup list --json | python3 -c 'import json,sys; print([b for b in json.load(sys.stdin) if b["kind"]=="database"][0]["sizeBytes"])'; }

pgbr_size() { du -sb "$dir/pgbr-repo/backup/$DB" | awk '{print $1}'; }

pgbb_backup() { rm -rf "$dir/pgbb"; "$bin/pg_basebackup" -h "$dir" -p "$(port_of "$DB")" -U postgres -w -D "$dir/pgbb" -Ft -X fetch -c fast --compress=server-zstd:3; }
pgbb_restore() { mkdir -m 700 "$dir/restored" && tar -I zstd -xf "$dir/pgbb/base.tar.zst" -C "$dir/restored" && start_writable "$dir/restored"; }
pgbb_size() { du -sb "$dir/pgbb" | awk '{print $1}'; }

for DB in pgbench random; do
  stop_source pgbench; stop_source random; drop_restored # one cluster at a time
  start_source "$DB"
  setup_pgbackrest "$DB"
  ours_settings "$DB"
  "$root/dr" --settings "$dir/dr-settings.json" --state-dir "$dir/dr-state" serve --port 0 >"$dir/dr-serve.log" 2>&1 & serve=$!
  for _ in $(seq 100); do grep -q "API on" "$dir/dr-serve.log" && break; sleep 0.2; done
  for tool in ours pgbr pgbb; do "${tool}_backup" >/dev/null 2>&1; done # untimed warm-up (JIT, caches, first checkpoint)
  for i in $(seq "$runs"); do
    # Alternate the order so no tool always runs first (page cache, checkpoints).
    case $((i % 3)) in
      1) order="ours pgbr pgbb" ;; 2) order="pgbr pgbb ours" ;; 0) order="pgbb ours pgbr" ;;
    esac
    for tool in $order; do
      measure "$tool" "$DB" backup "${tool}_size" -- "${tool}_backup"
      drop_restored
      [[ $tool == ours ]] && LATEST=$(ours_latest) # looked up outside the timing, as pgBackRest knows its latest
      measure "$tool" "$DB" restore "echo -" -- "${tool}_restore"
      drop_restored
    done
  done
  echo "$DB: our backup step alone (TakeBaseBackup, from the host log):" $(grep -o "Base backup .* in [0-9.]* s" "$dir/dr-serve.log" | grep -o "[0-9.]* s$") >&2
  kill "$serve" 2>/dev/null || true; wait "$serve" 2>/dev/null || true
  stop_source "$DB"
done

echo
echo "medians over $runs runs (wall ms, cpu ms, bytes), and ours / theirs:"
python3 - "$results" <<'PY'
import sys, statistics as st, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    db, op, tool, wall, cpu, size = line.split()
    rows[(db, op, tool)].append((int(wall), int(cpu), size))
for db in ("pgbench", "random"):
    for op in ("backup", "restore"):
        med = {t: (st.median(r[0] for r in rows[(db, op, t)]), st.median(r[1] for r in rows[(db, op, t)]), rows[(db, op, t)][-1][2]) for t in ("ours", "pgbr", "pgbb")}
        o, p, b = med["ours"], med["pgbr"], med["pgbb"]
        print(f"{db:8} {op:8} ours {o[0]:6.0f} ms cpu {o[1]:6.0f} size {o[2]:>11} | pgBackRest {p[0]:6.0f} ms cpu {p[1]:6.0f} size {p[2]:>11} | pg_basebackup {b[0]:6.0f} ms cpu {b[1]:6.0f} size {b[2]:>11} "
              f"| ours/pgBackRest wall {o[0]/p[0]:.2f} cpu {o[1]/p[1]:.2f} | ours/pg_basebackup wall {o[0]/b[0]:.2f}")
PY
