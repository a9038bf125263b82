// Test helpers: a ClientPort on 127.0.0.1 (ephemeral port) over a FakeServerApi, a gRPC
// channel to it, and a small libcurl client that returns status, headers and body.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/client_port.h"
#include "fake_server_api.h"

namespace etcd::api::testing {

struct HttpResult {
  long status = 0;                                           // NOLINT(runtime/int): libcurl's type
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::map<std::string, std::string> trailers;               // (not filled by curl)
  std::string body;
  std::string Header(const std::string& name) const;  // case-insensitive; "" if absent
  bool HasHeader(const std::string& name) const;
};

// One HTTP/1.1 request. `headers` are "Name: value" lines.
HttpResult Http(const std::string& method, const std::string& url, const std::string& body = "",
                const std::vector<std::string>& headers = {});

class TestPort {
 public:
  explicit TestPort(ClientPortOptions options = DefaultOptions());
  ~TestPort();

  static ClientPortOptions DefaultOptions();

  FakeServerApi& api() { return api_; }
  ClientPort& port() { return *port_; }
  int tcp_port() const { return port_->ports()[0]; }
  std::string url(const std::string& path) const;
  std::string target() const;  // "127.0.0.1:<port>" for gRPC
  std::shared_ptr<grpc::Channel> Channel() const;

 private:
  FakeServerApi api_;
  std::unique_ptr<ClientPort> port_;
};

}  // namespace etcd::api::testing
