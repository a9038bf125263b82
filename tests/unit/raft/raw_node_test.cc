#include "raft/raw_node.h"

#include <gtest/gtest.h>

#include "raft/storage.h"
#include "raft/util.h"

namespace etcd::raft {
namespace {

Config MakeConfig(uint64_t id, MemoryStorage* s) {
  Config c;
  c.id = id;
  c.election_tick = 10;
  c.heartbeat_tick = 1;
  c.storage = s;
  c.seed = id;
  return c;
}

// What a server does with a Ready: persist, (send), apply, advance. Returns the
// committed entries it "applied".
std::vector<raftpb::Entry> HandleReady(RawNode* n, MemoryStorage* s, Ready* out = nullptr) {
  Ready rd = n->GetReady();
  if (rd.has_snapshot) {
    EXPECT_TRUE(s->ApplySnapshot(rd.snapshot).ok());
  }
  EXPECT_TRUE(s->Append(rd.entries).ok());
  if (rd.hard_state_changed) {
    EXPECT_TRUE(s->SetHardState(rd.hard_state).ok());
  }
  for (const auto& e : rd.committed_entries) {
    if (e.type() == raftpb::ENTRY_CONF_CHANGE) {
      raftpb::ConfChange cc;
      EXPECT_TRUE(cc.ParseFromString(e.data()));
      n->ApplyConfChange(cc);
    }
  }
  n->Advance(rd);
  std::vector<raftpb::Entry> committed = rd.committed_entries;
  if (out) *out = std::move(rd);
  return committed;
}

TEST(RawNodeTest, ConfigValidate) {
  MemoryStorage s;
  Config c = MakeConfig(1, &s);
  EXPECT_TRUE(c.Validate().ok());
  Config bad = c;
  bad.id = 0;
  EXPECT_FALSE(bad.Validate().ok());
  bad = c;
  bad.election_tick = 1;
  EXPECT_FALSE(bad.Validate().ok());
  bad = c;
  bad.storage = nullptr;
  EXPECT_FALSE(RawNode::Create(bad).ok());
  bad = c;
  bad.read_only_option = ReadOnlyOption::kLeaseBased;
  EXPECT_FALSE(bad.Validate().ok());
}

TEST(RawNodeTest, BootstrapWritesConfChangeEntries) {
  MemoryStorage s;
  auto n = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE((*n)->Bootstrap({{1, "ctx1"}, {2, "ctx2"}}).ok());
  ASSERT_TRUE((*n)->HasReady());
  Ready rd;
  auto committed = HandleReady(n->get(), &s, &rd);
  ASSERT_EQ(rd.entries.size(), 2u);
  EXPECT_TRUE(rd.hard_state_changed);
  EXPECT_EQ(rd.hard_state.term(), 1u);
  EXPECT_EQ(rd.hard_state.commit(), 2u);
  EXPECT_TRUE(rd.must_sync);
  ASSERT_EQ(committed.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(rd.entries[i].index(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(rd.entries[i].term(), 1u);
    EXPECT_EQ(rd.entries[i].type(), raftpb::ENTRY_CONF_CHANGE);
    raftpb::ConfChange cc;
    ASSERT_TRUE(cc.ParseFromString(rd.entries[i].data()));
    EXPECT_EQ(cc.type(), raftpb::CONF_CHANGE_ADD_NODE);
    EXPECT_EQ(cc.node_id(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(cc.context(), i == 0 ? "ctx1" : "ctx2");
  }
  EXPECT_EQ((*n)->Status().config.voters_size(), 2);
  // A second bootstrap is refused, as is bootstrapping a non-empty storage.
  EXPECT_FALSE((*n)->Bootstrap({{1, ""}}).ok());
  EXPECT_FALSE((*n)->Bootstrap({}).ok());

  // The same peers give the same log on another member.
  MemoryStorage s2;
  auto n2 = RawNode::Create(MakeConfig(2, &s2));
  ASSERT_TRUE(n2.ok());
  ASSERT_TRUE((*n2)->Bootstrap({{1, "ctx1"}, {2, "ctx2"}}).ok());
  Ready rd2 = (*n2)->GetReady();
  ASSERT_EQ(rd2.entries.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(rd2.entries[i].SerializeAsString(), rd.entries[i].SerializeAsString());
  }
}

TEST(RawNodeTest, ProposeAllAppendsTheEntriesTogetherInOrder) {
  MemoryStorage s;
  auto created = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(created.ok());
  RawNode* n = created->get();
  ASSERT_TRUE(n->Bootstrap({{1, ""}}).ok());
  HandleReady(n, &s);
  ASSERT_TRUE(n->Campaign().ok());
  Ready rd;
  HandleReady(n, &s, &rd);  // leader at term 2, its empty entry at index 2

  const std::string a = "a", b = "b", c = "c";
  ASSERT_TRUE(n->ProposeAll({&a, &b, &c}).ok());
  auto committed = HandleReady(n, &s, &rd);
  ASSERT_EQ(rd.entries.size(), 3u);
  ASSERT_EQ(committed.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rd.entries[i].index(), 3u + i);
    EXPECT_EQ(committed[i].data(), std::string(1, static_cast<char>('a' + i)));
  }
  EXPECT_FALSE(n->HasReady());
}

TEST(RawNodeTest, SingleVoterCampaignProposeCommit) {
  MemoryStorage s;
  auto created = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(created.ok());
  RawNode* n = created->get();
  ASSERT_TRUE(n->Bootstrap({{1, ""}}).ok());
  // Cannot campaign before the bootstrap conf change is applied.
  EXPECT_FALSE(n->Campaign().ok());
  HandleReady(n, &s);
  EXPECT_FALSE(n->HasReady());

  ASSERT_TRUE(n->Campaign().ok());
  Ready rd;
  auto committed = HandleReady(n, &s, &rd);
  ASSERT_TRUE(rd.soft_state.has_value());
  EXPECT_EQ(rd.soft_state->state, StateType::kLeader);
  EXPECT_EQ(rd.soft_state->lead, 1u);
  EXPECT_EQ(rd.hard_state.term(), 2u);
  EXPECT_EQ(rd.hard_state.vote(), 1u);
  // The leader's empty entry is persisted and committed in the same Ready.
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.entries[0].index(), 2u);
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].index(), 2u);
  EXPECT_TRUE(rd.messages.empty());

  ASSERT_TRUE(n->Propose("foo").ok());
  committed = HandleReady(n, &s, &rd);
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.entries[0].data(), "foo");
  EXPECT_EQ(rd.entries[0].index(), 3u);
  EXPECT_EQ(rd.entries[0].term(), 2u);
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].data(), "foo");
  EXPECT_EQ(rd.hard_state.commit(), 3u);
  EXPECT_TRUE(rd.hard_state_changed);
  EXPECT_FALSE(n->HasReady());

  BasicStatus st = n->Status();
  EXPECT_EQ(st.applied, 3u);
  EXPECT_EQ(st.soft_state.state, StateType::kLeader);
  ASSERT_EQ(st.progress.count(1), 1u);
  EXPECT_EQ(st.progress.at(1).match, 3u);
}

