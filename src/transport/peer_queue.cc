#include "transport/peer_queue.h"

namespace etcd::transport {

PeerQueue::PeerQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

bool PeerQueue::Push(raftpb::Message msg) {
  if (items_.size() >= capacity_) return false;
  size_t size = msg.ByteSizeLong();
  bytes_ += size;
  items_.emplace_back(std::move(msg), size);
  return true;
}

std::vector<raftpb::Message> PeerQueue::PopBatch(size_t max_messages, size_t max_bytes) {
  std::vector<raftpb::Message> out;
  size_t batch_bytes = 0;
  while (!items_.empty()) {
    size_t size = items_.front().second;
    if (!out.empty() && (out.size() >= max_messages || batch_bytes + size > max_bytes)) break;
    batch_bytes += size;
    bytes_ -= size;
    out.push_back(std::move(items_.front().first));
    items_.pop_front();
  }
  return out;
}

size_t PeerQueue::Clear() {
  size_t n = items_.size();
  items_.clear();
  bytes_ = 0;
  return n;
}

}  // namespace etcd::transport
