#include "api/tls_front.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/protocol_sniffer.h"
#include "api/tls_peers.h"
#include "tls/openssl_util.h"

namespace etcd::api {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr size_t kMaxBuffered = 256 * 1024;

// Maps an SSL_get_error result: a TLS call that must wait for the socket sets the
// direction it waits for and returns true; any other result (an error, close_notify,
// EOF) returns false.
bool WaitsForSocket(int ssl_error, bool* tcp_in, bool* tcp_out) {
  if (ssl_error == SSL_ERROR_WANT_READ) {
    *tcp_in = true;
    return true;
  }
  if (ssl_error == SSL_ERROR_WANT_WRITE) {
    *tcp_out = true;
    return true;
  }
  return false;
}
constexpr size_t kChunk = 16 * 1024;
constexpr int kMaxRoundsPerTurn = 16;

std::string RemoteText(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    return absl::StrCat(host, ":", ntohs(a->sin_port));
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return absl::StrCat("[", host, "]:", ntohs(a->sin6_port));
  }
  return "@";  // unix socket peer, as Go prints it
}

struct Conn {
  uint64_t id = 0;
  int tcp = -1;
  int app = -1;    // our end of the socketpair
  int outer = -1;  // the end handed to gRPC / libmicrohttpd (not ours once handed)
  tls::SslPtr ssl;
  enum class State { kHandshake, kSniff, kPump } state = State::kHandshake;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string remote;
  std::string policy_reason;  // written by the verify callback
  std::string common_name;
  uint64_t registration = 0;
  std::string to_app;  // decrypted, not yet written to `app`
  size_t to_app_off = 0;
  std::string to_net;  // read from `app`, not yet accepted by SSL_write
  size_t to_net_off = 0;
  bool net_eof = false;
  bool app_eof = false;
  bool app_shut = false;  // shutdown(app, SHUT_WR) done
  bool app_hup = false;   // app removed from epoll after HUP; read until EOF
  uint32_t tcp_events = 0;
  uint32_t app_events = 0;
  bool app_registered = false;
  SteadyClock::time_point deadline;
};

enum Which : uint64_t { kTcp = 0, kApp = 1, kWake = 2 };
uint64_t Data(uint64_t id, Which w) { return (id << 2) | w; }

}  // namespace

class TlsFront::Worker {
 public:
  Worker(tls::ServerTlsContext* contexts, ConnectionSink* sink, const TlsFrontOptions& options)
      : contexts_(contexts), sink_(sink), options_(options) {}

