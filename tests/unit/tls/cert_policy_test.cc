#include "tls/cert_policy.h"

#include <gtest/gtest.h>

#include <map>

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
  EXPECT_EQ(
      std::string(p.CheckLeaf(Leaf("m1.cluster.example", {"m2.example"}, nullptr).get()).message()),
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

// A resolver from a table (no DNS in unit tests).
Resolver Table(std::map<std::string, std::vector<std::string>> t) {
  return [t](const std::string& host) -> absl::StatusOr<std::vector<std::string>> {
    auto it = t.find(host);
    if (it == t.end()) return absl::NotFoundError("lookup " + host + ": no such host");
    return it->second;
  };
}

TEST(RemoteSan, IpSansMustContainTheAddress) {
  X509Ptr c = Leaf("m", {"127.0.0.1", "10.0.0.1"}, nullptr);
  EXPECT_TRUE(CheckRemoteSan(c.get(), "10.0.0.1", Table({})).ok());
  absl::Status s = CheckRemoteSan(c.get(), "10.0.0.2", Table({}));
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(std::string(s.message()),
            "x509: certificate is valid for 127.0.0.1, 10.0.0.1, not 10.0.0.2");
}

TEST(RemoteSan, DnsSansMustResolveToTheAddress) {
  X509Ptr c = Leaf("m", {"client"}, nullptr);
  EXPECT_TRUE(CheckRemoteSan(c.get(), "10.0.0.3", Table({{"client", {"10.0.0.3"}}})).ok());
  absl::Status s = CheckRemoteSan(c.get(), "127.0.0.1", Table({}));
  EXPECT_EQ(std::string(s.message()),
            "tls: \"127.0.0.1\" does not match any of DNSNames [\"client\"] "
            "(lookup client: no such host)");
  // IP SANs that miss, then a DNS name that resolves: accepted (etcd falls back).
  X509Ptr both = Leaf("m", {"10.9.9.9", "m1.example"}, nullptr);
  EXPECT_TRUE(CheckRemoteSan(both.get(), "10.0.0.4", Table({{"m1.example", {"10.0.0.4"}}})).ok());
  EXPECT_FALSE(CheckRemoteSan(both.get(), "10.0.0.5", Table({{"m1.example", {"10.0.0.4"}}})).ok());
}

TEST(RemoteSan, NoSansPassesAndIpv6IsCanonical) {
  EXPECT_TRUE(CheckRemoteSan(Leaf("m", {}, nullptr).get(), "10.0.0.1", Table({})).ok());
  X509Ptr c = Leaf("m", {"::1"}, nullptr);
  EXPECT_TRUE(CheckRemoteSan(c.get(), "0:0:0:0:0:0:0:1", Table({})).ok());
}

}  // namespace
}  // namespace etcd::tls
