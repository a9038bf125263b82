#include "api/election_service.h"

#include <deque>
#include <optional>

#include "api/grpc_call.h"
#include "api/lock_service.h"

namespace etcd::api {
namespace {

using coord::Call;
using etcdserverpb::RangeResponse;
using etcdserverpb::TxnResponse;
using server::ServerApi;
using v3electionpb::LeaderKey;

constexpr int64_t kSessionTtlSeconds = 60;

// A lease for a session: `lease` itself, or a fresh 60 s one when it is 0.
void SessionLease(const coord::Env& env, const server::RequestContext& ctx, int64_t lease,
                  std::function<void(absl::StatusOr<int64_t>)> then) {
  if (lease != 0) return then(lease);
  etcdserverpb::LeaseGrantRequest g;
  g.set_ttl(kSessionTtlSeconds);
  Call<etcdserverpb::LeaseGrantRequest, etcdserverpb::LeaseGrantResponse>(
      env, ctx, &ServerApi::LeaseGrant, g,
      [then = std::move(then)](absl::StatusOr<etcdserverpb::LeaseGrantResponse> r) {
        if (!r.ok()) return then(r.status());
        then(r->id());
      });
}

class CampaignOp final : public coord::UnaryOp {
 public:
  CampaignOp(coord::Env env, server::RequestContext ctx, const v3electionpb::CampaignRequest& req,
             v3electionpb::CampaignResponse* resp)
      : UnaryOp(std::move(env), std::move(ctx)),
        name_(req.name()),
        lease_(req.lease()),
        value_(req.value()),
        resp_(resp) {}

  void Start() {
    if (finished()) return;
    auto me = self<CampaignOp>();
    SessionLease(env_, ctx_, lease_, [me](absl::StatusOr<int64_t> l) {
      if (me->finished()) return;
      if (!l.ok()) return me->Finish(coord::Unmapped(l.status()));
      me->lease_ = *l;
      me->Put();
    });
  }

 private:
  void Put() {
    prefix_ = name_ + "/";
    key_ = coord::LeaseKey(prefix_, lease_);
    etcdserverpb::TxnRequest t;
    *t.add_compare() = coord::CreateRevIs(key_, 0);
    *t.add_success() = coord::PutOp(key_, value_, lease_);
    t.add_failure()->mutable_request_range()->set_key(key_);
    auto me = self<CampaignOp>();
    Call<etcdserverpb::TxnRequest, TxnResponse>(
        env_, ctx_, &ServerApi::Txn, t,
        [me](absl::StatusOr<TxnResponse> r) { me->OnPut(std::move(r)); });
  }

  void OnPut(absl::StatusOr<TxnResponse> r) {
    if (!r.ok()) return Finish(coord::Unmapped(r.status()));
    holds_key_ = true;
    hdr_ = r->header();
    rev_ = r->header().revision();
    if (!r->succeeded()) {
      const RangeResponse& mine = r->responses(0).response_range();
      if (mine.kvs_size() == 0) return Finish(absl::UnknownError(kElectionNotLeader));
      rev_ = mine.kvs(0).create_revision();
      if (mine.kvs(0).value() != value_) {
        if (finished()) return Resign();
        return Proclaim();
      }
    }
    if (finished()) return Resign();  // cancelled while the txn was in flight
    Wait();
  }

  void Proclaim() {
    etcdserverpb::TxnRequest t;
    *t.add_compare() = coord::CreateRevIs(key_, rev_);
    *t.add_success() = coord::PutOp(key_, value_, lease_);
    auto me = self<CampaignOp>();
    Call<etcdserverpb::TxnRequest, TxnResponse>(
        env_, ctx_, &ServerApi::Txn, t, [me](absl::StatusOr<TxnResponse> r) {
          if (!r.ok() || !r->succeeded()) {
            me->Resign();
            return me->Finish(r.ok() ? absl::UnknownError(kElectionNotLeader)
                                     : coord::Unmapped(r.status()));
          }
          if (me->finished()) return me->Resign();
          me->Wait();
        });
  }

