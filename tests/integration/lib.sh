# Helpers for integration tests: start/stop our etcd on 127.0.0.1 with explicit ports,
# bounded waits, and cleanup of every process a test starts.
ETCDCTL=${ETCDCTL:-/usr/bin/etcdctl}
[ -x "$ETCDCTL" ] || { echo "etcdctl 3.4 not installed: skipping"; exit 77; }
TMP=$(mktemp -d /tmp/etcd-it-XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ctl ENDPOINT args...: the real etcdctl 3.4 against ENDPOINT.
ctl() { local ep=$1; shift; ETCDCTL_API=3 "$ETCDCTL" --endpoints="$ep" --dial-timeout=2s --command-timeout=5s "$@"; }

# start_etcd NAME DATADIR CLIENT_PORT PEER_PORT [extra flags...]: sets SERVER_PID.
start_etcd() {
  local name=$1 dir=$2 cport=$3 pport=$4; shift 4
  for p in "$cport" "$pport"; do port_busy "$p" && fail "port $p already in use"; done
  "$ETCD" --name "$name" --data-dir "$dir" \
    --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "$name=http://127.0.0.1:$pport" "$@" >>"$TMP/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_healthy "127.0.0.1:$cport" "$SERVER_PID"
}

# wait_healthy ENDPOINT PID: up to 20 s.
wait_healthy() {
  local i
  for i in $(seq 1 100); do
    ctl "$1" endpoint health >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { tail -20 "$TMP"/*.log; fail "server exited during start-up"; }
    sleep 0.2
  done
  tail -20 "$TMP"/*.log; fail "server not healthy after 20 s"
}

# stop_etcd PID [SIGNAL]: signal and wait up to 10 s, then SIGKILL.
stop_etcd() {
  local pid=$1 sig=${2:-TERM} i
  kill -"$sig" "$pid" 2>/dev/null
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
