#include "tools/benchmark/keys.h"

#include <gtest/gtest.h>

namespace etcd::benchmark {
namespace {

TEST(KeysTest, GoPutVarint) {
  EXPECT_EQ(GoVarint(0), std::string("\x00", 1));
  EXPECT_EQ(GoVarint(1), "\x02");
  EXPECT_EQ(GoVarint(-1), "\x01");
  EXPECT_EQ(GoVarint(63), "\x7e");
  EXPECT_EQ(GoVarint(64), "\x80\x01");
  EXPECT_EQ(GoVarint(300), "\xd8\x04");
}

TEST(KeysTest, FixedSizeZeroPadded) {
  EXPECT_EQ(VarintKey(0, 8), std::string(8, '\0'));
  EXPECT_EQ(VarintKey(1, 4), std::string("\x02\x00\x00\x00", 4));
  EXPECT_EQ(VarintKey(300, 3), std::string("\xd8\x04\x00", 3));
  EXPECT_EQ(VarintKey(300, 1), "\xd8");  // cut, never longer than asked
  EXPECT_EQ(VarintKey(5, 0), "");
}

TEST(KeysTest, VarintKeyToEqualsVarintKeyAndReusesTheBuffer) {
  std::string out = "previous contents, longer than any key below";
  for (int size : {0, 1, 2, 3, 8, 16}) {
    for (int64_t index : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{64},
                          int64_t{300}, int64_t{1} << 40, INT64_MAX, INT64_MIN}) {
      VarintKeyTo(index, size, &out);
      std::string want(static_cast<size_t>(size), '\0');
      const std::string v = GoVarint(index);
      want.replace(0, std::min(v.size(), want.size()), v, 0, std::min(v.size(), want.size()));
      EXPECT_EQ(out, want) << index << " " << size;
      EXPECT_EQ(VarintKey(index, size), want);
    }
  }
  VarintKeyTo(7, -3, &out);
  EXPECT_EQ(out, "");
}

TEST(KeysTest, RandomBytes) {
  std::mt19937_64 a(1), b(1);
  EXPECT_EQ(RandomBytes(256, &a).size(), 256u);
  std::mt19937_64 c(1);
  EXPECT_EQ(RandomBytes(16, &b), RandomBytes(16, &c));
  EXPECT_EQ(RandomBytes(0, &a), "");
}

}  // namespace
}  // namespace etcd::benchmark
