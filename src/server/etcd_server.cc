// EtcdServer: bootstrap/restart, thread life cycle, shared helpers. The raft loop is
// in raft_loop.cc, the applier in apply.cc, the request entry points in
// server_requests.cc.
#include "server/etcd_server.h"

#include <pthread.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "membership/member.h"
#include "server/proposal_batch.h"

namespace etcd::server {

// Adapts the lessor to the KV applier's lease hooks.
class EtcdServer::LessorHooks final : public LeaseHooks {
 public:
  explicit LessorHooks(lease::Lessor* lessor) : lessor_(lessor) {}
  bool Exists(int64_t lease) const override { return lessor_->Exists(lease); }
  void Attach(int64_t lease, std::string_view key) override { lessor_->Attach(lease, key); }
  void Detach(int64_t lease, std::string_view key) override { lessor_->Detach(lease, key); }

 private:
  lease::Lessor* const lessor_;
};

namespace {

void PutBigEndian(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (56 - 8 * i)));
}

uint64_t GetBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

// Canonical text of a configured URL (Go's url.URL.String for the forms etcd accepts).
std::string UrlString(const config::Url& u) {
  std::string host = u.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string out = u.scheme + "://" + host;
  if (u.port != 0) out += ":" + std::to_string(u.port);
  return out + u.path;
}

std::vector<std::string> UrlStrings(const std::vector<config::Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(UrlString(u));
  return out;
}

}  // namespace

std::string EncodeWalMetadata(uint64_t member_id, uint64_t cluster_id) {
  std::string out;
  PutBigEndian(&out, member_id);
  PutBigEndian(&out, cluster_id);
  return out;
}

bool DecodeWalMetadata(std::string_view data, uint64_t* member_id, uint64_t* cluster_id) {
  if (data.size() != 16) return false;
  *member_id = GetBigEndian(data.substr(0, 8));
  *cluster_id = GetBigEndian(data.substr(8, 8));
  return true;
}

std::string EncodeSnapshotData(uint64_t index) {
  return absl::StrCat("etcd-cpp backend-snapshot v1 index=", index);
}

EtcdServer::EtcdServer(const config::ServerConfig& cfg, ServerDeps deps)
    : cfg_(cfg),
      deps_(deps),
      logger_(deps.logger != nullptr ? deps.logger : &log::Default()),
      transport_(deps.transport != nullptr ? deps.transport : &noop_transport_),
      request_timeout_(std::chrono::seconds(5) + 2 * cfg.election_timeout),
      quota_bytes_(cfg.quota_backend_bytes > 0 ? cfg.quota_backend_bytes
                                               : int64_t{2} * 1024 * 1024 * 1024),
      rng_(deps.seed),
      wal_fsync_seconds_(metrics::ExponentialBuckets(0.001, 2, 14)),
      backend_commit_seconds_(metrics::ExponentialBuckets(0.001, 2, 14)),
      snapshot_save_seconds_(metrics::ExponentialBuckets(0.1, 2, 10)) {}

EtcdServer::~EtcdServer() { Stop(); }

absl::StatusOr<std::unique_ptr<EtcdServer>> EtcdServer::Create(const config::ServerConfig& cfg,
                                                               ServerDeps deps) {
  if (deps.env == nullptr || deps.clock == nullptr) {
    return absl::InvalidArgumentError("EtcdServer needs an Env and a Clock");
  }
  config::ServerConfig c = cfg;
  if (c.data_dir.empty()) c.data_dir = c.name + ".etcd";
  if (c.heartbeat_interval.count() <= 0) c.heartbeat_interval = std::chrono::milliseconds(100);
  if (c.election_timeout < c.heartbeat_interval * 2) c.election_timeout = c.heartbeat_interval * 10;
  std::unique_ptr<EtcdServer> s(new EtcdServer(c, deps));
  RETURN_IF_ERROR(s->Bootstrap());
  return s;
}

