// The Raft state machine over the simulated network: elections, replication,
// proposals, heartbeats, flow control and the uncommitted-size limit.
#include "raft/raft.h"

#include <gtest/gtest.h>

#include "network.h"
#include "raft/util.h"

namespace etcd::raft {
namespace {

using testing::Ent;
using testing::Msg;
using testing::Network;
using testing::NewTestRaft;
using testing::PropMsg;
using testing::StorageWithTerms;
using testing::TestPeer;

std::vector<uint64_t> Ids(int n) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(static_cast<uint64_t>(i));
  return ids;
}

// A network of alive.size() nodes where !alive[i] is a black hole.
Network MakeNet(const std::vector<bool>& alive, const testing::ConfigFn& tweak = nullptr) {
  std::map<uint64_t, TestPeer> peers;
  auto ids = Ids(static_cast<int>(alive.size()));
  for (size_t i = 0; i < alive.size(); ++i) {
    peers[ids[i]] = alive[i] ? NewTestRaft(ids[i], ids, 10, 1, nullptr, tweak) : TestPeer{};
  }
  return Network(std::move(peers));
}

void PreVote(Config* c) { c->pre_vote = true; }

std::vector<std::string> Datas(const std::vector<raftpb::Entry>& ents) {
  std::vector<std::string> out;
  for (const auto& e : ents) out.push_back(absl::StrCat(e.term(), "/", e.index(), ":", e.data()));
  return out;
}

// Raft §5.2: a candidate needs a majority of the whole cluster, alive or not.
TEST(RaftTest, LeaderElection) {
  for (bool pre_vote : {false, true}) {
    SCOPED_TRACE(pre_vote ? "pre-vote" : "vote");
    StateType cand = pre_vote ? StateType::kPreCandidate : StateType::kCandidate;
    uint64_t cand_term = pre_vote ? 0 : 1;
    struct Case {
      std::vector<bool> alive;
      StateType want;
      uint64_t wterm;
    } cases[] = {
        {{true, true, true}, StateType::kLeader, 1},
        {{true, true, false}, StateType::kLeader, 1},
        {{true, false, false}, cand, cand_term},
        {{true, false, false, true}, cand, cand_term},
        {{true, false, false, true, true}, StateType::kLeader, 1},
    };
    int i = 0;
    for (const auto& tc : cases) {
      SCOPED_TRACE(i++);
      Network n = MakeNet(tc.alive, pre_vote ? PreVote : testing::ConfigFn());
      n.Campaign(1);
      EXPECT_EQ(n.raft(1)->state(), tc.want);
      EXPECT_EQ(n.raft(1)->term(), tc.wterm);
    }
  }
}

// Every node can become leader in turn, each time with everyone else following.
TEST(RaftTest, LeaderCycle) {
  for (bool pre_vote : {false, true}) {
    SCOPED_TRACE(pre_vote ? "pre-vote" : "vote");
    Network n(3, pre_vote ? PreVote : testing::ConfigFn());
    for (uint64_t c = 1; c <= 3; ++c) {
      n.Campaign(c);
      for (uint64_t id : n.ids()) {
        EXPECT_EQ(n.raft(id)->state(), id == c ? StateType::kLeader : StateType::kFollower)
            << "campaigner " << c << " node " << id;
        EXPECT_EQ(n.raft(id)->lead(), c);
      }
    }
  }
}

// A vote request of a higher term is granted from any state; a real vote moves the
// voter to that term as follower, a pre-vote changes nothing.
TEST(RaftTest, VoteFromAnyState) {
  for (auto vt : {raftpb::MSG_VOTE, raftpb::MSG_PRE_VOTE}) {
    for (StateType st : {StateType::kFollower, StateType::kCandidate, StateType::kPreCandidate,
                         StateType::kLeader}) {
      SCOPED_TRACE(absl::StrCat(MessageTypeName(vt), " ", StateTypeName(st)));
      TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
      Raft* r = p.raft.get();
      r->BecomeFollower(1, kNone);
      switch (st) {
        case StateType::kCandidate:
          r->BecomeCandidate();
          break;
        case StateType::kPreCandidate:
          r->BecomePreCandidate();
          break;
        case StateType::kLeader:
          r->BecomeCandidate();
          r->BecomeLeader();
          break;
        default:
          break;
      }
      r->ReadMessages();
      uint64_t orig_term = r->term(), orig_vote = r->vote(), new_term = orig_term + 1;
      raftpb::Message m = Msg(2, 1, vt, new_term);
      m.set_log_term(new_term);
      m.set_index(42);
      ASSERT_TRUE(r->Step(m).ok());
      auto msgs = r->ReadMessages();
      ASSERT_EQ(msgs.size(), 1u);
      EXPECT_EQ(msgs[0].type(), VoteRespType(vt));
      EXPECT_FALSE(msgs[0].reject());
      EXPECT_EQ(msgs[0].term(), new_term);
      if (vt == raftpb::MSG_VOTE) {
        EXPECT_EQ(r->state(), StateType::kFollower);
        EXPECT_EQ(r->term(), new_term);
        EXPECT_EQ(r->vote(), 2u);
      } else {
        EXPECT_EQ(r->state(), st);
        EXPECT_EQ(r->term(), orig_term);
        EXPECT_EQ(r->vote(), orig_vote);
      }
    }
  }
}

TEST(RaftTest, SingleNodeCandidate) {
  for (bool pre_vote : {false, true}) {
    Network n(1, pre_vote ? PreVote : testing::ConfigFn());
    n.Campaign(1);
    EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
    EXPECT_EQ(n.raft(1)->term(), 1u);
  }
}

// Raft §5.2/§5.4.1: a candidate with a stale log loses and returns to follower.
TEST(RaftTest, DuelingCandidates) {
  Network n(3);
  n.Cut(1, 3);
  n.Campaign(1);
  n.Campaign(3);
  EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
  EXPECT_EQ(n.raft(3)->state(), StateType::kCandidate);
  n.Recover();
  // 3 campaigns at term 2 but its log is behind: rejected by both.
  n.Campaign(3);
  for (uint64_t id : {1, 2, 3}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(n.raft(id)->state(), StateType::kFollower);
    EXPECT_EQ(n.raft(id)->term(), 2u);
  }
  EXPECT_EQ(n.raft(1)->raft_log().committed(), 1u);
  EXPECT_EQ(n.raft(2)->raft_log().committed(), 1u);
  EXPECT_EQ(n.raft(3)->raft_log().LastIndex(), 0u);
}

// With pre-vote a candidate with a stale log cannot even bump its term.
TEST(RaftTest, DuelingPreCandidates) {
  Network n(3, PreVote);
  n.Cut(1, 3);
  n.Campaign(1);
  n.Campaign(3);
  EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
  EXPECT_EQ(n.raft(3)->state(), StateType::kFollower);
  n.Recover();
  n.Campaign(3);
  EXPECT_EQ(n.raft(1)->state(), StateType::kLeader);
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(n.raft(id)->term(), 1u) << id;
}

// Raft §5.2: a candidate concedes to a leader of its term.
TEST(RaftTest, CandidateConcede) {
  Network n(3);
  n.Isolate(1);
  n.Campaign(1);
  n.Campaign(3);
  n.Recover();
  n.Send(Msg(3, 3, raftpb::MSG_BEAT));
  n.Propose(3, "force follower");
  n.Send(Msg(3, 3, raftpb::MSG_BEAT));
  EXPECT_EQ(n.raft(1)->state(), StateType::kFollower);
  EXPECT_EQ(n.raft(1)->term(), 1u);
  std::vector<std::string> want = {"1/1:", "1/2:force follower"};
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_EQ(Datas(n.raft(id)->raft_log().AllEntries()), want) << id;
    EXPECT_EQ(n.raft(id)->raft_log().committed(), 2u) << id;
  }
}

