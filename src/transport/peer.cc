#include "transport/peer.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "transport/peer_client.h"

namespace etcd::transport {
namespace {

constexpr double kJitter = 0.2;

// Transport-level failures get the peer and URL prepended; refusals keep the
// remote's text unchanged (it already names both members).
absl::Status Annotate(const absl::Status& s, uint64_t id, const std::string& url) {
  switch (s.code()) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
      return s;
    default:
      return absl::Status(s.code(),
                          absl::StrCat("member ", HexId(id), " at ", url, ": ", s.message()));
  }
}

}  // namespace

Peer::Peer(uint64_t id, std::vector<std::string> urls, const PeerEnv* env)
    : id_(id),
      env_(env),
      urls_(urls),
      queue_(env->options->queue_capacity),
      status_(id, std::move(urls)) {}

Peer::~Peer() { Stop(); }

void Peer::Start() { thread_ = std::thread([this] { Run(); }); }

void Peer::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    if (call_ != nullptr) call_->TryCancel();
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock l(&mu_);
  queue_.Clear();
  state_ = State::kStopped;
}

bool Peer::Enqueue(raftpb::Message msg) {
  absl::MutexLock l(&mu_);
  if (stopping_ || state_ == State::kBackoff || state_ == State::kStopped ||
      !queue_.Push(std::move(msg))) {
    status_.RecordDropped(1);
    return false;
  }
  cv_.Signal();
  return true;
}

void Peer::UpdateUrls(std::vector<std::string> urls) {
  absl::MutexLock l(&mu_);
  urls_ = urls;
  url_index_ = 0;
  urls_changed_ = true;
  status_.SetUrls(std::move(urls));
  cv_.SignalAll();
}

std::vector<std::string> Peer::urls() const {
  absl::MutexLock l(&mu_);
  return urls_;
}

std::string Peer::PreferredUrl() const {
  absl::MutexLock l(&mu_);
  if (!current_url_.empty() && std::find(urls_.begin(), urls_.end(), current_url_) != urls_.end()) {
    return current_url_;
  }
  return urls_[url_index_ % urls_.size()];
}

bool Peer::active() const {
  absl::MutexLock l(&mu_);
  return status_.active();
}

std::optional<Clock::TimePoint> Peer::active_since() const {
  absl::MutexLock l(&mu_);
  return status_.active_since();
}

PeerStats Peer::Stats() const {
  absl::MutexLock l(&mu_);
  return status_.stats();
}

void Peer::RecordSnapshot(bool failed) {
  absl::MutexLock l(&mu_);
  status_.RecordSnapshot(failed);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Peer::RpcChannel() {
  std::string url = PreferredUrl();
  {
    absl::MutexLock l(&mu_);
    if (rpc_channel_ != nullptr && rpc_url_ == url) return rpc_channel_;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakePeerChannel(url, env_->options->channel_credentials);
  if (!channel.ok()) return channel.status();
  absl::MutexLock l(&mu_);
  rpc_url_ = url;
  rpc_channel_ = *channel;
  return rpc_channel_;
}

bool Peer::SetCall(grpc::ClientContext* ctx) {
  absl::MutexLock l(&mu_);
  if (ctx != nullptr && stopping_) return false;
  call_ = ctx;
  return true;
}

void Peer::Report(std::optional<PeerEvent::Kind> kind, const absl::Status& status) {
  if (!kind.has_value()) return;
  PeerEvent e;
  e.kind = *kind;
  e.peer_id = id_;
  e.peer_urls = urls();
  e.status = status;
  env_->handler->OnPeerEvent(e);
}

void Peer::Run() {
  const TransportOptions& opt = *env_->options;
  Backoff backoff(opt.backoff_initial, opt.backoff_max, kJitter, opt.rng_seed ^ id_);
  for (;;) {
    std::string url;
    {
      absl::MutexLock l(&mu_);
      if (stopping_) break;
      state_ = State::kConnecting;
      urls_changed_ = false;
      url = urls_[url_index_ % urls_.size()];
    }
    bool connected = false;
    absl::Status why = RunConnection(url, &connected);
    size_t dropped = 0;
    bool stopping = false;
    std::optional<PeerEvent::Kind> event;
    {
      absl::MutexLock l(&mu_);
      stopping = stopping_;
      state_ = stopping ? State::kStopped : State::kBackoff;
      dropped = queue_.Clear();
      status_.RecordDropped(dropped);
      event = status_.Deactivate(why);
      if (!connected) ++url_index_;  // a dead URL: try the next one first
    }
    if (stopping) break;
    if (dropped > 0) env_->handler->ReportUnreachable(id_);
    Report(event, why);
    if (IsRemovedError(why)) env_->handler->OnRemovedFromCluster(id_);

    if (connected) backoff.Reset();
    Clock::TimePoint now = env_->clock->Now();
    backoff.Fail(now);
    absl::Time deadline = absl::Now() + absl::FromChrono(backoff.Remaining(now));
    absl::MutexLock l(&mu_);
    while (!stopping_ && !urls_changed_) {
      if (cv_.WaitWithDeadline(&mu_, deadline)) break;
    }
  }
}

absl::Status Peer::RunConnection(const std::string& url, bool* connected) {
  const TransportOptions& opt = *env_->options;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakePeerChannel(url, opt.channel_credentials);
  if (!channel.ok()) return Annotate(channel.status(), id_, url);
  std::unique_ptr<peerpb::Peer::Stub> stub = peerpb::Peer::NewStub(*channel);

  peerpb::HandshakeResponse hs;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + opt.dial_timeout);
    if (!SetCall(&ctx)) return absl::CancelledError("peer transport stopped");
    grpc::Status s = stub->Handshake(&ctx, env_->local.Hello(id_), &hs);
    SetCall(nullptr);
    if (!s.ok()) return Annotate(FromGrpcStatus(s), id_, url);
  }
  absl::Status checked = CheckCallee(env_->local, id_, url, hs);
  if (!checked.ok()) return checked;

  grpc::ClientContext ctx;
  if (!SetCall(&ctx)) return absl::CancelledError("peer transport stopped");
  std::unique_ptr<grpc::ClientReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>> stream =
      stub->Stream(&ctx);
  peerpb::PeerEnvelope hello;
  *hello.mutable_hello() = env_->local.Hello(id_);
  absl::Status why;
  if (stream->Write(hello)) {
    bool news = false;
    {
      absl::MutexLock l(&mu_);
      state_ = State::kConnected;
      current_url_ = url;
      reader_done_ = false;
      news = status_.Activate(env_->clock->Now(), hs.name(), hs.version());
    }
    *connected = true;
    if (news) Report(PeerEvent::Kind::kActive, absl::OkStatus());
    std::thread reader([this, s = stream.get()] { ReadPongs(s); });
    why = Pump(stream.get());
    if (!why.ok()) ctx.TryCancel();  // we end the call; otherwise the remote did
    reader.join();
  } else {
    stream->WritesDone();
  }
  grpc::Status finished = stream->Finish();
  SetCall(nullptr);
  if (!why.ok()) return why;
  absl::Status fin = FromGrpcStatus(finished);
  if (fin.ok()) fin = absl::UnavailableError("the remote closed the stream");
  return Annotate(fin, id_, url);
}

