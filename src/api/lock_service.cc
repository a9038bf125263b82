#include "api/lock_service.h"

#include "api/grpc_call.h"

namespace etcd::api {
namespace {

using coord::Call;
using etcdserverpb::RangeResponse;
using etcdserverpb::TxnResponse;
using server::ServerApi;

constexpr int64_t kSessionTtlSeconds = 60;  // clientv3 concurrency's default session TTL

class LockOp final : public coord::UnaryOp {
 public:
  LockOp(coord::Env env, server::RequestContext ctx, std::string name, int64_t lease,
         v3lockpb::LockResponse* resp)
      : UnaryOp(std::move(env), std::move(ctx)),
        name_(std::move(name)),
        lease_(lease),
        resp_(resp) {}

  void Start() {
    if (finished()) return;
    if (lease_ != 0) return Acquire();
    etcdserverpb::LeaseGrantRequest g;
    g.set_ttl(kSessionTtlSeconds);
    auto me = self<LockOp>();
    Call<etcdserverpb::LeaseGrantRequest, etcdserverpb::LeaseGrantResponse>(
        env_, ctx_, &ServerApi::LeaseGrant, g,
        [me](absl::StatusOr<etcdserverpb::LeaseGrantResponse> r) {
          if (me->finished()) return;
          if (!r.ok()) return me->Finish(coord::Unmapped(r.status()));
          me->lease_ = r->id();
          me->Acquire();
        });
  }

 private:
  void Acquire() {
    prefix_ = name_ + "/";
    key_ = coord::LeaseKey(prefix_, lease_);
    etcdserverpb::TxnRequest t;
    *t.add_compare() = coord::CreateRevIs(key_, 0);
    *t.add_success() = coord::PutOp(key_, "", lease_);
    *t.add_success()->mutable_request_range() = coord::FirstCreate(prefix_);
    t.add_failure()->mutable_request_range()->set_key(key_);
    *t.add_failure()->mutable_request_range() = coord::FirstCreate(prefix_);
    auto me = self<LockOp>();
    Call<etcdserverpb::TxnRequest, TxnResponse>(
        env_, ctx_, &ServerApi::Txn, t,
        [me](absl::StatusOr<TxnResponse> r) { me->OnTxn(std::move(r)); });
  }

  void OnTxn(absl::StatusOr<TxnResponse> r) {
    if (!r.ok()) return Finish(coord::Unmapped(r.status()));
    holds_key_ = true;
    if (finished()) return DeleteKey();  // cancelled while the txn was in flight
    my_rev_ = r->header().revision();
    if (!r->succeeded()) {
      const RangeResponse& mine = r->responses(0).response_range();
      if (mine.kvs_size() == 0) return Finish(absl::UnknownError("lock lost on init"));
      my_rev_ = mine.kvs(0).create_revision();
    }
    const RangeResponse& owner = r->responses(1).response_range();
    if (owner.kvs_size() == 0 || owner.kvs(0).create_revision() == my_rev_) {
      return Acquired(r->header());
    }
    auto me = self<LockOp>();
    wait_ = coord::WaitDeletes::Start(env_, ctx_, prefix_, my_rev_ - 1,
                                      [me](absl::StatusOr<etcdserverpb::ResponseHeader> h) {
                                        if (!h.ok()) {
                                          me->DeleteKey();
                                          return me->Finish(coord::Unmapped(h.status()));
                                        }
                                        me->Acquired(*h);
                                      });
  }

  void Acquired(const etcdserverpb::ResponseHeader& h) {
    *resp_->mutable_header() = h;
    resp_->set_key(key_);
    Finish(absl::OkStatus());
  }

  void OnCancelled() override {
    if (wait_) wait_->Cancel();
    if (holds_key_) DeleteKey();
  }

  // clientv3 Mutex.Unlock after a failed wait: delete our key (fire and forget).
  void DeleteKey() {
    if (key_deleted_) return;
    key_deleted_ = true;
    etcdserverpb::DeleteRangeRequest d;
    d.set_key(key_);
    Call<etcdserverpb::DeleteRangeRequest, etcdserverpb::DeleteRangeResponse>(
        env_, ctx_, &ServerApi::DeleteRange, d,
        [](absl::StatusOr<etcdserverpb::DeleteRangeResponse>) {});
  }

  std::string name_;
  int64_t lease_;
  v3lockpb::LockResponse* resp_;
  std::string prefix_, key_;
  int64_t my_rev_ = 0;
  bool holds_key_ = false;
  bool key_deleted_ = false;
  std::shared_ptr<coord::WaitDeletes> wait_;
};

class UnlockOp final : public coord::UnaryOp {
 public:
  UnlockOp(coord::Env env, server::RequestContext ctx, std::string key,
           v3lockpb::UnlockResponse* resp)
      : UnaryOp(std::move(env), std::move(ctx)), key_(std::move(key)), resp_(resp) {}

  void Start() {
    if (finished()) return;
    etcdserverpb::DeleteRangeRequest d;
    d.set_key(key_);
    auto me = self<UnlockOp>();
    Call<etcdserverpb::DeleteRangeRequest, etcdserverpb::DeleteRangeResponse>(
        env_, ctx_, &ServerApi::DeleteRange, d,
        [me](absl::StatusOr<etcdserverpb::DeleteRangeResponse> r) {
          if (!r.ok()) return me->Finish(coord::Unmapped(r.status()));
          *me->resp_->mutable_header() = r->header();
          me->Finish(absl::OkStatus());
        });
  }

 private:
  std::string key_;
  v3lockpb::UnlockResponse* resp_;
};

}  // namespace

grpc::ServerUnaryReactor* LockService::Lock(grpc::CallbackServerContext* ctx,
                                            const v3lockpb::LockRequest* req,
                                            v3lockpb::LockResponse* resp) {
  return coord::RunUnary<LockOp>(env_, ctx, ContextFromMetadata(*ctx), req->name(), req->lease(),
                                 resp);
}

grpc::ServerUnaryReactor* LockService::Unlock(grpc::CallbackServerContext* ctx,
                                              const v3lockpb::UnlockRequest* req,
                                              v3lockpb::UnlockResponse* resp) {
  return coord::RunUnary<UnlockOp>(env_, ctx, ContextFromMetadata(*ctx), req->key(), resp);
}

}  // namespace etcd::api
