// EtcdServer: one etcd member. It implements server::ServerApi over the Raft core
// (raft/), the WAL and snapshot files (wal/), the LevelDB backend (storage/), the KV
// store (mvcc/), the watchable store (watch/), the lessor (lease/) and the membership
// store (membership/). Design: docs/design/server.md.
//
// Threads (all created by Start(), all joined by Stop()):
//  * raft loop: owns the RawNode, the MemoryStorage and the WAL. Each turn it drains
//    its inbox (proposals, read-index requests, peer messages), ticks the node every
//    heartbeat interval of the injected clock, runs the leader's timers (lease expiry,
//    auto-compaction, publishing), then handles one Ready: WAL save with one fsync,
//    MemoryStorage append, send, hand committed entries to the applier, Advance.
//  * applier: applies groups of committed entries into the backend's pending batch,
//    one Backend::Commit(index, term) per group, then KvStore::OnCommitted,
//    WatchableStore::Notify, and completes the waits; takes snapshots every
//    --snapshot-count entries (CommitSync first).
//  * worker: runs linearizable reads once applied >= their read index, Defragment and
//    other slow member-local work, so neither the raft loop nor gRPC threads block.
//  * the watchable store's syncer (started through WatchableStore::Start).
//
// Time comes only from the injected Clock (the loops wait on condition variables with
// a real-time timeout of one heartbeat and then consult the Clock; tests with a
// FakeClock call Kick() after advancing it); randomness from an Rng seeded by deps.
//
// Thread safety: every public method may be called from any thread. Internal state is
// owned by one thread (annotated "raft loop only" / "applier only") or guarded by a
// mutex; no lock is held while calling a Done callback, the backend or the WAL.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "auth/auth_store.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/log.h"
#include "common/rng.h"
#include "common/status.h"
#include "config/server_config.h"
#include "lease/lessor.h"
#include "membership/cluster.h"
#include "mvcc/kv_store.h"
#include "peerpb/peer.pb.h"
#include "raft/raw_node.h"
#include "raft/storage.h"
#include "server/alarm_store.h"
#include "server/auth_api.h"
#include "server/auto_compactor.h"
#include "server/kv_applier.h"
#include "server/metrics.h"
#include "server/quota_size_cache.h"
#include "server/reconfig_check.h"
#include "server/request_id.h"
#include "server/server_api.h"
#include "server/transport.h"
#include "server/wait.h"
#include "serverpb/internal.pb.h"
#include "storage/backend.h"
#include "v2store/store.h"
#include "wal/snapshotter.h"
#include "wal/wal.h"
#include "watch/watchable_store.h"

namespace etcd::server {

// What the composition root (or a test) injects.
struct ServerDeps {
  Env* env = nullptr;                   // files (Env::Default() or a MemEnv); required
  Clock* clock = nullptr;               // required
  uint64_t seed = 0;                    // seeds the Rng (election jitter, lease IDs, WAL nonce)
  Transport* transport = nullptr;       // null: NoopTransport
  const log::Logger* logger = nullptr;  // null: log::Default()
  // --initial-cluster-state existing: asks the peers at the given URLs for the member
  // list (etcd's GetClusterFromRemotePeers). Null: the peer gRPC Members call
  // (transport::FetchMembers). Tests inject a fake (server/member_join.h).
  std::function<absl::StatusOr<peerpb::MembersResponse>(const std::vector<std::string>&)>
      fetch_members;
  // TEST ONLY (watchdog tests): called by the raft loop before each turn; may block to
  // simulate a stuck loop. Null in production.
  std::function<void()> raft_turn_hook;
};

// The WAL metadata record of a member: its member ID and cluster ID (16 bytes, both
// big-endian; docs/design/server.md "WAL metadata").
std::string EncodeWalMetadata(uint64_t member_id, uint64_t cluster_id);
bool DecodeWalMetadata(std::string_view data, uint64_t* member_id, uint64_t* cluster_id);

// The raft snapshot payload: the backend holds the state at the snapshot's index (etcd
// 3.x style: the backend IS the state machine's snapshot).
std::string EncodeSnapshotData(uint64_t index);

// What to do with a member removed from its cluster (or whose data dir was lost): the
// steps that bring it back as a new member (member_join.cc).
std::string RejoinHint(const config::ServerConfig& cfg);

class EtcdServer final : public ServerApi, public AuthApi {
 public:
  // Bootstraps or restarts the member in cfg.data_dir (docs/design/server.md
  // "Bootstrap"): a new member (no WAL) from --initial-cluster, or an existing one from
  // its WAL, snapshot and backend. Creates no threads.
  static absl::StatusOr<std::unique_ptr<EtcdServer>> Create(const config::ServerConfig& cfg,
                                                            ServerDeps deps);
  ~EtcdServer() override;
  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // Starts the threads. Call once.
  void Start();
  // Graceful stop: refuse new requests (kStopped), stop the raft loop, finish applying
  // what was handed to the applier, fail the remaining waits with kStopped, CommitSync
  // the backend and close the WAL. Idempotent; the destructor calls it.
  void Stop();
  // True once Stop() ran or the member stopped itself (fatal error, removed member).
  bool Stopped() const { return stopped_.load(); }
  // Blocks until the member stopped by itself or Stop() was called (main's wait).
  void WaitStopped();
  // True once the member stopped serving by itself: removed from the cluster (then
  // StopError() is OK: etcd exits 0) or a fatal storage error (StopError() says which).
  bool SelfStopped() const { return self_stop_requested_.load(); }
  absl::Status StopError() const;

