#include "api/cluster_service.h"

#include "api/grpc_call.h"

namespace etcd::api {

using server::ServerApi;

grpc::ServerUnaryReactor* ClusterService::MemberAdd(grpc::CallbackServerContext* ctx,
                                                    const etcdserverpb::MemberAddRequest* req,
                                                    etcdserverpb::MemberAddResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::MemberAdd, max_request_bytes_);
}

grpc::ServerUnaryReactor* ClusterService::MemberRemove(grpc::CallbackServerContext* ctx,
                                                       const etcdserverpb::MemberRemoveRequest* req,
                                                       etcdserverpb::MemberRemoveResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::MemberRemove, max_request_bytes_);
}

grpc::ServerUnaryReactor* ClusterService::MemberUpdate(grpc::CallbackServerContext* ctx,
                                                       const etcdserverpb::MemberUpdateRequest* req,
                                                       etcdserverpb::MemberUpdateResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::MemberUpdate, max_request_bytes_);
}

grpc::ServerUnaryReactor* ClusterService::MemberList(grpc::CallbackServerContext* ctx,
                                                     const etcdserverpb::MemberListRequest* req,
                                                     etcdserverpb::MemberListResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::MemberList, max_request_bytes_);
}

grpc::ServerUnaryReactor* ClusterService::MemberPromote(
    grpc::CallbackServerContext* ctx, const etcdserverpb::MemberPromoteRequest* req,
    etcdserverpb::MemberPromoteResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::MemberPromote, max_request_bytes_);
}

}  // namespace etcd::api
