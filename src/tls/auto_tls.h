// --auto-tls / --peer-auto-tls: a self-signed certificate in <data-dir>/fixtures/client
// or <data-dir>/fixtures/peer (cert.pem 0644, key.pem 0600, directories 0700), made as
// etcd's SelfCert makes it (ECDSA P-521, O=etcd, the listen URL hosts as SANs, valid
// one year) and reused as long as both files exist.
//
// Writes real files (POSIX, with the modes above; the Env seam has no file modes).
// Thread safety: free function; do not run two for the same directory at once.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace etcd::tls {

struct AutoTlsFiles {
  std::string cert_file;
  std::string key_file;
  bool generated = false;  // false: existing files were reused
};

absl::StatusOr<AutoTlsFiles> EnsureSelfSignedCert(const std::string& dir,
                                                  const std::vector<std::string>& hosts);

}  // namespace etcd::tls