  // Wakes the loops now (tests call it after advancing a FakeClock).
  void Kick();
  // Test seam: stops the threads like a killed process would stop: no backend sync, no
  // WAL close, no callbacks for pending waits. Only destruction may follow.
  void TEST_Crash();

  // True once this member's attributes are published through Raft (etcd's
  // ReadyNotify): the point where etcd sends READY=1.
  bool IsReady() const { return ready_.load(); }
  // Waits (real time) until IsReady() or the timeout passes.
  bool WaitReady(absl::Duration timeout);
  // Waits (real time) until the applied index reaches `index`.
  bool WaitApplied(uint64_t index, absl::Duration timeout);

  bool IsLeader() const { return is_leader_.load(); }
  uint64_t Leader() const { return lead_.load(); }
  uint64_t AppliedIndex() const { return applied_index_.load(); }
  uint64_t CommittedIndex() const { return committed_index_.load(); }
  uint64_t SnapshotIndex() const { return snapshot_index_.load(); }
  // ReadIndex requests sent to Raft so far (each serves a batch of reads).
  uint64_t ReadIndexRequests() const { return read_index_requests_.load(); }
  // Turns of the raft loop so far (it turns at least once per heartbeat interval, even
  // when idle): the liveness signal behind systemd WATCHDOG=1.
  uint64_t RaftLoopTurns() const { return raft_loop_turns_.load(std::memory_order_relaxed); }
  const membership::RaftCluster& cluster() const { return *cluster_; }
  // True when Create found an existing WAL (restart) rather than bootstrapping.
  bool Restarted() const { return restarted_; }
  // WAL tail repaired during Create (restart after a torn write).
  bool RepairedWalTail() const { return repaired_wal_tail_; }

  // --- ServerApi ---
  uint64_t ClusterId() const override;
  uint64_t MemberId() const override { return member_id_; }
  uint64_t Term() const override { return term_.load(); }
  int64_t CurrentRevision() const override;
  void FillHeader(etcdserverpb::ResponseHeader* header) const override;

  void Range(const RequestContext& ctx, const etcdserverpb::RangeRequest& req,
             Done<etcdserverpb::RangeResponse> done) override;
  void Put(const RequestContext& ctx, const etcdserverpb::PutRequest& req,
           Done<etcdserverpb::PutResponse> done) override;
  void DeleteRange(const RequestContext& ctx, const etcdserverpb::DeleteRangeRequest& req,
                   Done<etcdserverpb::DeleteRangeResponse> done) override;
  void Txn(const RequestContext& ctx, const etcdserverpb::TxnRequest& req,
           Done<etcdserverpb::TxnResponse> done) override;
  void RunDeferredTurn() override;
  void Compact(const RequestContext& ctx, const etcdserverpb::CompactionRequest& req,
               Done<etcdserverpb::CompactionResponse> done) override;

  void LeaseGrant(const RequestContext& ctx, const etcdserverpb::LeaseGrantRequest& req,
                  Done<etcdserverpb::LeaseGrantResponse> done) override;
  void LeaseRevoke(const RequestContext& ctx, const etcdserverpb::LeaseRevokeRequest& req,
                   Done<etcdserverpb::LeaseRevokeResponse> done) override;
  void LeaseRenew(const RequestContext& ctx, const etcdserverpb::LeaseKeepAliveRequest& req,
                  Done<etcdserverpb::LeaseKeepAliveResponse> done) override;
  void LeaseTimeToLive(const RequestContext& ctx, const etcdserverpb::LeaseTimeToLiveRequest& req,
                       Done<etcdserverpb::LeaseTimeToLiveResponse> done) override;
  void LeaseLeases(const RequestContext& ctx, const etcdserverpb::LeaseLeasesRequest& req,
                   Done<etcdserverpb::LeaseLeasesResponse> done) override;

