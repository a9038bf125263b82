#!/bin/bash
# DNS SRV bootstrap (--discovery-srv) against a real dnsmasq: everything runs inside a
# network namespace this test creates (its own loopback, so the default ports 2379/2380
# are free; `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf so the system
# resolver asks our dnsmasq). Records: only plain _etcd-server._tcp (etcd 3.4 cannot
# bootstrap from these: we must). Checks: three members bootstrap; member list has
# three started members; the real etcdctl --discovery-srv finds the cluster; a member
# whose advertise URL is not in the records fails with the match table; --check-config
# prints the table. Needs root, ip and dnsmasq (else exit 77).
# usage: srv_test.sh OUR_ETCD ETCDCTL RECORDS_GENERATOR
set -uo pipefail
ours=$1 ctl=$2 gen=$3
. "$(dirname "$0")/srv_lib.sh"
srv_netns_up
start_dnsmasq "$gen" _etcd-server._tcp
if [ "$(in_ns dig +short @127.0.0.1 SRV _etcd-server._tcp.example.test | wc -l)" = 3 ]; then
  ok "dnsmasq serves the generated SRV records"
else
  ko "dnsmasq records: $(in_ns dig +short @127.0.0.1 SRV _etcd-server._tcp.example.test)"
fi

member() {  # member NAME IP [extra flags] (runs in the namespace)
  local n=$1 ip=$2; shift 2
  in_ns "$ours" --name "$n" --data-dir "$tmp/$n" --discovery-srv example.test \
    --initial-advertise-peer-urls "http://$n.example.test:2380" --listen-peer-urls "http://$ip:2380" \
    --listen-client-urls "http://$ip:2379" --advertise-client-urls "http://$n.example.test:2379" \
    --initial-cluster-token srv-test "$@" >"$tmp/$n.log" 2>&1 &
  pids+=($!)
}

# --check-config resolves the records and prints the table.
if in_ns "$ours" --check-config --name infra1 --discovery-srv example.test \
     --initial-advertise-peer-urls http://infra1.example.test:2380 >"$tmp/check" 2>&1 \
   && grep -q "infra1=http://infra1.example.test:2380" "$tmp/check"; then
  ok "--check-config prints the SRV match table"
else
  ko "--check-config: $(cat "$tmp/check" | tail -5)"
fi

member infra0 127.0.0.10; member infra1 127.0.0.11; member infra2 127.0.0.12
healthy=0
for _ in $(seq 1 300); do
  n=0
  for ip in 127.0.0.10 127.0.0.11 127.0.0.12; do
    in_ns curl -sf "http://$ip:2379/health" 2>/dev/null | grep -q true && n=$((n + 1))
  done
  [ $n = 3 ] && { healthy=1; break; }
  sleep 0.1
done
if [ $healthy = 1 ]; then ok "three members bootstrapped from _etcd-server._tcp records"; else
  ko "members not healthy"; for n in infra0 infra1 infra2; do tail -5 "$tmp/$n.log"; done; fi
if in_ns "$ctl" --endpoints=http://127.0.0.10:2379 member list >"$tmp/ml" 2>&1 && [ "$(grep -c started "$tmp/ml")" = 3 ]; then
  ok "member list: three started members"
else
  ko "member list: $(cat "$tmp/ml")"
fi
if in_ns "$ctl" --discovery-srv example.test endpoint health --cluster >"$tmp/eh" 2>&1 && [ "$(grep -c 'is healthy' "$tmp/eh")" = 3 ]; then
  ok "etcdctl --discovery-srv example.test endpoint health --cluster"
else
  ko "etcdctl --discovery-srv: $(cat "$tmp/eh")"
fi

# A member whose advertise URL is in no record fails with the table.
in_ns "$ours" --name rogue --data-dir "$tmp/rogue" --discovery-srv example.test \
  --initial-advertise-peer-urls http://127.0.0.20:2380 --listen-peer-urls http://127.0.0.20:2380 \
  --listen-client-urls http://127.0.0.20:2379 --advertise-client-urls http://127.0.0.20:2379 >"$tmp/rogue.log" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q 'cannot find local etcd member \\"rogue\\" in the SRV records' "$tmp/rogue.log" \
   && grep -q 'another member' "$tmp/rogue.log"; then
  ok "a member missing from the records exits with the match table"
else
  ko "rogue member (rc=$rc): $(tail -3 "$tmp/rogue.log")"
fi
echo "$passed passed, $fail failed"
[ $fail = 0 ]
