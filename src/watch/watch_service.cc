#include "watch/watch_service.h"

#include <grpc/slice.h>
#include <grpcpp/alarm.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/slice.h>

#include <string>
#include <unordered_set>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "watch/watchable_store.h"

namespace etcd::api {

using etcdserverpb::WatchRequest;
using etcdserverpb::WatchResponse;

namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

server::RequestContext ContextOf(const grpc::CallbackServerContext* ctx) {
  server::RequestContext rc;
  for (const auto& [k, v] : ctx->client_metadata()) {
    std::string key(k.data(), k.size());
    if (key == "hasleader" && std::string(v.data(), v.size()) == "true") rc.require_leader = true;
    if (key == "token") rc.token = std::string(v.data(), v.size());
  }
  return rc;
}

}  // namespace

// The reactors alive, for the leader check. Lock order: Registry::mu -> Reactor::mu_.
struct WatchService::Registry : std::enable_shared_from_this<WatchService::Registry> {
  server::ServerApi* api = nullptr;
  WatchServiceOptions options;

  absl::Mutex mu;
  std::unordered_set<Reactor*> reactors ABSL_GUARDED_BY(mu);
  size_t leader_streams ABSL_GUARDED_BY(mu) = 0;
  std::unique_ptr<grpc::Alarm> alarm ABSL_GUARDED_BY(mu);
  std::unique_ptr<grpc::Alarm> fired ABSL_GUARDED_BY(mu);  // kept until the next firing
  bool timer_armed ABSL_GUARDED_BY(mu) = false;
  bool shutdown ABSL_GUARDED_BY(mu) = false;

  void ArmLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  void OnAlarm(bool ok);
  void CheckLeader();
};

class WatchService::Reactor final
    : public grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  Reactor(server::ServerApi* api, std::shared_ptr<Registry> registry, server::RequestContext ctx)
      : api_(api),
        registry_(std::move(registry)),
        ctx_(std::move(ctx)),
        require_leader_(ctx_.require_leader) {}

  // Opens the store stream and starts reading. REQUIRES: called once, right after
  // construction, from the Watch handler.
  void Begin(mvcc::WatchableStore* store) {
    stream_ = store->NewStream([this] { MaybeWrite(); });
    StartRead(&in_buf_);
  }

  bool require_leader() const { return require_leader_; }
  // Guarded by Registry::mu.
  int no_leader_count = 0;

  // Ends the stream with `status` once the write in flight (if any) completes.
  void FinishWith(const absl::Status& status) {
    {
      absl::MutexLock l(&mu_);
      if (finish_requested_) return;
      finish_requested_ = true;
      finish_status_ = ToGrpc(status);
      if (writing_) return;  // OnWriteDone finishes
      finish_called_ = true;
    }
    Finish(finish_status_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // half-close: keep sending events until the client cancels
    if (!grpc::SerializationTraits<WatchRequest>::Deserialize(&in_buf_, &in_).ok()) {
      FinishWith(absl::InternalError("grpc: error unmarshalling request"));
      return;
    }
    switch (in_.request_union_case()) {
      case WatchRequest::kCreateRequest: {
        absl::Status allowed = absl::OkStatus();
        if (registry_->options.authorize) {
          allowed = registry_->options.authorize(ctx_, in_.create_request());
        }
        if (allowed.ok()) {
          stream_->Create(in_.create_request());
        } else {
          stream_->RefuseCreate(std::string(allowed.message()));
        }
        break;
      }
      case WatchRequest::kCancelRequest:
        stream_->Cancel(in_.cancel_request().watch_id());
        break;
      case WatchRequest::kProgressRequest:
        stream_->RequestProgress();
        break;
      default:
        break;  // etcd ignores an empty request rather than ending the stream
    }
    {
      absl::MutexLock l(&mu_);
      if (finish_requested_) return;
    }
    StartRead(&in_buf_);
  }

  void OnWriteDone(bool ok) override {
    bool finish_now = false;
    {
      absl::MutexLock l(&mu_);
      writing_ = false;
      if (!ok && !finish_requested_) {
        finish_requested_ = true;
        finish_status_ = ToGrpc(errors::Make(errors::Err::kWatchCanceled));
      }
      if (finish_requested_ && !finish_called_) {
        finish_called_ = true;
        finish_now = true;
      }
    }
    if (finish_now) {
      Finish(finish_status_);
      return;
    }
    MaybeWrite();
  }

  void OnCancel() override { FinishWith(errors::Make(errors::Err::kWatchCanceled)); }

  void OnDone() override {
    if (stream_) stream_->Close();  // no wake runs after this returns
    {
      absl::MutexLock l(&registry_->mu);
      registry_->reactors.erase(this);
      if (require_leader_) --registry_->leader_streams;
    }
    delete this;
  }

  // Starts the next write when none is in flight and a response is ready.
  void MaybeWrite() {
    bool more = false;
    {
      absl::MutexLock l(&mu_);
      if (writing_ || finish_requested_ || !stream_) return;
      if (!stream_->NextEncoded(&next_, &more)) return;
      writing_ = true;
    }
    // The store set the revision (0 for a compacted cancel); the member fills the rest.
    etcdserverpb::ResponseHeader header;
    api_->FillHeader(&header);
    grpc_slice slice = grpc_slice_malloc(mvcc::wire::MessageSize(header, next_));
    mvcc::wire::WriteMessage(header, next_, reinterpret_cast<char*>(GRPC_SLICE_START_PTR(slice)));
    next_.body.clear();
    grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
    out_ = grpc::ByteBuffer(&owned, 1);
    // No buffer hint, even with more responses waiting: gRPC completes a hinted write
    // only once something flushes the transport, and with one write in flight per
    // stream nothing might (a lone stream's first response then never arrived; grpc
    // issues 12975, 34231). Runs of events are joined by the store's coalescing instead.
    (void)more;
    StartWrite(&out_);
  }

 private:
  server::ServerApi* const api_;
  const std::shared_ptr<Registry> registry_;
  const server::RequestContext ctx_;
  const bool require_leader_;
  std::unique_ptr<mvcc::WatchStream> stream_;  // set in Begin, before any callback
  grpc::ByteBuffer in_buf_;                    // owned by the read in flight
  WatchRequest in_;                            // parsed from in_buf_ in OnReadDone
  mvcc::EncodedResponse next_;                 // the response being written (guarded by writing_)
  grpc::ByteBuffer out_;                       // owned by the write in flight

  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_;  // written once, before finish_requested_ is published
};