  void MemberList(const RequestContext& ctx, const etcdserverpb::MemberListRequest& req,
                  Done<etcdserverpb::MemberListResponse> done) override;
  void MemberAdd(const RequestContext& ctx, const etcdserverpb::MemberAddRequest& req,
                 Done<etcdserverpb::MemberAddResponse> done) override;
  void MemberRemove(const RequestContext& ctx, const etcdserverpb::MemberRemoveRequest& req,
                    Done<etcdserverpb::MemberRemoveResponse> done) override;
  void MemberUpdate(const RequestContext& ctx, const etcdserverpb::MemberUpdateRequest& req,
                    Done<etcdserverpb::MemberUpdateResponse> done) override;
  void MemberPromote(const RequestContext& ctx, const etcdserverpb::MemberPromoteRequest& req,
                     Done<etcdserverpb::MemberPromoteResponse> done) override;

  void Status(const RequestContext& ctx, const etcdserverpb::StatusRequest& req,
              Done<etcdserverpb::StatusResponse> done) override;
  void Alarm(const RequestContext& ctx, const etcdserverpb::AlarmRequest& req,
             Done<etcdserverpb::AlarmResponse> done) override;
  void Defragment(const RequestContext& ctx, const etcdserverpb::DefragmentRequest& req,
                  Done<etcdserverpb::DefragmentResponse> done) override;
  void Hash(const RequestContext& ctx, const etcdserverpb::HashRequest& req,
            Done<etcdserverpb::HashResponse> done) override;
  void HashKV(const RequestContext& ctx, const etcdserverpb::HashKVRequest& req,
              Done<etcdserverpb::HashKVResponse> done) override;
  void MoveLeader(const RequestContext& ctx, const etcdserverpb::MoveLeaderRequest& req,
                  Done<etcdserverpb::MoveLeaderResponse> done) override;
  // snapshot_source.cc: a BackendImageReader over a backend read view.
  absl::StatusOr<std::unique_ptr<SnapshotReader>> OpenSnapshot(const RequestContext& ctx) override;

  mvcc::WatchableStore* Watchable() override { return watchable_.get(); }

  // --- Auth (auth_requests.cc) ---
  AuthApi* Auth() override { return this; }
#define ETCD_AUTH_API_METHOD(Method, Req, Resp)                        \
  void Method(const RequestContext& ctx, const etcdserverpb::Req& req, \
              Done<etcdserverpb::Resp> done) override;
  ETCD_AUTH_API_METHOD(AuthEnable, AuthEnableRequest, AuthEnableResponse)
  ETCD_AUTH_API_METHOD(AuthDisable, AuthDisableRequest, AuthDisableResponse)
  ETCD_AUTH_API_METHOD(AuthStatus, AuthStatusRequest, AuthStatusResponse)
  ETCD_AUTH_API_METHOD(Authenticate, AuthenticateRequest, AuthenticateResponse)
  ETCD_AUTH_API_METHOD(UserAdd, AuthUserAddRequest, AuthUserAddResponse)
  ETCD_AUTH_API_METHOD(UserGet, AuthUserGetRequest, AuthUserGetResponse)
  ETCD_AUTH_API_METHOD(UserList, AuthUserListRequest, AuthUserListResponse)
  ETCD_AUTH_API_METHOD(UserDelete, AuthUserDeleteRequest, AuthUserDeleteResponse)
  ETCD_AUTH_API_METHOD(UserChangePassword, AuthUserChangePasswordRequest,
                       AuthUserChangePasswordResponse)
  ETCD_AUTH_API_METHOD(UserGrantRole, AuthUserGrantRoleRequest, AuthUserGrantRoleResponse)
  ETCD_AUTH_API_METHOD(UserRevokeRole, AuthUserRevokeRoleRequest, AuthUserRevokeRoleResponse)
  ETCD_AUTH_API_METHOD(RoleAdd, AuthRoleAddRequest, AuthRoleAddResponse)
  ETCD_AUTH_API_METHOD(RoleGet, AuthRoleGetRequest, AuthRoleGetResponse)
  ETCD_AUTH_API_METHOD(RoleList, AuthRoleListRequest, AuthRoleListResponse)
  ETCD_AUTH_API_METHOD(RoleDelete, AuthRoleDeleteRequest, AuthRoleDeleteResponse)
  ETCD_AUTH_API_METHOD(RoleGrantPermission, AuthRoleGrantPermissionRequest,
                       AuthRoleGrantPermissionResponse)
  ETCD_AUTH_API_METHOD(RoleRevokePermission, AuthRoleRevokePermissionRequest,
                       AuthRoleRevokePermissionResponse)
#undef ETCD_AUTH_API_METHOD
  absl::Status AuthorizeWatch(const RequestContext& ctx,
                              const etcdserverpb::WatchCreateRequest& req) override;
  // Request-time auth checks for the other request files: read permission for a
  // Range / read-only Txn, the root role (admin RPCs), the same with etcd's unmapped
  // "auth: ..." errors (maintenance RPCs). OK while auth is disabled.
  absl::Status AuthorizeRange(const RequestContext& ctx,
                              const etcdserverpb::RangeRequest& req) const;
  absl::Status AuthorizeTxn(const RequestContext& ctx, const etcdserverpb::TxnRequest& req) const;
  absl::Status AuthorizeAdmin(const RequestContext& ctx) const;
  absl::Status AuthorizeMaintenance(const RequestContext& ctx) const;
  // The auth store (null before Create finishes).
  auth::AuthStore* auth_store() { return auth_.get(); }

