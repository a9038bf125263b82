#include "api/kv_service.h"

#include "api/grpc_call.h"

namespace etcd::api {

using server::ServerApi;

namespace {
// Pending calls per method and queue: enough that a burst of new calls rarely waits
// for a re-post (each arrival re-posts at once).
constexpr int kDepth = 64;
}  // namespace

void KvService::AddAsyncMethods(CqServer* cq) {
  using etcdserverpb::DeleteRangeRequest;
  using etcdserverpb::DeleteRangeResponse;
  using etcdserverpb::PutRequest;
  using etcdserverpb::PutResponse;
  using etcdserverpb::RangeRequest;
  using etcdserverpb::RangeResponse;
  using etcdserverpb::TxnRequest;
  using etcdserverpb::TxnResponse;
  AddAsyncUnary<KvService, RangeRequest, RangeResponse>(
      cq, &bindings_, this, &KvService::RequestRange, api_, &ServerApi::Range, max_request_bytes_,
      kDepth);
  AddAsyncUnary<KvService, PutRequest, PutResponse>(cq, &bindings_, this, &KvService::RequestPut,
                                                    api_, &ServerApi::Put, max_request_bytes_,
                                                    kDepth);
  AddAsyncUnary<KvService, DeleteRangeRequest, DeleteRangeResponse>(
      cq, &bindings_, this, &KvService::RequestDeleteRange, api_, &ServerApi::DeleteRange,
      max_request_bytes_, kDepth);
  AddAsyncUnary<KvService, TxnRequest, TxnResponse>(cq, &bindings_, this, &KvService::RequestTxn,
                                                    api_, &ServerApi::Txn, max_request_bytes_,
                                                    kDepth);
}

grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* ctx,
                                             const etcdserverpb::CompactionRequest* req,
                                             etcdserverpb::CompactionResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Compact, max_request_bytes_);
}

}  // namespace etcd::api
