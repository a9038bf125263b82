// Raft state machine, part 1: construction, roles, timers, replication and
// membership. Message handling lives in raft_step.cc.
#include "raft/raft.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "raft/conf_change.h"
#include "raft/util.h"

namespace etcd::raft {

using raftpb::Entry;
using raftpb::Message;

namespace {
constexpr char kProposalDroppedMsg[] = "raft proposal dropped";
}  // namespace

absl::Status ErrProposalDropped() { return absl::UnavailableError(kProposalDroppedMsg); }
bool IsProposalDropped(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable && s.message() == kProposalDroppedMsg;
}

Raft::Raft(const Config& c)
    : id_(c.id),
      max_msg_size_(c.max_size_per_msg),
      max_uncommitted_size_(c.max_uncommitted_entries_size == 0 ? kNoLimit
                                                                : c.max_uncommitted_entries_size),
      tracker_(static_cast<size_t>(c.max_inflight_msgs)),
      read_only_(c.read_only_option),
      check_quorum_(c.check_quorum),
      pre_vote_(c.pre_vote),
      heartbeat_timeout_(c.heartbeat_tick),
      election_timeout_(c.election_tick),
      disable_proposal_forwarding_(c.disable_proposal_forwarding),
      lazy_commit_broadcast_(c.lazy_commit_broadcast),
      rng_(c.seed),
      logger_(c.logger) {}

absl::StatusOr<std::unique_ptr<Raft>> Raft::Create(const Config& c) {
  if (absl::Status s = c.Validate(); !s.ok()) return s;
  std::unique_ptr<Raft> r(new Raft(c));
  uint64_t max_next =
      c.max_committed_size_per_ready == 0 ? kNoLimit : c.max_committed_size_per_ready;
  auto raft_log = RaftLog::Create(c.storage, c.logger, max_next);
  if (!raft_log.ok()) return raft_log.status();
  r->raft_log_ = std::move(raft_log).value();

  raftpb::HardState hs;
  raftpb::ConfState cs;
  if (absl::Status s = c.storage->InitialState(&hs, &cs); !s.ok()) return s;
  if (absl::Status s = RestoreTracker(&r->tracker_, cs, r->raft_log_->LastIndex()); !s.ok()) {
    return s;
  }
  if (!IsEmptyHardState(hs)) {
    if (absl::Status s = r->LoadState(hs); !s.ok()) return s;
  }
  if (c.applied > 0) {
    if (c.applied < r->raft_log_->applied()) {
      return absl::InvalidArgumentError(
          absl::StrCat("applied index ", c.applied, " is older than the storage's snapshot ",
                       r->raft_log_->applied(), "; restore the state from the snapshot first"));
    }
    if (c.applied > r->raft_log_->committed()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "applied index ", c.applied, " is beyond the commit index ", r->raft_log_->committed()));
    }
    uint64_t snap_index = r->raft_log_->FirstIndex() - 1;
    // The storage's ConfState is that of its snapshot; conf changes applied after the
    // snapshot will not be delivered again, so replay them here.
    if (c.applied > snap_index) {
      auto ents = r->raft_log_->Slice(snap_index + 1, c.applied + 1, kNoLimit);
      if (!ents.ok()) return ents.status();
      for (const Entry& e : *ents) {
        if (e.type() != raftpb::ENTRY_CONF_CHANGE) continue;
        raftpb::ConfChange cc;
        if (!cc.ParseFromString(e.data())) {
          return absl::DataLossError(absl::StrCat("bad conf change at index ", e.index()));
        }
        (void)ApplyConfChangeToTracker(&r->tracker_, cc, r->raft_log_->LastIndex());
      }
    }
    r->raft_log_->AppliedTo(c.applied);
  }
  if (const Progress* pr = r->tracker_.Get(r->id_)) r->is_learner_ = pr->is_learner;
  r->BecomeFollower(r->term_, kNone);
  r->Log(log::Level::kInfo, "newRaft",
         {{"peers", r->tracker_.config.String()},
          {"term", r->term_},
          {"commit", r->raft_log_->committed()},
          {"applied", r->raft_log_->applied()},
          {"lastindex", r->raft_log_->LastIndex()},
          {"lastterm", r->raft_log_->LastTerm()}});
  return r;
}

