#include "transport/peer.h"

#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "transport/peer_client.h"
#include "transport/pipe_codec.h"
#include "transport/pipe_socket.h"

namespace etcd::transport {
namespace {

constexpr double kJitter = 0.2;
// Pipe connections refused before the ack, in a row, before falling back to gRPC.
constexpr int kMaxPipeRefusals = 3;
constexpr size_t kPipeReadChunk = 64 << 10;

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

void Peer::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "peer-send");
    Run();
  });
}

void Peer::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
    if (call_ != nullptr) call_->TryCancel();
    if (pipe_fd_ >= 0) shutdown(pipe_fd_, SHUT_RDWR);
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock l(&mu_);
  queue_.Clear();
  state_ = State::kStopped;
}

bool Peer::Enqueue(raftpb::Message msg) { return EnqueueAll(&msg, 1) == 0; }

size_t Peer::EnqueueAll(raftpb::Message* msgs, size_t n) {
  absl::MutexLock l(&mu_);
  if (stopping_ || state_ == State::kBackoff || state_ == State::kStopped) {
    status_.RecordDropped(n);
    return n;
  }
  if (pipe_fd_ >= 0) {
    const size_t cap = queue_.capacity();
    size_t fit = out_msgs_ >= cap ? 0 : std::min(n, cap - out_msgs_);
    if (fit > 0) {
      AppendToPipeLocked(msgs, fit);
      FlushPipeLocked();
      // Only what the socket could not take now needs the sender thread.
      if (out_off_ < out_.size() || pipe_errno_ != 0) cv_.Signal();
    }
    status_.RecordDropped(n - fit);
    return n - fit;
  }
  size_t dropped = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!queue_.Push(std::move(msgs[i]))) ++dropped;
  }
  status_.RecordDropped(dropped);
  if (dropped < n) cv_.Signal();
  return dropped;
}

