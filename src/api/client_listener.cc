#include "api/client_listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "api/protocol_sniffer.h"

namespace etcd::api {
namespace {

using SteadyClock = std::chrono::steady_clock;

// epoll user data: the kind in the high 32 bits, the fd in the low 32 bits.
enum Tag : uint64_t { kStopTag = 1, kListenTag = 2, kConnTag = 3 };
uint64_t MakeData(Tag tag, int fd) { return (uint64_t{tag} << 32) | static_cast<uint32_t>(fd); }

// Go's error text: strerror in lower case ("address already in use").
std::string GoErrno(int err) {
  std::string s = strerror(err);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

absl::StatusOr<int> ListenTcp(const ListenAddress& a, int* bound_port) {
  const std::string where = absl::StrCat("listen tcp ", a.ToString());
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(a.port);
  int rc = getaddrinfo(a.host.empty() ? nullptr : a.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", gai_strerror(rc)));
  }
  // Prefer IPv4, as Go does for "localhost".
  const addrinfo* pick = res;
  for (const addrinfo* p = res; p != nullptr; p = p->ai_next) {
    if (p->ai_family == AF_INET) {
      pick = p;
      break;
    }
  }
  int fd = socket(pick->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    freeaddrinfo(res);
    return absl::InternalError(absl::StrCat(where, ": socket: ", GoErrno(err)));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, pick->ai_addr, pick->ai_addrlen) != 0) {
    int err = errno;
    freeaddrinfo(res);
    close(fd);
    return absl::UnavailableError(absl::StrCat(where, ": bind: ", GoErrno(err)));
  }
  freeaddrinfo(res);
  if (listen(fd, SOMAXCONN) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat(where, ": listen: ", GoErrno(err)));
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  *bound_port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                         : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

absl::StatusOr<int> ListenUnix(const ListenAddress& a) {
  const std::string where = absl::StrCat("listen unix ", a.unix_path);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (a.unix_path.size() >= sizeof sun.sun_path) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": bind: invalid argument"));
  }
  memcpy(sun.sun_path, a.unix_path.data(), a.unix_path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat(where, ": socket: ", GoErrno(errno)));
  if (bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0 || listen(fd, SOMAXCONN) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat(where, ": bind: ", GoErrno(err)));
  }
  return fd;
}

struct Pending {
  uint64_t generation;
  bool edge_triggered = false;
  sockaddr_storage addr;
  socklen_t addr_len;
};

}  // namespace

void ConnectionSink::ServeTls(int fd, const sockaddr* /*addr*/, socklen_t /*addr_len*/) {
  close(fd);  // no TLS configured
}

