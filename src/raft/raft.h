// The Raft state machine (etcd-raft style): a pure function of its state and its
// inputs. Step() takes a message, Tick() advances logical time; outputs accumulate in
// msgs_, the log's unstable tail, read_states_ and the hard/soft state, and are
// collected by RawNode into a Ready. No threads, clocks, I/O or global randomness.
//
// Most applications should use RawNode (raw_node.h); this class is public to the
// module and to tests (the simulated network drives it directly).
//
// Thread safety: not thread-safe; one owner (the raft loop) calls everything.
#pragma once

#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/log.h"
#include "common/rng.h"
#include "raft/config.h"
#include "raft/log.h"
#include "raft/read_only.h"
#include "raft/ready.h"
#include "raft/tracker.h"
#include "raftpb/raft.pb.h"

namespace etcd::raft {

// Returned when a proposal cannot be handled: no leader known, forwarding disabled,
// a leadership transfer in progress, this node removed, or the uncommitted-size limit
// reached. The caller may retry later.
absl::Status ErrProposalDropped();
bool IsProposalDropped(const absl::Status& s);

// The Context of a MsgVote sent because of a leadership transfer: it lets the vote
// through a follower's leader lease.
inline constexpr std::string_view kCampaignTransfer = "CampaignTransfer";

class Raft {
 public:
  enum class CampaignType { kPreElection, kElection, kTransfer };

  static absl::StatusOr<std::unique_ptr<Raft>> Create(const Config& c);

  // The single entry point for messages (network and local ones).
  absl::Status Step(raftpb::Message m);
  // Advances the logical clock by one tick.
  void Tick();
  // Takes the outgoing messages accumulated so far.
  std::vector<raftpb::Message> ReadMessages();

  void BecomeFollower(uint64_t term, uint64_t lead);
  void BecomeCandidate();
  void BecomePreCandidate();
  void BecomeLeader();

  // Applies a committed conf change to the membership; returns the new ConfState.
  // A change with node_id 0 (or an invalid one) leaves the membership unchanged.
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc);
  // OK if this node may start an election now; otherwise why not.
  absl::Status CanCampaign() const;
  // A voter of the current configuration without a pending snapshot.
  bool Promotable() const;

  SoftState GetSoftState() const { return SoftState{lead_, state_}; }
  raftpb::HardState GetHardState() const;
  // Entries left the uncommitted window (they were committed and handed out).
  void ReduceUncommittedSize(const std::vector<raftpb::Entry>& ents);
  // Replaces the term/vote/commit with a persisted HardState.
  absl::Status LoadState(const raftpb::HardState& hs);
  // Bootstrap support: appends `ents` (at term 1) and marks them committed.
  void AppendCommittedForBootstrap(const std::vector<raftpb::Entry>& ents);

