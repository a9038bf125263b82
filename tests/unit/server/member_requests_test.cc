// The Cluster API and MoveLeader on in-process clusters (TestCluster: EtcdServer
// members on a MemEnv, a FakeClock and a MemNetwork): etcd 3.4's rules and errors.
#include <gtest/gtest.h>

#include "common/errors.h"
#include "server/etcd_server.h"
#include "test_cluster.h"

namespace etcd::server {
namespace {

using testing::TestCluster;

bool Has(const absl::Status& s, errors::Err e) { return errors::Is(s, e); }

template <typename Resp>
const etcdserverpb::Member* FindMember(const Resp& r, uint64_t id) {
  for (const auto& m : r.members()) {
    if (m.id() == id) return &m;
  }
  return nullptr;
}

// Moves fake time past the peer health interval (5 s) so strict checks see peers.
void PassHealthInterval(TestCluster& c) {
  auto until = c.clock().Now() + std::chrono::seconds(6);
  ASSERT_TRUE(c.WaitUntil([&] { return c.clock().Now() >= until; }, 100));
}

// Adds member `i` as a learner through `via`, starts it with
// --initial-cluster-state existing and waits until it caught up.
void AddAndStartLearner(TestCluster& c, int via, int i) {
  auto a = c.Add(via, TestCluster::PeerUrl(i), /*learner=*/true);
  ASSERT_TRUE(a.ok()) << a.status();
  c.SetId(i, a->member().id());
  c.SetFetch(c.FetchFrom(via));
  auto started = c.StartWith(i, c.Config(i, /*existing=*/true));
  ASSERT_TRUE(started.ok()) << started;
  ASSERT_TRUE(c.WaitUntil([&] { return c.S(i)->IsReady(); }));
  ASSERT_TRUE(c.WaitConverged());
}

TEST(MemberRequestsTest, ThreeMembersAgreeOnTheMemberList) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.S(i)->MemberId(), TestCluster::IdFor(i));
    auto l = c.List(i);
    ASSERT_TRUE(l.ok()) << l.status();
    ASSERT_EQ(l->members_size(), 3);
    EXPECT_EQ(l->header().cluster_id(), c.S(0)->ClusterId());
    for (int j = 0; j < 3; ++j) {
      const auto* m = FindMember(*l, TestCluster::IdFor(j));
      ASSERT_NE(m, nullptr);
      EXPECT_EQ(m->name(), TestCluster::Name(j));
      EXPECT_EQ(m->peerurls(0), TestCluster::PeerUrl(j));
      EXPECT_FALSE(m->islearner());
    }
    // Every member told its transport about the other two.
    EXPECT_EQ(c.net().Peers(c.S(i)->MemberId()).size(), 2u);
  }
}

