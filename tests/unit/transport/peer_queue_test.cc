#include "transport/peer_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace etcd::transport {
namespace {

raftpb::Message App(uint64_t index, size_t payload = 0) {
  raftpb::Message m;
  m.set_type(raftpb::MSG_APP);
  m.set_to(2);
  m.set_from(1);
  m.set_index(index);
  if (payload > 0) m.add_entries()->set_data(std::string(payload, 'x'));
  return m;
}

TEST(PeerQueueTest, KeepsOrderAndRefusesBeyondCapacity) {
  PeerQueue q(3);
  EXPECT_TRUE(q.Push(App(1)));
  EXPECT_TRUE(q.Push(App(2)));
  EXPECT_TRUE(q.Push(App(3)));
  EXPECT_FALSE(q.Push(App(4)));  // full: dropped
  EXPECT_EQ(q.size(), 3u);
  auto batch = q.PopBatch(10, 1 << 20);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].index(), 1u);
  EXPECT_EQ(batch[1].index(), 2u);
  EXPECT_EQ(batch[2].index(), 3u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_TRUE(q.Push(App(5)));  // room again
}

TEST(PeerQueueTest, BatchRespectsMessageLimit) {
  PeerQueue q(100);
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(q.Push(App(i)));
  auto a = q.PopBatch(4, 1 << 20);
  auto b = q.PopBatch(4, 1 << 20);
  auto c = q.PopBatch(4, 1 << 20);
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(a.front().index(), 1u);
  EXPECT_EQ(b.front().index(), 5u);
  EXPECT_EQ(c.back().index(), 10u);
  EXPECT_TRUE(q.PopBatch(4, 1 << 20).empty());
}

TEST(PeerQueueTest, BatchRespectsByteLimitButAlwaysTakesOne) {
  PeerQueue q(100);
  ASSERT_TRUE(q.Push(App(1, 600)));
  ASSERT_TRUE(q.Push(App(2, 600)));
  ASSERT_TRUE(q.Push(App(3, 5000)));  // larger than the byte limit on its own
  ASSERT_TRUE(q.Push(App(4, 10)));
  size_t one = App(1, 600).ByteSizeLong();
  EXPECT_EQ(q.bytes(), one * 2 + App(3, 5000).ByteSizeLong() + App(4, 10).ByteSizeLong());

  auto a = q.PopBatch(100, 1000);  // 600 + 600 > 1000: one message
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].index(), 1u);
  auto b = q.PopBatch(100, 1000);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].index(), 2u);
  auto c = q.PopBatch(100, 1000);  // oversized message travels alone
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].index(), 3u);
  auto d = q.PopBatch(100, 1000);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].index(), 4u);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(PeerQueueTest, ClearReportsDropped) {
  PeerQueue q(10);
  for (uint64_t i = 1; i <= 7; ++i) ASSERT_TRUE(q.Push(App(i)));
  EXPECT_EQ(q.Clear(), 7u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.Clear(), 0u);
}

TEST(PeerQueueTest, DefaultCapacityMatchesEtcdStreamBuffer) {
  PeerQueue q(4096);
  for (uint64_t i = 0; i < 4096; ++i) ASSERT_TRUE(q.Push(App(i)));
  EXPECT_FALSE(q.Push(App(4096)));
  EXPECT_EQ(q.capacity(), 4096u);
}

}  // namespace
}  // namespace etcd::transport
