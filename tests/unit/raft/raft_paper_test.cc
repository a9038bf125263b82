// One test per rule of the Raft paper (Ongaro & Ousterhout, "In Search of an
// Understandable Consensus Algorithm", §5), driving the state machine directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

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
using testing::StorageWithTerms;
using testing::TestPeer;

std::vector<uint64_t> Ids(int n) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(static_cast<uint64_t>(i));
  return ids;
}

raftpb::HardState HS(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState hs;
  hs.set_term(term);
  hs.set_vote(vote);
  hs.set_commit(commit);
  return hs;
}

// Sorts messages by recipient so tables do not depend on iteration order.
std::vector<raftpb::Message> Sorted(std::vector<raftpb::Message> msgs) {
  std::stable_sort(msgs.begin(), msgs.end(),
                   [](const auto& a, const auto& b) { return a.to() < b.to(); });
  return msgs;
}

// The follower's acknowledgement of a MsgApp it accepted.
raftpb::Message AcceptAndReply(const raftpb::Message& m) {
  EXPECT_EQ(m.type(), raftpb::MSG_APP);
  raftpb::Message r = Msg(m.to(), m.from(), raftpb::MSG_APP_RESP, m.term());
  r.set_index(m.index() + m.entries_size());
  return r;
}

// Persists and applies what the leader has so far.
void Persist(Raft* r, MemoryStorage* s) {
  auto ents = r->raft_log().UnstableEntries();
  ASSERT_TRUE(s->Append(ents).ok());
  if (!ents.empty()) r->raft_log().StableTo(ents.back().index(), ents.back().term());
  r->raft_log().AppliedTo(r->raft_log().committed());
}

// Makes the new leader commit its empty entry with everyone's ack, then persists.
void CommitNoopEntry(Raft* r, MemoryStorage* s) {
  ASSERT_EQ(r->state(), StateType::kLeader);
  r->TEST_BcastAppend();
  for (const auto& m : r->ReadMessages()) {
    ASSERT_EQ(m.type(), raftpb::MSG_APP);
    ASSERT_EQ(m.entries_size(), 1);
    ASSERT_TRUE(m.entries(0).data().empty());
    (void)r->Step(AcceptAndReply(m));
  }
  r->ReadMessages();  // the commit-carrying appends
  Persist(r, s);
}

void ExpectMsg(const raftpb::Message& got, uint64_t from, uint64_t to, raftpb::MessageType type,
               uint64_t term) {
  EXPECT_EQ(got.from(), from) << DescribeMessage(got);
  EXPECT_EQ(got.to(), to) << DescribeMessage(got);
  EXPECT_EQ(got.type(), type) << DescribeMessage(got);
  EXPECT_EQ(got.term(), term) << DescribeMessage(got);
}

// Raft §5.1: a server that sees a larger term updates its term and, if it was a
// candidate or leader, reverts to follower.
TEST(RaftPaperTest, UpdateTermFromMessage) {
  for (StateType st : {StateType::kFollower, StateType::kCandidate, StateType::kLeader}) {
    SCOPED_TRACE(StateTypeName(st));
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
    Raft* r = p.raft.get();
    switch (st) {
      case StateType::kFollower:
        r->BecomeFollower(1, 2);
        break;
      case StateType::kCandidate:
        r->BecomeCandidate();
        break;
      default:
        r->BecomeCandidate();
        r->BecomeLeader();
        break;
    }
    ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_APP, 2)).ok());
    EXPECT_EQ(r->term(), 2u);
    EXPECT_EQ(r->state(), StateType::kFollower);
  }
}

