// Pending linearizable reads on the leader (ReadIndex, safe mode): each request
// remembers the commit index at the time it arrived and waits until a quorum of
// voters has acknowledged a heartbeat carrying its context. Requests are answered in
// arrival order; an ack for a later request also confirms every earlier one.
//
// Thread safety: not thread-safe; owned by the Raft state machine.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/config.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

struct ReadIndexStatus {
  raftpb::Message req;  // the original MsgReadIndex
  uint64_t index = 0;   // commit index when the request arrived
  std::set<uint64_t> acks;
};

class ReadOnly {
 public:
  explicit ReadOnly(ReadOnlyOption option) : option_(option) {}

  ReadOnlyOption option() const { return option_; }
  // Registers a read request (keyed by its context, entries[0].data). A repeated
  // context is ignored.
  void AddRequest(uint64_t index, const raftpb::Message& m);
  // Records a heartbeat ack from `id` for the request with `ctx`; returns the acks
  // so far (nullptr if no such request is pending).
  const std::set<uint64_t>* RecvAck(uint64_t id, const std::string& ctx);
  // Dequeues the request with `ctx` and every request before it.
  std::vector<ReadIndexStatus> Advance(const std::string& ctx);
  // The context of the newest pending request ("" if none).
  std::string LastPendingRequestCtx() const;
  size_t PendingCount() const { return queue_.size(); }

 private:
  ReadOnlyOption option_;
  std::map<std::string, ReadIndexStatus> pending_;
  std::deque<std::string> queue_;
};

}  // namespace etcd::raft
