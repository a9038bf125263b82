// The HTTP/1.1 routes of the client port, as etcd 3.4 serves them (reference/api.md
// §10, checked with curl against etcd 3.4.23):
//   GET /health     200 {"health":"true"} / 503 {"health":"false"}: an alarm (minus
//                   ?exclude=NAME), no leader, or a quorum read failing within 1 s
//   GET /version    {"etcdserver":"<ETCD_VERSION>","etcdcluster":"<ETCD_CLUSTER_VERSION>"}
//   /metrics        Prometheus text from ServerApi::MetricsText (any method, as promhttp)
//   PUT /config/local/log   {"Level":"..."} -> 204 (the level goes to `set_log_level`)
//   /debug/pprof/*  404 (Go runtime profiles; nothing to serve in C++)
//   /v2/*           `v2_handler` when set (--enable-v2), else 404
//   /v3/*, /v3beta/* the JSON gateway when enabled; /v3alpha/* 404
//   anything else   404 "404 page not found"
// Wrong methods get Go's 405 with an Allow header.
//
// Thread safety: Handle may be called from any thread; answers arrive on server
// threads. Stateless apart from the pointers it was given.
#pragma once

#include <functional>
#include <string>

#include "api/http_types.h"
#include "server/server_api.h"

namespace etcd::api {

struct HttpEndpointsOptions {
  bool enable_pprof = false;
  int health_timeout_ms = 1000;
  // PUT /config/local/log with {"Level":"<capnslog level>"}; an error becomes 400.
  std::function<absl::Status(const std::string& level)> set_log_level;
  HttpHandler* v2_handler = nullptr;  // not owned; null: /v2 is 404
  HttpHandler* gateway = nullptr;     // not owned; null: /v3 is 404
};

class HttpEndpoints final : public HttpHandler {
 public:
  HttpEndpoints(server::ServerApi* api, HttpEndpointsOptions options)
      : api_(api), options_(std::move(options)) {}

  void Handle(const HttpRequest& request, HttpRespond respond) override;

 private:
  void Health(const HttpRequest& request, HttpRespond respond);

  server::ServerApi* const api_;
  const HttpEndpointsOptions options_;
};

// Go's 405: text "Method Not Allowed\n" with `Allow: <allow>` (omitted when empty).
HttpResponse MethodNotAllowed(const std::string& allow);
// Go's http.NotFound: "404 page not found\n".
HttpResponse PageNotFound();

}  // namespace etcd::api
