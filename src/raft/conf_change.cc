#include "raft/conf_change.h"

#include "absl/strings/str_cat.h"

namespace etcd::raft {

namespace {

void MakeVoter(ProgressTracker* tr, uint64_t id, uint64_t last_index) {
  Progress* pr = tr->Get(id);
  if (pr == nullptr) {
    tr->progress.emplace(id, tr->MakeProgress(last_index, false));
  } else {
    pr->is_learner = false;  // promotion keeps the learner's replication progress
  }
  tr->config.learners.erase(id);
  tr->config.voters.insert(id);
}

void MakeLearner(ProgressTracker* tr, uint64_t id, uint64_t last_index) {
  Progress* pr = tr->Get(id);
  if (pr == nullptr) {
    tr->progress.emplace(id, tr->MakeProgress(last_index, true));
  } else {
    pr->is_learner = true;  // demotion (or already a learner)
  }
  tr->config.voters.erase(id);
  tr->config.learners.insert(id);
}

void Remove(ProgressTracker* tr, uint64_t id) {
  tr->config.voters.erase(id);
  tr->config.learners.erase(id);
  tr->progress.erase(id);
}

}  // namespace

absl::Status ApplyConfChangeToTracker(ProgressTracker* tracker, const raftpb::ConfChange& cc,
                                      uint64_t last_index) {
  if (cc.node_id() == 0) return absl::OkStatus();
  bool removes_last_voter = tracker->config.voters.size() == 1 &&
                            tracker->config.voters.count(cc.node_id()) == 1 &&
                            (cc.type() == raftpb::CONF_CHANGE_REMOVE_NODE ||
                             cc.type() == raftpb::CONF_CHANGE_ADD_LEARNER_NODE);
  if (removes_last_voter) return absl::FailedPreconditionError("removed all voters");
  switch (cc.type()) {
    case raftpb::CONF_CHANGE_ADD_NODE:
      MakeVoter(tracker, cc.node_id(), last_index);
      break;
    case raftpb::CONF_CHANGE_ADD_LEARNER_NODE:
      MakeLearner(tracker, cc.node_id(), last_index);
      break;
    case raftpb::CONF_CHANGE_REMOVE_NODE:
      Remove(tracker, cc.node_id());
      break;
    case raftpb::CONF_CHANGE_UPDATE_NODE:
      break;  // only the application's view of the member changes
    default:
      return absl::InvalidArgumentError(absl::StrCat("unexpected conf change type ", cc.type()));
  }
  return absl::OkStatus();
}

absl::Status RestoreTracker(ProgressTracker* tracker, const raftpb::ConfState& cs,
                            uint64_t last_index) {
  for (uint64_t id : cs.voters()) {
    for (uint64_t l : cs.learners()) {
      if (id == l) {
        return absl::InvalidArgumentError(
            absl::StrCat("node ", id, " is in both voters and learners"));
      }
    }
  }
  tracker->config = TrackerConfig{};
  tracker->progress.clear();
  for (uint64_t id : cs.voters()) MakeVoter(tracker, id, last_index);
  for (uint64_t id : cs.learners()) MakeLearner(tracker, id, last_index);
  return absl::OkStatus();
}

std::string DescribeConfChange(const raftpb::ConfChange& cc) {
  const char* op = "?";
  switch (cc.type()) {
    case raftpb::CONF_CHANGE_ADD_NODE:
      op = "v";
      break;
    case raftpb::CONF_CHANGE_REMOVE_NODE:
      op = "r";
      break;
    case raftpb::CONF_CHANGE_UPDATE_NODE:
      op = "u";
      break;
    case raftpb::CONF_CHANGE_ADD_LEARNER_NODE:
      op = "l";
      break;
    default:
      break;
  }
  return absl::StrCat(op, cc.node_id());
}

}  // namespace etcd::raft
