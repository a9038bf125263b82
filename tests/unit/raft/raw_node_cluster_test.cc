// Whole clusters of RawNodes driven exactly as a server drives them (persist,
// send, apply, Advance), on a lossy simulated network with partitions, restarts
// and log compaction. Checks the Raft safety properties on every run:
//   - election safety: at most one leader per term;
//   - state machine safety: every node applied a prefix of the same sequence;
//   - liveness once the network heals: everyone converges.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/rng.h"
#include "raft/raw_node.h"
#include "raft/util.h"

namespace etcd::raft {
namespace {

struct Node {
  uint64_t id = 0;
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<RawNode> rn;
  std::vector<std::string> state;  // applied non-empty normal entries
  uint64_t applied = 0;
  raftpb::ConfState cs;
  bool down = false;
};

class Cluster {
 public:
  Cluster(int n, uint64_t seed, bool pre_vote, bool check_quorum)
      : rng_(seed), pre_vote_(pre_vote), check_quorum_(check_quorum) {
    std::vector<Peer> peers;
    for (int i = 1; i <= n; ++i) peers.push_back(Peer{static_cast<uint64_t>(i), ""});
    for (const Peer& p : peers) {
      Node& node = nodes_[p.id];
      node.id = p.id;
      node.storage = std::make_unique<MemoryStorage>();
      Start(&node);
      EXPECT_TRUE(node.rn->Bootstrap(peers).ok());
    }
  }

  Config MakeConfig(Node* n) {
    Config c;
    c.id = n->id;
    c.election_tick = 10;
    c.heartbeat_tick = 1;
    c.storage = n->storage.get();
    c.applied = n->applied;
    c.max_size_per_msg = 4096;
    c.max_inflight_msgs = 16;
    c.pre_vote = pre_vote_;
    c.check_quorum = check_quorum_;
    c.seed = rng_.Next();
    return c;
  }

  void Start(Node* n) {
    auto rn = RawNode::Create(MakeConfig(n));
    ASSERT_TRUE(rn.ok()) << rn.status();
    n->rn = std::move(rn).value();
  }

  // Crash and restart from what was persisted (the applied state survives, as a
  // backend with its consistent index would).
  void Restart(uint64_t id) {
    Node& n = nodes_.at(id);
    n.rn.reset();
    Start(&n);
  }

  void Tick() {
    for (auto& [id, n] : nodes_) {
      if (!n.down) n.rn->Tick();
    }
  }

  void Propose(uint64_t id, const std::string& data) {
    Node& n = nodes_.at(id);
    if (!n.down) (void)n.rn->Propose(data);
  }

  // Handles every Ready and delivers messages until the cluster is quiet.
  void Process(int max_rounds = 1000) {
    for (int round = 0; round < max_rounds; ++round) {
      bool any = false;
      for (auto& [id, n] : nodes_) {
        if (!n.down && n.rn->HasReady()) {
          HandleReady(&n);
          any = true;
        }
      }
      if (!any && bus_.empty()) return;
      Deliver();
    }
  }

  void HandleReady(Node* n) {
    Ready rd = n->rn->GetReady();
    if (rd.soft_state && rd.soft_state->state == StateType::kLeader) {
      leaders_[rd.hard_state.term()].insert(n->id);
      EXPECT_LE(leaders_[rd.hard_state.term()].size(), 1u)
          << "two leaders in term " << rd.hard_state.term();
    }
    if (rd.has_snapshot) {
      ++snapshots_applied_;
      ASSERT_TRUE(n->storage->ApplySnapshot(rd.snapshot).ok());
      n->state = Decode(rd.snapshot.data());
      n->applied = rd.snapshot.metadata().index();
      n->cs = rd.snapshot.metadata().conf_state();
    }
    ASSERT_TRUE(n->storage->Append(rd.entries).ok());
    if (rd.hard_state_changed) {
      ASSERT_TRUE(n->storage->SetHardState(rd.hard_state).ok());
    }
    for (auto& m : rd.messages) bus_.push_back(std::move(m));
    for (const auto& e : rd.committed_entries) {
      ASSERT_EQ(e.index(), n->applied + 1) << "gap in applied entries on " << n->id;
      n->applied = e.index();
      if (e.type() == raftpb::ENTRY_CONF_CHANGE) {
        raftpb::ConfChange cc;
        ASSERT_TRUE(cc.ParseFromString(e.data()));
        n->cs = n->rn->ApplyConfChange(cc);
      } else if (!e.data().empty()) {
        n->state.push_back(e.data());
      }
    }
    for (const auto& rs : rd.read_states) reads_[n->id].push_back(rs);
    n->rn->Advance(rd);
  }

  void Deliver() {
    std::deque<raftpb::Message> q;
    q.swap(bus_);
    for (auto& m : q) {
      Node& from = nodes_.at(m.from());
      auto it = nodes_.find(m.to());
      bool lost = it == nodes_.end() || it->second.down || from.down ||
                  cut_.count({m.from(), m.to()}) != 0 ||
                  static_cast<double>(rng_.Uniform(1000)) / 1000.0 < drop_rate_;
      if (m.type() == raftpb::MSG_SNAP && !from.down) {
        from.rn->ReportSnapshot(m.to(), lost);
      }
      if (lost) {
        if (!from.down && rng_.Uniform(4) == 0) from.rn->ReportUnreachable(m.to());
        continue;
      }
      (void)it->second.rn->Step(m);
    }
  }

