// The membership store: the members of the cluster, the IDs of removed members and the
// cluster version. The in-memory copy serves readers; every change is also written
// into the backend's pending batch (bucket kMembers / kCluster, docs/design/server.md
// "Membership records") by the applier, so it commits atomically with the entry that
// caused it and is recovered from the backend on restart.
//
// Thread safety: all methods may be called from any thread (one internal mutex). The
// mutating methods that take a `storage::Backend*` must be called on the thread that
// owns the backend's pending batch (the applier); pass nullptr to change memory only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "membership/member.h"
#include "raftpb/raft.pb.h"
#include "storage/backend.h"

namespace etcd::membership {

class RaftCluster {
 public:
  RaftCluster() = default;
  RaftCluster(const RaftCluster&) = delete;
  RaftCluster& operator=(const RaftCluster&) = delete;

  // The bootstrap cluster of --initial-cluster: name -> peer URLs (in the given order,
  // a name may have several URLs). Member IDs are derived with `token`, the cluster ID
  // from the member IDs. Errors: duplicate URL, empty name/URL list.
  static absl::StatusOr<std::unique_ptr<RaftCluster>> FromInitialCluster(
      const std::string& token,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& initial_cluster);

  // Replaces the in-memory state with what the backend holds (committed or pending).
  absl::Status Recover(const storage::Backend& backend);

  uint64_t id() const;
  void SetId(uint64_t cluster_id);

  // Members sorted by ID.
  std::vector<Member> Members() const;
  std::vector<uint64_t> MemberIds() const;
  std::vector<uint64_t> VotingMemberIds() const;
  std::optional<Member> Find(uint64_t id) const;
  std::optional<Member> FindByName(const std::string& name) const;
  bool IsRemoved(uint64_t id) const;
  // "" while undecided.
  std::string Version() const;

  // Checks a conf change against the current membership as etcd does: kMemberExist /
  // kPeerURLExist for additions, kMemberNotFound for removal/update of an unknown
  // member, removed IDs are refused with kMemberNotFound (the ID may not come back).
  // `member` is the decoded conf-change context (absent for removals).
  absl::Status ValidateConfChange(raftpb::ConfChangeType type, uint64_t node_id,
                                  const std::optional<Member>& member) const;

  // --- mutations (applier thread when `backend` is given) ---
  // Adding an existing member with the same ID replaces it (bootstrap entries re-add
  // the initial members).
  void AddMember(const Member& m, storage::Backend* backend);
  void RemoveMember(uint64_t id, storage::Backend* backend);
  // Name and client URLs (a member publishing itself).
  void UpdateAttributes(uint64_t id, const std::string& name,
                        const std::vector<std::string>& client_urls, storage::Backend* backend);
  void UpdatePeerUrls(uint64_t id, const std::vector<std::string>& peer_urls,
                      storage::Backend* backend);
  void PromoteMember(uint64_t id, storage::Backend* backend);
  void SetVersion(const std::string& version, storage::Backend* backend);

  // Backend keys (bucket-local), for tools and tests.
  static std::string MemberKey(uint64_t id);
  static std::string RemovedKey(uint64_t id);
  static constexpr const char* kVersionKey = "clusterVersion";
  static constexpr const char* kClusterIdKey = "clusterID";

 private:
  void PersistMemberLocked(const Member& m, storage::Backend* backend)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Another member (or, without skip_self, any member) already uses one of m's URLs.
  bool UrlTakenLocked(const Member& m, bool skip_self) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int LearnersLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  uint64_t cluster_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, Member> members_ ABSL_GUARDED_BY(mu_);
  std::set<uint64_t> removed_ ABSL_GUARDED_BY(mu_);
  std::string version_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::membership
