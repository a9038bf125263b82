// etcdserverpb.KV over gRPC's callback API: every call goes straight to the server
// (which validates and answers asynchronously); errors pass through unchanged.
//
// Thread safety: stateless apart from the ServerApi pointer; any gRPC thread.
#pragma once

#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/server_api.h"

namespace etcd::api {

class KvService final : public etcdserverpb::KV::CallbackService {
 public:
  // `max_request_bytes`: the gRPC receive limit (--max-request-bytes + 512 KiB).
  KvService(server::ServerApi* api, size_t max_request_bytes)
      : api_(api), max_request_bytes_(max_request_bytes) {}

  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext* ctx,
                                  const etcdserverpb::RangeRequest* req,
                                  etcdserverpb::RangeResponse* resp) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* ctx,
                                const etcdserverpb::PutRequest* req,
                                etcdserverpb::PutResponse* resp) override;
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext* ctx,
                                        const etcdserverpb::DeleteRangeRequest* req,
                                        etcdserverpb::DeleteRangeResponse* resp) override;
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* ctx,
                                const etcdserverpb::TxnRequest* req,
                                etcdserverpb::TxnResponse* resp) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* ctx,
                                    const etcdserverpb::CompactionRequest* req,
                                    etcdserverpb::CompactionResponse* resp) override;

 private:
  server::ServerApi* const api_;
  const size_t max_request_bytes_;
};

}  // namespace etcd::api