  // --- v2 keys API (v2_server.cc) ---
  void V2Write(const RequestContext& ctx, const serverpb::V2Request& req,
               Done<serverpb::V2Response> done) override;
  v2store::Store* V2Store() override;
  uint64_t CommittedRaftIndex() const override;

  // --- peers (membership_apply.cc / member_requests.cc) ---
  // An inbound Raft message from another member (the transport's RaftHandler::Process):
  // queued for the raft loop; never blocks.
  void ProcessPeerMessage(raftpb::Message msg);
  // The messages of one inbound batch (RaftHandler::ProcessAll): queued, then, unless a
  // raft-loop turn is already running, a turn runs at once on the calling transport
  // thread instead of waking the raft loop thread (one hand-off less per batch).
  // raft_loop.cc.
  void ProcessPeerMessages(std::vector<raftpb::Message> msgs);
  // Leader side of a MemberPromote forwarded by a follower (Transport::ForwardPromote):
  // checks the learner's progress here, proposes the promotion, answers with the member
  // list once applied, or with kNotLeader / an etcd error.
  void PromoteMemberOnLeader(uint64_t learner_id, Transport::PromoteDone done);
  bool IsLearner() const { return is_learner_.load(); }
  // A peer refused us because this member was removed (RaftHandler::
  // OnRemovedFromCluster, e.g. a removed member restarted on its old data dir): log as
  // etcd does and stop serving; main exits 0.
  void HandleRemovedFromCluster(uint64_t reported_by);

  // --- peers: the rest of the transport's inbound side (cluster_peer.cc) ---
  // Delivery failures, queued for the raft loop (RawNode::ReportUnreachable /
  // ReportSnapshot); never block.
  void ReportUnreachable(uint64_t id);
  void ReportSnapshot(uint64_t id, bool failed);
  bool IsRemovedMember(uint64_t id) const;
  // The membership for the peer Members call, sorted by ID.
  std::vector<serverpb::Member> PeerMembers() const;
  // Leader side of a keep-alive forwarded by a follower: the TTL, or kNotLeader,
  // kLeaseNotFound, kTimeout (a just-elected leader waits, bounded by `deadline`, for
  // its lessor to be promoted).
  absl::StatusOr<int64_t> RenewLeaseForPeer(int64_t id, absl::Time deadline);

  HealthInfo Health() const override;
  void CheckQuorum(int timeout_ms, std::function<void(absl::Status)> done) override;
  std::string MetricsText() const override;

 private:
  int64_t KeyCount() const;
  // A proposal queued for the raft loop. wait_id 0: nobody waits (timers).
  struct Proposal {
    uint64_t wait_id = 0;
    std::string data;
    bool conf_change = false;
    raftpb::ConfChange cc;
  };
  // The raft loop's decision on a committed conf change, handed to the applier.
  struct ConfDecision {
    absl::Status status;
    raftpb::ConfChange cc;
    std::optional<membership::Member> member;
    raftpb::ConfState conf_state;
  };
  struct SnapshotInstall;  // cluster_peer.cc
  // One hand-off from the raft loop to the applier.
  struct ApplyTask {
    std::vector<raftpb::Entry> entries;
    std::map<uint64_t, ConfDecision> conf;  // by entry index
    uint64_t commit_term = 0;
    // MSG_SNAPs to complete with a backend dump taken after this group (cluster_peer.cc).
    std::vector<raftpb::Message> snap_sends;
    // A leader's snapshot to install instead of entries (cluster_peer.cc).
    std::shared_ptr<SnapshotInstall> install;
  };
  // A linearizable-read batch waiting for applied >= index.
  struct ReadBatch {
    uint64_t index = 0;
    std::vector<uint64_t> wait_ids;
  };

