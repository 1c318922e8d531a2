#!/usr/bin/env bash
# Builds the two ~1.5 GB PostgreSQL 15 clusters the backup benchmark measures, once, under DIR:
#   DIR/pgbench  one database made by `pgbench -i -s 100` (compresses ~20x)
#   DIR/random   one database whose rows carry random bytes (incompressible)
# Each cluster is stopped afterwards; run.sh starts it. Usage: make-clusters.sh DIR
set -euo pipefail
dir="${1:?usage: make-clusters.sh DIR}"
bin=/usr/lib/postgresql/15/bin
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$dir" && chown postgres: "$dir"

make_cluster() { # name port
  local data="$dir/$1"
  [[ -f "$data/.ready" ]] && return 0
  rm -rf "$data"
  as_pg "$bin/initdb" -D "$data" -U postgres -A trust --no-instructions >/dev/null
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 10
archive_mode = on
archive_command = '/bin/true'
shared_buffers = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
CONF
  echo "host replication all 127.0.0.1/32 trust" >>"$data/pg_hba.conf"
}

start() { as_pg "$bin/pg_ctl" -D "$dir/$1" -l "$dir/$1.log" -w start >/dev/null; }
stop() { as_pg "$bin/pg_ctl" -D "$dir/$1" -m fast -w stop >/dev/null; }

if [[ ! -f "$dir/pgbench/.ready" ]]; then
  make_cluster pgbench 55431
  start pgbench
  as_pg "$bin/createdb" -h 127.0.0.1 -p 55431 -U postgres bench
  as_pg "$bin/pgbench" -h 127.0.0.1 -p 55431 -U postgres -i -s 100 -q bench
  as_pg "$bin/psql" -h 127.0.0.1 -p 55431 -U postgres -qc "CHECKPOINT" bench
  stop pgbench
  touch "$dir/pgbench/.ready"
fi

if [[ ! -f "$dir/random/.ready" ]]; then
  make_cluster random 55432
  start random
  as_pg "$bin/createdb" -h 127.0.0.1 -p 55432 -U postgres bench
  # 1.5 M rows of 1000 random bytes (below the TOAST threshold, so stored as-is): ~1.5 GB on disk.
  as_pg "$bin/psql" -h 127.0.0.1 -p 55432 -U postgres -q bench <<'SQL'
CREATE EXTENSION pgcrypto;
CREATE TABLE payload (id bigint PRIMARY KEY, bytes bytea NOT NULL);
ALTER TABLE payload ALTER COLUMN bytes SET STORAGE EXTERNAL;
INSERT INTO payload SELECT g, gen_random_bytes(1000) FROM generate_series(1, 1400000) g;
CHECKPOINT;
SQL
  stop random
  touch "$dir/random/.ready"
fi
du -sh "$dir/pgbench" "$dir/random"
