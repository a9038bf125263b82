#include "testutil/mem_network.h"

#include <algorithm>

namespace etcd::testutil {

class MemNetwork::Endpoint_ final : public server::Transport {
 public:
  Endpoint_(MemNetwork* net, uint64_t id) : net_(net), id_(id) {}
  void Send(std::vector<raftpb::Message> msgs) override { net_->Send(id_, std::move(msgs)); }
  void AddPeer(uint64_t id, const std::vector<std::string>& urls) override {
    net_->SetPeer(id_, id, urls, /*add=*/true);
  }
  void UpdatePeer(uint64_t id, const std::vector<std::string>& urls) override {
    net_->SetPeer(id_, id, urls, /*add=*/false);
  }
  void RemovePeer(uint64_t id) override { net_->RemovePeer(id_, id); }
  std::optional<Clock::TimePoint> ActiveSince(uint64_t id) const override {
    return net_->ActiveSince(id_, id);
  }
  void ForwardPromote(uint64_t leader, uint64_t learner, PromoteDone done) override {
    net_->ForwardPromote(id_, leader, learner, std::move(done));
  }

 private:
  MemNetwork* const net_;
  const uint64_t id_;
};

MemNetwork::MemNetwork(const Clock* clock) : clock_(clock) {}
MemNetwork::~MemNetwork() = default;

server::Transport* MemNetwork::Endpoint(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto& ep = endpoints_[id];
  if (ep == nullptr) ep = std::make_unique<Endpoint_>(this, id);
  nodes_[id];
  return ep.get();
}

void MemNetwork::Attach(uint64_t id, Deliver deliver, PromoteHandler promote) {
  absl::MutexLock lock(&mu_);
  Node& n = nodes_[id];
  n.deliver = std::move(deliver);
  n.promote = std::move(promote);
  n.attached = true;
  n.attached_at = clock_->Now();
}

void MemNetwork::Detach(uint64_t id) {
  absl::MutexLock lock(&mu_);
  Node& n = nodes_[id];
  n.attached = false;
  n.deliver = nullptr;
  n.promote = nullptr;
  n.peers.clear();  // a restarted process builds a new transport
  n.peer_added_at.clear();
}

void MemNetwork::Isolate(uint64_t id) {
  absl::MutexLock lock(&mu_);
  for (const auto& [other, n] : nodes_) {
    if (other != id) cut_.insert(Link(id, other));
  }
}

void MemNetwork::Cut(uint64_t a, uint64_t b) {
  absl::MutexLock lock(&mu_);
  cut_.insert(Link(a, b));
}

void MemNetwork::Heal(uint64_t a, uint64_t b) {
  absl::MutexLock lock(&mu_);
  if (cut_.erase(Link(a, b)) > 0) healed_at_[Link(a, b)] = clock_->Now();
}

void MemNetwork::HealAll() {
  absl::MutexLock lock(&mu_);
  for (const auto& l : cut_) healed_at_[l] = clock_->Now();
  cut_.clear();
}

std::map<uint64_t, std::vector<std::string>> MemNetwork::Peers(uint64_t id) const {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return {};
  return it->second.peers;
}

uint64_t MemNetwork::delivered() const {
  absl::MutexLock lock(&mu_);
  return delivered_;
}

uint64_t MemNetwork::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

bool MemNetwork::LinkUpLocked(uint64_t from, uint64_t to) const {
  auto f = nodes_.find(from);
  auto t = nodes_.find(to);
  if (f == nodes_.end() || t == nodes_.end()) return false;
  if (!f->second.attached || !t->second.attached) return false;
  if (f->second.peers.count(to) == 0) return false;
  return cut_.count(Link(from, to)) == 0;
}

void MemNetwork::Send(uint64_t from, std::vector<raftpb::Message> msgs) {
  absl::MutexLock lock(&mu_);
  for (auto& m : msgs) {
    if (!LinkUpLocked(from, m.to())) {
      ++dropped_;
      continue;
    }
    ++delivered_;
    nodes_[m.to()].deliver(std::move(m));
  }
}

void MemNetwork::SetPeer(uint64_t self, uint64_t id, const std::vector<std::string>& urls,
                         bool add) {
  absl::MutexLock lock(&mu_);
  Node& n = nodes_[self];
  if (add && n.peers.count(id) == 0) n.peer_added_at[id] = clock_->Now();
  if (!add && n.peers.count(id) == 0) return;  // UpdatePeer of an unknown peer
  n.peers[id] = urls;
}

void MemNetwork::RemovePeer(uint64_t self, uint64_t id) {
  absl::MutexLock lock(&mu_);
  Node& n = nodes_[self];
  n.peers.erase(id);
  n.peer_added_at.erase(id);
}

std::optional<Clock::TimePoint> MemNetwork::ActiveSince(uint64_t self, uint64_t id) const {
  absl::MutexLock lock(&mu_);
  if (!LinkUpLocked(self, id)) return std::nullopt;
  Clock::TimePoint t = std::max(nodes_.at(self).attached_at, nodes_.at(id).attached_at);
  t = std::max(t, nodes_.at(self).peer_added_at.at(id));
  auto h = healed_at_.find(Link(self, id));
  if (h != healed_at_.end()) t = std::max(t, h->second);
  return t;
}

void MemNetwork::ForwardPromote(uint64_t self, uint64_t leader, uint64_t learner,
                                server::Transport::PromoteDone done) {
  PromoteHandler handler;
  {
    absl::MutexLock lock(&mu_);
    if (LinkUpLocked(self, leader)) handler = nodes_[leader].promote;
  }
  if (!handler) {
    done(absl::UnavailableError("memnetwork: the leader cannot be reached"));
    return;
  }
  handler(learner, std::move(done));
}

}  // namespace etcd::testutil
