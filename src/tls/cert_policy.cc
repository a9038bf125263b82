#include "tls/cert_policy.h"

#include <arpa/inet.h>
#include <openssl/bn.h>

#include "absl/strings/str_cat.h"

namespace etcd::tls {
namespace {

std::string SerialHex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) return "?";
  char* hex = BN_bn2hex(bn);
  std::string out = absl::StrCat("0x", hex);
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

bool IsIp(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

std::shared_ptr<X509_CRL> ShareCrl(X509CrlPtr crl) {
  return std::shared_ptr<X509_CRL>(crl.release(), X509_CRL_free);
}

bool CoversHost(X509* cert, const std::string& host) {
  if (IsIp(host)) return X509_check_ip_asc(cert, host.c_str(), 0) == 1;
  return X509_check_host(cert, host.data(), host.size(), X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                         nullptr) == 1;
}

absl::Status CertPolicy::CheckRevoked(X509* cert) const {
  if (crl == nullptr || cert == nullptr) return absl::OkStatus();
  X509_REVOKED* revoked = nullptr;
  if (X509_CRL_get0_by_serial(crl.get(), &revoked,
                              const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(cert))) == 1) {
    return absl::PermissionDeniedError(absl::StrCat(
        "certificate revoked (serial ", SerialHex(cert), ", CN \"", CommonName(cert), "\")"));
  }
  return absl::OkStatus();
}

absl::Status CertPolicy::CheckLeaf(X509* leaf) const {
  if (leaf == nullptr) return absl::PermissionDeniedError("no certificate presented");
  if (!allowed_cn.empty()) {
    std::string cn = CommonName(leaf);
    if (cn != allowed_cn) {
      return absl::PermissionDeniedError(absl::StrCat("CommonName authentication failed (certificate CN \"",
                                                      cn, "\", allowed \"", allowed_cn, "\")"));
    }
  }
  if (!allowed_hostname.empty() && !CoversHost(leaf, allowed_hostname)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "HostName authentication failed (certificate does not cover \"", allowed_hostname, "\")"));
  }
  return absl::OkStatus();
}

}  // namespace etcd::tls