  absl::Status Start() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0)
      return absl::InternalError(absl::StrCat("epoll: ", strerror(errno)));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = Data(0, kWake);
    epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  ~Worker() {
    if (thread_.joinable()) {
      {
        absl::MutexLock l(&mu_);
        stop_ = true;
      }
      Wake();
      thread_.join();
    }
    if (epoll_ >= 0) close(epoll_);
    if (wake_ >= 0) close(wake_);
  }

  void Add(int fd, const sockaddr* addr, socklen_t len) {
    auto c = std::make_unique<Conn>();
    c->tcp = fd;
    c->addr_len = std::min<socklen_t>(len, sizeof c->addr);
    if (addr != nullptr) memcpy(&c->addr, addr, c->addr_len);
    {
      absl::MutexLock l(&mu_);
      if (stop_) {
        close(fd);
        return;
      }
      incoming_.push_back(std::move(c));
    }
    Wake();
  }

 private:
  void Wake() {
    uint64_t one = 1;
    (void)!write(wake_, &one, sizeof one);
  }

  void Accept(std::unique_ptr<Conn> c) {
    c->id = next_id_++;
    c->remote = RemoteText(c->addr);
    c->deadline = SteadyClock::now() + options_.handshake_timeout;
    tls::ServerTlsContext::Current cur = contexts_->Get();
    if (!cur.reload_error.ok() && options_.on_reload_error)
      options_.on_reload_error(cur.reload_error);
    if (cur.reloaded && options_.on_reloaded) options_.on_reloaded();
    c->ssl.reset(SSL_new(cur.ctx.get()));
    if (c->ssl == nullptr || SSL_set_fd(c->ssl.get(), c->tcp) != 1) {
      ERR_clear_error();
      close(c->tcp);
      return;
    }
    SSL_set_accept_state(c->ssl.get());
    tls::SetFailureSink(c->ssl.get(), &c->policy_reason);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = Data(c->id, kTcp);
    c->tcp_events = EPOLLIN;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c->tcp, &ev);
    handshaking_.push_back({c->deadline, c->id});
    Conn* raw = c.get();
    conns_[raw->id] = std::move(c);
    Progress(raw);
  }

  void Close(Conn* c, const std::string& reject_reason = "") {
    if (!reject_reason.empty() && options_.on_rejected)
      options_.on_rejected(c->remote, reject_reason);
    if (c->ssl != nullptr && c->state == Conn::State::kPump) {
      SSL_shutdown(c->ssl.get());  // best effort close_notify
    }
    ERR_clear_error();
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c->tcp, nullptr);
    close(c->tcp);
    if (c->app >= 0) {
      if (c->app_registered) epoll_ctl(epoll_, EPOLL_CTL_DEL, c->app, nullptr);
      close(c->app);
    }
    if (c->registration != 0) UnregisterTlsPeer(c->outer, c->registration);
    conns_.erase(c->id);  // frees c
  }

  // Creates the socketpair and gives the outer end to the chosen server.
  bool HandOff(Conn* c, Protocol protocol) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
      Close(c, absl::StrCat("socketpair: ", strerror(errno)));
      return false;
    }
    c->app = sv[0];
    c->outer = sv[1];
    c->state = Conn::State::kPump;
    c->registration = RegisterTlsPeer(c->outer, TlsPeer{c->common_name});
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = Data(c->id, kApp);
    c->app_events = EPOLLIN;
    c->app_registered = true;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c->app, &ev);
    if (protocol == Protocol::kHttp2) {
      sink_->ServeHttp2(c->outer);
    } else {
      sink_->ServeHttp1(c->outer, reinterpret_cast<const sockaddr*>(&c->addr), c->addr_len);
    }
    return true;
  }

  // Does everything that can be done now for `c`, then sets its epoll interest.
  void Progress(Conn* c) {
    bool tcp_in = false, tcp_out = false;
    SSL* ssl = c->ssl.get();
    if (c->state == Conn::State::kHandshake) {
      ERR_clear_error();
      int rc = SSL_do_handshake(ssl);
      if (rc != 1) {
        int e = SSL_get_error(ssl, rc);
        if (!WaitsForSocket(e, &tcp_in, &tcp_out)) {
          Close(c, tls::HandshakeFailureReason(ssl, e, c->policy_reason));
          return;
        }
      } else {
        c->common_name = tls::VerifiedCommonName(ssl);
        const std::string alpn = tls::AlpnProtocol(ssl);
        if (alpn == "h2") {
          if (!HandOff(c, Protocol::kHttp2)) return;
        } else if (alpn == "http/1.1") {
          if (!HandOff(c, Protocol::kHttp1)) return;
        } else {
          c->state = Conn::State::kSniff;
        }
      }
    }
    if (c->state == Conn::State::kSniff) {
      char buf[kChunk];
      ERR_clear_error();
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) {
        c->to_app.append(buf, static_cast<size_t>(n));
        Protocol p = Classify(c->to_app);
        if (p == Protocol::kNeedMore) {
          tcp_in = true;
        } else if (!HandOff(c, p)) {
          return;
        }
      } else {
        if (!WaitsForSocket(SSL_get_error(ssl, n), &tcp_in, &tcp_out)) {
          Close(c);  // closed before saying anything
          return;
        }
      }
    }
    if (c->state == Conn::State::kPump) {
      if (!Pump(c, &tcp_in, &tcp_out)) return;  // closed
    }
    SetInterest(c, tcp_in, tcp_out);
  }

  // Returns false when the connection was closed.
  bool Pump(Conn* c, bool* tcp_in, bool* tcp_out) {
    SSL* ssl = c->ssl.get();
    char buf[kChunk];
    for (int round = 0; round < kMaxRoundsPerTurn; ++round) {
      bool progressed = false;
      *tcp_in = *tcp_out = false;
      // network -> app
      while (!c->net_eof && c->to_app.size() - c->to_app_off < kMaxBuffered) {
        ERR_clear_error();
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n > 0) {
          c->to_app.append(buf, static_cast<size_t>(n));
          progressed = true;
          continue;
        }
        if (!WaitsForSocket(SSL_get_error(ssl, n), tcp_in, tcp_out)) {
          // close_notify, EOF or a TLS error: no more input
          ERR_clear_error();
          c->net_eof = true;
          progressed = true;
        }
        break;
      }
      while (c->to_app_off < c->to_app.size()) {
        ssize_t n = send(c->app, c->to_app.data() + c->to_app_off, c->to_app.size() - c->to_app_off,
                         MSG_NOSIGNAL);
        if (n > 0) {
          c->to_app_off += static_cast<size_t>(n);
          progressed = true;
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        Close(c);  // the server closed the connection
        return false;
      }
      if (c->to_app_off == c->to_app.size()) {
        c->to_app.clear();
        c->to_app_off = 0;
        if (c->net_eof && !c->app_shut) {
          shutdown(c->app, SHUT_WR);  // the server sees the client's end of stream
          c->app_shut = true;
        }
      }
      // app -> network
      while (!c->app_eof && c->to_net.size() - c->to_net_off < kMaxBuffered) {
        ssize_t n = recv(c->app, buf, sizeof buf, 0);
        if (n > 0) {
          c->to_net.append(buf, static_cast<size_t>(n));
          progressed = true;
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        c->app_eof = true;  // the server is done with the connection
        progressed = true;
        break;
      }
      while (c->to_net_off < c->to_net.size()) {
        ERR_clear_error();
        size_t len = std::min<size_t>(c->to_net.size() - c->to_net_off, INT_MAX);
        int n = SSL_write(ssl, c->to_net.data() + c->to_net_off, static_cast<int>(len));
        if (n > 0) {
          c->to_net_off += static_cast<size_t>(n);
          progressed = true;
          continue;
        }
        if (!WaitsForSocket(SSL_get_error(ssl, n), tcp_in, tcp_out)) {
          Close(c);  // the client is gone
          return false;
        }
        break;
      }
      if (c->to_net_off == c->to_net.size()) {
        c->to_net.clear();
        c->to_net_off = 0;
        if (c->app_eof) {
          Close(c);  // everything the server wrote is out
          return false;
        }
      }
      if (!progressed) return true;
    }
    again_.push_back(c->id);  // busy connection: continue after the others had a turn
    return true;
  }

  void SetInterest(Conn* c, bool tcp_in, bool tcp_out) {
    uint32_t tev = (tcp_in ? uint32_t{EPOLLIN} : 0u) | (tcp_out ? uint32_t{EPOLLOUT} : 0u);
    if (tev != c->tcp_events) {
      epoll_event ev{};
      ev.events = tev;
      ev.data.u64 = Data(c->id, kTcp);
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c->tcp, &ev);
      c->tcp_events = tev;
    }
    if (c->state != Conn::State::kPump || c->app_hup) return;
    uint32_t aev = 0;
    if (!c->app_eof && c->to_net.size() - c->to_net_off < kMaxBuffered) aev |= EPOLLIN;
    if (c->to_app_off < c->to_app.size()) aev |= EPOLLOUT;
    if (aev != c->app_events) {
      epoll_event ev{};
      ev.events = aev;
      ev.data.u64 = Data(c->id, kApp);
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c->app, &ev);
      c->app_events = aev;
    }
  }

  void Run() {
    constexpr int kMaxEvents = 64;
    epoll_event events[kMaxEvents];
    for (;;) {
      std::deque<std::unique_ptr<Conn>> incoming;
      {
        absl::MutexLock l(&mu_);
        if (stop_) break;
        incoming.swap(incoming_);
      }
      for (auto& c : incoming) Accept(std::move(c));

      // Handshake deadlines (entries of connections already gone or pumping are skipped).
      const auto now = SteadyClock::now();
      while (!handshaking_.empty()) {
        auto [deadline, id] = handshaking_.front();
        auto it = conns_.find(id);
        if (it == conns_.end() || it->second->state == Conn::State::kPump) {
          handshaking_.pop_front();
          continue;
        }
        if (deadline > now) break;
        handshaking_.pop_front();
        Close(it->second.get(), "handshake timed out");
      }
      int timeout_ms = -1;
      if (!again_.empty()) {
        timeout_ms = 0;
      } else if (!handshaking_.empty()) {
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(handshaking_.front().first - now);
        timeout_ms = static_cast<int>(std::max<int64_t>(0, ms.count()));
      }
      int n = epoll_wait(epoll_, events, kMaxEvents, timeout_ms);
      if (n < 0 && errno != EINTR) break;
      std::vector<uint64_t> again;
      again.swap(again_);
      for (int i = 0; i < n; ++i) {
        const uint64_t data = events[i].data.u64;
        const Which which = static_cast<Which>(data & 3);
        if (which == kWake) {
          uint64_t v;
          (void)!read(wake_, &v, sizeof v);
          continue;
        }
        auto it = conns_.find(data >> 2);
        if (it == conns_.end()) continue;
        Conn* c = it->second.get();
        const uint32_t ev = events[i].events;
        if (which == kTcp && (ev & (EPOLLERR | EPOLLHUP)) != 0 &&
            c->state != Conn::State::kHandshake) {
          Close(c);  // reset or fully closed: nothing more can be delivered
          continue;
        }
        if (which == kApp && (ev & (EPOLLERR | EPOLLHUP)) != 0 && !c->app_hup) {
          // The server closed its end; read what is left (Pump reads until EOF) but
          // stop watching, or a level-triggered HUP would spin.
          epoll_ctl(epoll_, EPOLL_CTL_DEL, c->app, nullptr);
          c->app_registered = false;
          c->app_hup = true;
        }
        Progress(c);
      }
      for (uint64_t id : again) {
        auto it = conns_.find(id);
        if (it != conns_.end()) Progress(it->second.get());
      }
    }
    // Stop: close what is still ours.
    std::vector<Conn*> all;
    for (auto& [id, c] : conns_) all.push_back(c.get());
    for (Conn* c : all) Close(c);
    absl::MutexLock l(&mu_);
    for (auto& c : incoming_) close(c->tcp);
    incoming_.clear();
  }

  tls::ServerTlsContext* const contexts_;
  ConnectionSink* const sink_;
  const TlsFrontOptions options_;
  int epoll_ = -1;
  int wake_ = -1;
  std::thread thread_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::unique_ptr<Conn>> incoming_ ABSL_GUARDED_BY(mu_);
  // Worker-thread state.
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::deque<std::pair<SteadyClock::time_point, uint64_t>> handshaking_;
  std::vector<uint64_t> again_;
};

absl::StatusOr<std::unique_ptr<TlsFront>> TlsFront::Start(tls::ServerTlsContext* contexts,
                                                          ConnectionSink* sink,
                                                          const TlsFrontOptions& options) {
  std::unique_ptr<TlsFront> f(new TlsFront());
  const int n = std::max(1, options.threads);
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>(contexts, sink, options);
    RETURN_IF_ERROR(w->Start());
    f->workers_.push_back(std::move(w));
  }
  return f;
}

TlsFront::~TlsFront() { Stop(); }

void TlsFront::Add(int fd, const sockaddr* addr, socklen_t addr_len) {
  if (workers_.empty()) {
    close(fd);
    return;
  }
  workers_[next_.fetch_add(1) % workers_.size()]->Add(fd, addr, addr_len);
}

void TlsFront::Stop() {
  if (stopped_) return;
  stopped_ = true;
  workers_.clear();  // each destructor stops and joins its thread
}

}  // namespace etcd::api
