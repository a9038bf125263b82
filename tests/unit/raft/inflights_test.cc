#include "raft/inflights.h"

#include <gtest/gtest.h>

namespace etcd::raft {
namespace {

TEST(InflightsTest, AddUntilFull) {
  Inflights in(10);
  for (uint64_t i = 0; i < 10; ++i) {
    EXPECT_FALSE(in.Full());
    in.Add(i);
  }
  EXPECT_TRUE(in.Full());
  EXPECT_EQ(in.Count(), 10u);
}

TEST(InflightsTest, FreeLE) {
  Inflights in(10);
  for (uint64_t i = 0; i < 10; ++i) in.Add(i);
  in.FreeLE(4);
  EXPECT_EQ(in.Count(), 5u);
  in.FreeLE(8);
  EXPECT_EQ(in.Count(), 1u);
  // Wrap around the ring.
  for (uint64_t i = 10; i < 19; ++i) in.Add(i);
  EXPECT_TRUE(in.Full());
  in.FreeLE(3);  // stale: nothing freed
  EXPECT_EQ(in.Count(), 10u);
  in.FreeLE(12);
  EXPECT_EQ(in.Count(), 6u);
  in.FreeLE(100);
  EXPECT_EQ(in.Count(), 0u);
  in.Add(20);
  EXPECT_EQ(in.Count(), 1u);
}

TEST(InflightsTest, FreeFirstOne) {
  Inflights in(10);
  for (uint64_t i = 0; i < 10; ++i) in.Add(i);
  in.FreeFirstOne();
  EXPECT_EQ(in.Count(), 9u);
  EXPECT_FALSE(in.Full());
  in.Reset();
  EXPECT_EQ(in.Count(), 0u);
  in.FreeFirstOne();  // no-op when empty
  EXPECT_EQ(in.Count(), 0u);
}

}  // namespace
}  // namespace etcd::raft
