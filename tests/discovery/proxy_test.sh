#!/bin/bash
# --discovery-fallback=proxy: three members bootstrap through a discovery token made by
# etcd-discovery-token (size 3); a fourth member with the same token becomes a proxy
# (READY: it serves its client URL) and real etcdctl 3.4 works through it: put/get, watch,
# lease grant + keep-alive (stream), member list, endpoint health, plus the HTTP side
# (/health, /version, /v2/keys, the /v3 gateway). Then the proxy's upstream, made the
# leader first (move-leader), is killed: the proxy keeps working through another member.
# Also --proxy=on with --initial-cluster. Loopback only; every process is stopped on exit.
# usage: proxy_test.sh OUR_ETCD ETCDCTL TOKEN_HELPER PORT_BASE
set -uo pipefail
ours=$1 ctl=$2 helper=$3 base=${4:-22100}
[ -x "$ctl" ] || { echo "etcdctl $ctl missing: skip"; exit 77; }
source "$(dirname "$0")/lib.sh"
export ETCDCTL_API=3

# The discovery service: one of our members with --enable-v2.
svc=$base
start_v2_service disc "$ours" "$svc"

url=$("$helper" --size 3 --endpoint "http://127.0.0.1:$svc")
if [[ "$url" =~ ^http://127.0.0.1:$svc/v2/keys/discovery/[0-9a-f]{32}$ ]] &&
   [ "$(curl -s "$url/_config/size" | sed -n 's/.*"value":"\([^"]*\)".*/\1/p')" = 3 ]; then
  ok "etcd-discovery-token printed $url with _config/size=3"
else
  ko "etcd-discovery-token printed '$url'"
fi
"$helper" --size 3 --endpoint "http://127.0.0.1:$svc" --token "${url##*/}" >/dev/null 2>&1 \
  && ko "etcd-discovery-token reused an existing token" || ok "etcd-discovery-token refuses an existing token"

declare -A mpid
p=$((base + 10))
for i in 0 1 2; do
  "$ours" --name "m$i" --data-dir "$tmp/m$i" --discovery "$url" --enable-v2 \
    --listen-client-urls "http://127.0.0.1:$((p + 2 * i))" --advertise-client-urls "http://127.0.0.1:$((p + 2 * i))" \
    --listen-peer-urls "http://127.0.0.1:$((p + 2 * i + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((p + 2 * i + 1))" \
    >"$tmp/m$i.log" 2>&1 &
  mpid[$i]=$!; pids+=($!)
  sleep 0.3
done
for i in 0 1 2; do
  wait_health "http://127.0.0.1:$((p + 2 * i))" 30 || { ko "member m$i not healthy"; tail -5 "$tmp/m$i.log"; exit 1; }
done
ok "3 members bootstrapped through the token"

# The fourth member: the token is full, it becomes a proxy. Its sd_notify messages go to
# a datagram socket recorded in notify.log.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode() + "\n---\n"); f.flush()
' "$tmp/notify.sock" "$tmp/notify.log" &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$tmp/notify.sock" ] && break; sleep 0.1; done
px=$((base + 30))
NOTIFY_SOCKET="$tmp/notify.sock" "$ours" --name m3 --data-dir "$tmp/m3" --discovery "$url" --discovery-fallback proxy --proxy-refresh-interval 1000 \
  --listen-client-urls "http://127.0.0.1:$px" --advertise-client-urls "http://127.0.0.1:$px" \
  --listen-peer-urls "http://127.0.0.1:$((px + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((px + 1))" \
  >"$tmp/proxy.log" 2>&1 &
proxy_pid=$!
pids+=($proxy_pid)
P="http://127.0.0.1:$px"
if wait_health "$P" 20 && grep -q "falling back to proxy" "$tmp/proxy.log"; then
  ok "the fourth member became a proxy and /health answers through it"
else
  ko "proxy did not start"; tail -20 "$tmp/proxy.log"; exit 1
fi
for _ in $(seq 1 30); do grep -q "^READY=1" "$tmp/notify.log" 2>/dev/null && break; sleep 0.1; done
if grep -A1 "^READY=1" "$tmp/notify.log" | grep -q "^STATUS=proxying to http://127.0.0.1:"; then
  ok "the proxy sent READY=1 and STATUS=proxying to <client URLs>"
else
  ko "sd_notify: $(cat "$tmp/notify.log" 2>/dev/null)"
fi
pctl() { timeout 15 "$ctl" --endpoints="$P" --dial-timeout=3s --command-timeout=5s "$@"; }

checks() {  # checks LABEL
  local label=$1
  pctl put /px/k "v-$label" >/dev/null 2>&1 && [ "$(pctl get /px/k --print-value-only 2>/dev/null)" = "v-$label" ] \
    && ok "$label: put/get through the proxy" || ko "$label: put/get through the proxy"
  timeout 10 "$ctl" --endpoints="$P" watch /px/w >"$tmp/watch-$label.out" 2>&1 &
  local wpid=$!
  local got=0
  for _ in $(seq 1 40); do
    pctl put /px/w "event-$label" >/dev/null 2>&1
    grep -q "event-$label" "$tmp/watch-$label.out" && { got=1; break; }
    sleep 0.25
  done
  kill $wpid 2>/dev/null; wait $wpid 2>/dev/null
  [ $got = 1 ] && ok "$label: watch through the proxy receives an event" \
    || ko "$label: watch got: $(cat "$tmp/watch-$label.out")"
  local lease
  lease=$(pctl lease grant 30 2>/dev/null | awk '/granted/{print $2}')
  if [ -n "$lease" ] && pctl lease keep-alive --once "$lease" 2>/dev/null | grep -q "keepalived with TTL"; then
    ok "$label: lease grant + keep-alive --once through the proxy"
  else
    ko "$label: lease $lease keep-alive"
  fi
  # TTL 3: etcdctl renews every second on one LeaseKeepAlive stream.
  lease=$(pctl lease grant 3 2>/dev/null | awk '/granted/{print $2}')
  timeout 3.5 "$ctl" --endpoints="$P" lease keep-alive "$lease" >"$tmp/ka-$label.out" 2>&1
  [ "$(grep -c "keepalived with TTL" "$tmp/ka-$label.out")" -ge 2 ] \
    && ok "$label: streaming lease keep-alive through the proxy" \
    || ko "$label: keep-alive stream: $(head -3 "$tmp/ka-$label.out")"
  [ "$(pctl member list 2>/dev/null | wc -l)" = 3 ] && ok "$label: member list through the proxy" \
    || ko "$label: member list: $(pctl member list 2>&1)"
  pctl endpoint health 2>&1 | grep -q "is healthy" && ok "$label: endpoint health through the proxy" \
    || ko "$label: endpoint health: $(pctl endpoint health 2>&1)"
}
checks before

# The HTTP side.
curl -sf "$P/version" | grep -q etcdserver && ok "/version through the proxy" || ko "/version"
curl -sf -XPUT "$P/v2/keys/px2" -d value=hello | grep -q '"value":"hello"' && \
  curl -sf "$P/v2/keys/px2" | grep -q '"value":"hello"' && ok "/v2/keys through the proxy" || ko "/v2/keys via proxy"
curl -sf -XPOST "$P/v3/kv/range" -d '{"key":"L3B4L2s="}' | grep -q '"kvs"' && ok "/v3 gateway through the proxy" \
  || ko "/v3 gateway: $(curl -s -XPOST "$P/v3/kv/range" -d '{"key":"L3B4L2s="}')"

# Streamed answers arrive while the request is open: a gateway watch and a v2 long poll.
timeout 5 curl -s -N -XPOST "$P/v3/watch" -d '{"create_request":{"key":"L3B4L3N0cg=="}}' >"$tmp/gw-watch.out" &
gw=$!
timeout 5 curl -s "$P/v2/keys/px-lp?wait=true" >"$tmp/lp.out" &
lp=$!
sleep 0.5
pctl put /px/str v >/dev/null 2>&1
curl -s -XPUT "$P/v2/keys/px-lp" -d value=polled >/dev/null
for _ in $(seq 1 30); do grep -q '"events"' "$tmp/gw-watch.out" && grep -q polled "$tmp/lp.out" && break; sleep 0.1; done
grep -q '"events":\[{"kv":{"key":"L3B4L3N0cg=="' "$tmp/gw-watch.out" && ok "/v3/watch gateway stream through the proxy" \
  || ko "/v3/watch stream: $(cat "$tmp/gw-watch.out")"
grep -q '"action":"set".*"value":"polled"' "$tmp/lp.out" && ok "v2 wait=true long poll through the proxy" \
  || ko "v2 long poll: $(cat "$tmp/lp.out")"
kill $gw $lp 2>/dev/null; wait $gw $lp 2>/dev/null

# Make the proxy's current upstream (the first client URL it learned) the leader, then kill it.
first=$(grep "learned the cluster's client URLs" "$tmp/proxy.log" | grep -o '"client-urls":"http://127.0.0.1:[0-9]*' | grep -o 'http://127.0.0.1:[0-9]*' | head -1)
first_port=${first##*:}
victim=$(( (first_port - p) / 2 ))
leader_ep=$("$ctl" --endpoints="http://127.0.0.1:$p,http://127.0.0.1:$((p + 2)),http://127.0.0.1:$((p + 4))" \
  endpoint status 2>/dev/null | awk -F', ' '$5=="true"{print $1}')
victim_id=$("$ctl" --endpoints="$first" endpoint status 2>/dev/null | awk -F', ' '{print $2}')
if [ "$leader_ep" != "$first" ]; then
  "$ctl" --endpoints="$leader_ep" move-leader "$victim_id" >/dev/null 2>&1
fi
new_leader=$("$ctl" --endpoints="$first" endpoint status 2>/dev/null | awk -F', ' '{print $5}')
echo "proxy upstream: $first (m$victim), leader before the kill: $leader_ep; upstream is leader now: $new_leader"
kill -9 "${mpid[$victim]}"; wait "${mpid[$victim]}" 2>/dev/null
for _ in $(seq 1 100); do
  pctl put /px/after ok >/dev/null 2>&1 && break
  sleep 0.2
done
checks after-leader-kill
curl -sf "$P/health" | grep -q '"health":"true"' && ok "after-leader-kill: /health through the proxy" \
  || ko "after-leader-kill: /health: $(curl -s "$P/health")"
# --proxy=on (etcd 3.4's v2 proxy flag): the same proxy, cluster from --initial-cluster.
"$ours" --proxy on --name p2 --data-dir "$tmp/p2" --listen-client-urls "http://127.0.0.1:$((px + 2))" \
  --initial-cluster "m0=http://127.0.0.1:$((p + 1)),m1=http://127.0.0.1:$((p + 3)),m2=http://127.0.0.1:$((p + 5))" \
  >"$tmp/p2.log" 2>&1 &
pids+=($!)
if wait_health "http://127.0.0.1:$((px + 2))" 20 &&
   [ "$(timeout 10 "$ctl" --endpoints="http://127.0.0.1:$((px + 2))" get /px/k --print-value-only 2>/dev/null)" = v-after-leader-kill ]; then
  ok "--proxy=on relays to the cluster from --initial-cluster"
else
  ko "--proxy=on: $(tail -3 "$tmp/p2.log")"
fi
kill -TERM $proxy_pid
for _ in $(seq 1 50); do kill -0 $proxy_pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $proxy_pid 2>/dev/null; then ko "the proxy did not stop on SIGTERM"
else wait $proxy_pid; rc=$?; [ $rc = 0 ] && ok "the proxy stops on SIGTERM (exit 0)" || ko "proxy exit code $rc"; fi
echo "$passed passed, $fail failed"
[ $fail = 0 ]
