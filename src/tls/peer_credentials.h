// Peer TLS (--peer-cert-file, --peer-key-file, --peer-trusted-ca-file,
// --peer-client-cert-auth, --peer-cert-allowed-cn, --peer-cert-allowed-hostname,
// --peer-crl-file, --peer-auto-tls, --cipher-suites) as gRPC credentials for the peer
// transport (transport::TransportOptions::{server,channel}_credentials).
//
// gRPC's TLS stack does the handshake (OpenSSL underneath); certificates come from a
// FileWatcherCertificateProvider (files re-read every second: rotation without
// restart), and a custom verifier adds etcd's checks on both sides of every peer
// connection: the allowed CN and hostname, and the CRL (re-read when it changes), plus
// the server hostname check on dials (the URL's host must be covered by the peer's
// certificate, as Go checks ServerName). With --peer-auto-tls dials do not verify the
// other member (etcd's InsecureSkipVerify).
//
// Thread safety: MakePeerCredentials is a free function; the credentials and the
// verifier are used by gRPC from its own threads (the verifier is immutable apart from
// a mutex-guarded CRL cache).
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <functional>
#include <memory>
#include <string>

#include "common/env.h"
#include "common/status.h"
#include "tls/tls_options.h"

namespace etcd::tls {

struct PeerCredentials {
  std::shared_ptr<grpc::ServerCredentials> server;
  std::shared_ptr<grpc::ChannelCredentials> channel;
  // For transport::TransportOptions::check_tls_caller: etcd's check of an incoming
  // peer's certificate SANs against its address (CheckRemoteSan). Null with
  // skip_client_san_verification or without --peer-client-cert-auth.
  std::function<absl::Status(const std::string& grpc_peer, const std::string& cert_pem)>
      check_caller;
};

// "ipv4:127.0.0.1:40000" / "ipv6:[::1]:40000" (gRPC's peer names) -> "127.0.0.1" / "::1".
std::string GrpcPeerHost(const std::string& grpc_peer);

// Called when the verifier refuses a certificate: `who` is "dialing 127.0.0.1:2380",
// "incoming peer connection" or "incoming peer connection from 127.0.0.1:40000", `reason` e.g.
// "CommonName authentication failed (certificate CN \"bad\", allowed \"m1\")". May be called from
// gRPC threads.
using PeerRefusalHook = std::function<void(const std::string& who, const std::string& reason)>;

// Checks the files first (errors name the flag and the file), then builds both sides.
// `options.side` must be kPeer. `refresh_seconds`: how often gRPC re-reads the files.
absl::StatusOr<PeerCredentials> MakePeerCredentials(Env* env, const TlsOptions& options,
                                                    PeerRefusalHook on_refused = {},
                                                    unsigned refresh_seconds = 1);

// The OpenSSL TLS 1.2 cipher list for GRPC_SSL_CIPHER_SUITES (gRPC reads that
// variable once, at start-up, for all its TLS connections); "" when `go_names` has no
// TLS 1.2 suite.
absl::StatusOr<std::string> GrpcCipherList(const std::vector<std::string>& go_names);

}  // namespace etcd::tls
