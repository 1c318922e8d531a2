#!/usr/bin/env bash
# Patroni 3.0.2 (Debian) with etcd 3.4 on the lab's shape: a primary on 127.0.1.1 and a streaming replica on
# 127.0.2.1, the DCS on 127.0.0.1. Under a RATE writes/s load (bench/failover/patroni/load.py: a new
# connection per write, libpq target_session_attrs=read-write over both hosts), the primary's node is
# killed whole (SIGKILL to Patroni and every PostgreSQL process of it), RUNS times with Patroni's defaults
# (ttl 30, loop_wait 10, retry_timeout 10) and RUNS times tuned (ttl 10, loop_wait 2, retry_timeout 4).
# RTO as the load sees it: last acknowledged write before the kill to the first one from the replica.
# The packages are unpacked (apt-get download + dpkg -x): their install scripts would start system services.
# Usage: bench/failover/patroni/run.sh [RUNS=5] [RATE=50]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs="${1:-5}"
rate="${2:-50}"
work="$(mktemp -d /tmp/dr-bench-patroni-XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; pkill -KILL -f "$work/" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "installing Patroni and etcd (unpacked, no services)..." >&2
mkdir -p "$work/debs" "$work/pkg"
(cd "$work/debs" && apt-get download -q patroni etcd-server etcd-client >/dev/null 2>&1)
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$work/pkg"; done
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-psycopg2 python3-etcd python3-yaml python3-urllib3 \
  python3-click python3-prettytable python3-dateutil python3-psutil python3-cdiff python3-pkg-resources python3-pysyncobj >/dev/null
