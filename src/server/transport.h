// The peer transport seam, outbound side: how the member hands Raft messages to other
// members, keeps the transport's peer set in line with the membership, asks about peer
// connectivity and forwards requests only the leader can answer (MemberPromote, lease
// keep-alives). The real implementation (server/peer_transport.h) wraps
// transport::Transport (peer gRPC streams); a member without peers runs with
// NoopTransport; in-process tests join members with testutil::MemNetwork.
//
// The inbound side is EtcdServer's peer methods (ProcessPeerMessage, ReportUnreachable,
// ReportSnapshot, IsRemovedMember, PeerMembers, RenewLeaseForPeer,
// PromoteMemberOnLeader, HandleRemovedFromCluster).
//
// Thread safety: implementations must be thread-safe and must never block the caller
// on the network. Send is called from the raft loop, and for a MSG_SNAP (whose
// snapshot.data is the backend dump, docs/design/server.md "Snapshot payload") also
// from the server's worker thread. Every MSG_SNAP gets exactly one
// EtcdServer::ReportSnapshot(to, failed) back. Callbacks (`done`) may run on any
// thread, inline on immediate failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "raftpb/raft.pb.h"
#include "serverpb/internal.pb.h"

namespace etcd::server {

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues `msgs` for delivery; never blocks (drop and report unreachable instead).
  virtual void Send(std::vector<raftpb::Message> msgs) = 0;

  // The other members (learners too), kept in step with the applied membership.
  virtual void AddPeer(uint64_t id, const std::vector<std::string>& peer_urls) {
    (void)id;
    (void)peer_urls;
  }
  virtual void UpdatePeer(uint64_t id, const std::vector<std::string>& peer_urls) {
    (void)id;
    (void)peer_urls;
  }
  virtual void RemovePeer(uint64_t id) { (void)id; }
  // Since when our connection to peer `id` is up; nullopt while it is down or unknown.
  virtual std::optional<Clock::TimePoint> ActiveSince(uint64_t id) const {
    (void)id;
    return std::nullopt;
  }

  // Follower side of MemberPromote: asks the leader to promote `learner`; `done` gets
  // the member list after the promotion, or the leader's error unchanged. UNIMPLEMENTED
  // (the default) makes the member forward over the leader's client URLs instead
  // (server/promote_forwarder.h).
  using PromoteDone = std::function<void(absl::StatusOr<std::vector<serverpb::Member>>)>;
  virtual void ForwardPromote(uint64_t leader, uint64_t learner, PromoteDone done) {
    (void)leader;
    (void)learner;
    done(absl::UnimplementedError("this transport does not forward MemberPromote"));
  }

  // Follower side of a keep-alive: asks member `leader` to renew `lease`. `done` gets
  // the TTL, the leader's error unchanged (etcd's client-visible errors survive the
  // hop), or Unavailable/DeadlineExceeded when the leader cannot be reached.
  using LeaseRenewDone = std::function<void(absl::StatusOr<int64_t>)>;
  virtual void LeaseRenew(uint64_t leader, int64_t lease, std::chrono::milliseconds timeout,
                          LeaseRenewDone done) {
    (void)leader;
    (void)lease;
    (void)timeout;
    done(absl::UnavailableError("no peer transport"));
  }
};

class NoopTransport final : public Transport {
 public:
  void Send(std::vector<raftpb::Message>) override {}
};

}  // namespace etcd::server
