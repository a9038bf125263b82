#include "tls/cert_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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

// The IP and DNS SANs of `cert`, in order, IPs as text.
void Sans(X509* cert, std::vector<std::string>* ips, std::vector<std::string>* dns) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS) {
      const ASN1_STRING* str = n->d.dNSName;
      dns->emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(str)),
                        static_cast<size_t>(ASN1_STRING_length(str)));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* o = n->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(o) == 4 ? AF_INET : AF_INET6;
      if (ASN1_STRING_length(o) != 4 && ASN1_STRING_length(o) != 16) continue;
      if (inet_ntop(family, ASN1_STRING_get0_data(o), buf, sizeof buf) != nullptr)
        ips->push_back(buf);
    }
  }
  GENERAL_NAMES_free(names);
}

// The canonical text of an IP literal ("" when `s` is none).
std::string CanonicalIp(const std::string& s) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, out, sizeof out);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, out, sizeof out);
  return "";
}

std::string GoQuoted(const std::vector<std::string>& v) {
  std::vector<std::string> q;
  for (const auto& s : v) q.push_back(absl::StrCat("\"", s, "\""));
  return absl::StrCat("[", absl::StrJoin(q, " "), "]");
}

}  // namespace

Resolver SystemResolver() {
  return [](const std::string& host) -> absl::StatusOr<std::vector<std::string>> {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res); rc != 0) {
      return absl::NotFoundError(absl::StrCat(
          "lookup ", host, ": ", rc == EAI_NONAME ? "no such host" : gai_strerror(rc)));
    }
    std::vector<std::string> out;
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
      char buf[INET6_ADDRSTRLEN] = {};
      const void* addr =
          a->ai_family == AF_INET
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
      if (inet_ntop(a->ai_family, addr, buf, sizeof buf) != nullptr) out.push_back(buf);
    }
    freeaddrinfo(res);
    return out;
  };
}

absl::Status CheckRemoteSan(X509* leaf, const std::string& remote_ip, const Resolver& resolve) {
  if (leaf == nullptr) return absl::OkStatus();
  std::vector<std::string> ips, dns;
  Sans(leaf, &ips, &dns);
  if (ips.empty() && dns.empty()) return absl::OkStatus();
  const std::string remote = CanonicalIp(remote_ip).empty() ? remote_ip : CanonicalIp(remote_ip);
  if (!ips.empty()) {
    for (const auto& ip : ips) {
      if (CanonicalIp(ip) == remote) return absl::OkStatus();
    }
    if (dns.empty()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "x509: certificate is valid for ", absl::StrJoin(ips, ", "), ", not ", remote_ip));
    }
  }
  std::string lookup_error;
  for (const auto& name : dns) {
    absl::StatusOr<std::vector<std::string>> addrs = resolve(name);
    if (!addrs.ok()) {
      lookup_error = std::string(addrs.status().message());
      continue;
    }
    for (const auto& a : *addrs) {
      if (CanonicalIp(a) == remote) return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat("tls: \"", remote_ip, "\" does not match any of DNSNames ", GoQuoted(dns),
                   lookup_error.empty() ? "" : absl::StrCat(" (", lookup_error, ")")));
}

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
    return absl::PermissionDeniedError(absl::StrCat("certificate revoked (serial ", SerialHex(cert),
                                                    ", CN \"", CommonName(cert), "\")"));
  }
  return absl::OkStatus();
}

absl::Status CertPolicy::CheckLeaf(X509* leaf) const {
  if (leaf == nullptr) return absl::PermissionDeniedError("no certificate presented");
  if (!allowed_cn.empty()) {
    std::string cn = CommonName(leaf);
    if (cn != allowed_cn) {
      return absl::PermissionDeniedError(
          absl::StrCat("CommonName authentication failed (certificate CN \"", cn, "\", allowed \"",
                       allowed_cn, "\")"));
    }
  }
  if (!allowed_hostname.empty() && !CoversHost(leaf, allowed_hostname)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "HostName authentication failed (certificate does not cover \"", allowed_hostname, "\")"));
  }
  return absl::OkStatus();
}

}  // namespace etcd::tls
