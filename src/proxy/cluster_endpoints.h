// Where the proxy learns the cluster's client URLs, given peer URLs (from the discovery
// token's registrations, or --initial-cluster with --proxy=on): each peer URL is asked
// for the member list until one answers, as etcd's proxy does with GET <peer>/members.
// Our members answer peerpb.Peer/Members on the peer port (a joining caller's hello:
// cluster 0, member 0); for a peer that does not speak it, GET <peer>/members (etcd's
// JSON: [{"id", "name", "peerURLs", "clientURLs"}]) is tried next.
//
// Thread safety: stateless functions; callable from any thread. They block for at most
// `timeout` per peer URL.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace etcd::proxy {

struct ClusterMembers {
  std::vector<std::string> client_urls;  // every member's, in member order, deduplicated
  std::vector<std::string> peer_urls;    // likewise (the next refresh asks these too)
  std::string answered_by;               // the peer URL that answered
  size_t members = 0;                    // how many members the list had
};

absl::StatusOr<ClusterMembers> FetchClusterMembers(const std::vector<std::string>& peer_urls,
                                                   std::chrono::milliseconds timeout);

// The client URLs in etcd's /members JSON (exposed for tests).
absl::StatusOr<std::vector<std::string>> ParseMembersJson(const std::string& body);

}  // namespace etcd::proxy