  EtcdServer(const config::ServerConfig& cfg, ServerDeps deps);
  absl::Status Bootstrap();
  absl::Status BootstrapNew();
  absl::Status RestartFromDisk();
  absl::Status OpenStateMachine();
  absl::StatusOr<std::unique_ptr<raft::RawNode>> NewRawNode(uint64_t applied);
  const log::Logger& logger() const { return *logger_; }

  // --- request plumbing ---
  Clock::TimePoint RequestDeadline() const;
  // Stopped, learner (kLearnerNotSupported unless `learner_ok`: etcd lets a learner
  // serve only serializable Range and Status), auth token, require-leader.
  absl::Status CheckCommon(const RequestContext& ctx, bool learner_ok = false) const;
  // Validation done: encode, size-check, register the wait, queue to the raft loop.
  // `turn_here`: the calling thread runs the raft turn itself when no turn runs
  // (TurnHereOrWake) instead of waking the raft loop thread. Only for callers that
  // hold no lock a turn may take (the KV write handlers).
  void Propose(serverpb::InternalRaftRequest req, WaitFn fn, bool turn_here = false);
  // Propose with the caller's identity in the header (the applier checks permissions
  // with it); an invalid token fails fn at once.
  void ProposeAs(const RequestContext& ctx, serverpb::InternalRaftRequest req, WaitFn fn,
                 bool turn_here = false);
  // --- auth (auth_requests.cc) ---
  absl::Status OpenAuthStore();
  absl::StatusOr<std::optional<auth::AuthInfo>> AuthInfoOf(const RequestContext& ctx) const;
  absl::Status CheckAuthToken(const RequestContext& ctx) const;
  // Serializable and linearizable reads (etcd's doSerialize): the auth revision the
  // request's identity was checked at (0: none), and after the read, "revision of auth
  // store is old" when the store has moved on since.
  uint64_t IdentityAuthRevision(const RequestContext& ctx) const;
  absl::Status RecheckAuthRevision(uint64_t checked) const;
  template <typename Resp>
  void ProposeAuth(const RequestContext& ctx, serverpb::InternalRaftRequest r, Done<Resp> done);
  void AuthenticateAttempt(const etcdserverpb::AuthenticateRequest& req,
                           Done<etcdserverpb::AuthenticateResponse> done, int attempts_left);
  // Applier: the auth check of a proposed request and, for auth requests, their
  // application; nullopt: not handled here (apply normally).
  std::optional<ApplyResult> ApplyAuth(const serverpb::InternalRaftRequest& r);
  void ProposeConfChange(raftpb::ConfChange cc, WaitFn fn);
  // Runs fn(OK) on the worker once a read barrier passed (or fn(error)).
  void LinearizableRead(Clock::TimePoint deadline, std::function<void(absl::Status)> fn);
  // False (fn dropped) once the worker stopped.
  bool RunOnWorker(std::function<void()> fn);
  absl::Status QuotaCheck(size_t cost);
  void FillHeaderIds(etcdserverpb::ResponseHeader* header) const;
  template <typename Resp>
  WaitFn Complete(Done<Resp> done);

  // --- raft loop (raft_loop.cc) ---
  void RaftLoop();
  // Drains the inbox and runs one RaftTurn; turn_mu_ held. True when the turn queued
  // committed entries: the caller calls KickApplier() after releasing turn_mu_.
  bool RunTurnLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(turn_mu_);
  // Runs turns on the calling thread while no other turn runs and work is queued (at
  // most a few), else (or for what is left) wakes the raft loop thread. Each thread
  // hand-off costs ~15 us of CPU and ~20 us of latency on a VM; an ack or a proposal
  // that is taken by the thread it arrived on saves one.
  void TurnHereOrWake();
  void RaftTurn(std::vector<Proposal> props, std::vector<uint64_t> reads,
                std::vector<raftpb::Message> msgs);
  void HandleReady();
  void RunLeaderTimers(Clock::TimePoint now);
  ConfDecision DecideConfChange(const raftpb::Entry& e);
  void ProposeInternal(const serverpb::InternalRaftRequest& req);
  void IssueReadIndex(Clock::TimePoint now);
  void DispatchReadBatch(ReadBatch batch);
  void TakeSnapshot(uint64_t index, const raftpb::ConfState& cs);
  void FailFatal(const std::string& what, const absl::Status& s);
  void RequestSelfStop(absl::Status why);