// Raft §5.1: a request with a stale term is rejected (here: ignored, no effect).
TEST(RaftPaperTest, RejectStaleTermMessage) {
  TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
  Raft* r = p.raft.get();
  ASSERT_TRUE(r->LoadState(HS(2, 0, 0)).ok());
  raftpb::Message m = Msg(2, 1, raftpb::MSG_APP, 1);
  *m.add_entries() = Ent(1, 1, "x");
  ASSERT_TRUE(r->Step(m).ok());
  EXPECT_EQ(r->term(), 2u);
  EXPECT_EQ(r->lead(), kNone);
  EXPECT_EQ(r->raft_log().LastIndex(), 0u);
  EXPECT_TRUE(r->ReadMessages().empty());
}

// Raft §5.2: servers start up as followers.
TEST(RaftPaperTest, StartAsFollower) {
  TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
  EXPECT_EQ(p.raft->state(), StateType::kFollower);
}

// Raft §5.2: the leader sends periodic heartbeats to all followers.
TEST(RaftPaperTest, LeaderBcastBeat) {
  const int hi = 1;
  TestPeer p = NewTestRaft(1, Ids(3), 10, hi);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(r->Step(PropMsg(1, 1, "x")).ok());
  r->ReadMessages();
  for (int i = 0; i < hi; ++i) r->Tick();
  auto msgs = Sorted(r->ReadMessages());
  ASSERT_EQ(msgs.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ExpectMsg(msgs[i], 1, i + 2, raftpb::MSG_HEARTBEAT, 1);
    EXPECT_EQ(msgs[i].commit(), 0u);  // followers have matched nothing yet
  }
}

// Raft §5.2: a follower (or candidate) that hears nothing for an election timeout
// starts an election: increments its term, votes for itself, requests votes.
TEST(RaftPaperTest, NonleaderStartElection) {
  for (StateType st : {StateType::kFollower, StateType::kCandidate}) {
    SCOPED_TRACE(StateTypeName(st));
    const int et = 10;
    TestPeer p = NewTestRaft(1, Ids(3), et, 1);
    Raft* r = p.raft.get();
    if (st == StateType::kFollower) {
      r->BecomeFollower(1, 2);
    } else {
      r->BecomeCandidate();
    }
    for (int i = 1; i < 2 * et; ++i) r->Tick();
    EXPECT_EQ(r->term(), 2u);
    EXPECT_EQ(r->state(), StateType::kCandidate);
    EXPECT_EQ(r->vote(), 1u);
    auto msgs = Sorted(r->ReadMessages());
    ASSERT_EQ(msgs.size(), 2u);
    for (size_t i = 0; i < 2; ++i) ExpectMsg(msgs[i], 1, i + 2, raftpb::MSG_VOTE, 2);
  }
}

// Raft §5.2: a candidate wins with votes from a majority, loses when a majority
// rejects, and otherwise keeps waiting.
TEST(RaftPaperTest, LeaderElectionInOneRoundRPC) {
  struct Case {
    int size;
    std::map<uint64_t, bool> votes;
    StateType want;
  } cases[] = {
      {1, {}, StateType::kLeader},
      {3, {{2, true}, {3, true}}, StateType::kLeader},
      {3, {{2, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}, {4, true}, {5, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}, {4, true}}, StateType::kLeader},
      {5, {{2, true}, {3, true}}, StateType::kLeader},
      {3, {{2, false}, {3, false}}, StateType::kFollower},
      {5, {{2, false}, {3, false}, {4, false}, {5, false}}, StateType::kFollower},
      {5, {{2, true}, {3, false}, {4, false}, {5, false}}, StateType::kFollower},
      {3, {}, StateType::kCandidate},
      {5, {{2, true}}, StateType::kCandidate},
      {5, {{2, false}, {3, false}}, StateType::kCandidate},
      {5, {}, StateType::kCandidate},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    TestPeer p = NewTestRaft(1, Ids(tc.size), 10, 1);
    Raft* r = p.raft.get();
    ASSERT_TRUE(r->Step(Msg(1, 1, raftpb::MSG_HUP)).ok());
    for (const auto& [id, granted] : tc.votes) {
      raftpb::Message m = Msg(id, 1, raftpb::MSG_VOTE_RESP, r->term());
      m.set_reject(!granted);
      ASSERT_TRUE(r->Step(m).ok());
    }
    EXPECT_EQ(r->state(), tc.want);
    EXPECT_EQ(r->term(), 1u);
  }
}

