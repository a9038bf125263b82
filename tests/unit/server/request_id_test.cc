#include "server/request_id.h"

#include <gtest/gtest.h>

#include <set>

namespace etcd::server {
namespace {

TEST(RequestIdGeneratorTest, MemberPrefixAndUniqueIncreasingSuffix) {
  auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000000));
  RequestIdGenerator g(0x8e9e05c52164694dULL, t);
  std::set<uint64_t> seen;
  uint64_t prev = 0;
  for (int i = 0; i < 1000; ++i) {
    uint64_t id = g.Next();
    EXPECT_EQ(id >> 48, 0x694dULL);
    EXPECT_GT(id, prev);
    prev = id;
    EXPECT_TRUE(seen.insert(id).second);
  }
  // A later restart starts past every ID of the earlier life.
  RequestIdGenerator later(0x8e9e05c52164694dULL, t + std::chrono::seconds(1));
  EXPECT_GT(later.Next(), prev);
}

}  // namespace
}  // namespace etcd::server