absl::Status EtcdServer::Bootstrap() {
  Env* env = deps_.env;
  (void)env->CreateDir(cfg_.data_dir);
  (void)env->CreateDir(cfg_.MemberDir());
  snapshotter_ = std::make_unique<wal::Snapshotter>(env, cfg_.SnapDir(), cfg_.unsafe_no_fsync);
  if (wal::Wal::Exists(env, cfg_.WalDir())) {
    restarted_ = true;
    RETURN_IF_ERROR(RestartFromDisk());
  } else {
    RETURN_IF_ERROR(BootstrapNew());
  }
  ids_ = std::make_unique<RequestIdGenerator>(member_id_, deps_.clock->WallNow());
  {
    absl::MutexLock lock(&lease_rng_mu_);
    lease_rng_ = Rng(rng_.Next());
  }
  conf_state_ = node_->Status().config;
  if (auto self = cluster_->Find(member_id_); self.has_value()) {
    is_learner_ = self->is_learner;
  }
  // Auto-compaction policy.
  Clock::TimePoint now = deps_.clock->Now();
  if (cfg_.auto_compaction_mode == config::CompactionMode::kRevision) {
    int64_t n = cfg_.auto_compaction_revisions;
    if (n == 0) n = std::atoll(cfg_.auto_compaction_retention.c_str());
    compactor_ = AutoCompactor::Revision(n, now);
  } else {
    Clock::Duration period = cfg_.auto_compaction_period;
    if (period.count() == 0) {
      // Stopgap parse when config/ did not fill auto_compaction_period: "1" = 1 hour,
      // or a Go-style duration with one unit (h, m, s).
      const std::string& r = cfg_.auto_compaction_retention;
      if (!r.empty()) {
        char unit = r.back();
        double v = std::atof(r.c_str());
        if (unit == 'h')
          period = std::chrono::duration_cast<Clock::Duration>(
              std::chrono::duration<double, std::ratio<3600>>(v));
        else if (unit == 'm')
          period = std::chrono::duration_cast<Clock::Duration>(
              std::chrono::duration<double, std::ratio<60>>(v));
        else if (unit == 's')
          period = std::chrono::duration_cast<Clock::Duration>(std::chrono::duration<double>(v));
        else
          period = std::chrono::duration_cast<Clock::Duration>(
              std::chrono::duration<double, std::ratio<3600>>(v));
      }
    }
    compactor_ = AutoCompactor::Periodic(period, now, kv_->Rev());
  }
  return absl::OkStatus();
}