  void Compact(uint64_t id, uint64_t keep) {
    Node& n = nodes_.at(id);
    auto first = n.storage->FirstIndex();
    if (n.applied < *first + keep) return;
    ASSERT_TRUE(n.storage->CreateSnapshot(n.applied, &n.cs, Encode(n.state)).ok());
    ASSERT_TRUE(n.storage->Compact(n.applied).ok());
  }

  void Partition(uint64_t id) {
    for (auto& [other, n] : nodes_) {
      if (other != id) {
        cut_.insert({id, other});
        cut_.insert({other, id});
      }
    }
  }
  void Heal() {
    cut_.clear();
    drop_rate_ = 0;
    for (auto& [id, n] : nodes_) n.down = false;
  }

  uint64_t Leader() {
    for (auto& [id, n] : nodes_) {
      if (!n.down && n.rn->Status().soft_state.state == StateType::kLeader) return id;
    }
    return 0;
  }

  // Ticks until there is a leader (or gives up).
  uint64_t ElectLeader(int max_ticks = 500) {
    for (int i = 0; i < max_ticks; ++i) {
      if (uint64_t l = Leader()) return l;
      Tick();
      Process();
    }
    return Leader();
  }

  void CheckSafety() {
    for (auto& [a, na] : nodes_) {
      std::set<std::string> seen;
      for (const auto& s : na.state) {
        EXPECT_TRUE(seen.insert(s).second) << "applied twice on " << a << ": " << s;
      }
      for (auto& [b, nb] : nodes_) {
        size_t k = std::min(na.state.size(), nb.state.size());
        for (size_t i = 0; i < k; ++i) {
          ASSERT_EQ(na.state[i], nb.state[i])
              << "nodes " << a << " and " << b << " diverge at " << i;
        }
      }
    }
  }

  static std::string Encode(const std::vector<std::string>& s) { return absl::StrJoin(s, ","); }
  static std::vector<std::string> Decode(const std::string& d) {
    if (d.empty()) return {};
    return absl::StrSplit(d, ',');
  }

