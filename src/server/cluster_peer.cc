// EtcdServer across members: the transport's inbound reports, keep-alive forwarding,
// and Raft snapshots that carry the backend (a dump of a read view taken by the
// leader's applier; installed by the follower's applier). docs/design/server.md
// "Replication across members".
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "common/errors.h"
#include "membership/member.h"
#include "raft/storage.h"
#include "server/backend_dump.h"
#include "server/etcd_server.h"

namespace etcd::server {

struct EtcdServer::SnapshotInstall {
  raftpb::Snapshot snap;  // data: the backend dump
  absl::Notification done;
  absl::Status status;
};

// ---------------- inbound reports ----------------

void EtcdServer::ReportUnreachable(uint64_t id) {
  absl::MutexLock lock(&in_mu_);
  if (raft_stop_) return;
  // Handled on the next turn (at most one heartbeat away); no need to wake the loop.
  if (std::find(in_unreachable_.begin(), in_unreachable_.end(), id) == in_unreachable_.end()) {
    in_unreachable_.push_back(id);
  }
}

void EtcdServer::ReportSnapshot(uint64_t id, bool failed) {
  {
    absl::MutexLock lock(&in_mu_);
    if (raft_stop_) return;
    in_snap_status_.emplace_back(id, failed);
    in_wake_ = true;
  }
  in_cv_.Signal();
}

bool EtcdServer::IsRemovedMember(uint64_t id) const { return cluster_->IsRemoved(id); }

std::vector<serverpb::Member> EtcdServer::PeerMembers() const {
  std::vector<serverpb::Member> out;
  for (const auto& m : cluster_->Members()) out.push_back(m.ToProto());
  return out;
}

void EtcdServer::DrainPeerReports() {
  std::vector<uint64_t> unreachable;
  std::vector<std::pair<uint64_t, bool>> snaps;
  {
    absl::MutexLock lock(&in_mu_);
    unreachable.swap(in_unreachable_);
    snaps.swap(in_snap_status_);
  }
  for (uint64_t id : unreachable) node_->ReportUnreachable(id);
  for (const auto& [id, failed] : snaps) {
    if (failed) {
      logger().Warn("failed to send a database snapshot", {{"to", membership::IdToHex(id)}});
    } else {
      logger().Info("sent a database snapshot", {{"to", membership::IdToHex(id)}});
    }
    node_->ReportSnapshot(id, failed);
  }
}

// ---------------- lease keep-alive forwarding ----------------

absl::StatusOr<int64_t> EtcdServer::RenewLeaseForPeer(int64_t id, absl::Time deadline) {
  if (stopping_.load()) return errors::Make(errors::Err::kStopped);
  if (!is_leader_.load()) return errors::Make(errors::Err::kNotLeader);
  auto ttl = lessor_->Renew(id);
  if (ttl.ok() || !errors::Is(ttl.status(), errors::Err::kNotLeader)) return ttl;
  // Just elected: the lessor is promoted once this term's first entry is applied,
  // which a read barrier waits for.
  struct Barrier {
    absl::Notification n;
    absl::Status s;
  };
  auto b = std::make_shared<Barrier>();
  LinearizableRead(RequestDeadline(), [b](absl::Status s) {
    b->s = s;
    b->n.Notify();
  });
  if (!b->n.WaitForNotificationWithDeadline(deadline)) return errors::Make(errors::Err::kTimeout);
  if (!b->s.ok()) return b->s;
  return lessor_->Renew(id);
}

void EtcdServer::ForwardLeaseRenew(int64_t id, etcdserverpb::LeaseKeepAliveResponse resp,
                                   Done<etcdserverpb::LeaseKeepAliveResponse> done) {
  const uint64_t lead = lead_.load();
  if (lead == 0) return done(errors::Make(errors::Err::kNoLeader));
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(request_timeout_);
  // The callback may run after Stop (on a gRPC thread): it touches only its captures.
  transport_->LeaseRenew(
      lead, id, timeout,
      [resp = std::move(resp), done = std::move(done)](absl::StatusOr<int64_t> r) mutable {
        if (r.ok()) {
          resp.set_ttl(*r);
          return done(std::move(resp));
        }
        const absl::Status& s = r.status();
        if (errors::Is(s, errors::Err::kLeaseNotFound)) {
          resp.set_ttl(0);  // as the leader answers an unknown lease
          return done(std::move(resp));
        }
        if (errors::Is(s, errors::Err::kNotLeader)) {
          return done(errors::Make(errors::Err::kLeaderChanged));
        }
        const bool etcd_error =
            absl::StartsWith(s.message(), "etcdserver: ") || absl::StartsWith(s.message(), "lease");
        if (!etcd_error &&
            (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) || absl::IsCancelled(s))) {
          return done(errors::Make(errors::Err::kTimeout));  // leader unreachable
        }
        done(s);
      });
}

// ---------------- snapshots: leader side ----------------

