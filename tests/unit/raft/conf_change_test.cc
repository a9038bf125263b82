// Single-step membership changes: the tracker arithmetic, and the state machine's
// handling of conf changes and learners.
#include "raft/conf_change.h"

#include <gtest/gtest.h>

#include "network.h"
#include "raft/raft.h"
#include "raft/util.h"

namespace etcd::raft {
namespace {

using testing::CC;
using testing::CCEnt;
using testing::Msg;
using testing::Network;
using testing::NewTestRaft;
using testing::PropMsg;
using testing::TestPeer;

std::vector<uint64_t> V(const raftpb::ConfState& cs) {
  return {cs.voters().begin(), cs.voters().end()};
}
std::vector<uint64_t> L(const raftpb::ConfState& cs) {
  return {cs.learners().begin(), cs.learners().end()};
}

TEST(ConfChangeTest, TrackerTable) {
  using T = raftpb::ConfChangeType;
  struct Step {
    T type;
    uint64_t id;
    bool ok;
    std::vector<uint64_t> voters, learners;
  };
  std::vector<Step> steps = {
      {raftpb::CONF_CHANGE_ADD_NODE, 1, true, {1}, {}},
      {raftpb::CONF_CHANGE_ADD_NODE, 1, true, {1}, {}},  // idempotent
      {raftpb::CONF_CHANGE_ADD_LEARNER_NODE, 2, true, {1}, {2}},
      {raftpb::CONF_CHANGE_ADD_NODE, 2, true, {1, 2}, {}},        // promote
      {raftpb::CONF_CHANGE_ADD_LEARNER_NODE, 2, true, {1}, {2}},  // demote
      {raftpb::CONF_CHANGE_UPDATE_NODE, 2, true, {1}, {2}},
      {raftpb::CONF_CHANGE_REMOVE_NODE, 2, true, {1}, {}},
      {raftpb::CONF_CHANGE_REMOVE_NODE, 1, false, {1}, {}},       // last voter
      {raftpb::CONF_CHANGE_ADD_LEARNER_NODE, 1, false, {1}, {}},  // last voter
      {raftpb::CONF_CHANGE_REMOVE_NODE, 9, true, {1}, {}},        // unknown: no-op
      {raftpb::CONF_CHANGE_ADD_NODE, 3, true, {1, 3}, {}},
      {raftpb::CONF_CHANGE_REMOVE_NODE, 1, true, {3}, {}},
  };
  ProgressTracker tr(10);
  int i = 0;
  for (const auto& s : steps) {
    SCOPED_TRACE(i++);
    absl::Status st = ApplyConfChangeToTracker(&tr, CC(s.type, s.id), 5);
    EXPECT_EQ(st.ok(), s.ok) << st;
    raftpb::ConfState cs = tr.ConfState();
    EXPECT_EQ(V(cs), s.voters);
    EXPECT_EQ(L(cs), s.learners);
    EXPECT_EQ(tr.progress.size(), s.voters.size() + s.learners.size());
    for (uint64_t l : s.learners) EXPECT_TRUE(tr.Get(l)->is_learner);
    for (uint64_t v : s.voters) EXPECT_FALSE(tr.Get(v)->is_learner);
  }
}

TEST(ConfChangeTest, NewMemberProgress) {
  ProgressTracker tr(10);
  ASSERT_TRUE(ApplyConfChangeToTracker(&tr, CC(raftpb::CONF_CHANGE_ADD_NODE, 4), 7).ok());
  const Progress* pr = tr.Get(4);
  ASSERT_NE(pr, nullptr);
  EXPECT_EQ(pr->next, 8u);
  EXPECT_EQ(pr->match, 0u);
  EXPECT_TRUE(pr->recent_active);
  // Promotion keeps the learner's progress.
  ASSERT_TRUE(ApplyConfChangeToTracker(&tr, CC(raftpb::CONF_CHANGE_ADD_LEARNER_NODE, 5), 7).ok());
  tr.Get(5)->match = 6;
  ASSERT_TRUE(ApplyConfChangeToTracker(&tr, CC(raftpb::CONF_CHANGE_ADD_NODE, 5), 9).ok());
  EXPECT_EQ(tr.Get(5)->match, 6u);
}

TEST(ConfChangeTest, RestoreTracker) {
  raftpb::ConfState cs;
  cs.add_voters(1);
  cs.add_voters(2);
  cs.add_learners(3);
  ProgressTracker tr(10);
  ASSERT_TRUE(RestoreTracker(&tr, cs, 10).ok());
  EXPECT_EQ(V(tr.ConfState()), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(L(tr.ConfState()), (std::vector<uint64_t>{3}));
  EXPECT_EQ(tr.Get(1)->next, 11u);
  cs.add_learners(1);
  EXPECT_FALSE(RestoreTracker(&tr, cs, 10).ok());
}

// Raft §4.1 (thesis): a conf change proposal is appended and recorded as pending.
TEST(ConfChangeRaftTest, StepConfig) {
  TestPeer p = NewTestRaft(1, {1, 2}, 10, 1);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  uint64_t index = r->raft_log().LastIndex();
  raftpb::Message m = Msg(1, 1, raftpb::MSG_PROP);
  *m.add_entries() = CCEnt(raftpb::CONF_CHANGE_ADD_NODE, 3);
  ASSERT_TRUE(r->Step(m).ok());
  EXPECT_EQ(r->raft_log().LastIndex(), index + 1);
  EXPECT_EQ(r->pending_conf_index(), index + 1);
}

// Only one conf change may be pending: a second one becomes an empty entry.
TEST(ConfChangeRaftTest, StepIgnoreConfig) {
  TestPeer p = NewTestRaft(1, {1, 2}, 10, 1);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  raftpb::Message m = Msg(1, 1, raftpb::MSG_PROP);
  *m.add_entries() = CCEnt(raftpb::CONF_CHANGE_ADD_NODE, 3);
  ASSERT_TRUE(r->Step(m).ok());
  uint64_t index = r->raft_log().LastIndex();
  uint64_t pending = r->pending_conf_index();
  ASSERT_TRUE(r->Step(m).ok());
  auto ents = r->raft_log().Entries(index + 1, kNoLimit);
  ASSERT_TRUE(ents.ok());
  ASSERT_EQ(ents->size(), 1u);
  EXPECT_EQ((*ents)[0].type(), raftpb::ENTRY_NORMAL);
  EXPECT_TRUE((*ents)[0].data().empty());
  EXPECT_EQ(r->pending_conf_index(), pending);
}

// A new leader treats its whole log as possibly holding a conf change.
TEST(ConfChangeRaftTest, NewLeaderPendingConfig) {
  for (bool add_entry : {false, true}) {
    TestPeer p = NewTestRaft(1, {1, 2}, 10, 1);
    Raft* r = p.raft.get();
    if (add_entry) {
      r->BecomeFollower(1, 2);
      raftpb::Message m = Msg(2, 1, raftpb::MSG_APP, 1);
      *m.add_entries() = testing::Ent(1, 1);
      ASSERT_TRUE(r->Step(m).ok());
    }
    r->BecomeCandidate();
    r->BecomeLeader();
    EXPECT_EQ(r->pending_conf_index(), add_entry ? 1u : 0u);
  }
}

// Removing a node shrinks the quorum: entries waiting for it commit.
TEST(ConfChangeRaftTest, CommitAfterRemoveNode) {
  TestPeer p = NewTestRaft(1, {1, 2}, 5, 1);
  Raft* r = p.raft.get();
  MemoryStorage* s = p.storage.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  raftpb::Message m = Msg(1, 1, raftpb::MSG_PROP);
  *m.add_entries() = CCEnt(raftpb::CONF_CHANGE_REMOVE_NODE, 2);
  ASSERT_TRUE(r->Step(m).ok());
  EXPECT_TRUE(testing::PersistAndApply(r, s).empty());
  ASSERT_TRUE(r->Step(PropMsg(1, 1, "hello")).ok());
  // The conf change commits (node 2 acks it) and is applied.
  raftpb::Message ack = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
  ack.set_index(2);
  ASSERT_TRUE(r->Step(ack).ok());
  auto ents = testing::PersistAndApply(r, s);
  ASSERT_EQ(ents.size(), 2u);
  EXPECT_EQ(ents[1].type(), raftpb::ENTRY_CONF_CHANGE);
  r->ApplyConfChange(CC(raftpb::CONF_CHANGE_REMOVE_NODE, 2));
  // Now a quorum of one: "hello" commits without node 2.
  ents = testing::PersistAndApply(r, s);
  ASSERT_EQ(ents.size(), 1u);
  EXPECT_EQ(ents[0].data(), "hello");
}

// Adding a node to a check-quorum leader does not make it step down at once.
TEST(ConfChangeRaftTest, AddNodeCheckQuorum) {
  TestPeer p = NewTestRaft(1, {1}, 10, 1, nullptr, [](Config* c) { c->check_quorum = true; });
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  for (int i = 0; i < r->election_timeout() - 1; ++i) r->Tick();
  r->ApplyConfChange(CC(raftpb::CONF_CHANGE_ADD_NODE, 2));
  r->Tick();  // the check: the new node counts as active
  EXPECT_EQ(r->state(), StateType::kLeader);
  for (int i = 0; i < r->election_timeout(); ++i) r->Tick();
  // A whole timeout without hearing from node 2: no quorum.
  EXPECT_EQ(r->state(), StateType::kFollower);
}

// A leader that is only waiting on a single node does not re-campaign.
TEST(ConfChangeRaftTest, CampaignWhileLeader) {
  for (bool pre_vote : {false, true}) {
    TestPeer p =
        NewTestRaft(1, {1}, 5, 1, nullptr, [pre_vote](Config* c) { c->pre_vote = pre_vote; });
    Raft* r = p.raft.get();
    ASSERT_TRUE(r->Step(Msg(1, 1, raftpb::MSG_HUP)).ok());
    EXPECT_EQ(r->state(), StateType::kLeader);
    uint64_t term = r->term();
    ASSERT_TRUE(r->Step(Msg(1, 1, raftpb::MSG_HUP)).ok());
    EXPECT_EQ(r->state(), StateType::kLeader);
    EXPECT_EQ(r->term(), term);
  }
}

// A node does not campaign while a committed conf change is unapplied.
TEST(ConfChangeRaftTest, NoCampaignWithUnappliedConfChange) {
  TestPeer p = NewTestRaft(1, {1, 2}, 10, 1);
  Raft* r = p.raft.get();
  r->BecomeFollower(1, 2);
  raftpb::Message m = Msg(2, 1, raftpb::MSG_APP, 1);
  raftpb::Entry e = CCEnt(raftpb::CONF_CHANGE_ADD_NODE, 3);
  e.set_index(1);
  e.set_term(1);
  *m.add_entries() = e;
  m.set_commit(1);
  ASSERT_TRUE(r->Step(m).ok());
  EXPECT_FALSE(r->CanCampaign().ok());
  for (int i = 0; i < 2 * r->election_timeout(); ++i) r->Tick();
  EXPECT_EQ(r->state(), StateType::kFollower);
  r->raft_log().AppliedTo(1);
  EXPECT_TRUE(r->CanCampaign().ok());
  for (int i = 0; i < 2 * r->election_timeout(); ++i) r->Tick();
  EXPECT_EQ(r->state(), StateType::kCandidate);
}

// A leader removed from the configuration drops new proposals.
TEST(ConfChangeRaftTest, RemovedLeaderDropsProposals) {
  TestPeer p = NewTestRaft(1, {1, 2}, 10, 1);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  r->ApplyConfChange(CC(raftpb::CONF_CHANGE_REMOVE_NODE, 1));
  EXPECT_EQ(r->state(), StateType::kLeader);
  EXPECT_TRUE(IsProposalDropped(r->Step(PropMsg(1, 1, "x"))));
}

// ---------------------------------------------------------------------------
// Learners

// A learner never campaigns, however long it waits.
TEST(LearnerTest, NoElectionTimeout) {
  TestPeer p = NewTestRaft(2, {1}, 10, 1, nullptr, nullptr, {2});
  Raft* r = p.raft.get();
  EXPECT_TRUE(r->is_learner());
  for (int i = 0; i < 3 * r->election_timeout(); ++i) r->Tick();
  EXPECT_EQ(r->state(), StateType::kFollower);
  EXPECT_TRUE(r->ReadMessages().empty());
  EXPECT_FALSE(r->CanCampaign().ok());
}

// A learner still answers vote requests (it may have been promoted without knowing).
TEST(LearnerTest, CanVote) {
  TestPeer p = NewTestRaft(2, {1}, 10, 1, nullptr, nullptr, {2});
  Raft* r = p.raft.get();
  raftpb::Message m = Msg(1, 2, raftpb::MSG_VOTE, 2);
  m.set_log_term(11);
  m.set_index(11);
  ASSERT_TRUE(r->Step(m).ok());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type(), raftpb::MSG_VOTE_RESP);
  EXPECT_FALSE(msgs[0].reject());
}

// Learners receive the log but do not count towards commit.
TEST(LearnerTest, LogReplication) {
  std::map<uint64_t, TestPeer> peers;
  peers[1] = NewTestRaft(1, {1}, 10, 1, nullptr, nullptr, {2});
  peers[2] = NewTestRaft(2, {1}, 10, 1, nullptr, nullptr, {2});
  Network n(std::move(peers));
  n.Campaign(1);
  EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
  n.Propose(1, "somedata");
  uint64_t committed = n.raft(1)->raft_log().committed();
  EXPECT_EQ(committed, 2u);
  n.Send(Msg(1, 1, raftpb::MSG_BEAT));
  EXPECT_EQ(n.raft(2)->raft_log().committed(), committed);
  EXPECT_EQ(n.raft(1)->tracker().Get(2)->match, committed);
}

TEST(LearnerTest, NotCountedInQuorum) {
  std::map<uint64_t, TestPeer> peers;
  for (uint64_t id : {1, 2, 3}) peers[id] = NewTestRaft(id, {1, 2}, 10, 1, nullptr, nullptr, {3});
  Network n(std::move(peers));
  n.Campaign(1);
  ASSERT_EQ(n.raft(1)->state(), StateType::kLeader);
  uint64_t committed = n.raft(1)->raft_log().committed();
  n.Isolate(2);
  n.Propose(1, "x");
  EXPECT_EQ(n.raft(1)->raft_log().committed(), committed);
  EXPECT_EQ(n.raft(1)->tracker().Get(3)->match, committed + 1);
}

// A promoted learner can campaign and win.
TEST(LearnerTest, Promotion) {
  std::map<uint64_t, TestPeer> peers;
  peers[1] = NewTestRaft(1, {1}, 10, 1, nullptr, nullptr, {2});
  peers[2] = NewTestRaft(2, {1}, 10, 1, nullptr, nullptr, {2});
  Network n(std::move(peers));
  n.Campaign(1);
  n.Send(Msg(1, 1, raftpb::MSG_BEAT));  // replicate the leader's entry to the learner
  n.Campaign(2);                        // ignored: a learner
  EXPECT_EQ(n.raft(2)->state(), StateType::kFollower);
  for (uint64_t id : {1, 2}) n.raft(id)->ApplyConfChange(CC(raftpb::CONF_CHANGE_ADD_NODE, 2));
  EXPECT_FALSE(n.raft(2)->is_learner());
  n.Campaign(2);
  EXPECT_EQ(n.raft(2)->state(), StateType::kLeader);
  EXPECT_EQ(n.raft(1)->state(), StateType::kFollower);
}

}  // namespace
}  // namespace etcd::raft