// Raft §5.2: each server votes for at most one candidate in a term, first come first
// served.
TEST(RaftPaperTest, FollowerVote) {
  struct Case {
    uint64_t vote, nvote;
    bool wreject;
  } cases[] = {
      {kNone, 1, false}, {kNone, 2, false}, {1, 1, false},
      {2, 2, false},     {1, 2, true},      {2, 1, true},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
    Raft* r = p.raft.get();
    ASSERT_TRUE(r->LoadState(HS(1, tc.vote, 0)).ok());
    ASSERT_TRUE(r->Step(Msg(tc.nvote, 1, raftpb::MSG_VOTE, 1)).ok());
    auto msgs = r->ReadMessages();
    ASSERT_EQ(msgs.size(), 1u);
    ExpectMsg(msgs[0], 1, tc.nvote, raftpb::MSG_VOTE_RESP, 1);
    EXPECT_EQ(msgs[0].reject(), tc.wreject);
  }
}

// Raft §5.2: a candidate that hears from a leader with a term at least as large as its
// own recognizes it and returns to follower.
TEST(RaftPaperTest, CandidateFallback) {
  for (uint64_t term : {1u, 2u}) {
    SCOPED_TRACE(term);
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
    Raft* r = p.raft.get();
    ASSERT_TRUE(r->Step(Msg(1, 1, raftpb::MSG_HUP)).ok());
    ASSERT_EQ(r->state(), StateType::kCandidate);
    ASSERT_TRUE(r->Step(Msg(2, 1, raftpb::MSG_APP, term)).ok());
    EXPECT_EQ(r->state(), StateType::kFollower);
    EXPECT_EQ(r->term(), term);
  }
}

// Raft §5.2: election timeouts are randomized in [et, 2*et) for followers and
// candidates, so split votes are rare.
TEST(RaftPaperTest, NonleaderElectionTimeoutRandomized) {
  for (StateType st : {StateType::kFollower, StateType::kCandidate}) {
    SCOPED_TRACE(StateTypeName(st));
    const int et = 10;
    TestPeer p = NewTestRaft(1, Ids(3), et, 1);
    Raft* r = p.raft.get();
    std::set<int> seen;
    for (int i = 0; i < 50 * et; ++i) {
      if (st == StateType::kFollower) {
        r->BecomeFollower(r->term() + 1, 2);
      } else {
        r->BecomeCandidate();
      }
      int time = 0;
      while (r->ReadMessages().empty()) {
        r->Tick();
        ++time;
      }
      seen.insert(time);
    }
    for (int d = et; d < 2 * et; ++d) EXPECT_EQ(seen.count(d), 1u) << d;
    EXPECT_EQ(*seen.begin(), et);
    EXPECT_EQ(*seen.rbegin(), 2 * et - 1);
  }
}

// Raft §5.2: with randomized timeouts, usually only one server times out first.
TEST(RaftPaperTest, NonleadersElectionTimeoutNonconflict) {
  for (StateType st : {StateType::kFollower, StateType::kCandidate}) {
    SCOPED_TRACE(StateTypeName(st));
    const int et = 10, size = 5;
    std::vector<TestPeer> peers;
    for (int i = 1; i <= size; ++i) peers.push_back(NewTestRaft(i, Ids(size), et, 1));
    int conflicts = 0;
    const int rounds = 1000;
    for (int round = 0; round < rounds; ++round) {
      for (auto& p : peers) {
        if (st == StateType::kFollower) {
          p.raft->BecomeFollower(p.raft->term() + 1, kNone);
        } else {
          p.raft->BecomeCandidate();
        }
      }
      int timed_out = 0;
      while (timed_out == 0) {
        for (auto& p : peers) {
          p.raft->Tick();
          if (!p.raft->ReadMessages().empty()) ++timed_out;
        }
      }
      if (timed_out > 1) ++conflicts;
    }
    EXPECT_LT(static_cast<double>(conflicts) / rounds, 0.3);
  }
}

