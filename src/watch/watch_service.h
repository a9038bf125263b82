// The etcdserverpb.Watch gRPC service (callback API): one bidirectional stream per
// client Watch call, backed by one mvcc::WatchStream of the member's WatchableStore.
//
// Per stream: requests are read one at a time and handed to the WatchStream (create,
// cancel, progress); responses are pulled from it one per completed write (gRPC allows
// a single outstanding write), each header completed with cluster_id, member_id and
// raft_term from ServerApi (the revision is the store's). No gRPC thread ever blocks.
// The method is registered raw (grpc::ByteBuffer in and out): the store's responses are
// already encoded (watch_encoding.h), so a write copies bytes once and serializes
// nothing. Writes carry no buffer hint (a hinted write may wait for a flush that never
// comes; docs/design/watch.md).
//
// Stream end: a client that half-closes keeps receiving events; a client that cancels
// gets CANCELED "etcdserver: watch canceled". With "hasleader=true" metadata the stream
// is refused with UNAVAILABLE "etcdserver: no leader" when the member has no leader, and
// ended with that error once the member has had no leader for `no_leader_checks`
// consecutive checks.
//
// Thread safety: thread-safe; gRPC calls it from its own threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/server_api.h"

namespace etcd::api {

struct WatchServiceOptions {
  // Period of the leader check for "hasleader" streams (0: no timer; CheckLeader can
  // still be called by hand).
  std::chrono::milliseconds leader_check_interval{1000};
  // Consecutive failed checks before such a stream is ended.
  int no_leader_checks = 3;
  // Read permission for a create_request (reference/api.md §3.11), given the stream's
  // token and metadata. A non-OK status refuses the watch with
  // {watch_id:-1, created, canceled, cancel_reason: <status message>}. Empty: allow all.
  std::function<absl::Status(const server::RequestContext&,
                             const etcdserverpb::WatchCreateRequest&)>
      authorize;
};

class WatchService final
    : public etcdserverpb::Watch::WithRawCallbackMethod_Watch<etcdserverpb::Watch::Service> {
 public:
  // `api` must outlive the service; api->Watchable() must stay valid while streams are
  // open.
  explicit WatchService(server::ServerApi* api, WatchServiceOptions options = {});
  ~WatchService() override;
  WatchService(const WatchService&) = delete;
  WatchService& operator=(const WatchService&) = delete;

  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* Watch(
      grpc::CallbackServerContext* context) override;

  // One leader check over the "hasleader" streams (the timer calls it too).
  void CheckLeader();
  // Open streams.
  size_t ActiveStreams() const;

  struct Registry;  // shared with the reactors and the timer

 private:
  class Reactor;

  server::ServerApi* const api_;
  const WatchServiceOptions options_;
  const std::shared_ptr<Registry> registry_;
};

}  // namespace etcd::api
