#include "tools/benchmark/h2_driver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/grpc_wire.h"
#include "client/status.h"

namespace etcd::benchmark {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadBuffer = 256 * 1024;
// Output a socket may hold beyond what the kernel took; nghttp2 queues the rest.
constexpr size_t kMaxPendingOutput = 4 * 1024 * 1024;
constexpr int32_t kStreamWindow = 16 * 1024 * 1024;
constexpr int32_t kConnectionWindow = 1 << 30;
// gRPC's reconnect backoff as the benchmark's channels set it (cq_driver.cc).
constexpr double kInitialBackoffMs = 100;
constexpr double kBackoffMultiplier = 1.6;
constexpr double kMaxBackoffMs = 2000;
constexpr int kMaxEvents = 256;

// gRPC's mapping of an HTTP status that came without grpc-status.
absl::StatusCode HttpToCode(int http) {
  switch (http) {
    case 400:
      return absl::StatusCode::kInternal;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kUnknown;
  }
}

// gRPC's mapping of an RST_STREAM error code.
absl::StatusCode ResetToCode(uint32_t code) {
  switch (code) {
    case NGHTTP2_REFUSED_STREAM:
      return absl::StatusCode::kUnavailable;
    case NGHTTP2_CANCEL:
      return absl::StatusCode::kCancelled;
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return absl::StatusCode::kResourceExhausted;
    case NGHTTP2_INADEQUATE_SECURITY:
      return absl::StatusCode::kPermissionDenied;
    default:
      return absl::StatusCode::kInternal;
  }
}

// A decimal header value; -1 if it is not one.
int HeaderNumber(std::string_view s) {
  if (s.empty() || s.size() > 6) return -1;
  int x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    x = x * 10 + (c - '0');
  }
  return x;
}

nghttp2_nv Header(const char* name, const char* value, size_t value_len) {
  nghttp2_nv nv;
  nv.name = reinterpret_cast<uint8_t*>(const_cast<char*>(name));
  nv.namelen = std::strlen(name);
  nv.value = reinterpret_cast<uint8_t*>(const_cast<char*>(value));
  nv.valuelen = value_len;
  nv.flags = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
  return nv;
}

absl::Status DialError(const std::string& address, int err) {
  return absl::UnavailableError(
      "failed to connect to all addresses; last error: UNKNOWN: " + address +
      ": Failed to connect to remote host: " + std::strerror(err));
}

}  // namespace

std::string DecodeGrpcMessage(std::string_view in) { return api::grpc_wire::PercentDecode(in); }

absl::Status H2StreamStatus(const H2ClosedLoop::Slot& slot) {
  if (slot.grpc_status >= 0) {
    if (slot.grpc_status == 0) return absl::OkStatus();
    const int code =
        slot.grpc_status <= 16 ? slot.grpc_status : static_cast<int>(absl::StatusCode::kUnknown);
    return absl::Status(static_cast<absl::StatusCode>(code), slot.grpc_message);
  }
  if (slot.reset_code != 0) {
    return absl::Status(ResetToCode(slot.reset_code), slot.reset_code == NGHTTP2_REFUSED_STREAM
                                                          ? std::string("Stream refused by server")
                                                          : "Received RST_STREAM with error code " +
                                                                std::to_string(slot.reset_code));
  }
  if (slot.http_status != 200) {
    return absl::Status(HttpToCode(slot.http_status),
                        "Received http2 header with status: " + std::to_string(slot.http_status));
  }
  return absl::UnknownError("No grpc-status in the response trailers");
}

struct H2ClosedLoop::Endpoint {
  std::string authority;  // :authority
  std::string address;    // for errors, as gRPC names it ("ipv4:127.0.0.1:2379")
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  absl::Status resolve_error;  // not OK: every dial fails with it
};

struct H2ClosedLoop::Socket {
  enum class State { kIdle, kConnecting, kConnected, kFailed };
  H2ClosedLoop* loop = nullptr;
  Worker* worker = nullptr;
  size_t index = 0;  // in sockets_
  size_t endpoint = 0;
  State state = State::kIdle;
  int fd = -1;
  nghttp2_session* session = nullptr;
  std::vector<Slot*> inflight;
  std::string out;  // output nghttp2 produced that the kernel has not taken yet
  size_t out_off = 0;
  bool epollout = false;  // EPOLLOUT is registered
  bool dirty = false;     // queued for this iteration's flush
  bool goaway = false;    // the server sent GOAWAY: no new streams here
  bool draining = false;  // replaced after GOAWAY; closed when its calls are done
  SteadyClock::time_point retry_at;
  double backoff_ms = kInitialBackoffMs;
  absl::Status failure;  // kFailed: what calls fail with until retry_at
  nghttp2_nv nva[6];
};