  // --- applier (apply.cc) ---
  void ApplyLoop();
  // Committed entries were queued: a small group is applied on the calling thread when
  // nobody applies (saves the hand-off to the applier thread, which a lone write pays
  // in full), anything else wakes the applier thread. Never call with turn_mu_ held.
  void KickApplier() ABSL_LOCKS_EXCLUDED(turn_mu_, apply_run_mu_, apply_mu_);
  // Takes queued tasks up to the next snapshot install (under apply_mu_).
  std::vector<ApplyTask> TakeApplyTasksLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  void ApplyGroup(std::vector<ApplyTask> tasks);
  void ApplyNormal(const raftpb::Entry& e, std::vector<mvccpb::Event>* events,
                   std::vector<std::pair<uint64_t, ApplyResult>>* results);
  ApplyResult ApplyRequest(const serverpb::InternalRaftRequest& r,
                           std::vector<mvccpb::Event>* events);
  ApplyResult ApplyConf(const ConfDecision& d);
  void CompleteReadsUpTo(uint64_t applied);
  void CheckPhysicalCompactions();

  // --- worker ---
  void WorkerLoop();

  // --- replication across members (cluster_peer.cc) ---
  // Raft loop: sends rd.messages; MSG_SNAPs go to the applier for a backend dump.
  void SendMessages(std::vector<raftpb::Message> msgs);
  // Raft loop: hands queued unreachable/snapshot reports to the RawNode.
  void DrainPeerReports();
  // Raft loop: persists a snapshot received from the leader (dump file, .snap, WAL
  // marker), has the applier install it, then updates the MemoryStorage. False after
  // a fatal error.
  bool InstallSnapshotFromLeader(const raftpb::Snapshot& snap);
  // Applier: replaces the state machine with a received dump.
  void ApplySnapshotInstall(const std::shared_ptr<SnapshotInstall>& install);
  // Applier, right after a group's commit: dumps a read view for each MSG_SNAP.
  void DumpForSnapshots(std::vector<raftpb::Message> msgs);
  // Restart: a received dump that was persisted but not yet installed is installed.
  absl::Status InstallPendingSnapshotDb();
  // After the backend's content was replaced: KV index, lessor, alarms, membership.
  absl::Status ReloadStateMachine();
  // A follower forwards a keep-alive to the leader.
  void ForwardLeaseRenew(int64_t id, etcdserverpb::LeaseKeepAliveResponse resp,
                         Done<etcdserverpb::LeaseKeepAliveResponse> done);

  // --- membership (membership_apply.cc, member_join.cc, member_requests.cc) ---
  // Joins a running cluster (--initial-cluster-state existing): fetch, check, adopt IDs.
  absl::Status BootstrapJoin(
      const std::vector<std::pair<std::string, std::vector<std::string>>>& initial_cluster);
  // Restart: logs each bootstrap setting that the stored membership overrides.
  void LogIgnoredBootstrapSettings();
  // Start(): tells the transport about every other known member.
  void AddTransportPeers();
  // Raft loop, right after ApplyConfChange of an accepted change: transport peer set,
  // this member's learner flag.
  void OnConfChangeDecided(const ConfDecision& d);
  // A promotion (ADD_NODE without context): kMemberNotFound / kMemberNotLearner.
  absl::Status ValidatePromotion(uint64_t id) const;
  // Raft loop, each turn: the leader's replication progress for promote checks.
  void PublishRaftProgress();
  std::optional<std::map<uint64_t, uint64_t>> LeaderMatch() const;
  ReconfigView View() const;
  // Stop(): a leader hands leadership to the most caught-up voter first (bounded).
  void TransferLeadershipOnStop();
  // Queues a leader transfer to `target` and registers `fn` under a fresh wait
  // (answered when `target` leads, kTimeoutLeaderTransfer after the request timeout).
  void StartLeaderTransfer(uint64_t target, WaitFn fn);

  class LessorHooks;

  const config::ServerConfig cfg_;
  ServerDeps deps_;
  const log::Logger* logger_;
  NoopTransport noop_transport_;
  Transport* transport_;
  const Clock::Duration request_timeout_;
  const int64_t quota_bytes_;
  // The backend size QuotaCheck compares with quota_bytes_ (measured every 64 checks).
  QuotaSizeCache quota_size_{[this] { return backend_->SizeBytes(); }};

  // Identity (fixed after Create).
  uint64_t member_id_ = 0;
  bool restarted_ = false;
  bool repaired_wal_tail_ = false;
  std::unique_ptr<RequestIdGenerator> ids_;
  absl::Mutex lease_rng_mu_;
  Rng lease_rng_ ABSL_GUARDED_BY(lease_rng_mu_){0};

  // State machine.
  std::unique_ptr<storage::Backend> backend_;
  std::unique_ptr<mvcc::KvStore> kv_;
  std::unique_ptr<lease::Lessor> lessor_;
  std::unique_ptr<LessorHooks> lease_hooks_;
  std::unique_ptr<KvApplier> kv_applier_;
  std::unique_ptr<mvcc::WatchableStore> watchable_;
  std::unique_ptr<membership::RaftCluster> cluster_;
  std::unique_ptr<auth::AuthStore> auth_;
  uint64_t applying_index_ = 0;  // applier only: index of the entry being applied
  AlarmStore alarms_;
  WaitRegistry waits_;

