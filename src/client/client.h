// A small etcd v3 client over gRPC (the generated etcdserverpb stubs).
//
//  * One gRPC channel per endpoint; calls go round-robin over the endpoints. Each
//    Client owns its own connections (a local subchannel pool), so N Clients to one
//    endpoint are N TCP connections, like N clientv3.Client.
//  * Unavailable errors are retried on the next endpoint (IsRetriable in
//    client/status.h: reads always, writes only when they cannot have been applied),
//    up to ClientOptions::max_attempts in total (sync calls back off between rounds
//    over all endpoints; async calls retry at once).
//  * Errors are absl::Status with the server's gRPC code and exact message text.
//  * With a user name, the client authenticates at Connect() and sends the token in
//    the "token" metadata of every call; a sync call that fails with "etcdserver:
//    invalid auth token" re-authenticates once and is retried.
//  * Sync calls block the calling thread. Async calls (…Async) use gRPC's callback
//    API and never block: the callback runs on a gRPC thread and must not block
//    either. Streams (Watch, LeaseKeepAlive) are BidiStream objects
//    (client/bidi_stream.h).
//
// Thread safety: all methods may be called from any thread concurrently.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/bidi_stream.h"
#include "client/endpoint.h"
#include "common/status.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace etcd::client {

struct TlsFiles {
  std::string ca_file;    // PEM roots; empty: the system roots
  std::string cert_file;  // client certificate (PEM), optional
  std::string key_file;   // its private key (PEM), optional
  // Do not verify the server's certificate chain or name (etcdctl
  // --insecure-skip-tls-verify). Testing only.
  bool insecure_skip_verify = false;
  // The name the server certificate must carry, when it differs from the endpoint's
  // host (etcdctl uses the --discovery-srv domain).
  std::string server_name;
};

struct ClientOptions {
  std::vector<std::string> endpoints = {"127.0.0.1:2379"};
  // > 0: Connect() waits this long for at least one endpoint to connect.
  std::chrono::milliseconds dial_timeout{0};
  // > 0: the deadline of each unary call attempt.
  std::chrono::milliseconds request_timeout{0};
  // TLS for every endpoint (https:// endpoints use it too, with system roots if unset).
  std::optional<TlsFiles> tls;
  std::string username;
  std::string password;
  // Attempts per call, including the first; 0 = 2 x number of endpoints (at least 2).
  int max_attempts = 0;
  std::chrono::milliseconds retry_backoff{25};
  // gRPC receive limit (etcd's responses may be large); send limit as clientv3 (2 MiB).
  int max_receive_bytes = INT32_MAX;
  int max_send_bytes = 2 * 1024 * 1024;
  // gRPC keepalive pings (clientv3 DialKeepAliveTime/DialKeepAliveTimeout); 0: off.
  std::chrono::milliseconds keepalive_time{0};
  std::chrono::milliseconds keepalive_timeout{0};
  // clientv3 semantics, as etcdctl needs them: request_timeout bounds the whole sync
  // call including its retries; retriable errors (IsRetriable) are retried on the next
  // endpoint, backing off retry_backoff after each round, until that deadline instead
  // of max_attempts; a call that runs out of time fails with DeadlineExceeded "context
  // deadline exceeded" (clientv3's text). Without request_timeout, max_attempts holds.
  bool retry_until_deadline = false;
  // Extra integer gRPC channel arguments, applied after the ones the client sets
  // (the benchmark turns gRPC's own retry layer off: GRPC_ARG_ENABLE_RETRIES = 0).
  std::vector<std::pair<std::string, int>> channel_int_args;
};

template <typename Resp>
using Callback = std::function<void(absl::StatusOr<Resp>)>;

using WatchStream = BidiStream<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;
using KeepAliveStream =
    BidiStream<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>;