void EtcdServer::SendMessages(std::vector<raftpb::Message> msgs) {
  std::vector<raftpb::Message> normal, snaps;
  normal.reserve(msgs.size());
  for (auto& m : msgs) {
    if (m.type() == raftpb::MSG_SNAP) {
      snaps.push_back(std::move(m));
    } else {
      normal.push_back(std::move(m));
    }
  }
  if (!normal.empty()) transport_->Send(std::move(normal));
  if (snaps.empty()) return;
  // The applier takes a read view right after its next commit: the dump then stands
  // exactly at the applied index (at or after the raft snapshot's index).
  {
    absl::MutexLock lock(&apply_mu_);
    ApplyTask t;
    t.snap_sends = std::move(snaps);
    apply_queue_.push_back(std::move(t));
  }
  apply_cv_.Signal();
}

void EtcdServer::DumpForSnapshots(std::vector<raftpb::Message> msgs) {
  std::shared_ptr<storage::ReadView> view(backend_->NewReadView());
  const uint64_t index = applied_index_.load();
  const uint64_t term = applied_term_;
  const raftpb::ConfState cs = conf_state_;
  auto job = [this, view, index, term, cs, msgs]() mutable {
    auto t0 = deps_.clock->Now();
    auto dump = DumpBackend(*view, index, term);
    for (auto& m : msgs) {
      if (!dump.ok()) {
        logger().Error("failed to dump the backend for a snapshot",
                       {{"error", dump.status().ToString()}});
        ReportSnapshot(m.to(), true);
        continue;
      }
      // The dump replaces the raft snapshot: its metadata says where it stands.
      auto* md = m.mutable_snapshot()->mutable_metadata();
      md->set_index(index);
      md->set_term(term);
      *md->mutable_conf_state() = cs;
      m.mutable_snapshot()->set_data(*dump);
      logger().Info("sending database snapshot",
                    {{"to", membership::IdToHex(m.to())},
                     {"snapshot-index", index},
                     {"snapshot-bytes", static_cast<uint64_t>(dump->size())},
                     {"dump-ms",
                      std::chrono::duration<double, std::milli>(deps_.clock->Now() - t0).count()}});
      std::vector<raftpb::Message> one;
      one.push_back(std::move(m));
      transport_->Send(std::move(one));
    }
  };
  if (!RunOnWorker(job)) {
    for (const auto& m : msgs) ReportSnapshot(m.to(), true);
  }
}

// ---------------- snapshots: follower side ----------------

bool EtcdServer::InstallSnapshotFromLeader(const raftpb::Snapshot& snap) {
  const uint64_t index = snap.metadata().index();
  const uint64_t term = snap.metadata().term();
  auto info = CheckBackendDump(snap.data());
  if (!info.ok() || info->index != index) {
    FailFatal("received a snapshot whose database does not match it",
              info.ok() ? absl::DataLossError("dump index differs from the snapshot index")
                        : info.status());
    return false;
  }
  auto t0 = deps_.clock->Now();
  logger().Info("applying snapshot from the leader",
                {{"snapshot-index", index},
                 {"snapshot-term", term},
                 {"snapshot-bytes", static_cast<uint64_t>(snap.data().size())},
                 {"applied-index", applied_index_.load()}});
  // Persist first: the dump (kept until installed, so a crash in between installs it
  // at restart), then the .snap file and the WAL marker.
  (void)deps_.env->CreateDir(cfg_.SnapDir());
  const std::string db_path = cfg_.SnapDir() + "/" + SnapshotDbName(term, index);
  raftpb::Snapshot marker = snap;
  marker.set_data(EncodeSnapshotData(index));
  absl::Status s = WriteFileSync(deps_.env, db_path, snap.data());
  if (s.ok()) s = snapshotter_->SaveSnap(marker);
  if (s.ok()) s = wal_->SaveSnapshot({index, term});
  if (!s.ok()) {
    FailFatal("failed to persist the snapshot from the leader", s);
    return false;
  }
  // The applier installs it after everything handed to it before.
  auto inst = std::make_shared<SnapshotInstall>();
  inst->snap = snap;
  {
    absl::MutexLock lock(&apply_mu_);
    ApplyTask t;
    t.install = inst;
    apply_queue_.push_back(std::move(t));
  }
  apply_cv_.Signal();
  while (!inst->done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    if (self_stop_requested_.load()) return false;
  }
  if (!inst->status.ok()) {
    FailFatal("failed to install the snapshot from the leader", inst->status);
    return false;
  }
  s = raft_storage_->ApplySnapshot(marker);
  if (!s.ok() && !raft::IsErrSnapOutOfDate(s)) {
    FailFatal("failed to apply the snapshot to the raft storage", s);
    return false;
  }
  snapshot_index_ = index;
  committed_index_ = std::max(committed_index_.load(), index);
  (void)deps_.env->RemoveFile(db_path);
  (void)wal_->ReleaseLockTo(index);
  (void)wal_->PurgeOldSegments(cfg_.max_wals);
  (void)snapshotter_->PurgeOld(cfg_.max_snapshots);
  AddTransportPeers();  // the membership may have changed
  logger().Info(
      "applied snapshot from the leader",
      {{"snapshot-index", index},
       {"revision", kv_->Rev()},
       {"took-ms", std::chrono::duration<double, std::milli>(deps_.clock->Now() - t0).count()}});
  return true;
}

