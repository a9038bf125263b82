// The discovery-URL bootstrap client (--discovery): etcd's v2 discovery protocol
// (reference/api.md §12). The URL's path is the token's key prefix; the member registers
// "<name>=<peer-url>[,...]" under <prefix>/<member-id-hex> with prevExist=false, then
// waits (wait=true&waitIndex) until <prefix>/_config/size members have registered; the
// initial cluster is their values in createdIndex order. Errors carry etcd's texts
// ("discovery: cluster is full", "discovery: found duplicate id", "discovery: found
// duplicate name", "discovery: size key is bad", "discovery: bad discovery endpoint")
// plus which token and which names.
//
// HTTP goes through an injected client (libcurl in production, a fake in tests);
// sleeping between retries through an injected function.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace etcd::discovery {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // `form` is sent as application/x-www-form-urlencoded when method is PUT. No timeout
  // when `wait` is true (a long poll); otherwise `timeout_ms`.
  virtual absl::StatusOr<HttpResult> Do(const std::string& method, const std::string& url,
                                        const std::string& form, bool wait) = 0;
};

// libcurl; `proxy` is --discovery-proxy ("" = none).
std::unique_ptr<HttpClient> NewCurlHttpClient(const std::string& proxy, long timeout_ms);

struct DiscoveryOptions {
  std::string url;         // --discovery
  uint64_t member_id = 0;  // this member's ID (its registration key, in hex)
  std::string name;        // --name
  std::string value;       // "<name>=<peer-url>[,<name>=<peer-url2>]"
  // Connection errors are retried with backoff 2 s, 4 s ... 256 s (etcd's), at most
  // `max_retries` times (etcd: unbounded).
  uint32_t max_retries = UINT32_MAX;
  std::function<void(int64_t ms)> sleep;           // required
  std::function<void(const std::string&)> status;  // progress lines (STATUS=, logs)
};

// Registers and waits; returns the initial cluster ("n1=u1,n2=u2,n3=u3").
absl::StatusOr<std::string> JoinCluster(HttpClient& http, const DiscoveryOptions& options);

// Without registering: the peer URLs of the members registered so far (the first
// _config/size of them, in createdIndex order), e.g. for a proxy (--discovery-fallback=
// proxy after "cluster is full", or --proxy=on with --discovery). Uses options.url,
// max_retries, sleep and status only.
absl::StatusOr<std::vector<std::string>> RegisteredPeerUrls(HttpClient& http,
                                                            const DiscoveryOptions& options);

}  // namespace etcd::discovery
