// A cluster member and the two derived identifiers, computed byte for byte as etcd 3.4
// computes them so that the same configuration gives the same IDs:
//
//  * member ID = first 8 bytes (big-endian) of SHA-1 over
//      concat(sorted peer URLs) + cluster token [+ decimal unix seconds, for MemberAdd]
//  * cluster ID = first 8 bytes (big-endian) of SHA-1 over the member IDs sorted
//      ascending, each as 8 big-endian bytes.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serverpb/internal.pb.h"

namespace etcd::membership {

struct Member {
  uint64_t id = 0;
  std::string name;                      // empty until the member publishes itself
  std::vector<std::string> peer_urls;    // kept sorted
  std::vector<std::string> client_urls;  // empty until the member publishes itself
  bool is_learner = false;

  bool operator==(const Member& other) const = default;

  serverpb::Member ToProto() const;
  static Member FromProto(const serverpb::Member& pb);
};

// etcd's member ID. `unix_seconds` is given only for runtime additions (MemberAdd),
// where etcd mixes in the current time; bootstrap members pass std::nullopt.
uint64_t ComputeMemberId(std::vector<std::string> peer_urls, std::string_view token,
                         std::optional<int64_t> unix_seconds = std::nullopt);

// etcd's cluster ID over the given member IDs (order does not matter).
uint64_t ComputeClusterId(std::vector<uint64_t> member_ids);

// A member with its derived ID and sorted peer URLs.
Member NewMember(std::string name, std::vector<std::string> peer_urls, std::string_view token,
                 std::optional<int64_t> unix_seconds = std::nullopt, bool is_learner = false);

// Lower-case hex without padding, the form etcd prints IDs in ("8e9e05c52164694d").
std::string IdToHex(uint64_t id);
// Parses up to 16 hex digits; false on anything else.
bool ParseHexId(std::string_view text, uint64_t* id);

}  // namespace etcd::membership
