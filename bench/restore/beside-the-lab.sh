# Shared by bench/restore/pitr.sh and bench/backup/incremental.sh: the lab (ours: its primary archives and is backed up
# through its node agent, with a warm `dr serve` as the control plane, its monitor off) and, beside it, a cluster of
# pgBackRest 2.45's own (archive-push/-get async, process-max 2, posix repo, zst level 3). Expects root, dir, bin,
# pgbr_port and restored_port to be set by the script that sources it.

command -v pgbackrest >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbackrest >/dev/null
"$root/dr" --help >/dev/null # builds if needed, outside the timings
mkdir -p "$dir"; chmod 755 "$dir"

as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
now_ms() { date +%s%3N; }
psql_at() { as_pg "$bin/psql" -h "$1" -p "$2" -U postgres -Atqc "$3" "${4:-postgres}"; }
dr() { "$root/dr" --state-dir "$dir/lab-state" "$@"; }

# --- the lab (ours) -----------------------------------------------------------------------------------
dr lab down >/dev/null 2>&1 || true
dr lab up >/dev/null
# The control plane runs as it does in any deployment: one long-running `dr serve` (warm), which `dr pitr` hands
# the runbook to. Its health monitor is off: it would probe the lab every second, for neither tool's benefit.
DR_Monitor__Enabled=false "$root/dr" --state-dir "$dir/lab-state" serve --port 0 >"$dir/serve.log" 2>&1 & serve=$!
for _ in $(seq 150); do grep -q "API on" "$dir/serve.log" && break; sleep 0.2; done
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null; dr lab down >/dev/null 2>&1 || true; as_pg "$bin/pg_ctl" -D "$dir/pgbr-data" -m immediate stop >/dev/null 2>&1 || true' EXIT
endpoint=$(dr lab status --json | python3 -c 'import json,sys; print([p["endpoint"] for p in json.load(sys.stdin)["processes"] if p["name"]=="postgres-primary"][0])')
lab_host=${endpoint%:*}; lab_port=${endpoint#*:}
lab_data=$(dr lab status --json | python3 -c 'import json,sys; print([p["dataDirectory"] for p in json.load(sys.stdin)["processes"] if p["name"]=="postgres-primary"][0])')
# The lab's PostgreSQL authenticates loopback connections with SCRAM: its password is kept beside its run folder.
export PGPASSWORD; PGPASSWORD=$(cat "$(dirname "$(dirname "$(dirname "$lab_data")")")/postgres.password")
# A recover job works under its node's job root (the folder holding the node's data) only.
ours="$(dirname "$lab_data")/ours-restored"
psql_at "$lab_host" "$lab_port" "CREATE DATABASE bench" >/dev/null 2>&1 || true
lab_archive_command=$(psql_at "$lab_host" "$lab_port" "SHOW archive_command")

# --- pgBackRest's cluster -----------------------------------------------------------------------------
rm -rf "$dir/pgbr-data" "$dir/pgbr-repo" "$dir/pgbr-spool" "$dir/pgbr-log"
mkdir -p "$dir/pgbr-repo" "$dir/pgbr-spool" "$dir/pgbr-log"; chown postgres: "$dir" "$dir/pgbr-repo" "$dir/pgbr-spool" "$dir/pgbr-log"
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
archive-async=y
start-fast=y
log-level-console=warn

[bench]
pg1-path=$dir/pgbr-data
pg1-port=$pgbr_port
pg1-socket-path=$dir
CONF
chown postgres: "$dir/pgbackrest.conf"
pgbr() { as_pg pgbackrest --config="$dir/pgbackrest.conf" --stanza=bench "$@"; }
pgbr_archive_command="pgbackrest --config=$dir/pgbackrest.conf --stanza=bench archive-push %p"
as_pg "$bin/initdb" -D "$dir/pgbr-data" -U postgres >/dev/null
cat >>"$dir/pgbr-data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pgbr_port
unix_socket_directories = '$dir'
wal_level = replica
archive_mode = on
archive_command = '$pgbr_archive_command'
max_wal_size = '1GB'
CONF
as_pg "$bin/pg_ctl" -D "$dir/pgbr-data" -l "$dir/pgbr-data.log" -w start >/dev/null
psql_at 127.0.0.1 $pgbr_port "CREATE DATABASE bench" >/dev/null
pgbr stanza-create >/dev/null
pgbr check >/dev/null
