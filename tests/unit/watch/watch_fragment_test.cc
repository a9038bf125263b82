#include "watch/watch_fragment.h"

#include <string>

#include "gtest/gtest.h"

namespace etcd::mvcc {
namespace {

etcdserverpb::WatchResponse Big(int n, size_t value_size) {
  etcdserverpb::WatchResponse r;
  r.mutable_header()->set_revision(26);
  r.mutable_header()->set_cluster_id(99);
  r.set_watch_id(4);
  for (int i = 0; i < n; ++i) {
    auto* e = r.add_events();
    e->set_type(mvccpb::Event::DELETE);
    e->mutable_kv()->set_key("frag/" + std::to_string(i));
    e->mutable_kv()->set_mod_revision(26);
    e->mutable_prev_kv()->set_key("frag/" + std::to_string(i));
    e->mutable_prev_kv()->set_value(std::string(value_size, 'y'));
  }
  return r;
}

// The capture in reference/api.md §3.10: 8 deletes with 300 KB prev_kvs and the default
// 2 MiB threshold arrive as 6 + 2 events.
TEST(WatchFragmentTest, EtcdCaptureShape) {
  const size_t threshold = 1572864 + 512 * 1024;
  auto parts = FragmentWatchResponse(Big(8, 300 * 1024), threshold);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].events_size(), 6);
  EXPECT_EQ(parts[1].events_size(), 2);
  EXPECT_TRUE(parts[0].fragment());
  EXPECT_FALSE(parts[1].fragment());
  for (const auto& p : parts) {
    EXPECT_EQ(p.header().revision(), 26);
    EXPECT_EQ(p.header().cluster_id(), 99u);
    EXPECT_EQ(p.watch_id(), 4);
    EXPECT_LT(p.ByteSizeLong(), threshold);
  }
  EXPECT_EQ(parts[1].events(0).kv().key(), "frag/6");
}

TEST(WatchFragmentTest, SmallOrSingleEventResponsesAreNotSplit) {
  EXPECT_EQ(FragmentWatchResponse(Big(8, 10), 1 << 20).size(), 1u);
  auto one = FragmentWatchResponse(Big(1, 5000), 100);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_FALSE(one[0].fragment());
}

TEST(WatchFragmentTest, OversizedEventsGetOneFragmentEach) {
  auto parts = FragmentWatchResponse(Big(3, 5000), 1000);
  ASSERT_EQ(parts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(parts[i].events_size(), 1);
    EXPECT_EQ(parts[i].fragment(), i < 2);
  }
}

}  // namespace
}  // namespace etcd::mvcc
