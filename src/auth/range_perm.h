// Key-range permissions as etcd evaluates them: the READ and WRITE permissions of all
// of a user's roles are merged into two sets of key intervals, and a request is
// permitted only when the whole requested range lies inside one set (reference/api.md
// §7 "Permissions").
//
// Key ranges use etcd's conventions: an empty range_end means the single key `key`; a
// range_end of "\0" means every key >= `key` (open ended); otherwise [key, range_end).
//
// Thread safety: value types; const methods may be called concurrently.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authpb/auth.pb.h"

namespace etcd::auth {

// A set of half-open key intervals [begin, end), kept merged (overlapping and touching
// intervals are joined). A missing end means "no upper bound".
class KeyRangeSet {
 public:
  // Adds the permission range (key, range_end) in etcd's conventions (see above).
  void AddPermission(std::string_view key, std::string_view range_end);
  // Adds [begin, end); nullopt end: unbounded. An empty interval (end <= begin) is ignored.
  void Add(std::string begin, std::optional<std::string> end);

  // True when the requested range (key, range_end), in etcd's conventions, lies
  // entirely inside the set.
  bool Covers(std::string_view key, std::string_view range_end) const;
  bool ContainsKey(std::string_view key) const;

  bool empty() const { return intervals_.empty(); }
  size_t size() const { return intervals_.size(); }

 private:
  // True when [begin, end) is inside one merged interval.
  bool CoversInterval(std::string_view begin, const std::optional<std::string>& end) const;
  // begin -> end (nullopt: unbounded); disjoint, non-touching, sorted by begin.
  std::map<std::string, std::optional<std::string>, std::less<>> intervals_;
};

// The merged permissions of one user.
struct UnifiedPerms {
  KeyRangeSet read;
  KeyRangeSet write;
};

// Merges the key permissions of `roles` (READ -> read, WRITE -> write, READWRITE ->
// both).
UnifiedPerms MergePermissions(const std::vector<const authpb::Role*>& roles);

// The end of the single-key interval of `key` (key + "\0").
std::string KeySuccessor(std::string_view key);

}  // namespace etcd::auth
