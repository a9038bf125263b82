# Shared by the DNS SRV tests (srv_test.sh, srv_https_test.sh): a network namespace of
# the test's own with its loopback up and /etc/netns/<ns>/resolv.conf pointing at
# 127.0.0.1 (`ip netns exec` bind-mounts it, so the system resolver asks our dnsmasq),
# process tracking and cleanup on exit, PASS/FAIL counters, and a dnsmasq serving the
# records of etcd-dnsmasq-records. Source it after `set -uo pipefail`; exits 77 (skip)
# without root, ip or dnsmasq.
[ "$(id -u)" = 0 ] || { echo "needs root (network namespace): skip"; exit 77; }
for p in ip dnsmasq; do command -v $p >/dev/null || { echo "$p missing: skip"; exit 77; }; done
ns="etcdsrv$$"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "/etc/netns/$ns" "$tmp"
}
trap cleanup EXIT
fail=0; passed=0
ok() { echo "PASS: $*"; passed=$((passed + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
in_ns() { ip netns exec "$ns" "$@"; }

srv_netns_up() {  # creates the namespace (skip when the kernel refuses)
  ip netns add "$ns" || { echo "cannot create a network namespace: skip"; exit 77; }
  mkdir -p "/etc/netns/$ns"
  echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
  in_ns ip link set lo up
}

# start_dnsmasq GENERATOR SERVICE [GENERATOR FLAGS...]: dnsmasq in the namespace with the
# records for example.test (infra0-2 on 127.0.0.10-12); waits (at most 5 s) until SERVICE
# (e.g. _etcd-server._tcp) answers.
start_dnsmasq() {
  local gen=$1 service=$2; shift 2
  ETCD_DNSMASQ_TEMPLATE="$(dirname "$gen")/etcd.conf.in" "$gen" "$@" example.test \
    infra0=127.0.0.10 infra1=127.0.0.11 infra2=127.0.0.12 >"$tmp/dnsmasq.conf"
  in_ns dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=53 --listen-address=127.0.0.1 \
    --bind-interfaces --pid-file="$tmp/dnsmasq.pid" --conf-file="$tmp/dnsmasq.conf" \
    --log-facility="$tmp/dnsmasq.log" &
  pids+=($!)
  for _ in $(seq 1 50); do
    in_ns dig +short +time=1 +tries=1 @127.0.0.1 SRV "$service.example.test" 2>/dev/null | grep -q infra && return 0
    sleep 0.1
  done
}