struct H2ClosedLoop::Worker {
  int epfd = -1;
  int evfd = -1;
  std::thread thread;
  std::vector<Socket*> dirty;
  std::vector<Slot*> done;  // finished attempts not yet processed
  std::vector<Slot*> batch;
  std::vector<std::unique_ptr<Socket>> draining;
  std::unique_ptr<uint8_t[]> buf{new uint8_t[kReadBuffer]};
  absl::Mutex inbox_mu;
  std::vector<std::pair<Slot*, int64_t>> inbox ABSL_GUARDED_BY(inbox_mu);  // from the pacer
  std::vector<std::pair<Slot*, int64_t>> inbox_batch;
  ~Worker() {
    if (epfd >= 0) close(epfd);
    if (evfd >= 0) close(evfd);
  }
};

// nghttp2's callbacks (user_data: the Socket).
struct H2Access {
  static H2ClosedLoop::Slot* StreamSlot(nghttp2_session* session, int32_t stream_id) {
    return static_cast<H2ClosedLoop::Slot*>(
        nghttp2_session_get_stream_user_data(session, stream_id));
  }
  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    H2ClosedLoop::Slot* slot = StreamSlot(session, frame->hd.stream_id);
    if (slot == nullptr) return 0;
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") {
      slot->http_status = HeaderNumber(v);
    } else if (n == "grpc-status") {
      slot->grpc_status = HeaderNumber(v);
      if (slot->grpc_status < 0) slot->grpc_status = static_cast<int>(absl::StatusCode::kUnknown);
    } else if (n == "grpc-message") {
      slot->grpc_message = DecodeGrpcMessage(v);
    }
    return 0;
  }
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      static_cast<H2ClosedLoop::Socket*>(user_data)->goaway = true;
    }
    return 0;
  }
  static int OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t error_code,
                           void* user_data) {
    H2ClosedLoop::Slot* slot = StreamSlot(session, stream_id);
    if (slot == nullptr) return 0;
    auto* socket = static_cast<H2ClosedLoop::Socket*>(user_data);
    slot->reset_code = error_code;
    socket->loop->StreamClosed(socket, slot);
    return 0;
  }
  static ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source* source, void*) {
    auto* slot = static_cast<H2ClosedLoop::Slot*>(source->ptr);
    const size_t n = std::min(length, slot->body.size() - slot->body_sent);
    std::memcpy(buf, slot->body.data() + slot->body_sent, n);
    slot->body_sent += n;
    if (slot->body_sent == slot->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

namespace {

struct Nghttp2Setup {
  Nghttp2Setup() {
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, H2Access::OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, H2Access::OnFrameRecv);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, H2Access::OnStreamClose);
    nghttp2_option_new(&option);
    // Only :status and the grpc-* fields are read: no HTTP semantics checks.
    nghttp2_option_set_no_http_messaging(option, 1);
    nghttp2_option_set_no_closed_streams(option, 1);
  }
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_option* option = nullptr;
};

// Process-wide and immutable once made (never freed: nghttp2 only reads them).
const Nghttp2Setup& Setup() {
  static const Nghttp2Setup* setup = new Nghttp2Setup();
  return *setup;
}

// "host:port", "[v6]:port" or "unix:path" -> the address to dial (resolved once).
void Resolve(const std::string& target, H2ClosedLoop::Endpoint* ep) {
  if (target.rfind("unix:", 0) == 0) {
    const std::string path = target.substr(5);
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(un.sun_path)) {
      ep->resolve_error = absl::UnavailableError("invalid unix socket path: " + path);
      return;
    }
    std::memcpy(un.sun_path, path.data(), path.size());
    std::memcpy(&ep->addr, &un, sizeof(un));
    ep->addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    ep->authority = "localhost";
    ep->address = target;
    return;
  }
  ep->authority = target;
  std::string host;
  std::string port;
  if (!target.empty() && target[0] == '[') {
    const size_t close = target.find(']');
    if (close != std::string::npos) {
      host = target.substr(1, close - 1);
      if (close + 1 < target.size() && target[close + 1] == ':') port = target.substr(close + 2);
    }
  } else if (const size_t colon = target.rfind(':'); colon != std::string::npos) {
    host = target.substr(0, colon);
    port = target.substr(colon + 1);
  }
  if (host.empty() || port.empty()) {
    ep->resolve_error =
        absl::UnavailableError("DNS resolution failed for " + target + ": no host or port");
    return;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    ep->resolve_error =
        absl::UnavailableError("DNS resolution failed for " + target + ": " + gai_strerror(rc));
    return;
  }
  std::memcpy(&ep->addr, res->ai_addr, res->ai_addrlen);
  ep->addr_len = res->ai_addrlen;
  char text[INET6_ADDRSTRLEN] = {};
  if (res->ai_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, text, sizeof(text));
    ep->address = std::string("ipv4:") + text + ":" + port;
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, text,
              sizeof(text));
    ep->address = std::string("ipv6:[") + text + "]:" + port;
  }
  freeaddrinfo(res);
}

}  // namespace

