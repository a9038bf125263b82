#include "tls/cipher_suites.h"

#include <gtest/gtest.h>

namespace etcd::tls {
namespace {

TEST(CipherSuites, MapsGoNames) {
  auto c = MapCipherSuites({"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_AES_128_GCM_SHA256"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tls12, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(c->tls13, "TLS_AES_128_GCM_SHA256");
}

TEST(CipherSuites, UnknownAndRc4) {
  EXPECT_EQ(std::string(MapCipherSuites({"TLS_NOPE"}).status().message()),
            "--cipher-suites: unexpected TLS cipher suite \"TLS_NOPE\"");
  EXPECT_FALSE(MapCipherSuites({"TLS_RSA_WITH_RC4_128_SHA"}).ok());
}

TEST(CipherSuites, AppliesToContext) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  ASSERT_TRUE(ApplyCipherSuites(ctx, {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}).ok());
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx);
  bool found = false;
  for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
    std::string name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, i));
    if (name == "ECDHE-ECDSA-AES128-GCM-SHA256") found = true;
    EXPECT_NE(name, "ECDHE-RSA-AES256-GCM-SHA384");
  }
  EXPECT_TRUE(found);
  // Only TLS 1.3 names: TLS 1.2 is not offered.
  ASSERT_TRUE(ApplyCipherSuites(ctx, {"TLS_AES_256_GCM_SHA384"}).ok());
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_3_VERSION);
  SSL_CTX_free(ctx);
}

}  // namespace
}  // namespace etcd::tls