// Raft §5.1: messages from an old term are ignored.
TEST(RaftTest, OldMessages) {
  Network n(3);
  n.Campaign(1);
  n.Campaign(2);
  n.Campaign(1);  // leader at term 3
  raftpb::Message old = Msg(2, 1, raftpb::MSG_APP, 2);
  *old.add_entries() = Ent(3, 2);
  n.Send(old);
  n.Propose(1, "somedata");
  std::vector<std::string> want = {"1/1:", "2/2:", "3/3:", "3/4:somedata"};
  for (uint64_t id : {1, 2, 3}) EXPECT_EQ(Datas(n.raft(id)->raft_log().AllEntries()), want);
}

// Raft §5.3: proposals commit only when a majority is reachable.
TEST(RaftTest, Proposal) {
  struct Case {
    std::vector<bool> alive;
    bool success;
  } cases[] = {
      {{true, true, true}, true},
      {{true, true, false}, true},
      {{true, false, false}, false},
      {{true, false, false, true}, false},
      {{true, false, false, true, true}, true},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    Network n = MakeNet(tc.alive);
    n.Campaign(1);
    n.Propose(1, "somedata");
    Raft* r = n.raft(1);
    if (tc.success) {
      EXPECT_EQ(Datas(r->raft_log().AllEntries()),
                (std::vector<std::string>{"1/1:", "1/2:somedata"}));
      EXPECT_EQ(r->raft_log().committed(), 2u);
    } else {
      EXPECT_EQ(r->raft_log().committed(), 0u);
    }
    EXPECT_EQ(r->term(), 1u);
  }
}

