// Replication across members (src/server/cluster_peer.cc): several EtcdServer on one
// MemEnv and FakeClock joined by testutil::MemNetwork (tests/unit/server/test_cluster.h).
// Writes and reads through followers, minority partitions, and a member that missed
// more than the leader keeps of its log catching up by a snapshot carrying the backend.
#include <gtest/gtest.h>

#include <string>

#include "common/errors.h"
#include "server/etcd_server.h"
#include "test_cluster.h"

namespace etcd::server {
namespace {

using testing::Call;
using testing::TestCluster;

absl::StatusOr<etcdserverpb::HashKVResponse> HashKV(EtcdServer* s) {
  return Call<etcdserverpb::HashKVResponse>([&](auto done) { s->HashKV({}, {}, done); });
}

// Every running member of `c` (indexes `members`) reports the same revision and hash.
void ExpectSameState(TestCluster& c, const std::vector<int>& members) {
  ASSERT_TRUE(c.WaitConverged());
  auto ref = HashKV(c.S(members[0]));
  ASSERT_TRUE(ref.ok()) << ref.status();
  for (int i : members) {
    auto h = HashKV(c.S(i));
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->header().revision(), ref->header().revision()) << "member " << i;
    EXPECT_EQ(h->hash(), ref->hash()) << "member " << i;
  }
}

TEST(ClusterPeerTest, WritesAndReadsThroughEveryMember) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitReady());
  int l = c.Leader();
  ASSERT_GE(l, 0);
  for (int i = 0; i < 3; ++i) {
    auto p = c.Put(i, "k" + std::to_string(i), "v" + std::to_string(i));
    ASSERT_TRUE(p.ok()) << "put through member " << i << ": " << p.status();
  }
  // Linearizable reads on followers see every acknowledged write at once.
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 3; ++k) {
      auto g = c.Get(i, "k" + std::to_string(k), /*serializable=*/false);
      ASSERT_TRUE(g.ok()) << g.status();
      ASSERT_EQ(g->kvs_size(), 1) << "member " << i << " key " << k;
      EXPECT_EQ(g->kvs(0).value(), "v" + std::to_string(k));
    }
  }
  EXPECT_GT(c.S((l + 1) % 3)->ReadIndexRequests(), 0u);
  ExpectSameState(c, {0, 1, 2});
}

TEST(ClusterPeerTest, MinorityCannotCommitAndHealedMemberConverges) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitReady());
  int l = c.Leader();
  int f = (l + 1) % 3;
  c.net().Isolate(c.Id(f));
  // The isolated follower's write cannot commit: it fails (timeout) once its wait
  // expires, while the majority keeps committing.
  etcdserverpb::PutRequest req;
  req.set_key("minority");
  req.set_value("x");
  auto minority =
      c.CallTicking<etcdserverpb::PutResponse>([&](auto done) { c.S(f)->Put({}, req, done); });
  EXPECT_FALSE(minority.ok());
  auto maj = c.Put(l, "majority", "y");
  ASSERT_TRUE(maj.ok()) << maj.status();
  c.net().HealAll();
  ExpectSameState(c, {0, 1, 2});
  auto g = c.Get(f, "majority", /*serializable=*/true);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->kvs_size(), 1);
}

TEST(ClusterPeerTest, FarBehindMemberCatchesUpBySnapshot) {
  TestCluster c(3, [](int, config::ServerConfig* cfg) { cfg->snapshot_count = 20; });
  c.StartAll();
  ASSERT_TRUE(c.WaitReady());
  int l = c.Leader();
  int d = (l + 1) % 3;
  ASSERT_TRUE(c.Put(l, "early", "e").ok());
  ASSERT_TRUE(c.WaitConverged());
  c.Kill(d);
  // 10x the snapshot count: the leader keeps only snapshot_count entries behind its
  // newest snapshot, so the log alone cannot bring the member back.
  for (int k = 0; k < 200; ++k) {
    ASSERT_TRUE(c.Put(l, "bulk" + std::to_string(k), std::to_string(k)).ok());
  }
  ASSERT_GT(c.S(l)->SnapshotIndex(), 150u);
  ASSERT_TRUE(c.Start(d).ok());
  ExpectSameState(c, {0, 1, 2});
  EXPECT_GE(c.S(d)->SnapshotIndex(), c.S(l)->SnapshotIndex() - 20);
  auto g = c.Get(d, "bulk199", /*serializable=*/true);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->kvs_size(), 1);
  EXPECT_EQ(g->kvs(0).value(), "199");
  // It keeps applying after the install, and restarts from the installed state.
  ASSERT_TRUE(c.Put(d, "after", "a").ok());
  c.Stop(d);
  ASSERT_TRUE(c.Start(d).ok());
  ExpectSameState(c, {0, 1, 2});
}

}  // namespace
}  // namespace etcd::server