  void Wait() {
    auto me = self<CampaignOp>();
    wait_ = coord::WaitDeletes::Start(env_, ctx_, prefix_, rev_ - 1,
                                      [me](absl::StatusOr<etcdserverpb::ResponseHeader> h) {
                                        if (!h.ok()) return me->Finish(coord::Unmapped(h.status()));
                                        *me->resp_->mutable_header() = me->hdr_;
                                        LeaderKey* l = me->resp_->mutable_leader();
                                        l->set_name(me->name_);
                                        l->set_key(me->key_);
                                        l->set_rev(me->rev_);
                                        l->set_lease(me->lease_);
                                        me->Finish(absl::OkStatus());
                                      });
  }

  void OnCancelled() override {
    if (wait_) wait_->Cancel();
    if (holds_key_) Resign();
  }

  // Election.Resign: delete the key if it is still ours (fire and forget).
  void Resign() {
    if (resigned_) return;
    resigned_ = true;
    etcdserverpb::TxnRequest t;
    *t.add_compare() = coord::CreateRevIs(key_, rev_);
    t.add_success()->mutable_request_delete_range()->set_key(key_);
    Call<etcdserverpb::TxnRequest, TxnResponse>(env_, ctx_, &ServerApi::Txn, t,
                                                [](absl::StatusOr<TxnResponse>) {});
  }

  std::string name_;
  int64_t lease_;
  std::string value_;
  v3electionpb::CampaignResponse* resp_;
  std::string prefix_, key_;
  int64_t rev_ = 0;
  etcdserverpb::ResponseHeader hdr_;
  bool holds_key_ = false;
  bool resigned_ = false;
  std::shared_ptr<coord::WaitDeletes> wait_;
};

// Proclaim and Resign: one conditional txn on the leader key.
template <typename Resp>
class LeaderTxnOp final : public coord::UnaryOp {
 public:
  LeaderTxnOp(coord::Env env, server::RequestContext ctx, bool has_leader, LeaderKey leader,
              std::optional<std::string> value, Resp* resp)
      : UnaryOp(std::move(env), std::move(ctx)),
        has_leader_(has_leader),
        leader_(std::move(leader)),
        value_(std::move(value)),
        resp_(resp) {}

  void Start() {
    if (finished()) return;
    if (!has_leader_) return Finish(absl::UnknownError(kElectionMissingLeaderKey));
    auto me = this->template self<LeaderTxnOp>();
    if (!value_.has_value()) return Txn(leader_.lease());  // resign
    SessionLease(env_, ctx_, leader_.lease(), [me](absl::StatusOr<int64_t> l) {
      if (me->finished()) return;
      if (!l.ok()) return me->Finish(coord::Unmapped(l.status()));
      me->Txn(*l);
    });
  }

 private:
  void Txn(int64_t lease) {
    etcdserverpb::TxnRequest t;
    *t.add_compare() = coord::CreateRevIs(leader_.key(), leader_.rev());
    if (value_.has_value()) {
      *t.add_success() = coord::PutOp(leader_.key(), *value_, lease);
    } else {
      t.add_success()->mutable_request_delete_range()->set_key(leader_.key());
    }
    auto me = this->template self<LeaderTxnOp>();
    Call<etcdserverpb::TxnRequest, TxnResponse>(
        env_, ctx_, &ServerApi::Txn, t, [me](absl::StatusOr<TxnResponse> r) {
          if (!r.ok()) return me->Finish(coord::Unmapped(r.status()));
          if (!r->succeeded() && me->value_.has_value()) {
            return me->Finish(absl::UnknownError(kElectionNotLeader));
          }
          *me->resp_->mutable_header() = r->header();
          me->Finish(absl::OkStatus());
        });
  }

  bool has_leader_;
  LeaderKey leader_;
  std::optional<std::string> value_;  // set: proclaim; unset: resign
  Resp* resp_;
};

class LeaderOp final : public coord::UnaryOp {
 public:
  LeaderOp(coord::Env env, server::RequestContext ctx, std::string name,
           v3electionpb::LeaderResponse* resp)
      : UnaryOp(std::move(env), std::move(ctx)), name_(std::move(name)), resp_(resp) {}

  void Start() {
    if (finished()) return;
    auto me = self<LeaderOp>();
    Call<etcdserverpb::RangeRequest, RangeResponse>(
        env_, ctx_, &ServerApi::Range, coord::FirstCreate(name_ + "/"),
        [me](absl::StatusOr<RangeResponse> r) {
          if (!r.ok()) return me->Finish(coord::Unmapped(r.status()));
          if (r->kvs_size() == 0) return me->Finish(absl::UnknownError(kElectionNoLeader));
          *me->resp_->mutable_header() = r->header();
          *me->resp_->mutable_kv() = r->kvs(0);
          me->Finish(absl::OkStatus());
        });
  }

