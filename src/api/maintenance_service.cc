#include "api/maintenance_service.h"

#include "api/grpc_call.h"

namespace etcd::api {
namespace {

// A server stream that ends at once with a fixed status.
template <typename Resp>
class FinishedWriter final : public grpc::ServerWriteReactor<Resp> {
 public:
  explicit FinishedWriter(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

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

grpc::ServerUnaryReactor* MaintenanceService::Defragment(
    grpc::CallbackServerContext* ctx, const etcdserverpb::DefragmentRequest* req,
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
  return new FinishedWriter<etcdserverpb::SnapshotResponse>(
      grpc::Status(grpc::StatusCode::UNIMPLEMENTED, kSnapshotUnimplemented));
}

grpc::ServerUnaryReactor* MaintenanceService::MoveLeader(
    grpc::CallbackServerContext* ctx, const etcdserverpb::MoveLeaderRequest* req,
    etcdserverpb::MoveLeaderResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::MoveLeader, max_request_bytes_);
}

}  // namespace etcd::api
