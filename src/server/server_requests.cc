// EtcdServer's ServerApi entry points: validate, then answer at once (serializable
// reads, member-local state) or propose / read through Raft.
#include <algorithm>

#include "common/errors.h"
#include "membership/member.h"
#include "server/etcd_server.h"
#include "server/kv_validation.h"

namespace etcd::server {
namespace {

// All ranges of the txn are serializable (etcd's isTxnSerializable).
bool TxnSerializable(const etcdserverpb::TxnRequest& r) {
  for (const auto* ops : {&r.success(), &r.failure()}) {
    for (const auto& op : *ops) {
      if (!op.has_request_range() || !op.request_range().serializable()) return false;
    }
  }
  return true;
}

}  // namespace

// ---------------- KV ----------------

void EtcdServer::Range(const RequestContext& ctx, const etcdserverpb::RangeRequest& req,
                       Done<etcdserverpb::RangeResponse> done) {
  // A learner serves serializable ranges only.
  if (auto s = CheckCommon(ctx, /*learner_ok=*/req.serializable()); !s.ok()) return done(s);
  if (auto s = ValidateRange(req); !s.ok()) return done(s);
  if (auto s = AuthorizeRange(ctx, req); !s.ok()) return done(s);
  // etcd's doSerialize: after a linearizable read's wait the identity and permission are
  // checked again as of now; after the read, the auth revision must not have moved.
  auto run = [this, req, ctx, done] {
    const uint64_t auth_rev = IdentityAuthRevision(ctx);
    if (!req.serializable()) {
      if (auto s = AuthorizeRange(ctx, req); !s.ok()) return done(s);
    }
    auto resp = kv_applier_->Range(req);
    if (!resp.ok()) return done(resp.status());
    if (auto s = RecheckAuthRevision(auth_rev); !s.ok()) return done(s);
    FillHeaderIds(resp->mutable_header());
    done(std::move(*resp));
  };
  if (req.serializable()) return run();
  LinearizableRead(RequestDeadline(), [run, done](absl::Status s) {
    if (!s.ok()) return done(s);
    run();
  });
}

void EtcdServer::Put(const RequestContext& ctx, const etcdserverpb::PutRequest& req,
                     Done<etcdserverpb::PutResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = ValidatePut(req); !s.ok()) return done(s);
  if (auto s = QuotaCheck(req.ByteSizeLong()); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_put() = req;
  ProposeAs(ctx, std::move(r), Complete<etcdserverpb::PutResponse>(std::move(done)),
            /*turn_here=*/true);
}

void EtcdServer::DeleteRange(const RequestContext& ctx, const etcdserverpb::DeleteRangeRequest& req,
                             Done<etcdserverpb::DeleteRangeResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = ValidateDeleteRange(req); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_delete_range() = req;
  ProposeAs(ctx, std::move(r), Complete<etcdserverpb::DeleteRangeResponse>(std::move(done)),
            /*turn_here=*/true);
}

void EtcdServer::Txn(const RequestContext& ctx, const etcdserverpb::TxnRequest& req,
                     Done<etcdserverpb::TxnResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = ValidateTxn(req, cfg_.max_txn_ops); !s.ok()) return done(s);
  if (KvApplier::IsReadOnly(req)) {
    if (auto s = AuthorizeTxn(ctx, req); !s.ok()) return done(s);
    const bool serializable = TxnSerializable(req);
    auto run = [this, req, ctx, done, serializable] {  // as in Range
      const uint64_t auth_rev = IdentityAuthRevision(ctx);
      if (!serializable) {
        if (auto s = AuthorizeTxn(ctx, req); !s.ok()) return done(s);
      }
      auto resp = kv_applier_->ReadOnlyTxn(req);
      if (!resp.ok()) return done(resp.status());
      if (auto s = RecheckAuthRevision(auth_rev); !s.ok()) return done(s);
      FillHeaderIds(resp->mutable_header());
      done(std::move(*resp));
    };
    if (serializable) return run();
    LinearizableRead(RequestDeadline(), [run, done](absl::Status s) {
      if (!s.ok()) return done(s);
      run();
    });
    return;
  }
  if (auto s = QuotaCheck(req.ByteSizeLong()); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_txn() = req;
  ProposeAs(ctx, std::move(r), Complete<etcdserverpb::TxnResponse>(std::move(done)),
            /*turn_here=*/true);
}

void EtcdServer::Compact(const RequestContext& ctx, const etcdserverpb::CompactionRequest& req,
                         Done<etcdserverpb::CompactionResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = ValidateCompaction(req); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_compaction() = req;
  ProposeAs(ctx, std::move(r), Complete<etcdserverpb::CompactionResponse>(std::move(done)));
}

// ---------------- Lease ----------------

void EtcdServer::LeaseGrant(const RequestContext& ctx, const etcdserverpb::LeaseGrantRequest& req,
                            Done<etcdserverpb::LeaseGrantResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (req.ttl() > lease::kMaxLeaseTTL) return done(errors::Make(errors::Err::kLeaseTTLTooLarge));
  if (auto s = QuotaCheck(req.ByteSizeLong()); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_lease_grant() = req;
  if (req.id() == 0) {
    absl::MutexLock lock(&lease_rng_mu_);
    r.mutable_lease_grant()->set_id(lease::Lessor::NextId(&lease_rng_, member_id_));
  }
  ProposeAs(ctx, std::move(r), Complete<etcdserverpb::LeaseGrantResponse>(std::move(done)));
}

void EtcdServer::LeaseRevoke(const RequestContext& ctx, const etcdserverpb::LeaseRevokeRequest& req,
                             Done<etcdserverpb::LeaseRevokeResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_lease_revoke() = req;
  ProposeAs(ctx, std::move(r), Complete<etcdserverpb::LeaseRevokeResponse>(std::move(done)));
}

void EtcdServer::LeaseRenew(const RequestContext& ctx,
                            const etcdserverpb::LeaseKeepAliveRequest& req,
                            Done<etcdserverpb::LeaseKeepAliveResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  etcdserverpb::LeaseKeepAliveResponse resp;
  FillHeader(resp.mutable_header());  // etcd fills the header before renewing
  resp.set_id(req.id());
  if (!is_leader_.load()) return ForwardLeaseRenew(req.id(), std::move(resp), std::move(done));
  auto ttl = lessor_->Renew(req.id());
  if (!ttl.ok() && errors::Is(ttl.status(), errors::Err::kNotLeader)) {
    // Just elected: the lessor is promoted when this term's first entry is applied,
    // which a read barrier waits for; then renew once more.
    LinearizableRead(RequestDeadline(), [this, id = req.id(), resp, done](absl::Status s) mutable {
      if (!s.ok()) return done(s);
      auto again = lessor_->Renew(id);
      if (again.ok()) {
        resp.set_ttl(*again);
      } else if (errors::Is(again.status(), errors::Err::kLeaseNotFound)) {
        resp.set_ttl(0);
      } else {
        return done(again.status());
      }
      done(std::move(resp));
    });
    return;
  }
  if (ttl.ok()) {
    resp.set_ttl(*ttl);
  } else if (errors::Is(ttl.status(), errors::Err::kLeaseNotFound)) {
    resp.set_ttl(0);
  } else {
    return done(ttl.status());
  }
  done(std::move(resp));
}

void EtcdServer::LeaseTimeToLive(const RequestContext& ctx,
                                 const etcdserverpb::LeaseTimeToLiveRequest& req,
                                 Done<etcdserverpb::LeaseTimeToLiveResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  etcdserverpb::LeaseTimeToLiveResponse resp;
  FillHeader(resp.mutable_header());
  resp.set_id(req.id());
  auto info = lessor_->Lookup(req.id());
  if (!info.has_value()) {
    resp.set_ttl(-1);
    return done(std::move(resp));
  }
  resp.set_ttl(info->remaining);
  resp.set_grantedttl(info->ttl);
  if (req.keys()) {
    for (const auto& k : info->keys) resp.add_keys(k);
  }
  done(std::move(resp));
}

void EtcdServer::LeaseLeases(const RequestContext& ctx, const etcdserverpb::LeaseLeasesRequest& req,
                             Done<etcdserverpb::LeaseLeasesResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  etcdserverpb::LeaseLeasesResponse resp;
  FillHeader(resp.mutable_header());
  for (int64_t id : lessor_->Leases()) resp.add_leases()->set_id(id);
  done(std::move(resp));
}

// Cluster service and MoveLeader: member_requests.cc.

// ---------------- Maintenance ----------------

void EtcdServer::Status(const RequestContext& ctx, const etcdserverpb::StatusRequest&,
                        Done<etcdserverpb::StatusResponse> done) {
  if (stopping_.load()) return done(errors::Make(errors::Err::kStopped));
  etcdserverpb::StatusResponse resp;
  FillHeader(resp.mutable_header());
  resp.set_version(ETCD_VERSION);
  resp.set_dbsize(backend_->SizeBytes());
  resp.set_dbsizeinuse(backend_->SizeInUseBytes());
  resp.set_leader(lead_.load());
  resp.set_raftappliedindex(applied_index_.load());  // read first: applied <= committed
  resp.set_raftindex(committed_index_.load());
  resp.set_raftterm(term_.load());
  resp.set_islearner(is_learner_.load());
  if (lead_.load() == 0) resp.add_errors(errors::Message(errors::Err::kNoLeader));
  for (const auto& a : alarms_.List()) {
    // Go's text form of the AlarmMember message, as etcd reports it.
    resp.add_errors("memberID:" + std::to_string(a.memberid()) +
                    " alarm:" + etcdserverpb::AlarmType_Name(a.alarm()) + " ");
  }
  (void)ctx;
  done(std::move(resp));
}

void EtcdServer::Alarm(const RequestContext& ctx, const etcdserverpb::AlarmRequest& req,
                       Done<etcdserverpb::AlarmResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_alarm() = req;
  ProposeAs(ctx, std::move(r), Complete<etcdserverpb::AlarmResponse>(std::move(done)));
}

void EtcdServer::Defragment(const RequestContext& ctx, const etcdserverpb::DefragmentRequest&,
                            Done<etcdserverpb::DefragmentResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = AuthorizeMaintenance(ctx); !s.ok()) return done(s);
  auto shared_done = std::make_shared<Done<etcdserverpb::DefragmentResponse>>(std::move(done));
  bool queued = RunOnWorker([this, shared_done] {
    auto& done = *shared_done;
    logger().Info("starting defragmentation", {{"db-size", backend_->SizeBytes()}});
    absl::Status s = backend_->Defragment();
    if (!s.ok()) {
      logger().Warn("defragmentation failed", {{"error", s.ToString()}});
      return done(s);
    }
    quota_size_.Invalidate();  // the backend shrank: the quota check measures again
    logger().Info("finished defragmentation", {{"db-size", backend_->SizeBytes()}});
    etcdserverpb::DefragmentResponse resp;
    FillHeader(resp.mutable_header());
    done(std::move(resp));
  });
  if (!queued) (*shared_done)(errors::Make(errors::Err::kStopped));
}

void EtcdServer::Hash(const RequestContext& ctx, const etcdserverpb::HashRequest&,
                      Done<etcdserverpb::HashResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = AuthorizeMaintenance(ctx); !s.ok()) return done(s);
  auto h = kv_->Hash();
  if (!h.ok()) return done(h.status());
  etcdserverpb::HashResponse resp;
  FillHeader(resp.mutable_header());
  resp.set_hash(*h);
  done(std::move(resp));
}

void EtcdServer::HashKV(const RequestContext& ctx, const etcdserverpb::HashKVRequest& req,
                        Done<etcdserverpb::HashKVResponse> done) {
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  if (auto s = AuthorizeMaintenance(ctx); !s.ok()) return done(s);
  auto h = kv_->HashKV(req.revision());
  if (!h.ok()) return done(h.status());
  etcdserverpb::HashKVResponse resp;
  FillHeaderIds(resp.mutable_header());
  resp.mutable_header()->set_revision(h->revision);
  resp.set_hash(h->hash);
  resp.set_compact_revision(h->compact_revision);
  done(std::move(resp));
}

}  // namespace etcd::server
