// --cipher-suites: Go's crypto/tls suite names mapped onto OpenSSL's. TLS 1.2 suites
// go to the cipher list; TLS 1.3 names (TLS_AES_128_GCM_SHA256, ...) to the TLS 1.3
// suite list. As in Go, when no TLS 1.3 name is listed TLS 1.3 keeps all its suites
// (Go does not let TLS 1.3 suites be configured); when only TLS 1.3 names are listed,
// TLS 1.2 is not offered.
//
// Thread safety: pure functions.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace etcd::tls {

struct OpenSslCiphers {
  std::string tls12;  // OpenSSL cipher list ("" when none listed)
  std::string tls13;  // OpenSSL TLS 1.3 suites ("" when none listed)
};

// InvalidArgument naming --cipher-suites for an unknown name or one OpenSSL 3 cannot
// offer (RC4).
absl::StatusOr<OpenSslCiphers> MapCipherSuites(const std::vector<std::string>& go_names);

// Applies the mapping to `ctx` (and TLS 1.2 as the minimum version in every case).
absl::Status ApplyCipherSuites(SSL_CTX* ctx, const std::vector<std::string>& go_names);

}  // namespace etcd::tls
