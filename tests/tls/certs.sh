# make_pki DIR: a CA and certificates made with the openssl CLI, as an operator would.
#   ca.pem                    the trusted CA
#   server.pem/-key.pem       CN=server, SAN IP:127.0.0.1 + $TLS_TEST_IPS + DNS:localhost (serverAuth, clientAuth)
#   client.pem/-key.pem       CN=root (clientAuth)
#   m1..m3.pem/-key.pem       CN=member, SAN IP:127.0.0.1 + $TLS_TEST_IPS (peer certificates)
#   m1r.pem/-key.pem          CN=member, O=rotated, same SANs (a rotated peer certificate)
#   badcn.pem/-key.pem        CN=intruder, SAN IP:127.0.0.1 + $TLS_TEST_IPS, same CA
#   wrongip.pem/-key.pem      CN=member, SAN IP:127.0.0.99 only (no address of ours)
#   stranger.pem/-key.pem     CN=root, signed by another CA
#   rotated.pem/-key.pem      CN=rotated, SAN IP:127.0.0.1
# TLS_TEST_IPS: extra SANs for server and member certificates, e.g. ",IP:127.0.0.21".
make_pki() {
  local d=$1 ips=${TLS_TEST_IPS:-}
  mkdir -p "$d"
  (
    cd "$d" || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca-key.pem \
      -out ca.pem -days 2 -subj "/CN=etcd-test-ca" 2>/dev/null || exit 1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other-ca-key.pem \
      -out other-ca.pem -days 2 -subj "/CN=other-ca" 2>/dev/null || exit 1
    leaf() {  # name subject san ca (subject: a CN, or a full /O=../CN=.. subject)
      local subj="/CN=$2"
      case "$2" in /*) subj=$2 ;; esac
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1-key.pem" \
        -out "$1.csr" -subj "$subj" 2>/dev/null || exit 1
      printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' \
        "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4-key.pem" -CAcreateserial -out "$1.pem" \
        -days 2 -extfile "$1.ext" 2>/dev/null || exit 1
    }
    leaf server server "IP:127.0.0.1$ips,DNS:localhost" ca
    leaf client root "DNS:client" ca
    leaf m1 member "IP:127.0.0.1$ips" ca
    leaf m2 member "IP:127.0.0.1$ips" ca
    leaf m3 member "IP:127.0.0.1$ips" ca
    leaf m1r "/O=rotated/CN=member" "IP:127.0.0.1$ips" ca
    leaf badcn intruder "IP:127.0.0.1$ips" ca
    leaf wrongip member "IP:127.0.0.99" ca
    leaf stranger root "DNS:client" other-ca
    leaf rotated rotated "IP:127.0.0.1,DNS:localhost" ca
  ) || fail "openssl could not make the test certificates"
}

# server_subject HOST:PORT [s_client args...]: the subject of the certificate the server
# presents now (also when the handshake then fails for want of a client certificate).
server_subject() {
  local a=$1; shift
  openssl s_client -connect "$a" "$@" </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null
}

# server_cn HOST:PORT: the CN of the certificate the server presents now.
server_cn() {
  openssl s_client -connect "$1" -servername localhost </dev/null 2>/dev/null |
    openssl x509 -noout -subject 2>/dev/null | sed -n 's/.*CN *= *//p'
}
