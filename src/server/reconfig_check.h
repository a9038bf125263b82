// The checks etcd 3.4 makes before proposing a membership change, as pure functions
// of the membership, the transport's view of which peers are connected and the
// leader's replication progress (docs/design/server.md "Membership changes"):
//
//  * MayAddMember (--strict-reconfig-check only): a voter may be added only if the
//    started voters stay a quorum of the larger cluster (a 1-member cluster may always
//    grow to 2) -> kMemberNotEnoughStarted; and only while this member has been
//    connected to every other voter for the health interval (5 s) -> kUnhealthy.
//    Learners skip the first check only.
//  * MayRemoveMember (strict only; learners skip): the started voters left must be a
//    quorum -> kMemberNotEnoughStarted; removing a peer that is down is always safe;
//    otherwise the connected voters minus the removed one must still be a quorum ->
//    kUnhealthy.
//  * MayPromoteMember: on the leader only (nullopt progress -> kNotLeader); the learner
//    must have replicated >= 90% of the leader's log (a learner missing from the
//    progress counts as not caught up) -> kLearnerNotReady; with strict,
//    counting the learner as a started voter, the started voters must be a quorum ->
//    kMemberNotEnoughStarted. Unknown members and voters pass here; the applier refuses
//    them (kMemberNotFound / kMemberNotLearner).
//
// A member is "started" once it published its name (etcd's IsStarted).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "membership/member.h"

namespace etcd::server {

// etcd's HealthInterval: how long a peer must have been connected to count.
inline constexpr std::chrono::seconds kPeerHealthInterval{5};
// etcd's readyPercent: a learner is in sync at >= 90% of the leader's match index.
inline constexpr double kLearnerReadyPercent = 0.9;

struct ReconfigView {
  uint64_t self = 0;
  std::vector<membership::Member> members;
  // Since when the stream to a peer is up (nullopt: down or unknown).
  std::function<std::optional<Clock::TimePoint>(uint64_t)> active_since;
  Clock::TimePoint now{};
};

absl::Status MayAddMember(const ReconfigView& v, bool strict, bool is_learner);
absl::Status MayRemoveMember(const ReconfigView& v, bool strict, uint64_t id);
// `match`: the leader's replication progress (member ID -> match index), nullopt when
// this member is not the leader.
absl::Status MayPromoteMember(const ReconfigView& v, bool strict, uint64_t id,
                              const std::optional<std::map<uint64_t, uint64_t>>& match);

// Voters connected for the health interval, this member included.
int ConnectedVoters(const ReconfigView& v);

}  // namespace etcd::server