void H2ClosedLoop::Slot::Frame(const google::protobuf::MessageLite& req) {
  const size_t size = req.ByteSizeLong();
  body.resize(5 + size);
  auto* p = reinterpret_cast<uint8_t*>(body.data());
  p[0] = 0;  // not compressed
  p[1] = static_cast<uint8_t>(size >> 24);
  p[2] = static_cast<uint8_t>(size >> 16);
  p[3] = static_cast<uint8_t>(size >> 8);
  p[4] = static_cast<uint8_t>(size);
  req.SerializeWithCachedSizesToArray(p + 5);
}

H2ClosedLoop::H2ClosedLoop(std::vector<std::string> targets, Options options, Report* report,
                           ErrorText error_text)
    : options_(options), report_(report), error_text_(std::move(error_text)) {
  for (const auto& t : targets) {
    auto ep = std::make_unique<Endpoint>();
    Resolve(t, ep.get());
    endpoints_.push_back(std::move(ep));
  }
  max_attempts_ = std::max<int>(2, 2 * static_cast<int>(endpoints_.size()));
}

H2ClosedLoop::~H2ClosedLoop() {
  pacer_.Stop();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  for (auto& s : sockets_) {
    if (s) CloseSocket(s.get());
  }
  for (auto& w : workers_) {
    for (auto& s : w->draining) CloseSocket(s.get());
  }
}

absl::Status H2ClosedLoop::RunSlots(bool mutating, const char* path) {
  if (ran_) return absl::FailedPreconditionError("H2ClosedLoop::Run is once per object");
  ran_ = true;
  mutating_ = mutating;
  path_ = path;
  const size_t conns = std::max<size_t>(options_.conns, 1);
  const size_t nthreads = std::clamp<size_t>(options_.threads, 1, conns);
  for (size_t t = 0; t < nthreads; ++t) {
    auto w = std::make_unique<Worker>();
    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->epfd < 0 || w->evfd < 0) {
      return absl::InternalError(std::string("epoll/eventfd: ") + std::strerror(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the wake-up eventfd
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) != 0) {
      return absl::InternalError(std::string("epoll_ctl: ") + std::strerror(errno));
    }
    workers_.push_back(std::move(w));
  }
  const size_t nendpoints = endpoints_.size();
  for (size_t c = 0; c < conns; ++c) {
    for (size_t e = 0; e < nendpoints; ++e) {
      auto s = std::make_unique<Socket>();
      s->loop = this;
      s->worker = workers_[c % nthreads].get();
      s->index = sockets_.size();
      s->endpoint = e;
      sockets_.push_back(std::move(s));
    }
  }
  next_endpoint_.assign(conns, 0);
  report_->Start();
  if (options_.total <= 0 || slots_.empty() || nendpoints == 0) {
    report_->Finish();
    return absl::OkStatus();
  }
  for (size_t c = 0; c < slots_.size(); ++c) {
    slots_[c]->client = c;
    slots_[c]->conn = c % conns;
  }
  if (options_.rate > 0) {
    pacer_.Start([this](int64_t* seq) { return (*seq = next_seq_.fetch_add(1)) < options_.total; },
                 [this](Slot* slot, int64_t seq) {
                   Worker* w = workers_[slot->conn % workers_.size()].get();
                   {
                     absl::MutexLock lock(&w->inbox_mu);
                     w->inbox.emplace_back(slot, seq);
                   }
                   const uint64_t one = 1;
                   (void)!write(w->evfd, &one, sizeof(one));
                 });
  }
  // Every client's first request (in client order, as the other engines), then the
  // workers serve the completions.
  for (auto& s : slots_) Next(s.get());
  for (size_t t = 1; t < nthreads; ++t) {
    workers_[t]->thread = std::thread([this, t] { Loop(workers_[t].get()); });
  }
  Loop(workers_[0].get());
  for (size_t t = 1; t < nthreads; ++t) workers_[t]->thread.join();
  pacer_.Stop();
  return absl::OkStatus();
}