// A follower forwards proposals to the leader.
TEST(RaftTest, ProposalByProxy) {
  for (bool three_alive : {true, false}) {
    Network n = MakeNet({true, true, three_alive});
    n.Campaign(1);
    n.Propose(2, "somedata");
    for (uint64_t id : {1, 2}) {
      EXPECT_EQ(Datas(n.raft(id)->raft_log().AllEntries()),
                (std::vector<std::string>{"1/1:", "1/2:somedata"}));
      EXPECT_EQ(n.raft(id)->raft_log().committed(), 2u);
    }
    EXPECT_EQ(n.raft(2)->lead(), 1u);
  }
}

// Without a leader, or with forwarding disabled, a proposal is dropped with a
// distinct error.
TEST(RaftTest, ProposalDropped) {
  TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
  absl::Status s = p.raft->Step(PropMsg(1, 1, "x"));
  EXPECT_TRUE(IsProposalDropped(s)) << s;
  p.raft->BecomeCandidate();
  EXPECT_TRUE(IsProposalDropped(p.raft->Step(PropMsg(1, 1, "x"))));

  TestPeer q = NewTestRaft(1, Ids(3), 10, 1, nullptr,
                           [](Config* c) { c->disable_proposal_forwarding = true; });
  q.raft->BecomeFollower(1, 2);
  EXPECT_TRUE(IsProposalDropped(q.raft->Step(PropMsg(1, 1, "x"))));
  EXPECT_TRUE(q.raft->ReadMessages().empty());
}

// Fast backtracking: a follower with a long divergent tail is fixed in one
// rejection round trip per term instead of one per index.
TEST(RaftTest, FastLogBacktracking) {
  std::vector<uint64_t> lead_terms = {1, 1, 1, 1, 1, 4, 4, 4};
  std::vector<uint64_t> follower_terms = {1, 1, 1, 1, 1};
  for (int i = 0; i < 20; ++i) follower_terms.push_back(3);
  std::map<uint64_t, TestPeer> peers;
  auto ls = StorageWithTerms(lead_terms);
  peers[1] = NewTestRaft(1, Ids(3), 10, 1, ls.get());
  peers[1].storage = std::move(ls);
  auto fs = StorageWithTerms(follower_terms);
  peers[2] = NewTestRaft(2, Ids(3), 10, 1, fs.get());
  peers[2].storage = std::move(fs);
  peers[3] = TestPeer{};
  Network n(std::move(peers));
  n.Campaign(1);
  n.Send(Msg(3, 1, raftpb::MSG_VOTE_RESP, n.raft(1)->term()));
  ASSERT_EQ(n.raft(1)->state(), StateType::kLeader);
  n.Propose(1, "x");
  int rejections = 0;
  for (const auto& m : n.delivered()) {
    if (m.type() == raftpb::MSG_APP_RESP && m.reject()) ++rejections;
  }
  EXPECT_EQ(rejections, 1);
  EXPECT_EQ(Datas(n.raft(2)->raft_log().AllEntries()), Datas(n.raft(1)->raft_log().AllEntries()));
  EXPECT_EQ(n.raft(2)->raft_log().committed(), n.raft(1)->raft_log().committed());
}

