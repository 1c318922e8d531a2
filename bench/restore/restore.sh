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
command -v pgbackrest >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbackrest >/dev/null
"$root/bench/backup/make-clusters.sh" "$dir" >/dev/null
"$root/dr" --help >/dev/null # builds if needed, outside the timings

as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; } # user nice system irq softirq steal
now_ms() { date +%s%3N; }
results="$dir/restore-results.txt"
: >"$results"
port_of() { [[ $1 == pgbench ]] && echo 55431 || echo 55432; }
start_source() { as_pg "$bin/pg_ctl" -D "$dir/$1" status >/dev/null 2>&1 || as_pg "$bin/pg_ctl" -D "$dir/$1" -l "$dir/$1.log" -w start >/dev/null; }
stop_source() { as_pg "$bin/pg_ctl" -D "$dir/$1" -m fast -w stop >/dev/null 2>&1 || true; }

start_writable() {
  local data=$1
  chown -R postgres: "$data"; chmod 700 "$data"
  as_pg "$bin/pg_ctl" -D "$data" -l "$data.log" -t 120 -w -o "-p $restored_port -c archive_mode=off" start >/dev/null
  for _ in $(seq 1200); do
    as_pg "$bin/psql" -h "$dir" -p $restored_port -U postgres -Atqc "CREATE TABLE IF NOT EXISTS bench_restored(x int); INSERT INTO bench_restored VALUES (1)" bench 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
drop_restored() { as_pg "$bin/pg_ctl" -D "$dir/restored" -m immediate -w stop >/dev/null 2>&1 || true; rm -rf "$dir/restored" "$dir/restored.log"; }

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

pgbr() { as_pg pgbackrest --config="$dir/pgbackrest.conf" "$@"; }
setup_pgbackrest() { # db
  local port; port=$(port_of "$1")
  mkdir -p "$dir/pgbr-repo" "$dir/pgbr-log" "$dir/pgbr-spool"; chown postgres: "$dir/pgbr-repo" "$dir/pgbr-log" "$dir/pgbr-spool"
  cat >"$dir/pgbackrest.conf" <<CONF
[global]
repo1-path=$dir/pgbr-repo
repo1-retention-full=1
log-path=$dir/pgbr-log
lock-path=$dir/pgbr-spool
spool-path=$dir/pgbr-spool
compress-type=zst
compress-level=3
process-max=2
start-fast=y
log-level-console=warn

[$1]
pg1-path=$dir/$1
pg1-port=$port
pg1-socket-path=$dir
CONF
  chown postgres: "$dir/pgbackrest.conf"
  as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -qc "ALTER SYSTEM SET archive_command = 'pgbackrest --config=$dir/pgbackrest.conf --stanza=$1 archive-push %p'" -c "SELECT pg_reload_conf()" >/dev/null
  pgbr --stanza="$1" stanza-create >/dev/null 2>&1 || true
  pgbr --stanza="$1" check >/dev/null
}
pgbr_restore() { mkdir -m 700 "$dir/restored" && chown postgres: "$dir/restored" && pgbr --stanza="$DB" --pg1-path="$dir/restored" --type=immediate --target-action=promote --archive-mode=off restore && start_writable "$dir/restored"; }

ours_settings() { # db
  cat >"$dir/dr-settings.json" <<JSON
{ "Storage": { "Kind": "local", "LocalPath": "$dir/dr-store" },
  "Topology": { "ControlPlane": { "Location": "bench-control-plane" },
    "Regions": { "primary": { "Role": "primary", "Location": "bench-primary",
      "Database": { "Nodes": [ { "Name": "primary-db", "Host": "$dir", "Port": $(port_of "$1") } ] } } } } }
JSON
}
dr() { "$root/dr" --settings "$dir/dr-settings.json" --state-dir "$dir/dr-state" "$@"; }
ours_restore() { dr backup restore "$LATEST" --to "$dir/restored" --owner postgres && start_writable "$dir/restored"; }

for DB in pgbench random; do
  stop_source pgbench; stop_source random; drop_restored
  start_source "$DB"
  setup_pgbackrest "$DB"
  ours_settings "$DB"
  dr backup run database --keep-days 0.0001 >"$dir/last.log" 2>&1 # the previous backups go: one of each in the store
  LATEST=$(dr backup list --json | python3 -c 'import json,sys; print([b for b in json.load(sys.stdin) if b["kind"]=="database" and b["status"]=="complete"][0]["id"])')
  dr stop >/dev/null 2>&1 || true # the Azurite that the embedded runtime started
  pgbr --stanza="$DB" --type=full backup >/dev/null
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
