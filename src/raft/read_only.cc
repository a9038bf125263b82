#include "raft/read_only.h"

namespace etcd::raft {

void ReadOnly::AddRequest(uint64_t index, const raftpb::Message& m) {
  const std::string& ctx = m.entries(0).data();
  if (pending_.count(ctx) != 0) return;
  pending_.emplace(ctx, ReadIndexStatus{m, index, {}});
  queue_.push_back(ctx);
}

const std::set<uint64_t>* ReadOnly::RecvAck(uint64_t id, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return nullptr;
  it->second.acks.insert(id);
  return &it->second.acks;
}

std::vector<ReadIndexStatus> ReadOnly::Advance(const std::string& ctx) {
  std::vector<ReadIndexStatus> out;
  size_t i = 0;
  bool found = false;
  for (; i < queue_.size(); ++i) {
    if (pending_.count(queue_[i]) == 0) continue;  // cannot happen; be defensive
    if (queue_[i] == ctx) {
      found = true;
      break;
    }
  }
  if (!found) return out;
  for (size_t j = 0; j <= i; ++j) {
    auto it = pending_.find(queue_.front());
    if (it != pending_.end()) {
      out.push_back(std::move(it->second));
      pending_.erase(it);
    }
    queue_.pop_front();
  }
  return out;
}

std::string ReadOnly::LastPendingRequestCtx() const {
  if (queue_.empty()) return "";
  return queue_.back();
}

}  // namespace etcd::raft
