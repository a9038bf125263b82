#!/usr/bin/env bash
# Leader loss and return on a 3-member cluster of our etcd (real etcdctl 3.4.23):
# kill -9 the leader -> the others elect a new leader within 3 election timeouts and
# writes continue; the old leader restarts from its data dir and catches up; all
# members end at the same revision and HashKV.
# usage: failover_test.sh ETCD_BINARY BASE_PORT
set -u
ETCD=$1
BASE=$2
N=3
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib.sh"
source "$HERE/cluster_lib.sh"

start_cluster
L=$(wait_leader 15) || die "no leader"
echo "leader: member $L"
for k in 1 2 3 4 5; do ctl "$(ep "$L")" put "before$k" v >/dev/null || die "put before$k"; done
converged 20

others=()
for i in $(seq 1 "$N"); do [ "$i" != "$L" ] && others+=("$i"); done
t0=$(date +%s%N)
kill_member "$L" KILL
NL=$(wait_leader 10 "${others[@]}") || die "no new leader among ${others[*]}"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "new leader: member $NL after ${ms} ms (election timeout ${ELECTION_MS} ms)"
[ "$ms" -le $((3 * ELECTION_MS)) ] || die "new leader took ${ms} ms > 3 election timeouts"
[ "$NL" != "$L" ] || die "killed member still leader"

# Writes continue through both survivors.
for i in "${others[@]}"; do
  ctl "$(ep "$i")" put "after$i" "v$i" | grep -q OK || die "put through $i after failover"
done
for k in $(seq 1 20); do ctl "$(ep "${others[0]}")" put "more$k" v >/dev/null || die "put more$k"; done

# The old leader restarts and catches up.
start_member "$L"
wait_member_healthy "$L" 30
[ "$(ctl "$(ep "$L")" get "after${others[1]}" --print-value-only)" = "v${others[1]}" ] ||
  die "restarted member $L does not see writes made while it was down"
converged 20
echo "PASS: failover"