// Raft §5.3: the leader appends a proposal to its log and sends it in parallel to
// every follower with the index and term of the preceding entry.
TEST(RaftPaperTest, LeaderStartReplication) {
  TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  CommitNoopEntry(r, p.storage.get());
  uint64_t li = r->raft_log().LastIndex();
  ASSERT_TRUE(r->Step(PropMsg(1, 1, "some data")).ok());
  EXPECT_EQ(r->raft_log().LastIndex(), li + 1);
  EXPECT_EQ(r->raft_log().committed(), li);
  auto msgs = Sorted(r->ReadMessages());
  ASSERT_EQ(msgs.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ExpectMsg(msgs[i], 1, i + 2, raftpb::MSG_APP, 1);
    EXPECT_EQ(msgs[i].index(), li);
    EXPECT_EQ(msgs[i].log_term(), 1u);
    EXPECT_EQ(msgs[i].commit(), li);
    ASSERT_EQ(msgs[i].entries_size(), 1);
    EXPECT_EQ(msgs[i].entries(0).index(), li + 1);
    EXPECT_EQ(msgs[i].entries(0).term(), 1u);
    EXPECT_EQ(msgs[i].entries(0).data(), "some data");
  }
  auto unstable = r->raft_log().UnstableEntries();
  ASSERT_EQ(unstable.size(), 1u);
  EXPECT_EQ(unstable[0].data(), "some data");
}

// Raft §5.3: an entry replicated on a majority is committed; the leader then tells
// the followers the new commit index.
TEST(RaftPaperTest, LeaderCommitEntry) {
  TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
  Raft* r = p.raft.get();
  r->BecomeCandidate();
  r->BecomeLeader();
  CommitNoopEntry(r, p.storage.get());
  uint64_t li = r->raft_log().LastIndex();
  ASSERT_TRUE(r->Step(PropMsg(1, 1, "some data")).ok());
  for (const auto& m : r->ReadMessages()) ASSERT_TRUE(r->Step(AcceptAndReply(m)).ok());
  EXPECT_EQ(r->raft_log().committed(), li + 1);
  auto next = r->raft_log().NextEnts();
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].data(), "some data");
  auto msgs = Sorted(r->ReadMessages());
  ASSERT_EQ(msgs.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ExpectMsg(msgs[i], 1, i + 2, raftpb::MSG_APP, 1);
    EXPECT_EQ(msgs[i].commit(), li + 1);
  }
}

// Raft §5.3: the leader commits once a majority (counting itself) acknowledges.
TEST(RaftPaperTest, LeaderAcknowledgeCommit) {
  struct Case {
    int size;
    std::set<uint64_t> acceptors;
    bool wack;
  } cases[] = {
      {1, {}, true},     {3, {}, false},       {3, {2}, true},
      {3, {2, 3}, true}, {5, {}, false},       {5, {2}, false},
      {5, {2, 3}, true}, {5, {2, 3, 4}, true}, {5, {2, 3, 4, 5}, true},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    TestPeer p = NewTestRaft(1, Ids(tc.size), 10, 1);
    Raft* r = p.raft.get();
    r->BecomeCandidate();
    r->BecomeLeader();
    CommitNoopEntry(r, p.storage.get());
    uint64_t li = r->raft_log().LastIndex();
    ASSERT_TRUE(r->Step(PropMsg(1, 1, "some data")).ok());
    for (const auto& m : r->ReadMessages()) {
      if (tc.acceptors.count(m.to())) {
        ASSERT_TRUE(r->Step(AcceptAndReply(m)).ok());
      }
    }
    EXPECT_EQ(r->raft_log().committed() > li, tc.wack);
  }
}

