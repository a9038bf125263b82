#include "api/gateway.h"

#include <deque>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "api/auth_service.h"
#include "api/gateway_json.h"
#include "api/go_json.h"
#include "api/http_endpoints.h"
#include "api/maintenance_service.h"
#include "watch/watchable_store.h"

namespace etcd::api {
namespace {

using server::RequestContext;
using server::ServerApi;

// Go's http.StatusText for the codes HttpStatusFromGrpcCode produces.
const char* StatusText(int code) {
  switch (code) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

std::string ErrorBody(const absl::Status& s, int code) {
  const std::string msg = gojson::Quote(std::string(s.message()));
  return absl::StrCat("{\"error\":", msg, ",\"message\":", msg, ",\"code\":", code, "}");
}

// A line of a streamed answer.
std::string ResultLine(const google::protobuf::Message& m) {
  return absl::StrCat("{\"result\":", GatewayMarshal(m), "}\n");
}

// The error chunk that ends a stream (runtime.handleForwardResponseStreamError).
std::string StreamErrorChunk(const absl::Status& s) {
  const int http = HttpStatusFromGrpcCode(s.code());
  return absl::StrCat("{\"error\":{\"grpc_code\":", static_cast<int>(s.code()),
                      ",\"http_code\":", http,
                      ",\"message\":", gojson::Quote(std::string(s.message())),
                      ",\"http_status\":", gojson::Quote(StatusText(http)), "}}");
}

HttpResponse StreamHeaders(int status, std::shared_ptr<HttpStream> stream) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"},
               {"Grpc-Metadata-Content-Type", "application/grpc"}};
  r.stream = std::move(stream);
  return r;
}

// Splits a streaming body into requests. An empty vector and OK: no requests. A
// decoding error of the first request is returned; a later one ends the list there
// (the requests before it are still served, as the gateway's send loop does).
template <typename Req>
absl::StatusOr<std::vector<Req>> DecodeRequests(std::string_view body) {
  std::vector<Req> out;
  size_t pos = 0;
  for (;;) {
    bool empty = false;
    size_t consumed = 0;
    absl::StatusOr<gojson::Value> v = gojson::DecodeFirst(body.substr(pos), &empty, &consumed);
    absl::Status s = v.status();
    Req req;
    if (s.ok() && !empty) s = GatewayUnmarshalValue(*v, &req);
    if (!s.ok()) {
      if (out.empty()) return s;
      return out;
    }
    if (empty) return out;
    out.push_back(std::move(req));
    pos += consumed;
  }
}

template <typename Req, typename Resp>
Gateway::Route Unary(ServerApi* api, void (ServerApi::*method)(const RequestContext&, const Req&,
                                                               server::Done<Resp>)) {
  return [api, method](const HttpRequest& http, const RequestContext& rc, HttpRespond respond) {
    Req req;
    if (absl::Status s = GatewayUnmarshal(http.body, &req); !s.ok()) {
      return respond(GatewayDecodeError(s, /*streaming=*/false));
    }
    (api->*method)(rc, req, [respond](absl::StatusOr<Resp> r) {
      respond(r.ok() ? GatewayOk(*r) : GatewayRpcError(r.status()));
    });
  };
}

// An Auth RPC (api/auth_service.h auth_rpc), answered when the member answers.
template <typename Req, typename Resp>
Gateway::Route AuthRoute(ServerApi* api, void (*fn)(ServerApi*, const RequestContext&, const Req&,
                                                    server::Done<Resp>)) {
  return [api, fn](const HttpRequest& http, const RequestContext& rc, HttpRespond respond) {
    Req req;
    if (absl::Status s = GatewayUnmarshal(http.body, &req); !s.ok()) {
      return respond(GatewayDecodeError(s, /*streaming=*/false));
    }
    fn(api, rc, req, [respond](absl::StatusOr<Resp> r) {
      respond(r.ok() ? GatewayOk(*r) : GatewayRpcError(r.status()));
    });
  };
}

template <typename Req, typename Resp>
Gateway::Route Fixed(ServerApi* api, absl::Status (*answer)(ServerApi*, const Req&, Resp*)) {
  return [api, answer](const HttpRequest& http, const RequestContext&, HttpRespond respond) {
    Req req;
    if (absl::Status s = GatewayUnmarshal(http.body, &req); !s.ok()) {
      return respond(GatewayDecodeError(s, /*streaming=*/false));
    }
    Resp resp;
    absl::Status s = answer(api, req, &resp);
    respond(s.ok() ? GatewayOk(resp) : GatewayRpcError(s));
  };
}

Gateway::Route Error(absl::Status status) {
  return [status](const HttpRequest&, const RequestContext&, HttpRespond respond) {
    respond(GatewayRpcError(status));
  };
}

// One /v3/lease/keepalive call: the requests are renewed one after another, each answer
// written as it arrives.
class KeepAliveCall : public std::enable_shared_from_this<KeepAliveCall> {
 public:
  KeepAliveCall(ServerApi* api, RequestContext rc,
                std::vector<etcdserverpb::LeaseKeepAliveRequest> requests, HttpRespond respond)
      : api_(api),
        rc_(std::move(rc)),
        requests_(std::move(requests)),
        respond_(std::move(respond)) {}

