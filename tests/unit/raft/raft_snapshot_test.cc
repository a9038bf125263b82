// Snapshots in the state machine: sending one when a follower needs compacted
// entries, the progress states around it, and restoring on a follower.
#include <gtest/gtest.h>

#include "network.h"
#include "raft/raft.h"
#include "raft/util.h"

namespace etcd::raft {
namespace {

using testing::Msg;
using testing::Network;
using testing::NewTestRaft;
using testing::PropMsg;
using testing::TestPeer;

raftpb::Snapshot MakeSnap(uint64_t index, uint64_t term, std::vector<uint64_t> voters,
                          std::vector<uint64_t> learners = {}) {
  raftpb::Snapshot s;
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->set_term(term);
  for (uint64_t v : voters) s.mutable_metadata()->mutable_conf_state()->add_voters(v);
  for (uint64_t l : learners) s.mutable_metadata()->mutable_conf_state()->add_learners(l);
  return s;
}

raftpb::Message SnapMsg(uint64_t from, uint64_t to, uint64_t term, const raftpb::Snapshot& s) {
  raftpb::Message m = Msg(from, to, raftpb::MSG_SNAP, term);
  *m.mutable_snapshot() = s;
  return m;
}

TEST(SnapshotTest, RestoreFromSnapMsg) {
  TestPeer p = NewTestRaft(2, {1, 2}, 10, 1);
  Raft* r = p.raft.get();
  ASSERT_TRUE(r->Step(SnapMsg(1, 2, 2, MakeSnap(11, 11, {1, 2, 3}, {4}))).ok());
  EXPECT_EQ(r->lead(), 1u);
  EXPECT_EQ(r->raft_log().committed(), 11u);
  EXPECT_EQ(r->raft_log().LastIndex(), 11u);
  EXPECT_EQ(*r->raft_log().Term(11), 11u);
  EXPECT_TRUE(r->raft_log().HasPendingSnapshot());
  EXPECT_EQ(r->tracker().config.String(), "voters=(1 2 3) learners=(4)");
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type(), raftpb::MSG_APP_RESP);
  EXPECT_EQ(msgs[0].index(), 11u);
  // The same snapshot again is ignored (already committed).
  ASSERT_TRUE(r->Step(SnapMsg(1, 2, 2, MakeSnap(11, 11, {1, 2, 3}))).ok());
  EXPECT_EQ(r->tracker().config.String(), "voters=(1 2 3) learners=(4)");
}

// If our log already has the snapshot's last entry, only the commit index moves.
TEST(SnapshotTest, RestoreFastForwardsCommit) {
  TestPeer p = NewTestRaft(2, {1, 2}, 10, 1);
  Raft* r = p.raft.get();
  r->BecomeFollower(1, 1);
  raftpb::Message app = Msg(1, 2, raftpb::MSG_APP, 1);
  for (uint64_t i = 1; i <= 3; ++i) *app.add_entries() = testing::Ent(i, 1);
  ASSERT_TRUE(r->Step(app).ok());
  r->ReadMessages();
  ASSERT_TRUE(r->Step(SnapMsg(1, 2, 1, MakeSnap(2, 1, {1, 2}))).ok());
  EXPECT_EQ(r->raft_log().committed(), 2u);
  EXPECT_EQ(r->raft_log().LastIndex(), 3u);
  EXPECT_FALSE(r->raft_log().HasPendingSnapshot());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].index(), 2u);
}

// A snapshot that predates our membership (we were added after it was taken) is
// restored; we are not promotable until the log that follows adds us.
TEST(SnapshotTest, RestoreSnapshotThatPredatesMembership) {
  TestPeer p = NewTestRaft(4, {}, 10, 1);
  Raft* r = p.raft.get();
  ASSERT_TRUE(r->Step(SnapMsg(1, 4, 2, MakeSnap(11, 11, {1, 2, 3}))).ok());
  EXPECT_EQ(r->raft_log().committed(), 11u);
  EXPECT_TRUE(r->raft_log().HasPendingSnapshot());
  EXPECT_FALSE(r->Promotable());
  r->ApplyConfChange(testing::CC(raftpb::CONF_CHANGE_ADD_LEARNER_NODE, 4));
  EXPECT_TRUE(r->is_learner());
  r->ApplyConfChange(testing::CC(raftpb::CONF_CHANGE_ADD_NODE, 4));
  testing::PersistAndApply(r, p.storage.get());
  EXPECT_TRUE(r->Promotable());
}

// Leader whose storage starts with a snapshot at 11.
TestPeer CompactedLeader() {
  auto s = std::make_unique<MemoryStorage>();
  EXPECT_TRUE(s->ApplySnapshot(MakeSnap(11, 11, {1, 2})).ok());
  TestPeer p = NewTestRaft(1, {}, 10, 1, s.get());
  p.storage = std::move(s);
  p.raft->BecomeCandidate();
  p.raft->BecomeLeader();
  p.raft->ReadMessages();
  return p;
}

// A follower that needs compacted entries gets the snapshot.
TEST(SnapshotTest, ProvideSnap) {
  TestPeer p = CompactedLeader();
  Raft* r = p.raft.get();
  Progress* pr = r->tracker().Get(2);
  pr->next = r->raft_log().FirstIndex();
  raftpb::Message rej = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
  rej.set_index(pr->next - 1);
  rej.set_reject(true);
  ASSERT_TRUE(r->Step(rej).ok());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type(), raftpb::MSG_SNAP);
  EXPECT_EQ(msgs[0].snapshot().metadata().index(), 11u);
  EXPECT_EQ(pr->state, ProgressState::kSnapshot);
  EXPECT_EQ(pr->pending_snapshot, 11u);
  // Nothing else is sent while the snapshot is in flight.
  ASSERT_TRUE(r->Step(PropMsg(1, 1, "x")).ok());
  EXPECT_TRUE(r->ReadMessages().empty());
}

