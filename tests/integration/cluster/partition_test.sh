#!/usr/bin/env bash
# Minority partitions on a 3-member cluster of our etcd (real etcdctl 3.4.23). A member
# is cut off from its peers with the test-only isolation file of server::PeerTransport
# (all Raft traffic in and out dropped; docs/design/server.md "Partition tests").
#  1. isolate the leader: it cannot commit (put times out), the majority elects a new
#     leader and commits; healed, the old leader converges.
#  2. isolate a follower: same from the other side.
# usage: partition_test.sh ETCD_BINARY BASE_PORT
set -u
ETCD=$1
BASE=$2
N=3
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib.sh"
source "$HERE/cluster_lib.sh"

start_cluster
L=$(wait_leader 15) || die "no leader"
ctl "$(ep "$L")" put base v0 >/dev/null || die "put base"
converged 20

# partition VICTIM ROUND
partition() {
  local v=$1 r=$2 maj=() i
  for i in $(seq 1 "$N"); do [ "$i" != "$v" ] && maj+=("$i"); done
  touch "$TMP/isolate.$v"
  sleep 0.5  # the member polls the file every 100 ms
  echo "round $r: member $v isolated; majority ${maj[*]}"
  # The minority cannot commit: the put fails (timeout / no leader), never "OK".
  out=$(ETCDCTL_API=3 "$ETCDCTL" --endpoints="$(ep "$v")" --dial-timeout=2s \
        --command-timeout=4s put "minority$r" x 2>&1)
  echo "minority put: $out"
  echo "$out" | grep -q '^OK' && die "isolated member $v committed a write"
  # The majority has (or elects) a leader and commits.
  NL=$(wait_leader 10 "${maj[@]}") || die "majority ${maj[*]} has no leader"
  [ "$NL" != "$v" ] || die "isolated member still leads the majority"
  for k in $(seq 1 10); do ctl "$(ep "${maj[0]}")" put "majority$r-$k" v >/dev/null || die "majority put $k"; done
  # A linearizable read on the isolated member fails; a serializable one is stale.
  ETCDCTL_API=3 "$ETCDCTL" --endpoints="$(ep "$v")" --command-timeout=3s get "majority$r-1" >/dev/null 2>&1 &&
    [ -n "$(ctl "$(ep "$v")" get "majority$r-1" --print-value-only 2>/dev/null)" ] &&
    die "isolated member $v served a linearizable read of a write it cannot have"
  [ -z "$(ctl "$(ep "$v")" get "majority$r-1" --consistency=s --print-value-only)" ] ||
    die "isolated member $v has the majority's write"
  # Heal: the member converges and never kept the minority write.
  rm -f "$TMP/isolate.$v"
  wait_member_healthy "$v" 30
  converged 30
  [ -z "$(ctl "$(ep "$v")" get "minority$r" --print-value-only)" ] || die "minority write survived"
  [ "$(ctl "$(ep "$v")" get "majority$r-10" --print-value-only)" = v ] || die "healed member misses writes"
}

partition "$L" 1
L2=$(wait_leader 15) || die "no leader after round 1"
F=$(( L2 % N + 1 ))
partition "$F" 2
echo "PASS: partitions"