  // Runs the renews; synchronous answers are handled in this loop (no recursion).
  void Run() {
    for (;;) {
      size_t i;
      {
        absl::MutexLock l(&mu_);
        if (running_) {
          pending_ = true;  // the loop on another frame picks it up
          return;
        }
        if (next_ >= requests_.size() || stopped_) {
          Finish(absl::OkStatus());
          return;
        }
        running_ = true;
        i = next_;
      }
      auto self = shared_from_this();
      api_->LeaseRenew(rc_, requests_[i],
                       [self](absl::StatusOr<etcdserverpb::LeaseKeepAliveResponse> r) {
                         self->OnAnswer(std::move(r));
                       });
      {
        absl::MutexLock l(&mu_);
        running_ = false;
        if (!pending_) return;  // the answer will come later and call Run
        pending_ = false;
      }
    }
  }

 private:
  void OnAnswer(absl::StatusOr<etcdserverpb::LeaseKeepAliveResponse> r) {
    if (!r.ok()) {
      Finish(r.status());
      return;
    }
    if (!Write(ResultLine(*r), 200)) {
      absl::MutexLock l(&mu_);
      stopped_ = true;
    }
    {
      absl::MutexLock l(&mu_);
      ++next_;
      if (running_) {
        pending_ = true;
        return;
      }
    }
    Run();
  }

  // Starts the HTTP answer on the first write.
  bool Write(std::string bytes, int status) {
    if (stream_ == nullptr) {
      stream_ = std::make_shared<HttpStream>();
      stream_->Write(std::move(bytes));
      respond_(StreamHeaders(status, stream_));
      return true;
    }
    return stream_->Write(std::move(bytes));
  }

  void Finish(const absl::Status& s) {
    if (finished_.exchange(true)) return;
    if (!s.ok()) {
      Write(StreamErrorChunk(s), HttpStatusFromGrpcCode(s.code()));
    } else if (stream_ == nullptr) {
      stream_ = std::make_shared<HttpStream>();
      respond_(StreamHeaders(200, stream_));
    }
    stream_->Close();
  }

  ServerApi* const api_;
  const RequestContext rc_;
  const std::vector<etcdserverpb::LeaseKeepAliveRequest> requests_;
  const HttpRespond respond_;
  std::shared_ptr<HttpStream> stream_;  // written by one answer at a time
  std::atomic<bool> finished_{false};
  absl::Mutex mu_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool pending_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// One /v3/watch call: a WatchStream of the member's store whose responses are pumped
// into the HTTP stream, pausing while more than kMaxBuffered bytes wait for the client.
class WatchPump {
 public:
  static constexpr size_t kMaxBuffered = 1 << 20;

  WatchPump(ServerApi* api, std::weak_ptr<HttpStream> stream)
      : api_(api), stream_(std::move(stream)) {}

  void set_watch(std::unique_ptr<mvcc::WatchStream> w) { watch_ = std::move(w); }
  mvcc::WatchStream* watch() { return watch_.get(); }

  void Pump() {
    absl::MutexLock l(&mu_);
    std::shared_ptr<HttpStream> stream = stream_.lock();
    if (stream == nullptr || watch_ == nullptr) return;
    etcdserverpb::WatchResponse resp;
    while (stream->Buffered() < kMaxBuffered && watch_->Next(&resp)) {
      etcdserverpb::ResponseHeader* h = resp.mutable_header();
      h->set_cluster_id(api_->ClusterId());
      h->set_member_id(api_->MemberId());
      h->set_raft_term(api_->Term());
      if (!stream->Write(ResultLine(resp))) return;
      resp.Clear();
    }
  }

  void Close() {
    if (watch_ != nullptr) watch_->Close();
  }

