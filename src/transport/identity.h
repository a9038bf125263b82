// Who this member is on the peer port, and the checks both ends make on every call:
// the callee checks the caller's HandshakeRequest (cluster ID, intended member,
// removed), the caller checks the callee's HandshakeResponse (the URL reached the
// member it meant, in the same cluster). The refusal texts are part of the contract
// (docs/design/transport.md): they name both members, their URLs and both cluster IDs.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "peerpb/peer.pb.h"

namespace etcd::transport {

struct LocalIdentity {
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  std::string name;
  std::vector<std::string> peer_urls;  // advertised
  std::string version;

  // The HandshakeRequest this member sends to member `to` (0: any).
  peerpb::HandshakeRequest Hello(uint64_t to) const;
  peerpb::HandshakeResponse Response() const;
};

// Lower-case hex without padding, as etcd prints member and cluster IDs.
std::string HexId(uint64_t id);

// "cluster ID mismatch: local member <id> (<urls>) is in cluster <cid>, remote member
// <id> (<urls>) claims cluster <cid>"
std::string ClusterMismatchMessage(uint64_t local_id, const std::vector<std::string>& local_urls,
                                   uint64_t local_cluster, uint64_t remote_id,
                                   const std::vector<std::string>& remote_urls,
                                   uint64_t remote_cluster);

// The callee's checks on a caller, in order:
//  * cluster ID differs (unless it is 0 and `allow_unknown_cluster`) -> FAILED_PRECONDITION
//    with ClusterMismatchMessage (local = callee);
//  * hello.to is set and is not us -> FAILED_PRECONDITION "member ID mismatch: ...";
//  * the caller is removed -> PERMISSION_DENIED "the member has been permanently
//    removed from the cluster: ...".
absl::Status CheckCaller(const LocalIdentity& local, const peerpb::HandshakeRequest& hello,
                         bool caller_removed, bool allow_unknown_cluster = false);

// The caller's checks on the callee's answer, after dialing `url` to reach member
// `expected_id`: same cluster (FAILED_PRECONDITION, ClusterMismatchMessage with
// local = caller) and the expected member (FAILED_PRECONDITION "member ID mismatch").
absl::Status CheckCallee(const LocalIdentity& local, uint64_t expected_id, const std::string& url,
                         const peerpb::HandshakeResponse& response);

// True for the statuses that mean "this member was removed from the cluster".
bool IsRemovedError(const absl::Status& status);

}  // namespace etcd::transport
