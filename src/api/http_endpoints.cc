#include "api/http_endpoints.h"

#include <set>

#include "common/errors.h"
#include "nlohmann/json.hpp"

namespace etcd::api {
namespace {

HttpResponse HealthResponse(bool healthy) {
  return HttpResponse::Text(healthy ? 200 : 503,
                            healthy ? R"({"health":"true"})" : R"({"health":"false"})");
}

}  // namespace

HttpResponse MethodNotAllowed(const std::string& allow) {
  HttpResponse r;
  r.status = 405;
  if (!allow.empty()) r.headers.emplace_back("Allow", allow);
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = "Method Not Allowed\n";
  return r;
}

HttpResponse PageNotFound() { return HttpResponse::GoError(404, "404 page not found"); }

void HttpEndpoints::Handle(const HttpRequest& request, HttpRespond respond) {
  const std::string& path = request.path;
  if (path == "/health") {
    if (request.method != "GET") return respond(MethodNotAllowed("GET"));
    return Health(request, std::move(respond));
  }
  if (path == "/version") {
    if (request.method != "GET") return respond(MethodNotAllowed("GET"));
    return respond(HttpResponse::Text(
        200, R"({"etcdserver":")" ETCD_VERSION R"(","etcdcluster":")" ETCD_CLUSTER_VERSION "\"}",
        "application/json"));
  }
  if (path == "/metrics") {
    return respond(
        HttpResponse::Text(200, api_->MetricsText(), "text/plain; version=0.0.4; charset=utf-8"));
  }
  if (path == "/config/local/log") {
    if (request.method != "PUT") return respond(MethodNotAllowed("PUT"));
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      return respond(
          HttpResponse::Text(400, R"({"message":"Invalid json body"})", "application/json"));
    }
    std::string level;
    if (auto it = body.find("Level"); it != body.end() && it->is_string()) {
      level = it->get<std::string>();
    }
    if (options_.set_log_level) {
      absl::Status s = options_.set_log_level(level);
      if (!s.ok()) {
        nlohmann::json err = {{"message", std::string(s.message())}};
        return respond(HttpResponse::Text(400, err.dump(), "application/json"));
      }
    }
    HttpResponse r;
    r.status = 204;
    return respond(std::move(r));
  }
  if (path.starts_with("/v2/") || path == "/v2") {
    if (options_.v2_handler != nullptr) return options_.v2_handler->Handle(request, respond);
    return respond(PageNotFound());
  }
  if (path.starts_with("/v3/") || path.starts_with("/v3beta/")) {
    if (options_.gateway != nullptr) return options_.gateway->Handle(request, respond);
    return respond(PageNotFound());
  }
  // /debug/pprof/* (Go runtime profiles) and everything else.
  return respond(PageNotFound());
}

void HttpEndpoints::Health(const HttpRequest& request, HttpRespond respond) {
  std::set<std::string> excluded;
  for (const std::string& v : request.QueryValues("exclude")) excluded.insert(v);
  server::HealthInfo info = api_->Health();
  for (const auto& alarm : info.alarms) {
    if (excluded.count(etcdserverpb::AlarmType_Name(alarm.alarm())) == 0) {
      return respond(HealthResponse(false));
    }
  }
  if (!info.has_leader) return respond(HealthResponse(false));
  api_->CheckQuorum(options_.health_timeout_ms, [respond](absl::Status s) {
    // etcd counts a permission error on its probe read as healthy.
    respond(HealthResponse(s.ok() || errors::Is(s, errors::Err::kPermissionDenied)));
  });
}

}  // namespace etcd::api
