// etcd-raft extensions, over the simulated network: check-quorum, pre-vote,
// ReadIndex (safe and lease-based), leadership transfer.
#include <gtest/gtest.h>

#include "network.h"
#include "raft/raft.h"
#include "raft/util.h"

namespace etcd::raft {
namespace {

using testing::Ent;
using testing::Msg;
using testing::Network;
using testing::NewTestRaft;
using testing::PropMsg;
using testing::TestPeer;

std::vector<uint64_t> Ids(int n) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(static_cast<uint64_t>(i));
  return ids;
}

void CheckQuorum(Config* c) { c->check_quorum = true; }
void PreVote(Config* c) { c->pre_vote = true; }
void PreVoteCheckQuorum(Config* c) {
  c->pre_vote = true;
  c->check_quorum = true;
}

raftpb::Message ReadIndexMsg(uint64_t from, uint64_t to, const std::string& ctx) {
  raftpb::Message m = Msg(from, to, raftpb::MSG_READ_INDEX);
  m.add_entries()->set_data(ctx);
  return m;
}

raftpb::Message TransferMsg(uint64_t transferee, uint64_t leader) {
  return Msg(transferee, leader, raftpb::MSG_TRANSFER_LEADER);
}

// ---------------------------------------------------------------------------
// Check quorum

// A leader that keeps hearing from a quorum stays leader.
TEST(CheckQuorumTest, LeaderStaysWhenQuorumActive) {
  TestPeer p = NewTestRaft(1, Ids(3), 5, 1, nullptr, CheckQuorum);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  for (int i = 0; i < r->election_timeout() + 1; ++i) {
    ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_HEARTBEAT_RESP, r->term())).ok());
    r->Tick();
  }
  EXPECT_EQ(r->state(), StateType::kLeader);
}

// A leader that hears from no quorum for an election timeout steps down.
TEST(CheckQuorumTest, LeaderStepsDownWhenQuorumLost) {
  TestPeer p = NewTestRaft(1, Ids(3), 5, 1, nullptr, CheckQuorum);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  for (int i = 0; i < r->election_timeout() + 1; ++i) r->Tick();
  EXPECT_EQ(r->state(), StateType::kFollower);
}

// Followers with a live leader ignore vote requests (leader lease); once the lease
// has expired, a new leader can be elected.
TEST(CheckQuorumTest, LeaderSuperseding) {
  Network n(3, CheckQuorum);
  Raft* b = n.raft(2);
  Raft* c = n.raft(3);
  b->TEST_SetRandomizedElectionTimeout(b->election_timeout() + 1);
  for (int i = 0; i < b->election_timeout(); ++i) b->Tick();
  n.Campaign(1);
  EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
  EXPECT_EQ(c->state(), StateType::kFollower);
  n.Campaign(3);
  // b is in the leader's lease: it ignored the request.
  EXPECT_EQ(c->state(), StateType::kCandidate);
  for (int i = 0; i < b->election_timeout(); ++i) b->Tick();
  n.Campaign(3);
  EXPECT_EQ(c->state(), StateType::kLeader);
}

// A candidate stuck at a higher term is freed: the old leader learns the term from
// the candidate's answer to its stale heartbeat.
TEST(CheckQuorumTest, FreeStuckCandidate) {
  Network n(3, CheckQuorum);
  Raft* a = n.raft(1);
  Raft* b = n.raft(2);
  Raft* c = n.raft(3);
  b->TEST_SetRandomizedElectionTimeout(b->election_timeout() + 1);
  for (int i = 0; i < b->election_timeout(); ++i) b->Tick();
  n.Campaign(1);
  n.Isolate(1);
  n.Campaign(3);
  EXPECT_EQ(b->state(), StateType::kFollower);
  EXPECT_EQ(c->state(), StateType::kCandidate);
  EXPECT_EQ(c->term(), b->term() + 1);
  n.Campaign(3);
  EXPECT_EQ(c->state(), StateType::kCandidate);
  EXPECT_EQ(c->term(), b->term() + 2);
  n.Recover();
  n.Send(Msg(1, 3, raftpb::MSG_HEARTBEAT, a->term()));
  // The stale leader learned the candidate's term and stepped down.
  EXPECT_EQ(a->state(), StateType::kFollower);
  EXPECT_EQ(a->term(), c->term());
  n.Campaign(3);
  EXPECT_EQ(c->state(), StateType::kLeader);
}

