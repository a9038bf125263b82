#include "raft/read_only.h"

#include <gtest/gtest.h>

namespace etcd::raft {
namespace {

raftpb::Message Req(const std::string& ctx, uint64_t from = 0) {
  raftpb::Message m;
  m.set_type(raftpb::MSG_READ_INDEX);
  m.set_from(from);
  m.add_entries()->set_data(ctx);
  return m;
}

TEST(ReadOnlyTest, AcksAndAdvanceInOrder) {
  ReadOnly ro(ReadOnlyOption::kSafe);
  EXPECT_EQ(ro.LastPendingRequestCtx(), "");
  ro.AddRequest(5, Req("a"));
  ro.AddRequest(6, Req("b", 2));
  ro.AddRequest(7, Req("c"));
  ro.AddRequest(9, Req("a"));  // duplicate context: ignored
  EXPECT_EQ(ro.PendingCount(), 3u);
  EXPECT_EQ(ro.LastPendingRequestCtx(), "c");

  EXPECT_EQ(ro.RecvAck(1, "zzz"), nullptr);
  const std::set<uint64_t>* acks = ro.RecvAck(1, "b");
  ASSERT_NE(acks, nullptr);
  EXPECT_EQ(acks->size(), 1u);
  acks = ro.RecvAck(3, "b");
  EXPECT_EQ(acks->size(), 2u);

  // Advancing to "b" releases "a" and "b", in order.
  auto rs = ro.Advance("b");
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].index, 5u);
  EXPECT_EQ(rs[0].req.entries(0).data(), "a");
  EXPECT_EQ(rs[1].index, 6u);
  EXPECT_EQ(rs[1].req.from(), 2u);
  EXPECT_EQ(rs[1].acks.size(), 2u);
  EXPECT_EQ(ro.PendingCount(), 1u);
  EXPECT_TRUE(ro.Advance("b").empty());
  EXPECT_EQ(ro.Advance("c").size(), 1u);
  EXPECT_EQ(ro.PendingCount(), 0u);
}

}  // namespace
}  // namespace etcd::raft
