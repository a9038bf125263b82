// The bounded outgoing queue of one peer: raft messages wait here between
// Transport::Send (raft loop thread) and the peer's sender thread, which takes them
// out in batches, one batch per stream write.
//
// Thread safety: not thread-safe; the owning Peer guards it with its mutex.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

#include "raftpb/raft.pb.h"

namespace etcd::transport {

class PeerQueue {
 public:
  // `capacity` > 0 messages.
  explicit PeerQueue(size_t capacity);

  // Appends `msg`. False (and `msg` is discarded) when the queue already holds
  // `capacity` messages: the caller drops and reports the peer unreachable.
  bool Push(raftpb::Message msg);

  // Removes and returns the oldest messages, in order: at least one if the queue is
  // not empty, then more while the batch stays within `max_messages` messages and
  // `max_bytes` encoded bytes (a single larger message travels alone).
  std::vector<raftpb::Message> PopBatch(size_t max_messages, size_t max_bytes);

  // Drops everything; returns how many messages were dropped.
  size_t Clear();

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  size_t capacity() const { return capacity_; }
  // Encoded size of the queued messages.
  size_t bytes() const { return bytes_; }

 private:
  size_t capacity_;
  std::deque<std::pair<raftpb::Message, size_t>> items_;  // message, encoded size
  size_t bytes_ = 0;
};

}  // namespace etcd::transport
