// etcdserverpb.Cluster over gRPC's callback API; straight to the server.
//
// Thread safety: stateless apart from the ServerApi pointer; any gRPC thread.
#pragma once

#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/server_api.h"

namespace etcd::api {

class ClusterService final : public etcdserverpb::Cluster::CallbackService {
 public:
  // `max_request_bytes`: the gRPC receive limit (--max-request-bytes + 512 KiB).
  ClusterService(server::ServerApi* api, size_t max_request_bytes)
      : api_(api), max_request_bytes_(max_request_bytes) {}

  grpc::ServerUnaryReactor* MemberAdd(grpc::CallbackServerContext* ctx,
                                      const etcdserverpb::MemberAddRequest* req,
                                      etcdserverpb::MemberAddResponse* resp) override;
  grpc::ServerUnaryReactor* MemberRemove(grpc::CallbackServerContext* ctx,
                                         const etcdserverpb::MemberRemoveRequest* req,
                                         etcdserverpb::MemberRemoveResponse* resp) override;
  grpc::ServerUnaryReactor* MemberUpdate(grpc::CallbackServerContext* ctx,
                                         const etcdserverpb::MemberUpdateRequest* req,
                                         etcdserverpb::MemberUpdateResponse* resp) override;
  grpc::ServerUnaryReactor* MemberList(grpc::CallbackServerContext* ctx,
                                       const etcdserverpb::MemberListRequest* req,
                                       etcdserverpb::MemberListResponse* resp) override;
  grpc::ServerUnaryReactor* MemberPromote(grpc::CallbackServerContext* ctx,
                                          const etcdserverpb::MemberPromoteRequest* req,
                                          etcdserverpb::MemberPromoteResponse* resp) override;

 private:
  server::ServerApi* const api_;
  const size_t max_request_bytes_;
};

}  // namespace etcd::api