void Peer::UpdateUrls(std::vector<std::string> urls) {
  absl::MutexLock l(&mu_);
  urls_ = urls;
  url_index_ = 0;
  urls_changed_ = true;
  pipe_refusals_ = 0;
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

void Peer::RecordPongLocked(uint64_t seq, Clock::TimePoint now) {
  if (seq != 0 && seq == ping_seq_) {
    status_.RecordRtt(now - ping_sent_, now);
  } else {
    status_.RecordContact(now);
  }
}

void Peer::MarkReaderDone() {
  absl::MutexLock l(&mu_);
  reader_done_ = true;
  cv_.SignalAll();
}

absl::Status Peer::CheckConnectionLocked(Clock::TimePoint now) {
  if (urls_changed_) {
    if (std::find(urls_.begin(), urls_.end(), current_url_) == urls_.end()) {
      return absl::UnavailableError(absl::StrCat("peer URLs of member ", HexId(id_), " changed"));
    }
    urls_changed_ = false;
  }
  const auto& last = status_.stats().last_contact;
  if (last.has_value() && now - *last > env_->options->contact_timeout) {
    return absl::UnavailableError(absl::StrCat(
        "no answer from member ", HexId(id_), " at ", current_url_, " for ",
        std::chrono::duration_cast<std::chrono::milliseconds>(now - *last).count(), "ms"));
  }
  return absl::OkStatus();
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
  if (absl::StatusOr<PeerUrl> target = ParsePeerUrl(url); target.ok() && target->scheme == "http") {
    bool use_pipe;
    {
      absl::MutexLock l(&mu_);
      use_pipe = pipe_refusals_ < kMaxPipeRefusals;
    }
    if (use_pipe) return RunPipe(*target, url, hs, connected);
  }

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
        Clock::TimePoint now = env_->clock->Now();
        if (absl::Status h = CheckConnectionLocked(now); !h.ok()) return h;
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

void Peer::ReadPongs(grpc::ClientReaderWriter<peerpb::PeerEnvelope, peerpb::PeerEnvelope>* stream) {
  peerpb::PeerEnvelope env;
  while (stream->Read(&env)) {
    if (!env.has_pong()) continue;
    Clock::TimePoint now = env_->clock->Now();
    absl::MutexLock l(&mu_);
    RecordPongLocked(env.pong().seq(), now);
  }
  MarkReaderDone();
}

absl::Status Peer::RunPipe(const PeerUrl& target, const std::string& url,
                           const peerpb::HandshakeResponse& hs, bool* connected) {
  const TransportOptions& opt = *env_->options;
  absl::StatusOr<int> dialed = DialTcp(target.host, target.port, opt.dial_timeout);
  if (!dialed.ok()) return Annotate(dialed.status(), id_, url);
  const int fd = *dialed;
  {
    std::string first(kPipeMagic);
    peerpb::PeerEnvelope hello;
    *hello.mutable_hello() = env_->local.Hello(id_);
    AppendEnvelopeFrame(hello, &first);
    if (!WriteAll(fd, first.data(), first.size())) {
      int err = errno;
      close(fd);
      return Annotate(absl::UnavailableError(absl::StrCat("write: ", std::strerror(err))), id_,
                      url);
    }
  }
  SetNonBlocking(fd, true);
  bool news = false;
  {
    absl::MutexLock l(&mu_);
    if (stopping_) {
      close(fd);
      return absl::CancelledError("peer transport stopped");
    }
    state_ = State::kConnected;
    current_url_ = url;
    reader_done_ = false;
    pipe_fd_ = fd;
    pipe_errno_ = 0;
    pipe_acked_ = false;
    out_.clear();
    out_off_ = 0;
    out_frames_.clear();
    out_msgs_ = 0;
    // What queued while connecting goes first, in order.
    while (!queue_.empty()) {
      std::vector<raftpb::Message> batch =
          queue_.PopBatch(opt.max_batch_messages, opt.max_batch_bytes);
      AppendToPipeLocked(batch.data(), batch.size());
    }
    FlushPipeLocked();
    news = status_.Activate(env_->clock->Now(), hs.name(), hs.version());
  }
  *connected = true;
  if (news) Report(PeerEvent::Kind::kActive, absl::OkStatus());
  std::thread reader([this, fd] {
    pthread_setname_np(pthread_self(), "peer-pong");
    ReadPipe(fd);
  });
  absl::Status why = PumpPipe(fd, url);
  size_t dropped = 0;
  {
    absl::MutexLock l(&mu_);
    pipe_fd_ = -1;
    dropped = out_msgs_;
    status_.RecordDropped(dropped);
    out_.clear();
    out_off_ = 0;
    out_frames_.clear();
    out_msgs_ = 0;
    if (pipe_acked_) {
      pipe_refusals_ = 0;
    } else if (!stopping_) {
      ++pipe_refusals_;
    }
  }
  shutdown(fd, SHUT_RDWR);
  reader.join();
  close(fd);
  if (dropped > 0) env_->handler->ReportUnreachable(id_);
  return why;
}

void Peer::AppendFrameLocked(size_t bytes, size_t msgs) {
  out_frames_.push_back(OutFrame{bytes, bytes, msgs});
  out_msgs_ += msgs;
}

void Peer::AppendToPipeLocked(raftpb::Message* msgs, size_t n) {
  const TransportOptions& opt = *env_->options;
  size_t start = 0;
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t size = msgs[i].ByteSizeLong();
    if (i > start && (i - start >= opt.max_batch_messages || bytes + size > opt.max_batch_bytes)) {
      AppendFrameLocked(AppendBatchFrame(msgs + start, i - start, &out_), i - start);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (n > start) AppendFrameLocked(AppendBatchFrame(msgs + start, n - start, &out_), n - start);
}

void Peer::FlushPipeLocked() {
  while (pipe_fd_ >= 0 && pipe_errno_ == 0 && out_off_ < out_.size()) {
    ssize_t w =
        send(pipe_fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        pipe_errno_ = errno;
        cv_.SignalAll();
      }
      break;
    }
    out_off_ += static_cast<size_t>(w);
    size_t k = static_cast<size_t>(w);
    while (k > 0 && !out_frames_.empty()) {
      OutFrame& f = out_frames_.front();
      size_t take = std::min(k, f.left);
      f.left -= take;
      k -= take;
      if (f.left == 0) {
        if (f.msgs > 0) {
          status_.RecordSent(f.msgs, f.size);
          out_msgs_ -= f.msgs;
        }
        out_frames_.pop_front();
      }
    }
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  } else if (out_off_ >= (1u << 20)) {
    out_.erase(0, out_off_);
    out_off_ = 0;
  }
}

absl::Status Peer::PumpPipe(int fd, const std::string& url) {
  const TransportOptions& opt = *env_->options;
  Clock::TimePoint next_ping = env_->clock->Now();
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      for (;;) {
        if (stopping_) return absl::CancelledError("peer transport stopped");
        if (pipe_errno_ != 0) {
          return Annotate(
              absl::UnavailableError(absl::StrCat("write: ", std::strerror(pipe_errno_))), id_,
              url);
        }
        if (reader_done_) {
          return Annotate(absl::UnavailableError("the remote closed the stream"), id_, url);
        }
        Clock::TimePoint now = env_->clock->Now();
        if (absl::Status h = CheckConnectionLocked(now); !h.ok()) return h;
        if (now >= next_ping) {
          peerpb::PeerEnvelope ping;
          ping.mutable_ping()->set_seq(++ping_seq_);
          ping_sent_ = now;
          next_ping = now + opt.ping_interval;
          AppendFrameLocked(AppendEnvelopeFrame(ping, &out_), 0);
          FlushPipeLocked();
          continue;
        }
        if (out_off_ < out_.size()) break;  // the socket is full: wait until writable
        cv_.WaitWithTimeout(&mu_, absl::FromChrono(next_ping - now));
      }
    }
    pollfd p{fd, POLLOUT, 0};
    (void)poll(&p, 1, 100);
    absl::MutexLock l(&mu_);
    FlushPipeLocked();
  }
}

void Peer::ReadPipe(int fd) {
  FrameReader reader(static_cast<size_t>(env_->options->max_receive_message_bytes));
  peerpb::PeerEnvelope env;
  for (;;) {
    absl::StatusOr<bool> got = reader.Next(&env);
    if (!got.ok()) break;
    if (!*got) {
      char* p = reader.Reserve(kPipeReadChunk);
      ssize_t r = recv(fd, p, kPipeReadChunk, 0);
      if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        pollfd pf{fd, POLLIN, 0};
        (void)poll(&pf, 1, -1);
        continue;
      }
      if (r <= 0) break;
      reader.Commit(static_cast<size_t>(r));
      continue;
    }
    if (!env.has_pong()) continue;
    Clock::TimePoint now = env_->clock->Now();
    absl::MutexLock l(&mu_);
    if (env.pong().seq() == 0) pipe_acked_ = true;  // the callee admitted us
    RecordPongLocked(env.pong().seq(), now);
  }
  MarkReaderDone();
}

}  // namespace etcd::transport