  // Raft loop only (after Create).
  std::unique_ptr<raft::MemoryStorage> raft_storage_;
  std::unique_ptr<raft::RawNode> node_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<wal::Snapshotter> snapshotter_;
  std::vector<raft::Peer> bootstrap_peers_;
  Rng rng_;
  Clock::TimePoint next_tick_{};
  std::vector<Proposal> held_props_;  // dropped (no leader yet); retried each turn
  std::vector<uint64_t> read_queue_;  // reads not yet sent with a ReadIndex
  std::string read_ctx_;              // ctx of the ReadIndex in flight ("" = none)
  std::vector<uint64_t> read_inflight_;
  Clock::TimePoint read_sent_{};
  uint64_t read_seq_ = 0;
  AutoCompactor compactor_;
  std::optional<int64_t> compaction_inflight_;
  Clock::TimePoint expiry_window_start_{};
  size_t expiry_budget_ = 0;
  bool publish_proposed_ = false;
  bool campaign_retried_ = false;
  Clock::TimePoint publish_sent_{};
  bool version_proposed_ = false;
  uint64_t transfer_wait_id_ = 0;
  uint64_t transfer_target_ = 0;

  // Inbox of the raft loop.
  mutable absl::Mutex in_mu_;
  absl::CondVar in_cv_;
  std::vector<Proposal> in_props_ ABSL_GUARDED_BY(in_mu_);
  std::vector<uint64_t> in_reads_ ABSL_GUARDED_BY(in_mu_);
  std::vector<raftpb::Message> in_msgs_ ABSL_GUARDED_BY(in_mu_);
  std::optional<std::pair<uint64_t, raftpb::ConfState>> in_snapshot_ ABSL_GUARDED_BY(in_mu_);
  std::optional<std::pair<uint64_t, uint64_t>> in_transfer_ ABSL_GUARDED_BY(in_mu_);
  std::optional<std::pair<int64_t, bool>> in_compact_result_ ABSL_GUARDED_BY(in_mu_);
  std::vector<uint64_t> in_unreachable_ ABSL_GUARDED_BY(in_mu_);
  std::vector<std::pair<uint64_t, bool>> in_snap_status_ ABSL_GUARDED_BY(in_mu_);
  bool in_wake_ ABSL_GUARDED_BY(in_mu_) = false;
  // A turn runs (set when it takes the inbox, cleared by its thread once it looked at
  // in_wake_ afterwards): new work needs no in_cv_ signal meanwhile (TurnHereOrWake).
  bool turn_active_ ABSL_GUARDED_BY(in_mu_) = false;
  bool raft_stop_ ABSL_GUARDED_BY(in_mu_) = false;
  Clock::TimePoint wake_at_ ABSL_GUARDED_BY(in_mu_){};  // next tick (the raft loop's wait)
  // The leader holds a commit index its followers were not sent yet
  // (raft::Config::lazy_commit_broadcast): the raft loop thread sends it when it has
  // waited kCommitFlushDelay without work (commit_flush_due_, raft_loop.cc).
  bool commit_flush_armed_ ABSL_GUARDED_BY(in_mu_) = false;
  bool commit_flush_due_ ABSL_GUARDED_BY(in_mu_) = false;
  std::chrono::steady_clock::time_point commit_flush_armed_at_ ABSL_GUARDED_BY(in_mu_){};
  // When the raft loop thread's current wait ends (max: it is not waiting).
  std::chrono::steady_clock::time_point loop_wait_until_ ABSL_GUARDED_BY(in_mu_) =
      std::chrono::steady_clock::time_point::max();
  // Held for every raft-loop turn, whichever thread runs it (the raft loop thread, or a
  // transport thread in ProcessPeerMessages): turns never overlap. Lock order: turn_mu_,
  // then in_mu_. turns_open_: between the raft loop thread's start and its end.
  absl::Mutex turn_mu_;
  bool turns_open_ ABSL_GUARDED_BY(turn_mu_) = false;
  bool apply_kick_ ABSL_GUARDED_BY(turn_mu_) = false;  // this turn queued apply work