// Raft §5.3: committing an entry also commits all preceding entries, including those
// created by previous leaders.
TEST(RaftPaperTest, LeaderCommitPrecedingEntries) {
  std::vector<std::vector<uint64_t>> cases = {{}, {2}, {1, 2}, {1}};
  int i = 0;
  for (const auto& terms : cases) {
    SCOPED_TRACE(i++);
    auto storage = StorageWithTerms(terms);
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1, storage.get());
    Raft* r = p.raft.get();
    ASSERT_TRUE(r->LoadState(HS(2, 0, 0)).ok());
    r->BecomeCandidate();
    r->BecomeLeader();
    ASSERT_TRUE(r->Step(PropMsg(1, 1, "some data")).ok());
    for (const auto& m : r->ReadMessages()) ASSERT_TRUE(r->Step(AcceptAndReply(m)).ok());
    uint64_t li = terms.size();
    auto next = r->raft_log().NextEnts();
    ASSERT_EQ(next.size(), li + 2);
    for (size_t j = 0; j < li; ++j) EXPECT_EQ(next[j].term(), terms[j]);
    EXPECT_EQ(next[li].term(), 3u);
    EXPECT_EQ(next[li].data(), "");
    EXPECT_EQ(next[li + 1].term(), 3u);
    EXPECT_EQ(next[li + 1].data(), "some data");
  }
}

// Raft §5.3: a follower learns the commit index from the leader's appends and commits
// (applies) entries up to it in log order.
TEST(RaftPaperTest, FollowerCommitEntry) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t commit;
  } cases[] = {
      {{Ent(1, 1, "some data")}, 1},
      {{Ent(1, 1, "some data"), Ent(2, 1, "some data2")}, 2},
      {{Ent(1, 1, "some data2"), Ent(2, 1, "some data")}, 2},
      {{Ent(1, 1, "some data"), Ent(2, 1, "some data2")}, 1},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1);
    Raft* r = p.raft.get();
    r->BecomeFollower(1, 2);
    raftpb::Message m = Msg(2, 1, raftpb::MSG_APP, 1);
    for (const auto& e : tc.ents) *m.add_entries() = e;
    m.set_commit(tc.commit);
    ASSERT_TRUE(r->Step(m).ok());
    EXPECT_EQ(r->raft_log().committed(), tc.commit);
    auto next = r->raft_log().NextEnts();
    ASSERT_EQ(next.size(), tc.commit);
    for (size_t j = 0; j < tc.commit; ++j) EXPECT_EQ(next[j].data(), tc.ents[j].data());
  }
}

// Raft §5.3: a follower refuses an append whose preceding (index, term) is not in its
// log, and hints where the logs may match.
TEST(RaftPaperTest, FollowerCheckMsgApp) {
  struct Case {
    uint64_t term, index, windex;
    bool wreject;
    uint64_t whint, wlogterm;
  } cases[] = {
      {0, 0, 1, false, 0, 0},  // match with a committed entry
      {1, 1, 1, false, 0, 0},  // match with a committed entry
      {2, 2, 2, false, 0, 0},  // match with an uncommitted entry
      {1, 2, 2, true, 1, 1},   // unmatched term at an existing index
      {3, 3, 3, true, 2, 2},   // index beyond our log
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    auto storage = StorageWithTerms({1, 2});
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1, storage.get());
    Raft* r = p.raft.get();
    ASSERT_TRUE(r->LoadState(HS(0, 0, 1)).ok());
    r->BecomeFollower(2, 2);
    raftpb::Message m = Msg(2, 1, raftpb::MSG_APP, 2);
    m.set_log_term(tc.term);
    m.set_index(tc.index);
    ASSERT_TRUE(r->Step(m).ok());
    auto msgs = r->ReadMessages();
    ASSERT_EQ(msgs.size(), 1u);
    ExpectMsg(msgs[0], 1, 2, raftpb::MSG_APP_RESP, 2);
    EXPECT_EQ(msgs[0].index(), tc.windex);
    EXPECT_EQ(msgs[0].reject(), tc.wreject);
    EXPECT_EQ(msgs[0].reject_hint(), tc.whint);
    EXPECT_EQ(msgs[0].log_term(), tc.wlogterm);
  }
}

