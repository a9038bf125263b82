// Building blocks of the Lock and Election services (reference/api.md §8): etcd runs
// clientv3's concurrency recipes (Mutex, Election) on an embedded client; we run the
// same steps as asynchronous state machines on a SerialExecutor, on top of ServerApi
// (LeaseGrant, Txn, Range, DeleteRange) and the member's watchable store. Waiting is
// watch-based (never polling) and ends with the client's call (deadline or cancel).
//
// Errors: etcd's services return the embedded client's errors as plain Go errors, so
// gRPC sends them with code UNKNOWN and the same text (e.g. UNKNOWN "etcdserver:
// requested lease not found"); Unmapped() does that.
//
// Thread safety: everything here runs on the executor thread, except where noted.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/serial_executor.h"
#include "common/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "server/server_api.h"

namespace etcd::mvcc {
class WatchStream;
}

namespace etcd::api::coord {

// Hook for the auth engineer: may a caller watch this key range? Empty: allow all.
// (Txn/Range/DeleteRange go through ServerApi with the caller's context and are
// checked there.)
using WatchAuthorizer = std::function<absl::Status(const server::RequestContext&,
                                                   const etcdserverpb::WatchCreateRequest&)>;

// What every operation needs.
struct Env {
  server::ServerApi* api = nullptr;
  std::shared_ptr<SerialExecutor> exec;
  WatchAuthorizer authorize_watch;
};

// etcd's range end for a prefix ("a/" -> "a0"; all 0xff -> "\0").
std::string PrefixEnd(const std::string& prefix);
// `<prefix><lease in lowercase hex>` (Go's %x of the lease ID).
std::string LeaseKey(const std::string& prefix, int64_t lease);
// clientv3's WithFirstCreate on `prefix`: the oldest key (sort by create revision,
// ascending, limit 1).
etcdserverpb::RangeRequest FirstCreate(const std::string& prefix);
// WithLastCreate + WithMaxCreateRev: the newest key created at or below `max_rev`.
etcdserverpb::RangeRequest LastCreateAtMost(const std::string& prefix, int64_t max_rev);
// The client-visible form of an inner error (code UNKNOWN, same text).
absl::Status Unmapped(const absl::Status& s);

// Runs `method` on the server and continues with `then(result)` on the executor.
// Dropped silently when the executor has stopped.
template <typename Req, typename Resp>
void Call(const Env& env, const server::RequestContext& ctx,
          void (server::ServerApi::*method)(const server::RequestContext&, const Req&,
                                            server::Done<Resp>),
          const Req& req, std::function<void(absl::StatusOr<Resp>)> then) {
  std::shared_ptr<SerialExecutor> exec = env.exec;
  (env.api->*method)(ctx, req, [exec, then = std::move(then)](absl::StatusOr<Resp> r) mutable {
    exec->Post([then = std::move(then), r = std::move(r)]() mutable { then(std::move(r)); });
  });
}

// One watch on the member's watchable store (one stream, one watcher). Responses
// (created, events, cancel) reach `fn` on the executor. Destroying the KeyWatch
// closes the stream; no call to `fn` happens afterwards.
class KeyWatch {
 public:
  using Fn = std::function<void(const etcdserverpb::WatchResponse&)>;
  static std::unique_ptr<KeyWatch> Start(const Env& env, const server::RequestContext& ctx,
                                         const etcdserverpb::WatchCreateRequest& req, Fn fn);
  ~KeyWatch();

  struct Shared;

 private:
  explicit KeyWatch(std::shared_ptr<Shared> s) : s_(std::move(s)) {}
  std::shared_ptr<Shared> s_;
};

// clientv3's waitDeletes: until no key under `prefix` with create revision <= max_rev
// remains. Loop: read the newest such key; none -> done with that read's header;
// otherwise watch it from the read's revision until a DELETE, and read again.
class WaitDeletes : public std::enable_shared_from_this<WaitDeletes> {
 public:
  using Done = std::function<void(absl::StatusOr<etcdserverpb::ResponseHeader>)>;
  static std::shared_ptr<WaitDeletes> Start(const Env& env, server::RequestContext ctx,
                                            std::string prefix, int64_t max_rev, Done done);
  // Stops waiting; `done` is not called afterwards.
  void Cancel();

 private:
  WaitDeletes(const Env& env, server::RequestContext ctx, std::string prefix, int64_t max_rev,
              Done done)
      : env_(env),
        ctx_(std::move(ctx)),
        prefix_(std::move(prefix)),
        max_rev_(max_rev),
        done_(std::move(done)) {}
  void Read();
  void OnWatch(const etcdserverpb::WatchResponse& r);
  void Complete(absl::StatusOr<etcdserverpb::ResponseHeader> r);

  Env env_;
  server::RequestContext ctx_;
  std::string prefix_;
  int64_t max_rev_;
  Done done_;
  bool finished_ = false;
  std::unique_ptr<KeyWatch> watch_;
};

// A unary call whose steps run on the executor. Bind() makes the gRPC reactor; the
// reactor keeps the operation alive until gRPC is done with the call and forwards a
// cancel (client gone, deadline) to the executor, where OnCancelled() cleans up
// (e.g. deletes a lock key it created) and the call ends with CANCELLED.
class UnaryOp : public std::enable_shared_from_this<UnaryOp> {
 public:
  virtual ~UnaryOp() = default;
  // Any thread (the gRPC handler). Call once, then post Start.
  grpc::ServerUnaryReactor* Bind();

 protected:
  UnaryOp(Env env, server::RequestContext ctx) : env_(std::move(env)), ctx_(std::move(ctx)) {}
  // Ends the call (once; later calls are ignored).
  void Finish(const absl::Status& s);
  bool finished() const { return finished_; }
  // Executor thread, once, when the call was cancelled before Finish.
  virtual void OnCancelled() {}
  template <typename T>
  std::shared_ptr<T> self() {
    return std::static_pointer_cast<T>(shared_from_this());
  }

  Env env_;
  server::RequestContext ctx_;

 private:
  void Cancel();
  grpc::ServerUnaryReactor* reactor_ = nullptr;
  bool finished_ = false;
};

// Creates an operation, binds its reactor and posts `start` to the executor.
template <typename Op, typename... Args>
grpc::ServerUnaryReactor* RunUnary(const Env& env, grpc::CallbackServerContext* ctx,
                                   Args&&... args) {
  (void)ctx;
  auto op = std::make_shared<Op>(env, std::forward<Args>(args)...);
  grpc::ServerUnaryReactor* r = op->Bind();
  env.exec->Post([op] { op->Start(); });
  return r;
}

// A put in a txn (clientv3 OpPut).
etcdserverpb::RequestOp PutOp(const std::string& key, const std::string& value, int64_t lease);
// A compare on a key's create revision (clientv3 Compare(CreateRevision(key), "=", rev)).
etcdserverpb::Compare CreateRevIs(const std::string& key, int64_t rev);

}  // namespace etcd::api::coord