TEST(MemberRequestsTest, LearnerJoinsServesOnlySerializableReadsAndIsPromoted) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  ASSERT_TRUE(c.Put(l, "k", "v").ok());

  auto a = c.Add(l, TestCluster::PeerUrl(3), /*learner=*/true);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->member().islearner());
  EXPECT_EQ(a->member().name(), "");
  EXPECT_EQ(a->member().peerurls(0), TestCluster::PeerUrl(3));
  EXPECT_EQ(a->members_size(), 4);
  const uint64_t lid = a->member().id();
  // Runtime IDs mix in the time: not the bootstrap ID of the same URL.
  EXPECT_NE(lid, TestCluster::IdFor(3));

  // Not started: not in sync.
  auto early = c.Promote(l, lid);
  EXPECT_TRUE(Has(early.status(), errors::Err::kLearnerNotReady)) << early.status();
  // A second learner is one too many (etcd 3.4 allows one).
  auto second = c.Add(l, TestCluster::PeerUrl(4), /*learner=*/true);
  EXPECT_TRUE(Has(second.status(), errors::Err::kTooManyLearners)) << second.status();

  c.SetId(3, lid);
  ASSERT_TRUE(c.WaitConverged());  // the follower asked below knows the learner
  c.SetFetch(c.FetchFrom((l + 1) % 3));
  auto started = c.StartWith(3, c.Config(3, /*existing=*/true));
  ASSERT_TRUE(started.ok()) << started;
  EXPECT_TRUE(c.S(3)->IsLearner());
  EXPECT_EQ(c.S(3)->MemberId(), lid);
  EXPECT_EQ(c.S(3)->ClusterId(), c.S(0)->ClusterId());
  ASSERT_TRUE(c.WaitUntil([&] { return c.S(3)->IsReady(); }));
  ASSERT_TRUE(c.WaitConverged());

  // Learner restrictions (etcd's isRPCSupportedForLearner: Status, serializable Range).
  auto put = c.Put(3, "k", "w");
  EXPECT_TRUE(Has(put.status(), errors::Err::kLearnerNotSupported)) << put.status();
  auto lin = c.Get(3, "k", /*serializable=*/false);
  EXPECT_TRUE(Has(lin.status(), errors::Err::kLearnerNotSupported)) << lin.status();
  auto list = c.List(3);
  EXPECT_TRUE(Has(list.status(), errors::Err::kLearnerNotSupported)) << list.status();
  auto ser = c.Get(3, "k", /*serializable=*/true);
  ASSERT_TRUE(ser.ok()) << ser.status();
  ASSERT_EQ(ser->kvs_size(), 1);
  EXPECT_EQ(ser->kvs(0).value(), "v");
  auto st = c.Status(3);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_TRUE(st->islearner());
  EXPECT_EQ(st->leader(), c.S(l)->MemberId());
  // The learner's name is published like any member's.
  auto ll = c.List(l);
  ASSERT_TRUE(ll.ok());
  ASSERT_NE(FindMember(*ll, lid), nullptr);
  EXPECT_EQ(FindMember(*ll, lid)->name(), "m3");
  // It cannot be made leader.
  auto ml = c.MoveLeader(l, lid);
  EXPECT_TRUE(Has(ml.status(), errors::Err::kBadLeaderTransferee)) << ml.status();

  // Promote through a follower: forwarded to the leader, which checks the progress
  // (the leader learns the learner's match index from its append responses: retry as
  // an operator would while it says "not in sync").
  int f = (l + 1) % 3;
  absl::StatusOr<etcdserverpb::MemberPromoteResponse> p;
  ASSERT_TRUE(c.WaitUntil(
      [&] {
        p = c.Promote(f, lid);
        return !Has(p.status(), errors::Err::kLearnerNotReady);
      },
      50));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_NE(FindMember(*p, lid), nullptr);
  EXPECT_FALSE(FindMember(*p, lid)->islearner());
  ASSERT_TRUE(c.WaitConverged());
  EXPECT_FALSE(c.S(3)->IsLearner());
  for (int i = 0; i < 4; ++i) {
    auto li = c.List(i);
    ASSERT_TRUE(li.ok()) << i << " " << li.status();
    EXPECT_EQ(li->members_size(), 4);
    EXPECT_FALSE(FindMember(*li, lid)->islearner());
  }
  EXPECT_TRUE(c.Put(3, "k", "from-new-voter").ok());
  // A voter cannot be promoted; an unknown member is not found.
  auto again = c.Promote(l, lid);
  EXPECT_TRUE(Has(again.status(), errors::Err::kMemberNotLearner)) << again.status();
  auto unknown = c.Promote(l, 12345);
  EXPECT_TRUE(Has(unknown.status(), errors::Err::kMemberNotFound)) << unknown.status();
}

