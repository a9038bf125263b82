// etcdserverpb.Lease over gRPC's callback API. The unary RPCs go straight to the
// server. LeaseKeepAlive is a bidirectional stream: each request becomes one
// ServerApi::LeaseRenew and its answer one response, in the order the answers arrive
// (etcd answers each request on the stream as soon as its renew returns). No thread
// waits: at most kMaxKeepAlivesInFlight renews (plus unsent responses) are outstanding
// per stream; beyond that the stream stops reading until one is written.
//
// A renew error other than "lease not found" (the server answers that as TTL 0) ends
// the stream with that error, as etcd does; the client half-closing ends it with OK
// once every outstanding answer is written.
//
// Thread safety: stateless apart from the ServerApi pointer; each stream's reactor
// guards its state with a mutex and calls into gRPC outside it.
#pragma once

#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/server_api.h"

namespace etcd::api {

inline constexpr int kMaxKeepAlivesInFlight = 16;

class LeaseService final : public etcdserverpb::Lease::CallbackService {
 public:
  // `max_request_bytes`: the gRPC receive limit (--max-request-bytes + 512 KiB).
  LeaseService(server::ServerApi* api, size_t max_request_bytes)
      : api_(api), max_request_bytes_(max_request_bytes) {}

  grpc::ServerUnaryReactor* LeaseGrant(grpc::CallbackServerContext* ctx,
                                       const etcdserverpb::LeaseGrantRequest* req,
                                       etcdserverpb::LeaseGrantResponse* resp) override;
  grpc::ServerUnaryReactor* LeaseRevoke(grpc::CallbackServerContext* ctx,
                                        const etcdserverpb::LeaseRevokeRequest* req,
                                        etcdserverpb::LeaseRevokeResponse* resp) override;
  grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest,
                          etcdserverpb::LeaseKeepAliveResponse>*
  LeaseKeepAlive(grpc::CallbackServerContext* ctx) override;
  grpc::ServerUnaryReactor* LeaseTimeToLive(grpc::CallbackServerContext* ctx,
                                            const etcdserverpb::LeaseTimeToLiveRequest* req,
                                            etcdserverpb::LeaseTimeToLiveResponse* resp) override;
  grpc::ServerUnaryReactor* LeaseLeases(grpc::CallbackServerContext* ctx,
                                        const etcdserverpb::LeaseLeasesRequest* req,
                                        etcdserverpb::LeaseLeasesResponse* resp) override;

 private:
  server::ServerApi* const api_;
  const size_t max_request_bytes_;
};

}  // namespace etcd::api
