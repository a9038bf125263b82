// The checks etcd adds on top of chain verification for a presented certificate:
// --peer-cert-allowed-cn, --peer-cert-allowed-hostname / --client-cert-allowed-hostname
// and the CRL (--client-crl-file / --peer-crl-file). Used by the client port's OpenSSL
// verify callback and by the peer transport's gRPC certificate verifier.
//
// Thread safety: CertPolicy is immutable after construction; Check* are const.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "tls/openssl_util.h"

namespace etcd::tls {

struct CertPolicy {
  std::string allowed_cn;         // empty: any CN
  std::string allowed_hostname;   // empty: any; else a DNS name or IP the cert must cover
  std::shared_ptr<X509_CRL> crl;  // null: no CRL

  bool empty() const { return allowed_cn.empty() && allowed_hostname.empty() && crl == nullptr; }

  // PermissionDenied with the reason when `cert` is listed in the CRL:
  // "certificate revoked (serial 0x1f..., CN \"m1\")".
  absl::Status CheckRevoked(X509* cert) const;
  // The leaf's CN and hostname checks, with etcd's words first:
  // "CommonName authentication failed (certificate CN \"bad\", allowed \"m1\")",
  // "HostName authentication failed (certificate does not cover \"m1.example\")".
  absl::Status CheckLeaf(X509* leaf) const;
};

// Whether `cert` covers `host` (DNS name with wildcards, or an IP literal), like Go's
// Certificate.VerifyHostname (SANs only, no CN fallback).
bool CoversHost(X509* cert, const std::string& host);

std::shared_ptr<X509_CRL> ShareCrl(X509CrlPtr crl);

// How a host name resolves (getaddrinfo in production; a table in tests): the
// addresses as text ("127.0.0.1", "::1"), or the lookup error in words.
using Resolver = std::function<absl::StatusOr<std::vector<std::string>>(const std::string& host)>;
Resolver SystemResolver();

// etcd's check of an incoming peer's certificate against the address the connection
// comes from (turned off by --experimental-peer-skip-client-san-verification): with IP
// SANs the address must be one of them; otherwise, or when it is none of them but the
// certificate also has DNS SANs, one of the names must resolve to it. A certificate
// without SANs passes. Errors are Go's and etcd's texts:
//   x509: certificate is valid for 10.0.0.1, not 10.0.0.2
//   tls: "127.0.0.1" does not match any of DNSNames ["client"] (lookup client: ...)
absl::Status CheckRemoteSan(X509* leaf, const std::string& remote_ip, const Resolver& resolve);

}  // namespace etcd::tls