// No snapshot to a follower that has not been heard from recently.
TEST(SnapshotTest, IgnoreProvidingSnapToInactive) {
  TestPeer p = CompactedLeader();
  Raft* r = p.raft.get();
  Progress* pr = r->tracker().Get(2);
  pr->next = r->raft_log().FirstIndex() - 1;
  pr->recent_active = false;
  ASSERT_TRUE(r->Step(PropMsg(1, 1, "x")).ok());
  EXPECT_TRUE(r->ReadMessages().empty());
  EXPECT_EQ(pr->state, ProgressState::kProbe);
}

TEST(SnapshotTest, ReportSnapshotFailure) {
  TestPeer p = CompactedLeader();
  Raft* r = p.raft.get();
  Progress* pr = r->tracker().Get(2);
  pr->next = 1;
  pr->BecomeSnapshot(11);
  raftpb::Message m = Msg(2, 1, raftpb::MSG_SNAP_STATUS);
  m.set_reject(true);
  ASSERT_TRUE(r->Step(m).ok());
  EXPECT_EQ(pr->pending_snapshot, 0u);
  EXPECT_EQ(pr->next, 1u);
  EXPECT_EQ(pr->state, ProgressState::kProbe);
  EXPECT_TRUE(pr->probe_sent);
}

TEST(SnapshotTest, ReportSnapshotSucceed) {
  TestPeer p = CompactedLeader();
  Raft* r = p.raft.get();
  Progress* pr = r->tracker().Get(2);
  pr->next = 1;
  pr->BecomeSnapshot(11);
  ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_SNAP_STATUS)).ok());
  EXPECT_EQ(pr->pending_snapshot, 0u);
  EXPECT_EQ(pr->next, 12u);
  EXPECT_EQ(pr->state, ProgressState::kProbe);
  EXPECT_TRUE(pr->probe_sent);
}

// An ack at the snapshot index moves the follower straight to replicate.
TEST(SnapshotTest, AckEndsSnapshotState) {
  TestPeer p = CompactedLeader();
  Raft* r = p.raft.get();
  Progress* pr = r->tracker().Get(2);
  pr->next = 1;
  pr->BecomeSnapshot(11);
  raftpb::Message ack = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
  ack.set_index(11);
  ASSERT_TRUE(r->Step(ack).ok());
  EXPECT_EQ(pr->pending_snapshot, 0u);
  EXPECT_EQ(pr->state, ProgressState::kReplicate);
  EXPECT_EQ(pr->match, 11u);
  // It was sent the rest of the log at once.
  auto msgs = r->ReadMessages();
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs[0].type(), raftpb::MSG_APP);
  EXPECT_EQ(msgs[0].index(), 11u);
}

// A node that was down while the leader compacted its log catches up by snapshot.
TEST(SnapshotTest, SlowNodeRestore) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  for (int i = 0; i < 100; ++i) n.Propose(1, "x");
  n.PersistAll();
  Raft* lead = n.raft(1);
  MemoryStorage* ls = n.storage(1);
  uint64_t applied = lead->raft_log().applied();
  raftpb::ConfState cs = lead->tracker().ConfState();
  ASSERT_TRUE(ls->CreateSnapshot(applied, &cs, "state").ok());
  ASSERT_TRUE(ls->Compact(applied).ok());
  n.Recover();
  // Heartbeats until node 3 is active again and gets the snapshot.
  for (int i = 0; i < 5 && n.raft(3)->raft_log().committed() < applied; ++i) {
    n.Send(Msg(1, 1, raftpb::MSG_BEAT));
    n.PersistAll();
  }
  EXPECT_EQ(n.raft(3)->raft_log().committed(), applied);
  EXPECT_EQ(n.storage(3)->Snapshot()->data(), "state");
  n.Propose(1, "after");
  n.PersistAll();
  EXPECT_EQ(n.raft(3)->raft_log().committed(), lead->raft_log().committed());
  EXPECT_EQ(lead->tracker().Get(3)->state, ProgressState::kReplicate);
}

// Leadership can be transferred to a node that first needs a snapshot.
TEST(SnapshotTest, LeaderTransferAfterSnapshot) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  n.Propose(1, "x");
  n.PersistAll();
  Raft* lead = n.raft(1);
  uint64_t applied = lead->raft_log().applied();
  raftpb::ConfState cs = lead->tracker().ConfState();
  ASSERT_TRUE(n.storage(1)->CreateSnapshot(applied, &cs, "").ok());
  ASSERT_TRUE(n.storage(1)->Compact(applied).ok());
  n.Recover();
  // As if node 3 had rejected an append: probe it from right after its match.
  lead->tracker().Get(3)->BecomeProbe();
  // Node 3 answers the snapshot only once it is persisted (as with a Ready): hold
  // its MsgAppResp back until then.
  n.Ignore(raftpb::MSG_APP_RESP);
  n.Send(Msg(3, 1, raftpb::MSG_TRANSFER_LEADER));
  EXPECT_EQ(lead->tracker().Get(3)->state, ProgressState::kSnapshot);
  EXPECT_EQ(lead->lead_transferee(), 3u);
  raftpb::Message held;
  for (const auto& m : n.dropped()) {
    if (m.type() == raftpb::MSG_APP_RESP && m.from() == 3) held = m;
  }
  ASSERT_EQ(held.index(), applied);
  n.PersistAll();
  n.Recover();
  n.Send(held);
  EXPECT_EQ(n.raft(3)->state(), StateType::kLeader);
  EXPECT_EQ(lead->state(), StateType::kFollower);
}

}  // namespace
}  // namespace etcd::raft
