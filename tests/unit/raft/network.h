// Test harness: Raft state machines wired through a simulated network that delivers
// messages until quiet, with cut links, isolated nodes, seeded drop rates and ignored
// message types (etcd-raft's raft_test.go network, in our own words).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "common/rng.h"
#include "raft/raft.h"
#include "raft/storage.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft::testing {

// A Raft with `voters` (and `learners`) as its membership, on `storage` (created when
// null; then owned by the returned Peer).
struct TestPeer {
  std::unique_ptr<MemoryStorage> storage;  // may be null if the caller owns it
  std::unique_ptr<Raft> raft;
};

using ConfigFn = std::function<void(Config*)>;

TestPeer NewTestRaft(uint64_t id, const std::vector<uint64_t>& voters, int election, int heartbeat,
                     MemoryStorage* storage = nullptr, const ConfigFn& tweak = nullptr,
                     const std::vector<uint64_t>& learners = {});

// A storage whose log holds entries with the given terms at indexes 1..n, plus a
// hard state at the last term.
std::unique_ptr<MemoryStorage> StorageWithTerms(const std::vector<uint64_t>& terms);

// Persists r's unstable entries into s, marks everything committed as applied, and
// returns those newly applied entries (what a server would do with a Ready).
std::vector<raftpb::Entry> PersistAndApply(Raft* r, MemoryStorage* s);

raftpb::Message Msg(uint64_t from, uint64_t to, raftpb::MessageType type, uint64_t term = 0);
raftpb::Message PropMsg(uint64_t from, uint64_t to, const std::string& data);
raftpb::Entry Ent(uint64_t index, uint64_t term, const std::string& data = "");
raftpb::ConfChange CC(raftpb::ConfChangeType t, uint64_t id);
raftpb::Entry CCEnt(raftpb::ConfChangeType t, uint64_t id);

class Network {
 public:
  // n voters 1..n, each with a fresh storage, election=10, heartbeat=1.
  explicit Network(int n, const ConfigFn& tweak = nullptr);
  // Explicit peers (keyed by id); a null raft is a black hole.
  explicit Network(std::map<uint64_t, TestPeer> peers);

  // Delivers `msgs` and everything they cause until nothing is left in flight.
  void Send(std::vector<raftpb::Message> msgs);
  void Send(const raftpb::Message& m) { Send(std::vector<raftpb::Message>{m}); }
  // Shortcuts: node `id` campaigns / proposes.
  void Campaign(uint64_t id);
  void Propose(uint64_t id, const std::string& data);

  // Drops `perc` (0..1) of messages from -> to.
  void Drop(uint64_t from, uint64_t to, double perc) { drops_[{from, to}] = perc; }
  void Cut(uint64_t a, uint64_t b) {
    Drop(a, b, 2.0);
    Drop(b, a, 2.0);
  }
  void Isolate(uint64_t id);
  void Ignore(raftpb::MessageType t) { ignored_.insert(t); }
  // PersistAndApply on every live node.
  void PersistAll();
  void Recover() {
    drops_.clear();
    ignored_.clear();
  }

  Raft* raft(uint64_t id) { return peers_.at(id).raft.get(); }
  MemoryStorage* storage(uint64_t id) { return peers_.at(id).storage.get(); }
  void Replace(uint64_t id, TestPeer p) { peers_[id] = std::move(p); }
  // Messages the network dropped or could not deliver (to a black hole).
  const std::vector<raftpb::Message>& dropped() const { return dropped_; }
  // Every message delivered, in order (for traces).
  const std::vector<raftpb::Message>& delivered() const { return delivered_; }
  std::vector<uint64_t> ids() const;

 private:
  std::vector<raftpb::Message> Filter(std::vector<raftpb::Message> msgs);

  std::map<uint64_t, TestPeer> peers_;
  std::map<std::pair<uint64_t, uint64_t>, double> drops_;
  std::set<raftpb::MessageType> ignored_;
  std::vector<raftpb::Message> dropped_;
  std::vector<raftpb::Message> delivered_;
  Rng rng_{42};
};

}  // namespace etcd::raft::testing
