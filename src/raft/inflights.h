// The leader's sliding window of in-flight MsgApp messages to one follower: the last
// index of every unacknowledged append, oldest first, in a fixed-size ring. A full
// window pauses replication to that follower (flow control).
//
// Thread safety: not thread-safe; owned by the Raft state machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace etcd::raft {

class Inflights {
 public:
  explicit Inflights(size_t size) : size_(size) {}

  // Records an append whose last entry is `inflight`. REQUIRES: !Full() and inflight
  // larger than every recorded index.
  void Add(uint64_t inflight);
  // Frees every append whose last index is <= `to` (acknowledged).
  void FreeLE(uint64_t to);
  // Frees the oldest append (a heartbeat response proved the follower is alive).
  void FreeFirstOne();
  bool Full() const { return count_ == size_; }
  size_t Count() const { return count_; }
  size_t Capacity() const { return size_; }
  void Reset() {
    count_ = 0;
    start_ = 0;
  }

 private:
  size_t start_ = 0;  // ring position of the oldest entry
  size_t count_ = 0;
  size_t size_;
  std::vector<uint64_t> buffer_;  // grows lazily up to size_
};

}  // namespace etcd::raft
