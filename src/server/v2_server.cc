// The v2 keys API on the member (--enable-v2; docs/design/v2store.md): writes are
// proposed through Raft and applied to the v2 store on every member in log order; the
// store is saved into the backend's meta bucket in the same batch as the apply, so it
// survives restarts and travels with backend snapshots. TTLs expire through SYNC
// entries carrying the leader's wall time.
#include "absl/strings/str_cat.h"
#include "server/etcd_server.h"
#include "v2store/store.h"

namespace etcd::server {
namespace {
constexpr char kV2StoreKey[] = "v2store";
constexpr auto kV2SyncInterval = std::chrono::milliseconds(500);
}  // namespace

absl::Status EtcdServer::LoadV2Store() {
  auto store = std::make_unique<v2store::Store>();
  auto data = backend_->Get(storage::Bucket::kMeta, kV2StoreKey);
  if (!data.ok()) return data.status();
  if (data->has_value() && !store->Recover(**data)) {
    return absl::DataLossError("the v2 store saved in the backend (meta/v2store) is corrupt");
  }
  absl::MutexLock l(&v2_mu_);
  v2_ = std::move(store);
  return absl::OkStatus();
}

v2store::Store* EtcdServer::V2Store() {
  absl::MutexLock l(&v2_mu_);
  return cfg_.enable_v2 ? v2_.get() : nullptr;
}

uint64_t EtcdServer::CommittedRaftIndex() const { return committed_index_.load(); }

void EtcdServer::V2Write(const RequestContext& ctx, const serverpb::V2Request& req,
                         Done<serverpb::V2Response> done) {
  if (!cfg_.enable_v2) return done(absl::UnimplementedError("the v2 API is not enabled"));
  if (auto s = CheckCommon(ctx); !s.ok()) return done(s);
  serverpb::InternalRaftRequest r;
  *r.mutable_v2() = req;
  Propose(std::move(r), Complete<serverpb::V2Response>(std::move(done)));
}

ApplyResult EtcdServer::ApplyV2(const serverpb::V2Request& q) {
  auto resp = std::make_shared<serverpb::V2Response>();
  v2store::Store* store;
  {
    absl::MutexLock l(&v2_mu_);
    store = v2_.get();
  }
  if (store == nullptr) return ApplyResult{absl::OkStatus(), resp};
  const int64_t now = q.time_ns();
  v2store::Outcome o;
  bool changed = false;
  if (q.method() == "SYNC") {
    changed = !store->DeleteExpired(now).empty();
  } else {
    v2store::WriteOptions w;
    w.dir = q.dir();
    w.value = q.value();
    w.expire_ns = q.expire_ns();
    w.refresh = q.refresh();
    std::optional<std::string> prev_value;
    if (q.has_prev_value()) prev_value = q.prev_value();
    const bool compare = q.prev_index() > 0 || (q.has_prev_value() && !q.prev_value().empty());
    if (q.method() == "POST") {
      o = store->Create(q.path(), w, /*unique=*/true, now);
    } else if (q.method() == "DELETE") {
      o = compare ? store->CompareAndDelete(q.path(), prev_value, q.prev_index(), now)
                  : store->Delete(q.path(), q.dir(), q.recursive(), now);
    } else if (q.prev_exist() == 1) {
      o = compare ? store->CompareAndSwap(q.path(), prev_value, q.prev_index(), w, now)
                  : store->Update(q.path(), w, now);
    } else if (q.prev_exist() == 2) {
      o = store->Create(q.path(), w, /*unique=*/false, now);
    } else if (compare) {
      o = store->CompareAndSwap(q.path(), prev_value, q.prev_index(), w, now);
    } else {
      o = store->Set(q.path(), w, now);
    }
    changed = o.ok();
    if (o.ok()) {
      bool created =
          o.event.action == "create" || (o.event.action == "set" && !o.event.prev_node.has_value());
      resp->set_http_status(created ? 201 : 200);
      if (q.no_value_on_success()) {
        v2store::Event bare;
        bare.action = o.event.action;
        bare.node.key = o.event.node.key;
        bare.node.dir = o.event.node.dir;
        bare.node.modified_index = o.event.node.modified_index;
        bare.node.created_index = o.event.node.created_index;
        resp->set_body(bare.Json());
      } else {
        resp->set_body(o.event.Json());
      }
      resp->set_etcd_index(o.event.etcd_index);
    } else {
      resp->set_http_status(o.error->HttpStatus());
      resp->set_body(o.error->Json());
      resp->set_etcd_index(o.error->index);
    }
  }
  if (changed) backend_->Put(storage::Bucket::kMeta, kV2StoreKey, store->Save());
  return ApplyResult{absl::OkStatus(), resp};
}

void EtcdServer::MaybeProposeV2Sync(Clock::TimePoint now) {
  if (!cfg_.enable_v2 || now - v2_sync_sent_ < kV2SyncInterval) return;
  v2_sync_sent_ = now;
  serverpb::InternalRaftRequest r;
  auto* v = r.mutable_v2();
  v->set_method("SYNC");
  v->set_time_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                     deps_.clock->WallNow().time_since_epoch())
                     .count());
  // Only worth an entry when something can expire.
  {
    absl::MutexLock l(&v2_mu_);
    if (v2_ == nullptr || !v2_->HasExpiring()) return;
  }
  ProposeInternal(r);
}

}  // namespace etcd::server
