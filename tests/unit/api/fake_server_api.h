// A ServerApi for api/ tests. Every method answers through a replaceable handler; the
// defaults answer at once with a filled header (the IDs of the etcd 3.4.23 oracle run
// whose bodies the tests compare against). Calls are recorded.
//
// Thread safety: handlers are set before use; counters and the last request context
// are guarded by a mutex.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/server_api.h"

namespace etcd::api::testing {

template <typename Req, typename Resp>
using Handler = std::function<void(const server::RequestContext&, const Req&, server::Done<Resp>)>;

class FakeServerApi : public server::ServerApi {
 public:
  FakeServerApi();

  uint64_t cluster_id = 324952591200643719u;
  uint64_t member_id = 3319814642761637952u;
  uint64_t term = 2;
  int64_t revision = 2;

#define ETCD_FAKE_METHOD(Name, Req, Resp)                                    \
  Handler<etcdserverpb::Req, etcdserverpb::Resp> on_##Name;                  \
  void Name(const server::RequestContext& ctx, const etcdserverpb::Req& req, \
            server::Done<etcdserverpb::Resp> done) override {                \
    Record(ctx, #Name);                                                      \
    on_##Name(ctx, req, std::move(done));                                    \
  }
  ETCD_FAKE_METHOD(Range, RangeRequest, RangeResponse)
  ETCD_FAKE_METHOD(Put, PutRequest, PutResponse)
  ETCD_FAKE_METHOD(DeleteRange, DeleteRangeRequest, DeleteRangeResponse)
  ETCD_FAKE_METHOD(Txn, TxnRequest, TxnResponse)
  ETCD_FAKE_METHOD(Compact, CompactionRequest, CompactionResponse)
  ETCD_FAKE_METHOD(LeaseGrant, LeaseGrantRequest, LeaseGrantResponse)
  ETCD_FAKE_METHOD(LeaseRevoke, LeaseRevokeRequest, LeaseRevokeResponse)
  ETCD_FAKE_METHOD(LeaseRenew, LeaseKeepAliveRequest, LeaseKeepAliveResponse)
  ETCD_FAKE_METHOD(LeaseTimeToLive, LeaseTimeToLiveRequest, LeaseTimeToLiveResponse)
  ETCD_FAKE_METHOD(LeaseLeases, LeaseLeasesRequest, LeaseLeasesResponse)
  ETCD_FAKE_METHOD(MemberList, MemberListRequest, MemberListResponse)
  ETCD_FAKE_METHOD(MemberAdd, MemberAddRequest, MemberAddResponse)
  ETCD_FAKE_METHOD(MemberRemove, MemberRemoveRequest, MemberRemoveResponse)
  ETCD_FAKE_METHOD(MemberUpdate, MemberUpdateRequest, MemberUpdateResponse)
  ETCD_FAKE_METHOD(MemberPromote, MemberPromoteRequest, MemberPromoteResponse)
  ETCD_FAKE_METHOD(Status, StatusRequest, StatusResponse)
  ETCD_FAKE_METHOD(Alarm, AlarmRequest, AlarmResponse)
  ETCD_FAKE_METHOD(Defragment, DefragmentRequest, DefragmentResponse)
  ETCD_FAKE_METHOD(Hash, HashRequest, HashResponse)
  ETCD_FAKE_METHOD(HashKV, HashKVRequest, HashKVResponse)
  ETCD_FAKE_METHOD(MoveLeader, MoveLeaderRequest, MoveLeaderResponse)
#undef ETCD_FAKE_METHOD

  uint64_t ClusterId() const override { return cluster_id; }
  uint64_t MemberId() const override { return member_id; }
  uint64_t Term() const override { return term; }
  int64_t CurrentRevision() const override { return revision; }
  void FillHeader(etcdserverpb::ResponseHeader* h) const override {
    h->set_cluster_id(cluster_id);
    h->set_member_id(member_id);
    h->set_revision(revision);
    h->set_raft_term(term);
  }

  mvcc::WatchableStore* Watchable() override { return watchable; }
  mvcc::WatchableStore* watchable = nullptr;

  server::HealthInfo Health() const override { return health; }
  server::HealthInfo health{.has_leader = true, .alarms = {}};

  void CheckQuorum(int timeout_ms, std::function<void(absl::Status)> done) override {
    Record({}, "CheckQuorum");
    on_CheckQuorum(timeout_ms, std::move(done));
  }
  std::function<void(int, std::function<void(absl::Status)>)> on_CheckQuorum;

  std::string MetricsText() const override { return metrics; }
  std::string metrics = "etcd_server_has_leader 1\netcd_server_is_leader 1\n";

  // Recorded calls.
  int Calls(const std::string& method) const;
  server::RequestContext LastContext() const;

 private:
  void Record(const server::RequestContext& ctx, const std::string& method);

  mutable absl::Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  server::RequestContext last_ctx_ ABSL_GUARDED_BY(mu_);
};

}  // namespace etcd::api::testing
