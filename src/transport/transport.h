// The peer transport: how this member's raft loop reaches the other members and how
// their messages reach it (docs/design/transport.md).
//
//   outbound: Send() puts each message on its peer's bounded queue and returns at
//             once; a sender thread per peer keeps one Stream call open and writes
//             the queue in batches. A full queue, or a peer known to be down, drops the
//             message and reports the peer unreachable through the RaftHandler.
//             MSG_SNAP messages go instead to a background Snapshot call each.
//   inbound:  a grpc::Server on --listen-peer-urls serves peerpb::Peer (PeerService):
//             every call is checked (cluster ID, intended member, removed member) and
//             accepted messages go to RaftHandler::Process.
//
// Typical use by the member (server module):
//   Transport t(options, &clock);
//   RETURN_IF_ERROR(t.Start(&handler));             // binds the peer URLs
//   for each other member: t.AddPeer(id, peer_urls);
//   raft loop: t.Send(std::move(ready.messages));   // never blocks
//   membership changes: AddPeer / UpdatePeer / RemovePeer
//   shutdown: t.Stop();                              // no handler calls after it returns
//
// Thread safety: all public methods may be called from any thread. Send and
// SendSnapshot never block on the network (they take short internal locks only).
// Handler callbacks are made without any transport lock held, from transport threads
// and (ReportUnreachable/ReportSnapshot on immediate drops) from the caller of Send.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "raftpb/raft.pb.h"
#include "transport/identity.h"
#include "transport/options.h"
#include "transport/peer.h"
#include "transport/peer_service.h"
#include "transport/peer_status.h"
#include "transport/pipe_server.h"
#include "transport/raft_handler.h"
#include "transport/snapshot_sender.h"

namespace etcd::transport {

class Transport {
 public:
  // `clock` (timestamps: active since, last contact, RTT) must outlive the transport.
  Transport(TransportOptions options, const Clock* clock);
  ~Transport();  // Stop()
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Binds every listen URL and starts serving; `handler` must stay valid until Stop
  // returns. Errors: a bad URL (InvalidArgument), https without credentials
  // (Unimplemented), a port that cannot be bound (Unavailable, naming the URLs).
  absl::Status Start(RaftHandler* handler);
  // Stops the server, every sender and snapshot; idempotent. After it returns the
  // handler is not called again. A stopped transport cannot be restarted.
  void Stop();

  // This member as peers see it (advertised URLs resolved to the bound ports).
  LocalIdentity local() const;
  // The bound port of each listen URL, in order (after Start).
  std::vector<int> listening_ports() const;

  // Starts a sender for member `id` (not this member). REQUIRES: started.
  // InvalidArgument for an empty or bad URL list; AlreadyExists if known.
  absl::Status AddPeer(uint64_t id, std::vector<std::string> urls);
  // Stops the sender (dropping its queue) and cancels its snapshots. No-op if unknown.
  void RemovePeer(uint64_t id);
  // New URLs for a known peer (NotFound otherwise); reconnects if the current URL is
  // no longer listed.
  absl::Status UpdatePeer(uint64_t id, std::vector<std::string> urls);
  bool HasPeer(uint64_t id) const;

  // Queues messages for their peers (by Message::to). Never blocks. Messages to an
  // unknown peer or to this member are dropped silently (as etcd does); a drop on a
  // known peer (queue full, peer down) reports ReportUnreachable(to), once per call
  // and peer. MSG_SNAP is handed to SendSnapshot with its snapshot.data as payload.
  void Send(std::vector<raftpb::Message> msgs);
  // Streams a MSG_SNAP in the background; the payload comes from `source` (the
  // receiver sees it as snapshot.data). Reports ReportSnapshot(to, failed) exactly
  // once, and ReportUnreachable(to) on failure. One snapshot per peer at a time: a
  // second one while the first runs fails at once.
  void SendSnapshot(raftpb::Message msg, std::unique_ptr<SnapshotSource> source);

  // Peers whose stream is up (sorted), and since when (nullopt: not active/unknown).
  std::vector<uint64_t> ActivePeers() const;
  std::optional<Clock::TimePoint> ActiveSince(uint64_t id) const;
  // Per-peer counters, RTT and last contact (for metrics), sorted by ID.
  std::vector<PeerStats> Stats() const;
  // Messages dropped because their peer was unknown.
  uint64_t unknown_peer_drops() const;

  // Follower side of lease keep-alive forwarding: asks member `leader_id` to renew
  // `lease_id`. `done` gets the TTL, or the leader's error unchanged (code and
  // text), or UNAVAILABLE/DEADLINE_EXCEEDED when the leader cannot be reached. The
  // async form never blocks; `done` runs on a gRPC thread (or inline on immediate
  // failure) and may run after Stop.
  using LeaseRenewCallback = std::function<void(absl::StatusOr<int64_t>)>;
  void LeaseRenewAsync(uint64_t leader_id, int64_t lease_id, std::chrono::milliseconds timeout,
                       LeaseRenewCallback done);
  absl::StatusOr<int64_t> LeaseRenew(uint64_t leader_id, int64_t lease_id,
                                     std::chrono::milliseconds timeout);

  // The member list as member `id` sees it (Members call on its peer URLs).
  absl::StatusOr<peerpb::MembersResponse> FetchMembers(uint64_t id,
                                                       std::chrono::milliseconds timeout);

 private:
  struct SnapshotJob {
    uint64_t to = 0;
    grpc::ClientContext ctx;
    std::thread thread;
    bool done = false;
  };

  std::shared_ptr<Peer> FindPeer(uint64_t id) const;
  void RunSnapshot(SnapshotJob* job, std::shared_ptr<Peer> peer, raftpb::Message msg,
                   std::unique_ptr<SnapshotSource> source);
  // Joins and frees finished snapshot jobs.
  void ReapSnapshots();

  const TransportOptions options_;
  const Clock* const clock_;
  PeerEnv env_;  // set by Start, then read-only
  std::unique_ptr<PeerService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<PipeServer> pipe_server_;  // http:// listen URLs (pipe_server.h)
  std::vector<int> ports_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::map<uint64_t, std::shared_ptr<Peer>> peers_ ABSL_GUARDED_BY(mu_);
  std::list<std::unique_ptr<SnapshotJob>> snapshots_ ABSL_GUARDED_BY(mu_);
  uint64_t unknown_peer_drops_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace etcd::transport