  uint64_t id() const { return id_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t lead() const { return lead_; }
  StateType state() const { return state_; }
  bool is_learner() const { return is_learner_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  uint64_t pending_conf_index() const { return pending_conf_index_; }
  uint64_t uncommitted_size() const { return uncommitted_size_; }
  int election_elapsed() const { return election_elapsed_; }
  int election_timeout() const { return election_timeout_; }
  int heartbeat_timeout() const { return heartbeat_timeout_; }
  int randomized_election_timeout() const { return randomized_election_timeout_; }
  RaftLog& raft_log() { return *raft_log_; }
  const RaftLog& raft_log() const { return *raft_log_; }
  ProgressTracker& tracker() { return tracker_; }
  const ProgressTracker& tracker() const { return tracker_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  const std::vector<ReadState>& read_states() const { return read_states_; }
  const std::vector<raftpb::Message>& msgs() const { return msgs_; }
  const ReadOnly& read_only() const { return read_only_; }

  // Test seams.
  void TEST_SetRandomizedElectionTimeout(int v) { randomized_election_timeout_ = v; }
  void TEST_SetElectionElapsed(int v) { election_elapsed_ = v; }
  void TEST_BcastAppend() { BcastAppend(); }

  // Config::lazy_commit_broadcast: a leader holds a commit index its followers were not
  // sent yet; FlushCommit sends it (commit-only MsgApps) and clears the flag.
  bool CommitFlushPending() const { return commit_flush_pending_; }
  void FlushCommit();
  void TEST_BcastHeartbeat() { BcastHeartbeat(); }

 private:
  explicit Raft(const Config& c);

  void Log(log::Level level, std::string_view msg, std::vector<log::Field> fields = {},
           std::source_location where = std::source_location::current()) const {
    if (logger_ == nullptr || !logger_->Enabled(level)) return;
    fields.insert(fields.begin(), log::Field("raft_id", id_));
    logger_->Log(level, msg, std::move(fields), where);
  }

  // --- raft.cc: roles, timers, replication ---
  void Reset(uint64_t term);
  void ResetRandomizedElectionTimeout();
  bool PastElectionTimeout() const { return election_elapsed_ >= randomized_election_timeout_; }
  void TickElection();
  void TickHeartbeat();
  void Send(raftpb::Message m);
  void SendAppend(uint64_t to) { MaybeSendAppend(to, true); }
  bool MaybeSendAppend(uint64_t to, bool send_if_empty);
  bool SendSnapshot(uint64_t to, Progress* pr);
  void SendHeartbeat(uint64_t to, const std::string& ctx);
  void BcastAppend();
  void BcastHeartbeat();
  void BcastHeartbeatWithCtx(const std::string& ctx);
  void SendTimeoutNow(uint64_t to);
  void AbortLeaderTransfer() { lead_transferee_ = 0; }
  bool AppendEntry(std::vector<raftpb::Entry> es);
  bool MaybeCommit();
  bool IncreaseUncommittedSize(const std::vector<raftpb::Entry>& ents);
  bool CommittedEntryInCurrentTerm() const;
  // Whether committed-but-unapplied entries contain a conf change.
  bool HasUnappliedConfChanges() const;
  // After the membership changed: adjust role, commit, probe new members.
  void OnConfigChanged();
  bool Restore(const raftpb::Snapshot& s);

  // --- raft_step.cc: message handling ---
  void Hup(CampaignType t);
  void Campaign(CampaignType t);
  VoteResult Poll(uint64_t id, raftpb::MessageType t, bool granted);
  absl::Status StepLeader(raftpb::Message& m);
  absl::Status StepCandidate(raftpb::Message& m);
  absl::Status StepFollower(raftpb::Message& m);
  absl::Status LeaderPropose(raftpb::Message& m);
  void LeaderReadIndex(raftpb::Message& m);
  void LeaderAppResp(const raftpb::Message& m, Progress* pr);
  void LeaderHeartbeatResp(const raftpb::Message& m, Progress* pr);
  void LeaderTransfer(const raftpb::Message& m, Progress* pr);
  void HandleAppendEntries(const raftpb::Message& m);
  void HandleHeartbeat(const raftpb::Message& m);
  void HandleSnapshot(const raftpb::Message& m);
  void SendReadIndexResponse(const raftpb::Message& req, uint64_t index);
  void ReleasePendingReadIndexMessages();

  uint64_t id_;
  uint64_t term_ = 0;
  uint64_t vote_ = 0;
  std::vector<ReadState> read_states_;
  std::unique_ptr<RaftLog> raft_log_;
  uint64_t max_msg_size_;
  uint64_t max_uncommitted_size_;
  ProgressTracker tracker_;
  StateType state_ = StateType::kFollower;
  bool is_learner_ = false;
  std::vector<raftpb::Message> msgs_;
  uint64_t lead_ = 0;
  // Target of an ongoing leadership transfer (0 if none).
  uint64_t lead_transferee_ = 0;
  // Only one conf change may be pending (in the log, unapplied) at a time: the index
  // of the latest one, or of the leader's first entry of its term.
  uint64_t pending_conf_index_ = 0;
  // Payload bytes appended by this leader but not yet committed.
  uint64_t uncommitted_size_ = 0;
  ReadOnly read_only_;
  // Read requests that arrived before this leader committed an entry of its term.
  std::vector<raftpb::Message> pending_read_index_messages_;
  // Ticks since the last election timeout (leader: since the last check-quorum).
  int election_elapsed_ = 0;
  // Ticks since the last heartbeat (leader only).
  int heartbeat_elapsed_ = 0;
  bool check_quorum_;
  bool pre_vote_;
  int heartbeat_timeout_;
  int election_timeout_;
  // Drawn from [election_timeout, 2*election_timeout) at every reset.
  int randomized_election_timeout_ = 0;
  bool disable_proposal_forwarding_;
  const bool lazy_commit_broadcast_;
  bool commit_flush_pending_ = false;
  Rng rng_;
  const log::Logger* logger_;
};

}  // namespace etcd::raft
