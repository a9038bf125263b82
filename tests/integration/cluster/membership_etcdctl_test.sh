#!/usr/bin/env bash
# Membership through the real etcdctl 3.4.23 on a 3-member cluster of processes:
# member add --learner, start it with --initial-cluster-state existing, learner
# restrictions, promote, update, list, endpoint status --cluster, move-leader, remove a
# voter (it must exit 0), and the errors on the way. The normalized transcript must equal
# the one recorded from a real etcd 3.4.23 cluster started with the same flags
# (membership_etcdctl.golden; re-record with: RECORD=1 $0 /usr/bin/etcd BASEPORT).
#
# usage: membership_etcdctl_test.sh ETCD_BINARY BASE_PORT
set -u
ETCD=$1
BASE=${2:-28100}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib.sh"
GOLDEN="$HERE/membership_etcdctl.golden"

cport() { echo $((BASE + $1)); }       # client port of member i (1..5)
pport() { echo $((BASE + 10 + $1)); }  # peer port of member i
curl_() { echo "http://127.0.0.1:$1"; }
IC="m1=$(curl_ "$(pport 1)"),m2=$(curl_ "$(pport 2)"),m3=$(curl_ "$(pport 3)")"
EPS="127.0.0.1:$(cport 1),127.0.0.1:$(cport 2),127.0.0.1:$(cport 3)"
declare -A PID
OUT="$TMP/transcript"

# run_member I STATE INITIAL_CLUSTER
run_member() {
  local i=$1 state=$2 ic=$3 p
  for p in "$(cport "$i")" "$(pport "$i")"; do port_busy "$p" && fail "port $p already in use"; done
  "$ETCD" --name "m$i" --data-dir "$TMP/m$i" \
    --listen-client-urls "$(curl_ "$(cport "$i")")" --advertise-client-urls "$(curl_ "$(cport "$i")")" \
    --listen-peer-urls "$(curl_ "$(pport "$i")")" --initial-advertise-peer-urls "$(curl_ "$(pport "$i")")" \
    --initial-cluster "$ic" --initial-cluster-state "$state" --initial-cluster-token tc-membership \
    --heartbeat-interval 100 --election-timeout 1000 >>"$TMP/m$i.log" 2>&1 &
  PID[$i]=$!
  PIDS+=("$!")
}

# step TITLE cmd...: records the command's output and exit status.
step() {
  local title=$1; shift
  echo "### $title" >>"$OUT"
  "$@" >>"$OUT" 2>&1
  echo "exit=$?" >>"$OUT"
}