// A follower takes the commit index from a heartbeat, never moving it back.
TEST(RaftTest, HandleHeartbeat) {
  struct Case {
    uint64_t commit, wcommit;
  } cases[] = {{3, 3}, {1, 2}};
  for (const auto& tc : cases) {
    auto s = StorageWithTerms({1, 2, 3});
    TestPeer p = NewTestRaft(1, Ids(2), 10, 1, s.get());
    Raft* r = p.raft.get();
    r->BecomeFollower(2, 2);
    r->raft_log().CommitTo(2);
    raftpb::Message m = Msg(2, 1, raftpb::MSG_HEARTBEAT, 2);
    m.set_commit(tc.commit);
    m.set_context("ctx");
    ASSERT_TRUE(r->Step(m).ok());
    EXPECT_EQ(r->raft_log().committed(), tc.wcommit);
    auto msgs = r->ReadMessages();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].type(), raftpb::MSG_HEARTBEAT_RESP);
    EXPECT_EQ(msgs[0].context(), "ctx");
  }
}

// The leader re-sends appends to a follower that answers heartbeats but lags.
TEST(RaftTest, HandleHeartbeatResp) {
  auto s = StorageWithTerms({1, 2, 3});
  TestPeer p = NewTestRaft(1, Ids(2), 5, 1, s.get());
  Raft* r = p.raft.get();
  ASSERT_TRUE(r->LoadState([] {
                 raftpb::HardState h;
                 h.set_term(3);
                 return h;
               }())
                  .ok());
  r->BecomeCandidate();
  r->BecomeLeader();
  r->raft_log().CommitTo(r->raft_log().LastIndex());
  r->ReadMessages();
  // Each heartbeat response from a lagging follower gets an append.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_HEARTBEAT_RESP, r->term())).ok());
    auto msgs = r->ReadMessages();
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].type(), raftpb::MSG_APP);
  }
  raftpb::Message ack = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
  ack.set_index(r->raft_log().LastIndex());
  ASSERT_TRUE(r->Step(ack).ok());
  r->ReadMessages();
  // Caught up: a heartbeat response needs no append.
  ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_HEARTBEAT_RESP, r->term())).ok());
  EXPECT_TRUE(r->ReadMessages().empty());
}

// A probe that got no answer pauses the follower until it answers.
TEST(RaftTest, MsgAppRespWaitReset) {
  TestPeer p = NewTestRaft(1, Ids(3), 5, 1);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  r->TEST_BcastAppend();
  r->ReadMessages();
  raftpb::Message ack = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
  ack.set_index(1);
  ASSERT_TRUE(r->Step(ack).ok());
  EXPECT_EQ(r->raft_log().committed(), 1u);
  r->ReadMessages();
  ASSERT_TRUE(r->Step(PropMsg(1, 1, "")).ok());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);  // node 3 is still paused
  EXPECT_EQ(msgs[0].to(), 2u);
  ASSERT_EQ(msgs[0].entries_size(), 1);
  EXPECT_EQ(msgs[0].entries(0).index(), 2u);
  ack.set_from(3);
  ASSERT_TRUE(r->Step(ack).ok());
  msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].to(), 3u);
  ASSERT_EQ(msgs[0].entries_size(), 1);
  EXPECT_EQ(msgs[0].entries(0).index(), 2u);
}

