// Peer URLs ("http://10.0.0.1:2380") turned into gRPC addresses ("10.0.0.1:2380").
//
// Thread safety: pure functions on values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace etcd::transport {

struct PeerUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6 ("::1")
  int port = 0;
  // "host:port" (IPv6 in brackets), what grpc::CreateChannel and AddListeningPort take.
  std::string Target() const;
  // Back to "scheme://host:port".
  std::string ToString() const;
};

// Accepts http:// and https:// URLs with an explicit port and no path other than "/".
// InvalidArgument naming the URL otherwise.
absl::StatusOr<PeerUrl> ParsePeerUrl(std::string_view url);

// "a,b,c": how URL lists appear in messages.
std::string JoinUrls(const std::vector<std::string>& urls);

}  // namespace etcd::transport
