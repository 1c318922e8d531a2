#!/usr/bin/env bash
# startup-schedstat.sh OUT PATTERN: waits for the startup process of the PostgreSQL server whose command line has
# "-D …PATTERN", then records every 50 ms (without forking) its /proc schedstat (CPU ns, ns runnable but waiting for
# a CPU) and nice value, until it exits (the recovery ended). bench/restore/pitr.sh summarises OUT per PITR.
set -uo pipefail
out=$1; pid=; : >"$out"
for _ in $(seq 3000); do
  pm=$(pgrep -f -- "-D [^ ]*$2" | head -1)
  [[ -n $pm ]] && pid=$(pgrep -P "$pm" -f "startup" | head -1)
  [[ -n $pid ]] && break; sleep 0.02
done
[[ -z $pid ]] && exit 0
exec 3<> <(:)
while read -r s 2>/dev/null </proc/"$pid"/schedstat; do
  read -r -a st </proc/"$pid"/stat 2>/dev/null || break
  printf '%s %s nice=%s\n' "${EPOCHREALTIME/./}" "$s" "${st[18]}" >>"$out"
  read -t 0.05 -r -u 3 _ || true
done
