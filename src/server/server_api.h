// The member as the client-facing layer (api/: gRPC services, HTTP endpoints, JSON
// gateway) sees it. EtcdServer implements it; api/ depends on this header only, and
// tests of api/ use a fake.
//
// Every request method is asynchronous: it validates, then either answers at once
// (a serializable read, a validation error) or proposes through Raft and answers when
// the entry is applied. `done` runs exactly once, on an arbitrary server thread (often
// the applier); it must not block and must not call back into the server synchronously.
// Errors are final etcd errors (api/errors.h gives the code and exact message) so the
// gRPC layer passes them through unchanged.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "serverpb/internal.pb.h"

namespace etcd::mvcc {
class WatchableStore;  // mvcc/watchable_store.h
}
namespace etcd::v2store {
class Store;  // v2store/store.h
}

namespace etcd::server {

class AuthApi;  // server/auth_api.h

template <typename T>
using Done = std::function<void(absl::StatusOr<T>)>;

// Caller identity and request metadata extracted by the api layer.
struct RequestContext {
  std::string token;  // "token" gRPC metadata / Authorization header
  // Common name of the client's verified TLS certificate (empty without one). With
  // --client-cert-auth and no token it is the user name (docs/security.md).
  std::string cert_common_name;
  bool require_leader = false;  // "hasleader=true" metadata
};

// Maintenance.Snapshot: a point-in-time image of the backend followed by its SHA-256
// (docs/design/snapshot-file.md), read in chunks. Next() reads the disk: call it off
// the gRPC threads. One owner.
class SnapshotReader {
 public:
  virtual ~SnapshotReader() = default;
  // Image bytes, without the 32-byte SHA-256 that follows them (etcd's snapshot size,
  // the base of remaining_bytes).
  virtual uint64_t ImageBytes() const = 0;
  // Up to `max` next bytes; empty when everything (image and SHA-256) was read.
  virtual absl::StatusOr<std::string> Next(size_t max) = 0;
};

struct HealthInfo {
  bool has_leader = false;
  std::vector<etcdserverpb::AlarmMember> alarms;
  // A learner refuses every stream (etcd's stream interceptor).
  bool is_learner = false;
};

class ServerApi {
 public:
  virtual ~ServerApi() = default;

  // Header fields for responses built outside the server (watch, gateway).
  virtual uint64_t ClusterId() const = 0;
  virtual uint64_t MemberId() const = 0;
  virtual uint64_t Term() const = 0;
  virtual int64_t CurrentRevision() const = 0;
  // Fills cluster_id, member_id, raft_term and the current revision.
  virtual void FillHeader(etcdserverpb::ResponseHeader* header) const = 0;

  // Runs the raft turn that KV writes queued inside a ProposalBatch (proposal_batch.h)
  // are waiting for. Called by the batch when it closes.
  virtual void RunDeferredTurn() {}

  // --- KV ---
  virtual void Range(const RequestContext& ctx, const etcdserverpb::RangeRequest& req,
                     Done<etcdserverpb::RangeResponse> done) = 0;
  virtual void Put(const RequestContext& ctx, const etcdserverpb::PutRequest& req,
                   Done<etcdserverpb::PutResponse> done) = 0;
  virtual void DeleteRange(const RequestContext& ctx, const etcdserverpb::DeleteRangeRequest& req,
                           Done<etcdserverpb::DeleteRangeResponse> done) = 0;
  virtual void Txn(const RequestContext& ctx, const etcdserverpb::TxnRequest& req,
                   Done<etcdserverpb::TxnResponse> done) = 0;
  virtual void Compact(const RequestContext& ctx, const etcdserverpb::CompactionRequest& req,
                       Done<etcdserverpb::CompactionResponse> done) = 0;

  // --- Lease ---
  virtual void LeaseGrant(const RequestContext& ctx, const etcdserverpb::LeaseGrantRequest& req,
                          Done<etcdserverpb::LeaseGrantResponse> done) = 0;
  virtual void LeaseRevoke(const RequestContext& ctx, const etcdserverpb::LeaseRevokeRequest& req,
                           Done<etcdserverpb::LeaseRevokeResponse> done) = 0;
  // One keep-alive: the response's TTL is 0 when the lease is unknown or expired.
  virtual void LeaseRenew(const RequestContext& ctx, const etcdserverpb::LeaseKeepAliveRequest& req,
                          Done<etcdserverpb::LeaseKeepAliveResponse> done) = 0;
  virtual void LeaseTimeToLive(const RequestContext& ctx,
                               const etcdserverpb::LeaseTimeToLiveRequest& req,
                               Done<etcdserverpb::LeaseTimeToLiveResponse> done) = 0;
  virtual void LeaseLeases(const RequestContext& ctx, const etcdserverpb::LeaseLeasesRequest& req,
                           Done<etcdserverpb::LeaseLeasesResponse> done) = 0;

