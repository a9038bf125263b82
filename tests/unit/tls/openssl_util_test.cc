#include "tls/openssl_util.h"

#include <gtest/gtest.h>

#include "tls/cert_gen.h"

namespace etcd::tls {
namespace {

TEST(OpenSslUtil, ParsesChainInOrder) {
  CertSpec a;
  a.common_name = "a";
  a.curve = CertSpec::Curve::kP256;
  CertSpec b = a;
  b.common_name = "b";
  std::string pem = GenerateCertificate(a)->cert_pem + GenerateCertificate(b)->cert_pem;
  auto certs = ParseCertificates(pem);
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ(CommonName((*certs)[0].get()), "a");
  EXPECT_EQ(CommonName((*certs)[1].get()), "b");
}

TEST(OpenSslUtil, NoPemIsEmptyNotError) {
  auto certs = ParseCertificates("hello");
  ASSERT_TRUE(certs.ok());
  EXPECT_TRUE(certs->empty());
}

TEST(OpenSslUtil, BrokenPemBlockIsError) {
  auto certs = ParseCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_FALSE(certs.ok());
}

TEST(OpenSslUtil, KeyErrors) {
  EXPECT_EQ(std::string(ParsePrivateKey("nothing").status().message()),
            "failed to find any PEM data in key input");
  EXPECT_FALSE(
      ParsePrivateKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
}

TEST(OpenSslUtil, CrlErrors) { EXPECT_FALSE(ParseCrl("garbage").ok()); }

}  // namespace
}  // namespace etcd::tls
