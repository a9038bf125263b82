#!/bin/bash
# Discovery-URL bootstrap (--discovery): three of our members bootstrap through a token
# served by (a) our etcd with --enable-v2 and (b) Debian's etcd 3.4.23 with --enable-v2;
# a fourth member on a full token exits with "cluster is full"; a reused name gets the
# duplicate-name error. Loopback only; every process is stopped on exit.
# usage: discovery_test.sh OUR_ETCD ORACLE_ETCD ETCDCTL PORT_BASE
set -uo pipefail
ours=$1 oracle=$2 ctl=$3 base=${4:-31600}
[ -x "$oracle" ] || { echo "oracle $oracle missing: skip"; exit 77; }
source "$(dirname "$0")/lib.sh"

start_member() {  # start_member NAME CLIENT_PORT PEER_PORT URL [extra...]; pid in $last_pid
  local name=$1 cp=$2 pp=$3 url=$4; shift 4
  "$ours" --name "$name" --data-dir "$tmp/data-$name-$cp" --discovery "$url" --discovery-fallback exit \
    --listen-client-urls "http://127.0.0.1:$cp" --advertise-client-urls "http://127.0.0.1:$cp" \
    --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
    "$@" >"$tmp/$name-$cp.log" 2>&1 &
  last_pid=$!
  pids+=($last_pid)
}

three_members() {  # three_members SERVICE_PORT TOKEN FIRST_PORT
  local svc=$1 token=$2 p=$3
  local url="http://127.0.0.1:$svc/v2/keys/discovery/$token"
  curl -sf -XPUT "$url/_config/size" -d value=3 >/dev/null || { ko "creating token $token"; return 1; }
  local mpids=()
  for i in 0 1 2; do
    start_member "m$i" $((p + 2 * i)) $((p + 2 * i + 1)) "$url"; mpids+=($last_pid)
    sleep 0.3   # they join one at a time, as a rollout would
  done
  local healthy=1
  for i in 0 1 2; do wait_health "http://127.0.0.1:$((p + 2 * i))" 30 || healthy=0; done
  if [ $healthy = 1 ]; then
    local n; n=$("$ctl" --endpoints="http://127.0.0.1:$p" member list 2>/dev/null | wc -l)
    if [ "$n" = 3 ]; then ok "3 members bootstrapped through $token"; else ko "member list has $n lines"; fi
    "$ctl" --endpoints="http://127.0.0.1:$p" put /disc ok >/dev/null
    [ "$("$ctl" --endpoints="http://127.0.0.1:$((p + 4))" get /disc --print-value-only)" = ok ] \
      && ok "a write on one member is read on another" || ko "write not replicated"
  else
    ko "members did not become healthy through $token"
    for i in 0 1 2; do tail -5 "$tmp/m$i-$((p + 2 * i)).log"; done
  fi
  # A fourth member on the full token exits with "cluster is full".
  start_member m3 $((p + 6)) $((p + 7)) "$url"
  local extra=$last_pid
  for _ in $(seq 1 100); do kill -0 $extra 2>/dev/null || break; sleep 0.1; done
  if ! kill -0 $extra 2>/dev/null && grep -q "discovery: cluster is full" "$tmp/m3-$((p + 6)).log"; then
    ok "a fourth member on a full token exits: cluster is full"
  else
    ko "fourth member: $(tail -3 "$tmp/m3-$((p + 6)).log")"
  fi
  for m in "${mpids[@]}"; do kill "$m" 2>/dev/null; wait "$m" 2>/dev/null; done
}

start_v2_service disc-ours "$ours" "$base"
start_v2_service disc-etcd "$oracle" $((base + 2))
three_members "$base" tok-ours $((base + 10))
three_members $((base + 2)) tok-etcd $((base + 20))

# A reused name: the token already holds "dup=..." from another member ID.
url="http://127.0.0.1:$base/v2/keys/discovery/tok-dup"
curl -sf -XPUT "$url/_config/size" -d value=2 >/dev/null
curl -sf -XPUT "$url/abcdef?prevExist=false" --data-urlencode "value=dup=http://127.0.0.1:1" >/dev/null
start_member dup $((base + 30)) $((base + 31)) "$url"
dpid=$last_pid
for _ in $(seq 1 100); do kill -0 $dpid 2>/dev/null || break; sleep 0.1; done
if grep -q 'discovery: found duplicate name' "$tmp/dup-$((base + 30)).log"; then
  ok "a reused name gets the duplicate-name error"
else
  ko "duplicate name: $(tail -3 "$tmp/dup-$((base + 30)).log")"
fi
echo "$passed passed, $fail failed"
[ $fail = 0 ]