  // --- Cluster ---
  virtual void MemberList(const RequestContext& ctx, const etcdserverpb::MemberListRequest& req,
                          Done<etcdserverpb::MemberListResponse> done) = 0;
  virtual void MemberAdd(const RequestContext& ctx, const etcdserverpb::MemberAddRequest& req,
                         Done<etcdserverpb::MemberAddResponse> done) = 0;
  virtual void MemberRemove(const RequestContext& ctx, const etcdserverpb::MemberRemoveRequest& req,
                            Done<etcdserverpb::MemberRemoveResponse> done) = 0;
  virtual void MemberUpdate(const RequestContext& ctx, const etcdserverpb::MemberUpdateRequest& req,
                            Done<etcdserverpb::MemberUpdateResponse> done) = 0;
  virtual void MemberPromote(const RequestContext& ctx,
                             const etcdserverpb::MemberPromoteRequest& req,
                             Done<etcdserverpb::MemberPromoteResponse> done) = 0;

  // --- Maintenance ---
  virtual void Status(const RequestContext& ctx, const etcdserverpb::StatusRequest& req,
                      Done<etcdserverpb::StatusResponse> done) = 0;
  virtual void Alarm(const RequestContext& ctx, const etcdserverpb::AlarmRequest& req,
                     Done<etcdserverpb::AlarmResponse> done) = 0;
  virtual void Defragment(const RequestContext& ctx, const etcdserverpb::DefragmentRequest& req,
                          Done<etcdserverpb::DefragmentResponse> done) = 0;
  virtual void Hash(const RequestContext& ctx, const etcdserverpb::HashRequest& req,
                    Done<etcdserverpb::HashResponse> done) = 0;
  virtual void HashKV(const RequestContext& ctx, const etcdserverpb::HashKVRequest& req,
                      Done<etcdserverpb::HashKVResponse> done) = 0;
  virtual void MoveLeader(const RequestContext& ctx, const etcdserverpb::MoveLeaderRequest& req,
                          Done<etcdserverpb::MoveLeaderResponse> done) = 0;
  // Opens a consistent snapshot of this member's backend (Maintenance.Snapshot). May
  // scan the whole backend once (to learn the size): call it off the gRPC threads.
  virtual absl::StatusOr<std::unique_ptr<SnapshotReader>> OpenSnapshot(
      const RequestContext& /*ctx*/) {
    return absl::UnimplementedError("etcdserver: snapshot is not supported by this member");
  }

  // --- Watch ---
  // The store the Watch service opens streams on (mvcc/watchable_store.h).
  virtual mvcc::WatchableStore* Watchable() = 0;

  // --- Auth ---
  // The Auth service (server/auth_api.h); null when this member has no auth store.
  virtual AuthApi* Auth() { return nullptr; }

  // --- health and metrics (HTTP endpoints) ---
  virtual HealthInfo Health() const = 0;
  // Linearizable no-op read through Raft (the /health QGET); `done` gets OK or an error
  // within `timeout_ms`.
  virtual void CheckQuorum(int timeout_ms, std::function<void(absl::Status)> done) = 0;
  // Prometheus text exposition of the server's metrics (etcd's metric names).
  virtual std::string MetricsText() const = 0;

  // --- v2 keys API (--enable-v2; api/v2_keys_handler.h) ---
  // A write (PUT/POST/DELETE) through Raft; the response carries the HTTP status and body.
  virtual void V2Write(const RequestContext& /*ctx*/, const serverpb::V2Request& /*req*/,
                       Done<serverpb::V2Response> done) {
    done(absl::UnimplementedError("the v2 API is not served by this member"));
  }
  // The store for reads and watches; null when --enable-v2 is off.
  virtual v2store::Store* V2Store() { return nullptr; }
  // The committed Raft index (X-Raft-Index).
  virtual uint64_t CommittedRaftIndex() const { return 0; }
};

}  // namespace etcd::server