TEST(MemberRequestsTest, AddValidatesUrlsAndRefusesTakenOnes) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  for (const char* bad : {"", "127.0.0.1:2380", "ftp://1.2.3.4:5", "http://h:1/path", "http://h"}) {
    auto a = c.Add(l, bad, true);
    EXPECT_TRUE(Has(a.status(), errors::Err::kMemberBadURLs)) << bad << " " << a.status();
  }
  auto taken = c.Add(l, TestCluster::PeerUrl(1), true);
  EXPECT_TRUE(Has(taken.status(), errors::Err::kPeerURLExist)) << taken.status();
  auto taken_voter = c.Add(l, TestCluster::PeerUrl(2), false);
  EXPECT_TRUE(Has(taken_voter.status(), errors::Err::kPeerURLExist)) << taken_voter.status();
}

TEST(MemberRequestsTest, RemovedMemberStopsItselfAndCannotComeBack) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  int victim = (l + 2) % 3;
  uint64_t vid = c.S(victim)->MemberId();
  auto r = c.Remove(l, vid);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->members_size(), 2);
  EXPECT_EQ(FindMember(*r, vid), nullptr);
  ASSERT_TRUE(c.WaitUntil([&] { return c.S(victim)->SelfStopped(); }));
  EXPECT_TRUE(c.S(victim)->StopError().ok());  // etcd exits 0
  c.Stop(victim);
  for (int i = 0; i < 3; ++i) {
    if (i == victim) continue;
    auto li = c.List(i);
    ASSERT_TRUE(li.ok());
    EXPECT_EQ(li->members_size(), 2);
    EXPECT_EQ(c.net().Peers(c.S(i)->MemberId()).count(vid), 0u);
  }
  auto again = c.Remove(l, vid);
  EXPECT_TRUE(Has(again.status(), errors::Err::kMemberNotFound)) << again.status();
  // The two left still commit.
  EXPECT_TRUE(c.Put(l, "after", "remove").ok());
}

TEST(MemberRequestsTest, UpdateChangesPeerUrlsEverywhere) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  int f = (l + 1) % 3;
  uint64_t fid = c.S(f)->MemberId();
  auto u = c.Update(l, fid, "http://127.0.0.9:28381");
  ASSERT_TRUE(u.ok()) << u.status();
  ASSERT_TRUE(c.WaitConverged());
  for (int i = 0; i < 3; ++i) {
    auto li = c.List(i);
    ASSERT_TRUE(li.ok());
    EXPECT_EQ(FindMember(*li, fid)->peerurls(0), "http://127.0.0.9:28381");
    EXPECT_EQ(FindMember(*li, fid)->name(), TestCluster::Name(f));  // name kept
    if (i != f) {
      EXPECT_EQ(c.net().Peers(c.S(i)->MemberId()).at(fid),
                std::vector<std::string>{"http://127.0.0.9:28381"});
    }
  }
  auto missing = c.Update(l, 4242, "http://127.0.0.9:28382");
  EXPECT_TRUE(Has(missing.status(), errors::Err::kMemberNotFound)) << missing.status();
  auto bad = c.Update(l, fid, "nonsense");
  EXPECT_TRUE(Has(bad.status(), errors::Err::kMemberBadURLs)) << bad.status();
  auto taken = c.Update(l, fid, TestCluster::PeerUrl(l));
  EXPECT_TRUE(Has(taken.status(), errors::Err::kPeerURLExist)) << taken.status();
}

