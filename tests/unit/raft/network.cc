#include "network.h"

#include <deque>

#include "raft/util.h"

namespace etcd::raft::testing {

TestPeer NewTestRaft(uint64_t id, const std::vector<uint64_t>& voters, int election, int heartbeat,
                     MemoryStorage* storage, const ConfigFn& tweak,
                     const std::vector<uint64_t>& learners) {
  TestPeer p;
  if (storage == nullptr) {
    p.storage = std::make_unique<MemoryStorage>();
    storage = p.storage.get();
  }
  Config c;
  c.id = id;
  c.election_tick = election;
  c.heartbeat_tick = heartbeat;
  c.storage = storage;
  c.max_inflight_msgs = 256;
  c.max_size_per_msg = kNoLimit;
  c.seed = id;
  if (tweak) tweak(&c);
  auto r = Raft::Create(c);
  if (!r.ok()) Panic(nullptr, r.status().ToString());
  p.raft = std::move(r).value();
  // Like a snapshot's ConfState, but without touching the log.
  if (p.raft->tracker().progress.empty()) {
    for (uint64_t v : voters) p.raft->ApplyConfChange(CC(raftpb::CONF_CHANGE_ADD_NODE, v));
    for (uint64_t l : learners) {
      p.raft->ApplyConfChange(CC(raftpb::CONF_CHANGE_ADD_LEARNER_NODE, l));
    }
  }
  return p;
}

std::unique_ptr<MemoryStorage> StorageWithTerms(const std::vector<uint64_t>& terms) {
  auto s = std::make_unique<MemoryStorage>();
  std::vector<raftpb::Entry> ents;
  for (size_t i = 0; i < terms.size(); ++i) ents.push_back(Ent(i + 1, terms[i]));
  (void)s->Append(ents);
  raftpb::HardState hs;
  hs.set_term(terms.empty() ? 0 : terms.back());
  (void)s->SetHardState(hs);
  return s;
}

std::vector<raftpb::Entry> PersistAndApply(Raft* r, MemoryStorage* s) {
  RaftLog& l = r->raft_log();
  if (auto snap = l.unstable().snapshot()) {
    (void)s->ApplySnapshot(*snap);
    l.StableSnapTo(snap->metadata().index());
    if (l.applied() < snap->metadata().index()) l.AppliedTo(snap->metadata().index());
  }
  auto ents = l.UnstableEntries();
  (void)s->Append(ents);
  if (!ents.empty()) l.StableTo(ents.back().index(), ents.back().term());
  auto next = l.NextEnts();
  if (!next.empty()) l.AppliedTo(next.back().index());
  r->ReduceUncommittedSize(next);
  return next;
}

raftpb::Message Msg(uint64_t from, uint64_t to, raftpb::MessageType type, uint64_t term) {
  raftpb::Message m;
  m.set_from(from);
  m.set_to(to);
  m.set_type(type);
  m.set_term(term);
  return m;
}

raftpb::Message PropMsg(uint64_t from, uint64_t to, const std::string& data) {
  raftpb::Message m = Msg(from, to, raftpb::MSG_PROP);
  m.add_entries()->set_data(data);
  return m;
}

raftpb::Entry Ent(uint64_t index, uint64_t term, const std::string& data) {
  raftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data);
  return e;
}

raftpb::ConfChange CC(raftpb::ConfChangeType t, uint64_t id) {
  raftpb::ConfChange cc;
  cc.set_type(t);
  cc.set_node_id(id);
  return cc;
}

raftpb::Entry CCEnt(raftpb::ConfChangeType t, uint64_t id) {
  raftpb::Entry e;
  e.set_type(raftpb::ENTRY_CONF_CHANGE);
  e.set_data(CC(t, id).SerializeAsString());
  return e;
}

Network::Network(int n, const ConfigFn& tweak) {
  std::vector<uint64_t> ids;
  for (int i = 1; i <= n; ++i) ids.push_back(static_cast<uint64_t>(i));
  for (uint64_t id : ids) peers_[id] = NewTestRaft(id, ids, 10, 1, nullptr, tweak);
}

Network::Network(std::map<uint64_t, TestPeer> peers) : peers_(std::move(peers)) {}

std::vector<uint64_t> Network::ids() const {
  std::vector<uint64_t> out;
  for (const auto& [id, p] : peers_) out.push_back(id);
  return out;
}

void Network::Isolate(uint64_t id) {
  for (const auto& [other, p] : peers_) {
    if (other != id) Cut(id, other);
  }
}

std::vector<raftpb::Message> Network::Filter(std::vector<raftpb::Message> msgs) {
  std::vector<raftpb::Message> out;
  for (auto& m : msgs) {
    if (ignored_.count(m.type()) != 0) {
      dropped_.push_back(std::move(m));
      continue;
    }
    if (m.type() != raftpb::MSG_HUP) {  // hups never go over the network
      auto it = drops_.find({m.from(), m.to()});
      if (it != drops_.end()) {
        double r = static_cast<double>(rng_.Uniform(1000000)) / 1000000.0;
        if (r < it->second) {
          dropped_.push_back(std::move(m));
          continue;
        }
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

void Network::Send(std::vector<raftpb::Message> msgs) {
  // Like a node's own input, the initial messages are not filtered.
  std::deque<raftpb::Message> q(msgs.begin(), msgs.end());
  while (!q.empty()) {
    raftpb::Message m = std::move(q.front());
    q.pop_front();
    auto it = peers_.find(m.to());
    if (it == peers_.end() || it->second.raft == nullptr) {
      dropped_.push_back(std::move(m));
      continue;
    }
    Raft* r = it->second.raft.get();
    delivered_.push_back(m);
    (void)r->Step(m);
    for (auto& out : Filter(r->ReadMessages())) q.push_back(std::move(out));
  }
}

void Network::PersistAll() {
  for (auto& [id, p] : peers_) {
    if (p.raft != nullptr && p.storage != nullptr) PersistAndApply(p.raft.get(), p.storage.get());
  }
}

void Network::Campaign(uint64_t id) { Send(Msg(id, id, raftpb::MSG_HUP)); }

void Network::Propose(uint64_t id, const std::string& data) { Send(PropMsg(id, id, data)); }

}  // namespace etcd::raft::testing
