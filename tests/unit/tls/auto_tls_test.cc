#include "tls/auto_tls.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>

#include "tls/credentials.h"

namespace etcd::tls {
namespace {

// Real files: the modes are part of the contract (key 0600, directories 0700).
TEST(AutoTls, GeneratesOnceWithEtcdModes) {
  char tmpl[] = "/tmp/auto_tls_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = std::string(tmpl) + "/fixtures/client";
  auto f = EnsureSelfSignedCert(dir, {"127.0.0.1", "localhost"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->generated);
  EXPECT_EQ(f->cert_file, dir + "/cert.pem");
  EXPECT_EQ(f->key_file, dir + "/key.pem");
  struct stat st;
  ASSERT_EQ(stat(f->key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(f->cert_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  TlsOptions o;
  o.cert_file = f->cert_file;
  o.key_file = f->key_file;
  auto creds = LoadCredentials(leveldb::Env::Default(), o);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(X509_check_ip_asc(creds->chain[0].get(), "127.0.0.1", 0), 1);

  auto again = EnsureSelfSignedCert(dir, {"127.0.0.1"});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->generated);  // reused, as etcd reuses fixtures
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace etcd::tls