// Config::lazy_commit_broadcast: the ack that commits an entry sends no commit-only
// MsgApp; the commit travels with the next MsgApp, or with FlushCommit.
TEST(RaftTest, LazyCommitBroadcastWaitsForTheNextAppendOrFlush) {
  TestPeer p =
      NewTestRaft(1, Ids(3), 5, 1, nullptr, [](Config* c) { c->lazy_commit_broadcast = true; });
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  r->TEST_BcastAppend();
  r->ReadMessages();
  auto ack = [&](uint64_t from, uint64_t index) {
    raftpb::Message m = Msg(from, 1, raftpb::MSG_APP_RESP, r->term());
    m.set_index(index);
    ASSERT_TRUE(r->Step(m).ok());
  };
  ack(2, 1);
  ack(3, 1);  // both followers replicate now
  r->FlushCommit();
  r->ReadMessages();
  ASSERT_FALSE(r->CommitFlushPending());

  ASSERT_TRUE(r->Step(PropMsg(1, 1, "x")).ok());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 2u);
  ack(2, 2);
  EXPECT_EQ(r->raft_log().committed(), 2u);
  EXPECT_TRUE(r->CommitFlushPending());
  EXPECT_TRUE(r->ReadMessages().empty());  // eager mode sends two commit-only MsgApps here

  // The next proposal's MsgApps carry the commit index and clear the flag.
  ASSERT_TRUE(r->Step(PropMsg(1, 1, "y")).ok());
  EXPECT_FALSE(r->CommitFlushPending());
  msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 2u);
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MSG_APP);
    EXPECT_EQ(m.commit(), 2u);
    EXPECT_EQ(m.entries_size(), 1);
  }

  // Without a proposal, FlushCommit sends the commit-only MsgApps.
  ack(3, 3);
  EXPECT_EQ(r->raft_log().committed(), 3u);
  ASSERT_TRUE(r->CommitFlushPending());
  EXPECT_TRUE(r->ReadMessages().empty());
  r->FlushCommit();
  EXPECT_FALSE(r->CommitFlushPending());
  msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 2u);
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MSG_APP);
    EXPECT_EQ(m.commit(), 3u);
    EXPECT_EQ(m.entries_size(), 0);
  }
  r->FlushCommit();  // nothing pending: nothing sent
  EXPECT_TRUE(r->ReadMessages().empty());
}

// Even in lazy mode, the commit of a conf change is announced at once: a member it
// removes must learn it before the leader applies it and stops sending to it.
TEST(RaftTest, LazyCommitBroadcastAnnouncesConfChangesAtOnce) {
  TestPeer p =
      NewTestRaft(1, Ids(3), 5, 1, nullptr, [](Config* c) { c->lazy_commit_broadcast = true; });
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  r->TEST_BcastAppend();
  r->ReadMessages();
  auto ack = [&](uint64_t from, uint64_t index) {
    raftpb::Message m = Msg(from, 1, raftpb::MSG_APP_RESP, r->term());
    m.set_index(index);
    ASSERT_TRUE(r->Step(m).ok());
  };
  ack(2, 1);
  ack(3, 1);
  r->FlushCommit();
  r->ReadMessages();

  raftpb::ConfChange cc;
  cc.set_type(raftpb::CONF_CHANGE_REMOVE_NODE);
  cc.set_node_id(3);
  raftpb::Message prop = PropMsg(1, 1, cc.SerializeAsString());
  prop.mutable_entries(0)->set_type(raftpb::ENTRY_CONF_CHANGE);
  ASSERT_TRUE(r->Step(prop).ok());
  r->ReadMessages();
  ack(2, 2);
  EXPECT_EQ(r->raft_log().committed(), 2u);
  EXPECT_FALSE(r->CommitFlushPending());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 2u);
  for (const auto& m : msgs) EXPECT_EQ(m.commit(), 2u);
}

// A leader that steps down forgets a pending commit flush; a follower never has one.
TEST(RaftTest, LazyCommitFlushIsDroppedOnStepDown) {
  TestPeer p =
      NewTestRaft(1, Ids(3), 5, 1, nullptr, [](Config* c) { c->lazy_commit_broadcast = true; });
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  r->TEST_BcastAppend();
  r->ReadMessages();
  raftpb::Message ack = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
  ack.set_index(1);
  ASSERT_TRUE(r->Step(ack).ok());
  ASSERT_TRUE(r->CommitFlushPending());
  r->ReadMessages();
  r->BecomeFollower(r->term() + 1, 2);
  EXPECT_FALSE(r->CommitFlushPending());
  r->FlushCommit();
  EXPECT_TRUE(r->ReadMessages().empty());
}

