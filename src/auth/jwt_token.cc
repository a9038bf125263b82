#include "auth/jwt_token.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_split.h"

namespace etcd::auth {

// ---------------- base64url ----------------

std::string Base64UrlEncode(std::string_view data) {
  if (data.empty()) return "";
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string* out) {
  out->clear();
  if (text.empty()) return true;
  if (text.size() % 4 == 1) return false;
  std::string std_b64(text);
  for (char& c : std_b64) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return false;  // not base64url
    }
  }
  size_t pad = (4 - std_b64.size() % 4) % 4;
  std_b64.append(pad, '=');
  std::string buf(std_b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(std_b64.data()),
                          static_cast<int>(std_b64.size()));
  if (n < 0 || static_cast<size_t>(n) < pad) return false;
  buf.resize(n - pad);
  *out = std::move(buf);
  return true;
}

// ---------------- provider ----------------

namespace {

enum class Family { kRsa, kRsaPss, kEcdsa, kHmac };

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

absl::Status KeyError(const std::string& what) {
  return absl::InvalidArgumentError("auth: jwt: " + what);
}

PkeyPtr ReadPublicKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) return PkeyPtr(k);
  BioPtr bio2(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509* cert = PEM_read_bio_X509(bio2.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) return nullptr;
  PkeyPtr k(X509_get_pubkey(cert));
  X509_free(cert);
  return k;
}

PkeyPtr ReadPrivateKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

struct JwtTokenProvider::Impl {
  std::string alg;
  Family family = Family::kRsa;
  const EVP_MD* md = nullptr;
  size_t ec_bytes = 0;  // ECDSA: bytes of r and of s
  PkeyPtr verify_key;   // public key (or the private key when only it was given)
  PkeyPtr sign_key;     // null: verify only
  std::string hmac_key;
  Clock::Duration ttl{};

  absl::StatusOr<std::string> Sign(std::string_view input) const;
  bool Verify(std::string_view input, std::string_view sig) const;
};

