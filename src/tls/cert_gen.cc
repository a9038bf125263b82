#include "tls/cert_gen.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "tls/openssl_util.h"

namespace etcd::tls {
namespace {

bool IsIp(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

absl::Status Fail(std::string_view what) {
  return absl::InternalError(absl::StrCat(std::string(what), ": ", TakeOpenSslError()));
}

absl::Status AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return Fail(absl::StrCat("certificate extension ", value));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return absl::OkStatus();
}

std::string SecOnePem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // "EC PRIVATE KEY" (SEC1), as Go's x509.MarshalECPrivateKey + pem.Encode write it.
  PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* p = nullptr;
  long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(n));
}

}  // namespace

absl::StatusOr<KeyCert> GenerateCertificate(const CertSpec& spec, const KeyCert* issuer) {
  EvpPkeyPtr key(EVP_EC_gen(spec.curve == CertSpec::Curve::kP521 ? "P-521" : "P-256"));
  if (key == nullptr) return Fail("generate EC key");

  X509Ptr issuer_cert;
  EvpPkeyPtr issuer_key;
  if (issuer != nullptr) {
    ASSIGN_OR_RETURN(auto certs, ParseCertificates(issuer->cert_pem));
    if (certs.empty()) return absl::InvalidArgumentError("issuer certificate: no PEM data");
    issuer_cert = std::move(certs[0]);
    ASSIGN_OR_RETURN(issuer_key, ParsePrivateKey(issuer->key_pem));
  }

  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  // A random 128-bit positive serial, as Go's SelfCert draws it.
  unsigned char serial_bytes[16];
  RAND_bytes(serial_bytes, sizeof serial_bytes);
  serial_bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), int64_t{spec.not_before_offset_days} * 86400);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  int64_t{spec.not_before_offset_days + spec.valid_days} * 86400);
  X509_set_pubkey(cert.get(), key.get());

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!spec.organization.empty()) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.organization.c_str()),
                               -1, -1, 0);
  }
  if (!spec.common_name.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                               -1, 0);
  }
  X509_set_issuer_name(cert.get(), issuer_cert ? X509_get_subject_name(issuer_cert.get()) : name);

  X509* signer = issuer_cert ? issuer_cert.get() : cert.get();
  if (spec.is_ca) {
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE"));
    RETURN_IF_ERROR(
        AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"));
  } else {
    RETURN_IF_ERROR(
        AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment"));
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_ext_key_usage,
                           spec.client_auth ? "serverAuth,clientAuth" : "serverAuth"));
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE"));
  }
  if (!spec.hosts.empty()) {
    std::string san;
    for (const std::string& h : spec.hosts) {
      if (!san.empty()) san += ",";
      san += IsIp(h) ? "IP:" : "DNS:";
      san += h;
    }
    RETURN_IF_ERROR(AddExt(cert.get(), signer, NID_subject_alt_name, san));
  }
  EVP_PKEY* sign_key = issuer_key ? issuer_key.get() : key.get();
  if (X509_sign(cert.get(), sign_key, EVP_sha512()) == 0) return Fail("sign certificate");

  KeyCert out;
  out.cert_pem = ToPem(cert.get());
  out.key_pem = SecOnePem(key.get());
  return out;
}

absl::StatusOr<std::string> GenerateCrl(const KeyCert& issuer,
                                        const std::vector<std::string>& revoked_pems) {
  ASSIGN_OR_RETURN(auto issuer_certs, ParseCertificates(issuer.cert_pem));
  if (issuer_certs.empty()) return absl::InvalidArgumentError("issuer certificate: no PEM data");
  ASSIGN_OR_RETURN(EvpPkeyPtr issuer_key, ParsePrivateKey(issuer.key_pem));
  X509CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer_certs[0].get()));
  ASN1_TIME* now = ASN1_TIME_adj(nullptr, time(nullptr), 0, 0);
  ASN1_TIME* next = ASN1_TIME_adj(nullptr, time(nullptr), 30, 0);
  X509_CRL_set1_lastUpdate(crl.get(), now);
  X509_CRL_set1_nextUpdate(crl.get(), next);
  for (const std::string& pem : revoked_pems) {
    ASSIGN_OR_RETURN(auto certs, ParseCertificates(pem));
    if (certs.empty()) return absl::InvalidArgumentError("revoked certificate: no PEM data");
    X509_REVOKED* r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(certs[0].get()));
    X509_REVOKED_set_revocationDate(r, now);
    X509_CRL_add0_revoked(crl.get(), r);
  }
  ASN1_TIME_free(now);
  ASN1_TIME_free(next);
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), issuer_key.get(), EVP_sha256()) == 0) return Fail("sign CRL");
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_CRL(bio.get(), crl.get());
  char* p = nullptr;
  long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(n));
}

}  // namespace etcd::tls