 private:
  std::string name_;
  v3electionpb::LeaderResponse* resp_;
};

// Observe: a server stream driven on the executor. Writes go one at a time from a
// queue; the stream ends OK when an inner read or watch fails (etcd closes its
// channel), CANCELLED when the client goes away.
class ObserveOp final : public std::enable_shared_from_this<ObserveOp> {
 public:
  ObserveOp(coord::Env env, server::RequestContext ctx, std::string name)
      : env_(std::move(env)), ctx_(std::move(ctx)), prefix_(std::move(name) + "/") {}

  class Reactor final : public grpc::ServerWriteReactor<v3electionpb::LeaderResponse> {
   public:
    explicit Reactor(std::shared_ptr<ObserveOp> op) : op_(std::move(op)) {}
    void OnWriteDone(bool ok) override {
      std::weak_ptr<ObserveOp> weak = op_;
      op_->env_.exec->Post([weak, ok] {
        if (auto op = weak.lock()) op->OnWriteDone(ok);
      });
    }
    void OnCancel() override {
      std::weak_ptr<ObserveOp> weak = op_;
      op_->env_.exec->Post([weak] {
        if (auto op = weak.lock())
          op->End(grpc::Status(grpc::StatusCode::CANCELLED, "context canceled"));
      });
    }
    void OnDone() override { delete this; }

   private:
    std::shared_ptr<ObserveOp> op_;
  };

  Reactor* Bind() {
    reactor_ = new Reactor(shared_from_this());
    return reactor_;
  }

  void Start() { ReadLeader(); }

 private:
  void ReadLeader() {
    if (ended_) return;
    watch_.reset();
    auto me = shared_from_this();
    Call<etcdserverpb::RangeRequest, RangeResponse>(
        env_, ctx_, &ServerApi::Range, coord::FirstCreate(prefix_),
        [me](absl::StatusOr<RangeResponse> r) {
          if (me->ended_) return;
          if (!r.ok()) return me->End(grpc::Status::OK);
          if (r->kvs_size() > 0) {
            me->Emit(r->header(), r->kvs(0));
            return me->Follow(r->kvs(0).key(), r->header().revision() + 1);
          }
          // No leader yet: wait for the first put under the prefix.
          etcdserverpb::WatchCreateRequest w;
          w.set_key(me->prefix_);
          w.set_range_end(coord::PrefixEnd(me->prefix_));
          w.set_start_revision(r->header().revision());
          std::weak_ptr<ObserveOp> weak = me;
          me->watch_ = coord::KeyWatch::Start(me->env_, me->ctx_, w,
                                              [weak](const etcdserverpb::WatchResponse& wr) {
                                                if (auto op = weak.lock()) op->OnFirstPut(wr);
                                              });
        });
  }

  void OnFirstPut(const etcdserverpb::WatchResponse& wr) {
    if (ended_) return;
    if (wr.canceled()) return End(grpc::Status::OK);
    for (const auto& ev : wr.events()) {
      if (ev.type() != mvccpb::Event::PUT) continue;
      etcdserverpb::ResponseHeader h = FullHeader(wr.header());
      h.set_revision(ev.kv().mod_revision());
      mvccpb::KeyValue kv = ev.kv();
      Emit(h, kv);
      return Follow(kv.key(), h.revision() + 1);
    }
  }

  // Watches the leader key: every put is a new value; a delete means a new election.
  void Follow(const std::string& key, int64_t rev) {
    etcdserverpb::WatchCreateRequest w;
    w.set_key(key);
    w.set_start_revision(rev);
    std::weak_ptr<ObserveOp> weak = shared_from_this();
    watch_ = coord::KeyWatch::Start(env_, ctx_, w, [weak](const etcdserverpb::WatchResponse& wr) {
      auto op = weak.lock();
      if (!op || op->ended_) return;
      if (wr.canceled()) return op->End(grpc::Status::OK);
      for (const auto& ev : wr.events()) {
        if (ev.type() == mvccpb::Event::DELETE) return op->ReadLeader();
        op->Emit(op->FullHeader(wr.header()), ev.kv());
      }
    });
  }