H2ClosedLoop::Socket* H2ClosedLoop::SocketFor(const Slot& slot) const {
  return sockets_[slot.conn * endpoints_.size() + slot.endpoint].get();
}

void H2ClosedLoop::Loop(Worker* w) {
  epoll_event events[kMaxEvents];
  while (!finished_.load(std::memory_order_acquire)) {
    ProcessDone(w);
    for (Socket* s : w->dirty) Flush(w, s);
    w->dirty.clear();
    if (finished_.load(std::memory_order_acquire)) break;
    const int timeout = w->done.empty() ? -1 : 0;
    const int n = epoll_wait(w->epfd, events, kMaxEvents, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // cannot happen with a valid epoll fd
    }
    bool woken = false;
    for (int i = 0; i < n; ++i) {
      auto* s = static_cast<Socket*>(events[i].data.ptr);
      const uint32_t ev = events[i].events;
      if (s == nullptr) {
        woken = true;
        continue;
      }
      if (s->fd < 0) continue;
      if (s->state == Socket::State::kConnecting) {
        if ((ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) continue;
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        if (err != 0) {
          FailSocket(w, s, DialError(endpoints_[s->endpoint]->address, err));
          continue;
        }
        s->state = Socket::State::kConnected;
        s->backoff_ms = kInitialBackoffMs;
        MarkDirty(w, s);
        continue;
      }
      if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) OnReadable(w, s);
      if (s->fd >= 0 && (ev & EPOLLOUT) != 0) MarkDirty(w, s);
    }
    // Paced requests start only after this batch of events: a socket they (re)dial
    // must not take a stale event of the connection it replaces.
    if (woken) {
      uint64_t count = 0;
      (void)!read(w->evfd, &count, sizeof(count));
      DrainInbox(w);
    }
  }
}

void H2ClosedLoop::DrainInbox(Worker* w) {
  {
    absl::MutexLock lock(&w->inbox_mu);
    std::swap(w->inbox, w->inbox_batch);
  }
  for (auto& [slot, seq] : w->inbox_batch) Issue(slot, seq);
  w->inbox_batch.clear();
}

void H2ClosedLoop::ProcessDone(Worker* w) {
  while (!w->done.empty()) {
    std::swap(w->done, w->batch);
    for (Slot* slot : w->batch) OnAttemptDone(slot);
    w->batch.clear();
  }
  // Sockets replaced after GOAWAY close once their last call is done.
  for (auto& s : w->draining) {
    if (s->fd >= 0 && s->inflight.empty()) CloseSocket(s.get());
  }
}

void H2ClosedLoop::MarkDirty(Worker* w, Socket* s) {
  if (s->dirty) return;
  s->dirty = true;
  w->dirty.push_back(s);
}

void H2ClosedLoop::Next(Slot* slot) {
  if (options_.rate > 0) {
    pacer_.Push(slot);
    return;
  }
  const int64_t seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  if (seq < options_.total) Issue(slot, seq);
}

void H2ClosedLoop::Issue(Slot* slot, int64_t seq) {
  slot->seq = seq;
  slot->attempt = 0;
  const size_t n = endpoints_.size();
  slot->endpoint = n == 1 ? 0 : next_endpoint_[slot->conn]++ % n;
  slot->start = SteadyClock::now();
  slot->Fill();
  StartAttempt(slot);
}

