#include "tls/credentials.h"

#include <gtest/gtest.h>

#include "test_certs.h"

namespace etcd::tls {
namespace {

using testing::TestPki;
using testing::WriteFile;

class CredentialsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new TestPki(TestPki::Make()); }
  void SetUp() override {
    env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    WriteFile(env_.get(), "/s.pem", pki_->server.cert_pem);
    WriteFile(env_.get(), "/s-key.pem", pki_->server.key_pem);
    WriteFile(env_.get(), "/c-key.pem", pki_->client.key_pem);
    WriteFile(env_.get(), "/ca.pem", pki_->ca.cert_pem);
    WriteFile(env_.get(), "/junk", "not a pem file\n");
  }
  TlsOptions Options(Side side = Side::kClient) {
    TlsOptions o;
    o.side = side;
    o.cert_file = "/s.pem";
    o.key_file = "/s-key.pem";
    o.trusted_ca_file = "/ca.pem";
    return o;
  }
  static TestPki* pki_;
  std::unique_ptr<leveldb::Env> env_;
};
TestPki* CredentialsTest::pki_ = nullptr;

TEST_F(CredentialsTest, LoadsAll) {
  auto c = LoadCredentials(env_.get(), Options());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->chain.size(), 1u);
  EXPECT_NE(c->key, nullptr);
  EXPECT_EQ(c->trusted_cas.size(), 1u);
  EXPECT_EQ(c->crl, nullptr);
}

TEST_F(CredentialsTest, MissingFileNamesFlagAndFile) {
  TlsOptions o = Options();
  o.cert_file = "/nope.pem";
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--cert-file \"/nope.pem\": open /nope.pem: no such file or directory");
  o = Options(Side::kPeer);
  o.key_file = "/nokey.pem";
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--peer-key-file \"/nokey.pem\": open /nokey.pem: no such file or directory");
  o = Options(Side::kPeer);
  o.crl_file = "/nocrl";
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--peer-crl-file \"/nocrl\": open /nocrl: no such file or directory");
  o = Options();
  o.trusted_ca_file = "/noca";
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--trusted-ca-file \"/noca\": open /noca: no such file or directory");
}

TEST_F(CredentialsTest, NotPem) {
  TlsOptions o = Options();
  o.cert_file = "/junk";
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--cert-file \"/junk\": no certificate (PEM \"CERTIFICATE\" block) found");
  o = Options();
  o.key_file = "/junk";
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--key-file \"/junk\": failed to find any PEM data in key input");
  o = Options();
  o.trusted_ca_file = "/junk";
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--trusted-ca-file \"/junk\": no certificate (PEM \"CERTIFICATE\" block) found");
  o = Options();
  o.crl_file = "/junk";
  EXPECT_NE(LoadCredentials(env_.get(), o).status().message().find("--client-crl-file \"/junk\""),
            std::string::npos);
}

TEST_F(CredentialsTest, MismatchedKey) {
  TlsOptions o = Options();
  o.key_file = "/c-key.pem";
  std::string msg(LoadCredentials(env_.get(), o).status().message());
  EXPECT_EQ(msg.rfind("--key-file \"/c-key.pem\" does not match the certificate in --cert-file "
                      "\"/s.pem\" (",
                      0),
            0u)
      << msg;
}

TEST_F(CredentialsTest, CertWithoutKey) {
  TlsOptions o = Options();
  o.key_file.clear();
  EXPECT_EQ(std::string(LoadCredentials(env_.get(), o).status().message()),
            "--cert-file and --key-file must be given together");
}

TEST_F(CredentialsTest, FileContentsCompare) {
  auto a = ReadFiles(env_.get(), Options());
  auto b = ReadFiles(env_.get(), Options());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  WriteFile(env_.get(), "/s.pem", pki_->client.cert_pem);
  auto c = ReadFiles(env_.get(), Options());
  EXPECT_FALSE(*a == *c);
}

}  // namespace
}  // namespace etcd::tls
