#include "api/h2_front.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/grpc_call.h"
#include "api/grpc_wire.h"
#include "api/h2_mailbox.h"
#include "api/h2_relay.h"
#include "api/tls_peers.h"
#include "common/errors.h"
#include "etcdserverpb/rpc.pb.h"
#include "server/proposal_batch.h"

namespace etcd::api {
namespace {

using Clock = std::chrono::steady_clock;
using grpc_wire::KvMethod;

constexpr int32_t kStreamWindow = 4 << 20;  // per stream, both sessions
constexpr int32_t kConnWindow = 64 << 20;   // client connections
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kMaxEvents = 128;
constexpr uint64_t kWakeTag = 0;

using Item = H2Item;

nghttp2_nv StaticNv(std::string_view name, std::string_view value) {
  return nghttp2_nv{const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(name.data())),
                    const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(value.data())),
                    name.size(), value.size(),
                    NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
}

nghttp2_nv CopiedNv(std::string_view name, std::string_view value) {
  nghttp2_nv nv = StaticNv(name, value);
  nv.flags = NGHTTP2_NV_FLAG_NO_COPY_NAME;
  return nv;
}

std::optional<std::string_view> FindHeader(const H2Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

// Send what fits; false on a socket error (EAGAIN is not one).
bool SendSome(int fd, std::string* out, size_t* off) {
  if (*off == out->size()) return true;
  ssize_t n;
  do {
    n = send(fd, out->data() + *off, out->size() - *off, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
  *off += static_cast<size_t>(n);
  if (*off == out->size()) {
    out->clear();
    *off = 0;
  }
  return true;
}

}  // namespace

class H2Front::Worker {
 public:
  Worker(server::ServerApi* api, const H2FrontOptions& options, std::shared_ptr<Stats> stats)
      : api_(api), options_(options), stats_(std::move(stats)) {}

  ~Worker() {
    if (thread_.joinable()) thread_.join();
    if (callbacks_ != nullptr) nghttp2_session_callbacks_del(callbacks_);
    if (session_options_ != nullptr) nghttp2_option_del(session_options_);
    if (epoll_ >= 0) close(epoll_);
  }

  absl::Status Init() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0 || mailbox_->fd() < 0) return absl::InternalError("h2 front: epoll/eventfd");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, mailbox_->fd(), &ev);
    nghttp2_session_callbacks_new(&callbacks_);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks_, &Worker::OnBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(callbacks_, &Worker::OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks_, &Worker::OnFrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks_, &Worker::OnDataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks_, &Worker::OnStreamClose);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks_, &Worker::OnFrameSend);
    nghttp2_option_new(&session_options_);
    nghttp2_option_set_no_auto_window_update(session_options_, 1);
    // No HTTP messaging checks beyond HTTP/2 framing, as gRPC's server: etcdctl
    // --cluster sends ":authority: http://127.0.0.1:2379", which nghttp2's strict
    // validation resets with PROTOCOL_ERROR. The streams are classified by their
    // headers below; anything odd is relayed and gRPC judges it.
    nghttp2_option_set_no_http_messaging(session_options_, 1);
    return absl::OkStatus();
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Post(Item item) { mailbox_->Post(std::move(item)); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  struct Stream {
    enum class Kind { kUnknown, kNative, kRelay };
    enum class State { kReceiving, kWaiting, kAnswered };
    int32_t id = 0;
    Kind kind = Kind::kUnknown;
    State state = State::kReceiving;
    KvMethod method = KvMethod::kNone;
    H2Headers headers;
    std::string body;  // request bytes (native)
    std::string resp;  // framed answer being sent (native)
    size_t resp_off = 0;
  };

  struct Conn {
    uint64_t id = 0;
    int fd = -1;
    Worker* worker = nullptr;
    nghttp2_session* session = nullptr;
    std::string out;
    size_t out_off = 0;
    uint32_t events = 0;
    std::unique_ptr<H2Relay> relay;
    std::string relay_out;
    size_t relay_off = 0;
    uint32_t relay_events = 0;
    int relay_grpc_fd = -1;
    uint64_t relay_registration = 0;
    std::optional<TlsPeer> tls;
    std::unordered_map<int32_t, std::unique_ptr<Stream>> streams;
    bool dirty = false;
    bool closing = false;  // close once the output is sent (protocol error, GOAWAY)
    // Keepalive.
    bool ping_outstanding = false;
    uint64_t ping_serial = 0;
    std::optional<Clock::time_point> last_ping_recv;
    int ping_strikes = 0;

    size_t OutPending() const { return out.size() - out_off; }
    size_t RelayPending() const { return relay_out.size() - relay_off; }
  };

  struct Timer {
    enum class Kind { kDeadline, kPing, kPingTimeout };
    Clock::time_point at;
    uint64_t conn_id;
    int32_t stream_id;
    uint64_t serial;
    Kind kind;
    bool operator>(const Timer& o) const { return at > o.at; }
  };

  // ---- The loop ----

  void Run() {
    mailbox_->BindToThisThread();
    std::vector<Item> items;
    epoll_event events[kMaxEvents];
    bool stop = false;
    // Every worker state is touched with run_mu_ held: by this thread except while it
    // waits in epoll_wait, then by a thread posting an answer (H2Mailbox::SetDirect).
    run_mu_.Lock();
    mailbox_->SetDirect(&run_mu_, &Worker::Direct, this);
    while (!stop) {
      const int timeout = NextTimeoutMs();
      run_mu_.Unlock();
      const int n = epoll_wait(epoll_, events, kMaxEvents, timeout);
      run_mu_.Lock();
      // The KV writes read in this round share one raft turn, run when the round ends
      // (after its answers were flushed): one WAL sync and one append per follower.
      server::ProposalBatch batch(api_);
      for (int i = 0; i < n; ++i) {
        const uint64_t tag = events[i].data.u64;
        if (tag == kWakeTag) {
          mailbox_->Drain(&items);
          for (Item& item : items) stop |= Handle(std::move(item));
          items.clear();
          continue;
        }
        Conn* c = Find(tag >> 1);
        if (c == nullptr) continue;
        const bool relay_side = (tag & 1) != 0;
        const uint32_t ev = events[i].events;
        MarkDirty(c);
        if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
          if (relay_side) {
            ReadRelay(c);
          } else {
            ReadClient(c);  // may close c
          }
        }
      }
      ProcessLocal();
      RunTimers(Clock::now());
      FlushDirty();
    }
    // Stop: reset the calls still waiting, send what can be sent, close everything.
    std::vector<uint64_t> ids;
    for (auto& [id, c] : conns_) ids.push_back(id);
    for (uint64_t id : ids) {
      Conn* c = Find(id);
      for (auto& [sid, s] : c->streams) {
        if (s->kind == Stream::Kind::kNative && s->state != Stream::State::kAnswered) {
          nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, sid, NGHTTP2_CANCEL);
        }
      }
      Flush(c);
      if (Conn* still = Find(id)) CloseConn(still);
    }
    mailbox_->Close();
    run_mu_.Unlock();
  }

  // An answer handled by the thread that posted it (see Run); run_mu_ held.
  static void Direct(void* ctx, Item item) {
    auto* w = static_cast<Worker*>(ctx);
    w->Handle(std::move(item));
    w->ProcessLocal();
    w->FlushDirty();
    // Left for the worker (output to send again): its wait may be longer.
    if (!w->reflush_.empty()) w->mailbox_->Wake();
  }

  // Returns true for kStop.
  bool Handle(Item item) {
    switch (item.kind) {
      case Item::Kind::kConn:
        AddConn(item.fd);
        return false;
      case Item::Kind::kAnswer:
        Deliver(std::move(item));
        return false;
      case Item::Kind::kGoaway:
        shutting_down_ = true;
        for (auto& [id, c] : conns_) {
          nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                nghttp2_session_get_last_proc_stream_id(c->session),
                                NGHTTP2_NO_ERROR, nullptr, 0);
          MarkDirty(c.get());
        }
        return false;
      case Item::Kind::kStop:
        return true;
    }
    return false;
  }

  void ProcessLocal() {
    while (!mailbox_->local.empty()) {
      std::vector<Item> items;
      items.swap(mailbox_->local);
      for (Item& item : items) Handle(std::move(item));
    }
  }

  int NextTimeoutMs() {
    // Answers posted by this thread itself (a deferred raft turn at the end of the round
    // may commit and apply on it) are taken without blocking.
    if (!reflush_.empty() || !mailbox_->local.empty()) return 0;
    if (timers_.empty()) return -1;
    const auto wait = timers_.top().at - Clock::now();
    if (wait <= Clock::duration::zero()) return 0;
    return static_cast<int>(std::min<int64_t>(
        std::chrono::ceil<std::chrono::milliseconds>(wait).count(), 60 * 60 * 1000));
  }

  Conn* Find(uint64_t id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
  }

  void MarkDirty(Conn* c) {
    if (c->dirty) return;
    c->dirty = true;
    dirty_.push_back(c->id);
  }

  // ---- Connections ----

  void AddConn(int fd) {
    auto c = std::make_unique<Conn>();
    c->id = next_conn_id_++;
    c->fd = fd;
    c->worker = this;
    if (nghttp2_session_server_new2(&c->session, callbacks_, c.get(), session_options_) != 0) {
      close(fd);
      return;
    }
    const uint32_t max_streams = std::min<uint32_t>(options_.max_concurrent_streams, INT32_MAX);
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindow)},
        {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 1 << 20},
    };
    nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, settings, 3);
    nghttp2_session_set_local_window_size(c->session, NGHTTP2_FLAG_NONE, 0, kConnWindow);
    if (shutting_down_) {
      nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
    }
    c->tls = LookupTlsPeer(fd);  // registered by the TLS front door before the hand-off
    // Answers go out at once (as gRPC does); fails harmlessly on unix sockets.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->events = EPOLLIN;
    epoll_event ev{};
    ev.events = c->events;
    ev.data.u64 = c->id << 1;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    if (options_.keepalive_interval.count() > 0) {
      timers_.push(
          Timer{Clock::now() + options_.keepalive_interval, c->id, 0, 0, Timer::Kind::kPing});
    }
    Conn* raw = c.get();
    conns_[c->id] = std::move(c);
    MarkDirty(raw);
  }

  void CloseConn(Conn* c) {
    for (auto& [sid, s] : c->streams) {
      if (s->kind == Stream::Kind::kNative && s->state == Stream::State::kWaiting) {
        stats_->native_waiting.fetch_sub(1);
      }
    }
    DropRelay(c);  // before the session it refers to
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
    nghttp2_session_del(c->session);  // no callbacks
    close(c->fd);
    conns_.erase(c->id);
  }

  void ReadClient(Conn* c) {
    for (int i = 0; i < 4; ++i) {
      const ssize_t n = recv(c->fd, buf_, kReadChunk, 0);
      if (n > 0) {
        if (nghttp2_session_mem_recv(c->session, buf_, static_cast<size_t>(n)) < 0) {
          c->closing = true;  // nghttp2 queued a GOAWAY: send it, then close
          return;
        }
        if (static_cast<size_t>(n) < kReadChunk) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      CloseConn(c);  // EOF or error
      return;
    }
  }

  void ReadRelay(Conn* c) {
    if (c->relay == nullptr) return;
    for (int i = 0; i < 4; ++i) {
      const ssize_t n = recv(c->relay->fd(), buf_, kReadChunk, 0);
      if (n > 0) {
        if (!c->relay->Receive(buf_, static_cast<size_t>(n))) {
          BreakRelay(c);
          return;
        }
        if (static_cast<size_t>(n) < kReadChunk) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      BreakRelay(c);
      return;
    }
  }

  // Sends the output of every connection touched this turn: one send per socket.
  void FlushDirty() {
    std::vector<uint64_t> ids;
    ids.swap(dirty_);
    for (uint64_t id : reflush_) ids.push_back(id);
    reflush_.clear();
    for (uint64_t id : ids) {
      if (Conn* c = Find(id)) {
        c->dirty = false;
        Flush(c);
      }
    }
  }

  void Flush(Conn* c) {
    const size_t bound = options_.output_bound;
    // Each session's output may free window on the other one (consume): go round until
    // neither has more, or both buffers are full.
    bool more = true;
    for (int round = 0; more && round < 8; ++round) {
      more = false;
      if (c->relay != nullptr) {
        const size_t before = c->relay_out.size();
        if (!c->relay->Fill(&c->relay_out, c->relay_off + bound)) {
          BreakRelay(c);
        } else if (c->relay_out.size() != before) {
          more = true;
        }
      }
      const size_t before = c->out.size();
      while (c->out.size() < c->out_off + bound) {
        const uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(c->session, &data);
        if (n < 0) {
          CloseConn(c);
          return;
        }
        if (n == 0) break;
        c->out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
      if (c->out.size() != before) more = true;
    }
    if (c->relay != nullptr) {
      if (!SendSome(c->relay->fd(), &c->relay_out, &c->relay_off)) {
        BreakRelay(c);
      } else if (c->relay->Finished() && c->RelayPending() == 0) {
        BreakRelay(c);
      } else if (c->RelayPending() < bound && c->relay->WantWrite()) {
        more = true;  // stopped at the bound, and the socket took it all
      }
    }
    if (!SendSome(c->fd, &c->out, &c->out_off)) {
      CloseConn(c);
      return;
    }
    if (c->OutPending() < bound && nghttp2_session_want_write(c->session) != 0) more = true;
    // Next turn, without waiting: nothing else would wake us for it.
    if (more) reflush_.push_back(c->id);
    if (c->OutPending() == 0 && (c->closing || (nghttp2_session_want_read(c->session) == 0 &&
                                                nghttp2_session_want_write(c->session) == 0))) {
      CloseConn(c);
      return;
    }
    const bool full = c->OutPending() >= bound || c->RelayPending() >= bound;
    uint32_t want = (c->closing || full) ? 0u : uint32_t{EPOLLIN};
    if (c->OutPending() > 0) want |= uint32_t{EPOLLOUT};
    if (want != c->events) {
      epoll_event ev{};
      ev.events = want;
      ev.data.u64 = c->id << 1;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c->fd, &ev);
      c->events = want;
    }
    if (c->relay != nullptr) {
      // The relay is read whenever its own output has room: what it brings for the
      // client waits in its streams, bounded by the HTTP/2 windows, so gRPC never meets
      // a full socket (its write backup poller would delay grpc_shutdown by 10 s).
      uint32_t rwant = c->RelayPending() >= bound ? 0u : uint32_t{EPOLLIN};
      if (c->RelayPending() > 0) rwant |= uint32_t{EPOLLOUT};
      if (rwant != c->relay_events) {
        epoll_event ev{};
        ev.events = rwant;
        ev.data.u64 = (c->id << 1) | 1;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c->relay->fd(), &ev);
        c->relay_events = rwant;
      }
    }
  }

  // ---- The relay ----

  bool EnsureRelay(Conn* c) {
    if (c->relay != nullptr) return true;
    if (!options_.serve_grpc) return false;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return false;
    c->relay = H2Relay::Create(sv[0], c->session, &Worker::ReadRelayed, kStreamWindow);
    if (c->relay == nullptr) {
      close(sv[0]);
      close(sv[1]);
      return false;
    }
    // Cert auth on relayed calls: gRPC looks the CN up by its fd ("fd:<n>").
    if (c->tls.has_value()) c->relay_registration = RegisterTlsPeer(sv[1], *c->tls);
    c->relay_grpc_fd = sv[1];
    options_.serve_grpc(sv[1]);
    c->relay_events = EPOLLIN;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = (c->id << 1) | 1;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, sv[0], &ev);
    return true;
  }

  // The relay connection failed or ended: reset the streams it carried.
  void BreakRelay(Conn* c) {
    if (c->relay == nullptr) return;
    c->relay->ResetDownstream();
    DropRelay(c);
    MarkDirty(c);
  }

  void DropRelay(Conn* c) {
    if (c->relay == nullptr) return;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c->relay->fd(), nullptr);
    c->relay.reset();  // closes our end; gRPC sees EOF and closes its end
    if (c->relay_registration != 0) UnregisterTlsPeer(c->relay_grpc_fd, c->relay_registration);
    c->relay_registration = 0;
    c->relay_grpc_fd = -1;
    c->relay_out.clear();
    c->relay_off = 0;
    c->relay_events = 0;
  }

  static ssize_t ReadRelayed(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t len,
                             uint32_t* flags, nghttp2_data_source*, void* user) {
    auto* c = static_cast<Conn*>(user);
    if (c->relay == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    return c->relay->ReadResponse(stream_id, buf, len, flags);
  }

  // ---- Timers ----

  void RunTimers(Clock::time_point now) {
    while (!timers_.empty() && timers_.top().at <= now) {
      const Timer t = timers_.top();
      timers_.pop();
      Conn* c = Find(t.conn_id);
      if (c == nullptr) continue;
      switch (t.kind) {
        case Timer::Kind::kDeadline: {
          auto it = c->streams.find(t.stream_id);
          if (it != c->streams.end() && it->second->kind == Stream::Kind::kNative &&
              it->second->state != Stream::State::kAnswered) {
            Fail(c, it->second.get(), absl::DeadlineExceededError("Deadline Exceeded"));
            MarkDirty(c);
          }
          break;
        }
        case Timer::Kind::kPing:
          if (!c->ping_outstanding) {
            c->ping_outstanding = true;
            ++c->ping_serial;
            nghttp2_submit_ping(c->session, NGHTTP2_FLAG_NONE, nullptr);
            timers_.push(Timer{now + options_.keepalive_timeout, c->id, 0, c->ping_serial,
                               Timer::Kind::kPingTimeout});
            MarkDirty(c);
          }
          break;
        case Timer::Kind::kPingTimeout:
          if (c->ping_outstanding && c->ping_serial == t.serial) CloseConn(c);
          break;
      }
    }
  }

  // ---- Native calls ----

  // Answers a native stream with a trailers-only error.
  void Fail(Conn* c, Stream* s, const absl::Status& status) {
    if (s->state == Stream::State::kWaiting) stats_->native_waiting.fetch_sub(1);
    s->state = Stream::State::kAnswered;
    s->body.clear();
    SubmitError(c, s->id, status);
  }

  static void SubmitError(Conn* c, int32_t stream_id, const absl::Status& status) {
    const std::string code = std::to_string(static_cast<int>(status.code()));
    const std::string message = grpc_wire::PercentEncode(
        std::string_view(status.message().data(), status.message().size()));
    nghttp2_nv nva[] = {
        StaticNv(":status", "200"),
        StaticNv("content-type", "application/grpc"),
        CopiedNv("grpc-status", code),
        CopiedNv("grpc-message", message),
    };
    nghttp2_submit_response(c->session, stream_id, nva, 4, nullptr);
  }

  void Deliver(Item item) {
    Conn* c = Find(item.conn_id);
    if (c == nullptr) return;  // the connection is gone: drop the answer
    auto it = c->streams.find(item.stream_id);
    if (it == c->streams.end()) return;  // reset by the client: drop
    Stream* s = it->second.get();
    if (s->kind != Stream::Kind::kNative || s->state != Stream::State::kWaiting) return;
    MarkDirty(c);
    if (!item.status.ok()) {
      Fail(c, s, item.status);
      return;
    }
    stats_->native_waiting.fetch_sub(1);
    s->state = Stream::State::kAnswered;
    s->resp = std::move(item.body);
    s->resp_off = 0;
    nghttp2_nv nva[] = {
        StaticNv(":status", "200"),
        StaticNv("content-type", "application/grpc"),
    };
    nghttp2_data_provider prd;
    prd.source.ptr = nullptr;
    prd.read_callback = &Worker::ReadNative;
    nghttp2_submit_response(c->session, s->id, nva, 2, &prd);
  }

  static ssize_t ReadNative(nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t len,
                            uint32_t* flags, nghttp2_data_source*, void*) {
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
    if (s == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const size_t n = std::min(len, s->resp.size() - s->resp_off);
    memcpy(buf, s->resp.data() + s->resp_off, n);
    s->resp_off += n;
    if (s->resp_off == s->resp.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
      nghttp2_nv trailers[] = {StaticNv("grpc-status", "0")};
      nghttp2_submit_trailer(session, stream_id, trailers, 1);
      std::string().swap(s->resp);
      s->resp_off = 0;
    }
    return static_cast<ssize_t>(n);
  }

  // The request is complete: parse it and start the call.
  void Dispatch(Conn* c, Stream* s) {
    std::optional<grpc_wire::FrameHeader> h = grpc_wire::ParseFrameHeader(s->body);
    if (!h.has_value()) {
      Fail(c, s, absl::InternalError("grpc: error while reading the request message"));
      return;
    }
    if (h->compressed) {
      Fail(c, s, absl::InternalError("grpc: compressed flag set with identity or empty encoder"));
      return;
    }
    if (s->body.size() != grpc_wire::kFrameHeaderBytes + h->length) {
      Fail(c, s, absl::InternalError("grpc: unary request with more than one message"));
      return;
    }
    const std::string_view msg(s->body.data() + grpc_wire::kFrameHeaderBytes, h->length);
    switch (s->method) {
      case KvMethod::kRange:
        Start(c, s, msg, &server::ServerApi::Range);
        break;
      case KvMethod::kPut:
        Start(c, s, msg, &server::ServerApi::Put);
        break;
      case KvMethod::kDeleteRange:
        Start(c, s, msg, &server::ServerApi::DeleteRange);
        break;
      case KvMethod::kTxn:
        Start(c, s, msg, &server::ServerApi::Txn);
        break;
      case KvMethod::kNone:
        break;
    }
  }

  template <typename Req, typename Resp>
  void Start(Conn* c, Stream* s, std::string_view msg,
             void (server::ServerApi::*method)(const server::RequestContext&, const Req&,
                                               server::Done<Resp>)) {
    Req req;
    if (!req.ParseFromArray(msg.data(), static_cast<int>(msg.size()))) {
      Fail(c, s, absl::InternalError("grpc: error unmarshalling request"));
      return;
    }
    if (absl::Status st = CheckRequestSize(req, options_.max_request_bytes); !st.ok()) {
      Fail(c, s, st);
      return;
    }
    const H2Headers& headers = s->headers;
    server::RequestContext ctx =
        ContextFromHeaders([&headers](std::string_view name) { return FindHeader(headers, name); },
                           c->tls.has_value() ? c->tls->common_name : std::string());
    s->state = Stream::State::kWaiting;
    std::string().swap(s->body);
    H2Headers().swap(s->headers);
    stats_->native_waiting.fetch_add(1);
    stats_->native_calls.fetch_add(1);
    (api_->*method)(
        ctx, req,
        [mailbox = mailbox_, conn_id = c->id, stream_id = s->id](absl::StatusOr<Resp> result) {
          Item item;
          item.kind = Item::Kind::kAnswer;
          item.conn_id = conn_id;
          item.stream_id = stream_id;
          if (result.ok()) {
            const size_t n = result->ByteSizeLong();
            item.body.reserve(grpc_wire::kFrameHeaderBytes + n);
            grpc_wire::AppendFrameHeader(&item.body, static_cast<uint32_t>(n));
            item.body.resize(grpc_wire::kFrameHeaderBytes + n);
            result->SerializeWithCachedSizesToArray(
                reinterpret_cast<uint8_t*>(item.body.data() + grpc_wire::kFrameHeaderBytes));
          } else {
            item.status = result.status();
          }
          mailbox->Post(std::move(item));
        });
  }

  // Decides, once the request headers are complete, who serves the stream.
  void Classify(Conn* c, Stream* s, bool end_stream) {
    const auto path = FindHeader(s->headers, ":path");
    const KvMethod m = path ? grpc_wire::KvMethodForPath(*path) : KvMethod::kNone;
    bool native = m != KvMethod::kNone && FindHeader(s->headers, ":method") == "POST";
    if (native) {
      const auto ct = FindHeader(s->headers, "content-type");
      const auto enc = FindHeader(s->headers, "grpc-encoding");
      native = ct.has_value() && grpc_wire::IsProtoGrpcContentType(*ct) &&
               (!enc.has_value() || *enc == "identity");
    }
    if (native) {
      s->kind = Stream::Kind::kNative;
      s->method = m;
      if (auto t = FindHeader(s->headers, "grpc-timeout")) {
        if (auto d = grpc_wire::ParseTimeout(*t)) {
          timers_.push(Timer{Clock::now() + std::chrono::duration_cast<Clock::duration>(*d), c->id,
                             s->id, 0, Timer::Kind::kDeadline});
        }
      }
      if (end_stream) Dispatch(c, s);
      return;
    }
    s->kind = Stream::Kind::kRelay;
    stats_->relayed_streams.fetch_add(1);
    if (!EnsureRelay(c) || !c->relay->OpenStream(s->id, s->headers, end_stream)) {
      nghttp2_submit_rst_stream(c->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_REFUSED_STREAM);
    }
    H2Headers().swap(s->headers);
  }

  // ---- Server session callbacks (user data: the Conn) ----

  static int OnBeginHeaders(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto* c = static_cast<Conn*>(user);
    auto s = std::make_unique<Stream>();
    s->id = frame->hd.stream_id;
    nghttp2_session_set_stream_user_data(session, s->id, s.get());
    c->streams[s->id] = std::move(s);
    return 0;
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto* s =
        static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
    if (s == nullptr) return 0;
    s->headers.emplace_back(std::string(reinterpret_cast<const char*>(name), namelen),
                            std::string(reinterpret_cast<const char*>(value), valuelen));
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    auto* c = static_cast<Conn*>(user);
    Worker* w = c->worker;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA: {
        auto* s = static_cast<Stream*>(
            nghttp2_session_get_stream_user_data(session, frame->hd.stream_id));
        if (s == nullptr) return 0;
        const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
          w->Classify(c, s, end_stream);
        } else if (end_stream) {
          if (s->kind == Stream::Kind::kNative && s->state == Stream::State::kReceiving) {
            w->Dispatch(c, s);
          } else if (s->kind == Stream::Kind::kRelay && c->relay != nullptr) {
            c->relay->OnRequestEnd(s->id);
          }
        }
        return 0;
      }
      case NGHTTP2_PING:
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) {
          if (c->ping_outstanding) {
            c->ping_outstanding = false;
            w->timers_.push(Timer{Clock::now() + w->options_.keepalive_interval, c->id, 0, 0,
                                  Timer::Kind::kPing});
          }
        } else {
          w->OnClientPing(c);
        }
        return 0;
      default:
        return 0;
    }
  }

  // gRPC's server ping policy: a ping sooner than keepalive_min_time after the previous
  // one, with no data or headers sent in between, is a strike; the third one ends the
  // connection with GOAWAY ENHANCE_YOUR_CALM "too_many_pings".
  void OnClientPing(Conn* c) {
    const auto now = Clock::now();
    if (c->last_ping_recv.has_value() && now - *c->last_ping_recv < options_.keepalive_min_time) {
      if (++c->ping_strikes > 2) {
        static constexpr char kDebug[] = "too_many_pings";
        nghttp2_submit_goaway(
            c->session, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(c->session),
            NGHTTP2_ENHANCE_YOUR_CALM, reinterpret_cast<const uint8_t*>(kDebug), sizeof kDebug - 1);
        c->closing = true;
      }
    }
    c->last_ping_recv = now;
  }

  static int OnFrameSend(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) {
      auto* c = static_cast<Conn*>(user);
      c->ping_strikes = 0;
      c->last_ping_recv.reset();
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data,
                         size_t len, void* user) {
    auto* c = static_cast<Conn*>(user);
    auto* s = static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
    if (s == nullptr || s->kind == Stream::Kind::kUnknown) {
      H2Consume(session, stream_id, len);
      return 0;
    }
    if (s->kind == Stream::Kind::kRelay) {
      if (c->relay != nullptr) {
        c->relay->OnRequestData(stream_id, data, len);
      } else {
        H2Consume(session, stream_id, len);
      }
      return 0;
    }
    H2Consume(session, stream_id, len);
    if (s->state != Stream::State::kReceiving) return 0;  // answered early: discard
    s->body.append(reinterpret_cast<const char*>(data), len);
    if (s->body.size() < grpc_wire::kFrameHeaderBytes) return 0;
    Worker* w = c->worker;
    std::optional<grpc_wire::FrameHeader> h = grpc_wire::ParseFrameHeader(s->body);
    if (!h.has_value()) {
      w->Fail(c, s, absl::InternalError("grpc: invalid message frame"));
    } else if (w->options_.max_request_bytes > 0 && h->length > w->options_.max_request_bytes) {
      // Go's check on the length prefix, before the message is read.
      w->Fail(c, s, errors::MessageTooLarge(h->length, w->options_.max_request_bytes));
    } else if (s->body.size() > grpc_wire::kFrameHeaderBytes + h->length) {
      w->Fail(c, s, absl::InternalError("grpc: unary request with more than one message"));
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                           void* user) {
    auto* c = static_cast<Conn*>(user);
    auto it = c->streams.find(stream_id);
    if (it == c->streams.end()) return 0;
    Stream* s = it->second.get();
    if (s->kind == Stream::Kind::kNative && s->state == Stream::State::kWaiting) {
      c->worker->stats_->native_waiting.fetch_sub(1);  // the late answer is dropped
    } else if (s->kind == Stream::Kind::kRelay && c->relay != nullptr) {
      c->relay->OnDownstreamClose(stream_id, error_code);
    }
    nghttp2_session_set_stream_user_data(session, stream_id, nullptr);
    c->streams.erase(it);
    return 0;
  }

  server::ServerApi* const api_;
  const H2FrontOptions options_;
  const std::shared_ptr<Stats> stats_;
  const std::shared_ptr<H2Mailbox> mailbox_ = std::make_shared<H2Mailbox>();
  absl::Mutex run_mu_;  // see Run
  int epoll_ = -1;
  nghttp2_session_callbacks* callbacks_ = nullptr;
  nghttp2_option* session_options_ = nullptr;
  std::thread thread_;
  // Worker thread only:
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  uint64_t next_conn_id_ = 1;
  std::vector<uint64_t> dirty_;
  std::vector<uint64_t> reflush_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  bool shutting_down_ = false;
  uint8_t buf_[kReadChunk];
};

