#!/usr/bin/env bash
# Static bootstrap of N members (3 by default, N=5 for the smoke test) of our etcd on
# 127.0.0.1..N, driven by the real etcdctl 3.4.23: identical member lists everywhere;
# writes, linearizable and serializable reads, leases (granted and kept alive through
# followers) and watches on every member; every member ends at the same revision and
# HashKV.
# usage: bootstrap_test.sh ETCD_BINARY BASE_PORT [N]
set -u
ETCD=$1
BASE=$2
N=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib.sh"
source "$HERE/cluster_lib.sh"

start_cluster
L=$(wait_leader 15) || die "no leader agreed by all members"
echo "leader: member $L"
F1=$(( L % N + 1 )); F2=$(( F1 % N + 1 ))

# Member list: the same from every member, N started voters.
ctl "$(ep 1)" member list >"$TMP/ml.1" || die "member list on 1 failed"
[ "$(grep -c ', started, m' "$TMP/ml.1")" = "$N" ] || { cat "$TMP/ml.1"; die "expected $N started members"; }
for i in $(seq 2 "$N"); do
  ctl "$(ep "$i")" member list >"$TMP/ml.$i" || die "member list on $i failed"
  diff "$TMP/ml.1" "$TMP/ml.$i" || die "member list differs between members 1 and $i"
done
ctl "$(all_eps)" endpoint status -w table || die "endpoint status failed"

# Writes through a follower; linearizable reads on every member see them at once.
ctl "$(ep "$F1")" put k1 from-follower | grep -q OK || die "put through follower $F1 failed"
for i in $(seq 1 "$N"); do
  [ "$(ctl "$(ep "$i")" get k1 --print-value-only)" = from-follower ] || die "linearizable get on $i"
done
ctl "$(ep "$L")" put k2 from-leader >/dev/null || die "put through the leader failed"
converged 20
for i in $(seq 1 "$N"); do
  [ "$(ctl "$(ep "$i")" get k2 --consistency=s --print-value-only)" = from-leader ] || die "serializable get on $i"
done

# Leases: granted through a follower, a key attached on another member, kept alive
# through a follower (forwarded to the leader), revoked through a follower.
LID=$(ctl "$(ep "$F1")" lease grant 30 | awk '{print $2}')
[ -n "$LID" ] || die "lease grant through follower failed"
ctl "$(ep "$F2")" put lk lv --lease="$LID" >/dev/null || die "put with lease on $F2"
KA=$(ctl "$(ep "$F2")" lease keep-alive --once "$LID") || die "keep-alive through follower $F2: $KA"
echo "$KA" | grep -q "keepalived with TTL(30)" || die "keep-alive answer: $KA"
ctl "$(ep "$F1")" lease timetolive "$LID" --keys | grep -q lk || die "timetolive --keys"
ctl "$(ep "$F2")" lease keep-alive --once 1234abcd 2>&1 | grep -q "not found\|TTL 0\|expired" ||
  die "keep-alive of an unknown lease through a follower"
ctl "$(ep "$F1")" lease revoke "$LID" | grep -q revoked || die "revoke through follower"
for i in $(seq 1 "$N"); do
  [ -z "$(ctl "$(ep "$i")" get lk --print-value-only)" ] || die "leased key still on $i after revoke"
done

# Watches on a follower see writes made through another member.
ctl "$(ep "$F2")" watch wk >"$TMP/watch.out" 2>&1 &
WPID=$!; PIDS+=("$WPID")
sleep 1
ctl "$(ep "$L")" put wk seen-by-watch >/dev/null || die "put wk"
for k in $(seq 1 50); do grep -q seen-by-watch "$TMP/watch.out" && break; sleep 0.1; done
grep -q seen-by-watch "$TMP/watch.out" || { cat "$TMP/watch.out"; die "watch on follower $F2 missed the event"; }
kill "$WPID" 2>/dev/null

converged 20
echo "PASS: $N-member bootstrap"