absl::Status EtcdServer::OpenStateMachine() {
  auto t0 = deps_.clock->Now();
  auto lap = [this, &t0] {
    auto now = deps_.clock->Now();
    double ms = std::chrono::duration<double, std::milli>(now - t0).count();
    t0 = now;
    return ms;
  };
  // A 2 MiB memtable bounds what LevelDB replays from its own log at start-up (a
  // 16 MiB one costs ~4x longer restarts for no measurable write gain here) and the
  // memory the live and the flushing memtable hold (~1 MiB less RSS than 4 MiB on
  // average after 100k puts; same put throughput at 1000 clients).
  storage::BackendOptions bopts;
  bopts.write_buffer_bytes = 2 << 20;
  ASSIGN_OR_RETURN(backend_, storage::Backend::Open(deps_.env, cfg_.DbDir(), bopts));
  double backend_ms = lap();
  mvcc::KvStoreOptions kv_options;
  if (cfg_.experimental_compaction_batch_limit > 0) {
    kv_options.compaction_batch_limit = cfg_.experimental_compaction_batch_limit;
  }
  ASSIGN_OR_RETURN(kv_, mvcc::KvStore::Open(backend_.get(), kv_options));
  double kv_ms = lap();
  lease::LessorOptions lease_options;
  // ceil(1.5 * election timeout) in seconds.
  lease_options.min_ttl_seconds = static_cast<int64_t>(
      std::ceil(1.5 * static_cast<double>(cfg_.election_timeout.count()) / 1000.0));
  lease_options.checkpoint_enabled = cfg_.experimental_enable_lease_checkpoint;
  lessor_ = std::make_unique<lease::Lessor>(backend_.get(), deps_.clock, lease_options);
  RETURN_IF_ERROR(lessor_->Recover());
  RETURN_IF_ERROR(LoadV2Store());  // v2_server.cc
  kv_->ForEachLeasedKey(
      [&](const std::string& key, int64_t lease) { lessor_->Attach(lease, key); });
  double lease_ms = lap();
  lease_hooks_ = std::make_unique<LessorHooks>(lessor_.get());
  kv_applier_ = std::make_unique<KvApplier>(kv_.get(), lease_hooks_.get());
  RETURN_IF_ERROR(alarms_.Recover(*backend_));
  RETURN_IF_ERROR(OpenAuthStore());
  mvcc::WatchOptions watch_options;
  watch_options.progress_notify_interval = cfg_.experimental_watch_progress_notify_interval;
  watch_options.fragment_threshold_bytes = cfg_.max_request_bytes + 512 * 1024;
  watch_options.rng_seed = rng_.Next();
  watchable_ = std::make_unique<mvcc::WatchableStore>(kv_.get(), deps_.clock, watch_options);
  logger().Debug("opened the state machine", {{"backend-open-ms", backend_ms},
                                              {"kv-store-open-ms", kv_ms},
                                              {"lessor-recover-ms", lease_ms},
                                              {"rest-ms", lap()},
                                              {"revision", kv_->Rev()}});
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<raft::RawNode>> EtcdServer::NewRawNode(uint64_t applied) {
  raft::Config c;
  c.id = member_id_;
  c.election_tick = std::max(2, cfg_.ElectionTicks());
  c.heartbeat_tick = 1;
  c.storage = raft_storage_.get();
  c.applied = applied;
  c.max_size_per_msg = 1 << 20;
  c.max_uncommitted_entries_size = 1ull << 30;
  c.max_inflight_msgs = 512;
  c.check_quorum = true;
  c.lazy_commit_broadcast = true;  // raft_loop.cc sends a held commit after kCommitFlushDelay
  c.pre_vote = cfg_.pre_vote;
  c.seed = rng_.Next();
  c.logger = logger_;
  return raft::RawNode::Create(c);
}

absl::Status EtcdServer::BootstrapNew() {
  if (!cfg_.discovery.empty() || !cfg_.discovery_srv.empty()) {
    // Refuse rather than silently bootstrapping a one-member cluster.
    return absl::UnimplementedError(
        "bootstrapping through --discovery / --discovery-srv is not supported by this build "
        "yet; use --initial-cluster");
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> ic;
  for (const auto& [name, urls] : cfg_.initial_cluster) ic.emplace_back(name, UrlStrings(urls));
  if (ic.empty()) {
    std::vector<std::string> urls = UrlStrings(cfg_.initial_advertise_peer_urls);
    if (urls.empty()) urls.push_back("http://localhost:2380");
    ic.emplace_back(cfg_.name, urls);
  }
  if (cfg_.initial_cluster_state == config::ClusterState::kExisting) {
    return BootstrapJoin(ic);  // member_join.cc
  }
  ASSIGN_OR_RETURN(cluster_,
                   membership::RaftCluster::FromInitialCluster(cfg_.initial_cluster_token, ic));
  auto self = cluster_->FindByName(cfg_.name);
  if (!self.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("couldn't find local name \"", cfg_.name,
                                                   "\" in the initial cluster configuration"));
  }
  member_id_ = self->id;
  RETURN_IF_ERROR(OpenStateMachine());
  if (backend_->ConsistentIndex() > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("member ", membership::IdToHex(member_id_),
                     " has already been bootstrapped (the backend in ", cfg_.DbDir(),
                     " holds data but the WAL directory ", cfg_.WalDir(), " is missing)"));
  }
  wal::WalOptions wopts;
  wopts.no_fsync = cfg_.unsafe_no_fsync;
  wopts.nonce = rng_.Next();
  ASSIGN_OR_RETURN(wal_, wal::Wal::Create(deps_.env, cfg_.WalDir(),
                                          EncodeWalMetadata(member_id_, cluster_->id()), wopts));
  raft_storage_ = std::make_unique<raft::MemoryStorage>();
  ASSIGN_OR_RETURN(node_, NewRawNode(0));
  for (const auto& m : cluster_->Members()) {
    bootstrap_peers_.push_back(raft::Peer{m.id, m.ToProto().SerializeAsString()});
  }
  RETURN_IF_ERROR(node_->Bootstrap(bootstrap_peers_));
  logger().Info("starting member in a new cluster",
                {{"local-member-id", membership::IdToHex(member_id_)},
                 {"cluster-id", membership::IdToHex(cluster_->id())},
                 {"initial-cluster-token", cfg_.initial_cluster_token}});
  return absl::OkStatus();
}

