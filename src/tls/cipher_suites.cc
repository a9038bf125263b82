#include "tls/cipher_suites.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "tls/openssl_util.h"

namespace etcd::tls {
namespace {

struct Suite {
  const char* openssl;
  bool tls13;
};

const std::map<std::string, Suite>& Table() {
  static const auto* const t = new std::map<std::string, Suite>{
      {"TLS_RSA_WITH_AES_128_CBC_SHA", {"AES128-SHA", false}},
      {"TLS_RSA_WITH_AES_256_CBC_SHA", {"AES256-SHA", false}},
      {"TLS_RSA_WITH_AES_128_CBC_SHA256", {"AES128-SHA256", false}},
      {"TLS_RSA_WITH_AES_128_GCM_SHA256", {"AES128-GCM-SHA256", false}},
      {"TLS_RSA_WITH_AES_256_GCM_SHA384", {"AES256-GCM-SHA384", false}},
      {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", {"DES-CBC3-SHA", false}},
      {"TLS_RSA_WITH_RC4_128_SHA", {nullptr, false}},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", {"ECDHE-ECDSA-AES128-SHA", false}},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", {"ECDHE-ECDSA-AES256-SHA", false}},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", {"ECDHE-ECDSA-AES128-SHA256", false}},
      {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", {"ECDHE-ECDSA-AES128-GCM-SHA256", false}},
      {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", {"ECDHE-ECDSA-AES256-GCM-SHA384", false}},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", {"ECDHE-ECDSA-CHACHA20-POLY1305", false}},
      {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", {"ECDHE-ECDSA-CHACHA20-POLY1305", false}},
      {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", {nullptr, false}},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", {"ECDHE-RSA-AES128-SHA", false}},
      {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", {"ECDHE-RSA-AES256-SHA", false}},
      {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", {"ECDHE-RSA-AES128-SHA256", false}},
      {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", {"ECDHE-RSA-AES128-GCM-SHA256", false}},
      {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", {"ECDHE-RSA-AES256-GCM-SHA384", false}},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", {"ECDHE-RSA-CHACHA20-POLY1305", false}},
      {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", {"ECDHE-RSA-CHACHA20-POLY1305", false}},
      {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", {"ECDHE-RSA-DES-CBC3-SHA", false}},
      {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", {nullptr, false}},
      {"TLS_AES_128_GCM_SHA256", {"TLS_AES_128_GCM_SHA256", true}},
      {"TLS_AES_256_GCM_SHA384", {"TLS_AES_256_GCM_SHA384", true}},
      {"TLS_CHACHA20_POLY1305_SHA256", {"TLS_CHACHA20_POLY1305_SHA256", true}},
  };
  return *t;
}

}  // namespace

absl::StatusOr<OpenSslCiphers> MapCipherSuites(const std::vector<std::string>& go_names) {
  OpenSslCiphers out;
  for (const std::string& name : go_names) {
    auto it = Table().find(name);
    if (it == Table().end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--cipher-suites: unexpected TLS cipher suite \"", name, "\""));
    }
    if (it->second.openssl == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--cipher-suites: ", name, " (RC4) is not available in this build's OpenSSL"));
    }
    std::string& list = it->second.tls13 ? out.tls13 : out.tls12;
    if (!list.empty()) list += ":";
    list += it->second.openssl;
  }
  return out;
}

absl::Status ApplyCipherSuites(SSL_CTX* ctx, const std::vector<std::string>& go_names) {
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (go_names.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(OpenSslCiphers c, MapCipherSuites(go_names));
  ERR_clear_error();
  if (c.tls12.empty()) {
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  } else if (SSL_CTX_set_cipher_list(ctx, c.tls12.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cipher-suites: OpenSSL refused \"", c.tls12, "\": ", TakeOpenSslError()));
  }
  if (!c.tls13.empty() && SSL_CTX_set_ciphersuites(ctx, c.tls13.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cipher-suites: OpenSSL refused \"", c.tls13, "\": ", TakeOpenSslError()));
  }
  return absl::OkStatus();
}

}  // namespace etcd::tls
