#include "api/lease_service.h"

#include <deque>

#include "absl/synchronization/mutex.h"
#include "api/grpc_call.h"

namespace etcd::api {
namespace {

using etcdserverpb::LeaseKeepAliveRequest;
using etcdserverpb::LeaseKeepAliveResponse;

// One LeaseKeepAlive stream. Lifetime: one reference held by gRPC (dropped in OnDone)
// and one per renew in flight; the last one deletes the reactor, so a late server
// answer never touches freed memory. Once finished_ is set nothing new is started.
class KeepAliveStream final
    : public grpc::ServerBidiReactor<LeaseKeepAliveRequest, LeaseKeepAliveResponse> {
 public:
  KeepAliveStream(server::ServerApi* api, server::RequestContext rc)
      : api_(api), rc_(std::move(rc)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed (or the stream broke)
      bool finish = false;
      {
        absl::MutexLock l(&mu_);
        read_closed_ = true;
        finish = MaybeFinishLocked(absl::OkStatus());
      }
      if (finish) Finish(grpc::Status::OK);
      return;
    }
    LeaseKeepAliveRequest req = request_;
    bool read_more = false;
    {
      absl::MutexLock l(&mu_);
      if (finished_ || !error_.ok()) return;
      ++in_flight_;
      ++refs_;
      read_more = Outstanding() < kMaxKeepAlivesInFlight;
      read_blocked_ = !read_more;
    }
    api_->LeaseRenew(rc_, req,
                     [this](absl::StatusOr<LeaseKeepAliveResponse> r) { OnRenewed(std::move(r)); });
    if (read_more) StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    Action a;
    {
      absl::MutexLock l(&mu_);
      writing_ = false;
      if (!ok && !finished_) {
        finished_ = true;  // the client is gone; OnCancel follows
        a.finish = true;
        a.status = grpc::Status(grpc::StatusCode::CANCELLED, "context canceled");
      } else {
        a = NextLocked();
      }
    }
    Run(a);
  }

  void OnCancel() override {
    bool finish = false;
    {
      absl::MutexLock l(&mu_);
      if (!finished_) {
        finished_ = true;
        finish = true;
      }
    }
    if (finish) Finish(grpc::Status(grpc::StatusCode::CANCELLED, "context canceled"));
  }

  void OnDone() override { Unref(); }

 private:
  struct Action {
    bool write = false;
    bool read = false;
    bool finish = false;
    grpc::Status status;
  };

  void OnRenewed(absl::StatusOr<LeaseKeepAliveResponse> r) {
    Action a;
    {
      absl::MutexLock l(&mu_);
      --in_flight_;
      if (!finished_) {
        if (r.ok()) {
          queue_.push_back(std::move(*r));
        } else if (error_.ok()) {
          error_ = r.status();
        }
        a = NextLocked();
      }
    }
    Run(a);
    Unref();
  }

  int Outstanding() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ + static_cast<int>(queue_.size()) + (writing_ ? 1 : 0);
  }

  // What to do next, decided under the lock and done outside it.
  Action NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Action a;
    if (finished_) return a;
    if (!error_.ok()) {
      // Answers already queued are dropped, as when etcd's stream handler returns.
      if (!writing_) {
        finished_ = true;
        a.finish = true;
        a.status = ToGrpcStatus(error_);
      }
      return a;
    }
    if (!writing_ && !queue_.empty()) {
      writing_ = true;
      response_ = std::move(queue_.front());
      queue_.pop_front();
      a.write = true;
    }
    if (read_blocked_ && !read_closed_ && Outstanding() < kMaxKeepAlivesInFlight) {
      read_blocked_ = false;
      a.read = true;
    }
    if (!a.write && MaybeFinishLocked(absl::OkStatus())) {
      a.finish = true;
      a.status = grpc::Status::OK;
    }
    return a;
  }

  // True (and finished_ set) when the client has half-closed and everything is sent.
  bool MaybeFinishLocked(const absl::Status&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || !read_closed_ || in_flight_ > 0 || writing_ || !queue_.empty()) {
      return false;
    }
    finished_ = true;
    return true;
  }

  void Run(const Action& a) {
    if (a.write) StartWrite(&response_);
    if (a.read) StartRead(&request_);
    if (a.finish) Finish(a.status);
  }

  void Unref() {
    bool last;
    {
      absl::MutexLock l(&mu_);
      last = --refs_ == 0;
    }
    if (last) delete this;
  }

  server::ServerApi* const api_;
  const server::RequestContext rc_;
  LeaseKeepAliveRequest request_;    // the one read in flight (gRPC writes it)
  LeaseKeepAliveResponse response_;  // the one write in flight (gRPC reads it)

  absl::Mutex mu_;
  int refs_ ABSL_GUARDED_BY(mu_) = 1;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<LeaseKeepAliveResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_blocked_ ABSL_GUARDED_BY(mu_) = false;
  bool read_closed_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

using server::ServerApi;

grpc::ServerUnaryReactor* LeaseService::LeaseGrant(grpc::CallbackServerContext* ctx,
                                                   const etcdserverpb::LeaseGrantRequest* req,
                                                   etcdserverpb::LeaseGrantResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::LeaseGrant, max_request_bytes_);
}

grpc::ServerUnaryReactor* LeaseService::LeaseRevoke(grpc::CallbackServerContext* ctx,
                                                    const etcdserverpb::LeaseRevokeRequest* req,
                                                    etcdserverpb::LeaseRevokeResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::LeaseRevoke, max_request_bytes_);
}

grpc::ServerBidiReactor<LeaseKeepAliveRequest, LeaseKeepAliveResponse>*
LeaseService::LeaseKeepAlive(grpc::CallbackServerContext* ctx) {
  return new KeepAliveStream(api_, ContextFromMetadata(*ctx));
}

grpc::ServerUnaryReactor* LeaseService::LeaseTimeToLive(
    grpc::CallbackServerContext* ctx, const etcdserverpb::LeaseTimeToLiveRequest* req,
    etcdserverpb::LeaseTimeToLiveResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::LeaseTimeToLive, max_request_bytes_);
}

grpc::ServerUnaryReactor* LeaseService::LeaseLeases(grpc::CallbackServerContext* ctx,
                                                    const etcdserverpb::LeaseLeasesRequest* req,
                                                    etcdserverpb::LeaseLeasesResponse* resp) {
  return StartUnary(ctx, req, resp, api_, &ServerApi::LeaseLeases, max_request_bytes_);
}

}  // namespace etcd::api
