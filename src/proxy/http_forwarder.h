// The proxy's HTTP/1.1 half: an api::HttpHandler that relays every request (/health,
// /version, /metrics, the /v3 JSON gateway, /v2/keys, /v2/members, ...) to an upstream
// member with libcurl and answers with the upstream's status, headers and body.
//
// Long-lived answers (the gateway's /v3/watch and /v3/election/observe, v2 long polls
// with wait=true) are streamed back chunk by chunk as they arrive; other answers are
// read whole first. A connection failure (nothing sent yet) moves on to the next
// endpoint of UpstreamPool::Order(); an answer that was started is never retried. In
// read-only mode (--proxy=readonly) only GET and HEAD are relayed; other methods get
// 501 as etcd's v2 read-only proxy answers.
//
// Thread safety: Handle may be called from any thread; each request runs on its own
// thread (requests are few: the proxy's HTTP side carries health checks, metrics
// scrapes and gateway traffic). Shutdown() stops the transfers and joins the threads.
#pragma once

#include <atomic>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/http_types.h"
#include "proxy/upstream_pool.h"

namespace etcd::proxy {

struct HttpForwarderOptions {
  bool read_only = false;
  long connect_timeout_ms = 1000;  // --proxy-dial-timeout
};

class HttpForwarder final : public api::HttpHandler {
 public:
  // `pool` must outlive the forwarder.
  HttpForwarder(UpstreamPool* pool, HttpForwarderOptions options);
  ~HttpForwarder() override;  // Shutdown()

  void Handle(const api::HttpRequest& request, api::HttpRespond respond) override;
  // Aborts every transfer (their clients get 503 or a cut stream) and waits for the
  // request threads. Idempotent.
  void Shutdown();

 private:
  void Run(const api::HttpRequest& request, const api::HttpRespond& respond);

  UpstreamPool* const pool_;
  const HttpForwarderOptions options_;
  std::atomic<bool> stopping_{false};
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

// The request's URL on `base` ("http://h:p"): the path with every segment escaped
// again, and the query re-encoded in order.
std::string UpstreamUrl(const std::string& base, const api::HttpRequest& request);

}  // namespace etcd::proxy
