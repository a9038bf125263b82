// Scripted interaction tests: each file under testdata/ is a sequence of commands
// driving a cluster of RawNodes, each followed by the output it must produce.
//
//   <command> <args...>
//   ----
//   <expected output lines>
//   <blank line>
//
// Set RAFT_REWRITE_TESTDATA=1 to rewrite the files with the actual output (then review
// the diff!). Commands:
//   add-nodes <n> [pre-vote] [check-quorum] [lease]   bootstrap nodes 1..n, quietly
//   campaign <id> | propose <id> <data> | read-index <id> <ctx>
//   propose-conf-change <id> <v|l|r|u><node>          e.g. v4 = add voter 4
//   transfer-leadership <leader> <to>
//   tick-heartbeat <id> | tick-election <id>          1 tick | election_tick (3) ticks
//   stabilize                                         Readies and messages until quiet
//   isolate <id> | recover
//   compact <id>                                      snapshot at applied + compact
//   status <id> | raft-log <id>
#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "raft/raw_node.h"
#include "raft/util.h"

#ifndef RAFT_TESTDATA_DIR
#error "RAFT_TESTDATA_DIR must be defined by the build"
#endif

namespace etcd::raft {
namespace {

struct Node {
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<RawNode> rn;
  raftpb::ConfState cs;
  uint64_t applied = 0;
};

class Interaction {
 public:
  std::string Run(const std::vector<std::string>& args) {
    out_.str("");
    const std::string& cmd = args[0];
    auto id = [&](size_t i) { return static_cast<uint64_t>(std::stoull(args.at(i))); };
    if (cmd == "add-nodes") {
      AddNodes(static_cast<int>(id(1)), {args.begin() + 2, args.end()});
    } else if (cmd == "campaign") {
      absl::Status s = node(id(1)).rn->Campaign();
      if (!s.ok()) out_ << "error: " << s.message() << "\n";
    } else if (cmd == "propose") {
      absl::Status s = node(id(1)).rn->Propose(args.at(2));
      if (!s.ok()) out_ << "error: " << s.message() << "\n";
    } else if (cmd == "propose-conf-change") {
      raftpb::ConfChange cc;
      char op = args.at(2)[0];
      cc.set_type(op == 'v'   ? raftpb::CONF_CHANGE_ADD_NODE
                  : op == 'l' ? raftpb::CONF_CHANGE_ADD_LEARNER_NODE
                  : op == 'r' ? raftpb::CONF_CHANGE_REMOVE_NODE
                              : raftpb::CONF_CHANGE_UPDATE_NODE);
      cc.set_node_id(std::stoull(args.at(2).substr(1)));
      absl::Status s = node(id(1)).rn->ProposeConfChange(cc);
      if (!s.ok()) out_ << "error: " << s.message() << "\n";
    } else if (cmd == "read-index") {
      node(id(1)).rn->ReadIndex(args.at(2));
    } else if (cmd == "transfer-leadership") {
      node(id(1)).rn->TransferLeader(id(2));
    } else if (cmd == "tick-heartbeat") {
      node(id(1)).rn->Tick();
    } else if (cmd == "tick-election") {
      for (int i = 0; i < kElection; ++i) node(id(1)).rn->Tick();
    } else if (cmd == "stabilize") {
      Stabilize();
    } else if (cmd == "isolate") {
      isolated_.insert(id(1));
    } else if (cmd == "recover") {
      isolated_.clear();
    } else if (cmd == "compact") {
      Node& n = node(id(1));
      auto snap = n.storage->CreateSnapshot(n.applied, &n.cs, "");
      if (snap.ok()) (void)n.storage->Compact(n.applied);
      out_ << "first index " << *n.storage->FirstIndex() << "\n";
    } else if (cmd == "status") {
      Status(id(1));
    } else if (cmd == "raft-log") {
      const RaftLog& l = node(id(1)).rn->raft().raft_log();
      for (const auto& e : l.AllEntries()) out_ << DescribeEntry(e) << "\n";
      if (l.LastIndex() < l.FirstIndex())
        out_ << "log is empty: first index=" << l.FirstIndex() << "\n";
    } else {
      out_ << "unknown command " << cmd << "\n";
    }
    return out_.str();
  }

 private:
  static constexpr int kElection = 3;

  Node& node(uint64_t id) { return nodes_.at(id); }

  void AddNodes(int n, const std::vector<std::string>& opts) {
    std::set<std::string> o(opts.begin(), opts.end());
    std::vector<Peer> peers;
    uint64_t base = nodes_.size();
    for (int i = 1; i <= n; ++i) peers.push_back(Peer{base + i, ""});
    for (const Peer& p : peers) {
      Node& nd = nodes_[p.id];
      nd.storage = std::make_unique<MemoryStorage>();
      Config c;
      c.id = p.id;
      c.election_tick = kElection;
      c.heartbeat_tick = 1;
      c.storage = nd.storage.get();
      c.pre_vote = o.count("pre-vote") > 0;
      c.check_quorum = o.count("check-quorum") > 0 || o.count("lease") > 0;
      if (o.count("lease")) c.read_only_option = ReadOnlyOption::kLeaseBased;
      c.seed = p.id;
      nd.rn = std::move(RawNode::Create(c)).value();
      // Joining nodes (added to an existing cluster) start empty.
      if (base == 0) {
        EXPECT_TRUE(nd.rn->Bootstrap(peers).ok());
        HandleReady(p.id, /*quiet=*/true);
      }
    }
  }

  void Status(uint64_t id) {
    BasicStatus st = node(id).rn->Status();
    out_ << StateTypeName(st.soft_state.state) << " term=" << st.hard_state.term()
         << " vote=" << st.hard_state.vote() << " lead=" << st.soft_state.lead
         << " commit=" << st.hard_state.commit() << " applied=" << st.applied << "\n";
    out_ << "config " << node(id).rn->raft().tracker().config.String() << "\n";
    for (const auto& [pid, pr] : st.progress) out_ << pid << ": " << pr.String() << "\n";
  }

