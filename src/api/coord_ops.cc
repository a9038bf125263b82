#include "api/coord_ops.h"

#include <cstdio>

#include "common/errors.h"
#include "watch/watchable_store.h"

namespace etcd::api::coord {

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  for (int i = static_cast<int>(end.size()) - 1; i >= 0; --i) {
    if (static_cast<uint8_t>(end[i]) < 0xff) {
      end[i] = static_cast<char>(static_cast<uint8_t>(end[i]) + 1);
      end.resize(i + 1);
      return end;
    }
  }
  return std::string(1, '\0');
}

std::string LeaseKey(const std::string& prefix, int64_t lease) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%llx",
                static_cast<unsigned long long>(static_cast<uint64_t>(lease)));
  return prefix + buf;
}

etcdserverpb::RangeRequest FirstCreate(const std::string& prefix) {
  etcdserverpb::RangeRequest r;
  r.set_key(prefix);
  r.set_range_end(PrefixEnd(prefix));
  r.set_sort_target(etcdserverpb::RangeRequest::CREATE);
  r.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
  r.set_limit(1);
  return r;
}

etcdserverpb::RangeRequest LastCreateAtMost(const std::string& prefix, int64_t max_rev) {
  etcdserverpb::RangeRequest r;
  r.set_key(prefix);
  r.set_range_end(PrefixEnd(prefix));
  r.set_sort_target(etcdserverpb::RangeRequest::CREATE);
  r.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  r.set_limit(1);
  r.set_max_create_revision(max_rev);
  return r;
}

absl::Status Unmapped(const absl::Status& s) {
  if (s.ok()) return s;
  return absl::UnknownError(s.message());
}

// ---- KeyWatch ----

struct KeyWatch::Shared {
  std::unique_ptr<mvcc::WatchStream> stream;
  Fn fn;
  bool closed = false;  // executor thread
};

std::unique_ptr<KeyWatch> KeyWatch::Start(const Env& env, const server::RequestContext& ctx,
                                          const etcdserverpb::WatchCreateRequest& req, Fn fn) {
  auto s = std::make_shared<Shared>();
  s->fn = std::move(fn);
  std::weak_ptr<Shared> weak = s;
  std::shared_ptr<SerialExecutor> exec = env.exec;
  auto drain = [weak] {
    std::shared_ptr<Shared> sh = weak.lock();
    if (!sh) return;
    etcdserverpb::WatchResponse r;
    while (!sh->closed && sh->stream && sh->stream->Next(&r)) {
      sh->fn(r);  // may destroy the KeyWatch (sets closed)
      r.Clear();
    }
  };
  s->stream = env.api->Watchable()->NewStream([exec, drain] { exec->Post(drain); });
  absl::Status allowed = env.authorize_watch ? env.authorize_watch(ctx, req) : absl::OkStatus();
  if (!allowed.ok()) {
    s->stream->RefuseCreate(std::string(allowed.message()));
  } else {
    s->stream->Create(req);
  }
  exec->Post(drain);  // anything queued before the first wake
  return std::unique_ptr<KeyWatch>(new KeyWatch(std::move(s)));
}

KeyWatch::~KeyWatch() {
  s_->closed = true;
  if (s_->stream) s_->stream->Close();
}

namespace {

// A canceled watch response as the error clientv3 would report.
absl::Status WatchError(const etcdserverpb::WatchResponse& r) {
  if (r.compact_revision() > 0) return errors::Make(errors::Err::kCompacted);
  if (!r.cancel_reason().empty()) return absl::UnknownError(r.cancel_reason());
  return absl::UnknownError("lost watcher waiting for delete");
}

}  // namespace

// ---- WaitDeletes ----

std::shared_ptr<WaitDeletes> WaitDeletes::Start(const Env& env, server::RequestContext ctx,
                                                std::string prefix, int64_t max_rev, Done done) {
  std::shared_ptr<WaitDeletes> w(
      new WaitDeletes(env, std::move(ctx), std::move(prefix), max_rev, std::move(done)));
  w->Read();
  return w;
}

