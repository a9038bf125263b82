#include "api/v2_keys_handler.h"

#include <microhttpd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "v2store/store.h"

namespace etcd::api {
namespace {

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Form values: the query string first, then the body (Go's r.FormValue order).
struct Form {
  std::vector<std::pair<std::string, std::string>> pairs;
  const std::string* Get(const std::string& name) const {
    for (const auto& [k, v] : pairs) {
      if (k == name) return &v;
    }
    return nullptr;
  }
  bool Bool(const std::string& name, bool* value, bool* bad) const {
    const std::string* v = Get(name);
    if (v == nullptr) return false;
    // Go's strconv.ParseBool
    if (*v == "1" || *v == "t" || *v == "T" || *v == "true" || *v == "TRUE" || *v == "True") {
      *value = true;
    } else if (*v == "0" || *v == "f" || *v == "F" || *v == "false" || *v == "FALSE" ||
               *v == "False") {
      *value = false;
    } else {
      *bad = true;
    }
    return true;
  }
};

HttpResponse Json(int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body) + "\n";
  return r;
}

HttpResponse Error(const v2store::V2Error& e,
                   std::vector<std::pair<std::string, std::string>> headers) {
  return Json(e.HttpStatus(), e.Json(), std::move(headers));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseForm(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view part : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    for (std::string* s : {&kv.first, &kv.second}) {
      for (char& c : *s) {
        if (c == '+') c = ' ';
      }
      s->resize(MHD_http_unescape(s->data()));
    }
    out.push_back(std::move(kv));
  }
  return out;
}

int64_t V2KeysHandler::NowNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_->WallNow().time_since_epoch())
      .count();
}

std::vector<std::pair<std::string, std::string>> V2KeysHandler::Headers(uint64_t etcd_index) const {
  etcdserverpb::ResponseHeader h;
  api_->FillHeader(&h);
  return {{"X-Etcd-Cluster-Id", Hex(api_->ClusterId())},
          {"X-Etcd-Index", absl::StrCat(etcd_index)},
          {"X-Raft-Index", absl::StrCat(api_->CommittedRaftIndex())},
          {"X-Raft-Term", absl::StrCat(h.raft_term())}};
}

void V2KeysHandler::Handle(const HttpRequest& request, HttpRespond respond) {
  const std::string& path = request.path;
  if (api_->V2Store() == nullptr) return respond(HttpResponse::GoError(404, "404 page not found"));
  if (path == "/v2/keys" || path.starts_with("/v2/keys/")) {
    // /v2/stats/store counts the answers (v2_members_handler.h).
    auto form = request.query;
    if (request.method != "GET") {
      for (auto& kv : ParseForm(request.body)) form.push_back(std::move(kv));
    }
    bool has_prev_exist = false, prev_exist = false, has_compare = false, wait = false;
    for (const auto& [k, v] : form) {
      if (k == "prevExist") {
        has_prev_exist = true;
        prev_exist = v == "true" || v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "True";
      }
      if (k == "prevValue" || k == "prevIndex") has_compare = true;
      if (k == "wait" && v == "true") wait = true;
    }
    if (!wait) {
      respond = [this, respond = std::move(respond), method = request.method, has_prev_exist,
                 prev_exist, has_compare](HttpResponse r) {
        store_stats_.Count(method, has_prev_exist, prev_exist, has_compare, r.status);
        respond(std::move(r));
      };
    }
    return Keys(request, path.substr(std::string("/v2/keys").size()), std::move(respond));
  }
  if (path == "/v2/members" || path.starts_with("/v2/members/")) {
    return members_.Members(request, std::move(respond));
  }
  if (path.starts_with("/v2/stats/")) {
    return members_.Stats(request, store_stats_, api_->V2Store()->WatcherCount(),
                          std::move(respond));
  }
  if (path == "/v2/machines") return Machines(request, std::move(respond));
  respond(HttpResponse::GoError(404, "404 page not found"));
}

