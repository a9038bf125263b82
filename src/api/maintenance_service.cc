#include "api/maintenance_service.h"

#include "api/grpc_call.h"
#include "api/snapshot_stream.h"

namespace etcd::api {

using server::ServerApi;

grpc::ServerUnaryReactor* MaintenanceService::Alarm(grpc::CallbackServerContext* ctx,
                                                    const etcdserverpb::AlarmRequest* req,
                                                    etcdserverpb::AlarmResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Alarm, max_request_bytes_);
}

grpc::ServerUnaryReactor* MaintenanceService::Status(grpc::CallbackServerContext* ctx,
                                                     const etcdserverpb::StatusRequest* req,
                                                     etcdserverpb::StatusResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Status, max_request_bytes_);
}

grpc::ServerUnaryReactor* MaintenanceService::Defragment(grpc::CallbackServerContext* ctx,
                                                         const etcdserverpb::DefragmentRequest* req,
                                                         etcdserverpb::DefragmentResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Defragment, max_request_bytes_);
}

grpc::ServerUnaryReactor* MaintenanceService::Hash(grpc::CallbackServerContext* ctx,
                                                   const etcdserverpb::HashRequest* req,
                                                   etcdserverpb::HashResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Hash, max_request_bytes_);
}

grpc::ServerUnaryReactor* MaintenanceService::HashKV(grpc::CallbackServerContext* ctx,
                                                     const etcdserverpb::HashKVRequest* req,
                                                     etcdserverpb::HashKVResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::HashKV, max_request_bytes_);
}

grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* MaintenanceService::Snapshot(
    grpc::CallbackServerContext* ctx, const etcdserverpb::SnapshotRequest* req) {
  (void)req;
  return StartSnapshotStream(api_, ContextFromMetadata(*ctx));
}

grpc::ServerUnaryReactor* MaintenanceService::MoveLeader(grpc::CallbackServerContext* ctx,
                                                         const etcdserverpb::MoveLeaderRequest* req,
                                                         etcdserverpb::MoveLeaderResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::MoveLeader, max_request_bytes_);
}

}  // namespace etcd::api