absl::Status EtcdServer::RestartFromDisk() {
  auto t_start = deps_.clock->Now();
  auto ms_since = [this](Clock::TimePoint t) {
    return std::chrono::duration<double, std::milli>(deps_.clock->Now() - t).count();
  };
  // The backend first: its consistent index decides which snapshot to start from.
  auto t_sm = deps_.clock->Now();
  RETURN_IF_ERROR(OpenStateMachine());
  RETURN_IF_ERROR(InstallPendingSnapshotDb());  // cluster_peer.cc
  double state_ms = ms_since(t_sm);
  const uint64_t ci = backend_->ConsistentIndex();

  auto t_scan = deps_.clock->Now();
  ASSIGN_OR_RETURN(auto wal_snaps, wal::Wal::ValidSnapshotEntries(deps_.env, cfg_.WalDir()));
  double snap_scan_ms = ms_since(t_scan);
  // Only snapshots the backend already covers (it is synced before each snapshot, so
  // normally the newest one): a backend that lost synced data still restarts from an
  // older snapshot, replaying more of the WAL, as long as the WAL still holds it.
  std::vector<wal::WalSnapshot> usable;
  for (const auto& ws : wal_snaps) {
    if (ws.index <= ci) usable.push_back(ws);
  }
  if (usable.empty() && !wal_snaps.empty()) {
    return absl::DataLossError(absl::StrCat(
        "backend consistent index ", ci, " is behind every raft snapshot in the WAL (oldest ",
        wal_snaps.front().index, "): the backend lost data the WAL no longer holds"));
  }
  if (!usable.empty() && usable.back().index != wal_snaps.back().index) {
    logger().Warn("the backend is behind the newest raft snapshot; replaying more of the WAL",
                  {{"consistent-index", ci},
                   {"newest-snapshot", wal_snaps.back().index},
                   {"using-snapshot", usable.back().index}});
  }
  raftpb::Snapshot snap;
  auto loaded = snapshotter_->LoadNewestAvailable(usable);
  if (loaded.ok()) {
    snap = *loaded;
  } else if (!absl::IsNotFound(loaded.status())) {
    return loaded.status();
  }
  wal::WalOptions wopts;
  wopts.no_fsync = cfg_.unsafe_no_fsync;
  wopts.nonce = rng_.Next();
  ASSIGN_OR_RETURN(wal_, wal::Wal::Open(deps_.env, cfg_.WalDir(),
                                        {snap.metadata().index(), snap.metadata().term()}, wopts));
  auto t_wal = deps_.clock->Now();
  ASSIGN_OR_RETURN(auto rr, wal_->ReadAll());
  double wal_read_ms = ms_since(t_wal);
  repaired_wal_tail_ = rr.repaired_tail;
  uint64_t cluster_id = 0;
  if (!DecodeWalMetadata(rr.metadata, &member_id_, &cluster_id)) {
    return absl::DataLossError("wal: bad metadata record (expected member and cluster IDs)");
  }
  cluster_ = std::make_unique<membership::RaftCluster>();
  RETURN_IF_ERROR(cluster_->Recover(*backend_));
  cluster_->SetId(cluster_id);
  LogIgnoredBootstrapSettings();  // member_join.cc

  raft_storage_ = std::make_unique<raft::MemoryStorage>();
  if (snap.metadata().index() > 0) {
    RETURN_IF_ERROR(raft_storage_->ApplySnapshot(snap));
    snapshot_index_ = snap.metadata().index();
  }
  RETURN_IF_ERROR(raft_storage_->Append(rr.entries));
  ASSIGN_OR_RETURN(uint64_t last, raft_storage_->LastIndex());
  if (ci < snap.metadata().index()) {
    return absl::DataLossError(absl::StrCat("backend consistent index ", ci,
                                            " is behind the raft snapshot at ",
                                            snap.metadata().index()));
  }
  if (ci > last) {
    return absl::DataLossError(
        absl::StrCat("backend consistent index ", ci, " is beyond the last WAL entry ", last));
  }
  raftpb::HardState hs = rr.hard_state;
  // Entries up to the consistent index were committed (they were applied); a
  // commit-only hard state may not have reached the disk.
  if (hs.commit() < ci) hs.set_commit(ci);
  RETURN_IF_ERROR(raft_storage_->SetHardState(hs));
  ASSIGN_OR_RETURN(node_, NewRawNode(ci));
  applied_index_ = ci;
  applied_term_ = backend_->ConsistentTerm();
  committed_index_ = hs.commit();
  term_ = hs.term();
  last_snap_request_ = std::max<uint64_t>(ci, snap.metadata().index());
  logger().Info("restarting member", {{"local-member-id", membership::IdToHex(member_id_)},
                                      {"cluster-id", membership::IdToHex(cluster_id)},
                                      {"commit-index", hs.commit()},
                                      {"applied-index", ci},
                                      {"snapshot-index", snap.metadata().index()},
                                      {"wal-entries", static_cast<uint64_t>(rr.entries.size())},
                                      {"repaired-wal-tail", rr.repaired_tail},
                                      {"snapshot-scan-ms", snap_scan_ms},
                                      {"wal-read-ms", wal_read_ms},
                                      {"state-machine-open-ms", state_ms},
                                      {"total-ms", ms_since(t_start)}});
  return absl::OkStatus();
}