absl::StatusOr<std::unique_ptr<H2Front>> H2Front::Start(server::ServerApi* api,
                                                        const H2FrontOptions& options) {
  std::unique_ptr<H2Front> front(new H2Front());
  const int threads = std::max(options.threads, 1);
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(api, options, front->stats_);
    RETURN_IF_ERROR(w->Init());
    front->workers_.push_back(std::move(w));
  }
  for (auto& w : front->workers_) w->Start();
  return front;
}

H2Front::~H2Front() { Stop(Clock::now()); }

void H2Front::Add(int fd) {
  if (workers_.empty()) {
    close(fd);
    return;
  }
  Item item;
  item.kind = Item::Kind::kConn;
  item.fd = fd;
  workers_[next_.fetch_add(1) % workers_.size()]->Post(std::move(item));
}

void H2Front::BeginShutdown() {
  for (auto& w : workers_) {
    Item item;
    item.kind = Item::Kind::kGoaway;
    w->Post(std::move(item));
  }
}

void H2Front::Stop(Clock::time_point deadline) {
  if (stopped_) return;
  stopped_ = true;
  BeginShutdown();
  while (stats_->native_waiting.load() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& w : workers_) {
    Item item;
    item.kind = Item::Kind::kStop;
    w->Post(std::move(item));
  }
  for (auto& w : workers_) w->Join();
}

}  // namespace etcd::api