// The lease does not block a vote that carries the transfer context.
TEST(CheckQuorumTest, TransferBypassesLease) {
  Network n(3, CheckQuorum);
  n.Campaign(1);
  n.Send(TransferMsg(2, 1));
  EXPECT_EQ(n.raft(2)->state(), StateType::kLeader);
  EXPECT_EQ(n.raft(1)->state(), StateType::kFollower);
}

// ---------------------------------------------------------------------------
// Pre-vote

// A split pre-vote turns into a split real vote; the next round resolves it.
TEST(PreVoteTest, SplitVote) {
  Network n(3, PreVote);
  n.Campaign(1);
  n.Isolate(1);
  n.Send({Msg(2, 2, raftpb::MSG_HUP), Msg(3, 3, raftpb::MSG_HUP)});
  EXPECT_EQ(n.raft(2)->term(), 2u);
  EXPECT_EQ(n.raft(3)->term(), 2u);
  EXPECT_EQ(n.raft(2)->state(), StateType::kCandidate);
  EXPECT_EQ(n.raft(3)->state(), StateType::kCandidate);
  n.Campaign(2);
  EXPECT_EQ(n.raft(2)->term(), 3u);
  EXPECT_EQ(n.raft(3)->term(), 3u);
  EXPECT_EQ(n.raft(2)->state(), StateType::kLeader);
  EXPECT_EQ(n.raft(3)->state(), StateType::kFollower);
}

// Raft §9.6: a node that rejoins after a partition with a stale log cannot disrupt
// the cluster: its pre-vote fails and its term never moves.
TEST(PreVoteTest, PartitionedNodeDoesNotDisrupt) {
  Network n(3, PreVote);
  n.Campaign(1);
  n.Isolate(3);
  n.Propose(1, "x");
  for (int i = 0; i < 5; ++i) n.Campaign(3);
  EXPECT_EQ(n.raft(3)->term(), 1u);
  EXPECT_EQ(n.raft(3)->state(), StateType::kPreCandidate);
  n.Recover();
  n.Campaign(3);
  EXPECT_EQ(n.raft(3)->term(), 1u);
  EXPECT_EQ(n.raft(3)->state(), StateType::kFollower);
  EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
  EXPECT_EQ(n.raft(1)->term(), 1u);
}

// A pre-vote for a stale term is answered with a rejection carrying our term.
TEST(PreVoteTest, StaleTermPreVoteIsRejected) {
  TestPeer p = NewTestRaft(1, Ids(3), 10, 1, nullptr, PreVote);
  Raft* r = p.raft.get();
  r->BecomeFollower(5, kNone);
  ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_PRE_VOTE, 3)).ok());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type(), raftpb::MSG_PRE_VOTE_RESP);
  EXPECT_TRUE(msgs[0].reject());
  EXPECT_EQ(msgs[0].term(), 5u);
}

// Pre-vote plus check-quorum: followers in the lease reject pre-votes too.
TEST(PreVoteTest, WithCheckQuorum) {
  Network n(3, PreVoteCheckQuorum);
  n.Campaign(1);
  n.Campaign(3);
  // Nobody answered: it stays pre-candidate, without bumping anyone's term.
  EXPECT_EQ(n.raft(3)->state(), StateType::kPreCandidate);
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(n.raft(id)->term(), 1u);
  EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
}

// ---------------------------------------------------------------------------
// ReadIndex

// Safe reads: from any node, answered with the leader's commit index after a
// heartbeat round.
TEST(ReadIndexTest, SafeFromAnyNode) {
  for (bool lease : {false, true}) {
    SCOPED_TRACE(lease ? "lease" : "safe");
    Network n(3, [lease](Config* c) {
      if (lease) {
        c->read_only_option = ReadOnlyOption::kLeaseBased;
        c->check_quorum = true;
      }
    });
    Raft* b = n.raft(2);
    b->TEST_SetRandomizedElectionTimeout(b->election_timeout() + 1);
    for (int i = 0; i < b->election_timeout(); ++i) b->Tick();
    n.Campaign(1);
    ASSERT_EQ(n.raft(1)->state(), StateType::kLeader);
    struct Case {
      uint64_t node;
      int proposals;
      uint64_t windex;
      std::string ctx;
    } cases[] = {
        {1, 10, 11, "ctx1"}, {2, 10, 21, "ctx2"}, {3, 10, 31, "ctx3"},
        {1, 10, 41, "ctx4"}, {2, 10, 51, "ctx5"}, {3, 10, 61, "ctx6"},
    };
    for (const auto& tc : cases) {
      SCOPED_TRACE(tc.ctx);
      for (int i = 0; i < tc.proposals; ++i) n.Propose(1, "");
      n.Send(ReadIndexMsg(tc.node, tc.node, tc.ctx));
      Raft* r = n.raft(tc.node);
      ASSERT_EQ(r->read_states().size(), 1u);
      EXPECT_EQ(r->read_states()[0].index, tc.windex);
      EXPECT_EQ(r->read_states()[0].request_ctx, tc.ctx);
      r->read_states().clear();
    }
  }
}