void EtcdServer::Start() {
  if (started_.exchange(true)) return;
  watchable_->Start();
  AddTransportPeers();  // membership_apply.cc
  next_tick_ = deps_.clock->Now() + cfg_.heartbeat_interval;
  {
    absl::MutexLock lock(&in_mu_);
    in_wake_ = true;  // first turn at once (a single voter campaigns right away)
  }
  raft_thread_ = std::thread([this] { RaftLoop(); });
  apply_thread_ = std::thread([this] { ApplyLoop(); });
  worker_thread_ = std::thread([this] { WorkerLoop(); });
}

void EtcdServer::Kick() {
  {
    absl::MutexLock lock(&in_mu_);
    in_wake_ = true;
  }
  in_cv_.Signal();
  {
    absl::MutexLock lock(&apply_mu_);
    apply_wake_ = true;
  }
  apply_cv_.Signal();
}

void EtcdServer::Stop() {
  if (stop_called_.exchange(true)) {
    absl::MutexLock lock(&stop_mu_);
    while (!stop_done_) stop_cv_.Wait(&stop_mu_);
    return;
  }
  TransferLeadershipOnStop();  // a leader hands over first (membership_apply.cc)
  stopping_ = true;
  if (started_.load()) {
    {
      absl::MutexLock lock(&in_mu_);
      raft_stop_ = true;
    }
    in_cv_.Signal();
    if (raft_thread_.joinable()) raft_thread_.join();
    {
      absl::MutexLock lock(&apply_mu_);
      apply_stop_ = true;
    }
    apply_cv_.Signal();
    if (apply_thread_.joinable()) apply_thread_.join();
    { absl::MutexLock run(&apply_run_mu_); }  // a KickApplier group still applying
    {
      absl::MutexLock lock(&work_mu_);
      work_stop_ = true;
    }
    work_cv_.Signal();
    if (worker_thread_.joinable()) worker_thread_.join();
    watchable_->Stop();
  }
  waits_.CancelAll(errors::Make(errors::Err::kStopped));
  {
    absl::MutexLock lock(&applied_mu_);
    read_waiters_.clear();
  }
  if (backend_ != nullptr) {
    absl::Status s = backend_->CommitSync(applied_index_.load(), applied_term_);
    if (!s.ok()) logger().Error("failed to sync the backend on stop", {{"error", s.ToString()}});
  }
  if (wal_ != nullptr) {
    absl::Status s = wal_->Close();
    if (!s.ok()) logger().Error("failed to close the WAL", {{"error", s.ToString()}});
  }
  stopped_ = true;
  {
    absl::MutexLock lock(&stop_mu_);
    stop_done_ = true;
  }
  stop_cv_.SignalAll();
}

void EtcdServer::TEST_Crash() {
  if (stop_called_.exchange(true)) return;
  stopping_ = true;
  if (started_.load()) {
    {
      absl::MutexLock lock(&in_mu_);
      raft_stop_ = true;
    }
    in_cv_.Signal();
    if (raft_thread_.joinable()) raft_thread_.join();
    {
      absl::MutexLock lock(&apply_mu_);
      apply_stop_ = true;
      apply_queue_.clear();  // handed over but never applied: the WAL has them
    }
    apply_cv_.Signal();
    if (apply_thread_.joinable()) apply_thread_.join();
    { absl::MutexLock run(&apply_run_mu_); }  // a KickApplier group still applying
    {
      absl::MutexLock lock(&work_mu_);
      work_stop_ = true;
      work_.clear();
    }
    work_cv_.Signal();
    if (worker_thread_.joinable()) worker_thread_.join();
    watchable_->Stop();
  }
  waits_.CancelAll(errors::Make(errors::Err::kStopped));
  wal_.reset();  // closes its files without syncing
  stopped_ = true;
  {
    absl::MutexLock lock(&stop_mu_);
    stop_done_ = true;
  }
  stop_cv_.SignalAll();
}

