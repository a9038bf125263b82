// Raft state machine, part 2: Step and the per-role message handlers.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "raft/raft.h"
#include "raft/util.h"

namespace etcd::raft {

using raftpb::Entry;
using raftpb::Message;
using raftpb::MessageType;

absl::Status Raft::Step(Message m) {
  // First, compare terms (Raft §5.1: a newer term always wins).
  if (m.term() == 0) {
    // Local message.
  } else if (m.term() > term_) {
    if (m.type() == raftpb::MSG_VOTE || m.type() == raftpb::MSG_PRE_VOTE) {
      bool force = m.context() == kCampaignTransfer;
      bool in_lease = check_quorum_ && lead_ != kNone && election_elapsed_ < election_timeout_;
      if (!force && in_lease) {
        // We heard from a live leader within the minimum election timeout: ignore the
        // vote without updating our term (Raft §6, disruptive servers).
        Log(log::Level::kInfo, "ignored vote request: lease is not expired",
            {{"from", m.from()},
             {"type", MessageTypeName(m.type())},
             {"term", term_},
             {"msg_term", m.term()},
             {"remaining_ticks", election_timeout_ - election_elapsed_}});
        return absl::OkStatus();
      }
    }
    if (m.type() == raftpb::MSG_PRE_VOTE) {
      // Never change our term in response to a pre-vote.
    } else if (m.type() == raftpb::MSG_PRE_VOTE_RESP && !m.reject()) {
      // A granted pre-vote carries the future term; the term is bumped only once the
      // pre-election is won.
    } else {
      Log(log::Level::kInfo, "received a message with higher term",
          {{"from", m.from()},
           {"type", MessageTypeName(m.type())},
           {"term", term_},
           {"msg_term", m.term()}});
      if (m.type() == raftpb::MSG_APP || m.type() == raftpb::MSG_HEARTBEAT ||
          m.type() == raftpb::MSG_SNAP) {
        BecomeFollower(m.term(), m.from());
      } else {
        BecomeFollower(m.term(), kNone);
      }
    }
  } else if (m.term() < term_) {
    if ((check_quorum_ || pre_vote_) &&
        (m.type() == raftpb::MSG_HEARTBEAT || m.type() == raftpb::MSG_APP)) {
      // A leader of an old term (e.g. partitioned away while we moved on) would never
      // learn the newer term, since we ignore it and it never campaigns; answer so it
      // steps down. With pre-vote this also unsticks a node whose higher term makes
      // it ignore everybody.
      Message resp;
      resp.set_to(m.from());
      resp.set_type(raftpb::MSG_APP_RESP);
      Send(std::move(resp));
    } else if (m.type() == raftpb::MSG_PRE_VOTE) {
      // Reject so the pre-candidate learns our term and does not stay stuck.
      Message resp;
      resp.set_to(m.from());
      resp.set_term(term_);
      resp.set_type(raftpb::MSG_PRE_VOTE_RESP);
      resp.set_reject(true);
      Send(std::move(resp));
    } else {
      Log(log::Level::kDebug, "ignored a message with lower term",
          {{"from", m.from()},
           {"type", MessageTypeName(m.type())},
           {"term", term_},
           {"msg_term", m.term()}});
    }
    return absl::OkStatus();
  }

  switch (m.type()) {
    case raftpb::MSG_HUP:
      Hup(pre_vote_ ? CampaignType::kPreElection : CampaignType::kElection);
      return absl::OkStatus();
    case raftpb::MSG_VOTE:
    case raftpb::MSG_PRE_VOTE: {
      // We can vote for the sender if we already did (repeated request), if we have
      // not voted and know no leader in this term, or for a pre-vote of a later term.
      bool can_vote = vote_ == m.from() || (vote_ == kNone && lead_ == kNone) ||
                      (m.type() == raftpb::MSG_PRE_VOTE && m.term() > term_);
      Message resp;
      resp.set_to(m.from());
      resp.set_type(VoteRespType(m.type()));
      if (can_vote && raft_log_->IsUpToDate(m.index(), m.log_term())) {
        // Raft §5.4.1: only vote for candidates whose log is at least as up to date.
        Log(log::Level::kInfo, "cast vote",
            {{"to", m.from()}, {"type", MessageTypeName(m.type())}, {"term", term_}});
        // The response carries the candidate's term: for a pre-vote our term is older
        // and the pre-candidate must recognize the answer as current.
        resp.set_term(m.term());
        Send(std::move(resp));
        if (m.type() == raftpb::MSG_VOTE) {
          election_elapsed_ = 0;
          vote_ = m.from();
        }
      } else {
        Log(log::Level::kInfo, "rejected vote",
            {{"to", m.from()}, {"type", MessageTypeName(m.type())}, {"term", term_}});
        resp.set_term(term_);
        resp.set_reject(true);
        Send(std::move(resp));
      }
      return absl::OkStatus();
    }
    default:
      break;
  }
  switch (state_) {
    case StateType::kLeader:
      return StepLeader(m);
    case StateType::kCandidate:
    case StateType::kPreCandidate:
      return StepCandidate(m);
    case StateType::kFollower:
      return StepFollower(m);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Elections

void Raft::Hup(CampaignType t) {
  if (state_ == StateType::kLeader) {
    Log(log::Level::kDebug, "ignoring MsgHup because already leader");
    return;
  }
  if (!Promotable()) {
    Log(log::Level::kWarn, "is unpromotable and can not campaign");
    return;
  }
  if (HasUnappliedConfChanges()) {
    Log(log::Level::kWarn,
        "cannot campaign since there are still pending configuration "
        "changes to apply",
        {{"term", term_}});
    return;
  }
  Log(log::Level::kInfo, "is starting a new election", {{"term", term_}});
  Campaign(t);
}

void Raft::Campaign(CampaignType t) {
  uint64_t term;
  MessageType vote_type;
  if (t == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_type = raftpb::MSG_PRE_VOTE;
    // Pre-vote for the term we would campaign in, without incrementing ours.
    term = term_ + 1;
  } else {
    BecomeCandidate();
    vote_type = raftpb::MSG_VOTE;
    term = term_;
  }
  // Vote for ourselves first (Raft §5.2); a single voter wins at once.
  if (Poll(id_, VoteRespType(vote_type), true) == VoteResult::kWon) {
    if (t == CampaignType::kPreElection) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (uint64_t id : tracker_.config.voters) {
    if (id == id_) continue;
    Log(log::Level::kInfo, "sent vote request",
        {{"type", MessageTypeName(vote_type)},
         {"to", id},
         {"term", term_},
         {"log_term", raft_log_->LastTerm()},
         {"log_index", raft_log_->LastIndex()}});
    Message m;
    m.set_to(id);
    m.set_term(term);
    m.set_type(vote_type);
    m.set_index(raft_log_->LastIndex());
    m.set_log_term(raft_log_->LastTerm());
    if (t == CampaignType::kTransfer) m.set_context(std::string(kCampaignTransfer));
    Send(std::move(m));
  }
}

VoteResult Raft::Poll(uint64_t id, MessageType t, bool granted) {
  Log(log::Level::kInfo, granted ? "received vote" : "received vote rejection",
      {{"type", MessageTypeName(t)}, {"from", id}, {"term", term_}});
  tracker_.RecordVote(id, granted);
  return tracker_.TallyVotes(nullptr, nullptr);
}

// ---------------------------------------------------------------------------
// Leader

absl::Status Raft::StepLeader(Message& m) {
  // Messages that need no Progress of the sender.
  switch (m.type()) {
    case raftpb::MSG_BEAT:
      BcastHeartbeat();
      return absl::OkStatus();
    case raftpb::MSG_CHECK_QUORUM:
      if (Progress* self = tracker_.Get(id_)) self->recent_active = true;
      if (!tracker_.QuorumActive()) {
        Log(log::Level::kWarn, "stepped down to follower since quorum is not active");
        BecomeFollower(term_, kNone);
      }
      // Start a fresh activity window.
      for (auto& [id, pr] : tracker_.progress) {
        if (id != id_) pr.recent_active = false;
      }
      return absl::OkStatus();
    case raftpb::MSG_PROP:
      return LeaderPropose(m);
    case raftpb::MSG_READ_INDEX:
      LeaderReadIndex(m);
      return absl::OkStatus();
    default:
      break;
  }
  Progress* pr = tracker_.Get(m.from());
  if (pr == nullptr) {
    Log(log::Level::kDebug, "no progress available", {{"from", m.from()}});
    return absl::OkStatus();
  }
  switch (m.type()) {
    case raftpb::MSG_APP_RESP:
      LeaderAppResp(m, pr);
      break;
    case raftpb::MSG_HEARTBEAT_RESP:
      LeaderHeartbeatResp(m, pr);
      break;
    case raftpb::MSG_SNAP_STATUS:
      if (pr->state != ProgressState::kSnapshot) return absl::OkStatus();
      if (!m.reject()) {
        pr->BecomeProbe();
        Log(log::Level::kDebug, "snapshot succeeded, resumed sending replication messages",
            {{"to", m.from()}, {"progress", pr->String()}});
      } else {
        // The snapshot failed: forget it and probe from where the follower was.
        pr->pending_snapshot = 0;
        pr->BecomeProbe();
        Log(log::Level::kDebug, "snapshot failed, resumed sending replication messages",
            {{"to", m.from()}, {"progress", pr->String()}});
      }
      // Wait for a heartbeat response (or an append response) before probing: the
      // follower may still be applying the snapshot.
      pr->probe_sent = true;
      break;
    case raftpb::MSG_UNREACHABLE:
      // Optimistic replication to an unreachable peer is likely lost: probe.
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      Log(log::Level::kDebug, "failed to send message because it is unreachable",
          {{"to", m.from()}, {"progress", pr->String()}});
      break;
    case raftpb::MSG_TRANSFER_LEADER:
      LeaderTransfer(m, pr);
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status Raft::LeaderPropose(Message& m) {
  if (m.entries_size() == 0) Panic(logger_, "stepped empty MsgProp");
  if (tracker_.Get(id_) == nullptr) {
    // We were removed from the configuration while leader: drop new proposals.
    return ErrProposalDropped();
  }
  if (lead_transferee_ != kNone) {
    Log(log::Level::kDebug, "proposal dropped since transferring leadership",
        {{"transferee", lead_transferee_}});
    return ErrProposalDropped();
  }
  std::vector<Entry> ents(m.entries().begin(), m.entries().end());
  for (size_t i = 0; i < ents.size(); ++i) {
    Entry& e = ents[i];
    if (e.type() != raftpb::ENTRY_CONF_CHANGE) continue;
    // Only one conf change in flight (Raft §4.1): a second one is replaced by an
    // empty entry, and the application sees it as never applied.
    bool already_pending = pending_conf_index_ > raft_log_->applied();
    if (already_pending) {
      Log(log::Level::kInfo,
          "propose conf change ignored since pending unapplied "
          "configuration",
          {{"index", pending_conf_index_}, {"applied", raft_log_->applied()}});
      e = Entry{};
      e.set_type(raftpb::ENTRY_NORMAL);
    } else {
      pending_conf_index_ = raft_log_->LastIndex() + i + 1;
    }
  }
  if (!AppendEntry(std::move(ents))) return ErrProposalDropped();
  BcastAppend();
  return absl::OkStatus();
}

void Raft::LeaderReadIndex(Message& m) {
  // A single voter needs no confirmation round.
  if (tracker_.IsSingleton()) {
    if (CommittedEntryInCurrentTerm()) {
      SendReadIndexResponse(m, raft_log_->committed());
    } else {
      pending_read_index_messages_.push_back(m);
    }
    return;
  }
  // Until this leader commits an entry of its term it does not know the real commit
  // index (Raft §6.4): hold the request until then.
  if (!CommittedEntryInCurrentTerm()) {
    pending_read_index_messages_.push_back(m);
    return;
  }
  if (m.entries_size() != 1) {
    Log(log::Level::kError, "invalid MsgReadIndex: exactly one entry expected");
    return;
  }
  switch (read_only_.option()) {
    case ReadOnlyOption::kSafe: {
      const std::string ctx = m.entries(0).data();
      read_only_.AddRequest(raft_log_->committed(), m);
      // The leader acks its own heartbeat.
      read_only_.RecvAck(id_, ctx);
      BcastHeartbeatWithCtx(ctx);
      break;
    }
    case ReadOnlyOption::kLeaseBased:
      SendReadIndexResponse(m, raft_log_->committed());
      break;
  }
}

void Raft::SendReadIndexResponse(const Message& req, uint64_t index) {
  if (req.from() == kNone || req.from() == id_) {
    // A local request: answer directly.
    read_states_.push_back(ReadState{index, req.entries(0).data()});
    return;
  }
  Message resp;
  resp.set_type(raftpb::MSG_READ_INDEX_RESP);
  resp.set_to(req.from());
  resp.set_index(index);
  *resp.mutable_entries() = req.entries();
  Send(std::move(resp));
}

void Raft::ReleasePendingReadIndexMessages() {
  if (pending_read_index_messages_.empty()) return;
  if (!CommittedEntryInCurrentTerm()) return;
  std::vector<Message> msgs;
  msgs.swap(pending_read_index_messages_);
  for (Message& m : msgs) LeaderReadIndex(m);
}

void Raft::LeaderAppResp(const Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject()) {
    Log(log::Level::kDebug, "received MsgAppResp rejection",
        {{"from", m.from()},
         {"index", m.index()},
         {"hint", m.reject_hint()},
         {"hint_term", m.log_term()}});
    // Fast backtracking: the follower told us its last index (or the last index of
    // a term no newer than the probed one). Skip every index of our log whose term
    // is newer than the follower's term there: none of them can match.
    uint64_t next_probe = m.reject_hint();
    if (m.log_term() > 0) {
      next_probe = raft_log_->FindConflictByTerm(m.reject_hint(), m.log_term()).first;
    }
    if (pr->MaybeDecrTo(m.index(), next_probe)) {
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      SendAppend(m.from());
    }
    return;
  }
  bool old_paused = pr->IsPaused();
  if (!pr->MaybeUpdate(m.index())) return;
  switch (pr->state) {
    case ProgressState::kProbe:
      pr->BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      // The follower caught up past our first index (through the snapshot or
      // otherwise): replicate from here.
      if (pr->match + 1 >= raft_log_->FirstIndex()) {
        pr->BecomeProbe();
        pr->BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr->inflights.FreeLE(m.index());
      break;
  }
  const uint64_t committed_before = raft_log_->committed();
  const bool committed = MaybeCommit();
  if (committed) ReleasePendingReadIndexMessages();
  // A conf change is always announced at once: a member it removes must learn the
  // commit before the leader applies it and stops sending to it.
  const bool announce = !lazy_commit_broadcast_ || (pending_conf_index_ > committed_before &&
                                                    pending_conf_index_ <= raft_log_->committed());
  if (committed && announce) {
    BcastAppend();
  } else if (committed) {
    commit_flush_pending_ = true;  // FlushCommit, the next MsgApp or a heartbeat sends it
    if (old_paused) SendAppend(m.from());
  } else if (old_paused) {
    // The follower was paused and is now making progress: feed it.
    SendAppend(m.from());
  }
  // Send as much as the window allows (large logs are cut by max_size_per_msg).
  while (MaybeSendAppend(m.from(), false)) {
  }
  // A transfer target that has caught up can take over now.
  if (m.from() == lead_transferee_ && pr->match == raft_log_->LastIndex()) {
    Log(log::Level::kInfo, "sent MsgTimeoutNow after received MsgAppResp", {{"to", m.from()}});
    SendTimeoutNow(m.from());
  }
}

void Raft::LeaderHeartbeatResp(const Message& m, Progress* pr) {
  pr->recent_active = true;
  pr->probe_sent = false;
  // Free one slot of a full window so a stalled follower gets a new append.
  if (pr->state == ProgressState::kReplicate && pr->inflights.Full()) {
    pr->inflights.FreeFirstOne();
  }
  if (pr->match < raft_log_->LastIndex()) SendAppend(m.from());

  if (read_only_.option() != ReadOnlyOption::kSafe || m.context().empty()) return;
  const std::set<uint64_t>* acks = read_only_.RecvAck(m.from(), m.context());
  if (acks == nullptr) return;
  std::map<uint64_t, bool> votes;
  for (uint64_t id : *acks) votes[id] = true;
  if (TallyVoteResult(tracker_.config.voters, votes) != VoteResult::kWon) return;
  for (ReadIndexStatus& rs : read_only_.Advance(m.context())) {
    SendReadIndexResponse(rs.req, rs.index);
  }
}

void Raft::LeaderTransfer(const Message& m, Progress* pr) {
  if (pr->is_learner) {
    Log(log::Level::kDebug, "ignored transferring leadership to a learner", {{"to", m.from()}});
    return;
  }
  uint64_t transferee = m.from();
  if (lead_transferee_ != kNone) {
    if (lead_transferee_ == transferee) {
      Log(log::Level::kInfo, "already transferring leadership to the same node",
          {{"to", transferee}, {"term", term_}});
      return;
    }
    AbortLeaderTransfer();
    Log(log::Level::kInfo, "aborted previous leadership transfer", {{"term", term_}});
  }
  if (transferee == id_) {
    Log(log::Level::kDebug, "is already leader; ignored transferring leadership to self");
    return;
  }
  Log(log::Level::kInfo, "starting a leadership transfer", {{"to", transferee}, {"term", term_}});
  // The transfer must finish within one election timeout.
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  if (pr->match == raft_log_->LastIndex()) {
    SendTimeoutNow(transferee);
    Log(log::Level::kInfo,
        "sent MsgTimeoutNow immediately as the transferee's log is "
        "up to date",
        {{"to", transferee}});
  } else {
    SendAppend(transferee);
  }
}

// ---------------------------------------------------------------------------
// Candidate and pre-candidate

absl::Status Raft::StepCandidate(Message& m) {
  // Only answers to our own kind of vote count: a pre-candidate may still receive
  // stale MsgVoteResp from an earlier real election.
  MessageType my_resp =
      state_ == StateType::kPreCandidate ? raftpb::MSG_PRE_VOTE_RESP : raftpb::MSG_VOTE_RESP;
  switch (m.type()) {
    case raftpb::MSG_PROP:
      Log(log::Level::kInfo, "no leader; dropping proposal", {{"term", term_}});
      return ErrProposalDropped();
    case raftpb::MSG_APP:
      BecomeFollower(m.term(), m.from());  // always m.term() == term_ here
      HandleAppendEntries(m);
      break;
    case raftpb::MSG_HEARTBEAT:
      BecomeFollower(m.term(), m.from());
      HandleHeartbeat(m);
      break;
    case raftpb::MSG_SNAP:
      BecomeFollower(m.term(), m.from());
      HandleSnapshot(m);
      break;
    case raftpb::MSG_TIMEOUT_NOW:
      Log(log::Level::kDebug, "ignored MsgTimeoutNow as candidate", {{"from", m.from()}});
      break;
    default:
      if (m.type() != my_resp) break;
      switch (Poll(m.from(), m.type(), !m.reject())) {
        case VoteResult::kWon:
          if (state_ == StateType::kPreCandidate) {
            Campaign(CampaignType::kElection);
          } else {
            BecomeLeader();
            BcastAppend();
          }
          break;
        case VoteResult::kLost:
          // A pre-vote rejection with a higher term moves us to that term as follower.
          BecomeFollower(term_, kNone);
          break;
        case VoteResult::kPending:
          break;
      }
      break;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Follower

absl::Status Raft::StepFollower(Message& m) {
  switch (m.type()) {
    case raftpb::MSG_PROP:
      if (lead_ == kNone) {
        Log(log::Level::kInfo, "no leader; dropping proposal", {{"term", term_}});
        return ErrProposalDropped();
      }
      if (disable_proposal_forwarding_) {
        Log(log::Level::kInfo,
            "not forwarding to leader because proposal forwarding is "
            "disabled; dropping proposal",
            {{"lead", lead_}, {"term", term_}});
        return ErrProposalDropped();
      }
      m.set_to(lead_);
      Send(std::move(m));
      break;
    case raftpb::MSG_APP:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleAppendEntries(m);
      break;
    case raftpb::MSG_HEARTBEAT:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleHeartbeat(m);
      break;
    case raftpb::MSG_SNAP:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleSnapshot(m);
      break;
    case raftpb::MSG_TRANSFER_LEADER:
      if (lead_ == kNone) {
        Log(log::Level::kInfo, "no leader; dropping leader transfer message", {{"term", term_}});
        return absl::OkStatus();
      }
      m.set_to(lead_);
      Send(std::move(m));
      break;
    case raftpb::MSG_TIMEOUT_NOW:
      Log(log::Level::kInfo,
          "received MsgTimeoutNow; starting an election to transfer "
          "leadership",
          {{"from", m.from()}, {"term", term_}});
      // Leadership transfers never use pre-vote: the leader asked for it.
      Hup(CampaignType::kTransfer);
      break;
    case raftpb::MSG_READ_INDEX:
      if (lead_ == kNone) {
        Log(log::Level::kInfo, "no leader; dropping index reading msg", {{"term", term_}});
        return absl::OkStatus();
      }
      m.set_to(lead_);
      Send(std::move(m));
      break;
    case raftpb::MSG_READ_INDEX_RESP:
      if (m.entries_size() != 1) {
        Log(log::Level::kError, "invalid MsgReadIndexResp: exactly one entry expected",
            {{"from", m.from()}, {"entries", m.entries_size()}});
        return absl::OkStatus();
      }
      read_states_.push_back(ReadState{m.index(), m.entries(0).data()});
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

void Raft::HandleAppendEntries(const Message& m) {
  Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MSG_APP_RESP);
  if (m.index() < raft_log_->committed()) {
    // Everything up to our commit index is known to match: tell the leader.
    resp.set_index(raft_log_->committed());
    Send(std::move(resp));
    return;
  }
  std::vector<Entry> ents(m.entries().begin(), m.entries().end());
  if (auto last_new = raft_log_->MaybeAppend(m.index(), m.log_term(), m.commit(), ents)) {
    resp.set_index(*last_new);
    Send(std::move(resp));
    return;
  }
  // Raft §5.3: the logs do not match at (index, log_term). Hint the leader with the
  // last index of ours whose term is <= log_term, so it can skip a whole term of
  // entries per round trip instead of one index.
  uint64_t hint_index = std::min(m.index(), raft_log_->LastIndex());
  auto [hint, hint_term] = raft_log_->FindConflictByTerm(hint_index, m.log_term());
  Log(log::Level::kDebug, "rejected MsgApp",
      {{"log_term", m.log_term()},
       {"index", m.index()},
       {"hint_index", hint},
       {"hint_term", hint_term},
       {"from", m.from()}});
  resp.set_index(m.index());
  resp.set_reject(true);
  resp.set_reject_hint(hint);
  resp.set_log_term(hint_term);
  Send(std::move(resp));
}

void Raft::HandleHeartbeat(const Message& m) {
  raft_log_->CommitTo(m.commit());
  Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MSG_HEARTBEAT_RESP);
  resp.set_context(m.context());
  Send(std::move(resp));
}

void Raft::HandleSnapshot(const Message& m) {
  const auto& md = m.snapshot().metadata();
  Message resp;
  resp.set_to(m.from());
  resp.set_type(raftpb::MSG_APP_RESP);
  if (Restore(m.snapshot())) {
    Log(log::Level::kInfo, "restored snapshot", {{"index", md.index()}, {"term", md.term()}});
    resp.set_index(raft_log_->LastIndex());
  } else {
    Log(log::Level::kInfo, "ignored snapshot", {{"index", md.index()}, {"term", md.term()}});
    resp.set_index(raft_log_->committed());
  }
  Send(std::move(resp));
}

}  // namespace etcd::raft
