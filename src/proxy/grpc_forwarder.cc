#include "proxy/grpc_forwarder.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"

namespace etcd::proxy {
namespace {

class ProxyCall;

// One attempt of a call on one upstream endpoint. Deletes itself in OnDone, after
// telling its ProxyCall.
class UpstreamCall final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  UpstreamCall(ProxyCall* call, const Upstream& upstream)
      : stub(upstream.channel), url(upstream.url), call_(call) {}
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  grpc::GenericStub stub;
  grpc::ClientContext ctx;
  grpc::ByteBuffer in;   // the response being read
  grpc::ByteBuffer out;  // the request being written
  const std::string url;

 private:
  ProxyCall* const call_;
};

// The client's call (downstream) bridged to the current UpstreamCall. Deleted when both
// the downstream call (OnDone) and the last upstream attempt are done.
class ProxyCall final : public grpc::ServerGenericBidiReactor {
 public:
  ProxyCall(grpc::GenericCallbackServerContext* ctx, UpstreamPool* pool, size_t max_replay)
      : ctx_(ctx), pool_(pool), max_replay_(max_replay) {}

  void Begin() {
    std::vector<Upstream> order = pool_->Order();
    absl::MutexLock l(&mu_);
    order_ = std::move(order);
    if (order_.empty()) {
      FinishLocked(
          grpc::Status(grpc::StatusCode::UNAVAILABLE, "proxy: no upstream endpoints known yet"));
      return;
    }
    down_reading_ = true;
    StartRead(&down_in_);
    StartAttemptLocked();
  }

  // Downstream (the client) reactions.
  void OnReadDone(bool ok) override {
    absl::MutexLock l(&mu_);
    down_reading_ = false;
    if (!ok) {
      down_read_closed_ = true;
      PumpUpLocked();
      return;
    }
    if (replayable_) {
      replay_bytes_ += down_in_.Length();
      if (replay_bytes_ > max_replay_) {
        replayable_ = false;
        replay_.clear();
      } else {
        replay_.push_back(down_in_);  // shares the slices
      }
    }
    up_queue_.push_back(std::move(down_in_));
    down_in_.Clear();
    PumpUpLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock l(&mu_);
    down_writing_ = false;
    if (finish_pending_) {
      finish_pending_ = false;
      finished_ = true;
      Finish(final_);
      return;
    }
    if (!ok) {
      if (up_ != nullptr) up_->ctx.TryCancel();
      return;
    }
    if (up_ != nullptr && !finished_) up_->StartRead(&up_->in);
  }

  void OnCancel() override {
    absl::MutexLock l(&mu_);
    cancelled_ = true;
    if (up_ != nullptr) up_->ctx.TryCancel();
  }

  void OnDone() override {
    bool last;
    {
      absl::MutexLock l(&mu_);
      down_done_ = true;
      last = up_ == nullptr;
    }
    if (last) delete this;
  }

  // Upstream reactions.
  void UpReadDone(UpstreamCall* up, bool ok) {
    absl::MutexLock l(&mu_);
    if (!ok || up != up_) return;  // the end of the responses: OnDone follows
    responded_ = true;
    replayable_ = false;
    replay_.clear();
    if (finished_) return;
    down_out_ = std::move(up->in);
    up->in.Clear();
    down_writing_ = true;
    StartWrite(&down_out_);
  }

  void UpWriteDone(UpstreamCall* up, bool ok) {
    absl::MutexLock l(&mu_);
    if (up != up_) return;
    up_writing_ = false;
    if (ok) PumpUpLocked();
  }

  void UpDone(UpstreamCall* up, const grpc::Status& status) {
    bool last = false;
    {
      absl::MutexLock l(&mu_);
      if (up != up_) return;
      up_ = nullptr;
      up_writing_ = false;
      const bool unavailable = status.error_code() == grpc::StatusCode::UNAVAILABLE;
      if (unavailable) pool_->ReportFailure(up->url);
      if (unavailable && !responded_ && replayable_ && !cancelled_ && !finished_ &&
          attempt_ < order_.size()) {
        StartAttemptLocked();
        return;
      }
      FinishLocked(status);
      last = down_done_;
    }
    if (last) delete this;
  }

 private:
  void StartAttemptLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    up_ = new UpstreamCall(this, order_[attempt_++]);
    writes_done_sent_ = false;
    for (const auto& [k, v] : ctx_->client_metadata()) {
      std::string key(k.data(), k.size());
      if (key.empty() || key[0] == ':' || absl::StartsWith(key, "grpc-") || key == "user-agent" ||
          key == "content-type" || key == "te") {
        continue;
      }
      up_->ctx.AddMetadata(key, std::string(v.data(), v.size()));
    }
    up_->ctx.set_deadline(ctx_->deadline());
    up_->stub.PrepareBidiStreamingCall(&up_->ctx, ctx_->method(), grpc::StubOptions(), up_);
    up_queue_.assign(replay_.begin(), replay_.end());
    up_->StartRead(&up_->in);
    PumpUpLocked();
    up_->StartCall();
  }

  // Moves the request side along: the next queued message upstream, else the client's
  // half-close, else the next read from the client.
  void PumpUpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (up_ == nullptr || up_writing_ || finished_) return;
    if (!up_queue_.empty()) {
      up_->out = std::move(up_queue_.front());
      up_queue_.pop_front();
      up_writing_ = true;
      up_->StartWrite(&up_->out);
      return;
    }
    if (down_read_closed_) {
      if (!writes_done_sent_) {
        writes_done_sent_ = true;
        up_->StartWritesDone();
      }
      return;
    }
    if (!down_reading_) {
      down_reading_ = true;
      StartRead(&down_in_);
    }
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || finish_pending_) return;
    if (down_writing_) {
      finish_pending_ = true;
      final_ = status;
      return;
    }
    finished_ = true;
    Finish(status);
  }

  grpc::GenericCallbackServerContext* const ctx_;
  UpstreamPool* const pool_;
  const size_t max_replay_;

  absl::Mutex mu_;
  std::vector<Upstream> order_ ABSL_GUARDED_BY(mu_);
  size_t attempt_ ABSL_GUARDED_BY(mu_) = 0;
  UpstreamCall* up_ ABSL_GUARDED_BY(mu_) = nullptr;  // the live attempt
  bool up_writing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_sent_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<grpc::ByteBuffer> up_queue_ ABSL_GUARDED_BY(mu_);
  std::vector<grpc::ByteBuffer> replay_ ABSL_GUARDED_BY(mu_);
  size_t replay_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool replayable_ ABSL_GUARDED_BY(mu_) = true;
  grpc::ByteBuffer down_in_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer down_out_ ABSL_GUARDED_BY(mu_);
  bool down_reading_ ABSL_GUARDED_BY(mu_) = false;
  bool down_read_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool down_writing_ ABSL_GUARDED_BY(mu_) = false;
  bool responded_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_pending_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
  bool down_done_ ABSL_GUARDED_BY(mu_) = false;
};

void UpstreamCall::OnReadDone(bool ok) { call_->UpReadDone(this, ok); }
void UpstreamCall::OnWriteDone(bool ok) { call_->UpWriteDone(this, ok); }
void UpstreamCall::OnDone(const grpc::Status& status) {
  call_->UpDone(this, status);
  delete this;
}

}  // namespace

grpc::ServerGenericBidiReactor* GrpcForwarder::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  auto* call = new ProxyCall(context, pool_, max_replay_bytes_);
  call->Begin();
  return call;
}

}  // namespace etcd::proxy