void EtcdServer::WaitStopped() {
  absl::MutexLock lock(&stop_mu_);
  while (!stop_done_ && !self_stop_requested_.load()) stop_cv_.Wait(&stop_mu_);
}

bool EtcdServer::WaitReady(absl::Duration timeout) {
  absl::MutexLock lock(&applied_mu_);
  absl::Time deadline = absl::Now() + timeout;
  while (!ready_.load()) {
    if (applied_cv_.WaitWithDeadline(&applied_mu_, deadline)) return ready_.load();
  }
  return true;
}

bool EtcdServer::WaitApplied(uint64_t index, absl::Duration timeout) {
  absl::MutexLock lock(&applied_mu_);
  absl::Time deadline = absl::Now() + timeout;
  while (applied_index_.load() < index) {
    if (applied_cv_.WaitWithDeadline(&applied_mu_, deadline)) {
      return applied_index_.load() >= index;
    }
  }
  return true;
}

absl::Status EtcdServer::StopError() const {
  absl::MutexLock lock(&stop_mu_);
  return stop_error_;
}

void EtcdServer::FailFatal(const std::string& what, const absl::Status& s) {
  logger().Error(what, {{"error", s.ToString()}});
  RequestSelfStop(absl::Status(s.code(), what + ": " + std::string(s.message())));
}

void EtcdServer::RequestSelfStop(absl::Status why) {
  // Stop serving: every request from now on fails; main notices through WaitStopped /
  // SelfStopped and calls Stop().
  stopping_ = true;
  {
    absl::MutexLock lock(&stop_mu_);
    if (stop_error_.ok()) stop_error_ = std::move(why);
    self_stop_requested_ = true;
  }
  stop_cv_.SignalAll();
  // Nothing pending can be acknowledged any more.
  waits_.CancelAll(errors::Make(errors::Err::kStopped));
}

// ---------------- worker ----------------

bool EtcdServer::RunOnWorker(std::function<void()> fn) {
  {
    absl::MutexLock lock(&work_mu_);
    if (work_stop_) return false;
    work_.push_back(std::move(fn));
  }
  work_cv_.Signal();
  return true;
}

void EtcdServer::WorkerLoop() {
  pthread_setname_np(pthread_self(), "server-worker");
  for (;;) {
    std::function<void()> fn;
    {
      absl::MutexLock lock(&work_mu_);
      while (work_.empty() && !work_stop_) work_cv_.Wait(&work_mu_);
      if (work_.empty()) return;
      fn = std::move(work_.front());
      work_.pop_front();
    }
    fn();
  }
}

// ---------------- shared helpers ----------------

uint64_t EtcdServer::ClusterId() const { return cluster_->id(); }

int64_t EtcdServer::CurrentRevision() const { return kv_->CommittedRev(); }

void EtcdServer::FillHeaderIds(etcdserverpb::ResponseHeader* header) const {
  header->set_cluster_id(cluster_->id());
  header->set_member_id(member_id_);
  header->set_raft_term(term_.load());
}

void EtcdServer::FillHeader(etcdserverpb::ResponseHeader* header) const {
  FillHeaderIds(header);
  header->set_revision(kv_->CommittedRev());
}

Clock::TimePoint EtcdServer::RequestDeadline() const {
  return deps_.clock->Now() + request_timeout_;
}

absl::Status EtcdServer::CheckCommon(const RequestContext& ctx, bool learner_ok) const {
  if (stopping_.load()) return errors::Make(errors::Err::kStopped);
  if (!learner_ok && is_learner_.load()) return errors::Make(errors::Err::kLearnerNotSupported);
  // A token must be valid even while auth is disabled (etcd); auth_requests.cc.
  if (auto s = CheckAuthToken(ctx); !s.ok()) return s;
  if (ctx.require_leader && lead_.load() == 0) return errors::Make(errors::Err::kNoLeader);
  return absl::OkStatus();
}

