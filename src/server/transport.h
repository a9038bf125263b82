// The peer transport seam: how the raft loop hands Raft messages to other members.
// The real transport (peer gRPC streams) comes with the multi-member issue; a
// single-member server runs with NoopTransport.
//
// Thread safety: Send is called from the raft loop thread only and must not block.
#pragma once

#include <vector>

#include "raftpb/raft.pb.h"

namespace etcd::server {

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues `msgs` for delivery; never blocks (drop and report unreachable instead).
  virtual void Send(std::vector<raftpb::Message> msgs) = 0;
};

class NoopTransport final : public Transport {
 public:
  void Send(std::vector<raftpb::Message>) override {}
};

}  // namespace etcd::server
