// The client port's front door: one listening socket per --listen-client-urls entry,
// one accept thread for all of them. Each accepted connection waits (bounded by
// `sniff_timeout`, without blocking anyone: many connections may be pending at once)
// for its first bytes, which are only peeked (MSG_PEEK), never consumed; the connection
// is then handed, untouched, to the gRPC server (HTTP/2 preface) or to the HTTP/1.1
// server (anything else). A connection that closes or stays silent is closed.
//
// Thread safety: Start() and Stop() from one owner thread. The ConnectionSink is called
// on the accept thread only, one call at a time; it must not block for long.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace etcd::api {

// Where to listen. TCP: `host` is a name or IP literal ("" or "0.0.0.0": all IPv4
// addresses, "::": all addresses), `port` 0 picks a free port (tests). Unix: a path.
struct ListenAddress {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;
  int port = 0;
  std::string unix_path;
  // https:// / unixs://: connections go to ConnectionSink::ServeTls unsniffed (the TLS
  // front door, tls_front.h, sniffs after the handshake).
  bool tls = false;
  std::string ToString() const;  // "127.0.0.1:2379" or the path
};

// Receives each classified connection; takes ownership of `fd` (non-blocking,
// nothing consumed yet).
class ConnectionSink {
 public:
  virtual ~ConnectionSink() = default;
  virtual void ServeHttp2(int fd) = 0;
  virtual void ServeHttp1(int fd, const sockaddr* addr, socklen_t addr_len) = 0;
  // A connection accepted on a TLS address, right after accept (nothing read yet).
  virtual void ServeTls(int fd, const sockaddr* addr, socklen_t addr_len);
};

struct ClientListenerOptions {
  // How long a new connection may stay silent before it is closed (etcd's cmux has no
  // read timeout by default; 10 s bounds slow-loris connections).
  std::chrono::milliseconds sniff_timeout{10000};
  // Connections waiting for their first bytes beyond this are closed at once (oldest
  // first), so idle connects cannot exhaust file descriptors.
  size_t max_pending = 4096;
};

class ClientListener {
 public:
  // Binds and listens on every address (errors are returned here, naming the address
  // as Go does: "listen tcp 127.0.0.1:2379: bind: address already in use"), then
  // starts the accept thread. `sink` must outlive the listener.
  static absl::StatusOr<std::unique_ptr<ClientListener>> Start(
      const std::vector<ListenAddress>& addresses, ConnectionSink* sink,
      const ClientListenerOptions& options = {});

  ~ClientListener();
  ClientListener(const ClientListener&) = delete;
  ClientListener& operator=(const ClientListener&) = delete;

  // The bound TCP ports, in the order of the addresses (0 for unix sockets).
  const std::vector<int>& ports() const { return ports_; }

  // Stops accepting, closes the listening sockets and every connection still being
  // sniffed, joins the thread. Connections already handed off are not touched.
  // Idempotent.
  void Stop();

 private:
  ClientListener(ConnectionSink* sink, const ClientListenerOptions& options);
  void Run();

  ConnectionSink* const sink_;
  const ClientListenerOptions options_;
  std::vector<int> listen_fds_;
  std::vector<bool> listen_tls_;  // parallel to listen_fds_
  std::vector<int> ports_;
  int epoll_fd_ = -1;
  int stop_fd_ = -1;  // eventfd
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

}  // namespace etcd::api