# until_ok SECONDS cmd...: retries a command every 0.2 s.
until_ok() {
  local n=$(($1 * 5)) i; shift
  for i in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

id_of() {  # id_of NAME: hex ID from member list
  ctl "$EPS" member list | awk -F', ' -v n="$1" '$3==n {print $1}'
}

for i in 1 2 3; do run_member "$i" new "$IC"; done
for i in 1 2 3; do wait_healthy "127.0.0.1:$(cport "$i")" "${PID[$i]}"; done
# --strict-reconfig-check counts peers connected for 5 s (even for learner additions).
sleep 6
ID1=$(id_of m1); ID2=$(id_of m2); ID3=$(id_of m3)
CID=$(ctl "$EPS" endpoint status -w json | python3 -c 'import json,sys; print("%x" % json.load(sys.stdin)[0]["Status"]["header"]["cluster_id"])')

# Leadership on m1 (unrecorded), so that the transcript does not depend on who won the
# first election, and the requests below (pinned to m1 by etcdctl) reach the leader.
leader_id() {
  ctl "$EPS" endpoint status -w json | python3 -c '
import json,sys
for e in json.load(sys.stdin):
  s=e["Status"]
  if s["header"]["member_id"]==s["leader"]: print("%x" % s["leader"])'
}
LEADER=$(leader_id)
[ "$LEADER" = "$ID1" ] || ctl "$EPS" move-leader "$ID1" >/dev/null 2>&1 || fail "could not move leadership to m1"
for i in $(seq 1 50); do [ "$(leader_id)" = "$ID1" ] && break; sleep 0.2; done
[ "$(leader_id)" = "$ID1" ] || fail "m1 does not lead"

step "member list" ctl "$EPS" member list -w table
step "member add m4 --learner" ctl "$EPS" member add m4 --learner --peer-urls="$(curl_ "$(pport 4)")"
ID4=$(ctl "$EPS" member list | awk -F', ' -v u="$(curl_ "$(pport 4)")" '$4==u {print $1}')
[ -n "$ID4" ] || fail "m4 not in the member list"
step "member list with an unstarted learner" ctl "$EPS" member list
step "a second learner" ctl "$EPS" member add m5 --learner --peer-urls="$(curl_ "$(pport 5)")"
step "peer URL taken" ctl "$EPS" member add m5 --peer-urls="$(curl_ "$(pport 2)")"
step "bad peer URL" ctl "$EPS" member add m5 --peer-urls=127.0.0.1:1
step "promote an unstarted learner" ctl "$EPS" member promote "$ID4"
step "promote a voter" ctl "$EPS" member promote "$ID2"

run_member 4 existing "$IC,m4=$(curl_ "$(pport 4)")"
EP4="127.0.0.1:$(cport 4)"
until_ok 20 ctl "$EP4" get --consistency=s foo || { tail -20 "$TMP/m4.log"; fail "learner m4 not serving"; }
step "learner: linearizable get" ctl "$EP4" get foo
step "learner: put" ctl "$EP4" put foo bar
step "learner: serializable get" ctl "$EP4" get --consistency=s foo
step "learner: endpoint status" ctl "$EP4" endpoint status
step "learner: member list" ctl "$EP4" member list
step "learner: watch" timeout 5 env ETCDCTL_API=3 "$ETCDCTL" --endpoints="$EP4" watch foo
until_ok 20 ctl "$EPS" member promote "$ID4" || { tail -20 "$TMP/m4.log"; fail "promote never succeeded"; }
step "member list after promote" ctl "$EPS" member list -w table
step "put through the promoted member" ctl "$EP4" put foo bar
step "member update" ctl "$EPS" member update "$ID4" --peer-urls="$(curl_ "$(pport 4)")"
step "member update unknown" ctl "$EPS" member update 1234 --peer-urls="$(curl_ "$(pport 5)")"
[ "$(leader_id)" = "$ID1" ] || fail "m1 no longer leads"
step "endpoint status --cluster" ctl "$EPS" endpoint status --cluster -w table
step "endpoint health --cluster" sh -c "ETCDCTL_API=3 $ETCDCTL --endpoints=$EPS endpoint health --cluster 2>&1 | sed 's/ took = .*//' | sort"
step "move-leader" ctl "$EPS" move-leader "$ID2"
step "move-leader to an unknown member" ctl "$EPS" move-leader 1234
step "move-leader through a follower only" ctl "127.0.0.1:$(cport 3)" move-leader "$ID1"

# Remove m3 (a follower): it must exit 0.
VICTIM=3
VID=$ID3
step "member remove" ctl "127.0.0.1:$(cport 1)" member remove "$VID"
for i in $(seq 1 100); do kill -0 "${PID[$VICTIM]}" 2>/dev/null || break; sleep 0.1; done
kill -0 "${PID[$VICTIM]}" 2>/dev/null && fail "removed member m$VICTIM still running after 10 s"
wait "${PID[$VICTIM]}"; rc=$?
echo "### removed member exit status" >>"$OUT"; echo "exit=$rc" >>"$OUT"
step "member remove again" ctl "127.0.0.1:$(cport 1)" member remove "$VID"
step "member list at the end" ctl "127.0.0.1:$(cport 1),127.0.0.1:$(cport 4)" member list -w table

# Normalize: IDs -> names; sizes, versions and raft positions -> placeholders. etcdctl
# prints "Member %16x added": an ID with 15 hex digits (1 in 16 added members) is padded.
normalize() {
  sed -e "s/$ID1/<m1>/g; s/$ID2/<m2>/g; s/$ID3/<m3>/g; s/$ID4/<m4>/g; s/$CID/<cluster>/g" \
      -e "s/\b$((16#$ID4))\b/<m4-dec>/g" |
  sed -E -e '/^\{"level":/d' \
      -e 's/\b3\.[0-9]+\.[0-9]+\b/VERSION/g' \
      -e 's/\b[0-9]+(\.[0-9]+)? ?[kMG]?B\b/SIZE/g' \
      -e 's/(\| +(true|false) +\| +(true|false) +\|)( +[0-9]+ +\|){3}/\1 N | N | N |/' \
      -e 's/^(127\.0\.0\.1:[0-9]+, <m[0-9]>, VERSION, SIZE, (true|false), (true|false)), [0-9]+, [0-9]+, [0-9]+,/\1, N, N, N,/' \
      -e 's/ +\|/ |/g; s/\| +/| /g; s/-{2,}/-/g' \
      -e 's/^Member +</Member </' |
  python3 -c '
import sys
# Rows of a table (and plain member list lines) come sorted by member ID, which is not
# stable for the added member: sort each block of table rows / list lines.
out, block = [], []
def flush():
    out.extend(sorted(block)); block.clear()
for line in sys.stdin.read().splitlines():
    if line.startswith("| <") or line.startswith("| http") or (line.startswith("<m") and ", " in line) or False:
        block.append(line)
    else:
        flush(); out.append(line)
flush()
# etcdctl prints ETCD_INITIAL_CLUSTER in member-ID order: compare it as a set.
for i, line in enumerate(out):
    if line.startswith("ETCD_INITIAL_CLUSTER=\""):
        out[i] = "ETCD_INITIAL_CLUSTER=\"%s\"" % ",".join(sorted(line[22:-1].split(",")))
print("\n".join(out))'
}
normalize <"$OUT" >"$TMP/normalized"
if [ -n "${RECORD:-}" ]; then
  cp "$TMP/normalized" "$GOLDEN"
  echo "recorded $GOLDEN"
  exit 0
fi
if ! diff -u "$GOLDEN" "$TMP/normalized"; then
  KEEP_TMP=1
  echo "logs kept in $TMP"
  fail "transcript differs from etcd 3.4.23's (diff above: - etcd, + ours)"
fi
echo "PASS"