absl::Status EtcdServer::ReloadStateMachine() {
  RETURN_IF_ERROR(kv_->Reload());
  RETURN_IF_ERROR(lessor_->Recover());
  kv_->ForEachLeasedKey(
      [&](const std::string& key, int64_t lease) { lessor_->Attach(lease, key); });
  RETURN_IF_ERROR(alarms_.Recover(*backend_));
  RETURN_IF_ERROR(LoadV2Store());  // v2_server.cc
  if (auth_ != nullptr) RETURN_IF_ERROR(auth_->Reload());
  if (cluster_ != nullptr) {
    const uint64_t cluster_id = cluster_->id();
    RETURN_IF_ERROR(cluster_->Recover(*backend_));
    cluster_->SetId(cluster_id);
    if (auto self = cluster_->Find(member_id_); self.has_value()) {
      is_learner_ = self->is_learner;
    }
  }
  return absl::OkStatus();
}

void EtcdServer::ApplySnapshotInstall(const std::shared_ptr<SnapshotInstall>& inst) {
  const auto& md = inst->snap.metadata();
  if (md.index() <= applied_index_.load()) {
    inst->done.Notify();  // already there (raft only sends newer ones; be safe)
    return;
  }
  absl::Status s = LoadBackendDump(backend_.get(), inst->snap.data());
  if (s.ok()) s = ReloadStateMachine();
  if (!s.ok()) {
    inst->status = s;
    inst->done.Notify();
    return;
  }
  quota_size_.Invalidate();  // a new backend: the quota check measures again
  applied_term_ = md.term();
  conf_state_ = md.conf_state();
  last_snap_request_ = md.index();
  physical_compactions_.clear();
  watchable_->OnRestore(kv_->Rev());
  std::vector<uint64_t> reads;
  {
    absl::MutexLock lock(&applied_mu_);
    applied_index_ = md.index();
    while (!read_waiters_.empty() && read_waiters_.begin()->first <= md.index()) {
      auto& ids = read_waiters_.begin()->second;
      reads.insert(reads.end(), ids.begin(), ids.end());
      read_waiters_.erase(read_waiters_.begin());
    }
  }
  applied_cv_.SignalAll();
  if (!reads.empty()) {
    RunOnWorker([this, ids = std::move(reads)] {
      for (uint64_t id : ids) waits_.Trigger(id, ApplyResult{absl::OkStatus(), nullptr});
    });
  }
  inst->done.Notify();
}

absl::Status EtcdServer::InstallPendingSnapshotDb() {
  std::vector<std::string> children;
  if (!deps_.env->GetChildren(cfg_.SnapDir(), &children).ok()) return absl::OkStatus();
  std::string best;
  unsigned long long best_term = 0, best_index = 0;
  for (const auto& name : children) {
    unsigned long long term = 0, index = 0;
    char tail[16] = {0};
    if (std::sscanf(name.c_str(), "%16llx-%16llx.%8s", &term, &index, tail) != 3 ||
        std::string(tail) != "snap.db" || name != SnapshotDbName(term, index)) {
      continue;
    }
    if (best.empty() || index > best_index) {
      best = name;
      best_term = term;
      best_index = index;
    }
  }
  if (best.empty()) return absl::OkStatus();
  const std::string path = cfg_.SnapDir() + "/" + best;
  const uint64_t ci = backend_->ConsistentIndex();
  bool marked = false;
  if (auto ws = wal::Wal::ValidSnapshotEntries(deps_.env, cfg_.WalDir()); ws.ok()) {
    for (const auto& w : *ws) marked |= (w.index == best_index && w.term == best_term);
  }
  if (best_index <= ci || !marked) {
    // Installed already, or never recorded as this member's snapshot (the leader
    // sends a new one).
    for (const auto& name : children) {
      if (name.size() > 8 && name.substr(name.size() - 8) == ".snap.db") {
        (void)deps_.env->RemoveFile(cfg_.SnapDir() + "/" + name);
      }
    }
    return absl::OkStatus();
  }
  std::string data;
  leveldb::Status rs = leveldb::ReadFileToString(deps_.env, path, &data);
  if (!rs.ok()) return absl::DataLossError("read " + path + ": " + rs.ToString());
  RETURN_IF_ERROR(LoadBackendDump(backend_.get(), data));
  RETURN_IF_ERROR(ReloadStateMachine());
  logger().Warn("installed a snapshot database received from the leader before a restart",
                {{"path", path},
                 {"snapshot-index", static_cast<uint64_t>(best_index)},
                 {"previous-consistent-index", ci}});
  (void)deps_.env->RemoveFile(path);
  return absl::OkStatus();
}

}  // namespace etcd::server
