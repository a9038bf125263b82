// The client port's OpenSSL server context (SSL_CTX) built from --cert-file,
// --key-file, --trusted-ca-file, --client-cert-auth, --client-crl-file,
// --client-cert-allowed-hostname and --cipher-suites, re-built when the files change
// on disk: Get() re-reads them (a few KB, once per new connection, as etcd re-reads its
// key pair on every handshake) and, when their bytes differ from the ones in use,
// builds a new context. New handshakes use it; established connections keep theirs. A
// change that does not load (a half-written rotation, a key that no longer matches)
// keeps the previous context and is reported once per distinct error.
//
// Also the per-connection helpers the front door uses after a handshake: the ALPN
// protocol, the verified client certificate's CN, and the reason of a failure.
//
// Thread safety: ServerTlsContext is thread-safe (one mutex around the cached context;
// file reads happen under it, they are small). SSL_CTX objects are shared read-only.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/env.h"
#include "common/status.h"
#include "tls/credentials.h"
#include "tls/tls_options.h"

namespace etcd::tls {

class ServerTlsContext {
 public:
  // Loads the files now; errors name the flag and the file. Requires a cert/key pair.
  static absl::StatusOr<std::unique_ptr<ServerTlsContext>> Create(Env* env,
                                                                  const TlsOptions& options);

  struct Current {
    std::shared_ptr<SSL_CTX> ctx;  // never null
    absl::Status reload_error;     // set once when a changed file set failed to load
    bool reloaded = false;         // this call switched to new files
  };
  Current Get();

  const TlsOptions& options() const { return options_; }
  uint64_t generation() const;  // 1 + successful reloads

 private:
  ServerTlsContext(Env* env, const TlsOptions& options) : env_(env), options_(options) {}

  Env* const env_;
  const TlsOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<SSL_CTX> ctx_ ABSL_GUARDED_BY(mu_);
  FileContents files_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

// Builds a server SSL_CTX from parsed credentials (exposed for tests).
absl::StatusOr<std::shared_ptr<SSL_CTX>> BuildServerContext(const TlsOptions& options,
                                                            Credentials credentials);

// After a successful handshake: the ALPN protocol chosen ("h2", "http/1.1" or "").
std::string AlpnProtocol(SSL* ssl);
// The CN of the client certificate, when one was presented and verified ("" else).
std::string VerifiedCommonName(SSL* ssl);
// Where the verify callback writes the reason of a policy refusal (CN, hostname, CRL)
// for this connection; `sink` must outlive the handshake.
void SetFailureSink(SSL* ssl, std::string* sink);
// The reason of a failed handshake in words: the policy refusal, else the certificate
// verification error, else OpenSSL's error ("http request" becomes Go's "first record
// does not look like a TLS handshake"). Consumes the thread's OpenSSL error queue.
std::string HandshakeFailureReason(SSL* ssl, int ssl_error, const std::string& policy_reason);

}  // namespace etcd::tls