class Client {
 public:
  static absl::StatusOr<std::unique_ptr<Client>> Connect(ClientOptions options);
  // For tests: one channel per "endpoint" given by the caller (e.g. in-process).
  static absl::StatusOr<std::unique_ptr<Client>> FromChannels(
      std::vector<std::shared_ptr<grpc::Channel>> channels, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  size_t endpoint_count() const { return conns_.size(); }
  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  // The channel to endpoint `endpoint_index` and the current auth token ("" without
  // auth), for callers that drive their own stubs (the benchmark's completion-queue
  // engine) over this client's connections.
  std::shared_ptr<grpc::Channel> channel(size_t endpoint_index) const {
    return conns_[endpoint_index].channel;
  }
  std::string token() const {
    absl::MutexLock lock(&token_mu_);
    return token_;
  }

  // --- KV ---
  absl::StatusOr<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& req);
  absl::StatusOr<etcdserverpb::PutResponse> Put(const etcdserverpb::PutRequest& req);
  absl::StatusOr<etcdserverpb::DeleteRangeResponse> DeleteRange(
      const etcdserverpb::DeleteRangeRequest& req);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& req);
  absl::StatusOr<etcdserverpb::CompactionResponse> Compact(
      const etcdserverpb::CompactionRequest& req);

  void RangeAsync(etcdserverpb::RangeRequest req, Callback<etcdserverpb::RangeResponse> done);
  void PutAsync(etcdserverpb::PutRequest req, Callback<etcdserverpb::PutResponse> done);
  void TxnAsync(etcdserverpb::TxnRequest req, Callback<etcdserverpb::TxnResponse> done);

  // --- Lease ---
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(int64_t ttl, int64_t id = 0);
  absl::StatusOr<etcdserverpb::LeaseRevokeResponse> LeaseRevoke(int64_t id);
  absl::StatusOr<etcdserverpb::LeaseTimeToLiveResponse> LeaseTimeToLive(int64_t id,
                                                                        bool keys = false);
  absl::StatusOr<etcdserverpb::LeaseLeasesResponse> LeaseLeases();
  // One keep-alive on a short-lived stream; TTL <= 0 in the response: lease gone.
  absl::StatusOr<etcdserverpb::LeaseKeepAliveResponse> LeaseKeepAliveOnce(int64_t id);

  // --- Maintenance / Cluster (endpoint_index: the member to ask) ---
  absl::StatusOr<etcdserverpb::StatusResponse> Status(size_t endpoint_index);
  absl::StatusOr<etcdserverpb::HashKVResponse> HashKV(size_t endpoint_index, int64_t revision);
  absl::StatusOr<etcdserverpb::MemberListResponse> MemberList();
  absl::StatusOr<etcdserverpb::MemberAddResponse> MemberAdd(
      const etcdserverpb::MemberAddRequest& req);
  absl::StatusOr<etcdserverpb::MemberRemoveResponse> MemberRemove(uint64_t id);
  absl::StatusOr<etcdserverpb::MemberUpdateResponse> MemberUpdate(
      const etcdserverpb::MemberUpdateRequest& req);
  absl::StatusOr<etcdserverpb::MemberPromoteResponse> MemberPromote(uint64_t id);
  // Alarm list/activate/deactivate (any member).
  absl::StatusOr<etcdserverpb::AlarmResponse> Alarm(const etcdserverpb::AlarmRequest& req);
  absl::StatusOr<etcdserverpb::DefragmentResponse> Defragment(size_t endpoint_index);
  absl::StatusOr<etcdserverpb::MoveLeaderResponse> MoveLeader(size_t endpoint_index,
                                                              uint64_t target_id);
  // Streams a snapshot from one member: `on_chunk` gets every response in order and
  // returns false to stop early (the call is then cancelled). The call's deadline is
  // `timeout` (0: none).
  absl::Status Snapshot(size_t endpoint_index,
                        const std::function<bool(const etcdserverpb::SnapshotResponse&)>& on_chunk,
                        std::chrono::milliseconds timeout);

  // --- Auth ---
  absl::StatusOr<etcdserverpb::AuthEnableResponse> AuthEnable();
  absl::StatusOr<etcdserverpb::AuthDisableResponse> AuthDisable();
  absl::StatusOr<etcdserverpb::AuthStatusResponse> AuthStatus();
  absl::StatusOr<etcdserverpb::AuthUserAddResponse> UserAdd(
      const etcdserverpb::AuthUserAddRequest& req);
  absl::StatusOr<etcdserverpb::AuthUserGetResponse> UserGet(const std::string& name);
  absl::StatusOr<etcdserverpb::AuthUserListResponse> UserList();
  absl::StatusOr<etcdserverpb::AuthUserDeleteResponse> UserDelete(const std::string& name);
  absl::StatusOr<etcdserverpb::AuthUserChangePasswordResponse> UserChangePassword(
      const std::string& name, const std::string& password);
  absl::StatusOr<etcdserverpb::AuthUserGrantRoleResponse> UserGrantRole(const std::string& user,
                                                                        const std::string& role);
  absl::StatusOr<etcdserverpb::AuthUserRevokeRoleResponse> UserRevokeRole(const std::string& user,
                                                                          const std::string& role);
  absl::StatusOr<etcdserverpb::AuthRoleAddResponse> RoleAdd(const std::string& name);
  absl::StatusOr<etcdserverpb::AuthRoleGetResponse> RoleGet(const std::string& name);
  absl::StatusOr<etcdserverpb::AuthRoleListResponse> RoleList();
  absl::StatusOr<etcdserverpb::AuthRoleDeleteResponse> RoleDelete(const std::string& name);
  absl::StatusOr<etcdserverpb::AuthRoleGrantPermissionResponse> RoleGrantPermission(
      const etcdserverpb::AuthRoleGrantPermissionRequest& req);
  absl::StatusOr<etcdserverpb::AuthRoleRevokePermissionResponse> RoleRevokePermission(
      const etcdserverpb::AuthRoleRevokePermissionRequest& req);

  // --- Streams (started on the next endpoint round-robin; no retry) ---
  // The stream delivers responses to `on_message` and its end to `on_done`, both on
  // gRPC threads. The caller owns the stream and must Await() it before destroying.
  std::unique_ptr<WatchStream> Watch(WatchStream::MessageFn on_message,
                                     WatchStream::DoneFn on_done = nullptr);
  std::unique_ptr<KeepAliveStream> LeaseKeepAlive(KeepAliveStream::MessageFn on_message,
                                                  KeepAliveStream::DoneFn on_done = nullptr);

 private:
  struct Conn {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
    std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
    std::unique_ptr<etcdserverpb::Cluster::Stub> cluster;
    std::unique_ptr<etcdserverpb::Auth::Stub> auth;
  };

  template <typename Req, typename Resp>
  using SyncMethod = grpc::Status (*)(Conn&, grpc::ClientContext*, const Req&, Resp*);
  template <typename Req, typename Resp>
  using AsyncMethod = void (*)(Conn&, grpc::ClientContext*, const Req*, Resp*,
                               std::function<void(grpc::Status)>);
  template <typename Req, typename Resp>
  struct AsyncCall;

  Client(std::vector<Endpoint> endpoints, std::vector<std::shared_ptr<grpc::Channel>> channels,
         ClientOptions options);

  size_t NextIndex() { return next_.fetch_add(1, std::memory_order_relaxed) % conns_.size(); }
  int MaxAttempts() const;
  void PrepareContext(grpc::ClientContext* ctx, bool with_deadline) const;
  void AddToken(grpc::ClientContext* ctx) const;
  std::optional<std::chrono::system_clock::time_point> CallDeadline() const;
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> CallOnUntil(size_t index, SyncMethod<Req, Resp> method, const Req& req,
                                   std::optional<std::chrono::system_clock::time_point> deadline);
  absl::Status Authenticate();
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> CallSync(SyncMethod<Req, Resp> method, const Req& req, bool mutating);
  template <typename Req, typename Resp>
  absl::StatusOr<Resp> CallOn(size_t index, SyncMethod<Req, Resp> method, const Req& req);
  template <typename Req, typename Resp>
  void CallAsync(AsyncMethod<Req, Resp> method, Req req, bool mutating, Callback<Resp> done);
  template <typename Req, typename Resp>
  void StartAttempt(std::shared_ptr<AsyncCall<Req, Resp>> call);

  const std::vector<Endpoint> endpoints_;
  const ClientOptions options_;
  std::vector<Conn> conns_;
  std::atomic<uint64_t> next_{0};
  // Async calls whose AsyncCall object is still alive (gRPC releases it after the
  // completion callback returns); ~Client waits for 0 so no call outlives its channel.
  absl::Mutex inflight_mu_;
  int inflight_ ABSL_GUARDED_BY(inflight_mu_) = 0;
  void CallStarted();
  void CallReleased();

  mutable absl::Mutex token_mu_;
  std::string token_ ABSL_GUARDED_BY(token_mu_);
};

}  // namespace etcd::client
