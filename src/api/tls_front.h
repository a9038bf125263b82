// TLS termination for the client port (https:// and unixs:// client URLs). gRPC's
// AddInsecureChannelFromFd takes only plaintext fds and libmicrohttpd does TLS only
// with GnuTLS, so the front door terminates TLS itself with OpenSSL and hands both
// servers the plaintext end of a socketpair, exactly as it hands them a plaintext TCP
// connection:
//
//   client ══TLS══ tcp fd ─► [worker: SSL_read/SSL_write] ◄─► app fd ═ socketpair ═ outer fd
//                                                                     (gRPC or libmicrohttpd)
//
// Per connection: handshake (new connections take the current certificate context,
// so rotated files apply to new handshakes) → choose the server by ALPN ("h2" → gRPC,
// "http/1.1" → HTTP/1.1), or, without ALPN, by sniffing the first decrypted bytes
// (protocol_sniffer.h) → pump bytes both ways until either side closes. The client
// certificate's CN is registered for the outer fd (tls_peers.h).
//
// Workers: `threads` epoll loops; connections are spread round robin. Non-blocking
// everywhere; per direction at most 256 KiB is buffered, beyond that the pump stops
// reading that side (backpressure). A connection that does not finish its handshake
// (and send its first bytes) within `handshake_timeout` is closed.
//
// Thread safety: Add() from any thread (the accept thread); Stop() from the owner.
// Hooks are called on worker threads, without locks held.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/client_listener.h"
#include "common/status.h"
#include "tls/server_context.h"

namespace etcd::api {

struct TlsFrontOptions {
  std::chrono::milliseconds handshake_timeout{10000};
  int threads = 1;
  // A handshake that failed: remote address ("127.0.0.1:41234") and why.
  std::function<void(const std::string& remote, const std::string& reason)> on_rejected;
  // Certificate files changed on disk but could not be loaded (reported once per
  // distinct error; the previous certificate stays in use) / were loaded.
  std::function<void(const absl::Status& error)> on_reload_error;
  std::function<void()> on_reloaded;
};

class TlsFront {
 public:
  // `contexts` and `sink` must outlive the TlsFront.
  static absl::StatusOr<std::unique_ptr<TlsFront>> Start(tls::ServerTlsContext* contexts,
                                                         ConnectionSink* sink,
                                                         const TlsFrontOptions& options);
  ~TlsFront();
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;

  // Takes ownership of an accepted, non-blocking TCP (or unix) connection.
  void Add(int fd, const sockaddr* addr, socklen_t addr_len);

  // Closes every connection this front door still pumps (handed-off outer fds are
  // closed by their servers) and joins the workers. Idempotent.
  void Stop();

  class Worker;

 private:
  TlsFront() = default;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> next_{0};
  bool stopped_ = false;
};

}  // namespace etcd::api