std::vector<std::pair<uint64_t, uint64_t>> IndexTerms(const std::vector<raftpb::Entry>& ents) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& e : ents) out.emplace_back(e.index(), e.term());
  return out;
}

// Raft §5.3: a follower deletes a conflicting entry and everything after it, and
// appends the leader's new entries.
TEST(RaftPaperTest, FollowerAppendEntries) {
  using IT = std::vector<std::pair<uint64_t, uint64_t>>;
  struct Case {
    uint64_t index, term;
    std::vector<raftpb::Entry> ents;
    IT wents, wunstable;
  } cases[] = {
      {2, 2, {Ent(3, 3)}, {{1, 1}, {2, 2}, {3, 3}}, {{3, 3}}},
      {1, 1, {Ent(2, 3), Ent(3, 4)}, {{1, 1}, {2, 3}, {3, 4}}, {{2, 3}, {3, 4}}},
      {0, 0, {Ent(1, 1)}, {{1, 1}, {2, 2}}, {}},
      {0, 0, {Ent(1, 3)}, {{1, 3}}, {{1, 3}}},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    auto storage = StorageWithTerms({1, 2});
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1, storage.get());
    Raft* r = p.raft.get();
    r->BecomeFollower(2, 2);
    raftpb::Message m = Msg(2, 1, raftpb::MSG_APP, 2);
    m.set_log_term(tc.term);
    m.set_index(tc.index);
    for (const auto& e : tc.ents) *m.add_entries() = e;
    ASSERT_TRUE(r->Step(m).ok());
    EXPECT_EQ(IndexTerms(r->raft_log().AllEntries()), tc.wents);
    EXPECT_EQ(IndexTerms(r->raft_log().UnstableEntries()), tc.wunstable);
  }
}

// Raft §5.3, Figure 7: whatever the follower's log looks like, the leader brings it
// in line with its own.
TEST(RaftPaperTest, LeaderSyncFollowerLog) {
  const std::vector<uint64_t> lead_terms = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
  const uint64_t term = 8;
  std::vector<std::vector<uint64_t>> followers = {
      {1, 1, 1, 4, 4, 5, 5, 6, 6},           // (a)
      {1, 1, 1, 4},                          // (b)
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},     // (c)
      {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},  // (d)
      {1, 1, 1, 4, 4, 4, 4},                 // (e)
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},     // (f)
  };
  int i = 0;
  for (const auto& fterms : followers) {
    SCOPED_TRACE(i++);
    std::map<uint64_t, TestPeer> peers;
    auto ls = StorageWithTerms(lead_terms);
    ASSERT_TRUE(ls->SetHardState(HS(term, 0, lead_terms.size())).ok());
    peers[1] = NewTestRaft(1, Ids(3), 10, 1, ls.get());
    peers[1].storage = std::move(ls);
    auto fs = StorageWithTerms(fterms);
    ASSERT_TRUE(fs->SetHardState(HS(term - 1, 0, 0)).ok());
    peers[2] = NewTestRaft(2, Ids(3), 10, 1, fs.get());
    peers[2].storage = std::move(fs);
    peers[3] = TestPeer{};  // a black hole
    Network n(std::move(peers));
    n.Campaign(1);
    // The black hole's vote, so node 1 wins even against node 2's longer log.
    n.Send(Msg(3, 1, raftpb::MSG_VOTE_RESP, term + 1));
    n.Propose(1, "");
    Raft* lead = n.raft(1);
    Raft* follower = n.raft(2);
    ASSERT_EQ(lead->state(), StateType::kLeader);
    EXPECT_EQ(IndexTerms(follower->raft_log().AllEntries()),
              IndexTerms(lead->raft_log().AllEntries()));
    EXPECT_EQ(follower->raft_log().committed(), lead->raft_log().committed());
  }
}