TEST(MemberRequestsTest, StrictReconfigRefusesChangesThatRiskQuorum) {
  // m0 runs without --strict-reconfig-check, m1/m2 with it (the check is made by the
  // member that receives the request).
  TestCluster c(3, [](int i, config::ServerConfig* cfg) { cfg->strict_reconfig_check = i != 0; });
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  PassHealthInterval(c);

  // A peer down: adding a voter is refused (not connected to every voter)...
  c.net().Isolate(c.S(2)->MemberId());
  auto add = c.Add(1, TestCluster::PeerUrl(5), false);
  EXPECT_TRUE(Has(add.status(), errors::Err::kUnhealthy)) << add.status();
  // ...and removing a connected voter would leave too few connected ones.
  auto rm = c.Remove(1, c.S(0)->MemberId());
  EXPECT_TRUE(Has(rm.status(), errors::Err::kUnhealthy)) << rm.status();
  c.net().HealAll();
  PassHealthInterval(c);

  // Two unstarted voters added without the check (through m0): 5 voters, 3 started.
  ASSERT_TRUE(c.Add(0, TestCluster::PeerUrl(5), false).ok());
  ASSERT_TRUE(c.WaitConverged());
  ASSERT_TRUE(c.Add(0, TestCluster::PeerUrl(6), false).ok());
  ASSERT_TRUE(c.WaitConverged());
  // Now a strict member refuses both a third voter and removing a started one.
  auto add3 = c.Add(1, TestCluster::PeerUrl(7), false);
  EXPECT_TRUE(Has(add3.status(), errors::Err::kMemberNotEnoughStarted)) << add3.status();
  auto rm2 = c.Remove(1, c.S(2)->MemberId());
  EXPECT_TRUE(Has(rm2.status(), errors::Err::kMemberNotEnoughStarted)) << rm2.status();
  // Removing an unstarted (never connected) member is always allowed.
  auto l = c.List(1);
  ASSERT_TRUE(l.ok());
  uint64_t unstarted = 0;
  for (const auto& m : l->members()) {
    if (m.name().empty()) unstarted = m.id();
  }
  ASSERT_NE(unstarted, 0u);
  auto rm3 = c.Remove(1, unstarted);
  EXPECT_TRUE(rm3.ok()) << rm3.status();
}

TEST(MemberRequestsTest, StrictReconfigChecksConnectionsForLearnersToo) {
  // As etcd 3.4.23: a learner may not be added while a voter is unreachable (or in the
  // first 5 s after start-up); without the check it may.
  TestCluster c(3, [](int i, config::ServerConfig* cfg) { cfg->strict_reconfig_check = i != 0; });
  c.StartAll();
  ASSERT_TRUE(c.WaitReady());
  auto early = c.Add(1, TestCluster::PeerUrl(3), /*learner=*/true);
  EXPECT_TRUE(Has(early.status(), errors::Err::kUnhealthy)) << early.status();
  ASSERT_TRUE(c.WaitHealthy());
  c.net().Isolate(c.S(2)->MemberId());
  auto a = c.Add(1, TestCluster::PeerUrl(3), /*learner=*/true);
  EXPECT_TRUE(Has(a.status(), errors::Err::kUnhealthy)) << a.status();
  auto b = c.Add(0, TestCluster::PeerUrl(3), /*learner=*/true);
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST(MemberRequestsTest, MoveLeaderRules) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  int f = (l + 1) % 3;
  auto not_leader = c.MoveLeader(f, c.S(l)->MemberId());
  EXPECT_TRUE(Has(not_leader.status(), errors::Err::kNotLeader)) << not_leader.status();
  auto bad = c.MoveLeader(l, 999);
  EXPECT_TRUE(Has(bad.status(), errors::Err::kBadLeaderTransferee)) << bad.status();
  auto self = c.MoveLeader(l, c.S(l)->MemberId());  // etcd: nothing to do
  EXPECT_TRUE(self.ok()) << self.status();
  auto moved = c.MoveLeader(l, c.S(f)->MemberId());
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_TRUE(c.WaitUntilNoTick([&] { return c.Leader() == f; }));
  EXPECT_TRUE(c.Put(l, "k", "v").ok());
}

TEST(MemberRequestsTest, MoveLeaderToAnUnreachableMemberTimesOut) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  int f = (l + 1) % 3;
  c.net().Cut(c.S(l)->MemberId(), c.S(f)->MemberId());
  etcdserverpb::MoveLeaderRequest req;
  req.set_targetid(c.S(f)->MemberId());
  auto r = c.CallTicking<etcdserverpb::MoveLeaderResponse>(
      [&](auto done) { c.S(l)->MoveLeader({}, req, done); });
  EXPECT_TRUE(Has(r.status(), errors::Err::kTimeoutLeaderTransfer)) << r.status();
}