  etcdserverpb::ResponseHeader FullHeader(const etcdserverpb::ResponseHeader& in) const {
    etcdserverpb::ResponseHeader h = in;
    h.set_cluster_id(env_.api->ClusterId());
    h.set_member_id(env_.api->MemberId());
    h.set_raft_term(env_.api->Term());
    return h;
  }

  void Emit(const etcdserverpb::ResponseHeader& h, const mvccpb::KeyValue& kv) {
    v3electionpb::LeaderResponse r;
    *r.mutable_header() = h;
    *r.mutable_kv() = kv;
    queue_.push_back(std::move(r));
    Pump();
  }

  void Pump() {
    if (writing_ || finished_) return;
    if (!queue_.empty() && !ended_) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      reactor_->StartWrite(&current_);
      return;
    }
    if (ended_) {
      finished_ = true;
      reactor_->Finish(end_status_);
    }
  }

  void OnWriteDone(bool ok) {
    writing_ = false;
    if (!ok) return End(grpc::Status(grpc::StatusCode::CANCELLED, "context canceled"));
    Pump();
  }

  void End(const grpc::Status& s) {
    if (ended_) return;
    ended_ = true;
    end_status_ = s;
    watch_.reset();
    queue_.clear();
    Pump();
  }

  coord::Env env_;
  server::RequestContext ctx_;
  std::string prefix_;
  Reactor* reactor_ = nullptr;
  std::unique_ptr<coord::KeyWatch> watch_;
  std::deque<v3electionpb::LeaderResponse> queue_;
  v3electionpb::LeaderResponse current_;
  bool writing_ = false;
  bool ended_ = false;
  bool finished_ = false;
  grpc::Status end_status_;
};

}  // namespace

grpc::ServerUnaryReactor* ElectionService::Campaign(grpc::CallbackServerContext* ctx,
                                                    const v3electionpb::CampaignRequest* req,
                                                    v3electionpb::CampaignResponse* resp) {
  return coord::RunUnary<CampaignOp>(env_, ctx, ContextFromMetadata(*ctx), *req, resp);
}

grpc::ServerUnaryReactor* ElectionService::Proclaim(grpc::CallbackServerContext* ctx,
                                                    const v3electionpb::ProclaimRequest* req,
                                                    v3electionpb::ProclaimResponse* resp) {
  return coord::RunUnary<LeaderTxnOp<v3electionpb::ProclaimResponse>>(
      env_, ctx, ContextFromMetadata(*ctx), req->has_leader(), req->leader(),
      std::optional<std::string>(req->value()), resp);
}

grpc::ServerUnaryReactor* ElectionService::Resign(grpc::CallbackServerContext* ctx,
                                                  const v3electionpb::ResignRequest* req,
                                                  v3electionpb::ResignResponse* resp) {
  return coord::RunUnary<LeaderTxnOp<v3electionpb::ResignResponse>>(
      env_, ctx, ContextFromMetadata(*ctx), req->has_leader(), req->leader(),
      std::optional<std::string>(), resp);
}

grpc::ServerUnaryReactor* ElectionService::Leader(grpc::CallbackServerContext* ctx,
                                                  const v3electionpb::LeaderRequest* req,
                                                  v3electionpb::LeaderResponse* resp) {
  return coord::RunUnary<LeaderOp>(env_, ctx, ContextFromMetadata(*ctx), req->name(), resp);
}

grpc::ServerWriteReactor<v3electionpb::LeaderResponse>* ElectionService::Observe(
    grpc::CallbackServerContext* ctx, const v3electionpb::LeaderRequest* req) {
  auto op = std::make_shared<ObserveOp>(env_, ContextFromMetadata(*ctx), req->name());
  auto* r = op->Bind();
  env_.exec->Post([op] { op->Start(); });
  return r;
}

CoordServices::CoordServices(server::ServerApi* api, coord::WatchAuthorizer authorize_watch)
    : exec_(SerialExecutor::Start()) {
  coord::Env env;
  env.api = api;
  env.exec = exec_;
  env.authorize_watch = std::move(authorize_watch);
  lock_ = std::make_unique<LockService>(env);
  election_ = std::make_unique<ElectionService>(env);
}

CoordServices::~CoordServices() { exec_->Shutdown(); }

grpc::Service* CoordServices::lock() { return lock_.get(); }
grpc::Service* CoordServices::election() { return election_.get(); }

}  // namespace etcd::api