// Safe mode needs the quorum: with the followers cut off, no answer.
TEST(ReadIndexTest, SafeNeedsQuorum) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(1);
  n.Send(ReadIndexMsg(1, 1, "ctx"));
  EXPECT_TRUE(n.raft(1)->read_states().empty());
  EXPECT_EQ(n.raft(1)->read_only().PendingCount(), 1u);
}

// Reads are batched: one quorum ack for a later request confirms all earlier ones.
TEST(ReadIndexTest, LaterAckConfirmsEarlierRequests) {
  Network n(3);
  n.Campaign(1);
  n.Ignore(raftpb::MSG_HEARTBEAT_RESP);
  n.Send(ReadIndexMsg(1, 1, "a"));
  n.Send(ReadIndexMsg(1, 1, "b"));
  EXPECT_TRUE(n.raft(1)->read_states().empty());
  n.Recover();
  n.Send(ReadIndexMsg(1, 1, "c"));
  const auto& rs = n.raft(1)->read_states();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].request_ctx, "a");
  EXPECT_EQ(rs[1].request_ctx, "b");
  EXPECT_EQ(rs[2].request_ctx, "c");
  for (const auto& r : rs) EXPECT_EQ(r.index, 1u);
}

// Raft §6.4: a new leader answers reads only after committing an entry of its
// term; earlier requests wait instead of being dropped.
TEST(ReadIndexTest, NewLeaderWaitsForCommitInTerm) {
  Network n(3);
  n.Ignore(raftpb::MSG_APP);
  n.Campaign(1);
  Raft* a = n.raft(1);
  ASSERT_EQ(a->state(), StateType::kLeader);
  ASSERT_EQ(a->raft_log().committed(), 0u);
  n.Send(ReadIndexMsg(1, 1, "ctx"));
  EXPECT_TRUE(a->read_states().empty());
  n.Recover();
  // A heartbeat round lets the followers catch up; the commit releases the read.
  n.Send(Msg(1, 1, raftpb::MSG_BEAT));
  ASSERT_EQ(a->raft_log().committed(), 1u);
  ASSERT_EQ(a->read_states().size(), 1u);
  EXPECT_EQ(a->read_states()[0].index, 1u);
  EXPECT_EQ(a->read_states()[0].request_ctx, "ctx");
}

// A follower without a leader drops read requests.
TEST(ReadIndexTest, FollowerWithoutLeaderDrops) {
  TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
  ASSERT_TRUE(p.raft->Step(ReadIndexMsg(1, 1, "x")).ok());
  EXPECT_TRUE(p.raft->ReadMessages().empty());
  EXPECT_TRUE(p.raft->read_states().empty());
}

// ---------------------------------------------------------------------------
// Leadership transfer (Raft thesis §3.10)

void CheckLeaderTransferState(Raft* r, StateType state, uint64_t lead) {
  EXPECT_EQ(r->state(), state);
  EXPECT_EQ(r->lead(), lead);
  EXPECT_EQ(r->lead_transferee(), kNone);
}

TEST(LeaderTransferTest, ToUpToDateNode) {
  Network n(3);
  n.Campaign(1);
  n.Send(TransferMsg(2, 1));
  CheckLeaderTransferState(n.raft(1), StateType::kFollower, 2);
  // After some log replication, transfer back.
  n.Propose(2, "");
  n.Send(TransferMsg(1, 2));
  CheckLeaderTransferState(n.raft(1), StateType::kLeader, 1);
}

// A transfer requested at a follower is forwarded to the leader.
TEST(LeaderTransferTest, ToUpToDateNodeFromFollower) {
  Network n(3);
  n.Campaign(1);
  n.Send(TransferMsg(2, 2));
  CheckLeaderTransferState(n.raft(1), StateType::kFollower, 2);
  n.Propose(2, "");
  n.Send(TransferMsg(1, 1));
  CheckLeaderTransferState(n.raft(1), StateType::kLeader, 1);
}

// A lagging transferee is caught up first, then told to campaign.
TEST(LeaderTransferTest, ToSlowFollower) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  n.Propose(1, "");
  n.Recover();
  EXPECT_EQ(n.raft(1)->tracker().Get(3)->match, 1u);
  n.Send(TransferMsg(3, 1));
  CheckLeaderTransferState(n.raft(1), StateType::kFollower, 3);
}