void H2ClosedLoop::StartAttempt(Slot* slot) {
  Socket* s = SocketFor(*slot);
  Worker* w = s->worker;
  slot->http_status = 0;
  slot->grpc_status = -1;
  slot->grpc_message.clear();
  slot->reset_code = 0;
  slot->refused = false;
  slot->body_sent = 0;
  if (s->state == Socket::State::kFailed && SteadyClock::now() >= s->retry_at) {
    s->state = Socket::State::kIdle;
  }
  if (s->state == Socket::State::kIdle) Connect(w, s);
  if (s->state == Socket::State::kFailed) {
    // Fail fast until the backoff has passed (gRPC's calls without wait-for-ready).
    slot->status = s->failure;
    w->done.push_back(slot);
    return;
  }
  nghttp2_data_provider data;
  data.source.ptr = slot;
  data.read_callback = H2Access::ReadBody;
  const int32_t id = nghttp2_submit_request(s->session, nullptr, s->nva, 6, &data, slot);
  if (id < 0) {
    slot->status = absl::InternalError(std::string("nghttp2: ") + nghttp2_strerror(id));
    w->done.push_back(slot);
    return;
  }
  slot->socket = s;
  slot->socket_pos = s->inflight.size();
  s->inflight.push_back(slot);
  MarkDirty(w, s);
}

void H2ClosedLoop::Connect(Worker* w, Socket* s) {
  const Endpoint& ep = *endpoints_[s->endpoint];
  auto fail = [&](absl::Status status) {
    s->state = Socket::State::kFailed;
    s->failure = std::move(status);
    s->retry_at =
        SteadyClock::now() + std::chrono::microseconds(static_cast<int64_t>(s->backoff_ms * 1000));
    s->backoff_ms = std::min(s->backoff_ms * kBackoffMultiplier, kMaxBackoffMs);
  };
  if (!ep.resolve_error.ok()) {
    fail(ep.resolve_error);
    return;
  }
  const int family = ep.addr.ss_family;
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail(DialError(ep.address, errno));
    return;
  }
  if (family == AF_INET || family == AF_INET6) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  bool connected = true;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.addr_len) != 0) {
    if (errno != EINPROGRESS) {
      const int err = errno;
      close(fd);
      fail(DialError(ep.address, err));
      return;
    }
    connected = false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | (connected ? 0u : static_cast<uint32_t>(EPOLLOUT));
  ev.data.ptr = s;
  if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int err = errno;
    close(fd);
    fail(DialError(ep.address, err));
    return;
  }
  s->fd = fd;
  s->epollout = !connected;
  s->state = connected ? Socket::State::kConnected : Socket::State::kConnecting;
  if (connected) s->backoff_ms = kInitialBackoffMs;
  s->out.clear();
  s->out_off = 0;
  s->goaway = false;
  nghttp2_session_client_new2(&s->session, Setup().callbacks, s, Setup().option);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(kStreamWindow)},
  };
  nghttp2_submit_settings(s->session, NGHTTP2_FLAG_NONE, settings, 2);
  nghttp2_session_set_local_window_size(s->session, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
  s->nva[0] = Header(":method", "POST", 4);
  s->nva[1] = Header(":scheme", "http", 4);
  s->nva[2] = Header(":path", path_, std::strlen(path_));
  s->nva[3] = Header(":authority", ep.authority.data(), ep.authority.size());
  s->nva[4] = Header("content-type", "application/grpc", 16);
  s->nva[5] = Header("te", "trailers", 8);
  MarkDirty(w, s);
}

