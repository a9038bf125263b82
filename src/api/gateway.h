// The /v3 JSON gateway (grpc-gateway v1 as etcd 3.4 serves it). See gateway.cc.
#pragma once

#include "api/http_types.h"
#include "server/server_api.h"

namespace etcd::api {

class Gateway final : public HttpHandler {
 public:
  explicit Gateway(server::ServerApi* api) : api_(api) {}
  void Handle(const HttpRequest& request, HttpRespond respond) override;

 private:
  server::ServerApi* const api_;
};

}  // namespace etcd::api
