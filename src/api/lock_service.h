// v3lockpb.Lock (reference/api.md §8): etcd's server-side clientv3 Mutex.
//  Lock{name, lease}: lease 0 -> a fresh 60 s lease (granted and left to expire); key
//  `<name>/<lease hex>` put with the lease unless it exists (then it is reused); the
//  call returns once no key under `<name>/` has a lower create revision (watch-based
//  wait, ended by the client's deadline or cancel, which deletes the key again).
//  Unlock{key}: deletes the key (a missing key is fine).
// Errors are the inner ones with code UNKNOWN (etcd: unmapped embedded-client errors).
//
// Thread safety: the gRPC handlers only create operations; every step runs on the
// shared SerialExecutor.
#pragma once

#include "api/coord_ops.h"
#include "v3lockpb/v3lock.grpc.pb.h"

namespace etcd::api {

class LockService final : public v3lockpb::Lock::CallbackService {
 public:
  explicit LockService(coord::Env env) : env_(std::move(env)) {}

  grpc::ServerUnaryReactor* Lock(grpc::CallbackServerContext* ctx, const v3lockpb::LockRequest* req,
                                 v3lockpb::LockResponse* resp) override;
  grpc::ServerUnaryReactor* Unlock(grpc::CallbackServerContext* ctx,
                                   const v3lockpb::UnlockRequest* req,
                                   v3lockpb::UnlockResponse* resp) override;

 private:
  coord::Env env_;
};

}  // namespace etcd::api
