#!/usr/bin/env bash
# Snapshots, log compaction and catch-up by snapshot on a 3-member cluster of our etcd
# (real etcdctl 3.4.23): --snapshot-count 50, one member down while the others commit
# 12x that many entries (the leader keeps only --snapshot-count entries behind its
# snapshot), so the restarted member can only catch up with a snapshot carrying the
# backend. Also: --max-snapshots bounds the .snap files.
# usage: snapshot_catchup_test.sh ETCD_BINARY BASE_PORT [BENCHMARK_BINARY]
set -u
ETCD=$1
BASE=$2
BENCH=${3:-}
N=3
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib.sh"
source "$HERE/cluster_lib.sh"
FLAGS=(--snapshot-count 50 --max-snapshots 2 --max-wals 2)

start_cluster "${FLAGS[@]}"
L=$(wait_leader 15) || die "no leader"
D=$(( L % N + 1 ))  # the member that will miss entries
ctl "$(ep "$L")" put early v >/dev/null || die "put early"
LID=$(ctl "$(ep "$L")" lease grant 600 | awk '{print $2}')
ctl "$(ep "$L")" put leased v --lease="$LID" >/dev/null || die "put leased"
converged 20
kill_member "$D" KILL
echo "member $D down; writing 600 entries through member $L"
put_many "$L" 600 "bulk" || die "bulk writes"
ctl "$(ep "$L")" put late v >/dev/null || die "put late"
ctl "$(ep "$L")" compact "$(status_field "$L" Revision)" >/dev/null || die "compact"
# A new .snap is written before the oldest is purged: wait (bounded) for the purge.
for _ in $(seq 1 50); do
  snaps=$(ls "$TMP/m$L/member/snap" | grep -c '\.snap$')
  [ "$snaps" -le 2 ] && break
  sleep 0.1
done
echo "leader .snap files: $snaps"
[ "$snaps" -ge 1 ] && [ "$snaps" -le 2 ] || die "expected 1..2 .snap files with --max-snapshots 2, got $snaps"

start_member "$D" "${FLAGS[@]}"
wait_member_healthy "$D" 30
converged 30
grep -q "applied snapshot from the leader" "$TMP/m$D.log" || die "member $D did not catch up by snapshot"
grep -q "sending database snapshot" "$TMP/m$L.log" "$TMP"/m*.log || die "no snapshot was sent"
[ "$(ctl "$(ep "$D")" get late --consistency=s --print-value-only)" = v ] || die "late key missing on $D"
ctl "$(ep "$D")" lease timetolive "$LID" --keys | grep -q leased || die "lease not restored on $D"
# The caught-up member keeps working: it restarts from the installed state.
kill_member "$D" TERM
start_member "$D" "${FLAGS[@]}"
wait_member_healthy "$D" 30
ctl "$(ep "$D")" put after-restart v | grep -q OK || die "put through $D after restart"
converged 30
echo "PASS: snapshot catch-up"
