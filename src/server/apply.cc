// The applier thread: committed entries -> backend pending batch -> one Commit per group
// -> OnCommitted -> Notify -> waits (see etcd_server.h).
#include <pthread.h>

#include <algorithm>

#include "common/errors.h"
#include "membership/member.h"
#include "server/etcd_server.h"

namespace etcd::server {
namespace {

// Our snapshots are cheap (the backend is the state; a snapshot only records an index),
// so take them at least every this many entries whatever --snapshot-count says: it
// bounds the WAL a restart has to read.
constexpr uint64_t kMaxSnapshotInterval = 10000;

// KickApplier applies on the calling thread up to this many queued entries (a lone
// write, or a few); bigger groups go to the applier thread so that the raft turns and
// the acks keep flowing while they are applied.
constexpr size_t kApplyHereMaxEntries = 8;

template <typename T>
std::shared_ptr<google::protobuf::Message> Share(T&& msg) {
  return std::make_shared<std::decay_t<T>>(std::forward<T>(msg));
}

}  // namespace

void EtcdServer::ApplyLoop() {
  pthread_setname_np(pthread_self(), "applier");
  for (;;) {
    bool timed_out = false;
    {
      absl::MutexLock lock(&apply_mu_);
      while (apply_queue_.empty() && !apply_stop_ && !apply_wake_ && !timed_out) {
        timed_out = apply_cv_.WaitWithTimeout(&apply_mu_, absl::Milliseconds(100));
      }
    }
    // Tasks are taken only with apply_run_mu_ held: a group applied meanwhile by a
    // KickApplier thread came earlier in the queue than what is taken here.
    absl::MutexLock run(&apply_run_mu_);
    std::vector<ApplyTask> tasks;
    std::shared_ptr<SnapshotInstall> install;
    bool woken;
    {
      absl::MutexLock lock(&apply_mu_);
      woken = apply_wake_;
      apply_wake_ = false;
      // A leader's snapshot is installed after everything queued before it.
      if (!apply_queue_.empty() && apply_queue_.front().install != nullptr) {
        install = std::move(apply_queue_.front().install);
        apply_queue_.pop_front();
      } else {
        tasks = TakeApplyTasksLocked();
      }
      if (install != nullptr || !apply_queue_.empty()) apply_wake_ = true;
      if (tasks.empty() && install == nullptr && apply_stop_) return;
    }
    if (install != nullptr) {
      ApplySnapshotInstall(install);  // cluster_peer.cc
      continue;
    }
    if (self_stop_requested_.load() && tasks.empty()) continue;
    // Nothing queued (a KickApplier thread took it): only compaction steps are due.
    if (tasks.empty() && !woken && !kv_->HasCompactionWork()) continue;
    ApplyGroup(std::move(tasks));
  }
}

std::vector<EtcdServer::ApplyTask> EtcdServer::TakeApplyTasksLocked() {
  std::vector<ApplyTask> tasks;
  while (!apply_queue_.empty() && apply_queue_.front().install == nullptr) {
    tasks.push_back(std::move(apply_queue_.front()));
    apply_queue_.pop_front();
  }
  return tasks;
}

void EtcdServer::KickApplier() {
  if (apply_run_mu_.TryLock()) {
    std::vector<ApplyTask> tasks;
    {
      absl::MutexLock lock(&apply_mu_);
      size_t entries = 0;
      bool plain = true;  // no install, no MSG_SNAP dumps: those stay on the applier
      for (const ApplyTask& t : apply_queue_) {
        entries += t.entries.size();
        plain = plain && t.install == nullptr && t.snap_sends.empty();
      }
      if (!apply_stop_ && plain && entries <= kApplyHereMaxEntries) {
        tasks = TakeApplyTasksLocked();
      }
    }
    if (!tasks.empty()) ApplyGroup(std::move(tasks));
    apply_run_mu_.Unlock();
    absl::MutexLock lock(&apply_mu_);
    if (apply_queue_.empty() && !apply_wake_) return;  // all applied here
  }
  apply_cv_.Signal();
}

void EtcdServer::ApplyGroup(std::vector<ApplyTask> tasks) {
  std::vector<mvccpb::Event> events;
  std::vector<std::pair<uint64_t, ApplyResult>> results;
  uint64_t last_index = applied_index_.load();
  uint64_t last_term = applied_term_;
  bool applied_any = false;
  bool remove_self = false;
  compacted_rev_.reset();
  const auto warn_after = cfg_.experimental_warning_apply_duration;

  std::vector<raftpb::Message> snap_sends;
  for (auto& task : tasks) {
    for (auto& m : task.snap_sends) snap_sends.push_back(std::move(m));
    for (const auto& e : task.entries) {
      if (e.index() <= last_index) continue;  // already in the backend (WAL replay)
      auto t0 = deps_.clock->Now();
      if (e.type() == raftpb::ENTRY_CONF_CHANGE) {
        auto it = task.conf.find(e.index());
        if (it != task.conf.end()) {
          const ConfDecision& d = it->second;
          ApplyResult r = ApplyConf(d);
          conf_state_ = d.conf_state;
          if (d.status.ok() && d.cc.type() == raftpb::CONF_CHANGE_REMOVE_NODE &&
              d.cc.node_id() == member_id_) {
            remove_self = true;
          }
          if (d.cc.id() != 0) results.emplace_back(d.cc.id(), std::move(r));
        }
      } else {
        ApplyNormal(e, &events, &results);
      }
      if (deps_.clock->Now() - t0 > warn_after) slow_applies_.fetch_add(1);
      last_index = e.index();
      last_term = e.term();
      applied_any = true;
    }
  }

  bool compaction_step = false;
  if (kv_->HasCompactionWork()) {
    absl::Status s = kv_->CompactionStep();
    if (!s.ok()) logger().Error("compaction step failed", {{"error", s.ToString()}});
    compaction_step = true;
  }
  if (applied_any || compaction_step || backend_->HasPending()) {
    auto t0 = deps_.clock->Now();
    absl::Status s = backend_->Commit(last_index, last_term);
    if (!s.ok()) {
      FailFatal("failed to commit the backend", s);
      return;
    }
    backend_commit_seconds_.Observe(std::chrono::duration<double>(deps_.clock->Now() - t0).count());
  }
  kv_->OnCommitted(kv_->Rev());
  if (!events.empty()) watchable_->Notify(kv_->Rev(), std::move(events));
  if (compacted_rev_.has_value()) watchable_->OnCompacted(*compacted_rev_);

  std::vector<uint64_t> reads;
  {
    absl::MutexLock lock(&applied_mu_);
    applied_index_ = last_index;
    applied_term_ = last_term;
    while (!read_waiters_.empty() && read_waiters_.begin()->first <= last_index) {
      auto& ids = read_waiters_.begin()->second;
      reads.insert(reads.end(), ids.begin(), ids.end());
      read_waiters_.erase(read_waiters_.begin());
    }
  }
  applied_cv_.SignalAll();
  if (!snap_sends.empty()) DumpForSnapshots(std::move(snap_sends));  // cluster_peer.cc
  if (!reads.empty()) {
    RunOnWorker([this, ids = std::move(reads)] {
      for (uint64_t id : ids) waits_.Trigger(id, ApplyResult{absl::OkStatus(), nullptr});
    });
  }
  for (auto& [id, r] : results) waits_.Trigger(id, std::move(r));
  CheckPhysicalCompactions();
  if (kv_->HasCompactionWork()) {
    absl::MutexLock lock(&apply_mu_);
    apply_wake_ = true;
  }

  // Snapshot: sync the backend up to here, then let the raft loop record the snapshot
  // and compact the log behind it.
  uint64_t interval =
      std::min<uint64_t>(std::max<uint64_t>(cfg_.snapshot_count, 1), kMaxSnapshotInterval);
  if (applied_any && last_index >= last_snap_request_ + interval) {
    absl::Status s = backend_->CommitSync(last_index, last_term);
    if (!s.ok()) {
      FailFatal("failed to sync the backend for a snapshot", s);
      return;
    }
    last_snap_request_ = last_index;
    {
      absl::MutexLock lock(&in_mu_);
      in_snapshot_ = std::make_pair(last_index, conf_state_);
      in_wake_ = true;
    }
    in_cv_.Signal();
  }

  if (remove_self) {
    logger().Error("the member has been permanently removed from the cluster",
                   {{"local-member-id", membership::IdToHex(member_id_)}});
    logger().Info("the data-dir used by this member must be removed",
                  {{"data-dir", cfg_.data_dir}, {"to-rejoin", RejoinHint(cfg_)}});
    RequestSelfStop(absl::OkStatus());
  }
}

void EtcdServer::ApplyNormal(const raftpb::Entry& e, std::vector<mvccpb::Event>* events,
                             std::vector<std::pair<uint64_t, ApplyResult>>* results) {
  if (e.data().empty()) {
    // The new leader's empty entry: every earlier entry is applied now.
    if (is_leader_.load()) lessor_->Promote(cfg_.election_timeout);
    return;
  }
  serverpb::InternalRaftRequest r;
  if (!r.ParseFromString(e.data())) {
    logger().Error("skipping an undecodable raft entry", {{"index", e.index()}});
    return;
  }
  applying_index_ = e.index();
  ApplyResult res = ApplyRequest(r, events);
  uint64_t id = r.header().id();
  if (id == 0) return;
  if (r.has_compaction() && r.compaction().physical() && res.status.ok()) {
    physical_compactions_.push_back(
        PhysicalCompaction{r.compaction().revision(), id, std::move(res)});
    return;
  }
  results->emplace_back(id, std::move(res));
}

ApplyResult EtcdServer::ApplyRequest(const serverpb::InternalRaftRequest& r,
                                     std::vector<mvccpb::Event>* events) {
  // Auth: permission check with the header's identity; auth requests (auth_requests.cc).
  if (auto a = ApplyAuth(r); a.has_value()) return std::move(*a);
  const bool nospace = alarms_.Has(etcdserverpb::NOSPACE);
  auto fail = [](absl::Status s) { return ApplyResult{std::move(s), nullptr}; };
  auto header_rev = [&](etcdserverpb::ResponseHeader* h) { h->set_revision(kv_->Rev()); };

  if (r.has_v2()) return ApplyV2(r.v2());  // v2_server.cc
  if (r.has_put()) {
    if (nospace) return fail(errors::Make(errors::Err::kNoSpace));
    auto resp = kv_applier_->Put(r.put(), events);
    if (!resp.ok()) return fail(resp.status());
    return {absl::OkStatus(), Share(std::move(*resp))};
  }
  if (r.has_delete_range()) {
    auto resp = kv_applier_->DeleteRange(r.delete_range(), events);
    if (!resp.ok()) return fail(resp.status());
    return {absl::OkStatus(), Share(std::move(*resp))};
  }
  if (r.has_txn()) {
    if (nospace && !KvApplier::IsReadOnly(r.txn())) {
      return fail(errors::Make(errors::Err::kNoSpace));
    }
    auto resp = kv_applier_->Txn(r.txn(), events);
    if (!resp.ok()) return fail(resp.status());
    return {absl::OkStatus(), Share(std::move(*resp))};
  }
  if (r.has_range()) {
    auto resp = kv_applier_->Range(r.range());
    if (!resp.ok()) return fail(resp.status());
    return {absl::OkStatus(), Share(std::move(*resp))};
  }
  if (r.has_compaction()) {
    auto resp = kv_applier_->Compact(r.compaction());
    if (!resp.ok()) {
      logger().Warn("failed to apply request", {{"error", resp.status().ToString()}});
      return fail(resp.status());
    }
    compacted_rev_ = r.compaction().revision();
    header_rev(resp->mutable_header());
    return {absl::OkStatus(), Share(std::move(*resp))};
  }
  if (r.has_lease_grant()) {
    if (nospace) return fail(errors::Make(errors::Err::kNoSpace));
    auto info = lessor_->Grant(r.lease_grant().id(), r.lease_grant().ttl());
    if (!info.ok()) return fail(info.status());
    etcdserverpb::LeaseGrantResponse resp;
    resp.set_id(info->id);
    resp.set_ttl(info->ttl);
    header_rev(resp.mutable_header());
    return {absl::OkStatus(), Share(std::move(resp))};
  }
  if (r.has_lease_revoke()) {
    auto keys = lessor_->Revoke(r.lease_revoke().id());
    if (!keys.ok()) return fail(keys.status());
    if (!keys->empty()) {
      absl::Status s = kv_applier_->DeleteKeys(*keys, events);
      if (!s.ok()) return fail(s);
    }
    etcdserverpb::LeaseRevokeResponse resp;
    header_rev(resp.mutable_header());
    return {absl::OkStatus(), Share(std::move(resp))};
  }
  if (r.has_lease_checkpoint()) {
    for (const auto& c : r.lease_checkpoint().checkpoints()) {
      (void)lessor_->Checkpoint(c.id(), c.remaining_ttl());
    }
    return {absl::OkStatus(), nullptr};
  }
  if (r.has_alarm()) {
    const auto& a = r.alarm();
    etcdserverpb::AlarmResponse resp;
    header_rev(resp.mutable_header());
    switch (a.action()) {
      case etcdserverpb::AlarmRequest::GET:
        for (auto& m : alarms_.List(a.alarm())) *resp.add_alarms() = m;
        break;
      case etcdserverpb::AlarmRequest::ACTIVATE: {
        if (a.alarm() == etcdserverpb::NONE) break;
        if (alarms_.Activate(a.memberid(), a.alarm(), backend_.get())) {
          logger().Warn("alarm raised", {{"alarm", etcdserverpb::AlarmType_Name(a.alarm())},
                                         {"from", membership::IdToHex(a.memberid())}});
        }
        auto* m = resp.add_alarms();
        m->set_memberid(a.memberid());
        m->set_alarm(a.alarm());
        break;
      }
      case etcdserverpb::AlarmRequest::DEACTIVATE:
        if (alarms_.Deactivate(a.memberid(), a.alarm(), backend_.get())) {
          logger().Info("alarm disarmed", {{"alarm", etcdserverpb::AlarmType_Name(a.alarm())},
                                           {"from", membership::IdToHex(a.memberid())}});
          auto* m = resp.add_alarms();
          m->set_memberid(a.memberid());
          m->set_alarm(a.alarm());
        }
        break;
      default:
        break;
    }
    return {absl::OkStatus(), Share(std::move(resp))};
  }
  if (r.has_member_attributes()) {
    const auto& a = r.member_attributes();
    std::vector<std::string> urls(a.client_urls().begin(), a.client_urls().end());
    cluster_->UpdateAttributes(a.member_id(), a.name(), urls, backend_.get());
    if (a.member_id() == member_id_ && !ready_.load()) {
      logger().Info("published local member to cluster through raft",
                    {{"local-member-id", membership::IdToHex(member_id_)},
                     {"cluster-id", membership::IdToHex(cluster_->id())}});
      {
        absl::MutexLock lock(&applied_mu_);
        ready_ = true;
      }
      applied_cv_.SignalAll();
    }
    return {absl::OkStatus(), nullptr};
  }
  if (r.has_cluster_version()) {
    if (cluster_->Version() != r.cluster_version().version()) {
      cluster_->SetVersion(r.cluster_version().version(), backend_.get());
      logger().Info("set the cluster version",
                    {{"cluster-version", r.cluster_version().version()}});
    }
    return {absl::OkStatus(), nullptr};
  }
  return fail(absl::UnimplementedError("request type not supported by this member"));
}

ApplyResult EtcdServer::ApplyConf(const ConfDecision& d) {
  if (!d.status.ok()) return ApplyResult{d.status, nullptr};
  switch (d.cc.type()) {
    case raftpb::CONF_CHANGE_ADD_NODE:
    case raftpb::CONF_CHANGE_ADD_LEARNER_NODE:
    case raftpb::CONF_CHANGE_UPDATE_NODE:
      if (d.member.has_value()) cluster_->AddMember(*d.member, backend_.get());
      break;
    case raftpb::CONF_CHANGE_REMOVE_NODE:
      cluster_->RemoveMember(d.cc.node_id(), backend_.get());
      break;
    default:
      break;
  }
  return ApplyResult{absl::OkStatus(), nullptr};
}

void EtcdServer::CheckPhysicalCompactions() {
  if (physical_compactions_.empty()) return;
  int64_t done_rev = kv_->FinishedCompactRev();
  std::vector<PhysicalCompaction> left;
  for (auto& pc : physical_compactions_) {
    if (pc.rev <= done_rev) {
      waits_.Trigger(pc.wait_id, std::move(pc.result));
    } else {
      left.push_back(std::move(pc));
    }
  }
  physical_compactions_.swap(left);
}

}  // namespace etcd::server