void WatchService::Registry::ArmLocked() {
  if (timer_armed || shutdown || options.leader_check_interval.count() <= 0) return;
  timer_armed = true;
  fired = std::move(alarm);  // the alarm that fired last time (never the running one)
  alarm = std::make_unique<grpc::Alarm>();
  std::weak_ptr<Registry> weak = weak_from_this();
  alarm->Set(std::chrono::system_clock::now() + options.leader_check_interval, [weak](bool ok) {
    if (auto self = weak.lock()) self->OnAlarm(ok);
  });
}

void WatchService::Registry::OnAlarm(bool ok) {
  {
    absl::MutexLock l(&mu);
    timer_armed = false;
    if (!ok || shutdown) return;
  }
  CheckLeader();
  absl::MutexLock l(&mu);
  if (leader_streams > 0) ArmLocked();
}

void WatchService::Registry::CheckLeader() {
  bool has_leader = api->Health().has_leader;
  absl::MutexLock l(&mu);
  for (Reactor* r : reactors) {
    if (!r->require_leader()) continue;
    if (has_leader) {
      r->no_leader_count = 0;
    } else if (++r->no_leader_count == options.no_leader_checks) {
      r->FinishWith(errors::Make(errors::Err::kNoLeader));
    }
  }
}

WatchService::WatchService(server::ServerApi* api, WatchServiceOptions options)
    : api_(api), options_(options), registry_(std::make_shared<Registry>()) {
  registry_->api = api;
  registry_->options = options;
}

WatchService::~WatchService() {
  absl::MutexLock l(&registry_->mu);
  registry_->shutdown = true;
  if (registry_->alarm) registry_->alarm->Cancel();
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* WatchService::Watch(
    grpc::CallbackServerContext* context) {
  server::RequestContext rc = ContextOf(context);
  const bool require_leader = rc.require_leader;
  auto* reactor = new Reactor(api_, registry_, std::move(rc));
  {
    absl::MutexLock l(&registry_->mu);
    registry_->reactors.insert(reactor);
    if (require_leader) {
      ++registry_->leader_streams;
      registry_->ArmLocked();
    }
  }
  if (api_->Health().is_learner) {  // etcd: a learner serves no stream
    reactor->FinishWith(errors::Make(errors::Err::kLearnerNotSupported));
    return reactor;
  }
  if (require_leader && !api_->Health().has_leader) {
    reactor->FinishWith(errors::Make(errors::Err::kNoLeader));
    return reactor;
  }
  mvcc::WatchableStore* store = api_->Watchable();
  if (store == nullptr) {
    reactor->FinishWith(errors::Make(errors::Err::kNotCapable));
    return reactor;
  }
  reactor->Begin(store);
  return reactor;
}

void WatchService::CheckLeader() { registry_->CheckLeader(); }

size_t WatchService::ActiveStreams() const {
  absl::MutexLock l(&registry_->mu);
  return registry_->reactors.size();
}

}  // namespace etcd::api
