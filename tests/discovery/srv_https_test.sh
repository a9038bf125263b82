#!/bin/bash
# DNS SRV bootstrap over https (--discovery-srv with _etcd-server-ssl._tcp records) against
# a real dnsmasq in a network namespace this test creates (as srv_test.sh does for http:
# `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf so the system resolver asks our
# dnsmasq). Records: _etcd-server-ssl / _etcd-client-ssl only (etcd-dnsmasq-records --tls).
# Certificates (openssl CLI, one CA) cover *.example.test and the members' IPs. Checks:
# three members bootstrap with https peer and client URLs (--peer-client-cert-auth,
# --client-cert-auth); member list shows the https URLs; `etcdctl --discovery-srv
# example.test endpoint health --cluster` works with our etcdctl and the real 3.4.23.
# Needs root, ip, dnsmasq and openssl (else exit 77).
# usage: srv_https_test.sh OUR_ETCD OUR_ETCDCTL REAL_ETCDCTL RECORDS_GENERATOR
set -uo pipefail
ours=$1 our_ctl=$2 ctl=$3 gen=$4
. "$(dirname "$0")/srv_lib.sh"
command -v openssl >/dev/null || { echo "openssl missing: skip"; exit 77; }
# certs.sh's make_pki reports through fail().
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/../tls/certs.sh"
C=$tmp/pki
TLS_TEST_IPS=",IP:127.0.0.10,IP:127.0.0.11,IP:127.0.0.12,DNS:*.example.test,DNS:example.test" make_pki "$C"
srv_netns_up
start_dnsmasq "$gen" _etcd-server-ssl._tcp --tls
if [ "$(in_ns dig +short @127.0.0.1 SRV _etcd-server-ssl._tcp.example.test | wc -l)" = 3 ] &&
   [ -z "$(in_ns dig +short @127.0.0.1 SRV _etcd-server._tcp.example.test)" ]; then
  ok "dnsmasq serves only _etcd-server-ssl records"
else
  ko "dnsmasq records: $(in_ns dig +short @127.0.0.1 SRV _etcd-server-ssl._tcp.example.test)"
fi

member() {  # member NAME IP (runs in the namespace)
  local n=$1 ip=$2
  in_ns "$ours" --name "$n" --data-dir "$tmp/$n" --discovery-srv example.test \
    --initial-advertise-peer-urls "https://$n.example.test:2380" --listen-peer-urls "https://$ip:2380" \
    --listen-client-urls "https://$ip:2379" --advertise-client-urls "https://$n.example.test:2379" \
    --initial-cluster-token srv-https-test \
    --cert-file "$C/server.pem" --key-file "$C/server-key.pem" --trusted-ca-file "$C/ca.pem" --client-cert-auth \
    --peer-cert-file "$C/m1.pem" --peer-key-file "$C/m1-key.pem" --peer-trusted-ca-file "$C/ca.pem" \
    --peer-client-cert-auth >"$tmp/$n.log" 2>&1 &
  pids+=($!)
}
member infra0 127.0.0.10; member infra1 127.0.0.11; member infra2 127.0.0.12
CURL=(curl -sf -m 2 --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem")
healthy=0
for _ in $(seq 1 250); do
  n=0
  for ip in 127.0.0.10 127.0.0.11 127.0.0.12; do
    in_ns "${CURL[@]}" "https://$ip:2379/health" 2>/dev/null | grep -q true && n=$((n + 1))
  done
  [ $n = 3 ] && { healthy=1; break; }
  sleep 0.1
done
if [ $healthy = 1 ]; then ok "three members bootstrapped over https from _etcd-server-ssl._tcp records"; else
  ko "members not healthy"; for n in infra0 infra1 infra2; do tail -5 "$tmp/$n.log" | cut -c1-400; done; fi
TLSCTL=(--cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem")
if in_ns "$ctl" --endpoints=https://127.0.0.10:2379 "${TLSCTL[@]}" member list >"$tmp/ml" 2>&1 &&
   [ "$(grep -c 'started, infra[012], https://infra[012].example.test:2380, https://infra[012].example.test:2379' "$tmp/ml")" = 3 ]; then
  ok "member list: three started members with https URLs"
else
  ko "member list: $(cat "$tmp/ml")"
fi
for c in "$our_ctl" "$ctl"; do
  if in_ns "$c" --discovery-srv example.test "${TLSCTL[@]}" endpoint health --cluster >"$tmp/eh" 2>&1 &&
     [ "$(grep -c 'https://infra[012].example.test:2379 is healthy' "$tmp/eh")" = 3 ]; then
    ok "$c --discovery-srv example.test endpoint health --cluster (_etcd-client-ssl)"
  else
    ko "$c --discovery-srv: $(cat "$tmp/eh")"
  fi
done
if in_ns "$ctl" --discovery-srv example.test "${TLSCTL[@]}" put k v >/dev/null 2>&1 &&
   [ "$(in_ns "$our_ctl" --discovery-srv example.test "${TLSCTL[@]}" get k --print-value-only 2>&1)" = v ]; then
  ok "put/get through the SRV-discovered https endpoints"
else
  ko "put/get through --discovery-srv"
fi
echo "$passed passed, $fail failed"
[ $fail = 0 ]
