#!/bin/bash
# --auto-tls: a self-signed certificate in <data-dir>/fixtures/client (key 0600), served
# to etcdctl --insecure-skip-tls-verify --insecure-transport=false and curl -k; reused at restart.
set -u
ETCD=$1; PORT=$2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/certs.sh"
command -v openssl >/dev/null || { echo "openssl missing: skipping"; exit 77; }
EP=https://127.0.0.1:$PORT
PPORT=$((PORT + 1))
start() {
  "$ETCD" --name a1 --data-dir "$TMP/d" --listen-client-urls "$EP" --advertise-client-urls "$EP" \
    --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
    --initial-cluster "a1=http://127.0.0.1:$PPORT" --auto-tls >>"$TMP/a1.log" 2>&1 &
  PID=$!; PIDS+=("$PID")
  local i
  for i in $(seq 1 100); do
    ctl "$EP" --insecure-skip-tls-verify --insecure-transport=false endpoint health >/dev/null 2>&1 && return 0
    kill -0 "$PID" 2>/dev/null || { tail -20 "$TMP/a1.log"; fail "server exited"; }
    sleep 0.2
  done
  tail -20 "$TMP/a1.log"; fail "not healthy after 20 s"
}
start
F=$TMP/d/fixtures/client
[ -f "$F/cert.pem" ] && [ -f "$F/key.pem" ] || fail "fixtures not written"
[ "$(stat -c %a "$F/key.pem")" = 600 ] || fail "key mode $(stat -c %a "$F/key.pem")"
[ "$(stat -c %a "$F")" = 700 ] || fail "fixtures dir mode $(stat -c %a "$F")"
openssl x509 -in "$F/cert.pem" -noout -text | grep -q "IP Address:127.0.0.1" || fail "no IP SAN"
openssl x509 -in "$F/cert.pem" -noout -subject | grep -q "O = etcd" || fail "subject not O=etcd"
ctl "$EP" --insecure-skip-tls-verify --insecure-transport=false put k v >/dev/null || fail "put"
[ "$(ctl "$EP" --insecure-skip-tls-verify --insecure-transport=false get k --print-value-only)" = v ] || fail "get"
[ "$(curl -sk -m 5 "$EP/health")" = '{"health":"true"}' ] || fail "curl -k /health"
# Verification against the system roots fails: it is self-signed.
ctl "$EP" get k >/dev/null 2>&1 && fail "self-signed certificate verified without --insecure-skip-tls-verify --insecure-transport=false"
fp1=$(openssl x509 -in "$F/cert.pem" -noout -fingerprint)
stop_etcd "$PID"
start
[ "$(openssl x509 -in "$F/cert.pem" -noout -fingerprint)" = "$fp1" ] || fail "certificate regenerated at restart"
[ "$(ctl "$EP" --insecure-skip-tls-verify --insecure-transport=false get k --print-value-only)" = v ] || fail "get after restart"
echo "PASS"