TEST(RawNodeTest, SingleVoterElectionTimeout) {
  MemoryStorage s;
  auto created = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(created.ok());
  RawNode* n = created->get();
  ASSERT_TRUE(n->Bootstrap({{1, ""}}).ok());
  HandleReady(n, &s);
  for (int i = 0; i < 20 && n->Status().soft_state.state != StateType::kLeader; ++i) n->Tick();
  EXPECT_EQ(n->Status().soft_state.state, StateType::kLeader);
  EXPECT_EQ(n->Status().hard_state.term(), 2u);
}

TEST(RawNodeTest, SingleVoterReadIndexAnswersImmediately) {
  MemoryStorage s;
  auto created = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(created.ok());
  RawNode* n = created->get();
  ASSERT_TRUE(n->Bootstrap({{1, ""}}).ok());
  HandleReady(n, &s);
  ASSERT_TRUE(n->Campaign().ok());
  HandleReady(n, &s);
  ASSERT_TRUE(n->Propose("x").ok());
  HandleReady(n, &s);

  n->ReadIndex("req-1");
  ASSERT_TRUE(n->HasReady());
  Ready rd;
  HandleReady(n, &s, &rd);
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0].index, 3u);
  EXPECT_EQ(rd.read_states[0].request_ctx, "req-1");
  EXPECT_TRUE(rd.messages.empty());
  EXPECT_FALSE(rd.must_sync);
}

TEST(RawNodeTest, ProposalWithoutLeaderIsDropped) {
  MemoryStorage s;
  auto created = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(created.ok());
  RawNode* n = created->get();
  ASSERT_TRUE(n->Bootstrap({{1, ""}, {2, ""}}).ok());
  HandleReady(n, &s);
  absl::Status st = n->Propose("x");
  EXPECT_TRUE(IsProposalDropped(st)) << st;
  EXPECT_EQ(st.message(), "raft proposal dropped");
}