void H2ClosedLoop::OnReadable(Worker* w, Socket* s) {
  for (;;) {
    const ssize_t n = recv(s->fd, w->buf.get(), kReadBuffer, 0);
    if (n > 0) {
      const ssize_t rv = nghttp2_session_mem_recv(s->session, w->buf.get(), static_cast<size_t>(n));
      if (rv < 0) {
        FailSocket(w, s,
                   absl::InternalError(std::string("http2 error: ") +
                                       nghttp2_strerror(static_cast<int>(rv))));
        return;
      }
      if (static_cast<size_t>(n) < kReadBuffer) break;
      continue;
    }
    if (n == 0) {
      FailSocket(w, s, absl::UnavailableError("Socket closed"));
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    FailSocket(w, s, absl::UnavailableError(std::strerror(errno)));
    return;
  }
  // SETTINGS/PING acknowledgements and window updates go out with this iteration's flush.
  MarkDirty(w, s);
  if (s->goaway && !s->draining) {
    // New calls go to a fresh connection; this one finishes the calls the server kept.
    std::unique_ptr<Socket>& slot_ref = sockets_[s->index];
    auto fresh = std::make_unique<Socket>();
    fresh->loop = this;
    fresh->worker = w;
    fresh->index = s->index;
    fresh->endpoint = s->endpoint;
    s->draining = true;
    w->draining.push_back(std::move(slot_ref));
    slot_ref = std::move(fresh);
  }
}

void H2ClosedLoop::Flush(Worker* w, Socket* s) {
  s->dirty = false;
  if (s->state != Socket::State::kConnected || s->fd < 0) return;
  if (s->out_off == s->out.size()) {
    s->out.clear();
    s->out_off = 0;
  }
  while (s->out.size() - s->out_off < kMaxPendingOutput) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(s->session, &data);
    if (n < 0) {
      FailSocket(w, s,
                 absl::InternalError(std::string("http2 error: ") +
                                     nghttp2_strerror(static_cast<int>(n))));
      return;
    }
    if (n == 0) break;
    s->out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  if (s->out_off < s->out.size()) {
    const ssize_t n =
        send(s->fd, s->out.data() + s->out_off, s->out.size() - s->out_off, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      FailSocket(w, s, absl::UnavailableError(std::strerror(errno)));
      return;
    }
    if (n > 0) s->out_off += static_cast<size_t>(n);
  }
  const bool want_out = s->out_off < s->out.size();
  if (want_out != s->epollout) {
    epoll_event ev{};
    ev.events = EPOLLIN | (want_out ? static_cast<uint32_t>(EPOLLOUT) : 0u);
    ev.data.ptr = s;
    epoll_ctl(w->epfd, EPOLL_CTL_MOD, s->fd, &ev);
    s->epollout = want_out;
  }
}

void H2ClosedLoop::StreamClosed(Socket* s, Slot* slot) {
  slot->status = H2StreamStatus(*slot);
  slot->refused = slot->grpc_status < 0 && slot->reset_code == NGHTTP2_REFUSED_STREAM;
  Slot* last = s->inflight.back();
  s->inflight[slot->socket_pos] = last;
  last->socket_pos = slot->socket_pos;
  s->inflight.pop_back();
  slot->socket = nullptr;
  s->worker->done.push_back(slot);
}

void H2ClosedLoop::FailSocket(Worker* w, Socket* s, absl::Status status) {
  const bool dial = s->state == Socket::State::kConnecting;
  CloseSocket(s);
  for (Slot* slot : s->inflight) {
    slot->status = status;
    slot->socket = nullptr;
    w->done.push_back(slot);
  }
  s->inflight.clear();
  if (dial) {
    s->state = Socket::State::kFailed;
    s->failure = std::move(status);
    s->retry_at =
        SteadyClock::now() + std::chrono::microseconds(static_cast<int64_t>(s->backoff_ms * 1000));
    s->backoff_ms = std::min(s->backoff_ms * kBackoffMultiplier, kMaxBackoffMs);
  } else {
    s->state = Socket::State::kIdle;  // redialed on the next use
  }
}

void H2ClosedLoop::CloseSocket(Socket* s) {
  if (s->fd >= 0) close(s->fd);  // also leaves the epoll set
  s->fd = -1;
  s->epollout = false;
  if (s->session != nullptr) nghttp2_session_del(s->session);  // no callbacks
  s->session = nullptr;
  s->out.clear();
  s->out_off = 0;
}

void H2ClosedLoop::OnAttemptDone(Slot* slot) {
  if (!slot->status.ok()) {
    if (++slot->attempt < max_attempts_ &&
        (slot->refused || client::IsRetriable(slot->status, mutating_))) {
      // The connection's next endpoint, at once (as client::Client's async calls).
      slot->endpoint = (slot->endpoint + 1) % endpoints_.size();
      StartAttempt(slot);
      return;
    }
  }
  if (slot->status.ok()) {
    report_->Add(slot->start, SteadyClock::now());
  } else {
    report_->AddError(error_text_ ? error_text_(slot->status)
                                  : std::string(slot->status.message()));
  }
  slot->Done(slot->status);
  const int64_t done = completed_.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (done == options_.total) {
    Finish();
    return;
  }
  if (done < options_.total) Next(slot);
}

void H2ClosedLoop::Finish() {
  report_->Finish();
  finished_.store(true, std::memory_order_release);
  const uint64_t one = 1;
  for (auto& w : workers_) (void)!write(w->evfd, &one, sizeof(one));
}

}  // namespace etcd::benchmark