std::string ListenAddress::ToString() const {
  if (kind == Kind::kUnix) return unix_path;
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

ClientListener::ClientListener(ConnectionSink* sink, const ClientListenerOptions& options)
    : sink_(sink), options_(options) {}

absl::StatusOr<std::unique_ptr<ClientListener>> ClientListener::Start(
    const std::vector<ListenAddress>& addresses, ConnectionSink* sink,
    const ClientListenerOptions& options) {
  std::unique_ptr<ClientListener> l(new ClientListener(sink, options));
  for (const ListenAddress& a : addresses) {
    int port = 0;
    absl::StatusOr<int> fd =
        a.kind == ListenAddress::Kind::kUnix ? ListenUnix(a) : ListenTcp(a, &port);
    if (!fd.ok()) return fd.status();  // the destructor closes what was opened
    l->listen_fds_.push_back(*fd);
    l->listen_tls_.push_back(a.tls);
    l->ports_.push_back(port);
  }
  l->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  l->stop_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (l->epoll_fd_ < 0 || l->stop_fd_ < 0) {
    return absl::InternalError(absl::StrCat("epoll/eventfd: ", GoErrno(errno)));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = MakeData(kStopTag, l->stop_fd_);
  epoll_ctl(l->epoll_fd_, EPOLL_CTL_ADD, l->stop_fd_, &ev);
  for (int fd : l->listen_fds_) {
    ev.events = EPOLLIN;
    ev.data.u64 = MakeData(kListenTag, fd);
    epoll_ctl(l->epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
  l->thread_ = std::thread([p = l.get()] { p->Run(); });
  return l;
}

ClientListener::~ClientListener() { Stop(); }

void ClientListener::Stop() {
  if (stopped_.exchange(true)) return;
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  for (int fd : listen_fds_) close(fd);
  listen_fds_.clear();
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (stop_fd_ >= 0) close(stop_fd_);
  epoll_fd_ = stop_fd_ = -1;
}

void ClientListener::Run() {
  std::unordered_map<int, Pending> pending;
  // (deadline, fd, generation) in accept order, which is deadline order; entries whose
  // connection was already handed off or closed are skipped lazily.
  struct Expiry {
    SteadyClock::time_point deadline;
    int fd;
    uint64_t generation;
  };
  std::deque<Expiry> expiries;
  uint64_t next_generation = 1;
  // While accept() fails for lack of descriptors the listeners are taken out of epoll
  // (they would stay readable and spin) and put back after a short pause.
  SteadyClock::time_point accept_paused_until{};
  bool accept_paused = false;

  auto drop = [&](int fd) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    pending.erase(fd);
    close(fd);
  };
  auto hand_off = [&](int fd, Protocol protocol) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    Pending p = pending[fd];
    pending.erase(fd);
    if (protocol == Protocol::kHttp2) {
      sink_->ServeHttp2(fd);
    } else {
      sink_->ServeHttp1(fd, reinterpret_cast<const sockaddr*>(&p.addr), p.addr_len);
    }
  };
  auto sniff = [&](int fd) {
    char buf[kSniffBytes];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_PEEK);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {  // closed before saying anything, or reset
      drop(fd);
      return;
    }
    Protocol protocol = Classify(std::string_view(buf, static_cast<size_t>(n)));
    if (protocol != Protocol::kNeedMore) {
      hand_off(fd, protocol);
      return;
    }
    // A prefix of the preface: the peeked bytes stay in the socket buffer, so a level-
    // triggered watch would fire again at once. Wait for *new* bytes instead.
    Pending& p = pending[fd];
    if (!p.edge_triggered) {
      p.edge_triggered = true;
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
      ev.data.u64 = MakeData(kConnTag, fd);
      epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
    }
  };
  auto accept_all = [&](int listen_fd) {
    bool tls = false;
    for (size_t i = 0; i < listen_fds_.size(); ++i) {
      if (listen_fds_[i] == listen_fd) tls = listen_tls_[i];
    }
    for (;;) {
      Pending p{};
      p.addr_len = sizeof p.addr;
      int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&p.addr), &p.addr_len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          for (int l : listen_fds_) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, l, nullptr);
          accept_paused = true;
          accept_paused_until = SteadyClock::now() + std::chrono::milliseconds(100);
        }
        return;  // EAGAIN: drained
      }
      if (p.addr.ss_family != AF_UNIX) {
        int one = 1;  // as Go does for every TCP connection
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      if (tls) {  // the TLS front door handshakes, then sniffs the plaintext
        sink_->ServeTls(fd, reinterpret_cast<const sockaddr*>(&p.addr), p.addr_len);
        continue;
      }
      while (pending.size() >= options_.max_pending && !expiries.empty()) {
        Expiry oldest = expiries.front();
        expiries.pop_front();
        auto it = pending.find(oldest.fd);
        if (it != pending.end() && it->second.generation == oldest.generation) drop(oldest.fd);
      }
      p.generation = next_generation++;
      pending[fd] = p;
      expiries.push_back({SteadyClock::now() + options_.sniff_timeout, fd, p.generation});
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = MakeData(kConnTag, fd);
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
  };

  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  for (;;) {
    // Expire silent connections; compute the next wake-up.
    const auto now = SteadyClock::now();
    while (!expiries.empty()) {
      const Expiry& e = expiries.front();
      auto it = pending.find(e.fd);
      if (it == pending.end() || it->second.generation != e.generation) {
        expiries.pop_front();
        continue;
      }
      if (e.deadline > now) break;
      int fd = e.fd;
      expiries.pop_front();
      drop(fd);
    }
    if (accept_paused && accept_paused_until <= now) {
      accept_paused = false;
      for (int l : listen_fds_) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = MakeData(kListenTag, l);
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, l, &ev);
      }
    }
    SteadyClock::time_point wake = SteadyClock::time_point::max();
    if (!expiries.empty()) wake = expiries.front().deadline;
    if (accept_paused && accept_paused_until < wake) wake = accept_paused_until;
    int timeout_ms = -1;
    if (wake != SteadyClock::time_point::max()) {
      auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
      timeout_ms = ms < 0 ? 0 : static_cast<int>(ms);
    }

    int n = epoll_wait(epoll_fd_, events, kMaxEvents, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      const Tag tag = static_cast<Tag>(events[i].data.u64 >> 32);
      const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      switch (tag) {
        case kStopTag:
          for (auto& [pfd, p] : pending) close(pfd);
          return;
        case kListenTag:
          accept_all(fd);
          break;
        case kConnTag:
          if (pending.count(fd) != 0) sniff(fd);
          break;
      }
    }
  }
  for (auto& [pfd, p] : pending) close(pfd);
}

}  // namespace etcd::api