raftpb::HardState Raft::GetHardState() const {
  raftpb::HardState hs;
  hs.set_term(term_);
  hs.set_vote(vote_);
  hs.set_commit(raft_log_->committed());
  return hs;
}

absl::Status Raft::LoadState(const raftpb::HardState& hs) {
  if (hs.commit() < raft_log_->committed() || hs.commit() > raft_log_->LastIndex()) {
    return absl::DataLossError(absl::StrCat("state.commit ", hs.commit(), " is out of range [",
                                            raft_log_->committed(), ", ", raft_log_->LastIndex(),
                                            "]"));
  }
  raft_log_->CommitTo(hs.commit());
  term_ = hs.term();
  vote_ = hs.vote();
  return absl::OkStatus();
}

void Raft::AppendCommittedForBootstrap(const std::vector<Entry>& ents) {
  raft_log_->Append(ents);
  raft_log_->CommitTo(ents.empty() ? raft_log_->committed() : ents.back().index());
}

std::vector<Message> Raft::ReadMessages() {
  std::vector<Message> out;
  out.swap(msgs_);
  return out;
}

// ---------------------------------------------------------------------------
// Roles

void Raft::Reset(uint64_t term) {
  commit_flush_pending_ = false;
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  tracker_.ResetVotes();
  uint64_t last = raft_log_->LastIndex();
  for (auto& [id, pr] : tracker_.progress) {
    bool learner = pr.is_learner;
    pr = Progress(last + 1, tracker_.max_inflight(), learner);
    if (id == id_) pr.match = last;
  }
  pending_conf_index_ = 0;
  uncommitted_size_ = 0;
  read_only_ = ReadOnly(read_only_.option());
  pending_read_index_messages_.clear();
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      election_timeout_ + static_cast<int>(rng_.Uniform(static_cast<uint64_t>(election_timeout_)));
}

void Raft::BecomeFollower(uint64_t term, uint64_t lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
  Log(log::Level::kInfo, "became follower", {{"term", term_}, {"lead", lead_}});
}

void Raft::BecomeCandidate() {
  if (state_ == StateType::kLeader) Panic(logger_, "invalid transition [leader -> candidate]");
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
  Log(log::Level::kInfo, "became candidate", {{"term", term_}});
}

void Raft::BecomePreCandidate() {
  if (state_ == StateType::kLeader) {
    Panic(logger_, "invalid transition [leader -> pre-candidate]");
  }
  // A pre-candidate changes neither its term nor its vote.
  tracker_.ResetVotes();
  lead_ = kNone;
  state_ = StateType::kPreCandidate;
  Log(log::Level::kInfo, "became pre-candidate", {{"term", term_}});
}

void Raft::BecomeLeader() {
  if (state_ == StateType::kFollower) Panic(logger_, "invalid transition [follower -> leader]");
  Reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  // Our own log is trivially up to date; replicate state never pauses for ourselves.
  if (Progress* pr = tracker_.Get(id_)) pr->BecomeReplicate();
  // Conservatively treat everything in our log as a possible conf change, so no new
  // one is proposed before all of it is applied.
  pending_conf_index_ = raft_log_->LastIndex();
  // An empty entry of the new term: committing it commits everything before it
  // (Raft §5.4.2) and tells us the commit index (§8, read-only queries).
  if (!AppendEntry({Entry{}})) Panic(logger_, "empty entry was dropped");
  // The empty entry does not count against the uncommitted-size limit.
  uncommitted_size_ = 0;
  Log(log::Level::kInfo, "became leader", {{"term", term_}});
}

// ---------------------------------------------------------------------------
// Timers

void Raft::Tick() {
  if (state_ == StateType::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    Message m;
    m.set_from(id_);
    m.set_type(raftpb::MSG_HUP);
    (void)Step(std::move(m));
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      Message m;
      m.set_from(id_);
      m.set_type(raftpb::MSG_CHECK_QUORUM);
      (void)Step(std::move(m));
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (state_ == StateType::kLeader && lead_transferee_ != kNone) AbortLeaderTransfer();
  }
  if (state_ != StateType::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    Message m;
    m.set_from(id_);
    m.set_type(raftpb::MSG_BEAT);
    (void)Step(std::move(m));
  }
}

