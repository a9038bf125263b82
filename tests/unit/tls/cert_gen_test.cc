#include "tls/cert_gen.h"

#include <gtest/gtest.h>

#include "tls/openssl_util.h"

namespace etcd::tls {
namespace {

TEST(CertGen, SelfSignedLikeEtcdAutoTls) {
  CertSpec spec;
  spec.hosts = {"127.0.0.1", "node1.example"};
  auto kc = GenerateCertificate(spec);
  ASSERT_TRUE(kc.ok()) << kc.status();
  EXPECT_NE(kc->key_pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  auto certs = ParseCertificates(kc->cert_pem);
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 1u);
  X509* c = (*certs)[0].get();
  EXPECT_EQ(CommonName(c), "");
  EXPECT_EQ(X509_check_ip_asc(c, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_host(c, "node1.example", 0, 0, nullptr), 1);
  EVP_PKEY* pub = X509_get0_pubkey(c);
  EXPECT_EQ(EVP_PKEY_get_bits(pub), 521);
  auto key = ParsePrivateKey(kc->key_pem);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(X509_check_private_key(c, key->get()), 1);
  EXPECT_EQ(X509_verify(c, pub), 1);  // self-signed
}

TEST(CertGen, SignedByCa) {
  CertSpec ca;
  ca.common_name = "ca";
  ca.is_ca = true;
  ca.curve = CertSpec::Curve::kP256;
  auto ca_kc = GenerateCertificate(ca);
  ASSERT_TRUE(ca_kc.ok());
  CertSpec leaf;
  leaf.common_name = "m1";
  leaf.curve = CertSpec::Curve::kP256;
  auto leaf_kc = GenerateCertificate(leaf, &*ca_kc);
  ASSERT_TRUE(leaf_kc.ok());
  auto ca_cert = ParseCertificates(ca_kc->cert_pem);
  auto leaf_cert = ParseCertificates(leaf_kc->cert_pem);
  EXPECT_EQ(CommonName((*leaf_cert)[0].get()), "m1");
  EXPECT_EQ(X509_verify((*leaf_cert)[0].get(), X509_get0_pubkey((*ca_cert)[0].get())), 1);
  EXPECT_EQ(X509_check_issued((*ca_cert)[0].get(), (*leaf_cert)[0].get()), X509_V_OK);
}

TEST(CertGen, CrlListsRevokedSerial) {
  CertSpec ca;
  ca.common_name = "ca";
  ca.is_ca = true;
  auto ca_kc = GenerateCertificate(ca);
  CertSpec leaf;
  leaf.common_name = "m1";
  auto leaf_kc = GenerateCertificate(leaf, &*ca_kc);
  auto crl_pem = GenerateCrl(*ca_kc, {leaf_kc->cert_pem});
  ASSERT_TRUE(crl_pem.ok()) << crl_pem.status();
  auto crl = ParseCrl(*crl_pem);
  ASSERT_TRUE(crl.ok());
  auto leaf_cert = ParseCertificates(leaf_kc->cert_pem);
  X509_REVOKED* r = nullptr;
  EXPECT_EQ(X509_CRL_get0_by_cert(crl->get(), &r, (*leaf_cert)[0].get()), 1);
}

}  // namespace
}  // namespace etcd::tls
