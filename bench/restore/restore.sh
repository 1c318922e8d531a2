#!/usr/bin/env bash
# Restore to writable: ours (`dr backup restore ID --to DIR --owner postgres`, the parts of the backup fetched and
# checked several at once, written with O_DIRECT, then `pg_ctl start`) against pgBackRest 2.45 (posix repo, zst
# level 3, process-max 2, `restore --type=immediate --target-action=promote`, then start), on the two ~1.6 GB
# clusters of the backups benchmark (bench/backup/make-clusters.sh: pgbench -s 100, and incompressible random
# bytes). Per cluster: one backup per tool (untimed), the source stopped, then RUNS rounds with the tools in
# alternating order. A restore is timed from the command's start until the new cluster accepts a write; CPU is the
# whole machine's (/proc/stat) over the same interval. Nothing else of ours runs meanwhile (no `dr serve`, no Azurite).
# Usage: bench/restore/restore.sh [RUNS=3] [DIR=/var/tmp/dr-bench-backup]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-3}"
dir="${2:-/var/tmp/dr-bench-backup}"
bin=/usr/lib/postgresql/15/bin
restored_port=55441

source "$root/bench/backup/tools.sh"
prepare
results="$dir/restore-results.txt"
: >"$results"

# measure TOOL DB -- COMMAND...: one timed restore to writable, appended as "db tool wall_ms cpu_ms".
measure() {
  local tool=$1 db=$2; shift 3
  drop_restored
  sync # no dirty pages of the previous round bleed into this one
  local c0 t0; c0=$(cpu_ticks); t0=$(now_ms)
  "$@" >"$dir/last.log" 2>&1 || { echo "FAILED: $tool $db" >&2; cat "$dir/last.log" >&2; exit 1; }
  local t1 c1; t1=$(now_ms); c1=$(cpu_ticks)
  printf '%s %s %d %d\n' "$db" "$tool" $((t1 - t0)) $(((c1 - c0) * 10)) | tee -a "$results"
  drop_restored
}

for DB in pgbench random; do
  stop_source pgbench; stop_source random; drop_restored
  start_source "$DB"
  setup_pgbackrest "$DB"
  ours_settings "$DB"
  ours_backup >"$dir/last.log" 2>&1 # the previous backups go: one of each in the store
  LATEST=$(ours_latest)
  dr stop >/dev/null 2>&1 || true # the Azurite that the embedded runtime started
  pgbr_backup >/dev/null
  stop_source "$DB"
  for i in $(seq "$runs"); do
    order="ours pgbr"; [[ $((i % 2)) == 0 ]] && order="pgbr ours"
    for tool in $order; do measure "$tool" "$DB" -- "${tool}_restore"; done
  done
done

echo
echo "medians over $runs runs (restore to writable, wall ms and whole-machine CPU ms), ours / pgBackRest:"
python3 - "$results" <<'PY'
import sys, statistics as st, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    db, tool, wall, cpu = line.split()
    rows[(db, tool)].append((int(wall), int(cpu)))
for db in ("pgbench", "random"):
    o = [st.median(r[i] for r in rows[(db, "ours")]) for i in (0, 1)]
    p = [st.median(r[i] for r in rows[(db, "pgbr")]) for i in (0, 1)]
    print(f"{db:8} ours {o[0]:6.0f} ms cpu {o[1]:6.0f} | pgBackRest {p[0]:6.0f} ms cpu {p[1]:6.0f} | ours/pgBackRest wall {o[0]/p[0]:.2f} cpu {o[1]/p[1]:.2f}")
PY
