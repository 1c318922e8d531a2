#!/usr/bin/env bash
# Patroni's planned switchover as clients see it: the reference for our own switchover's write gap.
# Two PostgreSQL 15 nodes on loopback (node1 127.0.5.1, node2 127.0.6.1, both on port 25432), async streaming
# replication, one etcd on 127.0.0.1 (client 22379, peer 22380), one Patroni per node (REST 28008) with Patroni's
# default timing (ttl 30, loop_wait 10, retry_timeout 10). A writer (writer.py) makes 50 writes/s, each on a new
# connection with libpq multi-host + target_session_attrs=read-write, for the whole run, while the script does
# SWITCHOVERS `patronictl switchover --leader X --candidate Y --force`, alternating direction; each one waits for
# the candidate to report itself primary (REST GET /primary) and for the old leader to stream again, then settles.
# Per switchover (gap.py): write gap = longest interval between consecutive acknowledged writes touching
# [command start, new leader confirmed], failed attempts in it; lost = acknowledged ids missing from the final leader.
# Patroni 3.0.2 and etcd 3.4 come from Debian, unpacked (apt-get download + dpkg -x) into $PATRONI_PKG_DIR
# (default /var/tmp/patroni-bench): their install scripts would start system services. Their Python
# dependencies are apt-installed. Both steps are skipped when already done.
# Run as root (PostgreSQL runs as the postgres user):
#   bench/switchover/patroni.sh [switchovers=5] [result.json]
# Env: RATE (writes/s, 50), SETTLE (s between switchovers, 5), KEEP_WORK=1 keeps the temp dir (logs, ledger).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
switchovers="${1:-5}"
result_json="${2:-}"
[[ -n "$result_json" && "$result_json" != /* ]] && result_json="$PWD/$result_json"
rate="${RATE:-50}"
settle="${SETTLE:-5}"
pkg="${PATRONI_PKG_DIR:-/var/tmp/patroni-bench}"
pg_bin=/usr/lib/postgresql/15/bin
py=/usr/bin/python3            # the system Python: apt installs the dependencies for it
port=25432 rest_port=28008 etcd_client=22379 etcd_peer=22380  # below the ephemeral range (32768+): a client socket cannot hold them
declare -A addr=([node1]=127.0.5.1 [node2]=127.0.6.1)
[[ $(id -u) -eq 0 ]] || { echo "run as root (PostgreSQL is started as the postgres user)" >&2; exit 1; }
t_begin=$(date +%s.%N)
now() { date +%s.%N; }
log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# ---- 1. install (idempotent) --------------------------------------------------------------------------------------
py_deps=(python3-psycopg2 python3-etcd python3-yaml python3-urllib3 python3-click python3-prettytable
         python3-dateutil python3-psutil python3-cdiff python3-pkg-resources)
missing=()
for p in "${py_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing with apt-get: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
else
  log "present: ${py_deps[*]}"
fi
if [[ -x "$pkg/root/usr/bin/etcd" && -x "$pkg/root/usr/bin/patronictl" && -d "$pkg/root/usr/lib/python3/dist-packages/patroni" ]]; then
  log "present: $(paste -sd, "$pkg/versions" 2>/dev/null) in $pkg"
else
  log "installing into $pkg (apt-get download + dpkg -x): patroni etcd-server etcd-client"
  rm -rf "$pkg"; mkdir -p "$pkg/debs" "$pkg/root"; chmod 777 "$pkg/debs"   # _apt downloads into it
  (cd "$pkg/debs" && apt-get download -q patroni etcd-server etcd-client >/dev/null 2>&1) \
    || (apt-get update -q >/dev/null 2>&1; cd "$pkg/debs" && apt-get download -q patroni etcd-server etcd-client >/dev/null)
  for deb in "$pkg"/debs/*.deb; do dpkg -x "$deb" "$pkg/root"; dpkg-deb -f "$deb" Package Version | paste -sd' ' >>"$pkg/versions"; done
  chmod 755 "$pkg" "$pkg/root"
  log "installed: $(paste -sd, "$pkg/versions")"
fi
pyroot="$pkg/root/usr/lib/python3/dist-packages"
patroni_version=$(PYTHONPATH="$pyroot" "$py" -c 'from patroni.version import __version__; print(__version__)')
[[ "$patroni_version" == 3.0.2 ]] || log "warning: Patroni $patroni_version, not 3.0.2"
etcd_bin="$pkg/root/usr/bin/etcd"

# ---- 2. cluster ---------------------------------------------------------------------------------------------------
work="$(mktemp -d /tmp/bench-switchover-patroni-XXXXXX)"
chmod 755 "$work"   # postgres must reach its node dir
etcd_pid="" writer_pid="" ctl_pid=""
declare -A patroni_pid=()
cleanup() {
  local rc=$? p d pm i
  set +e
  trap - EXIT INT TERM
  [[ -n "$ctl_pid" ]] && kill -KILL "$ctl_pid" 2>/dev/null
  [[ -n "$writer_pid" ]] && { kill -TERM "$writer_pid" 2>/dev/null; wait "$writer_pid" 2>/dev/null; }
  for p in "${patroni_pid[@]}"; do kill -KILL "$p" 2>/dev/null; { wait "$p"; } 2>/dev/null; done   # first, so no Patroni reacts to the rest
  for d in "$work"/node*/data; do   # the postmaster runs in its own session: find it by its pid file
    [[ -f "$d/postmaster.pid" ]] || continue
    pm=$(head -1 "$d/postmaster.pid")
    kill -QUIT "$pm" 2>/dev/null   # immediate shutdown
    for i in $(seq 50); do kill -0 "$pm" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pm" 2>/dev/null
  done
  [[ -n "$etcd_pid" ]] && { kill -TERM "$etcd_pid" 2>/dev/null; wait "$etcd_pid" 2>/dev/null; }
  if [[ -n "${KEEP_WORK:-}" ]]; then log "kept $work"; else rm -rf "$work"; fi
  log "total run time $(awk -v a="$t_begin" -v b="$(now)" 'BEGIN{printf "%.0f", b-a}') s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

http_ok() { curl -sf -o /dev/null --max-time 1 "$1"; }
wait_until() { # timeout_s command...: polls every 0.1 s
  local deadline; deadline=$(awk -v t="$(now)" -v d="$1" 'BEGIN{printf "%.3f", t+d}'); shift
  until "$@"; do
    awk -v t="$(now)" -v d="$deadline" 'BEGIN{exit !(t<d)}' || return 1
    sleep 0.1
  done
}
sql() { psql -X -Atq -h "${addr[$1]}" -p "$port" -U postgres -d postgres -c "$2"; }
is_primary() { http_ok "http://${addr[$1]}:$rest_port/primary"; }
streams_to() { # leader replica: replica is Patroni-running and streaming from leader
  http_ok "http://${addr[$2]}:$rest_port/replica" &&
    [[ "$(sql "$1" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = '$2'" 2>/dev/null)" == 1 ]]
}

node_config() { # name
  local dir="$work/$1"
  cat <<YAML
scope: bench-switchover
name: $1
restapi: { listen: "${addr[$1]}:$rest_port", connect_address: "${addr[$1]}:$rest_port" }
etcd3: { hosts: "127.0.0.1:$etcd_client" }
watchdog: { mode: "off" }
bootstrap:
  dcs:
    ttl: 30
    loop_wait: 10
    retry_timeout: 10
    maximum_lag_on_failover: 1048576
    postgresql:
      use_pg_rewind: true
      parameters: { wal_level: replica, hot_standby: "on", max_wal_senders: 10, max_replication_slots: 10,
                    wal_keep_size: 256MB, wal_log_hints: "on", track_commit_timestamp: "on" }
  initdb: [ { encoding: UTF8 }, { locale: C } ]
  pg_hba: [ "local all all trust", "host all all 127.0.0.0/8 trust", "host replication all 127.0.0.0/8 trust" ]
postgresql:
  listen: "${addr[$1]}:$port"
  connect_address: "${addr[$1]}:$port"
  data_dir: "$dir/data"
  bin_dir: "$pg_bin"
  pgpass: "$dir/pgpass"
  authentication: { superuser: { username: postgres }, replication: { username: postgres }, rewind: { username: postgres } }
  parameters: { unix_socket_directories: "$dir" }
YAML
}

start_patroni() { # name
  # setpriv and env exec: $! is Patroni's own pid (a shell function run with & would add a subshell in between)
  setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/var/lib/postgresql PYTHONPATH="$pyroot" \
    "$py" -m patroni "$work/$1/patroni.yml" >"$work/$1.log" 2>&1 &
  patroni_pid[$1]=$!
}

for n in node1 node2; do
  mkdir -m 700 "$work/$n"
  node_config "$n" >"$work/$n/patroni.yml"
  chown -R postgres:postgres "$work/$n"
done
log "etcd on 127.0.0.1:$etcd_client, work dir $work"
"$etcd_bin" --name e1 --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_client" --advertise-client-urls "http://127.0.0.1:$etcd_client" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "e1=http://127.0.0.1:$etcd_peer" >"$work/etcd.log" 2>&1 &
etcd_pid=$!
wait_until 30 http_ok "http://127.0.0.1:$etcd_client/health" || { tail -20 "$work/etcd.log" >&2; exit 1; }

log "Patroni $patroni_version node1 (${addr[node1]}) bootstraps the cluster"
start_patroni node1
wait_until 120 is_primary node1 || { tail -30 "$work/node1.log" >&2; exit 1; }
sql node1 "CREATE TABLE probe (id bigserial PRIMARY KEY, seq int NOT NULL, sent_at timestamptz NOT NULL,
                               inserted_at timestamptz NOT NULL DEFAULT clock_timestamp())"
log "node2 (${addr[node2]}) joins as a replica"
start_patroni node2
# Patroni creates the replica's slot on the leader in its next loop (up to loop_wait): wait for streaming.
wait_until 180 streams_to node1 node2 || { tail -30 "$work/node2.log" >&2; exit 1; }
log "leader node1, node2 streaming"

# ---- 3. writer ----------------------------------------------------------------------------------------------------
"$py" "$here/writer.py" "${addr[node1]},${addr[node2]}" "$port" "$rate" "$work/ledger.jsonl" &
writer_pid=$!
sleep "$settle"

# ---- 4. switchovers -----------------------------------------------------------------------------------------------
: >"$work/switchovers.jsonl"
leader=node1 replica=node2
for i in $(seq 1 "$switchovers"); do
  log "switchover $i: $leader -> $replica"
  start=$(now)
  PYTHONPATH="$pyroot" "$py" "$pkg/root/usr/bin/patronictl" -c "$work/node1/patroni.yml" \
    switchover --leader "$leader" --candidate "$replica" --force >"$work/ctl-$i.log" 2>&1 &
  ctl_pid=$!
  confirmed=null rejoined=null
  wait_until 120 is_primary "$replica" && confirmed=$(now)
  ctl_rc=0; wait "$ctl_pid" || ctl_rc=$?; ctl_done=$(now); ctl_pid=""
  sed 's/^/    patronictl: /' "$work/ctl-$i.log" | grep -v '^\s*patronictl: *$' | tail -3 >&2 || true
  if [[ $confirmed == null ]]; then
    log "switchover $i: $replica never became primary"
  else
    wait_until 180 streams_to "$replica" "$leader" && rejoined=$(now) || log "switchover $i: $leader never streamed again"
  fi
  printf '{"n": %d, "from": "%s", "to": "%s", "start": %s, "confirmed": %s, "ctl_done": %s, "ctl_rc": %d, "rejoined": %s}\n' \
    "$i" "$leader" "$replica" "$start" "$confirmed" "$ctl_done" "$ctl_rc" "$rejoined" >>"$work/switchovers.jsonl"
  [[ $confirmed == null || $rejoined == null ]] && break
  leader=$replica replica=$([[ $replica == node1 ]] && echo node2 || echo node1)
  sleep "$settle"
done

# ---- 5. results ---------------------------------------------------------------------------------------------------
kill -TERM "$writer_pid"; wait "$writer_pid" || true; writer_pid=""
final=$(is_primary node1 && echo node1 || echo node2)
sql "$final" "SELECT id FROM probe" >"$work/present.txt"
log "final leader $final; results"
"$py" "$here/gap.py" patroni "$work/ledger.jsonl" "$work/switchovers.jsonl" "$work/present.txt" "$result_json"