  // Applier queue. apply_run_mu_ is held by whichever thread applies (the applier
  // thread, or a thread in KickApplier): groups are applied one at a time, in queue
  // order (a thread takes tasks only while holding it). Lock order: apply_run_mu_, then
  // apply_mu_; turn_mu_ is never taken (only tried) with apply_run_mu_ held.
  absl::Mutex apply_run_mu_;
  absl::Mutex apply_mu_;
  absl::CondVar apply_cv_;
  std::deque<ApplyTask> apply_queue_ ABSL_GUARDED_BY(apply_mu_);
  bool apply_wake_ ABSL_GUARDED_BY(apply_mu_) = false;
  bool apply_stop_ ABSL_GUARDED_BY(apply_mu_) = false;
  // Applier only (whoever holds apply_run_mu_; Stop() after the applier is joined).
  uint64_t applied_term_ = 0;
  raftpb::ConfState conf_state_;    // as of the applied index
  uint64_t last_snap_request_ = 0;  // index of the last snapshot requested
  struct PhysicalCompaction {
    int64_t rev;
    uint64_t wait_id;
    ApplyResult result;
  };
  std::vector<PhysicalCompaction> physical_compactions_;
  std::optional<int64_t> compacted_rev_;  // compaction applied in the current group

  // Applied-index waiters (reads) and progress notification.
  mutable absl::Mutex applied_mu_;
  absl::CondVar applied_cv_;
  std::multimap<uint64_t, std::vector<uint64_t>> read_waiters_ ABSL_GUARDED_BY(applied_mu_);

  // Worker queue.
  absl::Mutex work_mu_;
  absl::CondVar work_cv_;
  std::deque<std::function<void()>> work_ ABSL_GUARDED_BY(work_mu_);
  bool work_stop_ ABSL_GUARDED_BY(work_mu_) = false;

  // Stop coordination.
  mutable absl::Mutex stop_mu_;
  absl::CondVar stop_cv_;
  bool stop_done_ ABSL_GUARDED_BY(stop_mu_) = false;
  absl::Status stop_error_ ABSL_GUARDED_BY(stop_mu_);
  std::atomic<bool> stop_called_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> self_stop_requested_{false};

  // Membership (membership_apply.cc).
  std::vector<membership::Member> join_peers_;  // joining member: the fetched members
  mutable absl::Mutex progress_mu_;
  std::optional<std::map<uint64_t, uint64_t>> leader_match_ ABSL_GUARDED_BY(progress_mu_);

  // Shared observable state.
  std::atomic<uint64_t> lead_{0};
  std::atomic<bool> is_leader_{false};
  std::atomic<uint64_t> term_{0};
  std::atomic<uint64_t> committed_index_{0};
  std::atomic<uint64_t> applied_index_{0};
  std::atomic<uint64_t> snapshot_index_{0};
  std::atomic<bool> ready_{false};
  std::atomic<bool> is_learner_{false};

  // Metrics.
  mutable absl::Mutex key_count_mu_;
  mutable int64_t key_count_ ABSL_GUARDED_BY(key_count_mu_) = 0;
  mutable int64_t key_count_rev_ ABSL_GUARDED_BY(key_count_mu_) = -1;
  mutable Clock::TimePoint key_count_at_ ABSL_GUARDED_BY(key_count_mu_){};
  std::atomic<uint64_t> leader_changes_{0};
  std::atomic<uint64_t> read_index_requests_{0};
  // True while this member is the leader of a single-voter configuration with an entry
  // of its term committed: a linearizable read then needs no ReadIndex round trip (Raft
  // would answer it with the commit index at once). Set by the raft loop each turn.
  std::atomic<bool> single_voter_reads_{false};
  std::atomic<uint64_t> raft_loop_turns_{0};
  std::atomic<int64_t> proposals_pending_{0};
  std::atomic<uint64_t> proposals_failed_{0};
  std::atomic<uint64_t> slow_applies_{0};
  metrics::Histogram wal_fsync_seconds_;
  metrics::Histogram backend_commit_seconds_;
  metrics::Histogram snapshot_save_seconds_;

  std::thread raft_thread_;
  // v2 keys store (v2_server.cc). v2_ is replaced only by LoadV2Store (open, snapshot
  // install); the store itself is thread-safe.
  absl::Status LoadV2Store();
  ApplyResult ApplyV2(const serverpb::V2Request& q);
  void MaybeProposeV2Sync(Clock::TimePoint now);  // raft loop only
  mutable absl::Mutex v2_mu_;
  std::unique_ptr<v2store::Store> v2_ ABSL_GUARDED_BY(v2_mu_);
  Clock::TimePoint v2_sync_sent_{};  // raft loop only

  std::thread apply_thread_;
  std::thread worker_thread_;
};

template <typename Resp>
WaitFn EtcdServer::Complete(Done<Resp> done) {
  return [this, done = std::move(done)](ApplyResult r) {
    if (!r.status.ok()) {
      done(r.status);
      return;
    }
    auto* resp = static_cast<Resp*>(r.response.get());
    FillHeaderIds(resp->mutable_header());
    done(std::move(*resp));
  };
}

}  // namespace etcd::server
