// The HTTP/1.1 half of the client port: libmicrohttpd without a listening socket (the
// front door hands it connections), one internal epoll thread, suspend/resume so that
// no thread waits while a handler's answer comes from the server asynchronously.
//
// Before the handler sees a request the server applies, as etcd's HTTP stack does:
// the Host whitelist (421 with etcd's text; not applied on TLS connections) and then
// CORS (headers on every response when the Origin is allowed; OPTIONS answered 200
// with an empty body).
//
// Thread safety: AddConnection from any thread; Shutdown from the owner. Responses may
// be delivered from any thread; the handler is called on the HTTP thread and must not
// block.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "api/http_types.h"
#include "common/status.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace etcd::api {

struct HttpServerOptions {
  // --cors: allowed origins; empty or containing "*" allows every origin.
  std::vector<std::string> cors{"*"};
  // --host-whitelist: empty or containing "*" accepts every Host.
  std::vector<std::string> host_whitelist{"*"};
  // Request bodies larger than this get 413 without reaching the handler.
  size_t max_body_bytes = 64u << 20;
  // How often streamed answers that wait for data (watch) are checked for a client that
  // hung up (a suspended connection is not polled by libmicrohttpd); 0: never.
  std::chrono::milliseconds stream_check_interval{1000};
};

class HttpServer {
 public:
  // `handler` must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(HttpHandler* handler,
                                                           const HttpServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves a connection accepted elsewhere; takes ownership of `fd`.
  void AddConnection(int fd, const sockaddr* addr, socklen_t addr_len);

  // Answers requests still waiting with 503, ends open streams, closes every
  // connection and stops the thread. Idempotent.
  void Shutdown();

  // Exchange is public only for the C callbacks in http_server.cc.
  struct Exchange;

 private:
  HttpServer(HttpHandler* handler, const HttpServerOptions& options);

  // libmicrohttpd callbacks (trampolines in the .cc).
  int OnRequest(MHD_Connection* conn, const char* url, const char* method, const char* upload_data,
                size_t* upload_data_size, void** con_cls);
  void OnCompleted(void** con_cls);

  // Ends waiting streams whose client hung up (see stream_check_interval).
  void SweepLoop();

  bool OriginAllowed(const std::string* origin, std::string* allow_origin) const;
  bool HostAllowed(const std::string& host) const;
  int Queue(const std::shared_ptr<Exchange>& ex, HttpResponse response);

  friend struct HttpServerCallbacks;

  HttpHandler* const handler_;
  const HttpServerOptions options_;
  MHD_Daemon* daemon_ = nullptr;
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  std::set<std::shared_ptr<Exchange>> live_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;  // requests handed to the handler, not completed
  bool sweeper_stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread sweeper_;
};

}  // namespace etcd::api
