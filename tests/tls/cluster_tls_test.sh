#!/bin/bash
# Three members with TLS on client and peer URLs (--peer-client-cert-auth,
# --peer-cert-allowed-cn member), driven by the real etcdctl 3.4.23; then a member whose
# peer certificate has another CN is refused by the others.
set -u
ETCD=$1; PORT=$2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/certs.sh"
command -v openssl >/dev/null || { echo "openssl missing: skipping"; exit 77; }
C=$TMP/pki
make_pki "$C"
TLSCTL=(--cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem")
cport() { echo $((PORT + 2 * ($1 - 1))); }
pport() { echo $((PORT + 2 * ($1 - 1) + 1)); }
CLUSTER="m1=https://127.0.0.1:$(pport 1),m2=https://127.0.0.1:$(pport 2),m3=https://127.0.0.1:$(pport 3)"
start_member() {  # index peer-cert-name
  local i=$1 cert=$2
  "$ETCD" --name "m$i" --data-dir "$TMP/m$i" \
    --listen-client-urls "https://127.0.0.1:$(cport "$i")" --advertise-client-urls "https://127.0.0.1:$(cport "$i")" \
    --listen-peer-urls "https://127.0.0.1:$(pport "$i")" --initial-advertise-peer-urls "https://127.0.0.1:$(pport "$i")" \
    --initial-cluster "$CLUSTER" --initial-cluster-token tls-cluster \
    --cert-file "$C/server.pem" --key-file "$C/server-key.pem" --trusted-ca-file "$C/ca.pem" --client-cert-auth \
    --peer-cert-file "$C/$cert.pem" --peer-key-file "$C/$cert-key.pem" --peer-trusted-ca-file "$C/ca.pem" \
    --peer-client-cert-auth --peer-cert-allowed-cn member >>"$TMP/m$i.log" 2>&1 &
  eval "PID$i=$!"; PIDS+=("$!")
}
healthy_all() {
  local i t
  for t in $(seq 1 150); do
    local ok=1
    for i in 1 2 3; do
      ctl "https://127.0.0.1:$(cport "$i")" "${TLSCTL[@]}" endpoint health >/dev/null 2>&1 || ok=
    done
    [ -n "$ok" ] && return 0
    sleep 0.2
  done
  return 1
}
for i in 1 2 3; do start_member "$i" "m$i"; done
healthy_all || { tail -15 "$TMP"/m*.log; fail "TLS cluster not healthy after 30 s"; }
EPS="https://127.0.0.1:$(cport 1),https://127.0.0.1:$(cport 2),https://127.0.0.1:$(cport 3)"
ctl "$EPS" "${TLSCTL[@]}" put k v >/dev/null || fail "put"
[ "$(ctl "https://127.0.0.1:$(cport 3)" "${TLSCTL[@]}" get k --print-value-only)" = v ] || fail "get from m3"
n=$(ctl "$EPS" "${TLSCTL[@]}" member list | grep -c "https://127.0.0.1")
[ "$n" = 3 ] || fail "member list: $(ctl "$EPS" "${TLSCTL[@]}" member list)"
ctl "https://127.0.0.1:$(cport 1)" get k >/dev/null 2>&1 && fail "client without certificate served"
ctl "http://127.0.0.1:$(cport 1)" get k >/dev/null 2>&1 && fail "plain client served"

# m3 comes back with a certificate from the same CA but CN=intruder: refused.
stop_etcd "$PID3"
start_member 3 badcn
sleep 4
ctl "https://127.0.0.1:$(cport 3)" "${TLSCTL[@]}" get k --consistency=l >/dev/null 2>&1 &&
  fail "member with a wrong CN took part in the cluster"
grep -q "CommonName authentication failed" "$TMP"/m1.log "$TMP"/m2.log "$TMP"/m3.log ||
  fail "refusal not logged: $(grep -h rejected "$TMP"/m*.log | tail -3)"
ctl "https://127.0.0.1:$(cport 1)" "${TLSCTL[@]}" put k2 v2 >/dev/null || fail "m1+m2 lost quorum"
echo "PASS"