void WaitDeletes::Cancel() {
  finished_ = true;
  watch_.reset();
  done_ = nullptr;
}

void WaitDeletes::Complete(absl::StatusOr<etcdserverpb::ResponseHeader> r) {
  if (finished_) return;
  finished_ = true;
  watch_.reset();
  Done d = std::move(done_);
  done_ = nullptr;
  if (d) d(std::move(r));
}

void WaitDeletes::Read() {
  if (finished_) return;
  auto self = shared_from_this();
  Call<etcdserverpb::RangeRequest, etcdserverpb::RangeResponse>(
      env_, ctx_, &server::ServerApi::Range, LastCreateAtMost(prefix_, max_rev_),
      [self](absl::StatusOr<etcdserverpb::RangeResponse> r) {
        if (self->finished_) return;
        if (!r.ok()) return self->Complete(r.status());
        if (r->kvs_size() == 0) return self->Complete(r->header());
        etcdserverpb::WatchCreateRequest wr;
        wr.set_key(r->kvs(0).key());
        wr.set_start_revision(r->header().revision());
        std::weak_ptr<WaitDeletes> weak = self;
        self->watch_ = KeyWatch::Start(self->env_, self->ctx_, wr,
                                       [weak](const etcdserverpb::WatchResponse& resp) {
                                         if (auto s = weak.lock()) s->OnWatch(resp);
                                       });
      });
}

void WaitDeletes::OnWatch(const etcdserverpb::WatchResponse& r) {
  if (finished_) return;
  if (r.canceled()) return Complete(WatchError(r));
  for (const auto& ev : r.events()) {
    if (ev.type() == mvccpb::Event::DELETE) {
      watch_.reset();  // safe: KeyWatch's drain holds its own reference
      Read();
      return;
    }
  }
}

// ---- UnaryOp ----

namespace {

class OpReactor final : public grpc::ServerUnaryReactor {
 public:
  OpReactor(std::shared_ptr<UnaryOp> op, std::function<void()> on_cancel)
      : op_(std::move(op)), on_cancel_(std::move(on_cancel)) {}
  void OnCancel() override { on_cancel_(); }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<UnaryOp> op_;  // alive until gRPC is done with the call
  std::function<void()> on_cancel_;
};

}  // namespace

grpc::ServerUnaryReactor* UnaryOp::Bind() {
  std::weak_ptr<UnaryOp> weak = shared_from_this();
  std::shared_ptr<SerialExecutor> exec = env_.exec;
  reactor_ = new OpReactor(shared_from_this(), [weak, exec] {
    exec->Post([weak] {
      if (auto op = weak.lock()) op->Cancel();
    });
  });
  return reactor_;
}

void UnaryOp::Cancel() {
  if (finished_) return;
  OnCancelled();
  Finish(absl::CancelledError("context canceled"));
}

void UnaryOp::Finish(const absl::Status& s) {
  if (finished_) return;
  finished_ = true;
  grpc::ServerUnaryReactor* r = reactor_;
  reactor_ = nullptr;
  r->Finish(s.ok()
                ? grpc::Status::OK
                : grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message())));
}

etcdserverpb::RequestOp PutOp(const std::string& key, const std::string& value, int64_t lease) {
  etcdserverpb::RequestOp op;
  auto* put = op.mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  put->set_lease(lease);
  return op;
}

etcdserverpb::Compare CreateRevIs(const std::string& key, int64_t rev) {
  etcdserverpb::Compare c;
  c.set_key(key);
  c.set_target(etcdserverpb::Compare::CREATE);
  c.set_result(etcdserverpb::Compare::EQUAL);
  c.set_create_revision(rev);
  return c;
}

}  // namespace etcd::api::coord