  std::map<uint64_t, Node> nodes_;
  std::deque<raftpb::Message> bus_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::map<uint64_t, std::set<uint64_t>> leaders_;
  std::map<uint64_t, std::vector<ReadState>> reads_;
  double drop_rate_ = 0;
  int snapshots_applied_ = 0;
  Rng rng_;
  bool pre_vote_, check_quorum_;
};

TEST(RawNodeClusterTest, ThreeNodesReplicate) {
  Cluster c(3, 1, false, false);
  c.Process();  // bootstrap entries applied everywhere
  uint64_t lead = c.ElectLeader();
  ASSERT_NE(lead, 0u);
  for (int i = 0; i < 20; ++i) {
    c.Propose(1 + i % 3, "v" + std::to_string(i));  // followers forward
    c.Process();
  }
  for (auto& [id, n] : c.nodes_) {
    EXPECT_EQ(n.state.size(), 20u) << id;
    EXPECT_EQ(n.cs.voters_size(), 3) << id;
  }
  c.CheckSafety();
}

TEST(RawNodeClusterTest, ReadIndexFromFollower) {
  Cluster c(3, 2, false, false);
  c.Process();
  uint64_t lead = c.ElectLeader();
  ASSERT_NE(lead, 0u);
  c.Propose(lead, "x");
  c.Process();
  uint64_t follower = lead == 1 ? 2 : 1;
  c.nodes_.at(follower).rn->ReadIndex("r1");
  c.Process();
  ASSERT_EQ(c.reads_[follower].size(), 1u);
  EXPECT_EQ(c.reads_[follower][0].request_ctx, "r1");
  EXPECT_EQ(c.reads_[follower][0].index, c.nodes_.at(lead).rn->Status().hard_state.commit());
}

TEST(RawNodeClusterTest, AddAndRemoveMember) {
  Cluster c(3, 3, true, true);
  c.Process();
  uint64_t lead = c.ElectLeader();
  ASSERT_NE(lead, 0u);
  // A fourth node joins as a learner with an empty log, then is promoted.
  Node& n4 = c.nodes_[4];
  n4.id = 4;
  n4.storage = std::make_unique<MemoryStorage>();
  c.Start(&n4);
  raftpb::ConfChange cc;
  cc.set_type(raftpb::CONF_CHANGE_ADD_LEARNER_NODE);
  cc.set_node_id(4);
  ASSERT_TRUE(c.nodes_.at(lead).rn->ProposeConfChange(cc).ok());
  c.Process();
  for (int i = 0; i < 5; ++i) {
    c.Tick();
    c.Process();
  }
  EXPECT_EQ(n4.cs.learners_size(), 1);
  cc.set_type(raftpb::CONF_CHANGE_ADD_NODE);
  ASSERT_TRUE(c.nodes_.at(lead).rn->ProposeConfChange(cc).ok());
  c.Process();
  for (auto& [id, n] : c.nodes_) EXPECT_EQ(n.cs.voters_size(), 4) << id;
  c.Propose(lead, "after-add");
  c.Process();
  EXPECT_EQ(n4.state, (std::vector<std::string>{"after-add"}));
  // Remove a follower.
  uint64_t victim = lead == 1 ? 2 : 1;
  cc.set_type(raftpb::CONF_CHANGE_REMOVE_NODE);
  cc.set_node_id(victim);
  ASSERT_TRUE(c.nodes_.at(lead).rn->ProposeConfChange(cc).ok());
  c.Process();
  EXPECT_EQ(c.nodes_.at(lead).cs.voters_size(), 3);
  c.nodes_.at(victim).down = true;
  c.Propose(lead, "after-remove");
  c.Process();
  EXPECT_EQ(c.nodes_.at(lead).state.back(), "after-remove");
  c.CheckSafety();
}

TEST(RawNodeClusterTest, LaggingNodeCatchesUpBySnapshot) {
  Cluster c(3, 4, false, false);
  c.Process();
  uint64_t lead = c.ElectLeader();
  ASSERT_NE(lead, 0u);
  uint64_t slow = lead == 3 ? 2 : 3;
  c.nodes_.at(slow).down = true;
  for (int i = 0; i < 50; ++i) {
    c.Propose(lead, "v" + std::to_string(i));
    c.Process();
  }
  for (auto& [id, n] : c.nodes_) {
    if (!n.down) c.Compact(id, 0);
  }
  c.nodes_.at(slow).down = false;
  for (int i = 0; i < 10; ++i) {
    c.Tick();
    c.Process();
  }
  EXPECT_EQ(c.nodes_.at(slow).state.size(), 50u);
  EXPECT_TRUE(c.nodes_.at(slow).storage->Snapshot()->metadata().index() > 0);
  c.CheckSafety();
}

TEST(RawNodeClusterTest, RestartKeepsLog) {
  Cluster c(3, 5, false, false);
  c.Process();
  uint64_t lead = c.ElectLeader();
  ASSERT_NE(lead, 0u);
  for (int i = 0; i < 10; ++i) c.Propose(lead, "v" + std::to_string(i));
  c.Process();
  for (uint64_t id : {1, 2, 3}) c.Restart(id);
  lead = c.ElectLeader();
  ASSERT_NE(lead, 0u);
  c.Propose(lead, "after");
  c.Process();
  for (auto& [id, n] : c.nodes_) {
    ASSERT_EQ(n.state.size(), 11u) << id;
    EXPECT_EQ(n.state.back(), "after");
    EXPECT_EQ(n.cs.voters_size(), 3);
  }
}

// Randomized: lossy network, partitions, crashes and compaction. Checks safety all
// along and convergence once everything heals.
TEST(RawNodeClusterTest, Chaos) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    bool pre_vote = seed % 2 == 0, check_quorum = seed % 3 != 0;
    Cluster c(5, seed, pre_vote, check_quorum);
    c.Process();
    Rng rng(seed * 7919);
    int proposals = 0;
    for (int step = 0; step < 2000; ++step) {
      uint64_t id = 1 + rng.Uniform(5);
      switch (rng.Uniform(40)) {
        case 0:
          c.drop_rate_ = static_cast<double>(rng.Uniform(30)) / 100.0;
          break;
        case 1:
          c.Partition(id);
          break;
        case 2:
        case 3:
          c.cut_.clear();
          break;
        case 4:  // crash, or come back from a crash
          c.nodes_.at(id).down = !c.nodes_.at(id).down;
          if (!c.nodes_.at(id).down) c.Restart(id);
          break;
        case 5:
          if (!c.nodes_.at(id).down) c.Restart(id);
          break;
        case 6:
        case 7:
          c.Compact(id, 5);
          break;
        case 8:
          c.nodes_.at(id).rn->ReadIndex("r" + std::to_string(step));
          break;
        case 9:
          c.nodes_.at(id).rn->TransferLeader(1 + rng.Uniform(5));
          break;
        default:
          if (rng.Uniform(3) == 0) {
            c.Propose(id, "p" + std::to_string(proposals++));
          } else {
            c.Tick();
          }
          break;
      }
      c.Process();
      c.CheckSafety();
      if (::testing::Test::HasFatalFailure()) return;
    }
    c.Heal();
    for (auto& [id, n] : c.nodes_) c.Restart(id);
    uint64_t lead = c.ElectLeader();
    ASSERT_NE(lead, 0u);
    c.Propose(lead, "final");
    for (int i = 0; i < 50; ++i) {
      c.Tick();
      c.Process();
    }
    c.CheckSafety();
    size_t want = c.nodes_.at(lead).state.size();
    for (auto& [id, n] : c.nodes_) {
      EXPECT_EQ(n.state.size(), want) << "node " << id;
      ASSERT_FALSE(n.state.empty());
      EXPECT_EQ(n.state.back(), "final") << "node " << id;
    }
  }
}

}  // namespace
}  // namespace etcd::raft
