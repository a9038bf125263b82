// Small RAII and error helpers over OpenSSL 3 for the tls module: owning pointers for
// the handful of OpenSSL types we use, PEM parsing from memory, and the text of the
// OpenSSL error queue.
//
// Thread safety: free functions without shared state; OpenSSL 3 is thread-safe.
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace etcd::tls {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const { SSL_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using X509CrlPtr = std::unique_ptr<X509_CRL, X509CrlFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

// Takes and clears the thread's OpenSSL error queue: the reason text of the most
// recent error ("key values mismatch"), or `fallback` when the queue is empty.
std::string TakeOpenSslError(std::string_view fallback = "unknown error");

// Every certificate in a PEM text, in order. Empty vector: no certificate found.
// Errors: a PEM block that does not parse.
absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(std::string_view pem);
// The first private key in a PEM text (PKCS#8, PKCS#1 RSA or SEC1 EC).
absl::StatusOr<EvpPkeyPtr> ParsePrivateKey(std::string_view pem);
// A CRL in PEM or DER form.
absl::StatusOr<X509CrlPtr> ParseCrl(std::string_view data);

// PEM text of a certificate / private key (PKCS#8).
std::string ToPem(X509* cert);
std::string ToPem(EVP_PKEY* key);

// The subject's CommonName ("" when it has none).
std::string CommonName(X509* cert);

}  // namespace etcd::tls
