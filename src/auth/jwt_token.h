// JWT tokens (--auth-token jwt,pub-key=<file>,priv-key=<file>,sign-method=<alg>,ttl=<d>):
// compact JWS "<header>.<claims>.<signature>" (base64url, no padding), header
// {"alg":<alg>,"typ":"JWT"}, claims {"exp":<unix s>,"revision":<auth rev>,
// "username":<name>} as etcd 3.4 issues them. Algorithms: RS256/384/512 (RSA PKCS#1
// v1.5), PS256/384/512 (RSA-PSS, salt = hash length), ES256/384/512 (ECDSA P-256/384/521,
// raw r||s), HS256/384/512 (HMAC keyed with the priv-key file's bytes). All signing and
// verification is OpenSSL EVP; nothing cryptographic is written here.
//
// Without a private key the provider only verifies (Assign fails, as etcd's
// verify-only mode). Tokens are stateless: Enable/Disable/InvalidateUser do nothing; a
// token stays valid until exp, and its revision makes it stale after any auth change.
//
// Thread safety: immutable after Create; thread-safe.
#pragma once

#include <memory>
#include <string>

#include "auth/token_provider.h"
#include "common/clock.h"

namespace etcd::auth {

struct JwtOptions {
  std::string sign_method;      // "RS256", "ES256", "HS256", ...
  std::string public_key_pem;   // PEM text (PUBLIC KEY or a certificate); may be empty
  std::string private_key_pem;  // PEM text (HS*: the raw secret); may be empty
  Clock::Duration ttl = std::chrono::minutes(5);
};

// base64url without padding (RFC 7515 §2), exposed for tests.
std::string Base64UrlEncode(std::string_view data);
bool Base64UrlDecode(std::string_view text, std::string* out);

class JwtTokenProvider final : public TokenProvider {
 public:
  // `clock` (wall time for exp) must outlive the provider.
  static absl::StatusOr<std::unique_ptr<JwtTokenProvider>> Create(const JwtOptions& options,
                                                                  Clock* clock);
  ~JwtTokenProvider() override;

  void Enable() override {}
  void Disable() override {}
  std::string GenPrefix() override { return ""; }
  absl::StatusOr<std::string> Assign(std::string_view username, uint64_t revision,
                                     std::string_view prefix, uint64_t index) override;
  std::optional<AuthInfo> Info(std::string_view token, uint64_t current_revision) override;
  void InvalidateUser(std::string_view) override {}

  bool VerifyOnly() const;

  // Signs arbitrary claims (JSON text) with this provider's key and method (tests).
  absl::StatusOr<std::string> SignClaims(const std::string& claims_json) const;

  struct Impl;

 private:
  explicit JwtTokenProvider(std::unique_ptr<Impl> impl, Clock* clock);
  std::unique_ptr<Impl> impl_;
  Clock* const clock_;
};

}  // namespace etcd::auth
