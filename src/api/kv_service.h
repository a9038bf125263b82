// etcdserverpb.KV: every call goes straight to the server (which validates and answers
// asynchronously); errors pass through unchanged. Range, Put, DeleteRange and Txn are
// served from completion queues polled by our own threads (cq_server.h: fewer thread
// hand-offs per call); Compact, rare and slow, through gRPC's callback API.
//
// Thread safety: stateless apart from the ServerApi pointer; any gRPC thread.
#pragma once

#include <memory>
#include <vector>

#include "api/cq_server.h"
#include "etcdserverpb/rpc.grpc.pb.h"
#include "server/server_api.h"

namespace etcd::api {

using KvServiceBase = etcdserverpb::KV::WithAsyncMethod_Range<etcdserverpb::KV::WithAsyncMethod_Put<
    etcdserverpb::KV::WithAsyncMethod_DeleteRange<etcdserverpb::KV::WithAsyncMethod_Txn<
        etcdserverpb::KV::WithCallbackMethod_Compact<etcdserverpb::KV::Service>>>>>;

class KvService final : public KvServiceBase {
 public:
  // `max_request_bytes`: the gRPC receive limit (--max-request-bytes + 512 KiB).
  KvService(server::ServerApi* api, size_t max_request_bytes)
      : api_(api), max_request_bytes_(max_request_bytes) {}

  // Registers the completion-queue methods on `cq_server` (before its Start).
  void AddAsyncMethods(CqServer* cq_server);

  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* ctx,
                                    const etcdserverpb::CompactionRequest* req,
                                    etcdserverpb::CompactionResponse* resp) override;

 private:
  server::ServerApi* const api_;
  const size_t max_request_bytes_;
  std::vector<std::shared_ptr<void>> bindings_;
};

}  // namespace etcd::api
