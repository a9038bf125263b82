#!/bin/bash
# Single member, https:// client URL with --client-cert-auth, driven by the real
# etcdctl 3.4.23 and curl: gRPC and HTTP/1.1 (/health, /v3 gateway) on one TLS port;
# plain clients and clients without a trusted certificate refused (and logged); the
# certificate files rotated on disk take effect without restart; clear start-up errors.
set -u
ETCD=$1; PORT=$2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/certs.sh"
command -v openssl >/dev/null || { echo "openssl missing: skipping"; exit 77; }
C=$TMP/pki
make_pki "$C"
cp "$C/server.pem" "$TMP/live.pem"; cp "$C/server-key.pem" "$TMP/live-key.pem"
EP=https://127.0.0.1:$PORT
PPORT=$((PORT + 1))
TLSCTL=(--cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem")

"$ETCD" --name t1 --data-dir "$TMP/d1" \
  --listen-client-urls "$EP" --advertise-client-urls "$EP" \
  --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
  --initial-cluster "t1=http://127.0.0.1:$PPORT" \
  --cert-file "$TMP/live.pem" --key-file "$TMP/live-key.pem" \
  --trusted-ca-file "$C/ca.pem" --client-cert-auth >"$TMP/t1.log" 2>&1 &
PID=$!; PIDS+=("$PID")
ok=
for i in $(seq 1 100); do
  ctl "$EP" "${TLSCTL[@]}" endpoint health >/dev/null 2>&1 && { ok=1; break; }
  kill -0 "$PID" 2>/dev/null || { tail -20 "$TMP/t1.log"; fail "server exited"; }
  sleep 0.2
done
[ -n "$ok" ] || { tail -20 "$TMP/t1.log"; fail "not healthy over TLS after 20 s"; }

# gRPC over TLS with a client certificate.
ctl "$EP" "${TLSCTL[@]}" put foo bar >/dev/null || fail "put over TLS"
[ "$(ctl "$EP" "${TLSCTL[@]}" get foo --print-value-only)" = bar ] || fail "get over TLS"
# HTTP/1.1 over the same TLS port.
CURL=(curl -sS -m 5 --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem")
[ "$("${CURL[@]}" "$EP/health")" = '{"health":"true"}' ] || fail "curl /health over TLS: $("${CURL[@]}" "$EP/health" 2>&1)"
"${CURL[@]}" -X POST -d '{"key":"Zm9v"}' "$EP/v3/kv/range" | grep -q '"value":"YmFy"' ||
  fail "curl /v3/kv/range over TLS: $("${CURL[@]}" -X POST -d '{"key":"Zm9v"}' "$EP/v3/kv/range" 2>&1)"
"${CURL[@]}" --http1.1 "$EP/version" | grep -q etcdserver || fail "curl /version"
"${CURL[@]}" "$EP/metrics" | grep -q '^etcd_server_has_leader' || fail "curl /metrics"

# Plain clients are refused.
ctl "http://127.0.0.1:$PORT" get foo >/dev/null 2>&1 && fail "plain gRPC client served on a TLS port"
curl -s -m 3 "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && fail "plain HTTP served on a TLS port"
# Without a client certificate, or with one from another CA: refused.
ctl "$EP" --cacert "$C/ca.pem" get foo >/dev/null 2>&1 && fail "client without certificate served"
ctl "$EP" --cacert "$C/ca.pem" --cert "$C/stranger.pem" --key "$C/stranger-key.pem" get foo >/dev/null 2>&1 &&
  fail "client with an untrusted certificate served"
curl -s -m 3 --cacert "$C/ca.pem" "$EP/health" >/dev/null 2>&1 && fail "curl without certificate served"
grep -q '"rejected connection".*first record does not look like a TLS handshake' "$TMP/t1.log" ||
  fail "plain client not logged: $(grep rejected "$TMP/t1.log" | head -3)"
grep -q "\"rejected connection\".*\"remote-addr\":\"127.0.0.1:[0-9]*\".*client didn't provide a certificate" "$TMP/t1.log" ||
  fail "certificate-less client not logged: $(grep rejected "$TMP/t1.log" | head -3)"
grep -q '"rejected connection".*unable to get local issuer certificate' "$TMP/t1.log" ||
  fail "untrusted client not logged"

# Rotation: new files on disk are used by the next handshake, without restart.
[ "$(server_cn "127.0.0.1:$PORT")" = server ] || fail "server CN before rotation: $(server_cn "127.0.0.1:$PORT")"
cp "$C/rotated-key.pem" "$TMP/live-key.pem.new"; cp "$C/rotated.pem" "$TMP/live.pem.new"
mv "$TMP/live-key.pem.new" "$TMP/live-key.pem"; mv "$TMP/live.pem.new" "$TMP/live.pem"
[ "$(server_cn "127.0.0.1:$PORT")" = rotated ] || fail "rotated certificate not served: $(server_cn "127.0.0.1:$PORT")"
ctl "$EP" "${TLSCTL[@]}" put after-rotation 1 >/dev/null || fail "put after rotation"
grep -q "reloaded client TLS certificate files" "$TMP/t1.log" || fail "reload not logged"
kill -0 "$PID" || fail "server died"
stop_etcd "$PID"

# Start-up errors name the flag and the file, before serving anything.
bad_start() {  # expected-text flags...
  local want=$1; shift
  timeout 20 "$ETCD" --name e --data-dir "$TMP/e" --listen-client-urls "$EP" --advertise-client-urls "$EP" \
    --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
    --initial-cluster "e=http://127.0.0.1:$PPORT" "$@" >"$TMP/e.log" 2>&1
  local rc=$?
  [ $rc = 1 ] || fail "exit code $rc (want 1) for $*"
  grep -qF -- "$want" "$TMP/e.log" || { cat "$TMP/e.log" | tail -5; fail "missing '$want'"; }
}
bad_start '--cert-file \"/nonexistent.pem\": open /nonexistent.pem: no such file or directory' \
  --cert-file /nonexistent.pem --key-file "$C/server-key.pem"
bad_start "does not match the certificate in --cert-file" \
  --cert-file "$C/server.pem" --key-file "$C/client-key.pem"
bad_start "TLS key/cert (--cert-file, --key-file) must be provided for client url $EP with HTTPS scheme"
echo "PASS"