TEST(RawNodeTest, RestartFromStorage) {
  MemoryStorage s;
  {
    auto created = RawNode::Create(MakeConfig(1, &s));
    ASSERT_TRUE(created.ok());
    RawNode* n = created->get();
    ASSERT_TRUE(n->Bootstrap({{1, ""}}).ok());
    HandleReady(n, &s);
    ASSERT_TRUE(n->Campaign().ok());
    HandleReady(n, &s);
    ASSERT_TRUE(n->Propose("a").ok());
    ASSERT_TRUE(n->Propose("b").ok());
    HandleReady(n, &s);
  }
  // The storage holds 1 (conf change), 2 (empty), 3 "a", 4 "b"; commit 4.
  ASSERT_EQ(*s.LastIndex(), 4u);

  // Restart having applied up to 3: only 4 is delivered again.
  Config c = MakeConfig(1, &s);
  c.applied = 3;
  auto created = RawNode::Create(c);
  ASSERT_TRUE(created.ok()) << created.status();
  RawNode* n = created->get();
  BasicStatus st = n->Status();
  EXPECT_EQ(st.hard_state.term(), 2u);
  EXPECT_EQ(st.hard_state.commit(), 4u);
  EXPECT_EQ(st.soft_state.state, StateType::kFollower);
  // The membership comes from the replayed conf change.
  ASSERT_EQ(st.config.voters_size(), 1);
  EXPECT_EQ(st.config.voters(0), 1u);
  Ready rd;
  auto committed = HandleReady(n, &s, &rd);
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].data(), "b");
  EXPECT_TRUE(rd.entries.empty());

  // It can lead again, at a new term, and keep going.
  ASSERT_TRUE(n->Campaign().ok());
  HandleReady(n, &s);
  EXPECT_EQ(n->Status().soft_state.state, StateType::kLeader);
  EXPECT_EQ(n->Status().hard_state.term(), 3u);
  ASSERT_TRUE(n->Propose("c").ok());
  committed = HandleReady(n, &s);
  ASSERT_EQ(committed.size(), 1u);
  EXPECT_EQ(committed[0].index(), 6u);
  EXPECT_EQ(committed[0].data(), "c");

  // An applied index beyond the commit index is refused.
  Config bad = MakeConfig(1, &s);
  bad.applied = 100;
  EXPECT_FALSE(RawNode::Create(bad).ok());
  // So is one older than the storage's snapshot.
  raftpb::ConfState cs = n->Status().config;
  ASSERT_TRUE(s.CreateSnapshot(4, &cs, "").ok());
  ASSERT_TRUE(s.Compact(4).ok());
  bad.applied = 2;
  EXPECT_FALSE(RawNode::Create(bad).ok());
  bad.applied = 4;
  EXPECT_TRUE(RawNode::Create(bad).ok());
}

TEST(RawNodeTest, RestartWithoutAppliedRedeliversEverything) {
  MemoryStorage s;
  {
    auto created = RawNode::Create(MakeConfig(1, &s));
    ASSERT_TRUE(created.ok());
    RawNode* n = created->get();
    ASSERT_TRUE(n->Bootstrap({{1, ""}}).ok());
    HandleReady(n, &s);
    ASSERT_TRUE(n->Campaign().ok());
    HandleReady(n, &s);
  }
  auto created = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(created.ok());
  RawNode* n = created->get();
  auto committed = HandleReady(n, &s);
  ASSERT_EQ(committed.size(), 2u);
  EXPECT_EQ(committed[0].type(), raftpb::ENTRY_CONF_CHANGE);
  ASSERT_TRUE(n->Campaign().ok());
  HandleReady(n, &s);
  EXPECT_EQ(n->Status().soft_state.state, StateType::kLeader);
}

TEST(RawNodeTest, StepRefusesLocalMessages) {
  MemoryStorage s;
  auto created = RawNode::Create(MakeConfig(1, &s));
  ASSERT_TRUE(created.ok());
  raftpb::Message m;
  m.set_type(raftpb::MSG_HUP);
  EXPECT_FALSE((*created)->Step(m).ok());
  m.set_type(raftpb::MSG_APP_RESP);
  m.set_from(7);
  EXPECT_FALSE((*created)->Step(m).ok());
}

}  // namespace
}  // namespace etcd::raft