absl::StatusOr<std::string> JwtTokenProvider::Impl::Sign(std::string_view input) const {
  if (family == Family::kHmac) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(md, hmac_key.data(), static_cast<int>(hmac_key.size()),
             reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
             &len) == nullptr) {
      return absl::InternalError("auth: jwt: HMAC failed");
    }
    return std::string(reinterpret_cast<char*>(mac), len);
  }
  if (!sign_key) {
    return absl::FailedPreconditionError("auth: token signing attempted with verify-only key");
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, sign_key.get()) != 1) {
    return absl::InternalError("auth: jwt: sign init failed");
  }
  if (family == Family::kRsaPss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1) {
      return absl::InternalError("auth: jwt: PSS setup failed");
    }
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1) {
    return absl::InternalError("auth: jwt: sign failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     input.size()) != 1) {
    return absl::InternalError("auth: jwt: sign failed");
  }
  sig.resize(len);
  if (family != Family::kEcdsa) return sig;
  // DER ECDSA-Sig-Value -> fixed-size r || s (RFC 7518 §3.4).
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  if (es == nullptr) return absl::InternalError("auth: jwt: bad ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(es, &r, &s);
  std::string raw(2 * ec_bytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  bool ok = BN_bn2binpad(r, out, static_cast<int>(ec_bytes)) > 0 &&
            BN_bn2binpad(s, out + ec_bytes, static_cast<int>(ec_bytes)) > 0;
  ECDSA_SIG_free(es);
  if (!ok) return absl::InternalError("auth: jwt: bad ECDSA signature");
  return raw;
}

bool JwtTokenProvider::Impl::Verify(std::string_view input, std::string_view sig) const {
  if (family == Family::kHmac) {
    auto mac = Sign(input);
    return mac.ok() && mac->size() == sig.size() &&
           CRYPTO_memcmp(mac->data(), sig.data(), sig.size()) == 0;
  }
  std::string der;
  if (family == Family::kEcdsa) {
    if (sig.size() != 2 * ec_bytes) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(raw, static_cast<int>(ec_bytes), nullptr);
    BIGNUM* s = BN_bin2bn(raw + ec_bytes, static_cast<int>(ec_bytes), nullptr);
    if (es == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(es, r, s) != 1) {
      BN_free(r);
      BN_free(s);
      ECDSA_SIG_free(es);
      return false;
    }
    unsigned char* buf = nullptr;
    int n = i2d_ECDSA_SIG(es, &buf);
    ECDSA_SIG_free(es);
    if (n <= 0) return false;
    der.assign(reinterpret_cast<char*>(buf), n);
    OPENSSL_free(buf);
    sig = der;
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, verify_key.get()) != 1) return false;
  if (family == Family::kRsaPss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1) {
      return false;
    }
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

absl::StatusOr<std::unique_ptr<JwtTokenProvider>> JwtTokenProvider::Create(
    const JwtOptions& options, Clock* clock) {
  auto impl = std::make_unique<Impl>();
  const std::string& m = options.sign_method;
  impl->alg = m;
  impl->ttl = options.ttl;
  if (m.size() != 5) return KeyError("unsupported sign method \"" + m + "\"");
  std::string bits = m.substr(2);
  if (bits == "256") {
    impl->md = EVP_sha256();
  } else if (bits == "384") {
    impl->md = EVP_sha384();
  } else if (bits == "512") {
    impl->md = EVP_sha512();
  } else {
    return KeyError("unsupported sign method \"" + m + "\"");
  }
  std::string kind = m.substr(0, 2);
  if (kind == "RS") {
    impl->family = Family::kRsa;
  } else if (kind == "PS") {
    impl->family = Family::kRsaPss;
  } else if (kind == "ES") {
    impl->family = Family::kEcdsa;
  } else if (kind == "HS") {
    impl->family = Family::kHmac;
  } else {
    return KeyError("unsupported sign method \"" + m + "\"");
  }

  if (impl->family == Family::kHmac) {
    if (options.private_key_pem.empty()) return KeyError("missing key (priv-key)");
    impl->hmac_key = options.private_key_pem;
    return std::unique_ptr<JwtTokenProvider>(new JwtTokenProvider(std::move(impl), clock));
  }

  if (!options.private_key_pem.empty()) {
    impl->sign_key = ReadPrivateKey(options.private_key_pem);
    if (!impl->sign_key) return KeyError("cannot parse the private key (priv-key)");
  }
  if (!options.public_key_pem.empty()) {
    impl->verify_key = ReadPublicKey(options.public_key_pem);
    if (!impl->verify_key) return KeyError("cannot parse the public key (pub-key)");
  } else if (impl->sign_key) {
    EVP_PKEY_up_ref(impl->sign_key.get());
    impl->verify_key.reset(impl->sign_key.get());
  } else {
    return KeyError("missing key (pub-key or priv-key)");
  }

  for (EVP_PKEY* k : {impl->verify_key.get(), impl->sign_key.get()}) {
    if (k == nullptr) continue;
    int id = EVP_PKEY_get_base_id(k);
    if (impl->family == Family::kEcdsa) {
      if (id != EVP_PKEY_EC) return KeyError(m + " needs an ECDSA key");
      int key_bits = EVP_PKEY_get_bits(k);
      int want = bits == "256" ? 256 : bits == "384" ? 384 : 521;
      if (key_bits != want) {
        return KeyError(m + " needs a P-" + std::to_string(want) + " key, got " +
                        std::to_string(key_bits) + " bits");
      }
      impl->ec_bytes = (static_cast<size_t>(key_bits) + 7) / 8;
    } else if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS) {
      return KeyError(m + " needs an RSA key");
    }
  }
  return std::unique_ptr<JwtTokenProvider>(new JwtTokenProvider(std::move(impl), clock));
}

JwtTokenProvider::JwtTokenProvider(std::unique_ptr<Impl> impl, Clock* clock)
    : impl_(std::move(impl)), clock_(clock) {}

JwtTokenProvider::~JwtTokenProvider() = default;

bool JwtTokenProvider::VerifyOnly() const {
  return impl_->family != Family::kHmac && !impl_->sign_key;
}

absl::StatusOr<std::string> JwtTokenProvider::SignClaims(const std::string& claims_json) const {
  nlohmann::json header = {{"alg", impl_->alg}, {"typ", "JWT"}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims_json);
  auto sig = impl_->Sign(input);
  if (!sig.ok()) return sig.status();
  return input + "." + Base64UrlEncode(*sig);
}

absl::StatusOr<std::string> JwtTokenProvider::Assign(std::string_view username, uint64_t revision,
                                                     std::string_view, uint64_t) {
  int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(
                    (clock_->WallNow() + impl_->ttl).time_since_epoch())
                    .count();
  nlohmann::json claims = {
      {"exp", exp}, {"revision", revision}, {"username", std::string(username)}};
  return SignClaims(claims.dump());
}

std::optional<AuthInfo> JwtTokenProvider::Info(std::string_view token, uint64_t) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(token.data(), token.size()), '.');
  if (parts.size() != 3) return std::nullopt;
  std::string header_text, claims_text, sig;
  auto sv = [](absl::string_view p) { return std::string_view(p.data(), p.size()); };
  if (!Base64UrlDecode(sv(parts[0]), &header_text) ||
      !Base64UrlDecode(sv(parts[1]), &claims_text) || !Base64UrlDecode(sv(parts[2]), &sig)) {
    return std::nullopt;
  }
  nlohmann::json header = nlohmann::json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string() ||
      header["alg"].get<std::string>() != impl_->alg) {
    return std::nullopt;
  }
  const size_t signed_len = parts[0].size() + 1 + parts[1].size();
  if (!impl_->Verify(token.substr(0, signed_len), sig)) return std::nullopt;
  nlohmann::json claims = nlohmann::json::parse(claims_text, nullptr, false);
  if (!claims.is_object()) return std::nullopt;
  if (claims.contains("exp")) {
    if (!claims["exp"].is_number()) return std::nullopt;
    double exp = claims["exp"].get<double>();
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_->WallNow().time_since_epoch())
            .count();
    if (static_cast<double>(now) > exp) return std::nullopt;
  }
  if (!claims.contains("username") || !claims["username"].is_string()) return std::nullopt;
  if (!claims.contains("revision") || !claims["revision"].is_number()) return std::nullopt;
  double rev = claims["revision"].get<double>();
  if (rev < 0) return std::nullopt;
  return AuthInfo{claims["username"].get<std::string>(), static_cast<uint64_t>(rev)};
}

}  // namespace etcd::auth
