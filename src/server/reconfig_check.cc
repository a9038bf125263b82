#include "server/reconfig_check.h"

#include "common/errors.h"

namespace etcd::server {
namespace {

bool Started(const membership::Member& m) { return !m.name.empty(); }

bool ConnectedSince(const ReconfigView& v, uint64_t id, Clock::TimePoint since) {
  if (!v.active_since) return false;
  auto t = v.active_since(id);
  return t.has_value() && *t < since;
}

}  // namespace

int ConnectedVoters(const ReconfigView& v) {
  const Clock::TimePoint since = v.now - kPeerHealthInterval;
  int n = 0;
  for (const auto& m : v.members) {
    if (m.is_learner) continue;
    if (m.id == v.self || ConnectedSince(v, m.id, since)) ++n;
  }
  return n;
}

absl::Status MayAddMember(const ReconfigView& v, bool strict, bool is_learner) {
  if (!strict) return absl::OkStatus();
  int nmembers = 1;  // the one being added
  int nstarted = 0;
  int voters = 0;
  for (const auto& m : v.members) {
    if (m.is_learner) continue;
    ++voters;
    ++nmembers;
    if (Started(m)) ++nstarted;
  }
  // Growing a one-member cluster (e.g. restored from a backup) is always allowed.
  const bool grow_single = nstarted == 1 && nmembers == 2;
  if (!is_learner && !grow_single && nstarted < nmembers / 2 + 1) {
    return errors::Make(errors::Err::kMemberNotEnoughStarted);
  }
  // Learners too (etcd 3.4.23 refuses `member add --learner` right after start-up).
  if (ConnectedVoters(v) != voters) return errors::Make(errors::Err::kUnhealthy);
  return absl::OkStatus();
}

absl::Status MayRemoveMember(const ReconfigView& v, bool strict, uint64_t id) {
  if (!strict) return absl::OkStatus();
  const membership::Member* target = nullptr;
  for (const auto& m : v.members) {
    if (m.id == id) target = &m;
  }
  if (target != nullptr && target->is_learner) return absl::OkStatus();
  int nmembers = 0, nstarted = 0, voters = 0;
  for (const auto& m : v.members) {
    if (m.is_learner) continue;
    ++voters;
    if (m.id == id) continue;
    ++nmembers;
    if (Started(m)) ++nstarted;
  }
  if (nstarted < nmembers / 2 + 1) return errors::Make(errors::Err::kMemberNotEnoughStarted);
  // A peer that is down is not part of the active quorum: removing it is safe.
  if (id != v.self && (!v.active_since || !v.active_since(id).has_value())) {
    return absl::OkStatus();
  }
  if (ConnectedVoters(v) - 1 < 1 + (voters - 1) / 2) {
    return errors::Make(errors::Err::kUnhealthy);
  }
  return absl::OkStatus();
}

absl::Status MayPromoteMember(const ReconfigView& v, bool strict, uint64_t id,
                              const std::optional<std::map<uint64_t, uint64_t>>& match) {
  if (!match.has_value()) return errors::Make(errors::Err::kNotLeader);
  auto learner = match->find(id);
  // A learner the tracker does not show yet (the progress published by the raft loop
  // can trail the membership by one turn) has not caught up either.
  for (const auto& m : v.members) {
    if (m.id == id && m.is_learner && learner == match->end()) {
      return errors::Make(errors::Err::kLearnerNotReady);
    }
  }
  if (learner != match->end()) {
    auto leader = match->find(v.self);
    uint64_t leader_match = leader != match->end() ? leader->second : 0;
    if (static_cast<double>(learner->second) <
        static_cast<double>(leader_match) * kLearnerReadyPercent) {
      return errors::Make(errors::Err::kLearnerNotReady);
    }
  }
  if (!strict) return absl::OkStatus();
  int nmembers = 1, nstarted = 1;  // the learner counts as a started voter
  for (const auto& m : v.members) {
    if (m.is_learner) continue;
    ++nmembers;
    if (Started(m)) ++nstarted;
  }
  if (nstarted < nmembers / 2 + 1) return errors::Make(errors::Err::kMemberNotEnoughStarted);
  return absl::OkStatus();
}

}  // namespace etcd::server
