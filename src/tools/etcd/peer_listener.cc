#include "tools/etcd/peer_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace etcd::tools {
namespace {

absl::StatusOr<int> Listen(const config::Url& url) {
  std::string host = url.host == "localhost" ? "127.0.0.1" : url.host;
  std::string where = absl::StrCat(
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host, ":", url.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string port = std::to_string(url.port);
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &res);
      rc != 0) {
    return absl::InvalidArgumentError(absl::StrCat("listen tcp ", where, ": ", gai_strerror(rc)));
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(res);
    return absl::InternalError(absl::StrCat("listen tcp ", where, ": socket: ", strerror(errno)));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
    int e = errno;
    freeaddrinfo(res);
    close(fd);
    // Go's lower-case errno text, as etcd prints it, then what to do.
    std::string text = strerror(e);
    if (!text.empty())
      text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return absl::UnavailableError(absl::StrCat(
        "listen tcp ", where, ": bind: ", text,
        e == EADDRINUSE ? " (another process, maybe another etcd, listens on this peer port; "
                          "stop it or change --listen-peer-urls)"
                        : ""));
  }
  freeaddrinfo(res);
  if (listen(fd, 128) != 0) {
    int e = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("listen tcp ", where, ": listen: ", strerror(e)));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PeerListener>> PeerListener::Start(
    const std::vector<config::Url>& urls) {
  std::unique_ptr<PeerListener> l(new PeerListener());
  for (const auto& u : urls) {
    if (u.scheme == "unix" || u.scheme == "unixs") continue;
    auto fd = Listen(u);
    if (!fd.ok()) return fd.status();
    l->fds_.push_back(*fd);
  }
  if (pipe2(l->wake_pipe_, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  l->thread_ = std::thread([p = l.get()] { p->AcceptLoop(); });
  return l;
}

PeerListener::~PeerListener() { Stop(); }

void PeerListener::Stop() {
  if (thread_.joinable()) {
    char c = 0;
    (void)!write(wake_pipe_[1], &c, 1);
    thread_.join();
  }
  for (int fd : fds_) close(fd);
  fds_.clear();
  for (int& fd : wake_pipe_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

void PeerListener::AcceptLoop() {
  std::vector<pollfd> pfds;
  pfds.push_back({wake_pipe_[0], POLLIN, 0});
  for (int fd : fds_) pfds.push_back({fd, POLLIN, 0});
  for (;;) {
    if (poll(pfds.data(), pfds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (pfds[0].revents != 0) return;
    for (size_t i = 1; i < pfds.size(); ++i) {
      if (pfds[i].revents & POLLIN) {
        int c = accept4(pfds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) close(c);  // TODO(transport): serve the peer gRPC service here
      }
    }
  }
}

}  // namespace etcd::tools
