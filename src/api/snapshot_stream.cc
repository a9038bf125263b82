#include "api/snapshot_stream.h"

#include <deque>
#include <optional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "api/grpc_call.h"

namespace etcd::api {
namespace {

using etcdserverpb::SnapshotResponse;

constexpr size_t kMaxQueued = 8;

class SnapshotWriter final : public grpc::ServerWriteReactor<SnapshotResponse> {
 public:
  SnapshotWriter(server::ServerApi* api, server::RequestContext ctx) : api_(api) {
    producer_ = std::thread([this, ctx = std::move(ctx)] { Produce(ctx); });
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      write_in_flight_ = false;
      if (!ok) {
        cancelled_ = true;
        if (final_status_.ok())
          final_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "context canceled");
        producer_done_seen_ = true;  // finish now; the producer stops on cancelled_
      }
    }
    Pump();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      final_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "context canceled");
      producer_done_seen_ = true;
    }
    Pump();
  }

  void OnDone() override {
    producer_.join();
    delete this;
  }

 private:
  // Producer thread.
  void Produce(const server::RequestContext& ctx) {
    grpc::Status status = grpc::Status::OK;
    auto reader = api_->OpenSnapshot(ctx);
    if (!reader.ok()) {
      status = ToGrpcStatus(reader.status());
    } else {
      const uint64_t total = (*reader)->ImageBytes();
      uint64_t sent = 0;
      bool first = true;
      for (;;) {
        auto chunk = (*reader)->Next(kSnapshotChunkBytes);
        if (!chunk.ok()) {
          status = ToGrpcStatus(chunk.status());
          break;
        }
        if (chunk->empty()) break;
        SnapshotResponse resp;
        if (first) {
          api_->FillHeader(resp.mutable_header());
          first = false;
        }
        sent = std::min<uint64_t>(total, sent + (sent < total ? chunk->size() : 0));
        resp.set_remaining_bytes(total - sent);
        resp.set_blob(std::move(*chunk));
        if (!Push(std::move(resp))) return;  // cancelled
      }
    }
    {
      absl::MutexLock lock(&mu_);
      if (!producer_done_seen_) final_status_ = status;
      producer_done_seen_ = true;
    }
    Pump();
  }

  // Queues one message (waits while the queue is full); false once cancelled.
  bool Push(SnapshotResponse resp) {
    {
      absl::MutexLock lock(&mu_);
      auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return cancelled_ || queue_.size() < kMaxQueued;
      };
      mu_.Await(absl::Condition(&room));
      if (cancelled_) return false;
      queue_.push_back(std::move(resp));
    }
    Pump();
    return true;
  }

  // Starts the next write, or finishes once everything was written (or cancelled).
  void Pump() {
    enum { kNothing, kWrite, kFinish } action = kNothing;
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (write_in_flight_ || finished_) return;
      if (!cancelled_ && !queue_.empty()) {
        current_ = std::move(queue_.front());
        queue_.pop_front();
        write_in_flight_ = true;
        action = kWrite;
      } else if (producer_done_seen_ && (cancelled_ || queue_.empty())) {
        finished_ = true;
        status = final_status_;
        action = kFinish;
      }
    }
    if (action == kWrite) StartWrite(&current_);
    if (action == kFinish) Finish(status);
  }

  server::ServerApi* const api_;
  std::thread producer_;
  absl::Mutex mu_;
  std::deque<SnapshotResponse> queue_ ABSL_GUARDED_BY(mu_);
  SnapshotResponse current_;  // the message being written (gRPC reads it until OnWriteDone)
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool producer_done_seen_ ABSL_GUARDED_BY(mu_) = false;  // no more messages will come
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerWriteReactor<SnapshotResponse>* StartSnapshotStream(server::ServerApi* api,
                                                                const server::RequestContext& ctx) {
  return new SnapshotWriter(api, ctx);
}

}  // namespace etcd::api