// Over the simulated network the lazy mode replicates and commits like the eager one;
// the followers learn the commit index with the next append.
TEST(RaftTest, LazyCommitBroadcastReplicates) {
  Network net(3, [](Config* c) { c->lazy_commit_broadcast = true; });
  net.Campaign(1);
  net.Propose(1, "a");
  Raft* leader = net.raft(1);
  EXPECT_EQ(leader->raft_log().committed(), 2u);
  EXPECT_LT(net.raft(2)->raft_log().committed(), 2u);
  net.Propose(1, "b");
  EXPECT_EQ(leader->raft_log().committed(), 3u);
  EXPECT_EQ(net.raft(2)->raft_log().committed(), 2u);
  leader->FlushCommit();
  net.Send(leader->ReadMessages());
  EXPECT_EQ(net.raft(2)->raft_log().committed(), 3u);
  EXPECT_EQ(net.raft(3)->raft_log().committed(), 3u);
}

// Raft §5.1: any server steps down on a higher-term request.
TEST(RaftTest, AllServerStepdown) {
  for (StateType st : {StateType::kFollower, StateType::kPreCandidate, StateType::kCandidate,
                       StateType::kLeader}) {
    for (auto mt : {raftpb::MSG_VOTE, raftpb::MSG_APP}) {
      SCOPED_TRACE(absl::StrCat(StateTypeName(st), " ", MessageTypeName(mt)));
      TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
      Raft* r = p.raft.get();
      switch (st) {
        case StateType::kFollower:
          r->BecomeFollower(1, kNone);
          break;
        case StateType::kPreCandidate:
          r->BecomePreCandidate();
          break;
        case StateType::kCandidate:
          r->BecomeCandidate();
          break;
        case StateType::kLeader:
          r->BecomeCandidate();
          r->BecomeLeader();
          break;
      }
      raftpb::Message m = Msg(2, 1, mt, 3);
      m.set_log_term(3);
      ASSERT_TRUE(r->Step(m).ok());
      EXPECT_EQ(r->state(), StateType::kFollower);
      EXPECT_EQ(r->term(), 3u);
      EXPECT_EQ(r->lead(), mt == raftpb::MSG_APP ? 2u : kNone);
    }
  }
}

// A node that was partitioned as candidate rejoins at the leader's higher term.
TEST(RaftTest, CandidateResetTerm) {
  Network n(3);
  n.Campaign(1);
  n.Isolate(3);
  n.Campaign(2);
  n.Campaign(1);
  ASSERT_EQ(n.raft(1)->state(), StateType::kLeader);
  ASSERT_EQ(n.raft(1)->term(), 3u);
  Raft* c = n.raft(3);
  c->TEST_SetRandomizedElectionTimeout(c->election_timeout());
  for (int i = 0; i < c->election_timeout(); ++i) c->Tick();
  EXPECT_EQ(c->state(), StateType::kCandidate);
  n.Recover();
  n.Send(Msg(1, 1, raftpb::MSG_BEAT));
  EXPECT_EQ(c->state(), StateType::kFollower);
  EXPECT_EQ(c->term(), n.raft(1)->term());
}

// Raft §5.2: the leader heartbeats carry min(match, commit).
TEST(RaftTest, BcastBeat) {
  auto s = StorageWithTerms({});
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(1000);
  snap.mutable_metadata()->set_term(1);
  for (uint64_t id : {1, 2, 3}) snap.mutable_metadata()->mutable_conf_state()->add_voters(id);
  ASSERT_TRUE(s->ApplySnapshot(snap).ok());
  TestPeer p = NewTestRaft(1, {}, 10, 1, s.get());
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(r->Step(PropMsg(1, 1, "")).ok());
  r->tracker().Get(2)->match = 5;
  r->tracker().Get(3)->match = r->raft_log().LastIndex();
  r->ReadMessages();
  ASSERT_TRUE(r->Step(Msg(1, 1, raftpb::MSG_BEAT)).ok());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 2u);
  std::map<uint64_t, uint64_t> want = {{2, 5}, {3, r->raft_log().committed()}};
  for (const auto& m : msgs) {
    EXPECT_EQ(m.type(), raftpb::MSG_HEARTBEAT);
    EXPECT_EQ(m.index(), 0u);
    EXPECT_EQ(m.log_term(), 0u);
    EXPECT_EQ(m.entries_size(), 0);
    EXPECT_EQ(m.commit(), want[m.to()]) << m.to();
  }
}

