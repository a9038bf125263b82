// What the transport needs from the member it serves: somewhere to deliver inbound
// Raft messages, somewhere to report delivery failures, and a few questions only the
// member can answer (removed members, the member list, lease renewal on the leader).
//
// Thread safety: every method may be called from any transport thread (gRPC server
// threads, per-peer sender threads, snapshot threads) and also from the thread that
// calls Transport::Send (overflow reports). Implementations must be thread-safe and
// must not block: Process/ReportUnreachable/ReportSnapshot should only enqueue into
// the raft loop's queue. Members() and IsRemoved() read the membership store.
// LeaseRenew may wait, bounded by `deadline`, since it runs on a gRPC server thread.
// No transport lock is held while any of these is called.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "raftpb/raft.pb.h"
#include "serverpb/internal.pb.h"

namespace etcd::transport {

// Something worth one log line about a peer connection. The transport deduplicates:
// an event is reported when a peer's state changes (active <-> inactive) or when a
// refusal's text differs from the last one reported for that peer, never once per
// retry.
struct PeerEvent {
  enum class Kind {
    kActive,          // our stream to `peer_id` is up (status OK)
    kInactive,        // our stream to `peer_id` went down or cannot be set up (status says why)
    kRefused,         // `peer_id` refused our call (cluster ID mismatch, wrong member, ...)
    kRejected,        // we refused a call from `peer_id` (status is what we answered)
    kSnapshotFailed,  // a snapshot to `peer_id` failed (status says why)
  };
  Kind kind = Kind::kInactive;
  uint64_t peer_id = 0;
  std::vector<std::string> peer_urls;  // the URLs we know (or the caller claimed)
  absl::Status status;
};

class RaftHandler {
 public:
  virtual ~RaftHandler() = default;

  // An inbound Raft message addressed to this member (already checked: cluster ID,
  // sender not removed, `to` is us). MSG_SNAP arrives with snapshot.data rebuilt
  // from the streamed chunks.
  virtual void Process(raftpb::Message msg) = 0;
  // The messages of one inbound batch (all checked), in order. The default hands each
  // to Process; a member may instead queue them all and run its raft turn on the
  // calling thread (a transport thread dedicated to that inbound connection).
  virtual void ProcessAll(std::vector<raftpb::Message> msgs) {
    for (raftpb::Message& m : msgs) Process(std::move(m));
  }
  // A message to `id` was dropped (queue full, peer down, stream broken): the raft
  // loop should call RawNode::ReportUnreachable(id).
  virtual void ReportUnreachable(uint64_t id) = 0;
  // The outcome of one MSG_SNAP sent to `id`: RawNode::ReportSnapshot(id, failed).
  // Called exactly once per MSG_SNAP handed to Send/SendSnapshot.
  virtual void ReportSnapshot(uint64_t id, bool failed) = 0;
  // True if `id` was removed from the cluster (its calls are refused).
  virtual bool IsRemoved(uint64_t id) = 0;
  // The current membership, sorted by ID, for the Members RPC.
  virtual std::vector<serverpb::Member> Members() = 0;
  // Leader side of a forwarded keep-alive: renew lease `id`, return its TTL, or the
  // error to hand back to the follower (code and message travel unchanged, so etcd's
  // client-visible errors from common/errors.h survive the hop).
  virtual absl::StatusOr<int64_t> LeaseRenew(int64_t id, absl::Time deadline) = 0;

  // Connection events, for the member to log (library code does not log).
  virtual void OnPeerEvent(const PeerEvent& event) {}
  // A peer refused us because this member was removed from the cluster: the member
  // should stop serving (etcd: "the member has been permanently removed from the
  // cluster"). May be called more than once.
  virtual void OnRemovedFromCluster(uint64_t reported_by) {}
};

}  // namespace etcd::transport