pyroot="$work/pkg/usr/lib/python3/dist-packages"
etcd="$work/pkg/usr/bin/etcd"
bin=/usr/lib/postgresql/15/bin
py=/usr/bin/python3   # the system Python: apt installed the dependencies for it
as_pg() { if [[ $(id -u) -eq 0 ]]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
now() { date +%s.%N; }
wait_http() { # url timeout_s
  local deadline=$(( $(date +%s) + $2 ))
  until curl -sf -o /dev/null "$1"; do (( $(date +%s) < deadline )) || return 1; sleep 0.1; done
}
descendants() { local p; for p in $(ps -o pid= --ppid "$1"); do echo "$p"; descendants "$p"; done; }

node_config() { # name address ttl loop retry dir
  cat <<YAML
scope: bench
name: $1
restapi: { listen: "$2:8008", connect_address: "$2:8008" }
etcd3: { hosts: "127.0.0.1:23790" }
bootstrap:
  dcs:
    ttl: $3
    loop_wait: $4
    retry_timeout: $5
    maximum_lag_on_failover: 1048576
    postgresql: { use_pg_rewind: false, parameters: { wal_level: replica, hot_standby: "on", max_wal_senders: 10, fsync: "off" } }
  initdb: [ { encoding: UTF8 }, { locale: C } ]
  pg_hba: [ "local all all trust", "host all all 127.0.0.0/8 trust", "host replication all 127.0.0.0/8 trust" ]
postgresql:
  listen: "$2:15432"
  connect_address: "$2:15432"
  data_dir: "$6/data"
  bin_dir: "$bin"
  pgpass: "$6/pgpass"
  authentication: { superuser: { username: postgres }, replication: { username: postgres } }
  parameters: { unix_socket_directories: "$6" }
YAML
}

one_run() { # mode ttl loop retry index
  local run="$work/$1-$5"; mkdir -p "$run/node1" "$run/node2" "$run/etcd"; chmod 755 "$run"
  chown -R postgres:postgres "$run/node1" "$run/node2" 2>/dev/null || true
  "$etcd" --name e --data-dir "$run/etcd" --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790 \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster e=http://127.0.0.1:23800 \
    >"$run/etcd.log" 2>&1 &
  local etcd_pid=$!; pids+=("$etcd_pid")
  wait_http http://127.0.0.1:23790/health 30
  node_config node1 127.0.1.1 "$2" "$3" "$4" "$run/node1" >"$run/node1.yml"
  node_config node2 127.0.2.1 "$2" "$3" "$4" "$run/node2" >"$run/node2.yml"
  as_pg env PYTHONPATH="$pyroot" "$py" -m patroni "$run/node1.yml" >"$run/node1.log" 2>&1 &
  local p1=$!; pids+=("$p1")
  wait_http http://127.0.1.1:8008/leader 90 || { tail -20 "$run/node1.log" >&2; return 1; }
  as_pg env PYTHONPATH="$pyroot" "$py" -m patroni "$run/node2.yml" >"$run/node2.log" 2>&1 &
  local p2=$!; pids+=("$p2")
  psql -q -h 127.0.1.1 -p 15432 -U postgres -d postgres -c "CREATE TABLE evaluations (id bigserial PRIMARY KEY, client_id text NOT NULL, created_at timestamptz DEFAULT clock_timestamp())"
  wait_http http://127.0.2.1:8008/replica 90 || { tail -20 "$run/node2.log" >&2; return 1; }
  # Streaming, not just "a replica": the leader creates node2's slot in its next loop.
  local deadline=$(( $(date +%s) + 90 ))
  until [[ "$(psql -Atq -h 127.0.1.1 -p 15432 -U postgres -d postgres -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'" 2>/dev/null)" == 1 ]]; do
    (( $(date +%s) < deadline )) || { echo "node2 never streamed" >&2; return 1; }
    sleep 0.2
  done

  "$py" "$here/load.py" 127.0.1.1,127.0.2.1 15432 "$rate" "$run/ledger.jsonl" &
  local load=$!; pids+=("$load")
  sleep 3
  # Patroni's postmaster is detached from it (a new session): find it by its pid file.
  local pm; pm=$(head -1 "$run/node1/data/postmaster.pid")
  local victims; victims="$p1 $(descendants "$p1" | tr '\n' ' ') $pm $(descendants "$pm" | tr '\n' ' ')"
  kill -STOP $victims 2>/dev/null || true
  local killed_at; killed_at=$(now)
  kill -KILL $victims 2>/dev/null || true
  wait_http http://127.0.2.1:8008/leader 180 || echo "node2 never became leader" >&2
  sleep 3
  kill -TERM "$load"; wait "$load" 2>/dev/null || true
  psql -Atq -h 127.0.2.1 -p 15432 -U postgres -d postgres -c "SELECT id FROM evaluations" >"$run/present.txt"
  python3 - "$run/ledger.jsonl" "$run/present.txt" "$killed_at" "$1" "$5" >>"$work/results.txt" <<'PY'
import json, sys
from datetime import datetime, timezone
entries = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
present = {int(x) for x in open(sys.argv[2]).read().split()}
killed = datetime.fromtimestamp(float(sys.argv[3]), timezone.utc)
acked = sorted((e for e in entries if e["ok"]), key=lambda e: e["ackAt"])
t = lambda e: datetime.fromisoformat(e["ackAt"])
before = [e for e in acked if t(e) <= killed]
after = [e for e in acked if t(e) > killed and e.get("server") == "127.0.2.1"]
rto = (t(after[0]) - t(before[-1])).total_seconds() if before and after else float("nan")
lost = [e["id"] for e in acked if e["id"] not in present]
print(f"{sys.argv[4]} {sys.argv[5]} {rto:.2f} {len(acked)} {len(lost)}")
PY
  tail -1 "$work/results.txt" >&2
  kill -TERM "$p2" 2>/dev/null || true; sleep 2
  for p in "$p2" $(pgrep -f "$run/node2" || true) "$etcd_pid"; do kill -KILL "$p" 2>/dev/null || true; done
  sleep 0.5; [[ -n "${KEEP:-}" ]] && cp -r "$run" "/tmp/patroni-kept-$1-$5" 2>/dev/null; rm -rf "$run"
}

: >"$work/results.txt"
for i in $(seq 1 "$runs"); do one_run default 30 10 10 "$i"; done
for i in $(seq 1 "$runs"); do one_run tuned 10 2 4 "$i"; done
echo "mode run rto_s acknowledged lost"
cat "$work/results.txt"
python3 - "$work/results.txt" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for mode in ("default", "tuned"):
    rto = [float(r[2]) for r in rows if r[0] == mode and r[2] != "nan"]
    lost = sum(int(r[4]) for r in rows if r[0] == mode)
    if rto:
        print(f"Patroni {mode}: RTO median {statistics.median(rto):.2f} s, max {max(rto):.2f} s over {len(rto)} runs; lost acknowledged writes {lost}")
PY
