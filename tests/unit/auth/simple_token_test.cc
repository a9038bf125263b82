#include "auth/simple_token.h"

#include <gtest/gtest.h>

namespace etcd::auth {
namespace {

using std::chrono::seconds;

RandomBytesFn Counter() {
  auto n = std::make_shared<unsigned>(0);
  return [n](unsigned char* out, size_t len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<unsigned char>((*n)++);
  };
}

TEST(SimpleTokenTest, PrefixIsSixteenLetters) {
  FakeClock clock;
  SimpleTokenProvider p(&clock, seconds(300));
  std::string a = p.GenPrefix();
  std::string b = p.GenPrefix();
  ASSERT_EQ(a.size(), 16u);
  for (char c : a) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) << c;
  EXPECT_NE(a, b);
}

TEST(SimpleTokenTest, InjectedRandomnessIsUsed) {
  FakeClock clock;
  SimpleTokenProvider p(&clock, seconds(300), Counter());
  EXPECT_EQ(p.GenPrefix(), "abcdefghijklmnop");
}

TEST(SimpleTokenTest, AssignAndInfo) {
  FakeClock clock;
  SimpleTokenProvider p(&clock, seconds(300));
  p.Enable();
  auto t = p.Assign("alice", 3, "cLqCTECWSrmeuYzb", 135);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "cLqCTECWSrmeuYzb.135");
  auto ai = p.Info(*t, 7);
  ASSERT_TRUE(ai.has_value());
  EXPECT_EQ(ai->username, "alice");
  EXPECT_EQ(ai->revision, 7u);  // simple tokens carry the store's current revision
  EXPECT_FALSE(p.Info("cLqCTECWSrmeuYzb.136", 7).has_value());
  EXPECT_FALSE(p.Info("garbage", 7).has_value());
  EXPECT_FALSE(p.Info("a.b.1", 7).has_value());
}

TEST(SimpleTokenTest, ExpiresAfterTtlAndEveryUseRenews) {
  FakeClock clock;
  SimpleTokenProvider p(&clock, seconds(10));
  p.Enable();
  auto t = *p.Assign("u", 1, "abcdefghijklmnop", 5);
  clock.Advance(seconds(9));
  ASSERT_TRUE(p.Info(t, 1).has_value());  // renews to now + 10 s
  clock.Advance(seconds(9));
  ASSERT_TRUE(p.Info(t, 1).has_value());
  clock.Advance(seconds(10));
  EXPECT_FALSE(p.Info(t, 1).has_value());
  EXPECT_EQ(p.TokenCount(), 0u);
}

TEST(SimpleTokenTest, DisableForgetsEverythingAndInvalidateUserForgetsOne) {
  FakeClock clock;
  SimpleTokenProvider p(&clock, seconds(300));
  p.Enable();
  auto a = *p.Assign("a", 1, "aaaaaaaaaaaaaaaa", 1);
  auto b = *p.Assign("b", 1, "bbbbbbbbbbbbbbbb", 2);
  p.InvalidateUser("a");
  EXPECT_FALSE(p.Info(a, 1).has_value());
  EXPECT_TRUE(p.Info(b, 1).has_value());
  p.Disable();
  EXPECT_FALSE(p.Info(b, 1).has_value());
}

TEST(SimpleTokenTest, ParseToken) {
  uint64_t idx = 0;
  EXPECT_TRUE(SimpleTokenProvider::ParseToken("abc.42", &idx));
  EXPECT_EQ(idx, 42u);
  EXPECT_FALSE(SimpleTokenProvider::ParseToken(".42", &idx));
  EXPECT_FALSE(SimpleTokenProvider::ParseToken("abc.", &idx));
  EXPECT_FALSE(SimpleTokenProvider::ParseToken("abc.4x", &idx));
  EXPECT_FALSE(SimpleTokenProvider::ParseToken("abc", &idx));
}

}  // namespace
}  // namespace etcd::auth
