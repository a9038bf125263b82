// The proxy's upstreams: the cluster's client URLs, one gRPC channel each, and which one
// to use. Calls go to the current endpoint while its channel is usable; a call that
// fails with UNAVAILABLE (or an HTTP connect error) reports the endpoint, and the next
// one becomes current (failover). `Order()` lists every endpoint, the preferred first:
// the current one if its channel is not failing, then the others in ring order with
// READY channels before the rest. The endpoint list can be replaced (periodic refresh of
// the member list); channels of endpoints that stay are kept.
//
// Thread safety: all methods may be called from any thread (one mutex, never held
// across a call into gRPC other than the non-blocking Channel::GetState).
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace etcd::proxy {

struct Upstream {
  std::string url;     // "http://127.0.0.1:2379"
  std::string target;  // "127.0.0.1:2379" (gRPC target)
  std::shared_ptr<grpc::Channel> channel;
};

// "http://h:p" / "https://h:p[/...]" -> "h:p"; "" when the URL is not http(s).
std::string GrpcTarget(const std::string& url);

class UpstreamPool {
 public:
  explicit UpstreamPool(const std::vector<std::string>& urls);
  // Given channels (tests: in-process servers); SetEndpoints keeps them by URL.
  explicit UpstreamPool(std::vector<Upstream> upstreams) : endpoints_(std::move(upstreams)) {}

  // Replaces the endpoint list (order kept); returns true when it changed.
  bool SetEndpoints(const std::vector<std::string>& urls);
  std::vector<std::string> Urls() const;

  // Every endpoint, the preferred first (see above). Empty when there are none.
  std::vector<Upstream> Order();
  // A call through `url` failed for connectivity reasons: move on to the next endpoint
  // (if `url` is still the current one).
  void ReportFailure(const std::string& url);

 private:
  static Upstream Make(const std::string& url);

  mutable absl::Mutex mu_;
  std::vector<Upstream> endpoints_ ABSL_GUARDED_BY(mu_);
  size_t current_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace etcd::proxy