  void HandleReady(uint64_t id, bool quiet) {
    Node& n = node(id);
    Ready rd = n.rn->GetReady();
    if (!quiet) out_ << "> " << id << " handling Ready\n";
    auto line = [&](const std::string& s) {
      if (!quiet) out_ << "  " << s << "\n";
    };
    if (rd.soft_state) {
      line(absl::StrCat("Lead:", rd.soft_state->lead,
                        " State:", StateTypeName(rd.soft_state->state)));
    }
    if (rd.hard_state_changed) {
      line(absl::StrCat("HardState Term:", rd.hard_state.term(), " Vote:", rd.hard_state.vote(),
                        " Commit:", rd.hard_state.commit()));
    }
    if (rd.has_snapshot) {
      line(absl::StrCat("Snapshot Index:", rd.snapshot.metadata().index(),
                        " Term:", rd.snapshot.metadata().term()));
      (void)n.storage->ApplySnapshot(rd.snapshot);
      n.cs = rd.snapshot.metadata().conf_state();
      n.applied = rd.snapshot.metadata().index();
    }
    if (!rd.entries.empty()) {
      line("Entries:");
      for (const auto& e : rd.entries) line("  " + DescribeEntry(e));
    }
    (void)n.storage->Append(rd.entries);
    if (rd.hard_state_changed) (void)n.storage->SetHardState(rd.hard_state);
    if (!rd.committed_entries.empty()) {
      line("CommittedEntries:");
      for (const auto& e : rd.committed_entries) {
        line("  " + DescribeEntry(e));
        n.applied = e.index();
        if (e.type() == raftpb::ENTRY_CONF_CHANGE) {
          raftpb::ConfChange cc;
          cc.ParseFromString(e.data());
          n.cs = n.rn->ApplyConfChange(cc);
        }
      }
    }
    if (!rd.messages.empty()) {
      line("Messages:");
      for (const auto& m : rd.messages) {
        line("  " + DescribeMessage(m));
        if (!quiet) inflight_.push_back(m);
      }
    }
    for (const auto& rs : rd.read_states) {
      line(absl::StrCat("ReadState Index:", rs.index, " Ctx:", rs.request_ctx));
    }
    n.rn->Advance(rd);
  }

  void Stabilize() {
    for (int round = 0; round < 100; ++round) {
      bool any = false;
      for (auto& [id, n] : nodes_) {
        if (n.rn->HasReady()) {
          HandleReady(id, false);
          any = true;
        }
      }
      if (inflight_.empty() && !any) return;
      // Deliver, grouped by recipient, in send order.
      std::map<uint64_t, std::vector<raftpb::Message>> by_to;
      for (auto& m : inflight_) by_to[m.to()].push_back(std::move(m));
      inflight_.clear();
      for (auto& [to, msgs] : by_to) {
        bool header = false;
        for (const auto& m : msgs) {
          bool dropped =
              isolated_.count(m.from()) || isolated_.count(m.to()) || nodes_.count(m.to()) == 0;
          if (!header) {
            out_ << "> " << to << " receiving messages\n";
            header = true;
          }
          out_ << "  " << DescribeMessage(m) << (dropped ? " DROPPED" : "") << "\n";
          if (!dropped) {
            absl::Status s = node(to).rn->Step(m);
            if (!s.ok()) out_ << "  error: " << s.message() << "\n";
          }
        }
      }
    }
    out_ << "not stable after 100 rounds\n";
  }

  std::map<uint64_t, Node> nodes_;
  std::deque<raftpb::Message> inflight_;
  std::set<uint64_t> isolated_;
  std::ostringstream out_;
};

struct Block {
  std::vector<std::string> comments;  // lines before the command
  std::string command;
  std::string expected;
};

std::vector<Block> Parse(const std::string& text) {
  std::vector<Block> blocks;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  size_t i = 0;
  while (i < lines.size()) {
    Block b;
    while (i < lines.size() && (lines[i].empty() || lines[i][0] == '#')) {
      b.comments.push_back(lines[i++]);
    }
    if (i >= lines.size()) break;
    b.command = lines[i++];
    if (i < lines.size() && lines[i] == "----") ++i;
    while (i < lines.size() && !lines[i].empty()) b.expected += lines[i++] + "\n";
    blocks.push_back(std::move(b));
  }
  return blocks;
}

class InteractionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InteractionTest, Script) {
  std::string path = std::string(RAFT_TESTDATA_DIR) + "/" + GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream buf;
  buf << in.rdbuf();
  bool rewrite = std::getenv("RAFT_REWRITE_TESTDATA") != nullptr;
  Interaction it;
  std::string rewritten;
  for (const Block& b : Parse(buf.str())) {
    std::vector<std::string> args = absl::StrSplit(b.command, ' ', absl::SkipEmpty());
    std::string got = it.Run(args);
    if (rewrite) {
      for (const auto& c : b.comments) rewritten += c + "\n";
      rewritten += b.command + "\n----\n" + (got.empty() ? "ok\n" : got);
      continue;
    }
    std::string want = b.expected == "ok\n" ? "" : b.expected;
    EXPECT_EQ(got, want) << path << ": " << b.command;
  }
  if (rewrite) {
    std::ofstream o(path);
    o << rewritten;
  }
}

std::vector<std::string> Scripts() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(RAFT_TESTDATA_DIR)) {
    if (e.path().extension() == ".txt") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Testdata, InteractionTest, ::testing::ValuesIn(Scripts()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 4);
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace etcd::raft
