// Reading and checking one side's certificate files: the certificate chain, its key,
// the trusted CA bundle and the CRL, through the Env seam (MemEnv in tests). Every
// error names the flag and the file, e.g.
//   --cert-file "/etc/etcd/server.pem": open /etc/etcd/server.pem: no such file or directory
//   --key-file "/k.pem" does not match the certificate in --cert-file "/c.pem" (key values
//   mismatch)
//
// Thread safety: free functions; the returned values are owned by the caller.
#pragma once

#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "tls/openssl_util.h"
#include "tls/tls_options.h"

namespace etcd::tls {

// The raw bytes of the files (empty for files not configured). Comparing two of these
// tells whether anything changed on disk.
struct FileContents {
  std::string cert;
  std::string key;
  std::string ca;
  std::string crl;
  bool operator==(const FileContents&) const = default;
};

struct Credentials {
  std::vector<X509Ptr> chain;  // leaf first; empty when no cert-file is configured
  EvpPkeyPtr key;
  std::vector<X509Ptr> trusted_cas;
  X509CrlPtr crl;  // null: no CRL
};

absl::StatusOr<FileContents> ReadFiles(Env* env, const TlsOptions& options);

// Parses and cross-checks: a certificate and a key are both present and match, the CA
// file holds at least one certificate, the CRL parses.
absl::StatusOr<Credentials> ParseCredentials(const TlsOptions& options, const FileContents& files);

// ReadFiles + ParseCredentials.
absl::StatusOr<Credentials> LoadCredentials(Env* env, const TlsOptions& options);

}  // namespace etcd::tls