absl::Status Peer::Pump(
    grpc::ClientReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>* stream) {
  const TransportOptions& opt = *env_->options;
  Clock::TimePoint next_ping = env_->clock->Now();
  for (;;) {
    std::vector<raftpb::Message> batch;
    bool send_ping = false;
    uint64_t seq = 0;
    {
      absl::MutexLock l(&mu_);
      for (;;) {
        if (stopping_) return absl::CancelledError("peer transport stopped");
        if (reader_done_) return absl::OkStatus();
        if (urls_changed_) {
          if (std::find(urls_.begin(), urls_.end(), current_url_) == urls_.end()) {
            return absl::UnavailableError(
                absl::StrCat("peer URLs of member ", HexId(id_), " changed"));
          }
          urls_changed_ = false;
        }
        Clock::TimePoint now = env_->clock->Now();
        const auto& last = status_.stats().last_contact;
        if (last.has_value() && now - *last > opt.contact_timeout) {
          return absl::UnavailableError(absl::StrCat(
              "no answer from member ", HexId(id_), " at ", current_url_, " for ",
              std::chrono::duration_cast<std::chrono::milliseconds>(now - *last).count(), "ms"));
        }
        if (!queue_.empty() || now >= next_ping) break;
        cv_.WaitWithTimeout(&mu_, absl::FromChrono(next_ping - now));
      }
      batch = queue_.PopBatch(opt.max_batch_messages, opt.max_batch_bytes);
      Clock::TimePoint now = env_->clock->Now();
      if (now >= next_ping) {
        send_ping = true;
        seq = ++ping_seq_;
        ping_sent_ = now;
        next_ping = now + opt.ping_interval;
      }
    }
    if (!batch.empty()) {
      peerpb::PeerEnvelope env;
      auto* msgs = env.mutable_batch()->mutable_messages();
      msgs->Reserve(static_cast<int>(batch.size()));
      for (raftpb::Message& m : batch) *msgs->Add() = std::move(m);
      size_t bytes = env.ByteSizeLong();
      if (!stream->Write(env)) {
        {
          absl::MutexLock l(&mu_);
          status_.RecordDropped(batch.size());
        }
        env_->handler->ReportUnreachable(id_);
        return absl::OkStatus();  // the call is over; Finish says why
      }
      absl::MutexLock l(&mu_);
      status_.RecordSent(batch.size(), bytes);
    }
    if (send_ping) {
      peerpb::PeerEnvelope env;
      env.mutable_ping()->set_seq(seq);
      if (!stream->Write(env)) return absl::OkStatus();
    }
  }
}

void Peer::ReadPongs(
    grpc::ClientReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>* stream) {
  peerpb::PeerEnvelope env;
  while (stream->Read(&env)) {
    if (!env.has_pong()) continue;
    Clock::TimePoint now = env_->clock->Now();
    absl::MutexLock l(&mu_);
    if (env.pong().seq() == ping_seq_) {
      status_.RecordRtt(now - ping_sent_, now);
    } else {
      status_.RecordContact(now);
    }
  }
  absl::MutexLock l(&mu_);
  reader_done_ = true;
  cv_.SignalAll();
}

}  // namespace etcd::transport
