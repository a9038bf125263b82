// The checks etcd adds on top of chain verification for a presented certificate:
// --peer-cert-allowed-cn, --peer-cert-allowed-hostname / --client-cert-allowed-hostname
// and the CRL (--client-crl-file / --peer-crl-file). Used by the client port's OpenSSL
// verify callback and by the peer transport's gRPC certificate verifier.
//
// Thread safety: CertPolicy is immutable after construction; Check* are const.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "tls/openssl_util.h"

namespace etcd::tls {

struct CertPolicy {
  std::string allowed_cn;        // empty: any CN
  std::string allowed_hostname;  // empty: any; else a DNS name or IP the cert must cover
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

}  // namespace etcd::tls
