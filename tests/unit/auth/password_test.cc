#include "auth/password.h"

#include <gtest/gtest.h>

namespace etcd::auth {
namespace {

TEST(PasswordTest, HashAndVerify) {
  auto h = HashPassword("secret", kMinBcryptCost);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->substr(0, 7), "$2b$04$");
  EXPECT_EQ(h->size(), 60u);
  EXPECT_TRUE(VerifyPassword("secret", *h));
  EXPECT_FALSE(VerifyPassword("Secret", *h));
  EXPECT_FALSE(VerifyPassword("", *h));
}

TEST(PasswordTest, SaltsDiffer) {
  auto a = HashPassword("pw", kMinBcryptCost);
  auto b = HashPassword("pw", kMinBcryptCost);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("pw", *a));
  EXPECT_TRUE(VerifyPassword("pw", *b));
}

TEST(PasswordTest, EmptyPasswordHashes) {
  auto h = HashPassword("", kMinBcryptCost);
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(VerifyPassword("", *h));
  EXPECT_FALSE(VerifyPassword("x", *h));
}

TEST(PasswordTest, VerifiesGoBcrypt2aHash) {
  // Go's bcrypt.GenerateFromPassword([]byte("rootpw"), 4) style "$2a$" hash, made with
  // libxcrypt's $2a$ for the test (same algorithm).
  auto h = HashPassword("rootpw", kMinBcryptCost);
  ASSERT_TRUE(h.ok());
  std::string a = *h;
  a[2] = 'a';
  EXPECT_TRUE(VerifyPassword("rootpw", a));
}

TEST(PasswordTest, RejectsBadCostAndNonBcryptHashes) {
  EXPECT_FALSE(HashPassword("x", 3).ok());
  EXPECT_FALSE(HashPassword("x", 32).ok());
  EXPECT_FALSE(HashPassword(std::string("a\0b", 3), 4).ok());
  EXPECT_FALSE(VerifyPassword("x", ""));
  EXPECT_FALSE(VerifyPassword("x", "plaintext"));
  EXPECT_FALSE(VerifyPassword("x", "$1$abcdefgh$0123456789012345678901"));
}

}  // namespace
}  // namespace etcd::auth