TEST(LeaderTransferTest, ToSelfIsNoop) {
  Network n(3);
  n.Campaign(1);
  n.Send(TransferMsg(1, 1));
  CheckLeaderTransferState(n.raft(1), StateType::kLeader, 1);
}

TEST(LeaderTransferTest, ToNonExistingNodeIsNoop) {
  Network n(3);
  n.Campaign(1);
  n.Send(TransferMsg(4, 1));
  CheckLeaderTransferState(n.raft(1), StateType::kLeader, 1);
}

// An unfinished transfer is abandoned after an election timeout.
TEST(LeaderTransferTest, Timeout) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  Raft* lead = n.raft(1);
  n.Send(TransferMsg(3, 1));
  EXPECT_EQ(lead->lead_transferee(), 3u);
  for (int i = 0; i < lead->heartbeat_timeout(); ++i) lead->Tick();
  EXPECT_EQ(lead->lead_transferee(), 3u);
  for (int i = 0; i < lead->election_timeout() - lead->heartbeat_timeout(); ++i) lead->Tick();
  CheckLeaderTransferState(lead, StateType::kLeader, 1);
}

// Proposals are refused while a transfer is in progress.
TEST(LeaderTransferTest, IgnoresProposals) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  Raft* lead = n.raft(1);
  n.Send(TransferMsg(3, 1));
  EXPECT_EQ(lead->lead_transferee(), 3u);
  EXPECT_TRUE(IsProposalDropped(lead->Step(PropMsg(1, 1, "x"))));
  EXPECT_EQ(lead->tracker().Get(1)->match, 1u);
}

// A higher-term election during a transfer wins over it.
TEST(LeaderTransferTest, ReceiveHigherTermVote) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  n.Send(TransferMsg(3, 1));
  EXPECT_EQ(n.raft(1)->lead_transferee(), 3u);
  n.Send(Msg(2, 2, raftpb::MSG_HUP));
  CheckLeaderTransferState(n.raft(1), StateType::kFollower, 2);
}

// Removing the transferee aborts the transfer.
TEST(LeaderTransferTest, RemoveTransferee) {
  Network n(3);
  n.Campaign(1);
  n.Ignore(raftpb::MSG_TIMEOUT_NOW);
  Raft* lead = n.raft(1);
  n.Send(TransferMsg(3, 1));
  EXPECT_EQ(lead->lead_transferee(), 3u);
  lead->ApplyConfChange(testing::CC(raftpb::CONF_CHANGE_REMOVE_NODE, 3));
  CheckLeaderTransferState(lead, StateType::kLeader, 1);
}

// A second transfer to another node replaces the first.
TEST(LeaderTransferTest, SecondTransferToAnotherNode) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  n.Send(TransferMsg(3, 1));
  EXPECT_EQ(n.raft(1)->lead_transferee(), 3u);
  n.Send(TransferMsg(2, 1));
  CheckLeaderTransferState(n.raft(1), StateType::kFollower, 2);
}

// Repeating a transfer to the same node does not extend its deadline.
TEST(LeaderTransferTest, SecondTransferToSameNode) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  Raft* lead = n.raft(1);
  n.Send(TransferMsg(3, 1));
  for (int i = 0; i < lead->heartbeat_timeout(); ++i) lead->Tick();
  n.Send(TransferMsg(3, 1));
  for (int i = 0; i < lead->election_timeout() - lead->heartbeat_timeout(); ++i) lead->Tick();
  CheckLeaderTransferState(lead, StateType::kLeader, 1);
}

// A learner cannot become leader by transfer.
TEST(LeaderTransferTest, ToLearnerIsIgnored) {
  TestPeer p = NewTestRaft(1, {1, 2}, 10, 1, nullptr, nullptr, {3});
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  ASSERT_TRUE(r->Step(TransferMsg(3, 1)).ok());
  EXPECT_EQ(r->lead_transferee(), kNone);
}

// MsgTimeoutNow makes a follower campaign at once, even a pre-vote one, skipping the
// pre-vote round.
TEST(LeaderTransferTest, TimeoutNowSkipsPreVote) {
  Network n(3, PreVote);
  n.Campaign(1);
  n.Send(TransferMsg(2, 1));
  EXPECT_EQ(n.raft(2)->state(), StateType::kLeader);
  EXPECT_EQ(n.raft(2)->term(), 2u);
}

}  // namespace
}  // namespace etcd::raft
