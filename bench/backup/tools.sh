# Shared by bench/backup/run.sh and bench/restore/restore.sh: the two benchmark clusters, pgBackRest's stanza
# for one of them, our settings for it, and a restore timed until the restored cluster takes a write.
# Expects root, dir, bin and restored_port to be set by the script that sources it.
# pgBackRest installed, the two clusters made (once), dr built: all outside the timings.
prepare() {
  command -v pgbackrest >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbackrest >/dev/null
  "$root/bench/backup/make-clusters.sh" "$dir" >/dev/null
  "$root/dr" --help >/dev/null
}

as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; } # user nice system irq softirq steal
now_ms() { date +%s%3N; }
port_of() { [[ $1 == pgbench ]] && echo 55431 || echo 55432; }
start_source() { as_pg "$bin/pg_ctl" -D "$dir/$1" status >/dev/null 2>&1 || as_pg "$bin/pg_ctl" -D "$dir/$1" -l "$dir/$1.log" -w start >/dev/null; }
stop_source() { as_pg "$bin/pg_ctl" -D "$dir/$1" -m fast -w stop >/dev/null 2>&1 || true; }

# Starts a restored data directory on the spare port and waits until it takes a write.
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

ours_settings() { # db
  cat >"$dir/dr-settings.json" <<JSON
{ "Storage": { "Kind": "local", "LocalPath": "$dir/dr-store" },
  "Topology": { "ControlPlane": { "Location": "bench-control-plane" },
    "Regions": { "primary": { "Role": "primary", "Location": "bench-primary",
      "Database": { "Nodes": [ { "Name": "primary-db", "Host": "$dir", "Port": $(port_of "$1") } ] } } } } }
JSON
}
dr() { "$root/dr" --settings "$dir/dr-settings.json" --state-dir "$dir/dr-state" "$@"; }
ours_backup() { dr backup run database --keep-days 0.0001; }
ours_latest() { dr backup list --json | python3 -c 'import json,sys; print([b for b in json.load(sys.stdin) if b["kind"]=="database" and b["status"]!="failed"][0]["id"])'; }
ours_restore() { dr backup restore "$LATEST" --to "$dir/restored" --owner postgres && start_writable "$dir/restored"; }
pgbr_backup() { pgbr --stanza="$DB" --type=full backup; }
pgbr_restore() { mkdir -m 700 "$dir/restored" && chown postgres: "$dir/restored" && pgbr --stanza="$DB" --pg1-path="$dir/restored" --type=immediate --target-action=promote --archive-mode=off restore && start_writable "$dir/restored"; }
