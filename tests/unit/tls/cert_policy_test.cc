#include "tls/cert_policy.h"

#include <gtest/gtest.h>

#include "tls/cert_gen.h"

namespace etcd::tls {
namespace {

X509Ptr Leaf(const std::string& cn, std::vector<std::string> hosts, const KeyCert* issuer,
             KeyCert* out = nullptr) {
  CertSpec s;
  s.common_name = cn;
  s.hosts = std::move(hosts);
  s.curve = CertSpec::Curve::kP256;
  KeyCert kc = *GenerateCertificate(s, issuer);
  if (out != nullptr) *out = kc;
  return std::move((*ParseCertificates(kc.cert_pem))[0]);
}

TEST(CertPolicy, AllowedCn) {
  CertPolicy p;
  p.allowed_cn = "m1";
  EXPECT_TRUE(p.CheckLeaf(Leaf("m1", {}, nullptr).get()).ok());
  absl::Status s = p.CheckLeaf(Leaf("bad", {}, nullptr).get());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(s.message()),
            "CommonName authentication failed (certificate CN \"bad\", allowed \"m1\")");
}

TEST(CertPolicy, AllowedHostname) {
  CertPolicy p;
  p.allowed_hostname = "m1.cluster.example";
  EXPECT_TRUE(p.CheckLeaf(Leaf("x", {"m1.cluster.example"}, nullptr).get()).ok());
  EXPECT_TRUE(p.CheckLeaf(Leaf("x", {"*.cluster.example"}, nullptr).get()).ok());
  EXPECT_EQ(std::string(p.CheckLeaf(Leaf("m1.cluster.example", {"m2.example"}, nullptr).get()).message()),
            "HostName authentication failed (certificate does not cover \"m1.cluster.example\")");
  p.allowed_hostname = "10.0.0.1";
  EXPECT_TRUE(p.CheckLeaf(Leaf("x", {"10.0.0.1"}, nullptr).get()).ok());
  EXPECT_FALSE(p.CheckLeaf(Leaf("x", {"10.0.0.2"}, nullptr).get()).ok());
}

TEST(CertPolicy, Crl) {
  CertSpec ca;
  ca.common_name = "ca";
  ca.is_ca = true;
  ca.curve = CertSpec::Curve::kP256;
  KeyCert ca_kc = *GenerateCertificate(ca);
  KeyCert revoked_kc;
  X509Ptr revoked = Leaf("gone", {}, &ca_kc, &revoked_kc);
  X509Ptr good = Leaf("ok", {}, &ca_kc);
  CertPolicy p;
  p.crl = ShareCrl(std::move(*ParseCrl(*GenerateCrl(ca_kc, {revoked_kc.cert_pem}))));
  EXPECT_TRUE(p.CheckRevoked(good.get()).ok());
  absl::Status s = p.CheckRevoked(revoked.get());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message().rfind("certificate revoked (serial 0x", 0), 0u);
}

TEST(CertPolicy, EmptyAcceptsAll) {
  CertPolicy p;
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(p.CheckLeaf(Leaf("any", {}, nullptr).get()).ok());
  EXPECT_TRUE(p.CheckRevoked(Leaf("any", {}, nullptr).get()).ok());
}

}  // namespace
}  // namespace etcd::tls