 private:
  ServerApi* const api_;
  const std::weak_ptr<HttpStream> stream_;
  std::unique_ptr<mvcc::WatchStream> watch_;  // set once, before any wake
  absl::Mutex mu_;                            // one pump at a time keeps the order
};

}  // namespace

int HttpStatusFromGrpcCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 408;
    case absl::StatusCode::kUnknown:
      return 500;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kInternal:
      return 500;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDataLoss:
      return 500;
    default:
      return 500;
  }
}

HttpResponse GatewayRpcError(const absl::Status& status) {
  HttpResponse r;
  r.status = HttpStatusFromGrpcCode(status.code());
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = ErrorBody(status, static_cast<int>(status.code()));
  r.trailers.emplace_back("Grpc-Trailer-Content-Type", "application/grpc");
  return r;
}

HttpResponse GatewayDecodeError(const absl::Status& status, bool streaming) {
  HttpResponse r;
  r.status = streaming ? 500 : 400;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = ErrorBody(status, streaming ? 2 : 3);
  return r;
}

HttpResponse GatewayOk(const google::protobuf::Message& response) {
  HttpResponse r;
  r.headers = {{"Content-Type", "application/json"},
               {"Grpc-Metadata-Content-Type", "application/grpc"}};
  r.body = GatewayMarshal(response);
  return r;
}

Gateway::Gateway(ServerApi* api) : api_(api) {
  namespace da = auth_rpc;
  auto& r = routes_;
  r["/v3/kv/range"] = Unary(api, &ServerApi::Range);
  r["/v3/kv/put"] = Unary(api, &ServerApi::Put);
  r["/v3/kv/deleterange"] = Unary(api, &ServerApi::DeleteRange);
  r["/v3/kv/txn"] = Unary(api, &ServerApi::Txn);
  r["/v3/kv/compaction"] = Unary(api, &ServerApi::Compact);
  r["/v3/lease/grant"] = Unary(api, &ServerApi::LeaseGrant);
  r["/v3/lease/revoke"] = r["/v3/kv/lease/revoke"] = Unary(api, &ServerApi::LeaseRevoke);
  r["/v3/lease/timetolive"] = r["/v3/kv/lease/timetolive"] =
      Unary(api, &ServerApi::LeaseTimeToLive);
  r["/v3/lease/leases"] = r["/v3/kv/lease/leases"] = Unary(api, &ServerApi::LeaseLeases);
  r["/v3/lease/keepalive"] = [this](const HttpRequest& h, const RequestContext& rc,
                                    HttpRespond respond) { KeepAlive(h, rc, respond); };
  r["/v3/watch"] = [this](const HttpRequest& h, const RequestContext& rc, HttpRespond respond) {
    Watch(h, rc, respond);
  };
  r["/v3/cluster/member/add"] = Unary(api, &ServerApi::MemberAdd);
  r["/v3/cluster/member/remove"] = Unary(api, &ServerApi::MemberRemove);
  r["/v3/cluster/member/update"] = Unary(api, &ServerApi::MemberUpdate);
  r["/v3/cluster/member/list"] = Unary(api, &ServerApi::MemberList);
  r["/v3/cluster/member/promote"] = Unary(api, &ServerApi::MemberPromote);
  r["/v3/maintenance/alarm"] = Unary(api, &ServerApi::Alarm);
  r["/v3/maintenance/status"] = Unary(api, &ServerApi::Status);
  r["/v3/maintenance/defragment"] = Unary(api, &ServerApi::Defragment);
  r["/v3/maintenance/hash"] = Unary(api, &ServerApi::Hash);  // Hash and HashKV share it
  r["/v3/maintenance/transfer-leadership"] = Unary(api, &ServerApi::MoveLeader);
  r["/v3/maintenance/snapshot"] = [](const HttpRequest&, const RequestContext&,
                                     HttpRespond respond) {
    const absl::Status s = absl::UnimplementedError(kSnapshotUnimplemented);
    auto stream = std::make_shared<HttpStream>();
    stream->Write(StreamErrorChunk(s));
    stream->Close();
    respond(StreamHeaders(HttpStatusFromGrpcCode(s.code()), stream));
  };
  r["/v3/auth/enable"] = AuthRoute(api, &da::AuthEnable);
  r["/v3/auth/disable"] = AuthRoute(api, &da::AuthDisable);
  r["/v3/auth/status"] = AuthRoute(api, &da::AuthStatus);
  r["/v3/auth/authenticate"] = AuthRoute(api, &da::Authenticate);
  r["/v3/auth/user/add"] = AuthRoute(api, &da::UserAdd);
  r["/v3/auth/user/get"] = AuthRoute(api, &da::UserGet);
  r["/v3/auth/user/list"] = AuthRoute(api, &da::UserList);
  r["/v3/auth/user/delete"] = AuthRoute(api, &da::UserDelete);
  r["/v3/auth/user/changepw"] = AuthRoute(api, &da::UserChangePassword);
  r["/v3/auth/user/grant"] = AuthRoute(api, &da::UserGrantRole);
  r["/v3/auth/user/revoke"] = AuthRoute(api, &da::UserRevokeRole);
  r["/v3/auth/role/add"] = AuthRoute(api, &da::RoleAdd);
  r["/v3/auth/role/get"] = AuthRoute(api, &da::RoleGet);
  r["/v3/auth/role/list"] = AuthRoute(api, &da::RoleList);
  r["/v3/auth/role/delete"] = AuthRoute(api, &da::RoleDelete);
  r["/v3/auth/role/grant"] = AuthRoute(api, &da::RoleGrantPermission);
  r["/v3/auth/role/revoke"] = AuthRoute(api, &da::RoleRevokePermission);
  // Services that do not exist yet answer as gRPC does for an unregistered service.
  for (const char* p : {"/v3/lock/lock", "/v3/lock/unlock"}) {
    r[p] = Error(absl::UnimplementedError("unknown service v3lockpb.Lock"));
  }
  for (const char* p : {"/v3/election/campaign", "/v3/election/proclaim", "/v3/election/leader",
                        "/v3/election/observe", "/v3/election/resign"}) {
    r[p] = Error(absl::UnimplementedError("unknown service v3electionpb.Election"));
  }
}