TEST(MemberRequestsTest, StatusReportsRaftState) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  ASSERT_TRUE(c.Put(l, "k", "v").ok());
  ASSERT_TRUE(c.WaitConverged());
  for (int i = 0; i < 3; ++i) {
    auto st = c.Status(i);
    ASSERT_TRUE(st.ok()) << st.status();
    EXPECT_EQ(st->version(), ETCD_VERSION);
    EXPECT_EQ(st->leader(), c.S(l)->MemberId());
    EXPECT_EQ(st->header().member_id(), c.S(i)->MemberId());
    EXPECT_GT(st->raftindex(), 0u);
    EXPECT_GE(st->raftindex(), st->raftappliedindex());
    EXPECT_GT(st->raftterm(), 0u);
    EXPECT_GT(st->dbsize(), 0);
    EXPECT_FALSE(st->islearner());
    EXPECT_EQ(st->errors_size(), 0);
  }
}

TEST(MemberRequestsTest, StopHandsLeadershipToAConnectedVoter) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  ASSERT_TRUE(c.Put(l, "k", "v").ok());
  ASSERT_TRUE(c.WaitConverged());
  // The leader can no longer reach one follower: the other one must get leadership.
  int cut = (l + 1) % 3, heir = (l + 2) % 3;
  c.net().Cut(c.S(l)->MemberId(), c.S(cut)->MemberId());
  c.Stop(l);
  // No fake time passes: only a hand-over (not an election timeout) gives a leader.
  EXPECT_TRUE(c.WaitUntilNoTick([&] { return c.S(heir)->IsLeader(); }));
  EXPECT_TRUE(c.Put(heir, "after", "stop").ok());
}

TEST(MemberRequestsTest, MembershipChangesSurviveRestart) {
  TestCluster c(3);
  c.StartAll();
  ASSERT_TRUE(c.WaitHealthy());
  int l = c.Leader();
  AddAndStartLearner(c, l, 3);
  uint64_t lid = c.S(3)->MemberId();
  absl::Status last;
  ASSERT_TRUE(c.WaitUntil(
      [&] {
        int leader = c.Leader();
        if (leader < 0) return false;
        last = c.Promote(leader, lid).status();
        return last.ok();
      },
      100))
      << last;
  l = c.Leader();
  int victim = (l + 1) % 3;
  uint64_t vid = c.S(victim)->MemberId();
  ASSERT_TRUE(c.Remove(l, vid).ok());
  ASSERT_TRUE(c.WaitUntil([&] { return c.S(victim)->SelfStopped(); }));
  c.Stop(victim);
  ASSERT_TRUE(c.WaitConverged());
  for (int i = 0; i < 4; ++i) c.Stop(i);
  for (int i = 0; i < 4; ++i) {
    if (i == victim) continue;
    // Bootstrap flags are ignored on restart (member 3 even has the "existing" ones).
    ASSERT_TRUE(c.StartWith(i, c.Config(i, /*existing=*/i == 3)).ok()) << i;
  }
  ASSERT_TRUE(c.WaitHealthy());
  for (int i = 0; i < 4; ++i) {
    if (i == victim) continue;
    auto li = c.List(i);
    ASSERT_TRUE(li.ok()) << li.status();
    EXPECT_EQ(li->members_size(), 3);
    EXPECT_EQ(FindMember(*li, vid), nullptr);
    ASSERT_NE(FindMember(*li, lid), nullptr);
    EXPECT_FALSE(FindMember(*li, lid)->islearner());
    EXPECT_FALSE(c.S(i)->IsLearner());
  }
}

}  // namespace
}  // namespace etcd::server
