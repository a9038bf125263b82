// A bidirectional gRPC stream on the callback API with a write queue: Write() may be
// called from any thread at any time (gRPC allows one write in flight; the rest wait
// here), responses are delivered to a callback, the end of the stream to another.
//
// Lifetime: created by Client::Watch / Client::LeaseKeepAlive (already started). The
// owner ends it with CloseSend() (half-close; the server then ends the stream) or
// Cancel(), and must call Await() before destroying it; Await() returns once gRPC is
// done with the object.
//
// Thread safety: Write/CloseSend/Cancel/Await/Done may be called from any thread.
// The callbacks run on gRPC threads, one at a time per kind, and must not block.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_callback.h>

#include <deque>
#include <functional>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/status.h"
#include "common/status.h"

namespace etcd::client {

template <typename Req, typename Resp>
class BidiStream final : public grpc::ClientBidiReactor<Req, Resp> {
 public:
  using MessageFn = std::function<void(const Resp&)>;
  using DoneFn = std::function<void(const absl::Status&)>;
  // `start` begins the call: stub->async()->Method(ctx, reactor).
  using StartFn = std::function<void(grpc::ClientContext*, grpc::ClientBidiReactor<Req, Resp>*)>;

  BidiStream(MessageFn on_message, DoneFn on_done)
      : on_message_(std::move(on_message)), on_done_(std::move(on_done)) {}
  ~BidiStream() override = default;

  grpc::ClientContext* context() { return &ctx_; }

  // Called once, by the client, after setting up context() (metadata).
  void Start(const StartFn& start) {
    start(&ctx_, this);
    this->StartRead(&resp_);
    this->StartCall();
  }

  // Queues `req`; false once the stream is half-closed or finished.
  bool Write(Req req) {
    {
      absl::MutexLock lock(&mu_);
      if (closing_ || done_) return false;
      queue_.push_back(std::move(req));
      if (writing_) return true;
      writing_ = true;
      current_ = std::move(queue_.front());
      queue_.pop_front();
    }
    this->StartWrite(&current_);
    return true;
  }

  // Half-closes after the queued writes.
  void CloseSend() {
    bool now = false;
    {
      absl::MutexLock lock(&mu_);
      if (closing_ || done_) return;
      closing_ = true;
      now = !writing_;
      if (now) writes_done_started_ = true;
    }
    if (now) this->StartWritesDone();
  }

  void Cancel() { ctx_.TryCancel(); }

  // Blocks until the stream has ended; returns its final status.
  absl::Status Await() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
    return status_;
  }
  bool Done() const {
    absl::MutexLock lock(&mu_);
    return done_;
  }

  // --- grpc::ClientBidiReactor ---
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream is ending; OnDone follows
    if (on_message_) on_message_(resp_);
    this->StartRead(&resp_);
  }
  void OnWriteDone(bool ok) override {
    bool next = false;
    bool writes_done = false;
    {
      absl::MutexLock lock(&mu_);
      if (!ok) {
        queue_.clear();  // broken stream: OnDone follows
        writing_ = false;
        return;
      }
      if (!queue_.empty()) {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        next = true;
      } else {
        writing_ = false;
        if (closing_ && !writes_done_started_) {
          writes_done_started_ = true;
          writes_done = true;
        }
      }
    }
    if (next) this->StartWrite(&current_);
    if (writes_done) this->StartWritesDone();
  }
  void OnDone(const grpc::Status& status) override {
    absl::Status s = FromGrpcStatus(status);
    if (on_done_) on_done_(s);
    absl::MutexLock lock(&mu_);
    status_ = s;
    done_ = true;
  }

 private:
  const MessageFn on_message_;
  const DoneFn on_done_;
  grpc::ClientContext ctx_;
  Resp resp_;  // only touched by the read chain
  mutable absl::Mutex mu_;
  Req current_;  // the write in flight (owned by the write chain)
  std::deque<Req> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool writes_done_started_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::client
