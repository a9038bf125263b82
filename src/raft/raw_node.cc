#include "raft/raw_node.h"

#include "absl/strings/str_cat.h"
#include "raft/util.h"

namespace etcd::raft {

using raftpb::Entry;
using raftpb::Message;

RawNode::RawNode(std::unique_ptr<Raft> r)
    : raft_(std::move(r)),
      prev_soft_state_(raft_->GetSoftState()),
      prev_hard_state_(raft_->GetHardState()) {}

absl::StatusOr<std::unique_ptr<RawNode>> RawNode::Create(const Config& config) {
  auto r = Raft::Create(config);
  if (!r.ok()) return r.status();
  return std::unique_ptr<RawNode>(new RawNode(std::move(r).value()));
}

absl::Status RawNode::Bootstrap(const std::vector<Peer>& peers) {
  if (peers.empty()) {
    return absl::InvalidArgumentError("must provide at least one peer to Bootstrap");
  }
  auto last = raft_->raft_log().storage()->LastIndex();
  if (!last.ok()) return last.status();
  if (*last != 0 || raft_->raft_log().LastIndex() != 0) {
    return absl::FailedPreconditionError("can't bootstrap a nonempty Storage");
  }
  // The hard state of the bootstrapped log must reach the caller in the first Ready.
  prev_hard_state_ = raftpb::HardState{};
  raft_->BecomeFollower(1, kNone);
  std::vector<Entry> ents;
  std::vector<raftpb::ConfChange> ccs;
  for (size_t i = 0; i < peers.size(); ++i) {
    raftpb::ConfChange cc;
    cc.set_type(raftpb::CONF_CHANGE_ADD_NODE);
    cc.set_node_id(peers[i].id);
    cc.set_context(peers[i].context);
    Entry e;
    e.set_type(raftpb::ENTRY_CONF_CHANGE);
    e.set_term(1);
    e.set_index(i + 1);
    e.set_data(cc.SerializeAsString());
    ents.push_back(std::move(e));
    ccs.push_back(std::move(cc));
  }
  raft_->AppendCommittedForBootstrap(ents);
  // Apply the membership now so the node can campaign once the entries are applied;
  // re-applying them from committed_entries is a no-op.
  for (const auto& cc : ccs) raft_->ApplyConfChange(cc);
  return absl::OkStatus();
}

void RawNode::Tick() { raft_->Tick(); }

absl::Status RawNode::Campaign() {
  if (absl::Status s = raft_->CanCampaign(); !s.ok()) return s;
  Message m;
  m.set_type(raftpb::MSG_HUP);
  return raft_->Step(std::move(m));
}

absl::Status RawNode::Propose(std::string data) {
  Message m;
  m.set_type(raftpb::MSG_PROP);
  m.set_from(raft_->id());
  m.add_entries()->set_data(std::move(data));
  return raft_->Step(std::move(m));
}

absl::Status RawNode::ProposeAll(const std::vector<const std::string*>& data) {
  Message m;
  m.set_type(raftpb::MSG_PROP);
  m.set_from(raft_->id());
  m.mutable_entries()->Reserve(static_cast<int>(data.size()));
  for (const std::string* d : data) m.add_entries()->set_data(*d);
  return raft_->Step(std::move(m));
}

absl::Status RawNode::ProposeConfChange(const raftpb::ConfChange& cc) {
  Message m;
  m.set_type(raftpb::MSG_PROP);
  m.set_from(raft_->id());
  Entry* e = m.add_entries();
  e->set_type(raftpb::ENTRY_CONF_CHANGE);
  e->set_data(cc.SerializeAsString());
  return raft_->Step(std::move(m));
}

raftpb::ConfState RawNode::ApplyConfChange(const raftpb::ConfChange& cc) {
  return raft_->ApplyConfChange(cc);
}

absl::Status RawNode::Step(const Message& m) {
  if (IsLocalMsg(m.type())) {
    return absl::InvalidArgumentError("raft: cannot step raft local message");
  }
  if (IsResponseMsg(m.type()) && raft_->tracker().Get(m.from()) == nullptr) {
    return absl::FailedPreconditionError("raft: cannot step as peer not found");
  }
  return raft_->Step(m);
}

bool RawNode::HasReady() const {
  const Raft& r = *raft_;
  if (!(r.GetSoftState() == prev_soft_state_)) return true;
  raftpb::HardState hs = r.GetHardState();
  if (!IsEmptyHardState(hs) && !HardStateEqual(hs, prev_hard_state_)) return true;
  if (r.raft_log().HasPendingSnapshot()) return true;
  if (!r.msgs().empty() || !r.raft_log().unstable().entries().empty() ||
      r.raft_log().HasNextEnts()) {
    return true;
  }
  return !r.read_states().empty();
}

Ready RawNode::GetReady() {
  Raft& r = *raft_;
  Ready rd;
  rd.entries = r.raft_log().UnstableEntries();
  rd.committed_entries = r.raft_log().NextEnts();
  rd.messages = r.ReadMessages();
  SoftState ss = r.GetSoftState();
  if (!(ss == prev_soft_state_)) {
    rd.soft_state = ss;
    prev_soft_state_ = ss;
  }
  rd.hard_state = r.GetHardState();
  rd.hard_state_changed =
      !IsEmptyHardState(rd.hard_state) && !HardStateEqual(rd.hard_state, prev_hard_state_);
  if (r.raft_log().HasPendingSnapshot()) {
    rd.snapshot = *r.raft_log().unstable().snapshot();
    rd.has_snapshot = true;
  }
  rd.read_states.swap(r.read_states());
  rd.must_sync = !rd.entries.empty() || rd.hard_state.vote() != prev_hard_state_.vote() ||
                 rd.hard_state.term() != prev_hard_state_.term();
  return rd;
}

void RawNode::Advance(const Ready& rd) {
  Raft& r = *raft_;
  if (rd.hard_state_changed) prev_hard_state_ = rd.hard_state;
  // The applied cursor: the last committed entry handed out, else the snapshot.
  if (!rd.committed_entries.empty()) {
    r.raft_log().AppliedTo(rd.committed_entries.back().index());
  } else if (rd.has_snapshot && rd.snapshot.metadata().index() > r.raft_log().applied()) {
    r.raft_log().AppliedTo(rd.snapshot.metadata().index());
  }
  if (!rd.entries.empty()) {
    const Entry& e = rd.entries.back();
    r.raft_log().StableTo(e.index(), e.term());
  }
  if (rd.has_snapshot) r.raft_log().StableSnapTo(rd.snapshot.metadata().index());
  r.ReduceUncommittedSize(rd.committed_entries);
}

void RawNode::ReadIndex(std::string request_ctx) {
  Message m;
  m.set_type(raftpb::MSG_READ_INDEX);
  m.add_entries()->set_data(std::move(request_ctx));
  (void)raft_->Step(std::move(m));
}

void RawNode::TransferLeader(uint64_t transferee) {
  Message m;
  m.set_type(raftpb::MSG_TRANSFER_LEADER);
  m.set_from(transferee);
  (void)raft_->Step(std::move(m));
}

void RawNode::ReportUnreachable(uint64_t id) {
  Message m;
  m.set_type(raftpb::MSG_UNREACHABLE);
  m.set_from(id);
  (void)raft_->Step(std::move(m));
}

void RawNode::ReportSnapshot(uint64_t id, bool failed) {
  Message m;
  m.set_type(raftpb::MSG_SNAP_STATUS);
  m.set_from(id);
  m.set_reject(failed);
  (void)raft_->Step(std::move(m));
}

BasicStatus RawNode::Status() const {
  const Raft& r = *raft_;
  BasicStatus s;
  s.id = r.id();
  s.hard_state = r.GetHardState();
  s.soft_state = r.GetSoftState();
  s.applied = r.raft_log().applied();
  s.lead_transferee = r.lead_transferee();
  s.config = r.tracker().ConfState();
  if (r.state() == StateType::kLeader) s.progress = r.tracker().progress;
  return s;
}

const char* StateTypeName(StateType s) {
  switch (s) {
    case StateType::kFollower:
      return "StateFollower";
    case StateType::kCandidate:
      return "StateCandidate";
    case StateType::kLeader:
      return "StateLeader";
    case StateType::kPreCandidate:
      return "StatePreCandidate";
  }
  return "?";
}

}  // namespace etcd::raft