void V2KeysHandler::Keys(const HttpRequest& request, const std::string& raw_key,
                         HttpRespond respond) {
  v2store::Store* store = api_->V2Store();
  const std::string key = v2store::CleanPath(raw_key);
  Form form;
  for (const auto& q : request.query) form.pairs.push_back(q);
  if (request.method == "PUT" || request.method == "POST" || request.method == "DELETE") {
    for (auto& kv : ParseForm(request.body)) form.pairs.push_back(std::move(kv));
  }
  auto bad = [&](int code, const std::string& cause) {
    // Request errors carry index 0, as etcd's do.
    respond(Error(v2store::V2Error{code, cause, 0}, Headers(store->Index())));
  };
  bool bad_bool = false;
  bool recursive = false, sorted = false, wait = false, dir = false, refresh = false;
  bool quorum = false, no_value = false;
  form.Bool("recursive", &recursive, &bad_bool);
  form.Bool("sorted", &sorted, &bad_bool);
  form.Bool("wait", &wait, &bad_bool);
  form.Bool("dir", &dir, &bad_bool);
  form.Bool("refresh", &refresh, &bad_bool);
  form.Bool("quorum", &quorum, &bad_bool);
  form.Bool("noValueOnSuccess", &no_value, &bad_bool);
  if (bad_bool) return bad(v2store::kInvalidField, "invalid value for boolean");
  uint64_t wait_index = 0, prev_index = 0;
  if (const std::string* v = form.Get("waitIndex"); v != nullptr && !v->empty()) {
    if (!absl::SimpleAtoi(*v, &wait_index)) {
      return bad(v2store::kIndexNaN, "invalid value for \"waitIndex\"");
    }
  }
  if (const std::string* v = form.Get("prevIndex"); v != nullptr && !v->empty()) {
    if (!absl::SimpleAtoi(*v, &prev_index)) {
      return bad(v2store::kIndexNaN, "invalid value for \"prevIndex\"");
    }
  }
  int64_t ttl = 0;
  bool has_ttl = false;
  if (const std::string* v = form.Get("ttl"); v != nullptr && !v->empty()) {
    if (!absl::SimpleAtoi(*v, &ttl) || ttl < 0) {
      return bad(v2store::kTtlNaN, "invalid value for \"ttl\"");
    }
    has_ttl = true;
  }

  if (request.method == "GET" || request.method == "HEAD") {
    if (!wait) {
      auto o = store->Get(key, recursive, sorted, NowNs());
      if (!o.ok()) return respond(Error(*o.error, Headers(o.error->index)));
      return respond(Json(200, o.event.Json(), Headers(o.event.etcd_index)));
    }
    // Long poll: headers now (X-Etcd-Index of the moment the watch starts), the event
    // when it happens; a client that hangs up cancels the watch.
    auto stream = std::make_shared<HttpStream>();
    uint64_t id = 0;
    bool registered = false;
    const uint64_t start_index = store->Index();
    auto o = store->Watch(
        key, recursive, wait_index,
        [stream](const v2store::Event& e) {
          stream->Write(e.Json() + "\n");
          stream->Close();
        },
        &id, &registered);
    if (!o.ok()) return respond(Error(*o.error, Headers(o.error->index)));
    if (!registered) return respond(Json(200, o.event.Json(), Headers(start_index)));
    stream->set_on_abort([store, id] { store->CancelWatch(id); });
    HttpResponse r;
    r.status = 200;
    r.headers = Headers(start_index);
    r.headers.emplace_back("Content-Type", "application/json");
    r.stream = stream;
    return respond(std::move(r));
  }

  if (request.method != "PUT" && request.method != "POST" && request.method != "DELETE") {
    HttpResponse r = HttpResponse::GoError(405, "Method Not Allowed");
    r.headers.emplace_back("Allow", "GET, HEAD, POST, PUT, DELETE");
    return respond(std::move(r));
  }
  serverpb::V2Request q;
  q.set_method(request.method);
  q.set_path(key);
  q.set_dir(dir);
  q.set_recursive(recursive);
  q.set_refresh(refresh);
  q.set_no_value_on_success(no_value);
  q.set_time_ns(NowNs());
  if (const std::string* v = form.Get("value"); v != nullptr) q.set_value(*v);
  if (const std::string* v = form.Get("prevValue"); v != nullptr) {
    if (v->empty()) return bad(v2store::kPrevValueRequired, "\"prevValue\" cannot be empty");
    q.set_has_prev_value(true);
    q.set_prev_value(*v);
  }
  q.set_prev_index(prev_index);
  bool prev_exist = false, bad_exist = false;
  if (form.Bool("prevExist", &prev_exist, &bad_exist)) {
    if (bad_exist) return bad(v2store::kInvalidField, "invalid value for \"prevExist\"");
    q.set_prev_exist(prev_exist ? 1 : 2);
  }
  if (dir && form.Get("value") != nullptr && !form.Get("value")->empty()) {
    return bad(v2store::kInvalidField, "value cannot be set with dir=true");
  }
  if (refresh) {
    if (form.Get("value") != nullptr)
      return bad(v2store::kRefreshValue, "A value was provided on a refresh");
    if (!has_ttl) return bad(v2store::kRefreshTtlRequired, "No TTL value set");
  }
  if (has_ttl) q.set_expire_ns(q.time_ns() + ttl * 1000000000LL);
  server::RequestContext ctx;
  api_->V2Write(ctx, q, [this, respond](absl::StatusOr<serverpb::V2Response> r) {
    if (!r.ok()) {
      // Raft-level failures (no leader, timeout, stopping) as etcd's v2 300/301.
      v2store::V2Error e{v2store::kRaftInternal, std::string(r.status().message()), 0};
      return respond(Error(e, {}));
    }
    respond(Json(r->http_status(), r->body(), Headers(r->etcd_index())));
  });
}

void V2KeysHandler::Machines(const HttpRequest& request, HttpRespond respond) {
  (void)request;
  server::RequestContext ctx;
  etcdserverpb::MemberListRequest req;
  api_->MemberList(ctx, req, [respond](absl::StatusOr<etcdserverpb::MemberListResponse> r) {
    if (!r.ok()) return respond(HttpResponse::GoError(500, std::string(r.status().message())));
    std::vector<std::string> urls;
    for (const auto& m : r->members()) {
      for (const auto& u : m.clienturls()) urls.push_back(u);
    }
    respond(HttpResponse::Text(200, absl::StrJoin(urls, ", ")));
  });
}

}  // namespace etcd::api
