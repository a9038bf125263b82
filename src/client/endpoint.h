// Client endpoints as etcdctl and clientv3 accept them: "host:port", "http://host:port",
// "https://host:port" (TLS), or "unix://path". Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace etcd::client {

struct Endpoint {
  std::string target;   // a gRPC target: "host:port" or "unix:path"
  bool secure = false;  // https:// (or unixs://)
  bool operator==(const Endpoint&) const = default;
};

// InvalidArgument for an empty endpoint or an unknown scheme.
absl::StatusOr<Endpoint> ParseEndpoint(std::string_view text);

// Splits a comma-separated list (as --endpoints takes it), trimming blanks and
// skipping empty items.
std::vector<std::string> SplitEndpoints(std::string_view list);

}  // namespace etcd::client
