#include "api/kv_service.h"

#include "api/grpc_call.h"

namespace etcd::api {

using server::ServerApi;

grpc::ServerUnaryReactor* KvService::Range(grpc::CallbackServerContext* ctx,
                                           const etcdserverpb::RangeRequest* req,
                                           etcdserverpb::RangeResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Range, max_request_bytes_);
}

grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* ctx,
                                         const etcdserverpb::PutRequest* req,
                                         etcdserverpb::PutResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Put, max_request_bytes_);
}

grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* ctx,
                                                 const etcdserverpb::DeleteRangeRequest* req,
                                                 etcdserverpb::DeleteRangeResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::DeleteRange, max_request_bytes_);
}

grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* ctx,
                                         const etcdserverpb::TxnRequest* req,
                                         etcdserverpb::TxnResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Txn, max_request_bytes_);
}

grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* ctx,
                                             const etcdserverpb::CompactionRequest* req,
                                             etcdserverpb::CompactionResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::Compact, max_request_bytes_);
}

}  // namespace etcd::api
