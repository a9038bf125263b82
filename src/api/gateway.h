// The /v3 JSON gateway, as etcd 3.4 serves it with grpc-gateway v1 (reference/api.md
// §10.1; bytes checked against etcd 3.4.23):
//   - POST only: another method gets 405 "Method Not Allowed" (no Allow header); an
//     unknown path 404 "Not Found"; /v3beta/... is the same as /v3/...;
//   - the body is JSON (gateway_json.h); a body that does not decode gets 400 with Go's
//     decoder message and code 3;
//   - success: 200, the response in JSON, Content-Type application/json and
//     Grpc-Metadata-Content-Type: application/grpc;
//   - an RPC error: {"error":m,"message":m,"code":c}, the HTTP status of grpc-gateway's
//     HTTPStatusFromCode, sent chunked with the trailer Grpc-Trailer-Content-Type;
//   - /v3/lease/keepalive and /v3/watch stream: the body is a sequence of requests,
//     each answer one line {"result":{...}}; an error ends the stream with
//     {"error":{"grpc_code":..,"http_code":..,"message":..,"http_status":..}};
//   - "Authorization: <token>" becomes RequestContext.token.
// Routes whose services do not exist yet (lock, election) answer as an unregistered
// gRPC service does (code 12, HTTP 501); maintenance/snapshot answers UNIMPLEMENTED.
//
// Thread safety: Handle may run on any thread; answers and stream writes come from
// server threads. The gateway itself is immutable after construction.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "api/http_types.h"
#include "common/status.h"
#include "google/protobuf/message.h"
#include "server/server_api.h"

namespace etcd::api {

// grpc-gateway v1's runtime.HTTPStatusFromCode.
int HttpStatusFromGrpcCode(absl::StatusCode code);

// The gateway's error answer for an RPC error (chunked, with the gRPC trailer).
HttpResponse GatewayRpcError(const absl::Status& status);
// The gateway's answer for a request body that does not decode (status 400, code 3),
// or for a streaming call whose first request does not decode (500, code 2).
HttpResponse GatewayDecodeError(const absl::Status& status, bool streaming);
// 200 with the message as JSON.
HttpResponse GatewayOk(const google::protobuf::Message& response);

class Gateway final : public HttpHandler {
 public:
  explicit Gateway(server::ServerApi* api);
  void Handle(const HttpRequest& request, HttpRespond respond) override;

  using Route = std::function<void(const HttpRequest&, const server::RequestContext&, HttpRespond)>;

 private:
  void KeepAlive(const HttpRequest& request, const server::RequestContext& rc, HttpRespond respond);
  void Watch(const HttpRequest& request, const server::RequestContext& rc, HttpRespond respond);

  server::ServerApi* const api_;
  std::map<std::string, Route> routes_;
};

}  // namespace etcd::api