// Only a leader acts on MsgBeat.
TEST(RaftTest, RecvMsgBeat) {
  for (StateType st : {StateType::kLeader, StateType::kCandidate, StateType::kFollower}) {
    auto s = StorageWithTerms({0, 1, 1});
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1, s.get());
    Raft* r = p.raft.get();
    if (st != StateType::kFollower) r->BecomeCandidate();
    if (st == StateType::kLeader) r->BecomeLeader();
    r->ReadMessages();
    ASSERT_TRUE(r->Step(Msg(1, 1, raftpb::MSG_BEAT)).ok());
    auto msgs = r->ReadMessages();
    EXPECT_EQ(msgs.size(), st == StateType::kLeader ? 2u : 0u);
    for (const auto& m : msgs) EXPECT_EQ(m.type(), raftpb::MSG_HEARTBEAT);
  }
}

// In replicate state the leader streams without waiting; a full inflights window
// pauses it until acks (or a heartbeat response) free a slot.
TEST(RaftTest, FlowControl) {
  TestPeer p = NewTestRaft(1, Ids(2), 5, 1, nullptr, [](Config* c) { c->max_inflight_msgs = 3; });
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  r->ReadMessages();
  Progress* pr = r->tracker().Get(2);
  pr->BecomeReplicate();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(r->Step(PropMsg(1, 1, "x")).ok());
    EXPECT_EQ(r->ReadMessages().size(), 1u) << i;
  }
  EXPECT_TRUE(pr->inflights.Full());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(r->Step(PropMsg(1, 1, "x")).ok());
    EXPECT_TRUE(r->ReadMessages().empty());
  }
  // A heartbeat response frees one slot and the leader sends one more append.
  ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_HEARTBEAT_RESP, r->term())).ok());
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type(), raftpb::MSG_APP);
  // An ack frees the window; the leader sends everything that is left.
  raftpb::Message ack = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
  ack.set_index(msgs[0].index() + msgs[0].entries_size());
  ASSERT_TRUE(r->Step(ack).ok());
  msgs = r->ReadMessages();
  ASSERT_FALSE(msgs.empty());
  EXPECT_EQ(msgs.back().index() + msgs.back().entries_size(), r->raft_log().LastIndex());
}

// A leader accepts proposals until the uncommitted payload reaches the limit; the
// limit is released as entries commit. One proposal is always admitted when nothing
// is outstanding, and the leader's empty entry does not count.
TEST(RaftTest, UncommittedEntryLimit) {
  const std::string data(100, 'x');
  TestPeer p = NewTestRaft(1, Ids(3), 5, 1, nullptr,
                           [](Config* c) { c->max_uncommitted_entries_size = 300; });
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  EXPECT_EQ(r->uncommitted_size(), 0u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(r->Step(PropMsg(1, 1, data)).ok()) << i;
  EXPECT_TRUE(IsProposalDropped(r->Step(PropMsg(1, 1, data))));
  std::vector<raftpb::Entry> committed(3, Ent(0, 1, data));
  r->ReduceUncommittedSize(committed);
  EXPECT_EQ(r->uncommitted_size(), 0u);
  ASSERT_TRUE(r->Step(PropMsg(1, 1, std::string(1000, 'y'))).ok());
  EXPECT_TRUE(IsProposalDropped(r->Step(PropMsg(1, 1, "z"))));
  // Empty payloads are always accepted.
  EXPECT_TRUE(r->Step(PropMsg(1, 1, "")).ok());
}

// Large logs are cut by max_size_per_msg.
TEST(RaftTest, MaxSizePerMsg) {
  TestPeer p = NewTestRaft(1, Ids(2), 5, 1, nullptr, [](Config* c) { c->max_size_per_msg = 250; });
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(r->Step(PropMsg(1, 1, std::string(100, 'a'))).ok());
  r->ReadMessages();
  r->tracker().Get(2)->match = 1;  // has the leader's empty entry
  r->tracker().Get(2)->BecomeReplicate();
  r->TEST_BcastAppend();
  auto msgs = r->ReadMessages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].entries_size(), 2);
}

}  // namespace
}  // namespace etcd::raft
