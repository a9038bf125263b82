// Generating keys and X.509 certificates with OpenSSL: the self-signed certificates of
// --auto-tls / --peer-auto-tls (as etcd makes them: ECDSA P-521, SHA-512, subject
// O=etcd, the listen hosts as SANs, one year), and CA-signed certificates for tests.
//
// Thread safety: free functions, no shared state.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace etcd::tls {

struct CertSpec {
  std::string common_name;  // empty: no CN (etcd's auto-tls certificates have none)
  std::string organization = "etcd";
  // SANs: IP literals become IP SANs, anything else DNS SANs.
  std::vector<std::string> hosts;
  int valid_days = 365;
  int not_before_offset_days = 0;  // negative: already valid in the past (tests)
  bool is_ca = false;
  enum class Curve { kP256, kP521 } curve = Curve::kP521;
  bool client_auth = false;  // extended key usage clientAuth in addition to serverAuth
};

struct KeyCert {
  std::string cert_pem;
  std::string key_pem;  // SEC1 "EC PRIVATE KEY", as Go writes it
};

// Self-signed when `issuer` is null, else signed by issuer's key with issuer's subject.
absl::StatusOr<KeyCert> GenerateCertificate(const CertSpec& spec, const KeyCert* issuer = nullptr);

// A CRL signed by `issuer` that revokes the certificates in `revoked_pems`.
absl::StatusOr<std::string> GenerateCrl(const KeyCert& issuer,
                                        const std::vector<std::string>& revoked_pems);

}  // namespace etcd::tls
