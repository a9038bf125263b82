#!/bin/bash
# Three members on 127.0.0.21-23 with TLS on client and peer URLs (--client-cert-auth,
# --peer-client-cert-auth, --peer-cert-allowed-cn member), certificates made here with the
# openssl CLI, driven by the real etcdctl 3.4.23 (--cacert --cert --key): put/get,
# member list, endpoint health --cluster; plain clients and clients without a trusted
# certificate refused; a peer certificate rotated on disk is served without restart; a
# fourth member joins over https (--initial-cluster-state existing); a member whose peer
# certificate has another CN is refused (and the refusal logged, naming the peer and
# why) while the others keep working, and is admitted again with a right certificate;
# one whose certificate SANs miss its address is refused (etcd's
# client-SAN check); then a second cluster with --peer-auto-tls and --cipher-suites.
# usage: cluster_tls_test.sh OUR_ETCD PORT   (uses PORT and PORT+1 on 127.0.0.21-28)
set -u
ETCD=$1; PORT=$2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/certs.sh"
command -v openssl >/dev/null || { echo "openssl missing: skipping"; exit 77; }
C=$TMP/pki
TLS_TEST_IPS=",IP:127.0.0.21,IP:127.0.0.22,IP:127.0.0.23,IP:127.0.0.28" make_pki "$C"
TLSCTL=(--cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-key.pem")
CPORT=$PORT; PPORT=$((PORT + 1))
ip() { echo "127.0.0.2$1"; }
cep() { echo "https://$(ip "$1"):$CPORT"; }
CLUSTER="m1=https://$(ip 1):$PPORT,m2=https://$(ip 2):$PPORT,m3=https://$(ip 3):$PPORT"
EPS="$(cep 1),$(cep 2),$(cep 3)"
# Each member reads its peer certificate from a file of its own (rotated below).
for i in 1 2 3; do cp "$C/m$i.pem" "$TMP/peer$i.pem"; cp "$C/m$i-key.pem" "$TMP/peer$i-key.pem"; done

start_member() {  # index [extra flags]
  local i=$1; shift
  "$ETCD" --name "m$i" --data-dir "$TMP/m$i" \
    --listen-client-urls "$(cep "$i")" --advertise-client-urls "$(cep "$i")" \
    --listen-peer-urls "https://$(ip "$i"):$PPORT" --initial-advertise-peer-urls "https://$(ip "$i"):$PPORT" \
    --initial-cluster "$CLUSTER" --initial-cluster-token tls-cluster \
    --cert-file "$C/server.pem" --key-file "$C/server-key.pem" --trusted-ca-file "$C/ca.pem" --client-cert-auth \
    --peer-cert-file "$TMP/peer$i.pem" --peer-key-file "$TMP/peer$i-key.pem" --peer-trusted-ca-file "$C/ca.pem" \
    --peer-client-cert-auth --peer-cert-allowed-cn member "$@" >>"$TMP/m$i.log" 2>&1 &
  eval "PID$i=$!"; PIDS+=("$!")
}
# wait_for SECONDS CMD...: retries CMD every 0.2 s.
wait_for() {
  local n=$(($1 * 5)) k; shift
  for k in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
all_healthy() {
  local i
  for i in "$@"; do ctl "$(cep "$i")" "${TLSCTL[@]}" endpoint health || return 1; done
}
logs() { local f; for f in "$TMP"/*.log; do echo "== $f"; tail -8 "$f" | cut -c1-400; done; }

for i in 1 2 3; do start_member "$i"; done
wait_for 25 all_healthy 1 2 3 || { logs; fail "TLS cluster not healthy after 25 s"; }
ctl "$EPS" "${TLSCTL[@]}" put k v >/dev/null || fail "put"
[ "$(ctl "$(cep 3)" "${TLSCTL[@]}" get k --print-value-only)" = v ] || fail "get from m3"
n=$(ctl "$EPS" "${TLSCTL[@]}" member list | grep -c "https://127.0.0.2[123]:$PPORT, https://127.0.0.2[123]:$CPORT")
[ "$n" = 3 ] || fail "member list: $(ctl "$EPS" "${TLSCTL[@]}" member list 2>&1)"
n=$(ctl "$(cep 1)" "${TLSCTL[@]}" endpoint health --cluster 2>&1 | grep -c "is healthy")
[ "$n" = 3 ] || fail "endpoint health --cluster: $(ctl "$(cep 1)" "${TLSCTL[@]}" endpoint health --cluster 2>&1)"
grep -q '"starting with peer TLS"' "$TMP/m1.log" || fail "peer TLS not logged"
echo "ok: three members over https (client and peer), real etcdctl"

# Plain clients and clients without a trusted certificate are refused.
ctl "http://$(ip 1):$CPORT" get k >/dev/null 2>&1 && fail "plain client served"
ctl "$(cep 1)" --cacert "$C/ca.pem" get k >/dev/null 2>&1 && fail "client without certificate served"
ctl "$(cep 1)" --cacert "$C/ca.pem" --cert "$C/stranger.pem" --key "$C/stranger-key.pem" get k >/dev/null 2>&1 &&
  fail "client with a certificate of another CA served"
# The peer port wants TLS and a peer certificate too.
curl -s -m 2 "http://$(ip 1):$PPORT/" >/dev/null 2>&1 && fail "plain HTTP answered on the peer port"
echo "ok: plain and untrusted clients refused"

# Rotation: m1's peer certificate file is replaced; the peer port serves the new one
# (re-read within about a second), and the cluster keeps working.
subject() { server_subject "$(ip 1):$PPORT" -cert "$C/client.pem" -key "$C/client-key.pem"; }
subject | grep -q "CN *= *member" || fail "peer port subject before rotation: $(subject)"
subject | grep -q rotated && fail "rotated too early"
cp "$C/m1r.pem" "$TMP/peer1.pem.new"; cp "$C/m1r-key.pem" "$TMP/peer1-key.pem.new"
mv "$TMP/peer1-key.pem.new" "$TMP/peer1-key.pem"; mv "$TMP/peer1.pem.new" "$TMP/peer1.pem"
rotated() { subject | grep -q "O *= *rotated"; }
wait_for 5 rotated || fail "rotated peer certificate not served: $(subject)"
ctl "$EPS" "${TLSCTL[@]}" put after-rotation 1 >/dev/null || fail "put after the peer rotation"
echo "ok: peer certificate rotated without restart"

# A fourth member (m8 on 127.0.0.28) joins the running TLS cluster (--initial-cluster-state existing: the
# member list is fetched over https with the peer certificate).
# (retried: a member add waits until every member has been connected for 5 s, as in etcd)
add_m8() { ctl "$EPS" "${TLSCTL[@]}" member add m8 --peer-urls "https://$(ip 8):$PPORT"; }
wait_for 12 add_m8 || fail "member add m8: $(add_m8 2>&1 | tail -1)"
cp "$C/m1.pem" "$TMP/peer8.pem"; cp "$C/m1-key.pem" "$TMP/peer8-key.pem"
CLUSTER="$CLUSTER,m8=https://$(ip 8):$PPORT" start_member 8 --initial-cluster-state existing
got_k_m8() { [ "$(ctl "$(cep 8)" "${TLSCTL[@]}" get k --print-value-only)" = v ]; }
wait_for 15 got_k_m8 || { logs; fail "m8 did not join over https"; }
echo "ok: a member joins the running TLS cluster"

# m3 comes back with a certificate of the same CA but CN=intruder: refused by m1 and m2,
# which keep a quorum; the refusal names the peer and the reason.
stop_etcd "$PID3"
cp "$C/badcn.pem" "$TMP/peer3.pem"; cp "$C/badcn-key.pem" "$TMP/peer3-key.pem"
start_member 3
refused() { grep -q 'rejected peer certificate.*CommonName authentication failed (certificate CN \\"intruder\\", allowed \\"member\\")' "$TMP/m1.log" "$TMP/m2.log"; }
wait_for 10 refused || { logs; fail "refusal of CN=intruder not logged by m1/m2"; }
ctl "$(cep 3)" "${TLSCTL[@]}" get k --consistency=l >/dev/null 2>&1 &&
  fail "member with a wrong CN took part in the cluster"
ctl "$(cep 1),$(cep 2)" "${TLSCTL[@]}" put k2 v2 >/dev/null || fail "m1+m2 lost quorum"
echo "ok: member with a wrong CN refused; the others keep working"
stop_etcd "$PID3"
cp "$C/m3.pem" "$TMP/peer3.pem"; cp "$C/m3-key.pem" "$TMP/peer3-key.pem"
start_member 3
got_k2() { [ "$(ctl "$(cep 3)" "${TLSCTL[@]}" get k2 --print-value-only)" = v2 ]; }
wait_for 15 got_k2 || { logs; fail "m3 with the right certificate did not catch up"; }
echo "ok: m3 admitted again with CN=member"

# m3 with a certificate of the right CN whose IP SANs cover none of its addresses: m1 and
# m2 refuse its calls (etcd's SAN check against the remote address) and their dials.
stop_etcd "$PID3"
cp "$C/wrongip.pem" "$TMP/peer3.pem"; cp "$C/wrongip-key.pem" "$TMP/peer3-key.pem"
start_member 3
san_refused() {
  grep -q 'rejected peer certificate.*incoming peer connection from 127.0.0.*x509: certificate is valid for 127.0.0.99, not 127.0.0' "$TMP/m1.log" "$TMP/m2.log"
}
wait_for 10 san_refused || { logs; fail "SAN mismatch of an incoming peer not refused/logged"; }
ctl "$(cep 3)" "${TLSCTL[@]}" get k --consistency=l >/dev/null 2>&1 &&
  fail "member whose certificate does not cover its address took part"
echo "ok: member whose certificate SANs miss its address refused"
for i in 1 2 3 8; do stop_etcd "$(eval echo "\$PID$i")"; done

# --peer-auto-tls: self-signed peer certificates (peers do not verify each other, as in
# etcd), https peer URLs, plain client URLs.
ACLUSTER="a4=https://127.0.0.24:$PPORT,a5=https://127.0.0.25:$PPORT,a6=https://127.0.0.26:$PPORT"
for i in 4 5 6; do
  "$ETCD" --name "a$i" --data-dir "$TMP/a$i" \
    --listen-client-urls "http://127.0.0.2$i:$CPORT" --advertise-client-urls "http://127.0.0.2$i:$CPORT" \
    --listen-peer-urls "https://127.0.0.2$i:$PPORT" --initial-advertise-peer-urls "https://127.0.0.2$i:$PPORT" \
    --initial-cluster "$ACLUSTER" --initial-cluster-token auto-tls --peer-auto-tls \
    --cipher-suites TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305 >>"$TMP/a$i.log" 2>&1 &
  PIDS+=("$!")
done
auto_healthy() {
  local i
  for i in 4 5 6; do ctl "http://127.0.0.2$i:$CPORT" endpoint health || return 1; done
}
wait_for 25 auto_healthy || { logs; fail "peer auto-tls cluster not healthy"; }
ctl "http://127.0.0.24:$CPORT" put ak av >/dev/null || fail "put (auto-tls)"
[ "$(ctl "http://127.0.0.26:$CPORT" get ak --print-value-only --consistency=l)" = av ] || fail "get (auto-tls)"
[ -f "$TMP/a4/fixtures/peer/cert.pem" ] || fail "peer auto-tls certificate not in fixtures/peer"
echo "ok: --peer-auto-tls cluster"
# --cipher-suites applies to the peer port too (TLS 1.2 suites).
cipher() { openssl s_client -connect "127.0.0.24:$PPORT" -tls1_2 -cipher "$1" </dev/null 2>/dev/null | sed -n 's/^ *Cipher *: *//p' | head -1; }
[ "$(cipher ECDHE-ECDSA-AES128-GCM-SHA256)" = ECDHE-ECDSA-AES128-GCM-SHA256 ] || fail "listed cipher refused on the peer port"
case "$(cipher ECDHE-ECDSA-AES256-GCM-SHA384)" in ECDHE-ECDSA-AES256-GCM-SHA384) fail "unlisted cipher accepted on the peer port" ;; esac
echo "ok: --cipher-suites on the peer port"

# Bad peer certificate files: exit 1 at start-up, naming the flag and the file.
bad_peer_start() {  # expected-text flags...
  local want=$1; shift
  timeout 20 "$ETCD" --name e --data-dir "$TMP/e" --listen-client-urls "http://127.0.0.27:$CPORT" \
    --advertise-client-urls "http://127.0.0.27:$CPORT" --listen-peer-urls "https://127.0.0.27:$PPORT" \
    --initial-advertise-peer-urls "https://127.0.0.27:$PPORT" --initial-cluster "e=https://127.0.0.27:$PPORT" \
    "$@" >"$TMP/e.log" 2>&1
  local rc=$?
  [ $rc = 1 ] || fail "exit code $rc (want 1) for $*"
  grep -qF -- "$want" "$TMP/e.log" || { tail -3 "$TMP/e.log"; fail "missing '$want'"; }
}
bad_peer_start '--peer-cert-file \"/nonexistent.pem\": open /nonexistent.pem: no such file or directory' \
  --peer-cert-file /nonexistent.pem --peer-key-file "$C/m1-key.pem"
bad_peer_start "does not match the certificate in --peer-cert-file" \
  --peer-cert-file "$C/m1.pem" --peer-key-file "$C/m2-key.pem"
bad_peer_start "cannot listen on TLS for 127.0.0.27:$PPORT: KeyFile and CertFile are not presented"
echo "ok: clear start-up errors for peer certificates"
echo "PASS"
