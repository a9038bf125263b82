#include "tls/openssl_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "absl/strings/str_cat.h"

namespace etcd::tls {
namespace {

BioPtr MemBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioText(BIO* bio) {
  char* p = nullptr;
  long n = BIO_get_mem_data(bio, &p);
  return std::string(p, static_cast<size_t>(n));
}

}  // namespace

std::string TakeOpenSslError(std::string_view fallback) {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return std::string(fallback);
  const char* reason = ERR_reason_error_string(last);
  if (reason != nullptr) return reason;
  char buf[256];
  ERR_error_string_n(last, buf, sizeof buf);
  return buf;
}

absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(std::string_view pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = MemBio(pem);
  ERR_clear_error();
  for (;;) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (x == nullptr) break;
    out.emplace_back(x);
  }
  // Running out of PEM blocks is the normal end; anything else is a broken block.
  unsigned long e = ERR_peek_last_error();
  if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed to parse certificate PEM data: ", TakeOpenSslError()));
  }
  ERR_clear_error();
  return out;
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKey(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return absl::InvalidArgumentError("failed to find any PEM data in key input");
  }
  BioPtr bio = MemBio(pem);
  ERR_clear_error();
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (k == nullptr) {
    unsigned long e = ERR_peek_last_error();
    if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
      ERR_clear_error();
      return absl::InvalidArgumentError("failed to find any PEM data in key input");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("failed to parse private key: ", TakeOpenSslError()));
  }
  return EvpPkeyPtr(k);
}

absl::StatusOr<X509CrlPtr> ParseCrl(std::string_view data) {
  ERR_clear_error();
  BioPtr bio = MemBio(data);
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  if (crl == nullptr) {
    ERR_clear_error();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
    crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(data.size()));
  }
  if (crl == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed to parse CRL (PEM or DER): ", TakeOpenSslError()));
  }
  return X509CrlPtr(crl);
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return BioText(bio.get());
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return BioText(bio.get());
}

std::string CommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (name == nullptr) return "";
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace etcd::tls