void EtcdServer::Propose(serverpb::InternalRaftRequest req, WaitFn fn, bool turn_here) {
  if (stopping_.load()) {
    fn(ApplyResult{errors::Make(errors::Err::kStopped), nullptr});
    return;
  }
  // etcd refuses new proposals while the applier lags far behind
  // (maxGapBetweenApplyAndCommitIndex).
  if (committed_index_.load() > applied_index_.load() + 5000) {
    fn(ApplyResult{errors::Make(errors::Err::kTooManyRequests), nullptr});
    return;
  }
  uint64_t id = ids_->Next();
  req.set_id(id);
  req.mutable_header()->set_id(id);
  std::string data = req.SerializeAsString();
  if (data.size() > cfg_.max_request_bytes) {
    fn(ApplyResult{errors::Make(errors::Err::kRequestTooLarge), nullptr});
    return;
  }
  proposals_pending_.fetch_add(1);
  waits_.Register(id, RequestDeadline(), [this, fn = std::move(fn)](ApplyResult r) {
    proposals_pending_.fetch_sub(1);
    if (!r.status.ok() && (errors::Is(r.status, errors::Err::kTimeout) ||
                           errors::Is(r.status, errors::Err::kStopped))) {
      proposals_failed_.fetch_add(1);
    }
    fn(std::move(r));
  });
  const bool defer = turn_here && ProposalBatch::Open();
  {
    absl::MutexLock lock(&in_mu_);
    in_props_.push_back(Proposal{id, std::move(data), false, {}});
    // turn_here: TurnHereOrWake sets in_wake_ itself if the turn cannot run here.
    // Deferred: a turn that runs meanwhile may take it; the batch's close runs one.
    if (!turn_here || defer) in_wake_ = true;
  }
  if (defer) {
    ProposalBatch::Defer();
  } else if (turn_here) {
    TurnHereOrWake();
  } else {
    in_cv_.Signal();
  }
}

void EtcdServer::RunDeferredTurn() { TurnHereOrWake(); }

void EtcdServer::ProposeConfChange(raftpb::ConfChange cc, WaitFn fn) {
  if (stopping_.load()) {
    fn(ApplyResult{errors::Make(errors::Err::kStopped), nullptr});
    return;
  }
  uint64_t id = ids_->Next();
  cc.set_id(id);
  waits_.Register(id, RequestDeadline(), std::move(fn));
  {
    absl::MutexLock lock(&in_mu_);
    in_props_.push_back(Proposal{id, "", true, std::move(cc)});
    in_wake_ = true;
  }
  in_cv_.Signal();
}

void EtcdServer::LinearizableRead(Clock::TimePoint deadline, std::function<void(absl::Status)> fn) {
  if (stopping_.load()) {
    fn(errors::Make(errors::Err::kStopped));
    return;
  }
  // Single voter (see single_voter_reads_): the read index is the commit index; once it
  // is applied the read runs here, on the caller's thread, without a raft-loop turn.
  if (single_voter_reads_.load() && applied_index_.load() >= committed_index_.load()) {
    fn(absl::OkStatus());
    return;
  }
  uint64_t id = ids_->Next();
  waits_.Register(id, deadline, [fn = std::move(fn)](ApplyResult r) { fn(r.status); });
  {
    absl::MutexLock lock(&in_mu_);
    in_reads_.push_back(id);
    in_wake_ = true;
  }
  in_cv_.Signal();
}

absl::Status EtcdServer::QuotaCheck(size_t cost) {
  if (alarms_.Has(etcdserverpb::NOSPACE)) return errors::Make(errors::Err::kNoSpace);
  if (quota_size_.Fits(static_cast<int64_t>(cost), quota_bytes_)) {
    return absl::OkStatus();
  }
  // Over quota: raise NOSPACE for this member through Raft, refuse the request.
  serverpb::InternalRaftRequest r;
  r.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  r.mutable_alarm()->set_memberid(member_id_);
  r.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
  Propose(std::move(r), [](ApplyResult) {});
  return errors::Make(errors::Err::kNoSpace);
}

HealthInfo EtcdServer::Health() const {
  HealthInfo h;
  h.has_leader = lead_.load() != 0;
  h.is_learner = is_learner_.load();
  h.alarms = alarms_.List();
  return h;
}

void EtcdServer::CheckQuorum(int timeout_ms, std::function<void(absl::Status)> done) {
  LinearizableRead(deps_.clock->Now() + std::chrono::milliseconds(timeout_ms), std::move(done));
}