// ---------------------------------------------------------------------------
// Sending

void Raft::Send(Message m) {
  if (m.from() == kNone) m.set_from(id_);
  auto t = m.type();
  if (t == raftpb::MSG_VOTE || t == raftpb::MSG_VOTE_RESP || t == raftpb::MSG_PRE_VOTE ||
      t == raftpb::MSG_PRE_VOTE_RESP) {
    // Vote messages carry the term they are about (for pre-votes: a future term).
    if (m.term() == 0) {
      Panic(logger_,
            absl::StrCat("term should be set when sending ", std::string(MessageTypeName(t))));
    }
  } else {
    if (m.term() != 0) {
      Panic(logger_, absl::StrCat("term should not be set when sending ",
                                  std::string(MessageTypeName(t)), " (was ", m.term(), ")"));
    }
    // Proposals and read requests forwarded to the leader are local-term messages.
    if (t != raftpb::MSG_PROP && t != raftpb::MSG_READ_INDEX) m.set_term(term_);
  }
  msgs_.push_back(std::move(m));
}

bool Raft::MaybeSendAppend(uint64_t to, bool send_if_empty) {
  Progress* pr = tracker_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  Message m;
  m.set_to(to);
  auto term = raft_log_->Term(pr->next - 1);
  auto ents = raft_log_->Entries(pr->next, max_msg_size_);
  if (ents.ok() && ents->empty() && !send_if_empty) return false;
  if (!term.ok() || !ents.ok()) {
    // The follower needs entries we no longer have: send a snapshot instead.
    return SendSnapshot(to, pr);
  }
  m.set_type(raftpb::MSG_APP);
  m.set_index(pr->next - 1);
  m.set_log_term(*term);
  m.set_commit(raft_log_->committed());
  for (auto& e : *ents) *m.add_entries() = std::move(e);
  if (int n = m.entries_size(); n != 0) {
    uint64_t last = m.entries(n - 1).index();
    switch (pr->state) {
      case ProgressState::kReplicate:
        pr->OptimisticUpdate(last);
        pr->inflights.Add(last);
        break;
      case ProgressState::kProbe:
        pr->probe_sent = true;
        break;
      case ProgressState::kSnapshot:
        Panic(logger_, absl::StrCat(to, " is sending append in unhandled state StateSnapshot"));
    }
  }
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(uint64_t to, Progress* pr) {
  if (!pr->recent_active) {
    Log(log::Level::kDebug, "ignore sending snapshot since it is not recently active",
        {{"to", to}});
    return false;
  }
  auto snap = raft_log_->Snapshot();
  if (!snap.ok()) {
    if (IsErrSnapshotTemporarilyUnavailable(snap.status())) {
      Log(log::Level::kDebug,
          "failed to send snapshot because snapshot is temporarily "
          "unavailable",
          {{"to", to}});
      return false;
    }
    Panic(logger_, absl::StrCat("snapshot: ", snap.status().ToString()));
  }
  if (IsEmptySnapshot(*snap)) Panic(logger_, "need non-empty snapshot");
  uint64_t sindex = snap->metadata().index();
  Log(log::Level::kInfo, "sending snapshot",
      {{"to", to},
       {"snapshot_index", sindex},
       {"snapshot_term", snap->metadata().term()},
       {"first_index", raft_log_->FirstIndex()},
       {"committed", raft_log_->committed()},
       {"progress", pr->String()}});
  pr->BecomeSnapshot(sindex);
  Message m;
  m.set_to(to);
  m.set_type(raftpb::MSG_SNAP);
  *m.mutable_snapshot() = std::move(snap).value();
  Send(std::move(m));
  return true;
}

void Raft::SendHeartbeat(uint64_t to, const std::string& ctx) {
  // Never advance a follower's commit beyond what it is known to have: it might not
  // have those entries yet.
  const Progress* pr = tracker_.Get(to);
  uint64_t commit = std::min(pr == nullptr ? 0 : pr->match, raft_log_->committed());
  Message m;
  m.set_to(to);
  m.set_type(raftpb::MSG_HEARTBEAT);
  m.set_commit(commit);
  m.set_context(ctx);
  Send(std::move(m));
}

void Raft::BcastAppend() {
  commit_flush_pending_ = false;  // every MsgApp carries the commit index
  for (const auto& [id, pr] : tracker_.progress) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::FlushCommit() {
  if (!commit_flush_pending_) return;
  commit_flush_pending_ = false;
  if (state_ == StateType::kLeader) BcastAppend();
}

void Raft::BcastHeartbeat() { BcastHeartbeatWithCtx(read_only_.LastPendingRequestCtx()); }

void Raft::BcastHeartbeatWithCtx(const std::string& ctx) {
  for (const auto& [id, pr] : tracker_.progress) {
    if (id != id_) SendHeartbeat(id, ctx);
  }
}

void Raft::SendTimeoutNow(uint64_t to) {
  Message m;
  m.set_to(to);
  m.set_type(raftpb::MSG_TIMEOUT_NOW);
  Send(std::move(m));
}

// ---------------------------------------------------------------------------
// Log

bool Raft::AppendEntry(std::vector<Entry> es) {
  uint64_t li = raft_log_->LastIndex();
  for (size_t i = 0; i < es.size(); ++i) {
    es[i].set_term(term_);
    es[i].set_index(li + 1 + i);
  }
  if (!IncreaseUncommittedSize(es)) {
    Log(log::Level::kWarn,
        "appending new entries to log would exceed uncommitted entry size "
        "limit; dropping proposal");
    return false;
  }
  li = raft_log_->Append(es);
  // The leader's own log counts towards the quorum as soon as it holds the entries;
  // the application persists them before acting on the commit (see raw_node.h).
  if (Progress* pr = tracker_.Get(id_)) pr->MaybeUpdate(li);
  MaybeCommit();
  return true;
}

bool Raft::MaybeCommit() { return raft_log_->MaybeCommit(tracker_.Committed(), term_); }

bool Raft::IncreaseUncommittedSize(const std::vector<Entry>& ents) {
  uint64_t s = PayloadSize(ents);
  // Always admit at least one proposal, however large, when nothing is outstanding.
  if (uncommitted_size_ > 0 && s > 0 && max_uncommitted_size_ != kNoLimit &&
      uncommitted_size_ + s > max_uncommitted_size_) {
    return false;
  }
  uncommitted_size_ += s;
  return true;
}

void Raft::ReduceUncommittedSize(const std::vector<Entry>& ents) {
  if (uncommitted_size_ == 0) return;  // fast path for followers
  uint64_t s = PayloadSize(ents);
  // Entries from an earlier term (before we became leader) may be larger than what
  // we track; clamp at zero.
  uncommitted_size_ = s > uncommitted_size_ ? 0 : uncommitted_size_ - s;
}

bool Raft::CommittedEntryInCurrentTerm() const {
  return raft_log_->ZeroTermOnOutOfBounds(raft_log_->Term(raft_log_->committed())) == term_;
}

bool Raft::HasUnappliedConfChanges() const {
  if (raft_log_->committed() <= raft_log_->applied()) return false;
  uint64_t lo = std::max(raft_log_->applied() + 1, raft_log_->FirstIndex());
  if (lo > raft_log_->committed()) return false;
  auto ents = raft_log_->Slice(lo, raft_log_->committed() + 1, kNoLimit);
  if (!ents.ok()) {
    Panic(logger_, absl::StrCat("error getting unapplied entries: ", ents.status().ToString()));
  }
  for (const Entry& e : *ents) {
    if (e.type() == raftpb::ENTRY_CONF_CHANGE) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Membership

bool Raft::Promotable() const {
  const Progress* pr = tracker_.Get(id_);
  return pr != nullptr && !pr->is_learner && !raft_log_->HasPendingSnapshot();
}

absl::Status Raft::CanCampaign() const {
  if (state_ == StateType::kLeader) return absl::OkStatus();  // a no-op, not an error
  if (!Promotable()) {
    return absl::FailedPreconditionError("this node is not a voter and cannot campaign");
  }
  if (HasUnappliedConfChanges()) {
    return absl::FailedPreconditionError(
        "cannot campaign while there are committed configuration changes still to apply");
  }
  return absl::OkStatus();
}

raftpb::ConfState Raft::ApplyConfChange(const raftpb::ConfChange& cc) {
  if (cc.node_id() == kNone) return tracker_.ConfState();
  absl::Status s = ApplyConfChangeToTracker(&tracker_, cc, raft_log_->LastIndex());
  if (!s.ok()) {
    Log(log::Level::kWarn, "ignoring invalid conf change",
        {{"change", DescribeConfChange(cc)}, {"error", std::string(s.message())}});
    return tracker_.ConfState();
  }
  Log(log::Level::kInfo, "switched to configuration",
      {{"change", DescribeConfChange(cc)}, {"config", tracker_.config.String()}});
  OnConfigChanged();
  return tracker_.ConfState();
}

void Raft::OnConfigChanged() {
  const Progress* self = tracker_.Get(id_);
  is_learner_ = self != nullptr && self->is_learner;
  if ((self == nullptr || is_learner_) && state_ == StateType::kLeader) {
    // The leader was removed or demoted. It keeps leading until the application
    // stops it (or check-quorum steps it down); it no longer counts itself.
    return;
  }
  if (state_ != StateType::kLeader || tracker_.config.voters.empty()) return;
  if (MaybeCommit()) {
    // The quorum shrank and more is committed: tell everyone.
    BcastAppend();
  } else {
    // Probe new members right away rather than at the next heartbeat.
    for (const auto& [id, pr] : tracker_.progress) {
      if (id != id_) MaybeSendAppend(id, false);
    }
  }
  if (lead_transferee_ != kNone && tracker_.config.voters.count(lead_transferee_) == 0) {
    AbortLeaderTransfer();
  }
}

bool Raft::Restore(const raftpb::Snapshot& s) {
  const auto& md = s.metadata();
  if (md.index() <= raft_log_->committed()) return false;
  if (state_ != StateType::kFollower) {
    // Only a leader of this term could have sent it, so we should be a follower;
    // be defensive and step down into the next term.
    Log(log::Level::kWarn, "non-follower attempted to restore snapshot");
    BecomeFollower(term_ + 1, kNone);
    return false;
  }
  // Unlike etcd-raft, a snapshot whose ConfState does not list us is accepted: a
  // member added after the leader's latest snapshot gets exactly that snapshot, and
  // learns its own membership from the log entries that follow it (until then it is
  // not promotable). The snapshot is committed state either way.
  bool found = false;
  for (uint64_t id : md.conf_state().voters()) found = found || id == id_;
  for (uint64_t id : md.conf_state().learners()) found = found || id == id_;
  if (!found) {
    Log(log::Level::kInfo, "restoring a snapshot that predates this member",
        {{"snapshot_index", md.index()}});
  }
  // Our log already has the snapshot's last entry: just move the commit index.
  if (raft_log_->MatchTerm(md.index(), md.term())) {
    Log(log::Level::kInfo, "fast-forwarded commit to snapshot",
        {{"snapshot_index", md.index()}, {"snapshot_term", md.term()}});
    raft_log_->CommitTo(md.index());
    return false;
  }
  raft_log_->Restore(s);
  absl::Status st = RestoreTracker(&tracker_, md.conf_state(), raft_log_->LastIndex());
  if (!st.ok()) Panic(logger_, absl::StrCat("unable to restore config: ", st.ToString()));
  if (Progress* pr = tracker_.Get(id_)) pr->MaybeUpdate(pr->next - 1);
  OnConfigChanged();
  Log(log::Level::kInfo, "restored snapshot",
      {{"snapshot_index", md.index()},
       {"snapshot_term", md.term()},
       {"config", tracker_.config.String()}});
  return true;
}

}  // namespace etcd::raft