void Gateway::Handle(const HttpRequest& request, HttpRespond respond) {
  std::string path = request.path;
  if (path.starts_with("/v3beta/")) path = "/v3/" + path.substr(8);
  auto it = routes_.find(path);
  if (it == routes_.end()) return respond(HttpResponse::GoError(404, "Not Found"));
  if (request.method != "POST") return respond(MethodNotAllowed(""));
  RequestContext rc;
  if (const std::string* token = request.Header("authorization")) rc.token = *token;
  rc.cert_common_name = request.tls_common_name;
  it->second(request, rc, std::move(respond));
}

void Gateway::KeepAlive(const HttpRequest& request, const RequestContext& rc, HttpRespond respond) {
  auto requests = DecodeRequests<etcdserverpb::LeaseKeepAliveRequest>(request.body);
  if (!requests.ok()) return respond(GatewayDecodeError(requests.status(), /*streaming=*/true));
  auto call = std::make_shared<KeepAliveCall>(api_, rc, std::move(*requests), std::move(respond));
  call->Run();
}

void Gateway::Watch(const HttpRequest& request, const RequestContext& rc, HttpRespond respond) {
  auto requests = DecodeRequests<etcdserverpb::WatchRequest>(request.body);
  if (!requests.ok()) return respond(GatewayDecodeError(requests.status(), /*streaming=*/true));
  mvcc::WatchableStore* store = api_->Watchable();
  if (store == nullptr) {
    return respond(GatewayRpcError(absl::UnavailableError("etcdserver: server stopped")));
  }
  auto stream = std::make_shared<HttpStream>();
  auto pump = std::make_shared<WatchPump>(api_, stream);
  std::weak_ptr<WatchPump> weak = pump;
  pump->set_watch(store->NewStream([weak] {
    if (auto p = weak.lock()) p->Pump();
  }));
  stream->set_on_drained([weak] {
    if (auto p = weak.lock()) p->Pump();
  });
  // The stream owns the pump; the client going away closes the watch.
  stream->set_on_abort([pump] { pump->Close(); });
  for (const etcdserverpb::WatchRequest& req : *requests) {
    if (req.has_create_request()) {
      server::AuthApi* auth = api_->Auth();
      absl::Status allowed =
          auth != nullptr ? auth->AuthorizeWatch(rc, req.create_request()) : absl::OkStatus();
      if (!allowed.ok()) {
        pump->watch()->RefuseCreate(std::string(allowed.message()));
        continue;
      }
      pump->watch()->Create(req.create_request());
    } else if (req.has_cancel_request()) {
      pump->watch()->Cancel(req.cancel_request().watch_id());
    } else if (req.has_progress_request()) {
      pump->watch()->RequestProgress();
    }
  }
  respond(StreamHeaders(200, stream));
  pump->Pump();
}

}  // namespace etcd::api