int64_t EtcdServer::KeyCount() const {
  // Counting walks the key index, so scrapes reuse a count for a few seconds.
  const Clock::TimePoint now = deps_.clock->Now();
  absl::MutexLock lock(&key_count_mu_);
  const int64_t rev = kv_->CommittedRev();
  const bool never = key_count_at_ == Clock::TimePoint{};
  if (never || (rev != key_count_rev_ && now - key_count_at_ >= std::chrono::seconds(5))) {
    mvcc::RangeOptions o;
    o.count_only = true;
    auto r = kv_->Range(std::string(1, '\0'), std::string(1, '\0'), o);
    if (r.ok()) key_count_ = r->count;
    key_count_rev_ = rev;
    key_count_at_ = now;
  }
  return key_count_;
}

std::string EtcdServer::MetricsText() const {
  std::string out;
  using metrics::AppendCounter;
  using metrics::AppendGauge;
  std::string id_hex = membership::IdToHex(member_id_);
  std::string cluster_version = cluster_->Version();
  AppendGauge(
      &out, "etcd_cluster_version",
      "Which version is running. 1 for 'cluster_version' label with current cluster version", 1,
      cluster_version.empty()
          ? "cluster_version=\"\""
          : "cluster_version=\"" + cluster_version.substr(0, cluster_version.rfind('.')) + "\"");
  AppendGauge(&out, "etcd_debugging_mvcc_keys_total", "Total number of keys.",
              static_cast<double>(KeyCount()));
  backend_commit_seconds_.Append(&out, "etcd_disk_backend_commit_duration_seconds",
                                 "The latency distributions of commit called by backend.");
  snapshot_save_seconds_.Append(&out, "etcd_disk_backend_snapshot_duration_seconds",
                                "The latency distribution of backend snapshots.");
  wal_fsync_seconds_.Append(&out, "etcd_disk_wal_fsync_duration_seconds",
                            "The latency distributions of fsync called by WAL.");
  AppendGauge(&out, "etcd_mvcc_db_total_size_in_bytes",
              "Total size of the underlying database physically allocated in bytes.",
              static_cast<double>(backend_->SizeBytes()));
  AppendGauge(&out, "etcd_mvcc_db_total_size_in_use_in_bytes",
              "Total size of the underlying database logically in use in bytes.",
              static_cast<double>(backend_->SizeInUseBytes()));
  AppendGauge(&out, "etcd_server_has_leader",
              "Whether or not a leader exists. 1 is existence, 0 is not.",
              lead_.load() != 0 ? 1 : 0);
  AppendGauge(&out, "etcd_server_id",
              "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
              1, "server_id=\"" + id_hex + "\"");
  AppendGauge(&out, "etcd_server_is_leader",
              "Whether or not this member is a leader. 1 if is, 0 otherwise.",
              is_leader_.load() ? 1 : 0);
  AppendGauge(&out, "etcd_server_is_learner",
              "Whether or not this member is a learner. 1 if is, 0 otherwise.",
              is_learner_.load() ? 1 : 0);
  AppendCounter(&out, "etcd_server_leader_changes_seen_total", "The number of leader changes seen.",
                static_cast<double>(leader_changes_.load()));
  AppendGauge(&out, "etcd_server_proposals_applied_total",
              "The total number of consensus proposals applied.",
              static_cast<double>(applied_index_.load()));
  AppendGauge(&out, "etcd_server_proposals_committed_total",
              "The total number of consensus proposals committed.",
              static_cast<double>(committed_index_.load()));
  AppendCounter(&out, "etcd_server_proposals_failed_total",
                "The total number of failed proposals seen.",
                static_cast<double>(proposals_failed_.load()));
  AppendGauge(&out, "etcd_server_proposals_pending",
              "The current number of pending proposals to commit.",
              static_cast<double>(std::max<int64_t>(0, proposals_pending_.load())));
  AppendGauge(&out, "etcd_server_quota_backend_bytes",
              "Current backend storage quota size in bytes.", static_cast<double>(quota_bytes_));
  AppendCounter(&out, "etcd_server_slow_apply_total",
                "The total number of slow apply requests (likely overloaded from slow disk).",
                static_cast<double>(slow_applies_.load()));
  AppendGauge(&out, "etcd_server_version",
              "Which version is running. 1 for 'server_version' label with current version.", 1,
              "server_version=\"" ETCD_VERSION "\"");
  return out;
}

}  // namespace etcd::server