// Raft §5.4.1: a vote request carries the candidate's last log index and term.
TEST(RaftPaperTest, VoteRequest) {
  struct Case {
    std::vector<raftpb::Entry> ents;
    uint64_t wterm;
  } cases[] = {
      {{Ent(1, 1)}, 2},
      {{Ent(1, 1), Ent(2, 2)}, 3},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    const int et = 10;
    TestPeer p = NewTestRaft(1, Ids(3), et, 1);
    Raft* r = p.raft.get();
    raftpb::Message m = Msg(2, 1, raftpb::MSG_APP, tc.wterm - 1);
    for (const auto& e : tc.ents) *m.add_entries() = e;
    ASSERT_TRUE(r->Step(m).ok());
    r->ReadMessages();
    for (int t = 1; t < 2 * et; ++t) r->Tick();
    auto msgs = Sorted(r->ReadMessages());
    ASSERT_EQ(msgs.size(), 2u);
    for (size_t j = 0; j < 2; ++j) {
      ExpectMsg(msgs[j], 1, j + 2, raftpb::MSG_VOTE, tc.wterm);
      EXPECT_EQ(msgs[j].index(), tc.ents.back().index());
      EXPECT_EQ(msgs[j].log_term(), tc.ents.back().term());
    }
  }
}

// Raft §5.4.1: a voter denies its vote if its own log is more up to date.
TEST(RaftPaperTest, VoterLog) {
  struct Case {
    uint64_t logterm, index;
    bool wreject;
  } cases[] = {
      // Same last term: the longer log wins.
      {2, 2, false},
      {2, 3, false},
      {2, 1, true},
      // A later last term is more up to date whatever the length.
      {3, 2, false},
      {3, 3, false},
      {3, 1, false},
      {1, 2, true},
      {1, 3, true},
      {1, 1, true},
  };
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    auto storage = StorageWithTerms({1, 2});
    TestPeer p = NewTestRaft(1, Ids(3), 10, 1, storage.get());
    Raft* r = p.raft.get();
    raftpb::Message m = Msg(2, 1, raftpb::MSG_VOTE, 3);
    m.set_log_term(tc.logterm);
    m.set_index(tc.index);
    ASSERT_TRUE(r->Step(m).ok());
    auto msgs = r->ReadMessages();
    ASSERT_EQ(msgs.size(), 1u);
    ExpectMsg(msgs[0], 1, 2, raftpb::MSG_VOTE_RESP, 3);
    EXPECT_EQ(msgs[0].reject(), tc.wreject);
  }
}

// Raft §5.4.2: a leader only commits entries of its current term by counting
// replicas; older entries are committed indirectly.
TEST(RaftPaperTest, LeaderOnlyCommitsLogFromCurrentTerm) {
  struct Case {
    uint64_t index, wcommit;
  } cases[] = {{1, 0}, {2, 0}, {3, 3}};
  int i = 0;
  for (const auto& tc : cases) {
    SCOPED_TRACE(i++);
    auto storage = StorageWithTerms({1, 2});
    TestPeer p = NewTestRaft(1, Ids(2), 10, 1, storage.get());
    Raft* r = p.raft.get();
    ASSERT_TRUE(r->LoadState(HS(2, 0, 0)).ok());
    r->BecomeCandidate();  // term 3
    r->BecomeLeader();
    r->ReadMessages();
    ASSERT_TRUE(r->Step(PropMsg(1, 1, "")).ok());
    raftpb::Message resp = Msg(2, 1, raftpb::MSG_APP_RESP, r->term());
    resp.set_index(tc.index);
    ASSERT_TRUE(r->Step(resp).ok());
    EXPECT_EQ(r->raft_log().committed(), tc.wcommit);
  }
}

}  // namespace
}  // namespace etcd::raft
