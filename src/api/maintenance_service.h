// etcdserverpb.Maintenance over gRPC's callback API. Status, Alarm, Defragment, Hash,
// HashKV and MoveLeader go to the server; Snapshot streams ServerApi::OpenSnapshot
// (api/snapshot_stream.h); Downgrade (3.5 only) is UNIMPLEMENTED as on a 3.4 server.
//
// Thread safety: stateless apart from the ServerApi pointer; any gRPC thread.
#pragma once

#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/server_api.h"

namespace etcd::api {

inline constexpr char kSnapshotUnimplemented[] =
    "etcdserver: snapshot is not supported by this member";

class MaintenanceService final : public etcdserverpb::Maintenance::CallbackService {
 public:
  // `max_request_bytes`: the gRPC receive limit (--max-request-bytes + 512 KiB).
  MaintenanceService(server::ServerApi* api, size_t max_request_bytes)
      : api_(api), max_request_bytes_(max_request_bytes) {}

  grpc::ServerUnaryReactor* Alarm(grpc::CallbackServerContext* ctx,
                                  const etcdserverpb::AlarmRequest* req,
                                  etcdserverpb::AlarmResponse* resp) override;
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx,
                                   const etcdserverpb::StatusRequest* req,
                                   etcdserverpb::StatusResponse* resp) override;
  grpc::ServerUnaryReactor* Defragment(grpc::CallbackServerContext* ctx,
                                       const etcdserverpb::DefragmentRequest* req,
                                       etcdserverpb::DefragmentResponse* resp) override;
  grpc::ServerUnaryReactor* Hash(grpc::CallbackServerContext* ctx,
                                 const etcdserverpb::HashRequest* req,
                                 etcdserverpb::HashResponse* resp) override;
  grpc::ServerUnaryReactor* HashKV(grpc::CallbackServerContext* ctx,
                                   const etcdserverpb::HashKVRequest* req,
                                   etcdserverpb::HashKVResponse* resp) override;
  grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* Snapshot(
      grpc::CallbackServerContext* ctx, const etcdserverpb::SnapshotRequest* req) override;
  grpc::ServerUnaryReactor* MoveLeader(grpc::CallbackServerContext* ctx,
                                       const etcdserverpb::MoveLeaderRequest* req,
                                       etcdserverpb::MoveLeaderResponse* resp) override;

 private:
  server::ServerApi* const api_;
  const size_t max_request_bytes_;
};

}  // namespace etcd::api
