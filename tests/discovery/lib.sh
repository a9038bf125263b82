# Shared by the loopback discovery tests (discovery_test.sh, proxy_test.sh,
# v2_members_test.sh): a temp dir, process tracking stopped on exit, PASS/FAIL counters,
# a bounded health wait and a one-member --enable-v2 service (the discovery service or
# the v2 API under test). Source it after `set -uo pipefail`.
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0; passed=0
ok() { echo "PASS: $*"; passed=$((passed + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }

wait_health() {  # wait_health URL [SECONDS=10]
  for _ in $(seq 1 $((${2:-10} * 10))); do
    curl -sf "$1/health" 2>/dev/null | grep -q '"health":"true"' && return 0
    sleep 0.1
  done
  return 1
}

start_v2_service() {  # start_v2_service NAME BIN PORT: one member, client PORT, peer PORT+1
  "$2" --name "$1" --data-dir "$tmp/$1" --enable-v2 \
    --listen-client-urls "http://127.0.0.1:$3" --advertise-client-urls "http://127.0.0.1:$3" \
    --listen-peer-urls "http://127.0.0.1:$(($3 + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$(($3 + 1))" \
    --initial-cluster "$1=http://127.0.0.1:$(($3 + 1))" >"$tmp/$1.log" 2>&1 &
  pids+=($!)
  wait_health "http://127.0.0.1:$3" 10 || { echo "$1 did not start"; tail -20 "$tmp/$1.log"; exit 1; }
}
